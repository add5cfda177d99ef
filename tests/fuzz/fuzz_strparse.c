/*
 * fuzz_strparse.c -- bounded number and token parsing (lib/strparse.c),
 * checked against the C library on a NUL-terminated copy.
 *
 * Invariants besides memory safety: strparse_u64/_i64 accept exactly the
 * plain decimal texts (digits, and one '-' for i64; nothing else) that
 * strtoull/strtoll read whole without overflow, with the same value;
 * strparse_bool gives 0 or 1; strparse_is_slug agrees with its grammar;
 * strparse_trim only ever shrinks (p, len) to a blank-free slice.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "strparse.h"

static int
fuzz_plain(const char *p, size_t n, int sign)
{
	size_t	 i = 0;

	if (sign && n > 0 && p[0] == '-')
		i = 1;
	if (i == n)
		return 0;
	for (; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static int
fuzz_slug(const char *p, size_t n, size_t max)
{
	size_t	 i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || (i > 0 && p[i] == '-')))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *tp;
	char		*s, *end;
	uint64_t	 u, ru;
	int64_t		 i, ri;
	size_t		 tn;
	int		 b, ok, rok;

	s = fuzz_cstr(data, size);

	ok = strparse_u64(p, size, 0, UINT64_MAX, &u) == 0;
	errno = 0;
	ru = strtoull(s, &end, 10);
	rok = fuzz_plain(p, size, 0) && errno == 0 && end == s + size;
	FUZZ_ASSERT(ok == rok);
	if (ok)
		FUZZ_ASSERT(u == ru);

	ok = strparse_i64(p, size, INT64_MIN, INT64_MAX, &i) == 0;
	errno = 0;
	ri = strtoll(s, &end, 10);
	rok = fuzz_plain(p, size, 1) && errno == 0 && end == s + size;
	FUZZ_ASSERT(ok == rok);
	if (ok)
		FUZZ_ASSERT(i == ri);

	/* Bounds: a value outside [min, max] is refused. */
	if (strparse_u64(p, size, 10, 1000, &u) == 0)
		FUZZ_ASSERT(u >= 10 && u <= 1000);
	if (strparse_i64(p, size, -5, 5, &i) == 0)
		FUZZ_ASSERT(i >= -5 && i <= 5);

	b = -1;
	if (strparse_bool(p, size, &b) == 0)
		FUZZ_ASSERT(b == 0 || b == 1);
	else
		FUZZ_ASSERT(b == -1);

	FUZZ_ASSERT(strparse_is_slug(p, size, 63) == fuzz_slug(p, size, 63));
	FUZZ_ASSERT(strparse_is_slug(p, size, 4) == fuzz_slug(p, size, 4));
	strparse_eq_ci(p, size, "application/json");

	tp = p;
	tn = size;
	strparse_trim(&tp, &tn);
	FUZZ_ASSERT(tp >= p && tp + tn <= p + size);
	if (tn > 0)
		FUZZ_ASSERT(tp[0] != ' ' && tp[0] != '\t' &&
		    tp[tn - 1] != ' ' && tp[tn - 1] != '\t');
	free(s);
	return 0;
}
