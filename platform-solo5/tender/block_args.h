/*
 * block_args.h: what the command line says about each block device:
 *   --block:NAME=PATH  --block-sector-size:NAME=N  (block_args.c)
 *   --fork-block:NAME=share|refuse                 (fork_args.c)
 */
#ifndef KILN_BLOCK_ARGS_H
#define KILN_BLOCK_ARGS_H

#include <stdint.h>

#include "kiln_mft_abi.h"

struct kiln_block_opt {
    char name[KILN_MFT_NAME_SIZE];
    const char *path;     /* --block, or NULL while only other options named it */
    uint32_t sector_size; /* --block-sector-size, or 0 for the default */
    int fork_refuse;      /* --fork-block:NAME=refuse */
};

#endif
