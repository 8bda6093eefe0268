"""torch.distributed's functions over MPI (see _mpi.py for the transport)."""
from __future__ import annotations

import atexit
import datetime
import enum
import os
import pickle
import threading

import numpy as np

from tensorgen import _C
from tensorgen.distributed import _mpi
from tensorgen.distributed._mpi import Buf, S, meta

_DEFAULT_TIMEOUT = 1800.0  # torch.distributed's default_pg_timeout: 30 minutes


class ReduceOp(enum.Enum):
    SUM = "SUM"
    AVG = "AVG"
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"

    def __repr__(self) -> str:
        return f"ReduceOp.{self.name}"


class GroupMember:
    WORLD = None                 # stands for the default group wherever a group is accepted
    NON_GROUP_MEMBER = object()  # what new_group returns on ranks outside the new group


group = GroupMember
ProcessGroup = _mpi.ProcessGroup
DistBackendError = _mpi.DistBackendError
DistTimeoutError = _mpi.DistTimeoutError
_group_count = 0


def is_available() -> bool:
    """True when mpi4py can be imported (without initializing MPI)."""
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


def is_initialized() -> bool:
    return S.world is not None


def _world(what: str) -> ProcessGroup:
    if S.world is None:
        raise ValueError(f"[{what}] Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return S.world


def _resolve(group_, what: str):
    """The ProcessGroup to run on, or None when this rank is not a member (nothing to do)."""
    w = _world(what)
    if group_ is None:
        return w
    if group_ is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group_, ProcessGroup):
        raise TypeError(f"[{what}] group must be a ProcessGroup from new_group() or None, got "
                        f"{type(group_).__name__}")
    if group_.comm is None:
        raise RuntimeError(f"[{what}] group {group_.name} was destroyed")
    return group_


def _timeout_seconds(timeout, what: str) -> float:
    if timeout is None:
        return _DEFAULT_TIMEOUT
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError(f"[{what}] timeout must be a positive datetime.timedelta or number of seconds, got "
                         f"{timeout!r}")
    return float(timeout)


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout=None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "",
                       pg_options=None, device_id=None) -> None:
    """Joins the MPI job: rank and world size come from MPI (launch with mpiexec or
    `python -m tensorgen.distributed.run -n N`). backend must be "mpi" (or None); init_method
    and store are accepted for compatibility (MPI's launcher already did the rendezvous);
    world_size/rank and the RANK/WORLD_SIZE variables, when given, must agree with MPI.
    timeout bounds every collective: a rank that stops participating makes the others raise
    DistTimeoutError (a RuntimeError) naming it."""
    global _DEFAULT_TIMEOUT
    what = "init_process_group"
    if S.world is not None:
        raise RuntimeError(f"[{what}] trying to initialize the default process group twice!")
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"[{what}] tensorgen.distributed runs on MPI: backend must be 'mpi' or None, got "
                         f"{backend!r} (NCCL/gloo are not available)")
    if init_method is not None and not isinstance(init_method, str):
        raise TypeError(f"[{what}] init_method must be a string, got {type(init_method).__name__}")
    seconds = _timeout_seconds(timeout, what)
    MPI = _mpi._import_mpi()
    comm = MPI.COMM_WORLD
    size, me = comm.Get_size(), comm.Get_rank()
    for name, given, env in (("world_size", world_size, "WORLD_SIZE"), ("rank", rank, "RANK")):
        actual = size if name == "world_size" else me
        if given is not None and given != -1 and given != actual:
            raise ValueError(f"[{what}] {name}={given} but MPI says {actual}: launch with mpiexec -n N or "
                             "python -m tensorgen.distributed.run -n N")
        if env in os.environ and os.environ[env].strip() and int(os.environ[env]) != actual and \
                "OMPI_COMM_WORLD_SIZE" not in os.environ and "PMI_SIZE" not in os.environ:
            raise ValueError(f"[{what}] ${env}={os.environ[env]} but MPI says {actual}: this process was not "
                             "started by mpiexec (use python -m tensorgen.distributed.run -n N)")
    _DEFAULT_TIMEOUT = seconds
    _mpi.start_service()
    S.world = ProcessGroup(comm.Dup(), list(range(size)), group_name or "WORLD", seconds)
    atexit.register(_mpi.at_exit)


