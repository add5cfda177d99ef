/*
 * jwtx.c -- compact JWS / JWT verification and signing; see jwtx.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "base64.h"
#include "jsonx.h"
#include "jwtx.h"
#include "strparse.h"

#define JWTX_SIG_HS256	32		/* HMAC-SHA-256 output */
#define JWTX_SIG_ES256	64		/* R || S, 32 bytes each (RFC 7518 3.4) */
#define JWTX_SIG_RS_MIN	(LIMIT_RSA_BITS_MIN / 8)
#define JWTX_SIG_RS_MAX	(LIMIT_RSA_BITS_MAX / 8)

static const char JWTX_PEM_BEGIN[] = "-----BEGIN ";
static const char JWTX_PEM_PUBLIC[] = "-----BEGIN PUBLIC KEY-----";

static const struct {
	const char	*name;
	jwt_alg_t	 libjwt;
} jwtx_algs[JWTX_ALG__MAX] = {
	[JWTX_ALG_HS256] = { "HS256", JWT_ALG_HS256 },
	[JWTX_ALG_RS256] = { "RS256", JWT_ALG_RS256 },
	[JWTX_ALG_ES256] = { "ES256", JWT_ALG_ES256 },
};

const char *
jwtx_alg_name(enum jwtx_alg alg)
{
	return (unsigned)alg < JWTX_ALG__MAX ? jwtx_algs[alg].name : "?";
}

int
jwtx_alg_parse(const char *p, size_t len, enum jwtx_alg *out)
{
	size_t	 i;

	for (i = 0; i < JWTX_ALG__MAX; i++)
		if (strlen(jwtx_algs[i].name) == len &&
		    memcmp(jwtx_algs[i].name, p, len) == 0) {
			*out = (enum jwtx_alg)i;
			return 0;
		}
	return -1;
}

void
jwtx_init(struct jwtx *jwt)
{
	memset(jwt, 0, sizeof(*jwt));
}

void
jwtx_release(struct jwtx *jwt)
{
	json_decref(jwt->header);
	json_decref(jwt->claims);
	free(jwt->token);
	jwtx_init(jwt);
}

const char *
jwtx_json_str(const json_t *obj, const char *name)
{
	json_t	*v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, name);
	if (!json_is_string(v))
		return NULL;
	/* jsonx_loadb() allows \u0000: never let "x\u0000y" pass as "x". */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

const char *
jwtx_claim_str(const struct jwtx *jwt, const char *name)
{
	return jwtx_json_str(jwt->claims, name);
}

