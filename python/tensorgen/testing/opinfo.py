"""The OpInfo database behind tests/test_ops.py (DESIGN.md §8): one entry per op in native_functions.yaml.

Each entry says how to call the op (sample inputs), what it should return (a NumPy reference), which
dtypes it supports, with which tolerances and on which input domain, and how it fails (error inputs).

Pointwise and reduction ops get all of that from their `kind` (tg.ops.<name>.kind), their YAML
`dtypes` and the `promotion` given here, so adding one needs at most its NumPy reference:

    OpInfo("exp", ref=np.exp, promotion="int_to_float")

Everything else (views, factories, linear algebra, softmax, random, copies) has an explicit entry.

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
                return type(a)(show(x) for x in a)
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


# ----------------------------------------------------------------------------- OpInfo


class OpInfo:
    """What the test matrix knows about one op (one name in tg.ops.all_ops(), all its overloads).

    Arguments (all optional; pointwise and reduction ops get defaults from their kind):
      ref            NumPy reference: ref(*np_args, **kwargs) -> array, tuple of arrays, bool or number
      dtypes         supported compute dtypes (default: the YAML `dtypes` set)
      promotion      result dtype rule: default, int_to_float, always_bool, keep, sum, floating_only, index
      sample_inputs  fn(op, dtype, mode, make) -> iterable of SampleInput (default from kind)
      error_inputs   fn(op) -> iterable of ErrorInput
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
      out_ok         fn(op, sample) -> whether the out= variant applies to that sample's overload
      out_dtype_exact  out= must have exactly the result dtype (mm, softmax: PyTorch's rule); otherwise
                     any dtype the result can be cast to
      ieee_specials  add samples with nan, +-inf and -0.0 (floating dtypes) where NumPy and PyTorch
                     agree on them: True (the tensor operands), False, or the indices of the args
    """

    def __init__(self, name, *, ref=None, dtypes=None, promotion="default", sample_inputs=None,
                 error_inputs=None, domain=(None, None), int_domain=None, tol=None, check=None,
                 result_dtype=None, compute_dtype=None, expected_error=None, ref_inputs=None,
                 method_self=0, scalars=("int", "float"), arity=None, out_ok=None, ieee_specials=None,
                 out_dtype_exact=False):
        meta = tg.ops.all_ops().get(name)
        if meta is None:
            raise KeyError(f"opinfo: '{name}' is not an op in native_functions.yaml")
        self.name = name
        self.meta = meta
        self.kind = meta.kind
        self.variants = tuple(meta.variants)
        self.ref = ref
        self.dtypes = tuple(dtypes) if dtypes is not None else DTYPE_SETS[meta.dtypes]
        self.promotion = promotion
        self._sample_inputs = sample_inputs
        self._error_inputs = error_inputs
        self.domain = domain
        self.int_domain = int_domain
        self.tol = tol or {}
        self._check = check
        self._result_dtype = result_dtype
        self._compute_dtype = compute_dtype
        self._expected_error = expected_error
        pointwise_like = self.kind in ("pointwise", "reduction") or arity is not None
        self.ref_inputs = ref_inputs or ("compute" if pointwise_like else "exact")
        self.method_self = method_self
        self.scalars = scalars
        self._out_ok = out_ok
        self.out_dtype_exact = out_dtype_exact
        if arity is None and self.kind == "pointwise":
            schema = meta.schemas[0]
            arity = schema.split("->")[0].count("Tensor ")
        self.arity = arity
        if ieee_specials is None:
            ieee_specials = pointwise_like
        if ieee_specials is True:
            ieee_specials = (0, 1) if arity == 2 else (0,)
        self.ieee_specials = tuple(ieee_specials or ())

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
        gen = self._sample_inputs or _DEFAULT_SAMPLES.get(self.kind)
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

    def error_inputs(self):
        return list(self._error_inputs(self)) if self._error_inputs else []

    # -- dtypes
    def operands(self, sample):
        """The arguments taking part in type promotion."""
        if self.kind == "reduction":
            return [sample.args[0]]
        ops = [a for a in sample.args if isinstance(a, (tg.Tensor, builtins.bool, builtins.int, builtins.float))]
        ops += [sample.kwargs[k] for k in ("min", "max") if sample.kwargs.get(k) is not None]
        return ops

    def compute_dtype(self, sample):
        if self._compute_dtype is not None:
            return self._compute_dtype(self, sample)
        p = self.promotion
        if self.kind == "reduction":
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
        if self.kind == "reduction" and p == "keep":
            return sample.args[0].dtype
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
        if np_dt is not None and self.ref_inputs == "compute" and self.arity is not None:
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


def _pointwise_samples(op, dtype, mode, make):
    if op.arity == 1:
        return _unary_samples(op, dtype, mode, make)
    return _binary_samples(op, dtype, mode, make)


def _reduction_samples(op, dtype, mode, make):
    multi_dim = "int[1]? dim" in op.meta.schemas[0]
    has_dtype = "ScalarType? dtype" in op.meta.schemas[0]
    if op.name in ("max", "min"):
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
    elif mode == "zero_dim":
        yield SampleInput(make(()))
        yield SampleInput(make(()), 0)
        yield SampleInput(make(()), dim=-1, keepdim=True)
    elif mode == "zero_size":
        if op.promotion == "index":  # argmax over nothing has no answer (an error input)
            yield SampleInput(make((0, 3)), 1)
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


_DEFAULT_SAMPLES = {"pointwise": _pointwise_samples, "reduction": _reduction_samples}


def _reduce_ref(npfn):
    def ref(a, dim=None, keepdim=False, dtype=None):
        return npfn(a, axis=_axis(a, dim), keepdims=keepdim)
    return ref


def _max_min_ref(npfn, argfn):
    def ref(a, dim=None, keepdim=False):
        if dim is None:
            return npfn(a)
        axis = _axis(a, dim)
        if a.ndim == 0:
            return a.copy(), np.int64(0)
        return npfn(a, axis=axis, keepdims=keepdim), argfn(a, axis=axis, keepdims=keepdim)
    return ref


def _max_min_dtype(op, sample):
    x = sample.args[0]
    has_dim = len(sample.args) > 1 or "dim" in sample.kwargs
    return (x.dtype, tg.int64) if has_dim else x.dtype


def _arg_ref(argfn):
    def ref(a, dim=None, keepdim=False):
        if a.ndim == 0:
            return np.int64(0)
        return argfn(a, axis=dim, keepdims=keepdim) if dim is not None else argfn(a)
    return ref


# ----------------------------------------------------------------------------- error-input helpers

def _errors(*items):
    """A fixed list of ErrorInputs: _errors((name, fn, exc[, match]), ...)."""
    def gen(op):
        return [ErrorInput(*it) for it in items]
    return gen


def _f(shape=S, dtype=tg.float32, seed=3):
    return make_tensor(shape, dtype, seed=seed)


def _binary_errors(name, extra=()):
    fn = getattr(tg, name)

    def gen(op):
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
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _unary_errors(name, extra=()):
    fn = getattr(tg, name)

    def gen(op):
        yield ErrorInput("not a tensor", lambda: fn([1.0, 2.0]), TypeError)
        yield ErrorInput("too many arguments", lambda: fn(_f(), _f()), TypeError)
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _int_inplace_error(name, *args):
    """exp_ on an integer tensor: the float32 result can't be written into int64."""
    return (f"{name}_ on int64 (float result into an int tensor)",
            lambda: getattr(_f(S, tg.int64), name + "_")(*args), RuntimeError, "can't be cast")


def _reduction_errors(name, extra=()):
    fn = getattr(tg, name)

    def gen(op):
        yield ErrorInput("dim out of range", lambda: fn(_f(), dim=5), IndexError, rf"\[{name}\]")
        yield ErrorInput("dim out of range (negative)", lambda: fn(_f(), dim=-3), IndexError)
        if "int[1]? dim" in op.meta.schemas[0]:
            yield ErrorInput("repeated dim", lambda: fn(_f(), dim=(0, 0)), RuntimeError, "multiple times")
        yield ErrorInput("dim is a string", lambda: fn(_f(), dim="a"), TypeError)
        for e in extra:
            yield ErrorInput(*e)
    return gen


# ----------------------------------------------------------------------------- pointwise entries

def _add_ref(a, b, alpha=1):
    return a + alpha * b if a.dtype != np.bool_ else np.logical_or(a, b)


def _sub_ref(a, b, alpha=1):
    return a - alpha * b


def _alpha_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make)
    if mode == "basic" and dtype is not tg.bool:
        yield SampleInput(make(S), make(S), alpha=2)
        if is_floating(dtype):
            yield SampleInput(make(S), make(S), alpha=0.5)


def _sub_expected_error(op, sample):
    a, b = sample.args[0], sample.args[1]
    a_bool = isinstance(a, tg.Tensor) and a.dtype is tg.bool
    b_bool = (isinstance(b, tg.Tensor) and b.dtype is tg.bool) or isinstance(b, builtins.bool)
    # PyTorch: subtraction with a bool tensor (either side; a Python bool becomes one) is an error
    return RuntimeError if a_bool or b_bool else None


def _div_samples(op, dtype, mode, make):
    yield from _binary_samples(op, dtype, mode, make, nonzero_other=True)
    if mode == "basic" and dtype is not tg.bool:
        for rm in ("trunc", "floor"):
            yield SampleInput(make(S), make(S, nonzero=True), rounding_mode=rm)
            yield SampleInput(make(L), -3, rounding_mode=rm)
        yield SampleInput(make(S), 2.5, rounding_mode="floor")
        yield SampleInput(make(S), make(S, nonzero=True), rounding_mode=None)
    if mode == "promotion":
        yield SampleInput(Maker(op, tg.int32)(S), Maker(op, tg.int64)(S, nonzero=True), rounding_mode="floor")
        yield SampleInput(Maker(op, tg.uint8)(S), 2, rounding_mode="trunc")


def _div_rounding_ref(a, b, rounding_mode=None):
    if rounding_mode is None:
        return a / b
    if rounding_mode == "trunc":
        if np.issubdtype(np.asarray(a).dtype, np.integer) and isinstance(b, (np.ndarray, builtins.int)):
            return np.trunc(np.asarray(a, dtype=np.float64) / np.asarray(b, dtype=np.float64))
        return np.trunc(a / b)
    return np.floor_divide(a, b)


