/*
 * test_upstream_http.c -- the http upstream against a stub MCP server
 * forked on a free loopback port, one process per connection; and, with
 * "live URL" as arguments, against a real Streamable HTTP server (tests/
 * bats/0400-upstream-http.bats runs server-everything for that).
 *
 * Stub paths (POST unless said):
 *   /json        200 application/json, the answer to id 1
 *   /echo        200 application/json, result.head = the request head
 *   /sse         200 text/event-stream: a priming event, 3 progress
 *                notifications ~100 ms apart, then the answer to id 1
 *   /sse-linger  the answer, then the stream stays open for 5 s
 *   /sse-none    events, then the end of the stream without an answer
 *   /sse-big     one event of 100000 bytes
 *   /batch       SSE answering ids 1 and "two" around a notification
 *   /resume      POST: SSE, id e2, no answer, closes; GET with
 *                Last-Event-ID: e2: the answer
 *   /accepted    202, no body
 *   /error       500 with a JSON-RPC error body
 *   /gone        404
 *   /hang        nothing for 5 s
 *   /huge        200 application/json, 100000 bytes
 *   /html        200 text/html
 *   /badjson     200 application/json "not json"
 *   /init        initialize: Mcp-Session-Id "sess-123"; the
 *                notifications/initialized POST must carry it (else 400)
 *   /init-bad    initialize with an Mcp-Session-Id holding a space
 *   /init-err    initialize answered with a JSON-RPC error
 *   DELETE /del  204 with "Mcp-Session-Id: sess-123", else 400;
 *   DELETE /gone 404, DELETE /nodel 405
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "http/response.h"
#include "mcp/upstream.h"
#include "mcp/upstream_http.h"
#include "t.h"
#include "tstub.h"


static int	 test_port;

/* --- The stub server. --- */

static void
stub_sends(int fd, const char *s)
{
	tstub_send(fd, s, strlen(s));
}

static void
stub_answer(int fd, int status, const char *type, const char *extra,
    const char *body, size_t len)
{
	char	 head[1024];
	int	 n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\n%s%s%s"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
	    type != NULL ? "Content-Type: " : "", type != NULL ? type : "",
	    type != NULL ? "\r\n" : "", len, extra);
	tstub_send(fd, head, (size_t)n);
	tstub_send(fd, body, len);
}

static void
stub_answers(int fd, int status, const char *type, const char *extra,
    const char *body)
{
	stub_answer(fd, status, type, extra, body, strlen(body));
}

/* An SSE head: no length, the stream ends when the connection closes. */
static void
stub_sse_head(int fd)
{
	stub_sends(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
}

/* The request head as a JSON string body: {"jsonrpc":..,"result":{..}}. */
static void
stub_echo(int fd, const char *req)
{
	static char	 out[4 * TSTUB_REQ_MAX];
	const char	*end = strstr(req, "\r\n\r\n"), *p;
	size_t		 o = 0;

	o += (size_t)snprintf(out, sizeof(out),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"head\":\"");
	for (p = req; p < end && o + 8 < sizeof(out); p++) {
		if (*p == '\r')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\r");
		else if (*p == '\n')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\n");
		else if (*p == '"' || *p == '\\')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\%c",
			    *p);
		else
			out[o++] = *p;
	}
	o += (size_t)snprintf(out + o, sizeof(out) - o, "\"}}");
	stub_answer(fd, 200, "application/json", "", out, o);
}

#define ANSWER1	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}"
#define PROGRESS(n) "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/" \
	"progress\",\"params\":{\"progressToken\":\"t\",\"progress\":" #n "}}"

static int
stub_is(const char *req, const char *method_path)
{
	size_t	 n = strlen(method_path);

	return strncmp(req, method_path, n) == 0 && req[n] == ' ';
}

