"""A pytest plugin that keeps a deterministic shard of some test files (scripts/sanitize.sh runs a
third of the op matrix under AddressSanitizer to fit CI's time budget).

    TENSORGEN_TEST_SHARD="i/n:file.py,other.py" python -m pytest -p tensorgen.testing.shard ...

keeps, in the named files, the tests whose id hashes (CRC-32, stable across runs, processes and
pytest-xdist workers) to i modulo n; tests in other files all run. Without the variable the
plugin does nothing.
"""
from __future__ import annotations

import os
import zlib


def parse(spec: str):
    """"i/n:a.py,b.py" -> (i, n, {"a.py", "b.py"})."""
    shard, _, files = spec.partition(":")
    i, n = (int(v) for v in shard.split("/"))
    if not 0 <= i < n:
        raise ValueError(f"TENSORGEN_TEST_SHARD: shard {i} of {n} does not exist")
    return i, n, {f for f in files.split(",") if f}


def in_shard(nodeid: str, i: int, n: int) -> bool:
    return zlib.crc32(nodeid.encode()) % n == i


def pytest_collection_modifyitems(config, items):
    spec = os.environ.get("TENSORGEN_TEST_SHARD")
    if not spec:
        return
    i, n, files = parse(spec)
    keep, drop = [], []
    for item in items:
        name = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
        (keep if name not in files or in_shard(item.nodeid, i, n) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
