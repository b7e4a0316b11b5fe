/* fork.c: the guest's side of KILN_HC_FORK and KILN_HC_WAIT. */
#include "guest.h"
#include "cpu.h"
#include "kiln_fork_pipe.h"

int kiln_fork(uint64_t *child)
{
    if (kiln_device_handle(KILN_MFT_KILN_FORK) < 0 || child == NULL)
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_fork a = {.ret = SOLO5_R_EUNSPEC};
    kiln_hypercall(KILN_HC_FORK, &a);
    *child = a.child;
    return a.ret;
}

int kiln_wait(uint64_t child, int *status)
{
    if (kiln_device_handle(KILN_MFT_KILN_FORK) < 0 || status == NULL)
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_wait a = {.child = child, .ret = SOLO5_R_EUNSPEC};
    kiln_hypercall(KILN_HC_WAIT, &a);
    if (a.ret == SOLO5_R_OK)
        *status = a.status;
    return a.ret;
}

solo5_handle_set_t kiln_fork_ready_set(void)
{
    int64_t h = kiln_device_handle(KILN_MFT_KILN_FORK);
    return h < 0 ? 0 : 1ULL << h;
}
