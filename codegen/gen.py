"""Emits the C++ op API, kernel declarations, dispatch tables and Python bindings.

`python -m codegen --out DIR` reads native_functions.yaml and writes, per op name:
  ops/<name>.h, ops/<name>.cpp         the C++ API (tg::add ...) and its dispatch table
  kernels/<name>.h                     the flat kernel signatures each backend implements
  python/py_<name>.cpp                 the Python bindings (functions and Tensor methods), with
                                       docstrings from the entries' `doc:` (codegen/docs.py)
plus registry.cpp (explicit registration of every op), _C.pyi (type stubs, codegen/stubs.py) and
outputs.txt (the list of files).
Files are written only when their contents change, so a rebuild recompiles just the ops whose
schema changed.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from codegen import autograd, docs, stubs
from codegen.api.cpp import (api_args, call_args, cpp_api_name, cpp_param, cpp_params, cpp_return_type,
                              cpp_type, cpp_types, fn_type, ident)
from codegen.api.python import Unpack, py_signature, unpack
from codegen.derivatives import Derivative, load_derivatives
from codegen.methods import collect_methods
from codegen.metadata import cpp_raw_string_chunks, op_metadata_json
from codegen.model import (Argument, CodegenError, FunctionSchema, NativeFunction, Type,
                           load_native_functions)

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"

# ----------------------------------------------------------------------------- what the templates get
#
# Python decides WHAT each generated function does (names, types, which kernel, which checks);
# the templates (op.cpp.j2, py_op.cpp.j2, autograd.cpp.j2) hold HOW it reads as C++. One
# dataclass per function shape; `kind` names the macro of op.cpp.j2 that renders it.

_POINTWISE_PROMOTION = {"default": "Default", "int_to_float": "IntToFloat", "always_bool": "AlwaysBool",
                        "where": "Where"}
_REDUCE_PROMOTION = {"sum": "Sum", "floating_only": "FloatingOnly", "always_bool": "AlwaysBool",
                     "keep": "Keep", "keep_both": "KeepBoth", "index": "Index", "default": "Keep"}
_SCAN_PROMOTION = {"sum": "Sum", "keep": "Keep", "default": "Keep"}
_DTYPE_SET = {"all": "All", "numeric": "Numeric", "floating": "Floating", "integral": "Integral",
              "integral_and_bool": "IntegralAndBool"}


@dataclass
class Table:
    """One dispatch table: a kernel pointer per backend, filled by register_op_<name>()."""
    fn_type: str
    signature: str
    table: str
    kernels: list[tuple[str, str]]


@dataclass
class KernelDecl:
    ret: str
    name: str
    params: str


@dataclass
class Lookup:
    """`auto* kernel = table[backend of device]`, failing with the op's name when missing."""
    table: str
    device: str
    op: str


@dataclass
class AutogradGuard:
    """First statement of a differentiable C++ API function: hand over to the autograd wrapper
    when grad mode is on and an input requires grad (one load and a flag test otherwise)."""
    slot: str
    cond: str
    args: str


@dataclass
class OutNoGrad:
    """First statement of an out= variant: out= does not record history, so no input may
    require grad (PyTorch's rule)."""
    op: str
    inputs: list[str]
    lists: list[str] = field(default_factory=list)   # Tensor[] inputs: every element is checked


@dataclass
class AutogradSlot:
    slot: str
    fn_type: str
    kind = "slot"


@dataclass
class ApiFn:
    """One function of ops/<name>.cpp. `decl_params` is None for file-local helpers (the `_run`
    functions), which the header does not declare. `body` is one of the *Body classes below."""
    ret: str
    name: str
    params: str
    decl_params: str | None
    body: object
    autograd: AutogradGuard | None = None
    out_no_grad: OutNoGrad | None = None
    # Tensor(a!) / Tensor(a!)[] arguments: checked writable (not imported read-only) before anything runs
    writes: list[str] = field(default_factory=list)
    list_writes: list[str] = field(default_factory=list)
    op: str = ""  # the schema name, for error messages (add_, add for add.out)
    kind = "fn"


@dataclass
class PointwiseRun:
    """static void <op>_run(const TensorIterator& iter, <non-tensor args>): dtype check, kernel."""
    kind = "pointwise_run"
    dtypes: str
    lookup: Lookup
    kargs: str


