"""Solves: every method reaches the known fixed point, reports say what happened, settings take effect.
"""
import re
import os

import numpy as np
import pytest

import fixpoint as fp
from conftest import REPO, random_problem

METHODS = ['anderson', 'euler', 'damped', 'newton']


@pytest.mark.parametrize('method', METHODS)
@pytest.mark.parametrize('dt', [np.float64, np.float32], ids=['f64', 'f32'])
def test_linear_network_solution(rng, method, dt):
    # f = identity: R = (I - W)^{-1} X.
    n, b = 20, 5
    w, x = random_problem(rng, n, b, 0.6)
    want = np.linalg.solve(np.eye(n) - w, x)
    tol = 1e-11 if dt == np.float64 else 1e-5
    s = fp.solve(w.astype(dt), x.astype(dt), act='identity', method=method, tol=tol)
    assert s.r.dtype == dt and s.report.status == 0 and s.report.converged == b
    err = np.abs(s.r - want).max() / np.abs(want).max()
    assert err < (1e-9 if dt == np.float64 else 1e-4), err
    assert np.all(s.g == 1)


@pytest.mark.parametrize('method', METHODS)
def test_tanh_fixed_point_and_gains(rng, method):
    n, b = 25, 6
    w, x = random_problem(rng, n, b, 0.8)
    s = fp.solve(w, x, method=method, tol=1e-12)
    h = w @ s.r + x
    assert np.allclose(s.r, np.tanh(h), rtol=0, atol=1e-11)
    assert np.allclose(s.g, 1 - np.tanh(h) ** 2, rtol=1e-13, atol=1e-15)
    # All methods find the same (unique, the network contracts) fixed point.
    ref = fp.solve(w, x, method='newton', tol=1e-13)
    assert np.allclose(s.r, ref.r, rtol=0, atol=1e-10)


@pytest.mark.parametrize('act', ['logistic', 'softplus', 'relu', 'rectpow2'])
def test_other_activations(rng, act):
    f = {'logistic': lambda z: 1 / (1 + np.exp(-z)), 'softplus': lambda z: np.log1p(np.exp(z)),
         'relu': lambda z: np.maximum(z, 0), 'rectpow2': lambda z: np.maximum(z, 0) ** 2}[act]
    n, b = 15, 4
    w, x = random_problem(rng, n, b, 0.3)
    x *= 0.3
    s = fp.solve(w, x, act=act, tol=1e-12)
    assert np.allclose(s.r, f(w @ s.r + x), rtol=0, atol=1e-10)


def test_report_fields(rng):
    w, x = random_problem(rng, 10, 4)
    rep = fp.solve(w, x, tol=1e-10).report
    assert rep.status == 0 and rep.message is None and rep.tol == 1e-10
    assert rep.converged == 4 and rep.iterations == rep.col_iterations.max()
    assert rep.max_residual == rep.col_residual.max() <= 1e-10
    # history[k]: the largest residual of the active columns at iterate k (k = 0: the start), at most max_iter
    # entries.
    assert len(rep.history) == min(rep.iterations + 1, 1000) and rep.history[-1] <= 1e-10
    assert np.all(rep.history[1:] < rep.history[0])
    capped = fp.solve(w, x, max_iter=5, check_status=False).report
    assert capped.iterations == 5 and len(capped.history) == 5
    assert np.array_equal(capped.history, rep.history[:5])


def test_tolerance_is_raised_to_32_eps(rng):
    w, x = random_problem(rng, 6, 2)
    assert fp.solve(w, x, tol=1e-20).report.tol == 32 * np.finfo(np.float64).eps
    assert fp.solve(w.astype(np.float32), x.astype(np.float32), tol=1e-20).report.tol == \
        32 * float(np.finfo(np.float32).eps)


def test_warm_start_from_the_solution(rng):
    w, x = random_problem(rng, 10, 4)
    s = fp.solve(w, x, tol=1e-10)
    again = fp.solve(w, x, r0=s.r, tol=1e-10)
    assert again.report.iterations == 0 and np.array_equal(again.r, s.r)
    # r0 is copied, not written.
    r0 = s.r.copy()
    fp.solve(w, x, r0=r0, tol=1e-12)
    assert np.array_equal(r0, s.r)


def test_fixed_iterations_run_exactly_max_iter(rng):
    w, x = random_problem(rng, 10, 4)
    rep = fp.solve(w, x, method='damped', fixed_iterations=True, max_iter=300).report
    assert rep.iterations == 300 and list(rep.col_iterations) == [300] * 4 and rep.converged == 4
    free = fp.solve(w, x, method='damped').report
    assert free.iterations < 300


def test_settings_take_effect(rng):
    w, x = random_problem(rng, 12, 3)
    euler = fp.solve(w, x, method='euler', tol=1e-8).report.iterations
    faster = fp.solve(w, x, method='euler', step=0.5, tol=1e-8).report.iterations
    assert faster < euler
    assert fp.solve(w, x, method='anderson', anderson_m=1, tol=1e-10).report.iterations != \
        fp.solve(w, x, method='anderson', anderson_m=8, tol=1e-10).report.iterations


def test_solver_defaults_follow_the_table():
    table = {'anderson': (1000, 0.5), 'euler': (10000, 0.1), 'damped': (10000, 0.5), 'newton': (50, 0.5)}
    for method, (max_iter, step) in table.items():
        d = fp.solver_defaults(method)
        assert d['max_iter'] == max_iter and d['step'] == step and d['tol'] == 1e-6
        assert d['method'] == fp.enum_value('fp_solver_method', method, 'test', 'method')
    assert fp.solver_defaults('default')['method'] == fp.solver_defaults('anderson')['method']
    # A dict of defaults is accepted back as settings.
    assert set(fp.solver_defaults()) >= {'tol', 'anderson_m', 'diverge_at', 'fixed_iterations'}


def test_enum_names_are_case_insensitive(rng):
    w, x = random_problem(rng, 6, 2)
    a = fp.solve(w, x, method='NEWTON', act='Tanh')
    b = fp.solve(w, x, method='FP_SOLVER_NEWTON', act=0)
    assert np.array_equal(a.r, b.r)


def test_isa_paths(rng):
    names = {'scalar', 'avx2', 'avx512'}
    best, current = fp.isa_best(), fp.isa_current()
    assert best in names and current in names
    w, x = random_problem(rng, 30, 7)
    ref = fp.solve(w, x, tol=1e-12)
    try:
        fp.isa_set('scalar')
        assert fp.isa_current() == 'scalar'
        s = fp.solve(w, x, tol=1e-12)
        assert np.allclose(s.r, ref.r, rtol=0, atol=1e-11)
    finally:
        fp.isa_set(current)                       # the cap in force before (FP_ISA may have set one)
    assert fp.isa_current() == current


def test_version_is_the_headers():
    with open(os.path.join(REPO, 'fixpoint.h')) as f:
        m = re.search(r'#define FP_VERSION_STRING "([^"]+)"', f.read())
    assert m and fp.__version__ == m.group(1)
