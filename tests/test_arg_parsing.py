"""The argument parser is exactly as strict as PyTorch's (torch 2.13, checked by hand and by
tests/test_differential_torch.py): a bool is not an int, None only where the parameter is
optional, the positional forms PyTorch accepts are accepted. Needs no PyTorch."""
import numpy as np
import pytest

import tensorgen as tg


def _x():
    return tg.arange(12, dtype=tg.float32).reshape(3, 4)


# ----------------------------------------------------------------------------- bool is not an int

@pytest.mark.parametrize("call, param", [
    (lambda x: tg.sum(x, True), "dim"),
    (lambda x: tg.argmin(x, True), "dim"),
    (lambda x: tg.argmax(x, dim=False), "dim"),
    (lambda x: tg.cumsum(x, True), "dim"),
    (lambda x: tg.softmax(x, True), "dim"),
    (lambda x: tg.topk(x, True), "k"),
    (lambda x: tg.topk(x, 2, True), "dim"),
    (lambda x: tg.kthvalue(x, 1, True), "dim"),
    (lambda x: x.unsqueeze(True), "dim"),
    (lambda x: x.transpose(0, True), "dim1"),
    (lambda x: x.narrow(0, True, 1), "start"),
    (lambda x: x.flip(True), "dims"),
    (lambda x: x.roll(1, True), "dims"),
    (lambda x: x.sum((0, True)), "dim"),  # PyTorch checks only an int list's first item: stricter here
    (lambda x: x.expand(3, True), "size"),
    (lambda x: tg.eye(True), "n"),
    (lambda x: tg.ones((2, True)), "size"),
])
def test_bool_is_not_an_int(call, param):
    with pytest.raises(TypeError, match=f"argument '{param}'.*must be .*not (bool|tuple of \\(int, bool\\))"):
        call(_x())


def test_bool_first_in_varargs_sizes_is_not_a_size():
    # tg.ones(True, 3): a bool can't start the varargs sizes, so it is two positional arguments
    with pytest.raises(TypeError, match=r"\[ones\] takes 1 positional argument but 2 were given"):
        tg.ones(True, 3)
    with pytest.raises(TypeError, match=r"\[reshape\] takes 1 positional argument"):
        _x().reshape(True, 12)


def test_bool_is_a_scalar_and_a_float():
    x = _x()
    assert tg.add(x, x, alpha=True).tolist() == (x + x).tolist()  # Scalar: a bool is a number
    assert tg.clamp(x, True).min().item() == 1.0
    assert tg.nn.functional.dropout(x, True, False).tolist() == x.tolist()  # float p: bools count (PyTorch)


def test_int_is_not_a_bool():
    x = _x()
    for bad in (1, np.bool_(True), tg.tensor(True)):
        with pytest.raises(TypeError, match=r"\[sum\] argument 'keepdim' \(position 3\) must be bool"):
            tg.sum(x, 1, bad)
    with pytest.raises(TypeError, match="argument 'largest'"):
        tg.topk(x, 2, 1, 1)


def test_float_is_not_an_int():
    x = _x()
    for bad in (1.0, np.float64(1), tg.tensor(1.0)):
        with pytest.raises(TypeError, match=r"\[unsqueeze\] argument 'dim'"):
            x.unsqueeze(bad)
    with pytest.raises(TypeError, match=r"\[sum\] argument 'dim'"):
        x.sum(dim=[0, 1.0])


def test_numpy_ints_and_int_tensors_are_ints():
    x = _x()
    for dim in (np.int64(1), np.int32(1), np.uint8(1), tg.tensor(1)):
        assert tuple(x.unsqueeze(dim).shape) == (3, 1, 4)
        assert tuple(x.sum(dim).shape) == (3,)
    assert tuple(tg.ones(np.int64(2), 3).shape) == (2, 3)
    assert tuple(tg.ones(tg.tensor(2), 3).shape) == (2, 3)
    assert tuple(x.view(tg.tensor(12)).shape) == (12,)
    assert tuple(x.sum(dim=(0, tg.tensor([1]))).shape) == ()  # a one-element tensor inside an int list
    with pytest.raises(TypeError):
        x.unsqueeze(tg.tensor([1]))  # an int parameter takes a 0-d tensor only
    with pytest.raises(TypeError):
        x.unsqueeze(tg.tensor(True))  # a bool tensor is no int either
    with pytest.raises(TypeError):
        x.unsqueeze(np.bool_(True))


def test_zero_dim_tensors_are_floats_and_scalars():
    x = _x()
    assert tg.nn.functional.dropout(x, tg.tensor(0.0)).tolist() == x.tolist()
    assert tg.add(x, x, alpha=tg.tensor(2.0)).tolist() == (3 * x).tolist()
    with pytest.raises(TypeError, match="argument 'alpha'"):
        tg.add(x, x, alpha=tg.tensor([2.0]))
    with pytest.raises(TypeError, match="argument 'p'"):
        tg.nn.functional.dropout(x, tg.tensor(0.5, requires_grad=True))


