"""The `Scalar self, Tensor other` overloads (tg.pow(2, t), tg.remainder(5, t), tg.xlogy(2, t),
tg.bitwise_and(3, t), the shifts): what the matrix's "number first" promotion samples don't reach,
namely out=, gradients through the tensor operand and the calls PyTorch refuses. Values and result
dtypes against NumPy are in tests/test_ops.py (test_type_promotion)."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy

# (op, number, tensor operand)
CASES = [
    ("pow", 2, tg.tensor([0.5, 1.0, 3.0])),
    ("pow", 2.5, tg.tensor([0, 1, 3])),
    ("remainder", 5, tg.tensor([2, -3, 4], dtype=tg.int8)),
    ("remainder", 5.5, tg.tensor([2.0, -3.0])),
    ("xlogy", 2, tg.tensor([1.0, 4.0, 0.5])),
    ("xlogy", 0, tg.tensor([0.0, 4.0])),
    ("bitwise_and", 12, tg.tensor([10, 4], dtype=tg.int16)),
    ("bitwise_or", 12, tg.tensor([10, 1])),
    ("bitwise_xor", True, tg.tensor([True, False])),
    ("bitwise_left_shift", 1, tg.tensor([0, 3, 64])),
    ("bitwise_right_shift", -16, tg.tensor([1, 2], dtype=tg.int32)),
]


@pytest.mark.parametrize("name, number, t", CASES, ids=[f"{c[0]}-{c[1]!r}" for c in CASES])
def test_out_matches_the_function(name, number, t):
    fn = getattr(tg, name)
    expected = fn(number, t)
    out = tg.empty(list(expected.shape), dtype=expected.dtype)
    ptr = out.data_ptr()
    assert fn(number, t, out=out) is out and out.data_ptr() == ptr
    np.testing.assert_array_equal(to_numpy(out), to_numpy(expected))
    resized = tg.empty(0, dtype=expected.dtype)
    fn(number, t, out=resized)
    np.testing.assert_array_equal(to_numpy(resized), to_numpy(expected))
    if expected.dtype.is_floating_point:  # a float result can't go into an integer out
        with pytest.raises(RuntimeError):
            fn(number, t, out=tg.empty(0, dtype=tg.int64))


@pytest.mark.parametrize("name, number, t", CASES, ids=[f"{c[0]}-{c[1]!r}" for c in CASES])
def test_a_tensor_first_keeps_the_tensor_overload(name, number, t):
    """The number wrapped as a 0-d tensor of its own dtype gives the same values (the weak-scalar
    rule only changes the dtype when the number outranks the tensor's category)."""
    fn = getattr(tg, name)
    got = fn(number, t)
    ref = fn(tg.full(list(t.shape), number, dtype=got.dtype), t.to(got.dtype))
    assert got.dtype is ref.dtype
    np.testing.assert_allclose(to_numpy(got), to_numpy(ref), rtol=1e-6, atol=0)


def test_weak_number_does_not_upcast():
    h = tg.tensor([1.0, 2.0], dtype=tg.float16)
    assert tg.pow(2, h).dtype is tg.float16
    assert tg.pow(2.5, h).dtype is tg.float16
    assert tg.pow(2.5, tg.tensor([1, 2])).dtype is tg.float32
    assert tg.xlogy(2, tg.tensor([1, 2])).dtype is tg.float32
    assert tg.remainder(5, tg.tensor([2], dtype=tg.uint8)).dtype is tg.uint8
    assert tg.bitwise_and(3, tg.tensor([True])).dtype is tg.int64
    assert tg.pow(2, tg.tensor(3.0, dtype=tg.float64)).dtype is tg.float64


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck"])
@pytest.mark.parametrize("name, number", [("pow", 1.7), ("xlogy", 2.5), ("remainder", 7.25)])
def test_gradient_flows_to_the_tensor(name, number, check):
    x = tg.tensor([0.6, 1.3, 2.2], dtype=tg.float64).requires_grad_()
    fn = getattr(tg, name)
    assert getattr(tg.autograd, check)(lambda t: fn(number, t), [x])


def test_errors():
    t = tg.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        tg.pow(2, 3)                                 # two numbers: PyTorch's TypeError too
    with pytest.raises(TypeError):
        tg.remainder(5, "a")
    with pytest.raises(NotImplementedError, match=r"\[bitwise_and\]"):
        tg.bitwise_and(3, t)                         # float tensor: the Tensor op's dtype rule
    with pytest.raises(NotImplementedError, match=r"\[bitwise_and\]"):
        tg.bitwise_and(2.5, tg.tensor([1, 2]))       # float number: float result dtype
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tg.remainder(5, tg.tensor([0, 1]))           # integer division by zero
    with pytest.raises(RuntimeError, match="negative"):
        tg.pow(2, tg.tensor([-1, 2]))                # an integer to a negative integer power
    with pytest.raises(RuntimeError):
        tg.pow(2, t, out=tg.empty(0, dtype=tg.int64))
