/*
 * kiln_elf_abi.h: the ELF notes a Kiln image carries and a tender reads at
 * load: Solo5's ABI1 note (which ABI and version the image was built for)
 * and Kiln's own KFT1 note (what the image can do beyond that ABI). The
 * layouts are Solo5's, so upstream tenders load Kiln images and kiln-hvt
 * loads upstream images. The manifest note (MFT1) is in kiln_mft_abi.h.
 *
 * Shared by guest, tender and kiln-mft: only fixed-width types.
 */
#ifndef KILN_ELF_ABI_H
#define KILN_ELF_ABI_H

#include <stdint.h>

/* ABI targets as Solo5 numbers them; Kiln builds only for hvt. */
#define KILN_ABI_TARGET_HVT 1

/* Solo5's notes: owner name "Solo5" (6 bytes, padded to 8). */
#define KILN_NOTE_NAME "Solo5"
#define KILN_NOTE_NAME_SIZE 6
#define KILN_NOTE_TYPE_ABI1 0x31494241U /* "ABI1" */

struct kiln_note_header {
    uint32_t namesz; /* KILN_NOTE_NAME_SIZE */
    uint32_t descsz; /* bytes after this header, alignment padding included */
    uint32_t type;
    char name[8];
};
_Static_assert(sizeof(struct kiln_note_header) == 20, "note header layout");

struct kiln_abi1_desc {
    uint32_t target;  /* KILN_ABI_TARGET_HVT */
    uint32_t version; /* KILN_HVT_ABI_VERSION (kiln_hvt_abi.h) */
    uint32_t reserved[2];
};

struct kiln_abi1_note {
    struct kiln_note_header h;
    struct kiln_abi1_desc d;
};
_Static_assert(sizeof(struct kiln_abi1_note) == 36, "ABI1 note layout");

/* Kiln's own note (owner "Kiln"). Upstream tenders ignore it. An image
 * without it is started the way upstream starts images, at CPL0. */
#define KILN_OWN_NOTE_NAME "Kiln"
#define KILN_OWN_NOTE_NAME_SIZE 5
#define KILN_NOTE_TYPE_FEATURES 0x3154464bU /* "KFT1" */
#define KILN_IMAGE_RUNS_AT_CPL3 (1U << 0)   /* bindings work in user mode */
/* The heap ends KILN_STACK_AREA_SIZE below the boot info's mem_size, where
 * the stack starts (growing down from the top): the tender may make the
 * stack area's lowest page a guard page. */
#define KILN_IMAGE_STACK_GUARD (1U << 1)
#define KILN_STACK_AREA_SIZE 0x100000UL

struct kiln_features_note {
    struct kiln_note_header h;
    uint32_t flags;
};
_Static_assert(sizeof(struct kiln_features_note) == 24, "KFT1 note layout");

#endif /* KILN_ELF_ABI_H */
