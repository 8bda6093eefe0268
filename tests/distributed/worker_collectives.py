"""Run under mpiexec by tests/test_distributed.py: every check prints 'OK <name>' on success;
a failed check raises (the job then fails with the rank and the traceback)."""
import datetime
import sys

import numpy as np

import tensorgen as tg
import tensorgen.distributed as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=30))
R, W = dist.get_rank(), dist.get_world_size()
DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": np.float32,
          "int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
          "bool": np.bool_}


def ok(name):
    if R == 0:
        print("OK", name, flush=True)


def data(rank, n, dtname, seed=0):
    """Rank `rank`'s input (NumPy), small values so sums and products stay exact in every dtype."""
    g = np.random.default_rng(seed * 100 + rank)
    if dtname == "bool":
        return g.random(n) < 0.5
    if dtname in ("uint8",):
        return g.integers(0, 3, n).astype(np.uint8)
    if dtname.startswith("int"):
        return g.integers(-3, 4, n).astype(DTYPES[dtname])
    return (g.integers(-8, 9, n) / 4).astype(DTYPES[dtname])   # exact in float16/bfloat16


def to_tg(a, dtname):
    t = tg.from_numpy(np.ascontiguousarray(a))
    return t.to(tg.bfloat16) if dtname == "bfloat16" else t


def to_np(t):
    return (t.float() if t.dtype is tg.bfloat16 else t).numpy()


REF = {"SUM": lambda xs: np.sum(xs, axis=0), "MAX": lambda xs: np.max(xs, axis=0),
       "MIN": lambda xs: np.min(xs, axis=0), "PRODUCT": lambda xs: np.prod(xs, axis=0),
       "AVG": lambda xs: np.mean(xs, axis=0)}

# all_reduce: every dtype x op, odd sizes, a non-contiguous tensor, sync and async
for dtname in DTYPES:
    for n in (1, 7, 1000003 if dtname == "float32" else 1031):
        for opname in ("SUM", "MAX", "MIN", "PRODUCT", "AVG"):
            if opname == "AVG" and dtname not in ("float32", "float64", "float16", "bfloat16"):
                try:
                    dist.all_reduce(to_tg(data(R, n, dtname), dtname), op=dist.ReduceOp.AVG)
                except TypeError:
                    continue
                raise AssertionError("AVG on an integer tensor must raise TypeError")
            xs = np.stack([data(r, n, dtname, 1) for r in range(W)])
            if dtname == "bool":
                exp = {"SUM": xs.any(0), "MAX": xs.any(0), "MIN": xs.all(0), "PRODUCT": xs.all(0)}[opname]
            else:
                exp = REF[opname](xs.astype(np.float64))
            t = to_tg(xs[R], dtname)
            work = dist.all_reduce(t, op=getattr(dist.ReduceOp, opname), async_op=(n == 7))
            if work is not None:
                assert work.wait() and work.is_completed()
            tol = 1e-2 if dtname in ("float16", "bfloat16") else 1e-6
            np.testing.assert_allclose(to_np(t).astype(np.float64), exp.astype(np.float64), rtol=tol, atol=tol,
                                       err_msg=f"{dtname} {opname} n={n}")
ok("all_reduce_dtypes_ops")

x = tg.arange(24, dtype=tg.float32).reshape(4, 6) * (R + 1)
xt = x.t()  # non-contiguous: packed once, written back
dist.all_reduce(xt)
np.testing.assert_array_equal(xt.numpy(), np.arange(24, dtype=np.float32).reshape(4, 6).T * sum(range(1, W + 1)))
ok("all_reduce_noncontiguous")

