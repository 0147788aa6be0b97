/* toy_singularity - the singularity of the Euclidean gradient, drawn. A two-unit linear network
 * r = W r + x learns a teacher's responses R^ = (I - W^)^{-1} X to two inputs (MSE). All four entries of
 * W learn with the full rules; the picture is the loss on the slice W = [[a, c], [c, b]] through the
 * teacher's off-diagonal c, with each path projected onto (a, b) (its off-diagonals move too).
 * Where an eigenvalue of W reaches 1 - on the slice (1 - a)(1 - b) = c^2 - the fixed point loses
 * stability, the loss has a pole and dW1 (the gradient) blows up, while dW2, dW3, dW4 (docs/THEORY.md,
 * (R2)-(R5)) stay bounded. Writes the surface, the boundary and each rule's path;
 * examples/toy_singularity.gp draws.
 * From the repository root (-I. finds fixpoint.h there):
 *   mkdir -p build && cc -O2 -I. -o build/toy_singularity examples/toy_singularity.c -lm
 *   ./build/toy_singularity
 *   ./build/toy_singularity --out DIR   # the output folder (default build); --help lists the options */
#include "example_util.h"
#include <stdio.h>
#include <string.h>
#include <math.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

static const char PROG[] = "toy_singularity";

static void usage(void)
{
    printf("usage: toy_singularity [options]\n\n"
           "The singularity of the Euclidean gradient, drawn: a two-unit linear network learns a teacher's responses\n"
           "to two inputs with each rule dW1..dW4 from a start next to the stability boundary and one beyond it.\n"
           "Prints each rule's path (steps, final loss, largest step, max Re eig(W)) and writes toy_surface.dat,\n"
           "toy_boundary.dat and toy_paths.dat to the output folder; gnuplot -e \"dir='build'\"\n"
           "examples/toy_singularity.gp draws toy_singularity.png. Takes well under a second.\n\n"
           "options (default in brackets; --name value or --name=value):\n"
           "  --out DIR        output folder, created if missing [build]\n"
           "  --quiet          accepted like the other examples' (this one has no progress to report)\n"
           "  -h, --help       this text\n");
}

enum { N = 2, B = 2 };
static const double C = 0.6, X[N * B] = { 1.0, 0.3, -0.5, 1.0 }; /* two inputs as columns */

/* fixed points, loss, gains and dL/dR for W; returns the loss (NaN if I - W is singular) */
static double evaluate(const double *w, const double *target, double *r, double *g, double *gr)
{
    fp_solver_config cfg = fp_solver_config_default(FP_SOLVER_NEWTON);
    fp_activation act = fp_activation_make(FP_ACT_IDENTITY);
    double loss;
    cfg.tol = 1e-13;
    if (fp_solve_f64(&cfg, &act, fp_mat_rowmajor_f64((double *)w, N, N), fp_mat_rowmajor_f64((double *)X, N, B), fp_mat_rowmajor_f64(r, N, B),
                     fp_mat_rowmajor_f64(g, N, B), NULL, NULL) != FP_OK)
        return NAN;
    if (fp_loss_mse_f64(fp_mat_rowmajor_f64(r, N, B), fp_mat_rowmajor_f64((double *)target, N, B), fp_mat_rowmajor_f64(gr, N, B), &loss) != FP_OK)
        return NAN;
    return loss;
}
static void set_w(double *w, double a, double b, double c12, double c21) { w[0] = a; w[1] = c12; w[2] = c21; w[3] = b; }

