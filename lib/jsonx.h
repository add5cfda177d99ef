/*
 * jsonx.h -- jansson helpers used everywhere JSON crosses a trust boundary.
 *
 * jsonx_loadb() parses (ptr, len) -- any JSON value, not only objects and
 * arrays -- with JSON_REJECT_DUPLICATES and rejects
 * documents nested deeper than max_depth. It returns a NEW reference or
 * NULL; on NULL, err (if non-NULL) holds a short lowercase reason.
 * jsonx_dumpb() appends compact JSON to a struct buf (0 or -1, see buf.h).
 * jsonx_str() returns a borrowed string member or NULL when absent or not
 * a string.
 */
#ifndef MCP_JSONX_H
#define MCP_JSONX_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"

json_t	*jsonx_loadb(const char *, size_t, size_t max_depth,
	    char *err, size_t errlen);
int	 jsonx_dumpb(struct buf *, const json_t *);
const char *jsonx_str(const json_t *obj, const char *key);
/* Nesting depth of (ptr, len) counted on the raw text; strings skipped. */
size_t	 jsonx_depth(const char *, size_t);

#endif /* MCP_JSONX_H */
