/* core_calls.c: the hypercalls every image may use: wall time, console
 * output, waiting for input or a timeout, and halting. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "hypercall.h"
#include "stop.h"

#define TIMER_TAG UINT64_MAX /* epoll tag of the internal timerfd */
#define MAX_DROP_REPORTS 20
#define BUSY_POLL_NS 50000ULL

#define MAX_EVENTS 64      /* per epoll_wait; the rest come next time */
#define MAX_WATCHED 1024   /* fds the poll set may hold */

static int epoll_fd = -1;
static int timer_fd = -1;

/* What the poll set holds, so a forked tender can build its own set (an
 * epoll instance and a timerfd are shared with the parent across fork). */
struct watch {
    int fd; /* -1: free */
    uint32_t events;
    uint64_t handle;
};
static struct watch watched[MAX_WATCHED];
static int n_watched;

static void fatal_errno(const char *what)
{
    fprintf(stderr, "kiln-hvt: %s: %s\n", what, strerror(errno));
    exit(1);
}

static struct watch *watch_of(int fd)
{
    for (int i = 0; i < n_watched; i++)
        if (watched[i].fd == fd)
            return &watched[i];
    return NULL;
}

int kiln_poll_watch(int fd, uint32_t events, uint64_t handle)
{
    struct epoll_event ev = {.events = events, .data.u64 = handle};
    struct watch *w = watch_of(fd);
    if (w != NULL) {
        if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0)
            return -1;
    } else {
        w = watch_of(-1);
        if (w == NULL && n_watched == MAX_WATCHED) {
            errno = EMFILE;
            return -1;
        }
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
            return -1;
        if (w == NULL)
            w = &watched[n_watched++];
    }
    *w = (struct watch){.fd = fd, .events = events, .handle = handle};
    return 0;
}

int kiln_poll_add(int fd, uint64_t handle)
{
    return kiln_poll_watch(fd, EPOLLIN, handle);
}

void kiln_poll_forget(int fd)
{
    struct watch *w = watch_of(fd);
    if (w == NULL)
        return;
    /* Explicitly: a forked tender may hold the same open file, and epoll
     * keeps watching until every descriptor of it is closed. */
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    w->fd = -1;
}

static void create_poll_set(void)
{
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0)
        fatal_errno("epoll_create1");
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd < 0)
        fatal_errno("timerfd_create");
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TIMER_TAG};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &ev) != 0)
        fatal_errno("epoll_ctl");
    kiln_stop_wake_timer(timer_fd);
}

void kiln_poll_fork_child(uint64_t drop_handles)
{
    close(epoll_fd);
    close(timer_fd);
    create_poll_set();
    for (int i = 0; i < n_watched; i++) {
        struct watch *w = &watched[i];
        if (w->fd < 0)
            continue;
        if (drop_handles & (1ULL << w->handle)) {
            w->fd = -1;
            continue;
        }
        struct epoll_event ev = {.events = w->events, .data.u64 = w->handle};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, w->fd, &ev) != 0)
            fatal_errno("epoll_ctl in a forked tender");
    }
}

