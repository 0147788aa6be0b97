"""The recurrent layer, datasets, the trainer, IDX files, feedback networks and mean-field theory.

The trainer's step is recomputed from the package's own pieces (solve, loss_xent, rule_dw,
implicit_grad); a checkpoint resumes bit for bit; parameter files round-trip; feedback networks do what
teacher forcing and least squares promise; mean-field answers are consistent with their own definitions.
"""
import gc
import os

import numpy as np
import pytest

import fixpoint as fp
from conftest import DATA, bits_equal, records_equal


def _dataset(seed=1, count=64, dim=16, classes=4):
    rng = np.random.default_rng(seed)
    return fp.Dataset(rng.integers(0, 256, (count, dim)), rng.integers(0, classes, count), classes)


# ------------------------------------------------------------------------------------------------
# Layer
# ------------------------------------------------------------------------------------------------
def test_layer_initialization():
    layer = fp.Layer(60, 40, 5, act='tanh', rho=0.5, seed=1)
    assert (layer.n, layer.n_in, layer.n_out, layer.act, layer.dtype) == (60, 40, 5, 'tanh', np.float32)
    assert layer.w.shape == (60, 60) and layer.w_in.shape == (60, 40) and layer.w_out.shape == (5, 60)
    assert layer.b.shape == (60,) and layer.b_out.shape == (5,)
    assert not layer.b.any() and not layer.b_out.any()
    # W = rho Z / sqrt(n), W_in = Z / sqrt(n_in), W_out = Z / sqrt(n), Z standard normal.
    assert abs(layer.w.std() * np.sqrt(60) / 0.5 - 1) < 0.1
    assert abs(layer.w_in.std() * np.sqrt(40) - 1) < 0.1
    assert abs(layer.w_out.std() * np.sqrt(60) - 1) < 0.25
    assert bits_equal(layer.w, fp.Layer(60, 40, 5, seed=1).w)
    assert not np.array_equal(layer.w, fp.Layer(60, 40, 5, seed=2).w)
    d = fp.Layer(60, 40, 5, seed=1, dtype=np.float64)
    assert d.w.dtype == np.float64 and np.allclose(d.w, layer.w, rtol=1e-6, atol=1e-7)


def test_layer_arrays_are_its_memory():
    layer = fp.Layer(6, 4, 3, seed=1)
    layer.w[0, 0] = 7.0
    layer.b[:] = 0.25
    assert layer.w[0, 0] == 7.0 and np.all(layer.b == 0.25)
    w = fp.Layer(6, 4, 3, seed=5).w        # the layer object is gone, its array keeps it alive
    gc.collect()
    assert np.array_equal(w, fp.Layer(6, 4, 3, seed=5).w)


@pytest.mark.parametrize('dt', [np.float32, np.float64], ids=['f32', 'f64'])
def test_layer_save_load_round_trip(tmp_path, dt):
    layer = fp.Layer(9, 7, 4, act='softplus', rho=0.8, seed=3, dtype=dt)
    layer.b[:] = np.arange(9)
    layer.b_out[:] = -1.5
    path = tmp_path / 'layer.fpl'
    layer.save(path)
    back = fp.Layer.load(path, dtype=dt)
    assert (back.n, back.n_in, back.n_out, back.act, back.dtype) == (9, 7, 4, 'softplus', np.dtype(dt))
    for name in ('w', 'w_in', 'b', 'w_out', 'b_out'):
        assert bits_equal(getattr(back, name), getattr(layer, name)), name
    # The loaded layer owns its memory.
    back.w[...] = 0
    assert layer.w.any()


# ------------------------------------------------------------------------------------------------
# Datasets and IDX files
# ------------------------------------------------------------------------------------------------
def test_dataset_from_numpy():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 3, 4)).astype(np.uint8)
    labels = np.arange(10) % 7
    ds = fp.Dataset(images, labels, 7)
    assert (ds.count, ds.dim, ds.classes, len(ds)) == (10, 12, 7, 10)
    assert np.array_equal(ds.pixels, images.reshape(10, 12)) and np.array_equal(ds.labels, labels)
    # Non-contiguous or other-typed arrays are copied with their values.
    ds2 = fp.Dataset(np.asfortranarray(images.reshape(10, 12)).astype(np.int64), labels.astype(np.int32)[::-1][::-1], 7)
    assert np.array_equal(ds2.pixels, ds.pixels) and np.array_equal(ds2.labels, ds.labels)
    px = fp.Dataset(images, labels, 7).pixels
    gc.collect()
    assert np.array_equal(px, images.reshape(10, 12))


