"""Docs (issue 13, item 3): the `doc:` key of native_functions.yaml (grammar and errors), the
docstrings generated from it for every binding (help(), text signatures), every entry's example
run as a doctest, docs/ops.md generated from the YAML and up to date, and the user guide built
with `mkdocs build --strict`.
"""
import ast
import dataclasses
import doctest
import pydoc
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tensorgen as tg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from codegen import docs  # noqa: E402
from codegen.derivatives import load_derivatives  # noqa: E402
from codegen.gen import build_groups, render  # noqa: E402
from codegen.model import CodegenError, Doc, load_native_functions  # noqa: E402

FUNCTIONS = load_native_functions(REPO / "native_functions.yaml")
DERIVS = load_derivatives(REPO / "derivatives.yaml", FUNCTIONS)


# ----------------------------------------------------------------------------- the doc: grammar

ENTRY = "- func: neg(Tensor self) -> Tensor\n  kind: pointwise\n  dispatch: {CPU: neg_kernel}\n"


def _load(tmp_path, doc_yaml: str):
    path = tmp_path / "native_functions.yaml"
    path.write_text(ENTRY + doc_yaml)
    return load_native_functions(path)


def test_doc_summary_and_example_are_parsed(tmp_path):
    (f,) = _load(tmp_path, "  doc: |\n    Negates.\n    >>> x = 1\n    >>> -x\n    -1\n")
    assert f.doc == Doc("Negates.", ">>> x = 1\n>>> -x\n-1")
    (f,) = _load(tmp_path, "  doc: Negates.\n")            # a one-line value: summary only
    assert f.doc == Doc("Negates.", "")
    (f,) = _load(tmp_path, "")
    assert f.doc is None                                     # the key is optional


@pytest.mark.parametrize("doc_yaml, line, fragment", [
    ("  doc: |\n    Negates\n", 5, "must be one sentence ending in '.'"),
    ("  doc: |\n    " + "x" * 130 + ".\n", 5, "keep it to one line of at most 120"),
    ("  doc: |\n    >>> tg.neg(x)\n", 5, "the first line is the summary"),
    ("  doc: |\n    Negates.\n    More text.\n", 6, "after the one-line summary comes only the example"),
    ("  doc: |\n    Negates.\n    >>> a\n\n    >>> b\n", 7, "blank line inside the example"),
    ("  doc: |\n    Negates.\n    >>>a\n", 6, "write '>>> ' (with a space)"),
    ("  doc: |\n    Negates.\n    >>> f(\n    ...x)\n", 7, "write '... ' (with a space)"),
    ("  doc: [Negates.]\n", 4, "'doc' must be a single value, not a list"),
    ("  doc:\n", 4, "'doc' has no value"),
    ("  doc: No period\n", 4, "must be one sentence ending in '.'"),
])
def test_malformed_doc_names_file_and_line(tmp_path, doc_yaml, line, fragment):
    with pytest.raises(CodegenError) as info:
        _load(tmp_path, doc_yaml)
    message = str(info.value)
    assert message.startswith(f"native_functions.yaml:{line}: 'neg': "), message
    assert fragment in message, message


def test_every_entry_has_a_summary_and_an_example():
    missing = [f"native_functions.yaml:{f.line}: {f.full_name}" for f in FUNCTIONS if f.doc is None or not f.doc.example]
    assert not missing, "entries without doc: (or without an example):\n" + "\n".join(missing)


# ----------------------------------------------------------------------------- generated docstrings

@pytest.fixture(scope="module")
def groups():
    groups = build_groups(FUNCTIONS, DERIVS)
    docs.fill_docstrings(groups, DERIVS)
    return groups


def _binding(f):
    """The binding whose docstring shows entry f: tg.<name>, else Tensor.<name>."""
    if "function" in f.variants:
        return getattr(tg._C, f.name)
    return getattr(tg._C.TensorBase, f.name)


