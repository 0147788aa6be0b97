/* Stability verdicts, attractor censuses, mean-field phase sweeps and read-out training of feedback
 * networks (docs/THEORY.md: (S1)-(S4), (MF6)-(MF9), (F4)-(F6)). */
#include <stdio.h>
#include "util.h"
#include "../fixpoint.h"

/* Q^T T Q: T upper block-triangular with the given real eigenvalues and one rotation block a +- ib. */
static double *known_spectrum(int n, const double *diag, double a, double b, fpt_rng *rng)
{
    double *t = calloc((size_t)n * (size_t)n, sizeof(double)), *q = fpt_orthogonal(n, 1.0, rng);
    double *tmp = calloc((size_t)n * (size_t)n, sizeof(double)), *out = calloc((size_t)n * (size_t)n, sizeof(double));
    int i, j;
    for (i = 0; i < n; ++i)
        for (j = i + 1; j < n; ++j) t[i * n + j] = 0.3 * fpt_uniform(rng);
    for (i = 0; i < n - 2; ++i) t[i * n + i] = diag[i];
    t[(n - 2) * n + n - 2] = a; t[(n - 2) * n + n - 1] = -b; t[(n - 1) * n + n - 2] = b; t[(n - 1) * n + n - 1] = a;
    fp_gemm_f64(FP_TRANS, FP_NOTRANS, n, n, n, 1.0, q, n, 1, t, n, 1, 0.0, tmp, n, 1);
    fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, n, n, n, 1.0, tmp, n, 1, q, n, 1, 0.0, out, n, 1);
    free(t); free(q); free(tmp);
    return out;
}

static void stability_verdicts_on_known_spectra(void)
{
    const double d[3] = { 0.1, -2.0, 0.95 };
    double shift[3] = { 0.0, 0.05, 0.25 }, wr[5], wi[5];
    fp_verdict want[3] = { FP_STABLE, FP_MARGINAL, FP_UNSTABLE };
    fpt_rng rng = { 17 };
    int c, i;
    for (c = 0; c < 3; ++c) {
        double dd[3] = { d[0], d[1], d[2] + shift[c] }, gain[5] = { 1, 1, 1, 1, 1 };
        double *w = known_spectrum(5, dd, 0.3, 0.4, &rng);
        fp_spectrum s;
        fp_spectrum_config cfg = { 1e-6, 0, 0.5, 0 };
        CHECK(fp_stability_analyze_f64(&cfg, fp_mat_rowmajor_f64(w, 5, 5), fp_mat_vec_f64(gain, 5), &s, wr, wi, NULL) == FP_OK);
        CHECKF(fabs(s.abscissa - dd[2]) < 1e-10 && s.abscissa_im == 0, "abscissa %.15g want %.15g", s.abscissa, dd[2]);
        CHECKF(s.verdict == want[c], "verdict %s at %.3f", fp_verdict_str(s.verdict), s.abscissa);
        CHECK(fabs(s.radius - 2.0) < 1e-10 && s.exact == 1);
        /* outliers beyond 1.05 * 0.5: -2, the shifted real one (0.95+), the pair at |0.3 + 0.4i| = 0.5 is inside */
        CHECKF(s.outliers == 2 && fabs(s.outlier_re[0] + 2.0) < 1e-10, "%d outliers, first %g", s.outliers, s.outlier_re[0]);
        for (i = 0; i < 5; ++i) CHECK(wr[i] == wr[i]);
        free(w);
    }
    /* the gain scales the rows: eigenvalues of diag(g) W; a linear model (gain absent) is W itself */
    {
        double w[4] = { 0.5, 0, 0, 0.2 }, g[2] = { 2.0, 1.0 };
        fp_mat_f64 W = fp_mat_rowmajor_f64(w, 2, 2);
        fp_spectrum s;
        CHECK(fp_stability_analyze_f64(NULL, W, fp_mat_vec_f64(g, 2), &s, NULL, NULL, NULL) == FP_OK && s.verdict == FP_MARGINAL);
        CHECK(fp_stability_analyze_f64(NULL, W, fp_mat_vec_f64(NULL, 2), &s, NULL, NULL, NULL) == FP_OK && s.verdict == FP_STABLE &&
              s.abscissa == 0.5);
    }
}

