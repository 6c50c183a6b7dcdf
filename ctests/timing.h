/*
 * timing.h: time as the C programs of ctests/ read and spend it: the
 * monotonic clock, pauses, and calls repeated while a library answers
 * "try again".  Plain C99 and POSIX, no openais header: cpgbench.c also
 * builds with it against corosync's libcpg.
 *
 * The including file defines _POSIX_C_SOURCE (200809L) before any
 * system header, as every program here does.
 */
#ifndef CTESTS_TIMING_H
#define CTESTS_TIMING_H

#include <time.h>

/* the monotonic clock in seconds */
static inline double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the monotonic clock in milliseconds */
static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sleeps MS milliseconds, or less when a signal arrives */
static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * RETRY(rc, call, busy, attempts, pause_ms): stores CALL's result in RC
 * and makes the call again, PAUSE_MS apart, while it returns BUSY (the
 * library's TRY_AGAIN code), ATTEMPTS calls in all at the most.  RC then
 * holds the last answer, BUSY when every attempt was refused.  A macro
 * because each library has its own function and error type.
 */
#define RETRY(rc, call, busy, attempts, pause_ms)                        \
	do {                                                             \
		int retry_attempt_;                                      \
                                                                         \
		for (retry_attempt_ = 1;; retry_attempt_++) {            \
			(rc) = (call);                                   \
			if ((rc) != (busy) || retry_attempt_ >= (attempts)) \
				break;                                   \
			sleep_ms(pause_ms);                              \
		}                                                        \
	} while (0)

#endif /* CTESTS_TIMING_H */
