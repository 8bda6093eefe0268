"""The vocabulary of the OpInfo database (DESIGN.md §8): OpInfo, samples, error inputs, dtype
rules, and the DEFAULT sample inputs and error inputs of each kind of op. The entries live in one
module per family (pointwise.py, reductions.py, ...); __init__.py gathers them into op_db.

Each entry says how to call the op (sample inputs), what it should return (a NumPy reference), which
dtypes it supports, with which tolerances and on which input domain, and how it fails (error inputs).
What native_functions.yaml knows comes from tg.ops.<name>: kind, variants, promotion, dtypes and the
number of tensor inputs (arity). Pointwise (one, two or three tensor operands), reduction (one
dim, a list of dims, none; extra keyword arguments) and scan ops get their samples and their error
inputs from their kind, so adding one needs at most its NumPy reference:

    OpInfo("hypot", ref=np.hypot)          # in pointwise.py
    OpInfo("amax", ref=np.amax)            # in reductions.py (NumPy's axis=/keepdims= are mapped)
    OpInfo("cumsum", ref=np.cumsum)        # in scans.py (dim -> axis=)

An entry adds only what the YAML can't say: a reference NumPy lacks, an input domain, tolerances,
op-specific samples and error inputs.

Per-op error_inputs add to the defaults of the kind (an error input of the same name replaces the
default one). Everything else (views, factories, linear algebra, softmax, random, copies) has an
explicit entry.

Vocabulary
- sample: a SampleInput (args, kwargs); args[0] is the tensor the op is about (`input` / `self`),
  except for factories, whose args are sizes and scalars.
- modes of samples_for(dtype, mode): "basic" (the reference test, every dtype; floating dtypes add
  nan/inf/-0.0 inputs where NumPy and PyTorch agree on them), "noncontig" (the basic inputs laid
  out non-contiguously), "broadcast", "zero_dim", "zero_size", "large" (a few thousand elements,
  odd sizes, transposed operands), "promotion" (mixed dtypes, 0-d tensors, Python scalars, dtype=
  arguments; ignores `dtype`).
- compute dtype: the dtype the kernel runs in (the common dtype of the operands after the op's
  promotion); the op supports a sample when its compute dtype is in the op's dtype set, and raises
  NotImplementedError otherwise.
"""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous, dtype_name, make_tensor, to_numpy

__all__ = ["ALL_DTYPES", "OpInfo", "SampleInput", "ErrorInput", "op_db", "op_db_by_name", "result_type",
           "promote_types", "can_cast", "check_result", "DEVICES", "sample_on"]

# ----------------------------------------------------------------------------- dtypes and promotion

ALL_DTYPES = (tg.bool, tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64, tg.float16, tg.bfloat16, tg.float32,
              tg.float64)
FLOATING = (tg.float16, tg.bfloat16, tg.float32, tg.float64)
INTEGRAL = (tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64)
NUMERIC = INTEGRAL + FLOATING

DTYPE_SETS = {
    "all": ALL_DTYPES,
    "numeric": NUMERIC,
    "floating": FLOATING,
    "integral": INTEGRAL,
    "integral_and_bool": (tg.bool,) + INTEGRAL,
}

_NP = {tg.bool: np.bool_, tg.uint8: np.uint8, tg.int8: np.int8, tg.int16: np.int16, tg.int32: np.int32,
       tg.int64: np.int64, tg.float16: np.float16, tg.bfloat16: np.float32, tg.float32: np.float32,
       tg.float64: np.float64}
_FROM_NP = {np.dtype(v): k for k, v in _NP.items() if k is not tg.bfloat16}


def is_floating(dt) -> bool:
    return dt in FLOATING


def np_dtype(dt):
    """The NumPy dtype holding dt's values (bfloat16 values are held in float32)."""
    return _NP[dt]


def promote_types(a, b):
    """PyTorch's promote_types for the dtypes tensorgen has."""
    if a is b:
        return a
    if a is tg.bool:
        return b
    if b is tg.bool:
        return a
    fa, fb = is_floating(a), is_floating(b)
    if fa and fb:
        if {a, b} == {tg.float16, tg.bfloat16}:
            return tg.float32
        order = (tg.float16, tg.bfloat16, tg.float32, tg.float64)
        return a if order.index(a) > order.index(b) else b
    if fa:
        return a
    if fb:
        return b
    return _FROM_NP[np.promote_types(_NP[a], _NP[b])]


def _combine_categories(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if is_floating(higher):
        return higher
    if higher is tg.bool or is_floating(lower):
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """PyTorch's result_type: dimensioned tensors beat 0-d tensors beat Python numbers ("weak"
    scalars), unless a weaker operand is of a higher category (bool < integer < floating)."""
    dim = zero = wrapped = None
    for o in operands:
        if o is None or isinstance(o, str):
            continue
        if isinstance(o, tg.Tensor):
            if o.dim() == 0:
                zero = o.dtype if zero is None else promote_types(zero, o.dtype)
            else:
                dim = o.dtype if dim is None else promote_types(dim, o.dtype)
            continue
        if isinstance(o, builtins.bool):
            dt = tg.bool
        elif isinstance(o, builtins.int):
            dt = tg.int64
        elif isinstance(o, builtins.float):
            dt = tg.float32  # the default dtype
        else:
            raise TypeError(f"result_type: unexpected operand {o!r}")
        wrapped = dt if wrapped is None else promote_types(wrapped, dt)
    return _combine_categories(dim, _combine_categories(zero, wrapped))


def can_cast(frm, to) -> bool:
    """PyTorch's canCast: whether a result of dtype frm may be written into a tensor of dtype to."""
    if is_floating(frm) and not is_floating(to):
        return False
    if frm is not tg.bool and to is tg.bool:
        return False
    return True


def _tol(dt):
    return {tg.float16: (1e-3, 1e-3), tg.bfloat16: (1.6e-2, 1e-2), tg.float32: (1.3e-6, 1e-5),
            tg.float64: (1e-7, 1e-7)}.get(dt, (0.0, 0.0))


# ----------------------------------------------------------------------------- samples


class SampleInput:
    """One call of an op: op(*args, **kwargs). `shares_storage`: the result must alias args[0]."""

    __slots__ = ("args", "kwargs", "name", "shares_storage")

    def __init__(self, *args, name: str = "", shares_storage: bool = False, **kwargs):
        self.args, self.kwargs, self.name, self.shares_storage = args, kwargs, name, shares_storage

    @property
    def input(self):
        return self.args[0] if self.args else None

    def __repr__(self) -> str:
        def show(a):
            if isinstance(a, tg.Tensor):
                nc = "" if a.is_contiguous() else ", noncontig"
                return f"Tensor{list(a.shape)}<{dtype_name(a.dtype)}{nc}>"
            if isinstance(a, (list, tuple)) and any(isinstance(x, tg.Tensor) for x in a):
                inner = ", ".join(show(x) for x in a)  # a Tensor[] argument (cat, stack)
                return f"[{inner}]" if isinstance(a, list) else f"({inner})"
            return repr(a)
        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return f"SampleInput({', '.join(parts)}{', ' + self.name if self.name else ''})"


class ErrorInput:
    """A call that must raise `exc` (with a message matching the regex `match`)."""

    __slots__ = ("fn", "exc", "match", "name")

    def __init__(self, name: str, fn, exc, match: str | None = None):
        self.name, self.fn, self.exc, self.match = name, fn, exc, match

    def __repr__(self) -> str:
        return f"ErrorInput({self.name} -> {self.exc.__name__})"


class Maker:
    """Makes the tensors of one sample list: random values of `dtype` in the op's domain, a new seed
    for every tensor (so that binary ops don't see two equal operands), optionally non-contiguous."""

    def __init__(self, op: OpInfo, dtype, noncontiguous: bool = False, seed: int = 0):
        self.op, self.dtype, self.noncontiguous, self.seed = op, dtype, noncontiguous, seed

    def __call__(self, shape, dtype=None, *, low=None, high=None, noncontiguous=None, nonzero=False):
        dtype = self.dtype if dtype is None else dtype
        nc = self.noncontiguous if noncontiguous is None else noncontiguous
        self.seed += 1
        if nonzero:
            return self._nonzero(shape, dtype, nc)
        lo, hi = self.op.domain_for(dtype)
        lo = lo if low is None else low
        hi = hi if high is None else high
        return make_tensor(shape, dtype, low=lo, high=hi, seed=self.seed, noncontiguous=nc)

    def _nonzero(self, shape, dtype, nc):
        """Magnitudes in [1, 9] (integers) or [0.5, 9] (floating), random signs (not for uint8/bool)."""
        rng = np.random.default_rng(1000 + self.seed)
        shape = tuple(shape)
        if dtype is tg.bool:
            a = np.ones(shape, dtype=np.bool_)
        elif is_floating(dtype):
            a = rng.uniform(0.5, 9.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        else:
            a = rng.integers(1, 10, size=shape) * (1 if dtype is tg.uint8 else rng.choice([-1, 1], size=shape))
        return _maybe_noncontiguous(tg.tensor(np.asarray(a), dtype=dtype), nc)


def special_values(shape, dtype, seed=0):
    """A tensor of dtype holding nan, inf, -inf, 0.0, -0.0 and ordinary values, shuffled."""
    base = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.5, 3.0, 0.25, -7.0])
    n = int(np.prod(shape)) if shape else 1
    vals = np.resize(base, n)
    np.random.default_rng(seed).shuffle(vals)
    return tg.tensor(vals.reshape(shape), dtype=dtype)


