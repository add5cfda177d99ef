/*
 * strparse.h -- bounded parsing of numbers and tokens (OpenBSD strtonum,
 * lighttpd's (ptr, len) parsers).
 *
 * Every function takes (ptr, len), never assumes NUL termination, and
 * returns 0 on success or -1 on any malformed or out-of-range input, in
 * which case *out is untouched. No leading/trailing blanks, no sign for
 * unsigned values, no base prefixes; leading zeros are allowed.
 */
#ifndef MCP_STRPARSE_H
#define MCP_STRPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

int	 strparse_u64(const char *, size_t, uint64_t min, uint64_t max,
	    uint64_t *out);
int	 strparse_i64(const char *, size_t, int64_t min, int64_t max,
	    int64_t *out);
int	 strparse_bool(const char *, size_t, int *out);
/* Case-insensitive ASCII comparison of (p, len) with the C string s. */
int	 strparse_eq_ci(const char *, size_t, const char *s);
/* 1 when (p, len) is a slug: [a-z0-9][a-z0-9-]{0,max-1}. */
int	 strparse_is_slug(const char *, size_t, size_t max);
/* 1 when every byte of (p, len) is visible ASCII (0x21-0x7e; RFC 5234
 * VCHAR); 1 for len 0. */
int	 strparse_is_vchar(const char *, size_t);
/* Trim ASCII blanks (space, tab) at both ends, in place on (p, len). */
void	 strparse_trim(const char **, size_t *);
/* The value of a hex digit (either case), or -1. */
int	 strparse_hexval(char);
/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31), proleptic Gregorian
 * (H. Hinnant's days_from_civil), for the date parsers built on these. */
int64_t	 strparse_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * The next name=value pair of an application/x-www-form-urlencoded text
 * (a query string or a form body), from *p up to end: name and value are
 * percent-decoded, '+' read as a space, into the two buffers (reset first,
 * always NUL-terminated, capped by their own max); a pair without '='
 * has an empty value; empty pairs ("&&") are skipped. *p moves past the
 * pair and its '&'. Returns 1 for a pair, 0 at the end, -1 for a bad
 * escape, a decoded NUL byte or a buffer cap (*p moved on all the same).
 */
int	 strparse_form_next(const char **p, const char *end, struct buf *name,
	    struct buf *value);

/* Append s form-encoded (the inverse of strparse_form_next; Go's
 * url.QueryEscape): [A-Za-z0-9_.~-] kept, space as '+', every other byte
 * as %XX. 0, or -1 at the buffer's cap. */
int	 strparse_form_encode(struct buf *out, const char *s);

#endif /* MCP_STRPARSE_H */
