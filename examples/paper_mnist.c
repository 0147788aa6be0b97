/* paper_mnist - Zhu & Rosenbaum's MNIST experiment (docs/THEORY.md, (E2)), on full
 * Fashion-MNIST by default: N = 300 tanh units, W = 0.5 randn/sqrt(N), frozen read-in randn/sqrt(784) and
 * read-out randn/sqrt(N), plain SGD on W, batch 512, 3 epochs, the paper's five learning rates per rule.
 * Fixed points by 500 forward Euler steps of dt/tau = 0.01 from r = 0 (the paper's protocol: no
 * convergence check), or with --solver anderson by Anderson to 1e-5. Updates on training batches, test on
 * the held-out set (the two flaws of the original protocol, docs/THEORY.md section 9, are not copied).
 *   make data-full && cc -O2 -o paper_mnist examples/paper_mnist.c -lm
 *   ./paper_mnist [--data build/fashion-mnist] [--solver euler|anderson] [--seeds 3] [--rules 134]
 *                 [--epochs 3] [--train K] [--out build/paper_mnist.csv]
 * Per run it reports the mean training loss and batch accuracy over the last 50 steps, the test accuracy,
 * the largest one-step loss jump, the smallest distance 1 - Re lambda_max(G_b W) seen, and max Re eig(W). */
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

/* the paper's learning rates (docs/THEORY.md, (E2)); dW2 uses dW3's */
static const double paper_lrs[5][5] = { { 0 }, { .001, .0025, .005, .01, .025 }, { .01, .025, .05, .1, .25 },
                                        { .01, .025, .05, .1, .25 }, { .005, .01, .02, .05, .1 } };

typedef struct run { double loss[4096], acc[4096], min_gap, max_jump; int steps, fails, rollbacks; } run;

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
    return 0;
}

static int load_pair(const char *dir, const char *img, const char *lab, fp_dataset *ds)
{
    char a[1024], b[1024];
    const char *why = NULL;
    snprintf(a, sizeof a, "%s/%s", dir, img);
    snprintf(b, sizeof b, "%s/%s", dir, lab);
    if (fp_dataset_load(a, b, 10, ds, &why) == FP_OK) return 1;
    fprintf(stderr, "paper_mnist: %s: %s (run `make data-full`, or --data DIR with the raw IDX files)\n", a, why);
    return 0;
}

/* The test set must fit the network the training set sizes: the same pixels per image (the read-in has
 * one column per training pixel). A mismatch is a data error, not a programmer's: say which, and exit.
 * (The loader has checked each set's label count against its image count, and every label against the
 * 10 classes both sets are loaded with.) */
static int sets_agree(const char *dir, const fp_dataset *tr, const fp_dataset *te)
{
    if (te->dim != tr->dim) {
        fprintf(stderr, "paper_mnist: %s: the test images have %d pixels each (t10k-images-idx3-ubyte) but the training "
                "images %d (train-images-idx3-ubyte); --data DIR must hold the training and test files of one dataset\n",
                dir, te->dim, tr->dim);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *data = "build/fashion-mnist", *out = "build/paper_mnist.csv", *rules = "134";
    int seeds = 1, epochs = 3, ntrain = 0, anderson = 0, i, k, li, sd, e;
    fp_dataset tr, te;
    FILE *csv;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data")) data = argv[i + 1];
        else if (!strcmp(argv[i], "--solver")) anderson = !strcmp(argv[i + 1], "anderson");
        else if (!strcmp(argv[i], "--seeds")) seeds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rules")) rules = argv[i + 1];
        else if (!strcmp(argv[i], "--epochs")) epochs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--train")) ntrain = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
        else { fprintf(stderr, "paper_mnist: unknown option %s\n", argv[i]); return 2; }
    }
    if (seeds < 1 || epochs < 1) return 2;
    if (!load_pair(data, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", &tr)) return 1;
    if (!load_pair(data, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", &te)) { fp_dataset_free(&tr); return 1; }
    if (!sets_agree(data, &tr, &te)) { fp_dataset_free(&tr); fp_dataset_free(&te); return 1; }
    if (ntrain > 0 && ntrain < tr.count) tr.count = ntrain;
    if (!(csv = fopen(out, "w"))) { fprintf(stderr, "paper_mnist: cannot write %s\n", out); return 1; }
    fprintf(csv, "rule,lr,seed,steps,train_loss_last50,train_acc_last50,test_acc,max_jump,min_gap,max_re_eig_w,rollbacks,failed,seconds\n");
    printf("paper_mnist: N=300 tanh, %d train / %d test, batch 512, %d epochs, %s, %s kernels\n", tr.count, te.count, epochs,
           anderson ? "Anderson to 1e-5" : "500 Euler steps dt/tau=0.01", fp_isa_name(fp_isa_current()));
    printf("%-4s %-7s %-4s %-6s %-10s %-9s %-8s %-8s %-8s %-9s %-6s\n", "rule", "lr", "seed", "steps", "loss(50)", "acc(50)",
           "test", "jump", "min_gap", "maxRe(W)", "s");
    for (k = 1; k <= 4; ++k) {
        if (!strchr(rules, '0' + k)) continue;
        for (li = 0; li < 5; ++li)
            for (sd = 0; sd < seeds; ++sd) {
                static run r;
                fp_layer_f32 L;
                fp_trainer_f32 t;
                fp_train_config c = fp_train_config_default((fp_rule)k, paper_lrs[k][li]);
                double t0 = now(), tl, ta, l50 = 0, a50 = 0, wr[300], wi[300], mre = -1e300;
                int j, from;
                memset(&r, 0, sizeof r);
                r.min_gap = HUGE_VAL;
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
                if (fp_eig_f32(300, L.w, 300, 1, wr, wi, NULL) == FP_OK)
                    for (j = 0; j < 300; ++j) if (wr[j] > mre) mre = wr[j];
                printf("%-4s %-7g %-4d %-6d %-10.3f %-9.3f %-8.3f %-8.3f %-8.3f %-9.3f %-6.1f%s\n", fp_rule_name((fp_rule)k),
                       c.optim.lr, sd, r.steps, l50, a50, ta, r.max_jump, r.min_gap, mre, now() - t0,
                       r.rollbacks ? " (rollbacks)" : "");
                fflush(stdout);
                fprintf(csv, "%s,%g,%d,%d,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f,%d,%d,%.2f\n", fp_rule_name((fp_rule)k), c.optim.lr, sd,
                        r.steps, l50, a50, ta, r.max_jump, r.min_gap, mre, r.rollbacks, r.fails, now() - t0);
                fflush(csv);
                fp_trainer_free_f32(&t);
                fp_layer_free_f32(&L);
            }
    }
    fclose(csv);
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    return 0;
}
