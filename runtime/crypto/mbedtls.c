/*
 * mbedtls.c: TLS record protection and hashing in C, from Debian's mbedtls
 * 2.28 (libmbedcrypto; AES-GCM from BearSSL where it is faster, gcm.c), for
 * images whose app uses lib/tls. Interpreted JavaScript protects records at
 * under 1 MB/s; this at 200 MB/s to 2 GB/s. Linked only into such images
 * (link-image.sh --crypto), with compat.c.
 *
 *   __kiln.aead(seal, alg, key, nonce, aad, input, output) -> boolean
 *       alg 0: AES-GCM (16- or 32-byte key), 1: ChaCha20-Poly1305; 12-byte
 *       nonce, 16-byte tag after the ciphertext. Sealing writes
 *       input.length + 16 bytes, and may do so in place (output a view
 *       starting where input starts); opening writes input.length - 16,
 *       also in place, and returns false (output zeroed) when the tag does
 *       not verify.
 *   __kiln.digest(alg, data, output)       alg 0/1/2: SHA-256/384/512
 *   __kiln.hmac(alg, key, data, output)    HMAC with that hash
 *
 * Key exchange and ECDSA are in ecc.c, RSA signatures in rsa.c, installed
 * from here.
 */
#include <string.h>

#include <mbedtls/chachapoly.h>

#include "crypto.h"

#define TAG_LENGTH 16
#define NONCE_LENGTH 12

const mbedtls_md_info_t *kiln_hash_info(JSContext *ctx, JSValueConst v, size_t *size)
{
    int32_t alg;
    if (JS_ToInt32(ctx, &alg, v))
        return NULL;
    static const mbedtls_md_type_t types[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512};
    if (alg < 0 || alg > 2) {
        kiln_throw(ctx, "EINVAL", "hash algorithm %d is not 0 (SHA-256), 1 (SHA-384) or 2 (SHA-512)", alg);
        return NULL;
    }
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(types[alg]);
    *size = mbedtls_md_get_size(info);
    return info;
}

static JSValue api_digest(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *data, *out;
    size_t data_len, out_len, size;
    if (argc < 3)
        return JS_ThrowTypeError(ctx, "digest(alg, data, output)");
    const mbedtls_md_info_t *info = kiln_hash_info(ctx, argv[0], &size);
    if (!info || kiln_get_bytes(ctx, argv[1], &data, &data_len) < 0 || kiln_get_bytes(ctx, argv[2], &out, &out_len) < 0)
        return JS_EXCEPTION;
    if (out_len != size)
        return kiln_throw(ctx, "ERANGE", "digest: output of %zu bytes for a %zu-byte hash", out_len, size);
    if (mbedtls_md(info, data, data_len, out) != 0)
        return kiln_throw(ctx, "EIO", "digest failed");
    return JS_UNDEFINED;
}

static JSValue api_hmac(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *key, *data, *out;
    size_t key_len, data_len, out_len, size;
    if (argc < 4)
        return JS_ThrowTypeError(ctx, "hmac(alg, key, data, output)");
    const mbedtls_md_info_t *info = kiln_hash_info(ctx, argv[0], &size);
    if (!info || kiln_get_bytes(ctx, argv[1], &key, &key_len) < 0 || kiln_get_bytes(ctx, argv[2], &data, &data_len) < 0 ||
        kiln_get_bytes(ctx, argv[3], &out, &out_len) < 0)
        return JS_EXCEPTION;
    if (out_len != size)
        return kiln_throw(ctx, "ERANGE", "hmac: output of %zu bytes for a %zu-byte hash", out_len, size);
    if (mbedtls_md_hmac(info, key, key_len, data, data_len, out) != 0)
        return kiln_throw(ctx, "EIO", "hmac failed");
    return JS_UNDEFINED;
}

static int chachapoly(int seal, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                      const uint8_t *in, size_t len, uint8_t *out)
{
    mbedtls_chachapoly_context c;
    mbedtls_chachapoly_init(&c);
    int rc = mbedtls_chachapoly_setkey(&c, key);
    if (rc == 0)
        rc = seal ? mbedtls_chachapoly_encrypt_and_tag(&c, len, nonce, aad, aad_len, in, out, out + len)
                  : mbedtls_chachapoly_auth_decrypt(&c, len, nonce, aad, aad_len, in + len, in, out);
    mbedtls_chachapoly_free(&c);
    return rc;
}

static JSValue api_aead(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int32_t alg;
    uint8_t *key, *nonce, *aad, *in, *out;
    size_t key_len, nonce_len, aad_len, in_len, out_len;
    if (argc < 7)
        return JS_ThrowTypeError(ctx, "aead(seal, alg, key, nonce, aad, input, output)");
    int seal = JS_ToBool(ctx, argv[0]);
    if (JS_ToInt32(ctx, &alg, argv[1]) || kiln_get_bytes(ctx, argv[2], &key, &key_len) < 0 ||
        kiln_get_bytes(ctx, argv[3], &nonce, &nonce_len) < 0 || kiln_get_bytes(ctx, argv[4], &aad, &aad_len) < 0 ||
        kiln_get_bytes(ctx, argv[5], &in, &in_len) < 0 || kiln_get_bytes(ctx, argv[6], &out, &out_len) < 0)
        return JS_EXCEPTION;
    if (nonce_len != NONCE_LENGTH)
        return kiln_throw(ctx, "EINVAL", "aead: nonce of %zu bytes, not 12", nonce_len);
    if (alg == 0 ? key_len != 16 && key_len != 32 : alg == 1 ? key_len != 32 : 1)
        return kiln_throw(ctx, "EINVAL", "aead: algorithm %d with a %zu-byte key", alg, key_len);
    if (!seal && in_len < TAG_LENGTH)
        return JS_FALSE;
    size_t len = seal ? in_len : in_len - TAG_LENGTH;
    if (out_len != (seal ? in_len + TAG_LENGTH : len))
        return kiln_throw(ctx, "ERANGE", "aead: output of %zu bytes for %zu bytes of input", out_len, in_len);
    /* Sealing and opening may run in place (output at input's own address: mbedtls reads each byte before writing
       it, BearSSL works in place only); no other overlap. */
    if ((in < out + out_len && out < in + in_len) && len > 0 && in != out)
        return kiln_throw(ctx, "EINVAL", "aead: input and output overlap, other than in place");
    int rc = alg == 0 ? kiln_aes_gcm(seal, key, key_len, nonce, aad, aad_len, in, len, out)
                      : chachapoly(seal, key, nonce, aad, aad_len, in, len, out);
    if (rc != 0 && !seal) {
        memset(out, 0, out_len); /* no unauthenticated plaintext escapes */
        return JS_FALSE;
    }
    if (rc != 0)
        return kiln_throw(ctx, "EIO", "aead: sealing failed (-0x%04x)", (unsigned)-rc);
    return JS_TRUE;
}

int kiln_mbedtls_random(void *unused, unsigned char *out, size_t len)
{
    (void)unused;
    kiln_random_fill(out, len);
    return 0;
}

void kiln_crypto_install(JSContext *ctx, JSValueConst api)
{
    kiln_ecc_install(ctx, api);
    kiln_rsa_install(ctx, api);
    JS_SetPropertyStr(ctx, api, "aead", JS_NewCFunction(ctx, api_aead, "aead", 7));
    JS_SetPropertyStr(ctx, api, "digest", JS_NewCFunction(ctx, api_digest, "digest", 3));
    JS_SetPropertyStr(ctx, api, "hmac", JS_NewCFunction(ctx, api_hmac, "hmac", 4));
}
