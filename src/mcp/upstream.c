/*
 * upstream.c -- one exchange with the target's upstream, stdio or http;
 * see upstream.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/protocol.h"
#include "mcp/upstream.h"
#include "tracectx.h"
#include "ops/metrics.h"

#define MOD	"mcp"

_Static_assert(LIMIT_HTTPC_ERR <= LIMIT_STDIO_ERR,
    "upstream_result.detail must hold an http upstream's detail");

/* The transports' errors as failure kinds (docs/internals/
 * upstream-errors.md); response.c has the status and code of each. */
static const enum response_fail upstream_http_fails[UPSTREAM_HTTP__MAX] = {
	[UPSTREAM_HTTP_OK] =		RESPONSE_FAIL_NONE,
	[UPSTREAM_HTTP_UNREACHABLE] =	RESPONSE_FAIL_UPSTREAM_UNAVAILABLE,
	[UPSTREAM_HTTP_TIMEOUT] =	RESPONSE_FAIL_UPSTREAM_TIMEOUT,
	[UPSTREAM_HTTP_TOO_LARGE] =	RESPONSE_FAIL_UPSTREAM_TOO_LARGE,
	[UPSTREAM_HTTP_STATUS] =	RESPONSE_FAIL_UPSTREAM_ERROR,
	[UPSTREAM_HTTP_SESSION_GONE] =	RESPONSE_FAIL_UPSTREAM_SESSION_GONE,
	[UPSTREAM_HTTP_BAD_RESPONSE] =	RESPONSE_FAIL_UPSTREAM_ERROR,
	[UPSTREAM_HTTP_ABORTED] =	RESPONSE_FAIL_INTERNAL,
	[UPSTREAM_HTTP_CONFIG] =	RESPONSE_FAIL_INTERNAL,
	[UPSTREAM_HTTP_INTERNAL] =	RESPONSE_FAIL_INTERNAL,
	[UPSTREAM_HTTP_CANCELLED] =	RESPONSE_FAIL_CLIENT_GONE,
};

static const enum response_fail upstream_stdio_fails[UPSTREAM_STDIO__MAX] = {
	[UPSTREAM_STDIO_OK] =		RESPONSE_FAIL_NONE,
	[UPSTREAM_STDIO_EINVAL] =	RESPONSE_FAIL_INTERNAL,
	[UPSTREAM_STDIO_SPAWN_FAILED] =	RESPONSE_FAIL_UPSTREAM_UNAVAILABLE,
	[UPSTREAM_STDIO_INIT_FAILED] =	RESPONSE_FAIL_UPSTREAM_UNAVAILABLE,
	[UPSTREAM_STDIO_TIMEOUT] =	RESPONSE_FAIL_UPSTREAM_TIMEOUT,
	[UPSTREAM_STDIO_CRASHED] =	RESPONSE_FAIL_UPSTREAM_ERROR,
	[UPSTREAM_STDIO_BAD_OUTPUT] =	RESPONSE_FAIL_UPSTREAM_ERROR,
	[UPSTREAM_STDIO_OUTPUT_TOO_LARGE] = RESPONSE_FAIL_UPSTREAM_TOO_LARGE,
	[UPSTREAM_STDIO_ABORTED] =	RESPONSE_FAIL_INTERNAL,
	[UPSTREAM_STDIO_INTERNAL] =	RESPONSE_FAIL_INTERNAL,
	[UPSTREAM_STDIO_CANCELLED] =	RESPONSE_FAIL_CLIENT_GONE,
};

enum response_fail
upstream_fail_http(enum upstream_http_err e)
{
	if ((unsigned)e >= UPSTREAM_HTTP__MAX)
		return RESPONSE_FAIL_INTERNAL;
	return upstream_http_fails[e];
}

enum response_fail
upstream_fail_stdio(enum upstream_stdio_err e)
{
	if ((unsigned)e >= UPSTREAM_STDIO__MAX)
		return RESPONSE_FAIL_INTERNAL;
	return upstream_stdio_fails[e];
}

void
upstream_target_stdio(const struct target *t, struct upstream_stdio_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->key = t->pool_key;
	s->tenant_id = t->tenant_id;
	s->argv = (const char *const *)t->argv;
	s->env = (const char *const *)t->env;
	s->workdir = t->workdir;
	s->net = t->net;
	s->egress_ports = t->egress_ports;
	s->n_egress_ports = t->n_egress_ports;
	s->read_paths = (const char *const *)t->read_paths;
}

