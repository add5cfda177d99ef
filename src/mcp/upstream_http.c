/*
 * upstream_http.c -- MCP Streamable HTTP client side for http upstreams;
 * see upstream_http.h.
 *
 * Spec: MCP 2025-11-25 basic/transports ("Streamable HTTP": sending
 * messages, listening, resumability, session management); WHATWG HTML
 * 9.2 for the event stream (lib/sse).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "httpc.h"
#include "jsonx.h"
#include "sse.h"
#include "strparse.h"
#include "mcp/upstream_http.h"
#include "version.h"

/* Our own header lines besides the caller's. */
#define UPSTREAM_HTTP_OWN_HEADERS	6
#define UPSTREAM_HTTP_DELETE_MAX	(64 * 1024)
#define UPSTREAM_HTTP_NAME_MAX		64	/* a header name */
#define UPSTREAM_HTTP_INIT_ID		"mcp-platform-initialize"

static const char upstream_http_initialized[] =
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

/* Request header lines, in one buffer wiped after use (secrets). */
struct upstream_http_hdrs {
	struct buf	 b;
	size_t		 off[LIMIT_UPSTREAM_HEADERS + LIMIT_MCP_PARAM_HEADERS +
			    UPSTREAM_HTTP_OWN_HEADERS];
	const char	*v[LIMIT_UPSTREAM_HEADERS + LIMIT_MCP_PARAM_HEADERS +
			    UPSTREAM_HTTP_OWN_HEADERS + 1];
	size_t		 n;
};

enum upstream_http_kind {
	UPSTREAM_HTTP_POST,
	UPSTREAM_HTTP_GET,	/* resuming an event stream */
	UPSTREAM_HTTP_DELETE
};

/* The state of one call, shared by the libcurl callbacks. */
struct upstream_http_xfer {
	upstream_http_event_fn		*on_event;
	void				*arg;
	struct upstream_http_result	*res;
	struct httpc_response		*hres;
	struct sse			 sse;
	json_t				*pending;	/* ids not answered yet */
	json_t				*answers;	/* answer messages */
	int				 batch;
	size_t				 max;
	int				 first;	/* no body byte yet (this
						   connection) */
	int				 sse_mode;
	int				 listen; /* the standalone GET stream:
						   no answer ends it */
	int				 done;	/* every id answered */
	long long			 done_ms;
	int				 relay_aborted;
	int				 too_large;
	struct gone			*gone;	/* opts->gone */
	struct upstream_http_position	*position; /* opts->position */
	int				 client_gone;
};

/* The transport's own headers: never from opts->headers. */
static const char *const upstream_http_reserved[] = {
	"host", "accept", "accept-encoding", "transfer-encoding",
	"connection", "expect", "te", "trailer", "upgrade", "keep-alive",
	"last-event-id", "mcp-protocol-version", "user-agent", "traceparent",
	"tracestate", NULL,
};
/* Prefixes with the same status: Content-*, Proxy-Authorization and the
 * MCP headers (Mcp-Session-Id, the 2026-07-28 Mcp-Method / Mcp-Name). */
static const char *const upstream_http_reserved_prefix[] = {
	"content-", "proxy-", "mcp-", NULL,
};
/* What a client's header may be to be passed on (opts->forward), and
 * the 2026-07-28 request headers the modern bridge writes from the body
 * (bridge_modern.c). */
static const char *const upstream_http_forwardable[] = {
	"mcp-param-", "mcp-method", "mcp-name", NULL,
};
/* Credentials: only when the operator's catalog names them. */
static const char *const upstream_http_credential[] = {
	"authorization", "cookie", NULL,
};

/* Names for logs; the failure each is for the client is upstream.c's
 * (and its status and code response.c's). */
static const char *const upstream_http_errors[UPSTREAM_HTTP__MAX] = {
	[UPSTREAM_HTTP_OK] =		"ok",
	[UPSTREAM_HTTP_UNREACHABLE] =	"unreachable",
	[UPSTREAM_HTTP_TIMEOUT] =	"timeout",
	[UPSTREAM_HTTP_TOO_LARGE] =	"too_large",
	[UPSTREAM_HTTP_STATUS] =	"status",
	[UPSTREAM_HTTP_SESSION_GONE] =	"session_gone",
	[UPSTREAM_HTTP_BAD_RESPONSE] =	"bad_response",
	[UPSTREAM_HTTP_ABORTED] =	"aborted",
	[UPSTREAM_HTTP_CONFIG] =	"config",
	[UPSTREAM_HTTP_INTERNAL] =	"internal",
	[UPSTREAM_HTTP_CANCELLED] =	"client_gone",
};

const char *
upstream_http_strerror(enum upstream_http_err e)
{
	if ((unsigned)e >= UPSTREAM_HTTP__MAX)
		return "unknown";
	return upstream_http_errors[e];
}

