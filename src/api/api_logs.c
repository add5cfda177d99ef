/*
 * api_logs.c -- GET /api/v1/tenants/{tenant}/logs and /usage; see
 * api_logs.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base64.h"
#include "api/api.h"
#include "api/api_logs.h"
#include "auth/auth.h"
#include "buf.h"
#include "httpc.h"
#include "jsonx.h"
#include "jwtx.h"
#include "log.h"
#include "product_limits.h"
#include "http/response.h"
#include "strparse.h"
#include "store/supa.h"
#include "uuid.h"

#define MOD			"api"
#define US_PER_S		INT64_C(1000000)
#define US_PER_DAY		(INT64_C(86400) * US_PER_S)
/* 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in microseconds. */
#define API_TIME_MIN		(INT64_C(-62135596800) * US_PER_S)
#define API_TIME_END		(INT64_C(253402300800) * US_PER_S)
#define API_CURSOR_VERSION	"1:"
#define API_RPC_LOGS		"/rest/v1/rpc/tenant_logs"
#define API_RPC_USAGE		"/rest/v1/rpc/tenant_usage"

/* ------------------------------------------------------------------ */
/* Time: days since the epoch -> civil dates (H. Hinnant's civil_from_days;
 * the other way is strparse_days_from_civil) */

static void
api_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		 era;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
api_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
api_mdays(int64_t y, unsigned m)
{
	static const unsigned char	 days[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && api_leap(y) ? 29 : days[m - 1];
}

/* Exactly n digits at p: 0 and *v, or -1. */
static int
api_digits(const char *p, size_t n, unsigned *v)
{
	size_t	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(p[i] - '0');
	}
	return 0;
}

int
api_logs_parse_time(const char *p, size_t len, int strict, int64_t *t)
{
	unsigned	 y, mo, d, h, mi, s, oh = 0, om = 0, os = 0, v;
	int64_t		 us = 0, off, r;
	size_t		 i = 19, nf = 0;
	int		 sign;

	/* date-time = full-date "T" full-time (RFC 3339 5.6) */
	if (len < 20 || len > LIMIT_LOGS_TIME)
		return -1;
	if (api_digits(p, 4, &y) == -1 || p[4] != '-' ||
	    api_digits(p + 5, 2, &mo) == -1 || p[7] != '-' ||
	    api_digits(p + 8, 2, &d) == -1 ||
	    (p[10] != 'T' && p[10] != 't') ||
	    api_digits(p + 11, 2, &h) == -1 || p[13] != ':' ||
	    api_digits(p + 14, 2, &mi) == -1 || p[16] != ':' ||
	    api_digits(p + 17, 2, &s) == -1)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > api_mdays(y, mo) ||
	    h > 23 || mi > 59 || s > 59)
		return -1;
	if (p[i] == '.') {
		/* time-secfrac: 1*DIGIT; we keep microseconds, as Postgres */
		for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
			if (++nf > 6)
				return -1;
			us = us * 10 + (p[i] - '0');
		}
		if (nf == 0)
			return -1;
		for (; nf < 6; nf++)
			us *= 10;
	}
	if (i >= len)
		return -1;
	if ((p[i] == 'Z' || p[i] == 'z') && i + 1 == len)
		off = 0;
	else if (p[i] == '+' || p[i] == '-') {
		sign = p[i] == '-' ? -1 : 1;
		i++;
		if (len - i == 5 && api_digits(p + i, 2, &oh) == 0 &&
		    p[i + 2] == ':' && api_digits(p + i + 3, 2, &om) == 0)
			;
		else if (!strict && len - i == 2 &&
		    api_digits(p + i, 2, &oh) == 0)
			;
		else if (!strict && len - i == 8 &&
		    api_digits(p + i, 2, &oh) == 0 && p[i + 2] == ':' &&
		    api_digits(p + i + 3, 2, &om) == 0 && p[i + 5] == ':' &&
		    api_digits(p + i + 6, 2, &os) == 0)
			;
		else
			return -1;
		if (oh > 23 || om > 59 || os > 59)
			return -1;
		off = sign * (int64_t)(oh * 3600 + om * 60 + os);
	} else
		return -1;
	v = h * 3600 + mi * 60 + s;
	r = strparse_days_from_civil(y, mo, d) * US_PER_DAY +
	    (int64_t)v * US_PER_S + us - off * US_PER_S;
	if (r < API_TIME_MIN || r >= API_TIME_END)
		return -1;
	*t = r;
	return 0;
}

