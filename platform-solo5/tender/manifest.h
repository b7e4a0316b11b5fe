/* manifest.h: validating an image's MFT1 manifest and looking devices up. */
#ifndef KILN_MANIFEST_H
#define KILN_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_mft_abi.h"

/* Validates the MFT1 note descriptor (desc, size) and returns a malloc'ed
 * copy of the manifest, or NULL with a one-line reason in err. Refuses:
 * wrong version, entry count or size; entry 0 not the reserved entry;
 * unterminated, empty, non-alphanumeric or duplicate names; entries marked
 * attached; unknown device types. */
struct kiln_mft *kiln_manifest_parse(const uint8_t *desc, size_t size,
                                     char *err, size_t errlen);

size_t kiln_manifest_size(const struct kiln_mft *m);

/* Index of the entry called (name), or -1. */
int kiln_manifest_find(const struct kiln_mft *m, const char *name);

/* "NET_BASIC", "BLOCK_BASIC", "KILN_FORK", ... */
const char *kiln_mft_type_name(uint32_t type);

#endif
