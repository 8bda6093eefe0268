"""Emits the autograd layer from derivatives.yaml: one Node class per entry and a wrapper per
functional / in-place variant that records the node, runs the op below autograd, and sets the
outputs' history. Saved state is inferred from the formulas: a tensor is saved only when some
formula uses it; `x.sizes()`, `x.strides()`, `x.scalar_type()` and `x.dim()` save metadata."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from codegen.derivatives import METADATA, Derivative
from codegen.model import Argument, FunctionSchema, NativeFunction

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
class AutogradOp:
    """What one derivatives.yaml entry generates."""
    node: str
    node_code: str
    wrappers: list[str] = field(default_factory=list)
    registrations: list[str] = field(default_factory=list)
    op_headers: set[str] = field(default_factory=set)


def _uses(formula: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", formula) is not None


def _rewrite_metadata(formula: str, tensor_names: list[str], used_meta: set[tuple[str, str]]) -> str:
    for name in tensor_names:
        for meta in METADATA:
            pattern = rf"\b{re.escape(name)}\.{meta}\(\)"
            if re.search(pattern, formula):
                used_meta.add((name, meta))
                formula = re.sub(pattern, f"{name}_{meta}", formula)
    return formula


def emit(f: NativeFunction, d: Derivative, op_names: set[str], cpp_params, api_args, cpp_return_type,
         index: int = 0) -> AutogradOp:
    """`index`: how many overloads of the same op name already have a node (MaxBackward0 for max,
    MaxBackward1 for max.dim, as in PyTorch)."""
    s = f.schema
    node = _camel(s.name) + f"Backward{index}"
    tensors = [a for a in s.arguments if a.type.is_tensor]
    tensor_names = [a.name for a in tensors]
    ret_names = [r.name or ("result" if len(s.returns) == 1 else f"result{i}") for i, r in enumerate(s.returns)]
    if len(s.returns) == 1:
        ret_names = ["result"]

    used_meta: set[tuple[str, str]] = set()
    formulas = {k: _rewrite_metadata(v, tensor_names, used_meta) for k, v in d.formulas.items()}
    all_text = " ".join(formulas.values())
    saved_tensors = [n for n in tensor_names if _uses(all_text, n)]
    saved_outputs = [n for n in ret_names if _uses(all_text, n)]
    saved_scalars = [a for a in s.arguments if not a.type.is_tensor and not a.type.is_tensor_list
                     and a.type.base not in ("Generator", "Device") and _uses(all_text, a.name)]
    headers = {name for name in re.findall(r"\b([a-z_][a-z0-9_]*)\s*\(", all_text) if name in op_names}

    # ---- the Node class
    members = [f"  SavedVariable {n}_;" for n in saved_tensors + saved_outputs]
    members += [f"  {_saved_type(a)[0]} {a.name}_;" for a in saved_scalars]
    members += [f"  {METADATA[meta]} {name}_{meta}_;" for name, meta in sorted(used_meta)]
    release = " ".join(f"{n}_.reset();" for n in saved_tensors + saved_outputs)
    body = ["  auto self_node = shared_from_this();"]
    body += [f"  Tensor {n} = {n}_.unpack(self_node);" for n in saved_tensors + saved_outputs]
    body += [f"  auto {a.name} = " + _saved_type(a)[1].format(m=a.name + "_") + ";" for a in saved_scalars]
    for name, meta in sorted(used_meta):
        conv = "IntArrayRef({m})" if METADATA[meta] == "DimVector" else "{m}"
        body.append(f"  auto {name}_{meta} = " + conv.format(m=f"{name}_{meta}_") + ";")
    body.append("  materialize_grads(*this, grads);")
    if len(s.returns) == 1:
        body.append("  const Tensor& grad = grads[0];")
    else:
        for i, rn in enumerate(ret_names):
            body.append(f"  [[maybe_unused]] const Tensor& grad_{rn} = grads[{i}];")
    body.append(f"  variable_list out({len(tensors)});")
    if _uses(all_text, "grad_input_mask"):
        mask = ", ".join(f"should_compute_output({i})" for i in range(len(tensors)))
        body.append(f"  std::array<bool, {len(tensors)}> grad_input_mask{{{mask}}};")
    for i, a in enumerate(tensors):
        if a.name in formulas:
            body.append(f"  if (should_compute_output({i})) out[{i}] = {formulas[a.name]};")
    body.append("  return out;")
    node_code = (
        f"struct {node} final : Node {{\n"
        f'  const char* name() const override {{ return "{node}"; }}\n'
        f"  variable_list apply(variable_list&& grads) override;\n"
        f"  void release_variables() override {{ {release} }}\n" + "\n".join(members) + "\n};\n\n"
        f"variable_list {node}::apply(variable_list&& grads) {{\n" + "\n".join(
            line for line in body if line) + "\n}\n")
    op = AutogradOp(node=node, node_code=node_code, op_headers=headers)

    def record(schema: FunctionSchema, inplace: bool) -> str:
        """The wrapper: build the node, save inputs, run the op with autograd off, set history."""
        ret = cpp_return_type(schema)
        params = cpp_params(api_args(schema), False)
        args = ", ".join(a.name for a in api_args(schema))
        lines = []
        if inplace:
            lines.append(f'  check_inplace({tensors[0].name}, "{schema.name}");')
        lines.append(f"  auto node = std::make_shared<{node}>();")
        edges = ", ".join(f"&{a.name}" if a.name in formulas else "nullptr" for a in tensors)
        lines.append(f"  node->next_edges = collect_next_edges({{{edges}}});")
        for n in saved_tensors:
            if inplace and n == tensors[0].name:
                # The formula needs self's value from before the in-place op overwrites it. The
                # clone is recorded (grad mode stays on) so that double backward reaches self's
                # history through it.
                lines.append(f"  node->{n}_ = SavedVariable(tg::clone({n}), false);")
            else:
                lines.append(f"  node->{n}_ = SavedVariable({n}, false);")
        for a in saved_scalars:
            conv = {"DimVector": f"DimVector({a.name})", "std::optional<DimVector>": f"opt_vec({a.name})",
                    "std::string": f"std::string({a.name})",
                    "std::optional<std::string>": f"opt_string({a.name})"}.get(_saved_type(a)[0], a.name)
            lines.append(f"  node->{a.name}_ = {conv};")
        for name, meta in sorted(used_meta):
            expr = f"DimVector({name}.{meta}())" if METADATA[meta] == "DimVector" else f"{name}.{meta}()"
            lines.append(f"  node->{name}_{meta}_ = {expr};")
        if inplace:
            lines.append(f"  {{ AutoGradMode no_grad(false); tg::{schema.name}({args}); }}")
            lines.append(f"  rebase_history({tensors[0].name}, node);")
            if saved_outputs:
                lines.append(f"  node->result_ = SavedVariable({tensors[0].name}, true);")
            lines.append(f"  return {tensors[0].name};")
        else:
            lines.append(f"  {ret} result;")
            lines.append(f"  {{ AutoGradMode no_grad(false); result = tg::{schema.name}({args}); }}")
            if len(s.returns) == 1 and s.returns[0].type.alias is not None and f.kind != "view":
                # An op that may hand back its input itself (x.contiguous(), x.to(x.dtype)): then
                # nothing happened, and setting history would overwrite the input's own.
                lines.append(f"  if (result.is_same({tensors[0].name})) return result;")
            if len(s.returns) == 1:
                lines.append("  set_history_if_floating(result, node, 0);")
                if f.kind == "view":
                    lines.append(f"  mark_view(result, {tensors[0].name});")
                for n in saved_outputs:
                    lines.append(f"  node->{n}_ = SavedVariable(result, true);")
            else:
                diff = d.output_differentiability or [True] * len(s.returns)
                for i, rn in enumerate(ret_names):
                    if diff[i]:
                        lines.append(f"  set_history_if_floating(std::get<{i}>(result), node, {i});")
                    else:
                        lines.append(f"  node->input_metadata.resize({len(s.returns)});")
                        lines.append(f"  node->pre_hooks.resize({len(s.returns)});")
                    if rn in saved_outputs:
                        lines.append(f"  node->{rn}_ = SavedVariable(std::get<{i}>(result), true);")
            lines.append("  return result;")
        fn = f"autograd_{schema.name}" + ("_" + schema.overload if schema.overload else "")
        code = f"{ret} {fn}({params}) {{\n" + "\n".join(lines) + "\n}\n"
        ident = schema.name + ("_" + schema.overload if schema.overload else "")
        op.registrations.append(f"  tg::set_autograd_{ident}(&{fn});")
        return code

    op.wrappers.append(record(s, s.is_inplace))
    if f.inplace_schema is not None:
        op.wrappers.append(record(f.inplace_schema, True))
    return op