def _div_compute(op, sample):
    common = result_type(*[a for a in sample.args if not isinstance(a, str)])
    if sample.kwargs.get("rounding_mode") is None and not is_floating(common):
        return tg.float32
    return common


def _div_expected_error(op, sample):
    if sample.kwargs.get("rounding_mode") is not None and _div_compute(op, sample) is tg.bool:
        return NotImplementedError
    return None


def _div_rounding_samples(op, dtype, mode, make):
    for s in _binary_samples(op, dtype, mode, make, nonzero_other=True):
        for rm in ("trunc", "floor"):
            yield SampleInput(*s.args, rm)


def _pow_samples(op, dtype, mode, make):
    if is_floating(dtype):
        base = dict(low=0.5, high=3.0)
        ex = dict(low=-2.0, high=3.0)
    else:
        base = dict(low=-3, high=4)
        ex = dict(low=0, high=4)
    if mode == "basic":
        yield SampleInput(make(S, **base), make(S, **ex))
        yield SampleInput(make(L, **base), make(L, **ex))
        yield SampleInput(make(S, **base), 2)
        yield SampleInput(make(S, **base), 3)
        yield SampleInput(make(S, **base), 0)
        if is_floating(dtype):
            yield SampleInput(make(S, **base), 0.5)
            yield SampleInput(make(S, **base), -1.5)
    elif mode == "broadcast":
        yield SampleInput(make(S, **base), make((4,), **ex))
        yield SampleInput(make((3, 1), **base), make((1, 4), **ex))
    elif mode == "zero_dim":
        yield SampleInput(make((), **base), make((), **ex))
        yield SampleInput(make(S, **base), make((), **ex))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4), **base), make((0, 4), **ex))
        yield SampleInput(make((0, 4), **base), 2)
    elif mode == "large":
        yield SampleInput(make(BIG, **base), make(BIG, **ex))
        yield SampleInput(make(BIG, **base), 2)
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int64)(S, low=0, high=4), 0.5)        # int ** float -> float32
        yield SampleInput(Maker(op, tg.int32)(S, low=0, high=4), Maker(op, tg.float64)((), low=0, high=2))
        yield SampleInput(Maker(op, tg.float16)(S, low=0.5, high=3), 2)
        yield SampleInput(Maker(op, tg.uint8)(S, low=0, high=4), Maker(op, tg.int8)(S, low=0, high=3))


def _clamp_samples(op, dtype, mode, make):
    lo, hi = (1, 6) if dtype is not tg.bool else (0, 1)
    if mode == "basic":
        yield SampleInput(make(S), lo, hi)
        yield SampleInput(make(L), min=lo)
        yield SampleInput(make(L), max=hi)
        yield SampleInput(make(S), make(S), make(S))
        yield SampleInput(make(S), min=make(S))
        if dtype is not tg.bool:
            yield SampleInput(make(S), hi, lo)      # min > max: everything becomes max
        if is_floating(dtype):
            yield SampleInput(make(S), -2.5, 3.5)
    elif mode == "broadcast":
        yield SampleInput(make(S), min=make((4,)), max=make((3, 1)))
        yield SampleInput(make(S), make((1, 4)))
    elif mode == "zero_dim":
        yield SampleInput(make(()), lo, hi)
        yield SampleInput(make(S), make(()), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), lo, hi)
        yield SampleInput(make((0, 4)), max=make((4,)))
    elif mode == "large":
        yield SampleInput(make(BIG), lo, hi)
        yield SampleInput(make(BIG), make(BIG), make((BIG[1],)))
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int32)(S), -2.5, 3.5)   # float bounds with an int tensor: float32
        yield SampleInput(Maker(op, tg.bool)(S), 0, 2)         # int bounds with a bool tensor: int64
        yield SampleInput(Maker(op, tg.float16)(S), min=Maker(op, tg.float32)(S))


def _clamp_ref(a, min=None, max=None):
    r = a
    if min is not None:
        r = np.maximum(r, min)
    if max is not None:
        r = np.minimum(r, max)
    return r


def _where_samples(op, dtype, mode, make):
    cond = Maker(op, tg.bool, noncontiguous=make.noncontiguous, seed=50)
    if mode == "basic":
        yield SampleInput(cond(S), make(S), make(S))
        yield SampleInput(cond(L), make(L), make(L))
        yield SampleInput(cond(S), make(S), _scalar_for(dtype))
    elif mode == "broadcast":
        yield SampleInput(cond((4,)), make(S), make((3, 1)))
        yield SampleInput(cond(S), make((4,)), make(()))
        yield SampleInput(cond((2, 1, 1)), make((3, 1)), make((4,)))
    elif mode == "zero_dim":
        yield SampleInput(cond(()), make(()), make(()))
        yield SampleInput(cond(()), make(S), make(S))
    elif mode == "zero_size":
        yield SampleInput(cond((0, 4)), make((0, 4)), make((4,)))
    elif mode == "large":
        yield SampleInput(cond(BIG), make(BIG), make(BIG[::-1]).t())
    elif mode == "promotion":
        yield SampleInput(cond(S), Maker(op, tg.int64)(S), Maker(op, tg.float32)(S))
        yield SampleInput(cond(S), Maker(op, tg.float16)(S), 0.5)
        yield SampleInput(cond(S), Maker(op, tg.uint8)(S), Maker(op, tg.int8)(S))


def _where_ref(c, a, b):
    return np.where(c, a, b)


def _where_operands_dtype(op, sample):
    return result_type(*sample.args[1:])


def _nan_tensor(dtype):
    return tg.tensor([1.0, float("nan"), -2.0], dtype=dtype)


def _neg_expected_error(op, sample):
    return RuntimeError if sample.args[0].dtype is tg.bool else None


def _sign_ref(a):
    return a.copy() if a.dtype == np.bool_ else np.sign(a)


def _round_ref(a):
    return np.round(a)  # half to even, like PyTorch


def _rounding_samples(op, dtype, mode, make):
    yield from _unary_samples(op, dtype, mode, make)
    if mode == "basic" and is_floating(dtype):
        ties = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.25, -0.75, 3.0, -3.0, 7.5, -0.0]
        yield SampleInput(tg.tensor(ties, dtype=dtype), name="ties")


def _sigmoid_ref(a):
    return 1.0 / (1.0 + np.exp(-a))


def _rsqrt_ref(a):
    return 1.0 / np.sqrt(a)


# float ops on integer and bool inputs: PyTorch promotes those to float32 (int_to_float).
_FLOAT_UNARY = [
    ("exp", np.exp, (None, None)),
    ("log", np.log, (0.1, 9.0)),
    ("sqrt", np.sqrt, (0.0, 9.0)),
    ("rsqrt", _rsqrt_ref, (0.1, 9.0)),
    ("sin", np.sin, (None, None)),
    ("cos", np.cos, (None, None)),
    ("tanh", np.tanh, (None, None)),
    ("sigmoid", _sigmoid_ref, (None, None)),
]


def _pointwise_entries():
    out = []
    add_extra = [
        ("alpha is a float for integer tensors", lambda: tg.add(_f(S, tg.int64), _f(S, tg.int64), alpha=0.5),
         RuntimeError, "alpha"),
    ]
    out.append(OpInfo("add", ref=_add_ref, sample_inputs=_alpha_samples, error_inputs=_binary_errors("add", add_extra)))
    out.append(OpInfo("sub", ref=_sub_ref, sample_inputs=_alpha_samples, expected_error=_sub_expected_error,
                      error_inputs=_binary_errors("sub", [
                          ("bool - bool", lambda: tg.sub(_f(S, tg.bool), _f(S, tg.bool)), RuntimeError,
                           r"\[sub\].*bool"),
                          ("bool - True", lambda: tg.sub(_f(S, tg.bool), True), RuntimeError, r"\[sub\]"),
                      ])))
    out.append(OpInfo("mul", ref=np.multiply, error_inputs=_binary_errors("mul")))
    out.append(OpInfo("div", ref=_div_rounding_ref, sample_inputs=_div_samples, compute_dtype=_div_compute,
                      expected_error=_div_expected_error, arity=2,
                      dtypes=ALL_DTYPES, error_inputs=_binary_errors("div", [
                          ("unknown rounding_mode", lambda: tg.div(_f(), _f(), rounding_mode="bogus"), ValueError,
                           "rounding_mode"),
                          ("integer division by zero",
                           lambda: tg.div(_f(S, tg.int64), tg.zeros(S, dtype=tg.int64), rounding_mode="floor"),
                           RuntimeError, "ZeroDivisionError"),
                          ("rounding division of bool",
                           lambda: tg.div(_f(S, tg.bool), _f(S, tg.bool), rounding_mode="floor"),
                           NotImplementedError),
                          _int_inplace_error("div", 2),
                      ])))
    out.append(OpInfo("true_divide", ref=np.true_divide, promotion="int_to_float",
                      sample_inputs=lambda op, dt, mode, make: _binary_samples(op, dt, mode, make, nonzero_other=True),
                      error_inputs=_binary_errors("true_divide")))
    out.append(OpInfo("_div_rounding", ref=_div_rounding_ref, sample_inputs=_div_rounding_samples, ieee_specials=False,
                      error_inputs=_errors(
                          ("unknown rounding_mode", lambda: tg._C._div_rounding(_f(), _f(), "bogus"), ValueError),
                          ("bool inputs", lambda: tg._C._div_rounding(_f(S, tg.bool), _f(S, tg.bool), "floor"),
                           NotImplementedError),
                      )))
    out.append(OpInfo("pow", ref=np.power, sample_inputs=_pow_samples, error_inputs=_binary_errors("pow", [
        ("integer to a negative integer power", lambda: tg.pow(_f(S, tg.int64), -1), RuntimeError, "negative"),
        ("bool base", lambda: tg.pow(_f(S, tg.bool), _f(S, tg.bool)), NotImplementedError),
    ])))
    for name, fn in (("maximum", np.maximum), ("minimum", np.minimum)):
        out.append(OpInfo(name, ref=fn, error_inputs=_binary_errors(name)))
    out.append(OpInfo("neg", ref=np.negative, expected_error=_neg_expected_error,
                      error_inputs=_unary_errors("neg", [
                          ("neg of bool", lambda: tg.neg(_f(S, tg.bool)), RuntimeError, r"\[neg\]")])))
    out.append(OpInfo("abs", ref=np.abs, error_inputs=_unary_errors("abs", [
        ("abs of bool", lambda: tg.abs(_f(S, tg.bool)), NotImplementedError, r"\[abs\]")])))
    # sign(nan): NumPy says nan, PyTorch 0
    out.append(OpInfo("sign", ref=_sign_ref, ieee_specials=False, error_inputs=_unary_errors("sign")))
    for name, ref, domain in _FLOAT_UNARY:
        extra = [_int_inplace_error(name)]
        out.append(OpInfo(name, ref=ref, promotion="int_to_float", domain=domain,
                          tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_unary_errors(name, extra)))
    out.append(OpInfo("relu", ref=lambda a: np.maximum(a, 0).astype(a.dtype), error_inputs=_unary_errors("relu", [
        ("relu of bool", lambda: tg.relu(_f(S, tg.bool)), NotImplementedError, r"\[relu\]")])))
    for name, ref in (("floor", np.floor), ("ceil", np.ceil), ("round", _round_ref)):
        out.append(OpInfo(name, ref=ref, sample_inputs=_rounding_samples, error_inputs=_unary_errors(name, [
            (f"{name} of bool", lambda name=name: getattr(tg, name)(_f(S, tg.bool)), NotImplementedError)])))
    out.append(OpInfo("clamp", ref=_clamp_ref, sample_inputs=_clamp_samples, arity=3, error_inputs=_errors(
        ("neither min nor max", lambda: tg.clamp(_f()), RuntimeError, "min.*max"),
        ("min doesn't broadcast", lambda: tg.clamp(_f(), min=_f((5,))), RuntimeError),
        ("min is a string", lambda: tg.clamp(_f(), min="a"), TypeError),
        ("clamp_ with float bounds on an int tensor", lambda: _f(S, tg.int64).clamp_(0.5, 2.5), RuntimeError),
    )))
    for name, fn in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                     ("gt", np.greater), ("ge", np.greater_equal)):
        out.append(OpInfo(name, ref=fn, promotion="always_bool", error_inputs=_binary_errors(name)))
    out.append(OpInfo("logical_not", ref=np.logical_not, promotion="always_bool",
                      compute_dtype=lambda op, s: s.args[0].dtype, error_inputs=_unary_errors("logical_not")))
    for name, fn in (("logical_and", np.logical_and), ("logical_or", np.logical_or)):
        out.append(OpInfo(name, ref=fn, promotion="always_bool", error_inputs=_binary_errors(name)))
    out.append(OpInfo("where", ref=_where_ref, sample_inputs=_where_samples, compute_dtype=_where_operands_dtype,
                      method_self=1, arity=3, ieee_specials=(1, 2), error_inputs=_errors(
                          ("condition is not bool", lambda: tg.where(_f(), _f(), _f()), RuntimeError, "condition"),
                          ("shapes don't broadcast", lambda: tg.where(_f(S, tg.bool), _f((2, 3)), _f(S)), RuntimeError),
                          ("condition is a number", lambda: tg.where(True, _f(), _f()), TypeError),
                      )))
    return out