def _idx_bytes(a):
    head = bytes([0, 0, 8, a.ndim]) + b''.join(int(d).to_bytes(4, 'big') for d in a.shape)
    return head + np.ascontiguousarray(a, np.uint8).tobytes()


@pytest.mark.parametrize('shape', [(5,), (3, 4), (2, 3, 4), (2, 1, 3, 2)])
def test_idx_parse_and_load_round_trip(tmp_path, shape):
    a = np.random.default_rng(len(shape)).integers(0, 256, shape).astype(np.uint8)
    blob = _idx_bytes(a)
    got = fp.idx_parse(blob)
    assert got.dtype == np.uint8 and got.shape == shape and np.array_equal(got, a)
    path = tmp_path / 'a.idx'
    path.write_bytes(blob)
    assert np.array_equal(fp.idx_load(path), a)
    assert np.array_equal(fp.idx_parse(bytearray(blob)), a)
    with pytest.raises(fp.FormatError):
        fp.idx_parse(blob[:-1])
    with pytest.raises(fp.FormatError):
        fp.idx_parse(blob + b'\0')


def test_embedded_data_through_both_readers():
    images = os.path.join(DATA, 'fashion-test-images.idx')
    labels = os.path.join(DATA, 'fashion-test-labels.idx')
    ds = fp.Dataset.load(images, labels, 10)
    im = fp.idx_load(images)
    lab = fp.idx_load(labels)
    assert im.ndim == 3 and im.shape[1:] == (28, 28) and lab.shape == (im.shape[0],)
    assert (ds.count, ds.dim, ds.classes) == (im.shape[0], 784, 10)
    assert np.array_equal(ds.pixels, im.reshape(im.shape[0], -1)) and np.array_equal(ds.labels, lab)
    assert set(np.unique(lab)) <= set(range(10)) and len(np.unique(lab)) == 10


# ------------------------------------------------------------------------------------------------
# Trainer
# ------------------------------------------------------------------------------------------------
def _params(layer):
    return {k: getattr(layer, k).copy() for k in ('w', 'w_in', 'b', 'w_out', 'b_out')}


@pytest.mark.parametrize('rule', ['dW1', 'dW2', 'dW3', 'dW4'])
def test_step_is_solve_loss_rule_update(rule):
    ds = _dataset()
    layer = fp.Layer(20, 16, 4, seed=3, dtype=np.float64)
    layer.b[:] = 0.05
    tr = fp.Trainer(layer, ds.count, lr=0.5, batch=16, rule=rule, solver={'tol': 1e-12})
    idx = np.arange(0, 64, 4)
    p0 = _params(layer)
    rec = tr.step(ds, idx)
    u = ds.pixels[idx].T / 255.0
    s = fp.solve(p0['w'], p0['w_in'] @ u + p0['b'][:, None], tol=1e-12)
    lo = fp.loss_xent(p0['w_out'], s.r, ds.labels[idx], p0['b_out'])
    dw = fp.rule_dw(p0['w'], s.r, s.g, lo.dr, rule=rule, lr=0.5)
    assert rec.status == 0 and rec.step == 0 and rec.lr == 0.5 and rec.converged == 1.0
    assert rec.loss == pytest.approx(lo.loss, rel=1e-10)
    assert rec.accuracy == lo.correct / len(idx)
    assert rec.dw_norm == pytest.approx(np.linalg.norm(dw), rel=1e-9)
    assert np.allclose(layer.w, p0['w'] - 0.5 * dw, rtol=1e-9, atol=1e-12)
    for name in ('w_in', 'b', 'w_out', 'b_out'):     # only W learns (the paper's setting)
        assert bits_equal(getattr(layer, name), p0[name]), name
    assert tr.step_count == 1


def test_step_training_readin_and_readout():
    ds = _dataset()
    layer = fp.Layer(20, 16, 4, seed=3, dtype=np.float64)
    tr = fp.Trainer(layer, ds.count, lr=0.2, batch=16, train_readin=True, train_readout=True, solver={'tol': 1e-12},
                    adjoint={'method': 'direct'})
    idx = np.arange(16)
    p0 = _params(layer)
    tr.step(ds, idx)
    u = ds.pixels[idx].T / 255.0
    s = fp.solve(p0['w'], p0['w_in'] @ u + p0['b'][:, None], tol=1e-12)
    lo = fp.loss_xent(p0['w_out'], s.r, ds.labels[idx], p0['b_out'])
    v = fp.implicit_grad(p0['w'], s.r, s.g, lo.dr, want_dw=False, method='direct').v
    expect = {'w': p0['w'] - 0.2 * fp.rule_dw(p0['w'], s.r, s.g, lo.dr), 'w_in': p0['w_in'] - 0.2 * v @ u.T,
              'b': p0['b'] - 0.2 * v.sum(axis=1), 'w_out': p0['w_out'] - 0.2 * lo.dwout,
              'b_out': p0['b_out'] - 0.2 * lo.dbout}
    for name, want in expect.items():
        assert np.allclose(getattr(layer, name), want, rtol=1e-9, atol=1e-12), name
        assert not np.array_equal(getattr(layer, name), p0[name]), name


