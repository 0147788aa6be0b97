/* bench/threads: what more cores buy. Times, at each thread count of the list THREADS (e.g. 1,2), the
 * counts interleaved repetition by repetition so that a machine's drift hits them alike,
 *   threads THREADS solve anderson|euler N B REPS     one forward solve (Anderson to 1e-5, or the paper's
 *                                                      500 Euler steps of dt/tau = 0.01), random W (rho 0.5), X
 *   threads THREADS step anderson|euler DATADIR REPS  one training step of the paper's model (N = 300,
 *                                                      batch 512, dW3, lr 0.1, SGD on W) on the first batch
 *   threads THREADS floor DATADIR REPS                 the Euler step against its GEMM floor: alternating with
 *                                                      each step, the 500 products W R (300 x 300 times
 *                                                      300 x 512) its solve makes, run alone by fp_gemm_ws;
 *                                                      the ratio is the median of the paired ratios
 * Prints per thread count the median milliseconds, the speed-up over the first count, and a check value
 * (sum of R, or the step's loss) that must not depend on the thread count; $BENCH_LOG gets one line
 * per count. Build: cc -std=c99 -O2 -fopenmp bench/threads.c -lm */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#else
static void omp_set_num_threads(int t) { (void)t; } /* a build without OpenMP: one thread */
#endif
#include "bench_util.h"

static int nthr, thr[8];

static void report(const char *what, double t[8][64], int reps, const double *check)
{
    int k;
    double base = 0;
    for (k = 0; k < nthr; ++k) {
        double m = 1e3 * bench_median(t[k], reps);
        if (k == 0) base = m;
        printf("%s threads %d: median %.3f ms, speed-up %.2fx, check %.9g\n", what, thr[k], m, base / m, check[k]);
        bench_log(m, check[k]);
    }
}
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

static fp_solver_config solver(const char *kind)
{
    fp_solver_config c;
    if (!strcmp(kind, "euler")) {
        c = fp_solver_config_default(FP_SOLVER_DAMPED);
        c.step = 0.01;
        c.max_iter = 500;
        c.fixed_iterations = 1;
    } else {
        c = fp_solver_config_default(FP_SOLVER_ANDERSON);
        c.tol = 1e-5;
    }
    return c;
}

static int solve(const char *kind, int n, int b, int reps)
{
    fp_solver_config c = solver(kind);
    float *w = malloc(sizeof(float) * (size_t)n * (size_t)n), *x = malloc(sizeof(float) * (size_t)n * (size_t)b);
    float *r = malloc(sizeof(float) * (size_t)n * (size_t)b), *g = malloc(sizeof(float) * (size_t)n * (size_t)b);
    void *ws = malloc(fp_solve_workspace_size_f32(&c, n, b));
    static double t[8][64];
    double check[8];
    char what[64];
    fp_rng rng = fp_rng_make(7);
    int i, k, q;
    if (!w || !x || !r || !g || !ws || reps < 1 || reps > 64) return 1;
    for (i = 0; i < n * n; ++i) w[i] = (float)(0.5 * fp_rng_gauss(&rng) / sqrt((double)n));
    for (i = 0; i < n * b; ++i) x[i] = (float)fp_rng_gauss(&rng);
    for (k = 0; k < reps; ++k)
        for (q = 0; q < nthr; ++q) {
        fp_solve_report rep;
        double t0, sum = 0;
        fp_status st;
        omp_set_num_threads(thr[q]);
        memset(&rep, 0, sizeof rep); /* no per-column arrays, no history */
        t0 = bench_now();
        st = fp_solve_f32(&c, NULL, fp_mat_rowmajor_f32(w, n, n), fp_mat_rowmajor_f32(x, n, b), fp_mat_rowmajor_f32(r, n, b),
                                    fp_mat_rowmajor_f32(g, n, b), &rep, ws);
        t[q][k] = bench_now() - t0;
        if (st != FP_OK && !(st == FP_ERR_NOT_CONVERGED && c.fixed_iterations)) { fprintf(stderr, "threads: solve failed: %s\n", fp_status_str(st)); return 1; }
        for (i = 0; i < n * b; ++i) sum += r[i];
        check[q] = sum;
    }
    snprintf(what, sizeof what, "solve %s N %d B %d", kind, n, b);
    report(what, t, reps, check);
    free(w); free(x); free(r); free(g); free(ws);
    return 0;
}