def _reduction_entries():
    out = []
    out.append(OpInfo("sum", ref=_reduce_ref(np.sum), promotion="sum", error_inputs=_reduction_errors("sum", [
        ("sum with a bad dtype=", lambda: tg.sum(_f(), dtype="float"), TypeError),
    ])))
    out.append(OpInfo("mean", ref=_reduce_ref(np.mean), promotion="floating_only",
                      tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_reduction_errors("mean", [
                          ("mean of int64", lambda: tg.mean(_f(S, tg.int64)), RuntimeError, "dtype"),
                          ("mean of bool", lambda: tg.mean(_f(S, tg.bool)), RuntimeError),
                      ])))
    out.append(OpInfo("prod", ref=_reduce_ref(np.prod), promotion="sum", domain=(0.5, 1.5), int_domain=(-2, 3),
                      tol={tg.float32: (1e-5, 1e-5)}, error_inputs=_reduction_errors("prod", [
                          ("prod over several dims", lambda: tg.prod(_f(), dim=(0, 1)), TypeError),
                      ])))
    out.append(OpInfo("all", ref=_reduce_ref(np.all), promotion="always_bool", error_inputs=_reduction_errors("all")))
    out.append(OpInfo("any", ref=_reduce_ref(np.any), promotion="always_bool", error_inputs=_reduction_errors("any")))
    for name, npfn, argfn in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=_max_min_ref(npfn, argfn), promotion="keep", result_dtype=_max_min_dtype,
                          out_ok=lambda op, s: isinstance(op.result_dtype(s), tuple),
                          error_inputs=_errors(
                              ("no elements, no dim", lambda fn=fn: fn(tg.empty([0, 3])), RuntimeError,
                               "numel\\(\\) == 0"),
                              ("reducing a zero-size dim", lambda fn=fn: fn(tg.empty([0, 3]), 0), IndexError),
                              ("dim out of range", lambda fn=fn: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                              ("dim is a list", lambda fn=fn: fn(_f(), [0, 1]), TypeError),
                              ("out= indices of dtype float32",
                               lambda fn=fn: fn(_f(), 0, out=(tg.empty(0), tg.empty(0))), RuntimeError),
                          )))
    for name, argfn in (("argmax", np.argmax), ("argmin", np.argmin)):
        fn = getattr(tg, name)
        out.append(OpInfo(name, ref=_arg_ref(argfn), promotion="index", error_inputs=_reduction_errors(name, [
            (f"{name} of bool", lambda fn=fn: fn(_f(S, tg.bool)), NotImplementedError),
            (f"{name} of no elements", lambda fn=fn: fn(tg.empty([0])), RuntimeError),
        ])))
    return out


# ----------------------------------------------------------------------------- softmax, linear algebra

def _log_softmax_ref(a, dim, dtype=None):
    if a.size == 0:
        return np.zeros(a.shape)
    if a.ndim == 0:
        return np.zeros_like(a, dtype=np.float64)
    m = np.max(a, axis=dim, keepdims=True)
    return a - m - np.log(np.sum(np.exp(a - m), axis=dim, keepdims=True))


def _softmax_ref(a, dim, dtype=None):
    return np.exp(_log_softmax_ref(a, dim))


def _softmax_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(L), -1)
        yield SampleInput(make(L), 0)
        yield SampleInput(make(S), dim=1)
    elif mode == "zero_dim":
        yield SampleInput(make(()), 0)
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), 1)
        yield SampleInput(make((3, 0)), 1)
    elif mode == "large":
        yield SampleInput(make(BIG), 1)
        yield SampleInput(make(BIG), 0)
        yield SampleInput(make(BIG[::-1]).t(), 1)
    elif mode == "promotion":
        yield SampleInput(Maker(op, tg.int64)(S), 1, dtype=tg.float32)
        yield SampleInput(Maker(op, tg.float16)(S), 0, dtype=tg.float32)
        yield SampleInput(Maker(op, tg.float32)(S), -1, dtype=tg.float64)


def _dtype_kwarg_or_input(op, sample):
    return sample.kwargs.get("dtype") or sample.args[0].dtype


def _softmax_entry(name, ref):
    fn = getattr(tg, name)
    return OpInfo(name, ref=ref, sample_inputs=_softmax_samples, ref_inputs="compute", out_dtype_exact=True,
                  compute_dtype=_dtype_kwarg_or_input, result_dtype=_dtype_kwarg_or_input,
                  tol={tg.float32: (1e-5, 1e-6), tg.float16: (2e-3, 1e-3)}, error_inputs=_errors(
                      ("dim out of range", lambda: fn(_f(), 2), IndexError, rf"\[{name}\]"),
                      ("integer input", lambda: fn(_f(S, tg.int64), 0), NotImplementedError),
                      ("missing dim", lambda: fn(_f()), TypeError),
                      ("out= of another dtype", lambda: fn(_f(), 0, out=tg.empty(0, dtype=tg.float64)),
                       RuntimeError),
                  ))


def _mm_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((3, 4)), make((4, 5)))
        yield SampleInput(make((1, 4)), make((4, 1)))
        yield SampleInput(make((4, 3)).t(), make((4, 2)))           # transposed operand
        yield SampleInput(make((6, 5)), make((2, 5)).t())
    elif mode == "large":
        yield SampleInput(make((33, 65)), make((65, 17)))
        yield SampleInput(make((65, 33)).t(), make((17, 65)).t())
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((4, 5)))
        yield SampleInput(make((3, 0)), make((0, 5)))                # sums of nothing: zeros
        yield SampleInput(make((3, 4)), make((4, 0)))


def _bmm_samples(op, dtype, mode, make):
    if mode == "large":
        yield SampleInput(make((3, 33, 65)), make((3, 65, 17)))
    if mode == "basic":
        yield SampleInput(make((2, 3, 4)), make((2, 4, 5)))
        yield SampleInput(make((1, 1, 3)), make((1, 3, 2)))
        yield SampleInput(make((2, 5, 3)).transpose(1, 2), make((2, 5, 4)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3, 4)), make((0, 4, 5)))
        yield SampleInput(make((2, 3, 0)), make((2, 0, 5)))


def _matmul_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make((4,)), make((4,)))                   # dot: 0-d
        yield SampleInput(make((3, 4)), make((4,)))                 # mv
        yield SampleInput(make((4,)), make((4, 5)))                 # vm
        yield SampleInput(make((3, 4)), make((4, 5)))               # mm
        yield SampleInput(make((2, 3, 4)), make((2, 4, 5)))         # bmm
    elif mode == "large":
        yield SampleInput(make((3, 33, 65)), make((65, 17)))
        yield SampleInput(make((65,)), make((65, 33)))
    elif mode == "broadcast":
        yield SampleInput(make((2, 3, 4)), make((4, 5)))
        yield SampleInput(make((3, 4)), make((2, 4, 5)))
        yield SampleInput(make((2, 1, 3, 4)), make((5, 4, 2)))
        yield SampleInput(make((2, 3, 4)), make((4,)))
        yield SampleInput(make((4,)), make((2, 4, 3)))
    elif mode == "zero_size":
        yield SampleInput(make((0, 4)), make((4, 5)))
        yield SampleInput(make((0,)), make((0,)))
        yield SampleInput(make((2, 3, 0)), make((0, 5)))


