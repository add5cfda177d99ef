/*
 * response.c -- CGI response heads, JSON bodies, JSON errors and SSE; see
 * response.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonx.h"
#include "product_limits.h"
#include "log.h"
#include "http/request.h"
#include "http/response.h"

/* Status, reason phrase (RFC 9110 section 15), JSON error code. */
static const struct {
	int		 status;
	const char	*reason;
	const char	*code;
} response_statuses[] = {
	{ 200, "OK", "ok" },
	{ 201, "Created", "created" },
	{ 202, "Accepted", "accepted" },
	{ 204, "No Content", "no_content" },
	{ 206, "Partial Content", "partial_content" },
	{ 304, "Not Modified", "not_modified" },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 406, "Not Acceptable", "not_acceptable" },
	{ 408, "Request Timeout", "request_timeout" },
	{ 409, "Conflict", "conflict" },
	{ 410, "Gone", "gone" },
	{ 411, "Length Required", "length_required" },
	{ 413, "Content Too Large", "payload_too_large" },
	{ 414, "URI Too Long", "uri_too_long" },
	{ 415, "Unsupported Media Type", "unsupported_media_type" },
	{ 416, "Range Not Satisfiable", "range_not_satisfiable" },
	{ 422, "Unprocessable Content", "unprocessable" },
	{ 429, "Too Many Requests", "rate_limited" },
	{ 431, "Request Header Fields Too Large", "header_too_large" },
	{ 500, "Internal Server Error", "internal" },
	{ 501, "Not Implemented", "not_implemented" },
	{ 502, "Bad Gateway", "bad_gateway" },
	{ 503, "Service Unavailable", "unavailable" },
	{ 504, "Gateway Timeout", "gateway_timeout" },
};
#define RESPONSE_NSTATUSES \
	(sizeof(response_statuses) / sizeof(response_statuses[0]))

/*
 * Every internal failure to its answer (response.h). JSON-RPC codes:
 * JSON-RPC 2.0 section 5.1 for -32700 .. -32603; the server errors keep
 * clear of codes that mean something in MCP or its SDKs (-32000, -32002,
 * -32020, -32022, -32042) but for -32001, the TS SDK's "session not
 * found", so clients already know it (docs/internals/upstream-errors.md).
 * The modern era's -32020 and -32022 are used only with the meaning MCP
 * 2026-07-28 gives them (basic/index: that sub-range is the spec's).
 */
static const struct {
	int	 code;
	int	 status;
} response_fails[RESPONSE_FAIL__MAX] = {
	[RESPONSE_FAIL_NONE] =			{ 0, 0 },
	[RESPONSE_FAIL_MEDIA_TYPE] =		{ -32600, 415 },
	[RESPONSE_FAIL_NOT_ACCEPTABLE] =	{ -32600, 406 },
	[RESPONSE_FAIL_ORIGIN] =		{ -32600, 403 },
	[RESPONSE_FAIL_VERSION] =		{ -32600, 400 },
	[RESPONSE_FAIL_PARSE] =			{ -32700, 400 },
	[RESPONSE_FAIL_INVALID] =		{ -32600, 400 },
	[RESPONSE_FAIL_SESSION_REQUIRED] =	{ -32600, 400 },
	[RESPONSE_FAIL_SESSION_UNKNOWN] =	{ -32001, 404 },
	[RESPONSE_FAIL_POLICY] =		{ -32602, 200 },
	[RESPONSE_FAIL_NOT_CONFIGURED] =	{ -32014, 500 },
	[RESPONSE_FAIL_FORBIDDEN] =		{ -32600, 403 },
	[RESPONSE_FAIL_RATE_LIMITED] =		{ -32015, 429 },
	[RESPONSE_FAIL_META] =			{ -32602, 400 },
	[RESPONSE_FAIL_HEADER_MISMATCH] =	{ -32020, 400 },
	[RESPONSE_FAIL_UNSUPPORTED_VERSION] =	{ -32022, 400 },
	[RESPONSE_FAIL_METHOD_NOT_FOUND] =	{ -32601, 404 },
	[RESPONSE_FAIL_UPSTREAM_UNAVAILABLE] =	{ -32013, 502 },
	[RESPONSE_FAIL_UPSTREAM_TIMEOUT] =	{ -32010, 504 },
	[RESPONSE_FAIL_UPSTREAM_TOO_LARGE] =	{ -32012, 502 },
	[RESPONSE_FAIL_UPSTREAM_ERROR] =	{ -32011, 502 },
	[RESPONSE_FAIL_UPSTREAM_SESSION_GONE] =	{ -32001, 404 },
	[RESPONSE_FAIL_INTERNAL] =		{ -32603, 500 },
	[RESPONSE_FAIL_CLIENT_GONE] =		{ -32800, 499 },
};

