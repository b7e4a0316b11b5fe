/*
 * exception_stubs.S: code kiln-hvt copies to guest address 0xb000 for CPL3
 * guests, which cannot install handlers themselves. The IDT points vector N
 * at stub N. They run at CPL0 on the TSS's stack and report the frame
 * (struct kiln_trap_frame) through the trap-report port; the tender never
 * resumes the guest after that. Position-independent: only relative jumps.
 */
#include "kiln_x86_exceptions.h"

    .section .rodata
    .globl kiln_x86_stubs_start, kiln_x86_stubs_end
    .balign KILN_X86_STUB_SPACING
kiln_x86_stubs_start:
    KILN_X86_EXCEPTION_STUBS report
report:
    movq %rsp, %rax
    movw $0x57f, %dx        /* KILN_HYPERCALL_PIO_BASE + KILN_HC_TRAP_REPORT */
    outl %eax, %dx
    hlt
    jmp report
kiln_x86_stubs_end:

    .section .note.GNU-stack, "", @progbits
