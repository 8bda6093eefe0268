"""Typing (issue 13, item 2): the PEP 561 marker, the stubs generated from the YAML
(codegen/stubs.py -> tensorgen/_C.pyi), `mypy --strict` over the examples and over a generated
file that calls every op, and inspect.signature() of the generated bindings.

mypy reads tensorgen the way it reads an installed package (its annotations are used, errors
inside its own modules are not reported); the stub itself, the examples and the calls file are
checked strictly. The mypy tests skip only when mypy is not installed (`pip install ".[test]"`
brings it).
"""
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tensorgen as tg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from codegen import docs, stubs  # noqa: E402
from codegen.derivatives import load_derivatives  # noqa: E402
from codegen.gen import build_groups, render  # noqa: E402
from codegen.model import load_native_functions  # noqa: E402

PACKAGE = Path(tg.__file__).resolve().parent


@pytest.fixture(scope="module")
def yaml():
    functions = load_native_functions(REPO / "native_functions.yaml")
    derivs = load_derivatives(REPO / "derivatives.yaml", functions)
    return functions, derivs


@pytest.fixture(scope="module")
def groups(yaml):
    functions, derivs = yaml
    groups = build_groups(functions, derivs)
    docs.fill_docstrings(groups, derivs)
    return groups


def test_py_typed_marker_ships_with_the_package():
    assert (PACKAGE / "py.typed").is_file()


def test_installed_stub_is_the_one_generated_from_the_yaml(yaml):
    stub = PACKAGE / "_C.pyi"
    assert stub.is_file(), f"{stub} is missing: the build copies (dev) or installs (pip) build/generated/_C.pyi"
    assert stub.read_text() == render(*yaml)["_C.pyi"], "the installed _C.pyi is stale: rebuild"


def test_stub_declares_every_binding(groups):
    text = (PACKAGE / "_C.pyi").read_text()
    for g in groups:
        for b in g.py_bindings:
            indent = "    " if b.is_method else ""
            assert f"\n{indent}def {b.pyname}(" in text, b.pyname


def test_stub_types_follow_the_schema():
    text = (PACKAGE / "_C.pyi").read_text()
    # keyword-only alpha, out=, numbers for tensors in pointwise ops
    assert ("def add(input: Tensor | _Number, other: Tensor | _Number, *, alpha: _Number = ..., "
            "out: Tensor | None = ...) -> Tensor: ...") in text
    # overloads, named tuples, int[1]? dims, keyword-only dtype
    assert "@overload\ndef max(input: Tensor, dim: builtins.int, keepdim: builtins.bool = ..., *, " \
           "out: Sequence[Tensor] | None = ...) -> _ret_max_dim: ..." in text
    assert "class _ret_max_dim(NamedTuple):\n    values: Tensor\n    indices: Tensor" in text
    assert ("    def sum(self, dim: builtins.int | Sequence[builtins.int] | None = ..., keepdim: builtins.bool = ..., "
            "*, dtype: _DType | None = ...) -> Tensor: ...") in text
    # varargs sizes, requires_grad= on factories, Tensor[] results, `-> ()`
    assert "def zeros(*size: builtins.int, dtype: _DType | None = ..., device: _Device | None = ..., " \
           "requires_grad: builtins.bool = ...) -> Tensor: ..." in text
    assert "def split(input: Tensor, split_size: builtins.int, dim: builtins.int = ...) -> tuple[Tensor, ...]: ..." \
        in text
    assert "def _fused_sgd_(" in text and ") -> None: ..." in text.split("def _fused_sgd_(")[1].split("\n")[0]
    # a parameter named like a Python keyword
    assert "def random_(self, from_: builtins.int, to: builtins.int | None, *, generator: Generator | None = ...)" \
        in text


def test_python_overrides_list_matches_the_package(groups):
    """stubs.PYTHON_OVERRIDES names exactly the generated functions that tensorgen/__init__.py
    replaces with a Python front end (the stub leaves them out of _C's __all__)."""
    generated = {b.pyname for g in groups for b in g.py_bindings if not b.is_method and not b.pyname.startswith("_")}
    replaced = {name for name in generated if getattr(tg, name) is not getattr(tg._C, name)}
    assert replaced == stubs.PYTHON_OVERRIDES


