/* bench/rules: how many steps and seconds a learning rule needs to reach a loss target, on one problem
 * family, one seed. Every run is full-batch and deterministic; float64 except the Fashion-MNIST family
 * (the float32 layer trainer of the main job).
 *   rules FAMILY RULE SEED [--n N] [--lr LR] [--optim sgd|momentum|adam] [--solver anderson|damped]
 *                          [--target REL] [--cap STEPS] [--curve FILE]
 * FAMILY: linear   the paper's linear toy (N = 200, m = 100, docs/THEORY.md (E1)); target: absolute loss
 *                  0.025 (the noise floor at the teacher is about 0.02)
 *         teacher  a tanh student learning a tanh teacher's fixed points (N given, B = 64 inputs);
 *                  target: loss below REL (default 1e-2) times the initial loss
 *         feedback the feedback model (docs/THEORY.md (F1)-(F3), the paper's parameters (E3), teacher-forced for
 *                  A = 1 at u = 1) with its read-out n fixed, all of W trained so that z = u for the inputs
 *                  u = -1, -0.5, 0.5, 1; target: REL x initial loss
 *         fashion  the paper's model (N = 300, batch 256) on the embedded 4000 images, the float32 trainer;
 *                  target: batch loss averaged over 8 steps below 1.6
 * RULE: 1..4 (dW1..dW4). A step whose solve loses the fixed point or whose rule fails is undone with the
 * rate halved ("lost"); a loss more than 1.5 x the previous one is a "spike".
 * Output (stdout, and appended to $BENCH_LOG): family rule optim solver seed n lr reached steps seconds
 * final_loss spikes lost; seconds is in-process time from the first step to the target (or the cap). */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "bench_util.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

typedef struct opts {
    const char *family, *optim, *solver, *curve;
    int rule, seed, n, cap;
    double lr, target;
} opts;

typedef struct result { int reached, steps, spikes, lost; double seconds, loss; } result;

typedef struct curve { FILE *f; double t0; } curve;
static void curve_point(curve *c, int step, double loss)
{
    if (c->f) fprintf(c->f, "%d %.4f %.8g\n", step, bench_now() - c->t0, loss);
}

/* ---- the full-batch families (linear, teacher, feedback): one loop ---- */
typedef struct problem {
    int n, b, linear;
    double *w, *x, *t;      /* W (n x n), inputs X (n x b), targets T (teacher) */
    double *nread, *A;      /* feedback: fixed read-out n and targets A_b      */
    fp_activation act;
} problem;

static double loss_grad(const problem *p, double *r, double *gr)
{
    int i, j, n = p->n, b = p->b;
    double L = 0;
    if (!p->nread) {
        L = NAN; /* stays NaN (the old return) when R holds NaN or Inf */
        fp_loss_mse_f64(fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(p->t, n, b), fp_mat_rowmajor_f64(gr, n, b), &L);
        return L;
    }
    for (j = 0; j < b; ++j) { /* L = (1/2B) sum_b (n^T r_b / N - A_b)^2 */
        double e = fp_vec_dot_f64(n, p->nread, 1, r + j, b) / n - p->A[j];
        L += e * e / (2.0 * b);
        for (i = 0; i < n; ++i) gr[i * b + j] = e * p->nread[i] / ((double)n * b);
    }
    return L;
}

/* the linear toy's fixed point: R = (I - W)^{-1} X by one LU (the paper computes it exactly) */
static fp_status linear_solve(const problem *p, double *a, int *piv, double *r)
{
    int i, j, n = p->n;
    for (i = 0; i < n; ++i) for (j = 0; j < n; ++j) a[i * n + j] = (i == j) - p->w[i * n + j];
    if (fp_lu_factor_f64(n, a, n, 1, piv) != FP_OK) return FP_ERR_SINGULAR;
    memcpy(r, p->x, sizeof(double) * (size_t)n * (size_t)p->b);
    fp_lu_solve_f64(FP_NOTRANS, n, p->b, a, n, 1, piv, r, p->b, 1);
    return FP_OK;
}

