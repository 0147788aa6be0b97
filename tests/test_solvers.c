/* Fixed-point solvers against known solutions, their convergence reports, and implicit gradients
 * against central finite differences of the full solve-then-loss (float64). */
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "util.h"
#include "../fixpoint.h"

/* Row-major views (inputs may be const: the library only reads them) and the absent view. */
static fp_mat_f64 rm64(const double *p, int rows, int cols) { return fp_mat_rowmajor_f64((double *)p, rows, cols); }
static fp_mat_f32 rm32(const float *p, int rows, int cols) { return fp_mat_rowmajor_f32((float *)p, rows, cols); }
#define NONE64 fp_mat_rowmajor_f64(NULL, 0, 0)
#define NONE32 fp_mat_rowmajor_f32(NULL, 0, 0)

static const fp_solver_method methods[] = { FP_SOLVER_EULER, FP_SOLVER_DAMPED, FP_SOLVER_ANDERSON, FP_SOLVER_NEWTON };
static const char *method_name[] = { "default", "euler", "damped", "anderson", "newton" };

/* A known fixed point: pick R* in (-0.9, 0.9) and set X = atanh(R*) - W R* (tanh), or X = R* - W R*. */
static void make_known(int n, int b, const double *w, int linear, fpt_rng *r, double *rstar, double *x)
{
    int i, j, k;
    for (i = 0; i < n * b; ++i) rstar[i] = 0.9 * fpt_uniform(r);
    for (i = 0; i < n; ++i)
        for (j = 0; j < b; ++j) {
            double s = 0;
            for (k = 0; k < n; ++k) s += w[i * n + k] * rstar[k * b + j];
            x[i * b + j] = (linear ? rstar[i * b + j] : atanh(rstar[i * b + j])) - s;
        }
}

static void every_solver_finds_a_known_fixed_point(void)
{
    static const int sizes[][2] = { { 1, 1 }, { 5, 3 }, { 40, 3 }, { 100, 7 } };
    size_t s, m;
    int lin;
    for (s = 0; s < 4; ++s)
        for (lin = 0; lin < 2; ++lin) {
            int n = sizes[s][0], b = sizes[s][1];
            fpt_rng rg = { 100u + (unsigned)s };
            double *w = fpt_randn(n, n, 0.6, &rg), *rs = malloc(sizeof(double) * (size_t)(n * b));
            double *x = malloc(sizeof(double) * (size_t)(n * b)), *r = malloc(sizeof(double) * (size_t)(n * b));
            fp_activation act = fp_activation_make(lin ? FP_ACT_IDENTITY : FP_ACT_TANH);
            make_known(n, b, w, lin, &rg, rs, x);
            for (m = 0; m < 4; ++m) {
                fp_solver_config c = fp_solver_config_default(methods[m]);
                fp_solve_report rep;
                fp_status st;
                memset(&rep, 0, sizeof rep);
                c.tol = 1e-11;
                c.max_iter = 100000;
                st = fp_solve_f64(&c, &act, rm64(w, n, n), rm64(x, n, b), rm64(r, n, b), NONE64, &rep, NULL);
                CHECKF(st == FP_OK && rep.converged == b, "%s n=%d %s: %s (%s)", method_name[methods[m]], n,
                       lin ? "linear" : "tanh", fp_status_str(st), rep.message ? rep.message : "");
                CHECKF(fpt_maxdiff(r, rs, n * b) < 1e-8, "%s n=%d: |R - R*| = %g", method_name[methods[m]], n,
                       fpt_maxdiff(r, rs, n * b));
            }
            free(w); free(rs); free(x); free(r);
        }
}

/* Columns stop costing work when they converge: per-column counts differ, results match solo solves. */
/* Columns stop at their own iteration and keep the iterate whose residual was measured: each column of a
 * batch equals the same column solved alone - within 1e-9 for Anderson, and bit for bit for the damped
 * and Euler iterations (to rounding with BLIS), whose forward map also takes the step and swaps the iterate's buffer with the
 * image's (a column that stops must not come back one step further on). */
static void converged_columns_stop_and_match_solo_solves(void)
{
    enum { N = 30, B = 4 };
    static const fp_solver_method methods[] = { FP_SOLVER_ANDERSON, FP_SOLVER_DAMPED, FP_SOLVER_EULER };
    fpt_rng rg = { 7 };
    double *w = fpt_randn(N, N, 0.9, &rg), x[N * B], r[N * B], r1[N], x1[N], res[B];
    int its[B], j, i, m;
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    for (i = 0; i < N; ++i)
        for (j = 0; j < B; ++j) x[i * B + j] = (j + 1) * (j + 1) * 0.5 * fpt_uniform(&rg);
    for (m = 0; m < 3; ++m) {
        fp_solver_config c = fp_solver_config_default(methods[m]);
        fp_solve_report rep;
        int distinct = 0, exact = methods[m] != FP_SOLVER_ANDERSON;
        memset(&rep, 0, sizeof rep);
        rep.col_iterations = its;
        rep.col_residual = res;
        c.tol = exact ? 1e-8 : 1e-10;
        c.max_iter = 20000;
        CHECKF(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), NONE64, &rep, NULL) == FP_OK, "%s", method_name[methods[m]]);
        for (j = 1; j < B; ++j) distinct += its[j] != its[0];
        CHECKF(distinct > 0, "%s: all columns took %d iterations", method_name[methods[m]], its[0]);
        for (j = 0; j < B; ++j) {
            double worst = 0;
            CHECK(res[j] <= c.tol);
            for (i = 0; i < N; ++i) x1[i] = x[i * B + j];
            CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), fp_mat_vec_f64(x1, N), fp_mat_vec_f64(r1, N), NONE64, NULL, NULL) == FP_OK);
            for (i = 0; i < N; ++i) worst = fmax(worst, fabs(r1[i] - r[i * B + j]));
