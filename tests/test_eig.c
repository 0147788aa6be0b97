/* Eigenvalue tools against matrices with known spectra, eigenvector residuals, Arnoldi on outliers,
 * and the stability report of fixed points (exact against Arnoldi). */
#include <stdio.h>
#include "util.h"
#include "../fixpoint.h"

/* every expected eigenvalue (re, im) is matched by a computed one within tol (and counts agree) */
static int spectra_match(int n, const double *er, const double *ei, const double *wr, const double *wi, double tol)
{
    int i, j, *used = calloc((size_t)n, sizeof(int)), ok = 1;
    for (i = 0; i < n && ok; ++i) {
        int best = -1;
        double bd = 1e300;
        for (j = 0; j < n; ++j) {
            double d = hypot(er[i] - wr[j], ei[i] - wi[j]);
            if (!used[j] && d < bd) { bd = d; best = j; }
        }
        if (best < 0 || bd > tol) { printf("    eigenvalue %g%+gi unmatched (closest %g)\n", er[i], ei[i], bd); ok = 0; }
        else used[best] = 1;
    }
    free(used);
    return ok;
}

/* ||A v - lambda v|| / ||A||_F for every computed eigenvalue */
static double worst_residual(int n, const double *a, const double *wr, const double *wi)
{
    double *vr = malloc(sizeof(double) * (size_t)n), *vi = malloc(sizeof(double) * (size_t)n), worst = 0;
    double an = fp_mat_norm_fro_f64(fp_mat_rowmajor_f64((double *)a, n, n));
    int k, i, j;
    for (k = 0; k < n; ++k) {
        double s = 0;
        if (fp_eigvec_f64(fp_mat_rowmajor_f64((double *)a, n, n), wr[k], wi[k], vr, vi, NULL) != FP_OK) return 1e300;
        for (i = 0; i < n; ++i) {
            double rr = -(wr[k] * vr[i] - wi[k] * vi[i]), ri = -(wr[k] * vi[i] + wi[k] * vr[i]);
            for (j = 0; j < n; ++j) { rr += a[i * n + j] * vr[j]; ri += a[i * n + j] * vi[j]; }
            s += rr * rr + ri * ri;
        }
        s = sqrt(s) / an;
        if (s > worst) worst = s;
    }
    free(vr); free(vi);
    return worst;
}

