/*
 * hostile: hands every hypercall out-of-range pointers, huge and wrapping
 * lengths, pointers into the tender's low memory, the read-only boot info,
 * the image's own text and read-only data and the guard page under the
 * stack, and unknown handles. Each must be refused (SOLO5_R_EINVAL), the tender must
 * keep running, and nothing may be written where it must not be.
 * Declares "service" (net) and "storage" (block). Needs --guest-mem-mb=N,
 * the tender's --mem.
 * With --fatal=args|port|trapport|hlt it then does one thing after which the
 * tender must stop it (exit 255) with a one-line reason; on aarch64 also
 * --fatal=mmio|wide|load|misaligned (stray, 8-byte, reading and
 * between-addresses hypercall accesses),
 * stubs (a fault with VBAR_EL1 back on the tender's stubs), nested (a
 * fault on SP_EL1, as if inside the bindings' trap handler), bootinfo (a
 * write to the read-only boot info) and tables (a read of the tender's page
 * tables, which the guest's own tables leave unmapped).
 */
#include "test_lib.h"
#include "cpu.h" /* the bindings' kiln_hypercall */
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"

#define hypercall kiln_hypercall

/* Block requests straight to the tender, past the bindings' own checks. */
static int32_t raw_block(unsigned nr, uint64_t handle, uint64_t offset,
                         uint64_t data, uint64_t len)
{
    volatile struct kiln_hc_block_read a = {.handle = handle,
                                            .offset = offset,
                                            .data = data,
                                            .len = len,
                                            .ret = -1};
    hypercall(nr, &a);
    return a.ret;
}

/* Network frames straight to the tender, past the bindings' own checks
 * (NET_READ and NET_WRITE take arguments of one layout). */
static int32_t raw_net(unsigned nr, uint64_t handle, uint64_t data,
                       uint64_t len)
{
    volatile struct kiln_hc_net_read a = {
        .handle = handle, .data = data, .len = len, .ret = -1};
    hypercall(nr, &a);
    return a.ret;
}

/* Guest addresses no buffer may use: null page, tender's tables, end of
 * memory, past 4 GiB, wrapping, the guard page under the stack. The
 * read-only boot info, text and read-only data may be sources (net write,
 * block write) but never destinations. */
#define N_BAD_SOURCES 8
#define N_BAD_DESTINATIONS (N_BAD_SOURCES + 3)
static uint64_t bad_sources[N_BAD_SOURCES];
static uint64_t bad_destinations[N_BAD_DESTINATIONS];
static const uint8_t read_only_page[4096] __attribute__((aligned(4096))) = {1};
static const uint64_t huge_lengths[] = {
    0x100000000ULL, 0x7fffffffffffffffULL, 0xffffffffffffffffULL,
    0xfffffffffffff000ULL};
static const uint64_t bad_handles[] = {0, 3, 63, 64, 1000,
                                       0x8000000000000000ULL,
                                       0xffffffffffffffffULL};

static uint8_t buf[2048];

static void net_refusals(solo5_handle_t net, solo5_handle_t blk,
                         uint64_t mem_size)
{
    const unsigned R = KILN_HC_NET_READ, W = KILN_HC_NET_WRITE;
    const uint64_t b = (uintptr_t)buf;
    for (unsigned i = 0; i < N_BAD_SOURCES; i++)
        TEST_CHECK(raw_net(W, net, bad_sources[i], 60) == SOLO5_R_EINVAL);
    for (unsigned i = 0; i < N_BAD_DESTINATIONS; i++)
        TEST_CHECK(raw_net(R, net, bad_destinations[i], 1514) ==
                   SOLO5_R_EINVAL);
    for (unsigned i = 0; i < sizeof huge_lengths / 8; i++) {
        TEST_CHECK(raw_net(W, net, b, huge_lengths[i]) == SOLO5_R_EINVAL);
        TEST_CHECK(raw_net(R, net, b, huge_lengths[i]) == SOLO5_R_EINVAL);
    }
    /* A buffer ending exactly one byte past guest memory. */
    TEST_CHECK(raw_net(R, net, mem_size - 1513, 1514) == SOLO5_R_EINVAL);
    /* Too small for a frame; too big for the MTU; not a net handle. */
    TEST_CHECK(solo5_net_write(net, buf, 13) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_net_write(net, buf, 1515) == SOLO5_R_EINVAL);
    size_t got;
    TEST_CHECK(solo5_net_read(net, buf, 100, &got) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_net_write(blk, buf, 60) == SOLO5_R_EINVAL);
    for (unsigned i = 0; i < sizeof bad_handles / 8; i++) {
        TEST_CHECK(solo5_net_write(bad_handles[i], buf, 60) == SOLO5_R_EINVAL);
        TEST_CHECK(solo5_net_read(bad_handles[i], buf, sizeof buf, &got) ==
                   SOLO5_R_EINVAL);
    }
}

