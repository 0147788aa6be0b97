/* Numerical faults (issue 5): each is detected, reported with a status, and recoverable - a dW2 system
 * that is singular, an adjoint that does not converge, a training step that crosses the singularity. */
#include <stdio.h>
#include "util.h"
#include "../fixpoint.h"

/* Row-major views (inputs may be const: the library only reads them) and the absent view. */
static fp_mat_f64 rm64(const double *p, int rows, int cols) { return fp_mat_rowmajor_f64((double *)p, rows, cols); }
#define NONE64 fp_mat_rowmajor_f64(NULL, 0, 0)

/* dW2's B x B system K = I - lr S^T L (S = R - W R, L = Gr - W Gr for a linear network) is singular when
 * 1 / lr is an eigenvalue of S^T L: reported, and half the rate works. */
static void dw2_singular_system_is_reported_and_half_the_rate_recovers(void)
{
    enum { N = 6 };
    fpt_rng rng = { 31 };
    int b;
    for (b = 1; b <= 3; b += 2) {
        double *w = fpt_randn(N, N, 0.5, &rng), r[N * 3], gain[N * 3], g[N * 3], S[N * 3], L[N * 3], M[9], wr[3], wi[3];
        double dw[N * N], lr = 0;
        fp_rule_config rc;
        int i, j, p;
        for (i = 0; i < N * b; ++i) { r[i] = fpt_uniform(&rng); g[i] = fpt_uniform(&rng); gain[i] = 1; }
        /* S and L as the rule forms them (G = I) */
        for (i = 0; i < N; ++i)
            for (j = 0; j < b; ++j) {
                double wr_ = 0, wg = 0;
                for (p = 0; p < N; ++p) { wr_ += w[i * N + p] * r[p * b + j]; wg += w[i * N + p] * g[p * b + j]; }
                S[i * b + j] = r[i * b + j] - wr_;
                L[i * b + j] = g[i * b + j] - wg;
            }
        for (i = 0; i < b; ++i)
            for (j = 0; j < b; ++j) { M[i * b + j] = 0; for (p = 0; p < N; ++p) M[i * b + j] += S[p * b + i] * L[p * b + j]; }
        CHECK(fp_eig_f64(rm64(M, b, b), wr, wi, NULL) == FP_OK);
        for (i = 0; i < b; ++i)
            if (wi[i] == 0 && fabs(wr[i]) > 1e-3) lr = 1.0 / wr[i];
        if (lr < 0) { /* flip the gradient: S^T L changes sign */
            for (i = 0; i < N * b; ++i) g[i] = -g[i];
            lr = -lr;
        }
        CHECKF(lr > 0, "no real eigenvalue of S^T L at B = %d", b);
        memset(&rc, 0, sizeof rc);
        rc.rule = FP_RULE_DW2;
        rc.lr = lr;
        CHECKF(fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N, b), rm64(gain, N, b), rm64(g, N, b), rm64(dw, N, N), NULL, NULL) == FP_ERR_SINGULAR,
               "B = %d, lr = 1/lambda = %.6f", b, lr);
        rc.lr = 0.5 * lr;
        CHECK(fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N, b), rm64(gain, N, b), rm64(g, N, b), rm64(dw, N, N), NULL, NULL) == FP_OK);
        CHECK(fp_mat_all_finite_f64(rm64(dw, N, N)));
        free(w);
    }
}

/* The iterative adjoint capped at 3 sweeps on a network near its bifurcation: FP_ERR_NOT_CONVERGED with a
 * message; the automatic method falls back to the direct solve and gets the exact answer. */
static void adjoint_non_convergence_is_reported_and_auto_falls_back(void)
{
    enum { N = 80, B = 2 };
    fpt_rng rng = { 41 };
    double *w = fpt_orthogonal(N, 0.98, &rng), x[N * B], r[N * B], g[N * B], d[N * B], v[N * B], vd[N * B], worst = 0;
    fp_solver_config sc = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_adjoint_config ac = fp_adjoint_config_default();
    fp_solve_report rep;
    int i;
    for (i = 0; i < N * B; ++i) { x[i] = 0.05 * fpt_uniform(&rng); d[i] = fpt_uniform(&rng); }
    sc.tol = 1e-12;
    CHECK(fp_solve_f64(&sc, &act, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    ac.method = FP_ADJOINT_ITERATIVE;
    ac.iter.max_iter = 3;
    memset(&rep, 0, sizeof rep);
    CHECK(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), NONE64, &rep, NULL) ==
          FP_ERR_NOT_CONVERGED);
    CHECK(rep.status == FP_ERR_NOT_CONVERGED && rep.message != NULL);
    printf("    iterative adjoint, 3 sweeps: %s (%s), residual %.2e\n", fp_status_str(rep.status), rep.message ? rep.message : "", rep.max_residual);
    ac.method = FP_ADJOINT_AUTO;
    CHECK(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), NONE64, NULL, NULL) == FP_OK);
    ac.method = FP_ADJOINT_DIRECT;
    CHECK(fp_implicit_grad_f64(&ac, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(vd, N, B), NONE64, NULL, NULL) == FP_OK);
    for (i = 0; i < N * B; ++i) worst = fmax(worst, fabs(v[i] - vd[i]) / (1 + fabs(vd[i])));
    CHECK(worst < 1e-10);
    free(w);
}

