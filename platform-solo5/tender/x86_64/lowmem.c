/* lowmem.c: page tables and descriptor tables for the guest. */
#include "lowmem.h"

#include <string.h>

#include "guest_mem.h"
#include "kiln_hvt_abi.h"

#define PTE_PRESENT (1ULL << 0)
#define PTE_WRITE (1ULL << 1)
#define PTE_USER (1ULL << 2)
#define PTE_HUGE (1ULL << 7)
#define PTE_NX (1ULL << 63) /* with EFER.NXE */

/* Segment descriptor fields (Intel SDM vol. 3, 3.4.5). */
#define DESC_ACCESSED (1ULL << 40)
#define DESC_WRITE_READ (1ULL << 41) /* data: writable; code: readable */
#define DESC_CODE (1ULL << 43)
#define DESC_NOT_SYSTEM (1ULL << 44)
#define DESC_DPL3 (3ULL << 45)
#define DESC_PRESENT (1ULL << 47)
#define DESC_LONG (1ULL << 53)
#define DESC_DB (1ULL << 54)
#define DESC_GRAN_4K (1ULL << 55)
#define DESC_LIMIT_MAX 0x000f00000000ffffULL
#define DESC_TYPE_TSS_AVAILABLE (9ULL << 40)

#define GATE_INTERRUPT_PRESENT 0x8e

/* Leaf bits for guest pages of (access); 0: not present. */
static uint64_t guest_leaf(unsigned access, const struct kiln_mem_map *map,
                           uint64_t user)
{
    if (access == 0)
        return 0;
    uint64_t bits = PTE_PRESENT | user;
    if ((access & KILN_ACCESS_W) || !map->guest_write_protect)
        bits |= PTE_WRITE;
    if (!(access & KILN_ACCESS_X))
        bits |= PTE_NX;
    return bits;
}

/* The first 2 MiB: the tender's area (supervisor only, only the stubs
 * executable) or nothing, the read-only boot info, the page table pool
 * (never mapped), then guest pages. */
static uint64_t first_region_pte(uint64_t a, const struct kiln_mem_map *map,
                                 int user_mode, uint64_t user)
{
    if (a < X86_BOOT_INFO_BASE) {
        if (!user_mode)
            return 0;
        uint64_t nx = a == X86_STUBS_BASE ? 0 : PTE_NX;
        return a | PTE_PRESENT | PTE_WRITE | nx;
    }
    if (a < KILN_PAGE_TABLE_POOL)
        return a | PTE_PRESENT | PTE_NX | user;
    if (a < KILN_GUEST_MIN_BASE)
        return 0;
    uint64_t bits = guest_leaf(kiln_mem_map_access(map, a), map, user);
    return bits ? a | bits : 0;
}

static void setup_paging(uint8_t *mem, uint64_t mem_size,
                         const struct kiln_mem_map *map, int user_mode)
{
    uint64_t *pml4 = (uint64_t *)(mem + X86_PML4_BASE);
    uint64_t *pdpt = (uint64_t *)(mem + X86_PDPT_BASE);
    uint64_t *pd = (uint64_t *)(mem + X86_PD_BASE);
    uint64_t *pt0 = (uint64_t *)(mem + X86_PT0_BASE);
    uint64_t user = user_mode ? PTE_USER : 0;
    uint64_t table = PTE_PRESENT | PTE_WRITE | user;

    memset(pml4, 0, 0x1000);
    memset(pdpt, 0, 0x1000);
    memset(pd, 0, 0x4000);
    memset(pt0, 0, 0x1000);
    pml4[0] = X86_PDPT_BASE | table;
    for (int i = 0; i < 4; i++)
        pdpt[i] = (X86_PD_BASE + 0x1000ULL * i) | table;

    /* The first 2 MiB in 4 KiB pages, so the low area can differ. */
    pd[0] = X86_PT0_BASE | table;
    for (uint64_t a = 0x1000; a < X86_PAGE_2M; a += 0x1000)
        pt0[a / 0x1000] = first_region_pte(a, map, user_mode, user);

    /* The hypercall window above guest memory: one page, no execute. */
    if (user_mode) {
        uint64_t *hc_pd = (uint64_t *)(mem + X86_HC_PD_BASE);
        uint64_t *hc_pt = (uint64_t *)(mem + X86_HC_PT_BASE);
        memset(hc_pd, 0, 0x1000);
        memset(hc_pt, 0, 0x1000);
        pdpt[KILN_HYPERCALL_MMIO_BASE >> 30] = X86_HC_PD_BASE | table;
        hc_pd[0] = X86_HC_PT_BASE | table;
        hc_pt[0] = KILN_HYPERCALL_MMIO_BASE | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX;
    }

    /* Above: 2 MiB pages, or 4 KiB ones from the pool where rights differ
     * within 2 MiB (segment ends, the guard page). */
    uint64_t next_table = KILN_PAGE_TABLE_POOL;
    for (uint64_t a = X86_PAGE_2M; a < mem_size; a += X86_PAGE_2M) {
        unsigned access;
        if (kiln_mem_map_uniform(map, a, X86_PAGE_2M, &access)) {
            uint64_t bits = guest_leaf(access, map, user);
            pd[a / X86_PAGE_2M] = bits ? a | bits | PTE_HUGE : 0;
            continue;
        }
        uint64_t *pt = (uint64_t *)(mem + next_table);
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t page = a + i * 0x1000;
            uint64_t bits = guest_leaf(kiln_mem_map_access(map, page), map, user);
            pt[i] = bits ? page | bits : 0;
        }
        pd[a / X86_PAGE_2M] = next_table | table;
        next_table += 0x1000;
    }
}

