"""The generated per-op test matrix (DESIGN.md §8), driven by tensorgen.testing.opinfo.

For every op in native_functions.yaml:
- reference comparison against NumPy for every dtype (NotImplementedError where unsupported);
- variant consistency: function, method, in-place and out= agree;
- out= rules: a correct-shape out is reused, an empty out is resized, an out the result can't be
  cast to is rejected;
- non-contiguous, broadcast, 0-d, zero-size, larger and mixed-dtype (type promotion) inputs;
- error inputs: documented failures raise the documented exception type;
- coverage: every op in the YAML has an OpInfo entry (in the family module of opinfo/ its kind
  says), every entry names an op, the family modules build; each reported by one test, never
  by a collection error.
"""
from pathlib import Path

import numpy as np
import pytest
import yaml

import tensorgen as tg
from tensorgen.testing._utils import dtype_name, to_numpy
from tensorgen.testing.opinfo import (ALL_DTYPES, DEVICES, SampleInput, can_cast, duplicate_entries, family_errors,
                                     is_floating, missing_entries, op_db, op_db_by_name, sample_on, unknown_entries)

OP_IDS = [op.name for op in op_db]


def _dtype_id(dt):
    return dtype_name(dt)


def _run_and_check(op, sample):
    """Calls op on sample: it must raise the expected exception, or match the NumPy reference."""
    err = op.expected_error(sample)
    if err is not None:
        with pytest.raises(err):
            op(sample)
        return
    result = op(sample)
    op.check(sample, result)


def _ops_with_samples(mode, dtype=tg.float32, need_tensor_input=False):
    ops = []
    for op in op_db:
        try:
            samples = op.samples_for(dtype, mode)
        except Exception:  # a broken sample generator fails its own test, not the collection
            ops.append(op)
            continue
        if need_tensor_input:
            samples = [s for s in samples if any(isinstance(a, tg.Tensor) and not a.is_contiguous()
                                                 for a in list(s.args) + list(s.kwargs.values()))]
        if samples:
            ops.append(op)
    return ops


# ----------------------------------------------------------------------------- coverage

_OPINFO_DIR = "python/tensorgen/testing/opinfo"


def test_every_yaml_op_has_an_opinfo():
    missing = missing_entries()
    assert not missing, "ops in native_functions.yaml without an OpInfo entry:\n" + "\n".join(
        f"  {name}: add OpInfo({name!r}, ref=...) to entries() in {_OPINFO_DIR}/{family}.py "
        f"(kind {tg.ops.all_ops()[name].kind})" for name, family in missing.items())


def test_every_opinfo_entry_names_a_yaml_op():
    stale = sorted(op.name for op in unknown_entries)
    assert not stale, f"OpInfo entries for names that are not ops in native_functions.yaml: {stale}"


def test_opinfo_families_build():
    """A family module that raises while building its entries is reported here (its ops then show
    up as missing above), not as a collection error of every test."""
    assert not family_errors, "\n".join(f"{_OPINFO_DIR}/{family}.py failed to build its entries:\n{tb}"
                                        for family, tb in family_errors.items())


def test_no_duplicate_opinfo_entries():
    assert not duplicate_entries, f"ops with more than one OpInfo entry (the first one is used): {duplicate_entries}"


def test_ops_metadata_is_structured():
    """tg.ops.<name> carries what the YAML says, parsed (codegen/metadata.py -> _C._op_metadata_json)."""
    s = tg.ops.sum
    assert s.kind == "reduction" and s.promotion == "sum" and s.dtypes == "all" and s.arity == 1
    assert [(a.name, a.type, a.default, a.kwarg_only) for a in s.arguments] == [
        ("self", "Tensor", None, False), ("dim", "int[1]?", "None", False), ("keepdim", "bool", "False", False),
        ("dtype", "ScalarType?", "None", True)]
    assert [(r.name, r.type) for r in s.returns] == [(None, "Tensor")]
    assert s.differentiable and s.dispatch["CPU"] == "sum_kernel"
    mx = tg.ops.max                                  # two overloads: max(x) and max.dim(x, dim)
    assert [o.full_name for o in mx.overloads] == ["max", "max.dim"]
    assert mx.primary.out_schema is None and mx.overloads[1].out_schema.startswith("max.dim_out(")
    assert "out" in mx.variants and mx.has_argument("dim", "int") and not mx.primary.argument("dim")
    assert [r.name for r in mx.overloads[1].returns] == ["values", "indices"]
    assert tg.ops.where.arity == 3 and tg.ops.clamp.arity == 3 and tg.ops.arange.arity == 0
    assert tg.ops.exp.promotion == "int_to_float" and tg.ops.eq.promotion == "always_bool"
    assert not tg.ops.eq.differentiable and tg.ops.div.tags == ("pointwise",)
    assert tg.ops.mm.kind == "structured" and tg.ops.clone.kind == "functional" and tg.ops.view.kind == "view"
    with pytest.raises(AttributeError):
        tg.ops.not_an_op