#ifdef FIXPOINT_USE_BLIS
            /* BLIS picks its kernels by the product's width: the sums agree to rounding, not bits; one step
             * too many would still show (about step x tol = 1e-9) */
            CHECKF(worst < (exact ? 1e-13 : 1e-9), "%s column %d: solo and batch differ by %g", method_name[methods[m]], j, worst);
#else
            CHECKF(exact ? worst == 0 : worst < 1e-9, "%s column %d: solo and batch differ by %g", method_name[methods[m]], j, worst);
#endif
        }
        printf("    %s column iterations:", method_name[methods[m]]);
        for (j = 0; j < B; ++j) printf(" %d", its[j]);
        printf("\n");
    }
    free(w);
}

/* Anderson needs at most a third of the damped iterations to 1e-8 on tanh with rho(W) = 0.95 when W's
 * spectrum is real (symmetric W, eigenvalues spread over [-0.95, 0.95]). On a circular spectrum (random
 * Gaussian or orthogonal W) no Krylov-type method beats plain iteration - the best polynomial on a disk
 * centred at 1 is z^k - so there we only require Anderson to be no slower than damped iteration. */
static int iterations_to(const double *w, const double *x, int n, int b, fp_solver_method m, double step)
{
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_solver_config c = fp_solver_config_default(m);
    fp_solve_report rep;
    double *r = malloc(sizeof(double) * (size_t)(n * b));
    memset(&rep, 0, sizeof rep);
    c.tol = 1e-8;
    if (step > 0) c.step = step;
    CHECK(fp_solve_f64(&c, &act, rm64(w, n, n), rm64(x, n, b), rm64(r, n, b), NONE64, &rep, NULL) == FP_OK);
    free(r);
    return rep.iterations;
}

static void anderson_beats_damped_iteration_threefold(void)
{
    enum { N = 200, B = 8 };
    fpt_rng rg = { 42 };
    double *q = fpt_orthogonal(N, 1.0, &rg), *ws = malloc(sizeof(double) * N * N), x[N * B];
    double *wg = fpt_randn(N, N, 0.95, &rg), *wo = fpt_orthogonal(N, 0.95, &rg);
    const double *ww[3];
    const char *name[3] = { "symmetric, real spectrum", "Gaussian, disk", "orthogonal, circle" };
    int i, j, k, d5, d1, an;
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) {
            double s = 0;
            for (k = 0; k < N; ++k) s += q[i * N + k] * q[j * N + k] * 0.95 * (2.0 * k / (N - 1) - 1.0);
            ws[i * N + j] = s;
        }
    for (i = 0; i < N * B; ++i) x[i] = 0.3 * fpt_gauss(&rg);
    ww[0] = ws; ww[1] = wg; ww[2] = wo;
    for (i = 0; i < 3; ++i) {
        d5 = iterations_to(ww[i], x, N, B, FP_SOLVER_DAMPED, 0.5);
        d1 = iterations_to(ww[i], x, N, B, FP_SOLVER_DAMPED, 1.0);
        an = iterations_to(ww[i], x, N, B, FP_SOLVER_ANDERSON, 0);
        printf("    iterations to 1e-8, tanh, N=%d, rho(W)=0.95, %s: damped(0.5) %d, plain(1.0) %d, anderson(m=5) %d\n",
               N, name[i], d5, d1, an);
        if (i == 0) CHECK(3 * an <= d5);
        else CHECK(an <= d5);
    }
    free(q); free(ws); free(wg); free(wo);
}

/* No stable fixed point: Euler and damped iteration report max-iterations (tanh) or divergence (linear);
 * whatever Anderson and Newton return is honest: converged only with a true residual below tol. */
static void unstable_networks_are_reported_not_hidden(void)
{
    enum { N = 50, B = 2 };
    fpt_rng rg = { 9 };
    double *w = fpt_orthogonal(N, 3.0, &rg), x[N * B], r[N * B], z[N * B];
    size_t m;
    int lin, i, j, k;
    for (i = 0; i < N * B; ++i) x[i] = 0.1 * fpt_gauss(&rg);
    for (lin = 0; lin < 2; ++lin)
        for (m = 0; m < 4; ++m) {
            fp_activation act = fp_activation_make(lin ? FP_ACT_IDENTITY : FP_ACT_TANH);
            fp_solver_config c = fp_solver_config_default(methods[m]);
            fp_solve_report rep;
            fp_status st;
            memset(&rep, 0, sizeof rep);
            c.max_iter = methods[m] == FP_SOLVER_NEWTON ? 100 : 3000;
            st = fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), NONE64, &rep, NULL);
            printf("    W = 3 Q, %s, %s: %s after %d iterations, residual %.3g\n", lin ? "linear" : "tanh",
                   method_name[methods[m]], fp_status_str(st), rep.iterations, rep.max_residual);
            CHECK(rep.iterations <= c.max_iter);
            if (methods[m] == FP_SOLVER_EULER || methods[m] == FP_SOLVER_DAMPED)
                CHECK(st == (lin ? FP_ERR_DIVERGED : FP_ERR_NOT_CONVERGED));
            if (st == FP_OK) {
                /* verify independently: r = f(W r + x) to tolerance */
                double num = 0, den = 0;
                for (i = 0; i < N; ++i)
                    for (j = 0; j < B; ++j) {
                        double s = x[i * B + j];
                        for (k = 0; k < N; ++k) s += w[i * N + k] * r[k * B + j];
                        z[i * B + j] = lin ? s : tanh(s);
                        num += (z[i * B + j] - r[i * B + j]) * (z[i * B + j] - r[i * B + j]);
                        den += r[i * B + j] * r[i * B + j];
                    }
                CHECK(sqrt(num) <= 1e-5 * (sqrt(den) > 1e-6 ? sqrt(den) : 1e-6));
            }
            CHECK(rep.max_residual == rep.max_residual);
        }
    free(w);
}

