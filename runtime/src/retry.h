/*
 * retry.h — retry policies of steps (DESIGN §3 `retry`, AWS retry strategies).
 *
 * Zero fields of a cairn_retry take the AWS SDK defaults: 6 attempts, 5 s
 * initial delay, rate 2, 60 s cap (the jitter's zero is FULL already).
 */
#ifndef CAIRN_RETRY_H
#define CAIRN_RETRY_H

#include <stdint.h>

#include "cairn/workflow.h"
#include "defaults.h"

/* The defaults are common/defaults.h's, shared with the generator. */
#define RETRY_DEFAULT_ATTEMPTS DEFAULTS_RETRY_ATTEMPTS
#define RETRY_DEFAULT_INITIAL_MS DEFAULTS_RETRY_INITIAL_MS
#define RETRY_DEFAULT_MAX_MS DEFAULTS_RETRY_MAX_MS
#define RETRY_DEFAULT_RATE DEFAULTS_RETRY_RATE
#define RETRY_MIN_DELAY_MS DEFAULTS_RETRY_MIN_DELAY_MS

/* r with its zero fields replaced by the defaults. */
cairn_retry retry_effective(const cairn_retry *r);

/*
 * May a step whose attempt `attempt` (1-based) failed with error type `type`
 * run again? Yes when attempt < max_attempts and type matches `on`
 * (NULL: every type).
 */
int retry_should(const cairn_retry *r, int attempt, const char *type);

/*
 * The delay before attempt+1, after attempt `attempt` (1-based) failed:
 * max(1 s, jitter(min(initial * rate^(attempt-1), max))), where jitter uses
 * u, a uniform random number in [0, 1): FULL u*d, HALF d/2 + u*d/2, NONE d.
 */
int64_t retry_delay_ms(const cairn_retry *r, int attempt, double u);

#endif
