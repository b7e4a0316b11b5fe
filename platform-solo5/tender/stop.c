/* stop.c: stop requests to the guest on SIGTERM and SIGINT (see stop.h). */
#define _GNU_SOURCE
#include "stop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "hypercall.h"
#include "solo5.h"

static volatile uint32_t *stop_word;       /* host view of the guest's word, or NULL */
static struct kvm_run *volatile signal_run; /* the vCPU's, to kick KVM_RUN */
static volatile sig_atomic_t requested;    /* signal of the stop request, or 0 */
static volatile sig_atomic_t forced;       /* signal that ends the guest, or 0 */
static volatile sig_atomic_t wakeups;      /* signals POLL has yet to return for */
static volatile int wake_timer = -1;       /* a timerfd in POLL's wait set, or -1 */

static void say(const char *text)
{
    ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
    (void)ignored;
}

/* Only async-signal-safe work: flags, the guest's word, alarm(), write(),
 * timerfd_settime(). */
static void on_signal(int sig)
{
    if (sig == SIGALRM) {
        if (requested && !forced) {
            say("kiln-hvt: the guest did not stop within the grace period\n");
            forced = requested;
        }
    } else if (stop_word != NULL && !requested) {
        requested = sig;
        *stop_word = (uint32_t)sig;
        alarm(KILN_STOP_GRACE_S);
        say(sig == SIGINT ? "kiln-hvt: SIGINT: asking the guest to stop (again, or in " KILN_STOP_GRACE_TEXT ", ends it)\n"
                          : "kiln-hvt: SIGTERM: asking the guest to stop (again, or in " KILN_STOP_GRACE_TEXT ", ends it)\n");
    } else if (!forced) {
        forced = sig;
    }
    wakeups++;
    if (wake_timer >= 0) {
        struct itimerspec now = {.it_value = {.tv_nsec = 1}};
        timerfd_settime(wake_timer, 0, &now, NULL);
    }
    if (signal_run != NULL)
        signal_run->immediate_exit = 1;
}

void kiln_stop_wake_timer(int timer_fd)
{
    wake_timer = timer_fd;
}

static enum kiln_hc_outcome stop_watch(const struct kiln_guest_mem *m, uint64_t gpa, int *status)
{
    struct kiln_hc_stop_watch *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_stop_watch);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_STOP_WATCH, gpa, status);
    uint64_t word = a->word; /* read once: the guest could change it */
    uint32_t *host = (word & 3) == 0 ? kiln_gpa_writable(m, word, sizeof *host) : NULL;
    if (host == NULL) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    *host = (uint32_t)requested;
    stop_word = host;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

void kiln_stop_setup(struct kvm_run *run)
{
    kiln_hc_register(KILN_HC_STOP_WATCH, stop_watch);
    signal_run = run;
    struct sigaction sa = {.sa_handler = on_signal};
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
}

uint32_t kiln_stop_host_features(void)
{
    return KILN_FEATURE_STOP_REQUEST;
}

int kiln_stop_check(struct kvm_run *run)
{
    if (forced) {
        fprintf(stderr, "kiln-hvt: stopped by a signal\n");
        return KILN_STOP_EXIT_STATUS(forced);
    }
    run->immediate_exit = 0;
    return 0;
}

int kiln_stop_epoll_wait(int epfd, struct epoll_event *evs, int max)
{
    if (wakeups != 0) {
        wakeups = 0;
        return 0;
    }
    /* A signal after the check arms the wake timer, which is in (epfd): the
     * wait ends at once, and the next call returns at once for it. No signal
     * mask changes here: urunc's seccomp filter for solo5-hvt has no
     * rt_sigprocmask (deploy/URUNC.md, section 4). */
    int n = epoll_pwait(epfd, evs, max, -1, NULL);
    if (n < 0 && errno == EINTR)
        n = 0;
    return n;
}
