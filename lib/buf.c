/*
 * buf.c -- capped growable buffer; see buf.h for the contract.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

/* For buffers that held key material or passwords. */
void
buf_release_secret(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	buf_release(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for need more bytes plus the NUL; -1 releases the buffer. */
static int
buf_grow(struct buf *b, size_t need)
{
	size_t	 want, ncap;
	char	*p;

	/* The last test keeps len + need + 1 from wrapping when max is huge. */
	if (need > b->max || b->len > b->max - need ||
	    b->len + need == (size_t)-1) {
		buf_release(b);
		errno = EMSGSIZE;
		return -1;
	}
	want = b->len + need + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap = ncap > ((size_t)-1) / 2 ? want : ncap * 2;
	/*
	 * Never allocate past max + 1. Written as ncap - 1 > max (ncap >= 1)
	 * because max + 1 overflows when max is SIZE_MAX; when the test holds,
	 * max < SIZE_MAX and max + 1 is safe.
	 */
	if (ncap - 1 > b->max)
		ncap = b->max + 1;
	if ((p = realloc(b->data, ncap)) == NULL) {
		buf_release(b);
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_appends(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_appendc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 cp;
	int	 n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || buf_grow(b, (size_t)n) == -1)
		return -1;
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_detach(struct buf *b)
{
	char	*p;

	p = b->data != NULL ? b->data : strdup("");
	buf_init(b, b->max);
	return p;
}