/* chi (g = 0.5) plus a rank-one 1.5 u u^T / N: one outlier near 1.5 beside a bulk of radius 0.5; Arnoldi
 * (exact_max below N) finds the same leading eigenvalue as QR. */
static void stability_outlier_and_bulk_of_a_random_network(void)
{
    enum { N = 400 };
    fpt_rng rng = { 23 };
    double *w = fpt_randn(N, N, 0.5, &rng), u[N], wr[N], wi[N];
    fp_mat_f64 W = fp_mat_rowmajor_f64(w, N, N), linear = fp_mat_vec_f64(NULL, N); /* gain absent: a linear model */
    fp_spectrum ex, ar, keep;
    fp_spectrum_config cfg = { 0, 0.1, 0, 0 };
    int i, j;
    for (i = 0; i < N; ++i) u[i] = fpt_uniform(&rng) < 0 ? -1 : 1;
    for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) w[i * N + j] += 1.5 * u[i] * u[j] / N;
    CHECK(fp_stability_analyze_f64(&cfg, W, linear, &ex, wr, wi, NULL) == FP_OK);
    printf("    N=%d: bulk radius %.4f (g = 0.5), %d outlier(s), first %.4f%+.4fi, abscissa %.4f, %s\n", N, ex.bulk_radius,
           ex.outliers, ex.outlier_re[0], ex.outlier_im[0], ex.abscissa, fp_verdict_str(ex.verdict));
    CHECK(fabs(ex.bulk_radius - 0.5) < 0.05 * 0.5);
    CHECK(ex.outliers == 1 && fabs(ex.outlier_re[0] - 1.5) < 0.1 && ex.verdict == FP_UNSTABLE);
    cfg.exact_max = 100;
    CHECK(fp_stability_analyze_f64(&cfg, W, linear, &ar, wr, wi, NULL) == FP_OK);
    CHECKF(ar.exact == 0 && fabs(ar.abscissa - ex.abscissa) < 1e-8, "Arnoldi %.12f QR %.12f", ar.abscissa, ex.abscissa);
    /* the bulk estimate needs no eigenvalues: Arnoldi's is QR's; the outlier is among the Ritz values */
    CHECKF(ar.bulk_radius == ex.bulk_radius && ar.outliers == 1 && wr[N - 1] != wr[N - 1], "Arnoldi: bulk %g, %d outliers",
           ar.bulk_radius, ar.outliers);
    cfg.bulk_radius = 0.5;
    CHECK(fp_stability_analyze_f64(&cfg, W, linear, &ar, NULL, NULL, NULL) == FP_OK && ar.outliers == 1);
    /* bad input: nothing written */
    keep = ar;
    w[7] = NAN;
    CHECK(fp_stability_analyze_f64(NULL, W, linear, &ar, NULL, NULL, NULL) == FP_ERR_NON_FINITE);
    CHECK(fp_stability_analyze_f64(&cfg, W, linear, &ar, NULL, NULL, NULL) == FP_ERR_NON_FINITE);
    cfg.tol = -1;
    CHECK(fp_stability_analyze_f64(&cfg, W, linear, &ar, NULL, NULL, NULL) == FP_ERR_INVALID_ARG);
    CHECK(memcmp(&keep, &ar, sizeof ar) == 0);
    free(w);
}

/* W = 2 m m^T / N (m = +-1), x = 0: r = m tanh(2 k), k = tanh(2 k): two stable states k = +-0.9575 and
 * a saddle at 0 that Euler keeps only when started exactly there. */
