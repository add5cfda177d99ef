/*
 * jwks.c -- JWK sets to PEM keys for libjwt, fetched and cached; our own
 * keys as JWKs; see jwks.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "base64.h"
#include "httpc.h"
#include "jsonx.h"
#include "jwks.h"
#include "log.h"
#include "strparse.h"

#define JWKS_MOD	"jwks"
#define JWKS_P256	32		/* bytes of a P-256 coordinate */
#define JWKS_RSA_E_MAX	8		/* bytes of an RSA public exponent */
#define JWKS_PEM_MAX	4096		/* an 8192-bit RSA SPKI PEM is ~1.5 KiB */
#define JWKS_THUMB_LEN	43		/* base64url of 32 bytes */

static void __attribute__((format(printf, 3, 4)))
jwks_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
jwks_init(struct jwks *set)
{
	memset(set, 0, sizeof(*set));
}

void
jwks_release(struct jwks *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++) {
		free(set->kids[i]);
		free(set->pems[i]);
	}
	jwks_init(set);
}

/* 1 when s is all base64url characters (so it needs no JSON escaping). */
static int
jwks_b64chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* Member name of obj, base64url-decoded into out (capped by out's max). */
static int
jwks_b64_member(const json_t *obj, const char *name, struct buf *out)
{
	const char	*v = jwtx_json_str(obj, name);

	if (v == NULL || *v == '\0')
		return -1;
	return base64_decode(out, v, strlen(v), BASE64_URL);
}

/* The public key's SubjectPublicKeyInfo PEM, appended to out. */
static int
jwks_pkey_pem(EVP_PKEY *pkey, struct buf *out)
{
	BIO	*mem;
	char	*p;
	long	 n;
	int	 rc = -1;

	if ((mem = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio_PUBKEY(mem, pkey) != 1)
		goto out;
	if ((n = BIO_get_mem_data(mem, &p)) <= 0)
		goto out;
	rc = buf_append(out, p, (size_t)n);
out:
	BIO_free(mem);
	return rc;
}

/* EVP_PKEY_public_check: the point is on the curve, n and e are sane. */
static int
jwks_pkey_check(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX	*ctx;
	int		 ok;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return -1;
	ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

static EVP_PKEY *
jwks_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pkey = NULL;
		goto out;
	}
	if (jwks_pkey_check(pkey) == -1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	ERR_clear_error();
	return pkey;
}

/* An EC P-256 JWK (RFC 7518 6.2) to a PEM. */
static int
jwks_ec_pem(const json_t *jwk, struct buf *pem)
{
	struct buf	 x, y;
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pkey = NULL;
	unsigned char	 pub[1 + 2 * JWKS_P256];
	const char	*crv = jwtx_json_str(jwk, "crv");
	int		 rc = -1;

	buf_init(&x, 64);
	buf_init(&y, 64);
	if (crv == NULL || strcmp(crv, "P-256") != 0)
		goto out;
	if (jwks_b64_member(jwk, "x", &x) == -1 || x.len != JWKS_P256 ||
	    jwks_b64_member(jwk, "y", &y) == -1 || y.len != JWKS_P256)
		goto out;
	pub[0] = 0x04;		/* uncompressed point (SEC 1 2.3.3) */
	memcpy(pub + 1, x.data, JWKS_P256);
	memcpy(pub + 1 + JWKS_P256, y.data, JWKS_P256);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub)) != 1)
		goto out;
	if ((pkey = jwks_pkey_fromdata("EC", bld)) == NULL)
		goto out;
	rc = jwks_pkey_pem(pkey, pem);
out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	buf_release(&y);
	buf_release(&x);
	return rc;
}

/* An RSA JWK (RFC 7518 6.3.1) to a PEM, 2048..8192 bits. */
static int
jwks_rsa_pem(const json_t *jwk, struct buf *pem)
{
	struct buf	 n, e;
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*bn = NULL, *be = NULL;
	int		 bits, rc = -1;

	buf_init(&n, LIMIT_RSA_BITS_MAX / 8 + 1);
	buf_init(&e, JWKS_RSA_E_MAX);
	if (jwks_b64_member(jwk, "n", &n) == -1 ||
	    jwks_b64_member(jwk, "e", &e) == -1 || n.len == 0 || e.len == 0)
		goto out;
	if ((bn = BN_bin2bn((unsigned char *)n.data, (int)n.len, NULL)) ==
	    NULL || (be = BN_bin2bn((unsigned char *)e.data, (int)e.len,
	    NULL)) == NULL)
		goto out;
	bits = BN_num_bits(bn);
	if (bits < LIMIT_RSA_BITS_MIN || bits > LIMIT_RSA_BITS_MAX)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
		goto out;
	if ((pkey = jwks_pkey_fromdata("RSA", bld)) == NULL)
		goto out;
	rc = jwks_pkey_pem(pkey, pem);
out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	BN_free(bn);
	buf_release(&e);
	buf_release(&n);
	return rc;
}

