/* compare_rules - the main job of fixpoint.h: train the same recurrent network with each learning rule
 * (dW1, dW2, dW3, dW4 of Zhu & Rosenbaum) over a set of learning rates, print a progress line per
 * epoch, write a CSV of every step and a gnuplot data file, and end with a summary table.
 *
 *   cc -O2 -o compare_rules examples/compare_rules.c -lm
 *   ./compare_rules                     # embedded Fashion-MNIST subset in ./data, about 30 s
 *   ./compare_rules --data DIR --train 60000 --test 10000   # full IDX files (gunzipped) in DIR
 *
 * Options: --data DIR  --train K  --test K  --n N  --epochs E  --batch B  --rules 1234  --lr-scale S
 *          --solver anderson|euler|damped|newton  --seed S  --out FILE.csv  --plot FILE.dat
 * Model: r = tanh(W r + W_in u), y = W_out r; W_in, W_out frozen, only W learns (the paper's setting),
 * plain SGD, loss = softmax cross-entropy. */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The learning rates tried per rule (times --lr-scale): three around each rule's best on the default
 * problem, so the comparison shows each rule at its best and at its edges. */
static const double rule_lrs[5][3] = { { 0, 0, 0 }, { 0.25, 0.5, 1.0 }, { 0.5, 1.0, 2.0 }, { 0.5, 1.0, 2.0 }, { 0.25, 0.5, 1.0 } };

typedef struct run_state {
    FILE *csv, *dat;
    fp_rule rule;
    double lr, t0, epoch_loss, epoch_acc, min_gap, max_jump, last_loss;
    int epoch_steps, rollbacks, failures;
} run_state;

static int on_step(const fp_train_record *rec, void *user)
{
    run_state *s = (run_state *)user;
    double t = now() - s->t0;
    if (rec->status == FP_OK) {
        s->epoch_loss += rec->loss;
        s->epoch_acc += rec->accuracy;
        s->epoch_steps++;
        if (s->last_loss == s->last_loss && rec->loss - s->last_loss > s->max_jump) s->max_jump = rec->loss - s->last_loss;
        s->last_loss = rec->loss;
    } else
        s->failures++;
    if (rec->min_gap == rec->min_gap && rec->min_gap < s->min_gap) s->min_gap = rec->min_gap;
    s->rollbacks += rec->rolled_back;
    fprintf(s->csv, "%s,%g,%d,%d,%.6g,%.6g,,%.6g,%.6g,%.4f,%s\n", fp_rule_name(s->rule), s->lr, rec->epoch, rec->step,
            rec->loss, rec->accuracy, rec->dw_norm, rec->min_gap, t, fp_status_str(rec->status));
    if (s->dat && rec->status == FP_OK) fprintf(s->dat, "%d %.6g %.6g %.4f\n", rec->step, rec->loss, rec->accuracy, t);
    return 0;
}

static int load(const char *dir, const char *a, const char *b, const char *a2, const char *b2, int limit, fp_dataset *ds)
{
    char p1[1024], p2[1024];
    const char *why = NULL;
    snprintf(p1, sizeof p1, "%s/%s", dir, a);
    snprintf(p2, sizeof p2, "%s/%s", dir, b);
    if (fp_dataset_load(p1, p2, 10, ds, &why) != FP_OK) {
        const char *why1 = why;
        snprintf(p1, sizeof p1, "%s/%s", dir, a2);
        snprintf(p2, sizeof p2, "%s/%s", dir, b2);
        if (fp_dataset_load(p1, p2, 10, ds, &why) != FP_OK) {
            fprintf(stderr, "compare_rules: cannot load %s/%s (%s) nor %s (%s); --data DIR points at IDX files\n", dir, a,
                    why1, p1, why);
            return 0;
        }
    }
    if (limit > 0 && limit < ds->count) ds->count = limit;
    return 1;
}

/* The test set must fit the network the training set sizes: the same pixels per image (the read-in has
 * one column per training pixel). A mismatch is a data error, not a programmer's: say which, and exit.
 * (The loader has checked each set's label count against its image count, and every label against the
 * 10 classes both sets are loaded with.) */
