/*
 * test_api_logs.c -- the log query API's parsers: query strings (hostile
 * ones included), RFC 3339 timestamps, cursors.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "api/api_logs.h"
#include "buf.h"
#include "jwtx.h"
#include "product_limits.h"
#include "t.h"

#define S	INT64_C(1000000)
/* 2026-01-31T12:00:00Z */
#define T0	(INT64_C(1769860800) * S)

static void
test_time(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 strict;
		int		 rc;
		int64_t		 want;
	} cases[] = {
		{ __LINE__, "2026-01-31T12:00:00Z", 1, 0, T0 },
		{ __LINE__, "2026-01-31t12:00:00z", 1, 0, T0 },
		{ __LINE__, "2026-01-31T13:30:00+01:30", 1, 0, T0 },
		{ __LINE__, "2026-01-31T10:00:00-02:00", 1, 0, T0 },
		{ __LINE__, "2026-01-31T12:00:00.5Z", 1, 0, T0 + S / 2 },
		{ __LINE__, "2026-01-31T12:00:00.000001Z", 1, 0, T0 + 1 },
		{ __LINE__, "2026-01-31T12:00:00.0000001Z", 1, -1, 0 },
		{ __LINE__, "1970-01-01T00:00:00Z", 1, 0, 0 },
		{ __LINE__, "1969-12-31T23:59:59.999999Z", 1, 0, -1 },
		{ __LINE__, "2024-02-29T00:00:00Z", 1, 0, INT64_C(1709164800) * S },
		{ __LINE__, "2023-02-29T00:00:00Z", 1, -1, 0 },
		{ __LINE__, "2100-02-29T00:00:00Z", 1, -1, 0 },
		{ __LINE__, "2000-02-29T00:00:00Z", 1, 0, INT64_C(951782400) * S },
		{ __LINE__, "0001-01-01T00:00:00Z", 1, 0, INT64_C(-62135596800) * S },
		{ __LINE__, "0001-01-01T00:00:00+00:01", 1, -1, 0 },	/* year 0 */
		{ __LINE__, "9999-12-31T23:59:59.999999Z", 1, 0,
		    INT64_C(253402300800) * S - 1 },
		{ __LINE__, "9999-12-31T23:59:59-00:01", 1, -1, 0 },	/* 10000 */
		{ __LINE__, "0000-01-01T00:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-13-01T00:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-00-01T00:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-04-31T00:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-01-31T24:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:60:00Z", 1, -1, 0 },
		{ __LINE__, "2026-12-31T23:59:60Z", 1, -1, 0 },	/* leap s */
		{ __LINE__, "2026-01-31T12:00:00", 1, -1, 0 },	/* no offset */
		{ __LINE__, "2026-01-31 12:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-01-31", 1, -1, 0 },
		{ __LINE__, "2026-1-31T12:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00.Z", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00ZZ", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00+0100", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00+24:00", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00+01:60", 1, -1, 0 },
		{ __LINE__, "+2026-01-31T12:00:00Z", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00Z; drop table x", 1, -1, 0 },
		{ __LINE__, "now", 1, -1, 0 },
		{ __LINE__, "", 1, -1, 0 },
		/* PostgreSQL's JSON spellings, accepted only when not strict */
		{ __LINE__, "2026-01-31T12:00:00+00", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:00:00+00", 0, 0, T0 },
		{ __LINE__, "2026-01-31T12:00:00+00:00", 0, 0, T0 },
		{ __LINE__, "2026-01-31T12:00:00.123456+00:00", 0, 0,
		    T0 + 123456 },
		{ __LINE__, "2026-01-31T12:53:28+00:53:28", 1, -1, 0 },
		{ __LINE__, "2026-01-31T12:53:28+00:53:28", 0, 0, T0 },
		{ __LINE__, "2026-01-31T12:00:00+00:00 BC", 0, -1, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = 42;

		T_LINE(api_logs_parse_time(cases[i].in, strlen(cases[i].in),
		    cases[i].strict, &t) == cases[i].rc, cases[i].line);
		T_LINE(t == (cases[i].rc == 0 ? cases[i].want : 42),
		    cases[i].line);
	}
	/* (ptr, len): the bytes after len are not looked at */
	{
		int64_t t;

		T(api_logs_parse_time("2026-01-31T12:00:00Zjunk", 20, 1,
		    &t) == 0 && t == T0);
		T(api_logs_parse_time("2026-01-31T12:00:00Z", 19, 1,
		    &t) == -1);
	}
}

static void
test_format(void)
{
	static const struct {
		int		 line;
		int64_t		 t;
		const char	*want;	/* NULL: -1 */
	} cases[] = {
		{ __LINE__, T0, "2026-01-31T12:00:00Z" },
		{ __LINE__, T0 + 1, "2026-01-31T12:00:00.000001Z" },
		{ __LINE__, 0, "1970-01-01T00:00:00Z" },
		{ __LINE__, -1, "1969-12-31T23:59:59.999999Z" },
		{ __LINE__, INT64_C(951782400) * S, "2000-02-29T00:00:00Z" },
		{ __LINE__, INT64_C(-62135596800) * S, "0001-01-01T00:00:00Z" },
		{ __LINE__, INT64_C(-62135596800) * S - 1, NULL },
		{ __LINE__, INT64_C(253402300800) * S - 1,
		    "9999-12-31T23:59:59.999999Z" },
		{ __LINE__, INT64_C(253402300800) * S, NULL },
		{ __LINE__, INT64_MAX, NULL },
		{ __LINE__, INT64_MIN, NULL },
	};
	char	 out[API_LOGS_TIME_STRLEN];
	int64_t	 back;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = api_logs_format_time(cases[i].t, out);

		T_LINE(rc == (cases[i].want != NULL ? 0 : -1), cases[i].line);
		if (cases[i].want == NULL)
			continue;
		T_LINE(strcmp(out, cases[i].want) == 0, cases[i].line);
		/* and back, exactly */
		T_LINE(api_logs_parse_time(out, strlen(out), 1, &back) == 0 &&
		    back == cases[i].t, cases[i].line);
	}
}

/* base64url of a raw cursor text, for forged cursors */
static const char *
b64(const char *raw, size_t len)
{
	static char	 out[2 * LIMIT_LOGS_CURSOR];
	struct buf	 b;

	buf_init(&b, sizeof(out) - 1);
	out[0] = '\0';
	if (base64_encode(&b, raw, len, BASE64_URL) == 0)
		snprintf(out, sizeof(out), "%s", b.data);
	buf_release(&b);
	return out;
}

static void
test_cursor(void)
{
	static const struct {
		int		 line;
		const char	*raw;	/* base64url-encoded for the test */
		int		 rc;
	} forged[] = {
		{ __LINE__, "1:1769860800000000:abc", 0 },
		{ __LINE__, "1:-1:abc", 0 },
		{ __LINE__, "1:0:a", 0 },
		{ __LINE__, "2:1769860800000000:abc", -1 },	/* version */
		{ __LINE__, "1:1769860800000000:", -1 },	/* empty id */
		{ __LINE__, "1:1769860800000000", -1 },
		{ __LINE__, "1::abc", -1 },
		{ __LINE__, "1:+5:abc", -1 },
		{ __LINE__, "1: 5:abc", -1 },
		{ __LINE__, "1:05:abc", -1 },			/* not canonical */
		{ __LINE__, "1:-0:abc", -1 },
		{ __LINE__, "1:-05:abc", -1 },
		{ __LINE__, "1:1e6:abc", -1 },
		{ __LINE__, "1:99999999999999999999:abc", -1 },
		{ __LINE__, "1:253402300800000000:abc", -1 },	/* year 10000 */
		{ __LINE__, "1:5:a\tb", -1 },
		{ __LINE__, "1:5:a\x7f", -1 },
		{ __LINE__, "1:5:x' or '1'='1", 0 },	/* just a string */
		{ __LINE__, "1:5:a:b:c", 0 },		/* ids may hold ':' */
		{ __LINE__, "", -1 },
	};
	char		 id[LIMIT_LOGS_CURSOR_ID + 1], big[LIMIT_LOGS_CURSOR_ID + 2];
	struct buf	 b;
	int64_t		 ts;
	const char	*e;
	size_t		 i;

	buf_init(&b, 4096);
	T(api_logs_cursor_encode(T0 + 7, "req-1", 5, &b) == 0);
	T(api_logs_cursor_decode(b.data, b.len, &ts, id) == 0);
	T(ts == T0 + 7 && strcmp(id, "req-1") == 0);
	/* one byte changed: still base64url, now another cursor or none */
	b.data[0] = b.data[0] == 'M' ? 'N' : 'M';
	T(api_logs_cursor_decode(b.data, b.len, &ts, id) == -1);
	buf_reset(&b);

	T(api_logs_cursor_encode(T0, "", 0, &b) == -1);
	T(api_logs_cursor_encode(T0, "a\0b", 3, &b) == -1);
	T(api_logs_cursor_encode(INT64_MAX, "a", 1, &b) == -1);
	memset(big, 'x', sizeof(big));
	T(api_logs_cursor_encode(T0, big, LIMIT_LOGS_CURSOR_ID + 1, &b) == -1);
	buf_reset(&b);
	T(api_logs_cursor_encode(T0, big, LIMIT_LOGS_CURSOR_ID, &b) == 0);
	T(api_logs_cursor_decode(b.data, b.len, &ts, id) == 0 &&
	    strlen(id) == LIMIT_LOGS_CURSOR_ID);
	buf_release(&b);

	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		e = b64(forged[i].raw, strlen(forged[i].raw));
		T_LINE(api_logs_cursor_decode(e, strlen(e), &ts, id) ==
		    forged[i].rc, forged[i].line);
	}
	/* not base64url at all */
	T(api_logs_cursor_decode("MTo1OmFiYw==", 12, &ts, id) == -1);
	T(api_logs_cursor_decode("MTo1Om+iYw", 10, &ts, id) == -1);
	T(api_logs_cursor_decode("MTo1OmFiY", 9, &ts, id) == -1);
	T(api_logs_cursor_decode("%00", 3, &ts, id) == -1);
	/* a NUL inside the decoded text */
	e = b64("1:5:a\0b", 7);
	T(api_logs_cursor_decode(e, strlen(e), &ts, id) == -1);
}

