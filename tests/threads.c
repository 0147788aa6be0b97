/* Two threads use the library at once, each on its own data: a float32 Anderson solve (N = 64, B = 16)
 * and a few training steps of a tiny trainer (its own layer and its own in-memory dataset). Their results
 * must equal, bit for bit, the same work run on one thread. Built with ThreadSanitizer (`make tsan`), any
 * shared state the library writes without synchronization - such as a lazily set process-wide setting -
 * is reported as a data race. The threads start cold: nothing touches the library before them.
 *   clang -O1 -g -fsanitize=thread -std=c99 -D_POSIX_C_SOURCE=200112L tests/threads.c -o build/threads_tsan -lm -lpthread */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"

enum { N = 64, B = 16 };                            /* the solve */
enum { TN = 16, SIDE = 5, DIM = SIDE * SIDE, CLASSES = 4, COUNT = 48, BATCH = 8, STEPS = 6 }; /* the trainer */
#define PARAMS (TN * TN + TN * DIM + TN + CLASSES * TN + CLASSES)

typedef struct work {
    unsigned seed;
    /* results */
    float r[N * B], g[N * B];
    fp_status solve_status;
    int solve_iterations, solve_converged;
    float params[PARAMS];
    double loss[STEPS];
    fp_status step_status[STEPS];
    int setup_ok;
} work;

static pthread_barrier_t start;

