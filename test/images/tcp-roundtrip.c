/*
 * tcp-roundtrip: the Linux-side client of the echo image tests. Connects to
 * HOST:PORT, sends BYTES of a seeded pattern while reading what comes back,
 * shuts down its write side, reads to end of stream, and checks that exactly
 * the bytes it sent came back, in order.
 *
 *   tcp-roundtrip HOST PORT BYTES
 *
 * Exit status 0 when the echo is byte-exact; prints the byte count and the
 * elapsed time. Built static, so it runs in the test machine as it is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tcp-roundtrip HOST PORT BYTES\n");
        return 2;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "tcp-roundtrip: bad address %s\n", argv[1]);
        return 2;
    }
    const uint64_t total = strtoull(argv[3], NULL, 10);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fprintf(stderr, "tcp-roundtrip: connect: %s\n", strerror(errno));
        return 1;
    }
    const double start = now();
    uint64_t sent = 0, received = 0;
    int write_open = 1;
    uint8_t out[16384], in[16384];
    for (;;) {
        if (write_open && sent == total) {
            shutdown(fd, SHUT_WR);
            write_open = 0;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN | (write_open ? POLLOUT : 0)};
        if (poll(&p, 1, 60000) <= 0) {
            fprintf(stderr, "tcp-roundtrip: no progress for 60 s (sent %llu, received %llu)\n",
                    (unsigned long long)sent, (unsigned long long)received);
            return 1;
        }
        if (write_open && (p.revents & POLLOUT)) {
            size_t n = total - sent < sizeof out ? (size_t)(total - sent) : sizeof out;
            for (size_t i = 0; i < n; i++)
                out[i] = pattern_byte(sent + i);
            ssize_t w = write(fd, out, n);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, "tcp-roundtrip: write: %s\n", strerror(errno));
                return 1;
            }
            if (w > 0)
                sent += (uint64_t)w;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(fd, in, sizeof in);
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    continue;
                fprintf(stderr, "tcp-roundtrip: read: %s\n", strerror(errno));
                return 1;
            }
            if (r == 0)
                break;
            for (ssize_t i = 0; i < r; i++) {
                if (in[i] != pattern_byte(received + (uint64_t)i)) {
                    fprintf(stderr, "tcp-roundtrip: byte %llu differs\n", (unsigned long long)(received + (uint64_t)i));
                    return 1;
                }
            }
            received += (uint64_t)r;
        }
    }
    const double elapsed = now() - start;
    if (received != total) {
        fprintf(stderr, "tcp-roundtrip: sent %llu bytes, %llu came back\n", (unsigned long long)total,
                (unsigned long long)received);
        return 1;
    }
    printf("tcp-roundtrip: %llu bytes echoed byte-exact in %.2f s (%.2f MB/s)\n", (unsigned long long)total, elapsed,
           (double)total / elapsed / 1e6);
    return 0;
}
