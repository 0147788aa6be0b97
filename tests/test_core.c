/* Matrix core against naive long-double references: every kernel path the CPU has (the others are
 * named and skipped), both precisions, odd sizes, all transposes, row/column-major and strided views,
 * alpha/beta edge values. Tolerances come from the error bound of a length-k dot product. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "../fixpoint.h"

static const fp_isa all_isas[] = { FP_ISA_SCALAR, FP_ISA_AVX2, FP_ISA_AVX512 };
#define SENTINEL 12345.0

/* Runs body once per kernel path this CPU has; names the ones it lacks once. The cap is process-wide:
 * a test that loops over paths saves fp_isa_current() first and restores it with fp_isa_set after, so
 * FP_ISA (and the next test) still decide the path. */
static int isa_usable(fp_isa isa)
{
    static int said[3];
    if (isa <= fp_isa_best()) { fp_isa_set(isa); return 1; }
    if (!said[isa]) { printf("    skip %s: this CPU or build lacks it\n", fp_isa_name(isa)); said[isa] = 1; }
    return 0;
}

/* A strided m x n layout by code: 0 row-major, 1 column-major, 2 padded row-major, 3 general. */
static void layout(int code, int m, int n, ptrdiff_t *rs, ptrdiff_t *cs)
{
    switch (code & 3) {
    case 0: *rs = n; *cs = 1; break;
    case 1: *rs = 1; *cs = m; break;
    case 2: *rs = n + 3; *cs = 1; break;
    default: *rs = 2; *cs = 2 * m + 1; break;
    }
}
static size_t span(int m, int n, ptrdiff_t rs, ptrdiff_t cs)
{
    return (m && n) ? (size_t)((m - 1) * rs + (n - 1) * cs + 1) : 1;
}

/* Fill a buffer: the view gets data from rng (rounded to float for 32-bit), the gaps a sentinel. */
static double *make(int m, int n, ptrdiff_t rs, ptrdiff_t cs, fpt_rng *r, int bits, size_t *len)
{
    size_t L = span(m, n, rs, cs) + 8, t;
    double *p = malloc(L * sizeof *p);
    int i, j;
    for (t = 0; t < L; ++t) p[t] = SENTINEL;
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) {
            double v = fpt_uniform(r);
            p[i * rs + j * cs] = bits == 32 ? (double)(float)v : v;
        }
    *len = L;
    return p;
}
static float *to_f32(const double *p, size_t L)
{
    float *q = malloc(L * sizeof *q);
    size_t t;
    for (t = 0; t < L; ++t) q[t] = (float)p[t];
    return q;
}

static void gemm_any(int bits, fp_trans ta, fp_trans tb, int m, int n, int k, double alpha,
                     const double *a, size_t la, ptrdiff_t rsa, ptrdiff_t csa, const double *b, size_t lb,
                     ptrdiff_t rsb, ptrdiff_t csb, double beta, double *c, size_t lc, ptrdiff_t rsc, ptrdiff_t csc)
{
    if (bits == 64) {
        fp_gemm_f64(ta, tb, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc);
    } else {
        float *fa = to_f32(a, la), *fb = to_f32(b, lb), *fc = to_f32(c, lc);
        size_t t;
        fp_gemm_f32(ta, tb, m, n, k, (float)alpha, fa, rsa, csa, fb, rsb, csb, (float)beta, fc, rsc, csc);
        for (t = 0; t < lc; ++t) c[t] = (double)fc[t];
        free(fa); free(fb); free(fc);
    }
}

