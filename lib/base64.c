/*
 * base64.c -- RFC 4648 base64, standard and URL-safe; see base64.h.
 */
#include <stdint.h>

#include "base64.h"

static const char base64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char base64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* An empty result is still a C string. */
static int
base64_done(struct buf *out)
{
	return out->data == NULL ? buf_append(out, "", 0) : 0;
}

int
base64_encode(struct buf *out, const void *in, size_t len, int flags)
{
	const unsigned char	*p = in;
	const char		*a;
	char			 q[4];
	size_t			 i, n;
	uint32_t		 v;

	if ((flags & (BASE64_STD | BASE64_URL)) == BASE64_STD)
		a = base64_std;
	else if ((flags & (BASE64_STD | BASE64_URL)) == BASE64_URL)
		a = base64_url;
	else
		return -1;
	if (p == NULL && len > 0)
		return -1;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		q[0] = a[v >> 18];
		q[1] = a[(v >> 12) & 63];
		q[2] = a[(v >> 6) & 63];
		q[3] = a[v & 63];
		if (buf_append(out, q, 4) == -1)
			return -1;
	}
	if (len - i > 0) {
		/* One or two bytes left: 2 or 3 characters, then padding. */
		v = (uint32_t)p[i] << 16;
		if (len - i == 2)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = a[v >> 18];
		q[1] = a[(v >> 12) & 63];
		q[2] = len - i == 2 ? a[(v >> 6) & 63] : '=';
		q[3] = '=';
		n = flags & BASE64_PAD ? 4 : len - i + 1;
		if (buf_append(out, q, n) == -1)
			return -1;
	}
	return base64_done(out);
}

/* 0..63, or -1 for a character flags do not admit; *seen records the
 * alphabet of the special characters met so far (BASE64_STD or
 * BASE64_URL), so that mixing the two is refused. */
static int
base64_value(char c, int flags, int *seen)
{
	int	 which = 0, v = -1;

	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '/') {
		which = BASE64_STD;
		v = c == '+' ? 62 : 63;
	} else if (c == '-' || c == '_') {
		which = BASE64_URL;
		v = c == '-' ? 62 : 63;
	}
	if (v == -1 || !(flags & which) || (*seen != 0 && *seen != which))
		return -1;
	*seen = which;
	return v;
}

int
base64_decode(struct buf *out, const char *p, size_t len, int flags)
{
	unsigned char	 o[3];
	size_t		 i, n, rest;
	uint32_t	 v;
	int		 seen = 0, d, k;

	if ((flags & (BASE64_STD | BASE64_URL)) == 0)
		return -1;
	if (p == NULL && len > 0)
		return -1;
	/* Padding, when allowed and present, completes the last quantum. */
	n = len;
	if (n > 0 && p[n - 1] == '=') {
		if (!(flags & BASE64_PAD) || len % 4 != 0)
			return -1;
		n--;
		if (n > 0 && p[n - 1] == '=')
			n--;
	}
	rest = n % 4;
	if (rest == 1)
		return -1;
	for (i = 0; i + 4 <= n; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if ((d = base64_value(p[i + (size_t)k], flags,
			    &seen)) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		o[0] = (unsigned char)(v >> 16);
		o[1] = (unsigned char)(v >> 8);
		o[2] = (unsigned char)v;
		if (buf_append(out, o, 3) == -1)
			return -1;
	}
	if (rest > 0) {
		v = 0;
		for (k = 0; k < (int)rest; k++) {
			if ((d = base64_value(p[i + (size_t)k], flags,
			    &seen)) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		/* Canonical only: the bits past the last byte are zero. */
		if (rest == 2) {
			if ((v & 0x0f) != 0)
				return -1;
			o[0] = (unsigned char)(v >> 4);
		} else {
			if ((v & 0x03) != 0)
				return -1;
			o[0] = (unsigned char)(v >> 10);
			o[1] = (unsigned char)(v >> 2);
		}
		if (buf_append(out, o, rest - 1) == -1)
			return -1;
	}
	return base64_done(out);
}
