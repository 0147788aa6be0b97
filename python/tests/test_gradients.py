"""Gradients against central finite differences, in float64.

The implicit gradient of a scalar loss of the fixed points, L(R*(W, X)), with respect to X (V) and W (dW)
is compared with central differences that re-solve the perturbed network to near machine precision
(Newton from R*, tol 1e-13); dW1 must be that dW; the losses' gradients and the activations' derivatives
are checked the same way, and so is the closed-loop read-out gradient of a feedback network.
"""
import numpy as np
import pytest

import fixpoint as fp
from conftest import random_problem

N, B = 12, 3
EPS = 1e-5


def loss_of(r, c):
    """A scalar loss of the fixed points, L = sum(c * R) + sum(R^2) / 2, and dL/dR."""
    return float(np.sum(c * r) + 0.5 * np.sum(r * r)), c + r


@pytest.fixture
def net(rng):
    w, x = random_problem(rng, N, B, scale=0.8)
    c = rng.standard_normal((N, B))
    sol = fp.solve(w, x, method='newton', tol=1e-13)
    return w, x, c, sol


def _resolve_loss(w, x, c, r0):
    s = fp.solve(w, x, r0=r0, method='newton', tol=1e-13)
    return loss_of(s.r, c)[0]


def _central(f, a, eps=EPS):
    """Central differences of the scalar f(a') over every entry of a."""
    out = np.empty_like(a)
    for idx in np.ndindex(a.shape):
        ap = a.copy()
        am = a.copy()
        ap[idx] += eps
        am[idx] -= eps
        out[idx] = (f(ap) - f(am)) / (2 * eps)
    return out


def _close(got, want, rtol=1e-8):
    scale = np.abs(want).max()
    err = np.abs(got - want).max()
    assert err <= rtol * scale, 'largest error %.3g against a scale of %.3g' % (err, scale)


def test_the_fixed_point_is_tight(net):
    w, x, _, sol = net
    assert sol.report.max_residual <= 1e-13
    assert np.allclose(sol.r, np.tanh(w @ sol.r + x), rtol=0, atol=1e-14)


@pytest.mark.parametrize('method', ['direct', 'iterative', 'auto'])
def test_implicit_gradient_matches_finite_differences(net, method):
    w, x, c, sol = net
    _, delta = loss_of(sol.r, c)
    grad = fp.implicit_grad(w, sol.r, sol.g, delta, method=method, tol=1e-12)
    fd_x = _central(lambda xp: _resolve_loss(w, xp, c, sol.r), x)
    fd_w = _central(lambda wp: _resolve_loss(wp, x, c, sol.r), w)
    _close(grad.v, fd_x)
    _close(grad.dw, fd_w)
    # dW = V R^T, (A2).
    assert np.allclose(grad.dw, grad.v @ sol.r.T, rtol=1e-12, atol=1e-14)
    assert grad.report.converged == B


def test_gradient_of_the_linear_network_is_exact(rng):
    # f = identity: R = (I - W)^{-1} X, so dL/dX = (I - W)^{-T} dL/dR exactly.
    w, x = random_problem(rng, N, B, scale=0.6)
    r = np.linalg.solve(np.eye(N) - w, x)
    delta = rng.standard_normal((N, B))
    grad = fp.implicit_grad(w, r, np.ones((N, B)), delta)
    v = np.linalg.solve((np.eye(N) - w).T, delta)
    assert np.allclose(grad.v, v, rtol=1e-12, atol=1e-13)
    assert np.allclose(grad.dw, v @ r.T, rtol=1e-12, atol=1e-13)


def test_dw1_is_the_implicit_gradient(net):
    w, x, c, sol = net
    _, delta = loss_of(sol.r, c)
    for method in ('direct', 'iterative'):
        dw = fp.implicit_grad(w, sol.r, sol.g, delta, method=method).dw
        dw1 = fp.rule_dw(w, sol.r, sol.g, delta, rule='dW1', adjoint={'method': method})
        assert np.array_equal(dw1, dw), method
    # The default adjoint of dW1 is the default of implicit_grad.
    assert np.array_equal(fp.rule_dw(w, sol.r, sol.g, delta, rule='dW1'),
                          fp.implicit_grad(w, sol.r, sol.g, delta).dw)


def test_without_dw_only_v_is_computed(net):
    w, x, c, sol = net
    _, delta = loss_of(sol.r, c)
    g1 = fp.implicit_grad(w, sol.r, sol.g, delta, want_dw=False)
    g2 = fp.implicit_grad(w, sol.r, sol.g, delta)
    assert g1.dw is None and np.array_equal(g1.v, g2.v)


