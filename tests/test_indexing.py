"""Advanced indexing (x[idx], x[mask], x[idx] = v) against NumPy's result for the same expression,
index_put_ with accumulate, and the PyTorch-tutorial idioms built on gather/scatter/masks."""
import numpy as np
import pytest

import tensorgen as tg
from tensorgen.testing._utils import to_numpy
from _threads import num_threads, results_for_threads  # tests/ is on sys.path under pytest

X_SHAPE = (4, 5, 6)
RNG = np.random.default_rng(0)
MASK01 = RNG.random((4, 5)) < 0.5      # a mask over dims 0 and 1
MASK1 = np.array([True, False, True, True, False])   # over dim 1
MASK3 = RNG.random(X_SHAPE) < 0.3      # over every dim
MASK2 = np.array([False, True, False, False, True, True])  # over dim 2


def _np(v):
    return np.asarray(v, dtype=np.int64) if not isinstance(v, np.ndarray) else v


def _tg(v):
    return tg.tensor(np.asarray(v)) if not isinstance(v, np.ndarray) else tg.tensor(v)


# Each case builds the index from `a` (np.asarray-like or tg.tensor), so that NumPy and tensorgen
# see the same expression; plain Python lists are passed as lists to both.
INDEX_CASES = [
    ("tensor, duplicates", lambda a: a([2, 0, 2, 3])),
    ("list", lambda a: [3, 1]),
    ("nested list (2-d index)", lambda a: [[0, 1], [3, 3]]),
    ("negative indices", lambda a: a([-1, -4, 0])),
    ("2-d tensor", lambda a: a([[1, 2, 3], [0, 0, 1]])),
    ("slice, tensor", lambda a: (slice(None), a([4, 0, 1]))),
    ("ellipsis, tensor", lambda a: (Ellipsis, a([5, 0]))),
    ("slice with step, tensor", lambda a: (slice(1, 4, 2), a([1, 1]))),
    ("two adjacent tensors (broadcast)", lambda a: (a([[0], [3]]), a([1, 2, 4]))),
    ("slice, two adjacent tensors", lambda a: (slice(None), a([0, 4, 2]), a([5, 0, 1]))),
    ("two tensors separated by a slice", lambda a: (a([0, 3]), slice(None), a([5, 1]))),
    ("two tensors separated by None", lambda a: (a([0, 3]), None, a([4, 1]))),
    ("two tensors separated by ...", lambda a: (a([1, 2]), Ellipsis, a([0, 5]))),
    ("three tensors", lambda a: (a([0, 1]), a([2, 3]), a([4, 5]))),
    ("None, tensor", lambda a: (None, a([1, 2]))),
    ("int, tensor", lambda a: (1, a([0, 2]))),
    ("tensor, slice, int", lambda a: (a([3, 0]), slice(1, 3), 2)),
    ("mask over 2 dims", lambda a: a(MASK01)),
    ("slice, mask", lambda a: (slice(None), a(MASK1))),
    ("mask over every dim", lambda a: a(MASK3)),
    ("..., mask", lambda a: (Ellipsis, a(MASK2))),
    ("mask, tensor", lambda a: (a(MASK01), a([1, 0, 5, 5, 2, 3, 4, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0])[:int(MASK01.sum())])),
    ("True", lambda a: True),
    ("False", lambda a: False),
    ("empty index", lambda a: a(np.zeros(0, dtype=np.int64))),
    # basic indices only (_indexing._basic_view's fast path: ints and slices)
    ("int", lambda a: 2),
    ("negative int", lambda a: -1),
    ("two ints", lambda a: (1, -2)),
    ("every dim an int", lambda a: (3, 4, 5)),
    ("slice, int", lambda a: (slice(None), 1)),
    ("slice with step and clamped stop", lambda a: slice(1, 2 ** 70, 2)),
    ("negative slice bounds", lambda a: (slice(-3, -1), slice(None, None, 3))),
    ("empty slice", lambda a: slice(4, 1)),
    ("full slice", lambda a: slice(None)),
    ("empty tuple", lambda a: ()),
]


def _x():
    return np.arange(np.prod(X_SHAPE), dtype=np.float32).reshape(X_SHAPE)


