/*
 * block_file.c: block devices backed by a file (or a block special file).
 * Requests must be whole sectors at sector-aligned offsets within capacity;
 * anything else is refused with SOLO5_R_EINVAL and transfers nothing.
 * KILN_HC_BLOCK_FLUSH (a Kiln extension) is fdatasync. A forked tender shares the file with its parent, unless the device was
 * given --fork-block:NAME=refuse: then its calls fail there with
 * KILN_R_UNAVAILABLE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"
#include "hypercall.h"
#include "solo5.h"

#define DEFAULT_SECTOR 512

static int fds[KILN_MFT_MAX_ENTRIES];      /* -1 once refused */
static int refuse_in_child[KILN_MFT_MAX_ENTRIES];
static const struct kiln_mft *block_mft;

/* The entry for (handle) when it is an attached block device. */
static const struct kiln_mft_entry *block_device(uint64_t handle)
{
    if (handle == 0 || handle >= block_mft->entries)
        return NULL;
    const struct kiln_mft_entry *e = &block_mft->e[handle];
    return e->type == KILN_MFT_BLOCK_BASIC && e->attached ? e : NULL;
}

/* The entry for (handle) when (offset, len) is a valid request on it. */
static const struct kiln_mft_entry *valid_request(uint64_t handle,
                                                  uint64_t offset,
                                                  uint64_t len)
{
    const struct kiln_mft_entry *e = block_device(handle);
    if (e == NULL)
        return NULL;
    uint64_t sector = e->u.block_basic.block_size;
    uint64_t capacity = e->u.block_basic.capacity;
    if (len == 0 || len % sector != 0 || offset % sector != 0 ||
        offset > capacity || len > capacity - offset)
        return NULL;
    return e;
}

/* Full transfer or an error: pread/pwrite may return short counts. */
static int transfer(int fd, uint8_t *buf, uint64_t len, uint64_t offset,
                    int writing)
{
    while (len > 0) {
        ssize_t n = writing ? pwrite(fd, buf, len, (off_t)offset)
                            : pread(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (uint64_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

/* BLOCK_READ and BLOCK_WRITE share one argument layout. */
_Static_assert(sizeof(struct kiln_hc_block_read) ==
                   sizeof(struct kiln_hc_block_write),
               "block argument blocks differ");

static enum kiln_hc_outcome block_io(const struct kiln_guest_mem *m,
                                     uint64_t gpa, int *status, int writing)
{
    unsigned nr = writing ? KILN_HC_BLOCK_WRITE : KILN_HC_BLOCK_READ;
    struct kiln_hc_block_read *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_block_read);
    if (a == NULL)
        return kiln_hc_bad_args(nr, gpa, status);
    /* Read each field once: the guest may change them meanwhile. */
    uint64_t handle = a->handle, offset = a->offset, data = a->data,
             len = a->len;
    /* A write only reads guest memory; a read fills it. */
    uint8_t *buf = writing ? (uint8_t *)kiln_gpa_readable(m, data, len)
                           : kiln_gpa_writable(m, data, len);
    if (buf == NULL || valid_request(handle, offset, len) == NULL) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    if (fds[handle] < 0) {
        a->ret = KILN_R_UNAVAILABLE;
        return KILN_HC_CONTINUE;
    }
    a->ret = transfer(fds[handle], buf, len, offset, writing) == 0
                 ? SOLO5_R_OK
                 : SOLO5_R_EUNSPEC;
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome block_write(const struct kiln_guest_mem *m,
                                        uint64_t gpa, int *status)
{
    return block_io(m, gpa, status, 1);
}

static enum kiln_hc_outcome block_read(const struct kiln_guest_mem *m,
                                       uint64_t gpa, int *status)
{
    return block_io(m, gpa, status, 0);
}

static enum kiln_hc_outcome block_flush(const struct kiln_guest_mem *m,
                                        uint64_t gpa, int *status)
{
    struct kiln_hc_block_flush *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_block_flush);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_BLOCK_FLUSH, gpa, status);
    uint64_t handle = a->handle;
    if (block_device(handle) == NULL) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    if (fds[handle] < 0) {
        a->ret = KILN_R_UNAVAILABLE;
        return KILN_HC_CONTINUE;
    }
    /* Data only: the file's size never changes, so its metadata need not. */
    a->ret = fdatasync(fds[handle]) == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
    return KILN_HC_CONTINUE;
}

uint32_t kiln_block_host_features(void)
{
    return block_mft != NULL ? KILN_FEATURE_BLOCK_FLUSH : 0;
}

static int capacity_of(int fd, uint64_t *capacity)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    if (S_ISBLK(st.st_mode))
        return ioctl(fd, BLKGETSIZE64, capacity);
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    *capacity = (uint64_t)st.st_size;
    return 0;
}

int kiln_block_attach(struct kiln_mft *mft, unsigned index,
                      const struct kiln_block_opt *opt, char *err,
                      size_t errlen)
{
    const char *path = opt->path;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    uint64_t capacity;
    if (fd < 0 || capacity_of(fd, &capacity) != 0) {
        snprintf(err, errlen, "block device '%s': %s: %s", opt->name, path,
                 errno == EINVAL ? "not a regular file or block device"
                                 : strerror(errno));
        return -1;
    }
    uint32_t sector = opt->sector_size ? opt->sector_size : DEFAULT_SECTOR;
    if (capacity < sector || capacity % sector != 0) {
        snprintf(err, errlen, "block device '%s': %s: size %llu is not a "
                 "positive multiple of the sector size %u", opt->name, path,
                 (unsigned long long)capacity, sector);
        close(fd);
        return -1;
    }
    fds[index] = fd;
    refuse_in_child[index] = opt->fork_refuse;
    mft->e[index].u.block_basic.capacity = capacity;
    mft->e[index].u.block_basic.block_size = (uint16_t)sector;
    block_mft = mft;
    kiln_hc_register(KILN_HC_BLOCK_WRITE, block_write);
    kiln_hc_register(KILN_HC_BLOCK_READ, block_read);
    kiln_hc_register(KILN_HC_BLOCK_FLUSH, block_flush);
    return 0;
}

void kiln_block_fork_child(void)
{
    for (unsigned h = 0; h < KILN_MFT_MAX_ENTRIES; h++)
        if (refuse_in_child[h] && fds[h] >= 0) {
            close(fds[h]);
            fds[h] = -1;
        }
}