static void setup_descriptors(uint8_t *mem)
{
    uint64_t *gdt = (uint64_t *)(mem + X86_GDT_BASE);
    uint64_t code = DESC_LIMIT_MAX | DESC_ACCESSED | DESC_WRITE_READ |
                    DESC_CODE | DESC_NOT_SYSTEM | DESC_PRESENT | DESC_LONG |
                    DESC_GRAN_4K;
    uint64_t data = DESC_LIMIT_MAX | DESC_ACCESSED | DESC_WRITE_READ |
                    DESC_NOT_SYSTEM | DESC_PRESENT | DESC_DB | DESC_GRAN_4K;
    uint64_t tss = X86_TSS_BASE;
    memset(gdt, 0, 0x1000);
    gdt[X86_SEL_KERNEL_CODE >> 3] = code;
    gdt[X86_SEL_KERNEL_DATA >> 3] = data;
    gdt[X86_SEL_USER_DATA >> 3] = data | DESC_DPL3;
    gdt[X86_SEL_USER_CODE >> 3] = code | DESC_DPL3;
    /* 16-byte TSS descriptor: limit, base 0-23, type, present, base 24-31;
     * then base 32-63. */
    gdt[X86_SEL_TSS >> 3] = (X86_TSS_SIZE - 1) | ((tss & 0xffffff) << 16) |
                            DESC_TYPE_TSS_AVAILABLE | DESC_PRESENT |
                            ((tss >> 24 & 0xff) << 56);
    gdt[(X86_SEL_TSS >> 3) + 1] = tss >> 32;
}

/* For CPL3 guests: the TSS's exception stack, the stubs and the IDT. */
static void setup_trap_handling(uint8_t *mem)
{
    /* TSS: only RSP0 (offset 4) matters: the stack exceptions from CPL3
     * switch to. The I/O map base (offset 102) past the limit: no bitmap;
     * IOPL=3 grants the ports. */
    uint8_t *t = mem + X86_TSS_BASE;
    memset(t, 0, X86_TSS_SIZE);
    uint64_t rsp0 = X86_TRAP_STACK_TOP;
    memcpy(t + 4, &rsp0, sizeof rsp0);
    uint16_t iomap = X86_TSS_SIZE;
    memcpy(t + 102, &iomap, sizeof iomap);

    size_t stubs = (size_t)(kiln_x86_stubs_end - kiln_x86_stubs_start);
    memcpy(mem + X86_STUBS_BASE, kiln_x86_stubs_start, stubs);

    uint8_t *idt = mem + X86_IDT_BASE;
    memset(idt, 0, 0x1000);
    for (unsigned v = 0; v < X86_IDT_VECTORS; v++) {
        uint64_t target = X86_STUBS_BASE + v * X86_STUB_SPACING;
        uint8_t *g = idt + 16 * v;
        uint16_t lo = (uint16_t)target, mid = (uint16_t)(target >> 16),
                 sel = X86_SEL_KERNEL_CODE;
        uint32_t hi = (uint32_t)(target >> 32);
        memcpy(g + 0, &lo, 2);
        memcpy(g + 2, &sel, 2);
        g[5] = GATE_INTERRUPT_PRESENT;
        memcpy(g + 6, &mid, 2);
        memcpy(g + 8, &hi, 4);
    }
}

void kiln_x86_setup_lowmem(uint8_t *mem, uint64_t mem_size,
                           const struct kiln_mem_map *map, int user_mode)
{
    setup_paging(mem, mem_size, map, user_mode);
    setup_descriptors(mem);
    if (user_mode)
        setup_trap_handling(mem);
}
