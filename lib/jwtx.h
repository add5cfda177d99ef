/*
 * jwtx.h -- compact JWS / JWT (RFC 7515, RFC 7519) verification and
 * signing on top of libjwt 1.10, with every check libjwt does not make.
 *
 * (Named jwtx, like jsonx, because a lib/jwt.h would shadow libjwt's own
 * <jwt.h> for everything built with -Ilib.)
 *
 * Why not libjwt alone (shared/reference/platform-notes.md): libjwt 1.10
 * trusts the token's "alg". Given the PEM text of an EC public key it
 * accepts an HS256 token whose HMAC key is that text (algorithm
 * confusion), and with a NULL key it accepts "alg":"none". So:
 *
 *  1. jwtx_parse() splits the token (exactly three non-empty parts),
 *     decodes each part as strict base64url (URL alphabet, no padding, no
 *     blanks, zero unused bits), reads the header as a JSON object with no
 *     duplicate members and checks it: "alg" is one of HS256, RS256, ES256
 *     ("none", in any case, and every other value refused); "kid", when
 *     present, a string of 1..LIMIT_JWT_KID visible ASCII bytes; "typ",
 *     when present, "JWT" (case-insensitive; libjwt refuses others); "crit" refused (RFC 7515 4.1.11: we
 *     understand no extension); the signature has the algorithm's length.
 *     The claims are decoded too, but stay UNTRUSTED until jwtx_verify():
 *     a caller may only use them to choose which issuer's policy applies.
 *  2. The caller picks ONE key it is willing to use for this token.
 *  3. jwtx_verify() checks that the token's alg is in the policy's
 *     allow-list, that the key is a key FOR that alg (a struct jwtx_key has
 *     exactly one algorithm; an HS256 key whose bytes look like a PEM is
 *     refused, an ES256/RS256 key must be a PUBLIC KEY PEM), that the kid
 *     matches when the key has one; only then calls jwt_decode() with that
 *     key, and checks jwt_get_alg() afterwards. Then the claims:
 *       exp  required, a number; refused when now >= exp + leeway
 *       nbf  optional, a number; refused when now + leeway < nbf
 *       iat  optional, a number; refused when now + leeway < iat
 *       iss  when policy->iss: a string equal to it, byte for byte
 *       aud  when policy->aud: a string equal to it, or an array of
 *            strings containing it (RFC 7519 4.1.3)
 *     Strings with an embedded NUL never match anything.
 *
 * Errors: functions return 0 or -1; on -1 *why (when why is non-NULL) is a
 * short static lowercase reason for the operator's log. It never contains
 * token bytes, and should not be shown to a client (RFC 6750 only wants
 * error="invalid_token").
 *
 * Ownership: struct jwtx owns its copies (token, header, claims);
 * jwtx_release() frees them and leaves an initialised struct. struct
 * jwtx_key only borrows its strings; keys from a JWKS live in struct jwks
 * (jwks.h). Secrets (HS256 material, private PEMs) are not copied here
 * except inside libjwt, which wipes its copy on jwt_free().
 */
#ifndef MCP_JWTX_H
#define MCP_JWTX_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "lib_limits.h"

/* The algorithms this platform knows; everything else is refused. */
enum jwtx_alg {
	JWTX_ALG_HS256,
	JWTX_ALG_RS256,
	JWTX_ALG_ES256,
	JWTX_ALG__MAX
};

/* Allow-list bits for struct jwtx_policy.algs. */
#define JWTX_ALLOW(a)	(1u << (unsigned)(a))

struct jwtx_key {
	enum jwtx_alg	 alg;		/* the ONE algorithm of this key */
	const char	*kid;		/* NULL: the key has no id */
	/* HS256: the secret bytes (>= LIMIT_JWT_HMAC_MIN). RS256/ES256: a
	 * SubjectPublicKeyInfo PEM to verify, a private key PEM to sign. */
	const char	*material;
	size_t		 len;
};

struct jwtx_policy {
	unsigned	 algs;		/* JWTX_ALLOW() bits; 0 allows nothing */
	const char	*iss;		/* exact match; NULL: not checked */
	const char	*aud;		/* contained; NULL: not checked */
	time_t		 now;		/* 0: time(NULL) */
	long		 leeway;	/* seconds; LIMIT_JWT_LEEWAY normally */
};

struct jwtx {
	enum jwtx_alg	 alg;		/* from the header */
	char		 kid[LIMIT_JWT_KID + 1];	/* "" when absent */
	int		 has_kid;
	json_t		*header;	/* the header object */
	json_t		*claims;	/* UNTRUSTED until verified */
	int		 verified;	/* jwtx_verify() returned 0 */
	char		*token;		/* NUL-terminated copy, for libjwt */
	size_t		 siglen;	/* decoded signature bytes */
};

void	 jwtx_init(struct jwtx *);
void	 jwtx_release(struct jwtx *);

/* Step 1 on (token, len); see above. jwt must be initialised (a parsed
 * jwt is released first). */
int	 jwtx_parse(struct jwtx *, const char *token, size_t len,
	    const char **why);
/* Steps 3: key (NULL: refused) against jwt under policy. */
int	 jwtx_verify(struct jwtx *, const struct jwtx_key *,
	    const struct jwtx_policy *, const char **why);
/*
 * Step 3 without the claims: the alg allow-list (JWTX_ALLOW() bits), the
 * key and kid, the signature. For a caller that checks the claims by
 * another specification's rules (supabase-local: PostgREST's) with
 * jwtx_json_num()/jwtx_json_str(); jwt->verified stays 0.
 */
int	 jwtx_verify_signature(struct jwtx *, const struct jwtx_key *,
	    unsigned algs, const char **why);
/* 1 when why (from jwtx_parse()) is a refusal of the header's alg:
 * missing, "none", or not one this module knows. */
int	 jwtx_why_is_alg(const char *why);

/*
 * A string member of jwt->claims without an embedded NUL (borrowed), or
 * NULL when absent, not a string or holding a NUL. Before jwtx_verify()
 * returned 0 the value is untrusted.
 */
const char *jwtx_claim_str(const struct jwtx *, const char *name);
/* The same for any JSON object. */
const char *jwtx_json_str(const json_t *obj, const char *name);
/* A numeric member of obj: absent (0, *has 0), a number (0, *has 1 and
 * *v its value), else -1. */
int	 jwtx_json_num(const json_t *obj, const char *name, double *v,
	    int *has);

/*
 * Sign claims (a JSON object, borrowed) with key: header
 * {"alg":..., "typ":"JWT"[, "kid":...]}; the compact token is appended to
 * out (0 or -1). ES256 and RS256 keys hold a private key PEM of the right
 * type; HS256 keys >= LIMIT_JWT_HMAC_MIN bytes.
 */
int	 jwtx_sign(const struct jwtx_key *, const json_t *claims,
	    struct buf *out);

/* "HS256", "RS256", "ES256". */
const char *jwtx_alg_name(enum jwtx_alg);
/* Exact (case-sensitive, RFC 7515 4.1.1) name to alg: 0 or -1. */
int	 jwtx_alg_parse(const char *, size_t, enum jwtx_alg *);

#endif /* MCP_JWTX_H */
