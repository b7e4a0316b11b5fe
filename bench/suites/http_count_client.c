/*
 * http-count-client: exactly COUNT keep-alive GET / requests over
 * CONNECTIONS connections, each connection one request at a time, for
 * benchmarks that need a fixed amount of work (instructions per request
 * under callgrind) rather than wrk's fixed duration:
 *   http-count-client ADDRESS PORT CONNECTIONS COUNT
 * Every answer must be `200` with a Content-Length body; anything else (a
 * closed connection, another status, no length) fails the run, exit 1.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNECTIONS 256
#define BUFFER 8192

struct conn {
    int fd;
    char buf[BUFFER];
    size_t have;
    int busy; /* a request is out and its answer not yet read whole */
};

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

static int fail(const char *what)
{
    fprintf(stderr, "http-count-client: %s\n", what);
    return 1;
}

static long parse_count(const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return -1;
    return v;
}

/* Length of the whole answer at the front of c->buf once it is all there, 0 while more is needed, -1 when it is not a 200 with a length. */
static long answer_length(const struct conn *c)
{
    const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
    if (!end)
        return c->have == BUFFER ? -1 : 0;
    size_t head = (size_t)(end - c->buf) + 4;
    if (c->have < 12 || memcmp(c->buf + 8, " 200", 4) != 0)
        return -1;
    long body = -1;
    for (const char *line = memchr(c->buf, '\n', head); line && line < end; line = memchr(line + 1, '\n', (size_t)(end - line))) {
        if (strncasecmp(line + 1, "content-length:", 15) == 0)
            body = strtol(line + 16, NULL, 10);
    }
    if (body < 0 || head + (size_t)body > BUFFER)
        return -1;
    return c->have >= head + (size_t)body ? (long)(head + (size_t)body) : 0;
}

static int send_request(struct conn *c)
{
    ssize_t w = send(c->fd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL);
    if (w != (ssize_t)(sizeof REQUEST - 1))
        return -1;
    c->busy = 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: http-count-client ADDRESS PORT CONNECTIONS COUNT");
    struct sockaddr_in to = {.sin_family = AF_INET};
    long port = parse_count(argv[2], 1, 65535);
    long conns = parse_count(argv[3], 1, MAX_CONNECTIONS);
    long count = parse_count(argv[4], 1, 1000000000L);
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || port < 0 || conns < 0 || count < 0)
        return fail("bad ADDRESS, PORT (1-65535), CONNECTIONS (1-256) or COUNT");
    to.sin_port = htons((unsigned short)port);

    static struct conn c[MAX_CONNECTIONS];
    struct pollfd p[MAX_CONNECTIONS];
    long sent = 0, answered = 0;
    for (long i = 0; i < conns; i++) {
        c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&to, sizeof to) != 0)
            return fail("cannot connect");
        if (sent < count) {
            if (send_request(&c[i]) != 0)
                return fail("cannot send");
            sent++;
        }
    }
    while (answered < count) {
        for (long i = 0; i < conns; i++)
            p[i] = (struct pollfd){.fd = c[i].busy ? c[i].fd : -1, .events = POLLIN};
        if (poll(p, (nfds_t)conns, 30000) <= 0)
            return fail("no answer within 30 s");
        for (long i = 0; i < conns; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv(c[i].fd, c[i].buf + c[i].have, BUFFER - c[i].have, 0);
            if (n <= 0)
                return fail("connection closed before its answer");
            c[i].have += (size_t)n;
            long whole = answer_length(&c[i]);
            if (whole < 0)
                return fail("an answer that is not 200 with a Content-Length");
            if (whole == 0)
                continue;
            if ((size_t)whole != c[i].have)
                return fail("bytes after an answer to a request not yet sent");
            c[i].have = 0;
            c[i].busy = 0;
            answered++;
            if (sent < count) {
                if (send_request(&c[i]) != 0)
                    return fail("cannot send");
                sent++;
            }
        }
    }
    for (long i = 0; i < conns; i++)
        close(c[i].fd);
    printf("%ld requests answered\n", answered);
    return 0;
}
