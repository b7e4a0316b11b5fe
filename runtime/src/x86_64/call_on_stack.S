/*
 * call_on_stack.S: int kiln_call_on_stack(void *top, int (*fn)(void *), void *arg)
 * Calls fn(arg) with the stack pointer at (top), a 16-byte aligned address,
 * and returns its result on the caller's stack again. The JavaScript engine
 * runs on a stack carved from the heap, larger than the platform's own.
 */
    .text
    .globl kiln_call_on_stack
    .type kiln_call_on_stack, @function
kiln_call_on_stack:
    pushq %rbp
    movq %rsp, %rbp
    andq $-16, %rdi
    movq %rdi, %rsp
    movq %rdx, %rdi
    call *%rsi
    movq %rbp, %rsp
    popq %rbp
    ret
    .size kiln_call_on_stack, . - kiln_call_on_stack

    .section .note.GNU-stack, "", @progbits
