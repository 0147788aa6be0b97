/* What a result says about itself: the tolerance a solve met, whether a converged fixed point is stable,
 * and which mean-field solution is the trained target. */
#include <float.h>
#include <stdio.h>
#include <string.h>
#include "util.h"
#include "../fixpoint.h"

/* Row-major views (inputs may be const: the library only reads them) and the absent view. */
static fp_mat_f64 rm64(const double *p, int rows, int cols) { return fp_mat_rowmajor_f64((double *)p, rows, cols); }
static fp_mat_f32 rm32(const float *p, int rows, int cols) { return fp_mat_rowmajor_f32((float *)p, rows, cols); }
#define NONE64 fp_mat_rowmajor_f64(NULL, 0, 0)
#define NONE32 fp_mat_rowmajor_f32(NULL, 0, 0)

/* A float solve asked for 1e-9 cannot meet it: it reports the tolerance it did meet (32 float eps),
 * and its residual is within that; a double solve keeps the requested 1e-9. */
static void solve_report_states_the_tolerance_in_force(void)
{
    enum { N = 24, B = 3 };
    fpt_rng rng = { 3 };
    double *w = fpt_randn(N, N, 0.6, &rng), x[N * B], r[N * B];
    float wf[N * N], xf[N * B], rf[N * B];
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_solve_report rep;
    int i;
    for (i = 0; i < N * N; ++i) wf[i] = (float)w[i];
    for (i = 0; i < N * B; ++i) { x[i] = fpt_uniform(&rng); xf[i] = (float)x[i]; }
    c.tol = 1e-9;
    memset(&rep, 0, sizeof rep);
    CHECK(fp_solve_f32(&c, &act, rm32(wf, N, N), rm32(xf, N, B), rm32(rf, N, B), NONE32, &rep, NULL) == FP_OK);
    CHECKF(rep.tol == 32.0 * FLT_EPSILON, "float tol in force %.3g", rep.tol);
    CHECK(rep.max_residual <= rep.tol);
    printf("    float, tol 1e-9 asked: in force %.3g, residual %.2g\n", rep.tol, rep.max_residual);
    memset(&rep, 0, sizeof rep);
    CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), NONE64, &rep, NULL) == FP_OK);
    CHECK(rep.tol == 1e-9 && rep.max_residual <= 1e-9);
    free(w);
}

/* W = 1.5 I with tanh and x = 0 is bistable: r = 0 is a saddle, r = +-r* (tanh(1.5 r*) = r*) are stable.
 * Newton and Anderson started at 0 return r = 0 with FP_OK; the cheap query (fp_stability with Arnoldi)
 * says it is unstable (leading eigenvalue of G W is 1.5), and says the warm-started +-r* are stable. */
static void a_converged_saddle_is_flagged_by_the_stability_query(void)
{
    enum { N = 10, B = 2 };
    double w[N * N], x[N * B], r[N * B], g[N * B], re[B], im[B], saddle;
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    int i, m;
    for (i = 0; i < N * N; ++i) w[i] = i % (N + 1) == 0 ? 1.5 : 0.0;
    for (i = 0; i < N * B; ++i) x[i] = 0;
    for (m = 0; m < 2; ++m) {
        fp_solver_config c = fp_solver_config_default(m ? FP_SOLVER_NEWTON : FP_SOLVER_ANDERSON);
        CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
        CHECK(fp_vec_max_abs_f64(N * B, r, 1) == 0);
        CHECK(fp_stability_f64(rm64(w, N, N), rm64(g, N, B), 0, re, im, NULL) == FP_OK);
        CHECKF(re[0] > 1.4 && re[1] > 1.4, "saddle's leading eigenvalue %.4f", re[0]);
        saddle = re[0];
        c.warm_start = 1;
        for (i = 0; i < N; ++i) { r[i * B] = 1; r[i * B + 1] = -1; }
        CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
        CHECK(fp_stability_f64(rm64(w, N, N), rm64(g, N, B), 0, re, im, NULL) == FP_OK);
        CHECKF(re[0] < 1 && re[1] < 1, "stable states' leading eigenvalues %.4f %.4f", re[0], re[1]);
        printf("    %s: saddle at 0 converged (FP_OK), leading eigenvalue %.3f; r* = %.4f: %.3f\n",
               m ? "newton" : "anderson", saddle, r[0], re[0]);
    }
}

/* A sweep over the target A (Fig. 1e read-out) says whether the target itself is stable. Around A = -0.74
 * the counts stay (3 solutions, 2 stable) while the target turns from a stable state into the saddle: only
 * target_stable tells the two sides apart. Each cell agrees with a direct teacher-force + solve. */
