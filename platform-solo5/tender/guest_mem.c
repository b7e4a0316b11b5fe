/* guest_mem.c: reserving guest memory, and checked translation of guest
 * addresses. */
#define _GNU_SOURCE
#include "guest_mem.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <ucontext.h>

/* A huge page of the host (x86_64 and 4 KiB-granule aarch64). */
#define HUGE_PAGE (2UL << 20)

/* SIGSYS from a seccomp filter's TRAP action: the call was not made; make
 * it return -ENOSYS (the kernel leaves the return register to the handler). */
static void fail_trapped_call(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)info;
    ucontext_t *uc = context;
#if defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
    uc->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#endif
}

/* Huge pages: fewer first-touch faults, and fork() copies one entry per
 * 2 MiB instead of 512. Only a hint: a seccomp filter that traps madvise
 * (urunc's for solo5-hvt does, deploy/URUNC.md section 4) must not kill
 * the tender over it, so SIGSYS fails the call while it is made. */
static void advise_huge_pages(void *p, size_t size)
{
    struct sigaction fail = {.sa_sigaction = fail_trapped_call, .sa_flags = SA_SIGINFO};
    struct sigaction old;
    sigemptyset(&fail.sa_mask);
    if (sigaction(SIGSYS, &fail, &old) != 0)
        return;
    madvise(p, size, MADV_HUGEPAGE);
    sigaction(SIGSYS, &old, NULL);
}

uint8_t *kiln_guest_mem_reserve(uint64_t size)
{
    /* KVM maps guest memory with a huge page only where guest and host
     * addresses sit at the same offset in one: a 2 MiB-aligned start gives
     * the guest 2 MiB mappings (fewer faults to fill them, after a fork
     * too). mmap aligns to 4 KiB only: ask for more and trim. */
    size_t span = size + HUGE_PAGE;
    uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t head = (HUGE_PAGE - (uintptr_t)p % HUGE_PAGE) % HUGE_PAGE;
    if (head != 0)
        munmap(p, head);
    munmap(p + head + size, span - head - size);
    advise_huge_pages(p + head, size);
    return p + head;
}

static void *checked(const struct kiln_guest_mem *m, uint64_t gpa,
                     uint64_t len, uint64_t lowest, unsigned need)
{
    if (gpa < lowest || gpa > m->size || len > m->size - gpa)
        return NULL;
    /* The host mapping enforces the map: touching such a page would stop
     * the tender, not the guest. */
    if (m->map != NULL && kiln_mem_map_lacks(m->map, gpa, len, need))
        return NULL;
    return m->base + gpa;
}

const void *kiln_gpa_readable(const struct kiln_guest_mem *m, uint64_t gpa,
                              uint64_t len)
{
    return checked(m, gpa, len, KILN_BOOT_INFO_BASE, KILN_ACCESS_R);
}

void *kiln_gpa_writable(const struct kiln_guest_mem *m, uint64_t gpa,
                        uint64_t len)
{
    return checked(m, gpa, len, KILN_GUEST_MIN_BASE, KILN_ACCESS_W);
}
