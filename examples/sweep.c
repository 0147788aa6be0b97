/* sweep - the paper's experiment (examples/paper_run.h) as a sweep that survives: solvers x rules x the
 * paper's five rates x seeds, each run independent, handed out from a queue (a slow run holds no other
 * back), each finished run one CSV row appended in a single write, and a sweep that was killed resumed by
 * the same command, which skips every run the CSV already holds (a torn last row is cut off and redone).
 * Built with MPI the queue is shared by the ranks - a counter on rank 0 that every rank takes the next run
 * from (MPI one-sided fetch-and-add); without MPI one process works through the same queue.
 * From the repository root:
 *   mkdir -p build && cc -O2 -std=c99 -I. -o build/sweep examples/sweep.c -lm                # one process
 *   mpicc -O2 -std=c99 -DSWEEP_MPI -I. -o build/sweep_mpi examples/sweep.c -lm                # MPI
 *   mpirun -np 2 ./build/sweep_mpi --seeds 3 --rules 134      # kill it, run it again: it goes on
 *   ./build/sweep --help
 * The CSV has paper_mnist's columns after a solver column; a run's row depends only on its key (solver,
 * rule, rate, seed) - not on the rank, the order or the thread count - except the seconds it took, last.
 * sh examples/paper_mnist_table.sh FILE sets it beside the paper's numbers. */
#include "example_util.h"
#ifdef SWEEP_MPI
#include <mpi.h>
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"
#include "paper_run.h"

static const char PROG[] = "sweep";
static const char *const solver_names[2] = { "anderson", "euler" };

static void usage(void)
{
    printf("usage: sweep [options]            (built with MPI: mpirun -np P sweep_mpi [options])\n\n"
           "Zhu & Rosenbaum's experiment (as paper_mnist) as independent runs - solvers x rules x the paper's five\n"
           "rates x seeds - taken from a queue by every rank, one CSV row per finished run. Run it again after a\n"
           "kill and it does only what the CSV lacks.\n\n"
           "options (default in brackets; --name value or --name=value):\n"
           "  --data DIR       folder with the IDX files [searched as paper_mnist searches]\n"
           "  --solvers LIST   anderson, euler (the paper's 500 Euler steps), or both: anderson,euler [anderson]\n"
           "  --rules LIST     rules, digits from 1234 (dW2 uses dW3's rates) [134]\n"
           "  --seeds S        seeds per rule and rate, 1 to 1000 [1]\n"
           "  --epochs E       epochs per run [3]\n"
           "  --train K        use the first K training images [0: all]\n"
           "  --out DIR        output folder, created if missing [build]\n"
           "  --csv FILE       the CSV, appended to and resumed from [DIR/sweep.csv]\n"
           "  --quiet          no line per run\n"
           "  -h, --help       this text\n");
}

#define HEADER "solver,rule,lr,seed," PAPER_CSV_COLUMNS "\n"

typedef struct job { int solver, rule, seed; double lr; } job;

/* The queue, in a fixed order: every rank enumerates the same list. */
static int jobs_make(job *q, int max, int solvers, const char *rules, int seeds)
{
    int n = 0, s, k, li, sd;
    for (s = 0; s < 2; ++s) {
        if (!(solvers & (1 << s))) continue;
        for (k = 1; k <= 4; ++k) {
            if (!strchr(rules, '0' + k)) continue;
            for (li = 0; li < 5; ++li)
                for (sd = 0; sd < seeds; ++sd) {
                    if (n < max) { q[n].solver = s; q[n].rule = k; q[n].lr = paper_lrs[k][li]; q[n].seed = sd; }
                    ++n;
                }
        }
    }
    return n;
}

static void job_key(const job *j, char *buf, size_t size)
{
    snprintf(buf, size, "%s,%s,%g,%d,", solver_names[j->solver], fp_rule_name((fp_rule)j->rule), j->lr, j->seed);
}

