/*
 * upstream_http.h -- the http upstream: an MCP server reached over
 * Streamable HTTP (MCP 2025-03-26 .. 2025-11-25, "Transports"), through
 * lib/httpc (one curl handle per process: connections are reused; no
 * proxy whatever the environment says; http/https only; no redirects).
 *
 * upstream_http_call() POSTs one JSON-RPC message or batch, as the client
 * sent it after policy, with
 *     Content-Type: application/json
 *     Accept: application/json, text/event-stream
 *     MCP-Protocol-Version: <opts->protocol_version>   (when set)
 *     Mcp-Session-Id: <opts->session_id>               (when set)
 *     <opts->headers: the tenant's secrets, as the catalog names them>
 * and NOTHING of the client's request: the client's Authorization never
 * reaches an upstream (MCP: no token passthrough). The caller has no way
 * to hand it over by mistake either. opts->headers always refuses the
 * names the transport owns (Host, Content-*, Accept, Accept-Encoding,
 * Transfer-Encoding, Connection, Expect, TE, Trailer, Upgrade, Keep-Alive,
 * User-Agent, Proxy-*, Mcp-*, MCP-Protocol-Version, Last-Event-ID), and
 * refuses Authorization and Cookie unless the entry has catalog = 1, which
 * the caller sets only for a header the operator's catalog (mcp_servers)
 * names for this server. Names must be RFC 9110 tokens of at most 64
 * bytes, values non-empty without CR, LF, NUL or other controls (header
 * injection); at most LIMIT_UPSTREAM_HEADERS entries and
 * LIMIT_UPSTREAM_HEADER_BYTES bytes. Values are secrets: they are never
 * logged, never copied into results, and wiped from memory after use.
 *
 * Answers (res->err, see enum upstream_http_err):
 *  - 200 application/json: res->body/res->json hold it;
 *  - 200 text/event-stream: each event (a JSON-RPC request or notification
 *    from the upstream: progress, logging, sampling, elicitation, ...) is
 *    handed to on_event AS IT ARRIVES, for the caller to relay; the event
 *    whose message answers the request (same "id") is NOT relayed but
 *    returned in res->body/res->json. For a batch, every request's answer
 *    is collected and res->json is an array of them. Events with empty
 *    data (the TS SDK's "priming" event), of another type than "message",
 *    or not JSON are skipped. When the stream ends before the answer and
 *    the upstream gave event ids, the call resumes it with GET and
 *    Last-Event-ID (MCP 2025-11-25 "Resumability and Redelivery", up to
 *    LIMIT_UPSTREAM_RESUMES times, waiting "retry:" ms, at most
 *    LIMIT_UPSTREAM_RETRY_MS). After the last answer the stream is given
 *    LIMIT_UPSTREAM_LINGER_MS to end (so the connection can be reused),
 *    then dropped -- checked at libcurl's progress ticks, about once a
 *    second on an idle stream;
 *  - 202 (or 200/204 without a body) for a POST of notifications and
 *    responses only: OK, res->json NULL;
 *  - 4xx/5xx: UPSTREAM_HTTP_STATUS with res->status (res->json holds the
 *    body when it is JSON, for the log); 404 while opts->session_id was
 *    set: UPSTREAM_HTTP_SESSION_GONE (the upstream ended the session; the
 *    client has to re-initialize);
 *  - no response: UPSTREAM_HTTP_TIMEOUT (opts->timeout_ms for the whole
 *    call, streams and resumptions included), UPSTREAM_HTTP_UNREACHABLE
 *    (DNS, refused, TLS, broken connection), UPSTREAM_HTTP_TOO_LARGE (the
 *    body, all events together, over opts->max_response).
 * on_event returns 0, or -1 to stop (the client went away): the call then
 * ends with UPSTREAM_HTTP_ABORTED. on_event may be NULL (events dropped).
 *
 * upstream_http_listen() opens the legacy standalone stream: GET with
 * Accept: text/event-stream, the session and the version, every message
 * to on_event until the upstream ends it (a resumable one is resumed as
 * above), on_event says stop (UPSTREAM_HTTP_ABORTED) or opts->timeout_ms
 * passes (UPSTREAM_HTTP_TIMEOUT: the caller's bound, no failure). An
 * upstream without one answers 405: UPSTREAM_HTTP_STATUS.
 *
 * upstream_http_initialize() is the legacy handshake: POST initialize
 * (without Mcp-Session-Id or MCP-Protocol-Version), then POST
 * notifications/initialized with the upstream's session id (if it gave
 * one) and the negotiated version. params NULL sends
 *     {"protocolVersion": opts->protocol_version or UPSTREAM_HTTP_VERSION,
 *      "capabilities": {}, "clientInfo": {"name": "mcp-platform", ...}}
 * res->json is the initialize response, res->session_id the upstream's
 * session id ("" for a stateless upstream), res->protocol_version the
 * version from the InitializeResult (the caller checks it is one the
 * platform speaks). An upstream session id that is not visible ASCII or
 * longer than LIMIT_UPSTREAM_SESSION, a JSON-RPC error or a result
 * without protocolVersion is UPSTREAM_HTTP_BAD_RESPONSE.
 *
 * upstream_http_delete() ends an upstream session: DELETE with
 * Mcp-Session-Id (required in opts). 2xx and 405 (the server does not let
 * clients end sessions) are OK; 404 is UPSTREAM_HTTP_SESSION_GONE (gone
 * already: fine for a caller that is ending it).
 *
 * Results: upstream_http_result_init() before, _release() after every
 * call (also after errors); a result may be reused for the next call (each
 * call empties it). res->msg is a short lowercase text fit for a client;
 * res->detail is for the operator's log (libcurl's message: host and port,
 * never a header value). upstream_fail_http() (upstream.h) names the
 * platform's failure per error, and response.c's table its JSON-RPC code
 * and HTTP status (docs/internals/upstream-errors.md).
 *
 * Requires httpc_global_init(). Blocking; not thread-safe.
 */
