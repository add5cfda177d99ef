/*
 * buf.h -- one capped, growable byte buffer (git's strbuf, curl's dynbuf).
 *
 * Contract:
 *  - A struct buf is initialised with buf_init(b, max): empty, no memory.
 *  - data is always NUL-terminated when non-NULL (the NUL is not counted in
 *    len), so buf_cstr() is cheap; the bytes may still contain NULs.
 *  - Every append either succeeds whole or fails whole. An append that would
 *    make len exceed max (or runs out of memory) RELEASES the buffer and
 *    returns -1: callers cannot keep going with a silently truncated value.
 *  - buf_release() frees the memory and leaves an empty buffer with the
 *    same max; buf_reset() keeps the memory and empties it.
 *  - buf_detach() hands the memory to the caller (free() it) and resets.
 */
#ifndef MCP_BUF_H
#define MCP_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	 buf_init(struct buf *, size_t max);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_appends(struct buf *, const char *);
int	 buf_appendc(struct buf *, char);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
const char *buf_cstr(const struct buf *);
char	*buf_detach(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_release(struct buf *);
void	 buf_release_secret(struct buf *);

#endif /* MCP_BUF_H */