def test_evaluate_scores_the_fixed_points():
    ds = _dataset(count=40)
    layer = fp.Layer(20, 16, 4, seed=3, dtype=np.float64)
    layer.b_out[:] = [0.1, -0.2, 0.0, 0.3]
    tr = fp.Trainer(layer, ds.count, lr=0.5, batch=16, solver={'tol': 1e-12})
    p0 = _params(layer)
    loss, acc = tr.evaluate(ds)
    u = ds.pixels.T / 255.0
    s = fp.solve(p0['w'], p0['w_in'] @ u, tol=1e-12)
    lo = fp.loss_xent(p0['w_out'], s.r, ds.labels, p0['b_out'])
    assert loss == pytest.approx(lo.loss, rel=1e-10) and acc == lo.correct / 40
    part = tr.evaluate(ds, limit=10)
    lo10 = fp.loss_xent(p0['w_out'], s.r[:, :10], ds.labels[:10], p0['b_out'])
    assert part[0] == pytest.approx(lo10.loss, rel=1e-10)
    # Evaluation changes nothing.
    assert all(bits_equal(getattr(layer, k), v) for k, v in p0.items()) and tr.step_count == 0


def test_epoch_records_and_callback():
    ds = _dataset(count=70)
    tr = fp.Trainer(fp.Layer(12, 16, 4, seed=2), ds.count, lr=0.5, batch=16)
    records = tr.epoch(ds, epoch=3)
    assert len(records) == 5                          # four full batches and one of 6
    assert [r.step for r in records] == list(range(5)) and all(r.epoch == 3 for r in records)
    assert all(r.status == 0 and 0 <= r.accuracy <= 1 and r.dw_norm > 0 for r in records)
    seen = []
    more = tr.epoch(ds, epoch=4, callback=lambda r: seen.append(r) or len(seen) == 2)
    assert len(more) == 2 and records_equal(seen, more) and more[0].step == 5
    assert tr.step_count == 7


def test_callback_exception_propagates_and_the_trainer_goes_on():
    ds = _dataset()
    tr = fp.Trainer(fp.Layer(12, 16, 4, seed=2), ds.count, lr=0.5, batch=16)

    def boom(rec):
        raise RuntimeError('from the callback at step %d' % rec.step)

    with pytest.raises(RuntimeError, match='step 0'):
        tr.epoch(ds, callback=boom)
    assert tr.step_count == 1
    assert len(tr.epoch(ds)) == 4


def test_shuffling_follows_the_seed():
    ds = _dataset()

    def run(seed, **kw):
        tr = fp.Trainer(fp.Layer(12, 16, 4, seed=2), ds.count, lr=0.5, batch=16, seed=seed, **kw)
        return tr.epoch(ds)

    assert records_equal(run(4), run(4))
    assert not records_equal(run(4), run(5))
    assert records_equal(run(4, no_shuffle=True), run(5, no_shuffle=True))


def test_config_resolves_defaults():
    cfg = fp.Trainer(fp.Layer(5, 4, 3), 10, lr=0.1).config
    assert cfg.batch == 512 and cfg.rule == 3 and cfg.optim.lr == 0.1 and cfg.stability_cols == 8
    assert cfg.solver.tol == 1e-6 and cfg.min_converged == 0.5


