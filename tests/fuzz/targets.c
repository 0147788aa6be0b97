/* The fuzz targets (see targets.h). */
#include <string.h>
#include <math.h>
#include <float.h>
#include "targets.h"
#include "../../fixpoint.h"
#include <stdio.h>

/* bad |= cond, naming the invariant on stderr when it breaks */
#define BAD(cond) do { if (cond) { bad = 1; fprintf(stderr, "fuzz invariant broken: %s (line %d)\n", #cond, __LINE__); } } while (0)

/* IDX: parse must accept exactly well-formed files and then own count bytes. */
int fpt_fuzz_idx(const uint8_t *data, size_t size)
{
    fp_idx x;
    const char *why = NULL;
    fp_status st = fp_idx_parse(data, size, &x, &why);
    if (st == FP_OK) {
        size_t p = 1, d;
        int bad;
        for (d = 0; d < (size_t)x.ndim; ++d) p *= (size_t)x.dims[d];
        bad = p != x.count || x.count + 4 + 4 * (size_t)x.ndim != size || memcmp(x.data, data + size - x.count, x.count) != 0;
        fp_idx_free(&x);
        return bad;
    }
    return why == NULL; /* a rejection always says why */
}

/* Parameter files: both precisions; an accepted file round-trips its arrays exactly. */
int fpt_fuzz_layer(const uint8_t *data, size_t size)
{
    fp_layer_f32 a;
    fp_layer_f64 b;
    const char *why = NULL;
    int bad = 0;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (fp_layer_parse_f32(&a, data, size, &why) == FP_OK) {
        BAD(a.n < 1 || memcmp(a.w, data + 32, 4) != 0);
        fp_layer_free_f32(&a);
    } else BAD(why == NULL);
    why = NULL;
    if (fp_layer_parse_f64(&b, data, size, &why) == FP_OK) {
        BAD(b.n < 1 || memcmp(b.w, data + 32, 8) != 0);
        fp_layer_free_f64(&b);
    } else BAD(why == NULL);
    return bad;
}

/* Solvers and the adjoint on arbitrary matrices: never a crash or hang, a non-finite input is reported
 * as such, and a converged answer is finite with a true residual within tolerance. */
