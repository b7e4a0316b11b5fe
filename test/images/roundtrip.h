/*
 * roundtrip.h: what the echo clients (tcp-roundtrip.c, test/tls/tls-roundtrip.c)
 * share: the seeded pattern they send and check, the clock they time it
 * with, and the connection to HOST:PORT.
 */
#ifndef KILN_ROUNDTRIP_H
#define KILN_ROUNDTRIP_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static uint8_t pattern_byte(uint64_t i)
{
    uint64_t x = (i / 8 + 1) * 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    return (uint8_t)(x >> (8 * (i % 8)));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A TCP connection to HOST (IPv4 dotted) and PORT; -2 for a bad address, -1 when it fails (said on stderr as PROGRAM). */
static int connect_to(const char *program, const char *host, const char *port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "%s: bad address %s\n", program, host);
        return -2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fprintf(stderr, "%s: connect: %s\n", program, strerror(errno));
        return -1;
    }
    return fd;
}

/* Checks N received bytes against the pattern from offset AT; 0 when they match. */
static int check_pattern(const char *program, const uint8_t *in, size_t n, uint64_t at)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] != pattern_byte(at + i)) {
            fprintf(stderr, "%s: byte %llu differs\n", program, (unsigned long long)(at + i));
            return -1;
        }
    }
    return 0;
}

#endif
