/*
 * mcp.c -- the MCP endpoint; see mcp.h for the request path.
 *
 * Specification references are to the MCP revisions' "Transports" page
 * (Streamable HTTP) unless said otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "auth/auth.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/mcp.h"
#include "product_limits.h"
#include "mcp/policy.h"
#include "log/reqlog.h"
#include "http/request.h"
#include "store/resolve.h"
#include "http/response.h"
#include "mcp/session.h"
#include "store/target.h"
#include "mcp/upstream_http.h"
#include "mcp/upstream_stdio.h"

#define MOD	"mcp"

static const char *const mcp_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26",
};

enum mcp_kind {
	MCP_KIND_REQUEST,
	MCP_KIND_NOTIFICATION,
	MCP_KIND_RESPONSE
};

/* One POST or DELETE, from authentication to the answer. */
struct mcp_ctx {
	struct request		*req;
	char			 tenant[LIMIT_SLUG + 1];
	char			 server[LIMIT_SLUG + 1];
	struct principal	 who;
	json_t			*resolved;
	struct target		 target;
	int			 have_target;
	struct session		 sess;
	int			 have_sess;
	char			 version[LIMIT_PROTOCOL_VERSION + 1];
	int			 sse;		/* text/event-stream begun */
	int			 batch;		/* 2025-03-26 JSON array */
};

int
mcp_version_supported(const char *v)
{
	size_t	 i;

	for (i = 0; i < sizeof(mcp_versions) / sizeof(mcp_versions[0]); i++)
		if (strcmp(v, mcp_versions[i]) == 0)
			return 1;
	return 0;
}

static json_t *
mcp_error_msg(const json_t *id, int code, const char *message)
{
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0",
	    "id", id != NULL ? (json_t *)(uintptr_t)id : json_null(),
	    "error", "code", code, "message", message);
}

/* An HTTP error whose body is a JSON-RPC error (before any SSE). */
static int
mcp_http_error(struct mcp_ctx *c, int status, const json_t *id, int code,
    const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;
	json_t	*j;
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->req->log != NULL)
		c->req->log->jsonrpc_error = code;
	if ((j = mcp_error_msg(id, code, msg)) == NULL)
		return response_error(c->req, 500, NULL, "out of memory");
	rc = response_json(c->req, status, j);
	json_decref(j);
	return rc;
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

/* ---- session revocation ------------------------------------------------
 * Session ids are stateless (DESIGN section 3), but a DELETE must make the
 * id unknown (404) afterwards. A revoked id is recorded as an empty file
 * named by its SHA-256 under <data_dir>/sessions: one stat() per request
 * with a session, shared by every worker of the node. Files older than
 * session_max_age are removed by mcp_idle(); an id past that age is
 * refused by its signature's time anyway. */

static int
mcp_revocation_path(const struct request *req, const char *id, char *out,
    size_t outlen)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 hex[SHA256_DIGEST_LENGTH * 2 + 1];
	size_t		 i;
	int		 n;

	SHA256((const unsigned char *)id, strlen(id), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + i * 2, 3, "%02x", md[i]);
	n = snprintf(out, outlen, "%s/sessions/%s", req->cfg->data_dir, hex);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
mcp_session_revoked(const struct request *req, const char *id)
{
	char		 path[LIMIT_PATH * 2];
	struct stat	 st;

	if (mcp_revocation_path(req, id, path, sizeof(path)) == -1)
		return 1;
	return stat(path, &st) == 0;
}

