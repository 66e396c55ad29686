/*
 * ids.c — identifiers. Reads randomness only from getrandom(); never falls
 * back to a predictable source (a callback id that could be guessed is worse
 * than no id). An execution id starts with its creation time: it names an
 * execution, it grants nothing (serve's token guards what can be done).
 */
#include "ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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

/*
 * buf[0..nbytes) in base64url's 64 characters, into out. They are taken in
 * ASCII order, so that text sorts as the bytes do (execution ids sort by time).
 */
static int encode(const unsigned char *buf, size_t nbytes, char *out, size_t outlen)
{
    static const char alphabet[] =
        "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    if (outlen < (nbytes * 8 + 5) / 6 + 1)
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
    return 0;
}

int ids_random(char *out, size_t outlen, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes == 0 || nbytes > sizeof buf)
        return -1;
    int rc = fill_random(buf, nbytes) == 0 ? encode(buf, nbytes, out, outlen) : -1;
    memset(buf, 0, sizeof buf);
    return rc;
}

/*
 * An execution id: 48 bits of the creation time (ms since the epoch), then 80
 * random bits. Executions created together have neighbouring ids, so a
 * commit of several running executions writes a few B-tree pages, not one
 * page each (the operations table is clustered by execution id).
 */
int ids_execution(char *out, size_t outlen)
{
    unsigned char buf[IDS_EXEC_BYTES];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    for (int i = 0; i < 6; i++)
        buf[i] = (unsigned char)(ms >> (8 * (5 - i)));
    if (fill_random(buf + 6, sizeof buf - 6) != 0)
        return -1;
    return encode(buf, sizeof buf, out, outlen);
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
