/*
 * forklat: the guest side of the fork benchmark. Touches --touch-mb=M MiB
 * of heap (so the image is as big as the process it is compared with), then
 * forks --count=N times; each child sends the monotonic time at which it
 * first ran through a pipe and exits (the child's clock continues the
 * parent's). Prints the medians of fork call to child running, and to both
 * running:  "forks=N child_ns=T both_ns=T"
 */
#include "fork_lib.h"

#define MAX_FORKS 256

static uint64_t child_ns[MAX_FORKS], both_ns[MAX_FORKS];

static uint64_t median(uint64_t *v, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++)
        for (uint64_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

int solo5_app_main(const struct solo5_start_info *si)
{
    uint64_t count = test_arg_u64(si->cmdline, "count", 20);
    uint64_t touch_mb = test_arg_u64(si->cmdline, "touch-mb", 48);
    TEST_CHECK(count > 0 && count <= MAX_FORKS);
    TEST_CHECK(touch_mb << 20 <= si->heap_size);
    volatile uint8_t *heap = (volatile uint8_t *)si->heap_start;
    for (uint64_t i = 0; i < touch_mb << 20; i += 4096)
        heap[i] = (uint8_t)i;

    for (uint64_t i = 0; i < count; i++) {
        uint64_t r, w, id;
        TEST_CHECK(kiln_pipe(&r, &w) == SOLO5_R_OK);
        solo5_time_t start = solo5_clock_monotonic();
        TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
        solo5_time_t now = solo5_clock_monotonic();
        size_t n;
        if (id == 0) {
            TEST_CHECK(pipe_io(1, w, (uint8_t *)&now, sizeof now, &n) == SOLO5_R_OK &&
                       n == sizeof now);
            solo5_exit(0);
        }
        solo5_time_t child_start;
        TEST_CHECK(pipe_io(0, r, (uint8_t *)&child_start, sizeof child_start, &n) ==
                       SOLO5_R_OK && n == sizeof child_start);
        TEST_CHECK(wait_child(id) == 0);
        TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK && kiln_pipe_close(w) == SOLO5_R_OK);
        child_ns[i] = child_start - start;
        both_ns[i] = (child_start > now ? child_start : now) - start;
    }
    test_puts("forks=");
    test_put_u64(count);
    test_puts(" child_ns=");
    test_put_u64(median(child_ns, count));
    test_puts(" both_ns=");
    test_put_u64(median(both_ns, count));
    test_puts("\n");
    return SOLO5_EXIT_SUCCESS;
}
