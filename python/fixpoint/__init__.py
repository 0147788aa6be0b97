"""fixpoint: fixed points of recurrent networks, their gradients and the learning rules that train them,
from NumPy - the same engine as the C header fixpoint.h.

    import numpy as np, fixpoint as fp
    rng = np.random.default_rng(1)
    W = 0.5 * rng.standard_normal((100, 100)) / 10
    X = rng.standard_normal((100, 32))
    R, G, rep = fp.solve(W, X)                       # R = tanh(W R + X), G = f'(W R + X)
    dL_dR = 2 * (R - 0.1) / 32                       # any loss gradient
    dW = fp.rule_dw(W, R, G, dL_dR, rule='dW3')      # Zhu & Rosenbaum's rule
    W -= 0.5 * dW

Arrays: float32 and float64 (float32 when every array given is float32, else float64; dtype= chooses),
C- or Fortran-ordered, transposed and sliced views are passed as they are; arrays whose strides the
library cannot take (reversed, broadcast) are copied. Results are new arrays. Every call releases the
GIL while the library works.

Errors: every failure raises a FixpointError subclass carrying .status, .message and, for solves,
.report; programmer errors (shapes, dtypes, unknown settings) raise UsageError - the library never
aborts the interpreter.
"""
import collections

import numpy as np

from ._core import (DivergedError, FileError, FixpointError, FormatError, InvalidArgumentError,  # noqa: F401
                    NonFiniteError, NotConvergedError, NotPositiveDefiniteError, OutOfMemoryError,
                    SingularError, UnsupportedError, UsageError, absent, as_array, check, dtype_of,
                    enum_value, ffi, fill, lib, owned_array, ptr, record, status_name, suffix, usage, view)

__version__ = ffi.string(lib.fpy_version()).decode()

__all__ = ['solve', 'implicit_grad', 'rule_dw', 'act_apply', 'loss_mse', 'loss_xent', 'Optimizer', 'Layer',
           'Dataset', 'Trainer', 'eig', 'eigvec', 'stability', 'stability_analyze', 'census', 'FeedbackNetwork',
           'meanfield_solve', 'meanfield_teacher_scale', 'meanfield_sweep', 'idx_load', 'idx_parse',
           'isa_best', 'isa_current', 'isa_set', 'solver_defaults', 'FixpointError', 'UsageError',
           'InvalidArgumentError', 'OutOfMemoryError', 'SingularError', 'NotPositiveDefiniteError',
           'NotConvergedError', 'DivergedError', 'NonFiniteError', 'FileError', 'FormatError', 'UnsupportedError',
           'SolveReport', 'Solution', 'Gradient', 'Loss']


# ------------------------------------------------------------------------------------------------
# The CPU path
# ------------------------------------------------------------------------------------------------
def isa_best():
    """The best kernel path this CPU supports: 'scalar', 'avx2' or 'avx512'."""
    return ffi.string(lib.fp_isa_name(lib.fp_isa_best())).decode()


def isa_current():
    """The kernel path in use."""
    return ffi.string(lib.fp_isa_name(lib.fp_isa_current())).decode()


def isa_set(cap):
    """Caps the kernel path ('scalar', 'avx2', 'avx512'), process-wide (tests, benchmarks)."""
    lib.fp_isa_set(enum_value('fp_isa', cap, 'isa_set', 'cap'))


# ------------------------------------------------------------------------------------------------
# Activations and losses
# ------------------------------------------------------------------------------------------------
def _activation(act, where):
    """An fp_activation from a name ('tanh', 'identity', 'logistic', 'softplus', 'relu', 'rectpow2')."""
    a = ffi.new('fp_activation *')
    a.kind = enum_value('fp_act_kind', act if act is not None else 'tanh', where, 'act')
    if a.kind == lib.FP_ACT_CUSTOM:
        usage(where, 'a custom activation is not available from Python; use one of the named ones')
    return a


def act_apply(z, act='tanh', dtype=None):
    """(R, G) = (f(Z), f'(Z)) elementwise."""
    where = 'act_apply'
    dt = dtype_of([z], dtype, where)
    z = as_array(z, dt, 'Z', where)
    r = np.empty(z.shape, dt)
    g = np.empty(z.shape, dt)
    vz, z = view(z, 'Z', where)
    vr, _ = view(r, 'R', where, True)
    vg, _ = view(g, 'G', where, True)
    check(getattr(lib, 'fp_act_apply_' + suffix(dt))(_activation(act, where), vz, vr, vg), where)
    return r, g


def _not_whole(a):
    """Why a cast of a to an integer type would change its values (fractions, not numbers), or None."""
    if a.dtype.kind in 'iub':
        return None
    if a.dtype.kind == 'f':
        bad = a[np.floor(a) != a]
        return '%s values like %g' % (a.dtype, bad.flat[0]) if bad.size else None
    return '%s values' % a.dtype


Loss = collections.namedtuple('Loss', 'loss dr dwout dbout correct')
Loss.__doc__ = 'A loss, its gradient dL/dR, and for the cross-entropy the read-out gradients and argmax hits.'


def loss_mse(r, t, dtype=None):
    """Loss(loss, dr, None, None, None): L = (1/B) ||R - T||_F^2 and dL/dR = (2/B)(R - T)."""
    where = 'loss_mse'
    dt = dtype_of([r, t], dtype, where)
    r = as_array(r, dt, 'R', where)
    t = as_array(t, dt, 'T', where)
    if t.shape != r.shape:
        usage(where, 'T must have R\'s shape %s, not %s' % (r.shape, t.shape))
    dr = np.empty(r.shape, dt)
    loss = ffi.new('double *')
    vr, r = view(r, 'R', where)
    vt, t = view(t, 'T', where)
    vd, _ = view(dr, 'dR', where, True)
    check(getattr(lib, 'fp_loss_mse_' + suffix(dt))(vr, vt, vd, loss), where)
    return Loss(loss[0], dr, None, None, None)


