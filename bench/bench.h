/*
 * bench.h — what the benchmarks share: a monotonic clock and percentiles.
 */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <stdlib.h>
#include <time.h>

/* Milliseconds on the monotonic clock. */
static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* This process's CPU time (all its threads), in milliseconds. */
static inline double bench_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v[0..n) and returns its p-th percentile (0 < p < 100): the nearest rank below. */
static inline double bench_percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return v[(size_t)((double)(n - 1) * p / 100.0)];
}

#endif