static void eigenvalues_of_known_spectra(void)
{
    enum { N = 12 };
    double a[N * N], er[N], ei[N], wr[N], wi[N];
    int i, j;
    fpt_rng rg = { 5 };
    /* companion matrix of prod (x - k), k = 1..6: roots 1..6 */
    {
        enum { M = 6 };
        double c[M * M], co[M + 1] = { 1 }, r2[M], i2[M], w2r[M], w2i[M];
        int d;
        for (d = 1; d <= M; ++d) { /* multiply polynomial by (x - d) */
            for (i = d; i >= 1; --i) co[i] = co[i] - d * co[i - 1];
        }
        memset(c, 0, sizeof c);
        for (j = 0; j < M; ++j) c[j] = -co[j + 1];
        for (i = 1; i < M; ++i) c[i * M + i - 1] = 1;
        for (i = 0; i < M; ++i) { r2[i] = i + 1; i2[i] = 0; }
        CHECK(fp_eig_f64(fp_mat_rowmajor_f64(c, M, M), w2r, w2i, NULL) == FP_OK);
        CHECK(spectra_match(M, r2, i2, w2r, w2i, 1e-8));
        CHECKF(worst_residual(M, c, w2r, w2i) < 1e-10, "companion residual %g", worst_residual(M, c, w2r, w2i));
    }
    /* block-diagonal rotations r (cos t, sin t), conjugated by a random orthogonal Q: complex pairs */
    {
        double *q = fpt_orthogonal(N, 1.0, &rg), d[N * N];
        memset(d, 0, sizeof d);
        for (i = 0; i < N / 2; ++i) {
            double r = 0.3 + 0.15 * i, t = 0.2 + 0.4 * i;
            d[(2 * i) * N + 2 * i] = r * cos(t); d[(2 * i) * N + 2 * i + 1] = -r * sin(t);
            d[(2 * i + 1) * N + 2 * i] = r * sin(t); d[(2 * i + 1) * N + 2 * i + 1] = r * cos(t);
            er[2 * i] = er[2 * i + 1] = r * cos(t);
            ei[2 * i] = r * sin(t); ei[2 * i + 1] = -r * sin(t);
        }
        /* a = Q d Q^T */
        for (i = 0; i < N; ++i)
            for (j = 0; j < N; ++j) {
                double s = 0;
                int k, l;
                for (k = 0; k < N; ++k) for (l = 0; l < N; ++l) s += q[i * N + k] * d[k * N + l] * q[j * N + l];
                a[i * N + j] = s;
            }
        CHECK(fp_eig_f64(fp_mat_rowmajor_f64(a, N, N), wr, wi, NULL) == FP_OK);
        CHECK(spectra_match(N, er, ei, wr, wi, 1e-10));
        CHECKF(worst_residual(N, a, wr, wi) < 1e-10, "rotation residual %g", worst_residual(N, a, wr, wi));
        free(q);
    }
    /* upper triangular: the diagonal; column-major view of it as a lower-triangular transpose */
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) a[i * N + j] = j >= i ? fpt_uniform(&rg) : 0;
    for (i = 0; i < N; ++i) { er[i] = a[i * N + i]; ei[i] = 0; }
    CHECK(fp_eig_f64(fp_mat_colmajor_f64(a, N, N), wr, wi, NULL) == FP_OK);
    CHECK(spectra_match(N, er, ei, wr, wi, 1e-10));
    /* random orthogonal: every |lambda| = 1; float input too */
    {
        enum { M = 65 };
        double *q = fpt_orthogonal(M, 1.0, &rg), mr[M], mi[M], worst = 0;
        float qf[M * M];
        for (i = 0; i < M * M; ++i) qf[i] = (float)q[i];
        CHECK(fp_eig_f64(fp_mat_rowmajor_f64(q, M, M), mr, mi, NULL) == FP_OK);
        for (i = 0; i < M; ++i) if (fabs(hypot(mr[i], mi[i]) - 1) > worst) worst = fabs(hypot(mr[i], mi[i]) - 1);
        CHECKF(worst < 1e-12, "| |lambda| - 1 | = %g", worst);
        CHECKF(worst_residual(M, q, mr, mi) < 1e-10, "orthogonal residual %g", worst_residual(M, q, mr, mi));
        CHECK(fp_eig_f32(fp_mat_rowmajor_f32(qf, M, M), mr, mi, NULL) == FP_OK);
        for (i = 0; i < M; ++i) CHECK(fabs(hypot(mr[i], mi[i]) - 1) < 1e-5);
        free(q);
    }
    a[5] = NAN;
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(a, N, N), wr, wi, NULL) == FP_ERR_NON_FINITE);
}

/* While more than 128 rows are active, QR chases each bulge in windows (the rows above a window get its
 * steps afterwards, in blocks of 8): Q D Q^T with D block-diagonal - rotations (complex pairs) and real
 * values - at orders below the switch (127, 128) and above it (200), and a random orthogonal matrix
 * (every |lambda| = 1). A window's deferred step made 1 % short fails the order 200. */
