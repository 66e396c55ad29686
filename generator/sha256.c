/*
 * sha256.c — SHA-256 through libcrypto's EVP digest interface.
 *
 * Owns: one EVP_MD_CTX per sha256_ctx, between init and final/cleanup.
 * Never: implements the compression function itself (libcrypto is the one
 * SHA-256 of cairn), or keeps state outside the ctx.
 */
#include "sha256.h"

#include <openssl/evp.h>

int sha256_init(sha256_ctx *c)
{
    c->failed = 0;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        sha256_cleanup(c);
        return -1;
    }
    return 0;
}

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
    if (!c->md || c->failed)
        return;
    if (len && EVP_DigestUpdate(c->md, data, len) != 1)
        c->failed = 1;
}

int sha256_final(sha256_ctx *c, uint8_t out[32])
{
    unsigned int n = 0;
    int ok = c->md && !c->failed && EVP_DigestFinal_ex(c->md, out, &n) == 1 && n == 32;
    sha256_cleanup(c);
    return ok ? 0 : -1;
}

void sha256_cleanup(sha256_ctx *c)
{
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

void sha256_hex(const uint8_t out[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[out[i] >> 4];
        hex[2 * i + 1] = digits[out[i] & 15];
    }
    hex[64] = '\0';
}
