/* bench/factor: the dense factorizations of fixpoint.h against OpenBLAS's LAPACK, in one process, on the
 * same column-major matrices (LAPACK's layout, which fixpoint.h takes as rs = 1, cs = n):
 *   lu      P A = L U             fp_lu_factor      vs  ?getrf
 *   solve   A X = B, 100 columns  fp_lu_solve       vs  ?getrs   (from the same factors' layout)
 *   chol    A = L L^T             fp_chol_factor    vs  ?potrf   (lower)
 *   eig     eigenvalues of A      fp_eig_f64        vs  dgeev    (no vectors: NumPy's eigvals; f64 only)
 * Each operation runs interleaved (fixpoint, OpenBLAS, fixpoint, ...) on fresh copies of its input;
 * the medians of each and their ratio are printed, with the GFLOP/s of the median and the largest
 * difference between the two results (relative to the largest entry: the solutions, and Cholesky's
 * factor; LU's factors are compared through the solve, their pivots may differ where two candidates
 * tie), so a speed-up is never bought with a wrong answer.
 *   cc -O2 -std=c99 -o build/bench/factor bench/factor.c -lopenblas -lm
 *   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=... build/bench/factor N f32|f64 [REPS]
 * bench/factor.sh runs it over the orders and writes the table (bench/results/factor.md). */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_util.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

/* OpenBLAS's LAPACK, by its Fortran names (no LAPACKE needed). */
void sgetrf_(const int *m, const int *n, float *a, const int *lda, int *piv, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *piv, int *info);
void sgetrs_(const char *t, const int *n, const int *nrhs, const float *a, const int *lda, const int *piv, float *b,
             const int *ldb, int *info);
void dgetrs_(const char *t, const int *n, const int *nrhs, const double *a, const int *lda, const int *piv, double *b,
             const int *ldb, int *info);
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dgeev_(const char *jl, const char *jr, const int *n, double *a, const int *lda, double *wr, double *wi, double *vl,
            const int *ldvl, double *vr, const int *ldvr, double *work, const int *lwork, int *info);

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* One precision's three comparisons; T the real type, S the LAPACK prefix's functions. */
#define BENCH(T, FPS, GETRF, GETRS, POTRF)                                                                  \
    do {                                                                                                    \
        size_t nn = (size_t)n * (size_t)n, nb = (size_t)n * NRHS, i, j;                                     \
        T *a = malloc(nn * sizeof(T)), *spd = malloc(nn * sizeof(T)), *w1 = malloc(nn * sizeof(T)),          \
          *w2 = malloc(nn * sizeof(T)), *b = malloc(nb * sizeof(T)), *x1 = malloc(nb * sizeof(T)),             \
          *x2 = malloc(nb * sizeof(T));                                                                     \
        int *p1 = malloc((size_t)n * sizeof(int)), *p2 = malloc((size_t)n * sizeof(int)), info, nr = NRHS, r; \
        double t1[1000], t2[1000], d, s;                                                                    \
        unsigned long long st = 42;                                                                         \
        for (i = 0; i < nn; ++i) { st = st * 6364136223846793005ULL + 1442695040888963407ULL;              \
            a[i] = (T)((double)(st >> 11) / 9007199254740992.0 - 0.5); }                                    \
        for (i = 0; i < nb; ++i) b[i] = (T)((double)(i % 89) / 89.0 - 0.5);                                 \
        for (i = 0; i < (size_t)n; ++i) /* SPD: A A^T / n + I, column-major */                              \
            for (j = 0; j <= i; ++j) {                                                                      \
                double v = i == j ? 1.0 : 0.0;                                                              \
                size_t k;                                                                                   \
                for (k = 0; k < (size_t)n; ++k) v += (double)a[i + k * (size_t)n] * (double)a[j + k * (size_t)n] / n; \
                spd[i + j * (size_t)n] = spd[j + i * (size_t)n] = (T)v;                                     \
            }                                                                                               \
        /* lu */                                                                                            \
        for (r = 0; r <= reps; ++r) {                                                                       \
            double t;                                                                                       \
            memcpy(w1, a, nn * sizeof(T)); t = bench_now(); FPS(fp_lu_factor)(n, w1, 1, n, p1); t = bench_now() - t; \
            if (r) t1[r - 1] = t;                                                                            \
            memcpy(w2, a, nn * sizeof(T)); t = bench_now(); GETRF(&n, &n, w2, &n, p2, &info); t = bench_now() - t; \
            if (r) t2[r - 1] = t;                                                                            \
        }                                                                                                   \
        /* the factors are compared through the solve below (pivots may differ where two candidates tie) */ \
        report("lu", prec, n, median(t1, reps), median(t2, reps), 2.0 / 3.0 * n * (double)n * n, NAN);      \
        /* solve with 100 right-hand sides, each side from its own factors */                               \
        for (r = 0; r <= reps; ++r) {                                                                       \
            double t;                                                                                       \
            memcpy(x1, b, nb * sizeof(T)); t = bench_now(); FPS(fp_lu_solve)(FP_NOTRANS, n, NRHS, w1, 1, n, p1, x1, 1, n); t = bench_now() - t; \
            if (r) t1[r - 1] = t;                                                                            \
            memcpy(x2, b, nb * sizeof(T)); t = bench_now(); GETRS("N", &n, &nr, w2, &n, p2, x2, &n, &info); t = bench_now() - t; \
            if (r) t2[r - 1] = t;                                                                            \
        }                                                                                                   \
        for (d = 0, s = 0, i = 0; i < nb; ++i) { d = fmax(d, fabs((double)x1[i] - (double)x2[i])); s = fmax(s, fabs((double)x2[i])); } \
        report("solve100", prec, n, median(t1, reps), median(t2, reps), 2.0 * n * (double)n * NRHS, d / s); \
        /* Cholesky */                                                                                      \
        for (r = 0; r <= reps; ++r) {                                                                       \
            double t;                                                                                       \
            memcpy(w1, spd, nn * sizeof(T)); t = bench_now(); FPS(fp_chol_factor)(n, w1, 1, n); t = bench_now() - t; \
            if (r) t1[r - 1] = t;                                                                            \
            memcpy(w2, spd, nn * sizeof(T)); t = bench_now(); POTRF("L", &n, w2, &n, &info); t = bench_now() - t; \
            if (r) t2[r - 1] = t;                                                                            \
        }                                                                                                   \
        for (d = 0, s = 0, j = 0; j < (size_t)n; ++j)                                                       \
            for (i = j; i < (size_t)n; ++i) { size_t q = i + j * (size_t)n;                                 \
                d = fmax(d, fabs((double)w1[q] - (double)w2[q])); s = fmax(s, fabs((double)w2[q])); }       \
        report("chol", prec, n, median(t1, reps), median(t2, reps), 1.0 / 3.0 * n * (double)n * n, d / s);  \
        free(a); free(spd); free(w1); free(w2); free(b); free(x1); free(x2); free(p1); free(p2);            \
    } while (0)

