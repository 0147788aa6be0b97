/* Feedback networks: mean-field (z, Delta) against finite-N simulation, the predicted bulk radius against
 * the simulated spectrum, the bistable branch, teacher forcing, and bad input (docs/THEORY.md, (F1)-(F3),
 * (MF1)-(MF8)). */
#include <stdio.h>
#include "util.h"
#include "../fixpoint.h"

/* Simulates the closed loop from r0 = tanh(s * m) and returns z = n^T r / N and Delta = mean x^2. */
static int simulate(fp_feedback_f64 *fb, double s, double *z, double *delta, double *gain)
{
    int n = fb->n, i;
    double *w = malloc(sizeof(double) * (size_t)n * (size_t)n), *r = malloc(sizeof(double) * (size_t)n);
    double *x = malloc(sizeof(double) * (size_t)n);
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_status st;
    CHECK(fp_feedback_weights_f64(fb, fp_mat_rowmajor_f64(w, n, n)) == FP_OK);
    for (i = 0; i < n; ++i) r[i] = tanh(s * fb->m[i]);
    c.tol = 1e-10;
    c.warm_start = 1;
    st = fp_solve_f64(&c, &act, fp_mat_rowmajor_f64(w, n, n), fp_mat_vec_f64(fb->in, n), fp_mat_vec_f64(r, n), fp_mat_vec_f64(gain, n),
                      NULL, NULL);
    /* x = W r + I, z = n^T r / N */
    memcpy(x, fb->in, sizeof(double) * (size_t)n);
    fp_gemv_f64(FP_NOTRANS, n, n, 1.0, w, n, 1, r, 1, 1.0, x, 1);
    *z = fp_vec_dot_f64(n, fb->nv, 1, r, 1) / n;
    *delta = fp_vec_dot_f64(n, x, 1, x, 1) / n;
    free(w); free(r); free(x);
    return st == FP_OK;
}

static void meanfield_matches_simulation_at_n2000(void)
{
    /* unique regime: read-out along the input; bistable: along the feedback only (z = 0 a saddle) */
    fp_meanfield_params u = { 0.5, 1.0, 0.5, 0.0, 1.5, 0.0, 0.0, 1.0, 0 }, b = { 0.5, 1.0, 0.5, 0.0, 2.0, 0.0, 1.0, 0.0, 0 };
    fp_meanfield_solution sol[8];
    fp_feedback_f64 fb;
    double z, d;
    int count, i;
    CHECK(fp_meanfield_solve(&u, sol, 8, &count) == FP_OK);
    CHECKF(count == 1 && sol[0].stable, "unique regime: %d solutions", count);
    CHECK(fp_feedback_init_f64(&fb, 2000, &u, 11) == FP_OK);
    CHECK(simulate(&fb, 0.0, &z, &d, NULL));
    printf("    input-aligned read-out: mean-field z %.4f Delta %.4f, N=2000 z %.4f Delta %.4f\n", sol[0].z, sol[0].delta, z, d);
    CHECK(fabs(z - sol[0].z) < 0.03 * fabs(sol[0].z) && fabs(d - sol[0].delta) < 0.03 * sol[0].delta);
    fp_feedback_free_f64(&fb);
    CHECK(fp_meanfield_solve(&b, sol, 8, &count) == FP_OK);
    CHECKF(count == 3, "bistable regime: %d solutions", count);
    if (count == 3) {
        CHECK(fabs(sol[1].z) < 1e-9 && !sol[1].stable && sol[0].stable && sol[2].stable);
        CHECK(fabs(sol[0].z + sol[2].z) < 1e-9);
        /* chi makes single networks scatter by O(1/sqrt N) (about 5 % in Delta here): compare the average
         * over seeds and both branches, and show the spread */
        double zs = 0, ds = 0, dmin = 1e9, dmax = 0;
        int seed, runs = 0;
        for (seed = 0; seed < 4; ++seed) {
            CHECK(fp_feedback_init_f64(&fb, 2000, &b, 100u + (unsigned)seed) == FP_OK);
            for (i = 0; i < 2; ++i) {
                CHECK(simulate(&fb, i ? 1.0 : -1.0, &z, &d, NULL));
                CHECK((z > 0) == (i == 1)); /* each start settles on its own branch */
                zs += fabs(z); ds += d; ++runs;
                if (d < dmin) dmin = d;
                if (d > dmax) dmax = d;
            }
            fp_feedback_free_f64(&fb);
        }
        zs /= runs; ds /= runs;
        printf("    feedback-aligned read-out (bistable, saddle at z = 0 with outlier %.3f): mean-field |z| %.4f Delta %.4f,\n"
               "      N=2000 mean of 4 seeds x 2 branches |z| %.4f Delta %.4f (single networks: Delta %.3f .. %.3f)\n",
               sol[1].outlier, sol[2].z, sol[2].delta, zs, ds, dmin, dmax);
        CHECK(fabs(zs - sol[2].z) < 0.03 * sol[2].z && fabs(ds - sol[2].delta) < 0.03 * sol[2].delta);
    }
}

