/*
 * api_audit.h -- GET /api/v1/tenants/{t}/audit: the tenant's audit trail,
 * newest first, keyset-paged by id (docs/api-reference.md).
 *
 *   ?limit=1..200 (default 50)  &cursor=<next_cursor of the last page>
 *   200 {"items":[{id, ts, actor, actor_key, action, target, details,
 *        request_id, client_ip}], "next_cursor": "<id>" | null}
 *
 * Any member reads their own tenant's rows (RLS of audit_events, the
 * user's own token); an API key needs the admin scope and is read as the
 * service role after api_tenant_access. 400 for an unknown, repeated or
 * malformed parameter; 404 for a tenant the caller cannot see.
 *
 * Writing rows is api_audit() (api.h). Ownership: nothing outlives a
 * request.
 */
#ifndef MCP_API_AUDIT_H
#define MCP_API_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "http/request.h"

#define API_AUDIT_PAGE_DEFAULT	50
#define API_AUDIT_PAGE_MAX	200

int	 api_audit_get(struct request *, const struct route_params *);

/*
 * Parse the query string: 0 with *limit and *cursor (0: none), or -1
 * with a reason in why.
 */
int	 api_audit_parse_query(const char *qs, unsigned int *limit,
	    uint64_t *cursor, char *why, size_t whylen);

#endif /* MCP_API_AUDIT_H */
