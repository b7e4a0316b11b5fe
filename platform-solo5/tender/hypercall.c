/* hypercall.c: dispatch from hypercall numbers to handlers. */
#include "hypercall.h"

#include <stdio.h>

#include "arch.h"

static kiln_hc_handler handlers[KILN_HC_END];
static uint64_t counts[KILN_HC_END]; /* hypercalls served, by number */
static kiln_exit_hook exit_hook;
static uint64_t pending;

void kiln_hc_set_exit_hook(kiln_exit_hook fn)
{
    exit_hook = fn;
}

uint64_t kiln_hc_run_exit_hook(const struct kiln_guest_mem *m)
{
    pending = exit_hook ? exit_hook(m) : 0;
    return pending;
}

uint64_t kiln_hc_pending(void)
{
    return pending;
}

void kiln_hc_register(unsigned nr, kiln_hc_handler fn)
{
    handlers[nr] = fn;
}

void *kiln_hc_block(const struct kiln_guest_mem *m, uint64_t gpa, size_t size,
                    size_t align, int read_only)
{
    if (gpa % align != 0)
        return NULL;
    return read_only ? (void *)kiln_gpa_readable(m, gpa, size)
                     : kiln_gpa_writable(m, gpa, size);
}

static enum kiln_hc_outcome bad_block(unsigned nr, uint64_t gpa,
                                      const char *memory, int *status)
{
    fprintf(stderr, "kiln-hvt: guest hypercall %u: argument block at 0x%llx "
            "is misaligned or not in its %s memory; stopping the guest\n", nr,
            (unsigned long long)gpa, memory);
    *status = KILN_EXIT_GUEST_FAULT;
    return KILN_HC_EXIT;
}

enum kiln_hc_outcome kiln_hc_bad_args(unsigned nr, uint64_t gpa, int *status)
{
    return bad_block(nr, gpa, "writable", status);
}

enum kiln_hc_outcome kiln_hc_bad_in_args(unsigned nr, uint64_t gpa, int *status)
{
    return bad_block(nr, gpa, "readable", status);
}

enum kiln_hc_outcome kiln_hc_dispatch(const struct kiln_guest_mem *m,
                                      unsigned nr, uint64_t arg_gpa,
                                      int *status)
{
    if (nr >= KILN_HC_END || handlers[nr] == NULL) {
        fprintf(stderr, "kiln-hvt: guest made unknown hypercall %u (%s "
                "0x%llx); stopping the guest\n", nr, KILN_ARCH_HC_WHERE,
                KILN_ARCH_HC_LOCATION(nr));
        *status = KILN_EXIT_GUEST_FAULT;
        return KILN_HC_EXIT;
    }
    counts[nr]++;
    kiln_hc_run_exit_hook(m);
    return handlers[nr](m, arg_gpa, status);
}

void kiln_hc_print_counts(FILE *to)
{
    static const char *const names[KILN_HC_END] = {
        [KILN_HC_WALLTIME] = "walltime",     [KILN_HC_PUTS] = "puts",
        [KILN_HC_POLL] = "poll",             [KILN_HC_BLOCK_WRITE] = "block_write",
        [KILN_HC_BLOCK_READ] = "block_read", [KILN_HC_NET_WRITE] = "net_write",
        [KILN_HC_BLOCK_FLUSH] = "block_flush",
        [KILN_HC_NET_READ] = "net_read",     [KILN_HC_HALT] = "halt",
        [KILN_HC_NET_RING_SETUP] = "net_ring_setup",
        [KILN_HC_NET_SYNC] = "net_sync",
        [KILN_HC_FORK] = "fork",             [KILN_HC_WAIT] = "wait",
        [KILN_HC_PIPE_CREATE] = "pipe_create",
        [KILN_HC_PIPE_READ] = "pipe_read",   [KILN_HC_PIPE_WRITE] = "pipe_write",
        [KILN_HC_PIPE_CLOSE] = "pipe_close", [KILN_HC_PIPE_NOTIFY] = "pipe_notify",
        [KILN_HC_STOP_WATCH] = "stop_watch",
        [KILN_HC_NET_OFFLOAD] = "net_offload",
        [KILN_HC_NET_WRITE_SEGMENTS] = "net_write_segments",
    };
    uint64_t total = 0;
    fprintf(to, "kiln-hvt: hypercalls:");
    for (unsigned nr = 0; nr < KILN_HC_END; nr++) {
        if (counts[nr] == 0)
            continue;
        total += counts[nr];
        fprintf(to, " %s=%llu", names[nr] ? names[nr] : "other",
                (unsigned long long)counts[nr]);
    }
    fprintf(to, " total=%llu\n", (unsigned long long)total);
}
