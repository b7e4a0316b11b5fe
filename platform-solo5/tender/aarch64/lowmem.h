/*
 * lowmem.h: what kiln-hvt puts in guest memory below the boot info on
 * aarch64: the stage-1 page tables the guest starts with (identity map,
 * 4 KiB granule, 40-bit addresses) and exception stubs that report traps
 * taken before the image installs its own vectors.
 *
 *   0x1000 level-0 table     0x7000 level-3 table for the first 2 MiB
 *   0x2000 level-1 table     0xb000 exception stubs (VBAR_EL1 at start)
 *   0x3000 level-2 tables x4 0x10000 boot info, manifest, command line
 *   0x80000-0xfffff level-3 tables for 2 MiB regions of mixed rights
 *
 * Mapped for the guest: the stubs page (read-only, executable at EL1), the
 * boot info area (read-only, never executable), guest memory from
 * KILN_GUEST_MIN_BASE up with the rights of the memory map (mem_map.h),
 * and the hypercall MMIO window (device memory). Nothing else below
 * KILN_GUEST_MIN_BASE.
 */
#ifndef KILN_A64_LOWMEM_H
#define KILN_A64_LOWMEM_H

#include <stdint.h>

#include "mem_map.h"

#define A64_L0_BASE 0x1000
#define A64_L1_BASE 0x2000
#define A64_L2_BASE 0x3000 /* four tables: 4 GiB */
#define A64_L3_BASE 0x7000
#define A64_STUBS_BASE 0xb000
#define A64_BOOT_INFO_BASE 0x10000

#define A64_PAGE 0x1000ULL
#define A64_BLOCK_2M 0x200000ULL
#define A64_BLOCK_1G 0x40000000ULL
#define A64_MAX_MEM (4ULL << 30) /* the MMIO window starts here */
#define A64_MMIO_SIZE A64_BLOCK_1G

/* MAIR_EL1 attribute indexes the descriptors use. */
#define A64_ATTR_NORMAL 0 /* write-back, read/write-allocate */
#define A64_ATTR_DEVICE 1 /* Device-nGnRE */
#define A64_MAIR ((0xffULL << (8 * A64_ATTR_NORMAL)) | (0x04ULL << (8 * A64_ATTR_DEVICE)))

/* Writes the page tables for mem_size bytes (a multiple of 2 MiB, at most
 * A64_MAX_MEM), guest memory with the rights of (map), and copies the
 * exception stubs. aarch64 guests always start at EL1, where the image
 * installs its own vectors. */
void kiln_a64_setup_lowmem(uint8_t *mem, uint64_t mem_size,
                           const struct kiln_mem_map *map);

/* The exception stubs' machine code (exception_stubs.S). */
extern const uint8_t kiln_a64_stubs_start[], kiln_a64_stubs_end[];

#endif