def _scalar_for(dtype, kind="int"):
    """A Python number of a kind that keeps the sample in range for dtype."""
    if kind == "float":
        return 2.5
    return True if dtype is tg.bool else 2


# ----------------------------------------------------------------------------- reference helpers


def _axis(a: np.ndarray, dim):
    if dim is None or a.ndim == 0:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(dim) if dim else None
    return dim


def _scalar_to(x, np_dt):
    if isinstance(x, (builtins.bool, builtins.int, builtins.float)) and not isinstance(x, np.generic):
        with np.errstate(all="ignore"):
            return np.array(x).astype(np_dt)[()]
    return x


def _to_np(x, np_dt=None):
    if isinstance(x, tg.Tensor):
        a = to_numpy(x)
        return a if np_dt is None else a.astype(np_dt)
    if isinstance(x, (list, tuple)) and any(isinstance(e, tg.Tensor) for e in x):
        return type(x)(_to_np(e, np_dt) for e in x)
    return x


def _is_numpy_function(fn) -> bool:
    return isinstance(fn, np.ufunc) or (getattr(fn, "__module__", None) or "").split(".")[0] == "numpy"


def _numpy_scan_ref(npfn):
    """A NumPy cumulative function (np.cumsum) as the reference of a scan op: dim -> axis= (none for
    a 0-d input: NumPy flattens it, the reshape gives the 0-d result back), dtype= dropped."""
    def ref(a, dim, dtype=None):
        return npfn(a, axis=dim if a.ndim else None).reshape(a.shape)
    ref.__name__ = getattr(npfn, "__name__", "ref")
    return ref


def _numpy_reduction_ref(npfn):
    """A NumPy reduction (np.amax, np.sum) as the reference of a reduction op: dim -> axis=
    (a list -> a tuple, none for a 0-d input), keepdim -> keepdims=; dtype= is dropped (the
    reference already gets its inputs in the compute dtype)."""
    def ref(a, dim=None, keepdim=False, dtype=None):
        return npfn(a, axis=_axis(a, dim), keepdims=keepdim)
    ref.__name__ = getattr(npfn, "__name__", "ref")
    return ref


# ----------------------------------------------------------------------------- OpInfo


