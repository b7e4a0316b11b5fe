/*
 * pthread.c: mutexes and condition variables for a unikernel with exactly
 * one thread. They are real: a mutex records that it is held and refuses a
 * second lock (which, with one thread, could only ever deadlock); a timed
 * wait sleeps until its deadline, since no other thread exists to signal;
 * an untimed wait could never end and is reported as the bug it is.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "solo5.h"

/* musl's pthread_mutex_t is an int array; word 0 is ours. */
#define HELD(m) ((m)->__u.__i[0])

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict a)
{
    (void)a;
    *m = (pthread_mutex_t){0};
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m) { return HELD(m) ? EBUSY : 0; }

int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (HELD(m))
        return EDEADLK;
    HELD(m) = 1;
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (HELD(m))
        return EBUSY;
    HELD(m) = 1;
    return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (!HELD(m))
        return EPERM;
    HELD(m) = 0;
    return 0;
}

int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict a)
{
    (void)a;
    *c = (pthread_cond_t){0};
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_signal(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_broadcast(pthread_cond_t *c) { (void)c; return 0; }

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
    (void)c;
    (void)m;
    static const char msg[] = "kiln: pthread_cond_wait with no other thread to signal: deadlock\n";
    solo5_console_write(msg, sizeof msg - 1);
    solo5_abort();
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           const struct timespec *restrict abstime)
{
    (void)c;
    if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L)
        return EINVAL;
    /* Condition variables default to CLOCK_REALTIME deadlines. */
    solo5_time_t wall_deadline = (solo5_time_t)abstime->tv_sec * 1000000000u +
                                 (solo5_time_t)abstime->tv_nsec;
    pthread_mutex_unlock(m);
    for (;;) {
        solo5_time_t wall = solo5_clock_wall();
        if (wall >= wall_deadline)
            break;
        solo5_yield(solo5_clock_monotonic() + (wall_deadline - wall), NULL);
    }
    pthread_mutex_lock(m);
    return ETIMEDOUT;
}
