"""x[...] and x[...] = v with PyTorch's rules.

Basic indices (ints, slices with positive steps, None, Ellipsis) become views (select / slice /
unsqueeze), so writes through the result reach the base. Advanced indices (integer tensors, lists,
bool tensors / masks, Python bools) go through the ops `index` (read) and `index_put_` (write):

* the basic indices are applied first, as views, and each advanced index remembers the dim of that
  view it indexes (a mask of m dims covers m dims);
* the indexed dims are moved to the front (`index` indexes the leading dims: the schema language has
  no `Tensor?[]`, so it cannot take PyTorch's None placeholders), the op runs, and when the indexed
  dims were adjacent in the index, the broadcast index dims are moved back to where the first of
  them was (PyTorch's and NumPy's rule; separated advanced indices leave them in front).

`x[idx] = v` writes through index_put_ on a view of x, so it mutates x itself; `x[idx] += v` reads,
adds and writes back (duplicated indices add once, like PyTorch; use index_put_(..., accumulate=True)
to add every occurrence).
"""
from __future__ import annotations

import operator
import re
from typing import TYPE_CHECKING, Any, Literal, Sequence, overload

from tensorgen import _C

if TYPE_CHECKING:
    from tensorgen._tensor import Tensor

_Number = int | float | bool  # what a Python number argument may be


def _as_int(item):
    if isinstance(item, bool):
        return None
    if isinstance(item, _C.TensorBase) and (item.dim() != 0 or item.dtype is _C.bool or item.dtype.is_floating_point):
        return None  # x[t] with a 1-d or bool tensor is advanced indexing, not x[int(t)]
    try:
        return operator.index(item)
    except TypeError:
        return None


def _to_index_tensor(it, device):
    """A list/tuple/bool/tensor index as a tensor (None when `it` is not an advanced index)."""
    import tensorgen as tg
    if isinstance(it, _C.TensorBase):
        if it.dtype.is_floating_point:
            raise IndexError("[__getitem__] tensors used as indices must be long, int, byte or bool tensors, "
                             f"got {it.dtype}")
        return it
    if isinstance(it, bool):
        return tg.tensor(it, device=device)
    if isinstance(it, (list, tuple)):
        try:
            t = tg.tensor(it, device=device) if len(it) else tg.tensor([], dtype=tg.int64, device=device)
        except (TypeError, ValueError) as e:
            raise IndexError(f"[__getitem__] cannot use {it!r} as an index: {e}") from None
        if t.dtype.is_floating_point:
            raise IndexError("[__getitem__] tensors used as indices must be long, int, byte or bool tensors, "
                             f"got a list of floats")
        return t
    return None


