/*
 * ids.h — identifiers from the kernel's CSPRNG (getrandom): callback ids all
 * random; execution ids the creation time, then random bits.
 */
#ifndef CAIRN_IDS_H
#define CAIRN_IDS_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of an execution id (48 bits of time, 80 random) and its text length. */
#define IDS_EXEC_BYTES 16
#define IDS_EXEC_LEN 22 /* base64url, no padding */

/*
 * Writes nbytes random bytes as unpadded base64url (A-Z a-z 0-9 - _) into
 * out, NUL-terminated; out must hold ceil(8*nbytes/6)+1 bytes at least
 * (nbytes <= 64).
 * Returns 0, or -1 when the kernel gives no randomness.
 */
int ids_random(char *out, size_t outlen, size_t nbytes);

/* A new execution id into out (>= IDS_EXEC_LEN + 1 bytes). 0 or -1. */
int ids_execution(char *out, size_t outlen);

/* Bytes of randomness in a callback id (192 bits) and its text length. */
#define IDS_CALLBACK_BYTES 24
#define IDS_CALLBACK_LEN 32

/*
 * A new callback id into out (>= IDS_CALLBACK_LEN + 1 bytes): fresh
 * randomness of its own, so it cannot be derived from its execution's id
 * or from any other callback's. 0 or -1.
 */
int ids_callback(char *out, size_t outlen);

/* A uniform random number in [0, 1), for retry jitter. */
double ids_random_unit(void);

#endif
