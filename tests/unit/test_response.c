/*
 * test_response.c -- CGI heads, X-Request-Id everywhere, JSON errors,
 * header hygiene, HEAD, SSE framing.
 */
#include <string.h>

#include "config.h"
#include "http/io.h"
#include "jsonx.h"
#include "http/request.h"
#include "http/response.h"
#include "t.h"

static struct config	 test_cfg;

static void
test_open(struct request *req, struct io *io, const char *method)
{
	static char	 m[32];
	const char	*why;
	static const char *env[] = { m, "PATH_INFO=/x", "UNIQUE_ID=rid-1",
	    NULL };

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	io_init_mem(io, env, NULL, 0, 1 << 20);
	request_init(req, io, &test_cfg, &why);
}

static void
test_close(struct request *req, struct io *io)
{
	request_release(req);
	io_release(io);
}

/* The body after the blank line, or NULL. */
static const char *
test_body(const struct io *io)
{
	const char *p = strstr(buf_cstr(&io->out), "\r\n\r\n");

	return p != NULL ? p + 4 : NULL;
}

static void
test_errors(void)
{
	const struct {
		int		 line;
		int		 status;
		const char	*code;		/* given; NULL: default */
		const char	*head, *want_code;
	} cases[] = {
		{ __LINE__, 400, NULL, "Status: 400 Bad Request\r\n",
		    "bad_request" },
		{ __LINE__, 403, NULL, "Status: 403 Forbidden\r\n", "forbidden" },
		{ __LINE__, 404, NULL, "Status: 404 Not Found\r\n", "not_found" },
		{ __LINE__, 405, NULL, "Status: 405 Method Not Allowed\r\n",
		    "method_not_allowed" },
		{ __LINE__, 406, NULL, "Status: 406 Not Acceptable\r\n",
		    "not_acceptable" },
		{ __LINE__, 413, NULL, "Status: 413 Content Too Large\r\n",
		    "payload_too_large" },
		{ __LINE__, 414, NULL, "Status: 414 URI Too Long\r\n",
		    "uri_too_long" },
		{ __LINE__, 415, NULL, "Status: 415 Unsupported Media Type\r\n",
		    "unsupported_media_type" },
		{ __LINE__, 431, NULL,
		    "Status: 431 Request Header Fields Too Large\r\n",
		    "header_too_large" },
		{ __LINE__, 500, NULL, "Status: 500 Internal Server Error\r\n",
		    "internal" },
		{ __LINE__, 503, NULL, "Status: 503 Service Unavailable\r\n",
		    "unavailable" },
		{ __LINE__, 401, "invalid_token", "Status: 401 Unauthorized\r\n",
		    "invalid_token" },
		{ __LINE__, 499, NULL, "Status: 499 Bad Request\r\n",
		    "bad_request" },
		{ __LINE__, 42, NULL, "Status: 500 Internal Server Error\r\n",
		    "internal" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct request	 req;
		struct io	 io;
		const char	*body;
		json_t		*j;

		test_open(&req, &io, "GET");
		T_LINE(response_error(&req, cases[i].status, cases[i].code,
		    "bad \"%s\"\n", "thing") == 0, cases[i].line);
		T_LINE(strncmp(buf_cstr(&io.out), cases[i].head,
		    strlen(cases[i].head)) == 0, cases[i].line);
		T_LINE(strstr(buf_cstr(&io.out), "\r\nX-Request-Id: rid-1\r\n")
		    != NULL, cases[i].line);
		T_LINE(strstr(buf_cstr(&io.out),
		    "\r\nContent-Type: application/json\r\n") != NULL,
		    cases[i].line);
		T_LINE(strstr(buf_cstr(&io.out),
		    "\r\nCache-Control: no-store\r\n") != NULL, cases[i].line);
		body = test_body(&io);
		j = body != NULL ? jsonx_loadb(body, strlen(body), 8, NULL, 0) :
		    NULL;
		T_LINE(j != NULL, cases[i].line);
		T_LINE(strcmp(jsonx_str(json_object_get(j, "error"), "code"),
		    cases[i].want_code) == 0, cases[i].line);
		T_LINE(strcmp(jsonx_str(json_object_get(j, "error"),
		    "message"), "bad \"thing\"\n") == 0, cases[i].line);
		T_LINE(json_object_size(j) == 1, cases[i].line);
		json_decref(j);
		/* The head went out: no second answer. */
		T_LINE(response_error(&req, 500, NULL, "again") == -1,
		    cases[i].line);
		test_close(&req, &io);
	}
}

static void
test_headers_and_head(void)
{
	struct request	 req;
	struct io	 io;
	json_t		*j;

	test_open(&req, &io, "GET");
	T(response_header(&req, "Allow", "GET, HEAD") == 0);
	T(response_header(&req, "X-Evil", "a\r\nSet-Cookie: x=1") == -1);
	T(response_header(&req, "Bad Name", "v") == -1);
	T(response_header(&req, "Bad:Name", "v") == -1);
	T(response_header(&req, "", "v") == -1);
	T(response_begin(&req, 204, NULL) == 0);
	T(response_begin(&req, 200, NULL) == -1);
	T(response_header(&req, "Late", "x") == -1);
	T(strcmp(buf_cstr(&io.out), "Status: 204 No Content\r\n"
	    "X-Request-Id: rid-1\r\nCache-Control: no-store\r\n"
	    "Allow: GET, HEAD\r\n\r\n") == 0);
	T(strstr(buf_cstr(&io.out), "Set-Cookie") == NULL);
	test_close(&req, &io);

	/* HEAD: the same head, no body. */
	test_open(&req, &io, "HEAD");
	j = json_pack("{s:s}", "status", "ok");
	T(response_json(&req, 200, j) == 0);
	T(strstr(buf_cstr(&io.out), "Content-Length: 16\r\n") != NULL);
	T(test_body(&io) != NULL && *test_body(&io) == '\0');
	T(req.resp.bytes_out == 0 && req.resp.status == 200);
	test_close(&req, &io);

	test_open(&req, &io, "GET");
	T(response_json(&req, 201, j) == 0);
	T(strcmp(test_body(&io), "{\"status\":\"ok\"}\n") == 0);
	T(req.resp.bytes_out == 16);
	json_decref(j);
	test_close(&req, &io);

	/* Writes before the head are refused. */
	test_open(&req, &io, "GET");
	T(response_write(&req, "x", 1) == -1 && io.out.len == 0);
	test_close(&req, &io);

	/* A failed write (client gone) is sticky and harmless. */
	test_open(&req, &io, "GET");
	io.out.max = 10;
	T(response_send(&req, 200, "text/plain", "hello", 5) == -1);
	T(io.failed && response_write(&req, "x", 1) == -1);
	T(response_flush(&req) == -1);
	test_close(&req, &io);

	T(strcmp(response_reason(413), "Content Too Large") == 0);
	T(strcmp(response_code(404), "not_found") == 0);
	T(strcmp(response_code(599), "internal") == 0);
}

static void
test_sse(void)
{
	struct request	 req;
	struct io	 io;
	const char	*body;

	test_open(&req, &io, "POST");
	T(response_sse_begin(&req, 200) == 0);
	T(strstr(buf_cstr(&io.out), "Content-Type: text/event-stream\r\n"));
	T(strstr(buf_cstr(&io.out), "X-Accel-Buffering: no\r\n"));
	T(strstr(buf_cstr(&io.out), "X-Request-Id: rid-1\r\n"));
	T(strstr(buf_cstr(&io.out), "Content-Length") == NULL);
	T(response_sse_event(&req, "message", "{\"a\":1}", 7) == 0);
	T(response_sse_event(&req, NULL, "l1\nl2\r\nl3", 9) == 0);
	T(response_sse_event(&req, NULL, "", 0) == 0);
	T(response_sse_event(&req, "bad\nname", "x", 1) == -1);
	/* a resumable stream's priming event, and events with ids */
	T(response_sse_prime(&req, "ev-1", 1500) == 0);
	T(response_sse_event_id(&req, "ev-2", "{}", 2) == 0);
	T(response_sse_event_id(&req, NULL, "{}", 2) == 0);
	T(response_sse_prime(&req, "ev\r3", 1000) == -1);
	T(response_sse_event_id(&req, "ev\n4", "{}", 2) == -1);
	body = test_body(&io);
	T(body != NULL && strcmp(body, "event: message\ndata: {\"a\":1}\n\n"
	    "data: l1\ndata: l2\ndata: l3\n\ndata: \n\n"
	    "id: ev-1\nretry: 1500\ndata: \n\n"
	    "id: ev-2\ndata: {}\n\ndata: {}\n\n") == 0);
	test_close(&req, &io);
}

int
main(void)
{
	config_init(&test_cfg);
	test_errors();
	test_headers_and_head();
	test_sse();
	config_release(&test_cfg);
	return t_done();
}
