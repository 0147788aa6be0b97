/* Learning rules against the literal per-sample formulas of docs/THEORY.md (R1)-(R4), their
 * documented properties, the layer's files, the IDX reader and a short training run (float64). */
#include <stdio.h>
#include "util.h"
#include "../fixpoint.h"

/* Row-major views (inputs may be const: the library only reads them) and the absent view. */
static fp_mat_f64 rm64(const double *p, int rows, int cols) { return fp_mat_rowmajor_f64((double *)p, rows, cols); }
#define NONE64 fp_mat_rowmajor_f64(NULL, 0, 0)

extern size_t fpt_alloc_max;
extern long fpt_alloc_live;

/* A random tanh network at its fixed points with the cross-entropy gradient g = dL/dR. */
typedef struct net { int n, b; double *w, *x, *r, *g, *gr; } net;

static net net_make_ok(int n, int b, double rho, fp_act_kind act, unsigned long long seed, int *ok);
static net net_make(int n, int b, double rho, fp_act_kind act, unsigned long long seed)
{
    int ok = 1;
    net q = net_make_ok(n, b, rho, act, seed, &ok);
    CHECK(ok);
    return q;
}
/* ok = 0 when Newton from zero does not find a fixed point (strong coupling can defeat it) */
static net net_make_ok(int n, int b, double rho, fp_act_kind act, unsigned long long seed, int *ok)
{
    net q;
    fpt_rng rg = { seed };
    fp_activation a = fp_activation_make(act);
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_NEWTON);
    double *wout = fpt_randn(3, n, 1.0, &rg), loss = 0;
    void *work = malloc(fp_loss_xent_workspace_size_f64(3, b));
    int *lab = malloc(sizeof(int) * (size_t)b), j;
    q.n = n; q.b = b;
    q.w = fpt_randn(n, n, rho, &rg);
    q.x = fpt_randn(n, b, 1.0, &rg);
    q.r = malloc(sizeof(double) * (size_t)(n * b));
    q.g = malloc(sizeof(double) * (size_t)(n * b));
    q.gr = malloc(sizeof(double) * (size_t)(n * b));
    c.tol = 1e-14;
    for (j = 0; j < b; ++j) lab[j] = j % 3;
    *ok = fp_solve_f64(&c, &a, rm64(q.w, n, n), rm64(q.x, n, b), rm64(q.r, n, b), rm64(q.g, n, b), NULL, NULL) == FP_OK;
    /* (only when the solve succeeded: a failed one may leave a non-finite iterate, and the caller skips it) */
    if (*ok) CHECK(fp_loss_xent_f64(rm64(wout, 3, n), NULL, rm64(q.r, n, b), lab, rm64(q.gr, n, b), NONE64, NULL, &loss, NULL, work) == FP_OK);
    free(wout); free(work); free(lab);
    return q;
}
static void net_free(net *q) { free(q->w); free(q->x); free(q->r); free(q->g); free(q->gr); }

static void rule(const net *q, fp_rule k, double lr, double *dw)
{
    fp_rule_config rc;
    memset(&rc, 0, sizeof rc);
    rc.rule = k;
    rc.lr = lr;
    rc.adjoint = fp_adjoint_config_default();
    rc.adjoint.method = FP_ADJOINT_DIRECT;
    CHECK(fp_rule_dw_f64(&rc, rm64(q->w, q->n, q->n), rm64(q->r, q->n, q->b), rm64(q->g, q->n, q->b), rm64(q->gr, q->n, q->b),
                         rm64(dw, q->n, q->n), NULL, NULL) == FP_OK);
}

