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
#include "paper_run.h"

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

/* for the progress lines: a run's place in the whole */
typedef struct place {
    ex_progress *prog;
    const char *rule;
    double lr, steps_before, steps_per_run;
    int seed;
} place;

static void progress(int step, void *user)
{
    place *p = (place *)user;
    ex_report(p->prog, p->steps_before + step, 0, "%s lr %g seed %d: step %d of about %.0f", p->rule, p->lr, p->seed, step,
              p->steps_per_run);
}

int main(int argc, char **argv)
{
    static const char *const solver_names[2] = { "euler", "anderson" };
    const char *data_opt = NULL, *outdir = "build", *out = NULL, *rules = "134";
    char data[EX_PATH_MAX], outbuf[EX_PATH_MAX];
    int seeds = 1, epochs = 3, ntrain = 0, anderson = 1, quiet = 0, nruns = 0, i, k, li, sd;
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
    if (!paper_load(PROG, data, files, &tr, &te)) return 1;
    if (ntrain > 0 && ntrain < tr.count) tr.count = ntrain;
    if (!(csv = ex_open_out(PROG, out))) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    for (k = 1; k <= 4; ++k) nruns += strchr(rules, '0' + k) ? 5 * seeds : 0;
    steps_per_run = (double)epochs * (double)((tr.count + 511) / 512); /* an epoch ends with a partial batch */
    ex_progress_start(&prog, PROG, nruns * steps_per_run, 10.0, quiet);
    ex_report(&prog, 0, 1, "data from %s (%s), %d runs of %.0f steps, writing %s", data, files->what, nruns, steps_per_run, out);
    fprintf(csv, "rule,lr,seed," PAPER_CSV_COLUMNS "\n");
    printf("paper_mnist: N=300 tanh, %d train / %d test, batch 512, %d epochs, %s, %s kernels\n", tr.count, te.count, epochs,
           anderson ? "Anderson to 1e-5" : "500 Euler steps dt/tau=0.01", fp_isa_name(fp_isa_current()));
    printf("%-4s %-7s %-4s %-6s %-10s %-9s %-8s %-8s %-8s %-9s %-6s\n", "rule", "lr", "seed", "steps", "loss(50)", "acc(50)",
           "test", "jump", "min_gap", "maxRe(W)", "s");
    for (i = 0, k = 1; k <= 4; ++k) {
        if (!strchr(rules, '0' + k)) continue;
        for (li = 0; li < 5; ++li)
            for (sd = 0; sd < seeds; ++sd, ++i) {
                place pl;
                paper_result res;
                char row[512];
                pl.prog = &prog;
                pl.rule = fp_rule_name((fp_rule)k);
                pl.lr = paper_lrs[k][li];
                pl.seed = sd;
                pl.steps_before = i * steps_per_run;
                pl.steps_per_run = steps_per_run;
                if (!paper_run(&tr, &te, k, paper_lrs[k][li], sd, !anderson, epochs, progress, &pl, &res)) {
                    fprintf(stderr, "paper_mnist: setup failed\n");
                    return 1;
                }
                printf("%-4s %-7g %-4d %-6d %-10.3f %-9.3f %-8.3f %-8.3f %-8.3f %-9.3f %-6.1f%s\n", fp_rule_name((fp_rule)k),
                       paper_lrs[k][li], sd, res.steps, res.loss50, res.acc50, res.test_acc, res.max_jump, res.min_gap, res.max_re_w,
                       res.seconds, res.rollbacks ? " (rollbacks)" : "");
                fflush(stdout);
                paper_csv_values(row, sizeof row, &res);
                fprintf(csv, "%s,%g,%d,%s\n", fp_rule_name((fp_rule)k), paper_lrs[k][li], sd, row);
                fflush(csv);
                ex_report(&prog, (i + 1) * steps_per_run, 1, "%d of %d runs done", i + 1, nruns);
            }
    }
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    if (!ex_close_out(PROG, csv, out)) return 1;
    printf("wrote %s (a table beside the paper's numbers: sh examples/paper_mnist_table.sh %s)\n", out, out);
    return 0;
}
