/* vm_common.c: the KVM parts both architectures share: creating the VM, its
 * memory and one vCPU with its shared run area (the rest is
 * kiln_vm_arch_create), again in a forked tender, the run loop (each exit
 * served by kiln_vm_arch_exit), and reporting exits no architecture
 * handles. */
#define _GNU_SOURCE
#include "vm.h"
#include "fail.h"
#include "fork_trace.h"
#include "kiln_hvt_abi.h"
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The VM, its memory and the vCPU, whose kvm_run area goes at (run_at)
 * when given (replacing what is mapped there), else anywhere. */
static int create_vm_and_vcpu(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                              void *run_at, char *err, size_t errlen)
{
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0)
        return kiln_fail(err, errlen, "KVM: creating the VM: %s", strerror(errno));
    kiln_fork_trace_mark("KVM_CREATE_VM");
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = mem->size,
        .userspace_addr = (uint64_t)(uintptr_t)mem->base,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) != 0)
        return kiln_fail(err, errlen, "KVM: adding guest memory: %s",
                         strerror(errno));
    kiln_fork_trace_mark("KVM_SET_USER_MEMORY_REGION");
    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0)
        return kiln_fail(err, errlen, "KVM: creating the vCPU: %s", strerror(errno));
    kiln_fork_trace_mark("KVM_CREATE_VCPU");
    vm->run = mmap(run_at, vm->run_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | (run_at ? MAP_FIXED : 0), vm->vcpu_fd, 0);
    if (vm->run == MAP_FAILED)
        return kiln_fail(err, errlen, "KVM: mapping the vCPU: %s", strerror(errno));
    kiln_fork_trace_mark("kvm_run mapped");
    return kiln_vm_arch_create(vm, err, errlen);
}

int kiln_vm_create(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                   char *err, size_t errlen)
{
    memset(vm, 0, sizeof *vm);
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0)
        return kiln_fail(err, errlen, "/dev/kvm: %s", strerror(errno));
    if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return kiln_fail(err, errlen, "KVM: unsupported API version");
    int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0)
        return kiln_fail(err, errlen, "KVM: vCPU mmap size: %s", strerror(errno));
    vm->run_size = (size_t)run_size;
    return create_vm_and_vcpu(vm, mem, NULL, err, errlen);
}

/* Everything the forked tender can take over from its parent is kept: one
 * open(), one mmap size and one CPUID read fewer, and the run loop's
 * kvm_run pointer stays good. */
int kiln_vm_recreate(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                     char *err, size_t errlen)
{
    close(vm->vcpu_fd);
    close(vm->vm_fd);
    vm->vm_fd = vm->vcpu_fd = -1;
    kiln_fork_trace_mark("parent's VM and vCPU fds closed");
    return create_vm_and_vcpu(vm, mem, vm->run, err, errlen);
}

int kiln_vm_complete_exit(struct kiln_vm *vm, char *err, size_t errlen)
{
    vm->run->immediate_exit = 1;
    int rc = ioctl(vm->vcpu_fd, KVM_RUN, 0);
    vm->run->immediate_exit = 0;
    if (rc == 0 || errno != EINTR)
        return kiln_fail(err, errlen, "KVM: completing the exit: %s",
                         rc == 0 ? "the guest ran" : strerror(errno));
    kiln_fork_trace_mark("exit completed (KVM_RUN, immediate_exit)");
    return 0;
}

/* One entry into the guest: 0 when it exited for kiln_vm_arch_exit to
 * serve; else 1, with the exit status in *status: a signal ended the guest,
 * or KVM_RUN failed (kiln_vm_arch_run_failed reported it). */
static int enter(struct kiln_vm *vm, int *status)
{
    for (;;) {
        kiln_fork_trace_mark("entering KVM_RUN");
        if (ioctl(vm->vcpu_fd, KVM_RUN, 0) == 0) {
            kiln_fork_trace_exit();
            return 0;
        }
        if (errno == EINTR) {
            /* A signal: end the guest, or let it see its stop request. */
            *status = kiln_stop_check(vm->run);
            if (*status != 0)
                return 1;
            continue;
        }
        if (errno != EAGAIN) {
            *status = kiln_vm_arch_run_failed(vm, errno);
            return 1;
        }
    }
}

int kiln_vm_run(struct kiln_vm *vm, const struct kiln_guest_mem *mem)
{
    for (;;) {
        int status;
        if (enter(vm, &status) != 0 || kiln_vm_arch_exit(vm, mem, &status) != 0)
            return status;
    }
}

int kiln_vm_host_fault(const char *pc_name, unsigned long long pc, uint64_t gpa)
{
    fprintf(stderr, "kiln-hvt: KVM: host/guest translation fault: %s=0x%llx", pc_name, pc);
    if (gpa != KILN_GPA_UNKNOWN)
        fprintf(stderr, ", address=0x%llx", (unsigned long long)gpa);
    fprintf(stderr, " (the guest wrote to its read-only text or data, or "
            "touched its stack guard page); stopping the guest\n");
    return 1;
}

int kiln_vm_unhandled_exit(const struct kvm_run *run, const char *pc_name,
                           unsigned long long pc)
{
    switch (run->exit_reason) {
    case KVM_EXIT_FAIL_ENTRY:
        fprintf(stderr, "kiln-hvt: KVM entry failure, reason 0x%llx\n",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        fprintf(stderr, "kiln-hvt: KVM internal error, suberror %u (%s=0x%llx)\n",
                run->internal.suberror, pc_name, pc);
        break;
    default:
        fprintf(stderr, "kiln-hvt: unexpected KVM exit %u (%s=0x%llx)\n",
                run->exit_reason, pc_name, pc);
    }
    return 1;
}

int kiln_vm_mmio_hypercall(const struct kvm_run *run, const char *pc_name,
                           unsigned long long pc, unsigned *nr, uint32_t *arg)
{
    uint64_t addr = run->mmio.phys_addr;
    uint64_t offset = addr - KILN_HYPERCALL_MMIO_BASE;
    if (addr < KILN_HYPERCALL_MMIO_BASE || offset >= (uint64_t)KILN_HC_END << 3 ||
        offset % 8 != 0 || !run->mmio.is_write || run->mmio.len != 4) {
        fprintf(stderr, "kiln-hvt: guest %s %u bytes at 0x%llx, outside its "
                "memory and not a hypercall (%s=0x%llx); stopping the guest\n",
                run->mmio.is_write ? "wrote" : "read", run->mmio.len,
                (unsigned long long)addr, pc_name, pc);
        return -1;
    }
    memcpy(arg, run->mmio.data, sizeof *arg);
    *nr = (unsigned)(offset >> 3);
    return 0;
}