int fpt_fuzz_solve(const uint8_t *data, size_t size)
{
    enum { NMAX = 12, BMAX = 4 };
    double w[NMAX * NMAX], x[NMAX * BMAX], r[NMAX * BMAX], g[NMAX * BMAX], v[NMAX * BMAX], d[NMAX * BMAX];
    float wf[NMAX * NMAX], xf[NMAX * BMAX], rf[NMAX * BMAX];
    int n, b, i, j, k, finite_in = 1, bad = 0;
    size_t pos = 5;
    fp_solver_config c;
    fp_activation act;
    fp_solve_report rep;
    fp_status st;
    if (size < 5) return 0;
    n = 1 + data[0] % NMAX;
    b = 1 + data[1] % BMAX;
    c = fp_solver_config_default((fp_solver_method)(data[2] % 5));
    act = fp_activation_make((fp_act_kind)(data[3] % 6));
    c.max_iter = c.method == FP_SOLVER_NEWTON ? 20 : 150;
    c.warm_start = data[4] & 1;
    for (i = 0; i < n * n + 2 * n * b; ++i) {
        double val = 0;
        if (pos + 8 <= size) { memcpy(&val, data + pos, 8); pos += 8; }
        else if (pos < size) val = (double)(int8_t)data[pos++] / 16.0;
        if (i < n * n) w[i] = val;
        else if (i < n * n + n * b) x[i - n * n] = val;
        else r[i - n * n - n * b] = val;
    }
    for (i = 0; i < n * n; ++i) finite_in &= isfinite(w[i]) != 0;
    for (i = 0; i < n * b; ++i) finite_in &= isfinite(x[i]) != 0;
    if (c.warm_start) for (i = 0; i < n * b; ++i) finite_in &= isfinite(r[i]) != 0;
    memset(&rep, 0, sizeof rep);
    st = fp_solve_f64(&c, &act, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(x, n, b), fp_mat_rowmajor_f64(r, n, b),
                      fp_mat_rowmajor_f64(g, n, b), &rep, NULL);
    if (!finite_in) BAD(st != FP_ERR_NON_FINITE);
    if (st == FP_OK) {
        double num = 0, den = 0, big = 0;
        /* the independent re-check of the residual is meaningful only where summing W r in another order
         * cannot change tanh's answer: moderate magnitudes */
        for (i = 0; i < n * n; ++i) big = fabs(w[i]) > big ? fabs(w[i]) : big;
        for (i = 0; i < n * b; ++i) big = fabs(x[i]) > big ? fabs(x[i]) : big;
        for (j = 0; j < b; ++j) {
            double nj = 0, dj = 0;
            for (i = 0; i < n; ++i) {
                double z = x[i * b + j], f, fd;
                for (k = 0; k < n; ++k) z += w[i * n + k] * r[k * b + j];
                f = act.kind == FP_ACT_TANH ? tanh(z) : z; /* exact re-check for the two simplest kinds */
                fd = f - r[i * b + j];
                if (act.kind == FP_ACT_TANH || act.kind == FP_ACT_IDENTITY) { nj += fd * fd; dj += r[i * b + j] * r[i * b + j]; }
                BAD(!isfinite(r[i * b + j]));
            }
            if (nj > 0 && big < 1e6) { num = sqrt(nj); den = sqrt(dj) > c.floor ? sqrt(dj) : c.floor; BAD(num / den > 1e3 * c.tol && isfinite(num)); }
        }
        /* the adjoint of a converged solve: finite or reported */
        {
            fp_adjoint_config ac = fp_adjoint_config_default();
            ac.iter.max_iter = 150;
            for (i = 0; i < n * b; ++i) d[i] = 1.0;
            st = fp_implicit_grad_f64(&ac, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(g, n, b),
                                      fp_mat_rowmajor_f64(d, n, b), fp_mat_rowmajor_f64(v, n, b), fp_mat_rowmajor_f64(NULL, n, n), NULL,
                                      NULL);
            if (st == FP_OK) for (i = 0; i < n * b; ++i) BAD(!isfinite(v[i]));
        }
    }
    BAD(rep.status != FP_OK && rep.message == NULL);
    /* the float path on the same data */
    for (i = 0; i < n * n; ++i) wf[i] = (float)w[i];
    for (i = 0; i < n * b; ++i) { xf[i] = (float)x[i]; rf[i] = 0; }
    c.warm_start = 0;
    st = fp_solve_f32(&c, &act, fp_mat_rowmajor_f32(wf, n, n), fp_mat_rowmajor_f32(xf, n, b), fp_mat_rowmajor_f32(rf, n, b),
                      fp_mat_rowmajor_f32(NULL, n, b), NULL, NULL);
    if (st == FP_OK) for (i = 0; i < n * b; ++i) BAD(!isfinite(rf[i]));
    return bad;
}

/* ---- the analysis targets: values drawn from the bytes, one tag byte each ----
 * tag < 160: a small value (tag - 80) / 16; 160..175: a special (NaN, +-Inf, +-0, denormals, DBL_MIN,
 * 1e+-300, +-DBL_MAX, 1e+-150); 176..191: +-(1 + b/256) 2^(8 (int8) e) from two more bytes (denormal to
 * near overflow); 192..255: the next 8 bytes as a raw double. Past the end every value is 0. */
typedef struct fpt_bytes { const uint8_t *d; size_t n, pos; } fpt_bytes;

static uint8_t fz_byte(fpt_bytes *f) { return f->pos < f->n ? f->d[f->pos++] : 0; }

static double fz_value(fpt_bytes *f)
{
    static const double special[16] = { NAN, INFINITY, -INFINITY, 0.0, -0.0, 4.9406564584124654e-324,
                                        -4.9406564584124654e-324, 7.4e-309, 2.2250738585072014e-308, 1e-300,
                                        1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308, 1e150, 1e-150 };
    uint8_t t;
    if (f->pos >= f->n) return 0;
    t = fz_byte(f);
    if (t < 160) return ((double)t - 80.0) / 16.0;
    if (t < 176) return special[t - 160];
    if (t < 192) {
        double m = 1.0 + fz_byte(f) / 256.0;
        int e = 8 * (int)(int8_t)fz_byte(f);
        return (t & 1 ? -1 : 1) * ldexp(m, e);
    }
    if (f->pos + 8 <= f->n) {
        double v;
        memcpy(&v, f->d + f->pos, 8);
        f->pos += 8;
        return v;
    }
    return 0;
}

