"""tg.nn.parallel.DistributedDataParallel: data-parallel training over tensorgen.distributed.

How gradients are averaged (the design of torch's Reducer, on tensorgen's autograd):
- At construction the parameters' shapes are checked across ranks and parameters and buffers
  are broadcast from rank 0, so every replica starts identical.
- Parameters are grouped into buckets of about bucket_cap_mb (one dtype each) in reverse
  registration order - roughly the order backward produces their gradients.
- Each parameter has a gradient hook (Tensor.register_hook on the leaf; tensorgen runs leaf
  hooks right before the gradient is accumulated into .grad). The hook writes the parameter's
  full gradient (.grad so far + this backward's) divided by the world size into its bucket slot
  (a view of the bucket shaped like the parameter); when a bucket is full its summing
  all-reduce starts asynchronously (buckets always start in index order, the same
  order on every rank, as MPI requires) while backward keeps computing the earlier layers.
- The hook of the last parameter to receive its gradient waits for all buckets and writes the
  averaged values into every .grad (tensorgen's autograd has no end-of-backward callback like
  torch's queue_callback; the last hook is the nearest correct point: every other parameter's
  accumulation has already happened, and for that last parameter the hook returns the averaged
  gradient in place of the local one).
- no_sync(): hooks do nothing; gradients accumulate locally and are averaged (all of them) by
  the first backward outside no_sync.
- find_unused_parameters=True: after forward the autograd graph is walked from the outputs;
  parameters it does not reach are marked ready at once (they contribute their current .grad or
  zeros), so the buckets still complete.
"""
from __future__ import annotations

import contextlib

from tensorgen import _C
from tensorgen import distributed as dist
from tensorgen.autograd.grad_mode import is_grad_enabled, no_grad
from tensorgen.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    __slots__ = ("index", "params", "offsets", "flat", "pending", "work", "dtype")

    def __init__(self, index: int, params: list, dtype):
        self.index = index
        self.params = params      # indices into DDP._params
        self.dtype = dtype
        self.offsets = []         # element offset of each parameter in flat
        self.flat = None          # the bucket's gradients, all-reduced as one message
        self.pending = 0          # parameters whose gradient has not arrived this iteration
        self.work = None          # the async all-reduce, once started


