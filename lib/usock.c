/*
 * usock.c -- a Unix stream socket as a one-shot mailbox; see usock.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "usock.h"

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == USOCK_PATH_MAX,
    "USOCK_PATH_MAX must be sizeof(sun_path)");

static int
usock_addr(const char *path, struct sockaddr_un *sa)
{
	size_t	 n = strlen(path);

	if (n == 0 || n >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int
usock_listen(const char *path)
{
	struct sockaddr_un	 sa;
	mode_t			 old;
	int			 fd, c, rc, e;

	if (usock_addr(path, &sa) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc == -1 && errno == EADDRINUSE) {
		/* Live (someone listens: keep it) or stale (replace it). */
		if ((c = usock_connect(path)) != -1) {
			close(c);
			errno = EADDRINUSE;
		} else if (errno == ECONNREFUSED && unlink(path) == 0)
			rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		else
			errno = EADDRINUSE;
	}
	umask(old);
	if (rc == -1 || listen(fd, 4) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
usock_accept(int lfd)
{
	return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int
usock_connect(const char *path)
{
	struct sockaddr_un	 sa;
	int			 fd, e;

	if (usock_addr(path, &sa) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* A Unix stream connect never answers EINPROGRESS on Linux: it
	 * either queues at once or fails (EAGAIN: the backlog is full). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Wait for events on fd until deadline: 0, or -1 (ETIMEDOUT). */
static int
usock_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd	 p;
	uint64_t	 now;
	int		 r;

	for (;;) {
		now = clock_mono_ms();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, deadline - now > 60000 ? 60000 :
		    (int)(deadline - now));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r > 0)
			return 0;
	}
}

int
usock_send(int fd, const void *p, size_t n, uint64_t deadline)
{
	const char	*q = p;
	ssize_t		 w;

	while (n > 0) {
		w = send(fd, q, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN) {
			if (usock_wait(fd, POLLOUT, deadline) == -1)
				return -1;
			continue;
		}
		if (w == -1)
			return -1;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int
usock_recv(int fd, struct buf *out, uint64_t deadline)
{
	char	 chunk[4096];
	ssize_t	 n;

	for (;;) {
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (usock_wait(fd, POLLIN, deadline) == -1)
				return -1;
			continue;
		}
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		if (buf_append(out, chunk, (size_t)n) == -1) {
			errno = EMSGSIZE;
			return -1;
		}
	}
}
