"""compare_rules.py - examples/compare_rules.c from Python: train the same recurrent network with each
learning rule (dW1, dW2, dW3, dW4 of Zhu & Rosenbaum) over a set of learning rates, print a progress line
per epoch, write a CSV of every step and a gnuplot data file, end with a summary table, and draw the loss
and accuracy curves with matplotlib when it is installed (OUT/compare_rules.png; skipped otherwise).

The same engine with the same settings and seeds as the C program, so its table's numbers are the C
program's (the seconds aside). From the repository root, after `make python`:

    PYTHONPATH=python python3 python/examples/compare_rules.py              # embedded Fashion-MNIST subset
    PYTHONPATH=python python3 python/examples/compare_rules.py --epochs 1 --rules 3 --out build/py
    PYTHONPATH=python python3 python/examples/compare_rules.py --help       # every option with its default

Model: r = tanh(W r + W_in u), y = W_out r; W_in, W_out frozen, only W learns (the paper's setting), plain
SGD, loss = softmax cross-entropy.
"""
import argparse
import math
import os
import sys
import time

import numpy as np

import fixpoint as fp

PROG = 'compare_rules'

# The learning rates tried per rule (times --lr-scale): three around each rule's best on the default
# problem, so the comparison shows each rule at its best and at its edges (the C program's table).
RULE_LRS = {1: (0.25, 0.5, 1.0), 2: (0.5, 1.0, 2.0), 3: (0.5, 1.0, 2.0), 4: (0.25, 0.5, 1.0)}
SOLVERS = ('anderson', 'euler', 'damped', 'newton')

# The namings of the four IDX files accepted, in the order tried: the subset shipped in data/, then the
# standard names of the full dataset (gunzipped; `make data-full` writes them to build/fashion-mnist).
NAMINGS = (
    (('fashion-train-images.idx', 'fashion-train-labels.idx', 'fashion-test-images.idx', 'fashion-test-labels.idx'),
     'the embedded subset'),
    (('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
     'the standard names'),
)


def fail(message, status=1):
    print('%s: %s' % (PROG, message), file=sys.stderr)
    sys.exit(status)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog='compare_rules.py',
        description='Trains one recurrent network r = tanh(W r + W_in u) (read-in and read-out frozen, plain SGD on '
                    'W) with each learning rule dW1..dW4 at three learning rates each on Fashion-MNIST; prints a '
                    'line per epoch and a summary table, writes a CSV of every step, a gnuplot data file '
                    '(examples/compare_rules.gp draws it) and, with matplotlib, OUT/compare_rules.png. Progress '
                    'lines with the time left go to stderr.')
    p.add_argument('--data', metavar='DIR', help='folder with the IDX files [searched: $FIXPOINT_DATA, then data/ '
                   'under the working directory, then the repository\'s data/]')
    p.add_argument('--train', type=int, default=0, metavar='K', help='use the first K training images [0: all]')
    p.add_argument('--test', type=int, default=0, metavar='K', help='use the first K test images [0: all]')
    p.add_argument('--n', type=int, default=100, metavar='N', help='recurrent units, 1 to 100000 [100]')
    p.add_argument('--epochs', type=int, default=3, metavar='E', help='epochs per run [3]')
    p.add_argument('--batch', type=int, default=256, metavar='B', help='batch size [256]')
    p.add_argument('--rules', default='1234', metavar='LIST', help='rules to run, digits from 1234 [1234]')
    p.add_argument('--lr-scale', type=float, default=1.0, metavar='S', help='multiplies every learning rate, S > 0 [1]')
    p.add_argument('--solver', default='anderson', choices=SOLVERS, help='fixed-point solver [anderson]')
    p.add_argument('--seed', type=int, default=1, metavar='S', help='initial weights and shuffling, 0 to 2^64-1 [1]')
    p.add_argument('--out', default='build', metavar='DIR', help='output folder, created if missing [build]')
    p.add_argument('--csv', metavar='FILE', help='the per-step CSV [DIR/compare_rules.csv]')
    p.add_argument('--plot', metavar='FILE', help='the gnuplot data [DIR/compare_rules.dat]')
    p.add_argument('--quiet', action='store_true', help='no progress lines')
    a = p.parse_args(argv)
    checks = ((a.train >= 0, '--train: %d is out of range (0 and up)' % a.train),
              (a.test >= 0, '--test: %d is out of range (0 and up)' % a.test),
              (1 <= a.n <= 100000, '--n: %d is out of range (1 to 100000)' % a.n),
              (1 <= a.epochs <= 1000000, '--epochs: %d is out of range (1 to 1000000)' % a.epochs),
              (a.batch >= 1, '--batch: %d is out of range (1 and up)' % a.batch),
              (a.rules != '' and all(c in '1234' for c in a.rules) and len(set(a.rules)) == len(a.rules),
               '--rules: \'%s\' is not a set of rules (digits from 1234, each once)' % a.rules),
              (math.isfinite(a.lr_scale) and 0 < a.lr_scale <= 1e6, '--lr-scale: %g is out of range (above 0, at '
               'most 1e+06)' % a.lr_scale),
              (0 <= a.seed < 2 ** 64, '--seed: %d is out of range (0 to 2^64-1)' % a.seed),
              (not a.out.endswith('.csv'), '--out: takes a folder, not a file such as %s (that is --csv FILE)' % a.out))
    for ok, message in checks:
        if not ok:
            p.error(message)
    return a


