"""Emits the C++ op API, kernel declarations, dispatch tables and Python bindings.

`python -m codegen --out DIR` reads native_functions.yaml and writes, per op name:
  ops/<name>.h, ops/<name>.cpp         the C++ API (tg::add ...) and its dispatch table
  kernels/<name>.h                     the flat kernel signatures each backend implements
  python/py_<name>.cpp                 the Python bindings (functions and Tensor methods)
plus registry.cpp (explicit registration of every op) and outputs.txt (the list of files).
Files are written only when their contents change, so a rebuild recompiles just the ops whose
schema changed.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from codegen import autograd
from codegen.derivatives import Derivative, load_derivatives
from codegen.metadata import cpp_raw_string_chunks, op_metadata_json
from codegen.model import (Argument, CodegenError, FunctionSchema, NativeFunction, Type,
                           load_native_functions)

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"

# ----------------------------------------------------------------------------- C++ types

_CPP_BASE = {
    "int": "int64_t", "float": "double", "bool": "bool", "str": "std::string_view",
    "Scalar": "Scalar", "ScalarType": "ScalarType", "Device": "Device", "Generator": "Generator",
}


def cpp_type(t: Type) -> str:
    """The C++ parameter type of a schema type (one flat signature, no overload zoo)."""
    if t.base == "Tensor":
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


def cpp_return_type(s: FunctionSchema) -> str:
    rets = s.returns
    if not rets:
        return "void"
    if len(rets) == 1:
        t = rets[0].type
        if t.base == "Tensor":
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


def cpp_params(args, with_defaults: bool) -> str:
    out = []
    for a in args:
        p = f"{cpp_type(a.type)} {a.name}"
        d = cpp_default(a) if with_defaults else None
        out.append(p + (f" = {d}" if d is not None else ""))
    return ", ".join(out)


def api_args(s: FunctionSchema) -> tuple[Argument, ...]:
    """The C++ API's parameter order: out= tensors first (ATen's add_out(out, self, other)), so
    the inputs' defaults still apply."""
    outs = s.out_arguments
    return tuple(outs) + tuple(a for a in s.arguments if a not in outs)


def cpp_api_name(s: FunctionSchema) -> str:
    return s.name + ("_out" if s.out_arguments else "")


def ident(s: FunctionSchema) -> str:
    return s.name + ("_" + s.overload if s.overload else "")


# ----------------------------------------------------------------------------- per-kind bodies

_POINTWISE_PROMOTION = {"default": "Default", "int_to_float": "IntToFloat", "always_bool": "AlwaysBool"}
_REDUCE_PROMOTION = {"sum": "Sum", "floating_only": "FloatingOnly", "always_bool": "AlwaysBool",
                     "keep": "Keep", "index": "Index", "default": "Keep"}
_DTYPE_SET = {"all": "All", "numeric": "Numeric", "floating": "Floating", "integral": "Integral",
              "integral_and_bool": "IntegralAndBool"}


@dataclass
class Table:
    fn_type: str
    signature: str
    table: str
    kernels: list[tuple[str, str]]