/* Reads the CSV (rank 0): creates it with the header if it is missing or empty, cuts off a last row a
 * kill tore (no newline), and marks the runs it holds done. Returns the count done, or -1 (said why). */
static int csv_resume(const char *path, const job *q, int n, char *done)
{
    FILE *f = fopen(path, "rb");
    long size = 0, keep = 0;
    char *text, *line, key[160];
    int count = 0, i;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (!f || size <= 0) {
        if (f) fclose(f);
        if (!(f = ex_open_out(PROG, path))) return -1;
        fputs(HEADER, f);
        return ex_close_out(PROG, f, path) ? 0 : -1;
    }
    text = (char *)malloc((size_t)size + 1);
    rewind(f);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "sweep: %s: cannot read it\n", path);
        fclose(f);
        free(text);
        return -1;
    }
    fclose(f);
    text[size] = 0;
    if (strncmp(text, HEADER, strlen(HEADER)) != 0) {
        fprintf(stderr, "sweep: %s is not a sweep CSV (its first line is not \"%.*s\"); --csv FILE names another\n", path,
                (int)strlen(HEADER) - 1, HEADER);
        free(text);
        return -1;
    }
    for (line = text; *line;) {
        char *end = strchr(line, '\n');
        if (!end) break; /* a torn row: cut off below, run again */
        *end = 0;
        for (i = 0; i < n; ++i) {
            job_key(&q[i], key, sizeof key);
            if (!done[i] && strncmp(line, key, strlen(key)) == 0) { done[i] = 1; ++count; }
        }
        line = end + 1;
        keep = (long)(line - text);
    }
    free(text);
    if (keep < size) {
        int fd = open(path, O_WRONLY), ok = fd >= 0 && ftruncate(fd, (off_t)keep) == 0;
        if (fd >= 0 && close(fd) != 0) ok = 0;
        if (!ok) { fprintf(stderr, "sweep: %s: cannot cut off its torn last row\n", path); return -1; }
    }
    return count;
}

/* One row, one write to a file opened for appending: rows of different ranks never interleave, and a
 * kill leaves at most a torn last row (cut off on resume). */
static int csv_append(const char *path, const char *row)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    size_t len = strlen(row);
    ssize_t w;
    if (fd < 0) return 0;
    w = write(fd, row, len);
    return close(fd) == 0 && w == (ssize_t)len;
}

/* ---- the queue's counter: on rank 0, taken with one-sided fetch-and-add; or a plain int ---- */
typedef struct queue {
#ifdef SWEEP_MPI
    MPI_Win win;
    int *base;
#endif
    int next;
} queue;

static int queue_take(queue *qu)
{
#ifdef SWEEP_MPI
    int one = 1, got = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, qu->win);
    MPI_Fetch_and_op(&one, &got, MPI_INT, 0, 0, MPI_SUM, qu->win);
    MPI_Win_unlock(0, qu->win);
    return got;
#else
    return qu->next++;
#endif
}

