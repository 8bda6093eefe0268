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

import builtins  # noqa: F401
import math  # noqa: F401
import warnings

import numpy as np

import tensorgen as tg
from tensorgen.testing._utils import _maybe_noncontiguous, dtype_name, make_tensor, to_numpy  # noqa: F401
# The vocabulary lives in four modules; this one re-exports them (see __all__ below).
from tensorgen.testing.opinfo.dtypes import *  # noqa: F403   dtype sets, promotion
from tensorgen.testing.opinfo.inputs import *  # noqa: F403   SampleInput, ErrorInput, Maker, reference helpers
from tensorgen.testing.opinfo.default_samples import *  # noqa: F403   default samples of each kind
from tensorgen.testing.opinfo.default_errors import *  # noqa: F403   default error inputs of each kind


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
        # device= (a factory's sample moved to the GPU by sample_on) says where the result lives,
        # not what it holds: the NumPy reference does not take it.
        kwargs = {k: _to_np(v, np_dt) for k, v in sample.kwargs.items() if k != "device"}
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


# ----------------------------------------------------------------------------- families

FAMILIES = ("pointwise", "reductions", "scans", "linalg", "shape_ops", "sorting", "indexing", "factories", "views", "copy",
            "backward_helpers", "activations", "nn_conv", "nn_pooling", "nn_norms", "nn_losses",
            "nn_embedding_attention", "optim")


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
    if meta.name.startswith("_fused_"):
        return "optim"
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
