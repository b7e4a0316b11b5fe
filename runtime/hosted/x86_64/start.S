/*
 * start.S: process entry of the hosted platform. The kernel leaves argc,
 * argv and envp on the stack; pass that address on with the stack aligned
 * as the C ABI wants.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    movq %rsp, %rdi
    andq $-16, %rsp
    call kiln_hosted_main
    hlt
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