static result train_full_batch(problem *p, const opts *o, double target_abs, int target_rel)
{
    const int n = p->n, b = p->b;
    const size_t nn = (size_t)n * (size_t)n, nb = (size_t)n * (size_t)b;
    double *r = calloc(nb, sizeof(double)), *rprev = calloc(nb, sizeof(double)), *g = malloc(nb * sizeof(double)), *gr = malloc(nb * sizeof(double));
    double *dw = malloc(nn * sizeof(double)), *prev = malloc(nn * sizeof(double)), *a = malloc((nn + nb) * sizeof(double));
    int *piv = malloc((size_t)n * sizeof(int));
    fp_rule_config rc;
    void *rws;
    fp_solver_config sc = fp_solver_config_default(strcmp(o->solver, "damped") ? FP_SOLVER_ANDERSON : FP_SOLVER_DAMPED);
    fp_optim_config oc;
    fp_optim_f64 opt;
    result res;
    curve cv;
    double lr = o->lr, L, Lprev = HUGE_VAL, target = target_abs, t0;
    int step = 0;
    const fp_mat_f64 W = fp_mat_rowmajor_f64(p->w, n, n), X = fp_mat_rowmajor_f64(p->x, n, b), R = fp_mat_rowmajor_f64(r, n, b);
    const fp_mat_f64 G = fp_mat_rowmajor_f64(g, n, b), GR = fp_mat_rowmajor_f64(gr, n, b), DW = fp_mat_rowmajor_f64(dw, n, n);
    memset(&rc, 0, sizeof rc);
    rc.rule = (fp_rule)o->rule;
    rws = malloc(fp_rule_workspace_size_f64(&rc, n, b));
    memset(&res, 0, sizeof res);
    memset(&oc, 0, sizeof oc);
    oc.kind = !strcmp(o->optim, "adam") ? FP_OPTIM_ADAM : !strcmp(o->optim, "momentum") ? FP_OPTIM_MOMENTUM : FP_OPTIM_SGD;
    oc.lr = lr;
    if (!r || !rprev || !g || !gr || !dw || !prev || !a || !piv || !rws || fp_optim_init_f64(&opt, &oc, (int)nn) != FP_OK) { fprintf(stderr, "rules: out of memory\n"); exit(1); }
    for (size_t i = 0; i < nb; ++i) g[i] = 1;
    sc.tol = 1e-8;
    sc.warm_start = 1;
    cv.f = o->curve ? fopen(o->curve, "w") : NULL;
    t0 = cv.t0 = bench_now();
    memcpy(prev, p->w, nn * sizeof(double));
    for (;;) {
        fp_status st = p->linear ? linear_solve(p, a, piv, r) : fp_solve_f64(&sc, &p->act, W, X, R, G, NULL, NULL);
        if (st == FP_OK) {
            memcpy(rprev, r, nb * sizeof(double));
            L = loss_grad(p, r, gr);
            if (step == 0 && target_rel) target = o->target * L;
            curve_point(&cv, step, L);
            res.loss = L;
            if (L <= target) { res.reached = 1; break; }
            if (step >= o->cap) break;
            if (L > 1.5 * Lprev) ++res.spikes;
            Lprev = L;
            if (p->linear && o->rule == 1) { /* dW1 = (I - W^T)^{-1} Gr R^T with the LU already at hand */
                memcpy(a + nn, gr, nb * sizeof(double));
                fp_lu_solve_f64(FP_TRANS, n, b, a, n, 1, piv, a + nn, b, 1);
                fp_gemm_f64(FP_NOTRANS, FP_TRANS, n, n, b, 1.0, a + nn, b, 1, r, b, 1, 0.0, dw, n, 1);
            } else {
                rc.lr = lr; /* dW2's Woodbury step at the rate in force */
                st = fp_rule_dw_f64(&rc, W, R, G, GR, DW, NULL, rws);
            }
        }
        if (st != FP_OK) { /* lost: undo the last update, halve the rate */
            ++res.lost;
            if (step == 0 || res.lost > 40) { res.loss = NAN; break; }
            memcpy(p->w, prev, nn * sizeof(double));
            memcpy(r, rprev, nb * sizeof(double)); /* back to the last fixed points, too */
            lr *= 0.5;
            continue;
        }
        memcpy(prev, p->w, nn * sizeof(double));
        fp_optim_step_f64(&opt, lr, p->w, dw);
        ++step;
    }
    res.steps = step;
    res.seconds = bench_now() - t0;
    if (cv.f) fclose(cv.f);
    fp_optim_free_f64(&opt);
    free(r); free(rprev); free(g); free(gr); free(dw); free(prev); free(a); free(piv); free(rws);
    return res;
}

