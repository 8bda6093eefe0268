"""The MPI layer under tensorgen.distributed: tensor buffers as MPI messages, reduction ops for
every dtype, process groups, work handles, the progress/fault service thread.

Design (DESIGN.md §13):
- Tensor memory goes to MPI zero-copy: a message is (raw pointer, count, MPI datatype) built from
  the tensor's data_ptr(); only non-contiguous or non-CPU tensors are staged through one
  contiguous host copy. float16/bfloat16 travel as 16-bit words; their reductions are MPI ops
  whose callback reduces in NumPy the way tensorgen's kernels do (compute in float32, round to
  nearest even once).
- No rank waits inside a blocking MPI call for a peer that may never come: each collective
  first runs the cross-rank metadata check (a 16-byte nonblocking all-reduce polled under the
  group's timeout, watching for fault notices); once it completed, every rank is inside the
  collective and the payload goes through MPI's blocking call (faster than the nonblocking
  algorithms). async_op=True and unchecked collectives are nonblocking calls completed by
  polling, so they too time out (`timeout=` on init_process_group / new_group) or notice a
  failed peer. TENSORGEN_DISTRIBUTED_DEBUG=OFF drops the check and its watchdog: synchronous
  collectives are then plain blocking MPI calls (a rank that dies still ends the job through
  mpiexec; one that never arrives is waited for).
- One daemon service thread per process listens on a private duplicate of COMM_WORLD for fault
  notices and status queries, and its MPI calls also drive the progress of outstanding
  nonblocking collectives while the caller computes (async_op=True overlaps with backward).
"""
from __future__ import annotations

import os
import pickle
import sys
import threading
import time
import traceback
import zlib

import numpy as np

from tensorgen import _C

MPI = None  # mpi4py.MPI once init_process_group ran (importing it initializes MPI)

_TAG_FAULT, _TAG_STATUS_REQ, _TAG_STATUS_REPLY, _TAG_ACK = 101, 102, 103, 104


class DistBackendError(RuntimeError):
    """A collective failed because of the transport: a peer failed, timed out, or MPI raised."""


class DistTimeoutError(DistBackendError):
    """A collective did not complete within the process group's timeout."""


class DistPeerFailure(DistBackendError):
    """Raised on a rank because another rank failed first (that rank is named in the message)."""


def _import_mpi():
    global MPI
    if MPI is None:
        try:
            from mpi4py import MPI as _mpi
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise RuntimeError("[init_process_group] tensorgen.distributed needs mpi4py and an MPI library: "
                               "pip install 'tensorgen[distributed]' (mpi4py + Open MPI), or mpi4py built "
                               f"against your site's MPI ({e})") from e
        MPI = _mpi
    return MPI


# ----------------------------------------------------------------------------- dtypes and ops

_DATATYPES: dict = {}  # tensorgen dtype -> MPI datatype, filled on first use (MPI is imported late)


def _mpi_datatype(dtype):
    if not _DATATYPES:
        d = _C
        _DATATYPES.update({d.float32: MPI.FLOAT, d.float64: MPI.DOUBLE, d.int8: MPI.INT8_T, d.uint8: MPI.UINT8_T,
                           d.int16: MPI.INT16_T, d.int32: MPI.INT32_T, d.int64: MPI.INT64_T, d.bool: MPI.C_BOOL,
                           d.float16: MPI.UINT16_T, d.bfloat16: MPI.UINT16_T})
    return _DATATYPES[dtype]


def _bf16_to_f32(u16: np.ndarray) -> np.ndarray:
    return (u16.astype(np.uint32) << 16).view(np.float32)


def _f32_to_bf16(f: np.ndarray) -> np.ndarray:
    # round to nearest even, NaN stays a (quiet) NaN - the rounding of tensorgen's bfloat16 cast
    u = f.view(np.uint32)
    r = ((u + np.uint32(0x7FFF) + ((u >> 16) & np.uint32(1))) >> 16).astype(np.uint16)
    return np.where(np.isnan(f), np.uint16(0x7FC0), r)


