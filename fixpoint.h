/* fixpoint.h - v0.1 - public domain / MIT - fixed points of recurrent networks: find, differentiate, learn
 *
 * A single-file C99 library in the stb style. It finds the fixed points r* = f(W r* + X) of recurrent
 * networks (batched over the columns of X), differentiates losses of r* implicitly, and learns W with
 * the rules of Zhu & Rosenbaum (2024). Its matrix core (GEMM with BLIS-style strides, GEMV, LU,
 * Cholesky, QR least squares) carries its own AVX-512 and AVX2/FMA micro-kernels chosen at run time.
 *
 * ---------------------------------------------------------------------------------------------------
 * USING IT
 *   In exactly one C or C++ file:
 *       #define FIXPOINT_IMPLEMENTATION
 *       #include "fixpoint.h"
 *   Everywhere else just #include "fixpoint.h". Link with -lm. Nothing else is needed: a plain
 *   `cc -O2 app.c -lm` build still runs the AVX-512 or AVX2 kernels where the CPU has them
 *   (the kernels carry __attribute__((target)) and are chosen with cpuid on each call).
 *   The implementation re-includes this file once per real type (float, double) to instantiate
 *   the typed code from one source; if you rename the file, #define FP_HEADER_FILENAME "name.h".
 *
 * CONFIGURATION (define before the #include that has FIXPOINT_IMPLEMENTATION)
 *   FP_STATIC                  every symbol static (private copy per translation unit)
 *   FP_MALLOC(sz,ctx) FP_REALLOC(p,sz,ctx) FP_FREE(p,ctx)
 *                              allocator, all three or none; ctx is the user pointer of fp_allocator
 *   FP_ASSERT(c)               programmer-error check; default prints and calls abort() (never
 *                              compiled out, so a bad call is never undefined behaviour)
 *   FP_NO_SIMD                 scalar kernels only;  FP_NO_AVX2, FP_NO_AVX512: drop one path
 *   FIXPOINT_USE_BLIS          GEMM and GEMV go to BLIS's typed API (bli_sgemm, ...; link -lblis)
 *   _OPENMP (-fopenmp)         the GEMM macro-kernel runs its row blocks in parallel
 *   Environment: FP_ISA=scalar|avx2|avx512 caps the kernel choice at run time (fp_isa_set does the same).
 *
 * ERRORS
 *   Functions that can fail return fp_status: FP_OK (0) or a negative code; fp_status_str() names it.
 *   Numerical failures (singular matrix, no convergence, non-finite values) are statuses, never NaN
 *   results. Programmer errors (NULL where not allowed, negative sizes, strides that are too small
 *   or an output that overlaps an input) trip FP_ASSERT. Functions returning void can only fail that way.
 *
 * MATRICES
 *   Every matrix argument is (pointer, row stride, column stride): element (i, j) is p[i*rs + j*cs].
 *   Row-major M x N is (p, N, 1), column-major (p, 1, M); a transpose or a sub-block is a view.
 *   Strides are >= 1 (a stride along a dimension of size 1 is ignored); outputs must not overlap
 *   themselves or an input. float and double versions differ by the suffix _f32 / _f64.
 *
 * EXAMPLE: the fixed point of r = tanh(W r + x) and one learning step (see examples/ for more)
 *
 *   #define FIXPOINT_IMPLEMENTATION
 *   #include "fixpoint.h"
 *   int main(void) {
 *       enum { N = 3 };
 *       double w[N*N] = { 0.1, -0.2, 0.0,  0.3, 0.1, 0.2,  -0.1, 0.0, 0.2 };
 *       double x[N] = { 0.5, -1.0, 0.25 }, y[N] = { 0, 0, 0 };
 *       double c[N*N];
 *       fp_gemm_f64(FP_NOTRANS, FP_TRANS, N, N, N, 1.0, w, N, 1, w, N, 1, 0.0, c, N, 1); // c = W W^T
 *       fp_gemv_f64(FP_NOTRANS, N, N, 1.0, w, N, 1, x, 1, 0.0, y, 1);                // y = W x
 *       int piv[N];
 *       if (fp_lu_factor_f64(N, c, N, 1, piv) != FP_OK) return 1;                   // LU of W W^T
 *       fp_lu_solve_f64(FP_NOTRANS, N, 1, c, N, 1, piv, y, 1, 1);                      // y <- (W W^T)^-1 y
 *       return 0;
 *   }
 *
 * LICENSE: MIT or public domain (Unlicense), your choice; see the end of the file.
 * HISTORY: 0.1 (2026-11) matrix core: GEMM, GEMV, vector ops, LU, Cholesky, QR least squares.
 */

/* ================================================================================================
 * CONFIG: everything a user may define, checked here once.
 * ================================================================================================ */
#ifndef FP__TPL /* the normal pass; the typed passes are at the end of the file */

#ifndef FIXPOINT_H_INCLUDED
#define FIXPOINT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#ifndef FP_HEADER_FILENAME
#define FP_HEADER_FILENAME "fixpoint.h"
#endif

#if defined(FP_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define FP_API static __attribute__((unused))
#elif defined(FP_STATIC)
#define FP_API static
#else
#define FP_API extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================================================
 * TYPES AND ERRORS: the status codes, the allocator, the transpose flag, the kernel choice.
 * ================================================================================================ */
typedef enum fp_status {
    FP_OK = 0,
    FP_ERR_INVALID_ARG = -1,   /* a value out of range (a size, an option, a tolerance)            */
    FP_ERR_NO_MEMORY = -2,     /* the allocator returned NULL                                      */
    FP_ERR_SINGULAR = -3,      /* a matrix to factor or solve with is (numerically) singular        */
    FP_ERR_NOT_SPD = -4,       /* Cholesky met a non-positive pivot                                 */
    FP_ERR_NOT_CONVERGED = -5, /* an iteration reached its cap without meeting its tolerance        */
    FP_ERR_DIVERGED = -6,      /* an iteration grew without bound                                   */
    FP_ERR_NON_FINITE = -7,    /* NaN or Inf in an input or produced on the way                     */
    FP_ERR_IO = -8,            /* a file could not be opened, read or written                       */
    FP_ERR_FORMAT = -9,        /* a file is not in the expected format (magic, sizes, checksum)     */
    FP_ERR_UNSUPPORTED = -10   /* asked for something this build or CPU cannot do                   */
} fp_status;

FP_API const char *fp_status_str(fp_status s);

typedef enum fp_trans { FP_NOTRANS = 0, FP_TRANS = 1 } fp_trans;

/* Instruction-set paths of the matrix core, from slowest to fastest. */
typedef enum fp_isa { FP_ISA_SCALAR = 0, FP_ISA_AVX2 = 1, FP_ISA_AVX512 = 2 } fp_isa;

FP_API fp_isa fp_isa_best(void);        /* the best path this CPU and build support                 */
FP_API fp_isa fp_isa_current(void);     /* the path in use: best, capped by fp_isa_set or FP_ISA    */
FP_API void fp_isa_set(fp_isa cap);     /* cap the path (tests, benchmarks); process-wide           */
FP_API const char *fp_isa_name(fp_isa isa);

#ifdef __cplusplus
}
#endif