static int all_finite(int count, const double *a)
{
    int i;
    for (i = 0; i < count; ++i) if (!isfinite(a[i])) return 0;
    return 1;
}

static int all_finite_f(int count, const float *a)
{
    int i;
    for (i = 0; i < count; ++i) if (!isfinite(a[i])) return 0;
    return 1;
}

/* Learning rules: dW1..dW4 in both precisions on small arbitrary matrices. A non-finite W, R, gain or
 * gradient is reported as FP_ERR_NON_FINITE; FP_OK means every entry of dW is finite. The rate is finite
 * and non-negative (from 0 to 1e300; the largest float in float32). */
int fpt_fuzz_rules(const uint8_t *data, size_t size)
{
    enum { NMAX = 10, BMAX = 4 };
    static const double rates[8] = { 0.0, 1e-3, 0.1, 1.0, 10.0, 1e6, 1e300, 0.5 };
    double w[NMAX * NMAX], r[NMAX * BMAX], g[NMAX * BMAX], d[NMAX * BMAX], dw[NMAX * NMAX], lr;
    float wf[NMAX * NMAX], rf[NMAX * BMAX], gf[NMAX * BMAX], df[NMAX * BMAX], dwf[NMAX * NMAX], lrf;
    fpt_bytes f;
    fp_rule_config rc;
    fp_adjoint_config adj = fp_adjoint_config_default();
    fp_solve_report rep;
    fp_status st;
    int n, b, i, nb, bad = 0, finite_in;
    f.d = data; f.n = size; f.pos = 0;
    if (size < 4) return 0;
    n = 1 + fz_byte(&f) % NMAX;
    b = 1 + fz_byte(&f) % BMAX;
    nb = n * b;
    memset(&rc, 0, sizeof rc);
    rc.rule = (fp_rule)(1 + fz_byte(&f) % 4);
    i = fz_byte(&f);
    adj.method = (fp_adjoint_method)(i / 8 % 3);
    adj.iter.max_iter = 100;
    lr = rates[i % 8];
    if (i % 8 == 7) { lr = fabs(fz_value(&f)); if (!isfinite(lr)) lr = 0.5; }
    for (i = 0; i < n * n; ++i) w[i] = fz_value(&f);
    for (i = 0; i < nb; ++i) r[i] = fz_value(&f);
    for (i = 0; i < nb; ++i) g[i] = fz_value(&f);
    for (i = 0; i < nb; ++i) d[i] = fz_value(&f);
    finite_in = all_finite(n * n, w) && all_finite(nb, r) && all_finite(nb, g) && all_finite(nb, d);
    rc.adjoint = adj;
    rc.lr = lr;
    memset(&rep, 0, sizeof rep);
    st = fp_rule_dw_f64(&rc, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(g, n, b),
                        fp_mat_rowmajor_f64(d, n, b), fp_mat_rowmajor_f64(dw, n, n), &rep, NULL);
    if (!finite_in) BAD(st != FP_ERR_NON_FINITE);
    if (st == FP_OK) BAD(!all_finite(n * n, dw));
    /* float32: the same values rounded (1e300 becomes Inf there) */
    for (i = 0; i < n * n; ++i) wf[i] = (float)w[i];
    for (i = 0; i < nb; ++i) { rf[i] = (float)r[i]; gf[i] = (float)g[i]; df[i] = (float)d[i]; }
    lrf = lr > FLT_MAX ? FLT_MAX : (float)lr;
    finite_in = all_finite_f(n * n, wf) && all_finite_f(nb, rf) && all_finite_f(nb, gf) && all_finite_f(nb, df);
    rc.lr = (double)lrf;
    memset(&rep, 0, sizeof rep);
    st = fp_rule_dw_f32(&rc, fp_mat_rowmajor_f32(wf, n, n), fp_mat_rowmajor_f32(rf, n, b), fp_mat_rowmajor_f32(gf, n, b),
                        fp_mat_rowmajor_f32(df, n, b), fp_mat_rowmajor_f32(dwf, n, n), &rep, NULL);
    if (!finite_in) BAD(st != FP_ERR_NON_FINITE);
    if (st == FP_OK) BAD(!all_finite_f(n * n, dwf));
    return bad;
}

