/*
 * test_mcp.c -- the MCP endpoint's driver (mcp_post, mcp_delete) end to
 * end, in process: a request from an in-memory environment, real auth
 * (an HS256 user token), real resolve and target against a stub PostgREST,
 * and stub upstreams -- an http one on the same stub server, a stdio one
 * that is a small sh program. Each step's refusal with its status and
 * JSON-RPC code, the 202 paths, session errors, policy refusal, upstream
 * errors, and the request-log record filled at the end.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "config.h"
#include "httpc.h"
#include "http/io.h"
#include "http/request.h"
#include "jsonx.h"
#include "log/reqlog.h"
#include "mcp/mcp.h"
#include "mcp/upstream_stdio.h"
#include "store/ended.h"
#include "store/resolve.h"
#include "t.h"
#include "tkeys.h"
#include "tstub.h"

#define UUID1	"6f1c2e4a-1b2c-4d3e-8f90-a1b2c3d4e5f6"
#define TID	"0190a8e4-7c1e-7b3a-8f00-123456789abc"
#define SECRET	"super-secret-jwt-token-with-at-least-32-characters-long"
#define HEXKEY	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"
#define INIT	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"," \
		"\"params\":{\"protocolVersion\":\"2025-06-18\"," \
		"\"capabilities\":{},\"clientInfo\":{\"name\":\"t\"," \
		"\"version\":\"1\"}}}"
#define TRACE_ID "4bf92f3577b34da6a3ce929d0e0e4736"
#define TRACEPARENT "HTTP_TRACEPARENT=00-" TRACE_ID "-00f067aa0ba902b7-01"
#define LIST	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"
#define CALL(t)	"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\"," \
		"\"params\":{\"name\":\"" t "\",\"arguments\":{}}}"
#define NOTE	"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"," \
		"\"params\":{\"requestId\":9}}"
#define ANSWER	"{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"result\":{}}"

/*
 * The stdio upstream: answers initialize, dies on a tools/call of
 * "crash", answers every other request with an empty content list
 * (ids are the platform's integers).
 */
static const char stdio_server[] =
    "while IFS= read -r l; do\n"
    "  case \"$l\" in\n"
    "  *'\"initialize\"'*) r='{\"protocolVersion\":\"2025-11-25\","
    "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"sh\","
    "\"version\":\"1\"}}';;\n"
    "  *'\"crash\"'*) exit 3;;\n"
    "  *'\"traceparent\":\"00-" TRACE_ID "-'*) r='{\"traced\":true}';;\n"
    "  *'\"id\":'*) r='{\"content\":[]}';;\n"
    "  *) continue;;\n"
    "  esac\n"
    "  id=${l##*'\"id\":'}; id=${id# }; id=${id%%[!0-9]*}\n"
    "  printf '{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}\\n' \"$id\" "
    "\"$r\"\n"
    "done\n";

/* The servers the stub resolves: <test_dir>/doc-<alias>.json. */
static const char *const test_aliases[] = {
	"files", "web", "fail", "gone", "nokey",
};

static char	 test_dir[512], up_log[600];
static char	*token;
static int	 test_port;
static struct config	 cfg;

/* The id of the JSON-RPC message in a request body, as text, or "". */
static void
test_id(const char *body, char *out, size_t outlen)
{
	const char	*p = strstr(body, "\"id\":");
	size_t		 n = 0;

	if (p != NULL)
		for (p += 5; *p != '\0' && *p != ',' && *p != '}' &&
		    n + 1 < outlen; p++)
			out[n++] = *p;
	out[n] = '\0';
}

/* The http upstream at /up/<kind>: ok, fail (500), gone (404 for a
 * request in a session, as if the upstream had restarted). */
static void
test_upstream(int fd, const char *req, const char *body)
{
	char	 id[64], answer[512];
	int	 in_session = strcasestr(req, "\r\nMcp-Session-Id:") != NULL;

	test_id(body, id, sizeof(id));
	if (strncmp(req, "POST /up/fail ", 14) == 0) {
		tstub_answer(fd, 500, "", "{}");
		return;
	}
	if (strncmp(req, "POST /up/gone ", 14) == 0 && in_session &&
	    id[0] != '\0') {
		tstub_answer(fd, 404, "", "{}");
		return;
	}
	if (id[0] == '\0') {
		tstub_answer(fd, 202, "", NULL);	/* notification, answer */
		return;
	}
	if (strstr(body, "\"initialize\"") != NULL)
		snprintf(answer, sizeof(answer), "{\"jsonrpc\":\"2.0\",\"id\":%s,"
		    "\"result\":{\"protocolVersion\":\"2025-06-18\","
		    "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":"
		    "\"stub\",\"version\":\"1\"}}}", id);
	else if (strstr(body, "\"tools/list\"") != NULL)
		snprintf(answer, sizeof(answer), "{\"jsonrpc\":\"2.0\",\"id\":%s,"
		    "\"result\":{\"tools\":[{\"name\":\"echo\"},{\"name\":"
		    "\"secret\"}]}}", id);
	else
		snprintf(answer, sizeof(answer), "{\"jsonrpc\":\"2.0\",\"id\":%s,"
		    "\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
		    "\"hi\"}]}}", id);
	tstub_answer(fd, 200, "Mcp-Session-Id: up-1\r\n", answer);
}