/* "use" / "key_ops" / "alg" allow verification with alg (RFC 7517 4.2-4.4). */
static int
jwks_usable_for(const json_t *jwk, enum jwtx_alg alg)
{
	json_t		*ops, *op;
	const char	*s;
	size_t		 i;
	int		 verify = 0;

	if (json_object_get(jwk, "use") != NULL &&
	    ((s = jwtx_json_str(jwk, "use")) == NULL || strcmp(s, "sig") != 0))
		return 0;
	if ((ops = json_object_get(jwk, "key_ops")) != NULL) {
		if (!json_is_array(ops))
			return 0;
		json_array_foreach(ops, i, op)
			if (json_is_string(op) &&
			    strcmp(json_string_value(op), "verify") == 0)
				verify = 1;
		if (!verify)
			return 0;
	}
	if (json_object_get(jwk, "alg") != NULL &&
	    ((s = jwtx_json_str(jwk, "alg")) == NULL ||
	    strcmp(s, jwtx_alg_name(alg)) != 0))
		return 0;
	return 1;
}

/* One JWK into set (1), skipped (0). */
static int
jwks_add(struct jwks *set, const json_t *jwk)
{
	const char	*kty, *kid = NULL;
	enum jwtx_alg	 alg;
	struct buf	 pem;
	size_t		 i, klen;
	int		 rc = 0;

	buf_init(&pem, JWKS_PEM_MAX);
	if (!json_is_object(jwk) || set->n == LIMIT_JWKS_KEYS)
		goto out;
	if ((kty = jwtx_json_str(jwk, "kty")) == NULL)
		goto out;
	if (strcmp(kty, "EC") == 0)
		alg = JWTX_ALG_ES256;
	else if (strcmp(kty, "RSA") == 0)
		alg = JWTX_ALG_RS256;
	else
		goto out;	/* "oct" (never from a JWKS), "OKP", ... */
	if (!jwks_usable_for(jwk, alg))
		goto out;
	if (json_object_get(jwk, "kid") != NULL) {
		if ((kid = jwtx_json_str(jwk, "kid")) == NULL ||
		    (klen = strlen(kid)) == 0 || klen > LIMIT_JWT_KID)
			goto out;
		for (i = 0; i < klen; i++)
			if ((unsigned char)kid[i] < 0x21 ||
			    (unsigned char)kid[i] > 0x7e)
				goto out;
	}
	for (i = 0; i < set->n; i++) {
		/* Ambiguity is refused: the first key with a kid wins, and
		 * only one kid-less key per alg. */
		if (kid != NULL && set->kids[i] != NULL &&
		    strcmp(set->kids[i], kid) == 0)
			goto out;
		if (kid == NULL && set->kids[i] == NULL &&
		    set->keys[i].alg == alg)
			goto out;
	}
	if ((alg == JWTX_ALG_ES256 ? jwks_ec_pem(jwk, &pem) :
	    jwks_rsa_pem(jwk, &pem)) == -1)
		goto out;
	if (kid != NULL && (set->kids[set->n] = strdup(kid)) == NULL)
		goto out;
	set->pems[set->n] = buf_detach(&pem);
	set->keys[set->n].alg = alg;
	set->keys[set->n].kid = set->kids[set->n];
	set->keys[set->n].material = set->pems[set->n];
	set->keys[set->n].len = strlen(set->pems[set->n]);
	set->n++;
	rc = 1;
out:
	buf_release(&pem);
	return rc;
}

int
jwks_parse(struct jwks *set, const char *p, size_t len, char *err,
    size_t errlen)
{
	struct jwks	 tmp;
	json_t		*doc = NULL, *keys, *k;
	size_t		 i;
	char		 why[128];
	int		 rc = -1;

	jwks_init(&tmp);
	if (len > LIMIT_JWKS_DOC) {
		jwks_errf(err, errlen, "jwks document larger than %d bytes",
		    LIMIT_JWKS_DOC);
		goto out;
	}
	if ((doc = jsonx_loadb(p, len, LIMIT_JWT_DEPTH, why,
	    sizeof(why))) == NULL) {
		jwks_errf(err, errlen, "jwks document: %s", why);
		goto out;
	}
	if (!json_is_object(doc) ||
	    !json_is_array(keys = json_object_get(doc, "keys"))) {
		jwks_errf(err, errlen, "jwks document without a keys array");
		goto out;
	}
	json_array_foreach(keys, i, k)
		if (jwks_add(&tmp, k) == 0)
			tmp.skipped++;
	jwks_release(set);
	*set = tmp;
	jwks_init(&tmp);
	rc = 0;
out:
	jwks_release(&tmp);
	json_decref(doc);
	return rc;
}

