/* mpi_train - the paper's model (N = 300 tanh, frozen read-in and read-out, SGD on W, batch 512) trained
 * data-parallel over MPI: every rank holds the whole network, takes its share of each global batch (the
 * same shuffled order on every rank, from one seed), solves and differentiates it, and the trainer's
 * allreduce hook sums dW and the loss and accuracy sums across ranks, so that every rank applies the same
 * update - the run of one process with the whole batch, to rounding (docs/THEORY.md, (P2)-(P3)).
 * The header knows nothing of MPI: the hook below is the only bridge.
 * From the repository root (Debian: apt-get install libopenmpi-dev openmpi-bin):
 *   mkdir -p build && mpicc -O2 -std=c99 -I. -o build/mpi_train examples/mpi_train.c -lm
 *   mpirun -np 2 ./build/mpi_train               # 20 steps on the embedded data, two ranks
 *   mpirun -np 1 ./build/mpi_train               # the same steps in one process (the hook unused)
 *   ./build/mpi_train --help
 * Rank 0 prints one line per step (loss, batch accuracy, milliseconds) and the median step time; --log FILE
 * writes "step loss accuracy" lines for comparison (make test-mpi compares 1 and 2 ranks). Add -fopenmp to
 * run each rank's share on several threads as well. */
#include "example_util.h"
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

static const char PROG[] = "mpi_train";

static void usage(void)
{
    printf("usage: mpirun -np P mpi_train [options]\n\n"
           "The paper's model (N = 300 tanh, batch 512, read-in and read-out frozen, SGD on W) trained data-parallel:\n"
           "each of the P ranks takes 1/P of every batch; dW, the loss and the accuracy are summed with MPI.\n\n"
           "options (default in brackets; --name value or --name=value):\n"
           "  --data DIR       folder with the IDX files [searched as paper_mnist searches]\n"
           "  --steps K        training steps [20]\n"
           "  --rule R         1, 3 or 4 (dW2 couples the batch's columns: not split across ranks) [3]\n"
           "  --lr X           learning rate [0.05]\n"
           "  --solver NAME    anderson (to 1e-5) or euler (500 steps of dt/tau = 0.01, the paper's) [anderson]\n"
           "  --batch B        global batch, shared by the ranks [512]\n"
           "  --seed S         initialization and shuffling seed [0]\n"
           "  --log FILE       rank 0 writes \"step loss accuracy\" per step\n"
           "  -h, --help       this text\n");
}

/* The trainer's hook: sum count values across the ranks, in place. Reduce to rank 0, then broadcast:
 * every rank gets the very same bits (an MPI_Allreduce may add in a different order on different ranks,
 * and ranks whose weights differ in the last bit would drift apart). */
static int mpi_sum(void *buf, int count, int f64, void *user)
{
    MPI_Comm comm = *(MPI_Comm *)user;
    MPI_Datatype type = f64 ? MPI_DOUBLE : MPI_FLOAT;
    int rank, rc;
    MPI_Comm_rank(comm, &rank);
    rc = MPI_Reduce(rank == 0 ? MPI_IN_PLACE : buf, rank == 0 ? buf : NULL, count, type, MPI_SUM, 0, comm);
    if (rc == MPI_SUCCESS) rc = MPI_Bcast(buf, count, type, 0, comm);
    return rc == MPI_SUCCESS ? 0 : -1;
}

typedef struct run { int steps, limit, rank; double t_last, ms[100000]; FILE *log; } run;