@pytest.mark.parametrize("op", op_db, ids=OP_IDS)
def test_opinfo_entry_is_complete(op):
    assert op.samples_for(tg.float32), f"{op.name}: no float32 samples"
    assert op.error_inputs(), f"{op.name}: no error inputs"
    assert op.ref is not None or op._check is not None, f"{op.name}: neither a reference nor a check"
    assert set(op.dtypes) <= set(ALL_DTYPES) and op.dtypes


# ----------------------------------------------------------------------------- reference comparison

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("op", op_db, ids=OP_IDS)
def test_reference(op, dtype, device):
    """Every sample against NumPy, on each device (CUDA cases skip without a GPU)."""
    samples = op.samples_for(dtype)
    assert samples
    for sample in samples:
        _run_and_check(op, sample_on(op, sample, device))


@pytest.mark.parametrize("op", op_db, ids=OP_IDS)
def test_unsupported_dtypes_raise_not_implemented(op):
    """Every dtype outside the op's set raises NotImplementedError (not a crash, not a wrong answer)."""
    for dtype in ALL_DTYPES:
        for sample in op.samples_for(dtype):
            if op.expected_error(sample) is NotImplementedError:
                with pytest.raises(NotImplementedError, match=r"\["):
                    op(sample)


# ----------------------------------------------------------------------------- special inputs

_NONCONTIG_DTYPES = (tg.float32, tg.int32, tg.bfloat16)


@pytest.mark.parametrize("op", _ops_with_samples("noncontig", need_tensor_input=True),
                         ids=lambda op: op.name)
def test_noncontiguous(op):
    for dtype in _NONCONTIG_DTYPES:
        samples = op.samples_for(dtype, "noncontig")
        assert any(not a.is_contiguous() for s in samples for a in s.args if isinstance(a, tg.Tensor))
        for sample in samples:
            _run_and_check(op, sample)


_SHAPE_KINDS = ("broadcast", "zero_dim", "zero_size")


@pytest.mark.parametrize("kind, op", [(k, op) for k in _SHAPE_KINDS for op in _ops_with_samples(k)],
                         ids=lambda v: v if isinstance(v, str) else v.name)
@pytest.mark.parametrize("dtype", (tg.float32, tg.int64), ids=_dtype_id)
def test_shapes(kind, op, dtype):
    """Broadcast inputs, 0-d inputs and zero-size inputs, each against the reference."""
    for sample in op.samples_for(dtype, kind):
        _run_and_check(op, sample)


@pytest.mark.parametrize("op", _ops_with_samples("promotion"), ids=lambda op: op.name)
def test_type_promotion(op):
    """Mixed dtypes, 0-d tensors and Python numbers ("weak" scalars), dtype= arguments."""
    for sample in op.samples_for(tg.float32, "promotion"):
        _run_and_check(op, sample)


# ----------------------------------------------------------------------------- variants

_VARIANTS = ("function", "method", "inplace", "out")
VARIANT_OPS = [op for op in op_db if sum(v in op.variants for v in _VARIANTS) >= 2]


def _with_self(op, sample, new_self):
    args = list(sample.args)
    args[op.self_index] = new_self
    return SampleInput(*args, **sample.kwargs)


def _as_tuple(r):
    return tuple(r) if isinstance(r, tuple) else (r,)


def _assert_same(op, sample, variant, actual, expected):
    """Variants run the same kernels: results must agree exactly (dtype, shape, values)."""
    if isinstance(expected, bool):
        assert type(actual) is bool and actual == expected, f"{op.name}[{variant}]{sample}: {actual} != {expected}"
        return
    acts, exps = _as_tuple(actual), _as_tuple(expected)
    assert len(acts) == len(exps), f"{op.name}[{variant}]{sample}: {len(acts)} results, expected {len(exps)}"
    for a, e in zip(acts, exps):
        assert isinstance(a, tg.Tensor), f"{op.name}[{variant}]{sample}: returned {type(a).__name__}"
        assert a.dtype is e.dtype, f"{op.name}[{variant}]{sample}: dtype {a.dtype} != {e.dtype}"
        assert tuple(a.shape) == tuple(e.shape), f"{op.name}[{variant}]{sample}: shape {a.shape} != {e.shape}"
        np.testing.assert_array_equal(to_numpy(a), to_numpy(e), err_msg=f"{op.name}[{variant}]{sample}")


