/*
 * apikey.h -- tenant API keys: the key format, new keys, and the check of
 * a presented key (or of the key behind a platform token) against
 * Supabase, cached per worker (issue 10; docs/authentication.md
 * "API keys", docs/security.md "API key storage").
 *
 * Format: "mcpk_" <public id> "_" <secret>
 *     public id  APIKEY_ID_LEN lower-case hex digits (8 random bytes): the
 *                api_keys.prefix column, how a presented key's row is
 *                found; not secret, listed by the API
 *     secret     APIKEY_SECRET_BYTES random bytes, base64url without
 *                padding (APIKEY_SECRET_LEN characters); only its SHA-256
 *                is stored (api_keys.secret_sha256), compared in constant
 *                time (CRYPTO_memcmp)
 * so a key is exactly APIKEY_LEN visible ASCII characters, fits an RFC
 * 6750 b64token, and is told from a JWT by its "mcpk_" start.
 * apikey_parse() is strict: the exact length, prefix, separator, hex id
 * and a canonical base64url secret (lib/base64), anything else is -1.
 *
 * Lookups (sql/migrations/0008_api_keys.sql): POST
 * /rest/v1/rpc/api_key_lookup as the service role, {"p_prefix":id} for a
 * presented key, {"p_id":uuid} for the key behind a platform token. A
 * result is cached per worker for cfg->config_ttl seconds (0: no cache),
 * keyed on the SHA-256 of the whole presented key ("digest") or on the
 * key id, at most LIMIT_APIKEY_CACHE entries (oldest replaced); "no such
 * key" and "wrong secret" answers are cached too, so a flood of one bad
 * key costs one round trip per TTL. So a revocation takes effect within
 * config_ttl. Expiry is judged at every use against the wall clock, not
 * cached. When Supabase cannot answer, an entry past its TTL is served
 * (stale-if-error, as resolve.c does) with a warning.
 *
 * Results of apikey_authenticate() / apikey_check_id():
 *     0    *info filled in: the key is live (exists, not revoked, not
 *          expired, tenant active) and the secret matched;
 *     401  anything else about the key (malformed, unknown, wrong secret,
 *          revoked, expired, suspended tenant): the caller answers 401
 *          with the challenge and tells the client nothing more;
 *     503  Supabase unreachable or answering nonsense, nothing cached.
 * why (may be NULL) gets a reason for the operator's log: never a byte of
 * the secret (the public id at most).
 *
 * last_used_at: apikey_used() notes a use; apikey_flush() (after the
 * response, from the worker's idle step) writes the noted keys with one
 * api_key_touch call; a key is noted at most once per LIMIT_APIKEY_TOUCH_S
 * per worker, and the SQL keeps it to once a minute across workers.
 *
 * State: the per-worker cache and touch table; apikey_cache_clear() frees
 * them (tests, exit). Secrets are wiped (explicit_bzero) after use.
 */
#ifndef MCP_APIKEY_H
#define MCP_APIKEY_H

#include <stddef.h>
#include <time.h>

#include "auth/auth.h"
#include "buf.h"
#include "config.h"
#include "product_limits.h"
#include "uuid.h"

#define APIKEY_PREFIX		"mcpk_"
#define APIKEY_PREFIX_LEN	5
#define APIKEY_ID_BYTES		8
#define APIKEY_ID_LEN		(2 * APIKEY_ID_BYTES)
#define APIKEY_SECRET_BYTES	32
#define APIKEY_SECRET_LEN	43	/* BASE64_LEN(32), no padding */
#define APIKEY_LEN		(APIKEY_PREFIX_LEN + APIKEY_ID_LEN + 1 + \
				 APIKEY_SECRET_LEN)
#define APIKEY_SHA256		32
#define APIKEY_LOOKUP_PATH	"/rest/v1/rpc/api_key_lookup"
#define APIKEY_TOUCH_PATH	"/rest/v1/rpc/api_key_touch"

/* A parsed key: wipe with apikey_parsed_wipe(). */
struct apikey_parsed {
	char		 id[APIKEY_ID_LEN + 1];
	unsigned char	 secret[APIKEY_SECRET_BYTES];
};

/* A new key: key is the only copy of the secret (show it once, wipe). */
struct apikey_new {
	char		 key[APIKEY_LEN + 1];
	char		 id[APIKEY_ID_LEN + 1];
	unsigned char	 sha256[APIKEY_SHA256];
};

/* A live key, as the store said: plain data. */
struct apikey_info {
	char		 id[UUID_STRLEN + 1];
	char		 tenant_id[UUID_STRLEN + 1];
	char		 tenant_slug[LIMIT_SLUG + 1];
	char		 prefix[APIKEY_ID_LEN + 1];	/* "" for old rows */
	char		 scopes[LIMIT_JWT_SCOPES + 1];	/* space-separated */
	int		 all_servers;			/* servers is NULL */
	char		 servers[LIMIT_APIKEY_SERVERS_TEXT + 1]; /* aliases */
	time_t		 expires_at;			/* 0: never */
};

/* Whether (p, len) starts like a key ("mcpk_"): JWTs never do. */
int	 apikey_looks_like(const char *p, size_t len);
/* Strict parse (see above): 0, or -1 (nothing usable in *out). */
int	 apikey_parse(const char *p, size_t len, struct apikey_parsed *out);
void	 apikey_parsed_wipe(struct apikey_parsed *);
/* A fresh random key: 0 or -1 (no randomness). Wipe *out after use. */
int	 apikey_generate(struct apikey_new *out);
/* SHA-256 of n bytes; 0 or -1. */
int	 apikey_sha256(const void *p, size_t n,
	    unsigned char out[APIKEY_SHA256]);

int	 apikey_authenticate(const struct config *, const char *key,
	    size_t len, struct apikey_info *info, char *why, size_t whylen);
int	 apikey_check_id(const struct config *, const char *key_id,
	    struct apikey_info *info, char *why, size_t whylen);

/* scope is in the key's scopes, or the key has "admin" (covers all). */
int	 apikey_has_scope(const struct apikey_info *, const char *scope);
/* The key may reach the server alias (no list: every alias). */
int	 apikey_allows_server(const struct apikey_info *, const char *alias);
/* The PRINCIPAL_API_KEY of a live key (as a platform token gives it). */
void	 apikey_principal(const struct apikey_info *, struct principal *);

void	 apikey_used(const char *key_id);
void	 apikey_flush(const struct config *);

struct apikey_stats {
	unsigned long	 hits;
	unsigned long	 calls;
	unsigned long	 stale;
	unsigned long	 touches;	/* api_key_touch calls */
	size_t		 entries;
};

void	 apikey_stats(struct apikey_stats *);
void	 apikey_cache_clear(void);
/* Replace the monotonic seconds clock (tests); NULL restores it. */
void	 apikey_set_clock(time_t (*now)(void));

#endif /* MCP_APIKEY_H */