/* One GEMM case against the reference; returns 0 on a mismatch (and prints it). */
static int gemm_case(int bits, fp_trans ta, fp_trans tb, int m, int n, int k, double alpha, double beta,
                     int la_code, int lb_code, int lc_code, int nan_c, unsigned long long seed)
{
    fpt_rng r = { seed };
    int am = ta ? k : m, an = ta ? m : k, bm = tb ? n : k, bn = tb ? k : n, i, j, p, ok = 1;
    ptrdiff_t rsa, csa, rsb, csb, rsc, csc;
    size_t la, lb, lc, t;
    double *a, *b, *c, *c0, eps = bits == 32 ? 5.96e-8 : 1.11e-16;
    layout(la_code, am, an, &rsa, &csa);
    layout(lb_code, bm, bn, &rsb, &csb);
    layout(lc_code, m, n, &rsc, &csc);
    a = make(am, an, rsa, csa, &r, bits, &la);
    b = make(bm, bn, rsb, csb, &r, bits, &lb);
    c = make(m, n, rsc, csc, &r, bits, &lc);
    if (nan_c) for (i = 0; i < m; ++i) for (j = 0; j < n; ++j) c[i * rsc + j * csc] = NAN;
    c0 = malloc(lc * sizeof *c0);
    memcpy(c0, c, lc * sizeof *c0);
    gemm_any(bits, ta, tb, m, n, k, alpha, a, la, rsa, csa, b, lb, rsb, csb, beta, c, lc, rsc, csc);
    for (i = 0; i < m && ok; ++i)
        for (j = 0; j < n && ok; ++j) {
            long double s = 0, mag = 0, ref;
            double got = c[i * rsc + j * csc], tol;
            for (p = 0; p < k; ++p) {
                double x = ta ? a[p * rsa + i * csa] : a[i * rsa + p * csa];
                double y = tb ? b[j * rsb + p * csb] : b[p * rsb + j * csb];
                s += (long double)x * y;
                mag += fabsl((long double)x * y);
            }
            ref = (long double)alpha * s;
            mag *= fabs(alpha);
            if (beta != 0) { ref += (long double)beta * c0[i * rsc + j * csc]; mag += fabs(beta * c0[i * rsc + j * csc]); }
            /* |fl(dot) - dot| <= gamma_{k+2} sum |x y|, plus rounding of alpha and beta */
            tol = 2.0 * (k + 4) * eps * (double)mag + 1e-300;
            if (!(fabs(got - (double)ref) <= tol)) {
                printf("    gemm f%d ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g layouts=%d%d%d: C[%d,%d]=%.17g ref=%.17Lg tol=%g\n",
                       bits, ta, tb, m, n, k, alpha, beta, la_code, lb_code, lc_code, i, j, got, ref, tol);
                ok = 0;
            }
        }
    /* nothing outside the view of C was written */
    for (t = 0; t < lc && ok; ++t) {
        int inview = 0;
        for (i = 0; i < m && !inview; ++i)
            if ((ptrdiff_t)t >= i * rsc && ((ptrdiff_t)t - i * rsc) % csc == 0 && ((ptrdiff_t)t - i * rsc) / csc < n) inview = 1;
        if (!inview && c[t] != SENTINEL) { printf("    gemm wrote outside C's view at %zu\n", t); ok = 0; }
    }
    free(a); free(b); free(c); free(c0);
    return ok;
}

static void gemm_matches_naive_reference_on_every_path(void)
{
    static const int sq[] = { 1, 2, 3, 7, 17, 63, 64, 65 };
    static const int ns[][3] = { { 3, 17, 65 }, { 65, 3, 17 }, { 17, 65, 3 }, { 1, 257, 7 }, { 257, 1, 65 },
                                 { 64, 7, 257 }, { 7, 63, 2 }, { 65, 64, 63 }, { 300, 16, 300 }, { 5, 4100, 3 },
                                 { 257, 257, 257 }, { 290, 33, 520 },
                                 /* k in one block up to 1.25 KC = 320 when A is read in place, a wide B in
                                    chunks of 8 NR columns (the last one ragged); k = 321 in two blocks */
                                 { 70, 600, 320 }, { 33, 40, 321 },
                                 /* the small path: 8-row panels, a one-vector last panel read in place
                                    (48 = 32 + 16 floats, 24 = 16 + 8 doubles), ragged ones copied, and its
                                    edges k = 128 / 129 and m or n = 128 / 129 */
                                 { 32, 48, 40 }, { 100, 24, 128 }, { 40, 100, 129 }, { 128, 40, 128 },
                                 { 129, 20, 64 }, { 24, 129, 8 } };
    static const double ab[][2] = { { 1, 0 }, { -1, 1 }, { 0.5, -2 }, { 1, 1 } };
    size_t ii, s;
    int bits, cases = 0, bad = 0;
    fp_isa saved = fp_isa_current();
    for (ii = 0; ii < 3; ++ii) {
        if (!isa_usable(all_isas[ii])) continue;
        for (bits = 32; bits <= 64; bits += 32) {
            for (s = 0; s < sizeof sq / sizeof sq[0]; ++s) {
                int t, lc;
                for (t = 0; t < 4; ++t)
                    for (lc = 0; lc < 4; ++lc) {
                        int v = (t + lc + (int)s) & 3;
                        ++cases;
                        bad += !gemm_case(bits, (fp_trans)(t & 1), (fp_trans)(t >> 1), sq[s], sq[s], sq[s], ab[v][0], ab[v][1],
                                          (lc + 1) & 3, (lc + 2 + t) & 3, lc, ab[v][1] == 0, 1000u + (unsigned)s);
                    }
            }
            for (s = 0; s < sizeof ns / sizeof ns[0]; ++s) {
                int t;
                for (t = 0; t < 4; ++t) {
                    int v = (t + (int)s) & 3;
                    ++cases;
                    bad += !gemm_case(bits, (fp_trans)(t & 1), (fp_trans)(t >> 1), ns[s][0], ns[s][1], ns[s][2], ab[v][0],
                                      ab[v][1], t, (t + 1) & 3, (t + (int)s) & 3, ab[v][1] == 0, 77u + (unsigned)s);
                }
            }
        }
    }
    fp_isa_set(saved);
    CHECKF(bad == 0, "%d of %d GEMM cases differ from the reference", bad, cases);
}