const struct jwtx_key *
jwks_find(const struct jwks *set, enum jwtx_alg alg, const char *kid)
{
	const struct jwtx_key	*found = NULL;
	size_t			 i;

	for (i = 0; i < set->n; i++) {
		if (kid != NULL) {
			if (set->kids[i] != NULL &&
			    strcmp(set->kids[i], kid) == 0)
				return &set->keys[i];
		} else if (set->kids[i] == NULL && set->keys[i].alg == alg)
			found = &set->keys[i];
	}
	return found;
}

/* Cache-Control max-age (RFC 9111 5.2.2.1) clamped; def when absent. */
static long
jwks_max_age(const struct httpc_response *resp)
{
	const char	*v, *end, *d;
	size_t		 len, i;
	uint64_t	 age;

	if (httpc_header(resp, "cache-control", &v, &len) == -1)
		return LIMIT_JWKS_TTL;
	end = v + len;
	for (i = 0; i + 8 <= len; i++) {
		if (!strparse_eq_ci(v + i, 8, "max-age="))
			continue;
		if (i > 0 && v[i - 1] != ' ' && v[i - 1] != ',' &&
		    v[i - 1] != '\t')
			continue;	/* s-maxage= and the like */
		for (d = v + i + 8; d < end && *d >= '0' && *d <= '9'; d++)
			;
		if (strparse_u64(v + i + 8, (size_t)(d - (v + i + 8)), 0,
		    UINT64_MAX, &age) == -1)
			return LIMIT_JWKS_TTL;
		if (age < LIMIT_JWKS_REFETCH)
			return LIMIT_JWKS_REFETCH;
		if (age > LIMIT_JWKS_TTL_MAX)
			return LIMIT_JWKS_TTL_MAX;
		return (long)age;
	}
	return LIMIT_JWKS_TTL;
}

int
jwks_fetch(struct jwks *set, const char *url, long timeout_ms, long *max_age,
    char *err, size_t errlen)
{
	static const char *const hdrs[] = { "Accept: application/json", NULL };
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	int			 rc = -1;

	memset(&hr, 0, sizeof(hr));
	hr.url = url;
	hr.headers = hdrs;
	hr.timeout_ms = timeout_ms > 0 ? timeout_ms : LIMIT_JWKS_TIMEOUT_MS;
	hr.max_response = LIMIT_JWKS_DOC;
	httpc_response_init(&resp);
	if (url == NULL) {
		jwks_errf(err, errlen, "no jwks url");
		goto out;
	}
	if (httpc_perform(&hr, &resp) == -1) {
		jwks_errf(err, errlen, "cannot fetch jwks: %s",
		    resp.detail[0] != '\0' ? resp.detail : resp.err);
		goto out;
	}
	if (resp.status != 200) {
		jwks_errf(err, errlen, "jwks fetch answered %ld", resp.status);
		goto out;
	}
	if (jwks_parse(set, resp.body.data != NULL ? resp.body.data : "",
	    resp.body.len, err, errlen) == -1)
		goto out;
	if (max_age != NULL)
		*max_age = jwks_max_age(&resp);
	rc = 0;
out:
	httpc_response_release(&resp);
	return rc;
}

void
jwks_cache_init(struct jwks_cache *c)
{
	memset(c, 0, sizeof(*c));
	jwks_init(&c->set);
	c->refetch = LIMIT_JWKS_REFETCH;
	c->retry = LIMIT_JWKS_RETRY;
	c->timeout_ms = LIMIT_JWKS_TIMEOUT_MS;
}

void
jwks_cache_release(struct jwks_cache *c)
{
	jwks_release(&c->set);
	free(c->url);
	jwks_cache_init(c);
}

int
jwks_cache_set_url(struct jwks_cache *c, const char *url)
{
	long	 refetch = c->refetch, retry = c->retry, tmo = c->timeout_ms;

	if (c->url != NULL && url != NULL && strcmp(c->url, url) == 0)
		return 0;
	jwks_cache_release(c);
	c->refetch = refetch;
	c->retry = retry;
	c->timeout_ms = tmo;
	if (url != NULL && (c->url = strdup(url)) == NULL)
		return -1;
	return 0;
}

