/*
 * modern.c -- the MCP 2026-07-28 era's rules and the bridge to legacy
 * upstreams; see modern.h.
 *
 * Specification references are to revision 2026-07-28: basic/index
 * ("_meta", "Error Codes"), basic/versioning, server/discover,
 * server/utilities/caching and server/utilities/logging,
 * basic/transports/streamable-http ("Request Metadata").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base64.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/bridge_modern.h"
#include "mcp/modern.h"
#include "mcp/pins.h"
#include "mcp/policy.h"
#include "mcp/protocol.h"
#include "version.h"

#define MOD	"mcp"

#define MODERN_B64_PREFIX	"=?base64?"
#define MODERN_B64_SUFFIX	"?="
#define MODERN_PARAM_ENV	"HTTP_MCP_PARAM_"

/* The client requests of 2026-07-28 (schema.ts ClientRequest) the
 * platform serves. ping, logging/setLevel and resources/(un)subscribe are
 * gone; initialize is legacy; subscriptions/listen is not served yet, so
 * it is "not implemented": 404 -32601 (streamable-http). */
static const char *const modern_methods[] = {
	"server/discover", "tools/list", "tools/call", "prompts/list",
	"prompts/get", "resources/list", "resources/templates/list",
	"resources/read", "completion/complete",
};

/* Served for a modern upstream only (passed through, bridge_modern.h):
 * the listen stream and the tasks extension; 404 -32601 on the bridge to
 * a legacy upstream. */
static const char *const modern_passthrough_methods[] = {
	"subscriptions/listen", "tasks/get", "tasks/result", "tasks/list",
	"tasks/cancel",
};

/* Results that carry caching hints (caching "Cacheable Results"). */
static const char *const modern_cacheable[] = {
	"server/discover", "tools/list", "prompts/list", "resources/list",
	"resources/templates/list", "resources/read",
};

/* RFC 5424 severities, least severe first (logging "Log Levels"). */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
modern_in(const char *s, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return (int)i;
	return -1;
}

void
modern_headers_of(const struct request *req, struct modern_headers *h)
{
	const char *const	*e;

	memset(h, 0, sizeof(*h));
	h->protocol_version = req->protocol_version;
	h->method = request_env(req, "HTTP_MCP_METHOD");
	h->name = request_env(req, "HTTP_MCP_NAME");
	if (req->io == NULL || req->io->envp == NULL)
		return;
	/* The environment is in the order the web server gave it; the
	 * Mcp-Param-* entries are counted, and visited later by prefix. */
	h->params = req->io->envp;
	for (e = req->io->envp; *e != NULL; e++)
		if (strncmp(*e, MODERN_PARAM_ENV,
		    sizeof(MODERN_PARAM_ENV) - 1) == 0)
			h->n_params++;
}

static const json_t *
modern_meta(const json_t *msg)
{
	return json_object_get(json_object_get(msg, "params"), "_meta");
}

int
modern_is(const struct modern_headers *h, const json_t *body)
{
	const char	*method;

	if (!json_is_object(body))
		return 0;
	/* Body first: a claim makes the request modern, whatever it says
	 * (a malformed claim is a modern error, never a legacy request; an
	 * initialize with one is a removed method: 404). */
	if (json_object_get(modern_meta(body), MODERN_META_VERSION) != NULL)
		return 1;
	method = jsonx_str(body, "method");
	if (method != NULL && strcmp(method, "initialize") == 0)
		return 0;
	/* A modern header without a claim: a modern request missing its
	 * _meta (-32602), not a legacy one. */
	return h->protocol_version != NULL &&
	    mcp_version_modern(h->protocol_version);
}

/* A header value a client may send as is: RFC 9110 field-value
 * characters (visible ASCII, SP, HTAB). */
static int
modern_plain_ok(const char *v)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p != '\t' && (*p < 0x20 || *p > 0x7e))
			return 0;
	return 1;
}