def loss_xent(wout, r, labels, bout=None, dtype=None):
    """Softmax cross-entropy through Y = W_out R + b_out: Loss(loss, dR, dW_out, db_out, correct)."""
    where = 'loss_xent'
    dt = dtype_of([wout, r], dtype, where)
    wout = as_array(wout, dt, 'W_out', where)
    r = as_array(r, dt, 'R', where)
    k, n = wout.shape
    if r.shape[0] != n:
        usage(where, 'R must have W_out\'s %d columns as rows, not %d' % (n, r.shape[0]))
    b = r.shape[1]
    lab = np.asarray(labels)
    if _not_whole(lab):  # a cast would truncate 1.7 to 1 without a word
        usage(where, 'labels must hold whole numbers, not %s' % _not_whole(lab))
    lab = np.ascontiguousarray(lab, dtype=np.intc).reshape(-1)
    if lab.shape[0] != b:
        usage(where, 'labels must hold one label per column of R (%d), not %d' % (b, lab.shape[0]))
    bo = None
    if bout is not None:
        bo = np.ascontiguousarray(bout, dtype=dt).reshape(-1)
        if bo.shape[0] != k:
            usage(where, 'b_out must hold %d values (W_out\'s rows), not %d' % (k, bo.shape[0]))
    dr = np.empty((n, b), dt)
    dwout = np.empty((k, n), dt)
    dbout = np.empty(k, dt)
    loss = ffi.new('double *')
    correct = ffi.new('int *')
    _, ctype = ('f32', 'float') if dt == np.float32 else ('f64', 'double')
    vw, wout = view(wout, 'W_out', where)
    vr, r = view(r, 'R', where)
    vd, _ = view(dr, 'dR', where, True)
    vdw, _ = view(dwout, 'dW_out', where, True)
    check(getattr(lib, 'fp_loss_xent_' + suffix(dt))(vw, ptr(bo, ctype), vr, ptr(lab, 'int'), vd, vdw,
                                                      ptr(dbout, ctype), loss, correct, ffi.NULL), where)
    return Loss(loss[0], dr, dwout, dbout, correct[0])


# ------------------------------------------------------------------------------------------------
# Solvers
# ------------------------------------------------------------------------------------------------
SolveReport = collections.namedtuple('SolveReport', 'status iterations converged max_residual tol message '
                                                    'col_iterations col_residual history')
SolveReport.__doc__ = ('What a solve did: status (0 = FP_OK), iterations of the slowest column, columns that '
                       'converged, the largest final relative residual, the tolerance in force, a sentence when '
                       'something went wrong, and per column iterations and residuals, and the history of the '
                       'largest active residual.')
Solution = collections.namedtuple('Solution', 'r g report')
Solution.__doc__ = 'A solve: the fixed points R, the gains G = f\'(W R + X), and the SolveReport.'
Gradient = collections.namedtuple('Gradient', 'v dw report')
Gradient.__doc__ = 'An implicit gradient: V = dL/dX, dW = V R^T (None when not asked for), and the adjoint\'s report.'


def solver_defaults(method='anderson'):
    """The settings a zeroed solver configuration means for a method, as a dict."""
    return record(lib.fp_solver_config_default(enum_value('fp_solver_method', method, 'solver_defaults',
                                                          'method')))._asdict()


def _solver_config(settings, where):
    cfg = ffi.new('fp_solver_config *')
    fill(cfg, settings, where)
    return cfg


def _new_report(b, max_iter):
    rep = ffi.new('fp_solve_report *')
    keep = (np.zeros(b, np.intc), np.zeros(b), np.zeros(max(max_iter, 1)))
    rep.col_iterations = ptr(keep[0], 'int')
    rep.col_residual = ptr(keep[1], 'double')
    rep.history = ptr(keep[2], 'double') if max_iter > 0 else ffi.NULL
    return rep, keep


def _report(rep, keep):
    return SolveReport(int(rep.status), rep.iterations, rep.converged, rep.max_residual, rep.tol,
                       ffi.string(rep.message).decode() if rep.message != ffi.NULL else None,
                       keep[0].copy(), keep[1].copy(), keep[2][:max(rep.history_len, 0)].copy())


def solve(w, x, act='tanh', r0=None, check_status=True, dtype=None, **settings):
    """The fixed points R = f(W R + X) of the columns of X: Solution(r, g, report).

    W: N x N; X: N x B (a 1-D x gives 1-D r and g). act: 'tanh' (default), 'identity', 'logistic',
    'softplus', 'relu', 'rectpow2'. r0: an initial guess (sets warm_start). settings: the fields of
    fp_solver_config - method ('anderson' default, 'euler', 'damped', 'newton'), tol, floor, max_iter, step,
    anderson_m, anderson_beta, anderson_reg, diverge_at, fixed_iterations; zero or absent means default.
    A solve that fails (not converged, diverged, NaN) raises the status's exception with .report and
    .result (the Solution of the last iterate); check_status=False returns it instead."""
    where = 'solve'
    dt = dtype_of([w, x, r0], dtype, where)
    w = as_array(w, dt, 'W', where)
    given, x = x, as_array(x, dt, 'X', where)
    vec = x.shape[1] == 1 and np.ndim(given) == 1  # after as_array, which turns what NumPy refuses into UsageError
    n = w.shape[0]
    if w.shape != (n, n):
        usage(where, 'W must be square, not %s' % (w.shape,))
    if x.shape[0] != n:
        usage(where, 'X must have W\'s %d rows, not %d' % (n, x.shape[0]))
    b = x.shape[1]
    cfg = _solver_config(settings, where)
    r = np.zeros((n, b), dt)
    if r0 is not None:
        r0 = as_array(r0, dt, 'r0', where)
        if r0.shape != (n, b):
            usage(where, 'r0 must have X\'s shape %s, not %s' % ((n, b), r0.shape))
        r[...] = r0
        cfg.warm_start = 1
    g = np.empty((n, b), dt)
    max_iter = cfg.max_iter or lib.fp_solver_config_default(cfg.method).max_iter
    rep, keep = _new_report(b, max_iter)
    vw, w = view(w, 'W', where)
    vx, x = view(x, 'X', where)
    vr, _ = view(r, 'R', where, True)
    vg, _ = view(g, 'G', where, True)
    st = getattr(lib, 'fp_solve_' + suffix(dt))(cfg, _activation(act, where), vw, vx, vr, vg, rep, ffi.NULL)
    if st == lib.FP_ERR_USAGE:
        check(st, where)
    out = Solution(r[:, 0] if vec else r, g[:, 0] if vec else g, _report(rep, keep))
    if check_status:
        check(st, where, out.report.message, out.report, out)
    return out


