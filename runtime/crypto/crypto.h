/*
 * crypto.h: what the crypto bindings (mbedtls.c, gcm.c, ecc.c, rsa.c) share.
 */
#ifndef KILN_CRYPTO_H
#define KILN_CRYPTO_H

#include <mbedtls/md.h>

#include "kiln.h"

/* The hash a binding's `alg` argument names (0/1/2: SHA-256/384/512) and its size; NULL with an exception thrown. */
const mbedtls_md_info_t *kiln_hash_info(JSContext *ctx, JSValueConst alg, size_t *size);

/* mbedtls's f_rng over the runtime's generator (blinding, PSS salts). */
int kiln_mbedtls_random(void *unused, unsigned char *out, size_t len);

/* AES-GCM with a 16- or 32-byte key, 12-byte nonce and 16-byte tag at in + len (opening) or out + len (sealing);
   in and out are the same address or do not overlap. 0, or nonzero when sealing fails or the tag does not verify. */
int kiln_aes_gcm(int seal, const uint8_t *key, size_t key_len, const uint8_t *nonce, const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t len, uint8_t *out);

void kiln_ecc_install(JSContext *ctx, JSValueConst api);
void kiln_rsa_install(JSContext *ctx, JSValueConst api);

#endif
