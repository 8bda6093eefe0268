"""gradcheck / gradgradcheck: analytical gradients against finite differences (PyTorch's API).

gradcheck(func, inputs) compares, for every output of func that requires grad and every input
that requires grad, the Jacobian that autograd computes (one tg.autograd.grad call per output
element: a vector-Jacobian product with a one-hot grad_output) with the central-difference
Jacobian (f(x + eps) - f(x - eps)) / (2 eps), evaluated in float64 from the outputs' values.
They must satisfy |analytical - numerical| <= atol + rtol * |numerical| element by element.
Inputs are perturbed in place, through a NumPy view of their memory, and restored afterwards.

gradgradcheck(func, inputs, grad_outputs) runs gradcheck on the function
    (inputs, grad_outputs) -> tg.autograd.grad(func(inputs), inputs, grad_outputs, create_graph=True)
which checks the backward formulas' own gradients (double backward).

Like PyTorch's, these are meant for float64 inputs; other floating dtypes warn.
"""
from __future__ import annotations

import warnings

import numpy as np

from tensorgen import _C

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck when a check fails (and raise_exception=True)."""


def _is_tensor(x) -> bool:
    return isinstance(x, _C.TensorBase)


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _to_numpy64(t) -> np.ndarray:
    """Values of t as a flat float64 array in row-major order (no autograd recording)."""
    t = t.detach()
    if str(t.dtype) == "tensorgen.bfloat16":
        with _no_grad():
            t = t.float()
    return np.array(t.numpy(), dtype=np.float64, copy=True).reshape(-1)  # a copy: t may alias an input


class _no_grad:
    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


class _Entries:
    """Reads and writes single elements of a tensor in place, without autograd and without
    bumping its version counter (so the graph under test is not disturbed)."""

    def __init__(self, t):
        self.shape = tuple(t.shape)
        self.alias = t.detach()
        self.array = None
        if str(t.dtype) != "tensorgen.bfloat16":
            a = self.alias.numpy()
            if not a.flags.owndata and a.flags.writeable:  # a view of the tensor's memory, not a copy
                self.array = a

    def get(self, pos) -> float:
        if self.array is not None:
            return self.array[pos].item()
        return self.alias[pos].item()

    def set(self, pos, value: float) -> None:
        if self.array is not None:
            self.array[pos] = value
        else:
            with _no_grad():
                self.alias[pos] = value


def _fail(msg: str):
    raise GradcheckError(msg)


def _check_inputs(tupled_inputs: tuple) -> list[int]:
    diff_idx = [i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for k, i in enumerate(diff_idx):
        x = tupled_inputs[i]
        if x.dtype is not _C.float64:
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating point or "
                          f"complex. This check will likely fail if all the inputs are not of double precision "
                          f"floating point or complex.", stacklevel=3)
        for size, stride in zip(x.shape, x.stride()):
            if stride == 0 and size > 1 and x.numel() > 0:
                raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs "
                                   f"that are non-overlapping to be able to compute the numerical gradients "
                                   f"correctly. You should call .contiguous on the input before passing it to "
                                   f"gradcheck.")
    return diff_idx


def _numerical_jacobian(func, tupled_inputs: tuple, diff_idx: list[int], out_pos: list[int], out_sizes: list[int],
                        eps: float) -> list[list[np.ndarray]]:
    """jac[j][k]: d(output out_pos[j]) / d(input diff_idx[k]) as an (input numel, output numel) array."""
    jac = [[np.zeros((tupled_inputs[i].numel(), n)) for i in diff_idx] for n in out_sizes]

    def evaluate():
        outs = _as_tuple(func(*tupled_inputs))
        return [_to_numpy64(outs[p]) for p in out_pos]

    for k, i in enumerate(diff_idx):
        entries = _Entries(tupled_inputs[i])
        for e in range(tupled_inputs[i].numel()):
            pos = tuple(int(v) for v in np.unravel_index(e, entries.shape)) if entries.shape else ()
            orig = entries.get(pos)
            try:
                entries.set(pos, orig - eps)
                lo = evaluate()
                entries.set(pos, orig + eps)
                hi = evaluate()
            finally:
                entries.set(pos, orig)
            for j in range(len(out_pos)):
                if hi[j].shape != lo[j].shape or hi[j].size != out_sizes[j]:
                    _fail(f"gradcheck: output {out_pos[j]} changed shape when input {i} was perturbed")
                jac[j][k][e, :] = (hi[j] - lo[j]) / (2 * eps)
    return jac


def _analytical_jacobian(output, diff_inputs: list, nondet_tol: float, check_grad_dtypes: bool,
                         out_index: int) -> list[np.ndarray]:
    """jac[k]: d(output) / d(diff_inputs[k]) from one vector-Jacobian product per output element."""
    n_out = output.numel()
    jacs = [np.zeros((x.numel(), n_out)) for x in diff_inputs]
    reentrant_ok = True
    shape = tuple(output.shape)
    for m in range(n_out):
        onehot = np.zeros(n_out)
        onehot[m] = 1.0
        grad_output = _C.from_numpy(onehot.reshape(shape)).to(output.dtype)
        first = _C._run_grad([output], list(diff_inputs), [grad_output], True, False, True)
        second = _C._run_grad([output], list(diff_inputs), [grad_output], True, False, True)
        for k, (x, g1, g2) in enumerate(zip(diff_inputs, first, second)):
            if g1 is None:
                continue
            if tuple(g1.shape) != tuple(x.shape):
                _fail(f"Gradient has shape mismatch: the gradient of output {out_index} with respect to input "
                      f"{k} has shape {list(g1.shape)}, but the input has shape {list(x.shape)}")
            if check_grad_dtypes and g1.dtype is not x.dtype:
                _fail(f"Gradient has dtype mismatch: the gradient of output {out_index} with respect to input {k} "
                      f"is {g1.dtype}, but the input is {x.dtype}")
            a1 = _to_numpy64(g1)
            a2 = _to_numpy64(g2) if g2 is not None else np.zeros_like(a1)
            if not (np.abs(a1 - a2) <= nondet_tol).all():
                reentrant_ok = False
            jacs[k][:, m] = a1
    if not reentrant_ok:
        _fail(f"Backward is not reentrant, i.e., running backward with same input and grad_output multiple times "
              f"gives different values, although analytical gradient matches numerical gradient. The tolerance "
              f"for nondeterminism was {nondet_tol}.")
    return jacs


def _mismatch_message(j: int, k: int, arg: int, a: np.ndarray, n: np.ndarray, atol: float, rtol: float) -> str:
    bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))
    row, col = (int(v) for v in np.argwhere(bad)[0])
    diff = np.abs(a - n)
    where = f"input {k}" + (f" (argument {arg} of func)" if arg != k else "")
    with np.printoptions(precision=6, threshold=200, linewidth=100):
        return (f"Jacobian mismatch for output {j} with respect to {where},\n"
                f"numerical:{n}\nanalytical:{a}\n\n"
                f"{int(bad.sum())} of {bad.size} entries differ; first at [{row}, {col}] (input element {row}, "
                f"output element {col}): numerical {float(n[row, col])!r}, analytical {float(a[row, col])!r}; "
                f"max abs difference {float(diff.max())!r} (atol={atol}, rtol={rtol}).")


def _gradcheck(func, tupled_inputs: tuple, eps: float, atol: float, rtol: float, nondet_tol: float,
               check_grad_dtypes: bool, check_backward_ad: bool) -> bool:
    diff_idx = _check_inputs(tupled_inputs)
    func_out = _as_tuple(func(*tupled_inputs))
    all_pos = [p for p, o in enumerate(func_out) if _is_tensor(o)]
    out_pos = [p for p in all_pos if func_out[p].requires_grad]
    if not out_pos:
        # Nothing is differentiable: the function must then really not depend on its inputs.
        sizes = [func_out[p].numel() for p in all_pos]
        for row in _numerical_jacobian(func, tupled_inputs, diff_idx, all_pos, sizes, eps):
            for jac in row:
                if (jac != 0).any():
                    _fail("Numerical gradient for function expected to be zero")
        return True
    if not check_backward_ad:
        return True
    outputs = [func_out[p] for p in out_pos]
    diff_inputs = [tupled_inputs[i] for i in diff_idx]
    analytical = [_analytical_jacobian(o, diff_inputs, nondet_tol, check_grad_dtypes, j)
                  for j, o in enumerate(outputs)]
    numerical = _numerical_jacobian(func, tupled_inputs, diff_idx, out_pos, [o.numel() for o in outputs], eps)
    for j in range(len(outputs)):
        for k, i in enumerate(diff_idx):
            a, n = analytical[j][k], numerical[j][k]
            if not (np.abs(a - n) <= atol + rtol * np.abs(n)).all():
                _fail(_mismatch_message(j, k, i, a, n, atol, rtol))
    return True


def _unsupported(**flags) -> None:
    for name, value in flags.items():
        if value:
            raise NotImplementedError(f"[gradcheck] {name}=True is not supported by tensorgen (no forward-mode AD, "
                                      f"no vmap)")


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Checks the gradients of func at inputs (a tensor or a tuple) against finite differences.

    Differentiates with respect to the inputs that require grad (float64 recommended), through
    the outputs that require grad. Returns True, or raises GradcheckError (a RuntimeError) with
    the mismatching Jacobians, or returns False when raise_exception=False.
    check_undefined_grad is accepted and ignored (the engine never passes undefined gradients
    to formulas: they are materialized as zeros); fast_mode runs the full (slow-mode) check.
    """
    _unsupported(check_batched_grad=check_batched_grad, check_batched_forward_grad=check_batched_forward_grad,
                 check_forward_ad=check_forward_ad, masked=masked)
    tupled_inputs = _as_tuple(inputs)
    try:
        return _gradcheck(func, tupled_inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes, check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Checks second derivatives: gradcheck of (inputs, grad_outputs) -> grad(func(inputs), inputs,
    grad_outputs, create_graph=True). Without grad_outputs, random ones in [-1, 1) are used (a
    fixed seed, so failures reproduce); gen_non_contig_grad_outputs makes them non-contiguous."""
    _unsupported(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev, masked=masked)
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = [o for o in _as_tuple(func(*tupled_inputs)) if _is_tensor(o) and o.requires_grad]
        rng = np.random.default_rng(0)
        tupled_grad_outputs = tuple(_random_like(o, rng, gen_non_contig_grad_outputs) for o in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_idx = [i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad]

    def new_func(*args):
        input_args = args[:len(args) - num_outputs]
        grad_args = args[len(args) - num_outputs:]
        outputs = [o for o in _as_tuple(func(*input_args)) if _is_tensor(o) and o.requires_grad]
        diff_inputs = [input_args[i] for i in diff_input_idx]
        grads = _C._run_grad(outputs, diff_inputs, list(grad_args), True, True, True)
        return tuple(g for g in grads if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     fast_mode=fast_mode)


def _random_like(t, rng, noncontiguous: bool):
    """A leaf of t's shape and (floating) dtype with values in [-1, 1) that requires grad."""
    dtype = t.dtype if t.dtype.is_floating_point else _C.float64
    shape = list(t.shape)
    values = _C.from_numpy(rng.uniform(-1.0, 1.0, size=shape).astype(np.float64)).to(dtype)
    if noncontiguous and shape and shape[-1] > 1:
        big = _C.zeros(shape[:-1] + [2 * shape[-1]], dtype=dtype)
        view = big.slice(-1, 0, None, 2)
        with _no_grad():
            view.copy_(values)
        values = view
    return values.requires_grad_()
