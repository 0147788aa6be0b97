/* The 0.2 API as a user meets it: the view forms of the matrix core against the BLAS-style calls (bit for
 * bit: the same engine) and against naive loops (within bounds derived from the arithmetic), the view
 * constructors, usage errors and the default handler, interleaved outputs, zero-means-default settings,
 * the allocator hook, and the contract fixes made while writing docs/API.md (commit 9c97372: interleaved
 * GEMM operands, census starts, vec_max_abs, NULL configurations and pointers, rule reports).
 *
 * The typed tests are written once: this file includes itself twice with FPT_API_PASS defined, once for
 * double (FT, FN(x) = x_f64) and once for float (FN(x) = x_f32), the way tools/generate.py writes the
 * header's typed blocks. Everything outside the #else branch below is compiled once. */
#ifndef FPT_API_PASS
#define _POSIX_C_SOURCE 200809L /* fork, pipe, dup2, waitpid, setrlimit for the default handler's test */
#include <float.h>
#include <stdio.h>
#include <string.h>
#if defined(__unix__)
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif
#include "util.h"
#include "alloc.h"
#include "../fixpoint.h"
#include "dataset.h"

#define API_SENTINEL (-777.25) /* an output that must be left alone is pre-filled with this */
#define API_LAYOUTS 5
static const char *const api_layout_name[API_LAYOUTS] = { "row-major", "column-major", "padded rows", "general strides",
                                                          "block of a bigger matrix" };

/* Room for an r x c matrix in any of the layouts of api_layout_* (the general-stride one is the widest). */
static size_t api_len(int r, int c) { return 2 * (size_t)(r + 4) * (size_t)(c + 3); }

/* A call that returns no status (a view constructor, a void BLAS-style call) run under the returning
 * handler: it must report exactly one usage error. */
#define EXPECT_USAGE_STMT(stmt) do { fpt_usage_hits = 0; fpt_usage_msg[0] = 0; fpt_usage_returning = 1; \
    stmt; fpt_usage_returning = 0; \
    if (fpt_usage_hits != 1) { ++fpt_fail_count; \
        printf("    expected one usage error from %s (%s:%d): %d messages\n", #stmt, __FILE__, __LINE__, fpt_usage_hits); } \
    } while (0)

#define API_MSG(s) CHECKF(strstr(fpt_usage_msg, s) != NULL, "the message \"%s\" does not name \"%s\"", fpt_usage_msg, s)

#define API_ASSERTED (-1000) /* a probe's result: an internal FP_ASSERT fired */

static fp_mat_f64 rm64(const double *p, int rows, int cols) { return fp_mat_rowmajor_f64((double *)p, rows, cols); }
static fp_mat_f32 rm32(const float *p, int rows, int cols) { return fp_mat_rowmajor_f32((float *)p, rows, cols); }

/* ---- the typed tests, once per real type ---- */
#define FPT_API_PASS 64
#define FT double
#define FN(name) name##_f64
#define FT_EPS DBL_EPSILON
#define FT_HUGE 1e200 /* finite, and its square overflows */
#include "test_api.c"
#undef FPT_API_PASS
#undef FT
#undef FN
#undef FT_EPS
#undef FT_HUGE

#define FPT_API_PASS 32
#define FT float
#define FN(name) name##_f32
#define FT_EPS FLT_EPSILON
#define FT_HUGE 1e30f
#include "test_api.c"
#undef FT
#undef FN
#undef FT_EPS
#undef FT_HUGE

/* ---- usage errors: the function and the argument are named, outputs untouched ---- */
static void api_usage_solve_shapes_named_outputs_untouched(void)
{
    enum { N = 6, B = 3 };
    fpt_rng rng = { 101 };
    double *w = fpt_randn(N, N, 0.5, &rng), x[N * B], r[N * B], g[N * B];
    float wf[N * N], xf[N * B], rf[N * B];
    int i;
    for (i = 0; i < N * B; ++i) x[i] = fpt_uniform(&rng);
    fpt_fill(r, N * B, API_SENTINEL);
    fpt_fill(g, N * B, API_SENTINEL);
    /* X's rows differ from W's order */
    EXPECT_USAGE(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N - 1, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL));
    API_MSG("fp_solve_f64: X must be N x B");
    /* R of another shape */
    EXPECT_USAGE(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B - 1), rm64(g, N, B), NULL, NULL));
    API_MSG("fp_solve_f64: R must be a writable N x B view");
    EXPECT_USAGE(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N - 1, B), rm64(g, N, B), NULL, NULL));
    API_MSG("fp_solve_f64: R must be");
    /* G of another shape */
    EXPECT_USAGE(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B - 1), NULL, NULL));
    API_MSG("fp_solve_f64: G must be absent or a writable N x B view");
    /* W not square */
    EXPECT_USAGE(fp_solve_f64(NULL, NULL, rm64(w, N, N - 1), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL));
    API_MSG("fp_solve_f64: W must be a square");
    CHECK(fpt_all_equal(r, N * B, API_SENTINEL) && fpt_all_equal(g, N * B, API_SENTINEL));
    /* the float form names itself */
    for (i = 0; i < N * N; ++i) wf[i] = (float)w[i];
    for (i = 0; i < N * B; ++i) { xf[i] = (float)x[i]; rf[i] = (float)API_SENTINEL; }
    EXPECT_USAGE(fp_solve_f32(NULL, NULL, rm32(wf, N, N), rm32(xf, N + 1, B), rm32(rf, N, B), fp_mat_rowmajor_f32(NULL, 0, 0), NULL, NULL));
    API_MSG("fp_solve_f32: X must be N x B");
    for (i = 0; i < N * B; ++i) CHECK(rf[i] == (float)API_SENTINEL);
    /* and the same buffers with the right shapes solve */
    CHECK(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    free(w);
}

static void api_usage_implicit_grad_and_rule_shapes_named_outputs_untouched(void)
{
    enum { N = 6, B = 3 };
    fpt_rng rng = { 102 };
    double *w = fpt_randn(N, N, 0.5, &rng), r[N * B], g[N * B], d[N * B], v[N * B], dw[N * N];
    fp_rule_config rc = fp_rule_config_default();
    int i;
    for (i = 0; i < N * B; ++i) { r[i] = 0.8 * fpt_uniform(&rng); g[i] = 0.5 + 0.4 * fpt_uniform(&rng); d[i] = fpt_uniform(&rng); }
    fpt_fill(v, N * B, API_SENTINEL);
    fpt_fill(dw, N * N, API_SENTINEL);
    EXPECT_USAGE(fp_implicit_grad_f64(NULL, rm64(w, N, N), rm64(r, N, B), rm64(g, N - 1, B), rm64(d, N, B), rm64(v, N, B), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_implicit_grad_f64: G must be N x B");
    EXPECT_USAGE(fp_implicit_grad_f64(NULL, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B - 1), rm64(v, N, B), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_implicit_grad_f64: Delta");
    EXPECT_USAGE(fp_implicit_grad_f64(NULL, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B - 1), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_implicit_grad_f64: V must be");
    EXPECT_USAGE(fp_implicit_grad_f64(NULL, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), rm64(dw, N - 1, N - 1), NULL, NULL));
    API_MSG("fp_implicit_grad_f64: dW must be");
    EXPECT_USAGE(fp_implicit_grad_f64(NULL, rm64(w, N, N), rm64(r, N, B - 1), rm64(g, N, B), rm64(d, N, B), rm64(v, N, B), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_implicit_grad_f64: R must be N x B");
    CHECK(fpt_all_equal(v, N * B, API_SENTINEL) && fpt_all_equal(dw, N * N, API_SENTINEL));

    EXPECT_USAGE(fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N - 1, B), rm64(g, N, B), rm64(d, N, B), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_rule_dw_f64: R must be N x B");
    EXPECT_USAGE(fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B - 1), rm64(d, N, B), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_rule_dw_f64: G must be");
    EXPECT_USAGE(fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N - 1, B), rm64(dw, N, N), NULL, NULL));
    API_MSG("fp_rule_dw_f64: grad");
    EXPECT_USAGE(fp_rule_dw_f64(&rc, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(dw, N, N - 1), NULL, NULL));
    API_MSG("fp_rule_dw_f64: dW must be");
    CHECK(fpt_all_equal(dw, N * N, API_SENTINEL));
    free(w);
}

static void api_usage_loss_xent_and_mat_mul_shapes_named_outputs_untouched(void)
{
    enum { K = 3, N = 6, B = 4 };
    fpt_rng rng = { 103 };
    double wout[K * N], r[N * B], dr[N * B], dwout[K * N], dbout[K], loss = API_SENTINEL;
    double a[3 * 4], b[5 * 2], c[3 * 2];
    int labels[B] = { 0, 1, 2, 1 }, correct = -5, i;
    for (i = 0; i < K * N; ++i) wout[i] = fpt_uniform(&rng);
    for (i = 0; i < N * B; ++i) r[i] = fpt_uniform(&rng);
    fpt_fill(dr, N * B, API_SENTINEL);
    fpt_fill(dwout, K * N, API_SENTINEL);
    fpt_fill(dbout, K, API_SENTINEL);
    EXPECT_USAGE(fp_loss_xent_f64(rm64(wout, K, N), NULL, rm64(r, N - 1, B), labels, rm64(dr, N, B), rm64(dwout, K, N), dbout, &loss, &correct, NULL));
    API_MSG("fp_loss_xent_f64: R must be n x B");
    EXPECT_USAGE(fp_loss_xent_f64(rm64(wout, K, N), NULL, rm64(r, N, B), labels, rm64(dr, N, B - 1), rm64(dwout, K, N), dbout, &loss, &correct, NULL));
    API_MSG("fp_loss_xent_f64: dR must be");
    EXPECT_USAGE(fp_loss_xent_f64(rm64(wout, K, N), NULL, rm64(r, N, B), labels, rm64(dr, N, B), rm64(dwout, K, N - 1), dbout, &loss, &correct, NULL));
    API_MSG("fp_loss_xent_f64: dW_out must be");
    CHECK(fpt_all_equal(dr, N * B, API_SENTINEL) && fpt_all_equal(dwout, K * N, API_SENTINEL) && fpt_all_equal(dbout, K, API_SENTINEL));
    CHECK(loss == API_SENTINEL && correct == -5);
    CHECK(fp_loss_xent_f64(rm64(wout, K, N), NULL, rm64(r, N, B), labels, rm64(dr, N, B), rm64(dwout, K, N), dbout, &loss, &correct, NULL) == FP_OK);

    for (i = 0; i < 12; ++i) a[i] = i;
    for (i = 0; i < 10; ++i) b[i] = i;
    fpt_fill(c, 6, API_SENTINEL);
    /* A 3 x 4 times B 5 x 2: the inner sizes differ */
    EXPECT_USAGE(fp_mat_mul_f64(1, rm64(a, 3, 4), rm64(b, 5, 2), 0, rm64(c, 3, 2)));
    API_MSG("fp_mat_mul_f64");
    API_MSG("shapes");
    EXPECT_USAGE(fp_mat_mul_ws_f64(1, rm64(a, 3, 4), rm64(b, 4, 2), 0, rm64(c, 2, 2), NULL)); /* C's rows */
    API_MSG("fp_mat_mul_ws_f64");
    API_MSG("shapes");
    EXPECT_USAGE(fp_mat_mulv_f64(1, rm64(a, 3, 4), fp_mat_vec_f64(b, 3), 0, fp_mat_vec_f64(c, 3)));
    API_MSG("fp_mat_mulv_f64");
    CHECK(fpt_all_equal(c, 6, API_SENTINEL));
}

/* fp_gemm with A's row stride 0 on a 2 x 2 A: two rows at one address is a usage error naming A's strides */
static void api_usage_gemm_zero_row_stride_names_a_strides(void)
{
    double a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 0, 0, 1 }, c[4];
    fpt_fill(c, 4, API_SENTINEL);
    EXPECT_USAGE_STMT(fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 0, 1, b, 2, 1, 0.0, c, 2, 1));
    API_MSG("A's strides");
    API_MSG("fp_gemm");
    CHECKF(strstr(fpt_usage_msg, "fp_gemm_f64:") != NULL, "fp_gemm_f64's usage error must name fp_gemm_f64: \"%s\"", fpt_usage_msg);
    CHECK(fpt_all_equal(c, 4, API_SENTINEL));
    EXPECT_USAGE(fp_gemm_ws_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 0, 1, b, 2, 1, 0.0, c, 2, 1, NULL));
    API_MSG("A's strides");
    CHECK(fpt_all_equal(c, 4, API_SENTINEL));
    /* and with stride 2 it multiplies */
    fp_gemm_f64(FP_NOTRANS, FP_NOTRANS, 2, 2, 2, 1.0, a, 2, 1, b, 2, 1, 0.0, c, 2, 1);
    CHECK(c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4);
}

/* Without a handler the default prints "fixpoint.h: function: message" to stderr and aborts. */
static void api_default_usage_handler_prints_and_aborts(void)
{
#if defined(__unix__)
    int fds[2], status = 0;
    pid_t pid;
    char out[2048];
    size_t got = 0;
    ssize_t k;
    CHECK(pipe(fds) == 0);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    CHECK(pid >= 0);
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        enum { N = 3, B = 2 };
        double w[N * N] = { 0 }, x[N * B] = { 0 }, r[N * B], g[N * B];
        struct rlimit nocore = { 0, 0 };
        setrlimit(RLIMIT_CORE, &nocore); /* no core file from the abort */
        close(fds[0]);
        dup2(fds[1], 2);
        fp_set_usage_handler(NULL, NULL); /* the default again */
        fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N - 1, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL);
        _exit(0); /* reached only if the call returned */
    }
    close(fds[1]);
    while (got + 1 < sizeof out && (k = read(fds[0], out + got, sizeof out - 1 - got)) > 0) got += (size_t)k;
    out[got] = 0;
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "child status %#x: %s", (unsigned)status,
           WIFEXITED(status) ? "it returned from fp_solve_f64" : "not SIGABRT");
    CHECKF(strstr(out, "fixpoint.h: fp_solve_f64: X must be N x B") != NULL, "child's stderr: \"%s\"", out);
#else
    printf("    no fork on this platform: skipped\n");
#endif
}

