"""Autograd as a PyTorch user sees it: programs with backward, no_grad, autograd.grad,
create_graph, in-place ops and hooks, each checked against gradients worked out by hand (NumPy),
plus the errors PyTorch raises. Custom Functions and gradcheck / gradgradcheck themselves are in
test_autograd_functions.py.

The per-op gradcheck/gradgradcheck sweep lives in the generated matrix (tests/test_ops.py)."""
import threading

import numpy as np
import pytest

import tensorgen as tg
from _autograd_helpers import close, leaf, npy  # tests/ is on sys.path under pytest


# ----------------------------------------------------------------------------- backward basics
def test_backward_scalar_loss():
    x_np, w_np = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])
    x, w = leaf(x_np), leaf(w_np)
    loss = (x * w).exp().sum()
    assert loss.requires_grad and not loss.is_leaf and loss.dim() == 0
    loss.backward()
    e = np.exp(x_np * w_np)
    close(x.grad, w_np * e, rtol=1e-5)
    close(w.grad, x_np * e, rtol=1e-5)
    assert x.grad.dtype == tg.float32 and x.grad.shape == (3,)
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_backward_gradient_argument_for_non_scalar():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(gradient=tg.tensor([1.0, 0.1, 0.01]))
    close(x.grad, [2.0, 0.4, 0.06])
    x2 = leaf([1.0, 2.0])
    tg.autograd.backward([x2 * 3, x2 * x2], [tg.tensor([1.0, 1.0]), tg.tensor([1.0, 2.0])])
    close(x2.grad, [3 + 2, 3 + 8])


def test_non_scalar_backward_without_gradient_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    # A one-element tensor of any shape is fine (PyTorch's rule is numel() == 1).
    (x.sum() * tg.ones(1, 1)).backward()
    close(x.grad, [1.0, 1.0, 1.0])


def test_gradient_shape_mismatch_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(tg.ones(2))


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward_and_grads_accumulate():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    close(x.grad, [2.0, 4.0])
    y.backward()
    close(x.grad, [4.0, 8.0])


def test_backward_on_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0, 2.0]).sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad(tg.tensor(1.0), [leaf([1.0])])


def test_grad_accumulates_over_backward_calls_and_can_be_reset():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    close(x.grad, [2 + 3, 4 + 3, 6 + 3])
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    close(x.grad, [3.0, 3.0, 3.0])
    # .grad can be assigned a tensor of the right shape and dtype, and backward adds to it.
    held = tg.tensor([10.0, 10.0, 10.0])
    x.grad = held
    (x * 1).sum().backward()
    close(x.grad, [11.0, 11.0, 11.0])
    # Like PyTorch, a first-order backward adds into .grad in place: a held reference sees the sum.
    close(held, [11.0, 11.0, 11.0])
    with pytest.raises(RuntimeError):
        x.grad = tg.ones(2)
    # Modifying .grad in place (as optimizers' zero_() does) is allowed.
    x.grad.zero_()
    close(x.grad, [0.0, 0.0, 0.0])


def test_shared_subexpression_gradient_summed():
    # y = x*x + exp(x*x): the x*x node feeds two consumers; each node runs once.
    x_np = np.array([0.1, 0.5, -0.3])
    x = leaf(x_np, tg.float64)
    s = x * x
    (s + s.exp()).sum().backward()
    close(x.grad, 2 * x_np * (1 + np.exp(x_np ** 2)))


def test_broadcasting_gradients_are_reduced_to_input_shapes():
    a_np = np.arange(6.0).reshape(2, 3)
    b_np = np.array([10.0, 20.0, 30.0])
    a, b, c = leaf(a_np), leaf(b_np), leaf(2.0)
    col = leaf([[1.0], [-1.0]])
    (a * b * c + col).sum().backward()
    close(a.grad, np.broadcast_to(b_np * 2.0, (2, 3)))
    close(b.grad, a_np.sum(0) * 2.0)
    assert b.grad.shape == (3,)
    close(c.grad, (a_np * b_np).sum())
    assert c.grad.shape == ()
    close(col.grad, [[3.0], [3.0]])
    assert col.grad.shape == (2, 1)


def test_python_scalars_and_mixed_dtypes():
    x = leaf([1.0, 2.0], tg.float64)
    y = leaf([3.0, 4.0], tg.float32)
    z = (x * y * 2 + 1).sum()  # promotes to float64
    assert z.dtype == tg.float64
    z.backward()
    assert x.grad.dtype == tg.float64 and y.grad.dtype == tg.float32  # each leaf keeps its own dtype
    close(x.grad, [6.0, 8.0])
    close(y.grad, [2.0, 4.0])


def test_tensor_backward_inputs_argument():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * y).sum().backward(inputs=[x])
    close(x.grad, [3.0, 4.0])
    assert y.grad is None


