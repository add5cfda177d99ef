/*
 * clock.h -- the one monotonic clock: CLOCK_MONOTONIC (POSIX
 * clock_gettime), which no settimeofday, NTP step or DST moves. For
 * deadlines, timeouts, ages and durations, never for wall time (that is
 * time(2)).
 *
 * Both count from the same unspecified start (boot, on Linux); the
 * millisecond value is the microsecond one divided by 1000, so the two may
 * be mixed. They never go back. clock_gettime(CLOCK_MONOTONIC) cannot fail
 * on the systems we run on (POSIX requires the clock, and the argument
 * is valid); should it fail anyway, 0 is returned.
 *
 * clock_sleep_ms() waits ms milliseconds (nanosleep, resumed after a
 * signal).
 */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include <stdint.h>

uint64_t	 clock_mono_us(void);
uint64_t	 clock_mono_ms(void);
void		 clock_sleep_ms(uint64_t ms);

#endif /* LIB_CLOCK_H */