static void block_refusals(solo5_handle_t net, solo5_handle_t blk,
                           const struct solo5_block_info *bi)
{
    const unsigned R = KILN_HC_BLOCK_READ, W = KILN_HC_BLOCK_WRITE;
    const uint64_t b = (uintptr_t)buf, bs = bi->block_size;
    for (unsigned i = 0; i < N_BAD_DESTINATIONS; i++)
        TEST_CHECK(raw_block(R, blk, 0, bad_destinations[i], bs) ==
                   SOLO5_R_EINVAL);
    for (unsigned i = 0; i < N_BAD_SOURCES; i++)
        TEST_CHECK(raw_block(W, blk, 0, bad_sources[i], bs) == SOLO5_R_EINVAL);
    static const uint64_t bad_offsets[] = {
        1, 511, 0xfffffffffffffe00ULL, 0x8000000000000000ULL};
    for (unsigned i = 0; i < sizeof bad_offsets / 8; i++) {
        TEST_CHECK(raw_block(W, blk, bad_offsets[i], b, bs) == SOLO5_R_EINVAL);
        TEST_CHECK(raw_block(R, blk, bad_offsets[i], b, bs) == SOLO5_R_EINVAL);
    }
    TEST_CHECK(raw_block(R, blk, bi->capacity, b, bs) == SOLO5_R_EINVAL);
    TEST_CHECK(raw_block(W, blk, bi->capacity - bs, b, 2 * bs) ==
               SOLO5_R_EINVAL);
    TEST_CHECK(raw_block(W, blk, 0, b, bs - 1) == SOLO5_R_EINVAL);
    TEST_CHECK(raw_block(W, blk, 0, b, 0) == SOLO5_R_EINVAL);
    for (unsigned i = 0; i < sizeof huge_lengths / 8; i++)
        TEST_CHECK(raw_block(R, blk, 0, b, huge_lengths[i]) == SOLO5_R_EINVAL);
    TEST_CHECK(raw_block(R, net, 0, b, bs) == SOLO5_R_EINVAL);
    for (unsigned i = 0; i < sizeof bad_handles / 8; i++)
        TEST_CHECK(raw_block(W, bad_handles[i], 0, b, bs) == SOLO5_R_EINVAL);
}

/* A frame ring the test registers itself (the bindings would register
 * theirs at solo5_net_acquire, which this test therefore skips), so it can
 * then break it every way a guest could. */
static struct kiln_net_ring ring __attribute__((aligned(4096)));

static int32_t ring_setup(uint64_t handle, uint64_t at)
{
    volatile struct kiln_hc_net_ring_setup a = {
        .handle = handle, .ring = at, .ret = -1};
    hypercall(KILN_HC_NET_RING_SETUP, &a);
    return a.ret;
}

static int32_t ring_sync(uint64_t handle)
{
    volatile struct kiln_hc_net_sync a = {.handle = handle, .ret = -1};
    hypercall(KILN_HC_NET_SYNC, &a);
    return a.ret;
}