int
modern_header_value(const char *v, struct buf *out)
{
	size_t	 len = strlen(v), pre = sizeof(MODERN_B64_PREFIX) - 1,
		 suf = sizeof(MODERN_B64_SUFFIX) - 1;

	/* "The prefix =?base64? and suffix ?= ... are case-sensitive and
	 * MUST appear exactly as shown" (Value Encoding). */
	if (len >= pre + suf && strncmp(v, MODERN_B64_PREFIX, pre) == 0 &&
	    strcmp(v + len - suf, MODERN_B64_SUFFIX) == 0)
		return base64_decode(out, v + pre, len - pre - suf,
		    BASE64_STD | BASE64_PAD);
	if (!modern_plain_ok(v))
		return -1;
	return buf_appends(out, v);
}

/* Mcp-Name against the body's string s: 0 when they agree, else why. */
static int
modern_check_name(const struct modern_headers *h, const json_t *s,
    const char *field, char *why, size_t whylen)
{
	struct buf	 b;
	int		 rc = -1;

	if (h->name == NULL) {
		snprintf(why, whylen, "header mismatch: Mcp-Name is "
		    "required for this method");
		return -1;
	}
	buf_init(&b, LIMIT_HEADER_VALUE);
	if (modern_header_value(h->name, &b) == -1)
		snprintf(why, whylen, "header mismatch: Mcp-Name is not a "
		    "valid header value or base64 form");
	else if (!json_is_string(s) || json_string_length(s) != b.len ||
	    memcmp(json_string_value(s), b.data, b.len) != 0)
		snprintf(why, whylen, "header mismatch: Mcp-Name does not "
		    "match params.%s", field);
	else
		rc = 0;
	buf_release(&b);
	return rc;
}

/* Every Mcp-Param-* value must be readable, and there must not be too
 * many: RESPONSE_FAIL_NONE, or the failure and why. Values are not
 * compared with the arguments: that needs the tool's x-mcp-header
 * declarations, which only the upstream knows (it checks them). */
static enum response_fail
modern_check_params(const struct modern_headers *h, char *why,
    size_t whylen)
{
	const char *const	*e;
	const char		*eq;
	struct buf		 b;
	enum response_fail	 f = RESPONSE_FAIL_NONE;

	if (h->params == NULL)
		return RESPONSE_FAIL_NONE;
	if (h->n_params > LIMIT_MCP_PARAM_HEADERS) {
		snprintf(why, whylen, "more than %d Mcp-Param headers",
		    LIMIT_MCP_PARAM_HEADERS);
		return RESPONSE_FAIL_INVALID;
	}
	buf_init(&b, LIMIT_HEADER_VALUE);
	for (e = h->params; f == RESPONSE_FAIL_NONE && *e != NULL; e++) {
		if (strncmp(*e, MODERN_PARAM_ENV,
		    sizeof(MODERN_PARAM_ENV) - 1) != 0 ||
		    (eq = strchr(*e, '=')) == NULL)
			continue;
		if ((size_t)(eq - *e) - (sizeof(MODERN_PARAM_ENV) - 1) +
		    sizeof("Mcp-Param-") - 1 > LIMIT_MCP_PARAM_NAME) {
			snprintf(why, whylen, "an Mcp-Param header name is "
			    "over %d characters", LIMIT_MCP_PARAM_NAME);
			f = RESPONSE_FAIL_INVALID;
			break;
		}
		buf_reset(&b);
		if (modern_header_value(eq + 1, &b) == -1) {
			snprintf(why, whylen, "header mismatch: an Mcp-Param "
			    "header is not a valid header value or base64 "
			    "form");
			f = RESPONSE_FAIL_HEADER_MISMATCH;
		}
	}
	buf_release(&b);
	return f;
}

/* The Mcp-Param-* headers as they go on to an http upstream: the value
 * as the client sent it (still encoded), the name rebuilt from CGI's. */
