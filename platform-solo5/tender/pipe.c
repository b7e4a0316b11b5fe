/*
 * pipe.c: KILN_HC_PIPE_CREATE/READ/WRITE/CLOSE/NOTIFY over rings in the
 * shared pipe area (kiln_pipe_ring.h). The guest moves bytes itself while
 * it can; these calls come when it cannot (empty, full, or an end shared
 * with another unikernel), and then the tender moves what it can under the
 * side's lock, or sets the waiting flag and arms the readiness.
 *
 * Each Kiln pipe has two host pipes held by the tenders, one per
 * direction: to_reader (write ends hold its write side, read ends its read
 * side) and to_writer (the reverse). A byte in one is a doorbell; its read
 * side reading end-of-file means every holder of the other kind of end is
 * gone, in every tender, closed or dead: with an empty ring that is the
 * reader's end-of-file, and the writer's EPIPE. Forked tenders inherit
 * the fds, so this holds across unikernels with no bookkeeping.
 *
 * What the host pipes cannot say without an exit is kept in a small table
 * shared by the tenders of a family (never mapped into a guest): which
 * rings are in use, how many tenders hold each end (so the guest learns at
 * once that an end became shared, or that no reader is left: EPIPE with no
 * exit), and process-shared robust locks for the tenders' moves.
 */
#define _GNU_SOURCE
#include "pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fail.h"
#include "hypercall.h"
#include "kiln_pipe_ring.h"
#include "solo5.h"

#define IO_MAX (1ULL << 30) /* bytes per call; more is split by the guest */

struct end {
    int ring; /* -1: free */
    int writer;
    int bell_in;  /* read side: our doorbell, and the other kind's liveness */
    int bell_out; /* write side of the other kind's doorbell */
};

/* Shared by a family's tenders. */
struct book {
    pthread_mutex_t state; /* guards the counts below */
    uint32_t readers, writers; /* tenders holding each end; both 0: free */
    pthread_mutex_t put_lock, take_lock; /* serialise the tenders' moves */
};

/* A guest's end id is its index + 1 (0 is never an end). */
static struct end ends[KILN_PIPE_MAX_ENDS];
static struct book *books;
static uint8_t *area; /* host address of the guest's pipe area */
static unsigned n_rings;
static uint64_t pipe_handle;
static int attached;

static struct kiln_pipe_ring *ring_of(const struct end *e)
{
    return kiln_pipe_ring_at(area, (unsigned)e->ring);
}

static void lock(pthread_mutex_t *m)
{
    /* Its holder died: what it guarded is whole (a move publishes its
     * index last, a count is one store). */
    if (pthread_mutex_lock(m) == EOWNERDEAD)
        pthread_mutex_consistent(m);
}

static struct end *end_of(uint64_t id, int writer)
{
    if (id == 0 || id > KILN_PIPE_MAX_ENDS)
        return NULL;
    struct end *e = &ends[id - 1];
    return e->ring >= 0 && e->writer == writer ? e : NULL;
}

static int free_end(int after)
{
    for (int i = after + 1; i < KILN_PIPE_MAX_ENDS; i++)
        if (ends[i].ring < 0)
            return i;
    return -1;
}

/* Adds (delta) holders of one kind of end to (ring) and tells the guests
 * what that changes: an end held by several unikernels goes through the
 * tenders; no reader left means EPIPE. The ring is free at zero holders. */
static void count_holders(int ring, int writer, int delta)
{
    struct book *b = &books[ring];
    struct kiln_pipe_ring *r = kiln_pipe_ring_at(area, (unsigned)ring);
    lock(&b->state);
    uint32_t *holders = writer ? &b->writers : &b->readers;
    *holders += (uint32_t)delta;
    __atomic_store_n(writer ? &r->shared_writer : &r->shared_reader,
                     *holders > 1, __ATOMIC_RELEASE);
    if (!writer && *holders == 0)
        __atomic_store_n(&r->readers_gone, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&b->state);
}

