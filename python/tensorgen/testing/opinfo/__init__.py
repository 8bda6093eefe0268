"""The OpInfo database behind tests/test_ops.py (DESIGN.md §8): one entry per op in native_functions.yaml.

core.py holds the OpInfo class and re-exports the rest of the vocabulary: dtypes.py (dtype sets,
promotion), inputs.py (SampleInput, ErrorInput, Maker, reference helpers), default_samples.py and
default_errors.py (what each kind supplies). The entries live in one module per family:

    pointwise.py         kind pointwise (and composites tagged pointwise)
    reductions.py        kind reduction
    scans.py             kind scan (cumulative along one dim)
    linalg.py            softmax, matrix products
    shape_ops.py         joining and shape ops (cat, stack, flip, roll, tril, diagonal, ...)
    sorting.py           sort, argsort, topk, kthvalue, median, mode
    indexing.py          gather/scatter, index_*, masked ops, nonzero, advanced indexing, unique
    factories.py         ops that take device= (sizes and scalars in), and the *_like ones
    views.py             views and reshapes
    copy.py              copies, fills, conversions, whole-tensor comparisons
    backward_helpers.py  select_backward and friends
    activations.py       activation functions, dropout, in-place random fills
    nn_conv.py           linear, convolutions, unfold/fold
    nn_pooling.py        pooling, pad, interpolate, pixel_shuffle
    nn_norms.py          batch/layer/group/rms norm and their backward kernels
    nn_losses.py         the losses
    nn_embedding_attention.py  embedding(_bag), scaled_dot_product_attention, distances
    optim.py             fused multi-tensor optimizer steps

Adding a pointwise, reduction or scan op needs one line in its family module, e.g.
`OpInfo("hypot", ref=np.hypot)`, `OpInfo("amax", ref=np.amax)`; what the YAML says (kind,
variants, promotion, dtypes, arity) comes from tg.ops.<name>.

Building the database never raises: an entry for a name that is not an op, a family module that
fails to build, a duplicate or a missing entry are each reported by a test in tests/test_ops.py
(`unknown_entries`, `family_errors`, `duplicate_entries`, `missing_entries()`).
"""
from __future__ import annotations

import importlib
import traceback

import tensorgen as tg
from tensorgen.testing.opinfo.core import (ALL_DTYPES, DTYPE_SETS, FACTORIES, FAMILIES, FLOATING, INTEGRAL,  # noqa: F401
                                           NUMERIC, ErrorInput, Maker, OpInfo, SampleInput, can_cast, check_result,
                                           family_of, is_floating, np_dtype, promote_types, result_type, sample_on,
                                           special_values)

__all__ = ["ALL_DTYPES", "OpInfo", "SampleInput", "ErrorInput", "op_db", "op_db_by_name", "result_type",
           "promote_types", "can_cast", "check_result", "DEVICES", "sample_on", "FACTORIES", "family_of",
           "missing_entries"]


def _build():
    entries: list[OpInfo] = []
    errors: dict[str, str] = {}
    for family in FAMILIES:
        try:
            module = importlib.import_module(f"tensorgen.testing.opinfo.{family}")
            entries += module.entries()
        except Exception:  # reported by test_ops (test_opinfo_families_build), not a collection error
            errors[family] = traceback.format_exc()
    return entries, errors


_entries, family_errors = _build()
# Entries whose name is not an op in native_functions.yaml (a typo, or an op that was removed).
unknown_entries: list[OpInfo] = [op for op in _entries if op.meta is None]
op_db: list[OpInfo] = [op for op in _entries if op.meta is not None]
op_db_by_name: dict[str, OpInfo] = {}
duplicate_entries: list[str] = []
for _op in op_db:
    if _op.name in op_db_by_name:
        duplicate_entries.append(_op.name)
    op_db_by_name.setdefault(_op.name, _op)
del _op


def missing_entries() -> dict[str, str]:
    """{op name: the module of opinfo/ its entry belongs in} for every YAML op without one."""
    return {name: family_of(meta) for name, meta in tg.ops.all_ops().items() if name not in op_db_by_name}


def __getattr__(name):
    if name == "DEVICES":  # built lazily: importing opinfo must not need pytest
        from tensorgen.testing.opinfo import core
        return core.DEVICES
    raise AttributeError(name)