def _square_and_batch(where, dt, w, batch, like):
    """W (N x N) and the N x B arrays of a gradient call, converted and checked: batch holds (name, array)
    pairs, each of the shape of the one named like."""
    arrs = [as_array(a, dt, name, where) for name, a in batch]
    w = as_array(w, dt, 'W', where)
    n = w.shape[0]
    if w.shape != (n, n):
        usage(where, 'W must be square, not %s' % (w.shape,))
    ref = arrs[[name for name, _ in batch].index(like)]
    for (name, _), a in zip(batch, arrs):
        if a.shape != ref.shape or a.shape[0] != n:
            usage(where, '%s must be N x B like %s (N = %d), not %s' % (name, like, n, a.shape))
    return w, arrs


def implicit_grad(w, r, g, delta, want_dw=True, method='auto', dtype=None, **iter_settings):
    """Implicit differentiation through the fixed point: Gradient(v, dw, report) with V = dL/dX
    (v_b = G_b u_b, (I - W^T G_b) u_b = delta_b) and dW = V R^T when want_dw. method: 'auto', 'direct' or
    'iterative'; iter_settings: the iterative adjoint's solver settings (tol, max_iter, anderson_m, ...)."""
    where = 'implicit_grad'
    dt = dtype_of([w, r, g, delta], dtype, where)
    w, (r, g, delta) = _square_and_batch(where, dt, w, (('R', r), ('G', g), ('Delta', delta)), 'G')
    n = w.shape[0]
    cfg = ffi.new('fp_adjoint_config *')
    fill(cfg, {'method': method, 'iter': iter_settings}, where)
    v = np.empty(g.shape, dt)
    dw = np.empty((n, n), dt) if want_dw else None
    rep, keep = _new_report(g.shape[1], 0)
    vw, w = view(w, 'W', where)
    vr, r = view(r, 'R', where)
    vg, g = view(g, 'G', where)
    vd, delta = view(delta, 'Delta', where)
    vv, _ = view(v, 'V', where, True)
    vdw = view(dw, 'dW', where, True)[0] if want_dw else absent(dt)
    st = getattr(lib, 'fp_implicit_grad_' + suffix(dt))(cfg, vw, vr, vg, vd, vv, vdw, rep, ffi.NULL)
    out = Gradient(v, dw, _report(rep, keep))
    check(st, where, out.report.message, out.report)
    return out


def rule_dw(w, r, g, grad, rule='dW3', lr=0.0, adjoint=None, dtype=None):
    """dW of a learning rule for a batch (Zhu & Rosenbaum's dW1..dW4): the sum over columns of the
    per-sample formula with grad = dL/dR of the batch-mean loss. The update is W -= lr * dW. lr matters
    to dW2 only (its Woodbury step depends on it); adjoint: dW1's adjoint settings (dict)."""
    where = 'rule_dw'
    dt = dtype_of([w, r, g, grad], dtype, where)
    w, (r, g, grad) = _square_and_batch(where, dt, w, (('R', r), ('G', g), ('grad', grad)), 'R')
    n = w.shape[0]
    cfg = ffi.new('fp_rule_config *')
    fill(cfg, {'rule': rule, 'lr': lr, 'adjoint': adjoint}, where)
    dw = np.empty((n, n), dt)
    rep, keep = _new_report(r.shape[1], 0)
    vw, w = view(w, 'W', where)
    vr, r = view(r, 'R', where)
    vg, g = view(g, 'G', where)
    vgr, grad = view(grad, 'grad', where)
    vdw, _ = view(dw, 'dW', where, True)
    st = getattr(lib, 'fp_rule_dw_' + suffix(dt))(cfg, vw, vr, vg, vgr, vdw, rep, ffi.NULL)
    check(st, where, _report(rep, keep).message, _report(rep, keep))
    return dw


