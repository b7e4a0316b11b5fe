/*
 * kiln_hvt_abi.h: the hypercall interface between a Kiln guest and a hvt
 * tender on x86_64 and aarch64: boot info, feature bits, hypercall numbers
 * and argument blocks, result codes, Kiln's frame rings. The layouts are
 * those of Solo5's hvt ABI version 2, so Kiln images run on upstream
 * solo5-hvt and upstream images on kiln-hvt. Kiln's own hypercalls are
 * numbered 64 and up, where upstream defines none. The image's ELF notes are
 * in kiln_elf_abi.h, the manifest in kiln_mft_abi.h.
 *
 * Shared by guest and tender: only fixed-width types, no pointers (guest
 * addresses are uint64_t so the tender can never dereference one by mistake).
 */
#ifndef KILN_HVT_ABI_H
#define KILN_HVT_ABI_H

#include <stdint.h>

/* The version an image's ABI1 note (kiln_elf_abi.h) names. */
#define KILN_HVT_ABI_VERSION 2

/* Images are linked at or above this guest address. */
#define KILN_GUEST_MIN_BASE 0x100000UL

/* x86_64: a hypercall is a 32-bit `out` of the argument block's address to
 * KILN_HYPERCALL_PIO_BASE + number. */
#define KILN_HYPERCALL_PIO_BASE 0x500

/* aarch64: a hypercall is a 32-bit store of the argument block's address to
 * KILN_HYPERCALL_MMIO_ADDR(number), in the MMIO window that starts where
 * guest memory (at most 4 GiB) ends. Addresses are 8 bytes apart. */
#define KILN_HYPERCALL_MMIO_BASE 0x100000000ULL
#define KILN_HYPERCALL_MMIO_ADDR(nr) (KILN_HYPERCALL_MMIO_BASE + ((uint64_t)(nr) << 3))

enum kiln_hypercall {
    KILN_HC_WALLTIME = 1,
    KILN_HC_PUTS = 2,
    KILN_HC_POLL = 3,
    KILN_HC_BLOCK_WRITE = 4,
    KILN_HC_BLOCK_READ = 5,
    KILN_HC_NET_WRITE = 6,
    KILN_HC_NET_READ = 7,
    KILN_HC_HALT = 8,
    KILN_HC_UPSTREAM_END = 9, /* first number upstream does not define */

    /* Kiln extensions, reserved here, served only for images that declare
     * the matching Kiln device (see enum kiln_mft_type). */
    KILN_HC_FORK = 64,
    KILN_HC_WAIT = 65,
    KILN_HC_PIPE_CREATE = 66,
    KILN_HC_PIPE_READ = 67,
    KILN_HC_PIPE_WRITE = 68,
    KILN_HC_PIPE_CLOSE = 69,
    /* Kiln's network frame rings (KILN_FEATURE_NET_RING). */
    KILN_HC_NET_RING_SETUP = 70,
    KILN_HC_NET_SYNC = 71,
    /* Kiln's pipe rings (kiln_pipe_ring.h): wake the other side. */
    KILN_HC_PIPE_NOTIFY = 72,
    /* Stop requests (KILN_FEATURE_STOP_REQUEST): where to say one came. */
    KILN_HC_STOP_WATCH = 73,
    /* Kiln's block flush (KILN_FEATURE_BLOCK_FLUSH): a durability barrier. */
    KILN_HC_BLOCK_FLUSH = 74,
    /* Kiln's net offload (KILN_FEATURE_NET_OFFLOAD): large TCP segments. */
    KILN_HC_NET_OFFLOAD = 75,
    KILN_HC_NET_WRITE_SEGMENTS = 76,

    /* Issued only by the tender's own exception stubs (CPL0 code that
     * kiln-hvt places in low memory); never valid from guest code. */
    KILN_HC_TRAP_REPORT = 127,
    KILN_HC_END = 128
};

/* Boot info: its address is the sole argument to the entry point (%rdi on
 * x86_64, x0 on aarch64). */
