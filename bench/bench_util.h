/* Timing helpers shared by the benchmark programs (each is one translation unit). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts t[0:n] and returns its median. */
static inline double bench_median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, bench_cmp);
    return t[n / 2];
}

/* Appends one line (the run's median per call in ms, and an optional check value) to $BENCH_LOG. */
static inline void bench_log(double median_ms, double check)
{
    const char *p = getenv("BENCH_LOG");
    FILE *f;
    if (p && (f = fopen(p, "a"))) { fprintf(f, "%.6f %.8f\n", median_ms, check); fclose(f); }
}
#endif