def destroy_process_group(group=None) -> None:
    """Frees a group; without an argument (or with the default group) shuts tensorgen.distributed
    down (MPI itself is finalized at exit, as mpi4py does)."""
    what = "destroy_process_group"
    w = _world(what)
    if group is not None and group is not w:
        if isinstance(group, ProcessGroup) and group.comm is not None:
            group.comm.Free()
            group.comm = None
        return
    w.comm.Free()
    w.comm = None
    S.world = None
    _mpi.stop_service()
    _mpi._free_ops()
    try:
        atexit.unregister(_mpi.at_exit)
    except Exception:  # noqa: BLE001
        pass


def get_rank(group=None) -> int:
    pg = _resolve(group, "get_rank")
    return -1 if pg is None else pg.rank()


def get_world_size(group=None) -> int:
    pg = _resolve(group, "get_world_size")
    return -1 if pg is None else pg.size()


def get_backend(group=None) -> str:
    _resolve(group, "get_backend")
    return "mpi"


def get_process_group_ranks(group) -> list:
    pg = _resolve(group, "get_process_group_ranks")
    return [] if pg is None else list(pg.ranks)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None):
    """A group of `ranks` (global ranks). Every rank of the default group must call it, in the same
    order; ranks outside get GroupMember.NON_GROUP_MEMBER."""
    global _group_count
    what = "new_group"
    w = _world(what)
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"[{what}] backend must be 'mpi' or None, got {backend!r}")
    if ranks is None:
        ranks = list(range(w.size()))
    ranks = sorted(int(r) for r in ranks)
    if len(set(ranks)) != len(ranks) or any(r < 0 or r >= w.size() for r in ranks):
        raise ValueError(f"[{what}] ranks must be distinct ranks in [0, {w.size()}), got {ranks}")
    seconds = _timeout_seconds(timeout, what) if timeout is not None else w.timeout
    _group_count += 1
    name = group_desc or f"group{_group_count}"
    w.begin(what, (tuple(ranks),))
    me = w.rank()
    # Comm.Split is blocking: the signature check above already made every rank arrive.
    comm = w.comm.Split(color=0 if me in ranks else _mpi.MPI.UNDEFINED, key=me)
    if comm == _mpi.MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, ranks, name, seconds)


# ----------------------------------------------------------------------------- work handles

class Work:
    """What a collective with async_op=True returns. wait() blocks until it completed (raising
    if it failed, a peer failed, or the group's timeout passed); is_completed() never blocks."""

    def __init__(self, pg: ProcessGroup, what: str, seq: int, reqs: list, finish=None, keep=(), result=()):
        self._pg, self._what, self._seq = pg, what, seq
        self._reqs = reqs
        self._finish = finish
        self._keep = keep            # tensors/buffers MPI is reading or writing
        self._result = list(result)
        self._done = False
        self._exc = None
        self._lock = threading.Lock()
        self._counted = True        # counted in S.pending_async until it completes or fails
        S.pending_async += 1

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            S.pending_async = max(0, S.pending_async - 1)

    def _complete(self) -> None:
        self._uncount()
        self._reqs = []
        self._keep = ()
        if self._finish is not None:
            fin, self._finish = self._finish, None
            fin()
        self._done = True

    def is_completed(self) -> bool:
        with self._lock:
            if self._done or self._exc is not None:
                return True
            try:
                if not self._reqs or _mpi.MPI.Request.Testall(self._reqs):
                    self._complete()
            except _mpi.MPI.Exception as e:
                self._uncount()
                self._exc = DistBackendError(f"[{self._what}] MPI error: {e.Get_error_string()}")
            return self._done or self._exc is not None

    def is_success(self) -> bool:
        return self.is_completed() and self._exc is None

    def exception(self):
        return self._exc

    def wait(self, timeout=None) -> bool:
        with self._lock:
            if self._exc is not None:
                raise self._exc
            if not self._done:
                secs = None if timeout is None else _timeout_seconds(timeout, "Work.wait")
                try:
                    _mpi.wait_requests(self._pg, self._reqs, self._what, self._seq, secs)
                except Exception as e:
                    self._uncount()
                    self._exc = e
                    raise
                self._complete()
        return True

    def result(self) -> list:
        self.wait()
        return self._result

    def __del__(self):
        # an async op dropped without wait(): MPI completes it on its own; only the counter that
        # makes the service thread poll faster must drop
        self._uncount()


