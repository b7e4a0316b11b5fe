/*
 * random.c: random bytes for JavaScript (TCP initial sequence numbers, ...).
 *
 * A ChaCha20 generator (RFC 8439 block function) with fast key erasure: each
 * request is served from fresh keystream and the key is then replaced from
 * the same stream, so a later memory disclosure does not reveal earlier
 * output. It is seeded, and reseeded every RESEED_BYTES of output, from the
 * best source the CPU has:
 *   "rdseed"  x86 RDSEED (conditioned hardware entropy),
 *   "rdrand"  x86 RDRAND (hardware DRBG),
 *   "rndrrs"  aarch64 RNDRRS (FEAT_RNG, reseeded from the hardware's
 *             entropy source before every value),
 *   "jitter"  no hardware source: cycle-counter jitter over a memory
 *             walk mixed with both clocks. Weak against an attacker who can
 *             observe or steer the host's timing; documented as such.
 */
#include <string.h>

#include "kiln.h"

#define RESEED_BYTES (1u << 20)

enum source { SOURCE_JITTER, SOURCE_RDRAND, SOURCE_RDSEED, SOURCE_RNDRRS };
static const char *const source_names[] = {"jitter", "rdrand", "rdseed", "rndrrs"};

static struct {
    uint32_t key[8];
    uint64_t counter;
    uint32_t since_seed;
    enum source source;
    int seeded;
} rng;

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QUARTER(a, b, c, d) \
    (a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), \
     a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

/* One 64-byte ChaCha20 block of (key, counter, nonce 0). */
static void chacha_block(const uint32_t key[8], uint64_t counter, uint32_t out[16])
{
    uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    memcpy(in + 4, key, 32);
    in[12] = (uint32_t)counter;
    in[13] = (uint32_t)(counter >> 32);
    in[14] = in[15] = 0;
    uint32_t x[16];
    memcpy(x, in, sizeof x);
    for (int i = 0; i < 10; i++) {
        QUARTER(x[0], x[4], x[8], x[12]);
        QUARTER(x[1], x[5], x[9], x[13]);
        QUARTER(x[2], x[6], x[10], x[14]);
        QUARTER(x[3], x[7], x[11], x[15]);
        QUARTER(x[0], x[5], x[10], x[15]);
        QUARTER(x[1], x[6], x[11], x[12]);
        QUARTER(x[2], x[7], x[8], x[13]);
        QUARTER(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + in[i];
}

#if defined(__x86_64__)
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static enum source detect(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        if (r[1] & (1u << 18))
            return SOURCE_RDSEED;
    }
    cpuid(1, 0, r);
    return (r[2] & (1u << 30)) ? SOURCE_RDRAND : SOURCE_JITTER;
}

/* One hardware word; 0 when the instruction kept failing (the CPU's
 * entropy source is exhausted or broken). */
static int hardware_word(enum source s, uint64_t *out)
{
    for (int tries = 0; tries < 128; tries++) {
        unsigned char ok;
        if (s == SOURCE_RDSEED)
            __asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
        else
            __asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok)
            return 1;
    }
    return 0;
}

static uint64_t cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#elif defined(__aarch64__)
/* FEAT_RNG: ID_AA64ISAR0_EL1.RNDR (bits 63:60) is non-zero. Images run at
 * EL1, where the ID registers are readable. */
static enum source detect(void)
{
    uint64_t isar0;
    __asm__ volatile("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
    return (isar0 >> 60) != 0 ? SOURCE_RNDRRS : SOURCE_JITTER;
}

/* One RNDRRS word (s3_3_c2_c4_1); it sets NZCV.Z when it could not return
 * one in reasonable time. 0 when it kept failing. */
static int hardware_word(enum source s, uint64_t *out)
{
    (void)s;
    for (int tries = 0; tries < 128; tries++) {
        uint64_t ok;
        __asm__ volatile("mrs %0, s3_3_c2_c4_1\n\tcset %1, ne" : "=r"(*out), "=r"(ok) : : "cc");
        if (ok)
            return 1;
    }
    return 0;
}

/* The generic timer's virtual count. */
static uint64_t cycles(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}
#else
static enum source detect(void) { return SOURCE_JITTER; }
static int hardware_word(enum source s, uint64_t *out) { (void)s, (void)out; return 0; }
static uint64_t cycles(void) { return solo5_clock_monotonic(); }
#endif

/* Timing jitter of a data-dependent memory walk, folded into (pool). */
static void jitter_mix(uint32_t pool[16])
{
    static volatile uint8_t scratch[4096];
    uint64_t prev = cycles();
    for (int round = 0; round < 64; round++) {
        unsigned at = (unsigned)prev;
        for (int i = 0; i < 64; i++) {
            at = (at * 1103515245u + 12345u) & (sizeof scratch - 1);
            scratch[at] += (uint8_t)i;
        }
        uint64_t now = cycles();
        pool[round % 16] ^= (uint32_t)(now - prev);
        pool[(round + 7) % 16] = ROTL(pool[(round + 7) % 16], 5) ^ (uint32_t)(now >> 32);
        prev = now;
    }
    pool[0] ^= (uint32_t)solo5_clock_wall();
    pool[1] ^= (uint32_t)(solo5_clock_wall() >> 32);
    pool[2] ^= (uint32_t)solo5_clock_monotonic();
}

static void reseed(void)
{
    uint32_t pool[16];
    chacha_block(rng.key, rng.counter++, pool); /* keep what we had */
    int hw = 0;
    for (int i = 0; i < 8 && rng.source != SOURCE_JITTER; i++) {
        uint64_t w;
        if (!hardware_word(rng.source, &w))
            break;
        pool[2 * i] ^= (uint32_t)w;
        pool[2 * i + 1] ^= (uint32_t)(w >> 32);
        hw = i + 1;
    }
    if (hw < 8)
        jitter_mix(pool);
    uint32_t out[16];
    chacha_block(pool, 0, out);
    memcpy(rng.key, out, sizeof rng.key);
    memset(pool, 0, sizeof pool);
    rng.since_seed = 0;
    rng.seeded = 1;
}

void kiln_random_fill(uint8_t *dst, size_t len)
{
    if (!rng.seeded || rng.since_seed >= RESEED_BYTES)
        reseed();
    uint32_t block[16];
    while (len) {
        chacha_block(rng.key, rng.counter++, block);
        size_t n = len < sizeof block ? len : sizeof block;
        memcpy(dst, block, n);
        dst += n;
        len -= n;
        rng.since_seed += (uint32_t)n;
    }
    /* Fast key erasure: the next key comes from keystream never handed out. */
    chacha_block(rng.key, rng.counter++, block);
    memcpy(rng.key, block, sizeof rng.key);
    memset(block, 0, sizeof block);
}

/* randomBytes(buffer): fills the ArrayBuffer or typed array; returns it. */
static JSValue api_random_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *p;
    size_t len;
    if (argc < 1 || kiln_get_bytes(ctx, argv[0], &p, &len) < 0)
        return argc < 1 ? JS_ThrowTypeError(ctx, "randomBytes(buffer)") : JS_EXCEPTION;
    kiln_random_fill(p, len);
    return JS_DupValue(ctx, argv[0]);
}

void kiln_random_install(JSContext *ctx, JSValueConst api)
{
    rng.source = detect();
    JS_SetPropertyStr(ctx, api, "randomBytes", JS_NewCFunction(ctx, api_random_bytes, "randomBytes", 1));
    JS_SetPropertyStr(ctx, api, "randomSource", JS_NewString(ctx, source_names[rng.source]));
}
