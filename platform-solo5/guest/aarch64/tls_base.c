/* tls_base.c: loading TPIDR_EL0, the thread pointer on aarch64. */
#include "../guest.h"

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    __asm__ __volatile__("msr tpidr_el0, %0" : : "r"(base) : "memory");
    return SOLO5_R_OK;
}
