/*
 * kiln_mft_abi.h: the application manifest, the list of devices an image
 * declares, carried in Solo5's MFT1 ELF note. kiln-mft writes it into the
 * image; the tender reads it at load, attaches devices to its entries and
 * hands it to the guest (the boot info's mft). The layout is Solo5's
 * (manifest version 1). Kiln's own device types sit at or above
 * KILN_MFT_RESERVED_FIRST, in the range upstream leaves free.
 *
 * Shared by guest, tender and kiln-mft: only fixed-width types.
 */
#ifndef KILN_MFT_ABI_H
#define KILN_MFT_ABI_H

#include <stdint.h>

#include "kiln_elf_abi.h"

/* The manifest note's owner is KILN_NOTE_NAME, its header a
 * struct kiln_note_header. */
#define KILN_NOTE_TYPE_MFT1 0x3154464dU /* "MFT1" */

/* Entry 0 is always KILN_MFT_RESERVED_FIRST with an empty name; a device's
 * handle is the index of its entry. */
#define KILN_MFT_VERSION 1
#define KILN_MFT_MAX_ENTRIES 64
#define KILN_MFT_NAME_SIZE 68
#define KILN_MFT_NAME_MAX 67

enum kiln_mft_type {
    KILN_MFT_BLOCK_BASIC = 1,
    KILN_MFT_NET_BASIC = 2,
    KILN_MFT_RESERVED_FIRST = 1U << 30,
    /* Kiln devices. Upstream tenders attach none of these, so the guest
     * bindings refuse to start an image declaring one on such a tender. */
    KILN_MFT_KILN_FORK = (1U << 30) + 1,
    KILN_MFT_KILN_PIPE = (1U << 30) + 2
};

struct kiln_mft_entry {
    char name[KILN_MFT_NAME_SIZE];
    uint32_t type;
    union {
        struct {
            uint64_t capacity; /* bytes */
            uint16_t block_size;
        } block_basic;
        struct {
            uint8_t mac[6];
            uint16_t mtu;
            /* Kiln, in what upstream leaves unused (0 there): in a forked
             * child under kiln-hvt, 1 + the position in its --fork-net
             * pool of the tap the child holds; 0 otherwise. */
            uint16_t kiln_pool_tap;
        } net_basic;
    } u;
    uint64_t backing; /* tender-private in the image; always 0 for the guest */
    uint8_t attached; /* 0 in the image; set by the tender */
};
_Static_assert(sizeof(struct kiln_mft_entry) == 104, "manifest entry layout");

struct kiln_mft {
    uint32_t version;
    uint32_t entries;
    struct kiln_mft_entry e[]; /* entries of them */
};
_Static_assert(sizeof(struct kiln_mft) == 8, "manifest header layout");

/* The manifest starts 8-aligned, 4 bytes after the note header. */
#define KILN_MFT1_DESC_PAD 4
#define KILN_MFT1_MAX_DESC                                                     \
    (KILN_MFT1_DESC_PAD + sizeof(struct kiln_mft) +                            \
     KILN_MFT_MAX_ENTRIES * sizeof(struct kiln_mft_entry))

#endif /* KILN_MFT_ABI_H */
