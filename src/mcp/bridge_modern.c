/*
 * bridge_modern.c -- modern (2026-07-28) upstreams: era probe, discover
 * cache, stateless calls; see bridge_modern.h.
 *
 * Specification references are to revision 2026-07-28: server/discover,
 * server/utilities/caching ("cacheScope", "ttlMs"), basic/index ("_meta"),
 * basic/transports/streamable-http ("Request Metadata").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base64.h"
#include "buf.h"
#include "clock.h"
#include "jsonx.h"
#include "log.h"
#include "tracectx.h"
#include "http/gone.h"
#include "mcp/bridge_modern.h"
#include "mcp/bridge_park.h"
#include "mcp/protocol.h"
#include "mcp/session.h"
#include "version.h"

#define MOD	"mcp"

#define BRIDGE_META_PREFIX	"io.modelcontextprotocol/"
#define BRIDGE_B64_PREFIX	"=?base64?"
#define BRIDGE_B64_SUFFIX	"?="

/* One cache entry: an era verdict ("E|<url>") or a DiscoverResult
 * ("P|<url>" public, "V|<url>|<tenant>|<alias>|<caller>" private). */
struct bridge_entry {
	char		 key[LIMIT_BRIDGE_KEY + 1];
	int		 modern;	/* era entries */
	json_t		*discover;	/* discover entries; owned */
	uint64_t	 expires_ms;	/* clock_mono_ms; 0: free */
};

static struct bridge_entry bridge_cache[LIMIT_BRIDGE_CACHE];

static void
bridge_entry_clear(struct bridge_entry *e)
{
	json_decref(e->discover);
	memset(e, 0, sizeof(*e));
}

void
bridge_modern_cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < LIMIT_BRIDGE_CACHE; i++)
		bridge_entry_clear(&bridge_cache[i]);
}

/* The live entry for key, or NULL (an expired one is freed). */
static struct bridge_entry *
bridge_get(const char *key)
{
	uint64_t	 now = clock_mono_ms();
	size_t		 i;

	for (i = 0; i < LIMIT_BRIDGE_CACHE; i++) {
		if (bridge_cache[i].expires_ms == 0)
			continue;
		if (bridge_cache[i].expires_ms <= now) {
			bridge_entry_clear(&bridge_cache[i]);
			continue;
		}
		if (strcmp(bridge_cache[i].key, key) == 0)
			return &bridge_cache[i];
	}
	return NULL;
}

/* Keep (key, modern, discover) for ttl_ms; discover is borrowed. A key
 * too long for the table is not kept. */
static void
bridge_put(const char *key, int modern, const json_t *discover,
    uint64_t ttl_ms)
{
	struct bridge_entry	*e, *victim = NULL;
	size_t			 i;

	if (ttl_ms == 0 || strlen(key) > LIMIT_BRIDGE_KEY)
		return;
	if ((e = bridge_get(key)) == NULL) {
		for (i = 0; i < LIMIT_BRIDGE_CACHE; i++) {
			e = &bridge_cache[i];
			if (e->expires_ms == 0)
				break;
			/* Full: the entry nearest its expiry goes. */
			if (victim == NULL ||
			    e->expires_ms < victim->expires_ms)
				victim = e;
		}
		if (i == LIMIT_BRIDGE_CACHE)
			e = victim;
	}
	bridge_entry_clear(e);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->modern = modern;
	e->discover = discover != NULL ?
	    json_incref((json_t *)(uintptr_t)discover) : NULL;
	e->expires_ms = clock_mono_ms() + ttl_ms;
}

void
bridge_modern_init(struct bridge_modern *b)
{
	memset(b, 0, sizeof(*b));
	b->status = 200;
	b->ms = -1;
	b->log_level = -1;
}

/* Where the upstream is, for the cache keys: an http upstream's URL
 * (shared by every tenant that names it), a stdio server's pool key (its
 * children are the tenant's own). */
static const char *
bridge_where(const struct target *t)
{
	if (t->transport == TARGET_HTTP)
		return t->url != NULL ? t->url : "";
	return t->pool_key != NULL ? t->pool_key : "";
}

/* 1 when b's upstream can be asked in the modern era at all. */
static int
bridge_askable(const struct bridge_modern *b)
{
	if (b->target->transport == TARGET_HTTP)
		return b->target->url != NULL;
	return b->stdio && b->target->argv != NULL &&
	    b->target->pool_key != NULL;
}

/* The cache keys of b's upstream (0), or -1 when one is too long. */
static int
bridge_keys(const struct bridge_modern *b, struct buf *era, struct buf *pub,
    struct buf *priv)
{
	const struct target	*t = b->target;
	const char		*at = bridge_where(t);

