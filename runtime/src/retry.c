/*
 * retry.c — retry decisions and delays. Pure functions: owns nothing, reads
 * no clock and no randomness of its own (the caller passes both in).
 */
#include "retry.h"

#include <math.h>

#include "errmatch.h"

cairn_retry retry_effective(const cairn_retry *r)
{
    cairn_retry e = *r;
    if (e.max_attempts <= 0)
        e.max_attempts = RETRY_DEFAULT_ATTEMPTS;
    if (e.initial_ms <= 0)
        e.initial_ms = RETRY_DEFAULT_INITIAL_MS;
    if (e.max_ms <= 0)
        e.max_ms = RETRY_DEFAULT_MAX_MS;
    if (!(e.rate > 0))
        e.rate = RETRY_DEFAULT_RATE;
    return e;
}

int retry_should(const cairn_retry *r, int attempt, const char *type)
{
    cairn_retry e = retry_effective(r);
    if (attempt >= e.max_attempts)
        return 0;
    return e.on == NULL || errmatch_any(type, e.on);
}

int64_t retry_delay_ms(const cairn_retry *r, int attempt, double u)
{
    cairn_retry e = retry_effective(r);
    if (attempt < 1)
        attempt = 1;
    double d = (double)e.initial_ms * pow(e.rate, attempt - 1);
    if (!(d < (double)e.max_ms)) /* also catches overflow to inf */
        d = (double)e.max_ms;
    if (u < 0)
        u = 0;
    if (u >= 1)
        u = 0.999999999;
    switch (e.jitter) {
    case CAIRN_JITTER_FULL:
        d = u * d;
        break;
    case CAIRN_JITTER_HALF:
        d = d / 2 + u * d / 2;
        break;
    case CAIRN_JITTER_NONE:
        break;
    }
    int64_t ms = (int64_t)llround(d);
    return ms < RETRY_MIN_DELAY_MS ? RETRY_MIN_DELAY_MS : ms;
}