/* Literal per-sample formulas with explicit N x N matrices (inverse by LU of the explicit matrix). */
static void literal(const net *q, fp_rule k, double *dw)
{
    int n = q->n, b, i, j, p;
    double *M = malloc(sizeof(double) * (size_t)(n * n)), *inv = malloc(sizeof(double) * (size_t)(n * n));
    double *P = malloc(sizeof(double) * (size_t)(n * n)), *Q = malloc(sizeof(double) * (size_t)(n * n));
    double *lv = malloc(sizeof(double) * (size_t)n), *rv = malloc(sizeof(double) * (size_t)n), *t = malloc(sizeof(double) * (size_t)n);
    int *piv = malloc(sizeof(int) * (size_t)n);
    memset(dw, 0, sizeof(double) * (size_t)(n * n));
    for (b = 0; b < q->b; ++b) {
        const double *G = q->g, *g = q->gr, *r = q->r;
#define Gd(i) G[(i) * q->b + b]
#define gv(i) g[(i) * q->b + b]
#define rv_(i) r[(i) * q->b + b]
        if (k == FP_RULE_DW1) {
            /* G (I - W^T G)^{-1} g r^T with the inverse formed explicitly */
            for (i = 0; i < n; ++i) for (j = 0; j < n; ++j) M[i * n + j] = (i == j) - q->w[j * n + i] * Gd(j);
            for (i = 0; i < n; ++i) for (j = 0; j < n; ++j) inv[i * n + j] = i == j;
            CHECK(fp_lu_factor_f64(n, M, n, 1, piv) == FP_OK);
            fp_lu_solve_f64(FP_NOTRANS, n, n, M, n, 1, piv, inv, n, 1);
            for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += inv[i * n + j] * gv(j); lv[i] = Gd(i) * s; }
            for (i = 0; i < n; ++i) rv[i] = rv_(i);
        } else {
            /* P = I - W G (left metric factor), Q = I - G W (right) */
            for (i = 0; i < n; ++i)
                for (j = 0; j < n; ++j) { P[i * n + j] = (i == j) - q->w[i * n + j] * Gd(j); Q[i * n + j] = (i == j) - Gd(i) * q->w[i * n + j]; }
            if (k == FP_RULE_DW3) { /* [(I - W G) G g][(I - G W)^T (I - G W) r]^T */
                for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += P[i * n + j] * Gd(j) * gv(j); lv[i] = s; }
                for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += Q[i * n + j] * rv_(j); t[i] = s; }
                for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += Q[j * n + i] * t[j]; rv[i] = s; }
            } else { /* dW4 = [(I - W G) g][(I - W G)^T (I - W G) r]^T */
                for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += P[i * n + j] * gv(j); lv[i] = s; }
                for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += P[i * n + j] * rv_(j); t[i] = s; }
                for (i = 0; i < n; ++i) { double s = 0; for (j = 0; j < n; ++j) s += P[j * n + i] * t[j]; rv[i] = s; }
            }
        }
        for (i = 0; i < n; ++i) for (p = 0; p < n; ++p) dw[i * n + p] += lv[i] * rv[p];
#undef Gd
#undef gv
#undef rv_
    }
    free(M); free(inv); free(P); free(Q); free(lv); free(rv); free(t); free(piv);
}

static double rel(const double *a, const double *b, int len)
{
    double d = 0, s = 0;
    int i;
    for (i = 0; i < len; ++i) { d += (a[i] - b[i]) * (a[i] - b[i]); s += b[i] * b[i]; }
    return sqrt(d) / (sqrt(s) > 1e-300 ? sqrt(s) : 1e-300);
}
static double dot(const double *a, const double *b, int len)
{
    double s = 0;
    int i;
    for (i = 0; i < len; ++i) s += a[i] * b[i];
    return s;
}

static void batched_rules_match_literal_per_sample_formulas(void)
{
    static const fp_rule rs[] = { FP_RULE_DW1, FP_RULE_DW3, FP_RULE_DW4 };
    static const fp_act_kind acts[] = { FP_ACT_TANH, FP_ACT_LOGISTIC, FP_ACT_SOFTPLUS };
    size_t a, k;
    for (a = 0; a < 3; ++a) {
        net q = net_make(7, 3, 0.8, acts[a], 5u + a);
        double dw[49], ref[49];
        for (k = 0; k < 3; ++k) {
            rule(&q, rs[k], 0.0, dw);
            literal(&q, rs[k], ref);
            CHECKF(rel(dw, ref, 49) < 1e-12, "%s %s: batched vs literal %.3g", fp_activation_name(acts[a]),
                   fp_rule_name(rs[k]), rel(dw, ref, 49));
        }
        net_free(&q);
    }
}

