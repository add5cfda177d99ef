/*
 * jwks.h -- JSON Web Key Sets (RFC 7517): parse, fetch, cache; and the
 * JWK form of our own keys (RFC 7638 thumbprints as kid).
 *
 * libjwt 1.10 has no JWK support and verifies with PEM text, so every
 * usable JWK is turned into an OpenSSL 3 EVP_PKEY (EVP_PKEY_fromdata) and
 * written out as a SubjectPublicKeyInfo PEM, held in a struct jwtx_key
 * (jwtx.h) whose one algorithm follows from the key type:
 *     kty "EC",  crv "P-256", x, y (32 bytes each)  -> ES256
 *     kty "RSA", n (2048..8192 bits), e             -> RS256
 * A key is SKIPPED (counted in skipped, not an error) when its type or
 * curve is another one (oct, OKP, P-384, ...), when "alg" is present and
 * is not the algorithm above, when "use" is present and is not "sig", when
 * "key_ops" is present without "verify", when its kid repeats an earlier
 * key's, when it is malformed, or past LIMIT_JWKS_KEYS. Symmetric ("oct")
 * keys are never taken from a JWKS. A document that is not
 * {"keys":[...]} (or over LIMIT_JWKS_DOC) is an error; an empty set is not.
 *
 * Lookup (jwks_find): by kid when the token has one (the key found may be
 * of another alg: jwtx_verify() refuses it); a token without kid only
 * matches the single kid-less key of its alg.
 *
 * Cache (struct jwks_cache, one per issuer per process; the platform has
 * no threads):
 *  - fetched on first use, kept for the response's Cache-Control max-age
 *    (default LIMIT_JWKS_TTL, clamped to LIMIT_JWKS_REFETCH ..
 *    LIMIT_JWKS_TTL_MAX), then fetched again on the next use;
 *  - a kid not in the set triggers ONE re-fetch, and at most one per
 *    cache->refetch seconds (LIMIT_JWKS_REFETCH): a stream of tokens with
 *    invented kids cannot make the worker hammer the issuer;
 *  - after a failed fetch the next attempt waits cache->retry seconds
 *    (LIMIT_JWKS_RETRY); meanwhile the previous keys keep serving, for at
 *    most LIMIT_JWKS_STALE seconds past their expiry;
 *  - "now" is a parameter, so tests drive the clock.
 *
 * Errors: 0 / -1 with a lowercase message in err (never key bytes);
 * jwks_cache_find() returns 0, -1 (no such key: the token is refused) or
 * -2 (no keys could be had at all: the issuer is unavailable).
 * Ownership: struct jwks owns its strings; keys handed out are borrowed
 * and valid until the set (or cache) is next changed or released.
 */
#ifndef MCP_JWKS_H
#define MCP_JWKS_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "jwtx.h"
#include "lib_limits.h"

struct jwks {
	struct jwtx_key	 keys[LIMIT_JWKS_KEYS];
	char		*kids[LIMIT_JWKS_KEYS];	/* owned; NULL: no kid */
	char		*pems[LIMIT_JWKS_KEYS];	/* owned public key PEMs */
	size_t		 n;
	size_t		 skipped;
};

void	 jwks_init(struct jwks *);
void	 jwks_release(struct jwks *);
/* Replace set's keys with those of the document (p, len). */
int	 jwks_parse(struct jwks *, const char *p, size_t len, char *err,
	    size_t errlen);
const struct jwtx_key *jwks_find(const struct jwks *, enum jwtx_alg,
	    const char *kid);
/* GET url (lib/httpc; no credentials sent), 200 + a document, parsed into
 * set; *max_age (when non-NULL) gets the clamped cache lifetime. */
int	 jwks_fetch(struct jwks *, const char *url, long timeout_ms,
	    long *max_age, char *err, size_t errlen);

struct jwks_cache {
	char		*url;		/* owned; NULL: not configured */
	struct jwks	 set;
	int		 loaded;	/* set came from a successful fetch */
	time_t		 expires_at;	/* set is fresh until */
	time_t		 tried_at;	/* last fetch attempt; 0: never */
	int		 last_failed;	/* the last attempt failed */
	long		 refetch;	/* LIMIT_JWKS_REFETCH */
	long		 retry;		/* LIMIT_JWKS_RETRY */
	long		 timeout_ms;	/* LIMIT_JWKS_TIMEOUT_MS */
	unsigned long	 fetches;	/* attempts, for tests and metrics */
};

void	 jwks_cache_init(struct jwks_cache *);
void	 jwks_cache_release(struct jwks_cache *);
/* Point the cache at url; a different url empties it. 0 or -1 (ENOMEM). */
int	 jwks_cache_set_url(struct jwks_cache *, const char *url);
int	 jwks_cache_find(struct jwks_cache *, enum jwtx_alg, const char *kid,
	    time_t now, const struct jwtx_key **key, const char **why);

/*
 * Our own keys. pem is a PEM private key ("PRIVATE KEY" or "EC PRIVATE
 * KEY"; never decrypted: an encrypted key fails) or a PUBLIC KEY PEM.
 *  jwks_pem_info:   *alg from the key type (EC P-256: ES256, RSA 2048..8192
 *                   bits: RS256), *is_private; -1 for anything else.
 *  jwks_pem_public: the SubjectPublicKeyInfo PEM of its public half,
 *                   appended to out.
 *  jwks_pem_to_jwk: the public JWK (kty, crv/x/y or n/e, kid, alg,
 *                   "use":"sig", "key_ops":["verify"]) as a NEW reference;
 *                   kid is the RFC 7638 thumbprint, also copied to kid.
 */
int	 jwks_pem_info(const char *pem, size_t len, enum jwtx_alg *alg,
	    int *is_private);
int	 jwks_pem_public(const char *pem, size_t len, struct buf *out);
int	 jwks_pem_to_jwk(const char *pem, size_t len, json_t **jwk,
	    char *kid, size_t kidlen);
/* RFC 7638 SHA-256 thumbprint, base64url, of an EC or RSA public JWK. */
int	 jwks_thumbprint(const json_t *jwk, char *out, size_t outlen);

#endif /* MCP_JWKS_H */