/* beta == 0 must overwrite NaN in C; alpha == 0 and k == 0 must not read A or B (NaN there). */
static void gemm_alpha_beta_edges_do_not_leak_nan(void)
{
    size_t ii;
    fp_isa saved = fp_isa_current();
    for (ii = 0; ii < 3; ++ii) {
        double a[6], b[6], c[4];
        int i;
        if (!isa_usable(all_isas[ii])) continue;
        for (i = 0; i < 6; ++i) { a[i] = NAN; b[i] = NAN; }
        for (i = 0; i < 4; ++i) c[i] = 2;
        fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 3, 0.0, a, 3, 1, b, 2, 1, 0.5, c, 2, 1);
        for (i = 0; i < 4; ++i) CHECK(c[i] == 1.0);
        fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 0, 1.0, a, 3, 1, b, 2, 1, 0.0, c, 2, 1);
        for (i = 0; i < 4; ++i) CHECK(c[i] == 0.0);
        for (i = 0; i < 6; ++i) { a[i] = 1; b[i] = 1; }
        for (i = 0; i < 4; ++i) c[i] = NAN;
        fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 3, 1.0, a, 3, 1, b, 2, 1, 0.0, c, 2, 1);
        for (i = 0; i < 4; ++i) CHECK(c[i] == 3.0);
    }
    fp_isa_set(saved);
}

static void gemm_rejects_bad_arguments(void)
{
    double a[16] = { 0 }, b[16] = { 0 }, c[16] = { 0 };
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, -1, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, c, 2, 1));
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, NULL, 2, 1));
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, NULL, 2, 1, b, 2, 1, 0.0, c, 2, 1));
    EXPECT_ASSERT(fp_gemm_f64((fp_trans)7, FP_NOTRANS, 2, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, c, 2, 1));
    /* C's layout maps two elements to one address */
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, c, 1, 1));
    /* C overlaps A, and C overlaps B */
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, a + 1, 2, 1));
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, b, 2, 1));
    /* a zero stride on an input of more than one row */
    EXPECT_ASSERT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 0, 1, b, 2, 1, 0.0, c, 2, 1));
    /* empty products are fine and touch nothing */
    c[0] = 7;
    fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 0, 2, 2, 1.0, NULL, 2, 1, NULL, 2, 1, 0.0, c, 2, 1);
    CHECK(c[0] == 7);
}

