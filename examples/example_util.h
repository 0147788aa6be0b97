/* example_util.h - what the examples share, so that each of them behaves the same from a fresh clone:
 * an option parser (--name value and --name=value; a bad option or value is a one-line message naming the
 * option and exit status 2; --help / -h prints the example's usage and exits 0), output files whose folders
 * are created first and whose failures name the path and the reason, progress lines with elapsed time and
 * an estimate of the time left, and the search for the IDX data from any working directory.
 *
 * Static functions only (prefix ex_), C99, and valid C++, so that it can be copied beside an example built
 * against an installed fixpoint.h. Include it before any system header: it asks for the POSIX functions
 * it uses (clock_gettime, mkdir, readlink, stat). Not part of the library. */
#ifndef EXAMPLE_UTIL_H
#define EXAMPLE_UTIL_H

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200112L
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#if defined(_WIN32)
#include <direct.h>
#else
#include <unistd.h>
#endif

/* Every example uses a different part of this file: unused helpers must not warn. */
#if defined(__GNUC__)
#define EX_FN static __attribute__((unused))
#define EX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define EX_NORETURN __attribute__((noreturn))
#else
#define EX_FN static
#define EX_PRINTF(f, a)
#define EX_NORETURN
#endif
#if !defined(S_ISDIR)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#endif

enum { EX_PATH_MAX = 4096 };

/* ---- time ---- */

/* Seconds from an arbitrary origin, monotonic where the platform has a monotonic clock. */
EX_FN double ex_now(void)
{
#if defined(_WIN32)
    return (double)clock() / CLOCKS_PER_SEC; /* wall-clock time on Windows */
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#endif
}

/* "42 s", "3 min 05 s", "1 h 02 min" */
EX_FN const char *ex_duration(double s, char *buf, size_t size)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t < 60) snprintf(buf, size, "%ld s", t);
    else if (t < 3600) snprintf(buf, size, "%ld min %02ld s", t / 60, t % 60);
    else snprintf(buf, size, "%ld h %02ld min", t / 3600, (t % 3600) / 60);
    return buf;
}

/* ---- options ---- */

typedef struct ex_args {
    int argc, next;           /* next: the index of the argument after the current option */
    char **argv;
    const char *prog;         /* the example's name, the prefix of every message */
    void (*usage)(void);      /* prints the example's --help text on stdout */
    const char *arg;          /* the current argument as given */
    char name[64];            /* the current option without "=value" */
    const char *inline_value; /* the text after '=', or NULL */
} ex_args;

EX_FN void ex_args_init(ex_args *a, int argc, char **argv, const char *prog, void (*usage)(void))
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->next = 1;
    a->prog = prog;
    a->usage = usage;
}

/* A usage error: one line on stderr naming the option, then exit status 2 (the shells' "misuse"). */
EX_FN void ex_fail(const ex_args *a, const char *fmt, ...) EX_PRINTF(2, 3) EX_NORETURN;
EX_FN void ex_fail(const ex_args *a, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", a->prog);
    if (a->name[0]) fprintf(stderr, "%s: ", a->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see %s --help)\n", a->prog);
    exit(2);
}

/* Moves to the next argument; 0 when there is none. --help and -h print the usage and exit 0 here, so
 * that every example answers them the same way. */
EX_FN int ex_next(ex_args *a)
{
    const char *eq;
    size_t len;
    if (a->next >= a->argc) return 0;
    a->arg = a->argv[a->next++];
    a->inline_value = NULL;
    a->name[0] = 0;
    if (!strcmp(a->arg, "--help") || !strcmp(a->arg, "-h")) {
        a->usage();
        exit(0);
    }
    if (strncmp(a->arg, "--", 2) != 0 || a->arg[2] == 0) {
        if (a->arg[0] == '-') ex_fail(a, "unknown option %s", a->arg);
        ex_fail(a, "unexpected argument '%s': settings are options, --name value", a->arg);
    }
    eq = strchr(a->arg, '=');
    len = eq ? (size_t)(eq - a->arg) : strlen(a->arg);
    if (len >= sizeof a->name) ex_fail(a, "unknown option %.40s...", a->arg);
    memcpy(a->name, a->arg, len);
    a->name[len] = 0;
    if (eq) a->inline_value = eq + 1;
    return 1;
}

/* Whether the current option is NAME ("--seed"). */
EX_FN int ex_is(const ex_args *a, const char *name) { return strcmp(a->name, name) == 0; }

/* The current option is none the example knows. */
EX_FN void ex_unknown(ex_args *a)
{
    char name[64];
    memcpy(name, a->name, sizeof name);
    a->name[0] = 0; /* the message names the option once */
    ex_fail(a, "unknown option %s", name);
}