def test_views_of_tensors_that_require_grad():
    x_np = np.arange(6.0).reshape(2, 3)
    w_np = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = leaf(x_np)
    v = x.t()
    assert v.requires_grad and v.grad_fn is not None
    (v * tg.tensor(w_np, dtype=tg.float32)).sum().backward()
    close(x.grad, w_np.T)


# ----------------------------------------------------------------------------- grad mode
def test_no_grad_results_do_not_require_grad():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        y = x * 2
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_no_grad_restores_on_exception_and_nests():
    with pytest.raises(KeyError):
        with tg.no_grad():
            raise KeyError("x")
    assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.no_grad():
            pass
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        with tg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and y.grad_fn.name() == "MulBackward0"
    assert not z.requires_grad


# Each entry makes a decorator when called inside the test (set_grad_enabled(False) changes the
# mode as soon as it is called, like PyTorch's, so it must not run at collection time).
GRAD_OFF_DECORATORS = {
    "no_grad()": lambda: tg.no_grad(),
    "no_grad": lambda: tg.no_grad,
    "set_grad_enabled(False)": lambda: tg.set_grad_enabled(False),
    "inference_mode()": lambda: tg.inference_mode(),
    "inference_mode": lambda: tg.inference_mode,
}


@pytest.mark.parametrize("make_decorator", GRAD_OFF_DECORATORS.values(), ids=GRAD_OFF_DECORATORS.keys())
def test_grad_mode_decorators_turn_grad_off(make_decorator):
    x = leaf([1.0, 2.0])

    @make_decorator()
    def f(t):
        return t * 2

    assert tg.is_grad_enabled()  # decorating does not change the caller's mode
    assert not f(x).requires_grad
    assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()
    assert f.__name__ == "f"


def test_enable_grad_decorator():
    x = leaf([1.0, 2.0])

    @tg.enable_grad()
    def e(t):
        return t * 2

    with tg.no_grad():
        assert e(x).requires_grad
        assert not tg.is_grad_enabled()


def test_no_grad_decorates_generators():
    x = leaf([1.0])

    @tg.no_grad()
    def gen():
        for _ in range(2):
            yield tg.is_grad_enabled(), (x * 2).requires_grad

    results = []
    for item in gen():
        results.append(item)
        assert tg.is_grad_enabled()  # the caller's code between items keeps its mode
    assert results == [(False, False), (False, False)]


def test_set_grad_enabled_function_and_context_manager():
    x = leaf([1.0])
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not tg.is_grad_enabled()


def test_inference_mode():
    x = leaf([1.0, 2.0])
    assert not tg.is_inference_mode_enabled()
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled() and not tg.is_grad_enabled()
        y = x * 2
        with tg.inference_mode(False):
            assert not tg.is_inference_mode_enabled() and tg.is_grad_enabled()
    assert not y.requires_grad
    assert not tg.is_inference_mode_enabled() and tg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = tg.is_grad_enabled()
        seen["requires_grad"] = (leaf([1.0]) * 2).requires_grad

    with tg.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == {"enabled": True, "requires_grad": True}


def test_backward_works_inside_no_grad():
    # PyTorch: backward() of a graph built earlier works whatever the current grad mode.
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    with tg.no_grad():
        y.backward()
    close(x.grad, [2.0, 4.0])


# ----------------------------------------------------------------------------- autograd.grad
def test_autograd_grad_does_not_touch_dot_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = tg.autograd.grad((x * y).sum(), [x, y])
    close(gx, [3.0, 4.0])
    close(gy, [1.0, 2.0])
    assert x.grad is None and y.grad is None
    (g,) = tg.autograd.grad(x * y, x, grad_outputs=tg.tensor([1.0, -1.0]))
    close(g, [3.0, -4.0])


