/* Architecture-specific half of kvm-smoke: guest code, vCPU set-up and
 * the reading of exits. kvm-smoke.c holds everything the two share. */
#ifndef KVM_SMOKE_H
#define KVM_SMOKE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* The guest writes this byte once per loop iteration. */
#define SMOKE_BYTE 'K'

enum smoke_exit {
	SMOKE_EXIT_WRITE, /* the guest wrote one byte to the smoke port/address */
	SMOKE_EXIT_HALT,  /* the guest stopped itself (hlt / PSCI SYSTEM_OFF) */
	SMOKE_EXIT_OTHER, /* anything else: a failure */
};

struct smoke_arch {
	const char *name;
	const uint8_t *code;   /* guest machine code, copied to guest_base */
	size_t code_len;
	uint64_t guest_base;   /* guest-physical address of the memory slot */
	uint64_t entry;        /* guest-physical address the vCPU starts at */
};

extern const struct smoke_arch smoke_arch;

/* Prepares the freshly created vCPU to run smoke_arch.code from
 * smoke_arch.entry with the loop counter set to count (>= 1).
 * Returns 0, or -1 with errno set and a message printed. */
int smoke_setup_vcpu(int vm_fd, int vcpu_fd, uint32_t count);

/* Classifies the exit in run; for SMOKE_EXIT_WRITE, *byte gets the value
 * written. The access must be exactly the one the guest code makes
 * (one byte, at the smoke port/address); anything else is SMOKE_EXIT_OTHER. */
enum smoke_exit smoke_classify_exit(const struct kvm_run *run, uint8_t *byte);

/* Prints a one-line description of an unexpected exit to stderr if it is
 * of a kind only this architecture has; returns 1 if it did, else 0. */
int smoke_describe_arch_exit(const struct kvm_run *run);

#endif
