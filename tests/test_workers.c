/* Data-parallel training through the trainer's allreduce hook: two workers (threads here, with a
 * shared-memory allreduce; MPI processes in examples/mpi_train.c) each taking half of every batch must
 * train exactly as one process taking the whole batch, and agree on every fault so that none is left
 * waiting. */
#define _POSIX_C_SOURCE 200112L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "util.h"
#include "../fixpoint.h"
#include "dataset.h"

/* ---- an allreduce over threads: sum into a shared buffer between barriers ---- */
typedef struct shm_reduce {
    pthread_barrier_t bar;
    pthread_mutex_t mu;
    double acc[4096];
    int calls[2];
    int fail_at; /* the call (counted on worker 0) at which worker 0's hook fails; -1: never */
} shm_reduce;
typedef struct shm_user { shm_reduce *r; int worker; } shm_user;

static int shm_allreduce(void *buf, int count, int f64, void *user)
{
    shm_user *u = (shm_user *)user;
    shm_reduce *r = u->r;
    int i;
    if (count > 4096) return -1;
    r->calls[u->worker]++;
    pthread_barrier_wait(&r->bar);
    if (u->worker == 0) memset(r->acc, 0, sizeof(double) * (size_t)count);
    pthread_barrier_wait(&r->bar);
    pthread_mutex_lock(&r->mu);
    for (i = 0; i < count; ++i) r->acc[i] += f64 ? ((double *)buf)[i] : (double)((float *)buf)[i];
    pthread_mutex_unlock(&r->mu);
    pthread_barrier_wait(&r->bar);
    for (i = 0; i < count; ++i) {
        if (f64) ((double *)buf)[i] = r->acc[i];
        else ((float *)buf)[i] = (float)r->acc[i];
    }
    pthread_barrier_wait(&r->bar);
    return 0;
}

enum { N = 24, NIN = 16, NOUT = 4, COUNT = 96, BATCH = 32, EPOCHS = 2, STEPS = EPOCHS * COUNT / BATCH };

typedef struct run {
    fp_train_config cfg;
    const fp_dataset *ds;
    double loss[STEPS], acc[STEPS], w[N * N], win[N * NIN], wout[NOUT * N];
    int steps;
    fp_status st;
    shm_user user;
} run;

static int record(const fp_train_record *rec, void *user)
{
    run *r = (run *)user;
    if (r->steps < STEPS) { r->loss[r->steps] = rec->loss; r->acc[r->steps] = rec->accuracy; }
    r->steps++;
    return 0;
}

static void *train(void *arg)
{
    run *r = (run *)arg;
    fp_layer_f64 L;
    fp_trainer_f64 t;
    int e;
    r->st = fp_layer_init_f64(&L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 11);
    if (r->st != FP_OK) return NULL;
    r->st = fp_trainer_init_f64(&t, &L, &r->cfg, COUNT);
    for (e = 0; e < EPOCHS && r->st == FP_OK; ++e) r->st = fp_layer_train_epoch_f64(&t, r->ds, e, record, r);
    memcpy(r->w, L.w, sizeof r->w);
    memcpy(r->win, L.w_in, sizeof r->win);
    memcpy(r->wout, L.w_out, sizeof r->wout);
    fp_trainer_free_f64(&t);
    fp_layer_free_f64(&L);
    return NULL;
}

static double maxrel(const double *a, const double *b, int n)
{
    double m = 0;
    int i;
    for (i = 0; i < n; ++i) {
        double d = fabs(a[i] - b[i]) / (1e-3 + fabs(b[i]));
        if (!(d <= m)) m = d;
    }
    return m;
}

/* dW1 (the adjoint), dW3 and dW4, with the read-in and read-out learning too (their gradients are summed
 * as well), shuffled epochs: the same losses, accuracies and weights to 1e-10 */
