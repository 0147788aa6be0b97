/* Contracts at the edges: what the trainer, the solvers, the implicit gradient and the rules promise for
 * bad arguments, non-finite inputs, overlapping outputs, caller workspaces and allocation failures.
 * Sizes are small: the suite runs in seconds, under valgrind in well under a minute. */
#include <stdio.h>
#include <setjmp.h>
#include "util.h"
#include "alloc.h"
#include "../fixpoint.h"
#include "dataset.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define SENTINEL (-777.25) /* an output that must be left alone is pre-filled with this */

/* Row-major views (inputs may be const: the library only reads them) and the absent view. */
static fp_mat_f64 rm64(const double *p, int rows, int cols) { return fp_mat_rowmajor_f64((double *)p, rows, cols); }
static fp_mat_f32 rm32(const float *p, int rows, int cols) { return fp_mat_rowmajor_f32((float *)p, rows, cols); }
#define NONE64 fp_mat_rowmajor_f64(NULL, 0, 0)

/* The 0.1 API's fp_train_config_default(rule, lr): the defaults, that rule and rate, and its seed 1. */
static fp_train_config train_config(fp_rule rule, double lr)
{
    fp_train_config c = fp_train_config_default();
    c.rule = rule;
    c.optim.lr = lr;
    c.seed = 1;
    return c;
}

/* A rule's settings: the rule, dW2's rate, the default adjoint (the 0.1 API's adj = NULL). */
static fp_rule_config rule_config(fp_rule rule, double lr)
{
    fp_rule_config c;
    memset(&c, 0, sizeof c);
    c.rule = rule;
    c.lr = lr;
    return c;
}

static int none_equal(const double *p, int n, double v)
{
    int i;
    for (i = 0; i < n; ++i)
        if (p[i] == v) return 0;
    return 1;
}

/* Largest |g - tanh'(W R + X)| over an n x b batch (all row-major, ld b), reference loop in float64. */
static double tanh_gain_error(int n, int b, const double *w, const double *r, const double *x, const double *gain)
{
    double worst = 0;
    int i, j, k;
    for (i = 0; i < n; ++i)
        for (j = 0; j < b; ++j) {
            double z = x[i * b + j], t, e;
            for (k = 0; k < n; ++k) z += w[i * n + k] * r[k * b + j];
            t = tanh(z);
            e = fabs(gain[i * b + j] - (1 - t * t));
            if (!(e <= worst)) worst = e; /* NaN wins */
        }
    return worst;
}

/* Largest relative |R - tanh(W R + X)| per entry (the fixed-point residual). */
static double tanh_fixed_point_error(int n, int b, const double *w, const double *r, const double *x)
{
    double worst = 0;
    int i, j, k;
    for (i = 0; i < n; ++i)
        for (j = 0; j < b; ++j) {
            double z = x[i * b + j], e;
            for (k = 0; k < n; ++k) z += w[i * n + k] * r[k * b + j];
            e = fabs(r[i * b + j] - tanh(z));
            if (!(e <= worst)) worst = e;
        }
    return worst;
}

/* Reference implicit gradient: (I - W^T G_b) u_b = delta_b by Gaussian elimination with partial pivoting,
 * v_b = G_b u_b, dW = V R^T. Returns 0 if a pivot vanished. */
static int ref_implicit_grad(int n, int b, const double *w, const double *r, const double *gain, const double *delta,
                             double *v, double *dw)
{
    double *a = malloc((size_t)n * (size_t)n * sizeof *a), *u = malloc((size_t)n * sizeof *u);
    int i, j, k, c, ok = 1;
    for (j = 0; j < b && ok; ++j) {
        for (i = 0; i < n; ++i) {
            for (k = 0; k < n; ++k) a[i * n + k] = (i == k ? 1.0 : 0.0) - w[k * n + i] * gain[k * b + j];
            u[i] = delta[i * b + j];
        }
        for (c = 0; c < n && ok; ++c) {
            int p = c;
            for (i = c + 1; i < n; ++i) if (fabs(a[i * n + c]) > fabs(a[p * n + c])) p = i;
            if (a[p * n + c] == 0) { ok = 0; break; }
            if (p != c) {
                double t;
                for (k = 0; k < n; ++k) { t = a[c * n + k]; a[c * n + k] = a[p * n + k]; a[p * n + k] = t; }
                t = u[c]; u[c] = u[p]; u[p] = t;
            }
            for (i = c + 1; i < n; ++i) {
                double f = a[i * n + c] / a[c * n + c];
                for (k = c; k < n; ++k) a[i * n + k] -= f * a[c * n + k];
                u[i] -= f * u[c];
            }
        }
        for (i = n - 1; i >= 0 && ok; --i) {
            double s = u[i];
            for (k = i + 1; k < n; ++k) s -= a[i * n + k] * u[k];
            u[i] = s / a[i * n + i];
        }
        for (i = 0; i < n; ++i) v[i * b + j] = gain[i * b + j] * u[i];
    }
    for (i = 0; i < n && ok; ++i)
        for (k = 0; k < n; ++k) {
            double s = 0;
            for (j = 0; j < b; ++j) s += v[i * b + j] * r[k * b + j];
            dw[i * n + k] = s;
        }
    free(a);
    free(u);
    return ok;
}

/* max |a - b| / (1 + |b|) */
static double rel_diff(const double *a, const double *b, int n)
{
    double m = 0;
    int i;
    for (i = 0; i < n; ++i) {
        double e = fabs(a[i] - b[i]) / (1 + fabs(b[i]));
        if (!(e <= m)) m = e;
    }
    return m;
}

/* One trainer call with FP_ASSERT caught: a trip longjmps back here and is reported as a failed check
 * instead of aborting the whole run. */
typedef struct trainer_call {
    int kind; /* 0 trainer_init, 1 layer_train_step, 2 trainer_free */
    fp_trainer_f32 *t;
    fp_layer_f32 *L;
    const fp_train_config *cfg;
    const fp_dataset *ds;
    const int *idx;
    int n;
    fp_train_record rec;
    fp_status st;
} trainer_call;

static int trainer_call_asserts(trainer_call *c)
{
    fpt_assert_armed = 1;
    if (setjmp(fpt_assert_jmp) != 0) { fpt_assert_armed = 0; return 1; }
    if (c->kind == 0) c->st = fp_trainer_init_f32(c->t, c->L, c->cfg, c->n);
    else if (c->kind == 1) c->st = fp_layer_train_step_f32(c->t, c->ds, c->idx, c->n, &c->rec);
    else fp_trainer_free_f32(c->t);
    fpt_assert_armed = 0;
    return 0;
}

static int numerical_status(fp_status st)
{
    return st == FP_OK || st == FP_ERR_NOT_CONVERGED || st == FP_ERR_DIVERGED || st == FP_ERR_NON_FINITE ||
           st == FP_ERR_SINGULAR;
}

