/*
 * tkeys.h -- keys and hand-made tokens for the token tests, header-only.
 *
 *  tkeys_gen_ec(&k) / tkeys_gen_rsa(&k, bits)   fresh keys as PEM strings
 *  tkeys_expand(tmpl, now, &buf)   "@N+30@" / "@N-31@" -> now +- seconds
 *  tkeys_raw(hdr, claims, sig)     b64url(hdr) "." b64url(claims) "." sig
 *  tkeys_hs256(hdr, claims, key, keylen)   an HS256 token made with OpenSSL
 *      HMAC directly, so any key (an EC public key PEM: the algorithm
 *      confusion attack) and any header can be used
 *  tkeys_sign(alg, material, kid, claims)   through jwtx_sign()
 * Strings returned are malloc'd (free them).
 */
#ifndef MCP_TKEYS_H
#define MCP_TKEYS_H

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base64.h"
#include "buf.h"
#include "jsonx.h"
#include "jwtx.h"
#include "strparse.h"

struct tkeys_key {
	char	*priv;		/* PKCS#8 PEM */
	char	*pub;		/* SubjectPublicKeyInfo PEM */
};

static inline char *
tkeys_pem(EVP_PKEY *k, int priv)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p, *s = NULL;
	long	 n;

	if (b == NULL)
		return NULL;
	if ((priv ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
	    NULL) : PEM_write_bio_PUBKEY(b, k)) == 1 &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		s = strndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static inline int
tkeys_from(EVP_PKEY *k, struct tkeys_key *out)
{
	out->priv = out->pub = NULL;
	if (k == NULL)
		return -1;
	out->priv = tkeys_pem(k, 1);
	out->pub = tkeys_pem(k, 0);
	EVP_PKEY_free(k);
	return out->priv != NULL && out->pub != NULL ? 0 : -1;
}

static inline int
tkeys_gen_ec(struct tkeys_key *out)
{
	return tkeys_from(EVP_EC_gen("P-256"), out);
}

static inline int
tkeys_gen_ec_curve(struct tkeys_key *out, const char *curve)
{
	return tkeys_from(EVP_EC_gen(curve), out);
}

static inline int
tkeys_gen_rsa(struct tkeys_key *out, unsigned bits)
{
	return tkeys_from(EVP_RSA_gen(bits), out);
}

static inline void
tkeys_free(struct tkeys_key *k)
{
	free(k->priv);
	free(k->pub);
	k->priv = k->pub = NULL;
}

/* Expand "@N+123@" and "@N-123@" to now +- 123. */
static inline void
tkeys_expand(const char *t, time_t now, struct buf *out)
{
	const char	*end;
	int64_t		 v;

	while (*t != '\0') {
		if (t[0] == '@' && t[1] == 'N' && (t[2] == '+' || t[2] == '-') &&
		    (end = strchr(t + 3, '@')) != NULL &&
		    strparse_i64(t + 3, (size_t)(end - t - 3), 0, INT32_MAX,
		    &v) == 0) {
			buf_printf(out, "%lld", (long long)now +
			    (t[2] == '+' ? v : -v));
			t = end + 1;
		} else
			buf_appendc(out, *t++);
	}
}

static inline char *
tkeys_raw(const char *hdr, const char *claims, const char *sig)
{
	struct buf	 b;

	buf_init(&b, 65536);
	base64_encode(&b, hdr, strlen(hdr), BASE64_URL);
	buf_appendc(&b, '.');
	base64_encode(&b, claims, strlen(claims), BASE64_URL);
	buf_appendc(&b, '.');
	buf_appends(&b, sig);
	return buf_detach(&b);
}

static inline char *
tkeys_hs256(const char *hdr, const char *claims, const void *key,
    size_t keylen)
{
	struct buf	 b;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;

	buf_init(&b, 65536);
	base64_encode(&b, hdr, strlen(hdr), BASE64_URL);
	buf_appendc(&b, '.');
	base64_encode(&b, claims, strlen(claims), BASE64_URL);
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)b.data,
	    b.len, mac, &maclen);
	buf_appendc(&b, '.');
	base64_encode(&b, mac, maclen, BASE64_URL);
	return buf_detach(&b);
}

static inline char *
tkeys_sign(enum jwtx_alg alg, const char *material, const char *kid,
    const char *claims)
{
	struct jwtx_key	 k;
	struct buf	 b;
	json_t		*c;

	buf_init(&b, 65536);
	if ((c = jsonx_loadb(claims, strlen(claims), 16, NULL, 0)) == NULL)
		return NULL;
	k.alg = alg;
	k.kid = kid;
	k.material = material;
	k.len = strlen(material);
	if (jwtx_sign(&k, c, &b) == -1) {
		buf_release(&b);
		json_decref(c);
		return NULL;
	}
	json_decref(c);
	return buf_detach(&b);
}

#endif /* MCP_TKEYS_H */
