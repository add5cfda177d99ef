/*
 * fuzz_jwtx.c -- compact JWS parsing and the checks before and after the
 * signature (lib/jwtx.c): jwtx_parse(), jwtx_verify() with an HS256 key,
 * the claim accessors, and the strict base64url decoder.
 *
 * Invariants besides memory safety:
 *  - a part that decodes as strict base64url re-encodes to the same text
 *    (no padding, no blanks, zero unused bits: one text per byte string);
 *  - a parsed token has an alg the platform knows, a kid of at most
 *    LIMIT_JWT_KID bytes, and a header and claims that are JSON objects;
 *  - a token the fuzzer made can never verify with a key it does not
 *    know (a pass would mean a check was skipped).
 */
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "fuzz.h"
#include "jwtx.h"
#include "lib_limits.h"

#define FUZZ_NOW	1748736000	/* 2025-06-01T00:00:00Z */

static const char	 fuzz_hmac[] = "fuzz-hs256-secret-0123456789abcdef-0123456789";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data, *why;
	struct jwtx		 jwt;
	struct jwtx_key		 key;
	struct jwtx_policy	 pol;
	struct buf		 dec, enc;
	enum jwtx_alg		 alg;

	buf_init(&dec, 2 * size + 16);
	buf_init(&enc, 2 * size + 16);
	if (base64_decode(&dec, p, size, BASE64_URL) == 0) {
		FUZZ_ASSERT(base64_encode(&enc, dec.data, dec.len,
		    BASE64_URL) == 0);
		FUZZ_ASSERT(enc.len == size &&
		    (size == 0 || memcmp(enc.data, p, size) == 0));
	}
	buf_release(&enc);
	buf_release(&dec);
	if (jwtx_alg_parse(p, size, &alg) == 0)
		FUZZ_ASSERT(alg < JWTX_ALG__MAX &&
		    strlen(jwtx_alg_name(alg)) == size);

	jwtx_init(&jwt);
	if (jwtx_parse(&jwt, p, size, &why) == -1) {
		FUZZ_ASSERT(why != NULL);
		goto out;
	}
	FUZZ_ASSERT(jwt.alg < JWTX_ALG__MAX);
	FUZZ_ASSERT(strlen(jwt.kid) <= LIMIT_JWT_KID);
	FUZZ_ASSERT(json_is_object(jwt.header) && json_is_object(jwt.claims));
	jwtx_claim_str(&jwt, "sub");
	jwtx_claim_str(&jwt, "iss");
	jwtx_json_str(jwt.header, "kid");

	memset(&key, 0, sizeof(key));
	key.alg = JWTX_ALG_HS256;
	key.kid = jwt.has_kid ? "fuzz-kid" : NULL;
	key.material = fuzz_hmac;
	key.len = sizeof(fuzz_hmac) - 1;
	memset(&pol, 0, sizeof(pol));
	pol.algs = JWTX_ALLOW(JWTX_ALG_HS256) | JWTX_ALLOW(JWTX_ALG_ES256) |
	    JWTX_ALLOW(JWTX_ALG_RS256);
	pol.iss = "https://issuer.example";
	pol.aud = "authenticated";
	pol.now = FUZZ_NOW;
	pol.leeway = LIMIT_JWT_LEEWAY;
	FUZZ_ASSERT(jwtx_verify(&jwt, &key, &pol, &why) == -1);
	FUZZ_ASSERT(!jwt.verified);
out:
	jwtx_release(&jwt);
	return 0;
}