/* dW1 is the gradient: central differences of L(W) along a random direction. */
static void dw1_matches_finite_differences(void)
{
    enum { N = 9, B = 3 };
    fpt_rng rg = { 99 };
    net q = net_make(N, B, 0.9, FP_ACT_TANH, 17);
    fp_activation a = fp_activation_make(FP_ACT_TANH);
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_NEWTON);
    double dw[N * N], d[N * N], wout[3 * N], r[N * B], lp = 0, lm = 0, h = 1e-6, an, fd;
    void *work = malloc(fp_loss_xent_workspace_size_f64(3, B));
    int lab[B] = { 0, 1, 2 }, i, s;
    fpt_rng rw = { 17 };
    free(fpt_randn(3, N, 1.0, &rw)); /* the same W_out draw order as net_make: regenerate it */
    rw.s = 17;
    {
        double *wo = fpt_randn(3, N, 1.0, &rw);
        memcpy(wout, wo, sizeof wout);
        free(wo);
    }
    rule(&q, FP_RULE_DW1, 0, dw);
    for (i = 0; i < N * N; ++i) d[i] = fpt_uniform(&rg);
    c.tol = 1e-15;
    for (s = -1; s <= 1; s += 2) {
        for (i = 0; i < N * N; ++i) q.w[i] += s * h * d[i];
        CHECK(fp_solve_f64(&c, &a, rm64(q.w, N, N), rm64(q.x, N, B), rm64(r, N, B), NONE64, NULL, NULL) == FP_OK);
        CHECK(fp_loss_xent_f64(rm64(wout, 3, N), NULL, rm64(r, N, B), lab, NONE64, NONE64, NULL, s < 0 ? &lm : &lp, NULL, work) == FP_OK);
        for (i = 0; i < N * N; ++i) q.w[i] -= s * h * d[i];
    }
    an = dot(dw, d, N * N);
    fd = (lp - lm) / (2 * h);
    CHECKF(fabs(an - fd) < 1e-7 * fabs(an), "dW1.D %.12g, finite difference %.12g", an, fd);
    free(work);
    net_free(&q);
}

/* dW2's Woodbury form against A' = A - lr Gr X^T, W' = I - A'^{-1} with explicit inverses (linear net). */
static void dw2_woodbury_matches_explicit_inverse_on_linear_networks(void)
{
    enum { N = 8, B = 3 };
    net q = net_make(N, B, 0.6, FP_ACT_IDENTITY, 23);
    double dw[N * N], A[N * N], M[N * N], Ai[N * N], ex[N * N], lr = 0.7;
    int piv[N], i, j, p;
    for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) M[i * N + j] = (i == j) - q.w[i * N + j];
    for (i = 0; i < N * N; ++i) A[i] = (i % (N + 1)) == 0;
    CHECK(fp_lu_factor_f64(N, M, N, 1, piv) == FP_OK);
    fp_lu_solve_f64(FP_NOTRANS, N, N, M, N, 1, piv, A, N, 1); /* A = (I - W)^{-1} */
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) {
            double s = 0;
            for (p = 0; p < B; ++p) s += q.gr[i * B + p] * q.x[j * B + p];
            A[i * N + j] -= lr * s; /* A' */
        }
    for (i = 0; i < N * N; ++i) Ai[i] = (i % (N + 1)) == 0;
    CHECK(fp_lu_factor_f64(N, A, N, 1, piv) == FP_OK);
    fp_lu_solve_f64(FP_NOTRANS, N, N, A, N, 1, piv, Ai, N, 1); /* A'^{-1} */
    for (i = 0; i < N; ++i)
        for (j = 0; j < N; ++j) ex[i * N + j] = (q.w[i * N + j] - ((i == j) - Ai[i * N + j])) / lr; /* (W - W')/lr */
    rule(&q, FP_RULE_DW2, lr, dw);
    CHECKF(rel(dw, ex, N * N) < 1e-10, "Woodbury vs explicit: %.3g", rel(dw, ex, N * N));
    net_free(&q);
}

static void dw2_tends_to_dw3_as_lr_vanishes(void)
{
    net q = net_make(10, 4, 0.8, FP_ACT_TANH, 31);
    double d2[100], d3[100], e1, e2;
    rule(&q, FP_RULE_DW3, 0, d3);
    rule(&q, FP_RULE_DW2, 1e-2, d2);
    e1 = rel(d2, d3, 100);
    rule(&q, FP_RULE_DW2, 1e-4, d2);
    e2 = rel(d2, d3, 100);
    printf("    |dW2 - dW3| / |dW3| at lr 1e-2: %.3g, at lr 1e-4: %.3g\n", e1, e2);
    CHECK(e2 < 1e-3 && e2 < 0.02 * e1);
    net_free(&q);
}

