/* The recursive factorizations (LU, triangular solves, Cholesky) at the orders where they recurse and call
 * GEMM: known solutions and backward errors on odd orders, in row-major, column-major and general-stride
 * layouts (no unit stride), right-hand sides in either layout, both transposes; singular and indefinite
 * matrices still detected deep in the recursion; the strict upper triangle of a Cholesky input left alone;
 * and the same answers when the GEMM workspace cannot be allocated (the unblocked fallback).
 *
 * Written once for both precisions: this file includes itself twice with FPT_FACTOR_PASS defined (FT the
 * real type, FN(x) its function name), as tools/generate.py writes the header's typed blocks. */
#ifndef FPT_FACTOR_PASS
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "alloc.h"
#include "../fixpoint.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* The orders: around the blocked threshold (64), odd, and over a few recursion levels. */
static const int factor_orders[] = { 63, 64, 65, 100, 131, 257 };
#define FACTOR_ORDERS ((int)(sizeof factor_orders / sizeof factor_orders[0]))
#define FACTOR_LAYOUTS 3 /* row-major, column-major, general strides (rs = 2n + 1, cs = 2) */

static void factor_strides(int n, int layout, ptrdiff_t *rs, ptrdiff_t *cs, size_t *len)
{
    *rs = layout == 0 ? n : layout == 1 ? 1 : 2 * n + 1;
    *cs = layout == 0 ? 1 : layout == 1 ? n : 2;
    *len = layout == 2 ? (size_t)((2 * n + 1) * n + 2 * n) : (size_t)(n * n);
}

#define FPT_FACTOR_PASS 64
#define FT double
#define FN(x) x##_f64
#define FEPS DBL_EPSILON
#include "test_factor.c"
#undef FPT_FACTOR_PASS
#undef FT
#undef FN
#undef FEPS

#define FPT_FACTOR_PASS 32
#define FT float
#define FN(x) x##_f32
#define FEPS FLT_EPSILON
#include "test_factor.c"

static void lu_recursive_solves_known_systems(void) { lu_known_f64(); lu_known_f32(); }
static void lu_recursive_reports_singular_deep_in_the_recursion(void) { lu_singular_f64(); lu_singular_f32(); }
static void cholesky_recursive_solves_and_keeps_the_upper_triangle(void) { chol_known_f64(); chol_known_f32(); }
static void factorizations_fall_back_when_the_workspace_cannot_be_had(void) { fallback_f64(); fallback_f32(); }
static void triangular_solves_match_substitution_at_every_width(void) { substitution_f64(); substitution_f32(); }
static void factorizations_see_every_entry_for_their_threshold_and_finiteness(void) { every_entry_f64(); every_entry_f32(); }
static void lu_pivots_are_the_first_largest_on_every_path(void)
{
    fp_isa saved = fp_isa_current();
    int cap;
    for (cap = FP_ISA_SCALAR; cap <= FP_ISA_AVX512; ++cap) {
        fp_isa_set((fp_isa)cap);
        if (cap > FP_ISA_SCALAR && fp_isa_current() != (fp_isa)cap) continue; /* not on this CPU or build */
        pivots_f64();
        pivots_f32();
    }
    fp_isa_set(saved);
}
/* On every cap of the kernel path the path in force is one the build has (make test-nosimd builds without
 * AVX2 and runs capped at it: on an AVX-512 CPU the path named was AVX2, whose leaf kernel was not there
 * and whose blocked solve left its diagonal blocks unsolved), and the blocked solve is right */