void
upstream_http_result_init(struct upstream_http_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, LIMIT_UPSTREAM_RESPONSE_DEFAULT);
}

void
upstream_http_result_release(struct upstream_http_result *res)
{
	buf_release(&res->body);
	json_decref(res->json);
	upstream_http_result_init(res);
}

/* Empty a result for the next call; keeps nothing of the last. */
static void
upstream_http_result_reset(struct upstream_http_result *res, size_t max)
{
	upstream_http_result_release(res);
	res->body.max = max;
}

static enum upstream_http_err
upstream_http_fail(struct upstream_http_result *res, enum upstream_http_err e,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum upstream_http_err
upstream_http_fail(struct upstream_http_result *res, enum upstream_http_err e,
    const char *fmt, ...)
{
	va_list	 ap;

	res->err = e;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
	return e;
}

/* --- Request headers. --- */

static int
upstream_http_in_list(const char *name, const char *const *list, int prefix)
{
	size_t	 n = strlen(name), pl;

	for (; *list != NULL; list++) {
		pl = strlen(*list);
		if (prefix ? n >= pl && strparse_eq_ci(name, pl, *list) :
		    strparse_eq_ci(name, n, *list))
			return 1;
	}
	return 0;
}

/* RFC 9110 5.6.2: token = 1*tchar. */
static int
upstream_http_token(const char *s)
{
	const char	*p;

	if (*s == '\0')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *p) != NULL)
			continue;
		return 0;
	}
	return 1;
}

/* RFC 9110 5.5: field-value = VCHAR / SP / HTAB / obs-text; non-empty. */
static int
upstream_http_value_ok(const char *s, size_t max)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		if ((c < 0x20 && c != '\t') || c == 0x7f || n >= max)
			return 0;
	}
	return n > 0;
}

