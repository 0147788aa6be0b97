/* paper_run.h - one run of Zhu & Rosenbaum's MNIST experiment (docs/THEORY.md, (E2)) on Fashion-MNIST, shared
 * by examples/paper_mnist.c (the runs one after another) and examples/sweep.c (the runs handed out to MPI
 * ranks, resumable): N = 300 tanh units, W = 0.5 randn/sqrt(N), frozen read-in randn/sqrt(784) and
 * read-out randn/sqrt(N), plain SGD on W, batch 512. Fixed points by Anderson to 1e-5, or by the paper's
 * protocol: 500 forward Euler steps of dt/tau = 0.01 from r = 0, no convergence check.
 * Include after fixpoint.h (with its implementation) and example_util.h. Not part of the library. */
#ifndef PAPER_RUN_H
#define PAPER_RUN_H
#include <math.h>
#include <stdio.h>
#include <string.h>

/* the paper's learning rates (docs/THEORY.md, (E2)); dW2 uses dW3's */
static const double paper_lrs[5][5] = { { 0 }, { .001, .0025, .005, .01, .025 }, { .01, .025, .05, .1, .25 },
                                        { .01, .025, .05, .1, .25 }, { .005, .01, .02, .05, .1 } };

/* What a run reports: the mean training loss and batch accuracy over the last 50 steps, the test
 * accuracy, the largest one-step loss jump, the smallest 1 - Re lambda_max(G_b W) seen, max Re eig(W). */
typedef struct paper_result {
    int steps, rollbacks, failed;
    double loss50, acc50, test_acc, max_jump, min_gap, max_re_w, seconds;
} paper_result;

typedef struct paper_trace {
    double loss[4096], acc[4096], min_gap, max_jump;
    int steps, fails, rollbacks;
    void (*progress)(int step, void *user); /* called after every step (may be NULL) */
    void *user;
} paper_trace;

EX_FN int paper_on_step(const fp_train_record *rec, void *user)
{
    paper_trace *r = (paper_trace *)user;
    if (r->steps < 4096) { r->loss[r->steps] = rec->loss; r->acc[r->steps] = rec->accuracy; }
    if (r->steps > 0 && r->steps <= 4096 && rec->loss == rec->loss && r->loss[r->steps - 1] == r->loss[r->steps - 1] &&
        rec->loss - r->loss[r->steps - 1] > r->max_jump)
        r->max_jump = rec->loss - r->loss[r->steps - 1];
    if (rec->min_gap == rec->min_gap && rec->min_gap < r->min_gap) r->min_gap = rec->min_gap;
    r->fails += rec->status != FP_OK;
    r->rollbacks += rec->rolled_back;
    r->steps++;
    if (r->progress) r->progress(r->steps, r->user);
    return 0;
}

/* One run: rule 1-4, rate lr, seed (initialization 1000 + seed, shuffling 100 + seed), euler: the paper's
 * protocol, else Anderson. Returns 0 when the set-up failed (out of memory). */
EX_FN int paper_run(const fp_dataset *tr, const fp_dataset *te, int rule, double lr, int seed, int euler, int epochs,
                    void (*progress)(int step, void *user), void *user, paper_result *out)
{
    static paper_trace r; /* 64 KB of trace: not on the stack */
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = fp_train_config_default();
    double t0 = ex_now(), tl, ta, wr[300], wi[300];
    int j, e, from;
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    r.min_gap = HUGE_VAL;
    r.progress = progress;
    r.user = user;
    c.rule = (fp_rule)rule;
    c.optim.lr = lr;
    c.batch = 512;
    c.seed = 100u + (unsigned)seed;
    c.stability_every = 10;
    c.stability_cols = 2;
    if (!euler) { c.solver = fp_solver_config_default(FP_SOLVER_ANDERSON); c.solver.tol = 1e-5; }
    else {
        c.solver = fp_solver_config_default(FP_SOLVER_EULER);
        c.solver.step = 0.01;
        c.solver.max_iter = 500;
        c.solver.fixed_iterations = 1;
    }
    if (fp_layer_init_f32(&L, 300, tr->dim, 10, FP_ACT_TANH, 0.5, 1000u + (unsigned)seed) != FP_OK) return 0;
    if (fp_trainer_init_f32(&t, &L, &c, tr->count) != FP_OK) { fp_layer_free_f32(&L); return 0; }
    for (e = 0; e < epochs; ++e) fp_layer_train_epoch_f32(&t, tr, e, paper_on_step, &r);
    fp_layer_evaluate_f32(&t, te, 0, &tl, &ta);
    from = r.steps > 50 ? r.steps - 50 : 0;
    for (j = from; j < r.steps && j < 4096; ++j) { out->loss50 += r.loss[j]; out->acc50 += r.acc[j]; }
    if (r.steps > from) { out->loss50 /= (r.steps - from); out->acc50 /= (r.steps - from); }
    out->max_re_w = -1e300;
    if (fp_eig_f32(fp_mat_rowmajor_f32(L.w, 300, 300), wr, wi, NULL) == FP_OK)
        for (j = 0; j < 300; ++j) if (wr[j] > out->max_re_w) out->max_re_w = wr[j];
    out->steps = r.steps;
    out->rollbacks = r.rollbacks;
    out->failed = r.fails;
    out->test_acc = ta;
    out->max_jump = r.max_jump;
    out->min_gap = r.min_gap;
    out->seconds = ex_now() - t0;
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    return 1;
}

/* The training and test sets from dir, which must agree (the same pixels per image: the read-in has one
 * column per training pixel). A data error is a message naming the file and the fix, and 0. */
EX_FN int paper_load(const char *prog, const char *dir, const ex_idx_files *files, fp_dataset *tr, fp_dataset *te)
{
    char a[EX_PATH_MAX], b[EX_PATH_MAX];
    const char *why = NULL;
    int i;
    for (i = 0; i < 2; ++i) {
        ex_join(prog, dir, i ? files->test_images : files->train_images, a, sizeof a);
        ex_join(prog, dir, i ? files->test_labels : files->train_labels, b, sizeof b);
        if (fp_dataset_load(a, b, 10, i ? te : tr, &why) != FP_OK) {
            fprintf(stderr, "%s: %s with %s: %s (--data DIR points at another folder of IDX files; `make data-full` writes "
                    "the full set)\n", prog, a, i ? files->test_labels : files->train_labels, why);
            if (i) fp_dataset_free(tr);
            return 0;
        }
    }
    if (te->dim != tr->dim) {
        fprintf(stderr, "%s: %s: the test images have %d pixels each (%s) but the training images %d (%s); --data DIR "
                "must hold the training and test files of one dataset\n", prog, dir, te->dim, files->test_images, tr->dim,
                files->train_images);
        fp_dataset_free(tr);
        fp_dataset_free(te);
        return 0;
    }
    return 1;
}

/* The CSV columns after the run's key, and a row's values (seconds last: the one value that differs
 * between two runs of the same key). */
#define PAPER_CSV_COLUMNS "steps,train_loss_last50,train_acc_last50,test_acc,max_jump,min_gap,max_re_eig_w,rollbacks,failed,seconds"
EX_FN int paper_csv_values(char *buf, size_t size, const paper_result *r)
{
    return snprintf(buf, size, "%d,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f,%d,%d,%.2f", r->steps, r->loss50, r->acc50, r->test_acc, r->max_jump,
                    r->min_gap, r->max_re_w, r->rollbacks, r->failed, r->seconds);
}
#endif
