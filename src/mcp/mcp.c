/*
 * mcp.c -- the MCP endpoint; see mcp.h for the request path.
 *
 * Specification references are to the MCP revisions' "Transports" page
 * (Streamable HTTP) unless said otherwise.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "auth/auth.h"
#include "mcp/admit.h"
#include "mcp/bridge_modern.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/mcp.h"
#include "mcp/modern.h"
#include "mcp/protocol.h"
#include "mcp/rendezvous.h"
#include "product_limits.h"
#include "mcp/pins.h"
#include "mcp/policy.h"
#include "log/reqlog.h"
#include "http/request.h"
#include "store/apikey.h"
#include "store/ended.h"
#include "store/limitsync.h"
#include "store/resolve.h"
#include "http/response.h"
#include "mcp/session.h"
#include "store/target.h"
#include "mcp/upstream.h"
#include "mcp/upstream_stdio.h"
#include "uuid.h"

#define MOD	"mcp"

/* What a client must accept (MCP transports: "MUST include an Accept
 * header, listing both application/json and text/event-stream"). */
static const char *const mcp_accept[] = {
	"application/json", "text/event-stream", NULL,
};

enum mcp_kind {
	MCP_KIND_REQUEST,
	MCP_KIND_NOTIFICATION,
	MCP_KIND_RESPONSE
};

/*
 * One POST or DELETE, from the bounds to the log record: each step reads
 * what the steps before it left here, and the record is written from it
 * once, at the end (mcp_log).
 */
struct mcp_ctx {
	struct request		*req;
	int			 rc;		/* the handler's return */

	/* identity: the path's names, the caller */
	char			 tenant[LIMIT_SLUG + 1];
	char			 server[LIMIT_SLUG + 1];
	int			 have_names;
	struct principal	 who;
	int			 have_who;

	/* target */
	json_t			*resolved;	/* shared with the cache */
	struct target		 target;
	int			 have_target;

	/* session */
	struct session		 sess;
	int			 have_sess;
	char			 version[LIMIT_PROTOCOL_VERSION + 1];

	/* the exchange */
	json_t			*body;		/* the parsed request */
	json_t			*answers;	/* what the client got, for
						   the record */
	struct buf		 sent;		/* their JSON body as sent
						   (mcp_respond): the record
						   reuses it */
	int			 batch;		/* 2025-03-26 JSON array */
	int			 init;		/* a lone initialize */
	int			 sse;		/* text/event-stream begun */
	int			 modern;	/* MCP 2026-07-28 (modern.h) */
	int			 version_unknown; /* an unknown version header
						   left to the body's era */
	int			 no_waiter;	/* a reply nobody waits for */
	unsigned		 client_caps;	/* initialize: MCP_CAP_* the
						   client declared */
	char			 caller[LIMIT_SLUG + 80]; /* "<kind>:<id>" */

	/* upstream */
	double			 upstream_ms;	/* summed over a batch; < 0:
						   no upstream call */
	char			 upstream_version[LIMIT_PROTOCOL_VERSION + 1];
	struct upstream_http_position pos;	/* a legacy http upstream's
						   stream, for resumable
						   event ids */
	int			 resumable;	/* the client's events carry
						   ids (session.h) */

	/* record */
	const char		*log_session;	/* the session id answered
						   under, or NULL */
	char			 new_session[LIMIT_SESSION_ID + 1];
	int			 jsonrpc_error;	/* the platform's own */
};

static void
mcp_ctx_init(struct mcp_ctx *c, struct request *req)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	buf_init(&c->sent, LIMIT_RESPONSE_BODY);
	session_init(&c->sess);
	c->upstream_ms = -1;
}

static void
mcp_ctx_release(struct mcp_ctx *c)
{
	admit_release();	/* the limits' in-flight places */
	json_decref(c->answers);
	buf_release(&c->sent);
	json_decref(c->body);
	json_decref(c->resolved);
	if (c->have_target)
		target_release(&c->target);
	session_release(&c->sess);
}

/* The platform's JSON-RPC error as the whole answer (before any SSE):
 * response.c gives the status and code of f. */