static void windowed_qr_finds_known_spectra_of_large_matrices(void)
{
    /* 200 and 230 also take the blocked Hessenberg reduction (one panel, four) */
    static const int orders[] = { 127, 128, 200, 230 };
    size_t o;
    fpt_rng rg = { 41 };
    for (o = 0; o < sizeof orders / sizeof orders[0]; ++o) {
        int n = orders[o], i;
        size_t nn = (size_t)n * (size_t)n;
        double *q = fpt_orthogonal(n, 1.0, &rg), *d = calloc(nn, sizeof(double)), *t = malloc(nn * sizeof(double)),
               *a = malloc(nn * sizeof(double)), *er = malloc((size_t)n * sizeof(double)), *ei = malloc((size_t)n * sizeof(double)),
               *wr = malloc((size_t)n * sizeof(double)), *wi = malloc((size_t)n * sizeof(double)), worst = 0;
        for (i = 0; i + 1 < n; i += 2) {
            if (i % 4 == 0) { /* a rotation of radius r: r e^(+-it) */
                double r = 0.2 + 0.8 * fpt_uniform(&rg), th = 0.1 + 3.0 * fpt_uniform(&rg);
                d[(size_t)i * n + i] = d[(size_t)(i + 1) * n + i + 1] = r * cos(th);
                d[(size_t)i * n + i + 1] = -r * sin(th);
                d[(size_t)(i + 1) * n + i] = r * sin(th);
                er[i] = er[i + 1] = r * cos(th);
                ei[i] = r * sin(th);
                ei[i + 1] = -r * sin(th);
            } else { /* two real values */
                er[i] = d[(size_t)i * n + i] = 2 * fpt_uniform(&rg) - 1;
                er[i + 1] = d[(size_t)(i + 1) * n + i + 1] = 2 * fpt_uniform(&rg) - 1;
                ei[i] = ei[i + 1] = 0;
            }
        }
        if (n % 2) { er[n - 1] = d[nn - 1] = 0.5; ei[n - 1] = 0; }
        fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, n, n, n, 1.0, q, n, 1, d, n, 1, 0.0, t, n, 1);
        fp_gemm_f64(FP_NOTRANS, FP_TRANS, n, n, n, 1.0, t, n, 1, q, n, 1, 0.0, a, n, 1);
        CHECKF(fp_eig_f64(fp_mat_rowmajor_f64(a, n, n), wr, wi, NULL) == FP_OK, "n=%d", n);
        CHECKF(spectra_match(n, er, ei, wr, wi, 1e-10), "n=%d: Q D Q^T", n);
        CHECKF(fp_eig_f64(fp_mat_rowmajor_f64(q, n, n), wr, wi, NULL) == FP_OK, "n=%d", n);
        for (i = 0; i < n; ++i) if (fabs(hypot(wr[i], wi[i]) - 1) > worst) worst = fabs(hypot(wr[i], wi[i]) - 1);
        CHECKF(worst < 1e-12, "n=%d: orthogonal, | |lambda| - 1 | = %g", n, worst);
        /* D plus a random strictly upper triangle: block triangular, so most columns below the
         * subdiagonal are zero already (the reflectors the reduction skips) and D's spectrum is exact */
        for (i = 0; i < n; ++i) {
            int j;
            for (j = i + 1; j < n; ++j)
                if (!(j == i + 1 && d[(size_t)i * n + j] != 0)) d[(size_t)i * n + j] = 2 * fpt_uniform(&rg) - 1;
        }
        CHECKF(fp_eig_f64(fp_mat_rowmajor_f64(d, n, n), wr, wi, NULL) == FP_OK, "n=%d", n);
        CHECKF(spectra_match(n, er, ei, wr, wi, 1e-9), "n=%d: block triangular", n);
        free(q); free(d); free(t); free(a); free(er); free(ei); free(wr); free(wi);
    }
}

/* Balancing: D A D^-1 (D = 10^u, u uniform in [-4, 4]) has A's eigenvalues. Without balancing QR's
 * backward error is eps times the largest entry (about 1e8 here), and the small eigenvalues lose digits. */
