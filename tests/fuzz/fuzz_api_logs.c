/*
 * fuzz_api_logs.c -- the log API's query strings (src/api/api_logs.c): the
 * /logs and /usage parameter parsers, the cursor and RFC 3339 times.
 *
 * Invariants checked besides memory safety:
 *  - a cursor that decodes re-encodes to the very same text ("strictly:
 *    anything encode cannot produce is -1", api_logs.h);
 *  - a time that parses formats, and the formatted text parses (strictly)
 *    back to the same instant;
 *  - an accepted /logs query has its values within their bounds, and an
 *    accepted /usage query has since < until.
 */
#include <stdint.h>
#include <string.h>

#include "api/api_logs.h"
#include "buf.h"
#include "fuzz.h"
#include "product_limits.h"

/* 2025-06-01T00:00:00Z, the "now" of /usage defaults. */
#define FUZZ_NOW	INT64_C(1748736000000000)

static void
fuzz_cursor(const char *p, size_t n)
{
	char		 id[LIMIT_LOGS_CURSOR_ID + 1];
	int64_t		 ts;
	struct buf	 b;

	if (api_logs_cursor_decode(p, n, &ts, id) == -1)
		return;
	FUZZ_ASSERT(strlen(id) > 0 && strlen(id) <= LIMIT_LOGS_CURSOR_ID);
	buf_init(&b, 1024);
	FUZZ_ASSERT(api_logs_cursor_encode(ts, id, strlen(id), &b) == 0);
	FUZZ_ASSERT(b.len == n && memcmp(b.data, p, n) == 0);
	buf_release(&b);
}

static void
fuzz_time(const char *p, size_t n, int strict)
{
	char	 out[API_LOGS_TIME_STRLEN];
	int64_t	 t, t2;

	if (api_logs_parse_time(p, n, strict, &t) == -1)
		return;
	FUZZ_ASSERT(api_logs_format_time(t, out) == 0);
	FUZZ_ASSERT(api_logs_parse_time(out, strlen(out), 1, &t2) == 0);
	FUZZ_ASSERT(t == t2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data;
	struct api_logs_query	 lq;
	struct api_usage_query	 uq;
	char			 why[API_LOGS_WHY];

	if (api_logs_parse_query(p, size, &lq, why, sizeof(why)) == 0) {
		FUZZ_ASSERT(lq.limit >= 1 && lq.limit <= LIMIT_LOGS_PAGE_MAX);
		FUZZ_ASSERT(lq.status == 0 ||
		    (lq.status >= 100 && lq.status <= 599));
		FUZZ_ASSERT(strlen(lq.server) <= LIMIT_SLUG);
	} else
		FUZZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
	if (api_usage_parse_query(p, size, FUZZ_NOW, &uq, why,
	    sizeof(why)) == 0) {
		FUZZ_ASSERT(uq.since < uq.until);
		FUZZ_ASSERT(uq.bucket < API_USAGE__MAX);
	}
	fuzz_cursor(p, size);
	fuzz_time(p, size, 1);
	fuzz_time(p, size, 0);
	return 0;
}