static void two_workers_train_like_one_process(void)
{
    static const fp_rule rules[] = { FP_RULE_DW1, FP_RULE_DW3, FP_RULE_DW4 };
    static run one, two[2];
    fp_dataset ds;
    size_t q;
    fpt_make_dataset(&ds, COUNT, NIN, NOUT, NOUT, 5);
    for (q = 0; q < sizeof rules / sizeof rules[0]; ++q) {
        shm_reduce red;
        pthread_t th[2];
        int k, s;
        fp_train_config c = fp_train_config_default();
        c.rule = rules[q];
        c.batch = BATCH;
        c.optim.lr = 0.2;
        c.seed = 3;
        c.train_readin = 1;
        c.train_readout = 1;
        c.solver.tol = 1e-12;
        c.adjoint.iter.tol = 1e-12;
        memset(&one, 0, sizeof one);
        one.cfg = c;
        one.ds = &ds;
        train(&one);
        CHECKF(one.st == FP_OK && one.steps == STEPS, "one process: %s after %d steps", fp_status_str(one.st), one.steps);
        memset(&red, 0, sizeof red);
        red.fail_at = -1;
        pthread_barrier_init(&red.bar, NULL, 2);
        pthread_mutex_init(&red.mu, NULL);
        for (k = 0; k < 2; ++k) {
            memset(&two[k], 0, sizeof two[k]);
            two[k].cfg = c;
            two[k].cfg.allreduce = shm_allreduce;
            two[k].cfg.workers = 2;
            two[k].cfg.worker = k;
            two[k].user.r = &red;
            two[k].user.worker = k;
            two[k].cfg.allreduce_user = &two[k].user;
            two[k].ds = &ds;
            pthread_create(&th[k], NULL, train, &two[k]);
        }
        for (k = 0; k < 2; ++k) pthread_join(th[k], NULL);
        pthread_barrier_destroy(&red.bar);
        pthread_mutex_destroy(&red.mu);
        for (k = 0; k < 2; ++k) {
            double dl = maxrel(two[k].loss, one.loss, STEPS), da = maxrel(two[k].acc, one.acc, STEPS);
            double dw = maxrel(two[k].w, one.w, N * N), dwin = maxrel(two[k].win, one.win, N * NIN), dwout = maxrel(two[k].wout, one.wout, NOUT * N);
            CHECKF(two[k].st == FP_OK && two[k].steps == STEPS, "worker %d: %s after %d steps", k, fp_status_str(two[k].st), two[k].steps);
            CHECKF(dl < 1e-10 && da == 0 && dw < 1e-10 && dwin < 1e-10 && dwout < 1e-10,
                   "dW%d worker %d: losses %.3g, accuracies %.3g, W %.3g, W_in %.3g, W_out %.3g apart", (int)rules[q], k, dl, da, dw,
                   dwin, dwout);
        }
        CHECK(red.calls[0] == red.calls[1]);
        printf("    dW%d: %d steps, loss %.6f -> %.6f, two workers within %.2g; %d allreduce calls each\n", (int)rules[q], STEPS,
               one.loss[0], one.loss[STEPS - 1], maxrel(two[0].loss, one.loss, STEPS), red.calls[0]);
        for (s = 1; s < STEPS; ++s) if (one.loss[s] != one.loss[0]) break;
        CHECK(s < STEPS); /* it learned something: the losses are not all one value */
    }
    fpt_free_dataset(&ds);
}

/* A worker whose share is refused, and a hook that fails: every worker returns (none waits), with the
 * reason; nothing is updated. */
typedef struct faulty { fp_trainer_f64 t; fp_layer_f64 L; const fp_dataset *ds; int idx[BATCH / 2]; fp_status st; shm_user user; } faulty;
static void *one_step(void *arg)
{
    faulty *f = (faulty *)arg;
    fp_train_record rec;
    f->st = fp_layer_train_step_f64(&f->t, f->ds, f->idx, BATCH / 2, &rec);
    return NULL;
}
static int failing_allreduce(void *buf, int count, int f64, void *user) { (void)buf; (void)count; (void)f64; (void)user; return -1; }