/* The typed declarations, once per real type. */
#define FP__TPL 1
#define FP__BITS 32
#include FP_HEADER_FILENAME
#undef FP__BITS
#define FP__BITS 64
#include FP_HEADER_FILENAME
#undef FP__BITS
#undef FP__TPL

#endif /* FIXPOINT_H_INCLUDED */

/* ================================================================================================
 * IMPLEMENTATION
 * ================================================================================================ */
#if defined(FIXPOINT_IMPLEMENTATION) && !defined(FIXPOINT_IMPLEMENTATION_DONE)
#define FIXPOINT_IMPLEMENTATION_DONE

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <limits.h>

#if defined(FP_MALLOC) && defined(FP_FREE) && defined(FP_REALLOC)
#elif !defined(FP_MALLOC) && !defined(FP_FREE) && !defined(FP_REALLOC)
#include <stdlib.h>
#define FP_MALLOC(sz, ctx) ((void)(ctx), malloc(sz))
#define FP_REALLOC(p, sz, ctx) ((void)(ctx), realloc(p, sz))
#define FP_FREE(p, ctx) ((void)(ctx), free(p))
#else
#error "fixpoint.h: define all of FP_MALLOC, FP_REALLOC and FP_FREE, or none"
#endif

#ifndef FP_ASSERT
#include <stdio.h>
#include <stdlib.h>
#define FP_ASSERT(c) ((c) ? (void)0 : fp__assert_fail(#c, __FILE__, __LINE__))
static void fp__assert_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "fixpoint.h: programmer error: %s (%s:%d)\n", what, file, line);
    abort();
}
#endif

#if defined(__cplusplus) || !defined(__STDC_VERSION__) || __STDC_VERSION__ < 199901L
#define FP__RESTRICT __restrict
#else
#define FP__RESTRICT restrict
#endif

#if defined(FP_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define FP_DEF static __attribute__((unused))
#elif defined(FP_STATIC)
#define FP_DEF static
#else
#define FP_DEF
#endif

/* SIMD paths: x86-64 with GCC or clang, kernels compiled per function with target attributes. */
#if !defined(FP_NO_SIMD) && (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#if !defined(FP_NO_AVX2)
#define FP__HAVE_AVX2 1
#define FP__TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif
#if !defined(FP_NO_AVX512)
#define FP__HAVE_AVX512 1
#define FP__TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#endif
#endif

#ifdef FIXPOINT_USE_BLIS
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif
#include <blis.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

FP_DEF const char *fp_status_str(fp_status s)
{
    switch (s) {
    case FP_OK: return "ok";
    case FP_ERR_INVALID_ARG: return "invalid argument";
    case FP_ERR_NO_MEMORY: return "out of memory";
    case FP_ERR_SINGULAR: return "singular matrix";
    case FP_ERR_NOT_SPD: return "matrix not symmetric positive definite";
    case FP_ERR_NOT_CONVERGED: return "did not converge within the iteration cap";
    case FP_ERR_DIVERGED: return "iteration diverged";
    case FP_ERR_NON_FINITE: return "non-finite value (NaN or Inf)";
    case FP_ERR_IO: return "input/output error";
    case FP_ERR_FORMAT: return "malformed file";
    case FP_ERR_UNSUPPORTED: return "unsupported by this build or CPU";
    }
    return "unknown status";
}

/* The one process-wide setting: a cap on the kernel path. -1 = not read yet from FP_ISA. */
static int fp__isa_cap = -1;

FP_DEF const char *fp_isa_name(fp_isa isa)
{
    switch (isa) {
    case FP_ISA_SCALAR: return "scalar";
    case FP_ISA_AVX2: return "avx2";
    case FP_ISA_AVX512: return "avx512";
    }
    return "unknown";
}

FP_DEF fp_isa fp_isa_best(void)
{
#if defined(FP__HAVE_AVX512)
    if (__builtin_cpu_supports("avx512f")) return FP_ISA_AVX512;
#endif
#if defined(FP__HAVE_AVX2)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return FP_ISA_AVX2;
#endif
    return FP_ISA_SCALAR;
}

FP_DEF void fp_isa_set(fp_isa cap) { fp__isa_cap = (int)cap; }

FP_DEF fp_isa fp_isa_current(void)
{
    fp_isa best = fp_isa_best();
    if (fp__isa_cap < 0) {
        const char *e = getenv("FP_ISA");
        fp__isa_cap = FP_ISA_AVX512;
        if (e && strcmp(e, "scalar") == 0) fp__isa_cap = FP_ISA_SCALAR;
        if (e && strcmp(e, "avx2") == 0) fp__isa_cap = FP_ISA_AVX2;
    }
    return (int)best < fp__isa_cap ? best : (fp_isa)fp__isa_cap;
}

/* Overlap of two strided matrices' address ranges (conservative: bounding intervals). */
static int fp__ranges_overlap(const void *p, size_t plen, const void *q, size_t qlen)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)q;
    return a < b + qlen && b < a + plen;
}

/* Bytes spanned by an m x n strided matrix of elements of size esz (0 when empty). */
static size_t fp__span(int m, int n, ptrdiff_t rs, ptrdiff_t cs, size_t esz)
{
    if (m <= 0 || n <= 0) return 0;
    return ((size_t)(m - 1) * (size_t)(m > 1 ? rs : 0) + (size_t)(n - 1) * (size_t)(n > 1 ? cs : 0) + 1) * esz;
}

/* An output matrix must not map two (i, j) to one address: one stride must step over the other's whole
 * extent. (Inputs may repeat elements, e.g. a stride-0 broadcast is not allowed but a view may be.) */
static int fp__layout_ok(int m, int n, ptrdiff_t rs, ptrdiff_t cs)
{
    if (m <= 1 || n <= 1) return (m <= 1 || rs >= 1) && (n <= 1 || cs >= 1);
    if (rs < 1 || cs < 1) return 0;
    return rs >= (ptrdiff_t)n * cs || cs >= (ptrdiff_t)m * rs;
}

static int fp__strides_ok(int m, int n, ptrdiff_t rs, ptrdiff_t cs)
{
    return (m <= 1 || rs >= 1) && (n <= 1 || cs >= 1);
}

static void *fp__align64(void *p) { return (void *)(((uintptr_t)p + 63u) & ~(uintptr_t)63u); }

#ifdef __cplusplus
}
#endif

/* The typed implementation, once per real type. */
#define FP__TPL 2
#define FP__BITS 32
#include FP_HEADER_FILENAME
#undef FP__BITS
#define FP__BITS 64
#include FP_HEADER_FILENAME
#undef FP__BITS
#undef FP__TPL

#endif /* FIXPOINT_IMPLEMENTATION */

#else /* FP__TPL: ============================ the typed passes ===================================== */

/* Per-type names: FP__T is the real type, FP__F(x) the public name fp_x_f32/_f64, FP__I(x) private. */
#define FP__CAT3_(a, b, c) a##b##c
#define FP__CAT3(a, b, c) FP__CAT3_(a, b, c)
#if FP__BITS == 32
#define FP__T float
#define FP__SFX _f32
#else
#define FP__T double
#define FP__SFX _f64
#endif
#define FP__F(x) FP__CAT3(fp_, x, FP__SFX)
#define FP__I(x) FP__CAT3(fp__, x, FP__SFX)

