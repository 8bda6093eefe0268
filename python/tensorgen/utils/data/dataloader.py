"""DataLoader: batches from a dataset, in the main process or in worker processes.

With num_workers > 0 each worker process gets its own copy of the dataset (forked, or pickled
for the 'spawn'/'forkserver' start methods), receives batches of indices on its own queue and
sends collated batches back on its own pipe. Tensors travel as raw out-of-band buffers
(pickle protocol 5): the worker writes the tensor's memory straight into the pipe and the main
process reads it into the buffer the resulting tensor owns, one copy in all. Batches come back
in sampler order (in_order=True) whatever order the workers finish in. A worker that raises
sends the exception type and its traceback text; the loader shuts every worker down and
re-raises it in the main process with the worker id. A worker that dies is noticed at once
(its process sentinel is watched with the pipes), so nothing hangs.
"""
from __future__ import annotations

import builtins
import collections
import itertools
import os
import pickle
import queue as _queue
import random
import sys
import traceback
from typing import Any, Callable, Iterable, Iterator

from tensorgen.utils.data._collate import default_collate, default_convert
from tensorgen.utils.data.dataset import IterableDataset
from tensorgen.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _seed_from

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo"]

# A worker waiting for work checks every so often that its parent is still alive.
_PARENT_CHECK_INTERVAL = 2.0
# How long shutdown waits for a worker to exit on its own before terminating it.
_JOIN_TIMEOUT = 1.0


class WorkerInfo:
    """What get_worker_info() returns inside a worker: id, num_workers, seed, dataset (the
    worker's own copy)."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)}' for k in self.__keys)})"


_worker_info = None


def get_worker_info():
    """Inside a DataLoader worker: its WorkerInfo (id, num_workers, seed, dataset); None in the
    main process. An IterableDataset uses it to give each worker its own part of the stream."""
    return _worker_info


class _InfiniteConstantSampler(Sampler):
    """The 'indices' of an IterableDataset: None forever (the worker's iterator decides)."""

    def __iter__(self):
        while True:
            yield None


# -- fetching one batch (main process or worker) -------------------------------------------------

class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last

    def fetch(self, index):
        if self.auto_collation:
            data = list(itertools.islice(self.iterator, len(index)))
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.iterator)
        return self.collate_fn(data)


def _fetcher(iterable, dataset, auto_collation, collate_fn, drop_last):
    return (_IterableFetcher if iterable else _MapFetcher)(dataset, auto_collation, collate_fn, drop_last)


# -- what workers send back ----------------------------------------------------------------------

class _ExceptionWrapper:
    """An exception raised in a worker: its type (when picklable) and traceback text."""

    def __init__(self, worker_id):
        exc_type, exc, _ = sys.exc_info()
        self.worker_id = worker_id
        self.type_name = exc_type.__name__
        self.text = "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))
        try:
            pickle.dumps(exc_type)
            self.exc_type = exc_type
        except Exception:  # a class defined where the main process can't import it
            self.exc_type = None

    def reraise(self):
        msg = f"Caught {self.type_name} in DataLoader worker process {self.worker_id}.\nOriginal {self.text}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError's str() would show the repr, newlines escaped
        try:
            exc = self.exc_type(msg) if self.exc_type is not None else None
        except Exception:
            exc = None
        if exc is None:
            raise RuntimeError(msg) from None
        raise exc from None


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


class _WorkerExhausted:
    """An IterableDataset worker's iterator has ended (for this epoch)."""


def _rebuild_worker_tensor(buf, dtype_name, shape):
    import numpy as np

    from tensorgen.serialization import _DTYPES, _numpy_bits_to_tensor
    a = np.frombuffer(buf, dtype=_DTYPES[dtype_name][2]).reshape(shape)
    return _numpy_bits_to_tensor(a, dtype_name)


class _ResultPickler(pickle.Pickler):
    """Pickles a worker's result with every tensor as an out-of-band buffer of its bytes."""

    def reducer_override(self, obj):
        from tensorgen._tensor import Tensor
        if isinstance(obj, Tensor):
            from tensorgen.serialization import _dtype_name, _tensor_to_numpy_bits
            bits = _tensor_to_numpy_bits(obj.cpu())
            return (_rebuild_worker_tensor, (pickle.PickleBuffer(bits), _dtype_name(obj.dtype), tuple(obj.shape)))
        return NotImplemented


def _send(conn, message):
    import io
    buffers = []
    out = io.BytesIO()
    _ResultPickler(out, protocol=5, buffer_callback=buffers.append).dump(message)
    raws = [b.raw() for b in buffers]
    conn.send_bytes(pickle.dumps([r.nbytes for r in raws]))
    conn.send_bytes(out.getbuffer())
    for r in raws:
        conn.send_bytes(r)