/* ---- NULL where the contract allows or refuses it ---- */
static void api_null_pointers_refused_or_harmless_as_documented(void)
{
    fp_dataset ds;
    fp_train_record rec;
    fp_trainer_f64 t;
    fp_trainer_f32 t32;
    fp_optim_f64 o;
    fp_layer_f64 L;
    fp_feedback_f64 fb;
    fp_idx idx;
    int ix[1] = { 0 };
    fpt_make_dataset(&ds, 4, 8, 2, 2, 104);
    EXPECT_USAGE(fp_layer_train_step_f64(NULL, &ds, ix, 1, &rec));
    API_MSG("fp_layer_train_step_f64");
    EXPECT_USAGE(fp_layer_train_step_f32(NULL, &ds, ix, 1, &rec));
    API_MSG("fp_layer_train_step_f32");
    memset(&t, 0, sizeof t); /* a zeroed trainer has no layer: refused, not dereferenced */
    EXPECT_USAGE(fp_layer_train_step_f64(&t, &ds, ix, 1, &rec));
    EXPECT_USAGE(fp_meanfield_teacher_scale(NULL, 1.0));
    API_MSG("fp_meanfield_teacher_scale");
    /* the release functions: NULL, and zeroed structs (twice: a freed one is zeroed too) */
    fp_trainer_free_f64(NULL);
    fp_trainer_free_f32(NULL);
    fp_optim_free_f64(NULL);
    fp_optim_free_f32(NULL);
    fp_layer_free_f64(NULL);
    fp_layer_free_f32(NULL);
    fp_feedback_free_f64(NULL);
    fp_feedback_free_f32(NULL);
    fp_idx_free(NULL);
    fp_dataset_free(NULL);
    memset(&t, 0, sizeof t);
    memset(&t32, 0, sizeof t32);
    memset(&o, 0, sizeof o);
    memset(&L, 0, sizeof L);
    memset(&fb, 0, sizeof fb);
    memset(&idx, 0, sizeof idx);
    fp_trainer_free_f64(&t);
    fp_trainer_free_f64(&t);
    fp_trainer_free_f32(&t32);
    fp_optim_free_f64(&o);
    fp_optim_free_f64(&o);
    fp_layer_free_f64(&L);
    fp_feedback_free_f64(&fb);
    fp_idx_free(&idx);
    CHECK(t.u == NULL && o.m == NULL && L.w == NULL && fb.chi == NULL && idx.data == NULL);
    fpt_free_dataset(&ds);
}

/* field by field (the structs have padding) */
static int api_same_solver_config(const fp_solver_config *a, const fp_solver_config *b)
{
    return a->method == b->method && a->tol == b->tol && a->floor == b->floor && a->max_iter == b->max_iter && a->step == b->step &&
           a->anderson_m == b->anderson_m && a->anderson_beta == b->anderson_beta && a->anderson_reg == b->anderson_reg &&
           a->diverge_at == b->diverge_at && a->warm_start == b->warm_start && a->fixed_iterations == b->fixed_iterations;
}

/* ---- zero means default ---- */
static void api_zeroed_solver_config_equals_its_default(void)
{
    enum { N = 16, B = 4 };
    static const fp_solver_method methods[5] = { FP_SOLVER_DEFAULT, FP_SOLVER_EULER, FP_SOLVER_DAMPED, FP_SOLVER_ANDERSON, FP_SOLVER_NEWTON };
    fpt_rng rng = { 105 };
    double *w = fpt_randn(N, N, 0.6, &rng), x[N * B], r1[N * B], g1[N * B], r2[N * B], g2[N * B], r3[N * B], g3[N * B];
    int m, i;
    for (i = 0; i < N * B; ++i) x[i] = fpt_uniform(&rng);
    for (m = 0; m < 5; ++m) {
        fp_solver_config z, d = fp_solver_config_default(methods[m]);
        fp_solve_report rz, rd;
        fp_status sz, sd;
        memset(&z, 0, sizeof z);
        z.method = methods[m];
        memset(&rz, 0, sizeof rz);
        memset(&rd, 0, sizeof rd);
        sz = fp_solve_f64(&z, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r1, N, B), rm64(g1, N, B), &rz, NULL);
        sd = fp_solve_f64(&d, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r2, N, B), rm64(g2, N, B), &rd, NULL);
        CHECKF(sz == FP_OK && sd == FP_OK, "method %d: %s / %s", m, fp_status_str(sz), fp_status_str(sd));
        CHECKF(memcmp(r1, r2, sizeof r1) == 0 && memcmp(g1, g2, sizeof g1) == 0, "method %d: R or G differ", m);
        CHECKF(rz.iterations == rd.iterations && rz.converged == rd.converged && rz.tol == rd.tol &&
               memcmp(&rz.max_residual, &rd.max_residual, sizeof(double)) == 0,
               "method %d: reports differ (%d vs %d iterations, tol %g vs %g)", m, rz.iterations, rd.iterations, rz.tol, rd.tol);
        /* the defaults as fp_solver_config documents them */
        CHECKF(d.method == (methods[m] == FP_SOLVER_DEFAULT ? FP_SOLVER_ANDERSON : methods[m]) && d.tol == 1e-6 && d.floor == 1e-6 &&
               d.max_iter == (d.method == FP_SOLVER_NEWTON ? 50 : d.method == FP_SOLVER_ANDERSON ? 1000 : 10000) &&
               (d.method != FP_SOLVER_EULER || d.step == 0.1) && (d.method != FP_SOLVER_DAMPED || d.step == 0.5) &&
               d.anderson_m == 5 && d.anderson_beta == 1 && d.anderson_reg == 1e-10 && d.diverge_at == 1e12 && !d.warm_start &&
               !d.fixed_iterations, "method %d: fp_solver_config_default is not the documented default", m);
        if (methods[m] == FP_SOLVER_DEFAULT) { /* and cfg NULL */
            CHECK(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r3, N, B), rm64(g3, N, B), NULL, NULL) == FP_OK);
            CHECK(memcmp(r1, r3, sizeof r1) == 0 && memcmp(g1, g3, sizeof g1) == 0);
        }
    }
    free(w);
}

static void api_zeroed_adjoint_config_equals_its_default(void)
{
    /* N = 12: the automatic method solves directly; N = 80: iteratively, where the zeroed tolerance counts */
    static const int sizes[2] = { 12, 80 };
    enum { B = 3 };
    int s, meth, i;
    fp_adjoint_config spelled = fp_adjoint_config_default();
    fp_solver_config anderson = fp_solver_config_default(FP_SOLVER_ANDERSON);
    anderson.tol = 1e-8; /* the adjoint's documented default: Anderson to 1e-8, automatic method */
    CHECK(spelled.method == FP_ADJOINT_AUTO && api_same_solver_config(&spelled.iter, &anderson));
    for (s = 0; s < 2; ++s)
        for (meth = 0; meth < 3; ++meth) {
            int n = sizes[s];
            fpt_rng rng = { 106 };
            double *w = fpt_randn(n, n, 0.8, &rng), *x = malloc(sizeof(double) * (size_t)(n * B)), *r = malloc(sizeof(double) * (size_t)(n * B)),
                   *g = malloc(sizeof(double) * (size_t)(n * B)), *d = malloc(sizeof(double) * (size_t)(n * B)),
                   *v1 = malloc(sizeof(double) * (size_t)(n * B)), *v2 = malloc(sizeof(double) * (size_t)(n * B)),
                   *v3 = malloc(sizeof(double) * (size_t)(n * B)), *dw1 = malloc(sizeof(double) * (size_t)(n * n)),
                   *dw2 = malloc(sizeof(double) * (size_t)(n * n)), *dw3 = malloc(sizeof(double) * (size_t)(n * n));
            fp_adjoint_config z, df = fp_adjoint_config_default();
            fp_solve_report rz, rd;
            fp_status sz, sd;
            for (i = 0; i < n * B; ++i) { x[i] = fpt_uniform(&rng); d[i] = fpt_uniform(&rng); }
            CHECK(fp_solve_f64(NULL, NULL, rm64(w, n, n), rm64(x, n, B), rm64(r, n, B), rm64(g, n, B), NULL, NULL) == FP_OK);
            memset(&z, 0, sizeof z);
            z.method = (fp_adjoint_method)meth;
            df.method = (fp_adjoint_method)meth;
            memset(&rz, 0, sizeof rz);
            memset(&rd, 0, sizeof rd);
            sz = fp_implicit_grad_f64(&z, rm64(w, n, n), rm64(r, n, B), rm64(g, n, B), rm64(d, n, B), rm64(v1, n, B), rm64(dw1, n, n), &rz, NULL);
            sd = fp_implicit_grad_f64(&df, rm64(w, n, n), rm64(r, n, B), rm64(g, n, B), rm64(d, n, B), rm64(v2, n, B), rm64(dw2, n, n), &rd, NULL);
            CHECKF(sz == FP_OK && sd == FP_OK, "N = %d, method %d: %s / %s", n, meth, fp_status_str(sz), fp_status_str(sd));
            CHECKF(memcmp(v1, v2, sizeof(double) * (size_t)(n * B)) == 0 && memcmp(dw1, dw2, sizeof(double) * (size_t)(n * n)) == 0,
                   "N = %d, method %d: V or dW differ", n, meth);
            CHECKF(rz.iterations == rd.iterations && rz.tol == rd.tol, "N = %d, method %d: %d vs %d iterations, tol %g vs %g", n,
                   meth, rz.iterations, rd.iterations, rz.tol, rd.tol);
            if (meth == 0) {
                CHECK(fp_implicit_grad_f64(NULL, rm64(w, n, n), rm64(r, n, B), rm64(g, n, B), rm64(d, n, B), rm64(v3, n, B), rm64(dw3, n, n), NULL, NULL) == FP_OK);
                CHECKF(memcmp(v1, v3, sizeof(double) * (size_t)(n * B)) == 0 && memcmp(dw1, dw3, sizeof(double) * (size_t)(n * n)) == 0,
                       "N = %d: cfg NULL differs", n);
            }
            free(w); free(x); free(r); free(g); free(d); free(v1); free(v2); free(v3); free(dw1); free(dw2); free(dw3);
        }
}

