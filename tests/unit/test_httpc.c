/*
 * test_httpc.c -- the libcurl wrapper against a stub HTTP/1.1 server
 * forked on a free loopback port.
 *
 * The stub answers by path, one request per connection ("Connection:
 * close"), each connection in its own process:
 *   /echo        200, the raw request (head and body) as the body
 *   /status/NNN  NNN, empty body
 *   /redirect    302 to /echo (must NOT be followed)
 *   /big         200, 100000 bytes
 *   /slow        waits 3 s, then 200
 *   /hdr         200 with "X-Test:  yes " and an empty body
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpc.h"
#include "netguard.h"
#include "strparse.h"
#include "t.h"
#include "tstub.h"


static void
stub_answer(int fd, int status, const char *extra, const char *body,
    size_t len)
{
	char	 head[512];
	int	 n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: "
	    "%zu\r\nConnection: close\r\n%s\r\n", status, len, extra);
	tstub_send(fd, head, (size_t)n);
	tstub_send(fd, body, len);
}

static void
stub_serve(int lfd)
{
	static char	 req[TSTUB_REQ_MAX];
	char		 big[100000];
	int		 fd;
	size_t		 n;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* no zombies */
	memset(big, 'b', sizeof(big));
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		/* One process per connection: /slow blocks nobody else. */
		if (fork() != 0) {
			close(fd);
			continue;
		}
		n = tstub_read(fd, req);
		if (strncmp(req, "GET /echo ", 10) == 0 ||
		    strncmp(req, "POST /echo ", 11) == 0 ||
		    strncmp(req, "PATCH /echo ", 12) == 0 ||
		    strncmp(req, "DELETE /echo ", 13) == 0)
			stub_answer(fd, 200, "", req, n);
		else if (strncmp(req, "GET /status/", 12) == 0)
			stub_answer(fd, (req[12] - '0') * 100 +
			    (req[13] - '0') * 10 + (req[14] - '0'), "", "", 0);
		else if (strncmp(req, "GET /redirect ", 14) == 0)
			stub_answer(fd, 302, "Location: /echo\r\n", "", 0);
		else if (strncmp(req, "GET /big ", 9) == 0)
			stub_answer(fd, 200, "", big, sizeof(big));
		else if (strncmp(req, "GET /slow ", 10) == 0) {
			sleep(3);
			stub_answer(fd, 200, "", "late", 4);
		} else if (strncmp(req, "GET /hdr ", 9) == 0)
			stub_answer(fd, 200, "X-Test:  yes \r\n", "", 0);
		else
			stub_answer(fd, 404, "", "", 0);
		close(fd);
		_exit(0);
	}
}

/* Listen on 127.0.0.1:0; returns the fd and sets *port. */
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

static int	 test_port;

static void
test_fill(const char *method, const char *path, const char *const *headers,
    const char *body, struct httpc_request *hr)
{
	static char	 url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", test_port, path);
	memset(hr, 0, sizeof(*hr));
	hr->method = method;
	hr->url = url;
	hr->headers = headers;
	if (body != NULL) {
		hr->body = body;
		hr->bodylen = strlen(body);
	}
}

static int
test_get(const char *method, const char *path, const char *const *headers,
    const char *body, struct httpc_request *hr, struct httpc_response *resp)
{
	test_fill(method, path, headers, body, hr);
	return httpc_perform(hr, resp);
}