int main(int argc, char **argv)
{
    const char *data_opt = NULL, *outdir = "build", *csv = NULL, *rules = "134";
    char data[EX_PATH_MAX], csvbuf[EX_PATH_MAX];
    int seeds = 1, epochs = 3, ntrain = 0, quiet = 0, solvers = 1, rank = 0, size = 1, n, ndone, i, mine = 0, rc = 0;
    const ex_idx_files *files;
    ex_args args;
    fp_dataset tr, te;
    job *q;
    char *done;
    queue qu;
    double t0;
#ifdef SWEEP_MPI
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
#endif
    ex_args_init(&args, argc, argv, PROG, usage);
    while (ex_next(&args)) {
        if (ex_is(&args, "--data")) data_opt = ex_value(&args);
        else if (ex_is(&args, "--solvers")) {
            const char *v = ex_value(&args);
            solvers = !strcmp(v, "anderson") ? 1 : !strcmp(v, "euler") ? 2 : !strcmp(v, "anderson,euler") || !strcmp(v, "euler,anderson") ? 3 : 0;
            if (!solvers) ex_fail(&args, "unknown value '%s' (one of: anderson, euler, anderson,euler)", v);
        }
        else if (ex_is(&args, "--rules")) rules = ex_rules(&args, "1234");
        else if (ex_is(&args, "--seeds")) seeds = ex_int(&args, 1, 1000);
        else if (ex_is(&args, "--epochs")) epochs = ex_int(&args, 1, 1000000);
        else if (ex_is(&args, "--train")) ntrain = ex_int(&args, 0, INT_MAX);
        else if (ex_is(&args, "--out")) outdir = ex_folder(&args);
        else if (ex_is(&args, "--csv")) csv = ex_value(&args);
        else if (ex_is(&args, "--quiet")) quiet = ex_flag(&args);
        else ex_unknown(&args);
    }
    if (!csv) csv = ex_join(PROG, outdir, "sweep.csv", csvbuf, sizeof csvbuf);
    n = jobs_make(NULL, 0, solvers, rules, seeds);
    q = (job *)malloc(sizeof(job) * (size_t)n);
    done = (char *)calloc((size_t)n, 1);
    if (!q || !done) { fprintf(stderr, "sweep: out of memory\n"); return 1; }
    jobs_make(q, n, solvers, rules, seeds);
    ndone = rank == 0 ? csv_resume(csv, q, n, done) : 0;
#ifdef SWEEP_MPI
    MPI_Bcast(&ndone, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (ndone < 0) { MPI_Finalize(); return 1; }
    MPI_Bcast(done, n, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(int) : 0, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &qu.base, &qu.win);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, qu.win);
        *qu.base = 0;
        MPI_Win_unlock(0, qu.win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
#else
    if (ndone < 0) return 1;
#endif
    qu.next = 0;
    if (!(files = ex_find_data(PROG, data_opt, argv[0], __FILE__, data, sizeof data)) || !paper_load(PROG, data, files, &tr, &te)) rc = 1;
    if (rc) {
#ifdef SWEEP_MPI
        MPI_Abort(MPI_COMM_WORLD, 1);
#endif
        return 1;
    }
    if (ntrain > 0 && ntrain < tr.count) tr.count = ntrain;
    if (rank == 0)
        printf("sweep: %d runs (%d done before), %d rank%s, %d train / %d test images, %d epochs, writing %s\n", n, ndone, size,
               size > 1 ? "s" : "", tr.count, te.count, epochs, csv);
    fflush(stdout);
    t0 = ex_now();
    for (;;) {
        int k = queue_take(&qu);
        paper_result res;
        char row[640], key[160];
        if (k >= n) break;
        if (done[k]) continue;
        if (!paper_run(&tr, &te, q[k].rule, q[k].lr, q[k].seed, q[k].solver == 1, epochs, NULL, NULL, &res)) {
            fprintf(stderr, "sweep: rank %d: run %d: set-up failed (out of memory)\n", rank, k);
            rc = 1;
            break;
        }
        job_key(&q[k], key, sizeof key);
        i = (int)strlen(key);
        memcpy(row, key, (size_t)i);
        paper_csv_values(row + i, sizeof row - (size_t)i - 1, &res);
        strcat(row, "\n");
        if (!csv_append(csv, row)) {
            fprintf(stderr, "sweep: rank %d: %s: cannot append a row\n", rank, csv);
            rc = 1;
            break;
        }
        ++mine;
        if (!quiet) {
            printf("rank %d: %s dW%d lr %g seed %d: loss(50) %.3f, test %.3f, %.1f s\n", rank, solver_names[q[k].solver], q[k].rule,
                   q[k].lr, q[k].seed, res.loss50, res.test_acc, res.seconds);
            fflush(stdout);
        }
    }
    if (!quiet || rank == 0) printf("sweep: rank %d ran %d runs in %.1f s\n", rank, mine, ex_now() - t0);
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    free(q);
    free(done);
#ifdef SWEEP_MPI
    MPI_Win_free(&qu.win);
    MPI_Finalize();
#endif
    return rc;
}
