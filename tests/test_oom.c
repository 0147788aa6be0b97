/* Out of memory everywhere: an allocator that fails the k-th allocation, for every k, through a training
 * run of every rule and solver, a stability analysis, a census, a mean-field sweep, feedback training and
 * the file loaders. Every run ends in FP_OK with the fault-free result or in FP_ERR_NO_MEMORY; nothing
 * aborts (an FP_ASSERT would end the suite) and nothing leaks. */
#include <stdio.h>
#include <string.h>
#include "util.h"
#include "alloc.h"
#include "../fixpoint.h"

/* A scenario runs once with nothing failing (ref = 1: it records its result in out) or with an injected
 * failure (ref = 0: it compares with out) and returns its status; it frees everything it allocated. */
typedef fp_status (*fpt_scenario)(void *ctx, int ref, double *out);

/* Runs s with the k-th allocation failing for k = 0, 1, ... until a run meets no failure. Returns the
 * number of runs with an injected failure. */
static int fail_every_allocation(const char *name, fpt_scenario s, void *ctx)
{
    static double ref[4096];
    long live0 = fpt_alloc_live, k;
    int runs = 0, bad = 0;
    fp_status st;
    fpt_alloc_fail_after(-1);
    st = s(ctx, 1, ref);
    CHECKF(st == FP_OK, "%s: fault-free run returned %s", name, fp_status_str(st));
    for (k = 0; k < 100000; ++k) {
        fpt_alloc_fail_after(k);
        st = s(ctx, 0, ref);
        if (fpt_alloc_failed == 0) break; /* past the last allocation */
        ++runs;
        if (st != FP_OK && st != FP_ERR_NO_MEMORY) { ++bad; CHECKF(0, "%s: allocation %ld failed -> %s", name, k, fp_status_str(st)); }
        CHECKF(fpt_alloc_live == live0, "%s: allocation %ld failed and %ld blocks leaked", name, k, fpt_alloc_live - live0);
    }
    fpt_alloc_fail_after(-1);
    CHECKF(st == FP_OK, "%s: the run past the last allocation returned %s", name, fp_status_str(st));
    (void)bad;
    return runs;
}

/* ---- training: layer, trainer, three steps, free ---- */
typedef struct train_ctx { fp_rule rule; fp_solver_method solver; int readin; const fp_dataset *ds; } train_ctx;

static fp_status train_run(void *vctx, int ref, double *out)
{
    train_ctx *c = (train_ctx *)vctx;
    fp_layer_f64 L;
    fp_trainer_f64 t;
    fp_train_config cfg = fp_train_config_default();
    fp_train_record rec;
    fp_status st;
    int idx[6], s, i;
    const size_t cnt = 8 * 8 + 8 * 10 + 8 + 3 * 8 + 3;
    cfg.rule = c->rule;
    cfg.optim.lr = 0.1;
    cfg.seed = 1; /* the seed of the 0.1 default */
    cfg.solver = fp_solver_config_default(c->solver);
    cfg.batch = 6;
    cfg.train_readin = c->readin;
    cfg.stability_every = 1;
    if ((st = fp_layer_init_f64(&L, 8, 10, 3, FP_ACT_TANH, 0.5, 11)) != FP_OK) return st;
    if ((st = fp_trainer_init_f64(&t, &L, &cfg, c->ds->count)) != FP_OK) { fp_layer_free_f64(&L); return st; }
    for (s = 0; s < 3 && st == FP_OK; ++s) {
        for (i = 0; i < 6; ++i) idx[i] = (6 * s + i) % c->ds->count;
        st = fp_layer_train_step_f64(&t, c->ds, idx, 6, &rec);
    }
    if (st == FP_OK) {
        if (ref) memcpy(out, L.w, cnt * sizeof(double));
        else if (memcmp(out, L.w, cnt * sizeof(double)) != 0) st = FP_ERR_FORMAT; /* FP_OK with another result */
    }
    fp_trainer_free_f64(&t);
    fp_layer_free_f64(&L);
    return st;
}

static void every_allocation_failure_in_training_is_no_memory_or_the_right_result(void)
{
    static unsigned char px[20 * 10], lb[20];
    fp_dataset ds;
    fpt_rng r = { 9 };
    train_ctx c;
    int i, rule, m, runs = 0;
    for (i = 0; i < 20 * 10; ++i) px[i] = (unsigned char)(128 + 127 * fpt_uniform(&r));
    for (i = 0; i < 20; ++i) lb[i] = (unsigned char)(i % 3);
    ds.count = 20; ds.dim = 10; ds.classes = 3; ds.pixels = px; ds.labels = lb;
    c.ds = &ds;
    for (rule = 1; rule <= 4; ++rule)
        for (m = FP_SOLVER_EULER; m <= FP_SOLVER_NEWTON; ++m) {
            char name[64];
            c.rule = (fp_rule)rule;
            c.solver = (fp_solver_method)m;
            c.readin = rule == 3;
            snprintf(name, sizeof name, "dW%d %s", rule, m == 1 ? "euler" : m == 2 ? "damped" : m == 3 ? "anderson" : "newton");
            runs += fail_every_allocation(name, train_run, &c);
        }
    printf("    16 rule x solver combinations, %d runs with one allocation failing\n", runs);
}

/* ---- analysis: stability, census, mean-field sweep ---- */
static fp_status stability_run(void *vctx, int ref, double *out)
{
    const double *w = (const double *)vctx;
    fp_spectrum sp;
    fp_status st = fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64((double *)w, 20, 20), fp_mat_rowmajor_f64(NULL, 0, 0), &sp,
                                            NULL, NULL, NULL);
    if (st == FP_OK) {
        if (ref) out[0] = sp.abscissa;
        else if (out[0] != sp.abscissa) st = FP_ERR_FORMAT;
    }
    return st;
}

