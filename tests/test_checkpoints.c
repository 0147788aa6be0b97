/* Nothing lost: a save that fails part-way leaves the previous file loadable, and a trainer resumed from
 * its checkpoint continues bit for bit, for every optimizer. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "util.h"
#include "../fixpoint.h"

/* A disk that fills up (RLIMIT_FSIZE below the new file's size): the save fails with FP_ERR_IO, the
 * previous checkpoint still loads and equals what was saved, and no temporary file is left behind. */
static void failed_save_keeps_the_previous_file(void)
{
    const char *path = "build/ckpt_layer.bin";
    fp_layer_f32 small, big, back;
    struct rlimit old, lim;
    void (*prev)(int);
    FILE *f;
    CHECK(fp_layer_init_f32(&small, 4, 3, 2, FP_ACT_TANH, 0.5, 1) == FP_OK);
    CHECK(fp_layer_init_f32(&big, 64, 30, 10, FP_ACT_TANH, 0.5, 2) == FP_OK);
    CHECK(fp_layer_save_f32(&small, path) == FP_OK);
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    prev = signal(SIGXFSZ, SIG_IGN); /* a write past the limit then fails with EFBIG instead of killing us */
    lim = old;
    lim.rlim_cur = 2048; /* the big layer needs about 23 KB */
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    CHECK(fp_layer_save_f32(&big, path) == FP_ERR_IO);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, prev);
    memset(&back, 0, sizeof back);
    CHECK(fp_layer_load_f32(&back, path, NULL) == FP_OK);
    CHECK(back.n == 4 && back.w && memcmp(back.w, small.w, (16 + 12 + 4 + 8 + 2) * sizeof(float)) == 0);
    f = fopen("build/ckpt_layer.bin.tmp", "rb");
    CHECK(f == NULL);
    if (f) fclose(f);
    /* and a save that has room replaces the file */
    CHECK(fp_layer_save_f32(&big, path) == FP_OK);
    fp_layer_free_f32(&back);
    CHECK(fp_layer_load_f32(&back, path, NULL) == FP_OK && back.n == 64);
    fp_layer_free_f32(&back);
    fp_layer_free_f32(&small);
    fp_layer_free_f32(&big);
    remove(path);
}

/* A small dataset: 48 images of 16 pixels, 3 classes. */
static void make_data(fp_dataset *ds, unsigned char *px, unsigned char *lb)
{
    fpt_rng r = { 77 };
    int i;
    for (i = 0; i < 48 * 16; ++i) px[i] = (unsigned char)(128 + 127 * fpt_uniform(&r));
    for (i = 0; i < 48; ++i) lb[i] = (unsigned char)(i % 3);
    ds->count = 48; ds->dim = 16; ds->classes = 3; ds->pixels = px; ds->labels = lb;
}

static fp_train_config ckpt_config(fp_optim_kind kind)
{
    fp_train_config c = fp_train_config_default();
    c.rule = FP_RULE_DW3;
    c.optim.lr = kind == FP_OPTIM_ADAM ? 0.01 : 0.2;
    c.optim.kind = kind;
    c.batch = 16;
    c.warm_start = 1;
    c.train_readout = 1;
    c.seed = 5;
    return c;
}

/* epochs [e0, e1) of a trainer */
static void run_epochs(fp_trainer_f32 *t, const fp_dataset *ds, int e0, int e1)
{
    int e;
    for (e = e0; e < e1; ++e) CHECK(fp_layer_train_epoch_f32(t, ds, e, NULL, NULL) == FP_OK);
}

/* 4 epochs straight against 2 epochs, a checkpoint, a fresh layer (another seed) and trainer loaded from it,
 * and 2 more: the parameters agree bit for bit for SGD, momentum and Adam, with warm starts and a
 * learning read-out. Restoring the parameters alone (the layer file) does not, for momentum and Adam:
 * the test can see what it checks. */
