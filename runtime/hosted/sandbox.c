/*
 * sandbox.c: the hosted platform confines itself before the application
 * runs, as Solo5's spt tender does. Once its devices are open:
 *
 *   - descriptors it did not open are closed (hosted_close_inherited, at
 *     start, before any device is opened: 0, 1 and 2 stay);
 *   - it becomes non-dumpable (no core file, no ptrace by the same user)
 *     and sets no_new_privs (required for an unprivileged filter, and no
 *     exec could gain privileges anyway);
 *   - a seccomp-BPF filter allows only what the Solo5 API needs:
 *       write          to 1, 2 (console) and the network devices' taps
 *       read           from the taps
 *       pread64/pwrite64 on the block devices' files, within their extent
 *       fdatasync      on the block devices' files (kiln_block_flush)
 *       ppoll          (solo5_yield)
 *       clock_gettime  CLOCK_REALTIME or CLOCK_MONOTONIC (the vDSO's fallback)
 *       exit_group
 *       rt_sigreturn   (the end of stop.c's SIGINT/SIGTERM handler; it
 *                      restores registers only: later calls meet the
 *                      same filter)
 *     Anything else (open, execve, socket, mmap, a forged number, the x32
 *     ABI, another architecture's calls) traps to a handler that says which
 *     call it was on stderr and the process then dies by SIGSYS.
 *
 * The filter is classic BPF written here (no libseccomp): it is short, its
 * rules depend on the descriptors opened at run time, and the program must
 * stay a static executable with no library beyond musl's libc.a.
 */
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "hosted.h"
#include "sys.h"

/* Linux's seccomp and classic BPF ABI (linux/filter.h, linux/seccomp.h,
 * linux/audit.h: musl's headers carry none of them). */
struct sock_filter {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};
struct sock_fprog {
    unsigned short len;
    struct sock_filter *filter;
};
struct seccomp_data {
    int nr;
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t args[6];
};
#define BPF_CLASS(code) ((code) & 0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_MEM 0x60
#define BPF_ADD 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_K 0x00
#define BPF_X 0x08
#define AUDIT_ARCH_X86_64 0xc000003eu
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_RET_TRAP 0x00030000u
#define SECCOMP_RET_ALLOW 0x7fff0000u

#define ENOSYS_NEG (-38)
#define X32_SYSCALL_BIT 0x40000000u
#define ALLOWED_CLOCKS 2 /* CLOCK_REALTIME 0, CLOCK_MONOTONIC 1 */

void hosted_close_inherited(void)
{
    if (sys_call3(SYS_close_range, 3, ~0u, 0) != ENOSYS_NEG)
        return;
    /* Before Linux 5.9: every descriptor the limit allows. */
    struct rlimit lim;
    long top = sys_call4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &lim) == 0 && lim.rlim_cur < (1u << 20)
                   ? (long)lim.rlim_cur : 1024;
    for (long fd = 3; fd < top; fd++)
        sys_call3(SYS_close, fd, 0, 0);
}

/* --- the filter's program, built with forward labels --------------------- */

#define MAX_INSNS 4096 /* the kernel's BPF_MAXINSNS */
#define MAX_LABELS (8 + 4 * KILN_MFT_MAX_ENTRIES)

static struct sock_filter prog[MAX_INSNS];
static unsigned prog_len;
static int label_at[MAX_LABELS];
/* Each conditional jump's targets, as labels until resolved (-1: next). */
static int jump_true[MAX_INSNS], jump_false[MAX_INSNS];
static unsigned next_label;

enum { L_ALLOW, L_DENY, L_WRITE, L_READ, L_BLOCK, L_FLUSH, L_CLOCK, L_FIRST_FREE };

static int new_label(void)
{
    if (next_label >= MAX_LABELS)
        hosted_fail("sandbox: too many devices for the filter");
    label_at[next_label] = -1;
    return (int)next_label++;
}

static void place(int label) { label_at[label] = (int)prog_len; }

static void emit(uint16_t code, uint32_t k, int jt, int jf)
{
    if (prog_len >= MAX_INSNS)
        hosted_fail("sandbox: the filter is too long");
    prog[prog_len] = (struct sock_filter){.code = code, .k = k};
    jump_true[prog_len] = jt;
    jump_false[prog_len] = jf;
    prog_len++;
}