def test_autograd_grad_allow_unused():
    x, unused = leaf([1.0, 2.0]), leaf([5.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tg.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = tg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    close(gx, [2.0, 2.0])
    assert gu is None
    gx, gu = tg.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    close(gu, [0.0])


def test_autograd_grad_argument_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="non-empty inputs"):
        tg.autograd.grad((x * 2).sum(), [])
    with pytest.raises(TypeError):
        tg.autograd.grad((x * 2).sum(), [x, 3.0])
    with pytest.raises(TypeError):
        tg.autograd.grad((x * 2).sum(), x, retain_graph=x)
    with pytest.raises(RuntimeError, match="gradients for"):
        tg.autograd.grad([x * 2, x * 3], x, grad_outputs=[tg.ones(2)])


def test_autograd_grad_with_respect_to_intermediate():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = tg.autograd.grad((h * h).sum(), h)
    close(gh, [6.0, 12.0])


def test_autograd_grad_frees_graph_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    tg.autograd.grad(y, x, retain_graph=True)
    tg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        tg.autograd.grad(y, x)


def test_higher_order_gradients_of_cube():
    x = leaf(2.0, tg.float64)
    y = x * x * x
    (g1,) = tg.autograd.grad(y, x, create_graph=True)
    assert g1.requires_grad
    close(g1, 3 * 2.0 ** 2)
    (g2,) = tg.autograd.grad(g1, x, create_graph=True)
    close(g2, 6 * 2.0)
    (g3,) = tg.autograd.grad(g2, x)
    close(g3, 6.0)


def test_higher_order_gradients_vector_and_pow():
    x_np = np.array([0.5, -1.0, 2.0])
    x = leaf(x_np, tg.float64)
    (g1,) = tg.autograd.grad((x ** 3).sum(), x, create_graph=True)
    close(g1, 3 * x_np ** 2)
    g1.sum().backward()
    close(x.grad, 6 * x_np)


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf([1.0, 3.0], tg.float64)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = tg.autograd.grad(x.grad.sum(), x)
    close(g2, [6.0, 18.0])


# ----------------------------------------------------------------------------- in-place
def test_inplace_on_non_leaf_is_recorded():
    # PyTorch: z = x*2; z.add_(y); z.exp_() -> dz/dx = 2 exp(2x + y), dz/dy = exp(2x + y).
    x_np, y_np = np.array([0.1, 0.2, -0.3]), np.array([0.5, -1.0, 0.25])
    x, y = leaf(x_np, tg.float64), leaf(y_np, tg.float64)
    z = x * 2
    z.add_(y)
    z.exp_()
    assert z.grad_fn.name() == "ExpBackward0"
    assert z.grad_fn.next_functions[0][0].name() == "AddBackward0"
    z.sum().backward()
    e = np.exp(2 * x_np + y_np)
    close(x.grad, 2 * e)
    close(y.grad, e)


def test_repeated_inplace_mul_on_non_leaf():
    x_np = np.array([1.0, 2.0, -3.0])
    x = leaf(x_np, tg.float64)
    z = x * 1
    z.mul_(x)  # z = x^2: the old value of z is what the gradient for x needs
    z.mul_(x)  # z = x^3
    z.sum().backward()
    close(x.grad, 3 * x_np ** 2)


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.mul_(tg.tensor([2.0, 2.0]))
    # Under no_grad it is allowed (optimizer updates), and bumps the version counter.
    v = x._version
    with tg.no_grad():
        x.mul_(2)
    assert x._version == v + 1
    close(x, [2.0, 4.0])
    assert x.is_leaf and x.requires_grad


def test_inplace_on_view_of_leaf_requiring_grad_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError):
        x[0:2].mul_(2)


def test_saved_tensor_modified_inplace_raises():
    x = leaf([1.0, 2.0])
    a = x * 1
    b = a * a  # saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_saved_result_modified_inplace_raises():
    x = leaf([1.0, 2.0])
    e = x.exp()  # ExpBackward saves its result
    e.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_inplace_under_no_grad_after_save_is_detected():
    x = leaf([1.0, 2.0])
    a = x * 2
    b = a * a
    with tg.no_grad():
        a.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


# ----------------------------------------------------------------------------- requires_grad rules
def test_only_floating_dtypes_can_require_grad():
    for dtype in (tg.int64, tg.int32, tg.bool, tg.uint8):
        with pytest.raises(RuntimeError, match="floating point"):
            tg.tensor([1, 0], dtype=dtype, requires_grad=True)
        with pytest.raises(RuntimeError, match="floating point"):
            tg.tensor([1, 0], dtype=dtype).requires_grad_()
        t = tg.tensor([1, 0], dtype=dtype)
        with pytest.raises(RuntimeError, match="floating point"):
            t.requires_grad = True
    for dtype in (tg.float16, tg.bfloat16, tg.float32, tg.float64):
        assert tg.tensor([1.0], dtype=dtype, requires_grad=True).requires_grad


def test_requires_grad_property_and_method():
    x = tg.tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad
    with pytest.raises(TypeError):
        x.requires_grad = 1
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
    y.requires_grad_(True)  # no-op on a non-leaf that already requires grad


def test_ops_on_non_grad_inputs_and_integer_results():
    x = leaf([1.0, 2.0])
    assert not (tg.tensor([1.0]) * 2).requires_grad
    assert (x * tg.tensor([3.0, 4.0])).requires_grad
    assert not (x > 1).requires_grad  # comparison results are bool: never require grad


def test_out_with_requires_grad_inputs_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="out="):
        tg.mul(x, x, out=tg.empty(2))
    with pytest.raises(RuntimeError, match="out="):
        tg.add(x, 1, out=tg.empty(2))
    with tg.no_grad():
        out = tg.empty(2)
        tg.mul(x, x, out=out)
    close(out, [1.0, 4.0])


