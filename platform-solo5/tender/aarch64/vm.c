/* vm.c: KVM on aarch64: VM and vCPU creation, system registers for an EL1
 * guest with the MMU on, and the run loop that turns MMIO exits into
 * hypercalls. */
#define _GNU_SOURCE
#include "../vm.h"
#include "../fail.h"
#include "../fork_trace.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../hypercall.h"
#include "kiln_aarch64_exceptions.h"
#include "lowmem.h"

#define CORE_REG(field)                                                        \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                     \
     KVM_REG_ARM_CORE_REG(field))
#define REG_PC CORE_REG(regs.pc)
#define REG_PSTATE CORE_REG(regs.pstate)
#define REG_X0 CORE_REG(regs.regs[0])
#define REG_SP_EL0 CORE_REG(regs.sp)
#define REG_SP_EL1 CORE_REG(sp_el1)
#define REG_ELR_EL1 CORE_REG(elr_el1)

/* System registers: op0, op1, CRn, CRm, op2 (Arm ARM D19). */
#define REG_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define REG_CPACR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 2)
#define REG_TTBR0_EL1 ARM64_SYS_REG(3, 0, 2, 0, 0)
#define REG_TCR_EL1 ARM64_SYS_REG(3, 0, 2, 0, 2)
#define REG_ESR_EL1 ARM64_SYS_REG(3, 0, 5, 2, 0)
#define REG_FAR_EL1 ARM64_SYS_REG(3, 0, 6, 0, 0)
#define REG_MAIR_EL1 ARM64_SYS_REG(3, 0, 10, 2, 0)
#define REG_VBAR_EL1 ARM64_SYS_REG(3, 0, 12, 0, 0)

/* EL1 using SP_EL1, debug, SError, IRQ and FIQ masked. */
#define PSTATE_EL1H 0x5ULL
#define PSTATE_DAIF (0xfULL << 6)
#define PSTATE_MODE_MASK 0xfULL

/* FP and SIMD instructions do not trap (CPACR_EL1.FPEN = 3). */
#define CPACR_FPEN (3ULL << 20)

/* 40-bit addresses through TTBR0, 4 KiB granule, write-back inner
 * shareable walks; no TTBR1 walks. */
#define TCR_T0SZ (64ULL - 40)
#define TCR_IRGN0_WB (1ULL << 8)
#define TCR_ORGN0_WB (1ULL << 10)
#define TCR_SH0_INNER (3ULL << 12)
#define TCR_EPD1 (1ULL << 23)
#define TCR_IPS_40BIT (2ULL << 32)
#define TCR_VALUE (TCR_T0SZ | TCR_IRGN0_WB | TCR_ORGN0_WB | TCR_SH0_INNER |    \
                   TCR_EPD1 | TCR_IPS_40BIT)

/* MMU, caches, stack alignment checks, and the bits that are RES1 in
 * ARMv8.0 (11, 20, 22, 23, 28, 29). */
#define SCTLR_M (1ULL << 0)
#define SCTLR_C (1ULL << 2)
#define SCTLR_SA (1ULL << 3)
#define SCTLR_I (1ULL << 12)
#define SCTLR_RES1 ((1ULL << 11) | (1ULL << 20) | (1ULL << 22) | (1ULL << 23) | \
                    (1ULL << 28) | (1ULL << 29))
#define SCTLR_VALUE (SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_RES1)

static int set_reg(struct kiln_vm *vm, uint64_t id, uint64_t value)
{
    struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)&value};
    return ioctl(vm->vcpu_fd, KVM_SET_ONE_REG, &r);
}

static uint64_t get_reg(struct kiln_vm *vm, uint64_t id)
{
    uint64_t value = 0;
    struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)&value};
    if (ioctl(vm->vcpu_fd, KVM_GET_ONE_REG, &r) != 0)
        return 0;
    return value;
}

static uint64_t counter_frequency(void)
{
    uint64_t hz;
    __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(hz));
    return hz;
}

int kiln_vm_arch_create(struct kiln_vm *vm, char *err, size_t errlen)
{
    struct kvm_vcpu_init init;
    if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) != 0)
        return kiln_fail(err, errlen, "KVM: KVM_ARM_PREFERRED_TARGET: %s",
                         strerror(errno));
    /* PSCI 0.2, so a guest that powers off through PSCI exits to us. */
    init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
    kiln_fork_trace_mark("KVM_ARM_PREFERRED_TARGET");
    if (ioctl(vm->vcpu_fd, KVM_ARM_VCPU_INIT, &init) != 0)
        return kiln_fail(err, errlen, "KVM: KVM_ARM_VCPU_INIT: %s", strerror(errno));
    kiln_fork_trace_mark("KVM_ARM_VCPU_INIT");
    /* The guest reads the same counter (CNTVCT_EL0) at this frequency. */
    if (vm->tsc_hz == 0)
        vm->tsc_hz = counter_frequency();
    if (vm->tsc_hz == 0)
        return kiln_fail(err, errlen, "the generic timer reports a frequency of 0");
    return 0;
}

