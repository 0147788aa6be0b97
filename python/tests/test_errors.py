"""Every error path raises the exception of its status, with a message that says what is wrong, and none
can take the interpreter down.

Programmer errors (shapes, dtypes, unknown settings and names) are UsageError whose message names the
argument; statuses of the data (NaN, no convergence, divergence, singular systems, files, values out of
range) are the matching FixpointError subclasses carrying .status, .message, .report and .result. Calls
that reach the C functions directly through fixpoint.lib with broken views must come back with
FP_ERR_USAGE - in this interpreter and in a child one, which must exit normally.
"""
import os
import re
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import fixpoint as fp
from fixpoint import ffi, lib
from conftest import random_problem, subprocess_env


def names(arg, exc):
    """The message names arg as a word."""
    return re.search(r'(?<![A-Za-z_])%s(?![A-Za-z_])' % re.escape(arg), str(exc)) is not None


@pytest.fixture
def prob(rng):
    w, x = random_problem(rng, 6, 4)
    s = fp.solve(w, x)
    return w, x, s.r, s.g


# ------------------------------------------------------------------------------------------------
# Shapes
# ------------------------------------------------------------------------------------------------
def _shape_cases(w, x, r, g):
    n, b = x.shape
    sq3 = np.ones((3, 3))
    opt = fp.Optimizer(4)
    fb = fp.FeedbackNetwork(10)
    return [
        ('solve W', lambda: fp.solve(w[:, :n - 1], x), 'W'),
        ('solve X', lambda: fp.solve(w, x[:n - 1]), 'X'),
        ('solve X 3-D', lambda: fp.solve(w, x[:, :, None]), 'X'),
        ('solve r0', lambda: fp.solve(w, x, r0=x[:, :2]), 'r0'),
        ('implicit_grad W', lambda: fp.implicit_grad(w[:2], r, g, r), 'W'),
        ('implicit_grad R', lambda: fp.implicit_grad(w, r[:, :2], g, r), 'R'),
        ('implicit_grad G', lambda: fp.implicit_grad(w, r, g[:3], r), 'G'),
        ('implicit_grad Delta', lambda: fp.implicit_grad(w, r, g, r.T), 'Delta'),
        ('rule_dw W', lambda: fp.rule_dw(w[:, :3], r, g, r), 'W'),
        ('rule_dw R', lambda: fp.rule_dw(w, r[:3], g, r), 'R'),
        ('rule_dw G', lambda: fp.rule_dw(w, r, g[:, :1], r), 'G'),
        ('rule_dw grad', lambda: fp.rule_dw(w, r, g, r[:, :3]), 'grad'),
        ('act_apply Z', lambda: fp.act_apply(np.ones((2, 2, 2))), 'Z'),
        ('loss_mse T', lambda: fp.loss_mse(r, r.T), 'T'),
        ('loss_mse R', lambda: fp.loss_mse(np.ones((2, 2, 2)), r), 'R'),
        ('loss_xent R', lambda: fp.loss_xent(np.ones((3, n + 1)), r, np.zeros(b, int)), 'R'),
        ('loss_xent labels', lambda: fp.loss_xent(np.ones((3, n)), r, np.zeros(b + 1, int)), 'labels'),
        ('loss_xent b_out', lambda: fp.loss_xent(np.ones((3, n)), r, np.zeros(b, int), bout=[1.0, 2.0]), 'b_out'),
        ('loss_xent W_out', lambda: fp.loss_xent(np.ones(n), r, np.zeros(b, int)), 'W_out'),
        ('eig A', lambda: fp.eig(np.ones((3, 4))), 'A'),
        ('eigvec A', lambda: fp.eigvec(np.ones((4, 3)), 1.0), 'A'),
        ('stability W', lambda: fp.stability(np.ones((3, 4)), np.ones((3, 2))), 'W'),
        ('stability G', lambda: fp.stability(sq3, np.ones((4, 2))), 'G'),
        ('stability_analyze W', lambda: fp.stability_analyze(np.ones((3, 4))), 'W'),
        ('stability_analyze gain', lambda: fp.stability_analyze(sq3, np.ones(4)), 'gain'),
        ('census x', lambda: fp.census(sq3, np.ones(4), np.ones((3, 2))), 'x'),
        ('census R0', lambda: fp.census(sq3, np.ones(3), np.ones((4, 2))), 'R0'),
        ('census W', lambda: fp.census(np.ones((3, 2)), np.ones(3), np.ones((3, 2))), 'W'),
        ('Optimizer.step param', lambda: opt.step(np.zeros(5), np.zeros(4)), 'param'),
        ('Optimizer.step param strided', lambda: opt.step(np.zeros(8)[::2], np.zeros(4)), 'param'),
        ('Optimizer.step param dtype', lambda: opt.step(np.zeros(4, np.float32), np.zeros(4)), 'param'),
        ('Optimizer.step grad', lambda: opt.step(np.zeros(4), np.zeros(5)), 'grad'),
        ('Dataset labels', lambda: fp.Dataset(np.zeros((3, 4), np.uint8), [0, 1]), 'labels'),
        ('Dataset pixels', lambda: fp.Dataset(np.zeros(3, np.uint8), [0, 1, 2]), 'pixels'),
        ('Dataset label range', lambda: fp.Dataset(np.zeros((3, 4), np.uint8), [0, 1, 10], 10), 'labels'),
        ('Trainer layer', lambda: fp.Trainer('layer', 10, lr=0.1), 'layer'),
        ('FeedbackNetwork.train_ls', lambda: fb.train_ls([1.0, 2.0], [1.0]), 'u'),
        ('FeedbackNetwork.loss_grad r0', lambda: fb.loss_grad([1.0], [1.0], r0=np.zeros((3, 1))), 'r0'),
        ('FeedbackNetwork.decompose v', lambda: fb.decompose(np.zeros(3)), 'v'),
        ('meanfield_sweep nx', lambda: fp.meanfield_sweep({}, 'g', 0.1, 1.0, 0), 'nx'),
        ('Layer dtype', lambda: fp.Layer.load('unused', dtype=np.int16), 'dtype'),
    ]