class OpInfo:
    """What the test matrix knows about one op (one name in tg.ops.all_ops(), all its overloads).

    From native_functions.yaml (tg.ops.<name>): kind, variants, dtypes, promotion, arity.

    Arguments (all optional; pointwise, reduction and scan ops get defaults from their kind):
      ref            NumPy reference: ref(*np_args, **kwargs) -> array, tuple of arrays, bool or number.
                     For a reduction, a NumPy function (np.amax) is called NumPy's way: dim -> axis=,
                     keepdim -> keepdims=, dtype= dropped (the inputs are already in the compute dtype);
                     for a scan (np.cumsum) the same: dim -> axis=, dtype= dropped
      dtypes         supported compute dtypes (default: the YAML `dtypes` set)
      promotion      result dtype rule (default: the YAML `promotion`): default, int_to_float,
                     always_bool, keep, sum, floating_only, index, and python_bool (a Python bool result)
      sample_inputs  fn(op, dtype, mode, make) -> iterable of SampleInput (default from kind)
      error_inputs   fn(op) -> iterable of ErrorInput, added to the defaults of the kind (one of the
                     same name replaces the default)
      default_error_inputs  False: only error_inputs (an op whose calling convention the defaults
                     of its kind don't fit)
      domain         (low, high) of floating inputs; integer inputs use (ceil(low), high) within the
                     default [-9, 10); int_domain overrides that
      tol            {dtype: (rtol, atol)} over the defaults of testing.assert_close
      check          fn(op, sample, result) replacing the reference comparison (random ops, empty)
      result_dtype / compute_dtype   fn(op, sample) -> dtype, overriding the promotion rule
      expected_error fn(op, sample) -> exception type or None, before the dtype-set rule
      ref_inputs     "compute": tensors become NumPy arrays in the compute dtype (float64 for
                     floating) before ref; "exact": in their own dtype
      method_self    index of the argument that is `self` in the method variant (where: 1)
      scalars        the kinds of Python-number operand ("int", "float") binary pointwise samples use
      arity          the number of tensor operands (default: the YAML schema's); giving it marks a
                     composite as pointwise-like (compute-dtype reference, ieee specials)
      out_ok         fn(op, sample) -> whether the out= variant applies to that sample's overload
      out_dtype_exact  out= must have exactly the result dtype (mm, softmax: PyTorch's rule); otherwise
                     any dtype the result can be cast to
      ieee_specials  add samples with nan, +-inf and -0.0 (floating dtypes) where NumPy and PyTorch
                     agree on them: True (the tensor operands), False, or the indices of the args

    An entry for a name that is not in native_functions.yaml does not raise: `meta` is None and the
    coverage test in tests/test_ops.py reports it (op_db leaves it out).
    """

    def __init__(self, name, *, ref=None, dtypes=None, promotion=None, sample_inputs=None,
                 error_inputs=None, domain=(None, None), int_domain=None, tol=None, check=None,
                 result_dtype=None, compute_dtype=None, expected_error=None, ref_inputs=None,
                 method_self=0, scalars=("int", "float"), arity=None, out_ok=None, ieee_specials=None,
                 out_dtype_exact=False, default_error_inputs=True):
        meta = tg.ops.all_ops().get(name)
        self.name = name
        self.meta = meta
        self.kind = meta.kind if meta is not None else None
        self.variants = tuple(meta.variants) if meta is not None else ()
        self.tags = tuple(meta.tags) if meta is not None else ()
        if ref is not None and self.kind == "reduction" and _is_numpy_function(ref):
            ref = _numpy_reduction_ref(ref)
        elif ref is not None and self.kind == "scan" and _is_numpy_function(ref):
            ref = _numpy_scan_ref(ref)
        self.ref = ref
        if dtypes is None:
            dtypes = DTYPE_SETS[meta.dtypes] if meta is not None else ALL_DTYPES
        self.dtypes = tuple(dtypes)
        if promotion is None:
            promotion = meta.promotion if meta is not None else "default"
        self.promotion = promotion
        self._sample_inputs = sample_inputs
        self._error_inputs = error_inputs
        self.default_error_inputs = default_error_inputs
        self.domain = domain
        self.int_domain = int_domain
        self.tol = tol or {}
        self._check = check
        self._result_dtype = result_dtype
        self._compute_dtype = compute_dtype
        self._expected_error = expected_error
        # pointwise-like: the reference runs in the compute dtype, Python numbers are weak scalars
        self.pointwise_like = (self.kind in ("pointwise", "reduction") or "pointwise" in self.tags
                               or arity is not None)
        # scans (cumsum) compare in the compute dtype too, but their dim is no weak scalar
        self.ref_inputs = ref_inputs or ("compute" if self.pointwise_like or self.kind == "scan" else "exact")
        self.method_self = method_self
        self.scalars = scalars
        self._out_ok = out_ok
        self.out_dtype_exact = out_dtype_exact
        if arity is None:
            arity = meta.arity if meta is not None else 0
        self.arity = arity
        if ieee_specials is None:
            ieee_specials = self.pointwise_like or self.kind == "scan"
        if ieee_specials is True:
            ieee_specials = tuple(range(max(arity, 1)))  # every tensor operand
        self.ieee_specials = tuple(ieee_specials or ())

    @property
    def family(self) -> str:
        """The module of opinfo/ that holds this op's entry (from its kind, tags and schema)."""
        return family_of(self.meta) if self.meta is not None else "?"

    def __repr__(self) -> str:
        return f"OpInfo({self.name})"

    # -- calling
    @property
    def function(self):
        fn = getattr(tg, self.name, None)
        return fn if fn is not None else getattr(tg._C, self.name)

    def has_variant(self, v: str) -> bool:
        return v in self.variants

    def __call__(self, sample: SampleInput):
        """The op through its primary variant: the function if it has one, else the method."""
        if "function" in self.variants:
            return self.call(sample, "function")
        return self.call(sample, "method")

    def call(self, sample: SampleInput, variant: str, out=None):
        args, kwargs = sample.args, sample.kwargs
        if variant == "function":
            return self.function(*args, **kwargs)
        if variant == "out":
            return self.function(*args, out=out, **kwargs)
        i = self.method_self
        self_arg, rest = args[i], args[:i] + args[i + 1:]
        if variant == "method":
            return getattr(self_arg, self.name)(*rest, **kwargs)
        if variant == "inplace":
            return getattr(self_arg, self.name + "_")(*rest, **kwargs)
        raise ValueError(variant)

    @property
    def self_index(self) -> int:
        return self.method_self

    def supports_out(self, sample) -> bool:
        """Whether op(*sample, out=...) exists (max(x) has no out= overload, max(x, dim) has)."""
        return "out" in self.variants and (self._out_ok is None or self._out_ok(self, sample))

    # -- samples
    def domain_for(self, dtype):
        lo, hi = self.domain
        if dtype is tg.bool or is_floating(dtype):
            return lo, hi
        if self.int_domain is not None:
            return self.int_domain
        ilo = None if lo is None else max(-9, math.ceil(lo))
        ihi = None if hi is None else min(10, math.floor(hi) + 1)
        return ilo, ihi

    def samples_for(self, dtype, mode="basic"):
        make = Maker(self, dtype, noncontiguous=(mode == "noncontig"))
        gen = self._sample_inputs or _DEFAULT_SAMPLES.get(self.default_kind)
        if gen is None:
            raise NotImplementedError(f"opinfo: {self.name} needs sample_inputs")
        samples = list(gen(self, dtype, "basic" if mode == "noncontig" else mode, make))
        if mode == "basic" and self.ieee_specials and is_floating(dtype):
            samples += self._special_value_samples(samples[:2], dtype)
        return samples

    def _special_value_samples(self, samples, dtype):
        """The first samples again, with nan, +-inf and -0.0 among the floating inputs."""
        out = []
        for k, s in enumerate(samples):
            args = list(s.args)
            for i in self.ieee_specials:
                a = args[i] if i < len(args) else None
                if isinstance(a, tg.Tensor) and a.dtype is dtype:
                    args[i] = special_values(tuple(a.shape), dtype, seed=10 * k + i)
            out.append(SampleInput(*args, name="ieee specials", **s.kwargs))
        return out

    @property
    def default_kind(self):
        """The kind whose default samples and error inputs the op gets: "pointwise" (kind, or a
        composite tagged pointwise), "reduction", "scan", or None."""
        if self.kind in ("pointwise", "reduction", "scan"):
            return self.kind
        return "pointwise" if "pointwise" in self.tags else None

    def error_inputs(self):
        """The default error inputs of the op's kind, then its own (one of the same name replaces
        the default)."""
        own = list(self._error_inputs(self)) if self._error_inputs else []
        gen = _DEFAULT_ERRORS.get(self.default_kind) if self.default_error_inputs else None
        if gen is None:
            return own
        names = {e.name for e in own}
        return [e for e in gen(self) if e.name not in names] + own

    # -- dtypes
    def operands(self, sample):
        """The arguments taking part in type promotion."""
        if self.kind in ("reduction", "scan"):
            return [sample.args[0]]
        ops = [a for a in sample.args if isinstance(a, (tg.Tensor, builtins.bool, builtins.int, builtins.float))]
        ops += [sample.kwargs[k] for k in ("min", "max") if sample.kwargs.get(k) is not None]
        return ops

    def compute_dtype(self, sample):
        if self._compute_dtype is not None:
            return self._compute_dtype(self, sample)
        p = self.promotion
        if self.kind in ("reduction", "scan"):
            x = sample.args[0]
            requested = sample.kwargs.get("dtype")
            if requested is not None:
                return requested
            if p == "sum":
                return x.dtype if is_floating(x.dtype) else tg.int64
            return x.dtype
        common = result_type(*self.operands(sample))
        if p == "int_to_float" and not is_floating(common):
            return tg.float32
        return common

    def result_dtype(self, sample):
        if self._result_dtype is not None:
            return self._result_dtype(self, sample)
        p = self.promotion
        if p == "always_bool":
            return tg.bool
        if p == "index":
            return tg.int64
        if self.kind in ("reduction", "scan"):
            rdt = sample.args[0].dtype if p == "keep" else self.compute_dtype(sample)
            # (values, indices): cummax, mode
            return (rdt, tg.int64) if len(self.meta.primary.returns) == 2 else rdt
        return self.compute_dtype(sample)

    def supports(self, sample) -> bool:
        return self.compute_dtype(sample) in self.dtypes

    def expected_error(self, sample):
        """The exception type calling the op on sample must raise, or None when it must work."""
        if self._expected_error is not None:
            err = self._expected_error(self, sample)
            if err is not None:
                return err
        if self.kind == "reduction" and self.promotion == "floating_only":
            if not is_floating(self.compute_dtype(sample)):
                return RuntimeError  # mean of integers: "could not infer output dtype"
        return None if self.supports(sample) else NotImplementedError

    # -- reference
    def reference(self, sample):
        """The expected result of the op on sample, from the NumPy reference."""
        if self.ref_inputs == "compute":
            cd = self.compute_dtype(sample)
            np_dt = np.float64 if is_floating(cd) else np_dtype(cd)
            if self.kind == "reduction" and self.promotion in ("keep", "index", "always_bool") \
                    and not is_floating(cd):
                np_dt = None  # max/argmax/all over the input as it is
        else:
            np_dt = None
        args = [_to_np(a, np_dt) for a in sample.args]
        kwargs = {k: _to_np(v, np_dt) for k, v in sample.kwargs.items()}
        if np_dt is not None and self.ref_inputs == "compute" and self.pointwise_like and self.kind != "reduction":
            # A Python number operand is a "weak" scalar: PyTorch converts it to the compute dtype
            # (so uint8 // -3 divides by 253), and so does the reference.
            args = [_scalar_to(a, np_dt) for a in args]
            kwargs = {k: _scalar_to(v, np_dt) if k in ("min", "max") else v for k, v in kwargs.items()}
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # mean of an empty slice is nan, as in PyTorch
            return self.ref(*args, **kwargs)

    def check(self, sample, result):
        if self._check is not None:
            self._check(self, sample, result)
        else:
            check_result(self, sample, result)


