/*
 * test_clock.c -- the monotonic clock: it is CLOCK_MONOTONIC, in the
 * right unit, never goes back, and counts a sleep.
 */
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "t.h"

#define TEST_CLOCK_READS	100000
#define TEST_CLOCK_SLEEP_MS	20
#define TEST_CLOCK_SLACK_MS	5000	/* a busy machine may stall us */

static uint64_t
test_raw_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Read between two direct readings of CLOCK_MONOTONIC. */
static void
test_same_clock(void)
{
	uint64_t	 a, us, ms, b;

	a = test_raw_us();
	us = clock_mono_us();
	ms = clock_mono_ms();
	b = test_raw_us();
	T(a > 0);
	T(a <= us && us <= b);
	T(a / 1000 <= ms && ms <= b / 1000);
}

static void
test_never_back(void)
{
	uint64_t	 prev_us = clock_mono_us(), prev_ms = clock_mono_ms();
	uint64_t	 us, ms;
	int		 back = 0, i;

	for (i = 0; i < TEST_CLOCK_READS; i++) {
		us = clock_mono_us();
		ms = clock_mono_ms();
		/* ms is read after us, so never below it */
		if (us < prev_us || ms < prev_ms || ms < us / 1000)
			back++;
		prev_us = us;
		prev_ms = ms;
	}
	T(back == 0);
}

static void
test_sleep(void)
{
	struct timespec	 d = { 0, TEST_CLOCK_SLEEP_MS * 1000000L };
	uint64_t	 t0_ms, t0_us, dms, dus;

	t0_ms = clock_mono_ms();
	t0_us = clock_mono_us();
	while (nanosleep(&d, &d) == -1)
		;
	dms = clock_mono_ms() - t0_ms;
	dus = clock_mono_us() - t0_us;
	T(dms >= TEST_CLOCK_SLEEP_MS);
	T(dus >= TEST_CLOCK_SLEEP_MS * 1000);
	T(dms < TEST_CLOCK_SLEEP_MS + TEST_CLOCK_SLACK_MS);
}

int
main(void)
{
	test_same_clock();
	test_never_back();
	test_sleep();
	return t_done();
}