def test_wrong_shapes_raise_usage_errors_naming_the_argument(prob):
    cases = _shape_cases(*prob)
    assert len(cases) > 30
    for label, call, arg in cases:
        with pytest.raises(fp.UsageError) as ei:
            call()
        e = ei.value
        assert e.status == lib.FP_ERR_USAGE == fp.UsageError.status, label
        assert isinstance(e, ValueError) and isinstance(e, fp.FixpointError)
        assert names(arg, e), '%s: the message does not name %s: %s' % (label, arg, e)
        assert e.message == str(e)


@pytest.mark.parametrize('bad', [np.ones((6, 4), complex), np.full((6, 4), 'a'), np.array([[object()] * 4] * 6),
                                 np.ones((6, 4), 'M8[s]')], ids=['complex', 'str', 'object', 'datetime'])
def test_wrong_dtype_kinds_raise(prob, bad):
    w, x, r, g = prob
    square = np.resize(bad, (6, 6))
    for call, arg in ((lambda: fp.solve(w, bad), 'X'), (lambda: fp.solve(square, x), 'W'),
                      (lambda: fp.rule_dw(w, r, g, bad), 'grad'), (lambda: fp.implicit_grad(w, r, g, bad), 'Delta'),
                      (lambda: fp.loss_mse(r, bad), 'T'), (lambda: fp.act_apply(bad), 'Z'),
                      (lambda: fp.stability(w, bad), 'G'), (lambda: fp.eig(square), 'A')):
        with pytest.raises(fp.UsageError) as ei:
            call()
        assert names(arg, ei.value) and 'real numbers' in str(ei.value), str(ei.value)


def test_arrays_numpy_refuses_raise_usage_errors(prob):
    w, x, r, g = prob
    ragged = [[1.0, 2.0], [3.0]]
    for call, arg in ((lambda: fp.solve(w, ragged), 'X'), (lambda: fp.solve(ragged, x), 'W'),
                      (lambda: fp.rule_dw(w, r, g, ragged), 'grad'), (lambda: fp.eig(ragged), 'A')):
        with pytest.raises(fp.UsageError) as ei:
            call()
        assert names(arg, ei.value), str(ei.value)


def test_values_a_cast_would_corrupt_are_refused():
    # Images scaled to [0, 1], pixels beyond a byte, fractional labels or indices, strings: a cast would
    # silently make zeros of them, wrap or truncate them.
    px = np.zeros((4, 3), np.uint8)
    cases = [
        (lambda: fp.Dataset(np.full((4, 3), 0.9), [0, 1, 0, 1], 2), 'pixels'),
        (lambda: fp.Dataset(np.full((4, 3), 256), [0, 1, 0, 1], 2), 'pixels'),
        (lambda: fp.Dataset(np.full((4, 3), 'x'), [0, 1, 0, 1], 2), 'pixels'),
        (lambda: fp.Dataset(px, [0.0, 1.5, 0.0, 1.0], 2), 'labels'),
        (lambda: fp.Dataset(px, [0, -1, 0, 1], 2), 'labels'),
        (lambda: fp.loss_xent(np.eye(3), np.eye(3), [0.9, 1.9, 2.9]), 'labels'),
        (lambda: fp.loss_xent(np.eye(3), np.eye(3), ['a', 'b', 'c']), 'labels'),
    ]
    tr = fp.Trainer(fp.Layer(5, 3, 2), 4, lr=0.1, batch=4)
    cases.append((lambda: tr.step(fp.Dataset(px, [0, 1, 0, 1], 2), [0.5, 1.5]), 'idx'))
    for call, arg in cases:
        with pytest.raises(fp.UsageError) as ei:
            call()
        assert names(arg, ei.value), str(ei.value)
    # Booleans, every integer type and floats without fractions are fine.
    ds = fp.Dataset(np.ones((4, 3), bool), np.array([0, 1, 0, 1], np.int16), 2)
    assert np.array_equal(ds.pixels, np.ones((4, 3))) and tr.step(ds, np.array([0, 3], np.uint64)).status == 0
    ds = fp.Dataset(np.full((4, 3), 255.0), [0.0, 1.0, 1.0, 0.0], 2)
    assert np.all(ds.pixels == 255) and np.array_equal(ds.labels, [0, 1, 1, 0])
    assert tr.step(ds, [1.0, 2.0]).status == 0
    assert fp.loss_xent(np.eye(3), np.eye(3), np.array([0, 1, 2], np.int8)).correct == 3
    assert fp.loss_xent(np.eye(3), np.eye(3), [0.0, 1.0, 2.0]).correct == 3


