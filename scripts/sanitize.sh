#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run (issue 13, "Hardening").
#
#   scripts/sanitize.sh            build build/asan, run the CI subset of the tests under it
#   scripts/sanitize.sh --ci       the run inside .ci/run: one build of the kernels (AVX2 when the
#                                  CPU has it, else portable) at -O0, the CI subset of the tests
#   scripts/sanitize.sh --all      ... the whole suite instead
#   scripts/sanitize.sh -- ARGS    ... pytest ARGS instead (e.g. -- tests/test_views.py -k expand)
#
# The build: CMake option TENSORGEN_SANITIZE=ON (-fsanitize=address,undefined, -O1 -g1, UB is fatal),
# CUDA off, per-ISA kernels ON: the AVX2/AVX-512 kernels (explicit vector loads and stores, masked
# tails) are where an out-of-bounds access would hide, and the tests run under the best capability
# of the machine. It goes into its own directory and never touches python/tensorgen/_C*.so or the
# pip-installed package: the sanitized extension runs from a copy of the Python package under
# build/asan/python (first on PYTHONPATH).
#
# Python is not built with ASan, so libasan is preloaded; leak checking is off (CPython keeps its
# objects alive until exit by design). Every report of every process (pytest's workers, the
# subprocesses some tests start) goes to a log file under build/asan/reports: the script fails if
# pytest fails or if any report was written.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=subset
ci=0
pytest_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --all) mode=all; shift ;;
    --ci) ci=1; shift ;;
    --) shift; mode=custom; pytest_args=("$@"); break ;;
    *) echo "usage: $0 [--all] [-- pytest args]" >&2; exit 2 ;;
  esac
done
default_dir=build/asan
[[ $ci == 1 ]] && default_dir=build/asan-ci
BUILD=$(realpath -m "${TENSORGEN_SANITIZE_DIR:-$default_dir}")

# The CI subset (the whole suite under ASan would not fit next to the normal build and test run
# in CI's 30 minutes on 2 cores): a deterministic third of the op matrix, plus the files that
# feed tensorgen odd layouts, bad input, threads and foreign memory.
SUBSET=(
  tests/test_ops.py
  tests/test_properties.py tests/test_errors.py tests/test_indexing.py tests/test_views.py
  tests/test_iterator.py tests/test_allocator.py tests/test_autograd.py tests/test_thread_safety.py
  tests/test_serialization.py tests/test_sort.py tests/test_gemm.py tests/test_vec_math.py
)
# test_ops.py is sharded by a stable hash of the test id (python/tensorgen/testing/shard.py):
# shard 0 of 3 holds ~3,850 of its ~11,500 tests and still tests every one of the 322 ops
# (each op has dozens of tests: per dtype, per kind of sample, per variant).
SHARD=${TENSORGEN_SANITIZE_SHARD:-0/3}

for tool in cmake ninja; do
  command -v "$tool" >/dev/null || python -m pip install --quiet "$tool"
done
python -c "import pybind11, jinja2, yaml" 2>/dev/null || python -m pip install --quiet pybind11 jinja2 pyyaml

# The CI build (--ci) has to fit next to the normal build and test run in CI's 30 minutes on
# 2 cores: the three per-ISA builds of the kernels under ASan + UBSan at -O1 alone take ~30 min
# there. It compiles the kernels once, for AVX2 (the explicit vector loads, stores and masked
# tails that the portable build does not have; most machines run them), and at -O0 (2.5x faster
# to compile instrumented; the checks are the same).
isa_flags=(-DTENSORGEN_CPU_PER_ISA=ON)
opt=-O1
if [[ $ci == 1 ]]; then
  opt=-O0
  isa=default
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  if [[ " $flags " == *" avx2 "* && " $flags " == *" fma "* && " $flags " == *" f16c "* && " $flags " == *" bmi2 "* ]]; then
    isa=avx2
  fi
  isa_flags=(-DTENSORGEN_CPU_PER_ISA=OFF -DTENSORGEN_CPU_SINGLE_ISA=$isa)
  echo "sanitize: CI build (kernels compiled once, for $isa; $opt)"
fi

