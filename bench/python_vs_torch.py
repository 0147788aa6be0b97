"""bench/python_vs_torch.py: fixpoint (the Python package over fixpoint.h) against PyTorch in one Python
process, on the same float32 problems, one core each, and the cost of a Python call against the C call.

1. Side by side, in the same process, timed alternately (fixpoint then PyTorch, the order swapped every
   repetition), after a warm-up:
     solve  the fixed points R = tanh(W R + X) and the gains G = f'(W R + X) by Anderson
            (memory 5, Tikhonov 1e-10 relative to the Gram matrix's scale, every column to the relative
            residual ||f(r) - r|| / max(||r||, 1e-6) <= tol): fixpoint.solve against bench/solve_torch.py's
            anderson (the PyTorch peer of the C benchmarks, reused as it is).
     step   one dW3 training step: the solve, the softmax cross-entropy of Y = W_out R against labels and its
            gradient dL/dR, dW3 (docs/THEORY.md (R3); on the PyTorch side as four matrix products, the
            batched form of bench/train_torch.py), W - lr dW3. fixpoint.solve + fixpoint.loss_xent +
            fixpoint.rule_dw + a NumPy update against the same in torch.
   W = 0.9 randn/sqrt(N), X = randn, W_out = randn/sqrt(N), labels uniform in 0..9, lr 0.1, all float32,
   drawn once per size from --seed. Both sides must reach the same fixed point (max |R - R_torch| is
   reported, with the iteration counts) and the same step (loss, max |W' - W'_torch|).
   PyTorch runs with torch.set_num_threads(1) (and its BLAS with one thread); fixpoint is single-threaded;
   the process is pinned to one CPU.
2. The overhead of a call from Python: fixpoint.solve (N = 8, 32; B = 1, 4) and fixpoint.act_apply (a 4 x 4
   tanh) in microseconds per call, against the same library calls made from C in a loop
   (bench/call_overhead.c, linked against the package's own libfixpoint.so) and through cffi directly
   (the C function called from Python with its arguments built once: the floor of any binding); the
   three are timed batch by batch in turn, so that a drift of the machine's speed reaches them alike.

Writes OUT/python.md (a section "Python: fixpoint vs PyTorch in one process") and puts it into
OUT/RESULTS.md (replacing that section, or appending it). Before measuring, and again before each case, it
waits (up to --wait seconds each time) until no compiler runs and other processes keep less than 0.2 cores
busy, and reports the load it measured under.

    make bench-python                                    # builds what it needs, writes bench/results/
    PYTHONPATH=python /usr/bin/python3 bench/python_vs_torch.py --call-overhead build/bench/call_overhead \\
        [--reps 20] [--warmup 3] [--out DIR] [--cpu K] [--quick]
Needs NumPy, cffi and torch (Debian: python3-numpy python3-cffi python3-torch) and `make python` first.
"""
import argparse
import datetime
import gc
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import cffi
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# One thread for PyTorch whatever BLAS it was built against (Debian's torch uses the system's libblas.so.3,
# OpenBLAS or BLIS, whose own thread pools torch.set_num_threads does not reach); set before torch loads.
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'BLIS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = '1'

import torch  # noqa: E402

import fixpoint as fp  # noqa: E402
from solve_torch import anderson  # noqa: E402

TITLE = '## Python: fixpoint vs PyTorch in one process'
SIZES = ((256, 64), (300, 512))
OVERHEAD_SIZES = ((8, 1), (8, 4), (32, 1), (32, 4))
LR = 0.1
CLASSES = 10


# ------------------------------------------------------------------------------------------------
# The machine and its load
# ------------------------------------------------------------------------------------------------
def cpu_model():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.processor() or 'unknown'


def cpu_flags():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('flags'):
                have = set(line.split(':', 1)[1].split())
                return ' '.join(x for x in ('fma', 'avx2', 'avx512f') if x in have)
    return ''


