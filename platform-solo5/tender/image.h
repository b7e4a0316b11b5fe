/*
 * image.h: reading and validating a hvt ELF image before anything is
 * created: ELF64 executable for this tender's architecture, loadable segments inside guest memory,
 * above the minimum base, in order and not overlapping, never writable and
 * executable at once; a Solo5 ABI1 note for hvt version 2; a MFT1 note.
 */
#ifndef KILN_IMAGE_H
#define KILN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define KILN_MAX_SEGMENTS 16

struct kiln_segment {
    uint64_t vaddr, filesz, memsz, offset;
    uint32_t flags; /* PF_R, PF_W, PF_X */
};

struct kiln_image {
    const uint8_t *file; /* the whole file, owned by the caller */
    size_t file_size;
    uint64_t entry;
    uint64_t end; /* first page after the highest segment */
    struct kiln_segment seg[KILN_MAX_SEGMENTS];
    int n_seg;
    const uint8_t *mft_desc; /* the MFT1 note's contents, inside file */
    size_t mft_desc_size;
    uint32_t kiln_flags; /* KILN_IMAGE_* from Kiln's own note, 0 if none */
};

/* Validates (file) for a guest of mem_size bytes. 0, or -1 with a one-line
 * reason in err. */
int kiln_image_parse(const uint8_t *file, size_t file_size, uint64_t mem_size,
                     struct kiln_image *img, char *err, size_t errlen);

/* Copies the segments into guest memory (of at least the mem_size given to
 * kiln_image_parse) and zeroes their .bss parts. */
void kiln_image_load(const struct kiln_image *img, uint8_t *guest);

#endif