def _parse(t, index, sources=None):
    """Applies the basic indices as views. Returns (view, [(dim of view, index tensor)]).
    `sources` (a dict, optional) receives where each dim of the view comes from: "dims", one
    entry per view dim, (t's dim, start, step) or None for a dim that None added; "fixed",
    {t's dim: coordinate} for the dims an int selected."""
    items = index if isinstance(index, tuple) else (index,)
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("[__getitem__] an index can only have a single ellipsis ('...')")
    tensors = []
    for it in items:
        if it is None or it is Ellipsis or isinstance(it, slice) or _as_int(it) is not None:
            tensors.append(None)
        else:
            adv = _to_index_tensor(it, t.device)
            if adv is None:
                raise TypeError(f"[__getitem__] invalid index of type {type(it).__name__}")
            tensors.append(adv)

    def consumes(it, adv):
        if it is None or it is Ellipsis:
            return 0
        if adv is not None and adv.dtype in (_C.bool, _C.uint8):
            return adv.dim()
        return 1

    consuming = sum(consumes(it, adv) for it, adv in zip(items, tensors))
    if consuming > t.dim():
        raise IndexError(f"[__getitem__] too many indices for tensor of dimension {t.dim()}")
    result, dim, advanced = t, 0, []
    src = [(d, 0, 1) for d in range(t.dim())]
    fixed = {}
    position = 0  # PyTorch's numbering in the messages: the item's place, None counted, ... expanded
    for it, adv in zip(items, tensors):
        position_here = position
        position += (t.dim() - consuming) if it is Ellipsis else 1 if it is None else consumes(it, adv)
        if adv is not None:
            if adv.dtype in (_C.bool, _C.uint8) and adv.dim() == 0:
                # x[True] / x[False]: a new dim of size 1, indexed by a 1-element mask.
                result = result.unsqueeze(dim)
                src.insert(dim, None)
                adv = adv.reshape([1])
            if adv.dtype in (_C.bool, _C.uint8):
                for j in range(adv.dim()):
                    size = result.size(dim + j)
                    if adv.size(j) != size:
                        raise IndexError(f"[__getitem__] The shape of the mask {list(adv.shape)} at index {j} does "
                                         f"not match the shape of the indexed tensor {list(result.shape)} at index "
                                         f"{dim + j}")
            advanced.append((dim, adv))
            dim += adv.dim() if adv.dtype in (_C.bool, _C.uint8) else 1
        elif it is None:
            result = result.unsqueeze(dim)
            src.insert(dim, None)
            dim += 1
        elif it is Ellipsis:
            dim += t.dim() - consuming
        elif isinstance(it, slice):
            step = 1 if it.step is None else operator.index(it.step)
            if step == 0:
                raise ValueError("[__getitem__] slice step cannot be zero")
            if step < 0:
                raise ValueError("[__getitem__] step must be greater than zero")
            # slice.indices clamps like Python does, so x[1:2**70] works.
            start, stop, _ = slice(it.start, it.stop, step).indices(result.size(dim))
            if not (start == 0 and stop == result.size(dim) and step == 1):  # x[:, idx] = v writes x itself
                result = result.slice(dim, start, stop, step)
                if src[dim] is not None:
                    d0, s0, st0 = src[dim]
                    src[dim] = (d0, s0 + start * st0, st0 * step)
            dim += 1
        else:
            i = _as_int(it)
            size = result.size(dim)
            if not -size <= i < size:
                raise IndexError(f"[__getitem__] index {i} is out of bounds for dimension {position_here} with size {size}")
            result = result.select(dim, i)
            picked = src.pop(dim)
            if picked is not None:
                fixed[picked[0]] = picked[1] + (i % size) * picked[2]
    if sources is not None:
        sources.update(dims=src, fixed=fixed)
    return result, advanced


def _layout(view, advanced):
    """(perm moving the indexed dims of view to the front, index list, where the index dims go:
    the position of the first indexed dim when the indexed dims are adjacent, else 0)."""
    covered, indices = [], []
    for dim, adv in advanced:
        n = adv.dim() if adv.dtype in (_C.bool, _C.uint8) else 1
        covered.extend(range(dim, dim + n))
        indices.append(adv)
    rest = [d for d in range(view.dim()) if d not in covered]
    # x[[0, 1], :, [1, 2]] (separated) puts the index dims first; x[:, [0, 1], [1, 2]] keeps them in place.
    adjacent = covered == list(range(covered[0], covered[0] + len(covered))) if covered else True
    return covered + rest, indices, (covered[0] if adjacent and covered else 0)


def _permuted(view, perm):
    return view if perm == list(range(view.dim())) else view.permute(perm)


def _move_index_dims(r, n_index_dims, pos):
    """r is [*B, *rest]: moves B to start at dim `pos` of the result."""
    if pos == 0:
        return r
    nb = n_index_dims
    perm = list(range(nb, nb + pos)) + list(range(nb)) + list(range(nb + pos, r.dim()))
    return r.permute(perm)


