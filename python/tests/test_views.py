"""Arrays reach the library as views, whatever their layout, and the layout never changes a result.

Every array-taking function is called with its inputs C-ordered (the reference), Fortran-ordered,
transposed, sliced, as a block of a larger array, read-only, reversed, unaligned and broadcast, in float32
and float64: the results must be bit for bit those of the C-ordered call, and the inputs must come back
unmodified. Mappable layouts must be passed without a copy; the others are copied.

One exception is the library's, not the package's: a matrix-vector product with a column-major matrix
runs as axpys instead of dot products (fp_gemv_*), so a solve whose last active column goes through it
rounds differently with a column-major W. There the result must be bit for bit that of an independent
column-major copy of W (np.asfortranarray), and within a few ulps of the C-ordered one.
"""
import numpy as np
import pytest

import fixpoint as fp
from fixpoint import _core
from conftest import bits_equal, random_problem

DTYPES = [np.float32, np.float64]


def _unaligned(a):
    buf = bytearray(a.nbytes + 1)
    u = np.frombuffer(buf, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    u[...] = a
    assert not u.flags.aligned
    return u


def _readonly(a):
    c = a.copy()
    c.flags.writeable = False
    return c


def _embed(a, rows, cols, r0, c0, rstep, cstep):
    big = np.full((rows, cols), 1e30, a.dtype)  # a value that would show if the wrong elements were read
    sl = (slice(r0, r0 + rstep * a.shape[0], rstep), slice(c0, c0 + cstep * a.shape[1], cstep))
    big[sl] = a
    return big[sl]


# name -> (transform of a 2-D array to another layout of the same values, whether the library can take it
# without a copy)
LAYOUTS = {
    'fortran': (lambda a: np.asfortranarray(a), True),
    'transposed': (lambda a: np.ascontiguousarray(a.T).T, True),
    'cols_step2': (lambda a: _embed(a, a.shape[0], 2 * a.shape[1] + 1, 0, 1, 1, 2), True),
    'rows_step3': (lambda a: _embed(a, 3 * a.shape[0] + 2, a.shape[1], 1, 0, 3, 1), True),
    'block': (lambda a: _embed(a, a.shape[0] + 5, a.shape[1] + 7, 2, 3, 1, 1), True),
    'transposed_block': (lambda a: _embed(np.ascontiguousarray(a.T), a.shape[1] + 3, a.shape[0] + 4, 1, 2, 1, 1).T,
                         True),
    'readonly': (_readonly, True),
    'reversed': (lambda a: a[::-1, ::-1].copy()[::-1, ::-1], False),
    'reversed_cols': (lambda a: a[:, ::-1].copy()[:, ::-1], False),
    'unaligned': (_unaligned, False),
}


def _problem(dt, rng):
    n, b, k = 13, 6, 4
    w, x = random_problem(rng, n, b, 0.7)
    sol = fp.solve(w, x, tol=1e-10)
    r, g = sol.r, sol.g
    delta = rng.standard_normal((n, b)) / b
    t = rng.standard_normal((n, b))
    wout = rng.standard_normal((k, n)) / np.sqrt(n)
    labels = rng.integers(0, k, b)
    r0 = rng.uniform(-1, 1, (n, 9))
    x1 = 0.3 * rng.standard_normal((n, 1))
    arrays = dict(w=w, x=x, r=r, g=g, delta=delta, t=t, wout=wout, r0=r0, x1=x1, gain=g[:, :1])
    return {k_: np.ascontiguousarray(v, dt) for k_, v in arrays.items()}, labels


# name -> (the inputs it takes, a call returning a tuple of arrays and numbers)
WRGD = ('w', 'r', 'g', 'delta')
CASES = {
    'solve': (('w', 'x'), lambda a, lab: fp.solve(a['w'], a['x'])[:2]),
    'solve_warm': (('w', 'x', 'r'), lambda a, lab: fp.solve(a['w'], a['x'], r0=a['r'], method='euler')[:2]),
    'implicit_grad': (WRGD, lambda a, lab: fp.implicit_grad(a['w'], a['r'], a['g'], a['delta'])[:2]),
    'rule_dW3': (WRGD, lambda a, lab: (fp.rule_dw(a['w'], a['r'], a['g'], a['delta']),)),
    'rule_dW1': (WRGD, lambda a, lab: (fp.rule_dw(a['w'], a['r'], a['g'], a['delta'], 'dW1'),)),
    'rule_dW2': (WRGD, lambda a, lab: (fp.rule_dw(a['w'], a['r'], a['g'], a['delta'], 'dW2', 0.3),)),
    'act_apply': (('x',), lambda a, lab: fp.act_apply(a['x'], 'softplus')),
    'loss_mse': (('r', 't'), lambda a, lab: fp.loss_mse(a['r'], a['t'])[:2]),
    'loss_xent': (('wout', 'r'), lambda a, lab: fp.loss_xent(a['wout'], a['r'], lab)),
    'eig': (('w',), lambda a, lab: (fp.eig(a['w']),)),
    'stability': (('w', 'g'), lambda a, lab: (fp.stability(a['w'], a['g'], exact_max=100),)),
    'stability_analyze': (('w', 'gain'), lambda a, lab: (fp.stability_analyze(a['w'], a['gain']).eigenvalues,)),
    'census': (('w', 'x1', 'r0'), lambda a, lab: fp.census(a['w'], a['x1'], a['r0'])[5:]),
}


# (case, input): the calls whose result depends on that input being column-major (see above).
COLUMN_MAJOR_SENSITIVE = {('solve', 'w'), ('census', 'w')}


def _column_major(a):
    return a.ndim == 2 and a.shape[0] > 1 and a.shape[1] > 1 and abs(a.strides[0]) < abs(a.strides[1])


def _flatten(out):
    res = []
    for o in out:
        res.append(o if isinstance(o, np.ndarray) else np.array(o))
    return res


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
@pytest.mark.parametrize('case', sorted(CASES))
@pytest.mark.parametrize('dt', DTYPES, ids=['f32', 'f64'])
def test_layout_gives_the_same_bits(case, layout, dt, rng):
    arrays, labels = _problem(dt, rng)
    names, call = CASES[case]
    ref = _flatten(call(arrays, labels))
    transform, _ = LAYOUTS[layout]
    given = dict(arrays)
    for name in names:
        given[name] = transform(arrays[name])
        assert np.array_equal(given[name], arrays[name])
    before = {name: given[name].copy() for name in names}
    got = _flatten(call(given, labels))
    assert len(got) == len(ref)
    sensitive = [name for name in names if (case, name) in COLUMN_MAJOR_SENSITIVE and _column_major(given[name])]
    if sensitive:
        near = ref
        ref = _flatten(call(dict(arrays, **{name: np.asfortranarray(arrays[name]) for name in sensitive}), labels))
        eps = np.finfo(dt).eps
        for a, b in zip(got, near):
            if a.dtype.kind == 'f':
                assert np.allclose(a, b, rtol=16 * eps, atol=16 * eps)
    for a, b in zip(got, ref):
        assert bits_equal(a, b), '%s with %s inputs differs from the reference call' % (case, layout)
    for name in names:
        assert bits_equal(given[name], before[name]), '%s modified its input %s' % (case, name)
    # Results are in the working precision (the eigenvalue routines answer in complex double).
    for a in got:
        if a.dtype.kind == 'f' and a.ndim == 2:
            assert a.dtype == dt


@pytest.mark.parametrize('dt', DTYPES, ids=['f32', 'f64'])
def test_broadcast_inputs_are_copied_and_agree(dt, rng):
    n, b = 11, 5
    w, x = random_problem(rng, n, b)
    w = w.astype(dt)
    col = x[:, :1].astype(dt)
    xb = np.broadcast_to(col, (n, b))
    assert xb.strides[1] == 0
    got = fp.solve(w, xb)
    ref = fp.solve(w, np.ascontiguousarray(xb))
    assert bits_equal(got.r, ref.r) and bits_equal(got.g, ref.g)
    # Every column is the same problem.
    assert np.allclose(got.r, got.r[:, :1], rtol=0, atol=1e-5 if dt == np.float32 else 1e-12)
    row = rng.standard_normal(n).astype(dt) * 0.1
    wb = np.broadcast_to(row, (n, n))
    g1 = fp.rule_dw(wb, ref.r, ref.g, xb)
    g2 = fp.rule_dw(np.ascontiguousarray(wb), ref.r, ref.g, np.ascontiguousarray(xb))
    assert bits_equal(g1, g2)
    assert np.array_equal(col[:, 0], xb[:, 3])


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
@pytest.mark.parametrize('dt', DTYPES, ids=['f32', 'f64'])
def test_mappable_layouts_are_not_copied(layout, dt, rng):
    transform, mappable = LAYOUTS[layout]
    a = transform(rng.standard_normal((7, 5)).astype(dt))
    m, arr = _core.view(a, 'A', 'test')
    assert (m.rows, m.cols) == a.shape
    if mappable:
        assert arr is a
        assert int(_core.ffi.cast('uintptr_t', m.data)) == a.ctypes.data
        assert (m.rs, m.cs) == tuple(s // a.itemsize for s in a.strides)
    else:
        assert arr is not a and arr.flags.c_contiguous and np.array_equal(arr, a)
        assert (m.rs, m.cs) == (a.shape[1], 1)
        assert int(_core.ffi.cast('uintptr_t', m.data)) == arr.ctypes.data
    # Element (i, j) of the view is data[i*rs + j*cs].
    p = _core.ffi.cast('double *' if dt == np.float64 else 'float *', m.data)
    for i, j in ((0, 0), (6, 4), (3, 1)):
        assert p[i * m.rs + j * m.cs] == a[i, j]


def test_unmappable_outputs_are_refused(rng):
    out = np.zeros((4, 3))[:, ::-1]
    with pytest.raises(fp.UsageError, match=r'\bR\b.*cannot be written'):
        _core.view(out, 'R', 'test', writable=True)


def test_working_precision_follows_the_inputs(rng):
    w, x = random_problem(rng, 6, 3)
    w32, x32 = w.astype(np.float32), x.astype(np.float32)
    assert fp.solve(w32, x32).r.dtype == np.float32
    assert fp.solve(w32, x).r.dtype == np.float64          # mixed: double
    assert fp.solve(w32, x32, dtype=np.float64).r.dtype == np.float64
    assert fp.solve(w, x, dtype='float32').r.dtype == np.float32
    # Integers, lists and big-endian arrays are converted, never reinterpreted.
    wi = np.zeros((6, 6), np.int64)
    xi = np.arange(18, dtype=np.int32).reshape(6, 3) % 3 - 1
    assert bits_equal(fp.solve(wi, xi).r, np.tanh(xi.astype(np.float64)))
    assert bits_equal(fp.solve(w.tolist(), x.tolist()).r, fp.solve(w, x).r)
    assert bits_equal(fp.solve(w.astype('>f8'), x.astype('>f8')).r, fp.solve(w, x).r)


def test_vectors_come_back_as_vectors(rng):
    w, x = random_problem(rng, 8, 1)
    s = fp.solve(w, x[:, 0])
    assert s.r.shape == (8,) and s.g.shape == (8,)
    assert bits_equal(s.r, fp.solve(w, x).r[:, 0])