static void
modern_forward_of(struct modern *m)
{
	const char *const	*e;
	const char		*eq, *p;
	char			*n;
	size_t			 k, len;
	int			 up;

	m->n_fwd = 0;
	if (m->h == NULL || m->h->params == NULL)
		return;
	for (e = m->h->params; *e != NULL &&
	    m->n_fwd < LIMIT_MCP_PARAM_HEADERS; e++) {
		if (strncmp(*e, MODERN_PARAM_ENV,
		    sizeof(MODERN_PARAM_ENV) - 1) != 0 ||
		    (eq = strchr(*e, '=')) == NULL)
			continue;
		n = m->fwd_name[m->n_fwd];
		len = sizeof("Mcp-Param-") - 1;
		memcpy(n, "Mcp-Param-", len);
		up = 1;
		for (p = *e + sizeof(MODERN_PARAM_ENV) - 1, k = len;
		    p < eq && k < LIMIT_MCP_PARAM_NAME; p++, k++) {
			n[k] = *p == '_' ? '-' : up ? *p :
			    (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
			up = *p == '_';
		}
		n[k] = '\0';
		m->fwd[m->n_fwd].name = n;
		m->fwd[m->n_fwd].value = eq + 1;
		m->fwd[m->n_fwd].catalog = 0;
		m->n_fwd++;
	}
}

/* The _meta rules: version, capabilities, log level. */
static enum response_fail
modern_check_meta(const struct modern_headers *h, const json_t *msg,
    struct modern_req *r, char *why, size_t whylen, json_t **data)
{
	const json_t	*meta = modern_meta(msg), *v, *lv;
	const char	*vs;

	v = json_object_get(meta, MODERN_META_VERSION);
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(why, whylen, "params._meta[\"%s\"] is required (a "
		    "string)", MODERN_META_VERSION);
		return RESPONSE_FAIL_META;
	}
	vs = json_string_value(v);
	/* The header first: a disagreement is a mismatch whatever the
	 * versions (the header may be what an intermediary routed on). */
	if (h->protocol_version == NULL ||
	    strcmp(h->protocol_version, vs) != 0) {
		snprintf(why, whylen, "header mismatch: MCP-Protocol-Version "
		    "does not match params._meta[\"%s\"]", MODERN_META_VERSION);
		return RESPONSE_FAIL_HEADER_MISMATCH;
	}
	if (!mcp_version_modern(vs)) {
		snprintf(why, whylen, "unsupported protocol version");
		*data = json_pack("{s:o, s:s}", "supported",
		    mcp_versions_json(), "requested", vs);
		return RESPONSE_FAIL_UNSUPPORTED_VERSION;
	}
	snprintf(r->version, sizeof(r->version), "%s", vs);
	if (r->notification)
		return RESPONSE_FAIL_NONE;
	if (!json_is_object(json_object_get(meta, MODERN_META_CAPS))) {
		snprintf(why, whylen, "params._meta[\"%s\"] is required (an "
		    "object)", MODERN_META_CAPS);
		return RESPONSE_FAIL_META;
	}
	if ((lv = json_object_get(meta, MODERN_META_LOG_LEVEL)) != NULL &&
	    (r->log_level = mcp_log_level(json_string_value(lv))) == -1) {
		snprintf(why, whylen, "params._meta[\"%s\"] is not a log "
		    "level", MODERN_META_LOG_LEVEL);
		return RESPONSE_FAIL_META;
	}
	return RESPONSE_FAIL_NONE;
}

enum response_fail
modern_check(const struct modern_headers *h, const json_t *msg,
    struct modern_req *r, char *why, size_t whylen, json_t **data)
{
	const json_t		*params = json_object_get(msg, "params");
	enum response_fail	 f;
	const char		*field;

	memset(r, 0, sizeof(*r));
	r->log_level = -1;
	*data = NULL;
	if ((r->method = jsonx_str(msg, "method")) == NULL) {
		/* "The client MUST NOT send JSON-RPC responses." */
		snprintf(why, whylen, "a modern POST carries a request or a "
		    "notification");
		return RESPONSE_FAIL_INVALID;
	}
	r->notification = json_object_get(msg, "id") == NULL;
	if (r->notification && json_object_get(modern_meta(msg),
	    MODERN_META_VERSION) == NULL)
		return RESPONSE_FAIL_NONE;
	if ((f = modern_check_meta(h, msg, r, why, whylen, data)) !=
	    RESPONSE_FAIL_NONE || r->notification)
		return f;
	if (h->method == NULL || strcmp(h->method, r->method) != 0) {
		snprintf(why, whylen, "header mismatch: Mcp-Method does not "
		    "match the method");
		return RESPONSE_FAIL_HEADER_MISMATCH;
	}
	if (modern_in(r->method, modern_methods, NELEM(modern_methods)) ==
	    -1 && modern_in(r->method, modern_passthrough_methods,
	    NELEM(modern_passthrough_methods)) == -1) {
		snprintf(why, whylen, "method not found: '%.64s'", r->method);
		return RESPONSE_FAIL_METHOD_NOT_FOUND;
	}
	field = strcmp(r->method, "resources/read") == 0 ? "uri" :
	    strcmp(r->method, "tools/call") == 0 ||
	    strcmp(r->method, "prompts/get") == 0 ? "name" : NULL;
	if (field != NULL && modern_check_name(h, json_object_get(params,
	    field), field, why, whylen) == -1)
		return RESPONSE_FAIL_HEADER_MISMATCH;
	return modern_check_params(h, why, whylen);
}

