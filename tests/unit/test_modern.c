/*
 * test_modern.c -- the modern era's rules (src/mcp/modern.c): the
 * "=?base64?...?=" header decoder, the era choice, every check of
 * modern_check with its failure, and the shaping of legacy answers.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonx.h"
#include "mcp/modern.h"
#include "mcp/protocol.h"
#include "product_limits.h"
#include "t.h"

static void
test_header_value(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 rc;
		const char	*out;
		size_t		 outlen;
	} cases[] = {
		{ __LINE__, "get_weather", 0, "get_weather", 11 },
		{ __LINE__, "us west 1", 0, "us west 1", 9 },
		{ __LINE__, "", 0, "", 0 },
		/* the spec's examples (Value Encoding) */
		{ __LINE__, "=?base64?SGVsbG8sIOS4lueVjA==?=", 0,
		    "Hello, \xe4\xb8\x96\xe7\x95\x8c", 13 },
		{ __LINE__, "=?base64?IHBhZGRlZCA=?=", 0, " padded ", 8 },
		{ __LINE__, "=?base64?bGluZTEKbGluZTI=?=", 0, "line1\nline2",
		    11 },
		{ __LINE__, "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=", 0,
		    "=?base64?literal?=", 18 },
		/* padding optional */
		{ __LINE__, "=?base64?IHBhZGRlZCA?=", 0, " padded ", 8 },
		/* an empty encoded value */
		{ __LINE__, "=?base64?" "?=", 0, "", 0 },
		/* a NUL inside is kept (compared by length) */
		{ __LINE__, "=?base64?YQBi?=", 0, "a\0b", 3 },
		/* garbage */
		{ __LINE__, "=?base64?!!!!?=", -1, NULL, 0 },
		{ __LINE__, "=?base64?SGVsbG8*?=", -1, NULL, 0 },
		{ __LINE__, "=?base64?SGVsbG9=?=", -1, NULL, 0 },
		{ __LINE__, "=?base64?S?=", -1, NULL, 0 },
		/* the URL-safe alphabet is not the sentinel's */
		{ __LINE__, "=?base64?-_-_?=", -1, NULL, 0 },
		/* markers are case-sensitive: then a plain value */
		{ __LINE__, "=?BASE64?YQ==?=", 0, "=?BASE64?YQ==?=", 15 },
		/* no suffix: a plain value */
		{ __LINE__, "=?base64?YQ==", 0, "=?base64?YQ==", 13 },
		/* characters a plain header value cannot have */
		{ __LINE__, "caf\xc3\xa9", -1, NULL, 0 },
		{ __LINE__, "a\x01" "b", -1, NULL, 0 },
		{ __LINE__, "a\x7f", -1, NULL, 0 },
		{ __LINE__, "tab\tok", 0, "tab\tok", 6 },
	};
	struct buf	 b;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 1024);
		rc = modern_header_value(cases[i].in, &b);
		T_LINE(rc == cases[i].rc, cases[i].line);
		if (rc == 0 && cases[i].out != NULL)
			T_LINE(b.len == cases[i].outlen &&
			    memcmp(b.data, cases[i].out, b.len) == 0,
			    cases[i].line);
		buf_release(&b);
	}
}

#define META(v)	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":" v \
    ",\"io.modelcontextprotocol/clientCapabilities\":{}}"

static void
test_is(void)
{
	static const struct {
		int		 line;
		const char	*hv;
		const char	*body;
		int		 modern;
	} cases[] = {
		{ __LINE__, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"tools/list\",\"params\":{" META("\"2026-07-28\"") "}}",
		    1 },
		/* a claim, malformed or unknown, is still modern */
		{ __LINE__, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"tools/list\",\"params\":{" META("7") "}}", 1 },
		{ __LINE__, "2025-11-25", "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/list\",\"params\":{"
		    META("\"1900-01-01\"") "}}", 1 },
		/* a modern header without a claim */
		{ __LINE__, "2026-07-28", "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/list\"}", 1 },
		/* legacy */
		{ __LINE__, "2025-11-25", "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/list\"}", 0 },
		{ __LINE__, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/list\"}", 0 },
		{ __LINE__, "2026-07-28", "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"initialize\",\"params\":{"
		    META("\"2026-07-28\"") "}}", 1 },
		{ __LINE__, "2026-07-28", "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"initialize\",\"params\":{}}", 0 },
		{ __LINE__, "2026-07-28", "[{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/list\"}]", 0 },
		/* _meta elsewhere is not the claim */
		{ __LINE__, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"tools/list\"," META("\"2026-07-28\"") "}", 0 },
	};
	struct modern_headers	 h;
	json_t			*j;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.protocol_version = cases[i].hv;
		j = json_loads(cases[i].body, 0, NULL);
		T_LINE(j != NULL && modern_is(&h, j) == cases[i].modern,
		    cases[i].line);
		json_decref(j);
	}
}