/* One fetch attempt; the old set stays when it fails. */
static void
jwks_cache_fetch(struct jwks_cache *c, time_t now)
{
	char	 err[LIMIT_HTTPC_ERR + 64];
	long	 ttl = LIMIT_JWKS_TTL;

	c->tried_at = now;
	c->fetches++;
	if (jwks_fetch(&c->set, c->url, c->timeout_ms, &ttl, err,
	    sizeof(err)) == -1) {
		c->last_failed = 1;
		log_warn(JWKS_MOD, "'%s': %s%s", c->url, err, c->loaded ?
		    " (keeping the previous keys)" : "");
		return;
	}
	c->last_failed = 0;
	c->loaded = 1;
	c->expires_at = now + ttl;
	log_debug(JWKS_MOD, "'%s': %zu keys (%zu skipped), fresh for %lds",
	    c->url, c->set.n, c->set.skipped, ttl);
}

/* May we fetch now? Failed attempts are retried sooner than re-fetches. */
static int
jwks_cache_may_fetch(const struct jwks_cache *c, time_t now, long interval)
{
	return c->tried_at == 0 || now - c->tried_at >= interval ||
	    now < c->tried_at;	/* the clock went back: do not wait forever */
}

int
jwks_cache_find(struct jwks_cache *c, enum jwtx_alg alg, const char *kid,
    time_t now, const struct jwtx_key **key, const char **why)
{
	*key = NULL;
	if (c->url == NULL) {
		*why = "no jwks configured";
		return -2;
	}
	if ((!c->loaded || now >= c->expires_at) && jwks_cache_may_fetch(c,
	    now, c->last_failed ? c->retry : c->refetch))
		jwks_cache_fetch(c, now);
	if (!c->loaded || now >= c->expires_at + LIMIT_JWKS_STALE) {
		*why = "jwks unavailable";
		return -2;
	}
	if ((*key = jwks_find(&c->set, alg, kid)) != NULL)
		return 0;
	/* An unknown kid may be a new key: one re-fetch, rate-limited. */
	if (kid != NULL && jwks_cache_may_fetch(c, now, c->refetch)) {
		jwks_cache_fetch(c, now);
		if ((*key = jwks_find(&c->set, alg, kid)) != NULL)
			return 0;
	}
	*why = kid != NULL ? "unknown kid" : "no key for a token without kid";
	return -1;
}

/* PEM passphrase callback: never prompt, never decrypt. */
static int
jwks_no_pass(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* A private key PEM, else a public key PEM. */
static EVP_PKEY *
jwks_pem_load(const char *pem, size_t len, int *is_private)
{
	BIO		*b = NULL;
	EVP_PKEY	*pkey = NULL;

	if (pem == NULL || len == 0 || len > LIMIT_JWKS_DOC)
		return NULL;
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		goto out;
	if ((pkey = PEM_read_bio_PrivateKey(b, NULL, jwks_no_pass, NULL)) !=
	    NULL) {
		*is_private = 1;
		goto out;
	}
	BIO_free(b);
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		goto out;
	if ((pkey = PEM_read_bio_PUBKEY(b, NULL, jwks_no_pass, NULL)) != NULL)
		*is_private = 0;
out:
	BIO_free(b);
	ERR_clear_error();
	return pkey;
}

static int
jwks_pkey_alg(EVP_PKEY *pkey, enum jwtx_alg *alg)
{
	char	 group[64];
	size_t	 glen = 0;
	int	 bits;

	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) !=
		    1 || strcmp(group, "prime256v1") != 0)
			return -1;
		*alg = JWTX_ALG_ES256;
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		bits = EVP_PKEY_get_bits(pkey);
		if (bits < LIMIT_RSA_BITS_MIN || bits > LIMIT_RSA_BITS_MAX)
			return -1;
		*alg = JWTX_ALG_RS256;
		return 0;
	}
	return -1;
}

int
jwks_pem_info(const char *pem, size_t len, enum jwtx_alg *alg,
    int *is_private)
{
	EVP_PKEY	*pkey;
	int		 priv = 0, rc;

	if ((pkey = jwks_pem_load(pem, len, &priv)) == NULL)
		return -1;
	rc = jwks_pkey_alg(pkey, alg);
	if (rc == 0 && is_private != NULL)
		*is_private = priv;
	EVP_PKEY_free(pkey);
	return rc;
}

int
jwks_pem_public(const char *pem, size_t len, struct buf *out)
{
	EVP_PKEY	*pkey;
	enum jwtx_alg	 alg;
	int		 priv = 0, rc = -1;

	if ((pkey = jwks_pem_load(pem, len, &priv)) == NULL)
		return -1;
	if (jwks_pkey_alg(pkey, &alg) == 0)
		rc = jwks_pkey_pem(pkey, out);
	EVP_PKEY_free(pkey);
	return rc;
}