static void eigenvalues_survive_diagonal_scaling(void)
{
    static const int orders[] = { 60, 230 }; /* the unblocked and the blocked Hessenberg reduction */
    size_t o;
    fpt_rng rg = { 31 };
    for (o = 0; o < sizeof orders / sizeof orders[0]; ++o) {
        int n = orders[o], i, j;
        double *a = fpt_randn(n, n, 1.0 / sqrt((double)n), &rg), *b = malloc((size_t)n * (size_t)n * sizeof(double));
        double *d = malloc((size_t)n * 5 * sizeof(double)), *er = d + n, *ei = er + n, *wr = ei + n, *wi = wr + n, rho = 0;
        for (i = 0; i < n; ++i) d[i] = pow(10.0, 4 * fpt_uniform(&rg));
        for (i = 0; i < n; ++i)
            for (j = 0; j < n; ++j) b[i * n + j] = d[i] * a[i * n + j] / d[j];
        CHECKF(fp_eig_f64(fp_mat_rowmajor_f64(a, n, n), er, ei, NULL) == FP_OK, "n=%d", n);
        CHECKF(fp_eig_f64(fp_mat_rowmajor_f64(b, n, n), wr, wi, NULL) == FP_OK, "n=%d", n);
        for (i = 0; i < n; ++i) rho = fmax(rho, hypot(er[i], ei[i]));
        CHECKF(spectra_match(n, er, ei, wr, wi, 1e-10 * rho), "n=%d", n);
        free(a); free(b); free(d);
    }
}

/* A 20 x 20 stable matrix with two couplings of 1e20 against 1/16, each in a 2-cycle that no other cycle
 * passes through (rows 1 and 6 and columns 0 and 5 empty outside the pairs), so the leading eigenvalue
 * is the pair's own, about sqrt(1e20 / 16) = 2.5e9. A deflation test global in |A| (eps |A| is 2e4)
 * throws the 1/16 away and calls the matrix stable. */
static void huge_entries_keep_the_unstable_verdict(void)
{
    enum { N = 20 };
    fpt_rng rg = { 8 };
    double *a = fpt_randn(N, N, 0.05, &rg), wr[N], wi[N], expect;
    fp_spectrum s;
    int k, p;
    for (p = 0; p <= 5; p += 5) {
        for (k = 0; k < N; ++k)
            if (k != p && k != p + 1) a[(p + 1) * N + k] = a[k * N + p] = 0;
        a[p * N + p + 1] = 1e20;
        a[(p + 1) * N + p] = 0.0625;
    }
    expect = fmax(0.5 * (a[0] + a[N + 1]) + sqrt(0.25 * (a[0] - a[N + 1]) * (a[0] - a[N + 1]) + 6.25e18),
                  0.5 * (a[5 * N + 5] + a[6 * N + 6]) + sqrt(0.25 * (a[5 * N + 5] - a[6 * N + 6]) * (a[5 * N + 5] - a[6 * N + 6]) + 6.25e18));
    CHECK(fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64(a, N, N), fp_mat_vec_f64(NULL, N), &s, wr, wi, NULL) == FP_OK);
    printf("    abscissa %.12g (the pair's %.12g), verdict %s\n", s.abscissa, expect, fp_verdict_str(s.verdict));
    CHECKF(fabs(s.abscissa - expect) < 1e-9 * expect, "abscissa %.12g", s.abscissa);
    CHECK(s.verdict == FP_UNSTABLE);
    free(a);
}

/* Structure balancing and QR must handle: a rank-one matrix (n - 1 zero eigenvalues and u.v), a Jordan
 * block (eigenvalue 0.5, 8 x 8: perturbations of eps^(1/8)), a permuted triangular matrix (every
 * eigenvalue isolated by the permutation) and a block triangular one (part isolated). */
