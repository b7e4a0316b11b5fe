/* exit.c: ending the unikernel. */
#include "guest.h"
#include "cpu.h"

void kiln_halt(int status, void *cookie)
{
    volatile struct kiln_hc_halt h = {
        .cookie = (uint64_t)(uintptr_t)cookie,
        .exit_status = status,
    };
    kiln_hypercall(KILN_HC_HALT, &h);
    for (;;) /* a tender never resumes a halted guest */
        ;
}

void solo5_exit(int status)
{
    kiln_halt(status, NULL);
}

void solo5_abort(void)
{
    kiln_puts("Kiln: solo5_abort() called\n");
    kiln_halt(SOLO5_EXIT_ABORT, NULL);
}
