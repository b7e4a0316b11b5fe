/* fork_trace.c: timestamps of a VM fork's steps (see fork_trace.h). */
#define _GNU_SOURCE
#include "fork_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKS 48
#define REPORT_SIZE 8192 /* MAX_MARKS lines of up to 170 bytes */

struct mark {
    const char *step;
    struct timespec at;
};

static int enabled, active;
static const char *role = "?";
static struct mark marks[MAX_MARKS];
static unsigned n_marks;

void kiln_fork_trace_init(void)
{
    enabled = getenv("KILN_HVT_FORK_TRACE") != NULL;
}

void kiln_fork_trace_start(void)
{
    if (!enabled)
        return;
    n_marks = 0;
    role = "?";
    active = 1;
    kiln_fork_trace_mark("fork hypercall");
}

void kiln_fork_trace_role(const char *r)
{
    role = r;
}

static void record(const char *step)
{
    marks[n_marks].step = step;
    clock_gettime(CLOCK_MONOTONIC, &marks[n_marks].at);
    n_marks++;
}

/* The last slot is kept for the first exit, which ends every report. */
void kiln_fork_trace_mark(const char *step)
{
    if (active && n_marks < MAX_MARKS - 1)
        record(step);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 +
           (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

void kiln_fork_trace_exit(void)
{
    if (!active)
        return;
    record("first exit after resuming");
    active = 0;
    char report[REPORT_SIZE];
    size_t len = 0;
    for (unsigned i = 0; i < n_marks; i++) {
        const struct timespec *prev = &marks[i ? i - 1 : 0].at;
        int w = snprintf(report + len, sizeof report - len,
                         "kiln-hvt fork trace %d %s: %9.3f ms (+%8.3f) %s\n",
                         (int)getpid(), role, ms_between(&marks[0].at, &marks[i].at),
                         ms_between(prev, &marks[i].at), marks[i].step);
        if (w < 0 || (size_t)w >= sizeof report - len)
            break; /* a line that does not fit is left out whole */
        len += (size_t)w;
    }
    ssize_t ignored = write(STDERR_FILENO, report, len);
    (void)ignored;
}