static problem make_linear(fp_rng *rg)
{
    enum { N = 200, M = 100 };
    problem p;
    double *a = malloc(sizeof(double) * N * N);
    int piv[N], i;
    memset(&p, 0, sizeof p);
    p.n = N; p.b = M; p.linear = 1;
    p.w = malloc(sizeof(double) * N * N); p.x = malloc(sizeof(double) * N * M); p.t = malloc(sizeof(double) * N * M);
    /* as examples/paper_linear.c: X = 0.1 Z, T = (I - W^)^{-1} X + 0.01 Z, W^ = 0.5 Z/sqrt N, W0 = 0.75 Z/sqrt N */
    for (i = 0; i < N * M; ++i) p.x[i] = 0.1 * fp_rng_gauss(rg);
    for (i = 0; i < N * N; ++i) a[i] = (i % (N + 1) == 0) - 0.5 * fp_rng_gauss(rg) / sqrt((double)N);
    memcpy(p.t, p.x, sizeof(double) * N * M);
    if (fp_lu_factor_f64(N, a, N, 1, piv) != FP_OK) exit(1);
    fp_lu_solve_f64(FP_NOTRANS, N, M, a, N, 1, piv, p.t, M, 1);
    for (i = 0; i < N * M; ++i) p.t[i] += 0.01 * fp_rng_gauss(rg);
    for (i = 0; i < N * N; ++i) p.w[i] = 0.75 * fp_rng_gauss(rg) / sqrt((double)N);
    free(a);
    return p;
}

static problem make_teacher(int n, fp_rng *rg)
{
    enum { B = 64 };
    problem p;
    double *wt = malloc(sizeof(double) * (size_t)n * (size_t)n);
    fp_solver_config sc = fp_solver_config_default(FP_SOLVER_ANDERSON);
    size_t i, nn = (size_t)n * (size_t)n;
    memset(&p, 0, sizeof p);
    p.n = n; p.b = B; p.act = fp_activation_make(FP_ACT_TANH);
    p.w = malloc(sizeof(double) * nn); p.x = malloc(sizeof(double) * (size_t)n * B); p.t = calloc((size_t)n * B, sizeof(double));
    /* teacher W^ = 0.8 Z / sqrt N, student W0 = 0.5 Z' / sqrt N, inputs Z: targets the teacher's fixed points */
    for (i = 0; i < nn; ++i) wt[i] = 0.8 * fp_rng_gauss(rg) / sqrt((double)n);
    for (i = 0; i < nn; ++i) p.w[i] = 0.5 * fp_rng_gauss(rg) / sqrt((double)n);
    for (i = 0; i < (size_t)n * B; ++i) p.x[i] = fp_rng_gauss(rg);
    sc.tol = 1e-12;
    if (fp_solve_f64(&sc, &p.act, fp_mat_rowmajor_f64(wt, n, n), fp_mat_rowmajor_f64(p.x, n, B), fp_mat_rowmajor_f64(p.t, n, B),
                     fp_mat_rowmajor_f64(NULL, n, B), NULL, NULL) != FP_OK) { fprintf(stderr, "rules: teacher solve failed\n"); exit(1); }
    free(wt);
    return p;
}

