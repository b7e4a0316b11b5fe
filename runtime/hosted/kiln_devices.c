/* kiln_devices.c: the hosted platform provides neither of Kiln's fork and
 * pipe devices: their calls refuse, as the hvt bindings do for an image
 * that declares neither (fork and pipes need kiln-hvt). */
#include "hosted.h"
#include "kiln_fork_pipe.h"

int kiln_fork(uint64_t *child)
{
    (void)child;
    return SOLO5_R_EINVAL;
}

unsigned kiln_net_pool_tap(solo5_handle_t handle)
{
    (void)handle;
    return 0;
}

int kiln_wait(uint64_t child, int *status)
{
    (void)child;
    (void)status;
    return SOLO5_R_EINVAL;
}

int kiln_pipe(uint64_t *read_end, uint64_t *write_end)
{
    (void)read_end;
    (void)write_end;
    return SOLO5_R_EINVAL;
}

int kiln_pipe_read(uint64_t end, void *buf, size_t size, size_t *done)
{
    (void)end;
    (void)buf;
    (void)size;
    (void)done;
    return SOLO5_R_EINVAL;
}

int kiln_pipe_write(uint64_t end, const void *buf, size_t size, size_t *done)
{
    (void)end;
    (void)buf;
    (void)size;
    (void)done;
    return SOLO5_R_EINVAL;
}

int kiln_pipe_close(uint64_t end)
{
    (void)end;
    return SOLO5_R_EINVAL;
}

solo5_handle_set_t kiln_fork_ready_set(void)
{
    return 0;
}

solo5_handle_set_t kiln_pipe_ready_set(void)
{
    return 0;
}