void
upstream_target_http(const struct target *t,
    struct upstream_http_header hs[LIMIT_UPSTREAM_HEADERS],
    struct upstream_http_opts *o)
{
	size_t	 i;

	memset(o, 0, sizeof(*o));
	o->url = t->url;
	o->guard = t->guard;
	/* target.c stops at LIMIT_UPSTREAM_HEADERS as well. */
	for (i = 0; i < t->n_headers && i < LIMIT_UPSTREAM_HEADERS; i++) {
		hs[i].name = t->headers[i].name;
		hs[i].value = t->headers[i].value;
		hs[i].catalog = t->headers[i].catalog;
	}
	o->headers = hs;
	o->n_headers = i;
	o->timeout_ms = (long)t->timeout_ms;
	o->max_response = t->max_response;
}

void
upstream_result_init(struct upstream_result *r)
{
	memset(r, 0, sizeof(*r));
	r->name = "ok";
}

void
upstream_result_release(struct upstream_result *r)
{
	json_decref(r->response);
	upstream_result_init(r);
}

/* A call's hook argument. */
struct upstream_hook {
	const struct upstream		*u;
	uint64_t			 deadline;	/* clock_mono_ms */
	const struct upstream_http_opts	*opts;		/* http: the call's */
	int				 later;		/* http: the ask hook
							   put it off */
};

/* The transports' relay hooks: a client that went away is not a
 * cancellation, so both always go on. */
static int
upstream_stdio_event(const json_t *msg, json_t **reply, void *arg)
{
	const struct upstream_hook	*h = arg;
	const struct upstream		*u = h->u;
	int				 rc;

	/* Server->client requests (sampling, elicitation, roots): to the
	 * caller's ask hook, or -32601 without one. The child gets the
	 * reply of one put off for later (an error) and goes on. */
	if (reply != NULL) {
		if (u->ask == NULL)
			return 0;
		rc = u->ask(u->ask_arg, msg, h->deadline, reply);
		return rc == UPSTREAM_ASK_LATER ? 0 : rc;
	}
	if (u->relay != NULL)
		u->relay(u->arg, msg);
	return 0;
}

/* What stdio children (and http upstreams whose requests an ask hook
 * answers) are told the client can do: everything the ask hooks relay
 * (upstream.h). Part of the pool fingerprint. */
const json_t *
upstream_ask_caps(void)
{
	static json_t	*caps;

	if (caps == NULL)
		caps = json_pack("{s:{}, s:{}, s:{}}", "sampling",
		    "elicitation", "roots");
	return caps;
}

/*
 * An http upstream's request on the call's stream, to u->ask; the answer
 * is POSTed back as any response for the upstream is (a message of its
 * own with the session and version: upstream_http_call, as a legacy
 * client's replies go), while the call's stream stays open (httpc.h:
 * the POST takes a second curl handle). 0, or -1 to stop waiting for
 * the call: put off for the client (h->later), or an answer the
 * upstream would wait for in vain.
 */
static int
upstream_http_ask(struct upstream_hook *h, const json_t *msg)
{
	const struct upstream		*u = h->u;
	struct upstream_http_opts	 o = *h->opts;
	struct upstream_http_result	 res;
	enum upstream_http_err		 e = UPSTREAM_HTTP_INTERNAL;
	struct buf			 b;
	json_t				*reply = NULL, *resp = NULL;
	long long			 left;
	int				 rc;

	buf_init(&b, LIMIT_RESPONSE_BODY);
	upstream_http_result_init(&res);
	/* A ping is the platform's to answer, as for a stdio child. */
	if (strcmp(jsonx_str(msg, "method"), "ping") == 0)
		reply = json_pack("{s:{}}", "result");
	else if ((rc = u->ask(u->ask_arg, msg, h->deadline, &reply)) != 0) {
		h->later = rc == UPSTREAM_ASK_LATER;
		rc = -1;
		goto out;
	}
	/* The answer is no part of the client's request (no Mcp-Param-*),
	 * and a client gone is the call's transfer's to notice. */
	o.forward = NULL;
	o.n_forward = 0;
	o.gone = NULL;
	if ((left = (long long)h->deadline - (long long)clock_mono_ms()) <= 0)
		e = UPSTREAM_HTTP_TIMEOUT;
	else if ((resp = mcp_client_reply(json_object_get(msg, "id"),
	    reply)) != NULL && jsonx_dumpb(&b, resp) == 0) {
		o.timeout_ms = (long)left;
		e = upstream_http_call(&o, b.data, b.len, NULL, NULL, &res);
	}
	if ((rc = e == UPSTREAM_HTTP_OK ? 0 : -1) == -1)
		log_warn(MOD, "http '%s' answer to '%s': %s: %s",
		    u->target->alias, jsonx_str(msg, "method"),
		    upstream_http_strerror(e), res.detail);
out:
	json_decref(resp);
	json_decref(reply);
	buf_release(&b);
	upstream_http_result_release(&res);
	return rc;
}

