"""PyTorch's type promotion: the promote_types table over the ten dtypes, Python numbers as
weak scalars, 0-d tensors, comparisons, true division, out= casting and in-place rules."""
import numpy as np
import pytest

import tensorgen as tg

DTYPES = [tg.bool, tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64, tg.float16, tg.bfloat16, tg.float32, tg.float64]
b, u8, i8, i16, i32, i64, f16, bf16, f32, f64 = DTYPES

# torch.promote_types(row, column), written out from PyTorch's table.
TABLE = [
    #      b     u8    i8    i16   i32   i64   f16   bf16  f32   f64
    [b,    u8,   i8,   i16,  i32,  i64,  f16,  bf16, f32,  f64],  # b
    [u8,   u8,   i16,  i16,  i32,  i64,  f16,  bf16, f32,  f64],  # u8
    [i8,   i16,  i8,   i16,  i32,  i64,  f16,  bf16, f32,  f64],  # i8
    [i16,  i16,  i16,  i16,  i32,  i64,  f16,  bf16, f32,  f64],  # i16
    [i32,  i32,  i32,  i32,  i32,  i64,  f16,  bf16, f32,  f64],  # i32
    [i64,  i64,  i64,  i64,  i64,  i64,  f16,  bf16, f32,  f64],  # i64
    [f16,  f16,  f16,  f16,  f16,  f16,  f16,  f32,  f32,  f64],  # f16
    [bf16, bf16, bf16, bf16, bf16, bf16, f32,  bf16, f32,  f64],  # bf16
    [f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f64],  # f32
    [f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64],  # f64
]

PAIRS = [(a, c, TABLE[i][j]) for i, a in enumerate(DTYPES) for j, c in enumerate(DTYPES)]


def name(d):
    return str(d).split(".")[-1]


@pytest.mark.parametrize("a, c, expected", PAIRS, ids=[f"{name(a)}-{name(c)}" for a, c, _ in PAIRS])
def test_promotion_table_tensor_pairs(a, c, expected):
    x, y = tg.ones(2, dtype=a), tg.ones(2, dtype=c)
    assert (x + y).dtype == expected
    assert tg.mul(x, y).dtype == expected
    assert tg.maximum(x, y).dtype == expected
    assert (x == y).dtype == tg.bool


def test_table_is_symmetric():
    for i in range(len(DTYPES)):
        for j in range(len(DTYPES)):
            assert TABLE[i][j] == TABLE[j][i]


def test_values_are_computed_in_the_promoted_dtype():
    # uint8 + int8 -> int16: no wrap-around at 8 bits
    r = tg.tensor([200], dtype=tg.uint8) + tg.tensor([-100], dtype=tg.int8)
    assert r.dtype == tg.int16 and r.tolist() == [100]
    # same dtype: wraps like PyTorch (two's complement)
    assert (tg.tensor([100], dtype=tg.int8) + tg.tensor([100], dtype=tg.int8)).tolist() == [-56]
    # int64 + float16 -> float16
    r = tg.tensor([3]) + tg.tensor([0.5], dtype=tg.float16)
    assert r.dtype == tg.float16 and r.tolist() == [3.5]
    # float16 + bfloat16 -> float32
    r = tg.tensor([1.5], dtype=tg.float16) * tg.tensor([2.0], dtype=tg.bfloat16)
    assert r.dtype == tg.float32 and r.tolist() == [3.0]


# ----------------------------------------------------------------------------- weak Python scalars
@pytest.mark.parametrize("dtype, scalar, expected", [
    (tg.int32, 2.5, tg.float32),
    (tg.int64, 2.0, tg.float32),
    (tg.uint8, 1000, tg.uint8),
    (tg.int8, 2, tg.int8),
    (tg.int16, True, tg.int16),
    (tg.bool, 1, tg.int64),
    (tg.bool, True, tg.bool),
    (tg.bool, 1.5, tg.float32),
    (tg.float16, 1.0, tg.float16),
    (tg.float16, 1, tg.float16),
    (tg.bfloat16, 2.5, tg.bfloat16),
    (tg.float64, 2.5, tg.float64),
    (tg.float32, 10**6, tg.float32),
])
def test_python_scalars_are_weak(dtype, scalar, expected):
    x = tg.ones(3, dtype=dtype)
    assert (x + scalar).dtype == expected
    assert (scalar + x).dtype == expected
    assert (x * scalar).dtype == expected


def test_weak_scalar_values():
    assert (tg.ones(2, dtype=tg.uint8) + 1000).tolist() == [233, 233]  # 1001 mod 256
    assert (tg.ones(2, dtype=tg.uint8) - 2).tolist() == [255, 255]
    assert (tg.tensor([1, 2], dtype=tg.int32) + 2.5).tolist() == [3.5, 4.5]
    assert (tg.tensor([True, False]) + 1).tolist() == [2, 1]
    assert (2 - tg.tensor([5], dtype=tg.int16)).tolist() == [-3]


