"""The examples run end to end: README's main job (the digits CNN, >= 97% test accuracy, a checkpoint, a
plot) and the linear regression. They need the [examples] extra, which [test]
pulls in."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(*args, timeout=600):
    r = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


def test_linear_regression_recovers_the_weights():
    out = run_example(ROOT / "examples" / "linear_regression.py")
    assert "ok: recovered the true weights" in out


def test_train_digits_reaches_97_percent_and_checkpoints(tmp_path):
    pytest.importorskip("sklearn", reason="the digits example needs scikit-learn (pip install '.[examples]')")
    pytest.importorskip("tqdm", reason="the digits example needs tqdm (pip install '.[examples]')")
    pytest.importorskip("matplotlib", reason="the digits example needs matplotlib (pip install '.[examples]')")
    out = run_example(ROOT / "examples" / "train_digits.py", "--out", tmp_path)
    last = [line for line in out.splitlines() if line.startswith("epoch")][-1]
    accuracy = float(last.split("test accuracy")[1].split("%")[0])
    assert accuracy >= 97.0, out
    assert (tmp_path / "digits_cnn.pt").stat().st_size > 0
    assert (tmp_path / "digits_training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import tensorgen as tg
    state = tg.load(tmp_path / "digits_cnn.pt")
    assert state["epoch"] == 12 and "features.0.weight" in state["model"]


def test_train_digits_distributed_on_two_ranks(tmp_path):
    pytest.importorskip("sklearn", reason="the digits example needs scikit-learn (pip install '.[examples]')")
    pytest.importorskip("mpi4py", reason="the distributed example needs mpi4py (pip install '.[distributed]')")
    out = run_example("-m", "tensorgen.distributed.run", "-n", "2", ROOT / "examples" / "train_digits_distributed.py",
                      "--out", tmp_path)
    last = [line for line in out.splitlines() if line.startswith("epoch")][-1]
    assert float(last.split("test accuracy")[1].split("%")[0]) >= 97.0, out
    assert (tmp_path / "digits_cnn.pt").stat().st_size > 0
