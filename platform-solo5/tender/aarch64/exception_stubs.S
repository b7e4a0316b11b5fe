/*
 * exception_stubs.S: a vector table kiln-hvt copies to guest address 0xb000
 * and points VBAR_EL1 at before the guest starts, so a trap taken before the
 * image installs its own vectors (or in an image that never does) is
 * reported instead of looping on an unmapped vector. Each entry passes its
 * index in w0 to the trap-report hypercall; the tender reads the syndrome
 * registers itself and never resumes the guest. Touches no stack;
 * position-independent.
 */
#include "kiln_aarch64_exceptions.h"

.macro stub entry
    .balign KILN_A64_VECTOR_SPACING
    mov w0, #\entry
    b report
.endm

    .section .rodata
    .globl kiln_a64_stubs_start, kiln_a64_stubs_end
    .balign KILN_A64_VECTOR_ALIGN
kiln_a64_stubs_start:
    .irp entry, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    stub \entry
    .endr
report:
    /* KILN_HYPERCALL_MMIO_ADDR(KILN_HC_TRAP_REPORT): (1 << 32) + 127 * 8 */
    movz x1, #(127 << 3)
    movk x1, #1, lsl #32
    str w0, [x1]
    b report
kiln_a64_stubs_end:

    .section .note.GNU-stack, "", @progbits
