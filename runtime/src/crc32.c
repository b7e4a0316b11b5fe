/*
 * crc32.c: CRC-32 (the one of zlib, gzip, PNG and Ethernet: reflected
 * polynomial 0xEDB88320, initial value and final XOR all ones) in C, for
 * checking the integrity of long streams. Interpreted JavaScript takes
 * about a microsecond per byte under emulation; this takes nanoseconds.
 *
 *   __kiln.crc32(bytes, crc = 0) -> number
 *
 * Continues the CRC `crc` of the bytes before (0 for none) over `bytes`
 * and returns the CRC of the whole (0..0xffffffff), exactly as lib/crc32.ts
 * computes it in JavaScript.
 */
#include <math.h>
#include <string.h>

#include "kiln.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "crc32.c reads words little-endian (x86_64, aarch64)"
#endif

#define CRC32_POLY 0xedb88320u

/* Slicing by eight: table[k][b] is the CRC of byte b followed by k zero
 * bytes, so eight bytes cost eight lookups instead of eight dependent steps.
 * Built at the first call, not at boot: most images never call it. */
static uint32_t table[8][256];
static int table_built;

static void build_table(void)
{
    if (table_built)
        return;
    table_built = 1;
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int bit = 0; bit < 8; bit++)
            c = (c >> 1) ^ (CRC32_POLY & -(c & 1));
        table[0][b] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int b = 0; b < 256; b++)
            table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t len)
{
    uint32_t c = ~crc;
    for (; len >= 8; p += 8, len -= 8) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + 4, 4);
        lo ^= c;
        c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
            table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    }
    while (len--)
        c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

static JSValue api_crc32(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *p;
    size_t len;
    double crc = 0;
    if (argc < 1)
        return JS_ThrowTypeError(ctx, "crc32(bytes, crc = 0)");
    if (kiln_get_bytes(ctx, argv[0], &p, &len) < 0)
        return JS_EXCEPTION;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && JS_ToFloat64(ctx, &crc, argv[1]))
        return JS_EXCEPTION;
    if (!(crc >= 0) || crc > 0xffffffffu || crc != floor(crc))
        return kiln_throw(ctx, "ERANGE", "crc32: crc %g is not an integer in 0..0xffffffff", crc);
    build_table();
    return JS_NewUint32(ctx, crc32_update((uint32_t)crc, p, len));
}

void kiln_crc32_install(JSContext *ctx, JSValueConst api)
{
    JS_SetPropertyStr(ctx, api, "crc32", JS_NewCFunction(ctx, api_crc32, "crc32", 2));
}
