"""The door to the C library: loading it, NumPy arrays as matrix views, settings, statuses as exceptions.

Everything here is shared by the public modules; nothing here is public API except the exceptions.
"""
import collections
import ctypes
import os

import numpy as np
from cffi import FFI

_HERE = os.path.dirname(os.path.abspath(__file__))

ffi = FFI()
try:
    with open(os.path.join(_HERE, '_cdef.h')) as _f:
        ffi.cdef(_f.read())
except FileNotFoundError:  # pragma: no cover - a package copied without its build
    raise ImportError('fixpoint: _cdef.h is missing beside the package; run `make python` in the repository '
                      'first (it writes python/fixpoint/_cdef.h and libfixpoint.so)') from None
ffi.cdef('void fpy_install(void); const char *fpy_take_usage(void); const char *fpy_version(void);')

_LIBPATH = os.environ.get('FIXPOINT_LIB') or os.path.join(_HERE, 'libfixpoint.so')
try:
    lib = ffi.dlopen(_LIBPATH)
except OSError as e:  # pragma: no cover
    raise ImportError('fixpoint: cannot load %s (%s); run `make python` in the repository first' % (_LIBPATH, e)) from None
# A usage error returns FP_ERR_USAGE with its sentence kept per thread, instead of aborting the process.
lib.fpy_install()
# The destructors run from __del__, which the garbage collector may call while cffi holds its lock (inside
# ffi.new, ffi.typeof); the first lookup of a lib attribute takes that same lock, so they are looked up now.
for _name in ('fp_optim_free_f32', 'fp_optim_free_f64', 'fp_layer_free_f32', 'fp_layer_free_f64', 'fp_trainer_free_f32',
              'fp_trainer_free_f64', 'fp_feedback_free_f32', 'fp_feedback_free_f64', 'fp_dataset_free'):
    getattr(lib, _name)