static int
mcp_fail(struct mcp_ctx *c, enum response_fail f, const json_t *id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
mcp_fail(struct mcp_ctx *c, enum response_fail f, const json_t *id,
    const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	response_fail_map(f, &c->jsonrpc_error, NULL);
	return response_rpc_fail(c->req, f, id, "%s", msg);
}

static enum session_caller_kind
mcp_caller_kind(const struct principal *p)
{
	return p->kind == PRINCIPAL_API_KEY ? SESSION_CALLER_API_KEY :
	    SESSION_CALLER_USER;
}

static const char *
mcp_caller_id(const struct principal *p)
{
	return p->kind == PRINCIPAL_API_KEY ? p->api_key_id : p->sub;
}

/* ---- bound, authenticate, resolve ------------------------------------- */

static int
mcp_names(struct mcp_ctx *c, const struct route_params *params)
{
	if (params->n != 2 || params->v[0].len > LIMIT_SLUG ||
	    params->v[1].len > LIMIT_SLUG)
		return -1;
	memcpy(c->tenant, params->v[0].p, params->v[0].len);
	c->tenant[params->v[0].len] = '\0';
	memcpy(c->server, params->v[1].p, params->v[1].len);
	c->server[params->v[1].len] = '\0';
	c->have_names = 1;
	return 0;
}

/* Bound (DESIGN 3.1), before the caller is even known; post: the body's
 * media types too. 0, or replied. */
static int
mcp_bound(struct mcp_ctx *c, const struct route_params *params, int post)
{
	struct request		*req = c->req;
	enum response_fail	 f;
	char			 why[256];

	if (mcp_names(c, params) == -1) {
		c->rc = response_error(req, 404, NULL, "no such MCP server");
		return -1;
	}
	if (post && (f = request_bound_media(req, "application/json",
	    mcp_accept, why, sizeof(why))) != RESPONSE_FAIL_NONE) {
		c->rc = mcp_fail(c, f, NULL, "%s", why);
		return -1;
	}
	/* Sessions are signed with the master key: without one no session
	 * can be issued, so say so before any upstream is started. */
	if (req->cfg->master_key.len == 0) {
		log_error(MOD, "master_key_file is not configured: the MCP "
		    "endpoint cannot issue sessions");
		response_error(req, 503, NULL, "MCP endpoint not configured");
		return -1;
	}
	/* An unknown MCP-Protocol-Version with Mcp-Method, which only
	 * modern clients send: the body decides (modern.h: -32022 or
	 * -32020 with the request's id); a legacy body gets the legacy
	 * refusal then (mcp_exchange). */
	c->version_unknown = post && req->protocol_version != NULL &&
	    !mcp_version_known(req->protocol_version) &&
	    request_env(req, "HTTP_MCP_METHOD") != NULL;
	if (c->version_unknown && request_origin_allowed(req))
		return 0;
	if ((f = request_bound_client(req, mcp_version_known, why,
	    sizeof(why))) != RESPONSE_FAIL_NONE) {
		mcp_fail(c, f, NULL, "%s", why);
		return -1;
	}
	return 0;
}

/*
 * An API key's own limits (docs/authentication.md "API keys"), for a
 * raw key or a platform token alike, judged on the key as the store has
 * it now (apikey.c, cached for config_ttl, so a revoked key's tokens stop
 * too): another tenant's key is 404 as an unknown tenant is; a key
 * without mcp:call, or whose server list lacks this alias, is 403.
 * 0, or replied.
 */
static int
mcp_key_allowed(struct mcp_ctx *c, const struct apikey_info *k)
{
	if (strcmp(k->tenant_slug, c->tenant) != 0) {
		response_error(c->req, 404, NULL, "no such MCP server");
		return -1;
	}
	if (!apikey_has_scope(k, "mcp:call")) {
		log_info(MOD, "api key %s lacks mcp:call", k->id);
		mcp_fail(c, RESPONSE_FAIL_FORBIDDEN, NULL, "this API key "
		    "lacks the 'mcp:call' scope");
		return -1;
	}
	if (!apikey_allows_server(k, c->server)) {
		log_info(MOD, "api key %s is not for '%s'", k->id, c->server);
		mcp_fail(c, RESPONSE_FAIL_FORBIDDEN, NULL, "this API key may "
		    "not reach server '%s'", c->server);
		return -1;
	}
	apikey_used(k->id);
	return 0;
}

/*
 * The caller: a bearer that starts "mcpk_" is an API key itself
 * (apikey.c), anything else a JWT (auth.c); the key behind a platform
 * token is checked live too. 0, or replied.
 */
static int
mcp_authenticate(struct mcp_ctx *c)
{
	struct apikey_info	 k;
	const char		*tok;
	char			 why[AUTH_WHY_MAX];
	size_t			 len;
	int			 rc, keyed = 0;

	if (auth_bearer(c->req->authorization, &tok, &len) == 0 &&
	    apikey_looks_like(tok, len)) {
		keyed = 1;
		if ((rc = apikey_authenticate(c->req->cfg, tok, len, &k, why,
		    sizeof(why))) == 0)
			apikey_principal(&k, &c->who);
	} else if ((rc = auth_authenticate(c->req, &c->who, why,
	    sizeof(why))) == 0 && c->who.kind == PRINCIPAL_API_KEY) {
		keyed = 1;
		rc = apikey_check_id(c->req->cfg, c->who.api_key_id, &k, why,
		    sizeof(why));
	}
	/* auth_authenticate() logs its own reasons; a key's are logged
	 * here, never a byte of the key. 401 carries the RFC 9728
	 * challenge, 503 (nothing to check against) does not. */
	if (rc != 0) {
		if (keyed)
			log_info(MOD, "api key refused: %s", why);
		memset(&c->who, 0, sizeof(c->who));
		auth_reject(c->req, rc, c->tenant, strlen(c->tenant),
		    c->server, strlen(c->server));
		return -1;
	}
	c->have_who = 1;
	if (c->who.kind == PRINCIPAL_API_KEY && mcp_key_allowed(c, &k) == -1)
		return -1;
	return 0;
}

/* The target (resolve.c, target.c): 0, or replied. */
static int
mcp_resolve(struct mcp_ctx *c)
{
	char	 err[256];
	int	 rc;

	/* c->resolved is shared with the resolve cache: read-only. */
	rc = resolve_target(c->req, &c->who, c->tenant, strlen(c->tenant),
	    c->server, strlen(c->server), &c->resolved);
	if (rc == 404) {
		/* Unknown tenant, unknown server and "not a member" look
		 * the same: existence is not leaked (DESIGN 3.3). */
		response_error(c->req, 404, NULL, "no such MCP server");
		return -1;
	}
	/* An OAuth client: not granted here (403 insufficient_scope), or
	 * its session ended (401 invalid_token). */
	if (rc == 403 || rc == 401) {
		log_info(MOD, "oauth client refused on '%s/%s': %s", c->tenant,
		    c->server, rc == 403 ? "not granted" : "session ended");
		if (rc == 403)
			auth_reject_scope(c->req, c->tenant, strlen(c->tenant),
			    c->server, strlen(c->server), "the user did not "
			    "grant this client this tenant and server");
		else
			auth_reject(c->req, 401, c->tenant, strlen(c->tenant),
			    c->server, strlen(c->server));
		return -1;
	}
	if (rc != 0) {
		response_error(c->req, 503, NULL,
		    "configuration store unavailable");
		return -1;
	}
	target_init(&c->target);
	c->have_target = 1;
	if (target_from_json(c->resolved, c->req->cfg, &c->target, err,
	    sizeof(err)) == -1) {
		log_warn(MOD, "'/mcp/%s/%s' not usable: %s", c->tenant,
		    c->server, err);
		/* A missing setting/secret is the tenant's to fix: say which.
		 * Anything else (bad master key, bad catalog) is the
		 * operator's, and stays in the operator log. */
		if (c->target.error == TARGET_MISSING)
			mcp_fail(c, RESPONSE_FAIL_NOT_CONFIGURED, NULL,
			    "server not configured for this tenant: %s", err);
		else
			mcp_fail(c, RESPONSE_FAIL_NOT_CONFIGURED, NULL,
			    "server not configured for this tenant");
		return -1;
	}
	return 0;
}

/* The request's Mcp-Session-Id (session.c): 0 (c->sess set), or
 * replied. */
static int
mcp_session(struct mcp_ctx *c)
{
	const struct config	*cfg = c->req->cfg;
	const char		*id = c->req->session_id;
	enum session_status	 st;

	if (id == NULL || *id == '\0') {
		/* "Servers that require a session ID SHOULD respond to
		 * requests without one with HTTP 400 Bad Request." */
		mcp_fail(c, RESPONSE_FAIL_SESSION_REQUIRED, NULL,
		    "Mcp-Session-Id header is required");
		return -1;
	}
	st = session_verify(cfg->master_key.data, cfg->master_key.len, id,
	    strlen(id), time(NULL), (unsigned)cfg->session_max_age, &c->sess);
	if (st != SESSION_OK || !session_matches(&c->sess,
	    c->target.tenant_id, c->target.alias, mcp_caller_kind(&c->who),
	    mcp_caller_id(&c->who)) || ended_check(cfg, id)) {
		/* Unknown, expired, ended or another caller's: the client
		 * must start a new session (404, MCP transports). */
		if (st != SESSION_OK)
			log_info(MOD, "session refused: %s",
			    session_strerror(st));
		mcp_fail(c, RESPONSE_FAIL_SESSION_UNKNOWN, NULL,
		    "session not found");
		return -1;
	}
	c->have_sess = 1;
	snprintf(c->version, sizeof(c->version), "%s",
	    c->req->protocol_version != NULL ? c->req->protocol_version :
	    c->sess.protocol_version);
	c->log_session = id;
	return 0;
}

/* ---- the exchange ------------------------------------------------------ */

/* The client's id for the upstream stream's position (session.h), or
 * NULL when its events carry none. */
static const char *
mcp_event_id(struct mcp_ctx *c, char out[SESSION_EVENT_ID_MAX])
{
	const struct config	*cfg = c->req->cfg;

	if (!c->resumable || c->pos.id[0] == '\0' ||
	    session_event_seal(cfg->master_key.data, cfg->master_key.len,
	    c->req->session_id, c->pos.id, out, SESSION_EVENT_ID_MAX) == -1)
		return NULL;
	return out;
}

/* The event stream begun, once: primed with an event id and "retry:"
 * when the upstream's stream can be resumed (MCP 2025-11-25
 * "Resumability and Redelivery": a client that loses it reconnects with
 * GET and Last-Event-ID, mcp_get). */
static int
mcp_sse_start(struct mcp_ctx *c)
{
	char		 eid[SESSION_EVENT_ID_MAX];
	const char	*id;

	if (c->sse)
		return 0;
	if (response_sse_begin(c->req, 200) == -1)
		return -1;
	c->sse = 1;
	if ((id = mcp_event_id(c, eid)) == NULL)
		return 0;
	return response_sse_prime(c->req, id, c->pos.retry_ms > 0 ?
	    c->pos.retry_ms : LIMIT_SSE_RETRY_MS);
}

/* Send one JSON-RPC message to the client as an SSE event, beginning the
 * event stream when it is the first. */
static int
mcp_sse_send(struct mcp_ctx *c, const json_t *msg)
{
	struct buf	 b;
	char		 eid[SESSION_EVENT_ID_MAX];
	int		 rc = -1;

	if (mcp_sse_start(c) == -1)
		return -1;
	buf_init(&b, LIMIT_RESPONSE_BODY);
	if (jsonx_dumpb(&b, msg) == 0)
		rc = response_sse_event_id(c->req, mcp_event_id(c, eid),
		    b.data, b.len);
	buf_release(&b);
	return rc;
}

/* The upstream's notifications (progress, logging), as they happen. */
static void
mcp_relay(void *arg, const json_t *msg)
{
	mcp_sse_send(arg, msg);
}

/* While the upstream works: an SSE comment, so a client that went away
 * is noticed (http/gone.h). The stream begins with the first one. */
static int
mcp_beat(void *arg)
{
	struct mcp_ctx	*c = arg;

	if (mcp_sse_start(c) == -1)
		return -1;
	if (response_write(c->req, ":\n\n", 3) == -1)
		return -1;
	return response_flush(c->req);
}

/* A modern upstream's call for this exchange (bridge_modern.h). */
static void
mcp_bridge_of(struct mcp_ctx *c, struct bridge_modern *b)
{
	snprintf(c->caller, sizeof(c->caller), "%d:%s",
	    (int)mcp_caller_kind(&c->who), mcp_caller_id(&c->who));
	bridge_modern_init(b);
	b->req = c->req;
	b->target = &c->target;
	b->caller = c->caller;
	b->relay = mcp_relay;
	b->arg = c;
}

/* A legacy client's message on a modern upstream: 1 (answered, *resp and
 * *status set), or 0 for a legacy upstream. */
static int
mcp_bridged(struct mcp_ctx *c, const json_t *msg, json_t **resp,
    int *status)
{
	struct bridge_modern	 b;
	int			 rc;

	mcp_bridge_of(c, &b);
	b.legacy_caps = c->have_sess ? c->sess.client_caps : 0;
	if (c->have_sess) {
		b.session_id = c->req->session_id;
		b.session_expires = c->sess.issued_at +
		    (time_t)c->req->cfg->session_max_age;
	}
	if (json_object_get(msg, "id") != NULL &&
	    json_object_get(msg, "method") != NULL)
		b.beat = mcp_beat;
	if ((rc = bridge_modern_legacy(&b, msg, resp)) == 1) {
		*status = b.status;
		if (b.ms >= 0)
			c->upstream_ms = (c->upstream_ms < 0 ? 0 :
			    c->upstream_ms) + b.ms;
		snprintf(c->upstream_version, sizeof(c->upstream_version),
		    "%s", MCP_VERSION_MODERN);
	}
	return rc;
}

/*
 * One message through the upstream (upstream.c): the answer (a NEW
 * reference: the upstream's result/error, or the platform's error with
 * the client's id), or NULL for a notification/response. *status is the
 * HTTP status to use should this be the whole answer; r->session_id
 * holds an http upstream's session after initialize.
 */
static json_t *
mcp_forward(struct mcp_ctx *c, const json_t *msg, int *status,
    struct upstream_result *r)
{
	struct upstream		 u;
	struct rendezvous_client rc;
	enum response_fail	 f;
	json_t			*resp;

	memset(&u, 0, sizeof(u));
	u.req = c->req;
	u.target = &c->target;
	u.version = c->version[0] != '\0' ? c->version : NULL;
	u.session_id = c->have_sess && c->sess.upstream[0] != '\0' ?
	    c->sess.upstream : NULL;
	u.relay = mcp_relay;
	/* A stream of an http upstream's session can be resumed from
	 * another request (mcp_get): its events get ids. */
	if (u.session_id != NULL && c->target.transport == TARGET_HTTP) {
		c->resumable = 1;
		u.position = &c->pos;
	}
	/* Requests only, and not initialize: its answer's headers carry
	 * the session. */
	if (!c->init && json_object_get(msg, "id") != NULL)
		u.beat = mcp_beat;
	u.arg = c;
	/* A stdio child's requests for the client: on this POST's stream,
	 * the reply through the rendezvous (rendezvous.h). An http
	 * upstream's are relayed on the stream as they are, and the
	 * client's reply forwarded to it in a POST of its own. */
	memset(&rc, 0, sizeof(rc));
	rc.data_dir = c->req->cfg->data_dir;
	rc.tenant_id = c->target.tenant_id;
	rc.session_id = c->req->session_id;
	rc.call_id = json_object_get(msg, "id");
	rc.relay = mcp_relay;
	rc.arg = c;
	rc.caps = c->have_sess ? c->sess.client_caps : 0;
	if (c->have_sess && rc.call_id != NULL &&
	    c->target.transport == TARGET_STDIO) {
		u.ask = rendezvous_ask;
		u.ask_arg = &rc;
	}
	f = upstream_call(&u, msg, r);
	if (rc.cancelled) {
		/* "Receivers ... SHOULD NOT send a response for the
		 * cancelled request" (MCP cancellation). */
		json_decref(r->response);
		r->response = NULL;
	}
	if (r->ms >= 0)
		c->upstream_ms = (c->upstream_ms < 0 ? 0 : c->upstream_ms) +
		    r->ms;
	if (r->version[0] != '\0')
		snprintf(c->upstream_version, sizeof(c->upstream_version),
		    "%s", r->version);
	*status = 200;
	if (f != RESPONSE_FAIL_NONE)
		response_fail_map(f, NULL, status);
	resp = r->response;
	r->response = NULL;
	return resp;
}

/* A stdio upstream's reply or cancel for a call parked on this node
 * (rendezvous.h): 0 handed over, else not. */
static int
mcp_rendezvous(struct mcp_ctx *c, const json_t *m)
{
	if (c->target.transport != TARGET_STDIO || !c->have_sess)
		return 1;
	return rendezvous_deliver(c->req->cfg->data_dir, c->target.tenant_id,
	    c->req->session_id, m);
}

/* The same for a message whose answer is not wanted. */
static void
mcp_forward_only(struct mcp_ctx *c, const json_t *msg)
{
	struct upstream_result	 r;
	json_t			*resp;
	int			 st;

	if (mcp_bridged(c, msg, &resp, &st) == 1) {
		json_decref(resp);
		return;
	}
	upstream_result_init(&r);
	json_decref(mcp_forward(c, msg, &st, &r));
	upstream_result_release(&r);
}

/* Sign the session an initialize opens into sid: 0 or -1. */
static int
mcp_session_issue(struct mcp_ctx *c, const char *upstream_sid, char *sid,
    size_t sidlen)
{
	const struct config	*cfg = c->req->cfg;
	struct session		 s;
	int			 rc;

	session_init(&s);
	snprintf(s.upstream, sizeof(s.upstream), "%s", upstream_sid);
	snprintf(s.tenant, sizeof(s.tenant), "%s", c->target.tenant_id);
	snprintf(s.server, sizeof(s.server), "%s", c->target.alias);
	s.caller_kind = mcp_caller_kind(&c->who);
	snprintf(s.caller_id, sizeof(s.caller_id), "%s",
	    mcp_caller_id(&c->who));
	snprintf(s.protocol_version, sizeof(s.protocol_version), "%s",
	    c->version);
	s.issued_at = time(NULL);
	s.client_caps = (unsigned char)c->client_caps;
	rc = session_nonce(&s);
	if (rc == 0)
		rc = session_sign(cfg->master_key.data, cfg->master_key.len, &s,
		    sid, sidlen);
	session_release(&s);
	return rc;
}

/* initialize: negotiate, handshake upstream, sign the session. The
 * answer the client got goes into c->answers, for the record. */
static int
mcp_initialize(struct mcp_ctx *c, const json_t *msg)
{
	const json_t		*id = json_object_get(msg, "id");
	const char		*asked;
	struct upstream_result	 r;
	struct bridge_modern	 b;
	json_t			*resp, *result;
	int			 status, rc = -1;

	/* "If the server supports the requested protocol version, it MUST
	 * respond with the same version. Otherwise, the server MUST respond
	 * with another protocol version it supports" (lifecycle). */
	asked = jsonx_str(json_object_get(msg, "params"), "protocolVersion");
	c->client_caps = mcp_client_caps(json_object_get(json_object_get(msg,
	    "params"), "capabilities"));
	snprintf(c->version, sizeof(c->version), "%s",
	    asked != NULL && mcp_version_supported(asked) ? asked :
	    MCP_VERSION_LATEST);
	upstream_result_init(&r);
	mcp_bridge_of(c, &b);
	if ((resp = bridge_modern_legacy_initialize(&b, msg, c->version)) !=
	    NULL) {
		/* A modern upstream: answered from its discover, no
		 * upstream session (every call is stateless). */
		status = 200;
		c->upstream_ms = b.ms;
		snprintf(c->upstream_version, sizeof(c->upstream_version),
		    "%s", MCP_VERSION_MODERN);
	} else
		resp = mcp_forward(c, msg, &status, &r);
	if (resp == NULL) {
		rc = mcp_fail(c, RESPONSE_FAIL_INTERNAL, id, "internal error");
		goto out;
	}
	result = json_object_get(resp, "result");
	if (!json_is_object(result)) {
		/* The upstream refused or failed: no session. */
		rc = c->sse ? mcp_sse_send(c, resp) :
		    response_json(c->req, status, resp);
		json_array_append(c->answers, resp);
		goto out;
	}
	json_object_set_new(result, "protocolVersion",
	    json_string(c->version));
	/* A legacy upstream's notifications outside a request cannot reach
	 * the client when no GET stream can carry them (a stdio child, or
	 * an http upstream that gave no session): not advertised. */
	if ((c->upstream_version[0] == '\0' ||
	    !mcp_version_modern(c->upstream_version)) &&
	    (c->target.transport == TARGET_STDIO || r.session_id[0] == '\0'))
		bridge_caps_undeliverable(json_object_get(result,
		    "capabilities"), 0);
	if (mcp_session_issue(c, r.session_id, c->new_session,
	    sizeof(c->new_session)) == -1) {
		rc = mcp_fail(c, RESPONSE_FAIL_INTERNAL, id,
		    "cannot issue a session");
		goto out;
	}
	json_array_append(c->answers, resp);
	if (c->sse) {
		/* Headers are gone already: an initialize answered on a
		 * stream cannot carry the session. Upstreams do not stream
		 * initialize in practice; say so rather than hide it. */
		log_warn(MOD, "'%s' streamed its initialize answer",
		    c->server);
		rc = mcp_sse_send(c, resp);
		goto out;
	}
	response_header(c->req, "Mcp-Session-Id", c->new_session);
	c->log_session = c->new_session;
	rc = response_json(c->req, 200, resp);
out:
	json_decref(resp);
	upstream_result_release(&r);
	return rc;
}

/* Classify a message (JSON-RPC 2.0 section 4/5); -1 when invalid. */
static int
mcp_classify(const json_t *m, const char **why)
{
	const json_t	*id, *method;

	if (!json_is_object(m)) {
		*why = "message is not a JSON object";
		return -1;
	}
	if (!json_is_string(json_object_get(m, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(m, "jsonrpc")),
	    "2.0") != 0) {
		*why = "jsonrpc must be \"2.0\"";
		return -1;
	}
	id = json_object_get(m, "id");
	/* MCP: ids are strings or integers, never null. */
	if (id != NULL && !json_is_string(id) && !json_is_integer(id)) {
		*why = "id must be a string or an integer";
		return -1;
	}
	method = json_object_get(m, "method");
	if (method != NULL) {
		if (!json_is_string(method) ||
		    json_string_length(method) == 0) {
			*why = "method must be a non-empty string";
			return -1;
		}
		if (json_object_get(m, "params") != NULL &&
		    !json_is_object(json_object_get(m, "params")) &&
		    !json_is_array(json_object_get(m, "params"))) {
			*why = "params must be an object";
			return -1;
		}
		return id != NULL ? MCP_KIND_REQUEST : MCP_KIND_NOTIFICATION;
	}
	if (id != NULL && (json_object_get(m, "result") != NULL) !=
	    (json_object_get(m, "error") != NULL))
		return MCP_KIND_RESPONSE;
	*why = "not a request, notification or response";
	return -1;
}

/* One request: policy, local answers, or the upstream. */
static json_t *
mcp_request(struct mcp_ctx *c, const json_t *msg, int *status)
{
	const json_t		*id = json_object_get(msg, "id");
	const char		*method = jsonx_str(msg, "method");
	struct upstream_result	 r;
	json_t			*resp;
	char			 why[256];

	*status = 200;
	if (strcmp(method, "initialize") == 0) {
		response_fail_map(RESPONSE_FAIL_INVALID, NULL, status);
		return response_rpc_error(RESPONSE_FAIL_INVALID, id,
		    "initialize must be sent alone, without a session");
	}
	if (strcmp(method, "ping") == 0)
		return json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id",
		    (json_t *)(uintptr_t)id, "result");
	if (policy_check_request(&c->target, msg, why, sizeof(why)) == -1 ||
	    pins_check_call(c->req, &c->target, msg, why, sizeof(why)) == -1)
		return response_rpc_error(RESPONSE_FAIL_POLICY, id, why);
	if (mcp_bridged(c, msg, &resp, status) == 0) {
		upstream_result_init(&r);
		resp = mcp_forward(c, msg, status, &r);
		upstream_result_release(&r);
	}
	if (resp != NULL && strcmp(method, "tools/list") == 0) {
		policy_filter_tools_list(&c->target,
		    json_object_get(resp, "result"));
		pins_filter_tools_list(c->req, &c->target,
		    json_object_get(resp, "result"));
	}
	return resp;
}