_NP_REDUCE = {"SUM": np.add, "PRODUCT": np.multiply, "MIN": np.minimum, "MAX": np.maximum}
_half_ops: dict = {}


def _half_op(dtype, opname: str):
    """A commutative MPI op reducing float16 or bfloat16 words in place (inout = in (op) inout)."""
    key = (dtype, opname)
    if key not in _half_ops:
        fn = _NP_REDUCE[opname]
        if dtype is _C.float16:
            def reduce(inbuf, inoutbuf, datatype):
                a = np.frombuffer(inbuf, dtype=np.float16)
                b = np.frombuffer(inoutbuf, dtype=np.float16)
                fn(a, b, out=b)  # NumPy's float16 arithmetic rounds each result once, like tensorgen
        else:
            def reduce(inbuf, inoutbuf, datatype):
                a = np.frombuffer(inbuf, dtype=np.uint16)
                b = np.frombuffer(inoutbuf, dtype=np.uint16)
                b[:] = _f32_to_bf16(fn(_bf16_to_f32(a), _bf16_to_f32(b)))
        _half_ops[key] = MPI.Op.Create(reduce, commute=True)
    return _half_ops[key]


def _free_ops() -> None:
    for op in _half_ops.values():
        try:
            op.Free()
        except Exception:  # noqa: BLE001 - finalization order; nothing to report
            pass
    _half_ops.clear()


def _is_floating(dtype) -> bool:
    return dtype in (_C.float16, _C.bfloat16, _C.float32, _C.float64)


def mpi_op(opname: str, dtype, what: str):
    """The MPI reduction for ReduceOp `opname` on `dtype` (AVG is SUM followed by a division)."""
    if opname == "AVG":
        if not _is_floating(dtype):
            raise TypeError(f"[{what}] ReduceOp.AVG needs a floating point tensor, got {dtype}")
        opname = "SUM"
    if dtype is _C.bool:
        return {"SUM": MPI.LOR, "MAX": MPI.LOR, "BOR": MPI.LOR, "PRODUCT": MPI.LAND, "MIN": MPI.LAND,
                "BAND": MPI.LAND, "BXOR": MPI.LXOR}[opname]
    if opname in ("BAND", "BOR", "BXOR"):
        if _is_floating(dtype):
            raise TypeError(f"[{what}] ReduceOp.{opname} needs an integer or bool tensor, got {dtype}")
        return {"BAND": MPI.BAND, "BOR": MPI.BOR, "BXOR": MPI.BXOR}[opname]
    if dtype in (_C.float16, _C.bfloat16):
        return _half_op(dtype, opname)
    return {"SUM": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN, "MAX": MPI.MAX}[opname]


# ----------------------------------------------------------------------------- tensor buffers

class Buf:
    """A tensor as an MPI message. `t` is the user's tensor; `c` the contiguous host tensor MPI
    reads/writes (t itself when t is a contiguous CPU tensor: zero-copy). writeback() copies c
    into t when they differ (non-contiguous or CUDA tensors)."""

    __slots__ = ("t", "c")

    def __init__(self, t, what: str, name: str = "tensor"):
        if not isinstance(t, _C.TensorBase):
            raise TypeError(f"[{what}] {name} must be a Tensor, got {type(t).__name__}")
        self.t = t
        c = t
        if t.is_cuda:
            c = t.detach().cpu()  # host staging; CUDA-aware MPI / NCCL would take the device pointer
        if not c.is_contiguous():
            c = c.contiguous()  # packed once
        self.c = c

    @property
    def numel(self) -> int:
        return self.c.numel()

    def spec(self, count: int | None = None, offset: int = 0):
        c = self.c
        n = c.numel() if count is None else count
        esize = c.element_size()
        mem = MPI.buffer.fromaddress(c.data_ptr() + offset * esize if c.numel() else 0, n * esize)
        return [mem, n, _mpi_datatype(c.dtype)]

    def writeback(self) -> None:
        if self.c is not self.t:
            with _no_grad():
                self.t.copy_(self.c)