@pytest.mark.parametrize("name, make", INDEX_CASES, ids=[c[0] for c in INDEX_CASES])
def test_getitem_matches_numpy(name, make):
    x = _x()
    expected = x[make(_np)]
    result = tg.tensor(x)[make(_tg)]
    assert tuple(result.shape) == expected.shape, f"{name}: shape {tuple(result.shape)} != {expected.shape}"
    np.testing.assert_array_equal(to_numpy(result), expected)


# (case, value shape for the result of that index: () is a Python number)
SETITEM_CASES = [
    ("tensor, duplicates", (5, 6)),
    ("list", ()),
    ("negative indices", (6,)),
    ("slice, tensor", (3, 1)),
    ("two adjacent tensors (broadcast)", (2, 3, 6)),
    ("slice, two adjacent tensors", (3,)),
    ("two tensors separated by a slice", (2, 5)),
    ("three tensors", (2,)),
    ("int, tensor", (2, 6)),
    ("mask over 2 dims", ()),
    ("mask over 2 dims", (6,)),
    ("slice, mask", (4, 1, 6)),
    ("mask over every dim", ()),
    ("..., mask", (1, 3)),
    ("True", (5, 6)),
    ("empty index", ()),
    ("int", (5, 6)),
    ("two ints", ()),
    ("slice, int", (4, 1)),
    ("slice with step and clamped stop", (6,)),
    ("full slice", ()),
]
_CASE = dict(INDEX_CASES)


@pytest.mark.parametrize("name, vshape", SETITEM_CASES, ids=[f"{c[0]}-{c[1]}" for c in SETITEM_CASES])
def test_setitem_matches_numpy(name, vshape):
    make = _CASE[name]
    x = _x()
    value = 7.5 if vshape == () else -np.arange(1, 1 + int(np.prod(vshape)), dtype=np.float32).reshape(vshape)
    expected = x.copy()
    idx = make(_np)
    if name.endswith("duplicates"):
        # NumPy leaves which duplicate wins unspecified; tensorgen's CPU kernel writes in index order.
        value = np.broadcast_to(value, expected[idx].shape)
    expected[idx] = value
    t = tg.tensor(x)
    before = t.data_ptr()
    t[make(_tg)] = value if vshape == () else tg.tensor(value)
    assert t.data_ptr() == before, "x[idx] = v must write into x"
    np.testing.assert_array_equal(to_numpy(t), expected)


def test_setitem_through_a_view_writes_the_base():
    base = tg.zeros(4, 6)
    view = base[:, 1:5]
    view[tg.tensor([0, 2])] = 1.0
    expected = np.zeros((4, 6), dtype=np.float32)
    expected[[0, 2], 1:5] = 1.0
    np.testing.assert_array_equal(to_numpy(base), expected)


def test_setitem_casts_the_value_and_rejects_shapes_that_do_not_broadcast():
    x = tg.zeros(3, 4, dtype=tg.int32)
    x[tg.tensor([0, 2])] = tg.tensor([1.9, 2.5, -3.7, 4.0])   # float values truncate into int32
    np.testing.assert_array_equal(to_numpy(x)[[0, 2]], np.array([[1, 2, -3, 4]] * 2))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[tg.tensor([0, 1])] = tg.ones(3, dtype=tg.int32)


def test_index_put_accumulate_adds_every_duplicate():
    x = np.arange(20, dtype=np.float64).reshape(4, 5)
    idx = np.array([0, 3, 0, 0, 1])
    vals = np.linspace(1, 5, 5)
    expected = x.copy()
    np.add.at(expected, (idx, slice(None)), vals)   # values broadcast over the rows
    t = tg.tensor(x)
    r = t.index_put_((tg.tensor(idx),), tg.tensor(vals), accumulate=True)
    assert r is t
    np.testing.assert_allclose(to_numpy(t), expected)
    # two indices, accumulate, negative
    e2 = x.copy()
    np.add.at(e2, (np.array([-1, 0, -1]), np.array([2, 2, 2])), 1.0)
    t2 = tg.index_put(tg.tensor(x), [tg.tensor([-1, 0, -1]), tg.tensor([2, 2, 2])], tg.tensor(1.0, dtype=tg.float64),
                      True)
    np.testing.assert_allclose(to_numpy(t2), e2)