static void trainer_resume_is_bit_identical_for_every_optimizer(void)
{
    static const fp_optim_kind kinds[3] = { FP_OPTIM_SGD, FP_OPTIM_MOMENTUM, FP_OPTIM_ADAM };
    static unsigned char px[48 * 16], lb[48];
    const char *path = "build/ckpt_trainer.bin", *lpath = "build/ckpt_trainer_layer.bin";
    const size_t cnt = 12 * 12 + 12 * 16 + 12 + 3 * 12 + 3;
    fp_dataset ds;
    int k;
    make_data(&ds, px, lb);
    for (k = 0; k < 3; ++k) {
        fp_train_config c = ckpt_config(kinds[k]);
        fp_layer_f32 La, Lb, Lc;
        fp_trainer_f32 ta, tb, tc;
        const char *why = NULL;
        int same_params_only;
        CHECK(fp_layer_init_f32(&La, 12, 16, 3, FP_ACT_TANH, 0.5, 3) == FP_OK);
        CHECK(fp_trainer_init_f32(&ta, &La, &c, ds.count) == FP_OK);
        run_epochs(&ta, &ds, 0, 4);
        /* interrupted */
        CHECK(fp_layer_init_f32(&Lb, 12, 16, 3, FP_ACT_TANH, 0.5, 3) == FP_OK);
        CHECK(fp_trainer_init_f32(&tb, &Lb, &c, ds.count) == FP_OK);
        run_epochs(&tb, &ds, 0, 2);
        CHECK(fp_trainer_save_f32(&tb, path) == FP_OK);
        CHECK(fp_layer_save_f32(&Lb, lpath) == FP_OK);
        fp_trainer_free_f32(&tb);
        fp_layer_free_f32(&Lb);
        CHECK(fp_layer_init_f32(&Lb, 12, 16, 3, FP_ACT_TANH, 0.5, 99) == FP_OK);
        CHECK(fp_trainer_init_f32(&tb, &Lb, &c, ds.count) == FP_OK);
        CHECKF(fp_trainer_load_f32(&tb, path, &why) == FP_OK, "%s", why ? why : "");
        CHECK(tb.step == 6);
        run_epochs(&tb, &ds, 2, 4);
        CHECKF(memcmp(La.w, Lb.w, cnt * sizeof(float)) == 0, "optimizer %d: resumed run differs", (int)kinds[k]);
        /* the parameters alone */
        memset(&Lc, 0, sizeof Lc);
        CHECK(fp_layer_load_f32(&Lc, lpath, NULL) == FP_OK);
        CHECK(fp_trainer_init_f32(&tc, &Lc, &c, ds.count) == FP_OK);
        run_epochs(&tc, &ds, 2, 4);
        same_params_only = memcmp(La.w, Lc.w, cnt * sizeof(float)) == 0;
        if (kinds[k] != FP_OPTIM_SGD) CHECKF(!same_params_only, "optimizer %d: the parameters alone resumed it too", (int)kinds[k]);
        printf("    %s: resumed from the checkpoint bit-identical; from the parameters alone %s\n",
               kinds[k] == FP_OPTIM_SGD ? "sgd" : kinds[k] == FP_OPTIM_MOMENTUM ? "momentum" : "adam",
               same_params_only ? "identical" : "different");
        fp_trainer_free_f32(&ta); fp_trainer_free_f32(&tb); fp_trainer_free_f32(&tc);
        fp_layer_free_f32(&La); fp_layer_free_f32(&Lb); fp_layer_free_f32(&Lc);
    }
    remove(path);
    remove(lpath);
}

/* A checkpoint for another trainer, a truncated one and a corrupt one are refused with FP_ERR_FORMAT, and
 * the trainer and its layer are left as they were. */
static void trainer_load_refuses_foreign_truncated_and_corrupt_files(void)
{
    static unsigned char px[48 * 16], lb[48];
    const char *path = "build/ckpt_bad.bin";
    fp_dataset ds;
    fp_layer_f32 L, M;
    fp_trainer_f32 t, u;
    fp_train_config c = ckpt_config(FP_OPTIM_ADAM), c2 = c;
    const char *why = NULL;
    float *before;
    const size_t cnt = 12 * 12 + 12 * 16 + 12 + 3 * 12 + 3;
    long len;
    FILE *f;
    unsigned char *buf;
    make_data(&ds, px, lb);
    CHECK(fp_layer_init_f32(&L, 12, 16, 3, FP_ACT_TANH, 0.5, 3) == FP_OK);
    CHECK(fp_trainer_init_f32(&t, &L, &c, ds.count) == FP_OK);
    run_epochs(&t, &ds, 0, 1);
    CHECK(fp_trainer_save_f32(&t, path) == FP_OK);
    CHECK(fp_layer_init_f32(&M, 12, 16, 3, FP_ACT_TANH, 0.5, 4) == FP_OK);
    c2.batch = 8;
    CHECK(fp_trainer_init_f32(&u, &M, &c2, ds.count) == FP_OK);
    before = malloc(cnt * sizeof *before);
    memcpy(before, M.w, cnt * sizeof *before);
    CHECK(fp_trainer_load_f32(&u, path, &why) == FP_ERR_FORMAT && why != NULL);
    CHECK(memcmp(before, M.w, cnt * sizeof *before) == 0 && u.step == 0);
    fp_trainer_free_f32(&u);
    CHECK(fp_trainer_init_f32(&u, &M, &c, ds.count) == FP_OK);
    f = fopen(path, "rb");
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len);
    CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    f = fopen(path, "wb"); fwrite(buf, 1, (size_t)len - 3, f); fclose(f); /* truncated */
    CHECK(fp_trainer_load_f32(&u, path, &why) == FP_ERR_FORMAT);
    buf[len / 2] ^= 0x10; /* one bit flipped */
    f = fopen(path, "wb"); fwrite(buf, 1, (size_t)len, f); fclose(f);
    CHECK(fp_trainer_load_f32(&u, path, &why) == FP_ERR_FORMAT && why && strstr(why, "checksum"));
    CHECK(memcmp(before, M.w, cnt * sizeof *before) == 0 && u.step == 0);
    buf[len / 2] ^= 0x10;
    f = fopen(path, "wb"); fwrite(buf, 1, (size_t)len, f); fclose(f);
    CHECK(fp_trainer_load_f32(&u, path, &why) == FP_OK && memcmp(L.w, M.w, cnt * sizeof(float)) == 0 && u.step == t.step);
    free(buf);
    free(before);
    fp_trainer_free_f32(&t); fp_trainer_free_f32(&u);
    fp_layer_free_f32(&L); fp_layer_free_f32(&M);
    remove(path);
}

