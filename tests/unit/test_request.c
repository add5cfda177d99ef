/*
 * test_request.c -- struct request from a plain environment array: every
 * bound, the request id, the body, the MCP header checks.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/io.h"
#include "http/request.h"
#include "t.h"
#include "uuid.h"

#define MAXENV	16

static struct config	 test_cfg;

static char	*test_slots[16];

/*
 * A string of n copies of c after prefix, kept in a slot until the slot is
 * reused: rows of one table must use distinct slots.
 */
static const char *
test_long(int slot, const char *prefix, size_t n, char c)
{
	char	**slots = test_slots;
	size_t	 plen = strlen(prefix);

	free(slots[slot]);
	slots[slot] = malloc(plen + n + 1);
	memcpy(slots[slot], prefix, plen);
	memset(slots[slot] + plen, c, n);
	slots[slot][plen + n] = '\0';
	return slots[slot];
}

static void
test_bounds(void)
{
	static const char body[2000];
	const struct {
		int		 line;
		const char	*env[MAXENV];
		int		 status;
		const char	*path;	/* when status is 0 */
	} cases[] = {
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/healthz" }, 0,
		    "/healthz" },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=",
		    "REQUEST_URI=/readyz?x=1" }, 0, "/readyz" },
		{ __LINE__, { "REQUEST_METHOD=GET", "REQUEST_URI=/a/b" }, 0,
		    "/a/b" },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/mcp/t/s",
		    "CONTENT_LENGTH=1000" }, 0, "/mcp/t/s" },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH=" }, 0, "/x" },
		/* Content-Length. */
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH=1001" }, 413, NULL },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH=99999999999999999999999" }, 413, NULL },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH=18446744073709551615" }, 413, NULL },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH=12a" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH=-1" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=POST", "PATH_INFO=/x",
		    "CONTENT_LENGTH= 5" }, 400, NULL },
		/* Method. */
		{ __LINE__, { "PATH_INFO=/x" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=", "PATH_INFO=/x" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=G T", "PATH_INFO=/x" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=AVERYLONGMETHODNAME",
		    "PATH_INFO=/x" }, 400, NULL },
		/* Path. */
		{ __LINE__, { "REQUEST_METHOD=GET" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=x" }, 400, NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/a b" }, 400,
		    NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/a/../b" }, 400,
		    NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/a/." }, 400,
		    NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/.." }, 400,
		    NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/.well-known/x" },
		    0, "/.well-known/x" },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/a/...b" }, 0,
		    "/a/...b" },
		{ __LINE__, { "REQUEST_METHOD=GET",
		    test_long(0, "PATH_INFO=/", LIMIT_PATH - 1, 'p') }, 0, NULL },
		{ __LINE__, { "REQUEST_METHOD=GET",
		    test_long(1, "PATH_INFO=/", LIMIT_PATH, 'p') }, 414, NULL },
		{ __LINE__, { "REQUEST_METHOD=GET",
		    test_long(2, "REQUEST_URI=/", LIMIT_PATH, 'p') }, 414, NULL },
		/* Query. */
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/x",
		    test_long(3, "QUERY_STRING=", LIMIT_QUERY, 'q') }, 0, "/x" },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/x",
		    test_long(4, "QUERY_STRING=", LIMIT_QUERY + 1, 'q') }, 414,
		    NULL },
		/* Headers, one by one and together. */
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/x",
		    test_long(5, "HTTP_X_BIG=", LIMIT_HEADER_VALUE, 'h') }, 0,
		    "/x" },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/x",
		    test_long(6, "HTTP_X_BIG=", LIMIT_HEADER_VALUE + 1, 'h') },
		    431, NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/x",
		    test_long(7, "CONTENT_TYPE=", LIMIT_HEADER_VALUE + 1, 'h') },
		    431, NULL },
		{ __LINE__, { "REQUEST_METHOD=GET", "PATH_INFO=/x",
		    test_long(8, "HTTP_A=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(9, "HTTP_B=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(10, "HTTP_C=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(11, "HTTP_D=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(12, "HTTP_E=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(13, "HTTP_F=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(14, "HTTP_G=", LIMIT_HEADER_VALUE, 'h'),
		    test_long(15, "HTTP_H=", LIMIT_HEADER_VALUE, 'h'),
		    "HTTP_I=x" }, 431, NULL },
	};
	size_t	 i;

	test_cfg.max_body = 1000;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct request	 req;
		struct io	 io;
		const char	*why;
		int		 st;

		io_init_mem(&io, cases[i].env, body, sizeof(body), 65536);
		st = request_init(&req, &io, &test_cfg, &why);
		T_LINE(st == cases[i].status, cases[i].line);
		T_LINE((st == 0) == (why == NULL), cases[i].line);
		if (st == 0 && cases[i].path != NULL)
			T_LINE(strcmp(req.path, cases[i].path) == 0,
			    cases[i].line);
		/* Nothing read from the body, whatever happened. */
		T_LINE(io.inoff == 0 && req.id[0] != '\0', cases[i].line);
		request_release(&req);
		io_release(&io);
	}
	test_cfg.max_body = LIMIT_BODY_DEFAULT;
}