@pytest.mark.parametrize('dt', [np.float32, np.float64], ids=['f32', 'f64'])
def test_checkpoint_resumes_bit_for_bit(tmp_path, dt):
    ds = _dataset(count=80)
    settings = dict(lr=0.01, batch=16, rule='dW4', optim={'kind': 'adam'}, warm_start=True, stability_every=2)
    layer = fp.Layer(16, 16, 4, seed=3, dtype=dt)
    tr = fp.Trainer(layer, ds.count, seed=9, **settings)
    tr.epoch(ds, 0)
    ck = tmp_path / 'run.ck'
    tr.save(ck)
    rest = tr.epoch(ds, 1) + tr.epoch(ds, 2)
    final = _params(layer)

    other = fp.Layer(16, 16, 4, seed=77, dtype=dt)       # different weights: the checkpoint brings its own
    tr2 = fp.Trainer(other, ds.count, seed=1234, **settings)   # and its own shuffling state
    assert not bits_equal(other.w, layer.w)
    tr2.load(ck)
    assert tr2.step_count == 5
    rest2 = tr2.epoch(ds, 1) + tr2.epoch(ds, 2)
    assert records_equal(rest, rest2)
    for name, v in final.items():
        assert bits_equal(getattr(other, name), v), name
    assert len(rest) == 10 and rest[0].loss != rest[-1].loss


# ------------------------------------------------------------------------------------------------
# Feedback networks and mean-field theory
# ------------------------------------------------------------------------------------------------
PARAMS = dict(g=0.8, s_m=1.0, s_I=0.5, rho=0.0, C=1.0, p=0.0, p_m=1.0, p_I=0.5)


def test_feedback_weights_and_vectors():
    fb = fp.FeedbackNetwork(50, PARAMS, seed=2)
    assert fb.size == 50 and fb.params['g'] == 0.8
    w = fb.weights()
    assert np.allclose(w, fb.chi + np.outer(fb.m, fb.n) / 50, rtol=1e-14, atol=1e-15)
    assert abs(fb.chi.std() * np.sqrt(50) / 0.8 - 1) < 0.1
    # n = C (p w + p_m x_m + p_I x_I), m = s_m x_m, I = s_I x_I with orthogonal directions of norm sqrt(N).
    assert fb.m @ fb.m / 50 == pytest.approx(1.0, rel=1e-12)
    assert fb.inp @ fb.inp / 50 == pytest.approx(0.25, rel=1e-12)
    assert fb.n @ fb.m / 50 == pytest.approx(1.0, abs=1e-12)
    assert fb.n @ fb.inp / 50 == pytest.approx(0.25, abs=1e-12)
    parts = fb.decompose()
    assert parts.a_m == pytest.approx(1.0, abs=1e-12) and parts.a_I == pytest.approx(1.0, abs=1e-12)
    assert parts.rest == pytest.approx(0.0, abs=1e-7)
    assert parts.norm == pytest.approx(np.linalg.norm(fb.n) / np.sqrt(50))
    # The read-out is the network's memory: changing it changes the weights.
    fb.n[:] = 0
    assert np.array_equal(fb.weights(), fb.chi)
    assert fp.FeedbackNetwork(50, PARAMS, seed=2, dtype=np.float32).chi.dtype == np.float32


def test_teacher_forcing_makes_the_target_a_fixed_point():
    fb = fp.FeedbackNetwork(200, PARAMS, seed=2)
    rep = fb.teacher_force(0.4)
    assert rep.status == 0 and rep.converged == 1
    assert fb.params['C'] != 1.0
    # The clamped activity r* = tanh(chi r* + m A + I) is a closed-loop fixed point with z = A.
    clamped = fp.solve(fb.chi, 0.4 * fb.m + fb.inp, tol=1e-13)
    closed = fp.solve(fb.weights(), fb.inp, r0=clamped.r, tol=1e-13)
    assert fb.n @ closed.r / 200 == pytest.approx(0.4, abs=1e-10)
    loss, grad, r = fb.loss_grad([1.0], [0.4], r0=clamped.r[:, None])
    assert loss < 1e-18 and np.abs(grad).max() < 1e-9


def test_least_squares_readout_meets_every_target():
    fb = fp.FeedbackNetwork(150, PARAMS, seed=4)
    u = np.array([1.0, 0.5, -0.5])
    targets = np.array([0.3, 0.1, -0.2])
    rep = fb.train_ls(u, targets)
    assert rep.status == 0 and rep.converged == 3
    r0 = np.stack([fp.solve(fb.chi, a * fb.m + ui * fb.inp, tol=1e-13).r for ui, a in zip(u, targets)], axis=1)
    loss, _, r = fb.loss_grad(u, targets, r0=r0)
    assert loss < 1e-18
    assert np.allclose(fb.n @ r / 150, targets, atol=1e-10)


