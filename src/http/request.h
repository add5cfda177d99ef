/*
 * request.h -- one HTTP request, built from the CGI/FastCGI environment
 * (RFC 3875) with every bound applied before the body is read
 * (DESIGN section 3.1, STYLE.md habit 10).
 *
 * request_init() checks, in order, and returns 0 or the HTTP status to
 * answer with (*why is then a short static message for the client):
 *   - REQUEST_METHOD: present, a token, <= LIMIT_METHOD       else 400
 *   - the path: PATH_INFO when non-empty, else REQUEST_URI up to '?';
 *     <= LIMIT_PATH                                            else 414
 *     starts with '/', visible ASCII, no "." or ".." segment  else 400
 *   - QUERY_STRING <= LIMIT_QUERY                              else 414
 *   - every HTTP_* value and CONTENT_TYPE <= LIMIT_HEADER_VALUE, all
 *     HTTP_* values together <= LIMIT_HEADERS_TOTAL            else 431
 *     (RFC 6585 section 5: "Request Header Fields Too Large")
 *   - CONTENT_LENGTH: absent or empty is 0; not a plain decimal   else 400;
 *     more than cfg->max_body (or than 2^64-1)                 else 413
 * The body is not read: request_read_body() reads exactly
 * CONTENT_LENGTH bytes when a handler wants them.
 *
 * The request id is always set, even when request_init() fails, so every
 * response carries X-Request-Id: the web server's UNIQUE_ID (Apache
 * mod_unique_id) when present, visible ASCII and <= LIMIT_REQUEST_ID, so
 * the platform's lines join the access log's; else a fresh UUIDv7.
 *
 * Ownership: string fields are borrowed from the io's environment (valid
 * until the request is finished) or point into the struct; NULL when the
 * variable is absent. The body and the response state are owned and freed
 * by request_release(). Proxy-style variables (HTTP_PROXY) are never read.
 */
#ifndef MCP_REQUEST_H
#define MCP_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "http/fail.h"
#include "http/io.h"
#include "product_limits.h"
#include "tracectx.h"

struct reqlog;

/* What a response has done so far; lives in struct request and is worked
 * by response.h's functions (request_init/request_release set it up and
 * free it). */
struct response {
	int		 status;	/* 0 until begun */
	int		 started;	/* head written */
	struct buf	 headers;	/* queued "Name: value\r\n" lines */
	size_t		 bytes_out;	/* body bytes written */
};

/* The {name} segments of the route that matched (router.h), in order. */
struct route_param {
	const char	*p;	/* into request->path; not NUL-terminated */
	size_t		 len;
};

struct route_params {
	size_t			 n;
	struct route_param	 v[LIMIT_ROUTE_PARAMS];
};

struct request {
	struct io		*io;
	const struct config	*cfg;
	uint64_t		 started_us;	/* clock_mono_us() */
	char			 id[LIMIT_REQUEST_ID + 1];

	const char		*method;	/* "GET", ...; NULL if invalid */
	int			 head;		/* HEAD: answer as GET, no body */
	char			 path[LIMIT_PATH + 1];
	const char		*query;		/* "" when none */
	uint64_t		 content_length;

	const char		*content_type;	/* CONTENT_TYPE */
	const char		*accept;	/* HTTP_ACCEPT */
	const char		*origin;	/* HTTP_ORIGIN */
	const char		*authorization;	/* HTTP_AUTHORIZATION: secret,
						   never log it */
	const char		*protocol_version; /* HTTP_MCP_PROTOCOL_VERSION */
	const char		*session_id;	/* HTTP_MCP_SESSION_ID */
	const char		*last_event_id;	/* HTTP_LAST_EVENT_ID */
	const char		*remote_addr;	/* REMOTE_ADDR */
	const char		*user_agent;	/* HTTP_USER_AGENT */
	struct tracectx		 trace;		/* W3C Trace Context: the
						   client's traceparent /
						   tracestate when valid,
						   else a new trace */

	struct buf		 body;		/* after request_read_body() */
	int			 body_read;

	struct response		 resp;

	struct reqlog		*log;		/* the request-log record being
						   built (/mcp/ requests), or
						   NULL; owned by main.c */
};

int	 request_init(struct request *, struct io *, const struct config *,
	    const char **why);
/* Read the body (once; later calls return 0): 0, or 400 when shorter than
 * CONTENT_LENGTH, 500 on a read error; *why as above. */
int	 request_read_body(struct request *, const char **why);
void	 request_release(struct request *);

/* A request environment variable (borrowed) or NULL. */
const char *request_env(const struct request *, const char *name);
/* Milliseconds since request_init(). */
double	 request_elapsed_ms(const struct request *);

/*
 * Checks the MCP endpoint applies (DESIGN section 3.1); each is 1 or 0.
 * request_content_type_is: CONTENT_TYPE's media type equals type
 *   (case-insensitive, parameters such as charset ignored).
 * request_accepts: the Accept header (RFC 9110 12.5.1) has a range that
 *   covers type: the type itself, its "type/" wildcard or the all-types
 *   wildcard, not with q=0; an absent Accept allows everything. (The
 *   precedence of a more specific q=0 range over a wildcard is not
 *   applied: a client that names a type with q=0 lists no wildcard.)
 * request_origin_allowed: no Origin, or config_origin_allowed().
 */
int	 request_content_type_is(const struct request *, const char *type);
int	 request_accepts(const struct request *, const char *type);
int	 request_origin_allowed(const struct request *);

/*
 * The platform's own base URL, as the client called it, appended to out:
 *   - public_base_url when configured: the operator's word, the only
 *     trustworthy choice behind proxies and TLS terminators; set it in
 *     production;
 *   - else derived from the request: "https" when HTTPS=on (or
 *     REQUEST_SCHEME=https) else "http"; "://"; the Host header when it
 *     is a well-formed host[:port], else SERVER_NAME[:SERVER_PORT]; then
 *     the script prefix: the part of REQUEST_URI's path before the routed
 *     path (cgi-bin installs: "/cgi-bin/mcp-platform.cgi"), when it is
 *     plain RFC 3986 path characters. Derived from Host, the base is what
 *     the client itself called, which is what RFC 9728 section 3.3 has it
 *     compare "resource" with; every response is Cache-Control: no-store,
 *     so a forged Host cannot poison a shared cache.
 * Returns 0 or -1 (no usable host, or the buffer cap).
 */
int	 request_base_url(const struct request *, struct buf *out);

/*
 * The bounds of the MCP endpoint (DESIGN section 3.1), applied before the
 * caller is known. Each returns RESPONSE_FAIL_NONE (0), or the failure to
 * answer with (response.h: its status and JSON-RPC code) and why, a
 * message for the client:
 * request_bound_media: CONTENT_TYPE is type (else RESPONSE_FAIL_MEDIA_TYPE,
 *   415) and Accept allows every type of accept, NULL-terminated (else
 *   RESPONSE_FAIL_NOT_ACCEPTABLE, 406).
 * request_bound_client: an Origin, when sent, is allowed (else
 *   RESPONSE_FAIL_ORIGIN, 403: DNS-rebinding protection, MCP 2025-11-25
 *   transports); an MCP-Protocol-Version, when sent, is one version_ok()
 *   says the caller speaks (else RESPONSE_FAIL_VERSION, 400).
 */
enum response_fail request_bound_media(const struct request *,
	    const char *type, const char *const *accept, char *why,
	    size_t whylen);
enum response_fail request_bound_client(const struct request *,
	    int (*version_ok)(const char *), char *why, size_t whylen);

#endif /* MCP_REQUEST_H */
