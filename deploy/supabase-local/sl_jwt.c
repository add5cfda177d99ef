/*
 * sl_jwt.c -- supabase-local: this project's JWTs (supabase-contract.md
 * sections 1 and 2) and the JWKS document of /auth/v1/.well-known/jwks.json.
 *
 * Signing goes through libjwt 1.10 (HS256 with the project secret, ES256
 * with the optional P-256 key). Verification does NOT trust libjwt to pick
 * the algorithm: libjwt 1.10 accepts an HS256 token whose HMAC key is the
 * text of an EC public key PEM, and "alg":"none" tokens when called without
 * a key (shared/reference/platform-notes.md). So sl_jwt_verify() reads the
 * header itself, decides the one algorithm and key it will accept, refuses
 * everything else before jwt_decode(), and checks jwt_get_alg() afterwards.
 * libjwt checks no claims: exp/nbf/iat are checked here.
 *
 * Process-wide state: the ES256 public key (PEM, for jwt_decode) and its
 * JWK coordinates, derived once by sl_jwt_init() from conf->es256_key_pem.
 * The FastCGI loop is single-threaded; nothing here is called concurrently.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base64.h"
#include "buf.h"
#include "jsonx.h"
#include "jwtx.h"
#include "log.h"
#include "sl.h"
#include "sl_jwt.h"

#define SL_JWT_MOD		"sl_jwt"
#define SL_JWT_P256_COORD	32	/* bytes of an X or Y coordinate */
#define SL_JWT_B64_COORD	44	/* base64url of 32 bytes, with room */
#define SL_JWT_SECRET_MIN	32	/* Supabase: "at least 32 characters" */
#define SL_JWT_PEM_MAX		8192	/* a P-256 key PEM is ~250 bytes */

/* The ES256 key's public half, set by sl_jwt_init(). */
static struct {
	int	 ready;
	char	*pub_pem;		/* SubjectPublicKeyInfo PEM */
	size_t	 pub_pem_len;
	char	 x[SL_JWT_B64_COORD];	/* base64url, RFC 7518 6.2.1.2 */
	char	 y[SL_JWT_B64_COORD];
} sl_jwt_es;

/* PostgREST's reasons (src/PostgREST/Error.hs, v13+); the gateway maps
 * them to PGRST301 / PGRST303 with sl_jwt_why_code(). */
static const char SL_WHY_EMPTY[] = "Empty JWT is sent in Authorization header";
static const char SL_WHY_KEY[] = "No suitable key or wrong key type";
static const char SL_WHY_ALG[] = "Wrong or unsupported encoding algorithm";
static const char SL_WHY_CRYPTO[] = "JWT cryptographic operation failed";
static const char SL_WHY_EXPIRED[] = "JWT expired";
static const char SL_WHY_NBF[] = "JWT not yet valid";
static const char SL_WHY_IAT[] = "JWT issued at future";
static const char SL_WHY_CLAIMS[] = "Parsing claims failed";
static const char SL_WHY_EXP_NUM[] = "The JWT 'exp' claim must be a number";
static const char SL_WHY_NBF_NUM[] = "The JWT 'nbf' claim must be a number";
static const char SL_WHY_IAT_NUM[] = "The JWT 'iat' claim must be a number";
static const char SL_WHY_AUD[] =
    "The JWT 'aud' claim must be a string or an array of strings";
static const char SL_WHY_INTERNAL[] = "JWT couldn't be decoded";

/* base64url (RFC 7515 section 2): lib/base64.h's strict codec. */

/* Encode a token: claims JSON, the algorithm, its key, an optional kid. */
static char *
sl_jwt_encode(const json_t *claims, jwt_alg_t alg, const char *key,
    size_t keylen, const char *kid)
{
	struct buf	 js;
	jwt_t		*jwt = NULL;
	char		*tok = NULL, *out = NULL;

	buf_init(&js, SL_JWT_MAX_LEN);
	if (!json_is_object(claims) || key == NULL || keylen == 0 ||
	    keylen > SL_JWT_PEM_MAX)
		goto out;
	if (jsonx_dumpb(&js, claims) == -1)
		goto out;
	if (jwt_new(&jwt) != 0)
		goto out;
	if (jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)keylen) != 0)
		goto out;
	if (kid != NULL && jwt_add_header(jwt, "kid", kid) != 0)
		goto out;
	if (jwt_add_grants_json(jwt, buf_cstr(&js)) != 0)
		goto out;
	/* libjwt adds "alg" and "typ":"JWT" to the header itself. */
	if ((tok = jwt_encode_str(jwt)) == NULL)
		goto out;
	if (strlen(tok) > SL_JWT_MAX_LEN) {
		log_error(SL_JWT_MOD, "signed token longer than %d bytes",
		    SL_JWT_MAX_LEN);
		goto out;
	}
	out = tok;
	tok = NULL;