#if FP__TPL == 1 /* ------------------------------------------------------------- typed declarations */
#ifdef __cplusplus
extern "C" {
#endif

/* MATRIX CORE (level 3, 2, 1). C = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n. beta == 0
 * overwrites C without reading it (NaN in C does not leak); alpha == 0 or k == 0 does not read A, B. */
FP_API void FP__F(gemm)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                        ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                        FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc);
/* The same with a caller-provided workspace of fp_gemm_workspace_size() bytes: no allocation.
 * work == NULL allocates one block for the call (that is all fp_gemm does). */
FP_API size_t FP__F(gemm_workspace_size)(void);
FP_API fp_status FP__F(gemm_ws)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha,
                                const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b,
                                ptrdiff_t rsb, ptrdiff_t csb, FP__T beta, FP__T *c, ptrdiff_t rsc,
                                ptrdiff_t csc, void *work);
/* y = alpha op(A) x + beta y, A m x n (op(A) is n x m when transposed). */
FP_API void FP__F(gemv)(fp_trans ta, int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa,
                        ptrdiff_t csa, const FP__T *x, ptrdiff_t incx, FP__T beta, FP__T *y,
                        ptrdiff_t incy);
FP_API FP__T FP__F(vec_dot)(int n, const FP__T *x, ptrdiff_t incx, const FP__T *y, ptrdiff_t incy);
FP_API void FP__F(vec_axpy)(int n, FP__T alpha, const FP__T *x, ptrdiff_t incx, FP__T *y, ptrdiff_t incy);
FP_API void FP__F(vec_scale)(int n, FP__T alpha, FP__T *x, ptrdiff_t incx);
FP_API FP__T FP__F(vec_norm2)(int n, const FP__T *x, ptrdiff_t incx); /* overflow-safe */
FP_API FP__T FP__F(vec_sum)(int n, const FP__T *x, ptrdiff_t incx);
FP_API FP__T FP__F(vec_max_abs)(int n, const FP__T *x, ptrdiff_t incx);
/* Matrix helpers over m x n strided matrices. */
FP_API void FP__F(mat_copy)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                            ptrdiff_t rsb, ptrdiff_t csb);
FP_API void FP__F(mat_fill)(int m, int n, FP__T v, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
FP_API void FP__F(mat_scale)(int m, int n, FP__T alpha, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
/* B = alpha A + beta B (beta == 0 overwrites B). */
FP_API void FP__F(mat_axpby)(int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa,
                             FP__T beta, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb);
/* B = f(A) elementwise with a user function (any context in ctx). */
FP_API void FP__F(mat_map)(int m, int n, FP__T (*f)(FP__T, void *), void *ctx, const FP__T *a,
                           ptrdiff_t rsa, ptrdiff_t csa, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb);
FP_API FP__T FP__F(mat_norm_fro)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
FP_API int FP__F(mat_all_finite)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);

/* DENSE FACTORIZATIONS. LU with partial pivoting in place (piv[i]: row swapped with i at step i).
 * FP_ERR_SINGULAR when a pivot is exactly zero or below n*eps*max|A| ; FP_ERR_NON_FINITE on NaN/Inf. */
FP_API fp_status FP__F(lu_factor)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int *piv);
/* Solves op(A) X = B for nrhs right-hand sides (columns of B) with the factors of lu_factor. */
FP_API void FP__F(lu_solve)(fp_trans t, int n, int nrhs, const FP__T *lu, ptrdiff_t rsa, ptrdiff_t csa,
                            const int *piv, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb);
/* Cholesky A = L L^T in the lower triangle (the upper is not read). FP_ERR_NOT_SPD on failure. */
FP_API fp_status FP__F(chol_factor)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
FP_API void FP__F(chol_solve)(int n, int nrhs, const FP__T *l, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                              ptrdiff_t rsb, ptrdiff_t csb);
/* Least squares min ||A X - B||_F by Householder QR, A m x n with m >= n, overwritten by the
 * factors; the first n rows of B (m x nrhs) become X. tau: n scalars of workspace.
 * FP_ERR_SINGULAR when A is rank deficient (|R_ii| <= m*eps*max|R_jj|). */
FP_API fp_status FP__F(lstsq)(int m, int n, int nrhs, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                              ptrdiff_t rsb, ptrdiff_t csb, FP__T *tau);

#ifdef __cplusplus
}
#endif
#else /* FP__TPL == 2 -------------------------------------------------------- typed implementation */
#ifdef __cplusplus
extern "C" {
#endif

#if FP__BITS == 32
#define FP__SQRT sqrtf
#define FP__FABS fabsf
#define FP__EPS FLT_EPSILON
#define FP__MAXV FLT_MAX
#else
#define FP__SQRT sqrt
#define FP__FABS fabs
#define FP__EPS DBL_EPSILON
#define FP__MAXV DBL_MAX
#endif
#define FP__ISFINITE(x) ((x) - (x) == (x) - (x)) /* false for NaN and +-Inf, no fenv side effects */

/* ================================================================================================
 * MATRIX CORE: GEMM (BLIS design: pack B into KC x NR panels, A into MR x KC panels, a register-
 * blocked MR x NR micro-kernel per instruction set; blocking and packing are shared by all paths),
 * GEMV and level-1 kernels, dense factorizations. No equation of ../shared/papers/ lives here.
 * ================================================================================================ */

/* The micro-kernel contract: C[0:mr, 0:nr] = alpha * A * Bp + beta * C, A an MR x kc panel read with
 * strides (ars, acs) - a packed panel is (1, MR), an unpacked row-major block (lda, 1) - and Bp packed
 * kc x NR (row of NR per k). mr <= MR, nr <= NR; edges go through a tile. All MR rows of A are read. */
typedef void (*FP__I(ukr_fn))(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs, const FP__T *bp,
                              FP__T alpha, FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr);

typedef struct FP__I(kernel) {
    FP__I(ukr_fn) ukr;
    int mr, nr, mc, kc, nc;
} FP__I(kernel);

/* Writes an MR x NR tile (row-major, ld = NR) into C with alpha/beta; beta == 0 never reads C. */
static void FP__I(tile_store)(const FP__T *ab, int ld, FP__T alpha, FP__T beta, FP__T *c,
                              ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    int i, j;
    for (i = 0; i < mr; ++i)
        for (j = 0; j < nr; ++j) {
            FP__T *cij = c + i * rsc + j * csc;
            *cij = beta == (FP__T)0 ? alpha * ab[i * ld + j] : alpha * ab[i * ld + j] + beta * *cij;
        }
}

/* Portable micro-kernel, 4 x 8: plain loops the compiler may vectorize. */
#define FP__SMR 4
#define FP__SNR 8
static void FP__I(ukr_scalar)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs, const FP__T *bp,
                              FP__T alpha, FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    FP__T ab[FP__SMR * FP__SNR];
    int p, i, j;
    for (i = 0; i < FP__SMR * FP__SNR; ++i) ab[i] = 0;
    for (p = 0; p < kc; ++p, ap += acs, bp += FP__SNR)
        for (i = 0; i < FP__SMR; ++i)
            for (j = 0; j < FP__SNR; ++j) ab[i * FP__SNR + j] += ap[i * ars] * bp[j];
    FP__I(tile_store)(ab, FP__SNR, alpha, beta, c, rsc, csc, mr, nr);
}

