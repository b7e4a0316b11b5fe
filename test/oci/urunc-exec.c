/*
 * urunc-exec: the last steps urunc takes before it becomes solo5-hvt
 * (deploy/URUNC.md, sections 4 and 5), for tests on x86_64:
 *
 *   urunc-exec --root DIR --seccomp trap|log|off -- PROGRAM ARGS...
 *
 * chroot into DIR (urunc pivots or chroots into the container's root), set
 * no_new_privs, install urunc's seccomp filter for solo5-hvt (same allow-list,
 * same program shape as go-seccomp-bpf builds it, flag TSYNC), then execv
 * PROGRAM. "trap" is urunc's default action (SIGSYS); "log" allows and logs
 * every call outside the list (kernel audit lines, type=1326), to find which
 * ones a tender needs beyond it; "off" is urunc with seccomp disabled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "urunc's hvt allow-list names x86_64 system calls (open, stat, access, arch_prctl)"
#endif

/* hypervisors/hvt.go, applySeccompFilter, in its order. */
static const int allowed[] = {
    __NR_rt_sigaction, __NR_ioctl, __NR_pread64, __NR_mmap, __NR_recvmsg,
    __NR_openat, __NR_sendto, __NR_mprotect, __NR_write, __NR_epoll_ctl,
    __NR_epoll_create1, __NR_read, __NR_open, __NR_close, __NR_fstat,
    __NR_stat, __NR_munmap, __NR_brk, __NR_access, __NR_execve,
    __NR_timerfd_create, __NR_arch_prctl, __NR_lseek, __NR_personality,
    __NR_socket, __NR_bind, __NR_getsockname, __NR_exit, __NR_exit_group,
    __NR_getpid, __NR_tgkill, __NR_nanosleep, __NR_futex, __NR_epoll_pwait,
    __NR_rt_sigreturn, __NR_timerfd_settime, __NR_pwrite64, __NR_newfstatat,
    __NR_set_tid_address, __NR_set_robust_list, __NR_rseq, __NR_prlimit64,
    __NR_getrandom,
};
#define N_ALLOWED (sizeof allowed / sizeof allowed[0])

static int usage(void)
{
    fprintf(stderr, "usage: urunc-exec --root DIR --seccomp trap|log|off -- PROGRAM [ARGS...]\n");
    return 2;
}

static int install_filter(__u32 default_action)
{
    /* 4 head + 2 x32 + 1 per name + 2 returns */
    struct sock_filter prog[4 + 2 + N_ALLOWED + 2];
    size_t n = 0;
    const size_t allow_at = 4 + 2 + N_ALLOWED + 1;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    /* Another architecture jumps to the last instruction, which allows (as go-seccomp-bpf does). */
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA | BPF_K, (__u32)(allow_at - 3));
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    /* x32 system calls: ENOSYS. */
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
    for (size_t i = 0; i < N_ALLOWED; i++, n++)
        prog[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)allowed[i],
                                               (__u8)(allow_at - n - 1), 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, default_action);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("urunc-exec: no_new_privs");
        return -1;
    }
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog) != 0) {
        perror("urunc-exec: seccomp");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *root = NULL, *mode = NULL;
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (strcmp(argv[i], "--root") == 0)
            root = argv[i + 1];
        else if (strcmp(argv[i], "--seccomp") == 0)
            mode = argv[i + 1];
        else
            return usage();
    }
    if (root == NULL || mode == NULL || i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc)
        return usage();
    __u32 action;
    if (strcmp(mode, "trap") == 0)
        action = SECCOMP_RET_TRAP;
    else if (strcmp(mode, "log") == 0)
        action = SECCOMP_RET_LOG;
    else if (strcmp(mode, "off") == 0)
        action = 0;
    else
        return usage();
    if (chroot(root) != 0 || chdir("/") != 0) {
        fprintf(stderr, "urunc-exec: chroot %s: %s\n", root, strerror(errno));
        return 1;
    }
    if (action != 0 && install_filter(action) != 0)
        return 1;
    execv(argv[i + 1], &argv[i + 1]);
    fprintf(stderr, "urunc-exec: exec %s: %s\n", argv[i + 1], strerror(errno));
    return 127;
}
