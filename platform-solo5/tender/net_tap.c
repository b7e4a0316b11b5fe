/*
 * net_tap.c: network devices backed by Linux tap interfaces, one Ethernet
 * frame per read/write after a virtio-net header (IFF_VNET_HDR), optionally
 * recorded to a pcap file. The header stays in the tender: plain frames get
 * an empty one, and a guest that opts into net offload (kiln_hvt_abi.h,
 * "Net offload") gets large TCP segments both ways. The tap must exist
 * already (the tender never creates host interfaces). In a forked tender a
 * device takes a tap from its --fork-net pool, or is unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "boot_info.h"
#include "devices.h"
#include "hypercall.h"
#include "kiln_vnet.h"
#include "net_pool.h"
#include "net_ring.h"
#include "pcap.h"
#include "solo5.h"

#define NET_MTU 1500
#define ETH_HEADER 14
#define VNET_HDR sizeof(struct kiln_vnet_hdr)
#define STALE_FRAMES_MAX 4096 /* a tap queue holds far fewer */

struct net_dev {
    int fd;          /* the tap, non-blocking; -1 when unavailable */
    int pcap_fd;     /* -1 unless --net-pcap */
    int offload_offered; /* not --net-offload:NAME=off */
    int offload_on;      /* the guest opted in (KILN_HC_NET_OFFLOAD) */
    /* The last frame read from the tap, after its virtio-net header;
     * held bytes of it not yet handed to the guest (0: none). */
    uint8_t *rx;
    size_t held;
};

static struct net_dev devs[KILN_MFT_MAX_ENTRIES];
static struct kiln_mft *net_mft;
/* What the tender sends: the virtio-net header, then the frame (copied out
 * of guest memory, so what is checked is what is sent). */
static uint8_t tx_buf[VNET_HDR + KILN_VNET_FRAME_MAX];
/* Refused large segments; received frames dropped (too large for the
 * device or the guest's buffer). KILN_HVT_STATS=1 prints them. */
static uint64_t segments_refused, rx_dropped;

/* SOLO5_R_OK with *d set, SOLO5_R_EINVAL for a handle that is no attached
 * network device, KILN_R_UNAVAILABLE for one this tender has no tap for. */
static int dev_for(uint64_t handle, struct net_dev **d)
{
    if (handle == 0 || handle >= net_mft->entries ||
        net_mft->e[handle].type != KILN_MFT_NET_BASIC ||
        !net_mft->e[handle].attached)
        return SOLO5_R_EINVAL;
    *d = &devs[handle];
    return devs[handle].fd < 0 ? KILN_R_UNAVAILABLE : SOLO5_R_OK;
}

static void record(const struct net_dev *d, const uint8_t *frame, size_t len)
{
    if (d->pcap_fd >= 0 && kiln_pcap_write(d->pcap_fd, frame, len) != 0) {
        fprintf(stderr, "kiln-hvt: writing pcap: %s\n", strerror(errno));
        exit(1);
    }
}

/* tx_buf's header and (len) frame bytes to the tap; (frame) is what the
 * guest gave, for the recording. A full tap queue drops it, as a busy wire
 * would. Returns 0, or -1 when the tap failed. */
static int tap_send_buffered(const struct net_dev *d, const uint8_t *frame,
                             size_t len)
{
    ssize_t n;
    do
        n = write(d->fd, tx_buf, VNET_HDR + len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN)
        return -1;
    record(d, frame, len);
    return 0;
}

/* One plain frame (at most the MTU) to the tap. 0, or -1. */
static int tap_send(const struct net_dev *d, const uint8_t *frame, size_t len)
{
    memset(tx_buf, 0, VNET_HDR);
    memcpy(tx_buf + VNET_HDR, frame, len);
    return tap_send_buffered(d, frame, len);
}

/* The next frame from the tap into d->rx, unless one is held already:
 * its length, 0 when none waits, -1 on failure. A frame larger than the
 * device may carry is dropped (a tap whose MTU the host raised). */