static void api_zeroed_rule_config_equals_its_default(void)
{
    /* N = 80 so that dW1's automatic adjoint iterates (its zeroed tolerance is the default's 1e-8) */
    enum { N = 80, B = 3 };
    fpt_rng rng = { 107 };
    double *w = fpt_randn(N, N, 0.8, &rng), x[N * B], r[N * B], g[N * B], d[N * B];
    double *dw1 = malloc(sizeof(double) * N * N), *dw2 = malloc(sizeof(double) * N * N), *dw3 = malloc(sizeof(double) * N * N);
    int rule, i;
    for (i = 0; i < N * B; ++i) { x[i] = fpt_uniform(&rng); d[i] = fpt_uniform(&rng); }
    CHECK(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    {
        fp_rule_config rdef = fp_rule_config_default();
        fp_adjoint_config ad = fp_adjoint_config_default();
        CHECK(rdef.rule == FP_RULE_DW3 && rdef.lr == 0 && rdef.adjoint.method == ad.method && api_same_solver_config(&rdef.adjoint.iter, &ad.iter));
    }
    for (rule = FP_RULE_DEFAULT; rule <= FP_RULE_DW4; ++rule) {
        fp_rule_config z, df = fp_rule_config_default();
        fp_status sz, sd;
        memset(&z, 0, sizeof z);
        z.rule = (fp_rule)rule;
        if (rule != FP_RULE_DEFAULT) df.rule = (fp_rule)rule;
        z.lr = df.lr = rule == FP_RULE_DW2 ? 0.01 : 0;
        sz = fp_rule_dw_f64(&z, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(dw1, N, N), NULL, NULL);
        sd = fp_rule_dw_f64(&df, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(dw2, N, N), NULL, NULL);
        CHECKF(sz == FP_OK && sd == FP_OK, "rule %d: %s / %s", rule, fp_status_str(sz), fp_status_str(sd));
        CHECKF(memcmp(dw1, dw2, sizeof(double) * N * N) == 0, "rule %d: dW differs", rule);
        if (rule == FP_RULE_DEFAULT || rule == FP_RULE_DW3) { /* cfg NULL is dW3 */
            CHECK(fp_rule_dw_f64(NULL, rm64(w, N, N), rm64(r, N, B), rm64(g, N, B), rm64(d, N, B), rm64(dw3, N, N), NULL, NULL) == FP_OK);
            CHECKF(memcmp(dw1, dw3, sizeof(double) * N * N) == 0, "rule %d: cfg NULL differs", rule);
        }
    }
    free(w); free(dw1); free(dw2); free(dw3);
}

/* A symmetric coupling strong enough for several attractors (symmetric: every run settles). */
static double *api_symmetric(int n, double scale, fpt_rng *rng)
{
    double *w = fpt_randn(n, n, 1.0, rng);
    int i, j;
    for (i = 0; i < n; ++i)
        for (j = 0; j < i; ++j) w[i * n + j] = w[j * n + i] = scale * 0.5 * (w[i * n + j] + w[j * n + i]);
    for (i = 0; i < n; ++i) w[i * n + i] *= scale;
    return w;
}

static int api_same_spectrum(const fp_spectrum *a, const fp_spectrum *b)
{
    return memcmp(&a->abscissa, &b->abscissa, sizeof(double)) == 0 && memcmp(&a->abscissa_im, &b->abscissa_im, sizeof(double)) == 0 &&
           memcmp(&a->radius, &b->radius, sizeof(double)) == 0 && memcmp(&a->bulk_radius, &b->bulk_radius, sizeof(double)) == 0 &&
           a->outliers == b->outliers && memcmp(a->outlier_re, b->outlier_re, sizeof a->outlier_re) == 0 &&
           memcmp(a->outlier_im, b->outlier_im, sizeof a->outlier_im) == 0 && a->exact == b->exact && a->verdict == b->verdict;
}

static void api_zeroed_census_config_equals_its_default(void)
{
    enum { N = 10, K = 8, MAXOUT = 8 };
    fpt_rng rng = { 108 };
    double *w = api_symmetric(N, 1.6, &rng), x[N], r0[N * K], r[3][N * K];
    fp_attractor out[3][MAXOUT];
    fp_census cs[3];
    int lab[3][K], i, c;
    fp_census_config z, d = fp_census_config_default();
    fp_status st[3];
    for (i = 0; i < N; ++i) x[i] = 0.1 * fpt_uniform(&rng);
    for (i = 0; i < N * K; ++i) r0[i] = fpt_uniform(&rng);
    /* the documented meaning of zero: Euler with dt 0.2 to 1e-9 in 20000 steps, clusters within 1e-4 */
    CHECKF(d.solver.method == FP_SOLVER_EULER && d.solver.step == 0.2 && d.solver.tol == 1e-9 && d.solver.max_iter == 20000 &&
           d.cluster_tol == 1e-4, "fp_census_config_default: method %d, step %g, tol %g, %d steps, cluster_tol %g", (int)d.solver.method,
           d.solver.step, d.solver.tol, d.solver.max_iter, d.cluster_tol);
    memset(&z, 0, sizeof z);
    memset(out, 0, sizeof out);
    for (c = 0; c < 3; ++c) {
        memcpy(r[c], r0, sizeof r0);
        st[c] = fp_census_f64(c == 0 ? &z : c == 1 ? &d : NULL, NULL, rm64(w, N, N), fp_mat_vec_f64(x, N), rm64(r[c], N, K),
                              out[c], MAXOUT, lab[c], &cs[c]);
        CHECKF(st[c] == FP_OK, "config %d: %s", c, fp_status_str(st[c]));
    }
    printf("    census: %d attractors, %d unsettled, %d diverged from %d starts\n", cs[0].attractors, cs[0].unsettled,
           cs[0].diverged, cs[0].runs);
    for (c = 1; c < 3; ++c) {
        CHECKF(memcmp(r[0], r[c], sizeof r0) == 0 && memcmp(lab[0], lab[c], sizeof lab[0]) == 0, "config %d: final states or labels differ", c);
        CHECKF(cs[0].runs == cs[c].runs && cs[0].attractors == cs[c].attractors && cs[0].unsettled == cs[c].unsettled &&
               cs[0].diverged == cs[c].diverged, "config %d: counts differ", c);
        for (i = 0; i < cs[0].attractors && i < MAXOUT; ++i)
            CHECKF(out[0][i].column == out[c][i].column && out[0][i].basin == out[c][i].basin &&
                   memcmp(&out[0][i].residual, &out[c][i].residual, sizeof(double)) == 0 &&
                   api_same_spectrum(&out[0][i].spectrum, &out[c][i].spectrum), "config %d: attractor %d differs", c, i);
    }
    free(w);
}

static void api_zeroed_spectrum_config_equals_the_documented_defaults(void)
{
    enum { N = 20 };
    fpt_rng rng = { 109 };
    double *w = fpt_randn(N, N, 1.2, &rng), gain[N], wr[3][N], wi[3][N];
    fp_spectrum s[3];
    fp_spectrum_config z, d;
    int i, c;
    for (i = 0; i < N; ++i) gain[i] = 0.5 + 0.4 * fpt_uniform(&rng);
    memset(&z, 0, sizeof z);
    memset(&d, 0, sizeof d);
    d.tol = 1e-6; /* the defaults as fp_spectrum_config's comments state them */
    d.margin = 0.05;
    d.bulk_radius = 0;
    d.exact_max = 400;
    for (c = 0; c < 3; ++c)
        CHECK(fp_stability_analyze_f64(c == 0 ? &z : c == 1 ? &d : NULL, rm64(w, N, N), fp_mat_vec_f64(gain, N), &s[c], wr[c], wi[c], NULL) == FP_OK);
    for (c = 1; c < 3; ++c) {
        CHECKF(api_same_spectrum(&s[0], &s[c]), "config %d: spectrum differs", c);
        CHECKF(memcmp(wr[0], wr[c], sizeof wr[0]) == 0 && memcmp(wi[0], wi[c], sizeof wi[0]) == 0, "config %d: eigenvalues differ", c);
    }
    /* where the defaults show: a diagonal W (its eigenvalues exact) with the abscissa 1 + 5e-7, inside the
     * default marginal band 1e-6, and -1.052, an outlier beyond 1.05 times a given bulk radius of 1 */
    memset(w, 0, sizeof(double) * N * N);
    for (i = 0; i < N; ++i) {
        w[i * N + i] = i == 0 ? 1 + 5e-7 : i == 1 ? -1.052 : 0.5 - 0.02 * i;
        gain[i] = 1;
    }
    z.bulk_radius = d.bulk_radius = 1;
    CHECK(fp_stability_analyze_f64(&z, rm64(w, N, N), fp_mat_vec_f64(gain, N), &s[0], NULL, NULL, NULL) == FP_OK);
    CHECK(fp_stability_analyze_f64(&d, rm64(w, N, N), fp_mat_vec_f64(gain, N), &s[1], NULL, NULL, NULL) == FP_OK);
    CHECK(api_same_spectrum(&s[0], &s[1]));
    CHECKF(s[0].verdict == FP_MARGINAL && s[0].outliers == 1 && s[0].exact, "abscissa %.9g: %s, %d outliers",
           s[0].abscissa, fp_verdict_str(s[0].verdict), s[0].outliers);
    free(w);
}

/* A few training steps of a small layer from a zeroed config and from fp_train_config_default(), both
 * with the one required field (optim.lr): the same parameters bit for bit. */
static void api_zeroed_train_config_equals_its_default_and_lr_is_required(void)
{
    enum { N = 12, NIN = 16, NOUT = 3, STEPS = 3, BS = 8 };
    fp_dataset ds;
    fp_layer_f64 L[2];
    fp_trainer_f64 t[2];
    fp_train_config c[2];
    fp_train_record rec[2];
    size_t cnt = (size_t)N * N + (size_t)N * NIN + N + (size_t)NOUT * N + NOUT;
    int k, s, i, idx[BS];
    long live0 = fpt_alloc_live;
    fpt_make_dataset(&ds, 32, NIN, NOUT, NOUT, 110);
    memset(&c[0], 0, sizeof c[0]);
    c[1] = fp_train_config_default();
    CHECK(c[1].rule == FP_RULE_DW3 && c[1].optim.kind == FP_OPTIM_SGD && c[1].optim.lr == 0 && c[1].batch == 512 &&
          c[1].stability_cols == 8 && c[1].seed == 0 && c[1].no_shuffle == 0 && c[1].no_rollback == 0 && c[1].min_converged == 0);
    for (k = 0; k < 2; ++k) {
        c[k].optim.lr = 0.05;
        CHECK(fp_layer_init_f64(&L[k], N, NIN, NOUT, FP_ACT_TANH, 0.8, 7) == FP_OK);
        CHECK(fp_trainer_init_f64(&t[k], &L[k], &c[k], ds.count) == FP_OK);
    }
    for (s = 0; s < STEPS; ++s) {
        for (i = 0; i < BS; ++i) idx[i] = (s * BS + i) % ds.count;
        for (k = 0; k < 2; ++k) CHECKF(fp_layer_train_step_f64(&t[k], &ds, idx, BS, &rec[k]) == FP_OK, "step %d, config %d", s, k);
        CHECKF(memcmp(L[0].w, L[1].w, cnt * sizeof(double)) == 0, "step %d: parameters differ", s);
        CHECKF(memcmp(&rec[0].loss, &rec[1].loss, sizeof(double)) == 0 && memcmp(&rec[0].dw_norm, &rec[1].dw_norm, sizeof(double)) == 0 &&
               rec[0].converged == rec[1].converged && rec[0].lr == rec[1].lr && rec[0].rolled_back == rec[1].rolled_back,
               "step %d: records differ (loss %.17g vs %.17g)", s, rec[0].loss, rec[1].loss);
    }
    for (k = 0; k < 2; ++k) fp_trainer_free_f64(&t[k]);
    /* lr has no default: a zeroed config is refused, and the message says why */
    memset(&c[0], 0, sizeof c[0]);
    CHECK(fp_trainer_init_f64(&t[0], &L[0], &c[0], ds.count) == FP_ERR_INVALID_ARG);
    CHECKF(t[0].message != NULL && strstr(t[0].message, "lr") != NULL, "message: %s", t[0].message ? t[0].message : "(null)");
    fp_trainer_free_f64(&t[0]);
    for (k = 0; k < 2; ++k) fp_layer_free_f64(&L[k]);
    fpt_free_dataset(&ds);
    CHECK(fpt_alloc_live == live0);
}

/* The trainer hashes its resolved settings into a checkpoint: a trainer made from a zeroed config loads
 * one saved by a trainer made from fp_train_config_default() (solver and adjoint spelled out) and goes on
 * bit for bit; a different setting is refused. */
static void api_zeroed_config_trainer_loads_a_default_config_checkpoint(void)
{
    enum { N = 10, NIN = 12, NOUT = 3, BS = 6 };
    const char *path = "build/api_ckpt.bin";
    fp_dataset ds;
    fp_layer_f64 La, Lb, Lc;
    fp_trainer_f64 ta, tb, tc;
    fp_train_config ca = fp_train_config_default(), cb, cc;
    fp_train_record rec;
    size_t cnt = (size_t)N * N + (size_t)N * NIN + N + (size_t)NOUT * N + NOUT;
    int idx[BS], i, s;
    const char *why = NULL;
    fp_status st;
    fpt_make_dataset(&ds, 24, NIN, NOUT, NOUT, 111);
    memset(&cb, 0, sizeof cb);
    ca.optim.lr = cb.optim.lr = 0.05;
    ca.batch = cb.batch = BS;
    cc = cb;
    cc.solver.tol = 1e-7; /* another setting */
    CHECK(fp_layer_init_f64(&La, N, NIN, NOUT, FP_ACT_TANH, 0.7, 3) == FP_OK);
    CHECK(fp_layer_init_f64(&Lb, N, NIN, NOUT, FP_ACT_TANH, 0.7, 4) == FP_OK);
    CHECK(fp_layer_init_f64(&Lc, N, NIN, NOUT, FP_ACT_TANH, 0.7, 4) == FP_OK);
    CHECK(fp_trainer_init_f64(&ta, &La, &ca, ds.count) == FP_OK);
    CHECK(fp_trainer_init_f64(&tb, &Lb, &cb, ds.count) == FP_OK);
    CHECK(fp_trainer_init_f64(&tc, &Lc, &cc, ds.count) == FP_OK);
    for (s = 0; s < 2; ++s) {
        for (i = 0; i < BS; ++i) idx[i] = (s * BS + i) % ds.count;
        CHECK(fp_layer_train_step_f64(&ta, &ds, idx, BS, &rec) == FP_OK);
    }
    CHECK(fp_trainer_save_f64(&ta, path) == FP_OK);
    st = fp_trainer_load_f64(&tb, path, &why);
    CHECKF(st == FP_OK, "zeroed config loading the default config's checkpoint: %s (%s)", fp_status_str(st), why ? why : "");
    CHECK(memcmp(La.w, Lb.w, cnt * sizeof(double)) == 0);
    for (i = 0; i < BS; ++i) idx[i] = (2 * BS + i) % ds.count;
    CHECK(fp_layer_train_step_f64(&ta, &ds, idx, BS, &rec) == FP_OK);
    CHECK(fp_layer_train_step_f64(&tb, &ds, idx, BS, &rec) == FP_OK);
    CHECKF(memcmp(La.w, Lb.w, cnt * sizeof(double)) == 0, "the resumed run differs");
    why = NULL;
    st = fp_trainer_load_f64(&tc, path, &why);
    CHECKF(st == FP_ERR_FORMAT, "solver tol 1e-7 loading a tol 1e-6 checkpoint: %s", fp_status_str(st));
    /* the optimizer's zeroed fields mean their defaults too (momentum 0.9, beta1 0.9, beta2 0.999, eps 1e-8):
     * Adam from a zeroed optim and from those values spelled out trains alike - and should resume alike */
    {
        fp_layer_f64 Ld, Le;
        fp_trainer_f64 td, te;
        fp_train_config cd = cb, ce = cb;
        cd.optim.kind = ce.optim.kind = FP_OPTIM_ADAM;
        ce.optim.momentum = 0.9;
        ce.optim.beta1 = 0.9;
        ce.optim.beta2 = 0.999;
        ce.optim.eps = 1e-8;
        CHECK(fp_layer_init_f64(&Ld, N, NIN, NOUT, FP_ACT_TANH, 0.7, 5) == FP_OK);
        CHECK(fp_layer_init_f64(&Le, N, NIN, NOUT, FP_ACT_TANH, 0.7, 5) == FP_OK);
        CHECK(fp_trainer_init_f64(&td, &Ld, &cd, ds.count) == FP_OK);
        CHECK(fp_trainer_init_f64(&te, &Le, &ce, ds.count) == FP_OK);
        CHECK(fp_layer_train_step_f64(&td, &ds, idx, BS, &rec) == FP_OK);
        CHECK(fp_layer_train_step_f64(&te, &ds, idx, BS, &rec) == FP_OK);
        CHECKF(memcmp(Ld.w, Le.w, cnt * sizeof(double)) == 0, "Adam: zeroed and spelled-out settings train differently");
        CHECK(fp_trainer_save_f64(&te, path) == FP_OK);
        why = NULL;
        st = fp_trainer_load_f64(&td, path, &why);
        CHECKF(st == FP_OK, "Adam with zeroed optim fields loading the checkpoint of the same settings spelled out: %s (%s)",
                      fp_status_str(st), why ? why : "");
        fp_trainer_free_f64(&td);
        fp_trainer_free_f64(&te);
        fp_layer_free_f64(&Ld);
        fp_layer_free_f64(&Le);
    }
    remove(path);
    fp_trainer_free_f64(&ta);
    fp_trainer_free_f64(&tb);
    fp_trainer_free_f64(&tc);
    fp_layer_free_f64(&La);
    fp_layer_free_f64(&Lb);
    fp_layer_free_f64(&Lc);
    fpt_free_dataset(&ds);
}

/* ---- the allocator hook ---- */
typedef struct api_counter { long allocs, frees, wrong_user; } api_counter;
static api_counter *api_expected_user;
static void *api_count_alloc(size_t size, void *user)
{
    api_counter *c = (api_counter *)user;
    if (user != (void *)api_expected_user) { ++api_expected_user->wrong_user; return malloc(size); }
    ++c->allocs;
    return malloc(size);
}
static void api_count_free(void *p, void *user)
{
    api_counter *c = (api_counter *)user;
    if (user != (void *)api_expected_user) { ++api_expected_user->wrong_user; free(p); return; }
    ++c->frees;
    free(p);
}

static void api_allocator_hook_counts_calls_and_passes_user(void)
{
    enum { N = 12, B = 3 };
    fpt_rng rng = { 112 };
    double *w = fpt_randn(N, N, 0.5, &rng), x[N * B], r[N * B], g[N * B];
    api_counter ca, other;
    fp_allocator hook, ctx_only;
    fp_layer_f64 L;
    long calls0, live0 = fpt_alloc_live;
    int i;
    for (i = 0; i < N * B; ++i) x[i] = fpt_uniform(&rng);
    memset(&ca, 0, sizeof ca);
    memset(&other, 0, sizeof other);
    api_expected_user = &ca;
    hook.alloc = api_count_alloc;
    hook.free = api_count_free;
    hook.user = &ca;
    fp_set_allocator(&hook);
    calls0 = fpt_alloc_calls;
    CHECK(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    CHECKF(ca.allocs == 1 && ca.frees == 1, "a solve without a workspace: %ld allocations, %ld frees through the hook", ca.allocs, ca.frees);
    CHECK(fp_layer_init_f64(&L, 6, 4, 2, FP_ACT_TANH, 0.5, 1) == FP_OK);
    fp_layer_free_f64(&L);
    CHECKF(ca.allocs == 2 && ca.frees == 2, "a layer: %ld allocations, %ld frees", ca.allocs, ca.frees);
    CHECKF(fpt_alloc_calls == calls0, "%ld calls reached FP_MALLOC past the hook", fpt_alloc_calls - calls0);
    CHECK(ca.wrong_user == 0);
    /* NULL restores the default */
    fp_set_allocator(NULL);
    CHECK(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    CHECK(ca.allocs == 2 && ca.frees == 2);
    CHECKF(fpt_alloc_calls == calls0 + 1, "after fp_set_allocator(NULL): %ld FP_MALLOC calls", fpt_alloc_calls - calls0);
    /* alloc and free NULL with a user pointer: FP_MALLOC and FP_FREE (tests/impl.c's counters) get the calls */
    ctx_only.alloc = NULL;
    ctx_only.free = NULL;
    ctx_only.user = &other;
    fp_set_allocator(&ctx_only);
    CHECK(fp_solve_f64(NULL, NULL, rm64(w, N, N), rm64(x, N, B), rm64(r, N, B), rm64(g, N, B), NULL, NULL) == FP_OK);
    fp_set_allocator(NULL);
    CHECKF(fpt_alloc_calls == calls0 + 2, "with only a user pointer: %ld FP_MALLOC calls", fpt_alloc_calls - calls0 - 1);
    CHECK(other.allocs == 0 && other.frees == 0 && ca.allocs == 2);
    CHECK(fpt_alloc_live == live0);
    api_expected_user = NULL;
    free(w);
}

static void api_status_str_names_usage_errors(void)
{
    const char *s = fp_status_str(FP_ERR_USAGE);
    CHECK(s != NULL && s[0] != 0 && strcmp(s, "unknown status") != 0);
    CHECK(strcmp(fp_status_str((fp_status)-99), "unknown status") == 0); /* the fallback exists, and FP_ERR_USAGE is not it */
}

const fpt_test fpt_api_tests[] = {
    { "api_mat_mul_views_equal_gemm_and_naive_f64", api_mat_mul_views_equal_gemm_and_naive_f64 },
    { "api_mat_mul_views_equal_gemm_and_naive_f32", api_mat_mul_views_equal_gemm_and_naive_f32 },
    { "api_mat_mulv_views_equal_gemv_and_naive_f64", api_mat_mulv_views_equal_gemv_and_naive_f64 },
    { "api_mat_mulv_views_equal_gemv_and_naive_f32", api_mat_mulv_views_equal_gemv_and_naive_f32 },
    { "api_mat_lu_views_equal_lu_and_solve_f64", api_mat_lu_views_equal_lu_and_solve_f64 },
    { "api_mat_lu_views_equal_lu_and_solve_f32", api_mat_lu_views_equal_lu_and_solve_f32 },
    { "api_mat_chol_views_equal_chol_and_solve_f64", api_mat_chol_views_equal_chol_and_solve_f64 },
    { "api_mat_chol_views_equal_chol_and_solve_f32", api_mat_chol_views_equal_chol_and_solve_f32 },
    { "api_mat_lstsq_views_equal_lstsq_and_fit_f64", api_mat_lstsq_views_equal_lstsq_and_fit_f64 },
    { "api_mat_lstsq_views_equal_lstsq_and_fit_f32", api_mat_lstsq_views_equal_lstsq_and_fit_f32 },
    { "api_mat_elementwise_views_match_loops_f64", api_mat_elementwise_views_match_loops_f64 },
    { "api_mat_elementwise_views_match_loops_f32", api_mat_elementwise_views_match_loops_f32 },
    { "api_view_constructors_fill_documented_fields_f64", api_view_constructors_fill_documented_fields_f64 },
    { "api_view_constructors_fill_documented_fields_f32", api_view_constructors_fill_documented_fields_f32 },
    { "api_block_outside_its_view_is_usage_error_f64", api_block_outside_its_view_is_usage_error_f64 },
    { "api_block_outside_its_view_is_usage_error_f32", api_block_outside_its_view_is_usage_error_f32 },
    { "api_empty_views_accepted_f64", api_empty_views_accepted_f64 },
    { "api_empty_views_accepted_f32", api_empty_views_accepted_f32 },
    { "api_usage_solve_shapes_named_outputs_untouched", api_usage_solve_shapes_named_outputs_untouched },
    { "api_usage_implicit_grad_and_rule_shapes_named_outputs_untouched", api_usage_implicit_grad_and_rule_shapes_named_outputs_untouched },
    { "api_usage_loss_xent_and_mat_mul_shapes_named_outputs_untouched", api_usage_loss_xent_and_mat_mul_shapes_named_outputs_untouched },
    { "api_usage_gemm_zero_row_stride_names_a_strides", api_usage_gemm_zero_row_stride_names_a_strides },
    { "api_default_usage_handler_prints_and_aborts", api_default_usage_handler_prints_and_aborts },
    { "api_interleaved_r_and_g_solve_like_separate_buffers_f64", api_interleaved_r_and_g_solve_like_separate_buffers_f64 },
    { "api_interleaved_r_and_g_solve_like_separate_buffers_f32", api_interleaved_r_and_g_solve_like_separate_buffers_f32 },
    { "api_interleaved_r_and_v_implicit_grad_like_separate_buffers_f64", api_interleaved_r_and_v_implicit_grad_like_separate_buffers_f64 },
    { "api_interleaved_r_and_v_implicit_grad_like_separate_buffers_f32", api_interleaved_r_and_v_implicit_grad_like_separate_buffers_f32 },
    { "api_census_refuses_non_finite_starts_f64", api_census_refuses_non_finite_starts_f64 },
    { "api_census_refuses_non_finite_starts_f32", api_census_refuses_non_finite_starts_f32 },
    { "api_vec_max_abs_keeps_nan_anywhere_f64", api_vec_max_abs_keeps_nan_anywhere_f64 },
    { "api_vec_max_abs_keeps_nan_anywhere_f32", api_vec_max_abs_keeps_nan_anywhere_f32 },
    { "api_workspace_queries_take_null_config_f64", api_workspace_queries_take_null_config_f64 },
    { "api_workspace_queries_take_null_config_f32", api_workspace_queries_take_null_config_f32 },
    { "api_null_pointers_refused_or_harmless_as_documented", api_null_pointers_refused_or_harmless_as_documented },
    { "api_rule_dw_report_carries_singular_and_overflow_f64", api_rule_dw_report_carries_singular_and_overflow_f64 },
    { "api_rule_dw_report_carries_singular_and_overflow_f32", api_rule_dw_report_carries_singular_and_overflow_f32 },
    { "api_zeroed_solver_config_equals_its_default", api_zeroed_solver_config_equals_its_default },
    { "api_zeroed_adjoint_config_equals_its_default", api_zeroed_adjoint_config_equals_its_default },
    { "api_zeroed_rule_config_equals_its_default", api_zeroed_rule_config_equals_its_default },
    { "api_zeroed_census_config_equals_its_default", api_zeroed_census_config_equals_its_default },
    { "api_zeroed_spectrum_config_equals_the_documented_defaults", api_zeroed_spectrum_config_equals_the_documented_defaults },
    { "api_zeroed_train_config_equals_its_default_and_lr_is_required", api_zeroed_train_config_equals_its_default_and_lr_is_required },
    { "api_zeroed_config_trainer_loads_a_default_config_checkpoint", api_zeroed_config_trainer_loads_a_default_config_checkpoint },
    { "api_allocator_hook_counts_calls_and_passes_user", api_allocator_hook_counts_calls_and_passes_user },
    { "api_status_str_names_usage_errors", api_status_str_names_usage_errors },
    { NULL, NULL }
};

#else /* FPT_API_PASS: the typed tests (FT, FN, FT_EPS, FT_HUGE defined by the includer) */

#define FM FN(fp_mat)
#define AT(m, i, j) ((m).data[(ptrdiff_t)(i) * (m).rs + (ptrdiff_t)(j) * (m).cs])

static FT *FN(api_nan_buffer)(size_t len)
{
    FT *p = (FT *)malloc(len * sizeof *p);
    size_t i;
    for (i = 0; i < len; ++i) p[i] = (FT)NAN;
    return p;
}

/* An r x c view into buf (api_len(r, c) elements) in layout 0..4: row-major, column-major, row-major with
 * padded rows, general strides (neither unit), or a block inside a bigger row-major matrix. Everything
 * around the view stays NaN, so a read outside it shows in the result. */
static FM FN(api_layout)(FT *buf, int r, int c, int layout)
{
    switch (layout) {
    case 0: return FN(fp_mat_rowmajor)(buf, r, c);
    case 1: return FN(fp_mat_colmajor)(buf, r, c);
    case 2: return FN(fp_mat_strided)(buf, r, c, c + 3, 1);
    case 3: return FN(fp_mat_strided)(buf, r, c, 2, 2 * r + 1);
    default: return FN(fp_mat_block)(FN(fp_mat_rowmajor)(buf, r + 4, c + 3), 2, 1, r, c);
    }
}

static void FN(api_random_view)(FM a, fpt_rng *g)
{
    int i, j;
    for (i = 0; i < a.rows; ++i)
        for (j = 0; j < a.cols; ++j) AT(a, i, j) = (FT)fpt_uniform(g);
}

/* v moved from buffer `from` to the same place in buffer `to` */
static FM FN(api_rebase)(FM v, const FT *from, FT *to)
{
    v.data = to + (v.data - from);
    return v;
}

/* 1 when every element of buf outside the view v is bitwise what it was (orig) */
static int FN(api_outside_untouched)(const FT *buf, const FT *orig, size_t len, FM v)
{
    unsigned char *in = (unsigned char *)calloc(len, 1);
    size_t p;
    int i, j, ok = 1;
    for (i = 0; i < v.rows; ++i)
        for (j = 0; j < v.cols; ++j) in[(size_t)((v.data - buf) + (ptrdiff_t)i * v.rs + (ptrdiff_t)j * v.cs)] = 1;
    for (p = 0; p < len; ++p)
        if (!in[p] && memcmp(buf + p, orig + p, sizeof(FT)) != 0) ok = 0;
    free(in);
    return ok;
}

/* Worst |C - (alpha A B + beta C0)| over the bound (k + 5) eps (|alpha| |A||B| + |beta| |C0|), element by
 * element: each element is k products and sums, one alpha and one accumulate per depth block (at most two
 * blocks here) and one beta - at most k + 5 roundings of u = eps/2 in the engine and as many in the float64
 * reference. Above 1 fails; NaN fails. */
static double FN(api_mul_error)(FT alpha, FM a, FM b, FT beta, FM c0, FM c)
{
    double worst = 0;
    int i, j, p, k = a.cols;
    for (i = 0; i < c.rows; ++i)
        for (j = 0; j < c.cols; ++j) {
            double s = 0, mag = 0, want, e;
            for (p = 0; p < k; ++p) {
                s += (double)AT(a, i, p) * (double)AT(b, p, j);
                mag += fabs((double)AT(a, i, p) * (double)AT(b, p, j));
            }
            want = (double)alpha * s;
            mag *= fabs((double)alpha);
            if (beta != 0) {
                want += (double)beta * (double)AT(c0, i, j);
                mag += fabs((double)beta * (double)AT(c0, i, j));
            }
            e = fabs((double)AT(c, i, j) - want) / ((k + 5) * (double)FT_EPS * mag + 1e-300);
            if (!(e <= worst)) worst = e;
        }
    return worst;
}

/* One product in views and in the BLAS-style call: 1 when they agree bit for bit (fp_mat_mul, fp_mat_mul_ws
 * with a workspace and no allocation, fp_gemm), leave everything around C alone and meet the naive
 * bound; else a line on what went wrong (when report) and 0. */
static int FN(api_mul_case)(int m, int n, int k, int ta, int tb, int la, int lb, void *ws, fpt_rng *g, int report)
{
    int lc = (la + 2 * lb + ta + tb) % API_LAYOUTS, ok;
    size_t lenA = api_len(ta ? k : m, ta ? m : k), lenB = api_len(tb ? n : k, tb ? k : n), lenC = api_len(m, n);
    FT *ab = FN(api_nan_buffer)(lenA), *bb = FN(api_nan_buffer)(lenB), *c0 = FN(api_nan_buffer)(lenC), *c1 = FN(api_nan_buffer)(lenC),
       *c2 = FN(api_nan_buffer)(lenC), *c3 = FN(api_nan_buffer)(lenC);
    FT alpha = (FT)0.75, beta = (la + lb) % 2 ? (FT)-0.5 : (FT)0; /* beta 0: C is NaN and must not be read */
    FM As = FN(api_layout)(ab, ta ? k : m, ta ? m : k, la), Bs = FN(api_layout)(bb, tb ? n : k, tb ? k : n, lb);
    FM C0 = FN(api_layout)(c0, m, n, lc), A, B, C1, C2, C3;
    fp_status st1, st2;
    long calls;
    double err;
    FN(api_random_view)(As, g);
    FN(api_random_view)(Bs, g);
    if (beta != 0) FN(api_random_view)(C0, g);
    memcpy(c1, c0, lenC * sizeof(FT));
    memcpy(c2, c0, lenC * sizeof(FT));
    memcpy(c3, c0, lenC * sizeof(FT));
    C1 = FN(api_rebase)(C0, c0, c1);
    C2 = FN(api_rebase)(C0, c0, c2);
    C3 = FN(api_rebase)(C0, c0, c3);
    A = ta ? FN(fp_mat_trans)(As) : As;
    B = tb ? FN(fp_mat_trans)(Bs) : Bs;
    /* the BLAS-style call on the stored matrices with the transpose flags; the views carry the transposes */
    FN(fp_gemm)(ta ? FP_TRANS : FP_NOTRANS, tb ? FP_TRANS : FP_NOTRANS, m, n, k, alpha, As.data, As.rs, As.cs, Bs.data, Bs.rs,
                Bs.cs, beta, C1.data, C1.rs, C1.cs);
    st1 = FN(fp_mat_mul)(alpha, A, B, beta, C2);
    calls = fpt_alloc_calls;
    st2 = FN(fp_mat_mul_ws)(alpha, A, B, beta, C3, ws);
    calls = fpt_alloc_calls - calls;
    err = FN(api_mul_error)(alpha, A, B, beta, C0, C2);
    ok = st1 == FP_OK && st2 == FP_OK && calls == 0 && memcmp(c1, c2, lenC * sizeof(FT)) == 0 && memcmp(c1, c3, lenC * sizeof(FT)) == 0 &&
         FN(api_outside_untouched)(c2, c0, lenC, C2) && err <= 1;
    if (!ok && report)
        printf("    check failed: %dx%dx%d, A%s %s, B%s %s, C %s: %s / %s, view %s gemm, ws %s gemm (%ld allocations), %s outside C, "
               "error %.3g of the bound\n", m, n, k, ta ? "^T" : "", api_layout_name[la], tb ? "^T" : "", api_layout_name[lb],
               api_layout_name[lc], fp_status_str(st1), fp_status_str(st2), memcmp(c1, c2, lenC * sizeof(FT)) ? "!=" : "==",
               memcmp(c1, c3, lenC * sizeof(FT)) ? "!=" : "==", calls, FN(api_outside_untouched)(c2, c0, lenC, C2) ? "nothing written" : "written",
               err);
    free(ab); free(bb); free(c0); free(c1); free(c2); free(c3);
    return ok;
}

static void FN(api_mat_mul_views_equal_gemm_and_naive)(void)
{
    static const int sizes[4][3] = { { 7, 5, 3 }, { 13, 11, 9 }, { 9, 1, 7 }, { 37, 29, 300 } }; /* m, n, k */
    void *ws = malloc(FN(fp_gemm_workspace_size)());
    int s, ta, tb, la, lb, bad = 0;
    fpt_rng g = { 201 };
    for (s = 0; s < 4; ++s)
        for (ta = 0; ta < 2; ++ta)
            for (tb = 0; tb < 2; ++tb)
                for (la = 0; la < API_LAYOUTS; ++la)
                    for (lb = 0; lb < API_LAYOUTS; ++lb) {
                        if (s == 3 && (la + lb) % 3 != 0) continue; /* k = 300 (two depth blocks): a third of the layouts */
                        if (!FN(api_mul_case)(sizes[s][0], sizes[s][1], sizes[s][2], ta, tb, la, lb, ws, &g, bad < 5)) {
                            ++bad;
                            ++fpt_fail_count;
                        }
                    }
    free(ws);
}

/* x or y as an n x 1 column, a 1 x n row, or an n x 1 column with stride 3 */
static FM FN(api_vec_layout)(FT *buf, int n, int layout, ptrdiff_t *inc)
{
    if (layout == 0) { *inc = 1; return FN(fp_mat_vec)(buf, n); }
    if (layout == 1) { *inc = 1; return FN(fp_mat_rowmajor)(buf, 1, n); }
    *inc = 3;
    return FN(fp_mat_strided)(buf, n, 1, 3, 1);
}

static void FN(api_mat_mulv_views_equal_gemv_and_naive)(void)
{
    static const int sizes[4][2] = { { 7, 5 }, { 13, 11 }, { 1, 9 }, { 9, 1 } }; /* op(A) m x n */
    int s, ta, la, lx, ly, bad = 0;
    fpt_rng g = { 202 };
    for (s = 0; s < 4; ++s)
        for (ta = 0; ta < 2; ++ta)
            for (la = 0; la < API_LAYOUTS; ++la)
                for (lx = 0; lx < 3; ++lx)
                    for (ly = 0; ly < 3; ++ly) {
                        int m = sizes[s][0], n = sizes[s][1], i, j;
                        size_t lenA = api_len(ta ? n : m, ta ? m : n), lenY = (size_t)(3 * m + 3);
                        FT *ab = FN(api_nan_buffer)(lenA), *xb = FN(api_nan_buffer)((size_t)(3 * n + 3)),
                           *y0 = FN(api_nan_buffer)(lenY), *y1 = FN(api_nan_buffer)(lenY), *y2 = FN(api_nan_buffer)(lenY);
                        FT alpha = (FT)-1.25, beta = (FT)0.5;
                        ptrdiff_t incx, incy;
                        FM As = FN(api_layout)(ab, ta ? n : m, ta ? m : n, la), A = ta ? FN(fp_mat_trans)(As) : As;
                        FM X = FN(api_vec_layout)(xb, n, lx, &incx), Y0 = FN(api_vec_layout)(y0, m, ly, &incy), Y2;
                        fp_status st;
                        double worst = 0;
                        FN(api_random_view)(As, &g);
                        FN(api_random_view)(X, &g);
                        FN(api_random_view)(Y0, &g);
                        memcpy(y1, y0, lenY * sizeof(FT));
                        memcpy(y2, y0, lenY * sizeof(FT));
                        Y2 = FN(api_rebase)(Y0, y0, y2);
                        FN(fp_gemv)(ta ? FP_TRANS : FP_NOTRANS, As.rows, As.cols, alpha, As.data, As.rs, As.cs, xb, incx, beta, y1, incy);
                        st = FN(fp_mat_mulv)(alpha, A, X, beta, Y2);
                        /* bound: n products and sums, alpha, beta: n + 3 roundings each side */
                        for (i = 0; i < m; ++i) {
                            double sum = 0, mag = 0, e, yi = (double)y0[i * incy];
                            for (j = 0; j < n; ++j) {
                                sum += (double)AT(A, i, j) * (double)xb[j * incx];
                                mag += fabs((double)AT(A, i, j) * (double)xb[j * incx]);
                            }
                            e = fabs((double)y2[i * incy] - ((double)alpha * sum + (double)beta * yi)) /
                                ((n + 3) * (double)FT_EPS * (fabs((double)alpha) * mag + fabs((double)beta * yi)) + 1e-300);
                            if (!(e <= worst)) worst = e;
                        }
                        if (st != FP_OK || memcmp(y1, y2, lenY * sizeof(FT)) != 0 || !FN(api_outside_untouched)(y2, y0, lenY, Y2) ||
                            !(worst <= 1)) {
                            if (bad++ < 5)
                                CHECKF(0, "%dx%d, A%s %s, x layout %d, y layout %d: %s, view %s gemv, error %.3g of the bound", m, n,
                                       ta ? "^T" : "", api_layout_name[la], lx, ly, fp_status_str(st),
                                       memcmp(y1, y2, lenY * sizeof(FT)) ? "!=" : "==", worst);
                            else ++fpt_fail_count;
                        }
                        free(ab); free(xb); free(y0); free(y1); free(y2);
                    }
}

/* A (n x n) as float64 values of the working type, row-major */
static void FN(api_view_to_double)(FM a, double *out)
{
    int i, j;
    for (i = 0; i < a.rows; ++i)
        for (j = 0; j < a.cols; ++j) out[i * a.cols + j] = (double)AT(a, i, j);
}

static void FN(api_mat_lu_views_equal_lu_and_solve)(void)
{
    enum { NRHS = 3 };
    static const int sizes[2] = { 7, 13 };
    int s, la, lb, t, bad = 0;
    fpt_rng g = { 203 };
    for (s = 0; s < 2; ++s)
        for (la = 0; la < API_LAYOUTS; ++la)
            for (lb = 0; lb < API_LAYOUTS; ++lb)
                for (t = 0; t < 2; ++t) {
                    int n = sizes[s], piv1[13], piv2[13], i, j, p;
                    size_t lenA = api_len(n, n), lenB = api_len(n, NRHS);
                    FT *a1 = FN(api_nan_buffer)(lenA), *a2 = FN(api_nan_buffer)(lenA), *b0 = FN(api_nan_buffer)(lenB),
                       *b1 = FN(api_nan_buffer)(lenB), *b2 = FN(api_nan_buffer)(lenB);
                    double *A0 = malloc(sizeof(double) * (size_t)(n * n)), *M = malloc(sizeof(double) * (size_t)(n * n)), worst = 0;
                    FM A1 = FN(api_layout)(a1, n, n, la), A2, B0 = FN(api_layout)(b0, n, NRHS, lb), B1, B2;
                    fp_trans tr = t ? FP_TRANS : FP_NOTRANS;
                    fp_status s1, s2, s3;
                    FN(api_random_view)(A1, &g);
                    FN(api_random_view)(B0, &g);
                    FN(api_view_to_double)(A1, A0);
                    memcpy(a2, a1, lenA * sizeof(FT));
                    memcpy(b1, b0, lenB * sizeof(FT));
                    memcpy(b2, b0, lenB * sizeof(FT));
                    A2 = FN(api_rebase)(A1, a1, a2);
                    B1 = FN(api_rebase)(B0, b0, b1);
                    B2 = FN(api_rebase)(B0, b0, b2);
                    s1 = FN(fp_lu_factor)(n, A1.data, A1.rs, A1.cs, piv1);
                    s2 = FN(fp_mat_lu_factor)(A2, piv2);
                    FN(fp_lu_solve)(tr, n, NRHS, A1.data, A1.rs, A1.cs, piv1, B1.data, B1.rs, B1.cs);
                    s3 = FN(fp_mat_lu_solve)(tr, A2, piv2, B2);
                    /* backward error (Higham, Thm 9.4): (A + dA) x = b, |dA| <= gamma_3n P^T |L||U|; the residual
                     * of each column is within 3n eps (P^T |L||U| |x|)_i, plus the float64 residual's own rounding */
                    for (i = 0; i < n; ++i)
                        for (j = 0; j < n; ++j) {
                            double sum = 0;
                            for (p = 0; p <= (i < j ? i : j); ++p)
                                sum += (p == i ? 1.0 : fabs((double)AT(A2, i, p))) * fabs((double)AT(A2, p, j));
                            M[i * n + j] = sum;
                        }
                    for (i = n - 1; i >= 0; --i) /* P^T: the interchanges undone, last first */
                        for (j = 0; j < n && piv2[i] != i; ++j) {
                            double tmp = M[i * n + j];
                            M[i * n + j] = M[piv2[i] * n + j];
                            M[piv2[i] * n + j] = tmp;
                        }
                    for (p = 0; p < NRHS; ++p)
                        for (i = 0; i < n; ++i) {
                            double res = -(double)AT(B0, i, p), bnd = 0, mag = fabs((double)AT(B0, i, p)), e;
                            for (j = 0; j < n; ++j) {
                                double aij = t ? A0[j * n + i] : A0[i * n + j], mij = t ? M[j * n + i] : M[i * n + j];
                                double xj = (double)AT(B2, j, p);
                                res += aij * xj;
                                bnd += mij * fabs(xj);
                                mag += fabs(aij * xj);
                            }
                            e = fabs(res) / (3 * n * (double)FT_EPS * bnd + (n + 2) * DBL_EPSILON * mag + 1e-300);
                            if (!(e <= worst)) worst = e;
                        }
                    if (s1 != FP_OK || s2 != FP_OK || s3 != FP_OK || memcmp(a1, a2, lenA * sizeof(FT)) != 0 ||
                        memcmp(piv1, piv2, (size_t)n * sizeof(int)) != 0 || memcmp(b1, b2, lenB * sizeof(FT)) != 0 ||
                        !FN(api_outside_untouched)(b2, b0, lenB, B2) || !(worst <= 1)) {
                        if (bad++ < 5)
                            CHECKF(0, "n = %d, A %s, B %s, %s: %s %s %s, factors %s, solution %s, residual %.3g of the bound", n,
                                   api_layout_name[la], api_layout_name[lb], t ? "A^T x = b" : "A x = b", fp_status_str(s1),
                                   fp_status_str(s2), fp_status_str(s3), memcmp(a1, a2, lenA * sizeof(FT)) ? "differ" : "equal",
                                   memcmp(b1, b2, lenB * sizeof(FT)) ? "differs" : "equal", worst);
                        else ++fpt_fail_count;
                    }
                    free(a1); free(a2); free(b0); free(b1); free(b2); free(A0); free(M);
                }
}

static void FN(api_mat_chol_views_equal_chol_and_solve)(void)
{
    enum { NRHS = 3 };
    static const int sizes[2] = { 7, 13 };
    int s, la, lb, bad = 0;
    fpt_rng g = { 204 };
    for (s = 0; s < 2; ++s)
        for (la = 0; la < API_LAYOUTS; ++la)
            for (lb = 0; lb < API_LAYOUTS; ++lb) {
                int n = sizes[s], i, j, p, upper_nan = 1;
                size_t lenA = api_len(n, n), lenB = api_len(n, NRHS);
                FT *a1 = FN(api_nan_buffer)(lenA), *a2 = FN(api_nan_buffer)(lenA), *b0 = FN(api_nan_buffer)(lenB),
                   *b1 = FN(api_nan_buffer)(lenB), *b2 = FN(api_nan_buffer)(lenB);
                double *Mr = malloc(sizeof(double) * (size_t)(n * n)), *A0 = malloc(sizeof(double) * (size_t)(n * n)), worst = 0;
                FM A1 = FN(api_layout)(a1, n, n, la), A2, B0 = FN(api_layout)(b0, n, NRHS, lb), B1, B2;
                fp_status s1, s2, s3;
                /* SPD: A = M M^T / n + I, only the lower triangle stored (the upper stays NaN: never read) */
                for (i = 0; i < n * n; ++i) Mr[i] = fpt_uniform(&g);
                for (i = 0; i < n; ++i)
                    for (j = 0; j <= i; ++j) {
                        double sum = i == j ? 1.0 : 0.0;
                        for (p = 0; p < n; ++p) sum += Mr[i * n + p] * Mr[j * n + p] / n;
                        AT(A1, i, j) = (FT)sum;
                        A0[i * n + j] = A0[j * n + i] = (double)AT(A1, i, j);
                    }
                FN(api_random_view)(B0, &g);
                memcpy(a2, a1, lenA * sizeof(FT));
                memcpy(b1, b0, lenB * sizeof(FT));
                memcpy(b2, b0, lenB * sizeof(FT));
                A2 = FN(api_rebase)(A1, a1, a2);
                B1 = FN(api_rebase)(B0, b0, b1);
                B2 = FN(api_rebase)(B0, b0, b2);
                s1 = FN(fp_chol_factor)(n, A1.data, A1.rs, A1.cs);
                s2 = FN(fp_mat_chol_factor)(A2);
                FN(fp_chol_solve)(n, NRHS, A1.data, A1.rs, A1.cs, B1.data, B1.rs, B1.cs);
                s3 = FN(fp_mat_chol_solve)(A2, B2);
                for (i = 0; i < n; ++i)
                    for (j = i + 1; j < n; ++j) upper_nan &= AT(A2, i, j) != AT(A2, i, j);
                /* backward error (Higham, Thm 10.4): (A + dA) x = b, |dA| <= gamma_{3n+1} |L||L^T| */
                for (p = 0; p < NRHS; ++p)
                    for (i = 0; i < n; ++i) {
                        double res = -(double)AT(B0, i, p), bnd = 0, mag = fabs((double)AT(B0, i, p)), e;
                        for (j = 0; j < n; ++j) {
                            double llt = 0, xj = (double)AT(B2, j, p);
                            int q;
                            for (q = 0; q <= (i < j ? i : j); ++q) llt += fabs((double)AT(A2, i, q) * (double)AT(A2, j, q));
                            res += A0[i * n + j] * xj;
                            bnd += llt * fabs(xj);
                            mag += fabs(A0[i * n + j] * xj);
                        }
                        e = fabs(res) / ((3 * n + 1) * (double)FT_EPS * bnd + (n + 2) * DBL_EPSILON * mag + 1e-300);
                        if (!(e <= worst)) worst = e;
                    }
                if (s1 != FP_OK || s2 != FP_OK || s3 != FP_OK || memcmp(a1, a2, lenA * sizeof(FT)) != 0 ||
                    memcmp(b1, b2, lenB * sizeof(FT)) != 0 || !upper_nan || !FN(api_outside_untouched)(b2, b0, lenB, B2) || !(worst <= 1)) {
                    if (bad++ < 5)
                        CHECKF(0, "n = %d, A %s, B %s: %s %s %s, factors %s, solution %s, upper triangle %s, residual %.3g of the bound",
                               n, api_layout_name[la], api_layout_name[lb], fp_status_str(s1), fp_status_str(s2), fp_status_str(s3),
                               memcmp(a1, a2, lenA * sizeof(FT)) ? "differ" : "equal", memcmp(b1, b2, lenB * sizeof(FT)) ? "differs" : "equal",
                               upper_nan ? "untouched" : "written", worst);
                    else ++fpt_fail_count;
                }
                free(a1); free(a2); free(b0); free(b1); free(b2); free(Mr); free(A0);
            }
}

static void FN(api_mat_lstsq_views_equal_lstsq_and_fit)(void)
{
    enum { NRHS = 3 };
    static const int sizes[2][2] = { { 7, 5 }, { 13, 9 } };
    int s, la, lb, bad = 0;
    fpt_rng g = { 205 };
    for (s = 0; s < 2; ++s)
        for (la = 0; la < API_LAYOUTS; ++la)
            for (lb = 0; lb < API_LAYOUTS; ++lb) {
                int m = sizes[s][0], n = sizes[s][1], i, j, p;
                size_t lenA = api_len(m, n), lenB = api_len(m, NRHS);
                FT *a1 = FN(api_nan_buffer)(lenA), *a2 = FN(api_nan_buffer)(lenA), *b0 = FN(api_nan_buffer)(lenB),
                   *b1 = FN(api_nan_buffer)(lenB), *b2 = FN(api_nan_buffer)(lenB), tau1[9], tau2[9];
                double *A0 = malloc(sizeof(double) * (size_t)(m * n)), anorm = 0, worst = 0;
                FM A1 = FN(api_layout)(a1, m, n, la), A2, B0 = FN(api_layout)(b0, m, NRHS, lb), B1, B2;
                fp_status s1, s2;
                FN(api_random_view)(A1, &g);
                FN(api_random_view)(B0, &g);
                FN(api_view_to_double)(A1, A0);
                for (i = 0; i < m * n; ++i) anorm += A0[i] * A0[i];
                anorm = sqrt(anorm);
                memcpy(a2, a1, lenA * sizeof(FT));
                memcpy(b1, b0, lenB * sizeof(FT));
                memcpy(b2, b0, lenB * sizeof(FT));
                A2 = FN(api_rebase)(A1, a1, a2);
                B1 = FN(api_rebase)(B0, b0, b1);
                B2 = FN(api_rebase)(B0, b0, b2);
                s1 = FN(fp_lstsq)(m, n, NRHS, A1.data, A1.rs, A1.cs, B1.data, B1.rs, B1.cs, tau1);
                s2 = FN(fp_mat_lstsq)(A2, B2, tau2);
                /* Householder least squares is backward stable (Higham, Thm 20.3): x solves the problem for A + dA,
                 * b + db with |da_j| <= gam |a_j|, |db| <= gam |b|, gam = c m n u (c = 8 here: 4 m n eps). So
                 * |(A^T r)_j| <= gam |a_j| (|r| + |A|_F |x| + |b|), and the rows n..m-1 of Q^T b (the residual of
                 * the perturbed problem) have a norm within gam (|A|_F |x| + |b|) of |r|. */
                for (p = 0; p < NRHS; ++p) {
                    double r[13], rn = 0, xn = 0, bn = 0, tail = 0, gam = 4.0 * m * n * (double)FT_EPS, e;
                    for (i = 0; i < m; ++i) {
                        r[i] = -(double)AT(B0, i, p);
                        for (j = 0; j < n; ++j) r[i] += A0[i * n + j] * (double)AT(B2, j, p);
                        rn += r[i] * r[i];
                        bn += (double)AT(B0, i, p) * (double)AT(B0, i, p);
                    }
                    for (j = 0; j < n; ++j) xn += (double)AT(B2, j, p) * (double)AT(B2, j, p);
                    for (i = n; i < m; ++i) tail += (double)AT(B2, i, p) * (double)AT(B2, i, p);
                    rn = sqrt(rn); xn = sqrt(xn); bn = sqrt(bn); tail = sqrt(tail);
                    for (j = 0; j < n; ++j) {
                        double atr = 0, an = 0;
                        for (i = 0; i < m; ++i) { atr += A0[i * n + j] * r[i]; an += A0[i * n + j] * A0[i * n + j]; }
                        an = sqrt(an);
                        e = fabs(atr) / (gam * an * (rn + anorm * xn + bn) + (m + n + 2) * DBL_EPSILON * an * (anorm * xn + bn) + 1e-300);
                        if (!(e <= worst)) worst = e;
                    }
                    e = fabs(tail - rn) / (gam * (anorm * xn + bn) + 1e-300);
                    if (!(e <= worst)) worst = e;
                }
                if (s1 != FP_OK || s2 != FP_OK || memcmp(a1, a2, lenA * sizeof(FT)) != 0 || memcmp(b1, b2, lenB * sizeof(FT)) != 0 ||
                    memcmp(tau1, tau2, (size_t)n * sizeof(FT)) != 0 || !FN(api_outside_untouched)(b2, b0, lenB, B2) || !(worst <= 1)) {
                    if (bad++ < 5)
                        CHECKF(0, "%dx%d, A %s, B %s: %s %s, factors %s, solution %s, tau %s, fit %.3g of the bound", m, n,
                               api_layout_name[la], api_layout_name[lb], fp_status_str(s1), fp_status_str(s2),
                               memcmp(a1, a2, lenA * sizeof(FT)) ? "differ" : "equal", memcmp(b1, b2, lenB * sizeof(FT)) ? "differs" : "equal",
                               memcmp(tau1, tau2, (size_t)n * sizeof(FT)) ? "differs" : "equal", worst);
                    else ++fpt_fail_count;
                }
                free(a1); free(a2); free(b0); free(b1); free(b2); free(A0);
            }
}

/* the map's function: counts its calls through ctx */
static FT FN(api_map_fn)(FT x, void *ctx)
{
    ++*(long *)ctx;
    return x * x - (FT)0.5;
}

static void FN(api_mat_elementwise_views_match_loops)(void)
{
    static const int sizes[4][2] = { { 7, 5 }, { 13, 11 }, { 1, 9 }, { 9, 1 } };
    int s, la, lb, bad = 0;
    fpt_rng g = { 206 };
    for (s = 0; s < 4; ++s)
        for (la = 0; la < API_LAYOUTS; ++la)
            for (lb = 0; lb < API_LAYOUTS; ++lb) {
                int m = sizes[s][0], n = sizes[s][1], i, j, ok = 1, ls = (la + lb) % 3;
                size_t len = api_len(m, n), lenS = (size_t)(3 * m + 3);
                FT *ab = FN(api_nan_buffer)(len), *bb = FN(api_nan_buffer)(len), *b0 = FN(api_nan_buffer)(len),
                   *sb = FN(api_nan_buffer)(lenS), *s0 = FN(api_nan_buffer)(lenS);
                FM A = FN(api_layout)(ab, m, n, la), Bv = FN(api_layout)(bb, m, n, lb), S;
                ptrdiff_t incs;
                long calls = 0, dummy = 0;
                double nrm = 0, worst = 0;
                FT v;
                FN(api_random_view)(A, &g);
                memcpy(b0, bb, len * sizeof(FT));
                /* copy: every element bit for bit, nothing outside B */
                ok &= FN(fp_mat_copy)(A, Bv) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) ok &= memcmp(&AT(Bv, i, j), &AT(A, i, j), sizeof(FT)) == 0;
                ok &= FN(api_outside_untouched)(bb, b0, len, Bv);
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s -> %s: fp_mat_copy", m, n, api_layout_name[la], api_layout_name[lb]);
                /* scale: one rounding per element, as the loop's; alpha 0 writes exact zeros over NaN */
                ok = FN(fp_mat_scale)(Bv, (FT)0.3) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) { v = AT(A, i, j) * (FT)0.3; ok &= memcmp(&AT(Bv, i, j), &v, sizeof(FT)) == 0; }
                AT(Bv, 0, 0) = (FT)NAN;
                ok &= FN(fp_mat_scale)(Bv, (FT)0) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) ok &= AT(Bv, i, j) == 0;
                ok &= FN(api_outside_untouched)(bb, b0, len, Bv);
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s: fp_mat_scale", m, n, api_layout_name[lb]);
                /* fill */
                ok = FN(fp_mat_fill)(Bv, (FT)2.5) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) ok &= AT(Bv, i, j) == (FT)2.5;
                ok &= FN(api_outside_untouched)(bb, b0, len, Bv);
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s: fp_mat_fill", m, n, api_layout_name[lb]);
                /* axpby: alpha 0.5, beta -2 make both products exact, so the one rounding of the sum is the
                 * loop's (fused or not); beta 0 overwrites NaN; alpha 0.3, beta 0.7 within 2 roundings */
                FN(api_random_view)(Bv, &g);
                memcpy(b0, bb, len * sizeof(FT));
                ok = FN(fp_mat_axpby)((FT)0.5, A, (FT)-2, Bv) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) {
                        FT old = AT(FN(api_rebase)(Bv, bb, b0), i, j);
                        v = (FT)0.5 * AT(A, i, j) + (FT)-2 * old;
                        ok &= memcmp(&AT(Bv, i, j), &v, sizeof(FT)) == 0;
                    }
                memcpy(bb, b0, len * sizeof(FT));
                ok &= FN(fp_mat_axpby)((FT)0.3, A, (FT)0.7, Bv) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) {
                        double a_ = (double)AT(A, i, j), b_ = (double)AT(FN(api_rebase)(Bv, bb, b0), i, j);
                        double want = (double)(FT)0.3 * a_ + (double)(FT)0.7 * b_;
                        double bound = 2 * (double)FT_EPS * (fabs((double)(FT)0.3 * a_) + fabs((double)(FT)0.7 * b_)) + 1e-300; /* 3 + 3 roundings */
                        ok &= fabs((double)AT(Bv, i, j) - want) <= bound;
                    }
                FN(fp_mat_fill)(Bv, (FT)NAN);
                ok &= FN(fp_mat_axpby)((FT)0.5, A, (FT)0, Bv) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) { v = (FT)0.5 * AT(A, i, j); ok &= memcmp(&AT(Bv, i, j), &v, sizeof(FT)) == 0; }
                /* B may be A itself */
                memcpy(b0, ab, len * sizeof(FT));
                ok &= FN(fp_mat_axpby)((FT)0.5, A, (FT)-2, A) == FP_OK;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) {
                        FT old = AT(FN(api_rebase)(A, ab, b0), i, j);
                        v = (FT)0.5 * old + (FT)-2 * old;
                        ok &= memcmp(&AT(A, i, j), &v, sizeof(FT)) == 0;
                    }
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s, %s: fp_mat_axpby", m, n, api_layout_name[la], api_layout_name[lb]);
                /* map: f once per element with the context, B = f(A) bit for bit, in place too */
                memcpy(b0, ab, len * sizeof(FT));
                ok = FN(fp_mat_map)(A, Bv, FN(api_map_fn), &calls) == FP_OK && calls == (long)m * n;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) { v = FN(api_map_fn)(AT(A, i, j), &dummy); ok &= memcmp(&AT(Bv, i, j), &v, sizeof(FT)) == 0; }
                ok &= FN(fp_mat_map)(A, A, FN(api_map_fn), &calls) == FP_OK && calls == 2L * m * n;
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) ok &= memcmp(&AT(A, i, j), &AT(Bv, i, j), sizeof(FT)) == 0;
                ok &= FN(api_outside_untouched)(ab, b0, len, A);
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s, %s: fp_mat_map", m, n, api_layout_name[la], api_layout_name[lb]);
                /* norm_fro: accumulated in float64, so m n + 1 roundings of float64 and one of the type */
                for (i = 0; i < m; ++i)
                    for (j = 0; j < n; ++j) nrm += (double)AT(A, i, j) * (double)AT(A, i, j);
                nrm = sqrt(nrm);
                v = FN(fp_mat_norm_fro)(A);
                ok = fabs((double)v - nrm) <= ((double)FT_EPS + (m * n + 2) * DBL_EPSILON) * nrm;
                /* all_finite: NaN around the view is not the view's; NaN or Inf inside is */
                ok &= FN(fp_mat_all_finite)(A) == 1;
                v = AT(A, m - 1, n - 1);
                AT(A, m - 1, n - 1) = (FT)INFINITY;
                ok &= FN(fp_mat_all_finite)(A) == 0;
                AT(A, m - 1, n - 1) = (FT)NAN;
                ok &= FN(fp_mat_all_finite)(A) == 0;
                AT(A, m - 1, n - 1) = v;
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s: fp_mat_norm_fro / all_finite", m, n, api_layout_name[la]);
                /* row_sum: n - 1 sums in the type */
                S = FN(api_vec_layout)(sb, m, ls, &incs);
                memcpy(s0, sb, lenS * sizeof(FT));
                ok = FN(fp_mat_row_sum)(A, S) == FP_OK;
                for (i = 0; i < m; ++i) {
                    double sum = 0, mag = 0, e;
                    for (j = 0; j < n; ++j) { sum += (double)AT(A, i, j); mag += fabs((double)AT(A, i, j)); }
                    e = fabs((double)sb[i * incs] - sum) / (n * (double)FT_EPS * mag + 1e-300);
                    if (!(e <= worst)) worst = e;
                }
                ok &= worst <= 1 && FN(api_outside_untouched)(sb, s0, lenS, S);
                if (!ok && bad++ < 5) CHECKF(0, "%dx%d, %s, s layout %d: fp_mat_row_sum (%.3g of the bound)", m, n, api_layout_name[la], ls, worst);
                free(ab); free(bb); free(b0); free(sb); free(s0);
            }
    if (bad > 5) fpt_fail_count += bad - 5;
}

