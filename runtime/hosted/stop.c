/*
 * stop.c: SIGTERM and SIGINT on the hosted platform, as kiln-hvt passes them
 * on (kiln_stop_rule.h): the first is a stop request the runtime hands to
 * the app; a second ends the process, and so does the grace period running
 * out (checked in solo5_yield). The signals stay blocked
 * except inside yield's ppoll, so a request never slips in between the
 * check and the wait.
 */
#include <signal.h>
#include <stdint.h>

#include "hosted.h"
#include "kiln_stop.h"
#include "kiln_stop_rule.h"
#include "sys.h"

static volatile int stop_signal; /* of the request, or 0 */
static solo5_time_t stop_at;     /* monotonic time of the request */

#define GRACE_NS (KILN_STOP_GRACE_S * 1000000000ull)

#define SIG_BIT(sig) (1ull << ((sig) - 1))
#define STOP_SIGNALS (SIG_BIT(SIGTERM) | SIG_BIT(SIGINT))

/* Returns from a handler: what libc's restorer does. */
__attribute__((naked)) static void restore(void)
{
    __asm__ volatile("mov $15, %eax\n\tsyscall"); /* rt_sigreturn */
}

static void on_signal(int sig)
{
    if (stop_signal != 0)
        sys_call3(SYS_exit_group, KILN_STOP_EXIT_STATUS(sig), 0, 0);
    stop_signal = sig;
}

void hosted_stop_setup(void)
{
    struct kernel_sigaction sa = {.handler = on_signal, .flags = KERNEL_SA_RESTORER, .restorer = restore, .mask = 0};
    uint64_t block = STOP_SIGNALS;
    if (sys_call4(SYS_rt_sigaction, SIGTERM, &sa, 0, sizeof sa.mask) < 0 ||
        sys_call4(SYS_rt_sigaction, SIGINT, &sa, 0, sizeof sa.mask) < 0 ||
        sys_call4(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, sizeof block) < 0)
        hosted_fail("cannot install the SIGTERM/SIGINT handlers");
}

solo5_time_t hosted_stop_deadline(solo5_time_t deadline)
{
    if (stop_signal == 0)
        return deadline;
    if (stop_at == 0)
        stop_at = solo5_clock_monotonic();
    solo5_time_t end = stop_at + GRACE_NS;
    if (solo5_clock_monotonic() >= end) {
        hosted_say("kiln: the app did not stop within the grace period; ending it");
        sys_call3(SYS_exit_group, KILN_STOP_EXIT_STATUS(stop_signal), 0, 0);
    }
    return deadline < end ? deadline : end;
}

int kiln_stop_signal(void)
{
    return stop_signal;
}
