/*
 * host_probe.h: what the host-side benchmark probes share: a monotonic
 * clock in nanoseconds, the median of a probe's samples, a pipe, and for
 * the probes run as "PROBE MB COUNT" their arguments and their touched
 * memory.
 */
#ifndef KILN_BENCH_HOST_PROBE_H
#define KILN_BENCH_HOST_PROBE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline int host_probe_by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the (n) samples in (v), n > 0, and returns the middle one. */
static inline uint64_t median_of(uint64_t *v, unsigned n)
{
    qsort(v, n, sizeof v[0], host_probe_by_value);
    return v[n / 2];
}

/* "PROBE MB COUNT": (bytes) MB MiB, 1-65536 MiB, and (count) 1..max; else
 * prints the usage, with (count_name) for COUNT, and returns -1. */
static inline int probe_args(int argc, char **argv, const char *probe,
                             const char *count_name, unsigned max,
                             size_t *bytes, unsigned *count)
{
    char *mb_end = NULL, *count_end = NULL;
    unsigned long long mb = argc == 3 ? strtoull(argv[1], &mb_end, 10) : 0;
    unsigned long n = argc == 3 ? strtoul(argv[2], &count_end, 10) : 0;
    if (mb_end == NULL || *mb_end != '\0' || mb == 0 || mb > 65536 ||
        count_end == NULL || *count_end != '\0' || n == 0 || n > max) {
        fprintf(stderr, "usage: %s MB %s (MB 1-65536, %s 1-%u)\n", probe,
                count_name, count_name, max);
        return -1;
    }
    *bytes = (size_t)mb << 20;
    *count = (unsigned)n;
    return 0;
}

/* A pipe into (fds); when there is none, says so as (probe) and exits 1. */
static inline void probe_pipe(int fds[2], const char *probe)
{
    if (pipe(fds) != 0) {
        fprintf(stderr, "%s: pipe: ", probe);
        perror(NULL);
        exit(1);
    }
}

/* (bytes) of private anonymous memory, every page touched (so present, as
 * a running unikernel's is); exits 1 when it cannot be had. */
static inline uint8_t *touched_memory(size_t bytes)
{
    uint8_t *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    for (size_t i = 0; i < bytes; i += 4096)
        mem[i] = (uint8_t)i;
    return mem;
}

#endif
