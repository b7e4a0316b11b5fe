/*
 * arg_module.h: how a tender module declares its command-line options, in
 * the way of Solo5's hvt_module_ops: each module (net, pcap, block, fork)
 * names its options, parses their values into its part of kiln_options,
 * checks the whole line once it is read, and gives its --help lines.
 * args.c knows only the list of modules. Every module option has the form
 * --PREFIX:NAME=VALUE, NAME a device name of the image's manifest.
 */
#ifndef KILN_ARG_MODULE_H
#define KILN_ARG_MODULE_H

#include <stddef.h>
#include <stdint.h>

struct kiln_options;

struct kiln_arg_option {
    const char *prefix; /* "--net:" */
    /* Takes (value) for device (name), both already checked for form;
     * (arg) is the whole argument, for messages. 0, or -1 with a one-line
     * reason naming the argument and the form expected. */
    int (*take)(struct kiln_options *o, const char *arg, const char *name,
                const char *value, char *err, size_t errlen);
};

struct kiln_arg_module {
    const struct kiln_arg_option *options;
    size_t n_options;
    /* After the whole line (NULL: nothing to check). 0, or -1 with a
     * reason. */
    int (*check)(const struct kiln_options *o, char *err, size_t errlen);
    const char *usage; /* --help lines, each ending in \n */
};

extern const struct kiln_arg_module kiln_net_args, kiln_pcap_args,
    kiln_block_args, kiln_fork_args;

/* The kind of device a module's options are about: its name in messages
 * ("network") and the option that attaches one ("--net"). */
struct kiln_device_kind {
    const char *name;
    const char *attach;
};
extern const struct kiln_device_kind kiln_net_kind, kiln_block_kind;

/* Device (name) is of (kind) from now on. Its index among the devices of
 * its kind, in the order the line first names them (one more than the
 * kind's count when it is new); -1 with a reason when it is of another
 * kind or the line names too many devices. */
int kiln_args_claim_name(struct kiln_options *o,
                         const struct kiln_device_kind *kind, const char *name,
                         const char *arg, char *err, size_t errlen);

/* Device (name), claimed before, was given its kind's attaching option:
 * options about a device the line never attaches are refused. */
void kiln_args_attached(struct kiln_options *o, const char *name);

/* The index of device (name) among the devices of (kind) (as
 * kiln_args_claim_name gave it), or -1. */
int kiln_args_device_index(const struct kiln_options *o,
                           const struct kiln_device_kind *kind,
                           const char *name);

/* Strict decimal: digits only, no sign, at most (max). 0 or -1. */
int kiln_args_decimal(const char *s, uint64_t max, uint64_t *out);

#endif
