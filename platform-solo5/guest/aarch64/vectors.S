/*
 * vectors.S: the exception vector table the bindings install (VBAR_EL1).
 * Traps from the image's own code (EL1 on SP_EL0) save a struct
 * kiln_a64_trap_frame on the trap stack and end in kiln_guest_trap. A trap
 * taken on SP_EL1 means the trap handler itself faulted (or the image had
 * not reached _start's stack switch): that path touches no stack, prints a
 * fixed line and halts through two hypercalls.
 */
#include "kiln_aarch64_exceptions.h"

/* reg := the hypercall's MMIO address, KILN_HYPERCALL_MMIO_BASE (1 << 32)
 * + nr * 8 (kiln_hvt_abi.h). */
.macro hypercall_address reg, nr
    movz \reg, #(\nr << 3)
    movk \reg, #1, lsl #32
.endm

.macro trap_entry entry
    .balign KILN_A64_VECTOR_SPACING
    sub sp, sp, #KILN_A64_FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x0, #\entry
    b trap_common
.endm

.macro nested_entry
    .balign KILN_A64_VECTOR_SPACING
    b trap_nested
.endm

    .text
    .balign KILN_A64_VECTOR_ALIGN
    .globl kiln_vectors
kiln_vectors:
    /* current EL on SP_EL0: the image's code */
    .irp entry, 0, 1, 2, 3
    trap_entry \entry
    .endr
    /* current EL on SP_EL1: the handler's own code */
    .rept 4
    nested_entry
    .endr
    /* lower EL (AArch64, AArch32): nothing runs there; report it all the same */
    .irp entry, 8, 9, 10, 11, 12, 13, 14, 15
    trap_entry \entry
    .endr

trap_common:
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    mrs x2, sp_el0
    stp x30, x2, [sp, #(KILN_A64_FRAME_SP - 8)]
    mrs x2, elr_el1
    mrs x3, spsr_el1
    stp x2, x3, [sp, #KILN_A64_FRAME_ELR]
    mrs x2, esr_el1
    mrs x3, far_el1
    stp x2, x3, [sp, #KILN_A64_FRAME_ESR]
    mov x1, x0
    mov x0, sp
    mov x29, #0
    bl kiln_guest_trap      /* never returns */
    b trap_nested

trap_nested:
    adrp x0, kiln_nested_trap_puts
    add x0, x0, :lo12:kiln_nested_trap_puts
    hypercall_address x1, 2 /* KILN_HC_PUTS */
    str w0, [x1]
    adrp x0, kiln_nested_trap_halt
    add x0, x0, :lo12:kiln_nested_trap_halt
    hypercall_address x1, 8 /* KILN_HC_HALT */
    str w0, [x1]
    b trap_nested

    .section .note.GNU-stack, "", @progbits
