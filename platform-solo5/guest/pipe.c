/* pipe.c: the guest's side of the KILN_HC_PIPE_* calls. */
#include "guest.h"
#include "cpu.h"
#include "kiln_fork_pipe.h"

static int have_pipes(void)
{
    return kiln_device_handle(KILN_MFT_KILN_PIPE) >= 0;
}

int kiln_pipe(uint64_t *read_end, uint64_t *write_end)
{
    if (!have_pipes() || read_end == NULL || write_end == NULL)
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_pipe_create a = {.ret = SOLO5_R_EUNSPEC};
    kiln_hypercall(KILN_HC_PIPE_CREATE, &a);
    *read_end = a.read_end;
    *write_end = a.write_end;
    return a.ret;
}

static int transfer(unsigned nr, uint64_t end, const void *buf, size_t size,
                    size_t *done)
{
    if (!have_pipes() || done == NULL)
        return SOLO5_R_EINVAL;
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
    return a.ret;
}

solo5_handle_set_t kiln_pipe_ready_set(void)
{
    int64_t h = kiln_device_handle(KILN_MFT_KILN_PIPE);
    return h < 0 ? 0 : 1ULL << h;
}
