/* blk: writes patterns to the block device "storage", reads them back, and
 * checks that misaligned and out-of-range requests are refused and change
 * nothing. The backing file is expected to be zero-filled at start. */
#include "test_lib.h"

#define MAX_SECTOR 4096

static uint8_t wbuf[2 * MAX_SECTOR], rbuf[2 * MAX_SECTOR];

static void fill(uint8_t *buf, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    test_puts("\n**** Kiln blk ****\n\n");
    solo5_handle_t h;
    struct solo5_block_info info;
    TEST_CHECK(solo5_block_acquire("storage", &h, &info) == SOLO5_R_OK);
    TEST_CHECK(solo5_block_acquire("storage", &h, &info) == SOLO5_R_EINVAL);
    uint64_t bs = info.block_size, cap = info.capacity;
    TEST_CHECK(bs >= 512 && bs <= MAX_SECTOR && cap % bs == 0 && cap >= 4 * bs);
    test_puts("capacity ");
    test_put_u64(cap);
    test_puts(" bytes, sector ");
    test_put_u64(bs);
    test_puts("\n");

    /* Every sector of the first 64 KiB and the last one. */
    uint64_t sectors = cap / bs;
    for (uint64_t s = 0; s < sectors; s++) {
        if (s * bs >= 65536 && s != sectors - 1)
            continue;
        fill(wbuf, bs, s);
        TEST_CHECK(solo5_block_write(h, s * bs, wbuf, bs) == SOLO5_R_OK);
    }
    for (uint64_t s = 0; s < sectors; s++) {
        if (s * bs >= 65536 && s != sectors - 1)
            continue;
        fill(wbuf, bs, s);
        memset(rbuf, 0, bs);
        TEST_CHECK(solo5_block_read(h, s * bs, rbuf, bs) == SOLO5_R_OK);
        TEST_CHECK(memcmp(wbuf, rbuf, bs) == 0);
    }

    /* Two sectors in one request. */
    fill(wbuf, 2 * bs, 1000);
    TEST_CHECK(solo5_block_write(h, 2 * bs, wbuf, 2 * bs) == SOLO5_R_OK);
    TEST_CHECK(solo5_block_read(h, 2 * bs, rbuf, 2 * bs) == SOLO5_R_OK);
    TEST_CHECK(memcmp(wbuf, rbuf, 2 * bs) == 0);

    /* Refusals: out of range, straddling the end, misaligned, partial,
     * empty. None may change the last sector. */
    fill(wbuf, bs, 77);
    TEST_CHECK(solo5_block_write(h, cap, wbuf, bs) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_write(h, cap - bs, wbuf, 2 * bs) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_write(h, cap - bs + 1, wbuf, bs) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_write(h, cap - bs, wbuf, bs - 1) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_write(h, cap - bs, wbuf, 0) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_read(h, cap, rbuf, bs) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_read(h, 1, rbuf, bs) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_read(h, bs + 3, rbuf, bs) == SOLO5_R_EINVAL);
    fill(wbuf, bs, sectors - 1);
    TEST_CHECK(solo5_block_read(h, cap - bs, rbuf, bs) == SOLO5_R_OK);
    TEST_CHECK(memcmp(wbuf, rbuf, bs) == 0);

    /* A handle that is not this device. */
    TEST_CHECK(solo5_block_read(h + 1, 0, rbuf, bs) == SOLO5_R_EINVAL);
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