/* public.ended_sessions (store/ended.c): a POST's row is kept, one a
 * line, in <test_dir>/ended; a GET answers all of them (the stub does not
 * filter), a DELETE nothing. */
static void
test_ended(int fd, const char *req, const char *body)
{
	char	 path[700], *rows, *p;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/ended", test_dir);
	if (req[0] == 'P') {
		if ((f = fopen(path, "a")) != NULL) {
			fprintf(f, "%s,\n", body);
			fclose(f);
		}
		tstub_answer(fd, 201, "", NULL);
		return;
	}
	if (req[0] == 'D') {
		tstub_answer(fd, 204, "", NULL);
		return;
	}
	rows = tstub_slurp(path);
	if (rows == NULL || rows[0] == '\0') {
		tstub_answer(fd, 200, "", "[]");
		free(rows);
		return;
	}
	if ((p = strrchr(rows, ',')) != NULL)
		*p = ']';
	if ((p = malloc(strlen(rows) + 2)) != NULL) {
		p[0] = '[';
		memcpy(p + 1, rows, strlen(rows) + 1);
		tstub_answer(fd, 200, "", p);
	}
	free(p);
	free(rows);
}

static void
test_stub(int fd, const char *req, size_t len)
{
	const char	*body = strstr(req, "\r\n\r\n");
	char		*doc = NULL, want[64], path[700];
	size_t		 i;

	body = body != NULL ? body + 4 : "";
	if (strncmp(req, "POST /up/", 9) == 0) {
		tstub_log(up_log, req, len);
		test_upstream(fd, req, body);
		return;
	}
	if (strncmp(req, "POST /rest/v1/ended_sessions?", 29) == 0 ||
	    strncmp(req, "GET /rest/v1/ended_sessions?", 28) == 0 ||
	    strncmp(req, "DELETE /rest/v1/ended_sessions?", 31) == 0) {
		test_ended(fd, req, body);
		return;
	}
	/* Tool pins (mcp/pins.h): none yet, warn; writes accepted. */
	if (strncmp(req, "POST /rest/v1/rpc/tool_pins_", 28) == 0) {
		tstub_answer(fd, 200, "", strncmp(req + 28, "get ", 4) == 0 ?
		    "{\"mode\":\"warn\",\"pins\":{}}" : "{}");
		return;
	}
	if (strncmp(req, "POST /rest/v1/rpc/resolve_mcp_target ", 37) != 0) {
		tstub_answer(fd, 404, "", "{}");
		return;
	}
	if (strstr(body, "\"p_server\":\"boom\"") != NULL) {
		tstub_answer(fd, 500, "", "{\"code\":\"XX000\"}");
		return;
	}
	for (i = 0; i < sizeof(test_aliases) / sizeof(test_aliases[0]);
	    i++) {
		snprintf(want, sizeof(want), "\"p_server\":\"%s\"",
		    test_aliases[i]);
		if (strstr(body, want) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/doc-%s.json", test_dir,
		    test_aliases[i]);
		doc = tstub_slurp(path);
		break;
	}
	tstub_answer(fd, 200, "", doc != NULL ? doc : "null");
	free(doc);
}

/* A resolve answer for alias; server is the catalog entry's fields. */
static char *
test_doc(const char *alias, json_t *server, const char *deny)
{
	json_t	*d;
	char	*s;

	json_object_set_new(server, "name", json_string("A server"));
	json_object_set_new(server, "settings_spec", json_array());
	if (json_object_get(server, "secrets_spec") == NULL)
		json_object_set_new(server, "secrets_spec", json_array());
	json_object_set_new(server, "limits", json_object());
	d = json_pack("{s:{s:s, s:s, s:s, s:{}}, s:{s:s, s:s, s:s}, s:o,"
	    " s:{s:s, s:s, s:{}, s:{}, s:n, s:[s], s:{}, s:i}}",
	    "tenant", "id", TID, "slug", "demo", "status", "active", "limits",
	    "caller", "kind", "user", "id", UUID1, "role", "owner",
	    "server", server,
	    "tenant_server", "id", "0190a8e4-7c1e-7b3a-8f00-000000000001",
	    "alias", alias, "settings", "secrets", "tool_allow", "tool_deny",
	    deny, "limits", "version", 1);
	s = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return s;
}

static char *
test_http_doc(const char *alias, const char *kind, int secret)
{
	char	 url[128];
	json_t	*server;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/up/%s", test_port,
	    kind);
	server = json_pack("{s:s, s:s, s:n, s:s}", "slug", alias, "transport",
	    "http", "argv", "url", url);
	if (secret)
		json_object_set_new(server, "secrets_spec", json_pack(
		    "[{s:s, s:s, s:s, s:b}]", "name", "api_token", "delivery",
		    "header", "target", "Authorization", "required", 1));
	return test_doc(alias, server, "secret");
}

