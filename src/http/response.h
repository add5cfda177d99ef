/*
 * response.h -- everything the platform sends back, and the only place
 * errors become HTTP.
 *
 * Every response (errors included) is a CGI response (RFC 3875 6.2):
 *     Status: <code> <reason>
 *     Content-Type: <type>                (when there is a body)
 *     X-Request-Id: <request id>
 *     Cache-Control: no-store
 *     <extra headers queued with response_header()>
 *     <blank line> <body>
 * The body is not written for HEAD requests (the head still is).
 *
 * JSON errors (DESIGN section 5):
 *     {"error":{"code":"not_found","message":"..."}}
 * with a snake_case code per status (response_code(): bad_request,
 * unauthorized, forbidden, not_found, method_not_allowed, not_acceptable,
 * payload_too_large, uri_too_long, unsupported_media_type,
 * header_too_large, internal, bad_gateway, unavailable, gateway_timeout,
 * ...). The message is shown to the client: never a secret, never an
 * internal detail (5xx messages are for the client; details go to the log).
 *
 * Order: response_header()* then response_begin() (or one of the helpers
 * that begin: response_send, response_json, response_error,
 * response_sse_begin) exactly once, then response_write()/flush. All return
 * 0 or -1: -1 after a failed write (the client went away; keep going and
 * release), a header with CR/LF/NUL or over LIMIT_RESPONSE_HEADERS, or a
 * second begin. An error after the head went out cannot change the status:
 * response_error() then logs and returns -1.
 */
#ifndef MCP_RESPONSE_H
#define MCP_RESPONSE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct request;

/* Response state; lives in struct request (request.h). */
struct response {
	int		 status;	/* 0 until begun */
	int		 started;	/* head written */
	struct buf	 headers;	/* queued "Name: value\r\n" lines */
	size_t		 bytes_out;	/* body bytes written */
};

void	 response_init(struct response *);
void	 response_release(struct response *);

/* Reason phrase (RFC 9110 section 15) and JSON error code for a status. */
const char *response_reason(int status);
const char *response_code(int status);

int	 response_header(struct request *, const char *name,
	    const char *value);
/* content_type NULL: no Content-Type (204, 304, bodiless answers). */
int	 response_begin(struct request *, int status, const char *content_type);
int	 response_write(struct request *, const void *, size_t);
int	 response_flush(struct request *);

/* Begin with Content-Length and write the whole body. */
int	 response_send(struct request *, int status, const char *content_type,
	    const void *body, size_t len);
/* application/json body of j (borrowed). */
int	 response_json(struct request *, int status, const json_t *j);
/* The JSON error; code NULL: response_code(status). fmt: see above. */
int	 response_error(struct request *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Server-Sent Events (text/event-stream, MCP Streamable HTTP). Each event
 * is flushed to the web server at once (FCGX_FFlush); lighttpd needs
 * server.stream-response-body = 2, Apache FcgidOutputBufferSize 0.
 * event NULL: unnamed; data is split into "data:" lines at LF.
 */
int	 response_sse_begin(struct request *, int status);
int	 response_sse_event(struct request *, const char *event,
	    const char *data, size_t len);

/*
 * Failures and their answers: the ONE table (response.c) from an internal
 * failure to the HTTP status and the JSON-RPC error code it is answered
 * with (docs/internals/upstream-errors.md, docs/api-reference.md). The
 * codes in -32000 .. -32099 are JSON-RPC 2.0's implementation-defined
 * server errors. The status applies when the failure is the whole answer
 * to a POST; inside a batch or after an SSE stream began, only the code
 * is seen. Modules name their failures with these values; nothing else
 * picks a status or a code for them.
 */
enum response_fail {
	RESPONSE_FAIL_NONE,		/* 0, 0: not a failure */
	/* the request (DESIGN 3.1 and JSON-RPC 2.0 section 5.1) */
	RESPONSE_FAIL_MEDIA_TYPE,	/* 415, -32600: Content-Type */
	RESPONSE_FAIL_NOT_ACCEPTABLE,	/* 406, -32600: Accept */
	RESPONSE_FAIL_ORIGIN,		/* 403, -32600: Origin not allowed */
	RESPONSE_FAIL_VERSION,		/* 400, -32600: MCP-Protocol-Version */
	RESPONSE_FAIL_PARSE,		/* 400, -32700: not JSON */
	RESPONSE_FAIL_INVALID,		/* 400, -32600: not a valid message */
	RESPONSE_FAIL_SESSION_REQUIRED,	/* 400, -32600: no Mcp-Session-Id */
	RESPONSE_FAIL_SESSION_UNKNOWN,	/* 404, -32001: unknown, expired,
					   ended or another caller's */
	RESPONSE_FAIL_POLICY,		/* 200, -32602: the tool policy
					   refuses (an answer, not a failure
					   of the platform) */
	RESPONSE_FAIL_NOT_CONFIGURED,	/* 500, -32014: the tenant's server
					   lacks a setting or secret */
	/* the upstream */
	RESPONSE_FAIL_UPSTREAM_UNAVAILABLE, /* 502, -32013: not reached,
					   not started, handshake failed */
	RESPONSE_FAIL_UPSTREAM_TIMEOUT,	/* 504, -32010 */
	RESPONSE_FAIL_UPSTREAM_TOO_LARGE, /* 502, -32012 */
	RESPONSE_FAIL_UPSTREAM_ERROR,	/* 502, -32011: an http error, a
					   crash, output that is not MCP */
	RESPONSE_FAIL_UPSTREAM_SESSION_GONE, /* 404, -32001: as the TS SDK's
					   servers answer an unknown session */
	/* the platform itself */
	RESPONSE_FAIL_INTERNAL,		/* 500, -32603 */
	RESPONSE_FAIL__MAX
};

/* The JSON-RPC code and HTTP status of f (out of range: INTERNAL's);
 * either pointer may be NULL. */
void	 response_fail_map(enum response_fail f, int *jsonrpc_code,
	    int *http_status);
/* A NEW JSON-RPC error response {"jsonrpc","id","error":{code,message}}
 * with f's code; id borrowed, NULL: null. NULL on out of memory. */
json_t	*response_rpc_error(enum response_fail f, const json_t *id,
	    const char *message);
/* That object as the whole answer, with f's status. */
int	 response_rpc_fail(struct request *, enum response_fail f,
	    const json_t *id, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

#endif /* MCP_RESPONSE_H */