static void solves_are_right_on_every_cap_of_the_path(void)
{
    fp_isa saved = fp_isa_current();
    int cap;
    for (cap = FP_ISA_SCALAR; cap <= FP_ISA_AVX512; ++cap) {
        fp_isa_set((fp_isa)cap);
        CHECK((int)fp_isa_current() <= cap && fp_isa_current() <= fp_isa_best());
#if defined(FP_NO_SIMD)
        CHECK(fp_isa_current() == FP_ISA_SCALAR);
#endif
#if defined(FP_NO_AVX2)
        CHECKF(fp_isa_current() != FP_ISA_AVX2, "capped at %s: the path in force is avx2, which this build lacks",
               fp_isa_name((fp_isa)cap));
#endif
#if defined(FP_NO_AVX512)
        CHECK(fp_isa_current() != FP_ISA_AVX512);
#endif
        every_cap_f64();
        every_cap_f32();
    }
    fp_isa_set(saved);
}
static void solves_give_the_same_bits_on_any_thread_count(void)
{
#ifdef _OPENMP
    threads_same_f64();
    threads_same_f32();
#else
    printf("    built without OpenMP: nothing to check (make test-omp runs it)\n");
#endif
}

const fpt_test fpt_factor_tests[] = {
    { "lu_recursive_solves_known_systems", lu_recursive_solves_known_systems },
    { "lu_recursive_reports_singular_deep_in_the_recursion", lu_recursive_reports_singular_deep_in_the_recursion },
    { "cholesky_recursive_solves_and_keeps_the_upper_triangle", cholesky_recursive_solves_and_keeps_the_upper_triangle },
    { "factorizations_fall_back_when_the_workspace_cannot_be_had", factorizations_fall_back_when_the_workspace_cannot_be_had },
    { "triangular_solves_match_substitution_at_every_width", triangular_solves_match_substitution_at_every_width },
    { "factorizations_see_every_entry_for_their_threshold_and_finiteness", factorizations_see_every_entry_for_their_threshold_and_finiteness },
    { "solves_give_the_same_bits_on_any_thread_count", solves_give_the_same_bits_on_any_thread_count },
    { "solves_are_right_on_every_cap_of_the_path", solves_are_right_on_every_cap_of_the_path },
    { "lu_pivots_are_the_first_largest_on_every_path", lu_pivots_are_the_first_largest_on_every_path },
    { NULL, NULL }
};

#else /* FPT_FACTOR_PASS: the typed tests */

/* max_i |(op(A) X - B)_i| / (n eps (max|A| max|X| + max|B|)): the normwise backward error in units of
 * n eps, below a small constant for a backward stable solve. */
static double FN(backward_error)(int t, int n, int nrhs, const FT *a, ptrdiff_t rs, ptrdiff_t cs, const FT *x,
                                 const FT *b, ptrdiff_t rsb, ptrdiff_t csb)
{
    double amax = 0, xmax = 0, bmax = 0, r = 0;
    int i, j, k;
    for (i = 0; i < n; ++i)
        for (j = 0; j < n; ++j) if (fabs((double)a[i * rs + j * cs]) > amax) amax = fabs((double)a[i * rs + j * cs]);
    for (k = 0; k < nrhs; ++k)
        for (i = 0; i < n; ++i) {
            double s = 0;
            if (fabs((double)x[i * rsb + k * csb]) > xmax) xmax = fabs((double)x[i * rsb + k * csb]);
            if (fabs((double)b[i * rsb + k * csb]) > bmax) bmax = fabs((double)b[i * rsb + k * csb]);
            for (j = 0; j < n; ++j) s += (double)(t ? a[j * rs + i * cs] : a[i * rs + j * cs]) * (double)x[j * rsb + k * csb];
            if (fabs(s - (double)b[i * rsb + k * csb]) > r) r = fabs(s - (double)b[i * rsb + k * csb]);
        }
    return r / ((double)n * FEPS * (amax * xmax * n + bmax));
}

