"""Python and C give the same bits.

The main job (examples/compare_rules.c) trains a 100-unit tanh layer on the embedded Fashion-MNIST subset
with each rule; its first steps are run here by a small C program and by the package, and every record
field, the evaluation and the trained W must agree exactly. A solve and the rules on random data, read by
both sides from one file, must agree to the bit as well (in float64 and float32).
"""
import os
import subprocess

import numpy as np
import pytest

import fixpoint as fp
from conftest import DATA, bits_equal, same_float

PROGRAM = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"

/* Records as hex floats: exact. */
static void print_record(const fp_train_record *r)
{
    printf("rec %d %d %a %a %a %a %a %a %a %d %d\n", r->epoch, r->step, r->loss, r->accuracy, r->dw_norm,
           r->converged, r->solver_iterations, r->min_gap, r->lr, r->rolled_back, (int)r->status);
}

typedef struct { int seen, stop; } stopper;

static int on_step(const fp_train_record *rec, void *user)
{
    stopper *s = (stopper *)user;
    print_record(rec);
    return ++s->seen >= s->stop;
}

/* compare_rules' configuration for one rule and rate. */
static fp_train_config job_config(int rule, double lr)
{
    fp_train_config c = fp_train_config_default();
    c.rule = (fp_rule)rule;
    c.optim.lr = lr;
    c.batch = 256;
    c.seed = 1;
    c.solver = fp_solver_config_default(FP_SOLVER_ANDERSON);
    c.solver.tol = 1e-5;
    c.stability_every = 4;
    c.stability_cols = 4;
    return c;
}

static void load(const char *dir, const char *images, const char *labels, fp_dataset *ds)
{
    char p1[4096], p2[4096];
    const char *why = NULL;
    snprintf(p1, sizeof p1, "%s/%s", dir, images);
    snprintf(p2, sizeof p2, "%s/%s", dir, labels);
    if (fp_dataset_load(p1, p2, 10, ds, &why) != FP_OK) { fprintf(stderr, "load: %s\n", why); exit(2); }
}

static void write_bytes(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
}

/* epoch RULE LR STEPS DATA OUT: the main job's first STEPS steps of epoch 0 (float), an evaluation on the
 * first 500 test images, and W. */
static int run_epoch(int rule, double lr, int steps, const char *dir, const char *out)
{
    fp_dataset tr, te;
    fp_layer_f32 L;
    fp_trainer_f32 t;
    fp_train_config c = job_config(rule, lr);
    stopper s = { 0, steps };
    double loss, acc;
    fp_status st;
    load(dir, "fashion-train-images.idx", "fashion-train-labels.idx", &tr);
    load(dir, "fashion-test-images.idx", "fashion-test-labels.idx", &te);
    if (fp_layer_init_f32(&L, 100, tr.dim, 10, FP_ACT_TANH, 0.5, 1) != FP_OK) return 3;
    if (fp_trainer_init_f32(&t, &L, &c, tr.count) != FP_OK) return 3;
    st = fp_layer_train_epoch_f32(&t, &tr, 0, on_step, &s);
    printf("epoch %d %d\n", (int)st, t.step);
    st = fp_layer_evaluate_f32(&t, &te, 500, &loss, &acc);
    printf("eval %d %a %a\n", (int)st, loss, acc);
    write_bytes(out, L.w, sizeof(float) * 100 * 100);
    fp_trainer_free_f32(&t);
    fp_layer_free_f32(&L);
    fp_dataset_free(&tr);
    fp_dataset_free(&te);
    return 0;
}

/* steps RULE LR STEPS DATA OUT: the same job in double, driven step by step on the batches
 * idx_j = (k * 997 + j * 13) % count, j < 256, of step k. */
static int run_steps(int rule, double lr, int steps, const char *dir, const char *out)
{
    fp_dataset tr;
    fp_layer_f64 L;
    fp_trainer_f64 t;
    fp_train_config c = job_config(rule, lr);
    fp_train_record rec;
    int idx[256], k, j;
    load(dir, "fashion-train-images.idx", "fashion-train-labels.idx", &tr);
    if (fp_layer_init_f64(&L, 100, tr.dim, 10, FP_ACT_TANH, 0.5, 1) != FP_OK) return 3;
    if (fp_trainer_init_f64(&t, &L, &c, tr.count) != FP_OK) return 3;
    for (k = 0; k < steps; ++k) {
        for (j = 0; j < 256; ++j) idx[j] = (k * 997 + j * 13) % tr.count;
        fp_layer_train_step_f64(&t, &tr, idx, 256, &rec);
        print_record(&rec);
    }
    write_bytes(out, L.w, sizeof(double) * 100 * 100);
    fp_trainer_free_f64(&t);
    fp_layer_free_f64(&L);
    fp_dataset_free(&tr);
    return 0;
}

