/*
 * text.c: TextEncoder and TextDecoder (UTF-8 only, as the WHATWG Encoding
 * standard defines them), which bundled npm code commonly expects and QuickJS
 * lacks. The decoder follows the standard's UTF-8 decoder step by step, so
 * malformed input yields exactly the U+FFFD replacements browsers and Node
 * produce, and streaming (decode(chunk, { stream: true })) keeps a split
 * sequence for the next chunk.
 */
#include <stdlib.h>
#include <string.h>

#include "cutils.h"
#include "kiln.h"

#define REPLACEMENT 0xFFFD
#define BOM 0xFEFF

struct decoder {
    int fatal;
    int ignore_bom;
    int bom_checked;       /* the stream's first code point was looked at */
    unsigned needed, seen; /* bytes of the current sequence */
    uint32_t code_point;
    uint8_t lower, upper;  /* the next byte's allowed range */
};

static JSClassID decoder_class;
static JSValue encoder_proto, decoder_proto;

static void put_utf8(DynBuf *out, uint32_t cp)
{
    uint8_t b[4];
    int n = unicode_to_utf8(b, cp);
    dbuf_put(out, b, (size_t)n);
}

/* --- TextEncoder ---------------------------------------------------------- */

/* UTF-8 of a string; QuickJS writes a lone surrogate as its 3-byte form
 * (ED A0..BF xx), which the standard replaces with U+FFFD (EF BF BD): the
 * same length, so fixed in place. Free with JS_FreeCString. */
static char *utf8_of(JSContext *ctx, JSValueConst v, size_t *len)
{
    const char *s = JS_ToCStringLen(ctx, len, v);
    if (!s)
        return NULL;
    char *w = (char *)s;
    for (size_t i = 0; i + 2 < *len; i++) {
        if ((uint8_t)w[i] == 0xED && (uint8_t)w[i + 1] >= 0xA0) {
            w[i] = (char)0xEF;
            w[i + 1] = (char)0xBF;
            w[i + 2] = (char)0xBD;
            i += 2;
        }
    }
    return w;
}

static JSValue new_uint8_array(JSContext *ctx, const uint8_t *bytes, size_t len)
{
    JSValue ab = JS_NewArrayBufferCopy(ctx, bytes, len);
    if (JS_IsException(ab))
        return ab;
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue ctor = JS_GetPropertyStr(ctx, global, "Uint8Array");
    JS_FreeValue(ctx, global);
    JSValue view = JS_CallConstructor(ctx, ctor, 1, (JSValueConst *)&ab);
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, ab);
    return view;
}

static JSValue encoder_new(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv)
{
    (void)new_target, (void)argc, (void)argv;
    return JS_NewObjectProto(ctx, encoder_proto);
}

/* encode(input = "") -> Uint8Array */
static JSValue encoder_encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 1 || JS_IsUndefined(argv[0]))
        return new_uint8_array(ctx, NULL, 0);
    size_t len;
    char *s = utf8_of(ctx, argv[0], &len);
    if (!s)
        return JS_EXCEPTION;
    JSValue r = new_uint8_array(ctx, (const uint8_t *)s, len);
    JS_FreeCString(ctx, s);
    return r;
}

/* encodeInto(source, destination) -> { read, written }: whole characters
 * only; read counts UTF-16 code units. */
static JSValue encoder_encode_into(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *dst;
    size_t cap, len;
    if (argc < 2 || kiln_get_bytes(ctx, argv[1], &dst, &cap) < 0)
        return argc < 2 ? JS_ThrowTypeError(ctx, "encodeInto(source, destination)") : JS_EXCEPTION;
    char *s = utf8_of(ctx, argv[0], &len);
    if (!s)
        return JS_EXCEPTION;
    size_t written = 0;
    double read = 0;
    while (written < len) {
        uint8_t lead = (uint8_t)s[written];
        size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        if (written + n > cap)
            break;
        memcpy(dst + written, s + written, n);
        written += n;
        read += n == 4 ? 2 : 1;
    }
    JS_FreeCString(ctx, s);
    JSValue r = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, r, "read", JS_NewFloat64(ctx, read));
    JS_SetPropertyStr(ctx, r, "written", JS_NewFloat64(ctx, (double)written));
    return r;
}

