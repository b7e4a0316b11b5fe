/*
 * tcp-echo-server: the Linux side of the tcp-image benchmark's baseline, a
 * plain echo server (RFC 862) for Linux-to-Linux runs of tcp-roundtrip:
 *   tcp-echo-server ADDRESS PORT
 * Serves one connection at a time, echoing until the client shuts its side
 * down, then closes and takes the next. Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void serve(int fd)
{
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || write_all(fd, buf, (size_t)n) < 0)
            return;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tcp-echo-server ADDRESS PORT\n");
        return 2;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "tcp-echo-server: bad address %s\n", argv[1]);
        return 2;
    }
    int one = 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 8) != 0) {
        fprintf(stderr, "tcp-echo-server: %s:%s: %s\n", argv[1], argv[2], strerror(errno));
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "tcp-echo-server: accept: %s\n", strerror(errno));
            return 1;
        }
        serve(c);
        close(c);
    }
}
