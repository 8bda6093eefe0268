"""tensorgen.distributed, DDP, SyncBatchNorm and DistributedSampler under real MPI jobs.

Each test launches `python -m tensorgen.distributed.run -n N tests/distributed/<worker>.py`
(mpiexec with 2 and 3 ranks on this machine) with a timeout; a worker prints `OK <check>` for
each check that passed on every rank. Skipped (with the reason) only when mpi4py or mpiexec is
missing: `pip install -e '.[distributed]'` installs both.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tensorgen

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ROOT / "tests" / "distributed"


def _mpiexec():
    here = Path(sys.executable).with_name("mpiexec")
    return str(here) if here.exists() else shutil.which("mpiexec")


pytestmark = pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None or _mpiexec() is None,
                                reason="needs mpi4py and mpiexec: pip install 'tensorgen[distributed]'")


def launch(n, worker, *args, timeout=90):
    env = dict(os.environ)
    # the ranks import the tensorgen this test process imported (installed, or the source tree)
    env["PYTHONPATH"] = str(Path(tensorgen.__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    env["TENSORGEN_DISTRIBUTED_GRACE"] = "2"
    env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [sys.executable, "-m", "tensorgen.distributed.run", "-n", str(n), str(WORKERS / worker), *args]
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


@pytest.mark.parametrize("n", [2, 3])
def test_collectives(n):
    rc, out, _ = launch(n, "worker_collectives.py")
    assert rc == 0, out
    for check in ("all_reduce_dtypes_ops", "all_reduce_noncontiguous", "broadcast_reduce", "gathers_scatters",
                  "all_to_all_single", "point_to_point", "async_handles", "objects", "subgroups", "metadata_check",
                  "unchecked_blocking", "bad_arguments", "destroy"):
        assert f"OK {check}\n" in out, out


@pytest.mark.parametrize("n", [2, 3])
def test_ddp_syncbn_sampler(n):
    rc, out, _ = launch(n, "worker_ddp.py")
    assert rc == 0, out
    for check in ("ddp_equals_global_batch", "ddp_no_sync", "ddp_find_unused_parameters", "sync_batchnorm",
                  "distributed_sampler"):
        assert f"OK {check}\n" in out, out


def test_raising_rank_fails_the_others_naming_it():
    rc, out, secs = launch(3, "worker_fault.py", "raise", timeout=60)
    assert rc != 0
    assert "ValueError: boom on purpose" in out
    # the survivors raise a RuntimeError naming rank 1 (not a 3 s timeout: the notice is immediate)
    assert "caught DistPeerFailure: [all_reduce] rank 1 failed: ValueError: boom on purpose" in out, out
    assert secs < 30


def test_hanging_rank_times_out_naming_it():
    rc, out, secs = launch(2, "worker_fault.py", "hang", timeout=60)
    assert rc != 0
    assert "rank 0 caught DistTimeoutError: [all_reduce] rank 0 timed out after 3 s" in out, out
    assert "rank(s) [1] did not reach it" in out, out
    assert secs < 40


def test_dead_rank_ends_the_job():
    rc, out, secs = launch(2, "worker_fault.py", "die", timeout=60)
    assert rc != 0
    assert "rank 1" in out or "@1,1]" in out, out   # the MPI runtime names the process that exited
    assert secs < 40


def test_errors_before_init_and_launcher_dry_run():
    import tensorgen as tg
    import tensorgen.distributed as dist
    assert not dist.is_initialized()
    for fn in (lambda: dist.all_reduce(tg.ones(2)), dist.get_rank, dist.barrier):
        with pytest.raises(ValueError, match="init_process_group"):
            fn()
    with pytest.raises(ValueError, match="'mpi'"):
        dist.init_process_group("nccl")
    from tensorgen.distributed import run
    cmd, env = run.build_command(run.main.__globals__["argparse"].Namespace(
        nproc=4, hostfile="hosts", mpiexec_arg=[], no_oversubscribe=False, module=None,
        script_and_args=["train.py", "--x"]), "mpiexec", "openmpi")
    assert cmd[:4] == ["mpiexec", "-n", "4", "--oversubscribe"] and cmd[-2:] == ["train.py", "--x"]
    assert "--hostfile" in cmd