/* The SIMD micro-kernels: one per instruction set, type-generic through the vector macros below.
 * Each holds MR rows x 2 vectors of accumulators; per k it loads two vectors of Bp and broadcasts MR
 * values of Ap. Full tiles with unit column stride are updated in place with vector loads; the rest
 * goes through tile_store. */
#define FP__KDECL(i) V c##i##_a = VZERO(), c##i##_b = VZERO();
#define FP__KSTEP(i) { V a_ = VSET1(ap[(i) * FP__ARS]); c##i##_a = VFMA(a_, b0, c##i##_a); c##i##_b = VFMA(a_, b1, c##i##_b); }
#define FP__KSAVE(i) { VSTORE(ab + (i) * NR, c##i##_a); VSTORE(ab + (i) * NR + VL, c##i##_b); }
#define FP__KUPDATE()                                                                                 \
    if (mr == MR && nr == NR && csc == 1) {                                                           \
        V va = VSET1(alpha), vb = VSET1(beta);                                                        \
        int i_;                                                                                       \
        for (i_ = 0; i_ < MR; ++i_) {                                                                 \
            FP__T *ci = c + i_ * rsc;                                                                 \
            V r0 = VMUL(va, VLOAD(ab + i_ * NR)), r1 = VMUL(va, VLOAD(ab + i_ * NR + VL));            \
            if (beta != (FP__T)0) { r0 = VFMA(vb, VLOAD(ci), r0); r1 = VFMA(vb, VLOAD(ci + VL), r1); } \
            VSTORE(ci, r0); VSTORE(ci + VL, r1);                                                      \
        }                                                                                             \
    } else                                                                                            \
        FP__I(tile_store)(ab, NR, alpha, beta, c, rsc, csc, mr, nr)

#if defined(FP__HAVE_AVX2)
#define FP__A2MR 6
#if FP__BITS == 32
#define FP__A2VL 8
#else
#define FP__A2VL 4
#endif
FP__TARGET_AVX2 static void FP__I(ukr_avx2)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs,
                                            const FP__T *bp, FP__T alpha, FP__T beta, FP__T *c, ptrdiff_t rsc,
                                            ptrdiff_t csc, int mr, int nr)
{
#if FP__BITS == 32
#define V __m256
#define VZERO _mm256_setzero_ps
#define VSET1 _mm256_set1_ps
#define VFMA _mm256_fmadd_ps
#define VMUL _mm256_mul_ps
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#else
#define V __m256d
#define VZERO _mm256_setzero_pd
#define VSET1 _mm256_set1_pd
#define VFMA _mm256_fmadd_pd
#define VMUL _mm256_mul_pd
#define VLOAD _mm256_loadu_pd
#define VSTORE _mm256_storeu_pd
#endif
    enum { MR = FP__A2MR, VL = FP__A2VL, NR = 2 * FP__A2VL };
    FP__T ab[MR * NR];
    int p;
    FP__KDECL(0) FP__KDECL(1) FP__KDECL(2) FP__KDECL(3) FP__KDECL(4) FP__KDECL(5)
    /* the packed case (ars == 1) gets its own loop so the row offsets are constants */
#define FP__KLOOP()                                                                              \
    for (p = 0; p < kc; ++p, ap += acs, bp += NR) {                                              \
        V b0 = VLOAD(bp), b1 = VLOAD(bp + VL);                                                   \
        FP__KSTEP(0) FP__KSTEP(1) FP__KSTEP(2) FP__KSTEP(3) FP__KSTEP(4) FP__KSTEP(5)            \
    }
#define FP__ARS 1
    if (ars == 1) FP__KLOOP()
#undef FP__ARS
#define FP__ARS ars
    else FP__KLOOP()
#undef FP__ARS
#undef FP__KLOOP
    FP__KSAVE(0) FP__KSAVE(1) FP__KSAVE(2) FP__KSAVE(3) FP__KSAVE(4) FP__KSAVE(5)
    FP__KUPDATE();
#undef V
#undef VZERO
#undef VSET1
#undef VFMA
#undef VMUL
#undef VLOAD
#undef VSTORE
}
#endif

#if defined(FP__HAVE_AVX512)
#define FP__A5MR 12
#if FP__BITS == 32
#define FP__A5VL 16
#else
#define FP__A5VL 8
#endif
FP__TARGET_AVX512 static void FP__I(ukr_avx512)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs,
                                                const FP__T *bp, FP__T alpha, FP__T beta, FP__T *c, ptrdiff_t rsc,
                                                ptrdiff_t csc, int mr, int nr)
{
#if FP__BITS == 32
#define V __m512
#define VZERO _mm512_setzero_ps
#define VSET1 _mm512_set1_ps
#define VFMA _mm512_fmadd_ps
#define VMUL _mm512_mul_ps
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#else
#define V __m512d
#define VZERO _mm512_setzero_pd
#define VSET1 _mm512_set1_pd
#define VFMA _mm512_fmadd_pd
#define VMUL _mm512_mul_pd
#define VLOAD _mm512_loadu_pd
#define VSTORE _mm512_storeu_pd
#endif
    enum { MR = FP__A5MR, VL = FP__A5VL, NR = 2 * FP__A5VL };
    FP__T ab[MR * NR];
    int p;
    FP__KDECL(0) FP__KDECL(1) FP__KDECL(2) FP__KDECL(3) FP__KDECL(4) FP__KDECL(5)
    FP__KDECL(6) FP__KDECL(7) FP__KDECL(8) FP__KDECL(9) FP__KDECL(10) FP__KDECL(11)
#define FP__KLOOP()                                                                              \
    for (p = 0; p < kc; ++p, ap += acs, bp += NR) {                                              \
        V b0 = VLOAD(bp), b1 = VLOAD(bp + VL);                                                   \
        FP__KSTEP(0) FP__KSTEP(1) FP__KSTEP(2) FP__KSTEP(3) FP__KSTEP(4) FP__KSTEP(5)            \
        FP__KSTEP(6) FP__KSTEP(7) FP__KSTEP(8) FP__KSTEP(9) FP__KSTEP(10) FP__KSTEP(11)          \
    }
#define FP__ARS 1
    if (ars == 1) FP__KLOOP()
#undef FP__ARS
#define FP__ARS ars
    else FP__KLOOP()
#undef FP__ARS
#undef FP__KLOOP
    FP__KSAVE(0) FP__KSAVE(1) FP__KSAVE(2) FP__KSAVE(3) FP__KSAVE(4) FP__KSAVE(5)
    FP__KSAVE(6) FP__KSAVE(7) FP__KSAVE(8) FP__KSAVE(9) FP__KSAVE(10) FP__KSAVE(11)
    FP__KUPDATE();
#undef V
#undef VZERO
#undef VSET1
#undef VFMA
#undef VMUL
#undef VLOAD
#undef VSTORE
}
#endif

