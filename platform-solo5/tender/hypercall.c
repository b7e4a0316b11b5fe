/* hypercall.c: dispatch from hypercall numbers to handlers. */
#include "hypercall.h"

#include <stdio.h>

#include "arch.h"

static kiln_hc_handler handlers[KILN_HC_END];
static kiln_exit_hook exit_hook;
static uint64_t pending;

void kiln_hc_set_exit_hook(kiln_exit_hook fn)
{
    exit_hook = fn;
}

uint64_t kiln_hc_run_exit_hook(const struct kiln_guest_mem *m)
{
    pending = exit_hook ? exit_hook(m) : 0;
    return pending;
}

uint64_t kiln_hc_pending(void)
{
    return pending;
}

void kiln_hc_register(unsigned nr, kiln_hc_handler fn)
{
    handlers[nr] = fn;
}

enum kiln_hc_outcome kiln_hc_bad_args(unsigned nr, uint64_t gpa, int *status)
{
    fprintf(stderr, "kiln-hvt: guest hypercall %u: argument block at 0x%llx "
            "is not in its writable memory; stopping the guest\n", nr,
            (unsigned long long)gpa);
    *status = KILN_EXIT_GUEST_FAULT;
    return KILN_HC_EXIT;
}

enum kiln_hc_outcome kiln_hc_dispatch(const struct kiln_guest_mem *m,
                                      unsigned nr, uint64_t arg_gpa,
                                      int *status)
{
    if (nr >= KILN_HC_END || handlers[nr] == NULL) {
        fprintf(stderr, "kiln-hvt: guest made unknown hypercall %u (%s "
                "0x%llx); stopping the guest\n", nr, KILN_ARCH_HC_WHERE,
                KILN_ARCH_HC_LOCATION(nr));
        *status = KILN_EXIT_GUEST_FAULT;
        return KILN_HC_EXIT;
    }
    kiln_hc_run_exit_hook(m);
    return handlers[nr](m, arg_gpa, status);
}
