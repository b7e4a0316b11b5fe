/* a64_lowmem_test: the stage-1 page tables kiln-hvt builds for aarch64
 * guests, walked the way the MMU walks them (4 KiB granule, 40-bit
 * addresses, from level 0). The guest reaches its text read-only and
 * executable, its read-only data read-only, the rest of its memory
 * read-write and never executable, the boot info read-only and never
 * executable, the trap stubs read-only and executable, the hypercall window
 * as device memory, nothing at the guard page, nothing else below
 * KILN_GUEST_MIN_BASE and nothing past its memory; EL0 reaches nothing. An
 * upstream image keeps its text writable (the host mapping refuses the
 * write). Runs on the build host: the tables are plain C. */
#include <stdint.h>
#include <sys/mman.h>

#include "aarch64/lowmem.h"
#include "fake_image.h"
#include "guest_mem.h"
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "mem_map.h"
#include "unit.h"

/* Stand-ins for the stubs (aarch64 code in the tender): 64 marked bytes. */
__asm__(".section .rodata\n"
        ".globl kiln_a64_stubs_start, kiln_a64_stubs_end\n"
        "kiln_a64_stubs_start:\n"
        ".fill 64, 1, 0x5a\n"
        "kiln_a64_stubs_end:\n"
        ".previous\n");

#define VALID 1ULL
#define TABLE_OR_PAGE 2ULL
#define ADDRESS_MASK 0x000000fffffff000ULL
#define ATTR_INDEX(d) (((d) >> 2) & 7)
#define AP_EL0 (1ULL << 6)
#define AP_READ_ONLY (1ULL << 7)
#define ACCESSED (1ULL << 10)
#define PXN (1ULL << 53)
#define UXN (1ULL << 54)

struct mapping {
    int valid;
    uint64_t pa, descriptor;
};

/* The leaf descriptor for va, and the address it maps va to. */
static struct mapping walk(const uint8_t *mem, uint64_t va)
{
    uint64_t table = A64_L0_BASE;
    for (int level = 0; level <= 3; level++) {
        unsigned shift = 39 - 9 * (unsigned)level;
        uint64_t d = ((const uint64_t *)(const void *)(mem + table))[(va >> shift) & 511];
        if (!(d & VALID))
            return (struct mapping){0, 0, 0};
        if (level == 3 || !(d & TABLE_OR_PAGE)) {
            if (level == 0 || (level == 3 && !(d & TABLE_OR_PAGE)))
                return (struct mapping){0, 0, 0}; /* reserved encodings */
            uint64_t size = 1ULL << shift;
            return (struct mapping){1, (d & ADDRESS_MASK & ~(size - 1)) | (va & (size - 1)), d};
        }
        table = d & ADDRESS_MASK;
    }
    return (struct mapping){0, 0, 0};
}

enum rights { NONE, RO_NOEXEC, RO_EXEC, RW_EXEC, RW_NOEXEC, DEVICE };

static void check_at(const uint8_t *mem, uint64_t va, enum rights want)
{
    struct mapping m = walk(mem, va);
    if (want == NONE) {
        CHECK(!m.valid);
        return;
    }
    CHECK(m.valid && m.pa == va); /* identity */
    CHECK(m.descriptor & ACCESSED);
    CHECK(!(m.descriptor & AP_EL0) && (m.descriptor & UXN));
    int read_only = (m.descriptor & AP_READ_ONLY) != 0;
    int exec = !(m.descriptor & PXN);
    switch (want) {
    case RO_NOEXEC: CHECK(read_only && !exec && ATTR_INDEX(m.descriptor) == A64_ATTR_NORMAL); break;
    case RO_EXEC: CHECK(read_only && exec && ATTR_INDEX(m.descriptor) == A64_ATTR_NORMAL); break;
    case RW_EXEC: CHECK(!read_only && exec && ATTR_INDEX(m.descriptor) == A64_ATTR_NORMAL); break;
    case RW_NOEXEC: CHECK(!read_only && !exec && ATTR_INDEX(m.descriptor) == A64_ATTR_NORMAL); break;
    case DEVICE: CHECK(!exec && ATTR_INDEX(m.descriptor) == A64_ATTR_DEVICE); break;
    case NONE: break;
    }
}

