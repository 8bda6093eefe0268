"""Documentation generated from native_functions.yaml: the docstrings of the Python bindings and
the op reference page docs/ops.md.

Docstrings (`fill_docstrings`, called by gen.render): each binding (tg.add, Tensor.add, Tensor.add_)
gets a docstring in CPython's text-signature form,

    add(input, other, *, alpha=1, out=None)
    --

    Adds other, scaled by alpha, to input.
    ...

so `inspect.signature(tg.add)`, `help(tg.add)` and editors show the primary overload's parameters;
the body lists every overload's full signature, the YAML entries behind them (schema, variants,
dtypes, differentiable) and the entry's `doc:` example, which tests/test_docs.py runs as a doctest.
The docstring lives in the op's own python/py_<name>.cpp, so editing one op's `doc:` recompiles
only that file.

The reference page: `python -m codegen.docs [--check]` writes (or checks) docs/ops.md.
"""
from __future__ import annotations

import argparse
import keyword
import re
import sys
from functools import lru_cache
from pathlib import Path

from codegen.derivatives import Derivative
from codegen.metadata import op_kind
from codegen.model import FunctionSchema, NativeFunction, parse_schema

REPO = Path(__file__).resolve().parents[1]


def parse_signature(sig: str) -> FunctionSchema:
    """A parser signature (`add(Tensor input, ..., Tensor? out=None)`) as a schema, for its arguments."""
    return parse_schema(f"{sig} -> ()")


def _differentiable(f: NativeFunction, derivs: dict[str, Derivative]) -> str:
    """'yes': derivatives.yaml has a formula; 'through the ops it calls': a composite without a
    formula of its own, autograd records the ops its C++ calls; 'no': no gradient
    (non_differentiable, integer/bool results, factories)."""
    d = derivs.get(f.full_name)
    if d is not None and not d.non_differentiable:
        return "yes"
    return "through the ops it calls" if "Composite" in f.dispatch and d is None else "no"


def py_name(name: str) -> str:
    """A parameter name Python can parse: `from` (random_) becomes `from_`, as in PyTorch's stubs;
    such an argument can only be passed positionally anyway."""
    return name + "_" if keyword.iskeyword(name) else name


def text_signature(name: str, sig: str, is_method: bool) -> str:
    """`add(input, other, *, alpha=1, out=None)`; methods start with `$self` (CPython's marker for
    the bound argument). Defaults are schema literals, which inspect's parser accepts."""
    parts = ["$self"] if is_method else []
    kw = False
    for a in parse_signature(sig).arguments:
        if a.kwarg_only and not kw:
            parts.append("*")
            kw = True
        parts.append(py_name(a.name) if a.default is None else f"{py_name(a.name)}={a.default}")
    return f"{name}({', '.join(parts)})"


def _returns(s: FunctionSchema) -> str:
    if not s.returns:
        return "None"
    if len(s.returns) == 1 and s.returns[0].name is None:
        return str(s.returns[0].type).split("(")[0] + ("[]" if s.returns[0].type.is_list else "")
    return "(" + ", ".join(f"Tensor {r.name}" if r.name else "Tensor" for r in s.returns) + ")"


def variants_text(f: NativeFunction) -> str:
    """`tg.add, Tensor.add, Tensor.add_, out=` for an entry."""
    parts = []
    if "function" in f.variants:
        parts.append(f"tg.{f.name}")
    if "method" in f.variants:
        parts.append(f"Tensor.{f.name}")
    if f.inplace_schema is not None:
        parts.append(f"Tensor.{f.inplace_schema.name}")
    if f.out_schema is not None:
        parts.append("out=")
    if "cpp_method" in f.variants:
        parts.append("C++ method")
    return ", ".join(parts)


def entry_facts(f: NativeFunction, derivs: dict[str, Derivative]) -> str:
    return (f"kind: {op_kind(f)}; dtypes: {f.dtypes}; promotion: {f.promotion}; "
            f"differentiable: {_differentiable(f, derivs)}")


def binding_docstring(b, derivs: dict[str, Derivative]) -> str:
    """The docstring of one binding (gen.PyBinding): text signature, summary, overloads, entries,
    examples."""
    first = b.overloads[0]
    lines = [text_signature(b.pyname, first.signature, b.is_method), "--", ""]
    doc = first.entry.doc
    summary = doc.summary if doc else f"The op '{first.entry.name}' of native_functions.yaml."
    if first.schema.is_inplace and first.entry.name != b.pyname:
        summary = f"In-place {first.entry.name}, writing self: {summary[0].lower()}{summary[1:]}"
    lines += [summary, "", "Overloads:" if len(b.overloads) > 1 else "Signature:"]
    prefix = "Tensor." if b.is_method else "tg."
    for o in b.overloads:
        lines.append(f"    {prefix}{o.signature} -> {_returns(o.schema)}")
    lines += ["", "native_functions.yaml:"]
    entries = list({o.entry.full_name: o.entry for o in b.overloads}.values())
    for f in entries:
        lines.append(f"    {f.schema}")
        if f.doc and len(entries) > 1:
            lines.append(f"        {f.doc.summary}")
        lines.append(f"        variants: {variants_text(f)}")
        lines.append(f"        {entry_facts(f, derivs)}")
    examples = [f.doc.example for f in entries if f.doc and f.doc.example]
    if examples:
        lines += ["", "Example:" if len(examples) == 1 else "Examples:"]
        for ex in examples:
            lines += [f"    {ln}" for ln in ex.splitlines()]
    return "\n".join(lines) + "\n"


