/* pipe_test: the tender's pipe device and the poll set's one-shot watches,
 * on host pipes with a fake guest memory (no KVM): data, AGAIN then a
 * readiness report exactly once, end-of-file, EPIPE, refusals, the limit on
 * ends. */
#include <stdint.h>
#include <stdlib.h>

#include "hypercall.h"
#include "pipe.h"
#include "solo5.h"
#include "unit.h"

#define ARGS 0x100000
#define BUF 0x200000
#define PIPE_HANDLE 3

static struct kiln_guest_mem mem;

static void dispatch(unsigned nr)
{
    int status = 0;
    CHECK(kiln_hc_dispatch(&mem, nr, ARGS, &status) == KILN_HC_CONTINUE);
}

static int32_t create(uint64_t *r, uint64_t *w)
{
    struct kiln_hc_pipe_create *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_pipe_create){.ret = -1};
    dispatch(KILN_HC_PIPE_CREATE);
    *r = a->read_end;
    *w = a->write_end;
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

static int32_t close_end(uint64_t end)
{
    struct kiln_hc_pipe_close *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_pipe_close){.end = end, .ret = -1};
    dispatch(KILN_HC_PIPE_CLOSE);
    return a->ret;
}

/* The ready set of a poll that does not wait. */
static uint64_t poll_now(void)
{
    struct kiln_hc_poll *a = (void *)(mem.base + ARGS);
    *a = (struct kiln_hc_poll){.timeout_nsecs = 0};
    dispatch(KILN_HC_POLL);
    return a->ready_set;
}

int main(void)
{
    mem.size = 4 << 20;
    mem.base = calloc(1, mem.size);
    kiln_core_setup();
    kiln_pipe_attach(PIPE_HANDLE);
    const uint64_t bit = 1ULL << PIPE_HANDLE;
    uint64_t r, w, n;

    CHECK(create(&r, &w) == SOLO5_R_OK && r != w && r != 0 && w != 0);
    /* Empty: AGAIN, and nothing to report until a byte arrives, then once. */
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_AGAIN);
    CHECK((poll_now() & bit) == 0);
    memcpy(mem.base + BUF, "hello", 5);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 5, &n) == SOLO5_R_OK && n == 5);
    CHECK(poll_now() & bit);
    CHECK((poll_now() & bit) == 0); /* one-shot: re-armed only by AGAIN */
    memset(mem.base + BUF, 0, 5);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_OK && n == 5);
    CHECK(memcmp(mem.base + BUF, "hello", 5) == 0);

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

    /* Full: a write takes what fits, then AGAIN; draining reports it. */
    uint64_t total = 0;
    while (io(KILN_HC_PIPE_WRITE, w, BUF, 65536, &n) == SOLO5_R_OK)
        total += n;
    CHECK(total == 65536); /* Linux's default capacity */
    CHECK((poll_now() & bit) == 0);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 65536, &n) == SOLO5_R_OK && n == 65536);
    CHECK(poll_now() & bit);

    /* End-of-file once the write end is closed; closing twice refused. */
    CHECK(close_end(w) == SOLO5_R_OK);
    CHECK(close_end(w) == SOLO5_R_EINVAL);
    CHECK(io(KILN_HC_PIPE_READ, r, BUF, 16, &n) == SOLO5_R_OK && n == 0);
    CHECK(close_end(r) == SOLO5_R_OK);

    /* EPIPE once the read end is closed. */
    CHECK(create(&r, &w) == SOLO5_R_OK);
    CHECK(close_end(r) == SOLO5_R_OK);
    CHECK(io(KILN_HC_PIPE_WRITE, w, BUF, 1, &n) == KILN_R_EPIPE);
    CHECK(close_end(w) == SOLO5_R_OK);

    /* The limit on ends: KILN_PIPE_MAX_ENDS / 2 pipes, then LIMIT; ids of
     * closed ends are reused. */
    int made = 0;
    while (create(&r, &w) == SOLO5_R_OK)
        made++;
    CHECK(made == KILN_PIPE_MAX_ENDS / 2);
    CHECK(create(&r, &w) == KILN_R_LIMIT);
    CHECK(close_end(1) == SOLO5_R_OK && close_end(2) == SOLO5_R_OK);
    CHECK(create(&r, &w) == SOLO5_R_OK && r == 1 && w == 2);
    UNIT_DONE();
}
