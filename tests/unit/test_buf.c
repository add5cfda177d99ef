/*
 * test_buf.c -- struct buf: appends, the cap, release on overflow, detach.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"

static void
test_append_and_cap(void)
{
	static const struct {
		int		 line;
		size_t		 max;
		const char	*first, *second;
		int		 second_rc;
		const char	*want;	/* NULL: released */
	} cases[] = {
		{ __LINE__, 16, "hello", " world", 0, "hello world" },
		{ __LINE__, 11, "hello", " world", 0, "hello world" },
		{ __LINE__, 10, "hello", " world", -1, NULL },
		{ __LINE__, 5, "hello", "", 0, "hello" },
		{ __LINE__, 0, "", "", 0, "" },
		{ __LINE__, SIZE_MAX, "big", "max", 0, "bigmax" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, cases[i].max);
		T_LINE(buf_appends(&b, cases[i].first) == 0, cases[i].line);
		T_LINE(buf_appends(&b, cases[i].second) == cases[i].second_rc,
		    cases[i].line);
		if (cases[i].want != NULL) {
			T_LINE(strcmp(buf_cstr(&b), cases[i].want) == 0,
			    cases[i].line);
			T_LINE(b.len == strlen(cases[i].want), cases[i].line);
		} else
			T_LINE(b.data == NULL && b.len == 0 &&
			    b.max == cases[i].max, cases[i].line);
		buf_release(&b);
	}
}

static void
test_printf_and_friends(void)
{
	struct buf	 b;
	char		*p;

	buf_init(&b, 64);
	T(strcmp(buf_cstr(&b), "") == 0);
	T(buf_printf(&b, "%d-%s", 42, "x") == 0);
	T(buf_appendc(&b, '!') == 0);
	T(strcmp(b.data, "42-x!") == 0 && b.len == 5);
	/* Bytes with NULs count, the terminator stays. */
	T(buf_append(&b, "a\0b", 3) == 0 && b.len == 8 && b.data[8] == '\0');
	buf_reset(&b);
	T(b.len == 0 && b.data != NULL && b.data[0] == '\0');
	T(buf_printf(&b, "%0100d", 1) == -1 && b.data == NULL);
	T(buf_appends(&b, "again") == 0);
	p = buf_detach(&b);
	T(p != NULL && strcmp(p, "again") == 0);
	T(b.data == NULL && b.len == 0 && b.max == 64);
	free(p);
	p = buf_detach(&b);	/* empty: still a string */
	T(p != NULL && *p == '\0');
	free(p);

	buf_init(&b, 64);
	T(buf_appends(&b, "secret") == 0);
	buf_release_secret(&b);
	T(b.data == NULL && b.len == 0);
	buf_release_secret(&b);	/* twice is fine */
	buf_release(&b);
}

static void
test_growth(void)
{
	struct buf	 b;
	size_t		 i;
	int		 ok = 1;

	buf_init(&b, 100000);
	for (i = 0; i < 100000; i++)
		ok &= buf_appendc(&b, (char)('a' + i % 26)) == 0;
	T(ok && b.len == 100000 && b.cap <= 100001);
	T(b.data[99999] == (char)('a' + 99999 % 26) && b.data[100000] == '\0');
	T(buf_appendc(&b, 'x') == -1 && b.data == NULL);
	buf_release(&b);
}

int
main(void)
{
	test_append_and_cap();
	test_printf_and_friends();
	test_growth();
	return t_done();
}
