/*
 * t.c -- TAP output for the unit tests; see t.h.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

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

static unsigned long long
t_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
}

/*
 * One step of a wait bounded by T_WAIT_MS: the first call (*end == 0) sets
 * the deadline and returns 1 at once; later ones sleep 10 ms and return 1,
 * or 0 once the deadline has passed.
 */
int
t_wait(unsigned long long *end)
{
	if (*end == 0) {
		*end = t_now_ms() + T_WAIT_MS;
		return 1;
	}
	if (t_now_ms() >= *end)
		return 0;
	usleep(10000);
	return 1;
}

int
t_done(void)
{
	printf("1..%d\n", t_count);
	return t_failed == 0 ? 0 : 1;
}
