/*
 * test_router.c -- matching, 404/405, /healthz, /readyz (against a
 * one-shot stub Supabase on a loopback port), and many passes of the
 * request cycle (run under ASan/valgrind for leaks).
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

#include "config.h"
#include "httpc.h"
#include "http/io.h"
#include "jsonx.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "routes.h"
#include "t.h"

static struct config	 test_cfg;

static void
test_match(void)
{
	const struct {
		int		 line;
		const char	*method, *path;
		int		 status;
		const char	*allow;		/* for 405 */
	} cases[] = {
		{ __LINE__, "GET", "/healthz", 200, NULL },
		{ __LINE__, "HEAD", "/healthz", 200, NULL },
		{ __LINE__, "GET", "/readyz", 200, NULL },
		{ __LINE__, "POST", "/healthz", 405, "GET, HEAD" },
		{ __LINE__, "DELETE", "/readyz", 405, "GET, HEAD" },
		{ __LINE__, "OPTIONS", "/readyz", 405, "GET, HEAD" },
		{ __LINE__, "GET", "/healthz/", 404, NULL },
		{ __LINE__, "GET", "/healthz/x", 404, NULL },
		{ __LINE__, "GET", "//healthz", 404, NULL },
		{ __LINE__, "GET", "/HEALTHZ", 404, NULL },
		{ __LINE__, "GET", "/health", 404, NULL },
		{ __LINE__, "GET", "/", 404, NULL },
		/* The MCP endpoint: POST, DELETE and GET (the handler
		 * answers 405 itself unless the stream exists: mcp.h). */
		{ __LINE__, "POST", "/mcp/acme/files", 200, NULL },
		{ __LINE__, "DELETE", "/mcp/acme/files", 200, NULL },
		{ __LINE__, "GET", "/mcp/acme/files", 200, NULL },
		/* Odd bytes and traversal in slugs never reach a handler. */
		{ __LINE__, "POST", "/mcp/ACME/files", 404, NULL },
		{ __LINE__, "POST", "/mcp/acme/../files", 404, NULL },
		{ __LINE__, "POST", "/mcp/acme/fi%2Fles", 404, NULL },
		{ __LINE__, "POST", "/mcp/acme/files/x", 404, NULL },
		{ __LINE__, "POST", "/mcp/-acme/files", 404, NULL },
		{ __LINE__, "POST", "/mcp/acme", 404, NULL },
		{ __LINE__, "POST", "/mcp//files", 404, NULL },
		{ __LINE__, "GET", "/.well-known/oauth-protected-resource", 200, NULL },
		{ __LINE__, "GET", "/.well-known/oauth-protected-resource/mcp/acme/files", 200, NULL },
		{ __LINE__, "GET", "/.well-known/jwks.json", 200, NULL },
		{ __LINE__, "get", "/healthz", 405, "GET, HEAD" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route	*r;
		struct route_params	 p;
		struct buf		 allow;
		int			 st;

		buf_init(&allow, 256);
		st = router_match(routes_platform, routes_platform_n,
		    cases[i].method, cases[i].path, &r, &p, &allow);
		T_LINE(st == cases[i].status, cases[i].line);
		T_LINE((st == 200) == (r != NULL), cases[i].line);
		if (st == 200 && strchr(r->pattern, '{') == NULL)
			T_LINE(strcmp(r->pattern, cases[i].path) == 0 &&
			    p.n == 0, cases[i].line);
		else if (st == 200)
			/* /mcp/{tenant}/{server} and its metadata twin */
			T_LINE(p.n == 2 && p.v[0].len == 4 &&
			    memcmp(p.v[0].p, "acme", 4) == 0 &&
			    p.v[1].len == 5 &&
			    memcmp(p.v[1].p, "files", 5) == 0, cases[i].line);
		if (cases[i].allow != NULL)
			T_LINE(strcmp(buf_cstr(&allow), cases[i].allow) == 0,
			    cases[i].line);
		buf_release(&allow);
	}
}