CXX=${CXX:-c++}
start=$(date +%s)
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$CXX" \
      -DTENSORGEN_SANITIZE=ON -DTENSORGEN_SANITIZE_OPT=$opt -DTENSORGEN_CUDA=OFF "${isa_flags[@]}" \
      -DPython_EXECUTABLE="$(command -v python)" >/dev/null
ninja -C "$BUILD" ${JOBS:+-j"$JOBS"} _C
echo "sanitize: build $(( $(date +%s) - start )) s"

# The package: the Python sources of this checkout plus the sanitized extension.
rm -rf "$BUILD/python"
mkdir -p "$BUILD/python"
cp -r python/tensorgen "$BUILD/python/"
rm -f "$BUILD"/python/tensorgen/_C*.so
cp "$BUILD"/_C*.so "$BUILD/python/tensorgen/"
cp "$BUILD"/generated/_C.pyi "$BUILD/python/tensorgen/"  # the stub the typing tests check (generated)
cp pyproject.toml "$BUILD/"  # where an uninstalled package looks for its version (tg.__version__)

LIBASAN=$("$CXX" -print-file-name=libasan.so)
LIBSTDCXX=$("$CXX" -print-file-name=libstdc++.so)
[[ -f "$LIBASAN" ]] || { echo "sanitize: libasan.so not found (gcc's ASan runtime)" >&2; exit 1; }
REPORTS="$BUILD/reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
# libstdc++ too: python is a C program, so without it ASan finds no real __cxa_throw to forward
# to when it starts, and the first C++ exception (any TG_CHECK error) aborts in its interceptor.
export LD_PRELOAD="$LIBASAN $LIBSTDCXX"
# allocator_may_return_null: a huge allocation returns NULL like glibc's malloc does, so the
# tests of tensorgen's "not enough memory" error see the RuntimeError instead of an ASan abort.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"
export PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"

python -c "import tensorgen, sys; assert '$BUILD' in tensorgen.__file__, tensorgen.__file__" \
  || { echo "sanitize: the sanitized package is not the one imported" >&2; exit 1; }

start=$(date +%s)
rc=0
case "$mode" in
  # The DataLoader tests fork worker processes, and a whole-suite run once hung in one of them
  # (test_workers_shuffle_like_the_main_process waiting for its forked worker, in a long xdist
  # worker; test_data.py alone under ASan passes, with or without xdist, and 40 loaders started
  # next to a thread that allocates all the time did not hang either). Suspected, not proven:
  # GCC 12's ASan allocator takes no lock around fork() (LLVM's does since release 18), so a child
  # forked while another thread of a long-lived, many-threaded xdist worker is inside the
  # allocator inherits its lock held. test_data.py runs in a pytest of its own, without xdist, and
  # a test still running after 10 minutes dumps every thread's stack (faulthandler) to the log.
  all) python -m pytest -q -n 2 -p no:cacheprovider -o faulthandler_timeout=600 tests --ignore=tests/test_data.py || rc=$?
       python -m pytest -q -p no:xdist -p no:cacheprovider -o faulthandler_timeout=600 tests/test_data.py || rc=$? ;;
  subset) TENSORGEN_TEST_SHARD="$SHARD:test_ops.py" python -m pytest -q -n 2 -p no:cacheprovider \
            -p tensorgen.testing.shard "${SUBSET[@]}" || rc=$? ;;
  custom) python -m pytest -p no:cacheprovider "${pytest_args[@]}" || rc=$? ;;
esac
echo "sanitize: tests $(( $(date +%s) - start )) s"

# A log holding only "failed to allocate 0x... bytes" warnings is fine: that is ASan returning NULL
# for the tests' huge allocations (allocator_may_return_null); anything else is a report.
reports=()
for f in "$REPORTS"/*; do
  [[ -e "$f" ]] || continue
  grep -qv "WARNING: AddressSanitizer failed to allocate" "$f" && reports+=("$f")
done
if [[ ${#reports[@]} -gt 0 ]]; then
  echo "sanitize: ${#reports[@]} sanitizer report(s):" >&2
  for f in "${reports[@]}"; do echo "== $f" >&2; head -60 "$f" >&2; done
  exit 1
fi
if [[ $rc -ne 0 ]]; then
  echo "sanitize: pytest failed (rc=$rc)" >&2
  exit "$rc"
fi
echo "sanitize: clean (no AddressSanitizer or UndefinedBehaviorSanitizer report)"