/* ---- one request through the driver --------------------------------- */

struct tres {
	int		 status;
	char		 sid[LIMIT_SESSION_ID + 1];
	char		*head;		/* the response head, malloc'd */
	json_t		*body;		/* parsed JSON body, or NULL */
	int		 code;		/* body's error.code (JSON-RPC or
					   none: 0) */
	int		 log_error;	/* the record's jsonrpc_error */
	int		 log_session;	/* the record has a session */
	int		 log_tenant;	/* the record has the tenant id */
	double		 log_upstream_ms;
	char		 log_method[32];
};

static void
test_res_release(struct tres *r)
{
	free(r->head);
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

static void
test_parse(struct tres *r, const char *out, size_t len)
{
	const char	*end, *p;
	json_t		*e;
	size_t		 n;

	r->status = 0;
	if (len >= 11 && strncmp(out, "Status: ", 8) == 0)
		r->status = (out[8] - '0') * 100 + (out[9] - '0') * 10 +
		    (out[10] - '0');
	end = strstr(out, "\r\n\r\n");
	r->head = end != NULL ? strndup(out, (size_t)(end - out)) :
	    strdup(out);
	if ((p = strstr(r->head, "\r\nMcp-Session-Id: ")) != NULL) {
		p += 18;
		n = strcspn(p, "\r");
		if (n < sizeof(r->sid))
			memcpy(r->sid, p, n);
	}
	if (end != NULL && (size_t)(end + 4 - out) < len)
		r->body = jsonx_loadb(end + 4, len - (size_t)(end + 4 - out),
		    LIMIT_JSON_DEPTH, NULL, 0);
	e = json_object_get(r->body, "error");
	if (json_is_integer(json_object_get(e, "code")))
		r->code = (int)json_integer_value(json_object_get(e, "code"));
}

/*
 * POST (or DELETE: body NULL) /mcp/demo/<server>. extra: "NAME=value"
 * entries that come first (and so win over the defaults), NULL-ended.
 */
static void
test_call(struct tres *r, const char *server, const char *body,
    const char *const *extra)
{
	const char		*env[24], *why;
	char			 path[128], cl[64], auth[2048];
	struct route_params	 params;
	struct request		 req;
	struct reqlog		 rl;
	struct io		 io;
	size_t			 n = 0;
	int			 st;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "PATH_INFO=/mcp/demo/%s", server);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu",
	    body != NULL ? strlen(body) : 0);
	snprintf(auth, sizeof(auth), "HTTP_AUTHORIZATION=Bearer %s", token);
	for (; extra != NULL && *extra != NULL && n < 12; extra++)
		env[n++] = *extra;
	env[n++] = body != NULL ? "REQUEST_METHOD=POST" :
	    "REQUEST_METHOD=DELETE";
	env[n++] = path;
	env[n++] = cl;
	env[n++] = "CONTENT_TYPE=application/json";
	env[n++] = "HTTP_ACCEPT=application/json, text/event-stream";
	env[n++] = auth;
	env[n++] = "HTTP_HOST=mcp.example";	/* for the 401's challenge */
	env[n] = NULL;
	io_init_mem(&io, env, body, body != NULL ? strlen(body) : 0, 1 << 20);
	reqlog_init(&rl);
	st = request_init(&req, &io, &cfg, &why);
	req.log = &rl;
	memset(&params, 0, sizeof(params));
	params.n = 2;
	params.v[0].p = "demo";
	params.v[0].len = 4;
	params.v[1].p = server;
	params.v[1].len = strlen(server);
	if (st != 0)
		T(!"request_init failed");
	else if (body != NULL)
		mcp_post(&req, &params);
	else
		mcp_delete(&req, &params);
	test_parse(r, io.out.data != NULL ? io.out.data : "", io.out.len);
	r->log_error = rl.jsonrpc_error;
	r->log_session = rl.session[0] != '\0';
	r->log_tenant = rl.str[REQLOG_TENANT_ID] != NULL &&
	    strcmp(rl.str[REQLOG_TENANT_ID], TID) == 0;
	r->log_upstream_ms = rl.upstream_ms;
	snprintf(r->log_method, sizeof(r->log_method), "%s",
	    rl.str[REQLOG_METHOD] != NULL ? rl.str[REQLOG_METHOD] : "");
	reqlog_release(&rl);
	request_release(&req);
	io_release(&io);
}

/* The JSON-RPC (or JSON) error message of the answer, or "". */
static const char *
test_msg(const struct tres *r)
{
	const char	*m = jsonx_str(json_object_get(r->body, "error"),
			    "message");

	return m != NULL ? m : "";
}

/* A string member of the answer's result, or "". */
static const char *
test_result_str(const struct tres *r, const char *name)
{
	const char	*v = jsonx_str(json_object_get(r->body, "result"),
			    name);

	return v != NULL ? v : "";
}

