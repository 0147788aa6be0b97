/* Contracts of the analysis routines at the edges of their range: eigenvalues of huge and tiny
 * matrices, and the mean-field solver on non-finite, extreme and many-rooted parameters. Every
 * mean-field call runs in a child process with a deadline, so a runaway computation fails its test
 * instead of stalling the suite; the timing contracts are measured in the parent. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "util.h"
#include "../fixpoint.h"

/* ---- wall-time limits: stated for an optimized build; sanitizers and valgrind stretch them ---- */
#if defined(__SANITIZE_ADDRESS__)
#define FPT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FPT_SANITIZED 1
#endif
#endif
#ifndef FPT_SANITIZED
#define FPT_SANITIZED 0
#endif

static double slowdown(void)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload")) return 30.0; /* running under valgrind */
    return FPT_SANITIZED ? 4.0 : 1.0;
}

/* The deadline of a mean-field call without a timing contract: far beyond what a correct solve needs. */
#ifndef FPT_MF_CAP
#define FPT_MF_CAP 10
#endif

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- the mean-field calls, run in a child ---- */
enum { MF_SOLVE = 0, MF_TEACHER = 1, MF_TEACHER_SOLVE = 2, MF_MAXS = 16 };
typedef struct mf_result {
    int finished;                   /* 1: the child returned its answer (no deadline, crash or report) */
    double seconds;                 /* wall time of the call, fork to reaping                          */
    fp_status st_teacher, st;       /* teacher_scale's and solve's statuses                            */
    double C;                       /* C after teacher_scale                                           */
    int count;                      /* solutions found                                                 */
    fp_meanfield_solution sol[MF_MAXS];
} mf_result;

static void mf_compute(int kind, const fp_meanfield_params *p0, double A, mf_result *r)
{
    fp_meanfield_params p = *p0;
    r->st_teacher = FP_OK;
    r->st = FP_OK;
    r->count = -1;
    r->C = p.C;
    if (kind != MF_SOLVE) {
        r->st_teacher = fp_meanfield_teacher_scale(&p, A);
        r->C = p.C;
    }
    if (kind == MF_SOLVE || (kind == MF_TEACHER_SOLVE && r->st_teacher == FP_OK))
        r->st = fp_meanfield_solve(&p, r->sol, MF_MAXS, &r->count);
}

