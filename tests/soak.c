/* soak - a long training run (default 100000 steps) of a small network on the embedded data: every
 * CHECK_EVERY steps the trainer is checkpointed, loaded into a fresh one, and both run the next 100 steps on
 * the same batches; their weights must agree bit for bit. Resident memory is read at every checkpoint
 * and must not grow after the first. Exit status 0 on success.   make soak [SOAK_STEPS=100000] */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

enum { N = 16, BATCH = 16, REPLAY = 100 };
static long CHECK_EVERY = 10000;

static long rss_kb(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) { if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0; fclose(f); }
    return rss * 4;
}

static void batch_of(long step, int count, int *idx)
{
    int j;
    for (j = 0; j < BATCH; ++j) idx[j] = (int)((step * BATCH + j * 7919L) % count); /* deterministic, covers the set */
}

int main(int argc, char **argv)
{
    long steps = argc > 1 ? atol(argv[1]) : 100000, s, rss0 = 0, rss;
    if (steps < 10 * CHECK_EVERY) CHECK_EVERY = steps / 10 > 100 ? steps / 10 : 100;
    fp_dataset ds;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = fp_train_config_default();
    fp_train_record rec;
    const char *why = NULL;
    int idx[BATCH], failures = 0, checks = 0, lost = 0, rollbacks = 0;
    double t0;
    struct timespec ts;
    if (fp_dataset_load("data/fashion-train-images.idx", "data/fashion-train-labels.idx", 10, &ds, &why) != FP_OK) {
        fprintf(stderr, "soak: %s (run from the repository root)\n", why);
        return 1;
    }
    c.rule = FP_RULE_DW3;
    c.optim.lr = 0.02;
    c.seed = 1;                 /* 0.1's default seed: the run stays the one it always was */
    c.batch = BATCH;
    c.no_rollback = 0;          /* (the default) a lost fixed point is undone and the rate halved */
    c.train_readout = 1;        /* with a frozen read-out this tiny network drifts into instability */
    c.optim.weight_decay = 1e-3;
    if (fp_layer_init_f32(&L, N, ds.dim, 10, FP_ACT_TANH, 0.5, 3) != FP_OK || fp_trainer_init_f32(&t, &L, &c, ds.count) != FP_OK) return 1;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    for (s = 0; s < steps; ++s) {
        batch_of(s, ds.count, idx);
        if (fp_layer_train_step_f32(&t, &ds, idx, BATCH, &rec) != FP_OK) ++lost; /* reported, training goes on */
        rollbacks += rec.rolled_back;
        if ((s + 1) % CHECK_EVERY == 0) {
            fp_layer_f32 L2;
            fp_trainer_f32 t2;
            long r;
            int same;
            /* the whole run travels with the checkpoint (parameters, rollback copy, step, rate scale,
             * optimizer state, PRNG): a fresh layer from another seed and a fresh trainer resume it */
            if (fp_trainer_save_f32(&t, "build/soak_checkpoint.bin") != FP_OK ||
                fp_layer_init_f32(&L2, N, ds.dim, 10, FP_ACT_TANH, 0.5, 1000 + (uint64_t)checks) != FP_OK ||
                fp_trainer_init_f32(&t2, &L2, &c, ds.count) != FP_OK ||
                fp_trainer_load_f32(&t2, "build/soak_checkpoint.bin", &why) != FP_OK) {
                fprintf(stderr, "soak: checkpoint failed: %s\n", why ? why : "");
                return 1;
            }
            for (r = 1; r <= REPLAY; ++r) { /* both continue on the same batches */
                batch_of(s + r, ds.count, idx);
                fp_layer_train_step_f32(&t, &ds, idx, BATCH, &rec);
                fp_layer_train_step_f32(&t2, &ds, idx, BATCH, &rec);
            }
            s += REPLAY;
            same = memcmp(L.w, L2.w, sizeof(float) * ((size_t)N * N + (size_t)N * (size_t)ds.dim + N + 10 * (size_t)N + 10)) == 0;
            rss = rss_kb();
            if (!rss0) rss0 = rss;
            ++checks;
            printf("step %7ld: loss %.4f, checkpoint replay of %d steps %s, RSS %ld kB\n", s + 1, rec.loss, REPLAY,
                   same ? "bit-identical" : "DIFFERS", rss);
            fflush(stdout);
            if (!same) ++failures;
            if (rss > rss0 + 1024) { printf("soak: memory grew by %ld kB\n", rss - rss0); ++failures; }
            fp_trainer_free_f32(&t2);
            fp_layer_free_f32(&L2);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("soak: %ld steps in %.1f s (%.0f steps/s), %d checkpoints, %d rollbacks, %d steps lost after rollback, %d failures\n", steps,
           (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec - t0, (double)steps / ((double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec - t0),
           checks, rollbacks, lost, failures);
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fp_dataset_free(&ds);
    return failures ? 1 : 0;
}