int
api_logs_format_time(int64_t t, char out[API_LOGS_TIME_STRLEN])
{
	int64_t		 days, rem, y;
	unsigned	 m, d, sec;
	int		 n;

	if (t < API_TIME_MIN || t >= API_TIME_END)
		return -1;
	days = t / US_PER_DAY;
	rem = t % US_PER_DAY;
	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	api_civil_from_days(days, &y, &m, &d);
	sec = (unsigned)(rem / US_PER_S);
	rem %= US_PER_S;
	if (rem != 0)
		n = snprintf(out, API_LOGS_TIME_STRLEN,
		    "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ", (long long)y, m,
		    d, sec / 3600, sec / 60 % 60, sec % 60, (long long)rem);
	else
		n = snprintf(out, API_LOGS_TIME_STRLEN,
		    "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		    sec / 3600, sec / 60 % 60, sec % 60);
	return n > 0 && n < API_LOGS_TIME_STRLEN ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Cursor */

/* A request id byte we put in a cursor: anything but controls. */
static int
api_cursor_id_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len == 0 || len > LIMIT_LOGS_CURSOR_ID)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

int
api_logs_cursor_encode(int64_t ts, const char *id, size_t idlen,
    struct buf *out)
{
	struct buf	 raw;
	int		 rc = -1;

	buf_init(&raw, LIMIT_LOGS_CURSOR);
	if (ts < API_TIME_MIN || ts >= API_TIME_END ||
	    !api_cursor_id_ok(id, idlen))
		goto out;
	if (buf_printf(&raw, API_CURSOR_VERSION "%lld:", (long long)ts) ==
	    -1 || buf_append(&raw, id, idlen) == -1)
		goto out;
	rc = base64_encode(out, raw.data, raw.len, BASE64_URL);
out:
	buf_release(&raw);
	return rc;
}

int
api_logs_cursor_decode(const char *p, size_t len, int64_t *ts,
    char id[LIMIT_LOGS_CURSOR_ID + 1])
{
	struct buf	 raw;
	const char	*s, *colon;
	size_t		 vl = sizeof(API_CURSOR_VERSION) - 1, n;
	int64_t		 v;
	int		 rc = -1;

	buf_init(&raw, LIMIT_LOGS_CURSOR);
	if (len == 0 || len > LIMIT_LOGS_CURSOR ||
	    base64_decode(&raw, p, len, BASE64_URL) == -1 || raw.len <= vl ||
	    memcmp(raw.data, API_CURSOR_VERSION, vl) != 0)
		goto out;
	s = raw.data + vl;
	n = raw.len - vl;
	if ((colon = memchr(s, ':', n)) == NULL)
		goto out;
	/* strparse_i64 refuses "+", blanks, leading junk; "-" is allowed
	 * only for times before 1970, which the range check bounds. */
	if (strparse_i64(s, (size_t)(colon - s), API_TIME_MIN,
	    API_TIME_END - 1, &v) == -1)
		goto out;
	/* one canonical spelling: no leading zeros, no "-0" */
	if ((colon - s > 1 && s[0] == '0') || (s[0] == '-' &&
	    (colon - s < 2 || s[1] == '0')))
		goto out;
	n -= (size_t)(colon - s) + 1;
	if (!api_cursor_id_ok(colon + 1, n))
		goto out;
	memcpy(id, colon + 1, n);
	id[n] = '\0';
	*ts = v;
	rc = 0;
out:
	buf_release(&raw);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Query strings */

enum api_param {
	P_SERVER, P_METHOD, P_TOOL, P_STATUS, P_SINCE, P_UNTIL, P_LIMIT,
	P_CURSOR, P_BUCKET,
	P__MAX
};

static const char *const api_param_names[P__MAX] = {
	"server", "method", "tool", "status", "since", "until", "limit",
	"cursor", "bucket",
};

/*
 * Percent-decode (p, len) into out (NUL-terminated, at most LIMIT_LOGS_PARAM
 * bytes): 0 and *outlen, or -1 for a bad escape or a decoded byte outside
 * visible ASCII (NUL, blanks, controls, anything non-ASCII). Every value we
 * accept is visible ASCII, so nothing legitimate is lost.
 */
static int
api_unescape(const char *p, size_t len, char *out, size_t *outlen)
{
	size_t		 i, n = 0;
	int		 hi, lo;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			if ((hi = strparse_hexval(p[i + 1])) == -1 ||
			    (lo = strparse_hexval(p[i + 2])) == -1)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x21 || c > 0x7e || n >= LIMIT_LOGS_PARAM)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*outlen = n;
	return 0;
}

/* method= and tool=: 1..max bytes (api_unescape: visible ASCII). */
static int
api_name_ok(size_t len, size_t max)
{
	return len >= 1 && len <= max;
}

struct api_raw {
	int	 seen[P__MAX];
	char	 v[P__MAX][LIMIT_LOGS_PARAM + 1];
	size_t	 len[P__MAX];
};

/*
 * Split the query string into the allowed parameters (allowed: a bitmask
 * of 1 << enum api_param): 0, or 400 with why.
 */
static int
api_split(const char *qs, size_t len, unsigned allowed, struct api_raw *r,
    char *why, size_t whylen)
{
	const char	*p = qs, *end = qs + len, *amp, *eq;
	size_t		 nl, i;

	memset(r, 0, sizeof(*r));
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || eq == p) {
			snprintf(why, whylen, "malformed query string");
			return 400;
		}
		nl = (size_t)(eq - p);
		for (i = 0; i < P__MAX; i++)
			if ((allowed & (1u << i)) &&
			    strlen(api_param_names[i]) == nl &&
			    memcmp(api_param_names[i], p, nl) == 0)
				break;
		if (i == P__MAX) {
			snprintf(why, whylen, "unknown query parameter '%.*s'",
			    (int)(nl > 32 ? 32 : nl), p);
			/* the name is echoed: keep it printable */
			for (nl = 0; why[nl] != '\0'; nl++)
				if ((unsigned char)why[nl] < 0x20 ||
				    (unsigned char)why[nl] > 0x7e)
					why[nl] = '?';
			return 400;
		}
		if (r->seen[i]) {
			snprintf(why, whylen, "query parameter '%s' given "
			    "more than once", api_param_names[i]);
			return 400;
		}
		r->seen[i] = 1;
		if (eq + 1 == amp) {
			snprintf(why, whylen, "query parameter '%s' is empty",
			    api_param_names[i]);
			return 400;
		}
		if ((size_t)(amp - eq - 1) > LIMIT_LOGS_PARAM * 3 ||
		    api_unescape(eq + 1, (size_t)(amp - eq - 1), r->v[i],
		    &r->len[i]) == -1) {
			snprintf(why, whylen, "query parameter '%s': bad "
			    "character, escape or length", api_param_names[i]);
			return 400;
		}
		if (amp == end)
			break;
		p = amp + 1;
		if (p == end) {
			snprintf(why, whylen, "malformed query string");
			return 400;
		}
	}
	return 0;
}