# ----------------------------------------------------------------------------- None

@pytest.mark.parametrize("call, param", [
    (lambda x: tg.squeeze(x, dim=None), "dim"),
    (lambda x: x.squeeze(None), "dim"),
    (lambda x: tg.eye(4, None), "m"),
    (lambda x: tg.eye(4, m=None), "m"),
    (lambda x: tg.sum(x, 1, keepdim=None), "keepdim"),
    (lambda x: tg.full((2,), None), "fill_value"),
    (lambda x: tg.zeros(None), "size"),
    (lambda x: x.mul(None), "other"),
    (lambda x: tg.add(x, None), "other"),
    (lambda x: x.unsqueeze(None), "dim"),
])
def test_none_only_for_optional_parameters(call, param):
    with pytest.raises(TypeError, match=f"argument '{param}'.*NoneType"):
        call(_x())


def test_none_where_pytorch_takes_it():
    x = _x()
    assert tuple(tg.squeeze(tg.ones(3, 1)).shape) == (3,)  # omitted is fine
    assert tuple(tg.eye(4).shape) == (4, 4)
    assert x.sum(dim=None).item() == 66
    assert tuple(tg.amin(x, None).shape) == ()  # an int[] with default [] takes None (PyTorch's API shows None)
    assert tuple(tg.count_nonzero(x, None).shape) == ()
    assert tg.zeros(2, dtype=None, device=None).dtype == tg.float32
    assert tuple(tg.randn(2, generator=None).shape) == (2,)
    assert tg.softmax(x, 1, None).dtype == tg.float32


# ----------------------------------------------------------------------------- other types

def test_str_unknown_keyword_extra_positional():
    x = _x()
    with pytest.raises(TypeError, match=r"\[sum\] argument 'keepdim' \(position 2\) must be bool, not str"):
        x.sum(1, "a")
    with pytest.raises(TypeError, match=r"\[sum\] got an unexpected keyword argument 'no_such'"):
        x.sum(no_such=1)
    with pytest.raises(TypeError, match=r"\[unsqueeze\] takes 1 positional argument but 2 were given"):
        x.unsqueeze(0, 1)
    with pytest.raises(TypeError, match=r"multiple values for argument 'dim'"):
        x.unsqueeze(0, dim=1)


def test_int_overflow_errors_are_pytorchs():
    x = _x()
    with pytest.raises(ValueError, match="Overflow"):  # int parameter: ValueError (PyTorch 2.13)
        x.unsqueeze(2**63)
    with pytest.raises(TypeError, match="Overflow"):  # inside an int list: TypeError
        tg.empty(2**63)
    with pytest.raises(TypeError, match="Overflow"):
        x.sum(dim=[2**63])
    with pytest.raises(OverflowError):  # a Scalar: OverflowError
        tg.add(x, 2**64)


# ----------------------------------------------------------------------------- Tensor.to forms

def test_to_positional_forms():
    x = _x()
    y = x.to(tg.float64, True)  # (dtype, non_blocking)
    assert y.dtype == tg.float64
    c = x.to(tg.float32, False, True)  # (dtype, non_blocking, copy)
    assert c is not x and c.data_ptr() != x.data_ptr()
    assert x.to(x, True) is x  # (other, non_blocking)
    assert x.to(tg.ones(1, dtype=tg.int32), True, True).dtype == tg.int32
    assert x.to("cpu", tg.float64).dtype == tg.float64  # (device, dtype)
    assert x.to(tg.device("cpu"), tg.int32, True).dtype == tg.int32
    assert x.to("cpu", tg.float64, False, True).dtype == tg.float64
    assert x.to(None) is x and x.to() is x and x.to(dtype=None) is x
    assert x.to(device=None, dtype=tg.float64).dtype == tg.float64
    assert x.to(x, non_blocking=True) is x


@pytest.mark.parametrize("args, kwargs", [
    ((tg.float64, "cpu"), {}),  # no to(dtype, device)
    (("cpu", "cpu"), {}),
    ((1.5,), {}),  # deliberate: PyTorch makes a float64 tensor of the number and converts to float64
    ((tg.float64, 1), {}),  # non_blocking must be a bool
    ((), {"other": tg.ones(1)}),  # other= is positional only (as in PyTorch)
    ((tg.float64,), {"dtype": tg.float32}),
    ((), {"memory_format": None}),
])
def test_to_rejects_what_pytorch_rejects(args, kwargs):
    with pytest.raises(TypeError, match=r"\[to\] received an invalid combination of arguments"):
        _x().to(*args, **kwargs)


def test_to_int_is_a_cuda_index():
    if tg.cuda.is_available():
        pytest.skip("a GPU is present: x.to(0) works")
    with pytest.raises(RuntimeError, match="cuda"):
        _x().to(0)
