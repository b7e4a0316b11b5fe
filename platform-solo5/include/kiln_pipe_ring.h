/*
 * kiln_pipe_ring.h: the memory kiln-hvt shares between forked unikernels for
 * their pipes, and the ring operations the guest bindings and the tender
 * both run on it.
 *
 * An image that declares KILN_PIPE gets the top of its guest memory (an
 * eighth of it, at most KILN_PIPE_AREA_MAX bytes) mapped shared, while the
 * rest of guest memory stays private (copy-on-write across fork): every
 * unikernel forked from it sees the same pages there. The boot info's
 * mem_size ends where the area starts, so the stack and heap never reach
 * it. The area holds the control blocks (KILN_PIPE_CTRL_SIZE bytes), then
 * data rings of KILN_PIPE_RING_SIZE bytes, as many as fit (at most
 * KILN_PIPE_RINGS, at least one); a pipe's ring is named by
 * KILN_HC_PIPE_CREATE (kiln_hc_pipe_create.ring).
 *
 * One ring per pipe, one producer and one consumer at a time. head and tail
 * count bytes ever written and read (they wrap at 2^32); only the producer
 * stores head (release) and only the consumer stores tail (release); each
 * loads the other's with acquire, so bytes are in place before they are
 * seen. The guest moves bytes itself while its unikernel is the only holder
 * of its end (shared_writer/shared_reader clear); once a fork shares an end,
 * every copy goes through the tender, which serialises them. A side that
 * finds nothing to move exits to its tender, which sets its *_waiting flag,
 * looks again, and sleeps on the pipe device's readiness. The other side,
 * after moving bytes, issues a full fence and, if the sleeper can now go
 * on (kiln_pipe_ring_wakes), exits (KILN_HC_PIPE_NOTIFY) so its tender
 * rings the sleeper's doorbell (the Dekker pattern: of "store flag; fence;
 * load index" and "store index; fence; load flag" at least one sees the
 * other's store). A reader is woken by any byte; a writer, which sleeps
 * only on a ring too full for its write, once the room it asked for is
 * there: the whole write, or half the ring for a longer one, so it then
 * writes in large pieces instead of waking for every few bytes read.
 *
 * Everything here is also written by guests: the tender reads each index
 * once, masks every offset and refuses indices more than a ring apart.
 */
#ifndef KILN_PIPE_RING_H
#define KILN_PIPE_RING_H

#include <stddef.h>
#include <stdint.h>

#define KILN_PIPE_AREA_MAX 0x800000UL /* 8 MiB, for 64 MiB of guest memory */
#define KILN_PIPE_CTRL_SIZE 0x2000UL  /* the control blocks */
/* A pipe's capacity: four times a Linux pipe's default, so a writer and a
 * reader each sleep (an exit and a wake-up) about once per half ring. */
#define KILN_PIPE_RING_SIZE 0x40000UL
/* Pipes whose ring may live at once in a family of forked unikernels, with
 * 64 MiB of guest memory or more (fewer below: 15 at 32 MiB, 7 at 16): a
 * ring is in use until every copy of both its ends is closed. */
#define KILN_PIPE_RINGS 31
/* Pipe ends open at once per unikernel; their ids run from 1 to this. */
#define KILN_PIPE_MAX_ENDS 256
/* Writes of at most this many bytes are never split (POSIX PIPE_BUF). */
#define KILN_PIPE_BUF 4096

struct kiln_pipe_ring {
    uint32_t head; /* the producer's */
    uint8_t head_line[60];
    uint32_t tail; /* the consumer's */
    uint8_t tail_line[60];
    /* Set by the tenders. */
    uint32_t reader_waiting; /* a reader sleeps until bytes arrive */
    uint32_t writer_waiting; /* 0, or the room a sleeping writer waits for */
    uint32_t shared_reader;  /* more than one unikernel holds the read end */
    uint32_t shared_writer;  /* more than one unikernel holds the write end */
    uint32_t readers_gone;   /* no read end is open anywhere: EPIPE */
    uint8_t flags_line[108];
};
_Static_assert(sizeof(struct kiln_pipe_ring) == 256, "pipe ring layout");
_Static_assert(KILN_PIPE_RINGS * sizeof(struct kiln_pipe_ring) <= KILN_PIPE_CTRL_SIZE,
               "pipe control blocks fit");
