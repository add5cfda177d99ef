/*
 * fuzz_sl_rest.c -- supabase-local's PostgREST query-string grammar
 * (deploy/supabase-local/sl_rest_parse.c, rest_parse_query): select,
 * filters, logic trees, order, limit/offset, columns, on_conflict and the
 * percent-decoding under them, into a per-request arena.
 *
 * Invariants besides memory safety: a refused query has a PostgREST
 * status (4xx/5xx) and a message; an accepted one stays within the
 * declared caps (SL_MAX_SELECT items, SL_MAX_FILTERS filters).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sl.h"
#include "sl_rest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_arena		 a;
	struct rest_query	 q;
	struct rest_err		 err;
	char			*qs;

	qs = fuzz_cstr(data, size);
	sl_arena_init(&a, SL_REST_ARENA_MAX);
	if (rest_parse_query(&a, qs, "items", &q, &err) == -1) {
		FUZZ_ASSERT(err.status >= 400 && err.status <= 599);
		FUZZ_ASSERT(err.message != NULL);
	} else {
		FUZZ_ASSERT(q.nsel <= SL_MAX_SELECT && q.nord <= SL_MAX_SELECT);
		FUZZ_ASSERT(q.nfilters <= SL_MAX_FILTERS);
	}
	sl_arena_release(&a);
	free(qs);
	return 0;
}