static void bad_inputs_and_settings_are_rejected(void)
{
    double w[4] = { 0.1, 0.2, 0.3, 0.1 }, x[2] = { 1, 2 }, r[2] = { 7, 7 };
    fp_activation act = fp_activation_make(FP_ACT_TANH), bad = fp_activation_make(FP_ACT_CUSTOM);
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_solve_report rep;
    fp_mat_f64 W = rm64(w, 2, 2), X = rm64(x, 2, 1), R = rm64(r, 2, 1);
    memset(&rep, 0, sizeof rep);
    w[3] = NAN;
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_ERR_NON_FINITE);
    CHECK(rep.message != NULL);
    CHECK(r[0] == 7 && r[1] == 7); /* rejected before anything was written */
    w[3] = 0.1;
    x[1] = INFINITY;
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_ERR_NON_FINITE);
    x[1] = 2;
    c.tol = -1;
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_ERR_INVALID_ARG);
    c = fp_solver_config_default(FP_SOLVER_DAMPED);
    c.step = 2;
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_ERR_INVALID_ARG);
    c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    c.anderson_m = 100;
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_ERR_INVALID_ARG);
    c.anderson_m = 0;
    c.method = (fp_solver_method)99;
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_ERR_INVALID_ARG);
    c.method = FP_SOLVER_ANDERSON;
    CHECK(fp_solve_f64(&c, &bad, W, X, R, NONE64, &rep, NULL) == FP_ERR_INVALID_ARG);
    /* n = 0: a 0 x 0 W (same memory, old strides 2, 1), 0 x 1 X and R */
    CHECK(fp_solve_f64(&c, &act, fp_mat_strided_f64(w, 0, 0, 2, 1), fp_mat_strided_f64(x, 0, 1, 1, 1),
                       fp_mat_strided_f64(r, 0, 1, 1, 1), NONE64, &rep, NULL) == FP_ERR_INVALID_ARG);
    CHECK(fp_solve_f64(&c, &act, W, X, R, NONE64, &rep, NULL) == FP_OK);
    CHECK(r[0] == r[0]);
    /* W absent: a usage error naming W, R left as it was */
    r[0] = r[1] = 7;
    EXPECT_USAGE(fp_solve_f64(&c, &act, rm64(NULL, 2, 2), X, R, NONE64, &rep, NULL));
    CHECK(strstr(fpt_usage_msg, "fp_solve_f64: W must be") != NULL);
    CHECK(r[0] == 7 && r[1] == 7);
}

static void float32_solver_converges(void)
{
    enum { N = 64, B = 5 };
    fpt_rng rg = { 3 };
    double *wd = fpt_randn(N, N, 0.8, &rg);
    float w[N * N], x[N * B], r[N * B], g[N * B];
    int i;
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    for (i = 0; i < N * N; ++i) w[i] = (float)wd[i];
    for (i = 0; i < N * B; ++i) x[i] = (float)fpt_gauss(&rg);
    for (i = 0; i < 4; ++i) {
        fp_solver_config c = fp_solver_config_default(methods[i]);
        fp_solve_report rep;
        memset(&rep, 0, sizeof rep);
        c.tol = 1e-5;
        CHECKF(fp_solve_f32(&c, &act, rm32(w, N, N), rm32(x, N, B), rm32(r, N, B), rm32(g, N, B), &rep, NULL) == FP_OK, "%s", method_name[methods[i]]);
        CHECK(rep.max_residual <= 1e-5);
    }
    free(wd);
}

/* Column j's relative residual ||tanh(W r + x) - r|| / max(||r||, floor), in double, of float N x B
 * row-major W, X, R: the reference the float solves' reports are held to. */
static double tanh_resid32(const float *w, const float *x, const float *r, int n, int b, int j, double floor)
{
    double num = 0, den = 0;
    int i, k;
    for (i = 0; i < n; ++i) {
        double z = x[i * b + j], d;
        for (k = 0; k < n; ++k) z += (double)w[i * n + k] * r[k * b + j];
        d = tanh(z) - r[i * b + j];
        num += d * d;
        den += (double)r[i * b + j] * r[i * b + j];
    }
    return sqrt(num) / fmax(sqrt(den), floor);
}

/* The float Euler step with tanh: on a vector path the step and the residual sums ride behind the
 * tanh in one pass, the sums in float. Each column must still equal its solo solve bit for bit (B = 87:
 * on AVX-512 a group of four vectors, a single vector and a padded tail; on AVX2 vectors and a tail),
 * its reported residual must be the residual of the iterate it returned, and a float sum that overflows
 * must not turn into a verdict of its own: an iterate of 1e20 from the warm start is a diverged column
 * (as its double sums say), not a non-finite one, and with diverge_at raised above it the column runs on
 * while its neighbours keep their bits and their own residuals (pass 3 stops while the remade map's
 * double sums are still in use for that column). */