out:
	free(tok);
	jwt_free(jwt);	/* scrubs its copy of the key */
	buf_release(&js);
	return out;
}

char *
sl_jwt_sign_hs256(const char *secret, const json_t *claims)
{
	if (secret == NULL)
		return NULL;
	return sl_jwt_encode(claims, JWT_ALG_HS256, secret, strlen(secret),
	    NULL);
}

/*
 * User access tokens: ES256 with our kid when a key is configured (the
 * JWKS publishes it), else HS256 with the project secret and no kid, as
 * GoTrue signs with the legacy secret.
 */
char *
sl_jwt_sign_user(const struct sl_conf *conf, const json_t *claims)
{
	if (conf->es256_key_pem != NULL && sl_jwt_es.ready &&
	    conf->es256_kid != NULL)
		return sl_jwt_encode(claims, JWT_ALG_ES256, conf->es256_key_pem,
		    strlen(conf->es256_key_pem), conf->es256_kid);
	return sl_jwt_sign_hs256(conf->jwt_secret, claims);
}

/* One P-256 coordinate as 32 big-endian bytes, base64url-encoded. */
static int
sl_jwt_coord(const EVP_PKEY *pkey, const char *param, char *out,
    size_t outlen)
{
	BIGNUM		*bn = NULL;
	unsigned char	 raw[SL_JWT_P256_COORD];
	struct buf	 b;
	int		 rc = -1;

	buf_init(&b, outlen - 1);
	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		goto out;
	if (BN_bn2binpad(bn, raw, sizeof(raw)) != (int)sizeof(raw))
		goto out;
	if (base64_encode(&b, raw, sizeof(raw), BASE64_URL) == -1)
		goto out;
	snprintf(out, outlen, "%s", buf_cstr(&b));
	rc = 0;
out:
	BN_free(bn);
	buf_release(&b);
	return rc;
}

/*
 * RFC 7638 section 3: SHA-256 over the required members in lexicographic
 * order with no whitespace, {"crv","kty","x","y"} for an EC key, then
 * base64url. x and y are base64url already, so no escaping is needed.
 */
static char *
sl_jwt_thumbprint(const char *x, const char *y)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	struct buf	 canon, out;
	char		*kid = NULL;

	buf_init(&canon, 256);
	buf_init(&out, 64);
	if (buf_printf(&canon, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\","
	    "\"y\":\"%s\"}", x, y) == -1)
		goto out;
	if (EVP_Digest(canon.data, canon.len, md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		goto out;
	if (base64_encode(&out, md, mdlen, BASE64_URL) == -1)
		goto out;
	kid = buf_detach(&out);
out:
	buf_release(&canon);
	buf_release(&out);
	return kid;
}

/*
 * Load the ES256 private key, insist on P-256, keep the public key PEM
 * (what jwt_decode verifies with) and the JWK coordinates, and set
 * conf->es256_kid to the RFC 7638 thumbprint.
 */
static int
sl_jwt_es256_init(struct sl_conf *conf)
{
	BIO		*in = NULL, *mem = NULL;
	EVP_PKEY	*pkey = NULL;
	char		 group[64];
	size_t		 glen = 0;
	char		*pem;
	long		 n;
	int		 rc = -1;

	if (strlen(conf->es256_key_pem) > SL_JWT_PEM_MAX) {
		log_error(SL_JWT_MOD, "es256 key longer than %d bytes",
		    SL_JWT_PEM_MAX);
		goto out;
	}
	if ((in = BIO_new_mem_buf(conf->es256_key_pem, -1)) == NULL)
		goto out;
	if ((pkey = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL)) == NULL) {
		log_error(SL_JWT_MOD, "cannot read es256 key: not a PEM "
		    "private key");
		goto out;
	}
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1 ||
	    strcmp(group, "prime256v1") != 0) {
		log_error(SL_JWT_MOD, "es256 key is not an EC P-256 key");
		goto out;
	}
	if (sl_jwt_coord(pkey, OSSL_PKEY_PARAM_EC_PUB_X, sl_jwt_es.x,
	    sizeof(sl_jwt_es.x)) == -1 ||
	    sl_jwt_coord(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, sl_jwt_es.y,
	    sizeof(sl_jwt_es.y)) == -1) {
		log_error(SL_JWT_MOD, "cannot read the es256 public point");
		goto out;
	}
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(mem, pkey) != 1)
		goto out;
	if ((n = BIO_get_mem_data(mem, &pem)) <= 0)
		goto out;
	free(sl_jwt_es.pub_pem);
	if ((sl_jwt_es.pub_pem = strndup(pem, (size_t)n)) == NULL)
		goto out;
	sl_jwt_es.pub_pem_len = (size_t)n;
	free(conf->es256_kid);
	if ((conf->es256_kid = sl_jwt_thumbprint(sl_jwt_es.x,
	    sl_jwt_es.y)) == NULL)
		goto out;
	sl_jwt_es.ready = 1;
	rc = 0;