def _same_shapes(sample):
    shapes = {tuple(a.shape) for a in sample.args if isinstance(a, tg.Tensor)}
    return len(shapes) == 1


def _fresh(op, sample):
    """In-place ops (fill_, copy_) write into self: give each variant its own copy. Random ops
    (bernoulli, multinomial) draw from a reseeded generator, so every variant sees the same stream."""
    tg.manual_seed(0)
    if op.name.endswith("_"):
        return _with_self(op, sample, sample.args[op.self_index].clone())
    return sample


@pytest.mark.parametrize("dtype", (tg.float32, tg.int32, tg.bool, tg.float16), ids=_dtype_id)
@pytest.mark.parametrize("op", VARIANT_OPS, ids=lambda op: op.name)
def test_variant_consistency(op, dtype):
    samples = op.samples_for(dtype) + op.samples_for(dtype, "broadcast")
    checked = 0
    for sample in samples:
        err = op.expected_error(sample)
        if err is not None:
            # every variant refuses the same way
            for variant in _VARIANTS:
                if variant == "out" and not op.supports_out(sample) or not op.has_variant(variant):
                    continue
                if variant == "inplace" and not _same_shapes(sample):
                    continue  # refused for its shape first
                s = _fresh(op, sample)
                out = None
                if variant == "out":  # an out of the dtype the result would have
                    rdts = op.result_dtype(sample)
                    outs = tuple(tg.empty(0, dtype=d) for d in _as_tuple(rdts))
                    out = outs if isinstance(rdts, tuple) else outs[0]
                with pytest.raises(err):
                    op.call(s, variant, out=out)
            checked += 1
            continue
        primary = "function" if op.has_variant("function") else "method"
        expected = op.call(_fresh(op, sample), primary)
        if op.has_variant("method") and primary != "method":
            _assert_same(op, sample, "method", op.call(_fresh(op, sample), "method"), expected)
        if op.has_variant("inplace"):
            x = sample.args[op.self_index]
            self_copy = x.clone()
            inplace_sample = _with_self(op, sample, self_copy)
            fits = tuple(expected.shape) == tuple(x.shape) and can_cast(expected.dtype, x.dtype)
            if fits:
                r = op.call(inplace_sample, "inplace")
                assert r.data_ptr() == self_copy.data_ptr(), f"{op.name}_ must return self"
                _assert_same(op, sample, "inplace", r, expected.to(x.dtype))
                _assert_same(op, sample, "inplace (self)", self_copy, expected.to(x.dtype))
            else:
                # the result doesn't fit self (broadcast to a bigger shape, or float into int)
                with pytest.raises(RuntimeError):
                    op.call(inplace_sample, "inplace")
        if op.supports_out(sample):
            outs = tuple(tg.empty(list(e.shape), dtype=e.dtype) for e in _as_tuple(expected))
            r = op.call(sample, "out", out=outs if isinstance(expected, tuple) else outs[0])
            _assert_same(op, sample, "out", r, expected)
        checked += 1
    assert checked, f"{op.name}: no {dtype} sample to compare variants on"


# ----------------------------------------------------------------------------- out= rules

OUT_OPS = [op for op in op_db if op.has_variant("out")]


def _usual_dtype(op):
    """float32, or for ops without it (bitwise ops) the widest dtype they support."""
    return tg.float32 if tg.float32 in op.dtypes else op.dtypes[-1]


def _out_sample(op, dtype=None):
    dtype = _usual_dtype(op) if dtype is None else dtype
    for s in op.samples_for(dtype):
        if op.supports_out(s) and op.expected_error(s) is None:
            return s
    raise AssertionError(f"{op.name}: no {dtype} sample with an out= overload")


def _call_out(op, sample, outs, multi):
    return op.call(sample, "out", out=outs if multi else outs[0])


@pytest.mark.parametrize("op", OUT_OPS, ids=lambda op: op.name)
def test_out_correct_shape_is_reused(op):
    sample = _out_sample(op)
    expected = op(sample)
    multi = isinstance(expected, tuple)
    outs = tuple(tg.empty(list(e.shape), dtype=e.dtype) for e in _as_tuple(expected))
    ptrs = [o.data_ptr() for o in outs]
    r = _call_out(op, sample, outs, multi)
    for got, o in zip(_as_tuple(r), outs):
        assert got is o, f"{op.name}(out=...) must return the out tensor itself"
    assert [o.data_ptr() for o in outs] == ptrs, f"{op.name}: a correct-shape out must not be reallocated"
    _assert_same(op, sample, "out", r, expected)


