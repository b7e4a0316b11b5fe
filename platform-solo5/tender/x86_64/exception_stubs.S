/*
 * exception_stubs.S: code kiln-hvt copies to guest address 0xb000 for CPL3
 * guests, which cannot install handlers themselves. The IDT points vector N
 * at stub N (16 bytes apart). Each runs at CPL0 on the TSS's stack, pushes an
 * error code where the CPU did not, then the vector, and reports the frame
 * (struct kiln_trap_frame) through the trap-report port. The tender never
 * resumes the guest after that. Position-independent: only relative jumps.
 */
    .section .rodata
    .globl kiln_x86_stubs_start, kiln_x86_stubs_end
    .balign 16
kiln_x86_stubs_start:
    .set vector, 0
    .rept 32
    .balign 16
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp 1f
    .set vector, vector + 1
    .endr
1:
    movq %rsp, %rax
    movw $0x57f, %dx        /* KILN_HYPERCALL_PIO_BASE + KILN_HC_TRAP_REPORT */
    outl %eax, %dx
    hlt
    jmp 1b
kiln_x86_stubs_end:

    .section .note.GNU-stack, "", @progbits