static void
test_logs_query(void)
{
	static const struct {
		int		 line;
		const char	*qs;
		int		 st;
	} cases[] = {
		{ __LINE__, "", 0 },
		{ __LINE__, "server=everything", 0 },
		{ __LINE__, "method=tools/call&tool=get-sum&status=502", 0 },
		{ __LINE__, "method=tools%2Fcall", 0 },
		{ __LINE__, "since=2026-01-31T12:00:00Z&until=2026-02-01T00:00:00Z", 0 },
		{ __LINE__, "since=2026-01-31T13:00:00+01:00", 0 },	/* '+' literal */
		{ __LINE__, "since=2026-01-31T13:00:00%2B01:00", 0 },
		{ __LINE__, "limit=1", 0 },
		{ __LINE__, "limit=1000", 0 },
		/* malformed */
		{ __LINE__, "limit=0", 400 },
		{ __LINE__, "limit=1001", 400 },
		{ __LINE__, "limit=-1", 400 },
		{ __LINE__, "limit=1e3", 400 },
		{ __LINE__, "limit=99999999999999999999999", 400 },
		{ __LINE__, "status=99", 400 },
		{ __LINE__, "status=600", 400 },
		{ __LINE__, "status=200.0", 400 },
		{ __LINE__, "since=yesterday", 400 },
		{ __LINE__, "since=2026-01-31T12:00:00Z&until=2026-01-31T12:00:00Z", 400 },
		{ __LINE__, "since=2026-02-01T00:00:00Z&until=2026-01-31T12:00:00Z", 400 },
		{ __LINE__, "cursor=abc", 400 },
		{ __LINE__, "server=", 400 },
		{ __LINE__, "server", 400 },
		{ __LINE__, "=x", 400 },
		{ __LINE__, "&", 400 },
		{ __LINE__, "server=a&", 400 },
		{ __LINE__, "&server=a", 400 },
		{ __LINE__, "server=a&&tool=b", 400 },
		{ __LINE__, "bucket=hour", 400 },	/* usage's, not logs' */
		{ __LINE__, "Server=a", 400 },
		{ __LINE__, "servers=a", 400 },
		{ __LINE__, "serve=a", 400 },
		{ __LINE__, "access_token=x", 400 },
		/* hostile */
		{ __LINE__, "status=1;drop", 400 },
		{ __LINE__, "status=200;drop%20table%20request_logs", 400 },
		{ __LINE__, "status=eq.200", 400 },
		{ __LINE__, "server=a,b", 400 },
		{ __LINE__, "server=in.(a,b)", 400 },
		{ __LINE__, "server=eq.a", 400 },
		{ __LINE__, "server=A", 400 },
		{ __LINE__, "server=a%2Cb", 400 },
		{ __LINE__, "server=%00", 400 },
		{ __LINE__, "server=a%00b", 400 },
		{ __LINE__, "tool=a%00", 400 },
		{ __LINE__, "tool=%", 400 },
		{ __LINE__, "tool=%4", 400 },
		{ __LINE__, "tool=%zz", 400 },
		{ __LINE__, "tool=a b", 400 },
		{ __LINE__, "tool=a+b", 0 },		/* a literal '+' */
		{ __LINE__, "tool=a%20b", 400 },
		{ __LINE__, "tool=%0d%0aX-Injected:%201", 400 },
		{ __LINE__, "tool=caf%C3%A9", 400 },	/* unicode */
		{ __LINE__, "tool=caf\xc3\xa9", 400 },	/* raw UTF-8 */
		{ __LINE__, "tool=%FF", 400 },
		{ __LINE__, "method=tools/call')or('1'='1--", 0 }, /* only text */
		{ __LINE__, "tool=x&tool=y", 400 },	/* repeated */
		{ __LINE__, "limit=5&limit=5", 400 },
		{ __LINE__, "cursor=a&cursor=a", 400 },
		{ __LINE__, "server%3Da=b", 400 },
		{ __LINE__, "or=(server.eq.a)", 400 },
		{ __LINE__, "select=*", 400 },
	};
	struct api_logs_query	 q;
	char			 why[API_LOGS_WHY];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		T_LINE(api_logs_parse_query(cases[i].qs, strlen(cases[i].qs),
		    &q, why, sizeof(why)) == cases[i].st, cases[i].line);
		T_LINE(cases[i].st == 0 || (why[0] != '\0' &&
		    strlen(why) < sizeof(why)), cases[i].line);
	}

	/* values land where they belong */
	T(api_logs_parse_query("", 0, &q, why, sizeof(why)) == 0);
	T(q.limit == LIMIT_LOGS_PAGE_DEFAULT && q.status == 0 &&
	    q.server[0] == '\0' && !q.has_since && !q.has_until &&
	    !q.has_cursor);
	{
		const char *qs = "server=files&method=tools%2Fcall&tool=a.b-c_d"
		    "&status=404&since=2026-01-31T13:00:00+01:00"
		    "&until=2026-01-31T12:00:01Z&limit=7";

		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 0);
		T(strcmp(q.server, "files") == 0);
		T(strcmp(q.method, "tools/call") == 0);
		T(strcmp(q.tool, "a.b-c_d") == 0);
		T(q.status == 404 && q.limit == 7);
		T(q.has_since && q.since == T0 && q.has_until &&
		    q.until == T0 + S);
	}
	{
		struct buf	 b;
		char		 qs[1024];

		buf_init(&b, 1024);
		T(api_logs_cursor_encode(T0, "rid-9", 5, &b) == 0);
		snprintf(qs, sizeof(qs), "cursor=%s&limit=2", b.data);
		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 0);
		T(q.has_cursor && q.cursor_ts == T0 &&
		    strcmp(q.cursor_id, "rid-9") == 0);
		buf_release(&b);
	}
	/* lengths: method/tool at most LIMIT_LOGS_NAME, any value at most
	 * LIMIT_LOGS_PARAM, the server a slug of at most LIMIT_SLUG */
	{
		char	 qs[4 * LIMIT_LOGS_PARAM];

		memcpy(qs, "tool=", 5);
		memset(qs + 5, 'a', LIMIT_LOGS_NAME);
		qs[5 + LIMIT_LOGS_NAME] = '\0';
		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 0);
		qs[5 + LIMIT_LOGS_NAME] = 'a';
		qs[6 + LIMIT_LOGS_NAME] = '\0';
		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 400);
		memset(qs + 5, 'a', 3 * LIMIT_LOGS_PARAM);
		qs[5 + 3 * LIMIT_LOGS_PARAM] = '\0';
		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 400);
		memcpy(qs, "server=", 7);
		memset(qs + 7, 'a', LIMIT_SLUG);
		qs[7 + LIMIT_SLUG] = '\0';
		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 0);
		qs[7 + LIMIT_SLUG] = 'a';
		qs[8 + LIMIT_SLUG] = '\0';
		T(api_logs_parse_query(qs, strlen(qs), &q, why,
		    sizeof(why)) == 400);
	}
	/* (ptr, len): a NUL inside the query ends nothing, it is refused */
	T(api_logs_parse_query("server=a\0b", 10, &q, why, sizeof(why)) ==
	    400);
	T(api_logs_parse_query("server=ab&junk", 9, &q, why, sizeof(why)) ==
	    0 && strcmp(q.server, "ab") == 0);
	/* the message names the parameter and echoes nothing unprintable */
	T(api_logs_parse_query("x\x01y=1", 5, &q, why, sizeof(why)) == 400);
	T(strchr(why, '\x01') == NULL);
	T(api_logs_parse_query("tool=x&tool=y", 13, &q, why,
	    sizeof(why)) == 400 && strstr(why, "'tool'") != NULL);
}