def test_augmented_assignment_adds_once_per_distinct_index():
    x = tg.zeros(5)
    idx = tg.tensor([0, 0, 3])
    x[idx] += 1
    np.testing.assert_array_equal(to_numpy(x), [1, 0, 0, 1, 0])
    x.index_put_((idx,), tg.ones(3), accumulate=True)
    np.testing.assert_array_equal(to_numpy(x), [3, 0, 0, 2, 0])


def test_index_errors_follow_pytorch():
    x = tg.zeros(3, 4)
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for dimension 0 with size 3"):
        x[tg.tensor([5])]
    with pytest.raises(IndexError, match=r"index -5 is out of bounds for dimension 1 with size 4"):
        x[:, [0, -5]]
    with pytest.raises(IndexError, match="must be long, int, byte or bool"):
        x[tg.tensor([0.0])]
    with pytest.raises(IndexError, match="shape mismatch"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="shape of the mask"):
        x[tg.ones(4, dtype=tg.bool)]
    with pytest.raises(IndexError, match="too many indices"):
        x[[0], [0], [0]]
    with pytest.raises(IndexError, match="out of bounds"):
        x[tg.tensor([3])] = 1.0
    # ints and slices (the fast path) give the same errors
    with pytest.raises(IndexError, match=r"index 3 is out of bounds for dimension 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match=r"index -5 is out of bounds for dimension 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match=r"index 7 is out of bounds for dimension 2 with size 4"):
        x[None, 0, 7]  # the general path: t's dim too
    with pytest.raises(IndexError, match=r"index 4 is out of bounds for dimension 1 with size 4"):
        x[1:, 4] = 1.0
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[:, ::-1]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    np.testing.assert_array_equal(to_numpy(x), np.zeros((3, 4)))  # nothing was written
    assert x[()] is not x and x[:] is not x and x[()].data_ptr() == x.data_ptr()  # new views, like PyTorch


def test_nonzero_as_tuple_and_where_with_one_argument():
    a = np.array([[0, 1, 0], [2, 0, 3]])
    t = tg.tensor(a)
    for r, e in zip(tg.nonzero(t, as_tuple=True), np.nonzero(a)):
        np.testing.assert_array_equal(to_numpy(r), e)
    for r, e in zip(tg.where(t > 0), np.nonzero(a > 0)):
        np.testing.assert_array_equal(to_numpy(r), e)
    for r, e in zip(t.nonzero(as_tuple=True), np.nonzero(a)):
        np.testing.assert_array_equal(to_numpy(r), e)
    np.testing.assert_array_equal(to_numpy(tg.argwhere(t)), np.argwhere(a))
    assert [tuple(r.shape) for r in tg.nonzero(tg.tensor(5), as_tuple=True)] == [(1,)]
    np.testing.assert_array_equal(to_numpy(tg.where(t > 0, t, -t)), np.where(a > 0, a, -a))


def test_inplace_index_ops_write_self_and_return_it():
    idx = tg.tensor([[0, 1, 2]])
    cases = [
        lambda x: x.scatter_(0, idx, tg.ones(1, 3)),
        lambda x: x.scatter_(1, idx, 2.0),
        lambda x: x.scatter_(1, idx, tg.ones(1, 3), reduce="add"),
        lambda x: x.scatter_add_(0, idx, tg.ones(1, 3)),
        lambda x: x.index_add_(0, tg.tensor([1]), tg.ones(1, 3)),
        lambda x: x.index_copy_(1, tg.tensor([2]), tg.ones(3, 1)),
        lambda x: x.index_fill_(0, tg.tensor([-1]), 4.0),
        lambda x: x.masked_fill_(tg.eye(3, dtype=tg.bool), 5.0),
        lambda x: x.index_put_((tg.tensor([0]),), tg.tensor(6.0)),
    ]
    for fn in cases:
        base = tg.zeros(3, 5)
        x = base[:, 1:4]   # a non-contiguous view: the write must land in base
        r = fn(x)
        assert r is x
        assert to_numpy(base).any() and not to_numpy(base)[:, [0, 4]].any()


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.standard_normal((512, 300)).astype(np.float32))
    idx = tg.tensor(rng.integers(0, 512, size=(2000, 300)))
    src = tg.tensor(rng.standard_normal((2000, 300)).astype(np.float32))
    rows = tg.tensor(rng.integers(0, 512, size=5000))
    vals = tg.tensor(rng.standard_normal((5000, 300)).astype(np.float32))
    results = results_for_threads(lambda: [
        to_numpy(tg.scatter_add(x, 0, idx, src)), to_numpy(x.index_add(0, rows, vals)),
        to_numpy(tg.index_put(x, [rows], vals, True)), to_numpy(tg.gather(x, 0, idx)), to_numpy(x[rows])])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    # index_add_ of whole rows (threads split self's rows): every row summed in index order
    expected = to_numpy(x).copy()
    np.add.at(expected, to_numpy(rows), to_numpy(vals))
    np.testing.assert_array_equal(results[0][1], expected)


