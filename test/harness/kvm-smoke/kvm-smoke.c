/* kvm-smoke: proves that /dev/kvm works by running a tiny guest.
 *
 * Usage: kvm-smoke [WRITES]   (default 1, at most 100000000)
 *
 * Creates a VM with one memory slot and one vCPU, runs guest code that
 * writes one byte WRITES times (port I/O on x86_64, MMIO on aarch64; each
 * write is an exit to this program) and then halts. Every exit is checked.
 * On success prints one line:
 *   kvm-smoke: ok arch=A writes=N setup_us=S run_us=R per_exit_us=E
 * and exits 0; on any failure prints the reason to stderr and exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm-smoke.h"

#define GUEST_MEM_SIZE 0x10000
#define MAX_WRITES 100000000UL

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int fail(const char *what)
{
	fprintf(stderr, "kvm-smoke: %s: %s\n", what, strerror(errno));
	return -1;
}

static void describe_exit(const struct kvm_run *run)
{
	if (smoke_describe_arch_exit(run))
		return;
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "kvm-smoke: entry failed, hardware reason 0x%llx\n",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "kvm-smoke: internal error, suberror 0x%x\n", run->internal.suberror);
		break;
	default:
		fprintf(stderr, "kvm-smoke: unexpected exit reason %u\n", run->exit_reason);
	}
}

static int parse_writes(int argc, char **argv, uint32_t *writes)
{
	char *end;
	unsigned long n;

	if (argc > 2) {
		fprintf(stderr, "usage: kvm-smoke [WRITES]\n");
		return -1;
	}
	if (argc < 2) {
		*writes = 1;
		return 0;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || argv[1][0] == '-' || n == 0 || n > MAX_WRITES) {
		fprintf(stderr, "kvm-smoke: WRITES must be an integer from 1 to %lu, got '%s'\n",
			MAX_WRITES, argv[1]);
		return -1;
	}
	*writes = (uint32_t)n;
	return 0;
}

/* Creates the VM and vCPU; on success *vcpu_fd and *run are ready to KVM_RUN. */
static int create_vm(uint32_t writes, int *vcpu_fd, struct kvm_run **run)
{
	struct kvm_userspace_memory_region region;
	int kvm_fd, vm_fd, version, mmap_size;
	void *mem;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		return fail("open /dev/kvm");
	version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "kvm-smoke: KVM API version %d, expected %d\n", version, KVM_API_VERSION);
		return -1;
	}
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap guest memory");
	memcpy((uint8_t *)mem + (smoke_arch.entry - smoke_arch.guest_base), smoke_arch.code,
	       smoke_arch.code_len);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = smoke_arch.guest_base,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	*vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (*vcpu_fd < 0)
		return fail("KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	*run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, *vcpu_fd, 0);
	if (*run == MAP_FAILED)
		return fail("mmap kvm_run");
	return smoke_setup_vcpu(vm_fd, *vcpu_fd, writes);
}

/* Runs the guest to its halt, checking that it made exactly `writes` writes. */
static int run_guest(int vcpu_fd, struct kvm_run *run, uint32_t writes)
{
	uint32_t seen = 0;
	uint8_t byte;

	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		switch (smoke_classify_exit(run, &byte)) {
		case SMOKE_EXIT_WRITE:
			if (byte != SMOKE_BYTE) {
				fprintf(stderr, "kvm-smoke: guest wrote 0x%02x, expected 0x%02x\n",
					byte, SMOKE_BYTE);
				return -1;
			}
			if (++seen > writes) {
				fprintf(stderr, "kvm-smoke: guest wrote more than %u times\n", writes);
				return -1;
			}
			break;
		case SMOKE_EXIT_HALT:
			if (seen != writes) {
				fprintf(stderr, "kvm-smoke: guest halted after %u of %u writes\n",
					seen, writes);
				return -1;
			}
			return 0;
		case SMOKE_EXIT_OTHER:
			describe_exit(run);
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	struct kvm_run *run = NULL;
	double start, ready, done;
	uint32_t writes;
	int vcpu_fd = -1;

	if (parse_writes(argc, argv, &writes) < 0)
		return 1;
	start = now_us();
	if (create_vm(writes, &vcpu_fd, &run) < 0)
		return 1;
	ready = now_us();
	if (run_guest(vcpu_fd, run, writes) < 0)
		return 1;
	done = now_us();
	printf("kvm-smoke: ok arch=%s writes=%u setup_us=%.0f run_us=%.0f per_exit_us=%.2f\n",
	       smoke_arch.name, writes, ready - start, done - ready, (done - ready) / (writes + 1));
	return 0;
}