/* Run one request through the same path main.c uses; output in *out. */
static int
test_run(const char *method, const char *path, struct buf *out)
{
	char		 m[64], p[256];
	const char	*env[] = { m, p, "UNIQUE_ID=test-id", NULL };
	struct request	 req;
	struct io	 io;
	const char	*why;
	int		 st;

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(p, sizeof(p), "PATH_INFO=%s", path);
	io_init_mem(&io, env, NULL, 0, 1 << 20);
	if ((st = request_init(&req, &io, &test_cfg, &why)) != 0)
		response_error(&req, st, NULL, "%s", why);
	else
		router_dispatch(&req, routes_platform, routes_platform_n);
	st = req.resp.status;
	buf_reset(out);
	buf_append(out, io.out.data, io.out.len);
	request_release(&req);
	io_release(&io);
	return st;
}

static json_t *
test_body_json(const struct buf *out)
{
	const char *p = strstr(buf_cstr(out), "\r\n\r\n");

	return p != NULL ? jsonx_loadb(p + 4, strlen(p + 4), 8, NULL, 0) :
	    NULL;
}

static void
test_dispatch(void)
{
	struct buf	 out;
	json_t		*j;
	size_t		 i;
	int		 ok = 1;

	buf_init(&out, 1 << 20);
	T(test_run("GET", "/healthz", &out) == 200);
	T(strncmp(buf_cstr(&out), "Status: 200 OK\r\n", 16) == 0);
	T(strstr(buf_cstr(&out), "\r\nX-Request-Id: test-id\r\n") != NULL);
	j = test_body_json(&out);
	T(j != NULL && strcmp(jsonx_str(j, "status"), "ok") == 0);
	json_decref(j);

	T(test_run("HEAD", "/healthz", &out) == 200);
	T(strcmp(strstr(buf_cstr(&out), "\r\n\r\n"), "\r\n\r\n") == 0);

	T(test_run("POST", "/healthz", &out) == 405);
	T(strstr(buf_cstr(&out), "\r\nAllow: GET, HEAD\r\n") != NULL);
	T(strstr(buf_cstr(&out), "\r\nX-Request-Id: test-id\r\n") != NULL);
	j = test_body_json(&out);
	T(strcmp(jsonx_str(json_object_get(j, "error"), "code"),
	    "method_not_allowed") == 0);
	json_decref(j);

	T(test_run("GET", "/nope", &out) == 404);
	T(strstr(buf_cstr(&out), "\r\nX-Request-Id: test-id\r\n") != NULL);
	j = test_body_json(&out);
	T(strcmp(jsonx_str(json_object_get(j, "error"), "code"),
	    "not_found") == 0);
	json_decref(j);

	/* Refused by request bounds: still JSON, still X-Request-Id. */
	T(test_run("GET", "/a/../healthz", &out) == 400);
	T(strstr(buf_cstr(&out), "\r\nX-Request-Id: test-id\r\n") != NULL);

	/* Many passes: everything is released each time (ASan/valgrind). */
	for (i = 0; i < 2000; i++)
		ok &= test_run(i % 2 ? "GET" : "PUT", i % 3 ? "/healthz" :
		    "/x", &out) == (i % 3 ? (i % 2 ? 200 : 405) : 404);
	T(ok);
	buf_release(&out);
}

/*
 * One-shot stub Supabase: accepts one connection, answers status, and
 * sends the request head it saw back through a pipe.
 */
static pid_t
stub_start(int status, int *port, int *pipefd)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 lfd, fds[2];
	pid_t			 pid;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) == -1 ||
	    pipe(fds) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) == 0) {
		char	 req[8192], resp[256];
		size_t	 got = 0;
		ssize_t	 r;
		int	 fd, n;

		close(fds[0]);
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		while (got < sizeof(req) - 1 &&
		    (r = read(fd, req + got, sizeof(req) - 1 - got)) > 0) {
			got += (size_t)r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n"
		    "Content-Type: application/json\r\nContent-Length: 2\r\n"
		    "Connection: close\r\n\r\n[]", status);
		if (write(fd, resp, (size_t)n) != n ||
		    write(fds[1], req, got) != (ssize_t)got)
			_exit(1);
		close(fd);
		_exit(0);
	}
	close(lfd);
	close(fds[1]);
	*pipefd = fds[0];
	return pid;
}

