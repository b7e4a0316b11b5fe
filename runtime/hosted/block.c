/*
 * block.c: block devices of the hosted platform, on files. Every request is
 * checked as the tender checks it: an acquired block handle, whole blocks,
 * within the capacity. A flush is fdatasync, as kiln-hvt's.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hosted.h"
#include "kiln_block_flush.h"
#include "sys.h"

#define EINTR_NEG (-4)

void hosted_block_open(struct hosted_device *d)
{
    long fd = sys_call3(SYS_open, d->target, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0)
        hosted_fail("--block:%s=%s: cannot open the file (error %ld)", d->name, d->target, -fd);
    long size = sys_call3(SYS_lseek, fd, 0, SEEK_END);
    if (size < 0)
        hosted_fail("--block:%s=%s: cannot find the file's size (error %ld)", d->name, d->target, -size);
    if ((uint64_t)size % d->sector_size)
        hosted_fail("--block:%s=%s: the size %ld is not a multiple of the sector size %llu", d->name,
                    d->target, size, (unsigned long long)d->sector_size);
    d->fd = (int)fd;
    d->capacity = (uint64_t)size;
}

static struct hosted_device *block_device(solo5_handle_t h, solo5_off_t offset, size_t size)
{
    if (h == 0 || h >= hosted_device_count)
        return NULL;
    struct hosted_device *d = &hosted_devices[h];
    if (d->type != KILN_MFT_BLOCK_BASIC || !d->acquired)
        return NULL;
    if (size == 0 || offset % d->sector_size || size % d->sector_size || offset > d->capacity ||
        size > d->capacity - offset)
        return NULL;
    return d;
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle, struct solo5_block_info *info)
{
    for (unsigned i = 1; i < hosted_device_count; i++) {
        struct hosted_device *d = &hosted_devices[i];
        if (d->type != KILN_MFT_BLOCK_BASIC || strcmp(d->name, name) != 0 || d->acquired)
            continue;
        d->acquired = 1;
        *handle = i;
        info->capacity = d->capacity;
        info->block_size = d->sector_size;
        return SOLO5_R_OK;
    }
    return SOLO5_R_EINVAL;
}

/* Moves the whole range (pread/pwrite may move less at a time). */
static solo5_result_t transfer(long call, int fd, uint8_t *buf, size_t size, solo5_off_t offset)
{
    while (size) {
        long n = sys_call4(call, fd, buf, size, offset);
        if (n == EINTR_NEG)
            continue;
        if (n <= 0)
            return SOLO5_R_EUNSPEC;
        buf += n;
        size -= (size_t)n;
        offset += (solo5_off_t)n;
    }
    return SOLO5_R_OK;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buf, size_t size)
{
    struct hosted_device *d = block_device(handle, offset, size);
    if (!d)
        return SOLO5_R_EINVAL;
    return transfer(SYS_pwrite64, d->fd, (uint8_t *)buf, size, offset);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buf, size_t size)
{
    struct hosted_device *d = block_device(handle, offset, size);
    if (!d)
        return SOLO5_R_EINVAL;
    return transfer(SYS_pread64, d->fd, buf, size, offset);
}

int kiln_block_flush_offered(void)
{
    return 1;
}

int kiln_block_flush(solo5_handle_t handle)
{
    if (handle == 0 || handle >= hosted_device_count)
        return SOLO5_R_EINVAL;
    struct hosted_device *d = &hosted_devices[handle];
    if (d->type != KILN_MFT_BLOCK_BASIC || !d->acquired)
        return SOLO5_R_EINVAL;
    long r;
    do
        r = sys_call3(SYS_fdatasync, d->fd, 0, 0);
    while (r == EINTR_NEG);
    return r == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}
