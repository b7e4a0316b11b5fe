/* guest.h: state and helpers shared by the guest bindings' files. */
#ifndef KILN_GUEST_H
#define KILN_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "kiln_mft_abi.h"
#include "solo5.h"

/* Stack reserved below the top of guest memory; the heap ends there. Its
 * lowest page is a guard page under kiln-hvt (KILN_IMAGE_STACK_GUARD). */
#define KILN_GUEST_STACK_SIZE KILN_STACK_AREA_SIZE
#define KILN_GUEST_PAGE_SIZE 0x1000UL

struct kiln_guest_state {
    unsigned cpl; /* x86_64: 3 under kiln-hvt, 0 under solo5-hvt; aarch64: 0 (EL1) */
    const struct kiln_mft *mft;    /* the tender's copy, read-only to us */
    uint64_t acquired;             /* bit per manifest entry handed out */
    /* kiln-hvt's frame rings, carved from the top of the heap at boot, one
     * per attached network device; NULL on other tenders. */
    struct kiln_net_ring *net_ring[KILN_MFT_MAX_ENTRIES];
    uint64_t ring_active;          /* bit per handle whose ring is in use */
    uint64_t offload_active;       /* bit per handle opted into net offload */
    uintptr_t mem_end; /* the boot info's mem_size (kiln-hvt's pipe area follows) */
    uint32_t host_features; /* the boot info's KILN_FEATURE_* */
};
extern struct kiln_guest_state kiln_guest;

/* Boot steps, in the order kiln_guest_boot runs them. */
void kiln_trap_init(void);
void kiln_clock_init(uint64_t cycle_hz);

/* Gives the application's main thread a TLS block just below heap_end and
 * loads the thread pointer, so __thread variables and libc's errno work from
 * the first line of solo5_app_main; returns the new heap end. */
uintptr_t kiln_tls_boot(uintptr_t heap_end);

/* Notes whether the tender offers stop requests (kiln_stop.h). */
void kiln_stop_init(uint32_t host_features);

/* Reserves frame rings below heap_end when the tender offers them; returns
 * the new heap end. */
uintptr_t kiln_net_rings_reserve(uint32_t host_features, uintptr_t heap_start,
                                 uintptr_t heap_end);

/* Registers (h)'s ring with the tender, if one was reserved; the ring paths
 * below serve only handles whose bit is set in ring_active. */
void kiln_net_ring_start(solo5_handle_t h);
solo5_result_t kiln_net_ring_write(solo5_handle_t h, const uint8_t *buf,
                                   size_t size);
solo5_result_t kiln_net_ring_read(solo5_handle_t h, uint8_t *buf, size_t size,
                                  size_t *read_size);

/* One frame through KILN_HC_NET_READ (an exit), ring or none. */
solo5_result_t kiln_net_read_call(solo5_handle_t h, uint8_t *buf, size_t size,
                                  size_t *read_size);

/* Finds the attached manifest entry (name, type) not acquired before and
 * marks it acquired; returns its handle, or -1. */
int64_t kiln_manifest_acquire(const char *name, uint32_t type);

/* The handle of the attached Kiln device of (type), or -1. */
int64_t kiln_device_handle(uint32_t type);

/* Halts with (status); never returns. */
void kiln_halt(int status, void *cookie) __attribute__((noreturn));

/* Console output of a NUL-terminated string, and of a number in hex. */
void kiln_puts(const char *s);
void kiln_put_hex(uint64_t v);

/* Freestanding byte helpers (named apart from libc's, which may be linked
 * beside us). */
size_t kiln_strlen(const char *s);
void kiln_memcpy(void *dst, const void *src, size_t n);
void kiln_memzero(void *dst, size_t n);

#endif
