/* net_pool.c: --fork-net tap pools, and who holds each tap (net_pool.h). */
#define _GNU_SOURCE
#include "net_pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices.h"
#include "fail.h"

struct pool {
    int n;                        /* taps; 0: no pool */
    int fd[KILN_FORK_POOL_MAX];   /* opened by the root tender, inherited */
};

static struct pool pools[KILN_MFT_MAX_ENTRIES];

/* Holder of each tap (its tender's pid), 0 when free. In a MAP_SHARED
 * mapping made before any fork: every tender of the tree sees the same. */
static pid_t (*holders)[KILN_FORK_POOL_MAX];

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

int kiln_net_pool_fd(unsigned handle, int slot)
{
    return pools[handle].fd[slot];
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