/* A session on server; its id into sid (or ""). */
static void
test_session(const char *server, char *sid, size_t len)
{
	struct tres	 r;

	test_call(&r, server, INIT, NULL);
	snprintf(sid, len, "%s", r.status == 200 ? r.sid : "");
	test_res_release(&r);
}

/* The header entry for a session id, in buf. */
static const char *
test_sid_env(char *buf, size_t len, const char *sid)
{
	snprintf(buf, len, "HTTP_MCP_SESSION_ID=%s", sid);
	return buf;
}

/* W3C trace context: forwarded to an http upstream as headers, to a
 * stdio child in params._meta (a new span id each hop). */
static void
test_trace(void)
{
	char		 sid[LIMIT_SESSION_ID + 1], sidenv[LIMIT_SESSION_ID + 32];
	const char	*extra[3] = { TRACEPARENT,
	    "HTTP_TRACESTATE=rojo=00f067aa0ba902b7", NULL };
	char		*log;
	struct tres	 r;

	/* http: the initialize POST carries traceparent and tracestate */
	test_call(&r, "web", INIT, extra);
	T(r.status == 200);
	test_res_release(&r);
	log = tstub_slurp(up_log);
	T(log != NULL && strstr(log, "traceparent: 00-" TRACE_ID "-") != NULL);
	T(log != NULL && strstr(log, "traceparent: 00-" TRACE_ID
	    "-00f067aa0ba902b7-01") == NULL);
	T(log != NULL && strstr(log, "tracestate: rojo=00f067aa0ba902b7") !=
	    NULL);
	free(log);
	/* stdio: the child sees the trace in _meta (the stub answers
	 * {"traced":true} when it does) */
	test_session("files", sid, sizeof(sid));
	T(sid[0] != '\0');
	extra[1] = test_sid_env(sidenv, sizeof(sidenv), sid);
	test_call(&r, "files", CALL("echo"), extra);
	T(r.status == 200 && json_is_true(json_object_get(json_object_get(
	    r.body, "result"), "traced")));
	test_res_release(&r);
	/* without a traceparent the child gets a trace of the request's
	 * own, not the one above */
	extra[0] = extra[1];
	extra[1] = NULL;
	test_call(&r, "files", CALL("echo"), extra);
	T(r.status == 200 && json_object_get(json_object_get(r.body,
	    "result"), "traced") == NULL);
	test_res_release(&r);
}

/* ---- the steps' refusals --------------------------------------------- */

static void
test_bounds(void)
{
	static const struct {
		int		 line;
		const char	*env;
		int		 status, code;
		const char	*msg;
	} cases[] = {
		{ __LINE__, "CONTENT_TYPE=text/plain", 415, -32600,
		    "Content-Type must be application/json" },
		{ __LINE__, "HTTP_ACCEPT=application/json", 406, -32600,
		    "Accept must list application/json and "
		    "text/event-stream" },
		{ __LINE__, "HTTP_ORIGIN=https://evil.example", 403, -32600,
		    "origin not allowed" },
		{ __LINE__, "HTTP_MCP_PROTOCOL_VERSION=1999-01-01", 400,
		    -32600, "unsupported MCP-Protocol-Version '1999-01-01'" },
		{ __LINE__, "HTTP_ORIGIN=https://app.example", 200, 0, NULL },
		{ __LINE__, "HTTP_AUTHORIZATION=Bearer nope", 401, 0, NULL },
	};
	const char	*extra[2];
	struct tres	 r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		extra[0] = cases[i].env;
		extra[1] = NULL;
		test_call(&r, "web", INIT, extra);
		T_LINE(r.status == cases[i].status, cases[i].line);
		T_LINE(r.code == cases[i].code && r.log_error == cases[i].code,
		    cases[i].line);
		if (cases[i].msg != NULL)
			T_LINE(strcmp(test_msg(&r), cases[i].msg) == 0,
			    cases[i].line);
		test_res_release(&r);
	}
	/* 401 carries the RFC 9728 challenge; nothing reached upstream. */
	extra[0] = "HTTP_AUTHORIZATION=Bearer nope";
	test_call(&r, "web", INIT, extra);
	T(r.status == 401 && strstr(r.head, "WWW-Authenticate: Bearer "
	    "error=\"invalid_token\", resource_metadata=") != NULL);
	T(!r.log_tenant);
	test_res_release(&r);
}

static void
test_resolve_refusals(void)
{
	struct tres	 r;

	test_call(&r, "nosuch", INIT, NULL);
	T(r.status == 404 && r.code == 0 && !r.log_tenant);
	T(jsonx_str(json_object_get(r.body, "error"), "code") != NULL &&
	    strcmp(jsonx_str(json_object_get(r.body, "error"), "code"),
	    "not_found") == 0);
	test_res_release(&r);
	test_call(&r, "boom", INIT, NULL);
	T(r.status == 503 && r.code == 0);
	test_res_release(&r);
	/* A required secret without a value: the tenant's to fix. */
	test_call(&r, "nokey", INIT, NULL);
	T(r.status == 500 && r.code == -32014 && r.log_error == -32014);
	T(strcmp(test_msg(&r),
	    "server not configured for this tenant: missing 'api_token'") ==
	    0);
	test_res_release(&r);
}

