/*
 * ecc.c: TLS key exchange and ECDSA P-256 in C, from Debian's mbedtls 2.28,
 * for images linked with --crypto (see mbedtls.c). Under QuickJS the same
 * curve arithmetic in JavaScript costs 5-15 ms an operation.
 *
 *   __kiln.ecKeyShare(group, privateKey, output) -> boolean
 *       group 0: X25519 (32-byte keys, little-endian, RFC 7748), 1: P-256
 *       (32-byte scalar; output the 65-byte uncompressed point). False for
 *       a scalar that is not a valid key (P-256: zero or not below n).
 *   __kiln.ecSharedSecret(group, privateKey, peerShare, output) -> boolean
 *       the 32-byte secret (P-256: the x coordinate); false for a peer share
 *       that is not a point of the group (P-256: off the curve or not
 *       uncompressed) or an all-zero X25519 result (RFC 7748 section 6.1).
 *   __kiln.ecdsaP256Sign(d, hash, output) -> number
 *       deterministic ECDSA (RFC 6979) over a SHA-256 hash, DER-encoded
 *       into output (at least 72 bytes); returns the length.
 *   __kiln.ecdsaP256Verify(point, hash, signature) -> boolean
 *
 * Blinding inside mbedtls draws from the runtime's generator.
 */
#include <string.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>

#include "crypto.h"

static int group_of(JSContext *ctx, JSValueConst v, mbedtls_ecp_group_id *id)
{
    int32_t g;
    if (JS_ToInt32(ctx, &g, v))
        return -1;
    if (g != 0 && g != 1) {
        kiln_throw(ctx, "EINVAL", "group %d is not 0 (X25519) or 1 (P-256)", g);
        return -1;
    }
    *id = g == 0 ? MBEDTLS_ECP_DP_CURVE25519 : MBEDTLS_ECP_DP_SECP256R1;
    return 0;
}

static JSValue api_ec_key_share(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    mbedtls_ecp_group_id id;
    uint8_t *priv, *out;
    size_t priv_len, out_len, olen;
    if (argc < 3)
        return JS_ThrowTypeError(ctx, "ecKeyShare(group, privateKey, output)");
    if (group_of(ctx, argv[0], &id) < 0 || kiln_get_bytes(ctx, argv[1], &priv, &priv_len) < 0 ||
        kiln_get_bytes(ctx, argv[2], &out, &out_len) < 0)
        return JS_EXCEPTION;
    if (priv_len != 32 || out_len != (id == MBEDTLS_ECP_DP_CURVE25519 ? 32u : 65u))
        return kiln_throw(ctx, "ERANGE", "ecKeyShare: a %zu-byte key and a %zu-byte output", priv_len, out_len);
    mbedtls_ecp_keypair kp;
    mbedtls_ecp_keypair_init(&kp);
    int rc = mbedtls_ecp_read_key(id, &kp, priv, priv_len);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&kp.grp, &kp.Q, &kp.d, &kp.grp.G, kiln_mbedtls_random, NULL);
    if (rc == 0)
        rc = mbedtls_ecp_point_write_binary(&kp.grp, &kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out, out_len);
    mbedtls_ecp_keypair_free(&kp);
    return JS_NewBool(ctx, rc == 0 && olen == out_len);
}

static JSValue api_ec_shared_secret(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    mbedtls_ecp_group_id id;
    uint8_t *priv, *peer, *out;
    size_t priv_len, peer_len, out_len;
    if (argc < 4)
        return JS_ThrowTypeError(ctx, "ecSharedSecret(group, privateKey, peerShare, output)");
    if (group_of(ctx, argv[0], &id) < 0 || kiln_get_bytes(ctx, argv[1], &priv, &priv_len) < 0 ||
        kiln_get_bytes(ctx, argv[2], &peer, &peer_len) < 0 || kiln_get_bytes(ctx, argv[3], &out, &out_len) < 0)
        return JS_EXCEPTION;
    if (priv_len != 32 || out_len != 32)
        return kiln_throw(ctx, "ERANGE", "ecSharedSecret: a %zu-byte key and a %zu-byte output", priv_len, out_len);
    int x25519 = id == MBEDTLS_ECP_DP_CURVE25519;
    /* RFC 8446 section 4.2.8.2: P-256 shares are uncompressed points only. */
    if (x25519 ? peer_len != 32 : peer_len != 65 || peer[0] != 4)
        return JS_FALSE;
    mbedtls_ecp_keypair kp;
    mbedtls_ecp_point q;
    mbedtls_mpi z;
    mbedtls_ecp_keypair_init(&kp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&z);
    int rc = mbedtls_ecp_read_key(id, &kp, priv, priv_len);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&kp.grp, &q, peer, peer_len);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&kp.grp, &q);
    if (rc == 0)
        rc = mbedtls_ecdh_compute_shared(&kp.grp, &z, &q, &kp.d, kiln_mbedtls_random, NULL);
    if (rc == 0)
        rc = x25519 ? mbedtls_mpi_write_binary_le(&z, out, 32) : mbedtls_mpi_write_binary(&z, out, 32);
    int zero = mbedtls_mpi_cmp_int(&z, 0) == 0;
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_keypair_free(&kp);
    if (rc != 0 || zero) {
        memset(out, 0, out_len);
        return JS_FALSE;
    }
    return JS_TRUE;
}