def test_working_dtype_must_be_real(prob):
    w, x, _, _ = prob
    with pytest.raises(fp.UsageError, match='dtype must be float32 or float64'):
        fp.solve(w, x, dtype=np.int32)
    with pytest.raises(fp.UsageError, match='dtype'):
        fp.Layer(4, 3, 2, dtype=np.float16)


# ------------------------------------------------------------------------------------------------
# Settings and names
# ------------------------------------------------------------------------------------------------
def test_unknown_settings_are_named_with_the_known_ones(prob):
    w, x, r, g = prob
    layer = fp.Layer(5, 4, 3)
    cases = [
        (lambda: fp.solve(w, x, tolx=1e-6), 'tolx', 'max_iter'),
        (lambda: fp.implicit_grad(w, r, g, r, toll=1), 'iter.toll', 'iter.tol'),
        (lambda: fp.rule_dw(w, r, g, r, rule='dW1', adjoint={'metod': 'direct'}), 'adjoint.metod', 'adjoint.method'),
        (lambda: fp.Trainer(layer, 10, lr=0.1, bogus=3), 'bogus', 'stability_cols'),
        (lambda: fp.Trainer(layer, 10, lr=0.1, solver={'bogus': 1}), 'solver.bogus', 'solver.anderson_m'),
        (lambda: fp.Trainer(layer, 10, lr=0.1, optim={'beta': 0.9}), 'optim.beta', 'optim.beta1'),
        (lambda: fp.Optimizer(4, momentm=0.5), 'momentm', 'momentum'),
        (lambda: fp.stability_analyze(w, bogus=1), 'bogus', 'exact_max'),
        (lambda: fp.census(w, x[:, 0], r, solver={'tool': 1}), 'solver.tool', 'solver.tol'),
        (lambda: fp.meanfield_solve(G=0.5), 'G', 's_m'),
        (lambda: fp.FeedbackNetwork(10, gg=1), 'gg', 'rho'),
        (lambda: fp.FeedbackNetwork(10).train_gd([1.0], [0.5], lrate=1), 'lrate', 'max_steps'),
    ]
    for call, bad, known in cases:
        with pytest.raises(fp.UsageError) as ei:
            call()
        msg = str(ei.value)
        assert 'unknown setting' in msg and repr(bad) in msg and known in msg, msg


def test_settings_of_the_wrong_type_are_usage_errors(prob):
    w, x, _, _ = prob
    with pytest.raises(fp.UsageError, match=r'\btol\b'):
        fp.solve(w, x, tol='small')
    with pytest.raises(fp.UsageError, match=r'\bmax_iter\b'):
        fp.solve(w, x, max_iter=2 ** 40)
    with pytest.raises(fp.UsageError, match=r'\bsolver\b.*dict'):
        fp.Trainer(fp.Layer(5, 4, 3), 10, lr=0.1, solver='anderson')


def test_bad_enum_names_list_the_choices(prob):
    w, x, r, g = prob
    cases = [
        (lambda: fp.solve(w, x, method='bogus'), 'method', 'newton'),
        (lambda: fp.solve(w, x, act='sigmoid'), 'act', 'logistic'),
        (lambda: fp.act_apply(x, act='swish'), 'act', 'softplus'),
        (lambda: fp.rule_dw(w, r, g, r, rule='dW9'), 'rule', 'dw3'),
        (lambda: fp.implicit_grad(w, r, g, r, method='magic'), 'method', 'iterative'),
        (lambda: fp.Optimizer(4, kind='rmsprop'), 'kind', 'adam'),
        (lambda: fp.Layer(5, 4, 3, act='sigmoid'), 'act', 'tanh'),
        (lambda: fp.Trainer(fp.Layer(5, 4, 3), 10, lr=1, rule='hebb'), 'rule', 'dw1'),
        (lambda: fp.isa_set('sse'), 'cap', 'avx2'),
        (lambda: fp.solver_defaults('bogus'), 'method', 'anderson'),
        (lambda: fp.meanfield_sweep({}, 'foo', 0, 1, 3), 'x_axis', 'target'),
        (lambda: fp.meanfield_sweep({}, 'g', 0, 1, 3, y_axis='bar'), 'y_axis', 'rho'),
    ]
    for call, field, choice in cases:
        with pytest.raises(fp.UsageError) as ei:
            call()
        assert names(field, ei.value) and choice in str(ei.value), str(ei.value)


def test_custom_activation_is_refused(prob):
    w, x, _, _ = prob
    with pytest.raises(fp.UsageError, match='custom'):
        fp.solve(w, x, act='custom')


# ------------------------------------------------------------------------------------------------
# Values: NaN, out of range
# ------------------------------------------------------------------------------------------------
def _with_nan(a, where=(1, 1)):
    a = np.array(a, dtype=float)
    a[where] = np.nan
    return a