/* Runs one job in a child that dies after cap seconds (times the slowdown); the parent times it. */
static void mf_run(int kind, const fp_meanfield_params *p, double A, double cap, mf_result *r)
{
    int fd[2], status = 0;
    pid_t pid;
    double t0;
    mf_result got;
    memset(r, 0, sizeof *r);
    memset(&got, 0, sizeof got);
    fflush(stdout);
    t0 = now_seconds();
    pid = -1;
    if (pipe(fd) == 0 && (pid = fork()) < 0) { close(fd[0]); close(fd[1]); }
    if (pid < 0) { /* no child: run in place */
        mf_compute(kind, p, A, r);
        r->finished = 1;
        r->seconds = now_seconds() - t0;
        return;
    }
    if (pid == 0) {
        size_t off = 0;
        const char *b = (const char *)&got;
        close(fd[0]);
        alarm((unsigned)ceil(cap * slowdown()));
        mf_compute(kind, p, A, &got);
        got.finished = 1;
        while (off < sizeof got) {
            ssize_t w = write(fd[1], b + off, sizeof got - off);
            if (w <= 0) _exit(3);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(fd[1]);
    {
        size_t off = 0;
        char *b = (char *)&got;
        while (off < sizeof got) {
            ssize_t n = read(fd[0], b + off, sizeof got - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            off += (size_t)n;
        }
        close(fd[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        r->seconds = now_seconds() - t0;
        if (off == sizeof got && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            double s = r->seconds;
            *r = got;
            r->seconds = s;
        } else {
            r->finished = 0;
            if (WIFSIGNALED(status))
                printf("    child died by signal %d after %.1f s%s\n", WTERMSIG(status), r->seconds,
                       WTERMSIG(status) == SIGALRM ? " (deadline)" : "");
            else
                printf("    child exited with %d after %.1f s\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, r->seconds);
        }
    }
}

static void mf_print(const char *what, const mf_result *r)
{
    int i;
    printf("    %s: %s, status %d, %d solution(s), %.2f s\n", what, r->finished ? "returned" : "no answer", r->st,
           r->count, r->seconds);
    for (i = 0; r->finished && i < r->count && i < MF_MAXS; ++i)
        printf("      z %.10g  delta %.6g  outlier %.6g  bulk %.6g  %s\n", r->sol[i].z, r->sol[i].delta,
               r->sol[i].outlier, r->sol[i].bulk_radius, r->sol[i].stable ? "stable" : "unstable");
}

/* every written solution's fields are finite, and the stable flag means what it says */
static int mf_all_finite(const mf_result *r)
{
    int i, ok = r->count >= 0;
    for (i = 0; i < r->count && i < MF_MAXS; ++i) {
        const fp_meanfield_solution *s = r->sol + i;
        ok &= isfinite(s->z) && isfinite(s->delta) && isfinite(s->outlier) && isfinite(s->bulk_radius);
        if (s->stable) ok &= isfinite(s->outlier) && s->outlier < 1 && isfinite(s->bulk_radius) && s->bulk_radius < 1;
    }
    return ok;
}

/* Mastrogiuseppe & Ostojic, Fig. 1e: the base parameters (C = 1 until teacher forcing sets it). */
static const fp_meanfield_params fig1e = { 0.3, 1.2, 0.5, 0.5, 1.0, 1.0, 1.0, 0.3, 0 };
/* The symmetric case: rho = 0, s_m = s_I = 1, p = 0, a weak input overlap p_I = 0.01 (p_m set per case). */
static const fp_meanfield_params pitchfork = { 0.3, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.01, 0 };

/* ---- an independent Gaussian average: <sech^2(x)> = <tanh'(x)> over x ~ N(0, delta) ----
 * The trapezoid rule over the whole line on a smooth, fast-decaying integrand converges geometrically:
 * the step is 1/64 of min(sd, 1) (it resolves both the Gaussian and sech^2, whose poles lie at +-i pi/2)
 * and the range min(12 sd, 40) loses less than 1e-30. <tanh^2> = 1 - <sech^2>. */
static double avg_sech2(double delta)
{
    double sd, h, L, sum, y;
    int i, n;
    if (!(delta > 0)) return 1.0;
    sd = sqrt(delta);
    h = (sd < 1 ? sd : 1) / 64;
    L = 12 * sd < 40 ? 12 * sd : 40;
    n = (int)ceil(L / h);
    sum = 1.0; /* y = 0: sech^2(0) exp(0) */
    for (i = 1; i <= n; ++i) {
        double c;
        y = i * h;
        c = cosh(y);
        sum += 2 * exp(-0.5 * y * y / delta) / (c * c);
    }
    return sum * h / (sd * sqrt(2 * 3.14159265358979323846));
}

/* Checks that the solution solves both mean-field equations, with its own reported delta. */
static int solves_the_equations(const fp_meanfield_params *p, const fp_meanfield_solution *s)
{
    double r2 = sqrt(1 - p->rho * p->rho), snm = p->C * p->s_m * (p->rho * p->p + r2 * p->p_m);
    double snI = p->C * p->s_I * (p->rho * p->p + r2 * p->p_I), z = s->z, d = s->delta;
    double dphi = avg_sech2(d), phi2 = 1 - dphi;
    double rz = (snm * z + snI) * dphi - z;
    double dd = p->g * p->g * phi2 + p->s_m * p->s_m * z * z + 2 * p->s_m * p->s_I * p->rho * p->rho * z +
                p->s_I * p->s_I - d;
    int ok = isfinite(z) && isfinite(d) && fabs(rz) <= 1e-6 * (1 + fabs(z)) && fabs(dd) <= 1e-6 * fabs(d);
    if (!ok) printf("    z = %.12g, delta = %.12g: z-equation residual %.3g, delta-equation residual %.3g\n", z, d, rz, dd);
    return ok;
}

/* ================================ eigenvalues (contract 8) ================================ */

static int eig_close(double wr, double wi, double er, double ei, double tol)
{
    return isfinite(wr) && isfinite(wi) && hypot(wr - er, wi - ei) <= tol;
}

/* The two eigenvalues of a 2 x 2 are er +- i ei (ei > 0), each within tol. */
static void check_pair(const double *a, double er, double ei, double tol)
{
    double wr[2] = { NAN, NAN }, wi[2] = { NAN, NAN };
    fp_status st = fp_eig_f64(fp_mat_rowmajor_f64((double *)a, 2, 2), wr, wi, NULL);
    int hi = wi[0] > wi[1] ? 0 : 1;
    CHECKF(st == FP_OK, "status %d", st);
    CHECKF(eig_close(wr[hi], wi[hi], er, ei, tol) && eig_close(wr[1 - hi], wi[1 - hi], er, -ei, tol),
           "[[%g, %g], [%g, %g]]: %.17g%+.17gi and %.17g%+.17gi, want %.17g +- %.17gi", a[0], a[1], a[2], a[3], wr[0],
           wi[0], wr[1], wi[1], er, ei);
}

static void eig_of_a_huge_rotation_is_exact(void)
{
    const double a[4] = { 0, 1e160, -1e160, 0 };
    check_pair(a, 0, 1e160, 1e-12 * 1e160);
}

static void eig_of_a_huge_complex_pair_is_exact(void)
{
    const double a[4] = { 1e155, 1e155, -1e155, 0 };
    check_pair(a, 0.5 * 1e155, 0.5 * sqrt(3.0) * 1e155, 1e-12 * 1e155);
}

static void eig_of_a_tiny_rotation_is_exact(void)
{
    const double a[4] = { 0, 1e-160, -1e-160, 0 };
    check_pair(a, 0, 1e-160, 1e-12 * 1e-160);
}

/* A 6 x 6 with entries in the thousands (eigenvalues of modulus up to about 8400, two complex pairs). */
static const int six[36] = { 3, -2, 5, 1, 7, -4, 9, 1, -3, 2, 0, 6, -5, 4, 2, -8, 3, 1,
                             2, 6, -1, 4, -5, 3, -7, 0, 8, 1, 2, -2, 4, -3, 1, 5, -6, 9 };

static void eig_commutes_with_scaling_by_1e150(void)
{
    double a[36], b[36], wr[6], wi[6], sr[6], si[6], rad = 0, worst = 0;
    int i, j, used[6] = { 0, 0, 0, 0, 0, 0 };
    fp_status s1, s2;
    for (i = 0; i < 36; ++i) { a[i] = 1000.0 * six[i]; b[i] = a[i] * 1e150; }
    s1 = fp_eig_f64(fp_mat_rowmajor_f64(a, 6, 6), wr, wi, NULL);
    s2 = fp_eig_f64(fp_mat_rowmajor_f64(b, 6, 6), sr, si, NULL);
    CHECKF(s1 == FP_OK && s2 == FP_OK, "statuses %d %d", s1, s2);
    if (s1 != FP_OK || s2 != FP_OK) return;
    for (i = 0; i < 6; ++i) rad = fmax(rad, hypot(wr[i], wi[i]));
    for (i = 0; i < 6; ++i) { /* match each unscaled eigenvalue to the nearest unused scaled one */
        int best = -1;
        double bd = HUGE_VAL;
        for (j = 0; j < 6; ++j) {
            double d = hypot(sr[j] / 1e150 - wr[i], si[j] / 1e150 - wi[i]);
            if (!used[j] && d < bd) { bd = d; best = j; }
        }
        if (best >= 0) used[best] = 1;
        if (!(bd <= worst)) worst = bd;
    }
    for (i = 0; i < 6; ++i)
        if (!(worst <= 1e-10 * rad))
            printf("    %.15g%+.15gi  scaled back %.15g%+.15gi\n", wr[i], wi[i], sr[i] / 1e150, si[i] / 1e150);
    CHECKF(worst <= 1e-10 * rad, "eigenvalues of 1e150 A differ from 1e150 eig(A) by %g (spectral radius %g)", worst, rad);
}

static void stability_of_huge_matrices_is_finite(void)
{
    const double r[4] = { 0, 1e160, -1e160, 0 }, c[4] = { 1e155, 1e155, -1e155, 0 };
    double b[36];
    fp_spectrum s;
    fp_status st;
    int i;
    for (i = 0; i < 36; ++i) b[i] = 1000.0 * six[i] * 1e150;
    st = fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64((double *)r, 2, 2), fp_mat_vec_f64(NULL, 2), &s, NULL, NULL, NULL);
    CHECKF(st == FP_OK && isfinite(s.abscissa) && isfinite(s.radius), "1e160 rotation: status %d, abscissa %g, radius %g", st,
           s.abscissa, s.radius);
    st = fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64((double *)c, 2, 2), fp_mat_vec_f64(NULL, 2), &s, NULL, NULL, NULL);
    CHECKF(st == FP_OK && isfinite(s.abscissa) && isfinite(s.radius), "1e155 pair: status %d, abscissa %g, radius %g", st,
           s.abscissa, s.radius);
    st = fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64(b, 6, 6), fp_mat_vec_f64(NULL, 6), &s, NULL, NULL, NULL);
    CHECKF(st == FP_OK && isfinite(s.abscissa) && isfinite(s.radius), "6 x 6 times 1e150: status %d, abscissa %g, radius %g",
           st, s.abscissa, s.radius);
}

/* ================================ mean-field (contracts 10, 23, 24) ================================ */

static void meanfield_rejects_non_finite_parameters(void)
{
    const double bad[3] = { INFINITY, -INFINITY, NAN };
    const char *names[8] = { "g", "s_m", "s_I", "rho", "C", "p", "p_m", "p_I" };
    int f, v;
    for (f = 0; f < 8; ++f)
        for (v = 0; v < 3; ++v) {
            fp_meanfield_params p = fig1e;
            double *field[8];
            mf_result r;
            field[0] = &p.g; field[1] = &p.s_m; field[2] = &p.s_I; field[3] = &p.rho;
            field[4] = &p.C; field[5] = &p.p; field[6] = &p.p_m; field[7] = &p.p_I;
            *field[f] = bad[v];
            mf_run(MF_SOLVE, &p, 0, FPT_MF_CAP, &r);
            CHECKF(r.finished && r.st == FP_ERR_INVALID_ARG, "%s = %g: %s, status %d (%.1f s)", names[f], bad[v],
                   r.finished ? "returned" : "no answer", r.st, r.seconds);
        }
}

static void meanfield_extreme_parameters_give_finite_answers(void)
{
    fp_meanfield_params p = fig1e;
    mf_result r;
    p.g = 1e300;
    mf_run(MF_SOLVE, &p, 0, FPT_MF_CAP, &r);
    mf_print("g = 1e300", &r);
    CHECK(r.finished && (r.st == FP_ERR_INVALID_ARG || (r.st == FP_OK && mf_all_finite(&r))));
    p = fig1e;
    p.s_m = 1000;
    mf_run(MF_SOLVE, &p, 0, FPT_MF_CAP, &r);
    mf_print("s_m = 1000", &r);
    CHECK(r.finished && (r.st == FP_ERR_INVALID_ARG || (r.st == FP_OK && mf_all_finite(&r))));
}

/* The wall-time contracts: 3 s, measured in the parent (the child is killed at twice that). */
static void timed_solve(const char *what, const fp_meanfield_params *p)
{
    const double limit = 3.0 * slowdown();
    mf_result r;
    mf_run(MF_SOLVE, p, 0, 6, &r);
    mf_print(what, &r);
    CHECKF(r.finished && r.seconds <= limit, "%s: %.1f s (limit %.0f s)", what, r.seconds, limit);
    CHECKF(!r.finished || r.st != FP_OK || mf_all_finite(&r), "%s: non-finite fields with FP_OK", what);
}

static void meanfield_solve_is_fast_at_large_s_m(void)
{
    fp_meanfield_params p = fig1e;
    p.s_m = 30;
    timed_solve("s_m = 30", &p);
    p.s_m = 100;
    timed_solve("s_m = 100", &p);
}

static void meanfield_solve_is_fast_at_huge_s_I(void)
{
    fp_meanfield_params p = fig1e;
    p.s_I = 1e6;
    timed_solve("s_I = 1e6", &p);
}

static void meanfield_huge_inputs_give_finite_verdicts(void)
{
    fp_meanfield_params p = fig1e;
    mf_result r;
    p.s_I = 1e9;
    mf_run(MF_SOLVE, &p, 0, FPT_MF_CAP, &r);
    mf_print("s_I = 1e9", &r);
    CHECK(r.finished && (r.st == FP_ERR_INVALID_ARG || (r.st == FP_OK && mf_all_finite(&r))));
    p = fig1e;
    p.C = 1e6;
    mf_run(MF_SOLVE, &p, 0, FPT_MF_CAP, &r);
    mf_print("C = 1e6", &r);
    CHECK(r.finished && (r.st == FP_ERR_INVALID_ARG || (r.st == FP_OK && mf_all_finite(&r))));
}

static void meanfield_finds_all_three_roots_of_fig1e(void)
{
    const double A = -0.233;
    fp_meanfield_params p = fig1e;
    mf_result r;
    int i, at_target = 0;
    mf_run(MF_TEACHER_SOLVE, &p, A, FPT_MF_CAP, &r);
    mf_print("Fig. 1e, A = -0.233", &r);
    CHECK(r.finished && r.st_teacher == FP_OK && r.st == FP_OK && isfinite(r.C));
    if (!r.finished || r.st_teacher != FP_OK || r.st != FP_OK) return;
    p.C = r.C;
    CHECKF(r.count == 3, "%d solutions, want 3", r.count);
    for (i = 0; i < r.count && i < MF_MAXS; ++i) {
        at_target |= fabs(r.sol[i].z - A) <= 1e-6;
        CHECKF(solves_the_equations(&p, r.sol + i), "solution %d (z = %.10g) does not solve the equations", i, r.sol[i].z);
    }
    CHECK(at_target);
    if (r.count == 3) {
        CHECKF(fabs(r.sol[0].z + 152.97) <= 0.01 * 152.97, "lowest z %.6g, want about -152.97", r.sol[0].z);
        CHECKF(fabs(r.sol[2].z - 153.23) <= 0.01 * 153.23, "highest z %.6g, want about 153.23", r.sol[2].z);
    }
}

static void meanfield_finds_all_three_roots_of_the_pitchfork(void)
{
    const double pm[5] = { 100, 180, 200, 1000, 10000 };
    int k, i;
    for (k = 0; k < 5; ++k) {
        fp_meanfield_params p = pitchfork;
        mf_result r;
        char what[64];
        p.p_m = pm[k];
        snprintf(what, sizeof what, "p_m = %g", pm[k]);
        mf_run(MF_SOLVE, &p, 0, FPT_MF_CAP, &r);
        mf_print(what, &r);
        CHECKF(r.finished && r.st == FP_OK && r.count == 3, "%s: %d solutions (status %d), want 3", what, r.count, r.st);
        for (i = 0; r.finished && r.st == FP_OK && i < r.count && i < MF_MAXS; ++i)
            CHECKF(solves_the_equations(&p, r.sol + i), "%s: solution %d (z = %.10g) does not solve the equations", what, i,
                   r.sol[i].z);
    }
}

/* At z = A huge, Delta ~ g^2 + s_m^2 A^2 + 2 s_mI A + s_I^2 and <phi'> ~ sqrt(2 / (pi Delta)). */
static void teacher_scale_matches_its_asymptote_at_large_targets(void)
{
    const double A = 1e8, pi = 3.14159265358979323846;
    const fp_meanfield_params *b = &fig1e;
    double r2 = sqrt(1 - b->rho * b->rho), snm = b->s_m * (b->rho * b->p + r2 * b->p_m);
    double snI = b->s_I * (b->rho * b->p + r2 * b->p_I);
    double delta = b->g * b->g + b->s_m * b->s_m * A * A + 2 * b->s_m * b->s_I * b->rho * b->rho * A + b->s_I * b->s_I;
    double want = A / ((snI + A * snm) * sqrt(2 / (pi * delta)));
    mf_result r;
    mf_run(MF_TEACHER, b, A, FPT_MF_CAP, &r);
    printf("    A = 1e8: C = %.6g (asymptote %.6g), status %d\n", r.C, want, r.st_teacher);
    CHECK(r.finished && r.st_teacher == FP_OK);
    CHECKF(fabs(r.C - want) <= 0.01 * want, "C = %.6g, want %.6g within 1 %%", r.C, want);
}

/* Eigenvalues at the edge of the double range: the largest double as a 1 x 1 spectrum is reported exactly
 * (its bulk estimate, once a percentile over sqrt 0.9, overflowed; now scaled, it is |a|), a pair whose
 * modulus overflows is FP_ERR_NON_FINITE, not FP_OK with an infinite radius; subnormal entries beside
 * O(1) ones do not break the Hessenberg reflectors (the eigenvalues still sum to the trace). Found by the
 * eig fuzz target. */
static void spectra_at_the_edge_of_the_double_range_are_reported_or_right(void)
{
    double a1 = -1.7976931348623157e308, a2[4] = { 1.5e308, 1.5e308, -1.5e308, 1.5e308 }, b[9], wr[3], wi[3], sum = 0;
    fp_spectrum s;
    int i;
    CHECK(fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64(&a1, 1, 1), fp_mat_vec_f64(NULL, 1), &s, NULL, NULL, NULL) == FP_OK);
    CHECKF(s.bulk_radius == -a1 && s.radius == -a1 && s.abscissa == a1 && s.outliers == 0 && s.verdict == FP_STABLE,
           "bulk %g radius %g abscissa %g outliers %d", s.bulk_radius, s.radius, s.abscissa, s.outliers);
    CHECK(fp_stability_analyze_f64(NULL, fp_mat_rowmajor_f64(a2, 2, 2), fp_mat_vec_f64(NULL, 2), &s, NULL, NULL, NULL) ==
          FP_ERR_NON_FINITE);
    for (i = 0; i < 9; ++i) b[i] = (i % 2 ? 1 : -1) * 4.94e-324;
    b[0] = b[4] = 7.4e-309;
    b[8] = -0.9375;
    CHECK(fp_eig_f64(fp_mat_rowmajor_f64(b, 3, 3), wr, wi, NULL) == FP_OK);
    for (i = 0; i < 3; ++i) sum += wr[i];
    CHECKF(fabs(sum + 0.9375) < 1e-15 && fabs(wi[0]) + fabs(wi[1]) + fabs(wi[2]) == 0, "eigenvalue sum %.17g", sum);
}

const fpt_test fpt_analysis_contract_tests[] = {
    { "spectra_at_the_edge_of_the_double_range_are_reported_or_right", spectra_at_the_edge_of_the_double_range_are_reported_or_right },
    { "eig_of_a_huge_rotation_is_exact", eig_of_a_huge_rotation_is_exact },
    { "eig_of_a_huge_complex_pair_is_exact", eig_of_a_huge_complex_pair_is_exact },
    { "eig_of_a_tiny_rotation_is_exact", eig_of_a_tiny_rotation_is_exact },
    { "eig_commutes_with_scaling_by_1e150", eig_commutes_with_scaling_by_1e150 },
    { "stability_of_huge_matrices_is_finite", stability_of_huge_matrices_is_finite },
    { "meanfield_rejects_non_finite_parameters", meanfield_rejects_non_finite_parameters },
    { "meanfield_extreme_parameters_give_finite_answers", meanfield_extreme_parameters_give_finite_answers },
    { "meanfield_solve_is_fast_at_large_s_m", meanfield_solve_is_fast_at_large_s_m },
    { "meanfield_solve_is_fast_at_huge_s_I", meanfield_solve_is_fast_at_huge_s_I },
    { "meanfield_huge_inputs_give_finite_verdicts", meanfield_huge_inputs_give_finite_verdicts },
    { "meanfield_finds_all_three_roots_of_fig1e", meanfield_finds_all_three_roots_of_fig1e },
    { "meanfield_finds_all_three_roots_of_the_pitchfork", meanfield_finds_all_three_roots_of_the_pitchfork },
    { "teacher_scale_matches_its_asymptote_at_large_targets", teacher_scale_matches_its_asymptote_at_large_targets },
    { NULL, NULL }
};
