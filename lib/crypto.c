/*
 * crypto.c -- AES-256-GCM, keys, HKDF, base64/hex, wiping; see crypto.h.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "strparse.h"

_Static_assert(CRYPTO_SEAL_MAX < INT_MAX - CRYPTO_SEAL_OVERHEAD,
    "EVP lengths are int");
_Static_assert(CRYPTO_KID_DERIVED <= CRYPTO_KID_MAX, "derived kid fits");

/* ---- wiping, comparing, random ----------------------------------------- */

void
crypto_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

int
crypto_memeq(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
crypto_random(void *p, size_t n)
{
	if (n > INT_MAX)
		return -1;
	if (n == 0)
		return 0;
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

/* ---- hex --------------------------------------------------------------- */

void
crypto_hex_encode(char *out, const void *p, size_t n)
{
	static const char	 x[] = "0123456789abcdef";
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[b[i] >> 4];
		out[2 * i + 1] = x[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int
crypto_hex_decode(unsigned char *out, size_t outlen, const char *p,
    size_t len)
{
	size_t	 i;
	int	 hi, lo;

	if (p == NULL || out == NULL || outlen == 0 || len / 2 != outlen ||
	    len % 2 != 0)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = strparse_hexval(p[2 * i]);
		lo = strparse_hexval(p[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			crypto_wipe(out, i);
			return -1;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* ---- keys -------------------------------------------------------------- */

void
crypto_key_init(struct crypto_key *k)
{
	memset(k, 0, sizeof(*k));
}

void
crypto_key_release(struct crypto_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

int
crypto_kid_valid(const char *p, size_t len)
{
	size_t	 i;

	if (p == NULL || len == 0 || len > CRYPTO_KID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

int
crypto_key_parse(struct crypto_key *k, const char *p, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char	 md[32];
	const char	*colon, *hex = p;
	size_t		 hexlen = len, i;
	int		 rc = -1;

	crypto_key_release(k);
	if (p == NULL)
		goto out;
	if ((colon = memchr(p, ':', len)) != NULL) {
		if (!crypto_kid_valid(p, (size_t)(colon - p)))
			goto out;
		memcpy(k->kid, p, (size_t)(colon - p));
		hex = colon + 1;
		hexlen = len - (size_t)(colon - p) - 1;
	}
	if (hexlen != 2 * CRYPTO_KEY_LEN ||
	    crypto_hex_decode(k->key, CRYPTO_KEY_LEN, hex, hexlen) == -1)
		goto out;
	if (colon == NULL) {
		/* The default kid: a fingerprint an operator can recompute
		 * from the key file alone (crypto.h); 32 bits of a hash of
		 * a 256-bit random key tell nothing about it. */
		if (EVP_Digest(k->key, CRYPTO_KEY_LEN, md, NULL, EVP_sha256(),
		    NULL) != 1)
			goto out;
		for (i = 0; i < CRYPTO_KID_DERIVED / 2; i++) {
			k->kid[2 * i] = hexd[md[i] >> 4];
			k->kid[2 * i + 1] = hexd[md[i] & 0x0f];
		}
		k->kid[CRYPTO_KID_DERIVED] = '\0';
	}
	k->set = 1;
	rc = 0;
out:
	explicit_bzero(md, sizeof(md));
	if (rc == -1)
		crypto_key_release(k);
	return rc;
}

void
crypto_keyring_init(struct crypto_keyring *r)
{
	memset(r, 0, sizeof(*r));
}

void
crypto_keyring_release(struct crypto_keyring *r)
{
	explicit_bzero(r, sizeof(*r));
}

int
crypto_keyring_parse(struct crypto_keyring *r, const char *p, size_t len)
{
	const char	*comma;
	size_t		 n, i;

	crypto_keyring_release(r);
	if (p == NULL)
		return -1;
	for (;;) {
		comma = memchr(p, ',', len);
		n = comma != NULL ? (size_t)(comma - p) : len;
		if (r->n == CRYPTO_KEYRING_MAX ||
		    crypto_key_parse(&r->keys[r->n], p, n) == -1)
			goto fail;
		for (i = 0; i < r->n; i++)
			if (strcmp(r->keys[i].kid, r->keys[r->n].kid) == 0)
				goto fail;
		r->n++;
		if (comma == NULL)
			return 0;
		len -= n + 1;
		p = comma + 1;
	}
fail:
	crypto_keyring_release(r);
	return -1;
}

const struct crypto_key *
crypto_keyring_find(const struct crypto_keyring *r, const char *kid)
{
	size_t	 i;

	if (kid == NULL)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->keys[i].kid, kid) == 0)
			return &r->keys[i];
	return NULL;
}

/* ---- AES-256-GCM ------------------------------------------------------- */

int
crypto_seal(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
    size_t aadlen, const void *pt, size_t ptlen, struct buf *out)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*tmp = NULL;
	size_t		 n = 0;
	int		 len, rc = -1;

	if (key == NULL || out == NULL || (aad == NULL && aadlen > 0) ||
	    (pt == NULL && ptlen > 0) || ptlen > CRYPTO_SEAL_MAX ||
	    aadlen > INT_MAX)
		goto out;
	n = ptlen + CRYPTO_SEAL_OVERHEAD;
	if ((tmp = malloc(n)) == NULL)
		goto out;
	if (crypto_random(tmp, CRYPTO_NONCE_LEN) == -1)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, tmp) != 1)
		goto out;
	if (aadlen > 0 && EVP_EncryptUpdate(ctx, NULL, &len, aad,
	    (int)aadlen) != 1)
		goto out;
	if (ptlen > 0 && (EVP_EncryptUpdate(ctx, tmp + CRYPTO_NONCE_LEN, &len,
	    pt, (int)ptlen) != 1 || (size_t)len != ptlen))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, tmp + CRYPTO_NONCE_LEN + ptlen,
	    &len) != 1 || len != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_TAG_LEN,
	    tmp + CRYPTO_NONCE_LEN + ptlen) != 1)
		goto out;
	if (buf_append(out, tmp, n) == -1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (tmp != NULL) {
		/* Only ciphertext, but cheap: keep the rule simple. */
		explicit_bzero(tmp, n);
		free(tmp);
	}
	return rc;
}

int
crypto_open(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
    size_t aadlen, const void *in, size_t inlen, struct buf *out)
{
	EVP_CIPHER_CTX		*ctx = NULL;
	const unsigned char	*nonce, *ct, *tag;
	unsigned char		 tagcopy[CRYPTO_TAG_LEN];
	unsigned char		*tmp = NULL;
	size_t			 ctlen = 0;
	int			 len, rc = -1;

	if (key == NULL || out == NULL || in == NULL ||
	    (aad == NULL && aadlen > 0) || aadlen > INT_MAX ||
	    inlen < CRYPTO_SEAL_OVERHEAD ||
	    inlen - CRYPTO_SEAL_OVERHEAD > CRYPTO_SEAL_MAX)
		goto out;
	nonce = in;
	ct = nonce + CRYPTO_NONCE_LEN;
	ctlen = inlen - CRYPTO_SEAL_OVERHEAD;
	tag = ct + ctlen;
	/* +1: malloc(0) may return NULL. */
	if ((tmp = malloc(ctlen + 1)) == NULL)
		goto out;
	memcpy(tagcopy, tag, sizeof(tagcopy));	/* SET_TAG takes void * */
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1)
		goto out;
	if (aadlen > 0 && EVP_DecryptUpdate(ctx, NULL, &len, aad,
	    (int)aadlen) != 1)
		goto out;
	if (ctlen > 0 && (EVP_DecryptUpdate(ctx, tmp, &len, ct,
	    (int)ctlen) != 1 || (size_t)len != ctlen))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAG_LEN,
	    tagcopy) != 1)
		goto out;
	/* The tag is checked here; until it passes, tmp is not plaintext
	 * anyone may see (GCM decrypts before it authenticates). */
	if (EVP_DecryptFinal_ex(ctx, tmp + ctlen, &len) != 1 || len != 0)
		goto out;
	if (buf_append(out, tmp, ctlen) == -1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (tmp != NULL) {
		explicit_bzero(tmp, ctlen + 1);
		free(tmp);
	}
	return rc;
}

/* ---- HKDF -------------------------------------------------------------- */

int
crypto_hkdf_sha256(const void *ikm, size_t ikmlen, const char *info,
    unsigned char *out, size_t outlen)
{
	EVP_KDF		*kdf = NULL;
	EVP_KDF_CTX	*kctx = NULL;
	OSSL_PARAM	 params[4];
	int		 rc = -1;

	if (ikm == NULL || ikmlen == 0 || info == NULL || out == NULL ||
	    outlen == 0 || outlen > 255 * 32)
		goto out;
	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	/* OSSL_PARAM takes non-const pointers; nothing is written. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikmlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)info, strlen(info));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, outlen, params) != 1) {
		explicit_bzero(out, outlen);
		goto out;
	}
	rc = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

