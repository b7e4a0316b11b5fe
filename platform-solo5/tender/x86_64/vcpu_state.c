/* vcpu_state.c: the x86_64 vCPU snapshot: general, segment and control
 * registers (FS and GS bases included), FPU/SSE/AVX state through XSAVE,
 * XCR0, and the MSRs a Kiln guest can notice (the TSC, which its clocks
 * read, and the swapped GS base). */
#define _GNU_SOURCE
#include "../vcpu_state.h"
#include "../fail.h"
#include "../fork_trace.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MSR_IA32_TSC 0x10
#define MSR_IA32_CR_PAT 0x277
#define MSR_KERNEL_GS_BASE 0xc0000102

static const uint32_t saved_msrs[] = {MSR_IA32_TSC, MSR_IA32_CR_PAT,
                                      MSR_KERNEL_GS_BASE};
#define N_MSRS (sizeof saved_msrs / sizeof saved_msrs[0])

struct msr_list {
    struct kvm_msrs h;
    struct kvm_msr_entry e[N_MSRS];
};

struct kiln_vcpu_state {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int has_xsave, has_xcrs;
    struct kvm_xsave xsave;
    struct kvm_fpu fpu;
    struct kvm_xcrs xcrs;
    struct msr_list msrs;
    int has_tsc_offset;
    uint64_t tsc_offset; /* guest TSC - host TSC */
    uint64_t host_tsc;   /* the host's TSC when the guest's was read */
};

/* The vCPU's TSC offset attribute (Linux 5.16+): guest TSC = host TSC +
 * offset, so the same offset continues the guest's clock exactly. A written
 * TSC MSR is not enough on its own: KVM takes a write close to a fresh
 * vCPU's value as an attempt to synchronise and keeps its own offset. */
static int tsc_offset(int vcpu_fd, uint64_t *offset, int set)
{
    struct kvm_device_attr attr = {.group = KVM_VCPU_TSC_CTRL,
                                   .attr = KVM_VCPU_TSC_OFFSET,
                                   .addr = (uint64_t)(uintptr_t)offset};
    return ioctl(vcpu_fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
                 &attr);
}

static uint64_t host_tsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

struct kiln_vcpu_state *kiln_vcpu_save(struct kiln_vm *vm, char *err,
                                       size_t errlen)
{
    struct kiln_vcpu_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        kiln_fail(err, errlen, "out of memory");
        return NULL;
    }
    if (kiln_vm_complete_exit(vm, err, errlen) != 0)
        goto fail;
    s->msrs.h.nmsrs = N_MSRS;
    for (size_t i = 0; i < N_MSRS; i++)
        s->msrs.e[i].index = saved_msrs[i];
    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &s->regs) != 0 ||
        ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s->sregs) != 0) {
        kiln_fail(err, errlen, "KVM: reading registers: %s", strerror(errno));
        goto fail;
    }
    s->has_xsave = ioctl(vm->vcpu_fd, KVM_GET_XSAVE, &s->xsave) == 0;
    if (!s->has_xsave && ioctl(vm->vcpu_fd, KVM_GET_FPU, &s->fpu) != 0) {
        kiln_fail(err, errlen, "KVM: reading FPU state: %s", strerror(errno));
        goto fail;
    }
    s->has_xcrs = ioctl(vm->vcpu_fd, KVM_GET_XCRS, &s->xcrs) == 0;
    s->has_tsc_offset = tsc_offset(vm->vcpu_fd, &s->tsc_offset, 0) == 0;
    s->host_tsc = host_tsc();
    if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, &s->msrs) != (int)N_MSRS) {
        kiln_fail(err, errlen, "KVM: reading MSRs: %s", strerror(errno));
        goto fail;
    }
    kiln_fork_trace_mark("registers, XSAVE, XCRs, MSRs read");
    return s;
fail:
    free(s);
    return NULL;
}

int kiln_vcpu_restore(struct kiln_vm *vm, const struct kiln_vcpu_state *s,
                      char *err, size_t errlen)
{
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s->sregs) != 0)
        return kiln_fail(err, errlen, "KVM: setting registers: %s",
                         strerror(errno));
    kiln_fork_trace_mark("KVM_SET_SREGS");
    if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &s->regs) != 0)
        return kiln_fail(err, errlen, "KVM: setting registers: %s",
                         strerror(errno));
    kiln_fork_trace_mark("KVM_SET_REGS");
    if (s->has_xcrs && ioctl(vm->vcpu_fd, KVM_SET_XCRS, &s->xcrs) != 0)
        return kiln_fail(err, errlen, "KVM: setting XCR0: %s", strerror(errno));
    kiln_fork_trace_mark("KVM_SET_XCRS");
    if (s->has_xsave ? ioctl(vm->vcpu_fd, KVM_SET_XSAVE, &s->xsave) != 0
                     : ioctl(vm->vcpu_fd, KVM_SET_FPU, &s->fpu) != 0)
        return kiln_fail(err, errlen, "KVM: setting FPU state: %s",
                         strerror(errno));
    kiln_fork_trace_mark("KVM_SET_XSAVE");
    /* The guest's TSC goes on from its value at the fork, plus the time the
     * fork took, so its monotonic clock never steps back. */
    struct msr_list msrs = s->msrs;
    for (size_t i = 0; i < N_MSRS; i++)
        if (msrs.e[i].index == MSR_IA32_TSC)
            msrs.e[i].data += host_tsc() - s->host_tsc;
    if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, &msrs) != (int)N_MSRS)
        return kiln_fail(err, errlen, "KVM: setting MSRs: %s", strerror(errno));
    kiln_fork_trace_mark("KVM_SET_MSRS");
    uint64_t offset = s->tsc_offset;
    if (s->has_tsc_offset && tsc_offset(vm->vcpu_fd, &offset, 1) != 0)
        return kiln_fail(err, errlen, "KVM: setting the TSC offset: %s",
                         strerror(errno));
    kiln_fork_trace_mark("KVM_SET_DEVICE_ATTR (TSC offset)");
    return 0;
}

/* x86_64 restores whole register groups, one ioctl each: nothing to skip. */
int kiln_vcpu_note_reset(struct kiln_vm *vm, char *err, size_t errlen)
{
    (void)vm;
    (void)err;
    (void)errlen;
    return 0;
}

void kiln_vcpu_state_free(struct kiln_vcpu_state *s)
{
    free(s);
}