static void FN(api_view_constructors_fill_documented_fields)(void)
{
    FT buf[80];
    FM a = FN(fp_mat_rowmajor)(buf, 3, 4), b = FN(fp_mat_colmajor)(buf, 3, 4), c = FN(fp_mat_strided)(buf, 6, 7, 10, 2);
    FM v = FN(fp_mat_vec)(buf + 1, 5), t = FN(fp_mat_trans)(c), k = FN(fp_mat_block)(c, 2, 3, 3, 4), kt = FN(fp_mat_block)(t, 1, 2, 5, 4);
    FM whole = FN(fp_mat_block)(c, 0, 0, 6, 7), none = FN(fp_mat_rowmajor)(NULL, 0, 0);
    CHECK(a.data == buf && a.rows == 3 && a.cols == 4 && a.rs == 4 && a.cs == 1);
    CHECK(b.data == buf && b.rows == 3 && b.cols == 4 && b.rs == 1 && b.cs == 3);
    CHECK(c.data == buf && c.rows == 6 && c.cols == 7 && c.rs == 10 && c.cs == 2);
    CHECK(v.data == buf + 1 && v.rows == 5 && v.cols == 1 && v.rs == 1 && v.cs == 1);
    CHECK(t.data == buf && t.rows == 7 && t.cols == 6 && t.rs == 2 && t.cs == 10);
    CHECK(k.data == buf + 2 * 10 + 3 * 2 && k.rows == 3 && k.cols == 4 && k.rs == 10 && k.cs == 2);
    CHECK(kt.data == buf + 1 * 2 + 2 * 10 && kt.rows == 5 && kt.cols == 4 && kt.rs == 2 && kt.cs == 10);
    CHECK(whole.data == buf && whole.rows == 6 && whole.cols == 7 && whole.rs == 10 && whole.cs == 2);
    CHECK(none.data == NULL && none.rows == 0 && none.cols == 0);
    /* the element rule: (i, j) of a block is (i + 2, j + 3) of its parent */
    CHECK(&AT(k, 2, 3) == &AT(c, 4, 6) && &AT(FN(fp_mat_trans)(k), 3, 2) == &AT(c, 4, 6));
}