/* A free ring, emptied, with one holder of each end; -1 if none. */
static int claim_ring(void)
{
    for (unsigned i = 0; i < n_rings; i++) {
        struct book *b = &books[i];
        lock(&b->state);
        int free = b->readers == 0 && b->writers == 0;
        if (free) {
            memset(kiln_pipe_ring_at(area, i), 0, sizeof(struct kiln_pipe_ring));
            b->readers = b->writers = 1;
        }
        pthread_mutex_unlock(&b->state);
        if (free)
            return (int)i;
    }
    return -1;
}

static void release_ring(int ring)
{
    count_holders(ring, 0, -1);
    count_holders(ring, 1, -1);
}

/* Reads the doorbell empty; 1 when every holder of its write side is gone. */
static int drain(int fd)
{
    char sink[256];
    for (;;) {
        ssize_t n = read(fd, sink, sizeof sink);
        if (n == 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return 0;
    }
}

/* After a move: wake the other side if it sleeps and can go on. A lone
 * sleeper's flag is cleared; with several (a shared end) it stays set, so
 * no sleeper is lost to another's draining of the same doorbell. */
static void wake_other_side(const struct end *e)
{
    struct kiln_pipe_ring *r = ring_of(e);
    uint32_t *flag = e->writer ? &r->reader_waiting : &r->writer_waiting;
    if (!kiln_pipe_ring_wakes(r, e->writer))
        return;
    struct book *b = &books[e->ring];
    if (__atomic_load_n(e->writer ? &b->readers : &b->writers,
                        __ATOMIC_RELAXED) <= 1)
        __atomic_store_n(flag, 0, __ATOMIC_SEQ_CST);
    /* A full doorbell already rings; a gone side needs no waking. */
    ssize_t ignored = write(e->bell_out, "", 1);
    (void)ignored;
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
    memmove(dst, src, n); /* the guest may name a buffer in the area */
}

/* Moves what the ring allows, under the side's lock: bytes moved, 0, or
 * -1 for a broken ring. */
static long move(const struct end *e, void *buf, uint64_t len)
{
    struct book *b = &books[e->ring];
    pthread_mutex_t *l = e->writer ? &b->put_lock : &b->take_lock;
    uint8_t *data = kiln_pipe_ring_data(area, (unsigned)e->ring);
    lock(l);
    long n = e->writer ? kiln_pipe_ring_put(ring_of(e), data, buf, len, copy_bytes)
                       : kiln_pipe_ring_take(ring_of(e), data, buf, len, copy_bytes);
    pthread_mutex_unlock(l);
    return n;
}

static int readers_gone(const struct end *e)
{
    return __atomic_load_n(&ring_of(e)->readers_gone, __ATOMIC_ACQUIRE);
}

/* A moved count, end-of-file (0) or an error as the guest sees it. */
static int32_t moved(const struct end *e, long n, uint64_t *done)
{
    if (n < 0)
        return SOLO5_R_EUNSPEC; /* a guest broke the ring's indices */
    if (n > 0)
        wake_other_side(e);
    *done = (uint64_t)n;
    return SOLO5_R_OK;
}

/* The room a writer sleeps for (kiln_pipe_ring.h). Writers of a shared
 * end each want their own amount: any room wakes them, so none waits on
 * another's larger need. */
static uint32_t room_needed(const struct end *e, uint64_t len)
{
    if (__atomic_load_n(&books[e->ring].writers, __ATOMIC_RELAXED) > 1)
        return 1;
    return len < KILN_PIPE_RING_SIZE / 2 ? (uint32_t)len
                                         : KILN_PIPE_RING_SIZE / 2;
}

static int32_t io(const struct end *e, void *buf, uint64_t len, uint64_t *done)
{
    *done = 0;
    if (e->writer && len == 0)
        return SOLO5_R_OK;
    if (e->writer && readers_gone(e))
        return KILN_R_EPIPE;
    long n = move(e, buf, len);
    if (n != 0)
        return moved(e, n, done);
    /* Nothing to move. Say we wait, then look again: the other side's
     * fence-then-flag check pairs with this, so a move in between is
     * either seen here or rings the doorbell. */
    int others_gone = drain(e->bell_in);
    if (e->writer && others_gone) {
        __atomic_store_n(&ring_of(e)->readers_gone, 1, __ATOMIC_RELEASE);
        return KILN_R_EPIPE;
    }
    struct kiln_pipe_ring *r = ring_of(e);
    __atomic_store_n(e->writer ? &r->writer_waiting : &r->reader_waiting,
                     e->writer ? room_needed(e, len) : 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    n = move(e, buf, len);
    /* Every writer gone and nothing left: end-of-file. Their bytes were
     * published before they closed, so this second look saw them. */
    if (n != 0 || others_gone)
        return moved(e, n, done);
    return kiln_poll_watch(e->bell_in, EPOLLIN | EPOLLONESHOT, pipe_handle) == 0
               ? SOLO5_R_AGAIN
               : SOLO5_R_EUNSPEC;
}

static int new_bell(int fds[2])
{
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

static enum kiln_hc_outcome create(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    struct kiln_hc_pipe_create *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_create);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_PIPE_CREATE, gpa, status);
    a->ring = 0;
    int r = free_end(-1), w = r < 0 ? -1 : free_end(r);
    int ring = w < 0 ? -1 : claim_ring();
    if (ring < 0) {
        a->ret = KILN_R_LIMIT;
        return KILN_HC_CONTINUE;
    }
    int to_reader[2] = {-1, -1}, to_writer[2] = {-1, -1};
    if (new_bell(to_reader) != 0 || new_bell(to_writer) != 0) {
        a->ret = errno == EMFILE || errno == ENFILE ? KILN_R_LIMIT
                                                    : SOLO5_R_EUNSPEC;
        for (int i = 0; i < 2; i++)
            if (to_reader[i] >= 0)
                close(to_reader[i]);
        release_ring(ring);
        return KILN_HC_CONTINUE;
    }
    ends[r] = (struct end){.ring = ring, .writer = 0, .bell_in = to_reader[0],
                           .bell_out = to_writer[1]};
    ends[w] = (struct end){.ring = ring, .writer = 1, .bell_in = to_writer[0],
                           .bell_out = to_reader[1]};
    a->read_end = (uint64_t)r + 1;
    a->write_end = (uint64_t)w + 1;
    a->ring = (uint32_t)ring + 1;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome transfer(const struct kiln_guest_mem *m,
                                     uint64_t gpa, int *status, int writer)
{
    struct kiln_hc_pipe_io *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_io);
    if (a == NULL)
        return kiln_hc_bad_args(writer ? KILN_HC_PIPE_WRITE : KILN_HC_PIPE_READ,
                                gpa, status);
    uint64_t data = a->data, len = a->len, done;
    const struct end *e = end_of(a->end, writer);
    /* A write reads guest memory; a read writes it. */
    void *buf = writer ? (void *)kiln_gpa_readable(m, data, len)
                       : kiln_gpa_writable(m, data, len);
    if (e == NULL || buf == NULL || len > IO_MAX || (!writer && len == 0)) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    a->ret = io(e, buf, len, &done);
    a->len = done;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome read_(const struct kiln_guest_mem *m, uint64_t gpa,
                                  int *status)
{
    return transfer(m, gpa, status, 0);
}

static enum kiln_hc_outcome write_(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    return transfer(m, gpa, status, 1);
}

/* Either kind of end, or NULL. */
static struct end *any_end(uint64_t id)
{
    struct end *e = end_of(id, 0);
    return e != NULL ? e : end_of(id, 1);
}

static enum kiln_hc_outcome close_(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    struct kiln_hc_pipe_close *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_close);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_PIPE_CLOSE, gpa, status);
    struct end *e = any_end(a->end);
    if (e == NULL) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    kiln_poll_forget(e->bell_in);
    close(e->bell_in);
    close(e->bell_out);
    count_holders(e->ring, e->writer, -1);
    e->ring = -1;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome notify(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    struct kiln_hc_pipe_notify *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_notify);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_PIPE_NOTIFY, gpa, status);
    const struct end *e = any_end(a->end);
    if (e != NULL)
        wake_other_side(e);
    a->ret = e != NULL ? SOLO5_R_OK : SOLO5_R_EINVAL;
    return KILN_HC_CONTINUE;
}

