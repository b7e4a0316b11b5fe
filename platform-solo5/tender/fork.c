/*
 * fork.c: KILN_HC_FORK and KILN_HC_WAIT. The tender saves the vCPU, forks
 * itself (guest memory is a private anonymous mapping, so the child gets a
 * copy-on-write copy at the same address), and the child builds a new VM
 * and vCPU over that copy and loads the saved state. Both resume after the
 * hypercall: the parent sees the child's id, the child 0. A child's exit is
 * reported through a pidfd in the poll set, under the fork device's handle.
 */
#define _GNU_SOURCE
#include "fork.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices.h"
#include "fork_trace.h"
#include "fork_tree.h"
#include "hypercall.h"
#include "net_pool.h"
#include "pipe.h"
#include "solo5.h"
#include "vcpu_state.h"

#define ERR_SIZE 256

struct child {
    pid_t pid;  /* 0: free slot */
    int pidfd;  /* readable once the child has exited */
};

static struct child children[KILN_FORK_MAX_CHILDREN];
static struct kiln_vm *the_vm;
static const struct kiln_mft *fork_mft;
static uint64_t fork_handle;

int kiln_fork_bind_vm(struct kiln_vm *vm, char *err, size_t errlen)
{
    the_vm = vm;
    return fork_mft != NULL ? kiln_vcpu_note_reset(vm, err, errlen) : 0;
}

static struct child *child_slot(pid_t pid)
{
    for (unsigned i = 0; i < KILN_FORK_MAX_CHILDREN; i++)
        if (children[i].pid == pid)
            return &children[i];
    return NULL;
}

/* Net devices' taps stay with the parent (net_tap.c gives the child its
 * own, if any). */
static uint64_t net_handles(void)
{
    uint64_t mask = 0;
    for (uint32_t i = 1; i < fork_mft->entries; i++)
        if (fork_mft->e[i].type == KILN_MFT_NET_BASIC)
            mask |= 1ULL << i;
    return mask;
}

/* A forked tender that cannot go on: its taps go back to the pool, its
 * pipe ends are given up. */
static void child_fails(void)
{
    kiln_net_pool_release(getpid());
    kiln_pipe_give_up();
    _exit(1);
}

/* In the new tender: drop what belongs to the parent, build a VM of our own
 * over the copied memory, load the parent's vCPU state. Failing here
 * leaves nothing to resume: the child tender exits 1, which its parent
 * sees as the child's status. */