/* Eigenvalues, stability and eigenvectors of arbitrary n x n matrices (n <= 12). NaN/Inf in the input is
 * FP_ERR_NON_FINITE; FP_OK means finite eigenvalues, spectrum fields and vectors; with moderate entries
 * (|a| < 1e100) the eigenvalues sum to the trace within 1e-8 n sum |a_ij| (plus 1e-300). */
static int eig_checks(int n, const double *a, const double *wr, const double *wi, fp_status st, int finite_in)
{
    int bad = 0, i, moderate = 1;
    if (!finite_in) BAD(st != FP_ERR_NON_FINITE);
    if (st != FP_OK) return bad;
    BAD(!all_finite(n, wr) || !all_finite(n, wi));
    for (i = 0; i < n * n; ++i) moderate &= fabs(a[i]) < 1e100;
    if (moderate) {
        double tr = 0, sr = 0, si = 0, norm = 0; /* norm: sum |a_ij| >= |A|_F, and squares cannot underflow */
        for (i = 0; i < n; ++i) { tr += a[i * n + i]; sr += wr[i]; si += wi[i]; }
        for (i = 0; i < n * n; ++i) norm += fabs(a[i]);
        BAD(!(fabs(sr - tr) <= 1e-8 * n * norm + 1e-300) || !(fabs(si) <= 1e-8 * n * norm + 1e-300));
    }
    return bad;
}

int fpt_fuzz_eig(const uint8_t *data, size_t size)
{
    enum { NMAX = 12 };
    double a[NMAX * NMAX], af[NMAX * NMAX], gain[NMAX], wr[NMAX], wi[NMAX], vr[NMAX], vi[NMAX], re, im;
    float f32[NMAX * NMAX];
    fpt_bytes f;
    fp_spectrum s;
    fp_status st;
    int n, i, flags, bad = 0, finite_a, finite_g, use_gain, ok_eig;
    f.d = data; f.n = size; f.pos = 0;
    if (size < 2) return 0;
    n = 1 + fz_byte(&f) % NMAX;
    flags = fz_byte(&f);
    use_gain = flags & 1;
    for (i = 0; i < n * n; ++i) a[i] = fz_value(&f);
    for (i = 0; i < n; ++i) gain[i] = use_gain ? fz_value(&f) : 1.0;
    finite_a = all_finite(n * n, a);
    finite_g = all_finite(n, gain);
    /* float64 */
    st = fp_eig_f64(fp_mat_rowmajor_f64(a, n, n), wr, wi, NULL);
    bad |= eig_checks(n, a, wr, wi, st, finite_a);
    ok_eig = st == FP_OK;
    /* the eigenvector of one computed eigenvalue (or of an arbitrary finite shift) */
    if (ok_eig) { i = (flags >> 1) % n; re = wr[i]; im = wi[i]; }
    else { re = (double)(flags >> 4) / 4.0; im = (double)((flags >> 1) & 7) / 4.0; }
    st = fp_eigvec_f64(fp_mat_rowmajor_f64(a, n, n), re, im, vr, vi, NULL);
    if (!finite_a) BAD(st != FP_ERR_NON_FINITE);
    if (st == FP_OK) BAD(!all_finite(n, vr) || !all_finite(n, vi));
    /* the stability report of diag(gain) A (gain absent: A itself) */
    st = fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64(a, n, n), fp_mat_vec_f64(use_gain ? gain : NULL, n), &s, wr, wi, NULL);
    if (!finite_a || !finite_g) BAD(st != FP_ERR_NON_FINITE);
    if (st == FP_OK) {
        BAD(!all_finite(n, wr) || !all_finite(n, wi));
        BAD(!isfinite(s.abscissa) || !isfinite(s.abscissa_im) || !isfinite(s.radius) || !isfinite(s.bulk_radius));
        BAD(s.outliers < 0 || s.outliers > n || (int)s.verdict < 0 || s.verdict > FP_UNSTABLE);
        for (i = 0; i < s.outliers && i < FP_MAX_OUTLIERS; ++i) BAD(!isfinite(s.outlier_re[i]) || !isfinite(s.outlier_im[i]));
    }
    /* float32: the same values rounded */
    for (i = 0; i < n * n; ++i) { f32[i] = (float)a[i]; af[i] = (double)f32[i]; }
    st = fp_eig_f32(fp_mat_rowmajor_f32(f32, n, n), wr, wi, NULL);
    bad |= eig_checks(n, af, wr, wi, st, all_finite(n * n, af));
    return bad;
}

