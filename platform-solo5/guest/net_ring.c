/*
 * net_ring.c: the guest side of kiln-hvt's network frame rings (see
 * kiln_hvt_abi.h). Sending queues a frame and reading takes one, with no
 * exit; the tender moves frames at the next exit, which is usually the
 * solo5_yield that follows. A received frame too large for a slot (net
 * offload) waits in the tender and is read with a plain call. An exit is forced only when the transmit ring is
 * full, or the receive ring is empty while the tap may still hold frames.
 * In a forked child given no tap the tender marks the ring unavailable.
 */
#include "cpu.h"
#include "guest.h"

#define RING_BYTES                                                             \
    ((sizeof(struct kiln_net_ring) + KILN_GUEST_PAGE_SIZE - 1) &               \
     ~(KILN_GUEST_PAGE_SIZE - 1))
/* Never let rings take the heap below this. */
#define MIN_HEAP (4UL << 20)

uintptr_t kiln_net_rings_reserve(uint32_t host_features, uintptr_t heap_start,
                                 uintptr_t heap_end)
{
    if (!(host_features & KILN_FEATURE_NET_RING))
        return heap_end;
    const struct kiln_mft *mft = kiln_guest.mft;
    for (uint32_t i = 1; i < mft->entries; i++) {
        if (mft->e[i].type != KILN_MFT_NET_BASIC || !mft->e[i].attached)
            continue;
        if (heap_end < heap_start + MIN_HEAP + RING_BYTES)
            break; /* small guest: these devices use plain hypercalls */
        heap_end -= RING_BYTES;
        kiln_memzero((void *)heap_end, sizeof(struct kiln_net_ring));
        kiln_guest.net_ring[i] = (struct kiln_net_ring *)heap_end;
    }
    return heap_end;
}

void kiln_net_ring_start(solo5_handle_t h)
{
    /* Registered once: a forked child acquiring its device again keeps the
     * ring the tender already serves (or has marked unavailable). */
    if (kiln_guest.net_ring[h] == NULL || (kiln_guest.ring_active & (1ULL << h)))
        return;
    volatile struct kiln_hc_net_ring_setup s = {
        .handle = h,
        .ring = (uint64_t)(uintptr_t)kiln_guest.net_ring[h],
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_NET_RING_SETUP, &s);
    if (s.ret == SOLO5_R_OK)
        kiln_guest.ring_active |= 1ULL << h;
}

/* An exit in which the tender sends queued frames and fills the rx ring. */
static void sync(solo5_handle_t h)
{
    volatile struct kiln_hc_net_sync s = {.handle = h};
    kiln_hypercall(KILN_HC_NET_SYNC, &s);
}

static size_t frame_max(solo5_handle_t h)
{
    return kiln_guest.mft->e[h].u.net_basic.mtu + SOLO5_NET_HLEN;
}

solo5_result_t kiln_net_ring_write(solo5_handle_t h, const uint8_t *buf,
                                   size_t size)
{
    if (kiln_guest.net_ring[h]->unavailable)
        return KILN_R_UNAVAILABLE;
    struct kiln_net_ring_queue *q = &kiln_guest.net_ring[h]->tx;
    if (size < SOLO5_NET_HLEN || size > frame_max(h) ||
        size > KILN_NET_RING_SLOT_SIZE)
        return SOLO5_R_EINVAL;
    if (q->produced - q->consumed >= KILN_NET_RING_SLOTS)
        sync(h);
    if (q->produced - q->consumed >= KILN_NET_RING_SLOTS)
        return SOLO5_R_EUNSPEC; /* the tender did not drain it */
    uint32_t i = q->produced % KILN_NET_RING_SLOTS;
    kiln_memcpy(q->slot[i], buf, size);
    q->len[i] = (uint32_t)size;
    q->produced++;
    return SOLO5_R_OK;
}

solo5_result_t kiln_net_ring_read(solo5_handle_t h, uint8_t *buf, size_t size,
                                  size_t *read_size)
{
    struct kiln_net_ring *ring = kiln_guest.net_ring[h];
    struct kiln_net_ring_queue *q = &ring->rx;
    if (ring->unavailable)
        return KILN_R_UNAVAILABLE;
    if (size < frame_max(h))
        return SOLO5_R_EINVAL;
    for (;;) {
        if (q->produced == q->consumed) {
            /* A large segment the tender held back comes after every
             * frame in the ring, through a plain read. */
            if (ring->rx_large)
                return kiln_net_read_call(h, buf, size, read_size);
            if (ring->rx_tap_empty)
                return SOLO5_R_AGAIN;
            sync(h);
            if (q->produced == q->consumed)
                return ring->rx_large ? kiln_net_read_call(h, buf, size, read_size)
                                      : SOLO5_R_AGAIN;
        }
        uint32_t i = q->consumed % KILN_NET_RING_SLOTS;
        size_t len = q->len[i];
        if (len <= size) {
            kiln_memcpy(buf, q->slot[i], len);
            q->consumed++;
            *read_size = len;
            return SOLO5_R_OK;
        }
        q->consumed++; /* larger than the MTU allows: drop */
    }
}