static void gemv_matches_naive_reference(void)
{
    static const int sz[][2] = { { 1, 1 }, { 3, 17 }, { 17, 3 }, { 65, 64 }, { 257, 63 }, { 2, 257 } };
    size_t ii, s;
    int bad = 0, cases = 0;
    fp_isa saved = fp_isa_current();
    for (ii = 0; ii < 3; ++ii) {
        if (!isa_usable(all_isas[ii])) continue;
        for (s = 0; s < sizeof sz / sizeof sz[0]; ++s) {
            int m = sz[s][0], n = sz[s][1], t, lc, bits;
            for (bits = 32; bits <= 64; bits += 32)
                for (t = 0; t < 2; ++t)
                    for (lc = 0; lc < 4; ++lc) {
                        fpt_rng r = { 5u + (unsigned)s };
                        ptrdiff_t rs, cs, incx = 1 + (lc & 1) * 2, incy = 1 + (lc >> 1);
                        int xl = t ? m : n, yl = t ? n : m, i, j;
                        size_t la, lx, ly;
                        double alpha = lc == 2 ? -1.5 : 1, beta = (lc & 1) ? 0 : 0.5, eps = bits == 32 ? 5.96e-8 : 1.11e-16;
                        double *a, *x, *y, *y0;
                        layout(lc, m, n, &rs, &cs);
                        a = make(m, n, rs, cs, &r, bits, &la);
                        x = make(xl, 1, incx, 1, &r, bits, &lx);
                        y = make(yl, 1, incy, 1, &r, bits, &ly);
                        if (beta == 0) for (i = 0; i < yl; ++i) y[i * incy] = NAN;
                        y0 = malloc(ly * sizeof *y0);
                        memcpy(y0, y, ly * sizeof *y0);
                        if (bits == 64) fp_gemv_f64((fp_trans)t, m, n, alpha, a, rs, cs, x, incx, beta, y, incy);
                        else {
                            float *fa = to_f32(a, la), *fx = to_f32(x, lx), *fy = to_f32(y, ly);
                            size_t q;
                            fp_gemv_f32((fp_trans)t, m, n, (float)alpha, fa, rs, cs, fx, incx, (float)beta, fy, incy);
                            for (q = 0; q < ly; ++q) y[q] = fy[q];
                            free(fa); free(fx); free(fy);
                        }
                        ++cases;
                        for (i = 0; i < yl; ++i) {
                            long double acc = 0, mag = 0;
                            for (j = 0; j < xl; ++j) {
                                double aij = t ? a[j * rs + i * cs] : a[i * rs + j * cs];
                                acc += (long double)aij * x[j * incx];
                                mag += fabsl((long double)aij * x[j * incx]);
                            }
                            acc *= alpha; mag *= fabs(alpha);
                            if (beta != 0) { acc += beta * y0[i * incy]; mag += fabs(beta * y0[i * incy]); }
                            if (!(fabs(y[i * incy] - (double)acc) <= 2.0 * (xl + 4) * eps * (double)mag + 1e-300)) { ++bad; break; }
                        }
                        for (i = 0; i + 1 < (int)ly; ++i)
                            if (i % incy != 0 || i / incy >= yl) CHECK(y[i] == SENTINEL);
                        free(a); free(x); free(y); free(y0);
                    }
        }
    }
    fp_isa_set(saved);
    CHECKF(bad == 0, "%d of %d GEMV cases differ from the reference", bad, cases);
}

static void level1_kernels_match_reference(void)
{
    size_t ii;
    fp_isa saved = fp_isa_current();
    for (ii = 0; ii < 3; ++ii) {
        double x[600], y[600], big[3] = { 1e200, 1e200, 1e200 };
        float bigf[2] = { 3e30f, 4e30f };
        int n, i;
        if (!isa_usable(all_isas[ii])) continue;
        for (n = 0; n <= 257; n += n < 20 ? 1 : 79) {
            fpt_rng r = { 9u + (unsigned)n };
            long double d = 0, s = 0, ss = 0;
            double mx = 0;
            for (i = 0; i < 2 * n; ++i) { x[i] = fpt_uniform(&r); y[i] = fpt_uniform(&r); }
            for (i = 0; i < n; ++i) {
                d += (long double)x[i] * y[2 * i];
                s += x[2 * i];
                ss += (long double)x[i] * x[i];
                if (fabs(x[i]) > mx) mx = fabs(x[i]);
            }
            CHECK(fabs(fp_vec_dot_f64(n, x, 1, y, 2) - (double)d) <= 1e-14 * (n + 1));
            CHECK(fabs(fp_vec_dot_f64(n, x, 1, x, 1) - (double)ss) <= 1e-14 * (n + 1));
            CHECK(fabs(fp_vec_sum_f64(n, x, 2) - (double)s) <= 1e-14 * (n + 1));
            CHECK(fabs(fp_vec_norm2_f64(n, x, 1) - sqrt((double)ss)) <= 1e-14 * (n + 1));
            CHECK(fp_vec_max_abs_f64(n, x, 1) == mx);
            {
                float fx[300], fy[300];
                for (i = 0; i < n; ++i) { fx[i] = (float)x[i]; fy[i] = (float)x[i]; }
                d = 0;
                for (i = 0; i < n; ++i) d += (long double)fx[i] * fy[i];
                CHECK(fabs((double)fp_vec_dot_f32(n, fx, 1, fy, 1) - (double)d) <= 1.2e-7 * (n + 2) * (double)d + 1e-30);
            }
        }
        fp_vec_axpy_f64(3, 2.0, (double[]){ 1, 2, 3 }, 1, y, 2);
        CHECK(fp_vec_norm2_f64(3, big, 1) == 1e200 * sqrt(3.0));
        CHECK(fabsf(fp_vec_norm2_f32(2, bigf, 1) - 5e30f) <= 5e30f * 2e-7f);
        x[0] = 1; x[1] = NAN; x[2] = 3;
        CHECK(!fp_mat_all_finite_f64(fp_mat_strided_f64(x, 1, 3, 3, 1)));
        x[1] = INFINITY;
        CHECK(!fp_mat_all_finite_f64(fp_mat_strided_f64(x, 1, 3, 3, 1)));
        x[1] = 2;
        CHECK(fp_mat_all_finite_f64(fp_mat_strided_f64(x, 1, 3, 3, 1)));
        fp_vec_scale_f64(3, 0.0, x, 1);
        CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0);
    }
    fp_isa_set(saved);
}

