/*
 * usock.h -- a Unix stream socket as a one-shot mailbox between processes
 * of one host: a listener bound to a path, a connector that hands over
 * one bounded message and reads one bounded answer. Knows nothing of what
 * the messages mean.
 *
 *     listener:  fd = usock_listen(path, err, errlen);
 *                poll fd; c = usock_accept(fd);
 *                usock_recv(c, &msg, deadline); usock_send(c, "ok", 2, dl);
 *                close(c); close(fd); unlink(path);
 *     connector: c = usock_connect(path);  (-1, errno ENOENT /
 *                ECONNREFUSED: nobody listens)
 *                usock_send(c, msg, n, dl); shutdown(c, SHUT_WR);
 *                usock_recv(c, &ans, dl); close(c);
 *
 * A message ends with the sender's shutdown(SHUT_WR) (EOF). Paths must fit
 * sun_path (USOCK_PATH_MAX bytes with the NUL); the socket file gets mode
 * 0600 (umask 077 around bind). A stale file (nobody listening) at the
 * path is replaced by usock_listen; a live one is EADDRINUSE.
 *
 * Deadlines are clock_mono_ms() values. All fds are O_NONBLOCK and
 * O_CLOEXEC. Returns: fds or -1 (errno set); 0 or -1 for the rest.
 * usock_recv appends to a buf (buf.h's cap bounds the message: over it,
 * -1 with EMSGSIZE).
 */
#ifndef MCP_USOCK_H
#define MCP_USOCK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define USOCK_PATH_MAX	108	/* sizeof(sun_path) on Linux */

int	 usock_listen(const char *path);
/* One pending connection, or -1 (EAGAIN: none). */
int	 usock_accept(int lfd);
int	 usock_connect(const char *path);
int	 usock_send(int fd, const void *, size_t, uint64_t deadline);
/* Until EOF, into out (appended). */
int	 usock_recv(int fd, struct buf *out, uint64_t deadline);

#endif /* MCP_USOCK_H */