/* The kernel and blocking for the current path. KC x NR of B stays in L1, MC x KC of A in L2. */
static FP__I(kernel) FP__I(kernel_pick)(void)
{
    FP__I(kernel) k;
    fp_isa isa = fp_isa_current();
    k.ukr = FP__I(ukr_scalar);
    k.mr = FP__SMR;
    k.nr = FP__SNR;
    (void)isa;
#if defined(FP__HAVE_AVX512)
    if (isa == FP_ISA_AVX512) { k.ukr = FP__I(ukr_avx512); k.mr = FP__A5MR; k.nr = 2 * FP__A5VL; }
#endif
#if defined(FP__HAVE_AVX2)
    if (isa == FP_ISA_AVX2) { k.ukr = FP__I(ukr_avx2); k.mr = FP__A2MR; k.nr = 2 * FP__A2VL; }
#endif
    k.kc = 256;
    k.mc = k.mr * (FP__BITS == 32 ? 24 : 12);
    k.nc = 4096;
    return k;
}

static int FP__I(threads)(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Workspace: one B block (KC x NC) and one A block (MC x KC) per thread, for the largest kernel. */
FP_DEF size_t FP__F(gemm_workspace_size)(void)
{
    size_t kc = 256, nc = 4096 + 64, mc = 12 * 24 + 32;
    return (kc * nc + (size_t)FP__I(threads)() * (mc * kc + 64)) * sizeof(FP__T) + 128;
}

/* Pack rows [0, mc) x cols [0, kc) of a strided A into MR-row panels, zero-padded. */
static void FP__I(pack_a)(int mc, int kc, const FP__T *FP__RESTRICT a, ptrdiff_t rs, ptrdiff_t cs, int mr,
                          FP__T *FP__RESTRICT ap)
{
    int i0, i, p;
    for (i0 = 0; i0 < mc; i0 += mr) {
        int h = mc - i0 < mr ? mc - i0 : mr;
        const FP__T *ai = a + i0 * rs;
        if (h == mr && rs == 1) {
            for (p = 0; p < kc; ++p, ap += mr)
                for (i = 0; i < mr; ++i) ap[i] = ai[p * cs + i]; /* short copies: a loop beats memcpy's rep movs */
            continue;
        }
        for (p = 0; p < kc; ++p, ap += mr) {
            for (i = 0; i < h; ++i) ap[i] = ai[i * rs + p * cs];
            for (; i < mr; ++i) ap[i] = 0;
        }
    }
}

/* Pack rows [0, kc) x cols [0, nc) of a strided B into NR-column panels, zero-padded. */
static void FP__I(pack_b)(int kc, int nc, const FP__T *FP__RESTRICT b, ptrdiff_t rs, ptrdiff_t cs, int nr,
                          FP__T *FP__RESTRICT bp)
{
    int j0, j, p;
    for (j0 = 0; j0 < nc; j0 += nr) {
        int w = nc - j0 < nr ? nc - j0 : nr;
        const FP__T *bj = b + j0 * cs;
        if (w == nr && cs == 1) {
            for (p = 0; p < kc; ++p, bp += nr)
                for (j = 0; j < nr; ++j) bp[j] = bj[p * rs + j];
            continue;
        }
        for (p = 0; p < kc; ++p, bp += nr) {
            for (j = 0; j < w; ++j) bp[j] = bj[p * rs + j * cs];
            for (; j < nr; ++j) bp[j] = 0;
        }
    }
}

/* C = beta C for an m x n view (beta == 0 writes zeros). */
static void FP__I(scale_c)(int m, int n, FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    int i, j;
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) c[i * rsc + j * csc] = beta == (FP__T)0 ? (FP__T)0 : beta * c[i * rsc + j * csc];
}

/* The blocked GEMM on effective strides (transposes already folded in). */
static void FP__I(gemm_blocked)(int m, int n, int k, FP__T alpha, const FP__T *a, ptrdiff_t rsa,
                                ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb, FP__T beta,
                                FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, void *work)
{
    FP__I(kernel) K = FP__I(kernel_pick)();
    FP__T *bpack = (FP__T *)fp__align64(work);
    FP__T *apack0 = (FP__T *)fp__align64(bpack + (size_t)K.kc * (size_t)(K.nc + 64));
    size_t astride = (size_t)K.mc * (size_t)K.kc + 64;
    int jc, pc;
    for (jc = 0; jc < n; jc += K.nc) {
        int nc = n - jc < K.nc ? n - jc : K.nc;
        for (pc = 0; pc < k; pc += K.kc) {
            int kc = k - pc < K.kc ? k - pc : K.kc;
            FP__T bet = pc == 0 ? beta : (FP__T)1;
            int nblk = (m + K.mc - 1) / K.mc, ib;
            FP__I(pack_b)(kc, nc, b + pc * rsb + jc * csb, rsb, csb, K.nr, bpack);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (nblk > 1 && (double)m * n * kc > 4e6)
#endif
            for (ib = 0; ib < nblk; ++ib) {
                int ic = ib * K.mc, mc = m - ic < K.mc ? m - ic : K.mc, jr, ir, inplace, full;
#ifdef _OPENMP
                FP__T *apack = (FP__T *)fp__align64(apack0 + astride * (size_t)omp_get_thread_num());
#else
                FP__T *apack = apack0;
                (void)astride;
#endif
                /* Packing A pays when its panels are reused across many NR-columns of B; for a narrow
                 * B (N x N times N x B with small B, the solvers' shape) full row panels are read in place. */
                inplace = nc <= 2 * K.nr && csa < rsa;
                full = inplace ? mc / K.mr * K.mr : 0;
                if (full < mc) FP__I(pack_a)(mc - full, kc, a + (ic + full) * rsa + pc * csa, rsa, csa, K.mr, apack);
                for (jr = 0; jr < nc; jr += K.nr)
                    for (ir = 0; ir < mc; ir += K.mr) {
                        const FP__T *ap = ir < full ? a + (ic + ir) * rsa + pc * csa : apack + (size_t)(ir - full) * (size_t)kc;
                        K.ukr(kc, ap, ir < full ? rsa : 1, ir < full ? csa : K.mr, bpack + (size_t)jr * (size_t)kc, alpha,
                              bet, c + (ic + ir) * rsc + (jc + jr) * csc, rsc, csc, mc - ir < K.mr ? mc - ir : K.mr,
                              nc - jr < K.nr ? nc - jr : K.nr);
                    }
            }
        }
    }
}

static void FP__I(gemm_check)(fp_trans ta, fp_trans tb, int m, int n, int k, const FP__T *a,
                              ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                              const FP__T *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    int am = ta == FP_NOTRANS ? m : k, an = ta == FP_NOTRANS ? k : m;
    int bm = tb == FP_NOTRANS ? k : n, bn = tb == FP_NOTRANS ? n : k;
    size_t cspan = fp__span(m, n, rsc, csc, sizeof(FP__T));
    FP_ASSERT((ta == FP_NOTRANS || ta == FP_TRANS) && (tb == FP_NOTRANS || tb == FP_TRANS));
    FP_ASSERT(m >= 0 && n >= 0 && k >= 0);
    FP_ASSERT(m == 0 || n == 0 || c != NULL);
    FP_ASSERT(fp__layout_ok(m, n, rsc, csc));
    if (m == 0 || n == 0 || k == 0) return;
    FP_ASSERT(a != NULL && b != NULL);
    FP_ASSERT(fp__strides_ok(am, an, rsa, csa) && fp__strides_ok(bm, bn, rsb, csb));
    FP_ASSERT(!fp__ranges_overlap(c, cspan, a, fp__span(am, an, rsa, csa, sizeof(FP__T))));
    FP_ASSERT(!fp__ranges_overlap(c, cspan, b, fp__span(bm, bn, rsb, csb, sizeof(FP__T))));
}