/* Every message on, in order; the answers into c->answers; the status
 * of the last failed request (200 when none failed). */
static int
mcp_messages(struct mcp_ctx *c)
{
	const char	*why;
	json_t		*m, *a;
	size_t		 i, n = c->batch ? json_array_size(c->body) : 1;
	int		 status = 200, st, kind;

	for (i = 0; i < n; i++) {
		m = c->batch ? json_array_get(c->body, i) : c->body;
		kind = mcp_classify(m, &why);
		if (kind == MCP_KIND_REQUEST) {
			a = mcp_request(c, m, &st);
			if (a != NULL)
				json_array_append_new(c->answers, a);
			if (st != 200)
				status = st;
		} else if (kind == MCP_KIND_NOTIFICATION) {
			/* notifications/initialized was the platform's to
			 * send (the upstream handshake is ours); others go
			 * on (cancelled, roots/list_changed, ...). */
			if (strcmp(jsonx_str(m, "method"),
			    "notifications/initialized") != 0 &&
			    mcp_rendezvous(c, m) != 0)
				mcp_forward_only(c, m);
		}
		else if (kind == MCP_KIND_RESPONSE &&
		    mcp_bridged(c, m, &a, &st) == 1) {
			/* A reply to a request the platform made of a modern
			 * upstream's input_required (bridge_park.h): 404
			 * when no call is waiting for it. */
			if (st == 404)
				status = 404;
		} else if (kind == MCP_KIND_RESPONSE &&
		    c->target.transport == TARGET_HTTP) {
			/* The client's answer to a server->client request
			 * (sampling, elicitation, roots) that an http
			 * upstream sent on an SSE stream we relayed: back to
			 * the upstream, in its session, ids untouched. */
			mcp_forward_only(c, m);
		}
		else if (kind == MCP_KIND_RESPONSE &&
		    mcp_rendezvous(c, m) != 0) {
			/* A stdio child's request relayed by a worker of
			 * this node waits for it (rendezvous.h); nobody
			 * does: 404. */
			c->no_waiter = 1;
			status = 404;
		}
	}
	return status;
}

