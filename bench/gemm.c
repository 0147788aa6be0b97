/* bench/gemm: C = A B (row-major, float32 or float64) REPS times, for hyperfine to time the process.
 * Built three ways (one library per binary, never BLIS and OpenBLAS together):
 *   native      fixpoint.h's own kernels           (cc ... bench/gemm.c)
 *   blis        fixpoint.h with FIXPOINT_USE_BLIS   (-DFIXPOINT_USE_BLIS -lblis)
 *   openblas    cblas_sgemm / cblas_dgemm directly  (-DBENCH_OPENBLAS -lopenblas)
 * Usage: gemm M N K f32|f64 REPS    (bench/run.sh picks REPS so the GEMMs dominate the process time)
 *        gemm --info                 which kernel configuration the library selected on this CPU
 * It also prints its own median per call, for a look without hyperfine. */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"
#ifdef BENCH_OPENBLAS
#include <cblas.h>
#else
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"
#endif


#define RUN(T, CALL)                                                                                 \
    do {                                                                                             \
        T *a = malloc(sizeof(T) * (size_t)m * (size_t)k), *b = malloc(sizeof(T) * (size_t)k * (size_t)n); \
        T *c = malloc(sizeof(T) * (size_t)m * (size_t)n);                                            \
        size_t i;                                                                                    \
        for (i = 0; i < (size_t)m * (size_t)k; ++i) a[i] = (T)((double)(i % 97) / 97.0 - 0.5);       \
        for (i = 0; i < (size_t)k * (size_t)n; ++i) b[i] = (T)((double)(i % 89) / 89.0 - 0.5);       \
        for (i = 0; i < (size_t)m * (size_t)n; ++i) c[i] = 0;                                        \
        CALL; /* warm-up */                                                                          \
        t0 = bench_now();                                                                                  \
        while (reps < want) {                                                                        \
            double s = bench_now();                                                                        \
            CALL;                                                                                    \
            times[reps++] = bench_now() - s;                                                               \
        }                                                                                            \
        check = (double)c[(size_t)(m / 2) * (size_t)n + (size_t)(n / 2)];                           \
        free(a); free(b); free(c);                                                                   \
    } while (0)

static double times[100000];

int main(int argc, char **argv)
{
    int m, n, k, reps = 0, f64, want;
    double t0, check = 0, med;
    const char *lib;
    if (argc == 2 && strcmp(argv[1], "--info") == 0) {
#if defined(BENCH_OPENBLAS)
        printf("openblas core %s, config %s\n", openblas_get_corename(), openblas_get_config());
#elif defined(FIXPOINT_USE_BLIS)
        float one = 1, out = 0;
        fp_gemm_f32(FP_NOTRANS, FP_NOTRANS, 1, 1, 1, 1.0f, &one, 1, 1, &one, 1, 1, 0.0f, &out, 1, 1); /* initializes BLIS */
        printf("blis sub-configuration %s\n", bli_arch_string(bli_arch_query_id()));
#else
        printf("fixpoint.h kernels %s (best on this CPU: %s)\n", fp_isa_name(fp_isa_current()), fp_isa_name(fp_isa_best()));
#endif
        return 0;
    }
    if (argc < 6) { fprintf(stderr, "usage: gemm M N K f32|f64 REPS | gemm --info\n"); return 2; }
    m = atoi(argv[1]); n = atoi(argv[2]); k = atoi(argv[3]);
    f64 = strcmp(argv[4], "f64") == 0;
    want = atoi(argv[5]);
    if (m <= 0 || n <= 0 || k <= 0 || want < 1 || want > 100000) { fprintf(stderr, "gemm: sizes and REPS must be positive (REPS <= 100000)\n"); return 2; }
    (void)t0;
#if defined(BENCH_OPENBLAS)
    lib = "openblas";
    if (f64) RUN(double, cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n));
    else RUN(float, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n));
#else
#ifdef FIXPOINT_USE_BLIS
    lib = "blis";
#else
    lib = fp_isa_name(fp_isa_current());
#endif
    {
        void *ws = malloc(fp_gemm_workspace_size_f64());
        if (f64) RUN(double, fp_gemm_ws_f64(FP_NOTRANS, FP_NOTRANS, m, n, k, 1.0, a, k, 1, b, n, 1, 0.0, c, n, 1, ws));
        else RUN(float, fp_gemm_ws_f32(FP_NOTRANS, FP_NOTRANS, m, n, k, 1.0f, a, k, 1, b, n, 1, 0.0f, c, n, 1, ws));
        free(ws);
    }
#endif
    med = bench_median(times, reps);
    bench_log(1e3 * med, check);
    printf("%s %s m=%d n=%d k=%d reps=%d median_s=%.6g gflops=%.2f check=%.6g\n", lib, f64 ? "f64" : "f32", m, n, k,
           reps, med, 2.0 * m * n * k / med * 1e-9, check);
    return 0;
}
