/*
 * trap_stubs.S: exception entry points for the IDT the bindings install when
 * they run at CPL0 (upstream solo5-hvt). Each stub pushes an error code where
 * the CPU did not, then the vector, and calls kiln_guest_trap with the frame
 * (struct kiln_trap_frame). Stubs are 16 bytes apart so the IDT can be
 * filled by arithmetic.
 */
    .text
    .balign 16
    .globl kiln_trap_stubs
kiln_trap_stubs:
    .set vector, 0
    .rept 32
    .balign 16
    /* Vectors 8, 10-14, 17, 21, 29, 30 come with an error code. */
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    .set vector, vector + 1
    .endr

trap_common:
    movq %rsp, %rdi
    andq $-16, %rsp
    call kiln_guest_trap    /* never returns */
    ud2

    .section .note.GNU-stack, "", @progbits