static void census_finds_the_two_states_of_a_bistable_network(void)
{
    enum { N = 50, K = 21 };
    double w[N * N], m[N], x[N], r[N * K];
    int i, j, label[K], total = 0;
    fp_attractor at[4];
    fp_census cs;
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_mat_f64 W = fp_mat_rowmajor_f64(w, N, N), X = fp_mat_vec_f64(x, N), R = fp_mat_rowmajor_f64(r, N, K);
    fpt_rng rng = { 5 };
    for (i = 0; i < N; ++i) { m[i] = (i * 7 % 3) ? 1 : -1; x[i] = 0; }
    for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) w[i * N + j] = 2.0 * m[i] * m[j] / N;
    for (i = 0; i < N; ++i) for (j = 0; j < K; ++j) r[i * K + j] = j == K - 1 ? 0.0 : fpt_uniform(&rng);
    CHECK(fp_census_f64(NULL, &act, W, X, R, at, 4, label, &cs) == FP_OK);
    printf("    bistable: %d attractors from %d runs, basins", cs.attractors, cs.runs);
    for (i = 0; i < cs.attractors && i < 4; ++i) {
        double k = 0;
        for (j = 0; j < N; ++j) k += m[j] * r[j * K + at[i].column] / N;
        printf(" %d (k = %.4f, lead %.3f, %s)", at[i].basin, k, at[i].spectrum.abscissa, fp_verdict_str(at[i].spectrum.verdict));
        total += at[i].basin;
        if (at[i].basin == 1) CHECK(fabs(k) < 1e-12 && at[i].spectrum.verdict == FP_UNSTABLE && fabs(at[i].spectrum.abscissa - 2) < 1e-9);
        else CHECK(fabs(fabs(k) - 0.957504) < 1e-5 && at[i].spectrum.verdict == FP_STABLE);
    }
    printf("\n");
    CHECK(cs.attractors == 3 && cs.unsettled == 0 && cs.diverged == 0 && total == K);
    CHECK(at[0].basin + at[1].basin == K - 1 && at[2].basin == 1 && label[K - 1] == 2);
    for (j = 0; j < K; ++j) CHECK(label[j] >= 0 && label[j] < 3);
    { /* the float32 path: the same census (odd n * k: the workspace's alignment matters) */
        static float wf[N * N], xf[N], rf[N * K];
        fp_census csf;
        fp_attractor atf[4];
        for (i = 0; i < N * N; ++i) wf[i] = (float)w[i];
        for (i = 0; i < N; ++i) xf[i] = 0;
        rng.s = 5;
        for (i = 0; i < N; ++i) for (j = 0; j < K; ++j) rf[i * K + j] = j == K - 1 ? 0.0f : (float)fpt_uniform(&rng);
        CHECK(fp_census_f32(NULL, &act, fp_mat_rowmajor_f32(wf, N, N), fp_mat_vec_f32(xf, N), fp_mat_rowmajor_f32(rf, N, K), atf, 4, NULL,
                            &csf) == FP_OK);
        CHECK(csf.attractors == 3 && atf[0].basin == at[0].basin && atf[2].spectrum.verdict == FP_UNSTABLE);
    }
    /* bad input: no runs (K = 0) and no units (N = 0), in the old calls' strides */
    CHECK(fp_census_f64(NULL, &act, W, X, fp_mat_strided_f64(r, N, 0, K, 1), at, 4, label, &cs) == FP_ERR_INVALID_ARG);
    CHECK(fp_census_f64(NULL, &act, fp_mat_strided_f64(w, 0, 0, N, 1), fp_mat_vec_f64(x, 0), fp_mat_strided_f64(r, 0, K, K, 1), at, 4,
                        label, &cs) == FP_ERR_INVALID_ARG);
    x[3] = INFINITY;
    CHECK(fp_census_f64(NULL, &act, W, X, R, at, 4, label, &cs) == FP_ERR_NON_FINITE);
}

