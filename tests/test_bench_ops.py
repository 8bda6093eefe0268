"""benchmarks/ops.py --quick runs end to end: every op of native_functions.yaml appears (a row or
the reason it has none), the summary prints, --only filters, --json writes the rows. A smoke run:
nothing here asserts how fast anything is."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tensorgen as tg

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "ops.py"


def _run(*args, timeout=600):
    r = subprocess.run([sys.executable, str(SCRIPT), "--quick", *args], capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r.stdout


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "ops.json"
    return _run("--json", str(path)), json.loads(path.read_text())


def test_every_yaml_op_has_rows_or_a_reason(quick_run):
    out, _ = quick_run
    row_ops = {line.split(" | ")[0] for line in out.splitlines() if " | " in line and not line.startswith(" ")}
    noted = {line.split(":")[0].strip() for line in out.splitlines() if line.startswith("  ") and ":" in line}
    without = out.split("ops without rows", 1)[1] if "ops without rows" in out else ""
    for name in tg.ops.all_ops():
        assert name in row_ops or (name in noted and f"{name} (" in without), name


def test_summary_lines_print(quick_run):
    out, _ = quick_run
    for line in ["cpu capability", "geometric mean vs torch over all rows", "slowest 10 rows vs torch",
                 "1-element / small-sample overhead", "read bandwidth", "whole-tensor float32 reductions"]:
        assert line in out, line


def test_json_has_rows_and_summary(quick_run):
    _, data = quick_run
    assert data["header"]["quick"] is True and data["header"]["capability"] == tg.backends.cpu.capability()
    assert data["summary"]["read_bandwidth_gbs"] > 0
    # every whole-tensor reduction is timed against a sum over its own tensor (the read-rate line)
    rates = data["summary"]["read_rate_pct"]
    assert {"sum", "amax", "argmin", "prod", "all", "median"} <= set(rates), sorted(rates)
    assert all(v > 0 for v in rates.values()) and data["summary"]["read_rate_reference"] in ("tensorgen", "torch")
    ops = {r["op"] for r in data["rows"]}
    assert {"add", "sum", "mm", "cat", "sort", "conv2d", "softmax"} <= ops
    kinds = {r["kind"] for r in data["rows"]}
    assert {"1elem", "small", "large", "layout", "bwd"} <= kinds
    assert {r["dtype"] for r in data["rows"]} >= {"float32", "float16", "bfloat16", "int64"}
    assert all(r["seconds"]["tensorgen"] > 0 for r in data["rows"])


def test_only_filters_ops():
    out = _run("--only", "erfinv", "--dtype", "float32", timeout=300)
    names = {line.split(" | ")[0] for line in out.splitlines() if " | " in line and not line.startswith(" ")}
    assert names == {"erfinv"}, names
    assert "erfinv | fwd+bwd" in out and "geometric mean" in out


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed (no ratios)")
def test_recheck_runs_rows_again_and_reports_the_median(tmp_path):
    """--recheck N: the rows below the threshold run N more times; each row's ratio becomes the
    median of its runs, all of them kept in the JSON."""
    path = tmp_path / "recheck.json"
    out = _run("--only", "erfinv", "--dtype", "float32", "--recheck", "2", "--recheck-below", "1000",
               "--json", str(path), timeout=300)
    assert "re-measuring the" in out and "median of 3 runs:" in out
    rows = [r for r in json.loads(path.read_text())["rows"] if r.get("vs_torch") is not None]
    assert rows and all(len(r["vs_torch_runs"]) == 3 for r in rows)
    assert all(sorted(r["vs_torch_runs"])[1] == r["vs_torch"] for r in rows)