	if (buf_printf(era, "E|%s", at) == -1 ||
	    buf_printf(pub, "P|%s", at) == -1 ||
	    buf_printf(priv, "V|%s|%s|%s|%s", at, t->tenant_id != NULL ?
	    t->tenant_id : "", t->alias != NULL ? t->alias : "",
	    b->caller != NULL ? b->caller : "") == -1)
		return -1;
	return 0;
}

/* A header value for s: as is when a header may carry it, else the
 * "=?base64?...?=" form (streamable-http "Value Encoding"). */
static int
bridge_header_value(struct buf *out, const char *s)
{
	const unsigned char	*p;
	int			 plain = 1;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p > 0x7e)
			plain = 0;
	/* Leading or trailing blanks would be trimmed on the way. */
	if (*s == ' ' || *s == '\t' || (*s != '\0' &&
	    (s[strlen(s) - 1] == ' ' || s[strlen(s) - 1] == '\t')))
		plain = 0;
	if (plain)
		return buf_appends(out, s);
	if (buf_appends(out, BRIDGE_B64_PREFIX) == -1 ||
	    base64_encode(out, s, strlen(s), BASE64_STD | BASE64_PAD) == -1)
		return -1;
	return buf_appends(out, BRIDGE_B64_SUFFIX);
}

/* msg in the modern form (NEW): the _meta keys a modern request needs,
 * added when msg is a legacy one. */