/* Visible ASCII 0x21-0x7E, 1..max bytes (session ids, versions). */
static int
upstream_http_visible(const char *s, size_t n, size_t max)
{
	size_t	 i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int
upstream_http_hdr_add(struct upstream_http_hdrs *h, const char *name,
    const char *value)
{
	if (h->n >= sizeof(h->off) / sizeof(h->off[0]))
		return -1;
	h->off[h->n] = h->b.len;
	if (buf_printf(&h->b, "%s: %s", name, value) == -1 ||
	    buf_appendc(&h->b, '\0') == -1)
		return -1;
	h->n++;
	return 0;
}

static void
upstream_http_hdrs_release(struct upstream_http_hdrs *h)
{
	buf_release_secret(&h->b);
	h->n = 0;
	h->v[0] = NULL;
}

/* Every line of a request; CONFIG (res->msg says which) or OK. */
static enum upstream_http_err
upstream_http_hdrs_build(const struct upstream_http_opts *o,
    enum upstream_http_kind kind, const char *last_event_id,
    struct upstream_http_hdrs *h, struct upstream_http_result *res)
{
	const struct upstream_http_header *e;
	size_t				 i, j;

	h->n = 0;
	buf_init(&h->b, LIMIT_UPSTREAM_HEADER_BYTES + 2 * LIMIT_SESSION_ID);
	if (o->n_headers > LIMIT_UPSTREAM_HEADERS || (o->n_headers > 0 &&
	    o->headers == NULL))
		return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
		    "too many upstream headers");
	if (kind == UPSTREAM_HTTP_POST) {
		if (upstream_http_hdr_add(h, "Content-Type",
		    "application/json") == -1 ||
		    upstream_http_hdr_add(h, "Accept",
		    "application/json, text/event-stream") == -1)
			goto nomem;
	} else if (kind == UPSTREAM_HTTP_GET) {
		if (upstream_http_hdr_add(h, "Accept", "text/event-stream") ==
		    -1 || (last_event_id != NULL &&
		    upstream_http_hdr_add(h, "Last-Event-ID",
		    last_event_id) == -1))
			goto nomem;
	}
	if (o->protocol_version != NULL) {
		if (!upstream_http_visible(o->protocol_version,
		    strlen(o->protocol_version), LIMIT_PROTOCOL_VERSION))
			return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
			    "invalid protocol version");
		if (upstream_http_hdr_add(h, "MCP-Protocol-Version",
		    o->protocol_version) == -1)
			goto nomem;
	}
	if (o->session_id != NULL) {
		if (!upstream_http_visible(o->session_id, strlen(o->session_id),
		    LIMIT_UPSTREAM_SESSION))
			return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
			    "invalid upstream session id");
		if (upstream_http_hdr_add(h, "Mcp-Session-Id",
		    o->session_id) == -1)
			goto nomem;
	}
	/* W3C Trace Context (checked by lib/tracectx when it came in). */
	if (o->traceparent != NULL && upstream_http_visible(o->traceparent,
	    strlen(o->traceparent), LIMIT_UPSTREAM_HEADER_BYTES) &&
	    upstream_http_hdr_add(h, "traceparent", o->traceparent) == -1)
		goto nomem;
	if (o->tracestate != NULL && o->tracestate[0] != '\0' &&
	    upstream_http_value_ok(o->tracestate,
	    LIMIT_UPSTREAM_HEADER_BYTES) &&
	    upstream_http_hdr_add(h, "tracestate", o->tracestate) == -1)
		goto nomem;
	for (i = 0; i < o->n_headers; i++) {
		e = &o->headers[i];
		/* The name is operator data and safe to show; the value
		 * never appears in a message. */
		if (e->name == NULL || !upstream_http_token(e->name) ||
		    strlen(e->name) > UPSTREAM_HTTP_NAME_MAX)
			return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
			    "invalid upstream header name");
		if (upstream_http_in_list(e->name, upstream_http_reserved, 0) ||
		    upstream_http_in_list(e->name,
		    upstream_http_reserved_prefix, 1) ||
		    (!e->catalog && upstream_http_in_list(e->name,
		    upstream_http_credential, 0)))
			return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
			    "upstream header '%s' not allowed", e->name);
		for (j = 0; j < i; j++)
			if (strparse_eq_ci(e->name, strlen(e->name),
			    o->headers[j].name))
				return upstream_http_fail(res,
				    UPSTREAM_HTTP_CONFIG,
				    "upstream header '%s' given twice",
				    e->name);
		if (e->value == NULL || !upstream_http_value_ok(e->value,
		    LIMIT_UPSTREAM_HEADER_BYTES))
			return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
			    "invalid value for upstream header '%s'", e->name);
		if (upstream_http_hdr_add(h, e->name, e->value) == -1) {
			if (errno == EMSGSIZE)
				return upstream_http_fail(res,
				    UPSTREAM_HTTP_CONFIG,
				    "upstream headers too large");
			goto nomem;
		}
	}
	/* The client's Mcp-Param-* headers (MCP 2026-07-28: an
	 * intermediary forwards them); nothing else is taken this way. */
	if (o->n_forward > LIMIT_MCP_PARAM_HEADERS || (o->n_forward > 0 &&
	    o->forward == NULL))
		return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
		    "too many forwarded headers");
	for (i = 0; i < o->n_forward; i++) {
		e = &o->forward[i];
		if (e->name == NULL || !upstream_http_token(e->name) ||
		    strlen(e->name) > UPSTREAM_HTTP_NAME_MAX ||
		    !upstream_http_in_list(e->name, upstream_http_forwardable,
		    1) ||
		    e->value == NULL || !upstream_http_value_ok(e->value,
		    LIMIT_UPSTREAM_HEADER_BYTES))
			return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
			    "invalid forwarded header");
		if (upstream_http_hdr_add(h, e->name, e->value) == -1)
			goto nomem;
	}
	for (i = 0; i < h->n; i++)
		h->v[i] = h->b.data + h->off[i];
	h->v[h->n] = NULL;
	return UPSTREAM_HTTP_OK;
nomem:
	return upstream_http_fail(res, UPSTREAM_HTTP_INTERNAL, "out of memory");
}

/* --- Answers and relaying. --- */

/* A response (not a request or notification): has id, no method. */
static int
upstream_http_is_answer(const json_t *m)
{
	return json_is_object(m) && json_object_get(m, "method") == NULL &&
	    json_object_get(m, "id") != NULL &&
	    (json_object_get(m, "result") != NULL ||
	    json_object_get(m, "error") != NULL);
}

/* Take m as an answer when its id is pending; 1 taken, 0 not. */
static int
upstream_http_take(struct upstream_http_xfer *x, json_t *m)
{
	json_t	*id;
	size_t	 i;

	if (!upstream_http_is_answer(m) || json_array_size(x->pending) == 0)
		return 0;
	id = json_object_get(m, "id");
	if (json_is_null(id)) {
		/* JSON-RPC 2.0 section 5: an error the server could not tie
		 * to a request (parse error): it answers the whole POST. */
		if (json_object_get(m, "error") == NULL)
			return 0;
		json_array_clear(x->pending);
	} else {
		for (i = 0; i < json_array_size(x->pending); i++)
			if (json_equal(id, json_array_get(x->pending, i)))
				break;
		if (i == json_array_size(x->pending))
			return 0;
		json_array_remove(x->pending, i);
	}
	json_array_append(x->answers, m);
	if (json_array_size(x->pending) == 0) {
		x->done = 1;
		x->done_ms = (long long)clock_mono_ms();
	}
	return 1;
}

