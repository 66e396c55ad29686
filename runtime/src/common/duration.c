/*
 * duration.c — durations (duration.h). Owns nothing; never allocates, never
 * prints.
 */
#include "duration.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *unit;
    int64_t ms;
} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};

#define NUNITS (sizeof units / sizeof units[0])

int duration_parse(const char *s, int64_t *ms, const char **why)
{
    int64_t total = 0;
    size_t next = 0; /* units must come in descending order, each once */
    const char *p = s;
    if (!*p) {
        *why = "empty; write e.g. 30s, 10m, 24h or 1h30m";
        return -1;
    }
    while (*p) {
        if (*p < '0' || *p > '9') {
            *why = "expected a number followed by ms, s, m, h or d";
            return -1;
        }
        int64_t n = 0;
        while (*p >= '0' && *p <= '9') {
            n = n * 10 + (*p++ - '0');
            if (n > 1000000000) {
                *why = "too large";
                return -1;
            }
        }
        size_t u = NUNITS;
        if (p[0] == 'm' && p[1] == 's')
            u = NUNITS - 1;
        else
            for (size_t i = 0; i < NUNITS - 1; i++)
                if (*p == units[i].unit[0])
                    u = i;
        if (u == NUNITS) {
            *why = *p ? "unknown unit: use ms, s, m, h or d" : "missing unit: use ms, s, m, h or d";
            return -1;
        }
        if (u < next) {
            *why = "units must go from largest to smallest, each at most once (1h30m)";
            return -1;
        }
        next = u + 1;
        p += strlen(units[u].unit);
        total += n * units[u].ms;
    }
    if (total <= 0) {
        *why = "must be longer than zero";
        return -1;
    }
    *ms = total;
    return 0;
}

char *duration_format(int64_t ms, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (ms <= 0) {
        snprintf(buf, len, "0ms");
        return buf;
    }
    size_t n = 0;
    for (size_t i = 0; i < NUNITS && n < len; i++) {
        if (ms >= units[i].ms) {
            int w = snprintf(buf + n, len - n, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            if (w < 0)
                break;
            n += (size_t)w;
            ms %= units[i].ms;
        }
    }
    return buf;
}
