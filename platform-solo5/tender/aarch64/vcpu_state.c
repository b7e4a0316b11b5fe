/* vcpu_state.c: the aarch64 vCPU snapshot: every register KVM lists for the
 * vCPU (KVM_GET_REG_LIST: core, FP/SIMD, system, timer and firmware
 * registers) but the read-only feature ID registers, read one by one and
 * written one by one where the fresh vCPU does not already hold the value
 * (one ioctl per register is most of the snapshot's cost). The virtual
 * counter, which the guest's clocks read, is moved on by the time the fork
 * took. */
#define _GNU_SOURCE
#include "../vcpu_state.h"
#include "../fail.h"
#include "../fork_trace.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MAX_REG_BYTES 16 /* U128 FP/SIMD registers; SVE is never enabled */

struct saved_reg {
    uint64_t id;
    uint8_t value[MAX_REG_BYTES];
};

struct kiln_vcpu_state {
    uint64_t host_counter; /* the host's CNTVCT_EL0 when the guest's was read */
    size_t n;
    struct saved_reg regs[];
};

static uint64_t host_counter(void)
{
    uint64_t v;
    __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static size_t reg_bytes(uint64_t id)
{
    return (size_t)1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

static int one_reg(struct kiln_vm *vm, unsigned long request, struct saved_reg *r)
{
    struct kvm_one_reg one = {.id = r->id, .addr = (uint64_t)(uintptr_t)r->value};
    return ioctl(vm->vcpu_fd, request, &one);
}

/* KVM_GET_REG_LIST, read once: the list is the same for every vCPU made
 * the same way, and a forked tender inherits it. */
static struct kvm_reg_list *vcpu_regs;

/* The values of a vCPU just after KVM_ARM_VCPU_INIT (see
 * kiln_vcpu_note_reset): a restore skips registers that still hold them. */
static struct kiln_vcpu_state *reset_values;

static int list_registers(struct kiln_vm *vm, char *err, size_t errlen)
{
    if (vcpu_regs != NULL)
        return 0;
    struct kvm_reg_list probe = {.n = 0};
    if (ioctl(vm->vcpu_fd, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG)
        return kiln_fail(err, errlen, "KVM: listing vCPU registers: %s", strerror(errno));
    struct kvm_reg_list *list = malloc(sizeof *list + probe.n * sizeof(uint64_t));
    if (list == NULL)
        return kiln_fail(err, errlen, "out of memory");
    list->n = probe.n;
    if (ioctl(vm->vcpu_fd, KVM_GET_REG_LIST, list) != 0) {
        free(list);
        return kiln_fail(err, errlen, "KVM: listing vCPU registers: %s", strerror(errno));
    }
    vcpu_regs = list;
    return 0;
}

/* The feature ID registers (op0 3, op1 0, CRn 0, CRm 1-7): read-only to
 * the guest and the same in every vCPU KVM makes on this host, so neither
 * saved nor restored. */
static int feature_id_register(uint64_t id)
{
    if ((id & KVM_REG_ARM_COPROC_MASK) != KVM_REG_ARM64_SYSREG)
        return 0;
    uint64_t op0 = (id & KVM_REG_ARM64_SYSREG_OP0_MASK) >> KVM_REG_ARM64_SYSREG_OP0_SHIFT;
    uint64_t op1 = (id & KVM_REG_ARM64_SYSREG_OP1_MASK) >> KVM_REG_ARM64_SYSREG_OP1_SHIFT;
    uint64_t crn = (id & KVM_REG_ARM64_SYSREG_CRN_MASK) >> KVM_REG_ARM64_SYSREG_CRN_SHIFT;
    uint64_t crm = (id & KVM_REG_ARM64_SYSREG_CRM_MASK) >> KVM_REG_ARM64_SYSREG_CRM_SHIFT;
    return op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7;
}

/* Every listed register but SVE's and the feature ID registers, in list
 * order (so two snapshots line up index by index). */
static struct kiln_vcpu_state *read_registers(struct kiln_vm *vm, char *err,
                                              size_t errlen)
{
    if (list_registers(vm, err, errlen) != 0)
        return NULL;
    struct kiln_vcpu_state *s =
        calloc(1, sizeof *s + vcpu_regs->n * sizeof(struct saved_reg));
    if (s == NULL) {
        kiln_fail(err, errlen, "out of memory");
        return NULL;
    }
    for (uint64_t i = 0; i < vcpu_regs->n; i++) {
        struct saved_reg *r = &s->regs[s->n];
        r->id = vcpu_regs->reg[i];
        /* SVE registers are only listed when SVE is enabled. */
        if (reg_bytes(r->id) > MAX_REG_BYTES || feature_id_register(r->id))
            continue;
        if (one_reg(vm, KVM_GET_ONE_REG, r) != 0) {
            kiln_fail(err, errlen, "KVM: reading register 0x%llx: %s",
                      (unsigned long long)r->id, strerror(errno));
            free(s);
            return NULL;
        }
        s->n++;
    }
    return s;
}

int kiln_vcpu_note_reset(struct kiln_vm *vm, char *err, size_t errlen)
{
    if (reset_values == NULL)
        reset_values = read_registers(vm, err, errlen);
    return reset_values != NULL ? 0 : -1;
}

struct kiln_vcpu_state *kiln_vcpu_save(struct kiln_vm *vm, char *err,
                                       size_t errlen)
{
    if (kiln_vm_complete_exit(vm, err, errlen) != 0)
        return NULL;
    struct kiln_vcpu_state *s = read_registers(vm, err, errlen);
    if (s != NULL)
        s->host_counter = host_counter();
    kiln_fork_trace_mark("KVM_GET_ONE_REG, every register");
    return s;
}

/* Whether register i of (s) already holds its value in a fresh vCPU. */
static int holds_reset_value(const struct kiln_vcpu_state *s, size_t i)
{
    if (reset_values == NULL || i >= reset_values->n ||
        reset_values->regs[i].id != s->regs[i].id)
        return 0;
    return memcmp(reset_values->regs[i].value, s->regs[i].value,
                  reg_bytes(s->regs[i].id)) == 0;
}

int kiln_vcpu_restore(struct kiln_vm *vm, const struct kiln_vcpu_state *s,
                      char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n; i++) {
        struct saved_reg r = s->regs[i];
        if (r.id == KVM_REG_ARM_TIMER_CNT) {
            /* The guest's counter goes on from its value at the fork, plus
             * the time the fork took: its clocks never step back or stall. */
            uint64_t counter;
            memcpy(&counter, r.value, sizeof counter);
            counter += host_counter() - s->host_counter;
            memcpy(r.value, &counter, sizeof counter);
        } else if (holds_reset_value(s, i)) {
            continue;
        }
        if (one_reg(vm, KVM_SET_ONE_REG, &r) != 0)
            return kiln_fail(err, errlen, "KVM: setting register 0x%llx: %s",
                             (unsigned long long)r.id, strerror(errno));
    }
    kiln_fork_trace_mark("KVM_SET_ONE_REG, registers not at their reset value");
    return 0;
}

void kiln_vcpu_state_free(struct kiln_vcpu_state *s)
{
    free(s);
}
