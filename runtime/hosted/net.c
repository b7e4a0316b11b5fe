/*
 * net.c: network devices of the hosted platform, on Linux tap interfaces:
 * one Ethernet frame per read or write, after a virtio-net header
 * (IFF_VNET_HDR). The header carries large TCP segments both ways
 * (kiln_net_offload.h): the kernel cuts what we write into standard
 * segments, and may hand us a connection's segments coalesced, or with a
 * checksum left for us to finish (which we do here, so the stack checks it
 * as it checks any). --net-offload:NAME=off keeps the header but asks the
 * kernel for plain, fully checksummed frames.
 */
#include <fcntl.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "hosted.h"
#include "kiln_net_offload.h"
#include "kiln_vnet.h"
#include "sys.h"

#define TUNSETIFF 0x400454caUL
#define TUNSETOFFLOAD 0x400454d0UL
#define IFF_TAP_MODE 0x0002
#define IFF_NO_PI_FLAG 0x1000
#define IFF_VNET_HDR_FLAG 0x4000
#define NET_MTU 1500
#define EAGAIN_NEG (-11)
#define EINTR_NEG (-4)

void hosted_net_open(struct hosted_device *d)
{
    if (strlen(d->target) >= IFNAMSIZ)
        hosted_fail("--net:%s=%s: interface names have at most %d characters", d->name, d->target,
                    IFNAMSIZ - 1);
    long fd = sys_call3(SYS_open, "/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd < 0)
        hosted_fail("--net:%s=%s: cannot open /dev/net/tun (error %ld)", d->name, d->target, -fd);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, d->target);
    ifr.ifr_flags = IFF_TAP_MODE | IFF_NO_PI_FLAG | IFF_VNET_HDR_FLAG;
    long r = sys_call3(SYS_ioctl, fd, TUNSETIFF, &ifr);
    if (r < 0)
        hosted_fail("--net:%s=%s: cannot attach to tap interface (error %ld; does it exist, "
                    "and is it a tap?)", d->name, d->target, -r);
    /* Without it the kernel sends only plain frames; we then write plain ones too.
     * The setting outlives us on a persistent tap: "off" clears it. */
    if (d->offload_off)
        sys_call3(SYS_ioctl, fd, TUNSETOFFLOAD, 0);
    else
        d->offload = sys_call3(SYS_ioctl, fd, TUNSETOFFLOAD, KILN_TUN_F_CSUM | KILN_TUN_F_TSO4) == 0;
    d->fd = (int)fd;
    if (!d->mac_given) {
        /* Locally administered, unicast, varying from run to run. */
        struct timespec { long s, ns; } ts;
        sys_call3(SYS_clock_gettime, 1, &ts, 0);
        uint64_t seed = (uint64_t)ts.ns * 0x9e3779b97f4a7c15u ^ (uint64_t)ts.s;
        d->mac[0] = 0x02;
        for (int i = 1; i < SOLO5_NET_ALEN; i++)
            d->mac[i] = (uint8_t)(seed >> (8 * i));
    }
}

static struct hosted_device *net_device(solo5_handle_t h)
{
    if (h == 0 || h >= hosted_device_count)
        return NULL;
    struct hosted_device *d = &hosted_devices[h];
    return d->type == KILN_MFT_NET_BASIC && d->acquired ? d : NULL;
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle, struct solo5_net_info *info)
{
    for (unsigned i = 1; i < hosted_device_count; i++) {
        struct hosted_device *d = &hosted_devices[i];
        if (d->type != KILN_MFT_NET_BASIC || strcmp(d->name, name) != 0 || d->acquired)
            continue;
        d->acquired = 1;
        *handle = i;
        memcpy(info->mac_address, d->mac, SOLO5_NET_ALEN);
        info->mtu = NET_MTU;
        return SOLO5_R_OK;
    }
    return SOLO5_R_EINVAL;
}

size_t kiln_net_offload_frame_max(solo5_handle_t handle)
{
    struct hosted_device *d = net_device(handle);
    return d && d->offload ? KILN_VNET_FRAME_MAX : 0;
}

/* Writes the header and the frame, whose first (head) bytes come from
 * (head) instead when it is not NULL. */
static solo5_result_t write_frame(struct hosted_device *d, const struct kiln_vnet_hdr *h, const uint8_t *head,
                                  size_t head_len, const uint8_t *buf, size_t size)
{
    struct iovec iov[3] = {
        { (void *)h, sizeof *h },
        { (void *)(head ? head : buf), head ? head_len : size },
        { (void *)(buf + head_len), head ? size - head_len : 0 },
    };
    long n;
    do
        n = sys_call3(SYS_writev, d->fd, iov, head ? 3 : 2);
    while (n == EINTR_NEG);
    /* A full tap queue drops the frame, as a busy wire would. */
    if (n == EAGAIN_NEG)
        return SOLO5_R_OK;
    return n == (long)(sizeof *h + size) ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
    struct hosted_device *d = net_device(handle);
    if (!d || size < SOLO5_NET_HLEN || size > NET_MTU + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    static const struct kiln_vnet_hdr plain = { 0, KILN_VNET_GSO_NONE, 0, 0, 0, 0 };
    return write_frame(d, &plain, NULL, 0, buf, size);
}

int kiln_net_write_segments(solo5_handle_t handle, const uint8_t *buf, size_t size, size_t segment_size)
{
    struct hosted_device *d = net_device(handle);
    if (!d)
        return SOLO5_R_EINVAL;
    if (!d->offload)
        return KILN_R_NOSYS;
    struct kiln_vnet_hdr h;
    long partial = kiln_vnet_tso_header(buf, size, segment_size, NET_MTU, &h);
    if (partial < 0)
        return SOLO5_R_EINVAL;
    /* The kernel finishes each segment's checksum from the pseudo-header
     * sum in the checksum field (NEEDS_CSUM), so the headers go out from a
     * copy holding that sum instead of the caller's full checksum. */
    uint8_t head[KILN_VNET_HEADERS_MAX];
    memcpy(head, buf, h.hdr_len);
    head[h.csum_start + h.csum_offset] = (uint8_t)(partial >> 8);
    head[h.csum_start + h.csum_offset + 1] = (uint8_t)partial;
    return write_frame(d, &h, head, h.hdr_len, buf, size);
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    struct hosted_device *d = net_device(handle);
    if (!d || size < NET_MTU + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    struct kiln_vnet_hdr h;
    struct iovec iov[2] = { { &h, sizeof h }, { buf, size } };
    long n;
    do
        n = sys_call3(SYS_readv, d->fd, iov, 2);
    while (n == EINTR_NEG);
    if (n == EAGAIN_NEG)
        return SOLO5_R_AGAIN;
    if (n < (long)sizeof h)
        return SOLO5_R_EUNSPEC;
    size_t len = (size_t)n - sizeof h;
    kiln_vnet_finish_csum(&h, buf, len);
    *read_size = len;
    return SOLO5_R_OK;
}
