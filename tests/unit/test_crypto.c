/*
 * test_crypto.c -- lib/crypto: AES-256-GCM round trips, the sealed layout
 * checked against raw EVP, every kind of tampering, wrong key and AAD;
 * key text parsing and the derived kid; HKDF (RFC 5869 vector); strict
 * base64 (RFC 4648 vectors) and hex; constant-time compare; wipe.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "t.h"

#define HEXKEY	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"

static const unsigned char key1[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const unsigned char key2[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1e,
};

#define AAD1	"mcp-secret v1|0190a8e4-7c1e-7b3a-8f00-123456789abc|memory|token"

/* Decrypt with raw EVP, independently of crypto_open: the layout is
 * nonce(12) || ct || tag(16). 0 or -1. */
static int
test_evp_open(const unsigned char *key, const char *aad,
    const unsigned char *in, size_t inlen, unsigned char *out)
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 tag[16];
	size_t		 ctlen = inlen - 28;
	int		 len, ok;

	memcpy(tag, in + inlen - 16, 16);
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL &&
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, in) &&
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad,
	    (int)strlen(aad)) &&
	    (ctlen == 0 || EVP_DecryptUpdate(ctx, out, &len, in + 12,
	    (int)ctlen)) &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) &&
	    EVP_DecryptFinal_ex(ctx, out + ctlen, &len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static void
test_round_trip(void)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 100, 4096 };
	unsigned char	 pt[4096], chk[4096];
	struct buf	 sealed, a, b, out;
	size_t		 i, j;

	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_init(&sealed, 8192);
		buf_init(&out, 8192);
		T(crypto_seal(key1, AAD1, strlen(AAD1), pt, lens[i],
		    &sealed) == 0);
		T(sealed.len == lens[i] + CRYPTO_SEAL_OVERHEAD);
		T(crypto_open(key1, AAD1, strlen(AAD1), sealed.data,
		    sealed.len, &out) == 0);
		T(out.len == lens[i] && (lens[i] == 0 ||
		    memcmp(out.data, pt, lens[i]) == 0));
		/* The documented layout, read by plain EVP. */
		T(test_evp_open(key1, AAD1, (unsigned char *)sealed.data,
		    sealed.len, chk) == 0 &&
		    (lens[i] == 0 || memcmp(chk, pt, lens[i]) == 0));
		/* Every byte flipped, in turn, is caught: nonce, ct, tag. */
		for (j = 0; j < sealed.len; j++) {
			sealed.data[j] ^= 0x01;
			if (crypto_open(key1, AAD1, strlen(AAD1), sealed.data,
			    sealed.len, &out) != -1) {
				T(!"flipped byte accepted");
				break;
			}
			sealed.data[j] ^= 0x01;
		}
		T(j == sealed.len);
		T(out.len == lens[i]);	/* failures appended nothing */
		buf_release_secret(&out);
		buf_release(&sealed);
	}

	/* A fresh nonce every time: the same input seals differently. */
	buf_init(&a, 256);
	buf_init(&b, 256);
	T(crypto_seal(key1, NULL, 0, "same", 4, &a) == 0);
	T(crypto_seal(key1, NULL, 0, "same", 4, &b) == 0);
	T(a.len == b.len && memcmp(a.data, b.data, CRYPTO_NONCE_LEN) != 0 &&
	    memcmp(a.data, b.data, a.len) != 0);
	buf_release(&a);
	buf_release(&b);
}

