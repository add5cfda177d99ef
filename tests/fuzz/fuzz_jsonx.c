/*
 * fuzz_jsonx.c -- the JSON helpers every trust boundary goes through
 * (lib/jsonx.c): jsonx_depth(), the raw-text depth count that guards
 * jsonx_loadb(), and jsonx_loadb()/jsonx_dumpb().
 *
 * Invariants besides memory safety: for every document jansson accepts,
 * jsonx_depth() of its text equals the nesting depth of the tree (the
 * guard neither lets a deeper document through nor refuses a shallower
 * one); jsonx_loadb() refuses exactly the documents deeper than its
 * max_depth; what jsonx_dumpb() writes loads back equal.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "fuzz.h"
#include "jsonx.h"

#define FUZZ_MAX_DEPTH	8

static size_t
fuzz_tree_depth(const json_t *j)
{
	const char	*k;
	json_t		*v;
	size_t		 i, d, max = 0;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)(uintptr_t)j, k, v)
			if ((d = fuzz_tree_depth(v)) > max)
				max = d;
		return max + 1;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((d = fuzz_tree_depth(v)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data;
	json_t		*ref, *j, *back;
	struct buf	 b;
	size_t		 depth;

	depth = jsonx_depth(p, size);
	ref = json_loadb(p, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
	    JSON_DECODE_ANY, NULL);
	if (ref != NULL)
		FUZZ_ASSERT(depth == fuzz_tree_depth(ref));
	j = jsonx_loadb(p, size, FUZZ_MAX_DEPTH, NULL, 0);
	FUZZ_ASSERT((j != NULL) == (ref != NULL && depth <= FUZZ_MAX_DEPTH));
	if (j != NULL) {
		buf_init(&b, 16 * size + 64);
		FUZZ_ASSERT(jsonx_dumpb(&b, j) == 0);
		back = jsonx_loadb(b.data, b.len, FUZZ_MAX_DEPTH, NULL, 0);
		FUZZ_ASSERT(back != NULL && json_equal(back, j));
		json_decref(back);
		buf_release(&b);
	}
	json_decref(j);
	json_decref(ref);
	return 0;
}
