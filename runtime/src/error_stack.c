/*
 * error_stack.c: err.stack as Node shows it, so app code that reads or logs
 * it sees the same text in an image as on unix: "Name: message", then the
 * frames, mapped to the TypeScript sources.
 *
 * QuickJS stores the bare frames as a string when an error is made. A patch
 * to its build_backtrace (runtime/Makefile) hands them to kiln_backtrace_hook
 * instead, and this file defines `stack` as an accessor that builds the text
 * when it is first read, then keeps it as a plain value. Like V8 it is
 * lazy: a name or message set after construction (a subclass setting
 * this.name in its constructor) is what the header shows, and errors nobody
 * reads cost no formatting.
 */
#include <string.h>

#include "cutils.h"
#include "kiln.h"

/* Set by the patched QuickJS (quickjs.c): called with the error and its
 * frames (taken over) in place of storing them as the `stack` value. */
extern void (*kiln_backtrace_hook)(JSContext *ctx, JSValueConst error, JSValue frames);

static JSValue stack_setter;

static int set_stack_value(JSContext *ctx, JSValueConst error, JSValue value)
{
    return JS_DefinePropertyValueStr(ctx, error, "stack", value, JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
}

/* The frames through __kiln.formatStack when the bundle installed one
 * (Kiln's build does: it maps bundle lines to the TypeScript sources); as
 * QuickJS wrote them otherwise, or when the formatter fails. Takes (frames). */
static JSValue format_frames(JSContext *ctx, JSValue frames)
{
    JSValue format = JS_GetPropertyStr(ctx, kiln.api, "formatStack");
    JSValue out = JS_IsFunction(ctx, format) ? JS_Call(ctx, format, kiln.api, 1, &frames) : JS_UNDEFINED;
    if (JS_IsException(format) || JS_IsException(out))
        JS_FreeValue(ctx, JS_GetException(ctx));
    JS_FreeValue(ctx, format);
    if (!JS_IsString(out)) {
        JS_FreeValue(ctx, out);
        return frames;
    }
    JS_FreeValue(ctx, frames);
    return out;
}

static JSValue read_stack(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                          JSValue *data)
{
    (void)argc, (void)argv, (void)magic;
    DynBuf out;
    dbuf_init(&out);
    /* "Name: message" as Error.prototype.toString makes it; "Error" when a
     * getter of the app's throws, so reading the stack never throws. */
    kiln_put_string(ctx, &out, this_val, "Error");
    JSValue frames = format_frames(ctx, JS_DupValue(ctx, data[0]));
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, frames);
    JS_FreeValue(ctx, frames);
    if (s) {
        /* QuickJS ends every frame with a newline; Node's stack has none at the end. */
        while (len && s[len - 1] == '\n')
            len--;
        if (len) {
            dbuf_putc(&out, '\n');
            dbuf_put(&out, (const uint8_t *)s, len);
        }
        JS_FreeCString(ctx, s);
    } else {
        JS_FreeValue(ctx, JS_GetException(ctx));
    }
    if (out.error) {
        dbuf_free(&out);
        return JS_ThrowOutOfMemory(ctx);
    }
    JSValue text = JS_NewStringLen(ctx, (const char *)out.buf, out.size);
    dbuf_free(&out);
    if (JS_IsException(text))
        return text;
    /* Kept as a plain value: the next read returns the same string. */
    if (JS_IsObject(this_val) && set_stack_value(ctx, this_val, JS_DupValue(ctx, text)) < 0)
        JS_FreeValue(ctx, JS_GetException(ctx));
    return text;
}

static JSValue write_stack(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    if (!JS_IsObject(this_val))
        return JS_UNDEFINED;
    JSValue value = argc > 0 ? JS_DupValue(ctx, argv[0]) : JS_UNDEFINED;
    if (set_stack_value(ctx, this_val, value) < 0)
        return JS_EXCEPTION;
    return JS_UNDEFINED;
}

/* Must leave no exception behind (QuickJS calls it while making an error):
 * when memory is short the frames are stored as QuickJS would have. */
static void capture_stack(JSContext *ctx, JSValueConst error, JSValue frames)
{
    JSValue getter = JS_NewCFunctionData(ctx, read_stack, 0, 0, 1, &frames);
    if (JS_IsException(getter)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        if (set_stack_value(ctx, error, frames) < 0)
            JS_FreeValue(ctx, JS_GetException(ctx));
        return;
    }
    JS_FreeValue(ctx, frames);
    JSAtom stack = JS_NewAtom(ctx, "stack");
    if (JS_DefineProperty(ctx, error, stack, JS_UNDEFINED, getter, stack_setter,
                          JS_PROP_HAS_GET | JS_PROP_HAS_SET | JS_PROP_HAS_CONFIGURABLE | JS_PROP_CONFIGURABLE |
                              JS_PROP_HAS_ENUMERABLE) < 0)
        JS_FreeValue(ctx, JS_GetException(ctx));
    JS_FreeAtom(ctx, stack);
    JS_FreeValue(ctx, getter);
}

int kiln_error_stack_install(JSContext *ctx)
{
    stack_setter = JS_NewCFunction(ctx, write_stack, "set stack", 1);
    if (JS_IsException(stack_setter))
        return -1;
    kiln_backtrace_hook = capture_stack;
    return 0;
}
