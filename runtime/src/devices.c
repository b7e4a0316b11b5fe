/*
 * devices.c: the Solo5 devices as seen from JavaScript: acquiring network
 * and block devices by their manifest names, frame and block I/O straight
 * into the caller's buffers (the tender's copy is the only one), block
 * flush (kiln_block_flush.h), and
 * watchers that the event loop calls when a network device has input.
 */
#include <math.h>

#include "kiln.h"
#include "kiln_block_flush.h"
#include "kiln_fork_pipe.h"
#include "kiln_hvt_abi.h"
#include "kiln_net_offload.h"

#define MAX_HANDLES 64

enum handle_kind { HANDLE_NONE = 0, HANDLE_NET, HANDLE_BLOCK };

static struct {
    enum handle_kind kind;
    size_t net_frame_max;      /* mtu + Ethernet header */
    size_t net_large_max;      /* largest frame with offload (kiln_net_offload.h), else 0 */
    struct solo5_block_info block;
    JSValue watcher;           /* JS_UNDEFINED when not watched */
} handles[MAX_HANDLES];
static solo5_handle_set_t watched, keep_alive;

static const char *result_code(solo5_result_t r)
{
    /* Switched as an int: Kiln's result codes lie outside Solo5's enum. */
    switch ((int)r) {
    case SOLO5_R_OK: return "OK";
    case SOLO5_R_AGAIN: return "EAGAIN";
    case SOLO5_R_EINVAL: return "EINVAL";
    /* kiln-hvt: the device is not this unikernel's (a forked child's net
     * device without a tap of its own, a block device refused to it). */
    case KILN_R_UNAVAILABLE: return "EUNAVAIL";
    default: return "EUNSPEC";
    }
}

/* The handle in argv[0], checked to be an acquired device of (kind). */
static int get_handle(JSContext *ctx, JSValueConst v, enum handle_kind kind, const char *fn,
                      solo5_handle_t *out)
{
    double d;
    if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &d, v) || d != floor(d) || d < 0 ||
        d >= MAX_HANDLES || handles[(int)d].kind != kind) {
        kiln_throw(ctx, "EINVAL", "%s: not a handle of an acquired %s device", fn,
                   kind == HANDLE_NET ? "network" : "block");
        return -1;
    }
    *out = (solo5_handle_t)d;
    return 0;
}

static const char *get_name(JSContext *ctx, JSValueConst v, const char *fn)
{
    if (!JS_IsString(v)) {
        JS_ThrowTypeError(ctx, "%s: the device name must be a string", fn);
        return NULL;
    }
    return JS_ToCString(ctx, v);
}

/* Throws ENODEV for (name), which it frees. */
static JSValue no_device(JSContext *ctx, const char *fn, const char *kind, const char *name)
{
    JSValue e = kiln_throw(ctx, "ENODEV", "%s: no %s device '%s' (not in the manifest, not "
                           "attached by the tender, or acquired already)", fn, kind, name);
    JS_FreeCString(ctx, name);
    return e;
}

/* netAcquire(name) -> { handle, mac: Uint8Array(6), mtu, poolTap, offloadFrameMax }
 * (poolTap: kiln_net_pool_tap, 0 unless a forked child holds a --fork-net
 * tap; offloadFrameMax: kiln_net_offload.h, 0 without offload) */
static JSValue net_acquire(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    const char *name = get_name(ctx, argc ? argv[0] : JS_UNDEFINED, "netAcquire");
    if (!name)
        return JS_EXCEPTION;
    solo5_handle_t h;
    struct solo5_net_info info;
    solo5_result_t r = solo5_net_acquire(name, &h, &info);
    if (r != SOLO5_R_OK || h >= MAX_HANDLES)
        return no_device(ctx, "netAcquire", "network", name);
    JS_FreeCString(ctx, name);
    handles[h].kind = HANDLE_NET;
    handles[h].net_frame_max = info.mtu + SOLO5_NET_HLEN;
    handles[h].net_large_max = kiln_net_offload_frame_max(h);
    handles[h].watcher = JS_UNDEFINED;
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "handle", JS_NewInt32(ctx, (int32_t)h));
    JSValue mac = JS_NewArrayBufferCopy(ctx, info.mac_address, SOLO5_NET_ALEN);
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue ctor = JS_GetPropertyStr(ctx, global, "Uint8Array");
    JS_FreeValue(ctx, global);
    JS_SetPropertyStr(ctx, o, "mac", JS_CallConstructor(ctx, ctor, 1, (JSValueConst *)&mac));
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, mac);
    JS_SetPropertyStr(ctx, o, "mtu", JS_NewInt64(ctx, (int64_t)info.mtu));
    JS_SetPropertyStr(ctx, o, "poolTap", JS_NewInt64(ctx, (int64_t)kiln_net_pool_tap(h)));
    JS_SetPropertyStr(ctx, o, "offloadFrameMax", JS_NewInt64(ctx, (int64_t)handles[h].net_large_max));
    return o;
}

