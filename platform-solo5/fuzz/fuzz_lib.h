/*
 * fuzz_lib.h: what the tender's fuzz targets share: a manifest declaring
 * one device of each kind, built the way an image carries it (an MFT1 note
 * descriptor) and validated by the tender's own parser.
 */
#ifndef KILN_FUZZ_LIB_H
#define KILN_FUZZ_LIB_H

#include <stdint.h>

#include "kiln_mft_abi.h"

/* Handles (manifest indices) of the devices fuzz_manifest() declares. */
enum fuzz_device {
    FUZZ_NET = 1,   /* "service", NET_BASIC */
    FUZZ_BLOCK = 2, /* "storage", BLOCK_BASIC */
    FUZZ_PIPE = 3,  /* "pipe", KILN_PIPE */
    FUZZ_FORK = 4,  /* "fork", KILN_FORK */
};

/* A malloc'ed manifest with those devices, as kiln_manifest_parse returns
 * it; aborts if the parser refuses it. Without (with_net), "service" is a
 * block device (for hosts where no tap can be made). */
struct kiln_mft *fuzz_manifest(int with_net);

/* Reads a little-endian word from (p). */
uint32_t fuzz_u32(const uint8_t *p);

#endif
