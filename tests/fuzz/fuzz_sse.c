/*
 * fuzz_sse.c -- the text/event-stream parser (lib/sse.c).
 *
 * Byte 0 picks the chunking and the cap: the rest is fed once whole and
 * once in chunks of 1..16 bytes, with max_event 64 or the default.
 * Invariant besides memory safety: the events dispatched (type, data, id,
 * retry), the error and sse_finish()'s answer are the same however the
 * stream is cut into chunks -- a line ending split across two reads (CR
 * | LF) included. A callback that refuses (every 5th event) stops both
 * runs the same way.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "lib_limits.h"
#include "sse.h"

#define FUZZ_SMALL_EVENT	64
#define FUZZ_ABORT_EVERY	5

struct fuzz_log {
	struct buf	 b;		/* every event, serialised */
	size_t		 n;
};

static void
fuzz_put(struct buf *b, const char *p, size_t n)
{
	char	 len[32];

	snprintf(len, sizeof(len), "%zu:", n);
	if (buf_appends(b, len) == -1 || buf_append(b, p, n) == -1)
		abort();
}

static int
fuzz_event(void *arg, const struct sse_event *ev)
{
	struct fuzz_log	*l = arg;
	char		 r[32];

	FUZZ_ASSERT(ev->data[ev->data_len] == '\0');
	FUZZ_ASSERT(ev->type[ev->type_len] == '\0');
	FUZZ_ASSERT(ev->id[ev->id_len] == '\0');
	FUZZ_ASSERT(ev->type_len <= LIMIT_SSE_FIELD &&
	    ev->id_len <= LIMIT_SSE_FIELD);
	fuzz_put(&l->b, ev->type, ev->type_len);
	fuzz_put(&l->b, ev->data, ev->data_len);
	fuzz_put(&l->b, ev->id, ev->id_len);
	snprintf(r, sizeof(r), "%ld;", ev->retry_ms);
	if (buf_appends(&l->b, r) == -1)
		abort();
	return ++l->n % FUZZ_ABORT_EVERY == 0 ? -1 : 0;
}

/* Feed (p, n) in chunks of step bytes (0: whole); the log gets the end. */
static void
fuzz_run(const char *p, size_t n, size_t step, size_t max_event,
    struct fuzz_log *l)
{
	struct sse	 s;
	size_t		 o = 0, k;
	char		 end[64];
	int		 rc = 0, fin;

	sse_init(&s, max_event, fuzz_event, l);
	if (step == 0)
		rc = sse_feed(&s, p, n);
	else
		while (o < n && rc == 0) {
			k = n - o < step ? n - o : step;
			rc = sse_feed(&s, p + o, k);
			o += k;
		}
	fin = sse_finish(&s);
	snprintf(end, sizeof(end), "end %d %d %d %zu", rc, (int)s.err, fin,
	    s.events);
	if (buf_appends(&l->b, end) == -1)
		abort();
	sse_release(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_log	 whole, cut;
	size_t		 step, max;

	if (size < 1)
		return 0;
	step = (data[0] & 15) + 1;
	max = data[0] & 16 ? FUZZ_SMALL_EVENT : 0;
	memset(&whole, 0, sizeof(whole));
	memset(&cut, 0, sizeof(cut));
	buf_init(&whole.b, 64 * 1024 * 1024);
	buf_init(&cut.b, 64 * 1024 * 1024);
	fuzz_run((const char *)data + 1, size - 1, 0, max, &whole);
	fuzz_run((const char *)data + 1, size - 1, step, max, &cut);
	FUZZ_ASSERT(whole.b.len == cut.b.len &&
	    memcmp(whole.b.data, cut.b.data, whole.b.len) == 0);
	buf_release(&whole.b);
	buf_release(&cut.b);
	return 0;
}
