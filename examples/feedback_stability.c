/* feedback_stability - Mastrogiuseppe & Ostojic's central comparison (mastrogiuseppe_ostojic.md,
 * reproduction target): a random network g = 0.3 with a rank-one feedback loop, m and I correlated
 * (rho = 0.5, s_m = 1.2, s_I = 0.5), the read-out direction n along (p, p_m, p_I) = (1, 1, 0.3), its
 * scale set by teacher forcing so that z = A is a fixed point. For each target A in [-2, 2] it prints and
 * writes the mean-field solutions (number, z, predicted stability) and the attractors a finite-N network
 * reaches by its dynamics (forward Euler from K initial conditions), with their stability from the
 * leading eigenvalue of W diag(phi') (Arnoldi).
 *   cc -O2 -o feedback_stability examples/feedback_stability.c -lm && ./feedback_stability [N] [OUTDIR]
 * examples/feedback_stability.gp plots both against A. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

enum { K = 8, MAXS = 8 };

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000, ia, i, j, c, count;
    const char *dir = argc > 2 ? argv[2] : "build";
    const fp_meanfield_params base = { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 };
    char path[1024];
    FILE *mf, *sim;
    double *w, *r, *x, *g, *eigw;
    if (n < 10) { fprintf(stderr, "feedback_stability: N must be >= 10\n"); return 2; }
    w = malloc(sizeof(double) * (size_t)n * (size_t)n);
    r = malloc(sizeof(double) * (size_t)n * K); x = malloc(sizeof(double) * (size_t)n * K); g = malloc(sizeof(double) * (size_t)n * K);
    eigw = malloc(fp_eig_workspace_size_f64(n));
    snprintf(path, sizeof path, "%s/feedback_meanfield.dat", dir);
    mf = fopen(path, "w");
    snprintf(path, sizeof path, "%s/feedback_simulation.dat", dir);
    sim = fopen(path, "w");
    if (!w || !r || !x || !g || !eigw || !mf || !sim) { fprintf(stderr, "feedback_stability: out of memory or cannot write %s\n", dir); return 1; }
    fprintf(mf, "# A z stable(1/0) outlier bulk_radius\n");
    fprintf(sim, "# A z leading_eig_real stable(1/0) basin_fraction\n");
    printf("N = %d, g = 0.3, s_m = 1.2, s_I = 0.5, rho = 0.5, n along (1, 1, 0.3); K = %d initial conditions per target\n", n, K);
    printf("%-6s | %-40s | %-40s\n", "A", "mean-field solutions z (s = stable, u = unstable)", "simulation attractors z (basin, lead eig)");
    for (ia = 0; ia <= 20; ++ia) {
        double A = -2.0 + 0.2 * ia, zs[K], lead[K];
        int basin[K], nat = 0;
        fp_meanfield_params p = base;
        fp_meanfield_solution sol[MAXS];
        fp_feedback_f64 fb;
        fp_solver_config cfg = fp_solver_config_default(FP_SOLVER_EULER);
        fp_activation act = fp_activation_make(FP_ACT_TANH);
        char left[256] = "", right[256] = "";
        if (ia == 10) continue; /* A = 0: the read-out scale is 0, nothing to train */
        /* mean-field: C by teacher forcing, then every solution and its predicted stability */
        if (fp_meanfield_teacher_scale(&p, A) != FP_OK || fp_meanfield_solve(&p, sol, MAXS, &count) != FP_OK) count = 0;
        for (i = 0; i < count && i < MAXS; ++i) {
            char cell[48];
            snprintf(cell, sizeof cell, "%.3f%s ", sol[i].z, sol[i].stable ? "s" : "u");
            strncat(left, cell, sizeof left - strlen(left) - 1);
            fprintf(mf, "%.3f %.6f %d %.4f %.4f\n", A, sol[i].z, sol[i].stable, sol[i].outlier, sol[i].bulk_radius);
        }
        /* simulation: the same directions and bulk for every A (seed 7), C by teacher forcing on it */
        if (fp_feedback_init_f64(&fb, n, &base, 7) != FP_OK || fp_feedback_teacher_force_f64(&fb, A, NULL) != FP_OK) {
            printf("%-6.2f | %-40s | teacher forcing failed\n", A, left);
            continue;
        }
        fp_feedback_weights_f64(&fb, w, n, 1);
        for (i = 0; i < n; ++i)
            for (c = 0; c < K; ++c) {
                double s = -3.0 + 6.0 * c / (K - 1); /* initial states along m, from -3 to 3 */
                r[i * K + c] = tanh(s * fb.m[i] + 0.3 * fb.in[i]);
                x[i * K + c] = fb.in[i];
            }
        cfg.step = 0.2;
        cfg.tol = 1e-9;
        cfg.max_iter = 20000;
        cfg.warm_start = 1;
        fp_solve_f64(&cfg, &act, n, K, w, n, 1, x, K, 1, r, K, 1, g, K, 1, NULL, NULL);
        for (c = 0; c < K; ++c) {
            double z = fp_vec_dot_f64(n, fb.nv, 1, r + c, K) / n, re, im;
            for (j = 0; j < nat && fabs(zs[j] - z) > 1e-4 * (1 + fabs(z)); ++j) {}
            if (j < nat) { basin[j]++; continue; }
            zs[nat] = z;
            basin[nat] = 1;
            lead[nat] = fp_stability_f64(n, 1, w, n, 1, g + c, K, 1, 0, &re, &im, eigw) == FP_OK ? re : NAN;
            ++nat;
        }
        for (j = 0; j < nat; ++j) {
            char cell[64];
            snprintf(cell, sizeof cell, "%.3f (%d/%d, %.2f) ", zs[j], basin[j], K, lead[j]);
            strncat(right, cell, sizeof right - strlen(right) - 1);
            fprintf(sim, "%.3f %.6f %.4f %d %.3f\n", A, zs[j], lead[j], lead[j] < 1, (double)basin[j] / K);
        }
        printf("%-6.2f | %-40s | %s\n", A, left, right);
        fflush(stdout);
        fp_feedback_free_f64(&fb);
    }
    fclose(mf);
    fclose(sim);
    printf("wrote %s/feedback_meanfield.dat and %s/feedback_simulation.dat\n", dir, dir);
    free(w); free(r); free(x); free(g); free(eigw);
    return 0;
}
