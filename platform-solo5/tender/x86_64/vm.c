/* vm.c: KVM on x86_64: VM and vCPU creation, register set-up for long mode,
 * and the run loop that turns port-I/O exits into hypercalls. */
#define _GNU_SOURCE
#include "../vm.h"
#include "../fail.h"
#include "../fork_trace.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../hypercall.h"
#include "kiln_x86_exceptions.h"
#include "lowmem.h"

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE (1ULL << 16)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11) /* the page tables' no-execute bit */
#define RFLAGS_RESERVED (1ULL << 1)
#define RFLAGS_IOPL3 (3ULL << 12)

#define MAX_CPUID_ENTRIES 256

/* What KVM supports does not change: read once, and a forked tender
 * inherits it. */
static struct kvm_cpuid2 *supported_cpuid;

static int setup_cpuid(struct kiln_vm *vm, char *err, size_t errlen)
{
    if (supported_cpuid == NULL) {
        size_t size = sizeof(struct kvm_cpuid2) +
                      MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2);
        struct kvm_cpuid2 *c = calloc(1, size);
        if (c == NULL)
            return kiln_fail(err, errlen, "out of memory");
        c->nent = MAX_CPUID_ENTRIES;
        if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) != 0) {
            free(c);
            return kiln_fail(err, errlen, "KVM: reading CPUID: %s", strerror(errno));
        }
        supported_cpuid = c;
    }
    if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, supported_cpuid) != 0)
        return kiln_fail(err, errlen, "KVM: setting CPUID: %s", strerror(errno));
    kiln_fork_trace_mark("KVM_SET_CPUID2");
    return 0;
}

int kiln_vm_arch_create(struct kiln_vm *vm, char *err, size_t errlen)
{
    if (setup_cpuid(vm, err, errlen) != 0)
        return -1;
    if (vm->tsc_hz != 0)
        return 0;
    int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0)
        return kiln_fail(err, errlen, "KVM: cannot read the TSC frequency%s",
                         errno == EIO ? " (host TSC unstable)" : "");
    vm->tsc_hz = (uint64_t)khz * 1000;
    return 0;
}

static struct kvm_segment segment(uint16_t selector, int code, int dpl)
{
    return (struct kvm_segment){
        .base = 0,
        .limit = 0xffffffff,
        .selector = selector,
        .type = code ? 11 : 3, /* execute/read accessed; read/write accessed */
        .present = 1,
        .dpl = (uint8_t)dpl,
        .db = code ? 0 : 1,
        .s = 1,
        .l = code ? 1 : 0,
        .g = 1,
    };
}

int kiln_vm_init_vcpu(struct kiln_vm *vm, uint64_t entry, uint64_t mem_size,
                      int user_mode, char *err, size_t errlen)
{
    struct kvm_sregs s;
    if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) != 0)
        return kiln_fail(err, errlen, "KVM: GET_SREGS: %s", strerror(errno));
    s.cr0 = CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG;
    s.cr3 = X86_PML4_BASE;
    s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    s.efer = EFER_LME | EFER_LMA | EFER_NXE;
    s.gdt = (struct kvm_dtable){.base = X86_GDT_BASE,
                                .limit = X86_GDT_ENTRIES * 8 - 1};
    s.ldt = (struct kvm_segment){.unusable = 1};
    if (user_mode) {
        s.cr4 |= CR4_FSGSBASE;
        s.cs = segment(X86_SEL_USER_CODE, 1, 3);
        s.ss = s.ds = s.es = s.fs = s.gs = segment(X86_SEL_USER_DATA, 0, 3);
        s.idt = (struct kvm_dtable){
            .base = X86_IDT_BASE, .limit = X86_IDT_VECTORS * 16 - 1};
        s.tr = (struct kvm_segment){.base = X86_TSS_BASE,
                                    .limit = X86_TSS_SIZE - 1,
                                    .selector = X86_SEL_TSS,
                                    .type = 11, /* 64-bit TSS, busy */
                                    .present = 1};
    } else {
        s.cs = segment(X86_SEL_KERNEL_CODE, 1, 0);
        s.ss = s.ds = s.es = s.fs = s.gs = segment(X86_SEL_KERNEL_DATA, 0, 0);
        s.idt = (struct kvm_dtable){.base = 0, .limit = 0};
        s.tr = (struct kvm_segment){.type = 11, .present = 1};
    }
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s) != 0)
        return kiln_fail(err, errlen, "KVM: SET_SREGS: %s", strerror(errno));
    struct kvm_regs r = {
        .rip = entry,
        .rflags = RFLAGS_RESERVED | (user_mode ? RFLAGS_IOPL3 : 0),
        .rsp = mem_size - 8, /* as upstream: (%rsp + 8) 16-aligned */
        .rdi = X86_BOOT_INFO_BASE,
    };
    if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &r) != 0)
        return kiln_fail(err, errlen, "KVM: SET_REGS: %s", strerror(errno));
    return 0;
}