static json_t *
bridge_modern_msg(const struct bridge_modern *b, const json_t *msg)
{
	json_t	*out, *params, *meta;

	if ((out = json_deep_copy(msg)) == NULL)
		return NULL;
	params = json_object_get(out, "params");
	if (!json_is_object(params)) {
		params = json_object();
		if (json_object_set_new(out, "params", params) == -1)
			goto fail;
	}
	meta = json_object_get(params, "_meta");
	if (!json_is_object(meta)) {
		meta = json_object();
		if (json_object_set_new(params, "_meta", meta) == -1)
			goto fail;
	}
	if (json_object_get(meta, MODERN_META_VERSION) != NULL)
		return out;	/* a modern client's own */
	if (json_object_set_new(meta, MODERN_META_VERSION,
	    json_string(MCP_VERSION_MODERN)) == -1 ||
	    json_object_set_new(meta, MODERN_META_CAPS,
	    json_is_object(b->client_caps) ? json_deep_copy(b->client_caps) :
	    json_object()) == -1 ||
	    json_object_set_new(meta, MODERN_META_INFO, json_pack("{s:s, s:s}",
	    "name", MCP_PLATFORM_NAME, "version", MCP_PLATFORM_VERSION)) == -1)
		goto fail;
	if (b->log_level >= 0 && json_object_set_new(meta,
	    MODERN_META_LOG_LEVEL, json_string(mcp_log_level_name(
	    b->log_level))) == -1)
		goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* The upstream's messages for the client while it works. */
static int
bridge_event(void *arg, const char *data, size_t len, const json_t *msg)
{
	struct bridge_modern	*b = arg;

	(void)data;
	(void)len;
	/* A modern upstream sends no requests (input_required instead). */
	if (msg != NULL && b->relay != NULL &&
	    json_object_get(msg, "id") == NULL)
		b->relay(b->arg, msg);
	return 0;
}

/* The platform's error for the client (NEW) after failure f. */
static json_t *
bridge_failed(struct bridge_modern *b, const json_t *msg,
    enum response_fail f, const char *why, const char *detail)
{
	const char	*tr = b->target->transport == TARGET_HTTP ? "http" :
			    "stdio";

	/* The era probe's refusal by a legacy upstream is expected. */
	if (b->probe)
		log_info(MOD, "%s '%s' era probe: %s: %s (legacy)", tr,
		    b->target->alias, why, detail);
	else
		log_warn(MOD, "%s '%s' %s (modern): %s: %s", tr,
		    b->target->alias, jsonx_str(msg, "method") != NULL ?
		    jsonx_str(msg, "method") : "-", why, detail);
	response_fail_map(f, NULL, &b->status);
	if (json_object_get(msg, "id") == NULL)
		return NULL;
	return response_rpc_error(f, json_object_get(msg, "id"), why);
}

/* The HTTP status of a stateless stdio answer: what a Streamable HTTP
 * server answers with the same JSON-RPC error (basic/index: -32601 404;
 * the request's own faults 400), else 200. */
static int
bridge_stdio_status(const json_t *resp)
{
	const json_t	*code = json_object_get(json_object_get(resp,
			    "error"), "code");

	if (!json_is_integer(code))
		return 200;
	switch (json_integer_value(code)) {
	case -32601:
		return 404;
	case -32700:
	case -32600:
	case -32602:
	case -32020:
	case -32021:
	case -32022:
		return 400;
	default:
		return 200;
	}
}

/* The client's connection, watched (and beaten, when b->beat) while an
 * http upstream's call waits: a client gone closes the transfer. */
static void
bridge_gone(const struct bridge_modern *b, struct gone *g)
{
	gone_init(g, b->req->io);
	if (b->beat != NULL)
		gone_set_beat(g, b->beat, b->arg);
}

/* out (msg with the modern _meta) to a stateless stdio child. */
static json_t *
bridge_call_stdio(struct bridge_modern *b, const json_t *msg,
    const json_t *out)
{
	struct upstream		 u;
	struct upstream_result	 r;
	enum response_fail	 f;
	json_t			*resp = NULL;

	memset(&u, 0, sizeof(u));
	u.req = b->req;
	u.target = b->target;
	u.version = MCP_VERSION_MODERN;
	u.relay = b->relay;
	u.beat = b->beat;
	u.arg = b->arg;
	u.stateless = 1;
	upstream_result_init(&r);
	f = upstream_call(&u, out, &r);
	b->ms = (b->ms < 0 ? 0 : b->ms) + r.ms;
	if (f == RESPONSE_FAIL_NONE) {
		resp = r.response;
		r.response = NULL;
		b->status = bridge_stdio_status(resp);
	} else
		resp = bridge_failed(b, msg, f, r.name, r.detail);
	upstream_result_release(&r);
	return resp;
}

json_t *
bridge_modern_call(struct bridge_modern *b, const json_t *msg)
{
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS];
	struct upstream_http_header	 fwd[LIMIT_MCP_PARAM_HEADERS + 2];
	struct upstream_http_opts	 opts;
	struct upstream_http_result	 res;
	enum upstream_http_err		 e;
	struct gone			 g;
	struct buf			 body, mh, nh;
	const json_t			*id = json_object_get(msg, "id"),
					*params, *nv;
	const char			*method = jsonx_str(msg, "method");
	json_t				*out = NULL, *resp = NULL, *err;
	char				 tp[TRACECTX_PARENT_LEN + 1];
	double				 t0;
	size_t				 i, n = 0;

	b->status = 200;
	buf_init(&body, LIMIT_RESPONSE_BODY);
	buf_init(&mh, LIMIT_HEADER_VALUE);
	buf_init(&nh, LIMIT_HEADER_VALUE);
	upstream_http_result_init(&res);
	if ((out = bridge_modern_msg(b, msg)) == NULL ||
	    jsonx_dumpb(&body, out) == -1 || method == NULL) {
		resp = bridge_failed(b, msg, RESPONSE_FAIL_INTERNAL,
		    "internal error", "out of memory");
		goto out;
	}
	if (b->target->transport == TARGET_STDIO) {
		resp = bridge_call_stdio(b, msg, out);
		goto out;
	}
	/* The headers the body implies (a modern client's were checked
	 * against its body already: modern_check). */
	params = json_object_get(msg, "params");
	nv = strcmp(method, "resources/read") == 0 ?
	    json_object_get(params, "uri") :
	    strcmp(method, "tools/call") == 0 ||
	    strcmp(method, "prompts/get") == 0 ?
	    json_object_get(params, "name") : NULL;
	if (bridge_header_value(&mh, method) == -1 || (json_is_string(nv) &&
	    bridge_header_value(&nh, json_string_value(nv)) == -1)) {
		resp = bridge_failed(b, msg, RESPONSE_FAIL_INVALID,
		    "a method or name no header can carry", method);
		goto out;
	}
	fwd[n].name = "Mcp-Method";
	fwd[n].value = mh.data;
	fwd[n++].catalog = 0;
	if (json_is_string(nv)) {
		fwd[n].name = "Mcp-Name";
		fwd[n].value = nh.data;
		fwd[n++].catalog = 0;
	}
	for (i = 0; i < b->n_forward && n < LIMIT_MCP_PARAM_HEADERS; i++)
		fwd[n++] = b->forward[i];
	upstream_target_http(b->target, hs, &opts);
	opts.protocol_version = MCP_VERSION_MODERN;
	opts.session_id = NULL;
	opts.traceparent = tracectx_next(&b->req->trace, tp) == 0 ? tp : NULL;
	opts.tracestate = b->req->trace.state;
	opts.forward = fwd;
	opts.n_forward = n;
	bridge_gone(b, &g);
	opts.gone = &g;
	t0 = request_elapsed_ms(b->req);
	e = upstream_http_call(&opts, body.data, body.len, bridge_event, b,
	    &res);
	b->ms = (b->ms < 0 ? 0 : b->ms) + request_elapsed_ms(b->req) - t0;
	err = json_object_get(res.json, "error");
	if (e == UPSTREAM_HTTP_OK) {
		if (id != NULL && res.json != NULL)
			resp = json_incref(res.json);
	} else if (e == UPSTREAM_HTTP_STATUS && json_is_object(err) &&
	    json_is_integer(json_object_get(err, "code")) && id != NULL) {
		/* The upstream's own JSON-RPC error: passed on, status and
		 * all (-32602 400, -32601 404, ...). */
		resp = json_incref(res.json);
		b->status = res.status >= 400 && res.status < 500 ?
		    (int)res.status : 502;
	} else
		resp = bridge_failed(b, msg, upstream_fail_http(e),
		    res.msg[0] != '\0' ? res.msg : upstream_http_strerror(e),
		    res.detail);
	if (resp != NULL && id != NULL)
		json_object_set(resp, "id", (json_t *)(uintptr_t)id);
out:
	upstream_http_result_release(&res);
	buf_release(&nh);
	buf_release(&mh);
	buf_release(&body);
	json_decref(out);
	return resp;
}

