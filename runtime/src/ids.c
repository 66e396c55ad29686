/*
 * ids.c — random identifiers. Reads randomness only from getrandom(); never
 * falls back to a predictable source (an id that could be guessed is worse
 * than no id).
 */
#include "ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static int fill_random(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

int ids_random(char *out, size_t outlen, size_t nbytes)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char buf[64];
    if (nbytes == 0 || nbytes > sizeof buf || outlen < (nbytes * 8 + 5) / 6 + 1)
        return -1;
    if (fill_random(buf, nbytes) != 0)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < nbytes; i++) {
        acc = (acc << 8) | buf[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    memset(buf, 0, sizeof buf);
    return 0;
}

int ids_execution(char *out, size_t outlen)
{
    return ids_random(out, outlen, IDS_EXEC_BYTES);
}

int ids_callback(char *out, size_t outlen)
{
    return ids_random(out, outlen, IDS_CALLBACK_BYTES);
}

double ids_random_unit(void)
{
    uint64_t v = 0;
    if (fill_random((unsigned char *)&v, sizeof v) != 0)
        return 0.5; /* jitter only: a fixed point is harmless */
    return (double)(v >> 11) / (double)(UINT64_C(1) << 53);
}