def test_gradient_descent_lowers_the_loss():
    fb = fp.FeedbackNetwork(60, PARAMS, seed=2)
    fb.teacher_force(0.3)
    u, targets = [1.0, 0.5], [0.2, 0.0]
    before = fb.loss_grad(u, targets)[0]
    rep, r = fb.train_gd(u, targets, loss_target=1e-8, max_steps=2000)
    assert rep.status == 0 and rep.loss <= 1e-8 < before and rep.steps > 0
    assert fb.loss_grad(u, targets, r0=r)[0] == pytest.approx(rep.loss, rel=1e-6)


def test_gradient_descent_out_of_steps_keeps_the_best_point():
    fb = fp.FeedbackNetwork(60, PARAMS, seed=2)
    fb.teacher_force(0.3)
    u, targets = [1.0, -1.0], [0.3, -0.2]
    before = fb.loss_grad(u, targets)[0]
    with pytest.raises(fp.NotConvergedError) as ei:
        fb.train_gd(u, targets, loss_target=1e-6, max_steps=40)
    rep, r = ei.value.result
    assert rep is ei.value.report and rep.steps == 40 and rep.status == fp.NotConvergedError.status
    assert rep.loss < before
    # fb.n and R hold the best point reached: the loss there is the report's.
    assert fb.loss_grad(u, targets, r0=r)[0] == pytest.approx(rep.loss, rel=1e-6)


def _gauss(f, var, k=80):
    t, wq = np.polynomial.hermite_e.hermegauss(k)
    return float(np.sum(wq * f(np.sqrt(var) * t)) / np.sum(wq))


def test_meanfield_solutions_are_consistent():
    sols = fp.meanfield_solve(PARAMS)
    assert len(sols) >= 1
    for s in sols:
        assert s.delta >= 0 and np.isfinite(s.z)
        # (MF7): the bulk radius is g sqrt(<phi'^2>) over the total variance Delta.
        assert s.bulk_radius == pytest.approx(0.8 * np.sqrt(_gauss(lambda x: (1 - np.tanh(x) ** 2) ** 2, s.delta)),
                                              rel=1e-3)
        assert s.stable == int(s.outlier < 1 and s.bulk_radius < 1)
    # Without input the equations are odd in z: solutions come in pairs around z = 0.
    sym = fp.meanfield_solve(dict(PARAMS, s_I=0.0, C=2.5))
    zs = np.array([s.z for s in sym])
    assert len(zs) == 3 and np.all(np.diff(zs) > 0)
    assert np.allclose(zs, -zs[::-1], atol=1e-9) and abs(zs[1]) < 1e-12
    assert sym[1].stable == 0 and sym[0].stable == sym[2].stable == 1
    assert len(fp.meanfield_solve(dict(PARAMS, s_I=0.0, C=2.5), max_out=1)) == 1


def test_meanfield_teacher_scale_puts_a_solution_on_the_target():
    p = fp.meanfield_teacher_scale(PARAMS, 0.4)
    assert p['C'] != PARAMS['C'] and {k: v for k, v in p.items() if k not in ('C', 'nodes')} == \
        {k: v for k, v in PARAMS.items() if k != 'C'}
    assert min(abs(s.z - 0.4) for s in fp.meanfield_solve(p)) < 1e-9


def test_meanfield_sweep_cells_are_the_solutions_there():
    grid = fp.meanfield_sweep(PARAMS, 'c', 0.5, 3.0, 6, 'g', 0.6, 0.9, 2)
    assert grid.shape == (2, 6)
    assert np.allclose(grid['x'][0], np.linspace(0.5, 3.0, 6)) and np.allclose(grid['y'][:, 0], [0.6, 0.9])
    for j in range(2):
        for i in range(6):
            cell = grid[j, i]
            sols = fp.meanfield_solve(dict(PARAMS, C=float(cell['x']), g=float(cell['y'])))
            assert cell['status'] == 0 and cell['solutions'] == len(sols)
            assert cell['stable'] == sum(s.stable for s in sols)
            assert cell['z_min'] == pytest.approx(sols[0].z) and cell['z_max'] == pytest.approx(sols[-1].z)
            assert cell['target_stable'] == -1 and np.isnan(cell['target_outlier'])
    assert grid['solutions'].max() == 3 and grid['solutions'].min() == 1
    line = fp.meanfield_sweep(PARAMS, 'g', 0.5, 1.5, 3, 'target', -0.5, 0.5, 2)
    assert line.shape == (2, 3)
    assert np.all(line['target_stable'] >= 0) and np.all(np.isfinite(line['target_outlier']))
    assert np.all(line['z_min'] <= line['y'] + 1e-9) and np.all(line['y'] <= line['z_max'] + 1e-9)
