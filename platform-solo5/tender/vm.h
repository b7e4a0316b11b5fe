/* vm.h: the KVM virtual machine: one vCPU over the guest's memory. */
#ifndef KILN_VM_H
#define KILN_VM_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

struct kvm_run;

struct kiln_vm {
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint64_t tsc_hz; /* the guest's cycle counter (TSC, CNTVCT_EL0), Hz */
};

/* Opens /dev/kvm, creates the VM with (mem) as its memory and one vCPU,
 * and reads the cycle counter's frequency. 0, or -1 with a one-line
 * reason. */
int kiln_vm_create(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                   char *err, size_t errlen);

/* In a forked tender: replaces (vm)'s VM and vCPU, which belong to the
 * parent, with new ones over (mem). Keeps what is not tied to a VM: the
 * /dev/kvm fd, the counter's frequency, the kvm_run address (the new area
 * is mapped over the old one) and what the architecture read from KVM once
 * (CPUID). 0, or -1 with a reason. */
int kiln_vm_recreate(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                     char *err, size_t errlen);

/* The architecture's part of kiln_vm_create and kiln_vm_recreate, once the
 * vCPU exists (x86_64: CPUID; aarch64: vCPU init), reading the cycle
 * counter's frequency when vm->tsc_hz is still 0. 0, or -1 with a one-line
 * reason. */
int kiln_vm_arch_create(struct kiln_vm *vm, char *err, size_t errlen);

/* Sets the vCPU to start at (entry) in long mode, at CPL3 when user_mode,
 * else at CPL0 as upstream solo5-hvt does. 0, or -1 with a reason. */
int kiln_vm_init_vcpu(struct kiln_vm *vm, uint64_t entry, uint64_t mem_size,
                      int user_mode, char *err, size_t errlen);

/* Finishes the exit in progress without entering the guest: KVM moves the
 * program counter past the hypercall's `out` or MMIO store only on the next
 * KVM_RUN, which immediate_exit makes return at once. 0, or -1 with a
 * reason. */
int kiln_vm_complete_exit(struct kiln_vm *vm, char *err, size_t errlen);

/* An MMIO exit that is a hypercall: a 4-byte store into the hypercall
 * window (KILN_HYPERCALL_MMIO_ADDR). Sets *nr and *arg and returns 0; -1
 * (after a line on stderr naming the access and the guest's program
 * counter) for any other access outside guest memory. */
int kiln_vm_mmio_hypercall(const struct kvm_run *run, const char *pc_name,
                           unsigned long long pc, unsigned *nr, uint32_t *arg);

/* Reports an exit the run loop does not handle (entry failure, internal
 * error, anything unexpected) with the guest's program counter; returns 1,
 * the status for the tender's own failures. */
int kiln_vm_unhandled_exit(const struct kvm_run *run, const char *pc_name,
                           unsigned long long pc);

/* Reports a guest access the host mapping of guest memory refused: a
 * write to the image's read-only memory that the guest's own page tables
 * let through, or a touch of its guard page. KVM says so by failing
 * KVM_RUN with EFAULT (gpa unknown: KILN_GPA_UNKNOWN) or, when it emulated
 * the access, by an MMIO exit at an address inside guest memory. In the
 * words of upstream's solo5-hvt; returns 1, upstream's status for it. */
#define KILN_GPA_UNKNOWN UINT64_MAX
int kiln_vm_host_fault(const char *pc_name, unsigned long long pc, uint64_t gpa);

/* The architecture's part of kiln_vm_run: serves the exit the guest just
 * made (vm->run->exit_reason). 0 to run it on; 1 when it must stop, with
 * its exit status in *status. */
int kiln_vm_arch_exit(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                      int *status);

/* The architecture's report of KVM_RUN failing with (error) (not EINTR or
 * EAGAIN), naming the guest's program counter; the exit status. */
int kiln_vm_arch_run_failed(struct kiln_vm *vm, int error);

/* Runs the guest until it halts or must be stopped; returns the exit
 * status. KVM_RUN is entered again after EAGAIN and after a signal that
 * does not end the guest (kiln_stop_check). */
int kiln_vm_run(struct kiln_vm *vm, const struct kiln_guest_mem *mem);

#endif