_Static_assert(KILN_PIPE_CTRL_SIZE + KILN_PIPE_RINGS * KILN_PIPE_RING_SIZE <=
                   KILN_PIPE_AREA_MAX,
               "pipe rings fit");

typedef void (*kiln_pipe_copy_fn)(void *dst, const void *src, size_t n);

static inline struct kiln_pipe_ring *kiln_pipe_ring_at(uint8_t *area, unsigned i)
{
    return (struct kiln_pipe_ring *)(area + i * sizeof(struct kiln_pipe_ring));
}

static inline uint8_t *kiln_pipe_ring_data(uint8_t *area, unsigned i)
{
    return area + KILN_PIPE_CTRL_SIZE + i * KILN_PIPE_RING_SIZE;
}

/* Bytes the ring holds, or -1 when its indices cannot be (a guest broke
 * them). */
static inline long kiln_pipe_ring_used(uint32_t head, uint32_t tail)
{
    uint32_t used = head - tail;
    return used <= KILN_PIPE_RING_SIZE ? (long)used : -1;
}

/* Copies n bytes between a ring and a flat buffer: into the ring at offset
 * (at) when to_ring, else out of it. */
static inline void kiln_pipe_ring_copy(uint8_t *data, uint32_t at, uint8_t *flat,
                                       size_t n, int to_ring,
                                       kiln_pipe_copy_fn copy)
{
    size_t off = at & (KILN_PIPE_RING_SIZE - 1);
    size_t first = n < KILN_PIPE_RING_SIZE - off ? n : KILN_PIPE_RING_SIZE - off;
    if (to_ring) {
        copy(data + off, flat, first);
        copy(data, flat + first, n - first);
    } else {
        copy(flat, data + off, first);
        copy(flat + first, data, n - first);
    }
}

/* The producer's side: places up to n bytes of src and publishes them.
 * Returns the count (0 when full, or when n <= KILN_PIPE_BUF and fewer
 * than n bytes fit), or -1 for a broken ring. Ends with a full fence, so
 * the caller may then look at reader_waiting. */
static inline long kiln_pipe_ring_put(struct kiln_pipe_ring *r, uint8_t *data,
                                      const void *src, size_t n,
                                      kiln_pipe_copy_fn copy)
{
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    long used = kiln_pipe_ring_used(head, tail);
    if (used < 0)
        return -1;
    size_t room = KILN_PIPE_RING_SIZE - (size_t)used;
    if (room == 0 || (n <= KILN_PIPE_BUF && room < n))
        return 0;
    size_t m = n < room ? n : room;
    kiln_pipe_ring_copy(data, head, (uint8_t *)(uintptr_t)src, m, 1, copy);
    __atomic_store_n(&r->head, head + (uint32_t)m, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (long)m;
}

/* The consumer's side: takes up to n bytes into dst. Returns the count (0
 * when empty) or -1 for a broken ring; ends with a full fence, so the
 * caller may then look at writer_waiting. */
static inline long kiln_pipe_ring_take(struct kiln_pipe_ring *r, uint8_t *data,
                                       void *dst, size_t n,
                                       kiln_pipe_copy_fn copy)
{
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    long used = kiln_pipe_ring_used(head, tail);
    if (used <= 0)
        return used;
    size_t m = n < (size_t)used ? n : (size_t)used;
    kiln_pipe_ring_copy(data, tail, dst, m, 0, copy);
    __atomic_store_n(&r->tail, tail + (uint32_t)m, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (long)m;
}

/* Whether a sleeper of the other side can now go on; call after a move
 * (its fence). by_writer: the caller just wrote. */
static inline int kiln_pipe_ring_wakes(struct kiln_pipe_ring *r, int by_writer)
{
    if (by_writer)
        return __atomic_load_n(&r->reader_waiting, __ATOMIC_RELAXED) != 0;
    uint32_t need = __atomic_load_n(&r->writer_waiting, __ATOMIC_RELAXED);
    if (need == 0)
        return 0;
    long used = kiln_pipe_ring_used(__atomic_load_n(&r->head, __ATOMIC_ACQUIRE),
                                    __atomic_load_n(&r->tail, __ATOMIC_RELAXED));
    return used < 0 || KILN_PIPE_RING_SIZE - (size_t)used >= need;
}

#endif
