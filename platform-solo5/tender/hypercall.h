/*
 * hypercall.h: the table from hypercall number to handler. Device modules
 * register their calls at setup; the vCPU loop dispatches through it.
 */
#ifndef KILN_HYPERCALL_H
#define KILN_HYPERCALL_H

#include <stdint.h>
#include <stdio.h>

#include "guest_mem.h"
#include "kiln_hvt_abi.h"

/* What the loop does after a handler. */
enum kiln_hc_outcome {
    KILN_HC_CONTINUE,  /* resume the guest */
    KILN_HC_EXIT,      /* stop; *status holds the exit status */
};

typedef enum kiln_hc_outcome (*kiln_hc_handler)(const struct kiln_guest_mem *m,
                                                uint64_t arg_gpa,
                                                int *status);

void kiln_hc_register(unsigned nr, kiln_hc_handler fn);

/* Runs hypercall (nr) with argument block (arg_gpa). Unknown numbers and
 * argument blocks outside guest memory end the guest with a message. */
enum kiln_hc_outcome kiln_hc_dispatch(const struct kiln_guest_mem *m,
                                      unsigned nr, uint64_t arg_gpa,
                                      int *status);

/* Exit status for guests the tender stops: a trap, or a hypercall it must
 * refuse outright because it cannot even report the error. */
#define KILN_EXIT_GUEST_FAULT 255

/* Host pointer to the argument block of (size) bytes at gpa, aligned to
 * (align) as C places it (the tender reads and writes its fields in place),
 * in the guest's writable memory, or readable memory when (read_only); else
 * NULL. */
void *kiln_hc_block(const struct kiln_guest_mem *m, uint64_t gpa, size_t size,
                    size_t align, int read_only);

/* Host pointer to the argument block of type T at gpa, or NULL. */
#define KILN_HC_ARGS(m, gpa, T) ((T *)kiln_hc_block((m), (gpa), sizeof(T), _Alignof(T), 0))

/* The same for a block the tender only reads (no result field): it may lie
 * in the guest's read-only data, as the bindings' fixed trap-path blocks
 * do. */
#define KILN_HC_IN_ARGS(m, gpa, T) \
    ((const T *)kiln_hc_block((m), (gpa), sizeof(T), _Alignof(T), 1))

/* Ends the guest: used when an argument block is outside the memory it may
 * lie in, or misaligned (KILN_HC_ARGS, KILN_HC_IN_ARGS). */
enum kiln_hc_outcome kiln_hc_bad_args(unsigned nr, uint64_t gpa, int *status);
enum kiln_hc_outcome kiln_hc_bad_in_args(unsigned nr, uint64_t gpa, int *status);

/* Work done at every hypercall exit, before the handler, while the vCPU is
 * stopped (serving the frame rings). Returns the handles whose input already
 * waits in guest memory. At most one hook. */
typedef uint64_t (*kiln_exit_hook)(const struct kiln_guest_mem *m);
void kiln_hc_set_exit_hook(kiln_exit_hook fn);
uint64_t kiln_hc_run_exit_hook(const struct kiln_guest_mem *m);

/* What the hook returned at this exit (dispatch runs it). */
uint64_t kiln_hc_pending(void);

/* One line: how many hypercalls of each kind the guest made (for
 * KILN_HVT_STATS=1). */
void kiln_hc_print_counts(FILE *to);

/* Core calls: walltime, puts, poll, halt. */
void kiln_core_setup(void);

/* Adds fd to the set POLL waits on; readiness reports (handle)'s bit. */
int kiln_poll_add(int fd, uint64_t handle);

/* Same with epoll (events), e.g. EPOLLOUT | EPOLLONESHOT; a second call for
 * the same fd replaces its events (re-arms a one-shot watch). 0 or -1. */
int kiln_poll_watch(int fd, uint32_t events, uint64_t handle);

/* Stops watching fd (call before closing it). */
void kiln_poll_forget(int fd);

/* In a forked tender: a poll set of its own with everything the parent's
 * watched except the fds of (drop_handles), a bit per handle. */
void kiln_poll_fork_child(uint64_t drop_handles);

#endif