def test_numpy_scalars_count_as_python_numbers():
    assert (tg.ones(2, dtype=tg.int32) + np.float64(2.5)).dtype == tg.float32
    assert (tg.ones(2, dtype=tg.int32) + np.int64(2)).dtype == tg.int32


# ----------------------------------------------------------------------------- 0-d tensors
@pytest.mark.parametrize("dim_dtype, zero_dtype, expected", [
    (tg.int32, tg.int64, tg.int32),      # same category: the dim tensor wins
    (tg.uint8, tg.int8, tg.uint8),
    (tg.float16, tg.float64, tg.float16),
    (tg.bfloat16, tg.float32, tg.bfloat16),
    (tg.int32, tg.float64, tg.float64),  # higher category: the 0-d tensor's own dtype
    (tg.int8, tg.float16, tg.float16),
    (tg.uint8, tg.float32, tg.float32),
    (tg.bool, tg.int32, tg.int32),
    (tg.bool, tg.uint8, tg.uint8),
    (tg.float32, tg.bool, tg.float32),
])
def test_zero_dim_tensors(dim_dtype, zero_dtype, expected):
    x = tg.ones(2, dtype=dim_dtype)
    z = tg.ones((), dtype=zero_dtype)
    assert (x + z).dtype == expected
    assert (z + x).dtype == expected


def test_zero_dim_with_zero_dim_and_scalars():
    assert (tg.tensor(5, dtype=tg.int8) + tg.tensor(5, dtype=tg.int16)).dtype == tg.int16
    assert (tg.tensor(5, dtype=tg.int8) + 2.5).dtype == tg.float32
    assert (tg.tensor(5, dtype=tg.int16) + 5).dtype == tg.int16
    assert (tg.tensor(5.0, dtype=tg.float64) + 2.5).dtype == tg.float64
    # a 0-d result of a reduction is a 0-d tensor, not a weak scalar
    assert (tg.ones(2, dtype=tg.int32) + tg.ones(2, dtype=tg.int64).sum()).dtype == tg.int32


# ----------------------------------------------------------------------------- op-specific rules
def test_comparisons_give_bool_and_compare_in_the_common_dtype():
    x = tg.tensor([2], dtype=tg.int32)
    for r in (x < 2.5, x <= 2, x > 1.5, x >= 2, x == 2.0, x != 2.5):
        assert r.dtype == tg.bool and r.tolist() == [True]
    assert (x < 2.5).tolist() == [True]  # 2 < 2.5 in float (in int it would be 2 < 2)
    assert (tg.ones(2, dtype=tg.uint8) == tg.ones(2, dtype=tg.float64)).dtype == tg.bool


def test_true_division_of_integers_gives_float():
    r = tg.tensor([1, 2]) / tg.tensor([2, 2])
    assert r.dtype == tg.float32 and r.tolist() == [0.5, 1.0]
    assert (tg.tensor([1, 2], dtype=tg.int32) / 2).dtype == tg.float32
    assert (tg.tensor([True]) / tg.tensor([True])).dtype == tg.float32
    assert (tg.tensor([1, 2], dtype=tg.int8) / tg.tensor(2.0, dtype=tg.float64)).dtype == tg.float64
    assert (tg.tensor([1.0], dtype=tg.float64) / 2).dtype == tg.float64
    assert (tg.tensor([1.0], dtype=tg.float16) / 2).dtype == tg.float16
    assert tg.true_divide(tg.tensor([3]), tg.tensor([2])).tolist() == [1.5]


def test_floor_division_and_pow_keep_integers():
    r = tg.tensor([7, -7]) // 2
    assert r.dtype == tg.int64 and r.tolist() == [3, -4]
    assert tg.div(tg.tensor([7, -7]), 2, rounding_mode="trunc").tolist() == [3, -3]
    assert (tg.tensor([3], dtype=tg.int32) ** 2).dtype == tg.int32
    r = tg.tensor([4], dtype=tg.int32) ** 0.5
    assert r.dtype == tg.float32 and r.tolist() == [2.0]
    assert (2.5 ** tg.ones(2, dtype=tg.int32)).dtype == tg.float32


def test_unary_float_ops_promote_integers():
    assert tg.exp(tg.ones(2, dtype=tg.int64)).dtype == tg.float32
    assert tg.sqrt(tg.tensor([4], dtype=tg.uint8)).tolist() == [2.0]
    assert tg.sigmoid(tg.ones(2, dtype=tg.bool)).dtype == tg.float32
    assert tg.exp(tg.ones(2, dtype=tg.float64)).dtype == tg.float64
    assert tg.neg(tg.ones(2, dtype=tg.int8)).dtype == tg.int8


