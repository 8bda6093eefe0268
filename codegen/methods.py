"""The C++ Tensor methods (`x.exp()`, `a.mm(b)`, `x.add_(y)`), as ATen generates them.

An op listed with `variants: cpp_method` gets a member of `tg::Tensor` for its written schema, and
for its in-place schema when it also has `variants: inplace` (`x.add_(y)`). `method` alone makes
the Python method only. Why the C++ method is its own variant: TensorMethods.h is part of the
class, so every translation unit that sees a Tensor recompiles when it changes — adding a C++
method costs a full rebuild (measured ~10 min on 2 cores, against ~30 s for adding an op without
one). The ops that formulas and composites call as methods carry it; a new op opts in only when
C++ code wants `x.op()`. Each method is declared once in TensorMethods.h, which aten/core/Tensor.h includes
inside `class Tensor`, and defined inline in the op's own ops/<name>.h as a call to the function
API: `inline Tensor Tensor::exp() const { return tg::exp(*this); }`. So `x.exp()` needs
`#include "ops/exp.h"`, exactly like `tg::exp(x)`.

Methods take the function's parameters without `self` (`*this` goes in its place, wherever the
schema puts it: `x.where(cond, y)` is `tg::where(cond, x, y)`), with the same types and defaults.
In-place methods are non-const and return `Tensor&` (*this); the others are const.
"""
from __future__ import annotations

from dataclasses import dataclass

from codegen.api.cpp import cpp_param, cpp_return_type
from codegen.model import CodegenError, FunctionSchema, NativeFunction

# Hand-written members of tg::Tensor (aten/core/Tensor.h): a generated method of the same name
# would silently overload or hide them.
TENSOR_MEMBERS = frozenset({
    "defined", "impl", "impl_ptr", "sizes", "strides", "size", "stride", "dim", "numel", "dtype",
    "scalar_type", "device", "storage_offset", "storage", "is_contiguous", "element_size", "data_ptr",
    "data", "is_same", "requires_grad", "bump_version", "wrap_dim"})


@dataclass
class Method:
    ret: str
    name: str
    decl_params: str     # with the schema's defaults (TensorMethods.h)
    def_params: str      # without them (the inline definition in ops/<name>.h)
    qualifier: str       # " const" unless the method writes *this
    call_args: str       # the function API's arguments, `*this` for self


def _method(s: FunctionSchema, line: int) -> Method:
    if s.name in TENSOR_MEMBERS:
        raise CodegenError(f"'{s.full_name}': 'variants: cpp_method' would add a tg::Tensor method "
                           f"'{s.name}', which Tensor already has as a hand-written member; "
                           f"remove 'cpp_method' or rename the op", "native_functions.yaml", line)
    rest = [a for a in s.arguments if a.name != "self"]
    writes_self = any(a.name == "self" and a.type.is_write for a in s.arguments)
    return Method(ret=cpp_return_type(s), name=s.name,
                  decl_params=", ".join(cpp_param(a, with_default=True) for a in rest),
                  def_params=", ".join(cpp_param(a) for a in rest),
                  qualifier="" if writes_self else " const",
                  call_args=", ".join("*this" if a.name == "self" else a.name for a in s.arguments))


def methods_of(f: NativeFunction) -> list[Method]:
    """The Tensor methods one YAML entry generates (none for a function-only op)."""
    if "cpp_method" not in f.variants:
        return []
    if not any(a.name == "self" for a in f.schema.arguments):
        raise CodegenError(f"'{f.schema.full_name}': 'variants: cpp_method' needs an argument named self",
                           "native_functions.yaml", f.line)
    schemas = [f.schema]
    if f.inplace_schema is not None:
        schemas.append(f.inplace_schema)
    return [_method(s, f.line) for s in schemas]


def collect_methods(functions: list[NativeFunction]) -> dict[str, list[Method]]:
    """Op name -> its methods, in YAML order (op names with none are left out)."""
    by_op: dict[str, list[Method]] = {}
    for f in functions:
        ms = methods_of(f)
        if ms:
            by_op.setdefault(f.name, []).extend(ms)
    return by_op