def _no_grad():
    from tensorgen.autograd.grad_mode import no_grad
    return no_grad()


_DTYPE_NAMES: dict = {}


def meta(t) -> tuple:
    """(dtype name, shape): what the cross-rank check compares."""
    dtype = t.dtype
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype).replace("tensorgen.", "")
    return (name, tuple(t.shape))


# ----------------------------------------------------------------------------- process state

class _State:
    def __init__(self):
        self.world = None          # ProcessGroup for COMM_WORLD
        self.fault_comm = None     # private Dup of COMM_WORLD: fault notices, status queries
        self.peer_fault = None     # (rank, text) of the first peer that reported a failure
        self.status_replies = {}   # rank -> (seq, current op) answers to our status query
        self.acks = set()
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.service = None
        self.stop = False
        self.pending_async = 0     # outstanding async works: the service thread polls faster
        self.issued = {}           # group name -> (seq, op name) of the last collective this rank started
        self.excepthook = None
        self.failed = False        # an unrecoverable error happened: exit with Abort, not Finalize


S = _State()


def _service_loop() -> None:
    """Answers status queries, records fault notices and acks, and drives MPI progress."""
    comm = S.fault_comm
    status = MPI.Status()
    while not S.stop:
        try:
            while comm.Iprobe(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG, status=status):
                src, tag = status.Get_source(), status.Get_tag()
                msg = comm.recv(source=src, tag=tag)
                if tag == _TAG_FAULT:
                    with S.cond:
                        if S.peer_fault is None:
                            S.peer_fault = (src, msg)
                        S.cond.notify_all()
                elif tag == _TAG_STATUS_REQ:
                    comm.isend(dict(S.issued), dest=src, tag=_TAG_STATUS_REPLY)
                elif tag == _TAG_STATUS_REPLY:
                    with S.cond:
                        S.status_replies[src] = msg
                        S.cond.notify_all()
                elif tag == _TAG_ACK:
                    with S.cond:
                        S.acks.add(src)
                        S.cond.notify_all()
        except Exception:  # noqa: BLE001 - MPI finalized under us at exit
            return
        # Faster while async collectives are outstanding: these Iprobe calls are what advances
        # nonblocking collectives when the caller is busy computing (Open MPI has no progress thread).
        time.sleep(0.0002 if S.pending_async else 0.005)


def start_service() -> None:
    S.fault_comm = MPI.COMM_WORLD.Dup()
    S.stop = False
    S.service = threading.Thread(target=_service_loop, name="tensorgen-distributed", daemon=True)
    S.service.start()
    if S.excepthook is None:
        S.excepthook = sys.excepthook
        sys.excepthook = _excepthook


def stop_service() -> None:
    S.stop = True
    if S.service is not None:
        S.service.join(timeout=1.0)
    S.service = None
    if S.fault_comm is not None:
        try:
            S.fault_comm.Free()
        except Exception:  # noqa: BLE001
            pass
    S.fault_comm = None


def _notify_peers(text: str) -> None:
    comm = S.fault_comm
    me = comm.Get_rank()
    reqs = [comm.isend(text, dest=r, tag=_TAG_FAULT) for r in range(comm.Get_size()) if r != me]
    deadline = time.monotonic() + 2.0
    while reqs and time.monotonic() < deadline:
        reqs = [r for r in reqs if not r.Test()]
        time.sleep(0.001)


def grace_seconds() -> float:
    return float(os.environ.get("TENSORGEN_DISTRIBUTED_GRACE", "5"))


