"""The C++ API's types and names for schema types (like torchgen's api/cpp.py).

One flat signature per schema: no overload zoo. Every helper here returns C++ text for one type,
parameter list or name; the shape of the functions built from them lives in the templates.
"""
from __future__ import annotations

from codegen.model import Argument, FunctionSchema, Type

_CPP_BASE = {
    "int": "int64_t", "float": "double", "bool": "bool", "str": "std::string_view",
    "Scalar": "Scalar", "ScalarType": "ScalarType", "Device": "Device", "Generator": "Generator",
}


def cpp_type(t: Type) -> str:
    """The C++ parameter type of a schema type."""
    if t.base == "Tensor":
        if t.is_optional_tensor_list:
            return "ArrayRef<std::optional<Tensor>>"  # Tensor?[]: an element may be std::nullopt
        if t.is_list:
            return "TensorList"
        if t.is_write:
            return "Tensor&"
        return "const std::optional<Tensor>&" if t.optional else "const Tensor&"
    if t.is_list:
        assert t.base == "int", t
        return "std::optional<IntArrayRef>" if t.optional else "IntArrayRef"
    base = _CPP_BASE[t.base]
    if t.base in ("Scalar", "Generator"):
        return f"const std::optional<{base}>&" if t.optional else f"const {base}&"
    return f"std::optional<{base}>" if t.optional else base


def returns_tensor_list(s: FunctionSchema) -> bool:
    """`-> Tensor[]` (unbind, split): one std::vector<Tensor> result."""
    return len(s.returns) == 1 and s.returns[0].type.is_tensor_list


def cpp_return_type(s: FunctionSchema) -> str:
    rets = s.returns
    if not rets:
        return "void"
    if len(rets) == 1:
        t = rets[0].type
        if t.base == "Tensor":
            if t.is_list:
                return "std::vector<Tensor>"
            return "Tensor&" if t.is_write else "Tensor"
        return {"bool": "bool", "float": "double", "int": "int64_t", "Scalar": "Scalar"}[t.base]
    return "std::tuple<" + ", ".join("Tensor&" if r.type.is_write else "Tensor" for r in rets) + ">"


def cpp_default(a: Argument) -> str | None:
    d = a.default
    if d is None:
        return None
    if d == "None":
        return "std::nullopt"
    if d in ("True", "False"):
        return d.lower()
    if d.startswith("["):
        return "IntArrayRef{" + d[1:-1] + "}"
    if d[0] in "'\"":
        return '"' + d[1:-1] + '"'
    if a.type.is_list:  # int[N] default given as one int
        return "IntArrayRef{" + ", ".join([d] * (a.type.list_size or 1)) + "}"
    return d


def cpp_param(a: Argument, with_default: bool = False) -> str:
    p = f"{cpp_type(a.type)} {a.name}"
    d = cpp_default(a) if with_default else None
    return p + (f" = {d}" if d is not None else "")


def cpp_params(args, with_defaults: bool) -> str:
    return ", ".join(cpp_param(a, with_defaults) for a in args)


def cpp_types(args) -> str:
    return ", ".join(cpp_type(a.type) for a in args)


def call_args(args) -> str:
    return ", ".join(a.name for a in args)


def api_args(s: FunctionSchema) -> tuple[Argument, ...]:
    """The C++ API's parameter order: out= tensors first (ATen's add_out(out, self, other)), so
    the inputs' defaults still apply."""
    outs = s.out_arguments
    return tuple(outs) + tuple(a for a in s.arguments if a not in outs)


def cpp_api_name(s: FunctionSchema) -> str:
    return s.name + ("_out" if s.out_arguments else "")


def ident(s: FunctionSchema) -> str:
    """A C++ identifier unique per overload: max.dim -> max_dim."""
    return s.name + ("_" + s.overload if s.overload else "")


def fn_type(s: FunctionSchema) -> str:
    """The function type of the C++ API of `s` (what an autograd slot points to)."""
    return f"{cpp_return_type(s)}({cpp_types(api_args(s))})"
