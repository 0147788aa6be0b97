/* feedback_stability - Mastrogiuseppe & Ostojic's central comparison (docs/THEORY.md, sections 5-7): a
 * random network (bulk chi, g) with a rank-one feedback loop W = chi + m n^T / N and input X = I, whose
 * read-out n is set so that z = n^T phi(x) / N = A is a fixed point. Which n is chosen decides how many
 * fixed points the closed loop has and which are stable. Four parts, mean-field theory against a
 * finite-N network (attractor censuses from K initial conditions, spectra by QR or Arnoldi):
 *   1. the paper's reproduction target swept over A in [-2, 2] (n along (p, p_m, p_I) = (1, 1, 0.3));
 *   2. one row per class of read-out at A = 1 and A = 1.8: along the input, along the feedback, mixed,
 *      trained by least squares on the clamped activity, trained by gradient descent from n = 0;
 *   3. a phase diagram of the number of solutions over the read-out overlaps (c_m, c_I), checked at a
 *      few points by simulation; line sweeps over the bulk gain g and the input amplitude u;
 *   4. the spectra of W diag(phi') at the target, with the predicted bulk circle and outlier.
 * From the repository root (-I. finds fixpoint.h there):
 *   mkdir -p build && cc -O2 -I. -o build/feedback_stability examples/feedback_stability.c -lm
 *   ./build/feedback_stability
 *   ./build/feedback_stability --help      # the options (--n N, --out DIR) and the run time
 * writes DIR (default build)/feedback_*.dat and .csv; examples/feedback_stability.gp draws the PNGs. */
#include "example_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

static const char PROG[] = "feedback_stability";

static void usage(void)
{
    printf("usage: feedback_stability [options]\n\n"
           "Mastrogiuseppe & Ostojic's trained feedback networks, mean-field theory against a finite-N network:\n"
           "  1. the reproduction target swept over A in [-2, 2];\n"
           "  2. one row per class of read-out at A = 1 and A = 1.8;\n"
           "  3. a phase diagram over the read-out overlaps (c_m, c_I), checked by simulation, and line sweeps;\n"
           "  4. the spectra of W diag(phi') at the target with the predicted bulk circle and outlier.\n"
           "Prints the tables, writes feedback_*.dat and feedback_classes.csv to the output folder;\n"
           "gnuplot -e \"dir='build'\" examples/feedback_stability.gp draws the PNGs. Progress lines go to stderr.\n"
           "The default run (N = 1000) takes about 22 s on an Intel Xeon (2 cores, one used); --n 200 about 6 s.\n\n");
    printf("options (default in brackets; --name value or --name=value):\n"
           "  --n N            network size, 10 to 20000 (the spectra use at most 1000) [1000]\n"
           "  --out DIR        output folder, created if missing [build]\n"
           "  --quiet          no progress lines\n"
           "  -h, --help       this text\n");
}

/* Progress: each part's share of the default run's time (seconds at N = 1000, measured), split evenly over
 * its rows; only an estimate at other sizes, where the parts scale differently. */
static const double PART_SECONDS[4] = { 6.0, 4.4, 6.0, 7.4 };
static ex_progress progress;
static double progress_done;
static void tick(int part, int rows, const char *what)
{
    progress_done += PART_SECONDS[part - 1] / rows;
    ex_report(&progress, progress_done, 0, "part %d: %s", part, what);
}

enum { K = 16, MAXS = 16, MAXA = 8 };

/* The dynamics for the censuses: forward Euler with dt = 0.2 (tau = 1; stable for eigenvalues of W diag(phi')
 * down to Re -9) to 1e-8 */
static fp_solver_config euler(void)
{
    fp_solver_config c = fp_solver_config_default(FP_SOLVER_EULER);
    c.step = 0.2;
    c.tol = 1e-8;
    c.max_iter = 20000;
    return c;
}
static const fp_meanfield_params PAPER = { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 };

/* What a finite-N network does from K starts: stable attractors by the dynamics (Euler), and all the
 * fixed points Anderson finds from the same starts (saddles included). */
typedef struct sim {
    int attractors, stable, fixed_points, target_basin;
    double target_lead;  /* Re of the leading eigenvalue of W diag(phi') at z = A (NaN if not found) */
    char list[256];      /* z (basin) of each attractor */
} sim;