static const fp_solver_method all_methods[4] = { FP_SOLVER_EULER, FP_SOLVER_DAMPED, FP_SOLVER_ANDERSON, FP_SOLVER_NEWTON };
static const char *const method_names[4] = { "euler", "damped", "anderson", "newton" };

/* ---- issue 1: the trainer's buffers are sized for dataset_count; a bigger dataset is refused ---- */
static void trainer_epoch_rejects_dataset_larger_than_its_buffers(void)
{
    fp_dataset ds;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = train_config(FP_RULE_DW3, 0.1);
    long live0 = fpt_alloc_live;
    fp_status st;
    /* 6 samples: should the epoch run into a one-entry order array, the overflow stays inside malloc's
     * slack, so a plain build fails the status check instead of corrupting the heap (ASan and valgrind see
     * the overflow itself) */
    fpt_make_dataset(&ds, 6, 20, 10, 10, 11);
    c.batch = 4;
    CHECK(fp_layer_init_f32(&L, 16, 20, 10, FP_ACT_TANH, 0.5, 1) == FP_OK);
    CHECK(fp_trainer_init_f32(&t, &L, &c, 0) == FP_OK);
    st = fp_layer_train_epoch_f32(&t, &ds, 0, NULL, NULL);
    CHECKF(st == FP_ERR_INVALID_ARG, "trainer for 0 samples, epoch over %d: %s", ds.count, fp_status_str(st));
    fflush(stdout);
    fp_trainer_free_f32(&t);
    CHECK(fp_trainer_init_f32(&t, &L, &c, ds.count) == FP_OK);
    st = fp_layer_train_epoch_f32(&t, &ds, 0, NULL, NULL);
    CHECKF(st == FP_OK, "trainer for %d samples, epoch over %d: %s", ds.count, ds.count, fp_status_str(st));
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fpt_free_dataset(&ds);
    CHECK(fpt_alloc_live == live0);
}

/* ---- issue 2: every solver and the trained read-in work inside the trainer's workspaces ---- */
static void trainer_step_stays_in_bounds_with_every_solver_and_trained_readin(void)
{
    enum { N = 16, NIN = 20, B = 64 };
    fp_dataset ds;
    int idx[B], m, readin, i;
    long live0 = fpt_alloc_live;
    fpt_make_dataset(&ds, B, NIN, 10, 10, 12);
    for (i = 0; i < B; ++i) idx[i] = i;
    for (m = 0; m < 4; ++m)
        for (readin = 0; readin <= 1; ++readin) {
            fp_layer_f32 L;
            fp_trainer_f32 t;
            fp_train_record rec;
            fp_train_config c = train_config(FP_RULE_DW3, 0.1);
            fp_status st;
            c.batch = B;
            c.solver = fp_solver_config_default(all_methods[m]);
            c.train_readin = readin;
            CHECK(fp_layer_init_f32(&L, N, NIN, 10, FP_ACT_TANH, 0.5, 2) == FP_OK);
            CHECK(fp_trainer_init_f32(&t, &L, &c, B) == FP_OK);
            st = fp_layer_train_step_f32(&t, &ds, idx, B, &rec);
            CHECKF(numerical_status(st), "%s, train_readin %d: %s", method_names[m], readin, fp_status_str(st));
            CHECKF(fp_mat_all_finite_f32(rm32(L.w, N, N)) && fp_mat_all_finite_f32(rm32(L.w_in, N, NIN)),
                   "%s, train_readin %d: non-finite weights", method_names[m], readin);
            fflush(stdout);
            fp_trainer_free_f32(&t);
            fp_layer_free_f32(&L);
        }
    fpt_free_dataset(&ds);
    CHECK(fpt_alloc_live == live0);
}

/* ---- issue 3: a workspace sized while one thread runs is not overrun when more threads run ---- */
#ifdef _OPENMP
static void one_thread_workspace_case(int N, int B, int adj)
{
    const size_t extra = (size_t)1 << 20;
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_adjoint_config ac = fp_adjoint_config_default();
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fpt_rng rng = { 13 };
    double *wd = fpt_randn(N, N, 0.5, &rng);
    float *w = malloc(sizeof(float) * N * N), *x = malloc(sizeof(float) * N * B), *r = malloc(sizeof(float) * N * B),
          *g = malloc(sizeof(float) * N * B), *v = malloc(sizeof(float) * N * B);
    unsigned char *ws;
    size_t size, i, bad = 0;
    int saved = omp_get_max_threads();
    fp_status st;
    ac.method = FP_ADJOINT_ITERATIVE;
    for (i = 0; i < (size_t)N * N; ++i) w[i] = (float)wd[i];
    for (i = 0; i < (size_t)N * B; ++i) x[i] = (float)(0.5 * fpt_uniform(&rng));
    omp_set_num_threads(1);
    if (adj) CHECK(fp_solve_f32(&c, &act, rm32(w, N, N), rm32(x, N, B), rm32(r, N, B), rm32(g, N, B), NULL, NULL) == FP_OK);
    size = adj ? fp_adjoint_workspace_size_f32(&ac, N, B) : fp_solve_workspace_size_f32(&c, N, B);
    ws = malloc(size + extra);
    memset(ws + size, 0xA5, extra);
    omp_set_num_threads(4);
    st = adj ? fp_implicit_grad_f32(&ac, rm32(w, N, N), rm32(NULL, 0, 0), rm32(g, N, B), rm32(x, N, B), rm32(v, N, B),
                                    rm32(NULL, 0, 0), NULL, ws)
             : fp_solve_f32(&c, &act, rm32(w, N, N), rm32(x, N, B), rm32(r, N, B), rm32(g, N, B), NULL, ws);
    /* and nothing inside it overran: the result is the one of a call with its own workspace */
    {
        float *out = adj ? v : r, *again = malloc(sizeof(float) * N * B);
        size_t differ = 0;
        memcpy(again, out, sizeof(float) * N * B);
        if (adj) fp_implicit_grad_f32(&ac, rm32(w, N, N), rm32(NULL, 0, 0), rm32(g, N, B), rm32(x, N, B), rm32(v, N, B),
                                      rm32(NULL, 0, 0), NULL, NULL);
        else fp_solve_f32(&c, &act, rm32(w, N, N), rm32(x, N, B), rm32(r, N, B), rm32(g, N, B), NULL, NULL);
        for (i = 0; i < (size_t)N * B; ++i) differ += memcmp(&again[i], &out[i], sizeof(float)) != 0;
        CHECKF(differ == 0, "N %d, %s: %lu values differ from a call with its own workspace", N, adj ? "adjoint" : "solve",
               (unsigned long)differ);
        free(again);
    }
    omp_set_num_threads(saved);
    CHECKF(st == FP_OK, "N %d, %s: %s", N, adj ? "adjoint" : "solve", fp_status_str(st));
    for (i = 0; i < extra; ++i) bad += ws[size + i] != 0xA5;
    CHECKF(bad == 0, "N %d, %s: %lu bytes written past the %lu-byte workspace", N, adj ? "adjoint" : "solve", (unsigned long)bad,
           (unsigned long)size);
    free(ws);
    free(wd);
    free(w);
    free(x);
    free(r);
    free(g);
    free(v);
}
#endif

