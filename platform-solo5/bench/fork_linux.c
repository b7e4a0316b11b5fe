/*
 * fork-linux: the baseline of the fork benchmark: a Linux process with
 * MB MiB of touched memory forks COUNT times; each child sends the time it
 * first ran through a pipe and exits. Prints the medians of fork call to
 * child running, and to both running, as forklat does:
 *   fork-linux MB COUNT  ->  "forks=N child_ns=T both_ns=T"
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_probe.h"

#define MAX_FORKS 256

int main(int argc, char **argv)
{
    size_t bytes;
    unsigned count;
    if (probe_args(argc, argv, "fork-linux", "COUNT", MAX_FORKS, &bytes, &count) != 0)
        return 2;
    touched_memory(bytes);
    static uint64_t child_ns[MAX_FORKS], both_ns[MAX_FORKS];
    for (unsigned i = 0; i < count; i++) {
        int fds[2];
        probe_pipe(fds, "fork-linux");
        uint64_t start = now_ns();
        pid_t pid = fork();
        uint64_t now = now_ns();
        if (pid == 0) {
            _exit(write(fds[1], &now, sizeof now) == sizeof now ? 0 : 1);
        }
        uint64_t child_start;
        int status;
        if (pid < 0 || read(fds[0], &child_start, sizeof child_start) != sizeof child_start ||
            waitpid(pid, &status, 0) != pid || status != 0) {
            fprintf(stderr, "fork-linux: fork %u failed\n", i);
            return 1;
        }
        close(fds[0]);
        close(fds[1]);
        child_ns[i] = child_start - start;
        both_ns[i] = (child_start > now ? child_start : now) - start;
    }
    printf("forks=%u child_ns=%llu both_ns=%llu\n", count,
           (unsigned long long)median_of(child_ns, count),
           (unsigned long long)median_of(both_ns, count));
    return 0;
}