/* Decode one part and parse it as a JSON object. */
static json_t *
jwtx_part_json(const char *p, size_t len)
{
	struct buf	 b;
	json_t		*j = NULL;

	buf_init(&b, LIMIT_JWT_LEN);
	if (base64_decode(&b, p, len, BASE64_URL) == -1)
		goto out;
	if ((j = jsonx_loadb(b.data, b.len, LIMIT_JWT_DEPTH, NULL, 0)) !=
	    NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
out:
	buf_release(&b);
	return j;
}

/*
 * RFC 7515 4.1.9 / RFC 7519 5.1: "JWT", case-insensitive. (libjwt 1.10
 * refuses any other typ itself, so RFC 9068 "at+jwt" cannot be offered.)
 */
static int
jwtx_typ_ok(const char *typ)
{
	return strparse_eq_ci(typ, strlen(typ), "JWT");
}

/* The reasons for refusing a header's alg (jwtx_why_is_alg()). */
static const char jwtx_why_alg_missing[] = "header without a string alg";
static const char jwtx_why_alg_none[] = "alg none refused";
static const char jwtx_why_alg_unknown[] = "unsupported alg";

int
jwtx_why_is_alg(const char *why)
{
	return why == jwtx_why_alg_missing || why == jwtx_why_alg_none ||
	    why == jwtx_why_alg_unknown;
}

/* The header's members, checked before any key is chosen. */
static const char *
jwtx_check_header(struct jwtx *jwt)
{
	const char	*alg, *kid, *typ;
	size_t		 len;

	if ((alg = jwtx_json_str(jwt->header, "alg")) == NULL)
		return jwtx_why_alg_missing;
	len = strlen(alg);
	if (strparse_eq_ci(alg, len, "none"))
		return jwtx_why_alg_none;
	if (jwtx_alg_parse(alg, len, &jwt->alg) == -1)
		return jwtx_why_alg_unknown;
	if (json_object_get(jwt->header, "kid") != NULL) {
		if ((kid = jwtx_json_str(jwt->header, "kid")) == NULL ||
		    (len = strlen(kid)) == 0 || len > LIMIT_JWT_KID ||
		    !strparse_is_vchar(kid, len))
			return "malformed kid";
		memcpy(jwt->kid, kid, len + 1);
		jwt->has_kid = 1;
	}
	if (json_object_get(jwt->header, "typ") != NULL &&
	    ((typ = jwtx_json_str(jwt->header, "typ")) == NULL ||
	    !jwtx_typ_ok(typ)))
		return "typ is not JWT";
	/* RFC 7515 4.1.11: an extension we do not understand is fatal, and
	 * we understand none (this also refuses RFC 7797 "b64":false). */
	if (json_object_get(jwt->header, "crit") != NULL)
		return "crit header refused";
	return NULL;
}

static int
jwtx_siglen_ok(enum jwtx_alg alg, size_t len)
{
	switch (alg) {
	case JWTX_ALG_HS256:
		return len == JWTX_SIG_HS256;
	case JWTX_ALG_ES256:
		return len == JWTX_SIG_ES256;
	case JWTX_ALG_RS256:
		return len >= JWTX_SIG_RS_MIN && len <= JWTX_SIG_RS_MAX;
	default:
		return 0;
	}
}

int
jwtx_parse(struct jwtx *jwt, const char *token, size_t len, const char **why)
{
	struct buf	 sig;
	const char	*d1, *d2, *w = NULL;
	size_t		 hlen, plen, slen;
	int		 rc = -1;

	buf_init(&sig, LIMIT_JWT_LEN);
	jwtx_release(jwt);
	if (token == NULL || len == 0) {
		w = "empty token";
		goto out;
	}
	if (len > LIMIT_JWT_LEN) {
		w = "token too long";
		goto out;
	}
	if (memchr(token, '\0', len) != NULL) {
		w = "token with a nul byte";
		goto out;
	}
	/* Exactly three parts (RFC 7515 7.1), none of them empty. */
	if ((d1 = memchr(token, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) ==
	    NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) !=
	    NULL) {
		w = "not three dot-separated parts";
		goto out;
	}
	hlen = (size_t)(d1 - token);
	plen = (size_t)(d2 - d1 - 1);
	slen = len - (size_t)(d2 + 1 - token);
	if (hlen == 0 || plen == 0 || slen == 0) {
		w = "empty token part";
		goto out;
	}
	if ((jwt->header = jwtx_part_json(token, hlen)) == NULL) {
		w = "header is not base64url json object";
		goto out;
	}
	if ((w = jwtx_check_header(jwt)) != NULL)
		goto out;
	if ((jwt->claims = jwtx_part_json(d1 + 1, plen)) == NULL) {
		w = "payload is not base64url json object";
		goto out;
	}
	if (base64_decode(&sig, d2 + 1, slen, BASE64_URL) == -1) {
		w = "signature is not base64url";
		goto out;
	}
	jwt->siglen = sig.len;
	if (!jwtx_siglen_ok(jwt->alg, sig.len)) {
		w = "signature length wrong for alg";
		goto out;
	}
	if ((jwt->token = strndup(token, len)) == NULL) {
		w = "out of memory";
		goto out;
	}
	rc = 0;
out:
	buf_release(&sig);
	if (rc == -1)
		jwtx_release(jwt);
	if (why != NULL)
		*why = w;
	return rc;
}

/* 1 when (p, len) starts with the C string prefix. */
static int
jwtx_starts(const char *p, size_t len, const char *prefix)
{
	size_t	 n = strlen(prefix);

	return len >= n && memcmp(p, prefix, n) == 0;
}

/* The key is fit for its one algorithm (before libjwt sees it). */
static const char *
jwtx_check_key(const struct jwtx_key *key, int signing)
{
	if (key->material == NULL || key->len == 0)
		return "key without material";
	if ((unsigned)key->alg >= JWTX_ALG__MAX)
		return "key of an unknown alg";
	if (key->alg == JWTX_ALG_HS256) {
		if (key->len < LIMIT_JWT_HMAC_MIN)
			return "hmac key too short";
		/* An HMAC key that is a PEM is the confusion attack's key. */
		if (jwtx_starts(key->material, key->len, JWTX_PEM_BEGIN))
			return "hmac key looks like a pem";
		return NULL;
	}
	if (key->len > LIMIT_JWKS_DOC)
		return "key pem too long";
	if (signing ? !jwtx_starts(key->material, key->len, JWTX_PEM_BEGIN) :
	    !jwtx_starts(key->material, key->len, JWTX_PEM_PUBLIC))
		return signing ? "signing key is not a pem" :
		    "verification key is not a public key pem";
	return NULL;
}

int
jwtx_json_num(const json_t *claims, const char *name, double *v, int *has)
{
	json_t	*j = json_object_get(claims, name);

	*has = 0;
	if (j == NULL)
		return 0;
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	*has = 1;
	return 0;
}

/* RFC 7519 4.1.3: aud is a string or an array of strings. */
static const char *
jwtx_check_aud(const json_t *claims, const char *want)
{
	json_t	*aud = json_object_get(claims, "aud"), *a;
	size_t	 i, wlen = strlen(want);

	if (json_is_string(aud))
		return json_string_length(aud) == wlen &&
		    memcmp(json_string_value(aud), want, wlen) == 0 ? NULL :
		    "aud mismatch";
	if (!json_is_array(aud))
		return aud == NULL ? "aud missing" : "aud is not a string";
	json_array_foreach(aud, i, a) {
		if (!json_is_string(a))
			return "aud array with a non-string";
	}
	json_array_foreach(aud, i, a) {
		if (json_string_length(a) == wlen &&
		    memcmp(json_string_value(a), want, wlen) == 0)
			return NULL;
	}
	return "aud mismatch";
}

static const char *
jwtx_check_claims(const json_t *claims, const struct jwtx_policy *pol)
{
	double	 now, leeway, v = 0;
	json_t	*iss;
	int	 has;

	now = (double)(pol->now != 0 ? pol->now : time(NULL));
	leeway = (double)(pol->leeway > 0 ? pol->leeway : 0);
	if (jwtx_json_num(claims, "exp", &v, &has) == -1)
		return "exp is not a number";
	if (!has)
		return "exp missing";
	if (now >= v + leeway)
		return "token expired";
	if (jwtx_json_num(claims, "nbf", &v, &has) == -1)
		return "nbf is not a number";
	if (has && now + leeway < v)
		return "token not yet valid (nbf)";
	if (jwtx_json_num(claims, "iat", &v, &has) == -1)
		return "iat is not a number";
	if (has && now + leeway < v)
		return "token issued in the future (iat)";
	if (pol->iss != NULL) {
		iss = json_object_get(claims, "iss");
		if (!json_is_string(iss))
			return "iss missing";
		if (json_string_length(iss) != strlen(pol->iss) ||
		    memcmp(json_string_value(iss), pol->iss,
		    strlen(pol->iss)) != 0)
			return "iss mismatch";
	}
	if (pol->aud != NULL)
		return jwtx_check_aud(claims, pol->aud);
	return NULL;
}

int
jwtx_verify_signature(struct jwtx *jwt, const struct jwtx_key *key,
    unsigned algs, const char **why)
{
	jwt_t		*lj = NULL;
	const char	*w = NULL;
	int		 rc = -1;

	jwt->verified = 0;
	if (jwt->token == NULL || jwt->claims == NULL) {
		w = "token not parsed";
		goto out;
	}
	if ((algs & JWTX_ALLOW(jwt->alg)) == 0) {
		w = "alg not allowed for this issuer";
		goto out;
	}
	if (key == NULL) {
		w = "no key for this token";
		goto out;
	}
	/* Key type <-> alg, before libjwt can pick anything itself. */
	if (key->alg != jwt->alg) {
		w = "key is for another alg";
		goto out;
	}
	if (key->kid != NULL && (!jwt->has_kid || strcmp(key->kid,
	    jwt->kid) != 0)) {
		w = "kid does not match the key";
		goto out;
	}
	if ((w = jwtx_check_key(key, 0)) != NULL)
		goto out;
	if (key->len > INT32_MAX) {
		w = "key too long";
		goto out;
	}
	if (jwt_decode(&lj, jwt->token, (const unsigned char *)key->material,
	    (int)key->len) != 0 || lj == NULL) {
		w = "bad signature";
		goto out;
	}
	if (jwt_get_alg(lj) != jwtx_algs[jwt->alg].libjwt) {
		w = "alg changed inside libjwt";
		goto out;
	}
	rc = 0;
out:
	jwt_free(lj);
	if (why != NULL)
		*why = w;
	return rc;
}

int
jwtx_verify(struct jwtx *jwt, const struct jwtx_key *key,
    const struct jwtx_policy *pol, const char **why)
{
	const char	*w;

	if (jwtx_verify_signature(jwt, key, pol->algs, why) == -1)
		return -1;
	if ((w = jwtx_check_claims(jwt->claims, pol)) != NULL) {
		if (why != NULL)
			*why = w;
		return -1;
	}
	jwt->verified = 1;
	if (why != NULL)
		*why = NULL;
	return 0;
}

int
jwtx_sign(const struct jwtx_key *key, const json_t *claims, struct buf *out)
{
	struct buf	 js;
	jwt_t		*lj = NULL;
	char		*tok = NULL;
	int		 rc = -1;

	buf_init(&js, LIMIT_JWT_LEN);
	if (key == NULL || !json_is_object(claims) ||
	    jwtx_check_key(key, 1) != NULL || key->len > INT32_MAX)
		goto out;
	if (key->kid != NULL && (strlen(key->kid) == 0 ||
	    strlen(key->kid) > LIMIT_JWT_KID ||
	    !strparse_is_vchar(key->kid, strlen(key->kid))))
		goto out;
	if (jsonx_dumpb(&js, claims) == -1)
		goto out;
	if (jwt_new(&lj) != 0)
		goto out;
	if (jwt_set_alg(lj, jwtx_algs[key->alg].libjwt,
	    (const unsigned char *)key->material, (int)key->len) != 0)
		goto out;
	if (key->kid != NULL && jwt_add_header(lj, "kid", key->kid) != 0)
		goto out;
	if (jwt_add_grants_json(lj, buf_cstr(&js)) != 0)
		goto out;
	/* libjwt writes "alg" and "typ":"JWT" itself. */
	if ((tok = jwt_encode_str(lj)) == NULL)
		goto out;
	if (strlen(tok) > LIMIT_JWT_LEN || buf_appends(out, tok) == -1)
		goto out;
	rc = 0;
out:
	free(tok);
	jwt_free(lj);	/* wipes its copy of the key */
	buf_release(&js);
	return rc;
}