/* Mean-field theory from arbitrary parameters: solve, teacher forcing and a sweep of at most 3 x 3 cells.
 * A non-finite parameter is FP_ERR_INVALID_ARG; FP_OK means a count >= 0 and finite solutions sorted by
 * z (stable ones with outlier < 1 and bulk radius < 1), a finite C, and cells whose z range is finite
 * when they have solutions. */
static int mf_solution_checks(fp_status st, int count, const fp_meanfield_solution *sol, int max_out)
{
    int bad = 0, i;
    if (st != FP_OK) return 0;
    BAD(count < 0);
    for (i = 0; i < count && i < max_out; ++i) {
        const fp_meanfield_solution *s = sol + i;
        BAD(!isfinite(s->z) || !isfinite(s->delta) || !isfinite(s->outlier) || !isfinite(s->bulk_radius));
        BAD(s->stable != 0 && s->stable != 1);
        BAD(s->stable && !(s->outlier < 1 && s->bulk_radius < 1));
        if (i > 0) BAD(!(sol[i - 1].z <= s->z));
    }
    return bad;
}

int fpt_fuzz_meanfield(const uint8_t *data, size_t size)
{
    enum { MAXS = 16 };
    static const int nodes[8] = { 0, 0, 0, 1, 4, 16, -1, 1001 };
    fp_meanfield_params p, q;
    fp_meanfield_solution sol[MAXS];
    fp_meanfield_cell cell[9];
    fp_meanfield_axis ax, ay;
    fpt_bytes f;
    fp_status st;
    double A, x0, x1, y0, y1;
    int count = -1, i, nx, ny, bad = 0, finite_in;
    f.d = data; f.n = size; f.pos = 0;
    if (size < 1) return 0;
    p.g = fz_value(&f); p.s_m = fz_value(&f); p.s_I = fz_value(&f); p.rho = fz_value(&f);
    p.C = fz_value(&f); p.p = fz_value(&f); p.p_m = fz_value(&f); p.p_I = fz_value(&f);
    p.nodes = nodes[fz_byte(&f) % 8];
    A = fz_value(&f);
    i = fz_byte(&f);
    ax = (fp_meanfield_axis)(i % 10 == 9 ? 99 : i % 10);
    i = fz_byte(&f);
    ay = (fp_meanfield_axis)(i % 10 == 9 ? 99 : i % 10);
    i = fz_byte(&f);
    nx = 1 + i % 3;
    ny = 1 + i / 3 % 3;
    x0 = fz_value(&f); x1 = fz_value(&f); y0 = fz_value(&f); y1 = fz_value(&f);
    finite_in = isfinite(p.g) && isfinite(p.s_m) && isfinite(p.s_I) && isfinite(p.rho) && isfinite(p.C) &&
                isfinite(p.p) && isfinite(p.p_m) && isfinite(p.p_I);
    st = fp_meanfield_solve(&p, sol, MAXS, &count);
    if (!finite_in) BAD(st != FP_ERR_INVALID_ARG);
    bad |= mf_solution_checks(st, count, sol, MAXS);
    q = p;
    st = fp_meanfield_teacher_scale(&q, A);
    if (st == FP_OK) BAD(!isfinite(q.C));
    for (i = 0; i < 9; ++i) { memset(cell + i, 0, sizeof cell[i]); cell[i].status = FP_ERR_IO; }
    st = fp_meanfield_sweep(&p, ax, x0, x1, nx, ay, y0, y1, ny, cell);
    if (st == FP_OK)
        for (i = 0; i < nx * ny; ++i) {
            const fp_meanfield_cell *c = cell + i;
            if (c->status == FP_OK) {
                BAD(c->solutions < 0 || c->stable < 0 || c->stable > c->solutions);
                if (c->solutions > 0) BAD(!isfinite(c->z_min) || !isfinite(c->z_max) || !(c->z_min <= c->z_max));
            } else BAD(c->solutions != -1);
        }
    return bad;
}
