/* net_pool.c: --fork-net tap pools, and who holds each tap (net_pool.h). */
#define _GNU_SOURCE
#include "net_pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices.h"
#include "fail.h"

struct pool {
    int n;                      /* taps; 0: no pool */
    int fd[KILN_FORK_POOL_MAX]; /* in the root until the keeper starts, then
                                 * in the keeper only */
};

static struct pool pools[KILN_MFT_MAX_ENTRIES];

/* Holder of each tap (its tender's pid), 0 when free. In a MAP_SHARED
 * mapping made before any fork: every tender of the tree sees the same. */
static pid_t (*holders)[KILN_FORK_POOL_MAX];

/* This tender's end of the keeper's request socket, or -1 (no pools). */
static int keeper_fd = -1;
/* The keeper and the root tender that started it. */
static pid_t keeper_pid, root_pid;

/* A request to the keeper; the reply socket comes with it (SCM_RIGHTS). */
struct fetch_request {
    uint32_t handle;
    int32_t slot;
};
static void release_own(void)
{
    kiln_net_pool_release(getpid());
}

int kiln_net_pool_open(unsigned handle, const struct kiln_net_opt *opt,
                       char *err, size_t errlen)
{
    if (opt->n_fork_taps == 0)
        return 0; /* no pool: no table to share, nothing to give back */
    if (holders == NULL) {
        void *p = mmap(NULL, sizeof(pid_t[KILN_MFT_MAX_ENTRIES][KILN_FORK_POOL_MAX]),
                       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                       0);
        if (p == MAP_FAILED)
            return kiln_fail(err, errlen, "--fork-net: shared memory: %s",
                             strerror(errno));
        holders = p;
        atexit(release_own);
    }
    struct pool *pool = &pools[handle];
    for (int i = 0; i < opt->n_fork_taps; i++) {
        char why[256];
        int fd = kiln_tap_open(opt->fork_taps[i], why, sizeof why);
        if (fd < 0)
            return kiln_fail(err, errlen, "--fork-net:%s: %s (expected "
                             "--fork-net:%s=TAP1,TAP2,... naming existing "
                             "taps)", opt->name, why, opt->name);
        pool->fd[pool->n++] = fd;
    }
    return 0;
}

int kiln_net_pool_has(unsigned handle)
{
    return handle < KILN_MFT_MAX_ENTRIES && pools[handle].n > 0;
}

/* Sends (len) bytes of (data) on (sock) with (fd) attached when fd >= 0.
 * 0, or -1 (errno). */
static int send_with_fd(int sock, const void *data, size_t len, int fd)
{
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.space;
        msg.msg_controllen = sizeof control.space;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)len ? 0 : -1;
}

/* Receives one message of up to (len) bytes into (data) from (sock), and
 * the fd that came with it into *fd (-1 if none). The message's length,
 * 0 at end of file, or -1 (errno). */
static ssize_t receive_with_fd(int sock, void *data, size_t len, int *fd)
{
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = {.iov_base = data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = control.space,
                         .msg_controllen = sizeof control.space};
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    *fd = -1;
    struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(fd, CMSG_DATA(c), sizeof *fd);
    return n;
}

/* Whether (fd) is one the keeper keeps: a pool tap, or its socket. */
static int keeper_keeps(int fd, int sock)
{
    if (fd == sock)
        return 1;
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        for (int s = 0; s < pools[h].n; s++)
            if (pools[h].fd[s] == fd)
                return 1;
    return 0;
}

/* The keeper drops everything the root had open but the taps and its
 * socket: the root's own tap, block files, pcap files, stdio. */
static void keeper_close_others(int sock)
{
    int n;
    do { /* listed first, closed after: a batch at a time */
        DIR *d = opendir("/proc/self/fd");
        if (d == NULL)
            _exit(1);
        int listing = dirfd(d), fds[256];
        n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < (int)(sizeof fds / sizeof fds[0])) {
            int fd = atoi(e->d_name);
            if (e->d_name[0] != '.' && fd != listing && !keeper_keeps(fd, sock))
                fds[n++] = fd;
        }
        closedir(d);
        for (int i = 0; i < n; i++)
            close(fds[i]);
    } while (n > 0);
}

/* The keeper: answers each request with the tap, when the requesting
 * tender (the reply socket's creator) holds that slot. It lives as long as
 * the root tender, which ends and reaps it on its way out (nothing else
 * may be there to reap it); stop signals are for the tenders, and the
 * root's death ends it too. */
