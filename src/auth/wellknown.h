/*
 * wellknown.h -- the public discovery documents (DESIGN section 3.2).
 *
 * Routes (all GET, HEAD too; no authentication; the bodies name nothing
 * that exists, so they leak no tenant or server):
 *
 *   /.well-known/oauth-protected-resource/mcp/{tenant}/{server}
 *       wellknown_prm: OAuth 2.0 Protected Resource Metadata (RFC 9728
 *       section 3) of one MCP endpoint:
 *         {"resource": "<base>/mcp/<tenant>/<server>",
 *          "authorization_servers": ["<supabase issuer>"],
 *          "bearer_methods_supported": ["header"],
 *          "scopes_supported": ["<WELLKNOWN_OAUTH_SCOPE>"],
 *          "resource_name": "MCP Online Platform"}
 *       The path form is what MCP clients try first (MCP 2025-06-18
 *       authorization: RFC 9728 section 3.1 inserts the well-known path
 *       between host and the resource's path).
 *   /.well-known/oauth-protected-resource
 *       wellknown_prm_root: the same with "resource": "<base>".
 *   /.well-known/jwks.json
 *       wellknown_jwks: the platform's token verification key(s) as a JWK
 *       Set: {"keys":[{"kty":"EC","crv":"P-256","x","y","kid","alg":
 *       "ES256","use":"sig","key_ops":["verify"]}]}, kid = RFC 7638
 *       thumbprint; {"keys":[]} when platform_signing_key_file is unset.
 *   /.well-known/oauth-authorization-server
 *   /.well-known/oauth-authorization-server/mcp/{tenant}/{server}
 *       wellknown_as: 302 to the authorization server's own RFC 8414
 *       metadata (for the issuer <supabase_url>/auth/v1:
 *       <supabase_url>/.well-known/oauth-authorization-server/auth/v1),
 *       for clients that look for it on the MCP server's origin (MCP
 *       2025-03-26 without RFC 9728). A redirect, not a copy: the
 *       document stays Supabase's, with its own issuer.
 * Every document is sent with "Access-Control-Allow-Origin: *" (public
 * data; browser-based MCP clients fetch it cross-origin).
 *
 * The authorization server is the Supabase Auth issuer
 * (config_supabase_issuer(): supabase_jwt_issuer, else
 * <supabase_url>/auth/v1), the issuer of the user tokens we accept.
 *
 * <base> is request_base_url() (http/request.h).
 */
#ifndef MCP_WELLKNOWN_H
#define MCP_WELLKNOWN_H

#include <stddef.h>

#include "buf.h"
#include "http/request.h"

#define WELLKNOWN_PRM_PATH	"/.well-known/oauth-protected-resource"
#define WELLKNOWN_AS_PATH	"/.well-known/oauth-authorization-server"
#define WELLKNOWN_RESOURCE_NAME	"MCP Online Platform"
/*
 * The scopes a client asks Supabase Auth for (RFC 9728 scopes_supported,
 * the challenges' scope=). Supabase's scopes (openid, email, profile,
 * phone) say nothing of tenants: the platform needs the user's id only,
 * which every token has; "email" is Supabase's default scope and lets
 * the consent page and the grants list show whom a grant is for. What a
 * client may reach is the tenant and servers the user picked on the
 * consent page (public.oauth_grants).
 */
#define WELLKNOWN_OAUTH_SCOPE	"email"

int	 wellknown_prm(struct request *, const struct route_params *);
int	 wellknown_prm_root(struct request *, const struct route_params *);
int	 wellknown_jwks(struct request *, const struct route_params *);
int	 wellknown_as(struct request *, const struct route_params *);

/*
 * <base>/.well-known/oauth-protected-resource[/mcp/<tenant>/<server>]
 * appended to out; tenant NULL (or either not a slug): the root form.
 */
int	 wellknown_prm_url(const struct request *, const char *tenant,
	    size_t tenantlen, const char *server, size_t serverlen,
	    struct buf *out);

#endif /* MCP_WELLKNOWN_H */