static void float_euler_columns_match_solo_and_report_their_own_residual(void)
{
    enum { N = 40, B = 87, J = 3 };
    fpt_rng rg = { 11 };
    double *wd = fpt_randn(N, N, 1.2, &rg);
    static float w[N * N], x[N * B], r[N * B], r1[N], x1[N];
    double res[B], res1;
    int i, j, pass, its[B], its1;
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    for (i = 0; i < N * N; ++i) w[i] = (float)wd[i];
    for (i = 0; i < N * B; ++i) x[i] = (float)(0.8 * fpt_gauss(&rg));
    for (pass = 0; pass < 4; ++pass) { /* 0: from zero; 1: column J starts at 1e20; 2: the same, diverge_at 1e30;
                                           3: as 2, five steps */
        fp_solver_config c = fp_solver_config_default(FP_SOLVER_EULER);
        fp_solve_report rep;
        fp_status st, want = pass == 1 ? FP_ERR_DIVERGED : FP_ERR_NOT_CONVERGED;
        int diff = 0, rdiff = 0, far = 0;
        c.max_iter = 60;
        c.fixed_iterations = 1;
        c.warm_start = pass > 0;
        if (pass >= 2) { c.diverge_at = 1e30; c.step = 0.3; c.max_iter = pass == 2 ? 130 : 5; }
        for (i = 0; i < N * B; ++i) r[i] = pass > 0 && i % B == J ? (i / B % 2 ? 1e20f : -1e20f) : 0.0f;
        memset(&rep, 0, sizeof rep);
        rep.col_residual = res;
        rep.col_iterations = its;
        st = fp_solve_f32(&c, &act, rm32(w, N, N), rm32(x, N, B), rm32(r, N, B), NONE32, &rep, NULL);
        CHECKF(st == want, "pass %d: %s", pass, fp_status_str(st));
        for (j = 0; j < B; ++j) {
            fp_solve_report one;
            for (i = 0; i < N; ++i) { x1[i] = x[i * B + j]; r1[i] = pass > 0 && j == J ? (i % 2 ? 1e20f : -1e20f) : 0.0f; }
            memset(&one, 0, sizeof one);
            one.col_residual = &res1;
            one.col_iterations = &its1;
            fp_solve_f32(&c, &act, rm32(w, N, N), fp_mat_vec_f32(x1, N), fp_mat_vec_f32(r1, N), NONE32, &one, NULL);
#ifdef FIXPOINT_USE_BLIS
            /* BLIS picks its kernels by the product's width: a column's sums agree to rounding, not bits */
            for (i = 0; i < N; ++i) diff += !(fabsf(r1[i] - r[i * B + j]) <= 1e-4f * (1 + fabsf(r[i * B + j])));
            rdiff += its1 != its[j] || !(fabs(res1 - res[j]) <= 1e-3 * res[j] + 1e-6 || (pass == 1 && j == J));
#else
            for (i = 0; i < N; ++i) diff += memcmp(&r1[i], &r[i * B + j], sizeof(float)) != 0;
            rdiff += its1 != its[j] || memcmp(&res1, &res[j], sizeof(double)) != 0;
#endif
            if (pass >= 2 || (pass == 1 && j == J)) continue; /* pass 2's step 0.3 takes residuals to float's
                                                                 rounding; column J diverged at once in pass 1 */
            /* the residual of the returned iterate, in double: float sums and a float tanh within 1e-4 */
            far += !(fabs(res[j] - tanh_resid32(w, x, r, N, B, j, c.floor)) <= 1e-4 * res[j]);
        }
        printf("    pass %d: %s, column %d residual %.3g after %d iterations, column 0 %.3g\n", pass, fp_status_str(st), J, res[J], its[J], res[0]);
        CHECKF(diff == 0 && rdiff == 0, "pass %d: %d entries and %d columns' reports differ from solo solves", pass, diff, rdiff);
        CHECKF(far == 0, "pass %d: %d columns report a residual that is not their iterate's", pass, far);
        if (pass == 2) CHECK(fabs(r[J]) < 1e3f && res[J] == res[J]); /* pulled back from 1e20, measured all the way */
    }
    free(wd);
}

/* A floor far below the iterates (1e-25) with the input at zero: the iterates shrink toward 0 past the
 * point where float squares underflow (|r| near 1e-19), so a residual summed in float would read 0 and
 * stop the column early. The float solve must stop only where the iterate it returns meets the tolerance. */
static void float_residual_keeps_its_precision_under_a_tiny_floor(void)
{
    enum { N = 40, B = 5 };
    fpt_rng rg = { 5 };
    double *wd = fpt_randn(N, N, 0.3, &rg);
    float w[N * N], x[N * B], r[N * B];
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_EULER);
    fp_solve_report rep;
    fp_status st;
    double worst = 0;
    int i, j;
    for (i = 0; i < N * N; ++i) w[i] = (float)wd[i];
    for (i = 0; i < N * B; ++i) { x[i] = 0.0f; r[i] = (float)(0.5 * fpt_gauss(&rg)); }
    c.floor = 1e-25;
    c.warm_start = 1;
    c.max_iter = 20000;
    memset(&rep, 0, sizeof rep);
    st = fp_solve_f32(&c, &act, rm32(w, N, N), rm32(x, N, B), rm32(r, N, B), NONE32, &rep, NULL);
    CHECKF(st == FP_OK, "%s", fp_status_str(st));
    for (j = 0; j < B; ++j) worst = fmax(worst, tanh_resid32(w, x, r, N, B, j, c.floor));
    printf("    %d iterations, reported residual %.3g, the returned iterate's %.3g, |r| %.3g\n", rep.iterations,
           rep.max_residual, worst, fabs((double)r[0]));
    CHECK(worst <= 2 * rep.tol);
    free(wd);
}

/* ---------------------------------------------------------------- gradients by finite differences */
typedef struct gp {
    int n, b, p, k, loss; /* loss 0: MSE against T, 1: cross-entropy through W_out */
    fp_activation act;
    fp_adjoint_config adj;
    double *w, *win, *bias, *u, *wout, *bout, *t;
    int *labels;
} gp;

static double custom_f(double z, void *ctx) { (void)ctx; return atan(z); }
static double custom_df(double z, void *ctx) { (void)ctx; return 1.0 / (1.0 + z * z); }

