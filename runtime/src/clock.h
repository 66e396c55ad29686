/*
 * clock.h — the engine's one clock: real time, or a virtual clock for
 * skip-time that runs with real time and jumps forward to a deadline when
 * asked. Times are milliseconds since the Unix epoch.
 */
#ifndef CAIRN_CLOCK_H
#define CAIRN_CLOCK_H

#include <stdint.h>

/* Caller storage; clock_init() it. No resources to release. */
typedef struct clock_src {
    int skip;       /* virtual clock on */
    int64_t offset; /* virtual minus real time, >= 0 */
} clock_src;

void clock_init(clock_src *c);
/* The real time (CLOCK_REALTIME). */
int64_t clock_real_ms(void);
/* Turns the virtual clock on or off; either way it restarts at the real time. */
void clock_set_skip(clock_src *c, int on);
/* The current time of c. */
int64_t clock_now(const clock_src *c);
/* Virtual clock only: moves now() forward to t; never backwards. */
void clock_advance(clock_src *c, int64_t t);

#endif
