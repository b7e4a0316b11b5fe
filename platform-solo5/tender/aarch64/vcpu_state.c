/* vcpu_state.c: the aarch64 vCPU snapshot: every register KVM lists for the
 * vCPU (KVM_GET_REG_LIST: core, FP/SIMD, system, timer and firmware
 * registers), read and written one by one. The virtual counter, which the
 * guest's clocks read, is moved on by the time the fork took. */
#define _GNU_SOURCE
#include "../vcpu_state.h"
#include "../fail.h"

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

static struct kvm_reg_list *reg_list(struct kiln_vm *vm, char *err, size_t errlen)
{
    struct kvm_reg_list probe = {.n = 0};
    if (ioctl(vm->vcpu_fd, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG) {
        kiln_fail(err, errlen, "KVM: listing vCPU registers: %s", strerror(errno));
        return NULL;
    }
    struct kvm_reg_list *list = malloc(sizeof *list + probe.n * sizeof(uint64_t));
    if (list == NULL) {
        kiln_fail(err, errlen, "out of memory");
        return NULL;
    }
    list->n = probe.n;
    if (ioctl(vm->vcpu_fd, KVM_GET_REG_LIST, list) != 0) {
        kiln_fail(err, errlen, "KVM: listing vCPU registers: %s", strerror(errno));
        free(list);
        return NULL;
    }
    return list;
}

struct kiln_vcpu_state *kiln_vcpu_save(struct kiln_vm *vm, char *err,
                                       size_t errlen)
{
    /* KVM finishes an MMIO exit (moves the PC past the store) only on the
     * next KVM_RUN; immediate_exit does that without entering the guest. */
    vm->run->immediate_exit = 1;
    int rc = ioctl(vm->vcpu_fd, KVM_RUN, 0);
    vm->run->immediate_exit = 0;
    if (rc == 0 || errno != EINTR) {
        kiln_fail(err, errlen, "KVM: completing the fork exit: %s",
                  rc == 0 ? "the guest ran" : strerror(errno));
        return NULL;
    }
    struct kvm_reg_list *list = reg_list(vm, err, errlen);
    if (list == NULL)
        return NULL;
    struct kiln_vcpu_state *s = calloc(1, sizeof *s + list->n * sizeof(struct saved_reg));
    if (s == NULL) {
        kiln_fail(err, errlen, "out of memory");
        free(list);
        return NULL;
    }
    for (uint64_t i = 0; i < list->n; i++) {
        struct saved_reg *r = &s->regs[s->n];
        r->id = list->reg[i];
        if (reg_bytes(r->id) > MAX_REG_BYTES)
            continue; /* SVE registers: only listed when SVE is enabled */
        if (one_reg(vm, KVM_GET_ONE_REG, r) != 0) {
            kiln_fail(err, errlen, "KVM: reading register 0x%llx: %s",
                      (unsigned long long)r->id, strerror(errno));
            free(list);
            free(s);
            return NULL;
        }
        s->n++;
    }
    s->host_counter = host_counter();
    free(list);
    return s;
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
        }
        if (one_reg(vm, KVM_SET_ONE_REG, &r) != 0)
            return kiln_fail(err, errlen, "KVM: setting register 0x%llx: %s",
                             (unsigned long long)r.id, strerror(errno));
    }
    return 0;
}

void kiln_vcpu_state_free(struct kiln_vcpu_state *s)
{
    free(s);
}