def fill_docstrings(groups, derivs: dict[str, Derivative]) -> None:
    for g in groups:
        for b in g.py_bindings:
            b.doc = binding_docstring(b, derivs)


def c_string(text: str) -> str:
    """text as adjacent C string literals, one per line (the template's `c_string` filter)."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    pieces = text.splitlines(keepends=True) or [""]
    return "\n    ".join('"' + esc(p.rstrip("\n")) + ("\\n" if p.endswith("\n") else "") + '"' for p in pieces)


# ----------------------------------------------------------------------------- docs/ops.md

# Where each dispatch key's kernels live (DESIGN.md §4): CPU kernels under aten/native/cpu, CUDA
# kernels under aten/native/cuda (each with ops/, one file per op), composites and structured
# meta functions in aten/native.
_KERNEL_DIRS = {"CPU": ("aten/native/cpu", ("*.cpp", "ops/*.cpp")),
                "CUDA": ("aten/native/cuda", ("*.cu", "ops/*.cu")),
                "Composite": ("aten/native", ("*.cpp",)), "meta": ("aten/native", ("*.cpp",))}


@lru_cache(maxsize=None)
def _sources(key: str) -> tuple[tuple[str, str], ...]:
    folder, patterns = _KERNEL_DIRS[key]
    return tuple((str(p.relative_to(REPO)), p.read_text(encoding="utf-8"))
                 for pattern in patterns for p in sorted((REPO / folder).glob(pattern)))


def kernel_files(key: str, kernel: str) -> list[str]:
    """The files that define `kernel`: a line that starts with its return type and the name (not
    a call, which is indented, nor a declaration, which ends in `);`)."""
    head = re.compile(rf"^[A-Za-z][\w:<>,&* ]*[\s&*]{re.escape(kernel)}\(.*$", re.M)
    return [path for path, text in _sources(key)
            if any(not m.group(0).rstrip().endswith(");") for m in head.finditer(text))]


def _kernel_rows(f: NativeFunction) -> list[str]:
    rows = []
    if f.kind is None and f.out_schema is not None and len(f.schema.returns) == 1:  # gen.emit_structured
        files = kernel_files("meta", f.name)
        rows.append(f"meta `{f.name}`: " + (", ".join(f"`{p}`" for p in files) or "not found"))
    for key, kernel in f.dispatch.items():
        files = kernel_files(key, kernel)
        rows.append(f"{key} `{kernel}`: " + (", ".join(f"`{p}`" for p in files) or "not found"))
    return rows


def _anchor(name: str) -> str:
    return name.lower()


def render_ops_md(functions: list[NativeFunction], derivs: dict[str, Derivative]) -> str:
    by_name: dict[str, list[NativeFunction]] = {}
    for f in functions:
        by_name.setdefault(f.name, []).append(f)
    out = ["# Op reference", "",
           "Generated from `native_functions.yaml` and `derivatives.yaml` by `python -m codegen.docs`;",
           "do not edit (tests/test_docs.py checks that it is up to date). Every op is `tg.<name>`,",
           "and a `Tensor` method where its variants say so; `help(tg.<name>)` shows the same text.",
           "",
           "*dtypes* names the set of dtypes the kernels accept: `all` (bool, uint8, int8, int16,",
           "int32, int64, float16, bfloat16, float32, float64), `numeric` (all but bool), `floating`",
           "(float16, bfloat16, float32, float64), `integral` (uint8 ... int64) and",
           "`integral_and_bool`. *differentiable*: `yes` when derivatives.yaml has a backward formula,",
           "`through the ops it calls` for a composite that autograd records op by op, `no` otherwise.",
           "",
           f"{len(by_name)} ops, {len(functions)} YAML entries.", "",
           "| op | summary | differentiable |", "|---|---|---|"]
    for name, entries in by_name.items():
        summary = next((f.doc.summary for f in entries if f.doc), "")
        diff = ", ".join(dict.fromkeys(_differentiable(f, derivs) for f in entries))
        out.append(f"| [`{name}`](#{_anchor(name)}) | {summary.replace('|', '&#124;')} | {diff} |")
    for name, entries in by_name.items():
        out += ["", f"## {name}"]
        for f in entries:
            out.append("")
            if f.doc:
                out += [f.doc.summary, ""]
            out += ["```", *(str(s) for s in f.schemas), "```", ""]
            out.append(f"- variants: {variants_text(f)}")
            out.append(f"- {entry_facts(f, derivs)}" + (f"; tags: {', '.join(f.tags)}" if f.tags else ""))
            out.append("- kernels: " + "; ".join(_kernel_rows(f)))
            if f.doc and f.doc.example:
                out += ["", "```python", *f.doc.example.splitlines(), "```"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    from codegen.derivatives import load_derivatives
    from codegen.gen import write_if_changed
    from codegen.model import CodegenError, load_native_functions
    p = argparse.ArgumentParser(prog="python -m codegen.docs", description="writes docs/ops.md from the YAML")
    p.add_argument("--out", default=str(REPO / "docs" / "ops.md"))
    p.add_argument("--check", action="store_true", help="fail if the file is not up to date")
    opts = p.parse_args(argv)
    try:
        functions = load_native_functions(REPO / "native_functions.yaml")
        text = render_ops_md(functions, load_derivatives(REPO / "derivatives.yaml", functions))
    except CodegenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    out = Path(opts.out)
    if opts.check:
        if not out.exists() or out.read_text() != text:
            print(f"{out} is out of date: run python -m codegen.docs", file=sys.stderr)
            return 1
        return 0
    print(f"{out}: {'written' if write_if_changed(out, text) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