/* The bulk of W diag(phi') is a disk of radius g sqrt(<phi'^2>): estimated from the simulated spectrum as
 * the 90th percentile of |lambda| / sqrt(0.9) (uniform disk), robust to the outlier. */
static void bulk_radius_matches_simulated_spectrum(void)
{
    enum { N = 600 };
    fp_meanfield_params u = { 0.8, 1.0, 0.8, 0.0, 1.5, 0.0, 0.0, 1.0, 0 };
    fp_meanfield_solution sol[4];
    fp_feedback_f64 fb;
    double z, d, *gain = malloc(sizeof(double) * N), *w = malloc(sizeof(double) * N * N), wr[N], wi[N], mod[N], est;
    int count, i, j;
    CHECK(fp_meanfield_solve(&u, sol, 4, &count) == FP_OK && count == 1);
    CHECK(fp_feedback_init_f64(&fb, N, &u, 5) == FP_OK);
    CHECK(simulate(&fb, 0.0, &z, &d, gain));
    CHECK(fp_feedback_weights_f64(&fb, fp_mat_rowmajor_f64(w, N, N)) == FP_OK);
    for (i = 0; i < N; ++i) for (j = 0; j < N; ++j) w[i * N + j] *= gain[j]; /* W diag(phi') */
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(w, N, N), wr, wi, NULL) == FP_OK);
    for (i = 0; i < N; ++i) mod[i] = hypot(wr[i], wi[i]);
    for (i = 1; i < N; ++i) for (j = i; j > 0 && mod[j] < mod[j - 1]; --j) { double t = mod[j]; mod[j] = mod[j - 1]; mod[j - 1] = t; }
    est = mod[(int)(0.9 * N)] / sqrt(0.9);
    printf("    bulk radius: mean-field g sqrt(<phi'^2>) = %.4f, N=%d spectrum %.4f\n", sol[0].bulk_radius, N, est);
    CHECK(fabs(est - sol[0].bulk_radius) < 0.05 * sol[0].bulk_radius);
    fp_feedback_free_f64(&fb);
    free(gain); free(w);
}

/* The default bulk estimate of fp_stability_analyze (S2) on the networks the library builds: feedback
 * networks diag(phi') (chi + m n^T / N) at a simulated fixed point, N = 600: a read-out along the input (no
 * feedback outlier), one along the feedback, a mixed one. The estimate must be g sqrt(<phi'^2>) of the
 * network's own gains (within 3 %), and the outliers it counts the eigenvalues beyond 1.05 times that
 * (the true count; the mean-field's is printed beside). (The former estimate, the 90th percentile of |lambda| / sqrt(0.9), assumed a
 * uniform disk: it came out 6-14 % low and counted tens of bulk eigenvalues as outliers.) */