def naming_in(folder):
    """The naming whose four files are all in folder, or None."""
    for names, what in NAMINGS:
        if all(os.path.isfile(os.path.join(folder, f)) for f in names):
            return names, what
    return None


def find_data(opt_dir):
    """(folder, file names, what): --data alone when given, else $FIXPOINT_DATA alone when set, else data/
    under the working directory, then the repository's data/ (two folders above this script)."""
    here = os.path.dirname(os.path.abspath(__file__))
    given = opt_dir or os.environ.get('FIXPOINT_DATA')
    candidates = [given] if given else ['data', os.path.join(here, '..', '..', 'data')]
    for folder in candidates:
        found = naming_in(folder)
        if found:
            return (folder,) + found
    if given:
        fail('%s%s: no IDX data set there: it needs either %s (%s) or %s (%s); `make data-full` writes the full set '
             'to build/fashion-mnist' % ('--data ' if opt_dir else 'FIXPOINT_DATA=', given, ', '.join(NAMINGS[0][0]),
                                         NAMINGS[0][1], ', '.join(NAMINGS[1][0]), NAMINGS[1][1]))
    fail('no IDX data found; looked in %s. Point at the data with --data DIR or FIXPOINT_DATA=DIR'
         % ', '.join(candidates))


def load(folder, images, labels, limit):
    """A fixpoint.Dataset of the first limit (0: all) images of an IDX pair."""
    try:
        px = fp.idx_load(os.path.join(folder, images))
        lab = fp.idx_load(os.path.join(folder, labels))
    except fp.FixpointError as e:
        fail('cannot load %s with %s: %s; --data DIR points at another folder of IDX files'
             % (os.path.join(folder, images), labels, e.message))
    if px.ndim < 2 or lab.ndim != 1 or px.shape[0] != lab.shape[0]:
        fail('%s: %d labels for %d images' % (os.path.join(folder, labels), lab.shape[0], px.shape[0]))
    if limit > 0:
        px, lab = px[:limit], lab[:limit]
    try:
        return fp.Dataset(px.reshape(px.shape[0], -1), lab, 10)
    except fp.UsageError as e:
        fail('%s: %s' % (os.path.join(folder, labels), e.message))


def open_out(path):
    folder = os.path.dirname(path)
    try:
        if folder:
            os.makedirs(folder, exist_ok=True)
        return open(path, 'w')
    except OSError as e:
        fail('cannot write %s: %s' % (path, e.strerror or e))


