/* pipe_test: the tender's pipe device and the poll set's one-shot watches,
 * over a fake guest memory with the real shared pipe area on top (no KVM):
 * data through the ring, AGAIN then a readiness report exactly once,
 * the guest's own moves and NOTIFY, end-of-file, EPIPE, refusals, broken
 * ring indices, the limit on rings; across a real fork() of the tender's
 * state: shared ends go through the tenders, holders are counted, a
 * stream crosses with end-of-file, and a child killed outright still
 * gives end-of-file. And the ring protocol itself under real concurrency:
 * two threads moving bytes and waking each other as guests and tenders do. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypercall.h"
#include "pipe.h"
#include "solo5.h"
#include "unit.h"

#define ARGS 0x100000
#define BUF 0x200000
#define BUF2 0x300000
#define PIPE_HANDLE 3
#define SECOND 1000000000ULL

static struct kiln_guest_mem mem;
static uint8_t *area;

static void dispatch(unsigned nr)
{
    int status = 0;
    CHECK(kiln_hc_dispatch(&mem, nr, ARGS, &status) == KILN_HC_CONTINUE);
}

static int32_t create(uint64_t *r, uint64_t *w, uint32_t *ring)
{
    struct kiln_hc_pipe_create *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_pipe_create){.ret = -1};
    dispatch(KILN_HC_PIPE_CREATE);
    *r = a->read_end;
    *w = a->write_end;
    if (ring != NULL)
        *ring = a->ring;
    return a->ret;
}

/* Moves len bytes at guest address data; *done gets the count. */
static int32_t io(unsigned nr, uint64_t end, uint64_t data, uint64_t len, uint64_t *done)
{
    struct kiln_hc_pipe_io *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_pipe_io){.end = end, .data = data, .len = len, .ret = -1};
    dispatch(nr);
    *done = a->len;
    return a->ret;
}

static int32_t end_call(unsigned nr, uint64_t end)
{
    struct kiln_hc_pipe_close *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_pipe_close){.end = end, .ret = -1};
    dispatch(nr);
    return a->ret;
}

static int32_t close_end(uint64_t end)
{
    return end_call(KILN_HC_PIPE_CLOSE, end);
}

/* The ready set of a poll that waits at most (ns). */
static uint64_t poll_for(uint64_t ns)
{
    struct kiln_hc_poll *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_poll){.timeout_nsecs = ns};
    dispatch(KILN_HC_POLL);
    return a->ready_set;
}

static uint64_t poll_now(void)
{
    return poll_for(0);
}

/* One call retried across AGAIN, waiting for readiness (bounded). */
static int32_t io_waiting(unsigned nr, uint64_t end, uint64_t data, uint64_t len,
                          uint64_t *done)
{
    int32_t rc;
    for (int tries = 0; (rc = io(nr, end, data, len, done)) == SOLO5_R_AGAIN; tries++) {
        if (tries == 1000)
            return -1;
        poll_for(SECOND / 10);
    }
    return rc;
}

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 13 + (i >> 11));
}

static struct kiln_pipe_ring *ring_at(uint32_t ring)
{
    return kiln_pipe_ring_at(area, ring - 1);
}

static void copy(void *d, const void *s, size_t n)
{
    memcpy(d, s, n);
}

