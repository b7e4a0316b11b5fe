/* lowmem.c: stage-1 page tables and exception stubs for aarch64 guests.
 * Descriptor bits: Arm ARM D8.3 (VMSAv8-64 translation table format). */
#include "lowmem.h"

#include <string.h>

#include "guest_mem.h"
#include "kiln_hvt_abi.h"

#define DESC_TABLE 3ULL /* levels 0-2: next-level table */
#define DESC_BLOCK 1ULL /* levels 1-2: block */
#define DESC_PAGE 3ULL  /* level 3: page */
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_READ_ONLY (1ULL << 7) /* AP[2]; AP[1] stays 0: no EL0 access */
#define DESC_INNER_SHAREABLE (3ULL << 8)
#define DESC_ACCESSED (1ULL << 10)
#define DESC_PXN (1ULL << 53) /* never executable at EL1 */
#define DESC_UXN (1ULL << 54) /* never executable at EL0 */

#define NORMAL (DESC_ATTR(A64_ATTR_NORMAL) | DESC_INNER_SHAREABLE | DESC_ACCESSED | DESC_UXN)
#define DEVICE (DESC_ATTR(A64_ATTR_DEVICE) | DESC_ACCESSED | DESC_PXN | DESC_UXN)

static uint64_t *table(uint8_t *mem, uint64_t base)
{
    return (uint64_t *)(void *)(mem + base);
}

/* Leaf attributes for guest pages of (access); 0: invalid. */
static uint64_t guest_leaf(unsigned access, const struct kiln_mem_map *map)
{
    if (access == 0)
        return 0;
    uint64_t bits = NORMAL;
    if (!(access & KILN_ACCESS_W) && map->guest_write_protect)
        bits |= DESC_READ_ONLY;
    if (!(access & KILN_ACCESS_X))
        bits |= DESC_PXN;
    return bits;
}

/* A level-3 table for [base, base + 2 MiB) at (at). */
static void fill_pages(uint64_t *l3, uint64_t base, const struct kiln_mem_map *map)
{
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t page = base + i * A64_PAGE;
        uint64_t bits = guest_leaf(kiln_mem_map_access(map, page), map);
        l3[i] = bits ? page | DESC_PAGE | bits : 0;
    }
}

void kiln_a64_setup_lowmem(uint8_t *mem, uint64_t mem_size,
                           const struct kiln_mem_map *map)
{
    uint64_t *l0 = table(mem, A64_L0_BASE), *l1 = table(mem, A64_L1_BASE);
    uint64_t *l2 = table(mem, A64_L2_BASE), *l3 = table(mem, A64_L3_BASE);
    memset(l0, 0, A64_PAGE);
    memset(l1, 0, A64_PAGE);
    memset(l2, 0, 4 * A64_PAGE);

    l0[0] = A64_L1_BASE | DESC_TABLE;
    for (uint64_t g = 0; g * A64_BLOCK_1G < mem_size; g++)
        l1[g] = (A64_L2_BASE + g * A64_PAGE) | DESC_TABLE;
    /* The hypercall window: device memory, so every store exits in order. */
    l1[A64_MAX_MEM / A64_BLOCK_1G] = KILN_HYPERCALL_MMIO_BASE | DESC_BLOCK | DEVICE;

    /* The first 2 MiB in pages, so the low area can differ: the stubs, the
     * boot info (read-only, never executable), nothing of the page table
     * pool, then guest pages. */
    l2[0] = A64_L3_BASE | DESC_TABLE;
    fill_pages(l3, 0, map);
    for (uint64_t a = 0; a < KILN_GUEST_MIN_BASE; a += A64_PAGE)
        l3[a / A64_PAGE] = a >= A64_BOOT_INFO_BASE && a < KILN_PAGE_TABLE_POOL
                               ? a | DESC_PAGE | NORMAL | DESC_READ_ONLY | DESC_PXN
                               : 0;
    l3[A64_STUBS_BASE / A64_PAGE] = A64_STUBS_BASE | DESC_PAGE | NORMAL | DESC_READ_ONLY;

    /* Above: 2 MiB blocks, or pages from the pool where rights differ within
     * 2 MiB (segment ends, the guard page). */
    uint64_t next_table = KILN_PAGE_TABLE_POOL;
    for (uint64_t a = A64_BLOCK_2M; a < mem_size; a += A64_BLOCK_2M) {
        unsigned access;
        if (kiln_mem_map_uniform(map, a, A64_BLOCK_2M, &access)) {
            uint64_t bits = guest_leaf(access, map);
            l2[a / A64_BLOCK_2M] = bits ? a | DESC_BLOCK | bits : 0;
            continue;
        }
        fill_pages(table(mem, next_table), a, map);
        l2[a / A64_BLOCK_2M] = next_table | DESC_TABLE;
        next_table += A64_PAGE;
    }

    memcpy(mem + A64_STUBS_BASE, kiln_a64_stubs_start,
           (size_t)(kiln_a64_stubs_end - kiln_a64_stubs_start));
}