/* What the training test saw, step by step. A step that rolled back must have started from exactly the
 * parameters the previous update started from: then, if it went on to update, the trainer's copy of the
 * parameters before its own update (prev) is that; if it stopped, the layer still holds them. */
typedef struct steps_seen {
    int steps, rolled_back, nan_ok, failed, not_restored;
    const fp_trainer_f64 *t;
    size_t count;   /* parameters in the layer (one block from w) */
    double *before; /* prev as the last step left it: the parameters before the last update */
} steps_seen;

static int record_steps(const fp_train_record *rec, void *user)
{
    steps_seen *s = (steps_seen *)user;
    const double *start = rec->status == FP_OK ? s->t->prev : s->t->layer->w;
    s->steps += 1;
    s->rolled_back += rec->rolled_back;
    s->nan_ok += rec->status == FP_OK && !(rec->loss == rec->loss); /* a loss that is NaN but called OK */
    s->failed += rec->status != FP_OK;
    if (rec->rolled_back && memcmp(start, s->before, s->count * sizeof *start) != 0) s->not_restored += 1;
    memcpy(s->before, s->t->prev, s->count * sizeof *s->before);
    return 0;
}

/* dW1 at a rate far too large (20), from a network near its bifurcation: steps cross the singularity, the
 * fixed point is lost, the trainer undoes the step and halves the rate, and training goes on with finite
 * weights and a falling loss. The fixed point counts as lost when any column of the batch misses it
 * (min_converged = 1): the default lets a step go on with up to half the columns unconverged, whose
 * values are wherever the iteration stopped - they differ with the rounding of each kernel path, and so
 * did the whole run after them (no rollback at all on the scalar path). With every column required, the
 * run learns only from true fixed points and the first crossing is the same on every path (here step 2,
 * with any iteration cap from 300 to 3000). */
static void training_across_the_singularity_rolls_back_and_recovers(void)
{
    fp_dataset tr;
    fp_layer_f64 L;
    fp_trainer_f64 t;
    fp_train_config c = fp_train_config_default();
    const char *why;
    steps_seen seen;
    int e;
    double l0, l1;
    memset(&seen, 0, sizeof seen);
    CHECK(fp_dataset_load("data/fashion-train-images.idx", "data/fashion-train-labels.idx", 10, &tr, &why) == FP_OK);
    tr.count = 256;
    c.rule = FP_RULE_DW1;
    c.optim.lr = 20.0;
    c.seed = 1; /* the seed of the 0.1 default */
    c.batch = 64;
    c.solver.max_iter = 300;
    c.min_converged = 1;
    CHECK(fp_layer_init_f64(&L, 24, 784, 10, FP_ACT_TANH, 0.95, 5) == FP_OK);
    CHECK(fp_trainer_init_f64(&t, &L, &c, tr.count) == FP_OK);
    seen.t = &t;
    seen.count = (size_t)(24 * 24 + 24 * 784 + 24 + 10 * 24 + 10);
    seen.before = malloc(seen.count * sizeof *seen.before);
    memcpy(seen.before, L.w, seen.count * sizeof *seen.before);
    fp_layer_evaluate_f64(&t, &tr, 256, &l0, NULL);
    for (e = 0; e < 4; ++e) fp_layer_train_epoch_f64(&t, &tr, e, record_steps, &seen);
    fp_layer_evaluate_f64(&t, &tr, 256, &l1, NULL);
    printf("    dW1 at lr %g (%s): %d steps, %d rolled back, %d failed; rate scale now %.4g; loss %.3f -> %.3f\n", c.optim.lr,
           fp_isa_name(fp_isa_current()), seen.steps, seen.rolled_back, seen.failed, t.lr_scale, l0, l1);
    CHECK(seen.steps == 16 && seen.rolled_back >= 1 && seen.nan_ok == 0 && t.lr_scale < 1);
    CHECK(seen.not_restored == 0 && t.lr_scale == ldexp(1.0, -seen.rolled_back)); /* undone, and halved once each */
    CHECK(fp_mat_all_finite_f64(rm64(L.w, 24, 24)) && l1 == l1 && l1 < l0);
    free(seen.before);
    fp_trainer_free_f64(&t);
    fp_layer_free_f64(&L);
    fp_dataset_free(&tr);
}

const fpt_test fpt_fault_tests[] = {
    { "dw2_singular_system_is_reported_and_half_the_rate_recovers", dw2_singular_system_is_reported_and_half_the_rate_recovers },
    { "adjoint_non_convergence_is_reported_and_auto_falls_back", adjoint_non_convergence_is_reported_and_auto_falls_back },
    { "training_across_the_singularity_rolls_back_and_recovers", training_across_the_singularity_rolls_back_and_recovers },
    { NULL, NULL }
};