/* r = tanh(2 R(0.8) r): the origin is an unstable focus (2 cos 0.8 = 1.39 > 1) and the orbit circles:
 * no run settles, and the census says so instead of inventing a fixed point. */
static void census_flags_a_limit_cycle(void)
{
    double w[4] = { 2 * cos(0.8), -2 * sin(0.8), 2 * sin(0.8), 2 * cos(0.8) }, x[2] = { 0, 0 };
    double r[2 * 4] = { 0.1, -0.5, 0.9, 0.01, 0.2, 0.3, -0.7, 0.02 };
    int label[4], j;
    fp_census cs;
    fp_attractor at[2];
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_census_config cc;
    memset(&cc, 0, sizeof cc);
    cc.solver = fp_solver_config_default(FP_SOLVER_EULER);
    cc.solver.step = 0.1; cc.solver.tol = 1e-9; cc.solver.max_iter = 5000;
    CHECK(fp_census_f64(&cc, &act, fp_mat_rowmajor_f64(w, 2, 2), fp_mat_vec_f64(x, 2), fp_mat_rowmajor_f64(r, 2, 4), at, 2, label, &cs) ==
          FP_OK);
    CHECKF(cs.attractors == 0 && cs.unsettled == 4, "%d attractors, %d unsettled", cs.attractors, cs.unsettled);
    for (j = 0; j < 4; ++j) CHECK(label[j] == -1 && hypot(r[j], r[4 + j]) > 0.3); /* on the cycle, not at 0 */
}

/* Large Delta (5.5 and 4.3): the predicted outlier against the leading eigenvalue of a simulated N = 1000
 * network, on both stable branches (this is where Gauss-Hermite quadrature went wrong). */
static void meanfield_outlier_matches_spectrum_at_large_delta(void)
{
    fp_meanfield_params p = { 0.3, 1.0, 1.0, 0.0, 1.0, 0.0, 3.0, 0.3, 0 };
    fp_meanfield_solution sol[4];
    fp_feedback_f64 fb;
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_spectrum_config sc = { 0, 0, 0, 100 };
    int n = 1000, count = 0, b, i;
    double *w = malloc(sizeof(double) * 1000 * 1000), r[1000], g[1000];
    fp_mat_f64 W = fp_mat_rowmajor_f64(w, n, n), G = fp_mat_vec_f64(g, n);
    CHECK(fp_meanfield_solve(&p, sol, 4, &count) == FP_OK && count == 3);
    CHECK(fp_feedback_init_f64(&fb, n, &p, 12) == FP_OK);
    CHECK(fp_feedback_weights_f64(&fb, W) == FP_OK);
    c.tol = 1e-10;
    c.warm_start = 1;
    for (b = 0; b < 3 && count == 3; b += 2) {
        fp_spectrum s;
        double z;
        for (i = 0; i < n; ++i) r[i] = tanh(sol[b].z * fb.m[i] + fb.in[i]);
        CHECK(fp_solve_f64(&c, &act, W, fp_mat_vec_f64(fb.in, n), fp_mat_vec_f64(r, n), G, NULL, NULL) == FP_OK);
        z = fp_vec_dot_f64(n, fb.nv, 1, r, 1) / n;
        CHECK(fp_stability_analyze_f64(&sc, W, G, &s, NULL, NULL, NULL) == FP_OK);
        printf("    z %.4f (mean-field %.4f, Delta %.2f): outlier %.4f, mean-field %.4f\n", z, sol[b].z, sol[b].delta, s.abscissa, sol[b].outlier);
        CHECK(fabs(z - sol[b].z) < 0.03 * fabs(sol[b].z) && fabs(s.abscissa - sol[b].outlier) < 0.1 * sol[b].outlier);
    }
    fp_feedback_free_f64(&fb);
    free(w);
}