/* A stdio probe's child, of a legacy server: ended now rather than
 * kept idle until its expiry (no call will take it). */
static void
bridge_forget(const struct bridge_modern *b)
{
	struct upstream	 u;

	if (b->target->transport != TARGET_STDIO)
		return;
	memset(&u, 0, sizeof(u));
	u.req = b->req;
	u.target = b->target;
	u.stateless = 1;
	upstream_forget(&u);
}

/* A version the platform speaks in the modern era, in supportedVersions. */
static int
bridge_speaks(const json_t *result)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(json_object_get(result, "supportedVersions"), i,
	    v)
		if (json_is_string(v) && mcp_version_modern(json_string_value(v)))
			return 1;
	return 0;
}

json_t *
bridge_modern_discover(struct bridge_modern *b)
{
	struct bridge_entry	*e;
	struct buf		 era, pub, priv;
	const json_t		*res, *ttl;
	const char		*scope;
	struct bridge_modern	 probe;
	json_t			*msg = NULL, *resp = NULL, *out = NULL;
	uint64_t		 ttl_ms;

	b->cached = 0;
	if (!bridge_askable(b))
		return NULL;
	buf_init(&era, LIMIT_BRIDGE_KEY + 1);
	buf_init(&pub, LIMIT_BRIDGE_KEY + 1);
	buf_init(&priv, LIMIT_BRIDGE_KEY + 1);
	if (bridge_keys(b, &era, &pub, &priv) == -1)
		goto out;
	if ((e = bridge_get(era.data)) != NULL && !e->modern)
		goto out;
	if ((e = bridge_get(pub.data)) != NULL ||
	    (e = bridge_get(priv.data)) != NULL) {
		b->cached = 1;
		out = json_incref(e->discover);
		goto out;
	}
	msg = json_pack("{s:s, s:s, s:s, s:{}}", "jsonrpc", "2.0", "id",
	    "platform-discover", "method", "server/discover", "params");
	if (msg == NULL)
		goto out;
	/* The platform's own request: no client headers, capabilities or
	 * reshaping (the cache keeps the upstream's result). */
	probe = *b;
	probe.n_forward = 0;
	probe.client_caps = NULL;
	probe.probe = 1;
	probe.relay = NULL;
	probe.beat = NULL;	/* no stream begun for the platform's own
				   request (an initialize answers with
				   headers) */
	resp = bridge_modern_call(&probe, msg);
	b->ms = probe.ms;
	b->status = probe.status;
	if (resp == NULL)
		goto out;
	res = json_object_get(resp, "result");
	if (!json_is_object(res) || !bridge_speaks(res)) {
		/* Reached, and not modern (a transport failure is no
		 * verdict: the next request asks again). A stdio server that
		 * fails a request before initialize is legacy (and would
		 * fail every probe): a verdict, and its child ends. */
		if (b->status < 500 || b->target->transport == TARGET_STDIO)
			bridge_put(era.data, 0, NULL,
			    (uint64_t)LIMIT_BRIDGE_ERA_TTL_S * 1000);
		bridge_forget(b);
		b->status = 200;
		goto out;
	}
	bridge_put(era.data, 1, NULL, (uint64_t)LIMIT_BRIDGE_ERA_TTL_S * 1000);
	ttl = json_object_get(res, "ttlMs");
	ttl_ms = json_is_integer(ttl) && json_integer_value(ttl) > 0 ?
	    (uint64_t)json_integer_value(ttl) : 0;
	if (ttl_ms > LIMIT_BRIDGE_DISCOVER_TTL_MS)
		ttl_ms = LIMIT_BRIDGE_DISCOVER_TTL_MS;
	scope = jsonx_str(res, "cacheScope");
	bridge_put(scope != NULL && strcmp(scope, "public") == 0 ? pub.data :
	    priv.data, 1, res, ttl_ms);
	out = json_incref((json_t *)(uintptr_t)res);
out:
	json_decref(resp);
	json_decref(msg);
	buf_release(&priv);
	buf_release(&pub);
	buf_release(&era);
	return out;
}

