/*
 * fork_trace.h: where a VM fork's time goes. With KILN_HVT_FORK_TRACE set,
 * each step of the fork path records a CLOCK_MONOTONIC timestamp, and each
 * of the two tenders prints its steps at the guest's first exit after it
 * resumed (one write, so parent and child lines do not mix). Without it a
 * mark is one test of a flag.
 */
#ifndef KILN_FORK_TRACE_H
#define KILN_FORK_TRACE_H

/* Reads KILN_HVT_FORK_TRACE; call once at start-up. */
void kiln_fork_trace_init(void);

/* A fork call begins: forget earlier marks and record the first. */
void kiln_fork_trace_start(void);

/* Which tender this is, for the report, once fork() has returned. */
void kiln_fork_trace_role(const char *role);

/* Records (step) if a fork is being traced. */
void kiln_fork_trace_mark(const char *step);

/* Called by the run loop after every KVM_RUN: the first after a traced
 * fork marks the guest's first exit and prints the report. */
void kiln_fork_trace_exit(void);

#endif