def test_reduction_dtypes():
    assert tg.ones(2, dtype=tg.int32).sum().dtype == tg.int64
    assert tg.ones(2, dtype=tg.bool).sum().dtype == tg.int64
    assert tg.ones(2, dtype=tg.uint8).sum().dtype == tg.int64
    assert tg.ones(2, dtype=tg.float16).sum().dtype == tg.float16
    assert tg.ones(2, dtype=tg.int8).prod().dtype == tg.int64
    assert tg.ones(2, dtype=tg.int32).sum(dtype=tg.float64).dtype == tg.float64
    assert tg.ones(2, dtype=tg.int32).max().dtype == tg.int32
    assert tg.ones(2).argmax().dtype == tg.int64
    assert tg.ones(2, dtype=tg.int64).mean(dtype=tg.float64).dtype == tg.float64
    with pytest.raises(RuntimeError):
        tg.ones(2, dtype=tg.int64).mean()


def test_where_promotes_like_a_binary_op():
    c = tg.tensor([True, False])
    assert tg.where(c, tg.tensor([1, 2]), tg.tensor([1.5, 2.5])).dtype == tg.float32
    assert tg.where(c, tg.tensor([1, 2], dtype=tg.int8), 2.5).dtype == tg.float32
    assert tg.where(c, tg.tensor([1, 2], dtype=tg.int8), 0).dtype == tg.int8
    assert tg.where(c, tg.tensor([1, 2], dtype=tg.int8), 0).tolist() == [1, 0]
    # Python numbers on both sides, like torch.where(c, 1, 0)
    r = tg.where(c, 1, 0)
    assert r.dtype == tg.int64 and r.tolist() == [1, 0]
    assert tg.where(c, 1.5, 0).dtype == tg.float32
    assert tg.where(c, 2, tg.tensor([1, 2], dtype=tg.int8)).dtype == tg.int8


def test_clamp_with_python_numbers():
    assert tg.clamp(tg.tensor([1, 5, 9]), 2, 7).tolist() == [2, 5, 7]
    assert tg.clamp(tg.tensor([1, 5, 9]), 2, 7).dtype == tg.int64
    assert tg.clamp(tg.tensor([1, 5, 9]), 2.5).dtype == tg.float32
    assert tg.tensor([1.0, 5.0]).clamp(max=tg.tensor([0.0, 10.0])).tolist() == [0.0, 5.0]


# ----------------------------------------------------------------------------- out=
def test_out_float_result_into_int_raises():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        tg.add(tg.ones(2), tg.ones(2), out=tg.empty(2, dtype=tg.int64))
    with pytest.raises(RuntimeError):
        tg.div(tg.tensor([1]), tg.tensor([2]), out=tg.empty(1, dtype=tg.int64))
    with pytest.raises(RuntimeError):
        tg.exp(tg.ones(2, dtype=tg.int64), out=tg.empty(2, dtype=tg.int64))


def test_out_to_a_lower_category_raises():
    with pytest.raises(RuntimeError):
        tg.add(tg.ones(2, dtype=tg.int32), 1, out=tg.empty(2, dtype=tg.bool))
    with pytest.raises(RuntimeError):
        tg.mul(tg.ones(2), 2, out=tg.empty(2, dtype=tg.bool))


def test_out_int_result_into_float_is_fine():
    out = tg.empty(2)
    r = tg.add(tg.tensor([1, 2]), tg.tensor([3, 4]), out=out)
    assert r is out and out.dtype == tg.float32 and out.tolist() == [4.0, 6.0]
    out64 = tg.empty(2, dtype=tg.float64)
    assert tg.mul(tg.tensor([2, 3], dtype=tg.int8), 2, out=out64).tolist() == [4.0, 6.0]


def test_out_same_category_narrower_is_fine():
    out = tg.empty(2, dtype=tg.int8)
    tg.add(tg.tensor([100, 200]), 1, out=out)  # int64 -> int8 wraps, like PyTorch
    assert out.tolist() == [101, -55]
    outb = tg.empty(2, dtype=tg.float32)
    tg.eq(tg.tensor([1, 2]), 1, out=outb)  # bool result into float out
    assert outb.tolist() == [1.0, 0.0]
    out16 = tg.empty(1, dtype=tg.float16)
    tg.add(tg.tensor([1.5], dtype=tg.float64), 1, out=out16)
    assert out16.tolist() == [2.5]


