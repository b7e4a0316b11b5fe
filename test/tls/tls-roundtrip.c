/*
 * tls-roundtrip: a Linux client of TLS echo servers, OpenSSL on the client
 * side. Connects to HOST:PORT, sends BYTES of a seeded pattern while reading
 * what comes back, ends its sending half (close_notify over TLS, a TCP
 * shutdown in the clear), reads to the server's end, and checks that exactly
 * the bytes it sent came back, in order. The same loop serves both modes, so
 * TLS and plain TCP through one server compare on equal terms.
 *
 *   tls-roundtrip tls HOST PORT BYTES CAFILE [CIPHERSUITE]
 *   tls-roundtrip tcp HOST PORT BYTES
 *
 * Over TLS the server's chain must lead to CAFILE and name HOST (an IP
 * address); only TLS 1.3. Exit status 0 when the echo is byte-exact; prints
 * the byte count, the elapsed time and the suite.
 */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "../images/roundtrip.h"

#define CHUNK 16384

static int fail_tls(const char *what)
{
    fprintf(stderr, "tls-roundtrip: %s failed:\n", what);
    ERR_print_errors_fp(stderr);
    return 1;
}

static SSL *tls_session(int fd, const char *host, const char *cafile, const char *suite)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) || !SSL_CTX_load_verify_locations(ctx, cafile, NULL) ||
        (suite && !SSL_CTX_set_ciphersuites(ctx, suite)))
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL *ssl = SSL_new(ctx);
    if (!ssl || !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
        return NULL;
    return ssl;
}

/* What an I/O call that moved nothing waits for (POLLIN, POLLOUT), 0 when the stream ended, -1 on failure. */
static int tls_wait(SSL *ssl, int rc, const char *what)
{
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return POLLIN;
    case SSL_ERROR_WANT_WRITE:
        return POLLOUT;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        fail_tls(what);
        return -1;
    }
}

static int plain_wait(ssize_t rc, short events, const char *what)
{
    if (rc == 0)
        return 0;
    if (errno == EAGAIN || errno == EINTR)
        return events;
    fprintf(stderr, "tls-roundtrip: %s: %s\n", what, strerror(errno));
    return -1;
}

int main(int argc, char **argv)
{
    const int tls = argc >= 6 && argc <= 7 && strcmp(argv[1], "tls") == 0;
    if (!tls && !(argc == 5 && strcmp(argv[1], "tcp") == 0)) {
        fprintf(stderr, "usage: tls-roundtrip tls HOST PORT BYTES CAFILE [CIPHERSUITE] | tcp HOST PORT BYTES\n");
        return 2;
    }
    const uint64_t total = strtoull(argv[4], NULL, 10);
    int fd = connect_to("tls-roundtrip", argv[2], argv[3]);
    if (fd < 0)
        return -fd;
    const double start = now();
    SSL *ssl = NULL;
    if (tls && !(ssl = tls_session(fd, argv[2], argv[5], argc == 7 ? argv[6] : NULL)))
        return fail_tls("the handshake");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    uint64_t sent = 0, received = 0;
    size_t pending = 0; /* bytes of `out` not yet written: a TLS write is retried with the same buffer */
    int write_open = 1, read_open = 1;
    uint8_t out[CHUNK], in[CHUNK];
    while (read_open) {
        short events = 0;
        int wrote = 0;
        if (write_open && sent == total) {
            if (ssl ? SSL_shutdown(ssl) < 0 : shutdown(fd, SHUT_WR) < 0)
                return ssl ? fail_tls("close_notify") : 1;
            write_open = 0;
        }
        if (write_open) {
            if (pending == 0) {
                pending = total - sent < sizeof out ? (size_t)(total - sent) : sizeof out;
                for (size_t i = 0; i < pending; i++)
                    out[i] = pattern_byte(sent + i);
            }
            int w = ssl ? SSL_write(ssl, out, (int)pending) : (int)write(fd, out, pending);
            if (w > 0) {
                sent += (uint64_t)w;
                memmove(out, out + w, pending - (size_t)w);
                pending -= (size_t)w;
                wrote = 1;
            } else {
                int wait = ssl ? tls_wait(ssl, w, "write") : plain_wait(w, POLLOUT, "write");
                if (wait <= 0)
                    return 1;
                events |= (short)wait;
            }
        }
        int r = ssl ? SSL_read(ssl, in, sizeof in) : (int)read(fd, in, sizeof in);
        if (r > 0) {
            if (check_pattern("tls-roundtrip", in, (size_t)r, received) < 0)
                return 1;
            received += (uint64_t)r;
            continue;
        }
        int wait = ssl ? tls_wait(ssl, r, "read") : plain_wait(r, POLLIN, "read");
        if (wait < 0)
            return 1;
        if (wait == 0) {
            read_open = 0;
            continue;
        }
        events |= (short)wait;
        if (wrote)
            continue;
        struct pollfd p = {.fd = fd, .events = events};
        if (poll(&p, 1, 60000) <= 0) {
            fprintf(stderr, "tls-roundtrip: no progress for 60 s (sent %llu, received %llu)\n", (unsigned long long)sent,
                    (unsigned long long)received);
            return 1;
        }
    }
    const double elapsed = now() - start;
    if (received != total) {
        fprintf(stderr, "tls-roundtrip: sent %llu bytes, %llu came back\n", (unsigned long long)total,
                (unsigned long long)received);
        return 1;
    }
    printf("tls-roundtrip: %llu bytes echoed byte-exact in %.2f s (%.2f MB/s) over %s\n", (unsigned long long)total,
           elapsed, (double)total / elapsed / 1e6, ssl ? SSL_get_cipher_name(ssl) : "plain TCP");
    return 0;
}
