"""Hypothesis strategies for the property-based test (tests/test_properties.py, issue 13).

The ops come from the OpInfo database, which knows every op of native_functions.yaml and its
kind: every pointwise op (kind pointwise, or a composite tagged pointwise), every reduction and
every view (kind view, and the composites that live in opinfo/views.py: reshape, flatten, ...).
The expected results are the OpInfo NumPy references; the expected exceptions its dtype rules.

A drawn case is a call of the op:
- pointwise ops with the default calling convention get operand shapes from Hypothesis
  (mutually broadcastable, 0-d, empty and size-1 dims, up to 4 dims); reductions with a `dim`
  argument get a random shape, `dim` (none, one, several, negative) and `keepdim`; every other op
  (and every op now and then) starts from one of its own OpInfo samples (basic, broadcast, 0-d,
  zero-size), which know its calling convention and input domain;
- then every tensor argument is laid out again with the same values (`relayout`): inside a larger
  storage at an offset, with steps between elements (positive-step slices), with its dims
  permuted (a transposed layout), or as an expanded tensor (stride 0: overlapping elements, built
  from the tensor's own first slice so the values stay in the op's domain);
- floating operands of ops that follow IEEE semantics get nan, +-inf and -0.0 at random places.
"""
from __future__ import annotations

import builtins
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorgen as tg
from tensorgen.testing.opinfo import SampleInput, is_floating, op_db
from tensorgen.testing.opinfo.core import Maker

MODES = ("basic", "broadcast", "zero_dim", "zero_size")
SPECIALS = (math.nan, math.inf, -math.inf, -0.0)

# Ops whose special values the float64 NumPy reference can't follow at random places (the OpInfo
# matrix places them where both agree):
NO_SPECIALS = {
    # PyTorch computes the derivative in float32 for float16/float32: far left of 0 it underflows
    # to 0 and inf * 0 is nan, where the float64 reference still has a tiny derivative (-inf)
    "gelu_backward": (0,),
}


def property_ops():
    """Every pointwise, reduction and view op of the OpInfo database, by name."""
    return [op for op in op_db
            if op.default_kind in ("pointwise", "reduction") or op.kind == "view" or op.family == "views"]


_sample_cache: dict = {}


def op_samples(op, dtype):
    """The op's own samples for dtype over MODES (cached: built once per op and dtype)."""
    key = (op.name, dtype)
    if key not in _sample_cache:
        samples = []
        for mode in MODES:
            samples += list(op.samples_for(dtype, mode))
        _sample_cache[key] = samples
    return _sample_cache[key]


# ----------------------------------------------------------------------------- layouts


def _sentinel(dtype):
    """What the unused elements of a relaid-out tensor's storage hold: a value a kernel that reads
    them by mistake would put into its result (a large finite number, not nan: nan may be a legal
    result); also what out=/in-place checks expect to find outside their output afterwards."""
    if dtype is tg.bool:
        return True
    return 77 if not is_floating(dtype) else 4096.0  # exact in every floating dtype


def strided_buffer(shape, dtype, steps, perm, offset):
    """(view, storage): a tensor of `shape` inside a 1-D `storage` full of the sentinel: `offset`
    unused elements first, then dims in the order `perm`, each `steps[d]` times longer than
    needed; the view reads every steps[d]-th element and is permuted back to `shape`."""
    shape = list(shape)
    if not shape:
        big = tg.full([offset + 1], _sentinel(dtype), dtype=dtype)
        return big[offset:].view([]), big
    inv = [perm.index(d) for d in range(len(shape))]
    padded = [max(shape[d], 1) * steps[d] for d in perm]
    big = tg.full([offset + int(np.prod(padded))], _sentinel(dtype), dtype=dtype)
    base = big[offset:].view(padded)
    sliced = base[tuple(builtins.slice(0, shape[d] * steps[d], steps[d]) for d in perm)]
    out = sliced.permute(inv)
    assert list(out.shape) == shape
    return out, big


def untouched_outside(view, big):
    """Whether every element of `big` outside `view` (a view into big's storage) still holds the
    sentinel: an out= or in-place kernel wrote nowhere but into its output."""
    rest = big.clone()
    rest.as_strided(list(view.shape), list(view.stride()), view.storage_offset()).fill_(_sentinel(big.dtype))
    return bool((rest == _sentinel(big.dtype)).all())


@st.composite
def layout_params(draw, nd):
    """(steps, perm, offset) of a strided, transposed, offset layout with nd dims."""
    steps = draw(st.lists(st.integers(1, 3), min_size=nd, max_size=nd))
    perm = draw(st.permutations(range(nd))) if nd else []
    return steps, list(perm), draw(st.integers(0, 5))


def strided_copy(t, steps, perm, offset):
    """t's values in a strided_buffer (see there)."""
    out, _ = strided_buffer(t.shape, t.dtype, steps, perm, offset)
    out.copy_(t)
    return out