static long tap_fetch(struct net_dev *d)
{
    size_t max = d->offload_on ? KILN_VNET_FRAME_MAX : NET_MTU + ETH_HEADER;
    for (int i = 0; d->held == 0; i++) {
        if (i == STALE_FRAMES_MAX)
            return 0; /* only oversized frames: leave the rest for later */
        ssize_t n;
        do
            n = read(d->fd, d->rx, VNET_HDR + KILN_VNET_FRAME_MAX);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        size_t len = (size_t)n > VNET_HDR ? (size_t)n - VNET_HDR : 0;
        if (len < ETH_HEADER || len > max) {
            rx_dropped++;
            continue;
        }
        struct kiln_vnet_hdr h;
        memcpy(&h, d->rx, sizeof h);
        kiln_vnet_finish_csum(&h, d->rx + VNET_HDR, len);
        record(d, d->rx + VNET_HDR, len);
        d->held = len;
    }
    return (long)d->held;
}

/* One frame from the tap into buf: its length, 0 when none waits, -1 on
 * failure, KILN_NET_FRAME_HELD when it is longer than (size) (kept). */
static long tap_receive(struct net_dev *d, uint8_t *buf, size_t size)
{
    long n = tap_fetch(d);
    if (n <= 0)
        return n;
    if ((size_t)n > size)
        return KILN_NET_FRAME_HELD;
    memcpy(buf, d->rx + VNET_HDR, (size_t)n);
    d->held = 0;
    return n;
}

static enum kiln_hc_outcome net_write(const struct kiln_guest_mem *m,
                                      uint64_t gpa, int *status)
{
    struct kiln_hc_net_write *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_net_write);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_WRITE, gpa, status);
    uint64_t data = a->data, len = a->len;
    struct net_dev *d = NULL;
    int rc = dev_for(a->handle, &d);
    const uint8_t *frame = kiln_gpa_readable(m, data, len);
    if (rc == SOLO5_R_OK && (frame == NULL || len < ETH_HEADER ||
                             len > NET_MTU + ETH_HEADER))
        rc = SOLO5_R_EINVAL;
    if (rc != SOLO5_R_OK) {
        a->ret = rc;
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
    uint64_t data = a->data, len = a->len, handle = a->handle;
    struct net_dev *d = NULL;
    int rc = dev_for(handle, &d);
    uint8_t *buf = kiln_gpa_writable(m, data, len);
    if (rc == SOLO5_R_OK && (buf == NULL || len < NET_MTU + ETH_HEADER))
        rc = SOLO5_R_EINVAL;
    if (rc != SOLO5_R_OK) {
        a->ret = rc;
        return KILN_HC_CONTINUE;
    }
    long n = tap_receive(d, buf, len);
    if (n == KILN_NET_FRAME_HELD) {
        /* A guest that opted in promised room for any frame. */
        d->held = 0;
        rx_dropped++;
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    if (n <= 0) {
        a->ret = n == 0 ? SOLO5_R_AGAIN : SOLO5_R_EUNSPEC;
        return KILN_HC_CONTINUE;
    }
    a->len = (uint64_t)n;
    a->ret = SOLO5_R_OK;
    kiln_net_ring_refill((unsigned)handle);
    return KILN_HC_CONTINUE;
}

static int set_offload(int fd, int on)
{
    return ioctl(fd, TUNSETOFFLOAD, on ? KILN_TUN_F_CSUM | KILN_TUN_F_TSO4 : 0);
}

static enum kiln_hc_outcome net_offload(const struct kiln_guest_mem *m,
                                        uint64_t gpa, int *status)
{
    struct kiln_hc_net_offload *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_net_offload);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_OFFLOAD, gpa, status);
    struct net_dev *d = NULL;
    int rc = dev_for(a->handle, &d);
    if (rc == SOLO5_R_OK && !d->offload_on &&
        (!d->offload_offered || set_offload(d->fd, 1) != 0))
        rc = KILN_R_NOSYS;
    if (rc == SOLO5_R_OK) {
        d->offload_on = 1;
        a->frame_max = KILN_NET_OFFLOAD_FRAME_MAX;
    }
    a->ret = rc;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome net_write_segments(const struct kiln_guest_mem *m,
                                               uint64_t gpa, int *status)
{
    struct kiln_hc_net_write_segments *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_net_write_segments);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_WRITE_SEGMENTS, gpa, status);
    uint64_t data = a->data, len = a->len, segment_size = a->segment_size;
    struct net_dev *d = NULL;
    int rc = dev_for(a->handle, &d);
    const uint8_t *frame = kiln_gpa_readable(m, data, len);
    if (rc == SOLO5_R_OK && !d->offload_on)
        rc = KILN_R_NOSYS;
    else if (rc == SOLO5_R_OK && (frame == NULL || len > KILN_VNET_FRAME_MAX))
        rc = SOLO5_R_EINVAL;
    if (rc == SOLO5_R_OK) {
        uint8_t *copy = tx_buf + VNET_HDR;
        memcpy(copy, frame, len);
        struct kiln_vnet_hdr h;
        long partial = kiln_vnet_tso_header(copy, len, segment_size, NET_MTU, &h);
        if (partial < 0) {
            rc = SOLO5_R_EINVAL;
        } else {
            memcpy(tx_buf, &h, sizeof h);
            /* The kernel adds each segment's bytes to the pseudo-header
             * sum it finds in the checksum field. */
            copy[h.csum_start + h.csum_offset] = (uint8_t)(partial >> 8);
            copy[h.csum_start + h.csum_offset + 1] = (uint8_t)partial;
            rc = tap_send_buffered(d, frame, len) == 0 ? SOLO5_R_OK
                                                       : SOLO5_R_EUNSPEC;
        }
    }
    if (rc == SOLO5_R_EINVAL || rc == KILN_R_NOSYS)
        segments_refused++;
    a->ret = rc;
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