static void
test_request_id(void)
{
	const struct {
		int		 line;
		const char	*unique_id;	/* NULL: absent */
		int		 kept;
	} cases[] = {
		{ __LINE__, "ZVzLv38AAQEAAAb2pkIAAAAE", 1 },
		{ __LINE__, "a", 1 },
		{ __LINE__, test_long(0, "", LIMIT_REQUEST_ID, 'i'), 1 },
		{ __LINE__, test_long(1, "", LIMIT_REQUEST_ID + 1, 'i'), 0 },
		{ __LINE__, "has space", 0 },
		{ __LINE__, "tab\there", 0 },
		{ __LINE__, "nl\nhere", 0 },
		{ __LINE__, "", 0 },
		{ __LINE__, NULL, 0 },
	};
	size_t	 i;
	char	 first[LIMIT_REQUEST_ID + 1] = "";

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct request	 req;
		struct io	 io;
		struct buf	 uid;
		const char	*why;
		const char	*env[4] = { "REQUEST_METHOD=GET", "PATH_INFO=/" };

		buf_init(&uid, 1024);
		if (cases[i].unique_id != NULL) {
			buf_printf(&uid, "UNIQUE_ID=%s", cases[i].unique_id);
			env[2] = uid.data;
		}
		io_init_mem(&io, env, NULL, 0, 0);
		request_init(&req, &io, &test_cfg, &why);
		if (cases[i].kept)
			T_LINE(strcmp(req.id, cases[i].unique_id) == 0,
			    cases[i].line);
		else {
			T_LINE(uuid_is_valid(req.id, strlen(req.id)) &&
			    req.id[14] == '7', cases[i].line);
			T_LINE(strcmp(req.id, first) != 0, cases[i].line);
			memcpy(first, req.id, sizeof(first));
		}
		request_release(&req);
		io_release(&io);
		buf_release(&uid);
	}
	/* An id is there even when the request is refused. */
	{
		const char	*env[] = { "UNIQUE_ID=abc", NULL };
		struct request	 req;
		struct io	 io;
		const char	*why;

		io_init_mem(&io, env, NULL, 0, 0);
		T(request_init(&req, &io, &test_cfg, &why) == 400 &&
		    strcmp(req.id, "abc") == 0);
		request_release(&req);
		io_release(&io);
	}
}

static void
test_fields_and_body(void)
{
	const char	*env[] = {
		"REQUEST_METHOD=POST", "PATH_INFO=/mcp/acme/files",
		"QUERY_STRING=a=1", "CONTENT_LENGTH=7",
		"CONTENT_TYPE=application/json; charset=utf-8",
		"HTTP_ACCEPT=application/json, text/event-stream",
		"HTTP_ORIGIN=https://app.example.com",
		"HTTP_AUTHORIZATION=Bearer abc",
		"HTTP_MCP_PROTOCOL_VERSION=2025-11-25",
		"HTTP_MCP_SESSION_ID=sess-1", "REMOTE_ADDR=192.0.2.1",
		"HTTP_USER_AGENT=ua/1", "HTTP_PROXY=http://evil:1", NULL,
	};
	struct request	 req;
	struct io	 io;
	const char	*why;

	io_init_mem(&io, env, "{\"a\":1}trailing", 15, 0);
	T(request_init(&req, &io, &test_cfg, &why) == 0);
	T(strcmp(req.method, "POST") == 0 && !req.head);
	T(strcmp(req.query, "a=1") == 0 && req.content_length == 7);
	T(strcmp(req.content_type, "application/json; charset=utf-8") == 0);
	T(strcmp(req.authorization, "Bearer abc") == 0);
	T(strcmp(req.protocol_version, "2025-11-25") == 0);
	T(strcmp(req.session_id, "sess-1") == 0);
	T(strcmp(req.remote_addr, "192.0.2.1") == 0);
	T(strcmp(req.user_agent, "ua/1") == 0);
	T(strcmp(req.origin, "https://app.example.com") == 0);
	T(strcmp(request_env(&req, "HTTP_PROXY"), "http://evil:1") == 0);
	T(request_elapsed_ms(&req) >= 0.0);
	T(request_read_body(&req, &why) == 0);
	T(req.body.len == 7 && strcmp(req.body.data, "{\"a\":1}") == 0);
	T(request_read_body(&req, &why) == 0 && req.body.len == 7);
	T(io.inoff == 7);	/* exactly CONTENT_LENGTH bytes */
	request_release(&req);
	io_release(&io);

	/* Shorter than announced. */
	io_init_mem(&io, env, "{}", 2, 0);
	T(request_init(&req, &io, &test_cfg, &why) == 0);
	T(request_read_body(&req, &why) == 400 && why != NULL);
	request_release(&req);
	io_release(&io);

	/* No body: an empty string, not NULL. */
	env[3] = "CONTENT_LENGTH=0";
	io_init_mem(&io, env, NULL, 0, 0);
	T(request_init(&req, &io, &test_cfg, &why) == 0);
	T(request_read_body(&req, &why) == 0 && req.body.data != NULL &&
	    req.body.len == 0);
	request_release(&req);
	io_release(&io);

	/* HEAD is flagged. */
	env[0] = "REQUEST_METHOD=HEAD";
	io_init_mem(&io, env, NULL, 0, 0);
	T(request_init(&req, &io, &test_cfg, &why) == 0 && req.head);
	request_release(&req);
	io_release(&io);
}

