/* paper_linear - the linear toy of Zhu & Rosenbaum's learning-curve figure (docs/THEORY.md, (E1)):
 * N = 200, m = 100 samples, X = 0.1 Z, teacher W^ = 0.5 Z/sqrt(N), targets R^ = (I - W^)^{-1} X +
 * 0.01 Z, start W = 0.75 Z/sqrt(N), J = (1/m) ||R - R^||_F^2, 3500 iterations, rates 0.03 .. 3 per rule.
 * float64. The fixed point of a linear network is one LU of I - W per step (G = I); dW2, dW3, dW4 come
 * from fp_rule_dw; dW1 = (I - W^T)^{-1} g r^T with the same LU, transposed (the tests check fp_rule_dw's
 * dW1 against this formula).
 * From the repository root (-I. finds fixpoint.h there):
 *   mkdir -p build && cc -O2 -I. -o build/paper_linear examples/paper_linear.c -lm
 *   ./build/paper_linear
 *   ./build/paper_linear --help    # the options (seed, iterations, rules, output) and the run time */
#include "example_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

static const char PROG[] = "paper_linear";

static void usage(void)
{
    printf("usage: paper_linear [options]\n\n"
           "The linear toy of Zhu & Rosenbaum's learning-curve figure: a linear network r = W r + x (N = 200) learns\n"
           "a teacher's responses to m = 100 inputs with each rule dW1..dW4 at the rates 0.03, 0.1, 0.3, 1 and 3;\n"
           "prints a table of the loss at iteration 500 / at the end (float64) and writes the loss every 50\n"
           "iterations to a CSV. Progress lines with the time left go to stderr.\n"
           "The default run (20 runs of 3500 iterations) takes about 1.6 min on an Intel Xeon (2 cores, one used);\n"
           "--iters 500 about 16 s.\n\n");
    printf("options (default in brackets; --name value or --name=value):\n"
           "  --seed S         the random draws of data, teacher and start, 0 to 2147483647 [1]\n"
           "  --iters K        iterations per run, 1 to 1000000 [3500]\n"
           "  --rules LIST     rules to run, digits from 1234 [1234]\n"
           "  --out DIR        output folder, created if missing [build]\n"
           "  --csv FILE       the loss curves [DIR/paper_linear.csv]\n"
           "  --quiet          no progress lines\n"
           "  -h, --help       this text\n");
}

enum { N = 200, M = 100 };