/* A big-endian parameter as base64url: pad to padlen (EC) or minimal. */
static int
jwks_bn_b64(EVP_PKEY *pkey, const char *param, int padlen, struct buf *out)
{
	BIGNUM		*bn = NULL;
	unsigned char	*raw = NULL;
	int		 n, rc = -1;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		goto out;
	n = padlen > 0 ? padlen : BN_num_bytes(bn);
	if (n <= 0 || (raw = malloc((size_t)n)) == NULL)
		goto out;
	if (BN_bn2binpad(bn, raw, n) != n)
		goto out;
	rc = base64_encode(out, raw, (size_t)n, BASE64_URL);
out:
	free(raw);
	BN_free(bn);
	return rc;
}

int
jwks_thumbprint(const json_t *jwk, char *out, size_t outlen)
{
	const char	*kty = jwtx_json_str(jwk, "kty"), *a, *b, *c;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	struct buf	 canon, enc;
	int		 rc = -1;

	buf_init(&canon, 4096);
	buf_init(&enc, 64);
	if (kty == NULL)
		goto out;
	/* RFC 7638 3.2: the required members, lexicographic order, no
	 * blanks. Values are checked to need no JSON escaping. */
	if (strcmp(kty, "EC") == 0) {
		a = jwtx_json_str(jwk, "crv");
		b = jwtx_json_str(jwk, "x");
		c = jwtx_json_str(jwk, "y");
		if (a == NULL || b == NULL || c == NULL || !jwks_b64chars(a) ||
		    !jwks_b64chars(b) || !jwks_b64chars(c))
			goto out;
		if (buf_printf(&canon, "{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}", a, b, c) == -1)
			goto out;
	} else if (strcmp(kty, "RSA") == 0) {
		a = jwtx_json_str(jwk, "e");
		b = jwtx_json_str(jwk, "n");
		if (a == NULL || b == NULL || !jwks_b64chars(a) ||
		    !jwks_b64chars(b))
			goto out;
		if (buf_printf(&canon, "{\"e\":\"%s\",\"kty\":\"RSA\","
		    "\"n\":\"%s\"}", a, b) == -1)
			goto out;
	} else
		goto out;
	if (EVP_Digest(canon.data, canon.len, md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		goto out;
	if (base64_encode(&enc, md, mdlen, BASE64_URL) == -1 ||
	    enc.len + 1 > outlen)
		goto out;
	memcpy(out, enc.data, enc.len + 1);
	rc = 0;
out:
	buf_release(&enc);
	buf_release(&canon);
	return rc;
}

int
jwks_pem_to_jwk(const char *pem, size_t len, json_t **jwk, char *kid,
    size_t kidlen)
{
	EVP_PKEY	*pkey;
	enum jwtx_alg	 alg;
	struct buf	 a, b;
	char		 tp[JWKS_THUMB_LEN + 1];
	json_t		*j = NULL;
	int		 priv = 0, rc = -1;

	*jwk = NULL;
	buf_init(&a, 2048);
	buf_init(&b, 2048);
	if ((pkey = jwks_pem_load(pem, len, &priv)) == NULL ||
	    jwks_pkey_alg(pkey, &alg) == -1)
		goto out;
	if (alg == JWTX_ALG_ES256) {
		if (jwks_bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, JWKS_P256,
		    &a) == -1 || jwks_bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y,
		    JWKS_P256, &b) == -1)
			goto out;
		j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC",
		    "crv", "P-256", "x", a.data, "y", b.data);
	} else {
		if (jwks_bn_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, &a) == -1 ||
		    jwks_bn_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0, &b) == -1)
			goto out;
		j = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", a.data,
		    "e", b.data);
	}
	if (j == NULL || jwks_thumbprint(j, tp, sizeof(tp)) == -1)
		goto out;
	if (json_object_set_new(j, "kid", json_string(tp)) == -1 ||
	    json_object_set_new(j, "alg", json_string(jwtx_alg_name(alg))) ==
	    -1 || json_object_set_new(j, "use", json_string("sig")) == -1 ||
	    json_object_set_new(j, "key_ops", json_pack("[s]", "verify")) ==
	    -1)
		goto out;
	if (kid != NULL && snprintf(kid, kidlen, "%s", tp) >= (int)kidlen)
		goto out;
	*jwk = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	EVP_PKEY_free(pkey);
	buf_release(&b);
	buf_release(&a);
	return rc;
}
