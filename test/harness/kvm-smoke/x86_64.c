/* kvm-smoke on x86_64: the guest runs in real mode, writes SMOKE_BYTE to
 * I/O port 0x10 ECX times, then executes hlt. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm-smoke.h"

#define SMOKE_PORT 0x10

static const uint8_t guest_code[] = {
	0xb0, SMOKE_BYTE, /* mov al, 'K'     */
	0xe6, SMOKE_PORT, /* loop: out 0x10, al */
	0x66, 0x49,       /* dec ecx         */
	0x75, 0xfa,       /* jnz loop        */
	0xf4,             /* hlt             */
};

const struct smoke_arch smoke_arch = {
	.name = "x86_64",
	.code = guest_code,
	.code_len = sizeof guest_code,
	.guest_base = 0,
	.entry = 0x1000,
};

int smoke_setup_vcpu(int vm_fd, int vcpu_fd, uint32_t count)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	(void)vm_fd;
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		perror("kvm-smoke: KVM_GET_SREGS");
		return -1;
	}
	/* Real mode, flat code segment at 0 so RIP is the physical address. */
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		perror("kvm-smoke: KVM_SET_SREGS");
		return -1;
	}
	memset(&regs, 0, sizeof regs);
	regs.rip = smoke_arch.entry;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	regs.rcx = count;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		perror("kvm-smoke: KVM_SET_REGS");
		return -1;
	}
	return 0;
}

enum smoke_exit smoke_classify_exit(const struct kvm_run *run, uint8_t *byte)
{
	if (run->exit_reason == KVM_EXIT_HLT)
		return SMOKE_EXIT_HALT;
	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == SMOKE_PORT && run->io.size == 1 && run->io.count == 1) {
		*byte = *((const uint8_t *)run + run->io.data_offset);
		return SMOKE_EXIT_WRITE;
	}
	return SMOKE_EXIT_OTHER;
}

int smoke_describe_arch_exit(const struct kvm_run *run)
{
	if (run->exit_reason != KVM_EXIT_IO)
		return 0;
	fprintf(stderr, "kvm-smoke: unexpected port I/O: %s port 0x%x size %u count %u\n",
		run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
		run->io.size, run->io.count);
	return 1;
}
