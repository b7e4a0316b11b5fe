/*
 * time.c: the C library's clocks, over Solo5's. An image has no time zone
 * database, so local time is UTC.
 */
#include <errno.h>
#include <time.h>
#include <sys/time.h>

#include "solo5.h"

int __clock_gettime(clockid_t clk, struct timespec *ts)
{
    solo5_time_t ns;
    switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        ns = solo5_clock_wall();
        break;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    /* The unikernel is one process with one thread: its CPU time is the
     * time since boot. */
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        ns = solo5_clock_monotonic();
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    ts->tv_sec = (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
    return 0;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    return __clock_gettime(clk, ts);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    if (tv) {
        solo5_time_t ns = solo5_clock_wall();
        tv->tv_sec = (time_t)(ns / 1000000000u);
        tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
    }
    return 0;
}

time_t time(time_t *out)
{
    time_t now = (time_t)(solo5_clock_wall() / 1000000000u);
    if (out)
        *out = now;
    return now;
}

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm)
{
    return gmtime_r(t, tm);
}
