/*
 * blkread: the guest side of the block benchmark: --count=N reads of one
 * sector at consecutive offsets (wrapping at capacity) from "storage",
 * timed with the monotonic clock:  "reads=N elapsed_ns=T"
 */
#include "test_lib.h"

static uint8_t sector[4096];

int solo5_app_main(const struct solo5_start_info *si)
{
    uint64_t count = test_arg_u64(si->cmdline, "count", 100000);
    solo5_handle_t h;
    struct solo5_block_info bi;
    TEST_CHECK(solo5_block_acquire("storage", &h, &bi) == SOLO5_R_OK);
    TEST_CHECK(bi.block_size <= sizeof sector);
    uint64_t sectors = bi.capacity / bi.block_size;
    solo5_time_t start = solo5_clock_monotonic();
    for (uint64_t i = 0; i < count; i++)
        TEST_CHECK(solo5_block_read(h, (i % sectors) * bi.block_size, sector,
                                    bi.block_size) == SOLO5_R_OK);
    solo5_time_t elapsed = solo5_clock_monotonic() - start;
    test_puts("reads=");
    test_put_u64(count);
    test_puts(" elapsed_ns=");
    test_put_u64(elapsed);
    test_puts("\n");
    return SOLO5_EXIT_SUCCESS;
}