out:
	BIO_free(mem);
	EVP_PKEY_free(pkey);
	BIO_free(in);
	return rc;
}

/* A legacy API key: {"iss":"supabase","ref":"local","role":…,"iat","exp"}. */
static char *
sl_jwt_mint_legacy(const char *secret, const char *role, time_t now)
{
	json_t	*c;
	char	*tok;

	c = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", "supabase",
	    "ref", "local", "role", role, "iat", (json_int_t)now,
	    "exp", (json_int_t)now + SL_SERVICE_JWT_LIFE);
	if (c == NULL)
		return NULL;
	tok = sl_jwt_sign_hs256(secret, c);
	json_decref(c);
	return tok;
}

int
sl_jwt_init(struct sl_conf *conf)
{
	time_t	 now = time(NULL);

	if (conf->jwt_secret == NULL ||
	    strlen(conf->jwt_secret) < SL_JWT_SECRET_MIN) {
		log_error(SL_JWT_MOD, "jwt secret shorter than %d characters",
		    SL_JWT_SECRET_MIN);
		return -1;
	}
	sl_jwt_es.ready = 0;
	if (conf->es256_key_pem != NULL && sl_jwt_es256_init(conf) == -1)
		return -1;
	free(conf->anon_jwt);
	free(conf->service_jwt);
	conf->anon_jwt = sl_jwt_mint_legacy(conf->jwt_secret, "anon", now);
	conf->service_jwt = sl_jwt_mint_legacy(conf->jwt_secret,
	    "service_role", now);
	if (conf->anon_jwt == NULL || conf->service_jwt == NULL) {
		log_error(SL_JWT_MOD, "cannot mint the legacy api keys");
		return -1;
	}
	return 0;
}

const char *
sl_jwt_why_code(const char *why)
{
	static const char *const claims[] = {
		SL_WHY_EXPIRED, SL_WHY_NBF, SL_WHY_IAT, SL_WHY_CLAIMS,
		SL_WHY_EXP_NUM, SL_WHY_NBF_NUM, SL_WHY_IAT_NUM, SL_WHY_AUD,
	};
	size_t	 i;

	for (i = 0; why != NULL && i < sizeof(claims) / sizeof(claims[0]); i++)
		if (strcmp(why, claims[i]) == 0)
			return "PGRST303";
	return "PGRST301";
}

/* A numeric claim: absent (0, *has 0), a number (0, *has 1), else -1. */
static int
sl_jwt_num_claim(const json_t *claims, const char *name, double *v,
    int *has)
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

/* PostgREST's claim checks, in its order, with SL_JWT_LEEWAY of skew. */
static const char *
sl_jwt_check_claims(const json_t *claims)
{
	double	 now = (double)time(NULL), v = 0;
	json_t	*aud, *a;
	size_t	 i;
	int	 has;

	if (sl_jwt_num_claim(claims, "exp", &v, &has) == -1)
		return SL_WHY_EXP_NUM;
	if (has && now - SL_JWT_LEEWAY >= v)
		return SL_WHY_EXPIRED;
	if (sl_jwt_num_claim(claims, "nbf", &v, &has) == -1)
		return SL_WHY_NBF_NUM;
	if (has && now + SL_JWT_LEEWAY < v)
		return SL_WHY_NBF;
	if (sl_jwt_num_claim(claims, "iat", &v, &has) == -1)
		return SL_WHY_IAT_NUM;
	if (has && now + SL_JWT_LEEWAY < v)
		return SL_WHY_IAT;
	if ((aud = json_object_get(claims, "aud")) != NULL &&
	    !json_is_string(aud)) {
		if (!json_is_array(aud))
			return SL_WHY_AUD;
		json_array_foreach(aud, i, a)
			if (!json_is_string(a))
				return SL_WHY_AUD;
	}
	return NULL;
}

