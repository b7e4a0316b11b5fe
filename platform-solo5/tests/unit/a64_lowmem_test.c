/* a64_lowmem_test: the stage-1 page tables kiln-hvt builds for aarch64
 * guests, walked the way the MMU walks them (4 KiB granule, 40-bit
 * addresses, from level 0). The guest reaches its memory read-write, the
 * boot info read-only and never executable, the trap stubs read-only and
 * executable, the hypercall window as device memory, nothing else below
 * KILN_GUEST_MIN_BASE and nothing past its memory; EL0 reaches nothing.
 * Runs on the build host: the tables are plain C. */
#include <stdint.h>
#include <sys/mman.h>

#include "aarch64/lowmem.h"
#include "kiln_hvt_abi.h"
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

enum rights { NONE, RO_NOEXEC, RO_EXEC, RW_EXEC, DEVICE };

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
    case DEVICE: CHECK(!exec && ATTR_INDEX(m.descriptor) == A64_ATTR_DEVICE); break;
    case NONE: break;
    }
}

static void check_layout(uint64_t mem_size)
{
    uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(mem != MAP_FAILED);
    if (mem == MAP_FAILED)
        return;
    memset(mem, 0xff, KILN_GUEST_MIN_BASE); /* stale bytes must not leak into tables */
    kiln_a64_setup_lowmem(mem, mem_size, 1);

    for (uint64_t a = 0; a < A64_BOOT_INFO_BASE; a += A64_PAGE)
        check_at(mem, a, a == A64_STUBS_BASE ? RO_EXEC : NONE);
    CHECK(mem[A64_STUBS_BASE] == 0x5a && mem[A64_STUBS_BASE + 63] == 0x5a);
    for (uint64_t a = A64_BOOT_INFO_BASE; a < KILN_GUEST_MIN_BASE; a += A64_PAGE)
        check_at(mem, a, RO_NOEXEC);
    for (uint64_t a = KILN_GUEST_MIN_BASE; a < mem_size; a += A64_PAGE)
        check_at(mem, a, RW_EXEC);
    check_at(mem, mem_size - 8, RW_EXEC);
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
    check_layout(A64_BLOCK_2M);                 /* the smallest guest */
    check_layout(A64_BLOCK_1G + A64_BLOCK_2M);  /* into a second level-2 table */
    check_layout(A64_MAX_MEM);                  /* the largest */
    UNIT_DONE();
}
