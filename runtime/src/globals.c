/*
 * globals.c: the web-style globals any JavaScript program expects, over the
 * runtime's bindings: console, queueMicrotask, performance.now and
 * crypto.getRandomValues (setTimeout & co. come from timers.c).
 *
 * console.* joins its arguments with spaces and ends the line: strings as
 * they are, errors as their stack ("Name: message" and the frames), other
 * objects as JSON (falling back to String() for cycles and the like), bigints with an "n". All levels go to
 * the one Solo5 console, in a single write per call.
 */
#include "cutils.h"
#include "kiln.h"

/* What console.* prints for a value whose String() throws. */
#define UNPRINTABLE "[unprintable]"

void kiln_put_string(JSContext *ctx, DynBuf *out, JSValueConst v, const char *fallback)
{
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, v);
    if (!s) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        dbuf_putstr(out, fallback);
        return;
    }
    dbuf_put(out, (const uint8_t *)s, len);
    JS_FreeCString(ctx, s);
}

static void put_value(JSContext *ctx, DynBuf *out, JSValueConst v)
{
    if (JS_IsString(v)) {
        kiln_put_string(ctx, out, v, UNPRINTABLE);
    } else if (JS_IsError(ctx, v)) {
        /* Its stack starts with "Name: message" (error_stack.c), as Node prints it. */
        JSValue stack = JS_GetPropertyStr(ctx, v, "stack");
        if (JS_IsException(stack))
            JS_FreeValue(ctx, JS_GetException(ctx));
        kiln_put_string(ctx, out, JS_IsString(stack) ? stack : v, UNPRINTABLE);
        JS_FreeValue(ctx, stack);
    } else if (JS_IsObject(v) && !JS_IsFunction(ctx, v)) {
        JSValue json = JS_JSONStringify(ctx, v, JS_UNDEFINED, JS_UNDEFINED);
        if (JS_IsException(json)) {
            JS_FreeValue(ctx, JS_GetException(ctx));
            kiln_put_string(ctx, out, v, UNPRINTABLE);
        } else {
            kiln_put_string(ctx, out, JS_IsString(json) ? json : v, UNPRINTABLE);
        }
        JS_FreeValue(ctx, json);
    } else {
        kiln_put_string(ctx, out, v, UNPRINTABLE);
        if (JS_IsBigInt(ctx, v))
            dbuf_putc(out, 'n');
    }
}

static JSValue console_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    DynBuf out;
    dbuf_init(&out);
    for (int i = 0; i < argc; i++) {
        if (i)
            dbuf_putc(&out, ' ');
        put_value(ctx, &out, argv[i]);
    }
    dbuf_putc(&out, '\n');
    if (out.error) {
        dbuf_free(&out);
        return JS_ThrowOutOfMemory(ctx);
    }
    solo5_console_write((const char *)out.buf, out.size);
    dbuf_free(&out);
    return JS_UNDEFINED;
}

static JSValue call_job(JSContext *ctx, int argc, JSValueConst *argv)
{
    (void)argc;
    return JS_Call(ctx, argv[0], JS_UNDEFINED, 0, NULL);
}

static JSValue queue_microtask(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 1 || !JS_IsFunction(ctx, argv[0]))
        return JS_ThrowTypeError(ctx, "queueMicrotask: the callback must be a function");
    if (JS_EnqueueJob(ctx, call_job, 1, argv) < 0)
        return JS_EXCEPTION;
    return JS_UNDEFINED;
}

/* performance.now(): milliseconds since the runtime started. */
static JSValue performance_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewFloat64(ctx, (double)(solo5_clock_monotonic() - kiln.boot_ns) / 1e6);
}

void kiln_globals_install(JSContext *ctx, JSValueConst api, JSValueConst global)
{
    static const char *const levels[] = {"log", "info", "debug", "warn", "error", "trace"};
    JSValue console = JS_NewObject(ctx);
    JSValue log = JS_NewCFunction(ctx, console_log, "log", 0);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        JS_SetPropertyStr(ctx, console, levels[i], JS_DupValue(ctx, log));
    JS_FreeValue(ctx, log);
    JS_SetPropertyStr(ctx, global, "console", console);

    JS_SetPropertyStr(ctx, global, "queueMicrotask",
                      JS_NewCFunction(ctx, queue_microtask, "queueMicrotask", 1));

    JSValue performance = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, performance, "now", JS_NewCFunction(ctx, performance_now, "now", 0));
    JS_SetPropertyStr(ctx, performance, "timeOrigin",
                      JS_NewFloat64(ctx, (double)(solo5_clock_wall() -
                                                  (solo5_clock_monotonic() - kiln.boot_ns)) / 1e6));
    JS_SetPropertyStr(ctx, global, "performance", performance);

    JSValue crypto = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, crypto, "getRandomValues", JS_GetPropertyStr(ctx, api, "randomBytes"));
    JS_SetPropertyStr(ctx, global, "crypto", crypto);
}
