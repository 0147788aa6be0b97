/* fixpoint.h - v0.2.0 - public domain / MIT - fixed points of recurrent networks: find, differentiate, learn
 *
 * A single-file C99 library in the stb style. It finds the fixed points r* = f(W r* + X) of recurrent
 * networks (batched over the columns of X), differentiates losses of r* implicitly, and learns W with
 * the rules of Zhu & Rosenbaum (2024). Its matrix core (GEMM with BLIS-style strides, GEMV, LU,
 * Cholesky, QR least squares) carries its own AVX-512 and AVX2/FMA micro-kernels chosen at run time.
 * The reference of every function is docs/API.md; the mathematics, equation by equation with the
 * function that implements each, is docs/THEORY.md.
 *
 * ---------------------------------------------------------------------------------------------------
 * USING IT
 *   In exactly one C or C++ file:
 *       #define FIXPOINT_IMPLEMENTATION
 *       #include "fixpoint.h"
 *   Everywhere else just #include "fixpoint.h". Link with -lm. Nothing else is needed: a plain
 *   `cc -O2 app.c -lm` build still runs the AVX-512 or AVX2 kernels where the CPU has them
 *   (the kernels carry __attribute__((target)); the CPU is asked once which it has).
 *   Every name is literal: grep, ctags and debuggers find fp_solve_f32 and fp_solve_f64. The file is
 *   generated: the float and double code is written once in src/fixpoint.in.h, and tools/generate.py
 *   writes each typed block twice (`make header`; the test suite fails when this file is stale). To
 *   change the library, edit the source and regenerate.
 *
 * CONFIGURATION (define before the #include that has FIXPOINT_IMPLEMENTATION)
 *   FP_STATIC                  every symbol static (private copy per translation unit)
 *   FP_MALLOC(sz,ctx) FP_FREE(p,ctx)
 *                              the allocator, both or neither; ctx is the user pointer of the
 *                              fp_allocator installed with fp_set_allocator (NULL by default)
 *   FP_ASSERT(c)               the library's check of its own invariants; default prints and aborts
 *                              (never compiled out). Callers' mistakes are usage errors (below).
 *   FP_NO_STDIO                no <stdio.h>: the file functions (IDX, layer and trainer files) are
 *                              left out and nothing is printed
 *   FP_NO_SIMD                 scalar kernels only;  FP_NO_AVX2, FP_NO_AVX512: drop one path
 *   FIXPOINT_USE_BLIS          GEMM and GEMV go to BLIS's typed API (bli_sgemm, ...; link -lblis)
 *   _OPENMP (-fopenmp)         the GEMM macro-kernel runs its row blocks in parallel
 *   FP_MAX_THREADS             the most threads one GEMM uses (default 16); every workspace has room for
 *                              that many, so raising OMP's thread count after sizing one is safe
 *   Environment: FP_ISA=scalar|avx2|avx512 caps the kernel choice at run time (fp_isa_set does the same).
 *   The implementation refuses -ffast-math / -ffinite-math-only (#error): they remove its NaN checks.
 *   clang's -fno-honor-nans / -fno-honor-infinities do the same without a macro to detect: never use them.
 *   Every macro the implementation defines for itself is #undef'd at its end.
 *
 * THREADS
 *   Every function is safe to call from several threads at once on separate data (outputs, workspaces,
 *   trainers). The process-wide settings - the ISA cap (read and written atomically), the usage handler
 *   and the allocator - are set before the threads start.
 *
 * ERRORS
 *   Functions that can fail return fp_status: FP_OK (0) or a negative code; fp_status_str() names it.
 *   Numerical failures (singular matrix, no convergence, non-finite values) are statuses, never NaN
 *   results: NaN or Inf in an input is FP_ERR_NON_FINITE before any output is written, and an output
 *   that overflows is FP_ERR_NON_FINITE too. Out-of-range settings are FP_ERR_INVALID_ARG, never
 *   ignored. Out of memory is FP_ERR_NO_MEMORY; a call given its workspace allocates nothing, and a
 *   trainer allocates only in trainer_init. Files are written to a temporary name and renamed: a failed
 *   save never destroys the previous file.
 *   USAGE ERRORS - a call that breaks its contract (views whose shapes disagree, strides that make
 *   elements collide, an output overlapping an input, NULL where a pointer is required) - go to the
 *   usage handler with the function's name and a sentence naming the argument:
 *       fixpoint.h: fp_solve_f64: X must be N x B, N = W's order
 *   The default handler prints that line and aborts. A handler installed with fp_set_usage_handler that
 *   returns makes the call return FP_ERR_USAGE with its outputs untouched (for bindings to other
 *   languages, test harnesses, programs that log and go on).
 *
 * MATRICES
 *   A matrix is a view, fp_mat_f32 or fp_mat_f64: { data, rows, cols, rs, cs }, element (i, j) at
 *   data[i*rs + j*cs], passed by value. fp_mat_rowmajor_f64(p, M, N), fp_mat_colmajor_f64(p, M, N),
 *   fp_mat_strided_f64(p, M, N, rs, cs) and fp_mat_vec_f64(p, N) make one; fp_mat_trans_f64(A) and
 *   fp_mat_block_f64(A, i, j, M, N) are views of the same memory. Every function above the BLAS-style
 *   core takes views and checks that they agree. A view with data NULL is an absent optional argument.
 *   The BLAS-style core keeps (pointer, row stride, column stride) arguments for code ported from BLAS:
 *   fp_gemm, fp_gemv, fp_lu_factor, fp_lu_solve, fp_chol_factor, fp_chol_solve, fp_lstsq, fp_vec_*;
 *   its view forms are fp_mat_mul, fp_mat_mulv, fp_mat_lu_factor, ... float and double versions differ
 *   by the suffix _f32 / _f64.
 *
 * SETTINGS
 *   Every configuration struct means its defaults when zeroed ({0}, memset), and its *_default()
 *   function returns that meaning spelled out; a NULL config pointer means the same. Every field is
 *   validated: a value out of range is FP_ERR_INVALID_ARG, never ignored. The one setting without a
 *   default is the training loop's learning rate (fp_train_config.optim.lr), refused when zero.
 *
 * EXAMPLE: one learning step of r = tanh(W r + x) on two inputs: the fixed points, the loss gradient,
 *   the rule dW3, the update (this program is compiled and run by the test suite)
 *
 *   #define FIXPOINT_IMPLEMENTATION
 *   #include "fixpoint.h"
 *   #include <stdio.h>
 *   int main(void) {
 *       enum { N = 3, B = 2 };
 *       double w[N * N] = { 0.1, -0.4, 0.2, 0.3, 0.1, -0.2, -0.1, 0.2, 0.2 };
 *       double x[N * B] = { 0.5, -1.0, 1.0, 0.25, -0.5, 0.8 };   // one input per column
 *       double t[N * B] = { 0.2, -0.3, 0.4, 0.1, -0.2, 0.3 };    // the targets
 *       double r[N * B], g[N * B], d[N * B], dw[N * N], before, after;
 *       fp_mat_f64 W = fp_mat_rowmajor_f64(w, N, N), X = fp_mat_rowmajor_f64(x, N, B);
 *       fp_mat_f64 T = fp_mat_rowmajor_f64(t, N, B), R = fp_mat_rowmajor_f64(r, N, B);
 *       fp_mat_f64 G = fp_mat_rowmajor_f64(g, N, B), D = fp_mat_rowmajor_f64(d, N, B);
 *       fp_mat_f64 dW = fp_mat_rowmajor_f64(dw, N, N);
 *       fp_rule_config rule = fp_rule_config_default();                         // dW3, no read of lr
 *       if (fp_solve_f64(NULL, NULL, W, X, R, G, NULL, NULL) != FP_OK) return 1;  // R = tanh(W R + X), G = f'
 *       fp_loss_mse_f64(R, T, D, &before);                                       // L, and D = dL/dR
 *       if (fp_rule_dw_f64(&rule, W, R, G, D, dW, NULL, NULL) != FP_OK) return 1; // dW3
 *       fp_mat_axpby_f64(-0.5, dW, 1.0, W);                                     // W <- W - 0.5 dW
 *       if (fp_solve_f64(NULL, NULL, W, X, R, G, NULL, NULL) != FP_OK) return 1;
 *       fp_loss_mse_f64(R, T, D, &after);
 *       printf("loss %.6f -> %.6f\n", before, after);
 *       return !(after < before);
 *   }
 *
 * SECTIONS, in the order the data flows (declarations, then the implementation in the same order):
 *   types and errors, matrix core (views, GEMM, GEMV, level 1, LU, Cholesky, QR); activations and
 *   losses; solvers (fp_solve: Euler, damped, Anderson, Newton); implicit differentiation
 *   (fp_implicit_grad); learning rules (fp_rule_dw: dW1..dW4), optimizers and models (the recurrent
 *   layer, its parameter files and training loop, checkpoints); analysis (eigenvalues, Arnoldi,
 *   fp_stability_analyze: spectrum, bulk, outliers and a verdict for any fixed point; fp_census: the
 *   attractors reached from K starts); feedback networks and mean-field theory (read-outs by teacher
 *   forcing, least squares or gradient descent, fp_feedback_decompose, fp_meanfield_sweep for phase
 *   diagrams); data (IDX files).
 *
 * LICENSE: MIT or public domain (Unlicense), your choice; see the end of the file.
 * HISTORY: 0.2.0 (2026-11) the API: matrix views for every call above the BLAS-style core, literal names
 *          (the header is generated), usage errors with a handler and FP_ERR_USAGE, zero-means-default
 *          settings everywhere (fp_rule_config, fp_census_config; no_shuffle, no_rollback), a real
 *          allocator context, FP_NO_STDIO, chapters in the data's order (CHANGELOG.md lists the renames).
 *          0.1.1 (2026-11) contracts: NaN/Inf rejected by every rule, overlaps asserted, no allocation
 *          behind a workspace, every setting validated, atomic saves, trainer checkpoints that resume bit
 *          for bit, bounded mean-field work that finds every root, scaled eigenvalues.
 *          0.1 (2026-11) first release: matrix core, solvers, implicit gradients, rules dW1-dW4,
 *          recurrent layer and training loop, feedback networks and mean-field theory, IDX data.
 */

/* ================================================================================================
 * CONFIG: everything a user may define, checked here once.
 * ================================================================================================ */

#ifndef FIXPOINT_H_INCLUDED
#define FIXPOINT_H_INCLUDED

#define FP_VERSION_MAJOR 0
#define FP_VERSION_MINOR 2
#define FP_VERSION_PATCH 0
#define FP_VERSION_STRING "0.2.0"

#include <stddef.h>
#include <stdint.h>


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
    FP_ERR_UNSUPPORTED = -10,  /* asked for something this build or CPU cannot do                   */
    FP_ERR_USAGE = -11         /* a programmer error (views that disagree, NULL, overlap), returned
                                  only when a usage handler that returns is installed (see below)  */
} fp_status;

FP_API const char *fp_status_str(fp_status s);

/* USAGE ERRORS: a call that breaks its contract (views of the wrong shape, strides that make elements
 * collide, an output overlapping an input, NULL where a pointer is required) is a bug in the caller, not
 * a condition of the data. The library reports it to the usage handler with the function's name and a
 * sentence naming the argument. The default handler prints that line to stderr and calls abort(), so a
 * bug never runs on. A handler that returns (a test harness, a binding to another language, a program
 * that logs and goes on) makes the call return FP_ERR_USAGE with its outputs untouched (functions
 * without a status return early; fp_mat_norm_fro gives NaN). fn NULL restores the default. Process-wide:
 * set it before threads start. */
typedef void (*fp_usage_fn)(const char *function, const char *message, void *user);
FP_API void fp_set_usage_handler(fp_usage_fn fn, void *user);

/* ALLOCATION: every allocation of the library (workspaces for calls given work = NULL, layers,
 * trainers, optimizers, file buffers) goes through one allocator. Zero fields mean the default: alloc
 * NULL uses FP_MALLOC(size, user), free NULL uses FP_FREE(ptr, user) - so the user pointer reaches the
 * compile-time macros too. Process-wide: set it before anything is allocated, and free with the
 * allocator that allocated. NULL restores the default. */
typedef struct fp_allocator {
    void *(*alloc)(size_t size, void *user);
    void (*free)(void *ptr, void *user);
    void *user;
} fp_allocator;
FP_API void fp_set_allocator(const fp_allocator *a);

typedef enum fp_trans { FP_NOTRANS = 0, FP_TRANS = 1 } fp_trans;

/* Instruction-set paths of the matrix core, from slowest to fastest. */
typedef enum fp_isa { FP_ISA_SCALAR = 0, FP_ISA_AVX2 = 1, FP_ISA_AVX512 = 2 } fp_isa;

FP_API fp_isa fp_isa_best(void);        /* the best path this CPU and build support                 */
FP_API fp_isa fp_isa_current(void);     /* the path in use: best, capped by fp_isa_set or FP_ISA;    *
                                        * never one the build lacks (a cap at AVX2 in a build        *
                                        * without it: scalar)                                       */
FP_API void fp_isa_set(fp_isa cap);     /* cap the path (tests, benchmarks); process-wide           */
FP_API const char *fp_isa_name(fp_isa isa);

/*@typed*/
/* MATRIX VIEWS. A view is a matrix in memory the caller owns: element (i, j) is data[i*rs + j*cs]
 * (strides in elements; a stride along a dimension of size 1 is never used). Every function below
 * the BLAS-style core takes views and checks that they agree: a mismatch, a stride that makes rows or
 * columns collide, or an output that overlaps an input is a programmer error reported by name (see
 * USAGE ERRORS in the manual). A view whose data is NULL is an absent optional argument. Views are
 * passed by value and never copied into the library: a transpose or a sub-block costs nothing. */
typedef struct FP__F(mat) {
    FP__T *data;
    int rows, cols;
    ptrdiff_t rs, cs;
} FP__F(mat);
FP_API FP__F(mat) FP__F(mat_rowmajor)(FP__T *data, int rows, int cols);  /* rs = cols, cs = 1        */
FP_API FP__F(mat) FP__F(mat_colmajor)(FP__T *data, int rows, int cols);  /* rs = 1, cs = rows        */
FP_API FP__F(mat) FP__F(mat_strided)(FP__T *data, int rows, int cols, ptrdiff_t rs, ptrdiff_t cs);
FP_API FP__F(mat) FP__F(mat_vec)(FP__T *data, int n);                    /* a contiguous n x 1 column */
FP_API FP__F(mat) FP__F(mat_trans)(FP__F(mat) a);                        /* the transpose, same memory */
/* rows x cols starting at (i, j); a block that does not fit in a is a usage error (an empty view). */
FP_API FP__F(mat) FP__F(mat_block)(FP__F(mat) a, int i, int j, int rows, int cols);

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

/* DENSE FACTORIZATIONS. LU with partial pivoting in place (piv[i]: row swapped with i at step i).
 * FP_ERR_SINGULAR when a pivot is exactly zero or below n*eps*max|A| ; FP_ERR_NON_FINITE on NaN/Inf.
 * LU, the solves and Cholesky recurse over GEMM; from order 64 a call allocates one GEMM workspace for
 * its duration, for a solve with a column-major B of order <= 320 with room for B's row-major copy (if it
 * cannot, the unblocked loops run: the same result up to rounding). */
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


/* The matrix core on views (the same engines as the BLAS-style calls above). Transposes are views:
 * C = alpha A B^T + beta C is fp_mat_mul(alpha, A, fp_mat_trans(B), beta, C). Each returns FP_OK,
 * FP_ERR_USAGE when the views do not agree, or the factorization's status. */
FP_API fp_status FP__F(mat_mul)(FP__T alpha, FP__F(mat) a, FP__F(mat) b, FP__T beta, FP__F(mat) c);
FP_API fp_status FP__F(mat_mul_ws)(FP__T alpha, FP__F(mat) a, FP__F(mat) b, FP__T beta, FP__F(mat) c, void *work);
FP_API fp_status FP__F(mat_mulv)(FP__T alpha, FP__F(mat) a, FP__F(mat) x, FP__T beta, FP__F(mat) y); /* x, y: columns */
FP_API fp_status FP__F(mat_lu_factor)(FP__F(mat) a, int *piv);
FP_API fp_status FP__F(mat_lu_solve)(fp_trans t, FP__F(mat) lu, const int *piv, FP__F(mat) b);
FP_API fp_status FP__F(mat_chol_factor)(FP__F(mat) a);
FP_API fp_status FP__F(mat_chol_solve)(FP__F(mat) l, FP__F(mat) b);
FP_API fp_status FP__F(mat_lstsq)(FP__F(mat) a, FP__F(mat) b, FP__T *tau);
FP_API fp_status FP__F(mat_copy)(FP__F(mat) a, FP__F(mat) b);                     /* B = A              */
FP_API fp_status FP__F(mat_fill)(FP__F(mat) a, FP__T v);
FP_API fp_status FP__F(mat_scale)(FP__F(mat) a, FP__T alpha);
FP_API fp_status FP__F(mat_axpby)(FP__T alpha, FP__F(mat) a, FP__T beta, FP__F(mat) b); /* B = alpha A + beta B; beta 0 overwrites */
/* B = f(A) elementwise with a user function (any context in ctx); B may be A. */
FP_API fp_status FP__F(mat_map)(FP__F(mat) a, FP__F(mat) b, FP__T (*f)(FP__T, void *), void *ctx);
FP_API FP__T FP__F(mat_norm_fro)(FP__F(mat) a);       /* NaN for an invalid view             */
FP_API int FP__F(mat_all_finite)(FP__F(mat) a);       /* 0 for an invalid view               */
FP_API fp_status FP__F(mat_row_sum)(FP__F(mat) a, FP__F(mat) s); /* s (rows x 1) = A 1: the bias gradient V 1 */
/*@end*/

/* ================================================================================================
 * ACTIVATIONS AND LOSSES (types): f and f' per unit, the loss kinds. docs/THEORY.md (M1), (L1)-(L2).
 * ================================================================================================ */
typedef enum fp_act_kind {
    FP_ACT_TANH = 0,     /* tanh(z)                                                          */
    FP_ACT_IDENTITY,     /* z (a linear network)                                             */
    FP_ACT_LOGISTIC,     /* 1 / (1 + exp(-z))                                                */
    FP_ACT_SOFTPLUS,     /* log(1 + exp(z))                                                  */
    FP_ACT_RELU,         /* max(z, 0); f'(0) = 0                                             */
    FP_ACT_RECTPOW2,     /* [z]_+^2, the rectified power law of cortical models              */
    FP_ACT_CUSTOM        /* f and df below, with ctx                                         */
} fp_act_kind;

typedef struct fp_activation {
    fp_act_kind kind;
    double (*f)(double z, void *ctx);  /* FP_ACT_CUSTOM only */
    double (*df)(double z, void *ctx); /* FP_ACT_CUSTOM only: f'(z) */
    void *ctx;
} fp_activation;

FP_API fp_activation fp_activation_make(fp_act_kind kind);
FP_API const char *fp_activation_name(fp_act_kind kind);

/*@typed*/
/* ACTIVATIONS: R = f(Z) and G = f'(Z) elementwise; R or G may be absent (data NULL), R may be Z itself.
 * act NULL is tanh. */
FP_API fp_status FP__F(act_apply)(const fp_activation *act, FP__F(mat) z, FP__F(mat) r, FP__F(mat) g);

/* LOSSES over a batch of B columns, averaged over the batch; the gradient dR (may be absent) is the one
 * the rules and fp_implicit_grad take. NaN or Inf in an input: FP_ERR_NON_FINITE with *loss and dR
 * untouched (a loss that overflows from finite inputs is written and reported the same way).
 * MSE: L = (1/B) ||R - T||_F^2, dR = (2/B)(R - T). */
FP_API fp_status FP__F(loss_mse)(FP__F(mat) r, FP__F(mat) t, FP__F(mat) dr, double *loss);
/* Softmax cross-entropy through the read-out Y = W_out R + b_out (W_out k x n, b_out k or NULL):
 * L = (1/B) sum_b -log softmax(y_b)[label_b]; dR = W_out^T dY, dW_out = dY R^T, db_out = dY 1 with
 * dY = (softmax(Y) - onehot) / B. dR, dW_out, db_out, correct (argmax hits) may be absent. A label
 * outside [0, k): FP_ERR_INVALID_ARG. work: loss_xent_workspace_size(k, B) bytes, or NULL to allocate. */
FP_API size_t FP__F(loss_xent_workspace_size)(int k, int b);
FP_API fp_status FP__F(loss_xent)(FP__F(mat) wout, const FP__T *bout, FP__F(mat) r, const int *labels, FP__F(mat) dr,
                                  FP__F(mat) dwout, FP__T *dbout, double *loss, int *correct, void *work);
/*@end*/

/* ================================================================================================
 * SOLVERS (types): the fixed point R = f(W R + X) of a batch, column by column. docs/THEORY.md (M1)-(M6).
 * ================================================================================================ */
typedef enum fp_solver_method {
    FP_SOLVER_DEFAULT = 0, /* Anderson                                                               */
    FP_SOLVER_EULER,       /* r <- r + (dt/tau)(-r + f(W r + x)): forward Euler of tau dr/dt = -r + f */
    FP_SOLVER_DAMPED,      /* r <- (1 - beta) r + beta f(W r + x): the same update with another default */
    FP_SOLVER_ANDERSON,    /* Anderson acceleration (type II, memory m, mixing beta, regularized LS)   */
    FP_SOLVER_NEWTON       /* Newton on r - f(W r + x) with a dense LU of (I - G W) and a line search  */
} fp_solver_method;

/* Zero means default for every field (fp_solver_config_default() fills them in); values out of range
 * are rejected with FP_ERR_INVALID_ARG, never ignored. */
typedef struct fp_solver_config {
    fp_solver_method method;
    double tol;            /* relative residual ||r - f(W r + x)|| / max(||r||, floor); default 1e-6      */
    double floor;          /* denominator floor, so r* = 0 is judged in absolute terms; default 1e-6   */
    int max_iter;          /* iteration cap; default 1000 (Euler/damped 10000, Newton 50)              */
    double step;           /* Euler dt/tau (default 0.1), damped beta (default 0.5), in (0, 1]          */
    int anderson_m;        /* Anderson memory; default 5, at most 32                                   */
    double anderson_beta;  /* Anderson mixing in (0, 1]; default 1                                     */
    double anderson_reg;   /* Tikhonov weight on the Gram matrix, relative to its scale; default 1e-10 */
    double diverge_at;     /* a column whose max |r| exceeds this has diverged; default 1e12           */
    int warm_start;        /* 1: R on entry is the initial guess; 0: start from R = 0                  */
    int fixed_iterations;  /* 1: run exactly max_iter steps, no early stop (the paper's 500 Euler steps) */
} fp_solver_config;

FP_API fp_solver_config fp_solver_config_default(fp_solver_method method);

/* What a solve did. The caller may point the three arrays at storage (B ints, B doubles, max_iter
 * doubles) to get per-column iterations and residuals and the history of the largest active residual. */
typedef struct fp_solve_report {
    fp_status status;      /* FP_OK when every column converged; else the worst column's failure  */
    int iterations;        /* iterations of the slowest column                                     */
    int converged;         /* columns that met the tolerance                                       */
    double max_residual;   /* the largest final relative residual                                  */
    double tol;            /* the tolerance in force: cfg->tol, raised to 32 eps of the working type
                              when set below it (float: 3.8e-6), the least a float iterate can meet  */
    const char *message;   /* a sentence on what went wrong (static string), NULL on success       */
    int *col_iterations;   /* optional, B entries                                                  */
    double *col_residual;  /* optional, B entries                                                  */
    double *history;       /* optional, max_iter entries: max residual over active columns         */
    int history_len;       /* entries written to history                                           */
} fp_solve_report;

/*@typed*/
/* SOLVERS. The fixed points R = f(W R + X) of the B columns of X (N x B); W is N x N, R N x B, the gains
 * G (may be absent) N x B. cfg NULL: Anderson with the defaults; act NULL: tanh. R holds the initial
 * guess when cfg->warm_start. Once the iteration has started R receives the last iterate of every
 * column, and G = f'(W R + X) at that iterate, whatever the status; a call rejected before it starts
 * (FP_ERR_INVALID_ARG, FP_ERR_NON_FINITE in W, X or the warm start, FP_ERR_NO_MEMORY) leaves R and G
 * untouched. R and G must not overlap W, X or each other. The tolerance in force is rep->tol: cfg->tol,
 * raised to 32 eps of the working type when set below it (float: 3.8e-6). work:
 * solve_workspace_size() bytes (no allocation then), or NULL to allocate one block for the call.
 * Returns rep->status (rep may be NULL).
 * FP_OK means every column meets r = f(W r + x) to the tolerance - not that r is an attractor. Newton
 * and Anderson converge to saddles and unstable fixed points too, and any method started exactly on
 * one stays there. The cheap way to ask: fp_stability_*(W, G, 0, re, im, work) gives each column's
 * leading eigenvalue of G_b W by Arnoldi (about 48 N^2 flops a column); the fixed point is stable when
 * re[b] < 1. Euler and damped iterations with a step below 1 only settle on fixed points that are
 * stable (or marginal) for their own update. docs/THEORY.md (M1)-(M6). */
FP_API size_t FP__F(solve_workspace_size)(const fp_solver_config *cfg, int n, int b);
FP_API fp_status FP__F(solve)(const fp_solver_config *cfg, const fp_activation *act, FP__F(mat) w, FP__F(mat) x,
                              FP__F(mat) r, FP__F(mat) gain, fp_solve_report *rep, void *work);
/*@end*/

/* ================================================================================================
 * IMPLICIT DIFFERENTIATION (types): the adjoint (I - W^T G_b) u_b = delta_b. docs/THEORY.md (A1)-(A3).
 * ================================================================================================ */
typedef enum fp_adjoint_method {
    FP_ADJOINT_AUTO = 0,   /* direct for N <= 64, else iterative with Anderson, direct as a fallback   */
    FP_ADJOINT_DIRECT,     /* LU of (I - G_b W) per column: exact, O(N^3) each                         */
    FP_ADJOINT_ITERATIVE   /* U <- W^T (G .* U) + Delta, one GEMM per sweep, Anderson on top           */
} fp_adjoint_method;

typedef struct fp_adjoint_config {
    fp_adjoint_method method;
    fp_solver_config iter; /* tolerance, cap and Anderson settings of the iterative adjoint         */
} fp_adjoint_config;

FP_API fp_adjoint_config fp_adjoint_config_default(void);

/*@typed*/
/* IMPLICIT DIFFERENTIATION. Given Delta = dL/dR* (N x B) and the gains G (from fp_solve), computes
 * V = dL/dX = dL/dZ with v_b = G_b u_b, (I - W^T G_b) u_b = delta_b (docs/THEORY.md, (A1)-(A2)), and,
 * when dW is present, dL/dW = V R^T (so dW1 is this with Delta = g). Through X = W_in U + b the
 * read-in gradients are dW_in = V U^T and db = V 1 (fp_mat_mul and fp_mat_row_sum). cfg NULL: the
 * defaults. NaN or Inf in W, G, Delta or (when dW is asked for) R: FP_ERR_NON_FINITE with V and dW
 * untouched; V and dW must not overlap an input or each other. dW is written only once V is known
 * finite (a dW that then overflows is written and reported as FP_ERR_NON_FINITE). R may be absent when
 * dW is. work: adjoint_workspace_size() bytes (then nothing is allocated), or NULL. */
FP_API size_t FP__F(adjoint_workspace_size)(const fp_adjoint_config *cfg, int n, int b);
FP_API fp_status FP__F(implicit_grad)(const fp_adjoint_config *cfg, FP__F(mat) w, FP__F(mat) r, FP__F(mat) gain,
                                      FP__F(mat) delta, FP__F(mat) v, FP__F(mat) dw, fp_solve_report *rep, void *work);
/*@end*/

/* A dataset of images and labels (DATA, below); the training loop takes one. */
typedef struct fp_dataset fp_dataset;

/* ================================================================================================
 * LEARNING RULES AND MODELS (types): dW1..dW4 of docs/THEORY.md (R1)-(R4), optimizers, the training loop's
 * settings and records; the seeded PRNG every initialization draws from.
 * ================================================================================================ */
typedef enum fp_rule {
    FP_RULE_DEFAULT = 0, /* dW3                                                             */
    FP_RULE_DW1 = 1, /* Euclidean gradient through implicit differentiation                 */
    FP_RULE_DW2 = 2, /* reparameterized steepest descent (Woodbury, one B x B solve)         */
    FP_RULE_DW3 = 3, /* reparameterized gradient descent (the paper's MNIST rule)            */
    FP_RULE_DW4 = 4  /* the 2024 revision's variant                                          */
} fp_rule;
FP_API const char *fp_rule_name(fp_rule rule);

/* Zero means default for every field. */
typedef struct fp_rule_config {
    fp_rule rule;              /* default (0) dW3                                                   */
    double lr;                 /* dW2 only: the rate the update W -= lr dW will use, which its
                                  Woodbury step depends on (>= 0; 0 is its small-rate limit)        */
    fp_adjoint_config adjoint; /* dW1 only: how the adjoint is solved                               */
} fp_rule_config;
FP_API fp_rule_config fp_rule_config_default(void); /* the zeroed meaning, spelled out */

typedef enum fp_optim_kind { FP_OPTIM_SGD = 0, FP_OPTIM_MOMENTUM, FP_OPTIM_ADAM } fp_optim_kind;
/* Zero means default: momentum 0.9, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0 (lr has none). */
typedef struct fp_optim_config {
    fp_optim_kind kind;
    double lr, momentum, beta1, beta2, eps, weight_decay;
} fp_optim_config;

/* A small, documented PRNG (splitmix64 seeding a xoshiro256** stream) and Box-Muller normals, so
 * every initialization and shuffle is reproducible from one 64-bit seed on every platform. */
typedef struct fp_rng { uint64_t s[4]; double spare; int has_spare; } fp_rng;
FP_API fp_rng fp_rng_make(uint64_t seed);
FP_API uint64_t fp_rng_next(fp_rng *r);
FP_API double fp_rng_uniform(fp_rng *r); /* [0, 1), 53 bits */
FP_API double fp_rng_gauss(fp_rng *r);   /* N(0, 1) */
FP_API uint32_t fp_rng_below(fp_rng *r, uint32_t n); /* uniform in [0, n), unbiased */

typedef struct fp_train_config {
    fp_rule rule;              /* default (0) dW3                                                  */
    fp_optim_config optim;     /* optim.lr: the learning rate (> 0, no default); SGD is the paper's */
    fp_solver_config solver;   /* forward solver; default Anderson to 1e-6                       */
    fp_adjoint_config adjoint; /* for dW1 and for trained read-in                                */
    int batch;                 /* default 512                                                     */
    int train_readin;          /* 1: W_in and b learn by their exact gradients (beyond the paper) */
    int train_readout;         /* 1: W_out and b_out learn (beyond the paper)                     */
    int no_shuffle;            /* 0 (default): a new order every epoch, drawn from seed; 1: dataset order */
    uint64_t seed;             /* shuffling seed (0 is a seed like any other)                     */
    int warm_start;            /* 1: each sample's last fixed point starts its next solve         */
    int no_rollback;           /* 0 (default): a step after which the fixed point is lost is undone
                                  and the rate halved; 1: never                                    */
    double min_converged;      /* a solve with fewer converged columns (a fraction) counts as lost;
                                  0: default 0.5, or with fixed-iteration solvers only non-finite
                                  counts; negative: only non-finite counts                         */
    int stability_every;       /* analyse min_b (1 - Re lambda_max(G_b W)) every k steps (0: never) */
    int stability_cols;        /* columns analysed per batch; default 8                           */
    /* Data-parallel training across workers (processes, machines), each solving and differentiating its
     * share of every batch (docs/THEORY.md (P2)-(P3)). allreduce sums count values at buf elementwise
     * across all workers, in place, every worker getting the same sums, bit for bit (an MPI_Reduce to one
     * rank then an MPI_Bcast; an MPI_Allreduce may round differently on different ranks); f64: buf holds
     * doubles, else the trainer's real type. Returns 0 on success. Every worker calls it the same number
     * of times in the same order; the header never includes an MPI header. NULL: one worker. dW2 cannot
     * be split (its B x B system couples the columns). */
    int (*allreduce)(void *buf, int count, int f64, void *user);
    void *allreduce_user;      /* passed to allreduce                                             */
    int workers, worker;       /* with allreduce: the worker count and this worker's index, so that
                                  layer_train_epoch takes this worker's share of every batch
                                  (batch is the global batch); 0, 0: one worker                    */
} fp_train_config;
FP_API fp_train_config fp_train_config_default(void); /* the zeroed meaning, spelled out */

/* One training step as it happened (with workers: loss, accuracy, converged and dw_norm are the whole
 * batch's, solver_iterations and min_gap this worker's). */
typedef struct fp_train_record {
    int epoch, step;
    double loss, accuracy;     /* on the batch, before the update                                  */
    double dw_norm;            /* Frobenius norm of the rule's dW                                   */
    double converged;          /* fraction of the batch's columns whose forward solve converged     */
    double solver_iterations;  /* the slowest column's iterations                                   */
    double min_gap;            /* min over analysed columns of 1 - Re lambda_max(G_b W); NaN if not */
    double lr;                 /* learning rate in force                                            */
    int rolled_back;           /* 1: the previous step was undone and lr halved                    */
    fp_status status;          /* FP_OK, or what went wrong                                         */
} fp_train_record;

/*@typed*/
/* LEARNING RULES (docs/THEORY.md, (R1)-(R4)). dW for a batch: the sum over columns b of the
 * per-sample formula with g_b = grad[:, b] = dL/dr_b of the batch-mean loss (so the 1/B of the mean is
 * inside grad), r_b = R[:, b], G_b = diag(gain[:, b]); W, dW N x N, R, gain, grad N x B. The update
 * is W <- W - lr dW (fp_mat_axpby). cfg NULL: dW3. dW3 and dW4 cost four GEMMs (O(N^2 B)); dW2 adds a
 * B x B solve at cfg->lr (FP_ERR_SINGULAR when I - lr S^T L is singular); dW1 solves the adjoint
 * (cfg->adjoint). NaN or Inf in W, R, the gains or grad: FP_ERR_NON_FINITE with dW untouched, for
 * every rule; a dW that overflows: FP_ERR_NON_FINITE. dW must not overlap an input. work:
 * rule_workspace_size() bytes (then nothing is allocated) or NULL. */
FP_API size_t FP__F(rule_workspace_size)(const fp_rule_config *cfg, int n, int b);
FP_API fp_status FP__F(rule_dw)(const fp_rule_config *cfg, FP__F(mat) w, FP__F(mat) r, FP__F(mat) gain,
                                FP__F(mat) grad, FP__F(mat) dw, fp_solve_report *rep, void *work);

/* OPTIMIZERS on a contiguous parameter array: SGD (the paper's), momentum, Adam; weight decay adds
 * weight_decay * p to the gradient. optim_init allocates the state (m, v). */
typedef struct FP__F(optim) {
    fp_optim_config cfg;
    int count;
    long t;
    FP__T *m, *v;
} FP__F(optim);
FP_API fp_status FP__F(optim_init)(FP__F(optim) *o, const fp_optim_config *cfg, int count);
FP_API void FP__F(optim_free)(FP__F(optim) *o);
FP_API void FP__F(optim_step)(FP__F(optim) *o, double lr, FP__T *param, const FP__T *grad);

/* THE RECURRENT LAYER: r = f(W r + W_in u + b), y = W_out r + b_out; all row-major, FP_MALLOC'd.
 * layer_init draws the paper's initialization from seed: W = rho randn/sqrt(n), W_in = randn/sqrt(n_in),
 * W_out = randn/sqrt(n), b = b_out = 0. */
typedef struct FP__F(layer) {
    int n, n_in, n_out;
    fp_activation act;
    FP__T *w, *w_in, *b, *w_out, *b_out;
} FP__F(layer);
FP_API fp_status FP__F(layer_init)(FP__F(layer) *L, int n, int n_in, int n_out, fp_act_kind act, double rho, uint64_t seed);
FP_API void FP__F(layer_free)(FP__F(layer) *L);
/* Parameter files: magic, version, sizes, activation, the five arrays, an FNV-1a checksum of it all.
 * layer_save writes path + ".tmp" and renames it over path, so a save that fails part-way (disk full)
 * returns FP_ERR_IO and leaves the previous file intact.
 * layer_load rejects a wrong magic, version, real size, absurd sizes, truncation or a checksum mismatch
 * (why says which) and never leaves L half-loaded: L is written only on success, and never freed (it
 * may be uninitialized; free a layer it held first). Custom activations are stored by kind only: set f
 * and df again after loading. */
#ifndef FP_NO_STDIO /* files: not in a build without stdio */
FP_API fp_status FP__F(layer_save)(const FP__F(layer) *L, const char *path);
#endif
#ifndef FP_NO_STDIO /* files: not in a build without stdio */
FP_API fp_status FP__F(layer_load)(FP__F(layer) *L, const char *path, const char **why);
#endif
FP_API fp_status FP__F(layer_parse)(FP__F(layer) *L, const void *buf, size_t len, const char **why); /* from memory */

/* THE TRAINING LOOP over a dataset of images (pixels scaled to [0, 1]) and labels. */
typedef struct FP__F(trainer) {
    fp_train_config cfg;
    FP__F(layer) *layer;
    int max_batch, step, cache_count;
    int order_count;   /* the dataset_count given to trainer_init: the largest dataset an epoch takes */
    double lr_scale;
    fp_rng rng;
    FP__T *u, *x, *r, *g, *gr, *dw, *v, *y, *dwin, *db, *dwout, *dbout;
    FP__T *prev; /* trained parameters before the last update (rollback) */
    FP__T *cache; /* n x count warm-start fixed points (cfg.warm_start) */
    int *labels, *order, *bidx;
    FP__F(optim) opt[5];
    void *solve_ws, *rule_ws, *eig_ws, *gemm_ws;
    const char *message; /* why the last call failed (static string), NULL after success */
} FP__F(trainer);
FP_API fp_status FP__F(trainer_init)(FP__F(trainer) *t, FP__F(layer) *L, const fp_train_config *cfg, int dataset_count);
FP_API void FP__F(trainer_free)(FP__F(trainer) *t);
/* One step on the samples idx[0..bsz) of ds (bsz <= cfg.batch; with workers, this worker's share, at most
 * ceil(batch / workers)). rec receives the record. Faults and their recovery (unless cfg.no_rollback): a
 * forward solve that loses the fixed point, or an adjoint that is singular or does not converge, undoes
 * the previous update and halves the rate (rec->rolled_back; the solve is retried at once, a failed
 * gradient returns its status and the next step goes on from the restored W); dW2's B x B system,
 * singular at isolated rates, is retried with the rate halved. With workers every fault is agreed: a
 * worker's refused batch, lost fixed point, NaN loss or failed gradient makes every worker return (with
 * "another worker's ..." where it was not its own), and all roll back alike. A failed allreduce:
 * FP_ERR_IO. */
FP_API fp_status FP__F(layer_train_step)(FP__F(trainer) *t, const fp_dataset *ds, const int *idx, int bsz,
                                         fp_train_record *rec);
/* One epoch: shuffle (unless cfg.no_shuffle), all full and partial batches, on_step after each (nonzero stops).
 * With workers: the same order on every worker (one seed), this worker's share of each batch, and the
 * workers stop together (any on_step or failure stops all); a last batch smaller than the worker count is
 * left out. */
FP_API fp_status FP__F(layer_train_epoch)(FP__F(trainer) *t, const fp_dataset *ds, int epoch,
                                          int (*on_step)(const fp_train_record *rec, void *user), void *user);
/* Mean loss and accuracy over the first `limit` samples (0: all), fixed points from zero. A label outside
 * [0, n_out) or a dataset of another image size: FP_ERR_INVALID_ARG; a batch whose solve fails other than by
 * not converging ends the evaluation with that status (loss and acc NaN); unconverged batches are scored on
 * their last iterate and reported as FP_ERR_NOT_CONVERGED. */
FP_API fp_status FP__F(layer_evaluate)(FP__F(trainer) *t, const fp_dataset *ds, int limit, double *loss, double *acc);
/* Checkpoints of a whole run: the layer's parameters, the parameters before the last update (rollback),
 * the optimizers' moments and step counts, the step, the rate scale, the shuffling PRNG, the epoch order
 * and the warm-start cache - everything a run needs, so training resumed from the file continues bit for
 * bit as if it had never stopped (between epochs, or between the steps a caller drives). trainer_load
 * restores into a trainer that trainer_init made for the same layer sizes and activation, rule, optimizer,
 * batch, dataset_count and warm start; anything else, a corrupt or truncated file: FP_ERR_FORMAT with why,
 * and the trainer and its layer untouched. trainer_save is atomic like layer_save. */
#ifndef FP_NO_STDIO /* files: not in a build without stdio */
FP_API fp_status FP__F(trainer_save)(const FP__F(trainer) *t, const char *path);
#endif
#ifndef FP_NO_STDIO /* files: not in a build without stdio */
FP_API fp_status FP__F(trainer_load)(FP__F(trainer) *t, const char *path, const char **why);
#endif
/*@end*/

/* ================================================================================================
 * STABILITY AND ATTRACTORS (types): the spectrum of G W at a fixed point and its verdict (the
 * Jacobian of dr/dt = -r + f(W r + X) is -I + G W: stable when every eigenvalue of G W, the same as
 * those of W G, has real part < 1); the census of the attractors the dynamics reaches from K starts.
 * ================================================================================================ */
typedef enum fp_verdict { FP_STABLE = 0, FP_MARGINAL = 1, FP_UNSTABLE = 2 } fp_verdict;
FP_API const char *fp_verdict_str(fp_verdict v);

#define FP_MAX_OUTLIERS 8
typedef struct fp_spectrum_config {
    double tol;          /* marginal band |Re lambda_max - 1| <= tol; default (0) 1e-6                   */
    double margin;       /* an outlier lies beyond (1 + margin) bulk_radius; default (0) 0.05             */
    double bulk_radius;  /* a known bulk radius (> 0, e.g. the mean-field g sqrt(<phi'^2>)); 0: estimate  */
    int exact_max;       /* all eigenvalues when n <= exact_max (default (0) 400), else Arnoldi, 48 vectors */
} fp_spectrum_config;

typedef struct fp_spectrum {
    double abscissa, abscissa_im; /* the eigenvalue with the largest real part                          */
    double radius;                /* the largest modulus (exact), or the largest Ritz modulus (Arnoldi)  */
    double bulk_radius;           /* given; or sqrt(||diag(gain) W||_F^2 / N), the circular law's radius */
                                  /* for independent entries (docs/THEORY.md (S2))                       */
    int outliers;                 /* eigenvalues (Arnoldi: Ritz values) beyond (1 + margin) bulk_radius */
    double outlier_re[FP_MAX_OUTLIERS], outlier_im[FP_MAX_OUTLIERS]; /* the largest, by modulus     */
    int exact;                    /* 1: all n eigenvalues by QR; 0: leading Ritz values by Arnoldi       */
    fp_verdict verdict;           /* abscissa < 1 - tol stable, > 1 + tol unstable, else marginal        */
} fp_spectrum;

/* One fixed point found by a census, and the state of the whole census. */
typedef struct fp_attractor {
    int column;             /* a column of R holding it: the first run that reached it                 */
    int basin;              /* how many runs reached it                                                 */
    double residual;        /* that column's final relative residual                                    */
    fp_spectrum spectrum;   /* its stability                                                            */
} fp_attractor;

typedef struct fp_census {
    int runs;               /* K                                                                        */
    int attractors;         /* distinct fixed points reached (all counted; at most max_out described)   */
    int unsettled;          /* runs that did not settle: a limit cycle, chaos, or too slow for the cap  */
    int diverged;           /* runs that grew without bound or went non-finite                          */
} fp_census;

/* How a census runs (fp_census_*); zero means default for every field. */
typedef struct fp_census_config {
    fp_solver_config solver;     /* the dynamics; zeroed: Euler with dt 0.2 to tol 1e-9 in 20000 steps (a
                                    zeroed field of a chosen method takes that method's default)     */
    fp_spectrum_config spectrum; /* each attractor's stability                                         */
    double cluster_tol;          /* runs closer than this (RMS, relative to 1 + RMS of the state) share
                                    an attractor; default (0) 1e-4                                    */
} fp_census_config;
FP_API fp_census_config fp_census_config_default(void); /* the zeroed meaning, spelled out */


/*@typed*/
/* ANALYSIS (float64 arithmetic). All eigenvalues of a general real square matrix (Hessenberg + Francis
 * QR); an eigenvector by inverse iteration; k Ritz values of diag(g) A by Arnoldi, sorted by decreasing
 * real part (g: an n x 1 view, or absent); per column, the eigenvalue of G_b W with the largest real
 * part (exact when n <= exact_max, else Arnoldi with 48 vectors): 1 - Re is the distance to the
 * bifurcation. work: eig_workspace_size(n) bytes, or NULL to allocate. FP_ERR_NOT_CONVERGED if QR
 * stalls. The matrix is scaled by a power of two so any finite input works (eigenvalues beyond the
 * double range: FP_ERR_NON_FINITE); the accuracy is absolute, about eps max|a_ij|: an eigenvalue below
 * 2^-1022 of the largest entry is 0. */
FP_API size_t FP__F(eig_workspace_size)(int n);
FP_API fp_status FP__F(eig)(FP__F(mat) a, double *wr, double *wi, void *work);
FP_API fp_status FP__F(eigvec)(FP__F(mat) a, double re, double im, double *vr, double *vi, void *work);
FP_API fp_status FP__F(eig_arnoldi)(FP__F(mat) a, FP__F(mat) g, int k, double *wr, double *wi, void *work);
FP_API fp_status FP__F(stability)(FP__F(mat) w, FP__F(mat) gain, int exact_max, double *re, double *im, void *work);

/* STABILITY of a fixed point: the spectrum of diag(gain) W (gain = f'(W r* + X), an n x 1 view, absent
 * for a linear model) with its abscissa, radius, bulk radius, outliers and verdict (fp_spectrum). cfg
 * may be NULL (defaults). wr, wi (may be NULL) receive the n eigenvalues (exact) or the Ritz values,
 * NaN-padded. work: eig_workspace_size(n) bytes or NULL. FP_ERR_NON_FINITE for NaN/Inf in W or gain,
 * FP_ERR_NOT_CONVERGED if QR stalls, FP_ERR_INVALID_ARG for a negative tol, margin or radius. */
FP_API fp_status FP__F(stability_analyze)(const fp_spectrum_config *cfg, FP__F(mat) w, FP__F(mat) gain,
                                          fp_spectrum *out, double *wr, double *wi, void *work);

/* CENSUS of the attractors of r -> f(W r + x) for one input x (an n x 1 view): the dynamics
 * (cfg->solver: EULER or DAMPED; its zeroed default here is Euler with dt 0.2 to 1e-9 in 20000 steps;
 * ANDERSON and NEWTON also find saddles) runs from the K initial states in R (n x K, overwritten by the
 * final states); settled runs are clustered (RMS distance below cfg->cluster_tol, default 1e-4,
 * relative to 1 + RMS of the state), and each cluster's stability analysed (cfg->spectrum). out
 * receives up to max_out attractors sorted by basin; label (K ints, may be NULL) each run's attractor,
 * or -1 unsettled, -2 diverged. cfg NULL: the defaults; act NULL: tanh. FP_ERR_INVALID_ARG for a bad
 * configuration, FP_ERR_NON_FINITE for NaN/Inf in W or x; if an attractor's spectrum cannot be
 * computed, its spectrum is zeroed (verdict marginal), the census is still complete, and the call
 * returns that eigen solver's status. */
FP_API fp_status FP__F(census)(const fp_census_config *cfg, const fp_activation *act, FP__F(mat) w, FP__F(mat) x,
                               FP__F(mat) r, fp_attractor *out, int max_out, int *label, fp_census *census);
/*@end*/

/* ================================================================================================
 * FEEDBACK NETWORKS AND MEAN-FIELD THEORY (types): docs/THEORY.md (F1)-(F6), (MF1)-(MF9). W = chi + m n^T / N,
 * X = I (input amplitude inside I), m, I, n built from three standard-normal directions w, x_m, x_I.
 * ================================================================================================ */
typedef struct fp_meanfield_params {
    double g;               /* bulk: chi_ij ~ N(0, g^2 / N)                                   */
    double s_m, s_I, rho;   /* m = s_m (rho w + sqrt(1-rho^2) x_m), I = s_I (rho w + ... x_I)  */
    double C, p, p_m, p_I;  /* n = C (p w + p_m x_m + p_I x_I)                                */
    int nodes;              /* quadrature points per unit of the pre-activation: step 1 / nodes in */
                            /* the trapezoid rule for Gaussian averages; default (0) 4, max 1000   */
} fp_meanfield_params;

typedef struct fp_meanfield_solution {
    double z, delta;        /* read-out z = n^T phi(x) / N and total variance Delta of x        */
    double outlier;         /* predicted outlier of W diag(phi'(x)) (largest root)              */
    double bulk_radius;     /* g sqrt(<phi'^2>)                                                 */
    int stable;             /* outlier < 1 and bulk_radius < 1                                  */
} fp_meanfield_solution;

/* All solutions of the mean-field equations for tanh (scan of z, bisection, Delta by damped iteration),
 * sorted by z, with their predicted stability; at most max_out are written, *count says how many exist.
 * FP_ERR_INVALID_ARG for g < 0, non-finite parameters or |rho| > 1. */
FP_API fp_status fp_meanfield_solve(const fp_meanfield_params *p, fp_meanfield_solution *out, int max_out, int *count);
/* C that makes z = A a closed-loop fixed point by teacher forcing (mean-field): sets p->C. */
FP_API fp_status fp_meanfield_teacher_scale(fp_meanfield_params *p, double A);

/* Phase diagrams: the number of mean-field solutions and of stable ones over a grid of two parameters
 * (ny = 1 for a line). FP_MF_TARGET sweeps the target A, with C set by teacher forcing at each point
 * after the other axis is applied. In the paper's special case (rho = 0, s_m = 1, C = 1) the read-out
 * overlaps are c_m = p_m and c_I = p_I, and the input amplitude is u = s_I. For a line, ay = ax. */
typedef enum fp_meanfield_axis {
    FP_MF_G = 0, FP_MF_S_M, FP_MF_S_I, FP_MF_RHO, FP_MF_C, FP_MF_P, FP_MF_P_M, FP_MF_P_I, FP_MF_TARGET
} fp_meanfield_axis;
typedef struct fp_meanfield_cell {
    double x, y;            /* the parameter values                                              */
    int solutions, stable;  /* how many solutions, how many predicted stable                    */
    double z_min, z_max;    /* the smallest and largest solution z (NaN when none)               */
    int target_stable;      /* FP_MF_TARGET sweeps: 1 when the target z = A is a stable solution, 0
                               when it is a saddle or unstable; -1 without a target axis           */
    double target_outlier;  /* the target's predicted outlier (NaN without a target axis)         */
    fp_status status;       /* FP_OK, or why this point has no answer (then solutions = -1)       */
} fp_meanfield_cell;
/* out: nx * ny cells, row-major over (y, x). FP_ERR_INVALID_ARG for nx, ny < 1, non-finite ranges or an
 * unknown axis; a cell whose parameters are invalid (g < 0 ...) carries its own status (solutions = -1);
 * in a FP_MF_TARGET sweep a cell whose teacher-forced target z = A is not among the solutions found (a
 * degenerate z-map, flat to rounding) has FP_ERR_NOT_CONVERGED and solutions = -1 too. */
FP_API fp_status fp_meanfield_sweep(const fp_meanfield_params *base, fp_meanfield_axis ax, double x0, double x1,
                                    int nx, fp_meanfield_axis ay, double y0, double y1, int ny, fp_meanfield_cell *out);

/* A read-out n decomposed (fp_feedback_decompose): n = a_m m + a_I I + rest, rest orthogonal to m and I;
 * the overlaps the mean-field sees; and mean-field parameters (C = 1, (p, p_m, p_I) the projections of
 * n on the construction directions) that describe it as far as theory can: the rest is invisible to
 * the mean-field, which is exact only when n is uncorrelated with chi (not so after least squares). */
typedef struct fp_feedback_parts {
    double a_m, a_I;          /* least-squares coefficients along m and I                          */
    double rest;              /* |rest| / sqrt(N)                                                   */
    double norm;              /* |n| / sqrt(N)                                                      */
    double s_nm, s_nI;        /* n^T m / N and n^T I / N                                            */
    double rest_fraction;     /* |rest|^2 / |n|^2                                                   */
    fp_meanfield_params mf;   /* the model's parameters with C = 1 and n's projections as (p, p_m, p_I) */
} fp_feedback_parts;

/* Gradient descent on n through the closed loop (fp_feedback_train_gd). */
typedef struct fp_feedback_gd_config {
    double lr;           /* n -= lr * N * dL/dn (a step of O(1) in z); default (0) 1                  */
    int max_steps;       /* default (0) 500                                                          */
    double loss_target;  /* stop when L = (1/2P) sum (z_p - A_p)^2 falls below; default (0) 1e-10     */
} fp_feedback_gd_config;
typedef struct fp_feedback_gd_report {
    int steps;           /* steps taken                                                              */
    int halvings;        /* steps undone because the loss rose or the fixed point was lost (lr halved) */
    double loss;         /* the final loss                                                           */
    double lr;           /* the final learning rate                                                  */
    fp_status status;    /* FP_OK when loss_target was met, FP_ERR_NOT_CONVERGED when steps ran out    */
} fp_feedback_gd_report;

/*@typed*/
/* FEEDBACK NETWORKS (docs/THEORY.md, (F1)-(F3)): chi ~ N(0, g^2/N) and the directions w, x_m, x_I from
 * seed (Gaussian, then orthogonalized to norm sqrt(N), so their overlaps are exactly the ensemble's);
 * m, I and n = C (p w + p_m x_m + p_I x_I) from p. feedback_weights writes W = chi + m n^T / N
 * (the input is X = I). feedback_teacher_force sets C so that z = A is a closed-loop fixed point: the
 * clamped activity r* = phi(chi r* + m A + I) does not depend on n, and C = A N / (d^T r*). */
typedef struct FP__F(feedback) {
    int n;
    fp_meanfield_params p;
    FP__T *chi, *m, *in, *nv, *dir, *dw, *dm, *di; /* n x n bulk, then n-vectors */
} FP__F(feedback);
FP_API fp_status FP__F(feedback_init)(FP__F(feedback) *fb, int n, const fp_meanfield_params *p, uint64_t seed);
FP_API void FP__F(feedback_free)(FP__F(feedback) *fb);
FP_API fp_status FP__F(feedback_weights)(const FP__F(feedback) *fb, FP__F(mat) w); /* W: n x n */
FP_API fp_status FP__F(feedback_teacher_force)(FP__F(feedback) *fb, double A, fp_solve_report *rep);
/* READ-OUT TRAINING (docs/THEORY.md, (F4)-(F5)). P pairs (u_p, A_p): input X_p = I u_p,
 * target z_p = A_p. The read-out in force is fb->nv (fb->dir and fb->p describe the constructed one).
 * train_ls: clamped activities r_p = phi(chi r_p + m A_p + I u_p) (they do not depend on n), then the
 * n = R c minimizing sum_p (n^T r_p / N - A_p)^2 + ridge |n|^2 / N: (R^T R / N + ridge I) c = A. With
 * ridge = 0 it is the minimum-norm n meeting every target exactly; FP_ERR_SINGULAR when the r_p are
 * dependent and ridge = 0. loss_grad: L = (1/2P) sum_p (z_p - A_p)^2 at the closed-loop fixed points
 * R (n x P, the initial guess on entry, the fixed points on exit) and dL/dn by implicit
 * differentiation: W = chi + m n^T / N gives dL/dn = sum_p r_p ((z_p - A_p) / (N P) + m^T v_p / N),
 * v_p the adjoint. train_gd: gradient descent from the current fb->nv, each step warm-started from the
 * last fixed points (it follows one branch), undone with lr halved if the loss rises or the solve fails;
 * R (n x P, may be NULL) holds the final fixed points. */
FP_API fp_status FP__F(feedback_train_ls)(FP__F(feedback) *fb, int pairs, const double *u, const double *A,
                                          double ridge, fp_solve_report *rep);
FP_API fp_status FP__F(feedback_loss_grad)(const FP__F(feedback) *fb, int pairs, const double *u, const double *A,
                                           FP__T *r, FP__T *grad, double *loss, fp_solve_report *rep);
FP_API fp_status FP__F(feedback_train_gd)(FP__F(feedback) *fb, int pairs, const double *u, const double *A,
                                          const fp_feedback_gd_config *cfg, FP__T *r, fp_feedback_gd_report *rep);
/* v (NULL: fb->nv) decomposed along m, I and the rest (fp_feedback_parts). FP_ERR_SINGULAR when m and
 * I are parallel. */
FP_API fp_status FP__F(feedback_decompose)(const FP__F(feedback) *fb, const FP__T *v, fp_feedback_parts *out);
/*@end*/

/* ================================================================================================
 * DATA (types): IDX files (the MNIST format), unsigned-byte payloads; datasets of images and labels.
 * ================================================================================================ */
typedef struct fp_idx {
    int ndim;
    int dims[4];
    size_t count;          /* product of dims */
    unsigned char *data;   /* count bytes, FP_MALLOC'd; fp_idx_free releases */
} fp_idx;
/* Validates magic (0, 0, 0x08, ndim in 1..4), dimensions (each >= 1, product without overflow) and that
 * the payload is exactly the rest of the buffer/file; nothing is allocated before that. why (may be
 * NULL) receives a static sentence on failure. */
FP_API fp_status fp_idx_parse(const unsigned char *buf, size_t len, fp_idx *out, const char **why);
#ifndef FP_NO_STDIO /* files: not in a build without stdio */
FP_API fp_status fp_idx_load(const char *path, fp_idx *out, const char **why);
#endif
FP_API void fp_idx_free(fp_idx *idx);

struct fp_dataset {
    int count, dim, classes;   /* images, pixels per image, label range [0, classes)        */
    unsigned char *pixels;     /* count x dim, row-major                                     */
    unsigned char *labels;     /* count                                                      */
};
/* Loads an images/labels IDX pair (3-D images, 1-D labels, equal counts, labels < classes). */
#ifndef FP_NO_STDIO /* files: not in a build without stdio */
FP_API fp_status fp_dataset_load(const char *images, const char *labels, int classes, fp_dataset *ds, const char **why);
#endif
FP_API void fp_dataset_free(fp_dataset *ds);

#ifdef __cplusplus
}
#endif

#endif /* FIXPOINT_H_INCLUDED */

/* ================================================================================================
 * IMPLEMENTATION
 * ================================================================================================ */
#if defined(FIXPOINT_IMPLEMENTATION) && !defined(FIXPOINT_IMPLEMENTATION_DONE)
#define FIXPOINT_IMPLEMENTATION_DONE

/* -ffast-math (and -Ofast) let the compiler assume no NaN or Inf exists: every non-finite check of the
 * library would be compiled out and a NaN input would come back as FP_OK with finite garbage. The
 * implementation refuses to build that way; the rest of a program may use it (compile the file that
 * defines FIXPOINT_IMPLEMENTATION without it). */
#if defined(__FAST_MATH__) || defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#error "fixpoint.h: the implementation cannot be compiled with -ffast-math / -ffinite-math-only (its NaN and Inf checks would be removed); compile the file defining FIXPOINT_IMPLEMENTATION without them"
#endif

#include <math.h>
#ifndef FP_NO_STDIO
#include <stdio.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <limits.h>
#ifdef _WIN32
#include <windows.h> /* MoveFileExA: the atomic replace of a save */
#endif

#if defined(FP_MALLOC) && defined(FP_FREE)
#elif !defined(FP_MALLOC) && !defined(FP_FREE)
#define FP__OWN_ALLOC /* ours: #undef'd at the end */
#define FP_MALLOC(sz, ctx) ((void)(ctx), malloc(sz))
#define FP_FREE(p, ctx) ((void)(ctx), free(p))
#else
#error "fixpoint.h: define both FP_MALLOC and FP_FREE, or neither"
#endif

/* FP_ASSERT guards the library's own invariants (the public entry points check their arguments with
 * FP__REQUIRE and the usage handler); it is never compiled out. */
#ifndef FP_ASSERT
#define FP__OWN_ASSERT /* ours: #undef'd at the end */
#define FP_ASSERT(c) ((c) ? (void)0 : fp__assert_fail(#c, __FILE__, __LINE__))
static void fp__assert_fail(const char *what, const char *file, int line)
{
#ifndef FP_NO_STDIO
    fprintf(stderr, "fixpoint.h: internal invariant broken: %s (%s:%d)\n", what, file, line);
#else
    (void)what, (void)file, (void)line;
#endif
    abort();
}
#endif

#if defined(__cplusplus) || !defined(__STDC_VERSION__) || __STDC_VERSION__ < 199901L
#define FP__RESTRICT __restrict
#else
#define FP__RESTRICT restrict
#endif

/* GCC's -O2 cost model leaves loops with a remainder scalar; the engine's column loops need the
 * vectorizer (clang vectorizes them at -O2 already). */
#if defined(__GNUC__) && !defined(__clang__)
#define FP__VECTORIZE __attribute__((optimize("-ftree-vectorize", "-fvect-cost-model=dynamic")))
#else
#define FP__VECTORIZE
#endif

#if defined(FP_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define FP_DEF static __attribute__((unused))
#elif defined(FP_STATIC)
#define FP_DEF static
#else
#define FP_DEF
#endif

/* Argument checks and the usage path run once per call, off the numerical work: kept out of line, so
 * each entry point carries a call instead of a copy - smaller code, faster to compile. */
#if defined(__GNUC__) || defined(__clang__)
#define FP__NOINLINE __attribute__((noinline))
#else
#define FP__NOINLINE
#endif
/* The argument validators (fp__*_bad) decide nothing numerical and run once per call, a few dozen
 * comparisons: GCC compiles them unoptimized, which costs nanoseconds per call and keeps the
 * implementation's compile time at 0.1.1's (CHANGELOG.md). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define FP__VALIDATOR __attribute__((noinline, optimize("O0")))
#else
#define FP__VALIDATOR FP__NOINLINE
#endif
/* Set-up, teardown and files (init, free, load, save, parse, the config defaults), one-shot fits and
 * evaluations (teacher forcing, the least-squares read-out, a test-set evaluation) and the analysis
 * drivers (census, stability analysis, eigenvectors, decompositions, mean-field sweeps) run once per
 * model, file or analysis, never per iteration, and their own loops are small beside what they call: cold, so
 * the compiler optimizes them for size and spends less time on them. Only their definitions carry it, so
 * a caller's own code paths are not marked unlikely; nothing on a hot path calls them. */
#if defined(__GNUC__) || defined(__clang__)
#define FP__COLD __attribute__((cold))
#else
#define FP__COLD
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
/* A row pass in plain C compiled once per SIMD family (FP__MULTI: F_base, F_avx2, F_avx512 from one
 * body), so the compiler's vectors are as wide as the path's, and the path's instance (FP__PATH(F)). */
#if defined(FP__HAVE_AVX2)
#define FP__ON_AVX2(...) __VA_ARGS__
#else
#define FP__ON_AVX2(...)
#endif
#if defined(FP__HAVE_AVX512)
#define FP__ON_AVX512(...) __VA_ARGS__
#else
#define FP__ON_AVX512(...)
#endif
#define FP__MULTI(RET, F, ARGS, BODY)                                                                 \
    FP__VECTORIZE static RET F##_base ARGS { BODY }                                                   \
    FP__ON_AVX2(FP__TARGET_AVX2 FP__VECTORIZE static RET F##_avx2 ARGS { BODY })                      \
    FP__ON_AVX512(FP__TARGET_AVX512 FP__VECTORIZE static RET F##_avx512 ARGS { BODY })
#define FP__PATH(F)                                                                                   \
    (FP__ON_AVX512(fp_isa_current() == FP_ISA_AVX512 ? F##_avx512 :)                                 \
     FP__ON_AVX2(fp_isa_current() == FP_ISA_AVX2 ? F##_avx2 :) F##_base)

#ifdef FIXPOINT_USE_BLIS
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif
#include <blis.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

/* The most threads one GEMM runs (OpenMP builds); every GEMM workspace has room for this many. */
#ifndef FP_MAX_THREADS
#define FP_MAX_THREADS 16
#endif
#if FP_MAX_THREADS < 1
#error "fixpoint.h: FP_MAX_THREADS must be at least 1"
#endif
#ifdef _OPENMP
#define FP__MAX_THREADS FP_MAX_THREADS
/* Inside an active parallel region (the solver's column slices, or a caller's own threads) a GEMM runs
 * on one thread: its workspace then needs room for one A block only, and threads are not oversubscribed. */
static int fp__gemm_threads(void)
{
    int t = omp_get_max_threads();
    if (omp_in_parallel()) return 1;
    return t < FP_MAX_THREADS ? t : FP_MAX_THREADS;
}
#else
#define FP__MAX_THREADS 1
#endif

/* Column slices (docs/THEORY.md, (P1)). The columns of a batch are independent in the
 * iteration engine - each has its own iterate, Anderson history and stopping test - so the engine runs a
 * batch as S contiguous slices, each iterated by an engine of its own: for the cache, a slice is as wide
 * as lets W and the slice's four N x width arrays (its iterate, image, inputs and the GEMM's packed copy)
 * take 512 KB, so that an iteration finds them in a core's L2 (fp__slice_width; N = 300, 512 float
 * columns: 16 slices of 32, against 4 of 128 when W was left out, make the paper's 500-step Euler
 * solve 5 % faster on a Zen 5, measured). Where W alone leaves too little room, the three arrays of the
 * iterate, image and inputs take 512 KB - while W itself fits a core's L2 (N^2 esz <= 1 MiB; a larger W
 * is read from memory once an iteration by one slice, the GEMM's threads splitting its rows, rather than
 * once a slice). Slices are whole multiples of 32 columns but the last, where the batch has 32 columns a
 * slice (fp__slice_cols): a ragged width would send every row's tail through the vector tanh's padded
 * path and the GEMM's edge tiles (N = 200, 512 columns in 3 slices of 170-171 measured 12 % slower than
 * in 2 or 4). For threads, an OpenMP build runs the slices on up to T threads, one fork per solve instead of several per
 * iteration. Either way every column computes the same sums in the same order: the results do not depend
 * on S or T. fp__slices_max bounds S from the sizes alone (the workspace query), fp__slices picks S at
 * run time (never more). A slice keeps at least 16 columns; a solve inside a caller's parallel region
 * runs on one thread. FP__SLICES is the most slices any call makes (the arrays of slice state). */
#define FP__SLICES (FP__MAX_THREADS > 32 ? FP__MAX_THREADS : 32)
static int fp__slice_width(int n, size_t esz)
{
    const double room = 524288.0, wb = (double)n * (double)n * (double)esz, col = (double)n * (double)esz;
    double w = wb + 4 * 32 * col <= room ? (room - wb) / (4 * col) : room / (3 * col);
    return w < 32 ? 32 : w > 1048576.0 ? 1048576 : (int)w / 32 * 32;
}
static int fp__slices_cache(int n, int b, size_t esz)
{
    int w = fp__slice_width(n, esz), s = b / w + (b % w != 0);
    return s > FP__SLICES ? FP__SLICES : s;
}
static int fp__slices_max(int n, int b, size_t esz)
{
    int s = fp__slices_cache(n, b, esz), t = FP__MAX_THREADS;
    if (t > s) s = t;
    return b / 16 < 1 ? 1 : b / 16 < s ? b / 16 : s;
}
/* The threads a run of S slices uses: all of them when every thread gets a slice; else one, the slices
 * one after another, each GEMM then threaded over its rows (a wide network on a narrow share of a batch,
 * N = 10^4 on 32 columns: 2 slices could keep only 2 of 32 threads busy, the GEMM's rows keep all). */
static int fp__slice_threads(int S)
{
#ifdef _OPENMP
    int t = omp_in_parallel() ? 1 : omp_get_max_threads();
    t = t < FP__MAX_THREADS ? t : FP__MAX_THREADS;
    return S >= t ? t : 1;
#else
    (void)S;
    return 1;
#endif
}
static int fp__slices(int n, int b, size_t esz)
{
    int s = fp__slices_cache(n, b, esz), t = fp__slice_threads(FP__SLICES), most = fp__slices_max(n, b, esz);
    if ((double)n * (double)n * (double)b < 2e5) return 1; /* too small for a fork or a cache */
    /* W past a core's L2 (N > 512 in float): every slice would stream W from memory once an iteration;
     * one slice and the GEMM's threads read it once (a wide network is bandwidth-bound) */
    if ((double)n * (double)n * (double)esz > 1048576.0) return 1;
    /* on threads, a slice a thread, and up to four when the slices keep 64 columns (narrower ones slow the
     * GEMM): columns converge at different times, and a thread whose slices finish early takes another
     * (dynamic schedule). Too few columns for a slice a thread: the cache's slices only. */
    if (t > 1 && most >= t) {
        int per = b / 64 < 4 * t ? b / 64 : 4 * t;
        if (per < t) per = t;
        if (per > s) s = per;
    }
    return s < most ? s : most;
}
/* columns [off, off + width) of slice s of S over b columns: whole units of g columns, the coarsest of
 * 32, 16, ..., 1 that gives every slice one, spread as evenly as they go; the last slice also takes the
 * columns past the last whole unit */
static void fp__slice_cols(int b, int S, int s, int *off, int *width)
{
    int g = 32, u, q, r;
    while (g > 1 && b / g < S) g /= 2;
    u = b / g; q = u / S; r = u % S;
    *off = (s * q + (s < r ? s : r)) * g;
    *width = (q + (s < r)) * g + (s == S - 1 ? b - u * g : 0);
}

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
    case FP_ERR_USAGE: return "usage error (a programmer error in the call)";
    }
    return "unknown status";
}

/* Usage errors and allocation: two process-wide hooks, set before threads start (documented). */
static fp_usage_fn fp__usage_fn;
static void *fp__usage_user;
static fp_allocator fp__allocator;

FP__COLD FP_DEF void fp_set_usage_handler(fp_usage_fn fn, void *user)
{
    fp__usage_fn = fn;
    fp__usage_user = user;
}

/* Out of line but not cold: a cold callee makes GCC split each entry point that reports into a hot and
 * a cold part, which costs compile time and saves nothing on a path taken at most once per call. */
FP__NOINLINE static void fp__usage(const char *function, const char *message)
{
    if (fp__usage_fn) {
        fp__usage_fn(function, message, fp__usage_user);
        return;
    }
#ifndef FP_NO_STDIO
    fprintf(stderr, "fixpoint.h: %s: %s\n", function, message);
#endif
    abort();
}

/* The check of every public entry point: on failure the handler hears the function and the sentence,
 * and the call returns ret (only reached when the handler returns). */
#define FP__REQUIRE(cond, msg, ret)                                                                   \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            fp__usage(__func__, msg);                                                                 \
            return ret;                                                                               \
        }                                                                                             \
    } while (0)
#define FP__REQUIRE_VOID(cond, msg)                                                                   \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            fp__usage(__func__, msg);                                                                 \
            return;                                                                                   \
        }                                                                                             \
    } while (0)

FP__COLD FP_DEF void fp_set_allocator(const fp_allocator *a)
{
    if (a) fp__allocator = *a;
    else memset(&fp__allocator, 0, sizeof fp__allocator);
}

static void *fp__malloc(size_t size)
{
    void *user = fp__allocator.user;
    return fp__allocator.alloc ? fp__allocator.alloc(size, user) : FP_MALLOC(size, user);
}

static void fp__free(void *ptr)
{
    void *user = fp__allocator.user;
    if (!ptr) return;
    if (fp__allocator.free) fp__allocator.free(ptr, user);
    else FP_FREE(ptr, user);
}

/* The one process-wide setting: a cap on the kernel path. -1 = not read yet from FP_ISA. Threads may
 * solve at once, each with its own data: the cap is read and written with relaxed atomic operations
 * (every thread that reads FP_ISA computes the same value, so the order of the writes does not matter),
 * which makes concurrent first calls race-free by construction; the first read stores its value only
 * over the initial -1, so an fp_isa_set from another thread is never overwritten. */
static int fp__isa_cap = -1;
#if defined(__GNUC__) || defined(__clang__)
#define FP__LOAD_INT(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define FP__STORE_INT(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* stores v only over the initial -1; returns the value in force */
static int fp__init_int(int *p, int v)
{
    int expect = -1;
    return __atomic_compare_exchange_n(p, &expect, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED) ? v : expect;
}
#else
#define FP__LOAD_INT(p) (*(p))
#define FP__STORE_INT(p, v) (*(p) = (v))
static int fp__init_int(int *p, int v) { if (*p < 0) *p = v; return *p; }
#endif

FP_DEF const char *fp_isa_name(fp_isa isa)
{
    switch (isa) {
    case FP_ISA_SCALAR: return "scalar";
    case FP_ISA_AVX2: return "avx2";
    case FP_ISA_AVX512: return "avx512";
    }
    return "unknown";
}

/* The CPU's best path, asked once: every kernel call reads the answer with one relaxed load. */
static int fp__isa_best = -1;
FP_DEF fp_isa fp_isa_best(void)
{
    int best = FP__LOAD_INT(&fp__isa_best);
    if (best >= 0) return (fp_isa)best;
    best = FP_ISA_SCALAR;
#if defined(FP__HAVE_AVX2)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = FP_ISA_AVX2;
#endif
#if defined(FP__HAVE_AVX512)
    if (__builtin_cpu_supports("avx512f")) best = FP_ISA_AVX512;
#endif
    return (fp_isa)fp__init_int(&fp__isa_best, best);
}

FP_DEF void fp_isa_set(fp_isa cap) { FP__STORE_INT(&fp__isa_cap, (int)cap); }

FP_DEF fp_isa fp_isa_current(void)
{
    fp_isa best = fp_isa_best();
    int cap = FP__LOAD_INT(&fp__isa_cap);
    if (cap < 0) {
        const char *e = getenv("FP_ISA");
        cap = FP_ISA_AVX512;
        if (e && strcmp(e, "scalar") == 0) cap = FP_ISA_SCALAR;
        if (e && strcmp(e, "avx2") == 0) cap = FP_ISA_AVX2;
        cap = fp__init_int(&fp__isa_cap, cap); /* an fp_isa_set that came first wins */
    }
#if !defined(FP__HAVE_AVX2)
    /* a build without the AVX2 path, capped at it on an AVX-512 CPU: the scalar path, which is what the
     * kernels' dispatchers fall to (the path named must be one the build has: a solve that asked a
     * kernel of the named path and took "not here" for done left blocks unsolved) */
    if (cap == FP_ISA_AVX2) cap = FP_ISA_SCALAR;
#endif
    return (int)best < cap ? best : (fp_isa)cap;
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

/* Whether two strided views share no element: their address ranges are apart, or - the interleaved
 * case, e.g. X and R as the left and right halves of one row-major buffer - they have the same strides,
 * one of them unit, and sit in disjoint lanes of each row (or column) slot. Anything else that shares an
 * address range counts as overlapping (conservative). */
FP__NOINLINE static int fp__apart(const void *p, int m1, int n1, ptrdiff_t rs, ptrdiff_t cs, const void *q, int m2, int n2,
                     ptrdiff_t rs2, ptrdiff_t cs2, size_t esz)
{
    ptrdiff_t d, lead, off;
    int w1, w2;
    if (!fp__ranges_overlap(p, fp__span(m1, n1, rs, cs, esz), q, fp__span(m2, n2, rs2, cs2, esz))) return 1;
    if (rs != rs2 || cs != cs2) return 0;
    d = (ptrdiff_t)((uintptr_t)q - (uintptr_t)p);
    if (d % (ptrdiff_t)esz != 0) return 0;
    d /= (ptrdiff_t)esz;
    if (cs == 1 && rs >= n1 && rs >= n2) { lead = rs; w1 = n1; w2 = n2; }
    else if (rs == 1 && cs >= m1 && cs >= m2) { lead = cs; w1 = m1; w2 = m2; }
    else return 0;
    off = ((d % lead) + lead) % lead; /* view 2's lanes start off into each slot of width lead */
    return off >= w1 && off + w2 <= lead;
}

/* An output matrix must not map two (i, j) to one address: one stride must step over the other's whole
 * extent. (Inputs may repeat elements, e.g. a stride-0 broadcast is not allowed but a view may be.) */
static int fp__layout_ok(int m, int n, ptrdiff_t rs, ptrdiff_t cs)
{
    if (m <= 0 || n <= 0) return 1; /* no element, no stride to check */
    if (m <= 1 || n <= 1) return (m <= 1 || rs >= 1) && (n <= 1 || cs >= 1);
    if (rs < 1 || cs < 1) return 0;
    return rs >= (ptrdiff_t)n * cs || cs >= (ptrdiff_t)m * rs;
}

static int fp__strides_ok(int m, int n, ptrdiff_t rs, ptrdiff_t cs)
{
    if (m <= 0 || n <= 0) return 1;
    return (m <= 1 || rs >= 1) && (n <= 1 || cs >= 1);
}

static void *fp__align64(void *p) { return (void *)(((uintptr_t)p + 63u) & ~(uintptr_t)63u); }

/* A bump allocator over one caller block. With base == NULL it only counts, so every workspace size
 * function is the allocation code run dry: the two can never disagree. */
typedef struct fp__arena { unsigned char *base; size_t used; } fp__arena;
static void *fp__take(fp__arena *a, size_t bytes)
{
    size_t off = (a->used + 63u) & ~(size_t)63u;
    a->used = off + bytes;
    return a->base ? (void *)(a->base + off) : NULL;
}
static size_t fp__arena_size(const fp__arena *a) { return a->used + 64u; }

#ifndef FP_NO_STDIO
FP__COLD static FILE *fp__open_sized(const char *path, long *end, fp_status *st, const char **why)
{
    FILE *f = fopen(path, "rb");
    *st = FP_ERR_IO;
    if (!f) { if (why) *why = "cannot open the file"; return NULL; }
    if (fseek(f, 0, SEEK_END) != 0 || (*end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        if (why) *why = "cannot size the file";
        return NULL;
    }
    *st = FP_OK;
    return f;
}
#endif

static uint64_t fp__fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; ++i) { h ^= b[i]; h *= 0x100000001B3ull; }
    return h;
}

/* FNV-1a over every field of a training config that shapes the trajectory (the seed's stream travels in
 * the checkpoint itself), field by field so padding bytes never enter it. */
#ifndef FP_NO_STDIO
FP__COLD static fp_status fp__save_atomic(const char *path, const void *const *part, const size_t *len, int parts)
{
    size_t pl = strlen(path);
    char *tmp = (char *)fp__malloc(pl + 5);
    FILE *f;
    int i, ok;
    if (!tmp) return FP_ERR_NO_MEMORY;
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    f = fopen(tmp, "wb");
    if (!f) { fp__free(tmp); return FP_ERR_IO; }
    ok = 1;
    for (i = 0; i < parts && ok; ++i) ok = len[i] == 0 || fwrite(part[i], 1, len[i], f) == len[i];
    ok = fflush(f) == 0 && ok;
    ok = fclose(f) == 0 && ok;
#ifdef _WIN32
    /* rename does not replace an existing file on Windows; MoveFileEx does, in one step */
    if (ok) ok = MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) != 0;
#else
    if (ok) ok = rename(tmp, path) == 0;
#endif
    if (!ok) remove(tmp); /* path itself was never touched */
    fp__free(tmp);
    return ok ? FP_OK : FP_ERR_IO;
}
#endif

/* Solves the small dense system A x = b (d <= 33, row-major, destroyed) by Gaussian elimination with
 * partial pivoting, in place of b. Returns 0 when a pivot vanishes. Anderson's bordered system is solved
 * this way once per column and iteration, where a general LU's checks would cost more than the work. */
static int fp__small_solve(int d, double *A, double *b)
{
    int i, j, k;
    for (k = 0; k < d; ++k) {
        int p = k;
        double piv;
        for (i = k + 1; i < d; ++i) if (fabs(A[i * d + k]) > fabs(A[p * d + k])) p = i;
        if (!(fabs(A[p * d + k]) > 1e-300)) return 0;
        if (p != k) {
            double t;
            for (j = 0; j < d; ++j) { t = A[k * d + j]; A[k * d + j] = A[p * d + j]; A[p * d + j] = t; }
            t = b[k]; b[k] = b[p]; b[p] = t;
        }
        piv = A[k * d + k];
        for (i = k + 1; i < d; ++i) {
            double l = A[i * d + k] / piv;
            for (j = k; j < d; ++j) A[i * d + j] -= l * A[k * d + j];
            b[i] -= l * b[k];
        }
    }
    for (i = d - 1; i >= 0; --i) {
        double s = b[i];
        for (j = i + 1; j < d; ++j) s -= A[i * d + j] * b[j];
        b[i] = s / A[i * d + i];
    }
    return 1;
}

/* Rollback and halve, the recovery every learning loop here uses (the trainer, the read-out's gradient
 * descent): the saved parameters come back and the rate scale halves. */
static void fp__undo_halve(void *param, const void *saved, size_t bytes, double *scale)
{
    memcpy(param, saved, bytes);
    *scale *= 0.5;
}

#define FP__ISFINITE(x) ((x) - (x) == (x) - (x)) /* false for NaN and +-Inf, no fenv side effects */
/* The recursive factorizations: below FP__LEAF columns the unblocked loops run; below FP__BLOCKED_MIN
 * (order) the whole factorization is unblocked, a GEMM workspace not being worth its allocation. */
#define FP__LEAF 16
#define FP__TRSM_LEAF 64 /* a triangular solve's leaf on the vector paths (FP__TRSM_ROWS_BODY) */
#define FP__BLOCKED_MIN 64
#define FP__BADVIEW " (negative size, NULL data, or a stride below 1)"

/*@typed*/
/* The strided engines behind the view API (the public forms check the views, then call these); out of line like
 * the public functions they were, so no entry point carries a copy. */
FP__NOINLINE static void FP__I(mat_copy)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb);
FP__NOINLINE static void FP__I(mat_fill)(int m, int n, FP__T v, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
FP__NOINLINE static void FP__I(mat_scale)(int m, int n, FP__T alpha, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
FP__NOINLINE static void FP__I(mat_axpby)(int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T beta, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb);
FP__NOINLINE static void FP__I(mat_map)(int m, int n, FP__T (*f)(FP__T, void *), void *ctx, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb);
FP__NOINLINE static FP__T FP__I(mat_norm_fro)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
FP__NOINLINE static int FP__I(mat_all_finite)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa);
static fp_status FP__I(lu_factor_ws)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int *piv, void *gws);
static void FP__I(lu_solve_ws)(fp_trans t, int n, int nrhs, const FP__T *lu, ptrdiff_t rsa, ptrdiff_t csa, const int *piv, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb, void *gws);
FP__NOINLINE static void FP__I(act_apply)(const fp_activation *act, int m, int n, const FP__T *z, ptrdiff_t rsz, ptrdiff_t csz, FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, FP__T *g, ptrdiff_t rsg, ptrdiff_t csg);
FP__NOINLINE static FP__T FP__I(loss_mse)(int n, int b, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, const FP__T *t, ptrdiff_t rst, ptrdiff_t cst, FP__T *dr, ptrdiff_t rsd, ptrdiff_t csd);
FP__NOINLINE static fp_status FP__I(solve)(const fp_solver_config *cfg, const fp_activation *act, int n, int b, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x, ptrdiff_t rsx, ptrdiff_t csx, FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, FP__T *gain, ptrdiff_t rsg, ptrdiff_t csg, fp_solve_report *rep, void *work);
FP__NOINLINE static fp_status FP__I(implicit_grad)(const fp_adjoint_config *cfg, int n, int b, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, const FP__T *gain, ptrdiff_t rsg, ptrdiff_t csg, const FP__T *delta, ptrdiff_t rsd, ptrdiff_t csd, FP__T *v, ptrdiff_t rsv, ptrdiff_t csv, FP__T *dw, ptrdiff_t rsdw, ptrdiff_t csdw, fp_solve_report *rep, void *work);
FP__NOINLINE static void FP__I(mat_row_sum)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *s, ptrdiff_t incs);
FP__NOINLINE static fp_status FP__I(eig)(int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, double *wr, double *wi, void *work);
FP__NOINLINE static fp_status FP__I(eigvec)(int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, double re, double im, double *vr, double *vi, void *work);
FP__NOINLINE static fp_status FP__I(eig_arnoldi)(int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, const FP__T *g, ptrdiff_t incg, int k, double *wr, double *wi, void *work);
FP__NOINLINE static fp_status FP__I(stability)(int n, int b, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *gain, ptrdiff_t rsg, ptrdiff_t csg, int exact_max, double *re, double *im, void *work);
FP__NOINLINE static fp_status FP__I(stability_analyze)(const fp_spectrum_config *cfg, int n, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *gain, ptrdiff_t incg, fp_spectrum *out, double *wr, double *wi, void *work);
FP__NOINLINE static fp_status FP__I(census)(const fp_solver_config *cfg, const fp_spectrum_config *scfg, const fp_activation *act, int n, int k, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x, ptrdiff_t incx, FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, double cluster_tol, fp_attractor *out, int max_out, int *label, fp_census *census);
FP__NOINLINE static size_t FP__I(rule_workspace_size)(fp_rule rule, const fp_adjoint_config *adj, int n, int b);
FP__NOINLINE static fp_status FP__I(rule_dw)(fp_rule rule, const fp_adjoint_config *adj, FP__T lr, int n, int b, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, const FP__T *gain, ptrdiff_t rsg, ptrdiff_t csg, const FP__T *grad, ptrdiff_t rsd, ptrdiff_t csd, FP__T *dw, ptrdiff_t rsdw, ptrdiff_t csdw, FP__T *v, ptrdiff_t ldv, fp_solve_report *rep, void *work);
FP__NOINLINE static void FP__I(feedback_weights)(const FP__F(feedback) *fb, FP__T *w, ptrdiff_t rsw, ptrdiff_t csw);
/*@end*/

/* ================================================================================================
 * MATRIX CORE: GEMM (BLIS design: pack B into KC x NR panels, A into MR x KC panels, a register-
 * blocked MR x NR micro-kernel per instruction set; blocking and packing are shared by all paths),
 * GEMV and level-1 kernels, dense factorizations. No equation of docs/THEORY.md lives here.
 * ================================================================================================ */

/* The argument checks: one untyped validator per contract, compiled once for both precisions and kept
 * out of line. Written out in each typed entry point (a call, a branch and a failure path per check, all
 * twice) they were the measured cost of compiling the implementation. A validator returns the sentence
 * naming what is wrong, or NULL; the entry point reports it under its own name, so each has one branch.
 * Typed pointers come in as const void *, with esz = sizeof(FP__T) where the overlap tests need it. */

/* A GEMM call, fp_gemm and fp_gemm_ws. */
FP__VALIDATOR static const char *fp__gemm_bad(fp_trans ta, fp_trans tb, int m, int n, int k, const void *a, ptrdiff_t rsa,
                                              ptrdiff_t csa, const void *b, ptrdiff_t rsb, ptrdiff_t csb, const void *c,
                                              ptrdiff_t rsc, ptrdiff_t csc, size_t esz)
{
    int am = ta == FP_NOTRANS ? m : k, an = ta == FP_NOTRANS ? k : m;
    int bm = tb == FP_NOTRANS ? k : n, bn = tb == FP_NOTRANS ? n : k;
    if (!((ta == FP_NOTRANS || ta == FP_TRANS) && (tb == FP_NOTRANS || tb == FP_TRANS))) return "ta and tb must be FP_NOTRANS or FP_TRANS";
    if (!(m >= 0 && n >= 0 && k >= 0)) return "m, n and k must be >= 0";
    if (!(m == 0 || n == 0 || c != NULL)) return "C must not be NULL";
    if (!fp__layout_ok(m, n, rsc, csc)) return "C's strides (rsc, csc) must be >= 1 and keep its elements distinct";
    if (m == 0 || n == 0 || k == 0) return NULL;
    if (!(a != NULL && b != NULL)) return "A and B must not be NULL";
    if (!fp__strides_ok(am, an, rsa, csa)) return "A's strides (rsa, csa) must be >= 1";
    if (!fp__strides_ok(bm, bn, rsb, csb)) return "B's strides (rsb, csb) must be >= 1";
    /* element-exact: C may interleave with A or B (the left and right halves of one buffer), since a
     * write to C never changes an element GEMM still has to read */
    if (!fp__apart(c, m, n, rsc, csc, a, am, an, rsa, csa, esz)) return "C must not overlap A";
    if (!fp__apart(c, m, n, rsc, csc, b, bm, bn, rsb, csb, esz)) return "C must not overlap B";
    return NULL;
}

/* fp_gemv: y first; A and x only when they are read (y has elements, op(A) columns, and alpha != 0). */
FP__VALIDATOR static const char *fp__gemv_bad(fp_trans ta, int m, int n, int alpha_zero, const void *a, ptrdiff_t rsa,
                                              ptrdiff_t csa, const void *x, ptrdiff_t incx, const void *y, ptrdiff_t incy,
                                              size_t esz)
{
    int ylen = ta == FP_NOTRANS ? m : n, xlen = ta == FP_NOTRANS ? n : m;
    if (!(ta == FP_NOTRANS || ta == FP_TRANS)) return "ta must be FP_NOTRANS or FP_TRANS";
    if (!(m >= 0 && n >= 0 && (ylen == 0 || y) && (ylen <= 1 || incy >= 1))) return "m, n must be >= 0, y non-NULL and incy >= 1";
    if (ylen == 0 || xlen == 0 || alpha_zero) return NULL;
    if (!(a && x && fp__strides_ok(m, n, rsa, csa) && (xlen <= 1 || incx >= 1))) return "A and x must be non-NULL, A's strides and incx >= 1";
    if (!fp__apart(y, ylen, 1, incy, 1, a, m, n, rsa, csa, esz)) return "y must not overlap A";
    if (!fp__apart(y, ylen, 1, incy, 1, x, xlen, 1, incx, 1, esz)) return "y must not overlap x";
    return NULL;
}

FP__VALIDATOR static const char *fp__lu_solve_bad(fp_trans t, int n, int nrhs, const void *lu, const int *piv, const void *b,
                                                  ptrdiff_t rsb, ptrdiff_t csb)
{
    if (!(n >= 0 && nrhs >= 0 && (t == FP_NOTRANS || t == FP_TRANS))) return "n, nrhs must be >= 0 and t FP_NOTRANS or FP_TRANS";
    if (!(n == 0 || nrhs == 0 || (lu && piv && b && fp__layout_ok(n, nrhs, rsb, csb))))
        return "LU, piv and B must be non-NULL, B's strides >= 1 with distinct elements";
    return NULL;
}

FP__VALIDATOR static const char *fp__lstsq_bad(int m, int n, int nrhs, const void *a, ptrdiff_t rsa, ptrdiff_t csa, const void *b,
                                               ptrdiff_t rsb, ptrdiff_t csb, const void *tau)
{
    if (!(m >= n && n >= 0 && nrhs >= 0 && (n == 0 || (a && tau)) && fp__layout_ok(m, n, rsa, csa)))
        return "m >= n >= 0, nrhs >= 0, A and tau non-NULL, A's strides >= 1 with distinct elements";
    if (!(nrhs == 0 || m == 0 || (b && fp__layout_ok(m, nrhs, rsb, csb)))) return "B must be non-NULL with strides >= 1 and distinct elements";
    return NULL;
}

/*@typed*/
/* The micro-kernel contract: C[0:mr, 0:nr] = alpha * A * Bp + beta * C, A an MR x kc panel read with
 * strides (ars, acs) - a packed panel is (1, MR), an unpacked row-major block (lda, 1) - and Bp kc rows
 * of NR contiguous values, brs apart (packed: NR; a row-major B read in place: its row stride). mr <= MR,
 * nr <= NR; edges go through a tile. All MR rows of A and all NR columns of Bp are read. */
typedef void (*FP__I(ukr_fn))(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs, const FP__T *bp,
                              ptrdiff_t brs, FP__T alpha, FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc,
                              int mr, int nr);

/* ukr_s: the same body with fewer rows (mr_s), for small products whose row count it tiles with less
 * padding (32 or 64 rows: 8-row panels fit exactly, 12-row ones leave a padded third panel). */
typedef struct FP__I(kernel) {
    FP__I(ukr_fn) ukr, ukr_s;
    int mr, mr_s, nr, vl, mc, kc, nc; /* vl: the columns a panel of nr <= vl reads (one vector; all NR for scalar) */
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
                              ptrdiff_t brs, FP__T alpha, FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc,
                              int mr, int nr)
{
    FP__T ab[FP__SMR * FP__SNR];
    int p, i, j;
    for (i = 0; i < FP__SMR * FP__SNR; ++i) ab[i] = 0;
    for (p = 0; p < kc; ++p, ap += acs, bp += brs)
        for (i = 0; i < FP__SMR; ++i)
            for (j = 0; j < FP__SNR; ++j) ab[i * FP__SNR + j] += ap[i * ars] * bp[j];
    FP__I(tile_store)(ab, FP__SNR, alpha, beta, c, rsc, csc, mr, nr);
}

/* The SIMD micro-kernels. One body, FP__UKR_BODY, serves every SIMD family: it is written against the
 * vector macros V, VZERO, VSET1, VFMA, VMUL, VLOAD, VSTORE that each family defines around it (AVX2: 256
 * bits, AVX-512: 512 bits), with MR rows x 2 vectors of accumulators. Per k it loads two vectors of Bp
 * and broadcasts MR values of Ap; a panel at most one vector wide (a ragged last one) runs a loop on the
 * first vector only. Rows are written for up to 12; the rows at or past MR sit behind
 * constant conditions and compile to nothing. The packed case (ars == 1) gets its own loop so the row
 * offsets are constants. Tiles with unit column stride are updated straight from the accumulators (a
 * short product spends as much on a round trip through memory as on its FMAs), a ragged last panel
 * through the family's masked loads and stores (VMASK, VMASKN, VLOADM, VSTOREM), which never touch the
 * columns past nr; other strides go through tile_store. */
#define FP__KDECL(i) V c##i##_a = VZERO(), c##i##_b = VZERO();
/* The tile of C is fetched into L1 while the k loop runs: its rows lie a row stride apart, each a miss
 * out to L3 when C is large, and a kernel that meets them only at its write-back waits for MR of them
 * (on a Zen 3 a 1000^3 product ran at 0.60-0.79x OpenBLAS without these prefetches, 0.86-1.04x with).
 * A row's first and last elements: nr - 1, not NR - 1, keeps the address inside C. */
#define FP__KPF(i)                                                                                    \
    if ((i) < MR && (i) < mr) {                                                                       \
        _mm_prefetch((const char *)(c + (i) * rsc), _MM_HINT_T0);                                     \
        _mm_prefetch((const char *)(c + (i) * rsc + nr - 1), _MM_HINT_T0);                            \
    }
#define FP__KSTEP(i, ARS, NV)                                                                         \
    if ((i) < MR) {                                                                                   \
        V a_ = VSET1(ap[(i) * (ARS)]);                                                                \
        c##i##_a = VFMA(a_, b0, c##i##_a);                                                            \
        if ((NV) > 1) c##i##_b = VFMA(a_, b1, c##i##_b);                                              \
    }
#define FP__KSAVE(i) if ((i) < MR) { VSTORE(ab + (i) * NR, c##i##_a); VSTORE(ab + (i) * NR + VL, c##i##_b); }
#define FP__KLOOP(ARS, NV)                                                                            \
    for (p = 0; p < kc; ++p, ap += acs, bp += brs) {                                                  \
        V b0 = VLOAD(bp), b1 = (NV) > 1 ? VLOAD(bp + VL) : b0;                                        \
        FP__KSTEP(0, ARS, NV) FP__KSTEP(1, ARS, NV) FP__KSTEP(2, ARS, NV) FP__KSTEP(3, ARS, NV)       \
        FP__KSTEP(4, ARS, NV) FP__KSTEP(5, ARS, NV) FP__KSTEP(6, ARS, NV) FP__KSTEP(7, ARS, NV)       \
        FP__KSTEP(8, ARS, NV) FP__KSTEP(9, ARS, NV) FP__KSTEP(10, ARS, NV) FP__KSTEP(11, ARS, NV)     \
    }
#define FP__KPUT(i)                                                                                   \
    if ((i) < MR && (i) < mr) {                                                                       \
        FP__T *ci = c + (i) * rsc;                                                                    \
        V r0 = VMUL(va, c##i##_a), r1 = VMUL(va, c##i##_b);                                           \
        if (beta != (FP__T)0) { r0 = VFMA(vb, VLOAD(ci), r0); r1 = VFMA(vb, VLOAD(ci + VL), r1); }    \
        VSTORE(ci, r0); VSTORE(ci + VL, r1);                                                          \
    }
#define FP__KPUTM(i)                                                                                  \
    if ((i) < MR && (i) < mr) {                                                                       \
        FP__T *ci = c + (i) * rsc;                                                                    \
        V r0 = VMUL(va, c##i##_a), r1 = VMUL(va, c##i##_b);                                           \
        if (beta != (FP__T)0) {                                                                       \
            r0 = VFMA(vb, VLOADM(ci, m0), r0);                                                        \
            if (nr > VL) r1 = VFMA(vb, VLOADM(ci + VL, m1), r1);                                      \
        }                                                                                             \
        VSTOREM(ci, m0, r0);                                                                          \
        if (nr > VL) VSTOREM(ci + VL, m1, r1);                                                        \
    }
#define FP__UKR_BODY(MR_, VL_)                                                                        \
    enum { MR = MR_, VL = VL_, NR = 2 * VL_ };                                                       \
    int p;                                                                                            \
    FP__KDECL(0) FP__KDECL(1) FP__KDECL(2) FP__KDECL(3) FP__KDECL(4) FP__KDECL(5)                     \
    FP__KDECL(6) FP__KDECL(7) FP__KDECL(8) FP__KDECL(9) FP__KDECL(10) FP__KDECL(11)                   \
    if (csc == 1) {                                                                                   \
        FP__KPF(0) FP__KPF(1) FP__KPF(2) FP__KPF(3) FP__KPF(4) FP__KPF(5)                             \
        FP__KPF(6) FP__KPF(7) FP__KPF(8) FP__KPF(9) FP__KPF(10) FP__KPF(11)                           \
    }                                                                                                 \
    if (nr > VL) { if (ars == 1) FP__KLOOP(1, 2) else FP__KLOOP(ars, 2) }                             \
    else if (ars == 1) FP__KLOOP(1, 1) else FP__KLOOP(ars, 1) /* one vector of columns: half the FMAs */ \
    if (nr == NR && csc == 1) {                                                                       \
        V va = VSET1(alpha), vb = VSET1(beta);                                                        \
        FP__KPUT(0) FP__KPUT(1) FP__KPUT(2) FP__KPUT(3) FP__KPUT(4) FP__KPUT(5)                       \
        FP__KPUT(6) FP__KPUT(7) FP__KPUT(8) FP__KPUT(9) FP__KPUT(10) FP__KPUT(11)                     \
    } else if (csc == 1) { /* a ragged last panel: masked loads and stores */                        \
        V va = VSET1(alpha), vb = VSET1(beta);                                                        \
        VMASK m0 = VMASKN(nr < VL ? nr : VL), m1 = VMASKN(nr > VL ? nr - VL : 0);                     \
        FP__KPUTM(0) FP__KPUTM(1) FP__KPUTM(2) FP__KPUTM(3) FP__KPUTM(4) FP__KPUTM(5)                 \
        FP__KPUTM(6) FP__KPUTM(7) FP__KPUTM(8) FP__KPUTM(9) FP__KPUTM(10) FP__KPUTM(11)               \
    } else {                                                                                          \
        FP__T ab[MR * NR];                                                                            \
        FP__KSAVE(0) FP__KSAVE(1) FP__KSAVE(2) FP__KSAVE(3) FP__KSAVE(4) FP__KSAVE(5)                 \
        FP__KSAVE(6) FP__KSAVE(7) FP__KSAVE(8) FP__KSAVE(9) FP__KSAVE(10) FP__KSAVE(11)               \
        FP__I(tile_store)(ab, NR, alpha, beta, c, rsc, csc, mr, nr);                                  \
    }

/* y += alpha x on unit strides, in whole vectors and one masked one: the factorizations' leaf updates
 * (the public level-1 functions are compiled for the baseline ISA). One body for every SIMD family. */
#define FP__AXPY_BODY(VL_)                                                                            \
    V va = VSET1(alpha);                                                                              \
    int i = 0;                                                                                        \
    for (; i + (VL_) <= n; i += (VL_)) VSTORE(y + i, VFMA(va, VLOAD(x + i), VLOAD(y + i)));           \
    if (i < n) {                                                                                      \
        VMASK k_ = VMASKN(n - i);                                                                     \
        VSTOREM(y + i, k_, VFMA(va, VLOADM(x + i, k_), VLOADM(y + i, k_)));                           \
    }

/* kc rows of one B panel of w <= 2 vectors into the packed layout: two vector copies a row (a loop of
 * nr scalars becomes a memcpy call per row of 64-128 bytes, 3 % of the Euler protocol); a ragged panel
 * with masked loads, which leave zeros past w (a scalar copy and a zero fill per row were a fifth of a
 * 200 x 200 float Cholesky, whose small products are ragged). */
#define FP__PACK_ROWS_BODY(VL_)                                                                       \
    int p;                                                                                            \
    if (w == 2 * (VL_))                                                                               \
        for (p = 0; p < kc; ++p, bp += 2 * (VL_)) {                                                   \
            VSTORE(bp, VLOAD(b + p * rs));                                                            \
            VSTORE(bp + (VL_), VLOAD(b + p * rs + (VL_)));                                            \
        }                                                                                             \
    else {                                                                                            \
        VMASK k0_ = VMASKN(w < (VL_) ? w : (VL_)), k1_ = VMASKN(w > (VL_) ? w - (VL_) : 0);           \
        for (p = 0; p < kc; ++p, bp += 2 * (VL_)) {                                                   \
            VSTORE(bp, VLOADM(b + p * rs, k0_));                                                      \
            VSTORE(bp + (VL_), VLOADM(b + p * rs + (VL_), k1_));                                      \
        }                                                                                             \
    }

/* Rows i < m of a (row stride rsa, unit column stride) -= l[i ls] u[0:len]: the rank-one update of a
 * row-major LU leaf, whose rows are short (the panel's width): one pass, no call per row. */
#define FP__GER_BODY(VL_)                                                                             \
    int i, j;                                                                                         \
    for (i = 0; i < m; ++i) {                                                                         \
        FP__T li = l[i * ls], *ai = a + i * rsa;                                                      \
        V vl;                                                                                         \
        if (li == (FP__T)0) continue;                                                                 \
        vl = VSET1(-li);                                                                              \
        for (j = 0; j + (VL_) <= len; j += (VL_)) VSTORE(ai + j, VFMA(vl, VLOAD(u + j), VLOAD(ai + j))); \
        if (j < len) {                                                                                \
            VMASK k_ = VMASKN(len - j);                                                               \
            VSTOREM(ai + j, k_, VFMA(vl, VLOADM(u + j, k_), VLOADM(ai + j, k_)));                     \
        }                                                                                             \
    }
#define FP__GER_ARGS int m, int len, const FP__T *l, ptrdiff_t ls, const FP__T *u, FP__T *a, ptrdiff_t rsa

/* B <- T^-1 B for a triangular leaf (m <= FP__TRSM_LEAF rows) and a row-major B (m x n, row stride rsb,
 * unit column stride), left-looking (substitution by rows, forward or backward): row i of X is B's row i less the sum of
 * t_iq x_q over the rows q solved before it, times 1/t_ii. The columns go in chunks of at most 8 vectors
 * whose sums stay in registers while the solved rows stream from L1: per q one broadcast of t_iq and NV
 * loads feed NV independent FMA chains (8 hide the FMA latency; a right-looking leaf loads and stores
 * each row of its block once per q). A chunk's last vector is masked; the chunks are balanced
 * (100 float columns on AVX2: 7 and 6 vectors, not 8 and 5). */
#define FP__TRV(v, NV_, OP) if ((v) < (NV_)) { OP(v, (v) == (NV_) - 1) }
#define FP__TRV8(NV_, OP)                                                                             \
    FP__TRV(0, NV_, OP) FP__TRV(1, NV_, OP) FP__TRV(2, NV_, OP) FP__TRV(3, NV_, OP)                  \
    FP__TRV(4, NV_, OP) FP__TRV(5, NV_, OP) FP__TRV(6, NV_, OP) FP__TRV(7, NV_, OP)
#define FP__TR_LD(p, v, last, VL_) ((last) ? VLOADM((p) + (v) * (VL_), km_) : VLOAD((p) + (v) * (VL_)))
#define FP__TR_INIT(v, last) a_[v] = FP__TR_LD(bi, v, (last) && !full_, VLT_);
#define FP__TR_FMA(v, last) a_[v] = VFMA(l_, FP__TR_LD(bq, v, last, VLT_), a_[v]);
#define FP__TR_SCALE(v, last) a_[v] = VMUL(a_[v], d_);
#define FP__TR_PUT(v, last)                                                                           \
    if ((last) && !full_) VSTOREM(bi + (v) * VLT_, km_, a_[v]);                                       \
    else VSTORE(bi + (v) * VLT_, a_[v]);
#define FP__TRSM_CHUNK(NV_)                                                                           \
    {                                                                                                 \
        VMASK km_ = VMASKN(w - ((NV_) - 1) * VLT_);                                                   \
        int full_ = w == (NV_) * VLT_; /* a whole last vector: plain loads and stores at the ends */  \
        for (s = 0; s < m; ++s) {                                                                     \
            int i = lower ? s : m - 1 - s, q, qhi = lower ? i : m;                                    \
            FP__T *bi = b + i * rsb + j0;                                                             \
            const FP__T *ti = t + i * rst;                                                            \
            V a_[8];                                                                                  \
            FP__TRV8(NV_, FP__TR_INIT)                                                                \
            for (q = lower ? 0 : i + 1; q < qhi; ++q) {                                               \
                V l_ = VSET1(-ti[q * cst]);                                                           \
                const FP__T *bq = b + q * rsb + j0;                                                   \
                FP__TRV8(NV_, FP__TR_FMA)                                                             \
            }                                                                                         \
            if (!unit) {                                                                              \
                V d_ = VSET1((FP__T)1 / ti[i * cst]);                                                 \
                FP__TRV8(NV_, FP__TR_SCALE)                                                           \
            }                                                                                         \
            FP__TRV8(NV_, FP__TR_PUT)                                                                 \
        }                                                                                             \
    }
#define FP__TRSM_ROWS_BODY(VL_)                                                                       \
    enum { VLT_ = VL_ };                                                                              \
    int j0 = 0, s;                                                                                    \
    while (j0 < n) {                                                                                  \
        int tv = (n - j0 + VLT_ - 1) / VLT_, nc = (tv + 7) / 8, nv = (tv + nc - 1) / nc;              \
        int w = nv * VLT_ < n - j0 ? nv * VLT_ : n - j0;                                              \
        switch (nv) {                                                                                 \
        case 1: FP__TRSM_CHUNK(1) break;                                                              \
        case 2: FP__TRSM_CHUNK(2) break;                                                              \
        case 3: FP__TRSM_CHUNK(3) break;                                                              \
        case 4: FP__TRSM_CHUNK(4) break;                                                              \
        case 5: FP__TRSM_CHUNK(5) break;                                                              \
        case 6: FP__TRSM_CHUNK(6) break;                                                              \
        case 7: FP__TRSM_CHUNK(7) break;                                                              \
        default: FP__TRSM_CHUNK(8) break;                                                             \
        }                                                                                             \
        j0 += w;                                                                                      \
    }
#define FP__TRSM_ARGS int lower, int unit, int m, int n, const FP__T *t, ptrdiff_t rst, ptrdiff_t cst, FP__T *b, ptrdiff_t rsb

/* The largest |r_j| of a contiguous row, into *mx, and the sum of 0 |r_j|, into *nz (NaN if an r_j is not
 * finite): the factorizations' singularity threshold and finiteness check, which on the baseline ISA
 * were an eighth of a 200 x 200 float LU. Two vectors of each, a masked tail (zeros: no effect). */
#define FP__MAXABS_BODY(VL_)                                                                          \
    V m0 = VZERO(), m1 = VZERO(), z0 = VZERO(), z1 = VZERO(), zero = VZERO();                        \
    FP__T mt[VL_], zt[VL_];                                                                           \
    int j = 0, l;                                                                                     \
    for (; j + 2 * (VL_) <= n; j += 2 * (VL_)) {                                                      \
        V v0 = VABS(VLOAD(r + j)), v1 = VABS(VLOAD(r + j + (VL_)));                                   \
        m0 = VMAX(v0, m0); m1 = VMAX(v1, m1);                                                         \
        z0 = VFMA(v0, zero, z0); z1 = VFMA(v1, zero, z1);                                             \
    }                                                                                                 \
    for (; j < n; j += (VL_)) {                                                                       \
        VMASK k_ = VMASKN(n - j < (VL_) ? n - j : (VL_));                                             \
        V v0 = VABS(VLOADM(r + j, k_));                                                               \
        m0 = VMAX(v0, m0);                                                                            \
        z0 = VFMA(v0, zero, z0);                                                                      \
    }                                                                                                 \
    VSTORE(mt, VMAX(m0, m1));                                                                         \
    VSTORE(zt, VFMA(z1, VSET1((FP__T)1), z0));                                                        \
    for (l = 0; l < (VL_); ++l) {                                                                     \
        *mx = mt[l] > *mx ? mt[l] : *mx;                                                              \
        *nz += zt[l];                                                                                 \
    }
/* Rows [j, m) of column j of a column-major panel less the earlier columns' terms, sum_{q<j} u_q a_iq
 * with u_q = uj[q us] (U's column j for LU, L's row j for Cholesky), the sums in registers, the terms in
 * q's order; mx keeps max |result| (masked lanes load zeros: no effect on it). */
#define FP__COL_SUM(v) s##v = VFMA(u_, VLOAD(lq + (v) * VLU_), s##v);
#define FP__COL_SUMS(VL_)                                                                             \
    for (i = j; i + 4 * (VL_) <= m; i += 4 * (VL_)) { /* four chains hide the FMA latency */          \
        V s0 = VLOAD(cj + i), s1 = VLOAD(cj + i + (VL_)), s2 = VLOAD(cj + i + 2 * (VL_));             \
        V s3 = VLOAD(cj + i + 3 * (VL_));                                                             \
        for (q = 0; q < j; ++q) {                                                                     \
            V u_ = VSET1(-uj[q * us]);                                                                \
            const FP__T *lq = a + q * csa + i;                                                        \
            FP__COL_SUM(0) FP__COL_SUM(1) FP__COL_SUM(2) FP__COL_SUM(3)                               \
        }                                                                                             \
        VSTORE(cj + i, s0); VSTORE(cj + i + (VL_), s1);                                               \
        VSTORE(cj + i + 2 * (VL_), s2); VSTORE(cj + i + 3 * (VL_), s3);                               \
        mx = VMAX(VMAX(VABS(s0), VABS(s1)), mx);                                                      \
        mx = VMAX(VMAX(VABS(s2), VABS(s3)), mx);                                                      \
    }                                                                                                 \
    for (; i + (VL_) <= m; i += (VL_)) {                                                              \
        V s0 = VLOAD(cj + i);                                                                         \
        for (q = 0; q < j; ++q) s0 = VFMA(VSET1(-uj[q * us]), VLOAD(a + q * csa + i), s0);            \
        VSTORE(cj + i, s0);                                                                           \
        mx = VMAX(VABS(s0), mx);                                                                      \
    }                                                                                                 \
    if (i < m) {                                                                                      \
        VMASK k_ = VMASKN(m - i);                                                                     \
        V s0 = VLOADM(cj + i, k_);                                                                    \
        for (q = 0; q < j; ++q) s0 = VFMA(VSET1(-uj[q * us]), VLOADM(a + q * csa + i, k_), s0);       \
        VSTOREM(cj + i, k_, s0);                                                                      \
        mx = VMAX(VABS(s0), mx);                                                                      \
    }
/* P A = L U of a column-major panel (m x n, m >= n, unit row stride, column stride csa; piv relative to
 * it), left-looking: column j's rows below j take all the earlier columns' updates in one pass, their
 * sums in registers (one load an FMA; the right-looking loop loaded and stored the column once per
 * earlier pivot, an axpy call each), and the same pass keeps max |a_ij| for the pivot search. U's part
 * of column j, the rows above it, is the forward substitution with L's unit triangle, a vector of rows
 * at a time (the rows above it on the vectors, those inside it by scalars), each row's terms in the
 * loop's order. The pivot is the first row holding the largest |a_ij|, as in the scalar search. Returns the
 * column whose pivot is at or below thresh (singular), or n. */
#define FP__LU_COLS_BODY(VL_)                                                                         \
    enum { VLU_ = VL_ };                                                                              \
    int i, j, q, l;                                                                                   \
    for (j = 0; j < n; ++j) {                                                                         \
        FP__T *cj = a + j * csa, bv = 0, mt[VL_], inv;                                                \
        const FP__T *uj = cj;                                                                         \
        const ptrdiff_t us = 1;                                                                       \
        V mx = VZERO(), vb;                                                                           \
        for (i = 0; i < j; i += (VL_)) { /* U's rows a vector at a time: the rows above, then inside */ \
            int h_ = j - i < (VL_) ? j - i : (VL_), r_;                                               \
            VMASK k_ = VMASKN(h_);                                                                    \
            V s0 = h_ == (VL_) ? VLOAD(cj + i) : VLOADM(cj + i, k_);                                  \
            for (q = 0; q < i; ++q)                                                                   \
                s0 = VFMA(VSET1(-cj[q]), h_ == (VL_) ? VLOAD(a + q * csa + i) : VLOADM(a + q * csa + i, k_), s0); \
            if (h_ == (VL_)) VSTORE(cj + i, s0);                                                      \
            else VSTOREM(cj + i, k_, s0);                                                             \
            for (q = i; q < i + h_; ++q)                                                              \
                for (r_ = q + 1; r_ < i + h_; ++r_) cj[r_] -= cj[q] * a[r_ + q * csa];                \
        }                                                                                             \
        FP__COL_SUMS(VL_)                                                                             \
        VSTORE(mt, mx);                                                                               \
        for (l = 0; l < (VL_); ++l) bv = mt[l] > bv ? mt[l] : bv;                                     \
        if (bv == (FP__T)0 || bv <= thresh) { piv[j] = j; return j; }                                 \
        vb = VSET1(bv);                                                                               \
        for (i = j; i < m; i += (VL_)) { /* the first row that holds it */                            \
            VMASK k_ = VMASKN(m - i < (VL_) ? m - i : (VL_));                                         \
            unsigned e_ = VEQBITS(VABS(VLOADM(cj + i, k_)), vb);                                      \
            if (e_) { for (l = 0; !(e_ >> l & 1u); ++l) {} i += l; break; }                           \
        }                                                                                             \
        piv[j] = i;                                                                                   \
        if (i != j)                                                                                   \
            for (q = 0; q < n; ++q) { FP__T t_ = a[j + q * csa]; a[j + q * csa] = a[i + q * csa]; a[i + q * csa] = t_; } \
        inv = (FP__T)1 / cj[j];                                                                       \
        vb = VSET1(inv);                                                                              \
        for (i = j + 1; i + (VL_) <= m; i += (VL_)) VSTORE(cj + i, VMUL(VLOAD(cj + i), vb));         \
        if (i < m) { /* masked stores only at the end: on a Zen 3 each costs a dozen plain ones */    \
            VMASK k_ = VMASKN(m - i);                                                                 \
            VSTOREM(cj + i, k_, VMUL(VLOADM(cj + i, k_), vb));                                        \
        }                                                                                             \
    }                                                                                                 \
    return n;
#define FP__LU_COLS_ARGS int m, int n, FP__T *a, ptrdiff_t csa, int *piv, FP__T thresh

/* L L^T = A of an n x n diagonal block, column-major (unit row stride, column stride csa), left-looking
 * as FP__LU_COLS_BODY without the pivots: column j's rows from j take all the earlier columns' terms in
 * one pass (l_jq a_iq, L's row j read across the columns), then the square root of the diagonal and the
 * division. It replaced two dot products an element, along rows csa apart. Only the lower triangle is
 * written. */
#define FP__CHOL_COLS_BODY(VL_)                                                                       \
    enum { VLU_ = VL_ };                                                                              \
    int i, j, q, m = n;                                                                               \
    for (j = 0; j < n; ++j) {                                                                         \
        FP__T *cj = a + j * csa, d;                                                                   \
        const FP__T *uj = a + j;                                                                      \
        const ptrdiff_t us = csa;                                                                     \
        V mx = VZERO(), vd;                                                                           \
        FP__COL_SUMS(VL_)                                                                             \
        (void)mx;                                                                                     \
        d = cj[j];                                                                                    \
        if (!FP__ISFINITE(d)) return FP_ERR_NON_FINITE;                                               \
        if (!(d > (FP__T)0)) return FP_ERR_NOT_SPD;                                                   \
        d = FP__SQRT(d);                                                                              \
        cj[j] = d;                                                                                    \
        vd = VSET1(d);                                                                                \
        for (i = j + 1; i + (VL_) <= n; i += (VL_)) VSTORE(cj + i, VDIV(VLOAD(cj + i), vd));          \
        if (i < n) {                                                                                  \
            VMASK k_ = VMASKN(n - i);                                                                 \
            VSTOREM(cj + i, k_, VDIV(VLOADM(cj + i, k_), vd));                                        \
        }                                                                                             \
    }                                                                                                 \
    return FP_OK;
#define FP__CHOL_COLS_ARGS int n, FP__T *a, ptrdiff_t csa

/* A family's instances of the seven bodies above (TGT: its target attribute, VL_: its vector length). */
#define FP__LEVEL1_FAMILY(TGT, VL_, AXPY, PACK, GER, TRSM, MAXABS, LU, CHOL)                          \
    TGT static int LU(FP__LU_COLS_ARGS) { FP__LU_COLS_BODY(VL_) }                                     \
    TGT static fp_status CHOL(FP__CHOL_COLS_ARGS) { FP__CHOL_COLS_BODY(VL_) }                         \
    TGT static void MAXABS(int n, const FP__T *r, FP__T *mx, FP__T *nz) { FP__MAXABS_BODY(VL_) }      \
    TGT static void AXPY(int n, FP__T alpha, const FP__T *x, FP__T *y) { FP__AXPY_BODY(VL_) }         \
    TGT static void PACK(int kc, const FP__T *b, ptrdiff_t rs, int w, FP__T *bp) { FP__PACK_ROWS_BODY(VL_) } \
    TGT static void GER(FP__GER_ARGS) { FP__GER_BODY(VL_) }                                           \
    TGT static void TRSM(FP__TRSM_ARGS) { FP__TRSM_ROWS_BODY(VL_) }

#if defined(FP__HAVE_AVX2)
#define FP__A2MR 6
#define FP__A2MRS 4
#if FP__BITS == 32
#define V __m256
#define VZERO _mm256_setzero_ps
#define VSET1 _mm256_set1_ps
#define VFMA _mm256_fmadd_ps
#define VMUL _mm256_mul_ps
#define VDIV _mm256_div_ps
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VMASK __m256i
#define VMASKN(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define VLOADM(p, k) _mm256_maskload_ps(p, k)
#define VSTOREM(p, k, v) _mm256_maskstore_ps(p, k, v)
#define VMAX _mm256_max_ps
#define VABS(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x)
#define VEQBITS(a, b) ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ)))
#else
#define V __m256d
#define VZERO _mm256_setzero_pd
#define VSET1 _mm256_set1_pd
#define VFMA _mm256_fmadd_pd
#define VMUL _mm256_mul_pd
#define VDIV _mm256_div_pd
#define VLOAD _mm256_loadu_pd
#define VSTORE _mm256_storeu_pd
#define VMASK __m256i
#define VMASKN(n) _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3))
#define VLOADM(p, k) _mm256_maskload_pd(p, k)
#define VSTOREM(p, k, v) _mm256_maskstore_pd(p, k, v)
#define VMAX _mm256_max_pd
#define VABS(x) _mm256_andnot_pd(_mm256_set1_pd(-0.0), x)
#define VEQBITS(a, b) ((unsigned)_mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_EQ_OQ)))
#endif
FP__TARGET_AVX2 static void FP__I(ukr_avx2)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs,
                                            const FP__T *bp, ptrdiff_t brs, FP__T alpha, FP__T beta, FP__T *c,
                                            ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    FP__UKR_BODY(FP__A2MR, FP__A2VL);
}
FP__TARGET_AVX2 static void FP__I(ukr_avx2_s)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs,
                                              const FP__T *bp, ptrdiff_t brs, FP__T alpha, FP__T beta, FP__T *c,
                                              ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    FP__UKR_BODY(FP__A2MRS, FP__A2VL);
}
FP__LEVEL1_FAMILY(FP__TARGET_AVX2, FP__A2VL, FP__I(axpy_avx2), FP__I(pack_rows_avx2), FP__I(ger_rows_avx2), FP__I(trsm_rows_avx2), FP__I(maxabs_avx2), FP__I(lu_cols_avx2), FP__I(chol_cols_avx2))
#undef V
#undef VZERO
#undef VSET1
#undef VFMA
#undef VMUL
#undef VDIV
#undef VLOAD
#undef VSTORE
#undef VMASK
#undef VMASKN
#undef VLOADM
#undef VSTOREM
#undef VMAX
#undef VABS
#undef VEQBITS
#endif

#if defined(FP__HAVE_AVX512)
#define FP__A5MR 12
#define FP__A5MRS 8
#if FP__BITS == 32
#define V __m512
#define VZERO _mm512_setzero_ps
#define VSET1 _mm512_set1_ps
#define VFMA _mm512_fmadd_ps
#define VMUL _mm512_mul_ps
#define VDIV _mm512_div_ps
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VMASK __mmask16
#define VMASKN(n) ((__mmask16)((1u << (n)) - 1u))
#define VLOADM(p, k) _mm512_maskz_loadu_ps(k, p)
#define VSTOREM(p, k, v) _mm512_mask_storeu_ps(p, k, v)
#define VMAX(a, b) _mm512_mask_max_ps(a, (__mmask16)0xFFFF, a, b) /* the unmasked form reads an undefined vector: g++ warns */
#define VABS _mm512_abs_ps
#define VEQBITS(a, b) ((unsigned)_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ))
#else
#define V __m512d
#define VZERO _mm512_setzero_pd
#define VSET1 _mm512_set1_pd
#define VFMA _mm512_fmadd_pd
#define VMUL _mm512_mul_pd
#define VDIV _mm512_div_pd
#define VLOAD _mm512_loadu_pd
#define VSTORE _mm512_storeu_pd
#define VMASK __mmask8
#define VMASKN(n) ((__mmask8)((1u << (n)) - 1u))
#define VLOADM(p, k) _mm512_maskz_loadu_pd(k, p)
#define VSTOREM(p, k, v) _mm512_mask_storeu_pd(p, k, v)
#define VMAX(a, b) _mm512_mask_max_pd(a, (__mmask8)0xFF, a, b)
#define VABS _mm512_abs_pd
#define VEQBITS(a, b) ((unsigned)_mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ))
#endif
FP__TARGET_AVX512 static void FP__I(ukr_avx512)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs,
                                                const FP__T *bp, ptrdiff_t brs, FP__T alpha, FP__T beta, FP__T *c,
                                                ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    FP__UKR_BODY(FP__A5MR, FP__A5VL);
}
FP__TARGET_AVX512 static void FP__I(ukr_avx512_s)(int kc, const FP__T *ap, ptrdiff_t ars, ptrdiff_t acs,
                                                  const FP__T *bp, ptrdiff_t brs, FP__T alpha, FP__T beta, FP__T *c,
                                                  ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    FP__UKR_BODY(FP__A5MRS, FP__A5VL);
}
FP__LEVEL1_FAMILY(FP__TARGET_AVX512, FP__A5VL, FP__I(axpy_avx512), FP__I(pack_rows_avx512), FP__I(ger_rows_avx512), FP__I(trsm_rows_avx512), FP__I(maxabs_avx512), FP__I(lu_cols_avx512), FP__I(chol_cols_avx512))
#undef V
#undef VZERO
#undef VSET1
#undef VFMA
#undef VMUL
#undef VDIV
#undef VLOAD
#undef VSTORE
#undef VMASK
#undef VMASKN
#undef VLOADM
#undef VSTOREM
#undef VMAX
#undef VABS
#undef VEQBITS
#endif

/* y += alpha x past the checks, on the path's vectors when both strides are 1. */
static void FP__I(axpy)(int n, FP__T alpha, const FP__T *x, ptrdiff_t incx, FP__T *y, ptrdiff_t incy)
{
    int i;
    if (incx == 1 && incy == 1 && n >= 8) {
        fp_isa isa = fp_isa_current();
        (void)isa;
#if defined(FP__HAVE_AVX512)
        if (isa == FP_ISA_AVX512) { FP__I(axpy_avx512)(n, alpha, x, y); return; }
#endif
#if defined(FP__HAVE_AVX2)
        if (isa == FP_ISA_AVX2) { FP__I(axpy_avx2)(n, alpha, x, y); return; }
#endif
    }
    for (i = 0; i < n; ++i) y[i * incy] += alpha * x[i * incx];
}

#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
#if defined(FP__HAVE_AVX2)
#define FP__TARGET_TR FP__TARGET_AVX2
#else
#define FP__TARGET_TR FP__TARGET_AVX512
#endif
/* B = A^T, A m x n (row stride lda, unit column stride), B n x m (row stride ldb): square blocks of one
 * 256-bit vector per row transposed in registers (8 x 8 floats, 4 x 4 doubles; both vector paths have
 * these instructions), the ragged edges element by element. The trsm leaf's column-major blocks: element
 * by element, the copies took as long as the leaf's solve. */
FP__TARGET_TR static void FP__I(transpose_v)(int m, int n, const FP__T *a, ptrdiff_t lda, FP__T *b, ptrdiff_t ldb)
{
    enum { W = 32 / (int)sizeof(FP__T) };
    int i, j, mb = m / W * W, nb = n / W * W;
    for (i = 0; i < mb; i += W)
        for (j = 0; j < nb; j += W) {
            const FP__T *p = a + i * lda + j;
            FP__T *o = b + j * ldb + i;
#if FP__BITS == 32
            __m256 r0 = _mm256_loadu_ps(p), r1 = _mm256_loadu_ps(p + lda), r2 = _mm256_loadu_ps(p + 2 * lda),
                   r3 = _mm256_loadu_ps(p + 3 * lda), r4 = _mm256_loadu_ps(p + 4 * lda),
                   r5 = _mm256_loadu_ps(p + 5 * lda), r6 = _mm256_loadu_ps(p + 6 * lda),
                   r7 = _mm256_loadu_ps(p + 7 * lda);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
                   t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
                   t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            r0 = _mm256_shuffle_ps(t0, t2, 0x44); r1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            r2 = _mm256_shuffle_ps(t1, t3, 0x44); r3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            r4 = _mm256_shuffle_ps(t4, t6, 0x44); r5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            r6 = _mm256_shuffle_ps(t5, t7, 0x44); r7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            _mm256_storeu_ps(o, _mm256_permute2f128_ps(r0, r4, 0x20));
            _mm256_storeu_ps(o + ldb, _mm256_permute2f128_ps(r1, r5, 0x20));
            _mm256_storeu_ps(o + 2 * ldb, _mm256_permute2f128_ps(r2, r6, 0x20));
            _mm256_storeu_ps(o + 3 * ldb, _mm256_permute2f128_ps(r3, r7, 0x20));
            _mm256_storeu_ps(o + 4 * ldb, _mm256_permute2f128_ps(r0, r4, 0x31));
            _mm256_storeu_ps(o + 5 * ldb, _mm256_permute2f128_ps(r1, r5, 0x31));
            _mm256_storeu_ps(o + 6 * ldb, _mm256_permute2f128_ps(r2, r6, 0x31));
            _mm256_storeu_ps(o + 7 * ldb, _mm256_permute2f128_ps(r3, r7, 0x31));
#else
            __m256d r0 = _mm256_loadu_pd(p), r1 = _mm256_loadu_pd(p + lda), r2 = _mm256_loadu_pd(p + 2 * lda),
                    r3 = _mm256_loadu_pd(p + 3 * lda);
            __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1), t2 = _mm256_unpacklo_pd(r2, r3),
                    t3 = _mm256_unpackhi_pd(r2, r3);
            _mm256_storeu_pd(o, _mm256_permute2f128_pd(t0, t2, 0x20));
            _mm256_storeu_pd(o + ldb, _mm256_permute2f128_pd(t1, t3, 0x20));
            _mm256_storeu_pd(o + 2 * ldb, _mm256_permute2f128_pd(t0, t2, 0x31));
            _mm256_storeu_pd(o + 3 * ldb, _mm256_permute2f128_pd(t1, t3, 0x31));
#endif
        }
    for (i = 0; i < m; ++i)
        for (j = i < mb ? nb : 0; j < n; ++j) b[j * ldb + i] = a[i * lda + j];
}

/* FP__TRSM_ROWS_BODY on the path's vectors; 0 on the scalar path, whose caller keeps its own loops. */
static int FP__I(trsm_rows)(FP__TRSM_ARGS)
{
    fp_isa isa = fp_isa_current();
    (void)isa; (void)lower; (void)unit; (void)m; (void)n; (void)t; (void)rst; (void)cst; (void)b; (void)rsb;
#if defined(FP__HAVE_AVX512)
    if (isa == FP_ISA_AVX512) { FP__I(trsm_rows_avx512)(lower, unit, m, n, t, rst, cst, b, rsb); return 1; }
#endif
#if defined(FP__HAVE_AVX2)
    if (isa == FP_ISA_AVX2) { FP__I(trsm_rows_avx2)(lower, unit, m, n, t, rst, cst, b, rsb); return 1; }
#endif
    return 0;
}
#endif

/* FP__GER_BODY past the checks on the path's vectors; the plain loop on the scalar path. */
static void FP__I(ger_rows)(FP__GER_ARGS)
{
    int i, j;
    fp_isa isa = fp_isa_current();
    (void)isa;
#if defined(FP__HAVE_AVX512)
    if (isa == FP_ISA_AVX512) { FP__I(ger_rows_avx512)(m, len, l, ls, u, a, rsa); return; }
#endif
#if defined(FP__HAVE_AVX2)
    if (isa == FP_ISA_AVX2) { FP__I(ger_rows_avx2)(m, len, l, ls, u, a, rsa); return; }
#endif
    for (i = 0; i < m; ++i) {
        FP__T li = l[i * ls], *ai = a + i * rsa;
        if (li != (FP__T)0)
            for (j = 0; j < len; ++j) ai[j] -= li * u[j];
    }
}

/* The kernel and blocking for the current path. KC x NR of B stays in L1, MC x KC of A in L2. */
static FP__I(kernel) FP__I(kernel_pick)(void)
{
    FP__I(kernel) k;
    fp_isa isa = fp_isa_current();
    k.ukr = k.ukr_s = FP__I(ukr_scalar);
    k.mr = k.mr_s = FP__SMR;
    k.nr = k.vl = FP__SNR;
    (void)isa;
#if defined(FP__HAVE_AVX512)
    if (isa == FP_ISA_AVX512) {
        k.ukr = FP__I(ukr_avx512); k.ukr_s = FP__I(ukr_avx512_s);
        k.mr = FP__A5MR; k.mr_s = FP__A5MRS; k.nr = 2 * FP__A5VL; k.vl = FP__A5VL;
    }
#endif
#if defined(FP__HAVE_AVX2)
    if (isa == FP_ISA_AVX2) {
        k.ukr = FP__I(ukr_avx2); k.ukr_s = FP__I(ukr_avx2_s);
        k.mr = FP__A2MR; k.mr_s = FP__A2MRS; k.nr = 2 * FP__A2VL; k.vl = FP__A2VL;
    }
#endif
    k.kc = 256;
    k.mc = k.mr * (sizeof(FP__T) == 4 ? 24 : 12);
    k.nc = 4096;
    return k;
}

/* Workspace: one B block (KC x NC) and one A block (MC x KC) per thread, for the largest kernel. The
 * thread count it has room for is FP_MAX_THREADS, a constant: a workspace sized while OpenMP allows one
 * thread stays valid when the caller raises the count later, because no call runs more threads than
 * FP_MAX_THREADS (fp__gemm_threads). */
FP_DEF size_t FP__F(gemm_workspace_size)(void)
{
    size_t kc = 256, nc = 4096 + 64, mc = 12 * 24 + 32;
    return (kc * nc + (size_t)FP__MAX_THREADS * (mc * kc + 64)) * sizeof(FP__T) + 128;
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
    void (*rows)(int, const FP__T *, ptrdiff_t, int, FP__T *) = NULL; /* the path's panel copy, if nr is its */
    fp_isa isa = fp_isa_current();
    (void)isa;
#if defined(FP__HAVE_AVX512)
    if (isa == FP_ISA_AVX512 && nr == 2 * FP__A5VL) rows = FP__I(pack_rows_avx512);
#endif
#if defined(FP__HAVE_AVX2)
    if (isa == FP_ISA_AVX2 && nr == 2 * FP__A2VL) rows = FP__I(pack_rows_avx2);
#endif
    for (j0 = 0; j0 < nc; j0 += nr) {
        int w = nc - j0 < nr ? nc - j0 : nr;
        const FP__T *bj = b + j0 * cs;
        if (cs == 1 && rows) {
            rows(kc, bj, rs, w, bp);
            bp += (size_t)kc * (size_t)nr;
            continue;
        }
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

/* One micro-tile of a triangle-only product (tri 1: keep C's elements with column + off <= row; tri 2:
 * column + off >= row): a tile wholly on the other side is skipped, one the diagonal crosses goes
 * through a scratch tile and only its kept elements reach C (so the rest of C is never written). */
static void FP__I(tile_tri)(FP__I(ukr_fn) ukr, int tri, int off, int r0, int c0, int kc, const FP__T *ap,
                            ptrdiff_t ars, ptrdiff_t acs, const FP__T *bp, ptrdiff_t brs, FP__T alpha, FP__T beta,
                            FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, int mr, int nr)
{
    FP__T ab[12 * 32]; /* the largest tile: 12 rows of 32 floats (AVX-512) */
    int lo = c0 + off - (r0 + mr - 1), hi = c0 + off + nr - 1 - r0, i, j; /* column - row over the tile */
    if (tri == 0 || (tri == 1 && hi <= 0) || (tri == 2 && lo >= 0)) {
        ukr(kc, ap, ars, acs, bp, brs, alpha, beta, c, rsc, csc, mr, nr);
        return;
    }
    if ((tri == 1 && lo > 0) || (tri == 2 && hi < 0)) return;
    ukr(kc, ap, ars, acs, bp, brs, 1, 0, ab, 32, 1, mr, nr);
    for (i = 0; i < mr; ++i)
        for (j = 0; j < nr; ++j) {
            int d = c0 + off + j - (r0 + i);
            FP__T *cij = c + i * rsc + j * csc;
            if (tri == 1 ? d > 0 : d < 0) continue;
            *cij = beta == (FP__T)0 ? alpha * ab[i * 32 + j] : alpha * ab[i * 32 + j] + beta * *cij;
        }
}

/* Small products (k <= FP__SMALL_K, m and n <= FP__SMALL_MN; the sizes of many neuroscience models and
 * of the factorizations' leaves): no blocking and no copies of full panels. A's full panels of rows and a
 * row-major B's panels of NR (or one vector of) columns are read in place; only a ragged last panel is copied,
 * zero-padded, to the stack. The kernel height is the one that pads m least (32 or 64 rows: 8-row panels
 * on AVX-512, where 12-row ones would compute a padded third). Each element is the same k-long sum as in
 * gemm_blocked (one KC block there, k being <= KC), so a column's bits do not depend on the path. */
#define FP__SMALL_K 128
#define FP__SMALL_MN 128
static void FP__I(gemm_small)(const FP__I(kernel) *K, int m, int n, int k, FP__T alpha, const FP__T *a,
                              ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                              FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, int tri)
{
    /* the widest kernel panel is 128 bytes (NR values), the tallest 12 rows */
    FP__T bbuf[FP__SMALL_K * (128 / sizeof(FP__T))], abuf[12 * FP__SMALL_K];
    int big = (m + K->mr - 1) / K->mr * K->mr <= (m + K->mr_s - 1) / K->mr_s * K->mr_s;
    FP__I(ukr_fn) ukr = big ? K->ukr : K->ukr_s;
    int mr = big ? K->mr : K->mr_s, nr = K->nr, full = m / mr * mr, jr, ir;
    /* B's rows far apart (a column-major solve's T^T at n = 1000: 125 rows 4 KB apart) and read by more
     * than one row panel of A: the panel is copied. In place it spans more pages than the first-level
     * TLB holds, and each row panel reads it again: a 100 x 125 x 125 product ran at 52 GFLOP/s in place
     * there, 83 copied (86 with compact rows, which stay in place). */
    int far = (size_t)k * (size_t)rsb * sizeof(FP__T) > ((size_t)128 << 10) && m > mr;
    if (full < m) FP__I(pack_a)(m - full, k, a + full * rsa, rsa, csa, mr, abuf);
    for (jr = 0; jr < n; jr += nr) {
        int w = n - jr < nr ? n - jr : nr;
        const FP__T *bp = b + jr * csb;
        ptrdiff_t brs = rsb;
        if ((w != nr && w != K->vl) || csb != 1 || far) { /* a strided panel, or a ragged one the kernel would overread: copied */
            FP__I(pack_b)(k, w, bp, rsb, csb, nr, bbuf);
            bp = bbuf;
            brs = nr;
        }
        for (ir = 0; ir < m; ir += mr)
            if (!tri)
                ukr(k, ir < full ? a + ir * rsa : abuf, ir < full ? rsa : 1, ir < full ? csa : mr, bp, brs, alpha, beta,
                    c + ir * rsc + jr * csc, rsc, csc, m - ir < mr ? m - ir : mr, w);
            else
                FP__I(tile_tri)(ukr, tri, 0, ir, jr, k, ir < full ? a + ir * rsa : abuf, ir < full ? rsa : 1, ir < full ? csa : mr,
                                bp, brs, alpha, beta, c + ir * rsc + jr * csc, rsc, csc, m - ir < mr ? m - ir : mr, w);
    }
}

/* One B block (packed, kc x nc, at column jc and depth pc of the product) against row block ib of A:
 * gemm_blocked's loop body, run by one thread or by many (apack: the thread's room for a ragged panel) */
typedef struct FP__I(gemm_blk) {
    FP__I(kernel) K;
    int m, bmc, nc, kc, jc, pc, tri, off;
    const FP__T *a, *bpack;
    ptrdiff_t rsa, csa, rsc, csc;
    FP__T alpha, bet, *c;
} FP__I(gemm_blk);
static void FP__I(gemm_rows)(const FP__I(gemm_blk) *blk, int ib, FP__T *apack)
{
    const FP__I(gemm_blk) g = *blk; /* a local copy: the kernels' calls through a pointer cannot change it */
    const FP__I(kernel) K = g.K;
    const FP__T *a = g.a, *bpack = g.bpack;
    const ptrdiff_t rsa = g.rsa, csa = g.csa, rsc = g.rsc, csc = g.csc;
    const int kc = g.kc, nc = g.nc, ic = ib * g.bmc, mc = g.m - ic < g.bmc ? g.m - ic : g.bmc;
    int jr, ir, inplace, full;
    /* Packing A pays when its panels are reused across many NR-columns of B; for a narrow
     * B (N x N times N x B with B up to 8 panels, the solvers' and their column slices' shape)
     * full row panels are read in place: an MR x KC panel stays in L1 across the 8 panels
     * (measured at 300 x 300 times 300 x 128 and x 256: faster in place than packed). */
    inplace = nc <= 8 * K.nr && csa < rsa;
    full = inplace ? mc / K.mr * K.mr : 0;
    if (full < mc) FP__I(pack_a)(mc - full, kc, a + (ic + full) * rsa + g.pc * csa, rsa, csa, K.mr, apack);
    for (jr = 0; jr < nc; jr += K.nr)
        for (ir = 0; ir < mc; ir += K.mr) {
            const FP__T *ap = ir < full ? a + (ic + ir) * rsa + g.pc * csa : apack + (size_t)(ir - full) * (size_t)kc;
            FP__T *cp = g.c + (ic + ir) * rsc + (g.jc + jr) * csc;
            const int h = mc - ir < K.mr ? mc - ir : K.mr, w = nc - jr < K.nr ? nc - jr : K.nr;
            if (!g.tri)
                K.ukr(kc, ap, ir < full ? rsa : 1, ir < full ? csa : K.mr, bpack + (size_t)jr * (size_t)kc, K.nr, g.alpha, g.bet,
                      cp, rsc, csc, h, w);
            else
                FP__I(tile_tri)(K.ukr, g.tri, g.off, ic + ir, g.jc + jr, kc, ap, ir < full ? rsa : 1, ir < full ? csa : K.mr,
                                bpack + (size_t)jr * (size_t)kc, K.nr, g.alpha, g.bet, cp, rsc, csc, h, w);
        }
}

/* The blocked GEMM on effective strides (transposes already folded in); tri, off: the triangle of C
 * written (FP__I(tile_tri); 0: all of it). */
static void FP__I(gemm_blocked)(int m, int n, int k, FP__T alpha, const FP__T *a, ptrdiff_t rsa,
                                ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb, FP__T beta,
                                FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, void *work, int tri, int off)
{
    FP__I(kernel) K = FP__I(kernel_pick)();
    FP__I(gemm_blk) g;
    FP__T *bpack, *apack0;
    size_t astride;
    int jc, pc, bmc = K.mc, nth = 1, one_block;
    /* k up to 1.25 KC (the solvers' N = 300) in one block when A is read in place (below): a second block
     * of 44 would load and store every tile of C once more for a sixth of the work (1.5 % of the paper's
     * Euler solve). In place needs a narrow B, so a wider one goes in chunks of 8 NR columns (a column's
     * sums, hence its bits, do not depend on the width). The B panel, k x NR, fills a little more of L1.
     * Room: the B block takes k x (n + 64) with n <= 8 NR, and a thread packs at most a ragged MR x k
     * panel of A; a workspace sized for KC (FP__F(gemm_workspace_size), a slice's) holds both. */
    one_block = csa < rsa && k > K.kc && k <= K.kc + K.kc / 4;
    if (one_block) {
        int j, w = 8 * K.nr;
        if (n > w) {
            for (j = 0; j < n; j += w)
                FP__I(gemm_blocked)(m, n - j < w ? n - j : w, k, alpha, a, rsa, csa, b + j * csb, rsb, csb, beta,
                                    c + j * csc, rsc, csc, work, tri, off + j);
            return;
        }
        K.kc = k;
    }
    /* the B block holds at most n columns: a workspace for a narrow product (a column slice's) is small */
    bpack = (FP__T *)fp__align64(work);
    apack0 = (FP__T *)fp__align64(bpack + (size_t)K.kc * (size_t)((n < K.nc ? n : K.nc) + 64));
    astride = (size_t)(one_block ? K.mr : K.mc) * (size_t)K.kc + 64;
#ifdef _OPENMP
    /* row blocks of equal size, one per thread, when the product is worth a fork: m = 300 in blocks of
     * K.mc would leave the second thread 12 rows */
    nth = fp__gemm_threads();
    if (nth > 1 && (double)m * n * (k < K.kc ? k : K.kc) > 4e6) {
        int per = (m + nth - 1) / nth;
        per = (per + K.mr - 1) / K.mr * K.mr;
        if (per < bmc) bmc = per;
    } else nth = 1;
#else
    (void)nth;
#endif
    g.K = K; g.m = m; g.bmc = bmc; g.tri = tri; g.off = off; g.a = a; g.bpack = bpack;
    g.rsa = rsa; g.csa = csa; g.rsc = rsc; g.csc = csc; g.alpha = alpha; g.c = c;
    for (jc = 0; jc < n; jc += K.nc) {
        int nc = n - jc < K.nc ? n - jc : K.nc;
        for (pc = 0; pc < k; pc += K.kc) {
            int kc = k - pc < K.kc ? k - pc : K.kc;
            FP__T bet = pc == 0 ? beta : (FP__T)1;
            int nblk = (m + bmc - 1) / bmc, ib;
            FP__I(pack_b)(kc, nc, b + pc * rsb + jc * csb, rsb, csb, K.nr, bpack);
            g.nc = nc; g.kc = kc; g.jc = jc; g.pc = pc; g.bet = bet;
#ifdef _OPENMP
            /* the fork only when threads share the block: a parallel construct entered with a false `if`
             * still calls into the runtime, once per product (a 500-step Euler solve in 16 slices makes
             * 8000 of them) */
            if (nblk > 1 && nth > 1) {
#pragma omp parallel for schedule(static) num_threads(nth)
                for (ib = 0; ib < nblk; ++ib)
                    FP__I(gemm_rows)(&g, ib, (FP__T *)fp__align64(apack0 + astride * (size_t)omp_get_thread_num()));
                continue;
            }
#else
            (void)astride;
#endif
            for (ib = 0; ib < nblk; ++ib) FP__I(gemm_rows)(&g, ib, apack0);
        }
    }
}

static fp_status FP__I(gemm_run)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                                 ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                                 FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, void *work);
FP_DEF fp_status FP__F(gemm_ws)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha,
                                const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b,
                                ptrdiff_t rsb, ptrdiff_t csb, FP__T beta, FP__T *c, ptrdiff_t rsc,
                                ptrdiff_t csc, void *work)
{
    const char *bad = fp__gemm_bad(ta, tb, m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(gemm_run)(ta, tb, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, work);
}

/* GEMM past its checks: the factorizations' own calls start here, their blocks being disjoint by
 * construction (even where the element-exact overlap test could only say "maybe", e.g. two blocks of
 * one matrix stored with no unit stride). */
static fp_status FP__I(gemm_cols)(int any_n, fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                                  ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                                  FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, void *work);
static fp_status FP__I(gemm_run)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                                 ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                                 FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, void *work)
{
    return FP__I(gemm_cols)(0, ta, tb, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, work);
}

/* any_n: the micro-kernels even for one column, so that a column of C gets the same sums whatever the
 * width of the product (the solver engine's maps, whose active columns shrink to one) */
static fp_status FP__I(gemm_cols)(int any_n, fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                                  ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                                  FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc, void *work)
{
    void *own = NULL;
    if (m == 0 || n == 0) return FP_OK;
    if (k == 0 || alpha == (FP__T)0) {
        FP__I(scale_c)(m, n, beta, c, rsc, csc);
        return FP_OK;
    }
    if (ta == FP_TRANS) { ptrdiff_t t = rsa; rsa = csa; csa = t; }
    if (tb == FP_TRANS) { ptrdiff_t t = rsb; rsb = csb; csb = t; }
    if (n == 1 && !any_n) { /* a matrix-vector product: packing would cost more than the product */
        FP__F(gemv)(FP_NOTRANS, m, k, alpha, a, rsa, csa, b, rsb, beta, c, rsc);
        return FP_OK;
    }
#ifdef FIXPOINT_USE_BLIS
    {
        FP__T al = alpha, be = beta;
        (void)work; (void)own; (void)FP__I(gemm_blocked); (void)FP__I(gemm_small);
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
    if (k <= FP__SMALL_K && m <= FP__SMALL_MN && n <= FP__SMALL_MN) { /* no workspace needed */
        FP__I(kernel) K = FP__I(kernel_pick)();
        FP__I(gemm_small)(&K, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, 0);
        return FP_OK;
    }
    if (!work) {
        own = fp__malloc(FP__F(gemm_workspace_size)());
        if (!own) return FP_ERR_NO_MEMORY;
        work = own;
    }
    FP__I(gemm_blocked)(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, work, 0, 0);
    if (own) fp__free(own);
    return FP_OK;
#endif
}

FP_DEF void FP__F(gemm)(fp_trans ta, fp_trans tb, int m, int n, int k, FP__T alpha, const FP__T *a,
                        ptrdiff_t rsa, ptrdiff_t csa, const FP__T *b, ptrdiff_t rsb, ptrdiff_t csb,
                        FP__T beta, FP__T *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    const char *bad = fp__gemm_bad(ta, tb, m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, sizeof(FP__T));
    fp_status s;
    FP__REQUIRE_VOID(!bad, bad); /* checked here, so the message names fp_gemm, and only here:
                                    a second check was 5 % of a 32^3 product's time */
    s = FP__I(gemm_run)(ta, tb, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, NULL);
    FP_ASSERT(s == FP_OK);         /* only an allocation failure of the packing buffers can land here:
                                      fp_gemm_ws and fp_mat_mul return it as a status */
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

FP__VECTORIZE FP_DEF FP__T FP__F(vec_dot)(int n, const FP__T *x, ptrdiff_t incx, const FP__T *y, ptrdiff_t incy)
{
    FP__T r = 0;
    int i;
    FP__REQUIRE(n >= 0 && (n == 0 || (x && y)), "n must be >= 0, and x and y non-NULL when n > 0", (FP__T)NAN);
#if defined(FP__HAVE_AVX2)
    if (incx == 1 && incy == 1 && fp_isa_current() >= FP_ISA_AVX2) return FP__I(dot_avx2)(n, x, y);
#endif
    for (i = 0; i < n; ++i) r += x[i * incx] * y[i * incy];
    return r;
}

FP__VECTORIZE FP_DEF void FP__F(vec_axpy)(int n, FP__T alpha, const FP__T *x, ptrdiff_t incx, FP__T *y, ptrdiff_t incy)
{
    int i;
    FP__REQUIRE_VOID(n >= 0 && (n == 0 || (x && y)), "n must be >= 0, and x and y non-NULL when n > 0");
    if (incx == 1 && incy == 1)
        for (i = 0; i < n; ++i) y[i] += alpha * x[i];
    else
        for (i = 0; i < n; ++i) y[i * incy] += alpha * x[i * incx];
}

FP__VECTORIZE FP_DEF void FP__F(vec_scale)(int n, FP__T alpha, FP__T *x, ptrdiff_t incx)
{
    int i;
    FP__REQUIRE_VOID(n >= 0 && (n == 0 || x), "n must be >= 0, and x non-NULL when n > 0");
    for (i = 0; i < n; ++i) x[i * incx] = alpha == (FP__T)0 ? (FP__T)0 : alpha * x[i * incx];
}

FP_DEF FP__T FP__F(vec_norm2)(int n, const FP__T *x, ptrdiff_t incx)
{
    /* Scaled sum of squares (LAPACK's nrm2 idea): no overflow for huge entries. */
    FP__T scale = 0, ssq = 1;
    int i;
    FP__REQUIRE(n >= 0 && (n == 0 || x), "n must be >= 0, and x non-NULL when n > 0", (FP__T)NAN);
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
    FP__REQUIRE(n >= 0 && (n == 0 || x), "n must be >= 0, and x non-NULL when n > 0", (FP__T)NAN);
    for (i = 0; i < n; ++i) s += x[i * incx];
    return s;
}

FP_DEF FP__T FP__F(vec_max_abs)(int n, const FP__T *x, ptrdiff_t incx)
{
    FP__T s = 0;
    int i;
    FP__REQUIRE(n >= 0 && (n == 0 || x), "n must be >= 0, and x non-NULL when n > 0", (FP__T)NAN);
    for (i = 0; i < n; ++i) {
        FP__T v = FP__FABS(x[i * incx]);
        if (v != v) return v; /* NaN wins, so a finite max proves finiteness */
        if (v > s) s = v;
    }
    return s;
}

/* ---- level 2 ---- */
FP_DEF void FP__F(gemv)(fp_trans ta, int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa,
                        ptrdiff_t csa, const FP__T *x, ptrdiff_t incx, FP__T beta, FP__T *y, ptrdiff_t incy)
{
    int ylen = ta == FP_NOTRANS ? m : n, xlen = ta == FP_NOTRANS ? n : m, i;
    const char *bad = fp__gemv_bad(ta, m, n, alpha == (FP__T)0, a, rsa, csa, x, incx, y, incy, sizeof(FP__T));
    FP__REQUIRE_VOID(!bad, bad);
    if (ylen == 0) return;
    if (xlen == 0 || alpha == (FP__T)0) { FP__F(vec_scale)(ylen, beta, y, incy); return; }
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
static void FP__I(mat_copy)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                            ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsb, csb));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) b[i * rsb + j * csb] = a[i * rsa + j * csa];
}

static void FP__I(mat_fill)(int m, int n, FP__T v, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsa, csa));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) a[i * rsa + j * csa] = v;
}

static void FP__I(mat_scale)(int m, int n, FP__T alpha, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    FP_ASSERT(m >= 0 && n >= 0 && fp__layout_ok(m, n, rsa, csa));
    FP__I(scale_c)(m, n, alpha, a, rsa, csa);
}

static void FP__I(mat_axpby)(int m, int n, FP__T alpha, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa,
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

static void FP__I(mat_map)(int m, int n, FP__T (*f)(FP__T, void *), void *ctx, const FP__T *a,
                           ptrdiff_t rsa, ptrdiff_t csa, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb)
{
    int i, j;
    FP_ASSERT(f && m >= 0 && n >= 0 && fp__layout_ok(m, n, rsb, csb));
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) b[i * rsb + j * csb] = f(a[i * rsa + j * csa], ctx);
}

static FP__T FP__I(mat_norm_fro)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    /* Accumulate in double: a Frobenius norm of a float matrix is a reporting quantity. */
    double s = 0;
    int i, j;
    FP_ASSERT(m >= 0 && n >= 0);
    for (i = 0; i < m; ++i)
        for (j = 0; j < n; ++j) { double v = (double)a[i * rsa + j * csa]; s += v * v; }
    return (FP__T)sqrt(s);
}

/* Every check runs along the contiguous direction in 8 independent lanes, named variables the compiler
 * keeps in registers (one running sum is a chain of dependent adds, 4 cycles an entry, 7 % of an LU; an
 * array of 8 went through memory). NaN*0 = NaN, Inf*0 = NaN. */
#define FP__LANES8(OP) OP(0) OP(1) OP(2) OP(3) OP(4) OP(5) OP(6) OP(7)
FP__VECTORIZE static int FP__I(mat_all_finite)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    int i, j;
    FP__T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    if (rsa < csa) { int t = m; ptrdiff_t u = rsa; m = n; n = t; rsa = csa; csa = u; } /* rows contiguous now */
    for (i = 0; i < m; ++i) {
        const FP__T *r = a + i * rsa;
        j = 0;
#define FP__FIN_LANE(l) s##l += r[j + l] * (FP__T)0;
        if (csa == 1)
            for (; j + 8 <= n; j += 8) { FP__LANES8(FP__FIN_LANE) }
        for (; j < n; ++j) s0 += r[j * csa] * (FP__T)0;
    }
    return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 == (FP__T)0;
}

/* FP__MAXABS_BODY on the path's vectors; NULL on the scalar path. */
typedef void (*FP__I(maxabs_fn))(int n, const FP__T *r, FP__T *mx, FP__T *nz);
/* A picker's body: the family's instance for the path in force, NULL on the scalar path. */
#define FP__PICK(A512, A2)                                                                            \
    fp_isa isa = fp_isa_current();                                                                    \
    (void)isa;                                                                                        \
    FP__ON_AVX512(if (isa == FP_ISA_AVX512) return A512;)                                             \
    FP__ON_AVX2(if (isa == FP_ISA_AVX2) return A2;)                                                   \
    return NULL;
static FP__I(maxabs_fn) FP__I(maxabs_pick)(void) { FP__PICK(FP__I(maxabs_avx512), FP__I(maxabs_avx2)) }

/* FP__LU_COLS_BODY on the path's vectors; NULL on the scalar path. */
typedef int (*FP__I(lu_cols_fn))(FP__LU_COLS_ARGS);
static FP__I(lu_cols_fn) FP__I(lu_cols_pick)(void) { FP__PICK(FP__I(lu_cols_avx512), FP__I(lu_cols_avx2)) }

/* FP__CHOL_COLS_BODY on the path's vectors; NULL on the scalar path. */
typedef fp_status (*FP__I(chol_cols_fn))(FP__CHOL_COLS_ARGS);
static FP__I(chol_cols_fn) FP__I(chol_cols_pick)(void) { FP__PICK(FP__I(chol_cols_avx512), FP__I(chol_cols_avx2)) }

/* max |a_ij| in 8 lanes, and the finiteness sum in the same pass; NaN for a non-finite entry (the
 * lanes' compare skips a NaN, the sum does not). */
FP__VECTORIZE static FP__T FP__I(mat_max_abs)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    int i, j;
    FP__T x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, x6 = 0, x7 = 0;
    FP__T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    if (rsa < csa) { int t = m; ptrdiff_t u = rsa; m = n; n = t; rsa = csa; csa = u; }
    if (csa == 1) { /* contiguous rows: the path's vectors */
        FP__I(maxabs_fn) row = FP__I(maxabs_pick)();
        if (row) {
            for (i = 0; i < m; ++i) row(n, a + i * rsa, &x0, &s0);
            return s0 != (FP__T)0 ? (FP__T)NAN : x0;
        }
    }
    for (i = 0; i < m; ++i) {
        const FP__T *r = a + i * rsa;
        j = 0;
#define FP__MAX_LANE(l) { FP__T v = FP__FABS(r[j + l]); x##l = v > x##l ? v : x##l; s##l += v * (FP__T)0; }
        if (csa == 1)
            for (; j + 8 <= n; j += 8) { FP__LANES8(FP__MAX_LANE) }
        for (; j < n; ++j) { FP__T v = FP__FABS(r[j * csa]); x0 = v > x0 ? v : x0; s0 += v * (FP__T)0; }
    }
    if (s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 != (FP__T)0) return (FP__T)NAN;
    x0 = x1 > x0 ? x1 : x0; x2 = x3 > x2 ? x3 : x2; x4 = x5 > x4 ? x5 : x4; x6 = x7 > x6 ? x7 : x6;
    x0 = x2 > x0 ? x2 : x0; x4 = x6 > x4 ? x6 : x4;
    return x4 > x0 ? x4 : x0;
}

/* ---- dense factorizations: recursive, so that nearly all of their flops are GEMM ----
 * LU and Cholesky split the columns in halves (Toledo's recursion, as LAPACK's getrf2/potrf2): factor
 * the left half, solve for the top right block with a triangular solve, update the bottom right block with
 * one GEMM, and recurse on it. Triangular solves with many right-hand sides split the same way. Below
 * FP__LEAF columns (or without a GEMM workspace) the unblocked loops run. */

/* Rows k1..k2-1 of a (ncols columns) swapped with rows piv[k] (indices relative to a): in increasing
 * order of k (dir 1, P applied), or decreasing (dir -1, P^T). */
/* The row interchanges on contiguous columns as one permutation: the swaps in their order compose it
 * (perm[i]: the row whose value ends in row i), and each column is gathered through it into a copy and
 * written back, loads that do not wait on each other's stores. Swapped in place, element by element, they
 * took a seventh of a float solve with 100 right-hand sides at n = 200, a dependent chain through memory
 * (both in LAPACK's order, 16 columns at a time, and column by column). 0: the rows the swaps touch span
 * more than FP__SWAP_SPAN, or more than twice the swaps (a factorization's narrow panel). */
#define FP__SWAP_SPAN 1024
static int FP__I(laswp_gather)(int ncols, FP__T *a, ptrdiff_t csa, int k1, int k2, const int *piv, int dir)
{
    int perm[FP__SWAP_SPAN], lo = k1, hi = k2 - 1, i, j, k, s, n = k2 - k1;
    FP__T col[FP__SWAP_SPAN];
    for (k = k1; k < k2; ++k) {
        if (piv[k] < lo) lo = piv[k];
        if (piv[k] > hi) hi = piv[k];
    }
    if (hi - lo >= FP__SWAP_SPAN || hi - lo >= 2 * n) return 0;
    for (i = lo; i <= hi; ++i) perm[i - lo] = i;
    for (s = 0, k = dir > 0 ? k1 : k2 - 1; s < n; ++s, k += dir) {
        int t = perm[k - lo];
        perm[k - lo] = perm[piv[k] - lo];
        perm[piv[k] - lo] = t;
    }
    for (j = 0; j < ncols; ++j) {
        FP__T *c = a + j * csa;
        for (i = lo; i <= hi; ++i) col[i - lo] = c[perm[i - lo]];
        memcpy(c + lo, col, (size_t)(hi - lo + 1) * sizeof(FP__T));
    }
    return 1;
}

static void FP__I(laswp)(int ncols, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int k1, int k2, const int *piv, int dir)
{
    int k, j, first = dir > 0 ? k1 : k2 - 1, n = k2 - k1, s;
    if (csa <= rsa) /* rows contiguous: one row pair at a time */
        for (s = 0, k = first; s < n; ++s, k += dir) {
            FP__T *x = a + k * rsa, *y = a + piv[k] * rsa;
            if (piv[k] != k)
                for (j = 0; j < ncols; ++j) { FP__T t = x[j * csa]; x[j * csa] = y[j * csa]; y[j * csa] = t; }
        }
    else if (rsa == 1 && FP__I(laswp_gather)(ncols, a, csa, k1, k2, piv, dir)) return;
    else { /* strided columns, or swaps the gather declines (a factorization's narrow panel): all the swaps
            * on 16 columns at a time (LAPACK's laswp order), so each pivot is read once for 16 swaps */
        int j0;
        for (j0 = 0; j0 < ncols; j0 += 16) {
            int w = ncols - j0 < 16 ? ncols - j0 : 16;
            FP__T *c = a + j0 * csa;
            for (s = 0, k = first; s < n; ++s, k += dir)
                if (piv[k] != k) {
                    FP__T *x = c + k * rsa, *y = c + piv[k] * rsa;
                    for (j = 0; j < w; ++j) { FP__T t = x[j * csa]; x[j * csa] = y[j * csa]; y[j * csa] = t; }
                }
        }
    }
}

/* B (m x n) <- T^-1 B for T m x m triangular: lower (forward substitution) or upper (backward), with a
 * unit diagonal or not. A transposed factor is the same call on the swapped strides. */
/* The vector paths' leaf (m <= FP__TRSM_LEAF, n > 1): a row-major B in place; a column-major one in chunks
 * of 8 vectors of columns, transposed into a stack block (32 KB) and back. 0: not this path or layout. */
static int FP__I(trsm_leaf)(int lower, int unit, int m, int n, const FP__T *t, ptrdiff_t rst, ptrdiff_t cst,
                            FP__T *b, ptrdiff_t rsb, ptrdiff_t csb)
{
#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
    FP__T xb[FP__TRSM_LEAF * (512 + 16) / sizeof(FP__T)];
    int cw = fp_isa_current() == FP_ISA_AVX512 ? 512 / (int)sizeof(FP__T) : 256 / (int)sizeof(FP__T), j0;
    /* the block's rows 16 bytes longer than its columns: at 256 or 512 bytes a row, the solved rows'
     * loads met the row just stored at the same offsets modulo 4 KB */
    int ld = cw + 16 / (int)sizeof(FP__T);
    if (csb == 1) return FP__I(trsm_rows)(lower, unit, m, n, t, rst, cst, b, rsb);
    if (rsb != 1 || fp_isa_current() == FP_ISA_SCALAR) return 0;
    for (j0 = 0; j0 < n; j0 += cw) {
        int w = n - j0 < cw ? n - j0 : cw;
        FP__I(transpose_v)(w, m, b + j0 * csb, csb, xb, ld);
        FP__I(trsm_rows)(lower, unit, m, w, t, rst, cst, xb, ld);
        FP__I(transpose_v)(m, w, xb, ld, b + j0 * csb, csb);
    }
    return 1;
#else
    (void)lower; (void)unit; (void)m; (void)n; (void)t; (void)rst; (void)cst; (void)b; (void)rsb; (void)csb;
    return 0;
#endif
}

/* The vector paths' solve of a whole triangle against a column-major B (m <= FP__TRSM_FUSED), left-looking
 * in blocks of NR rows: B_i <- T_ii^-1 (B_i - T_i,<i X_<i) in the order of the substitution (from the top
 * for a lower T, from the bottom for an upper one), over the rows solved before the block. The product is
 * computed transposed, X_i^T -= X_<i^T T_i,<i^T, on the GEMM's micro-kernel: the solved columns of X are
 * read in place as its rows of A, and the block's part of T, read down T's columns in NR-row pieces, is
 * packed once (tp, m x NR) as its panel of B for all of X's columns; the block is then the leaf's
 * (FP__I(trsm_leaf)). Each element gets the same sums whatever columns go with it, so a column's bits do
 * not depend on the slice it is solved in. n >= MR: the last MR columns, which overlap the ones before
 * them when n is not a multiple of MR, are computed into a tile, and only those not yet updated reach B. */
#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
static void FP__I(trsm_cols)(const FP__I(kernel) *K, int lower, int unit, int m, int n, const FP__T *t, ptrdiff_t rst,
                             ptrdiff_t cst, FP__T *b, ptrdiff_t csb, FP__T *tp)
{
    int mr = K->mr, nr = K->nr, np = (m + nr - 1) / nr, full = n / mr * mr, p, j0, c;
    FP__T ab[12 * 32]; /* the largest tile: 12 rows of 32 floats (AVX-512) */
    for (p = 0; p < np; ++p) {
        /* block rows [i0, i0 + h); the rows solved before them: [k0, k0 + k) */
        int i0 = lower ? p * nr : (m - (p + 1) * nr > 0 ? m - (p + 1) * nr : 0);
        int h = lower ? (m - i0 < nr ? m - i0 : nr) : m - p * nr - i0, k0 = lower ? 0 : i0 + h, k = p * nr;
        if (k) {
            const FP__T *tb = t + i0 * rst + k0 * cst;
            if (rst == 1) FP__I(pack_b)(k, h, tb, cst, rst, nr, tp); /* T's columns: NR-row pieces */
            else {
                if (h < nr) memset(tp, 0, (size_t)k * (size_t)nr * sizeof(FP__T));
                if (cst == 1) FP__I(transpose_v)(h, k, tb, rst, tp, nr);
                else
                    for (c = 0; c < k; ++c) {
                        int r;
                        for (r = 0; r < h; ++r) tp[c * nr + r] = tb[r * rst + c * cst];
                    }
            }
            for (j0 = 0; j0 < full; j0 += mr) /* MR columns of X at a time */
                K->ukr(k, b + k0 + j0 * csb, csb, 1, tp, nr, -1, 1, b + i0 + j0 * csb, csb, 1, mr, h);
            if (full < n) {
                K->ukr(k, b + k0 + (n - mr) * csb, csb, 1, tp, nr, 1, 0, ab, 32, 1, mr, h);
                for (j0 = full; j0 < n; ++j0)
                    for (c = 0; c < h; ++c) b[i0 + c + j0 * csb] -= ab[(j0 - n + mr) * 32 + c];
            }
        }
        FP__I(trsm_leaf)(lower, unit, h, n, t + i0 * (rst + cst), rst, cst, b + i0, 1, csb);
    }
}
#endif

/* FP__I(trsm_cols) for a column-major B, on column slices in parallel under OpenMP (each with its panel of
 * T in the workspace, gws); 0: not the vector paths, m > FP__TRSM_FUSED, n < MR, or not a column-major B.
 * The recursion it replaces split the solve into products of a few dozen rows around 64-row leaves, each
 * of which transposed its block in and out. */
#define FP__TRSM_FUSED 1024
static int FP__I(trsm_fused)(int lower, int unit, int m, int n, const FP__T *t, ptrdiff_t rst, ptrdiff_t cst,
                             FP__T *b, ptrdiff_t rsb, ptrdiff_t csb, void *gws)
{
#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
    FP__I(kernel) K = FP__I(kernel_pick)();
    size_t per = ((size_t)m * (size_t)K.nr + 64) * sizeof(FP__T); /* a slice's panel of T, aligned */
    int nth = 1, s;
    if (fp_isa_current() == FP_ISA_SCALAR || m > FP__TRSM_FUSED || rsb != 1 || csb == 1 || n < K.mr) return 0;
#ifdef _OPENMP
    nth = fp__gemm_threads();
    if ((double)m * m * n < 4e6) nth = 1;
    while (nth > 1 && (n < nth * K.mr || (size_t)nth * per > FP__F(gemm_workspace_size)() - 64)) --nth;
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1)
#endif
    for (s = 0; s < nth; ++s) {
        int c0 = (int)((long)n * s / nth), c1 = (int)((long)n * (s + 1) / nth);
        FP__I(trsm_cols)(&K, lower, unit, m, c1 - c0, t, rst, cst, b + c0 * csb, csb,
                         (FP__T *)fp__align64((char *)gws + (size_t)s * per));
    }
    return 1;
#else
    (void)lower; (void)unit; (void)m; (void)n; (void)t; (void)rst; (void)cst; (void)b; (void)rsb; (void)csb; (void)gws;
    return 0;
#endif
}

FP__VECTORIZE static void FP__I(trsm)(int lower, int unit, int m, int n, const FP__T *t, ptrdiff_t rst, ptrdiff_t cst,
                                      FP__T *b, ptrdiff_t rsb, ptrdiff_t csb, void *gws)
{
    int i, k, j;
    if (m <= FP__TRSM_LEAF && n > 1 && FP__I(trsm_leaf)(lower, unit, m, n, t, rst, cst, b, rsb, csb)) return;
    if (gws && m > FP__TRSM_LEAF && n > 1 && FP__I(trsm_fused)(lower, unit, m, n, t, rst, cst, b, rsb, csb, gws)) return;
    if (m <= FP__LEAF || !gws) {
        if (n > 1 && csb >= rsb && m <= FP__LEAF) {
            /* columns of B contiguous (a factor's top right block): 8 columns at a time, copied to a
             * row-major block so each update of a row is one short vector operation across the 8;
             * one column's operations are those of the column-by-column loop below, in its order */
            FP__T xb[FP__LEAF][8];
            int j0, c;
            for (j0 = 0; j0 < n; j0 += 8) {
                int w = n - j0 < 8 ? n - j0 : 8;
                for (i = 0; i < m; ++i)
                    for (c = 0; c < 8; ++c) xb[i][c] = c < w ? b[i * rsb + (j0 + c) * csb] : (FP__T)0;
                for (k = 0; k < m; ++k) {
                    int q = lower ? k : m - 1 - k, lo = lower ? q + 1 : 0, hi = lower ? m : q;
                    if (!unit) {
                        FP__T d = t[q * rst + q * cst];
                        for (c = 0; c < 8; ++c) xb[q][c] /= d;
                    }
                    for (i = lo; i < hi; ++i) {
                        FP__T l = t[i * rst + q * cst];
                        for (c = 0; c < 8; ++c) xb[i][c] -= l * xb[q][c];
                    }
                }
                for (i = 0; i < m; ++i)
                    for (c = 0; c < w; ++c) b[i * rsb + (j0 + c) * csb] = xb[i][c];
            }
        } else if (n > 1 && csb < rsb) { /* rows of B contiguous (row-major): whole-row updates, row by row */
            for (k = 0; k < m; ++k) {
                int i0 = lower ? k : m - 1 - k; /* the row solved at this step */
                FP__T *bi = b + i0 * rsb;
                int lo = lower ? 0 : i0 + 1, hi = lower ? i0 : m;
                for (i = lo; i < hi; ++i) {
                    FP__T l = t[i0 * rst + i * cst];
                    if (l != (FP__T)0) FP__I(axpy)(n, -l, b + i * rsb, csb, bi, csb);
                }
                if (!unit) {
                    FP__T d = (FP__T)1 / t[i0 * rst + i0 * cst];
                    for (j = 0; j < n; ++j) bi[j * csb] *= d;
                }
            }
        } else if (n == 1 || cst < rst) /* rows of T contiguous, or one right-hand side: a column at a time, by dot products */
            for (j = 0; j < n; ++j) {
                FP__T *x = b + j * csb;
                for (k = 0; k < m; ++k) {
                    int i0 = lower ? k : m - 1 - k, lo = lower ? 0 : i0 + 1, hi = lower ? i0 : m;
                    FP__T v = x[i0 * rsb] - FP__F(vec_dot)(hi - lo, t + i0 * rst + lo * cst, cst, x + lo * rsb, rsb);
                    x[i0 * rsb] = unit ? v : v / t[i0 * rst + i0 * cst];
                }
            }
        else /* columns of B and of T contiguous: one column at a time, by axpys down T's columns */
            for (j = 0; j < n; ++j) {
                FP__T *x = b + j * csb;
                for (k = 0; k < m; ++k) {
                    int c = lower ? k : m - 1 - k, lo = lower ? c + 1 : 0, hi = lower ? m : c;
                    const FP__T *tc = t + c * cst;
                    FP__T v = unit ? x[c * rsb] : x[c * rsb] / tc[c * rst];
                    x[c * rsb] = v;
                    if (v != (FP__T)0) FP__I(axpy)(hi - lo, -v, tc + lo * rst, rst, x + lo * rsb, rsb);
                }
            }
        return;
    }
    {
        int m1 = m / 2, m2 = m - m1;
        FP__T *b1 = b, *b2 = b + m1 * rsb;
        const FP__T *t11 = t, *t22 = t + m1 * rst + m1 * cst;
        if (lower) { /* B1 = T11^-1 B1; B2 = T22^-1 (B2 - T21 B1) */
            FP__I(trsm)(1, unit, m1, n, t11, rst, cst, b1, rsb, csb, gws);
            FP__I(gemm_run)(FP_NOTRANS, FP_NOTRANS, m2, n, m1, -1, t + m1 * rst, rst, cst, b1, rsb, csb, 1, b2, rsb, csb, gws);
            FP__I(trsm)(1, unit, m2, n, t22, rst, cst, b2, rsb, csb, gws);
        } else { /* B2 = T22^-1 B2; B1 = T11^-1 (B1 - T12 B2) */
            FP__I(trsm)(0, unit, m2, n, t22, rst, cst, b2, rsb, csb, gws);
            FP__I(gemm_run)(FP_NOTRANS, FP_NOTRANS, m1, n, m2, -1, t + m1 * cst, rst, cst, b2, rsb, csb, 1, b1, rsb, csb, gws);
            FP__I(trsm)(0, unit, m1, n, t11, rst, cst, b1, rsb, csb, gws);
        }
    }
}

#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
/* A row-major panel's leaf on the column kernel (FP__LU_COLS_BODY): copied transposed into the GEMM
 * workspace, factored there and copied back. The panel's rows are as short as it is wide, so the
 * right-looking loop paid a masked store a row for each pivot (1.2-1.6x slower at n = 64-500). Without
 * a workspace (the unblocked orders, below 64, where the matrix is its own panel) that loop stays: the
 * copies cost more there than they save. 0: not done. */
static int FP__I(lu_rows_leaf)(FP__I(lu_cols_fn) cols, int m, int n, FP__T *a, ptrdiff_t rsa, int *piv, FP__T thresh,
                               void *gws, fp_status *st)
{
    FP__T *buf = (FP__T *)fp__align64(gws);
    if (!gws || (size_t)m * (size_t)n > (FP__F(gemm_workspace_size)() - 128) / sizeof(FP__T)) return 0;
    FP__I(transpose_v)(m, n, a, rsa, buf, m);
    *st = cols(m, n, buf, m, piv, thresh) < n ? FP_ERR_SINGULAR : FP_OK;
    FP__I(transpose_v)(n, m, buf, m, a, rsa);
    return 1;
}
#endif

/* P A = L U of an m x n panel (m >= n) with partial pivoting; piv relative to the panel. A pivot at or
 * below thresh (n eps max|a_ij| of the whole matrix) is singular, as in the unblocked loop. */
FP__VECTORIZE static fp_status FP__I(lu_rec)(int m, int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int *piv, FP__T thresh,
                                             void *gws)
{
    int i, j, p;
    if (n <= FP__LEAF || !gws) {
        FP__I(lu_cols_fn) cols = rsa == 1 || csa == 1 ? FP__I(lu_cols_pick)() : NULL;
        if (cols && rsa == 1) return cols(m, n, a, csa, piv, thresh) < n ? FP_ERR_SINGULAR : FP_OK;
#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
        {
            fp_status st = FP_OK;
            if (cols && FP__I(lu_rows_leaf)(cols, m, n, a, rsa, piv, thresh, gws, &st)) return st;
        }
#endif
        /* the scalar path, strided panels and a row-major one without a workspace: right-looking */
        for (p = 0; p < n; ++p) {
            int best = p;
            FP__T bv = FP__FABS(a[p * rsa + p * csa]), inv, *ap = a + p * rsa;
            for (i = p + 1; i < m; ++i) {
                FP__T v = FP__FABS(a[i * rsa + p * csa]);
                if (v > bv) { bv = v; best = i; }
            }
            piv[p] = best;
            if (bv == (FP__T)0 || bv <= thresh) return FP_ERR_SINGULAR;
            if (best != p)
                for (j = 0; j < n; ++j) { FP__T t = ap[j * csa]; ap[j * csa] = a[best * rsa + j * csa]; a[best * rsa + j * csa] = t; }
            inv = (FP__T)1 / ap[p * csa];
            if (rsa == 1) { /* a contiguous column: a loop the compiler vectorizes */
                FP__T *col = a + p * csa;
                for (i = p + 1; i < m; ++i) col[i] *= inv;
            } else
                for (i = p + 1; i < m; ++i) a[i * rsa + p * csa] *= inv;
            if (csa == 1) /* row-major: each row's update is contiguous and short (the panel's width): all
                             rows in one call, a masked vector a row (a call per row cost more than its flops) */
                FP__I(ger_rows)(m - p - 1, n - p - 1, a + (p + 1) * rsa + p, rsa, ap + p + 1, a + (p + 1) * rsa + p + 1, rsa);
            else if (csa < rsa)
                for (i = p + 1; i < m; ++i) {
                    FP__T l = a[i * rsa + p * csa], *ai = a + i * rsa;
                    if (l != (FP__T)0)
                        for (j = p + 1; j < n; ++j) ai[j * csa] -= l * ap[j * csa];
                }
            else /* column-major: each column's */
                for (j = p + 1; j < n; ++j) {
                    FP__T u = ap[j * csa];
                    if (u != (FP__T)0) FP__I(axpy)(m - p - 1, -u, a + (p + 1) * rsa + p * csa, rsa, a + (p + 1) * rsa + j * csa, rsa);
                }
        }
        return FP_OK;
    }
    {
        int n1 = n / 2, n2 = n - n1;
        FP__T *a12 = a + n1 * csa, *a21 = a + n1 * rsa, *a22 = a21 + n1 * csa;
        fp_status st = FP__I(lu_rec)(m, n1, a, rsa, csa, piv, thresh, gws);
        if (st != FP_OK) return st;
        FP__I(laswp)(n2, a12, rsa, csa, 0, n1, piv, 1);
        FP__I(trsm)(1, 1, n1, n2, a, rsa, csa, a12, rsa, csa, gws);
        FP__I(gemm_run)(FP_NOTRANS, FP_NOTRANS, m - n1, n2, n1, -1, a21, rsa, csa, a12, rsa, csa, 1, a22, rsa, csa, gws);
        st = FP__I(lu_rec)(m - n1, n2, a22, rsa, csa, piv + n1, thresh, gws);
        if (st != FP_OK) return st;
        for (i = n1; i < n; ++i) piv[i] += n1;
        FP__I(laswp)(n1, a, rsa, csa, n1, n, piv, 1);
        return FP_OK;
    }
}

/* The LU of an n x n matrix on a GEMM workspace (NULL: the unblocked loop); the solvers pass theirs. */
static fp_status FP__I(lu_factor_ws)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int *piv, void *gws)
{
    FP__T amax = FP__I(mat_max_abs)(n, n, a, rsa, csa);
    if (amax != amax) return FP_ERR_NON_FINITE;
    return FP__I(lu_rec)(n, n, a, rsa, csa, piv, (FP__T)n * FP__EPS * amax, n >= FP__BLOCKED_MIN ? gws : NULL);
}

FP_DEF fp_status FP__F(lu_factor)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, int *piv)
{
    void *gws = NULL;
    fp_status st;
    FP__REQUIRE(n >= 0 && (n == 0 || (a && piv)) && fp__layout_ok(n, n, rsa, csa), "n must be >= 0, A and piv non-NULL, A's strides >= 1 with distinct elements", FP_ERR_USAGE);
    /* One workspace for the call's GEMMs; without it the unblocked loop gives the same factors, slower. */
    if (n >= FP__BLOCKED_MIN) gws = fp__malloc(FP__F(gemm_workspace_size)());
    st = FP__I(lu_factor_ws)(n, a, rsa, csa, piv, gws);
    if (gws) fp__free(gws);
    return st;
}

/* op(A) X = B from P A = L U, on a GEMM workspace (NULL: the triangular solves' unblocked loops). */
static void FP__I(lu_solve_ws)(fp_trans t, int n, int nrhs, const FP__T *lu, ptrdiff_t rsa, ptrdiff_t csa,
                               const int *piv, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb, void *gws)
{
    if (n < FP__BLOCKED_MIN || nrhs < FP__LEAF) gws = NULL;
    if (t == FP_NOTRANS) { /* X = U^-1 L^-1 P B */
        FP__I(laswp)(nrhs, b, rsb, csb, 0, n, piv, 1);
        FP__I(trsm)(1, 1, n, nrhs, lu, rsa, csa, b, rsb, csb, gws);
        FP__I(trsm)(0, 0, n, nrhs, lu, rsa, csa, b, rsb, csb, gws);
    } else { /* X = P^T L^-T U^-T B: U^T is lower, L^T unit upper (the factors on swapped strides) */
        FP__I(trsm)(1, 0, n, nrhs, lu, csa, rsa, b, rsb, csb, gws);
        FP__I(trsm)(0, 1, n, nrhs, lu, csa, rsa, b, rsb, csb, gws);
        FP__I(laswp)(nrhs, b, rsb, csb, 0, n, piv, -1);
    }
}

/* The public solves' workspace, one allocation: a GEMM workspace, and on the vector paths, for a
 * column-major B of order n < 128 and at most 16 MB, room for its row-major copy (*xt). Solved in that
 * copy, B is transposed once each way; left column-major, each triangular leaf transposes its block in
 * and out, and the row swaps go element by element. From order 128 the column-major B goes to the
 * blocked solve (FP__I(trsm_fused)), which reads it in place: there the copy measured 0-25 % slower
 * (Zen 3, 100 right-hand sides), below it 2-16 % faster. NULL: the unblocked loops. */
static void *FP__I(solve_ws)(int n, int nrhs, ptrdiff_t rsb, FP__T **xt)
{
    size_t g = FP__F(gemm_workspace_size)(), x = (size_t)n * (size_t)nrhs * sizeof(FP__T);
    int copy = rsb == 1 && n < 128 && fp_isa_current() != FP_ISA_SCALAR && x <= ((size_t)16 << 20);
    void *w;
    *xt = NULL;
    if (n < FP__BLOCKED_MIN || nrhs < FP__LEAF) return NULL;
#if !defined(FP__HAVE_AVX2) && !defined(FP__HAVE_AVX512)
    copy = 0;
#endif
    w = fp__malloc(g + (copy ? x + 64 : 0));
    if (w && copy) *xt = (FP__T *)fp__align64((char *)w + g);
    return w;
}

/* B <-> its row-major copy xt (to 0, back 1). */
static void FP__I(solve_copy)(int back, int n, int nrhs, FP__T *b, ptrdiff_t csb, FP__T *xt)
{
#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
    if (!back) FP__I(transpose_v)(nrhs, n, b, csb, xt, nrhs);
    else FP__I(transpose_v)(n, nrhs, xt, nrhs, b, csb);
#else
    (void)back; (void)n; (void)nrhs; (void)b; (void)csb; (void)xt;
#endif
}

FP_DEF void FP__F(lu_solve)(fp_trans t, int n, int nrhs, const FP__T *lu, ptrdiff_t rsa, ptrdiff_t csa,
                            const int *piv, FP__T *b, ptrdiff_t rsb, ptrdiff_t csb)
{
    FP__T *xt;
    void *gws;
    const char *bad = fp__lu_solve_bad(t, n, nrhs, lu, piv, b, rsb, csb);
    FP__REQUIRE_VOID(!bad, bad);
    gws = FP__I(solve_ws)(n, nrhs, rsb, &xt);
    if (xt) {
        FP__I(solve_copy)(0, n, nrhs, b, csb, xt);
        FP__I(lu_solve_ws)(t, n, nrhs, lu, rsa, csa, piv, xt, nrhs, 1, gws);
        FP__I(solve_copy)(1, n, nrhs, b, csb, xt);
    } else
        FP__I(lu_solve_ws)(t, n, nrhs, lu, rsa, csa, piv, b, rsb, csb, gws);
    if (gws) fp__free(gws);
}

/* C (lower triangle, n x n) -= A A^T (A n x k): the Cholesky update. Only the lower half is computed and
 * the strict upper triangle is never written: one triangle-only product, or (small orders, BLIS builds)
 * a recursion over halves. */
static void FP__I(syrk_lower)(int n, int k, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *c, ptrdiff_t rsc,
                              ptrdiff_t csc, void *gws)
{
    int i, j;
#ifndef FIXPOINT_USE_BLIS
    if (gws && n > FP__TRSM_LEAF) {
        /* one blocked product whose micro-tiles above the diagonal are skipped (FP__I(tile_tri)): each
         * halving of the recursion below leaves products half as wide, and at 62 x 62 x 500 and below
         * they ran at 57 GFLOP/s and less (81 at 250 x 250 x 500), a third of a float Cholesky at 1000.
         * Above order 64 only: below it most tiles straddle the diagonal, and the recursion was faster
         * (a float Cholesky at n = 100 ran 5-9 % slower through this). A column-major C goes as its
         * transpose (A A^T is symmetric), whose kept triangle is the upper. */
        int tri = 1;
        if (csc != 1 && rsc == 1) { ptrdiff_t s = rsc; rsc = csc; csc = s; tri = 2; }
        if (n <= FP__SMALL_MN && k <= FP__SMALL_K) {
            FP__I(kernel) K = FP__I(kernel_pick)();
            FP__I(gemm_small)(&K, n, n, k, -1, a, rsa, csa, a, csa, rsa, 1, c, rsc, csc, tri);
        } else
            FP__I(gemm_blocked)(n, n, k, -1, a, rsa, csa, a, csa, rsa, 1, c, rsc, csc, gws, tri, 0);
        return;
    }
#endif
    if (n <= FP__LEAF) { /* the diagonal block by GEMM into scratch, then its lower half subtracted */
        FP__T d[FP__LEAF * FP__LEAF];
        FP__I(gemm_run)(FP_NOTRANS, FP_TRANS, n, n, k, 1, a, rsa, csa, a, rsa, csa, 0, d, n, 1, gws);
        for (i = 0; i < n; ++i)
            for (j = 0; j <= i; ++j) c[i * rsc + j * csc] -= d[i * n + j];
        return;
    }
    {
        int n1 = n / 2;
        FP__I(syrk_lower)(n1, k, a, rsa, csa, c, rsc, csc, gws);
        FP__I(gemm_run)(FP_NOTRANS, FP_TRANS, n - n1, n1, k, -1, a + n1 * rsa, rsa, csa, a, rsa, csa, 1, c + n1 * rsc, rsc, csc, gws);
        FP__I(syrk_lower)(n - n1, k, a + n1 * rsa, rsa, csa, c + n1 * rsc + n1 * csc, rsc, csc, gws);
    }
}

/* A = L L^T (lower triangle read and written). */
static fp_status FP__I(chol_rec)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, void *gws)
{
    int i, j;
    if (n <= FP__LEAF || !gws) {
        FP__I(chol_cols_fn) cols = rsa == 1 ? FP__I(chol_cols_pick)() : NULL;
        if (cols) return cols(n, a, csa);
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
    {
        int n1 = n / 2, n2 = n - n1;
        FP__T *a21 = a + n1 * rsa, *a22 = a21 + n1 * csa;
        fp_status st = FP__I(chol_rec)(n1, a, rsa, csa, gws);
        if (st != FP_OK) return st;
        /* L21 = A21 L11^-T, i.e. L21^T = L11^-1 A21^T: the lower solve on A21's swapped strides */
        FP__I(trsm)(1, 0, n1, n2, a, rsa, csa, a21, csa, rsa, gws);
        FP__I(syrk_lower)(n2, n1, a21, rsa, csa, a22, rsa, csa, gws);
        return FP__I(chol_rec)(n2, a22, rsa, csa, gws);
    }
}

FP_DEF fp_status FP__F(chol_factor)(int n, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa)
{
    void *gws = NULL;
    fp_status st;
    FP__REQUIRE(n >= 0 && (n == 0 || a) && fp__layout_ok(n, n, rsa, csa), "n must be >= 0, A non-NULL, A's strides >= 1 with distinct elements", FP_ERR_USAGE);
    if (n >= FP__BLOCKED_MIN) gws = fp__malloc(FP__F(gemm_workspace_size)());
    st = FP__I(chol_rec)(n, a, rsa, csa, gws);
    if (gws) fp__free(gws);
    return st;
}

FP_DEF void FP__F(chol_solve)(int n, int nrhs, const FP__T *l, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                              ptrdiff_t rsb, ptrdiff_t csb)
{
    FP__T *xt, *x;
    void *gws;
    FP__REQUIRE_VOID(n >= 0 && nrhs >= 0 && (n == 0 || nrhs == 0 || (l && b && fp__layout_ok(n, nrhs, rsb, csb))), "n, nrhs must be >= 0, L and B non-NULL, B's strides >= 1 with distinct elements");
    gws = FP__I(solve_ws)(n, nrhs, rsb, &xt);
    x = xt ? xt : b;
    if (xt) FP__I(solve_copy)(0, n, nrhs, b, csb, xt);
    /* X = L^-T L^-1 B; without a workspace, the triangular solves' unblocked loops */
    FP__I(trsm)(1, 0, n, nrhs, l, rsa, csa, x, xt ? nrhs : rsb, xt ? 1 : csb, gws);
    FP__I(trsm)(0, 0, n, nrhs, l, csa, rsa, x, xt ? nrhs : rsb, xt ? 1 : csb, gws);
    if (xt) FP__I(solve_copy)(1, n, nrhs, b, csb, xt);
    if (gws) fp__free(gws);
}

FP_DEF fp_status FP__F(lstsq)(int m, int n, int nrhs, FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *b,
                              ptrdiff_t rsb, ptrdiff_t csb, FP__T *tau)
{
    int i, j, r;
    FP__T rmax = 0;
    const char *bad = fp__lstsq_bad(m, n, nrhs, a, rsa, csa, b, rsb, csb, tau);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    if (!FP__I(mat_all_finite)(m, n, a, rsa, csa) || !FP__I(mat_all_finite)(m, nrhs, b, rsb, csb))
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

/*@end*/

/* ================================================================================================
 * VIEWS: constructors, the argument checks every view-taking entry point runs, and the view forms of
 * the library's calls (each checks its views, names the argument that is wrong, then runs the strided
 * engine above).
 * ================================================================================================ */

/* The argument checks are untyped: one validator per contract, compiled once for both precisions and kept
 * out of line, returns the sentence naming what is wrong, or NULL, and the entry point reports it under its
 * own name, so each entry point has one branch. Written out in each typed entry point (a call, a branch and
 * a failure path per check, all twice) the checks were the measured cost of compiling the implementation.
 * An entry point passes the addresses of its views and its precision's reader (FP__I(view_of)), which
 * the validator calls to describe each view as an fp__view: copying the views into descriptors in every
 * entry point cost as much compile time as the checks it replaced. esz = sizeof(FP__T), for the overlap
 * tests. */
typedef struct fp__view { const void *data; int rows, cols; ptrdiff_t rs, cs; } fp__view;
/* describes the view of one precision at mat (an fp_mat_f32 or an fp_mat_f64) */
typedef void (*fp__view_fn)(fp__view *out, const void *mat);

/* A view that can be read: data present, sizes >= 0, strides >= 1 along dimensions over 1. */
FP__NOINLINE static int fp__view_in_ok(const fp__view *a)
{
    if (!a->data || a->rows < 0 || a->cols < 0) return 0;
    return a->rows == 0 || a->cols == 0 || fp__strides_ok(a->rows, a->cols, a->rs, a->cs); /* an empty view has no strides to check */
}
/* A view that can be written: besides, no two of its elements share an address. */
FP__NOINLINE static int fp__view_out_ok(const fp__view *a)
{
    return fp__view_in_ok(a) && (a->rows == 0 || a->cols == 0 || fp__layout_ok(a->rows, a->cols, a->rs, a->cs));
}
static int fp__view_is(const fp__view *a, int rows, int cols) { return a->rows == rows && a->cols == cols; }
/* an n x 1 or 1 x n view */
static int fp__view_is_vec(const fp__view *v, int n) { return (v->rows == n && v->cols == 1) || (v->rows == 1 && v->cols == n); }
/* no shared element (an absent view shares none) */
FP__NOINLINE static int fp__view_apart(const fp__view *a, const fp__view *b, size_t esz)
{
    return !a->data || !b->data || fp__apart(a->data, a->rows, a->cols, a->rs, a->cs, b->data, b->rows, b->cols, b->rs, b->cs, esz);
}
/* the same elements in the same places (an in-place update) */
static int fp__view_same(const fp__view *a, const fp__view *b) { return a->data == b->data && a->rs == b->rs && a->cs == b->cs; }

/* C = alpha A B + beta C: fp_mat_mul and fp_mat_mul_ws. */
FP__VALIDATOR static const char *fp__mat_mul_bad(fp__view_fn view, const void *pa, const void *pb, const void *pc, size_t esz)
{
    fp__view a, b, c;
    view(&a, pa);
    view(&b, pb);
    view(&c, pc);
    if (!fp__view_in_ok(&a) || !fp__view_in_ok(&b)) return "A and B must be valid views" FP__BADVIEW;
    if (!fp__view_out_ok(&c)) return "C must be a writable view whose elements are distinct" FP__BADVIEW;
    if (a.rows != c.rows || b.cols != c.cols || a.cols != b.rows) return "the shapes must agree: A m x k, B k x n, C m x n";
    if (!fp__view_apart(&c, &a, esz) || !fp__view_apart(&c, &b, esz)) return "C must not overlap A or B";
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_mulv_bad(fp__view_fn view, const void *pa, const void *px, const void *py, size_t esz)
{
    fp__view a, x, y;
    view(&a, pa);
    view(&x, px);
    view(&y, py);
    if (!(fp__view_in_ok(&a) && fp__view_in_ok(&x) && fp__view_out_ok(&y))) return "A, x and y must be valid views" FP__BADVIEW;
    if (!(fp__view_is_vec(&x, a.cols) && fp__view_is_vec(&y, a.rows))) return "x must have A's columns and y A's rows (as n x 1 or 1 x n views)";
    if (!(fp__view_apart(&y, &a, esz) && fp__view_apart(&y, &x, esz))) return "y must not overlap A or x";
    return NULL;
}
/* A square writable view: fp_mat_chol_factor, and fp_mat_lu_factor with its pivots. */
FP__VALIDATOR static const char *fp__mat_chol_factor_bad(fp__view_fn view, const void *pa)
{
    fp__view a;
    view(&a, pa);
    if (!(fp__view_out_ok(&a) && a.rows == a.cols)) return "A must be a square writable view" FP__BADVIEW;
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_lu_factor_bad(fp__view_fn view, const void *pa, const int *piv)
{
    fp__view a;
    const char *bad = fp__mat_chol_factor_bad(view, pa);
    if (bad) return bad;
    view(&a, pa);
    if (!(piv || a.rows == 0)) return "piv must hold A's order of ints";
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_lu_solve_bad(fp__view_fn view, fp_trans t, const void *plu, const int *piv,
                                                      const void *pb, size_t esz)
{
    fp__view lu, b;
    view(&lu, plu);
    view(&b, pb);
    if (!(t == FP_NOTRANS || t == FP_TRANS)) return "t must be FP_NOTRANS or FP_TRANS";
    if (!(fp__view_in_ok(&lu) && lu.rows == lu.cols && (piv || lu.rows == 0))) return "LU must be the square factors and piv their pivots";
    if (!(fp__view_out_ok(&b) && b.rows == lu.rows)) return "B must be a writable view with LU's rows";
    if (!fp__view_apart(&b, &lu, esz)) return "B must not overlap LU";
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_chol_solve_bad(fp__view_fn view, const void *pl, const void *pb, size_t esz)
{
    fp__view l, b;
    view(&l, pl);
    view(&b, pb);
    if (!(fp__view_in_ok(&l) && l.rows == l.cols)) return "L must be the square Cholesky factor";
    if (!(fp__view_out_ok(&b) && b.rows == l.rows)) return "B must be a writable view with L's rows";
    if (!fp__view_apart(&b, &l, esz)) return "B must not overlap L";
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_lstsq_bad(fp__view_fn view, const void *pa, const void *pb, const void *tau, size_t esz)
{
    fp__view a, b;
    view(&a, pa);
    view(&b, pb);
    if (!(fp__view_out_ok(&a) && a.rows >= a.cols)) return "A must be a writable m x n view with m >= n";
    if (!(fp__view_out_ok(&b) && b.rows == a.rows)) return "B must be a writable view with A's rows";
    if (!(fp__view_apart(&a, &b, esz) && (tau || a.cols == 0))) return "B must not overlap A; tau must hold n scalars";
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_copy_bad(fp__view_fn view, const void *pa, const void *pb, size_t esz)
{
    fp__view a, b;
    view(&a, pa);
    view(&b, pb);
    if (!(fp__view_in_ok(&a) && fp__view_out_ok(&b) && fp__view_is(&b, a.rows, a.cols))) return "B must be a writable view of A's shape";
    if (!fp__view_apart(&a, &b, esz)) return "B must not overlap A";
    return NULL;
}
/* fp_mat_fill and fp_mat_scale */
FP__VALIDATOR static const char *fp__mat_fill_bad(fp__view_fn view, const void *pa)
{
    fp__view a;
    view(&a, pa);
    if (!fp__view_out_ok(&a)) return "A must be a writable view" FP__BADVIEW;
    return NULL;
}
/* B = f(A) elementwise, in place or apart: fp_mat_axpby, and fp_mat_map with its function */
FP__VALIDATOR static const char *fp__mat_axpby_bad(fp__view_fn view, const void *pa, const void *pb, size_t esz)
{
    fp__view a, b;
    view(&a, pa);
    view(&b, pb);
    if (!(fp__view_in_ok(&a) && fp__view_out_ok(&b) && fp__view_is(&b, a.rows, a.cols))) return "B must be a writable view of A's shape";
    if (!(fp__view_apart(&a, &b, esz) || fp__view_same(&a, &b))) return "B must be A itself or not overlap it";
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_map_bad(fp__view_fn view, int have_f, const void *pa, const void *pb, size_t esz)
{
    if (!have_f) return "f must be a function";
    return fp__mat_axpby_bad(view, pa, pb, esz);
}
/* fp_mat_norm_fro and fp_mat_all_finite */
FP__VALIDATOR static const char *fp__mat_norm_fro_bad(fp__view_fn view, const void *pa)
{
    fp__view a;
    view(&a, pa);
    if (!fp__view_in_ok(&a)) return "A must be a valid view" FP__BADVIEW;
    return NULL;
}
FP__VALIDATOR static const char *fp__mat_row_sum_bad(fp__view_fn view, const void *pa, const void *ps, size_t esz)
{
    fp__view a, s;
    view(&a, pa);
    view(&s, ps);
    if (!fp__view_in_ok(&a)) return "A must be a valid view" FP__BADVIEW;
    if (!(fp__view_out_ok(&s) && fp__view_is_vec(&s, a.rows))) return "s must be a writable vector of A's rows";
    if (!fp__view_apart(&a, &s, esz)) return "s must not overlap A";
    return NULL;
}

/*@typed*/
FP_DEF FP__F(mat) FP__F(mat_strided)(FP__T *data, int rows, int cols, ptrdiff_t rs, ptrdiff_t cs)
{
    FP__F(mat) a;
    a.data = data;
    a.rows = rows;
    a.cols = cols;
    a.rs = rs;
    a.cs = cs;
    return a;
}
FP_DEF FP__F(mat) FP__F(mat_rowmajor)(FP__T *data, int rows, int cols) { return FP__F(mat_strided)(data, rows, cols, cols, 1); }
FP_DEF FP__F(mat) FP__F(mat_colmajor)(FP__T *data, int rows, int cols) { return FP__F(mat_strided)(data, rows, cols, 1, rows); }
FP_DEF FP__F(mat) FP__F(mat_vec)(FP__T *data, int n) { return FP__F(mat_strided)(data, n, 1, 1, 1); }
FP_DEF FP__F(mat) FP__F(mat_trans)(FP__F(mat) a) { return FP__F(mat_strided)(a.data, a.cols, a.rows, a.cs, a.rs); }
FP_DEF FP__F(mat) FP__F(mat_block)(FP__F(mat) a, int i, int j, int rows, int cols)
{
    FP__F(mat) none = FP__F(mat_strided)(NULL, 0, 0, 1, 1);
    FP__REQUIRE(a.data && i >= 0 && j >= 0 && rows >= 0 && cols >= 0 && i <= a.rows - rows && j <= a.cols - cols,
                "the block must lie inside the view (0 <= i, i + rows <= a.rows, likewise j and cols)", none);
    return FP__F(mat_strided)(a.data + i * a.rs + j * a.cs, rows, cols, a.rs, a.cs);
}

/* This precision's reader for the validators: field by field, the two structs being distinct types. */
static void FP__I(view_of)(fp__view *out, const void *mat)
{
    const FP__F(mat) *a = (const FP__F(mat) *)mat;
    out->data = a->data;
    out->rows = a->rows;
    out->cols = a->cols;
    out->rs = a->rs;
    out->cs = a->cs;
}
/* an n x 1 or 1 x n view as (pointer, increment) */
static ptrdiff_t FP__I(inc)(FP__F(mat) v) { return v.cols == 1 ? v.rs : v.cs; }

FP_DEF fp_status FP__F(mat_mul_ws)(FP__T alpha, FP__F(mat) a, FP__F(mat) b, FP__T beta, FP__F(mat) c, void *work)
{
    const char *bad = fp__mat_mul_bad(FP__I(view_of), &a, &b, &c, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, c.rows, c.cols, a.cols, alpha, a.data, a.rs, a.cs, b.data, b.rs, b.cs,
                          beta, c.data, c.rs, c.cs, work);
}
FP_DEF fp_status FP__F(mat_mul)(FP__T alpha, FP__F(mat) a, FP__F(mat) b, FP__T beta, FP__F(mat) c)
{
    const char *bad = fp__mat_mul_bad(FP__I(view_of), &a, &b, &c, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, c.rows, c.cols, a.cols, alpha, a.data, a.rs, a.cs, b.data, b.rs, b.cs,
                          beta, c.data, c.rs, c.cs, NULL);
}
FP_DEF fp_status FP__F(mat_mulv)(FP__T alpha, FP__F(mat) a, FP__F(mat) x, FP__T beta, FP__F(mat) y)
{
    const char *bad = fp__mat_mulv_bad(FP__I(view_of), &a, &x, &y, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__F(gemv)(FP_NOTRANS, a.rows, a.cols, alpha, a.data, a.rs, a.cs, x.data, FP__I(inc)(x), beta, y.data, FP__I(inc)(y));
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_lu_factor)(FP__F(mat) a, int *piv)
{
    const char *bad = fp__mat_lu_factor_bad(FP__I(view_of), &a, piv);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__F(lu_factor)(a.rows, a.data, a.rs, a.cs, piv);
}
FP_DEF fp_status FP__F(mat_lu_solve)(fp_trans t, FP__F(mat) lu, const int *piv, FP__F(mat) b)
{
    const char *bad = fp__mat_lu_solve_bad(FP__I(view_of), t, &lu, piv, &b, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__F(lu_solve)(t, lu.rows, b.cols, lu.data, lu.rs, lu.cs, piv, b.data, b.rs, b.cs);
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_chol_factor)(FP__F(mat) a)
{
    const char *bad = fp__mat_chol_factor_bad(FP__I(view_of), &a);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__F(chol_factor)(a.rows, a.data, a.rs, a.cs);
}
FP_DEF fp_status FP__F(mat_chol_solve)(FP__F(mat) l, FP__F(mat) b)
{
    const char *bad = fp__mat_chol_solve_bad(FP__I(view_of), &l, &b, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__F(chol_solve)(l.rows, b.cols, l.data, l.rs, l.cs, b.data, b.rs, b.cs);
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_lstsq)(FP__F(mat) a, FP__F(mat) b, FP__T *tau)
{
    const char *bad = fp__mat_lstsq_bad(FP__I(view_of), &a, &b, tau, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__F(lstsq)(a.rows, a.cols, b.cols, a.data, a.rs, a.cs, b.data, b.rs, b.cs, tau);
}
FP_DEF fp_status FP__F(mat_copy)(FP__F(mat) a, FP__F(mat) b)
{
    const char *bad = fp__mat_copy_bad(FP__I(view_of), &a, &b, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(mat_copy)(a.rows, a.cols, a.data, a.rs, a.cs, b.data, b.rs, b.cs);
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_fill)(FP__F(mat) a, FP__T v)
{
    const char *bad = fp__mat_fill_bad(FP__I(view_of), &a);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(mat_fill)(a.rows, a.cols, v, a.data, a.rs, a.cs);
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_scale)(FP__F(mat) a, FP__T alpha)
{
    const char *bad = fp__mat_fill_bad(FP__I(view_of), &a);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(mat_scale)(a.rows, a.cols, alpha, a.data, a.rs, a.cs);
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_axpby)(FP__T alpha, FP__F(mat) a, FP__T beta, FP__F(mat) b)
{
    const char *bad = fp__mat_axpby_bad(FP__I(view_of), &a, &b, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(mat_axpby)(a.rows, a.cols, alpha, a.data, a.rs, a.cs, beta, b.data, b.rs, b.cs);
    return FP_OK;
}
FP_DEF fp_status FP__F(mat_map)(FP__F(mat) a, FP__F(mat) b, FP__T (*f)(FP__T, void *), void *ctx)
{
    const char *bad = fp__mat_map_bad(FP__I(view_of), f != NULL, &a, &b, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(mat_map)(a.rows, a.cols, f, ctx, a.data, a.rs, a.cs, b.data, b.rs, b.cs);
    return FP_OK;
}
FP_DEF FP__T FP__F(mat_norm_fro)(FP__F(mat) a)
{
    const char *bad = fp__mat_norm_fro_bad(FP__I(view_of), &a);
    FP__REQUIRE(!bad, bad, (FP__T)NAN);
    return FP__I(mat_norm_fro)(a.rows, a.cols, a.data, a.rs, a.cs);
}
FP_DEF int FP__F(mat_all_finite)(FP__F(mat) a)
{
    const char *bad = fp__mat_norm_fro_bad(FP__I(view_of), &a);
    FP__REQUIRE(!bad, bad, 0);
    return FP__I(mat_all_finite)(a.rows, a.cols, a.data, a.rs, a.cs);
}
FP_DEF fp_status FP__F(mat_row_sum)(FP__F(mat) a, FP__F(mat) s)
{
    const char *bad = fp__mat_row_sum_bad(FP__I(view_of), &a, &s, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(mat_row_sum)(a.rows, a.cols, a.data, a.rs, a.cs, s.data, FP__I(inc)(s));
    return FP_OK;
}
/*@end*/

FP_DEF fp_activation fp_activation_make(fp_act_kind kind)
{
    fp_activation a;
    a.kind = kind;
    a.f = NULL;
    a.df = NULL;
    a.ctx = NULL;
    return a;
}

static const fp_activation fp__tanh_act = { FP_ACT_TANH, NULL, NULL, NULL }; /* the feedback model's phi */

FP_DEF const char *fp_activation_name(fp_act_kind kind)
{
    switch (kind) {
    case FP_ACT_TANH: return "tanh";
    case FP_ACT_IDENTITY: return "identity";
    case FP_ACT_LOGISTIC: return "logistic";
    case FP_ACT_SOFTPLUS: return "softplus";
    case FP_ACT_RELU: return "relu";
    case FP_ACT_RECTPOW2: return "rectpow2";
    case FP_ACT_CUSTOM: return "custom";
    }
    return "unknown";
}

/*@typed*/
/* ================================================================================================
 * ACTIVATIONS AND LOSSES: f, f' per unit; MSE and softmax cross-entropy through a linear read-out.
 * docs/THEORY.md (L1)-(L2) (g = dL/dr = W_out^T (softmax(y) - onehot)).
 * ================================================================================================ */

/* Vectorized tanh for the forward map, where libm's tanh costs more than the GEMM (three quarters of a
 * float64 training step at N = 512). double: Cephes' tanh - a rational x + x s P(s)/Q(s) below 0.625,
 * 1 - 2/(exp(2|x|) + 1) above with Cephes' exp (Pade P/Q in r^2). float: one rational for every x, with
 * no branch to blend and no exponential, since the paper's Euler protocol spends a tenth of its time here:
 *   tanh x = y P(y^2) / Q(y^2),  y = x clamped to [-9.25, 9.25],  P, Q of degree 4 (in y^2),
 * fitted for minimax relative error on [0, 9.25] (0.33 units of 2^-24 in exact arithmetic; tanh rounds
 * to 1 from 9.01, and the fit gives 1 at the clamp). Odd by construction: -x gives exactly -tanh x. In
 * float, the roundings of P and Q in Horner's form bring the worst case to 5.40 units of 2^-24 (relative,
 * at x = 8.4303); the result is clamped to [-1, 1], which the roundings would overshoot by an ulp or two
 * near 9. 15 operations against 21 for e / (e + 2) with e = expm1(2|x|) through 2^n and a degree-5
 * polynomial, which it replaces (3.98 units): the pass behind the GEMM takes a quarter less time. Checked on
 * every float when it was fitted; the tests check every path against libm. One body per type,
 * instantiated per instruction set (QUOT: the path's division; MIN, MAX return their second operand on
 * NaN, so a NaN passes through). */
/* EACH(S): the statement S once per chain J_ = 0 .. C-1 of a body run on C vectors at once (at most 4).
 * Written out, the C dependency chains sit side by side in the instruction stream: one vector at a time
 * leaves the issue ports idle on the latency of the body's dependent operations (the float tanh: 4
 * chains, a fifth less time per vector on AVX-512 and a seventh on AVX2). The double bodies wait on
 * their divisions instead, where more chains measured no faster: they run one. */
#define FP__EACH1(S) { enum { J_ = 0 }; S }
#define FP__EACH4(S) FP__EACH1(S) { enum { J_ = 1 }; S } { enum { J_ = 2 }; S } { enum { J_ = 3 }; S }
#if FP__BITS == 32 && (defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512))
/* out[j] = tanh(x[j]) for the chains j of EACH */
#define FP__TANH_BODY(EACH, VT, SET1, MUL, FMA, MIN, MAX, QUOT)                                        \
    {                                                                                                 \
        VT y[4], s[4], p[4], q[4];                                                                    \
        EACH(y[J_] = MAX(SET1(-9.25f), MIN(SET1(9.25f), x[J_])); s[J_] = MUL(y[J_], y[J_]);)          \
        EACH(p[J_] = FMA(SET1(1.270001988e-08f), s[J_], SET1(2.012349086e-05f));)                     \
        EACH(q[J_] = FMA(SET1(7.504547077e-07f), s[J_], SET1(3.236932257e-04f));)                     \
        EACH(p[J_] = FMA(p[J_], s[J_], SET1(3.465630655e-03f)); q[J_] = FMA(q[J_], s[J_], SET1(2.576265329e-02f));) \
        EACH(p[J_] = FMA(p[J_], s[J_], SET1(1.335569284e-01f)); q[J_] = FMA(q[J_], s[J_], SET1(4.668900291e-01f));) \
        EACH(p[J_] = FMA(p[J_], s[J_], SET1(9.999999806e-01f)); q[J_] = FMA(q[J_], s[J_], SET1(1.0f));) \
        EACH(out[J_] = MAX(SET1(-1.0f), MIN(SET1(1.0f), QUOT(MUL(y[J_], p[J_]), q[J_])));)           \
    }
#endif

#if FP__BITS == 64 && (defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512))
#define FP__TANH64_BODY(EACH, VT, SET1, ADD, SUB, MUL, DIV, FMA, MIN, ABS, LT_BLEND, ROUND, POW2)       \
    {                                                                                                 \
        VT ax[4], s[4], p[4], q[4], small[4], y[4], fx[4], xx[4], px[4], e[4];                        \
        EACH(ax[J_] = ABS(x[J_]); s[J_] = MUL(ax[J_], ax[J_]);)                                       \
        EACH(p[J_] = FMA(SET1(-9.64399179425052238628e-1), s[J_], SET1(-9.92877231001918586564e1));)  \
        EACH(p[J_] = FMA(p[J_], s[J_], SET1(-1.61468768441708447952e3));)                             \
        EACH(q[J_] = ADD(s[J_], SET1(1.12811678491632931402e2));)                                     \
        EACH(q[J_] = FMA(q[J_], s[J_], SET1(2.23548839060100448583e3));)                              \
        EACH(q[J_] = FMA(q[J_], s[J_], SET1(4.84406305325125486048e3));)                              \
        EACH(small[J_] = FMA(MUL(ax[J_], s[J_]), DIV(p[J_], q[J_]), ax[J_]);)                         \
        EACH(y[J_] = MIN(SET1(40.0), ADD(ax[J_], ax[J_]));) /* tanh(20) rounds to 1; NaN stays NaN */ \
        EACH(fx[J_] = ROUND(MUL(y[J_], SET1(1.4426950408889634073599)));)                             \
        EACH(y[J_] = SUB(y[J_], MUL(fx[J_], SET1(6.93145751953125e-1)));)                             \
        EACH(y[J_] = SUB(y[J_], MUL(fx[J_], SET1(1.42860682030941723212e-6)));)                       \
        EACH(xx[J_] = MUL(y[J_], y[J_]);)                                                             \
        EACH(px[J_] = FMA(SET1(1.26177193074810590878e-4), xx[J_], SET1(3.02994407707441961300e-2));) \
        EACH(px[J_] = MUL(FMA(px[J_], xx[J_], SET1(9.99999999999999999910e-1)), y[J_]);)              \
        EACH(q[J_] = FMA(SET1(3.00198505138664455042e-6), xx[J_], SET1(2.52448340349684104192e-3));)  \
        EACH(q[J_] = FMA(q[J_], xx[J_], SET1(2.27265548208155028766e-1));)                            \
        EACH(q[J_] = FMA(q[J_], xx[J_], SET1(2.00000000000000000009e0));)                             \
        EACH(e[J_] = FMA(DIV(px[J_], SUB(q[J_], px[J_])), SET1(2.0), SET1(1.0));)                     \
        EACH(e[J_] = POW2(e[J_], fx[J_]);)                                                            \
        EACH(e[J_] = SUB(SET1(1.0), DIV(SET1(2.0), ADD(e[J_], SET1(1.0))));) /* the big branch */     \
        EACH(out[J_] = COPYSIGN(LT_BLEND(ax[J_], SET1(0.625), small[J_], e[J_]), x[J_]);)              \
    }
#endif

/* The damped or Euler step fused behind the tanh of the forward map (docs/THEORY.md (M3)): with ro the
 * current iterate R, each element's f = tanh(W r + x) is not stored but stepped, R + step (f - R) by one
 * FMA, and the residual sums s1 += (f - R)^2, s2 += R^2 are kept per column in the working type, down
 * the rows in order (each column's bits do not depend on where it sits). */
typedef struct FP__I(tanh_step) { const FP__T *ro; FP__T step; FP__T *s1, *s2; } FP__I(tanh_step);

/* The vector tanh's signature: r = tanh(z + x) (x NULL: tanh(z); z + x rounded once, as an addition
 * before it would) over the whole vectors of m rows (row strides ldz, ldx, ldr), or with st the fused
 * step (st->ro read with ldr's stride) written to r instead. It returns how many elements of each row it
 * did; the caller finishes the tails. Taking the addend, the forward map's W R + X is made as tanh loads
 * W R, one pass over N x B fewer. */
#define FP__TANH_ARGS int m, int n, const FP__T *z, ptrdiff_t ldz, const FP__T *xa, ptrdiff_t ldx, FP__T *r, ptrdiff_t ldr, \
                      const FP__I(tanh_step) *st
#if defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512)
/* for every row, its whole vectors C at a time and then one at a time: x[j] holds z + xa at column
 * i + j VL, the body (BODYC on C chains, BODY1 on one) makes out[j], and EPI stores it */
#define FP__TANH_ROWS(VL, C, EACHC, LOAD, ADD, BODYC, BODY1, EPI)                                      \
    for (row = 0; row < m; ++row) {                                                                   \
        const FP__T *zi = z + row * ldz, *xi = xa ? xa + row * ldx : NULL;                            \
        FP__T *ri = r + row * ldr;                                                                    \
        for (i = 0; i + (C) * (VL) <= n; i += (C) * (VL)) {                                           \
            EACHC(x[J_] = LOAD(zi + i + J_ * (VL)); if (xi) x[J_] = ADD(x[J_], LOAD(xi + i + J_ * (VL)));) \
            BODYC                                                                                     \
            EACHC(EPI)                                                                                \
        }                                                                                             \
        for (; i + (VL) <= n; i += (VL)) {                                                            \
            FP__EACH1(x[J_] = LOAD(zi + i + J_ * (VL)); if (xi) x[J_] = ADD(x[J_], LOAD(xi + i + J_ * (VL)));) \
            BODY1                                                                                     \
            FP__EACH1(EPI)                                                                            \
        }                                                                                             \
    }
/* EPI for tanh alone, and for the fused step (sv: the step in every lane, ro, s1, s2: st's; c: the
 * element's column) */
#define FP__TANH_STORE(VL, STORE) STORE(ri + i + J_ * (VL), out[J_]);
#define FP__TANH_STEP(VT, VL, LOAD, STORE, SUB, FMA)                                                 \
    {                                                                                                 \
        const ptrdiff_t c = i + J_ * (VL);                                                            \
        VT o_ = LOAD(ro + row * ldr + c);                                                             \
        VT d_ = SUB(out[J_], o_);                                                                     \
        STORE(s1 + c, FMA(d_, d_, LOAD(s1 + c)));                                                     \
        STORE(s2 + c, FMA(o_, o_, LOAD(s2 + c)));                                                     \
        STORE(ri + c, FMA(sv, d_, o_));                                                               \
    }
/* the kernel: both epilogues, each on C chains (...: the body's instruction-set arguments) */
#define FP__TANH_KERNEL(VT, VL, C, EACHC, LOAD, STORE, ADD, SUB, FMA, SET1, BODY, ...)                \
    VT x[4], out[4];                                                                                  \
    if (!st)                                                                                          \
        FP__TANH_ROWS(VL, C, EACHC, LOAD, ADD, BODY(EACHC, __VA_ARGS__), BODY(FP__EACH1, __VA_ARGS__), FP__TANH_STORE(VL, STORE)) \
    else {                                                                                            \
        const VT sv = SET1(st->step);                                                                 \
        const FP__T *FP__RESTRICT ro = st->ro; /* in registers: the stores below cannot reach st */ \
        FP__T *FP__RESTRICT s1 = st->s1, *FP__RESTRICT s2 = st->s2;                                   \
        FP__TANH_ROWS(VL, C, EACHC, LOAD, ADD, BODY(EACHC, __VA_ARGS__), BODY(FP__EACH1, __VA_ARGS__),             \
                      FP__TANH_STEP(VT, VL, LOAD, STORE, SUB, FMA))                                   \
    }                                                                                                 \
    return n / (VL) * (VL);
#endif

#if defined(FP__HAVE_AVX2)
FP__TARGET_AVX2 static int FP__I(tanh_avx2)(FP__TANH_ARGS)
{
    int i, row;
#if FP__BITS == 64
#define ABS(v) _mm256_andnot_pd(_mm256_set1_pd(-0.0), v)
#define LT_BLEND(a, b, lo, hi) _mm256_blendv_pd(hi, lo, _mm256_cmp_pd(a, b, _CMP_LT_OQ))
#define ROUND(v) _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define POW2(e, k) _mm256_mul_pd(e, _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(                    \
    _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)), _mm256_set1_epi64x(1023)), 52))) /* 0 <= k <= 58 */
#define COPYSIGN(v, s) _mm256_or_pd(v, _mm256_and_pd(_mm256_set1_pd(-0.0), s))
    FP__TANH_KERNEL(__m256d, 4, 1, FP__EACH1, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd, _mm256_sub_pd, _mm256_fmadd_pd,
                    _mm256_set1_pd, FP__TANH64_BODY, __m256d, _mm256_set1_pd, _mm256_add_pd, _mm256_sub_pd, _mm256_mul_pd,
                    _mm256_div_pd, _mm256_fmadd_pd, _mm256_min_pd, ABS, LT_BLEND, ROUND, POW2)
#undef POW2
#undef LT_BLEND
#undef ROUND
#undef ABS
#undef COPYSIGN
#else
    FP__TANH_KERNEL(__m256, 8, 4, FP__EACH4, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_fmadd_ps,
                    _mm256_set1_ps, FP__TANH_BODY, __m256, _mm256_set1_ps, _mm256_mul_ps, _mm256_fmadd_ps, _mm256_min_ps,
                    _mm256_max_ps, _mm256_div_ps)
#endif
}
#endif

#if defined(FP__HAVE_AVX512)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push /* GCC 12's avx512fintrin.h trips a false maybe-uninitialized in C++ */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
FP__TARGET_AVX512 static int FP__I(tanh_avx512)(FP__TANH_ARGS)
{
    int i, row;
#if FP__BITS == 64 /* AVX-512F only: the bitwise double operations go through the integer unit */
#define ABS(v) _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(v), _mm512_set1_epi64(0x7fffffffffffffffLL)))
#define LT_BLEND(a, b, lo, hi) _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, b, _CMP_LT_OQ), hi, lo)
#define ROUND(v) _mm512_cvtepi32_pd(_mm512_cvtpd_epi32(v)) /* |v| <= 58 here */
#define POW2(e, k) _mm512_scalef_pd(e, k)
#define COPYSIGN(v, s) _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(v), \
    _mm512_and_si512(_mm512_castpd_si512(s), _mm512_set1_epi64((long long)0x8000000000000000ULL))))
    FP__TANH_KERNEL(__m512d, 8, 1, FP__EACH1, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_add_pd, _mm512_sub_pd, _mm512_fmadd_pd,
                    _mm512_set1_pd, FP__TANH64_BODY, __m512d, _mm512_set1_pd, _mm512_add_pd, _mm512_sub_pd, _mm512_mul_pd,
                    _mm512_div_pd, _mm512_fmadd_pd, _mm512_min_pd, ABS, LT_BLEND, ROUND, POW2)
#undef POW2
#undef LT_BLEND
#undef ROUND
#undef ABS
#undef COPYSIGN
#else
    FP__TANH_KERNEL(__m512, 16, 4, FP__EACH4, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_add_ps, _mm512_sub_ps, _mm512_fmadd_ps,
                    _mm512_set1_ps, FP__TANH_BODY, __m512, _mm512_set1_ps, _mm512_mul_ps, _mm512_fmadd_ps, _mm512_min_ps,
                    _mm512_max_ps, _mm512_div_ps)
#endif
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

typedef int (*FP__I(tanh_fn))(FP__TANH_ARGS);
/* the path's vector tanh (NULL: scalar, libm) */
static FP__I(tanh_fn) FP__I(tanh_path)(void)
{
    FP__I(tanh_fn) vec = NULL;
#if defined(FP__HAVE_AVX512)
    if (fp_isa_current() == FP_ISA_AVX512) vec = FP__I(tanh_avx512);
#endif
#if defined(FP__HAVE_AVX2)
    if (fp_isa_current() == FP_ISA_AVX2) vec = FP__I(tanh_avx2);
#endif
    return vec;
}

/* r = tanh(z + x), or the fused step st, over m rows (FP__TANH_ARGS, z == r allowed) with the path's
 * vector tanh vec: its whole vectors, then each row's tail (fewer elements than a vector) through the
 * same vector code, padded with zeros (whose step adds 0 to the sums: st->s1 and st->s2 have 16 slots
 * past the last column). An element's value and a column's sums are then the same wherever it sits in
 * a row, so a column does not depend on the batch width or the column slices (docs/THEORY.md, (P1)).
 * The step needs a vector path (vec). */
static void FP__I(tanh_rows)(FP__I(tanh_fn) vec, FP__TANH_ARGS)
{
    int i, j = 0, k;
    FP__T zt[16], rt[16], ot[16];
    FP__I(tanh_step) tail;
    if (!vec) {
        for (i = 0; i < m; ++i)
            for (j = 0; j < n; ++j) r[i * ldr + j] = FP__TANH(xa ? z[i * ldz + j] + xa[i * ldx + j] : z[i * ldz + j]);
        return;
    }
    j = vec(m, n, z, ldz, xa, ldx, r, ldr, st);
    if (st) { tail.ro = ot; tail.step = st->step; tail.s1 = st->s1 + j; tail.s2 = st->s2 + j; }
    for (i = 0; i < m && j < n; ++i) {
        for (k = 0; k < 16; ++k) {
            zt[k] = j + k >= n ? (FP__T)0 : xa ? z[i * ldz + j + k] + xa[i * ldx + j + k] : z[i * ldz + j + k];
            ot[k] = j + k >= n || !st ? (FP__T)0 : st->ro[i * ldr + j + k];
        }
        vec(1, 16, zt, 0, NULL, 0, rt, 0, st ? &tail : NULL);
        for (k = 0; j + k < n; ++k) r[i * ldr + j + k] = rt[k];
    }
}

static void FP__I(tanh_row)(int n, const FP__T *z, FP__T *r) { FP__I(tanh_rows)(FP__I(tanh_path)(), 1, n, z, 0, NULL, 0, r, 0, NULL); }

static FP__T FP__I(logistic)(FP__T z)
{
    /* never exp of a large positive number */
    if (z >= (FP__T)0) return (FP__T)1 / ((FP__T)1 + FP__EXP(-z));
    {
        FP__T e = FP__EXP(z);
        return e / ((FP__T)1 + e);
    }
}

/* f and f' of one value; the loops below hoist the switch out of the element loop. */
static void FP__I(act_one)(const fp_activation *act, FP__T z, FP__T *f, FP__T *g)
{
    *f = 0;
    *g = 0;
    switch (act->kind) {
    case FP_ACT_TANH: { FP__T t = FP__TANH(z); *f = t; *g = (FP__T)1 - t * t; break; }
    case FP_ACT_IDENTITY: *f = z; *g = 1; break;
    case FP_ACT_LOGISTIC: { FP__T s = FP__I(logistic)(z); *f = s; *g = s * ((FP__T)1 - s); break; }
    case FP_ACT_SOFTPLUS:
        *f = z > (FP__T)20 ? z + FP__LOG1P(FP__EXP(-z)) : FP__LOG1P(FP__EXP(z));
        *g = FP__I(logistic)(z);
        break;
    case FP_ACT_RELU: *f = z > (FP__T)0 ? z : (FP__T)0; *g = z > (FP__T)0 ? (FP__T)1 : (FP__T)0; break;
    case FP_ACT_RECTPOW2: *f = z > (FP__T)0 ? z * z : (FP__T)0; *g = z > (FP__T)0 ? (FP__T)2 * z : (FP__T)0; break;
    case FP_ACT_CUSTOM:
        *f = (FP__T)act->f((double)z, act->ctx);
        *g = (FP__T)act->df((double)z, act->ctx);
        break;
    }
}

static void FP__I(act_apply)(const fp_activation *act, int m, int n, const FP__T *z, ptrdiff_t rsz,
                             ptrdiff_t csz, FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, FP__T *g, ptrdiff_t rsg,
                             ptrdiff_t csg)
{
    int i, j;
    FP_ASSERT(act && m >= 0 && n >= 0 && (int)act->kind >= 0 && act->kind <= FP_ACT_CUSTOM);
    FP_ASSERT(act->kind != FP_ACT_CUSTOM || (act->f && act->df));
    if (act->kind == FP_ACT_TANH && m > 1 && csz == 1 && rsz == n && (r ? csr == 1 && rsr == n : 1) &&
        (!g || (csg == 1 && rsg == n))) {
        n *= m; /* contiguous rows: one long row, so short rows (a batch of 8) still fill the vectors */
        m = 1;
    }
    for (i = 0; i < m; ++i) {
        const FP__T *zi = z + i * rsz;
        if (act->kind == FP_ACT_TANH && csz == 1 && (r ? csr == 1 : csg == 1) && (!g || csg == 1)) {
            /* the vectorized row, then f' = 1 - f^2 */
            FP__T *ti = r ? r + i * rsr : g + i * rsg;
            FP__I(tanh_row)(n, zi, ti);
            if (g)
                for (j = 0; j < n; ++j) g[i * rsg + j] = (FP__T)1 - ti[j] * ti[j];
            continue;
        }
        for (j = 0; j < n; ++j) {
            FP__T f, d;
            FP__I(act_one)(act, zi[j * csz], &f, &d);
            if (r) r[i * rsr + j * csr] = f;
            if (g) g[i * rsg + j * csg] = d;
        }
    }
}

static FP__T FP__I(loss_mse)(int n, int b, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, const FP__T *t,
                             ptrdiff_t rst, ptrdiff_t cst, FP__T *dr, ptrdiff_t rsd, ptrdiff_t csd)
{
    double acc = 0;
    int i, j;
    FP_ASSERT(n >= 0 && b >= 1 && r && t);
    for (i = 0; i < n; ++i)
        for (j = 0; j < b; ++j) {
            FP__T e = r[i * rsr + j * csr] - t[i * rst + j * cst];
            acc += (double)e * (double)e;
            if (dr) dr[i * rsd + j * csd] = (FP__T)2 * e / (FP__T)b;
        }
    return (FP__T)(acc / b);
}

/* The cross-entropy with its GEMMs on a caller's GEMM workspace (gws; NULL allocates): the trainer's
 * form, which allocates nothing. *loss receives the batch mean. FP_ERR_INVALID_ARG for a label outside
 * [0, k), FP_ERR_NO_MEMORY when gws is NULL and the packing buffers cannot be had. */
static fp_status FP__I(loss_xent_ws)(int k, int n, int b, const FP__T *wout, ptrdiff_t rso, ptrdiff_t cso,
                                     const FP__T *bout, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, const int *labels,
                                     FP__T *dr, ptrdiff_t rsd, ptrdiff_t csd, FP__T *dwout, ptrdiff_t rsw,
                                     ptrdiff_t csw, FP__T *dbout, int *correct, FP__T *work, void *gws, FP__T *out)
{
    /* work holds Y (k x b, row-major), then dY in place */
    double loss = 0;
    int i, j, hits = 0;
    fp_status st;
    FP_ASSERT(k >= 1 && n >= 1 && b >= 1 && wout && r && labels && work);
    for (j = 0; j < b; ++j)
        if (labels[j] < 0 || labels[j] >= k) return FP_ERR_INVALID_ARG;
    st = FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, k, b, n, 1, wout, rso, cso, r, rsr, csr, 0, work, b, 1, gws);
    if (st != FP_OK) return st;
    for (j = 0; j < b; ++j) {
        FP__T mx = work[j], z = 0;
        int arg = 0;
        for (i = 0; i < k; ++i) {
            if (bout) work[i * b + j] += bout[i];
            if (work[i * b + j] > mx || i == 0) { mx = work[i * b + j]; arg = i; }
        }
        hits += arg == labels[j];
        for (i = 0; i < k; ++i) z += FP__EXP(work[i * b + j] - mx);
        /* -log softmax = log sum exp(y - max) - (y_label - max) */
        loss += (double)(FP__LOG(z) - (work[labels[j] * b + j] - mx));
        for (i = 0; i < k; ++i)
            work[i * b + j] = (FP__EXP(work[i * b + j] - mx) / z - (FP__T)(i == labels[j])) / (FP__T)b;
    }
    if (dr && (st = FP__F(gemm_ws)(FP_TRANS, FP_NOTRANS, n, b, k, 1, wout, rso, cso, work, b, 1, 0, dr, rsd, csd, gws)) != FP_OK)
        return st;
    if (dwout && (st = FP__F(gemm_ws)(FP_NOTRANS, FP_TRANS, k, n, b, 1, work, b, 1, r, rsr, csr, 0, dwout, rsw, csw, gws)) != FP_OK)
        return st;
    if (dbout) FP__I(mat_row_sum)(k, b, work, b, 1, dbout, 1);
    if (correct) *correct = hits;
    *out = (FP__T)(loss / b);
    return FP_OK;
}

static void FP__I(mat_row_sum)(int m, int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, FP__T *s, ptrdiff_t incs)
{
    int i;
    FP_ASSERT(m >= 0 && n >= 0 && (m == 0 || (s && a)));
    for (i = 0; i < m; ++i) s[i * incs] = FP__F(vec_sum)(n, a + i * rsa, csa);
}

/*@end*/

/* The argument checks of the view forms below: untyped validators (see VIEWS), compiled once for both
 * precisions; each returns the sentence naming what is wrong, or NULL. */
FP__VALIDATOR static const char *fp__act_apply_bad(fp__view_fn view, const fp_activation *act, const void *pz, const void *pr,
                                                   const void *pg, size_t esz)
{
    fp__view z, r, g;
    view(&z, pz);
    view(&r, pr);
    view(&g, pg);
    if (!((int)act->kind >= 0 && act->kind <= FP_ACT_CUSTOM && (act->kind != FP_ACT_CUSTOM || (act->f && act->df))))
        return "act: an unknown kind, or FP_ACT_CUSTOM without f and df";
    if (!fp__view_in_ok(&z)) return "Z must be a valid view" FP__BADVIEW;
    if (!(!r.data || (fp__view_out_ok(&r) && fp__view_is(&r, z.rows, z.cols)))) return "R must be absent or a writable view of Z's shape";
    if (!(!g.data || (fp__view_out_ok(&g) && fp__view_is(&g, z.rows, z.cols)))) return "G must be absent or a writable view of Z's shape";
    if (!(fp__view_apart(&g, &z, esz) && fp__view_apart(&g, &r, esz))) return "G must not overlap Z or R";
    if (!(fp__view_apart(&r, &z, esz) || fp__view_same(&r, &z))) return "R must be Z itself or not overlap it";
    return NULL;
}
FP__VALIDATOR static const char *fp__loss_mse_bad(fp__view_fn view, const void *pr, const void *pt, const void *pdr,
                                                  const double *loss, size_t esz)
{
    fp__view r, t, dr;
    view(&r, pr);
    view(&t, pt);
    view(&dr, pdr);
    if (!(fp__view_in_ok(&r) && r.cols >= 1)) return "R must be a valid view with at least one column" FP__BADVIEW;
    if (!(fp__view_in_ok(&t) && fp__view_is(&t, r.rows, r.cols))) return "T must be a view of R's shape";
    if (!(!dr.data || (fp__view_out_ok(&dr) && fp__view_is(&dr, r.rows, r.cols)))) return "dR must be absent or a writable view of R's shape";
    if (!(fp__view_apart(&dr, &r, esz) && fp__view_apart(&dr, &t, esz) && loss)) return "dR must not overlap R or T; loss must point to a double";
    return NULL;
}
FP__VALIDATOR static const char *fp__loss_xent_bad(fp__view_fn view, const void *pwout, const void *pr, const int *labels,
                                                   const void *pdr, const void *pdwout, const double *loss, size_t esz)
{
    int k, n, b;
    fp__view wout, r, dr, dwout;
    view(&wout, pwout);
    view(&r, pr);
    view(&dr, pdr);
    view(&dwout, pdwout);
    k = wout.rows; n = wout.cols; b = r.cols;
    if (!(fp__view_in_ok(&wout) && k >= 1 && n >= 1)) return "W_out must be a valid k x n view with k, n >= 1";
    if (!(fp__view_in_ok(&r) && r.rows == n && b >= 1)) return "R must be n x B with n = W_out's columns, B >= 1";
    if (!(labels && loss)) return "labels (B ints) and loss are required";
    if (!(!dr.data || (fp__view_out_ok(&dr) && fp__view_is(&dr, n, b)))) return "dR must be absent or a writable view of R's shape";
    if (!(!dwout.data || (fp__view_out_ok(&dwout) && fp__view_is(&dwout, k, n)))) return "dW_out must be absent or a writable view of W_out's shape";
    if (!(fp__view_apart(&dr, &r, esz) && fp__view_apart(&dr, &wout, esz) && fp__view_apart(&dwout, &r, esz) &&
          fp__view_apart(&dwout, &wout, esz) && fp__view_apart(&dr, &dwout, esz)))
        return "dR and dW_out must not overlap R, W_out or each other";
    return NULL;
}

/*@typed*/
FP_DEF fp_status FP__F(act_apply)(const fp_activation *act, FP__F(mat) z, FP__F(mat) r, FP__F(mat) g)
{
    fp_activation tanh_ = fp_activation_make(FP_ACT_TANH);
    const char *bad;
    if (!act) act = &tanh_;
    bad = fp__act_apply_bad(FP__I(view_of), act, &z, &r, &g, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(act_apply)(act, z.rows, z.cols, z.data, z.rs, z.cs, r.data, r.rs, r.cs, g.data, g.rs, g.cs);
    return FP_OK;
}

FP_DEF fp_status FP__F(loss_mse)(FP__F(mat) r, FP__F(mat) t, FP__F(mat) dr, double *loss)
{
    FP__T l;
    const char *bad = fp__loss_mse_bad(FP__I(view_of), &r, &t, &dr, loss, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    if (!FP__I(mat_all_finite)(r.rows, r.cols, r.data, r.rs, r.cs) || !FP__I(mat_all_finite)(t.rows, t.cols, t.data, t.rs, t.cs))
        return FP_ERR_NON_FINITE;
    l = FP__I(loss_mse)(r.rows, r.cols, r.data, r.rs, r.cs, t.data, t.rs, t.cs, dr.data, dr.rs, dr.cs);
    *loss = (double)l;
    return FP__ISFINITE(l) ? FP_OK : FP_ERR_NON_FINITE;
}

FP_DEF size_t FP__F(loss_xent_workspace_size)(int k, int b)
{
    if (k < 1 || b < 1) return 0;
    return 64 + (size_t)k * (size_t)b * sizeof(FP__T) + 64 + FP__F(gemm_workspace_size)();
}

FP_DEF fp_status FP__F(loss_xent)(FP__F(mat) wout, const FP__T *bout, FP__F(mat) r, const int *labels, FP__F(mat) dr,
                                  FP__F(mat) dwout, FP__T *dbout, double *loss, int *correct, void *work)
{
    int k = wout.rows, n = wout.cols, b = r.cols;
    void *blk = NULL;
    FP__T *y, l = 0;
    fp_status st;
    const char *bad = fp__loss_xent_bad(FP__I(view_of), &wout, &r, labels, &dr, &dwout, loss, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    if (!FP__I(mat_all_finite)(k, n, wout.data, wout.rs, wout.cs) || !FP__I(mat_all_finite)(n, b, r.data, r.rs, r.cs) ||
        (bout && !FP__I(mat_all_finite)(k, 1, bout, 1, 1)))
        return FP_ERR_NON_FINITE;
    if (!work) {
        blk = work = fp__malloc(FP__F(loss_xent_workspace_size)(k, b));
        if (!blk) return FP_ERR_NO_MEMORY;
    }
    y = (FP__T *)fp__align64(work);
    st = FP__I(loss_xent_ws)(k, n, b, wout.data, wout.rs, wout.cs, bout, r.data, r.rs, r.cs, labels, dr.data, dr.rs, dr.cs,
                             dwout.data, dwout.rs, dwout.cs, dbout, correct, y,
                             fp__align64(y + (size_t)k * (size_t)b), &l);
    fp__free(blk);
    if (st != FP_OK) return st;
    *loss = (double)l;
    return FP__ISFINITE(l) ? FP_OK : FP_ERR_NON_FINITE;
}
/*@end*/

FP__COLD FP_DEF fp_solver_config fp_solver_config_default(fp_solver_method method)
{
    fp_solver_config c;
    memset(&c, 0, sizeof c);
    c.method = method == FP_SOLVER_DEFAULT ? FP_SOLVER_ANDERSON : method;
    c.tol = 1e-6;
    c.floor = 1e-6;
    c.max_iter = c.method == FP_SOLVER_NEWTON ? 50 : c.method == FP_SOLVER_ANDERSON ? 1000 : 10000;
    c.step = c.method == FP_SOLVER_EULER ? 0.1 : 0.5;
    c.anderson_m = 5;
    c.anderson_beta = 1.0;
    c.anderson_reg = 1e-10;
    c.diverge_at = 1e12;
    return c;
}

/* Fills zero fields with defaults and rejects values out of range (with a message). */
static fp_status fp__solver_config_resolve(const fp_solver_config *in, fp_solver_config *out, const char **msg)
{
    fp_solver_config d;
    if ((int)in->method < 0 || (int)in->method > (int)FP_SOLVER_NEWTON) { *msg = "unknown solver method"; return FP_ERR_INVALID_ARG; }
    d = fp_solver_config_default(in->method);
    *out = *in;
    out->method = d.method;
    if (in->tol == 0) out->tol = d.tol;
    if (in->floor == 0) out->floor = d.floor;
    if (in->max_iter == 0) out->max_iter = d.max_iter;
    if (in->step == 0) out->step = d.step;
    if (in->anderson_m == 0) out->anderson_m = d.anderson_m;
    if (in->anderson_beta == 0) out->anderson_beta = d.anderson_beta;
    if (in->anderson_reg == 0) out->anderson_reg = d.anderson_reg;
    if (in->diverge_at == 0) out->diverge_at = d.diverge_at;
    *msg = NULL;
    if (!(out->tol > 0 && out->tol < 1)) *msg = "tol must lie in (0, 1)";
    else if (!(out->floor > 0 && out->floor < 1e300)) *msg = "floor must be positive";
    else if (out->max_iter < 0 || out->max_iter > 100000000) *msg = "max_iter must lie in [1, 1e8]";
    else if (!(out->step > 0 && out->step <= 1)) *msg = "step must lie in (0, 1]";
    else if (out->anderson_m < 1 || out->anderson_m > 32) *msg = "anderson_m must lie in [1, 32]";
    else if (!(out->anderson_beta > 0 && out->anderson_beta <= 1)) *msg = "anderson_beta must lie in (0, 1]";
    else if (!(out->anderson_reg > 0 && out->anderson_reg < 1)) *msg = "anderson_reg must lie in (0, 1)";
    else if (!(out->diverge_at > 1)) *msg = "diverge_at must exceed 1";
    else if (out->warm_start != 0 && out->warm_start != 1) *msg = "warm_start must be 0 or 1";
    else if (out->fixed_iterations != 0 && out->fixed_iterations != 1) *msg = "fixed_iterations must be 0 or 1";
    return *msg ? FP_ERR_INVALID_ARG : FP_OK;
}

/* Reports: a local one when the caller passes NULL, reset before each call. */
static void fp__report_reset(fp_solve_report *rep)
{
    rep->status = FP_OK;
    rep->iterations = 0;
    rep->converged = 0;
    rep->max_residual = 0;
    rep->tol = 0;
    rep->message = NULL;
    rep->history_len = 0;
}
static fp_status fp__report_fail(fp_solve_report *rep, fp_status s, const char *msg)
{
    rep->status = s;
    rep->message = msg;
    return s;
}

/*@typed*/
/* ================================================================================================
 * SOLVERS: one batched iteration engine (damped/Euler and Anderson) over a map x -> g(x) applied to
 * the active columns, used for the forward fixed point (g = f(W x + X)) and the iterative adjoint
 * (g = W^T (G .* x) + Delta); and Newton per column. docs/THEORY.md (M3)-(M5), (A3).
 * Work matrices are N x B row-major (ld = B) with the active columns first: a column that converges
 * is swapped behind them, so GEMMs run on a contiguous N x nact block and finished columns cost nothing.
 * ================================================================================================ */
typedef void (*FP__I(map_fn))(void *ctx, int nact, const int *perm, const FP__T *xin, int ld, FP__T *out);

typedef struct FP__I(engine) {
    int n, b, m;             /* units, columns, Anderson memory (0: damped)     */
    FP__T *R, *F;            /* iterate and its image, N x B                    */
    FP__T *Xh, *Dh;          /* Anderson history: iterates and residuals, m slots of N x B */
    FP__T *alpha;            /* mixing weights, m x B                           */
    double *H;               /* Gram matrices of the residual history, B x m x m */
    double *sys, *rhs, *acc, *acc2, *best;
    FP__T *sums;             /* a map's own residual sums in the working type, 2 (B + 16) */
    int *perm, *hcount, *stall, *restarts;
    int fused;               /* the map leaves R + step (F - R) in F and the residual sums: no passes of its own */
} FP__I(engine);

static void FP__I(engine_layout)(FP__I(engine) *e, fp__arena *a, int n, int b, int m)
{
    size_t nb = (size_t)n * (size_t)b, mm = (size_t)m;
    e->n = n; e->b = b; e->m = m;
    e->fused = 0;
    e->R = (FP__T *)fp__take(a, nb * sizeof(FP__T));
    e->F = (FP__T *)fp__take(a, nb * sizeof(FP__T));
    e->Xh = m ? (FP__T *)fp__take(a, mm * nb * sizeof(FP__T)) : NULL;
    e->Dh = m ? (FP__T *)fp__take(a, mm * nb * sizeof(FP__T)) : NULL;
    e->alpha = m ? (FP__T *)fp__take(a, mm * (size_t)b * sizeof(FP__T)) : NULL;
    e->H = m ? (double *)fp__take(a, (size_t)b * mm * mm * sizeof(double)) : NULL;
    e->sys = (double *)fp__take(a, (mm + 1) * (mm + 1) * sizeof(double));
    e->rhs = (double *)fp__take(a, (mm + 1) * sizeof(double));
    e->acc = (double *)fp__take(a, (size_t)b * sizeof(double));
    e->acc2 = (double *)fp__take(a, (size_t)b * sizeof(double));
    e->best = (double *)fp__take(a, (size_t)b * sizeof(double));
    e->sums = (FP__T *)fp__take(a, 2 * ((size_t)b + 16) * sizeof(FP__T));
    e->perm = (int *)fp__take(a, (size_t)b * sizeof(int));
    e->hcount = (int *)fp__take(a, (size_t)b * sizeof(int));
    e->stall = (int *)fp__take(a, (size_t)b * sizeof(int));
    e->restarts = (int *)fp__take(a, (size_t)b * sizeof(int));
}

static void FP__I(swap_cols)(FP__T *p, int n, int ld, int c1, int c2)
{
    int i;
    for (i = 0; i < n; ++i) { FP__T t = p[i * ld + c1]; p[i * ld + c1] = p[i * ld + c2]; p[i * ld + c2] = t; }
}

/* Moves working column c behind the active block (to position last). */
static void FP__I(engine_retire)(FP__I(engine) *e, int c, int last)
{
    int s, i, t;
    double d;
    if (c == last) return;
    FP__I(swap_cols)(e->R, e->n, e->b, c, last);
    FP__I(swap_cols)(e->F, e->n, e->b, c, last);
    for (s = 0; s < e->m; ++s) {
        FP__I(swap_cols)(e->Xh + (size_t)s * (size_t)e->n * (size_t)e->b, e->n, e->b, c, last);
        FP__I(swap_cols)(e->Dh + (size_t)s * (size_t)e->n * (size_t)e->b, e->n, e->b, c, last);
    }
    for (i = 0; i < e->m * e->m; ++i) {
        d = e->H[c * e->m * e->m + i]; e->H[c * e->m * e->m + i] = e->H[last * e->m * e->m + i]; e->H[last * e->m * e->m + i] = d;
    }
    t = e->perm[c]; e->perm[c] = e->perm[last]; e->perm[last] = t;
    t = e->hcount[c]; e->hcount[c] = e->hcount[last]; e->hcount[last] = t;
    t = e->stall[c]; e->stall[c] = e->stall[last]; e->stall[last] = t;
    t = e->restarts[c]; e->restarts[c] = e->restarts[last]; e->restarts[last] = t;
    d = e->best[c]; e->best[c] = e->best[last]; e->best[last] = d;
}

/* Anderson step for the active columns: slot s gets X_s = R and D_s = F - R; then
 * R <- sum_j alpha_j (X_j + beta D_j) with alpha = argmin ||sum alpha_j D_j||, sum alpha_j = 1, from the
 * bordered system [0 1^T; 1 H + reg] (Walker & Ni 2011), H the Gram matrix of the D's kept per column
 * and updated by one row per step. A singular or wild solution restarts that column's history.
 * Loops run rows outer, columns inner (contiguous), so every pass streams memory once. */
/* The engine's passes over N x B (row-major, leading dimension ld, the first nact columns), as kernels of
 * their own: restrict lets them vectorize without run-time alias checks, and the control code around
 * them (per-column bookkeeping, Anderson's small systems) is compiled as ordinary code. */
/* The two passes of every damped or Euler iteration (the residual and the update; 13 % of the paper's
 * 500-step solve on the baseline ISA) are compiled once more for each SIMD family from the same C body,
 * and picked by the path in force: the compiler's vectors are then as wide as the GEMM's. Each column's
 * sums run down its rows in the same order on every path. */
/* One element's share of the residual sums (acc += (F - R)^2, acc2 += R^2, in double) and its damped
 * (Euler) update R + step (F - R): stated once, so the passes below and the fused pass of a damped or
 * Euler forward map (step_rows) compute the same bits. */
#define FP__RESID_ELEM(fv, rv, c)                                                                     \
    do {                                                                                              \
        double d_ = (double)(fv) - (double)(rv), v_ = (double)(rv);                                   \
        acc[c] += d_ * d_;                                                                            \
        acc2[c] += v_ * v_;                                                                           \
    } while (0)
#define FP__RELAX_ELEM(fv, rv) ((rv) + step * ((fv) - (rv)))
/* acc = sum_i (F - R)^2 and acc2 = sum_i R^2 per column */
#define FP__RESID_BODY                                                                                \
    int i, c;                                                                                         \
    for (c = 0; c < nact; ++c) { acc[c] = 0; acc2[c] = 0; }                                           \
    for (i = 0; i < n; ++i)                                                                           \
        for (c = 0; c < nact; ++c) FP__RESID_ELEM(f[i * ld + c], r[i * ld + c], c);
/* R += step (F - R) */
#define FP__RELAX_BODY                                                                                \
    int i, c;                                                                                         \
    for (i = 0; i < n; ++i)                                                                           \
        for (c = 0; c < nact; ++c) r[i * ld + c] = FP__RELAX_ELEM(f[i * ld + c], r[i * ld + c]);
/* Both in one pass over h rows, for a map that fuses them (fwd_map): the sums, then the update written
 * over F (o); the engine then swaps R and F instead of a second pass over N x B. */
#define FP__STEP_ROWS_BODY                                                                            \
    int i, c;                                                                                         \
    for (i = 0; i < h; ++i)                                                                           \
        for (c = 0; c < nact; ++c) {                                                                  \
            FP__RESID_ELEM(o[i * ldo + c], r[i * ldr + c], c);                                        \
            o[i * ldo + c] = FP__RELAX_ELEM(o[i * ldo + c], r[i * ldr + c]);                          \
        }
#define FP__RESID_ARGS int n, int nact, const FP__T *FP__RESTRICT f, const FP__T *FP__RESTRICT r, int ld, \
                       double *FP__RESTRICT acc, double *FP__RESTRICT acc2
#define FP__RELAX_ARGS int n, int nact, FP__T step, const FP__T *FP__RESTRICT f, FP__T *FP__RESTRICT r, int ld
#define FP__STEP_ROWS_ARGS int h, int nact, FP__T step, FP__T *FP__RESTRICT o, ptrdiff_t ldo, const FP__T *FP__RESTRICT r, \
                           ptrdiff_t ldr, double *FP__RESTRICT acc, double *FP__RESTRICT acc2
FP__MULTI(void, FP__I(resid_rows), (FP__RESID_ARGS), FP__RESID_BODY)
FP__MULTI(void, FP__I(relax_rows), (FP__RELAX_ARGS), FP__RELAX_BODY)
FP__MULTI(void, FP__I(step_rows), (FP__STEP_ROWS_ARGS), FP__STEP_ROWS_BODY)
static void FP__I(resid_rows)(FP__RESID_ARGS) { FP__PATH(FP__I(resid_rows))(n, nact, f, r, ld, acc, acc2); }
static void FP__I(relax_rows)(FP__RELAX_ARGS) { FP__PATH(FP__I(relax_rows))(n, nact, step, f, r, ld); }

/* X = R and D = F - R: Anderson's newest pair */
FP__VECTORIZE static void FP__I(pair_rows)(int n, int nact, const FP__T *FP__RESTRICT f, const FP__T *FP__RESTRICT r,
                                           FP__T *FP__RESTRICT x, FP__T *FP__RESTRICT d, int ld)
{
    int i, c;
    for (i = 0; i < n; ++i)
        for (c = 0; c < nact; ++c) { x[i * ld + c] = r[i * ld + c]; d[i * ld + c] = f[i * ld + c] - r[i * ld + c]; }
}

/* acc = sum_i a b per column (each product rounded in FP__T, summed in double) */
FP__VECTORIZE static void FP__I(dot_rows)(int n, int nact, const FP__T *FP__RESTRICT a, const FP__T *FP__RESTRICT b, int ld,
                                          double *FP__RESTRICT acc)
{
    int i, c;
    for (c = 0; c < nact; ++c) acc[c] = 0;
    for (i = 0; i < n; ++i)
        for (c = 0; c < nact; ++c) acc[c] += (double)(a[i * ld + c] * b[i * ld + c]);
}

/* R (=, or += when add) alpha (X + beta D), alpha one weight per column */
FP__VECTORIZE static void FP__I(mix_rows)(int n, int nact, int add, const FP__T *FP__RESTRICT alpha, FP__T beta,
                                          const FP__T *FP__RESTRICT x, const FP__T *FP__RESTRICT d, FP__T *FP__RESTRICT r, int ld)
{
    int i, c;
    for (i = 0; i < n; ++i) {
        FP__T *ri = r + i * ld;
        const FP__T *xi = x + i * ld, *di = d + i * ld;
        if (!add)
            for (c = 0; c < nact; ++c) ri[c] = alpha[c] * (xi[c] + beta * di[c]);
        else
            for (c = 0; c < nact; ++c) ri[c] += alpha[c] * (xi[c] + beta * di[c]);
    }
}

static void FP__I(anderson_step)(FP__I(engine) *e, int nact, int it, const fp_solver_config *cfg)
{
    const int n = e->n, ld = e->b, m = e->m, s = it % m;
    const size_t nb = (size_t)n * (size_t)ld;
    const FP__T beta = (FP__T)cfg->anderson_beta;
    FP__T *xs = e->Xh + (size_t)s * nb, *ds = e->Dh + (size_t)s * nb;
    int i, j, c, q;
    FP__I(pair_rows)(n, nact, e->F, e->R, xs, ds, ld);
    for (c = 0; c < nact; ++c) if (e->hcount[c] < m) ++e->hcount[c];
    /* new Gram row H[s][q] = D_s . D_q for every slot q, all columns at once */
    for (q = 0; q < m; ++q) {
        const FP__T *dq = e->Dh + (size_t)q * nb;
        if (q > it) continue; /* never written */
        FP__I(dot_rows)(n, nact, ds, dq, ld, e->acc);
        for (c = 0; c < nact; ++c) { e->H[(c * m + s) * m + q] = e->acc[c]; e->H[(c * m + q) * m + s] = e->acc[c]; }
    }
    /* per column: the mixing weights alpha[j][c] over the slots s, s-1, ..., s-k+1 */
    for (c = 0; c < nact; ++c) {
        int k = e->hcount[c], ok;
        double *sys = e->sys, *al = e->rhs, scale = 0, asum = 0;
        for (i = 0; i < k; ++i) { int si = (s - i + m) % m; scale += e->H[(c * m + si) * m + si]; }
        scale = scale > 0 ? scale / k : 1;
        sys[0] = 0;
        for (i = 0; i < k; ++i) {
            int si = (s - i + m) % m;
            sys[i + 1] = 1; sys[(i + 1) * (k + 1)] = 1;
            for (j = 0; j < k; ++j) sys[(i + 1) * (k + 1) + j + 1] = e->H[(c * m + si) * m + (s - j + m) % m] / scale;
            sys[(i + 1) * (k + 1) + i + 1] += cfg->anderson_reg;
        }
        al[0] = 1;
        for (i = 1; i <= k; ++i) al[i] = 0;
        ok = fp__small_solve(k + 1, sys, al);
        if (ok) {
            for (i = 1; i <= k; ++i) asum += fabs(al[i]);
            ok = asum == asum && asum < 1e4;
        }
        if (!ok) { /* restart this column's history with a plain mixing step from the newest pair */
            e->hcount[c] = 1;
            al[1] = 1;
            k = 1;
        }
        for (j = 0; j < m; ++j) e->alpha[j * ld + c] = j < k ? (FP__T)al[j + 1] : (FP__T)0;
    }
    /* R = sum_j alpha_j (X_j + beta D_j), slot by slot; only slots written so far (the others hold
     * whatever the workspace held, and 0 * NaN is NaN) */
    for (j = 0; j < m && j <= it; ++j) {
        const int sj = (s - j + m) % m;
        FP__I(mix_rows)(n, nact, j > 0, e->alpha + (size_t)j * (size_t)ld, beta, e->Xh + (size_t)sj * nb, e->Dh + (size_t)sj * nb,
                        e->R, ld);
    }
}

/* The engine: iterates R <- mix(R, map(R)) until every column's relative residual meets cfg->tol.
 * On entry e->R holds the start; on return e->R holds the last iterates with e->perm[j] the original
 * column of working column j. Per-column outcomes go to rep (indexed by original column). */
static fp_status FP__I(engine_run)(FP__I(engine) *e, const fp_solver_config *cfg, FP__I(map_fn) map, void *ctx,
                                   fp_solve_report *rep)
{
    const int n = e->n, ld = e->b;
    int nact = e->b, it, c, nonfinite = 0, diverged = 0;
    for (c = 0; c < e->b; ++c) { e->perm[c] = c; e->hcount[c] = 0; e->best[c] = HUGE_VAL; e->stall[c] = 0; e->restarts[c] = 0; }
    for (it = 0; nact > 0; ++it) {
        double hmax = 0;
        map(ctx, nact, e->perm, e->R, ld, e->F);
        /* residual ||F - R|| / max(||R||, floor) and max |R| per column (a fused map left them, and the
         * next iterate in F) */
        if (!e->fused) FP__I(resid_rows)(n, nact, e->F, e->R, ld, e->acc, e->acc2);
        for (c = nact - 1; c >= 0; --c) {
            double nr = sqrt(e->acc2[c]), res = sqrt(e->acc[c]) / (nr > cfg->floor ? nr : cfg->floor);
            int orig = e->perm[c], done = 0;
            if (res > hmax || res != res) hmax = res;
            if (rep->col_residual) rep->col_residual[orig] = res;
            if (rep->col_iterations) rep->col_iterations[orig] = it;
            if (res != res || nr != nr || nr == HUGE_VAL) { nonfinite = 1; done = 1; }
            else if (nr > cfg->diverge_at * sqrt((double)n)) { diverged = 1; done = 1; }
            else if (!cfg->fixed_iterations && res <= cfg->tol) { rep->converged++; done = 1; }
            else if (it >= cfg->max_iter) { done = 1; if (cfg->fixed_iterations && res <= cfg->tol) rep->converged++; }
            else if (e->m && !cfg->fixed_iterations && e->restarts[c] > 6) done = 1; /* Anderson stagnated: reported, not spun */
            if (res > rep->max_residual || res != res) if (done) rep->max_residual = res;
            if (done) {
                int i;
                if (e->fused) /* the column keeps R, its last iterate, in both buffers: F becomes R below */
                    for (i = 0; i < n; ++i) e->F[i * ld + c] = e->R[i * ld + c];
                FP__I(engine_retire)(e, c, nact - 1);
                --nact;
                continue;
            }
            /* stagnation: no 1 % gain in 4m steps restarts an Anderson history */
            if (!e->m) continue;
            if (res < 0.99 * e->best[c]) { e->best[c] = res; e->stall[c] = 0; }
            else if (++e->stall[c] > 4 * (e->m ? e->m : 1)) {
                e->hcount[c] = 0; e->stall[c] = 0; e->best[c] = res; e->restarts[c]++;
            }
        }
        /* the history is the largest residual over every slice's active columns: slices merge into it */
        if (rep->history && it < cfg->max_iter) {
#ifdef _OPENMP
#pragma omp critical(fp__history)
#endif
            if (hmax != hmax || (rep->history[it] == rep->history[it] && hmax > rep->history[it])) rep->history[it] = hmax;
        }
        if (rep->history) rep->history_len = it < cfg->max_iter ? it + 1 : cfg->max_iter;
        rep->iterations = it;
        if (nact == 0) break;
        if (e->m) FP__I(anderson_step)(e, nact, it, cfg);
        else if (e->fused) { FP__T *t = e->R; e->R = e->F; e->F = t; }
        else FP__I(relax_rows)(n, nact, (FP__T)cfg->step, e->F, e->R, ld);
    }
    if (nonfinite) return fp__report_fail(rep, FP_ERR_NON_FINITE, "a column produced NaN or Inf");
    if (diverged) return fp__report_fail(rep, FP_ERR_DIVERGED, "a column grew beyond diverge_at");
    if (rep->converged < e->b) return fp__report_fail(rep, FP_ERR_NOT_CONVERGED, "a column did not meet tol (iteration cap reached, or Anderson stagnated)");
    return FP_OK;
}

/* The S column slices of a batch, each engine run on a thread of its own (fp__slices), with their
 * reports merged into rep: slice s reports columns off[s].. of rep's arrays, the history is the
 * largest residual over all of them, and the status is the worst (non-finite, diverged, unconverged). */
static fp_status FP__I(engine_slices)(FP__I(engine) *e, int S, int T, const int *off, const fp_solver_config *cfg,
                                      FP__I(map_fn) map, void *ctx, size_t ctx_size, fp_solve_report *rep)
{
    fp_solve_report part[FP__SLICES];
    fp_status st[FP__SLICES];
    int s, i, worst = -1;
    static const fp_status rank[3] = { FP_ERR_NON_FINITE, FP_ERR_DIVERGED, FP_ERR_NOT_CONVERGED };
    if (rep->history) for (i = 0; i < cfg->max_iter; ++i) rep->history[i] = 0;
    if (S == 1) return FP__I(engine_run)(e, cfg, map, ctx, rep);
    for (s = 0; s < S; ++s) {
        part[s] = *rep;
        fp__report_reset(&part[s]);
        part[s].col_iterations = rep->col_iterations ? rep->col_iterations + off[s] : NULL;
        part[s].col_residual = rep->col_residual ? rep->col_residual + off[s] : NULL;
    }
#ifdef _OPENMP
    /* T threads (fp__slice_threads); more slices than threads: handed out one at a time, so columns that
     * converge early free a thread */
#pragma omp parallel for schedule(dynamic, 1) num_threads(T) if (T > 1)
#else
    (void)T;
#endif
    for (s = 0; s < S; ++s) st[s] = FP__I(engine_run)(&e[s], cfg, map, (unsigned char *)ctx + (size_t)s * ctx_size, &part[s]);
    for (s = 0; s < S; ++s) {
        rep->converged += part[s].converged;
        if (part[s].iterations > rep->iterations) rep->iterations = part[s].iterations;
        if (part[s].history_len > rep->history_len) rep->history_len = part[s].history_len;
        if (part[s].max_residual != part[s].max_residual || part[s].max_residual > rep->max_residual)
            if (rep->max_residual == rep->max_residual) rep->max_residual = part[s].max_residual;
        for (i = 0; i < 3; ++i)
            if (st[s] == rank[i] && (worst < 0 || i < worst)) { worst = i; rep->message = part[s].message; }
    }
    return worst < 0 ? FP_OK : fp__report_fail(rep, rank[worst], rep->message);
}

/* ---- the forward map g(R) = f(W R + X[:, perm]) ---- */
typedef struct FP__I(fwd_ctx) {
    const fp_activation *act;
    int n;
    const FP__T *w, *x;
    ptrdiff_t rsw, csw, rsx, csx;
    void *gemm_ws;
    double *acc, *acc2; /* non-NULL: the engine's residual sums, and out gets R + step (F - R) (step_rows) */
    FP__T *sums;        /* the fused tanh step's sums, 2 (B + 16) */
    int fused_sums;     /* the floor lets the tanh pass keep the sums in the working type (fp__fwd_map) */
    FP__T step;
} FP__I(fwd_ctx);

/* W R into out, then X[:, perm] added unless the caller can add the returned plain X (its rows at
 * stride rsx) itself */
static const FP__T *FP__I(fwd_product)(FP__I(fwd_ctx) *f, int nact, const int *perm, const FP__T *xin, int ld, FP__T *out)
{
    int i, c, ident = f->csx == 1;
    /* X[:, perm] is a plain row until a column retires (always, for fixed-iteration runs) */
    for (c = 0; c < nact && ident; ++c) ident = perm[c] == c;
    FP__I(gemm_cols)(1, FP_NOTRANS, FP_NOTRANS, f->n, nact, f->n, 1, f->w, f->rsw, f->csw, xin, ld, 1, 0, out, ld, 1, f->gemm_ws);
    if (ident) return f->x;
    for (i = 0; i < f->n; ++i)
        for (c = 0; c < nact; ++c) out[i * ld + c] += f->x[i * f->rsx + perm[c] * f->csx];
    return NULL;
}

/* W R into out, then the rest of the map in passes over it: + X[:, perm] and f, and, fused (acc set),
 * the residual sums and the step of every row. For tanh on a vector path all of it is one pass behind
 * the product (FP__I(tanh_step)): W r + x made as tanh's vectors load W R (one rounding, as the GEMM's
 * beta = 1 on a copy of X would give, without the copy's pass), then the step and the sums, in the
 * working type. Should a float sum overflow (an iterate near 1e19: only a warm start that large, as
 * tanh and a step in (0, 1] keep |R| within max(|R0|, 1)) or meet a NaN, the map is made again and that
 * column's sums taken in double, as every other map's are, with the same step. Squares that underflow
 * cost the residual at most an eps while the floor is at least sqrt(n MIN / EPS) (fused_sums; float:
 * 5.4e-15 at n = 300); below it the sums are taken in double in a pass of their own. Running these passes on each
 * micro-tile inside the GEMM's write-back, while it was in L1, measured 5 % slower on the paper's
 * Euler solve: the tile's rows of X and R evicted the GEMM's panel of R from L1, and each call covered
 * a few vectors. A column's sums run down its rows in order. */
static void FP__I(fwd_map)(void *vctx, int nact, const int *perm, const FP__T *xin, int ld, FP__T *out)
{
    FP__I(fwd_ctx) *f = (FP__I(fwd_ctx) *)vctx;
    FP__I(tanh_fn) vec = f->act->kind == FP_ACT_TANH ? FP__I(tanh_path)() : NULL;
    const FP__T *x = FP__I(fwd_product)(f, nact, perm, xin, ld, out);
    int i, c, bad = 0;
    if (vec && f->acc && f->fused_sums) {
        FP__I(tanh_step) st;
        st.ro = xin; st.step = f->step; st.s1 = f->sums; st.s2 = f->sums + nact + 16;
        for (c = 0; c < nact + 16; ++c) st.s1[c] = st.s2[c] = 0;
        FP__I(tanh_rows)(vec, f->n, nact, out, ld, x, f->rsx, out, ld, &st);
        for (c = 0; c < nact; ++c) bad |= !FP__ISFINITE(st.s1[c]) || !FP__ISFINITE(st.s2[c]);
        if (bad) { /* the map again; double sums for the columns whose float sums failed, the same step */
            x = FP__I(fwd_product)(f, nact, perm, xin, ld, out);
            FP__I(tanh_rows)(vec, f->n, nact, out, ld, x, f->rsx, out, ld, NULL);
            FP__I(resid_rows)(f->n, nact, out, xin, ld, f->acc, f->acc2);
            for (i = 0; i < f->n; ++i)
                for (c = 0; c < nact; ++c) out[i * ld + c] = FP__FMA(f->step, out[i * ld + c] - xin[i * ld + c], xin[i * ld + c]);
        }
        for (c = 0; c < nact; ++c) /* a column's sums are its own whatever its neighbours' */
            if (FP__ISFINITE(st.s1[c]) && FP__ISFINITE(st.s2[c])) { f->acc[c] = (double)st.s1[c]; f->acc2[c] = (double)st.s2[c]; }
        return;
    }
    if (f->act->kind == FP_ACT_TANH) FP__I(tanh_rows)(vec, f->n, nact, out, ld, x, f->rsx, out, ld, NULL);
    else {
        for (i = 0; i < f->n && x; ++i)
            for (c = 0; c < nact; ++c) out[i * ld + c] += x[i * f->rsx + c];
        FP__I(act_apply)(f->act, f->n, nact, out, ld, 1, out, ld, 1, NULL, 0, 0);
    }
    if (f->acc) {
        for (c = 0; c < nact; ++c) f->acc[c] = f->acc2[c] = 0;
        FP__PATH(FP__I(step_rows))(f->n, nact, f->step, out, ld, xin, ld, f->acc, f->acc2);
    }
}

/* Newton per column on phi(r) = r - f(W r + x): J = I - G W, step J d = -phi, backtracking line search
 * on ||phi||. Buffers: J (n x n), z, f, g, d, t (n each), piv. */
typedef struct FP__I(newton_ws) { FP__T *J, *z, *f, *g, *d, *t; int *piv; void *gws; } FP__I(newton_ws);

static void FP__I(newton_layout)(FP__I(newton_ws) *nw, fp__arena *a, int n)
{
    size_t nn = (size_t)n;
    nw->J = (FP__T *)fp__take(a, nn * nn * sizeof(FP__T));
    nw->z = (FP__T *)fp__take(a, nn * sizeof(FP__T));
    nw->f = (FP__T *)fp__take(a, nn * sizeof(FP__T));
    nw->g = (FP__T *)fp__take(a, nn * sizeof(FP__T));
    nw->d = (FP__T *)fp__take(a, nn * sizeof(FP__T));
    nw->t = (FP__T *)fp__take(a, nn * sizeof(FP__T));
    nw->piv = (int *)fp__take(a, nn * sizeof(int));
}

/* ||phi(r)|| with f = f(W r + x) left in nw->f and f' in nw->g. */
static double FP__I(newton_phi)(FP__I(newton_ws) *nw, const fp_activation *act, int n, const FP__T *w,
                                ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x, ptrdiff_t incx, const FP__T *r, ptrdiff_t incr)
{
    double s = 0;
    int i;
    for (i = 0; i < n; ++i) nw->z[i] = x[i * incx];
    FP__F(gemv)(FP_NOTRANS, n, n, 1, w, rsw, csw, r, incr, 1, nw->z, 1);
    FP__I(act_apply)(act, n, 1, nw->z, 1, 1, nw->f, 1, 1, nw->g, 1, 1);
    for (i = 0; i < n; ++i) { double d = (double)nw->f[i] - (double)r[i * incr]; s += d * d; }
    return sqrt(s);
}

static fp_status FP__I(newton_column)(FP__I(newton_ws) *nw, const fp_solver_config *cfg, const fp_activation *act,
                                      int n, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x,
                                      ptrdiff_t incx, FP__T *r, ptrdiff_t incr, int *iters, double *resid, double *hist)
{
    int it, i, j;
    for (it = 0;; ++it) {
        double ph = FP__I(newton_phi)(nw, act, n, w, rsw, csw, x, incx, r, incr), nr, res, t = 1, pt = 0;
        nr = FP__F(vec_norm2)(n, r, incr);
        res = ph / ((double)nr > cfg->floor ? (double)nr : cfg->floor);
        *iters = it;
        *resid = res;
        if (hist && it < cfg->max_iter && res > hist[it]) hist[it] = res;
        if (res != res || (double)nr != (double)nr) return FP_ERR_NON_FINITE;
        if ((double)nr > cfg->diverge_at * sqrt((double)n)) return FP_ERR_DIVERGED;
        if (res <= cfg->tol && !cfg->fixed_iterations) return FP_OK;
        if (it >= cfg->max_iter) return res <= cfg->tol ? FP_OK : FP_ERR_NOT_CONVERGED;
        /* J = I - diag(g) W; d = f - r */
        for (i = 0; i < n; ++i) {
            for (j = 0; j < n; ++j) nw->J[i * n + j] = -nw->g[i] * w[i * rsw + j * csw];
            nw->J[i * n + i] += 1;
            nw->d[i] = nw->f[i] - r[i * incr];
        }
        if (FP__I(lu_factor_ws)(n, nw->J, n, 1, nw->piv, nw->gws) != FP_OK) return FP_ERR_SINGULAR;
        FP__I(lu_solve_ws)(FP_NOTRANS, n, 1, nw->J, n, 1, nw->piv, nw->d, 1, 1, NULL);
        for (; t > 1e-6; t *= 0.5) {
            for (i = 0; i < n; ++i) nw->t[i] = r[i * incr] + (FP__T)t * nw->d[i];
            pt = FP__I(newton_phi)(nw, act, n, w, rsw, csw, x, incx, nw->t, 1);
            if (pt <= (1 - 1e-4 * t) * ph) break;
        }
        if (!(pt <= (1 - 1e-4 * t) * ph)) { *resid = res; return FP_ERR_NOT_CONVERGED; } /* no descent */
        for (i = 0; i < n; ++i) r[i * incr] = nw->t[i];
    }
}

/* A GEMM workspace for products of at most ncols columns on one thread (a column slice's): the B block
 * of gemm_blocked for ncols columns and one A block. */
#ifdef _OPENMP
static size_t FP__I(gemm_slice_size)(int ncols)
{
    size_t kc = 256, mc = 12 * 24 + 32;
    return (kc * ((size_t)ncols + 64) + mc * kc + 64) * sizeof(FP__T) + 128;
}
#endif

/* Engines for S column slices of b, each with its GEMM workspace (S > 1), in one arena. */
static void FP__I(slices_layout)(FP__I(engine) *e, void **sgws, int *off, fp__arena *a, int n, int b, int S, int m)
{
    int s, w;
    for (s = 0; s < S; ++s) {
        fp__slice_cols(b, S, s, &off[s], &w);
        FP__I(engine_layout)(&e[s], a, n, w, m);
#ifdef _OPENMP
        sgws[s] = S > 1 ? fp__take(a, FP__I(gemm_slice_size)(w)) : NULL; /* slices on threads at once */
#else
        sgws[s] = NULL; /* one after another: they share the call's GEMM workspace */
#endif
    }
}

/* G = f'(W R + X) at the returned iterate, for b columns (the micro-kernels for every width, so that a
 * column's gains do not depend on the slice it was in) */
static void FP__I(gains)(const fp_activation *act, int n, int b, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x,
                         ptrdiff_t rsx, ptrdiff_t csx, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, FP__T *gain, ptrdiff_t rsg,
                         ptrdiff_t csg, void *gws)
{
    FP__I(mat_copy)(n, b, x, rsx, csx, gain, rsg, csg);
    FP__I(gemm_cols)(1, FP_NOTRANS, FP_NOTRANS, n, b, n, 1, w, rsw, csw, r, rsr, csr, 1, gain, rsg, csg, gws);
    FP__I(act_apply)(act, n, b, gain, rsg, csg, NULL, 0, 0, gain, rsg, csg);
}

/* Workspace layout shared by the size query and the solve (S column slices, fp__slices). */
static void FP__I(solve_layout)(const fp_solver_config *cfg, int n, int b, int S, fp__arena *a, FP__I(engine) *e,
                                void **sgws, int *off, FP__I(newton_ws) *nw, void **gemm_ws)
{
    if (cfg->method == FP_SOLVER_NEWTON) FP__I(newton_layout)(nw, a, n);
    else FP__I(slices_layout)(e, sgws, off, a, n, b, S, cfg->method == FP_SOLVER_ANDERSON ? cfg->anderson_m : 0);
    *gemm_ws = fp__take(a, FP__F(gemm_workspace_size)()); /* the gains' product, for every method */
    if (cfg->method == FP_SOLVER_NEWTON) nw->gws = *gemm_ws; /* and Newton's LU, which runs before it */
}

/* Room for every slice count a solve of these sizes may pick (the layout grows with S, but the largest
 * is taken over all of them rather than trusted to). */
FP_DEF size_t FP__F(solve_workspace_size)(const fp_solver_config *cfg, int n, int b)
{
    fp_solver_config c;
    FP__I(engine) e[FP__SLICES];
    FP__I(newton_ws) nw;
    void *g, *sg[FP__SLICES];
    int off[FP__SLICES], S;
    size_t most = 0;
    const char *msg;
    fp_solver_config def = fp_solver_config_default(FP_SOLVER_DEFAULT);
    if (fp__solver_config_resolve(cfg ? cfg : &def, &c, &msg) != FP_OK || n < 1 || b < 1) return 0;
    for (S = 1; S <= fp__slices_max(n, b, sizeof(FP__T)); ++S) {
        fp__arena a = { NULL, 0 };
        FP__I(solve_layout)(&c, n, b, S, &a, e, sg, off, &nw, &g);
        if (fp__arena_size(&a) > most) most = fp__arena_size(&a);
    }
    return most;
}

static fp_status FP__I(solve)(const fp_solver_config *cfg, const fp_activation *act, int n, int b,
                              const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x, ptrdiff_t rsx,
                              ptrdiff_t csx, FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, FP__T *gain,
                              ptrdiff_t rsg, ptrdiff_t csg, fp_solve_report *rep, void *work)
{
    fp_solve_report local;
    fp_solver_config c;
    fp__arena a;
    FP__I(engine) e[FP__SLICES];
    FP__I(newton_ws) nw;
    void *gws, *own = NULL, *sgws[FP__SLICES];
    const char *msg;
    fp_status st;
    int i, j, s, off[FP__SLICES], S = fp__slices(n, b, sizeof(FP__T)), T = fp__slice_threads(S);
    if (!rep) { memset(&local, 0, sizeof local); rep = &local; }
    fp__report_reset(rep);
    FP_ASSERT(cfg && act && w && x && r);
    if ((int)act->kind < 0 || act->kind > FP_ACT_CUSTOM || (act->kind == FP_ACT_CUSTOM && (!act->f || !act->df)))
        return fp__report_fail(rep, FP_ERR_INVALID_ARG, "unknown activation, or a custom one without f and df");
    if (n < 1 || b < 1) return fp__report_fail(rep, FP_ERR_INVALID_ARG, "n and b must be at least 1");
    st = fp__solver_config_resolve(cfg, &c, &msg);
    if (st != FP_OK) return fp__report_fail(rep, st, msg);
    if (c.tol < 32 * (double)FP__EPS) c.tol = 32 * (double)FP__EPS; /* float cannot meet less */
    rep->tol = c.tol;
    FP_ASSERT(fp__strides_ok(n, n, rsw, csw) && fp__strides_ok(n, b, rsx, csx) && fp__layout_ok(n, b, rsr, csr));
    FP_ASSERT(!gain || fp__layout_ok(n, b, rsg, csg));
    /* the outputs R and gain overlap neither an input nor each other (interleaved views may share a buffer) */
    FP_ASSERT(fp__apart(r, n, b, rsr, csr, w, n, n, rsw, csw, sizeof(FP__T)) &&
              fp__apart(r, n, b, rsr, csr, x, n, b, rsx, csx, sizeof(FP__T)));
    FP_ASSERT(!gain || (fp__apart(gain, n, b, rsg, csg, w, n, n, rsw, csw, sizeof(FP__T)) &&
                        fp__apart(gain, n, b, rsg, csg, x, n, b, rsx, csx, sizeof(FP__T)) &&
                        fp__apart(gain, n, b, rsg, csg, r, n, b, rsr, csr, sizeof(FP__T))));
    if (!FP__I(mat_all_finite)(n, n, w, rsw, csw) || !FP__I(mat_all_finite)(n, b, x, rsx, csx))
        return fp__report_fail(rep, FP_ERR_NON_FINITE, "W or X holds NaN or Inf");
    if (c.warm_start && !FP__I(mat_all_finite)(n, b, r, rsr, csr))
        return fp__report_fail(rep, FP_ERR_NON_FINITE, "the warm start R holds NaN or Inf");
    if (!work) {
        own = fp__malloc(FP__F(solve_workspace_size)(&c, n, b));
        if (!own) return fp__report_fail(rep, FP_ERR_NO_MEMORY, "workspace allocation failed");
        work = own;
    }
    a.base = (unsigned char *)work;
    a.used = 0;
    FP__I(solve_layout)(&c, n, b, S, &a, e, sgws, off, &nw, &gws);
    if (!c.warm_start) FP__I(mat_fill)(n, b, 0, r, rsr, csr);
    if (c.method == FP_SOLVER_NEWTON) {
        st = FP_OK;
        if (rep->history) for (i = 0; i < c.max_iter; ++i) rep->history[i] = 0;
        for (j = 0; j < b; ++j) {
            int its = 0;
            double res = 0;
            fp_status cs = FP__I(newton_column)(&nw, &c, act, n, w, rsw, csw, x + j * csx, rsx, r + j * csr, rsr,
                                                &its, &res, rep->history);
            if (rep->col_iterations) rep->col_iterations[j] = its;
            if (rep->col_residual) rep->col_residual[j] = res;
            if (its > rep->iterations) rep->iterations = its;
            if (res > rep->max_residual || res != res) rep->max_residual = res;
            if (rep->history && its + 1 > rep->history_len) rep->history_len = its + 1 < c.max_iter ? its + 1 : c.max_iter;
            if (cs == FP_OK) rep->converged++;
            else if (st == FP_OK || cs == FP_ERR_NON_FINITE) st = cs;
        }
        if (st != FP_OK)
            fp__report_fail(rep, st, st == FP_ERR_SINGULAR ? "Newton met a singular I - G W" : "a column did not converge");
        if (gain) FP__I(gains)(act, n, b, w, rsw, csw, x, rsx, csx, r, rsr, csr, gain, rsg, csg, gws);
    } else {
        FP__I(fwd_ctx) f[FP__SLICES];
        for (s = 0; s < S; ++s) {
            f[s].act = act; f[s].n = n; f[s].w = w; f[s].rsw = rsw; f[s].csw = csw; f[s].rsx = rsx; f[s].csx = csx;
            f[s].x = x + off[s] * csx;
            /* slices on threads: a GEMM workspace each; one after another: the call's (threaded GEMMs) */
            f[s].gemm_ws = T > 1 ? sgws[s] : gws;
            /* damped and Euler: the update fused into the map's pass (Anderson mixes F's history) */
            e[s].fused = e[s].m == 0;
            f[s].acc = e[s].fused ? e[s].acc : NULL;
            f[s].acc2 = e[s].acc2;
            f[s].sums = e[s].sums;
            f[s].fused_sums = c.floor >= sqrt((double)n * (double)FP__MINV / (double)FP__EPS);
            f[s].step = (FP__T)c.step;
            FP__I(mat_copy)(n, e[s].b, r + off[s] * csr, rsr, csr, e[s].R, e[s].b, 1);
        }
        st = FP__I(engine_slices)(e, S, T, off, &c, FP__I(fwd_map), f, sizeof f[0], rep);
        /* each slice's iterates back in the caller's column order, and its gains, on the slices' threads */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(T) if (T > 1)
#endif
        for (s = 0; s < S; ++s) {
            int ii, jj;
            for (ii = 0; ii < n; ++ii)
                for (jj = 0; jj < e[s].b; ++jj) r[ii * rsr + (off[s] + e[s].perm[jj]) * csr] = e[s].R[ii * e[s].b + jj];
            if (gain)
                FP__I(gains)(act, n, e[s].b, w, rsw, csw, x + off[s] * csx, rsx, csx, r + off[s] * csr, rsr, csr, gain + off[s] * csg, rsg,
                             csg, f[s].gemm_ws);
        }
    }
    if (own) fp__free(own);
    return st;
}

/*@end*/

/* The argument checks of fp_solve: untyped (see VIEWS), compiled once for both precisions. */
FP__VALIDATOR static const char *fp__solve_bad(fp__view_fn view, const void *pw, const void *px, const void *pr,
                                               const void *pgain, size_t esz)
{
    int n, b;
    fp__view w, x, r, gain;
    view(&w, pw);
    view(&x, px);
    view(&r, pr);
    view(&gain, pgain);
    n = w.rows; b = x.cols;
    if (!(fp__view_in_ok(&w) && w.rows == w.cols)) return "W must be a square N x N view" FP__BADVIEW;
    if (!(fp__view_in_ok(&x) && x.rows == n)) return "X must be N x B, N = W's order" FP__BADVIEW;
    if (!(fp__view_out_ok(&r) && fp__view_is(&r, n, b))) return "R must be a writable N x B view (X's shape) with distinct elements";
    if (!(!gain.data || (fp__view_out_ok(&gain) && fp__view_is(&gain, n, b)))) return "G must be absent or a writable N x B view (X's shape)";
    if (!(fp__view_apart(&r, &w, esz) && fp__view_apart(&r, &x, esz))) return "R must not overlap W or X";
    if (!(fp__view_apart(&gain, &w, esz) && fp__view_apart(&gain, &x, esz) && fp__view_apart(&gain, &r, esz))) return "G must not overlap W, X or R";
    return NULL;
}

/*@typed*/
FP_DEF fp_status FP__F(solve)(const fp_solver_config *cfg, const fp_activation *act, FP__F(mat) w, FP__F(mat) x,
                              FP__F(mat) r, FP__F(mat) gain, fp_solve_report *rep, void *work)
{
    fp_solver_config def = fp_solver_config_default(FP_SOLVER_DEFAULT);
    fp_activation tanh_ = fp_activation_make(FP_ACT_TANH);
    int n = w.rows, b = x.cols;
    const char *bad = fp__solve_bad(FP__I(view_of), &w, &x, &r, &gain, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(solve)(cfg ? cfg : &def, act ? act : &tanh_, n, b, w.data, w.rs, w.cs, x.data, x.rs, x.cs, r.data, r.rs,
                        r.cs, gain.data, gain.rs, gain.cs, rep, work);
}
/*@end*/

FP__COLD FP_DEF fp_adjoint_config fp_adjoint_config_default(void)
{
    fp_adjoint_config c;
    c.method = FP_ADJOINT_AUTO;
    c.iter = fp_solver_config_default(FP_SOLVER_ANDERSON);
    c.iter.tol = 1e-8;
    return c;
}

static fp_status fp__adjoint_config_resolve(const fp_adjoint_config *in, fp_adjoint_config *out, const char **msg)
{
    *out = *in;
    if ((int)in->method < 0 || (int)in->method > (int)FP_ADJOINT_ITERATIVE) { *msg = "unknown adjoint method"; return FP_ERR_INVALID_ARG; }
    if (in->iter.method == FP_SOLVER_NEWTON || in->iter.method == FP_SOLVER_EULER) {
        *msg = "the iterative adjoint runs damped or Anderson sweeps only";
        return FP_ERR_INVALID_ARG;
    }
    {
        fp_solver_config it = in->iter;
        if (it.tol == 0) it.tol = 1e-8; /* the adjoint's own default, as fp_adjoint_config_default says */
        return fp__solver_config_resolve(&it, &out->iter, msg);
    }
}

/*@typed*/
/* ================================================================================================
 * IMPLICIT DIFFERENTIATION: (I - W^T G_b) u_b = delta_b, v_b = G_b u_b, dW = V R^T.
 * docs/THEORY.md (A1), (R1): dW1 = G (I - W^T G)^{-1} g r^T, solved, never inverted.
 * ================================================================================================ */
typedef struct FP__I(adj_ctx) {
    int n;
    const FP__T *w, *g, *d;
    ptrdiff_t rsw, csw, rsg, csg, rsd, csd;
    FP__T *p; /* N x B scratch, ld B */
    void *gemm_ws;
} FP__I(adj_ctx);

/* g(U) = W^T (G .* U) + Delta on the active columns */
static void FP__I(adj_map)(void *vctx, int nact, const int *perm, const FP__T *xin, int ld, FP__T *out)
{
    FP__I(adj_ctx) *q = (FP__I(adj_ctx) *)vctx;
    int i, c;
    for (i = 0; i < q->n; ++i)
        for (c = 0; c < nact; ++c) {
            q->p[i * ld + c] = q->g[i * q->rsg + perm[c] * q->csg] * xin[i * ld + c];
            out[i * ld + c] = q->d[i * q->rsd + perm[c] * q->csd];
        }
    FP__I(gemm_cols)(1, FP_TRANS, FP_NOTRANS, q->n, nact, q->n, 1, q->w, q->rsw, q->csw, q->p, ld, 1, 1, out, ld, 1, q->gemm_ws);
}

/* Direct adjoint of one column: J = I - G W, solve J^T u = delta, v = G u. */
FP__VECTORIZE static fp_status FP__I(adjoint_direct_column)(int n, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *g,
                                              ptrdiff_t incg, const FP__T *d, ptrdiff_t incd, FP__T *v, ptrdiff_t incv,
                                              FP__T *J, int *piv, void *gws)
{
    int i, j;
    fp_status st;
    for (i = 0; i < n; ++i) {
        for (j = 0; j < n; ++j) J[i * n + j] = -g[i * incg] * w[i * rsw + j * csw];
        J[i * n + i] += 1;
    }
    st = FP__I(lu_factor_ws)(n, J, n, 1, piv, gws);
    if (st != FP_OK) return st;
    for (i = 0; i < n; ++i) v[i * incv] = d[i * incd];
    FP__I(lu_solve_ws)(FP_TRANS, n, 1, J, n, 1, piv, v, incv, 1, NULL);
    for (i = 0; i < n; ++i) v[i * incv] *= g[i * incg];
    return FP_OK;
}

static int FP__I(adjoint_direct_first)(const fp_adjoint_config *c, int n)
{
    return c->method == FP_ADJOINT_DIRECT || (c->method == FP_ADJOINT_AUTO && n <= 64);
}

/* The adjoint's workspace: the exact solve's J and pivots, and for the sweeps S column slices (each an
 * engine, its scratch G .* U and its GEMM workspace, as the forward solve's). */
static void FP__I(adjoint_layout)(const fp_adjoint_config *c, int n, int b, int S, fp__arena *a, FP__I(engine) *e,
                                  void **sgws, int *off, FP__T **p, void **gws, FP__T **J, int **piv)
{
    int direct = c->method != FP_ADJOINT_ITERATIVE, iter = c->method != FP_ADJOINT_DIRECT && !(c->method == FP_ADJOINT_AUTO && n <= 64);
    int s;
    *J = NULL; *piv = NULL; *gws = NULL;
    if (direct) {
        *J = (FP__T *)fp__take(a, (size_t)n * (size_t)n * sizeof(FP__T));
        *piv = (int *)fp__take(a, (size_t)n * sizeof(int));
    }
    if (iter) {
        FP__I(slices_layout)(e, sgws, off, a, n, b, S, c->iter.method == FP_SOLVER_ANDERSON ? c->iter.anderson_m : 0);
        for (s = 0; s < S; ++s) p[s] = (FP__T *)fp__take(a, (size_t)n * (size_t)e[s].b * sizeof(FP__T));
    }
    *gws = fp__take(a, FP__F(gemm_workspace_size)()); /* the sweeps' products and dW = V R^T */
}

FP_DEF size_t FP__F(adjoint_workspace_size)(const fp_adjoint_config *cfg, int n, int b)
{
    fp_adjoint_config c;
    FP__I(engine) e[FP__SLICES];
    FP__T *p[FP__SLICES], *J;
    int *piv, off[FP__SLICES], S;
    void *g, *sg[FP__SLICES];
    size_t most = 0;
    const char *msg;
    fp_adjoint_config def = fp_adjoint_config_default();
    if (fp__adjoint_config_resolve(cfg ? cfg : &def, &c, &msg) != FP_OK || n < 1 || b < 1) return 0;
    for (S = 1; S <= fp__slices_max(n, b, sizeof(FP__T)); ++S) {
        fp__arena a = { NULL, 0 };
        FP__I(adjoint_layout)(&c, n, b, S, &a, e, sg, off, p, &g, &J, &piv);
        if (fp__arena_size(&a) > most) most = fp__arena_size(&a);
    }
    return most;
}

static fp_status FP__I(implicit_grad)(const fp_adjoint_config *cfg, int n, int b, const FP__T *w,
                                      ptrdiff_t rsw, ptrdiff_t csw, const FP__T *r, ptrdiff_t rsr, ptrdiff_t csr,
                                      const FP__T *gain, ptrdiff_t rsg, ptrdiff_t csg, const FP__T *delta,
                                      ptrdiff_t rsd, ptrdiff_t csd, FP__T *v, ptrdiff_t rsv, ptrdiff_t csv,
                                      FP__T *dw, ptrdiff_t rsdw, ptrdiff_t csdw, fp_solve_report *rep, void *work)
{
    fp_solve_report local;
    fp_adjoint_config c;
    fp__arena a;
    FP__I(engine) e[FP__SLICES];
    FP__T *p[FP__SLICES], *J;
    int *piv, i, j, s, off[FP__SLICES], S = fp__slices(n, b, sizeof(FP__T)), T = fp__slice_threads(S);
    void *gws, *own = NULL, *sgws[FP__SLICES];
    const char *msg;
    fp_status st = FP_OK;
    if (!rep) { memset(&local, 0, sizeof local); rep = &local; }
    fp__report_reset(rep);
    FP_ASSERT(cfg && w && gain && delta && v && (!dw || r));
    if (n < 1 || b < 1) return fp__report_fail(rep, FP_ERR_INVALID_ARG, "n and b must be at least 1");
    st = fp__adjoint_config_resolve(cfg, &c, &msg);
    if (st != FP_OK) return fp__report_fail(rep, st, msg);
    if (c.iter.tol < 32 * (double)FP__EPS) c.iter.tol = 32 * (double)FP__EPS; /* float cannot meet less */
    rep->tol = c.iter.tol;
    FP_ASSERT(fp__strides_ok(n, n, rsw, csw) && fp__strides_ok(n, b, rsg, csg) && fp__strides_ok(n, b, rsd, csd));
    FP_ASSERT(fp__layout_ok(n, b, rsv, csv) && (!dw || (fp__layout_ok(n, n, rsdw, csdw) && fp__strides_ok(n, b, rsr, csr))));
    /* the outputs V and dW overlap neither an input (R too, when dW = V R^T is asked for) nor each other */
    FP_ASSERT(fp__apart(v, n, b, rsv, csv, w, n, n, rsw, csw, sizeof(FP__T)) &&
              fp__apart(v, n, b, rsv, csv, gain, n, b, rsg, csg, sizeof(FP__T)) &&
              fp__apart(v, n, b, rsv, csv, delta, n, b, rsd, csd, sizeof(FP__T)));
    FP_ASSERT(!dw || (fp__apart(v, n, b, rsv, csv, r, n, b, rsr, csr, sizeof(FP__T)) &&
                      fp__apart(dw, n, n, rsdw, csdw, w, n, n, rsw, csw, sizeof(FP__T)) &&
                      fp__apart(dw, n, n, rsdw, csdw, gain, n, b, rsg, csg, sizeof(FP__T)) &&
                      fp__apart(dw, n, n, rsdw, csdw, delta, n, b, rsd, csd, sizeof(FP__T)) &&
                      fp__apart(dw, n, n, rsdw, csdw, r, n, b, rsr, csr, sizeof(FP__T)) &&
                      fp__apart(dw, n, n, rsdw, csdw, v, n, b, rsv, csv, sizeof(FP__T))));
    if (!FP__I(mat_all_finite)(n, b, gain, rsg, csg) || !FP__I(mat_all_finite)(n, b, delta, rsd, csd) ||
        !FP__I(mat_all_finite)(n, n, w, rsw, csw) || (dw && !FP__I(mat_all_finite)(n, b, r, rsr, csr)))
        return fp__report_fail(rep, FP_ERR_NON_FINITE, "W, R, the gains or Delta hold NaN or Inf");
    if (!work) {
        own = fp__malloc(FP__F(adjoint_workspace_size)(&c, n, b));
        if (!own) return fp__report_fail(rep, FP_ERR_NO_MEMORY, "workspace allocation failed");
        work = own;
    }
    a.base = (unsigned char *)work;
    a.used = 0;
    FP__I(adjoint_layout)(&c, n, b, S, &a, e, sgws, off, p, &gws, &J, &piv);
    if (FP__I(adjoint_direct_first)(&c, n)) {
        for (j = 0; j < b && st == FP_OK; ++j)
            st = FP__I(adjoint_direct_column)(n, w, rsw, csw, gain + j * csg, rsg, delta + j * csd, rsd, v + j * csv, rsv, J, piv, gws);
        if (st == FP_OK) rep->converged = b;
        else fp__report_fail(rep, st, "I - W^T G is singular for a column: the fixed point sits on a bifurcation");
    } else {
        FP__I(adj_ctx) q[FP__SLICES];
        for (s = 0; s < S; ++s) {
            q[s].n = n; q[s].w = w; q[s].rsw = rsw; q[s].csw = csw; q[s].rsg = rsg; q[s].csg = csg; q[s].rsd = rsd; q[s].csd = csd;
            q[s].g = gain + off[s] * csg;
            q[s].d = delta + off[s] * csd;
            q[s].p = p[s];
            q[s].gemm_ws = T > 1 ? sgws[s] : gws;
            /* U0 = Delta (the first Neumann term) */
            FP__I(mat_copy)(n, e[s].b, delta + off[s] * csd, rsd, csd, e[s].R, e[s].b, 1);
        }
        st = FP__I(engine_slices)(e, S, T, off, &c.iter, FP__I(adj_map), q, sizeof q[0], rep);
        for (s = 0; s < S; ++s)
            for (i = 0; i < n; ++i)
                for (j = 0; j < e[s].b; ++j) {
                    int col = off[s] + e[s].perm[j];
                    v[i * rsv + col * csv] = e[s].R[i * e[s].b + j] * gain[i * rsg + col * csg];
                }
        if (st != FP_OK && J) {
            /* the automatic choice falls back to the exact solve for what did not converge */
            fp_status s2 = FP_OK;
            for (j = 0; j < b && s2 == FP_OK; ++j)
                s2 = FP__I(adjoint_direct_column)(n, w, rsw, csw, gain + j * csg, rsg, delta + j * csd, rsd, v + j * csv, rsv, J, piv, gws);
            if (s2 == FP_OK) { st = FP_OK; rep->status = FP_OK; rep->message = NULL; rep->converged = b; }
            else st = fp__report_fail(rep, s2, "iterative adjoint failed and I - W^T G is singular");
        }
    }
    if (st == FP_OK && !FP__I(mat_all_finite)(n, b, v, rsv, csv))
        st = fp__report_fail(rep, FP_ERR_NON_FINITE, "the adjoint overflowed: I - W^T G is nearly singular");
    if (st == FP_OK && dw) {
        FP__F(gemm_ws)(FP_NOTRANS, FP_TRANS, n, n, b, 1, v, rsv, csv, r, rsr, csr, 0, dw, rsdw, csdw, gws);
        if (!FP__I(mat_all_finite)(n, n, dw, rsdw, csdw)) st = fp__report_fail(rep, FP_ERR_NON_FINITE, "dW = V R^T overflowed");
    }
    if (own) fp__free(own);
    return st;
}

/*@end*/

/* The argument checks of fp_implicit_grad: untyped (see VIEWS), compiled once for both precisions. */
FP__VALIDATOR static const char *fp__implicit_grad_bad(fp__view_fn view, const void *pw, const void *pr, const void *pgain,
                                                       const void *pdelta, const void *pv, const void *pdw, size_t esz)
{
    int n, b;
    fp__view w, r, gain, delta, v, dw;
    view(&w, pw);
    view(&r, pr);
    view(&gain, pgain);
    view(&delta, pdelta);
    view(&v, pv);
    view(&dw, pdw);
    n = w.rows; b = gain.cols;
    if (!(fp__view_in_ok(&w) && w.rows == w.cols)) return "W must be a square N x N view" FP__BADVIEW;
    if (!(fp__view_in_ok(&gain) && gain.rows == n)) return "G must be N x B, N = W's order" FP__BADVIEW;
    if (!(fp__view_in_ok(&delta) && fp__view_is(&delta, n, b))) return "Delta (dL/dR) must be N x B, G's shape" FP__BADVIEW;
    if (!(fp__view_out_ok(&v) && fp__view_is(&v, n, b))) return "V must be a writable N x B view (G's shape)";
    if (!(!dw.data || (fp__view_out_ok(&dw) && fp__view_is(&dw, n, n)))) return "dW must be absent or a writable N x N view";
    if (!(!dw.data || (fp__view_in_ok(&r) && fp__view_is(&r, n, b)))) return "R must be N x B (G's shape) when dW is asked for";
    if (!(fp__view_apart(&v, &w, esz) && fp__view_apart(&v, &gain, esz) && fp__view_apart(&v, &delta, esz) &&
          (!dw.data || fp__view_apart(&v, &r, esz))))
        return "V must not overlap W, R, G or Delta";
    if (!(!dw.data || (fp__view_apart(&dw, &w, esz) && fp__view_apart(&dw, &r, esz) && fp__view_apart(&dw, &gain, esz) &&
                        fp__view_apart(&dw, &delta, esz) && fp__view_apart(&dw, &v, esz))))
        return "dW must not overlap W, R, G, Delta or V";
    return NULL;
}

/*@typed*/
FP_DEF fp_status FP__F(implicit_grad)(const fp_adjoint_config *cfg, FP__F(mat) w, FP__F(mat) r, FP__F(mat) gain,
                                      FP__F(mat) delta, FP__F(mat) v, FP__F(mat) dw, fp_solve_report *rep, void *work)
{
    fp_adjoint_config def = fp_adjoint_config_default();
    int n = w.rows, b = gain.cols;
    const char *bad = fp__implicit_grad_bad(FP__I(view_of), &w, &r, &gain, &delta, &v, &dw, sizeof(FP__T));
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(implicit_grad)(cfg ? cfg : &def, n, b, w.data, w.rs, w.cs, dw.data ? r.data : NULL, r.rs, r.cs, gain.data,
                                gain.rs, gain.cs, delta.data, delta.rs, delta.cs, v.data, v.rs, v.cs, dw.data, dw.rs, dw.cs, rep, work);
}
/*@end*/

FP__COLD FP_DEF fp_rule_config fp_rule_config_default(void)
{
    fp_rule_config c;
    memset(&c, 0, sizeof c);
    c.rule = FP_RULE_DW3;
    c.adjoint = fp_adjoint_config_default();
    return c;
}

FP_DEF const char *fp_rule_name(fp_rule rule)
{
    switch (rule) {
    case FP_RULE_DEFAULT: return "dW3";
    case FP_RULE_DW1: return "dW1";
    case FP_RULE_DW2: return "dW2";
    case FP_RULE_DW3: return "dW3";
    case FP_RULE_DW4: return "dW4";
    }
    return "unknown";
}

/* The optimizer's zero fields as their defaults (momentum 0.9, beta1 0.9, beta2 0.999, eps 1e-8). */
static fp_optim_config fp__optim_config_resolve(const fp_optim_config *in)
{
    fp_optim_config c = *in;
    if (c.momentum == 0) c.momentum = 0.9;
    if (c.beta1 == 0) c.beta1 = 0.9;
    if (c.beta2 == 0) c.beta2 = 0.999;
    if (c.eps == 0) c.eps = 1e-8;
    return c;
}

static int fp__optim_config_ok(const fp_optim_config *c)
{
    return (int)c->kind >= 0 && c->kind <= FP_OPTIM_ADAM && c->lr >= 0 && c->lr < HUGE_VAL && c->weight_decay >= 0 &&
           c->weight_decay < HUGE_VAL && c->eps >= 0 && c->eps < HUGE_VAL && c->momentum >= 0 && c->momentum < 1 &&
           c->beta1 >= 0 && c->beta1 < 1 && c->beta2 >= 0 && c->beta2 < 1;
}

/* ---- PRNG: splitmix64 expands the seed; xoshiro256** (Blackman & Vigna) draws. ---- */
static uint64_t fp__splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
FP_DEF fp_rng fp_rng_make(uint64_t seed)
{
    fp_rng r;
    int i;
    for (i = 0; i < 4; ++i) r.s[i] = fp__splitmix(&seed);
    r.spare = 0;
    r.has_spare = 0;
    return r;
}
static uint64_t fp__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
FP_DEF uint64_t fp_rng_next(fp_rng *r)
{
    uint64_t *s = r->s, out = fp__rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = fp__rotl(s[3], 45);
    return out;
}
FP_DEF double fp_rng_uniform(fp_rng *r) { return (double)(fp_rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
FP_DEF double fp_rng_gauss(fp_rng *r)
{
    double u, v;
    if (r->has_spare) { r->has_spare = 0; return r->spare; }
    do u = fp_rng_uniform(r); while (u <= 0);
    v = fp_rng_uniform(r);
    r->spare = sqrt(-2.0 * log(u)) * sin(6.283185307179586 * v);
    r->has_spare = 1;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
FP_DEF uint32_t fp_rng_below(fp_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection */
    uint64_t m = (uint64_t)(uint32_t)(fp_rng_next(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (lo < t) { m = (uint64_t)(uint32_t)(fp_rng_next(r) >> 32) * n; lo = (uint32_t)m; }
    }
    return (uint32_t)(m >> 32);
}

/* An optimizer's settings in range, written so that NaN fails every test (!(x >= 0 && x < 1)): a known
 * kind; lr, weight_decay and eps finite and >= 0; momentum, beta1 and beta2 in [0, 1). */
FP__COLD FP_DEF fp_train_config fp_train_config_default(void)
{
    fp_train_config c;
    memset(&c, 0, sizeof c);
    c.rule = FP_RULE_DW3;
    c.optim.kind = FP_OPTIM_SGD;
    c.solver = fp_solver_config_default(FP_SOLVER_ANDERSON);
    c.adjoint = fp_adjoint_config_default();
    c.batch = 512;
    c.min_converged = 0; /* 0.5 for adaptive solvers, 0 for fixed-iteration ones: decided by trainer_init */
    c.stability_cols = 8;
    return c;
}

#ifndef FP_NO_STDIO
FP__COLD static uint64_t fp__train_config_hash(const fp_train_config *c)
{
    const double d[18] = { (double)c->rule, (double)c->optim.kind, c->optim.lr, c->optim.momentum, c->optim.beta1,
                           c->optim.beta2, c->optim.eps, c->optim.weight_decay, (double)c->batch,
                           (double)c->train_readin, (double)c->train_readout, (double)c->no_shuffle, (double)c->warm_start,
                           (double)c->no_rollback, c->min_converged, (double)c->stability_every, (double)c->stability_cols,
                           (double)c->adjoint.method };
    const fp_solver_config *sv[2];
    uint64_t h = fp__fnv1a(0xcbf29ce484222325ull, d, sizeof d);
    int i;
    if (c->workers > 1) { /* a worker's share of the data (its warm-start cache): one worker's files unchanged */
        const double w[2] = { (double)c->workers, (double)c->worker };
        h = fp__fnv1a(h, w, sizeof w);
    }
    sv[0] = &c->solver; sv[1] = &c->adjoint.iter;
    for (i = 0; i < 2; ++i) {
        const double e[11] = { (double)sv[i]->method, sv[i]->tol, sv[i]->floor, (double)sv[i]->max_iter, sv[i]->step,
                               (double)sv[i]->anderson_m, sv[i]->anderson_beta, sv[i]->anderson_reg, sv[i]->diverge_at,
                               (double)sv[i]->warm_start, (double)sv[i]->fixed_iterations };
        h = fp__fnv1a(h, e, sizeof e);
    }
    return h;
}
#endif

/* Writes the parts to path + ".tmp", then renames it over path: a save that fails part-way (disk full,
 * a size limit, the process killed) leaves the previous file as it was, never a truncated one. Nothing is
 * forced to the disk (no fsync), so a power cut may still lose the last save. A rename that fails leaves
 * path untouched and the save returns FP_ERR_IO. */
/*@typed*/
/* ================================================================================================
 * LEARNING RULES: dW1..dW4 batched as GEMMs with the gains applied as row/column scalings.
 * docs/THEORY.md (R1)-(R4), per-sample and batched. Notation: Gr = [g_b], G = [gain_b], P .* Q elementwise.
 * ================================================================================================ */
typedef struct FP__I(mat) { FP__T *p; ptrdiff_t rs, cs; } FP__I(mat);

/* D = A .* B (+ beta D) over n x b views */
FP__VECTORIZE static void FP__I(hadamard)(int n, int b, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, const FP__T *bb,
                            ptrdiff_t rsb, ptrdiff_t csb, FP__T *d, ptrdiff_t ld)
{
    int i, j;
    /* the rules' N x B scalings, rows over the threads (one when called inside a parallel region) */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) private(j) num_threads(fp__gemm_threads()) if ((double)n * b > 1e5)
#endif
    for (i = 0; i < n; ++i)
        for (j = 0; j < b; ++j) d[i * ld + j] = a[i * rsa + j * csa] * bb[i * rsb + j * csb];
}

static void FP__I(rule_layout)(fp_rule rule, const fp_adjoint_config *adj, int n, int b, fp__arena *a,
                               FP__T **m0, FP__T **m1, FP__T **m2, FP__T **m3, double **k, int **piv, void **gws, void **adjws)
{
    size_t nb = (size_t)n * (size_t)b;
    *m0 = *m1 = *m2 = *m3 = NULL; *k = NULL; *piv = NULL; *gws = NULL; *adjws = NULL;
    if (rule == FP_RULE_DW1) {
        *m0 = (FP__T *)fp__take(a, nb * sizeof(FP__T));
        *adjws = fp__take(a, FP__F(adjoint_workspace_size)(adj, n, b));
        return;
    }
    *m0 = (FP__T *)fp__take(a, nb * sizeof(FP__T));
    *m1 = (FP__T *)fp__take(a, nb * sizeof(FP__T));
    *m2 = (FP__T *)fp__take(a, nb * sizeof(FP__T));
    *m3 = (FP__T *)fp__take(a, nb * sizeof(FP__T));
    if (rule == FP_RULE_DW2) { /* K (b x b) and Y (b x n) in float64, then S^T L (b x b) in the working type */
        *k = (double *)fp__take(a, (size_t)b * (size_t)b * sizeof(double) + nb * sizeof(double) +
                                   (size_t)b * (size_t)b * sizeof(FP__T));
        *piv = (int *)fp__take(a, (size_t)b * sizeof(int));
    }
    /* dW2's B x B system runs in float64 on the same GEMM workspace: room for double's */
    *gws = fp__take(a, rule == FP_RULE_DW2 ? fp_gemm_workspace_size_f64() : FP__F(gemm_workspace_size)());
}

static size_t FP__I(rule_workspace_size)(fp_rule rule, const fp_adjoint_config *adj, int n, int b)
{
    fp__arena a = { NULL, 0 };
    FP__T *m0, *m1, *m2, *m3;
    double *k;
    int *piv;
    void *g, *aw;
    fp_adjoint_config def = fp_adjoint_config_default();
    if (n < 1 || b < 1) return 0;
    FP__I(rule_layout)(rule, adj ? adj : &def, n, b, &a, &m0, &m1, &m2, &m3, &k, &piv, &g, &aw);
    return fp__arena_size(&a);
}

static fp_status FP__I(rule_dw)(fp_rule rule, const fp_adjoint_config *adj, FP__T lr, int n, int b,
                                const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *r, ptrdiff_t rsr,
                                ptrdiff_t csr, const FP__T *gain, ptrdiff_t rsg, ptrdiff_t csg, const FP__T *grad,
                                ptrdiff_t rsd, ptrdiff_t csd, FP__T *dw, ptrdiff_t rsdw, ptrdiff_t csdw,
                                FP__T *v, ptrdiff_t ldv, fp_solve_report *rep, void *work)
{
    fp_adjoint_config def = fp_adjoint_config_default();
    fp__arena a;
    FP__T *L, *S, *C, *Q;
    double *K;
    int *piv, i, j, ld = b;
    void *gws, *aws, *own = NULL;
    fp_status st = FP_OK;
    FP_ASSERT(w && r && gain && grad && dw && n >= 1 && b >= 1);
    FP_ASSERT(fp__layout_ok(n, n, rsdw, csdw) && fp__strides_ok(n, n, rsw, csw) && fp__strides_ok(n, b, rsr, csr) &&
              fp__strides_ok(n, b, rsg, csg) && fp__strides_ok(n, b, rsd, csd));
    /* dW overlaps no input */
    FP_ASSERT(fp__apart(dw, n, n, rsdw, csdw, w, n, n, rsw, csw, sizeof(FP__T)) &&
              fp__apart(dw, n, n, rsdw, csdw, r, n, b, rsr, csr, sizeof(FP__T)) &&
              fp__apart(dw, n, n, rsdw, csdw, gain, n, b, rsg, csg, sizeof(FP__T)) &&
              fp__apart(dw, n, n, rsdw, csdw, grad, n, b, rsd, csd, sizeof(FP__T)));
    if (rep) fp__report_reset(rep);
    if (rule < FP_RULE_DW1 || rule > FP_RULE_DW4) return rep ? fp__report_fail(rep, FP_ERR_INVALID_ARG, "unknown rule") : FP_ERR_INVALID_ARG;
    if (!adj) adj = &def;
    if (!FP__ISFINITE(lr) || lr < 0) return rep ? fp__report_fail(rep, FP_ERR_INVALID_ARG, "lr must be finite and >= 0") : FP_ERR_INVALID_ARG;
    /* every rule, not only the adjoint's: a NaN gain must not come back as FP_OK and a NaN dW */
    if (!FP__I(mat_all_finite)(n, n, w, rsw, csw) || !FP__I(mat_all_finite)(n, b, r, rsr, csr) ||
        !FP__I(mat_all_finite)(n, b, gain, rsg, csg) || !FP__I(mat_all_finite)(n, b, grad, rsd, csd)) {
        if (rep) fp__report_fail(rep, FP_ERR_NON_FINITE, "W, R, the gains or the gradient hold NaN or Inf");
        return FP_ERR_NON_FINITE;
    }
    if (!work) {
        own = work = fp__malloc(FP__I(rule_workspace_size)(rule, adj, n, b));
        if (!own) return rep ? fp__report_fail(rep, FP_ERR_NO_MEMORY, "workspace allocation failed") : FP_ERR_NO_MEMORY;
    }
    a.base = (unsigned char *)work;
    a.used = 0;
    FP__I(rule_layout)(rule, adj, n, b, &a, &L, &S, &C, &Q, &K, &piv, &gws, &aws);
    if (rule == FP_RULE_DW1) {
        /* dW1 = sum_b G_b (I - W^T G_b)^{-1} g_b r_b^T: the implicit gradient with Delta = Gr; V = dL/dX
         * lands in v (row-major, ld ldv) when the caller keeps it (the trainer's read-in gradient) */
        st = FP__I(implicit_grad)(adj, n, b, w, rsw, csw, r, rsr, csr, gain, rsg, csg, grad, rsd, csd, v ? v : L,
                                  v ? ldv : ld, 1, dw, rsdw, csdw, rep, aws);
    } else if (rule == FP_RULE_DW4) {
        /* dW4 = sum_b [(I - W G) g][(I - W G)^T (I - W G) r]^T:
         * L = Gr - W (G .* Gr);  S = R - W (G .* R);  C = S - G .* (W^T S);  dW = L C^T */
        FP__I(hadamard)(n, b, gain, rsg, csg, grad, rsd, csd, Q, ld);
        FP__I(mat_copy)(n, b, grad, rsd, csd, L, ld, 1);
        FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, n, b, n, -1, w, rsw, csw, Q, ld, 1, 1, L, ld, 1, gws);
        FP__I(hadamard)(n, b, gain, rsg, csg, r, rsr, csr, Q, ld);
        FP__I(mat_copy)(n, b, r, rsr, csr, S, ld, 1);
        FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, n, b, n, -1, w, rsw, csw, Q, ld, 1, 1, S, ld, 1, gws);
        FP__F(gemm_ws)(FP_TRANS, FP_NOTRANS, n, b, n, 1, w, rsw, csw, S, ld, 1, 0, Q, ld, 1, gws);
        for (i = 0; i < n; ++i)
            for (j = 0; j < b; ++j) C[i * ld + j] = S[i * ld + j] - gain[i * rsg + j * csg] * Q[i * ld + j];
        FP__F(gemm_ws)(FP_NOTRANS, FP_TRANS, n, n, b, 1, L, ld, 1, C, ld, 1, 0, dw, rsdw, csdw, gws);
    } else {
        /* dW3 = sum_b [(I - W G) G g][(I - G W)^T (I - G W) r]^T:
         * P = G .* Gr;  L = P - W (G .* P);  S = R - G .* (W R);  C = S - W^T (G .* S);  dW = L C^T */
        FP__I(hadamard)(n, b, gain, rsg, csg, grad, rsd, csd, L, ld);
        FP__I(hadamard)(n, b, gain, rsg, csg, L, ld, 1, Q, ld);
        FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, n, b, n, -1, w, rsw, csw, Q, ld, 1, 1, L, ld, 1, gws);
        FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, n, b, n, 1, w, rsw, csw, r, rsr, csr, 0, Q, ld, 1, gws);
        for (i = 0; i < n; ++i)
            for (j = 0; j < b; ++j) S[i * ld + j] = r[i * rsr + j * csr] - gain[i * rsg + j * csg] * Q[i * ld + j];
        FP__I(hadamard)(n, b, gain, rsg, csg, S, ld, 1, Q, ld);
        FP__I(mat_copy)(n, b, S, ld, 1, C, ld, 1);
        FP__F(gemm_ws)(FP_TRANS, FP_NOTRANS, n, b, n, -1, w, rsw, csw, Q, ld, 1, 1, C, ld, 1, gws);
        if (rule == FP_RULE_DW3) {
            FP__F(gemm_ws)(FP_NOTRANS, FP_TRANS, n, n, b, 1, L, ld, 1, C, ld, 1, 0, dw, rsdw, csdw, gws);
        } else {
            /* dW2 = L (I_B - lr S^T L)^{-1} C^T: the exact reparameterized step for linear networks
             * (Woodbury on A' = A - lr Gr X^T, X = S when G = I), the same step on the network linearized
             * at its fixed points otherwise; lr -> 0 gives dW3. One B x B LU in float64. */
            double *Y = K + (size_t)b * (size_t)b;
            FP__T *StL = (FP__T *)(Y + (size_t)n * (size_t)b);
            FP__F(gemm_ws)(FP_TRANS, FP_NOTRANS, b, b, n, 1, S, ld, 1, L, ld, 1, 0, StL, b, 1, gws); /* S^T L */
            for (i = 0; i < b; ++i)
                for (j = 0; j < b; ++j) K[i * b + j] = (i == j ? 1.0 : 0.0) - (double)lr * (double)StL[i * b + j];
            for (i = 0; i < b; ++i)
                for (j = 0; j < n; ++j) Y[i * n + j] = (double)C[j * ld + i];
            st = fp__lu_factor_ws_f64(b, K, b, 1, piv, gws);
            /* LU judges pivots against the largest entry of K; K = I - lr S^T L is near-singular when a
             * pivot is tiny against 1 + |lr S^T L| (B = 1 included, where K is its own largest entry) */
            for (i = 0; i < b && st == FP_OK; ++i) {
                double scale = 1.0;
                for (j = 0; j < b; ++j) scale = fmax(scale, fabs(K[i * b + j]));
                if (fabs(K[i * b + i]) <= 1e-12 * scale * b) st = FP_ERR_SINGULAR;
            }
            if (st == FP_OK) {
                fp__lu_solve_ws_f64(FP_NOTRANS, b, n, K, b, 1, piv, Y, n, 1, gws);
                for (i = 0; i < b; ++i)
                    for (j = 0; j < n; ++j) Q[j * ld + i] = (FP__T)Y[i * n + j]; /* Q = Y^T, n x b */
                FP__F(gemm_ws)(FP_NOTRANS, FP_TRANS, n, n, b, 1, L, ld, 1, Q, ld, 1, 0, dw, rsdw, csdw, gws);
            }
        }
    }
    /* finite inputs can still overflow (huge W or R): reported, never a silent Inf */
    if (st == FP_OK && !FP__I(mat_all_finite)(n, n, dw, rsdw, csdw)) {
        st = FP_ERR_NON_FINITE;
        if (rep) fp__report_fail(rep, st, "dW overflowed from finite inputs");
    }
    if (st == FP_ERR_SINGULAR && rep) fp__report_fail(rep, st, "dW2's B x B system I - lr S^T L is singular at this rate");
    if (st == FP_ERR_NON_FINITE && rep && rep->status == FP_OK) fp__report_fail(rep, st, "a product on the way to dW overflowed");
    if (own) fp__free(own);
    return st;
}

/* ---- optimizers ---- */
FP__COLD FP_DEF fp_status FP__F(optim_init)(FP__F(optim) *o, const fp_optim_config *cfg, int count)
{
    FP__REQUIRE(o && cfg && count >= 0, "o and cfg are required, count >= 0", FP_ERR_USAGE);
    memset(o, 0, sizeof *o);
    if (!fp__optim_config_ok(cfg)) { o->cfg = *cfg; return FP_ERR_INVALID_ARG; }
    o->cfg = fp__optim_config_resolve(cfg);
    o->count = count;
    if (cfg->kind != FP_OPTIM_SGD && count > 0) {
        o->m = (FP__T *)fp__malloc((size_t)count * sizeof(FP__T));
        o->v = (FP__T *)fp__malloc((size_t)count * sizeof(FP__T));
        if (!o->m || !o->v) { FP__F(optim_free)(o); return FP_ERR_NO_MEMORY; }
        memset(o->m, 0, (size_t)count * sizeof(FP__T));
        memset(o->v, 0, (size_t)count * sizeof(FP__T));
    }
    return FP_OK;
}

FP__COLD FP_DEF void FP__F(optim_free)(FP__F(optim) *o)
{
    if (!o) return;
    if (o->m) fp__free(o->m);
    if (o->v) fp__free(o->v);
    o->m = o->v = NULL;
}

FP_DEF void FP__F(optim_step)(FP__F(optim) *o, double lr, FP__T *p, const FP__T *grad)
{
    const FP__T wd = (FP__T)o->cfg.weight_decay, l = (FP__T)lr;
    int i;
    ++o->t;
    if (o->cfg.kind == FP_OPTIM_SGD) {
        for (i = 0; i < o->count; ++i) p[i] -= l * (grad[i] + wd * p[i]);
    } else if (o->cfg.kind == FP_OPTIM_MOMENTUM) {
        const FP__T mu = (FP__T)o->cfg.momentum;
        for (i = 0; i < o->count; ++i) { o->m[i] = mu * o->m[i] + grad[i] + wd * p[i]; p[i] -= l * o->m[i]; }
    } else {
        const double b1 = o->cfg.beta1, b2 = o->cfg.beta2;
        const FP__T c1 = (FP__T)(1 / (1 - pow(b1, (double)o->t))), c2 = (FP__T)(1 / (1 - pow(b2, (double)o->t)));
        const FP__T e = (FP__T)o->cfg.eps, B1 = (FP__T)b1, B2 = (FP__T)b2;
        for (i = 0; i < o->count; ++i) {
            FP__T gi = grad[i] + wd * p[i];
            o->m[i] = B1 * o->m[i] + ((FP__T)1 - B1) * gi;
            o->v[i] = B2 * o->v[i] + ((FP__T)1 - B2) * gi * gi;
            p[i] -= l * (o->m[i] * c1) / (FP__SQRT(o->v[i] * c2) + e);
        }
    }
}

FP_DEF size_t FP__F(rule_workspace_size)(const fp_rule_config *cfg, int n, int b)
{
    fp_rule_config def;
    memset(&def, 0, sizeof def);
    if (!cfg) cfg = &def;
    return FP__I(rule_workspace_size)(cfg->rule ? cfg->rule : FP_RULE_DW3, &cfg->adjoint, n, b);
}

/*@end*/

/* The argument checks of fp_rule_dw: untyped (see VIEWS), compiled once for both precisions. */
FP__VALIDATOR static const char *fp__rule_dw_bad(fp__view_fn view, const void *pw, const void *pr, const void *pgain,
                                                 const void *pgrad, const void *pdw, size_t esz)
{
    int n, b;
    fp__view w, r, gain, grad, dw;
    view(&w, pw);
    view(&r, pr);
    view(&gain, pgain);
    view(&grad, pgrad);
    view(&dw, pdw);
    n = w.rows; b = r.cols;
    if (!(fp__view_in_ok(&w) && w.rows == w.cols)) return "W must be a square N x N view" FP__BADVIEW;
    if (!(fp__view_in_ok(&r) && r.rows == n)) return "R must be N x B, N = W's order" FP__BADVIEW;
    if (!(fp__view_in_ok(&gain) && fp__view_is(&gain, n, b))) return "G must be N x B, R's shape" FP__BADVIEW;
    if (!(fp__view_in_ok(&grad) && fp__view_is(&grad, n, b))) return "grad (dL/dR) must be N x B, R's shape" FP__BADVIEW;
    if (!(fp__view_out_ok(&dw) && fp__view_is(&dw, n, n))) return "dW must be a writable N x N view with distinct elements";
    if (!(fp__view_apart(&dw, &w, esz) && fp__view_apart(&dw, &r, esz) && fp__view_apart(&dw, &gain, esz) && fp__view_apart(&dw, &grad, esz)))
        return "dW must not overlap W, R, G or grad";
    return NULL;
}

/*@typed*/
FP_DEF fp_status FP__F(rule_dw)(const fp_rule_config *cfg, FP__F(mat) w, FP__F(mat) r, FP__F(mat) gain,
                                FP__F(mat) grad, FP__F(mat) dw, fp_solve_report *rep, void *work)
{
    fp_rule_config def;
    int n = w.rows, b = r.cols;
    const char *bad = fp__rule_dw_bad(FP__I(view_of), &w, &r, &gain, &grad, &dw, sizeof(FP__T));
    memset(&def, 0, sizeof def);
    if (!cfg) cfg = &def;
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    if (n < 1 || b < 1) {
        if (rep) fp__report_reset(rep);
        return rep ? fp__report_fail(rep, FP_ERR_INVALID_ARG, "N and B must be >= 1") : FP_ERR_INVALID_ARG;
    }
    return FP__I(rule_dw)(cfg->rule ? cfg->rule : FP_RULE_DW3, &cfg->adjoint, (FP__T)cfg->lr, n, b, w.data, w.rs, w.cs, r.data,
                          r.rs, r.cs, gain.data, gain.rs, gain.cs, grad.data, grad.rs, grad.cs, dw.data, dw.rs, dw.cs, NULL, 0, rep, work);
}

/* ================================================================================================
 * MODELS: the recurrent layer, its parameter files and its training loop (docs/THEORY.md, (L2)-(L3), (E2)).
 * ================================================================================================ */
static size_t FP__I(layer_count)(int n, int n_in, int n_out)
{
    return (size_t)n * (size_t)n + (size_t)n * (size_t)n_in + (size_t)n + (size_t)n_out * (size_t)n + (size_t)n_out;
}

/* The five arrays live in one block in this order, so save, load and rollback copy one range. */
static void FP__I(layer_bind)(FP__F(layer) *L, FP__T *p)
{
    L->w = p;
    L->w_in = L->w + (size_t)L->n * (size_t)L->n;
    L->b = L->w_in + (size_t)L->n * (size_t)L->n_in;
    L->w_out = L->b + L->n;
    L->b_out = L->w_out + (size_t)L->n_out * (size_t)L->n;
}

FP__COLD FP_DEF fp_status FP__F(layer_init)(FP__F(layer) *L, int n, int n_in, int n_out, fp_act_kind act, double rho, uint64_t seed)
{
    fp_rng g = fp_rng_make(seed);
    FP__T *p;
    size_t i, cnt;
    FP__REQUIRE(L, "L is required", FP_ERR_USAGE);
    memset(L, 0, sizeof *L);
    if (n < 1 || n_in < 1 || n_out < 1 || n > 1 << 16 || n_in > 1 << 24 || n_out > 1 << 16) return FP_ERR_INVALID_ARG;
    if (!(rho >= 0 && rho < 1e6) || (int)act < 0 || act > FP_ACT_CUSTOM) return FP_ERR_INVALID_ARG;
    cnt = FP__I(layer_count)(n, n_in, n_out);
    p = (FP__T *)fp__malloc(cnt * sizeof(FP__T));
    if (!p) return FP_ERR_NO_MEMORY;
    L->n = n; L->n_in = n_in; L->n_out = n_out;
    L->act = fp_activation_make(act);
    FP__I(layer_bind)(L, p);
    for (i = 0; i < (size_t)n * (size_t)n; ++i) L->w[i] = (FP__T)(rho * fp_rng_gauss(&g) / sqrt((double)n));
    for (i = 0; i < (size_t)n * (size_t)n_in; ++i) L->w_in[i] = (FP__T)(fp_rng_gauss(&g) / sqrt((double)n_in));
    for (i = 0; i < (size_t)n_out * (size_t)n; ++i) L->w_out[i] = (FP__T)(fp_rng_gauss(&g) / sqrt((double)n));
    for (i = 0; i < (size_t)n; ++i) L->b[i] = 0;
    for (i = 0; i < (size_t)n_out; ++i) L->b_out[i] = 0;
    return FP_OK;
}

FP__COLD FP_DEF void FP__F(layer_free)(FP__F(layer) *L)
{
    if (L && L->w) fp__free(L->w);
    if (L) L->w = L->w_in = L->b = L->w_out = L->b_out = NULL;
}

#define FP__LAYER_MAGIC "FPLAYER\x01"
typedef struct FP__I(file_head) { char magic[8]; uint32_t version, real_size; int32_t n, n_in, n_out, act; } FP__I(file_head);

#ifndef FP_NO_STDIO
FP__COLD FP_DEF fp_status FP__F(layer_save)(const FP__F(layer) *L, const char *path)
{
    FP__I(file_head) h;
    uint64_t sum;
    size_t cnt, len[3];
    const void *part[3];
    FP__REQUIRE(L && L->w && path, "L must be an initialized layer and path non-NULL", FP_ERR_USAGE);
    memset(&h, 0, sizeof h);
    memcpy(h.magic, FP__LAYER_MAGIC, 8);
    h.version = 1;
    h.real_size = (uint32_t)sizeof(FP__T);
    h.n = L->n; h.n_in = L->n_in; h.n_out = L->n_out; h.act = (int32_t)L->act.kind;
    cnt = FP__I(layer_count)(L->n, L->n_in, L->n_out);
    sum = fp__fnv1a(fp__fnv1a(0xcbf29ce484222325ull, &h, sizeof h), L->w, cnt * sizeof(FP__T));
    part[0] = &h; len[0] = sizeof h;
    part[1] = L->w; len[1] = cnt * sizeof(FP__T);
    part[2] = &sum; len[2] = sizeof sum;
    return fp__save_atomic(path, part, len, 3);
}
#endif

/* The header's promises against the total length; NULL when they hold (cnt: number of reals). */
static const char *FP__I(layer_check_head)(const FP__I(file_head) *h, size_t len, size_t *cnt)
{
    size_t need;
    if (memcmp(h->magic, FP__LAYER_MAGIC, 8) != 0) return "not a fixpoint.h parameter file (bad magic)";
    if (h->version != 1) return "unsupported parameter file version";
    if (h->real_size != sizeof(FP__T)) return "parameter file holds the other real type (float vs double)";
    if (h->n < 1 || h->n > 1 << 16 || h->n_in < 1 || h->n_in > 1 << 24 || h->n_out < 1 || h->n_out > 1 << 16 ||
        h->act < 0 || h->act > (int32_t)FP_ACT_CUSTOM)
        return "absurd sizes or activation in the header";
    *cnt = FP__I(layer_count)(h->n, h->n_in, h->n_out);
    need = sizeof *h + *cnt * sizeof(FP__T) + sizeof(uint64_t);
    if (len < need) return "parameter file truncated";
    if (len > need) return "parameter file has trailing bytes";
    return NULL;
}

FP__COLD FP_DEF fp_status FP__F(layer_parse)(FP__F(layer) *L, const void *buf, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)buf;
    FP__I(file_head) h;
    FP__F(layer) t;
    uint64_t sum, want;
    size_t cnt = 0;
    const char *w = NULL;
    FP__REQUIRE(L && (buf || len == 0), "L is required, and buf when len > 0", FP_ERR_USAGE);
    if (len < sizeof h + sizeof sum) w = "file shorter than a header";
    else {
        memcpy(&h, p, sizeof h);
        w = FP__I(layer_check_head)(&h, len, &cnt);
    }
    if (!w) {
        memcpy(&sum, p + sizeof h + cnt * sizeof(FP__T), sizeof sum);
        want = fp__fnv1a(fp__fnv1a(0xcbf29ce484222325ull, &h, sizeof h), p + sizeof h, cnt * sizeof(FP__T));
        if (want != sum) w = "checksum mismatch: the parameter file is corrupt";
    }
    if (w) { if (why) *why = w; return FP_ERR_FORMAT; }
    /* everything checked: only now allocate (never more than the buffer holds) */
    memset(&t, 0, sizeof t);
    t.n = h.n; t.n_in = h.n_in; t.n_out = h.n_out;
    t.act = fp_activation_make((fp_act_kind)h.act);
    {
        FP__T *q = (FP__T *)fp__malloc(cnt * sizeof(FP__T));
        if (!q) { if (why) *why = "out of memory"; return FP_ERR_NO_MEMORY; }
        memcpy(q, p + sizeof h, cnt * sizeof(FP__T));
        FP__I(layer_bind)(&t, q);
    }
    *L = t; /* L's previous contents (if any) are the caller's to free: it may be uninitialized */
    return FP_OK;
}

#ifndef FP_NO_STDIO
FP__COLD FP_DEF fp_status FP__F(layer_load)(FP__F(layer) *L, const char *path, const char **why)
{
    unsigned char head[sizeof(FP__I(file_head))];
    FP__I(file_head) h;
    unsigned char *buf;
    long end;
    size_t want;
    FILE *f;
    fp_status st;
    FP__REQUIRE(L && path, "L and path are required", FP_ERR_USAGE);
    if (!(f = fp__open_sized(path, &end, &st, why))) return st;
    /* the header must promise exactly the file's length before the file is read into memory */
    if ((size_t)end < sizeof head || fread(head, 1, sizeof head, f) != sizeof head) {
        fclose(f);
        if (why) *why = "file shorter than a header";
        return FP_ERR_FORMAT;
    }
    memcpy(&h, head, sizeof h);
    {
        size_t cnt = 0;
        const char *w = FP__I(layer_check_head)(&h, (size_t)end, &cnt);
        if (w) { fclose(f); if (why) *why = w; return FP_ERR_FORMAT; }
        want = (size_t)end;
    }
    buf = (unsigned char *)fp__malloc(want);
    if (!buf) { fclose(f); if (why) *why = "out of memory"; return FP_ERR_NO_MEMORY; }
    if (fseek(f, 0, SEEK_SET) != 0 || fread(buf, 1, want, f) != want) {
        fclose(f);
        fp__free(buf);
        if (why) *why = "read error";
        return FP_ERR_IO;
    }
    fclose(f);
    st = FP__F(layer_parse)(L, buf, want, why);
    fp__free(buf);
    return st;
}
#endif
#undef FP__LAYER_MAGIC

/* ---- training ---- */
FP__COLD FP_DEF void FP__F(trainer_free)(FP__F(trainer) *t)
{
    int i;
    void *blocks[7];
    if (!t) return;
    blocks[0] = t->u; blocks[1] = t->solve_ws; blocks[2] = t->rule_ws; blocks[3] = t->eig_ws; blocks[4] = t->cache;
    blocks[5] = t->order; blocks[6] = t->gemm_ws;
    for (i = 0; i < 7; ++i) if (blocks[i]) fp__free(blocks[i]);
    for (i = 0; i < 5; ++i) FP__F(optim_free)(&t->opt[i]);
    memset(t, 0, sizeof *t);
}

FP__COLD FP_DEF fp_status FP__F(trainer_init)(FP__F(trainer) *t, FP__F(layer) *L, const fp_train_config *cfg, int dataset_count)
{
    fp__arena a = { NULL, 0 };
    size_t nb, cnt, bytes;
    int pass, i, B, n;
    fp_solver_config sc;
    const char *msg;
    fp_status st;
    fp_adjoint_config ac;
    FP__REQUIRE(t && L && L->w && cfg, "t, cfg and an initialized layer L are required", FP_ERR_USAGE);
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    if (t->cfg.rule == 0) t->cfg.rule = FP_RULE_DW3;
    if (t->cfg.batch == 0) t->cfg.batch = 512;
    if (t->cfg.stability_cols == 0) t->cfg.stability_cols = 8;
    /* every field, so that a bad setting is refused here instead of poisoning W step after step */
    msg = NULL;
    if (t->cfg.rule < FP_RULE_DW1 || t->cfg.rule > FP_RULE_DW4) msg = "unknown rule";
    else if (t->cfg.batch < 1 || t->cfg.batch > 1 << 20) msg = "batch must lie in [1, 2^20]";
    else if (dataset_count < 0) msg = "dataset_count must be >= 0";
    else if (!(t->cfg.min_converged >= -1 && t->cfg.min_converged <= 1)) msg = "min_converged must lie in [-1, 1]";
    else if (t->cfg.stability_every < 0 || t->cfg.stability_cols < 1) msg = "stability_every must be >= 0 and stability_cols >= 1";
    else if ((t->cfg.train_readin | 1) != 1 || (t->cfg.train_readout | 1) != 1 || (t->cfg.warm_start | 1) != 1 ||
             (t->cfg.no_rollback | 1) != 1 || (t->cfg.no_shuffle | 1) != 1)
        msg = "train_readin, train_readout, warm_start, no_rollback and no_shuffle are 0 or 1";
    else if (t->cfg.workers < 0 || t->cfg.workers > 1 << 20 || t->cfg.worker < 0 || t->cfg.worker >= (t->cfg.workers > 1 ? t->cfg.workers : 1))
        msg = "workers must lie in [0, 2^20] and worker in [0, workers)";
    else if (t->cfg.workers > 1 && !t->cfg.allreduce) msg = "more than one worker needs the allreduce hook";
    else if (t->cfg.workers > t->cfg.batch) msg = "every worker needs a share of the batch: workers <= batch";
    else if (t->cfg.allreduce && t->cfg.rule == FP_RULE_DW2)
        msg = "dW2 solves one B x B system coupling the batch's columns: it cannot be split across workers";
    else if (!(t->cfg.optim.lr > 0)) msg = "optim.lr must be > 0 (the learning rate has no default)";
    else if (!fp__optim_config_ok(&t->cfg.optim))
        msg = "optim: lr, weight_decay, eps finite and >= 0; momentum, beta1, beta2 in [0, 1); a known kind";
    if (msg) { t->message = msg; return FP_ERR_INVALID_ARG; }
    st = fp__solver_config_resolve(&t->cfg.solver, &sc, &msg);
    if (st == FP_OK) st = fp__adjoint_config_resolve(&t->cfg.adjoint, &ac, &msg);
    if (st != FP_OK) { t->message = msg; return st; }
    /* the settings in force, spelled out: a zeroed field and its default are the same run (and the same
     * checkpoint) */
    t->cfg.solver = sc;
    t->cfg.adjoint = ac;
    t->cfg.optim = fp__optim_config_resolve(&t->cfg.optim);
    if (t->cfg.min_converged == 0) t->cfg.min_converged = sc.fixed_iterations ? 0 : 0.5;
    else if (t->cfg.min_converged < 0) t->cfg.min_converged = 0;
    t->layer = L;
    /* a worker holds its share of the global batch: at most ceil(batch / workers) columns */
    t->max_batch = B = t->cfg.workers > 1 ? (t->cfg.batch + t->cfg.workers - 1) / t->cfg.workers : t->cfg.batch;
    t->lr_scale = 1;
    t->rng = fp_rng_make(t->cfg.seed);
    n = L->n;
    nb = (size_t)n * (size_t)B;
    cnt = FP__I(layer_count)(n, L->n_in, L->n_out);
    if (t->cfg.allreduce && cnt > (size_t)INT_MAX) { t->message = "the layer is too large for the allreduce hook's int count"; return FP_ERR_INVALID_ARG; }
    /* one block for every batch-sized buffer: counted dry, then bound */
    for (pass = 0; pass < 2; ++pass) {
        a.used = 0;
        t->u = (FP__T *)fp__take(&a, (size_t)L->n_in * (size_t)B * sizeof(FP__T));
        t->x = (FP__T *)fp__take(&a, nb * sizeof(FP__T));
        t->r = (FP__T *)fp__take(&a, nb * sizeof(FP__T));
        t->g = (FP__T *)fp__take(&a, nb * sizeof(FP__T));
        t->gr = (FP__T *)fp__take(&a, nb * sizeof(FP__T));
        t->v = (FP__T *)fp__take(&a, nb * sizeof(FP__T));
        t->y = (FP__T *)fp__take(&a, (size_t)L->n_out * (size_t)B * sizeof(FP__T));
        t->dw = (FP__T *)fp__take(&a, cnt * sizeof(FP__T)); /* gradients of all five, laid out as the layer */
        t->prev = (FP__T *)fp__take(&a, cnt * sizeof(FP__T));
        t->labels = (int *)fp__take(&a, (size_t)B * sizeof(int));
        t->bidx = (int *)fp__take(&a, (size_t)B * sizeof(int));
        if (pass == 0) {
            a.base = (unsigned char *)fp__malloc(fp__arena_size(&a));
            if (!a.base) { t->message = "out of memory"; return FP_ERR_NO_MEMORY; }
        }
    }
    memcpy(t->prev, L->w, cnt * sizeof(FP__T)); /* a checkpoint taken before the first step holds defined bytes */
    t->dwin = t->dw + (size_t)n * (size_t)n;
    t->db = t->dwin + (size_t)n * (size_t)L->n_in;
    t->dwout = t->db + n;
    t->dbout = t->dwout + (size_t)L->n_out * (size_t)n;
    t->solve_ws = fp__malloc(FP__F(solve_workspace_size)(&sc, n, B));
    t->gemm_ws = fp__malloc(FP__F(gemm_workspace_size)()); /* read-in, loss and read-in gradient products */
    bytes = FP__I(rule_workspace_size)(t->cfg.rule, &t->cfg.adjoint, n, B);
    if (t->cfg.train_readin) {
        size_t b2 = FP__F(adjoint_workspace_size)(&t->cfg.adjoint, n, B);
        if (b2 > bytes) bytes = b2;
    }
    t->rule_ws = fp__malloc(bytes);
    t->eig_ws = fp__malloc(FP__F(eig_workspace_size)(n));
    t->order = (int *)fp__malloc((size_t)(dataset_count > 0 ? dataset_count : 1) * sizeof(int));
    t->order_count = dataset_count;
    if (t->cfg.warm_start && dataset_count > 0) {
        t->cache = (FP__T *)fp__malloc((size_t)n * (size_t)dataset_count * sizeof(FP__T));
        if (t->cache) memset(t->cache, 0, (size_t)n * (size_t)dataset_count * sizeof(FP__T));
        t->cache_count = dataset_count;
    }
    if (!t->solve_ws || !t->gemm_ws || !t->rule_ws || !t->eig_ws || !t->order || (t->cfg.warm_start && dataset_count > 0 && !t->cache)) {
        FP__F(trainer_free)(t);
        t->message = "out of memory";
        return FP_ERR_NO_MEMORY;
    }
    for (i = 0; i < dataset_count; ++i) t->order[i] = i;
    {
        const int counts[5] = { n * n, n * L->n_in, n, L->n_out * n, L->n_out };
        for (i = 0; i < 5; ++i) {
            st = FP__F(optim_init)(&t->opt[i], &t->cfg.optim, counts[i]);
            if (st != FP_OK) { FP__F(trainer_free)(t); t->message = "optimizer state: out of memory"; return st; }
        }
    }
    return FP_OK;
}

/* U (n_in x bsz, ld B) <- pixels / 255 of the chosen samples; X = W_in U + b. */
static void FP__I(forward_input)(FP__F(trainer) *t, const fp_dataset *ds, const int *idx, int bsz)
{
    FP__F(layer) *L = t->layer;
    const int B = t->max_batch;
    int i, j;
    for (j = 0; j < bsz; ++j) t->labels[j] = ds->labels[idx[j]];
    /* U row by row (its writes contiguous; the reads of one pixel across the batch's images stay in L1 for
     * the next pixel), rows split over threads */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) private(j) num_threads(fp__slice_threads(FP__SLICES)) if ((double)L->n_in * bsz > 1e5)
#endif
    for (i = 0; i < L->n_in; ++i)
        for (j = 0; j < bsz; ++j) t->u[i * B + j] = (FP__T)ds->pixels[(size_t)idx[j] * (size_t)ds->dim + (size_t)i] * (FP__T)(1.0 / 255.0);
    for (i = 0; i < L->n; ++i)
        for (j = 0; j < bsz; ++j) t->x[i * B + j] = L->b[i];
    FP__F(gemm_ws)(FP_NOTRANS, FP_NOTRANS, L->n, bsz, L->n_in, 1, L->w_in, L->n_in, 1, t->u, B, 1, 1, t->x, B, 1, t->gemm_ws);
}

static fp_status FP__I(forward_solve)(FP__F(trainer) *t, const int *idx, int bsz, fp_solve_report *rep)
{
    FP__F(layer) *L = t->layer;
    fp_solver_config c = t->cfg.solver;
    const int B = t->max_batch;
    int i, j;
    c.warm_start = t->cache != NULL && idx != NULL;
    if (c.warm_start)
        for (i = 0; i < L->n; ++i)
            for (j = 0; j < bsz; ++j) t->r[i * B + j] = t->cache[(size_t)idx[j] * (size_t)L->n + (size_t)i];
    memset(rep, 0, sizeof *rep);
    return FP__I(solve)(&c, &L->act, L->n, bsz, L->w, L->n, 1, t->x, B, 1, t->r, B, 1, t->g, B, 1, rep, t->solve_ws);
}

/* The one rollback of the training loop: the last update put W where the fixed point or the gradient
 * is lost, so it is undone and the rate halved - once per step, and only with something to undo. */
static int FP__I(roll_back)(FP__F(trainer) *t, fp_train_record *rec)
{
    FP__F(layer) *L = t->layer;
    if (t->cfg.no_rollback || t->step == 0 || rec->rolled_back) return 0;
    fp__undo_halve(L->w, t->prev, FP__I(layer_count)(L->n, L->n_in, L->n_out) * sizeof(FP__T), &t->lr_scale);
    rec->rolled_back = 1;
    return 1;
}

/* The gradient could not be computed (the adjoint is singular or did not converge: the last update put W
 * at the singularity of dW1): undo that update and halve the rate, as for a lost fixed point. */
static fp_status FP__I(gradient_failed)(FP__F(trainer) *t, fp_train_record *rec, fp_status st)
{
    rec->status = st;
    t->message = "the gradient could not be computed (singular or unconverged adjoint, or a dW that is not finite)";
    if (st == FP_ERR_NO_MEMORY || st == FP_ERR_INVALID_ARG) return st; /* not a numerical fault: nothing to undo */
    FP__I(roll_back)(t, rec);
    return st;
}

/* The workers agree (docs/THEORY.md, (P2)-(P3)): v[0..k) becomes its sum over every worker,
 * through the caller's allreduce; with one worker v is already that sum. Every worker reaches every
 * agreement of a step, whatever happened to it on the way: one that returned early would leave the
 * others waiting. */
static fp_status FP__I(agree)(FP__F(trainer) *t, void *v, int k, int f64)
{
    if (!t->cfg.allreduce || k == 0) return FP_OK;
    if (t->cfg.allreduce(v, k, f64, t->cfg.allreduce_user) == 0) return FP_OK;
    t->message = "the allreduce hook failed";
    return FP_ERR_IO;
}

/* The forward solve's outcome summed over the workers: refused batches, columns, converged columns,
 * lost (NaN, Inf or diverged) and failed (bad argument, no memory) solves. */
static void FP__I(solve_outcome)(double *v, int refused, int bsz, fp_status st, const fp_solve_report *rep)
{
    v[0] = refused;
    v[1] = bsz;
    v[2] = rep->converged;
    v[3] = st == FP_ERR_NON_FINITE || st == FP_ERR_DIVERGED;
    v[4] = st == FP_ERR_INVALID_ARG || st == FP_ERR_NO_MEMORY;
}

FP_DEF fp_status FP__F(layer_train_step)(FP__F(trainer) *t, const fp_dataset *ds, const int *idx, int bsz,
                                         fp_train_record *rec)
{
    FP__F(layer) *L;
    int B, n, lost;
    size_t cnt;
    fp_solve_report rep;
    fp_status st, gst = FP_OK, ast;
    int hits = 0, i, j, lfail;
    double lr, all[5], out[6];
    FP__T loss = 0;
    FP__REQUIRE(t && t->layer && ds && idx && rec && bsz >= 1 && bsz <= t->max_batch,
                "an initialized trainer t, ds, idx and rec are required, 1 <= bsz <= the trainer's batch", FP_ERR_USAGE);
    L = t->layer;
    B = t->max_batch;
    n = L->n;
    cnt = FP__I(layer_count)(n, L->n_in, L->n_out);
    memset(rec, 0, sizeof *rec);
    memset(&rep, 0, sizeof rep);
    rec->step = t->step;
    rec->min_gap = NAN;
    rec->loss = NAN;
    /* the data against the layer and the buffers, before anything is read or written */
    t->message = NULL;
    if (ds->dim != L->n_in || !ds->pixels || !ds->labels) t->message = "the dataset's image size is not the layer's n_in";
    for (j = 0; j < bsz && !t->message; ++j) {
        if (idx[j] < 0 || idx[j] >= ds->count) t->message = "a sample index lies outside [0, ds->count)";
        else if (t->cache && idx[j] >= t->cache_count) t->message = "a sample index lies beyond the warm-start cache (dataset_count)";
        else if (ds->labels[idx[j]] >= L->n_out) t->message = "a label lies outside [0, n_out)";
    }
    st = FP_ERR_INVALID_ARG;
    if (!t->message) {
        FP__I(forward_input)(t, ds, idx, bsz);
        st = FP__I(forward_solve)(t, idx, bsz, &rep);
    }
    FP__I(solve_outcome)(all, t->message != NULL, bsz, st, &rep);
    if ((ast = FP__I(agree)(t, all, 5, 1)) != FP_OK) { rec->status = ast; return ast; }
    if (all[0] > 0) {
        if (!t->message) t->message = "another worker's batch was refused";
        rec->status = FP_ERR_INVALID_ARG;
        return FP_ERR_INVALID_ARG;
    }
    lost = all[3] > 0 || all[2] < t->cfg.min_converged * all[1];
    if (lost && FP__I(roll_back)(t, rec)) {
        /* the last update lost the fixed point: it is undone; solve again */
        FP__I(forward_input)(t, ds, idx, bsz);
        st = FP__I(forward_solve)(t, idx, bsz, &rep);
        FP__I(solve_outcome)(all, 0, bsz, st, &rep);
        if ((ast = FP__I(agree)(t, all, 5, 1)) != FP_OK) { rec->status = ast; return ast; }
        lost = all[3] > 0 || all[2] < t->cfg.min_converged * all[1];
    }
    rec->converged = all[2] / all[1];
    rec->solver_iterations = rep.iterations;
    lr = t->cfg.optim.lr * t->lr_scale;
    rec->lr = lr;
    if (lost || all[4] > 0) {
        rec->status = st != FP_OK ? st : FP_ERR_NOT_CONVERGED;
        t->message = rep.message ? rep.message : "the forward solve lost the fixed point (here or on another worker)";
        return rec->status;
    }
    /* read-out gradients only when the read-out learns (the paper freezes it) */
    st = FP__I(loss_xent_ws)(L->n_out, n, bsz, L->w_out, n, 1, L->b_out, t->r, B, 1, t->labels, t->gr, B, 1,
                             t->cfg.train_readout ? t->dwout : NULL, n, 1, t->cfg.train_readout ? t->dbout : NULL,
                             &hits, t->y, t->gemm_ws, &loss);
    lfail = st != FP_OK ? 2 : !(loss == loss);
    if (!lfail && bsz != (int)all[1]) {
        /* the loss is the mean over the global batch: this worker's gradients of its own mean, weighted
         * by its share (the sums over workers below complete them) */
        const FP__T w = (FP__T)((double)bsz / all[1]);
        for (i = 0; i < n; ++i)
            for (j = 0; j < bsz; ++j) t->gr[i * B + j] *= w;
        if (t->cfg.train_readout)
            for (i = 0; i < L->n_out * (n + 1); ++i) t->dwout[i] *= w; /* dW_out and db_out, adjacent */
    }
    /* the read-in's V = dL/dX, when it learns: dW1's adjoint gives it for free (below), other rules solve
     * the adjoint for it alone */
    if (!lfail && t->cfg.train_readin && t->cfg.rule != FP_RULE_DW1)
        gst = FP__I(implicit_grad)(&t->cfg.adjoint, n, bsz, L->w, n, 1, NULL, B, 1, t->g, B, 1, t->gr, B, 1, t->v, B, 1,
                                   NULL, n, 1, NULL, t->rule_ws);
    /* the rule's dW: the one place every rule is dispatched */
    if (!lfail && gst == FP_OK) {
        int tries;
        for (tries = 0;; ++tries) {
            gst = FP__I(rule_dw)(t->cfg.rule, &t->cfg.adjoint, (FP__T)lr, n, bsz, L->w, n, 1, t->r, B, 1, t->g, B, 1, t->gr,
                                 B, 1, t->dw, n, 1, t->cfg.train_readin ? t->v : NULL, B, NULL, t->rule_ws);
            /* dW2's B x B system I - lr S^T L is singular at isolated rates: a smaller step avoids it (one
             * worker only: dW2 is refused with several) */
            if (gst != FP_ERR_SINGULAR || t->cfg.rule != FP_RULE_DW2 || tries == 30) break;
            t->lr_scale *= 0.5;
            lr = t->cfg.optim.lr * t->lr_scale;
            rec->lr = lr;
        }
    }
    out[0] = lfail == 2;
    out[1] = lfail == 1;
    out[2] = lfail ? 0 : (double)loss * bsz;
    out[3] = hits;
    out[4] = gst != FP_OK;
    out[5] = gst == FP_ERR_NO_MEMORY || gst == FP_ERR_INVALID_ARG;
    if ((ast = FP__I(agree)(t, out, 6, 1)) != FP_OK) { rec->status = ast; return ast; }
    if (out[0] > 0 || out[1] > 0) {
        rec->status = lfail == 2 ? st : FP_ERR_NON_FINITE;
        t->message = lfail == 2 ? "the loss could not be computed" : lfail ? "the loss is NaN" : "another worker's loss is NaN or could not be computed";
        return rec->status;
    }
    rec->loss = t->cfg.allreduce ? out[2] / all[1] : (double)loss;
    rec->accuracy = out[3] / all[1];
    if (out[4] > 0) {
        fp_status g = gst != FP_OK ? gst : FP_ERR_NOT_CONVERGED; /* NOT_CONVERGED: another worker's gradient failed */
        if (out[5] > 0 && g != FP_ERR_NO_MEMORY && g != FP_ERR_INVALID_ARG) g = FP_ERR_INVALID_ARG; /* nothing to undo */
        return FP__I(gradient_failed)(t, rec, g);
    }
    if (t->cfg.train_readin) {
        FP__F(gemm_ws)(FP_NOTRANS, FP_TRANS, n, L->n_in, bsz, 1, t->v, B, 1, t->u, B, 1, 0, t->dwin, L->n_in, 1, t->gemm_ws);
        FP__I(mat_row_sum)(n, bsz, t->v, B, 1, t->db, 1);
    }
    /* the gradients summed over the workers: dW, then dW_in and db, then dW_out and db_out (each group
     * adjacent in t->dw) */
    ast = FP__I(agree)(t, t->dw, n * n + (t->cfg.train_readin ? n * L->n_in + n : 0), sizeof(FP__T) == 8);
    if (ast == FP_OK && t->cfg.train_readout) ast = FP__I(agree)(t, t->dwout, L->n_out * (n + 1), sizeof(FP__T) == 8);
    if (ast != FP_OK) { rec->status = ast; return ast; }
    rec->dw_norm = (double)FP__I(mat_norm_fro)(n, n, t->dw, n, 1);
    if (t->cfg.stability_every > 0 && t->step % t->cfg.stability_every == 0) {
        int cols = t->cfg.stability_cols < bsz ? t->cfg.stability_cols : bsz;
        double re, im, gap = HUGE_VAL;
        for (j = 0; j < cols; ++j)
            if (FP__I(stability)(n, 1, L->w, n, 1, t->g + j, B, 1, n <= 128 ? n : 0, &re, &im, t->eig_ws) == FP_OK &&
                1 - re < gap)
                gap = 1 - re;
        rec->min_gap = gap;
    }
    memcpy(t->prev, L->w, cnt * sizeof(FP__T));
    FP__F(optim_step)(&t->opt[0], lr, L->w, t->dw);
    if (t->cfg.train_readin) { FP__F(optim_step)(&t->opt[1], lr, L->w_in, t->dwin); FP__F(optim_step)(&t->opt[2], lr, L->b, t->db); }
    if (t->cfg.train_readout) { FP__F(optim_step)(&t->opt[3], lr, L->w_out, t->dwout); FP__F(optim_step)(&t->opt[4], lr, L->b_out, t->dbout); }
    if (t->cache)
        for (i = 0; i < n; ++i)
            for (j = 0; j < bsz; ++j) t->cache[(size_t)idx[j] * (size_t)n + (size_t)i] = t->r[i * B + j];
    ++t->step;
    rec->status = FP_OK;
    return FP_OK;
}

FP_DEF fp_status FP__F(layer_train_epoch)(FP__F(trainer) *t, const fp_dataset *ds, int epoch,
                                          int (*on_step)(const fp_train_record *rec, void *user), void *user)
{
    int i, s;
    fp_status st = FP_OK;
    FP__REQUIRE(t && ds, "t and ds are required", FP_ERR_USAGE);
    /* the shuffled order and the warm-start cache were sized by trainer_init's dataset_count */
    if (ds->count < 1 || ds->count > t->order_count || (t->cache && ds->count > t->cache_count)) {
        t->message = "the dataset holds more samples than trainer_init's dataset_count (or none)";
        return FP_ERR_INVALID_ARG;
    }
    for (i = 0; i < ds->count; ++i) t->order[i] = i;
    if (!t->cfg.no_shuffle)
        for (i = ds->count - 1; i > 0; --i) { /* Fisher-Yates */
            int k = (int)fp_rng_below(&t->rng, (uint32_t)(i + 1)), tmp = t->order[i];
            t->order[i] = t->order[k];
            t->order[k] = tmp;
        }
    for (s = 0; s < ds->count; s += t->cfg.batch) {
        fp_train_record rec;
        int bsz = ds->count - s < t->cfg.batch ? ds->count - s : t->cfg.batch, lo = 0, hi = bsz;
        double stop;
        if (t->cfg.workers > 1) {
            /* this worker's share of the global batch (the same order on every worker: one seed) */
            if (bsz < t->cfg.workers) break; /* a last batch too small to share is left out, on every worker */
            lo = (int)((long long)bsz * t->cfg.worker / t->cfg.workers);
            hi = (int)((long long)bsz * (t->cfg.worker + 1) / t->cfg.workers);
        }
        st = FP__F(layer_train_step)(t, ds, t->order + s + lo, hi - lo, &rec);
        rec.epoch = epoch;
        stop = (on_step && on_step(&rec, user)) || (st != FP_OK && st != FP_ERR_NOT_CONVERGED && !rec.rolled_back);
        /* the workers stop together (a failed hook: this worker stops, the others find out from MPI) */
        if (FP__I(agree)(t, &stop, 1, 1) != FP_OK) return FP_ERR_IO;
        if (stop > 0) break;
    }
    return st;
}

FP__COLD FP_DEF fp_status FP__F(layer_evaluate)(FP__F(trainer) *t, const fp_dataset *ds, int limit, double *loss, double *acc)
{
    FP__F(layer) *L;
    int B, s, j, total, hits_all = 0;
    double lsum = 0;
    fp_status st = FP_OK;
    FP__REQUIRE(t && t->layer && ds, "an initialized trainer t and ds are required", FP_ERR_USAGE);
    L = t->layer;
    B = t->max_batch;
    if (loss) *loss = NAN;
    if (acc) *acc = NAN;
    total = limit > 0 && limit < ds->count ? limit : ds->count;
    t->message = NULL;
    if (ds->dim != L->n_in || total < 1 || !ds->pixels || !ds->labels) t->message = "the dataset is empty or its image size is not the layer's n_in";
    for (j = 0; j < total && !t->message; ++j)
        if (ds->labels[j] >= L->n_out) t->message = "a label lies outside [0, n_out)";
    if (t->message) return FP_ERR_INVALID_ARG;
    for (s = 0; s < total; s += B) {
        int bsz = total - s < B ? total - s : B, hits = 0;
        fp_solve_report rep;
        fp_status s1;
        FP__T l = 0;
        for (j = 0; j < bsz; ++j) t->bidx[j] = s + j;
        FP__I(forward_input)(t, ds, t->bidx, bsz);
        s1 = FP__I(forward_solve)(t, NULL, bsz, &rep);
        /* an unconverged batch is scored on its last iterate (and reported); any other failure means R was
         * never written or is not finite: the evaluation stops there */
        if (s1 != FP_OK && s1 != FP_ERR_NOT_CONVERGED) { t->message = rep.message; return s1; }
        if (s1 != FP_OK) st = s1;
        s1 = FP__I(loss_xent_ws)(L->n_out, L->n, bsz, L->w_out, L->n, 1, L->b_out, t->r, B, 1, t->labels, NULL, 0, 0, NULL, 0,
                                 0, NULL, &hits, t->y, t->gemm_ws, &l);
        if (s1 != FP_OK) return s1;
        lsum += (double)l * bsz;
        hits_all += hits;
    }
    if (!(lsum == lsum) || lsum == HUGE_VAL) { t->message = "the loss is not finite"; return FP_ERR_NON_FINITE; }
    if (loss) *loss = lsum / total;
    if (acc) *acc = (double)hits_all / total;
    return st;
}

#define FP__TRAIN_MAGIC "FPTRAIN\x01"
typedef struct FP__I(train_head) {
    char magic[8];
    int32_t version, real_size, n, n_in, n_out, act, rule, optim, batch, order_count, cache_count, step;
    double lr_scale;
    uint64_t rng[4];
    double spare;
    int64_t opt_t[5];
    int32_t has_spare, pad;
    uint64_t config; /* hash of every setting that shapes the trajectory (fp__train_config_hash) */
} FP__I(train_head);

/* The pieces of a checkpoint in file order (header first, checksum last), from the trainer t. */
#ifndef FP_NO_STDIO
static int FP__I(train_parts)(const FP__F(trainer) *t, const void **part, size_t *len)
{
    const FP__F(layer) *L = t->layer;
    size_t cnt = FP__I(layer_count)(L->n, L->n_in, L->n_out);
    int k = 1, i;
    part[k] = L->w; len[k++] = cnt * sizeof(FP__T);
    part[k] = t->prev; len[k++] = cnt * sizeof(FP__T);
    for (i = 0; i < 5; ++i)
        if (t->opt[i].m) {
            part[k] = t->opt[i].m; len[k++] = (size_t)t->opt[i].count * sizeof(FP__T);
            part[k] = t->opt[i].v; len[k++] = (size_t)t->opt[i].count * sizeof(FP__T);
        }
    part[k] = t->order; len[k++] = (size_t)t->order_count * sizeof(int);
    part[k] = t->cache; len[k++] = t->cache ? (size_t)L->n * (size_t)t->cache_count * sizeof(FP__T) : 0;
    return k; /* the header is part 0, the checksum part k */
}
#endif

#ifndef FP_NO_STDIO
FP__COLD static void FP__I(train_head_make)(const FP__F(trainer) *t, FP__I(train_head) *h)
{
    const FP__F(layer) *L = t->layer;
    int i;
    memset(h, 0, sizeof *h);
    memcpy(h->magic, FP__TRAIN_MAGIC, 8);
    h->version = 1;
    h->real_size = (int32_t)sizeof(FP__T);
    h->n = L->n; h->n_in = L->n_in; h->n_out = L->n_out; h->act = (int32_t)L->act.kind;
    h->rule = (int32_t)t->cfg.rule; h->optim = (int32_t)t->cfg.optim.kind; h->batch = t->max_batch;
    h->order_count = t->order_count; h->cache_count = t->cache ? t->cache_count : 0; h->step = t->step;
    h->lr_scale = t->lr_scale;
    for (i = 0; i < 4; ++i) h->rng[i] = t->rng.s[i];
    h->spare = t->rng.spare;
    h->has_spare = t->rng.has_spare;
    for (i = 0; i < 5; ++i) h->opt_t[i] = (int64_t)t->opt[i].t;
    h->config = fp__train_config_hash(&t->cfg);
}
#endif

#ifndef FP_NO_STDIO
FP__COLD FP_DEF fp_status FP__F(trainer_save)(const FP__F(trainer) *t, const char *path)
{
    FP__I(train_head) h;
    const void *part[16];
    size_t len[16];
    uint64_t sum = 0xcbf29ce484222325ull;
    int k, i;
    FP__REQUIRE(t && t->layer && t->prev && path, "an initialized trainer t and path are required", FP_ERR_USAGE);
    FP__I(train_head_make)(t, &h);
    part[0] = &h; len[0] = sizeof h;
    k = FP__I(train_parts)(t, part, len);
    for (i = 0; i < k; ++i) sum = fp__fnv1a(sum, part[i], len[i]);
    part[k] = &sum; len[k] = sizeof sum;
    return fp__save_atomic(path, part, len, k + 1);
}
#endif

#ifndef FP_NO_STDIO
FP__COLD FP_DEF fp_status FP__F(trainer_load)(FP__F(trainer) *t, const char *path, const char **why)
{
    FP__I(train_head) mine, h;
    const void *part[16];
    size_t len[16], total = 0, off;
    unsigned char *buf;
    uint64_t sum = 0xcbf29ce484222325ull, want;
    const char *w = NULL;
    long end;
    FILE *f;
    int k, i;
    fp_status st = FP_ERR_FORMAT;
    FP__REQUIRE(t && t->layer && t->prev && path, "an initialized trainer t and path are required", FP_ERR_USAGE);
    /* the trainer says how long its checkpoint is: the file must be exactly that before it is read */
    FP__I(train_head_make)(t, &mine);
    part[0] = &mine; len[0] = sizeof mine;
    k = FP__I(train_parts)(t, part, len);
    for (i = 0; i < k; ++i) total += len[i];
    total += sizeof sum;
    if (!(f = fp__open_sized(path, &end, &st, why))) return st;
    st = FP_ERR_FORMAT;
    if ((size_t)end != total) {
        fclose(f);
        if (why) *why = "checkpoint length does not match this trainer (other sizes, optimizer, cache, or truncated)";
        return FP_ERR_FORMAT;
    }
    buf = (unsigned char *)fp__malloc(total);
    if (!buf) { fclose(f); if (why) *why = "out of memory"; return FP_ERR_NO_MEMORY; }
    if (fread(buf, 1, total, f) != total) { w = "read error"; st = FP_ERR_IO; }
    fclose(f);
    if (!w) {
        memcpy(&h, buf, sizeof h);
        sum = fp__fnv1a(sum, buf, total - sizeof sum);
        memcpy(&want, buf + total - sizeof sum, sizeof want);
        if (memcmp(h.magic, FP__TRAIN_MAGIC, 8) != 0) w = "not a fixpoint.h checkpoint (bad magic)";
        else if (h.version != 1) w = "unsupported checkpoint version";
        else if (h.real_size != mine.real_size) w = "checkpoint holds the other real type (float vs double)";
        else if (h.n != mine.n || h.n_in != mine.n_in || h.n_out != mine.n_out || h.act != mine.act || h.rule != mine.rule ||
                 h.optim != mine.optim || h.batch != mine.batch || h.order_count != mine.order_count ||
                 h.cache_count != mine.cache_count)
            w = "checkpoint made by a trainer of other sizes, rule, optimizer, batch, dataset_count or warm start";
        else if (h.config != mine.config) w = "checkpoint made with other settings (rates, optimizer, solver, adjoint, read-in/out, rollback, shuffle)";
        else if (want != sum) w = "checksum mismatch: the checkpoint is corrupt";
        else if (!(h.lr_scale > 0 && h.lr_scale <= 1) || h.step < 0) w = "checkpoint holds an impossible step or rate scale";
    }
    if (w) { fp__free(buf); if (why) *why = w; return st; }
    /* everything checked: only now is the trainer written (the parts are the trainer's own arrays) */
    for (off = sizeof h, i = 1; i < k; off += len[i], ++i)
        if (len[i]) memcpy((void *)(uintptr_t)part[i], buf + off, len[i]);
    t->step = h.step;
    t->lr_scale = h.lr_scale;
    for (i = 0; i < 4; ++i) t->rng.s[i] = h.rng[i];
    t->rng.spare = h.spare;
    t->rng.has_spare = h.has_spare;
    for (i = 0; i < 5; ++i) t->opt[i].t = (long)h.opt_t[i];
    fp__free(buf);
    return FP_OK;
}
#endif
#undef FP__TRAIN_MAGIC
/*@end*/

FP_DEF const char *fp_verdict_str(fp_verdict v)
{
    switch (v) {
    case FP_STABLE: return "stable";
    case FP_MARGINAL: return "marginal";
    case FP_UNSTABLE: return "unstable";
    }
    return "unknown";
}


/* The census's dynamics: a zeroed method is Euler with dt 0.2 to 1e-9 in 20000 steps (a careful
 * settle onto attractors only), with any field the caller set kept; a chosen method keeps its own
 * defaults for zeroed fields. */
static fp_solver_config fp__census_solver(const fp_solver_config *in)
{
    fp_solver_config c;
    if (in->method != FP_SOLVER_DEFAULT) return *in;
    c = *in;
    c.method = FP_SOLVER_EULER;
    if (c.step == 0) c.step = 0.2;
    if (c.tol == 0) c.tol = 1e-9;
    if (c.max_iter == 0) c.max_iter = 20000;
    return c;
}

FP__COLD FP_DEF fp_census_config fp_census_config_default(void)
{
    fp_census_config c;
    memset(&c, 0, sizeof c);
    c.solver = fp__census_solver(&c.solver);
    c.cluster_tol = 1e-4;
    return c;
}

/* ---- eigenvalues of a real upper Hessenberg matrix (row-major, ld n, double): Householder reduction
 * and the Francis double-shift QR of EISPACK's hqr (Wilkinson & Reinsch). Used by the typed
 * fp_eig_* and the stability analysis; no equation of docs/THEORY.md is needed for it. ---- */
static double fp__sign(double a, double b) { return b >= 0 ? fabs(a) : -fabs(a); }

/* Columns k0.. of the reduction, one reflector at a time (level 2): the whole reduction of a small matrix,
 * the last columns of a large one. v: 2n doubles. */
static void fp__hessenberg_cols(int n, double *h, double *v, int k0)
{
    double *d = v + n;
    int k, i, j;
    for (k = k0; k + 2 < n; ++k) {
        double alpha, nrm, s;
        /* scaled norms (fp_vec_norm2): a column of entries near 1e-160 beside O(1) ones must not square
         * into denormals, or the reflector stops being orthogonal and the eigenvalues drift */
        nrm = fp_vec_norm2_f64(n - k - 1, h + (k + 1) * n + k, n);
        /* a column whose entries below the diagonal are all near the underflow threshold is left as it
         * is (those entries zeroed): a reflector built from values that small - the residue of
         * cancellations, often subnormal - would not be orthogonal. The threshold is absolute, not
         * eps |A|: after balancing, entries far below the largest are still significant. */
        if (nrm <= DBL_MIN / DBL_EPSILON) {
            for (i = k + 2; i < n; ++i) h[i * n + k] = 0;
            continue;
        }
        alpha = -fp__sign(nrm, h[(k + 1) * n + k]);
        /* v = x - alpha e1, normalized; H <- (I - 2 v v^T) H (I - 2 v v^T) */
        for (i = k + 1; i < n; ++i) v[i] = h[i * n + k];
        v[k + 1] -= alpha;
        s = fp_vec_norm2_f64(n - k - 1, v + k + 1, 1);
        if (s == 0) continue;
        for (i = k + 1; i < n; ++i) v[i] /= s;
        /* from the left, on rows k+1.. (their columns before k are zero): d = v^T H, H -= 2 v d, a row
         * at a time so every pass is contiguous */
        for (j = k; j < n; ++j) d[j] = 0;
        for (i = k + 1; i < n; ++i) fp__axpy_f64(n - k, v[i], h + i * n + k, 1, d + k, 1); /* the path's vectors */
        for (i = k + 1; i < n; ++i) fp__axpy_f64(n - k, -2 * v[i], d + k, 1, h + i * n + k, 1);
        /* from the right, on every row: H -= 2 (H v) v^T */
        for (i = 0; i < n; ++i)
            fp__axpy_f64(n - k - 1, -2 * fp_vec_dot_f64(n - k - 1, h + i * n + k + 1, 1, v + k + 1, 1), v + k + 1, 1,
                         h + i * n + k + 1, 1);
        for (i = k + 2; i < n; ++i) h[i * n + k] = 0;
    }
}


/* The blocked reduction, as LAPACK's gehrd with lahr2 (Quintana-Orti and van de Geijn): the reflectors of
 * a panel of FP__HESS_NB columns are built one at a time, and their product Q = I - V T V^T (T upper
 * triangular, V unit lower trapezoidal) is applied to the rest of the matrix at once, as GEMMs:
 * A <- A - Y V^T from the right with Y = A V T, then A <- A - V T^T (V^T A) from the left. Inside the
 * panel, a column is brought up to date only when its turn comes, from Y and V: the only level-2 work
 * left is the product of the trailing rows with each new reflector (Y's column). The unblocked code
 * finishes the last FP__HESS_NX columns. v: fp__hessenberg_scratch(n) doubles (after the panel
 * buffers, the GEMM's workspace). */
#define FP__HESS_NB 32
#define FP__HESS_NX 128
#define FP__HESS_MIN 192
static double fp__dot_row(int c, const double *a, const double *b)
{
    double t = 0;
    int i;
    for (i = 0; i < c; ++i) t += a[i] * b[i];
    return t;
}

static size_t fp__hessenberg_scratch(int n)
{
    size_t nn = (size_t)n, nb = FP__HESS_NB;
    if (n < FP__HESS_MIN) return 2 * nn;
    return 3 * nn * nb + nb * nb + nn + 2 * nb + 16 + (fp_gemm_workspace_size_f64() + 63) / sizeof(double);
}

static void fp__hessenberg(int n, double *h, double *v)
{
    const int nb = FP__HESS_NB;
    const ptrdiff_t ldh = n;
    double *V = v, *Y = V + ldh * nb, *W = Y + ldh * nb, *T = W + ldh * nb, *vt = T + nb * nb, *u = vt + n;
    void *gws = u + 2 * nb + 8;
    int p = 0, c, r, q, s, m;
    if (n < FP__HESS_MIN) { fp__hessenberg_cols(n, h, v, 0); return; }
    for (p = 0; n - 2 - p > FP__HESS_NX; p += nb) {
        const int ib = nb;
        for (r = p + 1; r < n; ++r) memset(V + r * nb, 0, (size_t)nb * sizeof(double));
        for (c = 0; c < ib; ++c) {
            const int j = p + c;
            double alpha, nrm, beta, tau = 0;
            if (c > 0) {
                /* column j brought up to date: from the right by the panel's first c reflectors
                 * (A Q = A - Y V^T), then from the left (Q^T = I - V T^T V^T) */
                for (r = p + 1; r < n; ++r) h[r * ldh + j] -= fp__dot_row(c, Y + r * nb, V + j * nb);
                for (q = 0; q < c; ++q) u[q] = 0;
                for (r = p + 1; r < n; ++r) fp__axpy_f64(c, h[r * ldh + j], V + r * nb, 1, u, 1);
                for (q = c - 1; q >= 0; --q) { /* u <- T^T u, in place from the bottom */
                    double t = 0;
                    for (s = 0; s <= q; ++s) t += T[s * nb + q] * u[s];
                    u[q] = t;
                }
                for (r = p + 1; r < n; ++r) h[r * ldh + j] -= fp__dot_row(c, V + r * nb, u);
            }
            /* the reflector that zeroes column j below row j + 1 (the unblocked code's threshold) */
            alpha = h[(j + 1) * ldh + j];
            nrm = fp_vec_norm2_f64(n - j - 1, h + (j + 1) * ldh + j, n);
            for (r = 0; r < n; ++r) vt[r] = 0;
            vt[j + 1] = 1;
            if (nrm <= DBL_MIN / DBL_EPSILON) {
                for (r = j + 2; r < n; ++r) h[r * ldh + j] = 0;
            } else {
                double sc;
                beta = -fp__sign(nrm, alpha);
                tau = (beta - alpha) / beta;
                sc = 1 / (alpha - beta);
                for (r = j + 2; r < n; ++r) { vt[r] = h[r * ldh + j] * sc; h[r * ldh + j] = 0; }
                h[(j + 1) * ldh + j] = beta;
            }
            for (r = j + 1; r < n; ++r) V[r * nb + c] = vt[r];
            /* Y's column c = tau (A v - Y (V^T v)) on rows p+1..: A's columns past j are still the
             * panel's input. T's column c = -tau T (V^T v), T(c, c) = tau. */
            for (q = 0; q < c; ++q) u[q] = 0;
            for (r = j + 1; r < n; ++r) fp__axpy_f64(c, vt[r], V + r * nb, 1, u, 1);
            for (r = p + 1; r < n; ++r)
                Y[r * nb + c] = tau * (fp_vec_dot_f64(n - j - 1, h + r * ldh + j + 1, 1, vt + j + 1, 1) - fp__dot_row(c, Y + r * nb, u));
            for (q = 0; q < c; ++q) {
                double t = 0;
                for (s = q; s < c; ++s) t += T[q * nb + s] * u[s];
                T[q * nb + c] = -tau * t;
            }
            for (q = c + 1; q < nb; ++q) T[q * nb + c] = 0;
            T[c * nb + c] = tau;
        }
        /* Y's rows 0..p, (A V) T: their part of A was not read by the panel */
        fp__gemm_cols_f64(0, FP_NOTRANS, FP_NOTRANS, p + 1, ib, n - p - 1, 1, h + p + 1, n, 1, V + (p + 1) * nb, nb, 1, 0, Y, nb, 1, gws);
        for (r = 0; r <= p; ++r)
            for (q = ib - 1; q >= 0; --q) {
                double t = 0;
                for (s = 0; s <= q; ++s) t += Y[r * nb + s] * T[s * nb + q];
                Y[r * nb + q] = t;
            }
        /* from the right: the panel's columns on rows 0..p, then every row of the trailing columns */
        fp__gemm_cols_f64(0, FP_NOTRANS, FP_TRANS, p + 1, ib - 1, ib, -1, Y, nb, 1, V + (p + 1) * nb, nb, 1, 1, h + p + 1, n, 1, gws);
        m = n - p - ib;
        fp__gemm_cols_f64(0, FP_NOTRANS, FP_TRANS, n, m, ib, -1, Y, nb, 1, V + (p + ib) * nb, nb, 1, 1, h + p + ib, n, 1, gws);
        /* from the left on rows p+1.. of the trailing columns: W = T^T (V^T A), A -= V W */
        fp__gemm_cols_f64(0, FP_TRANS, FP_NOTRANS, ib, m, n - p - 1, 1, V + (p + 1) * nb, nb, 1, h + (p + 1) * ldh + p + ib, n, 1, 0, W, m, 1, gws);
        for (q = ib - 1; q >= 0; --q) {
            fp_vec_scale_f64(m, T[q * nb + q], W + (size_t)q * (size_t)m, 1);
            for (s = 0; s < q; ++s) fp__axpy_f64(m, T[s * nb + q], W + (size_t)s * (size_t)m, 1, W + (size_t)q * (size_t)m, 1);
        }
        fp__gemm_cols_f64(0, FP_NOTRANS, FP_NOTRANS, n - p - 1, m, ib, -1, V + (p + 1) * nb, nb, 1, W, m, 1, 1, h + (p + 1) * ldh + p + ib, n, 1, gws);
    }
    fp__hessenberg_cols(n, h, v, p);
}

/* Whether the subdiagonal h(l, l-1) of the active window (rows up to nn) may be set to zero: the local
 * test of LAPACK's lahqr (Ahues and Tisseur), which compares it with its neighbours, not with the whole
 * matrix, so an eigenvalue far smaller than the largest keeps its relative accuracy (a global test
 * eps |A| gives a 20 x 20 matrix with two entries of 1e20 the wrong spectrum). anorm > 0 adds the global
 * backward-error test eps |A| as a backstop once a window has stalled: a cluster of zero eigenvalues,
 * whose diagonal is itself roundoff (a rank-one W), may otherwise never pass the local test. */
static int fp__hqr_negligible(int n, const double *a, int l, int nn, double anorm)
{
    double h = fabs(a[l * n + l - 1]), tst, ab, ba, aa, bb, d, s;
    double ulp = DBL_EPSILON, smlnum = DBL_MIN * ((double)n / ulp);
    if (h <= smlnum || (anorm > 0 && h <= DBL_EPSILON * anorm)) return 1;
    tst = fabs(a[(l - 1) * n + l - 1]) + fabs(a[l * n + l]);
    if (tst == 0) {
        if (l >= 2) tst += fabs(a[(l - 1) * n + l - 2]);
        if (l + 1 <= nn) tst += fabs(a[(l + 1) * n + l]);
    }
    if (h > ulp * tst) return 0;
    d = fabs(a[(l - 1) * n + l - 1] - a[l * n + l]);
    ab = fmax(h, fabs(a[(l - 1) * n + l]));
    ba = fmin(h, fabs(a[(l - 1) * n + l]));
    aa = fmax(fabs(a[l * n + l]), d);
    bb = fmin(fabs(a[l * n + l]), d);
    s = aa + ab;
    return ba * (ab / s) <= fmax(smlnum, ulp * (bb * (aa / s)));
}

/* The row half of one bulge-chasing step of hqr: rows k, k+1 (and k+2 unless r2 is NULL) from column k
 * on, contiguous in the row-major H, so a vector loop; compiled once more per SIMD family (the column
 * half, strided, stays scalar). The same operations in the same order as the scalar loop. */
#define FP__HQR_ROWS_ARGS int len, double *FP__RESTRICT r0, double *FP__RESTRICT r1, double *FP__RESTRICT r2, double x, \
                          double y, double z, double q, double r
#define FP__HQR_ROWS_BODY                                                                             \
    int j;                                                                                            \
    if (r2)                                                                                           \
        for (j = 0; j < len; ++j) {                                                                   \
            double p = r0[j] + q * r1[j] + r * r2[j];                                                 \
            r2[j] -= p * z;                                                                           \
            r1[j] -= p * y;                                                                           \
            r0[j] -= p * x;                                                                           \
        }                                                                                             \
    else                                                                                              \
        for (j = 0; j < len; ++j) {                                                                   \
            double p = r0[j] + q * r1[j];                                                             \
            r1[j] -= p * y;                                                                           \
            r0[j] -= p * x;                                                                           \
        }                                                                                             \
    (void)z; (void)r;
FP__MULTI(void, fp__hqr_rows, (FP__HQR_ROWS_ARGS), FP__HQR_ROWS_BODY)
static void fp__hqr_rows(FP__HQR_ROWS_ARGS) { FP__PATH(fp__hqr_rows)(len, r0, r1, r2, x, y, z, q, r); }

/* The column half of nk chasing steps (parameters prm: x, y, z, q, r and 3, 2 or 0 reflector rows, per
 * step; step s acts on window columns s..s+2) on rows [i0, i1) and window columns [k0, k0 + w):
 * FP__HQR_RB rows at a time, copied to t (w x FP__HQR_RB, a column of the window per row of t) so each
 * step is a few vector operations across the rows, in L1; the same operations in the same order as the
 * column loop. A step depends on the one before it through two of its three columns, so it is the
 * number of independent vectors per step (32 rows: 4 AVX-512 or 8 AVX2 vectors), not their width, that
 * keeps the FMA units busy: with 8 rows, one vector, each step waited for the last. */
#define FP__HQR_RB 32
/* Two doubles from each of s0 and s1 transposed into d0 = (s0[0], s1[0]), d1 = (s0[1], s1[1]): the
 * copies to and from t, two rows by two columns at a time (in SSE2, x86-64's baseline, so in every
 * family's instance; without it the four moves). Scalar, the copies cost more than the steps. */
#if defined(__SSE2__) && (defined(FP__HAVE_AVX2) || defined(FP__HAVE_AVX512))
#define FP__TR2(d0, d1, s0, s1)                                                                       \
    do {                                                                                              \
        __m128d x0_ = _mm_loadu_pd(s0), x1_ = _mm_loadu_pd(s1);                                       \
        _mm_storeu_pd(d0, _mm_unpacklo_pd(x0_, x1_));                                                 \
        _mm_storeu_pd(d1, _mm_unpackhi_pd(x0_, x1_));                                                 \
    } while (0)
#else
#define FP__TR2(d0, d1, s0, s1)                                                                       \
    do {                                                                                              \
        double x00_ = (s0)[0], x01_ = (s0)[1], x10_ = (s1)[0], x11_ = (s1)[1];                        \
        (d0)[0] = x00_; (d0)[1] = x10_; (d1)[0] = x01_; (d1)[1] = x11_;                               \
    } while (0)
#endif
#define FP__HQR_COLS_ARGS int n, double *FP__RESTRICT a, int i0, int i1, int k0, int w, int nk, const double *FP__RESTRICT prm, \
                          double *FP__RESTRICT t
#define FP__HQR_COLS_BODY                                                                             \
    int ib, i, c, st;                                                                                 \
    for (ib = i0; ib < i1; ib += FP__HQR_RB) {                                                        \
        int nr = i1 - ib < FP__HQR_RB ? i1 - ib : FP__HQR_RB;                                         \
        for (i = 0; i + 1 < nr; i += 2) {                                                             \
            const double *s0 = a + (ptrdiff_t)(ib + i) * n + k0, *s1 = s0 + n;                   \
            for (c = 0; c + 1 < w; c += 2) FP__TR2(t + c * FP__HQR_RB + i, t + (c + 1) * FP__HQR_RB + i, s0 + c, s1 + c); \
            if (c < w) { t[c * FP__HQR_RB + i] = s0[c]; t[c * FP__HQR_RB + i + 1] = s1[c]; }          \
        }                                                                                             \
        for (; i < FP__HQR_RB; ++i) /* the odd last row, and zeros past the rows (never written back) */ \
            for (c = 0; c < w; ++c) t[c * FP__HQR_RB + i] = i < nr ? a[(ptrdiff_t)(ib + i) * n + k0 + c] : 0.0; \
        for (st = 0; st < nk; ++st) {                                                                 \
            const double *g = prm + 8 * st;                                                           \
            double *t0 = t + (int)g[6] * FP__HQR_RB, *t1 = t0 + FP__HQR_RB, *t2 = t1 + FP__HQR_RB;    \
            if (g[5] == 3)                                                                            \
                for (i = 0; i < FP__HQR_RB; ++i) {                                                    \
                    double p = g[0] * t0[i] + g[1] * t1[i] + g[2] * t2[i];                            \
                    t2[i] -= p * g[4];                                                                \
                    t1[i] -= p * g[3];                                                                \
                    t0[i] -= p;                                                                       \
                }                                                                                     \
            else if (g[5] == 2)                                                                       \
                for (i = 0; i < FP__HQR_RB; ++i) {                                                    \
                    double p = g[0] * t0[i] + g[1] * t1[i];                                           \
                    t1[i] -= p * g[3];                                                                \
                    t0[i] -= p;                                                                       \
                }                                                                                     \
        }                                                                                             \
        for (i = 0; i + 1 < nr; i += 2) {                                                             \
            double *d0 = a + (ptrdiff_t)(ib + i) * n + k0, *d1 = d0 + n;                         \
            for (c = 0; c + 1 < w; c += 2) FP__TR2(d0 + c, d1 + c, t + c * FP__HQR_RB + i, t + (c + 1) * FP__HQR_RB + i); \
            if (c < w) { d0[c] = t[c * FP__HQR_RB + i]; d1[c] = t[c * FP__HQR_RB + i + 1]; }          \
        }                                                                                             \
        if (i < nr)                                                                                   \
            for (c = 0; c < w; ++c) a[(ptrdiff_t)(ib + i) * n + k0 + c] = t[c * FP__HQR_RB + i]; \
    }
FP__MULTI(void, fp__hqr_cols, (FP__HQR_COLS_ARGS), FP__HQR_COLS_BODY)
static void fp__hqr_cols(FP__HQR_COLS_ARGS) { FP__PATH(fp__hqr_cols)(n, a, i0, i1, k0, w, nk, prm, t); }

/* The first reflector's vector (p, q, r) of a double-shift step starting at row m, for the shifts whose
 * sum is x + y and product x y - w: the first column of (H - s1)(H - s2), scaled (EISPACK's formula). */
static void fp__hqr_start(int n, const double *a, int m, double x, double y, double w, double *pqr)
{
    double z = a[m * n + m], r = x - z, s = y - z, p, q, sc;
    p = (r * s - w) / a[(m + 1) * n + m] + a[m * n + m + 1];
    q = a[(m + 1) * n + m + 1] - z - r - s;
    r = a[(m + 2) * n + m + 1];
    sc = fabs(p) + fabs(q) + fabs(r);
    pqr[0] = p / sc; pqr[1] = q / sc; pqr[2] = r / sc;
}

/* One step of a bulge's chase at row k (its chase started at row m; pqr: the start's vector): the
 * reflector from column k-1 (or pqr), applied to rows k..k+2 from column k on and to columns k..k+2 on
 * rows ilo..k+3. The bulge's remnants below the subdiagonal of column k-1 are set to zero, so a second
 * bulge coming behind reads a Hessenberg column. g: NULL, or the step's parameters for fp__hqr_cols
 * (x, y, z, q, r, its 3, 2 or 0 rows, its first column relative to kmin). */
static void fp__hqr_step(int n, double *a, int l, int m, int nn, int k, int ilo, const double *pqr, double *g, int kmin)
{
    double p, q, r, x = 0, y, z, s;
    int i, mmin;
    if (g) g[5] = 0; /* a skipped step */
    if (k == m) { p = pqr[0]; q = pqr[1]; r = pqr[2]; }
    else {
        p = a[k * n + k - 1];
        q = a[(k + 1) * n + k - 1];
        r = k != nn - 1 ? a[(k + 2) * n + k - 1] : 0.0;
        if ((x = fabs(p) + fabs(q) + fabs(r)) != 0.0) { p /= x; q /= x; r /= x; }
    }
    if ((s = fp__sign(sqrt(p * p + q * q + r * r), p)) == 0.0) return;
    if (k == m) {
        if (l != m) a[k * n + k - 1] = -a[k * n + k - 1];
    } else {
        a[k * n + k - 1] = -s * x;
        a[(k + 1) * n + k - 1] = 0;
        if (k != nn - 1) a[(k + 2) * n + k - 1] = 0;
    }
    p += s;
    x = p / s; y = q / s; z = r / s;
    q /= p; r /= p;
    fp__hqr_rows(nn - k + 1, a + k * n + k, a + (k + 1) * n + k, k != nn - 1 ? a + (k + 2) * n + k : NULL, x, y, z, q, r);
    mmin = nn < k + 3 ? nn : k + 3;
    for (i = ilo; i <= mmin; i++) {
        double *ai = a + i * n + k;
        p = x * ai[0] + y * ai[1];
        if (k != nn - 1) { p += z * ai[2]; ai[2] -= p * r; }
        ai[1] -= p * q;
        ai[0] -= p;
    }
    if (g) { g[0] = x; g[1] = y; g[2] = z; g[3] = q; g[4] = r; g[5] = k != nn - 1 ? 3 : 2; g[6] = k - kmin; }
}

/* scratch: NULL, or 8 FP__HQR_NBUL FP__HQR_KB + FP__HQR_RB (FP__HQR_KB + FP__HQR_NBUL FP__HQR_GAP + 3)
 * doubles for the windowed chase (n >= 128) */
#define FP__HQR_KB 32
#define FP__HQR_GAP 3
#define FP__HQR_NBUL 4
static fp_status fp__hqr(int n, double *a, double *wr, double *wi, double *scratch)
{
#define A_(i, j) a[(i) * n + (j)]
    int nn, m, l, k, j, its, i, t0, t1, tt;
    double z = 0, y, x, w, v, u, t, s, r = 0, q = 0, p = 0, anorm = 0;
    for (i = 0; i < n; ++i)
        for (j = i > 0 ? i - 1 : 0; j < n; ++j) anorm += fabs(A_(i, j));
    nn = n - 1;
    t = 0.0;
    while (nn >= 0) {
        its = 0;
        do {
            for (l = nn; l >= 1; l--)
                if (fp__hqr_negligible(n, a, l, nn, its >= 10 ? anorm : 0)) { A_(l, l - 1) = 0.0; break; }
            x = A_(nn, nn);
            if (l == nn) {
                wr[nn] = x + t;
                wi[nn--] = 0.0;
            } else {
                y = A_(nn - 1, nn - 1);
                w = A_(nn, nn - 1) * A_(nn - 1, nn);
                if (l == nn - 1) {
                    p = 0.5 * (y - x);
                    q = p * p + w;
                    z = sqrt(fabs(q));
                    x += t;
                    if (q >= 0.0) {
                        z = p + fp__sign(z, p);
                        wr[nn - 1] = wr[nn] = x + z;
                        if (z != 0.0) wr[nn] = x - w / z;
                        wi[nn - 1] = wi[nn] = 0.0;
                    } else {
                        wr[nn - 1] = wr[nn] = x + p;
                        wi[nn - 1] = -(wi[nn] = z);
                    }
                    nn -= 2;
                } else {
                    /* windowed: the chase in windows of FP__HQR_KB steps (below); two: a second bulge
                     * follows the first FP__HQR_GAP rows behind, for the other pair of the trailing
                     * 4 x 4 block's eigenvalues (x2, w2), a four-shift step chased as two double-shift
                     * bulges, as in LAPACK's small-bulge multishift QR (Braman, Byers and Mathias) */
                    int windowed = scratch && nn - l >= 2 * FP__HQR_KB, nbul = 1, tstart, tend, b, mb[FP__HQR_NBUL];
                    double xs[FP__HQR_NBUL], ws[FP__HQR_NBUL], pqr[FP__HQR_NBUL][3];
                    if (its == 60) return FP_ERR_NOT_CONVERGED;
                    if (its == 10 || its == 20 || its == 40) { /* exceptional shift */
                        t += x;
                        for (i = 0; i <= nn; i++) A_(i, i) -= x;
                        s = fabs(A_(nn, nn - 1)) + fabs(A_(nn - 1, nn - 2));
                        y = x = 0.75 * s;
                        w = -0.4375 * s * s;
                    } else if (windowed) {
                        /* the shifts: the eigenvalues of the trailing block of order 2 FP__HQR_NBUL, in
                         * pairs (a complex pair, adjacent as hqr leaves it, or two real values), a
                         * bulge each; the pair nearest H(nn, nn) goes first */
                        enum { NS = 2 * FP__HQR_NBUL };
                        double hs[NS * NS], er[NS], ei[NS], sum[NS], prod[NS];
                        int np = 0, nr = 0, ri[NS], f = 0;
                        for (i = 0; i < NS; ++i)
                            for (j = 0; j < NS; ++j) hs[i * NS + j] = A_(nn - NS + 1 + i, nn - NS + 1 + j);
                        if (fp__hqr(NS, hs, er, ei, NULL) == FP_OK) {
                            for (i = 0; i < NS && np >= 0;) {
                                if (ei[i] == 0) ri[nr++] = i++;
                                else if (i + 1 < NS && ei[i + 1] == -ei[i]) {
                                    sum[np] = er[i] + er[i + 1]; prod[np++] = er[i] * er[i + 1] + ei[i] * ei[i]; i += 2;
                                } else np = -1;
                            }
                            for (j = 0; np >= 0 && j + 1 < nr; j += 2) { sum[np] = er[ri[j]] + er[ri[j + 1]]; prod[np++] = er[ri[j]] * er[ri[j + 1]]; }
                            for (j = 0; j < np; ++j) if (!(fabs(sum[j]) <= DBL_MAX && fabs(prod[j]) <= DBL_MAX)) np = -1;
                            if (np == FP__HQR_NBUL) {
                                for (j = 1; j < np; ++j) if (fabs(0.5 * sum[j] - x) < fabs(0.5 * sum[f] - x)) f = j;
                                for (j = 0; j < np; ++j) {
                                    int o = j == 0 ? f : j == f ? 0 : j;
                                    xs[j] = 0.5 * sum[o];
                                    ws[j] = xs[j] * xs[j] - prod[o];
                                }
                                y = x = xs[0];
                                w = ws[0];
                                nbul = np;
                            }
                        }
                    }
                    ++its;
                    for (m = nn - 2; m >= l; m--) {
                        z = A_(m, m);
                        r = x - z;
                        s = y - z;
                        p = (r * s - w) / A_(m + 1, m) + A_(m, m + 1);
                        q = A_(m + 1, m + 1) - z - r - s;
                        r = A_(m + 2, m + 1);
                        s = fabs(p) + fabs(q) + fabs(r);
                        p /= s; q /= s; r /= s;
                        if (m == l) break;
                        u = fabs(A_(m, m - 1)) * (fabs(q) + fabs(r));
                        v = fabs(p) * (fabs(A_(m - 1, m - 1)) + fabs(z) + fabs(A_(m + 1, m + 1)));
                        if (u + v == v) break;
                    }
                    pqr[0][0] = p; pqr[0][1] = q; pqr[0][2] = r;
                    mb[0] = m;
                    for (b = 1; b < nbul; ++b) mb[b] = l;
                    for (i = (nbul > 1 ? l : m) + 2; i <= nn; i++) {
                        A_(i, i - 2) = 0.0;
                        if (i != (nbul > 1 ? l : m) + 2) A_(i, i - 3) = 0.0;
                    }
                    /* The chase, in time steps tt: bulge b's step at row tt - b FP__HQR_GAP (the first
                     * from m, the others from l). Steps that far apart act on disjoint rows and columns
                     * and read nothing the other writes before it, so this is the bulges' chases one
                     * after another, reordered. Windowed, the column half of each step (rows ilo..k+3,
                     * columns k..k+2: a strided pass) is applied at once only to the rows from the
                     * window's first row kmin on; the rows above get the window's steps afterwards,
                     * FP__HQR_RB rows at a time from a copy in L1 (fp__hqr_cols). No step of the window
                     * reads those rows, so the result is the same. */
                    tstart = m;
                    for (b = 1; b < nbul; ++b) if (l + b * FP__HQR_GAP < tstart) tstart = l + b * FP__HQR_GAP;
                    tend = nn - 1 + (nbul - 1) * FP__HQR_GAP;
                    for (t0 = tstart; t0 <= tend; t0 = t1) {
                        int kmin = windowed ? nn : l, kmax = 0, ns = 0;
                        double *prm = windowed ? scratch : NULL;
                        t1 = windowed && t0 + FP__HQR_KB <= tend ? t0 + FP__HQR_KB : tend + 1;
                        for (b = 0; windowed && b < nbul; ++b) { /* the first row of the window's steps */
                            int k2 = t0 - b * FP__HQR_GAP > mb[b] ? t0 - b * FP__HQR_GAP : mb[b];
                            if (k2 <= nn - 1 && k2 < t1 - b * FP__HQR_GAP && k2 < kmin) kmin = k2;
                        }
                        for (tt = t0; tt < t1; ++tt)
                            for (b = 0; b < nbul; ++b) {
                                k = tt - b * FP__HQR_GAP;
                                if (k < mb[b] || k > nn - 1) continue;
                                if (b > 0 && k == l) {
                                    fp__hqr_start(n, a, l, xs[b], xs[b], ws[b], pqr[b]);
                                    /* H(l+1, l) became 0 on the way: this bulge and those behind it stay out */
                                    if (!(fabs(pqr[b][0]) + fabs(pqr[b][1]) + fabs(pqr[b][2]) <= 1)) { nbul = b; break; }
                                }
                                fp__hqr_step(n, a, l, mb[b], nn, k, kmin, pqr[b], prm ? prm + 8 * ns : NULL, kmin);
                                if (prm && prm[8 * ns + 5] != 0) { if (k + 2 > kmax) kmax = k + 2 < nn ? k + 2 : nn; ++ns; }
                            }
                        if (prm && ns && kmin > l)
                            fp__hqr_cols(n, a, l, kmin, kmin, kmax - kmin + 1, ns, prm, prm + 8 * FP__HQR_NBUL * FP__HQR_KB);
                    }
                }
            }
        } while (l < nn - 1);
    }
    return FP_OK;
#undef A_
}


/* Rows and columns a and b of h exchanged: a permutation similarity. */
static void fp__swap_rc(int n, double *h, int a, int b)
{
    int k;
    if (a == b) return;
    for (k = 0; k < n; ++k) { double t = h[a * n + k]; h[a * n + k] = h[b * n + k]; h[b * n + k] = t; }
    for (k = 0; k < n; ++k) { double t = h[k * n + a]; h[k * n + a] = h[k * n + b]; h[k * n + b] = t; }
}

/* Balancing, as LAPACK's gebal (job 'B'). First a permutation: a row (column) whose only nonzero in the
 * active block is its diagonal holds an eigenvalue, written to wr, wi, and is moved below (above) the
 * block. Then a diagonal scaling by powers of two, exact, until each row's and column's 2-norms in the
 * block agree within the factor 0.95. Both are similarities: the eigenvalues do not change, but the
 * entries become comparable, so QR's backward error is small beside every eigenvalue, not only the
 * largest (D A D^-1 with D over 10^+-4 keeps its digits). The remaining block is moved to the front of h,
 * compact (ld nb); *lo is its first index, the return value nb its order. scale: n doubles. */
FP__COLD static int fp__balance(int n, double *h, double *wr, double *wi, double *scale, int *plo)
{
    const double sfmin1 = DBL_MIN / DBL_EPSILON, sfmax1 = 1 / sfmin1, sfmin2 = 2 * sfmin1, sfmax2 = 1 / sfmin2;
    int lo = 0, hi = n - 1, i, j, k, found, conv, nb;
    do { /* rows isolating an eigenvalue, to the bottom */
        found = 0;
        for (j = hi; j >= lo && !found; --j) {
            for (k = lo; k <= hi; ++k) if (k != j && h[j * n + k] != 0) break;
            if (k > hi) { fp__swap_rc(n, h, j, hi); wr[hi] = h[hi * n + hi]; wi[hi] = 0; --hi; found = 1; }
        }
    } while (found);
    do { /* columns isolating an eigenvalue, to the top */
        found = 0;
        for (j = lo; j <= hi && !found; ++j) {
            for (k = lo; k <= hi; ++k) if (k != j && h[k * n + j] != 0) break;
            if (k > hi) { fp__swap_rc(n, h, j, lo); wr[lo] = h[lo * n + lo]; wi[lo] = 0; ++lo; found = 1; }
        }
    } while (found);
    nb = hi - lo + 1;
    for (i = lo; i <= hi; ++i) scale[i] = 1;
    do {
        conv = 1;
        for (i = lo; i <= hi; ++i) {
            double c = fp_vec_norm2_f64(nb, h + lo * n + i, n), r = fp_vec_norm2_f64(nb, h + i * n + lo, 1);
            double ca = fp_vec_max_abs_f64(nb, h + lo * n + i, n), ra = fp_vec_max_abs_f64(nb, h + i * n + lo, 1);
            double f = 1, g = r / 2, s = c + r;
            if (c == 0 || r == 0) continue;
            while (c < g && fmax(f, fmax(c, ca)) < sfmax2 && fmin(r, fmin(g, ra)) > sfmin2) {
                f *= 2; c *= 2; ca *= 2; r /= 2; g /= 2; ra /= 2;
            }
            g = c / 2;
            while (g >= r && fmax(r, ra) < sfmax2 && fmin(fmin(f, c), fmin(g, ca)) > sfmin2) {
                f /= 2; c /= 2; g /= 2; ca /= 2; r *= 2; ra *= 2;
            }
            if (c + r >= 0.95 * s) continue; /* not worth it: this also ends the loop */
            if (f < 1 && scale[i] < 1 && f * scale[i] <= sfmin1) continue;
            if (f > 1 && scale[i] > 1 && scale[i] >= sfmax1 / f) continue;
            scale[i] *= f;
            conv = 0;
            fp_vec_scale_f64(nb, 1 / f, h + i * n + lo, 1);
            fp_vec_scale_f64(nb, f, h + lo * n + i, n);
        }
    } while (!conv);
    if (nb < n)
        for (i = 0; i < nb; ++i) memmove(h + i * nb, h + (lo + i) * n + lo, (size_t)nb * sizeof(double));
    *plo = lo;
    return nb;
}

/* QR on a Hessenberg matrix scaled by a power of two so that its largest entry lies in [1, 2): the
 * reduction's and the shifts' squares neither overflow (entries of 1e160) nor underflow (1e-160), as
 * LAPACK's scaling avoids; the power of two makes the scaling exact. Eigenvalues beyond the double range
 * are FP_ERR_NON_FINITE. prep: balance and run the Hessenberg reduction first (v: 2n doubles). */
static fp_status fp__eig_scaled(int n, double *h, double *wr, double *wi, double *v, int prep)
{
    double amax = 0;
    int i, e = 0, lo = 0, nb = n;
    fp_status st;
    for (i = 0; i < n * n; ++i)
        if (!(fabs(h[i]) <= DBL_MAX)) return FP_ERR_NON_FINITE;
    if (prep) nb = fp__balance(n, h, wr, wi, v, &lo);
    for (i = 0; i < nb * nb; ++i) amax = fmax(amax, fabs(h[i]));
    if (amax > 0) {
        frexp(amax, &e);
        /* entries that stay subnormal after the scaling (below 2^-1022 of the largest) carry less than 53
         * bits and lie far inside QR's backward error eps |A|: a reflector built from them would not be
         * orthogonal, so they are set to zero */
        for (i = 0; i < nb * nb; ++i) {
            h[i] = ldexp(h[i], 1 - e);
            if (fabs(h[i]) < DBL_MIN) h[i] = 0;
        }
    }
    if (prep) fp__hessenberg(nb, h, v);
    st = fp__hqr(nb, h, wr + lo, wi + lo, v && nb >= 128 ? v : NULL); /* v: 3 n^2 doubles past h (eig_workspace_size) */
    if (st != FP_OK) return st;
    for (i = lo; i < lo + nb; ++i) {
        wr[i] = ldexp(wr[i], e - 1);
        wi[i] = ldexp(wi[i], e - 1);
        if (!(fabs(wr[i]) <= DBL_MAX && fabs(wi[i]) <= DBL_MAX)) return FP_ERR_NON_FINITE;
    }
    return FP_OK;
}

/* Eigenvalues of the n x n double matrix in h (destroyed), into wr, wi; v: 2n doubles of scratch. */
static fp_status fp__eig_dense(int n, double *h, double *wr, double *wi, double *v)
{
    return fp__eig_scaled(n, h, wr, wi, v, 1);
}

/*@typed*/
/* ================================================================================================
 * ANALYSIS: eigenvalues (dense QR, inverse iteration, Arnoldi) and the stability of fixed points:
 * the leading eigenvalue of G_b W per column, whose distance 1 - Re(lambda) to the bifurcation is
 * where dW1 is singular (docs/THEORY.md, (R1) and (S1)-(S3)).
 * All in float64 whatever the input type; work holds eig_workspace_size(n) bytes (or NULL).
 * ================================================================================================ */
#define FP__KMAX 64

FP_DEF size_t FP__F(eig_workspace_size)(int n)
{
    size_t nn = (size_t)(n > 0 ? n : 1);
    /* a large matrix's blocked Hessenberg reduction needs more than the 3 n^2 past the matrix */
    return (4 * nn * nn + (nn + 2) * (FP__KMAX + 2) + 3 * (FP__KMAX + 2) * (FP__KMAX + 2) + 8 * nn) * sizeof(double) +
           2 * nn * sizeof(int) + 256 + (n >= FP__HESS_MIN ? fp__hessenberg_scratch(n) * sizeof(double) : 0);
}

static double *FP__I(to_double)(int n, int m, const FP__T *a, ptrdiff_t rs, ptrdiff_t cs, double *out)
{
    int i, j;
    for (i = 0; i < n; ++i)
        for (j = 0; j < m; ++j) out[i * m + j] = (double)a[i * rs + j * cs];
    return out;
}

static fp_status FP__I(eig)(int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, double *wr, double *wi, void *work)
{
    void *own = NULL;
    double *h;
    fp_status st;
    FP_ASSERT(n >= 0 && (n == 0 || (a && wr && wi)));
    if (n == 0) return FP_OK;
    if (!work) { own = work = fp__malloc(FP__F(eig_workspace_size)(n)); if (!own) return FP_ERR_NO_MEMORY; }
    h = (double *)fp__align64(work);
    st = fp__eig_dense(n, FP__I(to_double)(n, n, a, rsa, csa, h), wr, wi, h + (size_t)n * (size_t)n);
    if (own) fp__free(own);
    return st;
}

/* Inverse iteration on the real 2n form of (A - lambda I) v = b, lambda = re + i im, shifted off the
 * eigenvalue by a relative 1e-10 so the factorization exists. */
FP__COLD static fp_status FP__I(eigvec)(int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, double re, double im,
                               double *vr, double *vi, void *work)
{
    void *own = NULL;
    double *M, *x, nrm = 0, sh;
    int *piv, i, j, it, n2 = 2 * n;
    fp_status st;
    FP_ASSERT(n >= 1 && a && vr && vi);
    if (!work) { own = work = fp__malloc(FP__F(eig_workspace_size)(n)); if (!own) return FP_ERR_NO_MEMORY; }
    M = (double *)fp__align64(work);
    x = M + (size_t)n2 * (size_t)n2;
    piv = (int *)(x + n2);
    for (i = 0; i < n; ++i)
        for (j = 0; j < n; ++j) nrm += fabs((double)a[i * rsa + j * csa]);
    sh = 1e-10 * (nrm > 0 ? nrm / n : 1);
    re += sh;
    /* [A - re I, im I; -im I, A - re I] [vr; vi] = [br; bi] */
    for (i = 0; i < n; ++i)
        for (j = 0; j < n; ++j) {
            double v = (double)a[i * rsa + j * csa] - (i == j ? re : 0);
            M[i * n2 + j] = v;
            M[(i + n) * n2 + j + n] = v;
            M[i * n2 + j + n] = i == j ? im : 0;
            M[(i + n) * n2 + j] = i == j ? -im : 0;
        }
    st = fp__lu_factor_ws_f64(n2, M, n2, 1, piv, NULL); /* one LU: unblocked, so the caller's work is all it needs */
    if (st == FP_OK) {
        for (i = 0; i < n2; ++i) x[i] = 1.0 + 0.1 * sin(1.0 + i);
        for (it = 0; it < 3; ++it) {
            double s;
            fp__lu_solve_ws_f64(FP_NOTRANS, n2, 1, M, n2, 1, piv, x, 1, 1, NULL);
            s = fp_vec_norm2_f64(n2, x, 1);
            if (!(s > 0) || s != s || s == HUGE_VAL) { st = FP_ERR_NON_FINITE; break; }
            fp_vec_scale_f64(n2, 1.0 / s, x, 1);
        }
        for (i = 0; i < n; ++i) { vr[i] = x[i]; vi[i] = x[i + n]; }
    }
    if (own) fp__free(own);
    return st;
}

/* Arnoldi on M = diag(g) A (g NULL: A): k steps of modified Gram-Schmidt (twice), Ritz values of the
 * k x k Hessenberg sorted by decreasing real part. A deterministic start vector. */
static fp_status FP__I(eig_arnoldi)(int n, const FP__T *a, ptrdiff_t rsa, ptrdiff_t csa, const FP__T *g,
                                    ptrdiff_t incg, int k, double *wr, double *wi, void *work)
{
    void *own = NULL;
    double *A, *V, *H, *Hs, *scr;
    int i, j, it, pass, kk;
    fp_status st = FP_OK;
    FP_ASSERT(n >= 1 && a && wr && wi && k >= 1);
    if (k > n) k = n;
    if (k > FP__KMAX) k = FP__KMAX;
    if (!work) { own = work = fp__malloc(FP__F(eig_workspace_size)(n)); if (!own) return FP_ERR_NO_MEMORY; }
    A = (double *)fp__align64(work);
    V = A + (size_t)n * (size_t)n;                 /* (k+1) vectors of n */
    H = V + (size_t)(k + 1) * (size_t)n;           /* (k+1) x k, ld k    */
    Hs = H + (size_t)(k + 1) * (size_t)k;          /* k x k scratch      */
    scr = Hs + (size_t)k * (size_t)k;
    FP__I(to_double)(n, n, a, rsa, csa, A);
    if (g)
        for (i = 0; i < n; ++i) fp_vec_scale_f64(n, (double)g[i * incg], A + (size_t)i * (size_t)n, 1);
    if (!fp_mat_all_finite_f64(fp_mat_rowmajor_f64(A, n, n))) { st = FP_ERR_NON_FINITE; goto done; }
    for (i = 0; i < (k + 1) * k; ++i) H[i] = 0;
    for (i = 0; i < n; ++i) V[i] = 1.0 + 0.5 * sin(3.0 * i + 1.0);
    fp_vec_scale_f64(n, 1.0 / fp_vec_norm2_f64(n, V, 1), V, 1);
    kk = k;
    for (j = 0; j < k; ++j) {
        double *w = V + (size_t)(j + 1) * (size_t)n, h;
        fp_gemv_f64(FP_NOTRANS, n, n, 1.0, A, n, 1, V + (size_t)j * (size_t)n, 1, 0.0, w, 1);
        for (pass = 0; pass < 2; ++pass)
            for (it = 0; it <= j; ++it) {
                double d = fp_vec_dot_f64(n, V + (size_t)it * (size_t)n, 1, w, 1);
                H[it * k + j] += d;
                fp_vec_axpy_f64(n, -d, V + (size_t)it * (size_t)n, 1, w, 1);
            }
        h = fp_vec_norm2_f64(n, w, 1);
        if (j + 1 < k) H[(j + 1) * k + j] = h;
        if (h <= 1e-12 * (fabs(H[j * k + j]) + 1e-300)) { kk = j + 1; break; } /* invariant subspace */
        fp_vec_scale_f64(n, 1.0 / h, w, 1);
    }
    for (i = 0; i < kk; ++i)
        for (j = 0; j < kk; ++j) Hs[i * kk + j] = H[i * k + j];
    st = fp__eig_scaled(kk, Hs, wr, wi, NULL, 0);
    if (st != FP_OK) goto done;
    /* sort by decreasing real part (insertion sort, k is small) */
    for (i = 1; i < kk; ++i)
        for (j = i; j > 0 && wr[j] > wr[j - 1]; --j) {
            double t = wr[j]; wr[j] = wr[j - 1]; wr[j - 1] = t;
            t = wi[j]; wi[j] = wi[j - 1]; wi[j - 1] = t;
        }
    for (i = kk; i < k; ++i) { wr[i] = NAN; wi[i] = NAN; }
    (void)scr;
done:
    if (own) fp__free(own);
    return st;
}

static fp_status FP__I(stability)(int n, int b, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *gain,
                                  ptrdiff_t rsg, ptrdiff_t csg, int exact_max, double *re, double *im, void *work)
{
    void *own = NULL;
    double *h, *wr, *wi;
    int c, i, j;
    fp_status st = FP_OK;
    FP_ASSERT(n >= 1 && b >= 0 && w && gain && re && im);
    if (!work) { own = work = fp__malloc(FP__F(eig_workspace_size)(n)); if (!own) return FP_ERR_NO_MEMORY; }
    wr = (double *)fp__align64(work);
    wi = wr + n;
    h = wi + n; /* n*n matrix + n scratch, or Arnoldi's work (it fits: see eig_workspace_size) */
    for (c = 0; c < b && st == FP_OK; ++c) {
        int best = 0;
        if (n <= exact_max) {
            for (i = 0; i < n; ++i)
                for (j = 0; j < n; ++j) h[i * n + j] = (double)gain[i * rsg + c * csg] * (double)w[i * rsw + j * csw];
            st = fp__eig_dense(n, h, wr, wi, h + (size_t)n * (size_t)n);
            for (i = 1; i < n && st == FP_OK; ++i) if (wr[i] > wr[best]) best = i;
        } else {
            st = FP__I(eig_arnoldi)(n, w, rsw, csw, gain + c * csg, rsg, 48, wr, wi, h);
        }
        if (st != FP_OK) break; /* wr holds nothing to report: re and im keep what they held */
        re[c] = wr[best];
        im[c] = wi[best];
    }
    if (own) fp__free(own);
    return st;
}

/* The verdict of docs/THEORY.md (S1): every eigenvalue of W diag(phi') (equivalently
 * diag(phi') W) with real part < 1; the bulk and outliers as (S2) describes them. */
FP__COLD static fp_status FP__I(stability_analyze)(const fp_spectrum_config *cfg, int n, const FP__T *w, ptrdiff_t rsw,
                                          ptrdiff_t csw, const FP__T *gain, ptrdiff_t incg, fp_spectrum *out,
                                          double *wr_out, double *wi_out, void *work)
{
    fp_spectrum_config c;
    fp_spectrum s;
    void *own = NULL;
    double *wr, *wi, *h, *mod;
    int i, j, k, exact;
    fp_status st;
    FP_ASSERT(n >= 1 && w && out && fp__strides_ok(n, n, rsw, csw) && (!gain || n == 1 || incg >= 1));
    memset(&c, 0, sizeof c);
    if (cfg) c = *cfg;
    if (c.tol == 0) c.tol = 1e-6;
    if (c.margin == 0) c.margin = 0.05;
    if (c.exact_max == 0) c.exact_max = 400;
    if (!(c.tol > 0) || !(c.margin > 0) || !(c.bulk_radius >= 0) || !isfinite(c.tol) || !isfinite(c.margin) ||
        !isfinite(c.bulk_radius) || c.exact_max < 0)
        return FP_ERR_INVALID_ARG;
    if (!work) { own = work = fp__malloc(FP__F(eig_workspace_size)(n)); if (!own) return FP_ERR_NO_MEMORY; }
    wr = (double *)fp__align64(work);
    wi = wr + n;
    h = wi + n;
    exact = n <= c.exact_max;
    if (exact) {
        for (i = 0; i < n; ++i)
            for (j = 0; j < n; ++j) h[i * n + j] = (gain ? (double)gain[i * incg] : 1.0) * (double)w[i * rsw + j * csw];
        st = fp__eig_dense(n, h, wr, wi, h + (size_t)n * (size_t)n);
        k = n;
    } else {
        st = FP__I(eig_arnoldi)(n, w, rsw, csw, gain, incg, 48, wr, wi, h);
        for (k = 0; st == FP_OK && k < n && k < 48 && wr[k] == wr[k]; ++k) {} /* wr is unwritten on failure */
    }
    if (st == FP_OK && gain && !FP__I(mat_all_finite)(n, 1, gain, incg, 1)) st = FP_ERR_NON_FINITE;
    if (st == FP_OK) {
        memset(&s, 0, sizeof s);
        s.exact = exact;
        mod = h; /* the matrix is spent: reuse it for the moduli */
        for (i = 0; i < k; ++i) {
            mod[i] = hypot(wr[i], wi[i]);
            if (i == 0 || wr[i] > s.abscissa) { s.abscissa = wr[i]; s.abscissa_im = fabs(wi[i]); }
            if (mod[i] > s.radius) s.radius = mod[i];
        }
        if (c.bulk_radius > 0) s.bulk_radius = c.bulk_radius;
        else {
            /* (S2): the circular law's radius for independent entries, sqrt(||diag(g) W||_F^2 / N) - for
             * diag(phi') (chi + m n^T / N) it is g sqrt(<phi'^2>) up to O(1/N), whatever the gains. (A
             * percentile of |lambda| assumed a uniform disk; unequal gains pile the eigenvalues toward
             * the centre, and it came out 6-14 % low, counting bulk eigenvalues as outliers.) */
            double f2 = 0, big = 0;
            for (i = 0; i < n; ++i) /* scaled by the largest entry: no overflow before the root */
                for (j = 0; j < n; ++j) {
                    double v = fabs((gain ? (double)gain[i * incg] : 1.0) * (double)w[i * rsw + j * csw]);
                    if (v > big) big = v;
                }
            for (i = 0; i < n && big > 0; ++i)
                for (j = 0; j < n; ++j) {
                    double v = (gain ? (double)gain[i * incg] : 1.0) * (double)w[i * rsw + j * csw] / big;
                    f2 += v * v;
                }
            s.bulk_radius = big * sqrt(f2 / n);
        }
        s.outliers = -1;
        if (s.bulk_radius == s.bulk_radius) {
            double cut = (1 + c.margin) * s.bulk_radius, last = HUGE_VAL;
            int taken = 0;
            s.outliers = 0;
            for (i = 0; i < k; ++i) s.outliers += hypot(wr[i], wi[i]) > cut;
            /* the largest few by modulus, in decreasing order (k is small or the loop ends early) */
            while (taken < FP_MAX_OUTLIERS && taken < s.outliers) {
                int b = -1;
                double bm = -1;
                for (i = 0; i < k; ++i) {
                    double m = hypot(wr[i], wi[i]);
                    if (m > cut && m < last && m > bm) { bm = m; b = i; }
                }
                if (b < 0) break;
                for (i = 0; i < k && taken < FP_MAX_OUTLIERS; ++i)
                    if (hypot(wr[i], wi[i]) == bm) { s.outlier_re[taken] = wr[i]; s.outlier_im[taken] = wi[i]; ++taken; }
                last = bm;
            }
        }
        s.verdict = s.abscissa < 1 - c.tol ? FP_STABLE : s.abscissa > 1 + c.tol ? FP_UNSTABLE : FP_MARGINAL;
        /* eigenvalues near the double range: their modulus or the bulk estimate can overflow */
        if (!(fabs(s.radius) <= DBL_MAX) || !(fabs(s.bulk_radius) <= DBL_MAX)) st = FP_ERR_NON_FINITE;
    }
    if (st == FP_OK) {
        *out = s;
        for (i = 0; i < n; ++i) {
            if (wr_out) wr_out[i] = i < k ? wr[i] : NAN;
            if (wi_out) wi_out[i] = i < k ? wi[i] : NAN;
        }
    }
    if (own) fp__free(own);
    return st;
}

/* The global picture of docs/THEORY.md, (S4) and (MF9): which
 * attractor each initial condition reaches, for any model of the library. */
FP__COLD static fp_status FP__I(census)(const fp_solver_config *cfg, const fp_spectrum_config *scfg, const fp_activation *act,
                               int n, int k, const FP__T *w, ptrdiff_t rsw, ptrdiff_t csw, const FP__T *x,
                               ptrdiff_t incx, FP__T *r, ptrdiff_t rsr, ptrdiff_t csr, double cluster_tol,
                               fp_attractor *out, int max_out, int *label, fp_census *census)
{
    fp_solver_config c;
    fp_solve_report rep;
    fp_census cs;
    FP__T *xs, *g;
    double *res, tol, big;
    int *lab, *rep_col, *basin, *perm, i, j, a, na = 0;
    void *blk, *ews;
    size_t nk = (size_t)n * (size_t)k, bytes;
    fp_status st, est = FP_OK;
    FP_ASSERT(act && w && x && r && census && (max_out <= 0 || out));
    if (n < 1 || k < 1 || !(cluster_tol >= 0) || !isfinite(cluster_tol)) return FP_ERR_INVALID_ARG;
    FP_ASSERT(fp__strides_ok(n, n, rsw, csw) && fp__layout_ok(n, k, rsr, csr) && (n == 1 || incx >= 1));
    if (cfg) c = *cfg;
    else {
        c = fp_solver_config_default(FP_SOLVER_EULER);
        c.step = 0.2;
        c.tol = 1e-9;
        c.max_iter = 20000;
    }
    c.warm_start = 1;
    if (cluster_tol == 0) cluster_tol = 1e-4;
    /* the starts too: a NaN start is the caller's data, not a run that diverged */
    if (!FP__I(mat_all_finite)(n, n, w, rsw, csw) || !FP__I(mat_all_finite)(n, 1, x, incx, 1) ||
        !FP__I(mat_all_finite)(n, k, r, rsr, csr))
        return FP_ERR_NON_FINITE;
    bytes = 2 * nk * sizeof(FP__T) + (size_t)k * (sizeof(double) + 4 * sizeof(int)) + FP__F(eig_workspace_size)(n) + 256;
    blk = fp__malloc(bytes);
    if (!blk) return FP_ERR_NO_MEMORY;
    ews = fp__align64(blk);
    xs = (FP__T *)fp__align64((char *)ews + FP__F(eig_workspace_size)(n));
    g = xs + nk;
    res = (double *)fp__align64(g + nk);
    lab = (int *)(res + k);
    rep_col = lab + k; basin = rep_col + k; perm = basin + k;
    for (i = 0; i < n; ++i)
        for (j = 0; j < k; ++j) xs[(size_t)i * (size_t)k + (size_t)j] = x[i * incx];
    memset(&rep, 0, sizeof rep);
    rep.col_residual = res;
    st = FP__I(solve)(&c, act, n, k, w, rsw, csw, xs, k, 1, r, rsr, csr, g, k, 1, &rep, NULL);
    if (st == FP_ERR_INVALID_ARG || st == FP_ERR_NO_MEMORY) { fp__free(blk); return st; }
    tol = c.tol > 0 ? c.tol : 1e-6;
    if (sizeof(FP__T) == 4 && tol < 32 * FP__EPS) tol = 32 * FP__EPS;
    big = c.diverge_at > 0 ? c.diverge_at : 1e12;
    memset(&cs, 0, sizeof cs);
    cs.runs = k;
    for (j = 0; j < k; ++j) {
        double mx = 0;
        for (i = 0; i < n; ++i) {
            double v = FP__FABS(r[i * rsr + j * csr]);
            if (!(v <= mx)) mx = v; /* NaN propagates into mx */
        }
        if (!(mx < big)) { lab[j] = -2; ++cs.diverged; continue; }
        if (!(res[j] <= tol)) { lab[j] = -1; ++cs.unsettled; continue; }
        for (a = 0; a < na; ++a) { /* RMS distance to each attractor's representative */
            double d2 = 0, s2 = 0;
            for (i = 0; i < n; ++i) {
                double ra = (double)r[i * rsr + rep_col[a] * csr], dv = (double)r[i * rsr + j * csr] - ra;
                d2 += dv * dv; s2 += ra * ra;
            }
            if (sqrt(d2 / n) <= cluster_tol * (1 + sqrt(s2 / n))) break;
        }
        if (a == na) { rep_col[na] = j; basin[na] = 0; ++na; }
        ++basin[a];
        lab[j] = a;
    }
    cs.attractors = na;
    /* largest basin first, ties by first column: perm[rank] = attractor, and back through rep_col order */
    for (a = 0; a < na; ++a) perm[a] = a;
    for (a = 1; a < na; ++a)
        for (j = a; j > 0 && basin[perm[j]] > basin[perm[j - 1]]; --j) { int t = perm[j]; perm[j] = perm[j - 1]; perm[j - 1] = t; }
    for (a = 0; a < na && a < max_out; ++a) {
        fp_attractor *o = out + a;
        fp_status s2;
        o->column = rep_col[perm[a]];
        o->basin = basin[perm[a]];
        o->residual = res[o->column];
        s2 = FP__I(stability_analyze)(scfg, n, w, rsw, csw, g + o->column, k, &o->spectrum, NULL, NULL, ews);
        if (s2 != FP_OK) { memset(&o->spectrum, 0, sizeof o->spectrum); o->spectrum.verdict = FP_MARGINAL; if (est == FP_OK) est = s2; }
    }
    if (label) {
        int *rank = rep_col; /* reuse: rank of each attractor */
        for (a = 0; a < na; ++a) rank[perm[a]] = a;
        for (j = 0; j < k; ++j) label[j] = lab[j] >= 0 ? rank[lab[j]] : lab[j];
    }
    *census = cs;
    fp__free(blk);
    return est;
}
#undef FP__KMAX
/*@end*/

/* The argument checks of the analysis calls' view forms: untyped validators (see VIEWS), compiled once for
 * both precisions; each returns the sentence naming what is wrong, or NULL. */
FP__VALIDATOR static const char *fp__eig_bad(fp__view_fn view, const void *pa, const double *wr, const double *wi)
{
    fp__view a;
    view(&a, pa);
    if (!(fp__view_in_ok(&a) && a.rows == a.cols)) return "A must be a square view" FP__BADVIEW;
    if (!(a.rows == 0 || (wr && wi))) return "wr and wi must hold n doubles each";
    return NULL;
}
FP__VALIDATOR static const char *fp__eigvec_bad(fp__view_fn view, const void *pa, const double *vr, const double *vi)
{
    fp__view a;
    view(&a, pa);
    if (!(fp__view_in_ok(&a) && a.rows == a.cols && a.rows >= 1)) return "A must be a square view of order >= 1" FP__BADVIEW;
    if (!(vr && vi)) return "vr and vi must hold n doubles each";
    return NULL;
}
FP__VALIDATOR static const char *fp__eig_arnoldi_bad(fp__view_fn view, const void *pa, const void *pg, int k, const double *wr,
                                                     const double *wi)
{
    fp__view a, g;
    view(&a, pa);
    view(&g, pg);
    if (!(fp__view_in_ok(&a) && a.rows == a.cols && a.rows >= 1)) return "A must be a square view of order >= 1" FP__BADVIEW;
    if (!(!g.data || (fp__view_in_ok(&g) && fp__view_is_vec(&g, a.rows)))) return "g must be absent or a vector of A's order";
    if (!(k >= 1 && wr && wi)) return "k must be >= 1 and wr, wi hold k doubles each";
    return NULL;
}
FP__VALIDATOR static const char *fp__stability_bad(fp__view_fn view, const void *pw, const void *pgain, const double *re,
                                                   const double *im)
{
    fp__view w, gain;
    view(&w, pw);
    view(&gain, pgain);
    if (!(fp__view_in_ok(&w) && w.rows == w.cols && w.rows >= 1)) return "W must be a square view of order >= 1" FP__BADVIEW;
    if (!(fp__view_in_ok(&gain) && gain.rows == w.rows)) return "G must be N x B, N = W's order" FP__BADVIEW;
    if (!(gain.cols == 0 || (re && im))) return "re and im must hold B doubles each";
    return NULL;
}
FP__VALIDATOR static const char *fp__stability_analyze_bad(fp__view_fn view, const void *pw, const void *pgain,
                                                           const fp_spectrum *out)
{
    fp__view w, gain;
    view(&w, pw);
    view(&gain, pgain);
    if (!(fp__view_in_ok(&w) && w.rows == w.cols && w.rows >= 1)) return "W must be a square view of order >= 1" FP__BADVIEW;
    if (!(!gain.data || (fp__view_in_ok(&gain) && fp__view_is_vec(&gain, w.rows)))) return "gain must be absent or a vector of W's order";
    if (!out) return "out must point to an fp_spectrum";
    return NULL;
}
FP__VALIDATOR static const char *fp__census_bad(fp__view_fn view, const void *pw, const void *px, const void *pr,
                                                const fp_census *census, int max_out, const fp_attractor *out, size_t esz)
{
    fp__view w, x, r;
    view(&w, pw);
    view(&x, px);
    view(&r, pr);
    if (!(fp__view_in_ok(&w) && w.rows == w.cols)) return "W must be a square N x N view" FP__BADVIEW;
    if (!(fp__view_in_ok(&x) && fp__view_is_vec(&x, w.rows))) return "x must be a vector of W's order" FP__BADVIEW;
    if (!(fp__view_out_ok(&r) && r.rows == w.rows)) return "R must be a writable N x K view of initial states";
    if (!(fp__view_apart(&r, &w, esz) && fp__view_apart(&r, &x, esz))) return "R must not overlap W or x";
    if (!(census && (max_out <= 0 || out))) return "census is required, and out when max_out > 0";
    return NULL;
}

/*@typed*/
FP_DEF fp_status FP__F(eig)(FP__F(mat) a, double *wr, double *wi, void *work)
{
    const char *bad = fp__eig_bad(FP__I(view_of), &a, wr, wi);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(eig)(a.rows, a.data, a.rs, a.cs, wr, wi, work);
}
FP_DEF fp_status FP__F(eigvec)(FP__F(mat) a, double re, double im, double *vr, double *vi, void *work)
{
    const char *bad = fp__eigvec_bad(FP__I(view_of), &a, vr, vi);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(eigvec)(a.rows, a.data, a.rs, a.cs, re, im, vr, vi, work);
}
FP_DEF fp_status FP__F(eig_arnoldi)(FP__F(mat) a, FP__F(mat) g, int k, double *wr, double *wi, void *work)
{
    const char *bad = fp__eig_arnoldi_bad(FP__I(view_of), &a, &g, k, wr, wi);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(eig_arnoldi)(a.rows, a.data, a.rs, a.cs, g.data, g.data ? FP__I(inc)(g) : 1, k, wr, wi, work);
}
FP_DEF fp_status FP__F(stability)(FP__F(mat) w, FP__F(mat) gain, int exact_max, double *re, double *im, void *work)
{
    const char *bad = fp__stability_bad(FP__I(view_of), &w, &gain, re, im);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(stability)(w.rows, gain.cols, w.data, w.rs, w.cs, gain.data, gain.rs, gain.cs, exact_max, re, im, work);
}
FP_DEF fp_status FP__F(stability_analyze)(const fp_spectrum_config *cfg, FP__F(mat) w, FP__F(mat) gain,
                                          fp_spectrum *out, double *wr, double *wi, void *work)
{
    const char *bad = fp__stability_analyze_bad(FP__I(view_of), &w, &gain, out);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    return FP__I(stability_analyze)(cfg, w.rows, w.data, w.rs, w.cs, gain.data, gain.data ? FP__I(inc)(gain) : 1, out, wr, wi, work);
}
FP_DEF fp_status FP__F(census)(const fp_census_config *cfg, const fp_activation *act, FP__F(mat) w, FP__F(mat) x,
                               FP__F(mat) r, fp_attractor *out, int max_out, int *label, fp_census *census)
{
    fp_census_config def;
    fp_solver_config sc;
    fp_activation tanh_ = fp_activation_make(FP_ACT_TANH);
    const char *bad = fp__census_bad(FP__I(view_of), &w, &x, &r, census, max_out, out, sizeof(FP__T));
    memset(&def, 0, sizeof def);
    if (!cfg) cfg = &def;
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    sc = fp__census_solver(&cfg->solver);
    return FP__I(census)(&sc, &cfg->spectrum, act ? act : &tanh_, w.rows, r.cols, w.data, w.rs, w.cs, x.data, FP__I(inc)(x),
                         r.data, r.rs, r.cs, cfg->cluster_tol, out, max_out, label, census);
}
/*@end*/

/* ---- mean-field theory of trained feedback networks (docs/THEORY.md, (MF1)-(MF6)) ---- */
typedef struct fp__mf { double g, smm, sII, smI, snm, snI, step, dguess, dphi; } fp__mf;

/* Gaussian averages over y ~ N(0, Delta) of phi = tanh and its derivatives, all in one pass:
 * m[0] <phi^2>, m[1] <phi'>, m[2] <phi'^2>, m[3] <phi phi''>, m[4] <phi'''>. The trapezoid rule on
 * y = sqrt(Delta) x, x in [-9, 9], converges geometrically for these integrands (analytic in the strip
 * |Im y| < pi/2 up to tanh's poles) once the step resolves tanh (step in y at most q->step, 1/4 by
 * default) and the Gaussian (step in x at most 1/2). Gauss-Hermite, the authors' choice, cannot
 * follow tanh's saturation at large Delta: with 100 nodes <phi'''> at Delta = 7 comes out -0.030
 * instead of -0.037, with 40 nodes +0.080 - enough to flip a predicted verdict. */
static void fp__mf_moments(const fp__mf *q, double delta, double *m)
{
    /* the values of the five integrands where tanh is saturated (|y| >= 20: tanh = +-1 to 1e-17) */
    static const double sat[5] = { 1, 0, 0, 0, 0 };
    double sd = sqrt(delta > 0 ? delta : 0), hx = 0.5, s[5] = { 0, 0, 0, 0, 0 }, wsum = 0, w = 1, ra, rb, xa = 9;
    int i, k, half, trunc;
    if (!(delta <= 1e300)) { /* saturated everywhere (callers bound Delta; this keeps NaN out of the grid) */
        for (k = 0; k < 5; ++k) m[k] = delta == delta ? sat[k] : NAN;
        return;
    }
    if (sd * hx > q->step) hx = q->step / sd;
    /* Past |y| = 20 every integrand is its saturated value: the grid stops there, so the work is at most
     * 20 / step points whatever Delta is (Delta = 1e16 would otherwise take 1e9 points), and the rest of
     * the Gaussian mass is added analytically as sat[k] times it - the sum runs over h - sat, which
     * vanishes at the cut, keeping the trapezoid rule's accuracy. */
    trunc = sd * xa > 20;
    if (trunc) xa = 20 / sd;
    half = (int)ceil(xa / hx);
    /* every integrand is even (tanh is odd): x >= 0 only, doubled past 0; exp(-x^2/2) on the grid by
     * the recurrence w_(i+1) = w_i ra rb^i, ra = exp(-hx^2/2), rb = exp(-hx^2) */
    ra = exp(-0.5 * hx * hx);
    rb = ra * ra;
    for (i = 0; i <= half; ++i) {
        double t = tanh(sd * i * hx), d1 = 1 - t * t, wi = i ? 2 * w : w, h[5];
        h[0] = t * t; h[1] = d1; h[2] = d1 * d1; h[3] = -2 * t * t * d1; h[4] = -2 * d1 * (1 - 3 * t * t);
        for (k = 0; k < 5; ++k) s[k] += wi * (trunc ? h[k] - sat[k] : h[k]);
        wsum += wi;
        w *= ra;
        ra *= rb;
    }
    /* untruncated: normalized by the summed weights, exact for constants; truncated: the weights carry
     * their exact Gaussian normalization hx / sqrt(2 pi) (the trapezoid sum of a Gaussian with hx <= 1/2
     * is 1 to 1e-34) and the saturated values stand for the whole mass */
    for (k = 0; k < 5; ++k) m[k] = trunc ? sat[k] + s[k] * hx / 2.5066282746310002 : s[k] / wsum;
}

static double fp__mf_avg(const fp__mf *q, double delta, int k)
{
    double m[5];
    fp__mf_moments(q, delta, m);
    return m[k];
}

/* Delta(z) from F(Delta) = g^2 <phi^2>_Delta + s_m^2 z^2 + 2 s_mI z + s_I^2 - Delta = 0 by Newton, with
 * dF/dDelta = g^2 (<phi'^2> + <phi phi''>) - 1 (Price's theorem: d<h>/dDelta = <h''> / 2), warm-started
 * from the last Delta (a scan over z moves it little); damped iteration if Newton stalls. */
static double fp__mf_delta(fp__mf *q, double z)
{
    double c = q->smm * z * z + 2 * q->smI * z + q->sII, g2 = q->g * q->g, d, dn, m[5];
    int it;
    if (c < 0) c = 0;
    d = q->dguess > c ? q->dguess : c + g2;
    for (it = 0; it < 30; ++it) {
        double f, df;
        fp__mf_moments(q, d, m);
        q->dphi = m[1]; /* <phi'> at the returned Delta to 1e-14: fp__mf_resid needs no other pass */
        f = g2 * m[0] + c - d;
        df = g2 * (m[2] + m[3]) - 1;
        dn = df < -1e-12 ? d - f / df : g2 * m[0] + c;
        if (dn < c) dn = c;
        if (fabs(dn - d) <= 1e-14 * (1 + d)) { q->dguess = dn; return dn; }
        d = dn;
    }
    for (it = 0; it < 10000; ++it) {
        dn = g2 * fp__mf_avg(q, d, 0) + c;
        if (fabs(dn - d) <= 1e-14 * (1 + d)) { d = dn; break; }
        d = 0.5 * d + 0.5 * dn;
    }
    q->dguess = d;
    q->dphi = fp__mf_avg(q, d, 1);
    return d;
}

static double fp__mf_resid(fp__mf *q, double z)
{
    fp__mf_delta(q, z);
    return (q->snm * z + q->snI) * q->dphi - z;
}

/* Every parameter finite and within 1e100 (their squares and products then stay far inside the double
 * range), g >= 0, |rho| <= 1, nodes in [0, 1000]. */
static int fp__mf_params_ok(const fp_meanfield_params *p)
{
    const double v[8] = { p->g, p->rho, p->s_m, p->s_I, p->C, p->p, p->p_m, p->p_I };
    int i;
    for (i = 0; i < 8; ++i)
        if (!(fabs(v[i]) <= 1e100)) return 0;
    return p->g >= 0 && fabs(p->rho) <= 1 && p->nodes >= 0 && p->nodes <= 1000;
}

static fp_status fp__mf_setup(const fp_meanfield_params *p, fp__mf *q)
{
    double r2;
    if (!fp__mf_params_ok(p)) return FP_ERR_INVALID_ARG;
    r2 = sqrt(1 - p->rho * p->rho);
    q->g = p->g;
    q->smm = p->s_m * p->s_m;
    q->sII = p->s_I * p->s_I;
    q->smI = p->s_m * p->s_I * p->rho * p->rho;
    q->snm = p->C * p->s_m * (p->rho * p->p + r2 * p->p_m);
    q->snI = p->C * p->s_I * (p->rho * p->p + r2 * p->p_I);
    q->step = 1.0 / (p->nodes ? p->nodes : 4);
    q->dguess = 0;
    return FP_OK;
}

/* A root of the z-map in [a, b], across which the residual changes sign (fa: its value at a). */
static double fp__mf_bisect(fp__mf *q, double a, double b, double fa)
{
    int it;
    for (it = 0; it < 200 && b - a > 1e-15 * (1 + fabs(a)); ++it) {
        double c = 0.5 * (a + b), fc = fp__mf_resid(q, c);
        if ((fa <= 0) == (fc <= 0)) { a = c; fa = fc; } else b = c;
    }
    return 0.5 * (a + b);
}

/* Delta, bulk radius and outlier (docs/THEORY.md, (MF7)-(MF8)) of the solution z. */
static void fp__mf_describe(fp__mf *q, double z, fp_meanfield_solution *s)
{
    double m[5], d, A, Bc, Cc, D, tr, disc;
    q->dguess = 0;
    d = fp__mf_delta(q, z);
    fp__mf_moments(q, d, m);
    A = q->snm * m[1];
    Bc = 0.5 * (q->snm * z + q->snI) * m[4];
    Cc = q->g * q->g * (m[2] + m[3]);
    D = 2 * (q->smm * z + q->smI);
    tr = A + Cc + Bc * D;
    s->z = z;
    s->delta = d;
    s->bulk_radius = q->g * sqrt(m[2]);
    /* the outlier: largest root of lambda^2 - (a + c + b d) lambda + a c = 0, t + sqrt(t^2 - a c) with
     * t = tr / 2; for |t| beyond 1e150 (Delta near the double range) without squaring t */
    tr *= 0.5;
    if (fabs(tr) > 1e150) {
        disc = 1 - (A * Cc / tr) / tr;
        s->outlier = disc >= 0 ? tr + fabs(tr) * sqrt(disc) : tr;
    } else {
        disc = tr * tr - A * Cc;
        s->outlier = disc >= 0 ? tr + sqrt(disc) : tr;
    }
    s->stable = s->outlier < 1 && s->bulk_radius < 1;
}

/* A bound on |z| of every solution. z = (s_nm z + s_nI) <phi'> with <phi'> <= 1 and, from
 * <sech^2(sqrt(Delta) x)> <= phi_N(0) * 2 / sqrt(Delta), <phi'> <= sqrt(2 / pi) / sqrt(Delta), where Delta >= c(z) =
 * s_m^2 z^2 + 2 s_mI z + s_I^2 = s_m^2 (z - z0)^2 + (s_I^2 - s_mI^2 / s_m^2), z0 = -s_mI / s_m^2. So: with
 * |s_nm| < 1, |z| <= |s_nI| / (1 - |s_nm|); with s_m != 0 and |z| >= max(1, 2 |z0|), c >= s_m^2 z^2 / 4 and
 * |z| <= 2 sqrt(2 / pi) (|s_nm| + |s_nI|) / |s_m|. The smallest bound that applies, with a margin. */
static double fp__mf_zmax(const fp__mf *q, const fp_meanfield_params *p)
{
    double b = HUGE_VAL;
    if (fabs(q->snm) < 1) b = fabs(q->snI) / (1 - fabs(q->snm));
    if (p->s_m != 0) {
        double z0 = fabs(q->smI) / q->smm, b2 = 1.6 * (fabs(q->snm) + fabs(q->snI)) / fabs(p->s_m);
        if (b2 < 1) b2 = 1;
        if (b2 < 2 * z0) b2 = 2 * z0;
        if (b2 < b) b = b2;
    }
    if (!(b < HUGE_VAL)) b = 2.0 * (1 + fabs(q->snm) + fabs(q->snI)) * (1 + fabs(q->snm)); /* s_m = 0, |s_nm| >= 1 */
    return 1.05 * b + 1e-9;
}

FP_DEF fp_status fp_meanfield_solve(const fp_meanfield_params *p, fp_meanfield_solution *out, int max_out, int *count)
{
    enum { SCAN = 2000, MAXR = 64 };
    fp__mf q;
    fp_status st;
    int i, j, k = 0;
    double zmax, zs, umax, zr[MAXR], z0, z1, z2, f0, f1, f2;
    FP__REQUIRE(p && count && (max_out <= 0 || out), "p and count are required, and out when max_out > 0", FP_ERR_USAGE);
    *count = 0;
    if ((st = fp__mf_setup(p, &q)) != FP_OK) return st;
    zmax = fp__mf_zmax(&q, p);
    if (!(q.smm * zmax * zmax + q.sII < 1e300)) return FP_ERR_INVALID_ARG; /* Delta would leave the double range */
    /* the scan is uniform in u = asinh(z / zs): cells of about 0.3 % of |z| far out and of zs near zero, so
     * roots at +-150 and one at -0.2 never share a cell, whatever the read-out's scale (a uniform grid over
     * +-zmax merged them); zs resolves the roots near zero */
    zs = 1e-3 * (zmax < 1 ? zmax : 1);
    umax = asinh(zmax / zs);
    /* scan: a sign change brackets a root; a local extremum of the residual that stays on one side of
     * zero may hide two close roots (near a fold or a pitchfork): golden-section search for the extremum
     * between the neighbours, and if it crosses zero, bisect on both sides */
    z0 = z1 = -zmax;
    f0 = f1 = fp__mf_resid(&q, z1);
    if (f1 == 0 && k < MAXR) zr[k++] = z1;
    for (i = 1; i <= SCAN; ++i) {
        z2 = 2 * i == SCAN ? 0 : i == SCAN ? zmax : zs * sinh(-umax + 2 * umax * i / (double)SCAN);
        f2 = fp__mf_resid(&q, z2);
        if (f2 == 0) { if (k < MAXR) zr[k++] = z2; }
        else if (f1 != 0 && (f1 < 0) != (f2 < 0)) { if (k < MAXR) zr[k++] = fp__mf_bisect(&q, z1, z2, f1); }
        else if (i >= 2 && f0 != 0 && f1 != 0 && (f0 < 0) == (f1 < 0) && (f1 - f0) * (f2 - f1) < 0 &&
                 (f1 > 0) == (f1 - f0 < 0)) { /* an extremum pointing at zero */
            double a = z0, b = z2, sg = f1 > 0 ? 1 : -1, c, d, fc, fd;
            const double gr = 0.6180339887498949;
            int it;
            c = b - gr * (b - a); d = a + gr * (b - a);
            fc = sg * fp__mf_resid(&q, c); fd = sg * fp__mf_resid(&q, d);
            for (it = 0; it < 60 && fc > 0 && fd > 0; ++it) {
                if (fc < fd) { b = d; d = c; fd = fc; c = b - gr * (b - a); fc = sg * fp__mf_resid(&q, c); }
                else { a = c; c = d; fc = fd; d = a + gr * (b - a); fd = sg * fp__mf_resid(&q, d); }
            }
            if (fc <= 0 || fd <= 0) {
                double zm = fc <= fd ? c : d;
                if (k + 2 <= MAXR) {
                    zr[k++] = fp__mf_bisect(&q, z0, zm, f0);
                    zr[k++] = fp__mf_bisect(&q, zm, z2, sg * (fc <= fd ? fc : fd));
                }
            }
        }
        z0 = z1; f0 = f1;
        z1 = z2; f1 = f2;
    }
    for (i = 1; i < k; ++i) /* sorted: an extremum's pair can follow a later sign change */
        for (j = i; j > 0 && zr[j] < zr[j - 1]; --j) { double t = zr[j]; zr[j] = zr[j - 1]; zr[j - 1] = t; }
    for (i = 0; i < k && i < max_out; ++i) {
        fp__mf_describe(&q, zr[i], out + i);
        /* products of parameters near 1e100 can still overflow in the stability terms: refused, not Inf */
        if (!(fabs(out[i].z) + fabs(out[i].delta) + fabs(out[i].outlier) + fabs(out[i].bulk_radius) <= DBL_MAX)) {
            *count = 0;
            return FP_ERR_INVALID_ARG;
        }
    }
    *count = k;
    return FP_OK;
}

FP_DEF fp_status fp_meanfield_teacher_scale(fp_meanfield_params *p, double A)
{
    fp__mf q;
    fp_meanfield_params u;
    double d, den;
    fp_status st;
    FP__REQUIRE(p, "p is required", FP_ERR_USAGE);
    u = *p;
    u.C = 1;
    if ((st = fp__mf_setup(&u, &q)) != FP_OK || !isfinite(A)) return st ? st : FP_ERR_INVALID_ARG;
    if (!(q.smm * A * A + 2 * fabs(q.smI * A) + q.sII < 1e300)) return FP_ERR_INVALID_ARG; /* Delta beyond double */
    /* z clamped to A: Delta_ol from the Delta equation at z = A; C = A / ((s~_nI + A s~_nm) <phi'>) */
    d = fp__mf_delta(&q, A);
    den = (q.snI + A * q.snm) * fp__mf_avg(&q, d, 1);
    if (!(fabs(den) > 1e-300)) return FP_ERR_SINGULAR;
    p->C = A / den;
    return FP_OK;
}

static int fp__mf_set(fp_meanfield_params *p, fp_meanfield_axis a, double v)
{
    switch (a) {
    case FP_MF_G: p->g = v; break;
    case FP_MF_S_M: p->s_m = v; break;
    case FP_MF_S_I: p->s_I = v; break;
    case FP_MF_RHO: p->rho = v; break;
    case FP_MF_C: p->C = v; break;
    case FP_MF_P: p->p = v; break;
    case FP_MF_P_M: p->p_m = v; break;
    case FP_MF_P_I: p->p_I = v; break;
    case FP_MF_TARGET: break;
    default: return 0;
    }
    return 1;
}

FP__COLD FP_DEF fp_status fp_meanfield_sweep(const fp_meanfield_params *base, fp_meanfield_axis ax, double x0, double x1,
                                    int nx, fp_meanfield_axis ay, double y0, double y1, int ny, fp_meanfield_cell *out)
{
    fp_meanfield_params probe;
    int i, j;
    FP__REQUIRE(base && out, "base and out are required", FP_ERR_USAGE);
    probe = *base;
    if (nx < 1 || ny < 1 || !isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1) ||
        !fp__mf_set(&probe, ax, x0) || !fp__mf_set(&probe, ay, y0) || (ax == ay && ny > 1))
        return FP_ERR_INVALID_ARG;
    for (j = 0; j < ny; ++j)
        for (i = 0; i < nx; ++i) {
            fp_meanfield_cell *c = out + (size_t)j * (size_t)nx + (size_t)i;
            fp_meanfield_params p = *base;
            fp_meanfield_solution sol[16];
            int k, cnt = 0;
            c->x = nx > 1 ? x0 + (x1 - x0) * i / (nx - 1) : x0;
            c->y = ny > 1 ? y0 + (y1 - y0) * j / (ny - 1) : y0;
            fp__mf_set(&p, ay, c->y);
            fp__mf_set(&p, ax, c->x); /* a line (ay == ax, ny = 1) keeps x */
            c->status = FP_OK;
            if (ax == FP_MF_TARGET || ay == FP_MF_TARGET) c->status = fp_meanfield_teacher_scale(&p, ax == FP_MF_TARGET ? c->x : c->y);
            if (c->status == FP_OK) c->status = fp_meanfield_solve(&p, sol, 16, &cnt);
            c->solutions = c->stable = c->target_stable = -1;
            c->z_min = c->z_max = c->target_outlier = NAN;
            if (c->status != FP_OK) continue;
            c->solutions = cnt;
            c->stable = 0;
            for (k = 0; k < cnt && k < 16; ++k) c->stable += sol[k].stable;
            if (cnt > 0) { c->z_min = sol[0].z; c->z_max = sol[(cnt < 16 ? cnt : 16) - 1].z; }
            if (ax == FP_MF_TARGET || ay == FP_MF_TARGET) {
                /* teacher forcing made z = A a solution: the one closest to A is the target itself (the
                 * counts alone cannot tell a stable target from a saddle with a spurious state beside it) */
                double A = ax == FP_MF_TARGET ? c->x : c->y, best = HUGE_VAL;
                int kb = -1;
                for (k = 0; k < cnt && k < 16; ++k)
                    if (fabs(sol[k].z - A) < best) { best = fabs(sol[k].z - A); kb = k; }
                if (kb >= 0 && best <= 1e-6 * (1 + fabs(A))) { c->target_stable = sol[kb].stable; c->target_outlier = sol[kb].outlier; }
                else { /* the teacher-forced target was not found (a degenerate, flat z-map): say so */
                    c->status = FP_ERR_NOT_CONVERGED;
                    c->solutions = c->stable = -1;
                    c->z_min = c->z_max = NAN;
                }
            }
        }
    return FP_OK;
}

/*@typed*/
/* ================================================================================================
 * FEEDBACK NETWORKS: the model of docs/THEORY.md (F1)-(F6).
 * ================================================================================================ */
FP__COLD FP_DEF void FP__F(feedback_free)(FP__F(feedback) *fb)
{
    if (fb && fb->chi) fp__free(fb->chi);
    if (fb) fb->chi = NULL;
}

static void FP__I(feedback_vectors)(FP__F(feedback) *fb)
{
    const fp_meanfield_params *p = &fb->p;
    double r2 = sqrt(1 - p->rho * p->rho);
    int i;
    for (i = 0; i < fb->n; ++i) {
        fb->m[i] = (FP__T)(p->s_m * (p->rho * (double)fb->dw[i] + r2 * (double)fb->dm[i]));
        fb->in[i] = (FP__T)(p->s_I * (p->rho * (double)fb->dw[i] + r2 * (double)fb->di[i]));
        fb->dir[i] = (FP__T)(p->p * (double)fb->dw[i] + p->p_m * (double)fb->dm[i] + p->p_I * (double)fb->di[i]);
        fb->nv[i] = (FP__T)(p->C * (double)fb->dir[i]);
    }
}

FP__COLD FP_DEF fp_status FP__F(feedback_init)(FP__F(feedback) *fb, int n, const fp_meanfield_params *p, uint64_t seed)
{
    fp_rng g = fp_rng_make(seed);
    size_t nn = (size_t)n * (size_t)n, i;
    FP__REQUIRE(fb && p, "fb and p are required", FP_ERR_USAGE);
    memset(fb, 0, sizeof *fb);
    if (n < 1 || n > 1 << 15 || !(p->g >= 0) || !isfinite(p->g) || !(fabs(p->rho) <= 1) || !isfinite(p->s_m) ||
        !isfinite(p->s_I) || !isfinite(p->C) || !isfinite(p->p) || !isfinite(p->p_m) || !isfinite(p->p_I))
        return FP_ERR_INVALID_ARG;
    fb->chi = (FP__T *)fp__malloc((nn + 7 * (size_t)n) * sizeof(FP__T));
    if (!fb->chi) return FP_ERR_NO_MEMORY;
    fb->n = n;
    fb->p = *p;
    fb->m = fb->chi + nn; fb->in = fb->m + n; fb->nv = fb->in + n; fb->dir = fb->nv + n;
    fb->dw = fb->dir + n; fb->dm = fb->dw + n; fb->di = fb->dm + n;
    for (i = 0; i < nn; ++i) fb->chi[i] = (FP__T)(p->g * fp_rng_gauss(&g) / sqrt((double)n));
    for (i = 0; i < (size_t)n; ++i) { fb->dw[i] = (FP__T)fp_rng_gauss(&g); fb->dm[i] = (FP__T)fp_rng_gauss(&g); fb->di[i] = (FP__T)fp_rng_gauss(&g); }
    /* Gram-Schmidt to norm sqrt(N): the sampled overlaps of m, I and n then equal the ensemble's the
     * mean-field theory assumes, instead of fluctuating by O(1/sqrt N) (only chi stays random) */
    {
        FP__T *v[3];
        int a, c;
        v[0] = fb->dw; v[1] = fb->dm; v[2] = fb->di;
        for (a = 0; a < 3 && n >= 3; ++a) {
            for (c = 0; c < a; ++c) FP__F(vec_axpy)(n, -FP__F(vec_dot)(n, v[a], 1, v[c], 1) / (FP__T)n, v[c], 1, v[a], 1);
            FP__F(vec_scale)(n, (FP__T)sqrt((double)n) / FP__F(vec_norm2)(n, v[a], 1), v[a], 1);
        }
    }
    FP__I(feedback_vectors)(fb);
    return FP_OK;
}

static void FP__I(feedback_weights)(const FP__F(feedback) *fb, FP__T *w, ptrdiff_t rsw, ptrdiff_t csw)
{
    int i, j, n = fb->n;
    FP_ASSERT(fb && fb->chi && w && fp__layout_ok(n, n, rsw, csw));
    for (i = 0; i < n; ++i)
        for (j = 0; j < n; ++j) w[i * rsw + j * csw] = fb->chi[(size_t)i * (size_t)n + (size_t)j] + fb->m[i] * fb->nv[j] / (FP__T)n;
}

FP__COLD FP_DEF fp_status FP__F(feedback_teacher_force)(FP__F(feedback) *fb, double A, fp_solve_report *rep)
{
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    FP__T *x, *r;
    double dot = 0;
    int i, n = fb->n;
    fp_status st;
    FP__REQUIRE(fb && fb->chi, "fb must be an initialized feedback network", FP_ERR_USAGE);
    if (!isfinite(A)) return FP_ERR_INVALID_ARG;
    x = (FP__T *)fp__malloc(2 * (size_t)n * sizeof(FP__T));
    if (!x) return FP_ERR_NO_MEMORY;
    memset(x, 0, 2 * (size_t)n * sizeof(FP__T));
    r = x + n;
    for (i = 0; i < n; ++i) x[i] = fb->m[i] * (FP__T)A + fb->in[i];
    c.tol = 1e-10;
    st = FP__I(solve)(&c, &act, n, 1, fb->chi, n, 1, x, 1, 1, r, 1, 1, NULL, 0, 0, rep, NULL);
    if (st == FP_OK) {
        for (i = 0; i < n; ++i) dot += (double)fb->dir[i] * (double)r[i];
        if (fabs(dot) < 1e-12 * n) st = FP_ERR_SINGULAR; /* the read-out direction is blind to r* */
        else { fb->p.C = A * n / dot; FP__I(feedback_vectors)(fb); }
    }
    fp__free(x);
    return st;
}

static fp_status FP__I(feedback_pairs_ok)(int pairs, const double *u, const double *A)
{
    int p;
    if (pairs < 1) return FP_ERR_INVALID_ARG;
    for (p = 0; p < pairs; ++p)
        if (!isfinite(u[p]) || !isfinite(A[p])) return FP_ERR_INVALID_ARG;
    return FP_OK;
}

/* Least squares on the clamped activity: docs/THEORY.md (F4) (minimum-norm n along
 * phi(x*) when ridge = 0). */
FP__COLD FP_DEF fp_status FP__F(feedback_train_ls)(FP__F(feedback) *fb, int pairs, const double *u, const double *A,
                                          double ridge, fp_solve_report *rep)
{
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    FP__T *x, *r;
    double *gram, *cf;
    int i, p, q, n;
    size_t np;
    fp_status st;
    FP__REQUIRE(fb && fb->chi && (pairs < 1 || (u && A)), "fb must be initialized, and u, A present when pairs > 0", FP_ERR_USAGE);
    if ((st = FP__I(feedback_pairs_ok)(pairs, u, A)) != FP_OK || !(ridge >= 0) || !isfinite(ridge)) return FP_ERR_INVALID_ARG;
    n = fb->n;
    np = (size_t)n * (size_t)pairs;
    gram = (double *)fp__malloc(((size_t)pairs * (size_t)(pairs + 1)) * sizeof(double) + 2 * np * sizeof(FP__T));
    if (!gram) return FP_ERR_NO_MEMORY;
    cf = gram + (size_t)pairs * (size_t)pairs;
    x = (FP__T *)(cf + pairs);
    r = x + np;
    for (i = 0; i < n; ++i)
        for (p = 0; p < pairs; ++p) x[(size_t)i * (size_t)pairs + (size_t)p] = (FP__T)((double)fb->m[i] * A[p] + (double)fb->in[i] * u[p]);
    c.tol = 1e-10;
    st = FP__I(solve)(&c, &act, n, pairs, fb->chi, n, 1, x, pairs, 1, r, pairs, 1, NULL, 0, 0, rep, NULL);
    if (st == FP_OK) {
        /* (R^T R / N + ridge I) c = A, in float64; a pivot below 1e-12 of its diagonal is singular */
        for (p = 0; p < pairs; ++p)
            for (q = 0; q < pairs; ++q) {
                double s = 0;
                for (i = 0; i < n; ++i) s += (double)r[(size_t)i * (size_t)pairs + (size_t)p] * (double)r[(size_t)i * (size_t)pairs + (size_t)q];
                gram[p * pairs + q] = s / n + (p == q ? ridge : 0);
            }
        for (p = 0; p < pairs; ++p) cf[p] = gram[p * pairs + p];
        st = fp_chol_factor_f64(pairs, gram, pairs, 1);
        for (p = 0; p < pairs && st == FP_OK; ++p)
            if (!(gram[p * pairs + p] * gram[p * pairs + p] > 1e-12 * cf[p])) st = FP_ERR_SINGULAR;
        if (st == FP_ERR_NOT_SPD) st = FP_ERR_SINGULAR;
    }
    if (st == FP_OK) {
        for (p = 0; p < pairs; ++p) cf[p] = A[p];
        fp_chol_solve_f64(pairs, 1, gram, pairs, 1, cf, 1, 1);
        for (i = 0; i < n; ++i) {
            double s = 0;
            for (p = 0; p < pairs; ++p) s += (double)r[(size_t)i * (size_t)pairs + (size_t)p] * cf[p];
            fb->nv[i] = (FP__T)s;
        }
    }
    fp__free(gram);
    return st;
}

/* dL/dn through the closed loop: implicit differentiation (docs/THEORY.md (A2), (F5): v = dL/dX) and the
 * chain rule through W = chi + m n^T / N, dL/dn_j = sum_i (dL/dW)_ij m_i / N = sum_b r_jb (m^T v_b) / N.
 * Everything it needs lives in one block laid out here (counted dry with base NULL), so gradient descent
 * allocates once for all its steps. */
typedef struct FP__I(fb_lg) {
    fp_solver_config sc;
    fp_adjoint_config ac;
    FP__T *w, *x, *g, *dl, *v;
    double *e;
    void *sws, *aws;
} FP__I(fb_lg);

static void FP__I(fb_lg_layout)(FP__I(fb_lg) *q, fp__arena *a, int n, int pairs)
{
    size_t np = (size_t)n * (size_t)pairs;
    q->sc = fp_solver_config_default(FP_SOLVER_ANDERSON);
    q->sc.tol = 1e-13; /* float: floored at 32 eps by the solver */
    q->sc.warm_start = 1;
    q->ac = fp_adjoint_config_default();
    q->ac.iter.tol = 1e-12;
    q->w = (FP__T *)fp__take(a, (size_t)n * (size_t)n * sizeof(FP__T));
    q->x = (FP__T *)fp__take(a, np * sizeof(FP__T));
    q->g = (FP__T *)fp__take(a, np * sizeof(FP__T));
    q->dl = (FP__T *)fp__take(a, np * sizeof(FP__T));
    q->v = (FP__T *)fp__take(a, np * sizeof(FP__T));
    q->e = (double *)fp__take(a, (size_t)pairs * sizeof(double));
    q->sws = fp__take(a, FP__F(solve_workspace_size)(&q->sc, n, pairs));
    q->aws = fp__take(a, FP__F(adjoint_workspace_size)(&q->ac, n, pairs));
}

static fp_status FP__I(fb_loss_grad)(const FP__F(feedback) *fb, int pairs, const double *u, const double *A, FP__T *r,
                                     FP__T *grad, double *loss, fp_solve_report *rep, void *blk)
{
    FP__I(fb_lg) q;
    fp__arena a;
    double L = 0;
    int i, p, n = fb->n;
    fp_status st;
    a.base = (unsigned char *)blk;
    a.used = 0;
    FP__I(fb_lg_layout)(&q, &a, n, pairs);
    FP__I(feedback_weights)(fb, q.w, n, 1);
    for (i = 0; i < n; ++i)
        for (p = 0; p < pairs; ++p) q.x[(size_t)i * (size_t)pairs + (size_t)p] = (FP__T)((double)fb->in[i] * u[p]);
    st = FP__I(solve)(&q.sc, &fp__tanh_act, n, pairs, q.w, n, 1, q.x, pairs, 1, r, pairs, 1, q.g, pairs, 1, rep, q.sws);
    if (st == FP_OK) {
        for (p = 0; p < pairs; ++p) {
            q.e[p] = (double)FP__F(vec_dot)(n, fb->nv, 1, r + p, pairs) / n - A[p];
            L += q.e[p] * q.e[p] / (2.0 * pairs);
        }
        for (i = 0; i < n; ++i) /* dL/dr_p = (z_p - A_p) n / (N P) */
            for (p = 0; p < pairs; ++p)
                q.dl[(size_t)i * (size_t)pairs + (size_t)p] = (FP__T)(q.e[p] * (double)fb->nv[i] / ((double)n * pairs));
        st = FP__I(implicit_grad)(&q.ac, n, pairs, q.w, n, 1, r, pairs, 1, q.g, pairs, 1, q.dl, pairs, 1, q.v, pairs, 1, NULL,
                                  0, 0, NULL, q.aws);
    }
    if (st == FP_OK) {
        for (p = 0; p < pairs; ++p) q.e[p] = q.e[p] / ((double)n * pairs) + (double)FP__F(vec_dot)(n, fb->m, 1, q.v + p, pairs) / n;
        for (i = 0; i < n; ++i) {
            double sum = 0;
            for (p = 0; p < pairs; ++p) sum += (double)r[(size_t)i * (size_t)pairs + (size_t)p] * q.e[p];
            grad[i] = (FP__T)sum;
        }
        *loss = L;
    }
    return st;
}

static size_t FP__I(fb_lg_size)(int n, int pairs)
{
    fp__arena a = { NULL, 0 };
    FP__I(fb_lg) q;
    FP__I(fb_lg_layout)(&q, &a, n, pairs);
    return fp__arena_size(&a);
}

FP_DEF fp_status FP__F(feedback_loss_grad)(const FP__F(feedback) *fb, int pairs, const double *u, const double *A,
                                           FP__T *r, FP__T *grad, double *loss, fp_solve_report *rep)
{
    void *blk;
    fp_status st;
    FP__REQUIRE(fb && fb->chi && r && grad && loss && (pairs < 1 || (u && A)), "fb must be initialized; r, grad, loss required; u, A when pairs > 0", FP_ERR_USAGE);
    if ((st = FP__I(feedback_pairs_ok)(pairs, u, A)) != FP_OK) return st;
    blk = fp__malloc(FP__I(fb_lg_size)(fb->n, pairs));
    if (!blk) return FP_ERR_NO_MEMORY;
    st = FP__I(fb_loss_grad)(fb, pairs, u, A, r, grad, loss, rep, blk);
    fp__free(blk);
    return st;
}

FP_DEF fp_status FP__F(feedback_train_gd)(FP__F(feedback) *fb, int pairs, const double *u, const double *A,
                                          const fp_feedback_gd_config *cfg, FP__T *r, fp_feedback_gd_report *rep)
{
    fp_feedback_gd_config c;
    fp_feedback_gd_report out;
    FP__T *rc, *rt, *gc, *gt, *save, *tmp, *blk0;
    void *lg;
    double L = 0, Lt, lr0;
    int i, n;
    size_t np, lgsz;
    fp_status st;
    FP__REQUIRE(fb && fb->chi && (pairs < 1 || (u && A)), "fb must be initialized, and u, A present when pairs > 0", FP_ERR_USAGE);
    memset(&c, 0, sizeof c);
    if (cfg) c = *cfg;
    if (c.lr == 0) c.lr = 1;
    if (c.max_steps == 0) c.max_steps = 500;
    if (c.loss_target == 0) c.loss_target = 1e-10;
    if (!(c.lr > 0) || !isfinite(c.lr) || c.max_steps < 0 || !(c.loss_target >= 0)) return FP_ERR_INVALID_ARG;
    if ((st = FP__I(feedback_pairs_ok)(pairs, u, A)) != FP_OK) return st;
    n = fb->n;
    np = (size_t)n * (size_t)pairs;
    /* one block for every step: the iterates and gradients, then the loss-gradient's own block */
    lgsz = FP__I(fb_lg_size)(n, pairs);
    blk0 = (FP__T *)fp__malloc((2 * np + 3 * (size_t)n) * sizeof(FP__T) + 64 + lgsz);
    if (!blk0) return FP_ERR_NO_MEMORY;
    rc = blk0; rt = rc + np; gc = rt + np; gt = gc + n; save = gt + n;
    lg = fp__align64(save + n);
    if (r) memcpy(rc, r, np * sizeof(FP__T)); else memset(rc, 0, np * sizeof(FP__T));
    memset(&out, 0, sizeof out);
    lr0 = c.lr;
    st = FP__I(fb_loss_grad)(fb, pairs, u, A, rc, gc, &L, NULL, lg);
    while (st == FP_OK && L > c.loss_target && out.steps < c.max_steps && c.lr > 1e-12 * lr0) {
        fp_status s2;
        ++out.steps;
        memcpy(save, fb->nv, (size_t)n * sizeof(FP__T));
        memcpy(rt, rc, np * sizeof(FP__T));
        for (i = 0; i < n; ++i) fb->nv[i] -= (FP__T)(c.lr * n * (double)gc[i]);
        s2 = FP__I(fb_loss_grad)(fb, pairs, u, A, rt, gt, &Lt, NULL, lg);
        if (s2 == FP_ERR_INVALID_ARG || s2 == FP_ERR_NO_MEMORY) { /* not an overshoot: stop and say so */
            memcpy(fb->nv, save, (size_t)n * sizeof(FP__T));
            st = s2;
            break;
        }
        if (s2 != FP_OK || !(Lt <= L)) { /* lost the fixed point or overshot: undo, halve */
            fp__undo_halve(fb->nv, save, (size_t)n * sizeof(FP__T), &c.lr);
            ++out.halvings;
            continue;
        }
        L = Lt;
        tmp = rc; rc = rt; rt = tmp;
        tmp = gc; gc = gt; gt = tmp;
    }
    out.loss = st == FP_OK ? L : NAN;
    out.lr = c.lr;
    out.status = st != FP_OK ? st : L <= c.loss_target ? FP_OK : FP_ERR_NOT_CONVERGED;
    if (r && st == FP_OK) memcpy(r, rc, np * sizeof(FP__T));
    fp__free(blk0);
    if (rep) *rep = out;
    return out.status;
}

FP__COLD FP_DEF fp_status FP__F(feedback_decompose)(const FP__F(feedback) *fb, const FP__T *v, fp_feedback_parts *out)
{
    double mm = 0, II = 0, mI = 0, vm = 0, vI = 0, vv = 0, pw = 0, pm = 0, pI = 0, det, r2;
    int i, n;
    FP__REQUIRE(fb && fb->chi && out, "fb must be initialized and out non-NULL", FP_ERR_USAGE);
    n = fb->n;
    if (!v) v = fb->nv;
    for (i = 0; i < n; ++i) {
        double a = (double)fb->m[i], b = (double)fb->in[i], x = (double)v[i];
        mm += a * a; II += b * b; mI += a * b; vm += x * a; vI += x * b; vv += x * x;
        pw += x * (double)fb->dw[i]; pm += x * (double)fb->dm[i]; pI += x * (double)fb->di[i];
    }
    if (!isfinite(vv)) return FP_ERR_NON_FINITE;
    det = mm * II - mI * mI;
    if (!(det > 1e-12 * mm * II)) return FP_ERR_SINGULAR;
    out->a_m = (vm * II - vI * mI) / det;
    out->a_I = (vI * mm - vm * mI) / det;
    r2 = vv - (out->a_m * vm + out->a_I * vI);
    if (r2 < 0) r2 = 0;
    out->rest = sqrt(r2 / n);
    out->norm = sqrt(vv / n);
    out->s_nm = vm / n;
    out->s_nI = vI / n;
    out->rest_fraction = vv > 0 ? r2 / vv : 0;
    out->mf = fb->p;
    out->mf.C = 1;
    out->mf.p = pw / n;
    out->mf.p_m = pm / n;
    out->mf.p_I = pI / n;
    return FP_OK;
}

/*@end*/

/* The argument checks of fp_feedback_weights: untyped (see VIEWS), compiled once for both precisions;
 * have_fb says fb is an initialized network, n its order. */
FP__VALIDATOR static const char *fp__feedback_weights_bad(fp__view_fn view, int have_fb, int n, const void *pw)
{
    fp__view w;
    view(&w, pw);
    if (!have_fb) return "fb must be an initialized feedback network";
    if (!(fp__view_out_ok(&w) && fp__view_is(&w, n, n))) return "W must be a writable n x n view with distinct elements";
    return NULL;
}

/*@typed*/
FP_DEF fp_status FP__F(feedback_weights)(const FP__F(feedback) *fb, FP__F(mat) w)
{
    int have_fb = fb && fb->chi;
    const char *bad = fp__feedback_weights_bad(FP__I(view_of), have_fb, have_fb ? fb->n : 0, &w);
    FP__REQUIRE(!bad, bad, FP_ERR_USAGE);
    FP__I(feedback_weights)(fb, w.data, w.rs, w.cs);
    return FP_OK;
}
/*@end*/

/* ---- IDX ---- */
static uint32_t fp__be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Header checks shared by parse and load: returns the payload size, or 0 with *why set. */
FP__COLD static size_t fp__idx_header(const unsigned char *h, size_t hlen, size_t total, fp_idx *out, const char **why)
{
    int d;
    size_t count = 1, hdr;
    if (hlen < 4) { *why = "file shorter than the IDX magic number"; return 0; }
    if (h[0] != 0 || h[1] != 0) { *why = "bad IDX magic number (first two bytes must be zero)"; return 0; }
    if (h[2] != 0x08) { *why = "unsupported IDX element type (only unsigned bytes, 0x08)"; return 0; }
    if (h[3] < 1 || h[3] > 4) { *why = "IDX dimension count outside 1..4"; return 0; }
    out->ndim = h[3];
    hdr = 4 + 4 * (size_t)h[3];
    if (hlen < hdr) { *why = "file truncated inside the IDX header"; return 0; }
    for (d = 0; d < out->ndim; ++d) {
        uint32_t v = fp__be32(h + 4 + 4 * d);
        if (v == 0 || v > (uint32_t)INT_MAX) { *why = "IDX dimension zero or absurdly large"; return 0; }
        if (count > ((size_t)-1) / v) { *why = "IDX dimensions overflow"; return 0; }
        count *= v;
        out->dims[d] = (int)v;
    }
    for (; d < 4; ++d) out->dims[d] = 1;
    if (total < hdr || total - hdr != count) {
        *why = total - hdr < count ? "IDX file truncated: payload shorter than its dimensions say"
                                   : "IDX file has trailing bytes beyond its dimensions";
        return 0;
    }
    out->count = count;
    return hdr;
}

FP__COLD FP_DEF fp_status fp_idx_parse(const unsigned char *buf, size_t len, fp_idx *out, const char **why)
{
    const char *w = NULL;
    fp_idx t;
    size_t hdr;
    FP__REQUIRE(out && (buf || len == 0), "out is required, and buf when len > 0", FP_ERR_USAGE);
    memset(&t, 0, sizeof t);
    hdr = fp__idx_header(buf, len, len, &t, &w);
    if (!hdr) { if (why) *why = w; return FP_ERR_FORMAT; }
    t.data = (unsigned char *)fp__malloc(t.count);
    if (!t.data) { if (why) *why = "out of memory"; return FP_ERR_NO_MEMORY; }
    memcpy(t.data, buf + hdr, t.count);
    *out = t;
    return FP_OK;
}

/* Opens path for reading and measures it: the file and its length, or NULL with FP_ERR_IO in *st. */
#ifndef FP_NO_STDIO
FP__COLD FP_DEF fp_status fp_idx_load(const char *path, fp_idx *out, const char **why)
{
    unsigned char h[20];
    const char *w = NULL;
    FILE *f;
    long end;
    size_t got, hdr;
    fp_idx t;
    fp_status st;
    FP__REQUIRE(path && out, "path and out are required", FP_ERR_USAGE);
    memset(&t, 0, sizeof t);
    if (!(f = fp__open_sized(path, &end, &st, why))) return st;
    got = fread(h, 1, sizeof h < (size_t)end ? sizeof h : (size_t)end, f);
    /* the file's length is checked against the header before a byte is allocated */
    hdr = fp__idx_header(h, got, (size_t)end, &t, &w);
    if (!hdr) { fclose(f); if (why) *why = w; return FP_ERR_FORMAT; }
    t.data = (unsigned char *)fp__malloc(t.count);
    if (!t.data) { fclose(f); if (why) *why = "out of memory"; return FP_ERR_NO_MEMORY; }
    if (fseek(f, (long)hdr, SEEK_SET) != 0 || fread(t.data, 1, t.count, f) != t.count) {
        fp__free(t.data);
        fclose(f);
        if (why) *why = "IDX file shrank while reading";
        return FP_ERR_IO;
    }
    fclose(f);
    *out = t;
    return FP_OK;
}
#endif

FP__COLD FP_DEF void fp_idx_free(fp_idx *idx)
{
    if (idx && idx->data) fp__free(idx->data);
    if (idx) idx->data = NULL;
}

#ifndef FP_NO_STDIO
FP__COLD FP_DEF fp_status fp_dataset_load(const char *images, const char *labels, int classes, fp_dataset *ds, const char **why)
{
    fp_idx im, lb;
    fp_status st;
    size_t i;
    FP__REQUIRE(images && labels && ds, "images, labels and ds are required", FP_ERR_USAGE);
    if (classes < 1 || classes > 256) { if (why) *why = "classes must lie in 1..256"; return FP_ERR_INVALID_ARG; }
    st = fp_idx_load(images, &im, why);
    if (st != FP_OK) return st;
    st = fp_idx_load(labels, &lb, why);
    if (st != FP_OK) { fp_idx_free(&im); return st; }
    st = FP_ERR_FORMAT;
    if (im.ndim != 3) { if (why) *why = "images must be a 3-D IDX (count x rows x cols)"; }
    else if (lb.ndim != 1) { if (why) *why = "labels must be a 1-D IDX"; }
    else if (lb.dims[0] != im.dims[0]) { if (why) *why = "image and label counts differ"; }
    else if ((size_t)im.dims[1] * (size_t)im.dims[2] > (size_t)INT_MAX) { if (why) *why = "images too large"; }
    else {
        st = FP_OK;
        for (i = 0; i < lb.count; ++i)
            if (lb.data[i] >= classes) { st = FP_ERR_FORMAT; if (why) *why = "a label lies outside [0, classes)"; break; }
    }
    if (st != FP_OK) { fp_idx_free(&im); fp_idx_free(&lb); return st; }
    ds->count = im.dims[0];
    ds->dim = im.dims[1] * im.dims[2];
    ds->classes = classes;
    ds->pixels = im.data;
    ds->labels = lb.data;
    return FP_OK;
}
#endif

FP__COLD FP_DEF void fp_dataset_free(fp_dataset *ds)
{
    if (!ds) return;
    if (ds->pixels) fp__free(ds->pixels);
    if (ds->labels) fp__free(ds->labels);
    ds->pixels = ds->labels = NULL;
}

/* FNV-1a, 64 bits: the parameter files' checksum. */
#ifdef __cplusplus
}
#endif

/* The implementation's own macros end here: none reaches the code that includes it. */
#undef FP__RESTRICT
#undef FP__VECTORIZE
#undef FP_DEF
#undef FP__HAVE_AVX2
#undef FP__TARGET_AVX2
#undef FP__HAVE_AVX512
#undef FP__TARGET_AVX512
#undef FP__MAX_THREADS
#undef FP__SLICES
#undef FP__REQUIRE
#undef FP__REQUIRE_VOID
#undef FP__LOAD_INT
#undef FP__STORE_INT
#undef FP__ISFINITE
#undef FP__LEAF
#undef FP__TRSM_LEAF
#undef FP__TARGET_TR
#undef FP__TRV
#undef FP__TRV8
#undef FP__TR_LD
#undef FP__TR_INIT
#undef FP__TR_FMA
#undef FP__TR_SCALE
#undef FP__TR_PUT
#undef FP__TRSM_CHUNK
#undef FP__TRSM_ROWS_BODY
#undef FP__TRSM_ARGS
#undef FP__BLOCKED_MIN
#undef FP__HQR_ROWS_ARGS
#undef FP__HQR_KB
#undef FP__HQR_GAP
#undef FP__HQR_NBUL
#undef FP__HQR_RB
#undef FP__HESS_NB
#undef FP__HESS_NX
#undef FP__HESS_MIN
#undef FP__TR2
#undef FP__ON_AVX2
#undef FP__ON_AVX512
#undef FP__MULTI
#undef FP__PATH
#undef FP__GER_BODY
#undef FP__GER_ARGS
#undef FP__COL_SUM
#undef FP__PICK
#undef FP__LU_COLS_BODY
#undef FP__LU_COLS_ARGS
#undef FP__COL_SUMS
#undef FP__CHOL_COLS_BODY
#undef FP__CHOL_COLS_ARGS
#undef FP__HQR_COLS_ARGS
#undef FP__HQR_COLS_BODY
#undef FP__HQR_ROWS_BODY
#undef FP__BADVIEW
#undef FP__NOINLINE
#undef FP__VALIDATOR
#undef FP__COLD
#ifdef FP__OWN_ALLOC
#undef FP_MALLOC
#undef FP_FREE
#undef FP__OWN_ALLOC
#endif
#ifdef FP__OWN_ASSERT
#undef FP_ASSERT
#undef FP__OWN_ASSERT
#endif

#endif /* FIXPOINT_IMPLEMENTATION */

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
