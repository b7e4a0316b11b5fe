/*
 * fuzz_image: libFuzzer target for the image loader: ELF validation, the
 * notes, the manifest, the memory map the segments give and the page
 * tables built from it, and loading an accepted image into guest memory.
 * The input is an image file. Besides the sanitizers it checks what the
 * rest of the tender relies on: segments inside guest memory and in
 * order, the map's ranges page-aligned, sorted and never writable and
 * executable at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch.h"
#include "boot_info.h"
#include "guest_mem.h"
#include "image.h"
#include "manifest.h"
#include "mem_map.h"

#define MEM (4ULL << 20)

#define EXPECT(cond)                                                           \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_image: broken invariant: %s\n", #cond);     \
            abort();                                                           \
        }                                                                      \
    } while (0)

static uint8_t *guest;

static void check_image(const struct kiln_image *img)
{
    EXPECT(img->n_seg > 0 && img->n_seg <= KILN_MAX_SEGMENTS);
    EXPECT(img->end <= MEM && img->end % 0x1000 == 0);
    EXPECT(img->entry >= KILN_GUEST_MIN_BASE && img->entry < img->end);
    for (int i = 0; i < img->n_seg; i++) {
        const struct kiln_segment *s = &img->seg[i];
        EXPECT(s->vaddr >= KILN_GUEST_MIN_BASE && s->memsz <= MEM - s->vaddr);
        EXPECT(s->filesz <= s->memsz && s->offset <= img->file_size &&
               s->filesz <= img->file_size - s->offset);
        EXPECT(i == 0 || s->vaddr >= img->seg[i - 1].vaddr + img->seg[i - 1].memsz);
    }
}

static void check_map(const struct kiln_mem_map *map)
{
    uint64_t last = KILN_GUEST_MIN_BASE;
    for (int i = 0; i < map->n; i++) {
        const struct kiln_mem_range *r = &map->r[i];
        EXPECT(r->start % 0x1000 == 0 && r->end % 0x1000 == 0);
        EXPECT(r->start >= last && r->end > r->start && r->end <= MEM);
        EXPECT(!((r->access & KILN_ACCESS_W) && (r->access & KILN_ACCESS_X)));
        last = r->end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (guest == NULL) {
        guest = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        EXPECT(guest != MAP_FAILED);
    }
    /* A copy of exactly the input's size: a read past the file is caught. */
    uint8_t *file = malloc(size ? size : 1);
    memcpy(file, data, size);
    char err[512];
    struct kiln_image img;
    if (kiln_image_parse(file, size, MEM, &img, err, sizeof err) == 0) {
        check_image(&img);
        struct kiln_mft *mft =
            kiln_manifest_parse(img.mft_desc, img.mft_desc_size, err, sizeof err);
        struct kiln_mem_map map;
        kiln_mem_map_build(&map, &img, MEM);
        check_map(&map);
        kiln_image_load(&img, guest);
        kiln_arch_setup_lowmem(guest, MEM, &map,
                               (img.kiln_flags & KILN_IMAGE_RUNS_AT_CPL3) != 0);
        if (mft != NULL)
            EXPECT(kiln_boot_info_write(guest, KILN_BOOT_INFO_BASE, MEM, img.end,
                                        1000000000, 0, mft,
                                        kiln_manifest_size(mft), "fuzz") == 0);
        free(mft);
    }
    free(file);
    return 0;
}
