/*
 * sse.c -- incremental text/event-stream parser; see sse.h.
 *
 * Spec: WHATWG HTML, "9.2.6 Interpreting an event stream".
 */
#include <string.h>

#include "sse.h"
#include "strparse.h"

/* A line may be this much longer than max_event ("data: " and friends). */
#define SSE_LINE_SLACK	64

static void
sse_clear_event(struct sse *s)
{
	buf_reset(&s->data);
	buf_reset(&s->type);
	s->pending = 0;
}

void
sse_init(struct sse *s, size_t max_event, sse_event_fn *fn, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->arg = arg;
	s->max_event = max_event > 0 ? max_event : LIMIT_SSE_EVENT;
	buf_init(&s->line, s->max_event + SSE_LINE_SLACK);
	/* The data buffer holds the final LF until dispatch. */
	buf_init(&s->data, s->max_event + 1);
	buf_init(&s->type, LIMIT_SSE_FIELD);
	buf_init(&s->id, LIMIT_SSE_FIELD);
	s->retry_ms = -1;
	s->err = SSE_OK;
}

void
sse_release(struct sse *s)
{
	buf_release(&s->line);
	buf_release(&s->data);
	buf_release(&s->type);
	buf_release(&s->id);
	s->pending = 0;
	s->cr = 0;
}

void
sse_reset(struct sse *s)
{
	buf_reset(&s->line);
	sse_clear_event(s);
	s->cr = 0;
	s->bom_done = 0;
	s->err = SSE_OK;
}

const char *
sse_strerror(enum sse_err e)
{
	switch (e) {
	case SSE_OK:
		return "ok";
	case SSE_TOO_LARGE:
		return "event too large";
	case SSE_ABORTED:
		return "aborted by receiver";
	default:
		return "unknown error";
	}
}

static int
sse_fail(struct sse *s, enum sse_err e)
{
	s->err = e;
	return -1;
}

/* A blank line: dispatch the event, if there is one. */
static int
sse_dispatch(struct sse *s)
{
	struct sse_event	 ev;
	int			 rc;

	if (s->data.len == 0) {
		/* Nothing to dispatch; "id"/"retry" already took effect. */
		sse_clear_event(s);
		return 0;
	}
	/* Remove the data buffer's final LF. */
	s->data.len--;
	s->data.data[s->data.len] = '\0';

	memset(&ev, 0, sizeof(ev));
	if (s->type.len > 0) {
		ev.type = s->type.data;
		ev.type_len = s->type.len;
	} else {
		ev.type = "message";
		ev.type_len = 7;
	}
	ev.data = s->data.data;
	ev.data_len = s->data.len;
	ev.id = buf_cstr(&s->id);
	ev.id_len = s->id.len;
	ev.retry_ms = s->retry_ms;
	s->events++;
	rc = s->fn != NULL ? s->fn(s->arg, &ev) : 0;
	sse_clear_event(s);
	return rc == 0 ? 0 : sse_fail(s, SSE_ABORTED);
}

static int
sse_set(struct buf *b, const char *v, size_t n)
{
	buf_reset(b);
	return n == 0 ? 0 : buf_append(b, v, n);
}

/* "retry": ASCII digits only, else ignored; clamped, never negative. */
static void
sse_retry(struct sse *s, const char *v, size_t n)
{
	uint64_t	 ms;
	size_t		 i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return;
	if (strparse_u64(v, n, 0, LIMIT_SSE_RETRY_MAX_MS, &ms) == -1)
		ms = LIMIT_SSE_RETRY_MAX_MS;	/* digits, but huge */
	s->retry_ms = (long)ms;
}

/* One complete line, without its end of line. */
static int
sse_line(struct sse *s, const char *p, size_t n)
{
	const char	*colon, *v;
	size_t		 fl, vl;

	if (!s->bom_done) {
		/* Only the stream's first line can start with the BOM. */
		s->bom_done = 1;
		if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			p += 3;
			n -= 3;
		}
	}
	if (n == 0)
		return sse_dispatch(s);
	if (p[0] == ':')
		return 0;		/* a comment (keep-alives) */
	if ((colon = memchr(p, ':', n)) != NULL) {
		fl = (size_t)(colon - p);
		v = colon + 1;
		vl = n - fl - 1;
		if (vl > 0 && v[0] == ' ') {
			v++;
			vl--;
		}
	} else {
		fl = n;
		v = "";
		vl = 0;
	}
	if (fl == 4 && memcmp(p, "data", 4) == 0) {
		s->pending = 1;
		if (buf_append(&s->data, v, vl) == -1 ||
		    buf_appendc(&s->data, '\n') == -1)
			return sse_fail(s, SSE_TOO_LARGE);
	} else if (fl == 5 && memcmp(p, "event", 5) == 0) {
		s->pending = 1;
		if (sse_set(&s->type, v, vl) == -1)
			return sse_fail(s, SSE_TOO_LARGE);
	} else if (fl == 2 && memcmp(p, "id", 2) == 0) {
		if (memchr(v, '\0', vl) == NULL && sse_set(&s->id, v, vl) == -1)
			return sse_fail(s, SSE_TOO_LARGE);
	} else if (fl == 5 && memcmp(p, "retry", 5) == 0)
		sse_retry(s, v, vl);
	/* Other fields are ignored (WHATWG 9.2.6). */
	return 0;
}

int
sse_feed(struct sse *s, const char *p, size_t len)
{
	const char	*cr, *lf, *eol;
	size_t		 i = 0, n;

	if (s->err != SSE_OK)
		return -1;
	if (len == 0)
		return 0;
	/* A CRLF split between two chunks is one line ending. */
	if (s->cr && p[0] == '\n')
		i = 1;
	s->cr = 0;
	while (i < len) {
		cr = memchr(p + i, '\r', len - i);
		lf = memchr(p + i, '\n', cr != NULL ? (size_t)(cr - p) - i :
		    len - i);
		eol = lf != NULL ? lf : cr;
		if (eol == NULL) {
			/* An incomplete line: keep it for the next chunk. */
			if (buf_append(&s->line, p + i, len - i) == -1)
				return sse_fail(s, SSE_TOO_LARGE);
			break;
		}
		n = (size_t)(eol - p) - i;
		if (s->line.len > 0) {
			if (buf_append(&s->line, p + i, n) == -1)
				return sse_fail(s, SSE_TOO_LARGE);
			if (sse_line(s, s->line.data, s->line.len) == -1)
				return -1;
			buf_reset(&s->line);
		} else {
			if (n > s->line.max)
				return sse_fail(s, SSE_TOO_LARGE);
			if (sse_line(s, p + i, n) == -1)
				return -1;
		}
		i = (size_t)(eol - p) + 1;
		if (*eol == '\r') {
			if (i < len && p[i] == '\n')
				i++;
			else if (i == len)
				s->cr = 1;
		}
	}
	return 0;
}

int
sse_finish(struct sse *s)
{
	int	 pending;

	if (s->err != SSE_OK)
		return -1;
	/* WHATWG 9.2.6: at the end, an incomplete event is discarded. */
	pending = s->line.len > 0 || s->data.len > 0;
	sse_reset(s);
	return pending;
}