@pytest.mark.parametrize("op", OUT_OPS, ids=lambda op: op.name)
def test_out_empty_is_resized(op):
    sample = _out_sample(op)
    expected = op(sample)
    multi = isinstance(expected, tuple)
    outs = tuple(tg.empty(0, dtype=e.dtype) for e in _as_tuple(expected))
    r = _call_out(op, sample, outs, multi)
    for got, o, e in zip(_as_tuple(r), outs, _as_tuple(expected)):
        assert got is o
        assert tuple(o.shape) == tuple(e.shape), f"{op.name}: empty out not resized to {tuple(e.shape)}"
    _assert_same(op, sample, "out", r, expected)


@pytest.mark.parametrize("dtype", (tg.float32, tg.int32), ids=_dtype_id)
@pytest.mark.parametrize("op", OUT_OPS, ids=lambda op: op.name)
def test_out_dtype(op, dtype):
    """A result can't go into an out it can't be cast to (float into int, int into bool); a bool
    result may go into a float out."""
    samples = [s for s in op.samples_for(dtype) if op.supports_out(s) and op.expected_error(s) is None]
    if not samples:  # no dtype result at all: the op refuses this input dtype
        sample = op.samples_for(dtype)[0]
        with pytest.raises(op.expected_error(sample)):
            op(sample)
        return
    sample = samples[0]
    expected = op(sample)
    multi = isinstance(expected, tuple)
    first = _as_tuple(expected)[0]
    rdt = first.dtype
    rest = tuple(tg.empty(0, dtype=e.dtype) for e in _as_tuple(expected)[1:])
    if rdt is tg.bool:
        out = tg.empty(0, dtype=tg.float32)
        _call_out(op, sample, (out,) + rest, multi)
        np.testing.assert_array_equal(to_numpy(out), to_numpy(first).astype(np.float32))
        return
    bad = tg.int64 if is_floating(rdt) else tg.bool
    assert not can_cast(rdt, bad)
    # (cat, `tags: out_casts`, raises PyTorch's TypeError; every other op a RuntimeError)
    with pytest.raises(TypeError if "out_casts" in op.meta.tags else RuntimeError):
        _call_out(op, sample, (tg.empty(0, dtype=bad),) + rest, multi)
    # a wider dtype: cast into (most ops) or refused (mm, softmax want exactly the result dtype)
    wider = tg.float64 if rdt is not tg.float64 else tg.float32
    out = tg.empty(0, dtype=wider)
    if op.out_dtype_exact:
        with pytest.raises(RuntimeError, match="dtype"):
            _call_out(op, sample, (out,) + rest, multi)
        return
    r = _call_out(op, sample, (out,) + rest, multi)
    assert _as_tuple(r)[0] is out and out.dtype is wider
    np.testing.assert_allclose(to_numpy(out), to_numpy(first).astype(np.float64), rtol=1e-6)


# ----------------------------------------------------------------------------- error inputs

@pytest.mark.parametrize("op", op_db, ids=OP_IDS)
def test_error_inputs(op):
    """The op's own error inputs and the defaults of its kind (opinfo/core.py)."""
    errors = op.error_inputs()
    assert errors, f"{op.name}: no error inputs"
    for e in errors:
        with pytest.raises(e.exc, match=e.match):
            e.fn()


# ----------------------------------------------------------------------------- documented semantics

def test_documented_promotion_semantics():
    """The PyTorch semantics the matrix leans on, spelled out once."""
    i64 = tg.tensor([1, 2, 3])
    assert tg.exp(i64).dtype is tg.float32                    # int input to exp/log/sin...: float32
    np.testing.assert_allclose(to_numpy(tg.exp(i64)), np.exp([1, 2, 3]), rtol=1e-6)
    assert tg.sin(tg.tensor([True, False])).dtype is tg.float32
    assert tg.eq(i64, i64).dtype is tg.bool                   # comparisons return bool
    assert tg.lt(tg.ones([2]), 2).dtype is tg.bool
    assert (i64 / i64).dtype is tg.float32                    # true division of ints: float32
    assert tg.sum(i64).dtype is tg.int64                      # sum of ints and bools: int64
    assert tg.sum(tg.tensor([True, True])).item() == 2
    assert tg.sum(tg.ones([2], dtype=tg.int8)).dtype is tg.int64
    with pytest.raises(RuntimeError):                         # mean of ints: no output dtype
        tg.mean(i64)
    assert tg.mean(i64, dtype=tg.float64).dtype is tg.float64
    assert (tg.ones([2], dtype=tg.int32) + 2.5).dtype is tg.float32   # weak Python float
    assert (tg.ones([2], dtype=tg.int8) + 1000).dtype is tg.int8      # weak Python int
    assert (tg.ones([2], dtype=tg.float16) + tg.tensor(1.0, dtype=tg.float64)).dtype is tg.float16
    assert (tg.ones([2], dtype=tg.int32) + tg.tensor(1.0, dtype=tg.float64)).dtype is tg.float64
    # float16 / bfloat16 compute in float32 and round once per op: 1 + 2**-11 is not a float16
    h = tg.tensor([1.0], dtype=tg.float16)
    assert tg.add(h, 2.0 ** -11).item() == 1.0
    assert tg.mul(tg.tensor([3.0], dtype=tg.bfloat16), 1 / 3).item() == 1.0