static int
upstream_http_event(void *arg, const char *data, size_t len,
    const json_t *msg)
{
	struct upstream_hook	*h = arg;
	const struct upstream	*u = h->u;

	(void)data;
	(void)len;
	if (msg == NULL)
		return 0;
	if (u->ask != NULL && jsonx_str(msg, "method") != NULL &&
	    json_object_get(msg, "id") != NULL)
		return upstream_http_ask(h, msg);
	if (u->relay != NULL)
		u->relay(u->arg, msg);
	return 0;
}

static void
upstream_stdio_opts_of(const struct upstream *u,
    struct upstream_stdio_opts *o, struct buf *hide)
{
	const struct config	*cfg = u->req->cfg;

	upstream_stdio_opts_init(o);
	/* Isolated children (root workers) see only their own directory
	 * of <data_dir>/tenants, never another tenant's. */
	if (buf_printf(hide, "%s/tenants", cfg->data_dir) == 0)
		o->hide_dir = hide->data;
	o->run_uid = cfg->stdio_uid;
	o->run_gid = cfg->stdio_gid;
	if (cfg->stdio_path != NULL)
		o->path = cfg->stdio_path;
	o->sandbox = cfg->stdio_sandbox_mode;
	o->read_paths = cfg->stdio_read_paths;
	if (u->target->timeout_ms > 0)
		o->deadline_ms = (unsigned)u->target->timeout_ms;
	if (u->target->max_response > 0)
		o->max_output = u->target->max_response;
	if (u->target->max_file_bytes > 0)
		o->fsize_bytes = (rlim_t)u->target->max_file_bytes;
	if (u->target->disk_quota_bytes > 0)
		o->disk_quota = u->target->disk_quota_bytes;
	o->pool_max = cfg->stdio_pool_max;
	o->idle_s = (unsigned)cfg->stdio_idle;
	o->max_age_s = (unsigned)cfg->stdio_max_age;
	o->max_calls = (unsigned)cfg->stdio_max_calls;
	o->init_ms = (unsigned)cfg->stdio_init_ms;
	o->tenant_warm_max = (unsigned)cfg->stdio_tenant_warm_max;
	o->client_protocol_version = MCP_VERSION_LATEST;
	o->client_capabilities = upstream_ask_caps();
	o->stateless = u->stateless;
}

/* The failure, logged, and the client's error for msg's id. */
static enum response_fail
upstream_failed(const struct upstream *u, const json_t *msg,
    enum response_fail f, const char *client_msg, struct upstream_result *r)
{
	const json_t	*id = json_object_get(msg, "id");
	const char	*method = jsonx_str(msg, "method");

	/* A client that went away is not the operator's business. */
	log_msg(f == RESPONSE_FAIL_CLIENT_GONE ? LOG_LVL_INFO : LOG_LVL_WARN,
	    MOD, "%s '%s' %s: %s: %s", u->target->transport ==
	    TARGET_STDIO ? "stdio" : "http", u->target->alias,
	    method != NULL ? method : "-", r->name, r->detail);
	r->fail = f;
	metrics_upstream_error(f);
	json_decref(r->response);
	r->response = id != NULL ? response_rpc_error(f, id, client_msg) :
	    NULL;
	return f;
}

/*
 * W3C Trace Context for the next hop: the request's trace (the client's
 * traceparent, or one begun for it: http/request.c) with a span id of
 * this call. http upstreams get the traceparent and tracestate headers;
 * a stdio child, which has no headers, gets them in the message's
 * params._meta ("traceparent", "tracestate": the OpenTelemetry MCP
 * semantic conventions), replacing any the client put there.
 */
static const char *
upstream_traceparent(const struct upstream *u,
    char tp[TRACECTX_PARENT_LEN + 1])
{
	return tracectx_next(&u->req->trace, tp) == 0 ? tp : NULL;
}