static void
test_open_fails(void)
{
	static const struct {
		int		 line;
		const char	*aad;
		int		 other_key;
		int		 cut;		/* bytes cut off the end */
		int		 want;
	} cases[] = {
		{ __LINE__, AAD1, 0, 0, 0 },
		/* Another tenant, alias or name in the AAD. */
		{ __LINE__, "mcp-secret v1|0190a8e4-7c1e-7b3a-8f00-"
		    "123456789abd|memory|token", 0, 0, -1 },
		{ __LINE__, "mcp-secret v1|0190a8e4-7c1e-7b3a-8f00-"
		    "123456789abc|memory2|token", 0, 0, -1 },
		{ __LINE__, "mcp-secret v1|0190a8e4-7c1e-7b3a-8f00-"
		    "123456789abc|memory|token2", 0, 0, -1 },
		{ __LINE__, "", 0, 0, -1 },
		{ __LINE__, AAD1, 1, 0, -1 },		/* wrong key */
		{ __LINE__, AAD1, 0, 1, -1 },		/* tag cut short */
		{ __LINE__, AAD1, 0, 16, -1 },		/* no tag */
		{ __LINE__, AAD1, 0, 21, -1 },		/* shorter than the
							   overhead */
	};
	struct buf	 sealed, out;
	size_t		 i;
	int		 rc;

	buf_init(&sealed, 1024);
	T(crypto_seal(key1, AAD1, strlen(AAD1), "s3cr3t", 6, &sealed) == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&out, 1024);
		rc = crypto_open(cases[i].other_key ? key2 : key1,
		    cases[i].aad, strlen(cases[i].aad), sealed.data,
		    sealed.len - (size_t)cases[i].cut, &out);
		T_LINE(rc == cases[i].want, cases[i].line);
		T_LINE(rc == 0 ? out.len == 6 : out.data == NULL,
		    cases[i].line);
		buf_release_secret(&out);
	}
	buf_init(&out, 1024);
	T(crypto_open(key1, NULL, 0, NULL, 0, &out) == -1);
	T(crypto_open(key1, NULL, 0, "", 0, &out) == -1);
	/* An out buffer too small fails whole (no partial plaintext). */
	buf_init(&out, 3);
	T(crypto_open(key1, AAD1, strlen(AAD1), sealed.data, sealed.len,
	    &out) == -1 && out.data == NULL && out.len == 0);
	buf_release(&sealed);
}

static void
test_key_parse(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 want;
		const char	*kid;	/* NULL: the derived one */
	} cases[] = {
		{ __LINE__, HEXKEY, 0, NULL },
		{ __LINE__, "000102030405060708090A0B0C0D0E0F"
		    "101112131415161718191A1B1C1D1E1F", 0, NULL },
		{ __LINE__, "k1:" HEXKEY, 0, "k1" },
		{ __LINE__, "2026-01.main_key:" HEXKEY, 0, "2026-01.main_key" },
		{ __LINE__, "0123456789abcdef0123456789abcdef:" HEXKEY, 0,
		    "0123456789abcdef0123456789abcdef" },
		{ __LINE__, "0123456789abcdef0123456789abcdef0:" HEXKEY, -1,
		    NULL },				/* kid too long */
		{ __LINE__, ":" HEXKEY, -1, NULL },
		{ __LINE__, "k/1:" HEXKEY, -1, NULL },
		{ __LINE__, "k 1:" HEXKEY, -1, NULL },
		{ __LINE__, "a:b:" HEXKEY, -1, NULL },
		{ __LINE__, HEXKEY "\n", -1, NULL },
		{ __LINE__, " " HEXKEY, -1, NULL },
		{ __LINE__, HEXKEY "00", -1, NULL },
		{ __LINE__, "000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1", -1, NULL },
		{ __LINE__, "000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1g", -1, NULL },
		{ __LINE__, "", -1, NULL },
		{ __LINE__, "k1:", -1, NULL },
	};
	static const char hexd[] = "0123456789abcdef";
	struct crypto_key	 k;
	unsigned char		 md[32];
	char			 derived[9];
	size_t			 i;
	int			 rc;

	/* The default kid, computed as the header tells operators to. */
	T(EVP_Digest(key1, 32, md, NULL, EVP_sha256(), NULL) == 1);
	for (i = 0; i < 4; i++) {
		derived[2 * i] = hexd[md[i] >> 4];
		derived[2 * i + 1] = hexd[md[i] & 15];
	}
	derived[8] = '\0';

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		crypto_key_init(&k);
		rc = crypto_key_parse(&k, cases[i].in, strlen(cases[i].in));
		T_LINE(rc == cases[i].want, cases[i].line);
		if (rc == 0) {
			T_LINE(k.set == 1 && memcmp(k.key, key1, 32) == 0,
			    cases[i].line);
			T_LINE(strcmp(k.kid, cases[i].kid != NULL ?
			    cases[i].kid : derived) == 0, cases[i].line);
		} else {
			T_LINE(k.set == 0 && k.kid[0] == '\0',
			    cases[i].line);
		}
		crypto_key_release(&k);
		T_LINE(k.set == 0 && k.key[0] == 0 && k.key[31] == 0,
		    cases[i].line);
	}
	T(crypto_key_parse(&k, NULL, 0) == -1);
}

