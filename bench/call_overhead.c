/* bench/call_overhead: the C side of the Python call-overhead measurement (bench/python_vs_torch.py).
 * Times, in microseconds per call, the very calls the Python package makes - fp_solve_f32 with a report
 * holding per-column arrays and a history, no workspace (allocated per call, as fixpoint.solve does), and
 * fp_act_apply_f32 - linked against the package's own library (python/fixpoint/libfixpoint.so), so the
 * difference to the Python figures is the binding alone.
 *   call_overhead solve FILE REPS BATCHES TOL     FILE: bench/solve's problem format (int32 N, B; then W,
 *                                                 X and Delta, float32 row-major)
 *   call_overhead act ROWS COLS REPS BATCHES      tanh of Z with z_k = 0.1 k - 0.8 (row-major k)
 * Prints one line: the median, first and third quartiles over BATCHES batches of REPS calls each (us per
 * call; one untimed batch first), and for solve the iterations and sum(R). bench/python_vs_torch.py runs it
 * with BATCHES = 1 between its own batches, so that C and Python are timed alternately.
 * Built by `make bench-python`:
 *   cc -O2 -std=c99 -I. -o build/bench/call_overhead bench/call_overhead.c -Lpython/fixpoint -lfixpoint \
 *      -Wl,-rpath,$PWD/python/fixpoint -lm */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"
#include "../fixpoint.h"

/* Sorts t[0:n]; the q-quantile by linear interpolation (the definition NumPy's percentile uses). */
static double quantile(double *t, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    qsort(t, (size_t)n, sizeof *t, bench_cmp);
    return i + 1 < n ? t[i] + (pos - i) * (t[i + 1] - t[i]) : t[n - 1];
}

static void print_times(double *t, int batches)
{
    printf("us_median=%.4f us_q1=%.4f us_q3=%.4f", quantile(t, batches, 0.5), quantile(t, batches, 0.25), quantile(t, batches, 0.75));
}

static float *readf(FILE *f, size_t n)
{
    float *p = malloc(n * sizeof *p);
    if (!p || fread(p, sizeof *p, n, f) != n) { fprintf(stderr, "call_overhead: short problem file\n"); exit(1); }
    return p;
}

int main(int argc, char **argv)
{
    int reps, batches, i, k;
    double *times;
    if (argc == 6 && !strcmp(argv[1], "solve")) {
        int hdr[2], n, b, *coliter;
        float *w, *x, *r, *g;
        double *colres, *hist, sumr = 0;
        fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
        fp_activation act = fp_activation_make(FP_ACT_TANH);
        fp_solve_report rep;
        fp_status st = FP_OK;
        FILE *f = fopen(argv[2], "rb");
        if (!f || fread(hdr, sizeof hdr, 1, f) != 1) { fprintf(stderr, "call_overhead: cannot read %s\n", argv[2]); return 1; }
        n = hdr[0]; b = hdr[1];
        if (n < 1 || b < 1) { fprintf(stderr, "call_overhead: bad sizes in %s\n", argv[2]); return 1; }
        w = readf(f, (size_t)n * (size_t)n);
        x = readf(f, (size_t)n * (size_t)b);
        fclose(f);
        reps = atoi(argv[3]); batches = atoi(argv[4]); c.tol = atof(argv[5]);
        if (reps < 1 || batches < 1) return 2;
        r = malloc(sizeof(float) * (size_t)n * (size_t)b); g = malloc(sizeof(float) * (size_t)n * (size_t)b);
        coliter = malloc(sizeof(int) * (size_t)b); colres = malloc(sizeof(double) * (size_t)b);
        hist = malloc(sizeof(double) * (size_t)c.max_iter);
        times = malloc(sizeof(double) * (size_t)batches);
        memset(&rep, 0, sizeof rep); /* the solve resets the rest of it on every call */
        rep.col_iterations = coliter; rep.col_residual = colres; rep.history = hist;
        for (k = -1; k < batches; ++k) { /* batch -1: a warm-up, not timed */
            double t0 = bench_now();
            for (i = 0; i < reps; ++i)
                st = fp_solve_f32(&c, &act, fp_mat_rowmajor_f32(w, n, n), fp_mat_rowmajor_f32(x, n, b),
                                  fp_mat_rowmajor_f32(r, n, b), fp_mat_rowmajor_f32(g, n, b), &rep, NULL);
            if (k >= 0) times[k] = 1e6 * (bench_now() - t0) / reps;
        }
        for (i = 0; i < n * b; ++i) sumr += r[i];
        printf("solve n=%d b=%d status=%s iterations=%d sumR=%.9g ", n, b, fp_status_str(st), rep.iterations, sumr);
        print_times(times, batches);
        printf("\n");
        return st == FP_OK ? 0 : 1;
    }
    if (argc == 6 && !strcmp(argv[1], "act")) {
        int rows = atoi(argv[2]), cols = atoi(argv[3]);
        float *z, *r, *g;
        fp_activation act = fp_activation_make(FP_ACT_TANH);
        fp_status st = FP_OK;
        reps = atoi(argv[4]); batches = atoi(argv[5]);
        if (rows < 1 || cols < 1 || reps < 1 || batches < 1) return 2;
        z = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
        r = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
        g = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
        for (i = 0; i < rows * cols; ++i) z[i] = (float)(0.1 * i - 0.8);
        times = malloc(sizeof(double) * (size_t)batches);
        for (k = -1; k < batches; ++k) { /* batch -1: a warm-up, not timed */
            double t0 = bench_now();
            for (i = 0; i < reps; ++i)
                st = fp_act_apply_f32(&act, fp_mat_rowmajor_f32(z, rows, cols), fp_mat_rowmajor_f32(r, rows, cols),
                                      fp_mat_rowmajor_f32(g, rows, cols));
            if (k >= 0) times[k] = 1e6 * (bench_now() - t0) / reps;
        }
        printf("act %dx%d status=%s r0=%.9g ", rows, cols, fp_status_str(st), (double)r[0]);
        print_times(times, batches);
        printf("\n");
        return st == FP_OK ? 0 : 1;
    }
    fprintf(stderr, "usage: call_overhead solve FILE REPS BATCHES TOL | call_overhead act ROWS COLS REPS BATCHES\n");
    return 2;
}
