/*
 * net_tap.c: network devices backed by Linux tap interfaces, one Ethernet
 * frame per read/write, optionally recorded to a pcap file. The tap must
 * exist already (the tender never creates host interfaces).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "devices.h"
#include "hypercall.h"
#include "net_ring.h"
#include "pcap.h"
#include "solo5.h"

#define NET_MTU 1500
#define ETH_HEADER 14

struct net_dev {
    int fd;      /* the tap, non-blocking */
    int pcap_fd; /* -1 unless --net-pcap */
};

static struct net_dev devs[KILN_MFT_MAX_ENTRIES];
static const struct kiln_mft *net_mft;

static const struct net_dev *dev_for(uint64_t handle)
{
    if (handle == 0 || handle >= net_mft->entries ||
        net_mft->e[handle].type != KILN_MFT_NET_BASIC ||
        !net_mft->e[handle].attached || devs[handle].fd < 0)
        return NULL;
    return &devs[handle];
}

static void record(const struct net_dev *d, const uint8_t *frame, size_t len)
{
    if (d->pcap_fd >= 0 && kiln_pcap_write(d->pcap_fd, frame, len) != 0) {
        fprintf(stderr, "kiln-hvt: writing pcap: %s\n", strerror(errno));
        exit(1);
    }
}

/* One frame to the tap. A full tap queue drops it, as a busy wire would.
 * Returns 0, or -1 when the tap failed. */
static int tap_send(const struct net_dev *d, const uint8_t *frame, size_t len)
{
    ssize_t n;
    do
        n = write(d->fd, frame, len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN)
        return -1;
    record(d, frame, len);
    return 0;
}

/* One frame from the tap: its length, 0 when none waits, -1 on failure. */
static long tap_receive(const struct net_dev *d, uint8_t *buf, size_t size)
{
    ssize_t n;
    do
        n = read(d->fd, buf, size);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EAGAIN ? 0 : -1;
    record(d, buf, (size_t)n);
    return n;
}

static enum kiln_hc_outcome net_write(const struct kiln_guest_mem *m,
                                      uint64_t gpa, int *status)
{
    struct kiln_hc_net_write *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_net_write);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_WRITE, gpa, status);
    uint64_t data = a->data, len = a->len;
    const struct net_dev *d = dev_for(a->handle);
    const uint8_t *frame = kiln_gpa_readable(m, data, len);
    if (d == NULL || frame == NULL || len < ETH_HEADER ||
        len > NET_MTU + ETH_HEADER) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    a->ret = tap_send(d, frame, len) == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome net_read(const struct kiln_guest_mem *m,
                                     uint64_t gpa, int *status)
{
    struct kiln_hc_net_read *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_net_read);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_READ, gpa, status);
    uint64_t data = a->data, len = a->len;
    const struct net_dev *d = dev_for(a->handle);
    uint8_t *buf = kiln_gpa_writable(m, data, len);
    if (d == NULL || buf == NULL || len < NET_MTU + ETH_HEADER) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    long n = tap_receive(d, buf, len);
    if (n <= 0) {
        a->ret = n == 0 ? SOLO5_R_AGAIN : SOLO5_R_EUNSPEC;
        return KILN_HC_CONTINUE;
    }
    a->len = (uint64_t)n;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

/* The same device seen through the frame rings. */
static void ring_send(void *dev, const uint8_t *frame, size_t len)
{
    tap_send(dev, frame, len); /* a ring has no per-frame status */
}

static long ring_receive(void *dev, uint8_t *buf, size_t size)
{
    return tap_receive(dev, buf, size);
}

static int open_tap(const char *ifname, char *err, size_t errlen)
{
    if (strlen(ifname) >= IFNAMSIZ) {
        snprintf(err, errlen, "tap name '%s' is too long", ifname);
        return -1;
    }
    /* TUNSETIFF would create a missing interface; the tender must not. */
    if (if_nametoindex(ifname) == 0) {
        snprintf(err, errlen, "tap device '%s' does not exist (create it, "
                 "e.g. ip tuntap add %s mode tap)", ifname, ifname);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strcpy(ifr.ifr_name, ifname);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        snprintf(err, errlen, "tap device '%s': %s%s", ifname, strerror(errno),
                 errno == EBUSY ? " (in use by another process?)" : "");
        close(fd);
        return -1;
    }
    return fd;
}

int kiln_net_attach(struct kiln_mft *mft, unsigned index,
                    const struct kiln_device_opt *opt, char *err, size_t errlen)
{
    struct net_dev *d = &devs[index];
    d->pcap_fd = -1;
    d->fd = open_tap(opt->backing, err, errlen);
    if (d->fd < 0)
        return -1;
    if (opt->pcap_path != NULL) {
        d->pcap_fd = kiln_pcap_open(opt->pcap_path);
        if (d->pcap_fd < 0) {
            snprintf(err, errlen, "%s: %s", opt->pcap_path, strerror(errno));
            return -1;
        }
    }
    uint8_t *mac = mft->e[index].u.net_basic.mac;
    if (opt->has_mac) {
        memcpy(mac, opt->mac, 6);
    } else {
        if (getrandom(mac, 6, 0) != 6) {
            snprintf(err, errlen, "getrandom: %s", strerror(errno));
            return -1;
        }
        mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* local, unicast */
    }
    mft->e[index].u.net_basic.mtu = NET_MTU;
    if (kiln_poll_add(d->fd, index) != 0) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        return -1;
    }
    net_mft = mft;
    /* KILN_HVT_NET_RING=0 keeps the one-hypercall-per-frame path (for
     * comparing the two). */
    const char *ring = getenv("KILN_HVT_NET_RING");
    if (ring == NULL || strcmp(ring, "0") != 0)
        kiln_net_ring_offer(index, (struct kiln_net_io){
                                       .dev = d,
                                       .send = ring_send,
                                       .receive = ring_receive,
                                   });
    kiln_hc_register(KILN_HC_NET_WRITE, net_write);
    kiln_hc_register(KILN_HC_NET_READ, net_read);
    return 0;
}

void kiln_net_fork_child(void)
{
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        if (net_mft != NULL && h < net_mft->entries &&
            net_mft->e[h].type == KILN_MFT_NET_BASIC && devs[h].fd >= 0) {
            close(devs[h].fd);
            devs[h].fd = -1; /* the rings' sends fail, receives find none */
        }
}