def test_gradients_through_indexing():
    x = tg.tensor(np.arange(12, dtype=np.float64).reshape(3, 4), requires_grad=True)
    idx = tg.tensor([2, 0, 2])
    x[idx].sum().backward()
    expected = np.zeros((3, 4))
    np.add.at(expected, [2, 0, 2], 1.0)
    np.testing.assert_array_equal(to_numpy(x.grad), expected)

    y = tg.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    mask = tg.tensor(np.random.default_rng(3).random((3, 4)) < 0.5)
    assert tg.autograd.gradcheck(lambda t: t[mask] * t[mask], (y,))
    assert tg.autograd.gradgradcheck(lambda t: t[:, [1, 3]] ** 2, (y,))
    assert tg.autograd.gradcheck(lambda t: tg.take(t, tg.tensor([[0, -1], [5, 5]])), (y,))
    assert tg.autograd.gradcheck(lambda t: tg.masked_select(t, mask), (y,))
    v = tg.tensor(np.ones(2), requires_grad=True)

    def put(t, vals):
        z = t * 1
        z[tg.tensor([0, 2]), tg.tensor([1, 1])] = vals
        return z
    assert tg.autograd.gradcheck(put, (y, v))
    assert tg.autograd.gradgradcheck(put, (y, v))

    def put_slices(t, vals):   # a view of z would need in-place-on-view autograd: z itself is written
        z = t * 1
        z[1:, [0, 3]] = vals
        z[:, 1, ...] = 0.5
        return z
    assert tg.autograd.gradcheck(put_slices, (y, v))
    assert tg.autograd.gradgradcheck(put_slices, (y, v))
    src = tg.tensor(np.random.default_rng(4).standard_normal(12), requires_grad=True)
    assert tg.autograd.gradcheck(lambda t, s: t.masked_scatter(mask, s), (y, src))
    assert tg.autograd.gradgradcheck(lambda t: tg.masked_fill(t, mask, 2.0) * t, (y,))


# ----------------------------------------------------------------------------- tutorial idioms

def test_one_hot_matches_the_scatter_idiom_and_rejects_bad_classes():
    labels = tg.tensor([0, 2, 1, 4, 2])
    np.testing.assert_array_equal(to_numpy(tg.one_hot(labels)), np.eye(5, dtype=np.int64)[[0, 2, 1, 4, 2]])
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        tg.one_hot(labels, 3)


def test_scatter_one_hot():
    labels = tg.tensor([0, 2, 1, 4, 2])
    one_hot = tg.zeros(5, 5).scatter_(1, labels.unsqueeze(1), 1.0)
    np.testing.assert_array_equal(to_numpy(one_hot), np.eye(5, dtype=np.float32)[[0, 2, 1, 4, 2]])


def test_shuffle_rows_with_randperm():
    tg.manual_seed(0)
    n = 10
    x = tg.arange(n * 3).view(n, 3)
    perm = tg.randperm(n)
    shuffled = x[perm]
    np.testing.assert_array_equal(to_numpy(shuffled), to_numpy(x)[to_numpy(perm)])
    np.testing.assert_array_equal(np.sort(to_numpy(shuffled)[:, 0]), to_numpy(x)[:, 0])