static void FN(lu_known)(void)
{
    static const int nrhs_list[] = { 1, 16, 37 };
    int o, layout, q, t, i;
    for (o = 0; o < FACTOR_ORDERS; ++o)
        for (layout = 0; layout < FACTOR_LAYOUTS; ++layout) {
            int n = factor_orders[o];
            ptrdiff_t rs, cs;
            size_t len;
            FT *a, *lu;
            int *piv = malloc((size_t)n * sizeof *piv);
            fpt_rng r = { 100u + (unsigned)(n * 3 + layout) };
            factor_strides(n, layout, &rs, &cs, &len);
            a = calloc(len, sizeof *a);
            lu = calloc(len, sizeof *lu);
            for (i = 0; i < (int)len; ++i) a[i] = (FT)fpt_uniform(&r);
            memcpy(lu, a, len * sizeof *a);
            CHECKF(FN(fp_lu_factor)(n, lu, rs, cs, piv) == FP_OK, "n=%d layout=%d", n, layout);
            for (q = 0; q < 3; ++q)
                for (t = 0; t < 2; ++t) {
                    int nrhs = nrhs_list[q], colmajor = (q + t) % 2;
                    ptrdiff_t rsb = colmajor ? 1 : nrhs, csb = colmajor ? n : 1;
                    FT *b = malloc((size_t)(n * nrhs) * sizeof *b), *x = malloc((size_t)(n * nrhs) * sizeof *x);
                    double be;
                    for (i = 0; i < n * nrhs; ++i) b[i] = x[i] = (FT)fpt_uniform(&r);
                    FN(fp_lu_solve)((fp_trans)t, n, nrhs, lu, rs, cs, piv, x, rsb, csb);
                    be = FN(backward_error)(t, n, nrhs, a, rs, cs, x, b, rsb, csb);
                    CHECKF(be < 4, "n=%d layout=%d nrhs=%d t=%d: backward error %.3g n eps", n, layout, nrhs, t, be);
                    free(b); free(x);
                }
            free(a); free(lu); free(piv);
        }
}

static void FN(lu_singular)(void)
{
    int o, layout, i, j;
    for (o = 3; o < FACTOR_ORDERS; ++o)
        for (layout = 0; layout < FACTOR_LAYOUTS; ++layout) {
            int n = factor_orders[o], dep = n - 1 - n / 3; /* a column late in the recursion: a sum of two */
            ptrdiff_t rs, cs;
            size_t len;
            FT *a;
            int *piv = malloc((size_t)n * sizeof *piv);
            fpt_rng r = { 7u + (unsigned)n };
            factor_strides(n, layout, &rs, &cs, &len);
            a = calloc(len, sizeof *a);
            for (i = 0; i < n; ++i)
                for (j = 0; j < n; ++j) a[i * rs + j * cs] = (FT)fpt_uniform(&r);
            for (i = 0; i < n; ++i) a[i * rs + dep * cs] = a[i * rs] + a[i * rs + cs];
            CHECKF(FN(fp_lu_factor)(n, a, rs, cs, piv) == FP_ERR_SINGULAR, "n=%d layout=%d", n, layout);
            a[(n - 1) * rs + (n - 2) * cs] = (FT)NAN;
            CHECK(FN(fp_lu_factor)(n, a, rs, cs, piv) == FP_ERR_NON_FINITE);
            free(a); free(piv);
        }
}