/* L(params) by a tight solve from zero; grads wanted when dW etc. are non-NULL. */
static double gp_loss(const gp *q, double *dw, double *dx, double *dwin, double *db, double *dwout, int *ok)
{
    int n = q->n, b = q->b, i;
    double *x = malloc(sizeof(double) * (size_t)(n * b)), *r = malloc(sizeof(double) * (size_t)(n * b));
    double *g = malloc(sizeof(double) * (size_t)(n * b)), *dr = malloc(sizeof(double) * (size_t)(n * b));
    void *work = malloc(fp_loss_xent_workspace_size_f64(q->k, b));
    double L = NAN;
    fp_status st;
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_NEWTON);
    c.tol = 1e-14;
    c.max_iter = 100;
    /* X = W_in U + b */
    for (i = 0; i < n * b; ++i) x[i] = q->bias[i / b];
    fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, n, b, q->p, 1.0, q->win, q->p, 1, q->u, b, 1, 1.0, x, b, 1);
    if (fp_solve_f64(&c, &q->act, rm64(q->w, n, n), rm64(x, n, b), rm64(r, n, b), rm64(g, n, b), NULL, NULL) != FP_OK) *ok = 0;
    if (q->loss == 0) st = fp_loss_mse_f64(rm64(r, n, b), rm64(q->t, n, b), rm64(dr, n, b), &L);
    else st = fp_loss_xent_f64(rm64(q->wout, q->k, n), q->bout, rm64(r, n, b), q->labels, rm64(dr, n, b), rm64(dwout, q->k, n),
                               NULL, &L, NULL, work);
    if (st != FP_OK) *ok = 0;
    if (dw) {
        if (fp_implicit_grad_f64(&q->adj, rm64(q->w, n, n), rm64(r, n, b), rm64(g, n, b), rm64(dr, n, b), rm64(dx, n, b),
                                 rm64(dw, n, n), NULL, NULL) != FP_OK) *ok = 0;
        fp_gemm_f64(FP_NOTRANS, FP_TRANS, n, q->p, b, 1.0, dx, b, 1, q->u, b, 1, 0.0, dwin, q->p, 1);
        if (fp_mat_row_sum_f64(rm64(dx, n, b), fp_mat_vec_f64(db, n)) != FP_OK) *ok = 0;
    }
    free(x); free(r); free(g); free(dr); free(work);
    return L;
}

/* Central difference along a random direction D of one parameter block, against <grad, D>. */
static double fd_check(gp *q, double *param, int len, const double *grad, fpt_rng *rg, int *ok)
{
    double *d = malloc(sizeof(double) * (size_t)len), h = 1e-5, lp, lm, an = 0, fd, scale = 0;
    int i;
    for (i = 0; i < len; ++i) { d[i] = fpt_uniform(rg); an += grad[i] * d[i]; scale += fabs(grad[i] * d[i]); }
    for (i = 0; i < len; ++i) param[i] += h * d[i];
    lp = gp_loss(q, NULL, NULL, NULL, NULL, NULL, ok);
    for (i = 0; i < len; ++i) param[i] -= 2 * h * d[i];
    lm = gp_loss(q, NULL, NULL, NULL, NULL, NULL, ok);
    for (i = 0; i < len; ++i) param[i] += h * d[i];
    fd = (lp - lm) / (2 * h);
    free(d);
    return fabs(fd - an) / (scale > 1e-12 ? scale : 1e-12);
}

static void gradients_match_finite_differences(void)
{
    static const fp_act_kind kinds[] = { FP_ACT_TANH, FP_ACT_LOGISTIC, FP_ACT_SOFTPLUS, FP_ACT_RELU,
                                         FP_ACT_RECTPOW2, FP_ACT_IDENTITY, FP_ACT_CUSTOM };
    static const int ns[] = { 1, 5, 40 }, bs[] = { 1, 3 };
    size_t a, ni, bi;
    int loss, adjm, cases = 0;
    double worst = 0;
    for (a = 0; a < sizeof kinds / sizeof kinds[0]; ++a)
        for (ni = 0; ni < 3; ++ni)
            for (bi = 0; bi < 2; ++bi)
                for (loss = 0; loss < 2; ++loss)
                    for (adjm = 1; adjm <= 2; ++adjm) {
                        gp q;
                        fpt_rng rg = { 1000u + (unsigned)(a * 100 + ni * 10 + bi) };
                        int n = ns[ni], b = bs[bi], i, ok = 1;
                        double *dw, *dx, *dwin, *db, *dwout, e[5];
                        q.n = n; q.b = b; q.p = 4; q.k = 3; q.loss = loss;
                        q.act = fp_activation_make(kinds[a]);
                        q.act.f = custom_f; q.act.df = custom_df;
                        q.adj = fp_adjoint_config_default();
                        q.adj.method = (fp_adjoint_method)adjm;
                        q.adj.iter.tol = 1e-13;
                        q.adj.iter.max_iter = 5000;
                        q.w = fpt_randn(n, n, kinds[a] == FP_ACT_RECTPOW2 ? 0.3 : 0.7, &rg);
                        q.win = fpt_randn(n, q.p, 1.0, &rg);
                        q.bias = fpt_randn(n, 1, kinds[a] == FP_ACT_RECTPOW2 ? 0.3 : 0.5, &rg);
                        q.u = fpt_randn(q.p, b, kinds[a] == FP_ACT_RECTPOW2 ? 0.3 : 1.0, &rg);
                        q.wout = fpt_randn(q.k, n, 1.0, &rg);
                        q.bout = fpt_randn(q.k, 1, 1.0, &rg);
                        q.t = fpt_randn(n, b, 1.0, &rg);
                        q.labels = malloc(sizeof(int) * (size_t)b);
                        for (i = 0; i < b; ++i) q.labels[i] = i % q.k;
                        dw = malloc(sizeof(double) * (size_t)(n * n)); dx = malloc(sizeof(double) * (size_t)(n * b));
                        dwin = malloc(sizeof(double) * (size_t)(n * q.p)); db = malloc(sizeof(double) * (size_t)n);
                        dwout = malloc(sizeof(double) * (size_t)(q.k * n));
                        gp_loss(&q, dw, dx, dwin, db, dwout, &ok);
                        e[0] = fd_check(&q, q.w, n * n, dw, &rg, &ok);
                        e[1] = fd_check(&q, q.win, n * q.p, dwin, &rg, &ok);
                        e[2] = fd_check(&q, q.bias, n, db, &rg, &ok);
                        e[3] = loss ? fd_check(&q, q.wout, q.k * n, dwout, &rg, &ok) : 0;
                        e[4] = 0; /* dL/dX itself is checked through dW_in = dX U^T and db = dX 1 */
                        for (i = 0; i < 5; ++i) if (e[i] > worst) worst = e[i];
                        ++cases;
                        CHECKF(ok, "%s n=%d b=%d loss=%d: a solve failed", fp_activation_name(kinds[a]), n, b, loss);
                        CHECKF(e[0] < 1e-6 && e[1] < 1e-6 && e[2] < 1e-6 && e[3] < 1e-6,
                               "%s n=%d b=%d loss=%s adjoint=%s: rel err dW %.2g dWin %.2g db %.2g dWout %.2g",
                               fp_activation_name(kinds[a]), n, b, loss ? "xent" : "mse", adjm == 1 ? "direct" : "iterative",
                               e[0], e[1], e[2], e[3]);
                        free(q.w); free(q.win); free(q.bias); free(q.u); free(q.wout); free(q.bout); free(q.t);
                        free(q.labels); free(dw); free(dx); free(dwin); free(db); free(dwout);
                    }
    printf("    %d cases (7 activations x N 1,5,40 x B 1,3 x 2 losses x 2 adjoints), worst relative error %.2g\n", cases, worst);
}