@dataclass
class PointwiseBody:
    kind = "pointwise"
    op: str
    promotion: str
    inplace: bool
    out: str | None          # the written tensor (in-place: self; out=: out); None allocates
    inputs: list[str]
    run: str
    kargs: str


@dataclass
class ReductionRun:
    kind = "reduction_run"
    lookup: Lookup
    kargs: str               # "r" then the extra arguments (correction, p, ...)


@dataclass
class ReductionBody:
    kind = "reduction"
    op: str
    promotion: str
    dtypes: str
    noutputs: int
    dims: str
    keepdim: str
    dtype: str
    outs: list[str]          # the caller's out= tensors (none for the functional variant)
    run: str
    kargs: str


@dataclass
class ScanRun:
    kind = "scan_run"
    lookup: Lookup
    kargs: str


@dataclass
class ScanBody:
    kind = "scan"
    op: str
    promotion: str
    dtypes: str
    noutputs: int
    dim: str
    dtype: str
    run: str
    kargs: str


@dataclass
class FunctionalBody:
    """The kernel (or the composite) computes the whole result."""
    kind = "functional"
    lookup: Lookup | None    # None: a composite, called directly
    call: str                # the callee: `kernel` or `native::<composite>`
    args: str
    writes: list[str]        # Tensor(a!) arguments whose version the call bumps
    list_writes: list[str] = field(default_factory=list)  # Tensor(a!)[] arguments: each element's version


@dataclass
class WriteBackBody:
    """In-place / out= variant of a functional or scan op: compute, then write into the target
    with the same casting and shape rules as every other op."""
    kind = "write_back"
    functional: str
    args: str
    op: str                  # the name in errors
    targets: list[str]       # self (in-place), out, or several outs (cummax, sort: values, indices)
    inplace: bool
    indices_out: str | None = None   # the out= named indices: must be int64, not a cast
    exact: bool = False              # the other outs must have the result's dtype (sort, topk)
    out_casts: bool = False          # `tags: out_casts`: a result that can't cast is a TypeError (concat)


@dataclass
class StructuredRun:
    kind = "structured_run"
    dtypes: str
    lookup: Lookup
    args: str


@dataclass
class StructuredBody:
    kind = "structured"
    op: str
    run: str
    args: str
    out_inputs: list[str] | None = None   # out= variant: the inputs resizing out could change
    out_casts: bool = False               # out= may have any dtype the result casts to (cat)
    inplace: str | None = None            # in-place variant: the written tensor (self) ...
    inplace_op: str = ""                  # ... the name in its errors (tril_) ...
    others: list[str] = field(default_factory=list)  # ... and the other inputs it may overlap


# YAML tags under which an aliasing method's binding returns self itself before the call, as
# PyTorch's bindings do, when the C++ condition holds ({name}: the parsed argument of that name):
# the C++ op would return self then, and the GIL release and dispatch cost more than it.
SELF_IF = {
    "self_if_contiguous": "{self}.is_contiguous()",                                          # x.contiguous()
    "self_if_type_of_other": "{self}.dtype() == {other}.dtype() && {self}.device() == {other}.device()",  # type_as
}


@dataclass
class PyCall:
    """One C++ API call of a binding case and how its result reaches Python."""
    fn: str
    args: str
    ret: str
    mutated: str | None = None          # mutating variants return this very Python object
    void: bool = False                  # `-> ()`: the binding returns None
    same_self: bool = False             # an aliasing method returning self returns self_
    self_if: str | None = None          # a `tags: self_if_*` condition (SELF_IF): self is returned
                                        # before the call when it holds (no GIL release, no dispatch)
    requires_grad_index: int | None = None
    tuple_names: list[str] | None = None  # several returns: a named tuple
    op: str = ""


@dataclass
class PyOut:
    index: int
    n: int                               # 1: `Tensor out`; more: a tuple of tensors
    call: PyCall


@dataclass
class PyCase:
    is_method: bool
    unpacks: list[Unpack]
    call: PyCall
    out: PyOut | None = None


@dataclass
class PyOverload:
    """Where one parser signature comes from, for the docstrings and stubs (codegen/docs.py,
    codegen/stubs.py): the YAML entry and the schema whose returns the call hands back."""
    signature: str
    entry: NativeFunction
    schema: FunctionSchema