#ifndef MCP_UPSTREAM_HTTP_H
#define MCP_UPSTREAM_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "http/gone.h"
#include "product_limits.h"

/* The version upstream_http_initialize() asks for when opts has none. */
#define UPSTREAM_HTTP_VERSION	"2025-11-25"

struct upstream_http_header {
	const char	*name;		/* RFC 9110 token */
	const char	*value;		/* a secret: never logged */
	int		 catalog;	/* 1: named by the operator's catalog
					   (needed for Authorization, Cookie) */
};

struct upstream_http_opts {
	const char			*url;		/* http(s)://... */
	const struct upstream_http_header *headers;	/* n_headers of them */
	size_t				 n_headers;
	long				 timeout_ms;	/* 0: default */
	size_t				 max_response;	/* 0: default */
	const char			*protocol_version; /* or NULL */
	const char			*session_id;	/* upstream's, or NULL */
	const struct netguard		*guard;		/* NULL, or the address
							   guard (httpc.h) */
	const char			*traceparent;	/* W3C Trace Context for
							   this hop, or NULL */
	const char			*tracestate;	/* the client's, or NULL */
	const struct upstream_http_header *forward;	/* the client's
					   Mcp-Param-* headers, n_forward <=
					   LIMIT_MCP_PARAM_HEADERS; name and
					   value checked, never logged */
	size_t				 n_forward;
	struct gone			*gone;		/* the client's
					   connection, looked at from
					   libcurl's progress callback
					   (about once a second while the
					   upstream is silent): gone ->
					   UPSTREAM_HTTP_CANCELLED; NULL: not
					   watched */
	struct upstream_http_position	*position;	/* or NULL: kept up
					   to date as the stream's events
					   come (below) */
	const char			*last_event_id;	/* listen: resume
					   the stream after this event (the
					   first GET's Last-Event-ID), or
					   NULL */
};

