#!/usr/bin/env bash
# GPU check for tensorgen's CUDA backend (issue 5). On a GPU machine with this checkout, a Python
# >= 3.10 and nvcc (CUDA 12.x/13.x toolkit, a driver for an sm_90 GPU):
#   1. creates a venv and installs tensorgen with the CUDA kernels required (TENSORGEN_CUDA=ON).
#      Where the interpreter already holds the build and test requirements (scikit-build-core,
#      pybind11, jinja2, pyyaml, pytest, numpy: a GPU image with no package index, say) the venv
#      sees that interpreter's packages through a .pth file and nothing is downloaded; otherwise
#      pip installs ".[test]" from the package index. The CPU kernels are compiled for the
#      default capability only (TENSORGEN_CPU_PER_ISA=OFF; the CUDA results are compared with
#      them, not timed) unless GPU_CHECK_PER_ISA=ON;
#   2. checks the extension really has sm_90 code and that a GPU is visible;
#   3. runs the CUDA tests: tests/test_cuda.py (transfers, allocator, device mixing, random,
#      autograd, CPU-vs-CUDA consistency of every op) and the CUDA half of the op matrix
#      (tests/test_ops.py -k cuda), then the CPU half (this machine's compiler may differ from
#      CI's: a GCC 13.3 build crashed in error paths a GCC 12 build passes), on up to 8 cores
#      when pytest-xdist is there. The extension keeps its symbol table (not stripped), so a
#      crash's backtrace (cuda-gdb -batch -ex run -ex bt --args python ...) names functions;
#   4. prints a short benchmark table: pointwise add and sum bandwidth as a fraction of a
#      device-to-device copy, float32 mm against torch.mm (cuBLAS), and mul/exp/relu/sum/amax/
#      softmax side by side with PyTorch when a CUDA-enabled PyTorch is importable (it is not
#      installed by this script). A crash in the tests: scripts/cuda_repro.py names the sample.
# Budget: under 8 minutes (on an H200 machine's 16 cores: build 2.7-3.5 min, CUDA tests 40 s, CPU
# matrix ~1-2 min, benchmarks 10 s).
# Usage: scripts/gpu_check.sh [venv dir, default .venv-gpu]; PYTHON=... picks the interpreter
# (default python3.11, else python3), GPU_CHECK_PYTEST_ARGS adds pytest arguments. Exit status:
# non-zero if the build or any test failed (the benchmark table is still printed when the build
# succeeded).
set -euo pipefail

cd "$(dirname "$0")/.."
VENV="${1:-.venv-gpu}"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
START=$SECONDS
step() { printf '\n=== [%3ds] %s\n' "$((SECONDS - START))" "$*"; }

step "environment"
command -v "$PY" >/dev/null || { echo "gpu_check: $PY not found (set PYTHON=...)"; exit 2; }
command -v nvcc >/dev/null || { echo "gpu_check: nvcc not on the PATH (the CUDA toolkit is needed to build)"; exit 2; }
nvcc --version | tail -n 2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

step "venv + pip install with TENSORGEN_CUDA=ON"
"$PY" -m venv "$VENV"
PER_ISA="${GPU_CHECK_PER_ISA:-OFF}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
BUILD_FLAGS=(-Ccmake.define.TENSORGEN_CUDA=ON -Ccmake.define.TENSORGEN_CPU_PER_ISA="$PER_ISA" -Cinstall.strip=false
             -Cbuild-dir=build/gpu-check)
if "$PY" -c "import scikit_build_core, pybind11, jinja2, yaml, pytest, numpy" 2>/dev/null; then
  echo "using $PY's own packages (no downloads)"
  "$PY" -c "import site; print('\n'.join(site.getsitepackages()))" >"$VENV/parent-site.txt"
  SITE=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  cp "$VENV/parent-site.txt" "$SITE/gpu_check_parent.pth"
  # shellcheck disable=SC1091
  . "$VENV/bin/activate"
  python -m pip install -q --no-build-isolation --no-deps "${BUILD_FLAGS[@]}" .
else
  # shellcheck disable=SC1091
  . "$VENV/bin/activate"
  python -m pip install -q --upgrade pip
  python -m pip install -q ".[test]" "${BUILD_FLAGS[@]}"
fi

step "the installed extension"
SO=$(python -c "import tensorgen, glob, os; print(glob.glob(os.path.join(os.path.dirname(tensorgen.__file__), '_C*.so'))[0])")
echo "$SO"
if command -v cuobjdump >/dev/null; then
  # Captured first: with pipefail, `cuobjdump | grep -q` can fail when grep exits early (SIGPIPE).
  ELF=$(cuobjdump --list-elf "$SO")
  printf '%s\n' "$ELF" | sed -n 1,3p
  grep -q sm_90 <<<"$ELF" || { echo "gpu_check: no sm_90 cubin in the extension"; exit 1; }
