/*
 * boot.c: from the entry point to solo5_app_main. Reads the tender's boot
 * info, sets up traps and clocks, refuses to run on a tender that lacks a
 * device the image declares, computes the heap and gives the application a
 * TLS block.
 */
#include "guest.h"
#include "cpu.h"

struct kiln_guest_state kiln_guest;

/* Kiln devices are never attached by an upstream tender: stop with a clear
 * line instead of failing later on an unknown hypercall. */
static void refuse_missing_kiln_devices(const struct kiln_mft *mft)
{
    int missing = 0;
    for (uint32_t i = 1; i < mft->entries; i++) {
        const struct kiln_mft_entry *e = &mft->e[i];
        if (e->type > KILN_MFT_RESERVED_FIRST && !e->attached) {
            kiln_puts("Kiln: device '");
            kiln_puts(e->name);
            kiln_puts("' of a Kiln type is not provided by this tender"
                      " (run the image under kiln-hvt)\n");
            missing = 1;
        }
    }
    if (missing)
        kiln_halt(SOLO5_EXIT_FAILURE, NULL);
}

void kiln_guest_boot(const struct kiln_boot_info *bi)
    __attribute__((noreturn));
void kiln_guest_boot(const struct kiln_boot_info *bi)
{
    kiln_guest.cpl = kiln_cpl();
    kiln_trap_init();

    const struct kiln_mft *mft =
        (const struct kiln_mft *)(uintptr_t)bi->mft;
    if (mft->version != KILN_MFT_VERSION || mft->entries < 1 ||
        mft->entries > KILN_MFT_MAX_ENTRIES) {
        kiln_puts("Kiln: the tender passed an invalid manifest\n");
        kiln_halt(SOLO5_EXIT_ABORT, NULL);
    }
    kiln_guest.mft = mft;
    refuse_missing_kiln_devices(mft);

    kiln_clock_init(bi->cpu_cycle_freq);
    kiln_stop_init(bi->host_features);
    kiln_guest.mem_end = bi->mem_size;
    kiln_guest.host_features = bi->host_features;

    uintptr_t heap_start = (bi->kernel_end + KILN_GUEST_PAGE_SIZE - 1) &
                           ~(KILN_GUEST_PAGE_SIZE - 1);
    uintptr_t heap_end = kiln_net_rings_reserve(
        bi->host_features, heap_start, bi->mem_size - KILN_GUEST_STACK_SIZE);
    if (heap_end <= heap_start + solo5_tls_size() + KILN_GUEST_PAGE_SIZE) {
        kiln_puts("Kiln: not enough guest memory for a heap\n");
        kiln_halt(SOLO5_EXIT_ABORT, NULL);
    }
    heap_end = kiln_tls_boot(heap_end);
    struct solo5_start_info si = {
        .cmdline = (const char *)(uintptr_t)bi->cmdline,
        .heap_start = heap_start,
        .heap_size = heap_end - heap_start,
    };
    solo5_exit(solo5_app_main(&si));
}