def _collective(pg: ProcessGroup, what: str, seq: int, async_op: bool, call: str, *args, finish=None, keep=(),
                result=(), **kwargs):
    """Runs MPI collective `call` (mpi4py's blocking name: "Allreduce", "Bcast", ...) for a started
    collective #seq and completes it now (async_op=False) or returns its Work.

    A synchronous call goes to MPI's blocking collective when nothing can leave it waiting for a
    rank that never comes: the metadata check of begin() just proved every rank of the group is in
    this collective (or the group has one rank), or TENSORGEN_DISTRIBUTED_DEBUG=OFF asked for no
    cross-rank checks at all. Open MPI's blocking algorithms are ~1.5x faster than its nonblocking
    ones between 16 KB and 4 MB. Everything else (async_op=True, a collective with the check
    skipped) starts the nonblocking twin ("Iallreduce", ...) and polls it under the group's timeout."""
    if not async_op and (pg.present == seq or not pg.debug):
        _mpi_call(what, getattr(pg.comm, call), *args, **kwargs)
        if finish is not None:
            finish()
        return None
    req = _mpi_call(what, getattr(pg.comm, "I" + call[0].lower() + call[1:]), *args, **kwargs)
    return _run(pg, what, seq, [req], async_op, finish, keep, result)


def _run(pg: ProcessGroup, what: str, seq: int, reqs: list, async_op: bool, finish=None, keep=(), result=()):
    """Completes started nonblocking requests now (async_op=False) or returns their Work."""
    work = Work(pg, what, seq, reqs, finish, keep, result)
    if async_op:
        return work
    work.wait()
    return None


def _mpi_call(what: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except _mpi.MPI.Exception as e:
        raise DistBackendError(f"[{what}] MPI error: {e.Get_error_string()}") from e


def _opname(op, what: str) -> str:
    if isinstance(op, ReduceOp):
        return op.value
    if isinstance(op, str) and op.upper() in ReduceOp.__members__:
        return op.upper()
    raise ValueError(f"[{what}] op must be a ReduceOp, got {op!r}")


def _avg_finish(buf: Buf, opname: str, size: int):
    if opname != "AVG":
        return buf.writeback if buf.c is not buf.t else None

    def finish():
        with _mpi._no_grad():
            buf.c.div_(size)
        buf.writeback()
    return finish


# ----------------------------------------------------------------------------- collectives

def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False, *, _check: bool = True):
    """Reduces `tensor` across the group, in place on every rank."""
    what = "all_reduce"
    pg = _resolve(group, what)
    if pg is None:
        return None
    name = _opname(op, what)
    buf = Buf(tensor, what)
    mop = _mpi.mpi_op(name, buf.c.dtype, what)
    seq = pg.begin(what, (meta(tensor), name), _check)
    return _collective(pg, what, seq, async_op, "Allreduce", _mpi.MPI.IN_PLACE, buf.spec(), op=mop,
                       finish=_avg_finish(buf, name, pg.size()), keep=(buf,), result=(tensor,))


