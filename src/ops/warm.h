/*
 * warm.h -- warm stdio children per tenant across one node's workers
 * (stdio_tenant_warm_max, docs/configuration.md "Fair share").
 *
 * Each worker publishes, in its entry of the node's segment (ops/node.h),
 * how many warm children it keeps for each of up to
 * LIMIT_NODE_WARM_TENANTS tenants (a tenant is a 64-bit hash of its id);
 * warm_count() sums a tenant's over the live workers. A killed worker's
 * entry is reaped with it, so its counts go too. Checking and publishing
 * are done under the segment's lock (warm_lock) so two workers spawning
 * at once cannot both take the last place.
 *
 * Without the segment every count is 0 and nothing is capped.
 */
#ifndef MCP_OPS_WARM_H
#define MCP_OPS_WARM_H

#include <stddef.h>
#include <stdint.h>

/* The key of a tenant id (never 0). */
uint64_t warm_key(const char *tenant_id);
void	 warm_lock(void);
void	 warm_unlock(void);
/* The tenant's warm children on the node, as published. */
unsigned int warm_count(uint64_t key);
/* This worker's counts: n pairs (keys[i], counts[i]); beyond
 * LIMIT_NODE_WARM_TENANTS they are not published (not capped). */
void	 warm_publish(const uint64_t *keys, const uint64_t *counts, size_t n);

#endif /* MCP_OPS_WARM_H */