int main(int argc, char **argv)
{
    const char *dir = "build";
    const double teacher[2] = { 0.2, 0.1 };
    const double starts[2][2] = { { 0.45, 0.3 }, { 0.8, 0.75 } }; /* stable side near the boundary; beyond it */
    const double lrs[5] = { 0, 0.02, 0.1, 0.1, 0.1 };
    double w[4], r[N * B], g[N * B], gr[N * B], target[N * B], dw[4], d1[4];
    fp_mat_f64 W = fp_mat_rowmajor_f64(w, N, N), R = fp_mat_rowmajor_f64(r, N, B), G = fp_mat_rowmajor_f64(g, N, B);
    fp_mat_f64 GR = fp_mat_rowmajor_f64(gr, N, B), DW = fp_mat_rowmajor_f64(dw, N, N), D1 = fp_mat_rowmajor_f64(d1, N, N);
    fp_rule_config rc = fp_rule_config_default();
    char path[EX_PATH_MAX];
    FILE *f;
    int i, j, k, s, st;
    ex_args args;
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--out")) dir = ex_folder(&args);
        else if (ex_is(&args, "--quiet")) ex_flag(&args);
        else ex_unknown(&args);
    }
    set_w(w, teacher[0], teacher[1], C, C);
    evaluate(w, X, target, g, gr); /* the teacher's responses */
    if (!(f = ex_open_out(PROG, ex_join(PROG, dir, "toy_surface.dat", path, sizeof path)))) return 1;
    for (i = 0; i <= 120; ++i) {
        double a = -0.6 + 1.8 * i / 120.0;
        for (j = 0; j <= 120; ++j) {
            double b = -0.6 + 1.8 * j / 120.0, L;
            set_w(w, a, b, C, C);
            L = evaluate(w, target, r, g, gr);
            fprintf(f, "%.5f %.5f %.5f\n", a, b, L == L ? log10(L + 1e-12) : 6.0);
        }
        fprintf(f, "\n");
    }
    if (!ex_close_out(PROG, f, path)) return 1;
    if (!(f = ex_open_out(PROG, ex_join(PROG, dir, "toy_boundary.dat", path, sizeof path)))) return 1;
    for (i = 0; i <= 200; ++i) { double a = -0.6 + 1.37 * i / 200.0; fprintf(f, "%.5f %.5f\n", a, 1 - C * C / (1 - a)); }
    if (!ex_close_out(PROG, f, path)) return 1;
    if (!(f = ex_open_out(PROG, ex_join(PROG, dir, "toy_paths.dat", path, sizeof path)))) return 1;
    printf("rule start         steps  final loss  max |dW|    min cos(dW, dW1)  max Re eig(W)  final W\n");
    for (s = 0; s < 2; ++s)
        for (k = 1; k <= 4; ++k) {
            double maxn = 0, mincos = 1, L = NAN, maxeig = -1e300;
            set_w(w, starts[s][0], starts[s][1], C, C);
            fprintf(f, "a \"%s from (%.2f, %.2f)\" loss\n", fp_rule_name((fp_rule)k), w[0], w[3]);
            for (st = 0; st < 400; ++st) {
                double n1, nk, dot = 0, wr[2], wi[2];
                L = evaluate(w, target, r, g, gr);
                if (!(L == L) || fabs(w[0]) + fabs(w[1]) + fabs(w[2]) + fabs(w[3]) > 40) break;
                fp_eig_f64(fp_mat_rowmajor_f64(w, N, N), wr, wi, NULL);
                if (wr[0] > maxeig) maxeig = wr[0];
                if (wr[1] > maxeig) maxeig = wr[1];
                fprintf(f, "%.6f %.6f %.6g\n", w[0], w[3], L);
                if (L < 1e-12) break;
                rc.rule = FP_RULE_DW1;
                rc.lr = 0;
                fp_rule_dw_f64(&rc, W, R, G, GR, D1, NULL, NULL);
                rc.rule = (fp_rule)k;
                rc.lr = lrs[k];
                if (fp_rule_dw_f64(&rc, W, R, G, GR, DW, NULL, NULL) != FP_OK) break;
                n1 = fp_vec_norm2_f64(4, d1, 1);
                nk = fp_vec_norm2_f64(4, dw, 1);
                for (i = 0; i < 4; ++i) dot += d1[i] * dw[i];
                if (nk > maxn) maxn = nk;
                if (n1 > 0 && nk > 0 && dot / (n1 * nk) < mincos) mincos = dot / (n1 * nk);
                for (i = 0; i < 4; ++i) w[i] -= lrs[k] * dw[i];
            }
            fprintf(f, "\n\n");
            printf("%-4s (%.2f, %.2f)  %5d  %-10.3g  %-10.3g  %-16.3f  %-13.3f  [%.2f %.2f; %.2f %.2f]\n", fp_rule_name((fp_rule)k),
                   starts[s][0], starts[s][1], st, L, maxn, mincos, maxeig, w[0], w[1], w[2], w[3]);
        }
    if (!ex_close_out(PROG, f, path)) return 1;
    printf("teacher diagonal (%.2f, %.2f), off-diagonal %.2f; wrote %s/toy_surface.dat, toy_boundary.dat, toy_paths.dat\n",
           teacher[0], teacher[1], C, dir);
    return 0;
}
