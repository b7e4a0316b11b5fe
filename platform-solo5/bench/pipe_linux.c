/*
 * pipe-linux: the baseline of the pipe benchmark: a process forks; the
 * child writes MB MiB through a pipe in CHUNK-byte writes; the parent reads
 * with the same size until end of file and times it, as pipethru does:
 *   pipe-linux MB CHUNK  ->  "bytes=N elapsed_ns=T"
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_probe.h"

#define MAX_CHUNK (1 << 20)

static uint8_t buf[MAX_CHUNK];

int main(int argc, char **argv)
{
    size_t total;
    unsigned chunk;
    if (probe_args(argc, argv, "pipe-linux", "CHUNK", MAX_CHUNK, &total, &chunk) != 0)
        return 2;
    int fds[2];
    probe_pipe(fds, "pipe-linux");
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        for (uint64_t left = total; left > 0;) {
            ssize_t n = write(fds[1], buf, left < chunk ? left : chunk);
            if (n <= 0)
                _exit(1);
            left -= (uint64_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    uint64_t got = 0, start = now_ns();
    ssize_t n;
    while ((n = read(fds[0], buf, chunk)) > 0)
        got += (uint64_t)n;
    uint64_t elapsed = now_ns() - start;
    int status;
    if (pid < 0 || n < 0 || got != total || waitpid(pid, &status, 0) != pid || status != 0) {
        fprintf(stderr, "pipe-linux: transfer failed\n");
        return 1;
    }
    printf("bytes=%llu elapsed_ns=%llu\n", (unsigned long long)got,
           (unsigned long long)elapsed);
    return 0;
}
