/*
 * args.h: kiln-hvt's command line, which is solo5-hvt's plus --net-pcap and
 * what forked children get (--fork-net, --fork-block):
 *   kiln-hvt [--mem=MB] [--net:NAME=TAP] [--net-mac:NAME=MAC]
 *            [--net-pcap:NAME=FILE] [--fork-net:NAME=TAP1,TAP2,...]
 *            [--block:NAME=PATH] [--block-sector-size:NAME=N]
 *            [--fork-block:NAME=share|refuse] [--] IMAGE [ARGS...]
 * args.c reads the line and the options of its own (--mem, --help,
 * --version); each device option belongs to a module (arg_module.h).
 * Parsing only checks syntax; matching names against the image's manifest
 * happens in devices.c once the image is read.
 */
#ifndef KILN_ARGS_H
#define KILN_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "block_args.h"
#include "kiln_mft_abi.h"
#include "mem_limits.h"
#include "net_args.h"

struct kiln_device_kind;

#define KILN_MAX_DEVICE_OPTS KILN_MFT_MAX_ENTRIES

struct kiln_options {
    uint64_t mem_bytes;
    struct kiln_net_opt net[KILN_MAX_DEVICE_OPTS];
    int n_net;
    struct kiln_block_opt block[KILN_MAX_DEVICE_OPTS];
    int n_block;
    /* Every device name the line used, with its kind: a name is one
     * device, and there are at most KILN_MAX_DEVICE_OPTS. */
    struct {
        char name[KILN_MFT_NAME_SIZE];
        const struct kiln_device_kind *kind;
        int attached;
    } names[KILN_MAX_DEVICE_OPTS];
    int n_names;
    const char *image;
    char *const *guest_argv; /* NULL-terminated, after the image */
    int want_help;
    int want_version;
};

/* Returns 0, or -1 with a one-line reason in err. */
int kiln_parse_args(int argc, char *const *argv, struct kiln_options *o,
                    char *err, size_t errlen);

void kiln_print_usage(const char *prog);

#endif
