"""tg.ops.<name>: what native_functions.yaml says about each op, readable at runtime.

The generator embeds the YAML's entries as JSON in the extension (codegen/metadata.py,
``tensorgen._C._op_metadata_json``); it is parsed on the first access of ``tg.ops.<name>`` or
``tg.ops.all_ops()`` so that ``import tensorgen`` stays fast.

One ``OpMeta`` per op name gathers its overloads (``max`` and ``max.dim``): the fields kind,
promotion, dtypes, arguments, returns, dispatch and arity come from the primary overload (the
one without an overload name, else the first in the YAML); variants and tags are the union over
the overloads, ``schemas`` lists every schema (functional, in-place, out=) in YAML order.
"""
from __future__ import annotations

from tensorgen import _C

__all__ = ["Argument", "Return", "Overload", "OpMeta", "all_ops"]


class Argument:
    """One schema argument: type and default are the schema's text ("int[1]?", "None")."""

    __slots__ = ("name", "type", "default", "kwarg_only")

    def __init__(self, name: str, type: str, default: str | None, kwarg_only: bool):
        self.name, self.type, self.default, self.kwarg_only = name, type, default, kwarg_only

    @property
    def is_tensor(self) -> bool:
        """A single (possibly optional or aliased) Tensor, not a Tensor[] list."""
        return self.type.startswith("Tensor") and "[" not in self.type

    def __repr__(self) -> str:
        text = f"{self.type} {self.name}"
        return f"Argument({text if self.default is None else text + '=' + self.default})"


class Return:
    __slots__ = ("name", "type")

    def __init__(self, name: str | None, type: str):
        self.name, self.type = name, type

    def __repr__(self) -> str:
        return f"Return({self.type}{' ' + self.name if self.name else ''})"


def _arity(arguments) -> int:
    return sum(1 for a in arguments if a.is_tensor and not a.kwarg_only)


class Overload:
    """One YAML entry: a functional schema and the in-place / out= schemas derived from it."""

    __slots__ = ("name", "overload", "schema", "inplace_schema", "out_schema", "kind", "variants", "promotion",
                 "dtypes", "tags", "arguments", "returns", "differentiable", "dispatch")

    def __init__(self, d: dict):
        self.name: str = d["name"]
        self.overload: str = d["overload"]
        self.schema: str = d["schema"]
        self.inplace_schema: str | None = d["inplace_schema"]
        self.out_schema: str | None = d["out_schema"]
        self.kind: str = d["kind"]
        self.variants: tuple[str, ...] = tuple(d["variants"])
        self.promotion: str = d["promotion"]
        self.dtypes: str = d["dtypes"]
        self.tags: tuple[str, ...] = tuple(d["tags"])
        self.arguments: tuple[Argument, ...] = tuple(
            Argument(a["name"], a["type"], a["default"], a["kwarg_only"]) for a in d["arguments"])
        self.returns: tuple[Return, ...] = tuple(Return(r["name"], r["type"]) for r in d["returns"])
        self.differentiable: bool = d["differentiable"]
        self.dispatch: dict[str, str] = dict(d["dispatch"])

    @property
    def full_name(self) -> str:
        return f"{self.name}.{self.overload}" if self.overload else self.name

    @property
    def arity(self) -> int:
        """The number of positional Tensor inputs of the functional schema."""
        return _arity(self.arguments)

    @property
    def schemas(self) -> list[str]:
        return [s for s in (self.schema, self.inplace_schema, self.out_schema) if s is not None]

    def argument(self, name: str) -> Argument | None:
        return next((a for a in self.arguments if a.name == name), None)

    def __repr__(self) -> str:
        return f"Overload({self.schema})"


class OpMeta:
    """Everything the YAML says about one op name (all its overloads)."""

    __slots__ = ("name", "overloads")

    def __init__(self, name: str, overloads: tuple[Overload, ...]):
        self.name = name
        self.overloads = overloads

    @property
    def primary(self) -> Overload:
        return next((o for o in self.overloads if not o.overload), self.overloads[0])

    kind = property(lambda self: self.primary.kind)
    promotion = property(lambda self: self.primary.promotion)
    dtypes = property(lambda self: self.primary.dtypes)
    arguments = property(lambda self: self.primary.arguments)
    returns = property(lambda self: self.primary.returns)
    dispatch = property(lambda self: self.primary.dispatch)
    arity = property(lambda self: self.primary.arity)

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(sorted({v for o in self.overloads for v in o.variants}))

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for o in self.overloads for t in o.tags))

    @property
    def schemas(self) -> list[str]:
        return [s for o in self.overloads for s in o.schemas]

    @property
    def differentiable(self) -> bool:
        """Whether some overload has a backward formula (derivatives.yaml, not non_differentiable)."""
        return any(o.differentiable for o in self.overloads)

    def has_argument(self, name: str, type: str | None = None) -> bool:
        """Whether some overload takes `name` (of schema type `type`, when given)."""
        return any(a.name == name and (type is None or a.type == type) for o in self.overloads for a in o.arguments)

    def __repr__(self) -> str:
        return f"tensorgen.ops.{self.name}(kind={self.kind!r}, schemas={self.schemas!r})"


_OPS: dict[str, OpMeta] | None = None


def _load() -> dict[str, OpMeta]:
    global _OPS
    if _OPS is None:
        import json
        by_name: dict[str, list[Overload]] = {}
        for d in json.loads(_C._op_metadata_json):
            by_name.setdefault(d["name"], []).append(Overload(d))
        _OPS = {name: OpMeta(name, tuple(ovs)) for name, ovs in by_name.items()}
    return _OPS


def all_ops() -> dict[str, OpMeta]:
    """{name: OpMeta} for every op in native_functions.yaml, in YAML order."""
    return dict(_load())


def __getattr__(name: str) -> OpMeta:
    if name.startswith("__"):  # module protocol probes (__path__, __wrapped__) must not parse the JSON
        raise AttributeError(name)
    ops = _load()
    if name in ops:
        return ops[name]
    raise AttributeError(f"module 'tensorgen.ops' has no op '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_load()))