enum { NRHS = 100 };
#define FP64(x) x##_f64
#define FP32(x) x##_f32

static void report(const char *op, const char *prec, int n, double tf, double to, double flops, double diff)
{
    char d[32] = "-"; /* LU's factors are checked through the solve's row (their pivots may differ) */
    if (diff == diff) snprintf(d, sizeof d, "%.1e", diff);
    printf("%-8s %s n=%-5d fixpoint %9.3f ms %5.1f GFLOP/s  openblas %9.3f ms %5.1f GFLOP/s  ratio %.2f  diff %s\n",
           op, prec, n, tf * 1e3, flops / tf * 1e-9, to * 1e3, flops / to * 1e-9, to / tf, d);
}

/* Eigenvalues, fp_eig_f64 against LAPACK's dgeev without vectors (what NumPy's eigvals calls), on the
 * same random matrix; diff: the largest distance from one of ours to its nearest unclaimed LAPACK
 * eigenvalue, relative to the spectral radius. At most 7 calls each: a call takes up to a second. */
static void bench_eig(int n, int reps)
{
    size_t nn = (size_t)n * (size_t)n, i, j;
    double *a = malloc(nn * sizeof(double)), *w = malloc(nn * sizeof(double)), *wr1 = malloc((size_t)n * sizeof(double));
    double *wi1 = malloc((size_t)n * sizeof(double)), *wr2 = malloc((size_t)n * sizeof(double)), *wi2 = malloc((size_t)n * sizeof(double));
    double t1[7], t2[7], q, d = 0, rho = 0, *lw;
    void *ws = malloc(fp_eig_workspace_size_f64(n));
    char *used = calloc((size_t)n, 1);
    int one = 1, lwork = -1, info, r;
    unsigned long long st = 7;
    if (reps > 7) reps = 7;
    for (i = 0; i < nn; ++i) { st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        a[i] = ((double)(st >> 11) / 9007199254740992.0 - 0.5) / sqrt((double)n); }
    dgeev_("N", "N", &n, w, &n, wr2, wi2, NULL, &one, NULL, &one, &q, &lwork, &info);
    lwork = (int)q;
    lw = malloc((size_t)lwork * sizeof(double));
    for (r = 0; r <= reps; ++r) {
        double t;
        t = bench_now(); fp_eig_f64(fp_mat_colmajor_f64(a, n, n), wr1, wi1, ws); t = bench_now() - t;
        if (r) t1[r - 1] = t;
        memcpy(w, a, nn * sizeof(double));
        t = bench_now(); dgeev_("N", "N", &n, w, &n, wr2, wi2, NULL, &one, NULL, &one, lw, &lwork, &info); t = bench_now() - t;
        if (r) t2[r - 1] = t;
    }
    for (i = 0; i < (size_t)n; ++i) rho = fmax(rho, hypot(wr2[i], wi2[i]));
    for (i = 0; i < (size_t)n; ++i) {
        size_t best = 0;
        double bd = HUGE_VAL;
        for (j = 0; j < (size_t)n; ++j)
            if (!used[j] && hypot(wr1[i] - wr2[j], wi1[i] - wi2[j]) < bd) { bd = hypot(wr1[i] - wr2[j], wi1[i] - wi2[j]); best = j; }
        used[best] = 1;
        d = fmax(d, bd);
    }
    report("eig", "f64", n, median(t1, reps), median(t2, reps), 10.0 * n * (double)n * n, d / rho);
    free(a); free(w); free(wr1); free(wi1); free(wr2); free(wi2); free(ws); free(used); free(lw);
}

int main(int argc, char **argv)
{
    int n, reps;
    const char *prec;
    if (argc < 3) {
        fprintf(stderr, "usage: factor N f32|f64 [REPS]\n");
        return 2;
    }
    n = atoi(argv[1]);
    prec = argv[2];
    reps = argc > 3 ? atoi(argv[3]) : 11;
    if (n < 1 || reps < 1 || reps > 1000 || (strcmp(prec, "f32") && strcmp(prec, "f64"))) {
        fprintf(stderr, "factor: N >= 1, f32 or f64, 1 <= REPS <= 1000\n");
        return 2;
    }
    if (!strcmp(prec, "f64")) { BENCH(double, FP64, dgetrf_, dgetrs_, dpotrf_); bench_eig(n, reps); }
    else BENCH(float, FP32, sgetrf_, sgetrs_, spotrf_);
    return 0;
}