/* N = 600: one slice and threaded GEMMs; N = 200, B = 256: column slices on the threads, each with its
 * GEMM block (docs/THEORY.md (P1)); the forward solve and the iterative adjoint */
static void solve_with_more_threads_stays_inside_a_one_thread_workspace(void)
{
#ifdef _OPENMP
    one_thread_workspace_case(600, 128, 0);
    one_thread_workspace_case(200, 256, 0);
    one_thread_workspace_case(200, 256, 1);
#else
    printf("    built without OpenMP: nothing to check (make test-omp runs it)\n");
#endif
}

/* ---- issue 4: a training step refuses sample indices outside the dataset (and the warm-start cache) ---- */
static void train_step_rejects_out_of_range_sample_indices(void)
{
    enum { N = 8, NIN = 12, NOUT = 4, NB = 4 };
    fp_dataset ds;
    int k;
    long live0 = fpt_alloc_live;
    fpt_make_dataset(&ds, 20, NIN, NOUT, NOUT, 14);
    for (k = 0; k < 3; ++k) {
        /* k = 0: index -1; k = 1: index ds.count; k = 2: warm start, cache for 10 samples, index 15 */
        static const int bad_index[3] = { -1, 20, 15 };
        fp_layer_f32 L;
        fp_trainer_f32 t;
        fp_train_record rec;
        fp_train_config c = train_config(FP_RULE_DW3, 0.1);
        float *before;
        size_t cnt = (size_t)N * N + (size_t)N * NIN + N + (size_t)NOUT * N + NOUT;
        int idx[NB] = { 0, 1, 2, 3 };
        fp_status st;
        c.batch = NB;
        c.warm_start = k == 2;
        idx[2] = bad_index[k];
        CHECK(fp_layer_init_f32(&L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 4) == FP_OK);
        CHECK(fp_trainer_init_f32(&t, &L, &c, k == 2 ? 10 : ds.count) == FP_OK);
        before = malloc(cnt * sizeof(float));
        memcpy(before, L.w, (size_t)N * N * sizeof(float));
        memcpy(before + N * N, L.w_in, (size_t)N * NIN * sizeof(float));
        st = fp_layer_train_step_f32(&t, &ds, idx, NB, &rec);
        CHECKF(st == FP_ERR_INVALID_ARG, "index %d%s: %s", bad_index[k], k == 2 ? " (warm start, 10 cached)" : "",
               fp_status_str(st));
        CHECKF(memcmp(before, L.w, (size_t)N * N * sizeof(float)) == 0, "index %d: W changed", bad_index[k]);
        CHECKF(memcmp(before + N * N, L.w_in, (size_t)N * NIN * sizeof(float)) == 0, "index %d: W_in changed", bad_index[k]);
        fflush(stdout);
        free(before);
        fp_trainer_free_f32(&t);
        fp_layer_free_f32(&L);
    }
    fpt_free_dataset(&ds);
    CHECK(fpt_alloc_live == live0);
}

/* ---- issue 5: NaN or Inf in any input of a rule is reported before anything is written ---- */
static void rule_dw_rejects_non_finite_inputs_and_leaves_dw_untouched(void)
{
    enum { N = 8, B = 3 };
    fpt_rng rng = { 15 };
    double *w0 = fpt_randn(N, N, 0.5, &rng), r0[N * B], g0[N * B], d0[N * B];
    int rule, which, i;
    for (i = 0; i < N * B; ++i) { r0[i] = 0.8 * fpt_uniform(&rng); g0[i] = 0.5 + 0.4 * fpt_uniform(&rng); d0[i] = fpt_uniform(&rng); }
    for (rule = FP_RULE_DW1; rule <= FP_RULE_DW4; ++rule)
        for (which = 0; which < 4; ++which) {
            static const char *const what[4] = { "NaN in gain", "Inf in W", "Inf in R", "NaN in grad" };
            double w[N * N], r[N * B], g[N * B], d[N * B], dw[N * N];
            fp_rule_config rc = rule_config((fp_rule)rule, 0.1);
            fp_status st;
            memcpy(w, w0, sizeof w); memcpy(r, r0, sizeof r); memcpy(g, g0, sizeof g); memcpy(d, d0, sizeof d);
            if (which == 0) g[5] = NAN;
            if (which == 1) w[10] = INFINITY;
            if (which == 2) r[7] = INFINITY;
            if (which == 3) d[4] = NAN;
            fpt_fill(dw, N * N, SENTINEL);
            st = fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(dw, N, N), NULL, NULL);
            CHECKF(st == FP_ERR_NON_FINITE, "%s, %s: %s", fp_rule_name((fp_rule)rule), what[which], fp_status_str(st));
            CHECKF(fpt_all_equal(dw, N * N, SENTINEL), "%s, %s: dW written", fp_rule_name((fp_rule)rule), what[which]);
        }
    free(w0);
}

static void implicit_grad_rejects_non_finite_r_and_leaves_outputs_untouched(void)
{
    enum { N = 8, B = 3 };
    fpt_rng rng = { 16 };
    double *w = fpt_randn(N, N, 0.5, &rng), r[N * B], g[N * B], d[N * B], v[N * B], dw[N * N];
    fp_adjoint_config ac = fp_adjoint_config_default();
    fp_status st;
    int i;
    for (i = 0; i < N * B; ++i) { r[i] = 0.8 * fpt_uniform(&rng); g[i] = 0.5 + 0.4 * fpt_uniform(&rng); d[i] = fpt_uniform(&rng); }
    r[9] = NAN;
    fpt_fill(v, N * B, SENTINEL);
    fpt_fill(dw, N * N, SENTINEL);
    st = fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), rm64(dw, N, N), NULL, NULL);
    CHECKF(st == FP_ERR_NON_FINITE, "%s", fp_status_str(st));
    CHECK(fpt_all_equal(v, N * B, SENTINEL));
    CHECK(fpt_all_equal(dw, N * N, SENTINEL));
    free(w);
}

/* ---- issue 6: with a caller workspace nothing is allocated; without one, a failed allocation is
 * FP_ERR_NO_MEMORY and never a quietly wrong answer ---- */
enum { WS_N = 12, WS_B = 3 };
typedef struct ws_problem { double *w, x[WS_N * WS_B], r[WS_N * WS_B], g[WS_N * WS_B], d[WS_N * WS_B]; } ws_problem;

static void ws_problem_make(ws_problem *p, unsigned long long seed)
{
    fpt_rng rng;
    int i;
    rng.s = seed;
    p->w = fpt_randn(WS_N, WS_N, 0.5, &rng);
    for (i = 0; i < WS_N * WS_B; ++i) {
        p->x[i] = fpt_uniform(&rng);
        p->r[i] = 0.8 * fpt_uniform(&rng);
        p->g[i] = 0.5 + 0.4 * fpt_uniform(&rng);
        p->d[i] = fpt_uniform(&rng);
    }
}

