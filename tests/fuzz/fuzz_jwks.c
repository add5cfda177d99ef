/*
 * fuzz_jwks.c -- JSON Web Key Set documents (lib/jwks.c): jwks_parse()
 * (every JWK turned into an OpenSSL key and a PEM), jwks_find(), and the
 * RFC 7638 thumbprint of each member of "keys".
 *
 * Invariants besides memory safety: at most LIMIT_JWKS_KEYS keys; every
 * key taken has PEM material and an algorithm the platform knows, is never
 * HS256 (no symmetric key from a JWKS), and its kid, when it has one, is
 * found again by jwks_find().
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "jwks.h"
#include "jwtx.h"
#include "lib_limits.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwks	 set;
	char		 err[256], tp[128];
	json_t		*doc, *keys, *k;
	size_t		 i;

	jwks_init(&set);
	if (jwks_parse(&set, (const char *)data, size, err,
	    sizeof(err)) == 0) {
		FUZZ_ASSERT(set.n <= LIMIT_JWKS_KEYS);
		for (i = 0; i < set.n; i++) {
			FUZZ_ASSERT(set.keys[i].alg == JWTX_ALG_ES256 ||
			    set.keys[i].alg == JWTX_ALG_RS256);
			FUZZ_ASSERT(set.keys[i].material != NULL &&
			    set.keys[i].len > 0);
			if (set.keys[i].kid != NULL)
				FUZZ_ASSERT(jwks_find(&set, set.keys[i].alg,
				    set.keys[i].kid) != NULL);
		}
		jwks_find(&set, JWTX_ALG_ES256, NULL);
		jwks_find(&set, JWTX_ALG_RS256, "x");
	} else
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	jwks_release(&set);

	/* The thumbprint of whatever the members are. */
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	keys = json_object_get(doc, "keys");
	json_array_foreach(keys, i, k)
		if (i < LIMIT_JWKS_KEYS)
			jwks_thumbprint(k, tp, sizeof(tp));
	json_decref(doc);
	return 0;
}