static int
upstream_http_relay(struct upstream_http_xfer *x, const char *data,
    size_t len, const json_t *m)
{
	x->res->events++;
	if (x->on_event != NULL && x->on_event(x->arg, data, len, m) == -1) {
		x->relay_aborted = 1;
		return -1;
	}
	return 0;
}

/* One event's message (an object, or a 2025-03-26 batch). */
static int
upstream_http_message(struct upstream_http_xfer *x, json_t *m,
    const char *data, size_t len)
{
	json_t	*el;
	char	*txt;
	size_t	 i;
	int	 rc;

	if (json_is_object(m))
		return upstream_http_take(x, m) ? 0 :
		    upstream_http_relay(x, data, len, m);
	json_array_foreach(m, i, el) {
		if (upstream_http_take(x, el))
			continue;
		if ((txt = json_dumps(el, JSON_COMPACT)) == NULL)
			return -1;
		rc = upstream_http_relay(x, txt, strlen(txt), el);
		free(txt);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* The stream's position for the caller (opts->position). */
static void
upstream_http_note(struct upstream_http_xfer *x)
{
	struct upstream_http_position	*p = x->position;
	const char			*id = buf_cstr(&x->sse.id);

	if (p == NULL)
		return;
	p->retry_ms = x->sse.retry_ms > 0 ? x->sse.retry_ms : 0;
	if (x->sse.id.len == 0 || x->sse.id.len >= sizeof(p->id) ||
	    !upstream_http_visible(id, x->sse.id.len, LIMIT_SSE_FIELD))
		p->id[0] = '\0';
	else if (strcmp(p->id, id) != 0)
		memcpy(p->id, id, x->sse.id.len + 1);
}

static int
upstream_http_on_event(void *arg, const struct sse_event *ev)
{
	struct upstream_http_xfer	*x = arg;
	json_t				*m;
	int				 rc = 0;

	upstream_http_note(x);

	/* After the last answer nothing more is relayed: the caller
	 * answers the client as soon as the call returns. */
	if (x->done || ev->data_len == 0 || ev->type_len != 7 ||
	    memcmp(ev->type, "message", 7) != 0)
		return 0;
	m = jsonx_loadb(ev->data, ev->data_len, LIMIT_JSON_DEPTH, NULL, 0);
	if (json_is_object(m) || (json_is_array(m) && json_array_size(m) > 0))
		rc = upstream_http_message(x, m, ev->data, ev->data_len);
	json_decref(m);
	return rc;
}

/* The response head is complete: what kind of body follows. */
static void
upstream_http_head(struct upstream_http_xfer *x)
{
	struct upstream_http_result	*res = x->res;
	const char			*v;
	size_t				 len, i;

	x->first = 0;
	res->status = httpc_status(x->hres);
	res->content_type[0] = '\0';
	if (httpc_header(x->hres, "content-type", &v, &len) == 0) {
		const char *semi = memchr(v, ';', len);

		if (semi != NULL)
			len = (size_t)(semi - v);
		strparse_trim(&v, &len);
		if (len < sizeof(res->content_type)) {
			for (i = 0; i < len; i++)
				res->content_type[i] = (char)(v[i] >= 'A' &&
				    v[i] <= 'Z' ? v[i] + 32 : v[i]);
			res->content_type[len] = '\0';
		}
	}
	if (httpc_header(x->hres, "mcp-session-id", &v, &len) == 0) {
		if (upstream_http_visible(v, len, LIMIT_UPSTREAM_SESSION)) {
			memcpy(res->session_id, v, len);
			res->session_id[len] = '\0';
			res->session_invalid = 0;
		} else
			res->session_invalid = 1;
	}
	if (res->status / 100 == 2 &&
	    strcmp(res->content_type, "text/event-stream") == 0) {
		x->sse_mode = 1;
		res->streamed = 1;
		/* Nothing to wait for (a POST of notifications should get
		 * 202, but a stream is not worth failing over). */
		if (json_array_size(x->pending) == 0 && !x->done &&
		    !x->listen) {
			x->done = 1;
			x->done_ms = (long long)clock_mono_ms();
		}
	}
}

static int
upstream_http_on_data(void *arg, const char *p, size_t n)
{
	struct upstream_http_xfer	*x = arg;

	x->res->bytes_in += n;
	if (x->res->bytes_in > x->max) {
		x->too_large = 1;
		return -1;
	}
	if (x->first)
		upstream_http_head(x);
	if (x->sse_mode) {
		if (x->done)
			return 0;	/* drained until the stream ends */
		if (sse_feed(&x->sse, p, n) == -1) {
			if (x->sse.err == SSE_TOO_LARGE)
				x->too_large = 1;
			return -1;
		}
		upstream_http_note(x);
		return 0;
	}
	if (buf_append(&x->res->body, p, n) == -1) {
		x->too_large = 1;
		return -1;
	}
	return 0;
}

/* After the last answer, let the stream end by itself for a moment (the
 * connection is then reused), no longer. */
static int
upstream_http_on_progress(void *arg)
{
	struct upstream_http_xfer	*x = arg;

	if (x->done && (long long)clock_mono_ms() - x->done_ms >=
	    LIMIT_UPSTREAM_LINGER_MS)
		return -1;
	/* The client went away: the transfer ends, its connection with
	 * it, which is how an http upstream learns of it. */
	if (!x->done && x->gone != NULL && gone_now(x->gone)) {
		x->client_gone = 1;
		return -1;
	}
	return 0;
}

/* The ids of the requests in body; 0, or -1 when it is not JSON-RPC. */
static int
upstream_http_ids(const char *body, size_t len, struct upstream_http_xfer *x)
{
	json_t	*root, *el, *id;
	size_t	 i;
	int	 rc = -1;

	if ((root = jsonx_loadb(body, len, LIMIT_JSON_DEPTH, NULL, 0)) == NULL)
		return -1;
	if (json_is_object(root)) {
		el = root;
		if (json_object_get(el, "method") != NULL &&
		    (id = json_object_get(el, "id")) != NULL &&
		    !json_is_null(id) && json_array_append(x->pending, id) == -1)
			goto out;
	} else if (json_is_array(root) && json_array_size(root) > 0) {
		x->batch = 1;
		json_array_foreach(root, i, el) {
			if (!json_is_object(el))
				goto out;
			if (json_object_get(el, "method") != NULL &&
			    (id = json_object_get(el, "id")) != NULL &&
			    !json_is_null(id) &&
			    json_array_append(x->pending, id) == -1)
				goto out;
		}
	} else
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* A transfer without a response: the httpc failure, classified. */
static enum upstream_http_err
upstream_http_no_response(struct upstream_http_xfer *x, long timeout_ms)
{
	struct upstream_http_result	*res = x->res;
	struct httpc_response		*h = x->hres;

	snprintf(res->detail, sizeof(res->detail), "%s", h->detail);
	if (x->relay_aborted)
		return upstream_http_fail(res, UPSTREAM_HTTP_ABORTED,
		    "relay aborted by receiver");
	if (x->too_large || h->fail == HTTPC_FAIL_TOO_LARGE)
		return upstream_http_fail(res, UPSTREAM_HTTP_TOO_LARGE,
		    "upstream response larger than %zu bytes", x->max);
	switch (h->fail) {
	case HTTPC_FAIL_TIMEOUT:
		return upstream_http_fail(res, UPSTREAM_HTTP_TIMEOUT,
		    "upstream timed out after %ld ms", timeout_ms);
	case HTTPC_FAIL_URL:
		return upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
		    "invalid upstream url");
	case HTTPC_FAIL_TLS:
		return upstream_http_fail(res, UPSTREAM_HTTP_UNREACHABLE,
		    "upstream tls handshake failed");
	case HTTPC_FAIL_CONNECT:
		return upstream_http_fail(res, UPSTREAM_HTTP_UNREACHABLE,
		    "upstream unavailable");
	default:
		return upstream_http_fail(res, UPSTREAM_HTTP_UNREACHABLE,
		    "upstream connection failed: %s",
		    h->err != NULL ? h->err : "unknown error");
	}
}

/* The call's answer from the collected events or the JSON body. */
static enum upstream_http_err
upstream_http_answer(struct upstream_http_xfer *x)
{
	struct upstream_http_result	*res = x->res;
	json_t				*j;

	if (x->sse_mode) {
		j = x->batch ? x->answers : json_array_get(x->answers, 0);
		res->json = json_incref(j);
		buf_reset(&res->body);
		if (jsonx_dumpb(&res->body, j) == -1)
			return upstream_http_fail(res, UPSTREAM_HTTP_TOO_LARGE,
			    "upstream response larger than %zu bytes", x->max);
		return UPSTREAM_HTTP_OK;
	}
	if (res->body.len == 0)
		return upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    "upstream accepted a request without answering it");
	if (strcmp(res->content_type, "application/json") != 0)
		return upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    "unexpected upstream content type '%s'", res->content_type);
	res->json = jsonx_loadb(res->body.data, res->body.len,
	    LIMIT_JSON_DEPTH, NULL, 0);
	if (!json_is_object(res->json) && !json_is_array(res->json)) {
		json_decref(res->json);
		res->json = NULL;
		return upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    "invalid json from upstream");
	}
	return UPSTREAM_HTTP_OK;
}