/* A x = b solved with known x, in both layouts and both transposes. */
static void lu_solves_known_systems(void)
{
    static const int sizes[] = { 1, 3, 17, 65 };
    size_t s;
    for (s = 0; s < 4; ++s) {
        int n = sizes[s], col, t, i, j, k;
        for (col = 0; col < 2; ++col)
            for (t = 0; t < 2; ++t) {
                fpt_rng r = { 11u + (unsigned)n };
                ptrdiff_t rs = col ? 1 : n, cs = col ? n : 1;
                double *a = malloc((size_t)(n * n) * sizeof *a), *lu = malloc((size_t)(n * n) * sizeof *lu);
                double *x = malloc((size_t)(n * 2) * sizeof *x), *b = malloc((size_t)(n * 2) * sizeof *b), err = 0;
                int *piv = malloc((size_t)n * sizeof *piv);
                for (i = 0; i < n * n; ++i) a[i] = fpt_uniform(&r);
                for (i = 0; i < 2 * n; ++i) x[i] = fpt_uniform(&r);
                /* b = op(A) x for two right-hand sides stored column-major (ld n) */
                for (k = 0; k < 2; ++k)
                    for (i = 0; i < n; ++i) {
                        double acc = 0;
                        for (j = 0; j < n; ++j) acc += (t ? a[j * rs + i * cs] : a[i * rs + j * cs]) * x[k * n + j];
                        b[k * n + i] = acc;
                    }
                memcpy(lu, a, (size_t)(n * n) * sizeof *a);
                CHECK(fp_lu_factor_f64(n, lu, rs, cs, piv) == FP_OK);
                fp_lu_solve_f64((fp_trans)t, n, 2, lu, rs, cs, piv, b, 1, n);
                for (i = 0; i < 2 * n; ++i) if (fabs(b[i] - x[i]) > err) err = fabs(b[i] - x[i]);
                CHECKF(err < 1e-10, "n=%d col=%d t=%d err=%g", n, col, t, err);
                free(a); free(lu); free(x); free(b); free(piv);
            }
    }
}

static void lu_reports_singular_and_non_finite(void)
{
    double a[9] = { 1, 2, 3, 2, 4, 6, 0, 1, 1 }, z[4] = { 0, 0, 0, 0 };
    float f[4] = { 1, 2, 2, 4 };
    int piv[3];
    CHECK(fp_lu_factor_f64(3, a, 3, 1, piv) == FP_ERR_SINGULAR);
    CHECK(fp_lu_factor_f64(2, z, 2, 1, piv) == FP_ERR_SINGULAR);
    CHECK(fp_lu_factor_f32(2, f, 2, 1, piv) == FP_ERR_SINGULAR);
    z[2] = NAN;
    CHECK(fp_lu_factor_f64(2, z, 2, 1, piv) == FP_ERR_NON_FINITE);
    EXPECT_ASSERT(fp_lu_factor_f64(-1, z, 2, 1, piv));
}

static void cholesky_solves_spd_and_rejects_indefinite(void)
{
    enum { N = 17 };
    double m[N * N], a[N * N], x[N], b[N], err = 0;
    fpt_rng r = { 3 };
    int i, j, k;
    for (i = 0; i < N * N; ++i) m[i] = fpt_uniform(&r);
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) {
            double s = i == j ? N : 0;
            for (k = 0; k < N; ++k) s += m[i * N + k] * m[j * N + k];
            a[i * N + j] = s;
        }
    for (i = 0; i < N; ++i) x[i] = fpt_uniform(&r);
    for (i = 0; i < N; ++i) { b[i] = 0; for (j = 0; j < N; ++j) b[i] += a[i * N + j] * x[j]; }
    CHECK(fp_chol_factor_f64(N, a, 1, N) == FP_OK); /* column-major view of a symmetric matrix */
    fp_chol_solve_f64(N, 1, a, 1, N, b, 1, 1);
    for (i = 0; i < N; ++i) if (fabs(b[i] - x[i]) > err) err = fabs(b[i] - x[i]);
    CHECKF(err < 1e-12, "err=%g", err);
    {
        double ind[4] = { 1, 2, 2, 1 };
        CHECK(fp_chol_factor_f64(2, ind, 2, 1) == FP_ERR_NOT_SPD);
    }
}

