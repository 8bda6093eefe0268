"""Running a script in a fresh interpreter under a given thread count and CPU capability (the
TENSORGEN_CPU_CAPABILITY override is read at import): for the same-bits-everywhere tests."""
import os
import subprocess
import sys


def run_digest(script, threads, capability=None):
    """The stripped stdout of `script` (which prints a digest) run after tg.set_num_threads(threads)."""
    env = dict(os.environ)
    if capability:
        env["TENSORGEN_CPU_CAPABILITY"] = capability
    code = f"import tensorgen as tg; tg.set_num_threads({threads})\n" + script
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip()
