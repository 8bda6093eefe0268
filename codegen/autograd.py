"""Emits the autograd layer from derivatives.yaml: one Node class per entry and a wrapper per
functional / in-place variant that records the node, runs the op below autograd, and sets the
outputs' history. Saved state is inferred from the formulas: a tensor is saved only when some
formula uses it; `x.sizes()`, `x.strides()`, `x.scalar_type()` and `x.dim()` save metadata.

A `Tensor[]` input with a formula (cat's tensors) gives the node one input per element, after the
inputs before it; its formula returns one gradient per element (std::vector<Tensor>). It may use
the list itself (saved element by element) or `to_args_sizes(x)` / `to_args_scalartypes(x)`
(each element's sizes / dtype, saved without the tensors).

Inputs sharing a formula ("weight, bias: ...") get one evaluation of it, when any of them needs a
gradient; its result's parts (a tuple or a std::vector) go to those inputs in the key's order."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from codegen.api.cpp import api_args, call_args, cpp_params, cpp_return_type, ident, returns_tensor_list
from codegen.derivatives import LIST_METADATA, METADATA, Derivative
from codegen.model import Argument, CodegenError, FunctionSchema, NativeFunction

# Saved member type and the expression that turns it back into the op's C++ parameter type.
_SAVED_TYPES = {
    "int": ("int64_t", "{m}"), "float": ("double", "{m}"), "bool": ("bool", "{m}"),
    "Scalar": ("Scalar", "{m}"), "ScalarType": ("ScalarType", "{m}"), "str": ("std::string", "std::string_view({m})"),
}


def _saved_type(a: Argument) -> tuple[str, str]:
    t = a.type
    if t.is_list:
        if t.optional:
            return "std::optional<DimVector>", "opt_ref({m})"
        return "DimVector", "IntArrayRef({m})"
    decl, use = _SAVED_TYPES[t.base]
    if t.optional:
        if t.base == "str":
            return "std::optional<std::string>", "opt_view({m})"
        return f"std::optional<{decl}>", "{m}"
    return decl, use


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.strip("_").split("_"))


@dataclass
class Saved:
    """One saved non-tensor value of a node: member `name_` of C++ type `type`, stored by the
    wrapper as `store`, read back in apply() as `load`."""
    name: str
    type: str
    store: str
    load: str


@dataclass
class Formula:
    """The gradient of one differentiable input: node input `start` (a C++ expression once a
    Tensor[] input precedes it), or `size` inputs from there for a Tensor[] input."""
    start: str
    expr: str
    size: str | None = None           # a Tensor[] input: its element count (a node member)
    parts: list[str] | None = None    # inputs sharing the formula: their node inputs, in the key's order


@dataclass
class Node:
    """The backward Node class of one derivatives.yaml entry (rendered by autograd.cpp.j2)."""
    name: str
    saved_tensors: list[str]          # SavedVariable members: inputs and outputs the formulas use
    saved_lists: list[str]            # std::vector<SavedVariable> members: Tensor[] inputs formulas use
    list_sizes: list[str]             # the element count of each Tensor[] input (`tensors_size`)
    saved_values: list[Saved]         # scalars and tensor metadata (self_sizes, ...)
    grads: list[str] | None           # the output grads' names; None: one output, `grad`
    list_grads: bool                  # a Tensor[] output: `grads` itself, undefined where missing
    n_inputs: str                     # how many inputs (C++: a number, or a sum over list sizes)
    grad_input_mask: bool
    formulas: list[Formula]


@dataclass
class Output:
    index: int
    differentiable: bool
    saved: str | None                 # the member this output is saved in, if a formula uses it


@dataclass
class Wrapper:
    """The autograd wrapper of one functional / in-place C++ API function."""
    fn: str
    ret: str
    params: str
    args: str
    op: str
    node: str
    inplace: bool
    first: str                        # the first tensor input (the in-place target)
    edges: list[str | tuple[str]]     # per input: `&x`/`nullptr`, or (name,) for a Tensor[] input
    saves: list[tuple[str, str]]      # node->member_ = expr
    outputs: list[Output]
    single: bool                      # one Tensor result
    list_result: bool                 # a Tensor[] result
    identity_check: bool              # may hand back its input itself: then record nothing
    list_sizes: list[str]             # node->x_size_ = x.size() for each Tensor[] input
    view: bool
    setter: str                       # tg::set_autograd_<ident>


@dataclass
class AutogradOp:
    """What one derivatives.yaml entry generates."""
    node: Node
    wrappers: list[Wrapper] = field(default_factory=list)
    op_headers: set[str] = field(default_factory=set)


def _uses(formula: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", formula) is not None


def _rewrite_metadata(formula: str, tensor_names: list[str], list_names: list[str],
                      used_meta: set[tuple[str, str]]) -> str:
    for name in tensor_names:
        for meta in METADATA:
            pattern = rf"\b{re.escape(name)}\.{meta}\(\)"
            if re.search(pattern, formula):
                used_meta.add((name, meta))
                formula = re.sub(pattern, f"{name}_{meta}", formula)
    for name in list_names:
        for fn in LIST_METADATA:
            pattern = rf"\b{fn}\(\s*{re.escape(name)}\s*\)"
            if re.search(pattern, formula):
                used_meta.add((name, fn))
                formula = re.sub(pattern, f"{name}_{fn.removeprefix('to_')}", formula)
    return formula


def _input_index(fixed: int, lists: list[str]) -> str:
    """C++ for a node input index after `fixed` tensors and the elements of the Tensor[] `lists`."""
    terms = [f"{n}_size_" for n in lists]
    return " + ".join(([str(fixed)] if fixed or not terms else []) + terms)


def emit(f: NativeFunction, d: Derivative, op_names: set[str], index: int = 0) -> AutogradOp:
    """`index`: how many overloads of the same op name already have a node (MaxBackward0 for max,
    MaxBackward1 for max.dim, as in PyTorch)."""
    s = f.schema
    node_name = _camel(s.name) + f"Backward{index}"
    tensors = [a for a in s.arguments if a.type.is_tensor]
    tensor_names = [a.name for a in tensors]
    optional_names = {a.name for a in tensors if a.type.optional}
    # Tensor[] inputs take part only when they have a formula (an index list has none).
    lists = [a for a in s.arguments if a.type.is_tensor_list and a.name in d.formulas]
    list_names = [a.name for a in lists]
    inputs = [a for a in s.arguments if a.type.is_tensor or a.name in list_names]
    if lists and _uses(" ".join([*d.formulas.values(), *d.groups.values()]), "grad_input_mask"):
        raise CodegenError(f"derivatives.yaml:{d.line}: '{s.full_name}': grad_input_mask has one entry per "
                           "input, which a Tensor[] input does not have; test the inputs' grads instead")
    list_result = returns_tensor_list(s)
    if len(s.returns) == 1:
        ret_names = ["result"]
    else:
        ret_names = [r.name or f"result{i}" for i, r in enumerate(s.returns)]

    used_meta: set[tuple[str, str]] = set()
    formulas = {k: _rewrite_metadata(v, tensor_names, list_names, used_meta) for k, v in d.formulas.items()}
    groups = {k: _rewrite_metadata(v, tensor_names, list_names, used_meta) for k, v in d.groups.items()}
    has_grad = set(formulas).union(*groups)    # the inputs that get a gradient (a next edge)
    all_text = " ".join([*formulas.values(), *groups.values()])
    saved_tensors = [n for n in tensor_names if _uses(all_text, n)]
    saved_lists = [n for n in list_names if _uses(all_text, n)]
    saved_outputs = [n for n in ret_names if _uses(all_text, n)]
    if list_result and saved_outputs:
        raise CodegenError(f"derivatives.yaml:{d.line}: '{s.full_name}' returns Tensor[]; its formulas "
                           "cannot use the result (save what it is computed from instead)")
    saved_scalars = [a for a in s.arguments if not a.type.is_tensor and not a.type.is_tensor_list
                     and a.type.base not in ("Generator", "Device") and _uses(all_text, a.name)]
    headers = {name for name in re.findall(r"\b([a-z_][a-z0-9_]*)\s*\(", all_text) if name in op_names}

    saved_values = []
    for a in saved_scalars:
        decl, load = _saved_type(a)
        store = {"DimVector": f"DimVector({a.name})", "std::optional<DimVector>": f"opt_vec({a.name})",
                 "std::string": f"std::string({a.name})",
                 "std::optional<std::string>": f"opt_string({a.name})"}.get(decl, a.name)
        saved_values.append(Saved(a.name, decl, store, load.format(m=a.name + "_")))
    for name, meta in sorted(used_meta):
        if meta in LIST_METADATA:
            member = f"{name}_{meta.removeprefix('to_')}"
            saved_values.append(Saved(member, LIST_METADATA[meta], f"{meta}({name})", f"{member}_"))
            continue
        decl = METADATA[meta]
        store = f"DimVector({name}.{meta}())" if decl == "DimVector" else f"{name}.{meta}()"
        load = f"IntArrayRef({name}_{meta}_)" if decl == "DimVector" else f"{name}_{meta}_"
        saved_values.append(Saved(f"{name}_{meta}", decl, store, load))
    # Node input numbering: one per tensor, one per element of a Tensor[] input.
    # Formulas run in input order; a shared one where its first input's would.
    placed, fixed, sizes, starts = [], 0, [], {}
    for pos, a in enumerate(inputs):
        start = starts[a.name] = _input_index(fixed, sizes)
        if a.name in list_names:
            placed.append((pos, Formula(start, formulas[a.name], f"{a.name}_size_")))
            sizes.append(a.name)
        else:
            if a.name in formulas:
                placed.append((pos, Formula(start, formulas[a.name])))
            fixed += 1
    position = {a.name: pos for pos, a in enumerate(inputs)}
    for names, expr in groups.items():
        placed.append((min(position[n] for n in names), Formula(starts[names[0]], expr,
                                                                parts=[starts[n] for n in names])))
    node_formulas = [f for _, f in sorted(placed, key=lambda p: p[0])]
    n_inputs = _input_index(fixed, sizes)
    node = Node(node_name, saved_tensors + saved_outputs, saved_lists, [f"{n}_size" for n in list_names],
                saved_values, None if len(s.returns) == 1 and not list_result else ret_names, list_result,
                n_inputs, _uses(all_text, "grad_input_mask"), node_formulas)
    op = AutogradOp(node=node, op_headers=headers)

    def record(schema: FunctionSchema, inplace: bool) -> Wrapper:
        """The wrapper: build the node, save inputs, run the op with autograd off, set history."""
        saves = []
        for n in saved_tensors:
            if inplace and n == tensors[0].name:
                # The formula needs self's value from before the in-place op overwrites it. The
                # clone is recorded (grad mode stays on) so that double backward reaches self's
                # history through it.
                saves.append((n, f"SavedVariable(tg::clone({n}), false)"))
            else:
                # An absent optional tensor (weight=None) is saved as an undefined tensor.
                saves.append((n, f"SavedVariable({n}.value_or(Tensor()), false)" if n in optional_names
                              else f"SavedVariable({n}, false)"))
        saves += [(n, f"save_list({n})") for n in saved_lists]
        saves += [(v.name, v.store) for v in saved_values]
        diff = d.output_differentiability or [True] * len(s.returns)
        outputs = [Output(i, diff[i], rn if rn in saved_outputs else None) for i, rn in enumerate(ret_names)]
        return Wrapper(
            fn=f"autograd_{ident(schema)}", ret=cpp_return_type(schema), params=cpp_params(api_args(schema), False),
            args=call_args(api_args(schema)), op=schema.name, node=node_name, inplace=inplace,
            first=tensors[0].name if tensors else "",
            edges=[(a.name,) if a.name in list_names
                   else (f"({a.name}.has_value() ? &*{a.name} : nullptr)" if a.type.optional else f"&{a.name}")
                   if a.name in has_grad else "nullptr"
                   for a in inputs],
            saves=saves, outputs=outputs, single=len(s.returns) == 1 and not list_result, list_result=list_result,
            # An op that may hand back its input itself (x.contiguous(), x.to(x.dtype)): then
            # nothing happened, and setting history would overwrite the input's own.
            identity_check=(len(s.returns) == 1 and not list_result and s.returns[0].type.alias is not None
                            and f.kind != "view" and bool(tensors)),
            list_sizes=list_names,
            view=f.kind == "view" or (list_result and s.returns[0].type.alias is not None),
            setter=f"tg::set_autograd_{ident(schema)}")

    op.wrappers.append(record(s, s.is_inplace))
    if f.inplace_schema is not None:
        op.wrappers.append(record(f.inplace_schema, True))
    return op
