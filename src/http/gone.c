/*
 * gone.c -- has the client gone away? See gone.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "http/gone.h"
#include "product_limits.h"

/* FastCGI 1.0, section 8: the record header and FCGI_ABORT_REQUEST. */
#define GONE_FCGI_HEADER	8
#define GONE_FCGI_ABORT		2

void
gone_init(struct gone *g, const struct io *io)
{
	memset(g, 0, sizeof(*g));
	g->io = io;
	g->fd = -1;
	if (io != NULL && io->kind == IO_FCGI && io->fcgi != NULL)
		g->fd = io->fcgi->ipcFd;
	g->events = POLLIN | POLLRDHUP;
}

void
gone_set_beat(struct gone *g, gone_beat_fn *beat, void *arg)
{
	g->beat = beat;
	g->arg = arg;
	g->next_beat_ms = clock_mono_ms() + LIMIT_GONE_BEAT_MS;
}

int
gone_timeout(const struct gone *g, int timeout)
{
	uint64_t	 now;
	int		 left;

	if (g->beat == NULL || g->gone)
		return timeout;
	now = clock_mono_ms();
	left = g->next_beat_ms <= now ? 0 : (int)(g->next_beat_ms - now);
	return timeout < 0 || left < timeout ? left : timeout;
}

/* A beat when one is due: 0, or -1 when it could not be written. */
static int
gone_beat(struct gone *g)
{
	uint64_t	 now;

	if (g->beat == NULL || (now = clock_mono_ms()) < g->next_beat_ms)
		return 0;
	g->next_beat_ms = now + LIMIT_GONE_BEAT_MS;
	return g->beat(g->arg);
}

int
gone_pollfd(const struct gone *g, struct pollfd *pfd)
{
	if (g->fd < 0 || g->gone)
		return 0;
	pfd->fd = g->fd;
	pfd->events = g->events;
	pfd->revents = 0;
	return 1;
}

/* Data waiting on the connection: EOF, an abort, or something else. */
static int
gone_peek(struct gone *g)
{
	unsigned char	 h[GONE_FCGI_HEADER];
	ssize_t		 n;

	n = recv(g->fd, h, sizeof(h), MSG_PEEK | MSG_DONTWAIT);
	if (n == 0) {
		g->why = "the web server closed the connection";
		return 1;
	}
	if (n == -1) {
		g->why = "the web server reset the connection";
		return errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR;
	}
	if (n >= 2 && h[1] == GONE_FCGI_ABORT) {
		g->why = "FCGI_ABORT_REQUEST";
		return 1;
	}
	/* Something else for libfcgi: leave it, watch for the close. */
	g->events = POLLRDHUP;
	return 0;
}

int
gone_check(struct gone *g, short revents)
{
	if (g->gone)
		return 1;
	g->why = "a write to the client failed";
	if ((g->io != NULL && g->io->failed) || gone_beat(g) == -1)
		g->gone = 1;
	else if (g->fd < 0 || revents == 0)
		return 0;
	else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		g->why = "the web server hung up";
		g->gone = 1;
	} else if (revents & (POLLIN | POLLRDHUP)) {
		g->why = "the web server shut its side down";
		g->gone = gone_peek(g) || (revents & POLLRDHUP) != 0;
	}
	return g->gone;
}

int
gone_now(struct gone *g)
{
	struct pollfd	 pfd;

	pfd.revents = 0;
	if (gone_pollfd(g, &pfd) && poll(&pfd, 1, 0) == -1)
		pfd.revents = 0;
	return gone_check(g, pfd.revents);
}
