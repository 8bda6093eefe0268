"""x[...] and x[...] = v with ints, slices (positive steps), None and Ellipsis: every index
becomes a view (select / slice / unsqueeze), so writes through the result reach the base."""
from __future__ import annotations

import operator

from tensorgen import _C


def _as_int(item):
    if isinstance(item, bool):
        return None
    if isinstance(item, _C.TensorBase) and (item.dim() != 0 or item.dtype is _C.bool):
        return None  # x[t] with a 1-d or bool tensor is advanced indexing, not x[int(t)]
    try:
        return operator.index(item)
    except TypeError:
        return None


def getitem(t, index):
    items = index if isinstance(index, tuple) else (index,)
    consuming = sum(1 for it in items if it is not None and it is not Ellipsis)
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("[__getitem__] an index can only have a single ellipsis ('...')")
    if consuming > t.dim():
        raise IndexError(f"[__getitem__] too many indices for tensor of dimension {t.dim()}")
    result, dim = t, 0
    for it in items:
        if it is None:
            result = result.unsqueeze(dim)
            dim += 1
        elif it is Ellipsis:
            dim += t.dim() - consuming
        elif isinstance(it, slice):
            step = 1 if it.step is None else operator.index(it.step)
            if step <= 0:
                raise ValueError("[__getitem__] step must be greater than zero")
            # slice.indices clamps like Python does, so x[1:2**70] works.
            start, stop, _ = slice(it.start, it.stop, step).indices(result.size(dim))
            result = result.slice(dim, start, stop, step)
            dim += 1
        else:
            i = _as_int(it)
            if i is None:
                if isinstance(it, (_C.TensorBase, list, bool)):
                    raise NotImplementedError(
                        "[__getitem__] indexing with tensors, lists or bools (advanced indexing) is not supported "
                        "yet; use ints, slices, None and ...")
                raise TypeError(f"[__getitem__] invalid index of type {type(it).__name__}")
            size = result.size(dim)
            if not -size <= i < size:
                raise IndexError(f"[__getitem__] index {i} is out of bounds for dimension {dim} with size {size}")
            result = result.select(dim, i)
    if result is t:  # x[...] / x[()] is a new view of the same memory, like PyTorch
        result = t.as_strided(t.shape, t.stride(), t.storage_offset())
    return result


def setitem(t, index, value):
    view = getitem(t, index)
    if isinstance(value, _C.TensorBase):
        view.copy_(value)
    else:
        view.fill_(value)
