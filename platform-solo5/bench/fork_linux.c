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
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FORKS 256

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fork-linux MB COUNT\n");
        return 2;
    }
    size_t bytes = strtoull(argv[1], NULL, 10) << 20;
    unsigned count = (unsigned)strtoul(argv[2], NULL, 10);
    if (count == 0 || count > MAX_FORKS) {
        fprintf(stderr, "fork-linux: COUNT must be 1..%d\n", MAX_FORKS);
        return 2;
    }
    uint8_t *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t i = 0; i < bytes; i += 4096)
        mem[i] = (uint8_t)i;
    static uint64_t child_ns[MAX_FORKS], both_ns[MAX_FORKS];
    for (unsigned i = 0; i < count; i++) {
        int fds[2];
        if (pipe(fds) != 0) {
            perror("pipe");
            return 1;
        }
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
    qsort(child_ns, count, sizeof child_ns[0], by_value);
    qsort(both_ns, count, sizeof both_ns[0], by_value);
    printf("forks=%u child_ns=%llu both_ns=%llu\n", count,
           (unsigned long long)child_ns[count / 2],
           (unsigned long long)both_ns[count / 2]);
    return 0;
}
