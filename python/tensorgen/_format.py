"""repr(tensor) in PyTorch's layout: tensor([[1., 2.],\n        [3., 4.]], dtype=tensorgen.float64)."""
from __future__ import annotations

import math

import numpy as np

from tensorgen import _C

_DEFAULT_DTYPES = ("float32", "int64", "bool")
_EDGE = 3           # items shown at each end of a summarized dim
_THRESHOLD = 1000   # tensors with more elements are summarized with '...'
_LINEWIDTH = 80     # rows longer than this wrap


class _Formatter:
    """Chooses one format for all elements so that columns line up (PyTorch's _Formatter)."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        if not floating:
            self.width = max((len(self.format(v)) for v in values.ravel()), default=1)
            return
        # Like PyTorch, only finite nonzero values choose the mode and the column width; nan, inf
        # and zeros are padded to it (or overflow it).
        shown = values[np.isfinite(values) & (values != 0)]
        if shown.size:
            nonzero = np.abs(shown)
            self.int_mode = bool(np.all(shown == np.ceil(shown)))
            mx, mn = float(nonzero.max()), float(nonzero.min())
            if self.int_mode:
                self.sci_mode = mx / mn > 1000.0 or mx > 1e8
            else:
                self.sci_mode = mx / mn > 1000.0 or mx > 1e8 or mn < 1e-4
        self.width = max((len(self.format(v)) for v in shown.ravel()), default=1)

    def format(self, v) -> str:
        if not self.floating:
            return str(bool(v)) if isinstance(v, (bool, np.bool_)) else str(int(v))
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.sci_mode:
            return f"{v:.4e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.4f}"

    def pad(self, v) -> str:
        return self.format(v).rjust(self.width)


def _summarize(a: np.ndarray, summarize: bool):
    """The values that will be printed (edges only for large tensors)."""
    if not summarize or a.ndim == 0:
        return a.ravel()
    parts = []

    def walk(x):
        if x.ndim == 1:
            parts.append(x[:_EDGE] if x.shape[0] <= 2 * _EDGE else np.concatenate([x[:_EDGE], x[-_EDGE:]]))
            return
        idx = range(x.shape[0]) if x.shape[0] <= 2 * _EDGE else list(range(_EDGE)) + list(range(x.shape[0] - _EDGE, x.shape[0]))
        for i in idx:
            walk(x[i])
    walk(a)
    return np.concatenate(parts) if parts else a.ravel()


def _format_array(a: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        if summarize and a.shape[0] > 2 * _EDGE:
            # " ..." with its leading space, as PyTorch prints it: "2,  ..., 1997"
            items = [fmt.pad(v) for v in a[:_EDGE]] + [" ..."] + [fmt.pad(v) for v in a[-_EDGE:]]
        else:
            items = [fmt.pad(v) for v in a]
        # Wrapped at PyTorch's linewidth (80), the same number of elements on every line.
        per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows_idx = list(range(a.shape[0]))
    ellipsis_at = None
    if summarize and a.shape[0] > 2 * _EDGE:
        rows_idx = list(range(_EDGE)) + list(range(a.shape[0] - _EDGE, a.shape[0]))
        ellipsis_at = _EDGE
    rows = [_format_array(a[i], fmt, indent + 1, summarize) for i in rows_idx]
    if ellipsis_at is not None:
        rows.insert(ellipsis_at, "...")
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def format_tensor(t) -> str:
    grad_fn = t.grad_fn
    requires_grad = t.requires_grad
    t = t.detach()  # printing must not record autograd history (t.float() below)
    dtype = str(t.dtype).split(".")[-1]
    suffixes = []
    if t.numel() == 0 and t.dim() != 1:
        body = "[]"
        suffixes.append(f"size={tuple(t.shape)}")
    else:
        src = t.float() if dtype in ("bfloat16", "float16") else t
        a = src.detach().numpy()
        floating = t.dtype.is_floating_point
        summarize = t.numel() > _THRESHOLD
        shown = _summarize(a, summarize)
        with np.errstate(all="ignore"):  # signaling NaNs (e.g. from empty()) print as nan, silently
            fmt = _Formatter(shown.astype(np.float64) if floating else shown, floating)
            body = _format_array(a, fmt, len("tensor("), summarize)
    if dtype not in _DEFAULT_DTYPES or (t.numel() == 0 and dtype != "float32"):
        suffixes.append(f"dtype=tensorgen.{dtype}")
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn.name()}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + suffixes) + ")"