/* What the guest should reach at (a), for an image laid out as (img) (or
 * none) with its stack ending at mem_size. */
static enum rights expected(uint64_t a, const struct kiln_image *img,
                            uint64_t mem_size)
{
    int kiln = img != NULL && (img->kiln_flags & KILN_IMAGE_RUNS_AT_CPL3);
    if (img != NULL && a >= FAKE_TEXT && a < FAKE_RODATA)
        return kiln ? RO_EXEC : RW_EXEC;
    if (img != NULL && a >= FAKE_RODATA && a < FAKE_DATA)
        return kiln ? RO_NOEXEC : RW_NOEXEC;
    if (kiln && a == mem_size - KILN_STACK_AREA_SIZE)
        return NONE;
    return RW_NOEXEC;
}

static void check_layout(uint64_t mem_size, const struct kiln_image *img)
{
    uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(mem != MAP_FAILED);
    if (mem == MAP_FAILED)
        return;
    memset(mem, 0xff, KILN_GUEST_MIN_BASE); /* stale bytes must not leak into tables */
    struct kiln_image none;
    memset(&none, 0, sizeof none);
    none.end = KILN_GUEST_MIN_BASE;
    struct kiln_mem_map map;
    kiln_mem_map_build(&map, img ? img : &none, mem_size);
    kiln_a64_setup_lowmem(mem, mem_size, &map);

    for (uint64_t a = 0; a < A64_BOOT_INFO_BASE; a += A64_PAGE)
        check_at(mem, a, a == A64_STUBS_BASE ? RO_EXEC : NONE);
    CHECK(mem[A64_STUBS_BASE] == 0x5a && mem[A64_STUBS_BASE + 63] == 0x5a);
    for (uint64_t a = A64_BOOT_INFO_BASE; a < KILN_PAGE_TABLE_POOL; a += A64_PAGE)
        check_at(mem, a, RO_NOEXEC);
    for (uint64_t a = KILN_PAGE_TABLE_POOL; a < KILN_GUEST_MIN_BASE; a += A64_PAGE)
        check_at(mem, a, NONE);
    /* Every page below 16 MiB, then one per 2 MiB block (the rest). */
    for (uint64_t a = KILN_GUEST_MIN_BASE; a < mem_size;
         a += a < (16ULL << 20) ? A64_PAGE : A64_BLOCK_2M)
        check_at(mem, a, expected(a, img, mem_size));
    check_at(mem, mem_size - 8, RW_NOEXEC);
    if (img != NULL) { /* the last heap page, the guard page, the stack */
        check_at(mem, mem_size - KILN_STACK_AREA_SIZE - 8, RW_NOEXEC);
        check_at(mem, mem_size - KILN_STACK_AREA_SIZE,
                 expected(mem_size - KILN_STACK_AREA_SIZE, img, mem_size));
        check_at(mem, mem_size - KILN_STACK_AREA_SIZE + A64_PAGE, RW_NOEXEC);
    }
    if (mem_size < A64_MAX_MEM) {
        check_at(mem, mem_size, NONE);
        check_at(mem, A64_MAX_MEM - A64_PAGE, NONE);
    }
    for (unsigned nr = 0; nr < KILN_HC_END; nr++)
        check_at(mem, KILN_HYPERCALL_MMIO_ADDR(nr), DEVICE);
    check_at(mem, KILN_HYPERCALL_MMIO_BASE + A64_MMIO_SIZE, NONE);
    check_at(mem, 1ULL << 39, NONE); /* beyond level-0 entry 0 */
    munmap(mem, mem_size);
}

int main(void)
{
    struct kiln_image kiln = fake_image(KILN_IMAGE_RUNS_AT_CPL3 | KILN_IMAGE_STACK_GUARD);
    struct kiln_image upstream = fake_image(0);
    check_layout(A64_BLOCK_2M, NULL);                  /* the smallest guest */
    check_layout(8ULL << 20, &kiln);
    check_layout(8ULL << 20, &upstream);
    check_layout(A64_BLOCK_1G + A64_BLOCK_2M, &kiln);  /* into a second level-2 table */
    check_layout(A64_MAX_MEM, &kiln);                  /* the largest */
    UNIT_DONE();
}
