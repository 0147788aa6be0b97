/* The fuzz targets (see targets.h). */
#include <string.h>
#include <math.h>
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
    st = fp_solve_f64(&c, &act, n, b, w, n, 1, x, b, 1, r, b, 1, g, b, 1, &rep, NULL);
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
            st = fp_implicit_grad_f64(&ac, n, b, w, n, 1, r, b, 1, g, b, 1, d, b, 1, v, b, 1, NULL, 0, 0, NULL, NULL);
            if (st == FP_OK) for (i = 0; i < n * b; ++i) BAD(!isfinite(v[i]));
        }
    }
    BAD(rep.status != FP_OK && rep.message == NULL);
    /* the float path on the same data */
    for (i = 0; i < n * n; ++i) wf[i] = (float)w[i];
    for (i = 0; i < n * b; ++i) { xf[i] = (float)x[i]; rf[i] = 0; }
    c.warm_start = 0;
    st = fp_solve_f32(&c, &act, n, b, wf, n, 1, xf, b, 1, rf, b, 1, NULL, 0, 0, NULL, NULL);
    if (st == FP_OK) for (i = 0; i < n * b; ++i) BAD(!isfinite(rf[i]));
    return bad;
}
