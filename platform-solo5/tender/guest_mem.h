/*
 * guest_mem.h: guest memory: reserving it, and the only way the tender
 * turns a guest address into a host pointer. Every range is checked
 * against guest memory, with overflow-safe arithmetic, before use.
 */
#ifndef KILN_GUEST_MEM_H
#define KILN_GUEST_MEM_H

#include <stdint.h>

#include "kiln_hvt_abi.h"

/* Below this the tender keeps page tables, GDT, IDT and its exception
 * stubs; the guest can never name it. */
#define KILN_BOOT_INFO_BASE 0x10000UL

struct kiln_guest_mem {
    uint8_t *base;
    uint64_t size; /* bytes; the guest address of base[i] is i */
};

/* Maps (size) bytes of private anonymous guest memory, starting on a
 * 2 MiB boundary; NULL (errno set) when it cannot. */
uint8_t *kiln_guest_mem_reserve(uint64_t size);

/* Host pointer to [gpa, gpa + len) when the guest may hand it to the tender
 * for reading (boot info area and above), else NULL. len 0 is allowed. */
const void *kiln_gpa_readable(const struct kiln_guest_mem *m, uint64_t gpa,
                              uint64_t len);

/* Same, for memory the tender will write on the guest's behalf: only the
 * guest's own read-write memory (KILN_GUEST_MIN_BASE and above). */
void *kiln_gpa_writable(const struct kiln_guest_mem *m, uint64_t gpa,
                        uint64_t len);

#endif