static void FN(api_block_outside_its_view_is_usage_error)(void)
{
    static const int cases[6][4] = { { 4, 0, 3, 1 }, { 0, 5, 1, 3 }, { -1, 0, 1, 1 }, { 0, -1, 1, 1 }, { 0, 0, 7, 1 }, { 0, 0, -1, 2 } };
    FT buf[80];
    FM c = FN(fp_mat_strided)(buf, 6, 7, 10, 2), k;
    int i;
    for (i = 0; i < 6; ++i) {
        k = FN(fp_mat_strided)(buf, 9, 9, 9, 9);
        EXPECT_USAGE_STMT(k = FN(fp_mat_block)(c, cases[i][0], cases[i][1], cases[i][2], cases[i][3]));
        CHECKF(k.data == NULL && k.rows == 0 && k.cols == 0, "block (%d, %d, %d x %d) of 6 x 7: not the empty view", cases[i][0],
               cases[i][1], cases[i][2], cases[i][3]);
        CHECKF(strstr(fpt_usage_msg, FPT_API_PASS == 64 ? "fp_mat_block_f64" : "fp_mat_block_f32") != NULL, "%s", fpt_usage_msg);
    }
    EXPECT_USAGE_STMT(k = FN(fp_mat_block)(FN(fp_mat_rowmajor)(NULL, 3, 3), 0, 0, 1, 1)); /* no data */
    CHECK(k.data == NULL);
    /* the largest block that fits is not an error */
    k = FN(fp_mat_block)(c, 5, 6, 1, 1);
    CHECK(k.data == &AT(c, 5, 6) && k.rows == 1 && k.cols == 1);
}

