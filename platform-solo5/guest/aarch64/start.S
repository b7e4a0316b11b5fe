/*
 * Entry point of every Kiln hvt image on aarch64. The tender starts it at
 * EL1 with the MMU on, the boot info's address in x0 and SP_EL1 just below
 * the top of guest memory (kiln-hvt and upstream solo5-hvt alike).
 *
 * The bindings run the image on that stack as SP_EL0 and give SP_EL1 a
 * stack of its own, so exceptions (which always switch to SP_EL1) are
 * handled on a good stack even after the image overflowed its own.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    mov x19, x0
    mov x1, sp
    adrp x2, kiln_trap_stack_top
    add x2, x2, :lo12:kiln_trap_stack_top
    mov sp, x2              /* SP_EL1: the trap stack */
    msr sp_el0, x1
    msr spsel, #0           /* from here on sp is SP_EL0 */
    mov x29, #0             /* end of the frame-pointer chain */
    mov x30, #0
    mov x0, x19
    bl kiln_guest_boot      /* never returns */
    brk #0
    .size _start, . - _start

/* The stack exceptions run on. */
    .bss
    .balign 16
    .skip 16384
kiln_trap_stack_top:

    .section .note.GNU-stack, "", @progbits