/* Respond (response.c): JSON, the rest of an SSE stream, or 202. */
static int
mcp_respond(struct mcp_ctx *c, int status)
{
	size_t	 i;
	json_t	*a;

	if (json_array_size(c->answers) == 0) {
		/* Only notifications or responses: 202, no body. */
		if (c->sse)
			return 0;
		if (c->no_waiter || status == 404)
			return response_error(c->req, 404, NULL, "no request "
			    "is waiting for this reply");
		return response_send(c->req, 202, NULL, NULL, 0);
	}
	if (c->sse) {
		json_array_foreach(c->answers, i, a)
			mcp_sse_send(c, a);
		return 0;
	}
	if (c->batch)
		return response_json_sent(c->req, 200, c->answers, &c->sent);
	return response_json_sent(c->req, status,
	    json_array_get(c->answers, 0), &c->sent);
}

/* The body, bounded by the server's own limit, parsed and checked:
 * every message before any is sent on. 0, or replied. */
static int
mcp_parse(struct mcp_ctx *c)
{
	struct request	*req = c->req;
	const json_t	*m, *id;
	const char	*why;
	char		 err[160];
	size_t		 i, n;
	int		 st;

	/* The server's own body limit, when lower than the platform's. */
	if (c->target.max_body > 0 && req->content_length > c->target.max_body) {
		c->rc = response_error(req, 413, NULL, "request body over %zu "
		    "bytes for this server", c->target.max_body);
		return -1;
	}
	if ((st = request_read_body(req, &why)) != 0) {
		c->rc = response_error(req, st, NULL, "%s", why);
		return -1;
	}
	c->body = jsonx_loadb(req->body.data, req->body.len, LIMIT_JSON_DEPTH,
	    err, sizeof(err));
	if (c->body == NULL) {
		c->rc = mcp_fail(c, RESPONSE_FAIL_PARSE, NULL,
		    "parse error: %s", err);
		return -1;
	}
	c->batch = json_is_array(c->body);
	if (c->batch && json_array_size(c->body) == 0) {
		c->rc = mcp_fail(c, RESPONSE_FAIL_INVALID, NULL, "empty batch");
		return -1;
	}
	m = c->batch ? json_array_get(c->body, 0) : c->body;
	c->init = !c->batch && json_is_object(m) &&
	    json_is_string(json_object_get(m, "method")) &&
	    strcmp(jsonx_str(m, "method"), "initialize") == 0;
	n = c->batch ? json_array_size(c->body) : 1;
	for (i = 0; i < n; i++) {
		m = c->batch ? json_array_get(c->body, i) : c->body;
		if (mcp_classify(m, &why) == -1) {
			id = json_object_get(m, "id");
			/* JSON-RPC 2.0 section 5: null when the id itself
			 * could not be read. */
			c->rc = mcp_fail(c, RESPONSE_FAIL_INVALID,
			    json_is_string(id) || json_is_integer(id) ? id :
			    NULL, "invalid request: %s", why);
			return -1;
		}
	}
	if (c->init && json_object_get(c->body, "id") == NULL) {
		c->rc = mcp_fail(c, RESPONSE_FAIL_INVALID, NULL,
		    "initialize must be a request");
		return -1;
	}
	return 0;
}