def broadcast(tensor, src: int | None = None, group=None, async_op: bool = False, group_src: int | None = None):
    what = "broadcast"
    pg = _resolve(group, what)
    if pg is None:
        return None
    root = _root(pg, src, group_src, what, "src")
    buf = Buf(tensor, what)
    seq = pg.begin(what, (meta(tensor), root))
    fin = buf.writeback if pg.rank() != root else None
    return _collective(pg, what, seq, async_op, "Bcast", buf.spec(), root=root, finish=fin, keep=(buf,),
                       result=(tensor,))


def _root(pg, global_rank, group_rank, what: str, name: str) -> int:
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError(f"[{what}] pass {name} or group_{name}, not both")
        if not isinstance(group_rank, int) or not 0 <= group_rank < pg.size():
            raise ValueError(f"[{what}] group_{name}={group_rank} is not a rank of a group of size {pg.size()}")
        return group_rank
    if global_rank is None:
        global_rank = 0 if name == "src" or name == "dst" else None
    return pg.group_rank(global_rank, what, name)


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """Reduces `tensor` from every rank into `tensor` on rank `dst`; other ranks' tensors are
    left as they were."""
    what = "reduce"
    pg = _resolve(group, what)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, what, "dst")
    name = _opname(op, what)
    buf = Buf(tensor, what)
    mop = _mpi.mpi_op(name, buf.c.dtype, what)
    seq = pg.begin(what, (meta(tensor), root, name))
    if pg.rank() == root:
        send, recv, fin = _mpi.MPI.IN_PLACE, buf.spec(), _avg_finish(buf, name, pg.size())
    else:
        send, recv, fin = buf.spec(), None, None
    return _collective(pg, what, seq, async_op, "Reduce", send, recv, op=mop, root=root, finish=fin, keep=(buf,),
                       result=(tensor,))


def _check_like(t, ref, what: str, name: str) -> None:
    if not isinstance(t, _C.TensorBase):
        raise TypeError(f"[{what}] {name} must be a Tensor, got {type(t).__name__}")
    if t.dtype != ref.dtype or tuple(t.shape) != tuple(ref.shape):
        raise ValueError(f"[{what}] {name} must have the input's dtype and shape ({ref.dtype}, "
                         f"{list(ref.shape)}), got {t.dtype}, {list(t.shape)}")


def _check_list(lst, n: int, ref, what: str, name: str) -> None:
    if not isinstance(lst, (list, tuple)):
        raise TypeError(f"[{what}] {name} must be a list of Tensors, got {type(lst).__name__}")
    if len(lst) != n:
        raise ValueError(f"[{what}] {name} must hold one tensor per rank ({n}), got {len(lst)}")
    for i, t in enumerate(lst):
        _check_like(t, ref, what, f"{name}[{i}]")