json_t *
modern_error(enum response_fail f, const json_t *id, const char *why,
    const json_t *data)
{
	json_t	*e;

	e = response_rpc_error(f, id, why);
	if (e != NULL && data != NULL)
		json_object_set(json_object_get(e, "error"), "data",
		    (json_t *)(uintptr_t)data);
	return e;
}

/* ---- the bridge -------------------------------------------------------- */

void
modern_init(struct modern *m)
{
	memset(m, 0, sizeof(*m));
	m->r.log_level = -1;
	m->upstream_ms = -1;
	m->status = 200;
}

void
modern_release(struct modern *m)
{
	json_decref(m->answer);
	m->answer = NULL;
}

void
modern_shape(json_t *resp, const char *method, long ttl_ms)
{
	json_t	*res = json_object_get(resp, "result"), *err;

	if (json_is_object(res)) {
		if (json_object_get(res, "resultType") == NULL)
			json_object_set_new(res, "resultType",
			    json_string("complete"));
		/* An upstream's own hints stand. */
		if (modern_in(method, modern_cacheable,
		    NELEM(modern_cacheable)) != -1 &&
		    json_object_get(res, "ttlMs") == NULL) {
			json_object_set_new(res, "ttlMs",
			    json_integer(ttl_ms));
			json_object_set_new(res, "cacheScope",
			    json_string("private"));
		}
		return;
	}
	err = json_object_get(resp, "error");
	/* Resource not found is -32602 in 2026-07-28 (-32002 before). */
	if (json_integer_value(json_object_get(err, "code")) == -32002)
		json_object_set_new(err, "code", json_integer(-32602));
}

/* The upstream's messages for the client, as a modern client may see
 * them: log messages at or above its level only, no requests. */
static void
modern_relay(void *arg, const json_t *msg)
{
	struct modern	*m = arg;
	const char	*method = jsonx_str(msg, "method");
	int		 lv;

	if (method == NULL || m->relay == NULL)
		return;
	if (json_object_get(msg, "id") != NULL)
		return;		/* requests: m->mrtr's (modern_rounds) */
	if (strcmp(method, "notifications/message") == 0) {
		lv = mcp_log_level(jsonx_str(json_object_get(msg, "params"),
		    "level"));
		/* "The server MUST NOT emit notifications/message for a
		 * request that does not include this field." */
		if (m->r.log_level < 0 || lv < m->r.log_level)
			return;
	}
	m->relay(m->arg, msg);
}

/* The client's beat (m->beat), with modern_relay's argument. */
static int
modern_beat(void *arg)
{
	struct modern	*m = arg;

	return m->beat != NULL ? m->beat(m->arg) : 0;
}

/* One message to the upstream: the answer (NEW) or NULL; m->status set
 * from a platform failure. */
static json_t *
modern_upstream(struct modern *m, const char *session, const json_t *msg,
    int forward, struct upstream_result *r)
{
	struct upstream		 u;
	enum response_fail	 f;
	json_t			*resp;

	memset(&u, 0, sizeof(u));
	u.req = m->req;
	u.target = m->target;
	u.version = MCP_VERSION_LATEST;
	u.session_id = session;
	u.relay = modern_relay;
	if (json_object_get(msg, "id") != NULL)
		u.beat = modern_beat;
	u.arg = m;
	if (m->mrtr != NULL) {
		u.ask = mrtr_ask;
		u.ask_arg = m->mrtr;
	}
	if (forward) {
		u.forward = m->fwd;
		u.n_forward = m->n_fwd;
	}
	f = upstream_call(&u, msg, r);
	if (r->ms >= 0)
		m->upstream_ms = (m->upstream_ms < 0 ? 0 : m->upstream_ms) +
		    r->ms;
	if (r->version[0] != '\0')
		snprintf(m->upstream_version, sizeof(m->upstream_version),
		    "%s", r->version);
	if (f != RESPONSE_FAIL_NONE)
		response_fail_map(f, NULL, &m->status);
	resp = r->response;
	r->response = NULL;
	return resp;
}