def _expected_array(value, dt):
    a = np.asarray(value)
    if is_floating(dt):
        return a.astype(np.float64)
    with np.errstate(all="ignore"):
        return a.astype(np_dtype(dt))


def check_result(op: OpInfo, sample: SampleInput, result, expected=None, dtypes=None):
    """Compares result with the reference: dtype, shape and values within the op's tolerances."""
    expected = op.reference(sample) if expected is None else expected
    if isinstance(expected, (builtins.bool, np.bool_)) and op.promotion == "python_bool":
        assert type(result) is builtins.bool, f"{op.name}: expected a Python bool, got {type(result).__name__}"
        assert result == builtins.bool(expected), f"{op.name}{sample}: {result} != reference {expected}"
        return
    rdt = op.result_dtype(sample) if dtypes is None else dtypes
    if isinstance(expected, tuple):
        assert isinstance(result, tuple) and len(result) == len(expected), \
            f"{op.name}{sample}: expected a tuple of {len(expected)}, got {result!r}"
        rdts = rdt if isinstance(rdt, tuple) else (rdt,) * len(expected)
        for r, e, d in zip(result, expected, rdts):
            _check_one(op, sample, r, e, d)
        return
    _check_one(op, sample, result, expected, rdt)


def _check_one(op, sample, result, expected, rdt):
    from tensorgen.testing._utils import assert_close

    assert isinstance(result, tg.Tensor), f"{op.name}{sample}: expected a Tensor, got {type(result).__name__}"
    assert result.dtype is rdt, f"{op.name}{sample}: result dtype {result.dtype}, expected {rdt}"
    exp = _expected_array(expected, rdt)
    rtol, atol = op.tol.get(rdt, _tol(rdt))
    assert_close(result, exp, rtol=rtol, atol=atol, msg=f"{op.name}{sample}")
    if sample.shares_storage:
        assert result.untyped_storage().data_ptr() == sample.args[0].untyped_storage().data_ptr(), \
            f"{op.name}{sample}: the result must be a view of the input"


# ----------------------------------------------------------------------------- default samples by kind

S, L = (3, 4), (2, 3, 4)


def _unary_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S))
        yield SampleInput(make(L))
    elif mode == "zero_dim":
        yield SampleInput(make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)))
        yield SampleInput(make((3, 0, 2)))
    elif mode == "promotion":
        for dt in (tg.bool, tg.uint8, tg.int64, tg.float16):
            yield SampleInput(Maker(op, dt)(S))
    elif mode == "large":
        yield SampleInput(make(BIG))
        yield SampleInput(make(BIG[::-1]).t())


_PROMOTION_PAIRS = [
    # (shape, dtype) or Python number, for the two operands
    ((S, tg.int64), (S, tg.float32)),
    ((S, tg.uint8), (S, tg.int8)),
    ((S, tg.float16), (S, tg.bfloat16)),
    ((S, tg.int32), ((), tg.float64)),     # 0-d tensor of a higher category: float64
    ((S, tg.float32), ((), tg.float64)),   # same category: the dimensioned tensor wins
    ((S, tg.float16), ((), tg.int64)),
    ((S, tg.bool), (S, tg.int32)),
    ((S, tg.int16), "float"),              # Python float with an integer tensor: float32
    ((S, tg.bool), "int"),                 # Python int with a bool tensor: int64
    ((S, tg.uint8), "int"),                # Python int with uint8: stays uint8
    ((S, tg.float16), "float"),
]


def _binary_samples(op, dtype, mode, make, nonzero_other=False):
    def other(shape, dt=None):
        return make(shape, dt, nonzero=nonzero_other)

    if mode == "basic":
        yield SampleInput(make(S), other(S))
        yield SampleInput(make(L), other(L))
        for kind in op.scalars:
            yield SampleInput(make(S), _scalar_for(dtype, kind))
    elif mode == "broadcast":
        yield SampleInput(make(S), other((4,)))
        yield SampleInput(make((3, 1)), other((1, 4)))
        yield SampleInput(make((4,)), other(S))
        yield SampleInput(make((2, 1, 4)), other((3, 1)))
    elif mode == "zero_dim":
        yield SampleInput(make(()), other(()))
        yield SampleInput(make(S), other(()))
        yield SampleInput(make(()), other(S))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), other((0, 4)))
        yield SampleInput(make((0, 4)), other((4,)))
        yield SampleInput(make((2, 0)), other((2, 1)))
    elif mode == "large":
        yield SampleInput(make(BIG), other(BIG))
        yield SampleInput(make(BIG[::-1]).t(), other(BIG))            # operands disagree on layout
        yield SampleInput(make(BIG), other((BIG[1],)))
        yield SampleInput(make((BIG[0], 1)), other(BIG))
    elif mode == "promotion":
        for a, b in _PROMOTION_PAIRS:
            if isinstance(b, str) and b not in op.scalars:
                continue
            x = Maker(op, a[1], seed=7)(a[0])
            y = _scalar_for(a[1], b) if isinstance(b, str) else Maker(op, b[1], seed=9)(b[0], nonzero=nonzero_other)
            yield SampleInput(x, y)