static void workers_agree_on_faults_and_settings(void)
{
    static faulty f[2];
    fp_dataset ds;
    shm_reduce red;
    pthread_t th[2];
    int k, j;
    double w0[N * N];
    fp_train_config c = fp_train_config_default();
    fpt_make_dataset(&ds, COUNT, NIN, NOUT, NOUT, 5);
    c.batch = BATCH;
    c.optim.lr = 0.2;
    memset(&red, 0, sizeof red);
    pthread_barrier_init(&red.bar, NULL, 2);
    pthread_mutex_init(&red.mu, NULL);
    for (k = 0; k < 2; ++k) {
        fp_train_config ck = c;
        ck.allreduce = shm_allreduce;
        ck.workers = 2;
        ck.worker = k;
        f[k].user.r = &red;
        f[k].user.worker = k;
        ck.allreduce_user = &f[k].user;
        f[k].ds = &ds;
        CHECK(fp_layer_init_f64(&f[k].L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 11) == FP_OK);
        CHECK(fp_trainer_init_f64(&f[k].t, &f[k].L, &ck, COUNT) == FP_OK);
        for (j = 0; j < BATCH / 2; ++j) f[k].idx[j] = k * BATCH / 2 + j;
    }
    memcpy(w0, f[0].L.w, sizeof w0);
    f[1].idx[3] = COUNT + 7; /* outside the dataset: worker 1's share is refused */
    for (k = 0; k < 2; ++k) pthread_create(&th[k], NULL, one_step, &f[k]);
    for (k = 0; k < 2; ++k) pthread_join(th[k], NULL);
    CHECKF(f[0].st == FP_ERR_INVALID_ARG && f[1].st == FP_ERR_INVALID_ARG, "%s, %s", fp_status_str(f[0].st), fp_status_str(f[1].st));
    CHECKF(f[0].t.message && strstr(f[0].t.message, "another worker"), "%s", f[0].t.message ? f[0].t.message : "(none)");
    CHECK(memcmp(w0, f[0].L.w, sizeof w0) == 0 && memcmp(w0, f[1].L.w, sizeof w0) == 0);
    /* the same step with good shares goes through on both, to the same W */
    f[1].idx[3] = BATCH / 2 + 3;
    for (k = 0; k < 2; ++k) pthread_create(&th[k], NULL, one_step, &f[k]);
    for (k = 0; k < 2; ++k) pthread_join(th[k], NULL);
    CHECKF(f[0].st == FP_OK && f[1].st == FP_OK, "%s, %s", fp_status_str(f[0].st), fp_status_str(f[1].st));
    CHECK(memcmp(f[0].L.w, f[1].L.w, sizeof w0) == 0 && memcmp(w0, f[0].L.w, sizeof w0) != 0);
    /* a hook that fails: FP_ERR_IO, the reason, W as it was */
    memcpy(w0, f[0].L.w, sizeof w0);
    f[0].t.cfg.allreduce = failing_allreduce;
    one_step(&f[0]);
    CHECKF(f[0].st == FP_ERR_IO && f[0].t.message && strstr(f[0].t.message, "allreduce"), "%s", fp_status_str(f[0].st));
    CHECK(memcmp(w0, f[0].L.w, sizeof w0) == 0);
    for (k = 0; k < 2; ++k) { fp_trainer_free_f64(&f[k].t); fp_layer_free_f64(&f[k].L); }
    pthread_barrier_destroy(&red.bar);
    pthread_mutex_destroy(&red.mu);
    { /* settings: several workers need the hook, a worker index in range, a share each; dW2 cannot be split */
        fp_layer_f64 L;
        fp_trainer_f64 t;
        fp_train_config b;
        CHECK(fp_layer_init_f64(&L, N, NIN, NOUT, FP_ACT_TANH, 0.5, 11) == FP_OK);
        b = c; b.workers = 2;
        CHECK(fp_trainer_init_f64(&t, &L, &b, COUNT) == FP_ERR_INVALID_ARG && strstr(t.message, "allreduce"));
        b.allreduce = failing_allreduce; b.worker = 2;
        CHECK(fp_trainer_init_f64(&t, &L, &b, COUNT) == FP_ERR_INVALID_ARG && strstr(t.message, "worker"));
        b.worker = -1;
        CHECK(fp_trainer_init_f64(&t, &L, &b, COUNT) == FP_ERR_INVALID_ARG);
        b.worker = 0; b.workers = BATCH + 1;
        CHECK(fp_trainer_init_f64(&t, &L, &b, COUNT) == FP_ERR_INVALID_ARG && strstr(t.message, "share"));
        b.workers = 2; b.rule = FP_RULE_DW2;
        CHECK(fp_trainer_init_f64(&t, &L, &b, COUNT) == FP_ERR_INVALID_ARG && strstr(t.message, "dW2"));
        b.rule = FP_RULE_DW3;
        CHECK(fp_trainer_init_f64(&t, &L, &b, COUNT) == FP_OK && t.max_batch == BATCH / 2);
        fp_trainer_free_f64(&t);
        fp_layer_free_f64(&L);
    }
    fpt_free_dataset(&ds);
}

const fpt_test fpt_worker_tests[] = {
    { "two_workers_train_like_one_process", two_workers_train_like_one_process },
    { "workers_agree_on_faults_and_settings", workers_agree_on_faults_and_settings },
    { NULL, NULL }
};