static void eigenvalues_of_structured_matrices(void)
{
    enum { N = 150, J = 8, T = 40 };
    fpt_rng rg = { 12 };
    double *a = malloc(sizeof(double) * N * N), u[N], v[N], wr[N], wi[N], uv = 0, big = 0, er[T], ei[T];
    double jb[J * J], jr[J], ji[J], t[T * T], tp[T * T], tr[T], ti[T];
    int i, j, p[T], zeros = 0;
    for (i = 0; i < N; ++i) { u[i] = fpt_gauss(&rg); v[i] = fpt_gauss(&rg); uv += u[i] * v[i]; }
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) a[i * N + j] = u[i] * v[j] / N;
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(a, N, N), wr, wi, NULL) == FP_OK);
    for (i = 0; i < N; ++i) {
        if (fabs(wr[i]) > fabs(big)) big = wr[i];
        zeros += hypot(wr[i], wi[i]) < 1e-12;
    }
    CHECKF(fabs(big - uv / N) < 1e-12 && zeros == N - 1, "rank one: %.15g vs %.15g, %d zeros", big, uv / N, zeros);
    memset(jb, 0, sizeof jb);
    for (i = 0; i < J; ++i) { jb[i * J + i] = 0.5; if (i + 1 < J) jb[i * J + i + 1] = 1; }
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(jb, J, J), jr, ji, NULL) == FP_OK);
    for (i = 0; i < J; ++i) CHECKF(hypot(jr[i] - 0.5, ji[i]) < 1e-1, "Jordan: %g%+gi", jr[i], ji[i]);
    /* triangular, then permuted: P T P^T */
    for (i = 0; i < T; ++i) p[i] = i;
    for (i = T - 1; i > 0; --i) { j = (int)((fpt_uniform(&rg) * 0.5 + 0.5) * (i + 1)) % (i + 1); int s = p[i]; p[i] = p[j]; p[j] = s; }
    for (i = 0; i < T; ++i)
        for (j = 0; j < T; ++j) t[i * T + j] = j >= i ? fpt_uniform(&rg) : 0;
    for (i = 0; i < T; ++i) { er[i] = t[i * T + i]; ei[i] = 0; }
    for (i = 0; i < T; ++i)
        for (j = 0; j < T; ++j) tp[i * T + j] = t[p[i] * T + p[j]];
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(tp, T, T), tr, ti, NULL) == FP_OK);
    CHECK(spectra_match(T, er, ei, tr, ti, 1e-14));
    /* block upper triangular: rows 0..9 and 30..39 triangular around a full 20 x 20 middle block */
    for (i = 0; i < T; ++i)
        for (j = 0; j < T; ++j) t[i * T + j] = (j >= i || (i >= 10 && i < 30 && j >= 10 && j < 30)) ? fpt_uniform(&rg) : 0;
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(t, T, T), tr, ti, NULL) == FP_OK);
    CHECKF(worst_residual(T, t, tr, ti) < 1e-12, "block triangular residual %g", worst_residual(T, t, tr, ti));
    for (i = 0; i < 10; ++i) { er[i] = t[i * T + i]; ei[i] = 0; er[10 + i] = t[(30 + i) * T + 30 + i]; ei[10 + i] = 0; }
    {
        int hit = 0, k;
        for (k = 0; k < 20; ++k)
            for (i = 0; i < T; ++i) if (tr[i] == er[k] && ti[i] == 0) { ++hit; break; }
        CHECKF(hit == 20, "isolated eigenvalues found exactly: %d of 20", hit);
    }
    free(a);
}

/* A random bulk g/sqrt(N) plus a rank-one outlier at 1.5: Arnoldi finds the outlier; stability agrees
 * between the exact and Arnoldi paths. */
