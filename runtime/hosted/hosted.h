/*
 * hosted.h: the hosted platform's devices. A device's handle is its index in
 * the image's manifest, as on hvt; the command line attaches each manifest
 * device to a tap interface or a file.
 */
#ifndef KILN_HOSTED_H
#define KILN_HOSTED_H

#include <stdint.h>

#include "kiln_mft_abi.h"
#include "solo5.h"

struct hosted_device {
    uint32_t type;            /* KILN_MFT_NET_BASIC or KILN_MFT_BLOCK_BASIC */
    const char *name;         /* manifest name */
    const char *target;       /* tap name or file path; NULL: not attached */
    int fd;
    int acquired;
    uint8_t mac[SOLO5_NET_ALEN];
    int mac_given;
    int offload_off;          /* net: --net-offload:NAME=off */
    int offload;              /* net: the tap cuts and coalesces TCP segments (net.c) */
    uint64_t sector_size;     /* block: bytes per block */
    uint64_t capacity;        /* block: bytes */
};

extern struct hosted_device hosted_devices[KILN_MFT_MAX_ENTRIES];
extern unsigned hosted_device_count;

/* Writes a message to standard error. */
void hosted_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Says why, then ends the process with status 1 (a set-up error). */
void hosted_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Finds the vDSO's clock_gettime from the auxiliary vector after (envp). */
void hosted_vdso_init(char **envp);
/* The vDSO's clock_gettime; -1 when there is none (use the system call). */
int hosted_clock_gettime(long clk, void *ts);

/* Stop requests (stop.c): handlers installed and the signals blocked
 * (yield's ppoll unblocks them), and yield's deadline capped by the grace
 * period once a stop was requested (past it, the process ends). */
void hosted_stop_setup(void);
solo5_time_t hosted_stop_deadline(solo5_time_t deadline);

/* Opens the tap interface (net.c) / the file (block.c); fails loudly. */
void hosted_net_open(struct hosted_device *d);
void hosted_block_open(struct hosted_device *d);

/* Closes every descriptor above 2 (sandbox.c): called before any device is
 * opened, so that nothing the parent left open reaches the application. */
void hosted_close_inherited(void);
/* Confines the process to the devices now open (sandbox.c); fails loudly. */
void hosted_sandbox(void);

#endif
