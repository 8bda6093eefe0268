"""Samplers: iterables of dataset indices (or of index batches), as in torch.utils.data.sampler.

Random samplers take `generator=`, one of
  * a tg.Generator (tg.Generator().manual_seed(0)), as in PyTorch, or None for the global one
    (tg.manual_seed(s) makes the whole sequence reproducible): each permutation draws its seed
    from that generator, so its state advances from epoch to epoch,
  * a numpy.random.Generator (np.random.default_rng(0)) or a random.Random(0): used directly,
    so its state advances from epoch to epoch like a seeded torch.Generator's.
The streams differ from PyTorch's (different bit generators); the semantics are the same.
"""
from __future__ import annotations

import builtins
import random as _pyrandom

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def _numpy_rng(generator):
    """A numpy.random.Generator drawing from `generator` (see the module docstring)."""
    import numpy as np
    from tensorgen import _C
    if generator is None or isinstance(generator, _C.Generator):
        # a tensorgen generator (None: the global one) seeds the NumPy stream of this call, and
        # moves on with it, so successive epochs differ and a manual_seed replays them
        seed = _C.randint(0, 2 ** 62, [1], generator=generator).item()
        return np.random.default_rng(seed)
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, _pyrandom.Random):
        return np.random.default_rng(generator.getrandbits(64))
    raise TypeError(f"generator must be None, a tg.Generator, a numpy.random.Generator or a random.Random, "
                    f"got {type(generator).__name__}")


def _seed_from(generator) -> int:
    """A 63-bit seed drawn from generator (None: tensorgen's global RNG)."""
    return builtins.int(_numpy_rng(generator).integers(0, 2 ** 63 - 1))


def _randperm(n: int, generator) -> list:
    return _numpy_rng(generator).permutation(n).tolist()


class Sampler:
    """Base class: subclasses define __iter__ (and __len__ when they know it)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices (replacement=False), or num_samples indices drawn
    uniformly with replacement. Without replacement, num_samples > len draws whole permutations
    one after another, as PyTorch does."""

    def __init__(self, data_source, replacement: bool = False, num_samples=None, generator=None):
        if not isinstance(replacement, builtins.bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.data_source, self.replacement, self._num_samples, self.generator = (
            data_source, replacement, num_samples, generator)
        if not isinstance(self.num_samples, builtins.int) or isinstance(self.num_samples, builtins.bool) \
                or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        rng = _numpy_rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in _randperm(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices in [0, len(weights)) drawn with probability proportional to weights
    (torch.multinomial's semantics, with or without replacement)."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        import numpy as np
        if not isinstance(num_samples, builtins.int) or isinstance(num_samples, builtins.bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, builtins.bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights.detach().double().numpy() if hasattr(weights, "detach") else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (weights must be finite, non-negative and have a "
                               f"positive sum), got {w.size} weights summing to {w.sum() if w.size else 0}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise RuntimeError(f"cannot sample n_sample={num_samples} > the {np.count_nonzero(w)} non-zero weights "
                               f"without replacement")
        from tensorgen import _C
        self.weights = _C.from_numpy(w)
        self._p = w / w.sum()
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self):
        rng = _numpy_rng(self.generator)
        yield from rng.choice(len(self._p), size=self.num_samples, replace=self.replacement, p=self._p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one shorter unless
    drop_last)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not isinstance(batch_size, builtins.int) or isinstance(batch_size, builtins.bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, builtins.bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size
