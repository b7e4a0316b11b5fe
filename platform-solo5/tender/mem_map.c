/* mem_map.c: the guest's memory by access rights (see mem_map.h). */
#include "mem_map.h"
#include "fail.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kiln_elf_abi.h"

#define PAGE 0x1000ULL

static unsigned segment_access(uint32_t p_flags)
{
    /* Nothing is executable without being readable on either architecture's
     * page tables: a segment is at least readable. */
    unsigned access = KILN_ACCESS_R;
    if (p_flags & PF_W)
        access |= KILN_ACCESS_W;
    if (p_flags & PF_X)
        access |= KILN_ACCESS_X;
    return access;
}

void kiln_mem_map_build(struct kiln_mem_map *map, const struct kiln_image *img,
                        uint64_t stack_top)
{
    memset(map, 0, sizeof *map);
    map->guest_write_protect = (img->kiln_flags & KILN_IMAGE_RUNS_AT_CPL3) != 0;
    for (int i = 0; i < img->n_seg; i++) {
        const struct kiln_segment *s = &img->seg[i];
        unsigned access = segment_access(s->flags);
        if (access == KILN_ACCESS_DATA)
            continue;
        map->r[map->n++] = (struct kiln_mem_range){
            .start = s->vaddr & ~(PAGE - 1),
            .end = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1),
            .access = access};
    }
    /* The stack area's lowest page, when the image keeps its heap below the
     * stack area and the image itself ends below that page. */
    if ((img->kiln_flags & KILN_IMAGE_STACK_GUARD) &&
        stack_top >= KILN_STACK_AREA_SIZE + PAGE &&
        stack_top - KILN_STACK_AREA_SIZE >= img->end) {
        map->guard = stack_top - KILN_STACK_AREA_SIZE;
        map->r[map->n++] = (struct kiln_mem_range){
            .start = map->guard, .end = map->guard + PAGE, .access = 0};
    }
}

unsigned kiln_mem_map_access(const struct kiln_mem_map *map, uint64_t addr)
{
    for (int i = 0; i < map->n; i++)
        if (addr >= map->r[i].start && addr < map->r[i].end)
            return map->r[i].access;
    return KILN_ACCESS_DATA;
}

int kiln_mem_map_uniform(const struct kiln_mem_map *map, uint64_t start,
                         uint64_t len, unsigned *access)
{
    for (int i = 0; i < map->n; i++) {
        const struct kiln_mem_range *r = &map->r[i];
        int overlaps = r->start < start + len && r->end > start;
        int covers = r->start <= start && r->end >= start + len;
        if (overlaps && !covers)
            return 0;
    }
    *access = kiln_mem_map_access(map, start);
    return 1;
}

int kiln_mem_map_lacks(const struct kiln_mem_map *map, uint64_t gpa,
                       uint64_t len, unsigned need)
{
    if (len == 0)
        return 0;
    for (int i = 0; i < map->n; i++)
        if ((map->r[i].access & need) != need && gpa < map->r[i].end &&
            (map->r[i].start <= gpa || map->r[i].start - gpa < len))
            return 1;
    return 0;
}

int kiln_mem_map_protect_host(const struct kiln_mem_map *map, uint8_t *base,
                              char *err, size_t errlen)
{
    for (int i = 0; i < map->n; i++) {
        const struct kiln_mem_range *r = &map->r[i];
        if (r->access & KILN_ACCESS_W)
            continue;
        int prot = r->access & KILN_ACCESS_R ? PROT_READ : PROT_NONE;
        if (mprotect(base + r->start, r->end - r->start, prot) != 0)
            return kiln_fail(err, errlen, "protecting guest memory at 0x%llx: %s",
                             (unsigned long long)r->start, strerror(errno));
    }
    return 0;
}