static void starts(const fp_feedback_f64 *fb, double *r, uint64_t seed)
{
    fp_rng g = fp_rng_make(seed);
    int i, c, n = fb->n;
    for (i = 0; i < n; ++i)
        for (c = 0; c < K; ++c) {
            double s = -3.0 + 6.0 * (c / 2) / (K / 2 - 1); /* even: along m from -3 to 3; odd: random */
            r[i * K + c] = c % 2 == 0 ? tanh(s * fb->m[i] + 0.3 * fb->in[i]) : tanh(1.5 * fp_rng_gauss(&g));
        }
}

static double readout(const fp_feedback_f64 *fb, const double *r, int col) { return fp_vec_dot_f64(fb->n, fb->nv, 1, r + col, K) / fb->n; }

static void simulate(const fp_feedback_f64 *fb, double A, double *w, double *r, sim *out)
{
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_census_config dyn = fp_census_config_default(), anderson = fp_census_config_default();
    fp_attractor at[MAXA];
    fp_census cs;
    int n = fb->n, i;
    memset(out, 0, sizeof *out);
    out->target_lead = NAN;
    fp_feedback_weights_f64(fb, fp_mat_rowmajor_f64(w, n, n));
    starts(fb, r, 99);
    dyn.solver = euler();
    if (fp_census_f64(&dyn, &act, fp_mat_rowmajor_f64(w, n, n), fp_mat_vec_f64(fb->in, n), fp_mat_rowmajor_f64(r, n, K), at, MAXA, NULL, &cs) != FP_OK) return;
    out->attractors = cs.attractors;
    for (i = 0; i < cs.attractors && i < MAXA; ++i) {
        double z = readout(fb, r, at[i].column);
        char cell[48];
        out->stable += at[i].spectrum.verdict == FP_STABLE;
        if (fabs(z - A) < 1e-3 * (1 + fabs(A))) { out->target_basin = at[i].basin; out->target_lead = at[i].spectrum.abscissa; }
        snprintf(cell, sizeof cell, "%s%.3f (%d)", i ? " " : "", z, at[i].basin);
        strncat(out->list, cell, sizeof out->list - strlen(out->list) - 1);
    }
    /* Anderson from the same starts: every fixed point near them, stable or not */
    anderson.solver = fp_solver_config_default(FP_SOLVER_ANDERSON);
    anderson.solver.tol = 1e-10;
    anderson.solver.max_iter = 2000;
    starts(fb, r, 99);
    if (fp_census_f64(&anderson, &act, fp_mat_rowmajor_f64(w, n, n), fp_mat_vec_f64(fb->in, n), fp_mat_rowmajor_f64(r, n, K), at, MAXA, NULL, &cs) == FP_OK) {
        out->fixed_points = cs.attractors;
        if (out->target_basin == 0)
            for (i = 0; i < cs.attractors && i < MAXA; ++i)
                if (fabs(readout(fb, r, at[i].column) - A) < 1e-3 * (1 + fabs(A))) out->target_lead = at[i].spectrum.abscissa;
    }
}

/* Mean-field solutions as "z s|u" text, and counts. */
static int meanfield(const fp_meanfield_params *p, int *stable, char *text, size_t len)
{
    fp_meanfield_solution sol[MAXS];
    int count = 0, i;
    *stable = 0;
    text[0] = 0;
    if (fp_meanfield_solve(p, sol, MAXS, &count) != FP_OK) return -1;
    for (i = 0; i < count && i < MAXS; ++i) {
        char cell[32];
        *stable += sol[i].stable;
        snprintf(cell, sizeof cell, "%s%.3f%s", i ? " " : "", sol[i].z, sol[i].stable ? "s" : "u");
        strncat(text, cell, len - strlen(text) - 1);
    }
    return count;
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[EX_PATH_MAX];
    FILE *f = ex_open_out(PROG, ex_join(PROG, dir, name, path, sizeof path));
    if (!f) exit(1);
    return f;
}

/* Closes a file open_out opened; a write that failed is a message and exit status 1. */
static void close_out(const char *dir, const char *name, FILE *f)
{
    char path[EX_PATH_MAX];
    if (!ex_close_out(PROG, f, ex_join(PROG, dir, name, path, sizeof path))) exit(1);
}