/* The legacy handshake's initialize, for the upstream: the client's
 * clientInfo when it sent one; the sampling/elicitation/roots the client
 * declared when the call has rounds (m->mrtr), else none (nothing the
 * upstream asked would reach the client). Unlike a warm stdio child,
 * shared by every caller (upstream_ask_caps()), an http call's session
 * is its own. */
static json_t *
modern_initialize_msg(const struct modern *m, const json_t *msg)
{
	const json_t	*info;
	json_t		*caps;

	/* Each call has a session of its own: the upstream is told what
	 * this client declared (sampling, elicitation, roots), so it asks
	 * only for what can be answered; without rounds (no caller),
	 * nothing. */
	caps = mcp_client_caps_json(m->mrtr != NULL ? mcp_client_caps(
	    json_object_get(modern_meta(msg), MODERN_META_CAPS)) : 0);
	if (caps == NULL)
		return NULL;
	info = json_object_get(modern_meta(msg), MODERN_META_INFO);
	if (!json_is_object(info))
		return json_pack("{s:s, s:s, s:s, s:{s:s, s:o, s:{s:s, s:s}}}",
		    "jsonrpc", "2.0", "id", "platform-initialize", "method",
		    "initialize", "params", "protocolVersion",
		    MCP_VERSION_LATEST, "capabilities", caps, "clientInfo",
		    "name", MCP_PLATFORM_NAME, "version", MCP_PLATFORM_VERSION);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:o, s:O}}", "jsonrpc",
	    "2.0", "id", "platform-initialize", "method", "initialize",
	    "params", "protocolVersion", MCP_VERSION_LATEST, "capabilities",
	    caps, "clientInfo", (json_t *)(uintptr_t)info);
}

/* The legacy form of a modern request: its io.modelcontextprotocol/
 * _meta keys dropped (progressToken and the rest stay). NEW. */
static json_t *
modern_to_legacy(const json_t *msg)
{
	json_t		*out, *meta, *v;
	const char	*k;
	void		*tmp;

	if ((out = json_deep_copy(msg)) == NULL)
		return NULL;
	meta = json_object_get(json_object_get(out, "params"), "_meta");
	json_object_foreach_safe(meta, tmp, k, v) {
		(void)v;
		if (strncmp(k, "io.modelcontextprotocol/", 24) == 0)
			json_object_del(meta, k);
	}
	if (json_is_object(meta) && json_object_size(meta) == 0)
		json_object_del(json_object_get(out, "params"), "_meta");
	return out;
}

/*
 * The legacy handshake for an http upstream: its session into sid
 * (maybe ""), and its InitializeResult (NEW) when want_result. 0, or -1
 * with m->answer the client's error. stdio needs none: the pool's
 * children are initialized, and initialize is answered from the child's
 * InitializeResult.
 */
static int
modern_open(struct modern *m, const json_t *msg, char *sid, size_t sidlen,
    json_t **result)
{
	struct upstream_result	 r;
	json_t			*init, *resp;
	int			 rc = -1;

	*sid = '\0';
	upstream_result_init(&r);
	init = modern_initialize_msg(m, msg);
	resp = init != NULL ? modern_upstream(m, NULL, init, 0, &r) : NULL;
	if (!json_is_object(json_object_get(resp, "result"))) {
		/* A transport failure has its own status (modern_upstream);
		 * an upstream that refused the handshake is a bad gateway. */
		if (r.fail == RESPONSE_FAIL_NONE)
			response_fail_map(RESPONSE_FAIL_UPSTREAM_ERROR, NULL,
			    &m->status);
		m->answer = modern_error(r.fail != RESPONSE_FAIL_NONE ?
		    r.fail : RESPONSE_FAIL_UPSTREAM_ERROR,
		    json_object_get(msg, "id"), "upstream initialize failed",
		    NULL);
		goto out;
	}
	snprintf(sid, sidlen, "%s", r.session_id);
	if (result != NULL)
		*result = json_incref(json_object_get(resp, "result"));
	rc = 0;
out:
	json_decref(resp);
	json_decref(init);
	upstream_result_release(&r);
	return rc;
}

