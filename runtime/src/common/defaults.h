/*
 * defaults.h — the values a workflow gets when it says nothing: the AWS
 * SDK's default retry strategy (what a step's `retry:` fills its gaps with,
 * in the generator's model and in the runtime) and the wait strategy between
 * attempts. Header only: constants, no code.
 */
#ifndef CAIRN_DEFAULTS_H
#define CAIRN_DEFAULTS_H

/* The AWS SDK's default retry strategy. */
#define DEFAULTS_RETRY_ATTEMPTS 6      /* attempts in all, the first included */
#define DEFAULTS_RETRY_INITIAL_MS 5000 /* the delay after the first failure */
#define DEFAULTS_RETRY_MAX_MS 60000    /* the cap on any one delay */
#define DEFAULTS_RETRY_RATE 2.0        /* each delay is the last times this */

/* The AWS SDK's default wait strategy of waitForCondition (a `backoff:`'s gaps). */
#define DEFAULTS_CONDITION_ATTEMPTS 60
#define DEFAULTS_CONDITION_INITIAL_MS 5000
#define DEFAULTS_CONDITION_MAX_MS 300000
#define DEFAULTS_CONDITION_RATE 1.5

/* The wait strategy between attempts: the delay before attempt n+1 is
 * min(initial * rate^(n-1), max), jittered FULL (uniform in [0, d)) when the
 * workflow names no jitter (the zero of cairn_jitter and jitter_kind), and
 * never shorter than this. */
#define DEFAULTS_RETRY_MIN_DELAY_MS 1000

#endif