/* Wait before a reconnection: "retry:" ms, bounded; 0 or -1 (no time). */
static int
upstream_http_wait(const struct upstream_http_xfer *x, long long deadline)
{
	long long	 ms = x->sse.retry_ms > 0 ? x->sse.retry_ms : 0;

	if (ms > LIMIT_UPSTREAM_RETRY_MS)
		ms = LIMIT_UPSTREAM_RETRY_MS;
	if ((long long)clock_mono_ms() + ms >= deadline)
		return -1;
	clock_sleep_ms((uint64_t)ms);
	return 0;
}

/* A last event id we may send back: printable, no CR/LF (sse ensures). */
static int
upstream_http_resumable(const struct upstream_http_xfer *x)
{
	const char	*id = buf_cstr(&x->sse.id);

	return x->sse.id.len > 0 && upstream_http_value_ok(id,
	    LIMIT_SSE_FIELD) && x->res->resumes < LIMIT_UPSTREAM_RESUMES;
}

static size_t
upstream_http_max(const struct upstream_http_opts *o)
{
	size_t	 max = o->max_response > 0 ? o->max_response :
	    LIMIT_UPSTREAM_RESPONSE_DEFAULT;

	return max > LIMIT_RESPONSE_BODY ? LIMIT_RESPONSE_BODY : max;
}

