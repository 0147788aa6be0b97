/* paper_mnist - Zhu & Rosenbaum's MNIST experiment (docs/THEORY.md, (E2)) on Fashion-MNIST:
 * N = 300 tanh units, W = 0.5 randn/sqrt(N), frozen read-in randn/sqrt(784) and read-out randn/sqrt(N),
 * plain SGD on W, batch 512, 3 epochs, the paper's five learning rates per rule. Fixed points by Anderson to
 * 1e-5, or with --solver euler by 500 forward Euler steps of dt/tau = 0.01 from r = 0 (the paper's protocol:
 * no convergence check). Updates on training batches, test on the held-out set (the two flaws of the
 * original protocol, docs/THEORY.md section 9, are not copied).
 * From the repository root (-I. finds fixpoint.h there):
 *   mkdir -p build && cc -O2 -I. -o build/paper_mnist examples/paper_mnist.c -lm
 *   ./build/paper_mnist                  # the embedded 4000-image subset, Anderson: about 35 s
 *   make data-full && ./build/paper_mnist --data build/fashion-mnist --solver euler   # the paper's protocol
 *   ./build/paper_mnist --help           # every option with its default and run times
 * Per run it reports the mean training loss and batch accuracy over the last 50 steps, the test accuracy,
 * the largest one-step loss jump, the smallest distance 1 - Re lambda_max(G_b W) seen, and max Re eig(W);
 * examples/paper_mnist_table.sh sets the CSV beside the paper's numbers. */
#include "example_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

static const char PROG[] = "paper_mnist";

static void usage(void)
{
    printf("usage: paper_mnist [options]\n\n"
           "Zhu & Rosenbaum's MNIST experiment on Fashion-MNIST: N = 300 tanh units, read-in and read-out frozen,\n"
           "plain SGD on W, batch 512, the paper's five learning rates for each rule; one line per run (loss and\n"
           "batch accuracy over the last 50 steps, test accuracy, largest loss jump, smallest stability gap,\n"
           "max Re eig(W)) and a CSV (examples/paper_mnist_table.sh turns it into a table beside the paper's).\n"
           "Progress lines with the time left go to stderr.\n\n"
           "Run times on an Intel Xeon (2 cores, one used):\n"
           "  default: the embedded 4000-image subset, Anderson, rules 134, 15 runs of 24 steps   about 35 s\n"
           "  the full set (`make data-full`, then --data build/fashion-mnist), 354 steps a run:\n"
           "    --solver anderson   30-140 s a run, 15-20 min (the README's table: --seeds 3, about an hour)\n"
           "    --solver euler      the paper's protocol, about an hour (estimated from the subset)\n\n");
    printf("options (default in brackets; --name value or --name=value):\n"
           "  --data DIR       folder with the IDX files [searched: $FIXPOINT_DATA, then data/ under the working\n"
           "                   directory, data/ beside the program's folder, data/ beside the source's folder]\n"
           "                   either fashion-train-images.idx ... (the embedded subset) or train-images-idx3-ubyte ...\n"
           "                   (full Fashion-MNIST, gunzipped: `make data-full` writes it to build/fashion-mnist)\n"
           "  --solver NAME    anderson (to 1e-5) or euler (500 steps of dt/tau = 0.01, the paper's) [anderson]\n"
           "  --rules LIST     rules to run, digits from 1234 (dW2 uses dW3's rates) [134]\n"
           "  --seeds S        seeds per rule and rate, 1 to 1000 [1]\n"
           "  --epochs E       epochs per run [3]\n"
           "  --train K        use the first K training images [0: all]\n");
    printf("  --out DIR        output folder, created if missing [build]\n"
           "  --csv FILE       the CSV, one line per run [DIR/paper_mnist.csv]\n"
           "  --quiet          no progress lines\n"
           "  -h, --help       this text\n");
}

/* the paper's learning rates (docs/THEORY.md, (E2)); dW2 uses dW3's */
static const double paper_lrs[5][5] = { { 0 }, { .001, .0025, .005, .01, .025 }, { .01, .025, .05, .1, .25 },
                                        { .01, .025, .05, .1, .25 }, { .005, .01, .02, .05, .1 } };

typedef struct run {
    double loss[4096], acc[4096], min_gap, max_jump;
    int steps, fails, rollbacks;
    /* for the progress lines: this run's place in the whole */
    ex_progress *prog;
    const char *rule;
    double lr, steps_before, steps_per_run;
    int seed;
} run;