def _basic_view(t, index):
    """x[index] when index is an int, a slice or a tuple of ints and slices covering at most x's
    dims (the common case, ~4x faster than _parse's general walk); None for anything else. The
    same views, bounds checks and messages as _parse."""
    items = index if type(index) is tuple else (index,)
    if len(items) > t.dim():
        return None
    result, dim = t, 0
    for position, it in enumerate(items):  # item k indexes dim k of t (the messages' numbering)
        kind = type(it)
        if kind is int:
            size = result.size(dim)
            if not -size <= it < size:
                raise IndexError(f"[__getitem__] index {it} is out of bounds for dimension {position} with size {size}")
            result = result.select(dim, it)
        elif kind is slice:
            if it.step is not None and (type(it.step) is not int or it.step <= 0):
                return None  # _parse's checks and messages
            size = result.size(dim)
            start, stop, step = it.indices(size)
            if not (start == 0 and stop == size and step == 1):
                result = result.slice(dim, start, stop, step)
            dim += 1
        else:
            return None
    return result


def getitem(t, index):
    kind = type(index)
    if kind is int or kind is slice or kind is tuple:
        view = _basic_view(t, index)
        if view is not None:
            return t.as_strided(t.shape, t.stride(), t.storage_offset()) if view is t else view
    view, advanced = _parse(t, index)
    if not advanced:
        if view is t:  # x[...] / x[()] is a new view of the same memory, like PyTorch
            view = t.as_strided(t.shape, t.stride(), t.storage_offset())
        return view
    perm, indices, pos = _layout(view, advanced)
    with _dims_named_by(perm):
        r = _C.index(_permuted(view, perm), indices)
    n_rest = view.dim() - _n_covered(advanced)
    return _move_index_dims(r, r.dim() - n_rest, pos)


def _n_covered(advanced):
    return sum(adv.dim() if adv.dtype in (_C.bool, _C.uint8) else 1 for _, adv in advanced)


def _broadcast_shape(shapes):
    out = []
    for shape in shapes:
        shape = list(shape)
        if len(shape) > len(out):
            out = [1] * (len(shape) - len(out)) + out
        shape = [1] * (len(out) - len(shape)) + shape
        for i, (a, b) in enumerate(zip(out, shape)):
            if a != b and a != 1 and b != 1:
                raise IndexError("[__setitem__] shape mismatch: indexing tensors could not be broadcast together "
                                 f"with shapes {', '.join(str(list(s)) for s in shapes)}")
            out[i] = b if a == 1 else a
    return out


def _write_view(t, view, value, accumulate):
    if accumulate:
        view.add_(_values_tensor(t, value))
    elif isinstance(value, _C.TensorBase):
        view.copy_(value)
    else:
        view.fill_(value)


def setitem(t, index, value, accumulate=False):
    import tensorgen as tg
    kind = type(index)
    if (kind is int or kind is slice or kind is tuple) and not (t.requires_grad and _C.is_grad_enabled()):
        view = _basic_view(t, index)
        if view is not None:
            _write_view(t, view, value, accumulate)
            return
    sources = {}
    view, advanced = _parse(t, index, sources)
    if not advanced:
        if view is not t and t.requires_grad and _C.is_grad_enabled():
            # Autograd records in-place ops on t itself, not yet on views of it: write t through
            # index_put_ with one index per dim (slices as aranges, ints as coordinates).
            values = _values_tensor(t, value).expand(list(view.shape))
            _C.index_put_(t, _full_indices(t, view, sources, list(range(view.dim())), [], [], 0), values,
                          accumulate)
            return
        _write_view(t, view, value, accumulate)
        return
    perm, indices, pos = _layout(view, advanced)
    # Masks become their nonzero() columns here, so that the shape of the indexing result is known.
    ints = []
    for adv in indices:
        if adv.dtype in (_C.bool, _C.uint8):
            nz = tg.nonzero(adv if adv.dtype is _C.bool else adv.to(_C.bool))
            ints.extend(nz.select(1, j) for j in range(adv.dim()))
        else:
            ints.append(adv)
    b_shape = _broadcast_shape([list(i.shape) for i in ints])
    n_cov = _n_covered(advanced)
    target = _permuted(view, perm)  # x itself when no dim moves (autograd: no in-place on a view)
    rest = list(target.shape)[n_cov:]
    result_shape = rest[:pos] + b_shape + rest[pos:]
    values = _values_tensor(t, value)
    # PyTorch drops leading size-1 dims of the value beyond the result's rank.
    while values.dim() > len(result_shape) and values.size(0) == 1:
        values = values.squeeze(0)
    vs = list(values.shape)
    ok = len(vs) <= len(result_shape) and all(a == b or a == 1 for a, b in zip(vs[::-1], result_shape[::-1]))
    if not ok:
        raise RuntimeError(f"[__setitem__] shape mismatch: value tensor of shape {vs} cannot be broadcast to indexing "
                           f"result of shape {result_shape}")
    values = values.expand(result_shape)
    nb = len(b_shape)
    if pos:
        # result layout [*rest[:pos], *B, *rest[pos:]] -> index_put_'s [*B, *rest]
        values = values.permute(list(range(pos, pos + nb)) + list(range(pos)) + list(range(pos + nb, len(result_shape))))
    if target is not t and t.requires_grad and _C.is_grad_enabled():
        # Autograd records in-place ops on t itself, not yet on views of it: index every dim of t
        # (slices become aranges, ints fixed coordinates) and write t directly.
        full = _full_indices(t, view, sources, perm[n_cov:], ints, covered=perm[:n_cov], nb=nb)
        if full is not None:
            _C.index_put_(t, full, values, accumulate)
            return
    with _dims_named_by(perm):
        _C.index_put_(target, ints, values, accumulate)


