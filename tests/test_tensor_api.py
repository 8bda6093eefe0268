"""The PyTorch-style Python surface: factories, random numbers, tg.tensor, NumPy interop,
conversions, repr, operators, dtype and device objects, tg.ops metadata."""
import pickle

import numpy as np
import pytest

import tensorgen as tg


# ----------------------------------------------------------------------------- factories
def test_empty_zeros_ones_shapes_and_defaults():
    for make in (tg.empty, tg.zeros, tg.ones):
        assert make(2, 3).shape == (2, 3)
        assert make((2, 3)).shape == (2, 3)
        assert make([2, 3]).shape == (2, 3)
        assert make(()).shape == ()
        assert make(0).shape == (0,)
        assert make(2, 3).dtype == tg.float32
        assert make(4, dtype=tg.int16).dtype == tg.int16
        assert make(2, 3).is_contiguous()
    assert tg.zeros(2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert tg.ones(3, dtype=tg.bool).tolist() == [True, True, True]
    assert tg.empty(2, 3).device == tg.device("cpu")


@pytest.mark.parametrize("value, dtype", [(2, tg.int64), (2.0, tg.float32), (True, tg.bool), (-1, tg.int64)])
def test_full_infers_dtype_like_pytorch(value, dtype):
    x = tg.full((2, 2), value)
    assert x.dtype == dtype and x.tolist() == [[value, value], [value, value]]


def test_full_with_dtype():
    assert tg.full((2,), 2, dtype=tg.float64).tolist() == [2.0, 2.0]
    assert tg.full((2,), 2.7, dtype=tg.int32).tolist() == [2, 2]
    assert tg.full([], 5).shape == ()


def test_like_factories():
    src = tg.ones(2, 3, dtype=tg.int8)
    for r in (tg.zeros_like(src), tg.ones_like(src), tg.empty_like(src), tg.full_like(src, 7)):
        assert r.shape == (2, 3) and r.dtype == tg.int8
    assert tg.zeros_like(src).tolist() == [[0] * 3] * 2
    assert tg.ones_like(src, dtype=tg.float64).dtype == tg.float64
    assert tg.full_like(src, 7).tolist() == [[7] * 3] * 2
    assert tg.full_like(tg.ones(2, dtype=tg.int32), 7.5).tolist() == [7, 7]  # cast to the dtype of the input


@pytest.mark.parametrize("args, kwargs, expected, dtype", [
    ((5,), {}, [0, 1, 2, 3, 4], tg.int64),
    ((1, 4), {}, [1, 2, 3], tg.int64),
    ((1, 7, 2), {}, [1, 3, 5], tg.int64),
    ((10, 0, -3), {}, [10, 7, 4, 1], tg.int64),
    ((0, 1, 0.25), {}, [0.0, 0.25, 0.5, 0.75], tg.float32),
    ((0.0, 3), {}, [0.0, 1.0, 2.0], tg.float32),
    ((5.0,), {}, [0.0, 1.0, 2.0, 3.0, 4.0], tg.float32),
    ((3,), {"dtype": tg.float64}, [0.0, 1.0, 2.0], tg.float64),
    ((), {"end": 3}, [0, 1, 2], tg.int64),
    ((0, 0), {}, [], tg.int64),
])
def test_arange(args, kwargs, expected, dtype):
    x = tg.arange(*args, **kwargs)
    assert x.dtype == dtype and x.tolist() == expected


def test_arange_errors():
    with pytest.raises(RuntimeError):
        tg.arange(0, 5, 0)
    with pytest.raises(RuntimeError):
        tg.arange(5, 0)
    with pytest.raises(RuntimeError):
        tg.arange(0, float("inf"))


def test_linspace():
    x = tg.linspace(0, 1, 5)
    assert x.dtype == tg.float32 and x.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.linspace(-1, 1, 1).tolist() == [-1.0]
    assert tg.linspace(0, 1, 0).shape == (0,)
    assert tg.linspace(0, 10, 5, dtype=tg.float64).tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]
    np.testing.assert_allclose(tg.linspace(-3, 7, 101).numpy(), np.linspace(-3, 7, 101, dtype=np.float32), rtol=1e-6,
                               atol=1e-6)
    with pytest.raises(RuntimeError):
        tg.linspace(0, 1, -1)