def _excepthook(exc_type, exc, tb) -> None:
    """An uncaught exception on an initialized rank: print it, tell the other ranks (so they fail
    with a RuntimeError naming this rank instead of waiting for it), then end the job."""
    (S.excepthook or sys.__excepthook__)(exc_type, exc, tb)
    if S.fault_comm is None or MPI is None or MPI.Is_finalized():
        return
    try:
        sys.stderr.flush()
        comm = S.fault_comm
        size = comm.Get_size()
        if isinstance(exc, DistPeerFailure) and S.peer_fault is not None:
            # a consequence: acknowledge to the rank that failed first, which then aborts the job
            comm.isend(None, dest=S.peer_fault[0], tag=_TAG_ACK)
            time.sleep(grace_seconds())
        else:
            _notify_peers(f"{exc_type.__name__}: {exc}")
            deadline = time.monotonic() + grace_seconds()
            with S.cond:
                while len(S.acks) < size - 1 and time.monotonic() < deadline:
                    S.cond.wait(0.05)
    finally:
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)


def at_exit() -> None:
    """Before MPI_Finalize (mpi4py's atexit runs after this one): a rank that ends normally while a
    peer has failed, or with a collective stuck in MPI, must not enter Finalize (it would wait)."""
    if MPI is None or MPI.Is_finalized() or S.fault_comm is None:
        return
    if S.peer_fault is not None or S.failed:
        if S.peer_fault is not None:
            rank, text = S.peer_fault
            print(f"[tensorgen.distributed] rank {MPI.COMM_WORLD.Get_rank()}: exiting because rank {rank} "
                  f"failed: {text}", file=sys.stderr, flush=True)
            try:
                S.fault_comm.isend(None, dest=rank, tag=_TAG_ACK)
                time.sleep(min(1.0, grace_seconds()))
            except Exception:  # noqa: BLE001
                pass
        MPI.COMM_WORLD.Abort(1)
    stop_service()
    _free_ops()


# ----------------------------------------------------------------------------- waiting

def check_peer_fault(what: str) -> None:
    f = S.peer_fault
    if f is not None:
        raise DistPeerFailure(f"[{what}] rank {f[0]} failed: {f[1]}")


def _status_report(pg, seq: int) -> str:
    """Ask every other rank where it is (answered by its service thread) to name the laggards."""
    comm = S.fault_comm
    me = comm.Get_rank()
    with S.cond:
        S.status_replies.clear()
    others = [r for r in pg.ranks if r != me]
    for r in others:
        comm.isend(None, dest=r, tag=_TAG_STATUS_REQ)
    deadline = time.monotonic() + 1.0
    with S.cond:
        while len(S.status_replies) < len(others) and time.monotonic() < deadline:
            S.cond.wait(0.05)
        replies = dict(S.status_replies)
    behind, silent, parts = [], [], []
    for r in others:
        if r not in replies:
            silent.append(r)
            continue
        last = replies[r].get(pg.name)
        if last is None or last[0] < seq:
            behind.append(r)
            where = "no collective" if last is None else f"collective #{last[0]} ({last[1]})"
            parts.append(f"rank {r} last started {where}")
    text = []
    if behind:
        text.append(f"rank(s) {behind} did not reach it ({'; '.join(parts)})")
    if silent:
        text.append(f"rank(s) {silent} did not answer (dead or stuck holding the GIL)")
    if not text:
        text.append("every rank is inside it (a transport stall)")
    return "; ".join(text)


def wait_requests(pg, reqs: list, what: str, seq: int, timeout: float | None = None) -> None:
    """Polls `reqs` to completion; raises if a peer failed or the group's timeout passed."""
    if not reqs:
        return
    if MPI.Request.Testall(reqs):
        return
    limit = pg.timeout if timeout is None else timeout
    deadline = time.monotonic() + limit
    spins = 0
    try:
        while not MPI.Request.Testall(reqs):
            spins += 1
            if spins & 31 == 0:
                check_peer_fault(what)
                if time.monotonic() > deadline:
                    S.failed = True  # requests stay posted in MPI: this process must not Finalize
                    raise DistTimeoutError(f"[{what}] rank {pg.global_rank} timed out after {limit:g} s in "
                                           f"collective #{seq} of group {pg.name}: {_status_report(pg, seq)}")
                # Busy-poll briefly (small messages finish in microseconds), then yield the core:
                # with more ranks than cores the peer we wait for needs it.
                if spins > 2048:
                    time.sleep(0.00005)
    except MPI.Exception as e:
        S.failed = True
        raise DistBackendError(f"[{what}] MPI error on rank {pg.global_rank}: {e.Get_error_string()}") from e


