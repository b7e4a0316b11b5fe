/*
 * args.h: kiln-hvt's command line, which is solo5-hvt's plus --net-pcap and
 * what forked children get (--fork-net, --fork-block):
 *   kiln-hvt [--mem=MB] [--net:NAME=TAP] [--net-mac:NAME=MAC]
 *            [--net-pcap:NAME=FILE] [--fork-net:NAME=TAP1,TAP2,...]
 *            [--block:NAME=PATH] [--block-sector-size:NAME=N]
 *            [--fork-block:NAME=share|refuse] [--] IMAGE [ARGS...]
 * Parsing only checks syntax; matching names against the image's manifest
 * happens in devices.c once the image is read.
 */
#ifndef KILN_ARGS_H
#define KILN_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_mft_abi.h"
#include "mem_limits.h"

#define KILN_MAX_DEVICE_OPTS KILN_MFT_MAX_ENTRIES
#define KILN_FORK_POOL_MAX 64 /* taps in one --fork-net pool */
#define KILN_TAP_NAME_SIZE 16 /* Linux's IFNAMSIZ, terminator included */

enum kiln_device_kind { KILN_DEV_NET, KILN_DEV_BLOCK };

/* Everything the command line says about one device name. */
struct kiln_device_opt {
    enum kiln_device_kind kind;
    char name[KILN_MFT_NAME_SIZE];
    const char *backing;   /* --net: tap name, --block: path; NULL if absent */
    int has_mac;
    uint8_t mac[6];
    const char *pcap_path; /* --net-pcap, or NULL */
    uint32_t sector_size;  /* --block-sector-size, or 0 for the default */
    /* --fork-net: taps for forked children, one per child that holds it */
    char fork_taps[KILN_FORK_POOL_MAX][KILN_TAP_NAME_SIZE];
    int n_fork_taps;
    int fork_refuse;       /* --fork-block:NAME=refuse */
};

struct kiln_options {
    uint64_t mem_bytes;
    struct kiln_device_opt devices[KILN_MAX_DEVICE_OPTS];
    int n_devices;
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
