/* cpu.h: the few x86_64 instructions the bindings need. */
#ifndef KILN_GUEST_CPU_H
#define KILN_GUEST_CPU_H

#include <stdint.h>

#include "kiln_hvt_abi.h"

/* Thread-local storage layout: variant II, the TLS image ends at the
 * thread pointer, and the word there points to itself. */
#define KILN_TLS_VARIANT 2

/* Set at boot: hypercalls go through kiln-hvt's window (CPL3 guests)
 * rather than port I/O (CPL0 guests, as under upstream solo5-hvt). */
extern int kiln_hypercall_by_store;

/* Hands (arg)'s address to the tender through an exit: a 32-bit store to
 * the window address of (nr) at CPL3 (kvm-pvm, which runs CPL3 guests in
 * host user mode, ignores IOPL for port I/O), else a write to port BASE +
 * nr. Guest memory never exceeds 4 GiB, so 32 bits carry the address. The
 * "memory" clobber orders the argument block's stores and loads around it. */
static inline void kiln_hypercall(unsigned nr, volatile void *arg)
{
    uint32_t a = (uint32_t)(uintptr_t)arg;
    if (kiln_hypercall_by_store)
        __asm__ __volatile__("movl %0, (%1)"
                             :
                             : "r"(a), "r"((uintptr_t)KILN_HYPERCALL_MMIO_ADDR(nr))
                             : "memory");
    else
        __asm__ __volatile__("outl %0, %1"
                             :
                             : "a"(a), "d"((uint16_t)(KILN_HYPERCALL_PIO_BASE + nr))
                             : "memory");
}

static inline uint64_t kiln_cycle_counter(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Current privilege level: the RPL bits of %cs. */
static inline unsigned kiln_cpl(void)
{
    uint16_t cs;
    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

#endif