def _scatter_into(flat, outs):
    def finish():
        n = outs[0].numel() if outs else 0
        with _mpi._no_grad():
            for i, o in enumerate(outs):
                o.copy_(flat[i * n:(i + 1) * n].reshape(tuple(o.shape)))
    return finish


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """tensor_list[i] = rank i's tensor (same shape and dtype on every rank)."""
    what = "all_gather"
    pg = _resolve(group, what)
    if pg is None:
        return None
    buf = Buf(tensor, what)
    _check_list(tensor_list, pg.size(), tensor, what, "tensor_list")
    flat = _C.empty([pg.size() * buf.numel], dtype=tensor.dtype)
    out = Buf(flat, what)
    seq = pg.begin(what, (meta(tensor),))
    return _collective(pg, what, seq, async_op, "Allgather", buf.spec(), out.spec(buf.numel),  # count per rank
                       finish=_scatter_into(flat, list(tensor_list)), keep=(buf, out), result=tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """output = the inputs of ranks 0..n-1 concatenated along dim 0 (or stacked: numel n*k)."""
    what = "all_gather_into_tensor"
    pg = _resolve(group, what)
    if pg is None:
        return None
    inp, out = Buf(input_tensor, what, "input_tensor"), Buf(output_tensor, what, "output_tensor")
    if output_tensor.dtype != input_tensor.dtype or out.numel != pg.size() * inp.numel:
        raise ValueError(f"[{what}] output_tensor must have the input's dtype and world_size ({pg.size()}) times "
                         f"its numel ({inp.numel}), got {output_tensor.dtype} with {out.numel} elements")
    seq = pg.begin(what, (meta(input_tensor),))
    return _collective(pg, what, seq, async_op, "Allgather", inp.spec(), out.spec(inp.numel),
                       finish=out.writeback, keep=(inp, out), result=(output_tensor,))


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """output on rank i = block i of the reduction of `input` (world_size blocks) over the ranks."""
    what = "reduce_scatter_tensor"
    pg = _resolve(group, what)
    if pg is None:
        return None
    name = _opname(op, what)
    inp, out = Buf(input, what, "input"), Buf(output, what, "output")
    if output.dtype != input.dtype or inp.numel != pg.size() * out.numel:
        raise ValueError(f"[{what}] input must have the output's dtype and world_size ({pg.size()}) times its "
                         f"numel ({out.numel}), got {input.dtype} with {inp.numel} elements")
    mop = _mpi.mpi_op(name, out.c.dtype, what)
    seq = pg.begin(what, (meta(input), meta(output), name))
    return _collective(pg, what, seq, async_op, "Reduce_scatter_block", inp.spec(out.numel), out.spec(),  # per block
                       op=mop, finish=_avg_finish(out, name, pg.size()), keep=(inp, out), result=(output,))


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """output on rank i = the reduction of input_list[i] over the ranks."""
    what = "reduce_scatter"
    pg = _resolve(group, what)
    if pg is None:
        return None
    _check_list(input_list, pg.size(), output, what, "input_list")
    flat = _C.cat([t.reshape([-1]) for t in input_list]) if input_list else _C.empty([0], dtype=output.dtype)
    return reduce_scatter_tensor(output, flat, op, group, async_op)


def gather(tensor, gather_list=None, dst: int | None = None, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """gather_list (on dst only) = every rank's tensor."""
    what = "gather"
    pg = _resolve(group, what)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, what, "dst")
    buf = Buf(tensor, what)
    keep, fin, recv = [buf], None, None
    if pg.rank() == root:
        _check_list(gather_list, pg.size(), tensor, what, "gather_list")
        flat = _C.empty([pg.size() * buf.numel], dtype=tensor.dtype)
        out = Buf(flat, what)
        keep.append(out)
        recv = out.spec(buf.numel)  # count per rank
        fin = _scatter_into(flat, list(gather_list))
    elif gather_list:
        raise ValueError(f"[{what}] gather_list must be empty or None on non-destination ranks")
    seq = pg.begin(what, (meta(tensor), root))
    return _collective(pg, what, seq, async_op, "Gather", buf.spec(), recv, root=root, finish=fin, keep=tuple(keep),
                       result=gather_list or ())


def scatter(tensor, scatter_list=None, src: int | None = None, group=None, async_op: bool = False,
            group_src: int | None = None):
    """tensor on rank i = scatter_list[i] of rank src."""
    what = "scatter"
    pg = _resolve(group, what)
    if pg is None:
        return None
    root = _root(pg, src, group_src, what, "src")
    buf = Buf(tensor, what)
    keep, send = [buf], None
    if pg.rank() == root:
        _check_list(scatter_list, pg.size(), tensor, what, "scatter_list")
        flat = _C.cat([t.reshape([-1]) for t in scatter_list])
        sb = Buf(flat, what)
        keep.append(sb)
        send = sb.spec(buf.numel)  # count per rank
    elif scatter_list:
        raise ValueError(f"[{what}] scatter_list must be empty or None on non-source ranks")
    seq = pg.begin(what, (meta(tensor), root))
    return _collective(pg, what, seq, async_op, "Scatter", send, buf.spec(), root=root, finish=buf.writeback,
                       keep=tuple(keep), result=(tensor,))


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op: bool = False):
    """Rank i sends the j-th dim-0 block of input to rank j, which stores it as its i-th block of
    output. Without split sizes the blocks are equal (dim 0 divisible by world_size)."""
    what = "all_to_all_single"
    pg = _resolve(group, what)
    if pg is None:
        return None
    n = pg.size()
    inp, out = Buf(input, what, "input"), Buf(output, what, "output")
    if input.dtype != output.dtype:
        raise ValueError(f"[{what}] input and output must have the same dtype, got {input.dtype} and {output.dtype}")

    def counts(t, splits, name):
        rows = t.shape[0] if t.dim() else 1
        row = t.numel() // rows if rows else 0
        if splits is None or len(splits) == 0:
            if rows % n:
                raise ValueError(f"[{what}] {name} dim 0 ({rows}) must be divisible by the world size ({n}) "
                                 f"when no split sizes are given")
            splits = [rows // n] * n
        splits = [int(s) for s in splits]
        if len(splits) != n or sum(splits) != rows or min(splits) < 0:
            raise ValueError(f"[{what}] {name} split sizes must be {n} non-negative ints summing to {rows}, "
                             f"got {splits}")
        c = [s * row for s in splits]
        return c, list(np.concatenate([[0], np.cumsum(c)[:-1]]).astype(int))

    sc, sd = counts(input, input_split_sizes, "input")
    rc, rd = counts(output, output_split_sizes, "output")
    seq = pg.begin(what, (str(input.dtype),), True)
    dt = _mpi._mpi_datatype(inp.c.dtype)
    s0, r0 = inp.spec(), out.spec()
    return _collective(pg, what, seq, async_op, "Alltoallv", [s0[0], (sc, sd), dt], [r0[0], (rc, rd), dt],
                       finish=out.writeback, keep=(inp, out), result=(output,))


def barrier(group=None, async_op: bool = False, device_ids=None):
    what = "barrier"
    pg = _resolve(group, what)
    if pg is None:
        return None
    seq = pg.begin(what, ())
    return _collective(pg, what, seq, async_op, "Barrier")


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False):
    """A barrier that fails with the ranks that did not arrive after `timeout`."""
    what = "monitored_barrier"
    pg = _resolve(group, what)
    if pg is None:
        return None
    seq = pg.begin(what, (), False)
    secs = None if timeout is None else _timeout_seconds(timeout, what)
    _mpi.wait_requests(pg, [_mpi_call(what, pg.comm.Ibarrier)], what, seq, secs)


