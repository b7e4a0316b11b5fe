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
struct kiln_device_kind;

struct kiln_arg_option {
    const char *prefix; /* "--net:" */
    const struct kiln_device_kind *kind; /* of the device NAME names */
    /* Takes (value), already checked for form, for (device): the options
     * entry (a struct kiln_net_opt or kiln_block_opt, as (kind) says) of
     * the device the argument names; (arg) is the whole argument, for
     * messages. 0, or -1 with a one-line reason naming the argument and the
     * form expected. */
    int (*take)(struct kiln_options *o, void *device, const char *arg,
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
 * ("network"), the option that attaches one ("--net"), and where
 * kiln_options keeps its devices' options: an array (at offset table) of
 * entries of (entry_size) bytes, each beginning with the device's name,
 * and the int counting them (at offset count). */
struct kiln_device_kind {
    const char *name;
    const char *attach;
    size_t table;
    size_t entry_size;
    size_t count;
};
extern const struct kiln_device_kind kiln_net_kind, kiln_block_kind;

/* The attaching option's (value) for device (name) into (*slot), its
 * entry's field for it; refused when the device was attached before.
 * Options about a device the line never attaches are refused at the end. */
int kiln_args_attach(struct kiln_options *o, const char **slot,
                     const char *value, const char *name, const char *arg,
                     char *err, size_t errlen);

/* The index of device (name) among the devices of (kind) (as
 * the line first names them), or -1. */
int kiln_args_device_index(const struct kiln_options *o,
                           const struct kiln_device_kind *kind,
                           const char *name);

/* Strict decimal: digits only, no sign, at most (max). 0 or -1. */
int kiln_args_decimal(const char *s, uint64_t max, uint64_t *out);

#endif
