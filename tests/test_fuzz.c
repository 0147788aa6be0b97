/* Replays every input in tests/fuzz/corpus/<target>/ through its fuzz target (the seeds plus what
 * `make fuzz` found interesting): no crash, no broken invariant. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "fuzz/targets.h"

static int replay(const char *dir, int (*target)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int count = 0;
    if (!d) { printf("    cannot open %s\n", dir); ++fpt_fail_count; return 0; }
    while ((e = readdir(d))) {
        char path[1024];
        FILE *f;
        long len;
        unsigned char *buf;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "rb"))) continue;
        fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)len + 1);
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) len = 0;
        fclose(f);
        CHECKF(target(buf, (size_t)len) == 0, "%s broke an invariant", path);
        free(buf);
        ++count;
    }
    closedir(d);
    return count;
}

static void fuzz_corpora_replay_cleanly(void)
{
    int a = replay("tests/fuzz/corpus/idx", fpt_fuzz_idx), b = replay("tests/fuzz/corpus/layer", fpt_fuzz_layer),
        c = replay("tests/fuzz/corpus/solve", fpt_fuzz_solve);
    printf("    replayed %d IDX, %d parameter-file and %d solver inputs\n", a, b, c);
    CHECK(a > 0 && b > 0 && c > 0);
}

/* The analysis targets: learning rules, eigenvalues and stability, mean-field theory. */
static void fuzz_analysis_corpora_replay_cleanly(void)
{
    int a = replay("tests/fuzz/corpus/rules", fpt_fuzz_rules), b = replay("tests/fuzz/corpus/eig", fpt_fuzz_eig),
        c = replay("tests/fuzz/corpus/meanfield", fpt_fuzz_meanfield);
    printf("    replayed %d learning-rule, %d eigenvalue and %d mean-field inputs\n", a, b, c);
    CHECK(a > 0 && b > 0 && c > 0);
}

const fpt_test fpt_fuzz_tests[] = {
    { "fuzz_corpora_replay_cleanly", fuzz_corpora_replay_cleanly },
    { "fuzz_analysis_corpora_replay_cleanly", fuzz_analysis_corpora_replay_cleanly },
    { NULL, NULL }
};
