/*
 * net_pool.h: the taps --fork-net sets aside for forked children. The root
 * tender opens every pool tap at start-up (so a missing tap is refused
 * before the guest runs) and keeps a table of who holds each one in memory
 * shared by every tender forked from it, children of children included: a
 * tap is claimed with an atomic compare-and-swap, so no two tenders ever
 * hold the same tap. A tap is free again once the tender holding it ends:
 * it releases its own on exit (also on SIGTERM/SIGINT), the parent
 * releases a child's when it reaps one that could not (SIGKILL), and a
 * claim finding no free tap takes over one whose holder no longer exists
 * (an orphan killed outright).
 *
 * The taps themselves live in one process, the pool keeper, which the root
 * tender forks once its devices are attached and then closes its own
 * copies: a tender holds only the tap it uses, which a forked tender asks
 * the keeper for over a Unix socket (the fd comes back with SCM_RIGHTS; the
 * keeper hands a tap only to the tender the table says holds it). The
 * keeper ends with the root tender.
 */
#ifndef KILN_NET_POOL_H
#define KILN_NET_POOL_H

#include <stddef.h>
#include <sys/types.h>

#include "net_args.h"
#include "kiln_mft_abi.h"

/* The taps one fork takes: a pool slot per network handle, -1 where the
 * device has no pool. */
struct kiln_net_claim {
    int slot[KILN_MFT_MAX_ENTRIES];
};

/* Opens (opt)'s pool taps for network device (handle). 0, or -1 with a
 * one-line reason naming the argument. */
int kiln_net_pool_open(unsigned handle, const struct kiln_net_opt *opt,
                       char *err, size_t errlen);

/* Whether device (handle) has a pool. */
int kiln_net_pool_has(unsigned handle);

/* Before fork(): takes a free tap for every device with a pool, held by
 * this tender until kiln_net_claim_hand_over. -1 when some pool has none
 * free (nothing is then held); (handle) says which. */
int kiln_net_claim_take(struct kiln_net_claim *c, unsigned *handle);

/* After fork(), in parent and child alike: the child holds the taps. */
void kiln_net_claim_hand_over(const struct kiln_net_claim *c, pid_t parent,
                              pid_t child);

/* The fork failed: the taps are free again. */
void kiln_net_claim_drop(const struct kiln_net_claim *c);

/* Forks the pool keeper, which takes every pool's tap, and closes them
 * here. Call once, in the root tender, after every pool is open; nothing
 * to do without pools. 0, or -1 with a reason. */
int kiln_net_pool_start(char *err, size_t errlen);

/* The tap in (handle)'s pool slot (slot), which this tender holds, from
 * the keeper: a new fd, or -1 with a reason. */
int kiln_net_pool_fetch(unsigned handle, int slot, char *err, size_t errlen);

/* Frees every tap (pid) holds. Async-signal-safe. */
void kiln_net_pool_release(pid_t pid);

#endif