/* Every open end gains (delta) holders. */
static void count_all(int delta)
{
    for (unsigned i = 0; i < KILN_PIPE_MAX_ENDS; i++)
        if (ends[i].ring >= 0)
            count_holders(ends[i].ring, ends[i].writer, delta);
}

void kiln_pipe_fork_begin(void)
{
    if (attached)
        count_all(1);
}

void kiln_pipe_fork_abandoned(void)
{
    if (attached)
        count_all(-1);
}

/* A tender that ends gives up its ends, so the others learn at once (a
 * tender killed by a signal is still seen through the host pipes). Once
 * only: an explicit call may be followed by the exit handler. */
void kiln_pipe_give_up(void)
{
    static int given_up;
    if (attached && !given_up) {
        given_up = 1;
        count_all(-1);
    }
}

static void init_lock(pthread_mutex_t *m)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &at);
    pthread_mutexattr_destroy(&at);
}

unsigned kiln_pipe_rings_for(uint64_t mem_size)
{
    uint64_t eighth = mem_size / 8;
    if (eighth < KILN_PIPE_CTRL_SIZE + KILN_PIPE_RING_SIZE)
        return 1;
    uint64_t fit = (eighth - KILN_PIPE_CTRL_SIZE) / KILN_PIPE_RING_SIZE;
    return fit < KILN_PIPE_RINGS ? (unsigned)fit : KILN_PIPE_RINGS;
}