# ----------------------------------------------------------------------------- point to point

def _p2p(tensor, peer, group, tag, what, send: bool, group_peer=None):
    pg = _resolve(group, what)
    if pg is None:
        return None, None
    if not isinstance(tag, int):
        raise TypeError(f"[{what}] tag must be an int, got {type(tag).__name__}")
    if peer is None and group_peer is None and not send:
        r = _mpi.MPI.ANY_SOURCE
    else:
        r = _root(pg, peer, group_peer, what, "dst" if send else "src")
        if r == pg.rank():
            raise ValueError(f"[{what}] a rank cannot {'send to' if send else 'receive from'} itself")
    buf = Buf(tensor, what)
    if send:
        req = _mpi_call(what, pg.comm.Isend, buf.spec(), dest=r, tag=tag)
    else:
        req = _mpi_call(what, pg.comm.Irecv, buf.spec(), source=r, tag=tag)
    return pg, (req, buf)


def isend(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None):
    pg, rb = _p2p(tensor, dst, group, tag, "isend", True, group_dst)
    if pg is None:
        return None
    req, buf = rb
    return Work(pg, "isend", pg.seq, [req], None, (buf,))


def irecv(tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None):
    """Starts receiving into `tensor` (from any rank when src is None); returns a Work."""
    pg, rb = _p2p(tensor, src, group, tag, "irecv", False, group_src)
    if pg is None:
        return None
    req, buf = rb
    return Work(pg, "irecv", pg.seq, [req], buf.writeback, (buf,), (tensor,))


