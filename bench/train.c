/* bench/train: one training run of the paper's model (N = 300 tanh, batch 512, frozen read-in/out, SGD on
 * W) with one rule and rate, in dataset order, Anderson to 1e-5 - the same run bench/train_torch.py does
 * from the same initial weights (written here with --init) and the same IDX files.
 *   train --init FILE SEED            write the initial layer (fixpoint.h parameter file, float32)
 *   train DATADIR NTRAIN EPOCHS RULE LR INIT
 * Prints the first and last batch losses; $BENCH_LOG gets the run's median milliseconds per step. */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"


typedef struct log_t { double t_last, times[100000], first, last; int n; } log_t;
static int on_step(const fp_train_record *rec, void *u)
{
    log_t *l = (log_t *)u;
    double t = bench_now();
    if (l->n == 0) l->first = rec->loss;
    l->last = rec->loss;
    if (l->n < 100000) l->times[l->n] = t - l->t_last;
    l->n++;
    l->t_last = t;
    return 0;
}

int main(int argc, char **argv)
{
    static log_t lg;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_dataset ds;
    fp_train_config c;
    char a[1024], b[1024];
    const char *why = NULL;
    int e, epochs;
    if (argc == 4 && !strcmp(argv[1], "--init")) {
        if (fp_layer_init_f32(&L, 300, 784, 10, FP_ACT_TANH, 0.5, strtoull(argv[3], NULL, 10)) != FP_OK) return 1;
        return fp_layer_save_f32(&L, argv[2]) == FP_OK ? 0 : 1;
    }
    if (argc != 7) { fprintf(stderr, "usage: train --init FILE SEED | train DATADIR NTRAIN EPOCHS RULE LR INIT\n"); return 2; }
    snprintf(a, sizeof a, "%s/fashion-train-images.idx", argv[1]);
    snprintf(b, sizeof b, "%s/fashion-train-labels.idx", argv[1]);
    if (fp_dataset_load(a, b, 10, &ds, &why) != FP_OK) { fprintf(stderr, "train: %s\n", why); return 1; }
    if (atoi(argv[2]) > 0 && atoi(argv[2]) < ds.count) ds.count = atoi(argv[2]);
    epochs = atoi(argv[3]);
    if (fp_layer_load_f32(&L, argv[6], &why) != FP_OK) { fprintf(stderr, "train: %s\n", why); return 1; }
    c = fp_train_config_default();
    c.rule = (fp_rule)atoi(argv[4]);
    c.optim.lr = atof(argv[5]);
    c.seed = 1;
    c.no_shuffle = 1;  /* dataset order */
    c.no_rollback = 1; /* a lost step is not undone (the old rollback = 0) */
    c.solver.tol = 1e-5;
    if (fp_trainer_init_f32(&t, &L, &c, ds.count) != FP_OK) return 1;
    lg.t_last = bench_now();
    for (e = 0; e < epochs; ++e) fp_layer_train_epoch_f32(&t, &ds, e, on_step, &lg);
    {
        double med = bench_median(lg.times, lg.n);
        printf("fixpoint.h rule dW%s lr %s: %d steps, first loss %.6f, last loss %.6f, median step %.2f ms\n", argv[4], argv[5],
               lg.n, lg.first, lg.last, 1e3 * med);
        bench_log(1e3 * med, lg.first);
    }
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fp_dataset_free(&ds);
    return 0;
}
