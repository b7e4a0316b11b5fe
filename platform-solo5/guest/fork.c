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
    /* The child's network devices are new ones (a tap of its own and a new
     * MAC, or none): it may acquire them again to learn their MAC. */
    if (a.ret == SOLO5_R_OK && a.child == 0)
        for (uint32_t i = 1; i < kiln_guest.mft->entries; i++)
            if (kiln_guest.mft->e[i].type == KILN_MFT_NET_BASIC)
                kiln_guest.acquired &= ~(1ULL << i);
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
