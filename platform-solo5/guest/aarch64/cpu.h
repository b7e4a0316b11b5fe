/* cpu.h: the few aarch64 instructions the bindings need. */
#ifndef KILN_GUEST_CPU_H
#define KILN_GUEST_CPU_H

#include <stdint.h>

#include "kiln_hvt_abi.h"

/* Thread-local storage layout: variant I, the thread pointer points at a
 * 16-byte control block that the TLS image follows. */
#define KILN_TLS_VARIANT 1

/* Hands (arg)'s address to the tender through an exit on the hypercall's
 * MMIO address: a 32-bit store to device memory, which KVM reports with
 * the stored value. Guest memory never exceeds 4 GiB, so 32 bits carry it.
 * The "memory" clobber orders the argument block's stores and loads
 * around it. */
static inline void kiln_hypercall(unsigned nr, volatile void *arg)
{
    __asm__ __volatile__("str %w0, [%1]"
                         :
                         : "rZ"((uint32_t)(uintptr_t)arg),
                           "r"(KILN_HYPERCALL_MMIO_ADDR(nr))
                         : "memory");
}

/* The generic timer's virtual count (CNTVCT_EL0); the isb keeps the read
 * from moving before earlier instructions. */
static inline uint64_t kiln_cycle_counter(void)
{
    uint64_t v;
    __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

/* Privilege in x86 terms, which the shared code speaks: 0 at EL1 (where
 * every hvt tender starts aarch64 guests), 3 at EL0. */
static inline unsigned kiln_cpl(void)
{
    uint64_t el;
    __asm__ __volatile__("mrs %0, CurrentEL" : "=r"(el));
    return ((el >> 2) & 3) == 0 ? 3 : 0;
}

#endif