static void FN(chol_known)(void)
{
    int o, layout, i, j, k;
    for (o = 0; o < FACTOR_ORDERS; ++o)
        for (layout = 0; layout < FACTOR_LAYOUTS; ++layout) {
            int n = factor_orders[o], nrhs = 23, upper_kept = 1;
            ptrdiff_t rs, cs;
            size_t len;
            FT *m = malloc((size_t)(n * n) * sizeof *m), *s, *l, *b = malloc((size_t)(n * nrhs) * sizeof *b),
               *x = malloc((size_t)(n * nrhs) * sizeof *x);
            fpt_rng r = { 31u + (unsigned)(n + layout) };
            double be;
            factor_strides(n, layout, &rs, &cs, &len);
            s = calloc(len, sizeof *s);
            l = calloc(len, sizeof *l);
            for (i = 0; i < n * n; ++i) m[i] = (FT)fpt_uniform(&r);
            for (i = 0; i < n; ++i) /* S = M M^T + n/4 I: symmetric positive definite */
                for (j = 0; j < n; ++j) {
                    double v = i == j ? n / 4.0 : 0;
                    for (k = 0; k < n; ++k) v += (double)m[i * n + k] * (double)m[j * n + k];
                    s[i * rs + j * cs] = (FT)v;
                }
            memcpy(l, s, len * sizeof *s);
            for (i = 0; i < n; ++i)
                for (j = i + 1; j < n; ++j) l[i * rs + j * cs] = (FT)-777.25;
            CHECKF(FN(fp_chol_factor)(n, l, rs, cs) == FP_OK, "n=%d layout=%d", n, layout);
            for (i = 0; i < n; ++i)
                for (j = i + 1; j < n; ++j) upper_kept &= l[i * rs + j * cs] == (FT)-777.25;
            CHECKF(upper_kept, "n=%d layout=%d: the strict upper triangle was written", n, layout);
            for (i = 0; i < n * nrhs; ++i) b[i] = x[i] = (FT)fpt_uniform(&r);
            FN(fp_chol_solve)(n, nrhs, l, rs, cs, x, layout == 1 ? 1 : nrhs, layout == 1 ? n : 1);
            be = FN(backward_error)(0, n, nrhs, s, rs, cs, x, b, layout == 1 ? 1 : nrhs, layout == 1 ? n : 1);
            CHECKF(be < 4, "n=%d layout=%d: backward error %.3g n eps", n, layout, be);
            /* indefinite: one negative direction, met late in the recursion */
            for (i = 0; i < n; ++i)
                for (j = 0; j <= i; ++j) l[i * rs + j * cs] = s[i * rs + j * cs];
            l[(n - 3) * rs + (n - 3) * cs] = (FT)-1;
            CHECKF(FN(fp_chol_factor)(n, l, rs, cs) == FP_ERR_NOT_SPD, "n=%d layout=%d", n, layout);
            free(m); free(s); free(l); free(b); free(x);
        }
}

/* The allocator refuses the GEMM workspace: the factorizations run unblocked and still succeed. */
static void FN(fallback)(void)
{
    int n = 131, nrhs = 20, i;
    FT *a = malloc((size_t)(n * n) * sizeof *a), *lu = malloc((size_t)(n * n) * sizeof *lu),
       *b = malloc((size_t)(n * nrhs) * sizeof *b), *x = malloc((size_t)(n * nrhs) * sizeof *x);
    int *piv = malloc((size_t)n * sizeof *piv);
    fpt_rng r = { 5 };
    fp_status st;
    double be;
    long missed;
    for (i = 0; i < n * n; ++i) a[i] = lu[i] = (FT)fpt_uniform(&r);
    for (i = 0; i < n * nrhs; ++i) b[i] = x[i] = (FT)fpt_uniform(&r);
    fpt_alloc_fail_after(0);
    st = FN(fp_lu_factor)(n, lu, n, 1, piv);
    missed = fpt_alloc_failed;
    fpt_alloc_fail_after(0);
    FN(fp_lu_solve)(FP_NOTRANS, n, nrhs, lu, n, 1, piv, x, nrhs, 1);
    missed += fpt_alloc_failed;
    fpt_alloc_fail_after(-1);
    CHECKF(missed == 2, "the factorization and the solve should each have asked for a workspace (%ld refused)", missed);
    CHECK(st == FP_OK);
    be = FN(backward_error)(0, n, nrhs, a, n, 1, x, b, nrhs, 1);
    CHECKF(be < 4, "backward error %.3g n eps", be);
    free(a); free(lu); free(b); free(x); free(piv);
}

/* fp_lu_solve on given factors (a unit lower L and an upper U with a dominant diagonal, a random pivot
 * sequence) against plain substitution in double, both transposes: the four triangular solves (lower or
 * upper, unit or not). The orders reach the vector leaf (up to 64 rows) and its recursion; the column
 * counts give every chunk of 1 to 8 vectors on both vector widths, whole and masked; right-hand sides
 * row-major (solved in place), column-major (transposed by blocks) and general (the plain loops). */