BIG = (37, 129)  # odd sizes, a few thousand elements: past the short-tensor paths


_TERNARY_BROADCAST = [  # each operand in turn the one that decides the shape
    (S, (4,), (3, 1)),
    ((3, 1), S, (1, 4)),
    ((4,), (3, 1), S),
    ((2, 1, 4), (3, 1), (4,)),
]

_TERNARY_PROMOTION = [  # (shape, dtype) of the three operands
    ((S, tg.int64), (S, tg.float32), (S, tg.float32)),
    ((S, tg.float16), (S, tg.float32), ((), tg.float64)),   # 0-d float64 doesn't outrank float32
    ((S, tg.uint8), (S, tg.int8), (S, tg.int16)),
    ((S, tg.float32), ((), tg.float64), ((), tg.int64)),
    ((S, tg.bool), (S, tg.float16), (S, tg.bfloat16)),
    (((), tg.float64), (S, tg.int32), (S, tg.float16)),
    ((S, tg.bfloat16), (S, tg.bfloat16), (S, tg.bfloat16)),
]


def _ternary_samples(op, dtype, mode, make, *, nonzero=(), extra_kwargs=()):
    """Samples of a pointwise op with three tensor operands: equal shapes, shapes that broadcast
    among all three, a 0-d tensor in each position, zero-size shapes, a few thousand elements with
    transposed and broadcast operands, mixed dtypes. nonzero: operand positions that must not hold
    0 (divisors); extra_kwargs: keyword arguments (value=...) each tried once on the basic shapes."""
    def three(*shapes):
        return [make(s, nonzero=i in nonzero) for i, s in enumerate(shapes)]

    if mode == "basic":
        yield SampleInput(*three(S, S, S))
        yield SampleInput(*three(L, L, L))
        for kw in extra_kwargs:
            yield SampleInput(*three(S, S, S), **kw)
    elif mode == "broadcast":
        for shapes in _TERNARY_BROADCAST:
            yield SampleInput(*three(*shapes))
    elif mode == "zero_dim":
        yield SampleInput(*three((), (), ()))
        yield SampleInput(*three((), S, S))
        yield SampleInput(*three(S, (), S))
        yield SampleInput(*three(S, S, ()))
    elif mode == "zero_size":
        yield SampleInput(*three((0, 4), (0, 4), (0, 4)))
        yield SampleInput(*three((0, 4), (4,), ()))
        yield SampleInput(*three((2, 0), (2, 1), (1, 0)))
    elif mode == "large":
        yield SampleInput(*three(BIG, BIG, BIG))
        a, b, c = three(BIG[::-1], BIG, (BIG[1],))
        yield SampleInput(a.t(), b, c)                      # operands disagree on layout (blocked walk)
        a, b, c = three(BIG, BIG[::-1], (BIG[0], 1))
        yield SampleInput(a, b.t(), c)
    elif mode == "promotion":
        for k, operands in enumerate(_TERNARY_PROMOTION):
            yield SampleInput(*[Maker(op, dt, seed=7 + 2 * k + i)(shape, nonzero=i in nonzero)
                                for i, (shape, dt) in enumerate(operands)])


def _pointwise_samples(op, dtype, mode, make):
    """The default samples of a pointwise op, by its number of tensor operands."""
    if op.arity == 1:
        return _unary_samples(op, dtype, mode, make)
    if op.arity == 3:
        return _ternary_samples(op, dtype, mode, make, extra_kwargs=_scalar_kwargs(op, dtype))
    return _binary_samples(op, dtype, mode, make)


def _scalar_kwargs(op, dtype):
    """Keyword Scalar arguments with a default (addcmul's value=1), each tried with two other values:
    integers every integer dtype holds (PyTorch refuses a value that overflows the dtype), floats
    with a fraction and a sign; none for bool."""
    overload = _generic_overload(op)
    if dtype is tg.bool or overload is None:
        return []
    names = [a.name for a in overload.arguments if a.kwarg_only and a.type == "Scalar" and a.default is not None]
    values = (0.5, -2) if is_floating(dtype) else (2, 3)
    return [{name: v} for name in names for v in values]


def _has_identity(op) -> bool:
    """Whether reducing no elements has an answer (sum: 0); max, amax and argmax have none: an empty
    input is an error and their zero-size samples reduce only the non-empty dims."""
    return op.promotion not in ("keep", "index")


def _reduction_samples(op, dtype, mode, make):
    # a list of dims: `int[1]? dim=None` (sum: None reduces all) or `int[1] dim=[]` (amax: [] does)
    multi_dim = op.meta.has_argument("dim", "int[1]?") or op.meta.has_argument("dim", "int[1]")
    empty_list_is_all = op.meta.has_argument("dim", "int[1]")
    has_dtype = op.meta.has_argument("dtype", "ScalarType?")
    if not op.meta.has_argument("dim"):  # reduces everything: no dim to pass
        shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)], "large": [BIG]}.get(mode, [])
        for shape in shapes:
            yield SampleInput(make(shape))
        return
    if not op.meta.primary.argument("dim"):
        # max(x) and max.dim(x, dim) -> (values, indices): the overload with a dim takes one
        if mode == "basic":
            yield SampleInput(make(S))
            yield SampleInput(make(L), 1)
            yield SampleInput(make(L), 0, keepdim=True)
            yield SampleInput(make(S), dim=-1)
        elif mode == "zero_dim":
            yield SampleInput(make(()))
            yield SampleInput(make(()), 0)
        elif mode == "zero_size":
            yield SampleInput(make((0, 3)), 1)
            yield SampleInput(make((2, 0, 3)), 2, keepdim=True)
        elif mode == "large":
            yield SampleInput(make(BIG))
            yield SampleInput(make(BIG), 0)
            yield SampleInput(make(BIG), 1)
            yield SampleInput(make(BIG[::-1]).t(), 1)
        return
    if mode == "basic":
        yield SampleInput(make(S))
        yield SampleInput(make(L), 0)
        yield SampleInput(make(L), dim=-1, keepdim=True)
        if multi_dim:
            yield SampleInput(make(L), (0, 2))
            yield SampleInput(make(L), dim=[-1, 1], keepdim=True)
        if empty_list_is_all:
            yield SampleInput(make(L), [], keepdim=True)
    elif mode == "zero_dim":
        yield SampleInput(make(()))
        yield SampleInput(make(()), 0)
        yield SampleInput(make(()), dim=-1, keepdim=True)
        if multi_dim:
            yield SampleInput(make(()), dim=[-1], keepdim=True)
    elif mode == "zero_size":
        if not _has_identity(op):  # amax/argmax over nothing has no answer (an error input)
            yield SampleInput(make((0, 3)), 1)
            if multi_dim:
                yield SampleInput(make((0, 3, 2)), [1, 2], keepdim=True)
            return
        yield SampleInput(make((0, 3)))
        yield SampleInput(make((0, 3)), 0)
        yield SampleInput(make((0, 3)), 1, keepdim=True)
    elif mode == "large":
        yield SampleInput(make(BIG))
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG[::-1]).t(), 0)
    elif mode == "promotion" and has_dtype:
        for src, dst in ((tg.int32, tg.float32), (tg.bool, tg.float64), (tg.float16, tg.float32),
                         (tg.float32, tg.float64), (tg.int16, tg.int32)):
            yield SampleInput(Maker(op, src)(S), dtype=dst)
            yield SampleInput(Maker(op, src)(L), 1, dtype=dst)


