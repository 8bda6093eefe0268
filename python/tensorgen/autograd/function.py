"""Custom differentiable functions written in Python: tg.autograd.Function.

    class Exp(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    z = Exp.apply(x * 2).sum()   # mixes freely with generated ops

Function.apply runs forward with grad mode off, then records one graph node (a C++ PyNode, via
_C._record_function) whose backward calls the class's backward. Saved tensors live in that
node as C++ SavedVariables: they are version-checked (an in-place change after saving raises
PyTorch's "modified by an inplace operation" error), freed by a backward without retain_graph,
and saving an output does not create a reference cycle.
"""
from __future__ import annotations

import functools

from tensorgen import _C
from tensorgen.autograd.grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The `ctx` of forward/backward. Holds what forward leaves for backward; attributes may be
    set freely (ctx.dim = dim), but tensors should go through save_for_backward."""

    def __init__(self) -> None:
        self._to_save = None       # what forward passed to save_for_backward
        self._saved = None         # unpacked tensors, while backward runs
        self._recorded = False     # True once saved tensors moved into the graph node
        self._dirty = ()
        self._non_differentiable = ()
        self._materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        """Saves tensors (or None) for backward, where ctx.saved_tensors returns them."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _C.TensorBase):
                raise TypeError(f"[save_for_backward] save_for_backward can only save tensors or None, but "
                                f"argument {i} is of type {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is not None:
            return self._saved
        if self._recorded:
            raise RuntimeError("[saved_tensors] saved tensors are only available inside backward (they are held by "
                               "the graph node and freed when backward is done without retain_graph)")
        return tuple(self._to_save) if self._to_save is not None else ()

    def mark_dirty(self, *tensors) -> None:
        """Declares inputs that forward modified in place (and returns)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declares outputs that get no gradient (they will not require grad)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With True (the default), backward sees zeros instead of None for outputs without a gradient."""
        self._materialize_grads = bool(value)


def _has_own(cls, name: str) -> bool:
    """Whether a subclass of Function overrides the staticmethod `name`."""
    for klass in cls.__mro__:
        if klass is Function:
            return False
        if name in klass.__dict__:
            return True
    return False


class Function:
    """Base class of custom differentiable operations; subclasses define the staticmethods
    forward(ctx, *args) and backward(ctx, *grad_outputs) and are called through .apply().
    backward returns one gradient per forward argument (None for non-tensors and for inputs
    that need none). The PyTorch 2 style forward(*args) + setup_context(ctx, inputs, output)
    works too."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("[Function] forward-mode AD (jvp) is not supported by tensorgen")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _C.TensorBase
        ctx = FunctionCtx()
        grad_on = _C.is_grad_enabled()
        needs = tuple(grad_on and isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = needs
        with no_grad():
            if _has_own(cls, "setup_context"):
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not any(needs):
            return outputs
        return _record(cls, ctx, args, outputs)


def _record(cls, ctx: FunctionCtx, args: tuple, outputs):
    Tensor = _C.TensorBase
    is_tuple = isinstance(outputs, tuple)
    outs = outputs if is_tuple else (outputs,)
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    for t in ctx._dirty:
        if id(t) not in input_ids:
            raise RuntimeError("[mark_dirty] only inputs of forward can be marked dirty")
        if t.requires_grad and t.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    new_outs, recorded, geometry = [], [], []
    for o in outs:
        if not isinstance(o, Tensor):
            new_outs.append(o)
            recorded.append(None)
            geometry.append(None)
            continue
        differentiable = id(o) not in non_diff and o.dtype.is_floating_point
        if id(o) in input_ids and id(o) not in dirty:
            # An input returned unchanged: the output is a new tensor object on the same memory
            # (PyTorch returns a view), so the input keeps its own history.
            o = o.detach()
        new_outs.append(o)
        recorded.append(o if differentiable else None)
        geometry.append((tuple(o.shape), o.dtype))
    name = cls.__name__ + "Backward"
    n_inputs = len(args)
    materialize = ctx._materialize_grads

    def run_backward(saved, grads):
        if materialize:
            grads = tuple(g if g is not None or geo is None else _C.zeros(list(geo[0]), dtype=geo[1])
                          for g, geo in zip(grads, geometry))
        ctx._saved = saved
        try:
            result = cls.backward(ctx, *grads)
        finally:
            ctx._saved = None
        return _check_grads(name, result, args, n_inputs)

    to_save = ctx._to_save
    if to_save is None:
        def backward_fn(*grads):
            return run_backward(None, grads)
        _C._record_function(backward_fn, name, [a if isinstance(a, Tensor) else None for a in args], recorded)
    else:
        def backward_fn(saved, *grads):
            return run_backward(saved, grads)
        _C._record_function(backward_fn, name, [a if isinstance(a, Tensor) else None for a in args], recorded,
                            list(to_save))
    # The graph node holds the saved tensors now; ctx keeping them would form a reference cycle
    # (output -> node -> backward_fn -> ctx -> output) that Python's GC cannot see through C++.
    ctx._to_save = None
    ctx._recorded = to_save is not None
    return tuple(new_outs) if is_tuple else new_outs[0]


def _check_grads(name: str, result, args: tuple, n_inputs: int) -> tuple:
    Tensor = _C.TensorBase
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != n_inputs:
        if len(result) > n_inputs and all(r is None for r in result[n_inputs:]):
            result = result[:n_inputs]
        else:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n_inputs}, "
                               f"got {len(result)})")
    for i, (g, a) in enumerate(zip(result, args)):
        if g is None:
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"function {name} returned a gradient of type {type(g).__name__} at position {i + 1}; "
                            f"expected a Tensor or None")
        if not isinstance(a, Tensor):
            raise RuntimeError(f"function {name} returned a gradient different than None at position {i + 1}, but "
                               f"the corresponding forward input was not a Variable")
        if tuple(g.shape) != tuple(a.shape):
            # The engine sums broadcast dims back to the input's shape; anything else is a bug.
            try:
                import numpy as np
                if np.broadcast_shapes(tuple(g.shape), tuple(a.shape)) != tuple(g.shape):
                    raise ValueError
            except ValueError:
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                   f"{list(g.shape)} but expected shape compatible with {list(a.shape)}") from None
    return result


def once_differentiable(fn):
    """Decorates a backward that is not itself differentiable: it runs with grad mode off, and
    when a graph is being built (create_graph=True) its results raise on a further backward
    instead of silently contributing no gradient (PyTorch's behaviour)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        Tensor = _C.TensorBase
        deps = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if not _C.is_grad_enabled() or not deps:
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = tuple(_DelayedError.apply(o, *deps) if isinstance(o, Tensor) and o.dtype.is_floating_point else o
                     for o in (outputs if is_tuple else (outputs,)))
        return outs if is_tuple else outs[0]
    return wrapper


class _DelayedError(Function):
    """Passes its first input through; differentiating the result raises."""

    @staticmethod
    def forward(ctx, x, *deps):
        return x

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