/* /readyz against the stub; returns the HTTP status, *seen the request. */
static int
test_readyz(int upstream, const char *key, struct buf *out, char *seen,
    size_t seenlen)
{
	char	 url[64];
	int	 port, pfd, st;
	ssize_t	 n;
	pid_t	 pid;

	if ((pid = stub_start(upstream, &port, &pfd)) == -1)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	free(test_cfg.supabase_url);
	test_cfg.supabase_url = strdup(url);
	test_cfg.supabase_url[strlen(url) - 1] = '\0';	/* as config does */
	buf_release_secret(&test_cfg.supabase_secret_key);
	buf_appends(&test_cfg.supabase_secret_key, key);
	st = test_run("GET", "/readyz", out);
	n = read(pfd, seen, seenlen - 1);
	seen[n > 0 ? n : 0] = '\0';
	close(pfd);
	waitpid(pid, NULL, 0);
	return st;
}

static void
test_ready(void)
{
	struct buf	 out;
	char		 seen[8192];
	json_t		*j;

	buf_init(&out, 1 << 20);

	T(test_readyz(200, "sb_secret_abc", &out, seen, sizeof(seen)) == 200);
	T(strncmp(seen, "GET /rest/v1/mcp_servers?select=slug&limit=1 "
	    "HTTP/1.1\r\n", 55) == 0);
	T(strstr(seen, "\r\napikey: sb_secret_abc\r\n") != NULL);
	T(strstr(seen, "Authorization") == NULL);	/* not a JWT */
	j = test_body_json(&out);
	T(j != NULL && strcmp(jsonx_str(j, "status"), "ready") == 0);
	json_decref(j);

	/* A legacy service_role JWT goes in both headers. */
	T(test_readyz(204, "eyJhbGciOiJIUzI1NiJ9.e30.x", &out, seen,
	    sizeof(seen)) == 200);
	T(strstr(seen, "\r\napikey: eyJhbGciOiJIUzI1NiJ9.e30.x\r\n") != NULL);
	T(strstr(seen, "\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"
	    "\r\n") != NULL);

	/* Supabase says no: 503 with the status, never the key. */
	T(test_readyz(401, "sb_secret_abc", &out, seen, sizeof(seen)) == 503);
	j = test_body_json(&out);
	T(j != NULL && strcmp(jsonx_str(j, "status"), "unavailable") == 0);
	T(strcmp(jsonx_str(j, "reason"), "supabase answered 401") == 0);
	T(strstr(buf_cstr(&out), "sb_secret_abc") == NULL);
	T(strstr(buf_cstr(&out), "\r\nX-Request-Id: test-id\r\n") != NULL);
	json_decref(j);

	/* Nobody listening. */
	free(test_cfg.supabase_url);
	test_cfg.supabase_url = strdup("http://127.0.0.1:1");
	T(test_run("GET", "/readyz", &out) == 503);
	j = test_body_json(&out);
	T(j != NULL && strncmp(jsonx_str(j, "reason"),
	    "supabase unreachable: ", 22) == 0);
	T(strstr(buf_cstr(&out), "127.0.0.1") == NULL);	/* no URL */
	json_decref(j);
	buf_release(&out);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	config_init(&test_cfg);
	test_cfg.supabase_url = strdup("http://127.0.0.1:1");
	buf_appends(&test_cfg.supabase_secret_key, "sb_secret_abc");
	if (httpc_global_init("test/1") == -1)
		return 1;
	test_match();
	test_dispatch();
	test_ready();
	httpc_global_cleanup();
	config_release(&test_cfg);
	return t_done();
}
