/* yield.c: sleeping until a deadline or device input. */
#include "guest.h"
#include "cpu.h"

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    solo5_time_t now = solo5_clock_monotonic();
    volatile struct kiln_hc_poll p = {
        .timeout_nsecs = deadline > now ? deadline - now : 0,
    };
    kiln_hypercall(KILN_HC_POLL, &p);
    if (ready_set != NULL)
        *ready_set = p.ready_set;
}
