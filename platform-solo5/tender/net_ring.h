/* net_ring.h: Kiln's network frame rings, over any frame device. */
#ifndef KILN_NET_RING_H
#define KILN_NET_RING_H

#include <stddef.h>
#include <stdint.h>

/* receive's answer when the next frame is longer than the room given (a
 * large segment, net offload): the device keeps it, and held() says its
 * length. */
#define KILN_NET_FRAME_HELD (-2L)

/* How the rings reach a device: send one frame; receive one frame into buf
 * (returns its length, 0 when none is waiting, -1 when the device failed,
 * or KILN_NET_FRAME_HELD); held (NULL for a device that never holds one):
 * the length of the frame it holds back, 0 for none. */
struct kiln_net_io {
    void *dev;
    void (*send)(void *dev, const uint8_t *frame, size_t len);
    long (*receive)(void *dev, uint8_t *buf, size_t size);
    size_t (*held)(void *dev);
};

/* Lets the guest register a ring for network device (handle). */
void kiln_net_ring_offer(unsigned handle, struct kiln_net_io io);

/* In a forked tender: the ring of (handle), if registered, is emptied of
 * the parent's frames when (available), else marked unavailable and no
 * longer served. */
void kiln_net_ring_fork_child(unsigned handle, int available);

/* After the guest took the frame device (handle) held back through a plain
 * read: fills its rx ring again at once, so the guest need not exit for
 * what follows. */
void kiln_net_ring_refill(unsigned handle);

/* KILN_FEATURE_NET_RING once a device was offered, else 0: for the boot
 * info's host_features. */
uint32_t kiln_net_ring_host_features(void);

#endif
