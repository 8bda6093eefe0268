"""tg.utils.data: datasets, samplers, default collation and the DataLoader (with worker processes)
against torch.utils.data's documented behaviour."""
import collections
import multiprocessing
import os
import random
import time

import numpy as np
import pytest

import tensorgen as tg
from tensorgen.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                                  RandomSampler, SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                  WeightedRandomSampler, default_collate, default_convert, get_worker_info,
                                  random_split)


def ids(loader):
    """The sample ids of every batch (the loaders below put the id in the second tensor)."""
    return [b[1].tolist() for b in loader]


def dataset(n=20):
    return TensorDataset(tg.arange(n).float().reshape([n, 1]) * 0.5, tg.arange(n))


def no_children_left():
    deadline = time.time() + 5
    while multiprocessing.active_children() and time.time() < deadline:
        time.sleep(0.01)
    return not multiprocessing.active_children()


# -- datasets ------------------------------------------------------------------------------------

def test_tensor_dataset():
    ds = dataset(5)
    x, i = ds[3]
    assert len(ds) == 5 and x.tolist() == [1.5] and i.item() == 3
    assert ds[-1][1].item() == 4 and ds[1:3][1].tolist() == [1, 2]
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(tg.zeros([3]), tg.zeros([4]))


def test_subset_concat_and_add():
    ds = dataset(6)
    sub = Subset(ds, [5, 0, 2])
    assert len(sub) == 3 and sub[0][1].item() == 5 and sub[2][1].item() == 2
    cat = ConcatDataset([sub, dataset(4)])
    assert len(cat) == 7 and cat.cumulative_sizes == [3, 7]
    assert [cat[i][1].item() for i in range(7)] == [5, 0, 2, 0, 1, 2, 3]
    assert cat[-1][1].item() == 3 and cat[-7][1].item() == 5
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-8]
    with pytest.raises(IndexError):
        cat[7]
    assert len(sub + sub) == 6
    with pytest.raises(AssertionError, match="empty"):
        ConcatDataset([])