/* A modern-era request (modern.h): the rules, then the exchange through
 * the bridge; no session is read or issued. */
static void
mcp_modern(struct mcp_ctx *c, const struct modern_headers *h)
{
	struct modern		 m;
	enum response_fail	 f;
	json_t			*data;
	char			 why[256];

	c->modern = 1;
	modern_init(&m);
	if ((c->answers = json_array()) == NULL) {
		c->rc = response_error(c->req, 500, NULL, "out of memory");
		return;
	}
	if ((f = modern_check(h, c->body, &m.r, why, sizeof(why), &data)) !=
	    RESPONSE_FAIL_NONE) {
		m.answer = modern_error(f, json_object_get(c->body, "id"), why,
		    data);
		response_fail_map(f, &c->jsonrpc_error, &m.status);
		json_decref(data);
	} else {
		snprintf(c->version, sizeof(c->version), "%s", m.r.version);
		m.req = c->req;
		m.target = &c->target;
		m.relay = mcp_relay;
		m.beat = mcp_beat;
		m.arg = c;
		m.h = h;
		snprintf(c->caller, sizeof(c->caller), "%d:%s",
		    (int)mcp_caller_kind(&c->who), mcp_caller_id(&c->who));
		m.caller = c->caller;
		modern_call(&m, c->body);
		c->upstream_ms = m.upstream_ms;
		snprintf(c->upstream_version, sizeof(c->upstream_version),
		    "%s", m.upstream_version);
	}
	if (m.answer != NULL)
		json_array_append(c->answers, m.answer);
	if (c->sse)
		c->rc = m.answer != NULL ? mcp_sse_send(c, m.answer) : 0;
	else if (m.answer != NULL)
		c->rc = response_json(c->req, m.status, m.answer);
	else
		c->rc = response_send(c->req, m.status == 200 ? 202 :
		    m.status, NULL, NULL, 0);
	modern_release(&m);
}

