/* tls_base.c: loading the %fs base, the thread pointer on x86_64. */
#include "../guest.h"
#include "cpu.h"

#define MSR_FS_BASE 0xc0000100U

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    if (kiln_guest.cpl == 3) {
        /* kiln-hvt sets CR4.FSGSBASE for us. */
        __asm__ __volatile__("wrfsbase %0" : : "r"(base) : "memory");
    } else {
        __asm__ __volatile__("wrmsr"
                             :
                             : "c"(MSR_FS_BASE), "a"((uint32_t)base),
                               "d"((uint32_t)(base >> 32))
                             : "memory");
    }
    return SOLO5_R_OK;
}
