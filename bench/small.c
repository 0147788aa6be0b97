/* bench/small: small products C = A B (row-major, m = n = k, or m x n x k), fixpoint.h against one peer in
 * the same process, interleaved call by call batch, on the same matrices. At these sizes a call lasts
 * 0.3-60 microseconds, so a process-level timer (hyperfine, bench/run.sh's gemm section) mostly measures
 * start-up and its noise; here each sample is the mean of a batch of calls, fixpoint.h's batch and the
 * peer's alternating, and the medians of the samples are compared.
 *   cc -O2 -std=c99 -DPEER_OPENBLAS -o small_openblas bench/small.c -lopenblas -lm
 *   cc -O2 -std=c99 -DPEER_BLIS     -o small_blis     bench/small.c -lblis -lm
 *   small M N K f32|f64 [SAMPLES]
 * Prints: gemm TYPE MxNxK fixpoint_us X gflops G PEER_us Y gflops H ratio R diff D, where ratio = peer
 * time / fixpoint.h time (above 1: fixpoint.h is faster) and diff the largest difference of the two C
 * relative to C's largest entry. bench/small.sh runs both peers and writes the table. */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_util.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"
#if defined(PEER_OPENBLAS)
#include <cblas.h>
#define PEER "openblas"
#elif defined(PEER_BLIS)
#include <blis.h>
#define PEER "blis"
#else
#error "define PEER_OPENBLAS or PEER_BLIS"
#endif

#if defined(PEER_OPENBLAS)
#define PEER_S(m, n, k, a, b, c) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n)
#define PEER_D(m, n, k, a, b, c) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n)
#else
#define PEER_S(m, n, k, a, b, c) do { float al = 1, be = 0; bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &al, a, k, 1, b, n, 1, &be, c, n, 1); } while (0)
#define PEER_D(m, n, k, a, b, c) do { double al = 1, be = 0; bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &al, a, k, 1, b, n, 1, &be, c, n, 1); } while (0)
#endif

#define SAMPLES_MAX 1001
#define RUN(T, FP, PEERCALL)                                                                                  \
    do {                                                                                                  \
        T *a = malloc(sizeof(T) * (size_t)m * (size_t)k), *b = malloc(sizeof(T) * (size_t)k * (size_t)n);   \
        T *c1 = malloc(sizeof(T) * (size_t)m * (size_t)n), *c2 = malloc(sizeof(T) * (size_t)m * (size_t)n); \
        size_t i;                                                                                         \
        int s, q;                                                                                         \
        for (i = 0; i < (size_t)m * (size_t)k; ++i) a[i] = (T)((double)(i % 97) / 97.0 - 0.5);            \
        for (i = 0; i < (size_t)k * (size_t)n; ++i) b[i] = (T)((double)(i % 89) / 89.0 - 0.5);            \
        for (q = 0; q < batch; ++q) { FP(FP_NOTRANS, FP_NOTRANS, m, n, k, 1, a, k, 1, b, n, 1, 0, c1, n, 1); PEERCALL(m, n, k, a, b, c2); } \
        for (s = 0; s < samples; ++s) {                                                                   \
            double t = bench_now();                                                                       \
            for (q = 0; q < batch; ++q) FP(FP_NOTRANS, FP_NOTRANS, m, n, k, 1, a, k, 1, b, n, 1, 0, c1, n, 1); \
            tf[s] = (bench_now() - t) / batch;                                                            \
            t = bench_now();                                                                              \
            for (q = 0; q < batch; ++q) PEERCALL(m, n, k, a, b, c2);                                      \
            tp[s] = (bench_now() - t) / batch;                                                            \
        }                                                                                                 \
        for (i = 0; i < (size_t)m * (size_t)n; ++i) {                                                     \
            double d = fabs((double)c1[i] - (double)c2[i]), v = fabs((double)c2[i]);                     \
            diff = d > diff ? d : diff;                                                                   \
            cmax = v > cmax ? v : cmax;                                                                   \
        }                                                                                                 \
        free(a); free(b); free(c1); free(c2);                                                             \
    } while (0)

static double tf[SAMPLES_MAX], tp[SAMPLES_MAX];

int main(int argc, char **argv)
{
    int m, n, k, f64, samples = argc > 5 ? atoi(argv[5]) : 201, batch;
    double diff = 0, cmax = 0, mf, mp, flop;
    if (argc < 5) {
        fprintf(stderr, "usage: %s M N K f32|f64 [SAMPLES]\n", argv[0]);
        return 2;
    }
    m = atoi(argv[1]);
    n = atoi(argv[2]);
    k = atoi(argv[3]);
    f64 = strcmp(argv[4], "f64") == 0;
    if (m < 1 || n < 1 || k < 1 || samples < 1 || samples > SAMPLES_MAX) {
        fprintf(stderr, "small: sizes must be >= 1, samples 1..%d\n", SAMPLES_MAX);
        return 2;
    }
    flop = 2.0 * m * n * k;
    batch = (int)(2e6 / flop) + 1; /* a sample of about 20 microseconds or one call */
    if (f64) RUN(double, fp_gemm_f64, PEER_D);
    else RUN(float, fp_gemm_f32, PEER_S);
    mf = bench_median(tf, samples);
    mp = bench_median(tp, samples);
    printf("gemm %s %dx%dx%d fixpoint_us %.3f gflops %.1f %s_us %.3f gflops %.1f ratio %.2f diff %.1e\n", f64 ? "f64" : "f32", m,
           n, k, mf * 1e6, flop / mf * 1e-9, PEER, mp * 1e6, flop / mp * 1e-9, mp / mf, diff / (cmax > 0 ? cmax : 1));
    return 0;
}
