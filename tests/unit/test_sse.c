/*
 * test_sse.c -- the text/event-stream parser: a table of streams and the
 * events they must give, each fed whole, one byte at a time and split at
 * every position; caps, aborts, the end of a stream.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "t.h"

/* Events rendered as "type|data|id|retry;" for comparison. */
struct test_sink {
	struct buf	 out;
	int		 stop_after;	/* abort after this many; 0: never */
	int		 n;
};

static int
test_event(void *arg, const struct sse_event *ev)
{
	struct test_sink *k = arg;

	/* Borrowed strings are NUL-terminated where their length says. */
	if (ev->type[ev->type_len] != '\0' || ev->data[ev->data_len] != '\0' ||
	    ev->id[ev->id_len] != '\0')
		return -1;
	buf_append(&k->out, ev->type, ev->type_len);
	buf_appendc(&k->out, '|');
	buf_append(&k->out, ev->data, ev->data_len);
	buf_appendc(&k->out, '|');
	buf_append(&k->out, ev->id, ev->id_len);
	buf_printf(&k->out, "|%ld;", ev->retry_ms);
	k->n++;
	return k->stop_after > 0 && k->n >= k->stop_after ? -1 : 0;
}

/* Feed in pieces of at most step bytes, or split once at split. */
static int
test_run(const char *in, size_t len, size_t step, size_t split,
    struct buf *out, int *pending)
{
	struct test_sink	 k;
	struct sse		 s;
	size_t			 i, n;
	int			 rc = 0;

	memset(&k, 0, sizeof(k));
	buf_init(&k.out, 65536);
	sse_init(&s, 0, test_event, &k);
	if (split > 0) {
		if (sse_feed(&s, in, split) == -1 ||
		    sse_feed(&s, in + split, len - split) == -1)
			rc = -1;
	} else {
		for (i = 0; i < len && rc == 0; i += n) {
			n = len - i < step ? len - i : step;
			rc = sse_feed(&s, in + i, n);
		}
	}
	*pending = rc == 0 ? sse_finish(&s) : -1;
	buf_reset(out);
	buf_append(out, k.out.data != NULL ? k.out.data : "", k.out.len);
	buf_release(&k.out);
	sse_release(&s);
	return rc;
}

#define S(lit)	lit, sizeof(lit) - 1

static const struct {
	int		 line;
	const char	*in;
	size_t		 len;		/* inputs may hold a NUL */
	const char	*want;
	int		 pending;	/* sse_finish() at the end */
} cases[] = {
	{ __LINE__, S("data: hello\n\n"), "message|hello||-1;", 0 },
	{ __LINE__, S("data:hello\n\n"), "message|hello||-1;", 0 },
	/* Only one space is dropped. */
	{ __LINE__, S("data:  two\n\n"), "message| two||-1;", 0 },
	{ __LINE__, S("data: a\ndata: b\n\n"), "message|a\nb||-1;", 0 },
	{ __LINE__, S("data\n\n"), "message|||-1;", 0 },
	{ __LINE__, S("data: \n\n"), "message|||-1;", 0 },	/* TS SDK */
	{ __LINE__, S("data:\ndata:\n\n"), "message|\n||-1;", 0 },
	{ __LINE__, S("event: ping\ndata: x\n\n"), "ping|x||-1;", 0 },
	/* The type resets after each event. */
	{ __LINE__, S("event: a\ndata: 1\n\ndata: 2\n\n"),
	    "a|1||-1;message|2||-1;", 0 },
	/* CR, CRLF and LF line endings, mixed. */
	{ __LINE__, S("data: a\r\n\r\ndata: b\r\rdata: c\n\n"),
	    "message|a||-1;message|b||-1;message|c||-1;", 0 },
	{ __LINE__, S("data: a\r\r\n"), "message|a||-1;", 0 },
	/* Comments, unknown fields, no colon. */
	{ __LINE__, S(": keep-alive\n\n:x\ndata: y\nfoo: bar\n\n"),
	    "message|y||-1;", 0 },
	{ __LINE__, S("Data: no\n\n"), "", 0 },	/* names are exact */
	/* The id persists; an id with a NUL is ignored; empty id clears. */
	{ __LINE__, S("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"),
	    "message|a|7|-1;message|b|7|-1;message|c||-1;", 0 },
	{ __LINE__, S("id: 1\n\nid: 2\0x\ndata: z\n\n"), "message|z|1|-1;", 0 },
	/* An id without data is remembered but not dispatched. */
	{ __LINE__, S("id: 5\nretry: 1500\n\ndata: q\n\n"),
	    "message|q|5|1500;", 0 },
	{ __LINE__, S("retry: 15x\ndata: q\n\n"), "message|q||-1;", 0 },
	{ __LINE__, S("retry: -1\ndata: q\n\n"), "message|q||-1;", 0 },
	{ __LINE__, S("retry:\ndata: q\n\n"), "message|q||-1;", 0 },
	{ __LINE__, S("retry: 99999999999999999999999\ndata: q\n\n"),
	    "message|q||86400000;", 0 },
	/* A BOM is skipped only at the very start. */
	{ __LINE__, S("\xEF\xBB\xBF" "data: b\n\n"), "message|b||-1;", 0 },
	{ __LINE__, S("\xEF\xBB\xBF\n" "data: b\n\n"), "message|b||-1;", 0 },
	{ __LINE__, S("data: a\n\n\xEF\xBB\xBF" "data: b\n\n"),
	    "message|a||-1;", 0 },
	/* The end of the stream drops an incomplete event. */
	{ __LINE__, S("data: a\n"), "", 1 },
	{ __LINE__, S("data: a\n\ndata: b"), "message|a||-1;", 1 },
	{ __LINE__, S("data: a\n\nevent: x\n"), "message|a||-1;", 0 },
	{ __LINE__, S(""), "", 0 },
	/* JSON-RPC over SSE, as MCP servers send it. */
	{ __LINE__, S("event: message\nid: e1\ndata: {\"jsonrpc\":\"2.0\","
	    "\"id\":1,\"result\":{}}\n\n"),
	    "message|{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}|e1|-1;", 0 },
};