@dataclass
class Group:
    """Everything generated for one op name (all its overloads)."""
    name: str
    ident: str
    api_decls: list[str] = field(default_factory=list)
    api_bodies: list[str] = field(default_factory=list)
    kernel_decls: list[tuple[str, list[str]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    py_bindings: list[dict] = field(default_factory=list)
    extra_includes: list[str] = field(default_factory=list)
    autograd_nodes: list[str] = field(default_factory=list)
    autograd_wrappers: list[str] = field(default_factory=list)
    autograd_registrations: list[str] = field(default_factory=list)
    autograd_headers: set[str] = field(default_factory=set)
    autograd_slots: list[tuple[str, str]] = field(default_factory=list)
    needs_iterator: bool = False
    needs_reduction: bool = False
    needs_meta: bool = False


def _call_args(args) -> str:
    return ", ".join(a.name for a in args)


def _backend_kernels(f: NativeFunction) -> list[tuple[str, str]]:
    return [(k, v) for k, v in f.dispatch.items() if k in ("CPU", "CUDA")]


def _declare(g: Group, ns: str, decl: str) -> None:
    for existing_ns, decls in g.kernel_decls:
        if existing_ns == ns:
            if decl not in decls:
                decls.append(decl)
            return
    g.kernel_decls.append((ns, [decl]))


# The CPU kernels are compiled once per instruction set, each build in its own namespace
# (aten/vec/isa.h); the kernel header declares all of them and TG_CPU_KERNEL picks one at import.
CPU_CAPABILITY_NAMESPACES = ("cpu_default", "cpu_avx2", "cpu_avx512")


def _add_kernel_decl(g: Group, f: NativeFunction, signature: str) -> None:
    """Declares `signature` (with {name} for the kernel name) in each backend namespace."""
    for backend, kernel in _backend_kernels(f):
        namespaces = CPU_CAPABILITY_NAMESPACES if backend == "CPU" else (backend.lower(),)
        for ns in namespaces:
            _declare(g, "tg::native::" + ns, signature.format(name=kernel))


def _dtype_check(f: NativeFunction, dtype_expr: str) -> str:
    return (f'  if (!dtype_in_set({dtype_expr}, DtypeSet::{_DTYPE_SET[f.dtypes]})) '
            f'dtype_not_implemented("{f.name}", {dtype_expr});\n')


def _lookup(table: str, device_expr: str, op: str) -> str:
    return (f"  auto* kernel = {table}[backend_index({device_expr})];\n"
            f'  if (kernel == nullptr) missing_kernel("{op}", {device_expr});\n')


def emit_pointwise(g: Group, f: NativeFunction) -> None:
    s = f.schema
    g.needs_iterator = True
    tensors = [a for a in s.arguments if a.type.is_tensor]
    others = [a for a in s.arguments if not a.type.is_tensor]
    if any(a.type.optional for a in tensors):
        raise CodegenError(f"native_functions.yaml:{f.line}: pointwise op '{s.name}' has an optional "
                           "Tensor argument; the iterator needs every input (make the op composite)")
    kparams = ", ".join(["const TensorIterator& iter"] + [f"{cpp_type(a.type)} {a.name}" for a in others])
    tbl = f"{ident(s)}_kernels"
    g.tables.append(Table(f"{ident(s)}_kernel_fn", f"void({kparams})", tbl, _backend_kernels(f)))
    _add_kernel_decl(g, f, "void {name}(" + kparams + ")")
    promotion = _POINTWISE_PROMOTION.get(f.promotion)
    if promotion is None:
        raise CodegenError(f"native_functions.yaml:{f.line}: promotion '{f.promotion}' does not apply to "
                           f"pointwise ops; write one of {', '.join(_POINTWISE_PROMOTION)}")
    inputs = "{" + ", ".join(a.name for a in tensors) + "}"
    run = f"{ident(s)}_run"
    kargs = ", ".join(["iter"] + [a.name for a in others])
    other_params = "".join(f", {cpp_type(a.type)} {a.name}" for a in others)
    g.api_bodies.append(
        f"static void {run}(const TensorIterator& iter{other_params}) {{\n"
        + _dtype_check(f, "iter.common_dtype()") + _lookup(tbl, "iter.device()", s.name)
        + f"  kernel({kargs});\n}}")

    def variant(schema: FunctionSchema, out_expr: str | None, inplace: bool) -> None:
        ret = cpp_return_type(schema)
        g.api_decls.append(f"{ret} {cpp_api_name(schema)}({cpp_params(api_args(schema), True)})")
        config = f'IterConfig{{"{schema.name}", Promotion::{promotion}, {"true" if inplace else "false"}}}'
        body = f"{ret} {cpp_api_name(schema)}({cpp_params(api_args(schema), False)}) {{\n"
        body += f"  TensorIterator iter({config}, {out_expr or 'Tensor()'}, {inputs});\n"
        body += f"  {run}({kargs});\n"
        if out_expr is None:
            body += "  return iter.finish();\n}"
        else:
            body += f"  iter.finish();\n  {out_expr}.bump_version();\n  return {out_expr};\n}}"
        g.api_bodies.append(body)

    variant(s, None, False)
    if f.inplace_schema:
        variant(f.inplace_schema, tensors[0].name, True)
    if f.out_schema:
        variant(f.out_schema, "out", False)


def _reduction_dims_expr(s: FunctionSchema) -> str:
    dim = next((a for a in s.arguments if a.name == "dim"), None)
    if dim is None:
        return "std::nullopt"
    return f"reduce_dims_arg({dim.name})"


def emit_reduction(g: Group, f: NativeFunction) -> None:
    s = f.schema
    g.needs_reduction = True
    names = {a.name for a in s.arguments}
    extra = [a for a in s.arguments if a.name not in ("self", "dim", "keepdim", "dtype")]
    if extra or s.arguments[0].name != "self":
        raise CodegenError(f"native_functions.yaml:{f.line}: reduction '{s.full_name}' may take only "
                           "self, dim, keepdim and dtype (write other ops without `kind: reduction`)")
    promotion = _REDUCE_PROMOTION.get(f.promotion)
    if promotion is None:
        raise CodegenError(f"native_functions.yaml:{f.line}: promotion '{f.promotion}' does not apply to "
                           f"reductions; write one of {', '.join(_REDUCE_PROMOTION)}")
    tbl = f"{ident(s)}_kernels"
    g.tables.append(Table(f"{ident(s)}_kernel_fn", "void(const Reduction&)", tbl, _backend_kernels(f)))
    _add_kernel_decl(g, f, "void {name}(const Reduction& r)")
    keepdim = "keepdim" if "keepdim" in names else "false"
    dtype = "dtype" if "dtype" in names else "std::nullopt"
    nout = len(s.returns)
    config = (f'ReduceConfig{{"{s.name}", ReducePromotion::{promotion}, '
              f'DtypeSet::{_DTYPE_SET[f.dtypes]}, {nout}}}')
    run = f"{ident(s)}_run"
    g.api_bodies.append(
        f"static void {run}(Reduction& r) {{\n" + _lookup(tbl, "r.device()", s.name)
        + "  kernel(r);\n}")

    def variant(schema: FunctionSchema, outs: list[str]) -> None:
        ret = cpp_return_type(schema)
        g.api_decls.append(f"{ret} {cpp_api_name(schema)}({cpp_params(api_args(schema), True)})")
        body = f"{ret} {cpp_api_name(schema)}({cpp_params(api_args(schema), False)}) {{\n"
        body += (f"  Reduction r({config}, self, {_reduction_dims_expr(s)}, {keepdim}, {dtype}, "
                 f"{{{', '.join(outs)}}});\n  {run}(r);\n")
        if outs:
            body += "".join(f"  r.finish({i});\n" for i in range(nout))
            body += f"  return {{{', '.join(outs)}}};\n}}" if nout > 1 else f"  return {outs[0]};\n}}"
        elif nout == 1:
            body += "  return r.finish(0);\n}"
        else:
            body += "  return {" + ", ".join(f"r.finish({i})" for i in range(nout)) + "};\n}"
        g.api_bodies.append(body)

    variant(s, [])
    if f.out_schema:
        variant(f.out_schema, [a.name for a in f.out_schema.out_arguments])


def _device_expr(s: FunctionSchema) -> str:
    """Where a functional op's backend comes from: its first tensor, else its device argument."""
    for a in s.arguments:
        if a.type.is_tensor and not a.type.optional:
            return f"{a.name}.device()"
    if any(a.name == "device" for a in s.arguments):
        return "device.value_or(Device())"
    return "Device()"


def emit_functional(g: Group, f: NativeFunction) -> None:
    """Ops whose kernel computes the whole result: factories, views, composites, fill_/copy_."""
    s = f.schema
    ret = cpp_return_type(s)
    params = cpp_params(s.arguments, False)
    fn_sig = f"{ret}({', '.join(cpp_type(a.type) for a in s.arguments)})"
    g.api_decls.append(f"{ret} {s.name}({cpp_params(s.arguments, True)})")
    if "Composite" in f.dispatch:
        _declare(g, "tg::native", f"{ret} {f.dispatch['Composite']}({params})")
        call = f"native::{f.dispatch['Composite']}({_call_args(s.arguments)})"
        body = f"{ret} {s.name}({params}) {{\n"
    else:
        _add_kernel_decl(g, f, ret + " {name}(" + params + ")")
        tbl = f"{ident(s)}_kernels"
        g.tables.append(Table(f"{ident(s)}_kernel_fn", fn_sig, tbl, _backend_kernels(f)))
        device = _device_expr(s)
        body = f"{ret} {s.name}({params}) {{\n" + _lookup(tbl, device, s.name)
        call = f"kernel({_call_args(s.arguments)})"
    writes = [a.name for a in s.arguments if a.type.is_write]
    if writes:
        body += f"  {ret} result = {call};\n" + "".join(f"  {w}.bump_version();\n" for w in writes)
        body += "  return result;\n}"
    else:
        body += f"  return {call};\n}}"
    g.api_bodies.append(body)
    # In-place and out= variants of a functional op: compute, then write into the target with
    # the same casting and shape rules as every other op.
    if f.inplace_schema:
        si = f.inplace_schema
        first = si.arguments[0].name
        g.api_decls.append(f"Tensor& {si.name}({cpp_params(si.arguments, True)})")
        g.api_bodies.append(
            f"Tensor& {si.name}({cpp_params(si.arguments, False)}) {{\n"
            f"  Tensor result = {s.name}({_call_args(si.arguments)});\n"
            f'  write_result_inplace("{si.name}", {first}, result);\n  return {first};\n}}')
    if f.out_schema:
        so = f.out_schema
        if len(so.out_arguments) != 1:
            raise CodegenError(f"native_functions.yaml:{f.line}: out= of '{s.name}' with several "
                               "returns needs `kind: reduction` or a single return")
        g.api_decls.append(f"Tensor& {cpp_api_name(so)}({cpp_params(api_args(so), True)})")
        ins = [a for a in so.arguments if not a.type.is_write]
        g.api_bodies.append(
            f"Tensor& {cpp_api_name(so)}({cpp_params(api_args(so), False)}) {{\n"
            f"  Tensor result = {s.name}({_call_args(ins)});\n"
            f'  write_result_out("{s.name}", out, result);\n  return out;\n}}')


def emit_structured(g: Group, f: NativeFunction) -> None:
    """Ops with a hand-written meta function (shape, dtype) and an out-writing kernel."""
    s = f.schema
    g.needs_meta = True
    params = cpp_params(s.arguments, False)
    kparams = params + ", Tensor& out"
    meta_call = f"meta::{s.name}({_call_args(s.arguments)})"
    g.kernel_decls.append(("tg::meta", [f"TensorMeta {s.name}({params})"]))
    _add_kernel_decl(g, f, "void {name}(" + kparams + ")")
    tbl = f"{ident(s)}_kernels"
    ktypes = ", ".join([cpp_type(a.type) for a in s.arguments] + ["Tensor&"])
    g.tables.append(Table(f"{ident(s)}_kernel_fn", f"void({ktypes})", tbl, _backend_kernels(f)))
    run = f"{ident(s)}_run"
    g.api_bodies.append(
        f"static void {run}(const TensorMeta& m, {kparams}) {{\n" + _dtype_check(f, "m.dtype")
        + _lookup(tbl, "m.device", s.name) + f"  kernel({_call_args(s.arguments)}, out);\n}}")
    g.api_decls.append(f"Tensor {s.name}({cpp_params(s.arguments, True)})")
    g.api_bodies.append(
        f"Tensor {s.name}({params}) {{\n  TensorMeta m = {meta_call};\n"
        f'  Tensor out = empty_tensor(m.sizes, m.dtype, m.device, "{s.name}");\n'
        f"  {run}(m, {_call_args(s.arguments)}, out);\n  return out;\n}}")
    if f.out_schema:
        so = f.out_schema
        ins = ", ".join(f"&{a.name}" if not a.type.optional else f"opt_ptr({a.name})" for a in _tensor_args(s))
        g.api_decls.append(f"Tensor& {cpp_api_name(so)}({cpp_params(api_args(so), True)})")
        g.api_bodies.append(
            f"Tensor& {cpp_api_name(so)}({cpp_params(api_args(so), False)}) {{\n"
            f"  TensorMeta m = {meta_call};\n"
            f'  check_out_meta("{s.name}", out, m);\n'
            # mm(a, b, out=a) with a of another shape: resizing out would change an input before
            # the kernel reads it, so compute into a fresh tensor first.
            f"  if (resize_changes_input(out, m.sizes, {{{ins}}})) {{\n"
            f'    Tensor result = empty_tensor(m.sizes, m.dtype, m.device, "{s.name}");\n'
            f"    {run}(m, {_call_args(s.arguments)}, result);\n"
            f'    resize_out(out, m.sizes, "{s.name}");\n'
            f'    native::copy_into(out, result, "{s.name}");\n'
            f"  }} else {{\n"
            f'    resize_out(out, m.sizes, "{s.name}");\n'
            f"    {run}(m, {_call_args(s.arguments)}, out);\n  }}\n"
            f"  out.bump_version();\n  return out;\n}}")
    if f.inplace_schema:
        raise CodegenError(f"native_functions.yaml:{f.line}: in-place variant of '{s.name}' needs "
                           "`kind: pointwise` or `kind: composite`")


# ----------------------------------------------------------------------------- Python bindings

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


def _py_type(t: Type) -> str:
    """The parser's type text: the schema type without alias annotations."""
    base = t.base
    if t.is_list:
        base += f"[{t.list_size}]" if t.list_size else "[]"
    return base + ("?" if t.optional else "")


def _py_param(a: Argument, rename_self: bool) -> str:
    name = "input" if (rename_self and a.name == "self") else a.name
    return f"{_py_type(a.type)} {name}" + (f"={a.default}" if a.default is not None else "")


def _py_signature(pyname: str, args, rename_self: bool, out: str | None) -> str:
    parts, kw = [], False
    for a in args:
        if a.kwarg_only and not kw:
            parts.append("*")
            kw = True
        parts.append(_py_param(a, rename_self))
    if out:
        if not kw:
            parts.append("*")
        parts.append(out)
    return f"{pyname}({', '.join(parts)})"


def _unpack(a: Argument, i: int) -> tuple[str, str]:
    """(statement declaring local a{i}, expression passing it to the C++ API)."""
    t = a.type
    if t.base == "Generator":
        return f"      std::optional<Generator> a{i};", f"a{i}"
    if t.is_tensor_list:
        return f"      auto a{i} = r.tensorlist({i});", f"TensorList(a{i})"
    if t.is_list:
        acc = "intlistOptional" if t.optional else "intlist"
        expr = f"as_ref(a{i})" if t.optional else f"IntArrayRef(a{i})"
        return f"      auto a{i} = r.{acc}({i});", expr
    acc = _ACCESSOR[(t.base, t.optional)]
    return f"      auto a{i} = r.{acc}({i});", f"a{i}"


def _wrap_result(s: FunctionSchema) -> str:
    rets = s.returns
    if len(rets) > 1:
        names = ", ".join(f'"{r.name or f"r{i}"}"' for i, r in enumerate(rets))
        return f'return wrap_tuple("{s.name}", {{{names}}}, std::move(result));'
    return "return wrap(std::move(result));"


def _case_body(f: NativeFunction, args, is_method: bool, out_index: int | None,
               requires_grad_index: int | None = None) -> str:
    """One overload's body: unpack, call the C++ API without the GIL, wrap the result."""
    s = f.schema
    lines, call_args = [], []
    if is_method:
        lines.append("      Tensor self = unpack_tensor(self_);")
    pos = 0
    for a in s.arguments:
        if is_method and a.name == "self":
            call_args.append("self")
            continue
        stmt, expr = _unpack(a, pos)
        lines.append(stmt)
        call_args.append(expr)
        pos += 1

    def call(fn: str, extra: list[str]) -> str:
        return f"tg::{fn}({', '.join(extra + call_args)})"

    def emit(schema: FunctionSchema, fn: str, extra: list[str], indent: str) -> list[str]:
        ret = cpp_return_type(schema)
        out = []
        if ret.endswith("&") or ret.startswith("std::tuple<Tensor&"):
            # Mutating variants return the very Python object that was mutated (x.add_(y) is x).
            out.append(f"{indent}{{ GilRelease no_gil; {call(fn, extra)}; }}")
            writes = [a for a in schema.arguments if a.type.is_write]
            if out_index is not None and any(a.name == "out" or a.kwarg_only for a in writes) and \
                    schema.out_arguments:
                out.append(f"{indent}return incref(r.raw({out_index}));")
            elif is_method and writes and writes[0].name == "self":
                out.append(f"{indent}return incref(self_);")
            else:
                idx = [a.name for a in s.arguments if not (is_method and a.name == "self")].index(writes[0].name)
                out.append(f"{indent}return incref(r.raw({idx}));")
            return out
        out.append(f"{indent}{ret} result;")
        out.append(f"{indent}{{ GilRelease no_gil; result = {call(fn, extra)}; }}")
        if is_method and ret == "Tensor" and len(schema.returns) == 1 and schema.returns[0].type.alias is not None:
            # An aliasing method that hands back self itself (x.contiguous(), x.to(x.dtype)) returns
            # the same Python object, like PyTorch.
            out.append(f"{indent}if (result.impl() == self.impl()) return incref(self_);")
        if requires_grad_index is not None:
            out.append(f"{indent}if (r.toBool({requires_grad_index})) set_requires_grad(result);")
        out.append(indent + _wrap_result(schema))
        return out

    if out_index is None:
        lines += emit(s, s.name if not s.is_inplace else s.name, [], "      ")
    else:
        lines.append(f"      if (r.isNone({out_index})) {{")
        lines += emit(s, s.name, [], "        ")
        lines.append("      } else {")
        so = f.out_schema
        if len(so.out_arguments) == 1:
            lines.append(f"        Tensor out = r.tensor({out_index});")
            extra = ["out"]
        else:
            n = len(so.out_arguments)
            lines.append(f'        auto outs = r.tensorlist({out_index});')
            lines.append(f'        TG_CHECK_TYPE(outs.size() == {n}, "[{s.name}] out= expects a tuple of {n} '
                         f'tensors, got ", outs.size());')
            extra = [f"outs[{i}]" for i in range(n)]
        lines += emit(so, cpp_api_name(so), extra, "        ")
        lines.append("      }")
    return "\n".join(lines)


def add_bindings(g: Group, f: NativeFunction) -> None:
    s = f.schema
    # Python numbers stand in for tensor arguments only in pointwise ops (x + 1, tg.where(c, x, 0));
    # tg.mm(x, 3) is a TypeError, like PyTorch.
    numbers = f.kind == "pointwise" or "pointwise" in f.tags
    if "function" in f.variants:
        out_index = None
        out_param = None
        if f.out_schema:
            out_index = len(s.arguments)
            out_param = "Tensor? out=None" if len(f.out_schema.out_arguments) == 1 else "Tensor[]? out=None"
        # Factories take requires_grad=, as in PyTorch (a binding-level argument, not a schema one).
        rg_index = None
        if any(a.name == "device" for a in s.arguments) and cpp_return_type(s) == "Tensor":
            rg_index = len(s.arguments) + (1 if out_param else 0)
            out_param = ", ".join(p for p in (out_param, "bool requires_grad=False") if p)
        sig = _py_signature(s.name, s.arguments, True, out_param)
        _add_overload(g, s.name, False, sig, _case_body(f, s.arguments, False, out_index, rg_index), numbers)
    if "method" in f.variants:
        if not any(a.name == "self" for a in s.arguments):
            raise CodegenError(f"native_functions.yaml:{f.line}: method variant of '{s.name}' needs an "
                               "argument named self")
        rest = [a for a in s.arguments if a.name != "self"]
        sig = _py_signature(s.name, rest, False, None)
        _add_overload(g, s.name, True, sig, _case_body(f, rest, True, None), numbers)
    if f.inplace_schema:
        si = f.inplace_schema
        rest = [a for a in si.arguments if a.name != "self"]
        sig = _py_signature(si.name, rest, False, None)
        fi = NativeFunction.__new__(NativeFunction)
        fi.__dict__.update(f.__dict__)
        fi.schema = si
        _add_overload(g, si.name, True, sig, _case_body(fi, rest, True, None), numbers)


def _add_overload(g: Group, pyname: str, is_method: bool, sig: str, body: str, numbers: bool) -> None:
    for b in g.py_bindings:
        if b["pyname"] == pyname and b["is_method"] == is_method:
            b["signatures"].append(sig)
            b["cases"].append(body)
            b["numbers"] = b["numbers"] or numbers
            return
    cname = ("meth_" if is_method else "fn_") + pyname
    g.py_bindings.append(dict(pyname=pyname, is_method=is_method, cname=cname, signatures=[sig], cases=[body],
                              numbers=numbers))


# ----------------------------------------------------------------------------- driver

def _tensor_args(schema: FunctionSchema) -> list[Argument]:
    return [a for a in schema.arguments if a.type.base == "Tensor" and not a.type.is_list and not a.type.is_write
            or (a.type.is_write and a.name == "self")]


def _requires_grad_expr(args: list[Argument]) -> str:
    return " || ".join(f"({a.name}.has_value() && {a.name}->requires_grad())" if a.type.optional
                       else f"{a.name}.requires_grad()" for a in args)


def _insert_after_header(g: Group, schema: FunctionSchema, line: str) -> None:
    """Puts `line` first in the body of the C++ API function for `schema`."""
    header = f"{cpp_return_type(schema)} {cpp_api_name(schema)}({cpp_params(api_args(schema), False)}) {{\n"
    for i, body in enumerate(g.api_bodies):
        if body.startswith(header):
            g.api_bodies[i] = header + line + "\n" + body[len(header):]
            return
    raise AssertionError(f"no body for {schema}")


def add_autograd(g: Group, f: NativeFunction, d: Derivative | None, op_names: set[str]) -> None:
    """Hooks the op into autograd: a slot the generated wrapper fills, checked first in the C++
    API (one load and a flag test when no input requires grad), and out= refusing grad inputs."""
    if f.out_schema is not None:
        ins = [a for a in _tensor_args(f.schema)]
        if ins:
            _insert_after_header(g, f.out_schema, f'  check_out_no_grad("{f.name}", {{'
                                 + ", ".join(f"&{a.name}" if not a.type.optional else f"opt_ptr({a.name})"
                                             for a in ins) + "});")
    if d is None or d.non_differentiable:
        return
    op = autograd.emit(f, d, op_names, cpp_params, api_args, cpp_return_type, index=len(g.autograd_nodes))
    g.autograd_nodes.append(op.node_code)
    g.autograd_wrappers.extend(op.wrappers)
    g.autograd_registrations.extend(op.registrations)
    g.autograd_headers |= op.op_headers | {g.name}
    for schema in (f.schema, f.inplace_schema):
        if schema is None:
            continue
        slot = f"autograd_{ident(schema)}"
        fn_type = f"{cpp_return_type(schema)}({', '.join(cpp_type(a.type) for a in api_args(schema))})"
        g.autograd_slots.append((slot, ident(schema)))
        cond = _requires_grad_expr(_tensor_args(schema))
        _insert_after_header(g, schema, f"  if ({slot} != nullptr && GradMode::is_enabled() && ({cond})) "
                                        f"return {slot}({', '.join(a.name for a in api_args(schema))});")
        g.api_decls.append(f"using {slot}_fn = {fn_type};\nvoid set_{slot}({slot}_fn* fn)")


def build_groups(functions: list[NativeFunction], derivs: dict[str, Derivative]) -> list[Group]:
    groups: dict[str, Group] = {}
    op_names = {f.name for f in functions}
    for f in functions:
        g = groups.setdefault(f.name, Group(name=f.name, ident=f"op_{f.name}"))
        if f.kind == "pointwise":
            emit_pointwise(g, f)
        elif f.kind == "reduction":
            emit_reduction(g, f)
        elif f.kind is None and f.out_schema is not None:
            emit_structured(g, f)
        else:
            emit_functional(g, f)
        add_autograd(g, f, derivs.get(f.schema.full_name), op_names)
        add_bindings(g, f)
    return list(groups.values())


def write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return True


def render(functions: list[NativeFunction], derivs: dict[str, Derivative]) -> dict[str, str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    groups = build_groups(functions, derivs)
    files: dict[str, str] = {}
    for g in groups:
        files[f"ops/{g.name}.h"] = env.get_template("op.h.j2").render(group=g)
        files[f"ops/{g.name}.cpp"] = env.get_template("op.cpp.j2").render(group=g)
        files[f"kernels/{g.name}.h"] = env.get_template("kernels.h.j2").render(group=g)
        files[f"python/py_{g.name}.cpp"] = env.get_template("py_op.cpp.j2").render(group=g)
        if g.autograd_nodes:
            files[f"autograd/{g.name}.cpp"] = env.get_template("autograd.cpp.j2").render(
                group=g, headers=sorted(g.autograd_headers))
    metadata = cpp_raw_string_chunks(op_metadata_json(functions, derivs))
    files["registry.cpp"] = env.get_template("registry.cpp.j2").render(groups=groups, metadata=metadata)
    return files


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="directory for the generated sources")
    p.add_argument("--native-functions", default=str(REPO / "native_functions.yaml"))
    p.add_argument("--derivatives", default=str(REPO / "derivatives.yaml"))
    p.add_argument("--list-outputs", action="store_true", help="print the generated file names and exit")
    opts = p.parse_args(argv)
    try:
        functions = load_native_functions(opts.native_functions)
        derivs = load_derivatives(opts.derivatives, functions)
        files = render(functions, derivs)
    except CodegenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    out = Path(opts.out)
    if opts.list_outputs:
        print(";".join(str(out / name) for name in sorted(files)))
        return 0
    changed = sum(write_if_changed(out / name, text) for name, text in files.items())
    print(f"codegen: {len(functions)} schemas, {len(files)} files, {changed} changed")
    return 0
