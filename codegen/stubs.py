"""Type stubs for the extension, generated from native_functions.yaml: `_C.pyi` (PEP 484/561).

Every generated binding becomes a typed declaration: the functions of `tensorgen._C` (which
`import tensorgen` re-exports as tg.add ...) and the methods of `_C.TensorBase` (which
`tg.Tensor` subclasses). One declaration per parser signature, `@overload` when a name has
several; keyword-only arguments stay keyword-only, out= and requires_grad= appear where the
binding takes them, defaults show as `...`. The hand-written members of the extension (dtype,
Generator, TensorBase's properties ...) come from the template codegen/templates/_C.pyi.j2.

Types follow what the argument parser accepts (csrc/python/arg_parser.cpp):
  Tensor -> Tensor (or a Python number in ops whose bindings take numbers: x + 1, tg.where(c, x, 0)),
  Tensor[] -> Sequence[Tensor], int -> int, int[] / int[N] -> Sequence[int] (int[N] also one int),
  float -> float, bool -> bool, str -> str, Scalar -> int | float | bool, ScalarType -> dtype,
  Device -> str | device, Generator -> Generator; `?` adds `| None`.
  An int[] that is the only positional parameter also takes varargs: x.view(2, 3), tg.zeros(2, 3).
Returns: Tensor, a NamedTuple of tensors for named returns (tg.max(x, 0).values), a tuple
otherwise, tuple[Tensor, ...] for Tensor[] (split, unbind), None for `-> ()`.
"""
from __future__ import annotations

from codegen.docs import parse_signature, py_name
from codegen.model import Argument, FunctionSchema, Type

_NUMBER = "_Number"
_BASE = {"int": "builtins.int", "float": "builtins.float", "bool": "builtins.bool", "str": "builtins.str",
         "Scalar": _NUMBER, "ScalarType": "_DType", "Device": "_Device", "Generator": "Generator",
         "Tensor": "Tensor"}


def annotation(t: Type, numbers: bool) -> str:
    base = _BASE[t.base]
    if t.is_optional_tensor_list:
        text = f"Sequence[{base} | None]"
    elif t.is_list:
        text = f"Sequence[{base}]"
        if t.list_size is not None:
            text = f"{base} | {text}"
    elif t.base == "Tensor" and numbers:
        text = f"Tensor | {_NUMBER}"
    else:
        text = base
    return f"{text} | None" if t.optional else text


def _return_class(ident: str) -> str:
    return f"_ret_{ident}"


def return_annotation(s: FunctionSchema, ident: str) -> str:
    if not s.returns:
        return "None"
    if len(s.returns) == 1:
        r = s.returns[0]
        return "tuple[Tensor, ...]" if r.type.is_list else _BASE[r.type.base]  # Tensor[]: a tuple, as in PyTorch
    if all(r.name for r in s.returns):
        return _return_class(ident)
    return "tuple[" + ", ".join(_BASE[r.type.base] for r in s.returns) + "]"


def _param(a: Argument, numbers: bool) -> str:
    # out= is always a tensor: numbers stand in for inputs only
    text = f"{py_name(a.name)}: {annotation(a.type, numbers and a.name != 'out')}"
    return text + " = ..." if a.default is not None else text


def _params(args: tuple[Argument, ...], numbers: bool, is_method: bool, varargs: bool) -> str:
    parts = ["self"] if is_method else []
    kw = False
    for i, a in enumerate(args):
        if i == 0 and varargs:
            parts.append(f"*{py_name(a.name)}: builtins.int")
            kw = True  # everything after *args is keyword-only
            continue
        if a.kwarg_only and not kw:
            parts.append("*")
            kw = True
        parts.append(_param(a, numbers))
    return ", ".join(parts)


def _ident(s: FunctionSchema) -> str:
    return s.full_name.replace(".", "_")