/* A checkpoint taken before the first step holds the parameters as its rollback copy (not uninitialised
 * bytes), a save whose rename cannot happen (the path is a directory) fails without touching the path,
 * and a checkpoint made with other settings (here the learning rate) is refused. */
static void checkpoints_are_defined_atomic_and_tied_to_their_settings(void)
{
    static unsigned char px[48 * 16], lb[48];
    const size_t cnt = 12 * 12 + 12 * 16 + 12 + 3 * 12 + 3;
    fp_dataset ds;
    fp_layer_f32 L, M;
    fp_trainer_f32 t, u;
    fp_train_config c = ckpt_config(FP_OPTIM_MOMENTUM), c2 = c;
    const char *why = NULL;
    FILE *f;
    make_data(&ds, px, lb);
    CHECK(fp_layer_init_f32(&L, 12, 16, 3, FP_ACT_TANH, 0.5, 3) == FP_OK);
    CHECK(fp_trainer_init_f32(&t, &L, &c, ds.count) == FP_OK);
    CHECK(memcmp(t.prev, L.w, cnt * sizeof(float)) == 0);
    remove("build/ckpt_dir/x");
    remove("build/ckpt_dir");
    CHECK(mkdir("build/ckpt_dir", 0755) == 0);
    CHECK(fp_trainer_save_f32(&t, "build/ckpt_dir") == FP_ERR_IO);
    CHECK(fp_layer_save_f32(&L, "build/ckpt_dir") == FP_ERR_IO);
    f = fopen("build/ckpt_dir/x", "w"); /* still a directory */
    CHECK(f != NULL);
    if (f) fclose(f);
    remove("build/ckpt_dir/x");
    remove("build/ckpt_dir");
    CHECK(fp_trainer_save_f32(&t, "build/ckpt_cfg.bin") == FP_OK);
    CHECK(fp_layer_init_f32(&M, 12, 16, 3, FP_ACT_TANH, 0.5, 4) == FP_OK);
    c2.optim.lr *= 2;
    CHECK(fp_trainer_init_f32(&u, &M, &c2, ds.count) == FP_OK);
    CHECK(fp_trainer_load_f32(&u, "build/ckpt_cfg.bin", &why) == FP_ERR_FORMAT && why && strstr(why, "settings"));
    fp_trainer_free_f32(&u);
    CHECK(fp_trainer_init_f32(&u, &M, &c, ds.count) == FP_OK);
    CHECK(fp_trainer_load_f32(&u, "build/ckpt_cfg.bin", &why) == FP_OK && memcmp(u.prev, L.w, cnt * sizeof(float)) == 0);
    fp_trainer_free_f32(&t); fp_trainer_free_f32(&u);
    fp_layer_free_f32(&L); fp_layer_free_f32(&M);
    remove("build/ckpt_cfg.bin");
}

const fpt_test fpt_checkpoint_tests[] = {
    { "checkpoints_are_defined_atomic_and_tied_to_their_settings", checkpoints_are_defined_atomic_and_tied_to_their_settings },
    { "failed_save_keeps_the_previous_file", failed_save_keeps_the_previous_file },
    { "trainer_resume_is_bit_identical_for_every_optimizer", trainer_resume_is_bit_identical_for_every_optimizer },
    { "trainer_load_refuses_foreign_truncated_and_corrupt_files", trainer_load_refuses_foreign_truncated_and_corrupt_files },
    { NULL, NULL }
};