# ------------------------------------------------------------------------------------------------
# Optimizers, the recurrent layer, datasets and the trainer
# ------------------------------------------------------------------------------------------------
class Optimizer:
    """SGD (the paper's), momentum or Adam over one parameter array, updated in place:
    Optimizer(param.size, kind='adam', lr=1e-3).step(param, grad). lr may be given per step."""

    def __init__(self, count, kind='sgd', lr=0.0, dtype=np.float64, **settings):
        self._dt = np.dtype(dtype)
        self._sfx = suffix(self._dt)
        cfg = ffi.new('fp_optim_config *')
        fill(cfg, dict(settings, kind=kind, lr=lr), 'Optimizer')
        self.lr = lr
        self._o = ffi.new('fp_optim_%s *' % self._sfx)
        check(getattr(lib, 'fp_optim_init_' + self._sfx)(self._o, cfg, int(count)), 'Optimizer')
        self.count = int(count)

    def step(self, param, grad, lr=None):
        where = 'Optimizer.step'
        if not isinstance(param, np.ndarray) or param.dtype != self._dt or not param.flags.c_contiguous \
                or not param.flags.writeable or param.size != self.count:
            usage(where, 'param must be a writable C-contiguous %s array of %d elements' % (self._dt, self.count))
        grad = np.ascontiguousarray(grad, dtype=self._dt)
        if grad.size != self.count:
            usage(where, 'grad must hold %d elements, not %d' % (self.count, grad.size))
        ctype = 'float' if self._sfx == 'f32' else 'double'
        getattr(lib, 'fp_optim_step_' + self._sfx)(self._o, float(self.lr if lr is None else lr), ptr(param, ctype),
                                                   ptr(grad, ctype))

    def __del__(self):
        if getattr(self, '_o', None) is not None:
            getattr(lib, 'fp_optim_free_' + self._sfx)(self._o)
            self._o = None


class Layer:
    """The recurrent layer r = f(W r + W_in u + b), y = W_out r + b_out. Its parameters w, w_in, b, w_out,
    b_out are NumPy arrays over the layer's own memory: writing them changes the layer."""

    def __init__(self, n, n_in, n_out, act='tanh', rho=0.5, seed=1, dtype=np.float32):
        self._init(dtype)
        st = getattr(lib, 'fp_layer_init_' + self._sfx)(self._L, int(n), int(n_in), int(n_out),
                                                         enum_value('fp_act_kind', act, 'Layer', 'act'), float(rho),
                                                         int(seed))
        check(st, 'Layer')
        self._owns = True

    def _init(self, dtype):
        self._dt = np.dtype(dtype)
        if self._dt not in (np.float32, np.float64):
            usage('Layer', 'dtype must be float32 or float64')
        self._sfx = suffix(self._dt)
        self._L = ffi.new('fp_layer_%s *' % self._sfx)
        self._owns = False

    @classmethod
    def load(cls, path, dtype=np.float32):
        """A layer from a file written by save (checked: magic, version, sizes, checksum)."""
        self = cls.__new__(cls)
        self._init(dtype)
        why = ffi.new('const char **')
        st = getattr(lib, 'fp_layer_load_' + self._sfx)(self._L, str(path).encode(), why)
        check(st, 'Layer.load', ffi.string(why[0]).decode() if why[0] != ffi.NULL else None)
        self._owns = True
        return self

    def save(self, path):
        """Writes the parameters atomically (a failed save leaves the previous file intact)."""
        check(getattr(lib, 'fp_layer_save_' + self._sfx)(self._L, str(path).encode()), 'Layer.save')

    n = property(lambda self: self._L.n)
    n_in = property(lambda self: self._L.n_in)
    n_out = property(lambda self: self._L.n_out)
    act = property(lambda self: ffi.string(lib.fp_activation_name(self._L.act.kind)).decode())
    dtype = property(lambda self: self._dt)
    w = property(lambda self: owned_array(self, self._L.w, (self._L.n, self._L.n), self._dt))
    w_in = property(lambda self: owned_array(self, self._L.w_in, (self._L.n, self._L.n_in), self._dt))
    b = property(lambda self: owned_array(self, self._L.b, (self._L.n,), self._dt))
    w_out = property(lambda self: owned_array(self, self._L.w_out, (self._L.n_out, self._L.n), self._dt))
    b_out = property(lambda self: owned_array(self, self._L.b_out, (self._L.n_out,), self._dt))

    def __del__(self):
        if getattr(self, '_owns', False):
            getattr(lib, 'fp_layer_free_' + self._sfx)(self._L)
            self._owns = False


class Dataset:
    """Images (count x dim bytes, pixels scaled to [0, 1] by the library) and labels in [0, classes).
    Dataset(pixels, labels, classes) over NumPy arrays (uint8; copied to contiguous memory when needed), or
    Dataset.load(images_idx, labels_idx, classes) from IDX files."""

    def __init__(self, pixels, labels, classes=10):
        where = 'Dataset'
        for name, a in (('pixels', pixels), ('labels', labels)):
            a = np.asarray(a)
            # a cast to uint8 would turn images scaled to [0, 1] into zeros and wrap 256 to 0 without a word
            if _not_whole(a):
                usage(where, '%s must hold whole numbers in [0, 255], not %s' % (name, _not_whole(a)))
            if a.size and (a.min() < 0 or a.max() > 255):
                usage(where, '%s must hold whole numbers in [0, 255], not values in [%g, %g]' % (name, a.min(),
                                                                                                 a.max()))
        px = np.ascontiguousarray(pixels, dtype=np.uint8)
        if px.ndim > 2:
            px = px.reshape(px.shape[0], -1)
        lab = np.ascontiguousarray(labels, dtype=np.uint8).reshape(-1)
        if px.ndim != 2 or px.shape[0] != lab.shape[0]:
            usage(where, 'pixels must be count x dim and labels hold count entries')
        if lab.size and int(lab.max()) >= classes:
            usage(where, 'labels must lie in [0, %d)' % classes)
        self._keep = (px, lab)
        self._ds = ffi.new('fp_dataset *')
        self._ds.count, self._ds.dim, self._ds.classes = px.shape[0], px.shape[1], int(classes)
        self._ds.pixels = ptr(px, 'unsigned char')
        self._ds.labels = ptr(lab, 'unsigned char')
        self._owns = False

    @classmethod
    def load(cls, images, labels, classes=10):
        self = cls.__new__(cls)
        self._ds = ffi.new('fp_dataset *')
        self._keep = None
        why = ffi.new('const char **')
        st = lib.fp_dataset_load(str(images).encode(), str(labels).encode(), int(classes), self._ds, why)
        check(st, 'Dataset.load', ffi.string(why[0]).decode() if why[0] != ffi.NULL else None)
        self._owns = True
        return self

    count = property(lambda self: self._ds.count)
    dim = property(lambda self: self._ds.dim)
    classes = property(lambda self: self._ds.classes)
    pixels = property(lambda self: owned_array(self, self._ds.pixels, (self._ds.count, self._ds.dim), np.uint8))
    labels = property(lambda self: owned_array(self, self._ds.labels, (self._ds.count,), np.uint8))

    def __len__(self):
        return self._ds.count

    def __del__(self):
        if getattr(self, '_owns', False):
            lib.fp_dataset_free(self._ds)
            self._owns = False