def send(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None) -> None:
    w = isend(tensor, dst, group, tag, group_dst)
    if w is not None:
        w.wait()


def recv(tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None) -> int:
    """Receives into `tensor`; returns the sender's rank (any rank when src is None)."""
    what = "recv"
    pg = _resolve(group, what)
    if pg is None:
        return -1
    if src is None and group_src is None:
        # probe first to learn the sender, then receive from exactly that rank
        status = _mpi.MPI.Status()
        deadline_probe = _mpi.MPI.Wtime() + pg.timeout
        while not pg.comm.Iprobe(source=_mpi.MPI.ANY_SOURCE, tag=tag, status=status):
            _mpi.check_peer_fault(what)
            if _mpi.MPI.Wtime() > deadline_probe:
                raise DistTimeoutError(f"[{what}] rank {pg.global_rank} timed out after {pg.timeout:g} s waiting "
                                       f"for a message with tag {tag}")
        src = pg.ranks[status.Get_source()]
    w = irecv(tensor, src, group, tag)
    w.wait()
    return src


# ----------------------------------------------------------------------------- Python objects

def _obj_group(group, what):
    pg = _resolve(group, what)
    return pg


def all_gather_object(object_list, obj, group=None) -> None:
    """object_list[i] = rank i's obj (any picklable object)."""
    what = "all_gather_object"
    pg = _obj_group(group, what)
    if pg is None:
        return
    if not isinstance(object_list, list) or len(object_list) != pg.size():
        raise ValueError(f"[{what}] object_list must be a list with world_size ({pg.size()}) entries")
    pg.begin(what, ())
    object_list[:] = _mpi.allgather_pickled(pg, obj, what)


def broadcast_object_list(object_list, src: int | None = None, group=None, device=None,
                          group_src: int | None = None) -> None:
    """Replaces object_list's entries on every rank with those of rank src (same length)."""
    what = "broadcast_object_list"
    pg = _obj_group(group, what)
    if pg is None:
        return
    if not isinstance(object_list, list):
        raise TypeError(f"[{what}] object_list must be a list, got {type(object_list).__name__}")
    root = _root(pg, src, group_src, what, "src")
    seq = pg.begin(what, (len(object_list), root))
    data = np.frombuffer(pickle.dumps(list(object_list)), dtype=np.uint8) if pg.rank() == root else None
    n = np.array([0 if data is None else data.size], dtype=np.int64)
    _mpi.wait_requests(pg, [pg.comm.Ibcast(n, root=root)], what, seq)
    if data is None:
        data = np.empty(int(n[0]), dtype=np.uint8)
    _mpi.wait_requests(pg, [pg.comm.Ibcast([data, _mpi.MPI.BYTE], root=root)], what, seq)
    object_list[:] = pickle.loads(data.tobytes())


def gather_object(obj, object_gather_list=None, dst: int | None = None, group=None,
                  group_dst: int | None = None) -> None:
    what = "gather_object"
    pg = _obj_group(group, what)
    if pg is None:
        return
    root = _root(pg, dst, group_dst, what, "dst")
    if pg.rank() == root and (not isinstance(object_gather_list, list) or len(object_gather_list) != pg.size()):
        raise ValueError(f"[{what}] object_gather_list must be a list with world_size ({pg.size()}) entries on dst")
    pg.begin(what, (root,))
    objs = _mpi.allgather_pickled(pg, obj, what)
    if pg.rank() == root:
        object_gather_list[:] = objs


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src: int | None = None,
                        group=None, group_src: int | None = None) -> None:
    what = "scatter_object_list"
    pg = _obj_group(group, what)
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError(f"[{what}] scatter_object_output_list must be a non-empty list")
    root = _root(pg, src, group_src, what, "src")
    objs = [list(scatter_object_input_list) if pg.rank() == root else None]
    broadcast_object_list(objs, group=pg, group_src=root)
    scatter_object_output_list[0] = objs[0][pg.rank()]
