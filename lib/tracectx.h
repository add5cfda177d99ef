/*
 * tracectx.h -- W3C Trace Context (Recommendation, 2021-11-23): the
 * traceparent and tracestate HTTP headers, checked strictly, and the
 * traceparent to send to the next hop.
 *
 *     traceparent = version "-" trace-id "-" parent-id "-" trace-flags
 *                   2 hex     32 hex       16 hex        2 hex (lowercase)
 *
 * tracectx_parse() accepts (section 3.2.2 / 3.2.4):
 *  - version 00: exactly 55 characters;
 *  - a later version (01-fe): at least 55 characters, and when longer the
 *    56th is "-" (fields a future version appends are ignored);
 *  - version ff, uppercase hex, an all-zero trace-id or parent-id, any
 *    other length or separator: invalid.
 * An invalid traceparent makes the tracestate ignored too (section 3.3);
 * a valid one keeps tracestate only when it is valid itself: at most
 * TRACECTX_STATE_MAX bytes and TRACECTX_STATE_MEMBERS list-members, each
 * key=value with the section 3.3.1 grammar (simple-key or
 * tenant@system key, value of printable ASCII without ',' and '=' that
 * does not end in a space), no duplicate key; empty members (",,") and
 * optional whitespace around them are allowed and dropped.
 *
 * Returns 0 (ctx filled, ctx->from_client 1; ctx->state "" when there was
 * no valid tracestate) or -1 (absent or invalid traceparent: ctx zeroed).
 * NULL header values are absent. Inputs are (ptr, NUL-terminated).
 *
 * tracectx_new(): a fresh trace (random trace-id, flags 00,
 * from_client 0) for a request that came without a valid traceparent; 0,
 * or -1 when the random generator fails.
 *
 * tracectx_next(): the traceparent to send on ("00-<trace-id>-<new
 * parent-id>-<flags>"): the same trace and flags, a fresh random span id
 * for this hop; 0, or -1 (random generator).
 */
#ifndef MCP_TRACECTX_H
#define MCP_TRACECTX_H

#include <stddef.h>

#define TRACECTX_TRACE_ID_LEN	32
#define TRACECTX_PARENT_ID_LEN	16
#define TRACECTX_PARENT_LEN	55	/* a version-00 traceparent */
#define TRACECTX_STATE_MAX	512	/* section 3.3.1.1: may drop beyond */
#define TRACECTX_STATE_MEMBERS	32	/* section 3.3.1.1 */

struct tracectx {
	char		 trace_id[TRACECTX_TRACE_ID_LEN + 1];
	char		 parent_id[TRACECTX_PARENT_ID_LEN + 1];
	unsigned	 flags;
	int		 from_client;
	char		 state[TRACECTX_STATE_MAX + 1];
};

int	 tracectx_parse(struct tracectx *, const char *traceparent,
	    const char *tracestate);
int	 tracectx_state_valid(const char *, size_t);
int	 tracectx_new(struct tracectx *);
int	 tracectx_next(const struct tracectx *,
	    char out[TRACECTX_PARENT_LEN + 1]);

#endif /* MCP_TRACECTX_H */