def duration(s):
    t = int(s + 0.5) if 0 < s < 1e9 else 0
    if t < 60:
        return '%d s' % t
    if t < 3600:
        return '%d min %02d s' % (t // 60, t % 60)
    return '%d h %02d min' % (t // 3600, (t % 3600) // 60)


class Progress:
    """Lines on stderr (stdout keeps the results): at most one every `every` seconds unless forced, each
    with the time so far and an estimate of the time left."""

    def __init__(self, total, every=5.0, quiet=False):
        self.t0 = self.last = time.monotonic()
        self.total, self.every, self.quiet = total, every, quiet

    def report(self, done, force, text):
        t = time.monotonic()
        if self.quiet or (not force and t - self.last < self.every):
            return
        self.last = t
        el = t - self.t0
        if 0 < done < self.total:
            tail = '; %s elapsed, about %s left' % (duration(el), duration(el * (self.total - done) / done))
        else:
            tail = '; %s elapsed' % duration(el)
        print('%s: %s%s' % (PROG, text, tail), file=sys.stderr, flush=True)


class Run:
    """One rule at one rate: the per-step bookkeeping of the C program's on_step."""

    def __init__(self, rule, lr, csv, dat):
        self.rule, self.lr, self.csv, self.dat = rule, lr, csv, dat
        self.t0 = time.monotonic()
        self.min_gap, self.max_jump, self.last_loss = math.inf, 0.0, math.nan
        self.rollbacks = self.failures = 0
        self.curve = []  # (step, loss, accuracy) of the steps that succeeded, for the plot
        self.new_epoch()

    def new_epoch(self):
        self.epoch_loss = self.epoch_acc = 0.0
        self.epoch_steps = 0

    def on_step(self, rec):
        t = time.monotonic() - self.t0
        ok = rec.status == 0
        if ok:
            self.epoch_loss += rec.loss
            self.epoch_acc += rec.accuracy
            self.epoch_steps += 1
            if not math.isnan(self.last_loss) and rec.loss - self.last_loss > self.max_jump:
                self.max_jump = rec.loss - self.last_loss
            self.last_loss = rec.loss
            self.curve.append((rec.step, rec.loss, rec.accuracy))
        else:
            self.failures += 1
        if rec.min_gap < self.min_gap:
            self.min_gap = rec.min_gap
        self.rollbacks += rec.rolled_back
        self.csv.write('dW%d,%g,%d,%d,%.6g,%.6g,,%.6g,%.6g,%.4f,%s\n' % (
            self.rule, self.lr, rec.epoch, rec.step, rec.loss, rec.accuracy, rec.dw_norm, rec.min_gap, t,
            fp.status_name(rec.status)))
        if self.dat is not None and ok:
            self.dat.write('%d %.6g %.6g %.4f\n' % (rec.step, rec.loss, rec.accuracy, t))
        return False


def plot(runs, path):
    """Loss and batch accuracy against training steps, one line per run (colour: rule, dash: rate)."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return False  # not installed: no plot, the CSV and the gnuplot data are there
    except Exception as e:  # noqa: BLE001 - an installation that does not load (no matplotlibrc, ...)
        print('%s: no plot: matplotlib does not load (%s)' % (PROG, e), file=sys.stderr)
        return False
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.6))
    fig.suptitle('fixpoint.h: learning rules on the recurrent network (Fashion-MNIST subset)')
    dashes = ('-', '--', ':')
    for i, r in enumerate(runs):
        if not r.curve:
            continue
        steps, loss, acc = zip(*r.curve)
        style = dict(color='C%d' % (r.rule - 1), linestyle=dashes[i % 3], linewidth=1.5,
                     label='dW%d lr %g' % (r.rule, r.lr))
        axes[0].plot(steps, loss, **style)
        axes[1].plot(steps, acc, **style)
    for ax, label in zip(axes, ('training loss (batch, cross-entropy)', 'training accuracy (batch)')):
        ax.set_xlabel('training step')
        ax.set_ylabel(label)
        ax.grid(True)
    axes[1].legend(loc='upper left', bbox_to_anchor=(1.01, 1), fontsize='small')
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as e:
        print('%s: cannot write %s: %s' % (PROG, path, e.strerror or e), file=sys.stderr)
        return False
    finally:
        plt.close(fig)
    return True


def main(argv=None):
    a = parse_args(argv)
    out = a.csv or os.path.join(a.out, 'compare_rules.csv')
    dat_path = a.plot or os.path.join(a.out, 'compare_rules.dat')
    folder, names, what = find_data(a.data)
    tr = load(folder, names[0], names[1], a.train)
    te = load(folder, names[2], names[3], a.test)
    if te.dim != tr.dim:
        fail('%s: the test images have %d pixels each but the training images %d; --data DIR must hold the training '
             'and test files of one dataset' % (folder, te.dim, tr.dim))
    csv, dat = open_out(out), open_out(dat_path)
    rules = [k for k in (1, 2, 3, 4) if str(k) in a.rules]
    nruns = 3 * len(rules)
    prog = Progress(nruns * a.epochs, 5.0, a.quiet)
    prog.report(0, True, 'data from %s (%s), writing %s and %s' % (folder, what, out, dat_path))
    csv.write('rule,lr,epoch,step,loss,train_acc,test_acc,dW_norm,min_gap,seconds,status\n')
    solver_name = {'anderson': 'Anderson', 'euler': 'Euler', 'newton': 'Newton'}.get(a.solver, 'damped')
    print('compare_rules: N=%d tanh, %d train / %d test images, batch %d, %d epochs, SGD on W only, %s solver, '
          '%s kernels' % (a.n, tr.count, te.count, a.batch, a.epochs, solver_name, fp.isa_current()))
    print('%-4s %-6s %-5s %-10s %-9s %-10s %-9s %-8s %-7s' % ('rule', 'lr', 'epoch', 'train_loss', 'train_acc',
                                                              'test_loss', 'test_acc', 'min_gap', 'time_s'), flush=True)
    solver = dict(fp.solver_defaults(a.solver), tol=1e-5)
    runs, summary, nepochs = [], [], 0
    for k in rules:
        for base in RULE_LRS[k]:
            lr = base * a.lr_scale
            layer = fp.Layer(a.n, tr.dim, 10, 'tanh', 0.5, a.seed, np.float32)
            trainer = fp.Trainer(layer, tr.count, lr=lr, rule=k, optim={'kind': 'sgd'}, solver=solver, batch=a.batch,
                                 seed=a.seed, stability_every=4, stability_cols=4)
            dat.write('step "dW%d lr %g" acc seconds\n' % (k, lr))
            run = Run(k, lr, csv, dat)
            runs.append(run)
            ta = tt = math.nan
            for e in range(a.epochs):
                run.new_epoch()
                try:
                    trainer.epoch(tr, e, run.on_step)
                except fp.FixpointError:
                    pass  # a failed last step: its record is in the CSV, the run goes on as in the C program
                try:
                    tl, ta = trainer.evaluate(te)
                except fp.FixpointError as err:
                    tl, ta = err.result
                tt = time.monotonic() - run.t0
                csv.write('dW%d,%g,%d,%d,,,%.6g,,,%.4f,test\n' % (k, lr, e, trainer.step_count - 1, ta, tt))
                n = run.epoch_steps
                print('%-4s %-6g %-5d %-10.4f %-9.3f %-10.4f %-9.3f %-8.3f %-7.2f%s' % (
                    'dW%d' % k, lr, e, run.epoch_loss / n if n else math.nan, run.epoch_acc / n if n else math.nan,
                    tl, ta, run.min_gap, tt, '  (rollbacks)' if run.rollbacks else ''), flush=True)
                nepochs += 1
                prog.report(nepochs, False, 'dW%d lr %g epoch %d/%d: %d of %d epochs done'
                            % (k, lr, e + 1, a.epochs, nepochs, nruns * a.epochs))
            dat.write('\n\n')
            summary.append('| dW%d | %g | %.4f | %.1f %% | %.3f | %.3f | %d | %d | %.1f |' % (
                k, lr, run.last_loss, 100 * ta, run.max_jump, run.min_gap, run.rollbacks, run.failures, tt))
            del trainer, layer
    for f, path in ((csv, out), (dat, dat_path)):
        try:
            f.close()
        except OSError as e:
            fail('writing %s failed: %s' % (path, e.strerror or e))
    print('\n| rule | lr | last train loss | test acc | largest loss jump | min gap 1-Re(lambda) | rollbacks '
          '| failed steps | seconds |')
    print('|---|---|---|---|---|---|---|---|---|')
    for line in summary:
        print(line)
    png = os.path.join(a.out, 'compare_rules.png')
    drawn = plot(runs, png)
    print('\nwrote %s and %s%s' % (out, dat_path, ' and %s' % png if drawn else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