static JSValue api_ecdsa_sign(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *d, *hash, *out;
    size_t d_len, hash_len, out_len, sig_len = 0;
    if (argc < 3)
        return JS_ThrowTypeError(ctx, "ecdsaP256Sign(d, hash, output)");
    if (kiln_get_bytes(ctx, argv[0], &d, &d_len) < 0 || kiln_get_bytes(ctx, argv[1], &hash, &hash_len) < 0 ||
        kiln_get_bytes(ctx, argv[2], &out, &out_len) < 0)
        return JS_EXCEPTION;
    if (d_len != 32 || hash_len != 32 || out_len < MBEDTLS_ECDSA_MAX_SIG_LEN(256))
        return kiln_throw(ctx, "ERANGE", "ecdsaP256Sign: a 32-byte key and hash, an output of at least 72 bytes");
    mbedtls_ecdsa_context key;
    mbedtls_ecdsa_init(&key);
    int rc = mbedtls_ecp_read_key(MBEDTLS_ECP_DP_SECP256R1, &key, d, d_len);
    if (rc == 0)
        rc = mbedtls_ecdsa_write_signature(&key, MBEDTLS_MD_SHA256, hash, hash_len, out, &sig_len, kiln_mbedtls_random, NULL);
    mbedtls_ecdsa_free(&key);
    if (rc != 0)
        return kiln_throw(ctx, "EINVAL", "ecdsaP256Sign failed (-0x%04x)", (unsigned)-rc);
    return JS_NewInt32(ctx, (int32_t)sig_len);
}

static JSValue api_ecdsa_verify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *point, *hash, *sig;
    size_t point_len, hash_len, sig_len;
    if (argc < 3)
        return JS_ThrowTypeError(ctx, "ecdsaP256Verify(point, hash, signature)");
    if (kiln_get_bytes(ctx, argv[0], &point, &point_len) < 0 || kiln_get_bytes(ctx, argv[1], &hash, &hash_len) < 0 ||
        kiln_get_bytes(ctx, argv[2], &sig, &sig_len) < 0)
        return JS_EXCEPTION;
    mbedtls_ecdsa_context key;
    mbedtls_ecdsa_init(&key);
    int rc = mbedtls_ecp_group_load(&key.grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&key.grp, &key.Q, point, point_len);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&key.grp, &key.Q);
    if (rc == 0)
        rc = mbedtls_ecdsa_read_signature(&key, hash, hash_len, sig, sig_len);
    mbedtls_ecdsa_free(&key);
    return JS_NewBool(ctx, rc == 0);
}

void kiln_ecc_install(JSContext *ctx, JSValueConst api)
{
    JS_SetPropertyStr(ctx, api, "ecKeyShare", JS_NewCFunction(ctx, api_ec_key_share, "ecKeyShare", 3));
    JS_SetPropertyStr(ctx, api, "ecSharedSecret", JS_NewCFunction(ctx, api_ec_shared_secret, "ecSharedSecret", 4));
    JS_SetPropertyStr(ctx, api, "ecdsaP256Sign", JS_NewCFunction(ctx, api_ecdsa_sign, "ecdsaP256Sign", 3));
    JS_SetPropertyStr(ctx, api, "ecdsaP256Verify", JS_NewCFunction(ctx, api_ecdsa_verify, "ecdsaP256Verify", 3));
}