def test_loss_mse_gradient(rng):
    r = rng.standard_normal((5, 4))
    t = rng.standard_normal((5, 4))
    out = fp.loss_mse(r, t)
    assert out.loss == pytest.approx(np.sum((r - t) ** 2) / 4, rel=1e-14)
    assert np.allclose(out.dr, 2 * (r - t) / 4, rtol=1e-15, atol=0)
    _close(out.dr, _central(lambda rp: fp.loss_mse(rp, t).loss, r), rtol=1e-9)
    assert out.dwout is None and out.dbout is None and out.correct is None


@pytest.mark.parametrize('with_bias', [False, True])
def test_loss_xent_gradients(rng, with_bias):
    k, n, b = 4, 6, 5
    wout = rng.standard_normal((k, n))
    r = rng.standard_normal((n, b))
    labels = rng.integers(0, k, b)
    bout = rng.standard_normal(k) if with_bias else None

    def loss(wo, rr, bo):
        y = wo @ rr + (0 if bo is None else bo[:, None])
        m = y.max(axis=0)
        lse = m + np.log(np.exp(y - m).sum(axis=0))
        return float(np.mean(lse - y[labels, np.arange(b)])), y

    out = fp.loss_xent(wout, r, labels, bout=bout)
    ref, y = loss(wout, r, bout)
    assert out.loss == pytest.approx(ref, rel=1e-13)
    assert out.correct == int(np.sum(np.argmax(y, axis=0) == labels))
    _close(out.dr, _central(lambda rp: loss(wout, rp, bout)[0], r), rtol=1e-8)
    _close(out.dwout, _central(lambda wp: loss(wp, r, bout)[0], wout), rtol=1e-8)
    if with_bias:
        _close(out.dbout, _central(lambda bp: loss(wout, r, bp)[0], bout), rtol=1e-8)
    else:
        # db_out is dY 1 whether or not the read-out has a bias.
        bias = np.zeros(k)
        _close(out.dbout, _central(lambda bp: loss(wout, r, bp)[0], bias), rtol=1e-8)


ACTS = {
    'tanh': np.tanh,
    'identity': lambda z: z,
    'logistic': lambda z: 1 / (1 + np.exp(-z)),
    'softplus': lambda z: np.log1p(np.exp(z)),
    'relu': lambda z: np.maximum(z, 0),
    'rectpow2': lambda z: np.maximum(z, 0) ** 2,
}


@pytest.mark.parametrize('act', sorted(ACTS))
def test_activation_values_and_derivatives(rng, act):
    z = rng.uniform(-3, 3, (7, 4))
    z[np.abs(z) < 0.1] = 0.5           # away from the kinks of relu and rectpow2
    r, g = fp.act_apply(z, act)
    assert np.allclose(r, ACTS[act](z), rtol=1e-14, atol=1e-15)
    fd = (ACTS[act](z + 1e-6) - ACTS[act](z - 1e-6)) / 2e-6
    assert np.allclose(g, fd, rtol=1e-7, atol=1e-8)
    r32, g32 = fp.act_apply(z.astype(np.float32), act)
    assert r32.dtype == np.float32
    assert np.allclose(r32, r, rtol=1e-5, atol=1e-6) and np.allclose(g32, g, rtol=1e-5, atol=1e-6)


def test_feedback_readout_gradient():
    fb = fp.FeedbackNetwork(24, g=0.6, s_m=1.0, s_I=1.0, rho=0.3, C=0.8, p=0.5, p_m=0.7, p_I=0.4, seed=3)
    u = np.array([1.0, 0.4])
    targets = np.array([0.3, -0.1])
    loss, grad, r = fb.loss_grad(u, targets)
    # The loss is what its definition says at the closed-loop fixed points.
    w = fb.weights()
    n = fb.n.copy()
    for p in range(2):
        assert np.allclose(r[:, p], np.tanh(w @ r[:, p] + fb.inp * u[p]), atol=1e-12)
    z = n @ r / fb.size
    assert loss == pytest.approx(np.sum((z - targets) ** 2) / 4, rel=1e-10)

    view = fb.n                                  # the network's own read-out, written in place
    fd = np.empty_like(n)
    for i in range(n.size):
        view[i] = n[i] + EPS
        lp = fb.loss_grad(u, targets, r0=r)[0]
        view[i] = n[i] - EPS
        lm = fb.loss_grad(u, targets, r0=r)[0]
        view[i] = n[i]
        fd[i] = (lp - lm) / (2 * EPS)
    _close(grad, fd, rtol=1e-7)