static void test_basics(uint64_t bit)
{
    uint64_t r, w, n;
    uint32_t ring;
    CHECK(create(&r, &w, &ring) == SOLO5_R_OK && r != w && r != 0 && w != 0);
    CHECK(ring >= 1 && ring <= KILN_PIPE_RINGS);
    /* Empty: AGAIN with the reader's flag set, and nothing to report until
     * a byte arrives, then once. */
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_AGAIN);
    CHECK(ring_at(ring)->reader_waiting == 1);
    CHECK((poll_now() & bit) == 0);
    memcpy(mem.base + BUF, "hello", 5);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 5, &n) == SOLO5_R_OK && n == 5);
    /* The bytes are in the shared ring; the lone sleeper's flag cleared. */
    CHECK(ring_at(ring)->head == 5 && ring_at(ring)->reader_waiting == 0);
    CHECK(memcmp(kiln_pipe_ring_data(area, ring - 1), "hello", 5) == 0);
    CHECK(poll_now() & bit);
    CHECK((poll_now() & bit) == 0); /* one-shot: re-armed only by AGAIN */
    memset(mem.base + BUF, 0, 5);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_OK && n == 5);
    CHECK(memcmp(mem.base + BUF, "hello", 5) == 0);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 0, &n) == SOLO5_R_OK && n == 0);

    /* The guest's own moves: a sleeping reader is woken by NOTIFY. */
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_AGAIN);
    CHECK(kiln_pipe_ring_put(ring_at(ring), kiln_pipe_ring_data(area, ring - 1),
                             "abc", 3, copy) == 3);
    CHECK((poll_now() & bit) == 0);
    CHECK(ring_at(ring)->reader_waiting == 1);
    CHECK(end_call(KILN_HC_PIPE_NOTIFY, w) == SOLO5_R_OK);
    CHECK(ring_at(ring)->reader_waiting == 0);
    CHECK(poll_now() & bit);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_OK && n == 3);
    CHECK(end_call(KILN_HC_PIPE_NOTIFY, 9999) == SOLO5_R_EINVAL);

    /* Refusals: wrong end kind, empty read, memory outside the guest's,
     * unknown ends; nothing moves. */
    CHECK(io(KILN_HC_PIPE_READ, w, BUF, 1, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_WRITE, r, BUF, 1, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 0, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, r, 0x1000, 16, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, r, mem.size - 8, 16, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_WRITE, w, UINT64_MAX - 4, 16, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, 0, BUF, 1, &n) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, KILN_PIPE_MAX_ENDS + 1, BUF, 1, &n) == SOLO5_R_EINVAL);
    CHECK(close_end(9999) == SOLO5_R_EINVAL);
    CHECK(ring_at(ring)->head == 8 && ring_at(ring)->tail == 8);

    /* Full: a write takes what fits, then AGAIN. A write of at most
     * PIPE_BUF bytes is never split. */
    const uint64_t size = KILN_PIPE_RING_SIZE;
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, size - 100, &n) == SOLO5_R_OK && n == size - 100);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 101, &n) == SOLO5_R_AGAIN);
    CHECK(ring_at(ring)->writer_waiting == 101);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, KILN_PIPE_BUF + 1, &n) == SOLO5_R_OK && n == 100);
    /* A sleeping writer is woken once the room it needs is there: the
     * whole write, or half the ring for a longer one. */
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 3000, &n) == SOLO5_R_AGAIN);
    CHECK(ring_at(ring)->writer_waiting == 3000);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 2999, &n) == SOLO5_R_OK && n == 2999);
    CHECK((poll_now() & bit) == 0);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 1, &n) == SOLO5_R_OK && n == 1);
    CHECK(poll_now() & bit);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 3000, &n) == SOLO5_R_OK && n == 3000);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, size, &n) == SOLO5_R_AGAIN);
    CHECK(ring_at(ring)->writer_waiting == size / 2);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, size / 2 - 1, &n) == SOLO5_R_OK);
    CHECK((poll_now() & bit) == 0);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, size, &n) == SOLO5_R_OK && n == size / 2 + 1);
    CHECK(poll_now() & bit);

    /* A guest that breaks the indices gets an error; the tender stays in
     * its ring. */
    ring_at(ring)->head = ring_at(ring)->tail + 3 * KILN_PIPE_RING_SIZE;
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_EUNSPEC);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 16, &n) == SOLO5_R_EUNSPEC);
    ring_at(ring)->head = ring_at(ring)->tail;

    /* End-of-file once the write end is closed; closing twice refused. */
    CHECK(close_end(w) == SOLO5_R_OK);
    CHECK(close_end(w) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_OK && n == 0);
    CHECK(close_end(r) == SOLO5_R_OK);

    /* EPIPE once the read end is closed, told to the guest in the ring. */
    CHECK(create(&r, &w, &ring) == SOLO5_R_OK);
    CHECK(close_end(r) == SOLO5_R_OK);
    CHECK(ring_at(ring)->readers_gone == 1);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 1, &n) == KILN_R_EPIPE);
    CHECK(close_end(w) == SOLO5_R_OK);
}

