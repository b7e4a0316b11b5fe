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
#include <poll.h>
#include <unistd.h>

#include "roundtrip.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tcp-roundtrip HOST PORT BYTES\n");
        return 2;
    }
    const uint64_t total = strtoull(argv[3], NULL, 10);
    int fd = connect_to("tcp-roundtrip", argv[1], argv[2]);
    if (fd < 0)
        return -fd;
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
            if (check_pattern("tcp-roundtrip", in, (size_t)r, received) < 0)
                return 1;
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