uint64_t kiln_pipe_map_area(const struct kiln_guest_mem *mem, char *err,
                            size_t errlen)
{
    if (!attached)
        return mem->size;
    n_rings = kiln_pipe_rings_for(mem->size);
    uint64_t size = KILN_PIPE_CTRL_SIZE + n_rings * KILN_PIPE_RING_SIZE;
    if (size >= mem->size) {
        kiln_fail(err, errlen, "the pipe device needs more than %llu KiB of "
                  "guest memory", (unsigned long long)(size >> 10));
        return 0;
    }
    size_t books_size = KILN_PIPE_RINGS * sizeof(struct book);
    uint8_t *at = mem->base + mem->size - size;
    books = mmap(NULL, books_size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (books == MAP_FAILED ||
        mmap(at, size, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
        kiln_fail(err, errlen, "cannot map the pipe area: %s", strerror(errno));
        return 0;
    }
    for (unsigned i = 0; i < n_rings; i++) {
        init_lock(&books[i].state);
        init_lock(&books[i].put_lock);
        init_lock(&books[i].take_lock);
    }
    area = at;
    atexit(kiln_pipe_give_up);
    return mem->size - size;
}

void kiln_pipe_attach(unsigned index)
{
    for (unsigned i = 0; i < KILN_PIPE_MAX_ENDS; i++)
        ends[i].ring = -1;
    pipe_handle = index;
    attached = 1;
    /* A write to a pipe nobody reads must fail with EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    kiln_hc_register(KILN_HC_PIPE_CREATE, create);
    kiln_hc_register(KILN_HC_PIPE_READ, read_);
    kiln_hc_register(KILN_HC_PIPE_WRITE, write_);
    kiln_hc_register(KILN_HC_PIPE_CLOSE, close_);
    kiln_hc_register(KILN_HC_PIPE_NOTIFY, notify);
}