def test_nan_inputs_raise_non_finite(prob):
    w, x, r, g = prob
    inf = np.array(w)
    inf[0, 0] = np.inf
    cases = [
        lambda: fp.solve(w, _with_nan(x)),
        lambda: fp.solve(inf, x),
        lambda: fp.solve(w, x, r0=_with_nan(r)),
        lambda: fp.implicit_grad(w, r, g, _with_nan(r)),
        lambda: fp.implicit_grad(_with_nan(w), r, g, r),
        lambda: fp.rule_dw(w, r, g, _with_nan(r)),
        lambda: fp.rule_dw(w, _with_nan(r), g, r, rule='dW4'),
        lambda: fp.rule_dw(w, r, _with_nan(g), r, rule='dW2', lr=0.1),
        lambda: fp.loss_mse(_with_nan(r), r),
        lambda: fp.loss_xent(_with_nan(np.ones((3, 6))), r, np.zeros(4, int)),
        lambda: fp.eig(_with_nan(w)),
        lambda: fp.eigvec(_with_nan(w), 0.5),
        lambda: fp.stability(w, _with_nan(g)),
        lambda: fp.stability_analyze(_with_nan(w)),
        lambda: fp.census(w, _with_nan(x[:, :1], (0, 0)), r),
    ]
    for k, call in enumerate(cases):
        with pytest.raises(fp.NonFiniteError) as ei:
            call()
        e = ei.value
        assert e.status == lib.FP_ERR_NON_FINITE and isinstance(e, FloatingPointError), k
        assert 'NaN' in str(e), str(e)


def test_nan_solve_leaves_no_partial_result(prob):
    w, x, _, _ = prob
    with pytest.raises(fp.NonFiniteError) as ei:
        fp.solve(w, _with_nan(x))
    # Rejected before iterating: the report says no iteration ran, R is the untouched zero start.
    assert ei.value.report.iterations == 0
    assert np.all(ei.value.result.r == 0)


def test_not_converged_carries_report_and_last_iterate(rng):
    n, b = 8, 3
    w, x = random_problem(rng, n, b)
    with pytest.raises(fp.NotConvergedError) as ei:
        fp.solve(w, x, method='euler', max_iter=3)
    e = ei.value
    assert e.status == lib.FP_ERR_NOT_CONVERGED and isinstance(e, ArithmeticError)
    rep = e.report
    assert rep.status == lib.FP_ERR_NOT_CONVERGED
    assert rep.iterations == 3 and rep.converged == 0
    assert list(rep.col_iterations) == [3] * b
    assert len(rep.history) == 3 and rep.max_residual > rep.tol
    assert 'tol' in rep.message and rep.message in str(e)
    # .result is the last iterate: three Euler steps of r <- r + 0.1 (-r + tanh(W r + X)) from zero.
    r = np.zeros((n, b))
    for _ in range(3):
        r = r + 0.1 * (-r + np.tanh(w @ r + x))
    assert np.allclose(e.result.r, r, rtol=1e-13, atol=1e-15)
    assert np.allclose(e.result.g, 1 - np.tanh(w @ r + x) ** 2, rtol=1e-13, atol=1e-15)
    # check_status=False returns the same solution instead of raising.
    s = fp.solve(w, x, method='euler', max_iter=3, check_status=False)
    assert s.report.status == lib.FP_ERR_NOT_CONVERGED and np.array_equal(s.r, e.result.r)


def test_anderson_cap_is_reported(rng):
    w, x = random_problem(rng, 10, 4)
    with pytest.raises(fp.NotConvergedError) as ei:
        fp.solve(w, x, max_iter=4, tol=1e-14)
    assert ei.value.report.iterations == 4
    assert np.isfinite(ei.value.result.r).all() and np.any(ei.value.result.r != 0)


def test_diverging_solve_raises_diverged(rng):
    n, b = 6, 2
    x = rng.standard_normal((n, b))
    with pytest.raises(fp.DivergedError) as ei:
        fp.solve(2 * np.eye(n), x, act='identity', method='damped', diverge_at=1e3)
    e = ei.value
    assert e.status == lib.FP_ERR_DIVERGED and e.report.converged == 0
    # The last iterate is the one that crossed the threshold (RMS above diverge_at).
    assert np.sqrt((e.result.r ** 2).mean(axis=0)).max() > 1e3


def test_singular_systems_raise_singular(rng):
    n, b = 5, 2
    x = rng.standard_normal((n, b))
    eye = np.eye(n)
    # Newton on a linear network with W = I: I - G W = 0.
    with pytest.raises(fp.SingularError) as ei:
        fp.solve(eye, x, act='identity', method='newton')
    assert ei.value.status == lib.FP_ERR_SINGULAR and 'singular' in str(ei.value)
    # The direct adjoint, and dW1 through it, at the same bifurcation.
    with pytest.raises(fp.SingularError):
        fp.implicit_grad(eye, x, np.ones((n, b)), x, method='direct')
    with pytest.raises(fp.SingularError):
        fp.rule_dw(eye, x, np.ones((n, b)), x, rule='dW1', adjoint={'method': 'direct'})


def test_dw2_at_its_singular_rate(rng):
    # One sample: dW2 = l c^T / (1 - lr s^T l) has a pole at lr = 1 / (s^T l).
    n = 7
    w, x = random_problem(rng, n, 1)
    s = fp.solve(w, x, tol=1e-12)
    r, g = s.r, s.g
    grad = rng.standard_normal((n, 1))
    gd = np.diag(g[:, 0])
    ident = np.eye(n)
    l_vec = (ident - w @ gd) @ gd @ grad
    s_vec = (ident - gd @ w) @ r
    stl = float(s_vec[:, 0] @ l_vec[:, 0])
    if stl < 0:
        grad, stl = -grad, -stl
    lr = 1.0 / stl
    with pytest.raises(fp.SingularError) as ei:
        fp.rule_dw(w, r, g, grad, rule='dW2', lr=lr)
    assert ei.value.report is not None and ei.value.report.status == lib.FP_ERR_SINGULAR
    # Away from the pole it is fine.
    assert np.isfinite(fp.rule_dw(w, r, g, grad, rule='dW2', lr=0.5 * lr)).all()