# broadcast / reduce from every root
for root in range(W):
    for dtname in ("float32", "bfloat16", "int64", "bool"):
        t = to_tg(data(R, 11, dtname, 2), dtname)
        dist.broadcast(t, src=root)
        np.testing.assert_array_equal(to_np(t), to_np(to_tg(data(root, 11, dtname, 2), dtname)))
        t = to_tg(data(R, 11, dtname, 3), dtname)
        dist.reduce(t, dst=root, op=dist.ReduceOp.MAX)
        if R == root:
            xs = np.stack([to_np(to_tg(data(r, 11, dtname, 3), dtname)) for r in range(W)])
            np.testing.assert_array_equal(to_np(t), xs.max(0))
ok("broadcast_reduce")

# gathers and scatters
for dtname in ("float64", "float16", "int8"):
    mine = to_tg(data(R, 5, dtname, 4), dtname).reshape(5, 1)
    outs = [tg.zeros(5, 1).to(mine.dtype) for _ in range(W)]
    dist.all_gather(outs, mine)
    for r in range(W):
        np.testing.assert_array_equal(to_np(outs[r]), to_np(to_tg(data(r, 5, dtname, 4), dtname).reshape(5, 1)))
    out = tg.zeros(W * 5, 1).to(mine.dtype)
    dist.all_gather_into_tensor(out, mine)
    np.testing.assert_array_equal(to_np(out).reshape(W, 5, 1), np.stack([to_np(o) for o in outs]))
    big = to_tg(np.concatenate([data(r, 3 * W, dtname, 5) for r in range(1)]) * 0 + data(R, 3 * W, dtname, 5), dtname)
    part = tg.zeros(3).to(big.dtype)
    dist.reduce_scatter_tensor(part, big, op=dist.ReduceOp.SUM)
    exp = np.sum([data(r, 3 * W, dtname, 5).astype(np.float64) for r in range(W)], axis=0)[R * 3:(R + 1) * 3]
    np.testing.assert_allclose(to_np(part), exp)
    gl = [tg.zeros(5, 1).to(mine.dtype) for _ in range(W)] if R == W - 1 else None
    dist.gather(mine, gl, dst=W - 1)
    if R == W - 1:
        for r in range(W):
            np.testing.assert_array_equal(to_np(gl[r]), to_np(outs[r]))
    recv = tg.zeros(5, 1).to(mine.dtype)
    dist.scatter(recv, [o * 1 for o in outs] if R == 0 else None, src=0)
    np.testing.assert_array_equal(to_np(recv), to_np(outs[R]))
ok("gathers_scatters")

# all_to_all_single, even and uneven
inp = tg.arange(W * 2, dtype=tg.int64) + 100 * R
out = tg.zeros(W * 2, dtype=tg.int64)
dist.all_to_all_single(out, inp)
np.testing.assert_array_equal(out.numpy(), np.concatenate([np.arange(2 * R, 2 * R + 2) + 100 * r for r in range(W)]))
in_splits = [r + 1 for r in range(W)]              # rank R sends r+1 rows to rank r
out_splits = [R + 1] * W                          # and receives R+1 rows from everyone
inp = tg.full([sum(in_splits), 3], float(R))
out = tg.zeros(sum(out_splits), 3)
dist.all_to_all_single(out, inp, out_splits, in_splits)
np.testing.assert_array_equal(out.numpy(), np.repeat(np.arange(W, dtype=np.float32), R + 1)[:, None].repeat(3, 1))
ok("all_to_all_single")

# point to point: a ring with isend/irecv, then blocking send/recv with any source
nxt, prv = (R + 1) % W, (R - 1) % W
buf = tg.zeros(4, dtype=tg.bfloat16)
rw = dist.irecv(buf, src=prv, tag=7)
sw = dist.isend(tg.full([4], float(R)).to(tg.bfloat16), dst=nxt, tag=7)
sw.wait(); rw.wait()
assert buf.float().tolist() == [float(prv)] * 4
if R == 0:
    got = set()
    for _ in range(W - 1):
        t = tg.zeros(2)
        got.add(dist.recv(t))
        assert t.tolist() == [1.0, 1.0]
    assert got == set(range(1, W))