def test_half_ops_round_once_from_float32():
    """A float16 op equals the float32 op on the same values, rounded to float16 (not a float16 chain)."""
    x = tg.testing.make_tensor((64,), tg.float16, low=0.1, high=4, seed=11)
    y = tg.testing.make_tensor((64,), tg.float16, low=0.1, high=4, seed=12)
    for fn in (tg.add, tg.mul, tg.div, tg.pow, tg.sub):
        got = to_numpy(fn(x, y))
        want = to_numpy(fn(x.float(), y.float()).half())
        np.testing.assert_array_equal(got, want, err_msg=fn.__name__)
    for fn in (tg.exp, tg.log, tg.sqrt, tg.sigmoid, tg.tanh):
        np.testing.assert_array_equal(to_numpy(fn(x)), to_numpy(fn(x.float()).half()), err_msg=fn.__name__)


# ----------------------------------------------------------------------------- larger inputs

@pytest.mark.parametrize("op", _ops_with_samples("large"), ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", (tg.float32, tg.int32, tg.float16), ids=_dtype_id)
def test_large_inputs(op, dtype):
    """A few thousand elements with odd sizes and transposed operands: past the short-tensor paths."""
    for sample in op.samples_for(dtype, "large"):
        _run_and_check(op, sample)


# ----------------------------------------------------------------------------- memory overlap

# x.op_(y) with y a tensor: two required positional arguments, both tensors (masked_fill(mask, value)
# has two tensor inputs but needs a third argument).
_INPLACE_BINARY = [op for op in op_db if op.has_variant("inplace") and op.arity == 2
                   and sum(1 for a in op.meta.arguments if not a.kwarg_only and a.default is None) == 2]


@pytest.mark.parametrize("op", _INPLACE_BINARY, ids=lambda op: op.name)
def test_inplace_with_overlapping_operand_never_gives_a_wrong_answer(op):
    """x.op_(x.t()): PyTorch refuses (partial overlap); a composite that computes into a temporary
    may instead give the right answer. Silently reading already-written values is a bug."""
    x = tg.testing.make_tensor((3, 3), _usual_dtype(op), low=1, high=5, seed=4)
    expected = op.function(x.clone(), x.clone().t())
    try:
        result = getattr(x, op.name + "_")(x.t())
    except RuntimeError as e:
        assert "single memory location" in str(e)
        return
    np.testing.assert_array_equal(to_numpy(result), to_numpy(expected.to(result.dtype)))


# ----------------------------------------------------------------------------- memory format

def test_copies_of_a_dense_tensor_preserve_its_layout():
    """PyTorch's memory_format=torch.preserve_format default: clone, *_like and to(dtype) of a dense
    non-contiguous tensor (a transpose) keep its strides; contiguous() always returns row-major."""
    x = tg.testing.make_tensor((3, 4), tg.float32, seed=2).t()
    assert x.stride() == (1, 4)
    assert x.contiguous().stride() == (3, 1)
    results = {
        "clone": x.clone(), "empty_like": tg.empty_like(x), "zeros_like": tg.zeros_like(x),
        "ones_like": tg.ones_like(x), "full_like": tg.full_like(x, 2.0), "to(float64)": x.to(tg.float64),
        "neg": tg.neg(x),
    }
    wrong = {name: r.stride() for name, r in results.items() if r.stride() != x.stride()}
    assert not wrong, f"these did not keep the input's strides {x.stride()}: {wrong}"
    np.testing.assert_array_equal(to_numpy(results["clone"]), to_numpy(x))


# ----------------------------------------------------------------------------- autograd

_REPO = Path(__file__).resolve().parents[1]


def _differentiable_op_names():
    """Ops with a backward formula (derivatives.yaml entries without non_differentiable, as tg.ops
    reports them), by base name (max and max.dim are one OpInfo)."""
    return sorted(name for name, meta in tg.ops.all_ops().items() if meta.differentiable)


def test_differentiable_ops_match_derivatives_yaml():
    """tg.ops.<name>.differentiable (the metadata codegen embeds) says what derivatives.yaml says."""
    entries = yaml.safe_load((_REPO / "derivatives.yaml").read_text(encoding="utf-8")) or []
    from_yaml = sorted({e["name"].split("(")[0].split(".")[0] for e in entries if not e.get("non_differentiable")})
    assert _differentiable_op_names() == from_yaml


# Composites differentiate through the ops they call; a few common ones are checked too (a composite
# that bypasses the dispatched ops, e.g. with a raw view, would silently lose its gradient).
_DIFFERENTIABLE_COMPOSITES = ["div", "clamp", "matmul", "reshape", "t", "flatten", "narrow", "expand_as", "concat",
                              "stack"]
# An op without an entry is reported by test_every_yaml_op_has_an_opinfo, not a KeyError here.
GRAD_OPS = [op_db_by_name[n] for n in _differentiable_op_names() + _DIFFERENTIABLE_COMPOSITES if n in op_db_by_name]
# Samples at the op's points of non-differentiability (round's ties), and nan/inf inputs.
_GRAD_SKIP_SAMPLES = ("ties", "ieee specials")


def _grad_case(op, sample):
    """(fn, inputs) for gradcheck: every float64 tensor of the sample becomes an input that
    requires grad; fn calls the op on them (in-place ops on a copy of self)."""
    kw_keys = [k for k, v in sample.kwargs.items() if isinstance(v, tg.Tensor)]
    # A list of tensors (cat's tensors) gives one input per element; fn rebuilds the list.
    lens = [len(a) if isinstance(a, list) and a and all(isinstance(t, tg.Tensor) for t in a) else None
            for a in sample.args]
    inputs = [t for a, n in zip(sample.args, lens) for t in (a if n is not None else [a])]
    inputs += [sample.kwargs[k] for k in kw_keys]
    for t in inputs:
        if isinstance(t, tg.Tensor) and t.dtype is tg.float64:
            t.requires_grad_()

    def fn(*xs):
        args, i = [], 0
        for n in lens:
            args.append(xs[i] if n is None else list(xs[i:i + n]))
            i += 1 if n is None else n
        kwargs = dict(sample.kwargs, **dict(zip(kw_keys, xs[i:])))
        if op.name.endswith("_"):  # fill_, copy_: write into a copy of self
            args[0] = args[0].clone()
            return getattr(args[0], op.name)(*args[1:], **kwargs)
        return op(SampleInput(*args, **kwargs))
    return fn, inputs


def _grad_samples(op, count=3):
    """The op's first float64 samples whose floating results are all float64 (finite differences
    in float32 are too coarse) and whose inputs require grad; those with a floating result first
    (to(int64) has a gradient of nothing)."""
    out = []
    for s in op.samples_for(tg.float64):
        if s.name in _GRAD_SKIP_SAMPLES or op.expected_error(s) is not None:
            continue
        fn, inputs = _grad_case(op, s)
        if not any(isinstance(t, tg.Tensor) and t.requires_grad for t in inputs):
            continue
        with tg.autograd.no_grad():
            results = _as_tuple(fn(*inputs))
        if any(r.dtype.is_floating_point and r.dtype is not tg.float64 for r in results):
            continue
        out.append((not any(r.dtype.is_floating_point for r in results), s, fn, inputs))
    out.sort(key=lambda c: c[0])  # stable: floating results first, in sample order
    return [c[1:] for c in out[:count]]


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("op", GRAD_OPS, ids=lambda op: op.name)
def test_gradcheck(op, check):
    """First derivatives of every differentiable op against central differences (float64), and
    second derivatives (gradgradcheck: the backward formulas are themselves differentiable)."""
    samples = _grad_samples(op)
    assert samples, f"{op.name}: no float64 sample to check gradients on"
    for sample, fn, inputs in samples:
        assert getattr(tg.autograd, check)(fn, inputs), f"{check} {op.name}{sample}"


def _leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), dtype=tg.float64).requires_grad_()


