/*
 * net_ring.c: serving Kiln's network frame rings (see kiln_hvt_abi.h). Runs
 * only while the vCPU is stopped in an exit, so the guest never sees a ring
 * half-updated. The tender keeps its own copy of the indices it produces or
 * consumes; the guest's are read once per exit and only trusted as far as
 * they are consistent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "hypercall.h"
#include "kiln_mft_abi.h"
#include "net_ring.h"
#include "solo5.h"

#define FRAME_MAX (1500 + 14)
#define FRAME_MIN 14

struct ring_state {
    struct kiln_net_ring *ring; /* host view of guest memory, or NULL */
    uint32_t rx_produced;       /* ours */
    uint32_t tx_consumed;       /* ours */
    struct kiln_net_io io;
};

static struct ring_state rings[KILN_MFT_MAX_ENTRIES];
static uint64_t with_ring; /* bit per handle with a ring */

/* Sends every frame the guest queued. A producer index that claims more
 * than a ring's worth is a broken guest: send what fits, no more. */
static void flush_tx(struct ring_state *r)
{
    struct kiln_net_ring_queue *q = &r->ring->tx;
    uint32_t queued = q->produced - r->tx_consumed;
    if (queued > KILN_NET_RING_SLOTS)
        queued = KILN_NET_RING_SLOTS;
    for (; queued > 0; queued--, r->tx_consumed++) {
        uint32_t i = r->tx_consumed % KILN_NET_RING_SLOTS;
        uint32_t len = q->len[i];
        if (len >= FRAME_MIN && len <= FRAME_MAX)
            r->io.send(r->io.dev, q->slot[i], len);
    }
    q->consumed = r->tx_consumed;
}

/* Fills free rx slots from the tap until it is empty, the ring is full or
 * the next frame is too large for a slot (the device holds it: rx_large).
 * Returns 1 when the guest has frames to take. */
static int fill_rx(struct ring_state *r)
{
    struct kiln_net_ring_queue *q = &r->ring->rx;
    uint32_t held = r->rx_produced - q->consumed;
    if (held > KILN_NET_RING_SLOTS) /* guest index nonsense: wait for sense */
        held = KILN_NET_RING_SLOTS;
    int tap_empty = 0;
    for (; held < KILN_NET_RING_SLOTS; held++, r->rx_produced++) {
        uint32_t i = r->rx_produced % KILN_NET_RING_SLOTS;
        long n = r->io.receive(r->io.dev, q->slot[i], KILN_NET_RING_SLOT_SIZE);
        if (n == KILN_NET_FRAME_HELD)
            break;
        if (n <= 0) {
            tap_empty = 1;
            break;
        }
        q->len[i] = (uint32_t)n;
    }
    q->produced = r->rx_produced;
    r->ring->rx_tap_empty = (uint32_t)tap_empty;
    size_t large = r->io.held != NULL ? r->io.held(r->io.dev) : 0;
    r->ring->rx_large = (uint32_t)large;
    return held > 0 || large > 0;
}

void kiln_net_ring_refill(unsigned handle)
{
    if (handle < KILN_MFT_MAX_ENTRIES && (with_ring & (1ULL << handle)))
        fill_rx(&rings[handle]);
}

static uint64_t serve_rings(const struct kiln_guest_mem *m)
{
    (void)m;
    uint64_t waiting = 0;
    for (uint64_t bits = with_ring; bits; bits &= bits - 1) {
        unsigned h = (unsigned)__builtin_ctzll(bits);
        flush_tx(&rings[h]);
        if (fill_rx(&rings[h]))
            waiting |= 1ULL << h;
    }
    return waiting;
}

static enum kiln_hc_outcome ring_setup(const struct kiln_guest_mem *m,
                                       uint64_t gpa, int *status)
{
    struct kiln_hc_net_ring_setup *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_net_ring_setup);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_RING_SETUP, gpa, status);
    uint64_t handle = a->handle, ring_gpa = a->ring;
    struct kiln_net_ring *ring =
        kiln_gpa_writable(m, ring_gpa, sizeof(struct kiln_net_ring));
    if (handle >= KILN_MFT_MAX_ENTRIES || rings[handle].io.dev == NULL ||
        ring == NULL || ring_gpa % 8 != 0 || (with_ring & (1ULL << handle))) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    struct ring_state *r = &rings[handle];
    r->ring = ring;
    r->rx_produced = ring->rx.produced = ring->rx.consumed = 0;
    r->tx_consumed = ring->tx.consumed = ring->tx.produced = 0;
    ring->rx_tap_empty = ring->rx_large = 0;
    with_ring |= 1ULL << handle;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

/* The rings were served on the way in: nothing more to do. */
static enum kiln_hc_outcome net_sync(const struct kiln_guest_mem *m, uint64_t gpa,
                                 int *status)
{
    struct kiln_hc_net_sync *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_net_sync);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_NET_SYNC, gpa, status);
    uint64_t handle = a->handle;
    if (handle < KILN_MFT_MAX_ENTRIES && (with_ring & (1ULL << handle)))
        a->ret = SOLO5_R_OK;
    else if (handle < KILN_MFT_MAX_ENTRIES && rings[handle].ring != NULL)
        a->ret = KILN_R_UNAVAILABLE; /* served no more (net_ring.h) */
    else
        a->ret = SOLO5_R_EINVAL;
    return KILN_HC_CONTINUE;
}

void kiln_net_ring_fork_child(unsigned handle, int available)
{
    struct ring_state *r = &rings[handle];
    uint64_t bit = 1ULL << handle;
    if (!available)
        r->io.dev = NULL; /* no registering it later either */
    if (!(with_ring & bit))
        return;
    struct kiln_net_ring *ring = r->ring;
    if (!available) {
        ring->unavailable = 1;
        with_ring &= ~bit;
        return;
    }
    /* What the parent queued it sends itself; what it received is its own. */
    r->tx_consumed = ring->tx.consumed = ring->tx.produced;
    ring->rx.consumed = ring->rx.produced = r->rx_produced;
    ring->rx_tap_empty = ring->rx_large = 0;
}

void kiln_net_ring_offer(unsigned handle, struct kiln_net_io io)
{
    rings[handle].io = io;
    kiln_hc_register(KILN_HC_NET_RING_SETUP, ring_setup);
    kiln_hc_register(KILN_HC_NET_SYNC, net_sync);
    kiln_hc_set_exit_hook(serve_rings);
}

uint32_t kiln_net_ring_host_features(void)
{
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        if (rings[h].io.dev != NULL)
            return KILN_FEATURE_NET_RING;
    return 0;
}