/*
 * Where the upstream's event stream is: its last event id ("" while it
 * gave none, or one that is not visible ASCII) and reconnection time
 * ("retry:" ms, 0 while none), as the SSE standard keeps them across
 * events and reconnections. Updated before each event is handed to
 * on_event (so the id is that event's) and after each chunk (a priming
 * event, which has no data, is never handed on).
 */
struct upstream_http_position {
	char	 id[LIMIT_SSE_FIELD + 1];
	long	 retry_ms;
};

enum upstream_http_err {
	UPSTREAM_HTTP_OK,
	UPSTREAM_HTTP_UNREACHABLE,	/* no connection, TLS, broken */
	UPSTREAM_HTTP_TIMEOUT,
	UPSTREAM_HTTP_TOO_LARGE,
	UPSTREAM_HTTP_STATUS,		/* answered 4xx/5xx */
	UPSTREAM_HTTP_SESSION_GONE,	/* 404 to a request with a session */
	UPSTREAM_HTTP_BAD_RESPONSE,	/* not MCP: type, JSON, no answer */
	UPSTREAM_HTTP_ABORTED,		/* on_event returned -1 */
	UPSTREAM_HTTP_CONFIG,		/* bad url, header, option */
	UPSTREAM_HTTP_INTERNAL,		/* out of memory, bad request body */
	UPSTREAM_HTTP_CANCELLED,	/* opts->gone: the client went away;
					   the transfer was aborted (its
					   connection closed) */
	UPSTREAM_HTTP__MAX
};

struct upstream_http_result {
	enum upstream_http_err	 err;
	long			 status;	/* 0 when no response came */
	char			 content_type[64]; /* media type, lowercase */
	int			 streamed;	/* answered text/event-stream */
	struct buf		 body;		/* the answer, JSON text */
	json_t			*json;		/* body parsed; owned; or NULL */
	char			 session_id[LIMIT_UPSTREAM_SESSION + 1];
	int			 session_invalid; /* it sent one we refuse:
						   not visible ASCII, too long */
	char			 protocol_version[LIMIT_PROTOCOL_VERSION + 1];
	size_t			 events;	/* events handed to on_event */
	size_t			 bytes_in;	/* body bytes, all connections */
	unsigned		 resumes;	/* GET reconnections made */
	char			 msg[LIMIT_UPSTREAM_ERR];	/* client */
	char			 detail[LIMIT_HTTPC_ERR];	/* log */
};

/*
 * data/len: the event's data (one JSON-RPC message or batch, NUL-
 * terminated), msg: the same parsed; both borrowed for the call.
 */
typedef int upstream_http_event_fn(void *arg, const char *data, size_t len,
    const json_t *msg);

void	 upstream_http_result_init(struct upstream_http_result *);
void	 upstream_http_result_release(struct upstream_http_result *);

enum upstream_http_err upstream_http_call(const struct upstream_http_opts *,
	    const char *body, size_t len, upstream_http_event_fn *on_event,
	    void *arg, struct upstream_http_result *);
enum upstream_http_err upstream_http_listen(const struct upstream_http_opts *,
	    upstream_http_event_fn *on_event, void *arg,
	    struct upstream_http_result *);
enum upstream_http_err upstream_http_initialize(
	    const struct upstream_http_opts *, const json_t *params,
	    upstream_http_event_fn *on_event, void *arg,
	    struct upstream_http_result *);
enum upstream_http_err upstream_http_delete(const struct upstream_http_opts *,
	    struct upstream_http_result *);

/* The bound of a call with o: opts->timeout_ms, its default and cap
 * applied. */
long	 upstream_http_timeout(const struct upstream_http_opts *o);

/* The enum's name in lowercase ("timeout"), for logs and metrics. */
const char *upstream_http_strerror(enum upstream_http_err);

#endif /* MCP_UPSTREAM_HTTP_H */
