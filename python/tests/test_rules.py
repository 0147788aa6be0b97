"""The learning rules dW1..dW4 against their per-sample formulas (docs/THEORY.md (R1)-(R4)) written in
NumPy, and the optimizers against their update formulas.
"""
import numpy as np
import pytest

import fixpoint as fp
from conftest import random_problem

N, B = 14, 5


@pytest.fixture
def batch(rng):
    w, x = random_problem(rng, N, B, 0.8)
    s = fp.solve(w, x, tol=1e-12)
    grad = rng.standard_normal((N, B)) / B
    return w, s.r, s.g, grad


def _terms(w, r, g, grad):
    """Per sample b: G_b, I - W G_b, I - G_b W."""
    eye = np.eye(w.shape[0])
    for b in range(r.shape[1]):
        gb = np.diag(g[:, b])
        yield b, gb, eye - w @ gb, eye - gb @ w


def dw1_literal(w, r, g, grad):
    out = np.zeros_like(w)
    for b, gb, _, _ in _terms(w, r, g, grad):
        out += np.outer(gb @ np.linalg.solve(np.eye(len(w)) - w.T @ gb, grad[:, b]), r[:, b])
    return out


def dw3_literal(w, r, g, grad):
    out = np.zeros_like(w)
    for b, gb, iwg, igw in _terms(w, r, g, grad):
        out += np.outer(iwg @ gb @ grad[:, b], igw.T @ igw @ r[:, b])
    return out


def dw4_literal(w, r, g, grad):
    out = np.zeros_like(w)
    for b, gb, iwg, _ in _terms(w, r, g, grad):
        out += np.outer(iwg @ grad[:, b], iwg.T @ iwg @ r[:, b])
    return out


def dw2_literal(w, r, g, grad, lr):
    cols_l, cols_s, cols_c = [], [], []
    for b, gb, iwg, igw in _terms(w, r, g, grad):
        cols_l.append(iwg @ gb @ grad[:, b])
        cols_s.append(igw @ r[:, b])
        cols_c.append(igw.T @ cols_s[-1])
    L, S, C = (np.stack(c, axis=1) for c in (cols_l, cols_s, cols_c))
    return L @ np.linalg.solve(np.eye(r.shape[1]) - lr * S.T @ L, C.T)


@pytest.mark.parametrize('rule,literal', [('dW1', dw1_literal), ('dW3', dw3_literal), ('dW4', dw4_literal)])
def test_rule_is_the_sum_of_its_per_sample_formula(batch, rule, literal):
    w, r, g, grad = batch
    got = fp.rule_dw(w, r, g, grad, rule=rule)
    want = literal(w, r, g, grad)
    assert np.allclose(got, want, rtol=1e-11, atol=1e-13 * np.abs(want).max())
    # Batched: the sum of the one-column calls.
    cols = sum(fp.rule_dw(w, r[:, [b]], g[:, [b]], grad[:, [b]], rule=rule) for b in range(B))
    assert np.allclose(got, cols, rtol=1e-11, atol=1e-13 * np.abs(want).max())


@pytest.mark.parametrize('lr', [0.05, 0.7])
def test_dw2_is_the_woodbury_step(batch, lr):
    w, r, g, grad = batch
    got = fp.rule_dw(w, r, g, grad, rule='dW2', lr=lr)
    want = dw2_literal(w, r, g, grad, lr)
    assert np.allclose(got, want, rtol=1e-10, atol=1e-12 * np.abs(want).max())


def test_dw2_one_sample(batch):
    w, r, g, grad = batch
    r, g, grad = r[:, :1], g[:, :1], grad[:, :1]
    (_, gb, iwg, igw), = _terms(w, r, g, grad)
    l_vec = iwg @ gb @ grad[:, 0]
    s_vec = igw @ r[:, 0]
    c_vec = igw.T @ s_vec
    lr = 0.3
    want = np.outer(l_vec, c_vec) / (1 - lr * s_vec @ l_vec)
    assert np.allclose(fp.rule_dw(w, r, g, grad, rule='dW2', lr=lr), want, rtol=1e-11, atol=1e-14)


def test_dw2_tends_to_dw3(batch):
    w, r, g, grad = batch
    assert np.allclose(fp.rule_dw(w, r, g, grad, rule='dW2', lr=0.0), fp.rule_dw(w, r, g, grad, rule='dW3'),
                       rtol=1e-12, atol=1e-15)
    # lr matters to dW2 only.
    assert np.array_equal(fp.rule_dw(w, r, g, grad, rule='dW3', lr=0.9), fp.rule_dw(w, r, g, grad, rule='dW3'))


