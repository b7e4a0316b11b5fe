/*
 * solo5.h: the Solo5 public application interface, as implemented by Kiln's
 * guest bindings. Names, types and semantics match upstream Solo5 so that
 * code written for Solo5 builds against Kiln unchanged.
 *
 * Freestanding: depends only on the compiler's <stddef.h>, <stdint.h> and
 * <stdbool.h>.
 */
#ifndef KILN_SOLO5_H
#define KILN_SOLO5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Outcome of every operation that can fail. */
typedef enum {
    SOLO5_R_OK = 0,  /* done */
    SOLO5_R_AGAIN,   /* nothing to do now; retry later (e.g. no frame queued) */
    SOLO5_R_EINVAL,  /* an argument was refused */
    SOLO5_R_EUNSPEC  /* the host failed for another reason */
} solo5_result_t;

/* What the bindings hand to the application at start. */
struct solo5_start_info {
    const char *cmdline;  /* NUL-terminated arguments after the image name */
    uintptr_t heap_start; /* first free byte after the image, page aligned */
    size_t heap_size;     /* bytes from heap_start to the bottom of the stack */
};

/*
 * Provided by the application. Its return value becomes the exit status.
 */
int solo5_app_main(const struct solo5_start_info *info);

#define SOLO5_EXIT_SUCCESS 0
#define SOLO5_EXIT_FAILURE 1
#define SOLO5_EXIT_ABORT 255

/* Ends the unikernel with this status; never returns. */
void solo5_exit(int status) __attribute__((noreturn));

/* Ends the unikernel abnormally (status SOLO5_EXIT_ABORT); never returns. */
void solo5_abort(void) __attribute__((noreturn));

/*
 * Thread-local storage. solo5_tls_size() is the size of a TLS block for the
 * image's .tdata/.tbss; solo5_tls_init() copies the initial image into a
 * block at (tls); solo5_tls_tp_offset() is the value of the thread pointer
 * for that block; solo5_set_tls_base() loads the thread pointer (%fs base on
 * x86_64, TPIDR_EL0 on aarch64).
 */
size_t solo5_tls_size(void);
uintptr_t solo5_tls_tp_offset(uintptr_t tls);
solo5_result_t solo5_tls_init(uintptr_t tls);
solo5_result_t solo5_set_tls_base(uintptr_t base);

/* Nanoseconds. */
typedef uint64_t solo5_time_t;

/* Monotonic time since an arbitrary point in the past. */
solo5_time_t solo5_clock_monotonic(void);

/* Wall-clock time since the UNIX epoch (1970-01-01T00:00:00Z). */
solo5_time_t solo5_clock_wall(void);

/* A device acquired from the manifest; at most 64 per image. */
typedef uint64_t solo5_handle_t;

/* A set of handles: bit N stands for handle N. */
typedef uint64_t solo5_handle_set_t;

/*
 * Suspends until the monotonic clock reaches (deadline) or a device has
 * input pending, whichever is first. On return, if (ready_set) is not NULL,
 * it holds the handles with pending input (0 when the deadline passed).
 */
void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);

/* Writes (size) bytes to the console. Never fails. */
void solo5_console_write(const char *buf, size_t size);

#define SOLO5_NET_ALEN 6  /* bytes in a MAC address */
#define SOLO5_NET_HLEN 14 /* bytes in an Ethernet header */

struct solo5_net_info {
    uint8_t mac_address[SOLO5_NET_ALEN];
    size_t mtu; /* payload bytes, not counting the Ethernet header */
};

/*
 * Finds the network device called (name) in the manifest. Each device can be
 * acquired once; SOLO5_R_EINVAL when there is none of that name and type or it
 * was acquired before.
 */
solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info);

/* Sends one Ethernet frame of (size) bytes (at most mtu + SOLO5_NET_HLEN).
 * Under kiln-hvt the frame may be queued in guest memory and leave at the
 * next call into the tender, normally the next solo5_yield: an application
 * that sends and then computes for long should yield (deadline 0) first. */
solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size);

/*
 * Receives one Ethernet frame into (buf), of capacity (size) which must be at
 * least mtu + SOLO5_NET_HLEN. SOLO5_R_AGAIN when no frame is pending.
 */
solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size);

/* Byte offset on a block device. */
typedef uint64_t solo5_off_t;

struct solo5_block_info {
    solo5_off_t capacity;   /* bytes */
    solo5_off_t block_size; /* bytes per I/O unit */
};

/*
 * Finds the block device called (name) in the manifest. Each device can be
 * acquired once; SOLO5_R_EINVAL when there is none of that name and type or it
 * was acquired before.
 */
solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info);

/*
 * Writes / reads whole blocks: (offset) and (size) must be multiples of
 * block_size and the range must lie within capacity; otherwise SOLO5_R_EINVAL
 * and nothing is transferred. No short transfers. (Upstream tenders accept
 * one block per call; portable code should not pass more.)
 */
solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size);
solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size);

#endif /* KILN_SOLO5_H */