static int
mcp_session_revoke(const struct request *req, const char *id)
{
	char	 dir[LIMIT_PATH * 2], path[LIMIT_PATH * 2];
	int	 fd, n;

	n = snprintf(dir, sizeof(dir), "%s/sessions", req->cfg->data_dir);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error(MOD, "cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (mcp_revocation_path(req, id, path, sizeof(path)) == -1)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		log_error(MOD, "cannot record session end in '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* ---- bound, authenticate, resolve ------------------------------------- */

static int
mcp_params(struct mcp_ctx *c, const struct route_params *params)
{
	if (params->n != 2 || params->v[0].len > LIMIT_SLUG ||
	    params->v[1].len > LIMIT_SLUG)
		return -1;
	memcpy(c->tenant, params->v[0].p, params->v[0].len);
	c->tenant[params->v[0].len] = '\0';
	memcpy(c->server, params->v[1].p, params->v[1].len);
	c->server[params->v[1].len] = '\0';
	if (c->req->log != NULL) {
		reqlog_set(c->req->log, REQLOG_TENANT_SLUG, c->tenant);
		reqlog_set(c->req->log, REQLOG_SERVER_ALIAS, c->server);
	}
	return 0;
}

/* Origin and MCP-Protocol-Version: 0, or replied. */
static int
mcp_bound_common(struct mcp_ctx *c)
{
	struct request	*req = c->req;

	/* Sessions are signed with the master key: without one no session
	 * can be issued, so say so before any upstream is started. */
	if (req->cfg->master_key.len == 0) {
		log_error(MOD, "master_key_file is not configured: the MCP "
		    "endpoint cannot issue sessions");
		response_error(req, 503, NULL, "MCP endpoint not configured");
		return -1;
	}

	/* MUST validate Origin (2025-11-25: invalid -> 403), against DNS
	 * rebinding; absent Origin = not a browser. */
	if (req->origin != NULL && !request_origin_allowed(req)) {
		mcp_http_error(c, 403, NULL, MCP_ERR_INVALID,
		    "origin not allowed");
		return -1;
	}
	if (req->protocol_version != NULL &&
	    !mcp_version_supported(req->protocol_version)) {
		mcp_http_error(c, 400, NULL, MCP_ERR_INVALID,
		    "unsupported MCP-Protocol-Version '%.40s'",
		    req->protocol_version);
		return -1;
	}
	return 0;
}

/* Authenticate and resolve: 0, or replied. */
static int
mcp_who_and_what(struct mcp_ctx *c)
{
	char	 why[AUTH_WHY_MAX], err[256];
	int	 rc;

	/* auth_authenticate() logs why; 401 carries the RFC 9728
	 * challenge, 503 (no JWKS to check against) does not. */
	if ((rc = auth_authenticate(c->req, &c->who, why, sizeof(why))) != 0) {
		auth_reject(c->req, rc, c->tenant, strlen(c->tenant),
		    c->server, strlen(c->server));
		return -1;
	}
	if (c->req->log != NULL) {
		reqlog_set(c->req->log, REQLOG_CALLER_KIND,
		    c->who.kind == PRINCIPAL_API_KEY ? "api_key" : "user");
		reqlog_set(c->req->log, REQLOG_CALLER_ID,
		    mcp_caller_id(&c->who));
	}
	/* c->resolved is shared with the resolve cache: read-only. */
	rc = resolve_target(c->req, &c->who, c->tenant, strlen(c->tenant),
	    c->server, strlen(c->server), &c->resolved);
	if (rc == 404) {
		/* Unknown tenant, unknown server and "not a member" look
		 * the same: existence is not leaked (DESIGN 3.3). */
		response_error(c->req, 404, NULL, "no such MCP server");
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
			mcp_http_error(c, 500, NULL, MCP_ERR_NOT_CONFIGURED,
			    "server not configured for this tenant: %s", err);
		else
			mcp_http_error(c, 500, NULL, MCP_ERR_NOT_CONFIGURED,
			    "server not configured for this tenant");
		return -1;
	}
	if (c->req->log != NULL)
		reqlog_set(c->req->log, REQLOG_TENANT_ID, c->target.tenant_id);
	return 0;
}

/* The request's Mcp-Session-Id: 0 (c->sess set), or replied. */
static int
mcp_session(struct mcp_ctx *c)
{
	const struct config	*cfg = c->req->cfg;
	const char		*id = c->req->session_id;
	enum session_status	 st;

	if (id == NULL || *id == '\0') {
		/* "Servers that require a session ID SHOULD respond to
		 * requests without one with HTTP 400 Bad Request." */
		mcp_http_error(c, 400, NULL, MCP_ERR_INVALID,
		    "Mcp-Session-Id header is required");
		return -1;
	}
	st = session_verify(cfg->master_key.data, cfg->master_key.len, id,
	    strlen(id), time(NULL), (unsigned)cfg->session_max_age, &c->sess);
	if (st != SESSION_OK || !session_matches(&c->sess,
	    c->target.tenant_id, c->target.alias, mcp_caller_kind(&c->who),
	    mcp_caller_id(&c->who)) || mcp_session_revoked(c->req, id)) {
		/* Unknown, expired, ended or another caller's: the client
		 * must start a new session (404, MCP transports). */
		if (st != SESSION_OK)
			log_info(MOD, "session refused: %s",
			    session_strerror(st));
		mcp_http_error(c, 404, NULL, MCP_ERR_SESSION,
		    "session not found");
		return -1;
	}
	c->have_sess = 1;
	snprintf(c->version, sizeof(c->version), "%s",
	    c->req->protocol_version != NULL ? c->req->protocol_version :
	    c->sess.protocol_version);
	if (c->req->log != NULL) {
		reqlog_set_session(c->req->log, id);
		reqlog_set(c->req->log, REQLOG_PROTOCOL_VERSION, c->version);
	}
	return 0;
}

/* ---- the exchange ------------------------------------------------------ */

/* Send one JSON-RPC message to the client as an SSE event, beginning the
 * event stream when it is the first. */
static int
mcp_sse_send(struct mcp_ctx *c, const json_t *msg)
{
	struct buf	 b;
	int		 rc = -1;

	if (!c->sse) {
		if (response_sse_begin(c->req, 200) == -1)
			return -1;
		c->sse = 1;
	}
	buf_init(&b, LIMIT_RESPONSE_BODY);
	if (jsonx_dumpb(&b, msg) == 0)
		rc = response_sse_event(c->req, NULL, b.data, b.len);
	buf_release(&b);
	return rc;
}

/* Relay callbacks: notifications (progress, logging) as they happen. */
static int
mcp_stdio_event(const json_t *msg, json_t **reply, void *arg)
{
	/* Server->client requests (sampling, elicitation, roots) would
	 * need the client's answer, which arrives in another POST: not
	 * relayed yet, so *reply stays NULL and the server gets -32601. */
	if (reply == NULL)
		mcp_sse_send(arg, msg);
	return 0;	/* a client gone away is not a cancellation */
}

static int
mcp_http_event(void *arg, const char *data, size_t len, const json_t *msg)
{
	(void)data;
	(void)len;
	if (msg != NULL)
		mcp_sse_send(arg, msg);
	return 0;
}

/* Upstream time (summed over a batch) and the version spoken upstream. */
static void
mcp_log_upstream(struct mcp_ctx *c, double ms, const char *version)
{
	struct reqlog	*rl = c->req->log;

	if (rl == NULL)
		return;
	rl->upstream_ms = (rl->upstream_ms < 0 ? 0 : rl->upstream_ms) + ms;
	if (version != NULL && version[0] != '\0')
		reqlog_set(rl, REQLOG_UPSTREAM_PROTOCOL_VERSION, version);
}

static void
mcp_stdio_error_map(enum upstream_stdio_err e, int *code, int *status)
{
	switch (e) {
	case UPSTREAM_STDIO_SPAWN_FAILED:
	case UPSTREAM_STDIO_INIT_FAILED:
		*code = -32013;		/* upstream unavailable */
		*status = 502;
		break;
	case UPSTREAM_STDIO_TIMEOUT:
		*code = -32010;
		*status = 504;
		break;
	case UPSTREAM_STDIO_CRASHED:
	case UPSTREAM_STDIO_BAD_OUTPUT:
		*code = -32011;
		*status = 502;
		break;
	case UPSTREAM_STDIO_OUTPUT_TOO_LARGE:
		*code = -32012;
		*status = 502;
		break;
	default:
		*code = MCP_ERR_INTERNAL;
		*status = 500;
		break;
	}
}

static void
mcp_stdio_opts(const struct mcp_ctx *c, struct upstream_stdio_opts *o,
    struct buf *hide)
{
	const struct config	*cfg = c->req->cfg;

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
	if (c->target.timeout_ms > 0)
		o->deadline_ms = (unsigned)c->target.timeout_ms;
	if (c->target.max_response > 0)
		o->max_output = c->target.max_response;
	if (c->target.max_file_bytes > 0)
		o->fsize_bytes = (rlim_t)c->target.max_file_bytes;
	if (c->target.disk_quota_bytes > 0)
		o->disk_quota = c->target.disk_quota_bytes;
	o->pool_max = cfg->stdio_pool_max;
	o->idle_s = (unsigned)cfg->stdio_idle;
	o->client_protocol_version = MCP_VERSION_LATEST;
}

static void
mcp_http_opts(const struct mcp_ctx *c, struct upstream_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->url = c->target.url;
	o->headers = c->target.headers;
	o->n_headers = c->target.n_headers;
	o->timeout_ms = c->target.timeout_ms;
	o->max_response = c->target.max_response;
	o->protocol_version = c->version[0] != '\0' ? c->version : NULL;
	o->session_id = c->have_sess && c->sess.upstream[0] != '\0' ?
	    c->sess.upstream : NULL;
}

/*
 * One message through the upstream. *resp gets the answer (a new
 * reference: the upstream's result/error, or the platform's error with the
 * client's id), or NULL for a notification/response. *status is the HTTP
 * status to use should this be the whole answer.
 */
static void
mcp_forward(struct mcp_ctx *c, const json_t *msg, json_t **resp,
    int *status)
{
	const json_t	*id = json_object_get(msg, "id");
	const char	*method = jsonx_str(msg, "method");
	int		 code;

	*resp = NULL;
	*status = 200;
	if (c->target.transport == TARGET_STDIO) {
		struct upstream_stdio_spec	 spec;
		struct upstream_stdio_opts	 opts;
		struct upstream_stdio_info	 info;
		enum upstream_stdio_err		 e;
		struct buf			 hide;
		char				 why[LIMIT_STDIO_ERR + 32];

		buf_init(&hide, LIMIT_PATH * 2);
		memset(&spec, 0, sizeof(spec));
		spec.key = c->target.pool_key;
		spec.tenant_id = c->target.tenant_id;
		spec.argv = (const char *const *)c->target.argv;
		spec.env = (const char *const *)c->target.env;
		spec.workdir = c->target.workdir;
		spec.net = c->target.net;
		spec.egress_ports = c->target.egress_ports;
		spec.n_egress_ports = c->target.n_egress_ports;
		spec.read_paths = (const char *const *)c->target.read_paths;
		mcp_stdio_opts(c, &opts, &hide);
		upstream_stdio_info_init(&info);
		e = upstream_stdio_call(&spec, &opts, msg, mcp_stdio_event, c,
		    resp, &info);
		mcp_log_upstream(c, info.ms, info.protocol_version);
		if (e != UPSTREAM_STDIO_OK) {
			log_warn(MOD, "stdio '%s' %s: %s: %s", c->server,
			    method != NULL ? method : "-",
			    upstream_stdio_strerror(e), info.detail);
			mcp_stdio_error_map(e, &code, status);
			/* info.reason is fit for the client (the disk
			 * quota); info.detail is for the log only. */
			snprintf(why, sizeof(why), "%s%s%s",
			    upstream_stdio_strerror(e),
			    info.reason[0] != '\0' ? ": " : "", info.reason);
			if (id != NULL)
				*resp = mcp_error_msg(id, code, why);
		}
		upstream_stdio_info_release(&info);
		buf_release(&hide);
	} else {
		struct upstream_http_opts	 opts;
		struct upstream_http_result	 res;
		struct buf			 body;
		enum upstream_http_err		 e;

		mcp_http_opts(c, &opts);
		upstream_http_result_init(&res);
		buf_init(&body, LIMIT_RESPONSE_BODY);
		if (jsonx_dumpb(&body, msg) == -1)
			e = UPSTREAM_HTTP_INTERNAL;
		else {
			double t0 = request_elapsed_ms(c->req);

			e = upstream_http_call(&opts, body.data, body.len,
			    mcp_http_event, c, &res);
			mcp_log_upstream(c, request_elapsed_ms(c->req) - t0,
			    c->version);
		}
		if (e == UPSTREAM_HTTP_OK && id != NULL && res.json != NULL)
			*resp = json_incref(res.json);
		else if (e != UPSTREAM_HTTP_OK) {
			log_warn(MOD, "http '%s' %s: %s: %s", c->server,
			    method != NULL ? method : "-",
			    upstream_http_strerror(e), res.detail);
			upstream_http_error_map(e, &code, status);
			if (id != NULL)
				*resp = mcp_error_msg(id, code, res.msg[0] ?
				    res.msg : upstream_http_strerror(e));
		}
		buf_release(&body);
		upstream_http_result_release(&res);
	}
}

/* initialize: negotiate, handshake upstream, sign the session. *sent:
 * the JSON-RPC answer the client got (a NEW reference, for the request
 * log), or NULL when it got a platform error instead. */
static int
mcp_initialize(struct mcp_ctx *c, const json_t *msg, json_t **sent)
{
	const struct config	*cfg = c->req->cfg;
	const json_t		*id = json_object_get(msg, "id");
	const char		*asked;
	json_t			*resp = NULL, *result;
	struct session		 s;
	char			 sid[LIMIT_SESSION_ID + 1];
	int			 status = 200, rc = -1;

	*sent = NULL;
	/* "If the server supports the requested protocol version, it MUST
	 * respond with the same version. Otherwise, the server MUST respond
	 * with another protocol version it supports" (lifecycle). */
	asked = jsonx_str(json_object_get(msg, "params"), "protocolVersion");
	snprintf(c->version, sizeof(c->version), "%s",
	    asked != NULL && mcp_version_supported(asked) ? asked :
	    MCP_VERSION_LATEST);
	session_init(&s);

	if (c->target.transport == TARGET_STDIO)
		mcp_forward(c, msg, &resp, &status);
	else {
		struct upstream_http_opts	 opts;
		struct upstream_http_result	 res;
		enum upstream_http_err		 e;
		json_t				*params;
		int				 code;

		mcp_http_opts(c, &opts);
		opts.protocol_version = c->version;
		upstream_http_result_init(&res);
		/* The client's own params (capabilities, clientInfo), with
		 * the version negotiated here. */
		params = json_deep_copy(json_object_get(msg, "params"));
		if (!json_is_object(params)) {
			json_decref(params);
			params = json_object();
		}
		json_object_set_new(params, "protocolVersion",
		    json_string(c->version));
		{
			double t0 = request_elapsed_ms(c->req);

			e = upstream_http_initialize(&opts, params,
			    mcp_http_event, c, &res);
			mcp_log_upstream(c, request_elapsed_ms(c->req) - t0,
			    res.protocol_version);
		}
		json_decref(params);
		if (e == UPSTREAM_HTTP_OK && json_is_object(res.json)) {
			resp = json_deep_copy(res.json);
			json_object_set(resp, "id", (json_t *)(uintptr_t)id);
			snprintf(s.upstream, sizeof(s.upstream), "%s",
			    res.session_id);
		} else {
			log_warn(MOD, "http '%s' initialize: %s: %s",
			    c->server, upstream_http_strerror(e), res.detail);
			upstream_http_error_map(e == UPSTREAM_HTTP_OK ?
			    UPSTREAM_HTTP_BAD_RESPONSE : e, &code, &status);
			resp = mcp_error_msg(id, code, res.msg[0] ? res.msg :
			    upstream_http_strerror(e));
		}
		upstream_http_result_release(&res);
	}
	if (resp == NULL) {
		mcp_http_error(c, 500, id, MCP_ERR_INTERNAL, "internal error");
		goto out;
	}
	result = json_object_get(resp, "result");
	if (!json_is_object(result)) {
		/* The upstream refused or failed: no session. */
		rc = c->sse ? mcp_sse_send(c, resp) :
		    response_json(c->req, status, resp);
		*sent = json_incref(resp);
		goto out;
	}
	json_object_set_new(result, "protocolVersion",
	    json_string(c->version));

	snprintf(s.tenant, sizeof(s.tenant), "%s", c->target.tenant_id);
	snprintf(s.server, sizeof(s.server), "%s", c->target.alias);
	s.caller_kind = mcp_caller_kind(&c->who);
	snprintf(s.caller_id, sizeof(s.caller_id), "%s",
	    mcp_caller_id(&c->who));
	snprintf(s.protocol_version, sizeof(s.protocol_version), "%s",
	    c->version);
	s.issued_at = time(NULL);
	if (session_sign(cfg->master_key.data, cfg->master_key.len, &s, sid,
	    sizeof(sid)) == -1) {
		mcp_http_error(c, 500, id, MCP_ERR_INTERNAL,
		    "cannot issue a session");
		goto out;
	}
	if (c->sse) {
		/* Headers are gone already: an initialize answered on a
		 * stream cannot carry the session. Upstreams do not stream
		 * initialize in practice; say so rather than hide it. */
		log_warn(MOD, "'%s' streamed its initialize answer",
		    c->server);
		rc = mcp_sse_send(c, resp);
		*sent = json_incref(resp);
		goto out;
	}
	response_header(c->req, "Mcp-Session-Id", sid);
	if (c->req->log != NULL) {
		reqlog_set_session(c->req->log, sid);
		reqlog_set(c->req->log, REQLOG_PROTOCOL_VERSION, c->version);
	}
	rc = response_json(c->req, 200, resp);
	*sent = json_incref(resp);
out:
	json_decref(resp);
	session_release(&s);
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
	const json_t	*id = json_object_get(msg, "id");
	const char	*method = jsonx_str(msg, "method");
	json_t		*resp = NULL;
	char		 why[256];

	*status = 200;
	if (strcmp(method, "initialize") == 0) {
		*status = 400;
		return mcp_error_msg(id, MCP_ERR_INVALID,
		    "initialize must be sent alone, without a session");
	}
	if (strcmp(method, "ping") == 0)
		return json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id",
		    (json_t *)(uintptr_t)id, "result");
	if (policy_check_request(&c->target, msg, why, sizeof(why)) == -1)
		return mcp_error_msg(id, MCP_ERR_PARAMS, why);
	mcp_forward(c, msg, &resp, status);
	if (resp != NULL && strcmp(method, "tools/list") == 0)
		policy_filter_tools_list(&c->target,
		    json_object_get(resp, "result"));
	return resp;
}

static int
mcp_respond(struct mcp_ctx *c, json_t *answers, int status)
{
	size_t	 i;
	json_t	*a;

	if (json_array_size(answers) == 0) {
		/* Only notifications or responses: 202, no body. */
		if (c->sse)
			return 0;
		return response_send(c->req, 202, NULL, NULL, 0);
	}
	if (c->sse) {
		json_array_foreach(answers, i, a)
			mcp_sse_send(c, a);
		return 0;
	}
	if (c->batch)
		return response_json(c->req, 200, answers);
	return response_json(c->req, status,
	    json_array_get(answers, 0));
}

/*
 * Keep the bodies for the request log, with the tenant's secret values
 * to redact later (after FCGX_Finish_r: reqlog_redact in main.c). The
 * parsed request (body, NULL when it did not parse: then its bytes) and
 * answer are kept as references, not dumped and re-parsed: neither is
 * modified after this.
 */
static void
mcp_log_bodies(struct mcp_ctx *c, const json_t *body, const json_t *answers)
{
	struct request		*req = c->req;
	struct reqlog_body	 q, s;
	const json_t		*a, *err;

	if (req->log == NULL)
		return;
	a = c->batch ? answers : json_array_get(answers, 0);
	err = json_object_get(a, "error");
	if (json_is_integer(json_object_get(err, "code")))
		req->log->jsonrpc_error =
		    (int)json_integer_value(json_object_get(err, "code"));
	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	q.json = body;
	if (body == NULL && req->body_read) {
		q.raw = req->body.data;
		q.len = req->body.len;
	}
	s.json = a;
	reqlog_keep_bodies(req->log, &q, &s, c->have_target ?
	    (const char *const *)c->target.secret_values : NULL,
	    (size_t)req->cfg->log_body_max);
}

int
mcp_post(struct request *req, const struct route_params *params)
{
	struct mcp_ctx	 c;
	json_t		*body = NULL, *answers = NULL, *m, *a;
	const char	*why;
	char		 err[160];
	size_t		 i, n;
	int		 rc = 0, status = 200, st, kind, init = 0;

	memset(&c, 0, sizeof(c));
	c.req = req;
	session_init(&c.sess);
	if (mcp_params(&c, params) == -1) {
		rc = response_error(req, 404, NULL, "no such MCP server");
		goto out;
	}
	/* Bound (DESIGN 3.1), before the caller is even known. */
	if (!request_content_type_is(req, "application/json")) {
		rc = mcp_http_error(&c, 415, NULL, MCP_ERR_INVALID,
		    "Content-Type must be application/json");
		goto out;
	}
	if (!request_accepts(req, "application/json") ||
	    !request_accepts(req, "text/event-stream")) {
		rc = mcp_http_error(&c, 406, NULL, MCP_ERR_INVALID,
		    "Accept must list application/json and "
		    "text/event-stream");
		goto out;
	}
	if (mcp_bound_common(&c) == -1 || mcp_who_and_what(&c) == -1)
		goto out;
	/* The server's own body limit, when lower than the platform's. */
	if (c.target.max_body > 0 && req->content_length > c.target.max_body) {
		rc = response_error(req, 413, NULL, "request body over %zu "
		    "bytes for this server", c.target.max_body);
		goto out;
	}

	if ((st = request_read_body(req, &why)) != 0) {
		rc = response_error(req, st, NULL, "%s", why);
		goto out;
	}
	body = jsonx_loadb(req->body.data, req->body.len, LIMIT_JSON_DEPTH,
	    err, sizeof(err));
	if (body == NULL) {
		rc = mcp_http_error(&c, 400, NULL, MCP_ERR_PARSE,
		    "parse error: %s", err);
		goto out;
	}
	if (json_is_array(body)) {
		c.batch = 1;
		if (json_array_size(body) == 0) {
			rc = mcp_http_error(&c, 400, NULL, MCP_ERR_INVALID,
			    "empty batch");
			goto out;
		}
	}
	m = c.batch ? json_array_get(body, 0) : body;
	if (req->log != NULL && json_is_object(m)) {
		const char *method = jsonx_str(m, "method");

		if (method != NULL)
			reqlog_set(req->log, REQLOG_METHOD, method);
		reqlog_set_jsonrpc_id(req->log, json_object_get(m, "id"));
		if (method != NULL && strcmp(method, "tools/call") == 0 &&
		    jsonx_str(json_object_get(m, "params"), "name") != NULL)
			reqlog_set(req->log, REQLOG_TOOL, jsonx_str(
			    json_object_get(m, "params"), "name"));
	}
	if (!c.batch && json_is_object(m) &&
	    json_is_string(json_object_get(m, "method")) &&
	    strcmp(jsonx_str(m, "method"), "initialize") == 0)
		init = 1;

	/* Every message is checked before any is sent on. */
	n = c.batch ? json_array_size(body) : 1;
	for (i = 0; i < n; i++) {
		m = c.batch ? json_array_get(body, i) : body;
		if (mcp_classify(m, &why) == -1) {
			const json_t *id = json_object_get(m, "id");

			/* JSON-RPC 2.0 section 5: null when the id itself
			 * could not be read. */
			rc = mcp_http_error(&c, 400, json_is_string(id) ||
			    json_is_integer(id) ? id : NULL, MCP_ERR_INVALID,
			    "invalid request: %s", why);
			goto out;
		}
	}
	if (init) {
		if (json_object_get(body, "id") == NULL) {
			rc = mcp_http_error(&c, 400, NULL, MCP_ERR_INVALID,
			    "initialize must be a request");
			goto out;
		}
		/* Its answer is logged like any other (in answers). */
		if ((answers = json_array()) == NULL) {
			rc = response_error(req, 500, NULL, "out of memory");
			goto out;
		}
		rc = mcp_initialize(&c, body, &a);
		if (a != NULL)
			json_array_append_new(answers, a);
		goto out;
	}
	if (mcp_session(&c) == -1)
		goto out;
	/* Batches exist in 2025-03-26 only (removed in 2025-06-18). */
	if (c.batch && strcmp(c.version, "2025-03-26") != 0) {
		rc = mcp_http_error(&c, 400, NULL, MCP_ERR_INVALID,
		    "JSON-RPC batches are not supported in protocol "
		    "version %s", c.version);
		goto out;
	}

	if ((answers = json_array()) == NULL) {
		rc = response_error(req, 500, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		m = c.batch ? json_array_get(body, i) : body;
		kind = mcp_classify(m, &why);
		if (kind == MCP_KIND_REQUEST) {
			a = mcp_request(&c, m, &st);
			if (a != NULL)
				json_array_append_new(answers, a);
			if (st != 200)
				status = st;
		} else if (kind == MCP_KIND_NOTIFICATION) {
			/* notifications/initialized was the platform's to
			 * send (the upstream handshake is ours); others go
			 * on (cancelled, roots/list_changed, ...). */
			if (strcmp(jsonx_str(m, "method"),
			    "notifications/initialized") != 0) {
				mcp_forward(&c, m, &a, &st);
				json_decref(a);
			}
		}
		else if (kind == MCP_KIND_RESPONSE &&
		    c.target.transport == TARGET_HTTP) {
			/* The client's answer to a server->client request
			 * (sampling, elicitation, roots) that an http
			 * upstream sent on an SSE stream we relayed: back to
			 * the upstream, in its session, ids untouched. */
			mcp_forward(&c, m, &a, &st);
			json_decref(a);
		}
		/* For stdio upstreams such requests are not relayed
		 * (upstream_stdio answers them -32601: the answer would
		 * arrive at another worker), so a response has nowhere
		 * to go. Accepted (202) all the same. */
	}
	rc = mcp_respond(&c, answers, status);
out:
	mcp_log_bodies(&c, body, answers);
	json_decref(answers);
	json_decref(body);
	json_decref(c.resolved);
	if (c.have_target)
		target_release(&c.target);
	session_release(&c.sess);
	return rc;
}

int
mcp_delete(struct request *req, const struct route_params *params)
{
	struct mcp_ctx	 c;
	int		 rc = 0;

	memset(&c, 0, sizeof(c));
	c.req = req;
	session_init(&c.sess);
	if (mcp_params(&c, params) == -1) {
		rc = response_error(req, 404, NULL, "no such MCP server");
		goto out;
	}
	if (mcp_bound_common(&c) == -1 || mcp_who_and_what(&c) == -1 ||
	    mcp_session(&c) == -1)
		goto out;
	if (c.target.transport == TARGET_HTTP && c.sess.upstream[0] != '\0') {
		struct upstream_http_opts	 opts;
		struct upstream_http_result	 res;
		enum upstream_http_err		 e;

		mcp_http_opts(&c, &opts);
		upstream_http_result_init(&res);
		e = upstream_http_delete(&opts, &res);
		if (e != UPSTREAM_HTTP_OK && e != UPSTREAM_HTTP_SESSION_GONE)
			log_warn(MOD, "http '%s' DELETE: %s: %s", c.server,
			    upstream_http_strerror(e), res.detail);
		upstream_http_result_release(&res);
	}
	if (mcp_session_revoke(req, req->session_id) == -1) {
		rc = response_error(req, 500, NULL, "cannot end the session");
		goto out;
	}
	rc = response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(c.resolved);
	if (c.have_target)
		target_release(&c.target);
	session_release(&c.sess);
	return rc;
}

/* Ended-session files older than session_max_age: their ids fail the
 * signature's age check anyway. At most once per LIMIT_SESSION_PRUNE_S. */
static void
mcp_prune_revoked(const struct config *cfg)
{
	static time_t	 last;
	char		 dir[LIMIT_PATH * 2], path[LIMIT_PATH * 3];
	struct dirent	*de;
	struct stat	 st;
	time_t		 now = time(NULL);
	DIR		*d;

	if (now - last < LIMIT_SESSION_PRUNE_S)
		return;
	last = now;
	snprintf(dir, sizeof(dir), "%s/sessions", cfg->data_dir);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 &&
		    now - st.st_mtime > (time_t)cfg->session_max_age)
			unlink(path);
	}
	closedir(d);
}

void
mcp_idle(const struct config *cfg)
{
	upstream_stdio_pool_reap();
	mcp_prune_revoked(cfg);
}

void
mcp_shutdown(void)
{
	upstream_stdio_pool_shutdown();
}