class Stream(IterableDataset):
    """0..n-1, split between workers by id (get_worker_info)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_concat_is_refused_and_chain_works():
    with pytest.raises(AssertionError, match="IterableDataset"):
        ConcatDataset([Stream(3)])
    assert list(Stream(2) + Stream(3)) == [0, 1, 0, 1, 2]
    assert isinstance(Stream(2) + Stream(3), ChainDataset)


def test_random_split_lengths_fractions_and_reproducibility():
    ds = dataset(10)
    a, b = random_split(ds, [7, 3], generator=np.random.default_rng(0))
    ia, ib = list(a.indices), list(b.indices)
    assert len(a) == 7 and len(b) == 3 and sorted(ia + ib) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=np.random.default_rng(0))
    assert list(a2.indices) == ia
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=random.Random(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [6, 5]  # the remainder goes round-robin from the first
    tg.manual_seed(3)
    s1 = random_split(ds, [5, 5])[0].indices
    tg.manual_seed(3)
    assert random_split(ds, [5, 5])[0].indices == s1  # None: tensorgen's global RNG
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(ds, [1.5, -0.5])
    with pytest.raises(TypeError, match="generator"):
        random_split(ds, [5, 5], generator=42)
    a, _ = random_split(ds, [7, 3], generator=tg.Generator().manual_seed(3))
    assert list(a.indices) == list(random_split(ds, [7, 3], generator=tg.Generator().manual_seed(3))[0].indices)


# -- samplers ------------------------------------------------------------------------------------

def test_sequential_and_random_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    s = RandomSampler(range(50), generator=np.random.default_rng(5))
    first, second = list(s), list(s)
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != second  # the generator's state advances from one epoch to the next
    assert list(RandomSampler(range(50), generator=np.random.default_rng(5))) == first
    assert len(s) == 50


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10, generator=np.random.default_rng(0))
    out = list(s)
    assert len(s) == 10 and len(out) == 10
    assert sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [0, 1, 2, 3]  # whole permutations first
    r = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=random.Random(0)))
    assert len(r) == 300 and set(r) == {0, 1, 2}
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([])


def test_subset_random_and_weighted_samplers():
    s = SubsetRandomSampler([10, 20, 30], generator=np.random.default_rng(0))
    assert sorted(s) == [10, 20, 30] and len(s) == 3
    w = WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=np.random.default_rng(0))
    draws = list(w)
    assert len(w) == 400 and 0 not in draws and 150 < draws.count(2) - draws.count(1) < 250  # ~3:1
    no_rep = list(WeightedRandomSampler(tg.tensor([1.0, 1.0, 5.0, 0.0]), 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    with pytest.raises(RuntimeError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1.0]], 2)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 1)


# -- collation -----------------------------------------------------------------------------------

Point = collections.namedtuple("Point", ["x", "y"])


def test_collate_tensors_numbers_and_strings():
    b = default_collate([tg.ones([2, 3]), tg.zeros([2, 3])])
    assert b.shape == tg.Size([2, 2, 3]) and b.sum().item() == 6
    f = default_collate([1.5, 2.0])
    assert f.dtype is tg.float64 and f.tolist() == [1.5, 2.0]
    i = default_collate([1, 2])
    assert i.dtype is tg.int64 and i.tolist() == [1, 2]
    assert default_collate([True, False]).dtype is tg.bool
    assert default_collate(["a", "b"]) == ["a", "b"] and default_collate([b"a"]) == [b"a"]


def test_collate_numpy():
    a = default_collate([np.ones((2,), np.float32), np.zeros((2,), np.float32)])
    assert a.dtype is tg.float32 and a.shape == tg.Size([2, 2])
    s = default_collate([np.float64(1.5), np.float64(2.5)])
    assert s.dtype is tg.float64 and s.tolist() == [1.5, 2.5]
    assert default_collate([np.int16(1), np.int16(2)]).dtype is tg.int16
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_containers():
    d = default_collate([{"x": tg.ones(2), "n": 1}, {"x": tg.zeros(2), "n": 2}])
    assert set(d) == {"x", "n"} and d["x"].shape == tg.Size([2, 2]) and d["n"].tolist() == [1, 2]
    od = default_collate([collections.OrderedDict(b=1, a=2)] * 2)
    assert type(od) is collections.OrderedDict and list(od) == ["b", "a"]
    p = default_collate([Point(1, tg.ones(1)), Point(2, tg.zeros(1))])
    assert type(p) is Point and p.x.tolist() == [1, 2] and p.y.shape == tg.Size([2, 1])
    t = default_collate([(1, "a"), (2, "b")])
    assert isinstance(t, list) and t[0].tolist() == [1, 2] and t[1] == ["a", "b"]  # tuples become lists
    nested = default_collate([[1, [2.0]], [3, [4.0]]])
    assert nested[0].tolist() == [1, 3] and nested[1][0].tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError):
        default_collate([tg.ones(2), tg.ones(3)])  # stack needs equal shapes


def test_default_convert():
    out = default_convert({"a": np.arange(3), "b": [np.float32(2.0)], "c": "s", "t": (np.zeros(1),)})
    assert isinstance(out["a"], tg.Tensor) and out["a"].tolist() == [0, 1, 2]
    assert out["b"][0].dtype is tg.float32 and out["c"] == "s" and isinstance(out["t"][0], tg.Tensor)


# -- DataLoader (main process) -------------------------------------------------------------------

def test_loader_order_batches_and_len():
    loader = DataLoader(dataset(10), batch_size=4)
    assert ids(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    x, i = next(iter(loader))
    assert x.shape == tg.Size([4, 1]) and x.dtype is tg.float32 and i.dtype is tg.int64
    dl = DataLoader(dataset(10), batch_size=4, drop_last=True)
    assert ids(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(dl) == 2


@pytest.mark.parametrize("make", [np.random.default_rng, lambda seed: tg.Generator().manual_seed(seed)],
                         ids=["numpy", "tg.Generator"])
def test_loader_shuffle_reproducible_with_a_generator(make):
    def epochs(seed):
        loader = DataLoader(dataset(20), batch_size=5, shuffle=True, generator=make(seed))
        return [sum(ids(loader), []) for _ in range(2)]
    a, b = epochs(7), epochs(7)
    assert a == b and a[0] != a[1] and sorted(a[0]) == list(range(20))
    assert epochs(8) != a
    tg.manual_seed(0)
    g1 = sum(ids(DataLoader(dataset(20), batch_size=5, shuffle=True)), [])
    tg.manual_seed(0)
    assert sum(ids(DataLoader(dataset(20), batch_size=5, shuffle=True)), []) == g1


def test_loader_samplers_collate_fn_and_no_batching():
    dl = DataLoader(dataset(6), batch_sampler=[[5, 0], [3]])
    assert ids(dl) == [[5, 0], [3]] and len(dl) == 2
    dl = DataLoader(dataset(6), sampler=[4, 2, 0], batch_size=2)
    assert ids(dl) == [[4, 2], [0]]
    dl = DataLoader(range(5), batch_size=2, collate_fn=lambda batch: sum(batch))
    assert list(dl) == [1, 5, 4]
    dl = DataLoader([np.float32(1.0), np.float32(2.0)], batch_size=None)
    got = list(dl)
    assert len(dl) == 2 and all(isinstance(v, tg.Tensor) and v.dim() == 0 for v in got)
    dl = DataLoader([{"a": 1, "s": "x"}, {"a": 2, "s": "y"}], batch_size=2, pin_memory=True)
    b = next(iter(dl))
    assert b["a"].tolist() == [1, 2] and b["s"] == ["x", "y"]


def test_loader_iterable_dataset():
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]  # default_convert leaves ints alone


def test_loader_argument_errors():
    ds = dataset(4)
    with pytest.raises(ValueError, match="mutually exclusive with batch_size, shuffle, sampler, and drop_last"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_size=None"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    dl = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        dl.batch_size = 3
    with pytest.raises(TypeError):
        len(DataLoader(NoLenStream()))


class NoLenStream(IterableDataset):
    def __iter__(self):
        return iter(range(3))


# -- DataLoader with worker processes -------------------------------------------------------------

class Squares(Dataset):
    """Sample i: a dict with a bfloat16 tensor, a float64 tensor, a namedtuple, a string and the
    pid of the process that made it."""

    def __len__(self):
        return 23

    def __getitem__(self, i):
        return {"bf": tg.full([2], float(i)).bfloat16(), "sq": tg.tensor([i * i], dtype=tg.float64),
                "p": Point(i, "s%d" % i), "id": tg.tensor(i), "pid": os.getpid()}


def strip_pid(batch):
    return {k: v for k, v in batch.items() if k != "pid"}


def assert_batches_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x["bf"].dtype is tg.bfloat16 and x["bf"].float().tolist() == y["bf"].float().tolist()
        assert x["sq"].dtype is tg.float64 and x["sq"].tolist() == y["sq"].tolist()
        assert x["p"].x.tolist() == y["p"].x.tolist() and x["p"].y == y["p"].y and type(x["p"]) is Point
        assert x["id"].tolist() == y["id"].tolist()


def test_workers_give_the_same_batches_in_the_same_order():
    main = list(DataLoader(Squares(), batch_size=4))
    loader = DataLoader(Squares(), batch_size=4, num_workers=3)
    assert len(loader) == 6
    work = list(loader)
    assert_batches_equal(work, main)
    pids = {p for b in work for p in b["pid"].tolist()}
    assert os.getpid() not in pids and len(pids) == 3  # made in three other processes
    assert no_children_left()


def test_workers_shuffle_like_the_main_process():
    def order(num_workers):
        loader = DataLoader(dataset(30), batch_size=4, shuffle=True, num_workers=num_workers,
                            generator=np.random.default_rng(11))
        return sum(ids(loader), [])
    assert order(2) == order(0)


def test_workers_results_are_writable_tensors():
    x, _ = next(iter(DataLoader(dataset(8), batch_size=4, num_workers=1)))
    x.add_(1.0)  # the received buffer is the tensor's own memory
    assert x.flatten().tolist() == [1.0, 1.5, 2.0, 2.5]


def seeds_and_ids(_):
    info = get_worker_info()
    return (info.id, info.num_workers, info.seed, tg.randint(0, 2 ** 30, [1]).item(), random.random(),
            tg.get_num_threads())


def test_worker_info_seeds_and_worker_init_fn():
    assert get_worker_info() is None
    loader = DataLoader(range(4), batch_size=1, num_workers=2, collate_fn=seeds_and_ids,
                        generator=np.random.default_rng(0))
    out = list(loader)
    assert [o[0] for o in out] == [0, 1, 0, 1] and all(o[1] == 2 for o in out)
    seed0, seed1 = out[0][2], out[1][2]
    assert seed1 == seed0 + 1  # base_seed + worker id, as in PyTorch
    assert out[0][3] != out[1][3] and out[0][4] != out[1][4]  # tg and random seeded per worker
    assert all(o[5] == 1 for o in out)  # one kernel thread per worker
    again = list(DataLoader(range(4), batch_size=1, num_workers=2, collate_fn=seeds_and_ids,
                            generator=np.random.default_rng(0)))
    assert [o[2:5] for o in again] == [o[2:5] for o in out]  # reproducible from the generator


class InitRecorder(Dataset):
    def __init__(self):
        self.tag = None

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.tag


def set_tag(worker_id):
    get_worker_info().dataset.tag = f"worker{worker_id}"


def test_worker_init_fn_runs_in_each_worker():
    tags = list(DataLoader(InitRecorder(), batch_size=1, num_workers=2, worker_init_fn=set_tag,
                           collate_fn=lambda b: b[0]))
    assert tags == ["worker0", "worker1", "worker0", "worker1"]


def test_iterable_dataset_with_workers():
    got = [b.tolist() for b in DataLoader(Stream(10), batch_size=3, num_workers=2)]
    # worker 0 streams 0,2,4,6,8 and worker 1 streams 1,3,5,7,9; batches alternate between them
    assert got == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
    assert no_children_left()


class FailsAt(Dataset):
    def __init__(self, bad):
        self.bad = bad

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == self.bad:
            raise ValueError(f"sample {i} is broken")
        return i


def test_worker_error_is_reraised_with_worker_id_and_traceback():
    loader = DataLoader(FailsAt(5), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1] and next(it).tolist() == [2, 3]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "Traceback (most recent call last)" in msg and "sample 5 is broken" in msg and "__getitem__" in msg
    assert no_children_left()  # the workers were shut down and reaped
    with pytest.raises(StopIteration):
        next(it)


def failing_init(worker_id):
    raise KeyError(f"init of {worker_id}")


def test_worker_init_fn_error_and_unusual_exception_types():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(DataLoader(range(4), num_workers=2, worker_init_fn=failing_init))
    assert no_children_left()


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class RaisesOdd(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        raise NeedsTwoArgs(1, 2)


def test_exception_that_cannot_take_a_message_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="Caught NeedsTwoArgs in DataLoader worker process 0"):
        list(DataLoader(RaisesOdd(), num_workers=1))


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            os._exit(3)
        return i


def test_worker_that_dies_is_reported_not_hung():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+ \(exit code 3\)\) exited unexpectedly"):
        list(DataLoader(Dies(), batch_size=1, num_workers=2))
    assert no_children_left()


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(2)
        return i


def test_timeout():
    t = time.time()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.2))
    assert time.time() - t < 2.0  # the stuck worker is terminated after the join timeout (1 s)
    assert no_children_left()


def test_persistent_workers_prefetch_and_unordered():
    loader = DataLoader(Squares(), batch_size=5, num_workers=2, persistent_workers=True, prefetch_factor=1)
    first = list(loader)
    pids = {p for b in first for p in b["pid"].tolist()}
    second = list(loader)
    assert {p for b in second for p in b["pid"].tolist()} == pids  # the same worker processes
    assert_batches_equal(second, first)
    it = iter(loader)
    next(it)  # an epoch abandoned half-way: the next epoch starts clean
    assert_batches_equal(list(loader), first)
    assert len(multiprocessing.active_children()) == 2
    del loader, it  # no reference cycle: the workers shut down at once
    assert no_children_left()
    unordered = list(DataLoader(dataset(12), batch_size=2, num_workers=2, in_order=False))
    assert sorted(sum((b[1].tolist() for b in unordered), [])) == list(range(12))


def test_persistent_workers_with_an_iterable_dataset_restart_their_stream():
    loader = DataLoader(Stream(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4], [5]]
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4], [5]]