static void FN(substitution)(void)
{
    /* 131 and 200: the blocked solve of a column-major B (from order 128), whole and ragged blocks of
     * rows; 1031: above its limit, halves solved by it; widths below and above the kernel's rows */
    static const int orders[] = { 1, 3, 17, 64, 100, 131, 200, 1031 };
    static const int widths[] = { 2, 5, 9, 16, 23, 31, 33, 48, 57, 64, 100, 129 }; /* 48: a multiple of MR */
    int o, w, lt, lb, t, i, j, k;
    for (o = 0; o < 8; ++o)
        for (lt = 0; lt < FACTOR_LAYOUTS; ++lt) {
            int n = orders[o], *piv = malloc((size_t)n * sizeof *piv);
            ptrdiff_t rs, cs;
            size_t len;
            FT *lu;
            fpt_rng r = { 900u + (unsigned)(n * 3 + lt) };
            factor_strides(n, lt, &rs, &cs, &len);
            lu = calloc(len, sizeof *lu);
            for (i = 0; i < n; ++i) {
                piv[i] = i + (int)((fpt_uniform(&r) + 1) / 2 * (n - i)) % (n - i);
                for (j = 0; j < n; ++j)
                    lu[i * rs + j * cs] = (FT)(i == j ? (fpt_uniform(&r) < 0 ? -1 : 1) * (1.5 + fpt_uniform(&r) / 2)
                                                      : fpt_uniform(&r) / (i > j ? n : 2 * n));
            }
            for (w = 0; w < 12; ++w)
                for (lb = 0; lb < 3; ++lb)
                    for (t = 0; t < 2; ++t) {
                        int nrhs = widths[w];
                        /* the larger orders at fewer widths, for the reference's time */
                        if (n >= 200 && nrhs != 5 && nrhs != 23 && nrhs != 33 && nrhs != 48 && nrhs != 100) continue;
                        if (n > 1000 && (lb != 1 || nrhs > 23 || lt == 2)) continue;
                        ptrdiff_t rsb = lb == 0 ? nrhs : lb == 1 ? 1 : 2 * nrhs + 1, csb = lb == 0 ? 1 : lb == 1 ? n : 2;
                        size_t lenb = (size_t)((n - 1) * rsb + (nrhs - 1) * csb + 1);
                        FT *x = calloc(lenb, sizeof *x);
                        double *y = malloc((size_t)n * sizeof *y), err = 0, ymax = 0;
                        for (i = 0; i < (int)lenb; ++i) x[i] = (FT)fpt_uniform(&r);
                        for (i = 0; i < (int)lenb; ++i)
                            if (i % 7 == 3) x[i] = (FT)1e30; /* outside the view (general layout): must stay */
                        for (k = 0; k < nrhs; ++k)
                            for (i = 0; i < n; ++i) x[i * rsb + k * csb] = (FT)fpt_uniform(&r);
                        {
                            FT *b = malloc(lenb * sizeof *b);
                            memcpy(b, x, lenb * sizeof *b);
                            FN(fp_lu_solve)((fp_trans)t, n, nrhs, lu, rs, cs, piv, x, rsb, csb);
                            for (k = 0; k < nrhs; ++k) {
                                for (i = 0; i < n; ++i) y[i] = (double)b[i * rsb + k * csb];
                                if (!t) { /* x = U^-1 L^-1 P b */
                                    for (i = 0; i < n; ++i) { double s = y[i]; y[i] = y[piv[i]]; y[piv[i]] = s; }
                                    for (i = 0; i < n; ++i)
                                        for (j = 0; j < i; ++j) y[i] -= (double)lu[i * rs + j * cs] * y[j];
                                    for (i = n - 1; i >= 0; --i) {
                                        for (j = i + 1; j < n; ++j) y[i] -= (double)lu[i * rs + j * cs] * y[j];
                                        y[i] /= (double)lu[i * rs + i * cs];
                                    }
                                } else { /* x = P^T L^-T U^-T b */
                                    for (i = 0; i < n; ++i) {
                                        for (j = 0; j < i; ++j) y[i] -= (double)lu[j * rs + i * cs] * y[j];
                                        y[i] /= (double)lu[i * rs + i * cs];
                                    }
                                    for (i = n - 1; i >= 0; --i)
                                        for (j = i + 1; j < n; ++j) y[i] -= (double)lu[j * rs + i * cs] * y[j];
                                    for (i = n - 1; i >= 0; --i) { double s = y[i]; y[i] = y[piv[i]]; y[piv[i]] = s; }
                                }
                                for (i = 0; i < n; ++i) {
                                    double d = fabs((double)x[i * rsb + k * csb] - y[i]);
                                    if (!(d <= err)) err = d;
                                    if (fabs(y[i]) > ymax) ymax = fabs(y[i]);
                                }
                            }
                            for (i = 0; i < (int)lenb; ++i) { /* no element outside the view written */
                                int in = 0;
                                for (k = 0; k < nrhs && !in; ++k)
                                    in = (i - k * (int)csb) >= 0 && (i - k * (int)csb) % (int)rsb == 0 &&
                                         (i - k * (int)csb) / (int)rsb < n;
                                if (!in && x[i] != b[i]) { err = 1e300; break; }
                            }
                            free(b);
                        }
                        CHECKF(err <= 8 * n * FEPS * ymax, "n=%d T layout %d, %d columns, B layout %d, trans %d: "
                               "%.3g from substitution (scale %.3g)", n, lt, nrhs, lb, t, err, ymax);
                        free(x); free(y);
                    }
            free(lu); free(piv);
        }
}