int
bridge_modern_is(struct bridge_modern *b)
{
	struct bridge_entry	*e;
	struct buf		 era;
	json_t			*d;
	int			 rc = -1;

	if (!bridge_askable(b))
		return 0;
	buf_init(&era, LIMIT_BRIDGE_KEY + 1);
	if (buf_printf(&era, "E|%s", bridge_where(b->target)) == 0 &&
	    (e = bridge_get(era.data)) != NULL)
		rc = e->modern;
	buf_release(&era);
	if (rc != -1)
		return rc;
	d = bridge_modern_discover(b);
	json_decref(d);
	return d != NULL;
}

void
bridge_caps_undeliverable(json_t *caps, int list_changed)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(caps, k, v) {
		(void)k;
		if (!json_is_object(v))
			continue;
		json_object_del(v, "subscribe");
		if (!list_changed)
			json_object_del(v, "listChanged");
	}
}

json_t *
bridge_modern_caps(const json_t *caps)
{
	json_t		*out;

	if ((out = json_deep_copy(caps)) == NULL || !json_is_object(out)) {
		json_decref(out);
		return json_object();
	}
	/* For a legacy client: list changes reach it on the GET stream
	 * (relayed from the upstream's subscriptions/listen), but
	 * resources/subscribe has no stateless form, and the tasks
	 * extension is the modern era's. */
	json_object_del(out, "tasks");
	bridge_caps_undeliverable(out, 1);
	return out;
}

json_t *
bridge_modern_initialize(const json_t *d, const char *version)
{
	json_t		*res;
	const json_t	*info;

	info = json_object_get(json_object_get(d, "_meta"),
	    MODERN_META_SERVER_INFO);
	res = json_pack("{s:s, s:o}", "protocolVersion", version,
	    "capabilities", bridge_modern_caps(json_object_get(d,
	    "capabilities")));
	if (res == NULL)
		return NULL;
	json_object_set_new(res, "serverInfo", json_is_object(info) ?
	    json_deep_copy(info) : json_pack("{s:s, s:s}", "name", "upstream",
	    "version", "0"));
	if (json_is_string(json_object_get(d, "instructions")))
		json_object_set(res, "instructions",
		    json_object_get(d, "instructions"));
	return res;
}

void
bridge_modern_to_legacy(json_t *resp)
{
	json_t		*res = json_object_get(resp, "result"), *meta, *v;
	const char	*k;
	void		*tmp;

	if (!json_is_object(res))
		return;
	json_object_del(res, "resultType");
	json_object_del(res, "ttlMs");
	json_object_del(res, "cacheScope");
	meta = json_object_get(res, "_meta");
	json_object_foreach_safe(meta, tmp, k, v) {
		(void)v;
		if (strncmp(k, BRIDGE_META_PREFIX,
		    sizeof(BRIDGE_META_PREFIX) - 1) == 0)
			json_object_del(meta, k);
	}
	if (json_is_object(meta) && json_object_size(meta) == 0)
		json_object_del(res, "_meta");
}

static int
bridge_input_required(const json_t *resp)
{
	const char	*t = jsonx_str(json_object_get(resp, "result"),
			    "resultType");

	return t != NULL && strcmp(t, "input_required") == 0;
}

/* The platform's error (NEW) ending a legacy client's rounds. */
static json_t *
bridge_round_error(struct bridge_modern *b, const json_t *msg,
    enum response_fail f, const char *why)
{
	log_info(MOD, "http '%s' input_required: %s", b->target->alias, why);
	response_fail_map(f, NULL, &b->status);
	return response_rpc_error(f, json_object_get(msg, "id"), why);
}

/* The client's answers to one round's inputRequests (NEW object, by
 * key), or NULL with *err the client's error (NEW). */
