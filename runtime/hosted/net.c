/*
 * net.c: network devices of the hosted platform, on Linux tap interfaces
 * (one Ethernet frame per read or write, no packet-information header).
 */
#include <fcntl.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "hosted.h"
#include "sys.h"

#define TUNSETIFF 0x400454caUL
#define IFF_TAP_MODE 0x0002
#define IFF_NO_PI_FLAG 0x1000
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
    ifr.ifr_flags = IFF_TAP_MODE | IFF_NO_PI_FLAG;
    long r = sys_call3(SYS_ioctl, fd, TUNSETIFF, &ifr);
    if (r < 0)
        hosted_fail("--net:%s=%s: cannot attach to tap interface (error %ld; does it exist, "
                    "and is it a tap?)", d->name, d->target, -r);
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

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
    struct hosted_device *d = net_device(handle);
    if (!d || size < SOLO5_NET_HLEN || size > NET_MTU + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    long n;
    do
        n = sys_call3(SYS_write, d->fd, buf, size);
    while (n == EINTR_NEG);
    /* A full tap queue drops the frame, as a busy wire would. */
    if (n == EAGAIN_NEG)
        return SOLO5_R_OK;
    return n == (long)size ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    struct hosted_device *d = net_device(handle);
    if (!d || size < NET_MTU + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    long n;
    do
        n = sys_call3(SYS_read, d->fd, buf, size);
    while (n == EINTR_NEG);
    if (n == EAGAIN_NEG)
        return SOLO5_R_AGAIN;
    if (n < 0)
        return SOLO5_R_EUNSPEC;
    *read_size = (size_t)n;
    return SOLO5_R_OK;
}