def test_dependent_pairs_make_least_squares_singular():
    fb = fp.FeedbackNetwork(20, g=0.5, s_m=1.0, s_I=1.0)
    with pytest.raises(fp.SingularError):
        fb.train_ls([1.0, 1.0], [0.5, 0.5])


def test_invalid_values_raise_invalid_argument(prob):
    w, x, r, g = prob
    layer = fp.Layer(5, 4, 3)
    cases = [
        (lambda: fp.solve(w, x, tol=-1e-6), 'tol'),
        (lambda: fp.solve(w, x, anderson_m=100), 'anderson_m'),
        (lambda: fp.solve(w, x, method=9), 'method'),
        (lambda: fp.solve(w, x, step=2.0, method='euler'), 'step'),
        (lambda: fp.implicit_grad(w, r, g, r, max_iter=-1), 'max_iter'),
        (lambda: fp.rule_dw(w, r, g, r, lr=-1.0), 'lr'),
        (lambda: fp.Trainer(layer, 10), 'lr'),
        (lambda: fp.Trainer(layer, 10, lr=0.1, batch=-1), 'batch'),
        (lambda: fp.Trainer(layer, 10, lr=0.1, solver={'tol': 2.0}), 'tol'),
        (lambda: fp.Layer(0, 4, 3), None),
        (lambda: fp.Layer(4, 4, 3, rho=-1), None),
        (lambda: fp.Optimizer(4, kind='adam', beta1=1.5), None),
        (lambda: fp.stability_analyze(w, tol=-1.0), None),
        (lambda: fp.loss_xent(np.ones((3, 6)), r, [0, 1, 7, 0]), None),
        (lambda: fp.census(w, x[:, 0], r, cluster_tol=-1.0), None),
        (lambda: fp.meanfield_solve(g=-1.0), None),
        (lambda: fp.meanfield_teacher_scale({'g': 0.5}, float('nan')), None),
        (lambda: fp.meanfield_sweep({}, 'g', 0.0, float('inf'), 3), None),
        (lambda: fp.FeedbackNetwork(0), None),
        (lambda: fp.FeedbackNetwork(10).train_ls([1.0], [1.0], ridge=-1.0), None),
        (lambda: fp.Dataset.load(os.devnull, os.devnull, classes=0), None),
    ]
    for k, (call, arg) in enumerate(cases):
        with pytest.raises(fp.InvalidArgumentError) as ei:
            call()
        e = ei.value
        assert e.status == lib.FP_ERR_INVALID_ARG and isinstance(e, ValueError), k
        if arg is not None:
            assert names(arg, e), str(e)
    with pytest.raises(fp.InvalidArgumentError) as ei:
        fp.solve(w, x, tol=-1e-6)
    assert ei.value.report.status == lib.FP_ERR_INVALID_ARG and ei.value.report.iterations == 0


def test_trainer_data_errors(rng):
    layer = fp.Layer(6, 4, 3, seed=2)
    ds = fp.Dataset(rng.integers(0, 256, (10, 4)), np.arange(10) % 3, 3)
    tr = fp.Trainer(layer, 10, lr=0.1, batch=4)
    w0 = layer.w.copy()
    with pytest.raises(fp.InvalidArgumentError) as ei:
        tr.step(ds, [0, 10])
    assert 'index' in str(ei.value) and ei.value.result.status == lib.FP_ERR_INVALID_ARG
    with pytest.raises(fp.UsageError, match='bsz'):
        tr.step(ds, [])
    with pytest.raises(fp.UsageError, match='bsz'):
        tr.step(ds, list(range(5)))
    other = fp.Dataset(np.zeros((10, 5), np.uint8), np.arange(10) % 3, 3)
    with pytest.raises(fp.InvalidArgumentError, match='n_in'):
        tr.step(other, [0])
    with pytest.raises(fp.InvalidArgumentError, match='n_in'):
        tr.evaluate(other)
    big = fp.Dataset(np.zeros((11, 4), np.uint8), np.arange(11) % 3, 3)
    with pytest.raises(fp.InvalidArgumentError, match='dataset_count'):
        tr.epoch(big)
    assert np.array_equal(layer.w, w0) and tr.step_count == 0
    # The trainer still works after all that.
    assert tr.step(ds, [0, 1, 2]).status == 0 and tr.step_count == 1


