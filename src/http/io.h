/*
 * io.h -- where one request comes from and its response goes to, so the
 * same request code serves FastCGI, plain CGI and the unit tests.
 *
 *  IO_FCGI  a libfcgi request accepted by FCGX_Accept_r: its envp and its
 *           in/out streams (borrowed; valid until FCGX_Finish_r).
 *  IO_CGI   plain CGI (FCGX_IsCGI()): the process environment, stdin and
 *           stdout (RFC 3875).
 *  IO_MEM   tests: a caller-owned environment array, input from memory,
 *           output collected in io->out (capped at outmax).
 *
 * The environment is attacker input (RFC 3875 4.1.18: every request
 * header becomes HTTP_*). io_getenv() only looks names up; it never changes
 * the process environment.
 *
 * Writes: once a write fails (the client went away: EPIPE, FastCGI abort)
 * io->failed is set and later writes are dropped and return -1, so a
 * handler can go on to its end and release everything. Nothing here
 * raises a signal (SIGPIPE is ignored by main.c).
 */
#ifndef MCP_IO_H
#define MCP_IO_H

#include <stddef.h>
#include <sys/types.h>

#include <fcgiapp.h>

#include "buf.h"

enum io_kind {
	IO_FCGI,
	IO_CGI,
	IO_MEM
};

struct io {
	enum io_kind	 kind;
	const char *const *envp;	/* NULL-terminated "NAME=value" */
	FCGX_Request	*fcgi;		/* IO_FCGI */
	const char	*in;		/* IO_MEM input */
	size_t		 inlen, inoff;
	struct buf	 out;		/* IO_MEM output */
	int		 failed;	/* a write failed; later ones dropped */
};

void	 io_init_fcgi(struct io *, FCGX_Request *);
void	 io_init_cgi(struct io *, const char *const *envp);
void	 io_init_mem(struct io *, const char *const *envp, const char *in,
	    size_t inlen,
	    size_t outmax);
void	 io_release(struct io *);

/* The value of name in the request environment (borrowed) or NULL. */
const char *io_getenv(const struct io *, const char *name);
/* Read up to n bytes: the count, 0 at end of input, -1 on error. */
ssize_t	 io_read(struct io *, void *, size_t);
/* Write all n bytes: 0 or -1. */
int	 io_write(struct io *, const void *, size_t);
/* Push buffered output to the web server now (SSE events): 0 or -1. */
int	 io_flush(struct io *);

#endif /* MCP_IO_H */