/* --- TextDecoder ---------------------------------------------------------- */

static void decoder_finalize(JSRuntime *rt, JSValue val)
{
    js_free_rt(rt, JS_GetOpaque(val, decoder_class));
}

static int get_flag(JSContext *ctx, JSValueConst options, const char *name)
{
    if (!JS_IsObject(options))
        return 0;
    JSValue v = JS_GetPropertyStr(ctx, options, name);
    int flag = JS_ToBool(ctx, v);
    JS_FreeValue(ctx, v);
    return flag > 0;
}

/* new TextDecoder(label = "utf-8", { fatal, ignoreBOM }) */
static JSValue decoder_new(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv)
{
    (void)new_target;
    if (argc >= 1 && !JS_IsUndefined(argv[0])) {
        const char *label = JS_ToCString(ctx, argv[0]);
        if (!label)
            return JS_EXCEPTION;
        /* The standard's labels for UTF-8, compared without case or spaces. */
        static const char *const names[] = {"utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8",
                                            "unicode20utf8", "x-unicode20utf8"};
        char trimmed[32] = "";
        const char *p = label;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\f' || *p == '\r')
            p++;
        size_t n = strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\f' ||
                     p[n - 1] == '\r'))
            n--;
        int known = 0;
        if (n < sizeof trimmed) {
            for (size_t i = 0; i < n; i++)
                trimmed[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
            trimmed[n] = '\0';
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                known |= strcmp(trimmed, names[i]) == 0;
        }
        if (!known) {
            JSValue e = JS_ThrowRangeError(ctx, "TextDecoder: encoding '%s' is not supported (UTF-8 only)", label);
            JS_FreeCString(ctx, label);
            return e;
        }
        JS_FreeCString(ctx, label);
    }
    struct decoder *d = js_mallocz(ctx, sizeof *d);
    if (!d)
        return JS_EXCEPTION;
    JSValueConst options = argc >= 2 ? argv[1] : JS_UNDEFINED;
    d->fatal = get_flag(ctx, options, "fatal");
    d->ignore_bom = get_flag(ctx, options, "ignoreBOM");
    d->lower = 0x80;
    d->upper = 0xBF;
    JSValue obj = JS_NewObjectProtoClass(ctx, decoder_proto, decoder_class);
    if (JS_IsException(obj)) {
        js_free(ctx, d);
        return obj;
    }
    JS_SetOpaque(obj, d);
    JS_DefinePropertyValueStr(ctx, obj, "fatal", JS_NewBool(ctx, d->fatal), JS_PROP_ENUMERABLE);
    JS_DefinePropertyValueStr(ctx, obj, "ignoreBOM", JS_NewBool(ctx, d->ignore_bom), JS_PROP_ENUMERABLE);
    return obj;
}

static void emit(struct decoder *d, DynBuf *out, uint32_t cp)
{
    if (!d->bom_checked) {
        d->bom_checked = 1;
        if (cp == BOM && !d->ignore_bom)
            return;
    }
    put_utf8(out, cp);
}

static void reset_sequence(struct decoder *d)
{
    d->needed = d->seen = 0;
    d->code_point = 0;
    d->lower = 0x80;
    d->upper = 0xBF;
}

/* Feeds one byte through the standard's UTF-8 decoder; -1 on an error in
 * fatal mode. Returns 1 when the byte must be processed again. */
