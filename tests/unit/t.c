/*
 * t.c -- TAP output for the unit tests; see t.h.
 */
#include <stdio.h>

#include "t.h"

static int	 t_count, t_failed;

void
t_check(int ok, const char *file, int line, const char *what)
{
	t_count++;
	if (!ok)
		t_failed++;
	printf("%sok %d - %s:%d %s\n", ok ? "" : "not ", t_count, file, line,
	    what);
	fflush(stdout);
}

void
t_skip(const char *file, int line, const char *what, const char *reason)
{
	t_count++;
	printf("ok %d - %s:%d %s # SKIP %s\n", t_count, file, line, what,
	    reason);
	fflush(stdout);
}

int
t_done(void)
{
	printf("1..%d\n", t_count);
	return t_failed == 0 ? 0 : 1;
}
