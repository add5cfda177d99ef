/*
 * sse.h -- an incremental parser for text/event-stream (Server-Sent
 * Events), as the WHATWG HTML Living Standard "9.2.6 Interpreting an event
 * stream" defines it, fed (ptr, len) chunks as they come off the network.
 *
 * What it does, per the standard:
 *  - lines end in CRLF, LF or CR, and an end of line may be split across
 *    two chunks (a CR at the end of one chunk and an LF at the start of the
 *    next are one line ending); a UTF-8 BOM at the very start is skipped;
 *  - ":comment" lines are ignored; "field:value" drops ONE space after the
 *    colon; a line without a colon is a field with an empty value;
 *  - "data" appends the value and an LF to the data buffer; "event" sets
 *    the type; "id" sets the last event id unless the value holds a NUL
 *    (the last event id persists across events, as the standard says);
 *    "retry" sets the reconnection time when the value is all ASCII
 *    digits; unknown fields are ignored;
 *  - a blank line dispatches: when the data buffer is empty nothing is
 *    dispatched (but "id" and "retry" still took effect), otherwise the
 *    final LF is removed and the callback gets the event; the type and data
 *    are then reset;
 *  - at the end of the stream an incomplete event is discarded
 *    (sse_finish()).
 * Bytes are passed through as they are: the parser does not check UTF-8
 * (the receiver parses the data as JSON, which does).
 *
 * Limits (checked before memory grows): one line at most max_event + 64
 * bytes; an event's data at most max_event bytes; the event type and id at
 * most LIMIT_SSE_FIELD bytes. Going over any is SSE_TOO_LARGE.
 *
 * Contract:
 *  - sse_init(s, max_event, fn, arg): max_event 0 means LIMIT_SSE_EVENT.
 *    fn is called once per dispatched event; the struct sse_event and every
 *    pointer in it are borrowed and valid only during the call (the data is
 *    NUL-terminated there, the type and id too). fn returns 0 to go on or
 *    -1 to stop: the parser is then in SSE_ABORTED.
 *  - sse_feed() returns 0, or -1 with s->err set (SSE_TOO_LARGE or
 *    SSE_ABORTED); once in error every later call returns -1 at once.
 *  - sse_finish() is the end of the stream: it discards a pending event
 *    and returns 1 when one was pending (data lines without their blank
 *    line: a truncated stream), else 0; -1 when in error.
 *  - sse_reset() starts a new stream (a reconnection) and keeps the last
 *    event id and retry, as the standard's reconnection does.
 *  - sse_release() frees the buffers; the struct may be sse_init'ed again.
 */
#ifndef MCP_SSE_H
#define MCP_SSE_H

#include <stddef.h>

#include "buf.h"
#include "lib_limits.h"

enum sse_err {
	SSE_OK,
	SSE_TOO_LARGE,		/* a line, event, type or id over its cap */
	SSE_ABORTED,		/* the callback returned -1 */
	SSE__MAX
};

struct sse_event {
	const char	*type;		/* "message" when no "event" field */
	size_t		 type_len;
	const char	*data;		/* final LF removed; may be empty */
	size_t		 data_len;
	const char	*id;		/* last event id; "" when none */
	size_t		 id_len;
	long		 retry_ms;	/* reconnection time; -1 when never set */
};

typedef int sse_event_fn(void *arg, const struct sse_event *);

struct sse {
	sse_event_fn	*fn;
	void		*arg;
	size_t		 max_event;
	struct buf	 line;		/* a line split across chunks */
	struct buf	 data;		/* the data buffer */
	struct buf	 type;		/* the event type buffer */
	struct buf	 id;		/* the last event id buffer */
	long		 retry_ms;
	int		 pending;	/* fields seen since the last dispatch */
	int		 cr;		/* the last chunk ended in CR */
	int		 bom_done;	/* past the possible BOM */
	size_t		 events;	/* events dispatched */
	enum sse_err	 err;
};

void	 sse_init(struct sse *, size_t max_event, sse_event_fn *, void *);
int	 sse_feed(struct sse *, const char *, size_t);
int	 sse_finish(struct sse *);
void	 sse_reset(struct sse *);
void	 sse_release(struct sse *);
/* Short lowercase text for an error, e.g. "event too large". */
const char *sse_strerror(enum sse_err);

#endif /* MCP_SSE_H */
