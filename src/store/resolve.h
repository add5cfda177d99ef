/*
 * resolve.h -- (tenant slug, server alias, caller) to everything one MCP
 * exchange needs, in one Supabase round trip, cached per worker (DESIGN
 * section 3.3).
 *
 * The call (sql/migrations/0003_resolve.sql):
 *     POST <supabase_url>/rest/v1/rpc/resolve_mcp_target
 *     apikey: <secret key>          (+ Authorization: Bearer <key> when the
 *                                    key is a legacy service_role JWT)
 *     {"p_tenant":"<slug>","p_server":"<alias>","p_user_id":"<uuid>"}
 *     or  ... "p_api_key_id":"<uuid>"
 * answers 200 with the target object
 *     {"tenant":{id,slug,status,limits}, "caller":{kind,id,role,scopes?},
 *      "server":{slug,name,transport,argv,url,settings_spec,secrets_spec,
 *      limits}, "tenant_server":{id,alias,settings,secrets,tool_allow,
 *      tool_deny,limits,version}}
 * or with JSON null for every "no" (unknown or inactive tenant, unknown or
 * disabled server, caller not a member, key revoked/expired/of another
 * tenant). The caller's token was verified before (src/auth/auth.c); the RPC
 * trusts the ids it is given.
 *
 * resolve_target() returns
 *     0    *target = a NEW reference to the target object. It is shared
 *          with the cache: read it, never modify it;
 *     404  nothing to resolve, same answer for every reason (existence is
 *          not leaked): RPC null, a tenant or server that is not a slug,
 *          an API-key token used on another tenant than its own (refused
 *          without a round trip);
 *     401  (OAuth client) the token's Supabase session is gone;
 *     403  (OAuth client) the user did not grant this client this tenant
 *          and server (see "OAuth clients" below);
 *     503  Supabase unreachable or answering something else than 200 +
 *          JSON object/null, and no cached answer at all;
 *     500  internal (no principal, out of memory).
 *
 * OAuth clients (a USER principal with a client_id, auth.h): the call is
 *     POST <supabase_url>/rest/v1/rpc/resolve_mcp_target_oauth
 *     {"p_tenant","p_server","p_user_id","p_client_id","p_session_id"}
 * (sql/migrations/0014_oauth_binding.sql), answering the same object plus
 * "oauth": {"client_id", "granted", "session"}; still one round trip. The
 * cache key is the user and the token's session (a session belongs to
 * one client; the answer's oauth.client_id must still equal the token's,
 * else 403), so the verdict is cached like the rest: a grant revoked
 * through /api/v1, or in Supabase Auth (which ends the client's
 * sessions), refuses the client within config_ttl seconds on every
 * worker (at most config_ttl, plus the request in flight).
 *
 * Cache: per worker, keyed by (tenant, server, caller kind + id), at most
 * LIMIT_RESOLVE_CACHE entries, the oldest evicted first. An answer (null
 * included, so a flood of unknown names costs one call per TTL) is fresh
 * for cfg->config_ttl seconds; config_ttl 0 disables the cache entirely.
 * When Supabase cannot answer, an entry past its TTL is served anyway
 * (stale-if-error) with a warning in the log; resolve_stats() counts it.
 * The clock is CLOCK_MONOTONIC seconds; resolve_set_clock() replaces it
 * for tests (NULL restores it).
 */
#ifndef MCP_RESOLVE_H
#define MCP_RESOLVE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "auth/auth.h"
#include "http/request.h"

#define RESOLVE_RPC_PATH	"/rest/v1/rpc/resolve_mcp_target"
#define RESOLVE_OAUTH_RPC_PATH	"/rest/v1/rpc/resolve_mcp_target_oauth"

struct resolve_stats {
	unsigned long	 hits;		/* fresh cache answers */
	unsigned long	 calls;		/* RPC round trips attempted */
	unsigned long	 stale;		/* stale answers served on errors */
	unsigned long	 failures;	/* round trips without a usable answer */
	unsigned long	 evictions;
	size_t		 entries;
};

int	 resolve_target(struct request *, const struct principal *,
	    const char *tenant, size_t tenantlen, const char *server,
	    size_t serverlen, json_t **target);

void	 resolve_stats(struct resolve_stats *);
void	 resolve_cache_clear(void);
void	 resolve_set_clock(time_t (*now)(void));

#endif /* MCP_RESOLVE_H */