/* The end of that session (http; a failure is only logged). */
static void
modern_close(struct modern *m, const char *sid)
{
	struct upstream	 u;

	if (*sid == '\0')
		return;
	memset(&u, 0, sizeof(u));
	u.req = m->req;
	u.target = m->target;
	u.version = MCP_VERSION_LATEST;
	u.session_id = sid;
	upstream_end(&u);
}

/* The upstream's capabilities as a modern client may use them through
 * the platform: list changes and subscriptions need subscriptions/listen
 * and tasks the extension, neither of which the bridge has yet; what
 * cannot be delivered is not advertised. NEW. */
static json_t *
modern_capabilities(const json_t *caps)
{
	static const char *const keep[] = {
		"tools", "prompts", "resources", "completions", "logging",
	};
	json_t	*out, *c;
	size_t	 i;

	if ((out = json_object()) == NULL)
		return NULL;
	for (i = 0; i < NELEM(keep); i++) {
		if (!json_is_object(json_object_get(caps, keep[i])))
			continue;
		c = json_deep_copy(json_object_get(caps, keep[i]));
		json_object_del(c, "listChanged");
		json_object_del(c, "subscribe");
		json_object_set_new(out, keep[i], c);
	}
	return out;
}

/* server/discover from the upstream's InitializeResult (NEW), ours. */
static json_t *
modern_discover(const json_t *init, const json_t *id, long ttl_ms)
{
	json_t	*res, *info;

	res = json_pack("{s:s, s:o, s:o, s:I, s:s}", "resultType",
	    "complete", "supportedVersions", mcp_versions_json(),
	    "capabilities", modern_capabilities(json_object_get(init,
	    "capabilities")), "ttlMs", (json_int_t)ttl_ms, "cacheScope",
	    "private");
	if (res == NULL)
		return NULL;
	info = json_object_get(init, "serverInfo");
	if (json_is_object(info))
		json_object_set_new(res, "_meta", json_pack("{s:O}",
		    MODERN_META_SERVER_INFO, info));
	if (json_is_string(json_object_get(init, "instructions")))
		json_object_set(res, "instructions",
		    json_object_get(init, "instructions"));
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    (json_t *)(uintptr_t)id, "result", res);
}

/* The platform's answers: policy refusals, discover. 1 when answered. */
static int
modern_local(struct modern *m, const json_t *msg, long ttl_ms)
{
	const json_t		*id = json_object_get(msg, "id");
	struct upstream_result	 r;
	json_t			*init = NULL, *legacy;
	char			 why[256], sid[LIMIT_UPSTREAM_SESSION + 1];

	if (policy_check_request(m->target, msg, why, sizeof(why)) == -1 ||
	    pins_check_call(m->req, m->target, msg, why, sizeof(why)) == -1) {
		m->answer = response_rpc_error(RESPONSE_FAIL_POLICY, id, why);
		return 1;
	}
	if (strcmp(m->r.method, "server/discover") != 0)
		return 0;
	if (m->target->transport == TARGET_HTTP) {
		if (modern_open(m, msg, sid, sizeof(sid), &init) == 0) {
			modern_close(m, sid);
			m->answer = modern_discover(init, id, ttl_ms);
		}
		json_decref(init);
		return 1;
	}
	/* stdio: the pool answers initialize from the warm child. */
	upstream_result_init(&r);
	legacy = modern_initialize_msg(m, msg);
	m->answer = modern_upstream(m, NULL, legacy, 0, &r);
	if (json_is_object(json_object_get(m->answer, "result"))) {
		init = json_incref(json_object_get(m->answer, "result"));
		json_decref(m->answer);
		m->answer = modern_discover(init, id, ttl_ms);
		json_decref(init);
	}
	json_decref(legacy);
	upstream_result_release(&r);
	return 1;
}

