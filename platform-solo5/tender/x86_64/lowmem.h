/*
 * lowmem.h: what kiln-hvt puts in guest memory below the boot info:
 * page tables, and for CPL3 guests a GDT with user segments, an IDT, a TSS
 * and exception stubs that report traps to the tender.
 *
 *   0x1000 GDT          0x9000 IDT            0xc000-0xffff trap stack
 *   0x2000 PML4         0xa000 TSS            0x10000 boot info, manifest,
 *   0x3000 PDPT         0xb000 trap stubs              command line
 *   0x4000 PD x4        0x8000 PT for the first 2 MiB
 *   0x80000-0xfdfff PTs for 2 MiB regions of mixed rights (KILN_PAGE_TABLE_POOL)
 *   0xfe000 PD and 0xff000 PT of the hypercall window (CPL3 guests)
 */
#ifndef KILN_X86_LOWMEM_H
#define KILN_X86_LOWMEM_H

#include <stdint.h>

#include "kiln_x86_exceptions.h"
#include "guest_mem.h"
#include "mem_map.h"

#define X86_GDT_BASE 0x1000
#define X86_PML4_BASE 0x2000
#define X86_PDPT_BASE 0x3000
#define X86_PD_BASE 0x4000
#define X86_PT0_BASE 0x8000
#define X86_IDT_BASE 0x9000
#define X86_TSS_BASE 0xa000
#define X86_STUBS_BASE 0xb000
#define X86_TRAP_STACK_LOW 0xc000
#define X86_TRAP_STACK_TOP 0x10000
#define X86_BOOT_INFO_BASE 0x10000

/* CPL3 guests make hypercalls by a store into this page (kiln_hvt_abi.h,
 * KILN_HYPERCALL_MMIO_ADDR), mapped user-writable but backed by no memory,
 * so each store exits: KVM hosts that run CPL3 guests in host user mode
 * (kvm-pvm) do not honour IOPL for port I/O. */
#define X86_HC_PD_BASE 0xfe000
#define X86_HC_PT_BASE 0xff000
_Static_assert((X86_HC_PD_BASE - KILN_PAGE_TABLE_POOL) / 0x1000 >= 2 * (KILN_MAX_SEGMENTS + 1),
               "page table pool too small for the memory map beside the hypercall window");

#define X86_PAGE_2M 0x200000ULL
#define X86_MAX_MEM (4ULL << 30) /* four page directories */

/* GDT selectors. The first three match upstream solo5-hvt's layout. */
#define X86_SEL_KERNEL_CODE 0x08
#define X86_SEL_KERNEL_DATA 0x10
#define X86_SEL_USER_DATA 0x1b /* index 3, RPL 3 */
#define X86_SEL_USER_CODE 0x23 /* index 4, RPL 3 */
#define X86_SEL_TSS 0x28
#define X86_GDT_ENTRIES 7 /* the TSS descriptor takes two */

#define X86_IDT_VECTORS KILN_X86_EXCEPTIONS
#define X86_STUB_SPACING KILN_X86_STUB_SPACING
#define X86_TSS_SIZE 104

/* Writes page tables for mem_size bytes (a multiple of 2 MiB, at most
 * X86_MAX_MEM) mapping guest-virtual = guest-physical, guest memory with the
 * rights of (map) (never executable but where it says so: EFER.NXE must be
 * set). user_mode: pages from the boot info up are user-accessible (boot
 * info area read-only), the tender's area supervisor-only, and the
 * GDT/IDT/TSS/stubs are written. Otherwise upstream's layout: supervisor
 * pages, nothing below the boot info present, no descriptor tables (a CPL0
 * guest installs its own). */
void kiln_x86_setup_lowmem(uint8_t *mem, uint64_t mem_size,
                           const struct kiln_mem_map *map, int user_mode);

/* The exception stubs' machine code (exception_stubs.S). */
extern const uint8_t kiln_x86_stubs_start[], kiln_x86_stubs_end[];

#endif
