/*
 * fuzz_apikey.c -- the API key parser (src/store/apikey.c).
 *
 * Invariants checked besides memory safety:
 *  - an accepted key is exactly APIKEY_LEN bytes starting "mcpk_", and
 *    re-encoding its id and secret gives the very same text (one spelling
 *    per key: apikey.h "strict");
 *  - a refused key leaves nothing in the parsed struct.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "fuzz.h"
#include "store/apikey.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data;
	struct apikey_parsed	 k;
	struct buf		 b;
	char			 again[APIKEY_LEN + 1];
	size_t			 i;

	if (apikey_parse(p, size, &k) == -1) {
		for (i = 0; i < sizeof(k.id); i++)
			FUZZ_ASSERT(k.id[i] == '\0');
		return 0;
	}
	FUZZ_ASSERT(size == APIKEY_LEN && apikey_looks_like(p, size));
	buf_init(&b, APIKEY_SECRET_LEN + 1);
	FUZZ_ASSERT(base64_encode(&b, k.secret, sizeof(k.secret),
	    BASE64_URL) == 0);
	snprintf(again, sizeof(again), "%s%s_%s", APIKEY_PREFIX, k.id, b.data);
	FUZZ_ASSERT(memcmp(again, p, APIKEY_LEN) == 0);
	buf_release(&b);
	apikey_parsed_wipe(&k);
	return 0;
}
