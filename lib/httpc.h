/*
 * httpc.h -- a small blocking HTTP client over libcurl for calls to
 * Supabase (PostgREST, Auth) and other fixed services.
 *
 * One curl easy handle is kept per process and reset before each request,
 * so connections (and TLS sessions, DNS answers) are reused across requests
 * of a FastCGI worker. Not thread-safe (the platform has no threads).
 * httpc_perform() may be called from inside another's on_data or
 * on_progress (to answer what a stream asks while it stays open): that
 * request takes a second handle of its own; a third level is refused
 * (-1, HTTPC_FAIL_OTHER; LIMIT_HTTPC_DEPTH).
 *
 * Every request is made with (STYLE.md habit 14, platform-notes):
 *  - CURLOPT_PROXY "" and CURLOPT_NOPROXY "*": no proxy, whatever the
 *    environment says (under CGI a client's "Proxy:" header arrives as
 *    HTTP_PROXY, and lower-case http_proxy would be honoured);
 *  - CURLOPT_PROTOCOLS_STR "http,https"; redirects are NOT followed: a
 *    3xx is returned to the caller as it is;
 *  - a total timeout (timeout_ms, default LIMIT_HTTPC_TIMEOUT_MS) and a
 *    connect timeout of at most LIMIT_HTTPC_CONNECT_MS;
 *  - TLS peer and host verification on (libcurl's default, never turned off);
 *  - CURLOPT_NOSIGNAL (no SIGALRM games in the worker).
 *
 * Lifecycle: httpc_global_init() once at start (it calls curl_global_init),
 * httpc_global_cleanup() at exit. struct httpc_response: httpc_response_init
 * before httpc_perform, httpc_response_release after (also after errors).
 *
 * Errors: httpc_perform() returns 0 when an HTTP response arrived, whatever
 * its status, and -1 when none did (connect, TLS, timeout, response larger
 * than the cap, aborted by on_data or on_progress). On -1, resp->err is a
 * short static reason (libcurl's curl_easy_strerror text or ours) fit to
 * show a client, resp->fail classifies it (enum httpc_fail, for callers
 * that map failures to their own codes), and resp->detail is libcurl's
 * longer message (it may name the host and port; never header values, so
 * never a key) for the operator's log.
 *
 * Streaming (on_data): the body goes to on_data as it arrives and is not
 * capped by httpc (the receiver caps it). By the first on_data call the
 * final response's head is complete in resp->headers, so the receiver
 * may look at httpc_header()/httpc_status() from inside the callback.
 * on_progress, when set, is called about once a second while the transfer
 * is idle and more often while data moves; returning -1 aborts
 * (HTTPC_FAIL_ABORTED): a receiver's own deadline.
 */
#ifndef MCP_HTTPC_H
#define MCP_HTTPC_H

#include <stddef.h>

#include "buf.h"
#include "lib_limits.h"

struct netguard;

enum httpc_fail {
	HTTPC_FAIL_NONE,	/* a response arrived */
	HTTPC_FAIL_CONNECT,	/* DNS, refused, unreachable */
	HTTPC_FAIL_TIMEOUT,	/* timeout_ms (or the connect timeout) passed */
	HTTPC_FAIL_TLS,		/* handshake or certificate */
	HTTPC_FAIL_TOO_LARGE,	/* body over max_response, or headers */
	HTTPC_FAIL_ABORTED,	/* on_data or on_progress returned -1 */
	HTTPC_FAIL_URL,		/* malformed URL or a scheme not allowed */
	HTTPC_FAIL_OTHER,	/* broken transfer, out of memory, ... */
	HTTPC_FAIL__MAX
};

struct httpc_request {
	const char		*method;	/* NULL: GET, or POST with a body */
	const char		*url;
	/* NULL-terminated "Name: value" lines, or NULL. Values may be
	 * secrets: curl's copies are wiped after the request. */
	const char *const	*headers;
	const void		*body;		/* sent when non-NULL */
	size_t			 bodylen;
	long			 timeout_ms;	/* 0: LIMIT_HTTPC_TIMEOUT_MS */
	size_t			 max_response;	/* 0: LIMIT_HTTPC_RESPONSE */
	/* Optional streaming sink: when set, body bytes go here (not into
	 * resp->body) as they arrive; return -1 to abort the transfer. */
	int			(*on_data)(void *arg, const char *, size_t);
	/* Optional: called periodically during the transfer; -1 aborts. */
	int			(*on_progress)(void *arg);
	void			*arg;		/* for on_data and on_progress */
	/* Optional address guard (netguard.h) for a URL someone else
	 * supplied: the host is resolved and checked before the transfer,
	 * the checked address pinned (CURLOPT_RESOLVE), every socket checked
	 * again as curl opens it, and no connection is reused. A refused
	 * address fails with HTTPC_FAIL_CONNECT and detail saying why. */
	const struct netguard	*guard;
};

struct httpc_response {
	long		 status;	/* 0 when no response arrived */
	struct buf	 body;		/* capped at max_response */
	struct buf	 headers;	/* raw header block of the last response */
	const char	*err;		/* static; NULL on success */
	enum httpc_fail	 fail;		/* HTTPC_FAIL_NONE on success */
	char		 detail[LIMIT_HTTPC_ERR];
};

int	 httpc_global_init(const char *user_agent);
void	 httpc_global_cleanup(void);
/*
 * In a child after fork(2): forget the handle inherited from the parent,
 * whose connections the parent goes on using, without closing anything
 * (a TLS close_notify would break the parent's session); the next request
 * makes a handle of its own. The old one is left to the child's exit.
 */
void	 httpc_after_fork(void);

void	 httpc_response_init(struct httpc_response *);
void	 httpc_response_release(struct httpc_response *);

int	 httpc_perform(const struct httpc_request *, struct httpc_response *);

/*
 * Find response header name (case-insensitive) in resp->headers; on 0,
 * (*val, *len) is its trimmed value, borrowed from resp. -1 when absent.
 */
int	 httpc_header(const struct httpc_response *, const char *name,
	    const char **val, size_t *len);
/*
 * The status code of the response head in resp->headers ("HTTP/1.1 200
 * OK", "HTTP/2 200"), usable from inside on_data; 0 when there is none.
 */
long	 httpc_status(const struct httpc_response *);

#endif /* MCP_HTTPC_H */