def test_label_smoothing_with_scatter_and_masking():
    targets = tg.tensor([1, 0, 3, -100, 2])          # -100: ignore_index
    n_classes, smoothing, ignore = 4, 0.1, -100
    ignored = targets == ignore
    safe = targets.masked_fill(ignored, 0)
    true_dist = tg.full((5, n_classes), smoothing / (n_classes - 1))
    true_dist.scatter_(1, safe.unsqueeze(1), 1.0 - smoothing)
    true_dist[ignored] = 0.0

    t = np.array([1, 0, 3, -100, 2])
    expected = np.full((5, n_classes), smoothing / (n_classes - 1), dtype=np.float32)
    expected[np.arange(5), np.where(t == ignore, 0, t)] = 1.0 - smoothing
    expected[t == ignore] = 0.0
    np.testing.assert_allclose(to_numpy(true_dist), expected, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(true_dist.sum(1)), [1, 1, 1, 0, 1], rtol=1e-6)


def test_index_put_many_positions_is_the_same_for_every_thread_count():
    """Over kGrainSize positions the threads split self's elements and each walks every position in
    order: duplicates are summed (or overwritten) in index order, bit for bit whatever the thread
    count; negative indices wrap; one bad index raises before anything is written."""
    rng = np.random.default_rng(3)
    n, size = 200_000, 1000
    idx = rng.integers(-size, size, n)
    vals = rng.standard_normal(n).astype(np.float32)
    base = rng.standard_normal(size).astype(np.float32)
    expected_sum = base.copy()
    np.add.at(expected_sum, idx, vals)            # numpy adds in index order too
    expected_put = base.copy()
    expected_put[idx] = vals                      # the last duplicate wins
    grid = tg.tensor(rng.standard_normal((40, 25)).astype(np.float32))   # two indexed dims
    rows, cols = rng.integers(0, 40, n), rng.integers(-25, 25, n)
    expected_grid = to_numpy(grid).copy()
    np.add.at(expected_grid, (rows, cols), vals)
    for threads in (1, 2, 3):
        with num_threads(threads):
            t = tg.tensor(base)
            t.index_put_((tg.tensor(idx),), tg.tensor(vals), accumulate=True)
            np.testing.assert_array_equal(to_numpy(t), expected_sum)
            t = tg.tensor(base)
            t.index_put_((tg.tensor(idx),), tg.tensor(vals))
            np.testing.assert_array_equal(to_numpy(t), expected_put)
            g = tg.index_put(grid, [tg.tensor(rows), tg.tensor(cols)], tg.tensor(vals), True)
            np.testing.assert_array_equal(to_numpy(g), expected_grid)
            bad = idx.copy()
            bad[n - 1] = size
            t = tg.tensor(base)
            with pytest.raises(IndexError, match="out of bounds"):
                t.index_put_((tg.tensor(bad),), tg.tensor(vals), accumulate=True)
            np.testing.assert_array_equal(to_numpy(t), base)


def test_index_and_index_put_take_none_for_a_whole_dim():
    # PyTorch's index.Tensor / index_put_ take Tensor?[]: None stands for every position of a dim.
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    t = tg.tensor(x)
    idx = np.array([3, 0, 3])
    np.testing.assert_array_equal(to_numpy(t.index([None, None, tg.tensor(idx)])), x[:, :, idx])
    np.testing.assert_array_equal(to_numpy(tg.index(t, [None, tg.tensor([2, 0])])), x[:, [2, 0]])
    expected = x.copy()
    np.add.at(expected, (slice(None), slice(None), idx), 1.0)
    r = t.index_put_((None, None, tg.tensor(idx)), tg.tensor(1.0, dtype=tg.float64), accumulate=True)
    assert r is t
    np.testing.assert_array_equal(to_numpy(t), expected)
    put = tg.index_put(tg.tensor(x), [None, tg.tensor([1])], tg.tensor(-1.0, dtype=tg.float64))
    e2 = x.copy()
    e2[:, [1]] = -1.0
    np.testing.assert_array_equal(to_numpy(put), e2)


def test_mask_indexing_and_nonzero_of_a_long_1d_tensor_for_any_thread_count():
    """1-d x[mask] and nonzero count per chunk, then compact: the result must not depend on the
    chunking (thread count) and must keep the elements in order."""
    rng = np.random.default_rng(1)
    x = rng.random(1 << 20, dtype=np.float32)
    mask = x < 0.5
    for threads in (1, 2):
        with num_threads(threads):
            np.testing.assert_array_equal(tg.from_numpy(x)[tg.from_numpy(mask)].numpy(), x[mask])
            np.testing.assert_array_equal(tg.nonzero(tg.from_numpy(mask)).numpy()[:, 0], np.nonzero(mask)[0])


