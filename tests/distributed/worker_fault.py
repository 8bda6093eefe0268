"""Fault scenarios (argv[1]) run under mpiexec by tests/test_distributed.py; rank 1 misbehaves."""
import datetime
import os
import sys
import time

import tensorgen as tg
import tensorgen.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=3))
R = dist.get_rank()
dist.all_reduce(tg.ones(4))                 # everyone alive and connected
if R == 1:
    if mode == "raise":
        raise ValueError("boom on purpose")
    if mode == "hang":
        time.sleep(60)                      # never joins the next collective
    if mode == "die":
        os._exit(3)                         # dies without a word
try:
    dist.all_reduce(tg.ones(1000))
except RuntimeError as e:
    print(f"rank {R} caught {type(e).__name__}: {e}", flush=True)
    raise