/* <dW_k, dW1> >= 0 per sample for k = 2, 3, 4 on many random tanh networks. */
static void rules_are_descent_directions(void)
{
    int t, neg[5] = { 0 }, k, used = 0;
    for (t = 0; t < 300; ++t) {
        int ok = 1;
        net q = net_make_ok(6, 1, 0.3 + 1.2 * (t % 10) / 10.0, FP_ACT_TANH, 1000u + (unsigned)t, &ok);
        double d1[36], dk[36];
        if (!ok) { net_free(&q); continue; }
        ++used;
        rule(&q, FP_RULE_DW1, 0, d1);
        for (k = 2; k <= 4; ++k) {
            rule(&q, (fp_rule)k, 1e-3, dk);
            if (dot(d1, dk, 36) < 0) ++neg[k];
        }
        net_free(&q);
    }
    printf("    %d random tanh networks (rho 0.3 .. 1.5) at their fixed points\n", used);
    CHECK(used >= 250);
    CHECKF(neg[2] + neg[3] + neg[4] == 0, "negative inner products: dW2 %d, dW3 %d, dW4 %d of %d", neg[2], neg[3], neg[4], used);
}

/* Linear network W = s u u^T / |u|^2: as s -> 1 the fixed point nears the bifurcation and |dW1| blows up
 * like 1/(1 - s)^2 while dW3 and dW4 stay bounded (the cross-entropy gradient g is bounded). */
static void near_bifurcation_dw1_grows_dw3_dw4_stay_bounded(void)
{
    enum { N = 6, B = 2 };
    static const double ss[] = { 0.9, 0.99, 0.999 };
    double n1[3], n3[3], n4[3];
    size_t k;
    for (k = 0; k < 3; ++k) {
        net q = net_make(N, B, 0.0, FP_ACT_IDENTITY, 41);
        fpt_rng rg = { 5 };
        double u[N], uu = 0, dw[N * N];
        fp_activation a = fp_activation_make(FP_ACT_IDENTITY);
        fp_solver_config c = fp_solver_config_default(FP_SOLVER_NEWTON);
        double wout[3 * N], loss = 0;
        void *work = malloc(fp_loss_xent_workspace_size_f64(3, B));
        int lab[B] = { 0, 1 }, i, j;
        for (i = 0; i < N; ++i) { u[i] = fpt_gauss(&rg); uu += u[i] * u[i]; }
        for (i = 0; i < 3 * N; ++i) wout[i] = fpt_gauss(&rg);
        for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) q.w[i * N + j] = ss[k] * u[i] * u[j] / uu;
        CHECK(fp_solve_f64(&c, &a, rm64(q.w, N, N), rm64(q.x, N, B), rm64(q.r, N, B), rm64(q.g, N, B), NULL, NULL) == FP_OK);
        CHECK(fp_loss_xent_f64(rm64(wout, 3, N), NULL, rm64(q.r, N, B), lab, rm64(q.gr, N, B), NONE64, NULL, &loss, NULL, work) == FP_OK);
        rule(&q, FP_RULE_DW1, 0, dw); n1[k] = fp_mat_norm_fro_f64(rm64(dw, N, N));
        rule(&q, FP_RULE_DW3, 0, dw); n3[k] = fp_mat_norm_fro_f64(rm64(dw, N, N));
        rule(&q, FP_RULE_DW4, 0, dw); n4[k] = fp_mat_norm_fro_f64(rm64(dw, N, N));
        free(work);
        net_free(&q);
    }
    printf("    |dW1| %.3g %.3g %.3g, |dW3| %.3g %.3g %.3g, |dW4| %.3g %.3g %.3g at 1 - s = 0.1, 0.01, 0.001\n", n1[0], n1[1],
           n1[2], n3[0], n3[1], n3[2], n4[0], n4[1], n4[2]);
    CHECK(n1[1] > 10 * n1[0] && n1[2] > 10 * n1[1]);
    CHECK(n3[2] < 3 * n3[0] && n4[2] < 3 * n4[0]);
}