# ----------------------------------------------------------------------------- in-place
def test_inplace_cannot_change_category():
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.ones(2, dtype=tg.int64).add_(1.5)
    with pytest.raises(RuntimeError):
        tg.ones(2, dtype=tg.int64).add_(tg.ones(2))
    with pytest.raises(RuntimeError):
        tg.ones(2, dtype=tg.int64).div_(2)
    with pytest.raises(RuntimeError):
        tg.ones(2, dtype=tg.int64).mul_(2.0)
    with pytest.raises(RuntimeError):
        tg.ones(2, dtype=tg.bool).add_(1)
    with pytest.raises(RuntimeError):
        tg.ones(2, dtype=tg.int32).sqrt_()
    x = tg.ones(2, dtype=tg.int32)
    with pytest.raises(RuntimeError):
        x /= 2
    assert x.tolist() == [1, 1]  # untouched by the failed op


def test_inplace_keeps_self_dtype():
    x = tg.ones(2, dtype=tg.float32)
    x.add_(tg.tensor([0.5, 1.5], dtype=tg.float64))
    assert x.dtype == tg.float32 and x.tolist() == [1.5, 2.5]
    u = tg.ones(2, dtype=tg.uint8)
    u.add_(300)
    assert u.dtype == tg.uint8 and u.tolist() == [45, 45]
    i = tg.tensor([5], dtype=tg.int8)
    i.mul_(tg.tensor(3))  # 0-d int64 -> int8 result
    assert i.dtype == tg.int8 and i.tolist() == [15]
    f = tg.tensor([1.0, 2.0])
    f.mul_(tg.tensor([2, 3]))
    assert f.dtype == tg.float32 and f.tolist() == [2.0, 6.0]
    e = tg.tensor([1.0, 2.0])
    e.eq_(1)  # comparison in place keeps self's dtype
    assert e.dtype == tg.float32 and e.tolist() == [1.0, 0.0]


# A Python number in a pointwise op of two tensors reaches the op already converted to the
# result dtype (ParsedArgs::tensor_promoted_with): the same bits and dtype as the number given
# as a 0-d tensor of that dtype (the conversion the TensorIterator made before), in every dtype.
NUMBERS = [2.5, 0.1, -3.7, 1e10, float("nan"), -3, 1000, 2 ** 40, True]
NUMBER_OPS = ["add", "sub", "mul", "maximum", "minimum", "clamp_min", "eq", "lt", "ge", "fmod", "remainder"]


def natural_tensor(v):
    """v as the 0-d tensor of its own dtype: float64, int64 or bool."""
    return tg.tensor(v, dtype=tg.bool if isinstance(v, bool) else tg.int64 if isinstance(v, int) else tg.float64)


def raw_bytes(t):
    return (t.float() if t.dtype == bf16 else t).numpy().tobytes()  # bfloat16 -> float32 is exact


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_python_numbers_give_the_bits_of_their_converted_tensor(dtype):
    x = tg.from_numpy(np.array([-2.5, -1, 0, 0.5, 3, 7.25, 100, 1e4]) % (2 if dtype == b else 1e9)).to(dtype)
    checked = 0
    for v in NUMBERS:
        converted = natural_tensor(v).to(tg.result_type(x, v))
        for op in NUMBER_OPS:
            try:
                want = getattr(tg, op)(x, converted)
            except (RuntimeError, TypeError, ZeroDivisionError):
                with pytest.raises(Exception):
                    getattr(tg, op)(x, v)
                continue
            got = getattr(tg, op)(x, v)
            assert got.dtype == want.dtype, (op, v)
            assert raw_bytes(got) == raw_bytes(want), (op, v, got, want)
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize("dtype", [f16, bf16, f32, i32, u8], ids=name)
def test_python_numbers_in_place_and_out_match_their_converted_tensor(dtype):
    base = tg.arange(8).to(dtype)
    for v in (0.3, 3, 300):
        r = tg.result_type(base, v)
        converted = natural_tensor(v).to(r)
        if r == dtype:  # in place: the result must be self's dtype
            a, c = base.clone(), base.clone()
            a.mul_(v), c.mul_(converted)
            assert raw_bytes(a) == raw_bytes(c), v
        out1, out2 = tg.empty(8, dtype=r), tg.empty(8, dtype=r)
        tg.add(base, v, out=out1), tg.add(base, converted, out=out2)
        assert raw_bytes(out1) == raw_bytes(out2), v


def test_python_numbers_while_autograd_records_take_the_full_precision_path():
    # With a graph to record, the number stays a float64 0-d tensor (a derivative formula may
    # compute with it); the forward values are the same bits either way.
    x = tg.tensor([0.7, 1.3, 2.9], dtype=tg.float16)
    y = x.clone().requires_grad_()
    assert tg.pow(y, 0.1).detach().numpy().tobytes() == tg.pow(x, 0.1).numpy().tobytes()
    (tg.pow(y, 0.1) * 1).sum().backward()
    assert y.grad is not None and y.grad.dtype == tg.float16