static json_t *
bridge_round(struct bridge_modern *b, const json_t *msg, const json_t *reqs,
    json_t **err)
{
	const struct config	*cfg = b->req->cfg;
	struct bridge_park_owner o = { b->target->tenant_id, b->target->alias,
				    b->caller };
	struct bridge_park	 p;
	struct buf		 id;
	const json_t		*ir;
	const char		*k;
	json_t			*out = json_object(), *got = NULL, *s2c;
	uint64_t		 deadline;

	*err = NULL;
	buf_init(&id, LIMIT_BRIDGE_REPLY);
	if (out == NULL || bridge_park_open(&p, cfg) == -1) {
		*err = bridge_round_error(b, msg, RESPONSE_FAIL_INTERNAL,
		    "cannot park the call for the client's input");
		goto fail;
	}
	json_object_foreach((json_t *)(uintptr_t)reqs, k, ir) {
		const char	*cap = mcp_client_cap(jsonx_str(ir, "method"),
				    NULL);

		buf_reset(&id);
		/* Never asked of a client that did not declare it (the
		 * upstream was told; a server asking anyway is at fault). */
		if (cap != NULL && !json_is_object(json_object_get(
		    b->client_caps, cap))) {
			*err = bridge_round_error(b, msg,
			    RESPONSE_FAIL_UPSTREAM_ERROR, cap[0] == 'e' ?
			    "the server asked for elicitation, which this "
			    "client did not declare" : cap[0] == 's' ?
			    "the server asked for sampling, which this "
			    "client did not declare" : "the server asked for "
			    "roots, which this client did not declare");
			goto fail;
		}
		if (jsonx_str(ir, "method") == NULL ||
		    bridge_park_id(&p, cfg, &o, k, &id) == -1 ||
		    (s2c = json_pack("{s:s, s:s, s:s}", "jsonrpc", "2.0", "id",
		    id.data, "method", jsonx_str(ir, "method"))) == NULL) {
			*err = bridge_round_error(b, msg,
			    RESPONSE_FAIL_UPSTREAM_ERROR,
			    "an input request the platform cannot relay");
			goto fail;
		}
		if (json_is_object(json_object_get(ir, "params")))
			json_object_set(s2c, "params", json_object_get(ir,
			    "params"));
		/* On the client's POST stream (the legacy way a server
		 * asks: sampling, elicitation, roots). */
		b->relay(b->arg, s2c);
		json_decref(s2c);
	}
	deadline = clock_mono_ms() + LIMIT_BRIDGE_WAIT_MS;
	while (json_object_size(out) < json_object_size(reqs)) {
		if (bridge_park_wait(&p, deadline, &got) == -1) {
			*err = bridge_round_error(b, msg,
			    RESPONSE_FAIL_UPSTREAM_TIMEOUT,
			    "the client did not answer the input request in "
			    "time");
			goto fail;
		}
		k = jsonx_str(got, "k");
		if (json_object_get(reqs, k) != NULL &&
		    json_object_get(got, "error") != NULL) {
			*err = bridge_round_error(b, msg,
			    RESPONSE_FAIL_UPSTREAM_ERROR,
			    "the client refused an input request");
			goto fail;
		}
		if (json_object_get(reqs, k) != NULL &&
		    json_is_object(json_object_get(got, "result")))
			json_object_set(out, k, json_object_get(got, "result"));
		json_decref(got);
		got = NULL;
	}
	bridge_park_close(&p);
	buf_release(&id);
	return out;
fail:
	json_decref(got);
	bridge_park_close(&p);
	buf_release(&id);
	json_decref(out);
	return NULL;
}

/*
 * A legacy client's call whose upstream answered input_required (resp,
 * owned): each round's inputRequests become server->client requests on
 * the client's stream, its replies (bridge_park.h) the retry's
 * inputResponses, with the upstream's requestState; at most
 * LIMIT_BRIDGE_ROUNDS rounds. The final answer, NEW.
 */
static json_t *
bridge_rounds(struct bridge_modern *b, const json_t *msg, json_t *resp)
{
	const json_t	*res, *reqs, *st;
	json_t		*answers, *retry, *params, *err;
	int		 round;

	for (round = 0; bridge_input_required(resp); round++) {
		res = json_object_get(resp, "result");
		reqs = json_object_get(res, "inputRequests");
		st = json_object_get(res, "requestState");
		if (round >= LIMIT_BRIDGE_ROUNDS || b->relay == NULL ||
		    (!json_is_object(reqs) && !json_is_string(st))) {
			json_decref(resp);
			return bridge_round_error(b, msg,
			    RESPONSE_FAIL_UPSTREAM_ERROR, "the upstream's "
			    "input_required cannot be completed");
		}
		answers = json_is_object(reqs) && json_object_size(reqs) > 0 ?
		    bridge_round(b, msg, reqs, &err) : json_object();
		if (answers == NULL) {
			json_decref(resp);
			return err;
		}
		retry = json_deep_copy(msg);
		params = json_object_get(retry, "params");
		if (retry != NULL && !json_is_object(params)) {
			params = json_object();
			json_object_set_new(retry, "params", params);
		}
		json_object_set_new(params, "inputResponses", answers);
		if (json_is_string(st))
			json_object_set(params, "requestState",
			    (json_t *)(uintptr_t)st);
		json_decref(resp);
		resp = retry != NULL ? bridge_modern_call(b, retry) : NULL;
		json_decref(retry);
		if (resp == NULL)
			return bridge_round_error(b, msg,
			    RESPONSE_FAIL_INTERNAL, "internal error");
	}
	return resp;
}