static void ring_refusals(solo5_handle_t net, solo5_handle_t blk,
                          uint64_t mem_size)
{
    const uint64_t r = (uintptr_t)&ring;
    TEST_CHECK(ring_setup(net, 0x10000) == SOLO5_R_EINVAL); /* read-only */
    TEST_CHECK(ring_setup(net, (uintptr_t)read_only_page) == SOLO5_R_EINVAL);
    TEST_CHECK(ring_setup(net, 0x2000) == SOLO5_R_EINVAL);
    TEST_CHECK(ring_setup(net, mem_size - 4096) == SOLO5_R_EINVAL);
    TEST_CHECK(ring_setup(net, 0xfffffffffffff000ULL) == SOLO5_R_EINVAL);
    TEST_CHECK(ring_setup(net, r + 4) == SOLO5_R_EINVAL); /* unaligned */
    TEST_CHECK(ring_setup(blk, r) == SOLO5_R_EINVAL);
    for (unsigned i = 0; i < sizeof bad_handles / 8; i++)
        TEST_CHECK(ring_setup(bad_handles[i], r) == SOLO5_R_EINVAL);
    TEST_CHECK(ring_sync(net) == SOLO5_R_EINVAL); /* no ring yet */
    TEST_CHECK(ring_setup(net, r) == SOLO5_R_OK);
    TEST_CHECK(ring_setup(net, r) == SOLO5_R_EINVAL); /* only once */
    TEST_CHECK(ring_sync(blk) == SOLO5_R_EINVAL);

    /* A transmit index a thousand frames ahead, lengths of every wrong
     * kind: the tender takes at most a ring's worth and sends none. */
    static const uint32_t bad_lengths[] = {0, 13, 1515, 2049, 0xffffffffU};
    for (unsigned i = 0; i < KILN_NET_RING_SLOTS; i++)
        ring.tx.len[i] = bad_lengths[i % (sizeof bad_lengths / 4)];
    ring.tx.produced = 1000;
    TEST_CHECK(ring_sync(net) == SOLO5_R_OK);
    TEST_CHECK(ring.tx.consumed == KILN_NET_RING_SLOTS);
    /* A receive index running ahead of the tender's: no slot is filled. */
    uint32_t produced = ring.rx.produced;
    ring.rx.consumed = produced + 5000;
    TEST_CHECK(ring_sync(net) == SOLO5_R_OK);
    TEST_CHECK(ring.rx.produced == produced);
    ring.rx.consumed = produced;
    /* The ring still works: one valid frame goes out. */
    ring.tx.produced = ring.tx.consumed + 1;
    uint32_t slot = ring.tx.consumed % KILN_NET_RING_SLOTS;
    memset(ring.tx.slot[slot], 0xff, 60); /* broadcast, junk ethertype */
    ring.tx.len[slot] = 60;
    TEST_CHECK(ring_sync(net) == SOLO5_R_OK);
    TEST_CHECK(ring.tx.consumed == ring.tx.produced);
}

/* Console writes with bad buffers are dropped (nothing to report back
 * through); the tender must survive them. */
static void console_refusals(void)
{
    for (unsigned i = 0; i < N_BAD_SOURCES; i++) {
        volatile struct kiln_hc_puts p = {.data = bad_sources[i], .len = 16};
        hypercall(KILN_HC_PUTS, &p);
    }
    for (unsigned i = 0; i < sizeof huge_lengths / 8; i++) {
        volatile struct kiln_hc_puts p = {.data = (uintptr_t)buf,
                                          .len = huge_lengths[i]};
        hypercall(KILN_HC_PUTS, &p);
    }
}

/* Stops the CPU without the tender: x86_64 `hlt` (a #GP at CPL3); aarch64
 * PSCI SYSTEM_OFF through `hvc`. */
static void stop_cpu(void)
{
#if defined(__x86_64__)
    __asm__ __volatile__("hlt");
#else
    register uint64_t x0 __asm__("x0") = 0x84000008; /* PSCI 0.2 SYSTEM_OFF */
    __asm__ __volatile__("hvc #0" : "+r"(x0) : : "memory");
#endif
}

