"""Helpers shared by the layers: PyTorch's _single/_pair tuple expansion and the
'which module got which input' error text."""
from __future__ import annotations

import collections.abc
from itertools import repeat


def _ntuple(n: int, name: str = "parse"):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")


def _reverse_repeat_tuple(t, n: int) -> tuple:
    """(1, 2) -> (2, 2, 1, 1): a conv's padding in the order F.pad wants it (last dim first)."""
    return tuple(x for x in reversed(t) for _ in range(n))


def _shape(t) -> list[int]:
    return list(t.shape)


def _input_error(module, what: str, input, cause: Exception) -> RuntimeError:
    """A RuntimeError that names the module (with its settings) and the input's shape; the op's
    own message stays attached as the cause."""
    err = RuntimeError(f"[{module._get_name()}({module.extra_repr()})] {what}, got input of shape {_shape(input)}")
    err.__cause__ = cause
    return err