static void
stub_handle(int fd, const char *req, size_t n)
{
	static char	 big[100000 + 64];
	int		 i;

	(void)n;
	if (stub_is(req, "POST /json"))
		stub_answer(fd, 200, "application/json; charset=utf-8", "",
		    ANSWER1, strlen(ANSWER1));
	else if (stub_is(req, "POST /echo"))
		stub_echo(fd, req);
	else if (stub_is(req, "POST /sse")) {
		stub_sse_head(fd);
		stub_sends(fd, "id: p0\nretry: 1000\ndata: \n\n");
		for (i = 1; i <= 3; i++) {
			usleep(100000);
			if (i == 1)
				stub_sends(fd, ": keep-alive\r\n");
			stub_sends(fd, i == 1 ? "data: " PROGRESS(1) "\n\n" :
			    i == 2 ? "event: message\r\ndata: " PROGRESS(2)
			    "\r\n\r\n" : "data: " PROGRESS(3) "\n\n");
		}
		/* Not "message" events and non-JSON: skipped. */
		stub_sends(fd, "event: other\ndata: {}\n\ndata: nope\n\n");
		/* Split in the middle of an event. */
		stub_sends(fd, "id: e9\ndata: {\"jsonrpc\":\"2.0\",");
		usleep(20000);
		stub_sends(fd, "\"id\":1,\"result\":{\"ok\":true}}\n\n");
	} else if (stub_is(req, "POST /sse-linger")) {
		stub_sse_head(fd);
		stub_sends(fd, "data: " ANSWER1 "\n\n");
		sleep(5);
	} else if (stub_is(req, "POST /sse-none")) {
		stub_sse_head(fd);
		stub_sends(fd, "data: " PROGRESS(1) "\n\ndata: {\"jsonrpc\":"
		    "\"2.0\",\"id\":2,\"result\":{}}\n\n");
	} else if (stub_is(req, "POST /sse-big")) {
		stub_sse_head(fd);
		memset(big, 'x', sizeof(big));
		memcpy(big, "data: ", 6);
		memcpy(big + sizeof(big) - 2, "\n\n", 2);
		tstub_send(fd, big, sizeof(big));
	} else if (stub_is(req, "POST /batch")) {
		stub_sse_head(fd);
		stub_sends(fd, "data: {\"jsonrpc\":\"2.0\",\"id\":\"two\","
		    "\"result\":{\"n\":2}}\n\n");
		stub_sends(fd, "data: " PROGRESS(1) "\n\n");
		/* An answer to an id nobody asked for: relayed. */
		stub_sends(fd, "data: {\"jsonrpc\":\"2.0\",\"id\":7,"
		    "\"result\":{}}\n\n");
		stub_sends(fd, "data: [{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"result\":{\"n\":1}}," PROGRESS(2) "]\n\n");
	} else if (stub_is(req, "POST /resume")) {
		stub_sse_head(fd);
		stub_sends(fd, "id: e1\nretry: 50\ndata: \n\n");
		stub_sends(fd, "id: e2\ndata: " PROGRESS(1) "\n\n");
	} else if (stub_is(req, "GET /resume")) {
		if (strstr(req, "\r\nLast-Event-ID: e2\r\n") == NULL ||
		    strstr(req, "\r\nAccept: text/event-stream\r\n") == NULL ||
		    strstr(req, "\r\nMcp-Session-Id: s1\r\n") == NULL)
			stub_answer(fd, 400, NULL, "", "", 0);
		else {
			stub_sse_head(fd);
			stub_sends(fd, "id: e3\ndata: " PROGRESS(2) "\n\n");
			stub_sends(fd, "id: e4\ndata: " ANSWER1 "\n\n");
		}
	} else if (stub_is(req, "POST /accepted"))
		stub_answer(fd, 202, NULL, "", "", 0);
	else if (stub_is(req, "POST /error"))
		stub_answers(fd, 500, "application/json", "",
		    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
		    "\"message\":\"boom\"}}");
	else if (stub_is(req, "POST /gone") || stub_is(req, "DELETE /gone"))
		stub_answer(fd, 404, NULL, "", "", 0);
	else if (stub_is(req, "POST /hang")) {
		sleep(5);
		stub_answer(fd, 200, "application/json", "", ANSWER1,
		    strlen(ANSWER1));
	} else if (stub_is(req, "POST /huge")) {
		memset(big, ' ', sizeof(big));
		memcpy(big, ANSWER1, strlen(ANSWER1));
		stub_answer(fd, 200, "application/json", "", big, sizeof(big));
	} else if (stub_is(req, "POST /html"))
		stub_answer(fd, 200, "text/html", "", "<p>", 3);
	else if (stub_is(req, "POST /badjson"))
		stub_answer(fd, 200, "application/json", "", "not json", 8);
	else if (stub_is(req, "POST /init") || stub_is(req, "POST /init-bad") ||
	    stub_is(req, "POST /init-err")) {
		const char *body = strstr(req, "\r\n\r\n") + 4;
		const char *sid = stub_is(req, "POST /init-bad") ?
		    "Mcp-Session-Id: bad id\r\n" : "Mcp-Session-Id: sess-123\r\n";

		if (strstr(body, "\"method\":\"initialize\"") != NULL) {
			if (strstr(req, "\r\nMcp-Session-Id:") != NULL ||
			    strstr(req, "\r\nMCP-Protocol-Version:") != NULL)
				stub_answer(fd, 400, NULL, "", "", 0);
			else if (stub_is(req, "POST /init-err"))
				stub_answers(fd, 200, "application/json", sid,
				    "{\"jsonrpc\":\"2.0\",\"id\":\"mcp-platform-"
				    "initialize\",\"error\":{\"code\":-32602,"
				    "\"message\":\"unsupported\"}}");
			else {
				/* Echo the client's version back. */
				char	 out[512];
				int	 len;

				len = snprintf(out, sizeof(out), "{\"jsonrpc\":"
				    "\"2.0\",\"id\":\"mcp-platform-initialize\","
				    "\"result\":{\"protocolVersion\":\"%s\","
				    "\"capabilities\":{},\"serverInfo\":{\"name\":"
				    "\"stub\",\"version\":\"1\"}}}",
				    strstr(body, "2025-06-18") != NULL ?
				    "2025-06-18" : "2025-11-25");
				stub_answer(fd, 200, "application/json", sid,
				    out, (size_t)len);
			}
		} else if (strstr(body, "notifications/initialized") != NULL &&
		    strstr(req, "\r\nMcp-Session-Id: sess-123\r\n") != NULL &&
		    strstr(req, "\r\nMCP-Protocol-Version: 2025-") != NULL)
			stub_answer(fd, 202, NULL, "", "", 0);
		else
			stub_answer(fd, 400, NULL, "", "", 0);
	} else if (stub_is(req, "DELETE /del")) {
		if (strstr(req, "\r\nMcp-Session-Id: sess-123\r\n") != NULL)
			stub_answer(fd, 204, NULL, "", "", 0);
		else
			stub_answer(fd, 400, NULL, "", "", 0);
	} else if (stub_is(req, "DELETE /nodel"))
		stub_answer(fd, 405, NULL, "", "", 0);
	else
		stub_answer(fd, 404, NULL, "", "", 0);
}