struct kiln_boot_info {
    uint64_t mem_size;       /* bytes of guest memory; the stack starts here */
    uint64_t kernel_end;     /* first address after the loaded image */
    uint64_t cpu_cycle_freq; /* TSC (x86_64) or CNTVCT_EL0 (aarch64), Hz */
    uint64_t cmdline;        /* guest address of a NUL-terminated string */
    uint64_t mft;            /* guest address of the manifest (struct kiln_mft) */
    uint32_t host_features;  /* KILN_FEATURE_* the tender offers */
    uint32_t guest_features; /* features the guest accepted */
    uint64_t net_ring;       /* guest address of a frame ring, 0 if none */
};
_Static_assert(sizeof(struct kiln_boot_info) == 56, "boot info layout");

/* Feature bits in host_features. Bit 0 is upstream's ring I/O, which
 * kiln-hvt does not offer yet. */
#define KILN_FEATURE_UPSTREAM_RING_IO (1U << 0)
/* kiln-hvt's frame rings. Bit 31: tenders older than Solo5 0.12 leave the
 * manifest's version (1) and entry count (<= 64) in these two words, so no
 * low bit can be trusted to mean anything there. */
#define KILN_FEATURE_NET_RING (1U << 31)
/* kiln-hvt tells the guest of SIGTERM/SIGINT instead of ending it at once:
 * a guest that accepts registers a word with KILN_HC_STOP_WATCH, the tender
 * writes the signal's number there and wakes the guest from POLL, and the
 * guest stops in its own time. A second signal, or 10 s, ends it. */
#define KILN_FEATURE_STOP_REQUEST (1U << 30)
/* kiln-hvt serves KILN_HC_BLOCK_FLUSH. Upstream tenders write each request
 * through to the backing file but never sync it: without this bit a flush
 * cannot make writes durable across a host crash. */
#define KILN_FEATURE_BLOCK_FLUSH (1U << 29)
/* kiln-hvt serves KILN_HC_NET_OFFLOAD and KILN_HC_NET_WRITE_SEGMENTS (see
 * "Net offload" below). */
#define KILN_FEATURE_NET_OFFLOAD (1U << 28)

#define KILN_CMDLINE_SIZE 8192 /* bytes, terminator included */

struct kiln_hc_walltime {
    uint64_t nsecs; /* out: nanoseconds since the UNIX epoch */
};

struct kiln_hc_puts {
    uint64_t data; /* in */
    uint64_t len;  /* in */
};

struct kiln_hc_poll {
    uint64_t timeout_nsecs; /* in: relative to the call */
    uint64_t ready_set;     /* out: bit per handle with input pending */
    int32_t ret;            /* out: number of ready handles */
};

struct kiln_hc_block_write {
    uint64_t handle; /* in */
    uint64_t offset; /* in: bytes */
    uint64_t data;   /* in */
    uint64_t len;    /* in */
    int32_t ret;     /* out: solo5_result_t */
};

struct kiln_hc_block_read {
    uint64_t handle; /* in */
    uint64_t offset; /* in: bytes */
    uint64_t data;   /* in */
    uint64_t len;    /* in/out */
    int32_t ret;     /* out: solo5_result_t */
};

/* Returns once every write completed on the device is durable on the host
 * (the tender's fdatasync of the backing file). */
struct kiln_hc_block_flush {
    uint64_t handle; /* in */
    int32_t ret;     /* out: solo5_result_t, or KILN_R_UNAVAILABLE */
};

struct kiln_hc_net_write {
    uint64_t handle; /* in */
    uint64_t data;   /* in */
    uint64_t len;    /* in */
    int32_t ret;     /* out: solo5_result_t */
};

struct kiln_hc_net_read {
    uint64_t handle; /* in */
    uint64_t data;   /* in */
    uint64_t len;    /* in: buffer size; out: frame size */
    int32_t ret;     /* out: solo5_result_t */
};

/*
 * Network frame rings: one per network device, in guest memory, registered
 * with KILN_HC_NET_RING_SETUP. The guest queues frames to send in tx and
 * takes received frames from rx without exits; at every exit the tender
 * sends what tx holds and fills rx from the tap, and KILN_HC_POLL returns at
 * once while rx holds frames. KILN_HC_NET_SYNC is an exit for just that
 * (tx full, or rx empty while the tap may hold more). Producer indices are
 * written only by their producer, consumer indices only by their consumer;
 * they run freely and are taken modulo KILN_NET_RING_SLOTS. The tender
 * treats every field as untrusted.
 */
