/* block.c: block devices through the BLOCK_READ/BLOCK_WRITE hypercalls,
 * and kiln-hvt's BLOCK_FLUSH where the tender offers it. Alignment and range
 * are checked here too: upstream tenders check only the range, and a
 * request must not reach the disk half-valid. */
#include "guest.h"
#include "cpu.h"
#include "kiln_block_flush.h"

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info)
{
    int64_t h = kiln_manifest_acquire(name, KILN_MFT_BLOCK_BASIC);
    if (h < 0)
        return SOLO5_R_EINVAL;
    const struct kiln_mft_entry *e = &kiln_guest.mft->e[h];
    info->capacity = e->u.block_basic.capacity;
    info->block_size = e->u.block_basic.block_size;
    *handle = (solo5_handle_t)h;
    return SOLO5_R_OK;
}

/* Whole blocks, aligned, within capacity, on an acquired block device. */
static int valid_request(solo5_handle_t handle, solo5_off_t offset, size_t size)
{
    const struct kiln_mft *mft = kiln_guest.mft;
    if (handle >= mft->entries || !(kiln_guest.acquired & (1ULL << handle)) ||
        mft->e[handle].type != KILN_MFT_BLOCK_BASIC)
        return 0;
    uint64_t bs = mft->e[handle].u.block_basic.block_size;
    uint64_t capacity = mft->e[handle].u.block_basic.capacity;
    return bs != 0 && size != 0 && size % bs == 0 && offset % bs == 0 &&
           offset <= capacity && size <= capacity - offset;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size)
{
    if (!valid_request(handle, offset, size))
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_block_write w = {
        .handle = handle,
        .offset = offset,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_BLOCK_WRITE, &w);
    return (solo5_result_t)w.ret;
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size)
{
    if (!valid_request(handle, offset, size))
        return SOLO5_R_EINVAL;
    volatile struct kiln_hc_block_read r = {
        .handle = handle,
        .offset = offset,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_BLOCK_READ, &r);
    return (solo5_result_t)r.ret;
}

int kiln_block_flush_offered(void)
{
    return (kiln_guest.host_features & KILN_FEATURE_BLOCK_FLUSH) != 0;
}

int kiln_block_flush(solo5_handle_t handle)
{
    const struct kiln_mft *mft = kiln_guest.mft;
    if (handle >= mft->entries || !(kiln_guest.acquired & (1ULL << handle)) ||
        mft->e[handle].type != KILN_MFT_BLOCK_BASIC)
        return SOLO5_R_EINVAL;
    if (!kiln_block_flush_offered())
        return KILN_R_NOSYS;
    volatile struct kiln_hc_block_flush f = {
        .handle = handle,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_BLOCK_FLUSH, &f);
    return f.ret;
}