/*
 * logging/setLevel of a legacy session, gone in 2026-07-28 (a per-request
 * logLevel instead): answered by the platform, the level kept for the
 * session's later calls (session.h). The answer, NEW.
 */
static json_t *
bridge_set_level(struct bridge_modern *b, const json_t *msg)
{
	const json_t	*id = json_object_get(msg, "id");
	int		 lv;

	lv = mcp_log_level(jsonx_str(json_object_get(msg, "params"),
	    "level"));
	if (lv == -1)
		return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0",
		    "id", (json_t *)(uintptr_t)id, "error", "code", -32602,
		    "message", "params.level is not a log level (debug, info, "
		    "notice, warning, error, critical, alert, emergency)");
	if (b->session_id != NULL)
		session_level_set(b->session_id, lv, b->session_expires);
	return json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id",
	    (json_t *)(uintptr_t)id, "result");
}

/* A legacy client's request on a modern upstream. */
int
bridge_modern_legacy(struct bridge_modern *b, const json_t *msg,
    json_t **resp)
{
	const json_t	*id = json_object_get(msg, "id");
	const char	*method = jsonx_str(msg, "method");
	json_t		*caps;

	*resp = NULL;
	if (!bridge_modern_is(b))
		return 0;
	if (method == NULL) {
		/* A response: delivered to the parked call it names
		 * (bridge_park.h), else nobody is waiting for it: 404. */
		struct bridge_park_owner o = { b->target->tenant_id,
		    b->target->alias, b->caller };

		if (bridge_park_deliver(b->req->cfg, &o, msg) == -1)
			b->status = 404;
		else
			b->status = 202;
		return 1;
	}
	if (id == NULL)
		/* notifications/initialized was the platform's, and
		 * 2026-07-28 over HTTP has no client notification (a closed
		 * stream is the cancellation): accepted, not sent on. */
		return 1;
	if (strcmp(method, "logging/setLevel") == 0) {
		*resp = bridge_set_level(b, msg);
		return 1;
	}
	if (b->session_id != NULL)
		b->log_level = session_level_get(b->session_id, time(NULL));
	/* What the legacy client declared at initialize (its session
	 * keeps the bits): the upstream asks only for what it can
	 * answer, on its POST stream. */
	caps = mcp_client_caps_json(b->legacy_caps);
	b->client_caps = caps;
	*resp = bridge_modern_call(b, msg);
	if (bridge_input_required(*resp))
		*resp = bridge_rounds(b, msg, *resp);
	b->client_caps = NULL;
	json_decref(caps);
	bridge_modern_to_legacy(*resp);
	return 1;
}

json_t *
bridge_modern_legacy_initialize(struct bridge_modern *b, const json_t *msg,
    const char *version)
{
	json_t	*d, *res;

	if ((d = bridge_modern_discover(b)) == NULL)
		return NULL;
	res = bridge_modern_initialize(d, version);
	json_decref(d);
	if (res == NULL)
		return NULL;
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    json_object_get(msg, "id"), "result", res);
}

/* ---- subscriptions/listen and the legacy GET stream ------------------- */

#define BRIDGE_META_SUBSCRIPTION	"io.modelcontextprotocol/subscriptionId"

/* The listen stream's messages for the client, counted against the
 * bound; for a legacy client without the acknowledgement and the
 * subscription tag (a GET stream has neither). */
static int
bridge_listen_event(void *arg, const char *data, size_t len,
    const json_t *msg)
{
	struct bridge_modern	*b = arg;
	const char		*method = jsonx_str(msg, "method");
	json_t			*copy;

	(void)data;
	(void)len;
	if (method == NULL || json_object_get(msg, "id") != NULL ||
	    b->relay == NULL)
		return 0;
	if (!b->listen_legacy)
		b->relay(b->arg, msg);
	else if (strcmp(method, "notifications/subscriptions/acknowledged") !=
	    0 && (copy = json_deep_copy(msg)) != NULL) {
		json_t	*meta = json_object_get(json_object_get(copy,
		    "params"), "_meta");

		json_object_del(meta, BRIDGE_META_SUBSCRIPTION);
		if (json_is_object(meta) && json_object_size(meta) == 0)
			json_object_del(json_object_get(copy, "params"),
			    "_meta");
		b->relay(b->arg, copy);
		json_decref(copy);
	}
	/* The acknowledgement does not count against the bound. */
	if (strcmp(method, "notifications/subscriptions/acknowledged") != 0 &&
	    ++b->events >= LIMIT_LISTEN_NOTIFICATIONS)
		return -1;
	return 0;
}

