/*
 * stop.h: SIGTERM and SIGINT. A guest that registered a stop word
 * (KILN_FEATURE_STOP_REQUEST) is asked to stop: the signal's number goes
 * into the word and POLL returns to it at once; a second signal, or the
 * grace period, ends it. A guest that did not register is ended at once
 * (kiln_stop_rule.h).
 * Either way the tender leaves through its normal exit path, so its atexit
 * handlers give back pipe ends, pool taps and fork-tree places.
 */
#ifndef KILN_STOP_H
#define KILN_STOP_H

#include <stdint.h>
#include <sys/epoll.h>

#include "kiln_stop_rule.h"

struct kvm_run;

/* Registers KILN_HC_STOP_WATCH and installs the signal handlers; (run) is
 * the vCPU's kvm_run area, whose immediate_exit the handlers set so that a
 * signal arriving just before KVM_RUN is not missed. */
void kiln_stop_setup(struct kvm_run *run);

/* KILN_FEATURE_STOP_REQUEST, for the boot info. */
uint32_t kiln_stop_host_features(void);

/* For the run loops when KVM_RUN returns EINTR: the exit status
 * (KILN_STOP_EXIT_STATUS) when the guest must end now, after saying so on
 * stderr; else 0, and the guest runs on. */
int kiln_stop_check(struct kvm_run *run);

/* The timerfd (in the wait set of kiln_stop_epoll_wait) a signal arms to
 * end a wait it arrived just before. */
void kiln_stop_wake_timer(int timer_fd);
/* epoll_wait with no timeout on (epfd) that also returns, with 0 events,
 * when a signal came that the guest has not been woken for yet; without
 * the race of a signal arriving just before the wait (the wake timer). */
int kiln_stop_epoll_wait(int epfd, struct epoll_event *evs, int max);

#endif
