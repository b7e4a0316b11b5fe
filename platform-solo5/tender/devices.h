/*
 * devices.h: attaching the command line's devices to the image's manifest.
 * Every manifest device must be attached and every attached device must be
 * in the manifest, with the right kind. Backing taps and files are opened
 * here, before any KVM object exists.
 */
#ifndef KILN_DEVICES_H
#define KILN_DEVICES_H

#include <stddef.h>

#include "args.h"
#include "kiln_hvt_abi.h"

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
                    const struct kiln_device_opt *opt, char *err,
                    size_t errlen);
/* In a forked tender: the taps stay the parent's; the child's net calls
 * fail with SOLO5_R_EINVAL. */
void kiln_net_fork_child(void);

int kiln_block_attach(struct kiln_mft *mft, unsigned index,
                      const struct kiln_device_opt *opt, char *err,
                      size_t errlen);

#endif
