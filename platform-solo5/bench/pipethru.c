/*
 * pipethru: the guest side of the pipe benchmark. Forks; the child writes
 * --mb=M MiB through a pipe in --chunk=B byte writes; the parent reads with
 * the same size until end of file and times it:
 *   "bytes=N elapsed_ns=T"
 */
#include "fork_lib.h"

#define MAX_CHUNK (1 << 20)

static uint8_t buf[MAX_CHUNK];

int solo5_app_main(const struct solo5_start_info *si)
{
    uint64_t mb = test_arg_u64(si->cmdline, "mb", 256);
    uint64_t chunk = test_arg_u64(si->cmdline, "chunk", 65536);
    TEST_CHECK(chunk > 0 && chunk <= MAX_CHUNK);
    uint64_t r, w;
    uint64_t id = fork_child_writer(&r, &w);
    size_t n;
    if (id == 0) {
        for (uint64_t left = mb << 20; left > 0; left -= n) {
            size_t want = left < chunk ? left : chunk;
            TEST_CHECK(pipe_io(1, w, buf, want, &n) == SOLO5_R_OK);
        }
        solo5_exit(0);
    }
    uint64_t total = 0;
    solo5_time_t start = solo5_clock_monotonic();
    do {
        TEST_CHECK(pipe_io(0, r, buf, chunk, &n) == SOLO5_R_OK);
        total += n;
    } while (n > 0);
    solo5_time_t elapsed = solo5_clock_monotonic() - start;
    TEST_CHECK(total == mb << 20);
    TEST_CHECK(wait_child(id) == 0);
    test_puts("bytes=");
    test_put_u64(total);
    test_puts(" elapsed_ns=");
    test_put_u64(elapsed);
    test_puts("\n");
    return SOLO5_EXIT_SUCCESS;
}