static fp_status census_run(void *vctx, int ref, double *out)
{
    const double *w = (const double *)vctx;
    double x[20], r[20 * 6];
    fp_attractor at[4];
    fp_census cs;
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fpt_rng rr = { 5 };
    int i;
    fp_status st;
    for (i = 0; i < 20; ++i) x[i] = 0;
    for (i = 0; i < 20 * 6; ++i) r[i] = 2 * fpt_uniform(&rr);
    st = fp_census_f64(NULL, &act, fp_mat_rowmajor_f64((double *)w, 20, 20), fp_mat_vec_f64(x, 20), fp_mat_rowmajor_f64(r, 20, 6), at, 4,
                       NULL, &cs);
    if (st == FP_OK) {
        double a0 = cs.attractors > 0 ? at[0].spectrum.abscissa : -1;
        if (ref) { out[0] = cs.attractors; out[1] = a0; }
        else if (out[0] != cs.attractors || out[1] != a0) st = FP_ERR_FORMAT;
    }
    return st;
}

static fp_status sweep_run(void *vctx, int ref, double *out)
{
    fp_meanfield_params b;
    fp_meanfield_cell cell[3];
    fp_status st;
    (void)vctx;
    memset(&b, 0, sizeof b);
    b.g = 0.3; b.s_m = 1.2; b.s_I = 0.5; b.rho = 0.5; b.C = 1; b.p = 1; b.p_m = 1; b.p_I = 0.3;
    st = fp_meanfield_sweep(&b, FP_MF_TARGET, -1, 1, 3, FP_MF_TARGET, 0, 0, 1, cell);
    if (st == FP_OK) {
        if (ref) out[0] = cell[2].z_max;
        else if (out[0] != cell[2].z_max) st = FP_ERR_FORMAT;
    }
    return st;
}

static fp_status feedback_run(void *vctx, int ref, double *out)
{
    fp_meanfield_params p;
    fp_feedback_f64 fb;
    fp_feedback_gd_config gc;
    fp_feedback_gd_report rep;
    const double u[2] = { 1, 0.5 }, A[2] = { 0.8, -0.4 };
    fp_status st;
    (void)vctx;
    memset(&p, 0, sizeof p);
    p.g = 0.5; p.s_m = 1; p.s_I = 1; p.C = 1; p.p_m = 1; p.p_I = 1;
    memset(&gc, 0, sizeof gc);
    gc.max_steps = 5;
    if ((st = fp_feedback_init_f64(&fb, 40, &p, 3)) != FP_OK) return st;
    st = fp_feedback_train_gd_f64(&fb, 2, u, A, &gc, NULL, &rep);
    if (st == FP_ERR_NOT_CONVERGED) st = FP_OK; /* 5 steps do not reach 1e-10: the loss is the result */
    if (st == FP_OK) {
        if (ref) out[0] = rep.loss;
        else if (out[0] != rep.loss) st = FP_ERR_FORMAT;
    }
    fp_feedback_free_f64(&fb);
    return st;
}

static void every_allocation_failure_in_analysis_is_no_memory_or_the_right_result(void)
{
    fpt_rng r = { 21 };
    double *w = fpt_randn(20, 20, 1.3, &r), *w2 = fpt_randn(20, 20, 0.8, &r);
    int a = fail_every_allocation("stability", stability_run, w), b = fail_every_allocation("census", census_run, w2),
        c = fail_every_allocation("sweep", sweep_run, NULL), d = fail_every_allocation("feedback gd", feedback_run, NULL);
    printf("    runs with one allocation failing: stability %d, census %d, sweep %d, feedback gradient descent %d\n", a, b, c, d);
    free(w);
    free(w2);
}

/* ---- files ---- */
static fp_status files_run(void *vctx, int ref, double *out)
{
    fp_layer_f32 L;
    fp_dataset ds;
    fp_status st;
    (void)vctx;
    memset(&L, 0, sizeof L);
    st = fp_layer_load_f32(&L, "build/oom_layer.bin", NULL);
    if (st != FP_OK) return st;
    if (ref) out[0] = L.w[3];
    else if (out[0] != L.w[3]) st = FP_ERR_FORMAT;
    fp_layer_free_f32(&L);
    if (st != FP_OK) return st;
    st = fp_dataset_load("data/fashion-test-images.idx", "data/fashion-test-labels.idx", 10, &ds, NULL);
    if (st != FP_OK) return st;
    if (ref) out[1] = ds.pixels[1000];
    else if (out[1] != ds.pixels[1000]) st = FP_ERR_FORMAT;
    fp_dataset_free(&ds);
    return st;
}

static void every_allocation_failure_in_file_loads_is_no_memory_or_the_right_result(void)
{
    fp_layer_f32 L;
    CHECK(fp_layer_init_f32(&L, 6, 5, 2, FP_ACT_TANH, 0.5, 1) == FP_OK);
    CHECK(fp_layer_save_f32(&L, "build/oom_layer.bin") == FP_OK);
    fp_layer_free_f32(&L);
    printf("    runs with one allocation failing: %d\n", fail_every_allocation("files", files_run, NULL));
    remove("build/oom_layer.bin");
}

const fpt_test fpt_oom_tests[] = {
    { "every_allocation_failure_in_training_is_no_memory_or_the_right_result", every_allocation_failure_in_training_is_no_memory_or_the_right_result },
    { "every_allocation_failure_in_analysis_is_no_memory_or_the_right_result", every_allocation_failure_in_analysis_is_no_memory_or_the_right_result },
    { "every_allocation_failure_in_file_loads_is_no_memory_or_the_right_result", every_allocation_failure_in_file_loads_is_no_memory_or_the_right_result },
    { NULL, NULL }
};
