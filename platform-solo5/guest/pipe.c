/*
 * pipe.c: the guest's side of Kiln pipes. Under kiln-hvt each pipe has a
 * ring in the pipe area that forked unikernels share (kiln_pipe_ring.h):
 * while this unikernel alone holds an end, bytes move here with no exit
 * whenever the ring allows. The KILN_HC_PIPE_* calls serve the rest
 * (empty, full, waiting, end-of-file, EPIPE, ends shared after a fork,
 * every refusal), and are all there is on a tender that gives no ring.
 */
#include "guest.h"
#include "cpu.h"
#include "kiln_fork_pipe.h"
#include "kiln_pipe_ring.h"

struct ring_end {
    struct kiln_pipe_ring *ring; /* NULL: calls only */
    uint8_t *data;
    int writer;
};

/* By end id (1..KILN_PIPE_MAX_ENDS); copied into a forked child with the
 * rest of memory, as the tender's table is. */
static struct ring_end ring_ends[KILN_PIPE_MAX_ENDS + 1];

static int have_pipes(void)
{
    return kiln_device_handle(KILN_MFT_KILN_PIPE) >= 0;
}

static void remember(uint64_t end, uint32_t ring, int writer)
{
    uint8_t *area = (uint8_t *)kiln_guest.mem_end;
    ring_ends[end] = (struct ring_end){
        .ring = kiln_pipe_ring_at(area, ring - 1),
        .data = kiln_pipe_ring_data(area, ring - 1),
        .writer = writer,
    };
}

int kiln_pipe(uint64_t *read_end, uint64_t *write_end)
{
    if (!have_pipes() || read_end == NULL || write_end == NULL)
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_pipe_create a = {.ret = SOLO5_R_EUNSPEC};
    kiln_hypercall(KILN_HC_PIPE_CREATE, &a);
    *read_end = a.read_end;
    *write_end = a.write_end;
    uint32_t ring = a.ring;
    if (a.ret == SOLO5_R_OK && ring >= 1 && ring <= KILN_PIPE_RINGS &&
        a.read_end <= KILN_PIPE_MAX_ENDS && a.write_end <= KILN_PIPE_MAX_ENDS) {
        remember(a.read_end, ring, 0);
        remember(a.write_end, ring, 1);
    }
    return a.ret;
}

/* The ring of (end) for this direction, when the guest may use it itself. */
static const struct ring_end *own_ring(uint64_t end, int writer,
                                       const void *buf, size_t size)
{
    if (end == 0 || end > KILN_PIPE_MAX_ENDS)
        return NULL;
    const struct ring_end *re = &ring_ends[end];
    /* Buffers outside the guest's own memory: the tender refuses them. */
    uintptr_t at = (uintptr_t)buf;
    if (re->ring == NULL || re->writer != writer || at < KILN_GUEST_MIN_BASE ||
        at >= kiln_guest.mem_end || size > kiln_guest.mem_end - at)
        return NULL;
    const uint32_t *shared = writer ? &re->ring->shared_writer
                                    : &re->ring->shared_reader;
    if (__atomic_load_n(shared, __ATOMIC_ACQUIRE))
        return NULL; /* the tenders serialise a shared end */
    if (writer && __atomic_load_n(&re->ring->readers_gone, __ATOMIC_ACQUIRE))
        return NULL; /* the tender says EPIPE */
    return re;
}

/* After moving bytes: wake the other side if its tender says it sleeps
 * and it can now go on (the move ended with a full fence). */
static void wake_other_side(uint64_t end, const struct ring_end *re)
{
    if (!kiln_pipe_ring_wakes(re->ring, re->writer))
        return;
    volatile struct kiln_hc_pipe_notify a = {.end = end, .ret = SOLO5_R_EUNSPEC};
    kiln_hypercall(KILN_HC_PIPE_NOTIFY, &a);
}

static int transfer(unsigned nr, uint64_t end, const void *buf, size_t size,
                    size_t *done)
{
    if (!have_pipes() || done == NULL)
        return SOLO5_R_EINVAL;
    int writer = nr == KILN_HC_PIPE_WRITE;
    const struct ring_end *re = size > 0 ? own_ring(end, writer, buf, size) : NULL;
    if (re != NULL) {
        long n = writer
                     ? kiln_pipe_ring_put(re->ring, re->data, buf, size, kiln_memcpy)
                     : kiln_pipe_ring_take(re->ring, re->data, (void *)(uintptr_t)buf,
                                           size, kiln_memcpy);
        if (n > 0) {
            wake_other_side(end, re);
            *done = (size_t)n;
            return SOLO5_R_OK;
        }
    }
    volatile struct kiln_hc_pipe_io a = {
        .end = end,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(nr, &a);
    *done = a.ret == SOLO5_R_OK ? (size_t)a.len : 0;
    return a.ret;
}

int kiln_pipe_read(uint64_t end, void *buf, size_t size, size_t *done)
{
    return transfer(KILN_HC_PIPE_READ, end, buf, size, done);
}

int kiln_pipe_write(uint64_t end, const void *buf, size_t size, size_t *done)
{
    return transfer(KILN_HC_PIPE_WRITE, end, buf, size, done);
}

int kiln_pipe_close(uint64_t end)
{
    if (!have_pipes())
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_pipe_close a = {.end = end, .ret = SOLO5_R_EUNSPEC};
    kiln_hypercall(KILN_HC_PIPE_CLOSE, &a);
    if (a.ret == SOLO5_R_OK && end <= KILN_PIPE_MAX_ENDS)
        ring_ends[end].ring = NULL;
    return a.ret;
}

solo5_handle_set_t kiln_pipe_ready_set(void)
{
    int64_t h = kiln_device_handle(KILN_MFT_KILN_PIPE);
    return h < 0 ? 0 : 1ULL << h;
}
