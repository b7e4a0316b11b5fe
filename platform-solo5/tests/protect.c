/*
 * protect: the image's memory has its segments' rights. --case=NAME does
 * one thing the rights forbid, after printing "protect: NAME at ADDRESS";
 * the tender or the bindings must stop it with a trap report naming that
 * address, status 255:
 *   text-write, rodata-write       a write to its own text / read-only data
 *   data-exec, stack-exec, heap-exec  a call into a `ret` written there
 *   stack-overflow                 recursion down into the guard page (no
 *                                  address printed: the guard page's is
 *                                  the stack area's lowest, mem_size - 1 MiB)
 *   zero-read, zero-exec           a load from / a call to address 0
 * Without --case it checks that what the rights allow works: reading text
 * and read-only data, writing data, bss, heap and stack, and prints
 * SUCCESS.
 */
#include "test_lib.h"

static const uint8_t read_only[64] = {1, 2, 3};
static uint8_t data[64] = {4};
static uint8_t bss[64];

/* A `ret` for each architecture, as bytes. */
#if defined(__x86_64__)
static const uint8_t ret_code[] = {0xc3};
#else
static const uint8_t ret_code[] = {0xc0, 0x03, 0x5f, 0xd6};
#endif

typedef void (*code_fn)(void);

static void announce(const char *what, uint64_t at)
{
    test_puts("protect: ");
    test_puts(what);
    test_puts(" at ");
    test_put_hex(at);
    test_puts("\n");
}

/* Writes a `ret` at (at) and calls it. */
static void exec_at(const char *what, uint8_t *at)
{
    memcpy(at, ret_code, sizeof ret_code);
#if defined(__aarch64__)
    __asm__ __volatile__("dc cvau, %0\n\tdsb ish\n\tic ivau, %0\n\tdsb ish\n\tisb"
                         : : "r"(at) : "memory");
#endif
    announce(what, (uintptr_t)at);
    code_fn fn;
    __asm__("" : "=r"(fn) : "0"(at)); /* hide the cast's origin */
    fn();
}

/* Not a tail call: the frame must stay. Bounded only to keep the compiler
 * from calling it infinite. */
__attribute__((noinline)) static unsigned recurse(unsigned depth)
{
    volatile uint8_t frame[512];
    frame[0] = (uint8_t)depth;
    if (depth > 1000000)
        return 0;
    return recurse(depth + 1) + frame[0];
}

static void run_case(const char *what, const struct solo5_start_info *si)
{
    volatile uintptr_t zero = 0;
    if (test_streq(what, "text-write")) {
        uintptr_t at = (uintptr_t)solo5_app_main;
        announce(what, at);
        *(volatile uint8_t *)at = 0;
    } else if (test_streq(what, "rodata-write")) {
        announce(what, (uintptr_t)read_only);
        *(volatile uint8_t *)(uintptr_t)read_only = 0;
    } else if (test_streq(what, "data-exec")) {
        exec_at(what, data);
    } else if (test_streq(what, "stack-exec")) {
        uint8_t on_stack[16];
        exec_at(what, on_stack);
    } else if (test_streq(what, "heap-exec")) {
        exec_at(what, (uint8_t *)si->heap_start);
    } else if (test_streq(what, "stack-overflow")) {
        test_puts("protect: stack-overflow\n");
        test_put_u64(recurse(0));
    } else if (test_streq(what, "zero-read")) {
        announce(what, 0);
        (void)*(volatile uint32_t *)zero;
    } else if (test_streq(what, "zero-exec")) {
        announce(what, 0);
        ((code_fn)zero)();
    } else {
        test_fail("unknown --case");
    }
    test_puts("FAILED: the guest went on after ");
    test_puts(what);
    test_puts("\n");
    solo5_exit(1);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    test_puts("\n**** Kiln protect ****\n\n");
    char what[32];
    if (test_arg(si->cmdline, "case", what, sizeof what))
        run_case(what, si);

    /* What the rights allow. */
    TEST_CHECK(*(volatile const uint8_t *)(uintptr_t)solo5_app_main != 0 ||
               *((volatile const uint8_t *)(uintptr_t)solo5_app_main + 1) != 0);
    TEST_CHECK(((volatile const uint8_t *)read_only)[2] == 3);
    ((volatile uint8_t *)data)[1] = 5;
    ((volatile uint8_t *)bss)[1] = 6;
    TEST_CHECK(data[1] == 5 && bss[1] == 6);
    volatile uint8_t *heap = (volatile uint8_t *)si->heap_start;
    heap[0] = 7;
    heap[si->heap_size - 1] = 8;
    TEST_CHECK(heap[0] == 7 && heap[si->heap_size - 1] == 8);
    volatile uint8_t on_stack[4096];
    on_stack[0] = 9;
    on_stack[4095] = 10;
    TEST_CHECK(on_stack[0] + on_stack[4095] == 19);
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