@pytest.mark.parametrize("shape", [(37, 129), (3, 1, 5), (300, 700), (2, 3, 4, 5), (1, 70000), (70001, 1), (5, 0, 3),
                                   (257, 257, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float16, np.bool_])
def test_nonzero_of_contiguous_nd_tensors_for_any_thread_count(shape, dtype):
    """N-d nonzero walks runs along the last dim within 65536-element chunks: rows crossing chunk
    boundaries, size-1 and empty dims, -0 (zero) and NaN (non-zero) in float16."""
    rng = np.random.default_rng(sum(shape))
    a = ((rng.random(shape) < 0.5) * rng.integers(-3, 4, shape)).astype(dtype)
    if dtype == np.float16 and a.size:
        a.flat[0], a.flat[-1] = -0.0, np.nan
    for threads in (1, 2, 3):
        with num_threads(threads):
            np.testing.assert_array_equal(tg.nonzero(tg.from_numpy(a)).numpy(), np.argwhere(a))


@pytest.mark.parametrize("n", [1, 5, 70000, 200001])
@pytest.mark.parametrize("dtype", [tg.float32, tg.int64, tg.float16, tg.bool, tg.int8])
def test_masked_scatter_one_pass_matches_the_differentiable_path(n, dtype):
    """Without a graph, a contiguous self and mask of one shape take the chunked one-pass select;
    with one (self requires grad) the nonzero + index_put composite: the same values, for any
    thread count, and the same error when source is too short."""
    rng = np.random.default_rng(n)
    self_ = tg.tensor(rng.standard_normal(n) * 5).to(dtype)
    mask = tg.from_numpy(rng.random(n) < 0.5)
    source = tg.tensor(rng.standard_normal(n + 3) * 5).to(dtype)
    a, m, s = to_numpy(self_), to_numpy(mask), to_numpy(source)
    want = a.copy()
    want[m] = s[:int(m.sum())]
    for threads in (1, 2, 3):
        with num_threads(threads):
            np.testing.assert_array_equal(to_numpy(self_.masked_scatter(mask, source)), want)
    if dtype.is_floating_point:
        graph = self_.float().requires_grad_().masked_scatter(mask, source.float())
        np.testing.assert_array_equal(to_numpy(graph.detach()), want.astype(np.float32))
    if m.any():
        with pytest.raises(RuntimeError, match="Number of elements of source"):
            self_.masked_scatter(mask, source[:0])


# PyTorch sums (and multiplies) scatters into float16 / bfloat16 in float and rounds once at the
# end: the reference is the float32 scatter of the same values rounded to the half type (NumPy's
# add.at applies repeated indices in order, like our float32 loop).
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_type_scatters_accumulate_in_float_and_round_once(dtype):
    rng = np.random.default_rng(7)
    half = getattr(tg, dtype)
    self32 = tg.tensor(rng.standard_normal((4, 3)).astype(np.float32)).to(half).to(tg.float32)
    src32 = tg.tensor(rng.standard_normal((600, 3)).astype(np.float32)).to(half).to(tg.float32)
    index = tg.tensor(rng.integers(0, 4, (600, 3)))
    expect = to_numpy(self32).copy()
    np.add.at(expect, (to_numpy(index), np.arange(3)[None, :]), to_numpy(src32))
    rounded = tg.tensor(expect).to(half)
    # 600 updates onto 4 rows: rounding after every update would drift far from this
    assert tg.equal(self32.to(half).scatter_add_(0, index, src32.to(half)), rounded)
    assert tg.equal(self32.to(half).scatter_reduce_(0, index, src32.to(half), "sum"), rounded)
    rows = tg.tensor(rng.integers(0, 4, (600,)))
    expect_rows = to_numpy(self32).copy()
    np.add.at(expect_rows, to_numpy(rows), to_numpy(src32))
    assert tg.equal(self32.to(half).index_add_(0, rows, src32.to(half)), tg.tensor(expect_rows).to(half))
    # gather's backward (the same sum into zeros)
    leaf = tg.zeros(4, 3, dtype=half, requires_grad=True)
    leaf.gather(0, index).backward(src32.to(half))
    expect_grad = np.zeros((4, 3), np.float32)
    np.add.at(expect_grad, (to_numpy(index), np.arange(3)[None, :]), to_numpy(src32))
    assert tg.equal(leaf.grad, tg.tensor(expect_grad).to(half))
    # mean: the rounded sum divided by the count in the half type
    counts = np.ones((4, 3), np.float32)
    np.add.at(counts, (to_numpy(index), np.arange(3)[None, :]), 1)
    mean = self32.to(half).scatter_reduce_(0, index, src32.to(half), "mean")
    assert tg.equal(mean, (rounded.to(tg.float32) / tg.tensor(counts).to(half).to(tg.float32)).to(half))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_type_scatters_match_pytorch_bitwise(dtype):
    torch = pytest.importorskip("torch", reason="compares with PyTorch's bits")
    rng = np.random.default_rng(8)
    s = rng.standard_normal((5, 4)).astype(np.float32)
    src = rng.standard_normal((700, 4)).astype(np.float32)
    idx = rng.integers(0, 5, (700, 4))
    rows = rng.integers(0, 5, (700,))
    tdt, half = getattr(torch, dtype), getattr(tg, dtype)
    ts, tsrc, ti, tr = torch.tensor(s).to(tdt), torch.tensor(src).to(tdt), torch.tensor(idx), torch.tensor(rows)
    gs, gsrc, gi, gr = tg.tensor(s).to(half), tg.tensor(src).to(half), tg.tensor(idx), tg.tensor(rows)

    def same(t, g):
        np.testing.assert_array_equal(t.float().numpy(), to_numpy(g.to(tg.float32)))

    same(ts.clone().scatter_add_(0, ti, tsrc), gs.clone().scatter_add_(0, gi, gsrc))
    for reduce in ("sum", "mean", "prod", "amax"):
        for include_self in (True, False):
            same(ts.clone().scatter_reduce_(0, ti, tsrc, reduce, include_self=include_self),
                 gs.clone().scatter_reduce_(0, gi, gsrc, reduce, include_self=include_self))
    # index_add_ sums in float when alpha is 1 and rounds after each scaled update otherwise
    same(ts.clone().index_add_(0, tr, tsrc), gs.clone().index_add_(0, gr, gsrc))
    same(ts.clone().index_add_(0, tr, tsrc, alpha=0.5), gs.clone().index_add_(0, gr, gsrc, alpha=0.5))
    same(ts[:, 0].clone().index_add_(0, tr, tsrc[:, 0], alpha=3), gs[:, 0].clone().index_add_(0, gr, gsrc[:, 0], alpha=3))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("layout", ["1-D", "rows, dim 1", "columns, dim 0"])
@pytest.mark.parametrize("start", ["runs", "scattered"])
def test_scatter_add_runs_into_one_position_sum_in_index_order(threads, layout, start):
    """scatter_add keeps updates to the position the previous one went to in a register
    (IndexKernel.cpp's AddRuns) when the index starts with runs, and reads, adds and stores each
    update when it starts scattered: either way the sums must be the ones of adding in index order,
    bit for bit (np.add.at adds one update at a time, in order), for long runs (cummax's backward),
    short runs and single updates, along the contiguous dim and along dim 0."""
    rng = np.random.default_rng(7)
    n = 5000
    lengths = rng.choice([1, 2, 3, 40, 900], 200)  # runs of one position, up to 900 long
    runs = np.repeat(np.sort(rng.integers(0, n, 200)), lengths)[:n]
    assert len(runs) == n
    runs[:1000:7] = rng.integers(0, n, len(runs[:1000:7]))  # in the first fifth, single updates between them
    if start == "scattered":
        runs[:100] = rng.permutation(n)[:100]  # no two equal neighbours in the lines' first 64 pairs
    src = rng.standard_normal(n).astype(np.float32) * 1000
    self_ = rng.standard_normal(n).astype(np.float32)
    if layout == "1-D":
        idx, s, x, dim = runs, src, self_, 0
    elif layout == "rows, dim 1":
        idx, s, x, dim = np.stack([runs, runs[::-1]]), np.stack([src, -src]), np.stack([self_, self_]), 1
    else:
        idx, s, x, dim = (np.stack([runs, runs[::-1]]).T.copy(), np.stack([src, -src]).T.copy(),
                          np.stack([self_, self_]).T.copy(), 0)
    want = x.copy()
    if dim == 0 and idx.ndim == 2:
        cols = np.broadcast_to(np.arange(idx.shape[1]), idx.shape)
        np.add.at(want, (idx, cols), s)
    elif idx.ndim == 2:
        rows = np.broadcast_to(np.arange(idx.shape[0])[:, None], idx.shape)
        np.add.at(want, (rows, idx), s)
    else:
        np.add.at(want, idx, s)
    with num_threads(threads):
        got = tg.from_numpy(x.copy()).scatter_add_(dim, tg.from_numpy(idx), tg.from_numpy(s))
    np.testing.assert_array_equal(to_numpy(got).view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("bad", [-1, 5000, -(2**62)])
@pytest.mark.parametrize("layout", ["1-D", "rows, dim 1", "columns, dim 0"])
@pytest.mark.parametrize("reduce", ["sum", "amax"])
def test_scatter_with_a_bad_index_in_the_middle_raises_its_value(bad, layout, reduce):
    """The scatter loops leave at a bad index and raise after the move is gone (so a running sum
    stays in a register): the error must still name that index, wherever it sits in the line."""
    n = 5000
    idx = np.arange(n, dtype=np.int64) % 97
    idx[3001] = bad
    src = np.ones(n, np.float32)
    if layout == "1-D":
        i, s, dim = idx, src, 0
    elif layout == "rows, dim 1":
        i, s, dim = np.stack([idx % 89, idx]), np.stack([src, src]), 1
    else:
        i, s, dim = np.stack([idx % 89, idx]).T.copy(), np.stack([src, src]).T.copy(), 0
    x = tg.zeros(*((n,) if i.ndim == 1 else (n, 2) if dim == 0 else (2, n)))
    with pytest.raises(RuntimeError, match=rf"index {bad} is out of bounds for dimension {dim} with size {n}"):
        x.scatter_reduce_(dim, tg.from_numpy(i), tg.from_numpy(s), reduce)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64", "int64"])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_amax_amin_nan_signed_zero_and_first_change(dtype, reduce, dim):
    """amax / amin store nothing until an update replaces self's value, then store every update
    (IndexKernel.cpp's loop_until_change): NaN in self or src propagates, -0 stays against +0 (the
    first of equal values wins, as in PyTorch), and lines whose first change comes late, early or
    never all match a sequential reference."""
    rng = np.random.default_rng(11)
    floating = dtype != "int64"
    n, width = 400, 3
    self_ = rng.integers(-3, 4, (n, width)).astype(np.float64)
    src = rng.integers(-6, 7, (n, width)).astype(np.float64)
    idx = rng.integers(0, 40, (n, width))
    src[:, 0] = np.where(reduce == "amax", -100, 100)  # column 0: no update ever changes self
    src[300:, 1] = np.where(reduce == "amax", 100, -100)  # column 1: the first change comes late
    if floating:
        self_[1, :], src[:20, 2], idx[:20, 2] = -0.0, 0.0, 1  # only +0 is sent to column 2's -0
        idx[20:, 2] = rng.integers(2, 40, n - 20)
        self_[5, 2], src[27, 2], src[9, 1] = np.nan, np.nan, np.nan
    if dim == 1:  # the same lines along dim 1 (the contiguous loop)
        self_, src, idx = self_.T.copy(), src.T.copy(), idx.T.copy()

    np_dtype = {"float32": np.float32, "float16": np.float16, "float64": np.float64, "int64": np.int64,
                "bfloat16": np.float32}[dtype]
    self_, src = self_.astype(np_dtype), src.astype(np_dtype)
    keeps = (lambda a, b: a != a or a >= b) if reduce == "amax" else (lambda a, b: a != a or a <= b)
    want = self_.copy()
    for p in np.ndindex(*idx.shape):
        q = list(p)
        q[dim] = idx[p]
        q = tuple(q)
        if not keeps(want[q], src[p]):
            want[q] = src[p]
    to = lambda a: tg.from_numpy(a).to(getattr(tg, dtype))
    got = to(self_).scatter_reduce_(dim, tg.from_numpy(idx), to(src), reduce)
    got_np = to_numpy(got.float() if dtype == "bfloat16" else got)
    np.testing.assert_array_equal(got_np, want)
    if floating:  # the bits: -0 and the NaNs where they belong
        np.testing.assert_array_equal(np.signbit(got_np), np.signbit(want))