/* solve IN OUT: N, B, then W (N x N), X, grad (N x B) as row-major doubles. Writes R, G, dW3, dW1, V,
 * dW4 in double, then R, G, dW3 of the float solve of the same data rounded to float. */
static int run_solve(const char *in, const char *out)
{
    FILE *f = fopen(in, "rb"), *o;
    int nb[2], n, b, i;
    double *w, *x, *gr, *r, *g, *d3, *d1, *v, *d4;
    float *wf, *xf, *grf, *rf, *gf, *d3f;
    fp_solve_report rep;
    fp_rule_config rc = fp_rule_config_default();
    fp_status st;
    if (!f || fread(nb, sizeof(int), 2, f) != 2) return 4;
    n = nb[0]; b = nb[1];
    w = malloc(sizeof(double) * (size_t)(n * n)); x = malloc(sizeof(double) * (size_t)(n * b));
    gr = malloc(sizeof(double) * (size_t)(n * b));
    if (fread(w, sizeof(double), (size_t)(n * n), f) != (size_t)(n * n) ||
        fread(x, sizeof(double), (size_t)(n * b), f) != (size_t)(n * b) ||
        fread(gr, sizeof(double), (size_t)(n * b), f) != (size_t)(n * b)) return 4;
    fclose(f);
    r = malloc(sizeof(double) * (size_t)(n * b)); g = malloc(sizeof(double) * (size_t)(n * b));
    v = malloc(sizeof(double) * (size_t)(n * b));
    d3 = malloc(sizeof(double) * (size_t)(n * n)); d1 = malloc(sizeof(double) * (size_t)(n * n));
    d4 = malloc(sizeof(double) * (size_t)(n * n));
    memset(&rep, 0, sizeof rep);
    st = fp_solve_f64(NULL, NULL, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(x, n, b),
                      fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(g, n, b), &rep, NULL);
    printf("solve64 %d %d %a\n", (int)st, rep.iterations, rep.max_residual);
    rc.rule = FP_RULE_DW3;
    st = fp_rule_dw_f64(&rc, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(g, n, b),
                        fp_mat_rowmajor_f64(gr, n, b), fp_mat_rowmajor_f64(d3, n, n), NULL, NULL);
    printf("dw3 %d\n", (int)st);
    rc.rule = FP_RULE_DW1;
    st = fp_rule_dw_f64(&rc, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(g, n, b),
                        fp_mat_rowmajor_f64(gr, n, b), fp_mat_rowmajor_f64(d1, n, n), NULL, NULL);
    printf("dw1 %d\n", (int)st);
    rc.rule = FP_RULE_DW4;
    st = fp_rule_dw_f64(&rc, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(r, n, b), fp_mat_rowmajor_f64(g, n, b),
                        fp_mat_rowmajor_f64(gr, n, b), fp_mat_rowmajor_f64(d4, n, n), NULL, NULL);
    printf("dw4 %d\n", (int)st);
    st = fp_implicit_grad_f64(NULL, fp_mat_rowmajor_f64(w, n, n), fp_mat_rowmajor_f64(r, n, b),
                              fp_mat_rowmajor_f64(g, n, b), fp_mat_rowmajor_f64(gr, n, b), fp_mat_rowmajor_f64(v, n, b),
                              fp_mat_rowmajor_f64(NULL, 0, 0), NULL, NULL);
    printf("grad %d\n", (int)st);
    wf = malloc(sizeof(float) * (size_t)(n * n)); xf = malloc(sizeof(float) * (size_t)(n * b));
    grf = malloc(sizeof(float) * (size_t)(n * b)); rf = malloc(sizeof(float) * (size_t)(n * b));
    gf = malloc(sizeof(float) * (size_t)(n * b)); d3f = malloc(sizeof(float) * (size_t)(n * n));
    for (i = 0; i < n * n; ++i) wf[i] = (float)w[i];
    for (i = 0; i < n * b; ++i) { xf[i] = (float)x[i]; grf[i] = (float)gr[i]; }
    memset(&rep, 0, sizeof rep);
    st = fp_solve_f32(NULL, NULL, fp_mat_rowmajor_f32(wf, n, n), fp_mat_rowmajor_f32(xf, n, b),
                      fp_mat_rowmajor_f32(rf, n, b), fp_mat_rowmajor_f32(gf, n, b), &rep, NULL);
    printf("solve32 %d %d %a\n", (int)st, rep.iterations, rep.max_residual);
    st = fp_rule_dw_f32(NULL, fp_mat_rowmajor_f32(wf, n, n), fp_mat_rowmajor_f32(rf, n, b),
                        fp_mat_rowmajor_f32(gf, n, b), fp_mat_rowmajor_f32(grf, n, b), fp_mat_rowmajor_f32(d3f, n, n),
                        NULL, NULL);
    printf("dw3f %d\n", (int)st);
    if (!(o = fopen(out, "wb"))) return 4;
    fwrite(r, sizeof(double), (size_t)(n * b), o); fwrite(g, sizeof(double), (size_t)(n * b), o);
    fwrite(d3, sizeof(double), (size_t)(n * n), o); fwrite(d1, sizeof(double), (size_t)(n * n), o);
    fwrite(v, sizeof(double), (size_t)(n * b), o); fwrite(d4, sizeof(double), (size_t)(n * n), o);
    fwrite(rf, sizeof(float), (size_t)(n * b), o); fwrite(gf, sizeof(float), (size_t)(n * b), o);
    fwrite(d3f, sizeof(float), (size_t)(n * n), o);
    return fclose(o) == 0 ? 0 : 4;
}

