/* net.c: network devices: through kiln-hvt's frame rings when it offers
 * them (net_ring.c), else one NET_READ/NET_WRITE hypercall per frame; large
 * TCP segments when kiln-hvt offers net offload and the caller asks
 * (kiln_net_offload.h, kiln_hvt_abi.h "Net offload"). */
#include "guest.h"
#include "cpu.h"
#include "kiln_net_offload.h"

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    int64_t h = kiln_manifest_acquire(name, KILN_MFT_NET_BASIC);
    if (h < 0)
        return SOLO5_R_EINVAL;
    const struct kiln_mft_entry *e = &kiln_guest.mft->e[h];
    kiln_memcpy(info->mac_address, e->u.net_basic.mac, SOLO5_NET_ALEN);
    info->mtu = e->u.net_basic.mtu;
    *handle = (solo5_handle_t)h;
    kiln_net_ring_start((solo5_handle_t)h);
    return SOLO5_R_OK;
}

unsigned kiln_net_pool_tap(solo5_handle_t handle)
{
    if (handle == 0 || handle >= kiln_guest.mft->entries ||
        kiln_guest.mft->e[handle].type != KILN_MFT_NET_BASIC)
        return 0;
    return kiln_guest.mft->e[handle].u.net_basic.kiln_pool_tap;
}

static int uses_ring(solo5_handle_t handle)
{
    return handle < KILN_MFT_MAX_ENTRIES &&
           (kiln_guest.ring_active & (1ULL << handle));
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size)
{
    if (uses_ring(handle))
        return kiln_net_ring_write(handle, buf, size);
    volatile struct kiln_hc_net_write w = {
        .handle = handle,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_NET_WRITE, &w);
    return (solo5_result_t)w.ret;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size)
{
    if (uses_ring(handle))
        return kiln_net_ring_read(handle, buf, size, read_size);
    return kiln_net_read_call(handle, buf, size, read_size);
}

solo5_result_t kiln_net_read_call(solo5_handle_t handle, uint8_t *buf,
                                  size_t size, size_t *read_size)
{
    volatile struct kiln_hc_net_read r = {
        .handle = handle,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_NET_READ, &r);
    if (r.ret == SOLO5_R_OK)
        *read_size = r.len;
    return (solo5_result_t)r.ret;
}

static int offload_on(solo5_handle_t handle)
{
    return handle < KILN_MFT_MAX_ENTRIES &&
           (kiln_guest.offload_active & (1ULL << handle));
}

/* The first call for a device is the guest's opt-in: from then on the
 * tender may hand it frames of up to the size returned. Upstream tenders
 * never offer it. */
size_t kiln_net_offload_frame_max(solo5_handle_t handle)
{
    if (!offload_on(handle) && handle < KILN_MFT_MAX_ENTRIES &&
        (kiln_guest.acquired & (1ULL << handle)) &&
        (kiln_guest.host_features & KILN_FEATURE_NET_OFFLOAD)) {
        volatile struct kiln_hc_net_offload o = {
            .handle = handle,
            .ret = SOLO5_R_EUNSPEC,
        };
        kiln_hypercall(KILN_HC_NET_OFFLOAD, &o);
        if (o.ret == SOLO5_R_OK && o.frame_max == KILN_NET_OFFLOAD_FRAME_MAX)
            kiln_guest.offload_active |= 1ULL << handle;
    }
    return offload_on(handle) ? KILN_NET_OFFLOAD_FRAME_MAX : 0;
}

/* One exit per large segment; frames queued in the ring before it go out
 * first (the tender serves the ring at every exit, before the call). */
int kiln_net_write_segments(solo5_handle_t handle, const uint8_t *buf, size_t size,
                            size_t segment_size)
{
    if (!offload_on(handle))
        return KILN_R_NOSYS;
    volatile struct kiln_hc_net_write_segments w = {
        .handle = handle,
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
        .segment_size = segment_size,
        .ret = SOLO5_R_EUNSPEC,
    };
    kiln_hypercall(KILN_HC_NET_WRITE_SEGMENTS, &w);
    return w.ret;
}