/* msg with params._meta.traceparent/tracestate: a NEW reference (msg
 * itself, incref'd, when there is nothing to add or memory is short). */
static json_t *
upstream_trace_meta(const struct upstream *u, const json_t *msg)
{
	char	 tp[TRACECTX_PARENT_LEN + 1];
	json_t	*out, *params, *meta;

	if (jsonx_str(msg, "method") == NULL ||
	    upstream_traceparent(u, tp) == NULL ||
	    (out = json_copy((json_t *)(uintptr_t)msg)) == NULL)
		return json_incref((json_t *)(uintptr_t)msg);
	params = json_object_get(msg, "params");
	params = json_is_object(params) ? json_copy(params) : json_object();
	meta = json_object_get(params, "_meta");
	meta = json_is_object(meta) ? json_copy(meta) : json_object();
	if (params == NULL || meta == NULL ||
	    json_object_set_new(meta, "traceparent", json_string(tp)) == -1 ||
	    (u->req->trace.state[0] != '\0' && json_object_set_new(meta,
	    "tracestate", json_string(u->req->trace.state)) == -1) ||
	    json_object_set_new(params, "_meta", meta) == -1 ||
	    json_object_set_new(out, "params", params) == -1) {
		json_decref(out);
		return json_incref((json_t *)(uintptr_t)msg);
	}
	return out;
}

/* The client's connection, watched while the call waits. */
static void
upstream_gone(const struct upstream *u, struct gone *g)
{
	gone_init(g, u->req->io);
	if (u->beat != NULL)
		gone_set_beat(g, u->beat, u->arg);
}

static enum response_fail
upstream_call_stdio(const struct upstream *u, const json_t *msg,
    struct upstream_result *r)
{
	struct upstream_stdio_spec	 spec;
	struct upstream_stdio_opts	 opts;
	struct upstream_stdio_info	 info;
	struct upstream_hook		 hook;
	enum upstream_stdio_err		 e;
	struct buf			 hide;
	struct gone			 gone;
	json_t				*traced;
	char				 why[LIMIT_STDIO_ERR + 32];

	buf_init(&hide, LIMIT_PATH * 2);
	upstream_target_stdio(u->target, &spec);
	upstream_stdio_opts_of(u, &opts, &hide);
	upstream_gone(u, &gone);
	opts.gone = &gone;
	upstream_stdio_info_init(&info);
	traced = upstream_trace_meta(u, msg);
	memset(&hook, 0, sizeof(hook));
	hook.u = u;
	hook.deadline = clock_mono_ms() + (opts.deadline_ms > 0 ?
	    opts.deadline_ms : LIMIT_STDIO_DEADLINE_MS);
	e = upstream_stdio_call(&spec, &opts, traced, upstream_stdio_event,
	    &hook, &r->response, &info);
	json_decref(traced);
	r->ms = info.ms;
	snprintf(r->version, sizeof(r->version), "%s", info.protocol_version);
	r->name = upstream_stdio_strerror(e);
	snprintf(r->detail, sizeof(r->detail), "%s", info.detail);
	/* info.reason is fit for the client (the disk quota); info.detail
	 * is for the operator log only. */
	snprintf(why, sizeof(why), "%s%s%s", r->name,
	    info.reason[0] != '\0' ? ": " : "", info.reason);
	upstream_stdio_info_release(&info);
	buf_release(&hide);
	if (e != UPSTREAM_STDIO_OK)
		return upstream_failed(u, msg, upstream_fail_stdio(e), why, r);
	return RESPONSE_FAIL_NONE;
}

/* initialize: the client's own params (capabilities, clientInfo) with
 * the version negotiated by the platform. */
static enum upstream_http_err
upstream_http_init(struct upstream_hook *h, struct upstream_http_opts *o,
    const json_t *msg, struct upstream_http_result *res)
{
	const struct upstream	*u = h->u;
	enum upstream_http_err	 e;
	json_t			*params;

	o->protocol_version = u->version;
	params = json_deep_copy(json_object_get(msg, "params"));
	if (!json_is_object(params)) {
		json_decref(params);
		params = json_object();
	}
	json_object_set_new(params, "protocolVersion",
	    json_string(u->version));
	e = upstream_http_initialize(o, params, upstream_http_event, h, res);
	json_decref(params);
	return e;
}