int main(int argc, char **argv)
{
    if (argc == 7 && !strcmp(argv[1], "epoch"))
        return run_epoch(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), argv[5], argv[6]);
    if (argc == 7 && !strcmp(argv[1], "steps"))
        return run_steps(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), argv[5], argv[6]);
    if (argc == 4 && !strcmp(argv[1], "solve")) return run_solve(argv[2], argv[3]);
    fprintf(stderr, "usage: prog epoch|steps RULE LR STEPS DATA OUT | prog solve IN OUT\n");
    return 2;
}
'''

STEPS = 5
# Each rule at the middle one of compare_rules' three rates.
JOBS = [(3, 1.0), (1, 0.5), (2, 1.0), (4, 0.5)]
FIELDS = ('epoch', 'step', 'loss', 'accuracy', 'dw_norm', 'converged', 'solver_iterations', 'min_gap', 'lr',
          'rolled_back', 'status')


@pytest.fixture(scope='module')
def prog(compile_c):
    return compile_c(PROGRAM, 'matches_c')


def run(prog, *args):
    p = subprocess.run([prog] + [str(a) for a in args], capture_output=True, text=True)
    assert p.returncode == 0, 'the C program failed (%d):\n%s' % (p.returncode, p.stderr)
    return [line.split() for line in p.stdout.splitlines()]


def c_record(words):
    vals = []
    for name, w in zip(FIELDS, words[1:]):
        vals.append(int(w) if name in ('epoch', 'step', 'rolled_back', 'status') else float.fromhex(w))
    return dict(zip(FIELDS, vals))


def assert_records_equal(py, c):
    assert len(py) == len(c) == STEPS
    for k, (p, q) in enumerate(zip(py, c)):
        for name in FIELDS:
            a, b = getattr(p, name), q[name]
            assert same_float(a, b), 'step %d: %s is %r in Python, %r in C (%s vs %s)' % (
                k, name, a, b, float(a).hex(), float(b).hex())


def job_trainer(layer, count, rule, lr):
    solver = dict(fp.solver_defaults('anderson'), tol=1e-5)
    return fp.Trainer(layer, count, lr=lr, rule=rule, batch=256, seed=1, solver=solver, stability_every=4,
                      stability_cols=4)


@pytest.fixture(scope='module')
def train_set():
    return fp.Dataset.load(os.path.join(DATA, 'fashion-train-images.idx'),
                           os.path.join(DATA, 'fashion-train-labels.idx'), 10)


@pytest.fixture(scope='module')
def test_set():
    return fp.Dataset.load(os.path.join(DATA, 'fashion-test-images.idx'),
                           os.path.join(DATA, 'fashion-test-labels.idx'), 10)


@pytest.mark.parametrize('rule,lr', JOBS, ids=['dW%d-lr%g' % j for j in JOBS])
def test_main_job_first_steps_bit_equal(prog, tmp_path, train_set, test_set, rule, lr):
    out = tmp_path / 'w_c.bin'
    lines = run(prog, 'epoch', rule, lr, STEPS, DATA, out)
    c_recs = [c_record(w) for w in lines if w[0] == 'rec']
    epoch = [w for w in lines if w[0] == 'epoch'][0]
    ev = [w for w in lines if w[0] == 'eval'][0]

    layer = fp.Layer(100, train_set.dim, 10, act='tanh', rho=0.5, seed=1, dtype=np.float32)
    tr = job_trainer(layer, train_set.count, rule, lr)
    records = tr.epoch(train_set, 0, callback=lambda rec: rec.step + 1 >= STEPS)
    assert_records_equal(records, c_recs)
    assert all(r.status == 0 for r in records)
    assert int(epoch[1]) == 0 and tr.step_count == int(epoch[2]) == STEPS
    # The steps did something: the loss moved and W changed from its initial draw.
    assert records[0].loss != records[-1].loss
    assert not bits_equal(layer.w, fp.Layer(100, train_set.dim, 10, seed=1).w)
    assert layer.w.tobytes() == out.read_bytes()

    loss, acc = tr.evaluate(test_set, 500)
    assert int(ev[1]) == 0
    assert loss == float.fromhex(ev[2]) and acc == float.fromhex(ev[3])


@pytest.mark.parametrize('rule,lr', [(3, 1.0), (1, 0.5)], ids=['dW3', 'dW1'])
def test_driven_steps_float64_bit_equal(prog, tmp_path, train_set, rule, lr):
    out = tmp_path / 'w_c.bin'
    c_recs = [c_record(w) for w in run(prog, 'steps', rule, lr, STEPS, DATA, out) if w[0] == 'rec']
    layer = fp.Layer(100, train_set.dim, 10, seed=1, dtype=np.float64)
    tr = job_trainer(layer, train_set.count, rule, lr)
    records = []
    for k in range(STEPS):
        idx = (k * 997 + np.arange(256) * 13) % train_set.count
        records.append(tr.step(train_set, idx))
    assert_records_equal(records, c_recs)
    assert layer.w.dtype == np.float64
    assert layer.w.tobytes() == out.read_bytes()


def test_solve_and_rules_bit_equal(prog, tmp_path, rng):
    n, b = 40, 12
    w = 0.9 * rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal((n, b))
    grad = rng.standard_normal((n, b)) / b
    src = tmp_path / 'in.bin'
    with open(src, 'wb') as f:
        f.write(np.array([n, b], np.intc).tobytes())
        for a in (w, x, grad):
            f.write(np.ascontiguousarray(a, np.float64).tobytes())
    dst = tmp_path / 'out.bin'
    lines = {w_[0]: w_[1:] for w_ in run(prog, 'solve', src, dst)}
    assert all(int(lines[k][0]) == 0 for k in ('solve64', 'dw3', 'dw1', 'dw4', 'grad', 'solve32', 'dw3f'))

    raw = dst.read_bytes()
    sizes = [(np.float64, (n, b)), (np.float64, (n, b)), (np.float64, (n, n)), (np.float64, (n, n)),
             (np.float64, (n, b)), (np.float64, (n, n)), (np.float32, (n, b)), (np.float32, (n, b)),
             (np.float32, (n, n))]
    got, off = [], 0
    for dt, shape in sizes:
        cnt = int(np.prod(shape)) * np.dtype(dt).itemsize
        got.append(np.frombuffer(raw[off:off + cnt], dt).reshape(shape))
        off += cnt
    assert off == len(raw)
    c_r, c_g, c_d3, c_d1, c_v, c_d4, c_rf, c_gf, c_d3f = got

    sol = fp.solve(w, x)
    assert sol.report.iterations == int(lines['solve64'][1])
    assert sol.report.max_residual == float.fromhex(lines['solve64'][2])
    assert bits_equal(sol.r, c_r) and bits_equal(sol.g, c_g)
    assert bits_equal(fp.rule_dw(w, sol.r, sol.g, grad, rule='dW3'), c_d3)
    assert bits_equal(fp.rule_dw(w, sol.r, sol.g, grad, rule='dW1'), c_d1)
    assert bits_equal(fp.rule_dw(w, sol.r, sol.g, grad, rule='dW4'), c_d4)
    assert bits_equal(fp.implicit_grad(w, sol.r, sol.g, grad, want_dw=False).v, c_v)

    w32, x32, g32 = (a.astype(np.float32) for a in (w, x, grad))
    s32 = fp.solve(w32, x32)
    assert s32.r.dtype == np.float32
    assert s32.report.iterations == int(lines['solve32'][1])
    assert s32.report.max_residual == float.fromhex(lines['solve32'][2])
    assert bits_equal(s32.r, c_rf) and bits_equal(s32.g, c_gf)
    assert bits_equal(fp.rule_dw(w32, s32.r, s32.g, g32), c_d3f)
    # The float and double results are different computations (a check that the comparison can fail).
    assert not bits_equal(s32.r.astype(np.float64), c_r)
