/*
 * fork.h: the KILN_FORK device: copying the running VM into a forked tender
 * (KILN_HC_FORK) and waiting for such children (KILN_HC_WAIT).
 */
#ifndef KILN_FORK_H
#define KILN_FORK_H

#include "kiln_hvt_abi.h"
#include "kiln_mft_abi.h"
#include "vm.h"

/* At most this many children live (not yet waited for) per tender. */
#define KILN_FORK_MAX_CHILDREN 64

/* Registers the calls for the manifest's fork device (index). */
void kiln_fork_attach(const struct kiln_mft *mft, unsigned index);

/* The VM the fork call copies; call once it exists, before its vCPU is set
 * up (an image with a fork device has the fresh vCPU's state noted). 0, or
 * -1 with a reason. */
int kiln_fork_bind_vm(struct kiln_vm *vm, char *err, size_t errlen);

/* As this tender ends (on exit, or from a signal handler: async-signal-
 * safe): the children it still has die with it (PR_SET_PDEATHSIG) and
 * nobody else will reap them, so their places in the tree go back now
 * (fork_tree.h). */
void kiln_fork_give_back_children(void);

#endif
