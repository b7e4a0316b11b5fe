/* hello: prints, shows its command line, checks the start info, that
 * thread-local variables work from the start, and that undeclared devices
 * cannot be acquired. */
#include "test_lib.h"

/* The bindings give the main thread a TLS block before solo5_app_main. */
__thread int tls_counter = 5;
__thread uint64_t tls_zero;

int solo5_app_main(const struct solo5_start_info *si)
{
    test_puts("\n**** Kiln hello ****\n\nHello, World\n");
    test_puts("Command line is: '");
    test_puts(si->cmdline);
    test_puts("'\n");

    TEST_CHECK(si->heap_start >= 0x100000 && si->heap_start % 4096 == 0);
    TEST_CHECK(si->heap_size > 0);
    /* The heap is ours: touch its first and last byte. */
    volatile uint8_t *heap = (volatile uint8_t *)si->heap_start;
    heap[0] = 1;
    heap[si->heap_size - 1] = 2;
    TEST_CHECK(heap[0] == 1 && heap[si->heap_size - 1] == 2);

    tls_counter++;
    tls_zero += 3;
    TEST_CHECK(tls_counter == 6 && tls_zero == 3);

    solo5_handle_t h;
    struct solo5_net_info ni;
    struct solo5_block_info bi;
    TEST_CHECK(solo5_net_acquire("service", &h, &ni) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_block_acquire("storage", &h, &bi) == SOLO5_R_EINVAL);

    char expect[256];
    if (test_arg(si->cmdline, "expect-heap-mb", expect, sizeof expect)) {
        uint64_t mb = test_parse_u64(expect);
        TEST_CHECK(si->heap_size > (mb - 2) << 20 && si->heap_size < mb << 20);
    }
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