const char *
response_reason(int status)
{
	size_t	 i;

	for (i = 0; i < RESPONSE_NSTATUSES; i++)
		if (response_statuses[i].status == status)
			return response_statuses[i].reason;
	return status >= 500 ? "Internal Server Error" :
	    status >= 400 ? "Bad Request" : "OK";
}

const char *
response_code(int status)
{
	size_t	 i;

	for (i = 0; i < RESPONSE_NSTATUSES; i++)
		if (response_statuses[i].status == status)
			return response_statuses[i].code;
	return status >= 500 ? "internal" : "bad_request";
}

/* A header name is a token, a value has no CR, LF or NUL (no splitting). */
static int
response_header_ok(const char *name, const char *value)
{
	const char	*p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ':')
			return 0;
	return strpbrk(value, "\r\n") == NULL;
}

int
response_header(struct request *req, const char *name, const char *value)
{
	struct response	*r = &req->resp;

	if (r->started || !response_header_ok(name, value)) {
		log_error("response", "refused response header '%.64s'", name);
		return -1;
	}
	if (buf_printf(&r->headers, "%s: %s\r\n", name, value) == -1) {
		log_error("response", "response headers over %d bytes",
		    LIMIT_RESPONSE_HEADERS);
		return -1;
	}
	return 0;
}

int
response_begin(struct request *req, int status, const char *content_type)
{
	struct response	*r = &req->resp;
	struct buf	 head;
	int		 rc = -1;

	if (r->started) {
		log_error("response", "response begun twice (%d after %d)",
		    status, r->status);
		return -1;
	}
	if (status < 100 || status > 599)
		status = 500;
	r->started = 1;
	r->status = status;
	buf_init(&head, LIMIT_RESPONSE_HEADERS * 2);
	if (buf_printf(&head, "Status: %d %s\r\n", status,
	    response_reason(status)) == -1)
		goto out;
	if (content_type != NULL && buf_printf(&head, "Content-Type: %s\r\n",
	    content_type) == -1)
		goto out;
	if (buf_printf(&head, "X-Request-Id: %s\r\nCache-Control: no-store\r\n",
	    req->id) == -1)
		goto out;
	if (r->headers.len > 0 && buf_append(&head, r->headers.data,
	    r->headers.len) == -1)
		goto out;
	if (buf_appends(&head, "\r\n") == -1)
		goto out;
	rc = io_write(req->io, head.data, head.len);
out:
	buf_release(&head);
	return rc;
}

int
response_write(struct request *req, const void *p, size_t n)
{
	if (!req->resp.started)
		return -1;
	if (req->head || n == 0)
		return 0;
	if (io_write(req->io, p, n) == -1)
		return -1;
	req->resp.bytes_out += n;
	return 0;
}

int
response_flush(struct request *req)
{
	return io_flush(req->io);
}

int
response_send(struct request *req, int status, const char *content_type,
    const void *body, size_t len)
{
	char	 cl[32];

	snprintf(cl, sizeof(cl), "%zu", len);
	if (response_header(req, "Content-Length", cl) == -1 ||
	    response_begin(req, status, content_type) == -1)
		return -1;
	return response_write(req, body, len);
}

int
response_json_sent(struct request *req, int status, const json_t *j,
    struct buf *sent)
{
	buf_reset(sent);
	if (jsonx_dumpb(sent, j) == -1 || buf_appendc(sent, '\n') == -1) {
		buf_reset(sent);
		log_error("response", "cannot encode a json response");
		return response_error(req, 500, NULL, "internal error");
	}
	return response_send(req, status, "application/json", sent->data,
	    sent->len);
}

int
response_json(struct request *req, int status, const json_t *j)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b, LIMIT_RESPONSE_BODY);
	rc = response_json_sent(req, status, j, &b);
	buf_release(&b);
	return rc;
}