/* Exchange and respond: initialize opens a session, anything else runs
 * in one. */
static void
mcp_exchange(struct mcp_ctx *c)
{
	struct modern_headers	 h;

	modern_headers_of(c->req, &h);
	if (!c->batch && modern_is(&h, c->body)) {
		mcp_modern(c, &h);
		return;
	}
	if (c->version_unknown) {
		c->rc = mcp_fail(c, RESPONSE_FAIL_VERSION, NULL,
		    "unsupported MCP-Protocol-Version '%.40s'",
		    c->req->protocol_version);
		return;
	}
	if (!c->init) {
		if (mcp_session(c) == -1)
			return;
		/* Batches exist in 2025-03-26 only (removed in
		 * 2025-06-18). */
		if (c->batch && strcmp(c->version, "2025-03-26") != 0) {
			c->rc = mcp_fail(c, RESPONSE_FAIL_INVALID, NULL,
			    "JSON-RPC batches are not supported in protocol "
			    "version %s", c->version);
			return;
		}
	}
	/* Every answer is logged (c->answers), initialize's too. */
	if ((c->answers = json_array()) == NULL) {
		c->rc = response_error(c->req, 500, NULL, "out of memory");
		return;
	}
	if (c->init)
		c->rc = mcp_initialize(c, c->body);
	else
		c->rc = mcp_respond(c, mcp_messages(c));
}

