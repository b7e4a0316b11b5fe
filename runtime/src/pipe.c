/* pipe.c: __kiln.pipeCreate/Read/Write/Close and __kiln.pipeWatch over
 * Kiln's pipe device (runtime/BINDINGS.md, "Fork and pipes"). Bytes move
 * straight between the caller's buffer and the pipe's shared ring
 * (platform-solo5/guest/pipe.c), with no exit while the ring allows. */
#include "kiln.h"
#include "kiln_fork_pipe.h"

static int get_end(JSContext *ctx, JSValueConst v, const char *fn, uint64_t *end)
{
    return kiln_get_id(ctx, v, 0xffffffff, fn, "a pipe end", end);
}

/* pipeCreate() -> [readEnd, writeEnd] */
static JSValue pipe_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    uint64_t r, w;
    int rc = kiln_pipe(&r, &w);
    if (rc != SOLO5_R_OK)
        return kiln_throw_result(ctx, rc, "pipeCreate");
    JSValue a = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, a, 0, JS_NewInt64(ctx, (int64_t)r));
    JS_SetPropertyUint32(ctx, a, 1, JS_NewInt64(ctx, (int64_t)w));
    return a;
}

/* pipeRead(end, buffer) / pipeWrite(end, buffer) -> bytes moved (a read of
 * 0 is end-of-file), or -1 when the pipe is empty / full */
static JSValue pipe_io(JSContext *ctx, int argc, JSValueConst *argv, int write)
{
    const char *fn = write ? "pipeWrite" : "pipeRead";
    uint64_t end;
    uint8_t *buf;
    size_t len, done;
    if (argc < 2)
        return JS_ThrowTypeError(ctx, "%s(end, buffer)", fn);
    if (get_end(ctx, argv[0], fn, &end) < 0 || kiln_get_bytes(ctx, argv[1], &buf, &len) < 0)
        return JS_EXCEPTION;
    if (len == 0)
        return write ? JS_NewInt32(ctx, 0)
                     : kiln_throw(ctx, "EINVAL", "pipeRead: the buffer is empty");
    int rc = write ? kiln_pipe_write(end, buf, len, &done) : kiln_pipe_read(end, buf, len, &done);
    if (rc == SOLO5_R_AGAIN)
        return JS_NewInt32(ctx, -1);
    if (rc != SOLO5_R_OK)
        return kiln_throw_result(ctx, rc, fn);
    return JS_NewInt64(ctx, (int64_t)done);
}

static JSValue pipe_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return pipe_io(ctx, argc, argv, 0);
}

static JSValue pipe_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return pipe_io(ctx, argc, argv, 1);
}

/* pipeClose(end) */
static JSValue pipe_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint64_t end;
    if (get_end(ctx, argc ? argv[0] : JS_UNDEFINED, "pipeClose", &end) < 0)
        return JS_EXCEPTION;
    int rc = kiln_pipe_close(end);
    return rc == SOLO5_R_OK ? JS_UNDEFINED : kiln_throw_result(ctx, rc, "pipeClose");
}

/* pipeWatch(callback | null): callback() when some pipe end may be ready */
static JSValue pipe_watch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return kiln_watch_ready_set(ctx, kiln_pipe_ready_set(), argc, argv, "pipeWatch");
}

void kiln_pipe_install(JSContext *ctx, JSValueConst api)
{
    static const JSCFunctionListEntry fns[] = {
        JS_CFUNC_DEF("pipeCreate", 0, pipe_create),
        JS_CFUNC_DEF("pipeRead", 2, pipe_read),
        JS_CFUNC_DEF("pipeWrite", 2, pipe_write),
        JS_CFUNC_DEF("pipeClose", 1, pipe_close),
        JS_CFUNC_DEF("pipeWatch", 1, pipe_watch),
    };
    JS_SetPropertyFunctionList(ctx, api, fns, sizeof fns / sizeof fns[0]);
}