static int on_step(const fp_train_record *rec, void *user)
{
    run *r = (run *)user;
    if (r->steps < 4096) { r->loss[r->steps] = rec->loss; r->acc[r->steps] = rec->accuracy; }
    if (r->steps > 0 && rec->loss == rec->loss && r->loss[r->steps - 1] == r->loss[r->steps - 1] &&
        rec->loss - r->loss[r->steps - 1] > r->max_jump)
        r->max_jump = rec->loss - r->loss[r->steps - 1];
    if (rec->min_gap == rec->min_gap && rec->min_gap < r->min_gap) r->min_gap = rec->min_gap;
    r->fails += rec->status != FP_OK;
    r->rollbacks += rec->rolled_back;
    r->steps++;
    ex_report(r->prog, r->steps_before + r->steps, 0, "%s lr %g seed %d: step %d of about %.0f", r->rule, r->lr, r->seed, r->steps,
              r->steps_per_run);
    return 0;
}

static int load_pair(const char *dir, const char *img, const char *lab, fp_dataset *ds)
{
    char a[EX_PATH_MAX], b[EX_PATH_MAX];
    const char *why = NULL;
    ex_join(PROG, dir, img, a, sizeof a);
    ex_join(PROG, dir, lab, b, sizeof b);
    if (fp_dataset_load(a, b, 10, ds, &why) == FP_OK) return 1;
    fprintf(stderr, "paper_mnist: %s with %s: %s (--data DIR points at another folder of IDX files; `make data-full` writes "
            "the full set)\n", a, lab, why);
    return 0;
}

/* The test set must fit the network the training set sizes: the same pixels per image (the read-in has
 * one column per training pixel). A mismatch is a data error, not a programmer's: say which, and exit.
 * (The loader has checked each set's label count against its image count, and every label against the
 * 10 classes both sets are loaded with.) */