#define KILN_NET_RING_SLOTS 64
#define KILN_NET_RING_SLOT_SIZE 2048 /* >= MTU 1500 + 14-byte header */

struct kiln_net_ring_queue {
    uint32_t produced;           /* slots filled, by the producer */
    uint32_t consumed;           /* slots taken, by the consumer */
    uint32_t len[KILN_NET_RING_SLOTS];
    uint8_t slot[KILN_NET_RING_SLOTS][KILN_NET_RING_SLOT_SIZE];
};

struct kiln_net_ring {
    struct kiln_net_ring_queue rx; /* tender produces, guest consumes */
    struct kiln_net_ring_queue tx; /* guest produces, tender consumes */
    uint32_t rx_tap_empty; /* tender: its last fill found the tap empty */
    /* tender: the device is not this unikernel's any more (a forked child
     * given no tap): every ring operation fails with KILN_R_UNAVAILABLE. */
    uint32_t unavailable;
    /* tender, net offload only: the length of a received frame too large
     * for a slot, which it holds back (and stops filling rx) until the
     * guest takes it with KILN_HC_NET_READ once rx is empty; 0 for none.
     * Frames stay in order. After the old end of the ring, in the page the
     * guest rounds the ring up to, so old images keep their layout. */
    uint32_t rx_large;
};

struct kiln_hc_net_ring_setup {
    uint64_t handle; /* in: a NET_BASIC device */
    uint64_t ring;   /* in: guest address of struct kiln_net_ring */
    int32_t ret;     /* out: solo5_result_t */
};

struct kiln_hc_net_sync {
    uint64_t handle; /* in */
    int32_t ret;     /* out: solo5_result_t */
};

/*
 * Net offload: large TCP/IPv4 segments across a network device (the
 * guest's side is kiln_net_offload.h). kiln-hvt opens every tap with a
 * virtio-net header (IFF_VNET_HDR) and keeps it to itself: a guest that
 * does not opt in, upstream images included, sends and receives plain
 * frames of at most the MTU, exactly as before, and the tap's offloads
 * stay off (TUNSETOFFLOAD 0). Offered (KILN_FEATURE_NET_OFFLOAD) unless
 * --net-offload:NAME=off; the bit is never set by upstream tenders, whose
 * guests keep plain frames.
 *
 * KILN_HC_NET_OFFLOAD opts device (handle) in: the tender turns the tap's
 * checksum and TSO4 offloads on (TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4)
 * and answers the largest frame the device now carries,
 * KILN_NET_OFFLOAD_FRAME_MAX. From then on:
 * - the host may hand the guest TCP segments of one connection coalesced
 *   into one frame of up to that size, their checksums complete (the
 *   tender finishes a checksum the host left partial, and drops nothing
 *   else); a frame larger than a ring slot waits in the tender
 *   (kiln_net_ring.rx_large) and reaches the guest through
 *   KILN_HC_NET_READ, whose buffer must then hold KILN_NET_OFFLOAD_FRAME_MAX
 *   bytes (a smaller buffer gets SOLO5_R_EINVAL and the frame is dropped
 *   and counted);
 * - KILN_HC_NET_WRITE_SEGMENTS sends one TCP/IPv4 segment of up to that
 *   size, IPv4 and TCP checksums filled in, as segments of segment_size
 *   payload bytes. The guest hands no virtio-net header: the tender
 *   builds it from the frame after checking it (kiln_vnet.h,
 *   kiln_vnet_tso_header: Ethernet type, IPv4 version, header length,
 *   protocol TCP, total length equal to len - 14, TCP header inside the
 *   frame, 1 <= segment_size and headers plus one segment within the
 *   MTU), so every offset it gives the host lies inside the frame. A frame
 *   it refuses gets SOLO5_R_EINVAL and is counted (KILN_HVT_STATS=1), as is
 *   any call on a device that did not opt in (KILN_R_NOSYS). The frame is
 *   copied out of guest memory before it is checked and sent.
 * Plain KILN_HC_NET_WRITE and ring slots still take frames of at most the
 * MTU. What reaches the wire is standard segments; --net-pcap records the
 * frames as the guest sent and received them (large ones too, with their
 * full checksums, as tcpdump records on a host with TSO).
 */
#define KILN_NET_OFFLOAD_FRAME_MAX (14 + 65535)