/* op on the empty view e with FP_ASSERT and usage errors caught (both jump back here while
 * fpt_assert_armed): its status, FP_ERR_USAGE after a usage error (the text in fpt_usage_msg), or
 * API_ASSERTED. The second operand of copy is a view of scratch with e's shape and strides; of axpby and
 * map, e itself; the product writes C = e from A (e.rows x 2) and B (2 x e.cols) in scratch. */
static int FN(api_empty_probe)(int op, FM e, FT *scratch)
{
    volatile int st = API_ASSERTED;
    long calls = 0;
    fpt_usage_msg[0] = 0;
    fpt_usage_returning = 1;
    fpt_assert_armed = 1;
    if (setjmp(fpt_assert_jmp) == 0) {
        switch (op) {
        case 0: st = FN(fp_mat_fill)(e, (FT)1); break;
        case 1: st = FN(fp_mat_scale)(e, (FT)2); break;
        case 2: st = FN(fp_mat_copy)(e, FN(fp_mat_strided)(scratch, e.rows, e.cols, e.rs, e.cs)); break;
        case 3: st = FN(fp_mat_axpby)((FT)1, e, (FT)1, e); break;
        case 4: st = FN(fp_mat_map)(e, e, FN(api_map_fn), &calls); break;
        default:
            st = FN(fp_mat_mul)((FT)1, FN(fp_mat_rowmajor)(scratch, e.rows, 2), FN(fp_mat_rowmajor)(scratch + 16, 2, e.cols), (FT)1, e);
            break;
        }
    } else
        st = fpt_usage_msg[0] ? FP_ERR_USAGE : API_ASSERTED;
    fpt_assert_armed = 0;
    fpt_usage_returning = 0;
    return st == FP_OK && calls != 0 ? API_ASSERTED - 1 : st; /* the map must not call f */
}

