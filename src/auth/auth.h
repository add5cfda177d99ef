/*
 * auth.h -- the bearer token of a request to a struct principal (DESIGN
 * section 3.2; docs/authentication.md).
 *
 * The token is read from the Authorization header only ("Bearer" scheme,
 * case-insensitive, RFC 6750 section 2.1). Never from the query string or
 * a form body (MCP authorization: "MUST NOT include tokens in the URI
 * query string"): an access_token parameter is ignored, the request is
 * then unauthenticated.
 *
 * Two issuers, told apart by the token's (untrusted) "iss"; each has its
 * own fixed algorithm allow-list and keys, so picking the wrong one only
 * makes the check fail (lib/jwtx.h does the header, key and claim checks;
 * "none" is always refused; exp is required; LIMIT_JWT_LEEWAY of skew):
 *
 *  Supabase Auth user tokens   iss == config_supabase_issuer()
 *    HS256   with supabase_jwt_secret, only when that is configured
 *    ES256 / RS256   the key of the token's kid from the project's JWKS,
 *            <supabase_url>/auth/v1/.well-known/jwks.json (lib/jwks.h:
 *            cached per process, one re-fetch per LIMIT_JWKS_REFETCH on an
 *            unknown kid)
 *    aud contains "authenticated"; role == "authenticated" (anon and
 *    service_role refused); sub a UUID
 *    -> PRINCIPAL_USER, sub = the user id, role "authenticated".
 *    A token Supabase's OAuth 2.1 server issued to a client carries
 *    "client_id" (a uuid or a client ID metadata document URL, visible
 *    ASCII, <= LIMIT_OAUTH_CLIENT_ID) and "session_id" (a UUID, then
 *    required): kept in client_id/session_id, "scope" in scopes. Such a
 *    caller is served on /mcp only where the user granted that client
 *    the tenant and server (src/store/resolve.h), and never on /api/v1.
 *
 *  Platform tokens (API keys)  iss == platform_issuer
 *    ES256 only, the platform's own key (platform_signing_key_file), kid
 *    = its RFC 7638 thumbprint and required
 *    aud contains "mcp-platform"; sub = the API key id (a UUID);
 *    "tenant" = the key's tenant slug; "scope" optional (space-separated)
 *    -> PRINCIPAL_API_KEY, sub = api_key_id = the key id, role "api_key".
 *
 * Results: auth_authenticate() / auth_verify_token() return
 *    0    *p filled in;
 *    401  no usable token, or the token was refused;
 *    503  the keys to check it could not be had (JWKS unreachable and
 *         nothing cached): not the client's fault, so not a 401.
 * why gets the reason, for the operator's log only: a client is told
 * nothing but error="invalid_token" (RFC 6750 3.1). auth_authenticate()
 * logs the reason itself (info), without token bytes.
 *
 * 401 answers carry (auth_challenge, RFC 6750 section 3, RFC 9728 5.1):
 *    WWW-Authenticate: Bearer error="invalid_token",
 *        resource_metadata="<base>/.well-known/oauth-protected-resource
 *        /mcp/<tenant>/<server>", scope="<WELLKNOWN_OAUTH_SCOPE>"
 * without error= when the request had no Bearer credentials at all
 * (RFC 6750 3.1: "SHOULD NOT include an error code"). <base>: see
 * wellknown.h (public_base_url, else derived from the request).
 *
 * Verified-token cache: a token that passed auth_verify_token() is
 * served again from a per-process table without being parsed or checked,
 * keyed by SHA-256 over the exact token bytes and the configuration that
 * decides its fate (issuers, supabase_url, the HS256 secret, the platform
 * key): a token differing in one byte (tampered), or the same claims in
 * another token, or another configuration, is a miss. An entry holds that
 * digest, the principal and its time bounds, nothing else of the token.
 * It is served from the time it was verified until min(exp + leeway, the
 * first second refused as today; verified + LIMIT_AUTH_CACHE_TTL), and
 * not at all when the clock went back; at most LIMIT_AUTH_CACHE entries
 * (least recently used one replaced). So an expired token is refused at
 * the same second as without the cache. What the cache can delay, by up
 * to LIMIT_AUTH_CACHE_TTL: a key removed from the Supabase JWKS (its
 * tokens stay accepted as long as their cached entry lives). Only
 * successes are cached; refusals and 503s are decided afresh every time.
 *
 * State: a per-process JWKS cache, the parsed platform key and the
 * verified-token cache, all bounded and safe to lose;
 * auth_cache_release() frees them (tests, exit).
 */
#ifndef MCP_AUTH_H
#define MCP_AUTH_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "jwks.h"
#include "product_limits.h"
#include "http/request.h"
#include "uuid.h"

