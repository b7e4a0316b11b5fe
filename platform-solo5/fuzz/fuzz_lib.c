/* fuzz_lib.c: see fuzz_lib.h. */
#include "fuzz_lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

struct kiln_mft *fuzz_manifest(int with_net)
{
    static const struct {
        const char *name;
        uint32_t type;
    } devices[] = {
        [FUZZ_NET] = {"service", KILN_MFT_NET_BASIC},
        [FUZZ_BLOCK] = {"storage", KILN_MFT_BLOCK_BASIC},
        [FUZZ_PIPE] = {"pipe", KILN_MFT_KILN_PIPE},
        [FUZZ_FORK] = {"fork", KILN_MFT_KILN_FORK},
    };
    const uint32_t n = sizeof devices / sizeof devices[0];
    uint8_t desc[KILN_MFT1_DESC_PAD + sizeof(struct kiln_mft) +
                 sizeof devices / sizeof devices[0] * sizeof(struct kiln_mft_entry)]
        __attribute__((aligned(8)));
    memset(desc, 0, sizeof desc);
    struct kiln_mft head = {.version = KILN_MFT_VERSION, .entries = n};
    memcpy(desc + KILN_MFT1_DESC_PAD, &head, sizeof head);
    for (uint32_t i = 0; i < n; i++) {
        struct kiln_mft_entry e;
        memset(&e, 0, sizeof e);
        e.type = i == 0 ? KILN_MFT_RESERVED_FIRST : devices[i].type;
        if (i == FUZZ_NET && !with_net)
            e.type = KILN_MFT_BLOCK_BASIC;
        if (i != 0)
            strcpy(e.name, devices[i].name);
        memcpy(desc + KILN_MFT1_DESC_PAD + sizeof head + i * sizeof e, &e,
               sizeof e);
    }
    char err[256];
    struct kiln_mft *mft = kiln_manifest_parse(desc, sizeof desc, err, sizeof err);
    if (mft == NULL) {
        fprintf(stderr, "fuzz_manifest: %s\n", err);
        abort();
    }
    return mft;
}

uint32_t fuzz_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