#define NEXT (-1)
static void load(uint32_t offset) { emit(BPF_LD | BPF_W | BPF_ABS, offset, NEXT, NEXT); }
static void ret(uint32_t action) { emit(BPF_RET | BPF_K, action, NEXT, NEXT); }
/* if (A == k) goto jt else goto jf */
static void jeq(uint32_t k, int jt, int jf) { emit(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf); }
static void jgt(uint32_t k, int jt, int jf) { emit(BPF_JMP | BPF_JGT | BPF_K, k, jt, jf); }

static void resolve_jumps(void)
{
    for (unsigned i = 0; i < prog_len; i++) {
        if (BPF_CLASS(prog[i].code) != BPF_JMP)
            continue;
        int targets[2] = {jump_true[i], jump_false[i]};
        for (int t = 0; t < 2; t++) {
            int to = targets[t] == NEXT ? (int)i + 1 : label_at[targets[t]];
            int off = to - (int)i - 1;
            if (to < 0 || off < 0 || off > 255)
                hosted_fail("sandbox: a filter jump is out of reach (internal error)");
            if (t == 0)
                prog[i].jt = (uint8_t)off;
            else
                prog[i].jf = (uint8_t)off;
        }
    }
}

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#define ARG_HI(n) (ARG_LO(n) + 4)

/* pread64/pwrite64(fd, buf, count, offset) on block device (d), its
 * descriptor already matched: allowed when count < 4 GiB and offset + count
 * <= capacity, in 32-bit halves. Ends in its own returns, so that every
 * jump stays short however many devices there are. */
static void block_extent_check(const struct hosted_device *d)
{
    uint32_t cap_hi = (uint32_t)(d->capacity >> 32), cap_lo = (uint32_t)d->capacity;
    int no_carry = new_label(), allow = new_label(), deny = new_label();
    load(ARG_HI(2));
    jeq(0, NEXT, deny);
    load(ARG_HI(3));
    jgt(cap_hi, deny, NEXT); /* also keeps the sum below from overflowing */
    emit(BPF_ST, 2, NEXT, NEXT);                      /* M[2] = offset_hi */
    load(ARG_LO(2));
    emit(BPF_ST, 1, NEXT, NEXT);                      /* M[1] = count_lo */
    emit(BPF_LDX | BPF_MEM, 1, NEXT, NEXT);           /* X = count_lo */
    load(ARG_LO(3));
    emit(BPF_ALU | BPF_ADD | BPF_X, 0, NEXT, NEXT);   /* A = sum_lo, modulo 2^32 */
    emit(BPF_ST, 0, NEXT, NEXT);                      /* M[0] = sum_lo */
    emit(BPF_JMP | BPF_JGE | BPF_X, 0, no_carry, NEXT); /* sum_lo < count_lo: a carry */
    emit(BPF_LD | BPF_MEM, 2, NEXT, NEXT);
    emit(BPF_ALU | BPF_ADD | BPF_K, 1, NEXT, NEXT);
    emit(BPF_ST, 2, NEXT, NEXT);
    place(no_carry);
    emit(BPF_LD | BPF_MEM, 2, NEXT, NEXT);            /* A = sum_hi */
    jgt(cap_hi, deny, NEXT);
    jeq(cap_hi, NEXT, allow);
    emit(BPF_LD | BPF_MEM, 0, NEXT, NEXT);
    jgt(cap_lo, deny, allow);
    place(allow);
    ret(SECCOMP_RET_ALLOW);
    place(deny);
    ret(SECCOMP_RET_TRAP);
}