static void bulk_estimate_counts_the_true_outliers(void)
{
    enum { N = 600 };
    static const fp_meanfield_params cases[3] = { { 0.8, 1.0, 0.8, 0.0, 1.5, 0.0, 0.0, 1.0, 0 },
                                                  { 0.5, 1.0, 0.5, 0.0, 1.2, 0.0, 1.0, 0.0, 0 },
                                                  { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 } };
    int q;
    for (q = 0; q < 3; ++q) {
        fp_meanfield_solution sol[4];
        fp_feedback_f64 fb;
        fp_spectrum sp;
        double z, d, *gain = malloc(sizeof(double) * N), *w = malloc(sizeof(double) * N * N), wr[N], wi[N], mod[N];
        double truth, old;
        int count, i, j, beyond = 0, predicted, old_count = 0;
        fp_spectrum_config exact = { 0, 0, 0, 0 };
        exact.exact_max = N; /* every eigenvalue, for the truth */
        CHECK(fp_meanfield_solve(&cases[q], sol, 4, &count) == FP_OK && count == 1);
        CHECK(fp_feedback_init_f64(&fb, N, &cases[q], 5) == FP_OK);
        CHECK(simulate(&fb, 0.0, &z, &d, gain));
        CHECK(fp_feedback_weights_f64(&fb, fp_mat_rowmajor_f64(w, N, N)) == FP_OK);
        CHECK(fp_stability_analyze_f64(&exact, fp_mat_rowmajor_f64(w, N, N), fp_mat_vec_f64(gain, N), &sp, wr, wi, NULL) == FP_OK);
        truth = cases[q].g * fp_vec_norm2_f64(N, gain, 1) / sqrt((double)N);
        for (i = 0; i < N; ++i) { mod[i] = hypot(wr[i], wi[i]); beyond += mod[i] > 1.05 * truth; }
        for (i = 1; i < N; ++i) for (j = i; j > 0 && mod[j] < mod[j - 1]; --j) { double t = mod[j]; mod[j] = mod[j - 1]; mod[j - 1] = t; }
        old = mod[(int)(0.9 * (N - 1))] / sqrt(0.9);
        for (i = 0; i < N; ++i) old_count += mod[i] > 1.05 * old;
        predicted = sol[0].outlier > 1.05 * sol[0].bulk_radius;
        printf("    g sqrt(<phi'^2>) %.4f (mean-field %.4f), estimate %.4f; outliers counted %d, beyond 1.05 g sqrt(<phi'^2>) %d\n"
               "      (mean-field: outlier %.4f, %d beyond); the 90th-percentile estimate %.4f would count %d\n",
               truth, sol[0].bulk_radius, sp.bulk_radius, sp.outliers, beyond, sol[0].outlier, predicted, old, old_count);
        CHECK(fabs(sp.bulk_radius - truth) < 0.03 * truth);
        CHECK(sp.outliers == beyond);
        fp_feedback_free_f64(&fb);
        free(gain); free(w);
    }
}

static void teacher_forcing_makes_the_target_a_fixed_point(void)
{
    fp_meanfield_params p = { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 };
    fp_feedback_f64 fb;
    fp_meanfield_solution sol[8];
    double z, d, A = 1.0;
    int count, i, found = 0;
    CHECK(fp_feedback_init_f64(&fb, 1500, &p, 21) == FP_OK);
    CHECK(fp_feedback_teacher_force_f64(&fb, A, NULL) == FP_OK);
    CHECK(simulate(&fb, 1.0, &z, &d, NULL)); /* start near the target */
    printf("    teacher-forced read-out (C = %.4f): closed-loop z = %.6f for target A = %.1f\n", fb.p.C, z, A);
    CHECK(fabs(z - A) < 1e-6);
    /* the mean-field C puts a solution at z = A as well */
    CHECK(fp_meanfield_teacher_scale(&p, A) == FP_OK);
    CHECK(fp_meanfield_solve(&p, sol, 8, &count) == FP_OK);
    for (i = 0; i < count && i < 8; ++i) found |= fabs(sol[i].z - A) < 1e-6;
    CHECKF(found, "mean-field C = %.4f: no solution at z = A among %d", p.C, count);
    fp_feedback_free_f64(&fb);
}

static void feedback_bad_input_is_rejected(void)
{
    fp_meanfield_params p = { -0.5, 1, 1, 0, 1, 0, 1, 0, 0 };
    fp_meanfield_solution s[2];
    fp_feedback_f64 fb;
    int count;
    CHECK(fp_meanfield_solve(&p, s, 2, &count) == FP_ERR_INVALID_ARG);
    CHECK(fp_feedback_init_f64(&fb, 10, &p, 1) == FP_ERR_INVALID_ARG);
    p.g = NAN;
    CHECK(fp_meanfield_solve(&p, s, 2, &count) == FP_ERR_INVALID_ARG);
    p.g = 0.5; p.rho = 2;
    CHECK(fp_meanfield_solve(&p, s, 2, &count) == FP_ERR_INVALID_ARG);
    p.rho = 0;
    CHECK(fp_feedback_init_f64(&fb, 0, &p, 1) == FP_ERR_INVALID_ARG);
    p.C = INFINITY;
    CHECK(fp_feedback_init_f64(&fb, 10, &p, 1) == FP_ERR_INVALID_ARG);
}

const fpt_test fpt_feedback_tests[] = {
    { "meanfield_matches_simulation_at_n2000", meanfield_matches_simulation_at_n2000 },
    { "bulk_radius_matches_simulated_spectrum", bulk_radius_matches_simulated_spectrum },
    { "bulk_estimate_counts_the_true_outliers", bulk_estimate_counts_the_true_outliers },
    { "teacher_forcing_makes_the_target_a_fixed_point", teacher_forcing_makes_the_target_a_fixed_point },
    { "feedback_bad_input_is_rejected", feedback_bad_input_is_rejected },
    { NULL, NULL }
};