static void lstsq_recovers_solution_and_orthogonal_residual(void)
{
    enum { M = 40, N = 7 };
    double a[M * N], q[M * N], x[N], b[M], b0[M], tau[N], err = 0;
    fpt_rng r = { 21 };
    int i, j;
    for (i = 0; i < M * N; ++i) a[i] = fpt_uniform(&r);
    for (j = 0; j < N; ++j) x[j] = fpt_uniform(&r);
    /* consistent system: exact recovery */
    for (i = 0; i < M; ++i) { b[i] = 0; for (j = 0; j < N; ++j) b[i] += a[i * N + j] * x[j]; }
    memcpy(q, a, sizeof a);
    CHECK(fp_lstsq_f64(M, N, 1, q, N, 1, b, 1, 1, tau) == FP_OK);
    for (j = 0; j < N; ++j) if (fabs(b[j] - x[j]) > err) err = fabs(b[j] - x[j]);
    CHECKF(err < 1e-12, "err=%g", err);
    /* noisy system: the residual is orthogonal to A's columns (the normal equations hold) */
    for (i = 0; i < M; ++i) b0[i] = b[i] = fpt_uniform(&r);
    memcpy(q, a, sizeof a);
    CHECK(fp_lstsq_f64(M, N, 1, q, N, 1, b, 1, 1, tau) == FP_OK);
    for (j = 0; j < N; ++j) {
        double g = 0;
        for (i = 0; i < M; ++i) {
            double res = b0[i];
            int k;
            for (k = 0; k < N; ++k) res -= a[i * N + k] * b[k];
            g += a[i * N + j] * res;
        }
        CHECKF(fabs(g) < 1e-12, "A^T r [%d] = %g", j, g);
    }
    /* rank deficient: two equal columns */
    for (i = 0; i < M; ++i) a[i * N + 1] = a[i * N + 0];
    CHECK(fp_lstsq_f64(M, N, 1, a, N, 1, b, 1, 1, tau) == FP_ERR_SINGULAR);
}

static void isa_dispatch_is_capped_and_named(void)
{
    fp_isa best = fp_isa_best(), saved = fp_isa_current();
    printf("    best path on this machine: %s, in force: %s\n", fp_isa_name(best), fp_isa_name(saved));
    CHECK(saved <= best);
    fp_isa_set(FP_ISA_SCALAR);
    CHECK(fp_isa_current() == FP_ISA_SCALAR);
    fp_isa_set(FP_ISA_AVX512);
    CHECK(fp_isa_current() == best);
    fp_isa_set(saved);
    CHECK(fp_isa_current() == saved);
    CHECK(strcmp(fp_status_str(FP_ERR_SINGULAR), "singular matrix") == 0);
    CHECK(strcmp(fp_status_str((fp_status)-99), "unknown status") == 0);
}

const fpt_test fpt_core_tests[] = {
    { "isa_dispatch_is_capped_and_named", isa_dispatch_is_capped_and_named },
    { "gemm_matches_naive_reference_on_every_path", gemm_matches_naive_reference_on_every_path },
    { "gemm_alpha_beta_edges_do_not_leak_nan", gemm_alpha_beta_edges_do_not_leak_nan },
    { "gemm_rejects_bad_arguments", gemm_rejects_bad_arguments },
    { "gemv_matches_naive_reference", gemv_matches_naive_reference },
    { "level1_kernels_match_reference", level1_kernels_match_reference },
    { "lu_solves_known_systems", lu_solves_known_systems },
    { "lu_reports_singular_and_non_finite", lu_reports_singular_and_non_finite },
    { "cholesky_solves_spd_and_rejects_indefinite", cholesky_solves_spd_and_rejects_indefinite },
    { "lstsq_recovers_solution_and_orthogonal_residual", lstsq_recovers_solution_and_orthogonal_residual },
    { NULL, NULL }
};