static void arnoldi_finds_outlier_and_stability_paths_agree(void)
{
    enum { N = 300 };
    fpt_rng rg = { 77 };
    double *a = fpt_randn(N, N, 0.5, &rg), u[N], wr[64], wi[64], g[N * 2], re[2], im[2], re2[2], im2[2], uu = 0;
    int i, j;
    for (i = 0; i < N; ++i) { u[i] = fpt_gauss(&rg); uu += u[i] * u[i]; }
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) a[i * N + j] += 1.5 * u[i] * u[j] / uu;
    CHECK(fp_eig_arnoldi_f64(fp_mat_rowmajor_f64(a, N, N), fp_mat_vec_f64(NULL, N), 48, wr, wi, NULL) == FP_OK);
    printf("    Arnoldi(48) leading Ritz value %.6f%+.2gi (outlier 1.5 + O(1/sqrt N) shift)\n", wr[0], wi[0]);
    CHECK(fabs(wr[0] - 1.5) < 0.1 && fabs(wi[0]) < 1e-8);
    for (i = 0; i < 2 * N; ++i) g[i] = 0.5 + 0.5 * fabs(fpt_uniform(&rg));
    CHECK(fp_stability_f64(fp_mat_rowmajor_f64(a, N, N), fp_mat_rowmajor_f64(g, N, 2), N, re, im, NULL) == FP_OK);
    CHECK(fp_stability_f64(fp_mat_rowmajor_f64(a, N, N), fp_mat_rowmajor_f64(g, N, 2), 0, re2, im2, NULL) == FP_OK);
    for (i = 0; i < 2; ++i) {
        printf("    column %d: leading eigenvalue of G W exact %.8f, Arnoldi %.8f\n", i, re[i], re2[i]);
        CHECK(fabs(re[i] - re2[i]) < 1e-6 * fabs(re[i]));
    }
    free(a);
}

/* The analysis calls refuse views that do not agree: FP_ERR_USAGE with one message that names the function
 * and the argument, and the outputs untouched. */