static void build_filter(void)
{
    for (int i = 0; i < L_FIRST_FREE; i++)
        new_label();

    load(offsetof(struct seccomp_data, arch));
    jeq(AUDIT_ARCH_X86_64, NEXT, L_DENY);
    load(offsetof(struct seccomp_data, nr));
    jgt(X32_SYSCALL_BIT - 1, L_DENY, NEXT);
    jeq(SYS_write, L_WRITE, NEXT);
    jeq(SYS_read, L_READ, NEXT);
    jeq(SYS_writev, L_READ, NEXT); /* taps: a frame after its virtio-net header */
    jeq(SYS_readv, L_READ, NEXT);
    jeq(SYS_ppoll, L_ALLOW, NEXT);
    jeq(SYS_clock_gettime, L_CLOCK, NEXT);
    jeq(SYS_pread64, L_BLOCK, NEXT);
    jeq(SYS_pwrite64, L_BLOCK, NEXT);
    jeq(SYS_fdatasync, L_FLUSH, NEXT);
    jeq(SYS_rt_sigreturn, L_ALLOW, NEXT);
    jeq(SYS_exit_group, L_ALLOW, L_DENY);

    /* Descriptor numbers: the kernel takes the low 32 bits of an int fd. */
    place(L_WRITE);
    load(ARG_LO(0));
    jeq(1, L_ALLOW, NEXT);
    jeq(2, L_ALLOW, NEXT);
    place(L_READ); /* write falls through to the taps' check */
    load(ARG_LO(0));
    for (unsigned i = 1; i < hosted_device_count; i++)
        if (hosted_devices[i].type == KILN_MFT_NET_BASIC)
            jeq((uint32_t)hosted_devices[i].fd, L_ALLOW, NEXT);
    ret(SECCOMP_RET_TRAP);

    place(L_FLUSH);
    load(ARG_LO(0));
    for (unsigned i = 1; i < hosted_device_count; i++)
        if (hosted_devices[i].type == KILN_MFT_BLOCK_BASIC)
            jeq((uint32_t)hosted_devices[i].fd, L_ALLOW, NEXT);
    ret(SECCOMP_RET_TRAP);

    place(L_CLOCK);
    load(ARG_LO(0));
    jgt(ALLOWED_CLOCKS - 1, L_DENY, L_ALLOW);

    place(L_ALLOW);
    ret(SECCOMP_RET_ALLOW);
    place(L_DENY);
    ret(SECCOMP_RET_TRAP);

    /* Block devices one after another: a descriptor that is not this
     * device's skips to the next one's check. */
    place(L_BLOCK);
    for (unsigned i = 1; i < hosted_device_count; i++) {
        if (hosted_devices[i].type != KILN_MFT_BLOCK_BASIC)
            continue;
        int next_device = new_label();
        load(ARG_LO(0));
        jeq((uint32_t)hosted_devices[i].fd, NEXT, next_device);
        block_extent_check(&hosted_devices[i]);
        place(next_device);
    }
    ret(SECCOMP_RET_TRAP);
    resolve_jumps();
}

/* --- what a refused call looks like ------------------------------------- */

static const char *call_name(int nr)
{
    switch (nr) {
    case SYS_open: return "open";
    case SYS_openat: return "openat";
    case SYS_execve: return "execve";
    case SYS_execveat: return "execveat";
    case SYS_socket: return "socket";
    case SYS_connect: return "connect";
    case SYS_clone: return "clone";
    case SYS_fork: return "fork";
    case SYS_mmap: return "mmap";
    case SYS_mprotect: return "mprotect";
    case SYS_ptrace: return "ptrace";
    case SYS_kill: return "kill";
    case SYS_write: return "write";
    case SYS_read: return "read";
    case SYS_readv: return "readv";
    case SYS_writev: return "writev";
    case SYS_pread64: return "pread64";
    case SYS_pwrite64: return "pwrite64";
    case SYS_fdatasync: return "fdatasync";
    case SYS_ioctl: return "ioctl";
    default: return "another call";
    }
}

/* Runs on the refused call's own stack and never returns to it. SIGSYS is
 * blocked while it runs, so the refused call it makes last kills the
 * process by SIGSYS at once. */
static void refused(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    hosted_say("sandbox: the app made system call %d (%s), which the sandbox does not allow; stopping it (SIGSYS)",
               info->si_syscall, call_name(info->si_syscall));
    sys_call3(SYS_getpid, 0, 0, 0); /* never allowed */
    sys_call3(SYS_exit_group, 128 + SIGSYS, 0, 0);
}

/* rt_sigaction wants a restorer on x86_64; the handler never returns to it. */
static void no_return(void)
{
    sys_call3(SYS_exit_group, 128 + SIGSYS, 0, 0);
}

void hosted_sandbox(void)
{
    build_filter();
    struct kernel_sigaction sa = {
        .action = refused,
        .flags = SA_SIGINFO | KERNEL_SA_RESTORER,
        .restorer = no_return,
        .mask = 0,
    };
    long r = sys_call4(SYS_rt_sigaction, SIGSYS, &sa, 0, sizeof sa.mask);
    if (r < 0)
        hosted_fail("sandbox: cannot install the SIGSYS handler (error %ld)", -r);
    if ((r = sys_call6(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0)) < 0)
        hosted_fail("sandbox: cannot become non-dumpable (error %ld)", -r);
    if ((r = sys_call6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0)) < 0)
        hosted_fail("sandbox: cannot set no_new_privs (error %ld)", -r);
    struct sock_fprog fprog = {.len = (unsigned short)prog_len, .filter = prog};
    if ((r = sys_call3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) < 0)
        hosted_fail("sandbox: the kernel refused the seccomp filter (error %ld)", -r);
}
