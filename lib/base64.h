/*
 * base64.h -- the one base64 codec (RFC 4648), standard and URL-safe,
 * encoding and strict decoding, (ptr, len) into a struct buf.
 *
 * flags, or'ed:
 *   BASE64_STD  the standard alphabet, "+/" (RFC 4648 section 4)
 *   BASE64_URL  the URL-safe alphabet, "-_" (section 5; JWS, RFC 7515
 *               section 2, uses it without padding)
 *   BASE64_PAD  '=' padding to a multiple of 4 characters
 *
 * base64_encode: exactly one of BASE64_STD or BASE64_URL; with BASE64_PAD
 *   the output is padded, else not.
 * base64_decode: BASE64_STD, BASE64_URL or both (either alphabet, but
 *   never both in one string); with BASE64_PAD padding is optional, and
 *   when present must complete the last quantum exactly; without it any
 *   '=' is refused. Always strict: no blanks or other characters, a length
 *   (padding removed) that is not 1 mod 4, and zero unused bits in the last
 *   character -- so every byte string has exactly one accepted encoding
 *   per alphabet and padding (a changed character always changes the
 *   bytes).
 *
 * Both append to out and return 0, or -1 on bad flags, bad input, or when
 * out's cap is reached (the buffer is then released, buf.h). After -1 on
 * bad input out may hold part of the result: release it. On success out
 * holds a C string even when nothing was appended. p may be NULL only when
 * len is 0.
 */
#ifndef LIB_BASE64_H
#define LIB_BASE64_H

#include <stddef.h>

#include "buf.h"

#define BASE64_STD	0x1
#define BASE64_URL	0x2
#define BASE64_PAD	0x4

/* Characters of the encoding of n bytes: padded, and not. */
#define BASE64_LEN_PAD(n)	(((n) + 2) / 3 * 4)
#define BASE64_LEN(n)		(((n) * 4 + 2) / 3)

int	 base64_encode(struct buf *out, const void *p, size_t len,
	    int flags);
int	 base64_decode(struct buf *out, const char *p, size_t len,
	    int flags);

#endif /* LIB_BASE64_H */
