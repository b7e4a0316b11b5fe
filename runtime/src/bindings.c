/*
 * bindings.c: the platform-neutral part of globalThis.__kiln: console output,
 * clocks, exit, the command line, memory figures (BINDINGS.md documents it
 * all), and helpers the other binding files share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heap.h"
#include "kiln.h"

JSValue kiln_throw(JSContext *ctx, const char *code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    JSValue err = JS_NewError(ctx);
    if (JS_IsException(err))
        return err;
    JS_SetPropertyStr(ctx, err, "message", JS_NewString(ctx, msg));
    JS_SetPropertyStr(ctx, err, "code", JS_NewString(ctx, code));
    return JS_Throw(ctx, err);
}

/* For telling buffers from views without throwing; Uint8Array.prototype
 * recognises what nearly every call passes with one pointer compare (an
 * instanceof costs a Symbol.hasInstance look-up and a call). */
static JSValue array_buffer_ctor, data_view_ctor, uint8_array_proto;

/* The bytes of a DataView: its buffer, offset and length properties. */
static int data_view_bytes(JSContext *ctx, JSValueConst v, uint8_t **ptr, size_t *len)
{
    JSValue ab = JS_GetPropertyStr(ctx, v, "buffer");
    JSValue off = JS_GetPropertyStr(ctx, v, "byteOffset");
    JSValue n = JS_GetPropertyStr(ctx, v, "byteLength");
    size_t size;
    int64_t offset = 0, bytes = 0;
    uint8_t *buf = JS_GetArrayBuffer(ctx, &size, ab);
    /* A failed conversion leaves its exception pending. */
    int failed = !buf || JS_ToInt64(ctx, &offset, off) || JS_ToInt64(ctx, &bytes, n);
    JS_FreeValue(ctx, ab);
    JS_FreeValue(ctx, off);
    JS_FreeValue(ctx, n);
    if (failed)
        return -1;
    if (offset < 0 || bytes < 0 || (uint64_t)offset > size || (uint64_t)bytes > size - (uint64_t)offset) {
        JS_ThrowTypeError(ctx, "a DataView outside its buffer");
        return -1;
    }
    *ptr = buf + offset;
    *len = (size_t)bytes;
    return 0;
}

/* The bytes a typed array views; an exception when V is none (or detached). */
static int typed_array_bytes(JSContext *ctx, JSValueConst v, uint8_t **ptr, size_t *len)
{
    size_t offset, bytes, per_element, size;
    JSValue ab = JS_GetTypedArrayBuffer(ctx, v, &offset, &bytes, &per_element);
    if (JS_IsException(ab)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        JS_ThrowTypeError(ctx, "expected an ArrayBuffer, a typed array or a DataView");
        return -1;
    }
    uint8_t *buf = JS_GetArrayBuffer(ctx, &size, ab);
    JS_FreeValue(ctx, ab);
    if (!buf) /* detached: the exception is pending */
        return -1;
    *ptr = buf + offset;
    *len = bytes;
    return 0;
}

int kiln_get_bytes(JSContext *ctx, JSValueConst v, uint8_t **ptr, size_t *len)
{
    /* No exception is built on the way to success (building one costs
     * microseconds, and this is the drivers' hot path): a Uint8Array is
     * recognised by its prototype (and checked by typed_array_bytes),
     * buffers and DataViews by their constructors, anything else is tried
     * as a typed array. */
    size_t size;
    if (!JS_IsObject(v))
        return typed_array_bytes(ctx, v, ptr, len);
    JSValue proto = JS_GetPrototype(ctx, v);
    if (JS_IsException(proto)) /* a proxy's trap threw */
        return -1;
    int u8 = JS_VALUE_GET_PTR(proto) == JS_VALUE_GET_PTR(uint8_array_proto);
    JS_FreeValue(ctx, proto);
    if (u8)
        return typed_array_bytes(ctx, v, ptr, len);
    if (JS_IsInstanceOf(ctx, v, array_buffer_ctor) > 0) {
        uint8_t *buf = JS_GetArrayBuffer(ctx, &size, v);
        if (!buf) /* detached, or a disguised object: the exception is pending */
            return -1;
        *ptr = buf;
        *len = size;
        return 0;
    }
    if (JS_IsInstanceOf(ctx, v, data_view_ctor) > 0)
        return data_view_bytes(ctx, v, ptr, len);
    return typed_array_bytes(ctx, v, ptr, len);
}

/* write(data): a string (as UTF-8) or bytes, to the console as they are. */
static JSValue api_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 1)
        return JS_ThrowTypeError(ctx, "write: expected a string or bytes");
    if (JS_IsString(argv[0])) {
        size_t len;
        const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
        if (!s)
            return JS_EXCEPTION;
        solo5_console_write(s, len);
        JS_FreeCString(ctx, s);
        return JS_UNDEFINED;
    }
    uint8_t *p;
    size_t len;
    if (kiln_get_bytes(ctx, argv[0], &p, &len) < 0)
        return JS_EXCEPTION;
    solo5_console_write((const char *)p, len);
    return JS_UNDEFINED;
}

static JSValue api_monotonic_ns(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewBigUint64(ctx, solo5_clock_monotonic());
}

static JSValue api_monotonic_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewFloat64(ctx, (double)solo5_clock_monotonic() / 1e6);
}