fi
python - <<'PY'
import tensorgen as tg
print("built with CUDA:", tg.backends.cuda.is_built(), "| GPUs:", tg.cuda.device_count())
assert tg.backends.cuda.is_built(), "the extension was built without CUDA"
assert tg.cuda.is_available(), "no GPU visible to tensorgen (driver? CUDA_VISIBLE_DEVICES?)"
x = tg.arange(6, device="cuda").float()
print(x * 2, (x * 2).sum().item())
PY

step "CUDA tests"
STATUS=0
PYTEST=(python -m pytest -q -rf -p no:cacheprovider)
python -c "import xdist" 2>/dev/null && PYTEST+=(-n "$(( $(nproc) < 8 ? $(nproc) : 8 ))")
# shellcheck disable=SC2206
PYTEST+=(${GPU_CHECK_PYTEST_ARGS:-})
"${PYTEST[@]}" tests/test_cuda.py || STATUS=1
"${PYTEST[@]}" tests/test_ops.py -k "cuda" || STATUS=1
"${PYTEST[@]}" tests/test_ops.py -k "not cuda" || STATUS=1

step "benchmarks"
python - <<'PY'
import time

import tensorgen as tg

def bench(fn, reps=20, sync=tg.cuda.synchronize):
    fn()
    sync()
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        sync()
        best = min(best, (time.perf_counter() - t) / reps)
    return best

try:  # PyTorch with CUDA, for side-by-side rows (the image of a GPU machine often has one)
    import torch
    if not torch.cuda.is_available():
        raise ImportError
    torch.backends.cuda.matmul.allow_tf32 = False
except Exception:  # not installed, or a torch that fails to load its CUDA libraries
    torch = None

n = 1 << 26  # 64M float32 = 256 MB per operand
a = tg.rand(n, device="cuda")
b = tg.rand(n, device="cuda")
out = tg.empty(n, device="cuda")
t_copy = bench(lambda: out.copy_(a))
copy_bw = 2 * 4 * n / t_copy  # read + write
t_add = bench(lambda: tg.add(a, b, out=out))
add_bw = 3 * 4 * n / t_add
t_sum = bench(lambda: a.sum())
sum_bw = 4 * n / t_sum
rows = [("device-to-device copy, 64M float32", f"{copy_bw / 1e9:7.1f} GB/s", "1.00"),
        ("a + b (out=), 64M float32", f"{add_bw / 1e9:7.1f} GB/s", f"{add_bw / copy_bw:.2f}"),
        ("a.sum(), 64M float32", f"{sum_bw / 1e9:7.1f} GB/s", f"{sum_bw / copy_bw:.2f}")]
m = 4096
x = tg.rand(m, m, device="cuda")
y = tg.rand(m, m, device="cuda")
t_mm = bench(lambda: tg.mm(x, y), reps=5)
tflops = 2 * m ** 3 / t_mm / 1e12
vs = "torch with CUDA not installed"
if torch is not None:
    tx, ty = torch.rand(m, m, device="cuda"), torch.rand(m, m, device="cuda")
    vs = f"{bench(lambda: torch.mm(tx, ty), 5, torch.cuda.synchronize) / t_mm:.2f}x torch.mm (cuBLAS, no TF32)"
rows.append((f"mm {m}^3 float32", f"{tflops:7.2f} TFLOP/s", vs))
if torch is not None:
    # The same calls on both libraries, 64M float32 (a 8192 x 8192 matrix for softmax); GB/s
    # counts every operand read or written once.
    ta, tb = torch.rand(n, device="cuda"), torch.rand(n, device="cuda")
    x2, tx2 = a.view(8192, 8192), ta.view(8192, 8192)
    side_by_side = [("a * b", 12, lambda: a * b, lambda: ta * tb),
                    ("a.exp()", 8, lambda: a.exp(), lambda: ta.exp()),
                    ("a.relu()", 8, lambda: a.relu(), lambda: ta.relu()),
                    ("a.sum()", 4, lambda: a.sum(), lambda: ta.sum()),
                    ("a.amax()", 4, lambda: a.amax(), lambda: ta.amax()),
                    ("softmax(dim=-1)", 8, lambda: x2.softmax(-1), lambda: tx2.softmax(-1))]
    for name, nbytes, f_tg, f_torch in side_by_side:
        try:
            t_tg = bench(f_tg)
            t_torch = bench(f_torch, sync=torch.cuda.synchronize)
            rows.append((f"{name}, 64M float32", f"{nbytes * n / t_tg / 1e9:7.1f} GB/s",
                         f"{t_torch / t_tg:.2f}x torch ({nbytes * n / t_torch / 1e9:.0f} GB/s)"))
        except Exception as e:  # noqa: BLE001  (a row that fails is reported, the rest still run)
            rows.append((f"{name}, 64M float32", "failed", f"{type(e).__name__}: {e}"[:80]))
print(f"{'row':40} {'throughput':>16}  vs")
for r in rows:
    print(f"{r[0]:40} {r[1]:>16}  {r[2]}")
PY

step "done (status $STATUS)"
exit $STATUS