int main(int argc, char **argv)
{
    static double X[N * M], T[N * M], W0[N * N], W[N * N], A[N * N], R[N * M], G[N * M], Gr[N * M], U[N * M], dW[N * N];
    static const double lrs[5] = { 0.03, 0.1, 0.3, 1, 3 };
    const char *outdir = "build", *out = NULL, *rules = "1234";
    char outbuf[EX_PATH_MAX];
    int piv[N], i, j, k, li, it, seed = 1, iters = 3500, quiet = 0, cells = 0, ncells = 0;
    fp_rule_config rc;
    fp_rng rg;
    void *ws;
    FILE *csv;
    ex_args args;
    ex_progress prog;
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--seed")) seed = ex_int(&args, 0, INT_MAX);
        else if (ex_is(&args, "--iters")) iters = ex_int(&args, 1, 1000000);
        else if (ex_is(&args, "--rules")) rules = ex_rules(&args, "1234");
        else if (ex_is(&args, "--out")) outdir = ex_folder(&args);
        else if (ex_is(&args, "--csv")) out = ex_value(&args);
        else if (ex_is(&args, "--quiet")) quiet = ex_flag(&args);
        else ex_unknown(&args);
    }
    if (!out) out = ex_join(PROG, outdir, "paper_linear.csv", outbuf, sizeof outbuf);
    rg = fp_rng_make((uint64_t)seed);
    rc = fp_rule_config_default();
    rc.rule = FP_RULE_DW2; /* the largest workspace of the three */
    ws = malloc(fp_rule_workspace_size_f64(&rc, N, M));
    if (!ws) { fprintf(stderr, "paper_linear: out of memory\n"); return 1; }
    if (!(csv = ex_open_out(PROG, out))) { free(ws); return 1; }
    for (k = 1; k <= 4; ++k) ncells += strchr(rules, '0' + k) ? 5 : 0;
    ex_progress_start(&prog, PROG, ncells * (double)iters, 10.0, quiet);
    fprintf(csv, "rule,lr,iteration,loss\n");
    /* data: X, teacher targets (I - W^)^{-1} X + 0.01 Z, start W0 */
    for (i = 0; i < N * M; ++i) X[i] = 0.1 * fp_rng_gauss(&rg);
    for (i = 0; i < N * N; ++i) A[i] = (i % (N + 1) == 0) - 0.5 * fp_rng_gauss(&rg) / sqrt((double)N);
    memcpy(T, X, sizeof T);
    if (fp_lu_factor_f64(N, A, N, 1, piv) != FP_OK) return 1;
    fp_lu_solve_f64(FP_NOTRANS, N, M, A, N, 1, piv, T, M, 1);
    for (i = 0; i < N * M; ++i) T[i] += 0.01 * fp_rng_gauss(&rg);
    for (i = 0; i < N * N; ++i) W0[i] = 0.75 * fp_rng_gauss(&rg) / sqrt((double)N);
    for (i = 0; i < N * M; ++i) G[i] = 1; /* linear network: gains 1 */
    printf("paper_linear (seed %d): N=%d, m=%d, %d iterations; loss at iteration 500 / %d (the reference: J at start 3.19;\n"
           "  dW1 lr .3: 2.2e-2 / 1.5e-4, lr 1: 3.3e-3 / 1.9e-5, lr 3: 2.5e-2 / 1.6e-2; dW2 = dW3 lr .3: 1.2e-2 / 7.7e-7,\n"
           "  lr 1: 1.4e-4 / 7e-16, lr 3: 1.4e-8 / ~1e-29)\n", seed, N, M, iters, iters);
    printf("| rule | lr 0.03 | lr 0.1 | lr 0.3 | lr 1 | lr 3 |\n|---|---|---|---|---|---|\n");
    for (k = 1; k <= 4; ++k) {
        char row[256];
        if (!strchr(rules, '0' + k)) continue;
        snprintf(row, sizeof row, "| %s |", fp_rule_name((fp_rule)k));
        for (li = 0; li < 5; ++li) {
            double L = 0, L0 = 0, L500 = NAN;
            memcpy(W, W0, sizeof W);
            for (it = 0; it <= iters; ++it) {
                fp_status st;
                for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) A[i * N + j] = (i == j) - W[i * N + j];
                if (fp_lu_factor_f64(N, A, N, 1, piv) != FP_OK) { L = NAN; break; }
                memcpy(R, X, sizeof R);
                fp_lu_solve_f64(FP_NOTRANS, N, M, A, N, 1, piv, R, M, 1); /* R = (I - W)^{-1} X */
                if (fp_loss_mse_f64(fp_mat_rowmajor_f64(R, N, M), fp_mat_rowmajor_f64(T, N, M), fp_mat_rowmajor_f64(Gr, N, M), &L) != FP_OK) L = NAN;
                if (it == 0) L0 = L;
                if (it == 500) L500 = L;
                if (it % 50 == 0) fprintf(csv, "%s,%g,%d,%.6g\n", fp_rule_name((fp_rule)k), lrs[li], it, L);
                ex_report(&prog, cells * (double)iters + it, 0, "%s lr %g: iteration %d of %d, %d of %d runs done", fp_rule_name((fp_rule)k),
                          lrs[li], it, iters, cells, ncells);
                if (it == iters || !(L == L) || L > 1e6) break;
                if (k == 1) { /* dW1 = (I - W^T)^{-1} Gr R^T, the adjoint by the transposed LU */
                    memcpy(U, Gr, sizeof U);
                    fp_lu_solve_f64(FP_TRANS, N, M, A, N, 1, piv, U, M, 1);
                    fp_gemm_f64(FP_NOTRANS, FP_TRANS, N, N, M, 1.0, U, M, 1, R, M, 1, 0.0, dW, N, 1);
                    st = FP_OK;
                } else {
                    rc.rule = (fp_rule)k;
                    rc.lr = lrs[li];
                    st = fp_rule_dw_f64(&rc, fp_mat_rowmajor_f64(W, N, N), fp_mat_rowmajor_f64(R, N, M), fp_mat_rowmajor_f64(G, N, M),
                                        fp_mat_rowmajor_f64(Gr, N, M), fp_mat_rowmajor_f64(dW, N, N), NULL, ws);
                }
                if (st != FP_OK) { L = NAN; break; }
                fp_mat_axpby_f64(-lrs[li], fp_mat_rowmajor_f64(dW, N, N), 1.0, fp_mat_rowmajor_f64(W, N, N));
            }
            /* the row is printed whole, so that progress lines on stderr do not split it on a terminal */
            if (L == L && L <= 1e6) snprintf(row + strlen(row), sizeof row - strlen(row), " %.2g / %.2g |", L500, L);
            else snprintf(row + strlen(row), sizeof row - strlen(row), " %.2g / diverged |", L500);
            (void)L0;
            ++cells;
            ex_report(&prog, cells * (double)iters, 1, "%s lr %g done, %d of %d runs", fp_rule_name((fp_rule)k), lrs[li], cells, ncells);
        }
        printf("%s\n", row);
        fflush(stdout);
    }
    free(ws);
    if (!ex_close_out(PROG, csv, out)) return 1;
    printf("wrote %s\n", out);
    return 0;
}