static void
test_basic(void)
{
	static const char *const hdrs[] = {
		"apikey: sb_secret_123", "Accept: application/json", NULL,
	};
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	const char		*v;
	size_t			 vl;
	uint64_t		 n;

	httpc_response_init(&resp);
	T(test_get(NULL, "/echo", hdrs, NULL, &hr, &resp) == 0);
	T(resp.status == 200 && resp.err == NULL);
	T(strncmp(buf_cstr(&resp.body), "GET /echo HTTP/1.1\r\n", 20) == 0);
	T(strstr(buf_cstr(&resp.body), "\r\napikey: sb_secret_123\r\n") != NULL);
	T(strstr(buf_cstr(&resp.body), "\r\nUser-Agent: test/1\r\n") != NULL);
	T(httpc_header(&resp, "content-length", &v, &vl) == 0 &&
	    strparse_u64(v, vl, 0, UINT64_MAX, &n) == 0 && n == resp.body.len);

	/* A body is POSTed with its length and without Expect. */
	T(test_get(NULL, "/echo", NULL, "{\"a\":1}", &hr, &resp) == 0);
	T(strncmp(buf_cstr(&resp.body), "POST /echo ", 11) == 0);
	T(strstr(buf_cstr(&resp.body), "Content-Length: 7\r\n") != NULL);
	T(strstr(buf_cstr(&resp.body), "Expect") == NULL);
	T(strstr(buf_cstr(&resp.body), "\r\n\r\n{\"a\":1}") != NULL);

	T(test_get("PATCH", "/echo", NULL, "{}", &hr, &resp) == 0);
	T(strncmp(buf_cstr(&resp.body), "PATCH /echo ", 12) == 0);
	T(test_get("DELETE", "/echo", NULL, NULL, &hr, &resp) == 0);
	T(strncmp(buf_cstr(&resp.body), "DELETE /echo ", 13) == 0);
	T(test_get("POST", "/echo", NULL, NULL, &hr, &resp) == 0);
	T(strstr(buf_cstr(&resp.body), "Content-Length: 0\r\n") != NULL);

	/* Any status is a response; 3xx is not followed. */
	T(test_get(NULL, "/status/503", NULL, NULL, &hr, &resp) == 0 &&
	    resp.status == 503);
	T(test_get(NULL, "/redirect", NULL, NULL, &hr, &resp) == 0 &&
	    resp.status == 302 && resp.body.len == 0);
	T(httpc_header(&resp, "Location", &v, &vl) == 0 && vl == 5 &&
	    memcmp(v, "/echo", 5) == 0);

	T(test_get(NULL, "/hdr", NULL, NULL, &hr, &resp) == 0);
	T(httpc_header(&resp, "x-test", &v, &vl) == 0 && vl == 3 &&
	    memcmp(v, "yes", 3) == 0);
	T(httpc_header(&resp, "x-tes", &v, &vl) == -1);
	T(httpc_header(&resp, "x-test-more", &v, &vl) == -1);
	httpc_response_release(&resp);
}

static void
test_limits_and_errors(void)
{
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	char			 url[64];

	httpc_response_init(&resp);
	T(test_get(NULL, "/big", NULL, NULL, &hr, &resp) == 0 &&
	    resp.body.len == 100000);

	hr.max_response = 1000;
	T(httpc_perform(&hr, &resp) == -1);
	T(resp.status == 0 && strcmp(resp.err, "response too large") == 0);
	T(resp.body.data == NULL);

	/* The cap does not stick to the response for the next call. */
	hr.max_response = 0;
	T(httpc_perform(&hr, &resp) == 0 && resp.body.len == 100000);

	test_fill(NULL, "/slow", NULL, NULL, &hr);
	hr.timeout_ms = 300;
	T(httpc_perform(&hr, &resp) == -1 && resp.err != NULL &&
	    strstr(resp.err, "imeout") != NULL);

	/* Refused connection: short error, no header values anywhere. */
	snprintf(url, sizeof(url), "http://127.0.0.1:1/x");
	hr.url = url;
	hr.timeout_ms = 0;
	T(httpc_perform(&hr, &resp) == -1 && resp.err != NULL &&
	    resp.detail[0] != '\0');

	/* Other schemes are refused. */
	hr.url = "file:///etc/passwd";
	T(httpc_perform(&hr, &resp) == -1 && resp.status == 0);
	hr.url = "ftp://127.0.0.1/x";
	T(httpc_perform(&hr, &resp) == -1);
	httpc_response_release(&resp);
}

/* The environment's proxy settings are ignored (CGI: HTTP_PROXY). */
static void
test_no_proxy(void)
{
	struct httpc_request	 hr;
	struct httpc_response	 resp;

	setenv("http_proxy", "http://127.0.0.1:1", 1);
	setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
	setenv("all_proxy", "http://127.0.0.1:1", 1);
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	httpc_response_init(&resp);
	T(test_get(NULL, "/echo", NULL, NULL, &hr, &resp) == 0 &&
	    resp.status == 200);
	httpc_response_release(&resp);
}

/* Streaming sink: bytes arrive there, and -1 aborts. */
static int
test_sink(void *arg, const char *p, size_t n)
{
	size_t *total = arg;

	(void)p;
	*total += n;
	return *total > 50000 ? -1 : 0;
}

static void
test_stream(void)
{
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	size_t			 total = 0;

	httpc_response_init(&resp);
	test_fill(NULL, "/echo", NULL, NULL, &hr);
	hr.on_data = test_sink;
	hr.arg = &total;
	T(httpc_perform(&hr, &resp) == 0 && total > 0 && resp.body.len == 0);
	total = 0;
	test_fill(NULL, "/big", NULL, NULL, &hr);
	hr.on_data = test_sink;
	hr.arg = &total;
	T(httpc_perform(&hr, &resp) == -1 &&
	    strcmp(resp.err, "aborted by receiver") == 0);
	httpc_response_release(&resp);
}