static enum response_fail
upstream_call_http(const struct upstream *u, const json_t *msg,
    struct upstream_result *r)
{
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS];
	struct upstream_http_opts	 opts;
	struct upstream_http_result	 res;
	struct buf			 body;
	struct gone			 gone;
	struct upstream_hook		 hook;
	enum upstream_http_err		 e;
	const json_t			*id = json_object_get(msg, "id");
	const char			*method = jsonx_str(msg, "method");
	char				 tp[TRACECTX_PARENT_LEN + 1];
	double				 t0;
	int				 init, later;

	init = method != NULL && strcmp(method, "initialize") == 0;
	upstream_target_http(u->target, hs, &opts);
	opts.protocol_version = u->version;
	opts.session_id = u->session_id;
	opts.traceparent = upstream_traceparent(u, tp);
	opts.tracestate = u->req->trace.state;
	opts.forward = u->forward;
	opts.n_forward = u->n_forward;
	opts.position = u->position;
	upstream_gone(u, &gone);
	opts.gone = &gone;
	memset(&hook, 0, sizeof(hook));
	hook.u = u;
	hook.opts = &opts;
	hook.deadline = clock_mono_ms() +
	    (uint64_t)upstream_http_timeout(&opts);
	upstream_http_result_init(&res);
	buf_init(&body, LIMIT_RESPONSE_BODY);
	t0 = request_elapsed_ms(u->req);
	if (init) {
		e = upstream_http_init(&hook, &opts, msg, &res);
		snprintf(r->version, sizeof(r->version), "%s",
		    res.protocol_version);
	} else if (jsonx_dumpb(&body, msg) == -1) {
		e = UPSTREAM_HTTP_INTERNAL;
		t0 = -1;
	} else {
		e = upstream_http_call(&opts, body.data, body.len,
		    upstream_http_event, &hook, &res);
		snprintf(r->version, sizeof(r->version), "%s",
		    u->version != NULL ? u->version : "");
	}
	/* Put off for the client (UPSTREAM_ASK_LATER): no answer, and no
	 * failure either. */
	later = e == UPSTREAM_HTTP_ABORTED && hook.later;
	if (t0 >= 0)
		r->ms = request_elapsed_ms(u->req) - t0;
	r->name = upstream_http_strerror(later ? UPSTREAM_HTTP_OK : e);
	snprintf(r->detail, sizeof(r->detail), "%s", res.detail);
	if (init && e == UPSTREAM_HTTP_OK && json_is_object(res.json)) {
		r->response = json_deep_copy(res.json);
		json_object_set(r->response, "id", (json_t *)(uintptr_t)id);
		snprintf(r->session_id, sizeof(r->session_id), "%s",
		    res.session_id);
	} else if (!init && (e == UPSTREAM_HTTP_OK || later)) {
		if (!later && id != NULL && res.json != NULL)
			r->response = json_incref(res.json);
	} else
		/* An initialize answered without a result object is not
		 * MCP: a bad response, whatever the transport said. */
		upstream_failed(u, msg, upstream_fail_http(
		    e == UPSTREAM_HTTP_OK ? UPSTREAM_HTTP_BAD_RESPONSE : e),
		    res.msg[0] != '\0' ? res.msg : r->name, r);
	buf_release(&body);
	upstream_http_result_release(&res);
	return r->fail;
}

enum response_fail
upstream_call(const struct upstream *u, const json_t *msg,
    struct upstream_result *r)
{
	upstream_result_release(r);
	if (u->target->transport == TARGET_STDIO)
		return upstream_call_stdio(u, msg, r);
	return upstream_call_http(u, msg, r);
}

void
upstream_forget(const struct upstream *u)
{
	struct upstream_stdio_spec	 spec;
	struct upstream_stdio_opts	 opts;
	struct buf			 hide;

	if (u->target->transport != TARGET_STDIO)
		return;
	buf_init(&hide, LIMIT_PATH * 2);
	upstream_target_stdio(u->target, &spec);
	upstream_stdio_opts_of(u, &opts, &hide);
	upstream_stdio_pool_forget(&spec, &opts);
	buf_release(&hide);
}

