/*
 * echo-flood: ICMP echo round trips as fast as the peer answers, one
 * request outstanding at a time (what `ping -f` measures against a server
 * that answers each request before the next):
 *   echo-flood ADDRESS COUNT PAYLOAD_BYTES
 *   -> "sent=N received=M lost=L elapsed_ns=T"
 * A reply not seen within 100 ms counts as lost. Needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_probe.h"

#define MAX_PAYLOAD 1472
#define REPLY_TIMEOUT_MS 100

/* RFC 1071 ones' complement sum. */
static uint16_t checksum(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t sum = 0;
    for (; n > 1; p += 2, n -= 2)
        sum += (uint32_t)(p[0] << 8 | p[1]);
    if (n)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

/* Waits for the reply to (seq); 1 when it came, 0 on timeout. */
static int await_reply(int fd, uint16_t id, uint16_t seq)
{
    uint8_t buf[2048];
    uint64_t deadline = now_ns() + REPLY_TIMEOUT_MS * 1000000ULL;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left_ms = (int)((deadline - now) / 1000000ULL) + 1;
        if (poll(&p, 1, left_ms) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < (ssize_t)sizeof(struct iphdr))
            continue;
        const struct iphdr *ip = (const struct iphdr *)buf;
        size_t ihl = (size_t)ip->ihl * 4;
        if ((size_t)n < ihl + sizeof(struct icmphdr))
            continue;
        const struct icmphdr *icmp = (const struct icmphdr *)(buf + ihl);
        if (icmp->type == ICMP_ECHOREPLY && icmp->un.echo.id == id &&
            icmp->un.echo.sequence == seq)
            return 1;
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: echo-flood ADDRESS COUNT PAYLOAD_BYTES\n");
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET};
    long count = strtol(argv[2], NULL, 10);
    long payload = strtol(argv[3], NULL, 10);
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || count <= 0 ||
        payload < 0 || payload > MAX_PAYLOAD) {
        fprintf(stderr, "echo-flood: bad address, count or payload (0-%d)\n",
                MAX_PAYLOAD);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (fd < 0) {
        perror("echo-flood: raw socket");
        return 1;
    }
    uint8_t packet[sizeof(struct icmphdr) + MAX_PAYLOAD];
    struct icmphdr *icmp = (struct icmphdr *)packet;
    memset(packet, 0xa5, sizeof packet);
    uint16_t id = htons((uint16_t)getpid());
    long received = 0;
    uint64_t start = now_ns();
    for (long i = 0; i < count; i++) {
        icmp->type = ICMP_ECHO;
        icmp->code = 0;
        icmp->un.echo.id = id;
        icmp->un.echo.sequence = htons((uint16_t)i);
        icmp->checksum = 0;
        size_t len = sizeof *icmp + (size_t)payload;
        icmp->checksum = checksum(packet, len);
        if (sendto(fd, packet, len, 0, (struct sockaddr *)&to, sizeof to) < 0) {
            perror("echo-flood: sendto");
            return 1;
        }
        received += await_reply(fd, id, icmp->un.echo.sequence);
    }
    uint64_t elapsed = now_ns() - start;
    printf("sent=%ld received=%ld lost=%ld elapsed_ns=%llu\n", count, received,
           count - received, (unsigned long long)elapsed);
    return 0;
}
