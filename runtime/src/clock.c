/*
 * clock.c — the engine's clock. Owns nothing; never sleeps and never moves
 * time backwards.
 */
#include "clock.h"

#include <time.h>

void clock_init(clock_src *c)
{
    c->skip = 0;
    c->offset = 0;
}

int64_t clock_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_set_skip(clock_src *c, int on)
{
    c->skip = on != 0;
    c->offset = 0;
}

int64_t clock_now(const clock_src *c)
{
    return clock_real_ms() + (c->skip ? c->offset : 0);
}

void clock_advance(clock_src *c, int64_t t)
{
    if (!c->skip)
        return;
    int64_t now = clock_now(c);
    if (t > now)
        c->offset += t - now;
}