# ------------------------------------------------------------------------------------------------
# Errors: one exception class per status, each carrying the status, the message and the report.
# ------------------------------------------------------------------------------------------------
class FixpointError(Exception):
    """A call of the library failed. status: the C status (an int, FP_ERR_*), name: its name,
    message: the sentence, report: the solve report when the call has one (else None), result: what the
    call computed before failing when that is meaningful (e.g. the last iterate of a solve), else None."""

    status = None

    def __init__(self, message, status=None, report=None, result=None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.message = message
        self.report = report
        self.result = result

    @property
    def name(self):
        return ffi.string(lib.fp_status_str(self.status)).decode() if self.status is not None else None


class InvalidArgumentError(FixpointError, ValueError):
    """A value out of range: a size, an option, a tolerance, a label (FP_ERR_INVALID_ARG)."""
    status = -1


class OutOfMemoryError(FixpointError, MemoryError):
    """The allocator returned NULL (FP_ERR_NO_MEMORY)."""
    status = -2


class SingularError(FixpointError, ArithmeticError):
    """A matrix to factor or solve with is (numerically) singular (FP_ERR_SINGULAR)."""
    status = -3


class NotPositiveDefiniteError(FixpointError, ArithmeticError):
    """Cholesky met a non-positive pivot (FP_ERR_NOT_SPD)."""
    status = -4


class NotConvergedError(FixpointError, ArithmeticError):
    """An iteration reached its cap without meeting its tolerance (FP_ERR_NOT_CONVERGED)."""
    status = -5


class DivergedError(FixpointError, ArithmeticError):
    """An iteration grew without bound (FP_ERR_DIVERGED)."""
    status = -6


class NonFiniteError(FixpointError, FloatingPointError):
    """NaN or Inf in an input or produced on the way (FP_ERR_NON_FINITE)."""
    status = -7


class FileError(FixpointError, OSError):
    """A file could not be opened, read or written (FP_ERR_IO)."""
    status = -8


class FormatError(FixpointError, ValueError):
    """A file is not in the expected format (FP_ERR_FORMAT)."""
    status = -9


class UnsupportedError(FixpointError, NotImplementedError):
    """Asked for something this build or CPU cannot do (FP_ERR_UNSUPPORTED)."""
    status = -10


class UsageError(FixpointError, ValueError):
    """A programmer error: arrays of the wrong shape or type, overlapping outputs, an unknown setting
    (FP_ERR_USAGE). Caught before the C call where Python can tell, else reported by the library."""
    status = -11


_BY_STATUS = {c.status: c for c in (InvalidArgumentError, OutOfMemoryError, SingularError, NotPositiveDefiniteError,
                                    NotConvergedError, DivergedError, NonFiniteError, FileError, FormatError,
                                    UnsupportedError, UsageError)}


def status_name(status):
    return ffi.string(lib.fp_status_str(status)).decode()


def _cstr(p):
    return ffi.string(p).decode() if p != ffi.NULL else None


def check(status, where, message=None, report=None, result=None):
    """Raises the exception of a non-OK status; the message names the function and says why."""
    status = int(status)
    if status == 0:
        return
    if status == lib.FP_ERR_USAGE:
        said = ffi.string(lib.fpy_take_usage()).decode()
        message = said or message
    text = '%s: %s' % (where, message) if message else '%s: %s' % (where, status_name(status))
    if message and status != lib.FP_ERR_USAGE:
        text += ' (%s)' % status_name(status)
    raise _BY_STATUS.get(status, FixpointError)(text, status=status, report=report, result=result)


def usage(where, message):
    raise UsageError('%s: %s' % (where, message), status=-11)


# ------------------------------------------------------------------------------------------------
# Arrays: a NumPy array as a matrix view (pointer, rows, cols, row stride, column stride in elements),
# without a copy whenever its strides allow; otherwise a contiguous copy.
# ------------------------------------------------------------------------------------------------
_SCRATCH = np.zeros(1)
_SUFFIX = {np.dtype(np.float32): ('f32', 'float'), np.dtype(np.float64): ('f64', 'double')}


def dtype_of(arrays, dtype=None, where='fixpoint'):
    """The working precision: dtype when given (float32 or float64), else float32 when every array is
    float32, else float64."""
    if dtype is not None:
        dt = np.dtype(dtype)
        if dt not in _SUFFIX:
            usage(where, 'dtype must be float32 or float64, not %s' % dt)
        return dt
    given = [a for a in arrays if a is not None]
    if given and all(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in given):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def suffix(dt):
    return _SUFFIX[np.dtype(dt)][0]


def as_array(a, dt, name, where, ndim=2):
    """a as an ndarray of dtype dt with ndim dimensions (a 1-D vector becomes one column); converts
    other dtypes (a copy), never reinterprets."""
    try:
        arr = np.asarray(a)
    except Exception as e:  # noqa: BLE001 - any object NumPy refuses
        usage(where, '%s must be an array (%s)' % (name, e))
    if arr.dtype.kind not in 'fiub':
        usage(where, '%s must hold real numbers, not %s' % (name, arr.dtype))
    if arr.dtype != dt:
        arr = arr.astype(dt)
    if ndim == 2 and arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != ndim:
        usage(where, '%s must be %d-D, not %d-D (shape %s)' % (name, ndim, arr.ndim, arr.shape))
    return arr


def _strides(arr):
    """Element strides of a 2-D array, or None when they cannot describe it as a view the library takes
    (a byte stride that is not a whole number of elements, or a stride below 1 along a dimension of more
    than one element: reversed, broadcast)."""
    isz = arr.itemsize
    out = []
    for size, st in zip(arr.shape, arr.strides):
        if size <= 1:
            out.append(1)
            continue
        if st % isz or st <= 0:
            return None
        out.append(st // isz)
    return out


def view(arr, name, where, writable=False):
    """(matrix view cdata, the array the view points into). The array is arr itself when its strides map,
    else a C-ordered copy (only for inputs: outputs are always allocated here, so they map)."""
    st = _strides(arr)
    if st is None or (arr.size and not arr.flags.aligned):
        if writable:
            usage(where, '%s cannot be written in place (strides %s)' % (name, arr.strides))
        arr = np.array(arr, order='C')  # a new (aligned) array: ascontiguousarray would keep an unaligned one
        st = _strides(arr)
    sfx, ctype = _SUFFIX[arr.dtype]
    m = ffi.new('fp_mat_%s *' % sfx)
    # An empty view still needs a pointer: NumPy gives one even to empty arrays; else a scratch element.
    m.data = ffi.cast(ctype + ' *', arr.ctypes.data or _SCRATCH.ctypes.data)
    m.rows, m.cols = arr.shape
    m.rs, m.cs = st
    return m[0], arr


def absent(dt):
    """The absent view (data NULL)."""
    sfx = suffix(dt)
    m = ffi.new('fp_mat_%s *' % sfx)
    m.rs = m.cs = 1
    return m[0]


def ptr(arr, ctype):
    """A pointer into a contiguous array kept alive by the caller."""
    return ffi.cast(ctype + ' *', arr.ctypes.data) if arr is not None else ffi.NULL


def owned_array(owner, p, shape, dt):
    """A NumPy array over memory the C side owns (a layer's weights, a network's vectors); it keeps
    owner alive, so the memory outlives every array that shows it."""
    dt = np.dtype(dt)
    count = int(np.prod(shape))
    if count == 0 or p == ffi.NULL:
        return np.zeros(shape, dt)
    buf = (ctypes.c_char * (count * dt.itemsize)).from_address(int(ffi.cast('uintptr_t', p)))
    buf._owner = owner
    return np.frombuffer(buf, dt).reshape(shape)


# ------------------------------------------------------------------------------------------------
# Settings: keyword arguments into the C config structs, by field name; enum fields take their names
# ('anderson', 'dW3', 'tanh') as well as their values; nested structs take dicts.
# ------------------------------------------------------------------------------------------------
def enum_value(ctype, value, where, field):
    """An enum's value from its short name, case-insensitive: 'euler' -> FP_SOLVER_EULER."""
    if not isinstance(value, str):
        return int(value)
    names = ffi.typeof(ctype).relements
    want = value.lower()
    for full, v in names.items():
        if full.lower() == want or full.lower().endswith('_' + want):
            return v
    short = sorted({n.split('_', 2)[-1].lower() for n in names})
    usage(where, '%s must be one of %s, not %r' % (field, ', '.join(short), value))


def fill(obj, settings, where, prefix=''):
    """Sets the fields of a C struct (a pointer or a nested struct) from a dict; an unknown name is a
    usage error listing the known ones."""
    t = ffi.typeof(obj)
    if t.kind == 'pointer':
        t = t.item
    fields = dict(t.fields)
    for key, value in settings.items():
        if value is None:
            continue
        if key not in fields:
            usage(where, 'unknown setting %r; known: %s' % (prefix + key, ', '.join(prefix + k for k in fields)))
        ft = fields[key].type
        if ft.kind == 'struct':
            if not isinstance(value, dict):
                usage(where, '%s must be a dict of its settings' % (prefix + key))
            fill(getattr(obj, key), value, where, prefix + key + '.')
        elif ft.kind == 'enum':
            setattr(obj, key, enum_value(ft.cname, value, where, prefix + key))
        elif ft.kind == 'primitive':
            try:
                setattr(obj, key, int(value) if isinstance(value, (bool, np.bool_)) else value)
            except (TypeError, OverflowError) as e:
                usage(where, '%s: %s' % (prefix + key, e))
        else:
            usage(where, '%s cannot be set from Python' % (prefix + key))
    return obj


_RECORDS = {}


def record(cdata, name=None):
    """A C struct as a namedtuple of Python values (enums as ints, strings as str, nested structs as
    namedtuples, arrays as tuples); pointers are left out."""
    t = ffi.typeof(cdata)
    cname = t.cname
    if cname not in _RECORDS:
        keep = [(n, f.type) for n, f in t.fields if f.type.kind != 'pointer' or f.type.cname == 'char *']
        tname = name or ''.join(p.capitalize() for p in cname.replace('fp_', '').split('_'))
        _RECORDS[cname] = (collections.namedtuple(tname, [n for n, _ in keep]), keep)
    nt, keep = _RECORDS[cname]
    vals = []
    for n, ft in keep:
        v = getattr(cdata, n)
        if ft.kind == 'struct':
            v = record(v)
        elif ft.kind == 'array':
            v = tuple(v)
        elif ft.kind == 'pointer':
            v = _cstr(v)
        vals.append(v)
    return nt(*vals)
