/* fork_lib.h: waiting on Kiln's fork and pipe devices, for C test and
 * benchmark images (header-only: only images that fork include it). */
#ifndef KILN_FORK_LIB_H
#define KILN_FORK_LIB_H

#include "kiln_fork_pipe.h"
#include "test_lib.h"

#define FORK_LIB_SECOND 1000000000ULL

/* The exit status of (id); fails the test after 60 seconds. */
static inline int wait_child(uint64_t id)
{
    int status = -1, rc;
    solo5_time_t give_up = solo5_clock_monotonic() + 60 * FORK_LIB_SECOND;
    while ((rc = kiln_wait(id, &status)) == SOLO5_R_AGAIN) {
        /* Other devices' input may end the wait early: the clock decides. */
        solo5_yield(solo5_clock_monotonic() + FORK_LIB_SECOND, NULL);
        if (solo5_clock_monotonic() > give_up)
            test_fail("a child did not end within 60 s");
    }
    TEST_CHECK(rc == SOLO5_R_OK);
    return status;
}

/* A pipe and a fork, for the child to write to the parent: the child keeps
 * only the write end (*w), the parent only the read end (*r). Returns the
 * child's id in the parent, 0 in the child. */
static inline uint64_t fork_child_writer(uint64_t *r, uint64_t *w)
{
    uint64_t id;
    TEST_CHECK(kiln_pipe(r, w) == SOLO5_R_OK);
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    TEST_CHECK(kiln_pipe_close(id == 0 ? *r : *w) == SOLO5_R_OK);
    return id;
}

/* One read (writer 0) or write (writer 1), retried while the pipe says
 * AGAIN; fails the test after 60 seconds. */
static inline int pipe_io(int writer, uint64_t end, uint8_t *p, size_t n,
                          size_t *done)
{
    solo5_time_t give_up = solo5_clock_monotonic() + 60 * FORK_LIB_SECOND;
    for (;;) {
        int rc = writer ? kiln_pipe_write(end, p, n, done)
                        : kiln_pipe_read(end, p, n, done);
        if (rc != SOLO5_R_AGAIN)
            return rc;
        solo5_yield(solo5_clock_monotonic() + FORK_LIB_SECOND, NULL);
        if (solo5_clock_monotonic() > give_up)
            test_fail("a pipe stayed blocked for 60 s");
    }
}

#endif
