/*
 * net_args.h: what the command line says about each network device:
 *   --net:NAME=TAP  --net-mac:NAME=MAC   (net_args.c)
 *   --net-offload:NAME=on|off            (net_args.c)
 *   --net-pcap:NAME=FILE                 (pcap_args.c)
 *   --fork-net:NAME=TAP1,TAP2,...        (fork_args.c)
 */
#ifndef KILN_NET_ARGS_H
#define KILN_NET_ARGS_H

#include <stdint.h>

#include "kiln_mft_abi.h"

#define KILN_FORK_POOL_MAX 64 /* taps in one --fork-net pool */
#define KILN_TAP_NAME_SIZE 16 /* Linux's IFNAMSIZ, terminator included */

struct kiln_net_opt {
    char name[KILN_MFT_NAME_SIZE];
    const char *tap; /* --net, or NULL while only other options named it */
    int has_mac;
    uint8_t mac[6];
    const char *pcap_path; /* --net-pcap, or NULL */
    int offload_off; /* --net-offload:NAME=off: large segments not offered */
    /* --fork-net: taps for forked children, one per child that holds it */
    char fork_taps[KILN_FORK_POOL_MAX][KILN_TAP_NAME_SIZE];
    int n_fork_taps;
};

#endif
