/*
 * fuzz_hypercall: libFuzzer target for every hypercall's argument handling
 * (fork excepted: it would fork the fuzzer), against guest memory laid out
 * as kiln-hvt lays it out: an image's text, read-only data and data with
 * their rights (the host mapping protected as for a real guest), a heap, a
 * guard page, and the pipe area, with the devices of fuzz_manifest()
 * attached through the tender's own code: a tap in a network namespace of
 * the fuzzer's own, a block file, pipes, fork's wait. A frame ring is
 * registered at start-up, so every exit also serves it, and the network
 * device is opted into net offload, so large-segment writes reach the
 * tender's checks (and frames the host coalesces may be held back).
 *
 * Input: a 2-byte length L, then L bytes the guest wrote at WINDOW (zeroed
 * before each input), then records of 9 bytes: an operation byte, a
 * 32-bit guest address and a 32-bit value. Operations 0xf0 and up store
 * the value at the address, as the guest may between two calls (its
 * writable memory only: the frame ring's indices, say); 0xe0-0xef make one
 * of the net offload calls (their own range, so the older seeds keep
 * their meaning); the others make a hypercall with its argument block at
 * the address. An address with bit
 * 31 set means WINDOW + its low 20 bits (the window, the ring), else the
 * raw address. Every call returns or stops the guest; nothing blocks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "devices.h"
#include "fuzz_lib.h"
#include "guest_mem.h"
#include "hypercall.h"
#include "image.h"
#include "mem_map.h"
#include "pipe.h"
#include "solo5.h"
#include "stop.h"

#define MEM (16ULL << 20)
#define TEXT 0x100000ULL
#define RODATA 0x110000ULL
#define DATA 0x120000ULL
#define IMAGE_END 0x130000ULL
#define WINDOW 0x200000ULL
#define WINDOW_SIZE 0x10000ULL
#define RING 0x280000ULL    /* the frame ring, kept between inputs */
#define SCRATCH 0x300000ULL /* the harness's own argument blocks */
#define TAP "kfuzz0"
#define RECORD 9
#define MAX_CALLS 32

static struct kiln_guest_mem mem;
static struct kiln_mem_map map;

static const unsigned calls[] = {
    KILN_HC_WALLTIME,    KILN_HC_PUTS,        KILN_HC_POLL,
    KILN_HC_BLOCK_WRITE, KILN_HC_BLOCK_READ,  KILN_HC_NET_WRITE,
    KILN_HC_NET_READ,    KILN_HC_HALT,        KILN_HC_NET_RING_SETUP,
    KILN_HC_NET_SYNC,    KILN_HC_WAIT,        KILN_HC_PIPE_CREATE,
    KILN_HC_PIPE_READ,   KILN_HC_PIPE_WRITE,  KILN_HC_PIPE_CLOSE,
    KILN_HC_PIPE_NOTIFY, KILN_HC_STOP_WATCH, KILN_HC_TRAP_REPORT,
};
#define N_CALLS (sizeof calls / sizeof calls[0])
static const unsigned offload_calls[] = {
    KILN_HC_NET_OFFLOAD,
    KILN_HC_NET_WRITE_SEGMENTS,
};
#define N_OFFLOAD_CALLS (sizeof offload_calls / sizeof offload_calls[0])
#define OP_OFFLOAD 0xe0
#define OP_STORE 0xf0

static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_hypercall: %s: %s\n", what, err);
    abort();
}

/* A tap that exists only in a network namespace of our own, so the
 * tender's real tap code runs. 0, or -1 when this host cannot. */
