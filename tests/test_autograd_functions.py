"""Custom autograd Functions (ctx.save_for_backward, needs_input_grad, once_differentiable, double
backward through them) and gradcheck / gradgradcheck themselves: what they accept, what they catch.
Split from test_autograd.py, whose helpers they share."""
import warnings

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.autograd import Function, GradcheckError, gradcheck, gradgradcheck, once_differentiable
from _autograd_helpers import close, leaf, npy


# ----------------------------------------------------------------------------- custom Functions
class StraightThroughClamp(Function):
    """Clamps in forward; passes the gradient through unchanged in backward."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        return x.clamp(tg.tensor(lo, dtype=x.dtype), tg.tensor(hi, dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None


class MyExp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class MulConst(Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        ctx.save_for_backward(x)
        return x * c

    @staticmethod
    def backward(ctx, grad):
        assert ctx.needs_input_grad == (True, False)
        return grad * ctx.c, None


def test_custom_function_straight_through_clamp_in_graph():
    x = leaf([-2.0, 0.25, 3.0])
    y = StraightThroughClamp.apply(x * 2, -1.0, 1.0)
    close(y, [-1.0, 0.5, 1.0])
    assert y.grad_fn.name() == "StraightThroughClampBackward"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    (y * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    close(x.grad, [2.0, 4.0, 6.0])  # through the clamp as if it were the identity


def test_custom_function_exp_with_saved_output():
    x_np = np.array([0.5, 1.0, -1.0])
    x = leaf(x_np, tg.float64)
    y = MyExp.apply(x * 2)
    z = (y * y).sum()  # y also used by a generated op after the custom one
    z.backward()
    close(x.grad, 4 * np.exp(4 * x_np))


def test_custom_function_needs_input_grad_and_non_tensor_args():
    x = leaf([1.0, 2.0])
    y = MulConst.apply(x, 3.0)
    y.sum().backward()
    close(x.grad, [3.0, 3.0])

    seen = {}

    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            seen["needs"] = ctx.needs_input_grad
            return None, grad  # None for an input that needs no gradient is fine

    a, b = tg.tensor([1.0, 2.0]), leaf([3.0, 4.0])
    Two.apply(a, b).sum().backward()
    assert seen["needs"] == (False, True)
    close(b.grad, [1.0, 1.0])


def test_custom_function_without_grad_returns_plain_tensors():
    x = leaf([1.0])
    with tg.no_grad():
        y = MyExp.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    assert not MyExp.apply(tg.tensor([1.0])).requires_grad


def test_custom_function_returning_input_gets_new_history():
    class Ident(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    x = leaf([1.0, 2.0])
    h = x * 1
    out = Ident.apply(h)
    assert out is not h and h.grad_fn.name() == "MulBackward0"
    assert out.grad_fn.name() == "IdentBackward"
    out.sum().backward()
    close(x.grad, [3.0, 3.0])


def test_custom_function_multiple_outputs_and_non_differentiable():
    class MaxWithIndex(Function):
        @staticmethod
        def forward(x):
            return x.max(), x.argmax()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(inputs[0], output[1])

        @staticmethod
        def backward(ctx, grad_value, grad_index):
            x, index = ctx.saved_tensors
            out = tg.zeros_like(x)
            out[int(index)] = grad_value
            return out

    x = leaf([1.0, 5.0, 3.0])
    value, index = MaxWithIndex.apply(x)
    assert value.requires_grad and not index.requires_grad
    (value * 2).backward()
    close(x.grad, [0.0, 2.0, 0.0])


def test_custom_function_mark_dirty():
    class AddOne_(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = leaf([1.0, 2.0])
    h = x * 3
    out = AddOne_.apply(h)
    assert out is h and h.grad_fn.name() == "AddOne_Backward"
    close(h, [4.0, 7.0])
    (h * h).sum().backward()
    close(x.grad, 3 * 2 * np.array([4.0, 7.0]))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        AddOne_.apply(leaf([1.0]))


def test_custom_function_wrong_number_of_gradients_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_custom_function_backward_error_propagates():
    class Boom(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("boom in backward")

    with pytest.raises(ValueError, match="boom in backward"):  # the original exception type
        Boom.apply(leaf([1.0])).sum().backward()
    x = leaf([1.0])
    with pytest.raises(ValueError, match="boom in backward"):
        tg.autograd.grad(Boom.apply(x).sum(), x)


def test_custom_function_saved_tensor_checks():
    # Saved tensor modified in place after forward: PyTorch's error.
    x = leaf([1.0, 2.0])
    y = MyExp.apply(x)
    z = y * 1
    with tg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    # Saved tensors are freed by backward without retain_graph.
    s = MyExp.apply(x).sum()
    s.backward()
    with pytest.raises(RuntimeError, match="second time"):
        s.backward()
    # ... and kept with retain_graph.
    x.grad = None
    s = MyExp.apply(x).sum()
    s.backward(retain_graph=True)
    s.backward()
    close(x.grad, 2 * np.exp([1.0, 2.0]), rtol=1e-5)


def test_custom_function_double_backward():
    x_np = np.array([0.3, -0.2])
    x = leaf(x_np, tg.float64)
    (g,) = tg.autograd.grad(MyExp.apply(x).sum(), x, create_graph=True)
    close(g, np.exp(x_np))
    (gg,) = tg.autograd.grad(g.sum(), x)
    close(gg, np.exp(x_np))


def test_once_differentiable_refuses_double_backward():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = leaf([1.0, 2.0], tg.float64)
    Sq.apply(x).sum().backward()
    close(x.grad, [2.0, 4.0])
    y = Sq.apply(x)
    (g,) = tg.autograd.grad(y, x, grad_outputs=leaf([1.0, 1.0], tg.float64), create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


# ----------------------------------------------------------------------------- gradcheck
def rand64(*shape, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.uniform(low, high, shape), dtype=tg.float64, requires_grad=True)


@pytest.mark.parametrize("name, fn, make", [
    ("mul_broadcast", lambda a, b: a * b, lambda: (rand64(2, 3), rand64(3, seed=1))),
    ("add_alpha", lambda a, b: tg.add(a, b, alpha=2.5), lambda: (rand64(2, 3), rand64(1, 3, seed=1))),
    ("exp", lambda a: a.exp(), lambda: (rand64(4),)),
    ("sum_dim", lambda a: a.sum(1, keepdim=True), lambda: (rand64(3, 4),)),
    ("chain", lambda a, b: (a * b).exp().sum(0) * a.sum(), lambda: (rand64(2, 3, high=1), rand64(2, 3, seed=1))),
    ("transposed_input", lambda a: (a * a).exp(), lambda: (rand64(3, 2, high=1).detach().t().requires_grad_(),)),
])
def test_gradcheck_and_gradgradcheck_on_ops(name, fn, make):
    inputs = make()
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_gradcheck_zero_dim_empty_and_non_contiguous_inputs():
    x0 = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda t: t.exp(), x0) and gradgradcheck(lambda t: t.exp(), x0)
    empty = tg.empty([0, 3], dtype=tg.float64).requires_grad_()
    assert gradcheck(lambda t: t.exp(), empty) and gradgradcheck(lambda t: t.exp(), empty)
    base = tg.zeros([3, 4], dtype=tg.float64)
    strided = base[:, ::2]
    strided.copy_(tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=tg.float64))
    strided.requires_grad_()
    assert not strided.is_contiguous()
    fn = lambda t: (t * t).sum(0)  # noqa: E731
    assert gradcheck(fn, strided)
    assert gradgradcheck(fn, strided, gen_non_contig_grad_outputs=True)
    assert gradgradcheck(fn, strided, grad_outputs=tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True))
    np.testing.assert_array_equal(npy(base)[:, 1::2], 0.0)  # the elements between were never touched


def test_gradcheck_restores_inputs_and_leaves_grad_alone():
    x = rand64(3)
    before = npy(x).copy()
    version = x._version
    assert gradcheck(lambda t: t * t, (x,))
    np.testing.assert_array_equal(npy(x), before)
    assert x.grad is None and x._version == version


def test_gradcheck_custom_functions():
    x = rand64(4, high=1)
    assert gradcheck(MyExp.apply, (x,))
    assert gradgradcheck(MyExp.apply, (x,))
    assert gradcheck(lambda t: MulConst.apply(t, 2.5), (x,))
    assert gradcheck(lambda t: MyExp.apply(t * 2).sum(), x)  # a single tensor as inputs


def test_gradcheck_catches_wrong_custom_backward():
    class WrongExp(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # wrong: should be grad * exp(x)

    x = rand64(3)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0") as info:
        gradcheck(WrongExp.apply, (x,))
    assert isinstance(info.value, RuntimeError)
    assert "numerical" in str(info.value) and "analytical" in str(info.value)
    assert gradcheck(WrongExp.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_non_differentiable_backward():
    class DetachedGradExp(MyExp):  # MyExp's forward, a backward that cuts the graph
        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y.detach()  # first derivative right, second derivative lost

    x = rand64(3, high=1)
    assert gradcheck(DetachedGradExp.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(DetachedGradExp.apply, (x,))


def test_gradcheck_argument_errors_and_warnings():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (tg.tensor([1.0], dtype=tg.float64),))
    x32 = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (x32,), eps=1e-3, atol=1e-2, rtol=1e-2)
    expanded = tg.tensor([1.0], dtype=tg.float64).expand([3]).requires_grad_()
    with pytest.raises(RuntimeError, match="stride 0"):
        gradcheck(lambda t: t * 2, (expanded,))
    with pytest.raises(NotImplementedError):
        gradcheck(lambda t: t * 2, (rand64(2),), check_forward_ad=True)


def test_gradcheck_non_tensor_arguments_and_multiple_outputs():
    x, y = rand64(2, 2), rand64(2, 2, seed=3)

    def fn(a, scale, b):
        return a * b * scale, (a + b).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(fn, (x, 3.0, y))
        assert gradgradcheck(fn, (x, 3.0, y))


def test_gradcheck_function_with_no_differentiable_output():
    x = rand64(3)
    assert gradcheck(lambda t: tg.ones(3, dtype=tg.float64) * 2, (x,)) is True  # constant in x: fine
    # An output that hides its dependence on x from autograd: numerical gradient is not zero.
    with pytest.raises(GradcheckError, match="expected to be zero"):
        gradcheck(lambda t: (t * 2).detach(), (x,))


def test_register_hook_returns_a_removable_handle():
    x = tg.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: g * 3)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_numpy_refuses_tensors_that_require_grad():
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]
    assert x.tolist() == [1.0, 1.0]
