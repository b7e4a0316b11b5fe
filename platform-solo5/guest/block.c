/* block.c: block devices through the BLOCK_READ/BLOCK_WRITE hypercalls. The
 * tender checks alignment and range; the bindings do not second-guess it. */
#include "guest.h"
#include "x86_64/cpu.h"

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

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size)
{
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