int kiln_vm_init_vcpu(struct kiln_vm *vm, uint64_t entry, uint64_t mem_size,
                      int user_mode, char *err, size_t errlen)
{
    (void)user_mode; /* always EL1: see lowmem.h */
    const struct {
        uint64_t id, value;
        const char *name;
    } regs[] = {
        {REG_CPACR_EL1, CPACR_FPEN, "CPACR_EL1"},
        {REG_MAIR_EL1, A64_MAIR, "MAIR_EL1"},
        {REG_TCR_EL1, TCR_VALUE, "TCR_EL1"},
        {REG_TTBR0_EL1, A64_L0_BASE, "TTBR0_EL1"},
        {REG_VBAR_EL1, A64_STUBS_BASE, "VBAR_EL1"},
        {REG_SCTLR_EL1, SCTLR_VALUE, "SCTLR_EL1"},
        {REG_PSTATE, PSTATE_DAIF | PSTATE_EL1H, "PSTATE"},
        /* As upstream: 16 bytes below the top, 16-byte aligned. */
        {REG_SP_EL1, mem_size - 16, "SP_EL1"},
        {REG_X0, A64_BOOT_INFO_BASE, "x0"},
        {REG_PC, entry, "PC"},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        if (set_reg(vm, regs[i].id, regs[i].value) != 0)
            return kiln_fail(err, errlen, "KVM: setting %s: %s", regs[i].name,
                             strerror(errno));
    return 0;
}

/* A trap report is genuine only from the stubs; guest code using the
 * address is refused like any unknown hypercall. */
static int report_trap(struct kiln_vm *vm, uint32_t entry)
{
    uint64_t pc = get_reg(vm, REG_PC);
    uint64_t stubs_end = A64_STUBS_BASE +
                         (uint64_t)(kiln_a64_stubs_end - kiln_a64_stubs_start);
    if (pc < A64_STUBS_BASE || pc >= stubs_end || entry >= KILN_A64_VECTORS) {
        fprintf(stderr, "kiln-hvt: guest code used the reserved trap-report "
                "address (pc=0x%llx); stopping the guest\n",
                (unsigned long long)pc);
        return KILN_EXIT_GUEST_FAULT;
    }
    uint64_t esr = get_reg(vm, REG_ESR_EL1), far = get_reg(vm, REG_FAR_EL1);
    uint64_t elr = get_reg(vm, REG_ELR_EL1);
    uint64_t ec = KILN_A64_ESR_EC(esr);
    /* The stack the trap interrupted: SP_EL0 unless it came from EL1h. */
    uint64_t spsr = get_reg(vm, CORE_REG(spsr[KVM_SPSR_EL1]));
    uint64_t sp = (spsr & PSTATE_MODE_MASK) == PSTATE_EL1H
                      ? get_reg(vm, REG_SP_EL1)
                      : get_reg(vm, REG_SP_EL0);
    if (entry % 4 == 0)
        fprintf(stderr, "kiln-hvt: guest trap: %s (ESR 0x%llx) at pc=0x%llx",
                kiln_a64_ec_name(ec), (unsigned long long)esr,
                (unsigned long long)elr);
    else
        fprintf(stderr, "kiln-hvt: guest trap: unexpected %s at pc=0x%llx",
                kiln_a64_vector_kind(entry), (unsigned long long)elr);
    if (entry % 4 == 0 && kiln_a64_ec_has_address(ec))
        fprintf(stderr, ", address=0x%llx", (unsigned long long)far);
    fprintf(stderr, ", sp=0x%llx (before the image installed its vectors)\n",
            (unsigned long long)sp);
    return KILN_EXIT_GUEST_FAULT;
}

static unsigned long long guest_pc(struct kiln_vm *vm)
{
    return (unsigned long long)get_reg(vm, REG_PC);
}

/* One MMIO exit: a hypercall is a 4-byte store to its address. */
static int mmio_exit(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                     int *status)
{
    unsigned nr;
    uint32_t arg;
    if (vm->run->mmio.phys_addr < mem->size) {
        *status = kiln_vm_host_fault("pc", guest_pc(vm), vm->run->mmio.phys_addr);
        return 1;
    }
    if (kiln_vm_mmio_hypercall(vm->run, "pc", guest_pc(vm), &nr, &arg) != 0) {
        *status = KILN_EXIT_GUEST_FAULT;
        return 1;
    }
    if (nr == KILN_HC_TRAP_REPORT) {
        *status = report_trap(vm, arg);
        return 1;
    }
    return kiln_hc_dispatch(mem, nr, arg, status) == KILN_HC_EXIT;
}

static const char *system_event_name(uint32_t type)
{
    switch (type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN: return "power off";
    case KVM_SYSTEM_EVENT_RESET: return "reset";
    case KVM_SYSTEM_EVENT_CRASH: return "crash";
    default: return "system event";
    }
}

int kiln_vm_arch_run_failed(struct kiln_vm *vm, int error)
{
    if (error == EFAULT)
        return kiln_vm_host_fault("pc", guest_pc(vm), KILN_GPA_UNKNOWN);
    /* ENOSYS: an access outside guest memory that KVM cannot decode (no
     * syndrome, e.g. a load pair): the guest's doing. */
    int guest_fault = error == ENOSYS;
    fprintf(stderr, "kiln-hvt: KVM_RUN: %s (pc=0x%llx)%s\n", strerror(error),
            guest_pc(vm), guest_fault ? "; stopping the guest" : "");
    return guest_fault ? KILN_EXIT_GUEST_FAULT : 1;
}

int kiln_vm_arch_exit(struct kiln_vm *vm, const struct kiln_guest_mem *mem,
                      int *status)
{
    struct kvm_run *run = vm->run;
    switch (run->exit_reason) {
    case KVM_EXIT_MMIO:
        return mmio_exit(vm, mem, status);
    case KVM_EXIT_SYSTEM_EVENT:
        fprintf(stderr, "kiln-hvt: guest asked for a PSCI %s (pc=0x%llx) "
                "instead of halting through the tender; stopping the "
                "guest\n", system_event_name(run->system_event.type),
                guest_pc(vm));
        *status = KILN_EXIT_GUEST_FAULT;
        return 1;
    default:
        *status = kiln_vm_unhandled_exit(run, "pc", guest_pc(vm));
        return 1;
    }
}
