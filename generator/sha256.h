/*
 * sha256.h — SHA-256, for the definition hash of a workflow: a thin wrapper
 * over OpenSSL's libcrypto (EVP), the one SHA-256 of cairn (the runtime's
 * AWS SigV4 uses the same library).
 *
 * A sha256_ctx is caller storage: sha256_init() it, then sha256_final() or,
 * on a path that gives up, sha256_cleanup(); either frees what init took.
 */
#ifndef CAIRN_SHA256_H
#define CAIRN_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    void *md;   /* EVP_MD_CTX *, owned */
    int failed; /* libcrypto refused an update */
} sha256_ctx;

/* Returns 0, or -1 when libcrypto cannot start a digest (out of memory). */
int sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes the digest and frees c. Returns 0, or -1 when any step failed. */
int sha256_final(sha256_ctx *c, uint8_t out[32]);
/* Frees c without a digest (safe after final, and on a zeroed ctx). */
void sha256_cleanup(sha256_ctx *c);

/* Hex of out into hex (65 bytes, NUL-terminated). */
void sha256_hex(const uint8_t out[32], char hex[65]);

#endif