static void
test_mcp_checks(void)
{
	const struct {
		int		 line;
		const char	*value;	/* NULL: absent */
		int		 json, sse;
	} accepts[] = {
		{ __LINE__, NULL, 1, 1 },
		{ __LINE__, "application/json, text/event-stream", 1, 1 },
		{ __LINE__, "application/json", 1, 0 },
		{ __LINE__, "text/event-stream;q=0.5", 0, 1 },
		{ __LINE__, "*/*", 1, 1 },
		{ __LINE__, "application/*, text/*", 1, 1 },
		{ __LINE__, "APPLICATION/JSON , Text/Event-Stream", 1, 1 },
		{ __LINE__, "application/json;q=0, text/event-stream", 0, 1 },
		{ __LINE__, "application/json; q=0.000", 0, 0 },
		{ __LINE__, "application/json; q=0.001", 1, 0 },
		{ __LINE__, "application/jsonx", 0, 0 },
		{ __LINE__, "application/json-seq", 0, 0 },
		{ __LINE__, "text/html", 0, 0 },
		{ __LINE__, "", 0, 0 },
		{ __LINE__, "appl*", 0, 0 },
	};
	const struct {
		int		 line;
		const char	*value;
		int		 json;
	} ctypes[] = {
		{ __LINE__, NULL, 0 },
		{ __LINE__, "application/json", 1 },
		{ __LINE__, "Application/JSON;charset=utf-8", 1 },
		{ __LINE__, "application/json ; charset=utf-8", 1 },
		{ __LINE__, "application/jsonp", 0 },
		{ __LINE__, "text/plain", 0 },
		{ __LINE__, "", 0 },
	};
	const struct {
		int		 line;
		const char	*value;
		int		 ok;
	} origins[] = {
		{ __LINE__, NULL, 1 },
		{ __LINE__, "https://app.example.com", 1 },
		{ __LINE__, "https://mcp.example.com", 1 },
		{ __LINE__, "https://evil.example", 0 },
		{ __LINE__, "null", 0 },
		{ __LINE__, "", 0 },
	};
	size_t		 i;

	for (i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		struct request	 req;

		memset(&req, 0, sizeof(req));
		req.accept = accepts[i].value;
		T_LINE(request_accepts(&req, "application/json") ==
		    accepts[i].json, accepts[i].line);
		T_LINE(request_accepts(&req, "text/event-stream") ==
		    accepts[i].sse, accepts[i].line);
	}
	for (i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
		struct request	 req;

		memset(&req, 0, sizeof(req));
		req.content_type = ctypes[i].value;
		T_LINE(request_content_type_is(&req, "application/json") ==
		    ctypes[i].json, ctypes[i].line);
	}
	test_cfg.allowed_origins = calloc(1, sizeof(char *));
	test_cfg.allowed_origins[0] = strdup("https://app.example.com");
	test_cfg.n_allowed_origins = 1;
	test_cfg.public_base_url = strdup("https://mcp.example.com/x");
	for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
		struct request	 req;

		memset(&req, 0, sizeof(req));
		req.cfg = &test_cfg;
		req.origin = origins[i].value;
		T_LINE(request_origin_allowed(&req) == origins[i].ok,
		    origins[i].line);
	}
}

int
main(void)
{
	config_init(&test_cfg);
	test_bounds();
	test_request_id();
	test_fields_and_body();
	test_mcp_checks();
	config_release(&test_cfg);
	for (size_t i = 0; i < sizeof(test_slots) / sizeof(test_slots[0]); i++)
		free(test_slots[i]);
	return t_done();
}
