/*
 * Entry point of every Kiln hvt image. The tender passes the boot info's
 * address in %rdi and a stack just below the top of guest memory in %rsp.
 * At CPL3 (kiln-hvt) and at CPL0 (upstream solo5-hvt) alike.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp         /* end of the frame-pointer chain */
    andq $-16, %rsp         /* SysV call alignment */
    call kiln_guest_boot    /* never returns */
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
