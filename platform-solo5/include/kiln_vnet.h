/*
 * kiln_vnet.h: the virtio-net header a Linux tap opened with IFF_VNET_HDR
 * puts before every frame (virtio 1.x, 5.1.6), and the two things Kiln does
 * with it wherever it drives such a tap (the hosted platform, kiln-hvt):
 * describe a large TCP/IPv4 segment for the kernel to cut
 * (kiln_vnet_tso_header), and finish a checksum the kernel left partial in
 * a received frame (kiln_vnet_finish_csum). Both check every offset against
 * the frame, so the caller may hand them untrusted bytes.
 */
#ifndef KILN_VNET_H
#define KILN_VNET_H

#include <stddef.h>
#include <stdint.h>

struct kiln_vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
};
_Static_assert(sizeof(struct kiln_vnet_hdr) == 10, "virtio-net header (the tap's default size)");

#define KILN_VNET_NEEDS_CSUM 0x01
#define KILN_VNET_GSO_NONE 0
#define KILN_VNET_GSO_TCPV4 1

/* TUNSETOFFLOAD bits (linux/if_tun.h). */
#define KILN_TUN_F_CSUM 0x01
#define KILN_TUN_F_TSO4 0x02

#define KILN_VNET_ETH_HLEN 14
/* The largest frame with offload: an IPv4 packet of 65535 bytes. */
#define KILN_VNET_FRAME_MAX (KILN_VNET_ETH_HLEN + 65535)
/* Ethernet, IPv4 and TCP headers with options at most. */
#define KILN_VNET_HEADERS_MAX (KILN_VNET_ETH_HLEN + 60 + 60)

/* The one's-complement sum of buf[0..len) in network order, not folded. */
static inline uint64_t kiln_vnet_sum(const uint8_t *buf, size_t len, uint64_t sum)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum += (uint64_t)(buf[i] << 8 | buf[i + 1]);
    if (i < len)
        sum += (uint64_t)buf[i] << 8;
    return sum;
}

static inline uint16_t kiln_vnet_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/*
 * Checks that frame[0..size) is one TCP/IPv4 segment the kernel can cut
 * into segments of segment_size payload bytes, each at most mtu bytes of
 * IPv4 packet: Ethernet type IPv4, version 4, a header length of 20-60
 * bytes, protocol TCP, the IPv4 total length equal to the frame's, a TCP
 * header of 20-60 bytes inside the frame, segment_size from 1 and headers
 * plus one segment within mtu. Then fills (h) (NEEDS_CSUM at the TCP
 * checksum, GSO_TCPV4 when the payload is longer than one segment) and
 * returns the pseudo-header sum that goes in the TCP checksum field of the
 * frame the kernel reads (it adds the segment's own bytes to it), or -1
 * for a frame it refuses.
 */
static inline long kiln_vnet_tso_header(const uint8_t *frame, size_t size, size_t segment_size,
                                        size_t mtu, struct kiln_vnet_hdr *h)
{
    const size_t ip = KILN_VNET_ETH_HLEN;
    if (size > KILN_VNET_FRAME_MAX || size < ip + 40 || frame[12] != 0x08 || frame[13] != 0x00 ||
        (frame[ip] >> 4) != 4 || (frame[ip] & 15) < 5 || frame[ip + 9] != 6 ||
        (size_t)(frame[ip + 2] << 8 | frame[ip + 3]) != size - ip)
        return -1;
    size_t tcp = ip + (size_t)(frame[ip] & 15) * 4;
    if (tcp + 20 > size)
        return -1;
    size_t payload = tcp + (size_t)(frame[tcp + 12] >> 4) * 4;
    if (payload < tcp + 20 || payload > size || segment_size == 0 || payload - ip + segment_size > mtu)
        return -1;
    *h = (struct kiln_vnet_hdr){
        .flags = KILN_VNET_NEEDS_CSUM,
        .gso_type = size - payload > segment_size ? KILN_VNET_GSO_TCPV4 : KILN_VNET_GSO_NONE,
        .hdr_len = (uint16_t)payload,
        .gso_size = (uint16_t)segment_size,
        .csum_start = (uint16_t)tcp,
        .csum_offset = 16,
    };
    return kiln_vnet_fold(kiln_vnet_sum(frame + ip + 12, 8, 6 + (size - tcp)));
}

/* A checksum the host left partial (NEEDS_CSUM): the sum from csum_start to
 * the end goes in at csum_offset (virtio 1.x, 5.1.6.2.1). Offsets past the
 * frame leave it as it is, for the stack's own check to drop. */
static inline void kiln_vnet_finish_csum(const struct kiln_vnet_hdr *h, uint8_t *frame, size_t len)
{
    if (!(h->flags & KILN_VNET_NEEDS_CSUM) || (size_t)h->csum_start + h->csum_offset + 2 > len)
        return;
    size_t at = (size_t)h->csum_start + h->csum_offset;
    uint16_t c = (uint16_t)~kiln_vnet_fold(kiln_vnet_sum(frame + h->csum_start, len - h->csum_start, 0));
    frame[at] = (uint8_t)(c >> 8);
    frame[at + 1] = (uint8_t)c;
}

#endif