static int step(const char *kind, const char *dir, int reps, int floor)
{
    fp_layer_f32 L;
    fp_trainer_f32 tr;
    fp_dataset ds;
    fp_train_config c = fp_train_config_default();
    fp_train_record rec;
    char a[1024], b[1024];
    const char *why = NULL;
    static double t[8][64], tf[8][64];
    double check[8];
    char what[64];
    float *w0, *rb = NULL, *pb = NULL;
    void *gws = NULL;
    int idx[512], i, k, q;
    snprintf(a, sizeof a, "%s/fashion-train-images.idx", dir);
    snprintf(b, sizeof b, "%s/fashion-train-labels.idx", dir);
    if (reps < 1 || reps > 64 || fp_dataset_load(a, b, 10, &ds, &why) != FP_OK || ds.count < 512) {
        fprintf(stderr, "threads: %s\n", why ? why : "bad arguments or fewer than 512 images");
        return 1;
    }
    for (i = 0; i < 512; ++i) idx[i] = i;
    c.rule = FP_RULE_DW3;
    c.optim.lr = 0.1;
    c.no_rollback = 1;
    c.solver = solver(kind);
    /* one trainer, as a training loop has: every repetition the same step from the same weights (W put
     * back), after an untimed one that touches the trainer's buffers first; the check value is the loss */
    if (fp_layer_init_f32(&L, 300, 784, 10, FP_ACT_TANH, 0.5, 7) != FP_OK || fp_trainer_init_f32(&tr, &L, &c, ds.count) != FP_OK ||
        !(w0 = malloc(sizeof(float) * 300 * 300)))
        return 1;
    memcpy(w0, L.w, sizeof(float) * 300 * 300);
    if (floor && (!(rb = calloc(300 * 512, sizeof(float))) || !(pb = calloc(300 * 512, sizeof(float))) ||
                  !(gws = malloc(fp_gemm_workspace_size_f32()))))
        return 1;
    for (i = 0; floor && i < 300 * 512; ++i) rb[i] = (float)((i % 89) / 89.0 - 0.5);
    for (k = -1; k < reps; ++k)
        for (q = 0; q < nthr; ++q) {
        double t0;
        omp_set_num_threads(thr[q]);
        memcpy(L.w, w0, sizeof(float) * 300 * 300);
        t0 = bench_now();
        if (fp_layer_train_step_f32(&tr, &ds, idx, 512, &rec) != FP_OK) { fprintf(stderr, "threads: %s\n", tr.message); return 1; }
        if (k < 0) continue;
        t[q][k] = bench_now() - t0;
        check[q] = rec.loss;
        if (floor) {
            t0 = bench_now();
            for (i = 0; i < 500; ++i)
                fp_gemm_ws_f32(FP_NOTRANS, FP_NOTRANS, 300, 512, 300, 1.0f, L.w, 300, 1, rb, 512, 1, 0.0f, pb, 512, 1, gws);
            tf[q][k] = bench_now() - t0;
        }
    }
    for (q = 0; floor && q < nthr; ++q) {
        double ratio[64], ms, mf, mr;
        for (k = 0; k < reps; ++k) ratio[k] = t[q][k] / tf[q][k]; /* each step against the floor timed beside it */
        mr = bench_median(ratio, reps);
        ms = 1e3 * bench_median(t[q], reps);
        mf = 1e3 * bench_median(tf[q], reps);
        printf("floor threads %d: step %.3f ms, its 500 products alone %.3f ms (%.1f GFLOP/s), step / floor %.3f "
               "(median of the %d paired ratios)\n", thr[q], ms, mf, 500 * 2.0 * 300 * 300 * 512 / mf * 1e-6, mr, reps);
    }
    free(rb); free(pb); free(gws);
    fp_trainer_free_f32(&tr);
    fp_layer_free_f32(&L);
    free(w0);
    snprintf(what, sizeof what, "step %s N 300 B 512 dW3", kind);
    if (!floor) report(what, t, reps, check);
    fp_dataset_free(&ds);
    return 0;
}

int main(int argc, char **argv)
{
    const char *p = argc > 1 ? argv[1] : "";
    while (*p && nthr < 8) {
        thr[nthr] = (int)strtol(p, (char **)&p, 10);
        if (thr[nthr] < 1) break;
        ++nthr;
        if (*p == ',') ++p;
    }
    if (nthr > 0 && !*p) {
        if (argc == 7 && !strcmp(argv[2], "solve")) return solve(argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
        if (argc == 6 && !strcmp(argv[2], "step")) return step(argv[3], argv[4], atoi(argv[5]), 0);
        if (argc == 5 && !strcmp(argv[2], "floor")) return step("euler", argv[3], atoi(argv[4]), 1);
    }
    fprintf(stderr, "usage: threads THREADS solve anderson|euler N B REPS | threads THREADS step anderson|euler DATADIR REPS\n"
                    "       threads THREADS floor DATADIR REPS\n"
                    "  THREADS: thread counts, comma-separated (1,2)\n");
    return 2;
}
