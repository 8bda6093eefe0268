"""tg.ops.<name>: what native_functions.yaml says about each op, readable at runtime
(schemas, kind, variants, dtypes, tags)."""
from __future__ import annotations

from tensorgen import _C


class OpInfo:
    __slots__ = ("name", "schemas", "kind", "variants", "dtypes", "tags")

    def __init__(self, name: str):
        self.name = name
        self.schemas: list[str] = []
        self.kind = None
        self.variants: tuple[str, ...] = ()
        self.dtypes = "all"
        self.tags: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"tensorgen.ops.{self.name}(kind={self.kind!r}, schemas={self.schemas!r})"


def _load() -> dict[str, OpInfo]:
    ops: dict[str, OpInfo] = {}
    for line in _C._op_schemas:
        schema, kind, variants, dtypes, tags = line.split("|")
        name = schema.split("(")[0].split(".")[0]
        if name.endswith("_") and name[:-1] in ops:  # derived in-place schema
            ops[name[:-1]].schemas.append(schema)
            continue
        info = ops.setdefault(name, OpInfo(name))
        info.schemas.append(schema)
        info.kind = kind
        info.variants = tuple(v for v in variants.split(",") if v)
        info.dtypes = dtypes
        info.tags = tuple(t for t in tags.split(",") if t)
    return ops


_OPS = _load()
globals().update(_OPS)


def all_ops() -> dict[str, OpInfo]:
    return dict(_OPS)