/* A request from inside another's on_data takes a handle of its own;
 * one more level is refused. */
struct test_nest {
	int	 depth;
	int	 rc[2];
	long	 status[2];
	size_t	 body[2];
};

static int
test_nest_sink(void *arg, const char *p, size_t n)
{
	struct test_nest	*t = arg;
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	int			 d = t->depth;

	(void)p;
	(void)n;
	if (d >= 2 || t->body[d] != 0)
		return 0;
	httpc_response_init(&resp);
	test_fill(NULL, "/echo", NULL, NULL, &hr);
	hr.on_data = test_nest_sink;
	hr.arg = t;
	t->depth++;
	t->rc[d] = httpc_perform(&hr, &resp);
	t->depth--;
	t->status[d] = resp.status;
	t->body[d] = 1;
	httpc_response_release(&resp);
	return 0;
}

static void
test_nested(void)
{
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	struct test_nest	 t;

	memset(&t, 0, sizeof(t));
	httpc_response_init(&resp);
	test_fill(NULL, "/echo", NULL, NULL, &hr);
	hr.on_data = test_nest_sink;
	hr.arg = &t;
	T(httpc_perform(&hr, &resp) == 0 && resp.status == 200);
	/* the second level ran, the third was refused */
	T(t.rc[0] == 0 && t.status[0] == 200);
	T(t.rc[1] == -1 && t.status[1] == 0);
	/* and the handles are free again */
	test_fill(NULL, "/echo", NULL, NULL, &hr);
	T(httpc_perform(&hr, &resp) == 0 && resp.status == 200);
	httpc_response_release(&resp);
}

/* The address guard: loopback refused unless listed; a name is pinned
 * to the address that was checked. */
static void
test_guard(void)
{
	struct netguard		 none, allow, name;
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	char			 err[160], list[64], url[128];

	httpc_response_init(&resp);
	T(netguard_parse(&none, "", err, sizeof(err)) == 0);
	snprintf(list, sizeof(list), "127.0.0.1:%d", test_port);
	T(netguard_parse(&allow, list, err, sizeof(err)) == 0);
	snprintf(list, sizeof(list), "localhost:%d", test_port);
	T(netguard_parse(&name, list, err, sizeof(err)) == 0);

	test_fill(NULL, "/echo", NULL, NULL, &hr);
	hr.guard = &none;
	T(httpc_perform(&hr, &resp) == -1 && resp.fail == HTTPC_FAIL_CONNECT &&
	    strstr(resp.detail, "loopback") != NULL);
	hr.guard = &allow;
	T(httpc_perform(&hr, &resp) == 0 && resp.status == 200);
	/* another port of the listed address is not listed */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", test_port == 1 ?
	    2 : 1);
	hr.url = url;
	T(httpc_perform(&hr, &resp) == -1 && strstr(resp.detail, "loopback") !=
	    NULL);
	/* a listed name, pinned to its checked address */
	snprintf(url, sizeof(url), "http://localhost:%d/echo", test_port);
	hr.guard = &name;
	T(httpc_perform(&hr, &resp) == 0 && resp.status == 200);
	hr.guard = &none;
	T(httpc_perform(&hr, &resp) == -1 && strstr(resp.detail, "localhost")
	    != NULL);
	/* unguarded requests are unchanged afterwards */
	hr.guard = NULL;
	T(httpc_perform(&hr, &resp) == 0 && resp.status == 200);
	httpc_response_release(&resp);
}

int
main(void)
{
	struct httpc_request	 hr = { 0 };
	struct httpc_response	 resp;
	pid_t			 pid;
	int			 lfd;

	/* Before init: an error, not a crash. */
	httpc_response_init(&resp);
	hr.url = "http://127.0.0.1:1/";
	T(httpc_perform(&hr, &resp) == -1 && resp.err != NULL);
	httpc_response_release(&resp);

	if ((lfd = stub_listen(&test_port)) == -1)
		return 1;
	if ((pid = fork()) == 0) {
		setpgid(0, 0);	/* its own group: killed with its children */
		stub_serve(lfd);
		_exit(0);
	}
	setpgid(pid, pid);	/* both sides: no race with the kill below */
	close(lfd);
	T(httpc_global_init("test/1") == 0);
	T(httpc_global_init("test/1") == 0);	/* once is enough */
	test_basic();
	test_limits_and_errors();
	test_stream();
	test_nested();
	test_no_proxy();
	test_guard();
	httpc_global_cleanup();
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return t_done();
}
