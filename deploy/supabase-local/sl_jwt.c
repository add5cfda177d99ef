/*
 * sl_jwt.c -- supabase-local: this project's JWTs (supabase-contract.md
 * sections 1 and 2) and the JWKS document of /auth/v1/.well-known/jwks.json.
 *
 * Signing and verification go through lib/jwtx (on libjwt 1.10): HS256
 * with the project secret, ES256 with the optional P-256 key. jwtx does
 * not let libjwt pick the algorithm (libjwt 1.10 accepts an HS256 token
 * whose HMAC key is the text of an EC public key PEM, and "alg":"none"
 * tokens when called without a key: shared/reference/platform-notes.md);
 * sl_jwt_verify() decides the one key a token's alg may be checked with.
 * The claims are checked here, by PostgREST's rules and in its words
 * (exp optional), with jwtx's readers.
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
static const char SL_WHY_EXP_NUM[] = "The JWT 'exp' claim must be a number";
static const char SL_WHY_NBF_NUM[] = "The JWT 'nbf' claim must be a number";
static const char SL_WHY_IAT_NUM[] = "The JWT 'iat' claim must be a number";
static const char SL_WHY_AUD[] =
    "The JWT 'aud' claim must be a string or an array of strings";
static const char SL_WHY_INTERNAL[] = "JWT couldn't be decoded";

/* Sign claims with key (lib/jwtx: header {"alg","typ":"JWT"[,"kid"]});
 * the token (owned by the caller) or NULL. */
static char *
sl_jwt_encode(const json_t *claims, enum jwtx_alg alg, const char *key,
    const char *kid)
{
	struct jwtx_key	 k;
	struct buf	 tok;

	buf_init(&tok, SL_JWT_MAX_LEN);
	if (key == NULL)
		return NULL;
	k.alg = alg;
	k.kid = kid;
	k.material = key;
	k.len = strlen(key);
	if (jwtx_sign(&k, claims, &tok) == -1) {
		log_error(SL_JWT_MOD, "cannot sign a %s token",
		    jwtx_alg_name(alg));
		buf_release(&tok);
		return NULL;
	}
	return buf_detach(&tok);
}

char *
sl_jwt_sign_hs256(const char *secret, const json_t *claims)
{
	return sl_jwt_encode(claims, JWTX_ALG_HS256, secret, NULL);
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
		return sl_jwt_encode(claims, JWTX_ALG_ES256,
		    conf->es256_key_pem, conf->es256_kid);
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
		SL_WHY_EXPIRED, SL_WHY_NBF, SL_WHY_IAT,
		SL_WHY_EXP_NUM, SL_WHY_NBF_NUM, SL_WHY_IAT_NUM, SL_WHY_AUD,
	};
	size_t	 i;

	for (i = 0; why != NULL && i < sizeof(claims) / sizeof(claims[0]); i++)
		if (strcmp(why, claims[i]) == 0)
			return "PGRST303";
	return "PGRST301";
}

/* PostgREST's claim checks, in its order, with SL_JWT_LEEWAY of skew. */
static const char *
sl_jwt_check_claims(const json_t *claims)
{
	double	 now = (double)time(NULL), v = 0;
	json_t	*aud, *a;
	size_t	 i;
	int	 has;

	if (jwtx_json_num(claims, "exp", &v, &has) == -1)
		return SL_WHY_EXP_NUM;
	if (has && now - SL_JWT_LEEWAY >= v)
		return SL_WHY_EXPIRED;
	if (jwtx_json_num(claims, "nbf", &v, &has) == -1)
		return SL_WHY_NBF_NUM;
	if (has && now + SL_JWT_LEEWAY < v)
		return SL_WHY_NBF;
	if (jwtx_json_num(claims, "iat", &v, &has) == -1)
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

/*
 * The one key a token's alg may be checked with: HS256 the project secret,
 * ES256 our public key (and a kid, when the token names one, must be
 * ours). Every other alg is refused; so neither key can be used as the
 * other's. NULL with *why set when there is none.
 */
static const struct jwtx_key *
sl_jwt_key(const struct sl_conf *conf, const struct jwtx *jwt,
    struct jwtx_key *k, const char **why)
{
	memset(k, 0, sizeof(*k));
	k->alg = jwt->alg;
	if (jwt->alg == JWTX_ALG_HS256) {
		k->material = conf->jwt_secret;
		k->len = conf->jwt_secret != NULL ? strlen(conf->jwt_secret) :
		    0;
	} else if (jwt->alg == JWTX_ALG_ES256) {
		if (!sl_jwt_es.ready || conf->es256_kid == NULL ||
		    (jwt->has_kid && strcmp(jwt->kid, conf->es256_kid) != 0)) {
			*why = SL_WHY_KEY;
			return NULL;
		}
		k->material = sl_jwt_es.pub_pem;
		k->len = sl_jwt_es.pub_pem_len;
	} else {
		*why = SL_WHY_ALG;
		return NULL;
	}
	if (k->material == NULL || k->len == 0) {
		*why = SL_WHY_KEY;
		return NULL;
	}
	return k;
}

/*
 * lib/jwtx parses the token (strict base64url, the header checked before
 * any key is chosen) and checks the signature with the one key chosen
 * here; the claims are then checked by PostgREST's rules, with its words.
 */
int
sl_jwt_verify(const struct sl_conf *conf, const char *token, json_t **claims,
    const char **why)
{
	static _Thread_local char parts_why[64];
	struct jwtx		 jwt;
	struct jwtx_key		 k;
	const struct jwtx_key	*key;
	const char		*p, *w;
	size_t			 len, dots = 0;
	int			 rc = -1;

	jwtx_init(&jwt);
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
	if (jwtx_parse(&jwt, token, len, &w) == -1) {
		*why = jwtx_why_is_alg(w) ? SL_WHY_ALG : SL_WHY_CRYPTO;
		goto out;
	}
	if ((key = sl_jwt_key(conf, &jwt, &k, why)) == NULL)
		goto out;
	if (jwtx_verify_signature(&jwt, key, JWTX_ALLOW(JWTX_ALG_HS256) |
	    JWTX_ALLOW(JWTX_ALG_ES256), &w) == -1) {
		*why = SL_WHY_CRYPTO;
		goto out;
	}
	if ((*why = sl_jwt_check_claims(jwt.claims)) != NULL)
		goto out;
	json_incref(jwt.claims);
	*claims = jwt.claims;
	rc = 0;
out:
	if (rc == 0)
		*why = NULL;
	jwtx_release(&jwt);
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
