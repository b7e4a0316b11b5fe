/*
 * mem_map.h: the guest's memory by access rights, from the image's
 * segments: text executable and read-only, read-only data read-only, all
 * else (data, bss, heap, stack, pipe area) read-write and never executable,
 * and for images that leave room for it a guard page under the stack. The
 * page tables of both architectures, the host mapping and the checks on
 * hypercall buffers all read this one map.
 */
#ifndef KILN_MEM_MAP_H
#define KILN_MEM_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define KILN_ACCESS_R 1U
#define KILN_ACCESS_W 2U
#define KILN_ACCESS_X 4U
#define KILN_ACCESS_DATA (KILN_ACCESS_R | KILN_ACCESS_W)

/* Page-aligned [start, end) with rights other than KILN_ACCESS_DATA. */
struct kiln_mem_range {
    uint64_t start, end;
    unsigned access;
};

struct kiln_mem_map {
    /* Sorted, not overlapping, all at or above KILN_GUEST_MIN_BASE: the
     * image's segments that are not plain data, then the guard page. */
    struct kiln_mem_range r[KILN_MAX_SEGMENTS + 1];
    int n;
    /* Read-only ranges are read-only in the guest's own page tables too, so
     * a write is a page fault the guest's trap path reports. Images without
     * Kiln's note keep them writable there, and a write reaches the host
     * mapping (read-only for every image) and ends as upstream's solo5-hvt
     * ends it: a host/guest translation fault. */
    int guest_write_protect;
    uint64_t guard; /* the guard page's address, or 0 */
};

/* The map for (img) in guest memory whose stack ends at (stack_top) (the
 * mem_size the guest is told). */
void kiln_mem_map_build(struct kiln_mem_map *map, const struct kiln_image *img,
                        uint64_t stack_top);

/* Rights of the page at (addr), KILN_GUEST_MIN_BASE or above. */
unsigned kiln_mem_map_access(const struct kiln_mem_map *map, uint64_t addr);

/* Do all pages of [start, start + len) have the same rights? If so, 1 with
 * them in (*access): one large page or block can map them. */
int kiln_mem_map_uniform(const struct kiln_mem_map *map, uint64_t start,
                         uint64_t len, unsigned *access);

/* Does [gpa, gpa + len) touch a range lacking every right in (need)? len 0
 * touches nothing. */
int kiln_mem_map_lacks(const struct kiln_mem_map *map, uint64_t gpa,
                       uint64_t len, unsigned need);

/* Applies the map to the host's mapping of guest memory at (base): read-only
 * ranges PROT_READ, the guard page PROT_NONE (nothing is executable there:
 * the tender never runs guest code). 0, or -1 with a one-line reason. */
int kiln_mem_map_protect_host(const struct kiln_mem_map *map, uint8_t *base,
                              char *err, size_t errlen);

#endif
