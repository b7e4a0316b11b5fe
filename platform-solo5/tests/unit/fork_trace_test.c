/* fork_trace_test: the fork trace records nothing unless asked, and when
 * asked reports each step once, in order, in one piece. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fork_trace.h"
#include "unit.h"

#define MAX_LINES 64

struct line {
    int pid;
    char role[16];
    double at, step_ms;
    char step[96];
};

/* Runs the run loop's exit hook with stderr going into a pipe and returns
 * what it wrote (NUL-terminated; empty when nothing). */
static char *report_of_exit_hook(void)
{
    static char text[16384];
    int fds[2];
    if (pipe2(fds, O_NONBLOCK) != 0)
        abort();
    int saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    kiln_fork_trace_exit();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], text, sizeof text - 1);
    close(fds[0]);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

/* Splits a report into its lines; -1 if a line does not parse or is cut
 * short. */
static int parse(char *text, struct line *out)
{
    int n = 0;
    for (char *p = text; *p != '\0' && n < MAX_LINES; n++) {
        char *end = strchr(p, '\n');
        if (end == NULL)
            return -1;
        *end = '\0';
        struct line *l = &out[n];
        if (sscanf(p, "kiln-hvt fork trace %d %15[^:]: %lf ms (+%lf) %95[^\n]",
                   &l->pid, l->role, &l->at, &l->step_ms, l->step) != 5)
            return -1;
        p = end + 1;
    }
    return n;
}

static void check_ordered(const struct line *l, int n)
{
    for (int i = 0; i < n; i++) {
        CHECK(l[i].pid == (int)getpid());
        CHECK(strcmp(l[i].role, "parent") == 0);
        CHECK(l[i].step_ms >= 0);
        if (i > 0)
            CHECK(l[i].at >= l[i - 1].at);
    }
}

int main(void)
{
    struct line lines[MAX_LINES];

    /* Not asked: marks cost nothing and nothing is printed. */
    unsetenv("KILN_HVT_FORK_TRACE");
    kiln_fork_trace_init();
    kiln_fork_trace_start();
    kiln_fork_trace_mark("ignored");
    CHECK(report_of_exit_hook()[0] == '\0');

    /* Asked: every mark, in order, ending with the first exit; once. */
    setenv("KILN_HVT_FORK_TRACE", "1", 1);
    kiln_fork_trace_init();
    CHECK(report_of_exit_hook()[0] == '\0'); /* no fork yet */
    kiln_fork_trace_start();
    kiln_fork_trace_mark("vCPU saved");
    kiln_fork_trace_role("parent");
    kiln_fork_trace_mark("fork() returned");
    int n = parse(report_of_exit_hook(), lines);
    CHECK(n == 4);
    if (n == 4) {
        CHECK(strcmp(lines[0].step, "fork hypercall") == 0 && lines[0].at == 0);
        CHECK(strcmp(lines[1].step, "vCPU saved") == 0);
        CHECK(strcmp(lines[2].step, "fork() returned") == 0);
        CHECK(strcmp(lines[3].step, "first exit after resuming") == 0);
        check_ordered(lines, n);
    }
    CHECK(report_of_exit_hook()[0] == '\0'); /* later exits: nothing */

    /* A next fork starts afresh; far more marks than kept are dropped, and
     * the report still comes whole. */
    kiln_fork_trace_start();
    kiln_fork_trace_role("parent");
    for (int i = 0; i < 200; i++)
        kiln_fork_trace_mark("a step with a name as long as the longest in the tender");
    n = parse(report_of_exit_hook(), lines);
    CHECK(n >= 40 && n < MAX_LINES);
    if (n > 0) {
        CHECK(strcmp(lines[0].step, "fork hypercall") == 0);
        CHECK(strcmp(lines[n - 1].step, "first exit after resuming") == 0);
        check_ordered(lines, n);
    }
    UNIT_DONE();
}
