/* kvm-smoke on aarch64: the guest starts at EL1 with the MMU off, stores
 * SMOKE_BYTE to an address outside its memory X2 times (each store is an
 * MMIO exit), then calls PSCI SYSTEM_OFF. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm-smoke.h"

#define SMOKE_MMIO_ADDR 0x10000000ULL

static const uint32_t guest_code[] = {
	0x52800960, /* mov  w0, #'K'                */
	0xd2a20001, /* mov  x1, #0x10000000         */
	0x39000020, /* loop: strb w0, [x1]          */
	0xf1000442, /* subs x2, x2, #1              */
	0x54ffffc1, /* b.ne loop                    */
	0xd2800100, /* mov  x0, #0x0008             */
	0xf2b08000, /* movk x0, #0x8400, lsl #16: PSCI 0.2 SYSTEM_OFF */
	0xd4000002, /* hvc  #0                      */
};

const struct smoke_arch smoke_arch = {
	.name = "aarch64",
	.code = (const uint8_t *)guest_code,
	.code_len = sizeof guest_code,
	.guest_base = 0x40000000,
	.entry = 0x40000000,
};

/* KVM's id for a core register: its offset in struct kvm_regs in 32-bit words. */
static uint64_t core_reg_id(size_t offset)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offset / sizeof(uint32_t));
}

static int set_core_reg(int vcpu_fd, size_t offset, uint64_t value, const char *what)
{
	struct kvm_one_reg reg = { .id = core_reg_id(offset), .addr = (uint64_t)(uintptr_t)&value };

	if (ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) < 0) {
		fprintf(stderr, "kvm-smoke: KVM_SET_ONE_REG %s: %s\n", what, strerror(errno));
		return -1;
	}
	return 0;
}

int smoke_setup_vcpu(int vm_fd, int vcpu_fd, uint32_t count)
{
	struct kvm_vcpu_init init;

	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		perror("kvm-smoke: KVM_ARM_PREFERRED_TARGET");
		return -1;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		perror("kvm-smoke: KVM_ARM_VCPU_INIT");
		return -1;
	}
	if (set_core_reg(vcpu_fd, offsetof(struct kvm_regs, regs.pc), smoke_arch.entry, "pc") < 0)
		return -1;
	return set_core_reg(vcpu_fd, offsetof(struct kvm_regs, regs.regs[2]), count, "x2");
}

enum smoke_exit smoke_classify_exit(const struct kvm_run *run, uint8_t *byte)
{
	if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
	    run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
		return SMOKE_EXIT_HALT;
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
	    run->mmio.phys_addr == SMOKE_MMIO_ADDR && run->mmio.len == 1) {
		*byte = run->mmio.data[0];
		return SMOKE_EXIT_WRITE;
	}
	return SMOKE_EXIT_OTHER;
}

int smoke_describe_arch_exit(const struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		fprintf(stderr, "kvm-smoke: unexpected MMIO: %s 0x%llx len %u\n",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
		return 1;
	case KVM_EXIT_SYSTEM_EVENT:
		fprintf(stderr, "kvm-smoke: unexpected system event type %u\n", run->system_event.type);
		return 1;
	default:
		return 0;
	}
}
