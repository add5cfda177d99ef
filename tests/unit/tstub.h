/*
 * tstub.h -- a stub HTTP/1.1 server for unit tests, forked on a free
 * 127.0.0.1 port (the pattern of test_httpc.c), header-only.
 *
 *     pid = tstub_start(handler, &port);
 *     ... requests to http://127.0.0.1:<port>/... ...
 *     tstub_stop(pid);
 *
 * Each connection is served by its own child process (one request,
 * "Connection: close"), which calls handler(fd, request, length) with the
 * whole request (head and Content-Length body, NUL-terminated). State
 * shared with the test goes through files (the handler runs in a child).
 * tstub_log() appends the request to a file so a test can count and
 * inspect what the code under test sent.
 */
#ifndef MCP_TSTUB_H
#define MCP_TSTUB_H

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TSTUB_REQ_MAX	(1024 * 1024)

typedef void	 tstub_fn(int fd, const char *req, size_t len);

static inline void
tstub_send(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

/* A whole response; extra is "Name: value\r\n" lines or "". */
static inline void
tstub_answer(int fd, int status, const char *extra, const char *body)
{
	char	 head[1024];
	size_t	 len = body != NULL ? strlen(body) : 0;
	int	 n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: "
	    "%zu\r\nContent-Type: application/json\r\nConnection: close\r\n"
	    "%s\r\n", status, len, extra != NULL ? extra : "");
	tstub_send(fd, head, (size_t)n);
	if (len > 0)
		tstub_send(fd, body, len);
}

/* The contents of path (malloc'd, NUL-terminated) or NULL. */
static inline char *
tstub_slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*p = NULL;
	long	 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL) {
		if (fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else
			p[n] = '\0';
	}
	fclose(f);
	return p;
}

/* Replace path's contents atomically (write a temp file, rename). */
static inline int
tstub_write_file(const char *path, const char *s)
{
	char	 tmp[1024];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fputs(s, f);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

/* Append one request to path, then a line "\n--END--\n". */
static inline void
tstub_log(const char *path, const char *req, size_t len)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) == -1)
		return;
	tstub_send(fd, req, len);
	tstub_send(fd, "\n--END--\n", 9);
	close(fd);
}

/* How many requests path holds. */
static inline int
tstub_count(const char *path)
{
	char		*s = tstub_slurp(path);
	const char	*p;
	int		 n = 0;

	for (p = s; p != NULL && (p = strstr(p, "\n--END--\n")) != NULL; p++)
		n++;
	free(s);
	return n;
}

static inline size_t
tstub_read(int fd, char *req)
{
	size_t	 got = 0, need = 0;
	ssize_t	 r;
	char	*end, *cl;

	while (got < TSTUB_REQ_MAX - 1) {
		if ((r = read(fd, req + got, TSTUB_REQ_MAX - 1 - got)) <= 0)
			break;
		got += (size_t)r;
		req[got] = '\0';
		if ((end = strstr(req, "\r\n\r\n")) == NULL)
			continue;
		if (need == 0) {
			need = (size_t)(end + 4 - req);
			if ((cl = strcasestr(req, "\r\nContent-Length: ")) !=
			    NULL && cl < end) {
				size_t v = 0;

				for (cl += 18; *cl >= '0' && *cl <= '9'; cl++)
					v = v * 10 + (size_t)(*cl - '0');
				need += v;
			}
		}
		if (got >= need)
			break;
	}
	req[got] = '\0';
	return got;
}

static inline void
tstub_serve(int lfd, tstub_fn *fn)
{
	static char	 req[TSTUB_REQ_MAX];
	size_t		 n;
	int		 fd;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* no zombies */
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (fork() != 0) {
			close(fd);
			continue;
		}
		n = tstub_read(fd, req);
		fn(fd, req, n);
		close(fd);
		_exit(0);
	}
}

/* Fork the server; its pid (own process group), or -1. */
static inline pid_t
tstub_start(tstub_fn *fn, int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	pid_t			 pid;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) == 0) {
		setpgid(0, 0);	/* killed with its children */
		tstub_serve(fd, fn);
		_exit(0);
	}
	setpgid(pid, pid);
	close(fd);
	return pid;
}

static inline void
tstub_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* A fresh private directory under $TMPDIR (or /tmp) into dir. */
static inline int
tstub_tmpdir(char *dir, size_t len, const char *name)
{
	const char	*t = getenv("TMPDIR");

	snprintf(dir, len, "%s/%s.XXXXXX", t != NULL && *t != '\0' ? t :
	    "/tmp", name);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

#endif /* MCP_TSTUB_H */