TrainRecord = collections.namedtuple('TrainRecord', 'epoch step loss accuracy dw_norm converged solver_iterations '
                                                    'min_gap lr rolled_back status')


def _train_record(rec):
    return TrainRecord(rec.epoch, rec.step, rec.loss, rec.accuracy, rec.dw_norm, rec.converged,
                       rec.solver_iterations, rec.min_gap, rec.lr, rec.rolled_back, int(rec.status))


class Trainer:
    """Trains a Layer's W with a rule (and optionally its read-in and read-out) on a Dataset.

    Trainer(layer, dataset_count, lr=..., rule='dW3', optim={'kind': 'sgd'}, solver={'method': 'anderson'},
    batch=512, ...): every field of fp_train_config by name (optim.lr may be given as lr); zero or absent
    means default. step() runs one batch, epoch() one shuffled pass with an optional per-step callback,
    evaluate() scores a dataset, save()/load() checkpoint the whole run."""

    def __init__(self, layer, dataset_count, lr=None, **settings):
        where = 'Trainer'
        if not isinstance(layer, Layer):
            usage(where, 'layer must be a fixpoint.Layer')
        cfg = ffi.new('fp_train_config *')
        optim = dict(settings.pop('optim', None) or {})
        if lr is not None:
            optim['lr'] = lr
        settings['optim'] = optim
        fill(cfg, settings, where)
        self.layer = layer
        self._sfx = layer._sfx
        self._t = ffi.new('fp_trainer_%s *' % self._sfx)
        check(getattr(lib, 'fp_trainer_init_' + self._sfx)(self._t, layer._L, cfg, int(dataset_count)), where,
              self._message())
        self._owns = True

    def _message(self):
        t = getattr(self, '_t', None)
        return ffi.string(t.message).decode() if t is not None and t.message != ffi.NULL else None

    @property
    def step_count(self):
        return self._t.step

    @property
    def config(self):
        """The settings in force (defaults resolved)."""
        return record(self._t.cfg)

    def step(self, dataset, idx):
        """One training step on the samples idx of dataset; returns the TrainRecord (raises on failure,
        with the record as .result)."""
        idx = np.asarray(idx)
        if _not_whole(idx):  # a cast would truncate 1.7 to 1 without a word
            usage('Trainer.step', 'idx must hold whole sample indices, not %s' % _not_whole(idx))
        idx = np.ascontiguousarray(idx, dtype=np.intc).reshape(-1)
        rec = ffi.new('fp_train_record *')
        st = getattr(lib, 'fp_layer_train_step_' + self._sfx)(self._t, dataset._ds, ptr(idx, 'int'), idx.shape[0], rec)
        out = _train_record(rec)
        check(st, 'Trainer.step', self._message(), None, out)
        return out

    def epoch(self, dataset, epoch=0, callback=None, progress=False):
        """One epoch: shuffle, every batch, callback(record) after each step (a true return value stops the
        epoch). progress=True shows a tqdm bar when tqdm is installed. Returns the records."""
        records = []
        failure = []
        bar = None
        if progress:
            try:
                from tqdm import tqdm
                bsz = self._t.cfg.batch
                bar = tqdm(total=(dataset.count + bsz - 1) // bsz, desc='epoch %d' % epoch, leave=False)
            except ImportError:
                bar = None

        @ffi.callback('int(const fp_train_record *, void *)')
        def on_step(rec, user):
            r = _train_record(rec)
            records.append(r)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss='%.4f' % r.loss, acc='%.3f' % r.accuracy)
            if callback is None:
                return 0
            try:
                return 1 if callback(r) else 0
            except BaseException as e:  # noqa: BLE001 - raised again once the C call has returned
                failure.append(e)
                return 1

        try:
            st = getattr(lib, 'fp_layer_train_epoch_' + self._sfx)(self._t, dataset._ds, int(epoch), on_step, ffi.NULL)
        finally:
            if bar is not None:
                bar.close()
        if failure:
            raise failure[0]
        check(st, 'Trainer.epoch', self._message(), None, records)
        return records

    def evaluate(self, dataset, limit=0):
        """(mean loss, accuracy) over the first limit samples (0: all), fixed points from zero."""
        loss = ffi.new('double *')
        acc = ffi.new('double *')
        st = getattr(lib, 'fp_layer_evaluate_' + self._sfx)(self._t, dataset._ds, int(limit), loss, acc)
        check(st, 'Trainer.evaluate', self._message(), None, (loss[0], acc[0]))
        return loss[0], acc[0]

    def save(self, path):
        """A checkpoint of the whole run (atomic), from which training continues bit for bit."""
        check(getattr(lib, 'fp_trainer_save_' + self._sfx)(self._t, str(path).encode()), 'Trainer.save')

    def load(self, path):
        why = ffi.new('const char **')
        st = getattr(lib, 'fp_trainer_load_' + self._sfx)(self._t, str(path).encode(), why)
        check(st, 'Trainer.load', ffi.string(why[0]).decode() if why[0] != ffi.NULL else None)

    def __del__(self):
        if getattr(self, '_owns', False):
            getattr(lib, 'fp_trainer_free_' + self._sfx)(self._t)
            self._owns = False


