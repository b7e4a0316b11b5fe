/*
 * checksum.c: the Internet checksum's sum (RFC 1071) in C, for the network
 * stack's hot path. Interpreted JavaScript spends tens of microseconds per
 * full-size segment summing bytes pairwise; this does it in well under one.
 *
 *   __kiln.sumWords(bytes, start, end, sum = 0) -> number
 *
 * Adds the big-endian 16-bit words of bytes[start..end) to the running sum
 * (an odd last byte is the high half of a word) and returns the total folded
 * with end-around carries into 0..0xffff. In ones' complement arithmetic that
 * is the same sum, so finishing it (fold, complement) gives the same
 * checksum as summing in JavaScript would.
 */
#include <math.h>

#include "kiln.h"

static int get_index(JSContext *ctx, JSValueConst v, double fallback, double max, double *out)
{
    double d = fallback;
    if (!JS_IsUndefined(v) && JS_ToFloat64(ctx, &d, v))
        return -1;
    if (!(d >= 0) || d > max || d != floor(d)) {
        kiln_throw(ctx, "ERANGE", "sumWords: index %g is not an integer in 0..%g", d, max);
        return -1;
    }
    *out = d;
    return 0;
}

static JSValue api_sum_words(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *p;
    size_t len;
    double start, end, initial;
    if (argc < 1)
        return JS_ThrowTypeError(ctx, "sumWords(bytes, start, end, sum = 0)");
    if (kiln_get_bytes(ctx, argv[0], &p, &len) < 0 ||
        get_index(ctx, argc > 1 ? argv[1] : JS_UNDEFINED, 0, (double)len, &start) < 0 ||
        get_index(ctx, argc > 2 ? argv[2] : JS_UNDEFINED, (double)len, (double)len, &end) < 0 ||
        get_index(ctx, argc > 3 ? argv[3] : JS_UNDEFINED, 0, 9007199254740991.0, &initial) < 0)
        return JS_EXCEPTION;
    uint64_t sum = (uint64_t)initial;
    size_t i = (size_t)start, stop = (size_t)end;
    for (; i + 1 < stop; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < stop)
        sum += (uint32_t)p[i] << 8;
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return JS_NewInt32(ctx, (int32_t)sum);
}

void kiln_checksum_install(JSContext *ctx, JSValueConst api)
{
    JS_SetPropertyStr(ctx, api, "sumWords", JS_NewCFunction(ctx, api_sum_words, "sumWords", 4));
}