void
upstream_end(const struct upstream *u)
{
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS];
	struct upstream_http_opts	 opts;
	struct upstream_http_result	 res;
	enum upstream_http_err		 e;
	char				 tp[TRACECTX_PARENT_LEN + 1];

	if (u->target->transport != TARGET_HTTP || u->session_id == NULL ||
	    u->session_id[0] == '\0')
		return;
	upstream_target_http(u->target, hs, &opts);
	opts.protocol_version = u->version;
	opts.session_id = u->session_id;
	opts.traceparent = upstream_traceparent(u, tp);
	opts.tracestate = u->req->trace.state;
	upstream_http_result_init(&res);
	e = upstream_http_delete(&opts, &res);
	if (e != UPSTREAM_HTTP_OK && e != UPSTREAM_HTTP_SESSION_GONE)
		log_warn(MOD, "http '%s' DELETE: %s: %s", u->target->alias,
		    upstream_http_strerror(e), res.detail);
	upstream_http_result_release(&res);
}

/* The listen stream's messages, to u->relay, counted against the bound. */
struct upstream_listen_ctx {
	const struct upstream	*u;
	size_t			 n;
};

static int
upstream_listen_event(void *arg, const char *data, size_t len,
    const json_t *msg)
{
	struct upstream_listen_ctx	*l = arg;

	(void)data;
	(void)len;
	if (msg == NULL || l->u->relay == NULL)
		return 0;
	l->u->relay(l->u->arg, msg);
	/* A resumed call's stream has done its work with the answer: the
	 * upstream may keep it open, the client need not wait on it. */
	if (l->u->last_event_id != NULL && jsonx_str(msg, "method") ==
	    NULL && json_object_get(msg, "id") != NULL)
		return -1;
	return ++l->n >= LIMIT_LISTEN_NOTIFICATIONS ? -1 : 0;
}

int
upstream_listen(const struct upstream *u, struct upstream_result *r)
{
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS];
	struct upstream_http_opts	 opts;
	struct upstream_http_result	 res;
	struct upstream_listen_ctx	 l = { u, 0 };
	struct gone			 gone;
	enum upstream_http_err		 e;
	char				 tp[TRACECTX_PARENT_LEN + 1];
	double				 t0;
	int				 rc, tries;

	upstream_result_release(r);
	if (u->target->transport != TARGET_HTTP || u->session_id == NULL ||
	    u->session_id[0] == '\0')
		return -1;
	upstream_target_http(u->target, hs, &opts);
	/* Bounded: the lower of the platform's bound and the server's own
	 * timeout (a worker held by a stream serves no one else). */
	if (opts.timeout_ms <= 0 || opts.timeout_ms > LIMIT_LISTEN_MS)
		opts.timeout_ms = LIMIT_LISTEN_MS;
	opts.protocol_version = u->version;
	opts.session_id = u->session_id;
	opts.traceparent = upstream_traceparent(u, tp);
	opts.tracestate = u->req->trace.state;
	opts.position = u->position;
	opts.last_event_id = u->last_event_id;
	upstream_gone(u, &gone);
	opts.gone = &gone;
	upstream_http_result_init(&res);
	t0 = request_elapsed_ms(u->req);
	for (tries = 0;; tries++) {
		e = upstream_http_listen(&opts, upstream_listen_event, &l, &res);
		/* A stream resumed while the upstream still holds it open
		 * (409): the platform's own connection for a client that left,
		 * which its worker closes once it sees the client gone (at its
		 * next beat). */
		if (u->last_event_id == NULL || e != UPSTREAM_HTTP_STATUS ||
		    res.status != 409 || l.n > 0 || gone.gone ||
		    tries >= LIMIT_RESUME_CONFLICT_TRIES)
			break;
		clock_sleep_ms(LIMIT_GONE_BEAT_MS);
		upstream_http_result_release(&res);
		upstream_http_result_init(&res);
	}
	r->ms = request_elapsed_ms(u->req) - t0;
	r->name = upstream_http_strerror(e);
	snprintf(r->detail, sizeof(r->detail), "%s", res.detail);
	snprintf(r->version, sizeof(r->version), "%s",
	    u->version != NULL ? u->version : "");
	/* The bound, the count, the client gone, or the upstream ending
	 * a stream it had opened: the stream's normal ends. Anything else
	 * (405: the upstream has no such stream) means none. */
	rc = e == UPSTREAM_HTTP_TIMEOUT || e == UPSTREAM_HTTP_ABORTED ||
	    e == UPSTREAM_HTTP_CANCELLED || e == UPSTREAM_HTTP_OK ||
	    l.n > 0 || gone.gone || (e == UPSTREAM_HTTP_BAD_RESPONSE &&
	    res.status == 200) ? 0 : -1;
	upstream_http_result_release(&res);
	return rc;
}