FP_DEF fp_status FP__F(gemm_ws)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha,
                                const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b,
                                ptrdiff_t rsb, ptrdiff_t csb, FP__T beta, FP__T *c, ptrdiff_t rsc,
                                ptrdiff_t csc, void *work)
{
    void *own = NULL;
    FP__I(gemm_check)(ta, tb, m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc);
    if (m == 0 || n == 0) return FP_OK;
    if (k == 0 || alpha == (FP__T)0) {
        FP__I(scale_c)(m, n, beta, c, rsc, csc);
        return FP_OK;
    }
    if (ta == FP_TRANS) { ptrdiff_t t = rsa; rsa = csa; csa = t; }
    if (tb == FP_TRANS) { ptrdiff_t t = rsb; rsb = csb; csb = t; }
#ifdef FIXPOINT_USE_BLIS
    {
        FP__T al = alpha, be = beta;
        (void)work; (void)own; (void)FP__I(gemm_blocked);
        /* BLIS never reads C when beta == 0 (checked by the tests). */
#if FP__BITS == 32
        bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &al, (float *)a, rsa, csa, (float *)b,
                  rsb, csb, &be, c, rsc, csc);
#else
        bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &al, (double *)a, rsa, csa, (double *)b,
                  rsb, csb, &be, c, rsc, csc);
#endif
        return FP_OK;
    }
#else
    /* The micro-kernels vectorize along the columns of C: a column-major C is computed as
     * C^T = op(B)^T op(A)^T, which is the same loops on swapped strides. */
    if (csc != 1 && rsc == 1) {
        const FP__T *t = a; ptrdiff_t r = rsa, s = csa; int mm = m;
        a = b; rsa = csb; csa = rsb;
        b = t; rsb = s; csb = r;
        m = n; n = mm;
        rsc = csc; csc = 1;
    }
    if (!work) {
        own = FP_MALLOC(FP__F(gemm_workspace_size)(), NULL);
        if (!own) return FP_ERR_NO_MEMORY;
        work = own;
    }
    FP__I(gemm_blocked)(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, work);
    if (own) FP_FREE(own, NULL);
    return FP_OK;
#endif
}

FP_DEF void FP__F(gemm)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                        ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                        FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    fp_status s = FP__F(gemm_ws)(ta, tb, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, NULL);
    FP_ASSERT(s == FP_OK); /* only an allocation failure of the packing buffers can land here */
}

/* ---- level 1: unit-stride bodies get SIMD; other strides take the plain loop. ---- */
#if defined(FP__HAVE_AVX2)
FP__TARGET_AVX2 static FP__T FP__I(dot_avx2)(int n, const FP__T *x, const FP__T *y)
{
#if FP__BITS == 32
    enum { VL = 8 };
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    float t[8];
    int i = 0, j;
    FP__T r = 0;
    for (; i + 2 * VL <= n; i += 2 * VL) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + VL), _mm256_loadu_ps(y + i + VL), s1);
    }
    _mm256_storeu_ps(t, _mm256_add_ps(s0, s1));
#else
    enum { VL = 4 };
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    double t[4];
    int i = 0, j;
    FP__T r = 0;
    for (; i + 2 * VL <= n; i += 2 * VL) {
        s0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), s0);
        s1 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + VL), _mm256_loadu_pd(y + i + VL), s1);
    }
    _mm256_storeu_pd(t, _mm256_add_pd(s0, s1));
#endif
    for (j = 0; j < VL; ++j) r += t[j];
    for (; i < n; ++i) r += x[i] * y[i];
    return r;
}
#endif

FP_DEF FP__T FP__F(vec_dot)(int n, const FP__T *x, ptrdiff_t incx, const FP__T *y, ptrdiff_t incy)
{
    FP__T r = 0;
    int i;
    FP_ASSERT(n >= 0 && (n == 0 || (x && y)));
#if defined(FP__HAVE_AVX2)
    if (incx == 1 && incy == 1 && fp_isa_current() >= FP_ISA_AVX2) return FP__I(dot_avx2)(n, x, y);
#endif
    for (i = 0; i < n; ++i) r += x[i * incx] * y[i * incy];
    return r;
}

FP_DEF void FP__F(vec_axpy)(int n, FP__T alpha, const FP__T *x, ptrdiff_t incx, FP__T *y, ptrdiff_t incy)
{
    int i;
    FP_ASSERT(n >= 0 && (n == 0 || (x && y)));
    if (incx == 1 && incy == 1)
        for (i = 0; i < n; ++i) y[i] += alpha * x[i];
    else
        for (i = 0; i < n; ++i) y[i * incy] += alpha * x[i * incx];
}

FP_DEF void FP__F(vec_scale)(int n, FP__T alpha, FP__T *x, ptrdiff_t incx)
{
    int i;
    FP_ASSERT(n >= 0 && (n == 0 || x));
    for (i = 0; i < n; ++i) x[i * incx] = alpha == (FP__T)0 ? (FP__T)0 : alpha * x[i * incx];
}

FP_DEF FP__T FP__F(vec_norm2)(int n, const FP__T *x, ptrdiff_t incx)
{
    /* Scaled sum of squares (LAPACK's nrm2 idea): no overflow for huge entries. */
    FP__T scale = 0, ssq = 1;
    int i;
    FP_ASSERT(n >= 0 && (n == 0 || x));
    for (i = 0; i < n; ++i) {
        FP__T v = FP__FABS(x[i * incx]);
        if (v != (FP__T)0) {
            if (scale < v) { ssq = 1 + ssq * (scale / v) * (scale / v); scale = v; }
            else ssq += (v / scale) * (v / scale);
        }
        if (!FP__ISFINITE(v)) return v + v; /* NaN or Inf propagates as itself */
    }
    return scale * FP__SQRT(ssq);
}

FP_DEF FP__T FP__F(vec_sum)(int n, const FP__T *x, ptrdiff_t incx)
{
    FP__T s = 0;
    int i;
    FP_ASSERT(n >= 0 && (n == 0 || x));
    for (i = 0; i < n; ++i) s += x[i * incx];
    return s;
}

FP_DEF FP__T FP__F(vec_max_abs)(int n, const FP__T *x, ptrdiff_t incx)
{
    FP__T s = 0;
    int i;
    FP_ASSERT(n >= 0 && (n == 0 || x));
    for (i = 0; i < n; ++i) {
        FP__T v = FP__FABS(x[i * incx]);
        if (!(v <= s)) s = v; /* NaN wins, so a max of 0 proves finiteness */
    }
    return s;
}