/* As many pipes as rings, then LIMIT; rings and ids of closed pipes are
 * reused, emptied. */
static void test_limit(void)
{
    uint64_t r, w, n;
    uint32_t ring;
    int made = 0;
    while (create(&r, &w, NULL) == SOLO5_R_OK)
        made++;
    CHECK(made == 7);
    CHECK(create(&r, &w, NULL) == KILN_R_LIMIT);
    CHECK(io(KILN_HC_PIPE_WRITE, 2, BUF, 7, &n) == SOLO5_R_OK);
    CHECK(close_end(1) == SOLO5_R_OK && close_end(2) == SOLO5_R_OK);
    CHECK(create(&r, &w, &ring) == SOLO5_R_OK && r == 1 && w == 2);
    CHECK(ring_at(ring)->head == 0 && ring_at(ring)->readers_gone == 0);
    for (uint64_t id = 1; id <= 2 * 7; id++)
        CHECK(close_end(id) == SOLO5_R_OK);
}

/* As a forked tender starts: a poll set of its own. */
static pid_t fork_tender(void)
{
    kiln_pipe_fork_begin();
    pid_t pid = fork();
    if (pid == 0)
        kiln_poll_fork_child(0);
    return pid;
}

static int exited_ok(pid_t pid)
{
    int st;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* A child streams a pattern through the tenders (both ends are shared
 * while it runs), then ends; the parent reads it all, then end-of-file. */
static void test_fork_stream(void)
{
    uint64_t r, w, n;
    uint32_t ring;
    const uint64_t bytes = 300000;
    CHECK(create(&r, &w, &ring) == SOLO5_R_OK);
    pid_t pid = fork_tender();
    if (pid == 0) {
        int ok = close_end(r) == SOLO5_R_OK;
        for (uint64_t sent = 0; ok && sent < bytes; sent += n) {
            uint64_t len = bytes - sent < 10000 ? bytes - sent : 10000;
            for (uint64_t i = 0; i < len; i++)
                mem.base[BUF2 + i] = pattern(sent + i);
            ok = io_waiting(KILN_HC_PIPE_WRITE, w, BUF2, len, &n) == SOLO5_R_OK;
        }
        exit(ok ? 0 : 1); /* the tender's exit gives up its ends */
    }
    CHECK(pid > 0);
    CHECK(ring_at(ring)->shared_writer == 1);
    CHECK(close_end(w) == SOLO5_R_OK);
    uint64_t got = 0;
    int same = 1;
    do {
        CHECK(io_waiting(KILN_HC_PIPE_READ, r, BUF, 65536, &n) == SOLO5_R_OK);
        for (uint64_t i = 0; i < n; i++)
            same &= mem.base[BUF + i] == pattern(got + i);
        got += n;
    } while (n > 0 && got <= bytes);
    CHECK(same && got == bytes);
    CHECK(exited_ok(pid));
    /* The child closed its read end and gave up its write end: the
     * parent's read end is its own again. */
    CHECK(ring_at(ring)->shared_reader == 0 && ring_at(ring)->shared_writer == 0);
    CHECK(close_end(r) == SOLO5_R_OK);
}

/* The last reader is a child that ends without exit() (as a forked tender
 * that cannot start does, giving up its ends): the parent's write fails
 * with EPIPE at once, from the flag in the ring. */
static void test_fork_epipe(void)
{
    uint64_t r, w, n;
    uint32_t ring;
    int hold[2]; /* the child keeps its ends until the parent closes hold[1] */
    CHECK(create(&r, &w, &ring) == SOLO5_R_OK);
    CHECK(pipe(hold) == 0);
    pid_t pid = fork_tender();
    if (pid == 0) {
        char c;
        close(hold[1]);
        while (read(hold[0], &c, 1) < 0 && errno == EINTR)
            ;
        kiln_pipe_give_up();
        _exit(0);
    }
    close(hold[0]);
    CHECK(close_end(r) == SOLO5_R_OK);
    CHECK(ring_at(ring)->readers_gone == 0); /* the child still holds it */
    close(hold[1]);
    CHECK(exited_ok(pid));
    CHECK(ring_at(ring)->readers_gone == 1);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 1, &n) == KILN_R_EPIPE);
    CHECK(close_end(w) == SOLO5_R_OK);
}

