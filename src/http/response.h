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
#include "http/fail.h"
#include "http/request.h"

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
/* response_json, the body (compact, then '\n') left in the caller's
 * sent (emptied first; its max should allow LIMIT_RESPONSE_BODY). */
int	 response_json_sent(struct request *, int status, const json_t *j,
	    struct buf *sent);
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
/* An unnamed event with an id ("id:" first; id NULL: none). */
int	 response_sse_event_id(struct request *, const char *id,
	    const char *data, size_t len);
/* The priming event of a resumable stream: an id, the reconnection time
 * ("retry:", ms) and empty data (MCP 2025-11-25 "Resumability"). */
int	 response_sse_prime(struct request *, const char *id, long retry_ms);

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
