/* A GEMM on FP_MAX_THREADS threads stays inside the workspace fp_gemm_workspace_size_* promises, on every
 * kernel path the CPU has: each thread's block of A lies at its own offset in that workspace, so a block
 * larger than the size reserves for it lands past the end at the highest thread counts. Built with
 * FP_MAX_THREADS 128 and run on 128 threads (`make test-omp`); the workspace is followed by a guard of
 * sentinel bytes that must come back untouched, and C is compared with a naive product.
 *   cc -O2 -std=c99 -fopenmp -DFP_MAX_THREADS=128 tests/workspace_threads.c -o build/workspace_threads -lm */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

enum { GUARD = 1 << 20, SENTINEL = 0xA5 };

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok) ++passed;
    else ++failed;
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
}

/* C = A B on the workspace's exact size, then the guard and a sample of C against a naive product */
static int one(int bits, int m, int n, int k)
{
    size_t ws = bits == 32 ? fp_gemm_workspace_size_f32() : fp_gemm_workspace_size_f64(), i, esz = (size_t)bits / 8;
    unsigned char *work = malloc(ws + GUARD);
    double *a = malloc(sizeof(double) * (size_t)m * (size_t)k), *b = malloc(sizeof(double) * (size_t)k * (size_t)n);
    void *fa = malloc(esz * (size_t)m * (size_t)k), *fb = malloc(esz * (size_t)k * (size_t)n), *fc = malloc(esz * (size_t)m * (size_t)n);
    int ok = 1, s;
    if (!work || !a || !b || !fa || !fb || !fc) { printf("out of memory\n"); exit(1); }
    for (i = 0; i < (size_t)m * (size_t)k; ++i) a[i] = (double)((i * 7) % 13) - 6;
    for (i = 0; i < (size_t)k * (size_t)n; ++i) b[i] = (double)((i * 5) % 11) - 5;
    for (i = 0; i < (size_t)m * (size_t)k; ++i) {
        if (bits == 32) ((float *)fa)[i] = (float)a[i];
        else ((double *)fa)[i] = a[i];
    }
    for (i = 0; i < (size_t)k * (size_t)n; ++i) {
        if (bits == 32) ((float *)fb)[i] = (float)b[i];
        else ((double *)fb)[i] = b[i];
    }
    memset(work + ws, SENTINEL, GUARD);
    if (bits == 32)
        fp_gemm_ws_f32(FP_NOTRANS, FP_NOTRANS, m, n, k, 1.0f, (float *)fa, k, 1, (float *)fb, n, 1, 0.0f, (float *)fc, n, 1, work);
    else
        fp_gemm_ws_f64(FP_NOTRANS, FP_NOTRANS, m, n, k, 1.0, (double *)fa, k, 1, (double *)fb, n, 1, 0.0, (double *)fc, n, 1, work);
    for (i = 0; i < GUARD; ++i)
        if (work[ws + i] != SENTINEL) { printf("    byte %zu past the workspace written\n", i); ok = 0; break; }
    for (s = 0; s < 64; ++s) { /* small integers: every sum is exact in float and double */
        int r = (s * 97) % m, c = (s * 31) % n, p;
        double ref = 0, got = bits == 32 ? (double)((float *)fc)[(size_t)r * (size_t)n + (size_t)c] : ((double *)fc)[(size_t)r * (size_t)n + (size_t)c];
        for (p = 0; p < k; ++p) ref += a[(size_t)r * (size_t)k + (size_t)p] * b[(size_t)p * (size_t)n + (size_t)c];
        if (got != ref) { printf("    C[%d,%d] = %.17g, naive %.17g\n", r, c, got, ref); ok = 0; break; }
    }
    free(work); free(a); free(b); free(fa); free(fb); free(fc);
    return ok;
}

int main(void)
{
    /* k = 256 (one full block), 300 and 320 (one block when A is read in place), 321 (two); m gives every
     * thread a row block; n narrow, at 8 panels, and wide */
    static const int shapes[][3] = { { 1531, 256, 320 }, { 1531, 600, 300 }, { 1531, 64, 256 }, { 1531, 300, 321 } };
    static const fp_isa isas[] = { FP_ISA_SCALAR, FP_ISA_AVX2, FP_ISA_AVX512 };
    char what[128];
    size_t s, p;
    int bits;
    omp_set_num_threads(FP_MAX_THREADS);
    for (p = 0; p < 3; ++p) {
        if (isas[p] > fp_isa_best()) { printf("skip %s: this CPU or build lacks it\n", fp_isa_name(isas[p])); continue; }
        fp_isa_set(isas[p]);
        for (bits = 32; bits <= 64; bits += 32)
            for (s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
                snprintf(what, sizeof what, "gemm_stays_inside_its_workspace_on_%d_threads %s f%d %dx%dx%d", FP_MAX_THREADS,
                         fp_isa_name(isas[p]), bits, shapes[s][0], shapes[s][1], shapes[s][2]);
                check(one(bits, shapes[s][0], shapes[s][1], shapes[s][2]), what);
            }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