def _mm_compute(op, sample):
    return result_type(*sample.args[:2])


_MATMUL_DOMAIN = dict(domain=(-3.0, 3.0), int_domain=(-3, 4))


def _linalg_entries():
    out = [_softmax_entry("softmax", _softmax_ref), _softmax_entry("log_softmax", _log_softmax_ref)]
    lin_tol = {tg.float32: (1e-5, 1e-5), tg.float16: (2e-3, 2e-3), tg.bfloat16: (1.6e-2, 2e-2)}
    out.append(OpInfo("mm", ref=np.matmul, sample_inputs=_mm_samples, ref_inputs="compute", compute_dtype=_mm_compute,
                      out_dtype_exact=True,
                      tol=lin_tol, **_MATMUL_DOMAIN, error_inputs=_errors(
                          ("1-D input", lambda: tg.mm(_f((4,)), _f((4, 5))), RuntimeError, "matrix"),
                          ("3-D input", lambda: tg.mm(_f((2, 3, 4)), _f((4, 5))), RuntimeError),
                          ("shapes can't be multiplied", lambda: tg.mm(_f((3, 4)), _f((3, 4))), RuntimeError,
                           "cannot be multiplied"),
                          ("dtypes differ", lambda: tg.mm(_f((3, 4)), _f((4, 5), tg.float64)), RuntimeError, "dtype"),
                          ("Python number operand", lambda: tg.mm(_f(), 3), TypeError),
                          ("bool inputs", lambda: tg.mm(_f((3, 4), tg.bool), _f((4, 5), tg.bool)), NotImplementedError),
                          ("out= of another dtype", lambda: tg.mm(_f((3, 4)), _f((4, 5)),
                                                                  out=tg.empty(0, dtype=tg.float64)), RuntimeError),
                      )))
    out.append(OpInfo("bmm", ref=np.matmul, sample_inputs=_bmm_samples, ref_inputs="compute", compute_dtype=_mm_compute,
                      out_dtype_exact=True,
                      tol=lin_tol, **_MATMUL_DOMAIN, error_inputs=_errors(
                          ("2-D input", lambda: tg.bmm(_f((3, 4)), _f((4, 5))), RuntimeError, "3D"),
                          ("batch sizes differ", lambda: tg.bmm(_f((2, 3, 4)), _f((3, 4, 5))), RuntimeError),
                          ("inner sizes differ", lambda: tg.bmm(_f((2, 3, 4)), _f((2, 3, 5))), RuntimeError),
                          ("Python number operand", lambda: tg.bmm(_f((2, 3, 4)), 2), TypeError),
                      )))
    out.append(OpInfo("matmul", ref=np.matmul, sample_inputs=_matmul_samples, ref_inputs="compute",
                      compute_dtype=_mm_compute, dtypes=NUMERIC, tol=lin_tol, **_MATMUL_DOMAIN,
                      error_inputs=_errors(
                          ("0-d input", lambda: tg.matmul(tg.tensor(2.0), _f()), RuntimeError, "1D"),
                          ("sizes differ", lambda: tg.matmul(_f((3, 4)), _f((3,))), RuntimeError),
                          ("batch dims don't broadcast", lambda: tg.matmul(_f((2, 3, 4)), _f((3, 4, 5))), RuntimeError),
                          ("Python number operand", lambda: tg.matmul(_f(), 2), TypeError),
                          ("@ with a Python number", lambda: _f() @ 2, TypeError),
                      )))
    return out


# ----------------------------------------------------------------------------- copies, fills, conversions

def _fill_value(dtype):
    return True if dtype is tg.bool else (3 if not is_floating(dtype) else 2.5)


def _fill_samples(op, dtype, mode, make):
    shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)], "large": [BIG]}.get(mode, [])
    for shp in shapes:
        yield SampleInput(make(shp), _fill_value(dtype))
    if mode == "basic":
        if dtype is not tg.bool:
            yield SampleInput(make(S), 2.75)       # a float into an integer tensor truncates
            yield SampleInput(make(S), False)
        yield SampleInput(make(S), 0)


def _fill_ref(a, value):
    return np.full(a.shape, value)


def _zero_samples(op, dtype, mode, make):
    shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
    for shp in shapes:
        yield SampleInput(make(shp))


def _inplace_entry(name, ref, samples, **kw):
    def check(op, sample, result):
        assert result.data_ptr() == sample.args[0].data_ptr(), f"{op.name}: must return self"
        exp = np.broadcast_to(np.asarray(ref(*[_to_np(a) for a in sample.args])), tuple(sample.args[0].shape))
        _check_one(op, SampleInput(*sample.args), result, exp, sample.args[0].dtype)
    return OpInfo(name, ref=ref, sample_inputs=samples, check=check,
                  result_dtype=lambda op, s: s.args[0].dtype, compute_dtype=lambda op, s: s.args[0].dtype, **kw)


def _copy_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(make(S), make(S))
        yield SampleInput(make(L), make(L, noncontiguous=True))
        for src_dt in (tg.float32, tg.int64, tg.bool, tg.float16):
            yield SampleInput(make(S), Maker(op, src_dt, seed=20)(S, low=0, high=9))
    elif mode == "broadcast":
        yield SampleInput(make(S), make((4,)))
        yield SampleInput(make(L), make((3, 1)))
        yield SampleInput(make(S), make(()))
    elif mode == "zero_dim":
        yield SampleInput(make(()), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((0, 3)))
        yield SampleInput(make((0, 3)), make((3,)))
    elif mode == "large":
        yield SampleInput(make(BIG), make(BIG[::-1]).t())
        yield SampleInput(make(BIG[::-1]).t(), Maker(op, tg.float64, seed=5)(BIG, low=0, high=9))


def _copy_ref(dst, src):
    return src


def _clone_samples(op, dtype, mode, make):
    shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
    for shp in shapes:
        yield SampleInput(make(shp))
    if mode == "basic":
        yield SampleInput(make((4, 3)).t())
        yield SampleInput(make(L).permute([2, 0, 1]))
    if mode == "large":
        yield SampleInput(make(BIG[::-1]).t())
        yield SampleInput(make((5, 7, 11, 13)).permute([3, 1, 0, 2]))


def _clone_check(op, sample, result):
    check_result(op, sample, result)
    x = sample.args[0]
    if x.numel() > 0:
        assert result.untyped_storage().data_ptr() != x.untyped_storage().data_ptr(), f"{op.name}: must copy"
    if op.name == "contiguous":
        assert result.is_contiguous(), "contiguous() must return a contiguous tensor"
        if x.is_contiguous():
            assert result.data_ptr() == x.data_ptr(), "contiguous() of a contiguous tensor must return self"
    if op.name == "clone":
        assert result.shape == x.shape


def _contiguous_check(op, sample, result):
    check_result(op, sample, result)
    x = sample.args[0]
    assert result.is_contiguous(), "contiguous() must return a contiguous tensor"
    if x.is_contiguous():
        assert result.data_ptr() == x.data_ptr(), "contiguous() of a contiguous tensor must return self"
    elif x.numel() > 0:
        assert result.data_ptr() != x.data_ptr(), "contiguous() of a non-contiguous tensor must copy"


def _to_samples(op, dtype, mode, make):
    shapes = {"basic": [S], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
    for shp in shapes:
        for target in ALL_DTYPES:
            yield SampleInput(make(shp, low=0, high=9), target)
    if mode == "large":
        for target in (tg.float64, tg.int32, tg.bfloat16, tg.bool):
            yield SampleInput(make(BIG[::-1], low=0, high=9).t(), target)
    if mode == "basic":
        yield SampleInput(make(S, low=0, high=9), dtype=tg.float64)
        yield SampleInput(make(S, low=0, high=9), tg.float32, copy=True)
        yield SampleInput(make(S, low=0, high=9), tg.float64, copy=True)


def _to_ref(a, dtype, copy=False):
    if dtype is tg.bool:
        return a != 0
    return a.astype(np.float64) if is_floating(dtype) else a.astype(np_dtype(dtype))


def _to_dtype(op, sample):
    return sample.args[1] if len(sample.args) > 1 else sample.kwargs["dtype"]


def _to_check(op, sample, result):
    check_result(op, sample, result)
    x = sample.args[0]
    target = _to_dtype(op, sample)
    if target is x.dtype and not sample.kwargs.get("copy"):
        assert result.data_ptr() == x.data_ptr(), "to() of the same dtype must return self"
    elif x.numel() > 0:
        assert result.data_ptr() != x.data_ptr(), "to() of another dtype (or copy=True) must copy"


def _allclose_samples(op, dtype, mode, make):
    if mode == "basic":
        a = make(S)
        yield SampleInput(a, a.clone())
        yield SampleInput(make(S), make(S))
        yield SampleInput(make(S), make(S), rtol=0.0, atol=20.0)
        yield SampleInput(make(L), make(L), 1e-05, 1e-08)
        if is_floating(dtype):
            yield SampleInput(_nan_tensor(dtype), _nan_tensor(dtype))
            yield SampleInput(_nan_tensor(dtype), _nan_tensor(dtype), equal_nan=True)
            b = make(S)
            yield SampleInput(b, tg.tensor(to_numpy(b) * (1 + 1e-6), dtype=dtype), rtol=1e-3)
    elif mode == "broadcast":
        a = make((4,))
        yield SampleInput(a.expand([3, 4]).contiguous(), a)
        yield SampleInput(make(S), make((1, 4)))
    elif mode == "zero_dim":
        a = make(())
        yield SampleInput(a, a.clone())
        yield SampleInput(make(()), make(()))
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((0, 3)))


