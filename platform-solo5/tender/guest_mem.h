/*
 * guest_mem.h: guest memory: reserving it, and the only way the tender
 * turns a guest address into a host pointer. Every range is checked
 * against guest memory, with overflow-safe arithmetic, before use.
 */
#ifndef KILN_GUEST_MEM_H
#define KILN_GUEST_MEM_H

#include <stdint.h>

#include "kiln_hvt_abi.h"
#include "mem_map.h"

/* Below this the tender keeps page tables, GDT, IDT and its exception
 * stubs; the guest can never name it. */
#define KILN_BOOT_INFO_BASE 0x10000UL
/* From here to KILN_GUEST_MIN_BASE: more page tables, for the 2 MiB
 * regions whose pages differ in rights (never mapped for the guest). The
 * boot info, manifest and command line end below it. */
#define KILN_PAGE_TABLE_POOL 0x80000UL
/* Each range of the map can split at most its two ends' 2 MiB regions. */
_Static_assert((KILN_GUEST_MIN_BASE - KILN_PAGE_TABLE_POOL) / 0x1000 >=
                   2 * (KILN_MAX_SEGMENTS + 1),
               "page table pool too small for the memory map");

struct kiln_guest_mem {
    uint8_t *base;
    uint64_t size; /* bytes; the guest address of base[i] is i */
    /* Rights by page: the tender reads only what the guest may read, and
     * writes only what it may write. NULL: all read-write. */
    const struct kiln_mem_map *map;
};

/* Maps (size) bytes of private anonymous guest memory, starting on a
 * 2 MiB boundary; NULL (errno set) when it cannot. */
uint8_t *kiln_guest_mem_reserve(uint64_t size);

/* Host pointer to [gpa, gpa + len) when the guest may hand it to the tender
 * for reading (boot info area and above, but the guard page), else NULL.
 * len 0 is allowed. */
const void *kiln_gpa_readable(const struct kiln_guest_mem *m, uint64_t gpa,
                              uint64_t len);

/* Same, for memory the tender will write on the guest's behalf: only the
 * guest's own read-write memory (KILN_GUEST_MIN_BASE and above, but its
 * text, read-only data and guard page). */
void *kiln_gpa_writable(const struct kiln_guest_mem *m, uint64_t gpa,
                        uint64_t len);

#endif
