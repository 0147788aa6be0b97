/* bench/solve: fixed-point solves, adjoints and whole training steps of fixpoint.h (float32) on a problem
 * file that bench/solve_torch.py reads too, so both compute the same thing.
 *   solve --make FILE N B SEED        write W = 0.9 randn/sqrt(N), X = randn, Delta = randn/B (float32)
 *   solve FILE WHAT REPS              WHAT: anderson damped newton adj-direct adj-iter step
 * Prints a check line (sum of R, |V|, |dW|) that the report compares with PyTorch's. Tolerance 1e-6. */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"


static float *readf(FILE *f, size_t n)
{
    float *p = malloc(n * sizeof *p);
    if (!p || fread(p, sizeof *p, n, f) != n) { fprintf(stderr, "solve: short problem file\n"); exit(1); }
    return p;
}

int main(int argc, char **argv)
{
    int n, b, reps, i, hdr[2];
    float *w, *x, *d, *r, *g, *v, *dw;
    fp_mat_f32 W, X, D, R, G, V;
    const char *what;
    FILE *f;
    double sumr = 0, *times;
    fp_solver_config c;
    fp_adjoint_config ac = fp_adjoint_config_default();
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_solve_report rep;
    fp_status st = FP_OK;
    void *sws, *aws;
    if (argc == 6 && !strcmp(argv[1], "--make")) {
        fp_rng rg = fp_rng_make(strtoull(argv[5], NULL, 10));
        size_t k;
        n = atoi(argv[3]); b = atoi(argv[4]);
        if (n < 1 || b < 1) return 2;
        f = fopen(argv[2], "wb");
        hdr[0] = n; hdr[1] = b;
        fwrite(hdr, sizeof hdr, 1, f);
        for (k = 0; k < (size_t)n * (size_t)n; ++k) { float t = (float)(0.9 * fp_rng_gauss(&rg) / sqrt((double)n)); fwrite(&t, 4, 1, f); }
        for (k = 0; k < (size_t)n * (size_t)b; ++k) { float t = (float)fp_rng_gauss(&rg); fwrite(&t, 4, 1, f); }
        for (k = 0; k < (size_t)n * (size_t)b; ++k) { float t = (float)(fp_rng_gauss(&rg) / b); fwrite(&t, 4, 1, f); }
        fclose(f);
        return 0;
    }
    if (argc != 4) { fprintf(stderr, "usage: solve --make FILE N B SEED | solve FILE WHAT REPS\n"); return 2; }
    what = argv[2];
    reps = atoi(argv[3]);
    if (!(f = fopen(argv[1], "rb")) || fread(hdr, sizeof hdr, 1, f) != 1) { fprintf(stderr, "solve: cannot read %s\n", argv[1]); return 1; }
    n = hdr[0]; b = hdr[1];
    w = readf(f, (size_t)n * (size_t)n); x = readf(f, (size_t)n * (size_t)b); d = readf(f, (size_t)n * (size_t)b);
    fclose(f);
    r = malloc(sizeof(float) * (size_t)n * (size_t)b); g = malloc(sizeof(float) * (size_t)n * (size_t)b);
    v = malloc(sizeof(float) * (size_t)n * (size_t)b); dw = malloc(sizeof(float) * (size_t)n * (size_t)n);
    W = fp_mat_rowmajor_f32(w, n, n); X = fp_mat_rowmajor_f32(x, n, b); D = fp_mat_rowmajor_f32(d, n, b);
    R = fp_mat_rowmajor_f32(r, n, b); G = fp_mat_rowmajor_f32(g, n, b); V = fp_mat_rowmajor_f32(v, n, b);
    c = fp_solver_config_default(!strcmp(what, "damped") ? FP_SOLVER_DAMPED : !strcmp(what, "newton") ? FP_SOLVER_NEWTON : FP_SOLVER_ANDERSON);
    c.tol = 1e-6;
    if (!strcmp(what, "damped")) c.step = 1.0; /* plain Picard iteration: the fastest damping here */
    ac.method = !strcmp(what, "adj-direct") ? FP_ADJOINT_DIRECT : !strcmp(what, "adj-iter") ? FP_ADJOINT_ITERATIVE : FP_ADJOINT_AUTO;
    ac.iter.tol = 1e-6;
    sws = malloc(fp_solve_workspace_size_f32(&c, n, b));
    aws = malloc(fp_adjoint_workspace_size_f32(&ac, n, b));
    memset(&rep, 0, sizeof rep);
    /* the adjoint-only benchmarks need the fixed point first (not timed apart: subtract the solve) */
    times = malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1));
    for (i = 0; i < reps; ++i) {
        double t0 = bench_now();
        st = fp_solve_f32(&c, &act, W, X, R, G, &rep, sws);
        if (!strncmp(what, "adj", 3) || !strcmp(what, "step"))
            st = fp_implicit_grad_f32(&ac, W, R, G, D, V, fp_mat_rowmajor_f32(!strcmp(what, "step") ? dw : NULL, n, n), NULL, aws);
        times[i] = bench_now() - t0;
    }
    if (reps > 0) bench_log(1e3 * bench_median(times, reps), 0);
    for (i = 0; i < n * b; ++i) sumr += r[i];
    printf("check %s n=%d b=%d status=%s iterations=%d sumR=%.6g normV=%.6g normdW=%.6g\n", what, n, b, fp_status_str(st),
           rep.iterations, sumr, strncmp(what, "adj", 3) && strcmp(what, "step") ? 0.0 : (double)fp_mat_norm_fro_f32(V),
           strcmp(what, "step") ? 0.0 : (double)fp_mat_norm_fro_f32(fp_mat_rowmajor_f32(dw, n, n)));
    return st == FP_OK ? 0 : 1;
}