/* netRead(handle, buffer) -> bytes of the frame, or -1 when none is pending */
static JSValue net_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    solo5_handle_t h;
    uint8_t *buf;
    size_t len, got;
    if (argc < 2 || get_handle(ctx, argv[0], HANDLE_NET, "netRead", &h) < 0 ||
        kiln_get_bytes(ctx, argv[1], &buf, &len) < 0)
        return argc < 2 ? JS_ThrowTypeError(ctx, "netRead(handle, buffer)") : JS_EXCEPTION;
    size_t need = handles[h].net_large_max ? handles[h].net_large_max : handles[h].net_frame_max;
    if (len < need)
        return kiln_throw(ctx, "EINVAL", "netRead: a buffer of %zu bytes cannot hold a frame of %zu", len, need);
    solo5_result_t r = solo5_net_read(h, buf, len, &got);
    if (r == SOLO5_R_AGAIN)
        return JS_NewInt32(ctx, -1);
    if (r != SOLO5_R_OK)
        return kiln_throw(ctx, result_code(r), "netRead: the platform failed (%s)", result_code(r));
    return JS_NewInt64(ctx, (int64_t)got);
}

/* netWrite(handle, frame, segmentSize = 0): sends the whole view as one
 * Ethernet frame; with a segment size, a large TCP segment for the device
 * to cut into segments of that many payload bytes (kiln_net_offload.h). */
static JSValue net_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    solo5_handle_t h;
    uint8_t *buf;
    size_t len;
    uint32_t segment_size = 0;
    if (argc < 2 || get_handle(ctx, argv[0], HANDLE_NET, "netWrite", &h) < 0 ||
        kiln_get_bytes(ctx, argv[1], &buf, &len) < 0 ||
        (argc > 2 && !JS_IsUndefined(argv[2]) && JS_ToUint32(ctx, &segment_size, argv[2]) < 0))
        return argc < 2 ? JS_ThrowTypeError(ctx, "netWrite(handle, frame[, segmentSize])") : JS_EXCEPTION;
    size_t max = segment_size ? handles[h].net_large_max : handles[h].net_frame_max;
    if (len < SOLO5_NET_HLEN || len > max)
        return kiln_throw(ctx, "EINVAL", "netWrite: a frame of %zu bytes is not in %u..%zu%s", len,
                          SOLO5_NET_HLEN, max, segment_size && !max ? " (this device offers no offload)" : "");
    solo5_result_t r = segment_size ? (solo5_result_t)kiln_net_write_segments(h, buf, len, segment_size)
                                    : solo5_net_write(h, buf, len);
    if (r != SOLO5_R_OK)
        return kiln_throw(ctx, result_code(r), "netWrite: the platform failed (%s)", result_code(r));
    return JS_UNDEFINED;
}

/* netWatch(handle, callback | null, keepAlive = true): callback(handle) runs
 * when input is pending; the watch keeps the event loop running unless
 * keepAlive is false. */
static JSValue net_watch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    solo5_handle_t h;
    if (argc < 2 || get_handle(ctx, argv[0], HANDLE_NET, "netWatch", &h) < 0)
        return argc < 2 ? JS_ThrowTypeError(ctx, "netWatch(handle, callback | null[, keepAlive])")
                        : JS_EXCEPTION;
    if (!JS_IsNull(argv[1]) && !JS_IsFunction(ctx, argv[1]))
        return JS_ThrowTypeError(ctx, "netWatch: the callback must be a function or null");
    kiln_devices_set_watcher(ctx, h, argv[1], argc < 3 || JS_ToBool(ctx, argv[2]));
    return JS_UNDEFINED;
}

void kiln_devices_set_watcher(JSContext *ctx, solo5_handle_t h, JSValueConst callback,
                              int keep)
{
    solo5_handle_set_t bit = (solo5_handle_set_t)1 << h;
    JS_FreeValue(ctx, handles[h].watcher);
    watched &= ~bit;
    keep_alive &= ~bit;
    handles[h].watcher = JS_UNDEFINED;
    if (!JS_IsNull(callback)) {
        handles[h].watcher = JS_DupValue(ctx, callback);
        watched |= bit;
        if (keep)
            keep_alive |= bit;
    }
}

/* blockAcquire(name) -> { handle, capacity, blockSize } (bytes) */
static JSValue block_acquire(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    const char *name = get_name(ctx, argc ? argv[0] : JS_UNDEFINED, "blockAcquire");
    if (!name)
        return JS_EXCEPTION;
    solo5_handle_t h;
    struct solo5_block_info info;
    solo5_result_t r = solo5_block_acquire(name, &h, &info);
    if (r != SOLO5_R_OK || h >= MAX_HANDLES || info.block_size == 0)
        return no_device(ctx, "blockAcquire", "block", name);
    JS_FreeCString(ctx, name);
    handles[h].kind = HANDLE_BLOCK;
    handles[h].block = info;
    handles[h].watcher = JS_UNDEFINED;
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "handle", JS_NewInt32(ctx, (int32_t)h));
    JS_SetPropertyStr(ctx, o, "capacity", JS_NewFloat64(ctx, (double)info.capacity));
    JS_SetPropertyStr(ctx, o, "blockSize", JS_NewFloat64(ctx, (double)info.block_size));
    JS_SetPropertyStr(ctx, o, "durableFlush", JS_NewBool(ctx, kiln_block_flush_offered()));
    return o;
}