def _scan_samples(op, dtype, mode, make):
    """The default samples of a scan (cumsum, cummax): dim is required. A scan returning (values,
    indices) gets a sample with ties (the later index wins); the others one with zeros inside the
    lines (cumprod's gradient takes another path there)."""
    pair = len(op.meta.primary.returns) == 2
    has_dtype = op.meta.has_argument("dtype", "ScalarType?")
    if mode == "basic":
        if not pair:
            zeros = np.array([[1, 0, 2, 3], [0, 2, 0, 1], [2, 1, 3, 2]])
            yield SampleInput(_maybe_noncontiguous(tg.tensor(zeros, dtype=dtype), make.noncontiguous), 1,
                              name="zeros")
        yield SampleInput(make(S), 0)
        yield SampleInput(make(S), 1)
        yield SampleInput(make(L), dim=-1)
        yield SampleInput(make(L), 1)
        if pair:
            ties = np.array([[1, 3, 3, 0, 3], [2, 2, 1, 2, 0]])
            yield SampleInput(_maybe_noncontiguous(tg.tensor(ties, dtype=dtype), make.noncontiguous), 1,
                              name="ties")
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0)
        yield SampleInput(make(()), -1)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), 0)
        yield SampleInput(make((0, 3)), 1)
        yield SampleInput(make((2, 0)), 0)
    elif mode == "large":
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG[::-1]).t(), 0)
    elif mode == "promotion":  # integers and bool accumulate in int64 (promotion: sum) unless dtype=
        for src, dst in ((tg.int32, tg.float32), (tg.bool, None), (tg.float16, tg.float32),
                         (tg.float32, tg.float64), (tg.int16, tg.int32), (tg.uint8, None)):
            if dst is not None and not has_dtype:
                continue
            kw = {} if dst is None else {"dtype": dst}
            yield SampleInput(Maker(op, src)(L), 1, **kw)


_DEFAULT_SAMPLES = {"pointwise": _pointwise_samples, "reduction": _reduction_samples, "scan": _scan_samples}


# ----------------------------------------------------------------------------- error-input helpers

def _errors(*items):
    """A fixed list of ErrorInputs: _errors((name, fn, exc[, match]), ...)."""
    def gen(op):
        return [ErrorInput(*it) for it in items]
    return gen


def _f(shape=S, dtype=tg.float32, seed=3):
    return make_tensor(shape, dtype, seed=seed)


def _callable(op):
    """The op as a function: tg.<name> (or tg._C.<name>), else the method on the first argument."""
    if "function" in op.variants:
        return op.function
    return lambda self, *args, **kwargs: getattr(self, op.name)(*args, **kwargs)


def _binary_error_items(op, fn):
    name = op.name
    yield ErrorInput("shapes that don't broadcast", lambda: fn(_f((2, 3)), _f((4,))), RuntimeError,
                     "cannot be broadcast")
    yield ErrorInput("string operand", lambda: fn(_f(), "a"), TypeError)
    if op.has_variant("inplace"):
        yield ErrorInput("in-place result doesn't fit self", lambda: getattr(_f((3, 1)), name + "_")(_f(S)),
                         RuntimeError)
    if op.has_variant("out"):
        yield ErrorInput("out= is not a tensor", lambda: fn(_f(), _f(), out=3), TypeError)
    # PyTorch's assert_no_partial_overlap (composites like div compute into a temporary first;
    # test_ops checks that they give the right answer instead)
    if op.kind == "pointwise" and op.has_variant("inplace"):
        def inplace_with_own_transpose():
            x = _f((3, 3))
            return getattr(x, name + "_")(x.t())
        yield ErrorInput("in-place with a transposed view of self (partial overlap)", inplace_with_own_transpose,
                         RuntimeError, "single memory location")
    if op.kind == "pointwise" and op.has_variant("out"):
        def out_overlaps_input():
            x = _f((5,))
            return fn(x[1:], x[1:], out=x[:-1])
        yield ErrorInput("out= overlaps an input partially", out_overlaps_input, RuntimeError,
                         "single memory location")


def _nary_error_items(op, fn):
    """The default error inputs of a pointwise op with three (or more) tensor operands (addcmul)."""
    name, n = op.name, op.arity

    def fs(*shapes):
        return [_f(shape, seed=3 + i) for i, shape in enumerate(shapes)]
    yield ErrorInput("shapes that don't broadcast", lambda: fn(*fs((2, 3), (4,), *[(2, 3)] * (n - 2))), RuntimeError,
                     "cannot be broadcast")
    yield ErrorInput("third operand doesn't broadcast", lambda: fn(*fs(S, S, (5,), *[S] * (n - 3))), RuntimeError,
                     "cannot be broadcast")
    yield ErrorInput("string operand", lambda: fn(*fs(*[S] * (n - 1)), "a"), TypeError)
    yield ErrorInput("missing operand", lambda: fn(*fs(*[S] * (n - 1))), TypeError)
    if op.has_variant("inplace"):
        yield ErrorInput("in-place result doesn't fit self",
                         lambda: getattr(_f((3, 1)), name + "_")(*fs(*[S] * (n - 1))), RuntimeError)

        def inplace_with_own_transpose():
            x = _f((3, 3))
            return getattr(x, name + "_")(x.t(), *fs(*[(3, 3)] * (n - 2)))
        yield ErrorInput("in-place with a transposed view of self (partial overlap)", inplace_with_own_transpose,
                         RuntimeError, "single memory location")
    if op.has_variant("out"):
        yield ErrorInput("out= is not a tensor", lambda: fn(*fs(*[S] * n), out=3), TypeError)

        def out_overlaps_input():
            x = _f((5,))
            return fn(x[1:], *fs(*[(4,)] * (n - 2)), x[1:], out=x[:-1])
        yield ErrorInput("out= overlaps an input partially", out_overlaps_input, RuntimeError,
                         "single memory location")


def _unary_error_items(op, fn):
    yield ErrorInput("not a tensor", lambda: fn([1.0, 2.0]), TypeError)
    yield ErrorInput("too many arguments", lambda: fn(_f(), _f()), TypeError)


def _uncastable(dt):
    """A dtype that a result of dtype dt can't be written into (None for bool: it fits anywhere)."""
    if dt is tg.bool:
        return None
    return tg.int64 if is_floating(dt) else tg.bool