static void become_child(const struct kiln_guest_mem *mem, pid_t parent,
                         const struct kiln_vcpu_state *state,
                         const struct kiln_net_claim *claim)
{
    char err[ERR_SIZE];
    kiln_net_claim_hand_over(claim, parent, getpid());
    /* An orphaned VM could never be waited for: it goes with its parent. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
        child_fails();
    kiln_poll_fork_child(net_handles());
    /* The parent's children are not ours to wait for. */
    for (unsigned i = 0; i < KILN_FORK_MAX_CHILDREN; i++)
        if (children[i].pid != 0) {
            kiln_poll_forget(children[i].pidfd);
            close(children[i].pidfd);
            children[i].pid = 0;
        }
    if (kiln_net_fork_child(mem, claim, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-hvt: forked tender: %s\n", err);
        child_fails();
    }
    kiln_block_fork_child();
    kiln_fork_trace_mark("child: devices and poll set taken over");
    if (kiln_vm_recreate(the_vm, mem, err, sizeof err) != 0 ||
        kiln_vcpu_restore(the_vm, state, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-hvt: forked tender: %s\n", err);
        child_fails();
    }
}

static enum kiln_hc_outcome fork_(const struct kiln_guest_mem *m, uint64_t gpa,
                                  int *status)
{
    struct kiln_hc_fork *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_fork);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_FORK, gpa, status);
    char err[ERR_SIZE];
    struct child *slot = child_slot(0);
    int tree = slot == NULL ? 1 : kiln_fork_tree_take(err, sizeof err);
    if (tree != 0) {
        if (tree < 0)
            fprintf(stderr, "kiln-hvt: %s\n", err);
        a->ret = tree > 0 ? KILN_R_LIMIT : SOLO5_R_EUNSPEC;
        return KILN_HC_CONTINUE;
    }
    /* A pool with no tap free is a limit like the number of children. */
    struct kiln_net_claim claim;
    unsigned exhausted;
    if (kiln_net_claim_take(&claim, &exhausted) != 0) {
        kiln_fork_tree_give_back(1);
        a->ret = KILN_R_LIMIT;
        return KILN_HC_CONTINUE;
    }
    /* Traced from here: a fork refused for a limit never resumes a copy,
     * and would leave a report of nothing at the next exit. */
    kiln_fork_trace_start();
    struct kiln_vcpu_state *state = kiln_vcpu_save(the_vm, err, sizeof err);
    if (state == NULL) {
        fprintf(stderr, "kiln-hvt: fork: %s\n", err);
        kiln_net_claim_drop(&claim);
        kiln_fork_tree_give_back(1);
        a->ret = KILN_R_NOSYS;
        return KILN_HC_CONTINUE;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    kiln_pipe_fork_begin(); /* the child will hold our pipe ends too */
    kiln_fork_trace_mark("vCPU saved, net claimed, pipes counted");
    pid_t pid = fork();
    kiln_fork_trace_role(pid == 0 ? "child" : "parent");
    kiln_fork_trace_mark("fork() returned");
    if (pid == 0) {
        become_child(m, parent, state, &claim);
        kiln_vcpu_state_free(state);
        a->child = 0;
        a->ret = SOLO5_R_OK;
        return KILN_HC_CONTINUE;
    }
    kiln_vcpu_state_free(state);
    if (pid > 0)
        kiln_net_claim_hand_over(&claim, parent, pid);
    else
        kiln_net_claim_drop(&claim);
    int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    if (pid < 0 || pidfd < 0 ||
        kiln_poll_watch(pidfd, EPOLLIN | EPOLLONESHOT, fork_handle) != 0) {
        int e = errno;
        kiln_pipe_fork_abandoned();
        kiln_fork_tree_give_back(1);
        if (pid > 0) { /* cannot follow it: do not leave it running */
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            kiln_net_pool_release(pid);
        }
        if (pidfd >= 0)
            close(pidfd);
        fprintf(stderr, "kiln-hvt: fork: %s\n", strerror(e));
        a->ret = e == EAGAIN || e == EMFILE || e == ENOMEM ? KILN_R_LIMIT
                                                          : SOLO5_R_EUNSPEC;
        return KILN_HC_CONTINUE;
    }
    kiln_fork_trace_mark("parent: child's pidfd watched");
    *slot = (struct child){.pid = pid, .pidfd = pidfd};
    a->child = (uint64_t)pid;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome wait_(const struct kiln_guest_mem *m, uint64_t gpa,
                                  int *status)
{
    struct kiln_hc_wait *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_wait);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_WAIT, gpa, status);
    uint64_t id = a->child;
    struct child *c = id == 0 || id > INT32_MAX ? NULL : child_slot((pid_t)id);
    if (c == NULL) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    /* Looked at before it is reaped, so its pid cannot be anyone's yet:
     * the taps a child killed outright could not give back are freed. */
    siginfo_t info = {.si_pid = 0};
    int r;
    do
        r = waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT);
    while (r < 0 && errno == EINTR);
    if (r == 0 && info.si_pid == 0) {
        a->ret = SOLO5_R_AGAIN;
        return KILN_HC_CONTINUE;
    }
    kiln_net_pool_release(c->pid);
    int st;
    do
        r = waitpid(c->pid, &st, 0);
    while (r < 0 && errno == EINTR);
    kiln_poll_forget(c->pidfd);
    close(c->pidfd);
    c->pid = 0;
    kiln_fork_tree_give_back(1);
    if (r < 0) {
        a->ret = SOLO5_R_EUNSPEC;
        return KILN_HC_CONTINUE;
    }
    /* Killed by a signal: reported as a crash, as traps are. */
    a->status = WIFEXITED(st) ? WEXITSTATUS(st) : KILN_EXIT_GUEST_FAULT;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

void kiln_fork_give_back_children(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < KILN_FORK_MAX_CHILDREN; i++)
        n += children[i].pid != 0;
    kiln_fork_tree_give_back(n);
}

void kiln_fork_attach(const struct kiln_mft *mft, unsigned index)
{
    atexit(kiln_fork_give_back_children);
    fork_mft = mft;
    fork_handle = index;
    kiln_fork_trace_init();
    kiln_hc_register(KILN_HC_FORK, fork_);
    kiln_hc_register(KILN_HC_WAIT, wait_);
}
