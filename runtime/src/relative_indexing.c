/*
 * relative_indexing.c: at() on strings, arrays and typed arrays (ES2022
 * relative indexing: a negative index counts from the end). QuickJS
 * 2021-03-27 predates it, and npm code calls it (Hono's router), so every
 * image and hosted process has it from the start, before the app's code.
 */
#include <math.h>

#include "kiln.h"

/* The element at (index) of (obj), counted from the end when negative;
 * undefined outside. */
static JSValue element_at(JSContext *ctx, JSValueConst obj, JSValueConst index)
{
    JSValue length = JS_GetPropertyStr(ctx, obj, "length");
    double len, n;
    int failed = JS_IsException(length) || JS_ToFloat64(ctx, &len, length) != 0 ||
                 JS_ToFloat64(ctx, &n, index) != 0;
    JS_FreeValue(ctx, length);
    if (failed)
        return JS_EXCEPTION;
    len = isnan(len) || len < 0 ? 0 : trunc(len);
    n = isnan(n) ? 0 : trunc(n);
    double k = n < 0 ? len + n : n;
    if (k < 0 || k >= len)
        return JS_UNDEFINED;
    JSAtom key = JS_ValueToAtom(ctx, JS_NewFloat64(ctx, k));
    if (key == JS_ATOM_NULL)
        return JS_EXCEPTION;
    JSValue element = JS_GetProperty(ctx, obj, key);
    JS_FreeAtom(ctx, key);
    return element;
}

/* Array.prototype.at and %TypedArray%.prototype.at (magic 0), and
 * String.prototype.at (magic 1: the element of String(this)). */
static JSValue relative_at(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic)
{
    (void)argc;
    if (JS_IsUndefined(this_val) || JS_IsNull(this_val))
        return JS_ThrowTypeError(ctx, "at() called on null or undefined");
    if (!magic)
        return element_at(ctx, this_val, argv[0]);
    JSValue string = JS_ToString(ctx, this_val);
    if (JS_IsException(string))
        return string;
    JSValue element = element_at(ctx, string, argv[0]);
    JS_FreeValue(ctx, string);
    return element;
}

static const JSCFunctionListEntry array_at[] = {
    JS_CFUNC_MAGIC_DEF("at", 1, relative_at, 0),
};
static const JSCFunctionListEntry string_at[] = {
    JS_CFUNC_MAGIC_DEF("at", 1, relative_at, 1),
};

void kiln_relative_indexing_install(JSContext *ctx, JSValueConst global)
{
    JSValue string = JS_GetPropertyStr(ctx, global, "String");
    JSValue array = JS_GetPropertyStr(ctx, global, "Array");
    JSValue bytes = JS_GetPropertyStr(ctx, global, "Uint8Array");
    JSValue string_proto = JS_GetPropertyStr(ctx, string, "prototype");
    JSValue array_proto = JS_GetPropertyStr(ctx, array, "prototype");
    JSValue bytes_proto = JS_GetPropertyStr(ctx, bytes, "prototype");
    JSValue typed_array_proto = JS_GetPrototype(ctx, bytes_proto); /* %TypedArray%.prototype */
    JS_SetPropertyFunctionList(ctx, string_proto, string_at, 1);
    JS_SetPropertyFunctionList(ctx, array_proto, array_at, 1);
    JS_SetPropertyFunctionList(ctx, typed_array_proto, array_at, 1);
    JS_FreeValue(ctx, typed_array_proto);
    JS_FreeValue(ctx, bytes_proto);
    JS_FreeValue(ctx, array_proto);
    JS_FreeValue(ctx, string_proto);
    JS_FreeValue(ctx, bytes);
    JS_FreeValue(ctx, array);
    JS_FreeValue(ctx, string);
}
