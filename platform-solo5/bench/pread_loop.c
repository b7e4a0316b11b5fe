/*
 * pread-loop: the host baseline for the block benchmark: COUNT reads of
 * SIZE bytes at consecutive offsets (wrapping at the file's end):
 *   pread-loop FILE COUNT SIZE  ->  "reads=N elapsed_ns=T"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_probe.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pread-loop FILE COUNT SIZE\n");
        return 2;
    }
    long count = strtol(argv[2], NULL, 10), size = strtol(argv[3], NULL, 10);
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || count <= 0 || size <= 0 ||
        size > 65536 || st.st_size < size) {
        fprintf(stderr, "pread-loop: bad file, count or size\n");
        return 2;
    }
    static char buf[65536];
    uint64_t span = (uint64_t)(st.st_size / size) * (uint64_t)size;
    uint64_t start = now_ns();
    for (long i = 0; i < count; i++) {
        if (pread(fd, buf, (size_t)size, (off_t)(((uint64_t)i * size) % span)) !=
            size) {
            perror("pread-loop: pread");
            return 1;
        }
    }
    printf("reads=%ld elapsed_ns=%llu\n", count,
           (unsigned long long)(now_ns() - start));
    return 0;
}