/* A batch is iterated as column slices (for the cache, and on threads in an OpenMP build): the result must
 * be the unsplit batch's bit for bit - every column's R, iterations and residual, the report's counts and
 * its history (the largest residual over all columns per iteration) - since each column's arithmetic is
 * its own. The reference solves the batch 16 columns at a time (one slice each); the forward solve with
 * Anderson (columns retiring at different times), the paper's fixed Euler steps on a batch wide enough to
 * be cut for the cache in every build, and the iterative adjoint; in an OpenMP build at 1, 2, 3 and 8 threads
 * (8: fewer slices than threads, run one after another with threaded GEMMs).
 * With BLIS (which picks kernels by the product's width) the columns agree to rounding. */
typedef struct slice_case { int n, b, adjoint; fp_solver_method m; int fixed; } slice_case;
static fp_status slice_run(const slice_case *k, const double *w, const double *x, const double *g, int j0, int cols,
                           double *out, fp_solve_report *rep)
{
    fp_solver_config c = fp_solver_config_default(k->m);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_mat_f64 xv = fp_mat_strided_f64((double *)x + j0, k->n, cols, k->b, 1);
    fp_mat_f64 ov = fp_mat_strided_f64(out + j0, k->n, cols, k->b, 1);
    if (k->fixed) { c.max_iter = 40; c.fixed_iterations = 1; c.step = 0.1; }
    else c.tol = 1e-10;
    if (k->adjoint) {
        fp_adjoint_config a = fp_adjoint_config_default();
        a.method = FP_ADJOINT_ITERATIVE;
        a.iter = c;
        return fp_implicit_grad_f64(&a, rm64(w, k->n, k->n), NONE64, fp_mat_strided_f64((double *)g + j0, k->n, cols, k->b, 1),
                                    xv, ov, NONE64, rep, NULL);
    }
    return fp_solve_f64(&c, &act, rm64(w, k->n, k->n), xv, ov, NONE64, rep, NULL);
}
static void slices_and_threads_leave_every_column_bit_identical(void)
{
    static const slice_case cases[] = { { 100, 96, 0, FP_SOLVER_ANDERSON, 0 }, { 200, 512, 0, FP_SOLVER_DAMPED, 1 },
                                        { 100, 96, 1, FP_SOLVER_ANDERSON, 0 } };
    static const char *names[] = { "forward Anderson", "forward fixed Euler steps", "iterative adjoint" };
    size_t q;
    for (q = 0; q < sizeof cases / sizeof cases[0]; ++q) {
        const slice_case *k = &cases[q];
        const int n = k->n, b = k->b;
        fpt_rng rg = { 21 };
        double *w = fpt_randn(n, n, k->adjoint ? 0.6 : 0.9, &rg), *x = malloc(sizeof(double) * (size_t)n * (size_t)b);
        double *g = malloc(sizeof(double) * (size_t)n * (size_t)b), *ref = malloc(sizeof(double) * (size_t)n * (size_t)b);
        double *got = malloc(sizeof(double) * (size_t)n * (size_t)b), *res = malloc(sizeof(double) * (size_t)b);
        double *res2 = malloc(sizeof(double) * (size_t)b), hist[1000], hist2[1000], part[1000];
        int *its = malloc(sizeof(int) * (size_t)b), *its2 = malloc(sizeof(int) * (size_t)b), i, j, t, conv = 0, iters = 0, len = 0;
        fp_solve_report rep, sub;
        fp_status st;
        for (i = 0; i < n * b; ++i) {
            x[i] = (1 + (i % b) % 7) * 0.3 * fpt_gauss(&rg);
            g[i] = 0.2 + 0.8 * fpt_uniform(&rg);
        }
        for (i = 0; i < 1000; ++i) hist2[i] = 0;
        /* the reference: 16 columns at a time */
        for (j = 0; j < b; j += 16) {
            memset(&sub, 0, sizeof sub);
            sub.col_iterations = its2 + j;
            sub.col_residual = res2 + j;
            sub.history = part;
            st = slice_run(k, w, x, g, j, 16, ref, &sub);
            CHECKF(st == FP_OK || (k->fixed && st == FP_ERR_NOT_CONVERGED), "%s", fp_status_str(st));
            conv += sub.converged;
            if (sub.iterations > iters) iters = sub.iterations;
            if (sub.history_len > len) len = sub.history_len;
            for (i = 0; i < sub.history_len; ++i) if (part[i] > hist2[i]) hist2[i] = part[i];
        }
#ifdef _OPENMP
        int saved = omp_get_max_threads();
#endif
        for (t = 1; t <= 8; t = t < 3 ? t + 1 : t == 3 ? 8 : 9) { /* 1, 2, 3 threads, and 8: more than the slices */
            int diff = 0, idiff = 0, hdiff = 0;
#ifdef _OPENMP
            omp_set_num_threads(t);
#else
            if (t > 1) break;
#endif
            memset(&rep, 0, sizeof rep);
            rep.col_iterations = its;
            rep.col_residual = res;
            rep.history = hist;
            st = slice_run(k, w, x, g, 0, b, got, &rep);
            CHECKF(st == FP_OK || (k->fixed && st == FP_ERR_NOT_CONVERGED), "%s", fp_status_str(st));
#ifdef FIXPOINT_USE_BLIS
            /* BLIS picks its kernels by the product's width: a column's sums agree to rounding, not bits */
            for (i = 0; i < n * b; ++i) diff += !(fabs(got[i] - ref[i]) <= 1e-8 * (1 + fabs(ref[i])));
            iters = rep.iterations; len = rep.history_len;
#else
            for (i = 0; i < n * b; ++i) diff += memcmp(&got[i], &ref[i], sizeof(double)) != 0;
            for (j = 0; j < b; ++j) idiff += its[j] != its2[j] || memcmp(&res[j], &res2[j], sizeof(double)) != 0;
            for (i = 0; i < len; ++i) hdiff += memcmp(&hist[i], &hist2[i], sizeof(double)) != 0;
#endif
            CHECKF(diff == 0 && idiff == 0, "%s, %d threads: %d entries and %d columns' counts differ from 16-column solves",
                   names[q], t, diff, idiff);
            CHECKF(rep.converged == conv && rep.iterations == iters && rep.history_len == len && hdiff == 0,
                   "%s, %d threads: report converged %d (%d) iterations %d (%d) history %d (%d), %d entries differ",
                   names[q], t, rep.converged, conv, rep.iterations, iters, rep.history_len, len, hdiff);
            if (t == 1) printf("    %s, N %d, B %d: %d columns converged, iterations %d\n", names[q], n, b, conv, iters);
        }
#ifdef _OPENMP
        omp_set_num_threads(saved);
#endif
        free(w); free(x); free(g); free(ref); free(got); free(res); free(res2); free(its); free(its2);
    }
}