/* The LU's singularity threshold (n eps max|a|) and both factorizations' finiteness check read every entry,
 * the last ones of a row or column (a vector's masked tail) too: a huge entry makes the small pivots
 * singular, an infinity is non-finite, wherever it sits in the last row or column, in either layout. */
static void FN(every_entry)(void)
{
    int n = 67, layout, pos, i;
    FT *a = malloc((size_t)(n * n) * sizeof *a);
    int *piv = malloc((size_t)n * sizeof *piv), missed = 0;
    for (layout = 0; layout < 2; ++layout) {
        ptrdiff_t rs = layout ? 1 : n, cs = layout ? n : 1;
        for (pos = 0; pos < 2 * n; ++pos) {
            int pi = pos < n ? n - 1 : pos - n, pj = pos < n ? pos : n - 1, kind;
            for (kind = 0; kind < 3; ++kind) {
                fp_status st;
                for (i = 0; i < n * n; ++i) a[i] = 0;
                for (i = 0; i < n; ++i) a[i * rs + i * cs] = (FT)1e-3;
                a[pi * rs + pj * cs] = kind == 0 ? (FT)1e12 : kind == 1 ? (FT)INFINITY : (FT)NAN;
                st = FN(fp_lu_factor)(n, a, rs, cs, piv);
                missed += st != (kind == 0 ? FP_ERR_SINGULAR : FP_ERR_NON_FINITE);
                if (kind && pi == pj) { /* the diagonal: Cholesky's own check */
                    for (i = 0; i < n * n; ++i) a[i] = 0;
                    for (i = 0; i < n; ++i) a[i * rs + i * cs] = 1;
                    a[pi * rs + pj * cs] = kind == 1 ? (FT)INFINITY : (FT)NAN;
                    missed += FN(fp_chol_factor)(n, a, rs, cs) != FP_ERR_NON_FINITE;
                }
            }
        }
    }
    CHECKF(missed == 0, "%d of %d placements not reported", missed, 2 * 2 * n * 3 + 4);
    free(a); free(piv);
}

/* LU at n = 200 and its solve of 100 column-major right-hand sides (the blocked solve), both transposes */
static void FN(every_cap)(void)
{
    const int n = 200, nrhs = 100;
    FT *a = malloc((size_t)n * n * sizeof *a), *lu = malloc((size_t)n * n * sizeof *lu);
    FT *b = malloc((size_t)n * nrhs * sizeof *b), *x = malloc((size_t)n * nrhs * sizeof *x);
    int *piv = malloc((size_t)n * sizeof *piv), i, t;
    fpt_rng r = { 77u };
    for (i = 0; i < n * n; ++i) a[i] = (FT)fpt_uniform(&r);
    for (i = 0; i < n * nrhs; ++i) b[i] = (FT)fpt_uniform(&r);
    memcpy(lu, a, (size_t)n * n * sizeof *a);
    CHECK(FN(fp_lu_factor)(n, lu, 1, n, piv) == FP_OK);
    for (t = 0; t < 2; ++t) {
        double be;
        memcpy(x, b, (size_t)n * nrhs * sizeof *b);
        FN(fp_lu_solve)((fp_trans)t, n, nrhs, lu, 1, n, piv, x, 1, n);
        be = FN(backward_error)(t, n, nrhs, a, 1, n, x, b, 1, n);
        CHECKF(be < 4, "path %s, trans %d: backward error %.3g n eps", fp_isa_name(fp_isa_current()), t, be);
    }
    free(a); free(lu); free(b); free(x); free(piv);
}