static enum kiln_hc_outcome walltime(const struct kiln_guest_mem *m,
                                     uint64_t gpa, int *status)
{
    struct kiln_hc_walltime *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_walltime);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_WALLTIME, gpa, status);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    a->nsecs = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome puts_(const struct kiln_guest_mem *m, uint64_t gpa,
                                  int *status)
{
    const struct kiln_hc_puts *a = KILN_HC_IN_ARGS(m, gpa, struct kiln_hc_puts);
    if (a == NULL)
        return kiln_hc_bad_in_args(KILN_HC_PUTS, gpa, status);
    /* Read the fields once: the guest could change them under us. */
    uint64_t data = a->data, len = a->len;
    const char *s = kiln_gpa_readable(m, data, len);
    /* Nothing to report back through: drop it and say why, a bounded number
     * of times so a guest cannot flood the tender's stderr. */
    static unsigned dropped;
    if (s == NULL && dropped++ < MAX_DROP_REPORTS)
        fprintf(stderr, "kiln-hvt: guest console write of %llu bytes at "
                "0x%llx is outside its memory; ignored%s\n",
                (unsigned long long)len, (unsigned long long)data,
                dropped == MAX_DROP_REPORTS ? " (no more such reports)" : "");
    while (s != NULL && len > 0) {
        ssize_t n = write(STDOUT_FILENO, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* stdout gone: nothing useful to do */
        s += n;
        len -= (uint64_t)n;
    }
    return KILN_HC_CONTINUE;
}

/* Before sleeping, look for input a little while without blocking: a peer
 * answering what the guest just sent usually does so within microseconds,
 * and waking from a blocking wait costs more than that. Returns the events
 * found (0 if none). */
static int busy_poll(struct epoll_event *evs, uint64_t timeout_ns)
{
    uint64_t spin = timeout_ns < BUSY_POLL_NS ? timeout_ns : BUSY_POLL_NS;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        /* epoll_pwait, not epoll_wait: urunc's seccomp filter for solo5-hvt
         * allows only the former (deploy/URUNC.md, section 4). */
        int n = epoll_pwait(epoll_fd, evs, MAX_EVENTS, 0, NULL);
        if (n != 0 && !(n < 0 && errno == EINTR))
            return n;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t spent = (uint64_t)(now.tv_sec - start.tv_sec) * 1000000000ULL +
                         (uint64_t)(now.tv_nsec - start.tv_nsec);
        if (spent >= spin)
            return 0;
    }
}

static enum kiln_hc_outcome poll_(const struct kiln_guest_mem *m, uint64_t gpa,
                                  int *status)
{
    struct kiln_hc_poll *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_poll);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_POLL, gpa, status);
    /* Frames already in a ring count as input: no waiting then. */
    uint64_t ready = kiln_hc_pending();
    uint64_t timeout = ready ? 0 : a->timeout_nsecs;
    /* A zero it_value disarms the timer; 1 ns stands for "now". */
    struct itimerspec it = {
        .it_value = {.tv_sec = (time_t)(timeout / 1000000000ULL),
                     .tv_nsec = (long)(timeout % 1000000000ULL) | 1}};
    if (timerfd_settime(timer_fd, 0, &it, NULL) != 0)
        fatal_errno("timerfd_settime");
    struct epoll_event evs[MAX_EVENTS];
    int n = busy_poll(evs, ready ? 0 : timeout);
    /* A signal (a stop request) returns to the guest with nothing ready. */
    if (n == 0 && !ready)
        n = kiln_stop_epoll_wait(epoll_fd, evs, MAX_EVENTS);
    if (n < 0)
        fatal_errno("epoll_pwait");
    for (int i = 0; i < n; i++) {
        if (evs[i].data.u64 == TIMER_TAG) {
            uint64_t expirations;
            if (read(timer_fd, &expirations, sizeof expirations) < 0 &&
                errno != EAGAIN)
                fatal_errno("timerfd read");
            continue;
        }
        ready |= 1ULL << evs[i].data.u64;
    }
    /* Move what just arrived into the rings before the guest looks. */
    if (n > 0)
        ready |= kiln_hc_run_exit_hook(m);
    int count = __builtin_popcountll(ready);
    a->ready_set = ready;
    a->ret = count;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome halt(const struct kiln_guest_mem *m, uint64_t gpa,
                                 int *status)
{
    const struct kiln_hc_halt *a = KILN_HC_IN_ARGS(m, gpa, struct kiln_hc_halt);
    if (a == NULL)
        return kiln_hc_bad_in_args(KILN_HC_HALT, gpa, status);
    *status = a->exit_status;
    return KILN_HC_EXIT;
}

void kiln_core_setup(void)
{
    create_poll_set();
    kiln_hc_register(KILN_HC_WALLTIME, walltime);
    kiln_hc_register(KILN_HC_PUTS, puts_);
    kiln_hc_register(KILN_HC_POLL, poll_);
    kiln_hc_register(KILN_HC_HALT, halt);
}
