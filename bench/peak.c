/* bench/peak: the machine's measured float32 FMA peak for one core, per instruction set: independent
 * chains of fused multiply-adds in registers (no memory traffic), the ceiling no GEMM can pass.
 * Prints "isa GFLOP/s" lines for the paths this CPU has. */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include "bench_util.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CHAINS 12
#define ITERS 20000000L

/* One function per instruction set from one body: twelve named accumulators (an array would live in
 * memory), more than FMA latency (4) x ports (2) needs to keep the units busy. */
#define PEAK_FN(name, tgt, T, lanes, set1, fma, add, store)                                                  \
    __attribute__((target(tgt))) static double name(void)                                                    \
    {                                                                                                        \
        T a = set1(0.999999f), b = set1(1e-7f), c0 = set1(0), c1 = set1(1), c2 = set1(2), c3 = set1(3);      \
        T c4 = set1(4), c5 = set1(5), c6 = set1(6), c7 = set1(7), c8 = set1(8), c9 = set1(9);                 \
        T c10 = set1(10), c11 = set1(11);                                                                    \
        float out[lanes], s = 0;                                                                             \
        double t0 = bench_now();                                                                             \
        long i;                                                                                              \
        int c;                                                                                               \
        for (i = 0; i < ITERS; ++i) {                                                                        \
            c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b); c3 = fma(c3, a, b);                  \
            c4 = fma(c4, a, b); c5 = fma(c5, a, b); c6 = fma(c6, a, b); c7 = fma(c7, a, b);                  \
            c8 = fma(c8, a, b); c9 = fma(c9, a, b); c10 = fma(c10, a, b); c11 = fma(c11, a, b);              \
        }                                                                                                    \
        t0 = bench_now() - t0;                                                                               \
        c0 = add(add(add(c0, c1), add(c2, c3)), add(add(c4, c5), add(c6, c7)));                              \
        c0 = add(c0, add(add(c8, c9), add(c10, c11)));                                                       \
        store(out, c0);                                                                                      \
        for (c = 0; c < lanes; ++c) s += out[c];                                                             \
        if (s == 12345.0f) printf(" "); /* keeps the sums alive */                                          \
        return 2.0 * lanes * CHAINS * ITERS / t0 / 1e9;                                                      \
    }
PEAK_FN(peak_avx512, "avx512f", __m512, 16, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps)
PEAK_FN(peak_avx2, "avx2,fma", __m256, 8, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps)
#endif

int main(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) printf("avx512 %.1f\n", peak_avx512());
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) printf("avx2 %.1f\n", peak_avx2());
#else
    printf("none 0\n");
#endif
    return 0;
}
