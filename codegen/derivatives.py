"""derivatives.yaml: backward formulas, matched to the schemas of native_functions.yaml.

    - name: mul(Tensor self, Tensor other) -> Tensor
      self: grad * other
      other: grad * self

Each key other than `name` names a differentiable input and holds a C++ expression over
tensorgen ops (DESIGN.md §4). Special keys: `non_differentiable: true` (the op has no
gradient, e.g. argmax), `output_differentiability: [True, False]`. A formula may be
`not_implemented("why")`.

The formula of a `Tensor[]` input returns one gradient per element (std::vector<Tensor>):

    - name: cat(Tensor[] tensors, int dim=0) -> Tensor
      tensors: cat_tensors_backward(grad, to_args_sizes(tensors), to_args_scalartypes(tensors), dim)

Inputs whose gradients come from one computation share a key, as in PyTorch: the formula runs once
(when any of them needs a gradient) and returns one gradient per name, in the key's order (a
std::tuple or a std::vector<Tensor>):

    - name: native_batch_norm(...)
      weight, bias: unbind(native_batch_norm_backward(grad_out, input, ..., 3))

A formula may read grad_input_mask (which inputs want a gradient, one bool per tensor input):
native_layer_norm's `input, weight, bias: layer_norm_backward_grads(..., grad_input_mask)` reads
dy and x once for all three when the input and a parameter want them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from codegen.model import CodegenError, FunctionSchema, NativeFunction, SchemaError, parse_schema

SPECIAL_KEYS = {"name", "non_differentiable", "output_differentiability"}
# Tensor metadata a formula may use without saving the tensor itself: `self.sizes()` saves only
# the sizes (as `self_sizes`), and so on.
METADATA = {"sizes": "DimVector", "strides": "DimVector", "scalar_type": "ScalarType", "dim": "int64_t",
            "storage_offset": "int64_t"}
# The same for a Tensor[] input, per element: `to_args_sizes(tensors)` saves every element's sizes.
LIST_METADATA = {"to_args_sizes": "std::vector<DimVector>", "to_args_scalartypes": "std::vector<ScalarType>"}


@dataclass
class Derivative:
    schema: FunctionSchema
    line: int
    formulas: dict[str, str] = field(default_factory=dict)   # input name -> C++ expression
    # inputs sharing one formula ("weight, bias: ..."): their names in the key's order -> expression
    groups: dict[tuple[str, ...], str] = field(default_factory=dict)
    non_differentiable: bool = False
    output_differentiability: list[bool] | None = None


def _fail(path: Path, line: int, message: str):
    raise CodegenError(message, path, line)


def load_derivatives(path: str | Path, functions: list[NativeFunction]) -> dict[str, Derivative]:
    """Derivatives keyed by the schema's full name; validates names, keys and coverage."""
    path = Path(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        _fail(path, mark.line + 1 if mark else 1, f"YAML syntax error: {e.problem}")
    by_name = {f.schema.full_name: f for f in functions}
    result: dict[str, Derivative] = {}
    entries = root.value if isinstance(root, yaml.SequenceNode) else []
    if root is not None and not isinstance(root, yaml.SequenceNode):
        _fail(path, root.start_mark.line + 1, "the top level must be a list of '- name: <schema>' entries")
    for node in entries:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            _fail(path, line, "each entry must be a mapping starting with 'name: <schema>'")
        fields = {k.value: (k, v) for k, v in node.value}
        if "name" not in fields:
            _fail(path, line, "entry has no 'name'; write 'name: op(Tensor self) -> Tensor' as in "
                              "native_functions.yaml")
        text = fields["name"][1].value
        try:
            schema = parse_schema(text)
        except SchemaError as e:
            _fail(path, line, f"bad schema in 'name': {e}")
        f = by_name.get(schema.full_name)
        if f is None:
            _fail(path, line, f"'{schema.full_name}' matches no schema in native_functions.yaml; the name "
                              "must be the functional schema of an op")
        if str(f.schema) != str(schema):
            _fail(path, line, f"'{schema.full_name}' differs from native_functions.yaml; write it as: {f.schema}")
        if schema.full_name in result:
            _fail(path, line, f"'{schema.full_name}' has two entries (first at line "
                              f"{result[schema.full_name].line}); keep one")
        d = Derivative(schema=f.schema, line=line)
        arg_names = {a.name: a for a in f.schema.arguments}
        for key, (knode, vnode) in fields.items():
            kline = knode.start_mark.line + 1
            if key == "name":
                continue
            if key == "non_differentiable":
                d.non_differentiable = vnode.value.lower() == "true"
                continue
            if key == "output_differentiability":
                d.output_differentiability = [v.value.lower() == "true" for v in getattr(vnode, "value", [])]
                continue
            names = tuple(n.strip() for n in key.split(","))
            for name in names:
                if name not in arg_names:
                    _fail(path, kline, f"'{schema.full_name}': formula for unknown argument '{name}'; the op's "
                                       f"arguments are {', '.join(arg_names)}")
                t = arg_names[name].type
                if t.is_tensor_list and t.optional:
                    _fail(path, kline, f"'{schema.full_name}': '{name}' is an optional Tensor[]; a gradient formula "
                                       "needs a list that is always given (write 'Tensor[]')")
                if not t.is_tensor and not t.is_tensor_list:
                    _fail(path, kline, f"'{schema.full_name}': '{name}' is not a Tensor argument and has no gradient")
                if len(names) > 1 and t.is_tensor_list:
                    _fail(path, kline, f"'{schema.full_name}': '{name}' is a Tensor[] and cannot share a formula; "
                                       "give it a key of its own")
                if name in d.formulas or any(name in g for g in d.groups):
                    _fail(path, kline, f"'{schema.full_name}': '{name}' has two formulas; keep one")
            formula = str(vnode.value).strip()
            if len(names) > 1:
                d.groups[names] = formula
            else:
                d.formulas[names[0]] = formula
            for ident in re.findall(r"\b([A-Za-z_]\w*)\b", formula):
                if ident.startswith("grad_") and ident != "grad_input_mask" and ident not in arg_names:  # an input named grad_output is an input
                    ret_names = {r.name for r in f.schema.returns}
                    if ident[5:] not in ret_names:
                        _fail(path, kline, f"'{schema.full_name}': '{ident}' names no output; outputs are "
                                           f"{', '.join(str(n) for n in ret_names)}")
        result[schema.full_name] = d
    for f in functions:
        if needs_derivative(f) and f.schema.full_name not in result:
            _fail(path, 1, f"differentiable op '{f.schema.full_name}' (native_functions.yaml:{f.line}) has no "
                           f"entry; add '- name: {f.schema}' with a formula per input, or "
                           "'non_differentiable: true'")
    return result


def needs_derivative(f: NativeFunction) -> bool:
    """An op that takes and returns floating tensors and is not a composite of other ops."""
    s = f.schema
    if f.kind == "composite":
        return False
    if not any(a.type.is_tensor or a.type.is_tensor_list for a in s.arguments):
        return False
    if not any(r.type.base == "Tensor" for r in s.returns):
        return False
    if f.promotion in ("always_bool", "index") or f.dtypes in ("integral", "integral_and_bool"):
        return False
    return True
