/*
 * kvm-floor: what the smallest possible new VM costs on this machine's KVM,
 * the floor under a forked unikernel's start. Each round builds a VM the
 * way the forked tender must (open /dev/kvm, create the VM, give it MB MiB
 * of memory, create and map a vCPU, the architecture's vCPU set-up, a
 * register set) and runs a two-instruction guest to its first exit (a
 * port write on x86_64, an MMIO store on aarch64). Prints the median of
 * each step over ROUNDS, in microseconds:
 *   kvm-floor MB ROUNDS  ->  "step=NAME us=T" lines, then "total_us=T"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host_probe.h"

#define MAX_ROUNDS 200
#define GUEST_CODE 0x1000

enum step { OPEN, CREATE_VM, MEMORY, CREATE_VCPU, MAP_RUN, ARCH, REGS, FIRST_EXIT, CLOSE, N_STEPS };
static const char *const step_names[N_STEPS] = {
    "open_dev_kvm", "create_vm", "set_user_memory_region", "create_vcpu",
    "mmap_kvm_run", "arch_vcpu_setup", "set_registers", "first_kvm_run_to_exit",
    "close_all"};

static uint64_t samples[N_STEPS][MAX_ROUNDS];

static void fail(const char *what)
{
    perror(what);
    exit(1);
}

/* rc, where the call succeeded (rc >= 0); otherwise the program ends. */
static int checked(int rc, const char *what)
{
    if (rc < 0)
        fail(what);
    return rc;
}

#if defined(__x86_64__)
/* out %al, $0x10 */
static const uint8_t guest_code[] = {0xe6, 0x10};
#define EXPECTED_EXIT KVM_EXIT_IO

static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
    const unsigned max = 256;
    struct kvm_cpuid2 *c = calloc(1, sizeof *c + max * sizeof c->entries[0]);
    if (c == NULL)
        fail("calloc");
    c->nent = max;
    checked(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c), "KVM_GET_SUPPORTED_CPUID");
    return c;
}

static void arch_setup(int kvm, int vm, int vcpu)
{
    (void)vm;
    /* Read once, as a tender reads it before it forks. */
    static struct kvm_cpuid2 *cpuid;
    if (cpuid == NULL)
        cpuid = supported_cpuid(kvm);
    checked(ioctl(vcpu, KVM_SET_CPUID2, cpuid), "KVM_SET_CPUID2");
}

/* Real mode, code segment at 0. */
static void set_registers(int vcpu)
{
    struct kvm_sregs s;
    checked(ioctl(vcpu, KVM_GET_SREGS, &s), "KVM_GET_SREGS");
    s.cs.base = 0;
    s.cs.selector = 0;
    checked(ioctl(vcpu, KVM_SET_SREGS, &s), "KVM_SET_SREGS");
    struct kvm_regs r = {.rip = GUEST_CODE, .rflags = 2};
    checked(ioctl(vcpu, KVM_SET_REGS, &r), "KVM_SET_REGS");
}
#elif defined(__aarch64__)
/* str w0, [x1] */
static const uint8_t guest_code[] = {0x20, 0x00, 0x00, 0xb9};
#define EXPECTED_EXIT KVM_EXIT_MMIO
#define CORE_REG(field) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
                         KVM_REG_ARM_CORE_REG(field))

static void arch_setup(int kvm, int vm, int vcpu)
{
    (void)kvm;
    struct kvm_vcpu_init init;
    checked(ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init), "KVM_ARM_PREFERRED_TARGET");
    checked(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), "KVM_ARM_VCPU_INIT");
}

static void set_one(int vcpu, uint64_t id, uint64_t value)
{
    struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)&value};
    checked(ioctl(vcpu, KVM_SET_ONE_REG, &r), "KVM_SET_ONE_REG");
}

/* PC at the code, x1 at an address outside guest memory: an MMIO exit. */
static void set_registers(int vcpu)
{
    set_one(vcpu, CORE_REG(regs.pc), GUEST_CODE);
    set_one(vcpu, CORE_REG(regs.regs[1]), 1ULL << 32);
}
#else
#error "kvm-floor: x86_64 or aarch64 only"
#endif

static void one_round(uint8_t *mem, size_t bytes, unsigned round)
{
    uint64_t t[N_STEPS + 1];
    t[0] = now_ns();
    int kvm = checked(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
    t[1] = now_ns();
    int vm = checked(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    t[2] = now_ns();
    struct kvm_userspace_memory_region region = {
        .memory_size = bytes, .userspace_addr = (uint64_t)(uintptr_t)mem};
    checked(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    t[3] = now_ns();
    int vcpu = checked(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    t[4] = now_ns();
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = run_size <= 0 ? MAP_FAILED
                                         : mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
                                                MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        fail("mmap kvm_run");
    t[5] = now_ns();
    arch_setup(kvm, vm, vcpu);
    t[6] = now_ns();
    set_registers(vcpu);
    t[7] = now_ns();
    checked(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    t[8] = now_ns();
    if (run->exit_reason != EXPECTED_EXIT) {
        fprintf(stderr, "kvm-floor: exit %u, expected %u\n", run->exit_reason, EXPECTED_EXIT);
        exit(1);
    }
    munmap(run, (size_t)run_size);
    close(vcpu);
    close(vm);
    close(kvm);
    t[9] = now_ns();
    for (unsigned s = 0; s < N_STEPS; s++)
        samples[s][round] = t[s + 1] - t[s];
}

int main(int argc, char **argv)
{
    size_t bytes;
    unsigned rounds;
    if (probe_args(argc, argv, "kvm-floor", "ROUNDS", MAX_ROUNDS, &bytes, &rounds) != 0)
        return 2;
    uint8_t *mem = touched_memory(bytes);
    memcpy(mem + GUEST_CODE, guest_code, sizeof guest_code);
    for (unsigned r = 0; r < rounds; r++)
        one_round(mem, bytes, r);
    uint64_t total = 0;
    for (unsigned s = 0; s < N_STEPS; s++) {
        uint64_t median = median_of(samples[s], rounds);
        if (s != CLOSE)
            total += median;
        printf("step=%s us=%.1f\n", step_names[s], (double)median / 1e3);
    }
    printf("total_us=%.1f (sum of medians, close excluded)\n", (double)total / 1e3);
    return 0;
}
