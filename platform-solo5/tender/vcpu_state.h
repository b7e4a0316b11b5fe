/*
 * vcpu_state.h: a snapshot of the vCPU, taken in the tender that forks and
 * restored into the forked tender's fresh vCPU (a KVM VM belongs to the
 * process that created it, so the child cannot keep using the parent's).
 */
#ifndef KILN_VCPU_STATE_H
#define KILN_VCPU_STATE_H

#include <stddef.h>

#include "vm.h"

struct kiln_vcpu_state;

/* Completes the exit in progress (the guest's hypercall instruction) and
 * saves everything the guest can observe. NULL with a reason in err. */
struct kiln_vcpu_state *kiln_vcpu_save(struct kiln_vm *vm, char *err,
                                       size_t errlen);

/* Loads (s) into (vm)'s vCPU; the guest's clock keeps running from where
 * the snapshot left it. 0, or -1 with a reason. */
int kiln_vcpu_restore(struct kiln_vm *vm, const struct kiln_vcpu_state *s,
                      char *err, size_t errlen);

void kiln_vcpu_state_free(struct kiln_vcpu_state *s);

/* Notes what (vm)'s vCPU holds before the guest's set-up, which is what a
 * forked tender's fresh vCPU will hold, so a restore can skip what it need
 * not write. Call once, between creating the vCPU and setting it up. 0, or
 * -1 with a reason. */
int kiln_vcpu_note_reset(struct kiln_vm *vm, char *err, size_t errlen);

#endif
