/* lowmem_test: the page tables and descriptor tables kiln-hvt builds. A CPL3
 * guest must reach its own memory with its segments' rights (text read-only
 * and executable, read-only data read-only, the rest never executable, no
 * guard page), read (not write) the boot info, and never reach the
 * tender's tables; a CPL0 guest gets upstream's layout, its text writable
 * (the host mapping refuses the write). */
#include <stdint.h>
#include <stdlib.h>

#include "fake_image.h"
#include "guest_mem.h"
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "mem_map.h"
#include "unit.h"
#include "x86_64/lowmem.h"

#define P 1ULL
#define W 2ULL
#define U 4ULL
#define PS 0x80ULL
#define NX (1ULL << 63)

#define FRAME 0x000ffffffffff000ULL

/* Walks the 4-level tables for va: returns the 4 KiB frame it maps to with
 * the P/W/U bits that hold at every level and NX if any level sets it, or 0
 * if not present. */
static uint64_t walk(const uint8_t *mem, uint64_t va)
{
    uint64_t table = X86_PML4_BASE, acc = P | W | U, nx = 0;
    /* PML4, PDPT, PD, PT: 9 bits of va each, from bit 39 down. */
    for (int shift = 39;; shift -= 9) {
        uint64_t e = ((const uint64_t *)(mem + table))[(va >> shift) & 511];
        if (!(e & P))
            return 0;
        acc &= e;
        nx |= e & NX;
        if (shift == 21 && (e & PS)) /* a 2 MiB page */
            return (e & FRAME & ~0x1fffffULL) | ((va & 0x1fffff) & ~0xfffULL) |
                   (acc & (P | W | U)) | nx;
        if (shift == 12)
            return (e & FRAME) | (acc & (P | W | U)) | nx;
        table = e & FRAME;
    }
}

static uint64_t addr(uint64_t leaf) { return leaf & FRAME; }

/* Guest pages of an image laid out as fake_image(): rights by place. */
static void check_image(const uint8_t *mem, uint64_t size, int kiln)
{
    uint64_t user = kiln ? U : 0;
    for (uint64_t a = FAKE_TEXT; a < FAKE_RODATA; a += 0x1000) {
        uint64_t e = walk(mem, a);
        CHECK((e & P) && (e & U) == user && !(e & NX) && addr(e) == a);
        CHECK(kiln ? !(e & W) : (e & W) != 0);
    }
    for (uint64_t a = FAKE_RODATA; a < FAKE_DATA; a += 0x1000) {
        uint64_t e = walk(mem, a);
        CHECK((e & P) && (e & NX) && addr(e) == a);
        CHECK(kiln ? !(e & W) : (e & W) != 0);
    }
    for (uint64_t a = FAKE_DATA; a < size; a += 0x1000) {
        uint64_t e = walk(mem, a);
        if (kiln && a == size - KILN_STACK_AREA_SIZE) {
            CHECK(e == 0); /* the guard page */
            continue;
        }
        CHECK((e & P) && (e & W) && (e & NX) && (e & U) == user && addr(e) == a);
    }
}

int main(void)
{
    const uint64_t size = 64ULL << 20;
    uint8_t *mem = calloc(1, size);

    struct kiln_image kiln = fake_image(KILN_IMAGE_RUNS_AT_CPL3 | KILN_IMAGE_STACK_GUARD);
    struct kiln_mem_map map;
    kiln_mem_map_build(&map, &kiln, size);
    kiln_x86_setup_lowmem(mem, size, &map, 1);
    uint64_t e;
    CHECK(walk(mem, 0) == 0);
    e = walk(mem, X86_PML4_BASE); /* tender's: supervisor only */
    CHECK((e & P) && !(e & U));
    e = walk(mem, X86_IDT_BASE);
    CHECK((e & P) && !(e & U));
    e = walk(mem, X86_BOOT_INFO_BASE); /* boot info: user, read-only */
    CHECK((e & P) && (e & U) && !(e & W) && addr(e) == X86_BOOT_INFO_BASE);
    CHECK(e & NX);
    e = walk(mem, X86_STUBS_BASE); /* the stubs: executable, supervisor */
    CHECK((e & P) && !(e & U) && !(e & NX));
    e = walk(mem, KILN_PAGE_TABLE_POOL - 1);
    CHECK((e & U) && !(e & W));
    CHECK(walk(mem, KILN_PAGE_TABLE_POOL) == 0); /* more page tables */
    CHECK(walk(mem, KILN_GUEST_MIN_BASE - 1) == 0);
    check_image(mem, size, 1);
    e = walk(mem, size - 8);
    CHECK((e & P) && (e & U) && (e & W) && addr(e) == ((size - 8) & ~0xfffULL));
    CHECK(walk(mem, size) == 0);
    /* GDT: user code is 64-bit DPL3; TSS descriptor points at the TSS. */
    const uint64_t *gdt = (const uint64_t *)(mem + X86_GDT_BASE);
    uint64_t ucode = gdt[X86_SEL_USER_CODE >> 3];
    CHECK(((ucode >> 45) & 3) == 3 && ((ucode >> 53) & 1) == 1);
    uint64_t tss = gdt[X86_SEL_TSS >> 3];
    CHECK(((tss >> 16) & 0xffffff) == X86_TSS_BASE && ((tss >> 40) & 0xf) == 9);
    uint64_t rsp0;
    memcpy(&rsp0, mem + X86_TSS_BASE + 4, 8);
    CHECK(rsp0 == X86_TRAP_STACK_TOP);
    /* IDT vector 14 points at stub 14, kernel code selector. */
    const uint8_t *g = mem + X86_IDT_BASE + 16 * 14;
    uint16_t lo, sel;
    memcpy(&lo, g, 2);
    memcpy(&sel, g + 2, 2);
    CHECK(lo == X86_STUBS_BASE + 14 * X86_STUB_SPACING);
    CHECK(sel == X86_SEL_KERNEL_CODE && g[5] == 0x8e);
    CHECK(memcmp(mem + X86_STUBS_BASE, kiln_x86_stubs_start,
                 (size_t)(kiln_x86_stubs_end - kiln_x86_stubs_start)) == 0);

    memset(mem, 0, size);
    struct kiln_image upstream = fake_image(0);
    kiln_mem_map_build(&map, &upstream, size);
    kiln_x86_setup_lowmem(mem, size, &map, 0);
    CHECK(walk(mem, X86_PML4_BASE) == 0); /* upstream: not present */
    e = walk(mem, X86_BOOT_INFO_BASE);
    CHECK((e & P) && !(e & W) && !(e & U));
    check_image(mem, size, 0);
    CHECK(memcmp(mem + X86_IDT_BASE, (uint8_t[16]){0}, 16) == 0);
    free(mem);
    UNIT_DONE();
}