static void
stub_serve(int lfd)
{
	static char	 req[TSTUB_REQ_MAX];
	size_t		 n;
	int		 fd;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (fork() != 0) {
			close(fd);
			continue;
		}
		n = tstub_read(fd, req);
		stub_handle(fd, req, n);
		close(fd);
		_exit(0);
	}
}

static int
stub_listen(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

/* --- Helpers. --- */

static double
test_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
test_url(const char *path)
{
	static char	 url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", test_port, path);
	return url;
}

static void
test_opts(struct upstream_http_opts *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->url = test_url(path);
	o->timeout_ms = T_WAIT_MS;	/* a bound, not reached when all is well */
}

/* Events seen by on_event, with their arrival times. */
struct test_events {
	int		 n;
	double		 at[16];
	char		 data[16][256];
	int		 stop_at;	/* return -1 at this event; 0 never */
};

static int
test_on_event(void *arg, const char *data, size_t len, const json_t *msg)
{
	struct test_events *ev = arg;

	if (ev->n < 16) {
		ev->at[ev->n] = test_now();
		snprintf(ev->data[ev->n], sizeof(ev->data[0]), "%.*s",
		    (int)len, data);
	}
	ev->n++;
	if (!json_is_object(msg) || data[len] != '\0')
		return -1;
	return ev->stop_at > 0 && ev->n >= ev->stop_at ? -1 : 0;
}

static const char	 req1[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
    "{\"name\":\"x\",\"_meta\":{\"progressToken\":\"t\"}}}";
static const char	 notif[] =
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
    "\"params\":{\"requestId\":1}}";

static enum upstream_http_err
test_call(const struct upstream_http_opts *o, const char *body,
    struct test_events *ev, struct upstream_http_result *res)
{
	if (ev != NULL)
		memset(ev, 0, sizeof(*ev));
	return upstream_http_call(o, body, strlen(body),
	    ev != NULL ? test_on_event : NULL, ev, res);
}

static int
test_answer_ok(const struct upstream_http_result *res)
{
	json_t	*r = json_object_get(res->json, "result");

	return json_integer_value(json_object_get(res->json, "id")) == 1 &&
	    json_is_true(json_object_get(r, "ok"));
}

/* --- Tests. --- */

static void
test_json(void)
{
	struct upstream_http_opts	 o;
	struct upstream_http_result	 res;
	struct test_events		 ev;

	upstream_http_result_init(&res);
	test_opts(&o, "/json");
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_OK);
	T(res.err == UPSTREAM_HTTP_OK && res.status == 200 && !res.streamed);
	T(strcmp(res.content_type, "application/json") == 0);
	T(test_answer_ok(&res) && res.body.len == strlen(ANSWER1));
	T(ev.n == 0 && res.msg[0] == '\0' && res.session_id[0] == '\0');

	/* The same result struct again: emptied first. */
	test_opts(&o, "/accepted");
	T(test_call(&o, notif, &ev, &res) == UPSTREAM_HTTP_OK);
	T(res.status == 202 && res.json == NULL && res.body.len == 0);
	/* A request answered 202 is not MCP. */
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_BAD_RESPONSE);
	/* Notifications to a JSON endpoint: 200 with a body is fine. */
	test_opts(&o, "/json");
	T(test_call(&o, notif, NULL, &res) == UPSTREAM_HTTP_OK &&
	    res.json == NULL);

	test_opts(&o, "/html");
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_BAD_RESPONSE &&
	    strstr(res.msg, "text/html") != NULL);
	test_opts(&o, "/badjson");
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_BAD_RESPONSE &&
	    res.json == NULL);
	upstream_http_result_release(&res);
}

