/*
 * admit.h -- the MCP endpoint's limits step (src/ops/limits.h): from the
 * caller, the resolved target and the parsed body to the limiter, and a
 * refusal to its answer. Called by mcp.c between parse and exchange.
 *
 * The rules: config defaults (limit_*), overridden per tenant by
 * tenants.limits {"interval_s", "tenant": {rule}, "caller": {rule},
 * "tool": {rule}} and per tenant server by tenant_servers.limits
 * {"tool": {rule}}, a rule being {"rate", "burst", "concurrent"}, each
 * a non-negative integer (a key absent keeps the value below it; a value
 * of another type or out of range is ignored, with a warning). Keys: the
 * tenant's id; the tenant's id and the principal's sub; the tenant's id,
 * the server alias and params.name of the (first) tools/call.
 *
 * The monthly quota (ops/limits_sync.h): tools/call requests per tenant
 * per calendar month (UTC), config limit_quota_monthly overridden by
 * tenants.limits {"quota_monthly": N} (0: none); checked first, counted
 * only when every limit admits the request.
 *
 * Refusal: HTTP 429, Retry-After: <seconds>, and the JSON-RPC error
 * -32015 (RESPONSE_FAIL_RATE_LIMITED) with
 *   "data": {"retry_after_s", "scope": "tenant"|"caller"|"tool"|"quota",
 *            "reason": "rate"|"concurrency"|"quota", "limit"}
 * (a quota refusal's retry is the seconds until the month's end)
 * for the request's id (null for a batch). *jsonrpc_error gets -32015 for
 * the request log.
 */
#ifndef MCP_ADMIT_H
#define MCP_ADMIT_H

#include <jansson.h>

#include "auth/auth.h"
#include "http/request.h"

/* 0: admitted (admit_release() after the answer); -1: refused and
 * answered. */
int	 admit_check(struct request *, const struct principal *,
	    const json_t *resolved, const json_t *body, int *jsonrpc_error);
void	 admit_release(void);

#endif /* MCP_ADMIT_H */
