/*
 * launch-timer: runs a command and reports how long it took until its first
 * byte of output and until it exited, in nanoseconds:
 *   launch-timer CMD [ARGS...]  ->  "first_output_ns=N exit_ns=M status=S"
 * The command's output is consumed (not echoed), so console speed does not
 * count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_probe.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: launch-timer CMD [ARGS...]\n");
        return 2;
    }
    int out[2];
    probe_pipe(out, "launch-timer");
    uint64_t start = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("launch-timer: fork");
        return 1;
    }
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execvp(argv[1], &argv[1]);
        fprintf(stderr, "launch-timer: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    uint64_t first = 0;
    char buf[4096];
    for (;;) {
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (first == 0)
            first = now_ns();
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    uint64_t end = now_ns();
    printf("first_output_ns=%llu exit_ns=%llu status=%d\n",
           (unsigned long long)(first ? first - start : 0),
           (unsigned long long)(end - start),
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