static void meanfield_sweep_draws_the_pitchfork(void)
{
    /* read-out along the feedback only (rho = 0, s_m = 1, C = 1, p_I = 0): z = c_m z <phi'>; the pair
     * z != 0 appears where c_m <phi'>_(Delta at z=0) crosses 1, and z = 0 turns into a saddle */
    fp_meanfield_params p = { 0.5, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0 };
    fp_meanfield_cell cell[13];
    int i, seen3 = 0;
    CHECK(fp_meanfield_sweep(&p, FP_MF_P_M, 0.0, 3.0, 13, FP_MF_P_M, 0, 0, 1, cell) == FP_OK);
    for (i = 0; i < 13; ++i) {
        CHECK(cell[i].status == FP_OK && (cell[i].solutions == 1 || cell[i].solutions == 3));
        if (cell[i].solutions == 1) CHECK(!seen3 && cell[i].stable == 1 && fabs(cell[i].z_min) < 1e-9);
        else { seen3 = 1; CHECK(cell[i].stable == 2 && fabs(cell[i].z_min + cell[i].z_max) < 1e-9); }
    }
    CHECK(seen3 && cell[0].solutions == 1 && cell[12].solutions == 3);
    /* bad input: the call, and a cell */
    CHECK(fp_meanfield_sweep(&p, FP_MF_P_M, 0.0, 3.0, 0, FP_MF_G, 0, 0, 1, cell) == FP_ERR_INVALID_ARG);
    CHECK(fp_meanfield_sweep(&p, FP_MF_P_M, 0.0, NAN, 3, FP_MF_G, 0, 0, 1, cell) == FP_ERR_INVALID_ARG);
    CHECK(fp_meanfield_sweep(&p, (fp_meanfield_axis)99, 0.0, 1.0, 3, FP_MF_G, 0, 0, 1, cell) == FP_ERR_INVALID_ARG);
    CHECK(fp_meanfield_sweep(&p, FP_MF_G, -1.0, 0.5, 2, FP_MF_P_M, 1, 1, 1, cell) == FP_OK);
    CHECK(cell[0].status == FP_ERR_INVALID_ARG && cell[0].solutions == -1 && cell[1].status == FP_OK);
}

static const fp_meanfield_params paper = { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 };

/* The clamped state of pair (u, A), and the closed-loop residual and read-out there. */
static void clamped_check(fp_feedback_f64 *fb, double u, double A, double *zout, double *resid)
{
    int n = fb->n, i;
    double *w = malloc(sizeof(double) * (size_t)n * (size_t)n), *x = malloc(sizeof(double) * (size_t)n);
    double *r = malloc(sizeof(double) * (size_t)n), e = 0;
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    for (i = 0; i < n; ++i) x[i] = fb->m[i] * A + fb->in[i] * u;
    c.tol = 1e-12;
    fp_solve_f64(&c, &act, fp_mat_rowmajor_f64(fb->chi, n, n), fp_mat_vec_f64(x, n), fp_mat_vec_f64(r, n), fp_mat_vec_f64(NULL, n), NULL,
                 NULL);
    *zout = fp_vec_dot_f64(n, fb->nv, 1, r, 1) / n;
    CHECK(fp_feedback_weights_f64(fb, fp_mat_rowmajor_f64(w, n, n)) == FP_OK);
    for (i = 0; i < n; ++i) x[i] = fb->in[i] * u;
    fp_gemv_f64(FP_NOTRANS, n, n, 1.0, w, n, 1, r, 1, 1.0, x, 1);
    for (i = 0; i < n; ++i) e = fmax(e, fabs(tanh(x[i]) - r[i]));
    *resid = e;
    free(w); free(x); free(r);
}