static void analysis_calls_refuse_views_that_do_not_agree(void)
{
    double a[9] = { 0.5, 0.1, 0, 0.2, 0.3, 0.1, 0, 0.4, 0.2 }, g[6] = { 1, 1, 1, 1, 1, 1 }, x[3] = { 0, 0, 0 }, r[6] = { 0 };
    double wr[3] = { 7, 7, 7 }, wi[3] = { 7, 7, 7 }, vr[3] = { 7, 7, 7 };
    int label[2] = { 7, 7 };
    fp_spectrum s, keep;
    fp_census cs;
    fp_attractor at[2];
    fp_feedback_f64 fb;
    fp_meanfield_params p = { 0.5, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0, 1.0, 0 };
    fp_mat_f64 A = fp_mat_rowmajor_f64(a, 3, 3);
    memset(&s, 0x5a, sizeof s);
    keep = s;
    /* fp_eig: A not square */
    EXPECT_USAGE(fp_eig_f64(fp_mat_rowmajor_f64(a, 2, 3), wr, wi, NULL));
    CHECKF(strstr(fpt_usage_msg, "fp_eig_f64") && strstr(fpt_usage_msg, "A must"), "%s", fpt_usage_msg);
    CHECK(wr[0] == 7 && wi[0] == 7);
    /* fp_eigvec: no vi */
    EXPECT_USAGE(fp_eigvec_f64(A, 0.5, 0, vr, NULL, NULL));
    CHECKF(strstr(fpt_usage_msg, "fp_eigvec_f64") && strstr(fpt_usage_msg, "vr and vi"), "%s", fpt_usage_msg);
    CHECK(vr[0] == 7 && vr[2] == 7);
    /* fp_eig_arnoldi: g of another length than A's order */
    EXPECT_USAGE(fp_eig_arnoldi_f64(A, fp_mat_vec_f64(g, 2), 2, wr, wi, NULL));
    CHECKF(strstr(fpt_usage_msg, "fp_eig_arnoldi_f64") && strstr(fpt_usage_msg, "g must"), "%s", fpt_usage_msg);
    CHECK(wr[0] == 7 && wi[1] == 7);
    /* fp_stability: G with other rows than W's order; G absent (it is required there) */
    EXPECT_USAGE(fp_stability_f64(A, fp_mat_rowmajor_f64(g, 2, 3), 3, wr, wi, NULL));
    CHECKF(strstr(fpt_usage_msg, "fp_stability_f64") && strstr(fpt_usage_msg, "G must"), "%s", fpt_usage_msg);
    EXPECT_USAGE(fp_stability_f64(A, fp_mat_rowmajor_f64(NULL, 3, 2), 3, wr, wi, NULL));
    CHECKF(strstr(fpt_usage_msg, "G must"), "%s", fpt_usage_msg);
    CHECK(wr[0] == 7 && wi[0] == 7);
    /* fp_stability_analyze: a gain that is a matrix, not a vector; W not square */
    EXPECT_USAGE(fp_stability_analyze_f64(NULL, A, fp_mat_rowmajor_f64(g, 3, 2), &s, wr, wi, NULL));
    CHECKF(strstr(fpt_usage_msg, "fp_stability_analyze_f64") && strstr(fpt_usage_msg, "gain must"), "%s", fpt_usage_msg);
    EXPECT_USAGE(fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64(a, 3, 2), fp_mat_vec_f64(NULL, 3), &s, wr, wi, NULL));
    CHECKF(strstr(fpt_usage_msg, "W must"), "%s", fpt_usage_msg);
    CHECK(memcmp(&s, &keep, sizeof s) == 0 && wr[0] == 7 && wi[0] == 7);
    /* fp_census: R with other rows than W's order; x not a vector of W's order; R overlapping W */
    EXPECT_USAGE(fp_census_f64(NULL, NULL, A, fp_mat_vec_f64(x, 3), fp_mat_rowmajor_f64(r, 2, 2), at, 2, label, &cs));
    CHECKF(strstr(fpt_usage_msg, "fp_census_f64") && strstr(fpt_usage_msg, "R must"), "%s", fpt_usage_msg);
    EXPECT_USAGE(fp_census_f64(NULL, NULL, A, fp_mat_vec_f64(x, 2), fp_mat_rowmajor_f64(r, 3, 2), at, 2, label, &cs));
    CHECKF(strstr(fpt_usage_msg, "x must"), "%s", fpt_usage_msg);
    EXPECT_USAGE(fp_census_f64(NULL, NULL, A, fp_mat_vec_f64(x, 3), fp_mat_rowmajor_f64(a + 3, 3, 2), at, 2, label, &cs));
    CHECKF(strstr(fpt_usage_msg, "R must not overlap"), "%s", fpt_usage_msg);
    CHECK(label[0] == 7 && label[1] == 7 && r[0] == 0 && a[3] == 0.2);
    /* fp_feedback_weights: W of another order than the network's */
    CHECK(fp_feedback_init_f64(&fb, 3, &p, 1) == FP_OK);
    EXPECT_USAGE(fp_feedback_weights_f64(&fb, fp_mat_rowmajor_f64(r, 2, 3)));
    CHECKF(strstr(fpt_usage_msg, "fp_feedback_weights_f64") && strstr(fpt_usage_msg, "W must"), "%s", fpt_usage_msg);
    CHECK(r[0] == 0 && r[5] == 0);
    CHECK(fp_feedback_weights_f64(&fb, A) == FP_OK);
    fp_feedback_free_f64(&fb);
}

const fpt_test fpt_eig_tests[] = {
    { "eigenvalues_of_known_spectra", eigenvalues_of_known_spectra },
    { "windowed_qr_finds_known_spectra_of_large_matrices", windowed_qr_finds_known_spectra_of_large_matrices },
    { "eigenvalues_survive_diagonal_scaling", eigenvalues_survive_diagonal_scaling },
    { "huge_entries_keep_the_unstable_verdict", huge_entries_keep_the_unstable_verdict },
    { "eigenvalues_of_structured_matrices", eigenvalues_of_structured_matrices },
    { "arnoldi_finds_outlier_and_stability_paths_agree", arnoldi_finds_outlier_and_stability_paths_agree },
    { "analysis_calls_refuse_views_that_do_not_agree", analysis_calls_refuse_views_that_do_not_agree },
    { NULL, NULL }
};