static void
test_keyring(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 n;	/* 0: refused */
		const char	*kid0, *kid1;
	} cases[] = {
		{ __LINE__, "a:" HEXKEY, 1, "a", NULL },
		{ __LINE__, "new:" HEXKEY ",old:" HEXKEY, 2, "new", "old" },
		{ __LINE__, "a:" HEXKEY ",b:" HEXKEY ",c:" HEXKEY ",d:" HEXKEY,
		    4, "a", "b" },
		{ __LINE__, "a:" HEXKEY ",b:" HEXKEY ",c:" HEXKEY ",d:" HEXKEY
		    ",e:" HEXKEY, 0, NULL, NULL },	/* too many */
		{ __LINE__, HEXKEY "," HEXKEY, 0, NULL, NULL }, /* kid twice */
		{ __LINE__, "a:" HEXKEY ",a:" HEXKEY, 0, NULL, NULL },
		{ __LINE__, "a:" HEXKEY ",", 0, NULL, NULL },
		{ __LINE__, ",a:" HEXKEY, 0, NULL, NULL },
		{ __LINE__, "a:" HEXKEY ", b:" HEXKEY, 0, NULL, NULL },
		{ __LINE__, ",", 0, NULL, NULL },
		{ __LINE__, "", 0, NULL, NULL },
	};
	struct crypto_keyring	 r;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		crypto_keyring_init(&r);
		rc = crypto_keyring_parse(&r, cases[i].in, strlen(cases[i].in));
		T_LINE(rc == (cases[i].n > 0 ? 0 : -1) && r.n == cases[i].n,
		    cases[i].line);
		if (rc == 0) {
			T_LINE(strcmp(r.keys[0].kid, cases[i].kid0) == 0,
			    cases[i].line);
			T_LINE(cases[i].kid1 == NULL || (strcmp(r.keys[1].kid,
			    cases[i].kid1) == 0 && crypto_keyring_find(&r,
			    cases[i].kid1) == &r.keys[1]), cases[i].line);
			T_LINE(crypto_keyring_find(&r, "zz") == NULL &&
			    crypto_keyring_find(&r, NULL) == NULL,
			    cases[i].line);
		}
		crypto_keyring_release(&r);
		T_LINE(r.n == 0 && r.keys[0].key[1] == 0, cases[i].line);
	}
	T(crypto_keyring_parse(&r, NULL, 0) == -1);
}

static void
test_hkdf(void)
{
	/* RFC 5869 A.3: SHA-256, no salt, no info. */
	static const unsigned char okm3[42] = {
		0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f,
		0x80, 0x2a, 0x06, 0x3c, 0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c,
		0x5e, 0xe1, 0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f, 0x3c, 0x73,
		0x8d, 0x2d, 0x9d, 0x20, 0x13, 0x95, 0xfa, 0xa4, 0xb6, 0x1a,
		0x96, 0xc8,
	};
	unsigned char	 ikm[22], out[42], a[32], b[32];

	memset(ikm, 0x0b, sizeof(ikm));
	T(crypto_hkdf_sha256(ikm, sizeof(ikm), "", out, sizeof(out)) == 0);
	T(memcmp(out, okm3, sizeof(okm3)) == 0);
	/* Distinct labels, distinct keys. */
	T(crypto_hkdf_sha256(key1, 32, "mcp-secret v1", a, 32) == 0);
	T(crypto_hkdf_sha256(key1, 32, "mcp-session v1", b, 32) == 0);
	T(memcmp(a, b, 32) != 0 && memcmp(a, key1, 32) != 0);
	T(crypto_hkdf_sha256(NULL, 0, "x", a, 32) == -1);
	T(crypto_hkdf_sha256(key1, 32, "x", a, 0) == -1);
}

static void
test_hex_memeq_wipe(void)
{
	unsigned char	 out[4];
	unsigned char	 w[8] = "secret!";

	T(crypto_hex_decode(out, 4, "00fFa0", 6) == -1);
	T(crypto_hex_decode(out, 4, "00fFa01b", 8) == 0 && out[0] == 0 &&
	    out[1] == 0xff && out[2] == 0xa0 && out[3] == 0x1b);
	T(crypto_hex_decode(out, 4, "00fFa01x", 8) == -1);
	T(crypto_hex_decode(out, 4, "00fFa01b0", 9) == -1);
	T(crypto_memeq("abcd", "abcd", 4) == 1);
	T(crypto_memeq("abcd", "abce", 4) == 0);
	T(crypto_memeq("a", "b", 0) == 1);
	crypto_wipe(w, sizeof(w));
	T(w[0] == 0 && w[6] == 0);
	crypto_wipe(NULL, 0);
	T(crypto_kid_valid("k1", 2) && !crypto_kid_valid("k:1", 3) &&
	    !crypto_kid_valid("", 0));
}

int
main(void)
{
	test_round_trip();
	test_open_fails();
	test_key_parse();
	test_keyring();
	test_hkdf();
	test_hex_memeq_wipe();
	return t_done();
}