static void part1_sweep_over_A(int n, const char *dir, double *w, double *r)
{
    FILE *mf = open_out(dir, "feedback_meanfield.dat"), *sm = open_out(dir, "feedback_simulation.dat");
    fp_feedback_f64 fb;
    int ia;
    fprintf(mf, "# A z stable(1/0) outlier bulk_radius\n");
    fprintf(sm, "# A z stable(1/0) basin_fraction\n");
    printf("\n1. The reproduction target (g = 0.3, s_m = 1.2, s_I = 0.5, rho = 0.5, n along (1, 1, 0.3)), N = %d, K = %d starts\n", n, K);
    printf("%-6s | %-34s | %s\n", "A", "mean-field z (s stable, u unstable)", "simulation: attractors z (basin)");
    if (fp_feedback_init_f64(&fb, n, &PAPER, 7) != FP_OK) { fprintf(stderr, "init failed\n"); exit(1); }
    for (ia = 0; ia <= 20; ++ia) {
        double A = -2.0 + 0.2 * ia;
        fp_meanfield_params p = PAPER;
        fp_meanfield_solution sol[MAXS];
        fp_activation act = fp_activation_make(FP_ACT_TANH);
        fp_census_config dyn = fp_census_config_default();
        fp_attractor at[MAXA];
        fp_census cs;
        char left[256] = "", right[256] = "";
        int count = 0, i, st;
        if (ia == 10) continue; /* A = 0: the read-out scale is 0, nothing to train */
        tick(1, 20, "sweep over A");
        if (fp_meanfield_teacher_scale(&p, A) != FP_OK || fp_meanfield_solve(&p, sol, MAXS, &count) != FP_OK) count = 0;
        for (i = 0; i < count && i < MAXS; ++i) {
            char cell[32];
            snprintf(cell, sizeof cell, "%.3f%s ", sol[i].z, sol[i].stable ? "s" : "u");
            strncat(left, cell, sizeof left - strlen(left) - 1);
            fprintf(mf, "%.3f %.6f %d %.4f %.4f\n", A, sol[i].z, sol[i].stable, sol[i].outlier, sol[i].bulk_radius);
        }
        if (fp_feedback_teacher_force_f64(&fb, A, NULL) != FP_OK) { printf("%-6.2f | %-34s | teacher forcing failed\n", A, left); continue; }
        fp_feedback_weights_f64(&fb, fp_mat_rowmajor_f64(w, n, n));
        starts(&fb, r, 99);
        dyn.solver = euler();
        st = fp_census_f64(&dyn, &act, fp_mat_rowmajor_f64(w, n, n), fp_mat_vec_f64(fb.in, n), fp_mat_rowmajor_f64(r, n, K), at, MAXA, NULL, &cs);
        for (i = 0; st == FP_OK && i < cs.attractors && i < MAXA; ++i) {
            double z = readout(&fb, r, at[i].column);
            char cell[48];
            snprintf(cell, sizeof cell, "%.3f (%d/%d, %s) ", z, at[i].basin, K, at[i].spectrum.verdict == FP_STABLE ? "s" : "u");
            strncat(right, cell, sizeof right - strlen(right) - 1);
            fprintf(sm, "%.3f %.6f %d %.3f\n", A, z, at[i].spectrum.verdict == FP_STABLE, (double)at[i].basin / K);
        }
        if (st == FP_OK && cs.unsettled) { char cell[32]; snprintf(cell, sizeof cell, "[%d unsettled]", cs.unsettled); strncat(right, cell, sizeof right - strlen(right) - 1); }
        printf("%-6.2f | %-34s | %s\n", A, left, right);
        fflush(stdout);
    }
    fp_feedback_free_f64(&fb);
    close_out(dir, "feedback_meanfield.dat", mf);
    close_out(dir, "feedback_simulation.dat", sm);
}

static const char *const CLASS[5] = { "along the input", "along the feedback", "mixed (paper)", "least squares", "gradient descent" };