static void meanfield_sweep_says_whether_the_target_is_stable(void)
{
    enum { NX = 21 };
    fp_meanfield_params b;
    fp_meanfield_cell c[NX];
    int i, flips = 0, same_counts_flip = 0;
    memset(&b, 0, sizeof b);
    b.g = 0.3; b.s_m = 1.2; b.s_I = 0.5; b.rho = 0.5; b.C = 1; b.p = 1; b.p_m = 1; b.p_I = 0.3;
    CHECK(fp_meanfield_sweep(&b, FP_MF_TARGET, -1.0, -0.5, NX, FP_MF_TARGET, 0, 0, 1, c) == FP_OK);
    for (i = 0; i < NX; ++i) {
        fp_meanfield_params p = b;
        fp_meanfield_solution s[16];
        int cnt = 0, k, kb = -1;
        CHECK(c[i].status == FP_OK && (c[i].target_stable == 0 || c[i].target_stable == 1));
        CHECK(fp_meanfield_teacher_scale(&p, c[i].x) == FP_OK && fp_meanfield_solve(&p, s, 16, &cnt) == FP_OK);
        for (k = 0; k < cnt && k < 16; ++k)
            if (kb < 0 || fabs(s[k].z - c[i].x) < fabs(s[kb].z - c[i].x)) kb = k;
        CHECK(kb >= 0 && fabs(s[kb].z - c[i].x) < 1e-6 && s[kb].stable == c[i].target_stable);
        CHECK(c[i].target_outlier == s[kb].outlier);
        if (i > 0 && c[i].target_stable != c[i - 1].target_stable) {
            ++flips;
            same_counts_flip += c[i].solutions == c[i - 1].solutions && c[i].stable == c[i - 1].stable;
            printf("    target turns %s between A = %.3f and %.3f (outlier %.3f -> %.3f); counts %d/%d on both sides\n",
                   c[i].target_stable ? "stable" : "unstable", c[i - 1].x, c[i].x, c[i - 1].target_outlier,
                   c[i].target_outlier, c[i].solutions, c[i].stable);
        }
    }
    CHECK(flips == 1 && same_counts_flip == 1);
    /* a sweep without a target axis has no target */
    CHECK(fp_meanfield_sweep(&b, FP_MF_G, 0.1, 0.5, 3, FP_MF_G, 0, 0, 1, c) == FP_OK);
    CHECK(c[0].target_stable == -1 && c[0].target_outlier != c[0].target_outlier);
}

/* X and R as the left and right halves of one row-major buffer share no element: the overlap check lets
 * the solve run (and it equals the solve on separate buffers); V on R with dW asked for is refused; a
 * stability query that fails (NaN gain) leaves re and im as they were. */
static void interleaved_views_pass_and_true_overlaps_do_not(void)
{
    enum { N = 6, B = 2 };
    fpt_rng rng = { 8 };
    double *w = fpt_randn(N, N, 0.5, &rng), buf[N * 2 * B], x[N * B], r[N * B], g[N * B], v[N * B], d[N * B], dw[N * N];
    double re[B] = { 7, 7 }, im[B] = { 7, 7 };
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_adjoint_config ac = fp_adjoint_config_default();
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    int i, j;
    for (i = 0; i < N; ++i)
        for (j = 0; j < B; ++j) { x[i * B + j] = fpt_uniform(&rng); buf[i * 2 * B + j] = x[i * B + j]; d[i * B + j] = 1; }
    CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), fp_mat_strided_f64(buf, N, B, 2 * B, 1), fp_mat_strided_f64(buf + B, N, B, 2 * B, 1),
                       NONE64, NULL, NULL) == FP_OK);
    for (i = 0; i < N; ++i)
        for (j = 0; j < B; ++j) CHECK(buf[i * 2 * B + B + j] == r[i * B + j]);
    /* V on R (read for dW = V R^T): refused by name, R and dW untouched */
    {
        double r0[N * B];
        memcpy(r0, r, sizeof r0);
        for (i = 0; i < N * N; ++i) dw[i] = -777.25;
        EXPECT_USAGE(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(r, N, B),
                                          rm64(dw, N, N), NULL, NULL));
        CHECK(strstr(fpt_usage_msg, "fp_implicit_grad_f64: V must not overlap") != NULL);
        CHECK(memcmp(r0, r, sizeof r0) == 0);
        for (i = 0; i < N * N; ++i) CHECK(dw[i] == -777.25);
    }
    CHECK(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), rm64(dw, N, N),
                               NULL, NULL) == FP_OK);
    g[2] = NAN; /* column 0: the first column analysed fails */
    CHECK(fp_stability_f64(rm64(w, N, N), rm64(g, N, B), N, re, im, NULL) != FP_OK);
    CHECK(re[0] == 7 && im[0] == 7 && re[1] == 7 && im[1] == 7);
    free(w);
}

const fpt_test fpt_report_tests[] = {
    { "interleaved_views_pass_and_true_overlaps_do_not", interleaved_views_pass_and_true_overlaps_do_not },
    { "solve_report_states_the_tolerance_in_force", solve_report_states_the_tolerance_in_force },
    { "a_converged_saddle_is_flagged_by_the_stability_query", a_converged_saddle_is_flagged_by_the_stability_query },
    { "meanfield_sweep_says_whether_the_target_is_stable", meanfield_sweep_says_whether_the_target_is_stable },
    { NULL, NULL }
};
