/*
 * The TLS primitives of Debian's mbedtls 2.28 (libmbedcrypto), natively, for
 * weighing a C provider for images against @noble under QuickJS: the same
 * measures as crypto-probe.ts, one JSON line out. Built and run by
 * quickjs-crypto.ts when libmbedtls-dev is installed.
 */
#include <mbedtls/chachapoly.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Deterministic bytes: the probe measures speed, not secrecy. */
static int fake_random(void *ctx, unsigned char *out, size_t len)
{
    unsigned *state = ctx;
    for (size_t i = 0; i < len; i++) {
        *state = *state * 1103515245u + 12345u;
        out[i] = (unsigned char)(*state >> 16);
    }
    return 0;
}

static unsigned rng_state = 1;

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "mbedtls-probe: %s failed: -0x%04x\n", what, (unsigned)-rc);
        exit(1);
    }
}

/* A peer's public key share, made once. */
static size_t peer_share(mbedtls_ecp_group_id group, unsigned char *buf, size_t size)
{
    mbedtls_ecdh_context peer;
    size_t olen;
    mbedtls_ecdh_init(&peer);
    check(mbedtls_ecdh_setup(&peer, group), "ecdh setup");
    check(mbedtls_ecdh_make_public(&peer, &olen, buf, size, fake_random, &rng_state), "peer key");
    mbedtls_ecdh_free(&peer);
    return olen;
}

/* One key exchange as a TLS server does it: a fresh key pair, then the shared secret with the peer's share. */
static void exchange(mbedtls_ecp_group_id group, const unsigned char *peer, size_t peer_len)
{
    mbedtls_ecdh_context ours;
    unsigned char buf[200], secret[66];
    size_t olen;
    mbedtls_ecdh_init(&ours);
    check(mbedtls_ecdh_setup(&ours, group), "ecdh setup");
    check(mbedtls_ecdh_read_public(&ours, peer, peer_len), "read peer");
    check(mbedtls_ecdh_make_public(&ours, &olen, buf, sizeof buf, fake_random, &rng_state), "our key");
    check(mbedtls_ecdh_calc_secret(&ours, &olen, secret, sizeof secret, fake_random, &rng_state), "secret");
    mbedtls_ecdh_free(&ours);
}

int main(void)
{
    static unsigned char record[16384], out[16384 + 16], tag[16];
    unsigned char key[32] = {0}, nonce[12] = {0}, hash[32], sig[80], msg[100] = {0};
    size_t sig_len;
    double t;
    int n;

    printf("{");
    unsigned char peer25519[200], peer256[200];
    size_t len25519 = peer_share(MBEDTLS_ECP_DP_CURVE25519, peer25519, sizeof peer25519);
    size_t len256 = peer_share(MBEDTLS_ECP_DP_SECP256R1, peer256, sizeof peer256);
    n = 50;
    t = now_us();
    for (int i = 0; i < n; i++) exchange(MBEDTLS_ECP_DP_CURVE25519, peer25519, len25519);
    printf("\"x25519 share+secret us\":%.1f,", (now_us() - t) / n);
    t = now_us();
    for (int i = 0; i < n; i++) exchange(MBEDTLS_ECP_DP_SECP256R1, peer256, len256);
    printf("\"p256 share+secret us\":%.1f,", (now_us() - t) / n);

    mbedtls_ecdsa_context ecdsa;
    mbedtls_ecdsa_init(&ecdsa);
    check(mbedtls_ecdsa_genkey(&ecdsa, MBEDTLS_ECP_DP_SECP256R1, fake_random, &rng_state), "ecdsa key");
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    t = now_us();
    for (int i = 0; i < n; i++) {
        mbedtls_md(sha256, msg, sizeof msg, hash);
        check(mbedtls_ecdsa_write_signature(&ecdsa, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len, fake_random, &rng_state), "sign");
    }
    printf("\"ecdsa p256 sign us\":%.1f,", (now_us() - t) / n);
    t = now_us();
    for (int i = 0; i < n; i++) {
        mbedtls_md(sha256, msg, sizeof msg, hash);
        check(mbedtls_ecdsa_read_signature(&ecdsa, hash, 32, sig, sig_len), "verify");
    }
    printf("\"ecdsa p256 verify us\":%.1f,", (now_us() - t) / n);

    n = 20000;
    t = now_us();
    for (int i = 0; i < n; i++) mbedtls_md_hmac(sha256, key, 32, msg, sizeof msg, hash);
    printf("\"hmac-sha256 us\":%.2f,", (now_us() - t) / n);

    n = 2000;
    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    check(mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 128), "gcm key");
    t = now_us();
    for (int i = 0; i < n; i++)
        check(mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, sizeof record, nonce, 12, msg, 5, record, out, 16, tag), "gcm");
    printf("\"aes-128-gcm MB/s\":%.1f,", sizeof record / ((now_us() - t) / n));

    mbedtls_chachapoly_context chacha;
    mbedtls_chachapoly_init(&chacha);
    check(mbedtls_chachapoly_setkey(&chacha, key), "chachapoly key");
    t = now_us();
    for (int i = 0; i < n; i++)
        check(mbedtls_chachapoly_encrypt_and_tag(&chacha, sizeof record, nonce, msg, 5, record, out, tag), "chachapoly");
    printf("\"chacha20-poly1305 MB/s\":%.1f}\n", sizeof record / ((now_us() - t) / n));
    return 0;
}