static void write_file(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

static void idx_reader_rejects_malformed_files_without_allocating(void)
{
    unsigned char good[4 + 8 + 6] = { 0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6 };
    unsigned char bad[sizeof good];
    fp_idx x;
    const char *why = NULL;
    CHECK(fp_idx_parse(good, sizeof good, &x, &why) == FP_OK && x.count == 6 && x.dims[1] == 3 && x.data[5] == 6);
    fp_idx_free(&x);
    CHECK(fp_idx_parse(good, sizeof good - 1, &x, &why) == FP_ERR_FORMAT); /* truncated */
    CHECK(why && strstr(why, "truncated"));
    memcpy(bad, good, sizeof good); bad[0] = 1;
    CHECK(fp_idx_parse(bad, sizeof bad, &x, &why) == FP_ERR_FORMAT);
    memcpy(bad, good, sizeof good); bad[2] = 0x0D; /* float payload: unsupported */
    CHECK(fp_idx_parse(bad, sizeof bad, &x, &why) == FP_ERR_FORMAT);
    memcpy(bad, good, sizeof good); bad[3] = 9;
    CHECK(fp_idx_parse(bad, sizeof bad, &x, &why) == FP_ERR_FORMAT);
    /* absurd dimensions: 0x7fffffff x 0x7fffffff claimed by an 18-byte file: nothing allocated */
    memcpy(bad, good, sizeof good); bad[4] = 0x7f; bad[5] = bad[6] = bad[7] = 0xff; bad[8] = 0x7f; bad[9] = bad[10] = bad[11] = 0xff;
    fpt_alloc_max = 0;
    CHECK(fp_idx_parse(bad, sizeof bad, &x, &why) == FP_ERR_FORMAT);
    CHECK(fpt_alloc_max == 0);
    write_file("build/t_bad.idx", bad, sizeof bad);
    fpt_alloc_max = 0;
    CHECK(fp_idx_load("build/t_bad.idx", &x, &why) == FP_ERR_FORMAT);
    CHECK(fpt_alloc_max == 0);
    memcpy(bad, good, sizeof good); bad[7] = 0; /* a zero dimension */
    CHECK(fp_idx_parse(bad, sizeof bad, &x, &why) == FP_ERR_FORMAT);
    CHECK(fp_idx_parse(good, 3, &x, &why) == FP_ERR_FORMAT);
    CHECK(fp_idx_load("build/does-not-exist.idx", &x, &why) == FP_ERR_IO);
    {
        fp_dataset ds;
        CHECK(fp_dataset_load("data/fashion-train-images.idx", "data/fashion-train-labels.idx", 10, &ds, &why) == FP_OK);
        CHECK(ds.count == 4000 && ds.dim == 784);
        fp_dataset_free(&ds);
        CHECK(fp_dataset_load("data/fashion-train-images.idx", "data/fashion-test-labels.idx", 10, &ds, &why) == FP_ERR_FORMAT);
        CHECK(fp_dataset_load("data/fashion-test-images.idx", "data/fashion-test-labels.idx", 5, &ds, &why) == FP_ERR_FORMAT);
    }
}

static void layer_file_roundtrips_and_rejects_corruption(void)
{
    fp_layer_f64 L, M;
    const char *why = NULL;
    FILE *f;
    long len;
    unsigned char *buf;
    CHECK(fp_layer_init_f64(&L, 5, 4, 3, FP_ACT_TANH, 0.5, 7) == FP_OK);
    CHECK(fp_layer_init_f64(&M, 2, 2, 2, FP_ACT_RELU, 0.5, 8) == FP_OK);
    CHECK(fp_layer_save_f64(&L, "build/t_layer.bin") == FP_OK);
    f = fopen("build/t_layer.bin", "rb");
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len);
    CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    /* flip one payload bit: checksum */
    buf[60] ^= 1; write_file("build/t_corrupt.bin", buf, (size_t)len); buf[60] ^= 1;
    CHECK(fp_layer_load_f64(&M, "build/t_corrupt.bin", &why) == FP_ERR_FORMAT && strstr(why, "checksum"));
    CHECK(M.n == 2 && M.act.kind == FP_ACT_RELU); /* untouched */
    write_file("build/t_corrupt.bin", buf, (size_t)len - 9);
    CHECK(fp_layer_load_f64(&M, "build/t_corrupt.bin", &why) == FP_ERR_FORMAT && strstr(why, "truncated"));
    buf[0] = 'X'; write_file("build/t_corrupt.bin", buf, (size_t)len); buf[0] = 'F';
    CHECK(fp_layer_load_f64(&M, "build/t_corrupt.bin", &why) == FP_ERR_FORMAT && strstr(why, "magic"));
    buf[20] = 0xff; buf[21] = 0xff; buf[22] = 0xff; buf[23] = 0x7f; write_file("build/t_corrupt.bin", buf, (size_t)len);
    fpt_alloc_max = 0;
    CHECK(fp_layer_load_f64(&M, "build/t_corrupt.bin", &why) == FP_ERR_FORMAT);
    CHECK(fpt_alloc_max == 0);
    {
        fp_layer_f32 F;
        CHECK(fp_layer_load_f32(&F, "build/t_layer.bin", &why) == FP_ERR_FORMAT && strstr(why, "real type"));
    }
    CHECK(M.n == 2);
    fp_layer_free_f64(&M);
    CHECK(fp_layer_load_f64(&M, "build/t_layer.bin", &why) == FP_OK);
    CHECK(M.n == 5 && M.n_in == 4 && M.n_out == 3 && memcmp(M.w, L.w, sizeof(double) * (25 + 20 + 5 + 15 + 3)) == 0);
    free(buf);
    fp_layer_free_f64(&L);
    fp_layer_free_f64(&M);
}