static int sets_agree(const char *dir, const ex_idx_files *files, const fp_dataset *tr, const fp_dataset *te)
{
    if (te->dim != tr->dim) {
        fprintf(stderr, "paper_mnist: %s: the test images have %d pixels each (%s) but the training images %d (%s); --data DIR "
                "must hold the training and test files of one dataset\n", dir, te->dim, files->test_images, tr->dim,
                files->train_images);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    static const char *const solver_names[2] = { "euler", "anderson" };
    const char *data_opt = NULL, *outdir = "build", *out = NULL, *rules = "134";
    char data[EX_PATH_MAX], outbuf[EX_PATH_MAX];
    int seeds = 1, epochs = 3, ntrain = 0, anderson = 1, quiet = 0, nruns = 0, i, k, li, sd, e;
    const ex_idx_files *files;
    ex_args args;
    ex_progress prog;
    double steps_per_run;
    fp_dataset tr, te;
    FILE *csv;
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--data")) data_opt = ex_value(&args);
        else if (ex_is(&args, "--solver")) anderson = ex_choice(&args, solver_names, 2);
        else if (ex_is(&args, "--seeds")) seeds = ex_int(&args, 1, 1000);
        else if (ex_is(&args, "--rules")) rules = ex_rules(&args, "1234");
        else if (ex_is(&args, "--epochs")) epochs = ex_int(&args, 1, 1000000);
        else if (ex_is(&args, "--train")) ntrain = ex_int(&args, 0, INT_MAX);
        else if (ex_is(&args, "--out")) outdir = ex_folder(&args);
        else if (ex_is(&args, "--csv")) out = ex_value(&args);
        else if (ex_is(&args, "--quiet")) quiet = ex_flag(&args);
        else ex_unknown(&args);
    }
    if (!out) out = ex_join(PROG, outdir, "paper_mnist.csv", outbuf, sizeof outbuf);
    if (!(files = ex_find_data(PROG, data_opt, argv[0], __FILE__, data, sizeof data))) return 1;
    if (!load_pair(data, files->train_images, files->train_labels, &tr)) return 1;
    if (!load_pair(data, files->test_images, files->test_labels, &te)) { fp_dataset_free(&tr); return 1; }
    if (!sets_agree(data, files, &tr, &te)) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    if (ntrain > 0 && ntrain < tr.count) tr.count = ntrain;
    if (!(csv = ex_open_out(PROG, out))) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    for (k = 1; k <= 4; ++k) nruns += strchr(rules, '0' + k) ? 5 * seeds : 0;
    steps_per_run = (double)epochs * (double)((tr.count + 511) / 512); /* an epoch ends with a partial batch */
    ex_progress_start(&prog, PROG, nruns * steps_per_run, 10.0, quiet);
    ex_report(&prog, 0, 1, "data from %s (%s), %d runs of %.0f steps, writing %s", data, files->what, nruns, steps_per_run, out);
    fprintf(csv, "rule,lr,seed,steps,train_loss_last50,train_acc_last50,test_acc,max_jump,min_gap,max_re_eig_w,rollbacks,failed,seconds\n");
    printf("paper_mnist: N=300 tanh, %d train / %d test, batch 512, %d epochs, %s, %s kernels\n", tr.count, te.count, epochs,
           anderson ? "Anderson to 1e-5" : "500 Euler steps dt/tau=0.01", fp_isa_name(fp_isa_current()));
    printf("%-4s %-7s %-4s %-6s %-10s %-9s %-8s %-8s %-8s %-9s %-6s\n", "rule", "lr", "seed", "steps", "loss(50)", "acc(50)",
           "test", "jump", "min_gap", "maxRe(W)", "s");
    for (i = 0, k = 1; k <= 4; ++k) {
        if (!strchr(rules, '0' + k)) continue;
        for (li = 0; li < 5; ++li)
            for (sd = 0; sd < seeds; ++sd, ++i) {
                static run r;
                fp_layer_f32 L;
                fp_trainer_f32 t;
                fp_train_config c = fp_train_config_default();
                double t0 = ex_now(), tl, ta, l50 = 0, a50 = 0, wr[300], wi[300], mre = -1e300;
                int j, from;
                memset(&r, 0, sizeof r);
                r.min_gap = HUGE_VAL;
                r.prog = &prog;
                r.rule = fp_rule_name((fp_rule)k);
                r.lr = paper_lrs[k][li];
                r.seed = sd;
                r.steps_before = i * steps_per_run;
                r.steps_per_run = steps_per_run;
                c.rule = (fp_rule)k;
                c.optim.lr = paper_lrs[k][li];
                c.batch = 512;
                c.seed = 100u + (unsigned)sd;
                c.stability_every = 10;
                c.stability_cols = 2;
                if (anderson) { c.solver = fp_solver_config_default(FP_SOLVER_ANDERSON); c.solver.tol = 1e-5; }
                else {
                    c.solver = fp_solver_config_default(FP_SOLVER_EULER);
                    c.solver.step = 0.01;
                    c.solver.max_iter = 500;
                    c.solver.fixed_iterations = 1;
                }
                if (fp_layer_init_f32(&L, 300, tr.dim, 10, FP_ACT_TANH, 0.5, 1000u + (unsigned)sd) != FP_OK ||
                    fp_trainer_init_f32(&t, &L, &c, tr.count) != FP_OK) { fprintf(stderr, "paper_mnist: setup failed\n"); return 1; }
                for (e = 0; e < epochs; ++e) fp_layer_train_epoch_f32(&t, &tr, e, on_step, &r);
                fp_layer_evaluate_f32(&t, &te, 0, &tl, &ta);
                from = r.steps > 50 ? r.steps - 50 : 0;
                for (j = from; j < r.steps && j < 4096; ++j) { l50 += r.loss[j]; a50 += r.acc[j]; }
                l50 /= (r.steps - from); a50 /= (r.steps - from);
                if (fp_eig_f32(fp_mat_rowmajor_f32(L.w, 300, 300), wr, wi, NULL) == FP_OK)
                    for (j = 0; j < 300; ++j) if (wr[j] > mre) mre = wr[j];
                printf("%-4s %-7g %-4d %-6d %-10.3f %-9.3f %-8.3f %-8.3f %-8.3f %-9.3f %-6.1f%s\n", fp_rule_name((fp_rule)k),
                       c.optim.lr, sd, r.steps, l50, a50, ta, r.max_jump, r.min_gap, mre, ex_now() - t0,
                       r.rollbacks ? " (rollbacks)" : "");
                fflush(stdout);
                fprintf(csv, "%s,%g,%d,%d,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f,%d,%d,%.2f\n", fp_rule_name((fp_rule)k), c.optim.lr, sd,
                        r.steps, l50, a50, ta, r.max_jump, r.min_gap, mre, r.rollbacks, r.fails, ex_now() - t0);
                fflush(csv);
                fp_trainer_free_f32(&t);
                fp_layer_free_f32(&L);
                ex_report(&prog, (i + 1) * steps_per_run, 1, "%d of %d runs done", i + 1, nruns);
            }
    }
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    if (!ex_close_out(PROG, csv, out)) return 1;
    printf("wrote %s (a table beside the paper's numbers: sh examples/paper_mnist_table.sh %s)\n", out, out);
    return 0;
}
