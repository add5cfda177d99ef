/*
 * api_oauth_grants.h -- the OAuth grants of a tenant over /api/v1 (issue
 * 11 item 3; docs/api-reference.md "OAuth grants",
 * docs/authentication.md "OAuth clients"):
 *
 *   GET    /api/v1/tenants/{t}/oauth-grants       200 {"items":[{id,
 *          user_id,client_id,servers,scopes,created_at}]}, newest first
 *   DELETE /api/v1/tenants/{t}/oauth-grants/{id}  204, the row is gone
 *
 * A grant is what a user picked on the consent page (/oauth/consent) for
 * one OAuth client: this tenant and these servers (public.oauth_grants,
 * sql/migrations/0012). Owners and admins see and revoke every grant of
 * the tenant; a plain member only their own (Row Level Security decides,
 * with the caller's own token); an API key needs the admin scope. Another
 * tenant's grant, or one the caller may not see, is 404. A revoke writes
 * an audit row ("oauth_grant.revoke": client and user, never a token) and
 * cuts the client off on /mcp within config_ttl (src/store/resolve.h).
 * It does not touch Supabase Auth's own consent record: the client keeps
 * its Supabase session, useless on this tenant until the user grants it
 * again (or revokes it in Supabase).
 */
#ifndef MCP_API_OAUTH_GRANTS_H
#define MCP_API_OAUTH_GRANTS_H

#include "http/request.h"

int	 api_oauth_grants_list(struct request *, const struct route_params *);
int	 api_oauth_grants_revoke(struct request *,
	    const struct route_params *);

#endif /* MCP_API_OAUTH_GRANTS_H */