/* The slices a batch is cut into (fp__slices, fp__slice_cols, tests/impl.c): they cover the columns once,
 * in order, each at least one column, never more of them than the workspace query allowed for; and every
 * slice but the last is a whole number of 32 columns when the batch has 32 a slice: a ragged slice would send each
 * row's tail through the vector tanh's padded path (N = 200 or 400, 512 float columns, were cut in 3 and 5
 * slices of 170-171 and 102-103 columns, 12-20 % slower than in whole vectors). */
int fpt_slice_plan(int n, int b, size_t esz, int *off, int *width, int *most);
static void slices_cover_the_batch_in_whole_vectors(void)
{
    static const int ns[] = { 1, 16, 50, 100, 200, 256, 300, 400, 500, 600 };
    static const int bs[] = { 1, 15, 16, 17, 32, 48, 50, 64, 100, 129, 256, 500, 512, 1000, 1024, 4096 };
    int off[512], width[512], cases = 0, cut = 0;
    size_t i, j, e;
    for (e = 4; e <= 8; e += 4)
        for (i = 0; i < sizeof ns / sizeof ns[0]; ++i)
            for (j = 0; j < sizeof bs / sizeof bs[0]; ++j) {
                int n = ns[i], b = bs[j], most, S = fpt_slice_plan(n, b, e, off, width, &most), s, next = 0, ragged = 0;
                ++cases;
                CHECKF(S >= 1 && S <= most, "N %d B %d esz %d: %d slices, at most %d", n, b, (int)e, S, most);
                if (S < 1 || S > most) continue;
                cut += S > 1;
                for (s = 0; s < S; ++s) {
                    CHECKF(off[s] == next && width[s] >= 1, "N %d B %d esz %d: slice %d at %d width %d", n, b, (int)e, s, off[s], width[s]);
                    next = off[s] + width[s];
                    ragged += s < S - 1 && width[s] % 32 != 0;
                }
                CHECKF(next == b, "N %d B %d esz %d: the slices end at %d", n, b, (int)e, next);
                CHECKF(b < 32 * S || ragged == 0, "N %d B %d esz %d: %d of %d slices are not whole vectors (first width %d)",
                       n, b, (int)e, ragged, S, width[0]);
            }
    printf("    %d batches, %d of them cut into slices\n", cases, cut);
}

const fpt_test fpt_solver_tests[] = {
    { "every_solver_finds_a_known_fixed_point", every_solver_finds_a_known_fixed_point },
    { "converged_columns_stop_and_match_solo_solves", converged_columns_stop_and_match_solo_solves },
    { "float_euler_columns_match_solo_and_report_their_own_residual", float_euler_columns_match_solo_and_report_their_own_residual },
    { "float_residual_keeps_its_precision_under_a_tiny_floor", float_residual_keeps_its_precision_under_a_tiny_floor },
    { "anderson_beats_damped_iteration_threefold", anderson_beats_damped_iteration_threefold },
    { "unstable_networks_are_reported_not_hidden", unstable_networks_are_reported_not_hidden },
    { "bad_inputs_and_settings_are_rejected", bad_inputs_and_settings_are_rejected },
    { "float32_solver_converges", float32_solver_converges },
    { "slices_and_threads_leave_every_column_bit_identical", slices_and_threads_leave_every_column_bit_identical },
    { "slices_cover_the_batch_in_whole_vectors", slices_cover_the_batch_in_whole_vectors },
    { "gradients_match_finite_differences", gradients_match_finite_differences },
    { NULL, NULL }
};