/* The tenant id of a resolve answer whose target was refused, or NULL. */
static const char *
mcp_resolved_tenant(const struct mcp_ctx *c)
{
	const char	*id;

	if (c->resolved == NULL)
		return NULL;
	id = jsonx_str(json_object_get(c->resolved, "tenant"), "id");
	return id != NULL && uuid_is_valid(id, strlen(id)) ? id : NULL;
}

/*
 * After a refused target the body was never read: read and parse it now
 * (bounded as ever), for the record's method and tool only.
 */
static void
mcp_log_peek(struct mcp_ctx *c)
{
	const char	*why;
	char		 err[160];

	if (!c->have_target || c->target.tenant_id != NULL ||
	    c->body != NULL || mcp_resolved_tenant(c) == NULL ||
	    request_read_body(c->req, &why) != 0)
		return;
	c->body = jsonx_loadb(c->req->body.data, c->req->body.len,
	    LIMIT_JSON_DEPTH, err, sizeof(err));
}

/*
 * Log: the record, filled once from what the steps left in c (main.c
 * writes it after FCGX_Finish_r). The bodies are kept with the tenant's
 * secret values to redact later (reqlog_redact in main.c); the parsed
 * request (or, when it did not parse, its bytes) and answer are kept as
 * references, not dumped and re-parsed: neither is modified after this.
 */
static void
mcp_log(struct mcp_ctx *c, int bodies)
{
	struct request		*req = c->req;
	struct reqlog		*rl = req->log;
	struct reqlog_body	 q, s;
	const json_t		*m, *a, *err;
	const char		*method, *tid;

	if (rl == NULL)
		return;
	if (c->have_names) {
		reqlog_set(rl, REQLOG_TENANT_SLUG, c->tenant);
		reqlog_set(rl, REQLOG_SERVER_ALIAS, c->server);
	}
	if (c->have_who) {
		reqlog_set(rl, REQLOG_CALLER_KIND,
		    c->who.kind == PRINCIPAL_API_KEY ? "api_key" : "user");
		reqlog_set(rl, REQLOG_CALLER_ID, mcp_caller_id(&c->who));
	}
	if (c->have_target && c->target.tenant_id != NULL)
		reqlog_set(rl, REQLOG_TENANT_ID, c->target.tenant_id);
	else if ((tid = mcp_resolved_tenant(c)) != NULL)
		/* The target was refused (a missing secret, a bad
		 * configuration) after the tenant was known: the record is
		 * the tenant's, so it sees the failure in /logs and /usage. */
		reqlog_set(rl, REQLOG_TENANT_ID, tid);
	m = c->batch ? json_array_get(c->body, 0) : c->body;
	if (json_is_object(m)) {
		if ((method = jsonx_str(m, "method")) != NULL)
			reqlog_set(rl, REQLOG_METHOD, method);
		reqlog_set_jsonrpc_id(rl, json_object_get(m, "id"));
		if (method != NULL && strcmp(method, "tools/call") == 0 &&
		    jsonx_str(json_object_get(m, "params"), "name") != NULL)
			reqlog_set(rl, REQLOG_TOOL, jsonx_str(
			    json_object_get(m, "params"), "name"));
	}
	if (c->log_session != NULL)
		reqlog_set_session(rl, c->log_session);
	if (c->log_session != NULL || (c->modern && c->version[0] != '\0'))
		reqlog_set(rl, REQLOG_PROTOCOL_VERSION, c->version);
	rl->upstream_ms = c->upstream_ms;
	if (c->upstream_version[0] != '\0')
		reqlog_set(rl, REQLOG_UPSTREAM_PROTOCOL_VERSION,
		    c->upstream_version);
	if (c->upstream_version[0] != '\0' && c->version[0] != '\0' &&
	    mcp_version_modern(c->version) !=
	    mcp_version_modern(c->upstream_version))
		reqlog_set(rl, REQLOG_BRIDGE, mcp_version_modern(c->version) ?
		    "modern-to-legacy" : "legacy-to-modern");
	rl->jsonrpc_error = c->jsonrpc_error;
	if (!bodies)
		return;
	a = c->batch ? c->answers : json_array_get(c->answers, 0);
	err = json_object_get(a, "error");
	if (json_is_integer(json_object_get(err, "code")))
		rl->jsonrpc_error =
		    (int)json_integer_value(json_object_get(err, "code"));
	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	q.json = c->body;
	if (c->body == NULL && req->body_read) {
		q.raw = req->body.data;
		q.len = req->body.len;
	}
	s.json = a;
	if (c->sent.len > 0) {		/* a's text, and its '\n' */
		s.raw = c->sent.data;
		s.len = c->sent.len - 1;
	}
	reqlog_keep_bodies(rl, &q, &s, c->have_target ?
	    (const char *const *)c->target.secret_values : NULL,
	    (size_t)req->cfg->log_body_max);
}

/*
 * POST /mcp/{tenant}/{server}: bound -> authenticate -> resolve -> parse
 * -> exchange (session, upstream) -> respond -> log.
 */
int
mcp_post(struct request *req, const struct route_params *params)
{
	struct mcp_ctx	 c;

	mcp_ctx_init(&c, req);
	if (mcp_bound(&c, params, 1) == 0 && mcp_authenticate(&c) == 0 &&
	    mcp_resolve(&c) == 0 && mcp_parse(&c) == 0 &&
	    admit_check(req, &c.who, c.resolved, c.body, &c.jsonrpc_error) == 0)
		mcp_exchange(&c);
	mcp_log_peek(&c);
	mcp_log(&c, 1);
	mcp_ctx_release(&c);
	return c.rc;
}

/* A legacy http upstream's own standalone stream for the session
 * (upstream_listen): 0 relayed (c->rc set), or -1 when there is none
 * (stdio, no upstream session, the upstream refused). */