static int count_steps(const fp_train_record *rec, void *user)
{
    double *acc = (double *)user;
    if (rec->status == FP_OK) { acc[0] += 1; acc[1] = rec->loss; if (acc[2] == 0) acc[2] = rec->loss; }
    if (rec->rolled_back) acc[3] += 1;
    return 0;
}

/* A short dW3 run on the embedded data lowers the test loss and beats chance; every rule runs. */
static void training_on_embedded_data_learns(void)
{
    fp_dataset tr, te;
    const char *why;
    int k;
    long live0 = fpt_alloc_live;
    CHECK(fp_dataset_load("data/fashion-train-images.idx", "data/fashion-train-labels.idx", 10, &tr, &why) == FP_OK);
    CHECK(fp_dataset_load("data/fashion-test-images.idx", "data/fashion-test-labels.idx", 10, &te, &why) == FP_OK);
    tr.count = 1024;
    for (k = 1; k <= 4; ++k) {
        fp_layer_f32 L;
        fp_trainer_f32 t;
        static const double lrs[5] = { 0, 0.5, 2.0, 2.0, 1.0 };
        fp_train_config c = fp_train_config_default();
        double l0, a0, l1, a1, acc[4] = { 0, 0, 0, 0 };
        int e;
        c.rule = (fp_rule)k;
        c.optim.lr = lrs[k];
        c.seed = 1; /* the seed of the 0.1 default */
        c.batch = 128;
        c.stability_every = 4;
        CHECK(fp_layer_init_f32(&L, 40, 784, 10, FP_ACT_TANH, 0.5, 3) == FP_OK);
        CHECK(fp_trainer_init_f32(&t, &L, &c, tr.count) == FP_OK);
        fp_layer_evaluate_f32(&t, &te, 500, &l0, &a0);
        for (e = 0; e < 3; ++e) fp_layer_train_epoch_f32(&t, &tr, e, count_steps, acc);
        fp_layer_evaluate_f32(&t, &te, 500, &l1, &a1);
        printf("    %s lr %.2g: test loss %.3f -> %.3f, accuracy %.1f%% -> %.1f%% (%d steps)\n", fp_rule_name((fp_rule)k),
               lrs[k], l0, l1, 100 * a0, 100 * a1, (int)acc[0]);
        CHECK(l1 < l0 - 0.2 && a1 > 0.25 && acc[0] == 24);
        fp_trainer_free_f32(&t);
        fp_layer_free_f32(&L);
    }
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    CHECK(fpt_alloc_live == live0); /* nothing leaked */
}

const fpt_test fpt_rule_tests[] = {
    { "batched_rules_match_literal_per_sample_formulas", batched_rules_match_literal_per_sample_formulas },
    { "dw1_matches_finite_differences", dw1_matches_finite_differences },
    { "dw2_woodbury_matches_explicit_inverse_on_linear_networks", dw2_woodbury_matches_explicit_inverse_on_linear_networks },
    { "dw2_tends_to_dw3_as_lr_vanishes", dw2_tends_to_dw3_as_lr_vanishes },
    { "rules_are_descent_directions", rules_are_descent_directions },
    { "near_bifurcation_dw1_grows_dw3_dw4_stay_bounded", near_bifurcation_dw1_grows_dw3_dw4_stay_bounded },
    { "idx_reader_rejects_malformed_files_without_allocating", idx_reader_rejects_malformed_files_without_allocating },
    { "layer_file_roundtrips_and_rejects_corruption", layer_file_roundtrips_and_rejects_corruption },
    { "training_on_embedded_data_learns", training_on_embedded_data_learns },
    { NULL, NULL }
};