/* An option without a value (a switch); --quiet=1 is a mistake, not a value. */
EX_FN int ex_flag(const ex_args *a)
{
    if (a->inline_value) ex_fail(a, "takes no value (got '%s')", a->inline_value);
    return 1;
}

/* The current option's value: after '=', or the next argument. A next argument that starts with "--" is
 * taken for a forgotten value rather than swallowed (give such a value as --name=--value). */
EX_FN const char *ex_value(ex_args *a)
{
    const char *v;
    if (a->inline_value) return a->inline_value;
    if (a->next >= a->argc || !strncmp(a->argv[a->next], "--", 2)) ex_fail(a, "needs a value");
    v = a->argv[a->next++];
    return v;
}

/* A folder (--out). A name ending in .csv is the old meaning of --out in compare_rules and paper_mnist, a
 * file: refused, so that an old command line does not make a folder called results.csv. */
EX_FN const char *ex_folder(ex_args *a)
{
    const char *v = ex_value(a);
    size_t len = strlen(v);
    if (!v[0]) ex_fail(a, "needs a folder");
    if (len > 4 && !strcmp(v + len - 4, ".csv")) ex_fail(a, "takes a folder, not a file such as %s (that is --csv FILE)", v);
    return v;
}

/* An integer in [lo, hi]: all of the text must be the number. */
EX_FN int ex_int(ex_args *a, int lo, int hi)
{
    const char *v = ex_value(a);
    char *end;
    long x;
    errno = 0;
    x = strtol(v, &end, 10);
    if (end == v || *end || v[0] == ' ' || v[0] == '\t') ex_fail(a, "'%s' is not a whole number", v);
    if (errno == ERANGE || x < lo || x > hi) ex_fail(a, "%s is out of range (%d to %d)", v, lo, hi);
    return (int)x;
}

/* A seed: a whole number from 0 to 2^64 - 1. */
EX_FN unsigned long long ex_u64(ex_args *a)
{
    const char *v = ex_value(a);
    char *end;
    unsigned long long x;
    errno = 0;
    x = strtoull(v, &end, 10);
    if (end == v || *end || v[0] < '0' || v[0] > '9') ex_fail(a, "'%s' is not a whole number from 0", v);
    if (errno == ERANGE) ex_fail(a, "%s is out of range (0 to %llu)", v, ULLONG_MAX);
    return x;
}

/* A finite number in [lo, hi], or in (lo, hi] when open_lo. */
EX_FN double ex_double(ex_args *a, double lo, double hi, int open_lo)
{
    const char *v = ex_value(a);
    char *end;
    double x;
    errno = 0;
    x = strtod(v, &end);
    if (end == v || *end || v[0] == ' ' || v[0] == '\t' || !(x == x) || x - x != 0) ex_fail(a, "'%s' is not a finite number", v);
    if (x > hi || (open_lo ? x <= lo : x < lo)) ex_fail(a, "%s is out of range (%s %g, at most %g)", v, open_lo ? "above" : "from", lo, hi);
    return x;
}