static int step(struct decoder *d, DynBuf *out, uint8_t b)
{
    if (d->needed == 0) {
        if (b < 0x80) {
            emit(d, out, b);
        } else if (b >= 0xC2 && b <= 0xDF) {
            d->needed = 1;
            d->code_point = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            if (b == 0xE0)
                d->lower = 0xA0;
            if (b == 0xED)
                d->upper = 0x9F;
            d->needed = 2;
            d->code_point = b & 0xF;
        } else if (b >= 0xF0 && b <= 0xF4) {
            if (b == 0xF0)
                d->lower = 0x90;
            if (b == 0xF4)
                d->upper = 0x8F;
            d->needed = 3;
            d->code_point = b & 0x7;
        } else {
            if (d->fatal)
                return -1;
            emit(d, out, REPLACEMENT);
        }
        return 0;
    }
    if (b < d->lower || b > d->upper) {
        reset_sequence(d);
        if (d->fatal)
            return -1;
        emit(d, out, REPLACEMENT);
        return 1;
    }
    d->lower = 0x80;
    d->upper = 0xBF;
    d->code_point = (d->code_point << 6) | (b & 0x3F);
    if (++d->seen == d->needed) {
        uint32_t cp = d->code_point;
        reset_sequence(d);
        emit(d, out, cp);
    }
    return 0;
}

/* decode(input?, { stream }) -> string */
static JSValue decoder_decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct decoder *d = JS_GetOpaque2(ctx, this_val, decoder_class);
    if (!d)
        return JS_EXCEPTION;
    uint8_t *in = NULL;
    size_t len = 0;
    if (argc >= 1 && !JS_IsUndefined(argv[0]) && kiln_get_bytes(ctx, argv[0], &in, &len) < 0)
        return JS_EXCEPTION;
    int stream = get_flag(ctx, argc >= 2 ? argv[1] : JS_UNDEFINED, "stream");
    DynBuf out;
    dbuf_init(&out);
    int failed = 0;
    for (size_t i = 0; i < len && !failed; i++) {
        int r;
        while ((r = step(d, &out, in[i])) == 1)
            ;
        failed = r < 0;
    }
    if (!stream && !failed && d->needed) {
        reset_sequence(d);
        if (d->fatal)
            failed = 1;
        else
            emit(d, &out, REPLACEMENT);
    }
    if (!stream || failed) {
        reset_sequence(d);
        d->bom_checked = 0;
    }
    JSValue r;
    if (failed)
        r = JS_ThrowTypeError(ctx, "TextDecoder: the input is not valid UTF-8");
    else if (out.error)
        r = JS_ThrowOutOfMemory(ctx);
    else
        r = JS_NewStringLen(ctx, (const char *)out.buf, out.size);
    dbuf_free(&out);
    return r;
}

void kiln_text_install(JSContext *ctx, JSValueConst global)
{
    static const JSCFunctionListEntry encoder_fns[] = {
        JS_CFUNC_DEF("encode", 1, encoder_encode),
        JS_CFUNC_DEF("encodeInto", 2, encoder_encode_into),
        JS_PROP_STRING_DEF("encoding", "utf-8", JS_PROP_CONFIGURABLE),
    };
    static const JSCFunctionListEntry decoder_fns[] = {
        JS_CFUNC_DEF("decode", 1, decoder_decode),
        JS_PROP_STRING_DEF("encoding", "utf-8", JS_PROP_CONFIGURABLE),
    };
    static const JSClassDef decoder_def = {.class_name = "TextDecoder", .finalizer = decoder_finalize};
    JS_NewClassID(&decoder_class);
    JS_NewClass(JS_GetRuntime(ctx), decoder_class, &decoder_def);

    encoder_proto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, encoder_proto, encoder_fns, sizeof encoder_fns / sizeof encoder_fns[0]);
    JSValue encoder = JS_NewCFunction2(ctx, encoder_new, "TextEncoder", 0, JS_CFUNC_constructor, 0);
    JS_SetConstructor(ctx, encoder, encoder_proto);
    JS_SetPropertyStr(ctx, global, "TextEncoder", encoder);

    decoder_proto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, decoder_proto, decoder_fns, sizeof decoder_fns / sizeof decoder_fns[0]);
    JS_SetClassProto(ctx, decoder_class, JS_DupValue(ctx, decoder_proto));
    JSValue decoder = JS_NewCFunction2(ctx, decoder_new, "TextDecoder", 0, JS_CFUNC_constructor, 0);
    JS_SetConstructor(ctx, decoder, decoder_proto);
    JS_SetPropertyStr(ctx, global, "TextDecoder", decoder);
}