long
upstream_http_timeout(const struct upstream_http_opts *o)
{
	long	 t = o->timeout_ms > 0 ? o->timeout_ms :
	    LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT;

	return t > LIMIT_UPSTREAM_TIMEOUT_MS_MAX ?
	    LIMIT_UPSTREAM_TIMEOUT_MS_MAX : t;
}

/* After the last transfer (rc: its httpc_perform result), no answer
 * collected from a stream: what the call ends with. */
static enum upstream_http_err
upstream_http_outcome(struct upstream_http_xfer *x,
    const struct upstream_http_opts *o, int rc, int pending, long timeout)
{
	struct upstream_http_result	*res = x->res;

	if (rc == -1)
		return upstream_http_no_response(x, timeout);
	if (x->sse_mode)
		return upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    "upstream event stream ended without an answer");
	if (res->status == 404 && o->session_id != NULL)
		return upstream_http_fail(res, UPSTREAM_HTTP_SESSION_GONE,
		    "upstream session not found");
	if (res->status / 100 != 2) {
		/* Keep a JSON error body for the log (MCP: a JSON-RPC error
		 * without id may come with 4xx). */
		if (res->body.len > 0)
			res->json = jsonx_loadb(res->body.data, res->body.len,
			    LIMIT_JSON_DEPTH, NULL, 0);
		return upstream_http_fail(res, UPSTREAM_HTTP_STATUS,
		    "upstream answered http %ld", res->status);
	}
	if (!pending) {
		/* Notifications and responses only: 202 (MCP), or any
		 * 2xx from a lenient server; a body is ignored. */
		buf_reset(&res->body);
		return UPSTREAM_HTTP_OK;
	}
	if (res->resumes > 0)
		return upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    "upstream did not resume its event stream");
	return upstream_http_answer(x);
}

/*
 * The POST of hr, then, while a stream that ended (or broke) before the
 * answer can be resumed, GET with Last-Event-ID (MCP 2025-11-25
 * "Resumability and Redelivery"), all within deadline.
 */
static enum upstream_http_err
upstream_http_transfer(struct upstream_http_xfer *x,
    const struct upstream_http_opts *o, struct httpc_request *hr,
    struct upstream_http_hdrs *h, long long deadline, long timeout,
    int pending)
{
	struct upstream_http_result	*res = x->res;
	enum upstream_http_err		 e;
	long long			 left;
	int				 rc;

	for (;;) {
		if ((left = deadline - (long long)clock_mono_ms()) <= 0)
			return upstream_http_fail(res, UPSTREAM_HTTP_TIMEOUT,
			    "upstream timed out after %ld ms", timeout);
		hr->timeout_ms = (long)left;
		x->first = 1;
		x->sse_mode = 0;
		sse_reset(&x->sse);
		rc = httpc_perform(hr, x->hres);
		if (rc == 0 && x->first)
			upstream_http_head(x);	/* a response without body */
		if (rc == 0)
			res->status = x->hres->status;
		if (x->done)
			/* Every answer is in, whatever happened after. */
			return pending ? upstream_http_answer(x) :
			    UPSTREAM_HTTP_OK;
		if (x->client_gone) {
			snprintf(res->detail, sizeof(res->detail), "%s",
			    x->gone->why);
			return upstream_http_fail(res, UPSTREAM_HTTP_CANCELLED,
			    "client went away");
		}
		if (!x->sse_mode || x->relay_aborted || x->too_large ||
		    (rc != 0 && x->hres->fail != HTTPC_FAIL_OTHER) ||
		    !upstream_http_resumable(x))
			return upstream_http_outcome(x, o, rc, pending,
			    timeout);
		if (upstream_http_wait(x, deadline) == -1)
			return upstream_http_fail(res, UPSTREAM_HTTP_TIMEOUT,
			    "upstream timed out after %ld ms", timeout);
		res->resumes++;
		upstream_http_hdrs_release(h);
		if ((e = upstream_http_hdrs_build(o, UPSTREAM_HTTP_GET,
		    buf_cstr(&x->sse.id), h, res)) != UPSTREAM_HTTP_OK)
			return e;
		hr->method = "GET";
		hr->headers = h->v;
		hr->body = NULL;
		hr->bodylen = 0;
	}
}