else:
    dist.send(tg.ones(2), dst=0)
ok("point_to_point")

# async handles overlap: start several, compute, then wait in reverse order
works, tensors = [], []
for k in range(4):
    t = tg.full([50000], float(R + k))
    tensors.append(t)
    works.append(dist.all_reduce(t, async_op=True))
_ = (tg.ones(200, 200) @ tg.ones(200, 200)).sum()
for k in reversed(range(4)):
    works[k].wait()
    assert float(tensors[k][0]) == sum(r + k for r in range(W))
ok("async_handles")

# objects
objs = [None] * W
dist.all_gather_object(objs, {"rank": R, "s": "x" * R})
assert objs == [{"rank": r, "s": "x" * r} for r in range(W)]
lst = [1, "two", {3: 4}] if R == 1 else [None, None, None]
dist.broadcast_object_list(lst, src=1)
assert lst == [1, "two", {3: 4}]
ok("objects")

# subgroups: ranks {0, W-1}; others are not members
sub = dist.new_group([0, W - 1])
if R in (0, W - 1):
    t = tg.ones(3) * R
    dist.all_reduce(t, group=sub)
    assert t.tolist() == [float(W - 1)] * 3 and dist.get_world_size(sub) == 2
else:
    assert sub is dist.GroupMember.NON_GROUP_MEMBER and dist.all_reduce(tg.ones(1), group=sub) is None
ok("subgroups")

# mismatched metadata is detected on every rank
try:
    dist.all_reduce(tg.ones(3 + R))
    raise AssertionError("shape mismatch not detected")
except RuntimeError as e:
    assert "mismatched" in str(e) and "rank 1" in str(e), e
try:
    dist.all_reduce(tg.ones(3, dtype=tg.float32 if R == 0 else tg.float64))
    raise AssertionError("dtype mismatch not detected")
except RuntimeError as e:
    assert "float64" in str(e), e
ok("metadata_check")

# TENSORGEN_DISTRIBUTED_DEBUG=OFF: no check, synchronous collectives are plain blocking MPI calls
world = dist._api._world("test")
world.debug = False
try:
    x = tg.from_numpy(np.arange(5, dtype=np.float32) + R)
    dist.all_reduce(x, op=dist.ReduceOp.AVG)
    assert np.allclose(x.numpy(), np.arange(5) + (W - 1) / 2), x
    b = tg.full([3], float(R))
    dist.broadcast(b, src=W - 1)
    assert (b.numpy() == W - 1).all(), b
    out = tg.empty(W * 2, dtype=tg.int64)
    dist.all_gather_into_tensor(out, tg.full([2], R, dtype=tg.int64))
    assert out.tolist() == [r for r in range(W) for _ in range(2)], out
    rs = tg.empty(2)
    dist.reduce_scatter_tensor(rs, tg.arange(2 * W, dtype=tg.float32))
    assert rs.tolist() == [W * (2 * R), W * (2 * R + 1)], rs
    dist.barrier()
    w = dist.all_reduce(tg.ones(3), async_op=True)   # async stays nonblocking + polled
    w.wait()
finally:
    world.debug = True
ok("unchecked_blocking")

# bad arguments
for bad, exc in ((lambda: dist.all_reduce([1, 2]), TypeError), (lambda: dist.broadcast(tg.ones(1), src=W), ValueError),
                 (lambda: dist.all_reduce(tg.ones(1), op="nope"), ValueError),
                 (lambda: dist.all_reduce(tg.ones(1), op=dist.ReduceOp.BAND), TypeError),
                 (lambda: dist.init_process_group("mpi"), RuntimeError),
                 (lambda: dist.all_gather([tg.ones(1)], tg.ones(1)), ValueError)):
    try:
        bad()
        raise AssertionError(f"no {exc.__name__}")
    except exc:
        pass
ok("bad_arguments")

dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
ok("destroy")
sys.stdout.flush()
