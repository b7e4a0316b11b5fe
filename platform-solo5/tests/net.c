/*
 * net: an ICMP echo server on raw Ethernet frames on the network device
 * "service". Answers ARP requests for its address and ICMP echo requests
 * (RFC 792) to it. Arguments: --ipv4=A.B.C.D (default 10.0.0.2), and
 * --limit=N to exit with success after N echo replies.
 */
#include "test_lib.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define IP_PROTO_ICMP 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

static uint8_t frame[1514 + 2];
static uint8_t mac[6];
static uint8_t ipv4[4] = {10, 0, 0, 2};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 1071 ones' complement sum. */
static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (; n > 1; p += 2, n -= 2)
        sum += get16(p);
    if (n)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static int parse_ipv4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4)
            v = v * 10 + (unsigned)(*s++ - '0'), digits++;
        if (digits == 0 || v > 255 || (i < 3 && *s++ != '.'))
            return -1;
        out[i] = (uint8_t)v;
    }
    return *s == '\0' ? 0 : -1;
}

/* Rewrites an ARP request for our address into the reply (RFC 826). */
static int answer_arp(uint8_t *f, size_t len)
{
    uint8_t *a = f + 14;
    if (len < 14 + 28 || get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 ||
        a[4] != 6 || a[5] != 4 || get16(a + 6) != 1 ||
        memcmp(a + 24, ipv4, 4) != 0)
        return 0;
    put16(a + 6, 2);
    memcpy(a + 18, a + 8, 10); /* target := sender */
    memcpy(a + 8, mac, 6);
    memcpy(a + 14, ipv4, 4);
    memcpy(f, a + 18, 6);
    memcpy(f + 6, mac, 6);
    return 1;
}

/* Rewrites an ICMP echo request to us into the reply. */
static int answer_icmp(uint8_t *f, size_t len)
{
    uint8_t *ip = f + 14;
    if (len < 14 + 20)
        return 0;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 ||
        total > len - 14 || ip[9] != IP_PROTO_ICMP ||
        memcmp(ip + 16, ipv4, 4) != 0 || (get16(ip + 6) & 0x3fff) != 0 ||
        checksum(ip, ihl) != 0)
        return 0;
    uint8_t *icmp = ip + ihl;
    size_t icmp_len = total - ihl;
    if (icmp[0] != ICMP_ECHO_REQUEST || checksum(icmp, icmp_len) != 0)
        return 0;
    icmp[0] = ICMP_ECHO_REPLY;
    put16(icmp + 2, 0);
    put16(icmp + 2, checksum(icmp, icmp_len));
    uint8_t tmp[6];
    memcpy(ip + 16, ip + 12, 4); /* destination := source */
    memcpy(ip + 12, ipv4, 4);
    ip[8] = 64; /* TTL */
    put16(ip + 10, 0);
    put16(ip + 10, checksum(ip, ihl));
    memcpy(tmp, f + 6, 6);
    memcpy(f, tmp, 6);
    memcpy(f + 6, mac, 6);
    return 1;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    test_puts("\n**** Kiln net ****\n\n");
    char arg[32];
    if (test_arg(si->cmdline, "ipv4", arg, sizeof arg) &&
        parse_ipv4(arg, ipv4) != 0)
        test_fail("--ipv4 must be A.B.C.D");
    uint64_t limit = test_arg_u64(si->cmdline, "limit", 0);

    solo5_handle_t h;
    struct solo5_net_info ni;
    TEST_CHECK(solo5_net_acquire("service", &h, &ni) == SOLO5_R_OK);
    TEST_CHECK(ni.mtu >= 576 && ni.mtu + SOLO5_NET_HLEN <= sizeof frame);
    memcpy(mac, ni.mac_address, 6);
    test_puts("serving ICMP echo on ");
    for (int i = 0; i < 4; i++) {
        test_put_u64(ipv4[i]);
        test_puts(i < 3 ? "." : "\n");
    }

    uint64_t replies = 0;
    while (limit == 0 || replies < limit) {
        size_t len;
        solo5_result_t r =
            solo5_net_read(h, frame, ni.mtu + SOLO5_NET_HLEN, &len);
        if (r == SOLO5_R_AGAIN) {
            solo5_handle_set_t ready;
            solo5_yield(solo5_clock_monotonic() + 1000000000ULL, &ready);
            continue;
        }
        TEST_CHECK(r == SOLO5_R_OK);
        if (len < 14)
            continue;
        uint16_t type = get16(frame + 12);
        int reply = type == ETHERTYPE_ARP    ? answer_arp(frame, len)
                    : type == ETHERTYPE_IPV4 ? answer_icmp(frame, len)
                                             : 0;
        if (!reply)
            continue;
        TEST_CHECK(solo5_net_write(h, frame, len) == SOLO5_R_OK);
        if (type == ETHERTYPE_IPV4)
            replies++;
    }
    test_puts("answered ");
    test_put_u64(replies);
    test_puts(" echo requests\nSUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