/* One of COUNT names; returns its index. */
EX_FN int ex_choice(ex_args *a, const char *const *names, int count)
{
    const char *v = ex_value(a);
    char list[256] = "";
    int i;
    for (i = 0; i < count; ++i)
        if (!strcmp(v, names[i])) return i;
    for (i = 0; i < count; ++i) {
        if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    ex_fail(a, "unknown value '%s' (one of: %s)", v, list);
    return -1;
}

/* A set of learning rules as digits ("134" runs dW1, dW3, dW4), each one from ALLOWED, none twice. */
EX_FN const char *ex_rules(ex_args *a, const char *allowed)
{
    const char *v = ex_value(a), *p;
    if (!v[0]) ex_fail(a, "needs at least one rule (digits from %s)", allowed);
    for (p = v; *p; ++p)
        if (!strchr(allowed, *p) || strchr(p + 1, *p)) ex_fail(a, "'%s' is not a set of rules (digits from %s, each once)", v, allowed);
    return v;
}

/* ---- output files ---- */

static int ex_mkdir1(const char *path)
{
#if defined(_WIN32)
    return _mkdir(path);
#else
    return mkdir(path, 0777);
#endif
}

static int ex_is_sep(char c)
{
#if defined(_WIN32)
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}

/* mkdir -p: 0, or -1 with errno set (ENOTDIR when PATH or a parent is a file). The parents that exist
 * are not checked one by one (some systems answer EACCES rather than EEXIST for "/home" or "C:"): only
 * whether PATH is a folder in the end, with the first error met on the way as the reason if not. */
EX_FN int ex_mkdir_p(const char *path)
{
    char buf[EX_PATH_MAX];
    size_t len = strlen(path), i;
    int err = 0;
    struct stat st;
    if (len == 0) return 0;
    if (len >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
    memcpy(buf, path, len + 1);
    for (i = 1; i <= len; ++i)
        if (buf[i] == 0 || ex_is_sep(buf[i])) {
            char c = buf[i];
            if (ex_is_sep(buf[i - 1])) continue; /* "a//b", a trailing '/' */
            buf[i] = 0;
            if (ex_mkdir1(buf) != 0 && errno != EEXIST && !err) err = errno;
            buf[i] = c;
        }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    errno = err ? err : ENOTDIR;
    return -1;
}

/* The folder part of PATH ("." when there is none). */
EX_FN void ex_dirname(const char *path, char *out, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && ex_is_sep(path[len - 1])) --len; /* "dir/" is dir itself */
    while (len > 0 && !ex_is_sep(path[len - 1])) --len;
    while (len > 1 && ex_is_sep(path[len - 1])) --len;
    if (len == 0) { snprintf(out, size, "."); return; }
    snprintf(out, size, "%.*s", (int)len, path);
}

/* DIR/NAME into OUT; a path that does not fit is a message and exit status 2 (it came from an option). */
EX_FN const char *ex_join(const char *prog, const char *dir, const char *name, char *out, size_t size)
{
    int k = snprintf(out, size, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= size) { fprintf(stderr, "%s: the path %s/%s is too long\n", prog, dir, name); exit(2); }
    return out;
}

/* Creates DIR and its parents; on failure says which and why. */
EX_FN int ex_make_dir(const char *prog, const char *dir)
{
    if (ex_mkdir_p(dir) == 0) return 1;
    fprintf(stderr, "%s: cannot create the folder %s: %s\n", prog, dir, strerror(errno));
    return 0;
}

/* Opens PATH for writing after creating its folder; NULL after a message naming the path and the reason. */
EX_FN FILE *ex_open_out(const char *prog, const char *path)
{
    char dir[EX_PATH_MAX];
    FILE *f;
    ex_dirname(path, dir, sizeof dir);
    if (!ex_make_dir(prog, dir)) return NULL;
    if (!(f = fopen(path, "w"))) fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
    return f;
}

/* Closes an output file; 0 after a message when anything written to it was lost (a full disk, say). */
EX_FN int ex_close_out(const char *prog, FILE *f, const char *path)
{
    int bad = ferror(f);
    errno = 0;
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "%s: writing %s failed: %s\n", prog, path, errno ? strerror(errno) : "write error");
        return 0;
    }
    return 1;
}

/* ---- progress ---- */

/* Lines on stderr (stdout keeps the results, so it can be redirected and compared): at most one every
 * EVERY seconds, or one per finished unit when forced; each with the time so far and an estimate of the
 * time left from the fraction of the work done. */
typedef struct ex_progress {
    const char *prog;
    double t0, last, every, total;
    int quiet;
} ex_progress;

EX_FN void ex_progress_start(ex_progress *p, const char *prog, double total, double every, int quiet)
{
    p->prog = prog;
    p->t0 = p->last = ex_now();
    p->every = every;
    p->total = total;
    p->quiet = quiet;
}

EX_FN void ex_report(ex_progress *p, double done, int force, const char *fmt, ...) EX_PRINTF(4, 5);
EX_FN void ex_report(ex_progress *p, double done, int force, const char *fmt, ...)
{
    double t = ex_now(), el = t - p->t0;
    char b1[32], b2[32];
    va_list ap;
    if (p->quiet || (!force && t - p->last < p->every)) return;
    p->last = t;
    fprintf(stderr, "%s: ", p->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (done > 0 && done < p->total)
        fprintf(stderr, "; %s elapsed, about %s left\n", ex_duration(el, b1, sizeof b1),
                ex_duration(el * (p->total - done) / done, b2, sizeof b2));
    else
        fprintf(stderr, "; %s elapsed\n", ex_duration(el, b1, sizeof b1));
    fflush(stderr);
}

/* ---- data ---- */

/* The four IDX files of a training and a test set, under one naming. */
typedef struct ex_idx_files {
    const char *train_images, *train_labels, *test_images, *test_labels, *what;
} ex_idx_files;

/* The namings accepted, in the order tried: the subset shipped in data/ (data/make_subset.sh), then the
 * standard names of the full dataset (gunzipped; `make data-full` writes them to build/fashion-mnist). */
EX_FN const ex_idx_files *ex_idx_naming(int i)
{
    static const ex_idx_files names[2] = {
        { "fashion-train-images.idx", "fashion-train-labels.idx", "fashion-test-images.idx", "fashion-test-labels.idx",
          "the embedded subset" },
        { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
          "the standard names" }
    };
    return i >= 0 && i < 2 ? &names[i] : NULL;
}

/* SRC into DST when it fits (0 if not). */
static int ex_copy(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);
    if (len >= size) return 0;
    memcpy(dst, src, len + 1);
    return 1;
}

