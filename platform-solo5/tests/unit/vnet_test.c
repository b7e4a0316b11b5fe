/* vnet_test: kiln_vnet.h's checks of a large TCP segment before its
 * virtio-net header goes to the kernel (every field a guest could get wrong
 * is refused), the checksum the kernel finishes from the pseudo-header sum
 * it is given, and the completion of a partial checksum in a received
 * frame. */
#include <stdint.h>
#include <string.h>

#include "kiln_vnet.h"
#include "unit.h"

#define IP 14
#define TCP (IP + 20)
#define PAYLOAD (TCP + 20)
#define DATA 4000
#define SIZE (PAYLOAD + DATA)

static uint8_t frame[SIZE];

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The TCP checksum of frame[0..size) as a sender computes it in full. */
static uint16_t tcp_checksum(const uint8_t *f, size_t size)
{
    uint64_t sum = kiln_vnet_sum(f + IP + 12, 8, 6 + (size - TCP));
    return (uint16_t)~kiln_vnet_fold(kiln_vnet_sum(f + TCP, size - TCP, sum));
}

/* A TCP/IPv4 segment of (data) payload bytes, its checksums filled in. */
static void build_of(size_t data)
{
    size_t size = PAYLOAD + data;
    memset(frame, 0, sizeof frame);
    frame[12] = 0x08;
    frame[IP] = 0x45;
    put16(frame + IP + 2, (unsigned)(size - IP));
    frame[IP + 8] = 64;
    frame[IP + 9] = 6;
    memcpy(frame + IP + 12, (uint8_t[]){10, 0, 0, 2, 10, 0, 0, 1}, 8);
    put16(frame + IP + 10, (uint16_t)~kiln_vnet_fold(kiln_vnet_sum(frame + IP, 20, 0)));
    put16(frame + TCP, 7);
    put16(frame + TCP + 2, 40000);
    frame[TCP + 12] = 5 << 4;
    for (size_t i = 0; i < data; i++)
        frame[PAYLOAD + i] = (uint8_t)(i * 7);
    put16(frame + TCP + 16, tcp_checksum(frame, size));
}

static void build(void)
{
    build_of(DATA);
}

static long check(size_t size, size_t segment_size, struct kiln_vnet_hdr *h)
{
    return kiln_vnet_tso_header(frame, size, segment_size, 1500, h);
}

int main(void)
{
    struct kiln_vnet_hdr h;
    build();
    long partial = check(SIZE, 1460, &h);
    CHECK(partial >= 0);
    CHECK(h.flags == KILN_VNET_NEEDS_CSUM && h.gso_type == KILN_VNET_GSO_TCPV4);
    CHECK(h.hdr_len == PAYLOAD && h.gso_size == 1460);
    CHECK(h.csum_start == TCP && h.csum_offset == 16);
    /* What the kernel does with NEEDS_CSUM: the sum from csum_start on,
     * with the pseudo-header sum in the field, gives the full checksum. */
    uint8_t copy[SIZE];
    memcpy(copy, frame, SIZE);
    put16(copy + TCP + 16, (unsigned)partial);
    kiln_vnet_finish_csum(&h, copy, SIZE);
    CHECK(memcmp(copy, frame, SIZE) == 0);
    /* One segment's worth: no GSO, the checksum still left to the kernel. */
    build_of(1000);
    CHECK(check(PAYLOAD + 1000, 1460, &h) >= 0 && h.gso_type == KILN_VNET_GSO_NONE);
    build();

    /* Refused: sizes. */
    CHECK(check(SIZE, 0, &h) < 0);
    CHECK(check(SIZE, 1461, &h) < 0); /* 40 bytes of headers + 1461 > MTU */
    CHECK(check(SIZE - 1, 1460, &h) < 0); /* shorter than its total length */
    CHECK(check(PAYLOAD - 1, 1460, &h) < 0);
    CHECK(check(KILN_VNET_FRAME_MAX + 1, 1460, &h) < 0);
    /* Refused: each header field a guest could get wrong. */
    struct {
        size_t at;
        uint8_t value;
    } bad[] = {
        {12, 0x86},      /* not IPv4 */
        {IP, 0x65},      /* version 6 */
        {IP, 0x44},      /* header shorter than 20 bytes */
        {IP, 0x4f},      /* 60-byte header: headers plus 1460 exceed the MTU */
        {IP + 9, 17},    /* UDP */
        {IP + 2, 0xff},  /* total length past the frame */
        {TCP + 12, 4 << 4}, /* TCP header shorter than 20 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build();
        frame[bad[i].at] = bad[i].value;
        CHECK(check(SIZE, 1460, &h) < 0);
    }
    /* A TCP header that ends past the frame. */
    build();
    put16(frame + IP + 2, 40);
    frame[TCP + 12] = 15 << 4;
    CHECK(kiln_vnet_tso_header(frame, 54, 1, 1500, &h) < 0);

    /* Receiving: offsets past the frame leave it untouched. */
    build();
    memcpy(copy, frame, SIZE);
    struct kiln_vnet_hdr rx = {.flags = KILN_VNET_NEEDS_CSUM, .csum_start = SIZE - 1, .csum_offset = 0};
    kiln_vnet_finish_csum(&rx, copy, SIZE);
    CHECK(memcmp(copy, frame, SIZE) == 0);
    rx = (struct kiln_vnet_hdr){.flags = KILN_VNET_NEEDS_CSUM, .csum_start = 0xffff, .csum_offset = 0xffff};
    kiln_vnet_finish_csum(&rx, copy, SIZE);
    CHECK(memcmp(copy, frame, SIZE) == 0);
    UNIT_DONE();
}
