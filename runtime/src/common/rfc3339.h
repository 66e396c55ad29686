/*
 * rfc3339.h — RFC 3339 times: the `until:` of a wait, the times the runtime
 * journals and reports. One parser for the generator (`cairn check` refuses
 * what the runtime would refuse) and the runtime.
 */
#ifndef CAIRN_RFC3339_H
#define CAIRN_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* RFC 3339 UTC with milliseconds, "2026-11-28T13:05:00.250Z", of ms since
 * the epoch; "invalid" outside years 0000-9999. buf >= 32 bytes. */
void rfc3339_format(int64_t ms, char *buf, size_t len);

/*
 * Parses YYYY-MM-DD(T|t| )hh:mm:ss[.frac](Z|z|+hh:mm|-hh:mm) into ms since
 * the epoch (fraction digits past the third dropped). The date must exist
 * (2026-02-30 does not; 2024-02-29 does), hh <= 23, mm <= 59, ss <= 60 (a
 * leap second). Returns 0, or -1 and leaves *ms untouched.
 */
int rfc3339_parse(const char *s, int64_t *ms);

#endif