static void
test_sse(void)
{
	struct upstream_http_opts	 o;
	struct upstream_http_result	 res;
	struct test_events		 ev;
	double				 start, end;

	upstream_http_result_init(&res);
	test_opts(&o, "/sse");
	start = test_now();
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_OK);
	end = test_now();
	T(res.streamed && res.status == 200 &&
	    strcmp(res.content_type, "text/event-stream") == 0);
	/* Three notifications, relayed as they came, ~100 ms apart, each
	 * before the call returned; the answer is the result, not an
	 * event. */
	T(ev.n == 3 && res.events == 3);
	T(strstr(ev.data[0], "\"progress\":1") != NULL &&
	    strstr(ev.data[1], "\"progress\":2") != NULL &&
	    strstr(ev.data[2], "\"progress\":3") != NULL);
	T(ev.at[0] - start >= 0.08);
	T(ev.at[1] - ev.at[0] >= 0.08 && ev.at[2] - ev.at[1] >= 0.08);
	T(ev.at[2] < end && end - ev.at[2] >= 0.015);
	printf("# events at +%.0f +%.0f +%.0f ms, returned at +%.0f ms\n",
	    (ev.at[0] - start) * 1000, (ev.at[1] - start) * 1000,
	    (ev.at[2] - start) * 1000, (end - start) * 1000);
	T(test_answer_ok(&res));
	T(strcmp(res.body.data, ANSWER1) == 0);

	/* Notifications answered with a stream: nothing to wait for. */
	T(test_call(&o, notif, &ev, &res) == UPSTREAM_HTTP_OK && ev.n == 0 &&
	    res.json == NULL && res.body.len == 0 && res.streamed);

	/* The relay stops when the receiver does. */
	test_opts(&o, "/sse");
	memset(&ev, 0, sizeof(ev));
	ev.stop_at = 2;
	T(upstream_http_call(&o, req1, strlen(req1), test_on_event, &ev,
	    &res) == UPSTREAM_HTTP_ABORTED && ev.n == 2 && res.json == NULL);

	/* Answer first, then a stream that does not end: back soon. */
	test_opts(&o, "/sse-linger");
	start = test_now();
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_OK &&
	    test_answer_ok(&res));
	end = test_now();
	T(end - start < 2.5);
	printf("# linger: returned after %.0f ms\n", (end - start) * 1000);

	/* The stream ends without the answer (and cannot resume). */
	test_opts(&o, "/sse-none");
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_BAD_RESPONSE);
	T(ev.n == 2 && strstr(res.msg, "without an answer") != NULL);

	/* Batch (2025-03-26): answers collected, in arrival order. */
	test_opts(&o, "/batch");
	T(test_call(&o, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"ping\"}]", &ev,
	    &res) == UPSTREAM_HTTP_OK);
	T(json_is_array(res.json) && json_array_size(res.json) == 2);
	T(strcmp(json_string_value(json_object_get(json_array_get(res.json, 0),
	    "id")), "two") == 0 && json_integer_value(json_object_get(
	    json_array_get(res.json, 1), "id")) == 1);
	T(ev.n == 3 && strstr(ev.data[1], "\"id\":7") != NULL &&
	    strstr(ev.data[2], "\"progress\":2") != NULL);
	T(res.body.data[0] == '[');

	/* Resumption: GET with Last-Event-ID after an early end. */
	test_opts(&o, "/resume");
	o.session_id = "s1";
	start = test_now();
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_OK &&
	    test_answer_ok(&res));
	T(res.resumes == 1 && ev.n == 2);
	T(test_now() - start >= 0.05);	/* "retry: 50" honoured */
	/* Without a session the stub refuses the GET. */
	o.session_id = NULL;
	T(test_call(&o, req1, &ev, &res) == UPSTREAM_HTTP_STATUS &&
	    res.status == 400);
	upstream_http_result_release(&res);
}