def _input_dtype(op):
    """The dtype of the inputs of the default error inputs: float32 when the op takes it."""
    for dt in (tg.float32, tg.int64):
        if dt in op.dtypes:
            return dt
    return op.dtypes[0]


def _out_dtype_error(op, fn, args):
    """out= of a dtype the result can't be cast to (the op's own dtype rules give the result)."""
    sample = SampleInput(*args)
    if not op.has_variant("out") or not op.supports_out(sample) or op.expected_error(sample) is not None:
        return
    rdt = op.result_dtype(sample)
    bad = None if isinstance(rdt, tuple) else _uncastable(rdt)
    if bad is not None:
        yield ErrorInput(f"out= of dtype {dtype_name(bad)} ({dtype_name(rdt)} result)",
                         lambda: fn(*args, out=tg.empty(0, dtype=bad)), RuntimeError, "can't be cast")


def _inplace_dtype_error(op):
    """self.op_(...) whose result dtype can't be written into self: an integer self with a float
    result (exp_ of int64, or int64.add_(float32))."""
    if not op.has_variant("inplace") or op.arity < 1:
        return
    for self_dt in (tg.int64, tg.bool):
        args = [_f(S, self_dt, seed=4)] + [_f(S, tg.float32, seed=5 + i) for i in range(op.arity - 1)]
        sample = SampleInput(*args)
        if op.expected_error(sample) is not None:
            continue
        rdt = op.result_dtype(sample)
        if isinstance(rdt, tuple) or can_cast(rdt, self_dt):
            continue
        yield ErrorInput(f"in-place {dtype_name(rdt)} result into self of dtype {dtype_name(self_dt)}",
                         lambda: getattr(args[0], op.name + "_")(*args[1:]), RuntimeError, "can't be cast")
        return


def _required(overload):
    return [a for a in overload.arguments if not a.kwarg_only and a.default is None]


def _generic_overload(op):
    """The overload the default error inputs call: the first one (the primary first) whose required
    positional arguments are all Tensors (lerp.Tensor, not lerp.Scalar; none for _div_rounding,
    whose rounding_mode is required), or None."""
    overloads = [op.meta.primary] + [o for o in op.meta.overloads if o is not op.meta.primary]
    return next((o for o in overloads if all(a.is_tensor for a in _required(o))), None)


def _generic_call_ok(op) -> bool:
    """Whether the default error inputs can call the op with tensors alone."""
    return _generic_overload(op) is not None


def pointwise_error_inputs(op):
    """The default error inputs of a pointwise op, from its arity, variants and dtype rules."""
    if not _generic_call_ok(op):
        return
    fn = _callable(op)
    required = _required(_generic_overload(op))
    if op.arity == 1:
        yield from _unary_error_items(op, fn)
    elif op.arity >= 3 and len(required) == op.arity:  # addcmul (not clamp: its min and max are optional)
        yield from _nary_error_items(op, fn)
    else:
        yield from _binary_error_items(op, fn)
    dt = _input_dtype(op)
    yield from _out_dtype_error(op, fn, [_f(S, dt, seed=6 + i) for i in range(max(op.arity, 1))])
    yield from _inplace_dtype_error(op)
    yield from _unsupported_dtype_errors(op, fn, len(required))


def _unsupported_dtype_errors(op, fn, n):
    """`trunc of bool`: operands of a dtype outside the op's set that promotion doesn't lift into it
    raise NotImplementedError naming the op; one dtype of each category (bool, integer, floating;
    test_ops checks every dtype without the op's name)."""
    for category in ((tg.bool,), (tg.int64, tg.int32, tg.int16, tg.int8, tg.uint8),
                     (tg.float32, tg.float64, tg.float16, tg.bfloat16)):
        for dt in category:
            args = [_f(S, dt, seed=3 + i) for i in range(n)]
            sample = SampleInput(*args)
            if dt not in op.dtypes and op.compute_dtype(sample) is dt and op.expected_error(sample) is NotImplementedError:
                yield ErrorInput(f"{op.name} of {dtype_name(dt)}", lambda args=args: fn(*args), NotImplementedError,
                                 rf"\[{op.name}\]")
                break


def reduction_error_inputs(op):
    """The default error inputs of a reduction: dims out of range or of the wrong type, out= of a
    dtype the result can't be cast to, dtype= that is not a dtype."""
    if not _generic_call_ok(op):
        return
    fn = _callable(op)
    name = op.name
    meta = op.meta
    if meta.has_argument("dim"):
        yield ErrorInput("dim out of range", lambda: fn(_f(), dim=5), IndexError, rf"\[{name}\]")
        yield ErrorInput("dim out of range (negative)", lambda: fn(_f(), dim=-3), IndexError)
        if meta.has_argument("dim", "int[1]?") or meta.has_argument("dim", "int[1]"):
            yield ErrorInput("repeated dim", lambda: fn(_f(), dim=(0, 0)), RuntimeError, "multiple times")
            yield ErrorInput("dim out of range in a list", lambda: fn(_f(), dim=[0, -3]), IndexError)
        yield ErrorInput("dim is a string", lambda: fn(_f(), dim="a"), TypeError)
        yield ErrorInput("dim is a float", lambda: fn(_f(), dim=0.5), TypeError)
    if not _has_identity(op) and op._sample_inputs is None:
        # what the default zero-size samples stay clear of (median and mode bring their own rules:
        # median of no floats is nan, mode reduces one dim)
        yield ErrorInput("no elements, all dims", lambda: fn(tg.empty([0, 3])), RuntimeError)
        if meta.has_argument("dim"):
            yield ErrorInput("reducing a zero-size dim", lambda: fn(tg.empty([0, 3]), dim=0), IndexError)
    if op.promotion == "floating_only":  # mean of integers: PyTorch can't infer the output dtype
        yield ErrorInput(f"{name} of int64", lambda: fn(_f(S, tg.int64)), RuntimeError, "dtype")
        yield ErrorInput(f"{name} of bool", lambda: fn(_f(S, tg.bool)), RuntimeError)
    for a in meta.primary.arguments:  # var's correction=: a number, not a string
        if a.kwarg_only and a.type.rstrip("?") in ("Scalar", "float", "int"):
            yield ErrorInput(f"{a.name} is a string", lambda a=a: fn(_f(), **{a.name: "1"}), TypeError)
    if len(meta.returns) == 1:
        yield from _out_dtype_error(op, fn, [_f(S, _input_dtype(op))])
    if meta.has_argument("dtype", "ScalarType?"):
        yield ErrorInput("dtype= is not a dtype", lambda: fn(_f(), dtype="float32"), TypeError)
        if op.promotion == "floating_only":
            yield ErrorInput("dtype= of an integer type", lambda: fn(_f(), dtype=tg.int64), RuntimeError,
                             rf"\[{name}\]")