# ------------------------------------------------------------------------------------------------
# Analysis: eigenvalues, stability, census
# ------------------------------------------------------------------------------------------------
def _square(a, dtype, where):
    """(working dtype, A converted), A checked square: the eigenvalue calls' argument."""
    dt = dtype_of([a], dtype, where)
    a = as_array(a, dt, 'A', where)
    if a.shape[0] != a.shape[1]:
        usage(where, 'A must be square, not %s' % (a.shape,))
    return dt, a


def eig(a, dtype=None):
    """All eigenvalues of a square matrix (complex array, n)."""
    where = 'eig'
    dt, a = _square(a, dtype, where)
    n = a.shape[0]
    wr, wi = np.empty(n), np.empty(n)
    va, a = view(a, 'A', where)
    check(getattr(lib, 'fp_eig_' + suffix(dt))(va, ptr(wr, 'double'), ptr(wi, 'double'), ffi.NULL), where)
    return wr + 1j * wi


def eigvec(a, lam, dtype=None):
    """The eigenvector of A for the eigenvalue lam (from eig), by inverse iteration (complex array)."""
    where = 'eigvec'
    dt, a = _square(a, dtype, where)
    n = a.shape[0]
    vr, vi = np.empty(n), np.empty(n)
    va, a = view(a, 'A', where)
    lam = complex(lam)
    check(getattr(lib, 'fp_eigvec_' + suffix(dt))(va, lam.real, lam.imag, ptr(vr, 'double'), ptr(vi, 'double'),
                                                   ffi.NULL), where)
    return vr + 1j * vi


def stability(w, g, exact_max=0, dtype=None):
    """Per column b, the eigenvalue of G_b W with the largest real part (complex array, B): the fixed
    point is stable when its real part is below 1. exact_max: all eigenvalues when N <= exact_max, else
    Arnoldi (0: Arnoldi always)."""
    where = 'stability'
    dt = dtype_of([w, g], dtype, where)
    w = as_array(w, dt, 'W', where)
    g = as_array(g, dt, 'G', where)
    if w.shape[0] != w.shape[1] or g.shape[0] != w.shape[0]:
        usage(where, 'W must be N x N and G N x B, not %s and %s' % (w.shape, g.shape))
    b = g.shape[1]
    re, im = np.empty(b), np.empty(b)
    vw, w = view(w, 'W', where)
    vg, g = view(g, 'G', where)
    check(getattr(lib, 'fp_stability_' + suffix(dt))(vw, vg, int(exact_max), ptr(re, 'double'), ptr(im, 'double'),
                                                      ffi.NULL), where)
    return re + 1j * im


Spectrum = collections.namedtuple('Spectrum', 'abscissa radius bulk_radius outliers outlier_values exact verdict '
                                              'eigenvalues')


def _spectrum(s, eigs=None):
    k = max(min(s.outliers, lib.FP_MAX_OUTLIERS if hasattr(lib, 'FP_MAX_OUTLIERS') else 8), 0)
    return Spectrum(complex(s.abscissa, s.abscissa_im), s.radius, s.bulk_radius, s.outliers,
                    np.array([complex(s.outlier_re[i], s.outlier_im[i]) for i in range(k)]), bool(s.exact),
                    ffi.string(lib.fp_verdict_str(s.verdict)).decode(), eigs)


def stability_analyze(w, gain=None, dtype=None, **settings):
    """The spectrum of diag(gain) W (gain: N values, None for a linear model): Spectrum(abscissa (complex),
    radius, bulk_radius, outliers, outlier_values, exact, verdict ('stable', 'marginal', 'unstable'),
    eigenvalues (all n when exact, else the Ritz values)). settings: tol, margin, bulk_radius, exact_max."""
    where = 'stability_analyze'
    dt = dtype_of([w, gain], dtype, where)
    w = as_array(w, dt, 'W', where)
    n = w.shape[0]
    if w.shape != (n, n):
        usage(where, 'W must be square, not %s' % (w.shape,))
    cfg = ffi.new('fp_spectrum_config *')
    fill(cfg, settings, where)
    if gain is not None:
        gain = as_array(gain, dt, 'gain', where)
        if gain.shape != (n, 1):
            usage(where, 'gain must hold N = %d values, not shape %s' % (n, gain.shape))
        vgain, gain = view(gain, 'gain', where)
    else:
        vgain = absent(dt)
    out = ffi.new('fp_spectrum *')
    wr, wi = np.empty(n), np.empty(n)
    vw, w = view(w, 'W', where)
    check(getattr(lib, 'fp_stability_analyze_' + suffix(dt))(cfg, vw, vgain, out, ptr(wr, 'double'), ptr(wi, 'double'),
                                                              ffi.NULL), where)
    ev = wr + 1j * wi
    return _spectrum(out, ev[~np.isnan(wr)])


Census = collections.namedtuple('Census', 'runs attractors unsettled diverged found labels final')
Attractor = collections.namedtuple('Attractor', 'column basin residual spectrum')