/* A deterministic generator per thread (xorshift64*), uniform in [-1, 1). */
static double uniform(unsigned long long *s)
{
    *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static void run(work *o)
{
    unsigned long long s = 0x9E3779B97F4A7C15ULL * (o->seed + 1);
    float *w = malloc(sizeof(float) * N * N), *x = malloc(sizeof(float) * N * B);
    unsigned char *pixels = malloc(COUNT * DIM), *labels = malloc(COUNT);
    fp_activation act = fp_activation_make(FP_ACT_TANH);
    fp_solver_config sc = fp_solver_config_default(FP_SOLVER_ANDERSON);
    fp_solve_report rep;
    fp_dataset ds;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config tc = fp_train_config_default();
    int i, k, idx[BATCH];
    o->setup_ok = w && x && pixels && labels;
    if (!o->setup_ok) goto done;
    /* the solve: W uniform with variance 0.64 / N (spectral radius about 0.8), X uniform in [-1, 1) */
    for (i = 0; i < N * N; ++i) w[i] = (float)(0.8 * 1.7320508 * uniform(&s) / 8.0); /* sqrt(3) u: variance 1; 8 = sqrt(N) */
    for (i = 0; i < N * B; ++i) x[i] = (float)uniform(&s);
    sc.tol = 1e-5;
    memset(&rep, 0, sizeof rep);
    o->solve_status = fp_solve_f32(&sc, &act, fp_mat_rowmajor_f32(w, N, N), fp_mat_rowmajor_f32(x, N, B), fp_mat_rowmajor_f32(o->r, N, B),
                                   fp_mat_rowmajor_f32(o->g, N, B), &rep, NULL);
    o->solve_iterations = rep.iterations;
    o->solve_converged = rep.converged;
    /* the trainer: COUNT images of SIDE x SIDE, the class a bright quadrant plus noise */
    for (k = 0; k < COUNT; ++k) {
        int c = (int)((uniform(&s) + 1.0) * 0.5 * CLASSES) % CLASSES, row, col;
        labels[k] = (unsigned char)c;
        for (row = 0; row < SIDE; ++row)
            for (col = 0; col < SIDE; ++col) {
                int lit = (row < SIDE / 2) == (c & 1) && (col < SIDE / 2) == (c >> 1);
                double v = (lit ? 200.0 : 30.0) + 25.0 * uniform(&s);
                pixels[k * DIM + row * SIDE + col] = (unsigned char)v;
            }
    }
    ds.count = COUNT; ds.dim = DIM; ds.classes = CLASSES; ds.pixels = pixels; ds.labels = labels;
    tc.rule = FP_RULE_DW3;
    tc.optim.lr = 0.5;
    tc.batch = BATCH;
    tc.seed = o->seed;
    tc.solver.tol = 1e-5;
    if (fp_layer_init_f32(&L, TN, DIM, CLASSES, FP_ACT_TANH, 0.8, 7u + o->seed) != FP_OK) { o->setup_ok = 0; goto done; }
    if (fp_trainer_init_f32(&t, &L, &tc, COUNT) != FP_OK) { fp_layer_free_f32(&L); o->setup_ok = 0; goto done; }
    for (k = 0; k < STEPS; ++k) {
        fp_train_record rec;
        for (i = 0; i < BATCH; ++i) idx[i] = (k * BATCH + i) % COUNT;
        o->step_status[k] = fp_layer_train_step_f32(&t, &ds, idx, BATCH, &rec);
        o->loss[k] = rec.loss;
    }
    memcpy(o->params, L.w, sizeof o->params); /* the layer's parameters are one block from w */
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
done:
    free(w); free(x); free(pixels); free(labels);
}

static void *thread_main(void *arg)
{
    pthread_barrier_wait(&start);
    run((work *)arg);
    return NULL;
}

static int passed, failed;
static void check(int ok, const char *what, int thread)
{
    if (ok) ++passed;
    else if (thread < 0) { ++failed; printf("    check failed: %s\n", what); }
    else { ++failed; printf("    check failed: thread %d: %s\n", thread, what); }
}

int main(void)
{
    static work par[2], seq[2];
    pthread_t th[2];
    int k, started = 1;
    for (k = 0; k < 2; ++k) { par[k].seed = seq[k].seed = 11u + 10u * (unsigned)k; }
    /* concurrent first, so the library's first use of anything happens on the two threads */
    if (pthread_barrier_init(&start, NULL, 2) != 0) { printf("cannot make a barrier\n0 passed, 1 failed\n"); return 1; }
    for (k = 0; k < 2; ++k)
        if (pthread_create(&th[k], NULL, thread_main, &par[k]) != 0) started = 0;
    if (!started) { printf("cannot start the threads\n0 passed, 1 failed\n"); return 1; }
    for (k = 0; k < 2; ++k) pthread_join(th[k], NULL);
    pthread_barrier_destroy(&start);
    /* then the same work on this thread alone */
    for (k = 0; k < 2; ++k) run(&seq[k]);
    printf("kernel path %s; solve N=%d B=%d: %d and %d iterations; %d training steps, last loss %.4f and %.4f\n",
           fp_isa_name(fp_isa_current()), N, B, seq[0].solve_iterations, seq[1].solve_iterations, STEPS,
           seq[0].loss[STEPS - 1], seq[1].loss[STEPS - 1]);
    for (k = 0; k < 2; ++k) {
        const work *p = &par[k], *q = &seq[k];
        int j, ok = 1;
        check(p->setup_ok && q->setup_ok, "setup (allocation, layer, trainer)", k);
        check(q->solve_status == FP_OK && q->solve_converged == B, "the single-threaded solve converges", k);
        check(p->solve_status == q->solve_status && p->solve_iterations == q->solve_iterations &&
              p->solve_converged == q->solve_converged, "solve status and iterations equal the single-threaded run's", k);
        check(memcmp(p->r, q->r, sizeof p->r) == 0 && memcmp(p->g, q->g, sizeof p->g) == 0,
              "fixed point R and gain G equal the single-threaded run's bit for bit", k);
        for (j = 0; j < STEPS; ++j) ok &= q->step_status[j] == FP_OK && q->loss[j] == q->loss[j];
        check(ok, "the single-threaded training steps succeed with a finite loss", k);
        ok = 1;
        for (j = 0; j < STEPS; ++j) ok &= p->step_status[j] == q->step_status[j] && memcmp(&p->loss[j], &q->loss[j], sizeof p->loss[j]) == 0;
        check(ok, "training step statuses and losses equal the single-threaded run's", k);
        check(memcmp(p->params, q->params, sizeof p->params) == 0, "trained parameters equal the single-threaded run's bit for bit", k);
    }
    check(memcmp(seq[0].params, seq[1].params, sizeof seq[0].params) != 0, "the two threads had different data", -1);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
