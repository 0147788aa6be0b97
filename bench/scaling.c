/* bench/scaling: time per training step against N and B, per rule - the cost the rules' formulas
 * predict (docs/THEORY.md, (C1)): forward solve with a fixed 30 Anderson iterations
 * (so every N and B does the same work), MSE loss against random targets, the rule, an SGD update;
 * float32, tanh, 1 thread. Prints and appends to $BENCH_LOG: rule n b median_ms_per_step peak_rss_kb.
 *   scaling RULE N B [STEPS] */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "bench_util.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

int main(int argc, char **argv)
{
    int rule, n, b, steps, s, i;
    size_t nn, nb;
    float *w, *x, *t, *r, *g, *gr, *dw;
    double *times;
    void *sws, *rws;
    double loss;
    fp_mat_f32 W, X, T, R, G, GR, DW;
    fp_rule_config rc;
    fp_solver_config sc = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_rng rg = fp_rng_make(3);
    struct rusage ru;
    const char *log = getenv("BENCH_LOG");
    if (argc < 4) { fprintf(stderr, "usage: scaling RULE N B [STEPS]\n"); return 2; }
    rule = atoi(argv[1]); n = atoi(argv[2]); b = atoi(argv[3]); steps = argc > 4 ? atoi(argv[4]) : 7;
    if (rule < 1 || rule > 4 || n < 1 || b < 1 || steps < 1) return 2;
    nn = (size_t)n * (size_t)n; nb = (size_t)n * (size_t)b;
    sc.fixed_iterations = 1;
    sc.max_iter = 30;
    sc.warm_start = 1;
    w = malloc(nn * sizeof(float)); dw = malloc(nn * sizeof(float));
    x = malloc(nb * sizeof(float)); t = malloc(nb * sizeof(float)); r = calloc(nb, sizeof(float));
    g = malloc(nb * sizeof(float)); gr = malloc(nb * sizeof(float)); times = malloc((size_t)steps * sizeof(double));
    sws = malloc(fp_solve_workspace_size_f32(&sc, n, b));
    memset(&rc, 0, sizeof rc);
    rc.rule = (fp_rule)rule;
    rc.lr = 0.01; /* dW2's Woodbury step at the rate of the update below */
    rws = malloc(fp_rule_workspace_size_f32(&rc, n, b));
    if (!w || !dw || !x || !t || !r || !g || !gr || !times || !sws || !rws) { fprintf(stderr, "scaling: out of memory\n"); return 1; }
    for (i = 0; i < (int)nn; ++i) w[i] = (float)(0.5 * fp_rng_gauss(&rg) / sqrt((double)n));
    for (i = 0; i < (int)nb; ++i) { x[i] = (float)fp_rng_gauss(&rg); t[i] = (float)(0.5 * fp_rng_gauss(&rg)); }
    W = fp_mat_rowmajor_f32(w, n, n); DW = fp_mat_rowmajor_f32(dw, n, n);
    X = fp_mat_rowmajor_f32(x, n, b); T = fp_mat_rowmajor_f32(t, n, b); R = fp_mat_rowmajor_f32(r, n, b);
    G = fp_mat_rowmajor_f32(g, n, b); GR = fp_mat_rowmajor_f32(gr, n, b);
    for (s = 0; s < steps; ++s) {
        double t0 = bench_now();
        fp_solve_f32(&sc, &act, W, X, R, G, NULL, sws);
        fp_loss_mse_f32(R, T, GR, &loss);
        if (fp_rule_dw_f32(&rc, W, R, G, GR, DW, NULL, rws) != FP_OK) {
            fprintf(stderr, "scaling: the rule failed\n");
            return 1;
        }
        fp_mat_axpby_f32(-0.01f, DW, 1.0f, W);
        times[s] = bench_now() - t0;
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("dW%d %d %d %.4f %ld\n", rule, n, b, 1e3 * bench_median(times, steps), ru.ru_maxrss);
    if (log) {
        FILE *f = fopen(log, "a");
        if (f) { fprintf(f, "dW%d %d %d %.4f %ld\n", rule, n, b, 1e3 * bench_median(times, steps), ru.ru_maxrss); fclose(f); }
    }
    return 0;
}