static void part2_classes(int n, const char *dir, double *w, double *r)
{
    FILE *csv = open_out(dir, "feedback_classes.csv");
    const double targets[2] = { 1.0, 1.8 };
    int it, c;
    fprintf(csv, "A,class,s_nm,s_nI,rest_fraction,mf_solutions,mf_stable,sim_attractors,sim_stable,sim_fixed_points,target_basin,target_lead_re,mf_z,sim_z\n");
    printf("\n2. Classes of read-out, N = %d, K = %d starts. mf: mean-field solutions (stable); sim: attractors reached by the\n"
           "   dynamics (stable) / fixed points Anderson finds from the same starts; target: runs reaching z = A, Re lambda_max there\n", n, K);
    printf("%-4s %-17s %6s %6s %5s | %-9s %-28s | %-9s %-24s %-13s\n", "A", "read-out", "s_nm", "s_nI", "rest", "mf", "mf z", "sim", "sim attractors z (basin)", "target");
    for (it = 0; it < 2; ++it)
        for (c = 0; c < 5; ++c) {
            double A = targets[it], u1 = 1.0;
            fp_meanfield_params p = PAPER;
            fp_feedback_f64 fb;
            fp_feedback_parts parts;
            sim s;
            char mz[256];
            int mcount, mstable, i;
            if (c == 0) { p.p = 0; p.p_m = 0; p.p_I = 1; }
            if (c == 1) { p.p = 0; p.p_m = 1; p.p_I = 0; }
            if (fp_feedback_init_f64(&fb, n, &p, 7) != FP_OK) exit(1);
            if (c < 3) {
                if (fp_feedback_teacher_force_f64(&fb, A, NULL) != FP_OK) { printf("%-4.1f %-17s teacher forcing failed\n", A, CLASS[c]); continue; }
            } else if (c == 3) {
                if (fp_feedback_train_ls_f64(&fb, 1, &u1, &A, 0.0, NULL) != FP_OK) { printf("%-4.1f %-17s least squares failed\n", A, CLASS[c]); continue; }
            } else {
                fp_feedback_gd_report rep;
                for (i = 0; i < n; ++i) fb.nv[i] = 0;
                if (fp_feedback_train_gd_f64(&fb, 1, &u1, &A, NULL, NULL, &rep) != FP_OK) { printf("%-4.1f %-17s gradient descent: %s after %d steps\n", A, CLASS[c], fp_status_str(rep.status), rep.steps); }
            }
            fp_feedback_decompose_f64(&fb, NULL, &parts);
            /* theory for the trained read-outs: their projections on (w, x_m, x_I); the rest is invisible to it */
            if (c < 3) { if (fp_meanfield_teacher_scale(&p, A) != FP_OK) p.C = NAN; }
            else p = parts.mf;
            mcount = meanfield(&p, &mstable, mz, sizeof mz);
            simulate(&fb, A, w, r, &s);
            printf("%-4.1f %-17s %6.3f %6.3f %5.2f | %d (%d)     %-28s | %d (%d) / %d %-24s %2d/%d %6.3f\n", A, CLASS[c], parts.s_nm, parts.s_nI,
                   parts.rest_fraction, mcount, mstable, mz, s.attractors, s.stable, s.fixed_points, s.list, s.target_basin, K, s.target_lead);
            fprintf(csv, "%.1f,%s,%.4f,%.4f,%.3f,%d,%d,%d,%d,%d,%d,%.4f,%s,%s\n", A, CLASS[c], parts.s_nm, parts.s_nI, parts.rest_fraction,
                    mcount, mstable, s.attractors, s.stable, s.fixed_points, s.target_basin, s.target_lead, mz, s.list);
            fflush(stdout);
            fp_feedback_free_f64(&fb);
            tick(2, 10, "classes of read-out");
        }
    close_out(dir, "feedback_classes.csv", csv);
}

