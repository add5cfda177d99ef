/*
 * jsonx.c -- jansson helpers; see jsonx.h.
 */
#include <stdio.h>
#include <string.h>

#include "jsonx.h"

size_t
jsonx_depth(const char *p, size_t len)
{
	size_t	 i, depth = 0, max = 0;
	int	 instr = 0, esc = 0;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (instr) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				instr = 0;
			continue;
		}
		if (c == '"')
			instr = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if ((c == '}' || c == ']') && depth > 0)
			depth--;
	}
	return max;
}

json_t *
jsonx_loadb(const char *p, size_t len, size_t max_depth, char *err,
    size_t errlen)
{
	json_error_t	 je;
	json_t		*j;

	if (jsonx_depth(p, len) > max_depth) {
		if (err != NULL)
			snprintf(err, errlen, "json nested deeper than %zu",
			    max_depth);
		return NULL;
	}
	/* Any value, not only objects and arrays: the caller checks the
	 * type and says what it wanted (a JSON-RPC "hello" is an invalid
	 * request, not unparseable). */
	j = json_loadb(p, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
	    JSON_DECODE_ANY, &je);
	if (j == NULL && err != NULL)
		snprintf(err, errlen, "invalid json at line %d column %d: %s",
		    je.line, je.column, je.text);
	return j;
}

static int
jsonx_dump_cb(const char *p, size_t n, void *arg)
{
	return buf_append(arg, p, n);
}

int
jsonx_dumpb(struct buf *b, const json_t *j)
{
	return json_dump_callback(j, jsonx_dump_cb, b,
	    JSON_COMPACT | JSON_ENCODE_ANY);
}

const char *
jsonx_str(const json_t *obj, const char *key)
{
	json_t	*v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}