def test_non_finite_weights_fail_the_step(rng):
    layer = fp.Layer(6, 4, 3, seed=2, dtype=np.float64)
    ds = fp.Dataset(rng.integers(0, 256, (8, 4)), np.arange(8) % 3, 3)
    tr = fp.Trainer(layer, 8, lr=0.1, batch=4)
    layer.w[0, 0] = np.nan
    with pytest.raises(fp.NonFiniteError) as ei:
        tr.step(ds, [0, 1])
    assert ei.value.result.status == lib.FP_ERR_NON_FINITE


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------
def test_layer_file_errors(tmp_path):
    layer = fp.Layer(6, 5, 3, seed=4)
    good = tmp_path / 'layer.bin'
    layer.save(good)
    data = good.read_bytes()
    with pytest.raises(fp.FileError) as ei:
        fp.Layer.load(tmp_path / 'missing.bin')
    assert ei.value.status == lib.FP_ERR_IO and isinstance(ei.value, OSError) and 'open' in str(ei.value)
    variants = {
        'flipped': data[:40] + bytes([data[40] ^ 1]) + data[41:],
        'truncated': data[:-3],
        'trailing': data + b'\0',
        'magic': b'X' + data[1:],
        'empty': b'',
    }
    for label, blob in variants.items():
        p = tmp_path / (label + '.bin')
        p.write_bytes(blob)
        with pytest.raises(fp.FormatError) as ei:
            fp.Layer.load(p)
        assert ei.value.status == lib.FP_ERR_FORMAT, label
        assert str(ei.value).startswith('Layer.load: ') and len(str(ei.value)) > 25, str(ei.value)
    # A float file does not load as double.
    with pytest.raises(fp.FormatError):
        fp.Layer.load(good, dtype=np.float64)
    assert np.array_equal(fp.Layer.load(good).w, layer.w)


def test_failed_save_keeps_the_previous_file(tmp_path):
    layer = fp.Layer(6, 5, 3, seed=4)
    path = tmp_path / 'layer.bin'
    layer.save(path)
    before = path.read_bytes()
    # The save writes path.tmp first: a directory of that name makes it fail.
    (tmp_path / 'layer.bin.tmp').mkdir()
    layer.w[...] = 0.5
    with pytest.raises(fp.FileError) as ei:
        layer.save(path)
    assert ei.value.status == lib.FP_ERR_IO
    assert path.read_bytes() == before
    assert not np.array_equal(fp.Layer.load(path).w, layer.w)
    with pytest.raises(fp.FileError):
        layer.save(tmp_path / 'no' / 'such' / 'dir' / 'layer.bin')


def test_trainer_checkpoint_errors(tmp_path, rng):
    ds = fp.Dataset(rng.integers(0, 256, (12, 4)), np.arange(12) % 3, 3)
    layer = fp.Layer(6, 4, 3, seed=2)
    tr = fp.Trainer(layer, 12, lr=0.1, batch=4)
    tr.step(ds, [0, 1, 2])
    ck = tmp_path / 'ck.bin'
    tr.save(ck)
    before = ck.read_bytes()
    (tmp_path / 'ck.bin.tmp').mkdir()
    with pytest.raises(fp.FileError):
        tr.save(ck)
    assert ck.read_bytes() == before
    other = fp.Trainer(fp.Layer(6, 4, 3, seed=2), 12, lr=0.1, batch=4, rule='dW4')
    with pytest.raises(fp.FormatError):
        other.load(ck)
    with pytest.raises(fp.FileError):
        other.load(tmp_path / 'missing.bin')
    (tmp_path / 'short.bin').write_bytes(before[:-1])
    with pytest.raises(fp.FormatError):
        tr.load(tmp_path / 'short.bin')


def test_idx_and_dataset_file_errors(tmp_path):
    with pytest.raises(fp.FileError):
        fp.idx_load(tmp_path / 'missing.idx')
    with pytest.raises(fp.FileError):
        fp.Dataset.load(tmp_path / 'a.idx', tmp_path / 'b.idx')
    for blob in (b'', b'abc', b'\0\0\x09\x01\0\0\0\x01x', b'\0\0\x08\x01\0\0\0\x02x', b'\0\0\x08\x05'):
        with pytest.raises(fp.FormatError) as ei:
            fp.idx_parse(blob)
        assert ei.value.status == lib.FP_ERR_FORMAT and 'idx_parse: ' in str(ei.value)
    images = tmp_path / 'i.idx'
    labels = tmp_path / 'l.idx'
    dims = b''.join(d.to_bytes(4, 'big') for d in (2, 1, 2))
    images.write_bytes(b'\0\0\x08\x03' + dims + b'abcd')
    labels.write_bytes(b'\0\0\x08\x01' + (3).to_bytes(4, 'big') + b'\0\1\2')
    with pytest.raises(fp.FormatError):
        fp.Dataset.load(images, labels, 10)          # 2 images, 3 labels
    labels.write_bytes(b'\0\0\x08\x01' + (2).to_bytes(4, 'big') + b'\0\x09')
    with pytest.raises(fp.FormatError):
        fp.Dataset.load(images, labels, 5)           # a label beyond the classes
    assert fp.Dataset.load(images, labels, 10).count == 2


def test_exception_hierarchy():
    for cls, base, code in ((fp.InvalidArgumentError, ValueError, 'FP_ERR_INVALID_ARG'),
                            (fp.OutOfMemoryError, MemoryError, 'FP_ERR_NO_MEMORY'),
                            (fp.SingularError, ArithmeticError, 'FP_ERR_SINGULAR'),
                            (fp.NotPositiveDefiniteError, ArithmeticError, 'FP_ERR_NOT_SPD'),
                            (fp.NotConvergedError, ArithmeticError, 'FP_ERR_NOT_CONVERGED'),
                            (fp.DivergedError, ArithmeticError, 'FP_ERR_DIVERGED'),
                            (fp.NonFiniteError, FloatingPointError, 'FP_ERR_NON_FINITE'),
                            (fp.FileError, OSError, 'FP_ERR_IO'), (fp.FormatError, ValueError, 'FP_ERR_FORMAT'),
                            (fp.UnsupportedError, NotImplementedError, 'FP_ERR_UNSUPPORTED'),
                            (fp.UsageError, ValueError, 'FP_ERR_USAGE')):
        assert issubclass(cls, fp.FixpointError) and issubclass(cls, base)
        assert cls.status == getattr(lib, code)
        e = cls('x')
        assert e.name == fp.status_name(cls.status) != 'unknown status'