static void
test_errors(void)
{
	struct upstream_http_opts	 o;
	struct upstream_http_result	 res;
	double				 start;
	char				 url[64];

	upstream_http_result_init(&res);
	test_opts(&o, "/error");
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_STATUS);
	T(res.status == 500 && strcmp(res.msg, "upstream answered http 500") ==
	    0);
	T(json_is_object(json_object_get(res.json, "error")));

	test_opts(&o, "/gone");
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_STATUS &&
	    res.status == 404);
	o.session_id = "s1";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_SESSION_GONE);

	test_opts(&o, "/hang");
	o.timeout_ms = 300;
	start = test_now();
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_TIMEOUT);
	T(test_now() - start < 1.5 && res.status == 0);
	T(strstr(res.msg, "300 ms") != NULL);

	test_opts(&o, "/huge");
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_OK);
	o.max_response = 1000;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_TOO_LARGE);
	T(res.json == NULL && res.body.len == 0);
	test_opts(&o, "/sse-big");
	o.max_response = 50000;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_TOO_LARGE);

	snprintf(url, sizeof(url), "http://127.0.0.1:1/mcp");
	o.url = url;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_UNREACHABLE);
	T(res.status == 0 && res.detail[0] != '\0');
	o.url = "ftp://127.0.0.1/x";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	o.url = NULL;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);

	/* Not JSON-RPC from the caller. */
	test_opts(&o, "/json");
	T(test_call(&o, "nope", NULL, &res) == UPSTREAM_HTTP_INTERNAL);
	T(test_call(&o, "[]", NULL, &res) == UPSTREAM_HTTP_INTERNAL);
	T(test_call(&o, "[1]", NULL, &res) == UPSTREAM_HTTP_INTERNAL);
	T(upstream_http_call(&o, NULL, 0, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_INTERNAL);
	upstream_http_result_release(&res);
}