static void solve_newton_with_a_workspace_allocates_nothing_and_returns_true_gains(void)
{
    enum { N = WS_N, B = WS_B };
    ws_problem p;
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_NEWTON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    double r[N * B], g[N * B];
    void *ws;
    long calls;
    fp_status st;
    ws_problem_make(&p, 17);
    c.tol = 1e-12;
    ws = malloc(fp_solve_workspace_size_f64(&c, N, B));
    fpt_fill(r, N * B, SENTINEL);
    fpt_fill(g, N * B, SENTINEL);
    calls = fpt_alloc_calls;
    st = fp_solve_f64(&c, &act, rm64(p.w, N, N), rm64(p.x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, ws);
    CHECKF(fpt_alloc_calls == calls, "%ld allocations with a caller workspace", fpt_alloc_calls - calls);
    CHECKF(st == FP_OK, "%s", fp_status_str(st));
    CHECKF(tanh_fixed_point_error(N, B, p.w, r, p.x) < 1e-10, "residual %.3g", tanh_fixed_point_error(N, B, p.w, r, p.x));
    CHECKF(tanh_gain_error(N, B, p.w, r, p.x, g) < 1e-12, "gain error %.3g", tanh_gain_error(N, B, p.w, r, p.x, g));
    free(ws);
    free(p.w);
}

static void implicit_grad_direct_with_a_workspace_allocates_nothing(void)
{
    enum { N = WS_N, B = WS_B };
    ws_problem p;
    fp_adjoint_config ac = fp_adjoint_config_default();
    double v[N * B], dw[N * N], vr[N * B], dwr[N * N];
    void *ws;
    long calls;
    fp_status st;
    ws_problem_make(&p, 18);
    ac.method = FP_ADJOINT_DIRECT;
    ws = malloc(fp_adjoint_workspace_size_f64(&ac, N, B));
    fpt_fill(v, N * B, SENTINEL);
    fpt_fill(dw, N * N, SENTINEL);
    calls = fpt_alloc_calls;
    st = fp_implicit_grad_f64(&ac, rm64(p.w, N, N), rm64(p.r, N, B), rm64(p.g, N, B), rm64(p.d, N, B), rm64(v, N, B), rm64(dw, N, N), NULL, ws);
    CHECKF(fpt_alloc_calls == calls, "%ld allocations with a caller workspace", fpt_alloc_calls - calls);
    CHECKF(st == FP_OK, "%s", fp_status_str(st));
    CHECK(ref_implicit_grad(N, B, p.w, p.r, p.g, p.d, vr, dwr));
    CHECKF(rel_diff(v, vr, N * B) < 1e-10, "V off by %.3g", rel_diff(v, vr, N * B));
    CHECKF(rel_diff(dw, dwr, N * N) < 1e-10, "dW off by %.3g", rel_diff(dw, dwr, N * N));
    free(ws);
    free(p.w);
}

static void rule_dw1_with_a_workspace_allocates_nothing(void)
{
    enum { N = WS_N, B = WS_B };
    ws_problem p;
    double dw[N * N], vr[N * B], dwr[N * N];
    fp_rule_config rc = rule_config(FP_RULE_DW1, 0.1);
    void *ws;
    long calls;
    fp_status st;
    ws_problem_make(&p, 19);
    ws = malloc(fp_rule_workspace_size_f64(&rc, N, B));
    fpt_fill(dw, N * N, SENTINEL);
    calls = fpt_alloc_calls;
    st = fp_rule_dw_f64(&rc, rm64(p.w, N, N), rm64(p.r, N, B), rm64(p.g, N, B), rm64(p.d, N, B), rm64(dw, N, N), NULL, ws);
    CHECKF(fpt_alloc_calls == calls, "%ld allocations with a caller workspace", fpt_alloc_calls - calls);
    CHECKF(st == FP_OK, "%s", fp_status_str(st));
    CHECK(ref_implicit_grad(N, B, p.w, p.r, p.g, p.d, vr, dwr)); /* dW1 is the implicit gradient with Delta = grad */
    CHECKF(rel_diff(dw, dwr, N * N) < 1e-10, "dW1 off by %.3g", rel_diff(dw, dwr, N * N));
    free(ws);
    free(p.w);
}

/* The three calls of issue 6 with work = NULL; out1/out2 receive their outputs (out2 may be unused). */
static fp_status ws_call(int which, const ws_problem *p, double *out1, double *out2)
{
    enum { N = WS_N, B = WS_B };
    if (which == 0) {
        fp_solver_config c = fp_solver_config_default(FP_SOLVER_NEWTON);
        fp_activation act = fp_activation_make(FP_ACT_TANH);
        c.tol = 1e-12;
        return fp_solve_f64(&c, &act, rm64(p->w, N, N), rm64(p->x, N, B), rm64(out1, N, B), rm64(out2, N, B), NULL, NULL);
    }
    if (which == 1) {
        fp_adjoint_config ac = fp_adjoint_config_default();
        ac.method = FP_ADJOINT_DIRECT;
        return fp_implicit_grad_f64(&ac, rm64(p->w, N, N), rm64(p->r, N, B), rm64(p->g, N, B), rm64(p->d, N, B), rm64(out1, N, B),
                                    rm64(out2, N, N), NULL, NULL);
    }
    {
        fp_rule_config rc = rule_config(FP_RULE_DW1, 0.1);
        return fp_rule_dw_f64(&rc, rm64(p->w, N, N), rm64(p->r, N, B), rm64(p->g, N, B), rm64(p->d, N, B), rm64(out2, N, N), NULL, NULL);
    }
}

static void allocation_failures(int which)
{
    enum { N = WS_N, B = WS_B };
    static const char *const names[3] = { "Newton solve with gains", "direct implicit gradient with dW", "dW1" };
    ws_problem p;
    double ref1[N * B], ref2[N * N], o1[N * B], o2[N * N];
    const int n1 = N * B, n2 = which == 0 ? N * B : N * N;
    long k, live0 = fpt_alloc_live;
    fp_status st;
    ws_problem_make(&p, 20 + (unsigned long long)which);
    fpt_fill(ref1, n1, SENTINEL);
    fpt_fill(ref2, n2, SENTINEL);
    st = ws_call(which, &p, ref1, ref2);
    CHECKF(st == FP_OK, "%s, no failure: %s", names[which], fp_status_str(st));
    for (k = 0; k < 1000; ++k) {
        long failed;
        fpt_fill(o1, n1, SENTINEL);
        fpt_fill(o2, n2, SENTINEL);
        fpt_alloc_fail_after(k);
        st = ws_call(which, &p, o1, o2);
        failed = fpt_alloc_failed;
        fpt_alloc_fail_after(-1);
        CHECKF(st == FP_OK || st == FP_ERR_NO_MEMORY, "%s, allocation %ld failing: %s", names[which], k, fp_status_str(st));
        if (st == FP_OK)
            CHECKF((which == 2 || memcmp(o1, ref1, sizeof(double) * (size_t)n1) == 0) &&
                   memcmp(o2, ref2, sizeof(double) * (size_t)n2) == 0,
                   "%s, allocation %ld failing (%ld failed): FP_OK with outputs that differ from the fault-free run", names[which],
                   k, failed);
        CHECKF(fpt_alloc_live == live0, "%s, allocation %ld failing: %ld blocks leaked", names[which], k, fpt_alloc_live - live0);
        fpt_alloc_live = live0;
        if (!failed) break;
    }
    free(p.w);
}

static void solve_newton_reports_allocation_failure_or_returns_exact_outputs(void) { allocation_failures(0); }
static void implicit_grad_reports_allocation_failure_or_returns_exact_outputs(void) { allocation_failures(1); }
static void rule_dw1_reports_allocation_failure_or_returns_exact_outputs(void) { allocation_failures(2); }

/* ---- issue 7: training steps run in the trainer's own buffers; allocation failures are statuses ---- */
static void trainer_steps_allocate_nothing_after_init(void)
{
    enum { N = 16, NIN = 20, NOUT = 10, B = 16 };
    fp_dataset ds;
    int rule, m, s, idx[B];
    long live0 = fpt_alloc_live;
    fpt_make_dataset(&ds, 3 * B, NIN, NOUT, NOUT, 21);
    for (m = 0; m < 4; ++m)
        for (rule = FP_RULE_DW1; rule <= FP_RULE_DW4; ++rule) {
            fp_layer_f32 L;
            fp_trainer_f32 t;
            fp_train_record rec;
            fp_train_config c = train_config((fp_rule)rule, 0.1);
            long calls;
            c.batch = B;
            c.solver = fp_solver_config_default(all_methods[m]);
            CHECK(fp_layer_init_f32(&L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 5) == FP_OK);
            CHECK(fp_trainer_init_f32(&t, &L, &c, ds.count) == FP_OK);
            calls = fpt_alloc_calls;
            for (s = 0; s < 3; ++s) {
                int i;
                for (i = 0; i < B; ++i) idx[i] = s * B + i;
                fp_layer_train_step_f32(&t, &ds, idx, B, &rec);
            }
            CHECKF(fpt_alloc_calls == calls, "%s, %s: %ld allocations in 3 steps", fp_rule_name((fp_rule)rule), method_names[m],
                   fpt_alloc_calls - calls);
            fflush(stdout);
            fp_trainer_free_f32(&t);
            fp_layer_free_f32(&L);
        }
    fpt_free_dataset(&ds);
    CHECK(fpt_alloc_live == live0);
}

static void trainer_reports_allocation_failures_and_never_aborts(void)
{
    enum { N = 16, NIN = 20, NOUT = 10, B = 16 };
    fp_dataset ds;
    int rule, variant, i, idx[2][B];
    fpt_make_dataset(&ds, 2 * B, NIN, NOUT, NOUT, 22);
    for (i = 0; i < B; ++i) { idx[0][i] = i; idx[1][i] = B + i; }
    for (variant = 0; variant < 2; ++variant)
        for (rule = FP_RULE_DW1; rule <= FP_RULE_DW4; ++rule) {
            fp_layer_f32 L;
            fp_train_config c = train_config((fp_rule)rule, 0.1);
            long k, live0;
            int bad = 0;
            c.batch = B;
            if (variant == 1) { /* everything that allocates: Adam state, the warm-start cache, trained read-in and read-out */
                c.optim.kind = FP_OPTIM_ADAM;
                c.optim.lr = 0.01;
                c.warm_start = 1;
                c.train_readin = 1;
                c.train_readout = 1;
            }
            CHECK(fp_layer_init_f32(&L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 6) == FP_OK);
            live0 = fpt_alloc_live;
            for (k = 0; k < 200 && !bad; ++k) {
                fp_trainer_f32 t;
                trainer_call tc;
                long failed;
                int s;
                memset(&tc, 0, sizeof tc);
                tc.t = &t; tc.L = &L; tc.cfg = &c; tc.ds = &ds; tc.n = ds.count;
                fpt_alloc_fail_after(k);
                if (trainer_call_asserts(&tc)) {
                    CHECKF(0, "%s variant %d, allocation %ld failing: FP_ASSERT in trainer_init", fp_rule_name((fp_rule)rule), variant, k);
                    bad = 1;
                    break;
                }
                CHECKF(tc.st == FP_OK || tc.st == FP_ERR_NO_MEMORY, "%s variant %d, allocation %ld failing: trainer_init %s",
                       fp_rule_name((fp_rule)rule), variant, k, fp_status_str(tc.st));
                if (tc.st == FP_OK) {
                    for (s = 0; s < 2 && !bad; ++s) {
                        long before = fpt_alloc_failed;
                        tc.kind = 1; tc.idx = idx[s]; tc.n = B;
                        if (trainer_call_asserts(&tc)) {
                            CHECKF(0, "%s variant %d, allocation %ld failing: FP_ASSERT in step %d", fp_rule_name((fp_rule)rule),
                                   variant, k, s);
                            bad = 1;
                            break;
                        }
                        CHECKF(tc.st == FP_OK || tc.st == FP_ERR_NO_MEMORY, "%s variant %d, allocation %ld failing: step %d %s",
                               fp_rule_name((fp_rule)rule), variant, k, s, fp_status_str(tc.st));
                        if (fpt_alloc_failed > before)
                            CHECKF(tc.st == FP_ERR_NO_MEMORY, "%s variant %d, allocation %ld failed inside step %d, which returned %s",
                                   fp_rule_name((fp_rule)rule), variant, k, s, fp_status_str(tc.st));
                    }
                    tc.kind = 2;
                    CHECKF(!trainer_call_asserts(&tc), "FP_ASSERT in trainer_free");
                }
                failed = fpt_alloc_failed;
                fpt_alloc_fail_after(-1);
                CHECKF(bad || fpt_alloc_live == live0, "%s variant %d, allocation %ld failing: %ld blocks leaked",
                       fp_rule_name((fp_rule)rule), variant, k, fpt_alloc_live - live0);
                if (!failed) break;
            }
            fpt_alloc_fail_after(-1);
            fflush(stdout);
            fp_layer_free_f32(&L);
        }
    fpt_free_dataset(&ds);
}

/* ---- issue 9: every out-of-range setting of the training configuration is refused (0.2: no_shuffle and
 * no_rollback are 0 or 1, min_converged lies in [-1, 1], the rate has no default and must be > 0) ---- */
static void trainer_init_rejects_out_of_range_settings(void)
{
    enum { NCASE = 35 };
    static const char *const names[NCASE] = {
        "optim.lr = inf", "optim.lr = nan", "optim.lr = -1", "optim.weight_decay = nan", "optim.weight_decay = inf",
        "optim.weight_decay = -1", "optim.momentum = nan", "optim.momentum = 1", "optim.momentum = -0.1",
        "optim.beta1 = nan", "optim.beta1 = 1", "optim.beta2 = nan", "optim.beta2 = 1", "optim.eps = nan",
        "optim.eps = inf", "optim.eps = -1", "optim.kind = 7", "min_converged = nan", "min_converged = 1.5",
        "min_converged = -1.5", "warm_start = 7", "no_rollback = 3", "train_readin = 2", "train_readout = -1",
        "no_shuffle = 2", "stability_every = -1", "stability_cols = -1", "batch = -1", "rule = 9",
        "adjoint.method = 9", "solver.tol = nan", "optim.lr = 0", "no_shuffle = -1", "no_rollback = -1", "the default"
    };
    fp_layer_f32 L;
    int k;
    long live0 = fpt_alloc_live;
    CHECK(fp_layer_init_f32(&L, 8, 4, 3, FP_ACT_TANH, 0.5, 7) == FP_OK);
    for (k = 0; k < NCASE; ++k) {
        fp_train_config c = train_config(FP_RULE_DW3, 0.1);
        fp_trainer_f32 t;
        fp_status st;
        switch (k) {
        case 0: c.optim.lr = INFINITY; break;
        case 1: c.optim.lr = NAN; break;
        case 2: c.optim.lr = -1; break;
        case 3: c.optim.weight_decay = NAN; break;
        case 4: c.optim.weight_decay = INFINITY; break;
        case 5: c.optim.weight_decay = -1; break;
        case 6: c.optim.momentum = NAN; break;
        case 7: c.optim.momentum = 1; break;
        case 8: c.optim.momentum = -0.1; break;
        case 9: c.optim.beta1 = NAN; break;
        case 10: c.optim.beta1 = 1; break;
        case 11: c.optim.beta2 = NAN; break;
        case 12: c.optim.beta2 = 1; break;
        case 13: c.optim.eps = NAN; break;
        case 14: c.optim.eps = INFINITY; break;
        case 15: c.optim.eps = -1; break;
        case 16: c.optim.kind = (fp_optim_kind)7; break;
        case 17: c.min_converged = NAN; break;
        case 18: c.min_converged = 1.5; break;
        case 19: c.min_converged = -1.5; break;
        case 20: c.warm_start = 7; break;
        case 21: c.no_rollback = 3; break;
        case 22: c.train_readin = 2; break;
        case 23: c.train_readout = -1; break;
        case 24: c.no_shuffle = 2; break;
        case 25: c.stability_every = -1; break;
        case 26: c.stability_cols = -1; break;
        case 27: c.batch = -1; break;
        case 28: c.rule = (fp_rule)9; break;
        case 29: c.adjoint.method = (fp_adjoint_method)9; break;
        case 30: c.solver.tol = NAN; break;
        case 31: c.optim.lr = 0; break; /* 0.1 took it; 0.2 has no default rate */
        case 32: c.no_shuffle = -1; break; /* 0.1's shuffle = -1 (dataset order) has no meaning here */
        case 33: c.no_rollback = -1; break;
        default: break; /* 34: the default itself */
        }
        st = fp_trainer_init_f32(&t, &L, &c, 10);
        if (k == NCASE - 1) CHECKF(st == FP_OK, "%s: %s", names[k], fp_status_str(st));
        else CHECKF(st == FP_ERR_INVALID_ARG, "%s: %s", names[k], fp_status_str(st));
        if (st == FP_OK) fp_trainer_free_f32(&t);
    }
    /* the valid values of no_shuffle and no_rollback (0, 1) and of min_converged at and inside [-1, 1]; a
     * negative min_converged means only a non-finite solve counts as lost (0 in force), zero the default 0.5 */
    for (k = 0; k < 8; ++k) {
        static const double mc[8] = { 0, 0, 0, 0, -1, -0.1, 0, 1 }, in_force[8] = { 0.5, 0.5, 0.5, 0.5, 0, 0, 0.5, 1 };
        fp_train_config c = train_config(FP_RULE_DW3, 0.1);
        fp_trainer_f32 t;
        fp_status st;
        c.no_shuffle = k < 4 ? k & 1 : 0;
        c.no_rollback = k < 4 ? k >> 1 : 0;
        c.min_converged = mc[k];
        st = fp_trainer_init_f32(&t, &L, &c, 10);
        CHECKF(st == FP_OK, "no_shuffle = %d, no_rollback = %d, min_converged = %g: %s", c.no_shuffle, c.no_rollback, mc[k],
               fp_status_str(st));
        if (st == FP_OK) {
            CHECKF(t.cfg.min_converged == in_force[k], "min_converged = %g: %g in force", mc[k], t.cfg.min_converged);
            fp_trainer_free_f32(&t);
        }
    }
    fp_layer_free_f32(&L);
    CHECK(fpt_alloc_live == live0);
}

/* ---- issue 11: evaluation refuses labels its read-out cannot score, and reports non-finite weights ---- */
static void evaluate_rejects_labels_beyond_the_readout_and_non_finite_weights(void)
{
    enum { N = 8, NIN = 12, NOUT = 3 };
    fp_dataset ds, ok;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = train_config(FP_RULE_DW3, 0.1);
    double loss = 0, acc = 0;
    float saved;
    fp_status st;
    long live0 = fpt_alloc_live;
    fpt_make_dataset(&ds, 20, NIN, 10, 10, 23); /* labels 0..9, read-out of 3 */
    fpt_make_dataset(&ok, 20, NIN, 10, NOUT, 23); /* labels 0..2 */
    c.batch = 8;
    CHECK(fp_layer_init_f32(&L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 8) == FP_OK);
    CHECK(fp_trainer_init_f32(&t, &L, &c, ds.count) == FP_OK);
    st = fp_layer_evaluate_f32(&t, &ds, 0, &loss, &acc);
    CHECKF(st == FP_ERR_INVALID_ARG, "labels up to 9, read-out of 3: %s (loss %g)", fp_status_str(st), loss);
    st = fp_layer_evaluate_f32(&t, &ok, 0, &loss, &acc);
    CHECKF(st == FP_OK && loss == loss, "valid labels: %s (loss %g)", fp_status_str(st), loss);
    fp_trainer_free_f32(&t);
    /* a fresh trainer (nothing solved yet) over a NaN weight: reported, and no fixed point is read that was
     * never computed */
    CHECK(fp_trainer_init_f32(&t, &L, &c, ok.count) == FP_OK);
    saved = L.w[3];
    L.w[3] = NAN;
    st = fp_layer_evaluate_f32(&t, &ok, 0, &loss, &acc);
    CHECKF(st == FP_ERR_NON_FINITE, "NaN in W: %s", fp_status_str(st));
    L.w[3] = saved;
    st = fp_layer_evaluate_f32(&t, &ok, 0, &loss, &acc);
    CHECKF(st == FP_OK, "W restored: %s", fp_status_str(st));
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fpt_free_dataset(&ds);
    fpt_free_dataset(&ok);
    CHECK(fpt_alloc_live == live0);
}

/* ---- issue 12: a failed allocation in read-out gradient descent is reported, not taken for an overshoot.
 * Allocations k = 0, 1, 2, ... fail in turn, up to the first run that sees no failure or k = 12 (by then the
 * sweep has covered the descent's own block, the first loss-and-gradient evaluation and those of the first
 * steps inside the loop; later ones repeat them, and the sweep stays quick under valgrind); a last run
 * without failure checks the whole descent for leaks. ---- */
static void feedback_gradient_descent_reports_allocation_failures(void)
{
    static const double u[2] = { 1, 0.5 }, A[2] = { 0.8, -0.4 };
    fp_meanfield_params p;
    fp_feedback_gd_config gc;
    long k, live0 = fpt_alloc_live;
    memset(&p, 0, sizeof p);
    p.g = 0.5; p.s_m = 1; p.s_I = 1; p.rho = 0; p.C = 1; p.p = 0; p.p_m = 1; p.p_I = 1;
    memset(&gc, 0, sizeof gc);
    gc.max_steps = 20;
    for (k = 0; k <= 13; ++k) {
        fp_feedback_f64 fb;
        fp_feedback_gd_report rep;
        fp_status st;
        long failed, calls;
        CHECK(fp_feedback_init_f64(&fb, 60, &p, 9) == FP_OK);
        fpt_alloc_fail_after(k == 13 ? -1 : k);
        calls = fpt_alloc_calls;
        memset(&rep, 0, sizeof rep);
        st = fp_feedback_train_gd_f64(&fb, 2, u, A, &gc, NULL, &rep);
        failed = fpt_alloc_failed;
        fpt_alloc_fail_after(-1);
        fp_feedback_free_f64(&fb);
        if (failed) CHECKF(st == FP_ERR_NO_MEMORY, "allocation %ld failed, status %s (%d steps, %d halvings)", k, fp_status_str(st),
                           rep.steps, rep.halvings);
        else CHECKF(st != FP_ERR_NO_MEMORY, "no allocation failed, status %s", fp_status_str(st));
        CHECKF(fpt_alloc_live == live0, "allocation %ld failing: %ld blocks leaked", k, fpt_alloc_live - live0);
        fpt_alloc_live = live0;
        if (!failed) {
            printf("    fault-free run: %ld allocations, %d steps, %s\n", fpt_alloc_calls - calls, rep.steps, fp_status_str(st));
            break;
        }
    }
}

/* ---- issue 14: an output that overlaps an input is a programmer error: refused by the usage handler with
 * the argument's name, every buffer left as it was ---- */
static void solve_asserts_when_an_output_overlaps_an_input(void)
{
    enum { N = 6, B = 6 };
    fpt_rng rng = { 24 };
    double *w0 = fpt_randn(N, N, 0.5, &rng), x0[N * B], w[N * N], x[N * B], r[N * B], g[N * B];
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    void *ws = malloc(fp_solve_workspace_size_f64(&c, N, B));
    int i;
    for (i = 0; i < N * B; ++i) x0[i] = fpt_uniform(&rng);
#define RESET() (memcpy(w, w0, sizeof w), memcpy(x, x0, sizeof x), fpt_fill(r, N * B, SENTINEL), fpt_fill(g, N * B, SENTINEL))
#define UNTOUCHED() (memcmp(w, w0, sizeof w) == 0 && memcmp(x, x0, sizeof x) == 0 && fpt_all_equal(r, N * B, SENTINEL) && \
                     fpt_all_equal(g, N * B, SENTINEL))
    RESET(); /* R == X */
    EXPECT_USAGE(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(x, N, B), rm64(g, N, B), NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_solve_f64: R must not overlap W or X") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
    RESET(); /* R == W (N == B) */
    EXPECT_USAGE(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(w, N, B), rm64(g, N, B), NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_solve_f64: R must not overlap W or X") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
    RESET(); /* gain == X */
    EXPECT_USAGE(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(x, N, B), NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_solve_f64: G must not overlap W, X or R") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
    RESET(); /* gain == R */
    EXPECT_USAGE(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(r, N, B), NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_solve_f64: G must not overlap W, X or R") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
    RESET(); /* and apart, the same call runs */
    CHECK(fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, ws) == FP_OK);
#undef UNTOUCHED
#undef RESET
    free(ws);
    free(w0);
}

static void implicit_grad_asserts_when_an_output_overlaps_an_input(void)
{
    enum { N = 6, B = 3 };
    fpt_rng rng = { 25 };
    double *w0 = fpt_randn(N, N, 0.5, &rng), r[N * B], g0[N * B], d0[N * B], w[N * N], g[N * B], d[N * B], v[N * B], dw[N * N];
    fp_adjoint_config ac = fp_adjoint_config_default();
    void *ws = malloc(fp_adjoint_workspace_size_f64(&ac, N, B));
    int i;
    for (i = 0; i < N * B; ++i) { r[i] = 0.8 * fpt_uniform(&rng); g0[i] = 0.5 + 0.4 * fpt_uniform(&rng); d0[i] = fpt_uniform(&rng); }
#define RESET() (memcpy(w, w0, sizeof w), memcpy(g, g0, sizeof g), memcpy(d, d0, sizeof d), fpt_fill(v, N * B, SENTINEL), \
                 fpt_fill(dw, N * N, SENTINEL))
#define UNTOUCHED() (memcmp(w, w0, sizeof w) == 0 && memcmp(g, g0, sizeof g) == 0 && memcmp(d, d0, sizeof d) == 0 && \
                     fpt_all_equal(v, N * B, SENTINEL) && fpt_all_equal(dw, N * N, SENTINEL))
    RESET(); /* v == gain */
    EXPECT_USAGE(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(g, N, B), NONE64, NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_implicit_grad_f64: V must not overlap") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
    RESET(); /* v == delta */
    EXPECT_USAGE(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(d, N, B), NONE64, NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_implicit_grad_f64: V must not overlap") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
    RESET(); /* dw == w */
    EXPECT_USAGE(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), rm64(w, N, N), NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_implicit_grad_f64: dW must not overlap") != NULL, "%s", fpt_usage_msg);
    CHECK(UNTOUCHED());
#undef UNTOUCHED
#undef RESET
    free(ws);
    free(w0);
}

static void rule_dw_overlap_case(fp_rule rule, int n, int b, const double *w0, const double *r, const double *g, const double *d)
{
    fp_rule_config rc = rule_config(rule, 0.1);
    double *w = malloc(sizeof(double) * (size_t)n * (size_t)n);
    void *ws = malloc(fp_rule_workspace_size_f64(&rc, n, b));
    memcpy(w, w0, sizeof(double) * (size_t)n * (size_t)n);
    EXPECT_USAGE(fp_rule_dw_f64(&rc, rm64(w, n, n), rm64(r, n, b), rm64(g, n, b), rm64(d, n, b), rm64(w, n, n), NULL, ws));
    CHECKF(strstr(fpt_usage_msg, "fp_rule_dw_f64: dW must not overlap W") != NULL, "%s: %s", fp_rule_name(rule), fpt_usage_msg);
    CHECKF(memcmp(w, w0, sizeof(double) * (size_t)n * (size_t)n) == 0, "%s: W written", fp_rule_name(rule));
    free(ws);
    free(w);
}

static void rule_dw_asserts_when_dw_overlaps_w(void)
{
    enum { N = 6, B = 3 };
    fpt_rng rng = { 26 };
    double *w0 = fpt_randn(N, N, 0.5, &rng), r[N * B], g[N * B], d[N * B];
    int rule, i;
    for (i = 0; i < N * B; ++i) { r[i] = 0.8 * fpt_uniform(&rng); g[i] = 0.5 + 0.4 * fpt_uniform(&rng); d[i] = fpt_uniform(&rng); }
    for (rule = FP_RULE_DW1; rule <= FP_RULE_DW4; ++rule) rule_dw_overlap_case((fp_rule)rule, N, B, w0, r, g, d);
    free(w0);
}

/* ---- issue 15: what R and gain hold when a solve fails ---- */
static void solve_rejection_leaves_r_and_gain_untouched(void)
{
    enum { N = 8, B = 3 };
    fpt_rng rng = { 27 };
    double *w0 = fpt_randn(N, N, 0.5, &rng), x0[N * B], w[N * N], x[N * B], r[N * B], g[N * B];
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    int m, which;
    for (which = 0; which < N * B; ++which) x0[which] = fpt_uniform(&rng);
    for (m = 0; m < 4; ++m)
        for (which = 0; which < 3; ++which) {
            static const char *const what[3] = { "tol = -1", "NaN in W", "NaN in X" };
            fp_solver_config c = fp_solver_config_default(all_methods[m]);
            fp_status st, want = which == 0 ? FP_ERR_INVALID_ARG : FP_ERR_NON_FINITE;
            memcpy(w, w0, sizeof w);
            memcpy(x, x0, sizeof x);
            if (which == 0) c.tol = -1;
            if (which == 1) w[9] = NAN;
            if (which == 2) x[4] = NAN;
            fpt_fill(r, N * B, SENTINEL);
            fpt_fill(g, N * B, SENTINEL);
            st = fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL);
            CHECKF(st == want, "%s, %s: %s", method_names[m], what[which], fp_status_str(st));
            CHECKF(fpt_all_equal(r, N * B, SENTINEL) && fpt_all_equal(g, N * B, SENTINEL), "%s, %s: R or gain written",
                   method_names[m], what[which]);
        }
    free(w0);
}

static void solve_not_converged_returns_last_iterate_and_its_gains(void)
{
    enum { N = 40, B = 3 };
    fpt_rng rng = { 28 };
    double *w = fpt_orthogonal(N, 0.98, &rng), x[N * B], r[N * B], g[N * B];
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_status st;
    int i;
    for (i = 0; i < N * B; ++i) x[i] = fpt_uniform(&rng);
    c.max_iter = 2;
    fpt_fill(r, N * B, SENTINEL);
    fpt_fill(g, N * B, SENTINEL);
    st = fp_solve_f64(&c, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL);
    CHECKF(st == FP_ERR_NOT_CONVERGED, "%s", fp_status_str(st));
    CHECK(none_equal(r, N * B, SENTINEL) && fp_mat_all_finite_f64(rm64(r, N, B)));
    CHECKF(tanh_gain_error(N, B, w, r, x, g) < 1e-12, "gain error %.3g", tanh_gain_error(N, B, w, r, x, g));
    free(w);
}

const fpt_test fpt_contract_tests[] = {
    { "trainer_epoch_rejects_dataset_larger_than_its_buffers", trainer_epoch_rejects_dataset_larger_than_its_buffers },
    { "solve_with_more_threads_stays_inside_a_one_thread_workspace", solve_with_more_threads_stays_inside_a_one_thread_workspace },
    { "train_step_rejects_out_of_range_sample_indices", train_step_rejects_out_of_range_sample_indices },
    { "rule_dw_rejects_non_finite_inputs_and_leaves_dw_untouched", rule_dw_rejects_non_finite_inputs_and_leaves_dw_untouched },
    { "implicit_grad_rejects_non_finite_r_and_leaves_outputs_untouched", implicit_grad_rejects_non_finite_r_and_leaves_outputs_untouched },
    { "solve_newton_with_a_workspace_allocates_nothing_and_returns_true_gains", solve_newton_with_a_workspace_allocates_nothing_and_returns_true_gains },
    { "implicit_grad_direct_with_a_workspace_allocates_nothing", implicit_grad_direct_with_a_workspace_allocates_nothing },
    { "rule_dw1_with_a_workspace_allocates_nothing", rule_dw1_with_a_workspace_allocates_nothing },
    { "solve_newton_reports_allocation_failure_or_returns_exact_outputs", solve_newton_reports_allocation_failure_or_returns_exact_outputs },
    { "implicit_grad_reports_allocation_failure_or_returns_exact_outputs", implicit_grad_reports_allocation_failure_or_returns_exact_outputs },
    { "rule_dw1_reports_allocation_failure_or_returns_exact_outputs", rule_dw1_reports_allocation_failure_or_returns_exact_outputs },
    { "trainer_reports_allocation_failures_and_never_aborts", trainer_reports_allocation_failures_and_never_aborts },
    { "trainer_init_rejects_out_of_range_settings", trainer_init_rejects_out_of_range_settings },
    { "evaluate_rejects_labels_beyond_the_readout_and_non_finite_weights", evaluate_rejects_labels_beyond_the_readout_and_non_finite_weights },
    { "feedback_gradient_descent_reports_allocation_failures", feedback_gradient_descent_reports_allocation_failures },
    { "solve_asserts_when_an_output_overlaps_an_input", solve_asserts_when_an_output_overlaps_an_input },
    { "implicit_grad_asserts_when_an_output_overlaps_an_input", implicit_grad_asserts_when_an_output_overlaps_an_input },
    { "rule_dw_asserts_when_dw_overlaps_w", rule_dw_asserts_when_dw_overlaps_w },
    { "solve_rejection_leaves_r_and_gain_untouched", solve_rejection_leaves_r_and_gain_untouched },
    { "solve_not_converged_returns_last_iterate_and_its_gains", solve_not_converged_returns_last_iterate_and_its_gains },
    { "trainer_step_stays_in_bounds_with_every_solver_and_trained_readin", trainer_step_stays_in_bounds_with_every_solver_and_trained_readin },
    { "trainer_steps_allocate_nothing_after_init", trainer_steps_allocate_nothing_after_init },
    { NULL, NULL }
};