def scan_error_inputs(op):
    """The default error inputs of a scan (cumsum, cummax): dim required, in range and an int; dtype=
    a supported dtype; out= and in-place results that can't hold the result's dtype."""
    fn = _callable(op)
    name, meta = op.name, op.meta
    yield ErrorInput("dim out of range", lambda: fn(_f(), 2), IndexError, rf"\[{name}\]")
    yield ErrorInput("dim out of range (negative)", lambda: fn(_f(), -3), IndexError)
    yield ErrorInput("0-d input, dim 1", lambda: fn(tg.tensor(1.0), 1), IndexError)
    yield ErrorInput("dim missing", lambda: fn(_f()), TypeError)
    yield ErrorInput("dim is a list", lambda: fn(_f(), [0]), TypeError)
    if meta.has_argument("dtype", "ScalarType?"):
        yield ErrorInput("dtype= is not a dtype", lambda: fn(_f(), 0, dtype="float32"), TypeError)
        bad = next((dt for dt in ALL_DTYPES if dt not in op.dtypes), None)
        if bad is not None:
            yield ErrorInput(f"{dtype_name(bad)} dtype=", lambda: fn(_f(), 0, dtype=bad), NotImplementedError)
    if len(meta.primary.returns) == 1:
        yield from _out_dtype_error(op, fn, [_f(S, _input_dtype(op)), 0])
    elif op.has_variant("out"):  # (values, indices)
        yield ErrorInput("out= indices of dtype float32", lambda: fn(_f(), 0, out=(tg.empty(0), tg.empty(0))),
                         RuntimeError, "int64")
        yield ErrorInput("out= of one tensor", lambda: fn(_f(), 0, out=tg.empty(0)), TypeError)
    if op.has_variant("inplace"):  # cumsum_ of bool: the int64 result can't be written into bool
        for self_dt in (tg.int64, tg.bool):
            sample = SampleInput(_f(S, self_dt, seed=4), 0)
            rdt = op.result_dtype(sample)
            if op.expected_error(sample) is None and not isinstance(rdt, tuple) and not can_cast(rdt, self_dt):
                yield ErrorInput(f"{name}_ of {dtype_name(self_dt)} ({dtype_name(rdt)} result into "
                                 f"{dtype_name(self_dt)})", lambda x=sample.input: getattr(x, name + "_")(0),
                                 RuntimeError, "can't be cast")


_DEFAULT_ERRORS = {"pointwise": pointwise_error_inputs, "reduction": reduction_error_inputs,
                   "scan": scan_error_inputs}


# Helpers of the entries written before the defaults existed: they yield the same error inputs
# (deduplicated by name against the defaults) plus `extra`.
def _binary_errors(name, extra=()):
    def gen(op):
        yield from _binary_error_items(op, getattr(tg, name))
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _unary_errors(name, extra=()):
    def gen(op):
        yield from _unary_error_items(op, getattr(tg, name))
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _int_inplace_error(name, *args):
    """exp_ on an integer tensor: the float32 result can't be written into int64."""
    return (f"{name}_ on int64 (float result into an int tensor)",
            lambda: getattr(_f(S, tg.int64), name + "_")(*args), RuntimeError, "can't be cast")


def _reduction_errors(name, extra=()):
    def gen(op):
        yield from reduction_error_inputs(op)
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _nan_tensor(dtype):
    return tg.tensor([1.0, float("nan"), -2.0], dtype=dtype)


def _fill_value(dtype):
    return True if dtype is tg.bool else (3 if not is_floating(dtype) else 2.5)


def _shape_samples(per_mode):
    def gen(op, dtype, mode, make):
        for shape, args, kwargs in per_mode.get(mode, []):
            yield SampleInput(make(shape), *args, **kwargs)
    return gen


# ----------------------------------------------------------------------------- families

FAMILIES = ("pointwise", "reductions", "scans", "linalg", "shape_ops", "sorting", "indexing", "factories", "views", "copy", "backward_helpers")


def family_of(meta) -> str:
    """The module of opinfo/ where the entry of an op belongs, from what the YAML says about it
    (tg.ops.<name>). A guess for the composites the schema can't tell apart (contiguous looks like
    a view), exact for the kinds."""
    if meta.kind == "pointwise" or "pointwise" in meta.tags:
        return "pointwise"
    if meta.kind == "reduction":
        return "reductions"
    if meta.kind == "scan":
        return "scans"
    if meta.name.endswith("_backward"):
        return "backward_helpers"
    if meta.has_argument("device"):
        return "factories"
    if meta.kind == "view":
        return "views"
    prim = meta.primary
    writes_self = bool(prim.arguments) and "!" in prim.arguments[0].type
    if writes_self or any(r.type != "Tensor" and "(" not in r.type for r in prim.returns) \
            or any(a.type == "ScalarType" for a in prim.arguments):
        return "copy"
    if any("(" in r.type for r in prim.returns):
        return "views"
    if "softmax" in meta.name or prim.arity >= 2:
        return "linalg"
    return "copy"


# ----------------------------------------------------------------------------- devices

# The devices the matrix runs on: CUDA cases are skipped (with the reason) when no GPU is usable.
# Factories (sizes and scalars in, a new tensor out) take device=; the *_like ones follow their input.
FACTORIES = frozenset(name for name, meta in tg.ops.all_ops().items()
                      if meta.arity == 0 and meta.has_argument("device"))


def _devices():
    import pytest
    return ("cpu", pytest.param("cuda", marks=pytest.mark.skipif(not tg.cuda.is_available(), reason="no CUDA GPU")))


def __getattr__(name):
    if name == "DEVICES":  # built lazily: importing opinfo must not need pytest
        return _devices()
    raise AttributeError(name)


def _tensor_on(t, device):
    """t on device with the same dtype, sizes, strides, storage offset and requires_grad (a
    non-contiguous sample stays non-contiguous)."""
    if t.device.type == device:
        return t
    src = t.detach()
    nelem = src.untyped_storage().nbytes() // src.element_size()
    base = tg.empty([nelem], dtype=src.dtype, device=device)
    # The whole storage is copied: copying into the strided view would reject expanded samples
    # (stride 0: several elements share one location).
    base.copy_(src.as_strided([nelem], [1], 0))
    out = base.as_strided(src.shape, src.stride(), src.storage_offset())
    return out.requires_grad_(True) if t.requires_grad else out


def sample_on(op: OpInfo, sample: SampleInput, device: str) -> SampleInput:
    """The same sample with every tensor on device (layout kept); factories get device=."""
    if device == "cpu":
        return sample

    def move(a):
        if isinstance(a, tg.Tensor):
            return _tensor_on(a, device)
        if isinstance(a, (list, tuple)) and any(isinstance(x, tg.Tensor) for x in a):
            return type(a)(move(x) for x in a)
        return a
    args = tuple(move(a) for a in sample.args)
    kwargs = {k: move(v) for k, v in sample.kwargs.items()}
    if op.name in FACTORIES:
        kwargs["device"] = device
    return SampleInput(*args, name=sample.name, shares_storage=sample.shares_storage, **kwargs)


# Every name defined here, private helpers included: the family modules star-import this module so
# that an entry reads the same in any of them (and moves between them verbatim).
__all__ = [n for n, v in list(globals().items())
           if not n.startswith("__") and n != "annotations" and not isinstance(v, type(np))]