static problem make_feedback(int n, int seed)
{
    enum { P = 4 };
    static const double u[P] = { -1.0, -0.5, 0.5, 1.0 }, A[P] = { -1.0, -0.5, 0.5, 1.0 }; /* z = u */
    const fp_meanfield_params par = { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 };
    fp_feedback_f64 fb;
    problem p;
    int i, j;
    memset(&p, 0, sizeof p);
    if (fp_feedback_init_f64(&fb, n, &par, (uint64_t)seed) != FP_OK || fp_feedback_teacher_force_f64(&fb, 1.0, NULL) != FP_OK) exit(1);
    p.n = n; p.b = P; p.act = fp_activation_make(FP_ACT_TANH);
    p.w = malloc(sizeof(double) * (size_t)n * (size_t)n); p.x = malloc(sizeof(double) * (size_t)n * P);
    p.nread = malloc(sizeof(double) * (size_t)n); p.A = malloc(sizeof(double) * P);
    fp_feedback_weights_f64(&fb, fp_mat_rowmajor_f64(p.w, n, n)); /* start: the network teacher-forced for A = 1 at u = 1 */
    memcpy(p.nread, fb.nv, sizeof(double) * (size_t)n);
    for (i = 0; i < n; ++i) for (j = 0; j < P; ++j) p.x[i * P + j] = fb.in[i] * u[j];
    memcpy(p.A, A, sizeof A);
    fp_feedback_free_f64(&fb);
    return p;
}

/* ---- Fashion-MNIST: the float32 layer trainer ---- */
typedef struct fashion_log { curve cv; double t0, window[8], target, loss; int n, spikes, lost, reached, cap; double prev; } fashion_log;
static int fashion_step(const fp_train_record *rec, void *u)
{
    fashion_log *l = (fashion_log *)u;
    double avg = 0;
    int i, k;
    if (rec->rolled_back) ++l->lost;
    if (rec->status != FP_OK) return l->n >= l->cap;
    l->window[l->n % 8] = rec->loss;
    if (l->n > 0 && rec->loss > 1.5 * l->prev) ++l->spikes;
    l->prev = rec->loss;
    l->loss = rec->loss;
    curve_point(&l->cv, l->n, rec->loss);
    ++l->n;
    k = l->n < 8 ? l->n : 8;
    for (i = 0; i < k; ++i) avg += l->window[i] / k;
    if (l->n >= 8 && avg <= l->target) { l->reached = 1; return 1; }
    return l->n >= l->cap;
}

static result train_fashion(const opts *o)
{
    fp_dataset ds;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = fp_train_config_default(); /* shuffled from seed, with rollback: the defaults */
    fashion_log lg;
    result res;
    const char *why;
    int e;
    memset(&lg, 0, sizeof lg);
    memset(&res, 0, sizeof res);
    if (fp_dataset_load("data/fashion-train-images.idx", "data/fashion-train-labels.idx", 10, &ds, &why) != FP_OK) { fprintf(stderr, "rules: %s\n", why); exit(1); }
    if (fp_layer_init_f32(&L, o->n, 784, 10, FP_ACT_TANH, 0.5, (uint64_t)o->seed) != FP_OK) exit(1);
    c.rule = (fp_rule)o->rule;
    c.optim.lr = o->lr;
    c.batch = 256;
    c.seed = (uint64_t)o->seed;
    c.solver = fp_solver_config_default(strcmp(o->solver, "damped") ? FP_SOLVER_ANDERSON : FP_SOLVER_DAMPED);
    c.solver.tol = 1e-5;
    c.optim.kind = !strcmp(o->optim, "adam") ? FP_OPTIM_ADAM : !strcmp(o->optim, "momentum") ? FP_OPTIM_MOMENTUM : FP_OPTIM_SGD;
    if (fp_trainer_init_f32(&t, &L, &c, ds.count) != FP_OK) exit(1);
    lg.target = o->target;
    lg.cap = o->cap;
    lg.cv.f = o->curve ? fopen(o->curve, "w") : NULL;
    lg.t0 = lg.cv.t0 = bench_now();
    for (e = 0; !lg.reached && lg.n < lg.cap && e < 1000; ++e) fp_layer_train_epoch_f32(&t, &ds, e, fashion_step, &lg);
    res.reached = lg.reached; res.steps = lg.n; res.seconds = bench_now() - lg.t0; res.loss = lg.loss;
    res.spikes = lg.spikes; res.lost = lg.lost;
    if (lg.cv.f) fclose(lg.cv.f);
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fp_dataset_free(&ds);
    return res;
}