int
response_error(struct request *req, int status, const char *code,
    const char *fmt, ...)
{
	char	 msg[512];
	json_t	*j;
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status < 100 || status > 599)
		status = 500;
	if (req->resp.started) {
		log_error("response", "cannot send %d '%s' after the response "
		    "began with %d", status, msg, req->resp.status);
		return -1;
	}
	if (code == NULL)
		code = response_code(status);
	if (status >= 500)
		log_error("response", "%d %s: %s", status, code, msg);
	else
		log_debug("response", "%d %s: %s", status, code, msg);
	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	if (j == NULL) {
		/* Only out of memory: a fixed body still says what happened. */
		static const char fixed[] =
		    "{\"error\":{\"code\":\"internal\",\"message\":"
		    "\"internal error\"}}\n";

		return response_send(req, 500, "application/json", fixed,
		    sizeof(fixed) - 1);
	}
	rc = response_json(req, status, j);
	json_decref(j);
	return rc;
}

int
response_sse_begin(struct request *req, int status)
{
	/* Proxies (nginx) must not buffer the stream (MCP 2026-07-28). */
	if (response_header(req, "X-Accel-Buffering", "no") == -1 ||
	    response_begin(req, status, "text/event-stream") == -1)
		return -1;
	return response_flush(req);
}

/* One event: its fields, then data as "data:" lines. */
static int
response_sse_write(struct request *req, const char *event, const char *id,
    long retry_ms, const char *data, size_t len)
{
	struct buf	 ev;
	const char	*nl;
	size_t		 line;
	int		 rc = -1;

	/* A name or id with CR/LF would split the stream. */
	if ((event != NULL && strpbrk(event, "\r\n") != NULL) ||
	    (id != NULL && strpbrk(id, "\r\n") != NULL))
		return -1;
	buf_init(&ev, LIMIT_RESPONSE_BODY);
	if (id != NULL && buf_printf(&ev, "id: %s\n", id) == -1)
		goto out;
	if (retry_ms > 0 && buf_printf(&ev, "retry: %ld\n", retry_ms) == -1)
		goto out;
	if (event != NULL && buf_printf(&ev, "event: %s\n", event) == -1)
		goto out;
	if (data == NULL)
		data = "";
	/* WHATWG HTML 9.2.6: one "data:" field per line of the payload. */
	do {
		nl = memchr(data, '\n', len);
		line = nl != NULL ? (size_t)(nl - data) : len;
		if (line > 0 && data[line - 1] == '\r')
			line--;
		if (buf_appends(&ev, "data: ") == -1 ||
		    buf_append(&ev, data, line) == -1 ||
		    buf_appendc(&ev, '\n') == -1)
			goto out;
		if (nl == NULL)
			break;
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	} while (len > 0);
	if (buf_appendc(&ev, '\n') == -1)
		goto out;
	if (response_write(req, ev.data, ev.len) == -1)
		goto out;
	rc = response_flush(req);
out:
	buf_release(&ev);
	return rc;
}

int
response_sse_event(struct request *req, const char *event, const char *data,
    size_t len)
{
	return response_sse_write(req, event, NULL, 0, data, len);
}

int
response_sse_event_id(struct request *req, const char *id, const char *data,
    size_t len)
{
	return response_sse_write(req, NULL, id, 0, data, len);
}

int
response_sse_prime(struct request *req, const char *id, long retry_ms)
{
	return response_sse_write(req, NULL, id, retry_ms, "", 0);
}

void
response_fail_map(enum response_fail f, int *code, int *status)
{
	if ((unsigned)f >= RESPONSE_FAIL__MAX)
		f = RESPONSE_FAIL_INTERNAL;
	if (code != NULL)
		*code = response_fails[f].code;
	if (status != NULL)
		*status = response_fails[f].status;
}

json_t *
response_rpc_error(enum response_fail f, const json_t *id,
    const char *message)
{
	int	 code;

	response_fail_map(f, &code, NULL);
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0",
	    "id", id != NULL ? (json_t *)(uintptr_t)id : json_null(),
	    "error", "code", code, "message", message);
}

int
response_rpc_fail(struct request *req, enum response_fail f,
    const json_t *id, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;
	json_t	*j;
	int	 rc, status;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	response_fail_map(f, NULL, &status);
	if ((j = response_rpc_error(f, id, msg)) == NULL)
		return response_error(req, 500, NULL, "out of memory");
	rc = response_json(req, status, j);
	json_decref(j);
	return rc;
}
