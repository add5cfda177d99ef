/*
 * gone.h -- has the client gone away? While a worker waits on an
 * upstream, nothing is read from or written to the web server, so a
 * client that closed its connection is seen only through the FastCGI
 * connection itself (docs/architecture.md, "A client that goes away"):
 *
 *  - lighttpd 1.4 notices the client's close (it polls the client socket
 *    while the backend works) and closes its connection to the worker:
 *    the worker reads EOF (POLLIN/POLLRDHUP, recv() == 0);
 *  - a web server that sends FCGI_ABORT_REQUEST (FastCGI 1.0, 5.4) does
 *    so on the same connection: a record of type 2 waiting to be read;
 *  - a write that already failed (io->failed: an SSE event the client
 *    could not take) says the same.
 * Apache's mod_fcgid does neither while the response is silent: it sees
 * the client gone only when it writes to it (see the doc).
 *
 *     struct gone g;
 *     gone_init(&g, req->io);
 *     n = 0; if (gone_pollfd(&g, &pfd[n])) gi = n++;
 *     poll(pfd, ...);
 *     if (gi != -1 && gone_check(&g, pfd[gi].revents)) ... cancel
 *
 * or, without a poll of one's own (a libcurl progress callback),
 * gone_now(&g). Once gone, it stays gone (g.gone). Other data on the
 * connection (a late empty FCGI_STDIN record) is left for libfcgi and
 * no longer polled for, so it cannot make the caller spin: from then on
 * only the peer's close (POLLRDHUP/POLLHUP) counts.
 *
 * Nothing is consumed from the connection and nothing allocated; the io
 * is borrowed. Under CGI and in the unit tests' IO_MEM there is nothing
 * to watch (gone_pollfd returns 0) but io->failed.
 */
#ifndef MCP_GONE_H
#define MCP_GONE_H

#include <poll.h>
#include <stdint.h>

#include "http/io.h"

/* Write a little to the client (an SSE comment) and flush: 0, or -1
 * when the write failed. */
typedef int gone_beat_fn(void *arg);

struct gone {
	const struct io	*io;
	int		 fd;	/* the FastCGI connection, or -1 */
	short		 events; /* what to poll fd for */
	int		 gone;	/* 1 once the client is seen gone */
	const char	*why;	/* then how it was seen (static) */
	gone_beat_fn	*beat;	/* or NULL */
	void		*arg;
	uint64_t	 next_beat_ms;	/* clock_mono_ms() */
};

void	 gone_init(struct gone *, const struct io *);
/* Beat every LIMIT_GONE_BEAT_MS from now while the call waits, so the
 * web server has something to write to the client: lighttpd 1.4 and
 * mod_fcgid see a closed client only when a write to it fails, and then
 * drop the worker's connection, which gone_check sees. A failed beat is
 * a gone client too. */
void	 gone_set_beat(struct gone *, gone_beat_fn *, void *arg);
/* The poll timeout (ms, -1: none) shortened to the next beat. */
int	 gone_timeout(const struct gone *, int timeout);
/* Fill *pfd to watch the client: 1, or 0 when there is nothing to
 * watch (then gone_check need not be called). */
int	 gone_pollfd(const struct gone *, struct pollfd *);
/* After poll(2), with the revents of that pollfd (0 after a timeout):
 * beats when one is due; 1 when the client is gone, else 0. */
int	 gone_check(struct gone *, short revents);
/* A poll of its own with no wait: 1 when the client is gone. */
int	 gone_now(struct gone *);

#endif /* MCP_GONE_H */