int main(int argc, char **argv)
{
    opts o;
    result res;
    problem p;
    struct rusage ru;
    int i;
    const char *log = getenv("BENCH_LOG");
    if (argc < 4) { fprintf(stderr, "usage: rules linear|teacher|feedback|fashion RULE SEED [--n N] [--lr LR] [--optim O] [--solver S] [--target T] [--cap C] [--curve FILE]\n"); return 2; }
    memset(&o, 0, sizeof o);
    o.family = argv[1]; o.rule = atoi(argv[2]); o.seed = atoi(argv[3]);
    o.optim = "sgd"; o.solver = "anderson"; o.lr = 1.0; o.target = 1e-2; o.cap = 3500; o.n = 128;
    if (!strcmp(o.family, "fashion")) { o.n = 300; o.target = 1.6; o.cap = 160; o.lr = o.rule == 1 ? 0.01 : o.rule == 4 ? 0.05 : 0.25; }
    if (!strcmp(o.family, "linear")) { o.n = 200; o.solver = "lu"; } /* the linear fixed point is one LU */
    for (i = 4; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n")) o.n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--lr")) o.lr = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--optim")) o.optim = argv[i + 1];
        else if (!strcmp(argv[i], "--solver")) o.solver = argv[i + 1];
        else if (!strcmp(argv[i], "--target")) o.target = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--cap")) o.cap = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--curve")) o.curve = argv[i + 1];
        else { fprintf(stderr, "rules: unknown option %s\n", argv[i]); return 2; }
    }
    if (o.rule < 1 || o.rule > 4 || o.n < 2) { fprintf(stderr, "rules: bad rule or size\n"); return 2; }
    if (!strcmp(o.family, "fashion")) res = train_fashion(&o);
    else {
        fp_rng rg = fp_rng_make((uint64_t)o.seed);
        if (!strcmp(o.family, "linear")) { p = make_linear(&rg); res = train_full_batch(&p, &o, 0.025, 0); }
        else if (!strcmp(o.family, "teacher")) { p = make_teacher(o.n, &rg); res = train_full_batch(&p, &o, 0, 1); }
        else if (!strcmp(o.family, "feedback")) { p = make_feedback(o.n, o.seed); res = train_full_batch(&p, &o, 0, 1); }
        else { fprintf(stderr, "rules: unknown family %s\n", o.family); return 2; }
        free(p.w); free(p.x); free(p.t); free(p.nread); free(p.A);
    }
    getrusage(RUSAGE_SELF, &ru);
    {
        char line[512];
        FILE *f;
        snprintf(line, sizeof line, "%s dW%d %s %s %d %d %g %d %d %.4f %.6g %d %d %ld\n", o.family, o.rule, o.optim, o.solver,
                 o.seed, o.n, o.lr, res.reached, res.steps, res.seconds, res.loss, res.spikes, res.lost, ru.ru_maxrss);
        fputs(line, stdout);
        if (log && (f = fopen(log, "a"))) { fputs(line, f); fclose(f); }
    }
    return 0;
}