def torch_blas():
    """torch's BLAS and LAPACK as its build names them, and the libraries this process has loaded (a
    'generic' build uses whatever libblas.so.3 and liblapack.so.3 the system points at)."""
    named = ['%s=%s' % kv for kv in re.findall(r'\b(BLAS_INFO|LAPACK_INFO)=([^,\s]+)', torch.__config__.show())]
    torch.ones(8, 8) @ torch.ones(8, 8)  # loads the BLAS when it is loaded lazily
    loaded = set()
    with open('/proc/self/maps') as f:
        for line in f:
            path = line.split()[-1]
            base = os.path.basename(path)
            if base.startswith(('libblas', 'liblapack', 'libopenblas', 'libblis', 'libmkl')):
                loaded.add(os.path.realpath(path))
    return '%s; loaded: %s' % (', '.join(named) or 'not stated', ', '.join(sorted(loaded)) or 'none')


def compilers_running():
    """Names of compiler and linker processes (cc1, cc1plus, ld, ...) of any user."""
    names = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % pid) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in ('cc1', 'cc1plus', 'cc1obj', 'ld', 'ld.bfd', 'ld.gold', 'lto1', 'clang', 'rustc', 'nvcc'):
            names.append(comm)
    return names


def cpu_seconds():
    """(CPU seconds all processes have used, CPU seconds this process and its children have used)."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf('SC_CLK_TCK')
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system


def others_now(window=3.0):
    """Cores other processes keep busy, measured over window seconds."""
    b0, o0 = cpu_seconds()
    time.sleep(window)
    b1, o1 = cpu_seconds()
    return max((b1 - b0) - (o1 - o0), 0.0) / window


def wait_quiet(max_wait, threshold=0.2):
    """Waits until no compiler runs and other processes keep below threshold cores busy (over 3 s), at
    most max_wait seconds (0: not at all); returns (seconds waited, whether it got quiet)."""
    if max_wait <= 0:
        return 0.0, False
    t0 = time.monotonic()
    said = False
    while True:
        busy = compilers_running()
        others = others_now() if not busy else float('nan')
        if not busy and others < threshold:
            return time.monotonic() - t0, True
        if time.monotonic() - t0 >= max_wait:
            return time.monotonic() - t0, False
        if not said:
            print('python_vs_torch: waiting for a quiet machine (%s)' % (
                'running: ' + ' '.join(sorted(set(busy))) if busy else 'other processes use %.2f cores' % others),
                file=sys.stderr, flush=True)
            said = True
        time.sleep(2)


def measured(args, fn):
    """fn() after waiting for a quiet machine, run again (at most --retries times) when other processes kept
    more than 0.25 cores busy meanwhile: (fn's result, the cores other processes used while it ran)."""
    for attempt in range(args.retries + 1):
        waited, quiet = wait_quiet(args.wait)
        args.waited += waited
        args.quiet_cases += quiet if attempt == 0 else 0
        b0, o0 = cpu_seconds()
        t0 = time.monotonic()
        out = fn()
        b1, o1 = cpu_seconds()
        wall = time.monotonic() - t0
        others = max((b1 - b0) - (o1 - o0), 0.0) / wall
        if others <= 0.25 or attempt == args.retries:
            args.retried += attempt
            args.busy_wall += others * wall
            args.wall += wall
            return out, others
        print('python_vs_torch: other processes used %.2f cores meanwhile: measuring again' % others,
              file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Timing
# ------------------------------------------------------------------------------------------------
def stats(times):
    """(median, first quartile, third quartile) of a list of seconds, in milliseconds."""
    q1, med, q3 = np.percentile(np.asarray(times) * 1e3, [25, 50, 75])
    return med, q1, q3


def side_by_side(f_fp, f_torch, reps, warmup):
    """Times both callables alternately (the order swapped every repetition) after warmup calls of each;
    returns (fixpoint seconds, torch seconds, fixpoint's last result, torch's last result)."""
    for _ in range(warmup):
        out_fp = f_fp()
        out_t = f_torch()
    t_fp, t_t = [], []
    gc.collect()
    gc.disable()
    try:
        for i in range(reps):
            for which in ((0, 1) if i % 2 == 0 else (1, 0)):
                t0 = time.perf_counter()
                if which == 0:
                    out_fp = f_fp()
                    t_fp.append(time.perf_counter() - t0)
                else:
                    out_t = f_torch()
                    t_t.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return t_fp, t_t, out_fp, out_t


def interleaved_us(batch_fns, batches):
    """Microseconds per call of several measurements taken batch by batch in turn (the order rotated every
    batch), so that a drift of the machine's speed reaches them alike. Each of batch_fns times one batch
    and returns its microseconds per call; returns an array of the batches' figures per function."""
    times = [[] for _ in batch_fns]
    gc.collect()
    gc.disable()
    try:
        for k in range(batches):
            for j in range(len(batch_fns)):
                i = (j + k) % len(batch_fns)
                times[i].append(batch_fns[i]())
    finally:
        gc.enable()
    return [np.asarray(t) for t in times]


def quartiles(t):
    """(median, first quartile, third quartile)."""
    return tuple(np.percentile(t, [50, 25, 75]))


def py_batch(f, reps):
    """A batch function for interleaved_us: reps calls of f, timed."""
    def run():
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        return 1e6 * (time.perf_counter() - t0) / reps
    return run


def c_batch(cmd, seen):
    """A batch function for interleaved_us: one batch in the C program (its own timing; the process start is
    not in it); its last output line goes to seen."""
    def run():
        seen.clear()
        seen.update(c_line(cmd))
        return float(seen['us_median'])
    return run


def calibrate(f, target=0.02):
    """Calls per batch so that a batch of f takes about target seconds."""
    f()
    n, t = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        t = time.perf_counter() - t0
        if t >= target / 4 or n >= 1 << 22:
            return max(1, int(n * target / max(t, 1e-9)))
        n *= 4


# ------------------------------------------------------------------------------------------------
# 1. fixpoint against PyTorch
# ------------------------------------------------------------------------------------------------
def problem(n, b, seed):
    rng = np.random.default_rng([seed, n, b])
    w = (0.9 * rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    x = rng.standard_normal((n, b)).astype(np.float32)
    wout = (rng.standard_normal((CLASSES, n)) / np.sqrt(n)).astype(np.float32)
    labels = rng.integers(0, CLASSES, b).astype(np.intc)
    return w, x, wout, labels


def make_cases(n, b, tol, seed):
    """The four callables (fixpoint and torch, solve and step) on one problem."""
    w, x, wout, labels = problem(n, b, seed)
    tw, tx, twout = (torch.from_numpy(a.copy()) for a in (w, x, wout))
    tlab = torch.from_numpy(labels.astype(np.int64))
    cols = torch.arange(b)
    lr32 = np.float32(LR)

    def fp_solve():
        s = fp.solve(w, x, tol=tol)
        return s.r, s.g, s.report.iterations

    def torch_solve():
        with torch.no_grad():
            r, its = anderson(lambda r: torch.tanh(tw @ r + tx), torch.zeros(n, b), tol)
            g = 1 - torch.tanh(tw @ r + tx) ** 2
        return r, g, its

    def fp_step():
        s = fp.solve(w, x, tol=tol)
        loss = fp.loss_xent(wout, s.r, labels)
        dw = fp.rule_dw(w, s.r, s.g, loss.dr, rule='dW3')
        return w - lr32 * dw, loss.loss, s.report.iterations, s.r

    def torch_step():
        with torch.no_grad():
            r, its = anderson(lambda r: torch.tanh(tw @ r + tx), torch.zeros(n, b), tol)
            p = torch.softmax(twout @ r, dim=0)
            loss = float(-torch.log(p[tlab, cols]).mean())
            dy = p.clone()
            dy[tlab, cols] -= 1
            dy /= b
            gr = twout.T @ dy                                   # dL/dR
            g = 1 - torch.tanh(tw @ r + tx) ** 2                # the gains
            pg = g * gr                                         # dW3 = [(I - W G) G gr] [(I - G W)^T (I - G W) r]^T
            left = pg - tw @ (g * pg)
            s = r - g * (tw @ r)
            right = s - tw.T @ (g * s)
            dw = left @ right.T
        return tw - LR * dw, loss, its, r

    return fp_solve, torch_solve, fp_step, torch_step


def run_side_by_side(args):
    rows = []
    for n, b in SIZES:
        fp_solve, torch_solve, fp_step, torch_step = make_cases(n, b, args.tol, args.seed)
        for what, f_fp, f_t in (('solve', fp_solve, torch_solve), ('dW3 step', fp_step, torch_step)):
            (t_fp, t_t, o_fp, o_t), others = measured(
                args, lambda: side_by_side(f_fp, f_t, args.reps, args.warmup))
            row = dict(what=what, n=n, b=b, fp=stats(t_fp), torch=stats(t_t), others=others)
            if what == 'solve':
                row['its'] = (o_fp[2], o_t[2])
                row['diff_r'] = float(np.max(np.abs(o_fp[0] - o_t[0].numpy())))
                row['diff_g'] = float(np.max(np.abs(o_fp[1] - o_t[1].numpy())))
            else:
                row['its'] = (o_fp[2], o_t[2])
                row['diff_r'] = float(np.max(np.abs(o_fp[3] - o_t[3].numpy())))
                row['loss'] = (o_fp[1], o_t[1])
                row['diff_w'] = float(np.max(np.abs(o_fp[0] - o_t[0].numpy())))
            rows.append(row)
            print('%-9s N=%-4d B=%-4d fixpoint %8.3f ms  torch %8.3f ms  torch/fixpoint %5.2f  iterations %d/%d  '
                  'max|dR| %.1e  others %.2f' % (what, n, b, row['fp'][0], row['torch'][0],
                                                 row['torch'][0] / row['fp'][0], row['its'][0], row['its'][1],
                                                 row['diff_r'], others), file=sys.stderr, flush=True)
    return rows


# ------------------------------------------------------------------------------------------------
# 2. The overhead of a Python call
# ------------------------------------------------------------------------------------------------
def c_line(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    return {k: v for k, v in (t.split('=', 1) for t in out if '=' in t)}


def run_overhead(args):
    ffi, lib, view = fp.ffi, fp.lib, fp.view
    act = ffi.new('fp_activation *')
    act.kind = lib.FP_ACT_TANH
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, b in OVERHEAD_SIZES:
            rng = np.random.default_rng([args.seed, n, b, 1])
            w = (0.9 * rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
            x = rng.standard_normal((n, b)).astype(np.float32)
            path = os.path.join(tmp, 'problem-%d-%d.bin' % (n, b))
            with open(path, 'wb') as f:  # bench/solve's problem format: int32 N, B; W, X, Delta (float32)
                np.array([n, b], np.int32).tofile(f)
                for a in (w, x, np.zeros((n, b), np.float32)):
                    a.tofile(f)
            # cffi alone: the call with its arguments built once, as the C loop makes it
            cfg = ffi.new('fp_solver_config *')
            cfg.tol = args.tol
            r = np.zeros((n, b), np.float32)
            g = np.zeros((n, b), np.float32)
            keep = (np.zeros(b, np.intc), np.zeros(b), np.zeros(1000))
            rep = ffi.new('fp_solve_report *')
            rep.col_iterations = ffi.cast('int *', keep[0].ctypes.data)
            rep.col_residual = ffi.cast('double *', keep[1].ctypes.data)
            rep.history = ffi.cast('double *', keep[2].ctypes.data)
            vw, vx = view(w, 'W', 'bench')[0], view(x, 'X', 'bench')[0]
            vr, vg = view(r, 'R', 'bench', True)[0], view(g, 'G', 'bench', True)[0]
            solve_f32 = lib.fp_solve_f32

            def py():
                return fp.solve(w, x, tol=args.tol)

            def raw():
                return solve_f32(cfg, act, vw, vx, vr, vg, rep, ffi.NULL)

            def measure(py=py, raw=raw, path=path):
                reps, seen = calibrate(py), {}
                cmd = [args.call_overhead, 'solve', path, str(reps), '1', repr(args.tol)]
                return (reps,) + tuple(interleaved_us([py_batch(py, reps), py_batch(raw, reps), c_batch(cmd, seen)],
                                                      args.batches)) + (seen,)

            s = py()
            assert raw() == 0
            (reps, py_t, raw_t, c_t, c), others = measured(args, measure)
            same = (int(c['iterations']) == s.report.iterations and rep.iterations == s.report.iterations
                    and abs(float(c['sumR']) - float(s.r.sum(dtype=np.float64))) <= 1e-5 * (1 + abs(float(c['sumR']))))
            rows.append(dict(call='fixpoint.solve', n=n, b=b, py=quartiles(py_t), raw=quartiles(raw_t),
                             c=quartiles(c_t), diff=quartiles(py_t - c_t), its=s.report.iterations, same=same,
                             reps=reps, others=others))
        z = (0.1 * np.arange(16) - 0.8).astype(np.float32).reshape(4, 4)
        r = np.zeros((4, 4), np.float32)
        g = np.zeros((4, 4), np.float32)
        vz, vr, vg = view(z, 'Z', 'bench')[0], view(r, 'R', 'bench', True)[0], view(g, 'G', 'bench', True)[0]
        act_f32 = lib.fp_act_apply_f32

        def py():
            return fp.act_apply(z)

        def raw():
            return act_f32(act, vz, vr, vg)

        def measure():
            reps, seen = calibrate(py), {}
            cmd = [args.call_overhead, 'act', '4', '4', str(reps), '1']
            return (reps,) + tuple(interleaved_us([py_batch(py, reps), py_batch(raw, reps), c_batch(cmd, seen)],
                                                  args.batches)) + (seen,)

        r_py = py()[0]
        assert raw() == 0
        (reps, py_t, raw_t, c_t, c), others = measured(args, measure)
        rows.append(dict(call='fixpoint.act_apply', n=4, b=4, py=quartiles(py_t), raw=quartiles(raw_t),
                         c=quartiles(c_t), diff=quartiles(py_t - c_t), its=None,
                         same=abs(float(c['r0']) - float(r_py[0, 0])) <= 1e-7, reps=reps, others=others))
    for row in rows:
        print('%-18s %2dx%-2d python %7.2f us  cffi %6.2f us  C %6.2f us' % (
            row['call'], row['n'], row['b'], row['py'][0], row['raw'][0], row['c'][0]), file=sys.stderr, flush=True)
    return rows


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------
def fmt_ms(s):
    med, q1, q3 = s
    return '%.2f [%.2f - %.2f]' % (med, q1, q3) if med < 100 else '%.1f [%.1f - %.1f]' % (med, q1, q3)


def fmt_us(s):
    med, q1, q3 = s
    return '%.2f [%.2f - %.2f]' % (med, q1, q3)


def markdown(args, machine, rows, over):
    out = [TITLE, '',
           'Generated by `make bench-python` (bench/python_vs_torch.py; its docstring defines every case). One Python '
           'process, float32, tanh; PyTorch at 1 thread (torch.set_num_threads(1)), fixpoint single-threaded, the '
           'process pinned to one CPU.', '',
           '```']
    out += ['%s: %s' % kv for kv in machine]
    out += ['```', '',
            '### fixpoint against PyTorch',
            '',
            'Milliseconds per call: median [first - third quartile] over %d repetitions of each side, timed '
            'alternately after %d warm-up calls. *solve*: Anderson (memory 5) to the relative residual %g per column, '
            'returning R and G; PyTorch: bench/solve_torch.py\'s anderson. *dW3 step*: the solve, softmax '
            'cross-entropy through a fixed W_out (10 x N) and its gradient dL/dR, dW3 (PyTorch: four matrix '
            'products), W - %g dW3. W = 0.9 randn/sqrt(N), X = randn. *iterations*: Anderson iterations of the '
            'slowest column, fixpoint / PyTorch. *max abs diff*: between the two sides\' fixed points R (and for '
            'the step the updated W and the losses). *others*: cores other processes kept busy while the case '
            'ran.' % (args.reps, args.warmup, args.tol, LR), '',
            '| case | N | B | fixpoint ms | PyTorch ms | PyTorch / fixpoint | iterations | max abs diff R '
            '| agreement | others |',
            '|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        if r['what'] == 'solve':
            agree = 'max abs diff G %.1e' % r['diff_g']
        else:
            agree = 'loss %.6f / %.6f, max abs diff W %.1e' % (r['loss'][0], r['loss'][1], r['diff_w'])
        out.append('| %s | %d | %d | %s | %s | %.2fx | %d / %d | %.1e | %s | %.2f |' % (
            r['what'], r['n'], r['b'], fmt_ms(r['fp']), fmt_ms(r['torch']), r['torch'][0] / r['fp'][0],
            r['its'][0], r['its'][1], r['diff_r'], agree, r['others']))
    out += ['', '### The overhead of a Python call', '',
            'Microseconds per call: median [first - third quartile] over %d batches of each (each of as many calls '
            'as take Python about 20 ms), the three kinds timed batch by batch in turn. *Python*: the package\'s '
            'function (argument checks, output arrays, the report, the call, the status). *cffi only*: the same C '
            'function called from Python with its arguments built once. '
            '*C*: the same call in a C loop (bench/call_overhead.c, linked against the package\'s libfixpoint.so; '
            'for the solve, a report with per-column arrays and no workspace, as fixpoint.solve passes). '
            '*same result*: iterations and sum(R) (act_apply: R[0, 0]) equal in C and Python. Solve: tol %g, '
            'W = 0.9 randn/sqrt(N), X = randn. *Python - C*: per batch, Python\'s figure less the C batch timed '
            'beside it; median [quartiles] of these. *Python / C*: of the medians. *others*: as '
            'above.' % (args.batches, args.tol), '',
            '| call | N | B | Python us | cffi only us | C us | Python - C us | Python / C | iterations '
            '| same result | others |',
            '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in over:
        out.append('| %s | %d | %d | %s | %s | %s | %s | %.1fx | %s | %s | %.2f |' % (
            r['call'], r['n'], r['b'], fmt_us(r['py']), fmt_us(r['raw']), fmt_us(r['c']), fmt_us(r['diff']),
            r['py'][0] / r['c'][0], r['its'] if r['its'] is not None else '-', 'yes' if r['same'] else 'NO',
            r['others']))
    return '\n'.join(out) + '\n'


def splice(results, section):
    """Replaces the section (from its title to the next '## ' heading) in results, or appends it."""
    text = open(results).read() if os.path.exists(results) else ''
    lines = text.split('\n')
    try:
        start = lines.index(TITLE)
    except ValueError:
        new = text.rstrip('\n') + ('\n\n' if text.strip() else '') + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('## ')), len(lines))
        tail = '\n'.join(lines[end:])
        new = '\n'.join(lines[:start]) + '\n' + section + ('\n' + tail if tail.strip() else '')
    with open(results, 'w') as f:
        f.write(new)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--call-overhead', required=True, metavar='PROGRAM', help='bench/call_overhead.c built')
    p.add_argument('--reps', type=int, default=20, help='timed repetitions per side and case [20]')
    p.add_argument('--warmup', type=int, default=3, help='warm-up calls per side and case [3]')
    p.add_argument('--batches', type=int, default=21, help='batches per call-overhead case [21]')
    p.add_argument('--tol', type=float, default=1e-5, help='relative residual of every solve [1e-5]')
    p.add_argument('--seed', type=int, default=1, help='the problems\' seed [1]')
    p.add_argument('--cpu', type=int, default=None, help='the CPU to pin to [the last one allowed; -1: no pinning]')
    p.add_argument('--wait', type=float, default=900, help='seconds to wait at most for a quiet machine, before each '
                   'case [900]')
    p.add_argument('--retries', type=int, default=3, help='measurements again of a case that other processes '
                   'disturbed [3]')
    p.add_argument('--out', default=os.path.join(HERE, 'results'),
                   help='folder for python.md and RESULTS.md [bench/results]')
    p.add_argument('--quick', action='store_true', help='a smoke test: 3 repetitions, 1 warm-up, 5 batches, no wait '
                   'and no retries')
    args = p.parse_args()
    if args.quick:
        args.reps, args.warmup, args.batches, args.wait, args.retries = 3, 1, 5, 0, 0
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    if cpu >= 0:
        os.sched_setaffinity(0, {cpu})
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    load0 = os.getloadavg()
    args.waited, args.quiet_cases, args.retried, args.busy_wall, args.wall = 0.0, 0, 0, 0.0, 0.0
    t0 = time.monotonic()
    rows = run_side_by_side(args)
    over = run_overhead(args)
    other_cores, load1 = args.busy_wall / max(args.wall, 1e-9), os.getloadavg()
    cc = subprocess.run(['cc', '--version'], capture_output=True, text=True).stdout.split('\n')[0] or 'cc'
    machine = [
        ('cpu', '%s; %d cores; %s' % (cpu_model(), os.cpu_count(), cpu_flags())),
        ('python', '%s; numpy %s; cffi %s' % (platform.python_version(), np.__version__, cffi.__version__)),
        ('torch', '%s, %d thread, %s' % (torch.__version__, torch.get_num_threads(), torch_blas())),
        ('fixpoint', '%s, %s kernels, libfixpoint.so by %s -O2 (make python)' % (fp.__version__, fp.isa_current(), cc)),
        ('pinned', 'CPU %d' % cpu if cpu >= 0 else 'no'),
        ('load', '1-min load average %.2f before, %.2f after (this run adds about 1); %s; %d measured again because '
                 'other processes took more than 0.25 cores meanwhile; other processes used %.2f cores on average '
                 'while the kept measurements ran (column *others* per case)' % (
                     load0[0], load1[0], '%d of %d cases began on a quiet machine (no compiler, other processes below '
                     '0.2 cores; %.0f s of waiting in all)' % (args.quiet_cases, 2 * len(SIZES) + len(OVERHEAD_SIZES)
                                                               + 1, args.waited)
                     if args.wait > 0 else 'no wait for a quiet machine (--wait 0)', args.retried, other_cores)),
        ('date', '%s; %.0f s' % (datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%MZ'),
                                 time.monotonic() - t0)),
        ('command', 'make bench-python (PYTHONPATH=python %s bench/python_vs_torch.py%s)' % (
            sys.executable, ''.join(' ' + a for a in sys.argv[1:]))),
    ]
    section = markdown(args, machine, rows, over)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'python.md'), 'w') as f:
        f.write(section)
    splice(os.path.join(args.out, 'RESULTS.md'), section)
    print(section)
    print('wrote %s and updated %s' % (os.path.join(args.out, 'python.md'), os.path.join(args.out, 'RESULTS.md')),
          file=sys.stderr)


if __name__ == '__main__':
    main()
