"""Calls every sample of the named ops on CUDA, printing each sample before its call, so that a
crash (a segfault takes the process with it) names the sample that caused it. For a backtrace:

    cuda-gdb -q -batch -ex run -ex bt --args python scripts/cuda_repro.py bincount

The samples are the OpInfo database's ("basic" and "large" modes, every dtype), moved to the GPU
as the CPU-vs-CUDA test moves them.
"""
import sys

import tensorgen as tg
from tensorgen.testing.opinfo import ALL_DTYPES, op_db, sample_on


def main(names):
    for name in names:
        op = next((o for o in op_db if o.name == name), None)
        if op is None:
            sys.exit(f"cuda_repro: no OpInfo entry named {name!r}")
        for dtype in ALL_DTYPES:
            for mode in ("basic", "large"):
                for sample in op.samples_for(dtype, mode):
                    print(name, dtype, mode, sample, flush=True)
                    try:
                        op(sample_on(op, sample, "cuda"))
                        tg.cuda.synchronize()
                        print("   ok", flush=True)
                    except Exception as e:  # noqa: BLE001  (an exception is an answer, not a crash)
                        print("   raised", type(e).__name__, str(e)[:200], flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