/* What goes out: our headers, the catalog's, never a client's. */
static void
test_headers(void)
{
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS + 1];
	struct upstream_http_opts	 o;
	struct upstream_http_result	 res;
	const char			*head;
	size_t				 i;

	upstream_http_result_init(&res);
	test_opts(&o, "/echo");
	hs[0].name = "X-Api-Key";
	hs[0].value = "secret-1";
	hs[0].catalog = 0;
	o.headers = hs;
	o.n_headers = 1;
	o.protocol_version = "2025-11-25";
	o.session_id = "up-sess-1";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_OK);
	head = json_string_value(json_object_get(json_object_get(res.json,
	    "result"), "head"));
	T(head != NULL && strncmp(head, "POST /echo HTTP/1.1\r\n", 21) == 0);
	T(head != NULL && strstr(head, "\r\nContent-Type: application/json\r\n")
	    != NULL);
	T(head != NULL && strstr(head, "\r\nAccept: application/json, "
	    "text/event-stream\r\n") != NULL);
	T(head != NULL && strstr(head, "\r\nMCP-Protocol-Version: 2025-11-25"
	    "\r\n") != NULL);
	T(head != NULL && strstr(head, "\r\nMcp-Session-Id: up-sess-1\r\n") !=
	    NULL);
	T(head != NULL && strstr(head, "\r\nX-Api-Key: secret-1\r\n") != NULL);
	T(head != NULL && strcasestr(head, "authorization") == NULL);
	T(head != NULL && strcasestr(head, "proxy") == NULL);
	T(head != NULL && strcasestr(head, "Expect:") == NULL);
	/* The secret is in no result field but the echoed body. */
	T(strstr(res.msg, "secret") == NULL &&
	    strstr(res.detail, "secret") == NULL);

	/* Neither version nor session: no such headers. */
	o.protocol_version = NULL;
	o.session_id = NULL;
	o.n_headers = 0;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_OK);
	head = json_string_value(json_object_get(json_object_get(res.json,
	    "result"), "head"));
	T(head != NULL && strcasestr(head, "mcp-session-id") == NULL &&
	    strcasestr(head, "mcp-protocol-version") == NULL);

	/* Authorization: only when the catalog names it. */
	hs[0].name = "Authorization";
	hs[0].value = "Bearer upstream-token";
	o.n_headers = 1;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	T(strstr(res.msg, "'Authorization' not allowed") != NULL &&
	    strstr(res.msg, "upstream-token") == NULL);
	hs[0].name = "authorization";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].name = "Cookie";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].name = "Authorization";
	hs[0].catalog = 1;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_OK);
	head = json_string_value(json_object_get(json_object_get(res.json,
	    "result"), "head"));
	T(head != NULL && strstr(head, "\r\nAuthorization: Bearer "
	    "upstream-token\r\n") != NULL);

	/* Names the transport owns: never, catalog or not. */
	{
		static const char *const owned[] = {
			"Host", "Content-Type", "content-length", "Accept",
			"Transfer-Encoding", "Connection", "Expect", "TE",
			"Upgrade", "Proxy-Authorization", "Mcp-Session-Id",
			"mcp-protocol-version", "Mcp-Method", "Last-Event-ID",
			"User-Agent", NULL,
		};
		const char *const	*p;
		int			 all = 1;

		hs[0].value = "v";
		for (p = owned; *p != NULL; p++) {
			hs[0].name = *p;
			hs[0].catalog = 1;
			if (test_call(&o, req1, NULL, &res) !=
			    UPSTREAM_HTTP_CONFIG)
				all = 0;
		}
		T(all);
	}
	/* Header injection and bad names. */
	hs[0].catalog = 0;
	hs[0].name = "X-Key";
	hs[0].value = "a\r\nAuthorization: Bearer x";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	T(strstr(res.msg, "Bearer") == NULL);
	hs[0].value = "a\nb";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].value = "";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].value = NULL;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].value = "ok";
	hs[0].name = "X Key";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].name = "X-Key:";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].name = "";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	hs[0].name = NULL;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	/* Twice the same name; too many. */
	hs[0].name = "X-A";
	hs[1].name = "x-a";
	hs[1].value = "2";
	hs[1].catalog = 0;
	o.n_headers = 2;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	for (i = 0; i < LIMIT_UPSTREAM_HEADERS + 1; i++) {
		static char names[LIMIT_UPSTREAM_HEADERS + 1][16];

		snprintf(names[i], sizeof(names[i]), "X-H%zu", i);
		hs[i].name = names[i];
		hs[i].value = "v";
		hs[i].catalog = 0;
	}
	o.n_headers = LIMIT_UPSTREAM_HEADERS;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_OK);
	o.n_headers = LIMIT_UPSTREAM_HEADERS + 1;
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	/* Session id and version must be visible ASCII. */
	o.n_headers = 0;
	o.session_id = "a b";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	o.session_id = NULL;
	o.protocol_version = "2025\r\nX: y";
	T(test_call(&o, req1, NULL, &res) == UPSTREAM_HTTP_CONFIG);
	upstream_http_result_release(&res);
}

