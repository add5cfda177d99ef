/*
 * api_limits.h -- the operator's limits of a tenant and of a tenant server
 * over /api/v1 (issue 13 item 2; docs/api-reference.md, "Limits";
 * docs/configuration.md, "Limits", for what each member does).
 *
 * PUT /api/v1/tenants/{tenant}/limits
 *      {"interval_s", "quota_monthly", "tenant": {rule}, "caller": {rule},
 *      "tool": {rule}}, every member optional; rule = {"rate", "burst",
 *      "concurrent"}. Replaces tenants.limits.
 * PUT /api/v1/tenants/{tenant}/servers/{alias}/limits
 *      {"tool": {rule}, "timeout_ms", "max_body", "max_response",
 *      "max_file_bytes", "disk_quota_bytes"}. Replaces tenant_servers.limits.
 *
 * Operators only: a signed-in user (not an API key, not a token issued to
 * an OAuth client) whose id is in the configuration's operator_users; the
 * operator need not be a member of the tenant. Written as the service role
 * (limits are no tenant's to set: RLS keeps members off the columns).
 * Every member is an integer within the same ranges the platform applies;
 * anything else is 400 naming it. Answers 200 {"limits": {...}} as stored.
 * Audited: limits.set {"target": "tenant"|"server", "limits"}. The new
 * limits take effect with the resolve cache (config_ttl).
 *
 * Errors: 400 (body), 401, 403 (not an operator), 404 (no such tenant or
 * server), 413, 415, 502/503.
 */
#ifndef MCP_API_LIMITS_H
#define MCP_API_LIMITS_H

#include "http/request.h"
#include "http/router.h"

int	 api_limits_tenant_put(struct request *, const struct route_params *);
int	 api_limits_server_put(struct request *, const struct route_params *);

#endif /* MCP_API_LIMITS_H */
