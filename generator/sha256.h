/*
 * sha256.h — SHA-256 (FIPS 180-4), for the definition hash of a workflow.
 */
#ifndef CAIRN_SHA256_H
#define CAIRN_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;  /* total length so far */
    uint8_t buf[64]; /* a partial block */
    size_t used;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);

/* Hex of out into hex (65 bytes, NUL-terminated). */
void sha256_hex(const uint8_t out[32], char hex[65]);

#endif