static int make_tap(void)
{
    if (unshare(CLONE_NEWNET) != 0)
        return -1;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strcpy(ifr.ifr_name, TAP);
    int ok = ioctl(fd, TUNSETIFF, &ifr) == 0 && ioctl(fd, TUNSETPERSIST, 1) == 0;
    close(fd);
    /* Up, so frames written to it go somewhere. */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (ok && s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
    return ok ? 0 : -1;
}

/* The harness's own hypercall with (args) copied to SCRATCH; the result
 * is copied back. */
static void own_call(unsigned nr, void *args, size_t size)
{
    memcpy(mem.base + SCRATCH, args, size);
    int status;
    kiln_hc_dispatch(&mem, nr, SCRATCH, &status);
    memcpy(args, mem.base + SCRATCH, size);
}

static void setup(void)
{
    char err[512];
    int with_net = make_tap() == 0;
    if (!with_net)
        fprintf(stderr, "fuzz_hypercall: no tap (needs root and /dev/net/tun): "
                "\"service\" is a block device, net calls are unknown ones\n");
    char block[] = "/tmp/kiln-fuzz-block-XXXXXX";
    int fd = mkstemp(block);
    if (fd < 0 || ftruncate(fd, 64 << 10) != 0)
        die("block file", block);
    close(fd);
    char net_opt[64], block_opt[64];
    snprintf(net_opt, sizeof net_opt, with_net ? "--net:service=%s" : "--block:service=%s",
             with_net ? TAP : block);
    snprintf(block_opt, sizeof block_opt, "--block:storage=%s", block);
    char *argv[] = {"kiln-hvt", "--mem=16", net_opt, block_opt, "image", NULL};
    static struct kiln_options opt;
    struct kiln_mft *mft = fuzz_manifest(with_net);
    if (kiln_parse_args(5, argv, &opt, err, sizeof err) != 0 ||
        kiln_devices_match(&opt, mft, err, sizeof err) != 0)
        die("options", err);
    kiln_core_setup();
    if (kiln_devices_attach(&opt, mft, err, sizeof err) != 0)
        die("devices", err);
    /* STOP_WATCH, without its signal handlers: libFuzzer's stay. */
    static const int signals[] = {SIGINT, SIGTERM, SIGALRM};
    struct sigaction kept[3];
    for (int i = 0; i < 3; i++)
        sigaction(signals[i], NULL, &kept[i]);
    kiln_stop_setup(NULL);
    for (int i = 0; i < 3; i++)
        sigaction(signals[i], &kept[i], NULL);
    unlink(block); /* the tender keeps it open */

    mem.size = MEM;
    mem.base = kiln_guest_mem_reserve(MEM);
    if (mem.base == NULL)
        die("guest memory", "mmap");
    uint64_t usable = kiln_pipe_map_area(&mem, err, sizeof err);
    if (usable == 0)
        die("pipe area", err);
    struct kiln_image img;
    memset(&img, 0, sizeof img);
    img.seg[0] = (struct kiln_segment){.vaddr = TEXT, .memsz = RODATA - TEXT, .flags = 5};
    img.seg[1] = (struct kiln_segment){.vaddr = RODATA, .memsz = DATA - RODATA, .flags = 4};
    img.seg[2] = (struct kiln_segment){.vaddr = DATA, .memsz = IMAGE_END - DATA, .flags = 6};
    img.n_seg = 3;
    img.end = IMAGE_END;
    img.kiln_flags = KILN_IMAGE_RUNS_AT_CPL3 | KILN_IMAGE_STACK_GUARD;
    kiln_mem_map_build(&map, &img, usable);
    if (kiln_mem_map_protect_host(&map, mem.base, err, sizeof err) != 0)
        die("protection", err);
    mem.map = &map;

    if (with_net) {
        struct kiln_hc_net_ring_setup ring = {.handle = FUZZ_NET, .ring = RING};
        own_call(KILN_HC_NET_RING_SETUP, &ring, sizeof ring);
        if (ring.ret != SOLO5_R_OK)
            die("frame ring", "refused");
        struct kiln_hc_net_offload offload = {.handle = FUZZ_NET};
        own_call(KILN_HC_NET_OFFLOAD, &offload, sizeof offload);
        if (offload.ret != SOLO5_R_OK)
            die("net offload", "refused");
    }
}

/* Pipe ends the input created: closed after it, so every input starts
 * with every ring free. */
static uint64_t open_ends[2 * MAX_CALLS];
static unsigned n_open;

static void call(unsigned nr, uint64_t gpa)
{
    /* A guest's poll may sleep; the fuzzer must not. */
    struct kiln_hc_poll *poll =
        nr == KILN_HC_POLL ? KILN_HC_ARGS(&mem, gpa, struct kiln_hc_poll) : NULL;
    if (poll != NULL)
        poll->timeout_nsecs = 0;
    int status;
    kiln_hc_dispatch(&mem, nr, gpa, &status);
    const struct kiln_hc_pipe_create *created =
        nr == KILN_HC_PIPE_CREATE ? KILN_HC_ARGS(&mem, gpa, struct kiln_hc_pipe_create)
                                  : NULL;
    if (created != NULL && created->ret == SOLO5_R_OK) {
        open_ends[n_open++] = created->read_end;
        open_ends[n_open++] = created->write_end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (mem.base == NULL)
        setup();
    memset(mem.base + WINDOW, 0, WINDOW_SIZE);
    if (size < 2)
        return 0;
    size_t payload = (size_t)(data[0] | data[1] << 8);
    if (payload > size - 2)
        payload = size - 2;
    if (payload > WINDOW_SIZE)
        payload = WINDOW_SIZE;
    memcpy(mem.base + WINDOW, data + 2, payload);
    n_open = 0;
    unsigned made = 0;
    for (size_t at = 2 + payload; at + RECORD <= size && made < MAX_CALLS;
         at += RECORD, made++) {
        uint8_t op = data[at];
        uint32_t where = fuzz_u32(data + at + 1), value = fuzz_u32(data + at + 5);
        uint64_t gpa = where & 0x80000000U ? WINDOW + (where & 0xfffff) : where;
        if (op >= OP_STORE) {
            uint32_t *word = kiln_gpa_writable(&mem, gpa, sizeof value);
            if (word != NULL)
                memcpy(word, &value, sizeof value);
            continue;
        }
        if (op >= OP_OFFLOAD)
            call(offload_calls[(op - OP_OFFLOAD) % N_OFFLOAD_CALLS], gpa);
        else
            call(calls[op % N_CALLS], gpa);
    }
    for (unsigned i = 0; i < n_open; i++) {
        struct kiln_hc_pipe_close close_end = {.end = open_ends[i]};
        own_call(KILN_HC_PIPE_CLOSE, &close_end, sizeof close_end);
    }
    return 0;
}