static int sets_agree(const char *dir, const fp_dataset *tr, const fp_dataset *te)
{
    if (te->dim != tr->dim) {
        fprintf(stderr, "compare_rules: %s: the test images have %d pixels each but the training images %d; --data DIR "
                "must hold the training and test files of one dataset\n", dir, te->dim, tr->dim);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *data = "data", *out = "build/compare_rules.csv", *plot = "build/compare_rules.dat", *rules = "1234";
    int n = 100, epochs = 3, batch = 256, ntrain = 0, ntest = 0, i, k, li;
    unsigned long long seed = 1;
    double lr_scale = 1;
    fp_solver_method solver = FP_SOLVER_ANDERSON;
    fp_dataset tr, te;
    FILE *csv, *dat;
    char summary[64][200];
    int nsum = 0;
    for (i = 1; i < argc; i += 2) { /* option, value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { fprintf(stderr, "compare_rules: %s needs a value (see the comment at the top of the source)\n", a); return 2; }
        if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--train")) ntrain = atoi(v);
        else if (!strcmp(a, "--test")) ntest = atoi(v);
        else if (!strcmp(a, "--n")) n = atoi(v);
        else if (!strcmp(a, "--epochs")) epochs = atoi(v);
        else if (!strcmp(a, "--batch")) batch = atoi(v);
        else if (!strcmp(a, "--rules")) rules = v;
        else if (!strcmp(a, "--lr-scale")) lr_scale = atof(v);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--plot")) plot = v;
        else if (!strcmp(a, "--solver")) {
            if (!strcmp(v, "anderson")) solver = FP_SOLVER_ANDERSON;
            else if (!strcmp(v, "euler")) solver = FP_SOLVER_EULER;
            else if (!strcmp(v, "damped")) solver = FP_SOLVER_DAMPED;
            else if (!strcmp(v, "newton")) solver = FP_SOLVER_NEWTON;
            else { fprintf(stderr, "compare_rules: unknown solver %s\n", v); return 2; }
        } else { fprintf(stderr, "compare_rules: unknown option %s\n", a); return 2; }
    }
    if (n < 1 || epochs < 1 || batch < 1 || !(lr_scale > 0)) { fprintf(stderr, "compare_rules: sizes and --lr-scale must be positive\n"); return 2; }
    if (!load(data, "fashion-train-images.idx", "fashion-train-labels.idx", "train-images-idx3-ubyte", "train-labels-idx1-ubyte", ntrain, &tr))
        return 1;
    if (!load(data, "fashion-test-images.idx", "fashion-test-labels.idx", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", ntest, &te)) {
        fp_dataset_free(&tr);
        return 1;
    }
    if (!sets_agree(data, &tr, &te)) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    csv = fopen(out, "w");
    dat = fopen(plot, "w");
    if (!csv || !dat) { fprintf(stderr, "compare_rules: cannot write %s or %s (does its folder exist?)\n", out, plot); return 1; }
    fprintf(csv, "rule,lr,epoch,step,loss,train_acc,test_acc,dW_norm,min_gap,seconds,status\n");
    printf("compare_rules: N=%d tanh, %d train / %d test images, batch %d, %d epochs, SGD on W only, %s solver, %s kernels\n",
           n, tr.count, te.count, batch, epochs, solver == FP_SOLVER_ANDERSON ? "Anderson" : solver == FP_SOLVER_EULER ? "Euler" :
           solver == FP_SOLVER_NEWTON ? "Newton" : "damped", fp_isa_name(fp_isa_current()));
    printf("%-4s %-6s %-5s %-10s %-9s %-10s %-9s %-8s %-7s\n", "rule", "lr", "epoch", "train_loss", "train_acc", "test_loss",
           "test_acc", "min_gap", "time_s");
    for (k = 1; k <= 4; ++k) {
        if (!strchr(rules, '0' + k)) continue;
        for (li = 0; li < 3; ++li) {
            fp_layer_f32 L;
            fp_trainer_f32 t;
            fp_train_config c = fp_train_config_default((fp_rule)k, rule_lrs[k][li] * lr_scale);
            run_state s;
            double tl, ta, tt = 0;
            int e;
            fp_status st;
            c.batch = batch;
            c.seed = seed;
            c.solver = fp_solver_config_default(solver);
            c.solver.tol = 1e-5;
            c.stability_every = 4;
            c.stability_cols = 4;
            memset(&s, 0, sizeof s);
            s.csv = csv; s.dat = dat; s.rule = (fp_rule)k; s.lr = c.optim.lr; s.min_gap = HUGE_VAL; s.last_loss = NAN;
            if ((st = fp_layer_init_f32(&L, n, tr.dim, 10, FP_ACT_TANH, 0.5, seed)) != FP_OK ||
                (st = fp_trainer_init_f32(&t, &L, &c, tr.count)) != FP_OK) {
                fprintf(stderr, "compare_rules: setup failed: %s\n", fp_status_str(st));
                return 1;
            }
            fprintf(dat, "step \"%s lr %g\" acc seconds\n", fp_rule_name((fp_rule)k), c.optim.lr);
            s.t0 = now();
            for (e = 0; e < epochs; ++e) {
                s.epoch_loss = s.epoch_acc = 0;
                s.epoch_steps = 0;
                fp_layer_train_epoch_f32(&t, &tr, e, on_step, &s);
                fp_layer_evaluate_f32(&t, &te, 0, &tl, &ta);
                tt = now() - s.t0;
                fprintf(csv, "%s,%g,%d,%d,,,%.6g,,,%.4f,test\n", fp_rule_name((fp_rule)k), c.optim.lr, e, t.step - 1, ta, tt);
                printf("%-4s %-6g %-5d %-10.4f %-9.3f %-10.4f %-9.3f %-8.3f %-7.2f%s\n", fp_rule_name((fp_rule)k), c.optim.lr,
                       e, s.epoch_steps ? s.epoch_loss / s.epoch_steps : NAN, s.epoch_steps ? s.epoch_acc / s.epoch_steps : NAN,
                       tl, ta, s.min_gap, tt, s.rollbacks ? "  (rollbacks)" : "");
                fflush(stdout);
            }
            fprintf(dat, "\n\n");
            if (nsum < 64)
                snprintf(summary[nsum++], sizeof summary[0], "| %s | %g | %.4f | %.1f %% | %.3f | %.3f | %d | %d | %.1f |",
                         fp_rule_name((fp_rule)k), c.optim.lr, s.last_loss, 100 * ta, s.max_jump, s.min_gap, s.rollbacks,
                         s.failures, tt);
            fp_trainer_free_f32(&t);
            fp_layer_free_f32(&L);
        }
    }
    fclose(csv);
    fclose(dat);
    printf("\n| rule | lr | last train loss | test acc | largest loss jump | min gap 1-Re(lambda) | rollbacks | failed steps | seconds |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (i = 0; i < nsum; ++i) printf("%s\n", summary[i]);
    printf("\nwrote %s and %s (plot: gnuplot -e \"datafile='%s'\" examples/compare_rules.gp)\n", out, plot, plot);
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    return 0;
}
