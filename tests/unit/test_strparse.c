/*
 * test_strparse.c -- bounded number and token parsing.
 */
#include <stdint.h>
#include <string.h>

#include "strparse.h"
#include "t.h"

static void
test_u64(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 len;	/* 0: strlen(in) */
		uint64_t	 min, max;
		int		 rc;
		uint64_t	 want;
	} cases[] = {
		{ __LINE__, "0", 0, 0, 10, 0, 0 },
		{ __LINE__, "10", 0, 0, 10, 0, 10 },
		{ __LINE__, "11", 0, 0, 10, -1, 0 },
		{ __LINE__, "5", 0, 6, 10, -1, 0 },
		{ __LINE__, "18446744073709551615", 0, 0, UINT64_MAX, 0,
		    UINT64_MAX },
		{ __LINE__, "18446744073709551616", 0, 0, UINT64_MAX, -1, 0 },
		{ __LINE__, "99999999999999999999", 0, 0, UINT64_MAX, -1, 0 },
		{ __LINE__, "", 0, 0, 10, -1, 0 },
		{ __LINE__, " 1", 0, 0, 10, -1, 0 },
		{ __LINE__, "1 ", 0, 0, 10, -1, 0 },
		{ __LINE__, "+1", 0, 0, 10, -1, 0 },
		{ __LINE__, "-1", 0, 0, 10, -1, 0 },
		{ __LINE__, "0x1", 0, 0, 10, -1, 0 },
		{ __LINE__, "1a", 0, 0, 100, -1, 0 },
		{ __LINE__, "123456", 3, 0, 1000, 0, 123 },	/* (ptr, len) */
		{ __LINE__, "007", 0, 0, 10, 0, 7 },
		/* Leading zeros, however many (found by fuzzing: more than
		 * 20 digits in all were refused). */
		{ __LINE__, "000000000000000000000007", 0, 0, 10, 0, 7 },
		{ __LINE__, "00018446744073709551615", 0, 0, UINT64_MAX, 0,
		    UINT64_MAX },
		{ __LINE__, "00018446744073709551616", 0, 0, UINT64_MAX, -1,
		    0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);

		T_LINE(strparse_u64(cases[i].in, len, cases[i].min,
		    cases[i].max, &v) == cases[i].rc, cases[i].line);
		T_LINE(v == (cases[i].rc == 0 ? cases[i].want : 12345),
		    cases[i].line);
	}
	T(strparse_u64(NULL, 0, 0, 1, &(uint64_t){ 0 }) == -1);
}

static void
test_i64(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int64_t		 min, max;
		int		 rc;
		int64_t		 want;
	} cases[] = {
		{ __LINE__, "-5", -10, 10, 0, -5 },
		{ __LINE__, "-11", -10, 10, -1, 0 },
		{ __LINE__, "9223372036854775807", INT64_MIN, INT64_MAX, 0,
		    INT64_MAX },
		{ __LINE__, "-9223372036854775808", INT64_MIN, INT64_MAX, 0,
		    INT64_MIN },
		{ __LINE__, "-0009223372036854775808", INT64_MIN, INT64_MAX, 0,
		    INT64_MIN },
		{ __LINE__, "9223372036854775808", INT64_MIN, INT64_MAX, -1, 0 },
		{ __LINE__, "-9223372036854775809", INT64_MIN, INT64_MAX, -1, 0 },
		{ __LINE__, "-", -10, 10, -1, 0 },
		{ __LINE__, "--1", -10, 10, -1, 0 },
		{ __LINE__, "-0", -10, 10, 0, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 777;

		T_LINE(strparse_i64(cases[i].in, strlen(cases[i].in),
		    cases[i].min, cases[i].max, &v) == cases[i].rc,
		    cases[i].line);
		T_LINE(v == (cases[i].rc == 0 ? cases[i].want : 777),
		    cases[i].line);
	}
}