static void
test_parse_refusals(void)
{
	static const struct {
		int		 line;
		const char	*body;
		int		 status, code;
	} cases[] = {
		{ __LINE__, "{not json", 400, -32700 },
		{ __LINE__, "[]", 400, -32600 },
		{ __LINE__, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}",
		    400, -32600 },
		{ __LINE__, "{\"jsonrpc\":\"2.0\",\"method\":\"initialize\"}",
		    400, -32600 },
	};
	struct tres	 r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_call(&r, "web", cases[i].body, NULL);
		T_LINE(r.status == cases[i].status && r.code == cases[i].code &&
		    r.log_error == cases[i].code, cases[i].line);
		T_LINE(r.log_tenant, cases[i].line);
		test_res_release(&r);
	}
}

/* ---- the exchange ----------------------------------------------------- */

static void
test_http_session(void)
{
	char		 sid[LIMIT_SESSION_ID + 1], sidenv[LIMIT_SESSION_ID + 32];
	const char	*extra[2];
	struct tres	 r;
	struct ended_stats es;
	json_t		*tools;
	int		 before;

	before = tstub_count(up_log);
	test_call(&r, "web", INIT, NULL);
	T(r.status == 200 && r.sid[0] != '\0' && r.code == 0);
	/* The version negotiated with the client, not the upstream's. */
	T(strcmp(test_result_str(&r, "protocolVersion"), "2025-06-18") == 0);
	T(json_integer_value(json_object_get(r.body, "id")) == 1);
	T(r.log_session && r.log_tenant && r.log_upstream_ms >= 0 &&
	    strcmp(r.log_method, "initialize") == 0);
	/* initialize, then notifications/initialized: the platform's. */
	T(tstub_count(up_log) == before + 2);
	snprintf(sid, sizeof(sid), "%s", r.sid);
	test_res_release(&r);

	extra[0] = test_sid_env(sidenv, sizeof(sidenv), sid);
	extra[1] = NULL;
	/* The tool policy filters tools/list ... */
	test_call(&r, "web", LIST, extra);
	tools = json_object_get(json_object_get(r.body, "result"), "tools");
	T(r.status == 200 && json_array_size(tools) == 1 &&
	    strcmp(jsonx_str(json_array_get(tools, 0), "name"), "echo") == 0);
	T(r.log_session && strcmp(r.log_method, "tools/list") == 0);
	test_res_release(&r);
	/* ... and refuses a denied tools/call, without the upstream. */
	before = tstub_count(up_log);
	test_call(&r, "web", CALL("secret"), extra);
	T(r.status == 200 && r.code == -32602 && r.log_error == -32602);
	T(tstub_count(up_log) == before);
	test_res_release(&r);
	test_call(&r, "web", CALL("echo"), extra);
	T(r.status == 200 && r.code == 0 && json_is_object(json_object_get(
	    r.body, "result")));
	test_res_release(&r);
	test_call(&r, "web", "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
	    "\"ping\"}", extra);
	T(r.status == 200 && json_is_object(json_object_get(r.body,
	    "result")));
	test_res_release(&r);

	/* 202: a notification, a response; both go on to the upstream. */
	before = tstub_count(up_log);
	test_call(&r, "web", NOTE, extra);
	T(r.status == 202 && r.body == NULL);
	test_res_release(&r);
	test_call(&r, "web", ANSWER, extra);
	T(r.status == 202 && r.body == NULL);
	test_res_release(&r);
	T(tstub_count(up_log) == before + 2);
	/* notifications/initialized is the platform's own: not forwarded. */
	test_call(&r, "web", "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}", extra);
	T(r.status == 202 && tstub_count(up_log) == before + 2);
	test_res_release(&r);

	/* A batch after 2025-03-26. */
	test_call(&r, "web", "[" LIST "]", extra);
	T(r.status == 400 && r.code == -32600);
	test_res_release(&r);

	/* DELETE ends it (204); afterwards the id is unknown (404). */
	test_call(&r, "web", NULL, extra);
	T(r.status == 204);
	T(r.log_session && r.log_tenant);
	test_res_release(&r);
	test_call(&r, "web", LIST, extra);
	T(r.status == 404 && r.code == -32001 && r.log_error == -32001);
	test_res_release(&r);
	/* Another worker (or node): no copy yet; its first check reads the
	 * store (store/ended.c) and refuses the id too. */
	ended_cache_clear();
	ended_stats(&es);
	T(es.syncs == 0);
	test_call(&r, "web", LIST, extra);
	T(r.status == 404 && r.code == -32001);
	test_res_release(&r);
	ended_stats(&es);
	T(es.syncs == 1 && es.size == 1);
	test_call(&r, "web", NULL, extra);
	T(r.status == 404 && r.code == -32001);
	test_res_release(&r);
}