def _values_tensor(t, value):
    """value as a tensor of t's dtype on t's device (x[i] = v casts v, like PyTorch)."""
    import tensorgen as tg
    if isinstance(value, _C.TensorBase):
        values = value if value.dtype is t.dtype else value.to(t.dtype)
        return values if values.device == t.device else values.to(t.device)
    return tg.tensor(value, dtype=t.dtype, device=t.device)


def _full_indices(t, view, sources, rest_dims, ints, covered, nb):
    """One index per dim of t, all of rank nb + len(rest_dims) (the [*B, *rest] layout of the
    values), or None when an advanced index covers a dim that None added (x[True] = v)."""
    import tensorgen as tg
    dims, fixed = sources["dims"], sources["fixed"]
    nrest = len(rest_dims)
    full = [None] * t.dim()
    for d, c in fixed.items():
        full[d] = tg.tensor(c, device=t.device)
    for vd, idx in zip(covered, ints):
        if dims[vd] is None:
            return None
        full[dims[vd][0]] = idx.reshape([1] * (nb - idx.dim()) + list(idx.shape) + [1] * nrest)
    for r, vd in enumerate(rest_dims):
        if dims[vd] is None:
            continue
        d, start, step = dims[vd]
        shape = [1] * (nb + nrest)
        shape[nb + r] = view.size(vd)
        full[d] = (tg.arange(view.size(vd), device=t.device) * step + start).reshape(shape)
    return full


class _dims_named_by:
    """The kernel names the dim of the permuted view it indexed; name the user's dim instead."""

    def __init__(self, perm):
        self.perm = perm

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is IndexError:
            m = re.search(r"out of bounds for dimension (\d+) ", str(exc))
            if m and int(m.group(1)) < len(self.perm):
                msg = str(exc).replace(m.group(0), f"out of bounds for dimension {self.perm[int(m.group(1))]} ")
                raise IndexError(msg) from None
        return False


# ----------------------------------------------------------------------------- index / index_put_ with None

def _has_none(indices):
    for i in indices:  # a loop, not any() over a generator
        if i is None:
            return True
    return False


def _index_list(indices):
    return indices if type(indices) is list else list(indices)


def _as_items(indices):
    """PyTorch's Tensor?[] indices (None: every position of that dim) as an x[...] expression."""
    return tuple(slice(None) if i is None else i for i in indices)


# The index ops first call their bindings as given: tensors only, the common call, cost no Python
# work (1-element x.index_put_([i], v): 1.5 -> 1.1 us); None in the list (or a generator) is a
# TypeError there, and only then are the indices looked at. The binding's own TypeError for bad
# arguments comes again from the second call, without the first one chained to it.