/* Partial pivoting on every path, column-major (the vector leaf) and row-major (the same leaf on a
 * transposed copy from order 64; below it the unblocked loop), n < 64 without a workspace: every multiplier
 * |l_ij| <= 1; where column j's candidates tie, the first row (an identity block above and zeros below it
 * to the left keep column j's rows below j exact, with +-5 at rows r1 < r2 among smaller entries); a
 * column that is the sum of two others is singular. */
static void FN(pivots)(void)
{
    static const int orders[] = { 7, 40, 100, 200 };
    static const int ties[][3] = { /* n index, j, r1 - j */
        { 0, 0, 0 }, { 0, 2, 3 }, { 1, 0, 9 }, { 1, 13, 1 }, { 1, 30, 8 }, { 2, 5, 17 }, { 2, 15, 40 },
        { 2, 16, 0 }, { 2, 50, 33 }, { 3, 0, 31 }, { 3, 12, 150 }, { 3, 100, 7 }, { 3, 113, 64 } };
    int o, c, i, j, layout;
    for (layout = 0; layout < 2; ++layout) {
        const char *lname = layout ? "row-major" : "column-major";
        for (o = 0; o < 4; ++o) {
            int n = orders[o], *piv = malloc((size_t)n * sizeof *piv);
            ptrdiff_t rs = layout ? n : 1, cs = layout ? 1 : n;
            FT *a = malloc((size_t)n * n * sizeof *a);
            double lmax = 0;
            fpt_rng r = { 500u + (unsigned)n };
            for (i = 0; i < n * n; ++i) a[i] = (FT)fpt_uniform(&r);
            CHECK(FN(fp_lu_factor)(n, a, rs, cs, piv) == FP_OK);
            for (j = 0; j < n; ++j) {
                CHECKF(piv[j] >= j && piv[j] < n, "%s n=%d: piv[%d] = %d", lname, n, j, piv[j]);
                for (i = j + 1; i < n; ++i) lmax = fabs((double)a[i * rs + j * cs]) > lmax ? fabs((double)a[i * rs + j * cs]) : lmax;
            }
            CHECKF(lmax <= 1, "path %s, %s n=%d: a multiplier of %.17g", fp_isa_name(fp_isa_current()), lname, n, lmax);
            for (c = 1; c <= 3; c += 2) { /* the last column (a leaf's last), and one inside a leaf */
                for (i = 0; i < n * n; ++i) a[i] = (FT)fpt_uniform(&r);
                for (i = 0; i < n; ++i) a[i * rs + (n - c) * cs] = a[i * rs + cs] + a[i * rs + (n - 2) * cs];
                CHECKF(FN(fp_lu_factor)(n, a, rs, cs, piv) == FP_ERR_SINGULAR, "path %s, %s n=%d, column %d", fp_isa_name(fp_isa_current()),
                       lname, n, n - c);
            }
            free(a); free(piv);
        }
        for (c = 0; c < (int)(sizeof ties / sizeof ties[0]); ++c) {
            int n = orders[ties[c][0]], jt = ties[c][1], r1 = jt + ties[c][2], r2 = r1 + 1 + (r1 * 7) % (n - r1 - 1);
            int *piv = malloc((size_t)n * sizeof *piv);
            ptrdiff_t rs = layout ? n : 1, cs = layout ? 1 : n;
            FT *a = malloc((size_t)n * n * sizeof *a);
            fpt_rng r = { 900u + (unsigned)c };
            for (j = 0; j < n; ++j)
                for (i = 0; i < n; ++i)
                    a[i * rs + j * cs] = j < jt ? (FT)(i == j) : i >= jt && j == jt ? (FT)(4 * fpt_uniform(&r)) : (FT)fpt_uniform(&r);
            a[r1 * rs + jt * cs] = 5;
            a[r2 * rs + jt * cs] = -5;
            CHECK(FN(fp_lu_factor)(n, a, rs, cs, piv) == FP_OK);
            CHECKF(piv[jt] == r1, "path %s, %s n=%d: column %d ties at rows %d and %d, pivot %d", fp_isa_name(fp_isa_current()),
                   lname, n, jt, r1, r2, piv[jt]);
            free(a); free(piv);
        }
    }
}