static void
test_session_errors(void)
{
	char		 sid[LIMIT_SESSION_ID + 1], sidenv[LIMIT_SESSION_ID + 32];
	const char	*extra[2] = { NULL, NULL };
	struct tres	 r;

	test_call(&r, "web", LIST, NULL);
	T(r.status == 400 && r.code == -32600 && !r.log_session);
	T(strcmp(test_msg(&r),
	    "Mcp-Session-Id header is required") == 0);
	test_res_release(&r);
	extra[0] = "HTTP_MCP_SESSION_ID=not-a-session";
	test_call(&r, "web", LIST, extra);
	T(r.status == 404 && r.code == -32001 && !r.log_session);
	test_res_release(&r);
	/* A session of another server is unknown here. */
	test_session("gone", sid, sizeof(sid));
	T(sid[0] != '\0');
	extra[0] = test_sid_env(sidenv, sizeof(sidenv), sid);
	test_call(&r, "web", LIST, extra);
	T(r.status == 404 && r.code == -32001);
	test_res_release(&r);
	/* A batch in a session that is not 2025-03-26's. */
	test_call(&r, "gone", "[" INIT "]", extra);
	T(r.status == 400 && r.code == -32600);
	test_res_release(&r);
}

/* 2025-03-26 batches: each message answered in order; initialize inside
 * one is refused (it must come alone), the rest still served. */
static void
test_batch(void)
{
	char		 sid[LIMIT_SESSION_ID + 1], sidenv[LIMIT_SESSION_ID + 32];
	const char	*extra[2] = { NULL, NULL };
	struct tres	 r;

	test_call(&r, "web", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":"
	    "\"1\"}}}", NULL);
	T(r.status == 200 && r.sid[0] != '\0');
	snprintf(sid, sizeof(sid), "%s", r.sid);
	test_res_release(&r);
	extra[0] = test_sid_env(sidenv, sizeof(sidenv), sid);
	test_call(&r, "web", "[" INIT "," LIST "," NOTE "]", extra);
	T(r.status == 200 && json_array_size(r.body) == 2);
	T(json_integer_value(json_object_get(json_object_get(json_array_get(
	    r.body, 0), "error"), "code")) == -32600);
	T(json_is_object(json_object_get(json_array_get(r.body, 1),
	    "result")));
	T(strcmp(r.log_method, "initialize") == 0 && r.log_session);
	test_res_release(&r);
	/* Only notifications: 202. */
	test_call(&r, "web", "[" NOTE "," NOTE "]", extra);
	T(r.status == 202 && r.body == NULL);
	test_res_release(&r);
}

static int
test_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
test_upstream_errors(void)
{
	char		 sid[LIMIT_SESSION_ID + 1], sidenv[LIMIT_SESSION_ID + 32];
	const char	*extra[2] = { NULL, NULL };
	struct tres	 r;

	/* The http upstream answers 500: 502 / -32011, no session. */
	test_call(&r, "fail", INIT, NULL);
	T(r.status == 502 && r.code == -32011 && r.sid[0] == '\0');
	T(r.log_error == -32011 && !r.log_session && r.log_upstream_ms >= 0);
	test_res_release(&r);
	/* The upstream lost its session: 404 / -32001 (re-initialize). */
	test_session("gone", sid, sizeof(sid));
	extra[0] = test_sid_env(sidenv, sizeof(sidenv), sid);
	test_call(&r, "gone", LIST, extra);
	T(r.status == 404 && r.code == -32001 && r.log_error == -32001);
	T(strcmp(test_msg(&r),
	    "upstream session not found") == 0);
	test_res_release(&r);
}

static void
test_stdio(void)
{
	char		 sid[LIMIT_SESSION_ID + 1], sidenv[LIMIT_SESSION_ID + 32];
	const char	*extra[2] = { NULL, NULL };
	struct tres	 r;

	test_call(&r, "files", INIT, NULL);
	T(r.status == 200 && r.sid[0] != '\0');
	T(strcmp(test_result_str(&r, "protocolVersion"), "2025-06-18") == 0);
	T(r.log_upstream_ms >= 0);
	if (r.status != 200 && r.head != NULL)
		printf("# %s\n", r.head);
	snprintf(sid, sizeof(sid), "%s", r.sid);
	test_res_release(&r);
	extra[0] = test_sid_env(sidenv, sizeof(sidenv), sid);
	test_call(&r, "files", CALL("echo"), extra);
	T(r.status == 200 && r.code == 0 && json_integer_value(
	    json_object_get(r.body, "id")) == 3);
	test_res_release(&r);
	test_call(&r, "files", NOTE, extra);
	T(r.status == 202);
	test_res_release(&r);
	/* A child that dies: 502 / -32011 "crashed". */
	test_call(&r, "files", CALL("crash"), extra);
	T(r.status == 502 && r.code == -32011 && r.log_error == -32011);
	T(strcmp(test_msg(&r),
	    "crashed") == 0);
	test_res_release(&r);
	/* The next call gets a fresh child. */
	test_call(&r, "files", CALL("echo"), extra);
	T(r.status == 200 && r.code == 0);
	test_res_release(&r);
}