def index(input: Tensor, indices: Sequence[Tensor | None]) -> Tensor:
    """input[indices] for a list of index tensors, None standing for a whole dim (PyTorch's
    index.Tensor): x.index([None, idx]) is x[:, idx]."""
    try:
        return _C.index(input, indices)
    except TypeError:
        pass
    indices = _index_list(indices)
    return getitem(input, _as_items(indices)) if _has_none(indices) else _C.index(input, indices)


def index_put_(input: Tensor, indices: Sequence[Tensor | None], values: Tensor,
               accumulate: bool = False) -> Tensor:
    """input[indices] = values (accumulate=True: += for every occurrence of an index), None in
    indices standing for a whole dim; returns input."""
    try:
        return _C.index_put_(input, indices, values, accumulate)
    except TypeError:
        pass
    indices = _index_list(indices)
    if not _has_none(indices):
        return _C.index_put_(input, indices, values, accumulate)
    if not isinstance(input, _C.TensorBase):
        raise TypeError(f"[index_put_] argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(values, _C.TensorBase):  # as the schema's Tensor values (x[i] = 1.5 is setitem's)
        raise TypeError(f"[index_put_] argument 'values' must be Tensor, not {type(values).__name__}")
    if values.dtype is not input.dtype:
        raise RuntimeError(f"[index_put_] Index put requires the source and destination dtypes match, got "
                           f"{input.dtype} for the destination and {values.dtype} for the source.")
    setitem(input, _as_items(indices), values, accumulate)
    return input


def index_put(input: Tensor, indices: Sequence[Tensor | None], values: Tensor,
              accumulate: bool = False) -> Tensor:
    """index_put_ on a copy of input."""
    try:
        return _C.index_put(input, indices, values, accumulate)
    except TypeError:
        pass
    indices = _index_list(indices)
    if not _has_none(indices):
        return _C.index_put(input, indices, values, accumulate)
    if not isinstance(input, _C.TensorBase):
        raise TypeError(f"[index_put] argument 'input' must be Tensor, not {type(input).__name__}")
    return index_put_(input.clone(), indices, values, accumulate)


# ----------------------------------------------------------------------------- nonzero / where

@overload
def nonzero(input: Tensor, *, as_tuple: Literal[False] = False) -> Tensor: ...
@overload
def nonzero(input: Tensor, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ...
@overload
def nonzero(input: Tensor, *, as_tuple: bool) -> Tensor | tuple[Tensor, ...]: ...


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """nonzero(input) -> int64 [n, ndim] of the coordinates of the non-zero elements; with
    as_tuple=True, a tuple of ndim 1-d tensors (one per dim; a 0-d input gives one)."""
    r = _C.nonzero(input)
    if not as_tuple:
        return r
    if input.dim() == 0:
        return (_C.nonzero(input.reshape([1])).select(1, 0),)
    return tuple(r.select(1, j) for j in range(input.dim()))


@overload
def where(condition: Tensor) -> tuple[Tensor, ...]: ...
@overload
def where(condition: Tensor, input: Tensor | _Number, other: Tensor | _Number, *,
          out: Tensor | None = None) -> Tensor: ...


def where(condition: Tensor, input: Tensor | _Number | None = None, other: Tensor | _Number | None = None, *,
          out: Tensor | None = None) -> Tensor | tuple[Tensor, ...]:
    """where(condition, input, other): elements of input where condition, else of other.
    where(condition): nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        if out is not None:
            raise TypeError("[where] where(condition) takes no out=")
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("[where] expected where(condition) or where(condition, input, other)")
    if out is None:
        return _C.where(condition, input, other)
    return _C.where(condition, input, other, out=out)



def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:  # a tensor, or a tuple with the inverse and/or counts
    """The sorted distinct values of input (flattened); with return_inverse, also the index of each
    element's value (shaped like input); with return_counts, also how often each value occurs."""
    if dim is not None:
        raise NotImplementedError("[unique] unique with dim= is not implemented; flatten first or pass dim=None")
    values, inverse, counts = _C._unique2(input, sorted, return_inverse, return_counts)
    if not return_inverse and not return_counts:
        return values
    out = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return out
