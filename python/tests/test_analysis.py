"""Eigenvalues, stability and the census of attractors against NumPy and against networks whose answers
are known in closed form.
"""
import numpy as np
import pytest

import fixpoint as fp
from conftest import random_problem


def _sorted(ev):
    ev = np.asarray(ev)
    return ev[np.lexsort((np.round(ev.imag, 9), np.round(ev.real, 9)))]


@pytest.mark.parametrize('dt', [np.float64, np.float32], ids=['f64', 'f32'])
def test_eig_matches_numpy(rng, dt):
    a = rng.standard_normal((25, 25)).astype(dt)
    got = fp.eig(a)
    want = np.linalg.eigvals(a.astype(np.float64))
    assert got.dtype == np.complex128 and got.shape == (25,)
    assert np.allclose(_sorted(got), _sorted(want), rtol=0, atol=1e-10 * np.abs(want).max())
    # Complex eigenvalues come in conjugate pairs.
    assert np.allclose(_sorted(got), _sorted(got.conj()), atol=1e-12)


def test_eig_of_known_matrices():
    rot = np.array([[0.0, -2.0], [2.0, 0.0]])
    assert np.allclose(_sorted(fp.eig(rot)), [-2j, 2j], atol=1e-14)
    tri = np.triu(np.arange(1.0, 17.0).reshape(4, 4))
    assert np.allclose(np.sort(fp.eig(tri).real), np.sort(np.diag(tri)), atol=1e-12)
    assert fp.eig(np.zeros((0, 0))).shape == (0,)


def test_eigvec_is_an_eigenvector(rng):
    a = rng.standard_normal((12, 12))
    for lam in fp.eig(a)[:4]:
        v = fp.eigvec(a, lam)
        assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
        assert np.linalg.norm(a @ v - lam * v) < 1e-8


def test_stability_is_the_rightmost_eigenvalue_of_g_w(rng):
    n, b = 30, 5
    w, x = random_problem(rng, n, b, 1.3)
    s = fp.solve(w, x, tol=1e-10)
    for exact_max in (n, 0):                 # all eigenvalues, then Arnoldi (48 vectors >= n: exact too)
        got = fp.stability(w, s.g, exact_max=exact_max)
        assert got.shape == (b,)
        for k in range(b):
            ev = np.linalg.eigvals(s.g[:, k, None] * w)
            top = ev[np.argmax(ev.real)]
            assert got[k].real == pytest.approx(top.real, abs=1e-10)
            assert abs(got[k].imag) == pytest.approx(abs(top.imag), abs=1e-10)
    # W alone is unstable (radius about 1.3); the gains of these fixed points pull its spectrum inside.
    assert np.abs(np.linalg.eigvals(w)).max() > 1 and np.all(got.real < 1)


def test_stability_analyze_spectrum(rng):
    n = 40
    w = 1.2 * rng.standard_normal((n, n)) / np.sqrt(n)
    gain = rng.uniform(0.2, 1.0, n)
    sp = fp.stability_analyze(w, gain)
    ev = np.linalg.eigvals(gain[:, None] * w)
    top = ev[np.argmax(ev.real)]
    assert sp.exact and len(sp.eigenvalues) == n
    assert np.allclose(_sorted(sp.eigenvalues), _sorted(ev), atol=1e-10)
    assert sp.abscissa.real == pytest.approx(top.real, abs=1e-10) and sp.abscissa.imag == pytest.approx(abs(top.imag),
                                                                                                         abs=1e-10)
    assert sp.radius == pytest.approx(np.abs(ev).max(), rel=1e-10)
    assert sp.verdict == ('stable' if top.real < 1 - 1e-6 else 'unstable')
    # (S2): the bulk radius is the circular law's sqrt(||diag(gain) W||_F^2 / n); outliers lie beyond (1 + margin) of it.
    assert sp.bulk_radius == pytest.approx(np.linalg.norm(gain[:, None] * w) / np.sqrt(n), rel=1e-12)
    assert sp.outliers == int(np.sum(np.abs(ev) > 1.05 * sp.bulk_radius))
    assert len(sp.outlier_values) == min(sp.outliers, 8)
    # Without gains: the spectrum of W itself.
    plain = fp.stability_analyze(w)
    ev_w = np.linalg.eigvals(w)
    assert plain.abscissa.real == pytest.approx(ev_w.real.max(), abs=1e-10)
    assert plain.verdict == ('unstable' if ev_w.real.max() > 1 + 1e-6 else 'stable' if ev_w.real.max() < 1 - 1e-6
                             else 'marginal')
    # Arnoldi mode: Ritz values; the bulk estimate needs no eigenvalues, so it is the exact mode's.
    ritz = fp.stability_analyze(w, gain, exact_max=10)
    assert not ritz.exact and ritz.bulk_radius == sp.bulk_radius and ritz.outliers >= 0
    assert ritz.abscissa.real == pytest.approx(top.real, abs=1e-8)


def test_verdicts_of_scaled_identities():
    for scale, verdict in ((0.5, 'stable'), (1.0, 'marginal'), (1.5, 'unstable')):
        sp = fp.stability_analyze(scale * np.eye(6))
        assert sp.verdict == verdict and sp.abscissa.real == pytest.approx(scale)
    # A known outlier: a rank-one bump on a small bulk, declared bulk radius.
    n = 50
    w = 3.0 * np.ones((n, n)) / n
    sp = fp.stability_analyze(w, bulk_radius=0.5)
    assert sp.outliers == 1 and sp.outlier_values[0] == pytest.approx(3.0)


def test_census_of_a_bistable_network(rng):
    # W = 2 * ones / N, x = 0: the mean m of r follows dm/dt = -m + tanh(2 m), so runs settle on r = a 1 or
    # r = -a 1 with a = tanh(2 a), by the sign of their initial mean; both attractors are stable, with the
    # single nonzero eigenvalue of G W equal to 2 (1 - a^2).
    n, k = 6, 24
    w = 2.0 * np.ones((n, n)) / n
    r0 = rng.uniform(-1, 1, (n, k))
    a = 1.0
    for _ in range(200):
        a = np.tanh(2 * a)
    c = fp.census(w, np.zeros(n), r0)
    assert (c.runs, c.attractors, c.unsettled, c.diverged) == (k, 2, 0, 0)
    assert sum(f.basin for f in c.found) == k
    assert c.found[0].basin >= c.found[1].basin
    signs = np.sign(r0.mean(axis=0))
    for label, att in enumerate(c.found):
        runs = np.flatnonzero(c.labels == label)
        assert len(runs) == att.basin and att.column == runs[0]
        sign = signs[runs[0]]
        assert np.all(signs[runs] == sign)
        assert np.allclose(c.final[:, runs], sign * a, atol=1e-7)
        assert att.residual <= 1e-9
        assert att.spectrum.verdict == 'stable'
        assert att.spectrum.abscissa.real == pytest.approx(2 * (1 - a * a), abs=1e-6)
    # r0 is not modified; the final states are a new array.
    assert not np.allclose(r0, c.final)


def test_census_counts_unsettled_runs(rng):
    # A rotation strong enough for a limit cycle: no run settles.
    n = 2
    w = np.array([[1.0, -3.0], [3.0, 1.0]])
    c = fp.census(w, np.zeros(n), rng.uniform(-1, 1, (n, 6)), solver={'max_iter': 3000})
    assert c.runs == 6 and c.attractors == 0 and c.unsettled == 6 and c.found == []
    assert np.all(c.labels == -1)
