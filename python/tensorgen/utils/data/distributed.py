"""tg.utils.data.distributed.DistributedSampler: each rank reads its own slice of the data set
(torch.utils.data.distributed's semantics)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgen.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Rank r of n gets indices r, r+n, r+2n, ... of the (shuffled) index list, so the ranks
    partition the data set. The list is padded by repeating its start (drop_last=False) or cut
    (drop_last=True) to a multiple of n so every rank gets the same number of samples.
    With shuffle=True the permutation comes from seed + epoch: call set_epoch(e) at the start of
    each epoch (the same e on every rank) to get a new order that all ranks agree on.
    num_replicas/rank default to the process group's world size and rank."""

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from tensorgen import distributed as dist
            if not dist.is_initialized():
                raise RuntimeError("[DistributedSampler] requires the default process group "
                                   "(dist.init_process_group) unless num_replicas and rank are given")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"[DistributedSampler] num_replicas must be a positive int, got {num_replicas!r}")
        if not isinstance(rank, int) or rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            # seed + epoch: the same permutation on every rank, a new one each epoch
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad > 0 and indices:
                reps = math.ceil(pad / len(indices))
                indices += (indices * reps)[:pad]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