def _grads(fn, *xs):
    """d(sum(fn(*xs)))/d(xs) as NumPy arrays (one backward pass)."""
    out = fn(*xs)
    return [to_numpy(g) for g in tg.autograd.grad(out.sum(), xs)]


_rng = np.random.default_rng(1234)
_X = _rng.uniform(-2.0, 2.0, size=(3, 4))
_Y = _rng.uniform(-2.0, 2.0, size=(3, 4))
_POS = _rng.uniform(0.3, 3.0, size=(3, 4))
_NONZERO = _rng.uniform(0.5, 2.0, size=(3, 4)) * _rng.choice([-1.0, 1.0], size=(3, 4))


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# (op, input, d/dx, d2/dx2) for the unary pointwise family: NumPy closed forms.
_UNARY_DERIVATIVES = [
    ("exp", _X, np.exp, np.exp),
    ("log", _POS, lambda a: 1 / a, lambda a: -1 / a ** 2),
    ("sqrt", _POS, lambda a: 0.5 / np.sqrt(a), lambda a: -0.25 * a ** -1.5),
    ("rsqrt", _POS, lambda a: -0.5 * a ** -1.5, lambda a: 0.75 * a ** -2.5),
    ("sin", _X, np.cos, lambda a: -np.sin(a)),
    ("cos", _X, lambda a: -np.sin(a), lambda a: -np.cos(a)),
    ("tanh", _X, lambda a: 1 - np.tanh(a) ** 2, lambda a: -2 * np.tanh(a) * (1 - np.tanh(a) ** 2)),
    ("sigmoid", _X, lambda a: _sigmoid(a) * (1 - _sigmoid(a)),
     lambda a: _sigmoid(a) * (1 - _sigmoid(a)) * (1 - 2 * _sigmoid(a))),
    ("neg", _X, lambda a: -np.ones_like(a), np.zeros_like),
    ("abs", _NONZERO, np.sign, np.zeros_like),
    ("relu", _NONZERO, lambda a: (a > 0).astype(np.float64), np.zeros_like),
    ("sign", _NONZERO, np.zeros_like, np.zeros_like),
    ("floor", _X, np.zeros_like, np.zeros_like),
    ("ceil", _X, np.zeros_like, np.zeros_like),
    ("round", _X, np.zeros_like, np.zeros_like),
]