def _allclose_ref(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return builtins.bool(np.all(np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def _equal_samples(op, dtype, mode, make):
    if mode == "basic":
        a = make(S)
        yield SampleInput(a, a.clone())
        yield SampleInput(make(S), make(S))
        yield SampleInput(a, a[:2])                                  # shapes differ: False
        yield SampleInput(a, make(S, noncontiguous=True).copy_(a))   # same values, other layout
        yield SampleInput(make((4,)), make((4,)).expand([3, 4]))
    elif mode == "zero_dim":
        a = make(())
        yield SampleInput(a, a.clone())
    elif mode == "zero_size":
        yield SampleInput(make((0, 3)), make((0, 3)))
        yield SampleInput(make((0, 3)), make((3, 0)))


def _equal_ref(a, b):
    return builtins.bool(np.array_equal(a, b))


def _copy_entries():
    out = []
    out.append(_inplace_entry("fill_", _fill_ref, _fill_samples, error_inputs=_errors(
        ("value is a string", lambda: tg.fill_(_f(), "a"), TypeError),
        ("value is a 1-D tensor", lambda: tg.fill_(_f(), _f((2,))), TypeError),
        ("missing value", lambda: _f().fill_(), TypeError),
    )))
    out.append(_inplace_entry("zero_", lambda a: np.zeros(a.shape), _zero_samples, error_inputs=_errors(
        ("extra argument", lambda: _f().zero_(1), TypeError),
    )))
    out.append(_inplace_entry("copy_", _copy_ref, _copy_samples, error_inputs=_errors(
        ("source doesn't broadcast", lambda: _f().copy_(_f((5,))), RuntimeError, "broadcast"),
        ("source is the transpose of self (partial overlap)", lambda: (lambda x: x.copy_(x.t()))(_f((3, 3))),
         RuntimeError, "single memory location"),
        ("self has expanded dims", lambda: _f((1, 4)).expand([3, 4]).copy_(_f()), RuntimeError,
         "single memory location"),
        ("source is a number", lambda: _f().copy_(3), TypeError),
        ("source is a list", lambda: _f().copy_([1.0, 2.0]), TypeError),
    )))
    out.append(OpInfo("clone", ref=lambda a: a, sample_inputs=_clone_samples, check=_clone_check,
                      error_inputs=_errors(("not a tensor", lambda: tg.clone([1, 2]), TypeError))))
    out.append(OpInfo("contiguous", ref=lambda a: a, sample_inputs=_clone_samples, check=_contiguous_check,
                      error_inputs=_errors(("positional argument", lambda: _f().contiguous(1), TypeError))))
    out.append(OpInfo("to", ref=_to_ref, sample_inputs=_to_samples, result_dtype=_to_dtype, check=_to_check,
                      compute_dtype=lambda op, s: s.args[0].dtype, error_inputs=_errors(
                          ("not a dtype", lambda: _f().to(3), TypeError),
                          ("unknown device string", lambda: _f().to("float"), RuntimeError),
                          ("unknown keyword", lambda: _f().to(tg.float64, bogus=1), TypeError),
                      )))
    out.append(OpInfo("allclose", ref=_allclose_ref, sample_inputs=_allclose_samples, promotion="python_bool",
                      error_inputs=_errors(
                          ("dtypes differ", lambda: tg.allclose(_f(), _f(S, tg.float64)), RuntimeError),
                          ("shapes don't broadcast", lambda: tg.allclose(_f((2, 3)), _f((4,))), RuntimeError),
                          ("other is a number", lambda: tg.allclose(_f(), 1.0), TypeError),
                      )))
    out.append(OpInfo("equal", ref=_equal_ref, sample_inputs=_equal_samples, promotion="python_bool",
                      error_inputs=_errors(("other is a number", lambda: tg.equal(_f(), 1.0), TypeError))))
    return out


# ----------------------------------------------------------------------------- factories

def _factory_dtype(op, sample):
    dt = sample.kwargs.get("dtype")
    if dt is not None:
        return dt
    if op.name.endswith("_like"):
        return sample.args[0].dtype
    if op.name in ("randint", "randperm"):
        return tg.int64
    if op.name in ("rand", "randn", "linspace", "eye", "empty", "zeros", "ones"):
        return tg.float32
    scalars = [a for a in sample.args if isinstance(a, (builtins.bool, builtins.int, builtins.float))]
    if op.name == "full_like":
        return sample.args[0].dtype
    if op.name == "full":
        scalars = scalars[-1:]
    if any(isinstance(s, builtins.float) for s in scalars):
        return tg.float32
    if scalars and all(isinstance(s, builtins.bool) for s in scalars):
        return tg.bool
    return tg.int64


def _size_samples(mode):
    return {"basic": [[3, 4], [2, 3, 4]], "zero_dim": [[]], "zero_size": [[0], [2, 0, 3]]}.get(mode, [])


def _factory_entry(name, ref, sample_fn, *, dtypes=ALL_DTYPES, check=None, error_inputs=None, tol=None):
    return OpInfo(name, ref=ref, sample_inputs=sample_fn, dtypes=dtypes, compute_dtype=_factory_dtype,
                  result_dtype=_factory_dtype, check=check, error_inputs=error_inputs, tol=tol)


def _sized_samples(extra_args=lambda dt: ()):
    def gen(op, dtype, mode, make):
        for size in _size_samples(mode):
            yield SampleInput(size, *extra_args(dtype), dtype=dtype)
        if mode == "basic":
            yield SampleInput((2, 2), *extra_args(dtype), dtype=dtype)   # size as a tuple
        if mode == "promotion":
            for v in ((2.5,), (3,), (True,)) if extra_args(tg.float32) else ((),):
                yield SampleInput([2, 3], *v)
    return gen


def _like_samples(extra_args=lambda dt: ()):
    def gen(op, dtype, mode, make):
        shapes = {"basic": [S, L], "zero_dim": [()], "zero_size": [(0, 3)]}.get(mode, [])
        for shp in shapes:
            yield SampleInput(make(shp), *extra_args(dtype))
            yield SampleInput(Maker(op, tg.float64 if dtype is not tg.float64 else tg.int32)(shp),
                              *extra_args(dtype), dtype=dtype)
        if mode == "promotion":
            yield SampleInput(Maker(op, tg.int64)(S), *extra_args(tg.float32))
    return gen


def _empty_check(op, sample, result):
    size = sample.args[0].shape if op.name == "empty_like" else tuple(sample.args[0])
    assert isinstance(result, tg.Tensor)
    assert tuple(result.shape) == tuple(size), f"{op.name}{sample}: shape {tuple(result.shape)}"
    assert result.dtype is op.result_dtype(sample), f"{op.name}{sample}: dtype {result.dtype}"
    assert result.is_contiguous()
    if op.name == "empty_like":
        assert result.untyped_storage().data_ptr() != sample.args[0].untyped_storage().data_ptr() \
            or result.numel() == 0


def _full_ref_like(value_of):
    def ref(a, *args, dtype=None):
        return np.full(a.shape, value_of(args))
    return ref


def _arange_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(0, 5, dtype=dtype)
        yield SampleInput(1, 9, 2, dtype=dtype)
        yield SampleInput(7, 1, -2, dtype=dtype)
        yield SampleInput(6, dtype=dtype)                 # arange(end)
        yield SampleInput(2, 12, step=3, dtype=dtype)
        if is_floating(dtype):
            yield SampleInput(0.0, 2.5, 0.5, dtype=dtype)
            yield SampleInput(-1.0, 1.0, 0.25, dtype=dtype)
            yield SampleInput(0, 1, 0.1, dtype=dtype)      # length from ceil((end - start) / step)
    elif mode == "zero_size":
        yield SampleInput(3, 3, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(0, 5)
        yield SampleInput(0, 2.5, 0.5)
        yield SampleInput(0.0, 5)
        yield SampleInput(5)
        yield SampleInput(5.0)


def _arange_ref(*args, dtype=None, step=None):
    if step is not None:
        args = args + (step,)
    return np.arange(*[float(a) for a in args])


def _linspace_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(0, 8, 5, dtype=dtype)
        yield SampleInput(0, 10, 5, dtype=dtype)
        yield SampleInput(3, 7, 1, dtype=dtype)
        yield SampleInput(9, 1, 3, dtype=dtype)
        if is_floating(dtype):
            yield SampleInput(-1.0, 1.0, 7, dtype=dtype)
            yield SampleInput(0.0, 1.0, steps=11, dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, 1, 0, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(0, 1, 5)
        yield SampleInput(0, 10, 3)


def _linspace_ref(start, end, steps, dtype=None):
    return np.linspace(float(start), float(end), steps)


def _eye_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(3, dtype=dtype)
        yield SampleInput(2, 4, dtype=dtype)
        yield SampleInput(4, m=2, dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, dtype=dtype)
        yield SampleInput(3, 0, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(3)


def _eye_ref(n, m=None, dtype=None):
    return np.eye(n, m)


def _random_check(op, sample, result):
    """Random ops: shape, dtype, range and reproducibility under tg.manual_seed (not values)."""
    dt = op.result_dtype(sample)
    assert isinstance(result, tg.Tensor) and result.dtype is dt, f"{op.name}{sample}: {result.dtype} != {dt}"
    if op.name == "randperm":
        shape = (sample.args[0],)
    elif op.name == "randint":
        shape = tuple(sample.args[-1])
    else:
        shape = tuple(sample.args[0])
    assert tuple(result.shape) == shape, f"{op.name}{sample}: shape {tuple(result.shape)} != {shape}"
    assert result.is_contiguous()
    v = to_numpy(result).astype(np.float64)
    if op.name == "rand":
        assert np.all((v >= 0) & (v <= 1)), f"rand out of [0, 1]: {v}"
        # [0, 1) before rounding to the dtype; a half type may round up to 1.0
        if dt in (tg.float32, tg.float64):
            assert np.all(v < 1)
    elif op.name == "randn":
        assert np.all(np.isfinite(v))
        if v.size >= 1000:
            assert abs(v.mean()) < 0.15 and 0.85 < v.std() < 1.15, (v.mean(), v.std())
    elif op.name == "randint":
        low, high = (0, sample.args[0]) if len(sample.args) == 2 else sample.args[:2]
        assert np.all((v >= low) & (v < high)) and np.all(v == np.floor(v)), f"randint out of [{low}, {high}): {v}"
        if v.size >= 200:
            assert set(np.unique(v)) == set(range(low, high)), "randint should hit every value"
    elif op.name == "randperm":
        np.testing.assert_array_equal(np.sort(v), np.arange(shape[0]))
    if op.name == "rand" and v.size >= 1000:
        assert 0.4 < v.mean() < 0.6
    # reproducibility: the same seed gives the same values, the stream moves on
    tg.manual_seed(1234)
    a = op(sample)
    b = op(sample)
    tg.manual_seed(1234)
    a2 = op(sample)
    assert tg.equal(a, a2), f"{op.name}: manual_seed doesn't reproduce the values"
    if a.numel() >= 16 and op.name != "randint" or a.numel() >= 64:
        assert not tg.equal(a, b), f"{op.name}: two calls after one seed gave the same values"


def _rand_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput([3, 4], dtype=dtype)
        yield SampleInput([4000], dtype=dtype)
    elif mode == "zero_dim":
        yield SampleInput([], dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput([0, 3], dtype=dtype)
    elif mode == "promotion":
        yield SampleInput([5])


def _randint_samples(op, dtype, mode, make):
    hi = 2 if dtype is tg.bool else 7
    if mode == "basic":
        yield SampleInput(0, hi, [3, 4], dtype=dtype)
        yield SampleInput(0 if dtype in (tg.bool, tg.uint8) else -3, hi, [400], dtype=dtype)
        yield SampleInput(hi, [2, 5], dtype=dtype)       # randint(high, size)
    elif mode == "zero_dim":
        yield SampleInput(0, hi, [], dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, hi, [0], dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(0, 5, [5])


def _randperm_samples(op, dtype, mode, make):
    if mode == "basic":
        yield SampleInput(10, dtype=dtype)
        yield SampleInput(1, dtype=dtype)
        yield SampleInput(100, dtype=dtype)
    elif mode == "zero_size":
        yield SampleInput(0, dtype=dtype)
    elif mode == "promotion":
        yield SampleInput(7)


def _factory_errors(name, call):
    def gen(op):
        yield ErrorInput("negative size", lambda: call([-1]), RuntimeError, "negative")
        yield ErrorInput("size is a string", lambda: call("ab"), TypeError)
        yield ErrorInput("dtype is a string", lambda: call([2], dtype="float32"), TypeError)
        yield ErrorInput("unknown keyword", lambda: call([2], bogus=1), TypeError)
    return gen


def _factory_entries():
    out = []
    out.append(_factory_entry("empty", None, _sized_samples(), check=_empty_check,
                              error_inputs=_factory_errors("empty", tg.empty)))
    out.append(_factory_entry("zeros", lambda size, dtype=None: np.zeros(size), _sized_samples(),
                              error_inputs=_factory_errors("zeros", tg.zeros)))
    out.append(_factory_entry("ones", lambda size, dtype=None: np.ones(size), _sized_samples(),
                              error_inputs=_factory_errors("ones", tg.ones)))
    out.append(_factory_entry("full", lambda size, v, dtype=None: np.full(size, v),
                              _sized_samples(lambda dt: (_fill_value(dt),)),
                              error_inputs=_factory_errors("full", lambda size, **kw: tg.full(size, 1.0, **kw))))
    out.append(_factory_entry("empty_like", None, _like_samples(), check=_empty_check, error_inputs=_errors(
        ("not a tensor", lambda: tg.empty_like([1, 2]), TypeError))))
    out.append(_factory_entry("zeros_like", _full_ref_like(lambda args: 0), _like_samples(), error_inputs=_errors(
        ("not a tensor", lambda: tg.zeros_like([1, 2]), TypeError))))
    out.append(_factory_entry("ones_like", _full_ref_like(lambda args: 1), _like_samples(), error_inputs=_errors(
        ("not a tensor", lambda: tg.ones_like(3), TypeError))))
    out.append(_factory_entry("full_like", _full_ref_like(lambda args: args[0]),
                              _like_samples(lambda dt: (_fill_value(dt),)), error_inputs=_errors(
                                  ("missing fill value", lambda: tg.full_like(_f()), TypeError),
                                  ("fill value is a string", lambda: tg.full_like(_f(), "a"), TypeError))))
    out.append(_factory_entry("arange", _arange_ref, _arange_samples, dtypes=NUMERIC, error_inputs=_errors(
        ("step 0", lambda: tg.arange(0, 5, 0), RuntimeError, "step"),
        ("step of the wrong sign", lambda: tg.arange(0, 5, -1), RuntimeError),
        ("bool dtype", lambda: tg.arange(0, 2, dtype=tg.bool), NotImplementedError),
        ("bound is a string", lambda: tg.arange(0, "5"), TypeError),
    )))
    out.append(_factory_entry("linspace", _linspace_ref, _linspace_samples, dtypes=NUMERIC,
                              tol={tg.float32: (1e-6, 1e-6)}, error_inputs=_errors(
                                  ("negative steps", lambda: tg.linspace(0, 1, -1), RuntimeError, "steps"),
                                  ("steps is a float", lambda: tg.linspace(0, 1, 2.5), TypeError),
                                  ("bool dtype", lambda: tg.linspace(0, 1, 2, dtype=tg.bool), NotImplementedError),
                              )))
    out.append(_factory_entry("eye", _eye_ref, _eye_samples, error_inputs=_errors(
        ("negative n", lambda: tg.eye(-1), RuntimeError),
        ("negative m", lambda: tg.eye(2, -1), RuntimeError),
        ("n is a float", lambda: tg.eye(2.5), TypeError),
    )))
    for name in ("rand", "randn"):
        fn = getattr(tg, name)
        out.append(_factory_entry(name, None, _rand_samples, dtypes=FLOATING, check=_random_check, error_inputs=_errors(
            ("negative size", lambda fn=fn: fn([-1]), RuntimeError),
            ("integer dtype", lambda fn=fn: fn([2], dtype=tg.int64), NotImplementedError),
            ("size is a string", lambda fn=fn: fn("ab"), TypeError),
        )))
    out.append(_factory_entry("randint", None, _randint_samples, check=_random_check, error_inputs=_errors(
        ("low >= high", lambda: tg.randint(5, 2, [3]), RuntimeError),
        ("missing size", lambda: tg.randint(0, 5), TypeError),
        ("negative size", lambda: tg.randint(0, 5, [-1]), RuntimeError),
    )))
    out.append(_factory_entry("randperm", None, _randperm_samples, dtypes=NUMERIC, check=_random_check,
                              error_inputs=_errors(
                                  ("negative n", lambda: tg.randperm(-1), RuntimeError),
                                  ("bool dtype", lambda: tg.randperm(3, dtype=tg.bool), NotImplementedError),
                                  ("n is a float", lambda: tg.randperm(2.5), TypeError),
                              )))
    return out


# ----------------------------------------------------------------------------- views

def _view_entry(name, ref, samples, errors, shares=True):
    def gen(op, dtype, mode, make):
        for s in samples(op, dtype, mode, make):
            x = s.args[0]
            # a view op always aliases its input; a composite one (reshape, flatten) does when it can
            s.shares_storage = shares or x.is_contiguous()
            yield s
    return OpInfo(name, ref=ref, sample_inputs=gen, compute_dtype=lambda op, s: s.args[0].dtype,
                  result_dtype=lambda op, s: s.args[0].dtype, error_inputs=_errors(*errors))


def _shape_samples(per_mode):
    def gen(op, dtype, mode, make):
        for shape, args, kwargs in per_mode.get(mode, []):
            yield SampleInput(make(shape), *args, **kwargs)
    return gen


def _view_ref(a, size):
    return a.reshape(size)


def _expand_ref(a, *size):
    size = list(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else list(size)
    lead = len(size) - a.ndim
    full = [a.shape[i - lead] if s == -1 else s for i, s in enumerate(size)]
    return np.broadcast_to(a, full)


def _squeeze_ref(a, dim=None):
    if a.ndim == 0:
        return a
    if dim is None:
        return np.squeeze(a)
    dims = dim if isinstance(dim, (list, tuple)) else (dim,)
    dims = {d % a.ndim for d in dims}
    return a.reshape([s for i, s in enumerate(a.shape) if not (i in dims and s == 1)])


def _flatten_ref(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:]) if a.size else \
        a.reshape(a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


def _narrow_ref(a, dim, start, length):
    start = start % a.shape[dim] if start < 0 else start
    idx = [builtins.slice(None)] * a.ndim
    idx[dim] = builtins.slice(start, start + length)
    return a[tuple(idx)]


def _slice_ref(a, dim=0, start=None, end=None, step=1):
    idx = [builtins.slice(None)] * a.ndim
    idx[dim] = builtins.slice(start, end, step)
    return a[tuple(idx)]


def _as_strided_samples(op, dtype, mode, make):
    if mode == "basic":
        x = make((3, 4), noncontiguous=False)
        yield SampleInput(x, [2, 2], [1, 2])
        yield SampleInput(x, [3, 3], [4, 1], 1)
        yield SampleInput(x, [4, 3], [1, 4])                         # the transpose
        yield SampleInput(x, [2, 3], [0, 1], storage_offset=2)       # a stride 0
    elif mode == "zero_dim":
        yield SampleInput(make((3, 4), noncontiguous=False), [], [], 5)
    elif mode == "zero_size":
        yield SampleInput(make((3, 4), noncontiguous=False), [0, 2], [1, 1])


def _as_strided_ref(a, size, stride, storage_offset=0):
    flat = np.ascontiguousarray(a).reshape(-1)[storage_offset:]
    return np.lib.stride_tricks.as_strided(flat, shape=size, strides=[s * flat.itemsize for s in stride]).copy()


def _view_entries():
    out = []
    out.append(_view_entry("view", _view_ref, _shape_samples({
        "basic": [(L, ([6, 4],), {}), (L, ([-1],), {}), (L, ([2, -1, 2],), {}), (S, ((4, 3),), {}),
                  (S, ([3, 2, 2],), {})],
        "zero_dim": [((), ([],), {}), ((), ([1],), {}), ((1,), ([],), {}), ((), ([1, 1],), {})],
        "zero_size": [((0, 3), ([3, 0],), {}), ((0, 3), ([-1],), {}), ((2, 0), ([0, 5, 7],), {})],
    }), [
        ("wrong number of elements", lambda: _f().view([5]), RuntimeError, "invalid for input of size"),
        ("two -1", lambda: _f().view([-1, -1]), RuntimeError),
        ("not viewable (transposed)", lambda: _f().t().view([12]), RuntimeError, "reshape"),
        ("size is a string", lambda: _f().view("ab"), TypeError),
    ]))
    out.append(_view_entry("reshape", _view_ref, _shape_samples({
        "basic": [(L, ([6, 4],), {}), (L, ([-1],), {}), (S, ([2, 2, 3],), {}), (S, ((12,),), {})],
        "zero_dim": [((), ([],), {}), ((), ([1, 1],), {})],
        "zero_size": [((0, 3), ([3, 0],), {}), ((0, 3), ([-1],), {})],
    }), [
        ("wrong number of elements", lambda: _f().reshape([5]), RuntimeError),
        ("two -1", lambda: _f().reshape([-1, -1]), RuntimeError, "only one dimension"),
        ("negative size", lambda: _f().reshape([-2, 6]), RuntimeError),
    ], shares=False))
    out.append(_view_entry("as_strided", _as_strided_ref, _as_strided_samples, [
        ("out of the storage", lambda: _f().as_strided([10], [10]), RuntimeError, "out of bounds"),
        ("sizes and strides of different lengths", lambda: _f().as_strided([2, 2], [1]), RuntimeError),
        ("negative storage offset", lambda: _f().as_strided([2], [1], -1), RuntimeError),
    ]))
    out.append(_view_entry("transpose", lambda a, d0, d1: np.swapaxes(a, d0, d1) if a.ndim else a, _shape_samples({
        "basic": [(L, (0, 2), {}), (L, (-1, 0), {}), (S, (0, 1), {}), (S, (1, 1), {})],
        "zero_dim": [((), (0, 0), {}), ((), (-1, 0), {})],
        "zero_size": [((0, 3), (0, 1), {})],
    }), [
        ("dim out of range", lambda: _f().transpose(0, 5), IndexError, r"\[transpose\]"),
        ("missing dim", lambda: _f().transpose(0), TypeError),
    ]))
    out.append(_view_entry("t", lambda a: a.T, _shape_samples({
        "basic": [(S, (), {}), ((4,), (), {}), ((1, 5), (), {})],
        "zero_dim": [((), (), {})],
        "zero_size": [((0, 3), (), {})],
    }), [
        ("3-D input", lambda: _f(L).t(), RuntimeError, "<= 2"),
    ]))
    out.append(_view_entry("permute", lambda a, dims: np.transpose(a, dims), _shape_samples({
        "basic": [(L, ([2, 0, 1],), {}), (L, ((1, 2, 0),), {}), (S, ([1, 0],), {}), (L, ([-1, 0, 1],), {})],
        "zero_dim": [((), ([],), {})],
        "zero_size": [((0, 3), ([1, 0],), {})],
    }), [
        ("wrong number of dims", lambda: _f().permute([0]), RuntimeError, "number of dims"),
        ("repeated dim", lambda: _f().permute([0, 0]), RuntimeError, "repeated"),
        ("dim out of range", lambda: _f().permute([0, 2]), IndexError),
    ]))
    out.append(_view_entry("expand", _expand_ref, _shape_samples({
        "basic": [((3, 1), ([3, 4],), {}), ((4,), ([2, 3, 4],), {}), ((3, 1), ([-1, 4],), {}),
                  (S, (3, 4), {}), ((1, 3, 1), ([2, 3, 5],), {})],
        "zero_dim": [((), ([2, 3],), {}), ((), ([],), {})],
        "zero_size": [((1,), ([0],), {}), ((0, 1), ([0, 4],), {})],
    }), [
        ("non-singleton dim changes", lambda: _f().expand([3, 5]), RuntimeError, "must match"),
        ("fewer dims", lambda: _f().expand([4]), RuntimeError),
        ("-1 in a new leading dim", lambda: _f().expand([-1, 3, 4]), RuntimeError),
    ]))

    def expand_as_samples(op, dtype, mode, make):
        if mode == "basic":
            yield SampleInput(make((3, 1)), make(S))
            yield SampleInput(make((4,)), Maker(op, tg.float64)(L))
        elif mode == "zero_dim":
            yield SampleInput(make(()), make(S))
        elif mode == "zero_size":
            yield SampleInput(make((1, 3)), make((0, 3)))
    out.append(_view_entry("expand_as", lambda a, b: np.broadcast_to(a, b.shape), expand_as_samples, [
        ("shapes incompatible", lambda: _f().expand_as(_f((3, 5))), RuntimeError),
        ("other is a number", lambda: _f().expand_as(3), TypeError),
    ]))
    out.append(_view_entry("squeeze", _squeeze_ref, _shape_samples({
        "basic": [((1, 3, 1, 4), (), {}), ((1, 3, 1, 4), (0,), {}), ((1, 3, 1, 4), (2,), {}),
                  ((1, 3, 1, 4), ((0, 2),), {}), ((1, 3, 1, 4), (1,), {}), ((1, 3, 1, 4), (), {"dim": -2})],
        "zero_dim": [((), (), {}), ((), (0,), {})],
        "zero_size": [((0, 1), (), {}), ((1, 0), (0,), {})],
    }), [
        ("dim out of range", lambda: _f().squeeze(5), IndexError, r"\[squeeze\]"),
    ]))
    out.append(_view_entry("unsqueeze", lambda a, dim: np.expand_dims(a, dim), _shape_samples({
        "basic": [(S, (0,), {}), (S, (-1,), {}), (S, (1,), {}), (L, (), {"dim": 3})],
        "zero_dim": [((), (0,), {}), ((), (-1,), {})],
        "zero_size": [((0, 3), (1,), {})],
    }), [
        ("dim out of range", lambda: _f().unsqueeze(5), IndexError, r"\[unsqueeze\]"),
        ("missing dim", lambda: _f().unsqueeze(), TypeError),
    ]))
    out.append(_view_entry("flatten", _flatten_ref, _shape_samples({
        "basic": [(L, (), {}), (L, (1,), {}), (L, (0, 1), {}), (S, (), {"start_dim": 1}), (L, (-2, -1), {})],
        "zero_dim": [((), (), {})],
        "zero_size": [((0, 3), (), {}), ((2, 0, 3), (1,), {})],
    }), [
        ("start_dim after end_dim", lambda: _f().flatten(1, 0), RuntimeError, "start_dim"),
        ("dim out of range", lambda: _f().flatten(0, 5), IndexError),
    ], shares=False))
    out.append(_view_entry("narrow", _narrow_ref, _shape_samples({
        "basic": [(S, (0, 1, 2), {}), (S, (1, 0, 3), {}), (S, (-1, 2, 2), {}), (L, (2, -3, 2), {})],
        "zero_size": [(S, (0, 1, 0), {}), ((0, 3), (1, 1, 2), {})],
    }), [
        ("past the end", lambda: _f().narrow(1, 2, 3), RuntimeError, "exceeds"),
        ("0-d input", lambda: tg.tensor(1.0).narrow(0, 0, 1), IndexError),
        ("negative length", lambda: _f().narrow(0, 0, -1), RuntimeError),
    ]))
    out.append(_view_entry("select", lambda a, dim, index: np.take(a, index, axis=dim), _shape_samples({
        "basic": [(L, (0, 1), {}), (L, (2, -1), {}), (S, (1, 3), {}), ((4,), (0, 2), {})],
        "zero_size": [((3, 0), (0, 1), {})],
    }), [
        ("index out of range", lambda: _f().select(0, 5), IndexError, "out of bounds"),
        ("0-d input", lambda: tg.tensor(1.0).select(0, 0), IndexError),
        ("dim out of range", lambda: _f().select(2, 0), IndexError),
    ]))
    out.append(_view_entry("slice", _slice_ref, _shape_samples({
        "basic": [(S, (0, 1, 3), {}), (S, (1, None, None, 2), {}), (S, (1, -3, None), {}), (S, (0, 0, 10), {}),
                  (L, (), {"dim": 2, "start": 1, "step": 2}), (S, (), {})],
        "zero_size": [(S, (0, 5, 10), {}), (S, (1, 3, 1), {})],
    }), [
        ("step 0", lambda: _f().slice(0, 0, 2, 0), ValueError, "step"),
        ("negative step", lambda: _f().slice(0, None, None, -1), ValueError, "step"),
        ("dim out of range", lambda: _f().slice(3), IndexError),
    ]))
    return out


# ----------------------------------------------------------------------------- backward helpers

def _select_backward_ref(g, input_sizes, dim, index):
    out = np.zeros(input_sizes, dtype=g.dtype)
    idx = [builtins.slice(None)] * len(input_sizes)
    idx[dim] = index
    out[tuple(idx)] = g
    return out


def _slice_backward_ref(g, input_sizes, dim, start, end, step):
    out = np.zeros(input_sizes, dtype=g.dtype)
    idx = [builtins.slice(None)] * len(input_sizes)
    idx[dim] = builtins.slice(start, end, step)
    out[tuple(idx)] = g
    return out


def _positions(sizes, strides, offset):
    """Storage position of every element of a (sizes, strides, offset) geometry, row-major."""
    grid = np.indices(sizes).reshape(len(sizes), -1) if len(sizes) else np.zeros((0, 1), dtype=np.int64)
    return offset + (np.asarray(strides, dtype=np.int64).reshape(-1, 1) * grid).sum(axis=0)


def _as_strided_backward_ref(g, input_sizes, input_strides, input_offset, size, stride, storage_offset):
    out_pos = _positions(size, stride, input_offset if storage_offset is None else storage_offset)
    in_pos = _positions(input_sizes, input_strides, input_offset)
    buffer = np.zeros(max([0] + list(out_pos + 1) + list(in_pos + 1)), dtype=np.float64)
    np.add.at(buffer, out_pos, g.astype(np.float64).reshape(-1))
    return buffer[in_pos].reshape(input_sizes).astype(g.dtype)


def _backward_helper_entries():
    """select_backward / slice_backward: the gradients of select and slice (grad scattered into
    zeros of the input's shape), ops so that double backward works."""
    out = []
    grad_dtype = dict(compute_dtype=lambda op, s: s.args[0].dtype, result_dtype=lambda op, s: s.args[0].dtype)
    out.append(OpInfo("select_backward", ref=_select_backward_ref, sample_inputs=_shape_samples({
        "basic": [((3,), ([3, 4], 1, 2), {}), ((2, 4), ([2, 3, 4], 1, -1), {}), ((), ([5], 0, 3), {}),
                  ((3, 4), ([2, 3, 4], 0, 0), {})],
        "zero_size": [((0,), ([0, 3], 1, 1), {}), ((2, 0), ([2, 3, 0], 1, 2), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.select_backward(_f((4,)), [3, 4], 1, 2), RuntimeError, "does not match"),
        ("index out of range", lambda: tg.select_backward(_f((3,)), [3, 4], 1, 4), IndexError),
        ("dim out of range", lambda: tg.select_backward(_f((3,)), [3, 4], 2, 0), IndexError),
        ("input_sizes is a string", lambda: tg.select_backward(_f((3,)), "ab", 1, 0), TypeError),
    ), **grad_dtype))
    out.append(OpInfo("slice_backward", ref=_slice_backward_ref, sample_inputs=_shape_samples({
        "basic": [((3, 2), ([3, 4], 1, 1, None, 2), {}), ((2, 3, 4), ([2, 5, 4], 1, 1, 4, 1), {}),
                  ((2, 4), ([3, 4], 0, -2, None, 1), {}), ((3, 4), ([3, 4], 0, None, None, 1), {})],
        "zero_size": [((0, 4), ([3, 4], 0, 5, 10, 1), {}), ((0, 3), ([0, 3], 1, 0, 3, 1), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.slice_backward(_f((3, 3)), [3, 4], 1, 0, 2, 1), RuntimeError,
         "does not match"),
        ("step 0", lambda: tg.slice_backward(_f((3, 2)), [3, 4], 1, 0, 2, 0), ValueError, "step"),
        ("dim out of range", lambda: tg.slice_backward(_f((3, 2)), [3, 4], 2, 0, 2, 1), IndexError),
    ), **grad_dtype))
    out.append(OpInfo("as_strided_backward", ref=_as_strided_backward_ref, sample_inputs=_shape_samples({
        # (grad shape, (input_sizes, input_strides, input_offset, size, stride, storage_offset))
        "basic": [((2, 2), ([3, 4], [4, 1], 0, [2, 2], [4, 1], 1), {}),
                  ((3, 3), ([9], [1], 0, [3, 3], [1, 1], None), {}),      # overlapping windows accumulate
                  ((4,), ([2, 3], [3, 1], 1, [4], [1], 2), {}),
                  ((), ([5], [1], 0, [], [], 3), {})],
        "zero_size": [((0, 2), ([3, 4], [4, 1], 0, [0, 2], [4, 1], 0), {})],
    }), error_inputs=_errors(
        ("grad of the wrong shape", lambda: tg.as_strided_backward(_f((3,)), [3], [1], 0, [2], [1], 0), RuntimeError,
         "does not match"),
        ("negative stride", lambda: tg.as_strided_backward(_f((2,)), [3], [1], 0, [2], [-1], 0), RuntimeError),
    ), **grad_dtype))
    return out


# ----------------------------------------------------------------------------- issue 9: three-operand pointwise ops

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


def _addcmul_ref(a, t1, t2, value=1):
    return a + _scalar_to(value, t1.dtype) * t1 * t2  # value in the compute dtype, like the kernel


def _addcdiv_ref(a, t1, t2, value=1):
    return a + _scalar_to(value, t1.dtype) * t1 / t2


def _lerp_ref(a, b, w):
    # PyTorch's formula: exact at w = 0 and w = 1 (the branch keeps the small factor on the side of
    # the endpoint it approaches)
    w = np.asarray(w, dtype=a.dtype) if not isinstance(w, np.ndarray) else w
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _value_kwargs(dtype):
    # integers: values every integer dtype holds (PyTorch refuses a value that overflows the dtype)
    return [{"value": 2}, {"value": 3}] if not is_floating(dtype) else [{"value": 0.5}, {"value": -2}]


def _addcmul_samples(op, dtype, mode, make):
    yield from _ternary_samples(op, dtype, mode, make, extra_kwargs=_value_kwargs(dtype) if dtype is not tg.bool else ())


def _addcdiv_samples(op, dtype, mode, make):
    yield from _ternary_samples(op, dtype, mode, make, nonzero=(2,), extra_kwargs=_value_kwargs(dtype))


def _addcdiv_expected_error(op, sample):
    t1, t2 = sample.args[1], sample.args[2]
    # PyTorch: integer (or bool) tensor1 and tensor2 would be an integer division: an error
    return RuntimeError if not is_floating(t1.dtype) and not is_floating(t2.dtype) else None


def _lerp_samples(op, dtype, mode, make):
    yield from _ternary_samples(op, dtype, mode, make)  # lerp.Tensor
    if mode == "basic":  # lerp.Scalar: weights inside, at the ends of and outside [0, 1]
        for w in (0.25, 0.5, 0.75, 0.0, 1.0, -1.5, 2.0):
            yield SampleInput(make(S), make(S), w)
    elif mode == "broadcast":
        yield SampleInput(make((3, 1)), make((4,)), 0.3)
    elif mode == "zero_dim":
        yield SampleInput(make(()), make(S), 0.7)
    elif mode == "large":
        yield SampleInput(make(BIG[::-1]).t(), make(BIG), 0.6)


def _tensor_operands_dtype(op, sample):
    # lerp.Scalar's weight is a Scalar argument, not an operand: lerp(int, int, 0.5) stays integer
    return result_type(*[x for x in sample.args if isinstance(x, tg.Tensor)])


def _lerp_expected_error(op, sample):
    a = sample.args[0]
    # PyTorch's lerp doesn't promote: end and a tensor weight must have self's dtype
    others = [x for x in sample.args[1:] if isinstance(x, tg.Tensor)]
    return RuntimeError if any(x.dtype is not a.dtype for x in others) else None


def _ternary_errors(name, extra=()):
    fn = getattr(tg, name)

    def gen(op):
        yield ErrorInput("shapes that don't broadcast", lambda: fn(_f((2, 3)), _f((4,)), _f((2, 3))), RuntimeError,
                         "cannot be broadcast")
        yield ErrorInput("third operand doesn't broadcast", lambda: fn(_f(S), _f(S), _f((5,))), RuntimeError,
                         "cannot be broadcast")
        yield ErrorInput("string operand", lambda: fn(_f(), _f(), "a"), TypeError)
        yield ErrorInput("missing operand", lambda: fn(_f(), _f()), TypeError)
        yield ErrorInput("in-place result doesn't fit self",
                         lambda: getattr(_f((3, 1)), name + "_")(_f(S), _f(S)), RuntimeError)
        yield ErrorInput("out= is not a tensor", lambda: fn(_f(), _f(), _f(), out=3), TypeError)

        def inplace_with_own_transpose():
            x = _f((3, 3))
            return getattr(x, name + "_")(x.t(), _f((3, 3)))
        yield ErrorInput("in-place with a transposed view of self (partial overlap)", inplace_with_own_transpose,
                         RuntimeError, "single memory location")

        def out_overlaps_input():
            x = _f((5,))
            return fn(x[1:], _f((4,)), x[1:], out=x[:-1])
        yield ErrorInput("out= overlaps an input partially", out_overlaps_input, RuntimeError,
                         "single memory location")
        for e in extra:
            yield ErrorInput(*e)
    return gen


def _issue9_multi_operand_entries():
    """addcmul, addcdiv and lerp: pointwise ops over three tensor operands (lerp.Scalar: two and a
    number). Their float32 tolerance allows for cancellation in self + (up to ~160)."""
    tol = {tg.float32: (1e-5, 1e-4)}
    out = []
    out.append(OpInfo("addcmul", ref=_addcmul_ref, sample_inputs=_addcmul_samples, arity=3, ieee_specials=(0, 1, 2),
                      tol=tol, error_inputs=_ternary_errors("addcmul", [
                          ("bool tensors", lambda: tg.addcmul(_f(S, tg.bool), _f(S, tg.bool), _f(S, tg.bool)),
                           NotImplementedError, r"\[addcmul\]"),
                          ("float result into an int64 self",
                           lambda: _f(S, tg.int64).addcmul_(_f(S), _f(S)), RuntimeError, "can't be cast"),
                      ])))
    out.append(OpInfo("addcdiv", ref=_addcdiv_ref, sample_inputs=_addcdiv_samples, arity=3, ieee_specials=(0, 1, 2),
                      expected_error=_addcdiv_expected_error, tol=tol, error_inputs=_ternary_errors("addcdiv", [
                          ("integer division", lambda: tg.addcdiv(_f(S), _f(S, tg.int64), _f(S, tg.int32)),
                           RuntimeError, r"\[addcdiv\] Integer division with addcdiv is no longer supported"),
                          ("bool tensor1 and tensor2", lambda: tg.addcdiv(_f(S), _f(S, tg.bool), _f(S, tg.bool)),
                           RuntimeError, "Integer division"),
                      ])))
    out.append(OpInfo("lerp", ref=_lerp_ref, sample_inputs=_lerp_samples, arity=3, ieee_specials=(0, 1, 2),
                      dtypes=FLOATING, compute_dtype=_tensor_operands_dtype, expected_error=_lerp_expected_error,
                      tol=tol,
                      error_inputs=_ternary_errors("lerp", [
                          ("end of another dtype", lambda: tg.lerp(_f(S), _f(S, tg.float64), 0.5), RuntimeError,
                           r"\[lerp\] expected dtype float32 for `end` but got dtype float64"),
                          ("weight of another dtype", lambda: tg.lerp(_f(S), _f(S), _f(S, tg.float16)),
                           RuntimeError, "for `weight`"),
                          ("integer tensors", lambda: tg.lerp(_f(S, tg.int64), _f(S, tg.int64), 0.5),
                           NotImplementedError, r"\[lerp\]"),
                          ("two integer dtypes (no promotion)", lambda: tg.lerp(_f(S, tg.int32), _f(S, tg.int64), 1),
                           RuntimeError, "for `end`"),
                          ("weight is a string", lambda: tg.lerp(_f(), _f(), "a"), TypeError),
                      ])))
    return out


# ----------------------------------------------------------------------------- the database

op_db: list[OpInfo] = (_pointwise_entries() + _reduction_entries() + _linalg_entries() + _copy_entries()
                       + _factory_entries() + _view_entries() + _backward_helper_entries()
                       + _issue9_multi_operand_entries())
op_db_by_name: dict[str, OpInfo] = {op.name: op for op in op_db}
assert len(op_db_by_name) == len(op_db), "opinfo: duplicate entries"


# ----------------------------------------------------------------------------- devices

# The devices the matrix runs on: CUDA cases are skipped (with the reason) when no GPU is usable.
FACTORIES = frozenset({"empty", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint",
                       "randperm"})


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