int
sl_jwt_verify(const struct sl_conf *conf, const char *token, json_t **claims,
    const char **why)
{
	static _Thread_local char parts_why[64];
	struct buf	 hdr, body;
	json_t		*h = NULL, *c = NULL;
	jwt_t		*jwt = NULL;
	const char	*d1, *d2, *p, *alg, *kid, *key;
	jwt_alg_t	 want;
	size_t		 len, keylen, dots = 0;
	int		 rc = -1;

	buf_init(&hdr, SL_JWT_MAX_LEN);
	buf_init(&body, SL_JWT_MAX_LEN);
	*claims = NULL;
	*why = SL_WHY_INTERNAL;

	if (token == NULL || *token == '\0') {
		*why = SL_WHY_EMPTY;
		goto out;
	}
	if ((len = strlen(token)) > SL_JWT_MAX_LEN) {
		*why = SL_WHY_CRYPTO;
		goto out;
	}
	for (p = token; *p != '\0'; p++)
		if (*p == '.')
			dots++;
	if (dots != 2) {
		snprintf(parts_why, sizeof(parts_why),
		    "Expected 3 parts in JWT; got %zu", dots + 1);
		*why = parts_why;
		goto out;
	}
	d1 = strchr(token, '.');
	d2 = strchr(d1 + 1, '.');

	/* The header, read before any key is chosen. */
	*why = SL_WHY_CRYPTO;
	if (base64_decode(&hdr, token, (size_t)(d1 - token),
	    BASE64_URL) == -1)
		goto out;
	if ((h = jsonx_loadb(hdr.data, hdr.len, SL_JWT_HEADER_DEPTH, NULL,
	    0)) == NULL || !json_is_object(h))
		goto out;
	if ((alg = jsonx_str(h, "alg")) == NULL) {
		*why = SL_WHY_ALG;
		goto out;
	}
	kid = jsonx_str(h, "kid");
	if (json_object_get(h, "kid") != NULL && kid == NULL)
		goto out;

	/*
	 * Exactly two (algorithm, key) pairs exist. "none", RS256, HS512, …
	 * never reach libjwt; an ES256 token is checked against our public
	 * key only, an HS256 token against the secret only, so neither key
	 * can be used as the other's (the libjwt algorithm-confusion hole).
	 */
	if (strcmp(alg, "HS256") == 0) {
		want = JWT_ALG_HS256;
		key = conf->jwt_secret;
		keylen = key != NULL ? strlen(key) : 0;
	} else if (strcmp(alg, "ES256") == 0) {
		if (!sl_jwt_es.ready || conf->es256_kid == NULL ||
		    (kid != NULL && strcmp(kid, conf->es256_kid) != 0)) {
			*why = SL_WHY_KEY;
			goto out;
		}
		want = JWT_ALG_ES256;
		key = sl_jwt_es.pub_pem;
		keylen = sl_jwt_es.pub_pem_len;
	} else {
		*why = SL_WHY_ALG;
		goto out;
	}
	if (key == NULL || keylen == 0) {
		*why = SL_WHY_KEY;
		goto out;
	}

	/* The signature, by libjwt, with the one key chosen above. */
	if (jwt_decode(&jwt, token, (const unsigned char *)key,
	    (int)keylen) != 0 || jwt == NULL) {
		*why = SL_WHY_CRYPTO;
		goto out;
	}
	if (jwt_get_alg(jwt) != want) {
		*why = SL_WHY_ALG;
		goto out;
	}

	/* The claims, decoded by us from the bytes that were signed. */
	if (base64_decode(&body, d1 + 1, (size_t)(d2 - d1 - 1),
	    BASE64_URL) == -1)
		goto out;
	if ((c = jsonx_loadb(body.data, body.len, SL_JWT_CLAIMS_DEPTH, NULL,
	    0)) == NULL || !json_is_object(c)) {
		*why = SL_WHY_CLAIMS;
		goto out;
	}
	if ((*why = sl_jwt_check_claims(c)) != NULL)
		goto out;
	*claims = c;
	c = NULL;
	rc = 0;
out:
	if (rc == 0)
		*why = NULL;
	json_decref(c);
	json_decref(h);
	jwt_free(jwt);
	buf_release(&body);
	buf_release(&hdr);
	return rc;
}

/*
 * The JWKS: only asymmetric public keys are published (GoTrue's jwks.go
 * skips the HMAC secret), so {"keys":[]} when user tokens are HS256.
 */
char *
sl_jwks_json(const struct sl_conf *conf)
{
	json_t		*keys, *doc, *k;
	struct buf	 b;
	char		*out = NULL;

	buf_init(&b, SL_JWT_MAX_LEN);
	if ((keys = json_array()) == NULL)
		return NULL;
	if (sl_jwt_es.ready && conf->es256_kid != NULL) {
		k = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}",
		    "kty", "EC", "crv", "P-256", "x", sl_jwt_es.x,
		    "y", sl_jwt_es.y, "kid", conf->es256_kid, "alg", "ES256",
		    "use", "sig", "key_ops", "verify");
		if (k == NULL || json_array_append_new(keys, k) == -1) {
			json_decref(keys);
			return NULL;
		}
	}
	if ((doc = json_pack("{s:o}", "keys", keys)) == NULL)
		return NULL;
	if (jsonx_dumpb(&b, doc) == 0)
		out = buf_detach(&b);
	json_decref(doc);
	buf_release(&b);
	return out;
}
