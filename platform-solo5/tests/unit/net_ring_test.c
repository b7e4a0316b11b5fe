/* net_ring_test: the tender's side of the frame rings against a fake
 * device, with the guest's fields set the ways a broken or hostile guest
 * could set them. */
#include <stdint.h>
#include <stdlib.h>

#include "hypercall.h"
#include "net_ring.h"
#include "solo5.h"
#include "unit.h"

#define ARGS 0x100000
#define RING 0x200000

static int sent, sent_bad_len;
static int to_receive; /* frames the fake tap still holds */
static size_t large_next; /* then a frame too large for a slot, or 0 */

static void fake_send(void *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    (void)frame;
    sent++;
    if (len < 14 || len > 1514)
        sent_bad_len++;
}

static long fake_receive(void *dev, uint8_t *buf, size_t size)
{
    (void)dev;
    if (to_receive == 0)
        return large_next > size ? KILN_NET_FRAME_HELD : 0;
    to_receive--;
    memset(buf, 0xab, 60);
    return size < 60 ? (long)size : 60;
}

static size_t fake_held(void *dev)
{
    (void)dev;
    return large_next;
}

static struct kiln_guest_mem mem;

static int32_t call(unsigned nr, uint64_t handle, uint64_t ring)
{
    int status = 0;
    if (nr == KILN_HC_NET_RING_SETUP) {
        struct kiln_hc_net_ring_setup *a = (void *)(mem.base + ARGS);
        *a = (struct kiln_hc_net_ring_setup){.handle = handle, .ring = ring,
                                             .ret = -1};
        CHECK(kiln_hc_dispatch(&mem, nr, ARGS, &status) == KILN_HC_CONTINUE);
        return a->ret;
    }
    struct kiln_hc_net_sync *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_net_sync){.handle = handle, .ret = -1};
    CHECK(kiln_hc_dispatch(&mem, nr, ARGS, &status) == KILN_HC_CONTINUE);
    return a->ret;
}

int main(void)
{
    mem.size = 4 << 20;
    mem.base = calloc(1, mem.size);
    int dev;
    kiln_net_ring_offer(1, (struct kiln_net_io){
                               .dev = &dev,
                               .send = fake_send,
                               .receive = fake_receive,
                               .held = fake_held,
                           });
    CHECK(kiln_net_ring_host_features() == KILN_FEATURE_NET_RING);
    struct kiln_net_ring *ring = (void *)(mem.base + RING);

    /* Registration refusals. */
    CHECK(call(KILN_HC_NET_RING_SETUP, 2, RING) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_RING_SETUP, 64, RING) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_RING_SETUP, 1, 0x10000) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_RING_SETUP, 1, RING + 4) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_RING_SETUP, 1, mem.size - 4096) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_RING_SETUP, 1, RING) == SOLO5_R_OK);
    CHECK(call(KILN_HC_NET_RING_SETUP, 1, RING) == SOLO5_R_EINVAL);

    /* Frames the guest queued go out at the next exit, valid lengths only. */
    ring->tx.len[0] = 60;
    ring->tx.len[1] = 13;
    ring->tx.len[2] = 1514;
    ring->tx.len[3] = 0xffffffff;
    ring->tx.produced = 4;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(sent == 2 && sent_bad_len == 0);
    CHECK(ring->tx.consumed == 4);

    /* A producer index far ahead: at most one ring's worth is taken. */
    sent = 0;
    for (int i = 0; i < KILN_NET_RING_SLOTS; i++)
        ring->tx.len[i] = 60;
    ring->tx.produced = 4 + 1000;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(sent == KILN_NET_RING_SLOTS);
    CHECK(ring->tx.consumed == 4 + KILN_NET_RING_SLOTS);
    ring->tx.produced = ring->tx.consumed;

    /* Receiving: fills up to the ring's capacity, says when the tap ran dry,
     * and reports the handle as waiting. */
    to_receive = 3;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx.produced == 3 && ring->rx.len[0] == 60);
    CHECK(ring->rx_tap_empty == 1);
    CHECK(kiln_hc_pending() == (1ULL << 1));
    to_receive = 1000;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx.produced == KILN_NET_RING_SLOTS); /* full, not overrun */
    CHECK(ring->rx_tap_empty == 0);
    /* The guest takes 10; 10 more arrive in their slots. */
    ring->rx.consumed = 10;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx.produced == KILN_NET_RING_SLOTS + 10);
    /* A consumer index ahead of the producer: nothing is filled. */
    uint32_t produced = ring->rx.produced;
    ring->rx.consumed = produced + 7;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx.produced == produced);
    /* The guest cannot move the tender's own indices: they are restored. */
    ring->rx.consumed = produced;
    ring->rx.produced = 12345;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx.produced - produced <= KILN_NET_RING_SLOTS);

    /* Net offload: a frame too large for a slot stops the filling behind
     * the frames before it, and the ring says how long it is; once the
     * guest took it (a plain read), the refill goes on at once. */
    ring->rx.consumed = ring->rx.produced;
    produced = ring->rx.produced;
    to_receive = 2;
    large_next = 40000;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx.produced == produced + 2);
    CHECK(ring->rx_large == 40000 && ring->rx_tap_empty == 0);
    ring->rx.consumed = ring->rx.produced;
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(ring->rx_large == 40000); /* still waiting: the guest has input */
    CHECK(kiln_hc_pending() == (1ULL << 1));
    large_next = 0;
    to_receive = 1;
    kiln_net_ring_refill(1);
    CHECK(ring->rx.produced == produced + 3 && ring->rx_large == 0);

    /* A forked child with a tap of its own: the parent's queued and
     * received frames are not its own. */
    ring->rx.consumed = ring->rx.produced - 5;
    ring->tx.produced = ring->tx.consumed + 3;
    sent = 0;
    kiln_net_ring_fork_child(1, 1);
    CHECK(ring->rx.consumed == ring->rx.produced);
    CHECK(ring->tx.consumed == ring->tx.produced);
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == SOLO5_R_OK);
    CHECK(sent == 0 && ring->unavailable == 0);

    /* A forked child without one: the ring is marked, served no more, and
     * cannot be registered again. */
    to_receive = 5;
    produced = ring->rx.produced;
    ring->tx.produced = ring->tx.consumed + 2;
    kiln_net_ring_fork_child(1, 0);
    CHECK(ring->unavailable == 1);
    CHECK(call(KILN_HC_NET_SYNC, 1, 0) == KILN_R_UNAVAILABLE);
    CHECK(sent == 0 && ring->rx.produced == produced);
    CHECK(call(KILN_HC_NET_RING_SETUP, 1, RING) == SOLO5_R_EINVAL);
    CHECK(call(KILN_HC_NET_SYNC, 2, 0) == SOLO5_R_EINVAL);
    free(mem.base);
    UNIT_DONE();
}