/* A child tender killed outright never gives up its ends (its ring stays
 * claimed), yet the host pipes still end the reader's wait with
 * end-of-file and the writer's with EPIPE. */
static void test_fork_killed(void)
{
    uint64_t r, w, n;
    CHECK(create(&r, &w, NULL) == SOLO5_R_OK);
    pid_t pid = fork_tender();
    if (pid == 0) {
        raise(SIGKILL);
        _exit(1);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
    CHECK(close_end(w) == SOLO5_R_OK);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_OK && n == 0);
    CHECK(close_end(r) == SOLO5_R_OK);

    CHECK(create(&r, &w, NULL) == SOLO5_R_OK);
    pid = fork_tender();
    if (pid == 0) {
        raise(SIGKILL);
        _exit(1);
    }
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
    CHECK(close_end(r) == SOLO5_R_OK);
    uint64_t total = 0;
    int32_t rc;
    while ((rc = io(KILN_HC_PIPE_WRITE, w, BUF, 65536, &n)) == SOLO5_R_OK &&
           total <= KILN_PIPE_RING_SIZE)
        total += n;
    CHECK(rc == KILN_R_EPIPE && total == KILN_PIPE_RING_SIZE);
    CHECK(close_end(w) == SOLO5_R_OK);
}

/* Two threads, a producer and a consumer, each doing what a guest and its
 * tender do together: move what the ring allows; when nothing moves, set
 * the waiting flag (writers: the room they need), fence, look again, and
 * only then sleep (on an eventfd, for at most 10 s: a lost wake-up fails
 * the test instead of hanging it); after a move, wake the other side if
 * kiln_pipe_ring_wakes says so. Odd sizes, so offsets wrap everywhere. */
#define STRESS_BYTES (24u << 20)

struct stress {
    struct kiln_pipe_ring *ring;
    uint8_t *data;
    int wake_reader, wake_writer; /* eventfds */
    int failed;
};

static int sleep_on(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint64_t v;
    if (poll(&p, 1, 10000) != 1)
        return -1;
    return read(fd, &v, sizeof v) == sizeof v ? 0 : -1;
}

static void wake(struct stress *st, int by_writer)
{
    if (!kiln_pipe_ring_wakes(st->ring, by_writer))
        return;
    __atomic_store_n(by_writer ? &st->ring->reader_waiting : &st->ring->writer_waiting,
                     0, __ATOMIC_SEQ_CST);
    uint64_t one = 1;
    if (write(by_writer ? st->wake_reader : st->wake_writer, &one, sizeof one) != sizeof one)
        st->failed = 1;
}