@dataclass
class PyBinding:
    pyname: str
    is_method: bool
    cname: str
    signatures: list[str]
    cases: list[PyCase]
    numbers: bool
    overloads: list[PyOverload] = field(default_factory=list)
    doc: str = ""            # the docstring (codegen/docs.py), filled by render()


@dataclass
class Group:
    """Everything generated for one op name (all its overloads)."""
    name: str
    ident: str
    functions: list[ApiFn] = field(default_factory=list)
    kernel_decls: list[tuple[str, list[KernelDecl]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    py_bindings: list[PyBinding] = field(default_factory=list)
    extra_includes: list[str] = field(default_factory=list)
    autograd_nodes: list[autograd.Node] = field(default_factory=list)
    autograd_wrappers: list[autograd.Wrapper] = field(default_factory=list)
    autograd_headers: set[str] = field(default_factory=set)
    autograd_slots: list[AutogradSlot] = field(default_factory=list)
    needs_iterator: bool = False
    needs_reduction: bool = False
    needs_scan: bool = False
    needs_meta: bool = False

    # ops/<name>.h in order: each entry's API functions, then its autograd slots.
    header: list[ApiFn | AutogradSlot] = field(default_factory=list)


@dataclass
class Guards:
    """The checks that open each C++ API function of one YAML entry, keyed by schema."""
    autograd: dict[str, AutogradGuard] = field(default_factory=dict)
    out_no_grad: dict[str, OutNoGrad] = field(default_factory=dict)


# ----------------------------------------------------------------------------- per-kind data

def _backend_kernels(f: NativeFunction) -> list[tuple[str, str]]:
    return [(k, v) for k, v in f.dispatch.items() if k in ("CPU", "CUDA")]


def _declare(g: Group, ns: str, decl: KernelDecl) -> None:
    for existing_ns, decls in g.kernel_decls:
        if existing_ns == ns:
            if decl not in decls:
                decls.append(decl)
            return
    g.kernel_decls.append((ns, [decl]))


# The CPU kernels are compiled once per instruction set, each build in its own namespace
# (aten/vec/isa.h); the kernel header declares all of them and TG_CPU_KERNEL picks one at import.
CPU_CAPABILITY_NAMESPACES = ("cpu_default", "cpu_avx2", "cpu_avx512")


def _add_kernel_decl(g: Group, f: NativeFunction, ret: str, params: str) -> None:
    """Declares `ret kernel(params)` in each backend namespace."""
    for backend, kernel in _backend_kernels(f):
        namespaces = CPU_CAPABILITY_NAMESPACES if backend == "CPU" else (backend.lower(),)
        for ns in namespaces:
            _declare(g, "tg::native::" + ns, KernelDecl(ret, kernel, params))


def _add_table(g: Group, s: FunctionSchema, f: NativeFunction, signature: str) -> Lookup:
    """The dispatch table of `s`; returns how the API looks a kernel up (device filled later)."""
    tbl = f"{ident(s)}_kernels"
    g.tables.append(Table(f"{ident(s)}_kernel_fn", signature, tbl, _backend_kernels(f)))
    return Lookup(tbl, "", s.name)


def _with_device(lookup: Lookup, device: str) -> Lookup:
    return Lookup(lookup.table, device, lookup.op)


def _api_fn(schema: FunctionSchema, body, guards: Guards, ret: str | None = None) -> ApiFn:
    """A public C++ API function for `schema` (parameters in api_args order) with its guards."""
    args = api_args(schema)
    return ApiFn(ret or cpp_return_type(schema), cpp_api_name(schema), cpp_params(args, False),
                 cpp_params(args, True), body, autograd=guards.autograd.get(str(schema)),
                 out_no_grad=guards.out_no_grad.get(str(schema)),
                 writes=[a.name for a in schema.arguments if a.type.is_write and not a.type.is_list],
                 list_writes=[a.name for a in schema.arguments if a.type.is_write and a.type.is_list],
                 op=schema.name)


def _fail(f: NativeFunction, message: str):
    raise CodegenError(f"native_functions.yaml:{f.line}: {message}")


def emit_pointwise(g: Group, f: NativeFunction, guards: Guards) -> None:
    s = f.schema
    g.needs_iterator = True
    tensors = [a for a in s.arguments if a.type.is_tensor]
    others = [a for a in s.arguments if not a.type.is_tensor]
    if any(a.type.optional for a in tensors):
        _fail(f, f"pointwise op '{s.name}' has an optional Tensor argument; the iterator needs every "
                 "input (make the op composite)")
    promotion = _POINTWISE_PROMOTION.get(f.promotion)
    if promotion is None:
        _fail(f, f"promotion '{f.promotion}' does not apply to pointwise ops; write one of "
                 f"{', '.join(_POINTWISE_PROMOTION)}")
    kparams = ", ".join(["const TensorIterator& iter"] + [cpp_param(a) for a in others])
    lookup = _add_table(g, s, f, f"void({kparams})")
    _add_kernel_decl(g, f, "void", kparams)
    run = f"{ident(s)}_run"
    kargs = ", ".join(["iter"] + [a.name for a in others])
    g.functions.append(ApiFn("void", run, kparams, None, PointwiseRun(
        _DTYPE_SET[f.dtypes], _with_device(lookup, "iter.device()"), kargs)))
    inputs = [a.name for a in tensors]

    def variant(schema: FunctionSchema, out: str | None, inplace: bool) -> None:
        g.functions.append(_api_fn(schema, PointwiseBody(schema.name, promotion, inplace, out, inputs, run, kargs),
                                   guards))

    variant(s, None, False)
    if f.inplace_schema:
        variant(f.inplace_schema, tensors[0].name, True)
    if f.out_schema:
        variant(f.out_schema, "out", False)


# The arguments every reduction's front end (aten/iter/Reduction.h) takes itself; any other
# (non-tensor) argument goes to the kernel after the Reduction: var_kernel(r, correction).
_REDUCTION_FRONT_ARGS = ("self", "dim", "keepdim", "dtype")


def emit_reduction(g: Group, f: NativeFunction, guards: Guards) -> None:
    s = f.schema
    g.needs_reduction = True
    names = {a.name for a in s.arguments}
    extra = [a for a in s.arguments if a.name not in _REDUCTION_FRONT_ARGS]
    if s.arguments[0].name != "self" or any(a.type.base == "Tensor" for a in extra):
        _fail(f, f"reduction '{s.full_name}' takes one tensor, self, first (other arguments may be "
                 "anything but tensors; write ops over several tensors without `kind: reduction`)")
    promotion = _REDUCE_PROMOTION.get(f.promotion)
    if promotion is None:
        _fail(f, f"promotion '{f.promotion}' does not apply to reductions; write one of "
                 f"{', '.join(_REDUCE_PROMOTION)}")
    kparams = ", ".join(["const Reduction& r"] + [cpp_param(a) for a in extra])
    lookup = _add_table(g, s, f, f"void({', '.join(['const Reduction&'] + [cpp_type(a.type) for a in extra])})")
    _add_kernel_decl(g, f, "void", kparams)
    run = f"{ident(s)}_run"
    kargs = ", ".join(["r"] + [a.name for a in extra])
    g.functions.append(ApiFn("void", run, ", ".join(["Reduction& r"] + [cpp_param(a) for a in extra]), None,
                             ReductionRun(_with_device(lookup, "r.device()"), kargs)))

    def variant(schema: FunctionSchema, outs: list[str]) -> None:
        g.functions.append(_api_fn(schema, ReductionBody(
            s.name, promotion, _DTYPE_SET[f.dtypes], len(s.returns),
            "reduce_dims_arg(dim)" if "dim" in names else "std::nullopt",
            "keepdim" if "keepdim" in names else "false", "dtype" if "dtype" in names else "std::nullopt",
            outs, run, kargs), guards))

    variant(s, [])
    if f.out_schema:
        variant(f.out_schema, [a.name for a in f.out_schema.out_arguments])


# The arguments the scan front end (aten/native/Scan.h) takes itself.
_SCAN_FRONT_ARGS = ("self", "dim", "dtype")


def emit_scan(g: Group, f: NativeFunction, guards: Guards) -> None:
    """Cumulative ops along one dim (cumsum): the Scan front end resolves dim and the result
    dtype and allocates the outputs; the kernel walks the lines along dim."""
    s = f.schema
    g.needs_scan = True
    names = [a.name for a in s.arguments]
    extra = [a for a in s.arguments if a.name not in _SCAN_FRONT_ARGS]
    dim = next((a for a in s.arguments if a.name == "dim"), None)
    if names[:1] != ["self"] or dim is None or dim.type != Type("int") or \
            any(a.type.base == "Tensor" for a in extra):
        _fail(f, f"scan '{s.full_name}' takes `Tensor self, int dim` (and optionally `ScalarType? dtype` "
                 "and non-tensor arguments)")
    promotion = _SCAN_PROMOTION.get(f.promotion)
    if promotion is None:
        _fail(f, f"promotion '{f.promotion}' does not apply to scans; write one of {', '.join(_SCAN_PROMOTION)}")
    if any(not r.type.is_tensor for r in s.returns):
        _fail(f, f"scan '{s.full_name}' returns tensors only")
    kparams = ", ".join(["const Scan& scan"] + [cpp_param(a) for a in extra])
    lookup = _add_table(g, s, f, f"void({', '.join(['const Scan&'] + [cpp_type(a.type) for a in extra])})")
    _add_kernel_decl(g, f, "void", kparams)
    run = f"{ident(s)}_run"
    kargs = ", ".join(["scan"] + [a.name for a in extra])
    g.functions.append(ApiFn("void", run, kparams, None, ScanRun(_with_device(lookup, "scan.device()"), kargs)))
    g.functions.append(_api_fn(s, ScanBody(s.name, promotion, _DTYPE_SET[f.dtypes], len(s.returns), "dim",
                                           "dtype" if "dtype" in names else "std::nullopt", run, kargs), guards))
    _emit_write_back(g, f, guards)


def _device_expr(s: FunctionSchema) -> str:
    """Where a functional op's backend comes from: its first tensor, else its device argument."""
    for a in s.arguments:
        if a.type.is_tensor and not a.type.optional:
            return f"{a.name}.device()"
    for a in s.arguments:  # only Tensor[] arguments (the fused optimizer steps): the first element's
        if a.type.is_tensor_list and not a.type.optional:
            return f"({a.name}.empty() ? Device() : {a.name}[0].device())"
    if any(a.name == "device" for a in s.arguments):
        return "device.value_or(Device())"
    return "Device()"


def emit_functional(g: Group, f: NativeFunction, guards: Guards) -> None:
    """Ops whose kernel computes the whole result: factories, views, composites, fill_/copy_."""
    s = f.schema
    ret = cpp_return_type(s)
    params = cpp_params(s.arguments, False)
    writes = [a.name for a in s.arguments if a.type.is_write and not a.type.is_list]
    list_writes = [a.name for a in s.arguments if a.type.is_write and a.type.is_list]
    if "Composite" in f.dispatch:
        _declare(g, "tg::native", KernelDecl(ret, f.dispatch["Composite"], params))
        body = FunctionalBody(None, f"native::{f.dispatch['Composite']}", call_args(s.arguments), writes,
                              list_writes)
    else:
        _add_kernel_decl(g, f, ret, params)
        lookup = _add_table(g, s, f, f"{ret}({cpp_types(s.arguments)})")
        body = FunctionalBody(_with_device(lookup, _device_expr(s)), "kernel", call_args(s.arguments), writes,
                              list_writes)
    g.functions.append(_api_fn(s, body, guards))
    _emit_write_back(g, f, guards)


def _emit_write_back(g: Group, f: NativeFunction, guards: Guards) -> None:
    s = f.schema
    if f.inplace_schema:
        si = f.inplace_schema
        first = si.arguments[0].name
        g.functions.append(_api_fn(si, WriteBackBody(s.name, call_args(si.arguments), si.name, [first], True),
                                   guards, ret="Tensor&"))
    if f.out_schema:
        so = f.out_schema
        outs = [a.name for a in so.out_arguments]
        indices = "indices" if len(outs) > 1 and "indices" in outs else None
        if indices:
            g.needs_scan = True  # check_indices_out (aten/native/Scan.h)
        ins = [a for a in so.arguments if not a.type.is_write]
        # Ops whose kernel returns several tensors (sort, topk, kthvalue) want each out= in the
        # result's dtype, like PyTorch; scans (cummax) cast into them.
        exact = len(outs) > 1 and f.kind != "scan"
        g.functions.append(_api_fn(so, WriteBackBody(s.name, call_args(ins), s.name, outs, False, indices, exact,
                                                     "out_casts" in f.tags),
                                   guards, ret="Tensor&" if len(outs) == 1 else None))


def emit_structured(g: Group, f: NativeFunction, guards: Guards) -> None:
    """Ops with a hand-written meta function (shape, dtype) and an out-writing kernel: ops without
    a `kind` that have an out= variant and one return. (An op with several returns, sort, has a
    kernel that returns them all; its out= writes them back, as a composite's does.)"""
    s = f.schema
    g.needs_meta = True
    params = cpp_params(s.arguments, False)
    kparams = params + ", Tensor& out"
    g.kernel_decls.append(("tg::meta", [KernelDecl("TensorMeta", s.name, params)]))
    _add_kernel_decl(g, f, "void", kparams)
    lookup = _add_table(g, s, f, f"void({cpp_types(s.arguments)}, Tensor&)")
    run = f"{ident(s)}_run"
    args = call_args(s.arguments)
    g.functions.append(ApiFn("void", run, "const TensorMeta& m, " + kparams, None,
                             StructuredRun(_DTYPE_SET[f.dtypes], _with_device(lookup, "m.device"), args)))
    g.functions.append(_api_fn(s, StructuredBody(s.name, run, args), guards, ret="Tensor"))
    if f.out_schema:
        ins = [f"&{a.name}" if not a.type.optional else f"opt_ptr({a.name})" for a in _tensor_args(s)]
        body = StructuredBody(s.name, run, args, ins, out_casts="out_casts" in f.tags)
        g.functions.append(_api_fn(f.out_schema, body, guards, ret="Tensor&"))
    if f.inplace_schema:
        # The meta computes the result's shape and dtype from the inputs as the functional op
        # sees them; the in-place variant then checks that the result fits self (same shape,
        # castable dtype) and lets the kernel write into self.
        si = f.inplace_schema
        target = si.arguments[0].name
        others = [f"&{a.name}" if not a.type.optional else f"opt_ptr({a.name})"
                  for a in _tensor_args(s) if a.name != target]
        g.functions.append(_api_fn(si, StructuredBody(s.name, run, call_args(si.arguments), inplace=target,
                                                      inplace_op=si.name, others=others),
                                   guards, ret="Tensor&"))


# ----------------------------------------------------------------------------- Python bindings

def _py_call(schema: FunctionSchema, fn: str, args: list[str], is_method: bool, out_index: int | None,
             visible: list[str], requires_grad_index: int | None) -> PyCall:
    """How one C++ call's result reaches Python. `visible`: the names of the parsed arguments, in
    parse order (self excluded for methods)."""
    ret = cpp_return_type(schema)
    call = PyCall(fn, ", ".join(args), ret, op=schema.name)
    if ret == "void":
        call.void = True
        return call
    if ret.endswith("&") or ret.startswith("std::tuple<Tensor&"):
        # Mutating variants return the very Python object that was mutated (x.add_(y) is x).
        writes = [a for a in schema.arguments if a.type.is_write]
        if out_index is not None and any(a.name == "out" or a.kwarg_only for a in writes) and schema.out_arguments:
            call.mutated = f"r.raw({out_index})"
        elif is_method and writes and writes[0].name == "self":
            call.mutated = "self_"
        else:
            call.mutated = f"r.raw({visible.index(writes[0].name)})"
        return call
    # An aliasing method that hands back self itself (x.contiguous(), x.to(x.dtype)) returns the
    # same Python object, like PyTorch.
    call.same_self = (is_method and ret == "Tensor" and len(schema.returns) == 1
                      and schema.returns[0].type.alias is not None)
    call.requires_grad_index = requires_grad_index
    if len(schema.returns) > 1:
        call.tuple_names = [r.name or f"r{i}" for i, r in enumerate(schema.returns)]
    return call


def _number_promoted_with_self(f: NativeFunction) -> str | None:
    """The argument that a Python number may take in a pointwise op of two tensors, self and it,
    whose TensorIterator converts both to their result type (default or always-bool promotion):
    the binding makes the number's 0-d tensor in that type at once (ParsedArgs::tensor_promoted_with)."""
    if f.kind != "pointwise" or f.promotion not in ("default", "always_bool"):
        return None
    tensors = [a for a in f.schema.arguments if a.type.base == "Tensor" and not a.type.is_list]
    if len(tensors) != 2 or tensors[0].name != "self" or any(a.type.optional for a in tensors):
        return None
    return tensors[1].name


def _case(f: NativeFunction, is_method: bool, out_index: int | None,
          requires_grad_index: int | None = None) -> PyCase:
    """One overload: unpack, call the C++ API without the GIL, wrap the result."""
    s = f.schema
    unpacks, call_args_, visible = [], [], []
    promoted_with_self = _number_promoted_with_self(f)
    for a in s.arguments:
        if is_method and a.name == "self":
            call_args_.append("self")
            continue
        u = unpack(a, len(unpacks))
        if a.name == promoted_with_self:
            self_local = "self" if is_method else unpacks[visible.index("self")].local
            u.init = f"r.tensor_promoted_with({len(unpacks)}, {self_local})"
        unpacks.append(u)
        call_args_.append(u.expr)
        visible.append(a.name)
    case = PyCase(is_method, unpacks, _py_call(s, s.name, call_args_, is_method, out_index, visible,
                                               requires_grad_index))
    conditions = [t for t in f.tags if t in SELF_IF]
    if conditions and is_method and not case.call.same_self:
        _fail(f, f"tags: {conditions[0]} needs a method returning self's alias, like "
                 "'contiguous(Tensor(a) self) -> Tensor(a)'")
    if not case.call.same_self:
        conditions = []  # the function variant: no Python self to return
    locals_ = {"self": "self", **{name: u.local for name, u in zip(visible, unpacks)}}
    try:
        case.call.self_if = " && ".join(f"({SELF_IF[t].format(**locals_)})" for t in conditions) or None
    except KeyError as e:
        _fail(f, f"tags: {conditions[0]} reads argument {e}, which {s.name} does not have")
    if out_index is not None:
        so = f.out_schema
        n = len(so.out_arguments)
        extra = ["out"] if n == 1 else [f"outs[{i}]" for i in range(n)]
        case.out = PyOut(out_index, n, _py_call(so, cpp_api_name(so), extra + call_args_, is_method, out_index,
                                                visible, None))
    return case


def add_bindings(g: Group, f: NativeFunction) -> None:
    s = f.schema
    for a in s.arguments:
        if a.type.is_optional_tensor_list:
            # The schema parses and the C++ API has a type (ArrayRef<std::optional<Tensor>>), but
            # the Python arg parser reads no list of Tensor-or-None yet, and autograd saves none.
            _fail(f, f"'{a.type} {a.name}' has no Python binding yet (the arg parser reads Tensor[] "
                     f"only); write 'Tensor[]' and handle None in Python, as index/index_put_ do")
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
        sig = py_signature(s.name, s.arguments, True, out_param)
        _add_overload(g, s.name, False, sig, _case(f, False, out_index, rg_index), numbers, PyOverload(sig, f, s))
    if "method" in f.variants:
        if not any(a.name == "self" for a in s.arguments):
            _fail(f, f"method variant of '{s.name}' needs an argument named self")
        rest = [a for a in s.arguments if a.name != "self"]
        sig = py_signature(s.name, rest, False, None)
        _add_overload(g, s.name, True, sig, _case(f, True, None), numbers, PyOverload(sig, f, s))
    if f.inplace_schema:
        si = f.inplace_schema
        rest = [a for a in si.arguments if a.name != "self"]
        fi = replace(f, schema=si)
        sig = py_signature(si.name, rest, False, None)
        _add_overload(g, si.name, True, sig, _case(fi, True, None), numbers, PyOverload(sig, f, si))


def _add_overload(g: Group, pyname: str, is_method: bool, sig: str, case: PyCase, numbers: bool,
                  overload: PyOverload) -> None:
    for b in g.py_bindings:
        if b.pyname == pyname and b.is_method == is_method:
            b.signatures.append(sig)
            b.cases.append(case)
            b.numbers = b.numbers or numbers
            b.overloads.append(overload)
            return
    cname = ("meth_" if is_method else "fn_") + pyname
    g.py_bindings.append(PyBinding(pyname, is_method, cname, [sig], [case], numbers, [overload]))


# ----------------------------------------------------------------------------- driver

def _tensor_args(schema: FunctionSchema) -> list[Argument]:
    return [a for a in schema.arguments if a.type.base == "Tensor" and not a.type.is_list and not a.type.is_write
            or (a.type.is_write and a.name == "self")]


def _tensor_list_args(schema: FunctionSchema) -> list[Argument]:
    """The Tensor[] inputs (cat's tensors) whose elements may require grad."""
    return [a for a in schema.arguments if a.type.is_tensor_list and not a.type.optional]


def _requires_grad_expr(args: list[Argument], lists: list[Argument] = ()) -> str:
    return " || ".join([f"({a.name}.has_value() && {a.name}->requires_grad())" if a.type.optional
                        else f"{a.name}.requires_grad()" for a in args] +
                       [f"any_requires_grad({a.name})" for a in lists])


def add_autograd(g: Group, f: NativeFunction, d: Derivative | None, op_names: set[str]) -> Guards:
    """Hooks the op into autograd: a slot the generated wrapper fills, checked first in the C++
    API, and out= refusing grad inputs. Returns those checks for the emitters."""
    guards = Guards()
    if f.out_schema is not None:
        ins, lists = _tensor_args(f.schema), _tensor_list_args(f.schema)
        if ins or lists:
            guards.out_no_grad[str(f.out_schema)] = OutNoGrad(
                f.name, [f"&{a.name}" if not a.type.optional else f"opt_ptr({a.name})" for a in ins],
                [a.name for a in lists])
    if d is None or d.non_differentiable:
        return guards
    op = autograd.emit(f, d, op_names, index=len(g.autograd_nodes))
    g.autograd_nodes.append(op.node)
    g.autograd_wrappers.extend(op.wrappers)
    g.autograd_headers |= op.op_headers | {g.name}
    for schema in (f.schema, f.inplace_schema):
        if schema is None:
            continue
        slot = f"autograd_{ident(schema)}"
        g.autograd_slots.append(AutogradSlot(slot, fn_type(schema)))
        guards.autograd[str(schema)] = AutogradGuard(
            slot, _requires_grad_expr(_tensor_args(schema), _tensor_list_args(schema)), call_args(api_args(schema)))
    return guards


_EMITTERS = {"pointwise": emit_pointwise, "reduction": emit_reduction, "scan": emit_scan}


def build_groups(functions: list[NativeFunction], derivs: dict[str, Derivative]) -> list[Group]:
    groups: dict[str, Group] = {}
    op_names = {f.name for f in functions}
    for f in functions:
        g = groups.setdefault(f.name, Group(name=f.name, ident=f"op_{f.name}"))
        n_fns, n_slots = len(g.functions), len(g.autograd_slots)
        guards = add_autograd(g, f, derivs.get(f.schema.full_name), op_names)
        if f.kind in _EMITTERS:
            _EMITTERS[f.kind](g, f, guards)
        elif f.kind is None and f.out_schema is not None and len(f.schema.returns) == 1:
            emit_structured(g, f, guards)
        else:
            emit_functional(g, f, guards)
        add_bindings(g, f)
        g.header += [fn for fn in g.functions[n_fns:] if fn.decl_params is not None] + g.autograd_slots[n_slots:]
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
    env.filters["c_string"] = docs.c_string
    groups = build_groups(functions, derivs)
    docs.fill_docstrings(groups, derivs)
    methods = collect_methods(functions)
    files: dict[str, str] = {"TensorMethods.h": env.get_template("TensorMethods.h.j2").render(
        methods=list(methods.items()))}
    for g in groups:
        files[f"ops/{g.name}.h"] = env.get_template("op.h.j2").render(group=g, methods=methods.get(g.name, []))
        files[f"ops/{g.name}.cpp"] = env.get_template("op.cpp.j2").render(group=g)
        files[f"kernels/{g.name}.h"] = env.get_template("kernels.h.j2").render(group=g)
        files[f"python/py_{g.name}.cpp"] = env.get_template("py_op.cpp.j2").render(group=g)
        if g.autograd_nodes:
            files[f"autograd/{g.name}.cpp"] = env.get_template("autograd.cpp.j2").render(
                group=g, headers=sorted(g.autograd_headers))
    metadata = cpp_raw_string_chunks(op_metadata_json(functions, derivs))
    files["registry.cpp"] = env.get_template("registry.cpp.j2").render(groups=groups, metadata=metadata)
    files["_C.pyi"] = stubs.render_stub(env, groups)   # installed next to the extension
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
