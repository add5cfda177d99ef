/*
 * health.h -- liveness and readiness (DESIGN section 5).
 *
 * GET /healthz  200 {"status":"ok"}: the process is up; no I/O.
 * GET /readyz   200 {"status":"ready"} when Supabase answers
 *               GET <supabase_url>/rest/v1/mcp_servers?select=slug&limit=1
 *               with a 2xx within LIMIT_READYZ_TIMEOUT_MS, else
 *               503 {"status":"unavailable","reason":"supabase ..."}.
 *               The request carries "apikey: <secret key>" and, for a
 *               legacy service_role JWT key, "Authorization: Bearer <key>"
 *               (shared/reference/supabase-contract.md section 1). The
 *               reason names the status or libcurl's short error, never a
 *               key, a header or the URL; details go to the error log.
 */
#ifndef MCP_HEALTH_H
#define MCP_HEALTH_H

#include "http/request.h"

int	 health_live(struct request *, const struct route_params *);
int	 health_ready(struct request *, const struct route_params *);

#endif /* MCP_HEALTH_H */