/* A trap report is genuine only when it comes from the stubs at CPL0;
 * guest code using the port is refused like any unknown hypercall. */
static int report_trap(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                       uint64_t frame_gpa)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    uint64_t stubs_end = X86_STUBS_BASE + (uint64_t)(kiln_x86_stubs_end -
                                                     kiln_x86_stubs_start);
    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) != 0 ||
        ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) != 0 || (s.cs.selector & 3) ||
        r.rip < X86_STUBS_BASE || r.rip > stubs_end ||
        frame_gpa < X86_TRAP_STACK_LOW ||
        frame_gpa + sizeof(struct kiln_trap_frame) > X86_TRAP_STACK_TOP) {
        fprintf(stderr, "kiln-hvt: guest code used the reserved trap-report "
                "port (rip=0x%llx); stopping the guest\n",
                (unsigned long long)r.rip);
        return KILN_EXIT_GUEST_FAULT;
    }
    struct kiln_trap_frame f;
    memcpy(&f, mem->base + frame_gpa, sizeof f);
    const char *name = kiln_x86_exception_name(f.vector);
    fprintf(stderr, "kiln-hvt: guest trap: %s (vector %llu) at rip=0x%llx",
            name ? name : "reserved", (unsigned long long)f.vector,
            (unsigned long long)f.rip);
    if (f.vector == 14)
        fprintf(stderr, ", address=0x%llx", (unsigned long long)s.cr2);
    fprintf(stderr, ", error=0x%llx, rsp=0x%llx, rflags=0x%llx\n",
            (unsigned long long)f.error_code, (unsigned long long)f.rsp,
            (unsigned long long)f.rflags);
    return KILN_EXIT_GUEST_FAULT;
}

static unsigned long long guest_rip(struct kiln_vm *vm)
{
    struct kvm_regs r;
    return ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) == 0 ? r.rip : 0;
}

/* Serves hypercall (nr) however it came (port or window): 1 when the guest
 * must stop, with its exit status in *status, else 0. */
static int hypercall(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                     unsigned nr, uint32_t arg, int *status)
{
    if (nr == KILN_HC_TRAP_REPORT) {
        *status = report_trap(vm, mem, arg);
        return 1;
    }
    return kiln_hc_dispatch(mem, nr, arg, status) == KILN_HC_EXIT;
}

int kiln_vm_arch_run_failed(struct kiln_vm *vm, int error)
{
    if (error == EFAULT)
        return kiln_vm_host_fault("rip", guest_rip(vm), KILN_GPA_UNKNOWN);
    fprintf(stderr, "kiln-hvt: KVM_RUN: %s (rip=0x%llx)\n", strerror(error),
            guest_rip(vm));
    return 1;
}

int kiln_vm_arch_exit(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                      int *status)
{
    struct kvm_run *run = vm->run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        unsigned port = run->io.port;
        if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
            run->io.count != 1 || port < KILN_HYPERCALL_PIO_BASE ||
            port >= KILN_HYPERCALL_PIO_BASE + KILN_HC_END) {
            fprintf(stderr, "kiln-hvt: guest accessed I/O port 0x%x "
                    "(rip=0x%llx); stopping the guest\n", port,
                    guest_rip(vm));
            *status = KILN_EXIT_GUEST_FAULT;
            return 1;
        }
        uint32_t arg;
        memcpy(&arg, (uint8_t *)run + run->io.data_offset, sizeof arg);
        return hypercall(vm, mem, port - KILN_HYPERCALL_PIO_BASE, arg, status);
    }
    case KVM_EXIT_MMIO: {
        /* Inside guest memory: an access KVM emulated and the host
         * mapping refused (read-only image memory, the guard page). */
        if (run->mmio.phys_addr < mem->size) {
            *status = kiln_vm_host_fault("rip", guest_rip(vm), run->mmio.phys_addr);
            return 1;
        }
        /* CPL3 guests' hypercalls: a store into the window. */
        unsigned nr;
        uint32_t arg;
        if (kiln_vm_mmio_hypercall(run, "rip", guest_rip(vm), &nr, &arg) != 0) {
            *status = KILN_EXIT_GUEST_FAULT;
            return 1;
        }
        return hypercall(vm, mem, nr, arg, status);
    }
    case KVM_EXIT_HLT:
        fprintf(stderr, "kiln-hvt: guest executed hlt (rip=0x%llx) "
                "without halting through the tender\n", guest_rip(vm));
        *status = KILN_EXIT_GUEST_FAULT;
        return 1;
    case KVM_EXIT_SHUTDOWN:
        fprintf(stderr, "kiln-hvt: guest triple fault (rip=0x%llx)\n",
                guest_rip(vm));
        *status = KILN_EXIT_GUEST_FAULT;
        return 1;
    default:
        *status = kiln_vm_unhandled_exit(run, "rip", guest_rip(vm));
        return 1;
    }
}