static void least_squares_readout_meets_every_target(void)
{
    const double u[3] = { 0.5, 1.0, 1.5 }, A[3] = { -0.5, 0.8, 1.2 };
    fp_feedback_f64 fb;
    fp_feedback_parts parts;
    double z, res, norm0;
    int p;
    CHECK(fp_feedback_init_f64(&fb, 300, &paper, 3) == FP_OK);
    CHECK(fp_feedback_train_ls_f64(&fb, 3, u, A, 0.0, NULL) == FP_OK);
    for (p = 0; p < 3; ++p) {
        clamped_check(&fb, u[p], A[p], &z, &res);
        CHECKF(fabs(z - A[p]) < 1e-8 && res < 1e-9, "pair %d: z %.10f target %.2f, residual %.2e", p, z, A[p], res);
    }
    CHECK(fp_feedback_decompose_f64(&fb, NULL, &parts) == FP_OK);
    norm0 = parts.norm;
    printf("    least squares, 3 pairs: |n|/sqrt N %.3f = %.3f m %+.3f I + rest %.3f (rest fraction %.2f)\n", parts.norm,
           parts.a_m, parts.a_I, parts.rest, parts.rest_fraction);
    CHECK(fp_feedback_train_ls_f64(&fb, 3, u, A, 0.1, NULL) == FP_OK);
    CHECK(fp_feedback_decompose_f64(&fb, NULL, &parts) == FP_OK && parts.norm < norm0);
    clamped_check(&fb, u[1], A[1], &z, &res);
    CHECK(fabs(z - A[1]) > 1e-4); /* ridge trades accuracy for norm */
    /* bad input, and dependent pairs */
    CHECK(fp_feedback_train_ls_f64(&fb, 0, u, A, 0.0, NULL) == FP_ERR_INVALID_ARG);
    CHECK(fp_feedback_train_ls_f64(&fb, 3, u, A, -1.0, NULL) == FP_ERR_INVALID_ARG);
    {
        const double u2[2] = { 1, 1 }, A2[2] = { 0.5, 0.5 }, un[1] = { NAN };
        CHECK(fp_feedback_train_ls_f64(&fb, 2, u2, A2, 0.0, NULL) == FP_ERR_SINGULAR);
        CHECK(fp_feedback_train_ls_f64(&fb, 1, un, A2, 0.0, NULL) == FP_ERR_INVALID_ARG);
    }
    fp_feedback_free_f64(&fb);
}

static void decomposition_recovers_the_parts(void)
{
    fp_feedback_f64 fb;
    fp_feedback_parts parts;
    double *v;
    int i, n = 200;
    CHECK(fp_feedback_init_f64(&fb, n, &paper, 9) == FP_OK);
    v = malloc(sizeof(double) * (size_t)n);
    /* x_I is correlated with I but orthogonal to w and x_m; its part outside span(m, I) is the rest */
    for (i = 0; i < n; ++i) v[i] = 2.0 * fb.m[i] - 0.5 * fb.in[i];
    CHECK(fp_feedback_decompose_f64(&fb, v, &parts) == FP_OK);
    CHECK(fabs(parts.a_m - 2.0) < 1e-12 && fabs(parts.a_I + 0.5) < 1e-12 && parts.rest < 1e-6 && parts.rest_fraction < 1e-12);
    /* the constructed read-out C (p w + p_m x_m + p_I x_I): the projections give back C p, C p_m, C p_I */
    CHECK(fp_feedback_decompose_f64(&fb, NULL, &parts) == FP_OK);
    CHECK(fabs(parts.mf.p - fb.p.C * paper.p) < 1e-12 && fabs(parts.mf.p_m - fb.p.C * paper.p_m) < 1e-12 &&
          fabs(parts.mf.p_I - fb.p.C * paper.p_I) < 1e-12 && parts.mf.C == 1);
    free(v);
    fp_feedback_free_f64(&fb);
}

