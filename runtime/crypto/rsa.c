/*
 * rsa.c: RSA signatures in C, from Debian's mbedtls 2.28, for images linked
 * with --crypto (see mbedtls.c): what TLS 1.3 asks of RSA. Without it an
 * image could neither serve with an RSA certificate nor accept a chain
 * signed with RSA (@noble has no RSA).
 *
 *   __kiln.rsaVerify(pss, alg, n, e, hash, signature) -> boolean
 *       pss true: RSASSA-PSS with MGF1 over the same hash and a salt as long
 *       as the hash (RFC 8446 section 4.2.3, CertificateVerify); false:
 *       RSASSA-PKCS1-v1_5 (RFC 8017 section 8.2, certificate signatures).
 *       alg 0/1/2: SHA-256/384/512; hash: the digest of the signed data; n
 *       and e big-endian. False for a wrong signature and for a key or
 *       signature that is malformed.
 *   __kiln.rsaPssSign(alg, n, e, d, p, q, hash, output)
 *       an RSASSA-PSS signature (salt as long as the hash, from the
 *       runtime's generator) into output, exactly as long as n. Throws
 *       EINVAL for a key that is not consistent.
 */
#include <mbedtls/rsa.h>

#include "crypto.h"

/*
 * An RSA context with room for the library's layout. Debian builds mbedtls
 * with MBEDTLS_THREADING_PTHREAD against glibc, and the context ends with a
 * mutex: glibc's pthread_mutex_t is 48 bytes on aarch64, musl's (whose
 * headers this file sees) 40, so the library writes past a context sized
 * here (it corrupted the stack of aarch64 images). Only library functions
 * touch the context, always at the library's offsets.
 */
typedef union {
    mbedtls_rsa_context ctx;
    unsigned char room[sizeof(mbedtls_rsa_context) + 16];
} rsa_context;

/* The hash the call names and its digest, whose length must be that hash's. */
static const mbedtls_md_info_t *digest_of(JSContext *ctx, JSValueConst alg, JSValueConst hash, uint8_t **bytes, const char *fn)
{
    size_t size, len;
    const mbedtls_md_info_t *info = kiln_hash_info(ctx, alg, &size);
    if (!info || kiln_get_bytes(ctx, hash, bytes, &len) < 0)
        return NULL;
    if (len != size) {
        kiln_throw(ctx, "ERANGE", "%s: a %zu-byte digest for a %zu-byte hash", fn, len, size);
        return NULL;
    }
    return info;
}

static JSValue api_rsa_verify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *n, *e, *hash, *sig;
    size_t n_len, e_len, sig_len;
    if (argc < 6)
        return JS_ThrowTypeError(ctx, "rsaVerify(pss, alg, n, e, hash, signature)");
    int pss = JS_ToBool(ctx, argv[0]);
    const mbedtls_md_info_t *info = digest_of(ctx, argv[1], argv[4], &hash, "rsaVerify");
    if (!info || kiln_get_bytes(ctx, argv[2], &n, &n_len) < 0 || kiln_get_bytes(ctx, argv[3], &e, &e_len) < 0 ||
        kiln_get_bytes(ctx, argv[5], &sig, &sig_len) < 0)
        return JS_EXCEPTION;
    const mbedtls_md_type_t md = mbedtls_md_get_type(info);
    const unsigned hash_len = mbedtls_md_get_size(info);
    rsa_context context;
    mbedtls_rsa_context *rsa = &context.ctx;
    mbedtls_rsa_init(rsa, pss ? MBEDTLS_RSA_PKCS_V21 : MBEDTLS_RSA_PKCS_V15, md);
    int rc = mbedtls_rsa_import_raw(rsa, n, n_len, NULL, 0, NULL, 0, NULL, 0, e, e_len);
    if (rc == 0)
        rc = mbedtls_rsa_complete(rsa);
    if (rc == 0)
        rc = mbedtls_rsa_check_pubkey(rsa);
    /* mbedtls reads exactly the modulus's length of signature. */
    if (rc == 0 && sig_len != mbedtls_rsa_get_len(rsa))
        rc = -1;
    if (rc == 0)
        rc = pss ? mbedtls_rsa_rsassa_pss_verify_ext(rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, md, hash_len, hash, md, (int)hash_len, sig)
                 : mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, md, hash_len, hash, sig);
    mbedtls_rsa_free(rsa);
    return JS_NewBool(ctx, rc == 0);
}

static JSValue api_rsa_pss_sign(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *n, *e, *d, *p, *q, *hash, *out;
    size_t n_len, e_len, d_len, p_len, q_len, out_len;
    if (argc < 8)
        return JS_ThrowTypeError(ctx, "rsaPssSign(alg, n, e, d, p, q, hash, output)");
    const mbedtls_md_info_t *info = digest_of(ctx, argv[0], argv[6], &hash, "rsaPssSign");
    if (!info || kiln_get_bytes(ctx, argv[1], &n, &n_len) < 0 || kiln_get_bytes(ctx, argv[2], &e, &e_len) < 0 ||
        kiln_get_bytes(ctx, argv[3], &d, &d_len) < 0 || kiln_get_bytes(ctx, argv[4], &p, &p_len) < 0 ||
        kiln_get_bytes(ctx, argv[5], &q, &q_len) < 0 || kiln_get_bytes(ctx, argv[7], &out, &out_len) < 0)
        return JS_EXCEPTION;
    const mbedtls_md_type_t md = mbedtls_md_get_type(info);
    const unsigned hash_len = mbedtls_md_get_size(info);
    rsa_context context;
    mbedtls_rsa_context *rsa = &context.ctx;
    mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V21, md);
    int rc = mbedtls_rsa_import_raw(rsa, n, n_len, p, p_len, q, q_len, d, d_len, e, e_len);
    if (rc == 0)
        rc = mbedtls_rsa_complete(rsa);
    if (rc == 0)
        rc = mbedtls_rsa_check_privkey(rsa);
    if (rc == 0 && out_len != mbedtls_rsa_get_len(rsa)) {
        size_t modulus = mbedtls_rsa_get_len(rsa);
        mbedtls_rsa_free(rsa);
        return kiln_throw(ctx, "ERANGE", "rsaPssSign: an output of %zu bytes for a %zu-byte modulus", out_len, modulus);
    }
    if (rc == 0)
        rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, kiln_mbedtls_random, NULL, md, hash_len, hash, (int)hash_len, out);
    mbedtls_rsa_free(rsa);
    if (rc != 0)
        return kiln_throw(ctx, "EINVAL", "rsaPssSign: the key is not a consistent RSA key, or signing failed (-0x%04x)", (unsigned)-rc);
    return JS_UNDEFINED;
}

void kiln_rsa_install(JSContext *ctx, JSValueConst api)
{
    JS_SetPropertyStr(ctx, api, "rsaVerify", JS_NewCFunction(ctx, api_rsa_verify, "rsaVerify", 6));
    JS_SetPropertyStr(ctx, api, "rsaPssSign", JS_NewCFunction(ctx, api_rsa_pss_sign, "rsaPssSign", 8));
}
