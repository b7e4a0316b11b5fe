/*
 * sys.h: raw Linux system calls for the hosted platform (x86_64). Like a
 * Solo5 tender, the hosted platform talks to the kernel directly: the libc
 * linked into the image has its system-call paths replaced by the runtime.
 * Each returns the kernel's result: negative errno on failure.
 */
#ifndef KILN_HOSTED_SYS_H
#define KILN_HOSTED_SYS_H

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

/* The kernel's struct sigaction for rt_sigaction (not libc's). x86_64
 * wants a restorer (SA_RESTORER) that makes the rt_sigreturn call. */
struct kernel_sigaction {
    union {
        void (*handler)(int);
        void (*action)(int, siginfo_t *, void *); /* with SA_SIGINFO */
    };
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
#define KERNEL_SA_RESTORER 0x04000000UL

static inline long sys_call6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

#define sys_call3(n, a, b, c) sys_call6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys_call4(n, a, b, c, d) sys_call6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

#endif