def _receive(conn):
    sizes = pickle.loads(conn.recv_bytes())
    payload = conn.recv_bytes()
    buffers = []
    for n in sizes:
        buf = bytearray(n)  # the memory of the tensor being rebuilt: received in place
        if n:
            conn.recv_bytes_into(buf)
        else:
            conn.recv_bytes()
        buffers.append(buf)
    return pickle.loads(payload, buffers=buffers)


def _worker_loop(iterable, dataset, index_queue, conn, auto_collation, collate_fn, drop_last, base_seed,
                 init_fn, worker_id, num_workers):
    global _worker_info
    from tensorgen import _C
    # OpenMP's thread pool does not survive fork(): kernels in a worker run on its one thread
    # (as PyTorch's workers do), which also keeps N workers from oversubscribing the cores.
    _C.set_num_threads(1)
    seed = base_seed + worker_id
    random.seed(seed)
    _C.manual_seed(seed)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    parent = os.getppid()
    init_error = fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception:
        init_error = _ExceptionWrapper(worker_id)
    epoch, exhausted = None, False
    try:
        while True:
            try:
                task = index_queue.get(timeout=_PARENT_CHECK_INTERVAL)
            except _queue.Empty:
                if os.getppid() != parent:  # the main process died: nobody will read our results
                    return
                continue
            if task is None:
                return
            task_epoch, idx, index = task
            if init_error is not None:
                data = init_error
            else:
                try:
                    if task_epoch != epoch:  # a new epoch (persistent workers): a fresh iterator
                        epoch, exhausted = task_epoch, False
                        fetcher = _fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
                    data = _WorkerExhausted() if exhausted else fetcher.fetch(index)
                except StopIteration:
                    exhausted, data = True, _WorkerExhausted()
                except Exception:
                    data = _ExceptionWrapper(worker_id)
            try:
                _send(conn, (task_epoch, idx, data))
            except (BrokenPipeError, ConnectionResetError, EOFError):
                return  # the loader shut down while we were sending
            except Exception:  # the batch can't be pickled: report that instead
                try:
                    raise RuntimeError(f"DataLoader worker {worker_id} could not send batch {idx} to the main "
                                       f"process") from sys.exc_info()[1]
                except RuntimeError:
                    _send(conn, (task_epoch, idx, _ExceptionWrapper(worker_id)))
            del data
    except KeyboardInterrupt:
        pass
    finally:
        index_queue.cancel_join_thread()
        conn.close()


# -- iterators -----------------------------------------------------------------------------------

def _loader_len(dataset, batch_size, drop_last, index_sampler) -> int:
    if isinstance(dataset, IterableDataset):
        n = len(dataset)  # TypeError when the stream has no length, as in PyTorch
        if batch_size is not None:
            n = n // batch_size if drop_last else -(-n // batch_size)
        return n
    return len(index_sampler)


class _BaseIter:
    # The iterator keeps what it needs from the loader, not the loader itself: a persistent
    # loader holds its iterator, and a reference cycle would leave the workers' shutdown to the
    # garbage collector (which may finalize the queues first).
    def __init__(self, loader):
        self._dataset, self._batch_size, self._drop_last = loader.dataset, loader.batch_size, loader.drop_last
        self._iterable = isinstance(loader.dataset, IterableDataset)
        self._auto_collation = loader.batch_sampler is not None
        self._index_sampler = loader._index_sampler
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __len__(self):
        return _loader_len(self._dataset, self._batch_size, self._drop_last, self._index_sampler)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._base_seed = _seed_from(loader.generator)  # drawn as with workers: same shuffles either way
        self._sampler_iter = iter(self._index_sampler)
        self._fetcher = _fetcher(self._iterable, loader.dataset, self._auto_collation, loader.collate_fn,
                                 loader.drop_last)

    def __next__(self):
        index = next(self._sampler_iter)  # StopIteration ends the epoch
        data = self._fetcher.fetch(index)
        self._num_yielded += 1
        return data


