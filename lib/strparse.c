/*
 * strparse.c -- bounded number and token parsing; see strparse.h.
 */
#include <string.h>

#include "strparse.h"

int
strparse_u64(const char *p, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t	 i;

	/* No cap on len: leading zeros are allowed ("007"), however many,
	 * and the overflow check below bounds the value. */
	if (p == NULL || len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return -1;
		d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
strparse_i64(const char *p, size_t len, int64_t min, int64_t max,
    int64_t *out)
{
	uint64_t mag;
	int	 neg = 0;
	int64_t	 v;

	if (p != NULL && len > 0 && p[0] == '-') {
		neg = 1;
		p++;
		len--;
	}
	if (strparse_u64(p, len, 0, (uint64_t)INT64_MAX + (neg ? 1 : 0),
	    &mag) == -1)
		return -1;
	if (neg)
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		v = (int64_t)mag;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
strparse_eq_ci(const char *p, size_t len, const char *s)
{
	size_t	 i;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++) {
		char a = p[i], b = s[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

int
strparse_bool(const char *p, size_t len, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strparse_eq_ci(p, len, yes[i])) {
			*out = 1;
			return 0;
		}
		if (strparse_eq_ci(p, len, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
strparse_is_vchar(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

int
strparse_is_slug(const char *p, size_t len, size_t max)
{
	size_t	 i;

	if (p == NULL || len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '-' && i > 0)
			continue;
		return 0;
	}
	return 1;
}

void
strparse_trim(const char **p, size_t *len)
{
	while (*len > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

int
strparse_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int64_t
strparse_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Percent-decode (p, len) with '+' as a space, appending to out. */
static int
strparse_form_decode(const char *p, size_t len, struct buf *out)
{
	size_t	 i;
	int	 hi, lo;
	char	 c;

	for (i = 0; i < len; i++) {
		c = p[i];
		if (c == '%') {
			if (len - i < 3 ||
			    (hi = strparse_hexval(p[i + 1])) == -1 ||
			    (lo = strparse_hexval(p[i + 2])) == -1)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (c == '\0' || buf_appendc(out, c) == -1)
			return -1;
	}
	return buf_append(out, "", 0);
}

int
strparse_form_next(const char **p, const char *end, struct buf *name,
    struct buf *value)
{
	const char	*s, *amp, *eq;

	for (;;) {
		s = *p;
		if (s >= end)
			return 0;
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		*p = amp < end ? amp + 1 : end;
		if (amp > s)
			break;
	}
	buf_reset(name);
	buf_reset(value);
	if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
		eq = amp;
	if (strparse_form_decode(s, (size_t)(eq - s), name) == -1 ||
	    strparse_form_decode(eq < amp ? eq + 1 : amp,
	    eq < amp ? (size_t)(amp - eq - 1) : 0, value) == -1)
		return -1;
	return 1;
}

int
strparse_form_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			if (buf_appendc(out, (char)c) == -1)
				return -1;
		} else if (c == ' ') {
			if (buf_appendc(out, '+') == -1)
				return -1;
		} else if (buf_appendc(out, '%') == -1 ||
		    buf_appendc(out, hex[c >> 4]) == -1 ||
		    buf_appendc(out, hex[c & 15]) == -1)
			return -1;
	}
	return 0;
}