static int
mcp_get_legacy(struct mcp_ctx *c, const char *resume)
{
	struct upstream		 u;
	struct upstream_result	 r;
	int			 rc;

	if (c->target.transport != TARGET_HTTP || c->sess.upstream[0] == '\0')
		return -1;
	memset(&u, 0, sizeof(u));
	u.req = c->req;
	u.target = &c->target;
	u.version = c->version[0] != '\0' ? c->version : NULL;
	u.session_id = c->sess.upstream;
	u.relay = mcp_relay;
	u.beat = mcp_beat;
	u.arg = c;
	u.position = &c->pos;
	c->resumable = 1;
	if (resume != NULL) {
		/* The client's Last-Event-ID: the upstream's stream resumed
		 * after that event (the rest of a call's answer, or of the
		 * standalone stream). */
		u.last_event_id = resume;
		snprintf(c->pos.id, sizeof(c->pos.id), "%s", resume);
	}
	upstream_result_init(&r);
	rc = upstream_listen(&u, &r);
	c->upstream_ms = r.ms;
	snprintf(c->upstream_version, sizeof(c->upstream_version), "%s",
	    r.version);
	if (rc == -1 && !c->sse) {
		log_info(MOD, "http '%s' has no standalone stream: %s %s",
		    c->target.alias, r.name != NULL ? r.name : "", r.detail);
		upstream_result_release(&r);
		return -1;
	}
	upstream_result_release(&r);
	/* Nothing came and no beat was due: an empty stream, ended. */
	c->rc = mcp_sse_start(c);
	return 0;
}

/* A Last-Event-ID that resumes nothing: 404 (the upstream not asked). */
static int
mcp_unresumable(struct mcp_ctx *c)
{
	return response_error(c->req, 404, NULL, "unknown Last-Event-ID: no "
	    "stream of this session can be resumed from it");
}

/*
 * GET /mcp/{tenant}/{server}: the legacy standalone stream. For a legacy
 * session on a modern upstream, bridge_modern_listen (the upstream's
 * list changes); on a legacy http upstream, the upstream's own GET stream
 * of the session (upstream_listen: list changes, resource updates, log
 * messages). Both bounded by LIMIT_LISTEN_MS and
 * LIMIT_LISTEN_NOTIFICATIONS, then the stream ends and the client
 * reconnects (a worker is held meanwhile: docs/architecture.md).
 * Everything else is 405, as MCP permits: a stdio child belongs to the
 * worker that holds it, and 2026-07-28 has no GET.
 */
int
mcp_get(struct request *req, const struct route_params *params)
{
	struct mcp_ctx		 c;
	struct bridge_modern	 b;
	char			 resume[LIMIT_SSE_FIELD + 1] = "";

	mcp_ctx_init(&c, req);
	if (req->session_id == NULL || (req->protocol_version != NULL &&
	    mcp_version_modern(req->protocol_version)))
		goto refuse;
	if (mcp_bound(&c, params, 0) == -1 || mcp_authenticate(&c) == -1 ||
	    mcp_resolve(&c) == -1 || mcp_session(&c) == -1)
		goto out;
	/* A Last-Event-ID the platform gave this session (session.h),
	 * else nothing can be resumed: 404, the upstream not asked. */
	if (req->last_event_id != NULL && session_event_open(
	    req->cfg->master_key.data, req->cfg->master_key.len,
	    req->session_id, req->last_event_id, resume,
	    sizeof(resume)) == -1) {
		c.rc = mcp_unresumable(&c);
		goto out;
	}
	mcp_bridge_of(&c, &b);
	if (!bridge_modern_is(&b)) {
		if (mcp_get_legacy(&c, resume[0] != '\0' ? resume : NULL) ==
		    -1)
			goto refuse;
		goto out;
	}
	if (resume[0] != '\0') {
		/* Never given for a modern upstream's streams. */
		c.rc = mcp_unresumable(&c);
		goto out;
	}
	b.listen_legacy = 1;
	b.beat = mcp_beat;
	snprintf(c.upstream_version, sizeof(c.upstream_version), "%s",
	    MCP_VERSION_MODERN);
	if (response_sse_begin(req, 200) == -1)
		goto out;
	c.sse = 1;
	json_decref(bridge_modern_listen(&b, NULL));
	c.upstream_ms = b.ms;
	c.rc = 0;
	goto out;
refuse:
	response_header(req, "Allow", "POST, DELETE");
	c.rc = response_error(req, 405, NULL, "no standalone stream for "
	    "this server");
out:
	mcp_log(&c, 0);
	mcp_ctx_release(&c);
	return c.rc;
}

/* DELETE /mcp/{tenant}/{server}: the session ends, upstream too. */
int
mcp_delete(struct request *req, const struct route_params *params)
{
	struct mcp_ctx	 c;
	struct upstream	 u;

	mcp_ctx_init(&c, req);
	/* 2026-07-28 has no sessions: "HTTP GET or DELETE to the MCP
	 * endpoint: respond with 405" (streamable-http, backward
	 * compatibility). */
	if (req->protocol_version != NULL &&
	    mcp_version_modern(req->protocol_version)) {
		response_header(req, "Allow", "POST");
		c.rc = response_error(req, 405, NULL, "no sessions in "
		    "protocol version %s", req->protocol_version);
		goto out;
	}
	if (mcp_bound(&c, params, 0) == -1 || mcp_authenticate(&c) == -1 ||
	    mcp_resolve(&c) == -1 || mcp_session(&c) == -1)
		goto out;
	/* Every node refuses it within config_ttl (store/ended.h); first,
	 * so a failure leaves the session whole, upstream's included. */
	if (ended_record(req->cfg, req->session_id, c.sess.tenant,
	    c.sess.issued_at + (time_t)req->cfg->session_max_age) == -1) {
		c.rc = response_error(req, 503, NULL, "cannot end the session");
		goto out;
	}
	memset(&u, 0, sizeof(u));
	u.req = req;
	u.target = &c.target;
	u.version = c.version[0] != '\0' ? c.version : NULL;
	u.session_id = c.sess.upstream;
	upstream_end(&u);
	c.rc = response_send(req, 204, NULL, NULL, 0);
out:
	mcp_log(&c, 0);
	mcp_ctx_release(&c);
	return c.rc;
}

void
mcp_idle(const struct config *cfg)
{
	upstream_stdio_pool_reap();
	/* API keys used by the request just answered: last_used_at. */
	apikey_flush(cfg);
	/* Expired ended-session rows, hourly. */
	ended_tick(cfg);
	/* Tool pins and changes seen by the request just answered. */
	pins_flush(cfg);
	/* This node's limiter counts with the other nodes', when due. */
	limitsync_tick(cfg);
}

void
mcp_shutdown(void)
{
	upstream_stdio_pool_shutdown();
	pins_cache_clear();
}