/* ---- set-up ------------------------------------------------------------ */

static int
test_file(const char *name, const char *content)
{
	char	 path[700];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(content, f);
	fclose(f);
	return chmod(path, 0600);
}

/* The resolve answers, once the stub's port is known. */
static int
test_docs(void)
{
	json_t	*server;
	char	*doc[5];
	size_t	 i;
	int	 rc = 0;

	server = json_pack("{s:s, s:s, s:[s, s, s], s:n}", "slug", "files",
	    "transport", "stdio", "argv", "sh", "-c", stdio_server, "url");
	doc[0] = test_doc("files", server, "none");
	doc[1] = test_http_doc("web", "ok", 0);
	doc[2] = test_http_doc("fail", "fail", 0);
	doc[3] = test_http_doc("gone", "gone", 0);
	doc[4] = test_http_doc("nokey", "ok", 1);
	for (i = 0; i < 5; i++) {
		char	 name[64];

		snprintf(name, sizeof(name), "doc-%s.json", test_aliases[i]);
		if (doc[i] == NULL || test_file(name, doc[i]) == -1)
			rc = -1;
		free(doc[i]);
	}
	return rc;
}

static int
test_setup(void)
{
	char	 text[4096], path[700], err[256];

	snprintf(path, sizeof(path), "%s/data", test_dir);
	if (mkdir(path, 0711) == -1 || test_file("sk", "sb_secret_test") ==
	    -1 || test_file("jwt", SECRET) == -1 ||
	    test_file("mk", HEXKEY "\n") == -1)
		return -1;
	snprintf(text, sizeof(text),
	    "supabase_url = http://127.0.0.1:%d\n"
	    "supabase_secret_key_file = %s/sk\n"
	    "supabase_jwt_secret_file = %s/jwt\n"
	    "master_key_file = %s/mk\n"
	    "data_dir = %s/data\n"
	    "log_dir = %s\n"
	    "allowed_origins = https://app.example\n"
	    "%s", test_port, test_dir, test_dir, test_dir, test_dir, test_dir,
	    geteuid() == 0 ? "stdio_user = nobody\n" : "");
	if (test_file("platform.conf", text) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/platform.conf", test_dir);
	config_init(&cfg);
	if (config_load(&cfg, path, NULL, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return -1;
	}
	return test_docs();
}

static char *
test_token(void)
{
	struct buf	 claims;
	char		 tmpl[512], *t;

	snprintf(tmpl, sizeof(tmpl), "{\"iss\":\"http://127.0.0.1:%d/auth/v1\","
	    "\"aud\":\"authenticated\",\"sub\":\"" UUID1 "\",\"role\":"
	    "\"authenticated\",\"exp\":@N+3600@,\"iat\":@N-5@}", test_port);
	buf_init(&claims, 4096);
	tkeys_expand(tmpl, time(NULL), &claims);
	t = tkeys_sign(JWTX_ALG_HS256, SECRET, NULL, buf_cstr(&claims));
	buf_release(&claims);
	return t;
}

/* ---- the modern era (modern.c) through the driver ------------------ */

#define MMETA	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":" \
		"\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}"

static void
test_modern(void)
{
	const char	*extra[6];
	struct tres	 r;
	char		*log, *mark;
	int		 before;

	/* http: initialize, the call with the Mcp-Param-* headers, the
	 * session's DELETE; no session for the client. */
	extra[0] = "HTTP_MCP_PROTOCOL_VERSION=2026-07-28";
	extra[1] = "HTTP_MCP_METHOD=tools/call";
	extra[2] = "HTTP_MCP_NAME=echo";
	extra[3] = "HTTP_MCP_PARAM_REGION_CODE=us-west1";
	extra[4] = "HTTP_MCP_SESSION_ID=ignored";
	extra[5] = NULL;
	before = tstub_count(up_log);
	test_call(&r, "web", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
	    "{}," MMETA "}}", extra);
	T(r.status == 200 && r.code == 0 && r.sid[0] == '\0');
	T(strcmp(test_result_str(&r, "resultType"), "complete") == 0);
	T(json_object_get(json_object_get(r.body, "result"), "ttlMs") == NULL);
	T(!r.log_session && strcmp(r.log_method, "tools/call") == 0);
	/* initialize, notifications/initialized, the call (POSTs) */
	T(tstub_count(up_log) == before + 3);
	log = tstub_slurp(up_log);
	/* the last tools/call: the era probe (bridge_modern.h) of an
	 * earlier request may be in the log too */
	for (mark = log != NULL ? strstr(log, "\"tools/call\"") : NULL;
	    mark != NULL && strstr(mark + 1, "\"tools/call\"") != NULL;
	    mark = strstr(mark + 1, "\"tools/call\""))
		;
	T(mark != NULL && strstr(log, "Mcp-Param-Region-Code: us-west1") !=
	    NULL);
	/* the modern _meta keys are the platform's, not the upstream's */
	T(mark != NULL && strstr(mark, "io.modelcontextprotocol") == NULL);
	free(log);
	test_res_release(&r);

	/* tools/list: filtered by policy, with caching hints */
	extra[1] = "HTTP_MCP_METHOD=tools/list";
	extra[2] = NULL;
	test_call(&r, "web", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/list\",\"params\":{" MMETA "}}", extra);
	T(r.status == 200 && json_array_size(json_object_get(json_object_get(
	    r.body, "result"), "tools")) == 1);
	T(strcmp(test_result_str(&r, "cacheScope"), "private") == 0);
	test_res_release(&r);

	/* a denied tool, refused without the upstream */
	extra[1] = "HTTP_MCP_METHOD=tools/call";
	extra[2] = "HTTP_MCP_NAME=secret";
	extra[3] = NULL;
	before = tstub_count(up_log);
	test_call(&r, "web", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"secret\",\"arguments\":"
	    "{}," MMETA "}}", extra);
	T(r.status == 200 && r.code == -32602 && tstub_count(up_log) ==
	    before);
	test_res_release(&r);

	/* stdio: discover from the warm child's InitializeResult */
	extra[1] = "HTTP_MCP_METHOD=server/discover";
	extra[2] = NULL;
	test_call(&r, "files", "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":"
	    "\"server/discover\",\"params\":{" MMETA "}}", extra);
	T(r.status == 200 && strcmp(jsonx_str(r.body, "id"), "d") == 0);
	T(json_is_object(json_object_get(json_object_get(json_object_get(
	    r.body, "result"), "capabilities"), "tools")));
	T(strcmp(jsonx_str(json_object_get(json_object_get(json_object_get(
	    r.body, "result"), "_meta"), "io.modelcontextprotocol/serverInfo"),
	    "name"), "sh") == 0);
	test_res_release(&r);

	/* an unknown header version with Mcp-Method: the body decides --
	 * a claim of it is -32022, a supported claim -32020 (with the
	 * request's id), a legacy body the legacy -32600 */
	extra[0] = "HTTP_MCP_PROTOCOL_VERSION=1900-01-01";
	extra[1] = "HTTP_MCP_METHOD=tools/list";
	extra[2] = NULL;
	test_call(&r, "files", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/list\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/"
	    "protocolVersion\":\"1900-01-01\"}}}", extra);
	T(r.status == 400 && r.code == -32022 && json_is_array(json_object_get(
	    json_object_get(json_object_get(r.body, "error"), "data"),
	    "supported")) && json_integer_value(json_object_get(r.body,
	    "id")) == 7);
	test_res_release(&r);
	test_call(&r, "files", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/list\",\"params\":{" MMETA "}}", extra);
	T(r.status == 400 && r.code == -32020);
	test_res_release(&r);
	test_call(&r, "files", LIST, extra);
	T(r.status == 400 && r.code == -32600);
	test_res_release(&r);
	/* without Mcp-Method the legacy answer comes before the body */
	extra[1] = NULL;
	test_call(&r, "files", LIST, extra);
	T(r.status == 400 && r.code == -32600);
	test_res_release(&r);
	/* initialize with a modern claim: a removed method */
	extra[0] = "HTTP_MCP_PROTOCOL_VERSION=2026-07-28";
	extra[1] = "HTTP_MCP_METHOD=initialize";
	test_call(&r, "files", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"initialize\",\"params\":{" MMETA "}}", extra);
	T(r.status == 404 && r.code == -32601 && r.sid[0] == '\0');
	test_res_release(&r);
	extra[1] = NULL;
	/* DELETE with a modern version: 405 */
	extra[0] = "HTTP_MCP_PROTOCOL_VERSION=2026-07-28";
	test_call(&r, "files", NULL, extra);
	T(r.status == 405);
	test_res_release(&r);
}

int
main(void)
{
	pid_t	 pid;

	/* The stub reads its answers from test_dir: made before it forks. */
	if (tstub_tmpdir(test_dir, sizeof(test_dir), "test_mcp") == -1 ||
	    chmod(test_dir, 0711) == -1) {
		printf("not ok 1 - set-up\n");
		return 1;
	}
	snprintf(up_log, sizeof(up_log), "%s/upstream.log", test_dir);
	if ((pid = tstub_start(test_stub, &test_port)) == -1 ||
	    test_setup() == -1 || (token = test_token()) == NULL ||
	    httpc_global_init("test/1") == -1) {
		printf("not ok 1 - set-up\n");
		tstub_stop(pid);
		return 1;
	}
	test_bounds();
	test_resolve_refusals();
	test_parse_refusals();
	test_http_session();
	test_trace();
	test_session_errors();
	test_batch();
	test_upstream_errors();
	test_stdio();
	test_modern();

	mcp_shutdown();
	httpc_global_cleanup();
	tstub_stop(pid);
	auth_cache_release();
	resolve_cache_clear();
	config_release(&cfg);
	free(token);
	nftw(test_dir, test_rm, 16, FTW_DEPTH | FTW_PHYS);
	return t_done();
}