/* A legacy upstream's rounds (mrtr.h), stdio or http: 0, or -1 with
 * m->answer the refusal of a retry whose requestState or inputResponses
 * do not hold. */
static int
modern_rounds(struct modern *m, const json_t *msg, struct mrtr *t)
{
	const struct config	*cfg = m->req->cfg;
	char			 why[160];

	/* The retry's inputResponses are stripped before the upstream
	 * sees them. */
	if (mrtr_check_inputs(msg, why, sizeof(why)) == -1)
		goto refuse;
	if (m->caller == NULL)
		return 0;
	t->master_key = cfg->master_key.data;
	t->master_key_len = cfg->master_key.len;
	t->tenant_id = m->target->tenant_id;
	t->server = m->target->alias;
	t->caller = m->caller;
	t->client_caps = json_object_get(modern_meta(msg), MODERN_META_CAPS);
	if (mrtr_begin(t, msg, time(NULL), why, sizeof(why)) == -1)
		goto refuse;
	m->mrtr = t;
	return 0;
refuse:
	m->answer = modern_error(RESPONSE_FAIL_META, json_object_get(msg, "id"),
	    why, NULL);
	response_fail_map(RESPONSE_FAIL_META, NULL, &m->status);
	return -1;
}

/* A modern upstream (bridge_modern.h): the request passed through, or
 * discover from the cache. 1 when answered, 0 for a legacy upstream. */
static int
modern_passthrough(struct modern *m, const json_t *msg)
{
	struct bridge_modern	 b;
	const json_t		*id = json_object_get(msg, "id");
	json_t			*d, *res;
	char			 why[256];

	bridge_modern_init(&b);
	b.req = m->req;
	b.target = m->target;
	b.caller = m->caller;
	b.relay = modern_relay;
	if (id != NULL)
		b.beat = modern_beat;
	b.arg = m;
	b.stdio = 1;
	if (!bridge_modern_is(&b))
		return 0;
	snprintf(m->upstream_version, sizeof(m->upstream_version), "%s",
	    MCP_VERSION_MODERN);
	if (policy_check_request(m->target, msg, why, sizeof(why)) == -1 ||
	    pins_check_call(m->req, m->target, msg, why, sizeof(why)) == -1) {
		m->answer = response_rpc_error(RESPONSE_FAIL_POLICY, id, why);
		return 1;
	}
	if (strcmp(m->r.method, "subscriptions/listen") == 0 &&
	    m->target->transport == TARGET_STDIO) {
		/* It would hold a child of the pool for as long as it
		 * lasts (bridge_modern.h); not advertised either. */
		m->answer = response_rpc_error(RESPONSE_FAIL_METHOD_NOT_FOUND,
		    id, "method not found: subscriptions/listen is not served "
		    "for a stdio upstream");
		response_fail_map(RESPONSE_FAIL_METHOD_NOT_FOUND, NULL,
		    &m->status);
		return 1;
	}
	if (strcmp(m->r.method, "subscriptions/listen") == 0) {
		m->answer = bridge_modern_listen(&b, msg);
		m->status = b.status;
		m->upstream_ms = b.ms;
		return 1;
	}
	if (strcmp(m->r.method, "server/discover") == 0) {
		if ((d = bridge_modern_discover(&b)) == NULL) {
			m->answer = response_rpc_error(
			    RESPONSE_FAIL_UPSTREAM_ERROR, id,
			    "upstream discover failed");
			response_fail_map(RESPONSE_FAIL_UPSTREAM_ERROR, NULL,
			    &m->status);
		} else if ((res = json_deep_copy(d)) != NULL) {
			/* Every capability as the upstream has it: listen
			 * is relayed (bounded), tasks passed through; but
			 * over stdio there is no listen stream. */
			if (m->target->transport == TARGET_STDIO)
				bridge_caps_undeliverable(json_object_get(res,
				    "capabilities"), 0);
			/* The versions this endpoint serves are the
			 * platform's (it negotiates with the client and
			 * bridges legacy clients to this upstream): the
			 * same list as its -32022. */
			json_object_set_new(res, "supportedVersions",
			    mcp_versions_json());
			m->answer = json_pack("{s:s, s:O, s:o}", "jsonrpc",
			    "2.0", "id", (json_t *)(uintptr_t)id, "result",
			    res);
		}
		json_decref(d);
		m->upstream_ms = b.ms;
		return 1;
	}
	modern_forward_of(m);
	b.forward = m->fwd;
	b.n_forward = m->n_fwd;
	m->answer = bridge_modern_call(&b, msg);
	m->status = b.status;
	m->upstream_ms = b.ms;
	if (m->answer != NULL && strcmp(m->r.method, "tools/list") == 0) {
		policy_filter_tools_list(m->target,
		    json_object_get(m->answer, "result"));
		pins_filter_tools_list(m->req, m->target,
		    json_object_get(m->answer, "result"));
	}
	return 1;
}