static void fatal(const char *what, uint64_t boot_info)
{
    test_puts("now: ");
    test_puts(what);
    test_puts("\n");
    if (test_streq(what, "args")) {
        /* Argument block in the read-only boot info. */
        hypercall(KILN_HC_WALLTIME, (volatile void *)(uintptr_t)boot_info);
    } else if (test_streq(what, "port")) {
        volatile struct kiln_hc_halt h = {0};
        hypercall(KILN_HC_FORK, &h); /* reserved, not served */
    } else if (test_streq(what, "trapport")) {
        hypercall(KILN_HC_TRAP_REPORT, (volatile void *)0xc000);
    } else if (test_streq(what, "hlt")) {
        stop_cpu();
    }
#if defined(__aarch64__)
    volatile uint64_t *window = (volatile uint64_t *)KILN_HYPERCALL_MMIO_BASE;
    if (test_streq(what, "mmio")) /* in the window, past every hypercall */
        window[KILN_HC_END + 1] = 1;
    else if (test_streq(what, "wide")) /* 8 bytes to PUTS's address */
        window[KILN_HC_PUTS] = (uintptr_t)buf;
    else if (test_streq(what, "load"))
        (void)window[KILN_HC_PUTS];
    else if (test_streq(what, "misaligned")) /* 4 bytes into PUTS's slot */
        ((volatile uint32_t *)window)[2 * KILN_HC_PUTS + 1] = (uint32_t)(uintptr_t)buf;
    if (test_streq(what, "stubs"))
        __asm__ __volatile__("msr vbar_el1, %0\n\tisb" : : "r"(0xb000UL));
    volatile uintptr_t unmapped = 0x8;
    if (test_streq(what, "stubs"))
        *(volatile uint32_t *)unmapped = 1;
    else if (test_streq(what, "nested")) /* one block: sp changes under C */
        __asm__ __volatile__("msr spsel, #1\n\tstr wzr, [%0]"
                             : : "r"(unmapped) : "memory");
    volatile uintptr_t boot_info_page = boot_info, table_page = 0x1000;
    if (test_streq(what, "bootinfo"))
        *(volatile uint32_t *)boot_info_page = 1;
    else if (test_streq(what, "tables"))
        (void)*(volatile uint64_t *)table_page;
#endif
    test_fail("the tender let the guest go on");
}

int solo5_app_main(const struct solo5_start_info *si)
{
    test_puts("\n**** Kiln hostile ****\n\n");
    /* Guest memory size as given to the tender (--mem): the heap no longer
     * tells it, frame rings may sit between heap and stack. */
    char mem_mb[16];
    if (!test_arg(si->cmdline, "guest-mem-mb", mem_mb, sizeof mem_mb))
        test_fail("needs --guest-mem-mb=N (the tender's --mem)");
    uint64_t mem_size = test_parse_u64(mem_mb) << 20;
    TEST_CHECK(mem_size >= si->heap_start + si->heap_size);
    uint64_t sources[N_BAD_SOURCES] = {0,
                                       0x1000,
                                       0x2000, /* PML4 */
                                       mem_size,
                                       mem_size - 1,
                                       0xffffffffULL,
                                       0xfffffffffffff000ULL,
                                       mem_size - KILN_STACK_AREA_SIZE};
    memcpy(bad_sources, sources, sizeof sources);
    memcpy(bad_destinations, sources, sizeof sources);
    bad_destinations[N_BAD_SOURCES] = 0x10000; /* boot info: read-only */
    bad_destinations[N_BAD_SOURCES + 1] = (uintptr_t)solo5_app_main; /* text */
    bad_destinations[N_BAD_SOURCES + 2] = (uintptr_t)read_only_page;
    /* Read-only data is fine to send from. */
    TEST_CHECK(raw_net(KILN_HC_NET_WRITE, 1, (uintptr_t)read_only_page, 60) ==
               SOLO5_R_OK);

    solo5_handle_t net, blk, h;
    struct solo5_net_info ni;
    struct solo5_block_info bi;
    /* Handles are manifest indices: service is 1. Not acquired through the
     * bindings, so the test owns the ring registration (ring_refusals). */
    net = 1;
    TEST_CHECK(solo5_block_acquire("storage", &blk, &bi) == SOLO5_R_OK);
    TEST_CHECK(solo5_net_acquire(NULL, &h, &ni) == SOLO5_R_EINVAL);
    TEST_CHECK(solo5_net_acquire("nosuch", &h, &ni) == SOLO5_R_EINVAL);

    net_refusals(net, blk, mem_size);
    ring_refusals(net, blk, mem_size);
    block_refusals(net, blk, &bi);
    console_refusals();

    /* The block device still holds what the test put there: the host
     * checks the file after the run; here we check nothing was written at
     * sector 0 through a bad request. */
    uint8_t sector[512];
    TEST_CHECK(solo5_block_read(blk, 0, sector, 512) == SOLO5_R_OK);
    for (int i = 0; i < 512; i++)
        TEST_CHECK(sector[i] == 0);
    test_puts("all refusals correct\n");

    char what[16];
    if (test_arg(si->cmdline, "fatal", what, sizeof what))
        fatal(what, 0x10000);
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