static int
api_bad(char *why, size_t whylen, enum api_param i, const char *what)
{
	snprintf(why, whylen, "query parameter '%s' %s", api_param_names[i],
	    what);
	return 400;
}

/* since/until of r into *t when given: 0, or 400. */
static int
api_time_param(const struct api_raw *r, enum api_param i, int *has,
    int64_t *t, char *why, size_t whylen)
{
	*has = r->seen[i];
	if (*has && api_logs_parse_time(r->v[i], r->len[i], 1, t) == -1)
		return api_bad(why, whylen, i, "must be an RFC 3339 "
		    "date-time such as 2026-01-31T12:00:00Z");
	return 0;
}

int
api_logs_parse_query(const char *qs, size_t len, struct api_logs_query *q,
    char *why, size_t whylen)
{
	struct api_raw	*r;
	uint64_t	 u;
	int		 st = 400;

	memset(q, 0, sizeof(*q));
	q->limit = LIMIT_LOGS_PAGE_DEFAULT;
	if ((r = malloc(sizeof(*r))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return 500;
	}
	if ((st = api_split(qs, len, 1u << P_SERVER | 1u << P_METHOD |
	    1u << P_TOOL | 1u << P_STATUS | 1u << P_SINCE | 1u << P_UNTIL |
	    1u << P_LIMIT | 1u << P_CURSOR, r, why, whylen)) != 0)
		goto out;
	st = 400;
	if (r->seen[P_SERVER]) {
		if (!strparse_is_slug(r->v[P_SERVER], r->len[P_SERVER],
		    LIMIT_SLUG)) {
			api_bad(why, whylen, P_SERVER, "must be a server alias "
			    "([a-z0-9][a-z0-9-]*, at most 63 characters)");
			goto out;
		}
		memcpy(q->server, r->v[P_SERVER], r->len[P_SERVER] + 1);
	}
	if (r->seen[P_METHOD]) {
		if (!api_name_ok(r->len[P_METHOD], LIMIT_LOGS_NAME)) {
			api_bad(why, whylen, P_METHOD, "is too long");
			goto out;
		}
		memcpy(q->method, r->v[P_METHOD], r->len[P_METHOD] + 1);
	}
	if (r->seen[P_TOOL]) {
		if (!api_name_ok(r->len[P_TOOL], LIMIT_LOGS_NAME)) {
			api_bad(why, whylen, P_TOOL, "is too long");
			goto out;
		}
		memcpy(q->tool, r->v[P_TOOL], r->len[P_TOOL] + 1);
	}
	if (r->seen[P_STATUS]) {
		if (strparse_u64(r->v[P_STATUS], r->len[P_STATUS], 100, 599,
		    &u) == -1) {
			api_bad(why, whylen, P_STATUS, "must be an HTTP status "
			    "code (100-599)");
			goto out;
		}
		q->status = (int)u;
	}
	if (r->seen[P_LIMIT]) {
		if (strparse_u64(r->v[P_LIMIT], r->len[P_LIMIT], 1,
		    LIMIT_LOGS_PAGE_MAX, &u) == -1) {
			snprintf(why, whylen, "query parameter 'limit' must be "
			    "between 1 and %d", LIMIT_LOGS_PAGE_MAX);
			goto out;
		}
		q->limit = (unsigned int)u;
	}
	if (api_time_param(r, P_SINCE, &q->has_since, &q->since, why,
	    whylen) != 0 || api_time_param(r, P_UNTIL, &q->has_until,
	    &q->until, why, whylen) != 0)
		goto out;
	if (q->has_since && q->has_until && q->since >= q->until) {
		snprintf(why, whylen, "'since' must be before 'until'");
		goto out;
	}
	if (r->seen[P_CURSOR]) {
		if (api_logs_cursor_decode(r->v[P_CURSOR], r->len[P_CURSOR],
		    &q->cursor_ts, q->cursor_id) == -1) {
			api_bad(why, whylen, P_CURSOR, "is not a cursor this "
			    "API returned");
			goto out;
		}
		q->has_cursor = 1;
	}
	st = 0;
out:
	free(r);
	return st;
}

int
api_usage_parse_query(const char *qs, size_t len, int64_t now,
    struct api_usage_query *q, char *why, size_t whylen)
{
	struct api_raw	*r;
	int64_t		 max;
	int		 has_since, has_until, st = 400;

	memset(q, 0, sizeof(*q));
	q->bucket = API_USAGE_HOUR;
	if ((r = malloc(sizeof(*r))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return 500;
	}
	if ((st = api_split(qs, len, 1u << P_BUCKET | 1u << P_SINCE |
	    1u << P_UNTIL, r, why, whylen)) != 0)
		goto out;
	st = 400;
	if (r->seen[P_BUCKET]) {
		if (strcmp(r->v[P_BUCKET], "hour") == 0)
			q->bucket = API_USAGE_HOUR;
		else if (strcmp(r->v[P_BUCKET], "day") == 0)
			q->bucket = API_USAGE_DAY;
		else {
			api_bad(why, whylen, P_BUCKET, "must be 'hour' or "
			    "'day'");
			goto out;
		}
	}
	if (api_time_param(r, P_SINCE, &has_since, &q->since, why,
	    whylen) != 0 || api_time_param(r, P_UNTIL, &has_until,
	    &q->until, why, whylen) != 0)
		goto out;
	/* Now, rounded up to the second: until is exclusive, and what was
	 * logged a moment ago must count. */
	if (!has_until)
		q->until = now - now % US_PER_S + (now % US_PER_S != 0 ?
		    US_PER_S : 0);
	if (!has_since)
		q->since = q->until - LIMIT_USAGE_DEFAULT_S * US_PER_S;
	if (q->since >= q->until || q->since < API_TIME_MIN) {
		snprintf(why, whylen, "'since' must be before 'until'");
		goto out;
	}
	max = (q->bucket == API_USAGE_HOUR ? LIMIT_USAGE_HOUR_RANGE_S :
	    LIMIT_USAGE_DAY_RANGE_S) * US_PER_S;
	if (q->until - q->since > max) {
		snprintf(why, whylen, "the range is too large: at most %d "
		    "days with bucket=%s", (int)(max / US_PER_DAY),
		    q->bucket == API_USAGE_HOUR ? "hour" : "day");
		goto out;
	}
	st = 0;
out:
	free(r);
	return st;
}

/* ------------------------------------------------------------------ */
/* Talking to Supabase */

/* One RPC of this module, as the caller. */
static int
api_logs_rpc(struct api_ctx *c, const char *path, const struct buf *body,
    const char *prefer, struct httpc_response *resp, json_t **out)
{
	struct api_supa_call	 ac;

	memset(&ac, 0, sizeof(ac));
	ac.method = "POST";
	ac.path = path;
	ac.body = body;
	ac.prefer = prefer;
	ac.timeout_ms = LIMIT_LOGS_TIMEOUT_MS;
	ac.max_response = LIMIT_LOGS_RESPONSE;
	return api_supa(c, &ac, resp, out);
}

/* The common steps (api.h): authenticate, logs:read, tenant visible. */
static int
api_logs_begin(struct api_ctx *c, struct request *req,
    const struct route_params *rp)
{
	if (api_begin(c, req, rp) == -1 ||
	    api_need_scope(c, API_SCOPE_LOGS_READ) == -1)
		return -1;
	return 0;
}

/* o[key] = t as a timestamp string: 0 or -1. */
static int
api_set_time(json_t *o, const char *key, int64_t t)
{
	char	 s[API_LOGS_TIME_STRLEN];

	if (api_logs_format_time(t, s) == -1)
		return -1;
	return json_object_set_new(o, key, json_string(s));
}

static int
api_set_str(json_t *o, const char *key, const char *v)
{
	json_t	*s;

	if (v[0] == '\0')
		return 0;
	/* NULL for invalid UTF-8: json_object_set_new then fails */
	s = json_string(v);
	return json_object_set_new(o, key, s);
}

/* The arguments of tenant_logs(): the RPC's body. */
static json_t *
api_logs_args(const struct api_ctx *c, const struct api_logs_query *q)
{
	json_t	*a;

	if ((a = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(a, "p_tenant", json_string(c->tenant)) ||
	    api_set_str(a, "p_server", q->server) ||
	    api_set_str(a, "p_method", q->method) ||
	    api_set_str(a, "p_tool", q->tool) ||
	    (q->status != 0 && json_object_set_new(a, "p_status",
	    json_integer(q->status))) ||
	    (q->has_since && api_set_time(a, "p_since", q->since)) ||
	    (q->has_until && api_set_time(a, "p_until", q->until)) ||
	    (q->has_cursor && (api_set_time(a, "p_cursor_ts", q->cursor_ts) ||
	    api_set_str(a, "p_cursor_id", q->cursor_id))) ||
	    json_object_set_new(a, "p_limit", json_integer(q->limit))) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Body bytes of one row, as tenant_logs() counts them (octet_length). */
static size_t
api_row_body_bytes(const json_t *row)
{
	const json_t	*v;
	size_t		 n = 0;

	if ((v = json_object_get(row, "request_body")) != NULL &&
	    json_is_string(v))
		n += json_string_length(v);
	if ((v = json_object_get(row, "response_body")) != NULL &&
	    json_is_string(v))
		n += json_string_length(v);
	return n;
}

/*
 * Check the page (every row an object of c's tenant) and make the answer.
 * A next cursor is given when the page is full (limit rows) or was cut by
 * the body budget: the next page may then be empty.
 */
static int
api_logs_answer(struct api_ctx *c, const struct api_logs_query *q,
    json_t *rows)
{
	struct buf	 cur;
	json_t		*row, *ans = NULL, *next;
	const char	*tid, *ts, *rid;
	size_t		 i, n, bytes = 0;
	int64_t		 t;
	int		 rc = -1;

	buf_init(&cur, LIMIT_LOGS_CURSOR + 1);
	n = json_is_array(rows) ? json_array_size(rows) : 0;
	if (!json_is_array(rows) || n > q->limit) {
		log_error(MOD, "tenant_logs answered something unexpected");
		rc = api_fail(c, 502);
		goto out;
	}
	json_array_foreach(rows, i, row) {
		tid = jsonx_str(row, "tenant_id");
		/* RLS let it through; the handler checks again. */
		if (tid == NULL || strcmp(tid, c->tenant_id) != 0) {
			log_error(MOD, "tenant_logs('%s') returned a row of "
			    "another tenant: not sent", c->tenant);
			rc = api_fail(c, 500);
			goto out;
		}
		bytes += api_row_body_bytes(row);
	}
	next = json_null();
	if (n > 0 && (n == q->limit || bytes >= LIMIT_LOGS_PAGE_BODY_BYTES)) {
		row = json_array_get(rows, n - 1);
		ts = jsonx_str(row, "ts");
		rid = jsonx_str(row, "request_id");
		if (ts == NULL || rid == NULL ||
		    api_logs_parse_time(ts, strlen(ts), 0, &t) == -1 ||
		    api_logs_cursor_encode(t, rid, strlen(rid), &cur) == -1 ||
		    buf_cstr(&cur) == NULL) {
			log_error(MOD, "cannot make a cursor from the row "
			    "'%.64s'", rid != NULL ? rid : "?");
			rc = api_fail(c, 500);
			goto out;
		}
		next = json_string(cur.data);
	}
	if ((ans = json_pack("{s:O,s:o}", "items", rows, "next_cursor",
	    next)) == NULL) {
		rc = api_fail(c, 500);
		goto out;
	}
	rc = response_json(c->req, 200, ans);
out:
	json_decref(ans);
	buf_release(&cur);
	return rc;
}

int
api_logs_get(struct request *req, const struct route_params *rp)
{
	struct api_ctx		 c;
	struct api_logs_query	 q;
	struct httpc_response	 resp;
	struct buf		 body;
	json_t			*args = NULL, *rows = NULL;
	char			 why[API_LOGS_WHY];
	int			 st;

	httpc_response_init(&resp);
	buf_init(&body, 4096);
	if (api_logs_begin(&c, req, rp) == -1)
		goto out;
	if ((st = api_logs_parse_query(req->query, strlen(req->query), &q,
	    why, sizeof(why))) != 0) {
		response_error(req, st, NULL, "%s", why);
		goto out;
	}
	if (api_tenant_access(&c) == -1)
		goto out;
	if ((args = api_logs_args(&c, &q)) == NULL) {
		/* the only user text that can fail: a cursor id that is
		 * not UTF-8 */
		response_error(req, 400, NULL, "query parameter 'cursor' is "
		    "not a cursor this API returned");
		goto out;
	}
	if (jsonx_dumpb(&body, args) == -1) {
		api_fail(&c, 500);
		goto out;
	}
	if ((st = api_logs_rpc(&c, API_RPC_LOGS, &body, NULL, &resp,
	    &rows)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	api_logs_answer(&c, &q, rows);
out:
	json_decref(rows);
	json_decref(args);
	buf_release(&body);
	httpc_response_release(&resp);
	api_ctx_release(&c);
	return 0;
}

/*
 * Whether PostgREST cut the usage rows at its max-rows: the total of
 * "Content-Range: 0-999/1234" (asked for with Prefer: count=exact) is
 * larger than what came. Unknown totals count as cut once n reaches
 * LIMIT_USAGE_ROWS.
 */
static int
api_usage_cut(const struct httpc_response *resp, size_t n)
{
	const char	*v, *slash;
	size_t		 len;
	uint64_t	 total;

	if (httpc_header(resp, "Content-Range", &v, &len) == -1 ||
	    (slash = memchr(v, '/', len)) == NULL ||
	    strparse_u64(slash + 1, len - (size_t)(slash + 1 - v), 0,
	    UINT64_MAX, &total) == -1)
		return n >= LIMIT_USAGE_ROWS;
	return total > n;
}

int
api_logs_usage(struct request *req, const struct route_params *rp)
{
	static const char *const bucket_names[API_USAGE__MAX] =
	    { "hour", "day" };
	struct api_ctx		 c;
	struct api_usage_query	 q;
	struct httpc_response	 resp;
	struct buf		 body;
	json_t			*args = NULL, *rows = NULL, *ans = NULL;
	char			 why[API_LOGS_WHY];
	int			 st;

	httpc_response_init(&resp);
	buf_init(&body, 1024);
	if (api_logs_begin(&c, req, rp) == -1)
		goto out;
	if ((st = api_usage_parse_query(req->query, strlen(req->query),
	    api_now(), &q, why, sizeof(why))) != 0) {
		response_error(req, st, NULL, "%s", why);
		goto out;
	}
	if (api_tenant_access(&c) == -1)
		goto out;
	if ((args = json_pack("{s:s,s:s}", "p_tenant", c.tenant, "p_bucket",
	    bucket_names[q.bucket])) == NULL ||
	    api_set_time(args, "p_since", q.since) == -1 ||
	    api_set_time(args, "p_until", q.until) == -1 ||
	    jsonx_dumpb(&body, args) == -1) {
		api_fail(&c, 500);
		goto out;
	}
	if ((st = api_logs_rpc(&c, API_RPC_USAGE, &body, "count=exact",
	    &resp, &rows)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (!json_is_array(rows)) {
		log_error(MOD, "tenant_usage answered something unexpected");
		api_fail(&c, 502);
		goto out;
	}
	if (api_usage_cut(&resp, json_array_size(rows))) {
		response_error(req, 400, NULL, "too many usage rows for one "
		    "answer: narrow the range or use bucket=day");
		goto out;
	}
	if ((ans = json_pack("{s:s,s:O,s:O,s:O}", "bucket",
	    bucket_names[q.bucket], "since", json_object_get(args, "p_since"),
	    "until", json_object_get(args, "p_until"), "rows", rows)) == NULL) {
		api_fail(&c, 500);
		goto out;
	}
	response_json(req, 200, ans);
out:
	json_decref(ans);
	json_decref(rows);
	json_decref(args);
	buf_release(&body);
	httpc_response_release(&resp);
	api_ctx_release(&c);
	return 0;
}
