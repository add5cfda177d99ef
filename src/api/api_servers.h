/*
 * api_servers.h -- a tenant's MCP servers over /api/v1
 * (docs/api-reference.md "Servers"; issue 10 item 4):
 *
 *   GET    /api/v1/tenants/{t}/servers            list (any member)
 *   POST   /api/v1/tenants/{t}/servers            create {alias, ...};
 *                                                 409 if the alias exists
 *   GET    /api/v1/tenants/{t}/servers/{alias}    one (any member)
 *   PUT    /api/v1/tenants/{t}/servers/{alias}    create or replace
 *   PATCH  /api/v1/tenants/{t}/servers/{alias}    change what is given
 *   DELETE /api/v1/tenants/{t}/servers/{alias}    remove (204)
 *
 * Body: {server | url, settings, secrets, headers, tools: {allow, deny},
 * enabled}. server is a catalog slug; url (with headers) a tenant's own
 * Streamable HTTP server, only when the operator set
 * allow_tenant_http_servers, checked by lib/netguard (https; loopback,
 * private, link-local, CGNAT, multicast, metadata ... refused unless in
 * tenant_http_allow) here and again at every connection.
 *
 * Rules (the issue leaves them open; decided here and documented):
 *  - writes: owner and admin (a member gets 403, a non-member 404); an API
 *    key needs the "admin" scope; reads: every member, every live key;
 *  - settings are checked against the catalog entry's settings_spec:
 *    unknown name, a locked one, an object/array value, or a required one
 *    (without default) missing -> 400 naming it; PUT replaces the settings,
 *    PATCH merges them (null removes one);
 *  - secrets are write-only: a string sets (sealed at once with
 *    AES-256-GCM, target_secret_seal: AAD binds tenant, alias and name),
 *    null removes; on PUT and PATCH alike a secret not named is KEPT (so a
 *    configuration can be replaced without re-sending its secrets), unless
 *    the catalog entry no longer has it. A required secret (without
 *    default) missing after the change -> 400 naming it. Answers show
 *    {"<name>": {"set_at": ...}}, never a value; audit rows name secrets
 *    only;
 *  - BYO headers: every value is a secret (sealed under the lowercased
 *    header name); same set/null/keep rules; names [A-Za-z0-9-]{1,64},
 *    not a transport header (host, content-*, mcp-*, ...);
 *  - limits are the operator's (the 0002 grants exclude them): shown, and
 *    a body that holds "limits" gets 403;
 *  - a change is live at the next request after config_ttl (the resolve
 *    cache); the row's version moves on every change.
 *
 * Errors: 400 (body, spec, guard), 401, 403, 404 (tenant or server), 409
 * (POST of an existing alias), 413/415 (body), 502/503 (store). Raw
 * Postgres messages never reach the caller.
 */
#ifndef MCP_API_SERVERS_H
#define MCP_API_SERVERS_H

#include "http/request.h"
#include "http/router.h"

int	 api_servers_list(struct request *, const struct route_params *);
int	 api_servers_create(struct request *, const struct route_params *);
int	 api_servers_get(struct request *, const struct route_params *);
int	 api_servers_put(struct request *, const struct route_params *);
int	 api_servers_patch(struct request *, const struct route_params *);
int	 api_servers_delete(struct request *, const struct route_params *);

#endif /* MCP_API_SERVERS_H */