def test_eye():
    assert tg.eye(3).tolist() == np.eye(3).tolist() and tg.eye(3).dtype == tg.float32
    assert tg.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert tg.eye(2, dtype=tg.int64).tolist() == [[1, 0], [0, 1]]
    assert tg.eye(0).shape == (0, 0)
    with pytest.raises(RuntimeError):
        tg.eye(-1)


# ----------------------------------------------------------------------------- random
@pytest.mark.parametrize("make", [
    lambda: tg.rand(4, 5), lambda: tg.randn(3, 7), lambda: tg.randint(0, 10, (6,)), lambda: tg.randperm(9),
    lambda: tg.rand(3, dtype=tg.float64), lambda: tg.randn(4, dtype=tg.float16),
])
def test_random_is_reproducible_with_manual_seed(make):
    tg.manual_seed(1234)
    a = make()
    b = make()
    tg.manual_seed(1234)
    c = make()
    assert tg.equal(a, c)
    assert not tg.equal(a, b) or a.numel() <= 1


def test_rand_shapes_dtypes_and_range():
    tg.manual_seed(0)
    x = tg.rand(1000)
    assert x.shape == (1000,) and x.dtype == tg.float32
    v = x.numpy()
    assert v.min() >= 0.0 and v.max() < 1.0 and 0.4 < v.mean() < 0.6
    assert tg.rand(2, 3, dtype=tg.float64).dtype == tg.float64
    assert tg.rand((2, 3)).shape == (2, 3)
    b = tg.rand(100, dtype=tg.bfloat16).float().numpy()
    assert b.min() >= 0.0 and b.max() <= 1.0
    with pytest.raises(RuntimeError):  # NotImplementedError is a RuntimeError, as in PyTorch
        tg.rand(2, dtype=tg.int64)


def test_randn_statistics():
    tg.manual_seed(0)
    v = tg.randn(20000).numpy()
    assert abs(v.mean()) < 0.05 and abs(v.std() - 1.0) < 0.05
    assert tg.randn(2, 3).shape == (2, 3)


def test_randint_range_and_dtype():
    tg.manual_seed(0)
    x = tg.randint(3, 7, (2000,))
    assert x.dtype == tg.int64
    v = x.numpy()
    assert v.min() == 3 and v.max() == 6
    assert set(np.unique(v).tolist()) == {3, 4, 5, 6}
    y = tg.randint(10, (3, 4))  # randint(high, size)
    assert y.shape == (3, 4) and y.numpy().min() >= 0 and y.numpy().max() < 10
    assert tg.randint(0, 5, (3,), dtype=tg.int32).dtype == tg.int32
    assert tg.randint(0, 2, (50,), dtype=tg.bool).dtype == tg.bool
    with pytest.raises(RuntimeError):
        tg.randint(5, 3, (3,))


def test_randperm():
    tg.manual_seed(0)
    p = tg.randperm(100)
    assert p.dtype == tg.int64
    assert sorted(p.tolist()) == list(range(100))
    assert p.tolist() != list(range(100))
    assert tg.randperm(0).shape == (0,)
    assert tg.randperm(5, dtype=tg.int32).dtype == tg.int32