static void
test_table(void)
{
	struct buf	 whole, got;
	size_t		 i, len, cut;
	int		 pending, same;

	buf_init(&whole, 65536);
	buf_init(&got, 65536);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len;
		T_LINE(test_run(cases[i].in, len, len + 1, 0, &whole,
		    &pending) == 0, cases[i].line);
		T_LINE(strcmp(buf_cstr(&whole), cases[i].want) == 0,
		    cases[i].line);
		T_LINE(pending == cases[i].pending, cases[i].line);
		if (strcmp(buf_cstr(&whole), cases[i].want) != 0)
			printf("# got '%s'\n", buf_cstr(&whole));

		/* One byte at a time, and split at every position. */
		T_LINE(test_run(cases[i].in, len, 1, 0, &got, &pending) == 0 &&
		    strcmp(buf_cstr(&got), cases[i].want) == 0 &&
		    pending == cases[i].pending, cases[i].line);
		same = 1;
		for (cut = 1; cut < len; cut++) {
			if (test_run(cases[i].in, len, 0, cut, &got,
			    &pending) != 0 ||
			    strcmp(buf_cstr(&got), cases[i].want) != 0 ||
			    pending != cases[i].pending)
				same = 0;
		}
		T_LINE(same, cases[i].line);
	}
	buf_release(&whole);
	buf_release(&got);
}

static void
test_limits(void)
{
	struct test_sink	 k;
	struct sse		 s;
	char			 big[300];

	memset(&k, 0, sizeof(k));
	buf_init(&k.out, 65536);

	/* Data of exactly max_event fits; one more byte does not. */
	sse_init(&s, 8, test_event, &k);
	T(sse_feed(&s, "data: 12345678\n\n", 16) == 0 && k.n == 1);
	T(sse_feed(&s, "data: 1234\ndata: 5678\n\n", 23) == -1 &&
	    s.err == SSE_TOO_LARGE && k.n == 1);
	T(sse_feed(&s, "data: x\n\n", 9) == -1);	/* stays in error */
	T(sse_finish(&s) == -1);
	T(strcmp(sse_strerror(s.err), "event too large") == 0);
	sse_release(&s);

	/* A line longer than max_event + slack, whole or in pieces. */
	memset(big, 'a', sizeof(big));
	sse_init(&s, 8, test_event, &k);
	T(sse_feed(&s, big, sizeof(big)) == -1 && s.err == SSE_TOO_LARGE);
	sse_reset(&s);
	T(s.err == SSE_OK);
	T(sse_feed(&s, ":", 1) == 0 && sse_feed(&s, big, 100) == -1);
	sse_reset(&s);
	big[sizeof(big) - 1] = '\n';
	T(sse_feed(&s, big, sizeof(big)) == -1 && s.err == SSE_TOO_LARGE);
	sse_release(&s);

	/* Type and id over LIMIT_SSE_FIELD. */
	sse_init(&s, 0, test_event, &k);
	T(sse_feed(&s, "event: ", 7) == 0);
	memset(big, 'e', sizeof(big));
	T(sse_feed(&s, big, LIMIT_SSE_FIELD + 1) == 0);
	T(sse_feed(&s, "\n", 1) == -1 && s.err == SSE_TOO_LARGE);
	sse_reset(&s);
	T(sse_feed(&s, "id: ", 4) == 0 && sse_feed(&s, big, LIMIT_SSE_FIELD) ==
	    0 && sse_feed(&s, "\ndata: x\n\n", 10) == 0);
	sse_release(&s);

	/* The callback stops the parser; reset keeps the id and retry. */
	k.n = 0;
	k.stop_after = 2;
	buf_reset(&k.out);
	sse_init(&s, 0, test_event, &k);
	T(sse_feed(&s, "id: 9\nretry: 10\ndata: 1\n\ndata: 2\n\ndata: 3\n\n",
	    43) == -1 && s.err == SSE_ABORTED && k.n == 2 && s.events == 2);
	T(strcmp(sse_strerror(SSE_ABORTED), "aborted by receiver") == 0);
	sse_reset(&s);
	k.stop_after = 0;
	buf_reset(&k.out);
	T(sse_feed(&s, "data: 4\n\n", 9) == 0 &&
	    strcmp(buf_cstr(&k.out), "message|4|9|10;") == 0);
	sse_release(&s);

	/* No callback: events are counted and dropped. */
	sse_init(&s, 0, NULL, NULL);
	T(sse_feed(&s, "data: 1\n\ndata: 2\n\n", 18) == 0 && s.events == 2);
	sse_release(&s);
	buf_release(&k.out);
}

int
main(void)
{
	test_table();
	test_limits();
	return t_done();
}