def test_dw4_equals_dw3_for_a_linear_network(rng):
    w, x = random_problem(rng, N, B, 0.6)
    s = fp.solve(w, x, act='identity', tol=1e-12)
    grad = rng.standard_normal((N, B))
    assert np.allclose(fp.rule_dw(w, s.r, s.g, grad, rule='dW4'), fp.rule_dw(w, s.r, s.g, grad, rule='dW3'),
                       rtol=1e-12, atol=1e-13)


def test_dw3_agrees_with_dw1_sample_by_sample(batch):
    # (R5): <dW3_b, dW1_b> >= 0 for every sample.
    w, r, g, grad = batch
    for b in range(B):
        cols = (r[:, [b]], g[:, [b]], grad[:, [b]])
        d1 = fp.rule_dw(w, *cols, rule='dW1')
        d3 = fp.rule_dw(w, *cols, rule='dW3')
        assert np.sum(d1 * d3) >= 0


def test_default_rule_and_names(batch):
    w, r, g, grad = batch
    ref = fp.rule_dw(w, r, g, grad, rule='dW3')
    for name in ('default', 'DW3', 'FP_RULE_DW3', 3, 0):
        assert np.array_equal(fp.rule_dw(w, r, g, grad, rule=name), ref)
    assert np.array_equal(fp.rule_dw(w, r, g, grad), ref)
    assert not np.allclose(fp.rule_dw(w, r, g, grad, rule='dW4'), ref)


def test_float32_rules_follow_float64(batch):
    w, r, g, grad = batch
    for rule in ('dW1', 'dW2', 'dW3', 'dW4'):
        d64 = fp.rule_dw(w, r, g, grad, rule=rule, lr=0.1)
        d32 = fp.rule_dw(*(a.astype(np.float32) for a in (w, r, g, grad)), rule=rule, lr=0.1)
        assert d32.dtype == np.float32
        assert np.allclose(d32, d64, rtol=1e-4, atol=1e-5 * np.abs(d64).max())


# ------------------------------------------------------------------------------------------------
# Optimizers
# ------------------------------------------------------------------------------------------------
def test_sgd_step_is_exact(rng):
    p = rng.standard_normal(50)
    grad = rng.standard_normal(50)
    want = p - 0.1 * grad
    opt = fp.Optimizer(50, kind='sgd', lr=0.1)
    opt.step(p, grad)
    assert np.array_equal(p, want)
    opt.step(p, grad, lr=0.5)                      # a rate per step
    assert np.array_equal(p, want - 0.5 * grad)


def test_sgd_float32(rng):
    p = rng.standard_normal(20).astype(np.float32)
    grad = rng.standard_normal(20).astype(np.float32)
    want = p.astype(np.float64) - 0.25 * grad
    opt = fp.Optimizer(20, lr=0.25, dtype=np.float32)
    opt.step(p, grad)
    assert p.dtype == np.float32 and np.allclose(p, want, rtol=1e-6, atol=1e-7)


def test_adam_first_steps(rng):
    p0 = rng.standard_normal(30)
    g1 = rng.standard_normal(30)
    g2 = rng.standard_normal(30)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = fp.Optimizer(30, kind='adam', lr=lr)
    p = p0.copy()
    opt.step(p, g1)
    # Bias-corrected moments after one step are g and g^2: the step is lr g / (|g| + eps).
    assert np.allclose(p, p0 - lr * g1 / (np.abs(g1) + eps), rtol=1e-14, atol=1e-16)
    m = (1 - b1) * g1
    v = (1 - b2) * g1 ** 2
    p_ref = p.copy()
    opt.step(p, g2)
    m = b1 * m + (1 - b1) * g2
    v = b2 * v + (1 - b2) * g2 ** 2
    p_ref -= lr * (m / (1 - b1 ** 2)) / (np.sqrt(v / (1 - b2 ** 2)) + eps)
    assert np.allclose(p, p_ref, rtol=1e-12, atol=1e-15)


def test_momentum_and_weight_decay(rng):
    p0 = rng.standard_normal(10)
    g = rng.standard_normal(10)
    opt = fp.Optimizer(10, kind='momentum', lr=0.1, momentum=0.5, weight_decay=0.01)
    p = p0.copy()
    opt.step(p, g)
    m = g + 0.01 * p0
    p1 = p0 - 0.1 * m
    assert np.allclose(p, p1, rtol=1e-14)
    opt.step(p, g)
    m = 0.5 * m + g + 0.01 * p1
    assert np.allclose(p, p1 - 0.1 * m, rtol=1e-14)


def test_optimizer_updates_in_place_and_only_its_param(rng):
    w = rng.standard_normal((4, 5))
    opt = fp.Optimizer(w.size, lr=1.0)
    before = w.copy()
    grad = np.ones((4, 5))
    opt.step(w, grad)                               # a 2-D C-contiguous array is fine
    assert np.array_equal(w, before - 1.0)
    assert np.array_equal(grad, np.ones((4, 5)))
