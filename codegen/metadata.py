"""Structured op metadata for the runtime: what native_functions.yaml says about every entry, as
JSON that the extension exposes as ``tensorgen._C._op_metadata_json`` and ``tg.ops`` parses.

One object per YAML entry (NativeFunction), in YAML order:

    {"name": "add", "overload": "", "schema": "add(Tensor self, ...) -> Tensor",
     "inplace_schema": "add_(...)" | null, "out_schema": "add.out(...)" | null,
     "kind": "pointwise" | "reduction" | "view" | "composite" | "structured" | "functional",
     "variants": ["function", ...], "promotion": "default", "dtypes": "all", "tags": [...],
     "arguments": [{"name": "self", "type": "Tensor", "default": null, "kwarg_only": false}, ...],
     "returns": [{"name": null, "type": "Tensor"}],
     "differentiable": true, "dispatch": {"CPU": "add_kernel"}}

Types and defaults are the schema's own text, so a consumer never needs a second schema parser.
"""
from __future__ import annotations

import json

from codegen.derivatives import Derivative
from codegen.model import FunctionSchema, NativeFunction


def op_kind(f: NativeFunction) -> str:
    """The YAML kind, or for entries without one how gen.build_groups emits them: an op with an
    out= variant is structured (the functional and in-place ops call the out= kernel), any other
    is a plain functional op."""
    if f.kind is not None:
        return f.kind
    return "structured" if f.out_schema is not None else "functional"


def _schema_text(s: FunctionSchema | None) -> str | None:
    return None if s is None else str(s)


def op_metadata(f: NativeFunction, derivs: dict[str, Derivative]) -> dict:
    d = derivs.get(f.schema.full_name)
    return {
        "name": f.name,
        "overload": f.schema.overload,
        "schema": str(f.schema),
        "inplace_schema": _schema_text(f.inplace_schema),
        "out_schema": _schema_text(f.out_schema),
        "kind": op_kind(f),
        "variants": sorted(f.variants),
        "promotion": f.promotion,
        "dtypes": f.dtypes,
        "tags": list(f.tags),
        "arguments": [{"name": a.name, "type": str(a.type), "default": a.default, "kwarg_only": a.kwarg_only}
                      for a in f.schema.arguments],
        "returns": [{"name": r.name, "type": str(r.type)} for r in f.schema.returns],
        "differentiable": d is not None and not d.non_differentiable,
        "dispatch": dict(f.dispatch),
    }


def op_metadata_json(functions: list[NativeFunction], derivs: dict[str, Derivative]) -> str:
    """The JSON list, one entry per line (a schema change shows as a one-line diff in registry.cpp)."""
    lines = [json.dumps(op_metadata(f, derivs), separators=(",", ":")) for f in functions]
    return "[\n" + ",\n".join(lines) + "\n]"


RAW_DELIMITER = "tgjson"


def cpp_raw_string_chunks(text: str) -> list[str]:
    """text as C++ raw string literals, one per line (adjacent literals concatenate; one op per
    literal keeps every compiler's per-literal limit happy and the generated file readable)."""
    end = f'){RAW_DELIMITER}"'
    if end in text:
        raise ValueError(f"op metadata contains the raw string terminator {end!r}")
    return [f'R"{RAW_DELIMITER}({line}){RAW_DELIMITER}"' for line in text.splitlines(keepends=True)]