static int on_step(const fp_train_record *rec, void *user)
{
    run *r = (run *)user;
    double now = ex_now();
    if (r->steps < 100000) r->ms[r->steps] = 1e3 * (now - r->t_last);
    r->t_last = now;
    if (r->rank == 0) {
        printf("step %3d  loss %.6f  accuracy %.4f  %.1f ms%s\n", r->steps, rec->loss, rec->accuracy, r->ms[r->steps < 100000 ? r->steps : 0],
               rec->status != FP_OK ? "  (failed)" : "");
        if (r->log) fprintf(r->log, "%d %.9g %.9g\n", r->steps, rec->loss, rec->accuracy);
    }
    return ++r->steps >= r->limit; /* the same on every rank: the count is all it reads */
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv)
{
    static const char *const solver_names[2] = { "euler", "anderson" };
    static run r;
    const char *data_opt = NULL, *log = NULL, *why = NULL;
    char data[EX_PATH_MAX], a[EX_PATH_MAX], b[EX_PATH_MAX];
    int steps = 20, rule = 3, batch = 512, anderson = 1, rank, size, e, rc = 0;
    unsigned long long seed = 0;
    double lr = 0.05, t0;
    const ex_idx_files *files;
    MPI_Comm comm;
    ex_args args;
    fp_dataset tr;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = fp_train_config_default();
    MPI_Init(&argc, &argv);
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--data")) data_opt = ex_value(&args);
        else if (ex_is(&args, "--steps")) steps = ex_int(&args, 1, 100000);
        else if (ex_is(&args, "--rule")) rule = ex_int(&args, 1, 4);
        else if (ex_is(&args, "--lr")) lr = ex_double(&args, 0, 1e3, 1);
        else if (ex_is(&args, "--solver")) anderson = ex_choice(&args, solver_names, 2);
        else if (ex_is(&args, "--batch")) batch = ex_int(&args, 1, 1 << 20);
        else if (ex_is(&args, "--seed")) seed = ex_u64(&args);
        else if (ex_is(&args, "--log")) log = ex_value(&args);
        else ex_unknown(&args);
    }
    if (rule == 2 && size > 1) {
        if (rank == 0) fprintf(stderr, "mpi_train: dW2 solves one B x B system over the whole batch; it cannot be split across ranks\n");
        MPI_Finalize();
        return 2;
    }
    if (!(files = ex_find_data(PROG, data_opt, argv[0], __FILE__, data, sizeof data))) { MPI_Finalize(); return 1; }
    ex_join(PROG, data, files->train_images, a, sizeof a);
    ex_join(PROG, data, files->train_labels, b, sizeof b);
    if (fp_dataset_load(a, b, 10, &tr, &why) != FP_OK) {
        fprintf(stderr, "mpi_train: rank %d: %s: %s\n", rank, a, why);
        MPI_Abort(comm, 1);
    }
    c.rule = (fp_rule)rule;
    c.optim.lr = lr;
    c.batch = batch;
    c.seed = seed;
    if (anderson) { c.solver = fp_solver_config_default(FP_SOLVER_ANDERSON); c.solver.tol = 1e-5; }
    else {
        c.solver = fp_solver_config_default(FP_SOLVER_EULER);
        c.solver.step = 0.01;
        c.solver.max_iter = 500;
        c.solver.fixed_iterations = 1;
    }
    if (size > 1) { /* one rank: the library's own single-process path, the reference */
        c.allreduce = mpi_sum;
        c.allreduce_user = &comm;
        c.workers = size;
        c.worker = rank;
    }
    if (fp_layer_init_f32(&L, 300, tr.dim, 10, FP_ACT_TANH, 0.5, 1000u + seed) != FP_OK) MPI_Abort(comm, 1);
    if (fp_trainer_init_f32(&t, &L, &c, tr.count) != FP_OK) {
        fprintf(stderr, "mpi_train: rank %d: %s\n", rank, t.message);
        MPI_Abort(comm, 1);
    }
    r.limit = steps;
    r.rank = rank;
    if (rank == 0 && log && !(r.log = ex_open_out(PROG, log))) MPI_Abort(comm, 1);
    if (rank == 0)
        printf("mpi_train: %d rank%s, global batch %d (%d a rank), dW%d lr %g, %s, %d steps, %s kernels\n", size, size > 1 ? "s" : "",
               batch, t.max_batch, rule, lr, anderson ? "Anderson to 1e-5" : "500 Euler steps", steps, fp_isa_name(fp_isa_current()));
    MPI_Barrier(comm);
    t0 = r.t_last = ex_now();
    for (e = 0; r.steps < steps; ++e) {
        fp_status st = fp_layer_train_epoch_f32(&t, &tr, e, on_step, &r);
        if (st != FP_OK && st != FP_ERR_NOT_CONVERGED && r.steps < steps) {
            if (rank == 0) fprintf(stderr, "mpi_train: epoch %d: %s (%s)\n", e, fp_status_str(st), t.message ? t.message : "");
            rc = 1;
            break;
        }
    }
    if (rank == 0 && r.steps > 0) {
        int n = r.steps < 100000 ? r.steps : 100000;
        qsort(r.ms, (size_t)n, sizeof r.ms[0], cmp);
        printf("mpi_train: %d ranks, %d steps in %.2f s, median step %.1f ms\n", size, r.steps, ex_now() - t0, r.ms[n / 2]);
    }
    if (r.log && !ex_close_out(PROG, r.log, log)) rc = 1;
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fp_dataset_free(&tr);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    return rc;
}