#define AUTH_PLATFORM_AUDIENCE	"mcp-platform"
#define AUTH_SUPABASE_AUDIENCE	"authenticated"
#define AUTH_SUPABASE_ROLE	"authenticated"
#define AUTH_API_KEY_ROLE	"api_key"
#define AUTH_JWKS_PATH		"/auth/v1/.well-known/jwks.json"
#define AUTH_WHY_MAX		128

enum principal_kind {
	PRINCIPAL_NONE,
	PRINCIPAL_USER,		/* a Supabase Auth user */
	PRINCIPAL_API_KEY	/* a tenant API key, via a platform token */
};

/* Plain data, no memory of its own: nothing to release. */
struct principal {
	enum principal_kind	 kind;
	char			 sub[UUID_STRLEN + 1];	/* lower case */
	char			 api_key_id[UUID_STRLEN + 1]; /* API_KEY */
	char			 tenant_slug[LIMIT_SLUG + 1];	/* API_KEY */
	char			 role[LIMIT_JWT_ROLE + 1];
	char			 scopes[LIMIT_JWT_SCOPES + 1];	/* API_KEY,
							   OAuth USER */
	/* USER through an OAuth client (the token has a client_id claim):
	 * the client and the Supabase session; "" otherwise. */
	char			 client_id[LIMIT_OAUTH_CLIENT_ID + 1];
	char			 session_id[UUID_STRLEN + 1];
	time_t			 exp;
};

int	 auth_authenticate(struct request *, struct principal *, char *why,
	    size_t whylen);
/* The same for a bare token (len bytes) at time now (0: time(NULL)). */
int	 auth_verify_token(const struct config *, const char *token,
	    size_t len, time_t now, struct principal *, char *why,
	    size_t whylen);

/*
 * The token of an Authorization value: 0 and (*tok, *len) borrowed from
 * it; -1 when the value is absent or uses another scheme; -2 when it is
 * "Bearer" but without one well-formed b64token (RFC 6750 2.1).
 */
int	 auth_bearer(const char *authorization, const char **tok,
	    size_t *len);

/* Queue the WWW-Authenticate header above; tenant NULL: root metadata. */
int	 auth_challenge(struct request *, const char *tenant,
	    size_t tenantlen, const char *server, size_t serverlen);
/* Answer a failed auth_authenticate(): 401 with the challenge and
 * {"error":{"code":"invalid_token"|"unauthorized",...}}, or 503. */
int	 auth_reject(struct request *, int status, const char *tenant,
	    size_t tenantlen, const char *server, size_t serverlen);
/*
 * 403 for a valid token that does not reach this resource (an OAuth
 * client the user did not grant the tenant/server; RFC 6750 3.1, MCP
 * authorization "scope challenge"):
 *    WWW-Authenticate: Bearer error="insufficient_scope",
 *        scope="<WELLKNOWN_OAUTH_SCOPE>", resource_metadata="<...>"
 * and {"error":{"code":"insufficient_scope","message":msg}}.
 */
int	 auth_reject_scope(struct request *, const char *tenant,
	    size_t tenantlen, const char *server, size_t serverlen,
	    const char *msg);

/*
 * Mint a platform token for an API key (POST /api/v1/auth/token):
 * {"iss":platform_issuer,"aud":"mcp-platform","sub":api_key_id,
 *  "tenant":tenant_slug,"scope":scopes (omitted when NULL or empty),
 *  "iat","exp":iat+ttl,"jti":<uuidv7>}, ES256 with kid. ttl 0:
 * LIMIT_PLATFORM_TOKEN_TTL; over LIMIT_PLATFORM_TOKEN_TTL_MAX: -1. The
 * caller has already checked the key (live, of that tenant). api_key_id
 * must be a UUID, tenant_slug a slug, scopes visible ASCII and spaces
 * (<= LIMIT_JWT_SCOPES). The token is appended to out; 0 or -1 (also when
 * platform_signing_key_file is unset).
 */
int	 auth_mint_platform_token(const struct config *,
	    const char *api_key_id, const char *tenant_slug,
	    const char *scopes, unsigned long ttl, struct buf *out);

/* The Supabase JWKS cache (tests, metrics). */
struct jwks_cache *auth_jwks_cache(void);
void	 auth_cache_release(void);

/* The verified-token cache's counters since auth_cache_release(). */
struct auth_cache_stats {
	unsigned long	 hits;
	unsigned long	 misses;
	size_t		 entries;	/* live or not yet reused */
};

void	 auth_token_cache_stats(struct auth_cache_stats *);

#endif /* MCP_AUTH_H */
