"""The Python binding's view of schema types (like torchgen's api/python.py): the parser's
signature text, how each argument is read from the parsed arguments, and how it is passed on."""
from __future__ import annotations

from dataclasses import dataclass

from codegen.model import Argument, Type

# ParsedArgs accessor per (base type, optional).
_ACCESSOR = {
    ("Tensor", False): "tensor", ("Tensor", True): "optional_tensor",
    ("int", False): "toInt64", ("int", True): "toInt64Optional",
    ("float", False): "toDouble", ("float", True): "toDoubleOptional",
    ("bool", False): "toBool", ("bool", True): "toBoolOptional",
    ("str", False): "string", ("str", True): "stringOptional",
    ("Scalar", False): "scalar", ("Scalar", True): "optional_scalar",
    ("ScalarType", False): "scalartype", ("ScalarType", True): "scalartypeOptional",
    ("Device", True): "deviceOptional",
}


def py_type(t: Type) -> str:
    """The parser's type text: the schema type without alias annotations."""
    base = t.base
    if t.is_list:
        base += f"[{t.list_size}]" if t.list_size else "[]"
    return base + ("?" if t.optional else "")


def py_param(a: Argument, rename_self: bool) -> str:
    name = "input" if (rename_self and a.name == "self") else a.name
    return f"{py_type(a.type)} {name}" + (f"={a.default}" if a.default is not None else "")


def py_signature(pyname: str, args, rename_self: bool, out: str | None) -> str:
    """One overload as the PythonArgParser reads it: `add(Tensor input, Tensor other, *, ...)`."""
    parts, kw = [], False
    for a in args:
        if a.kwarg_only and not kw:
            parts.append("*")
            kw = True
        parts.append(py_param(a, rename_self))
    if out:
        if not kw:
            parts.append("*")
        parts.append(out)
    return f"{pyname}({', '.join(parts)})"


@dataclass
class Unpack:
    """One parsed argument: `auto {local} = {init};`, passed to C++ as `expr`."""
    local: str
    init: str
    expr: str


def unpack(a: Argument, i: int) -> Unpack:
    t = a.type
    local = f"a{i}"
    if t.base == "Generator":
        return Unpack(local, f"r.generatorOptional({i})", local)
    if t.is_tensor_list:
        return Unpack(local, f"r.tensorlist({i})", f"TensorList({local})")
    if t.is_list:
        acc = "intlistOptional" if t.optional else "intlist"
        expr = f"as_ref({local})" if t.optional else f"IntArrayRef({local})"
        return Unpack(local, f"r.{acc}({i})", expr)
    return Unpack(local, f"r.{_ACCESSOR[(t.base, t.optional)]}({i})", local)
