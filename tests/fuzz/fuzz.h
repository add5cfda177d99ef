/*
 * fuzz.h -- helpers shared by the fuzz targets (tests/fuzz/fuzz_*.c),
 * header-only. Each target defines LLVMFuzzerTestOneInput(); it is linked
 * either with libFuzzer (make fuzz, clang) or with driver.c (the corpus
 * regression suite, plain cc). docs/internals/fuzzing.md.
 *
 * FUZZ_ASSERT(cond): an invariant of the code under test; a violation
 * aborts, which libFuzzer reports as a crash and the driver as a failure.
 * Out of memory in a helper aborts too (it is not a finding).
 */
#ifndef MCP_FUZZ_H
#define MCP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy of (p, n) (an embedded NUL ends the string). */
static inline char *
fuzz_cstr(const void *p, size_t n)
{
	char	*s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/*
 * Split (p, n) at the first byte sep: (*a, *alen) before it, (*b, *blen)
 * after; without sep, all of it is a and b is empty. Borrowed slices.
 */
static inline void
fuzz_split(const uint8_t *p, size_t n, uint8_t sep, const uint8_t **a,
    size_t *alen, const uint8_t **b, size_t *blen)
{
	const uint8_t	*s = n > 0 ? memchr(p, sep, n) : NULL;

	*a = p;
	if (s == NULL) {
		*alen = n;
		*b = p + n;
		*blen = 0;
		return;
	}
	*alen = (size_t)(s - p);
	*b = s + 1;
	*blen = n - *alen - 1;
}

/* 1 when (hay, hlen) holds (needle, nlen). */
static inline int
fuzz_contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t	 i;

	if (hay == NULL || nlen == 0 || hlen < nlen)
		return 0;
	for (i = 0; i + nlen <= hlen; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

#endif /* MCP_FUZZ_H */
