/* cpu.h: the few x86_64 instructions the bindings need. */
#ifndef KILN_GUEST_CPU_H
#define KILN_GUEST_CPU_H

#include <stdint.h>

#include "kiln_hvt_abi.h"

/* Thread-local storage layout: variant II, the TLS image ends at the
 * thread pointer, and the word there points to itself. */
#define KILN_TLS_VARIANT 2

/* Hands (arg)'s address to the tender through an exit on port BASE + nr.
 * Guest memory never exceeds 4 GiB, so a 32-bit port write carries it. The
 * "memory" clobber orders the argument block's stores and loads around it. */
static inline void kiln_hypercall(unsigned nr, volatile void *arg)
{
    __asm__ __volatile__("outl %0, %1"
                         :
                         : "a"((uint32_t)(uintptr_t)arg),
                           "d"((uint16_t)(KILN_HYPERCALL_PIO_BASE + nr))
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
