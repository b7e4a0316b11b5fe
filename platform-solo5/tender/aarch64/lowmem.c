/* lowmem.c: stage-1 page tables and exception stubs for aarch64 guests.
 * Descriptor bits: Arm ARM D8.3 (VMSAv8-64 translation table format). */
#include "lowmem.h"

#include <string.h>

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

void kiln_a64_setup_lowmem(uint8_t *mem, uint64_t mem_size, int user_mode)
{
    (void)user_mode;
    uint64_t *l0 = table(mem, A64_L0_BASE), *l1 = table(mem, A64_L1_BASE);
    uint64_t *l2 = table(mem, A64_L2_BASE), *l3 = table(mem, A64_L3_BASE);
    memset(l0, 0, A64_PAGE);
    memset(l1, 0, A64_PAGE);
    memset(l2, 0, 4 * A64_PAGE);
    memset(l3, 0, A64_PAGE);

    l0[0] = A64_L1_BASE | DESC_TABLE;
    for (uint64_t g = 0; g * A64_BLOCK_1G < mem_size; g++)
        l1[g] = (A64_L2_BASE + g * A64_PAGE) | DESC_TABLE;
    /* The hypercall window: device memory, so every store exits in order. */
    l1[A64_MAX_MEM / A64_BLOCK_1G] = KILN_HYPERCALL_MMIO_BASE | DESC_BLOCK | DEVICE;

    /* The first 2 MiB in pages, so the low area can differ. */
    l2[0] = A64_L3_BASE | DESC_TABLE;
    l3[A64_STUBS_BASE / A64_PAGE] = A64_STUBS_BASE | DESC_PAGE | NORMAL | DESC_READ_ONLY;
    for (uint64_t a = A64_BOOT_INFO_BASE; a < A64_BLOCK_2M; a += A64_PAGE) {
        uint64_t rights = a < KILN_GUEST_MIN_BASE ? DESC_READ_ONLY | DESC_PXN : 0;
        l3[a / A64_PAGE] = a | DESC_PAGE | NORMAL | rights;
    }
    for (uint64_t a = A64_BLOCK_2M; a < mem_size; a += A64_BLOCK_2M)
        l2[a / A64_BLOCK_2M] = a | DESC_BLOCK | NORMAL;

    memcpy(mem + A64_STUBS_BASE, kiln_a64_stubs_start,
           (size_t)(kiln_a64_stubs_end - kiln_a64_stubs_start));
}