/* A POST of body (a message or batch), or, body NULL, the standalone
 * GET stream: see upstream_http.h. */
static enum upstream_http_err
upstream_http_run(const struct upstream_http_opts *o, const char *body,
    size_t len, upstream_http_event_fn *on_event, void *arg,
    struct upstream_http_result *res)
{
	struct upstream_http_xfer	 x;
	struct upstream_http_hdrs	 h;
	struct httpc_request		 hr;
	struct httpc_response		 hres;
	enum upstream_http_err		 e;
	long				 timeout = upstream_http_timeout(o);
	long long			 deadline;
	int				 pending;

	memset(&x, 0, sizeof(x));
	memset(&h, 0, sizeof(h));
	buf_init(&h.b, 0);
	httpc_response_init(&hres);
	x.max = upstream_http_max(o);
	upstream_http_result_reset(res, x.max);
	x.res = res;
	x.hres = &hres;
	x.on_event = on_event;
	x.arg = arg;
	x.gone = o->gone;
	x.position = o->position;
	x.listen = body == NULL;
	sse_init(&x.sse, x.max, upstream_http_on_event, &x);
	deadline = (long long)clock_mono_ms() + timeout;

	if ((x.pending = json_array()) == NULL ||
	    (x.answers = json_array()) == NULL) {
		e = upstream_http_fail(res, UPSTREAM_HTTP_INTERNAL,
		    "out of memory");
		goto out;
	}
	if (o->url == NULL) {
		e = upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
		    "invalid upstream url");
		goto out;
	}
	if (body != NULL && (len == 0 || upstream_http_ids(body, len, &x) ==
	    -1)) {
		e = upstream_http_fail(res, UPSTREAM_HTTP_INTERNAL,
		    "request is not a json-rpc message");
		goto out;
	}
	pending = json_array_size(x.pending) > 0;
	if ((e = upstream_http_hdrs_build(o, body != NULL ?
	    UPSTREAM_HTTP_POST : UPSTREAM_HTTP_GET, body != NULL ? NULL :
	    o->last_event_id, &h, res)) !=
	    UPSTREAM_HTTP_OK)
		goto out;

	memset(&hr, 0, sizeof(hr));
	hr.method = body != NULL ? "POST" : "GET";
	hr.url = o->url;
	hr.guard = o->guard;
	hr.headers = h.v;
	hr.body = body;
	hr.bodylen = body != NULL ? len : 0;
	hr.on_data = upstream_http_on_data;
	hr.on_progress = upstream_http_on_progress;
	hr.arg = &x;
	e = upstream_http_transfer(&x, o, &hr, &h, deadline, timeout, pending);
out:
	res->err = e;
	if (e == UPSTREAM_HTTP_OK)
		res->msg[0] = '\0';
	upstream_http_hdrs_release(&h);
	httpc_response_release(&hres);
	sse_release(&x.sse);
	json_decref(x.pending);
	json_decref(x.answers);
	return e;
}

enum upstream_http_err
upstream_http_call(const struct upstream_http_opts *o, const char *body,
    size_t len, upstream_http_event_fn *on_event, void *arg,
    struct upstream_http_result *res)
{
	if (body == NULL) {
		upstream_http_result_reset(res, upstream_http_max(o));
		return res->err = upstream_http_fail(res,
		    UPSTREAM_HTTP_INTERNAL, "request is not a json-rpc "
		    "message");
	}
	return upstream_http_run(o, body, len, on_event, arg, res);
}

enum upstream_http_err
upstream_http_listen(const struct upstream_http_opts *o,
    upstream_http_event_fn *on_event, void *arg,
    struct upstream_http_result *res)
{
	return upstream_http_run(o, NULL, 0, on_event, arg, res);
}

enum upstream_http_err
upstream_http_initialize(const struct upstream_http_opts *opts,
    const json_t *params, upstream_http_event_fn *on_event, void *arg,
    struct upstream_http_result *res)
{
	struct upstream_http_opts	 o = *opts;
	struct upstream_http_result	 r2;
	struct buf			 b;
	json_t				*req = NULL, *p = NULL, *v;
	enum upstream_http_err		 e;
	const char			*ver;