/* ---- level 2 ---- */
FP_DEF void FP__F(gemv)(fp_trans ta, int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa,
                        ptrdiff_t csa, const FP__T *x, ptrdiff_t incx, FP__T beta, FP__T *y, ptrdiff_t incy)
{
    int ylen = ta == FP_NOTRANS ? m : n, xlen = ta == FP_NOTRANS ? n : m, i;
    FP_ASSERT(ta == FP_NOTRANS || ta == FP_TRANS);
    FP_ASSERT(m >= 0 && n >= 0 && (ylen == 0 || y) && (ylen <= 1 || incy >= 1));
    if (ylen == 0) return;
    if (xlen == 0 || alpha == (FP__T)0) { FP__F(vec_scale)(ylen, beta, y, incy); return; }
    FP_ASSERT(a && x && fp__strides_ok(m, n, rsa, csa) && (xlen <= 1 || incx >= 1));
    FP_ASSERT(!fp__ranges_overlap(y, fp__span(ylen, 1, incy, 1, sizeof(FP__T)), a, fp__span(m, n, rsa, csa, sizeof(FP__T))));
    FP_ASSERT(!fp__ranges_overlap(y, fp__span(ylen, 1, incy, 1, sizeof(FP__T)), x, fp__span(xlen, 1, incx, 1, sizeof(FP__T))));
    if (ta == FP_TRANS) { ptrdiff_t t = rsa; rsa = csa; csa = t; }
#ifdef FIXPOINT_USE_BLIS
    {
        FP__T al = alpha, be = beta;
#if FP__BITS == 32
        bli_sgemv(BLIS_NO_TRANSPOSE, BLIS_NO_CONJUGATE, ylen, xlen, &al, (float *)a, rsa, csa, (float *)x, incx, &be, y, incy);
#else
        bli_dgemv(BLIS_NO_TRANSPOSE, BLIS_NO_CONJUGATE, ylen, xlen, &al, (double *)a, rsa, csa, (double *)x, incx, &be, y, incy);
#endif
        return;
    }
#endif
    if (csa == 1 || rsa != 1) {
        /* rows of op(A) contiguous (or neither direction is): one dot product per output */
        for (i = 0; i < ylen; ++i) {
            FP__T d = FP__F(vec_dot)(xlen, a + i * rsa, csa, x, incx);
            y[i * incy] = beta == (FP__T)0 ? alpha * d : alpha * d + beta * y[i * incy];
        }
    } else {
        /* columns contiguous: y = beta y, then one axpy per column */
        FP__F(vec_scale)(ylen, beta, y, incy);
        for (i = 0; i < xlen; ++i) FP__F(vec_axpy)(ylen, alpha * x[i * incx], a + i * csa, 1, y, incy);
    }
}

/* ---- matrix helpers ---- */
FP_DEF void FP__F(mat_copy)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                            ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsb, csb));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) b[i * rsb + j * csb] = a[i * rsa + j * csa];
}

FP_DEF void FP__F(mat_fill)(int m, int n, FP__T v, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsa, csa));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) a[i * rsa + j * csa] = v;
}

FP_DEF void FP__F(mat_scale)(int m, int n, FP__T alpha, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsa, csa));
    FP__I(scale_c)(m, n, alpha, a, rsa, csa);
}

FP_DEF void FP__F(mat_axpby)(int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa,
                             FP__T beta, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsb, csb));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) {
            FP__T *bij = b + i * rsb + j * csb;
            *bij = beta == (FP__T)0 ? alpha * a[i * rsa + j * csa] : alpha * a[i * rsa + j * csa] + beta * *bij;
        }
}

FP_DEF void FP__F(mat_map)(int m, int n, FP__T (*f)(FP__T, void *), void *ctx, const FP__T *a,
                           ptrdiff_t rsa, ptrdiff_t csa, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, j;
    FP_ASSERT(f && m >= 0 && n >= 0 && fp__layout_ok(m, n, rsb, csb));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) b[i * rsb + j * csb] = f(a[i * rsa + j * csa], ctx);
}

FP_DEF FP__T FP__F(mat_norm_fro)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    /* Accumulate in double: a Frobenius norm of a float matrix is a reporting quantity. */
    double s = 0;
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0);
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) { double v = (double)a[i * rsa + j * csa]; s += v * v; }
    return (FP__T)sqrt(s);
}

FP_DEF int FP__F(mat_all_finite)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    int i, j;
    FP__T acc = 0;
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) acc += a[i * rsa + j * csa] * (FP__T)0; /* NaN*0 = NaN, Inf*0 = NaN */
    return acc == (FP__T)0;
}

/* ---- dense factorizations (unblocked, row operations on strided views) ---- */
FP_DEF fp_status FP__F(lu_factor)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int *piv)
{
    int i, j, p;
    FP__T amax;
    FP_ASSERT(n >= 0 && (n == 0 || (a && piv)) && fp__layout_ok(n, n, rsa, csa));
    if (!FP__F(mat_all_finite)(n, n, a, rsa, csa)) return FP_ERR_NON_FINITE;
    amax = 0;
    for (i = 0; i < n; ++i) { FP__T v = FP__F(vec_max_abs)(n, a + i * rsa, csa); if (v > amax) amax = v; }
    for (p = 0; p < n; ++p) {
        int best = p;
        FP__T bv = FP__FABS(a[p * rsa + p * csa]), inv;
        for (i = p + 1; i < n; ++i) {
            FP__T v = FP__FABS(a[i * rsa + p * csa]);
            if (v > bv) { bv = v; best = i; }
        }
        piv[p] = best;
        if (bv == (FP__T)0 || bv <= (FP__T)n * FP__EPS * amax) return FP_ERR_SINGULAR;
        if (best != p)
            for (j = 0; j < n; ++j) {
                FP__T t = a[p * rsa + j * csa];
                a[p * rsa + j * csa] = a[best * rsa + j * csa];
                a[best * rsa + j * csa] = t;
            }
        inv = (FP__T)1 / a[p * rsa + p * csa];
        for (i = p + 1; i < n; ++i) {
            FP__T l = a[i * rsa + p * csa] * inv;
            a[i * rsa + p * csa] = l;
            if (l != (FP__T)0)
                FP__F(vec_axpy)(n - p - 1, -l, a + p * rsa + (p + 1) * csa, csa, a + i * rsa + (p + 1) * csa, csa);
        }
    }
    return FP_OK;
}