static void part3_phase_diagram(int n, const char *dir, double *w, double *r)
{
    enum { NX = 21, NY = 21 };
    /* the paper's special case: m and I uncorrelated, unit scale, u = 1: z = (c_m z + c_I) <phi'> */
    const fp_meanfield_params base = { 0.5, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0 };
    const double checks[4][2] = { { 1.0, 0.5 }, { 3.0, 0.1 }, { 3.0, 1.4 }, { 2.5, -0.3 } };
    static fp_meanfield_cell cell[NX * NY];
    FILE *f = open_out(dir, "feedback_phase.dat"), *fc = open_out(dir, "feedback_phase_checks.dat");
    int i;
    fp_meanfield_sweep(&base, FP_MF_P_M, 0.0, 4.0, NX, FP_MF_P_I, -1.5, 1.5, NY, cell);
    fprintf(f, "# c_m c_I solutions stable (g = 0.5, u = 1, rho = 0)\n");
    for (i = 0; i < NX * NY; ++i) {
        fprintf(f, "%.4f %.4f %d %d\n", cell[i].x, cell[i].y, cell[i].solutions, cell[i].stable);
        if (i % NX == NX - 1) fprintf(f, "\n");
    }
    close_out(dir, "feedback_phase.dat", f);
    printf("\n3. Phase diagram over the read-out overlaps (c_m, c_I), g = 0.5, u = 1: %dx%d mean-field grid written;\n"
           "   checked by simulation (N = %d, K = %d):\n", NX, NY, n, K);
    fprintf(fc, "# c_m c_I mf_solutions mf_stable sim_attractors sim_stable\n");
    for (i = 0; i < 4; ++i) {
        fp_meanfield_params p = base;
        fp_feedback_f64 fb;
        char mz[256];
        sim s;
        int ms, mc;
        p.p_m = checks[i][0];
        p.p_I = checks[i][1];
        mc = meanfield(&p, &ms, mz, sizeof mz);
        if (fp_feedback_init_f64(&fb, n, &p, 8) != FP_OK) exit(1);
        simulate(&fb, NAN, w, r, &s);
        printf("   c_m %.1f c_I %+.1f: mean-field %d solutions (%d stable) %-30s | simulation %d attractors (%d stable): %s\n",
               p.p_m, p.p_I, mc, ms, mz, s.attractors, s.stable, s.list);
        fprintf(fc, "%.2f %.2f %d %d %d %d\n", p.p_m, p.p_I, mc, ms, s.attractors, s.stable);
        fp_feedback_free_f64(&fb);
        tick(3, 4, "phase diagram checks");
    }
    close_out(dir, "feedback_phase_checks.dat", fc);
    /* line sweeps of the reproduction target at A = 1.8 (C by teacher forcing at every point): the bulk
     * gain g and the input amplitude u = s_I */
    {
        enum { NS = 11 };
        static const fp_meanfield_axis axes[2] = { FP_MF_G, FP_MF_S_I };
        static const char *const names[2] = { "g", "u" };
        static const double lo[2] = { 0.0, 0.1 }, hi[2] = { 1.5, 1.5 };
        fp_meanfield_cell line[NS];
        FILE *fs = open_out(dir, "feedback_sweeps.dat");
        int a, k;
        fprintf(fs, "# axis value solutions stable (reproduction target, A = 1.8)\n");
        for (a = 0; a < 2; ++a) {
            if (fp_meanfield_sweep(&PAPER, axes[a], lo[a], hi[a], NS, FP_MF_TARGET, 1.8, 1.8, 1, line) != FP_OK) continue;
            printf("   reproduction target at A = 1.8 against %s: solutions (stable)", names[a]);
            for (k = 0; k < NS; ++k) {
                printf(" %s=%.2f:%d(%d)", names[a], line[k].x, line[k].solutions, line[k].stable);
                fprintf(fs, "%s %.4f %d %d\n", names[a], line[k].x, line[k].solutions, line[k].stable);
            }
            printf("\n");
        }
        close_out(dir, "feedback_sweeps.dat", fs);
    }
}

