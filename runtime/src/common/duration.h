/*
 * duration.h — durations as the workflow language writes them: a number and
 * a unit, units from largest to smallest, each at most once: 250ms, 30s, 10m,
 * 24h, 7d, 1h30m. One parser and one printer for the generator (check, gen,
 * graph) and the runtime (messages), so 1h30m prints as 1h30m everywhere.
 */
#ifndef CAIRN_DURATION_H
#define CAIRN_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Parses s. Returns 0 and *ms (> 0), or -1 with a reason in *why (static
 * text, e.g. "unknown unit: use ms, s, m, h or d"); *ms untouched then. */
int duration_parse(const char *s, int64_t *ms, const char **why);

/*
 * Prints ms the way duration_parse reads it, largest unit first and zero
 * parts left out: 5400000 -> "1h30m", 600000 -> "10m", 250 -> "250ms";
 * ms <= 0 -> "0ms". Writes at most len bytes (always NUL-terminated when
 * len > 0); 32 bytes hold any int64_t. Returns buf.
 */
char *duration_format(int64_t ms, char *buf, size_t len);

#endif
