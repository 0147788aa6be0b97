"""Shared fixtures of the fixpoint package's tests.

The package is imported from python/ beside this folder (so `python3 -m pytest python/tests` works from the
repository root without PYTHONPATH, after `make python`). Helpers here build small problems and compile C
programs against the header for the comparisons with the C library.
"""
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
REPO = os.path.dirname(PYDIR)
DATA = os.path.join(REPO, 'data')
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)

import fixpoint  # noqa: E402


def pytest_report_header(config):
    return 'fixpoint %s from %s, kernels %s' % (fixpoint.__version__, os.path.dirname(fixpoint.__file__),
                                               fixpoint.isa_current())


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


def random_problem(rng, n, b, scale=0.5, dtype=np.float64):
    """W with spectral radius about scale (a contracting tanh network) and inputs X."""
    w = scale * rng.standard_normal((n, n)) / math.sqrt(n)
    x = rng.standard_normal((n, b))
    return w.astype(dtype), x.astype(dtype)


def same_float(a, b):
    """Equal as numbers, NaN equal to NaN (for records whose fields may be NaN)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def records_equal(a, b):
    """Two lists of records (namedtuples) with equal fields, NaN equal to NaN."""
    return len(a) == len(b) and all(type(p) is type(q) and all(same_float(u, v) if isinstance(u, float) else u == v
                                                               for u, v in zip(p, q)) for p, q in zip(a, b))


def bits_equal(a, b):
    """Two arrays with the same dtype, shape and bytes."""
    a = np.asarray(a)
    b = np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.ascontiguousarray(a).tobytes() == \
        np.ascontiguousarray(b).tobytes()


def subprocess_env():
    """The environment of a child interpreter that imports this fixpoint package."""
    env = dict(os.environ)
    env['PYTHONPATH'] = PYDIR + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    return env


@pytest.fixture(scope='session')
def cc():
    """The C compiler, or a skip when there is none."""
    comp = os.environ.get('CC', 'cc')
    if shutil.which(comp) is None:
        pytest.skip('no C compiler (%s) on PATH: the comparison with the C library needs one' % comp)
    return comp


@pytest.fixture(scope='session')
def compile_c(cc, tmp_path_factory):
    """compile_c(source, name) -> the path of the program built from source against fixpoint.h with
    `cc -O2 -std=c99 -I<repo> prog.c -lm`."""

    def build(source, name='prog'):
        d = tmp_path_factory.mktemp(name)
        src = d / (name + '.c')
        src.write_text(source)
        exe = d / name
        p = subprocess.run([cc, '-O2', '-std=c99', '-I' + REPO, str(src), '-o', str(exe), '-lm'],
                           capture_output=True, text=True)
        assert p.returncode == 0, 'compiling %s failed:\n%s' % (src, p.stderr)
        return str(exe)

    return build
