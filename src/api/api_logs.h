/*
 * api_logs.h -- the log query API (DESIGN section 5, docs/api-reference.md):
 *
 *   GET /api/v1/tenants/{tenant}/logs    one page of the request log,
 *        newest first: {"items":[<request_logs row>...],"next_cursor":s|null}
 *   GET /api/v1/tenants/{tenant}/usage   counts, errors, p50/p95 latency per
 *        hour or day, server alias and tool:
 *        {"bucket","since","until","rows":[{"bucket_start","server_alias",
 *         "tool","count","errors","p50_ms","p95_ms"}...]}
 *
 * Order of checks, the first failure answers:
 *   1. authentication (auth.h): 401 with the challenge, 503;
 *   2. the query string (below): 400;
 *   3. access: a platform (API-key) token whose tenant claim is not
 *      {tenant}: 404 without asking Supabase. Then Supabase is asked,
 *      as the caller -- a Supabase user with their own token, so Row Level
 *      Security applies; an API key as the service role, after the key is
 *      checked live (not revoked, not expired) and of {tenant} -- whether
 *      {tenant} is visible: 404 when not (unknown tenant and "not a member"
 *      are the same answer);
 *   4. the RPC (sql/migrations/0004_log_api.sql: tenant_logs(),
 *      tenant_usage()), again as the caller; it raises PT404 for a tenant
 *      the caller cannot see (404). Every row that comes back must carry
 *      the tenant id found in step 3, else 500 (never sent on).
 * Supabase unreachable or answering 5xx: 503; anything else unexpected
 * from it: 502. What Supabase said goes to the operator log only (it never
 * holds a key: keys travel in request headers, which are not logged).
 *
 * Query strings are parsed strictly (kcgi-like: a declared table of
 * parameters, each with its validator): unknown, empty, repeated or
 * oversized parameters, bad percent escapes, NUL and any byte outside
 * visible ASCII after decoding are 400. '+' is a literal plus (not a
 * space), so an RFC 3339 offset needs no escaping.
 *
 *   logs:  server  a slug (a server alias)
 *          method, tool   visible ASCII, <= LIMIT_LOGS_NAME
 *          status  100..599
 *          since, until   RFC 3339 (since inclusive, until exclusive)
 *          limit   1..LIMIT_LOGS_PAGE_MAX, default LIMIT_LOGS_PAGE_DEFAULT
 *          cursor  a next_cursor from an earlier page
 *   usage: bucket  hour (default) | day
 *          since, until   RFC 3339; until defaults to now (rounded up
 *          to the second), since to
 *          until - LIMIT_USAGE_DEFAULT_S; since < until, at most
 *          LIMIT_USAGE_HOUR_RANGE_S (hour) / LIMIT_USAGE_DAY_RANGE_S (day)
 *
 * The cursor is base64url (no padding) of "1:<ts as microseconds since
 * the epoch>:<request id>", the last row of the page. It is not signed:
 * it only says where to continue, and a forged one reads nothing the
 * caller could not read anyway.
 *
 * Times inside the module are microseconds since 1970-01-01T00:00:00Z
 * (int64_t), for years 0001..9999.
 */
#ifndef MCP_API_LOGS_H
#define MCP_API_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "product_limits.h"
#include "http/request.h"

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" and its NUL. */
#define API_LOGS_TIME_STRLEN	28
#define API_LOGS_WHY		160

enum api_usage_bucket {
	API_USAGE_HOUR,
	API_USAGE_DAY,
	API_USAGE__MAX
};

/* Parsed /logs query; has_* say which optional parameters were given. */
struct api_logs_query {
	char		 server[LIMIT_SLUG + 1];
	char		 method[LIMIT_LOGS_NAME + 1];
	char		 tool[LIMIT_LOGS_NAME + 1];
	int		 status;		/* 0: any */
	int		 has_since, has_until, has_cursor;
	int64_t		 since, until;
	int64_t		 cursor_ts;
	char		 cursor_id[LIMIT_LOGS_CURSOR_ID + 1];
	unsigned int	 limit;
};

struct api_usage_query {
	enum api_usage_bucket	 bucket;
	int64_t			 since, until;
};

int	 api_logs_get(struct request *, const struct route_params *);
int	 api_logs_usage(struct request *, const struct route_params *);

/*
 * Parsers, exposed for the unit tests. (qs, len) is QUERY_STRING as the
 * web server passed it. 0, or 400 with a message for the client in why
 * (names the parameter, never echoes more than a short prefix of it).
 * now is the current time (usage defaults).
 */
int	 api_logs_parse_query(const char *qs, size_t len,
	    struct api_logs_query *, char *why, size_t whylen);
int	 api_usage_parse_query(const char *qs, size_t len, int64_t now,
	    struct api_usage_query *, char *why, size_t whylen);

/*
 * A timestamp of (p, len): 0 and *t, or -1. strict: RFC 3339 section 5.6
 * (T or t, fraction of 1..6 digits, Z/z or +-HH:MM); otherwise also what
 * PostgreSQL writes in JSON (+-HH, +-HH:MM:SS offsets). Seconds 60 (leap
 * seconds) are refused; the result must lie in years 0001..9999 UTC.
 */
int	 api_logs_parse_time(const char *, size_t, int strict, int64_t *t);
/* t as "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only when not zero):
 * 0, or -1 when t is outside years 0001..9999. */
int	 api_logs_format_time(int64_t t, char out[API_LOGS_TIME_STRLEN]);

/* The cursor for (ts, id, idlen), appended to out: 0 or -1 (an id that
 * is empty, longer than LIMIT_LOGS_CURSOR_ID or holds NUL). */
int	 api_logs_cursor_encode(int64_t ts, const char *id, size_t idlen,
	    struct buf *out);
/* The reverse, strictly: 0, or -1 for anything encode cannot produce. */
int	 api_logs_cursor_decode(const char *, size_t, int64_t *ts,
	    char id[LIMIT_LOGS_CURSOR_ID + 1]);

#endif /* MCP_API_LOGS_H */
