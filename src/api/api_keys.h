/*
 * api_keys.h -- tenant API keys over /api/v1 (issue 10 item 2;
 * docs/api-reference.md "API keys", docs/authentication.md):
 *
 *   POST   /api/v1/tenants/{t}/api-keys {name, scopes, servers?,
 *          expires_at?}       201, the key shown once (users only)
 *   GET    /api/v1/tenants/{t}/api-keys       {"items":[...]}, never the
 *          secret nor its digest
 *   DELETE /api/v1/tenants/{t}/api-keys/{id}  204, revoked for good
 *   POST   /api/v1/auth/token  (Authorization: Bearer mcpk_...)
 *          {access_token, token_type, expires_in}
 *
 * Owners and admins only (the handler asks the caller's role, RLS says
 * the same); an API key with the admin scope may list and revoke, never
 * create. Every create and revoke writes an audit row naming the key's
 * prefix, never its secret.
 */
#ifndef MCP_API_KEYS_H
#define MCP_API_KEYS_H

#include "http/request.h"

int	 api_keys_create(struct request *, const struct route_params *);
int	 api_keys_list(struct request *, const struct route_params *);
int	 api_keys_revoke(struct request *, const struct route_params *);
int	 api_keys_token(struct request *, const struct route_params *);

#endif /* MCP_API_KEYS_H */