def _tree_tensors(obj, out: list) -> list:
    if isinstance(obj, _C.TensorBase):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tree_tensors(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tree_tensors(o, out)
    return out


def _coalesced_broadcast(tensors: list, src: int, group) -> None:
    """Broadcasts tensors from src with one collective per dtype (flattened), then copies back."""
    by_dtype: dict = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    with no_grad():
        for dtype, ts in by_dtype.items():
            flat = _C.cat([t.detach().reshape([-1]) for t in ts])
            dist.broadcast(flat, src=src, group=group)
            off = 0
            for t in ts:
                n = t.numel()
                t.copy_(flat[off:off + n].reshape(tuple(t.shape)))
                off += n


class DistributedDataParallel(Module):
    """Wraps `module` so that backward averages the gradients over the ranks of process_group.
    Use it like the module; call backward on the loss; step the optimizer as usual."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, init_sync: bool = True):
        super().__init__()
        what = "DistributedDataParallel"
        if not isinstance(module, Module):
            raise TypeError(f"[{what}] module must be a tg.nn.Module, got {type(module).__name__}")
        if not dist.is_initialized():
            raise ValueError(f"[{what}] Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        self.module = module
        self.process_group = process_group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.dim = dim
        self.device_ids = device_ids
        self.output_device = output_device
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.world_size = dist.get_world_size(process_group)
        named = []
        seen = set()
        for name, p in module.named_parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                named.append((name, p))
        if not named:
            raise RuntimeError(f"[{what}] DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        self._param_names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._verify_params(what)
        if init_sync:
            states = list(self._params) + [b for b in module.buffers() if b is not None]
            _coalesced_broadcast(states, 0, process_group)
        self._build_buckets()
        self._hooks = [p.register_hook(self._make_hook(i)) for i, p in enumerate(self._params)]
        self._reset_iteration()
        self._expect_backward = False

    # -- setup
    def _verify_params(self, what: str) -> None:
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in zip(self._param_names, self._params)]
        everyone = [None] * self.world_size
        dist.all_gather_object(everyone, mine, group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs != mine:
                diff = next(((a, b) for a, b in zip(mine, theirs) if a != b), (len(mine), len(theirs)))
                raise RuntimeError(f"[{what}] the model differs between ranks: this rank "
                                   f"{dist.get_rank(self.process_group)} has {diff[0]}, rank {r} has {diff[1]} "
                                   "(every rank must build the same model)")

    def _build_buckets(self) -> None:
        # reverse registration order: the last layers' gradients come first in backward
        order = list(range(len(self._params)))[::-1]
        buckets, cur, cur_bytes, cur_dtype = [], [], 0, None
        for i in order:
            p = self._params[i]
            nbytes = p.numel() * p.element_size()
            if cur and (p.dtype != cur_dtype or cur_bytes + nbytes > self.bucket_bytes_cap):
                buckets.append((cur, cur_dtype))
                cur, cur_bytes = [], 0
            cur.append(i)
            cur_bytes += nbytes
            cur_dtype = p.dtype
        if cur:
            buckets.append((cur, cur_dtype))
        self._buckets = []
        self._where = [None] * len(self._params)   # param index -> (bucket, offset)
        self._slots = [None] * len(self._params)   # param index -> its gradient's view into the bucket
        for bi, (idx, dtype) in enumerate(buckets):
            b = _Bucket(bi, idx, dtype)
            off = 0
            offs = []
            for i in idx:
                offs.append(off)
                self._where[i] = (b, off)
                off += self._params[i].numel()
            b.offsets = offs
            b.flat = _C.zeros([off], dtype=dtype)
            for i, o in zip(idx, offs):
                p = self._params[i]
                self._slots[i] = b.flat.narrow(0, o, p.numel()).view(tuple(p.shape))
            self._buckets.append(b)

    def _reset_iteration(self) -> None:
        self._ready = [False] * len(self._params)
        for b in self._buckets:
            b.pending = len(b.params)
            b.work = None
        self._next_bucket = 0
        self._n_ready = 0
        self._finalized = False

    # -- the reducer
    def _mark_ready(self, i: int, grad) -> None:
        if self._ready[i]:
            raise RuntimeError(f"[DistributedDataParallel] Expected to mark a variable ready only once: parameter "
                               f"{self._param_names[i]} received a second gradient in one iteration (backward run "
                               "twice over one forward, or a reentrant backward); run forward again first")
        p = self._params[i]
        slot = self._slots[i]
        # The gradient goes into its bucket already divided by the world size (one pass, as
        # torch's Reducer does), so the all-reduce is a SUM and nothing divides afterwards.
        scale = 1.0 / self.world_size
        with no_grad():
            have = p.grad
            if grad is None:
                if have is None:
                    slot.zero_()
                else:
                    _C.mul(have, scale, out=slot)
            elif have is None:
                _C.mul(grad, scale, out=slot)
            else:
                _C.add(have, grad, out=slot)
                slot.mul_(scale)
        self._ready[i] = True
        self._n_ready += 1
        b, _ = self._where[i]
        b.pending -= 1
        # start every consecutive full bucket, in index order (the same order on every rank)
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            nb = self._buckets[self._next_bucket]
            self._next_bucket += 1
            if self._n_ready == len(self._params) and self._next_bucket == len(self._buckets):
                # the last bucket with nothing left to overlap it with: reduce it synchronously
                # (checked, then MPI's blocking all-reduce, faster than polling a nonblocking one)
                dist.all_reduce(nb.flat, group=self.process_group)
                nb.work = None
            else:
                nb.work = dist.all_reduce(nb.flat, group=self.process_group, async_op=True, _check=False)

    def _finalize(self, current: int | None):
        """All buckets started: wait for them and write the averaged gradients into .grad.
        Returns the gradient for parameter `current` (whose accumulation has not happened yet)."""
        for b in self._buckets:
            if b.work is not None:
                b.work.wait()
        result = None
        with no_grad():
            for i, p in enumerate(self._params):
                avg = self._slots[i]
                if i == current:
                    p.grad = None           # accumulation of the returned value makes .grad = avg
                    result = avg.clone()
                elif p.grad is None:
                    p.grad = avg.clone()
                else:
                    p.grad.copy_(avg)
        self._finalized = True
        self._expect_backward = False
        return result

    def _make_hook(self, i: int):
        def hook(grad):
            if not self.require_backward_grad_sync or not self._expect_backward:
                return None      # no_sync, or a backward not prepared by our forward: plain accumulation
            self._mark_ready(i, grad)
            if self._n_ready == len(self._params):
                return self._finalize(i)
            return None
        return hook

    # -- forward
    def _check_previous_iteration(self) -> None:
        if self._expect_backward and 0 < self._n_ready < len(self._params):
            missing = [n for n, r in zip(self._param_names, self._ready) if not r]
            raise RuntimeError(
                "[DistributedDataParallel] Expected to have finished reduction in the prior iteration before "
                "starting a new one. This error indicates that your module has parameters that were not used in "
                "producing loss. You can enable unused parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to `DistributedDataParallel`. Parameters that did not receive "
                f"grad: {missing}")

    def forward(self, *inputs, **kwargs):
        self._check_previous_iteration()
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if sync and self.broadcast_buffers:
            bufs = [b for b in self.module.buffers() if b is not None]
            if bufs:
                _coalesced_broadcast(bufs, dist.get_process_group_ranks(self.process_group)[0]
                                     if self.process_group is not None else 0, self.process_group)
        out = self.module(*inputs, **kwargs)
        self._reset_iteration()
        self._expect_backward = sync
        if sync and self.find_unused_parameters:
            self._mark_unused(out)
        return out

    def _mark_unused(self, out) -> None:
        key = {}
        for i, p in enumerate(self._params):
            key[(p.data_ptr(), tuple(p.shape), tuple(p.stride()), str(p.dtype))] = i
        used = set()
        seen = set()
        stack = [t.grad_fn for t in _tree_tensors(out, []) if t.grad_fn is not None]
        for t in _tree_tensors(out, []):
            if t.grad_fn is None and t.requires_grad:   # an output that is a parameter itself
                k = (t.data_ptr(), tuple(t.shape), tuple(t.stride()), str(t.dtype))
                if k in key:
                    used.add(key[k])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            var = getattr(node, "variable", None)
            if var is not None:
                k = (var.data_ptr(), tuple(var.shape), tuple(var.stride()), str(var.dtype))
                if k in key:
                    used.add(key[k])
            for nxt, _ in node.next_functions:
                if nxt is not None:
                    stack.append(nxt)
        unused = [i for i in range(len(self._params)) if i not in used]
        for i in unused:
            self._mark_ready(i, None)
        if unused and self._n_ready == len(self._params):
            self._finalize(None)   # nothing will reach a hook: reduce now

    # -- gradient accumulation
    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without communication; the first
        backward after it averages the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
