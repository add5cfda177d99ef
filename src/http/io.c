/*
 * io.c -- FastCGI / plain CGI / memory request I/O; see io.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/io.h"

static void
io_init(struct io *io, enum io_kind kind, const char *const *envp)
{
	memset(io, 0, sizeof(*io));
	io->kind = kind;
	io->envp = envp;
	buf_init(&io->out, 0);
}

void
io_init_fcgi(struct io *io, FCGX_Request *r)
{
	io_init(io, IO_FCGI, (const char *const *)r->envp);
	io->fcgi = r;
}

void
io_init_cgi(struct io *io, const char *const *envp)
{
	io_init(io, IO_CGI, envp);
}

void
io_init_mem(struct io *io, const char *const *envp, const char *in,
    size_t inlen,
    size_t outmax)
{
	io_init(io, IO_MEM, envp);
	io->in = in;
	io->inlen = inlen;
	io->out.max = outmax;
}

void
io_release(struct io *io)
{
	buf_release(&io->out);
}

const char *
io_getenv(const struct io *io, const char *name)
{
	const char *const *e;
	size_t	 n = strlen(name);

	for (e = io->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

ssize_t
io_read(struct io *io, void *p, size_t n)
{
	ssize_t	 r;
	int	 chunk;

	switch (io->kind) {
	case IO_FCGI:
		chunk = n > INT_MAX ? INT_MAX : (int)n;
		r = FCGX_GetStr(p, chunk, io->fcgi->in);
		if (r == 0 && FCGX_GetError(io->fcgi->in) != 0)
			return -1;
		return r;
	case IO_CGI:
		do {
			r = read(STDIN_FILENO, p, n);
		} while (r == -1 && errno == EINTR);
		return r;
	case IO_MEM:
		if (n > io->inlen - io->inoff)
			n = io->inlen - io->inoff;
		if (n > 0)
			memcpy(p, io->in + io->inoff, n);
		io->inoff += n;
		return (ssize_t)n;
	}
	return -1;
}

int
io_write(struct io *io, const void *p, size_t n)
{
	const char	*c = p;
	int		 chunk;

	if (io->failed)
		return -1;
	switch (io->kind) {
	case IO_FCGI:
		while (n > 0) {
			chunk = n > INT_MAX ? INT_MAX : (int)n;
			if (FCGX_PutStr(c, chunk, io->fcgi->out) != chunk)
				goto fail;
			c += chunk;
			n -= (size_t)chunk;
		}
		return 0;
	case IO_CGI:
		if (n > 0 && fwrite(c, 1, n, stdout) != n)
			goto fail;
		return 0;
	case IO_MEM:
		if (buf_append(&io->out, c, n) == -1)
			goto fail;
		return 0;
	}
fail:
	io->failed = 1;
	return -1;
}

int
io_flush(struct io *io)
{
	if (io->failed)
		return -1;
	switch (io->kind) {
	case IO_FCGI:
		if (FCGX_FFlush(io->fcgi->out) == -1)
			break;
		return 0;
	case IO_CGI:
		if (fflush(stdout) == EOF)
			break;
		return 0;
	case IO_MEM:
		return 0;
	}
	io->failed = 1;
	return -1;
}
