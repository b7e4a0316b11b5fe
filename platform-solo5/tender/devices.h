/*
 * devices.h: attaching the command line's devices to the image's manifest.
 * Every manifest device must be attached and every attached device must be
 * in the manifest, with the right kind. Backing taps and files are opened
 * here, before any KVM object exists.
 */
#ifndef KILN_DEVICES_H
#define KILN_DEVICES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "guest_mem.h"
#include "kiln_hvt_abi.h"
#include "kiln_mft_abi.h"
#include "net_pool.h"

/* Checks names and kinds only (no host resources touched). 0, or -1 with a
 * one-line reason in err. */
int kiln_devices_match(const struct kiln_options *o,
                       const struct kiln_mft *mft, char *err, size_t errlen);

/* Opens the backing taps and files, fills the manifest's entries (MAC, MTU,
 * capacity, sector size, attached) and registers the hypercalls. 0, or -1
 * with a one-line reason. Call after kiln_devices_match. */
int kiln_devices_attach(const struct kiln_options *o, struct kiln_mft *mft,
                        char *err, size_t errlen);

/* Net and block modules, called by kiln_devices_attach. */
int kiln_net_attach(struct kiln_mft *mft, unsigned index,
                    const struct kiln_net_opt *opt, char *err,
                    size_t errlen);
/* Opens tap (ifname), which must exist. The fd, or -1 with a reason. */
int kiln_tap_open(const char *ifname, char *err, size_t errlen);

/* In a forked tender, before the guest runs again: the parent's taps are
 * not ours. A device with a tap in (claim) uses it, with a new MAC (in the
 * guest's manifest too) and rings emptied of the parent's frames; the
 * others are unavailable (KILN_R_UNAVAILABLE). 0, or -1 with a reason. */
int kiln_net_fork_child(const struct kiln_guest_mem *m,
                        const struct kiln_net_claim *claim, char *err,
                        size_t errlen);

/* KILN_FEATURE_NET_OFFLOAD once a network device offers large segments
 * (not --net-offload:NAME=off), else 0: for the boot info's host_features. */
uint32_t kiln_net_offload_host_features(void);
/* One line: large segments refused, received frames dropped (for
 * KILN_HVT_STATS=1). */
void kiln_net_print_counts(FILE *to);

int kiln_block_attach(struct kiln_mft *mft, unsigned index,
                      const struct kiln_block_opt *opt, char *err,
                      size_t errlen);
/* In a forked tender: devices given --fork-block:NAME=refuse are closed and
 * their calls fail with KILN_R_UNAVAILABLE; the others stay shared. */
void kiln_block_fork_child(void);
/* KILN_FEATURE_BLOCK_FLUSH once a block device is attached, else 0: for the
 * boot info's host_features. */
uint32_t kiln_block_host_features(void);

#endif