	buf_init(&b, LIMIT_BODY_DEFAULT);
	upstream_http_result_init(&r2);
	if (params != NULL)
		p = json_deep_copy(params);
	else
		p = json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion",
		    opts->protocol_version != NULL ? opts->protocol_version :
		    UPSTREAM_HTTP_VERSION, "capabilities", "clientInfo",
		    "name", MCP_PLATFORM_NAME, "version",
		    MCP_PLATFORM_VERSION);
	if (p == NULL || (req = json_pack("{s:s, s:s, s:s, s:O}", "jsonrpc",
	    "2.0", "id", UPSTREAM_HTTP_INIT_ID, "method", "initialize",
	    "params", p)) == NULL || jsonx_dumpb(&b, req) == -1) {
		upstream_http_result_reset(res, upstream_http_max(opts));
		e = upstream_http_fail(res, UPSTREAM_HTTP_INTERNAL,
		    "cannot build initialize");
		goto out;
	}
	/* No session yet, and the version is negotiated in the body. */
	o.session_id = NULL;
	o.protocol_version = NULL;
	if ((e = upstream_http_call(&o, b.data, b.len, on_event, arg, res)) !=
	    UPSTREAM_HTTP_OK)
		goto out;
	if (res->session_invalid) {
		e = upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    "invalid upstream session id");
		goto out;
	}
	v = json_object_get(res->json, "result");
	ver = json_string_value(json_object_get(v, "protocolVersion"));
	if (!json_is_object(v) || ver == NULL || !upstream_http_visible(ver,
	    strlen(ver), LIMIT_PROTOCOL_VERSION)) {
		e = upstream_http_fail(res, UPSTREAM_HTTP_BAD_RESPONSE,
		    json_object_get(res->json, "error") != NULL ?
		    "upstream refused initialize" :
		    "invalid initialize result from upstream");
		goto out;
	}
	snprintf(res->protocol_version, sizeof(res->protocol_version), "%s",
	    ver);

	/* MCP lifecycle: notifications/initialized, with the session. */
	o = *opts;
	o.session_id = res->session_id[0] != '\0' ? res->session_id : NULL;
	o.protocol_version = res->protocol_version;
	e = upstream_http_call(&o, upstream_http_initialized,
	    sizeof(upstream_http_initialized) - 1, NULL, NULL, &r2);
	if (e != UPSTREAM_HTTP_OK) {
		res->err = e;
		res->status = r2.status;
		snprintf(res->msg, sizeof(res->msg), "%s", r2.msg);
		snprintf(res->detail, sizeof(res->detail), "%s", r2.detail);
	}
out:
	json_decref(req);
	json_decref(p);
	buf_release(&b);
	upstream_http_result_release(&r2);
	return e;
}

enum upstream_http_err
upstream_http_delete(const struct upstream_http_opts *o,
    struct upstream_http_result *res)
{
	struct upstream_http_xfer	 x;
	struct upstream_http_hdrs	 h;
	struct httpc_request		 hr;
	struct httpc_response		 hres;
	enum upstream_http_err		 e;
	long				 timeout = upstream_http_timeout(o);

	memset(&x, 0, sizeof(x));
	memset(&h, 0, sizeof(h));
	buf_init(&h.b, 0);
	httpc_response_init(&hres);
	upstream_http_result_reset(res, UPSTREAM_HTTP_DELETE_MAX);
	x.res = res;
	x.hres = &hres;
	x.max = UPSTREAM_HTTP_DELETE_MAX;
	if (o->url == NULL || o->session_id == NULL ||
	    o->session_id[0] == '\0') {
		e = upstream_http_fail(res, UPSTREAM_HTTP_CONFIG,
		    "no upstream session to end");
		goto out;
	}
	if ((e = upstream_http_hdrs_build(o, UPSTREAM_HTTP_DELETE, NULL, &h,
	    res)) != UPSTREAM_HTTP_OK)
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.method = "DELETE";
	hr.url = o->url;
	hr.guard = o->guard;
	hr.headers = h.v;
	hr.timeout_ms = timeout;
	hr.max_response = UPSTREAM_HTTP_DELETE_MAX;
	if (httpc_perform(&hr, &hres) == -1) {
		e = upstream_http_no_response(&x, timeout);
		goto out;
	}
	res->status = hres.status;
	if (res->status / 100 == 2 || res->status == 405)
		e = UPSTREAM_HTTP_OK;
	else if (res->status == 404)
		e = upstream_http_fail(res, UPSTREAM_HTTP_SESSION_GONE,
		    "upstream session not found");
	else
		e = upstream_http_fail(res, UPSTREAM_HTTP_STATUS,
		    "upstream answered http %ld", res->status);
out:
	res->err = e;
	upstream_http_hdrs_release(&h);
	httpc_response_release(&hres);
	return e;
}