@st.composite
def relayout(draw, t):
    """t with the same shape in another layout (see the module docstring); values kept, except for
    "expanded", where the expanded dims repeat t's first slice."""
    if t.dim() == 0:
        return strided_copy(t, [], [], draw(st.integers(0, 3)))
    kind = draw(st.sampled_from(["as is", "offset", "strided", "transposed", "expanded"]))
    nd = t.dim()
    if kind == "as is":
        return t
    if kind == "expanded":
        dims = [d for d in range(nd) if t.shape[d] > 1]
        if not dims:
            return t
        chosen = draw(st.lists(st.sampled_from(dims), min_size=1, unique=True))
        first = t
        for d in chosen:
            first = first.narrow(d, 0, 1)
        return first.expand(list(t.shape))
    steps = [1] * nd
    perm = list(range(nd))
    if kind in ("strided", "transposed"):
        steps = draw(st.lists(st.integers(1, 3), min_size=nd, max_size=nd))
    if kind == "transposed":
        perm = draw(st.permutations(range(nd)))
    offset = draw(st.integers(0, 5)) if kind != "as is" else 0
    return strided_copy(t, steps, perm, offset)


@st.composite
def with_specials(draw, t):
    """t with nan, +-inf and -0.0 at random places (floating tensors; the rest unchanged)."""
    if not is_floating(t.dtype) or t.numel() == 0 or not draw(st.booleans()):
        return t
    a = t.detach().double().numpy().copy()  # exact for every floating dtype
    flat = a.reshape(-1)
    k = draw(st.integers(1, min(4, flat.size)))
    where = draw(st.lists(st.integers(0, flat.size - 1), min_size=k, max_size=k, unique=True))
    for i in where:
        flat[i] = draw(st.sampled_from(SPECIALS))
    return tg.tensor(a, dtype=t.dtype)


# ----------------------------------------------------------------------------- calls


def _reduction_with_dim(op):
    return op.default_kind == "reduction" and op._sample_inputs is None and op.meta.has_argument("dim") \
        and op.meta.primary.argument("dim")


def _generated_pointwise(op):
    return op.default_kind == "pointwise" and op._sample_inputs is None and op.arity in (1, 2, 3)


@st.composite
def pointwise_call(draw, op, dtype, make):
    """Operands of mutually broadcastable shapes (0-d, empty and size-1 dims included)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=op.arity, min_dims=0, max_dims=4,
                                                    min_side=0, max_side=4))
    operands = [make(s) for s in shapes.input_shapes]
    # now and then an operand is given already expanded to the result's shape (stride 0)
    for i, a in enumerate(operands):
        if tuple(a.shape) != tuple(shapes.result_shape) and draw(st.integers(0, 3)) == 0:
            operands[i] = a.expand(list(shapes.result_shape))
    return SampleInput(*operands)


@st.composite
def reduction_call(draw, op, dtype, make):
    """A random shape, dim (omitted, one, several, negative) and keepdim."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
    nd = len(shape)
    multi = op.meta.has_argument("dim", "int[1]?") or op.meta.has_argument("dim", "int[1]")
    choice = draw(st.sampled_from(["none", "one", "several"] if multi else ["none", "one"]))
    kwargs = {}
    if choice == "one" or (choice == "several" and nd == 0):
        d = draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
        dims = [d % max(nd, 1)]
        kwargs["dim"] = d
    elif choice == "several":
        ds = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        dims = ds
        kwargs["dim"] = [d - nd if draw(st.booleans()) else d for d in ds]
    else:
        dims = list(range(nd))
    if choice != "none" and draw(st.booleans()):
        kwargs["keepdim"] = draw(st.booleans())
    if op.promotion in ("keep", "index"):
        # max, argmax, amax: reducing no elements has no answer (an error input of its own)
        shape = tuple(max(s, 1) if (d in dims or choice == "none") else s for d, s in enumerate(shape))
    return SampleInput(make(shape), **kwargs)


@st.composite
def op_call(draw, op):
    """A drawn call of op: (dtype, SampleInput) with every tensor laid out again."""
    dtype = draw(st.sampled_from(op.dtypes))
    make = Maker(op, dtype, seed=draw(st.integers(0, 2 ** 20)))
    generated = _generated_pointwise(op) or _reduction_with_dim(op)
    if generated and draw(st.integers(0, 4)) > 0:
        sample = draw((pointwise_call if op.default_kind == "pointwise" else reduction_call)(op, dtype, make))
    else:
        samples = op_samples(op, dtype)
        sample = samples[draw(st.integers(0, len(samples) - 1))]
    specials = [i for i in op.ieee_specials if i not in NO_SPECIALS.get(op.name, ())]
    args = list(sample.args)
    for i, a in enumerate(args):
        if isinstance(a, tg.Tensor):
            if i in specials and a.dtype is dtype:
                a = draw(with_specials(a))
            if op.name != "as_strided":  # as_strided addresses its input's storage, not its elements
                a = draw(relayout(a))
            args[i] = a
    # only a YAML view always aliases its input (reshape of a strided tensor copies)
    shares = sample.shares_storage and op.kind == "view"
    return dtype, SampleInput(*args, name=sample.name, shares_storage=shares, **sample.kwargs)


def contiguous_sample(sample):
    """The same call with every tensor argument contiguous."""
    args = [a.contiguous() if isinstance(a, tg.Tensor) else a for a in sample.args]
    return SampleInput(*args, name=sample.name, shares_storage=sample.shares_storage, **sample.kwargs)