def test_docstrings_start_with_a_parsable_text_signature(groups):
    """CPython's form `name(params)\\n--\\n\\n`; the parameter list must be valid Python with
    literal defaults, or inspect.signature() gives up (checked here without a build)."""
    for g in groups:
        for b in g.py_bindings:
            head, sep, _ = b.doc.partition("\n--\n\n")
            assert sep and head.startswith(b.pyname + "("), b.pyname
            params = head[len(b.pyname):].replace("$self", "self")
            fn = ast.parse(f"def f{params}: pass").body[0]
            for d in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]:
                ast.literal_eval(d)


def test_a_doc_edit_changes_only_that_ops_binding_source():
    """Docstrings live in the op's own python/py_<name>.cpp (not in registry.cpp or a header), so
    editing one `doc:` recompiles one file."""
    before = render(FUNCTIONS, DERIVS)
    edited = [dataclasses.replace(f, doc=Doc("Adds, differently.", f.doc.example)) if f.full_name == "add" else f
              for f in FUNCTIONS]
    after = render(edited, DERIVS)
    assert sorted(name for name in before if before[name] != after[name]) == ["python/py_add.cpp"]


def test_help_shows_the_generated_docstrings(groups):
    for g in groups:
        for b in g.py_bindings:
            fn = getattr(tg._C.TensorBase if b.is_method else tg._C, b.pyname)
            assert fn.__doc__ == b.doc.partition("\n--\n\n")[2], b.pyname
    text = pydoc.render_doc(tg.add, renderer=pydoc.plaintext)
    assert "add(input, other, *, alpha=1, out=None)" in text
    assert "Adds other, scaled by alpha, to input." in text
    assert ">>> tg.add(tg.tensor([1., 2.]), tg.tensor([3., 4.]), alpha=2)" in text
    assert "differentiable: yes" in text
    method = pydoc.render_doc(tg.Tensor.add_, renderer=pydoc.plaintext)
    assert "add_(self, /, other, *, alpha=1)" in method and "In-place add" in method


@pytest.mark.parametrize("f", FUNCTIONS, ids=[f.full_name for f in FUNCTIONS])
def test_doc_example_runs_as_a_doctest(f):
    """The example of every entry, as help() shows it, gives the output written in the YAML."""
    docstring = _binding(f).__doc__
    example = f.doc.example
    assert "\n".join("    " + line for line in example.splitlines()) in docstring
    test = doctest.DocTestParser().get_doctest(example, {"tg": tg}, f.full_name, "native_functions.yaml", f.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out: list[str] = []
    rng = tg.get_rng_state()   # the random ops' examples must not move other tests' random streams
    try:
        runner.run(test, out=out.append)
    finally:
        tg.set_rng_state(rng)
    assert runner.failures == 0 and test.examples, "".join(out)


# ----------------------------------------------------------------------------- docs/ops.md, mkdocs

def test_ops_md_is_generated_from_the_yaml_and_up_to_date():
    text = docs.render_ops_md(FUNCTIONS, DERIVS)
    assert (REPO / "docs" / "ops.md").read_text() == text, "docs/ops.md is stale: run python -m codegen.docs"
    for f in FUNCTIONS:
        assert f"\n{f.schema}\n" in text
    assert "not found" not in text, "an op's kernel file was not found"
    assert "CPU `add_kernel`: `aten/native/cpu/BinaryOpsKernel.cpp`" in text
    assert "CUDA `add_kernel`: `aten/native/cuda/BinaryOps.cu`" in text


def test_ops_md_check_command(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "codegen.docs", "--check"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    stale = tmp_path / "ops.md"
    stale.write_text("old\n")
    proc = subprocess.run([sys.executable, "-m", "codegen.docs", "--check", "--out", str(stale)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "out of date" in proc.stderr


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (mkdocs-material is in the [test] extra)")
    pytest.importorskip("material", reason="mkdocs-material is not installed (it is in the [test] extra)")
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"),
                           "-d", str(site)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in ("index.html", "ops/index.html", "porting/index.html", "adding-an-op/index.html"):
        assert (site / page).is_file(), page
    assert "logaddexp" in (site / "ops" / "index.html").read_text()
    shutil.rmtree(site)
