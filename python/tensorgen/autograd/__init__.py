"""tensorgen.autograd: reverse-mode automatic differentiation (PyTorch's torch.autograd API).

The graph, the engine and the generated backward nodes are C++ (csrc/autograd); this package
is the Python face: backward(), grad(), grad mode, custom Functions, gradcheck.
"""
from __future__ import annotations

from tensorgen import _C
from tensorgen.autograd.function import Function, FunctionCtx, once_differentiable
from tensorgen.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                                          no_grad, set_grad_enabled)

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "gradcheck",
           "gradgradcheck", "GradcheckError"]


def __getattr__(name: str):
    # gradcheck needs NumPy; importing it on first use keeps `import tensorgen` fast.
    if name in ("gradcheck", "gradgradcheck", "GradcheckError"):
        from tensorgen.autograd import _gradcheck
        return getattr(_gradcheck, name)
    raise AttributeError(f"module 'tensorgen.autograd' has no attribute '{name}'")


def _tensors(x, what: str) -> tuple:
    if isinstance(x, _C.TensorBase):
        return (x,)
    if isinstance(x, (tuple, list)):
        for i, t in enumerate(x):
            if not isinstance(t, _C.TensorBase):
                raise TypeError(f"[{what}] expected a Tensor or a sequence of Tensors, but element {i} is "
                                f"{type(t).__name__}")
        return tuple(x)
    raise TypeError(f"[{what}] expected a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _grads(grads, n: int, what: str) -> list:
    if grads is None:
        return [None] * n
    if isinstance(grads, _C.TensorBase):
        grads = (grads,)
    elif not isinstance(grads, (tuple, list)):
        raise TypeError(f"[{what}] gradients must be a Tensor, None or a sequence of them, got "
                        f"{type(grads).__name__}")
    if len(grads) != n:
        raise RuntimeError(f"[{what}] got {len(grads)} gradients for {n} outputs")
    for i, g in enumerate(grads):
        if g is not None and not isinstance(g, _C.TensorBase):
            raise TypeError(f"[{what}] gradient {i} must be a Tensor or None, got {type(g).__name__}")
    return list(grads)


def _flag(value, name: str, what: str) -> bool:
    if not isinstance(value, (bool, int)) or isinstance(value, _C.TensorBase):
        raise TypeError(f"[{what}] {name} must be a bool, not {type(value).__name__}")
    return bool(value)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables=None, inputs=None) -> None:
    """Accumulates the gradients of `tensors` into the .grad of the leaves they depend on.

    grad_tensors: d(loss)/d(tensor) for each tensor; None for a single-element tensor (ones).
    retain_graph defaults to create_graph; without it the graph's saved tensors are freed and a
    second backward through it raises. create_graph records the backward pass (for higher-order
    gradients). inputs: accumulate only into these tensors' .grad.
    """
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("[backward] 'grad_tensors' and 'grad_variables' (deprecated) arguments both "
                               "passed to backward(). Please only use 'grad_tensors'.")
        grad_tensors = grad_variables
    roots = _tensors(tensors, "backward")
    grads = _grads(grad_tensors, len(roots), "backward")
    create_graph = _flag(create_graph, "create_graph", "backward")
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph, "retain_graph", "backward")
    if inputs is not None:
        targets = _tensors(inputs, "backward")
        if not targets:
            raise RuntimeError("[backward] 'inputs' argument to backward() cannot be empty.")
        results = _C._run_grad(list(roots), list(targets), grads, retain_graph, create_graph, True)
        for t, g in zip(targets, results):
            if g is None:
                continue
            if not create_graph:
                g = g.detach()
            t.grad = g if t.grad is None else t.grad + g
        return
    _C._run_backward(list(roots), grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple:
    """Returns the gradients of `outputs` with respect to `inputs` (a tuple, one per input),
    without touching any .grad. grad_outputs as backward()'s grad_tensors. With allow_unused,
    inputs the outputs do not depend on get None (or zeros with materialize_grads)."""
    if is_grads_batched:
        raise NotImplementedError("[grad] is_grads_batched=True is not supported by tensorgen (no vmap)")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outs = _tensors(outputs, "grad")
    ins = _tensors(inputs, "grad")
    if not ins:
        raise RuntimeError("[grad] grad requires non-empty inputs.")
    grads = _grads(grad_outputs, len(outs), "grad")
    create_graph = _flag(create_graph, "create_graph", "grad")
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph, "retain_graph", "grad")
    allow_unused = _flag(allow_unused, "allow_unused", "grad")
    result = _C._run_grad(list(outs), list(ins), grads, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        result = tuple(g if g is not None else _C.zeros_like(x) for g, x in zip(result, ins))
    return result
