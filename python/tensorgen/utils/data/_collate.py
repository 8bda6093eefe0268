"""default_collate / default_convert: PyTorch's rules for turning a list of samples into a batch.

    tensors                -> tg.stack (same shapes required)
    NumPy arrays           -> a stacked tensor (string/object arrays are refused)
    NumPy scalars          -> a 1-D tensor of their dtype
    float / int / bool     -> a float64 / int64 / bool tensor
    str / bytes            -> the list as is
    Mapping                -> the same mapping type, each key collated
    namedtuple             -> the same namedtuple, each field collated
    tuple / other Sequence -> a list (a tuple) / the same sequence type, position by position
"""
from __future__ import annotations

import builtins
import collections.abc

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


def _is_numpy(x) -> bool:
    return type(x).__module__ == "numpy"


def _refuse_numpy_dtype(a):
    if a.dtype.kind in "SaUO":
        raise TypeError(_ERROR.format(a.dtype))


def default_convert(data):
    """Converts NumPy arrays and scalars (also inside containers) to tensors; used when automatic
    batching is off (batch_size=None)."""
    from tensorgen import _C
    from tensorgen._tensor import Tensor
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        import numpy as np
        if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SaUO":
            return _C.from_numpy(np.array(data, copy=True, order="C"))  # a 0-d array stays 0-d
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (builtins.str, builtins.bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Collates a list of samples into a batch (see the module docstring for the rules)."""
    from tensorgen import _C
    from tensorgen._tensor import Tensor, tensor
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _C.stack(list(batch), 0)
    if _is_numpy(elem):
        import numpy as np
        if isinstance(elem, np.ndarray):
            _refuse_numpy_dtype(elem)
            return _C.from_numpy(np.stack(batch))
        if isinstance(elem, np.generic):
            _refuse_numpy_dtype(np.asarray(elem))
            return _C.from_numpy(np.array(batch))
        raise TypeError(_ERROR.format(type(elem)))
    if isinstance(elem, builtins.float):
        return tensor(batch, dtype=_C.float64)
    if isinstance(elem, builtins.int):  # bool too: a list of bools becomes a bool tensor
        return tensor(batch)
    if isinstance(elem, (builtins.str, builtins.bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # a Mapping whose constructor takes other arguments
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError(f"each element in list of batch should be of equal size, got sizes "
                               f"{[len(e) for e in batch]}")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed  # PyTorch returns a list for tuples (backward compatibility)
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_ERROR.format(type(elem)))
