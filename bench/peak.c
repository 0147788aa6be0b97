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

__attribute__((target("avx512f"))) static double peak_avx512(void)
{
    /* twelve named accumulators (an array would live in memory): latency 4 x 2 FMA ports < 12 */
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 c0 = _mm512_set1_ps(0), c1 = _mm512_set1_ps(1), c2 = _mm512_set1_ps(2), c3 = _mm512_set1_ps(3), c4 = _mm512_set1_ps(4), c5 = _mm512_set1_ps(5);
    __m512 c6 = _mm512_set1_ps(6), c7 = _mm512_set1_ps(7), c8 = _mm512_set1_ps(8), c9 = _mm512_set1_ps(9), c10 = _mm512_set1_ps(10), c11 = _mm512_set1_ps(11);
    float out[16], s = 0;
    double t0;
    long i;
    int c;
    t0 = bench_now();
    for (i = 0; i < ITERS; ++i) {
        c0 = _mm512_fmadd_ps(c0, a, b); c1 = _mm512_fmadd_ps(c1, a, b); c2 = _mm512_fmadd_ps(c2, a, b); c3 = _mm512_fmadd_ps(c3, a, b);
        c4 = _mm512_fmadd_ps(c4, a, b); c5 = _mm512_fmadd_ps(c5, a, b); c6 = _mm512_fmadd_ps(c6, a, b); c7 = _mm512_fmadd_ps(c7, a, b);
        c8 = _mm512_fmadd_ps(c8, a, b); c9 = _mm512_fmadd_ps(c9, a, b); c10 = _mm512_fmadd_ps(c10, a, b); c11 = _mm512_fmadd_ps(c11, a, b);
    }
    t0 = bench_now() - t0;
    c0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)), _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    c0 = _mm512_add_ps(c0, _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
    _mm512_storeu_ps(out, c0);
    for (c = 0; c < 16; ++c) s += out[c];
    if (s == 12345.0f) printf(" ");
    return 2.0 * 16 * CHAINS * ITERS / t0 / 1e9;
}

__attribute__((target("avx2,fma"))) static double peak_avx2(void)
{
    /* twelve named accumulators (an array would live in memory): latency 4 x 2 FMA ports < 12 */
    __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    __m256 c0 = _mm256_set1_ps(0), c1 = _mm256_set1_ps(1), c2 = _mm256_set1_ps(2), c3 = _mm256_set1_ps(3), c4 = _mm256_set1_ps(4), c5 = _mm256_set1_ps(5);
    __m256 c6 = _mm256_set1_ps(6), c7 = _mm256_set1_ps(7), c8 = _mm256_set1_ps(8), c9 = _mm256_set1_ps(9), c10 = _mm256_set1_ps(10), c11 = _mm256_set1_ps(11);
    float out[8], s = 0;
    double t0;
    long i;
    int c;
    t0 = bench_now();
    for (i = 0; i < ITERS; ++i) {
        c0 = _mm256_fmadd_ps(c0, a, b); c1 = _mm256_fmadd_ps(c1, a, b); c2 = _mm256_fmadd_ps(c2, a, b); c3 = _mm256_fmadd_ps(c3, a, b);
        c4 = _mm256_fmadd_ps(c4, a, b); c5 = _mm256_fmadd_ps(c5, a, b); c6 = _mm256_fmadd_ps(c6, a, b); c7 = _mm256_fmadd_ps(c7, a, b);
        c8 = _mm256_fmadd_ps(c8, a, b); c9 = _mm256_fmadd_ps(c9, a, b); c10 = _mm256_fmadd_ps(c10, a, b); c11 = _mm256_fmadd_ps(c11, a, b);
    }
    t0 = bench_now() - t0;
    c0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)), _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    c0 = _mm256_add_ps(c0, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    _mm256_storeu_ps(out, c0);
    for (c = 0; c < 8; ++c) s += out[c];
    if (s == 12345.0f) printf(" ");
    return 2.0 * 8 * CHAINS * ITERS / t0 / 1e9;
}
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
