/* kiln_x86_exceptions.h: x86 exception vectors, shared by the guest's CPL0
 * trap handler and the tender's trap reports. Usable from C and assembly. */
#ifndef KILN_X86_EXCEPTIONS_H
#define KILN_X86_EXCEPTIONS_H

#define KILN_X86_EXCEPTIONS 32 /* vectors 0-31 are the CPU's */
#define KILN_X86_STUB_SPACING 16 /* bytes between entry stubs */

#ifdef __ASSEMBLER__
/*
 * One 16-byte entry stub per exception vector, in order: pushes a zero
 * error code where the CPU pushes none, then the vector, then jumps to
 * (common) with the stack holding a struct kiln_trap_frame.
 */
.macro KILN_X86_EXCEPTION_STUBS common
    .set kiln_vector, 0
    .rept KILN_X86_EXCEPTIONS
    .balign KILN_X86_STUB_SPACING
    /* The CPU pushes an error code for 8, 10-14, 17, 21, 29 and 30. */
    .if (kiln_vector == 8) || (kiln_vector >= 10 && kiln_vector <= 14) || (kiln_vector == 17) || (kiln_vector == 21) || (kiln_vector == 29) || (kiln_vector == 30)
    .else
    pushq $0
    .endif
    pushq $kiln_vector
    jmp \common
    .set kiln_vector, kiln_vector + 1
    .endr
.endm
#else
#include <stdint.h>

/* "#PF page fault" and the like, or NULL for reserved vectors. */
static inline const char *kiln_x86_exception_name(uint64_t vector)
{
    switch (vector) {
    case 0: return "#DE divide error";
    case 1: return "#DB debug";
    case 2: return "NMI";
    case 3: return "#BP breakpoint";
    case 4: return "#OF overflow";
    case 5: return "#BR bound range";
    case 6: return "#UD invalid opcode";
    case 7: return "#NM device not available";
    case 8: return "#DF double fault";
    case 10: return "#TS invalid TSS";
    case 11: return "#NP segment not present";
    case 12: return "#SS stack fault";
    case 13: return "#GP general protection";
    case 14: return "#PF page fault";
    case 16: return "#MF x87 error";
    case 17: return "#AC alignment check";
    case 18: return "#MC machine check";
    case 19: return "#XM SIMD exception";
    default: return 0;
    }
}
#endif

#endif