# ----------------------------------------------------------------------------- process groups

class ProcessGroup:
    """A communicator and the ranks (global) in it. Collectives on it are numbered (seq) so a
    timeout can say which ranks never reached collective #k."""

    def __init__(self, comm, ranks: list, name: str, timeout: float):
        self.comm = comm
        self.ranks = list(ranks)
        self.name = name
        self.timeout = timeout
        self.seq = 0
        self.global_rank = MPI.COMM_WORLD.Get_rank()
        self.debug = os.environ.get("TENSORGEN_DISTRIBUTED_DEBUG", "INFO").upper() != "OFF"
        self.present = 0  # the last collective # every rank is known to have entered (see begin)
        self._hashes: dict = {}                        # (op, signature) -> crc32, for the check
        self._check_buf = np.zeros(2, dtype=np.int64)  # the check's message

    def rank(self) -> int:
        return self.comm.Get_rank()

    def size(self) -> int:
        return self.comm.Get_size()

    def group_rank(self, global_rank: int, what: str, name: str) -> int:
        if not isinstance(global_rank, int) or isinstance(global_rank, bool):
            raise TypeError(f"[{what}] {name} must be an int rank, got {type(global_rank).__name__}")
        try:
            return self.ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"[{what}] {name}={global_rank} is not a rank of group {self.name} "
                             f"(its ranks: {self.ranks})") from None

    def __repr__(self) -> str:
        return f"ProcessGroup(name={self.name!r}, ranks={self.ranks}, backend='mpi')"

    # -- one collective: number it, check metadata across ranks, start it
    def begin(self, what: str, signature: tuple, check: bool = True) -> int:
        self.seq += 1
        S.issued[self.name] = (self.seq, what)
        check_peer_fault(what)
        if self.size() == 1:
            self.present = self.seq
        elif self.debug and check:
            self._check_signature(what, signature)
            self.present = self.seq  # the check completed on every rank: they all reached this collective
        return self.seq

    def _check_signature(self, what: str, signature: tuple) -> None:
        # One tiny all-reduce of (h, -h) with MAX: every rank sees max == -min iff all agree.
        # A training loop repeats a few signatures: their hashes are cached.
        key = (what, signature)
        h = self._hashes.get(key)
        if h is None:
            if len(self._hashes) > 4096:
                self._hashes.clear()
            h = self._hashes[key] = zlib.crc32(repr(key).encode())
        h += self.seq << 32
        v = self._check_buf
        v[0], v[1] = h, -h
        req = self.comm.Iallreduce(MPI.IN_PLACE, [v, MPI.INT64_T], op=MPI.MAX)
        if not req.Test():  # a peer still on its way: poll under the timeout
            wait_requests(self, [req], what, self.seq)
        if v[0] == -v[1]:
            return
        # mismatch: every rank took this branch; gather the signatures for a useful message
        sigs = allgather_pickled(self, (what, signature), what)
        lines = "; ".join(f"rank {r}: {w} {s}" for r, (w, s) in zip(self.ranks, sigs))
        raise RuntimeError(f"[{what}] the ranks of group {self.name} called mismatched collectives "
                           f"(collective #{self.seq}): {lines}")


def allgather_pickled(pg: ProcessGroup, obj, what: str) -> list:
    data = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
    n = np.array([data.size], dtype=np.int64)
    sizes = np.empty(pg.size(), dtype=np.int64)
    wait_requests(pg, [pg.comm.Iallgather(n, sizes)], what, pg.seq)
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    displs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    wait_requests(pg, [pg.comm.Iallgatherv(data, [out, sizes.tolist(), displs.tolist(), MPI.BYTE])], what, pg.seq)
    return [pickle.loads(out[displs[i]:displs[i] + sizes[i]].tobytes()) for i in range(pg.size())]


def format_exc() -> str:
    return traceback.format_exc()
