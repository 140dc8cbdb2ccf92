/* The clocks, once: wall time for what people read (timestamps, ages) and
 * the monotonic clock for durations and deadlines, which a change of the
 * system time must not move. Inline: the request path reads them several
 * times per request. */
#ifndef ISLA_UTIL_CLOCK_H
#define ISLA_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Wall clock: milliseconds since 1970-01-01 UTC. */
static inline uint64_t clock_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Monotonic clock, nanoseconds from an arbitrary start. */
static inline uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock_mono_ms(void)
{
    return clock_mono_ns() / 1000000u;
}

/* Monotonic clock in seconds, for timing runs. */
static inline double clock_mono_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

/* The wall-clock time ms from now, for pthread_cond_timedwait (whose
 * default clock is CLOCK_REALTIME). */
static inline struct timespec clock_deadline_after_ms(uint64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    return ts;
}

#endif