static int ex_readable(const char *dir, const char *name)
{
    char path[EX_PATH_MAX];
    FILE *f;
    int k = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= sizeof path || !(f = fopen(path, "rb"))) return 0;
    fclose(f);
    return 1;
}

/* The naming whose four files are all in DIR, or NULL. */
EX_FN const ex_idx_files *ex_idx_in(const char *dir)
{
    int i;
    for (i = 0; i < 2; ++i) {
        const ex_idx_files *n = ex_idx_naming(i);
        if (ex_readable(dir, n->train_images) && ex_readable(dir, n->train_labels) && ex_readable(dir, n->test_images) &&
            ex_readable(dir, n->test_labels))
            return n;
    }
    return NULL;
}

/* The folder the running program is in, "" when unknown: /proc/self/exe on Linux, else ARGV0 when it
 * names a path. */
static void ex_exe_dir(const char *argv0, char *out, size_t size)
{
    char path[EX_PATH_MAX] = "";
#if defined(__linux__)
    {
        ssize_t k = readlink("/proc/self/exe", path, sizeof path - 1);
        path[k > 0 ? (size_t)k : 0] = 0;
    }
#endif
    if (!path[0] && argv0 && (strchr(argv0, '/') || strchr(argv0, '\\'))) snprintf(path, sizeof path, "%s", argv0);
    if (path[0]) ex_dirname(path, out, size);
    else if (size) out[0] = 0;
}

static int ex_is_absolute(const char *p)
{
#if defined(_WIN32)
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':') return 1;
#endif
    return ex_is_sep(p[0]);
}

/* Finds the IDX files. OPT_DIR (from --data) is the only place looked at when given; else, in order, the
 * folder in $FIXPOINT_DATA (also the only one when set), data/ under the working directory, data/ beside
 * the program's folder (a program in build/ finds ../data), and ../data from the example's source file
 * when the compiler recorded its absolute path (SOURCE is __FILE__). Fills DIR and returns the naming found;
 * NULL after a message that lists where it looked and how to point the example at the data. */
EX_FN const ex_idx_files *ex_find_data(const char *prog, const char *opt_dir, const char *argv0, const char *source, char *dir,
                                       size_t size)
{
    char cand[4][EX_PATH_MAX], where[4][48];
    const char *env = getenv("FIXPOINT_DATA");
    const ex_idx_files *n0 = ex_idx_naming(0), *n1 = ex_idx_naming(1), *found;
    int count = 0, i;
    if (opt_dir || (env && env[0])) {
        const char *d = opt_dir ? opt_dir : env;
        if ((found = ex_idx_in(d)) && ex_copy(dir, size, d)) return found;
        fprintf(stderr, "%s: %s%s: no IDX data set there: it needs either %s, %s, %s and %s (%s) or %s, %s, %s and %s (%s); "
                "`make data-full` writes the full set to build/fashion-mnist\n", prog, opt_dir ? "--data " : "FIXPOINT_DATA=",
                d, n0->train_images, n0->train_labels, n0->test_images, n0->test_labels, n0->what, n1->train_images,
                n1->train_labels, n1->test_images, n1->test_labels, n1->what);
        return NULL;
    }
    snprintf(cand[count], EX_PATH_MAX, "data");
    snprintf(where[count++], 48, "under the working directory");
    ex_exe_dir(argv0, cand[count], EX_PATH_MAX);
    if (cand[count][0] && strlen(cand[count]) + 8 < EX_PATH_MAX) {
        strcat(cand[count], "/../data");
        snprintf(where[count++], 48, "beside the program's folder");
    }
    if (source && ex_is_absolute(source)) {
        ex_dirname(source, cand[count], EX_PATH_MAX);
        if (strlen(cand[count]) + 8 < EX_PATH_MAX) {
            strcat(cand[count], "/../data");
            snprintf(where[count++], 48, "beside the example's source folder");
        }
    }
    for (i = 0; i < count; ++i)
        if ((found = ex_idx_in(cand[i])) && ex_copy(dir, size, cand[i])) return found;
    fprintf(stderr, "%s: no IDX data found (%s, %s, ... or %s, %s, ...). Looked in:\n", prog, n0->train_images,
            n0->train_labels, n1->train_images, n1->train_labels);
    fprintf(stderr, "  $FIXPOINT_DATA (not set)\n");
    for (i = 0; i < count; ++i) fprintf(stderr, "  %s (%s)\n", cand[i], where[i]);
    fprintf(stderr, "Point at the data with --data DIR or FIXPOINT_DATA=DIR: the repository's data/ folder holds the embedded "
            "subset; `make data-full` writes the full Fashion-MNIST to build/fashion-mnist.\n");
    return NULL;
}

#endif