static JSValue api_wall_ns(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewBigUint64(ctx, solo5_clock_wall());
}

static JSValue api_wall_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewFloat64(ctx, (double)solo5_clock_wall() / 1e6);
}

/* exit(status): ends the unikernel now; status is an integer 0..255. */
static JSValue api_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int status = 0;
    if (argc >= 1 && JS_ToInt32(ctx, &status, argv[0]))
        return JS_EXCEPTION;
    if (status < 0 || status > 255)
        return kiln_throw(ctx, "EINVAL", "exit: status %d is not in 0..255", status);
    solo5_exit(status);
}

/* memory(): the allocator's figures, in bytes. */
static JSValue api_memory(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    struct kiln_heap_stats st;
    kiln_heap_stats(&st);
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "heapSize", JS_NewFloat64(ctx, (double)st.size));
    JS_SetPropertyStr(ctx, o, "inUse", JS_NewFloat64(ctx, (double)st.in_use));
    JS_SetPropertyStr(ctx, o, "peak", JS_NewFloat64(ctx, (double)st.peak));
    JS_SetPropertyStr(ctx, o, "pagesUsed", JS_NewFloat64(ctx, (double)st.pages_used));
    JS_SetPropertyStr(ctx, o, "jsStack", JS_NewFloat64(ctx, (double)kiln.js_stack_size));
    JS_SetPropertyStr(ctx, o, "outOfMemory", JS_NewFloat64(ctx, kiln.out_of_memory));
    return o;
}

/* heapFree(): bytes neither live allocations nor the allocator's pages
 * hold (a ring needs whole free pages, which partly used spans do not give
 * back), as one number: a server asks before every request, where
 * memory()'s object costs a new object and six properties. */
static JSValue api_heap_free(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    struct kiln_heap_stats st;
    kiln_heap_stats(&st);
    size_t held = st.pages_used * KILN_HEAP_PAGE;
    if (held < st.in_use)
        held = st.in_use;
    return JS_NewFloat64(ctx, held < st.size ? (double)(st.size - held) : 0);
}

static JSValue api_gc(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    JS_RunGC(JS_GetRuntime(ctx));
    return JS_UNDEFINED;
}

/* startup(): engine start-up cost, in nanoseconds. */
static JSValue api_startup(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "engineNs", JS_NewFloat64(ctx, (double)(kiln.ready_ns - kiln.boot_ns)));
    JS_SetPropertyStr(ctx, o, "bootMonotonicNs", JS_NewFloat64(ctx, (double)kiln.boot_ns));
    return o;
}

/* The Solo5 command line, split at spaces (tenders join arguments so). */
static JSValue split_cmdline(JSContext *ctx, const char *cmdline)
{
    JSValue argv = JS_NewArray(ctx);
    uint32_t n = 0;
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (p > start)
            JS_SetPropertyUint32(ctx, argv, n++, JS_NewStringLen(ctx, start, (size_t)(p - start)));
    }
    return argv;
}

int kiln_exit_code(JSContext *ctx)
{
    JSValue v = JS_GetPropertyStr(ctx, kiln.api, "exitCode");
    int status = 0;
    if (!JS_IsUndefined(v) && (JS_ToInt32(ctx, &status, v) || status < 0 || status > 255)) {
        printf("kiln: __kiln.exitCode is not an integer in 0..255; exiting with 1\n");
        status = KILN_EXIT_UNCAUGHT;
    }
    JS_FreeValue(ctx, v);
    return status;
}

void kiln_bindings_install(JSContext *ctx, JSValueConst api, const char *cmdline)
{
    static const JSCFunctionListEntry fns[] = {
        JS_CFUNC_DEF("write", 1, api_write),
        JS_CFUNC_DEF("monotonicNs", 0, api_monotonic_ns),
        JS_CFUNC_DEF("monotonicMs", 0, api_monotonic_ms),
        JS_CFUNC_DEF("wallNs", 0, api_wall_ns),
        JS_CFUNC_DEF("wallMs", 0, api_wall_ms),
        JS_CFUNC_DEF("exit", 1, api_exit),
        JS_CFUNC_DEF("memory", 0, api_memory),
        JS_CFUNC_DEF("heapFree", 0, api_heap_free),
        JS_CFUNC_DEF("gc", 0, api_gc),
        JS_CFUNC_DEF("startup", 0, api_startup),
    };
    JS_SetPropertyFunctionList(ctx, api, fns, sizeof fns / sizeof fns[0]);
    JSValue global = JS_GetGlobalObject(ctx);
    array_buffer_ctor = JS_GetPropertyStr(ctx, global, "ArrayBuffer");
    data_view_ctor = JS_GetPropertyStr(ctx, global, "DataView");
    JSValue uint8_array_ctor = JS_GetPropertyStr(ctx, global, "Uint8Array");
    uint8_array_proto = JS_GetPropertyStr(ctx, uint8_array_ctor, "prototype");
    JS_FreeValue(ctx, uint8_array_ctor);
    JS_FreeValue(ctx, global);
    JS_SetPropertyStr(ctx, api, "cmdline", JS_NewString(ctx, cmdline));
    JS_SetPropertyStr(ctx, api, "argv", split_cmdline(ctx, cmdline));
    JS_SetPropertyStr(ctx, api, "exitCode", JS_NewInt32(ctx, 0));
}
