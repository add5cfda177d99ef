/*
 * limitsync.h -- the cross-node sync of the limiter and the monthly quota
 * through Supabase (sql/migrations/0016_limit_sync.sql; the node's side is
 * src/ops/limits_sync.h; docs/deployment.md, "Limits across nodes").
 *
 * limitsync_tick(): from the idle step (after a response was sent, or a
 * quiet worker's tick), never on a request's path. At most once per
 * cfg->limit_sync_interval seconds per NODE (the first idle worker to find
 * it due claims it in the segment): one RPC, limit_sync(node, entries),
 * adding what the node admitted since its last sync and reading back the
 * other nodes' totals. The node is named "<hostname>:<data_dir>" (two
 * nodes on one host differ by data_dir). When Supabase does not answer,
 * the counts are kept for the next sync and one warning is logged.
 * limit_sync_interval 0: no sync (each node counts alone).
 */
#ifndef MCP_STORE_LIMITSYNC_H
#define MCP_STORE_LIMITSYNC_H

#include "config.h"

void	 limitsync_tick(const struct config *);

/* Syncs done and failed by this worker (tests, metrics). */
struct limitsync_stats {
	unsigned long	 syncs, failures;
};
void	 limitsync_stats(struct limitsync_stats *);

#endif /* MCP_STORE_LIMITSYNC_H */