FP_DEF void FP__F(lu_solve)(fp_trans t, int n, int nrhs, const FP__T *lu, ptrdiff_t rsa, ptrdiff_t csa,
                            const int *piv, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, j, r;
    FP_ASSERT(n >= 0 && nrhs >= 0 && (t == FP_NOTRANS || t == FP_TRANS));
    FP_ASSERT(n == 0 || nrhs == 0 || (lu && piv && b && fp__layout_ok(n, nrhs, rsb, csb)));
    for (r = 0; r < nrhs; ++r) {
        FP__T *x = b + r * csb;
        if (t == FP_NOTRANS) {
            /* P A = L U: x <- U^-1 L^-1 P b */
            for (i = 0; i < n; ++i)
                if (piv[i] != i) { FP__T s = x[i * rsb]; x[i * rsb] = x[piv[i] * rsb]; x[piv[i] * rsb] = s; }
            for (i = 1; i < n; ++i) x[i * rsb] -= FP__F(vec_dot)(i, lu + i * rsa, csa, x, rsb);
            for (i = n - 1; i >= 0; --i) {
                x[i * rsb] -= FP__F(vec_dot)(n - 1 - i, lu + i * rsa + (i + 1) * csa, csa, x + (i + 1) * rsb, rsb);
                x[i * rsb] /= lu[i * rsa + i * csa];
            }
        } else {
            /* A^T = U^T L^T P: x <- P^T L^-T U^-T b */
            for (i = 0; i < n; ++i) {
                x[i * rsb] -= FP__F(vec_dot)(i, lu + i * csa, rsa, x, rsb);
                x[i * rsb] /= lu[i * rsa + i * csa];
            }
            for (i = n - 2; i >= 0; --i)
                x[i * rsb] -= FP__F(vec_dot)(n - 1 - i, lu + (i + 1) * rsa + i * csa, rsa, x + (i + 1) * rsb, rsb);
            for (j = n - 1; j >= 0; --j)
                if (piv[j] != j) { FP__T s = x[j * rsb]; x[j * rsb] = x[piv[j] * rsb]; x[piv[j] * rsb] = s; }
        }
    }
}

FP_DEF fp_status FP__F(chol_factor)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    int i, j;
    FP_ASSERT(n >= 0 && (n == 0 || a) && fp__layout_ok(n, n, rsa, csa));
    for (j = 0; j < n; ++j) {
        FP__T d = a[j * rsa + j * csa] - FP__F(vec_dot)(j, a + j * rsa, csa, a + j * rsa, csa);
        if (!FP__ISFINITE(d)) return FP_ERR_NON_FINITE;
        if (!(d > (FP__T)0)) return FP_ERR_NOT_SPD;
        d = FP__SQRT(d);
        a[j * rsa + j * csa] = d;
        for (i = j + 1; i < n; ++i)
            a[i * rsa + j * csa] = (a[i * rsa + j * csa] - FP__F(vec_dot)(j, a + i * rsa, csa, a + j * rsa, csa)) / d;
    }
    return FP_OK;
}

FP_DEF void FP__F(chol_solve)(int n, int nrhs, const FP__T *l, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                              ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, r;
    FP_ASSERT(n >= 0 && nrhs >= 0 && (n == 0 || nrhs == 0 || (l && b && fp__layout_ok(n, nrhs, rsb, csb))));
    for (r = 0; r < nrhs; ++r) {
        FP__T *x = b + r * csb;
        for (i = 0; i < n; ++i)
            x[i * rsb] = (x[i * rsb] - FP__F(vec_dot)(i, l + i * rsa, csa, x, rsb)) / l[i * rsa + i * csa];
        for (i = n - 1; i >= 0; --i)
            x[i * rsb] = (x[i * rsb] - FP__F(vec_dot)(n - 1 - i, l + (i + 1) * rsa + i * csa, rsa, x + (i + 1) * rsb, rsb)) /
                         l[i * rsa + i * csa];
    }
}

FP_DEF fp_status FP__F(lstsq)(int m, int n, int nrhs, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                              ptrdiff_t rsb, ptrdiff_t csb, FP__T *tau)
{
    int i, j, r;
    FP__T rmax = 0;
    FP_ASSERT(m >= n && n >= 0 && nrhs >= 0 && (n == 0 || (a && tau)) && fp__layout_ok(m, n, rsa, csa));
    FP_ASSERT(nrhs == 0 || m == 0 || (b && fp__layout_ok(m, nrhs, rsb, csb)));
    if (!FP__F(mat_all_finite)(m, n, a, rsa, csa) || !FP__F(mat_all_finite)(m, nrhs, b, rsb, csb))
        return FP_ERR_NON_FINITE;
    /* Householder: column j reflected by H = I - tau v v^T, v = (1, a[j+1:, j]). */
    for (j = 0; j < n; ++j) {
        FP__T *col = a + j * rsa + j * csa;
        FP__T alpha = col[0], xn = FP__F(vec_norm2)(m - j - 1, col + rsa, rsa), beta, scal;
        if (xn == (FP__T)0) { tau[j] = 0; }
        else {
            FP__T pair[2], h;
            pair[0] = alpha;
            pair[1] = xn;
            h = FP__F(vec_norm2)(2, pair, 1);
            beta = alpha >= (FP__T)0 ? -h : h;
            tau[j] = (beta - alpha) / beta;
            scal = (FP__T)1 / (alpha - beta);
            FP__F(vec_scale)(m - j - 1, scal, col + rsa, rsa);
            col[0] = beta;
        }
        /* apply H to the trailing columns of A */
        for (i = j + 1; i < n; ++i) {
            FP__T *ci = a + j * rsa + i * csa;
            FP__T s = ci[0] + FP__F(vec_dot)(m - j - 1, col + rsa, rsa, ci + rsa, rsa);
            s *= tau[j];
            ci[0] -= s;
            FP__F(vec_axpy)(m - j - 1, -s, col + rsa, rsa, ci + rsa, rsa);
        }
        for (r = 0; r < nrhs; ++r) {
            FP__T *ci = b + j * rsb + r * csb;
            FP__T s = ci[0] + FP__F(vec_dot)(m - j - 1, col + rsa, rsa, ci + rsb, rsb);
            s *= tau[j];
            ci[0] -= s;
            FP__F(vec_axpy)(m - j - 1, -s, col + rsa, rsa, ci + rsb, rsb);
        }
    }
    for (j = 0; j < n; ++j) { FP__T v = FP__FABS(a[j * rsa + j * csa]); if (v > rmax) rmax = v; }
    for (j = 0; j < n; ++j)
        if (FP__FABS(a[j * rsa + j * csa]) <= (FP__T)m * FP__EPS * rmax || rmax == (FP__T)0) return FP_ERR_SINGULAR;
    /* back substitution R x = Q^T b */
    for (r = 0; r < nrhs; ++r) {
        FP__T *x = b + r * csb;
        for (i = n - 1; i >= 0; --i)
            x[i * rsb] = (x[i * rsb] - FP__F(vec_dot)(n - 1 - i, a + i * rsa + (i + 1) * csa, csa, x + (i + 1) * rsb, rsb)) /
                         a[i * rsa + i * csa];
    }
    return FP_OK;
}

#undef FP__SQRT
#undef FP__FABS
#undef FP__EPS
#undef FP__MAXV
#undef FP__ISFINITE
#undef FP__A2VL
#undef FP__A5VL
#ifdef __cplusplus
}
#endif
#endif /* FP__TPL == 2 */

#undef FP__T
#undef FP__SFX
#undef FP__F
#undef FP__I
#undef FP__CAT3
#undef FP__CAT3_
#endif /* FP__TPL */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 the fixpoint.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions: The above copyright notice and this
permission notice shall be included in all copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain. Anyone is free to copy,
modify, publish, use, compile, sell, or distribute this software, either in source code form or as
a compiled binary, for any purpose, commercial or non-commercial, and by any means.
------------------------------------------------------------------------------
*/