# ----------------------------------------------------------------------------- mypy --strict

def _mypy(tmp_path: Path, files: list[str]) -> subprocess.CompletedProcess:
    pytest.importorskip("mypy", reason="mypy is not installed (it is in the [test] extra)")
    # tensorgen from the source tree (PYTHONPATH=python, dev build) is found through mypy_path;
    # an installed one through site-packages, like any PEP 561 package.
    in_tree = PACKAGE.parent == REPO / "python"
    config = tmp_path / "mypy.ini"
    config.write_text(textwrap.dedent(f"""\
        [mypy]
        python_version = 3.10
        cache_dir = {tmp_path / 'cache'}
        {'mypy_path = ' + str(PACKAGE.parent) if in_tree else ''}

        [mypy-tensorgen,tensorgen.*]
        follow_imports = silent

        [mypy-sklearn.*,tqdm.*,mpi4py.*]
        ignore_missing_imports = True
        """))
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--config-file", str(config), *files],
                          capture_output=True, text=True, cwd=tmp_path, timeout=900)


def test_mypy_strict_passes_on_the_stub_the_examples_and_every_op(tmp_path, groups):
    calls = tmp_path / "every_op.py"
    calls.write_text(stubs.render_calls(groups))
    # A file with known mistakes: the check must catch them, or it proves nothing.
    bad = tmp_path / "mistakes.py"
    bad.write_text(textwrap.dedent("""\
        import tensorgen as tg
        x = tg.zeros(2)
        a: int = tg.add(x, x)
        b = tg.add(x, "1")
        c = tg.sum(x, dtype="float32")
        d = x.view(2.5)
        e: tg.Tensor = tg.max(x, 0)
        f = tg.nn.Linear(2, 3)(x).no_such_method()
        """))
    examples = sorted(str(p) for p in (REPO / "examples").glob("*.py"))
    # The stub itself is checked as a file only from the source tree: passed by path from an
    # installed package, it would make site-packages a source root (and every module there
    # "shadows" itself). Installed, mypy reads it as the PEP 561 package the calls import.
    stub = [str(PACKAGE / "_C.pyi")] if PACKAGE.parent == REPO / "python" else []
    proc = _mypy(tmp_path, [*stub, *examples, str(calls), str(bad)])
    out = proc.stdout + proc.stderr
    errors = [line for line in out.splitlines() if ": error:" in line]
    others = [line for line in errors if not line.startswith("mistakes.py")]
    assert not others, "\n".join(others)
    lines = sorted({int(line.split(":")[1]) for line in errors})
    # line 8: a Module call is typed Any (as in PyTorch), so no error there
    assert lines == [3, 4, 5, 6, 7], out
    assert calls.read_text().count("\n    r") > 1000   # every overload, twice


# ----------------------------------------------------------------------------- inspect.signature

def test_inspect_signature_of_functions_and_methods():
    sig = inspect.signature(tg.add)
    assert str(sig) == "(input, other, *, alpha=1, out=None)"
    assert sig.parameters["alpha"].kind is inspect.Parameter.KEYWORD_ONLY
    assert str(inspect.signature(tg.Tensor.sum)) == "(self, /, dim=None, keepdim=False, *, dtype=None)"
    assert str(inspect.signature(tg.zeros(1).sum)) == "(dim=None, keepdim=False, *, dtype=None)"
    assert str(inspect.signature(tg.zeros)) == "(size, *, dtype=None, device=None, requires_grad=False)"
    assert str(inspect.signature(tg.Tensor.random_)) == "(self, /, from_, to, *, generator=None)"


def test_every_generated_binding_has_a_text_signature(groups):
    """For each binding, inspect.signature() gives the parameters of its primary overload."""
    for g in groups:
        for b in g.py_bindings:
            fn = getattr(tg._C.TensorBase if b.is_method else tg._C, b.pyname)
            params = [p for p in inspect.signature(fn).parameters]
            expected = [docs.py_name(a.name) for a in docs.parse_signature(b.overloads[0].signature).arguments]
            assert params == (["self"] if b.is_method else []) + expected, b.pyname