struct kiln_hc_net_offload {
    uint64_t handle;    /* in */
    uint64_t frame_max; /* out: KILN_NET_OFFLOAD_FRAME_MAX once on */
    int32_t ret;        /* out: OK; KILN_R_NOSYS when not offered (--net-offload:NAME=off,
                         * or the host refused); EINVAL for no such device */
};

struct kiln_hc_net_write_segments {
    uint64_t handle;       /* in */
    uint64_t data;         /* in */
    uint64_t len;          /* in: bytes of the frame, Ethernet header included */
    uint64_t segment_size; /* in: payload bytes per segment on the wire */
    int32_t ret;           /* out: solo5_result_t, or KILN_R_NOSYS */
};

/*
 * Fork, wait and pipes (Kiln devices KILN_FORK and KILN_PIPE). Results are
 * solo5_result_t values or the KILN_R_* codes below. Child ids are the
 * child tender's process id, valid only in the tender that forked it.
 */
#define KILN_R_EPIPE 16 /* write: no read end is open anywhere */
#define KILN_R_LIMIT 17 /* too many children or pipe ends; a fork finding no
                          * tap free in a --fork-net pool */
#define KILN_R_NOSYS 18 /* the tender cannot do this on this machine */
/* The device is declared and attached, but not to this unikernel: a forked
 * child's network device when no --fork-net pool gave it a tap, or a block
 * device refused to children with --fork-block:NAME=refuse. */
#define KILN_R_UNAVAILABLE 19

struct kiln_hc_fork {
    uint64_t child; /* out: the child's id in the parent, 0 in the child */
    int32_t ret;    /* out */
};

struct kiln_hc_wait {
    uint64_t child;  /* in: an id fork returned to this guest */
    int32_t status;  /* out: exit status; 255 after a trap or a signal */
    int32_t ret;     /* out: OK, AGAIN while it runs, EINVAL if not ours */
};

struct kiln_hc_pipe_create {
    uint64_t read_end;  /* out */
    uint64_t write_end; /* out */
    int32_t ret;        /* out */
    /* out: 1 + the index of the pipe's ring in the shared pipe area
     * (kiln_pipe_ring.h), which starts at the boot info's mem_size; 0 when
     * the tender keeps no ring (older kiln-hvt: in what was padding). */
    uint32_t ring;
};
_Static_assert(sizeof(struct kiln_hc_pipe_create) == 24, "pipe create layout");

/* Read and write never block: AGAIN means wait in solo5_yield for the pipe
 * device's handle, then retry. A read of 0 bytes with OK is end-of-file.
 * With a ring, the guest moves bytes itself while it can and calls these
 * when it cannot (or shares the end with another unikernel); the tender
 * then moves what it can, or sets the waiting flag and arms the readiness. */
struct kiln_hc_pipe_io {
    uint64_t end;  /* in */
    uint64_t data; /* in */
    uint64_t len;  /* in: bytes; out: bytes moved */
    int32_t ret;   /* out */
};

struct kiln_hc_pipe_close {
    uint64_t end; /* in */
    int32_t ret;  /* out */
};

/* After the guest moved bytes and saw that the other side sleeps and can
 * now go on (kiln_pipe_ring_wakes): the tender wakes it. */
struct kiln_hc_pipe_notify {
    uint64_t end; /* in: the end the guest just used */
    int32_t ret;  /* out */
};

/* The guest's stop word: a 4-byte aligned uint32_t in its writable memory,
 * 0 until a stop is requested, then the signal's number. */
struct kiln_hc_stop_watch {
    uint64_t word; /* in: guest address of the word */
    int32_t ret;   /* out: SOLO5_R_OK, or SOLO5_R_EINVAL for a bad address */
};

/* The cookie, when not 0, points at KILN_HALT_COOKIE_MAX bytes the tender
 * may read (upstream uses it to find a trap frame for core dumps). */
#define KILN_HALT_COOKIE_MAX 512
struct kiln_hc_halt {
    uint64_t cookie;     /* in */
    int32_t exit_status; /* in */
};

/* Frame the tender's exception stubs hand to KILN_HC_TRAP_REPORT: what the
 * CPU pushed, preceded by the vector and an error code (0 when the vector
 * has none). */
struct kiln_trap_frame {
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip;
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};

#endif /* KILN_HVT_ABI_H */