static void part4_spectra(int n, const char *dir, double *w, double *r)
{
    FILE *f = open_out(dir, "feedback_spectra.dat"), *fp = open_out(dir, "feedback_spectra_predicted.dat");
    double *wr = malloc(sizeof(double) * (size_t)n), *wi = malloc(sizeof(double) * (size_t)n), *g = malloc(sizeof(double) * (size_t)n);
    void *ews = malloc(fp_eig_workspace_size_f64(n));
    int c, i;
    printf("\n4. Spectra of W diag(phi') at the target A = 1 (all %d eigenvalues by QR):\n", n);
    fprintf(f, "# class re im\n");
    fprintf(fp, "# class bulk_radius_predicted outlier_predicted bulk_radius_estimated abscissa\n");
    for (c = 2; c <= 3; ++c) {
        fp_meanfield_params p = PAPER;
        fp_meanfield_solution sol[MAXS];
        fp_feedback_f64 fb;
        fp_feedback_parts parts;
        fp_solver_config cfg = fp_solver_config_default(FP_SOLVER_ANDERSON);
        fp_activation act = fp_activation_make(FP_ACT_TANH);
        fp_spectrum_config sc = { 0, 0, 0, 0 };
        fp_spectrum s;
        double A = 1.0, u1 = 1.0, bulk = NAN, outl = NAN;
        int count = 0;
        if (!wr || !wi || !g || !ews || fp_feedback_init_f64(&fb, n, &p, 7) != FP_OK) exit(1);
        if (c == 2) fp_feedback_teacher_force_f64(&fb, A, NULL);
        else fp_feedback_train_ls_f64(&fb, 1, &u1, &A, 0.0, NULL);
        fp_feedback_decompose_f64(&fb, NULL, &parts);
        if (c == 2) fp_meanfield_teacher_scale(&p, A); else p = parts.mf;
        if (fp_meanfield_solve(&p, sol, MAXS, &count) == FP_OK)
            for (i = 0; i < count && i < MAXS; ++i)
                if (fabs(sol[i].z - A) < 1e-3) { bulk = sol[i].bulk_radius; outl = sol[i].outlier; }
        /* the target fixed point, from the clamped state */
        fp_feedback_weights_f64(&fb, fp_mat_rowmajor_f64(w, n, n));
        for (i = 0; i < n; ++i) r[i] = tanh(A * fb.m[i] + fb.in[i]);
        cfg.tol = 1e-12;
        cfg.warm_start = 1;
        fp_solve_f64(&cfg, &act, fp_mat_rowmajor_f64(w, n, n), fp_mat_vec_f64(fb.in, n), fp_mat_vec_f64(r, n), fp_mat_vec_f64(g, n), NULL, ews);
        sc.exact_max = n;
        /* the bulk radius g sqrt(<phi'^2>) with the network's own gains: the theory's formula, which holds
         * whatever n is (the bulk is chi diag(phi')); outliers are counted beyond it */
        sc.bulk_radius = fb.p.g * fp_vec_norm2_f64(n, g, 1) / sqrt((double)n);
        if (fp_stability_analyze_f64(&sc, fp_mat_rowmajor_f64(w, n, n), fp_mat_vec_f64(g, n), &s, wr, wi, ews) != FP_OK) { printf("   %s: eigen solve failed\n", CLASS[c]); continue; }
        for (i = 0; i < n; ++i) fprintf(f, "%d %.6f %.6f\n", c, wr[i], wi[i]);
        fprintf(f, "\n\n");
        fprintf(fp, "%d %.5f %.5f %.5f %.5f\n", c, bulk, outl, s.bulk_radius, s.abscissa);
        if (bulk == bulk)
            printf("   %-17s bulk radius g sqrt(<phi'^2>) %.4f (mean-field %.4f); %d outlier(s) beyond it, the largest %.4f%+.4fi (mean-field %.4f); %s\n",
                   CLASS[c], s.bulk_radius, bulk, s.outliers, s.outlier_re[0], s.outlier_im[0], outl, fp_verdict_str(s.verdict));
        else
            printf("   %-17s bulk radius g sqrt(<phi'^2>) %.4f; %d outlier(s) beyond it, the largest %.4f%+.4fi (the mean-field has no solution at z = A\n"
                   "                     for this read-out: its part along phi(x*) is correlated with chi); %s\n",
                   CLASS[c], s.bulk_radius, s.outliers, s.outlier_re[0], s.outlier_im[0], fp_verdict_str(s.verdict));
        fp_feedback_free_f64(&fb);
        tick(4, 2, "spectra");
    }
    close_out(dir, "feedback_spectra.dat", f);
    close_out(dir, "feedback_spectra_predicted.dat", fp);
    free(wr); free(wi); free(g); free(ews);
}

int main(int argc, char **argv)
{
    int n = 1000, quiet = 0;
    const char *dir = "build";
    double *w, *r;
    clock_t t0 = clock();
    ex_args args;
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--n")) n = ex_int(&args, 10, 20000);
        else if (ex_is(&args, "--out")) dir = ex_folder(&args);
        else if (ex_is(&args, "--quiet")) quiet = ex_flag(&args);
        else ex_unknown(&args);
    }
    if (!ex_make_dir(PROG, dir)) return 1; /* now, not after the first part's work */
    ex_progress_start(&progress, PROG, PART_SECONDS[0] + PART_SECONDS[1] + PART_SECONDS[2] + PART_SECONDS[3], 5.0, quiet);
    w = malloc(sizeof(double) * (size_t)n * (size_t)n);
    r = malloc(sizeof(double) * (size_t)n * K);
    if (!w || !r) { fprintf(stderr, "feedback_stability: out of memory\n"); return 1; }
    part1_sweep_over_A(n, dir, w, r);
    printf("   (%.1f s)\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    part2_classes(n, dir, w, r);
    printf("   (%.1f s)\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    part3_phase_diagram(n, dir, w, r);
    printf("   (%.1f s)\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    part4_spectra(n < 1000 ? n : 1000, dir, w, r);
    printf("\nwrote %s/feedback_*.dat, %s/feedback_classes.csv (%.1f s CPU); plots: gnuplot -e \"dir='%s'\" examples/feedback_stability.gp\n",
           dir, dir, (double)(clock() - t0) / CLOCKS_PER_SEC, dir);
    free(w); free(r);
    return 0;
}