/* The float tanh of each path against libm's double tanh: relative error within 5.5 units of 2^-24 on
 * the vector paths (their rational is within 5.40 on every float), 8 on the scalar one (libm's tanhf),
 * never above 1 in magnitude, odd, NaN kept. The two vector paths run one formula whose every operation
 * is correctly rounded, in the same order: they give the same bits. */
static void tanh_matches_libm_on_every_path(void)
{
    enum { M = 20011 };
    static float z[M], r[M], r2[M];
    static const fp_isa isas[] = { FP_ISA_SCALAR, FP_ISA_AVX2, FP_ISA_AVX512 };
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_isa saved = fp_isa_current();
    size_t k;
    int i, have2 = 0;
    for (i = 0; i < M; ++i) z[i] = (float)((i - M / 2) * 2e-3 * (i % 3 == 0 ? 1e-3 : 1.0));
    z[0] = 0.0f; z[1] = -0.0f; z[2] = 1e-30f; z[3] = 60.0f; z[4] = -100.0f; z[5] = INFINITY; z[6] = -INFINITY; z[7] = NAN;
    z[8] = 8.43030739f; /* the vector rational's worst float (5.40 units) */
    z[9] = 8.18605995f; /* its unclamped value rounds to 1 + 2^-23 */
    z[10] = 9.25f; /* the clamp, where the rational must give 1 */
    z[11] = -z[8];
    for (k = 0; k < 3; ++k) {
        double worst = 0;
        fp_isa_set(isas[k]);
        /* a build without the AVX2 path, capped at it, runs the scalar one: not AVX2's bits */
        if (fp_isa_current() != isas[k]) { printf("    skip %s: this CPU or build lacks it\n", fp_isa_name(isas[k])); continue; }
        CHECK(fp_act_apply_f32(&act, rm32(z, 1, M), rm32(r, 1, M), NONE32) == FP_OK);
        for (i = 0; i < M; ++i) {
            double t = tanh((double)z[i]), e;
            if (i == 7) { CHECK(r[i] != r[i]); continue; }
            e = fabs((double)r[i] - t) / (fabs(t) > 1e-30 ? fabs(t) : 1e-30);
            if (e > worst) worst = e;
        }
        printf("    %s: max relative error of float tanh %.3g (%.2f ulp)\n", fp_isa_name(isas[k]), worst, worst / 5.96e-8);
        CHECK(worst < (isas[k] == FP_ISA_SCALAR ? 8 : 5.5) * 5.96e-8);
        CHECK(r[1] == 0.0f && signbit(r[1]) && r[5] == 1.0f && r[6] == -1.0f && r[10] == 1.0f && r[11] == -r[8]);
        for (i = 0; i < M; ++i) CHECKF(!(fabsf(r[i]) > 1.0f), "|tanh(%.9g)| = %.9g > 1", (double)z[i], (double)r[i]);
        if (isas[k] == FP_ISA_AVX2) { memcpy(r2, r, sizeof r); have2 = 1; }
        if (isas[k] == FP_ISA_AVX512 && have2) {
            int diff = 0;
            for (i = 0; i < M; ++i) diff += i != 7 && memcmp(&r[i], &r2[i], sizeof r[i]) != 0;
            CHECKF(diff == 0, "avx512 and avx2 differ on %d floats", diff);
        }
    }
    fp_isa_set(saved);
    { /* double: every path within a few ulp of libm (the vector paths are Cephes' tanh, not libm's) */
        static double zd[M], rd[M];
        for (i = 0; i < M; ++i) zd[i] = (i - M / 2) * 2.1e-3 * (i % 3 == 0 ? 1e-3 : 1.0) + (i % 7) * 1e-9;
        zd[0] = 0.0; zd[1] = -0.0; zd[2] = 1e-300; zd[3] = 60.0; zd[4] = -800.0; zd[5] = INFINITY; zd[6] = -INFINITY; zd[7] = NAN;
        zd[8] = 0.625; zd[9] = -0.6249999999999999; zd[10] = 18.0; zd[11] = 4.9e-324;
        for (k = 0; k < 3; ++k) {
            double worst = 0;
            fp_isa_set(isas[k]);
            if (fp_isa_current() != isas[k]) continue;
            CHECK(fp_act_apply_f64(&act, rm64(zd, 1, M), rm64(rd, 1, M), NONE64) == FP_OK);
            for (i = 0; i < M; ++i) {
                double t = tanh(zd[i]), e;
                if (i == 7) { CHECK(rd[i] != rd[i]); continue; }
                e = fabs(rd[i] - t) / (fabs(t) > 1e-300 ? fabs(t) : 1e-300);
                if (e > worst) worst = e;
            }
            printf("    %s: max relative error of double tanh %.3g (%.2f ulp)\n", fp_isa_name(isas[k]), worst, worst / 1.11e-16);
            CHECK(worst < 4 * 2.22e-16);
            CHECK(rd[1] == 0.0 && signbit(rd[1]) && rd[5] == 1.0 && rd[6] == -1.0 && rd[11] == 4.9e-324);
        }
        fp_isa_set(saved);
    }
}
const fpt_test fpt_act_tests[] = {
    { "tanh_matches_libm_on_every_path", tanh_matches_libm_on_every_path },
    { NULL, NULL }
};