def test_tensor_factory_requires_grad_and_copy_detaches():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None
    y = tg.tensor(x * 2)
    assert not y.requires_grad and y.grad_fn is None
    close(y, [2.0, 4.0])


# ----------------------------------------------------------------------------- detach, hooks, graph
def test_detach_shares_memory_without_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    with tg.no_grad():
        y.add_(1)  # no saved tensor depends on y
    close(d, [3.0, 5.0])  # same memory
    z = y * 1
    d2 = z.detach()
    d2.mul_(10)  # allowed: d2 does not require grad; shares the version counter with z
    assert z._version == d2._version
    (x * d).sum().backward()
    close(x.grad, [3.0, 5.0])  # d is a constant


def test_detach_inplace():
    x = leaf([1.0, 2.0])
    y = x * 2
    assert y.detach_() is y
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError):
        y.sum().backward()


def test_retain_grad():
    x = leaf([1.0, 2.0])
    h = x * 3
    assert not h.retains_grad
    h.retain_grad()
    assert h.retains_grad
    (h * h).sum().backward()
    close(h.grad, [6.0, 12.0])
    close(x.grad, [18.0, 36.0])
    # Non-leaf tensors without retain_grad get no .grad.
    x2 = leaf([1.0])
    h2 = x2 * 3
    (h2 * 2).sum().backward()
    assert h2.grad is None


def test_register_hook_doubles_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(npy(g).copy()))  # returns None: gradient unchanged
    h.register_hook(lambda g: g * 2)
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], [6.0, 12.0])
    close(h.grad, [12.0, 24.0])  # retain_grad sees the hooked gradient, like PyTorch
    close(x.grad, [36.0, 72.0])


def test_register_hook_on_leaf():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 2)
    (x * 5).sum().backward()
    close(x.grad, [10.0, 10.0])
    with pytest.raises(RuntimeError):
        tg.tensor([1.0]).register_hook(lambda g: g)


def test_hook_changing_gradient_size_raises():
    x = leaf([1.0, 2.0])
    h = x * 1
    h.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="changed the size"):
        h.sum().backward()


def test_hook_error_propagates():
    x = leaf([1.0, 2.0])
    h = x * 1
    h.register_hook(lambda g: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # the hook's own exception, as in PyTorch
        h.sum().backward()
    assert tg.is_grad_enabled()


def test_grad_fn_names_and_next_functions():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w
    s = y.sum()
    assert x.grad_fn is None and x.is_leaf
    assert y.grad_fn.name() == "MulBackward0"
    assert s.grad_fn.name() == "SumBackward0"
    assert "MulBackward0" in repr(y.grad_fn)
    (mul_fn, nr), = s.grad_fn.next_functions
    assert mul_fn == y.grad_fn and nr == 0
    (acc_x, _), (acc_w, _) = y.grad_fn.next_functions
    assert acc_x.name() == "AccumulateGrad" and acc_w.name() == "AccumulateGrad"
    assert acc_x.variable is x or (acc_x.variable._storage_info() == x._storage_info())
    assert acc_x.next_functions == ()
    # An input that does not require grad has no edge.
    z = x * tg.tensor([1.0, 1.0])
    assert z.grad_fn.next_functions[1][0] is None
    assert (x.exp().grad_fn.name(), (x + w).grad_fn.name()) == ("ExpBackward0", "AddBackward0")


def test_is_leaf():
    x = leaf([1.0])
    assert x.is_leaf
    assert not (x * 2).is_leaf
    assert tg.tensor([1.0]).is_leaf
    assert (tg.tensor([1.0]) * 2).is_leaf  # does not require grad: a leaf, as in PyTorch
    with tg.no_grad():
        assert (x * 2).is_leaf


def test_repr_shows_autograd_state():
    x = leaf([1.0, 2.0])
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr((x * 2).sum()) == "tensor(6., grad_fn=<SumBackward0>)"
    assert repr(leaf([1.0], tg.float64)) == "tensor([1.], dtype=tensorgen.float64, requires_grad=True)"
    assert repr(x.detach()) == "tensor([1., 2.])"


def test_grad_never_aliases_a_tensor_the_user_holds():
    # A gradient nothing else refers to becomes .grad without a copy; one the caller still holds
    # (here the `gradient` argument, passed through by add's backward) is copied first.
    x = leaf([1.0, 2.0, 3.0])
    v = tg.ones(3)
    (x + 0).backward(v)
    x.grad.add_(1)
    close(v, [1.0, 1.0, 1.0])
    close(x.grad, [2.0, 2.0, 2.0])
    x.grad = None
    (x * 3).sum().backward()
    x.grad.mul_(2)
    close(x.grad, [6.0, 6.0, 6.0])
