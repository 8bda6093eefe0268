"""benchmarks/run.py --quick runs end to end (a smoke run: it checks that every §9 row still
runs and prints, never how fast)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_prints_every_row():
    # Same interpreter and environment as the tests: it imports the tensorgen under test.
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--repeat", "2"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for row in ["per-op overhead", "fresh output", "exp,", "sum,", "sum(dim=0)", "softmax", "a.T + a", "mm ",
                "autograd", "import",
                # issue 9: memory-bound new ops
                "cat 8 x", "dim=0", "dim=1", "gather", "scatter_add", "index_select", "x[mask]", "sort,",
                "topk(k=", "cumsum", "var,", "index_put_ accumulate"]:
        assert row in r.stdout, (row, r.stdout)
    assert "cpu capability" in r.stdout


def test_only_filter_runs_just_the_matching_rows():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--repeat", "1",
                        "--only", "cumsum"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [line for line in r.stdout.splitlines()[2:] if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("cumsum"), r.stdout


def test_training_benchmark_prints_every_row():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_training.py"), "--quick", "--repeat", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for row in ["digits CNN step", "MLP 784-256-256-10 step", "GPT block step", "Adam.step", "DataLoader epoch"]:
        assert row in r.stdout, (row, r.stdout)
