/*
 * upstream.h -- one exchange with the resolved target's upstream,
 * whatever its transport (DESIGN section 3.4): the one place that picks
 * upstream_stdio.c or upstream_http.c, builds what each takes from the
 * target (src/store/target.h) and the configuration, and names a failure
 * with the platform's failure kinds (src/http/response.h), which
 * response.c's one table turns into an HTTP status and a JSON-RPC code.
 *
 *     struct upstream u = { .req = req, .target = &t, .version = v,
 *         .session_id = up_sid, .relay = relay, .arg = ctx };
 *     struct upstream_result r;
 *     upstream_result_init(&r);
 *     f = upstream_call(&u, msg, &r);
 *     f == RESPONSE_FAIL_NONE: r.response is the answer (NULL for a
 *         notification or a response) ...
 *     else: r.response is the JSON-RPC error for the client (when msg
 *         had an id), f says which; r.name and r.detail are for the log
 *     upstream_result_release(&r);
 *
 * upstream_call() takes every client message alike, initialize
 * included:
 *  - stdio: upstream_stdio_call() (the module does the handshake itself
 *    and answers initialize from the child's InitializeResult);
 *  - http: initialize is upstream_http_initialize() with the client's own
 *    params (capabilities, clientInfo) and protocolVersion u->version;
 *    r.session_id is then the upstream's session ("" for none). Any other
 *    message is upstream_http_call() with MCP-Protocol-Version u->version
 *    and Mcp-Session-Id u->session_id.
 * Messages the upstream sends for the client while it works (progress,
 * logging) go to u->relay as they arrive; its requests for the client go
 * to u->ask when set (stdio children are initialized with the client
 * capabilities sampling, elicitation and roots, upstream_ask_caps(), so
 * that they may ask: a client that cannot answer gets the request and
 * says so). An http upstream's request arrives on the call's event
 * stream; the answer goes back in a POST of its own with the session
 * (upstream_http_call), while that stream stays open. A failure is
 * logged (warning, module "mcp", with the server alias and method)
 * before the return.
 *
 * upstream_end() ends the upstream's own session (http with
 * u->session_id: DELETE; a failure is only logged); stdio has none.
 *
 * Ownership: u and everything it points to are borrowed for the call;
 * r.response is a NEW reference owned by r.
 */
#ifndef MCP_UPSTREAM_H
#define MCP_UPSTREAM_H

#include <stdint.h>

#include <jansson.h>

#include "http/request.h"
#include "http/response.h"
#include "product_limits.h"
#include "store/target.h"
#include "mcp/upstream_http.h"
#include "mcp/upstream_stdio.h"

/* Each message the upstream sends for the client (borrowed), as it
 * arrives. */
typedef void upstream_relay_fn(void *arg, const json_t *msg);

/*
 * A request the upstream sends the client (sampling/createMessage,
 * elicitation/create, roots/list; borrowed) during a call: set *reply to
 * a NEW {"result": ...} or {"error": ...} by deadline (clock_mono_ms()).
 * Return
 *  - 0: answered with *reply (NULL: -32601, mcp_client_reply());
 *  - UPSTREAM_ASK_LATER: the client is to be asked after the call
 *    (mrtr.h); a stdio child gets *reply (an error) and the call goes
 *    on, an http call stops waiting: it ends without a response (and
 *    without a failure), the transfer dropped;
 *  - -1: abort the call (the child is ended, the transfer dropped).
 * Left NULL, a stdio child gets -32601 and an http upstream's request
 * goes to relay like any other message.
 */
#define UPSTREAM_ASK_LATER	1

typedef int upstream_ask_fn(void *arg, const json_t *request,
	    uint64_t deadline, json_t **reply);

struct upstream {
	struct request		*req;		/* configuration, clock */
	const struct target	*target;
	const char		*version;	/* the client's negotiated
						   version, or NULL */
	const char		*session_id;	/* http: the upstream's, or
						   NULL */
	upstream_relay_fn	*relay;		/* may be NULL */
	gone_beat_fn		*beat;		/* while the call waits, every
						   LIMIT_GONE_BEAT_MS (http/
						   gone.h), or NULL */
	void			*arg;		/* of relay and beat */
	const struct upstream_http_header *forward;	/* http: headers of
						   the client's to pass on
						   (Mcp-Param-*), or NULL */
	size_t			 n_forward;
	upstream_ask_fn		*ask;		/* server->client requests,
						   or NULL */
	void			*ask_arg;
	struct upstream_http_position *position; /* http: the upstream
						   stream's last event id,
						   kept up to date for the
						   caller's event ids, or
						   NULL */
	const char		*last_event_id;	/* upstream_listen: resume
						   the upstream's stream
						   after it, or NULL */
	int			 stateless;	/* stdio: a child without
						   the handshake, for
						   messages that carry the
						   2026-07-28 _meta
						   (upstream_stdio.h) */
};

struct upstream_result {
	json_t		*response;	/* NEW: the answer with the client's
					   id, or the platform's error for
					   it; NULL when msg had no id */
	enum response_fail fail;	/* RESPONSE_FAIL_NONE, or what failed */
	const char	*name;		/* the transport's error name, "ok" */
	double		 ms;		/* time spent upstream */
	char		 version[LIMIT_PROTOCOL_VERSION + 1];
					/* the version spoken upstream, or "" */
	char		 session_id[LIMIT_UPSTREAM_SESSION + 1];
					/* http initialize: the upstream's */
	char		 detail[LIMIT_STDIO_ERR];	/* log only */
};

void	 upstream_result_init(struct upstream_result *);
void	 upstream_result_release(struct upstream_result *);

enum response_fail upstream_call(const struct upstream *, const json_t *msg,
	    struct upstream_result *);
void	 upstream_end(const struct upstream *);

/* stdio: the idle children u's calls would take end (a stateless probe
 * found a legacy server: nothing will ask for them). http: nothing. */
void	 upstream_forget(const struct upstream *);

/*
 * The legacy standalone stream of an http upstream's session
 * (u->session_id; u->version): GET, each message the upstream sends (list
 * changes, resource updates, log messages, its requests) to u->relay,
 * while u->beat keeps the client's connection watched; it ends after
 * LIMIT_LISTEN_MS (or the server's lower timeout), after
 * LIMIT_LISTEN_NOTIFICATIONS messages, when the client goes away or when
 * the upstream ends it. With u->last_event_id the upstream's stream is
 * resumed after that event (Last-Event-ID): a call's stream then also
 * ends once its answer (a response) is relayed. 0 then; -1 when there is
 * no stream to relay (not http, no upstream session, the upstream
 * refused: the caller answers 405), r->name and r->detail saying why.
 */
int	 upstream_listen(const struct upstream *, struct upstream_result *);

/* The client capabilities an upstream is told of when an ask hook
 * answers for the client: sampling, elicitation and roots (borrowed,
 * static; NULL when out of memory). */
const json_t *upstream_ask_caps(void);

/* A transport's errors as the platform's failure kinds. */
enum response_fail upstream_fail_http(enum upstream_http_err);
enum response_fail upstream_fail_stdio(enum upstream_stdio_err);

/* Borrowed views of t for the transports, valid while t is (and, for
 * http, while hs is: the headers are copied into it). */
void	 upstream_target_stdio(const struct target *t,
	    struct upstream_stdio_spec *);
void	 upstream_target_http(const struct target *t,
	    struct upstream_http_header hs[LIMIT_UPSTREAM_HEADERS],
	    struct upstream_http_opts *);

#endif /* MCP_UPSTREAM_H */