static void keeper(int sock, pid_t root)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != root)
        _exit(1);
    keeper_close_others(sock);
    for (;;) {
        struct fetch_request req;
        int reply;
        ssize_t n = receive_with_fd(sock, &req, sizeof req, &reply);
        if (n == 0)
            _exit(0);
        if (n < 0)
            _exit(1);
        if (reply < 0)
            continue;
        struct ucred peer;
        socklen_t peer_len = sizeof peer;
        int tap = -1;
        if (n == (ssize_t)sizeof req && req.handle < KILN_MFT_MAX_ENTRIES &&
            req.slot >= 0 && req.slot < pools[req.handle].n &&
            getsockopt(reply, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) == 0 &&
            __atomic_load_n(&holders[req.handle][req.slot], __ATOMIC_SEQ_CST) ==
                peer.pid)
            tap = pools[req.handle].fd[req.slot];
        char status = tap >= 0 ? 0 : 1;
        send_with_fd(reply, &status, 1, tap);
        close(reply);
    }
}

/* At the root tender's exit (forked tenders inherit the handler). Forked
 * tenders still running down no longer get taps: they are being stopped. */
static void end_keeper(void)
{
    if (getpid() != root_pid)
        return;
    kill(keeper_pid, SIGKILL);
    while (waitpid(keeper_pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

int kiln_net_pool_start(char *err, size_t errlen)
{
    if (holders == NULL)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return kiln_fail(err, errlen, "--fork-net: pool socket: %s",
                         strerror(errno));
    fflush(NULL);
    root_pid = getpid();
    keeper_pid = fork();
    if (keeper_pid < 0)
        return kiln_fail(err, errlen, "--fork-net: pool keeper: %s",
                         strerror(errno));
    if (keeper_pid == 0) {
        close(sv[1]);
        keeper(sv[0], root_pid);
    }
    atexit(end_keeper);
    close(sv[0]);
    keeper_fd = sv[1];
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        for (int s = 0; s < pools[h].n; s++) {
            close(pools[h].fd[s]);
            pools[h].fd[s] = -1;
        }
    return 0;
}

int kiln_net_pool_fetch(unsigned handle, int slot, char *err, size_t errlen)
{
    int rp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rp) != 0)
        return kiln_fail(err, errlen, "pool tap: reply socket: %s",
                         strerror(errno));
    struct fetch_request req = {.handle = handle, .slot = slot};
    int sent = send_with_fd(keeper_fd, &req, sizeof req, rp[1]);
    close(rp[1]);
    char status = 1;
    int tap = -1;
    ssize_t n = sent == 0 ? receive_with_fd(rp[0], &status, 1, &tap) : -1;
    close(rp[0]);
    if (n != 1 || status != 0 || tap < 0) {
        if (tap >= 0)
            close(tap);
        return kiln_fail(err, errlen, "--fork-net: the pool keeper %s tap %d",
                         n == 1 ? "refused (not held by this tender)"
                                : "did not answer for",
                         slot + 1);
    }
    return tap;
}

/* Whether (pid) is gone for good: not even a zombie waiting for its
 * parent. A pid reused since only makes a dead holder look alive, which
 * keeps its tap taken: never handed out twice. */
static int gone(pid_t pid)
{
    return kill(pid, 0) != 0 && errno == ESRCH;
}

/* A free slot of (handle)'s pool, now held by this tender, or -1. A tap
 * whose holder is gone without giving it back (killed outright and reaped
 * by someone else than a tender: an orphan's) is taken over. */
static int take_slot(unsigned handle)
{
    pid_t self = getpid();
    for (int pass = 0; pass < 2; pass++)
        for (int s = 0; s < pools[handle].n; s++) {
            pid_t expected = __atomic_load_n(&holders[handle][s], __ATOMIC_SEQ_CST);
            if ((pass == 0 && expected != 0) ||
                (pass == 1 && (expected == 0 || !gone(expected))))
                continue;
            if (__atomic_compare_exchange_n(&holders[handle][s], &expected,
                                            self, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST))
                return s;
        }
    return -1;
}

int kiln_net_claim_take(struct kiln_net_claim *c, unsigned *handle)
{
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        c->slot[h] = -1;
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++) {
        if (pools[h].n == 0)
            continue;
        c->slot[h] = take_slot(h);
        if (c->slot[h] < 0) {
            kiln_net_claim_drop(c);
            *handle = h;
            return -1;
        }
    }
    return 0;
}

/* Parent and child both move the taps from parent to child, whichever
 * comes first; a compare-and-swap, so a tap the child already gave back
 * (it ended) or the parent's exit freed is not taken again. */
void kiln_net_claim_hand_over(const struct kiln_net_claim *c, pid_t parent,
                              pid_t child)
{
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++) {
        pid_t expected = parent;
        if (c->slot[h] >= 0)
            __atomic_compare_exchange_n(&holders[h][c->slot[h]], &expected,
                                        child, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST);
    }
}

void kiln_net_claim_drop(const struct kiln_net_claim *c)
{
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        if (c->slot[h] >= 0)
            __atomic_store_n(&holders[h][c->slot[h]], 0, __ATOMIC_SEQ_CST);
}

void kiln_net_pool_release(pid_t pid)
{
    if (holders == NULL || pid <= 0)
        return;
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        for (int s = 0; s < pools[h].n; s++) {
            pid_t expected = pid;
            __atomic_compare_exchange_n(&holders[h][s], &expected, 0, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        }
}