#ifdef _OPENMP
/* LU, its solve of a column-major B and the Cholesky solve (the blocked solve's column slices, one per
 * thread; at n = 400 the factorization's own first solve is threaded too) on 1, 2 and 3 threads: every
 * bit the same, the factors and the solutions, both transposes, at widths that split into slices not a
 * multiple of the kernel's rows */
static void FN(threads_same)(void)
{
    static const int widths[] = { 47, 100 };
    const int n = 400;
    const size_t nn = (size_t)n * (size_t)n, nb = (size_t)n * 100;
    int saved = omp_get_max_threads(), th, c, i;
    FT *a = malloc(nn * sizeof *a), *lu = malloc(nn * sizeof *lu), *lu1 = malloc(nn * sizeof *lu1);
    FT *b = malloc(nb * sizeof *b), *x = malloc(nb * sizeof *x), *x1 = malloc(5 * nb * sizeof *x1);
    int *piv = malloc((size_t)n * sizeof *piv), *piv1 = malloc((size_t)n * sizeof *piv1);
    fpt_rng r = { 4242u };
    for (i = 0; i < (int)nn; ++i) a[i] = (FT)fpt_uniform(&r);
    for (i = 0; i < (int)nb; ++i) b[i] = (FT)fpt_uniform(&r);
    for (th = 1; th <= 3; ++th) {
        int factors = 0, solves = 0;
        omp_set_num_threads(th);
        memcpy(lu, a, nn * sizeof *a);
        CHECK(FN(fp_lu_factor)(n, lu, 1, n, piv) == FP_OK);
        if (th == 1) { memcpy(lu1, lu, nn * sizeof *lu); memcpy(piv1, piv, (size_t)n * sizeof *piv); }
        factors = memcmp(lu, lu1, nn * sizeof *lu) != 0 || memcmp(piv, piv1, (size_t)n * sizeof *piv) != 0;
        for (c = 0; c < 5; ++c) { /* width c / 2, transpose c % 2; 4: Cholesky of A A^T / n + I */
            memcpy(x, b, nb * sizeof *b);
            if (c < 4) FN(fp_lu_solve)((fp_trans)(c % 2), n, widths[c / 2], lu1, 1, n, piv1, x, 1, n);
            else {
                int j, k;
                for (i = 0; i < n; ++i)
                    for (j = 0; j <= i; ++j) {
                        double v = i == j;
                        for (k = 0; k < n; ++k) v += (double)a[i + k * n] * (double)a[j + k * n] / n;
                        lu[i + j * n] = lu[j + i * n] = (FT)v;
                    }
                CHECK(FN(fp_chol_factor)(n, lu, 1, n) == FP_OK);
                FN(fp_chol_solve)(n, 100, lu, 1, n, x, 1, n);
            }
            if (th == 1) memcpy(x1 + (size_t)c * nb, x, nb * sizeof *x);
            solves += memcmp(x, x1 + (size_t)c * nb, nb * sizeof *x) != 0;
        }
        CHECKF(factors == 0, "%d threads: the factors differ from one thread's", th);
        CHECKF(solves == 0, "%d threads: %d of 5 solutions differ from one thread's", th, solves);
    }
    omp_set_num_threads(saved);
    free(a); free(lu); free(lu1); free(b); free(x); free(x1); free(piv); free(piv1);
}
#endif

#endif /* FPT_FACTOR_PASS */