def census(w, x, r0, act='tanh', max_out=16, solver=None, spectrum=None, cluster_tol=0.0, dtype=None):
    """The attractors of r -> f(W r + x) reached from the K initial states r0 (N x K): Census(runs,
    attractors, unsettled, diverged, found (a list of Attractor(column, basin, residual, Spectrum) sorted
    by basin, at most max_out), labels (each run's attractor, -1 unsettled, -2 diverged), final (the
    final states))."""
    where = 'census'
    dt = dtype_of([w, x, r0], dtype, where)
    w = as_array(w, dt, 'W', where)
    x = as_array(x, dt, 'x', where)
    r = np.array(as_array(r0, dt, 'R0', where), dtype=dt, order='C')
    n = w.shape[0]
    if w.shape != (n, n) or x.shape != (n, 1) or r.shape[0] != n:
        usage(where, 'W must be N x N, x N values and R0 N x K, not %s, %s, %s' % (w.shape, x.shape, r.shape))
    cfg = ffi.new('fp_census_config *')
    fill(cfg, {'solver': solver, 'spectrum': spectrum, 'cluster_tol': cluster_tol}, where)
    k = r.shape[1]
    out = ffi.new('fp_attractor[]', max(int(max_out), 1))
    labels = np.empty(k, np.intc)
    cs = ffi.new('fp_census *')
    vw, w = view(w, 'W', where)
    vx, x = view(x, 'x', where)
    vr, _ = view(r, 'R', where, True)
    st = getattr(lib, 'fp_census_' + suffix(dt))(cfg, _activation(act, where), vw, vx, vr, out, int(max_out),
                                                 ptr(labels, 'int'), cs)
    check(st, where)
    found = [Attractor(out[i].column, out[i].basin, out[i].residual, _spectrum(out[i].spectrum))
             for i in range(min(cs.attractors, int(max_out)))]
    return Census(cs.runs, cs.attractors, cs.unsettled, cs.diverged, found, labels, r)


# ------------------------------------------------------------------------------------------------
# Feedback networks and mean-field theory
# ------------------------------------------------------------------------------------------------
def _mf_params(params, where):
    p = ffi.new('fp_meanfield_params *')
    if isinstance(params, dict):
        fill(p, params, where)
    elif params is not None:
        fill(p, params._asdict(), where)
    return p


def meanfield_solve(params=None, max_out=16, **kw):
    """All solutions of the mean-field equations of the rank-one feedback network (Mastrogiuseppe &
    Ostojic), sorted by z: a list of MeanfieldSolution(z, delta, outlier, bulk_radius, stable). params: a
    dict (or record) of fp_meanfield_params fields g, s_m, s_I, rho, C, p, p_m, p_I, nodes; or keywords."""
    where = 'meanfield_solve'
    p = _mf_params(dict(params or {}, **kw), where)
    out = ffi.new('fp_meanfield_solution[]', max(int(max_out), 1))
    count = ffi.new('int *')
    check(lib.fp_meanfield_solve(p, out, int(max_out), count), where)
    return [record(out[i]) for i in range(min(count[0], int(max_out)))]


def meanfield_teacher_scale(params, A):
    """The parameters with C set so that z = A is a closed-loop fixed point (teacher forcing)."""
    where = 'meanfield_teacher_scale'
    p = _mf_params(params, where)
    check(lib.fp_meanfield_teacher_scale(p, float(A)), where)
    return record(p[0])._asdict()


def meanfield_sweep(base, x_axis, x0, x1, nx, y_axis='g', y0=0.0, y1=0.0, ny=1):
    """The mean-field solutions over a grid of two parameters (axis names: 'g', 's_m', 's_i', 'rho', 'c',
    'p', 'p_m', 'p_i', 'target'): a NumPy structured array of shape (ny, nx) with fields x, y, solutions,
    stable, z_min, z_max, target_stable, target_outlier, status."""
    where = 'meanfield_sweep'
    p = _mf_params(base, where)
    ax = enum_value('fp_meanfield_axis', x_axis, where, 'x_axis')
    ay = enum_value('fp_meanfield_axis', y_axis, where, 'y_axis')
    nx, ny = int(nx), int(ny)
    if nx < 1 or ny < 1:
        usage(where, 'nx and ny must be at least 1')
    cells = ffi.new('fp_meanfield_cell[]', nx * ny)
    check(lib.fp_meanfield_sweep(p, ax, float(x0), float(x1), nx, ay, float(y0), float(y1), ny, cells), where)
    dt = np.dtype([('x', 'f8'), ('y', 'f8'), ('solutions', 'i4'), ('stable', 'i4'), ('z_min', 'f8'),
                   ('z_max', 'f8'), ('target_stable', 'i4'), ('target_outlier', 'f8'), ('status', 'i4')])
    out = np.empty(nx * ny, dt)
    for i in range(nx * ny):
        c = cells[i]
        out[i] = (c.x, c.y, c.solutions, c.stable, c.z_min, c.z_max, c.target_stable, c.target_outlier, int(c.status))
    return out.reshape(ny, nx)


