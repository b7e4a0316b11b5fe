/* fake_image.h: the segments of a typical image for the page table and
 * memory map tests: text across a 2 MiB boundary, read-only data, then data
 * and bss ending mid-page. */
#ifndef KILN_FAKE_IMAGE_H
#define KILN_FAKE_IMAGE_H

#include <elf.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_mem.h"
#include "image.h"
#include "kiln_elf_abi.h"
#include "mem_map.h"

#define FAKE_TEXT 0x100000ULL
#define FAKE_RODATA 0x2a3000ULL
#define FAKE_DATA 0x2c1000ULL
#define FAKE_END 0x2c9000ULL /* first page after the bss */

/* (kiln_flags): KILN_IMAGE_* of Kiln's note, 0 for an upstream image. */
static inline struct kiln_image fake_image(uint32_t kiln_flags)
{
    struct kiln_image img;
    memset(&img, 0, sizeof img);
    img.seg[0] = (struct kiln_segment){.vaddr = FAKE_TEXT, .filesz = FAKE_RODATA - FAKE_TEXT - 0x10,
                                       .memsz = FAKE_RODATA - FAKE_TEXT - 0x10, .flags = PF_R | PF_X};
    img.seg[1] = (struct kiln_segment){.vaddr = FAKE_RODATA, .filesz = FAKE_DATA - FAKE_RODATA,
                                       .memsz = FAKE_DATA - FAKE_RODATA, .flags = PF_R};
    img.seg[2] = (struct kiln_segment){.vaddr = FAKE_DATA, .filesz = 0x1000,
                                       .memsz = FAKE_END - FAKE_DATA - 0x800, .flags = PF_R | PF_W};
    img.n_seg = 3;
    img.end = FAKE_END;
    img.kiln_flags = kiln_flags;
    return img;
}

/* Guest memory of (size) bytes holding a Kiln image laid out as above, its
 * map in (map) and its host mapping protected as kiln-hvt protects it;
 * base NULL when that fails. */
static inline struct kiln_guest_mem fake_guest(struct kiln_mem_map *map,
                                               uint64_t size)
{
    struct kiln_image img = fake_image(KILN_IMAGE_RUNS_AT_CPL3 | KILN_IMAGE_STACK_GUARD);
    kiln_mem_map_build(map, &img, size);
    struct kiln_guest_mem m = {.size = size, .map = map};
    m.base = kiln_guest_mem_reserve(size);
    char err[128];
    if (m.base != NULL && kiln_mem_map_protect_host(map, m.base, err, sizeof err) != 0) {
        munmap(m.base, size);
        m.base = NULL;
    }
    return m;
}

#endif