class _MultiProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        import multiprocessing
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context()
        elif isinstance(ctx, builtins.str):
            ctx = multiprocessing.get_context(ctx)
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor if loader.prefetch_factor is not None else 2
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._shutdown = True  # until the workers are up
        self._base_seed = _seed_from(loader.generator)
        self._index_queues, self._readers, self._workers = [], [], []
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                reader, writer = ctx.Pipe(duplex=False)
                w = ctx.Process(target=_worker_loop, daemon=True,
                                args=(self._iterable, loader.dataset, index_queue, writer, self._auto_collation,
                                      loader.collate_fn, loader.drop_last, self._base_seed, loader.worker_init_fn,
                                      i, self._num_workers))
                w.start()
                writer.close()  # the worker holds the write end; EOF then means it is gone
                self._index_queues.append(index_queue)
                self._readers.append(reader)
                self._workers.append(w)
                self._shutdown = False
        except BaseException:
            self._shutdown_workers()
            raise
        self._epoch = 0
        self._reset(first=True)

    def _reset(self, first=False):
        if not first:
            self._epoch += 1
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._send_idx = 0
        self._pending = collections.deque()  # task ids sent and not yet returned to the user
        self._task_worker = {}
        self._received = {}
        self._active = [True] * self._num_workers
        self._next_worker = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch * self._num_workers):
            if not self._try_put_index():
                break

    def _try_put_index(self) -> bool:
        if not any(self._active):
            return False
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return False
        for _ in range(self._num_workers):
            w = next(self._next_worker)
            if self._active[w]:
                break
        self._index_queues[w].put((self._epoch, self._send_idx, index))
        self._task_worker[self._send_idx] = w
        self._pending.append(self._send_idx)
        self._send_idx += 1
        return True

    def _receive_one(self):
        """Blocks until a worker sends a result (stored in self._received), a worker dies or the
        timeout passes."""
        from multiprocessing.connection import wait
        by_reader = {r: i for i, r in enumerate(self._readers)}
        sentinels = {w.sentinel: i for i, w in enumerate(self._workers)}
        ready = wait(list(by_reader) + list(sentinels), timeout=self._timeout if self._timeout > 0 else None)
        if not ready:
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        for r in ready:
            if r in by_reader:
                try:
                    epoch, idx, data = _receive(r)
                except (EOFError, OSError):
                    continue  # the worker exited: reported through its sentinel below
                if epoch == self._epoch:
                    self._received[idx] = data
                return
        dead = [w for w in self._workers if not w.is_alive()]
        if dead:
            self._shutdown_workers()
            pids = ", ".join(f"{w.pid} (exit code {w.exitcode})" for w in dead)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")

    def __next__(self):
        while True:
            if self._shutdown or not self._pending:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if self._in_order:
                idx = self._pending[0]
                if idx not in self._received:
                    self._receive_one()
                    continue
            else:
                if not self._received:
                    self._receive_one()
                    continue
                idx = next(iter(self._received))
            data = self._received.pop(idx)
            self._pending.remove(idx)
            if isinstance(data, _WorkerExhausted):
                self._active[self._task_worker[idx]] = False
                self._try_put_index()  # keep the other workers busy
                continue
            if isinstance(data, _ExceptionWrapper):
                self._shutdown_workers()
                data.reraise()
            self._try_put_index()
            self._num_yielded += 1
            return data

    def _shutdown_workers(self):
        if getattr(self, "_shutdown", True) and not getattr(self, "_workers", None):
            return
        self._shutdown = True
        workers, self._workers = self._workers, []
        for q in self._index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for r in self._readers:
            r.close()  # a worker blocked sending a batch gets BrokenPipeError and exits
        for w in workers:
            w.join(timeout=_JOIN_TIMEOUT)
            if w.is_alive():
                w.terminate()
                w.join()
        for q in self._index_queues:
            q.cancel_join_thread()
            q.close()
        self._index_queues, self._readers = [], []

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass


# -- the loader ----------------------------------------------------------------------------------

class DataLoader:
    """Iterates over batches of a dataset (torch.utils.data.DataLoader's arguments and rules).

    batch_size (None: no automatic batching), shuffle (a RandomSampler drawing from `generator`,
    see tensorgen.utils.data.sampler for the seeded sources accepted), sampler / batch_sampler,
    drop_last, collate_fn (default_collate), num_workers (worker processes), worker_init_fn,
    prefetch_factor (batches in flight per worker, default 2), persistent_workers (keep the
    workers between epochs), timeout (seconds to wait for a batch, 0: forever),
    multiprocessing_context, in_order. pin_memory is accepted and has no effect (CPU batches are
    returned as they are)."""

    __initialized = False

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable[Any] | None = None,
                 batch_sampler: Sampler | Iterable[list[Any]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Any = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, builtins.int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             f"multiprocessing, got num_workers={num_workers}")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got timeout={timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing. Let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and (not isinstance(prefetch_factor, builtins.int) or prefetch_factor < 0):
            raise ValueError(f"prefetch_factor option should be a non-negative integer, got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        shuffle = builtins.bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.dataset, self.batch_size, self.sampler, self.batch_sampler = dataset, batch_size, sampler, batch_sampler
        self.num_workers, self.collate_fn, self.pin_memory = num_workers, collate_fn, pin_memory
        self.drop_last, self.timeout, self.worker_init_fn = drop_last, timeout, worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator, self.prefetch_factor, self.persistent_workers = generator, prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._iterator = None
        self.__initialized = True

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def _get_iterator(self):
        return _SingleProcessIter(self) if self.num_workers == 0 else _MultiProcessIter(self)

    def __iter__(self) -> Iterator[Any]:
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset()
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        return _loader_len(self.dataset, self.batch_size, self.drop_last, self._index_sampler)
