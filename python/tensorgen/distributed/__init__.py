"""tensorgen.distributed: torch.distributed's API on MPI (DESIGN.md §13).

    import tensorgen.distributed as dist
    dist.init_process_group("mpi")          # rank / world size from the MPI launcher
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

Launch with `python -m tensorgen.distributed.run -n 2 script.py` or `mpiexec -n 2 python script.py`.
mpi4py is imported (and MPI initialized) by init_process_group, not by this import.
"""
from tensorgen.distributed._mpi import DistPeerFailure  # noqa: F401
from tensorgen.distributed._api import (DistBackendError, DistTimeoutError, GroupMember, ProcessGroup, ReduceOp,
                                        Work, all_gather, all_gather_into_tensor, all_gather_object, all_reduce,
                                        all_to_all_single, barrier, broadcast, broadcast_object_list,
                                        destroy_process_group, gather, gather_object, get_backend,
                                        get_process_group_ranks, get_rank, get_world_size, group,
                                        init_process_group, irecv, is_available, is_initialized, is_mpi_available,
                                        isend, monitored_barrier, new_group, recv, reduce, reduce_scatter,
                                        reduce_scatter_tensor, scatter, scatter_object_list, send)

__all__ = ["DistBackendError", "DistTimeoutError", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather",
           "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all_single", "barrier", "broadcast",
           "broadcast_object_list", "destroy_process_group", "gather", "gather_object", "get_backend",
           "get_process_group_ranks", "get_rank", "get_world_size", "group", "init_process_group", "irecv",
           "is_available", "is_initialized", "is_mpi_available", "isend", "monitored_barrier", "new_group", "recv",
           "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter", "scatter_object_list", "send"]
