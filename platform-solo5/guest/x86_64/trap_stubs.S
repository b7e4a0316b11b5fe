/*
 * trap_stubs.S: exception entry points for the IDT the bindings install when
 * they run at CPL0 (upstream solo5-hvt). They end in kiln_guest_trap with
 * the frame (struct kiln_trap_frame).
 */
#include "kiln_x86_exceptions.h"

    .text
    .balign KILN_X86_STUB_SPACING
    .globl kiln_trap_stubs
kiln_trap_stubs:
    KILN_X86_EXCEPTION_STUBS trap_common

trap_common:
    movq %rsp, %rdi
    andq $-16, %rsp
    call kiln_guest_trap    /* never returns */
    ud2

    .section .note.GNU-stack, "", @progbits