class FeedbackNetwork:
    """A random network chi ~ N(0, g^2/N) with a rank-one feedback loop m n^T / N (the mean-field model's
    finite-size twin). Arrays chi, m, inp (I), n (the read-out in force) are views of its memory."""

    def __init__(self, n, params=None, seed=1, dtype=np.float64, **kw):
        self._dt = np.dtype(dtype)
        self._sfx = suffix(self._dt)
        self._ctype = 'float' if self._sfx == 'f32' else 'double'
        p = _mf_params(dict(params or {}, **kw), 'FeedbackNetwork')
        self._fb = ffi.new('fp_feedback_%s *' % self._sfx)
        self._owns = False
        check(getattr(lib, 'fp_feedback_init_' + self._sfx)(self._fb, int(n), p, int(seed)), 'FeedbackNetwork')
        self._owns = True

    def _f(self, name):
        return getattr(lib, 'fp_feedback_%s_%s' % (name, self._sfx))

    size = property(lambda self: self._fb.n)
    params = property(lambda self: record(self._fb.p)._asdict())
    chi = property(lambda self: owned_array(self, self._fb.chi, (self._fb.n, self._fb.n), self._dt))
    m = property(lambda self: owned_array(self, self._fb.m, (self._fb.n,), self._dt))
    inp = property(lambda self: owned_array(self, getattr(self._fb, 'in'), (self._fb.n,), self._dt))
    n = property(lambda self: owned_array(self, self._fb.nv, (self._fb.n,), self._dt))

    def weights(self):
        """W = chi + m n^T / N (a new N x N array)."""
        w = np.empty((self._fb.n, self._fb.n), self._dt)
        vw, _ = view(w, 'W', 'FeedbackNetwork.weights', True)
        check(self._f('weights')(self._fb, vw), 'FeedbackNetwork.weights')
        return w

    def teacher_force(self, A):
        """Sets the read-out so that z = A is a closed-loop fixed point; returns the solve report."""
        rep, keep = _new_report(1, 0)
        st = self._f('teacher_force')(self._fb, float(A), rep)
        out = _report(rep, keep)
        check(st, 'FeedbackNetwork.teacher_force', out.message, out)
        return out

    def _pairs(self, u, A, where):
        u = np.ascontiguousarray(u, dtype=np.float64).reshape(-1)
        A = np.ascontiguousarray(A, dtype=np.float64).reshape(-1)
        if u.shape != A.shape or u.size == 0:
            usage(where, 'u and A must hold the same number (>= 1) of values')
        return u, A

    def train_ls(self, u, A, ridge=0.0):
        """Least-squares read-out for the pairs (u_p, A_p) on clamped activities; returns the report."""
        where = 'FeedbackNetwork.train_ls'
        u, A = self._pairs(u, A, where)
        rep, keep = _new_report(u.size, 0)
        st = self._f('train_ls')(self._fb, u.size, ptr(u, 'double'), ptr(A, 'double'), float(ridge), rep)
        out = _report(rep, keep)
        check(st, where, out.message, out)
        return out

    def loss_grad(self, u, A, r0=None):
        """(loss, dL/dn, R): the closed-loop loss (1/2P) sum (z_p - A_p)^2, its gradient by implicit
        differentiation, and the fixed points R (N x P; r0 the initial guess)."""
        where = 'FeedbackNetwork.loss_grad'
        u, A = self._pairs(u, A, where)
        n = self._fb.n
        r = np.zeros((n, u.size), self._dt) if r0 is None else np.array(r0, dtype=self._dt, order='C')
        if r.shape != (n, u.size):
            usage(where, 'r0 must be N x P = %s' % ((n, u.size),))
        grad = np.empty(n, self._dt)
        loss = ffi.new('double *')
        rep, keep = _new_report(u.size, 0)
        st = self._f('loss_grad')(self._fb, u.size, ptr(u, 'double'), ptr(A, 'double'), ptr(r, self._ctype),
                                  ptr(grad, self._ctype), loss, rep)
        out = _report(rep, keep)
        check(st, where, out.message, out)
        return loss[0], grad, r

    def train_gd(self, u, A, **settings):
        """Gradient descent on the read-out through the closed loop (lr, max_steps, loss_target); returns
        (FeedbackGdReport, R)."""
        where = 'FeedbackNetwork.train_gd'
        u, A = self._pairs(u, A, where)
        cfg = ffi.new('fp_feedback_gd_config *')
        fill(cfg, settings, where)
        r = np.zeros((self._fb.n, u.size), self._dt)
        rep = ffi.new('fp_feedback_gd_report *')
        st = self._f('train_gd')(self._fb, u.size, ptr(u, 'double'), ptr(A, 'double'), cfg, ptr(r, self._ctype), rep)
        out = record(rep[0])
        check(st, where, None, out, (out, r))  # out of steps: the best point reached, as a return would give it
        return out, r

    def decompose(self, v=None):
        """v (default: the read-out n) along m, I and the rest: a FeedbackParts record."""
        where = 'FeedbackNetwork.decompose'
        vv = None
        if v is not None:
            vv = np.ascontiguousarray(v, dtype=self._dt).reshape(-1)
            if vv.size != self._fb.n:
                usage(where, 'v must hold N = %d values' % self._fb.n)
        out = ffi.new('fp_feedback_parts *')
        check(self._f('decompose')(self._fb, ptr(vv, self._ctype), out), where)
        return record(out[0])

    def __del__(self):
        if getattr(self, '_owns', False):
            self._f('free')(self._fb)
            self._owns = False


# ------------------------------------------------------------------------------------------------
# IDX files
# ------------------------------------------------------------------------------------------------
def _idx_array(idx):
    dims = tuple(idx.dims[i] for i in range(idx.ndim))
    arr = np.frombuffer(ffi.buffer(idx.data, idx.count), np.uint8).reshape(dims).copy()
    lib.fp_idx_free(idx)
    return arr


def idx_parse(data):
    """An IDX file's bytes (unsigned bytes, 1 to 4 dimensions, checked) as a uint8 array."""
    buf = bytes(data)
    idx = ffi.new('fp_idx *')
    why = ffi.new('const char **')
    check(lib.fp_idx_parse(buf, len(buf), idx, why), 'idx_parse', ffi.string(why[0]).decode() if why[0] != ffi.NULL else None)
    return _idx_array(idx)


def idx_load(path):
    """An IDX file (e.g. Fashion-MNIST's, gunzipped) as a uint8 array."""
    idx = ffi.new('fp_idx *')
    why = ffi.new('const char **')
    check(lib.fp_idx_load(str(path).encode(), idx, why), 'idx_load', ffi.string(why[0]).decode() if why[0] != ffi.NULL else None)
    return _idx_array(idx)