json_t *
bridge_modern_listen(struct bridge_modern *b, const json_t *msg)
{
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS];
	struct upstream_http_header	 fwd[1];
	struct upstream_http_opts	 opts;
	struct upstream_http_result	 res;
	enum upstream_http_err		 e;
	struct gone			 g;
	struct buf			 body;
	const json_t			*id;
	json_t				*out = NULL, *own = NULL, *resp = NULL;
	char				 tp[TRACECTX_PARENT_LEN + 1];
	double				 t0;
	long				 bound = LIMIT_LISTEN_MS;

	b->status = 200;
	b->events = 0;
	if (msg == NULL) {
		/* The legacy GET stream: every list change the upstream
		 * has (resource updates need resources/subscribe, which a
		 * stateless upstream cannot keep: not asked for). */
		own = json_pack("{s:s, s:s, s:s, s:{s:{s:b, s:b, s:b}}}",
		    "jsonrpc", "2.0", "id", "platform-listen", "method",
		    "subscriptions/listen", "params", "notifications",
		    "toolsListChanged", 1, "promptsListChanged", 1,
		    "resourcesListChanged", 1);
		msg = own;
	}
	id = json_object_get(msg, "id");
	buf_init(&body, LIMIT_RESPONSE_BODY);
	upstream_http_result_init(&res);
	if (msg == NULL || (out = bridge_modern_msg(b, msg)) == NULL ||
	    jsonx_dumpb(&body, out) == -1) {
		resp = bridge_failed(b, msg, RESPONSE_FAIL_INTERNAL,
		    "internal error", "out of memory");
		goto out;
	}
	fwd[0].name = "Mcp-Method";
	fwd[0].value = "subscriptions/listen";
	fwd[0].catalog = 0;
	upstream_target_http(b->target, hs, &opts);
	/* Bounded in time: the lower of the platform's bound and the
	 * server's own timeout (a worker held by a stream serves no one
	 * else: docs/architecture.md). */
	if (opts.timeout_ms > 0 && opts.timeout_ms < bound)
		bound = opts.timeout_ms;
	opts.timeout_ms = bound;
	opts.protocol_version = MCP_VERSION_MODERN;
	opts.traceparent = tracectx_next(&b->req->trace, tp) == 0 ? tp : NULL;
	opts.tracestate = b->req->trace.state;
	opts.forward = fwd;
	opts.n_forward = 1;
	bridge_gone(b, &g);
	opts.gone = &g;
	t0 = request_elapsed_ms(b->req);
	e = upstream_http_call(&opts, body.data, body.len, bridge_listen_event,
	    b, &res);
	b->ms = request_elapsed_ms(b->req) - t0;
	if (e == UPSTREAM_HTTP_OK && res.json != NULL)
		resp = json_incref(res.json);	/* the upstream closed it */
	else if (e == UPSTREAM_HTTP_TIMEOUT || e == UPSTREAM_HTTP_ABORTED)
		/* The platform's bound: closed gracefully, as the upstream
		 * would (an empty result tagged with the subscription). */
		resp = json_pack("{s:s, s:O, s:{s:s, s:{s:O}}}", "jsonrpc",
		    "2.0", "id", (json_t *)(uintptr_t)id, "result",
		    "resultType", "complete", "_meta",
		    BRIDGE_META_SUBSCRIPTION, (json_t *)(uintptr_t)id);
	else if (e == UPSTREAM_HTTP_STATUS && json_is_object(
	    json_object_get(res.json, "error"))) {
		resp = json_incref(res.json);
		b->status = res.status >= 400 && res.status < 500 ?
		    (int)res.status : 502;
	} else
		resp = bridge_failed(b, msg, upstream_fail_http(e),
		    res.msg[0] != '\0' ? res.msg : upstream_http_strerror(e),
		    res.detail);
	if (resp != NULL)
		json_object_set(resp, "id", (json_t *)(uintptr_t)id);
out:
	upstream_http_result_release(&res);
	buf_release(&body);
	json_decref(out);
	json_decref(own);
	return resp;
}