static void
test_initialize_delete(void)
{
	struct upstream_http_opts	 o;
	struct upstream_http_result	 res;
	json_t				*params;

	upstream_http_result_init(&res);
	test_opts(&o, "/init");
	/* A stale session and version in opts are not sent with it. */
	o.session_id = "old";
	o.protocol_version = "2025-06-18";
	T(upstream_http_initialize(&o, NULL, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_OK);
	T(strcmp(res.session_id, "sess-123") == 0);
	T(strcmp(res.protocol_version, "2025-06-18") == 0);
	T(strcmp(json_string_value(json_object_get(json_object_get(json_object_get(
	    res.json, "result"), "serverInfo"), "name")), "stub") == 0);

	params = json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion",
	    "2025-11-25", "capabilities", "clientInfo", "name", "t",
	    "version", "1");
	T(upstream_http_initialize(&o, params, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_OK && strcmp(res.protocol_version, "2025-11-25") == 0);
	json_decref(params);

	test_opts(&o, "/init-bad");
	T(upstream_http_initialize(&o, NULL, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_BAD_RESPONSE && res.session_invalid);
	test_opts(&o, "/init-err");
	T(upstream_http_initialize(&o, NULL, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_BAD_RESPONSE && strcmp(res.msg,
	    "upstream refused initialize") == 0);
	/* initialized refused (the stub wants the session on it). */
	test_opts(&o, "/json");
	T(upstream_http_initialize(&o, NULL, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_BAD_RESPONSE);
	test_opts(&o, "/hang");
	o.timeout_ms = 200;
	T(upstream_http_initialize(&o, NULL, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_TIMEOUT);

	test_opts(&o, "/del");
	o.session_id = "sess-123";
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_OK &&
	    res.status == 204);
	o.session_id = "other";
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_STATUS &&
	    res.status == 400);
	o.session_id = NULL;
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_CONFIG);
	test_opts(&o, "/nodel");
	o.session_id = "s";
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_OK &&
	    res.status == 405);
	test_opts(&o, "/gone");
	o.session_id = "s";
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_SESSION_GONE);
	o.url = "http://127.0.0.1:1/";
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_UNREACHABLE);
	upstream_http_result_release(&res);
}

static void
test_error_map(void)
{
	static const struct {
		int	 line;
		int	 e, code, status;
		const char *name;
	} cases[] = {
		{ __LINE__, UPSTREAM_HTTP_OK, 0, 0, "ok" },
		{ __LINE__, UPSTREAM_HTTP_UNREACHABLE, -32013, 502,
		    "unreachable" },
		{ __LINE__, UPSTREAM_HTTP_TIMEOUT, -32010, 504, "timeout" },
		{ __LINE__, UPSTREAM_HTTP_TOO_LARGE, -32012, 502, "too_large" },
		{ __LINE__, UPSTREAM_HTTP_STATUS, -32011, 502, "status" },
		{ __LINE__, UPSTREAM_HTTP_SESSION_GONE, -32001, 404,
		    "session_gone" },
		{ __LINE__, UPSTREAM_HTTP_BAD_RESPONSE, -32011, 502,
		    "bad_response" },
		{ __LINE__, UPSTREAM_HTTP_ABORTED, -32603, 500, "aborted" },
		{ __LINE__, UPSTREAM_HTTP_CONFIG, -32603, 500, "config" },
		{ __LINE__, UPSTREAM_HTTP_INTERNAL, -32603, 500, "internal" },
		{ __LINE__, UPSTREAM_HTTP__MAX, -32603, 500, "unknown" },
	};
	size_t	 i;
	int	 code, status;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		response_fail_map(upstream_fail_http(
		    (enum upstream_http_err)cases[i].e), &code, &status);
		T_LINE(code == cases[i].code && status == cases[i].status &&
		    strcmp(upstream_http_strerror(
		    (enum upstream_http_err)cases[i].e), cases[i].name) == 0,
		    cases[i].line);
	}
}

/* --- Against a real server (bats 0400): initialize, list, call, end. */

