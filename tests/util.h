/* Test helpers shared by the suites: random matrices and simple reference computations (float64). */
#ifndef FPT_UTIL_H
#define FPT_UTIL_H
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "harness.h"

static inline double fpt_gauss(fpt_rng *r)
{
    double u = 0.5 * (fpt_uniform(r) + 1.0) + 1e-300, v = 0.5 * (fpt_uniform(r) + 1.0);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
/* An n x n row-major matrix with entries scale * N(0, 1) / sqrt(n). */
static inline double *fpt_randn(int m, int n, double scale, fpt_rng *r)
{
    double *a = malloc((size_t)m * (size_t)n * sizeof *a);
    int i;
    for (i = 0; i < m * n; ++i) a[i] = scale * fpt_gauss(r) / sqrt((double)n);
    return a;
}
/* A random orthogonal n x n matrix (Gram-Schmidt, twice for accuracy), times scale. */
static inline double *fpt_orthogonal(int n, double scale, fpt_rng *r)
{
    double *q = fpt_randn(n, n, 1.0, r);
    int i, j, k, pass;
    for (j = 0; j < n; ++j) {
        for (pass = 0; pass < 2; ++pass)
            for (k = 0; k < j; ++k) {
                double d = 0;
                for (i = 0; i < n; ++i) d += q[i * n + j] * q[i * n + k];
                for (i = 0; i < n; ++i) q[i * n + j] -= d * q[i * n + k];
            }
        {
            double s = 0;
            for (i = 0; i < n; ++i) s += q[i * n + j] * q[i * n + j];
            s = sqrt(s);
            for (i = 0; i < n; ++i) q[i * n + j] /= s;
        }
    }
    for (i = 0; i < n * n; ++i) q[i] *= scale;
    return q;
}
static inline double fpt_maxdiff(const double *a, const double *b, int n)
{
    double m = 0;
    int i;
    for (i = 0; i < n; ++i) if (fabs(a[i] - b[i]) > m || a[i] != a[i] || b[i] != b[i]) m = fabs(a[i] - b[i]);
    return m;
}

/* Sentinel fills and the check that a refused call left its outputs as they were. */
static inline void fpt_fill(double *p, int n, double v)
{
    int i;
    for (i = 0; i < n; ++i) p[i] = v;
}
static inline int fpt_all_equal(const double *p, int n, double v)
{
    int i;
    for (i = 0; i < n; ++i)
        if (!(p[i] == v)) return 0;
    return 1;
}
#endif