def _drop_subsumed(defs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """In a binding that takes numbers for tensors, `clamp_min(Tensor min)` already accepts what
    `clamp_min(Scalar min)` does: mypy rejects the second as never matched, so keep the broader."""
    kept: list[tuple[str, str]] = []
    for params, ret in defs:
        key = (params.replace(f"Tensor | {_NUMBER}", _NUMBER), ret)
        same = [i for i, (p, r) in enumerate(kept) if (p.replace(f"Tensor | {_NUMBER}", _NUMBER), r) == key]
        if not same:
            kept.append((params, ret))
        elif params.count("Tensor | ") > kept[same[0]][0].count("Tensor | "):
            kept[same[0]] = (params, ret)
    return kept


def binding_stub(b, indent: str) -> tuple[list[str], dict[str, list[str]]]:
    """The declarations of one binding (gen.PyBinding) and the NamedTuple classes it returns."""
    defs: list[tuple[str, str]] = []
    classes: dict[str, list[str]] = {}
    for o in b.overloads:
        args = parse_signature(o.signature).arguments
        ret = return_annotation(o.schema, _ident(o.schema))
        if ret.startswith("_ret_"):
            classes[ret] = [f"{r.name}: Tensor" for r in o.schema.returns]
        positional = [a for a in args if not a.kwarg_only]
        varargs = (len(positional) == 1 and positional[0].type.base == "int" and positional[0].type.is_list
                   and positional[0].type.list_size is None and not positional[0].type.optional)
        defs.append((_params(args, b.numbers, b.is_method, False), ret))
        if varargs:
            defs.append((_params(args, b.numbers, b.is_method, True), ret))
    defs = _drop_subsumed(defs)
    lines = []
    for params, ret in defs:
        if len(defs) > 1:
            lines.append(f"{indent}@overload")
        lines.append(f"{indent}def {b.pyname}({params}) -> {ret}: ...")
    return lines, classes


# Generated functions that the Python package replaces with a front end of the same name
# (tensorgen/__init__.py imports them after `from tensorgen._C import *`: tg.where(condition),
# tg.einsum(eq, a, b), None in tg.index_put_ indices ...). The stub's __all__ leaves them out, so
# mypy types tg.where by the Python function that runs; tg._C.where keeps its generated stub.
# tests/test_typing.py checks this list against the imported package.
PYTHON_OVERRIDES = frozenset({"index", "index_put", "index_put_", "nonzero", "where", "einsum", "meshgrid",
                              "tensordot"})


def render_stub(env, groups) -> str:
    functions, methods, exports = [], [], []
    classes: dict[str, list[str]] = {}
    for g in groups:
        for b in g.py_bindings:
            lines, cls = binding_stub(b, "    " if b.is_method else "")
            (methods if b.is_method else functions).extend(lines)
            classes.update(cls)
            if not b.is_method and not b.pyname.startswith("_") and b.pyname not in PYTHON_OVERRIDES:
                exports.append(b.pyname)
    return env.get_template("_C.pyi.j2").render(functions=functions, methods=methods,
                                                 classes=sorted(classes.items()), exports=exports)


# ----------------------------------------------------------------------------- a file that calls every op
# tests/test_typing.py runs `mypy --strict` over it: each binding's overloads called as a user would
# (required arguments only, then every argument, keyword-only ones by keyword), the result assigned
# to a variable of the expected type. Type-checked, never run.

_SAMPLE = {"Tensor": "x", "int": "0", "float": "1.0", "bool": "False", "str": "'mean'", "Scalar": "1",
           "ScalarType": "tg.float32", "Device": "'cpu'", "Generator": "tg.Generator()"}


def _sample(t: Type) -> str:
    if t.is_list:
        return f"[{_SAMPLE[t.base]}, {_SAMPLE[t.base]}]"
    return _SAMPLE[t.base]


def _user_annotation(s: FunctionSchema) -> str | None:
    """The result's type as user code spells it (None: the call returns nothing)."""
    if not s.returns:
        return None
    if len(s.returns) > 1:
        return "tuple[" + ", ".join("tg.Tensor" if r.type.base == "Tensor" else _BASE[r.type.base]
                                    for r in s.returns) + "]"
    r = s.returns[0]
    if r.type.is_list:
        return "tuple[tg.Tensor, ...]"
    return {"Tensor": "tg.Tensor", "Scalar": "int | float | bool", "ScalarType": "tg.dtype"}.get(
        r.type.base, r.type.base)


def render_calls(groups) -> str:
    lines = ['"""Generated by codegen/stubs.py (render_calls): every op called once per overload, for mypy."""',
             "import tensorgen as tg", "", "", "def calls(x: tg.Tensor) -> None:"]
    n = 0
    for g in groups:
        for b in g.py_bindings:
            callee = (f"x.{b.pyname}" if b.is_method else
                      f"tg._C.{b.pyname}" if b.pyname.startswith("_") else f"tg.{b.pyname}")
            for o in b.overloads:
                args = parse_signature(o.signature).arguments
                required = [_sample(a.type) for a in args if a.default is None and not a.kwarg_only]
                required_kw = [f"{a.name}={_sample(a.type)}" for a in args if a.default is None and a.kwarg_only]
                every = [_sample(a.type) if a.default is None or (a.name != py_name(a.name)) else
                         f"{a.name}={_sample(a.type)}" for a in args if not a.kwarg_only]
                every += [f"{a.name}={_sample(a.type)}" for a in args if a.kwarg_only]
                ann = _user_annotation(o.schema)
                for call_args in (required + required_kw, every):
                    call = f"{callee}({', '.join(call_args)})"
                    n += 1
                    lines.append(f"    r{n}: {ann} = {call}" if ann else f"    {call}")
                names = [r.name for r in o.schema.returns]
                if len(names) > 1 and all(names):
                    for name in names:
                        n += 1
                        lines.append(f"    r{n}: tg.Tensor = {call}.{name}")
    return "\n".join(lines) + "\n"
