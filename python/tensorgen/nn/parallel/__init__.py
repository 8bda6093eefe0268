"""tg.nn.parallel: DistributedDataParallel and SyncBatchNorm over tensorgen.distributed (MPI)."""
from tensorgen.nn.parallel.distributed import DistributedDataParallel
from tensorgen.nn.parallel.sync_batchnorm import SyncBatchNorm

__all__ = ["DistributedDataParallel", "SyncBatchNorm"]