static void
test_usage_query(void)
{
	static const struct {
		int		 line;
		const char	*qs;
		int		 st;
		int		 bucket;
		int64_t		 since, until;
	} cases[] = {
		{ __LINE__, "", 0, API_USAGE_HOUR, T0 - 86400 * S, T0 },
		{ __LINE__, "bucket=day", 0, API_USAGE_DAY, T0 - 86400 * S, T0 },
		{ __LINE__, "bucket=hour&since=2026-01-31T00:00:00Z", 0,
		    API_USAGE_HOUR, T0 - 12 * 3600 * S, T0 },
		{ __LINE__, "until=2026-01-31T00:00:00Z", 0, API_USAGE_HOUR,
		    T0 - 36 * 3600 * S, T0 - 12 * 3600 * S },
		{ __LINE__, "since=2025-10-30T12:00:00Z", 0, API_USAGE_HOUR,
		    T0 - 93 * 86400 * S, T0 },	/* exactly 93 days */
		{ __LINE__, "since=2025-10-30T11:59:59Z", 400, 0, 0, 0 },
		{ __LINE__, "bucket=day&since=2025-10-30T11:59:59Z", 0,
		    API_USAGE_DAY, T0 - 93 * 86400 * S - S, T0 },
		{ __LINE__, "bucket=day&since=2025-01-30T12:00:00Z", 0,
		    API_USAGE_DAY, T0 - 366 * 86400 * S, T0 },
		{ __LINE__, "bucket=day&since=2025-01-30T11:59:59Z", 400, 0, 0, 0 },
		{ __LINE__, "since=2026-01-31T12:00:00Z", 400, 0, 0, 0 },	/* = now */
		{ __LINE__, "since=2026-02-01T00:00:00Z", 400, 0, 0, 0 },	/* future */
		{ __LINE__, "bucket=week", 400, 0, 0, 0 },
		{ __LINE__, "bucket=HOUR", 400, 0, 0, 0 },
		{ __LINE__, "bucket=hour&bucket=day", 400, 0, 0, 0 },
		{ __LINE__, "bucket=hour%00", 400, 0, 0, 0 },
		{ __LINE__, "bucket=", 400, 0, 0, 0 },
		{ __LINE__, "limit=5", 400, 0, 0, 0 },	/* logs', not usage's */
		{ __LINE__, "server=a", 400, 0, 0, 0 },
		{ __LINE__, "since=0001-01-01T00:00:00Z&until=0001-01-02T00:00:00Z",
		    0, API_USAGE_HOUR, INT64_C(-62135596800) * S,
		    INT64_C(-62135596800) * S + 86400 * S },
	};
	struct api_usage_query	 q;
	char			 why[API_LOGS_WHY];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = api_usage_parse_query(cases[i].qs,
		    strlen(cases[i].qs), T0, &q, why, sizeof(why));

		T_LINE(st == cases[i].st, cases[i].line);
		if (st != 0 || cases[i].st != 0)
			continue;
		T_LINE((int)q.bucket == cases[i].bucket, cases[i].line);
		T_LINE(q.since == cases[i].since, cases[i].line);
		T_LINE(q.until == cases[i].until, cases[i].line);
	}
	/* Between seconds, the default until is the next whole second:
	 * exclusive, it must not leave out what was logged a moment ago. */
	T(api_usage_parse_query("", 0, T0 + 123, &q, why, sizeof(why)) == 0);
	T(q.until == T0 + S && q.since == T0 + S - 86400 * S);
	T(api_usage_parse_query("", 0, T0 - 1, &q, why, sizeof(why)) == 0);
	T(q.until == T0);
}

int
main(void)
{
	test_time();
	test_format();
	test_cursor();
	test_logs_query();
	test_usage_query();
	return t_done();
}