# ------------------------------------------------------------------------------------------------
# The C functions called directly with broken views: FP_ERR_USAGE, and the interpreter goes on
# ------------------------------------------------------------------------------------------------
RAW = r'''
import numpy as np
from fixpoint import ffi, lib

keep = []


def mat(rows, cols, buf=None, rs=None, cs=1):
    """A hand-built fp_mat_f64 over buf (a new zeroed array by default)."""
    if buf is None:
        buf = np.zeros(rows * cols + 1)
    keep.append(buf)
    m = ffi.new('fp_mat_f64 *')
    m.data = ffi.cast('double *', buf.ctypes.data)
    m.rows, m.cols = rows, cols
    m.rs, m.cs = (cols if rs is None else rs), cs
    return m[0]


def absent():
    m = ffi.new('fp_mat_f64 *')
    m.rs = m.cs = 1
    return m[0]


def said():
    return ffi.string(lib.fpy_take_usage()).decode()


def raw_cases():
    """(label, the status or value returned, the sentence the usage handler kept, words it must contain)"""
    out = []
    xbuf = np.ones(12)
    st = lib.fp_solve_f64(ffi.NULL, ffi.NULL, mat(3, 4), mat(3, 2), mat(3, 2), absent(), ffi.NULL, ffi.NULL)
    out.append(('solve 3x4 W', st, said(), ['fp_solve_f64', 'W']))
    st = lib.fp_solve_f64(ffi.NULL, ffi.NULL, mat(3, 3), mat(4, 2), mat(3, 2), absent(), ffi.NULL, ffi.NULL)
    out.append(('solve X rows', st, said(), ['fp_solve_f64', 'X']))
    st = lib.fp_solve_f64(ffi.NULL, ffi.NULL, mat(3, 3), mat(3, 2, xbuf), mat(3, 2, xbuf), absent(), ffi.NULL, ffi.NULL)
    out.append(('solve R overlapping X', st, said(), ['fp_solve_f64', 'R', 'X']))
    st = lib.fp_solve_f64(ffi.NULL, ffi.NULL, mat(3, 3), mat(3, 2), mat(3, 2, rs=1, cs=1), absent(), ffi.NULL, ffi.NULL)
    out.append(('solve R colliding strides', st, said(), ['fp_solve_f64', 'R']))
    wbuf = np.zeros(9)
    st = lib.fp_rule_dw_f64(ffi.NULL, mat(3, 3, wbuf), mat(3, 2), mat(3, 2), mat(3, 2), mat(3, 3, wbuf), ffi.NULL,
                            ffi.NULL)
    out.append(('rule_dw dW overlapping W', st, said(), ['fp_rule_dw_f64', 'dW']))
    st = lib.fp_implicit_grad_f64(ffi.NULL, mat(3, 3), mat(3, 2), mat(3, 2), mat(3, 2), mat(2, 3), absent(), ffi.NULL,
                                  ffi.NULL)
    out.append(('implicit_grad V shape', st, said(), ['fp_implicit_grad_f64', 'V']))
    zbuf = np.zeros(6)
    st = lib.fp_act_apply_f64(ffi.NULL, mat(2, 3, zbuf), mat(2, 3), mat(2, 3, zbuf))
    out.append(('act_apply G overlapping Z', st, said(), ['fp_act_apply_f64', 'G']))
    st = lib.fp_loss_mse_f64(mat(2, 3), mat(2, 3), absent(), ffi.NULL)
    out.append(('loss_mse loss NULL', st, said(), ['fp_loss_mse_f64', 'loss']))
    st = lib.fp_mat_mul_f64(1.0, mat(2, 3), mat(4, 2), 0.0, mat(2, 2))
    out.append(('mat_mul inner sizes', st, said(), ['fp_mat_mul_f64']))
    o = ffi.new('fp_optim_f64 *')
    cfg = ffi.new('fp_optim_config *')
    st = lib.fp_optim_init_f64(o, cfg, -1)
    out.append(('optim_init count -1', st, said(), ['fp_optim_init_f64', 'count']))
    st = lib.fp_idx_parse(ffi.NULL, 5, ffi.new('fp_idx *'), ffi.NULL)
    out.append(('idx_parse NULL buffer', st, said(), ['fp_idx_parse']))
    st = lib.fp_eig_f64(mat(3, 4), ffi.new('double[3]'), ffi.new('double[3]'), ffi.NULL)
    out.append(('eig 3x4', st, said(), ['fp_eig_f64', 'A']))
    v = lib.fp_vec_dot_f64(3, ffi.NULL, 1, ffi.NULL, 1)
    out.append(('vec_dot NULL', 'nan' if v != v else v, said(), ['fp_vec_dot_f64']))
    b = lib.fp_mat_block_f64(mat(3, 3), 2, 2, 3, 3)
    out.append(('mat_block outside', 'absent' if b.data == ffi.NULL else 'present', said(), ['fp_mat_block_f64']))
    return out


def ok_after():
    """A correct call after all the broken ones still works."""
    w = np.zeros((2, 2))
    x = np.array([[0.5], [-0.25]])
    r = np.zeros((2, 1))
    st = lib.fp_solve_f64(ffi.NULL, ffi.NULL, mat(2, 2, w), mat(2, 1, x), mat(2, 1, r), absent(), ffi.NULL, ffi.NULL)
    return st == 0 and np.allclose(r, np.tanh(x)) and said() == ''
'''

