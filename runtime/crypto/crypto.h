/*
 * crypto.h: what the mbedtls bindings (mbedtls.c, ecc.c, rsa.c) share.
 */
#ifndef KILN_CRYPTO_H
#define KILN_CRYPTO_H

#include <mbedtls/md.h>

#include "kiln.h"

/* The hash a binding's `alg` argument names (0/1/2: SHA-256/384/512) and its size; NULL with an exception thrown. */
const mbedtls_md_info_t *kiln_hash_info(JSContext *ctx, JSValueConst alg, size_t *size);

/* mbedtls's f_rng over the runtime's generator (blinding, PSS salts). */
int kiln_mbedtls_random(void *unused, unsigned char *out, size_t len);

void kiln_ecc_install(JSContext *ctx, JSValueConst api);
void kiln_rsa_install(JSContext *ctx, JSValueConst api);

#endif
