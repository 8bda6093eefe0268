"""Per-ISA CPU kernels (DESIGN.md §6 "SIMD"): the choice at import, the override, the op matrix
under every capability this machine supports, and that the builds cannot leak into each other."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tensorgen as tg

ROOT = Path(__file__).resolve().parents[1]
# The tests whose kernels differ per capability; run again under each non-default capability. The
# sort, index, shape and linear-algebra suites exercise vectorized kernels (radix passes, gathers,
# the packed GEMM under addmm/einsum) and pooling (the row-major window order at every vector width)
# beyond what test_ops samples, in ~15 s per capability.
PER_ISA_TESTS = ["test_ops.py", "test_vec_math.py", "test_gemm.py", "test_threads.py", "test_softmax.py",
                 "test_reductions.py", "test_sort.py", "test_indexing.py", "test_shape_ops.py", "test_linalg.py",
                 "test_nn_pooling.py"]


def _run(code, capability):
    env = dict(os.environ, TENSORGEN_CPU_CAPABILITY=capability)
    return subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)


def test_default_choice_is_the_best_supported():
    assert tg.backends.cpu.best_capability() in tg.backends.cpu.CAPABILITIES
    assert tg.backends.cpu.supported_capabilities()[0] == "default"
    if not os.environ.get("TENSORGEN_CPU_CAPABILITY"):
        assert tg.backends.cpu.capability() == tg.backends.cpu.best_capability()


@pytest.mark.parametrize("capability", tg.backends.cpu.supported_capabilities())
def test_override_selects_capability(capability):
    r = _run("import tensorgen as tg; print(tg.backends.cpu.capability())", capability)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == capability
    assert "Warning" not in r.stderr


@pytest.mark.parametrize("request_", ["sse9", "AVX512x"])
def test_bad_override_warns_and_falls_back(request_):
    r = _run("import tensorgen as tg; print(tg.backends.cpu.capability())", request_)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == tg.backends.cpu.best_capability()
    assert "RuntimeWarning" in r.stderr and request_ in r.stderr


@pytest.mark.parametrize("capability", [c for c in tg.backends.cpu.supported_capabilities()
                                        if c != tg.backends.cpu.best_capability()])
def test_matrix_passes_under_capability(capability):
    """The best capability runs the whole suite in this process; the others run the kernel tests
    again in a subprocess (the capability is fixed per process)."""
    tests = [str(ROOT / "tests" / t) for t in PER_ISA_TESTS if (ROOT / "tests" / t).exists()]
    env = dict(os.environ, TENSORGEN_CPU_CAPABILITY=capability)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                       env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(r"\d+ passed", r.stdout)


def _build_id(path):
    notes = subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", notes)
    return m.group(1) if m else None


def _extension_path():
    """The loaded extension, or, when it was installed stripped (the wheel is: pyproject.toml's
    install.strip), the unstripped copy of the same link (same GNU build ID) that pip's build left
    in build/<wheel tag>/."""
    so = Path(tg._C.__file__)
    if shutil.which("readelf") is None or subprocess.run(["nm", str(so)], capture_output=True, text=True).stdout:
        return so  # has a symbol table
    build_id = _build_id(so)
    for candidate in sorted(ROOT.glob(f"build/*/{so.name}")):
        if build_id is not None and _build_id(candidate) == build_id:
            return candidate
    return so


def test_capability_builds_do_not_share_code():
    """Only functions in the namespace cpu_avx512 (or local copies private to that build) may use
    AVX-512 registers: a global or weak function with zmm code outside it would be callable from
    the default build and crash a CPU without AVX-512."""
    if shutil.which("nm") is None or shutil.which("objdump") is None:
        pytest.skip("needs binutils (nm, objdump)")
    so = str(_extension_path())
    symbols = subprocess.run(["nm", "--defined-only", so], capture_output=True, text=True).stdout
    if "cpu_default" not in symbols:
        pytest.skip("the extension has no symbol table (stripped) or no per-ISA build")
    shared = {line.split()[2] for line in symbols.splitlines()
              if len(line.split()) == 3 and line.split()[1] in "TW"}
    disasm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", so], capture_output=True, text=True).stdout
    offenders, current = set(), None
    for line in disasm.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            current = m.group(1)
        elif current and "%zmm" in line and current in shared and "cpu_avx512" not in current:
            offenders.add(current)
    assert not offenders, sorted(offenders)[:20]


def test_sums_are_the_same_bits_under_every_capability():
    """The cascade sum's leaves keep 64 float lanes whatever the vector width, so a float sum does not
    change when the same program runs on another CPU."""
    code = ("import numpy as np, tensorgen as tg\n"
            "x = np.random.default_rng(0).standard_normal(1_000_003).astype(np.float32)\n"
            "t = tg.from_numpy(x)\n"
            "print(t.sum().item().hex(), t.double().sum().item().hex(), t.view(-1)[:999_000].view(999, 1000)"
            ".sum(1).double().sum().item().hex())")
    results = {cap: _run(code, cap) for cap in tg.backends.cpu.supported_capabilities()}
    for cap, r in results.items():
        assert r.returncode == 0, (cap, r.stderr)
    assert len({r.stdout for r in results.values()}) == 1, {c: r.stdout for c, r in results.items()}
