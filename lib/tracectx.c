/*
 * tracectx.c -- W3C Trace Context headers; see tracectx.h.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto.h"
#include "tracectx.h"

/* n lowercase hex digits at p. */
static int
tracectx_hex(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static int
tracectx_zeros(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != '0')
			return 0;
	return 1;
}

static unsigned
tracectx_byte(const char *p)
{
	unsigned	 hi = (unsigned)(p[0] <= '9' ? p[0] - '0' : p[0] - 'a' + 10);
	unsigned	 lo = (unsigned)(p[1] <= '9' ? p[1] - '0' : p[1] - 'a' + 10);

	return hi << 4 | lo;
}

static int
tracectx_lcalpha(char c)
{
	return c >= 'a' && c <= 'z';
}

static int
tracectx_keychar(char c)
{
	return tracectx_lcalpha(c) || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-' || c == '*' || c == '/';
}

/*
 * key = simple-key / multi-tenant-key
 * simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 * multi-tenant-key = tenant-id "@" system-id
 * tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/
 *             "*" / "/" )
 * system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 */
static int
tracectx_key(const char *p, size_t n)
{
	const char	*at = memchr(p, '@', n);
	size_t		 i, t;

	if (n == 0)
		return 0;
	if (at == NULL) {
		if (!tracectx_lcalpha(p[0]) || n > 256)
			return 0;
		for (i = 1; i < n; i++)
			if (!tracectx_keychar(p[i]))
				return 0;
		return 1;
	}
	t = (size_t)(at - p);
	if (t == 0 || t > 241 || n - t - 1 == 0 || n - t - 1 > 14)
		return 0;
	if (!tracectx_lcalpha(p[0]) && !(p[0] >= '0' && p[0] <= '9'))
		return 0;
	for (i = 1; i < t; i++)
		if (!tracectx_keychar(p[i]))
			return 0;
	if (!tracectx_lcalpha(p[t + 1]))
		return 0;
	for (i = t + 2; i < n; i++)
		if (!tracectx_keychar(p[i]))
			return 0;
	return 1;
}

/* value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr;
 * nblk-chr = %x21-2B / %x2D-3C / %x3E-7E */
static int
tracectx_value(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 256 || p[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == ',' || p[i] == '=')
			return 0;
	return 1;
}

int
tracectx_state_valid(const char *s, size_t len)
{
	const char	*keys[TRACECTX_STATE_MEMBERS];
	size_t		 klen[TRACECTX_STATE_MEMBERS];
	size_t		 nkeys = 0, i, o = 0, e, a, b;
	const char	*eq;

	if (s == NULL || len > TRACECTX_STATE_MAX)
		return 0;
	while (o <= len) {
		for (e = o; e < len && s[e] != ','; e++)
			;
		/* OWS around a member (spaces and tabs). */
		for (a = o; a < e && (s[a] == ' ' || s[a] == '\t'); a++)
			;
		for (b = e; b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--)
			;
		if (b > a) {
			if ((eq = memchr(s + a, '=', b - a)) == NULL)
				return 0;
			if (!tracectx_key(s + a, (size_t)(eq - (s + a))) ||
			    !tracectx_value(eq + 1, (size_t)(s + b - eq - 1)))
				return 0;
			if (nkeys == TRACECTX_STATE_MEMBERS)
				return 0;
			for (i = 0; i < nkeys; i++)
				if (klen[i] == (size_t)(eq - (s + a)) &&
				    memcmp(keys[i], s + a, klen[i]) == 0)
					return 0;	/* duplicate key */
			keys[nkeys] = s + a;
			klen[nkeys++] = (size_t)(eq - (s + a));
		}
		o = e + 1;
	}
	return 1;
}

int
tracectx_parse(struct tracectx *ctx, const char *tp, const char *ts)
{
	size_t	 n;

	memset(ctx, 0, sizeof(*ctx));
	if (tp == NULL)
		return -1;
	n = strlen(tp);
	if (n < TRACECTX_PARENT_LEN || !tracectx_hex(tp, 2) ||
	    memcmp(tp, "ff", 2) == 0)
		return -1;
	if (memcmp(tp, "00", 2) == 0 ? n != TRACECTX_PARENT_LEN :
	    n > TRACECTX_PARENT_LEN && tp[TRACECTX_PARENT_LEN] != '-')
		return -1;
	if (tp[2] != '-' || tp[35] != '-' || tp[52] != '-' ||
	    !tracectx_hex(tp + 3, 32) || !tracectx_hex(tp + 36, 16) ||
	    !tracectx_hex(tp + 53, 2) || tracectx_zeros(tp + 3, 32) ||
	    tracectx_zeros(tp + 36, 16))
		return -1;
	memcpy(ctx->trace_id, tp + 3, TRACECTX_TRACE_ID_LEN);
	memcpy(ctx->parent_id, tp + 36, TRACECTX_PARENT_ID_LEN);
	ctx->flags = tracectx_byte(tp + 53);
	ctx->from_client = 1;
	if (ts != NULL && tracectx_state_valid(ts, strlen(ts)))
		snprintf(ctx->state, sizeof(ctx->state), "%s", ts);
	return 0;
}

/* n random bytes, never all zero (an all-zero id is invalid). */
static int
tracectx_random(unsigned char *p, size_t n)
{
	size_t	 i;

	if (RAND_bytes(p, (int)n) != 1)
		return -1;
	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	p[n - 1] = 1;
	return 0;
}

int
tracectx_new(struct tracectx *ctx)
{
	unsigned char	 id[TRACECTX_TRACE_ID_LEN / 2];

	memset(ctx, 0, sizeof(*ctx));
	if (tracectx_random(id, sizeof(id)) == -1)
		return -1;
	crypto_hex_encode(ctx->trace_id, id, sizeof(id));
	return 0;
}

int
tracectx_next(const struct tracectx *ctx, char out[TRACECTX_PARENT_LEN + 1])
{
	unsigned char	 span[TRACECTX_PARENT_ID_LEN / 2];
	char		 hex[TRACECTX_PARENT_ID_LEN + 1];

	out[0] = '\0';
	if (strlen(ctx->trace_id) != TRACECTX_TRACE_ID_LEN ||
	    tracectx_random(span, sizeof(span)) == -1)
		return -1;
	crypto_hex_encode(hex, span, sizeof(span));
	snprintf(out, TRACECTX_PARENT_LEN + 1, "00-%s-%s-%02x", ctx->trace_id,
	    hex, ctx->flags & 0xff);
	return 0;
}