# ----------------------------------------------------------------------------- tg.tensor
@pytest.mark.parametrize("data, dtype, shape", [
    ([[1, 2], [3, 4]], tg.int64, (2, 2)),
    ([1, 2.5], tg.float32, (2,)),
    ([True, False], tg.bool, (2,)),
    ([True, 1], tg.int64, (2,)),
    (3, tg.int64, ()),
    (3.5, tg.float32, ()),
    (True, tg.bool, ()),
    ([], tg.float32, (0,)),
    ([[], []], tg.float32, (2, 0)),
    (((1, 2), (3, 4)), tg.int64, (2, 2)),
    (np.arange(3, dtype=np.int16), tg.int16, (3,)),
    (np.arange(3.0), tg.float64, (3,)),
    (np.float64(2.5), tg.float64, ()),
    (np.array([True]), tg.bool, (1,)),
    (np.ones((2, 3), dtype=np.float16), tg.float16, (2, 3)),
])
def test_tensor_infers_dtype(data, dtype, shape):
    x = tg.tensor(data)
    assert x.dtype == dtype and x.shape == shape


def test_tensor_values_and_explicit_dtype():
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert tg.tensor([1.5, 2], dtype=tg.float64).tolist() == [1.5, 2.0]
    assert tg.tensor([1.7, -1.7], dtype=tg.int64).tolist() == [1, -1]
    assert tg.tensor([1, 2], dtype=tg.bfloat16).tolist() == [1.0, 2.0]
    assert tg.tensor([tg.tensor(1.0), tg.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_tensor_copies_its_input():
    a = np.arange(3)
    x = tg.tensor(a)
    a[0] = 100
    assert x[0].item() == 0
    y = tg.tensor(x)
    y[1] = 50
    assert x[1].item() == 1


def test_tensor_bad_input():
    with pytest.raises(ValueError):
        tg.tensor([[1, 2], [3]])  # ragged
    with pytest.raises(ValueError):
        tg.tensor([[1, 2], 3])
    with pytest.raises(TypeError):
        tg.tensor("abc")
    with pytest.raises(TypeError):
        tg.tensor(None)


# ----------------------------------------------------------------------------- NumPy interop
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = tg.from_numpy(a)
    assert t.dtype == tg.float64 and t.shape == (2, 3)
    a[0, 0] = 100
    assert t[0, 0].item() == 100
    t[1, 2] = -1
    assert a[1, 2] == -1
    t.add_(1)
    assert a[0, 0] == 101


def test_from_numpy_keeps_strides_and_outlives_the_array():
    a = np.ones((3, 4), dtype=np.int32)[:, ::2]
    t = tg.from_numpy(a)
    assert t.stride() == (4, 2)
    b = np.arange(4, dtype=np.int32)
    tb = tg.from_numpy(b)
    del b
    assert tb.tolist() == [0, 1, 2, 3]


def test_from_numpy_rejects_unsupported_arrays():
    with pytest.raises(TypeError):
        tg.from_numpy(np.ones(3, dtype=np.complex64))
    with pytest.raises(TypeError):
        tg.from_numpy(np.ones(3, dtype=np.uint16))
    with pytest.raises(ValueError):
        tg.from_numpy(np.ones(3)[::-1])


def test_numpy_shares_memory():
    x = tg.arange(0, 6).view(2, 3)
    n = x.numpy()
    assert n.dtype == np.int64 and n.shape == (2, 3)
    n[0, 1] = 42
    assert x[0, 1].item() == 42
    x[1, 0] = 7
    assert n[1, 0] == 7
    m = x.t().numpy()  # a view keeps its strides
    assert m.strides == (8, 24) and np.shares_memory(m, n)
    assert np.asarray(tg.ones(2, dtype=tg.int8)).dtype == np.int8
    with pytest.raises(TypeError):
        tg.ones(2, dtype=tg.bfloat16).numpy()


# ----------------------------------------------------------------------------- item, tolist
def test_item():
    assert tg.tensor(1.5).item() == 1.5 and isinstance(tg.tensor(1.5).item(), float)
    assert tg.tensor([3]).item() == 3 and isinstance(tg.tensor([3]).item(), int)
    assert tg.tensor([[True]]).item() is True
    assert tg.tensor(7, dtype=tg.int8).item() == 7
    assert tg.tensor(1.5, dtype=tg.float16).item() == 1.5
    assert tg.tensor(1.5, dtype=tg.bfloat16).item() == 1.5


def test_tolist_and_python_conversions():
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert tg.tensor(2.5).tolist() == 2.5
    assert tg.tensor([1.5], dtype=tg.bfloat16).tolist() == [1.5]
    assert tg.tensor([True, False]).tolist() == [True, False]
    assert float(tg.tensor(2.5)) == 2.5 and int(tg.tensor(3)) == 3 and bool(tg.tensor([1]))
    assert [10, 20, 30][tg.tensor(1)] == 20
    assert [t.item() for t in tg.tensor([4, 5])] == [4, 5]
    assert len(tg.ones(3, 2)) == 3
    with pytest.raises(RuntimeError):
        bool(tg.tensor([1, 2]))


def test_pickle_round_trip():
    for dtype in (tg.float32, tg.int8, tg.bool, tg.bfloat16):
        x = tg.tensor([1, 0], dtype=dtype)
        y = pickle.loads(pickle.dumps(x))
        assert y.dtype == dtype and tg.equal(x, y)


# ----------------------------------------------------------------------------- repr
@pytest.mark.parametrize("make, expected", [
    (lambda: tg.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: tg.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    (lambda: tg.tensor(3.5), "tensor(3.5000)"),
    (lambda: tg.tensor(3), "tensor(3)"),
    (lambda: tg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tg.tensor(True), "tensor(True)"),
    (lambda: tg.tensor([1.0, 2.0], dtype=tg.float64), "tensor([1., 2.], dtype=tensorgen.float64)"),
    (lambda: tg.tensor([1, 2], dtype=tg.int32), "tensor([1, 2], dtype=tensorgen.int32)"),
    (lambda: tg.tensor([1.5, 2], dtype=tg.float16), "tensor([1.5000, 2.0000], dtype=tensorgen.float16)"),
    (lambda: tg.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: tg.zeros(0), "tensor([])"),
    (lambda: tg.zeros(0, dtype=tg.int64), "tensor([], dtype=tensorgen.int64)"),
    (lambda: tg.tensor([-1.0, 2.0]), "tensor([-1.,  2.])"),
    (lambda: tg.tensor([[-1.5, 2.0], [3, 4]]), "tensor([[-1.5000,  2.0000],\n        [ 3.0000,  4.0000]])"),
    (lambda: tg.tensor([[1, -10], [100, 3]]), "tensor([[  1, -10],\n        [100,   3]])"),
    (lambda: tg.tensor([1.123456789]), "tensor([1.1235])"),
    (lambda: tg.tensor([0.001, 1000.0]), "tensor([1.0000e-03, 1.0000e+03])"),
    (lambda: tg.tensor([1.0, 10000.0]), "tensor([1.0000e+00, 1.0000e+04])"),
    (lambda: tg.tensor([float("nan"), 1.0, float("inf")]), "tensor([nan, 1., inf])"),
    (lambda: tg.tensor([float("nan"), 1.5]), "tensor([   nan, 1.5000])"),
    (lambda: tg.zeros(2, 1, 2), "tensor([[[0., 0.]],\n\n        [[0., 0.]]])"),
])
def test_repr_like_pytorch(make, expected):
    assert repr(make()) == expected
    assert str(make()) == expected


def test_repr_wraps_long_rows_at_80_columns():
    assert repr(tg.arange(0, 30.0)) == (
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
        "        28., 29.])")
    assert repr(tg.arange(0, 40).view(2, 20)) == (
        "tensor([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        "         18, 19],\n"
        "        [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,\n"
        "         38, 39]])")


def test_repr_summarizes_large_tensors():
    r = repr(tg.arange(2000))
    assert r == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"


# ----------------------------------------------------------------------------- conversions
def test_to_dtype():
    x = tg.tensor([1.7, -1.7])
    assert x.to(tg.int64).tolist() == [1, -1]
    assert x.to(dtype=tg.float64).dtype == tg.float64
    assert x.to(tg.float32) is x  # no-op conversion returns self, like PyTorch
    c = x.to(tg.float32, copy=True)
    assert c is not x and c.data_ptr() != x.data_ptr()
    assert x.to("cpu") is x
    assert x.to(tg.ones(1, dtype=tg.int8)).dtype == tg.int8
    with pytest.raises(TypeError):
        x.to(3.0)  # an int is a CUDA device index (x.to(3) is cuda:3), as in PyTorch; a float is nothing
    with pytest.raises(TypeError):
        x.to(tg.float64, "cpu")  # PyTorch has no to(dtype, device)


@pytest.mark.parametrize("method, dtype", [
    ("float", tg.float32), ("double", tg.float64), ("half", tg.float16), ("bfloat16", tg.bfloat16),
    ("long", tg.int64), ("int", tg.int32), ("short", tg.int16), ("char", tg.int8), ("byte", tg.uint8),
    ("bool", tg.bool),
])
def test_conversion_methods(method, dtype):
    x = getattr(tg.tensor([0.0, 1.7, 2.0]), method)()
    assert x.dtype == dtype
    expected = {tg.bool: [False, True, True]}.get(dtype)
    if expected is None:
        expected = [0, 1, 2] if not dtype.is_floating_point else None
    if expected is not None:
        assert x.tolist() == expected


def test_type_names():
    assert tg.ones(1).type() == "tensorgen.FloatTensor"
    assert tg.ones(1, dtype=tg.int64).type() == "tensorgen.LongTensor"
    assert tg.ones(1).type(tg.float64).dtype == tg.float64


# ----------------------------------------------------------------------------- operators
def test_arithmetic_operators():
    a, b = tg.tensor([4.0, 9.0]), tg.tensor([2.0, 3.0])
    assert (a + b).tolist() == [6.0, 12.0]
    assert (a - b).tolist() == [2.0, 6.0]
    assert (a * b).tolist() == [8.0, 27.0]
    assert (a / b).tolist() == [2.0, 3.0]
    assert (a ** b).tolist() == [16.0, 729.0]
    assert (a // b).tolist() == [2.0, 3.0]
    assert (-a).tolist() == [-4.0, -9.0]
    assert abs(-a).tolist() == [4.0, 9.0]
    assert (1 + a).tolist() == [5.0, 10.0] and (1 - a).tolist() == [-3.0, -8.0]
    assert (2 * a).tolist() == [8.0, 18.0] and (36 / a).tolist() == [9.0, 4.0]
    assert (2 ** b).tolist() == [4.0, 8.0] and (19 // a).tolist() == [4.0, 2.0]


def test_matmul_operator():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = tg.tensor([1.0, 1.0])
    assert (a @ a).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert (a @ v).tolist() == [3.0, 7.0]
    assert (v @ a).tolist() == [4.0, 6.0]
    assert (v @ v).item() == 2.0
    with pytest.raises(TypeError):
        a @ 2
    with pytest.raises(TypeError):
        2 @ a


def test_comparison_operators():
    a, b = tg.tensor([1, 2, 3]), tg.tensor([3, 2, 1])
    assert (a == b).tolist() == [False, True, False]
    assert (a != b).tolist() == [True, False, True]
    assert (a < b).tolist() == [True, False, False]
    assert (a <= b).tolist() == [True, True, False]
    assert (a > b).tolist() == [False, False, True]
    assert (a >= b).tolist() == [False, True, True]
    assert (a == 2).tolist() == [False, True, False]
    assert (2 < a).tolist() == [False, False, True]


def test_bool_operators():
    m, n = tg.tensor([True, False]), tg.tensor([True, True])
    assert (m & n).tolist() == [True, False]
    assert (m | n).tolist() == [True, True]
    assert (~m).tolist() == [False, True]


def test_integer_bitwise_and_modulo_operators():
    """& | ^ ~ << >> % // are bitwise_*, remainder and floor_divide (Python's signs and rounding),
    with their reflected and in-place forms."""
    a = tg.tensor([-7, 5, 12])
    assert (a & 3).tolist() == [1, 1, 0] and (3 & a).tolist() == [1, 1, 0]
    assert (a | 8).tolist() == [-7, 13, 12] and (a ^ 1).tolist() == [-8, 4, 13] and (~a).tolist() == [6, -6, -13]
    assert (a << 1).tolist() == [-14, 10, 24] and (1 << tg.tensor([0, 3])).tolist() == [1, 8]
    assert (a >> 1).tolist() == [-4, 2, 6] and (64 >> tg.tensor([1, 3])).tolist() == [32, 8]
    assert (a % 3).tolist() == [-7 % 3, 5 % 3, 12 % 3] and (a % -3).tolist() == [-7 % -3, 5 % -3, 12 % -3]
    assert (20 % a).tolist() == [20 % -7, 0, 8] and (a // 2).tolist() == [-4, 2, 6] and (20 // a).tolist() == [-3, 4, 1]
    f = tg.tensor([1.5, -2.5])
    assert (f % 2).tolist() == [1.5, 1.5] and (-5.5 % f).tolist() == [0.5, -0.5] and (f // 2).tolist() == [0.0, -2.0]
    b = a.clone()
    ptr = b.data_ptr()
    b ^= 1
    b %= 4
    b <<= 2
    b >>= 1
    b //= 2
    b &= 3
    b |= 4
    assert b.tolist() == [4, 4, 5] and b.data_ptr() == ptr
    # bitwise operators on floating tensors: not implemented (a RuntimeError, as in PyTorch)
    for expr in (lambda: f & 1, lambda: ~f, lambda: f << 1, lambda: a | 1.5):
        with pytest.raises(NotImplementedError, match=r"^\[bitwise_"):
            expr()
    with pytest.raises(TypeError):
        a & "x"


def test_inplace_operators_preserve_identity():
    x = tg.tensor([1.0, 2.0])
    y = x
    ptr = x.data_ptr()
    x += 1
    x -= 0.5
    x *= 2
    x /= 4
    assert y is x and x.data_ptr() == ptr
    assert x.tolist() == [0.75, 1.25]
    z = tg.ones(2)
    assert z.add_(z) is z
    assert z.mul_(3) is z and z.tolist() == [6.0, 6.0]
    assert z.zero_() is z and z.fill_(2) is z
    out = tg.empty(2)
    assert tg.add(z, 1, out=out) is out


def test_allclose_and_equal():
    a = tg.tensor([1.0, 2.0])
    assert tg.allclose(a, a + 1e-9) and a.allclose(a)
    assert not tg.allclose(a, a * 1.1)
    assert tg.allclose(a, a * 1.1, rtol=0.2)
    nan = tg.tensor([float("nan")])
    assert not tg.allclose(nan, nan) and tg.allclose(nan, nan, equal_nan=True)
    assert tg.equal(a, tg.tensor([1.0, 2.0])) and a.equal(a.clone())
    assert not tg.equal(a, tg.tensor([1.0, 3.0]))
    assert not tg.equal(a, tg.ones(3))


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.float16, tg.bfloat16, tg.int64, tg.int32])
def test_allclose_one_pass_matches_the_general_path_and_numpy(dtype):
    # Contiguous operands of one shape take the one-pass loop; a transposed pair the composite of
    # whole-tensor ops. Both must agree with NumPy's isclose in double, NaN and inf included.
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 257)) * 10
    if dtype.is_floating_point:
        a[3, 4], a[5, 6], a[7, 8] = np.nan, np.inf, -np.inf
    x = tg.tensor(a, dtype=dtype)
    ref_a = x.double().numpy()
    for scale, equal_nan in [(1.0, True), (1.0, False), (1 + 1e-6, True), (1.01, True)]:
        y = (x.double() * scale).to(dtype)
        ref_b = y.double().numpy()
        want = bool(np.all(np.isclose(ref_a, ref_b, rtol=1e-5, atol=1e-8, equal_nan=equal_nan)))
        assert tg.allclose(x, y, equal_nan=equal_nan) == want
        assert tg.allclose(x.t(), y.t(), equal_nan=equal_nan) == want


# ----------------------------------------------------------------------------- dtype, device, metadata
def test_dtype_objects():
    assert tg.float == tg.float32 and tg.double is tg.float64 and tg.half is tg.float16
    assert tg.long is tg.int64 and tg.int is tg.int32 and tg.short is tg.int16
    assert tg.float32.is_floating_point and tg.bfloat16.is_floating_point
    assert not tg.int32.is_floating_point and not tg.bool.is_floating_point
    assert tg.float32.itemsize == 4 and tg.int64.itemsize == 8 and tg.bool.itemsize == 1
    assert tg.int8.is_signed and not tg.uint8.is_signed
    assert str(tg.float32) == "tensorgen.float32" and repr(tg.int64) == "tensorgen.int64"
    assert len({tg.float32, tg.float, tg.float64}) == 2
    assert tg.ones(1).is_floating_point() and not tg.ones(1, dtype=tg.int8).is_floating_point()


def test_device_objects():
    cpu = tg.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None and str(cpu) == "cpu"
    assert repr(cpu) == "device(type='cpu')"
    assert tg.ones(1).device == cpu and tg.ones(1).device == "cpu"
    cuda1 = tg.device("cuda:1")
    assert cuda1.type == "cuda" and cuda1.index == 1 and cuda1 == tg.device("cuda", 1)
    assert repr(cuda1) == "device(type='cuda', index=1)"
    assert hash(tg.device("cpu")) == hash(cpu)
    with pytest.raises(RuntimeError):
        tg.device("tpu")


def test_positional_arguments_after_an_int_list():
    # int[] takes varargs only when it is the sole positional parameter (PyTorch's rule):
    # x.sum(0, True) is dim=0, keepdim=True, not dim=(0, 1)
    x = tg.ones(2, 3)
    assert x.sum(0, True).shape == (1, 3)
    assert x.mean(1, True).shape == (2, 1)
    assert x.view(3, 2).shape == (3, 2) and x.permute(1, 0).shape == (3, 2)
    assert tg.ones(2, 3).shape == (2, 3) and tg.rand(2, 3).shape == (2, 3)
    with pytest.raises(TypeError):
        tg.full(2, 3, 4)


def test_shape_and_size_api():
    x = tg.ones(2, 3)
    assert x.shape == (2, 3) and isinstance(x.shape, tg.Size) and repr(x.shape) == "tensorgen.Size([2, 3])"
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 6 and x.shape.numel() == 6
    assert x.element_size() == 4
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)


def test_ops_metadata():
    add = tg.ops.add
    assert add.schemas[0] == "add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"
    assert "add_(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)" in add.schemas
    assert any(s.startswith("add.out(") for s in add.schemas)
    assert add.kind == "pointwise" and set(add.variants) == {"function", "method", "inplace", "out", "cpp_method"}
    assert isinstance(add.tags, tuple)
    assert "pointwise" in tg.ops.div.tags
    assert tg.ops.sum.kind == "reduction"
    assert len(tg.ops.arange.schemas) == 2  # arange(end) and arange(start, end, step)


def test_import_does_not_load_numpy():
    """`import tensorgen` stays fast (DESIGN.md §9: <= 0.1 s) by importing NumPy only on first use
    (tg.tensor, repr, .numpy(), tg.testing, gradcheck). Structural check, not a timing."""
    import subprocess
    import sys
    code = ("import sys, tensorgen as tg\n"
            "assert 'numpy' not in sys.modules, 'numpy imported by tensorgen'\n"
            "x = tg.ones(3) + 1\n"
            "assert 'numpy' not in sys.modules\n"
            "print(tg.tensor([1.5, 2.0]).tolist(), tg.autograd.gradcheck.__name__, tg.testing.assert_close.__name__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[1.5, 2.0] gradcheck assert_close"