static void
test_check(void)
{
	static const char *const params_ok[] = {
		"HTTP_HOST=x", "HTTP_MCP_PARAM_REGION=us-west1",
		"HTTP_MCP_PARAM_TEXT==?base64?IHBhZGRlZCA=?=", NULL,
	};
	static const char *const params_bad[] = {
		"HTTP_MCP_PARAM_REGION==?base64?***?=", NULL,
	};
	static const char *const params_8bit[] = {
		"HTTP_MCP_PARAM_REGION=caf\xc3\xa9", NULL,
	};
	static const struct {
		int			 line;
		const char		*hv, *hm, *hn;
		const char *const	*params;
		const char		*body;
		enum response_fail	 f;
		int			 level;
	} cases[] = {
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}", RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "server/discover", NULL, NULL,
		    "{\"id\":1,\"method\":\"server/discover\",\"params\":{"
		    META("\"2026-07-28\"") "}}", RESPONSE_FAIL_NONE, -1 },
		/* a response is not a modern POST */
		{ __LINE__, "2026-07-28", NULL, NULL, NULL,
		    "{\"id\":1,\"result\":{}}", RESPONSE_FAIL_INVALID, -1 },
		/* the claim missing (modern header), not a string, empty */
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\"}",
		    RESPONSE_FAIL_META, -1 },
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("20260728") "}}", RESPONSE_FAIL_META, -1 },
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"\"") "}}", RESPONSE_FAIL_META, -1 },
		/* a version the platform does not speak, legacy ones too */
		{ __LINE__, "1900-01-01", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"1900-01-01\"") "}}",
		    RESPONSE_FAIL_UNSUPPORTED_VERSION, -1 },
		{ __LINE__, "2025-11-25", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2025-11-25\"") "}}",
		    RESPONSE_FAIL_UNSUPPORTED_VERSION, -1 },
		/* a disagreement is a mismatch before the version is
		 * looked at */
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2025-11-25\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		/* MCP-Protocol-Version missing or unlike the claim */
		{ __LINE__, NULL, "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2025-11-25", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		/* client capabilities missing, not an object */
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":"
		    "{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"2026-07-28\"}}}", RESPONSE_FAIL_META, -1 },
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":"
		    "{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"2026-07-28\",\"io.modelcontextprotocol/"
		    "clientCapabilities\":[]}}}", RESPONSE_FAIL_META, -1 },
		/* log level: a level, or refused */
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":"
		    "{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"2026-07-28\",\"io.modelcontextprotocol/"
		    "clientCapabilities\":{},\"io.modelcontextprotocol/"
		    "logLevel\":\"warning\"}}}", RESPONSE_FAIL_NONE, 3 },
		{ __LINE__, "2026-07-28", "tools/list", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":"
		    "{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"2026-07-28\",\"io.modelcontextprotocol/"
		    "clientCapabilities\":{},\"io.modelcontextprotocol/"
		    "logLevel\":\"loud\"}}}", RESPONSE_FAIL_META, -1 },
		/* Mcp-Method missing, unlike, case-sensitive */
		{ __LINE__, "2026-07-28", NULL, NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "tools/call", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "Tools/List", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		/* methods the revision does not have */
		{ __LINE__, "2026-07-28", "ping", NULL, NULL,
		    "{\"id\":1,\"method\":\"ping\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_METHOD_NOT_FOUND, -1 },
		{ __LINE__, "2026-07-28", "logging/setLevel", NULL, NULL,
		    "{\"id\":1,\"method\":\"logging/setLevel\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_METHOD_NOT_FOUND, -1 },
		/* subscriptions/listen and the tasks methods pass the rules: served
		 * for a modern upstream, 404 on the legacy bridge
		 * (modern_call) */
		{ __LINE__, "2026-07-28", "subscriptions/listen", NULL, NULL,
		    "{\"id\":1,\"method\":\"subscriptions/listen\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "tasks/get", NULL, NULL,
		    "{\"id\":1,\"method\":\"tasks/get\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "no/such", NULL, NULL,
		    "{\"id\":1,\"method\":\"no/such\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_METHOD_NOT_FOUND, -1 },
		/* Mcp-Name: plain, base64, missing, unlike, garbage */
		{ __LINE__, "2026-07-28", "tools/call", "echo", NULL,
		    "{\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
		    "\"echo\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "tools/call", "=?base64?ZWNobw==?=",
		    NULL, "{\"id\":1,\"method\":\"tools/call\",\"params\":{"
		    "\"name\":\"echo\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "tools/call", NULL, NULL,
		    "{\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
		    "\"echo\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "tools/call", "add", NULL,
		    "{\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
		    "\"echo\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "tools/call", "=?base64?ZWNobw*?=",
		    NULL, "{\"id\":1,\"method\":\"tools/call\",\"params\":{"
		    "\"name\":\"echo\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "tools/call", "echo", NULL,
		    "{\"id\":1,\"method\":\"tools/call\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "resources/read", "test://a b",
		    NULL, "{\"id\":1,\"method\":\"resources/read\",\"params\":"
		    "{\"uri\":\"test://a b\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "resources/read", "test://a",
		    NULL, "{\"id\":1,\"method\":\"resources/read\",\"params\":"
		    "{\"name\":\"test://a\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "prompts/get",
		    "=?base64?5pel5pys?=", NULL, "{\"id\":1,\"method\":"
		    "\"prompts/get\",\"params\":{\"name\":\"\xe6\x97\xa5\xe6"
		    "\x9c\xac\"," META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_NONE, -1 },
		/* Mcp-Param-*: readable values pass, garbage does not */
		{ __LINE__, "2026-07-28", "tools/list", NULL, params_ok,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}", RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", "tools/list", NULL, params_bad,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		{ __LINE__, "2026-07-28", "tools/list", NULL, params_8bit,
		    "{\"id\":1,\"method\":\"tools/list\",\"params\":{"
		    META("\"2026-07-28\"") "}}",
		    RESPONSE_FAIL_HEADER_MISMATCH, -1 },
		/* notifications: only a claim, when present, is checked */
		{ __LINE__, NULL, NULL, NULL, NULL,
		    "{\"method\":\"notifications/cancelled\"}",
		    RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "2026-07-28", NULL, NULL, NULL,
		    "{\"method\":\"notifications/cancelled\",\"params\":{"
		    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"2026-07-28\"}}}", RESPONSE_FAIL_NONE, -1 },
		{ __LINE__, "1900-01-01", NULL, NULL, NULL,
		    "{\"method\":\"notifications/cancelled\",\"params\":{"
		    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"1900-01-01\"}}}", RESPONSE_FAIL_UNSUPPORTED_VERSION,
		    -1 },
		{ __LINE__, "2026-07-28", NULL, NULL, NULL,
		    "{\"method\":\"notifications/cancelled\",\"params\":{"
		    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
		    "\"1900-01-01\"}}}", RESPONSE_FAIL_HEADER_MISMATCH, -1 },
	};
	struct modern_headers	 h;
	struct modern_req	 r;
	enum response_fail	 f;
	json_t			*j, *data;
	char			 why[256];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.protocol_version = cases[i].hv;
		h.method = cases[i].hm;
		h.name = cases[i].hn;
		h.params = cases[i].params;
		j = json_loads(cases[i].body, 0, NULL);
		T_LINE(j != NULL, cases[i].line);
		why[0] = '\0';
		f = modern_check(&h, j, &r, why, sizeof(why), &data);
		T_LINE(f == cases[i].f, cases[i].line);
		T_LINE(f == RESPONSE_FAIL_NONE || why[0] != '\0',
		    cases[i].line);
		if (f == RESPONSE_FAIL_NONE)
			T_LINE(r.log_level == cases[i].level, cases[i].line);
		/* -32022 names what the platform speaks and what was
		 * asked. */
		T_LINE((f == RESPONSE_FAIL_UNSUPPORTED_VERSION) ==
		    (data != NULL), cases[i].line);
		if (data != NULL)
			T_LINE(json_array_size(json_object_get(data,
			    "supported")) == 4 && jsonx_str(data,
			    "requested") != NULL, cases[i].line);
		json_decref(data);
		json_decref(j);
	}
}

static void
test_error(void)
{
	json_t	*id = json_integer(7), *data, *e;
	int	 code, status;

	data = json_pack("{s:o}", "supported", mcp_versions_json());
	e = modern_error(RESPONSE_FAIL_UNSUPPORTED_VERSION, id, "no", data);
	T(json_integer_value(json_object_get(json_object_get(e, "error"),
	    "code")) == -32022);
	T(json_object_get(json_object_get(e, "error"), "data") == data);
	T(json_integer_value(json_object_get(e, "id")) == 7);
	json_decref(e);
	json_decref(data);
	json_decref(id);
	response_fail_map(RESPONSE_FAIL_HEADER_MISMATCH, &code, &status);
	T(code == -32020 && status == 400);
	response_fail_map(RESPONSE_FAIL_META, &code, &status);
	T(code == -32602 && status == 400);
	response_fail_map(RESPONSE_FAIL_METHOD_NOT_FOUND, &code, &status);
	T(code == -32601 && status == 404);
	response_fail_map(RESPONSE_FAIL_UNSUPPORTED_VERSION, &code, &status);
	T(code == -32022 && status == 400);
}

static void
test_shape(void)
{
	json_t	*j;

	j = json_loads("{\"id\":1,\"result\":{\"tools\":[]}}", 0, NULL);
	modern_shape(j, "tools/list", 30000);
	T(strcmp(jsonx_str(json_object_get(j, "result"), "resultType"),
	    "complete") == 0);
	T(json_integer_value(json_object_get(json_object_get(j, "result"),
	    "ttlMs")) == 30000);
	T(strcmp(jsonx_str(json_object_get(j, "result"), "cacheScope"),
	    "private") == 0);
	json_decref(j);
	/* not cacheable: resultType only */
	j = json_loads("{\"id\":1,\"result\":{\"content\":[]}}", 0, NULL);
	modern_shape(j, "tools/call", 30000);
	T(jsonx_str(json_object_get(j, "result"), "resultType") != NULL);
	T(json_object_get(json_object_get(j, "result"), "ttlMs") == NULL);
	json_decref(j);
	/* an upstream's own hints and resultType stand */
	j = json_loads("{\"id\":1,\"result\":{\"resultType\":"
	    "\"input_required\",\"ttlMs\":5,\"cacheScope\":\"public\"}}", 0,
	    NULL);
	modern_shape(j, "resources/read", 0);
	T(strcmp(jsonx_str(json_object_get(j, "result"), "resultType"),
	    "input_required") == 0);
	T(json_integer_value(json_object_get(json_object_get(j, "result"),
	    "ttlMs")) == 5);
	json_decref(j);
	/* resource not found: -32002 becomes -32602 */
	j = json_loads("{\"id\":1,\"error\":{\"code\":-32002,\"message\":"
	    "\"x\"}}", 0, NULL);
	modern_shape(j, "resources/read", 0);
	T(json_integer_value(json_object_get(json_object_get(j, "error"),
	    "code")) == -32602);
	json_decref(j);
	modern_shape(NULL, "tools/list", 0);
	T(1);
}

/* An ask hook's reply as the response to the upstream's request. */
static void
test_client_reply(void)
{
	static const struct {
		int		 line;
		const char	*reply;		/* NULL: none */
		const char	*want;		/* the response, compact */
	} t[] = {
		{ __LINE__, "{\"result\":{\"action\":\"decline\"}}",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":"
		  "{\"action\":\"decline\"}}" },
		{ __LINE__, "{\"result\":{}}",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":{}}" },
		{ __LINE__, "{\"error\":{\"code\":-32603,\"message\":\"m\"}}",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"error\":"
		  "{\"code\":-32603,\"message\":\"m\"}}" },
		/* none, an error that is not an object, neither: -32601 */
		{ __LINE__, NULL,
		  "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"error\":"
		  "{\"code\":-32601,\"message\":"
		  "\"method not supported by this client\"}}" },
		{ __LINE__, "{\"error\":\"no\"}",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"error\":"
		  "{\"code\":-32601,\"message\":"
		  "\"method not supported by this client\"}}" },
		{ __LINE__, "{}",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"error\":"
		  "{\"code\":-32601,\"message\":"
		  "\"method not supported by this client\"}}" },
	};
	json_t	*id = json_string("s-1"), *reply, *got, *want;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		reply = t[i].reply != NULL ? json_loads(t[i].reply, 0, NULL) :
		    NULL;
		want = json_loads(t[i].want, 0, NULL);
		got = mcp_client_reply(id, reply);
		T_LINE(got != NULL && json_equal(got, want), t[i].line);
		json_decref(got);
		json_decref(want);
		json_decref(reply);
	}
	json_decref(id);
}

int
main(void)
{
	test_client_reply();
	test_header_value();
	test_is();
	test_check();
	test_error();
	test_shape();
	return t_done();
}