@pytest.mark.parametrize("name, x, d1, d2", _UNARY_DERIVATIVES, ids=[c[0] for c in _UNARY_DERIVATIVES])
def test_unary_pointwise_gradients_match_numpy(name, x, d1, d2):
    fn = getattr(tg, name)
    xt = _leaf(x)
    (g,) = tg.autograd.grad(fn(xt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(to_numpy(g), d1(x), rtol=1e-12, atol=1e-12, err_msg=f"d/dx {name}")
    if g.requires_grad:
        (gg,) = tg.autograd.grad(g.sum(), xt, allow_unused=True)
        gg = np.zeros_like(x) if gg is None else to_numpy(gg)
    else:  # a constant first derivative (neg) or zero (floor): no graph to differentiate
        gg = np.zeros_like(x)
    np.testing.assert_allclose(gg, d2(x), rtol=1e-12, atol=1e-12, err_msg=f"d2/dx2 {name}")


# (name, fn, x, y, d/dx, d/dy) for the binary pointwise family.
_BINARY_DERIVATIVES = [
    ("add", lambda a, b: tg.add(a, b, alpha=2.5), _X, _Y, lambda a, b: np.ones_like(a), lambda a, b: np.full_like(b, 2.5)),
    ("sub", lambda a, b: tg.sub(a, b, alpha=2.5), _X, _Y, lambda a, b: np.ones_like(a),
     lambda a, b: np.full_like(b, -2.5)),
    ("mul", tg.mul, _X, _Y, lambda a, b: b, lambda a, b: a),
    ("true_divide", tg.true_divide, _X, _NONZERO, lambda a, b: 1 / b, lambda a, b: -a / b ** 2),
    ("div", tg.div, _X, _NONZERO, lambda a, b: 1 / b, lambda a, b: -a / b ** 2),
    ("div_floor", lambda a, b: tg.div(a, b, rounding_mode="floor"), _X, _NONZERO,
     lambda a, b: np.zeros_like(a), lambda a, b: np.zeros_like(b)),
    ("pow", tg.pow, _POS, _Y, lambda a, b: b * a ** (b - 1), lambda a, b: a ** b * np.log(a)),
    ("maximum", tg.maximum, _X, _Y, lambda a, b: (a > b).astype(np.float64), lambda a, b: (b > a).astype(np.float64)),
    ("minimum", tg.minimum, _X, _Y, lambda a, b: (a < b).astype(np.float64), lambda a, b: (b < a).astype(np.float64)),
    ("where", lambda a, b: tg.where(tg.tensor(_X > 0), a, b), _X, _Y, lambda a, b: (_X > 0).astype(np.float64),
     lambda a, b: (_X <= 0).astype(np.float64)),
]


@pytest.mark.parametrize("name, fn, x, y, dx, dy", _BINARY_DERIVATIVES, ids=[c[0] for c in _BINARY_DERIVATIVES])
def test_binary_pointwise_gradients_match_numpy(name, fn, x, y, dx, dy):
    gx, gy = _grads(fn, _leaf(x), _leaf(y))
    np.testing.assert_allclose(gx, dx(x, y), rtol=1e-12, atol=1e-12, err_msg=f"d/dx {name}")
    np.testing.assert_allclose(gy, dy(x, y), rtol=1e-12, atol=1e-12, err_msg=f"d/dy {name}")


def test_binary_pointwise_gradients_broadcast_to_the_inputs_shapes():
    x, y = _leaf(_X[:, :1]), _leaf(_Y[0])           # (3, 1) and (4,)
    gx, gy = _grads(tg.mul, x, y)
    np.testing.assert_allclose(gx, np.broadcast_to(_Y[0], (3, 4)).sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(gy, np.broadcast_to(_X[:, :1], (3, 4)).sum(0), rtol=1e-12)


def test_gradients_at_ties_and_special_points_follow_pytorch():
    """Where the derivative is undefined, tensorgen picks PyTorch's value."""
    a, b = _leaf([1.0, 2.0, 3.0]), _leaf([1.0, 1.0, 4.0])
    gx, gy = _grads(tg.maximum, a, b)
    np.testing.assert_array_equal(gx, [0.5, 1.0, 0.0])   # ties split the gradient
    np.testing.assert_array_equal(gy, [0.5, 0.0, 1.0])
    gx, gy = _grads(tg.minimum, a, b)
    np.testing.assert_array_equal(gx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.5, 1.0, 0.0])
    (g,) = _grads(tg.max, _leaf([[1.0, 3.0], [3.0, 3.0]]))  # the max shared evenly among ties
    np.testing.assert_allclose(g, [[0.0, 1 / 3], [1 / 3, 1 / 3]], rtol=1e-15)
    (g,) = _grads(lambda x: tg.max(x, 1)[0], _leaf([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]))  # the index max picks
    np.testing.assert_array_equal(g, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    (g,) = _grads(tg.abs, _leaf([0.0, -2.0]))
    np.testing.assert_array_equal(g, [0.0, -1.0])
    (g,) = _grads(tg.relu, _leaf([0.0, -2.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])
    # pow: 0 ** 0 has d/dbase 0 (not 0 * inf); d/dexponent of 0 ** y (y >= 0) is 0 (not 0 * -inf)
    gx, gy = _grads(tg.pow, _leaf([0.0, 0.0, 2.0]), _leaf([0.0, 2.0, 0.0]))
    np.testing.assert_array_equal(gx, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 0.0, np.log(2.0)])


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_gradient_with_zeros(dim):
    """prod's gradient is the product of the other elements, also where some are zero; double
    backward is right there too."""
    x = np.array([[1.5, 0.0, 2.0], [0.0, 3.0, 0.0], [1.0, -2.0, 3.0]])
    fn = (lambda t: tg.prod(t)) if dim is None else (lambda t: tg.prod(t, dim))
    (g,) = _grads(fn, _leaf(x))
    flat = x.reshape(-1) if dim is None else np.moveaxis(x, dim, -1)
    expected = np.empty_like(flat)
    for idx in np.ndindex(flat.shape):
        others = np.delete(flat[idx[:-1]], idx[-1])
        expected[idx] = np.prod(others)
    expected = expected.reshape(x.shape) if dim is None else np.moveaxis(expected, -1, dim)
    np.testing.assert_array_equal(g, expected)
    assert tg.autograd.gradcheck(fn, (_leaf(x),))
    assert tg.autograd.gradgradcheck(fn, (_leaf(x),))


def test_inplace_ops_differentiate_through_the_value_before_the_write():
    """x.clone().mul_(y): the saved self is the value before the write, and it keeps its history
    (second derivatives through in-place ops)."""
    def fn(x, y):
        return x.clone().mul_(y).pow_(2)
    x, y = _leaf(_X), _leaf(_Y)
    assert tg.autograd.gradcheck(fn, (x, y))
    assert tg.autograd.gradgradcheck(fn, (x, y))


def test_aliasing_ops_that_return_self_keep_its_history():
    """x.to(x.dtype) and x.contiguous() hand back x itself: autograd must not record a node on it."""
    x = _leaf(_X)
    assert x.to(tg.float64) is x and x.contiguous() is x
    assert x.grad_fn is None and x.is_leaf
    y = x * 2
    assert y.to(tg.float64) is y and y.contiguous() is y
    assert "MulBackward" in repr(y.grad_fn)
    (g,) = tg.autograd.grad(y.to(tg.float64).contiguous().sum(), x)
    np.testing.assert_array_equal(to_numpy(g), np.full(_X.shape, 2.0))
