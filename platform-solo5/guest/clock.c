/*
 * clock.c: monotonic time from the CPU's cycle counter (x86_64: the TSC,
 * aarch64: the generic timer's CNTVCT_EL0), scaled by the frequency the
 * tender reports; wall time as the tender's wall clock at boot plus the
 * monotonic time elapsed since. No exit per clock read.
 */
#include "guest.h"
#include "cpu.h"

#define NSEC_PER_SEC 1000000000ULL

static uint64_t cycles_at_boot;
static uint64_t ns_per_tick_q32; /* nanoseconds per tick, 32.32 fixed point */
static uint64_t wall_minus_monotonic;

void kiln_clock_init(uint64_t cycle_hz)
{
    if (cycle_hz == 0) {
        kiln_puts("Kiln: the tender reported a cycle counter frequency of 0\n");
        kiln_halt(SOLO5_EXIT_ABORT, NULL);
    }
    ns_per_tick_q32 = (NSEC_PER_SEC << 32) / cycle_hz;
    cycles_at_boot = kiln_cycle_counter();

    volatile struct kiln_hc_walltime w = {0};
    kiln_hypercall(KILN_HC_WALLTIME, &w);
    wall_minus_monotonic = w.nsecs - solo5_clock_monotonic();
}

solo5_time_t solo5_clock_monotonic(void)
{
    uint64_t ticks = kiln_cycle_counter() - cycles_at_boot;
    /* 64x64->128 multiply is one instruction; no libgcc helper needed. */
    return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}

solo5_time_t solo5_clock_wall(void)
{
    return solo5_clock_monotonic() + wall_minus_monotonic;
}
