/* paper_linear - the linear toy of Zhu & Rosenbaum's learning-curve figure (docs/THEORY.md, (E1)):
 * N = 200, m = 100 samples, X = 0.1 Z, teacher W^ = 0.5 Z/sqrt(N), targets R^ = (I - W^)^{-1} X +
 * 0.01 Z, start W = 0.75 Z/sqrt(N), J = (1/m) ||R - R^||_F^2, 3500 iterations, rates 0.03 .. 3 per rule.
 * float64. The fixed point of a linear network is one LU of I - W per step (G = I); dW2, dW3, dW4 come
 * from fp_rule_dw; dW1 = (I - W^T)^{-1} g r^T with the same LU, transposed (the tests check fp_rule_dw's
 * dW1 against this formula).   cc -O2 -o paper_linear examples/paper_linear.c -lm && ./paper_linear */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

enum { N = 200, M = 100, ITERS = 3500 };

int main(int argc, char **argv)
{
    static double X[N * M], T[N * M], W0[N * N], W[N * N], A[N * N], R[N * M], G[N * M], Gr[N * M], U[N * M], dW[N * N];
    static const double lrs[5] = { 0.03, 0.1, 0.3, 1, 3 };
    int piv[N], i, j, k, li, it, seed = argc > 1 ? atoi(argv[1]) : 1;
    fp_rng rg = fp_rng_make((uint64_t)seed);
    void *ws = malloc(fp_rule_workspace_size_f64(FP_RULE_DW2, NULL, N, M));
    FILE *csv = fopen(argc > 2 ? argv[2] : "build/paper_linear.csv", "w");
    if (!csv || !ws) { fprintf(stderr, "paper_linear: cannot write the CSV (build/ missing?)\n"); return 1; }
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
    printf("paper_linear (seed %d): N=%d, m=%d, %d iterations; loss at iteration 500 / 3500 (the reference: J at start 3.19;\n"
           "  dW1 lr .3: 2.2e-2 / 1.5e-4, lr 1: 3.3e-3 / 1.9e-5, lr 3: 2.5e-2 / 1.6e-2; dW2 = dW3 lr .3: 1.2e-2 / 7.7e-7,\n"
           "  lr 1: 1.4e-4 / 7e-16, lr 3: 1.4e-8 / ~1e-29)\n", seed, N, M, ITERS);
    printf("| rule | lr 0.03 | lr 0.1 | lr 0.3 | lr 1 | lr 3 |\n|---|---|---|---|---|---|\n");
    for (k = 1; k <= 4; ++k) {
        printf("| %s |", fp_rule_name((fp_rule)k));
        for (li = 0; li < 5; ++li) {
            double L = 0, L0 = 0, L500 = NAN;
            memcpy(W, W0, sizeof W);
            for (it = 0; it <= ITERS; ++it) {
                fp_status st;
                for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) A[i * N + j] = (i == j) - W[i * N + j];
                if (fp_lu_factor_f64(N, A, N, 1, piv) != FP_OK) { L = NAN; break; }
                memcpy(R, X, sizeof R);
                fp_lu_solve_f64(FP_NOTRANS, N, M, A, N, 1, piv, R, M, 1); /* R = (I - W)^{-1} X */
                L = fp_loss_mse_f64(N, M, R, M, 1, T, M, 1, Gr, M, 1);
                if (it == 0) L0 = L;
                if (it == 500) L500 = L;
                if (it % 50 == 0) fprintf(csv, "%s,%g,%d,%.6g\n", fp_rule_name((fp_rule)k), lrs[li], it, L);
                if (it == ITERS || !(L == L) || L > 1e6) break;
                if (k == 1) { /* dW1 = (I - W^T)^{-1} Gr R^T, the adjoint by the transposed LU */
                    memcpy(U, Gr, sizeof U);
                    fp_lu_solve_f64(FP_TRANS, N, M, A, N, 1, piv, U, M, 1);
                    fp_gemm_f64(FP_NOTRANS, FP_TRANS, N, N, M, 1.0, U, M, 1, R, M, 1, 0.0, dW, N, 1);
                    st = FP_OK;
                } else
                    st = fp_rule_dw_f64((fp_rule)k, NULL, lrs[li], N, M, W, N, 1, R, M, 1, G, M, 1, Gr, M, 1, dW, N, 1, NULL, ws);
                if (st != FP_OK) { L = NAN; break; }
                fp_mat_axpby_f64(N, N, -lrs[li], dW, N, 1, 1.0, W, N, 1);
            }
            if (L == L && L <= 1e6) printf(" %.2g / %.2g |", L500, L);
            else printf(" %.2g / diverged |", L500);
            (void)L0;
            fflush(stdout);
        }
        printf("\n");
    }
    fclose(csv);
    free(ws);
    return 0;
}