static size_t ring_held(void *dev)
{
    const struct net_dev *d = dev;
    return d->held;
}

uint32_t kiln_net_offload_host_features(void)
{
    for (unsigned h = 1; net_mft != NULL && h < net_mft->entries; h++)
        if (net_mft->e[h].type == KILN_MFT_NET_BASIC &&
            net_mft->e[h].attached && devs[h].offload_offered)
            return KILN_FEATURE_NET_OFFLOAD;
    return 0;
}

void kiln_net_print_counts(FILE *to)
{
    fprintf(to, "kiln-hvt net: large segments refused %llu, received frames "
            "dropped %llu\n", (unsigned long long)segments_refused,
            (unsigned long long)rx_dropped);
}

int kiln_tap_open(const char *ifname, char *err, size_t errlen)
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
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    strcpy(ifr.ifr_name, ifname);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        snprintf(err, errlen, "tap device '%s': %s%s", ifname, strerror(errno),
                 errno == EBUSY ? " (in use by another process?)" : "");
        close(fd);
        return -1;
    }
    /* Plain frames until the guest opts in (a persistent tap keeps what
     * its last user set). */
    if (set_offload(fd, 0) != 0) {
        snprintf(err, errlen, "tap device '%s': TUNSETOFFLOAD: %s", ifname,
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* A random locally administered unicast address. 0, or -1 (errno). */
static int random_mac(uint8_t mac[6])
{
    if (getrandom(mac, 6, 0) != 6)
        return -1;
    mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
    return 0;
}

int kiln_net_attach(struct kiln_mft *mft, unsigned index,
                    const struct kiln_net_opt *opt, char *err, size_t errlen)
{
    struct net_dev *d = &devs[index];
    d->pcap_fd = -1;
    d->offload_offered = !opt->offload_off;
    d->rx = malloc(VNET_HDR + KILN_VNET_FRAME_MAX);
    if (d->rx == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->fd = kiln_tap_open(opt->tap, err, errlen);
    if (d->fd < 0 || kiln_net_pool_open(index, opt, err, errlen) != 0)
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
    } else if (random_mac(mac) != 0) {
        snprintf(err, errlen, "getrandom: %s", strerror(errno));
        return -1;
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
                                       .held = ring_held,
                                   });
    kiln_hc_register(KILN_HC_NET_WRITE, net_write);
    kiln_hc_register(KILN_HC_NET_READ, net_read);
    kiln_hc_register(KILN_HC_NET_OFFLOAD, net_offload);
    kiln_hc_register(KILN_HC_NET_WRITE_SEGMENTS, net_write_segments);
    return 0;
}

/* Frames the tap queued for its previous holder are not the new one's. */
static void drain(int fd)
{
    uint8_t frame[VNET_HDR + NET_MTU + ETH_HEADER];
    for (int i = 0; i < STALE_FRAMES_MAX; i++)
        if (read(fd, frame, sizeof frame) < 0 && errno != EINTR)
            return;
}

/* Device (h)'s manifest entry as the guest sees it: its copy, in low
 * memory below the image (the vCPU is stopped: it cannot be reading). */
static struct kiln_mft_entry *guest_entry(const struct kiln_guest_mem *m,
                                          unsigned h)
{
    uint64_t at = KILN_BOOT_INFO_MFT_AT(KILN_BOOT_INFO_BASE) +
                  sizeof(struct kiln_mft) + h * sizeof(struct kiln_mft_entry);
    return (struct kiln_mft_entry *)(m->base + at);
}

/* Which pool tap the child holds (slot, -1 for none), in both manifests:
 * the tender's and the guest's. */
static void set_pool_tap(const struct kiln_guest_mem *m, unsigned h, int slot)
{
    net_mft->e[h].u.net_basic.kiln_pool_tap = (uint16_t)(slot + 1);
    guest_entry(m, h)->u.net_basic.kiln_pool_tap = (uint16_t)(slot + 1);
}

/* A MAC for the child, other than the parent's, in both manifests. 0, or
 * -1 (errno). */
static int new_mac(const struct kiln_guest_mem *m, unsigned h)
{
    uint8_t *mac = net_mft->e[h].u.net_basic.mac, fresh[6];
    do
        if (random_mac(fresh) != 0)
            return -1;
    while (memcmp(fresh, mac, 6) == 0);
    memcpy(mac, fresh, 6);
    memcpy(guest_entry(m, h)->u.net_basic.mac, fresh, 6);
    return 0;
}

int kiln_net_fork_child(const struct kiln_guest_mem *m,
                        const struct kiln_net_claim *claim, char *err,
                        size_t errlen)
{
    for (unsigned h = 1; net_mft != NULL && h < net_mft->entries; h++) {
        struct net_dev *d = &devs[h];
        if (net_mft->e[h].type != KILN_MFT_NET_BASIC || !net_mft->e[h].attached)
            continue;
        if (d->fd >= 0)
            close(d->fd); /* the parent's tap */
        d->fd = -1;
        int slot = claim->slot[h];
        set_pool_tap(m, h, slot);
        if (slot < 0) {
            /* Nothing to record: the device is not the child's. */
            if (d->pcap_fd >= 0)
                close(d->pcap_fd);
            d->pcap_fd = -1;
            d->held = 0;
            kiln_net_ring_fork_child(h, 0);
            continue;
        }
        /* The child's frames go to the parent's recording too (appended
         * record by record: O_APPEND, one writev each). */
        d->fd = kiln_net_pool_fetch(h, slot, err, errlen);
        if (d->fd < 0)
            return -1;
        drain(d->fd);
        d->held = 0; /* the parent's frame */
        /* The guest's opt-in is copied with its memory. */
        if (new_mac(m, h) != 0 || kiln_poll_add(d->fd, h) != 0 ||
            set_offload(d->fd, d->offload_on) != 0) {
            snprintf(err, errlen, "network device '%s': %s", net_mft->e[h].name,
                     strerror(errno));
            return -1;
        }
        kiln_net_ring_fork_child(h, 1);
    }
    return 0;
}