/* dL/dn through the closed loop against central differences of solve-then-loss (float64). */
static void readout_gradient_matches_finite_differences(void)
{
    enum { N = 40, P = 2 };
    const double u[P] = { 1.0, 0.6 }, A[P] = { 0.7, -0.3 };
    fp_meanfield_params p = paper;
    fp_feedback_f64 fb;
    double r0[N * P], r[N * P], grad[N], g2[N], L, Lp, Lm, worst = 0;
    int j;
    p.C = 0.8;
    CHECK(fp_feedback_init_f64(&fb, N, &p, 4) == FP_OK);
    memset(r0, 0, sizeof r0);
    CHECK(fp_feedback_loss_grad_f64(&fb, P, u, A, r0, grad, &L, NULL) == FP_OK);
    for (j = 0; j < N; ++j) {
        const double h = 1e-4, keep = fb.nv[j];
        double fd;
        memcpy(r, r0, sizeof r); fb.nv[j] = keep + h;
        CHECK(fp_feedback_loss_grad_f64(&fb, P, u, A, r, g2, &Lp, NULL) == FP_OK);
        memcpy(r, r0, sizeof r); fb.nv[j] = keep - h;
        CHECK(fp_feedback_loss_grad_f64(&fb, P, u, A, r, g2, &Lm, NULL) == FP_OK);
        fb.nv[j] = keep;
        fd = (Lp - Lm) / (2 * h);
        worst = fmax(worst, fabs(fd - grad[j]) / (fabs(grad[j]) + 1e-3 * fp_vec_norm2_f64(N, grad, 1) / sqrt(N)));
    }
    printf("    dL/dn vs central differences, N=%d, P=%d, L=%.4f: worst relative error %.2e\n", N, P, L, worst);
    CHECK(worst < 1e-6);
    fp_feedback_free_f64(&fb);
}

static void gradient_descent_readout_reaches_its_target(void)
{
    const double u[1] = { 1.0 }, A[1] = { 1.0 };
    fp_feedback_f64 fb;
    fp_feedback_gd_report rep;
    fp_feedback_parts parts;
    double z, res;
    int i;
    CHECK(fp_feedback_init_f64(&fb, 200, &paper, 6) == FP_OK);
    for (i = 0; i < 200; ++i) fb.nv[i] = 0; /* from no feedback at all */
    CHECK(fp_feedback_train_gd_f64(&fb, 1, u, A, NULL, NULL, &rep) == FP_OK);
    CHECK(fp_feedback_decompose_f64(&fb, NULL, &parts) == FP_OK);
    printf("    gradient descent from n = 0: loss %.2e after %d steps (%d halvings); n = %.3f m %+.3f I + rest %.3f\n",
           rep.loss, rep.steps, rep.halvings, parts.a_m, parts.a_I, parts.rest);
    CHECK(rep.loss < 1e-10 && rep.steps > 0);
    clamped_check(&fb, u[0], A[0], &z, &res);
    CHECKF(fabs(z - A[0]) < 1e-4, "z at the clamped state %.6f", z);
    fp_feedback_free_f64(&fb);
}

const fpt_test fpt_stability_tests[] = {
    { "stability_verdicts_on_known_spectra", stability_verdicts_on_known_spectra },
    { "stability_outlier_and_bulk_of_a_random_network", stability_outlier_and_bulk_of_a_random_network },
    { "census_finds_the_two_states_of_a_bistable_network", census_finds_the_two_states_of_a_bistable_network },
    { "census_flags_a_limit_cycle", census_flags_a_limit_cycle },
    { "meanfield_outlier_matches_spectrum_at_large_delta", meanfield_outlier_matches_spectrum_at_large_delta },
    { "meanfield_sweep_draws_the_pitchfork", meanfield_sweep_draws_the_pitchfork },
    { "least_squares_readout_meets_every_target", least_squares_readout_meets_every_target },
    { "decomposition_recovers_the_parts", decomposition_recovers_the_parts },
    { "readout_gradient_matches_finite_differences", readout_gradient_matches_finite_differences },
    { "gradient_descent_readout_reaches_its_target", gradient_descent_readout_reaches_its_target },
    { NULL, NULL }
};