/* One side's move, sleeping while nothing moves; -1 on a lost wake-up. */
static long stress_move(struct stress *st, int writer, uint8_t *buf, size_t len)
{
    for (;;) {
        long n = writer ? kiln_pipe_ring_put(st->ring, st->data, buf, len, copy)
                        : kiln_pipe_ring_take(st->ring, st->data, buf, len, copy);
        if (n != 0) {
            if (n > 0)
                wake(st, writer);
            return n;
        }
        uint32_t need = len < KILN_PIPE_RING_SIZE / 2 ? (uint32_t)len : KILN_PIPE_RING_SIZE / 2;
        __atomic_store_n(writer ? &st->ring->writer_waiting : &st->ring->reader_waiting,
                         writer ? need : 1, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        n = writer ? kiln_pipe_ring_put(st->ring, st->data, buf, len, copy)
                   : kiln_pipe_ring_take(st->ring, st->data, buf, len, copy);
        if (n != 0) {
            if (n > 0)
                wake(st, writer);
            return n;
        }
        if (sleep_on(writer ? st->wake_writer : st->wake_reader) != 0)
            return -1;
    }
}

static uint64_t next_size(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t r = *seed >> 33;
    return r % 4 == 0 ? 1 + r % KILN_PIPE_BUF : 1 + r % 70000;
}

static void *stress_producer(void *arg)
{
    struct stress *st = arg;
    static uint8_t buf[70000];
    uint64_t seed = 1;
    for (uint64_t sent = 0; sent < STRESS_BYTES && !st->failed;) {
        uint64_t len = next_size(&seed);
        if (len > STRESS_BYTES - sent)
            len = STRESS_BYTES - sent;
        for (uint64_t i = 0; i < len; i++)
            buf[i] = pattern(sent + i);
        long n = stress_move(st, 1, buf, len);
        if (n < 0 || (len <= KILN_PIPE_BUF && (uint64_t)n != len))
            st->failed = 1; /* lost wake-up, broken ring, or a split small write */
        else
            sent += (uint64_t)n;
    }
    return NULL;
}

static void test_ring_concurrent(void)
{
    static uint8_t data[KILN_PIPE_RING_SIZE], buf[70000];
    static struct kiln_pipe_ring ring;
    struct stress st = {.ring = &ring, .data = data,
                        .wake_reader = eventfd(0, EFD_NONBLOCK),
                        .wake_writer = eventfd(0, EFD_NONBLOCK)};
    CHECK(st.wake_reader >= 0 && st.wake_writer >= 0);
    pthread_t producer;
    CHECK(pthread_create(&producer, NULL, stress_producer, &st) == 0);
    uint64_t got = 0, seed = 2;
    int same = 1;
    while (got < STRESS_BYTES && !st.failed) {
        long n = stress_move(&st, 0, buf, next_size(&seed));
        if (n < 0) {
            st.failed = 1;
            break;
        }
        for (long i = 0; i < n; i++)
            same &= buf[i] == pattern(got + (uint64_t)i);
        got += (uint64_t)n;
    }
    pthread_join(producer, NULL);
    CHECK(!st.failed && same && got == STRESS_BYTES);
    close(st.wake_reader);
    close(st.wake_writer);
}

int main(void)
{
    char err[256];
    mem.size = 16 << 20;
    mem.base = mmap(NULL, mem.size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(mem.base != MAP_FAILED);
    kiln_core_setup();
    kiln_pipe_attach(PIPE_HANDLE);
    /* An eighth of guest memory, 7 rings at 16 MiB. */
    CHECK(kiln_pipe_rings_for(64 << 20) == KILN_PIPE_RINGS);
    CHECK(kiln_pipe_rings_for(1ULL << 40) == KILN_PIPE_RINGS);
    CHECK(kiln_pipe_rings_for(32 << 20) == 15);
    CHECK(kiln_pipe_rings_for(2 << 20) == 1);
    CHECK(kiln_pipe_rings_for(mem.size) == 7);
    uint64_t usable = kiln_pipe_map_area(&mem, err, sizeof err);
    CHECK(usable == mem.size - KILN_PIPE_CTRL_SIZE - 7 * KILN_PIPE_RING_SIZE);
    area = mem.base + usable;
    const uint64_t bit = 1ULL << PIPE_HANDLE;

    test_ring_concurrent();
    test_basics(bit);
    test_limit();
    test_fork_stream();
    test_fork_epipe();
    test_fork_killed();

    UNIT_DONE();
}
