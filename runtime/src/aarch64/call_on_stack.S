/*
 * call_on_stack.S: int kiln_call_on_stack(void *top, int (*fn)(void *), void *arg)
 * Calls fn(arg) with the stack pointer at (top) rounded down to 16 bytes,
 * and returns its result on the caller's stack again. The JavaScript engine
 * runs on a stack carved from the heap, larger than the platform's own.
 */
    .text
    .globl kiln_call_on_stack
    .type kiln_call_on_stack, @function
kiln_call_on_stack:
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    and x9, x0, #-16
    mov sp, x9
    mov x0, x2
    blr x1
    mov sp, x29
    ldp x29, x30, [sp], #16
    ret
    .size kiln_call_on_stack, . - kiln_call_on_stack

    .section .note.GNU-stack, "", @progbits