/* blockRead/blockWrite(handle, offset, buffer): whole blocks, in range. */
static JSValue block_io(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int write)
{
    (void)this_val;
    const char *fn = write ? "blockWrite" : "blockRead";
    solo5_handle_t h;
    uint8_t *buf;
    size_t len;
    double offset;
    if (argc < 3)
        return JS_ThrowTypeError(ctx, "%s(handle, offset, buffer)", fn);
    if (get_handle(ctx, argv[0], HANDLE_BLOCK, fn, &h) < 0 || JS_ToFloat64(ctx, &offset, argv[1]) ||
        kiln_get_bytes(ctx, argv[2], &buf, &len) < 0)
        return JS_EXCEPTION;
    const struct solo5_block_info *info = &handles[h].block;
    if (!(offset >= 0) || offset != floor(offset) || offset > 9007199254740991.0)
        return kiln_throw(ctx, "EINVAL", "%s: offset must be a non-negative integer", fn);
    uint64_t off = (uint64_t)offset;
    if (off % info->block_size || len % info->block_size || len == 0)
        return kiln_throw(ctx, "EINVAL", "%s: offset %llu and length %zu must be non-zero multiples of "
                          "the block size %llu", fn, (unsigned long long)off, len,
                          (unsigned long long)info->block_size);
    if (off > info->capacity || len > info->capacity - off)
        return kiln_throw(ctx, "ERANGE", "%s: bytes %llu..%llu lie beyond the capacity %llu", fn,
                          (unsigned long long)off, (unsigned long long)(off + len),
                          (unsigned long long)info->capacity);
    solo5_result_t r = write ? solo5_block_write(h, off, buf, len) : solo5_block_read(h, off, buf, len);
    if (r != SOLO5_R_OK)
        return kiln_throw(ctx, result_code(r), "%s: the platform failed (%s)", fn, result_code(r));
    return JS_UNDEFINED;
}

/* blockFlush(handle): returns once completed writes are durable; a no-op
 * where the tender offers no flush (blockAcquire's durableFlush is false). */
static JSValue block_flush(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    solo5_handle_t h;
    if (argc < 1)
        return JS_ThrowTypeError(ctx, "blockFlush(handle)");
    if (get_handle(ctx, argv[0], HANDLE_BLOCK, "blockFlush", &h) < 0)
        return JS_EXCEPTION;
    int r = kiln_block_flush(h);
    if (r != SOLO5_R_OK && r != KILN_R_NOSYS)
        return kiln_throw(ctx, result_code(r), "blockFlush: the platform failed (%s)", result_code(r));
    return JS_UNDEFINED;
}

static JSValue block_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return block_io(ctx, this_val, argc, argv, 0);
}

static JSValue block_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return block_io(ctx, this_val, argc, argv, 1);
}

void kiln_devices_install(JSContext *ctx, JSValueConst api)
{
    static const JSCFunctionListEntry fns[] = {
        JS_CFUNC_DEF("netAcquire", 1, net_acquire),
        JS_CFUNC_DEF("netRead", 2, net_read),
        JS_CFUNC_DEF("netWrite", 2, net_write),
        JS_CFUNC_DEF("netWatch", 2, net_watch),
        JS_CFUNC_DEF("blockAcquire", 1, block_acquire),
        JS_CFUNC_DEF("blockRead", 3, block_read),
        JS_CFUNC_DEF("blockWrite", 3, block_write),
        JS_CFUNC_DEF("blockFlush", 1, block_flush),
    };
    for (int i = 0; i < MAX_HANDLES; i++)
        handles[i].watcher = JS_UNDEFINED;
    JS_SetPropertyFunctionList(ctx, api, fns, sizeof fns / sizeof fns[0]);
}

solo5_handle_set_t kiln_devices_watched(void)
{
    return watched;
}

int kiln_devices_keep_alive(void)
{
    return keep_alive != 0;
}

int kiln_devices_dispatch(JSContext *ctx, solo5_handle_set_t ready)
{
    while (ready) {
        int h = __builtin_ctzll(ready);
        ready &= ready - 1;
        if (!(watched & ((solo5_handle_set_t)1 << h)))
            continue; /* unwatched by an earlier callback in this turn */
        JSValue arg = JS_NewInt32(ctx, h);
        if (kiln_call_from_loop(ctx, JS_DupValue(ctx, handles[h].watcher), 1, &arg) < 0)
            return -1;
    }
    return 0;
}