void
modern_call(struct modern *m, const json_t *msg)
{
	struct upstream_result	 r;
	struct mrtr		 t;
	json_t			*legacy = NULL;
	long			 ttl_ms;
	char			 sid[LIMIT_UPSTREAM_SESSION + 1] = "";

	if (m->r.notification) {
		/* Over HTTP the revision has no client notification; a
		 * closed stream is the cancellation. Accepted, not sent on:
		 * there is no upstream session to send it in. */
		m->status = 202;
		return;
	}
	/* A result is fresh for as long as the platform itself keeps the
	 * tenant's configuration (tool policy); resources/read is live
	 * data. Private: the result is for this tenant's members only. */
	ttl_ms = strcmp(m->r.method, "resources/read") == 0 ? 0 :
	    (long)m->req->cfg->config_ttl * 1000;
	mrtr_init(&t);
	if (modern_passthrough(m, msg) || modern_local(m, msg, ttl_ms))
		goto shape;
	if (modern_in(m->r.method, modern_passthrough_methods,
	    NELEM(modern_passthrough_methods)) != -1) {
		/* The bridge to a legacy upstream has neither. */
		m->answer = response_rpc_error(RESPONSE_FAIL_METHOD_NOT_FOUND,
		    json_object_get(msg, "id"), "method not found: not "
		    "served for this upstream");
		response_fail_map(RESPONSE_FAIL_METHOD_NOT_FOUND, NULL,
		    &m->status);
		goto out;
	}
	if (modern_rounds(m, msg, &t) == -1)
		goto out;
	if ((legacy = modern_to_legacy(msg)) == NULL) {
		m->answer = response_rpc_error(RESPONSE_FAIL_INTERNAL,
		    json_object_get(msg, "id"), "out of memory");
		response_fail_map(RESPONSE_FAIL_INTERNAL, NULL, &m->status);
		goto out;
	}
	mrtr_strip(legacy);
	if (m->target->transport == TARGET_HTTP &&
	    modern_open(m, msg, sid, sizeof(sid), NULL) == -1)
		goto out;
	upstream_result_init(&r);
	modern_forward_of(m);
	m->answer = modern_upstream(m, sid[0] != '\0' ? sid : NULL, legacy,
	    1, &r);
	upstream_result_release(&r);
	modern_close(m, sid);
	if (m->mrtr != NULL && mrtr_pending(m->mrtr)) {
		/* The upstream asked the client something: its answer (an
		 * error for want of the input, or none: an http call stops
		 * there) is dropped. */
		json_decref(m->answer);
		m->answer = mrtr_answer(m->mrtr, json_object_get(msg, "id"),
		    time(NULL));
		m->status = 200;
		if (m->answer == NULL) {
			/* The answers so far do not fit LIMIT_MRTR_STATE. */
			m->answer = response_rpc_error(RESPONSE_FAIL_INTERNAL,
			    json_object_get(msg, "id"), "the answers do not "
			    "fit in a requestState");
			response_fail_map(RESPONSE_FAIL_INTERNAL, NULL,
			    &m->status);
		}
		goto out;
	}
	if (m->answer != NULL && strcmp(m->r.method, "tools/list") == 0) {
		policy_filter_tools_list(m->target,
		    json_object_get(m->answer, "result"));
		pins_filter_tools_list(m->req, m->target,
		    json_object_get(m->answer, "result"));
	}
shape:
	modern_shape(m->answer, m->r.method, ttl_ms);
out:
	m->mrtr = NULL;
	mrtr_release(&t);
	json_decref(legacy);
}
