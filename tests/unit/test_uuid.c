/*
 * test_uuid.c -- UUIDv7 layout (RFC 9562), randomness, validation.
 */
#include <string.h>
#include <time.h>

#include "t.h"
#include "uuid.h"

static void
test_vector(void)
{
	/* RFC 9562 Appendix A.6: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F. */
	static const unsigned char rnd[10] = {
		0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f,
	};
	char	 id[UUID_STRLEN + 1];

	uuid_v7_from(id, 0x017F22E279B0ULL, rnd);
	T(strcmp(id, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f") == 0);
}

static uint64_t
test_ms_of(const char *id)
{
	uint64_t ms = 0;
	size_t	 i;

	for (i = 0; i < 13; i++) {
		char c = id[i];

		if (c == '-')
			continue;
		ms = ms * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return ms;
}

static void
test_generate(void)
{
	char		 a[UUID_STRLEN + 1], b[UUID_STRLEN + 1];
	struct timespec	 now;
	uint64_t	 ms, now_ms;

	T(uuid_v7(a) == 0 && uuid_v7(b) == 0);
	T(strlen(a) == UUID_STRLEN && uuid_is_valid(a, strlen(a)));
	T(strcmp(a, b) != 0);
	T(a[14] == '7');				/* version */
	T(strchr("89ab", a[19]) != NULL);		/* variant 10xx */
	clock_gettime(CLOCK_REALTIME, &now);
	now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	ms = test_ms_of(a);
	T(ms <= now_ms && now_ms - ms < 5000);
}

static void
test_valid(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 want;
	} cases[] = {
		{ __LINE__, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f", 1 },
		{ __LINE__, "017F22E2-79B0-7CC3-98C4-DC0C0C07398F", 1 },
		{ __LINE__, "00000000-0000-0000-0000-000000000000", 1 },
		{ __LINE__, "017f22e2-79b0-7cc3-98c4-dc0c0c07398", 0 },
		{ __LINE__, "017f22e2-79b0-7cc3-98c4-dc0c0c07398ff", 0 },
		{ __LINE__, "017f22e2x79b0-7cc3-98c4-dc0c0c07398f", 0 },
		{ __LINE__, "017f22e2-79b0-7cc3-98c4-dc0c0c07398g", 0 },
		{ __LINE__, "017f22e279b07cc398c4dc0c0c07398f", 0 },
		{ __LINE__, "", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_LINE(uuid_is_valid(cases[i].in, strlen(cases[i].in)) ==
		    cases[i].want, cases[i].line);
	T(!uuid_is_valid(NULL, UUID_STRLEN));
}

int
main(void)
{
	test_vector();
	test_generate();
	test_valid();
	return t_done();
}
