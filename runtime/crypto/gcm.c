/*
 * gcm.c: AES-GCM for __kiln.aead (mbedtls.c), from Debian's BearSSL 0.6
 * (libbearssl) where the CPU has AES-NI and PCLMULQDQ: its CTR runs eight
 * blocks per AES-NI pass and its GHASH uses carry-less multiplication, both
 * constant-time, about 12x mbedtls 2.28 (which calls AES-NI once per block
 * and hashes with 4-bit tables). Elsewhere (aarch64, where BearSSL 0.6 has
 * only portable code slower than mbedtls; x86_64 without those instructions)
 * mbedtls as before.
 *
 * BearSSL's GCM works in place, so the input is first copied to the output
 * (callers pass either the same address or no overlap at all).
 */
#include <string.h>

#include <bearssl/bearssl_aead.h>
#include <bearssl/bearssl_block.h>
#include <bearssl/bearssl_hash.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "crypto.h"

#define TAG_LENGTH 16
#define NONCE_LENGTH 12

/* BearSSL's hardware implementations, probed once (each probe is a CPUID, a VM exit in an image); NULL without. */
static const br_block_ctr_class *bearssl_ctr;
static br_ghash bearssl_ghash;

static void probe_bearssl(void)
{
    static int probed;
    if (probed)
        return;
    probed = 1;
    bearssl_ghash = br_ghash_pclmul_get();
    bearssl_ctr = bearssl_ghash ? br_aes_x86ni_ctr_get_vtable() : NULL;
}

static int gcm_bearssl(int seal, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    br_aes_gen_ctr_keys keys;
    br_gcm_context g;
    bearssl_ctr->init(&keys.vtable, key, key_len);
    br_gcm_init(&g, &keys.vtable, bearssl_ghash);
    br_gcm_reset(&g, nonce, NONCE_LENGTH);
    br_gcm_aad_inject(&g, aad, aad_len);
    br_gcm_flip(&g);
    if (out != in)
        memcpy(out, in, len);
    br_gcm_run(&g, seal, out, len);
    int ok = 1;
    if (seal)
        br_gcm_get_tag(&g, out + len);
    else
        ok = br_gcm_check_tag(&g, in + len);
    mbedtls_platform_zeroize(&keys, sizeof keys);
    mbedtls_platform_zeroize(&g, sizeof g);
    return ok ? 0 : -1;
}

static int gcm_mbedtls(int seal, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)key_len * 8);
    if (rc == 0)
        rc = seal ? mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce, NONCE_LENGTH, aad, aad_len, in, out,
                                              TAG_LENGTH, out + len)
                  : mbedtls_gcm_auth_decrypt(&g, len, nonce, NONCE_LENGTH, aad, aad_len, in + len, TAG_LENGTH, in, out);
    mbedtls_gcm_free(&g);
    return rc;
}

int kiln_aes_gcm(int seal, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    probe_bearssl();
    return bearssl_ctr ? gcm_bearssl(seal, key, key_len, nonce, aad, aad_len, in, len, out)
                       : gcm_mbedtls(seal, key, key_len, nonce, aad, aad_len, in, len, out);
}
