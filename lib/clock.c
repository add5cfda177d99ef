/*
 * clock.c -- the monotonic clock; see clock.h.
 */
#include <errno.h>
#include <time.h>

#include "clock.h"

uint64_t
clock_mono_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

void
clock_sleep_ms(uint64_t ms)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
