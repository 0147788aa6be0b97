/* compare_rules - the main job of fixpoint.h: train the same recurrent network with each learning rule
 * (dW1, dW2, dW3, dW4 of Zhu & Rosenbaum) over a set of learning rates, print a progress line per
 * epoch, write a CSV of every step and a gnuplot data file, and end with a summary table.
 *
 * From the repository root (-I. finds fixpoint.h there; against an installed header, pkg-config --cflags fixpoint):
 *   mkdir -p build && cc -O2 -I. -o build/compare_rules examples/compare_rules.c -lm
 *   ./build/compare_rules               # embedded Fashion-MNIST subset in data/, about 14 s
 *   ./build/compare_rules --data DIR --train 60000 --test 10000   # full IDX files (gunzipped) in DIR
 *   ./build/compare_rules --help        # every option with its default
 *
 * Model: r = tanh(W r + W_in u), y = W_out r; W_in, W_out frozen, only W learns (the paper's setting),
 * plain SGD, loss = softmax cross-entropy. */
#include "example_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

static const char PROG[] = "compare_rules";

static void usage(void)
{
    printf("usage: compare_rules [options]\n\n"
           "Trains one recurrent network r = tanh(W r + W_in u) (read-in and read-out frozen, plain SGD on W) with\n"
           "each learning rule dW1..dW4 at three learning rates each on Fashion-MNIST; prints a line per epoch and\n"
           "a summary table, writes a CSV of every step and a gnuplot data file (examples/compare_rules.gp draws it).\n"
           "The default run (embedded 4000/1000-image subset, 12 runs x 3 epochs) takes about 14 s on an\n"
           "Intel Xeon (2 cores, one used). Progress lines with the time left go to stderr.\n\n");
    printf("options (default in brackets; --name value or --name=value):\n"
           "  --data DIR       folder with the IDX files [searched: $FIXPOINT_DATA, then data/ under the working\n"
           "                   directory, data/ beside the program's folder, data/ beside the source's folder]\n"
           "                   either fashion-train-images.idx ... (the embedded subset) or train-images-idx3-ubyte ...\n"
           "                   (full Fashion-MNIST, gunzipped: `make data-full` writes it to build/fashion-mnist)\n"
           "  --train K        use the first K training images [0: all]\n"
           "  --test K         use the first K test images [0: all]\n"
           "  --n N            recurrent units, 1 to 100000 [100]\n"
           "  --epochs E       epochs per run [3]\n"
           "  --batch B        batch size [256]\n"
           "  --rules LIST     rules to run, digits from 1234 [1234]\n"
           "  --lr-scale S     multiplies every learning rate, S > 0 [1]\n"
           "  --solver NAME    anderson, euler, damped or newton [anderson]\n"
           "  --seed S         initial weights and shuffling, 0 to 2^64-1 [1]\n");
    printf("  --out DIR        output folder, created if missing [build]\n"
           "  --csv FILE       the per-step CSV [DIR/compare_rules.csv]\n"
           "  --plot FILE      the gnuplot data [DIR/compare_rules.dat]\n"
           "  --quiet          no progress lines\n"
           "  -h, --help       this text\n");
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
    double t = ex_now() - s->t0;
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

static int load(const char *dir, const char *images, const char *labels, int limit, fp_dataset *ds)
{
    char p1[EX_PATH_MAX], p2[EX_PATH_MAX];
    const char *why = NULL;
    ex_join(PROG, dir, images, p1, sizeof p1);
    ex_join(PROG, dir, labels, p2, sizeof p2);
    if (fp_dataset_load(p1, p2, 10, ds, &why) != FP_OK) {
        fprintf(stderr, "compare_rules: cannot load %s with %s: %s; --data DIR points at another folder of IDX files\n", p1,
                labels, why);
        return 0;
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
    static const char *const solver_names[4] = { "anderson", "euler", "damped", "newton" };
    static const fp_solver_method solver_methods[4] = { FP_SOLVER_ANDERSON, FP_SOLVER_EULER, FP_SOLVER_DAMPED, FP_SOLVER_NEWTON };
    const char *data_opt = NULL, *outdir = "build", *out = NULL, *plot = NULL, *rules = "1234";
    char data[EX_PATH_MAX], outbuf[EX_PATH_MAX], plotbuf[EX_PATH_MAX];
    int n = 100, epochs = 3, batch = 256, ntrain = 0, ntest = 0, quiet = 0, nruns = 0, i, k, li;
    unsigned long long seed = 1;
    double lr_scale = 1;
    fp_solver_method solver = FP_SOLVER_ANDERSON;
    const ex_idx_files *files;
    ex_args args;
    ex_progress prog;
    fp_dataset tr, te;
    FILE *csv, *dat;
    char summary[64][200];
    int nsum = 0, nepochs = 0;
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--data")) data_opt = ex_value(&args);
        else if (ex_is(&args, "--train")) ntrain = ex_int(&args, 0, INT_MAX);
        else if (ex_is(&args, "--test")) ntest = ex_int(&args, 0, INT_MAX);
        else if (ex_is(&args, "--n")) n = ex_int(&args, 1, 100000);
        else if (ex_is(&args, "--epochs")) epochs = ex_int(&args, 1, 1000000);
        else if (ex_is(&args, "--batch")) batch = ex_int(&args, 1, INT_MAX);
        else if (ex_is(&args, "--rules")) rules = ex_rules(&args, "1234");
        else if (ex_is(&args, "--lr-scale")) lr_scale = ex_double(&args, 0, 1e6, 1);
        else if (ex_is(&args, "--seed")) seed = ex_u64(&args);
        else if (ex_is(&args, "--out")) outdir = ex_folder(&args);
        else if (ex_is(&args, "--csv")) out = ex_value(&args);
        else if (ex_is(&args, "--plot")) plot = ex_value(&args);
        else if (ex_is(&args, "--solver")) solver = solver_methods[ex_choice(&args, solver_names, 4)];
        else if (ex_is(&args, "--quiet")) quiet = ex_flag(&args);
        else ex_unknown(&args);
    }
    if (!out) out = ex_join(PROG, outdir, "compare_rules.csv", outbuf, sizeof outbuf);
    if (!plot) plot = ex_join(PROG, outdir, "compare_rules.dat", plotbuf, sizeof plotbuf);
    if (!(files = ex_find_data(PROG, data_opt, argv[0], __FILE__, data, sizeof data))) return 1;
    if (!load(data, files->train_images, files->train_labels, ntrain, &tr)) return 1;
    if (!load(data, files->test_images, files->test_labels, ntest, &te)) {
        fp_dataset_free(&tr);
        return 1;
    }
    if (!sets_agree(data, &tr, &te)) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    if (!(csv = ex_open_out(PROG, out))) return 1;
    if (!(dat = ex_open_out(PROG, plot))) return 1;
    for (k = 1; k <= 4; ++k) nruns += strchr(rules, '0' + k) ? 3 : 0;
    ex_progress_start(&prog, PROG, (double)(nruns * epochs), 5.0, quiet);
    ex_report(&prog, 0, 1, "data from %s (%s), writing %s and %s", data, files->what, out, plot);
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
            fp_train_config c = fp_train_config_default();
            run_state s;
            double tl, ta, tt = 0;
            int e;
            fp_status st;
            c.rule = (fp_rule)k;
            c.optim.lr = rule_lrs[k][li] * lr_scale;
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
            s.t0 = ex_now();
            for (e = 0; e < epochs; ++e) {
                s.epoch_loss = s.epoch_acc = 0;
                s.epoch_steps = 0;
                fp_layer_train_epoch_f32(&t, &tr, e, on_step, &s);
                fp_layer_evaluate_f32(&t, &te, 0, &tl, &ta);
                tt = ex_now() - s.t0;
                fprintf(csv, "%s,%g,%d,%d,,,%.6g,,,%.4f,test\n", fp_rule_name((fp_rule)k), c.optim.lr, e, t.step - 1, ta, tt);
                printf("%-4s %-6g %-5d %-10.4f %-9.3f %-10.4f %-9.3f %-8.3f %-7.2f%s\n", fp_rule_name((fp_rule)k), c.optim.lr,
                       e, s.epoch_steps ? s.epoch_loss / s.epoch_steps : NAN, s.epoch_steps ? s.epoch_acc / s.epoch_steps : NAN,
                       tl, ta, s.min_gap, tt, s.rollbacks ? "  (rollbacks)" : "");
                fflush(stdout);
                ++nepochs;
                ex_report(&prog, (double)nepochs, 0, "%s lr %g epoch %d/%d: %d of %d epochs done", fp_rule_name((fp_rule)k),
                          c.optim.lr, e + 1, epochs, nepochs, nruns * epochs);
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
    k = ex_close_out(PROG, csv, out);
    if (!ex_close_out(PROG, dat, plot) || !k) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    printf("\n| rule | lr | last train loss | test acc | largest loss jump | min gap 1-Re(lambda) | rollbacks | failed steps | seconds |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (i = 0; i < nsum; ++i) printf("%s\n", summary[i]);
    printf("\nwrote %s and %s (plot: gnuplot -e \"datafile='%s'\" examples/compare_rules.gp)\n", out, plot, plot);
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    return 0;
}