static void
test_tokens(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 rc, want;
	} bools[] = {
		{ __LINE__, "1", 0, 1 }, { __LINE__, "TRUE", 0, 1 },
		{ __LINE__, "yes", 0, 1 }, { __LINE__, "On", 0, 1 },
		{ __LINE__, "0", 0, 0 }, { __LINE__, "false", 0, 0 },
		{ __LINE__, "NO", 0, 0 }, { __LINE__, "off", 0, 0 },
		{ __LINE__, "", -1, 9 }, { __LINE__, "2", -1, 9 },
		{ __LINE__, "truee", -1, 9 },
	};
	static const struct {
		int		 line;
		const char	*in;
		size_t		 max;
		int		 want;
	} slugs[] = {
		{ __LINE__, "acme", 63, 1 }, { __LINE__, "a-1", 63, 1 },
		{ __LINE__, "0", 63, 1 }, { __LINE__, "-a", 63, 0 },
		{ __LINE__, "Acme", 63, 0 }, { __LINE__, "a_b", 63, 0 },
		{ __LINE__, "a.b", 63, 0 }, { __LINE__, "", 63, 0 },
		{ __LINE__, "abcd", 3, 0 }, { __LINE__, "abc", 3, 1 },
		{ __LINE__, "..", 63, 0 },
	};
	static const struct {
		int		 line;
		const char	*in, *want;
	} trims[] = {
		{ __LINE__, "  a b\t", "a b" }, { __LINE__, "", "" },
		{ __LINE__, " \t ", "" }, { __LINE__, "x", "x" },
		{ __LINE__, "\tx\n", "x\n" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		int v = 9;

		T_LINE(strparse_bool(bools[i].in, strlen(bools[i].in), &v) ==
		    bools[i].rc && v == bools[i].want, bools[i].line);
	}
	for (i = 0; i < sizeof(slugs) / sizeof(slugs[0]); i++)
		T_LINE(strparse_is_slug(slugs[i].in, strlen(slugs[i].in),
		    slugs[i].max) == slugs[i].want, slugs[i].line);
	for (i = 0; i < sizeof(trims) / sizeof(trims[0]); i++) {
		const char *p = trims[i].in;
		size_t len = strlen(p);

		strparse_trim(&p, &len);
		T_LINE(len == strlen(trims[i].want) &&
		    memcmp(p, trims[i].want, len) == 0, trims[i].line);
	}
	T(strparse_is_vchar("a!~Z", 4) && strparse_is_vchar("", 0));
	T(!strparse_is_vchar("a b", 3) && !strparse_is_vchar("a\x7f", 2) &&
	    !strparse_is_vchar("\x80", 1) && !strparse_is_vchar("a\0b", 3));
	T(strparse_eq_ci("Content-Type", 12, "content-type"));
	T(!strparse_eq_ci("Content-Typ", 11, "content-type"));
	T(strparse_eq_ci("abcdef", 3, "ABC"));
	T(!strparse_eq_ci("abc", 3, "abd"));
	T(strparse_eq_ci(NULL, 0, ""));
	T(!strparse_is_slug(NULL, 0, 10));
}

static void
test_hex_and_days(void)
{
	T(strparse_hexval('0') == 0 && strparse_hexval('9') == 9);
	T(strparse_hexval('a') == 10 && strparse_hexval('F') == 15);
	T(strparse_hexval('g') == -1 && strparse_hexval('G') == -1);
	T(strparse_hexval('/') == -1 && strparse_hexval(':') == -1);
	T(strparse_hexval('\0') == -1);
	T(strparse_days_from_civil(1970, 1, 1) == 0);
	T(strparse_days_from_civil(1969, 12, 31) == -1);
	T(strparse_days_from_civil(2000, 3, 1) == 11017);
	T(strparse_days_from_civil(2026, 11, 24) == 20781);
	T(strparse_days_from_civil(1, 1, 1) == -719162);
	T(strparse_days_from_civil(9999, 12, 31) == 2932896);
}

static void
test_form(void)
{
	static const char	 qs[] = "a=1&&b=x+y%21&c&=v&d=%zz&e=%00&f=%41";
	const char		*p = qs, *end = qs + sizeof(qs) - 1;
	struct buf		 n, v;

	buf_init(&n, 64);
	buf_init(&v, 64);
	T(strparse_form_next(&p, end, &n, &v) == 1);
	T(strcmp(buf_cstr(&n), "a") == 0 && strcmp(buf_cstr(&v), "1") == 0);
	T(strparse_form_next(&p, end, &n, &v) == 1);	/* "&&" skipped */
	T(strcmp(buf_cstr(&n), "b") == 0 && strcmp(buf_cstr(&v), "x y!") == 0);
	T(strparse_form_next(&p, end, &n, &v) == 1);
	T(strcmp(buf_cstr(&n), "c") == 0 && strcmp(buf_cstr(&v), "") == 0);
	T(strparse_form_next(&p, end, &n, &v) == 1);
	T(strcmp(buf_cstr(&n), "") == 0 && strcmp(buf_cstr(&v), "v") == 0);
	T(strparse_form_next(&p, end, &n, &v) == -1);	/* bad escape */
	T(strparse_form_next(&p, end, &n, &v) == -1);	/* NUL */
	T(strparse_form_next(&p, end, &n, &v) == 1);	/* moved on */
	T(strcmp(buf_cstr(&n), "f") == 0 && strcmp(buf_cstr(&v), "A") == 0);
	T(strparse_form_next(&p, end, &n, &v) == 0);
	T(strparse_form_next(&p, end, &n, &v) == 0);
	buf_reset(&n);
	T(strparse_form_encode(&n, "a b/c?d=é~_.-") == 0);
	T(strcmp(buf_cstr(&n), "a+b%2Fc%3Fd%3D%C3%A9~_.-") == 0);
	buf_release(&n);
	buf_release(&v);
}

int
main(void)
{
	test_u64();
	test_form();
	test_i64();
	test_tokens();
	test_hex_and_days();
	return t_done();
}