/* Empty views are views: a required one needs data, and its strides along an empty dimension mean nothing
 * (fp_mat_rowmajor(p, m, 0) has rs = 0, fp_mat_colmajor(p, 0, n) has cs = 0). */
static void FN(api_empty_views_accepted)(void)
{
    enum { M = 4, N = 3 };
    static const char *const opname[6] = { "fp_mat_fill", "fp_mat_scale", "fp_mat_copy", "fp_mat_axpby", "fp_mat_map", "fp_mat_mul (as C)" };
    static const char *const plain_name[2] = { "0 x 3 row-major view", "4 x 0 column-major view" };
    static const char *const degenerate_name[2] = { "4 x 0 row-major view (rs 0)", "0 x 3 column-major view (cs 0)" };
    FT dummy[4] = { (FT)API_SENTINEL, (FT)API_SENTINEL, (FT)API_SENTINEL, (FT)API_SENTINEL }, c[M * N], c0[M * N], y[M], s[M], scratch[32];
    FM mx0 = FN(fp_mat_rowmajor)(dummy, M, 0); /* rs = 0 */
    FM zx3 = FN(fp_mat_colmajor)(dummy, 0, N); /* cs = 0 */
    FM plain[2], degenerate[2];
    FM C = FN(fp_mat_rowmajor)(c, M, N);
    fpt_rng g = { 207 };
    int i, v, op, st, ok = 1;
    plain[0] = FN(fp_mat_rowmajor)(dummy, 0, N);
    plain[1] = FN(fp_mat_colmajor)(dummy, M, 0);
    degenerate[0] = mx0;
    degenerate[1] = zx3;
    for (i = 0; i < 32; ++i) scratch[i] = (FT)(i % 5);
    CHECK(mx0.rs == 0 && zx3.cs == 0);
    for (v = 0; v < 2; ++v) {
        char refused[512];
        size_t used = 0;
        refused[0] = 0;
        for (op = 0; op < 6; ++op) {
            st = FN(api_empty_probe)(op, plain[v], scratch);
            CHECKF(st == FP_OK, "%s on a %s: %d %s", opname[op], plain_name[v], st, st == FP_ERR_USAGE ? fpt_usage_msg : "");
            st = FN(api_empty_probe)(op, degenerate[v], scratch);
            if (st != FP_OK && used < sizeof refused)
                used += (size_t)snprintf(refused + used, sizeof refused - used, "%s%s (%s)", used ? ", " : "", opname[op],
                                         st == API_ASSERTED ? "internal FP_ASSERT" : st == FP_ERR_USAGE ? fpt_usage_msg : "f called");
        }
        CHECKF(refused[0] == 0, "a %s: %s", degenerate_name[v], refused[0] ? refused : "every call returns FP_OK");
    }
    for (i = 0; i < 4; ++i) CHECK(dummy[i] == (FT)API_SENTINEL);
    /* the reductions take the degenerate ones */
    CHECK(FN(fp_mat_norm_fro)(mx0) == 0 && FN(fp_mat_norm_fro)(zx3) == 0);
    CHECK(FN(fp_mat_all_finite)(mx0) == 1 && FN(fp_mat_all_finite)(zx3) == 1);
    for (i = 0; i < M; ++i) s[i] = (FT)NAN;
    CHECK(FN(fp_mat_row_sum)(mx0, FN(fp_mat_vec)(s, M)) == FP_OK); /* s = A 1 of an M x 0 A: zeros */
    for (i = 0; i < M; ++i) CHECK(s[i] == 0);
    /* C = alpha A B + beta C with k = 0 (A M x 0 with rs 0, B 0 x N with cs 0): beta C, A and B not read */
    for (i = 0; i < M * N; ++i) c0[i] = c[i] = (FT)fpt_uniform(&g);
    CHECK(FN(fp_mat_mul)((FT)3, mx0, zx3, (FT)0.5, C) == FP_OK);
    for (i = 0; i < M * N; ++i) ok &= c[i] == c0[i] * (FT)0.5;
    CHECK(FN(fp_mat_mul_ws)((FT)3, mx0, zx3, (FT)-2, C, NULL) == FP_OK);
    for (i = 0; i < M * N; ++i) ok &= c[i] == c0[i] * (FT)0.5 * (FT)-2;
    for (i = 0; i < M * N; ++i) c[i] = (FT)NAN;
    CHECK(FN(fp_mat_mul)((FT)3, mx0, zx3, (FT)0, C) == FP_OK); /* beta 0: zeros, the NaN in C not read */
    for (i = 0; i < M * N; ++i) ok &= c[i] == 0;
    CHECKF(ok, "k = 0 did not leave beta C");
    /* y = alpha A x + beta y with an empty x: beta y */
    for (i = 0; i < M; ++i) y[i] = (FT)(i + 1);
    CHECK(FN(fp_mat_mulv)((FT)1, mx0, FN(fp_mat_vec)(dummy, 0), (FT)0.5, FN(fp_mat_vec)(y, M)) == FP_OK);
    for (i = 0; i < M; ++i) CHECK(y[i] == (FT)0.5 * (FT)(i + 1));
    /* a required view needs data even when empty */
    EXPECT_USAGE(FN(fp_mat_fill)(FN(fp_mat_rowmajor)(NULL, 0, N), (FT)1));
}

/* R and G as the left and right halves of one row-major N x 2B buffer share no element: the solve takes
 * them (an address-range check in GEMM used to refuse them) and gives what it gives in two separate buffers of the same
 * layout, bit for bit, for every method and either order, writing nothing outside the views. (Against
 * compact N x B buffers R is bit-identical too, but G need not be: the vectorized tanh runs over
 * contiguous rows as one long row, so a G whose rows are apart takes the scalar tail on other elements.) */
static void FN(api_interleaved_r_and_g_solve_like_separate_buffers)(void)
{
    enum { N = 12, B = 5, LD = 2 * B };
    static const fp_solver_method methods[4] = { FP_SOLVER_EULER, FP_SOLVER_DAMPED, FP_SOLVER_ANDERSON, FP_SOLVER_NEWTON };
    fpt_rng rng = { 208 };
    double *wd = fpt_randn(N, N, 0.6, &rng);
    FT w[N * N], x[N * B], r[N * B], buf[N * LD], rb[N * LD], gb[N * LD];
    int m, order, i, j;
    for (i = 0; i < N * N; ++i) w[i] = (FT)wd[i];
    for (i = 0; i < N * B; ++i) x[i] = (FT)fpt_uniform(&rng);
    for (m = 0; m < 4; ++m)
        for (order = 0; order < 2; ++order) {
            fp_solver_config c = fp_solver_config_default(methods[m]);
            int offr = order ? B : 0, offg = order ? 0 : B, same = 1, apart = 1;
            FM W = FN(fp_mat_rowmajor)(w, N, N), X = FN(fp_mat_rowmajor)(x, N, B);
            FM R = FN(fp_mat_strided)(buf + offr, N, B, LD, 1), G = FN(fp_mat_strided)(buf + offg, N, B, LD, 1);
            FM Rs = FN(fp_mat_strided)(rb + offr, N, B, LD, 1), Gs = FN(fp_mat_strided)(gb + offg, N, B, LD, 1);
            fp_status s1, s2, s3;
            for (i = 0; i < N * LD; ++i) rb[i] = gb[i] = (FT)API_SENTINEL;
            s1 = FN(fp_solve)(&c, NULL, W, X, Rs, Gs, NULL, NULL);
            s2 = FN(fp_solve)(&c, NULL, W, X, R, G, NULL, NULL);
            s3 = FN(fp_solve)(&c, NULL, W, X, FN(fp_mat_rowmajor)(r, N, B), FN(fp_mat_rowmajor)(NULL, 0, 0), NULL, NULL);
            for (i = 0; i < N; ++i)
                for (j = 0; j < B; ++j) {
                    same &= memcmp(&AT(R, i, j), &AT(Rs, i, j), sizeof(FT)) == 0 && memcmp(&AT(G, i, j), &AT(Gs, i, j), sizeof(FT)) == 0 &&
                            memcmp(&AT(R, i, j), &r[i * B + j], sizeof(FT)) == 0;
                    apart &= rb[i * LD + offg + j] == (FT)API_SENTINEL && gb[i * LD + offr + j] == (FT)API_SENTINEL;
                }
            CHECKF(s1 == FP_OK && s2 == FP_OK && s3 == FP_OK && same && apart, "method %d, %s: %s / %s / %s, R and G %s, %s", m,
                   order ? "G | R" : "R | G", fp_status_str(s1), fp_status_str(s2), fp_status_str(s3), same ? "equal" : "differ",
                   apart ? "nothing written beside them" : "written beside them");
        }
    free(wd);
}

/* R and V as the two halves of one buffer in fp_implicit_grad (with dW asked for): V and dW as with
 * separate buffers of the same layout, R read only */