static int
test_live(const char *url)
{
	struct upstream_http_opts	 o;
	struct upstream_http_result	 res;
	struct test_events		 ev;
	char				 sid[LIMIT_UPSTREAM_SESSION + 1];
	char				 ver[LIMIT_PROTOCOL_VERSION + 1];
	json_t				*tools, *t, *content;
	size_t				 i;
	int				 echo = 0;
	const char			*text;

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.timeout_ms = T_WAIT_MS;
	upstream_http_result_init(&res);
	T(upstream_http_initialize(&o, NULL, NULL, NULL, &res) ==
	    UPSTREAM_HTTP_OK);
	printf("# initialize: %s (session '%s', version '%s')\n", res.msg,
	    res.session_id, res.protocol_version);
	T(res.session_id[0] != '\0' && strcmp(res.protocol_version,
	    UPSTREAM_HTTP_VERSION) == 0);
	T(json_is_object(json_object_get(json_object_get(res.json, "result"),
	    "serverInfo")));
	snprintf(sid, sizeof(sid), "%s", res.session_id);
	snprintf(ver, sizeof(ver), "%s", res.protocol_version);
	o.session_id = sid;
	o.protocol_version = ver;

	T(test_call(&o, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/list\"}", &ev, &res) == UPSTREAM_HTTP_OK);
	printf("# tools/list: %s status %ld %s\n", res.msg, res.status,
	    res.content_type);
	tools = json_object_get(json_object_get(res.json, "result"), "tools");
	json_array_foreach(tools, i, t)
		if (strcmp(json_string_value(json_object_get(t, "name")) != NULL ?
		    json_string_value(json_object_get(t, "name")) : "", "echo") ==
		    0)
			echo = 1;
	T(json_array_size(tools) > 0 && echo);
	T(json_integer_value(json_object_get(res.json, "id")) == 2);

	T(test_call(&o, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
	    "{\"message\":\"hi there\"}}}", &ev, &res) == UPSTREAM_HTTP_OK);
	content = json_object_get(json_object_get(res.json, "result"),
	    "content");
	text = json_string_value(json_object_get(json_array_get(content, 0),
	    "text"));
	T(text != NULL && strcmp(text, "Echo: hi there") == 0);
	printf("# tools/call echo: %s (streamed %d)\n", text != NULL ? text :
	    "-", res.streamed);

	/* Not a pass/fail figure: warm calls over one reused connection. */
	{
		double	 t0 = test_now();
		int	 k, okn = 0;

		for (k = 0; k < 100; k++)
			okn += test_call(&o, "{\"jsonrpc\":\"2.0\",\"id\":9,"
			    "\"method\":\"tools/call\",\"params\":{\"name\":"
			    "\"echo\",\"arguments\":{\"message\":\"x\"}}}", NULL,
			    &res) == UPSTREAM_HTTP_OK;
		T(okn == 100);
		printf("# 100 echo calls: %.2f ms each\n",
		    (test_now() - t0) * 10);
	}

	/* Progress notifications relayed as they come. */
	T(test_call(&o, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"trigger-long-running-"
	    "operation\",\"arguments\":{\"duration\":0.6,\"steps\":3},"
	    "\"_meta\":{\"progressToken\":\"p4\"}}}", &ev, &res) ==
	    UPSTREAM_HTTP_OK);
	T(ev.n == 3 && strstr(ev.data[0], "notifications/progress") != NULL);
	T(ev.n == 3 && ev.at[1] - ev.at[0] >= 0.1 && ev.at[2] - ev.at[1] >=
	    0.1);
	T(json_integer_value(json_object_get(res.json, "id")) == 4);

	/* Notifications only: 202. */
	T(test_call(&o, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
	    "roots/list_changed\"}", NULL, &res) == UPSTREAM_HTTP_OK &&
	    res.status == 202);

	/* End the session; afterwards it is gone (404). */
	T(upstream_http_delete(&o, &res) == UPSTREAM_HTTP_OK &&
	    res.status / 100 == 2);
	T(test_call(&o, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}",
	    NULL, &res) != UPSTREAM_HTTP_OK);
	printf("# after delete: %s (%s, http %ld)\n",
	    upstream_http_strerror(res.err), res.msg, res.status);
	upstream_http_result_release(&res);
	return 0;
}

int
main(int argc, char *argv[])
{
	pid_t	 pid;
	int	 lfd;

	/* CGI: a client's "Proxy:" header arrives as HTTP_PROXY, and the
	 * lower-case variables are honoured by libcurl unless told not to.
	 * Every call below must go straight to the stub. */
	setenv("http_proxy", "http://127.0.0.1:1", 1);
	setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
	setenv("https_proxy", "http://127.0.0.1:1", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
	setenv("all_proxy", "http://127.0.0.1:1", 1);
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	signal(SIGPIPE, SIG_IGN);

	T(httpc_global_init("mcp-platform-test/1") == 0);
	if (argc == 3 && strcmp(argv[1], "live") == 0) {
		test_live(argv[2]);
		httpc_global_cleanup();
		return t_done();
	}
	if ((lfd = stub_listen(&test_port)) == -1)
		return 1;
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		stub_serve(lfd);
		_exit(0);
	}
	setpgid(pid, pid);
	close(lfd);
	test_json();
	test_sse();
	test_errors();
	test_headers();
	test_initialize_delete();
	test_error_map();
	httpc_global_cleanup();
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return t_done();
}
