"""tg.utils.data: Dataset, samplers, DataLoader with torch.utils.data's names and behaviour."""
from tensorgen.utils.data._collate import default_collate, default_convert
from tensorgen.utils.data.dataloader import DataLoader, WorkerInfo, get_worker_info
from tensorgen.utils.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,
                                          random_split)
from tensorgen.utils.data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                                          WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset", "random_split",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler", "DataLoader", "get_worker_info", "WorkerInfo", "default_collate", "default_convert"]
