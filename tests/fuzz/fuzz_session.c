/*
 * fuzz_session.c -- the stateless Mcp-Session-Id (src/mcp/session.c):
 * session_verify()'s base64url and field decoding.
 *
 * Byte 0 picks the mode:
 *  even  the rest is an id, verified as it comes (the fuzzer cannot forge
 *        the MAC, so this covers decoding up to the MAC check);
 *  odd   the rest is a PAYLOAD: the target MACs it with the session key
 *        (HKDF-SHA256 + HMAC-SHA256, as session.h describes) and encodes
 *        it, so the field decoder behind the MAC is reached too.
 * Invariant: an id that verifies signs again (session_sign) to the very
 * same text: nothing but what sign writes is accepted.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "fuzz.h"
#include "product_limits.h"
#include "mcp/session.h"

#define FUZZ_MAC_LEN	32
#define FUZZ_NOW	1748736000	/* 2025-06-01T00:00:00Z */

static const char	 fuzz_key[] = "fuzz-master-key-0123456789abcdef";

/* Payload || HMAC(HKDF(key)), base64url without padding, into out. */
static int
fuzz_forge(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char	 k[FUZZ_MAC_LEN], raw[2 * LIMIT_SESSION_ID];
	unsigned int	 maclen = 0;
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx;
	OSSL_PARAM	 prm[4];
	size_t		 i, o = 0, rn;
	uint32_t	 v;
	int		 ok;

	if (n + FUZZ_MAC_LEN > sizeof(raw))
		return -1;
	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		abort();
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)fuzz_key, sizeof(fuzz_key) - 1);
	prm[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)"mcp-session v1", 14);
	prm[3] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, k, sizeof(k), prm) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	if (!ok)
		abort();
	if (n > 0)
		memcpy(raw, p, n);
	if (HMAC(EVP_sha256(), k, sizeof(k), raw, n, raw + n, &maclen) ==
	    NULL || maclen != FUZZ_MAC_LEN)
		abort();
	rn = n + FUZZ_MAC_LEN;
	for (i = 0; i < rn; i += 3) {
		v = (uint32_t)raw[i] << 16;
		if (i + 1 < rn)
			v |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < rn)
			v |= raw[i + 2];
		if (o + 5 > outlen)
			return -1;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < rn)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < rn)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
	return (int)o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 id[4 * LIMIT_SESSION_ID], again[4 * LIMIT_SESSION_ID];
	const char		*p;
	size_t			 n;
	int			 len;
	struct session		 s;
	enum session_status	 st;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if ((len = fuzz_forge(data + 1, size - 1, id, sizeof(id))) ==
		    -1)
			return 0;
		p = id;
		n = (size_t)len;
	} else {
		p = (const char *)data + 1;
		n = size - 1;
	}
	st = session_verify(fuzz_key, sizeof(fuzz_key) - 1, p, n, FUZZ_NOW,
	    0, &s);
	FUZZ_ASSERT(st < SESSION__MAX);
	if (st == SESSION_OK) {
		FUZZ_ASSERT(session_sign(fuzz_key, sizeof(fuzz_key) - 1, &s,
		    again, sizeof(again)) == 0);
		FUZZ_ASSERT(strlen(again) == n && memcmp(again, p, n) == 0);
		FUZZ_ASSERT(session_matches(&s, s.tenant, s.server,
		    s.caller_kind, s.caller_id) == 1);
	}
	session_release(&s);
	return 0;
}