EXPECTED_RAW = {'vec_dot NULL': 'nan', 'mat_block outside': 'absent'}


def _raw_module():
    ns = {}
    exec(compile(RAW, 'raw_calls', 'exec'), ns)
    return ns


def test_raw_calls_with_broken_views_return_usage_in_process():
    ns = _raw_module()
    cases = ns['raw_cases']()
    assert len(cases) >= 14
    for label, st, msg, words in cases:
        assert st == EXPECTED_RAW.get(label, lib.FP_ERR_USAGE), '%s returned %r' % (label, st)
        for word in words:
            assert names(word, msg), '%s: %r does not name %s' % (label, msg, word)
    assert ns['ok_after']()
    # The Python layer says the same through UsageError for a mistake only the library sees.
    with pytest.raises(fp.UsageError) as ei:
        fp.Optimizer(-1)
    assert 'fp_optim_init_f64' in str(ei.value) and names('count', ei.value)
    assert ffi.string(lib.fpy_take_usage()) == b''


def test_raw_calls_in_a_child_interpreter_exit_cleanly():
    script = RAW + textwrap.dedent('''
        import fixpoint as fp
        for label, st, msg, words in raw_cases():
            print('%s|%s|%s' % (label, st, msg))
        try:
            fp.solve(np.zeros((3, 4)), np.zeros((3, 2)))
        except fp.UsageError as e:
            print('python|%d|%s' % (e.status, e))
        print('ok_after|%s' % ok_after())
    ''')
    p = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, env=subprocess_env(),
                       timeout=120)
    assert p.returncode == 0, 'the child interpreter died (%d): %s' % (p.returncode, p.stderr)
    lines = [line.split('|', 2) for line in p.stdout.splitlines()]
    by_label = {ln[0]: ln[1:] for ln in lines}
    assert by_label['ok_after'] == ['True']
    assert by_label['python'][0] == str(lib.FP_ERR_USAGE) and names('W', by_label['python'][1])
    raw = [ln for ln in lines if ln[0] not in ('ok_after', 'python')]
    assert len(raw) >= 14
    for label, st, msg in raw:
        assert st == str(EXPECTED_RAW.get(label, lib.FP_ERR_USAGE)), label
        assert msg.startswith('fp_'), (label, msg)
    # The default handler would have printed 'fixpoint.h: ...' and aborted; nothing of that reached stderr.
    assert 'fixpoint.h' not in p.stderr


def test_usage_sentences_are_kept_per_thread():
    ns = _raw_module()
    mat, absent = ns['mat'], ns['absent']
    assert ffi.string(lib.fpy_take_usage()) == b''
    seen = []

    def other():
        st = lib.fp_solve_f64(ffi.NULL, ffi.NULL, mat(3, 4), mat(3, 2), mat(3, 2), absent(), ffi.NULL, ffi.NULL)
        seen.append(st)
        # left untaken in this thread

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [lib.FP_ERR_USAGE]
    assert ffi.string(lib.fpy_take_usage()) == b''


GC_SCRIPT = r'''
import gc
import numpy as np
import fixpoint as fp
gc.set_threshold(1, 1, 1)  # collect at nearly every allocation, including those inside cffi
for dt in (np.float32, np.float64):
    # Objects in reference cycles: only the collector frees them, at a moment of its choosing - possibly
    # while cffi holds its lock in ffi.new or ffi.typeof, the first time each destructor is needed.
    layer = fp.Layer(4, 3, 2, dtype=dt)
    layer.cycle = layer
    ds = fp.Dataset(np.zeros((4, 3), np.uint8), [0, 1, 0, 1], 2)
    ds.cycle = ds
    tr = fp.Trainer(layer, 4, lr=0.1)
    tr.cycle = tr
    opt = fp.Optimizer(3, kind='adam', dtype=dt)
    opt.cycle = opt
    fb = fp.FeedbackNetwork(5, dtype=dt)
    fb.cycle = fb
    del layer, ds, tr, opt, fb
    for _ in range(3):
        fp.solve(np.eye(3) * 0.1, np.ones((3, 2)), dtype=dt)
        fp.stability_analyze(np.eye(3) * 0.1)
        fp.meanfield_solve()
gc.collect()
print('done')
'''


def test_objects_freed_by_the_collector_never_deadlock():
    try:
        p = subprocess.run([sys.executable, '-c', GC_SCRIPT], capture_output=True, text=True, env=subprocess_env(),
                           timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail('a destructor run by the garbage collector deadlocked the interpreter')
    assert p.returncode == 0 and p.stdout.strip() == 'done', p.stderr