static void FN(api_interleaved_r_and_v_implicit_grad_like_separate_buffers)(void)
{
    enum { N = 12, B = 4, LD = 2 * B };
    fpt_rng rng = { 209 };
    double *wd = fpt_randn(N, N, 0.6, &rng);
    FT w[N * N], x[N * B], r[N * B], g[N * B], d[N * B], dw1[N * N], dw2[N * N], buf[N * LD], rb[N * LD], vb[N * LD];
    int meth, order, i, j;
    for (i = 0; i < N * N; ++i) w[i] = (FT)wd[i];
    for (i = 0; i < N * B; ++i) { x[i] = (FT)fpt_uniform(&rng); d[i] = (FT)fpt_uniform(&rng); }
    CHECK(FN(fp_solve)(NULL, NULL, FN(fp_mat_rowmajor)(w, N, N), FN(fp_mat_rowmajor)(x, N, B), FN(fp_mat_rowmajor)(r, N, B),
                       FN(fp_mat_rowmajor)(g, N, B), NULL, NULL) == FP_OK);
    for (meth = FP_ADJOINT_DIRECT; meth <= FP_ADJOINT_ITERATIVE; ++meth)
        for (order = 0; order < 2; ++order) {
            fp_adjoint_config ac = fp_adjoint_config_default();
            int offr = order ? B : 0, offv = order ? 0 : B, same = 1, apart = 1;
            FM W = FN(fp_mat_rowmajor)(w, N, N), G = FN(fp_mat_rowmajor)(g, N, B), D = FN(fp_mat_rowmajor)(d, N, B);
            FM Ri = FN(fp_mat_strided)(buf + offr, N, B, LD, 1), Vi = FN(fp_mat_strided)(buf + offv, N, B, LD, 1);
            FM Rs = FN(fp_mat_strided)(rb + offr, N, B, LD, 1), Vs = FN(fp_mat_strided)(vb + offv, N, B, LD, 1);
            fp_status s1, s2;
            ac.method = (fp_adjoint_method)meth;
            for (i = 0; i < N * LD; ++i) rb[i] = vb[i] = (FT)API_SENTINEL;
            for (i = 0; i < N; ++i)
                for (j = 0; j < B; ++j) AT(Ri, i, j) = AT(Rs, i, j) = r[i * B + j];
            s1 = FN(fp_implicit_grad)(&ac, W, Rs, G, D, Vs, FN(fp_mat_rowmajor)(dw1, N, N), NULL, NULL);
            s2 = FN(fp_implicit_grad)(&ac, W, Ri, G, D, Vi, FN(fp_mat_rowmajor)(dw2, N, N), NULL, NULL);
            for (i = 0; i < N; ++i)
                for (j = 0; j < B; ++j) {
                    same &= memcmp(&AT(Vi, i, j), &AT(Vs, i, j), sizeof(FT)) == 0 && AT(Ri, i, j) == r[i * B + j];
                    apart &= rb[i * LD + offv + j] == (FT)API_SENTINEL && vb[i * LD + offr + j] == (FT)API_SENTINEL;
                }
            same &= memcmp(dw1, dw2, sizeof dw1) == 0;
            CHECKF(s1 == FP_OK && s2 == FP_OK && same && apart, "adjoint method %d, %s: %s / %s, V and dW %s, %s", meth,
                   order ? "V | R" : "R | V", fp_status_str(s1), fp_status_str(s2), same ? "equal" : "differ",
                   apart ? "nothing written beside them" : "written beside them");
        }
    free(wd);
}

/* A NaN or Inf among the census's initial states is the caller's data: FP_ERR_NON_FINITE before anything
 * is written (it used to run them and return FP_OK, the bad run counted as diverged) */
static void FN(api_census_refuses_non_finite_starts)(void)
{
    enum { N = 6, K = 4 };
    fpt_rng rng = { 210 };
    double *wd = fpt_randn(N, N, 0.8, &rng);
    FT w[N * N], x[N], r[N * K], r0[N * K];
    fp_attractor out[K];
    fp_census cs;
    int lab[K], i, bad;
    for (i = 0; i < N * N; ++i) w[i] = (FT)wd[i];
    for (i = 0; i < N; ++i) x[i] = (FT)(0.5 * fpt_uniform(&rng));
    for (bad = 0; bad < 2; ++bad) {
        fp_status st;
        for (i = 0; i < N * K; ++i) r0[i] = (FT)fpt_uniform(&rng);
        r0[2 * K + 1] = bad ? (FT)INFINITY : (FT)NAN;
        memcpy(r, r0, sizeof r);
        for (i = 0; i < K; ++i) lab[i] = -7;
        memset(&cs, 0xA5, sizeof cs);
        st = FN(fp_census)(NULL, NULL, FN(fp_mat_rowmajor)(w, N, N), FN(fp_mat_vec)(x, N), FN(fp_mat_rowmajor)(r, N, K), out, K, lab, &cs);
        CHECKF(st == FP_ERR_NON_FINITE, "%s in a start: %s", bad ? "Inf" : "NaN", fp_status_str(st));
        CHECKF(memcmp(r, r0, sizeof r) == 0, "the starts were overwritten");
        for (i = 0; i < K; ++i) CHECK(lab[i] == -7);
        CHECK(cs.runs == (int)0xA5A5A5A5 && cs.attractors == (int)0xA5A5A5A5);
        r0[2 * K + 1] = 0; /* and finite starts run */
        memcpy(r, r0, sizeof r);
        st = FN(fp_census)(NULL, NULL, FN(fp_mat_rowmajor)(w, N, N), FN(fp_mat_vec)(x, N), FN(fp_mat_rowmajor)(r, N, K), out, K, lab, &cs);
        CHECKF(st == FP_OK && cs.runs == K && cs.diverged == 0, "finite starts: %s, %d diverged", fp_status_str(st), cs.diverged);
    }
    free(wd);
}

/* max |x_i| with a NaN anywhere is NaN (it used to be replaced by any later number) */
static void FN(api_vec_max_abs_keeps_nan_anywhere)(void)
{
    FT v[3][3] = { { (FT)NAN, 1, 2 }, { 1, (FT)NAN, 2 }, { 1, 2, (FT)NAN } }, s[6] = { 1, (FT)NAN, -3, (FT)NAN, 2, (FT)NAN };
    FT inf[3] = { 1, -(FT)INFINITY, 2 };
    int k;
    for (k = 0; k < 3; ++k) {
        FT m = FN(fp_vec_max_abs)(3, v[k], 1);
        CHECKF(m != m, "NaN at %d: %g", k, (double)m);
    }
    CHECK(FN(fp_vec_max_abs)(3, s, 2) == 3); /* the stride skips the NaN */
    CHECK(FN(fp_vec_max_abs)(3, inf, 1) == (FT)INFINITY);
    CHECK(FN(fp_vec_max_abs)(0, v[0], 1) == 0);
}

/* A NULL configuration in a workspace query means the zeroed one, which means the defaults */
static void FN(api_workspace_queries_take_null_config)(void)
{
    static const int nb[3][2] = { { 5, 3 }, { 40, 7 }, { 100, 2 } };
    int k;
    for (k = 0; k < 3; ++k) {
        int n = nb[k][0], b = nb[k][1];
        fp_solver_config sz, sd = fp_solver_config_default(FP_SOLVER_DEFAULT);
        fp_adjoint_config az, ad = fp_adjoint_config_default();
        fp_rule_config rz, rd = fp_rule_config_default();
        size_t s0, a0, r0;
        memset(&sz, 0, sizeof sz);
        memset(&az, 0, sizeof az);
        memset(&rz, 0, sizeof rz);
        s0 = FN(fp_solve_workspace_size)(NULL, n, b);
        a0 = FN(fp_adjoint_workspace_size)(NULL, n, b);
        r0 = FN(fp_rule_workspace_size)(NULL, n, b);
        CHECKF(s0 > 0 && s0 == FN(fp_solve_workspace_size)(&sz, n, b) && s0 == FN(fp_solve_workspace_size)(&sd, n, b),
               "solve, %d x %d: NULL %lu, zeroed %lu", n, b, (unsigned long)s0, (unsigned long)FN(fp_solve_workspace_size)(&sz, n, b));
        CHECKF(a0 > 0 && a0 == FN(fp_adjoint_workspace_size)(&az, n, b) && a0 == FN(fp_adjoint_workspace_size)(&ad, n, b),
               "adjoint, %d x %d: NULL %lu, zeroed %lu", n, b, (unsigned long)a0, (unsigned long)FN(fp_adjoint_workspace_size)(&az, n, b));
        CHECKF(r0 > 0 && r0 == FN(fp_rule_workspace_size)(&rz, n, b) && r0 == FN(fp_rule_workspace_size)(&rd, n, b),
               "rule, %d x %d: NULL %lu, zeroed %lu", n, b, (unsigned long)r0, (unsigned long)FN(fp_rule_workspace_size)(&rz, n, b));
        rz.rule = rd.rule = FP_RULE_DW1; /* dW1 with a zeroed adjoint and with the default one */
        CHECK(FN(fp_rule_workspace_size)(&rz, n, b) > 0 && FN(fp_rule_workspace_size)(&rz, n, b) == FN(fp_rule_workspace_size)(&rd, n, b));
    }
    /* and the NULL-sized block is enough: a solve in it allocates nothing */
    {
        enum { N = 8, B = 3 };
        FT w[N * N], x[N * B], r[N * B];
        void *ws = malloc(FN(fp_solve_workspace_size)(NULL, N, B));
        long calls;
        int i;
        for (i = 0; i < N * N; ++i) w[i] = (FT)(i % 7 == 0 ? 0.3 : -0.05);
        for (i = 0; i < N * B; ++i) x[i] = (FT)(0.1 * (i % 5));
        calls = fpt_alloc_calls;
        CHECK(FN(fp_solve)(NULL, NULL, FN(fp_mat_rowmajor)(w, N, N), FN(fp_mat_rowmajor)(x, N, B), FN(fp_mat_rowmajor)(r, N, B),
                           FN(fp_mat_rowmajor)(NULL, 0, 0), NULL, ws) == FP_OK);
        CHECK(fpt_alloc_calls == calls);
        free(ws);
    }
}

/* The report of fp_rule_dw carries the status and a sentence: dW2's system singular at the rate (dW
 * untouched), and a dW that overflows from finite inputs */
static void FN(api_rule_dw_report_carries_singular_and_overflow)(void)
{
    enum { N = 5, B = 2 };
    /* W = 0, G = 1: S = R, L = grad, so dW2's 1 x 1 system is 1 - lr r.grad = 1 - 0.5 * 2 = 0, exactly */
    FT w[N * N], r[N] = { 1, -1, (FT)0.5, (FT)0.25, 0 }, gr[N] = { 1, (FT)-0.5, 1, 0, 7 }, one[N] = { 1, 1, 1, 1, 1 }, dw[N * N];
    FT hw[N * N], hr[N * B], hg[N * B], hd[N * B];
    fp_rule_config rc;
    fp_solve_report rep;
    fp_status st;
    fpt_rng rng = { 211 };
    int i, rule;
    for (i = 0; i < N * N; ++i) { w[i] = 0; dw[i] = (FT)API_SENTINEL; }
    memset(&rc, 0, sizeof rc);
    rc.rule = FP_RULE_DW2;
    rc.lr = 0.5;
    memset(&rep, 0, sizeof rep);
    st = FN(fp_rule_dw)(&rc, FN(fp_mat_rowmajor)(w, N, N), FN(fp_mat_vec)(r, N), FN(fp_mat_vec)(one, N), FN(fp_mat_vec)(gr, N),
                        FN(fp_mat_rowmajor)(dw, N, N), &rep, NULL);
    CHECKF(st == FP_ERR_SINGULAR && rep.status == FP_ERR_SINGULAR && rep.message != NULL, "dW2 at lr = 1 / (r.grad): %s, rep %s, %s",
           fp_status_str(st), fp_status_str(rep.status), rep.message ? rep.message : "no message");
    for (i = 0; i < N * N; ++i) CHECK(dw[i] == (FT)API_SENTINEL);
    rc.lr = 0.25; /* elsewhere the system is regular */
    st = FN(fp_rule_dw)(&rc, FN(fp_mat_rowmajor)(w, N, N), FN(fp_mat_vec)(r, N), FN(fp_mat_vec)(one, N), FN(fp_mat_vec)(gr, N),
                        FN(fp_mat_rowmajor)(dw, N, N), &rep, NULL);
    CHECKF(st == FP_OK && rep.status == FP_OK && rep.message == NULL, "dW2 at lr = 0.25: %s", fp_status_str(st));
    /* huge finite W: dW overflows */
    for (i = 0; i < N * N; ++i) hw[i] = FT_HUGE * (FT)fpt_uniform(&rng);
    for (i = 0; i < N * B; ++i) { hr[i] = (FT)fpt_uniform(&rng); hg[i] = (FT)(0.5 + 0.4 * fpt_uniform(&rng)); hd[i] = (FT)fpt_uniform(&rng); }
    for (rule = FP_RULE_DEFAULT; rule <= FP_RULE_DW4; ++rule) {
        if (rule == FP_RULE_DW1 || rule == FP_RULE_DW2) continue; /* dW1: the adjoint's report; dW2: below */
        rc.rule = (fp_rule)rule;
        rc.lr = 0;
        memset(&rep, 0, sizeof rep);
        st = FN(fp_rule_dw)(&rc, FN(fp_mat_rowmajor)(hw, N, N), FN(fp_mat_rowmajor)(hr, N, B), FN(fp_mat_rowmajor)(hg, N, B),
                            FN(fp_mat_rowmajor)(hd, N, B), FN(fp_mat_rowmajor)(dw, N, N), &rep, NULL);
        CHECKF(st == FP_ERR_NON_FINITE && rep.status == FP_ERR_NON_FINITE && rep.message != NULL, "rule %d, W ~ %g: %s, rep %s, %s",
               rule, (double)FT_HUGE, fp_status_str(st), fp_status_str(rep.status), rep.message ? rep.message : "no message");
    }
    /* dW2 on the same inputs: S^T L overflows into its B x B system, whose LU refuses it */
    rc.rule = FP_RULE_DW2;
    rc.lr = 0.01;
    memset(&rep, 0, sizeof rep);
    st = FN(fp_rule_dw)(&rc, FN(fp_mat_rowmajor)(hw, N, N), FN(fp_mat_rowmajor)(hr, N, B), FN(fp_mat_rowmajor)(hg, N, B),
                        FN(fp_mat_rowmajor)(hd, N, B), FN(fp_mat_rowmajor)(dw, N, N), &rep, NULL);
    CHECKF(st == FP_ERR_NON_FINITE, "dW2, W ~ %g: %s", (double)FT_HUGE, fp_status_str(st));
    CHECKF(rep.status == st && rep.message != NULL, "fp_rule_dw dW2, W ~ %g: returns %s, rep.status %s, rep.message %s",
                  (double)FT_HUGE, fp_status_str(st), fp_status_str(rep.status), rep.message ? rep.message : "NULL");
}

#undef FM
#undef AT
#endif /* FPT_API_PASS */
