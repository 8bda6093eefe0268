"""Schema model and strict loader for ``native_functions.yaml`` (DESIGN.md §3).

Two layers live here:

* the *schema language* (PyTorch's, unchanged): ``parse_schema`` turns
  ``name[.overload](args) -> returns`` into frozen dataclasses whose ``str()`` re-prints the
  canonical text.  The parser insists that the source already *is* that canonical text, so
  there is exactly one way to write every schema and grepping the YAML always works.
* the *YAML loader*: ``load_native_functions`` validates every entry and derives the ``op_``
  and ``op.out`` schemas from the functional one.  Every problem is a ``CodegenError`` whose
  message starts with ``native_functions.yaml:LINE:`` and says what to write instead, because
  the person reading it is someone adding an op, not someone debugging the generator.

Nothing here knows about C++ or templates; ``gen.py`` consumes these objects.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml


class CodegenError(Exception):
    """A user-facing codegen failure; ``str(e)`` is the complete ``file:line: message``."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        if path is not None:
            message = f"{Path(path).name}:{line}: {message}" if line else f"{path}: {message}"
        super().__init__(message)


class SchemaError(Exception):
    """A schema parse error without location; the loader wraps it into a CodegenError."""


# ------------------------------------------------------------------------------------- types
BASE_TYPES = ('Tensor', 'int', 'float', 'bool', 'str', 'Scalar', 'ScalarType', 'Device', 'Generator')
LIST_ELEMENT_TYPES = frozenset({'Tensor', 'int', 'float', 'bool'})   # X[] is allowed for these
RETURN_TYPES = frozenset({'Tensor', 'int', 'float', 'bool', 'Scalar', 'ScalarType'})
# Non-None defaults a `ScalarType` argument may name (tensorgen's dtype names, as in `tg.int64`).
SCALAR_TYPE_NAMES = ('bool', 'uint8', 'int8', 'int16', 'int32', 'int64',
                     'float16', 'bfloat16', 'float32', 'float64')

_VALID_TYPES_TEXT = ("valid types: Tensor, Tensor?, Tensor(a), Tensor(a!), Tensor[], Tensor?[], int, int[], "
                     "int[N], float, float[], bool, str, Scalar, ScalarType, Device, Generator; "
                     "append '?' for an optional value (e.g. 'int?', 'int[1]?', 'Tensor(a!)?')")

_IDENT = r'[A-Za-z_][A-Za-z0-9_]*'
_TYPE_RE = re.compile(r'(?P<base>\w+)(?:\((?P<alias>[^()]*?)(?P<write>!?)\))?(?P<elem_opt>\?(?=\[))?'
                      r'(?P<list>\[(?P<size>[^\[\]]*)\])?(?P<opt>\?)?')
_INT_RE = re.compile(r'-?[0-9]+')
_FLOAT_RE = re.compile(r'-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|-?inf|nan')
_STR_RE = re.compile(r"'[^'\\]*'|\"[^\"\\]*\"")


def _did_you_mean(word: str, choices) -> str:
    # Compare case-insensitively so that 'Cpu' suggests 'CPU' and 'tensor' suggests 'Tensor'.
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""


@dataclass(frozen=True)
class Type:
    """One schema type, e.g. ``Tensor(a!)?`` or ``int[1]?``."""
    base: str
    optional: bool = False
    is_list: bool = False
    list_size: int | None = None     # int[2] -> 2 ; int[] -> None
    alias: str | None = None         # 'a' for Tensor(a) / Tensor(a!)
    is_write: bool = False           # the '!'
    elem_optional: bool = False      # Tensor?[]: a list whose elements may be None

    def __str__(self) -> str:
        text = self.base
        if self.alias is not None:
            text += f"({self.alias}{'!' if self.is_write else ''})"
        if self.elem_optional:
            text += '?'
        if self.is_list:
            text += f"[{self.list_size if self.list_size is not None else ''}]"
        return text + ('?' if self.optional else '')

    @property
    def is_tensor(self) -> bool:
        return self.base == 'Tensor' and not self.is_list

    @property
    def is_tensor_list(self) -> bool:
        """Tensor[] (every element a tensor); Tensor?[] is is_optional_tensor_list."""
        return self.base == 'Tensor' and self.is_list and not self.elem_optional

    @property
    def is_optional_tensor_list(self) -> bool:
        """Tensor?[]: PyTorch's index.Tensor(Tensor self, Tensor?[] indices), None for a whole dim."""
        return self.base == 'Tensor' and self.is_list and self.elem_optional


def parse_type(text: str) -> Type:
    """Parse one type written without spaces; raises SchemaError naming the valid types."""
    m = _TYPE_RE.fullmatch(text)
    if m is None:
        raise SchemaError(f"cannot parse type '{text}'; {_VALID_TYPES_TEXT}")
    base = m['base']
    if m['elem_opt']:
        # Tensor?[] only (PyTorch's index/index_put_ indices): one list, each element a tensor or None.
        if base != 'Tensor' or m['alias'] is not None or m['size'] or m['opt']:
            raise SchemaError(f"type '{text}': lists of optional values are only 'Tensor?[]' "
                              f"(a list whose elements may be None); write 'Tensor?[]', 'Tensor[]' or "
                              f"'Tensor[]?' (an optional list)")
    if base not in BASE_TYPES:
        raise SchemaError(f"unknown type '{base}'{_did_you_mean(base, BASE_TYPES)}; {_VALID_TYPES_TEXT}")
    alias = m['alias']
    if alias is not None:
        if base != 'Tensor':
            raise SchemaError(f"type '{text}': alias annotations like '(a)' only apply to Tensor; "
                              f"write '{base}' without it")
        if not re.fullmatch(r'[a-z][a-z0-9_]*', alias):
            raise SchemaError(f"type '{text}': alias '{alias}' must be a lowercase name; "
                              f"write 'Tensor(a)' for a view or 'Tensor(a!)' for a written tensor")
    size = None
    if m['list'] is not None:
        if base not in LIST_ELEMENT_TYPES:
            raise SchemaError(f"type '{text}': lists of {base} are not supported; lists may hold "
                              f"{', '.join(sorted(LIST_ELEMENT_TYPES))}")
        if m['size']:
            if not m['size'].isdigit() or int(m['size']) < 1:
                raise SchemaError(f"type '{text}': list size must be a positive integer, "
                                  f"e.g. 'int[2]', or empty: 'int[]'")
            if base == 'Tensor':
                raise SchemaError(f"type '{text}': Tensor lists have no fixed size; write 'Tensor[]'")
            size = int(m['size'])
    return Type(base, optional=bool(m['opt']), is_list=m['list'] is not None, list_size=size,
                alias=alias, is_write=bool(m['write']), elem_optional=bool(m['elem_opt']))


# ------------------------------------------------------------------------- arguments, returns
@dataclass(frozen=True)
class Argument:
    name: str
    type: Type
    default: str | None          # as written in the schema ('1', 'None', "'mean'", '[0,1]')
    kwarg_only: bool

    def __str__(self) -> str:
        text = f"{self.type} {self.name}"
        return text if self.default is None else f"{text}={self.default}"


@dataclass(frozen=True)
class Return:
    name: str | None
    type: Type

    def __str__(self) -> str:
        return f"{self.type} {self.name}" if self.name else str(self.type)


def _is_dunder(name: str) -> bool:
    return name.startswith('__') and name.endswith('__')


@dataclass(frozen=True)
class FunctionSchema:
    name: str
    overload: str                       # '' when none
    arguments: tuple[Argument, ...]     # positional first, then keyword-only
    returns: tuple[Return, ...]

    @property
    def full_name(self) -> str:
        return f"{self.name}.{self.overload}" if self.overload else self.name

    @property
    def positional(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if not a.kwarg_only)

    @property
    def kwarg_only(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if a.kwarg_only)

    @property
    def is_inplace(self) -> bool:
        return self.name.endswith('_') and not _is_dunder(self.name)

    @property
    def out_arguments(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.kwarg_only if a.type.is_write)

    def __str__(self) -> str:
        parts: list[str] = []
        for arg in self.arguments:
            if arg.kwarg_only and '*' not in parts:
                parts.append('*')
            parts.append(str(arg))
        if len(self.returns) == 1 and self.returns[0].name is None:
            rets = str(self.returns[0])
        else:
            rets = '(' + ', '.join(map(str, self.returns)) + ')'
        return f"{self.full_name}({', '.join(parts)}) -> {rets}"


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside (), [] or quotes (defaults like [0,1] or 'a,b')."""
    pieces, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in '\'"':
            quote = ch
        elif ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
        elif ch == ',' and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return pieces


def _matching_paren(text: str, open_idx: int) -> int:
    depth, quote = 0, None
    for i in range(open_idx, len(text)):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in '\'"':
            quote = ch
        elif ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
            if depth == 0:
                return i
    raise SchemaError("unbalanced parentheses: the argument list '(' is never closed")


# 'TYPE NAME' where the type either ends in punctuation ('int[1]?dim' still splits, so the
# canonical-form check can show the fix) or is separated from the name by whitespace.
_TYPED_NAME_RE = re.compile(rf'(.*[^\w\s]|.*\w(?=\s))\s*({_IDENT})')


def _split_type_name(piece: str, what: str) -> tuple[Type, str | None]:
    m = _TYPED_NAME_RE.fullmatch(piece)
    if m is None:
        if what == 'return':
            return parse_type(re.sub(r'\s+', '', piece)), None
        raise SchemaError(f"argument '{piece}' must be 'TYPE NAME', e.g. 'Tensor self' or 'int dim'")
    type_text, name = m[1], m[2]
    if re.search(r'\w\s+\w', type_text):
        raise SchemaError(f"{what} '{piece}': expected 'TYPE NAME' (missing comma?)")
    return parse_type(re.sub(r'\s+', '', type_text)), name


_DEFAULT_EXAMPLE = {'int': '1', 'float': '0.5', 'bool': 'False', 'str': "'mean'",
                    'Scalar': '1', 'ScalarType': 'float32'}
_LITERAL_NAME = {'int': 'an integer', 'float': 'a number', 'bool': 'True or False',
                 'str': 'a quoted string', 'Scalar': 'a number or True/False'}


def _is_literal(base: str, text: str) -> bool:
    if base == 'int':
        return bool(_INT_RE.fullmatch(text))
    if base == 'float':
        return bool(_FLOAT_RE.fullmatch(text))
    if base == 'bool':
        return text in ('True', 'False')
    if base == 'str':
        return bool(_STR_RE.fullmatch(text))
    if base == 'Scalar':   # a Python number or bool
        return bool(_FLOAT_RE.fullmatch(text)) or text in ('True', 'False')
    if base == 'ScalarType':
        return text in SCALAR_TYPE_NAMES
    return False           # Tensor, Device, Generator: only None


def _check_default(name: str, t: Type, text: str) -> str:
    """Validate a default against its type; returns the canonical spelling (lists lose spaces)."""
    d = text.strip()
    where = f"bad default for '{t} {name}'"
    if not d:
        raise SchemaError(f"{where}: '=' is not followed by a value")
    if d == 'None':
        if not t.optional:
            raise SchemaError(f"{where}: '=None' needs an optional type; write '{t}? {name}=None'")
        return d
    if t.base in ('Tensor', 'Device', 'Generator'):
        hint = f"'{t}? {name}=None'" if not t.optional else f"'{t} {name}=None'"
        raise SchemaError(f"{where}: {t.base} arguments can only default to None; write {hint}")
    if t.is_list:
        if d.startswith('[') and d.endswith(']'):
            inner = d[1:-1].strip()
            items = [x.strip() for x in inner.split(',')] if inner else []
            bad = [x for x in items if not _is_literal(t.base, x)]
            if bad:
                raise SchemaError(f"{where}: '{bad[0]}' is not {_LITERAL_NAME[t.base]}; "
                                  f"write a list like '[]' or '[{_DEFAULT_EXAMPLE[t.base]}]'")
            if t.list_size is not None and items and len(items) != t.list_size:
                raise SchemaError(f"{where}: {t.base}[{t.list_size}] needs {t.list_size} values, "
                                  f"got {len(items)}; write '[]' or a list of {t.list_size}")
            return '[' + ','.join(items) + ']'
        if t.list_size is not None and _is_literal(t.base, d):
            return d       # PyTorch allows `int[2] stride=1`, meaning [1, 1]
        single = " or a single value (for a sized list like int[2])" if t.list_size else ""
        raise SchemaError(f"{where}: '{d}' is not a list; write a list like '[]' or "
                          f"'[{_DEFAULT_EXAMPLE[t.base]}]'{single}")
    if not _is_literal(t.base, d):
        shown = d if d[0] in '\'"' else f"'{d}'"
        if t.base == 'ScalarType':
            expected = f"a dtype name, one of: {', '.join(SCALAR_TYPE_NAMES)}"
        else:
            expected = f"{_LITERAL_NAME[t.base]}, e.g. '{t} {name}={_DEFAULT_EXAMPLE[t.base]}'"
        raise SchemaError(f"{where}: {shown} is not a valid {t.base}; write {expected}")
    return d


def _parse_arguments(text: str) -> tuple[Argument, ...]:
    if not text.strip():
        return ()
    args: list[Argument] = []
    kwarg_only = False
    for piece in (p.strip() for p in _split_top(text)):
        if not piece:
            raise SchemaError("empty argument in the argument list (stray comma?)")
        if piece == '*':
            if kwarg_only:
                raise SchemaError("'*' appears twice; write it once, before the keyword-only arguments")
            kwarg_only = True
            continue
        decl, eq, default = piece.partition('=')   # types and names never contain '='
        t, name = _split_type_name(decl.strip(), 'argument')
        if any(a.name == name for a in args):
            raise SchemaError(f"argument name '{name}' is used twice; rename one of them")
        args.append(Argument(name, t, _check_default(name, t, default) if eq else None, kwarg_only))
    if kwarg_only and not any(a.kwarg_only for a in args):
        raise SchemaError("'*' must be followed by keyword-only arguments; remove the trailing '*'")
    with_default = None
    for a in args:
        if a.kwarg_only:
            break
        if a.default is not None:
            with_default = a
        elif with_default is not None:
            raise SchemaError(f"positional argument '{a.name}' has no default but follows "
                              f"'{with_default.name}', which has one; give '{a.name}' a default "
                              f"or move it after '*' (keyword-only)")
    return tuple(args)


def _parse_returns(text: str) -> tuple[Return, ...]:
    parenthesized = text.startswith('(')
    if parenthesized:
        if _matching_paren(text, 0) != len(text) - 1:
            raise SchemaError(f"cannot parse returns '{text}'; write e.g. '(Tensor values, Tensor indices)'")
        inner = text[1:-1].strip()
        pieces = [p.strip() for p in _split_top(inner)] if inner else []
    else:
        pieces = [p.strip() for p in _split_top(text)]
        if len(pieces) > 1:
            raise SchemaError(f"several returns must be parenthesized: write '-> ({text})'")
    returns: list[Return] = []
    for piece in pieces:
        if not piece:
            raise SchemaError("empty entry in the returns (stray comma?)")
        if '=' in piece:
            raise SchemaError(f"return '{piece}' cannot have a default")
        t, name = _split_type_name(piece, 'return')
        if t.optional:
            raise SchemaError(f"return type '{t}' cannot be optional; return '{replace(t, optional=False)}'")
        if t.base not in RETURN_TYPES or (t.is_list and t.base != 'Tensor'):
            raise SchemaError(f"unsupported return type '{t}'; returns may be Tensor, Tensor[], int, "
                              f"float, bool, Scalar, ScalarType, or a tuple '(Tensor a, Tensor b)'")
        if name is not None and any(r.name == name for r in returns):
            raise SchemaError(f"return name '{name}' is used twice; rename one of them")
        returns.append(Return(name, t))
    return tuple(returns)


def _check_aliases(schema: FunctionSchema) -> None:
    """Every alias a return mentions must be declared by exactly one argument, with the same '!'."""
    owners: dict[str, Argument] = {}
    for a in schema.arguments:
        if a.type.alias is not None:
            if a.type.alias in owners:
                raise SchemaError(f"alias '{a.type.alias}' is used by both '{owners[a.type.alias].name}' "
                                  f"and '{a.name}'; give each argument its own letter (a, b, ...)")
            owners[a.type.alias] = a
    for r in schema.returns:
        if r.type.alias is None:
            continue
        owner = owners.get(r.type.alias)
        if owner is None:
            raise SchemaError(f"return '{r.type}' refers to alias '{r.type.alias}', but no argument "
                              f"declares it; annotate the argument it aliases, e.g. "
                              f"'Tensor({r.type.alias}{'!' if r.type.is_write else ''}) self'")
        if owner.type.is_write != r.type.is_write:
            raise SchemaError(f"return '{r.type}' and argument '{owner.type} {owner.name}' disagree "
                              f"on '!'; a written tensor is '({r.type.alias}!)' in both places")


def parse_schema(text: str) -> FunctionSchema:
    """Parse ``name[.overload](args) -> returns``; the text must already be canonical."""
    if not isinstance(text, str) or not text.strip():
        raise SchemaError("expected a schema 'name(args) -> returns', e.g. 'neg(Tensor self) -> Tensor'")
    open_idx = text.find('(')
    if open_idx < 0:
        raise SchemaError("expected 'name(args) -> returns', e.g. 'neg(Tensor self) -> Tensor'")
    head = text[:open_idx].strip()
    m = re.fullmatch(rf'({_IDENT})(?:\.({_IDENT}))?', head)
    if m is None:
        raise SchemaError(f"bad operator name '{head}'; write 'name' or 'name.overload' "
                          f"(letters, digits and '_', not starting with a digit)")
    close_idx = _matching_paren(text, open_idx)
    rest = text[close_idx + 1:].strip()
    if not rest.startswith('->'):
        raise SchemaError("expected '-> returns' after the argument list, e.g. '-> Tensor' "
                          "('-> ()' for none)")
    ret_text = rest[2:].strip()
    if not ret_text:
        raise SchemaError("missing return type after '->'; write '-> ()' for none")
    schema = FunctionSchema(m[1], m[2] or '', _parse_arguments(text[open_idx + 1:close_idx]),
                            _parse_returns(ret_text))
    _check_aliases(schema)
    canonical = str(schema)
    if canonical != text:
        raise SchemaError(f"schema is not written in canonical form; write it as: {canonical}")
    return schema


# ------------------------------------------------------------------------ derived variants
_WRITE = Type('Tensor', alias='a', is_write=True)


def _check_derivable(s: FunctionSchema, variant: str) -> None:
    if s.is_inplace or s.out_arguments:
        kind = 'in-place' if s.is_inplace else 'an out= variant'
        raise SchemaError(f"cannot derive '{variant}' from '{s.full_name}': it is already {kind}; "
                          f"list 'inplace'/'out' on the functional op instead")
    if _is_dunder(s.name):
        raise SchemaError(f"cannot derive '{variant}' from the dunder '{s.full_name}'")


def derive_inplace_schema(s: FunctionSchema) -> FunctionSchema:
    """``add.Tensor(Tensor self, ...) -> Tensor`` -> ``add_.Tensor(Tensor(a!) self, ...) -> Tensor(a!)``."""
    _check_derivable(s, 'inplace')
    first = s.arguments[0] if s.arguments else None
    if first is None or first.kwarg_only or first.name != 'self' or first.type != Type('Tensor'):
        found = f"'{first}'" if first else 'no arguments'
        raise SchemaError(f"cannot derive 'inplace' from '{s.full_name}': it writes the first "
                          f"argument, which must be 'Tensor self' (found {found})")
    if [r.type for r in s.returns] != [Type('Tensor')]:
        raise SchemaError(f"cannot derive 'inplace' from '{s.full_name}': an in-place op returns "
                          f"self, so the functional op must return a single 'Tensor'")
    args = (replace(first, type=_WRITE),) + s.arguments[1:]
    return parse_schema(str(FunctionSchema(s.name + '_', s.overload, args, (Return(None, _WRITE),))))


def derive_out_schema(s: FunctionSchema) -> FunctionSchema:
    """Append keyword-only ``Tensor(a!) out`` (one per return for tuples) and return them."""
    _check_derivable(s, 'out')
    if not s.returns or any(r.type != Type('Tensor') for r in s.returns):
        raise SchemaError(f"cannot derive 'out' from '{s.full_name}': out= writes the results into "
                          f"tensors, so the functional op must return 'Tensor' or a tuple of 'Tensor'")
    used = {a.type.alias for a in s.arguments}
    letters = iter(c for c in 'abcdefghijklmnopqrstuvwxyz' if c not in used)
    if len(s.returns) == 1:
        names = ['out']
    else:
        names = [r.name or f'out{i}' for i, r in enumerate(s.returns)]
    out_args, out_rets = [], []
    for name, ret in zip(names, s.returns):
        if any(a.name == name for a in s.arguments):
            raise SchemaError(f"cannot derive 'out' from '{s.full_name}': the out= argument "
                              f"'{name}' would clash with an existing argument; rename that one")
        t = Type('Tensor', alias=next(letters), is_write=True)
        out_args.append(Argument(name, t, None, kwarg_only=True))
        out_rets.append(Return(ret.name if len(s.returns) > 1 else None, t))
    overload = 'out' if not s.overload else f"{s.overload}_out"
    derived = FunctionSchema(s.name, overload, s.arguments + tuple(out_args), tuple(out_rets))
    return parse_schema(str(derived))


# ----------------------------------------------------------------------------- YAML entries
VALID_KEYS = {'func', 'variants', 'kind', 'dispatch', 'promotion', 'dtypes', 'tags', 'doc'}
KINDS = {'pointwise', 'reduction', 'scan', 'view', 'composite'}
VARIANTS = {'function', 'method', 'inplace', 'out', 'cpp_method'}
DISPATCH_KEYS = {'CPU', 'CUDA', 'Composite'}
PROMOTIONS = {'default', 'int_to_float', 'always_bool', 'keep', 'keep_both', 'sum', 'floating_only', 'index',
              'where'}
DTYPE_SETS = {'all', 'numeric', 'floating', 'integral', 'integral_and_bool'}

# Kernel names become C++ function names; keywords would compile into nonsense.
_CPP_KEYWORDS = frozenset(
    'alignas alignof and asm auto bool break case catch char class const constexpr const_cast '
    'continue decltype default delete do double dynamic_cast else enum explicit extern false '
    'float for friend goto if inline int long mutable namespace new noexcept not nullptr operator '
    'or private protected public register reinterpret_cast return short signed sizeof static '
    'static_assert static_cast struct switch template this throw true try typedef typeid '
    'typename union unsigned using virtual void volatile while xor'.split())


@dataclass(frozen=True)
class Doc:
    """An entry's ``doc:`` text: a one-line summary and an optional doctest example.

    Grammar (a YAML block scalar; the loader's errors name the offending line)::

        doc: |
          Adds other, scaled by alpha, to input.
          >>> tg.add(tg.tensor([1., 2.]), tg.tensor([3., 4.]), alpha=2)
          tensor([ 7., 10.])

    * line 1, the summary: one sentence ending in '.', at most ``DOC_SUMMARY_MAX`` characters;
    * then, optionally, the example: one or more ``>>> `` statements (``... `` continues one),
      each followed by the lines it prints (repr of the result, as in a Python session; none for
      a statement that prints nothing). ``tg`` is ``import tensorgen as tg``. The test suite runs
      every example as a doctest, so outputs must be deterministic.
    """
    summary: str
    example: str         # the doctest text, '' when the entry has none


DOC_SUMMARY_MAX = 120


@dataclass
class NativeFunction:
    """One YAML entry, validated, with its derived in-place and out= schemas."""
    schema: FunctionSchema
    variants: frozenset[str]
    kind: str | None
    dispatch: dict[str, str]
    promotion: str
    dtypes: str
    tags: tuple[str, ...]
    line: int
    inplace_schema: FunctionSchema | None
    out_schema: FunctionSchema | None
    doc: Doc | None = None

    @property
    def name(self) -> str:
        return self.schema.name

    @property
    def full_name(self) -> str:
        return self.schema.full_name

    @property
    def schemas(self) -> tuple[FunctionSchema, ...]:
        """The written schema followed by the derived in-place and out= ones that exist."""
        return tuple(s for s in (self.schema, self.inplace_schema, self.out_schema) if s is not None)


_NULL_TAG = 'tag:yaml.org,2002:null'


class _Loader:
    """Validates entries one by one; ``fail`` raises with the file name and a line."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, node_or_line, message: str):
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.start_mark.line + 1
        raise CodegenError(message, self.path, line)

    def scalar(self, node, key: str, op: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            kind = 'list' if isinstance(node, yaml.SequenceNode) else 'mapping'
            self.fail(node, f"{op}'{key}' must be a single value, not a {kind}")
        if node.tag == _NULL_TAG or not node.value.strip():
            self.fail(node, f"{op}'{key}' has no value; give one or remove the key")
        return node.value.strip()

    def choice(self, node, key: str, allowed: set[str], op: str) -> str:
        value = self.scalar(node, key, op)
        if value not in allowed:
            self.fail(node, f"{op}unknown {key} '{value}'{_did_you_mean(value, allowed)}; "
                            f"valid values: {', '.join(sorted(allowed))}")
        return value

    def name_list(self, node, key: str, op: str) -> list[str]:
        """A comma list string ('function, method') or a YAML list of plain values."""
        if isinstance(node, yaml.SequenceNode):
            items = [self.scalar(item, key, op) for item in node.value]
        else:
            items = [x.strip() for x in self.scalar(node, key, op).split(',')]
        if not items or '' in items:
            self.fail(node, f"{op}'{key}' has an empty item; write e.g. '{key}: a, b'")
        dupes = sorted({x for x in items if items.count(x) > 1})
        if dupes:
            self.fail(node, f"{op}'{key}' lists '{dupes[0]}' twice; list it once")
        return items

    def mapping(self, node, what: str) -> dict[str, tuple]:
        """Mapping node -> {key: (key_node, value_node)}, rejecting duplicate keys."""
        fields: dict[str, tuple] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                self.fail(knode, f"{what} keys must be plain names")
            if knode.value in fields:
                first = fields[knode.value][0].start_mark.line + 1
                self.fail(knode, f"key '{knode.value}' appears twice in {what} (first at line "
                                 f"{first}); keep one")
            fields[knode.value] = (knode, vnode)
        return fields

    def dispatch(self, node, op: str) -> dict[str, str]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{op}'dispatch' must be a mapping from dispatch key to kernel name, "
                            f"e.g. 'dispatch: {{CPU: my_kernel}}'")
        result = {}
        for key, (knode, vnode) in self.mapping(node, 'dispatch').items():
            if key not in DISPATCH_KEYS:
                self.fail(knode, f"{op}unknown dispatch key '{key}'{_did_you_mean(key, DISPATCH_KEYS)}; "
                                 f"valid keys: {', '.join(sorted(DISPATCH_KEYS))}")
            value = vnode.value.strip() if isinstance(vnode, yaml.ScalarNode) else None
            if isinstance(vnode, yaml.ScalarNode) and (vnode.tag == _NULL_TAG or not value):
                self.fail(vnode, f"{op}dispatch names no kernel for '{key}'; write '{key}: <kernel "
                                 f"function name>', e.g. '{key}: my_kernel'")
            if value is None or not re.fullmatch(_IDENT, value) or value in _CPP_KEYWORDS:
                shown = value if value is not None else 'a list or mapping'
                self.fail(vnode, f"{op}dispatch {key}: '{shown}' is not a C++ identifier; write the "
                                 f"kernel's function name, e.g. '{key}: my_kernel'")
            result[key] = value
        if not result:
            self.fail(node, f"{op}dispatch names no kernel; write e.g. 'dispatch: {{CPU: my_kernel}}'")
        return result

    def entry(self, node) -> tuple[NativeFunction, dict]:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "each entry must be a mapping that starts with 'func:', e.g. "
                            "'- func: neg(Tensor self) -> Tensor'")
        fields = self.mapping(node, 'this entry')
        fnode = fields.get('func', (None, None))[1]
        label = f"'{fnode.value.split('(')[0].strip()}': " if isinstance(fnode, yaml.ScalarNode) \
            and fnode.value.strip() else ''   # name the op even before its schema is parsed
        for key, (knode, _) in fields.items():
            if key not in VALID_KEYS:
                self.fail(knode, f"{label}unknown key '{key}'{_did_you_mean(key, VALID_KEYS)}; "
                                 f"valid keys: {', '.join(sorted(VALID_KEYS))}")
        if 'func' not in fields:
            self.fail(line, "entry has no 'func:'; every entry starts with "
                            "'- func: name(args) -> returns'")
        text = self.scalar(fnode, 'func', '')
        try:
            schema = parse_schema(text)
        except SchemaError as e:
            self.fail(fnode, f"in schema '{text}': {e}")
        op = f"'{schema.full_name}': "
        value = {key: v for key, (_, v) in fields.items()}

        variants = frozenset(self.name_list(value['variants'], 'variants', op)) \
            if 'variants' in value else frozenset({'function'})
        for v in variants - VARIANTS:
            self.fail(value['variants'], f"{op}unknown variant '{v}'{_did_you_mean(v, VARIANTS)}; "
                                         f"valid variants: {', '.join(sorted(VARIANTS))}")
        kind = self.choice(value['kind'], 'kind', KINDS, op) if 'kind' in value else None
        promotion = self.choice(value['promotion'], 'promotion', PROMOTIONS, op) \
            if 'promotion' in value else 'default'
        dtypes = self.choice(value['dtypes'], 'dtypes', DTYPE_SETS, op) if 'dtypes' in value else 'all'
        tags = tuple(self.name_list(value['tags'], 'tags', op)) if 'tags' in value else ()
        for tag in tags:
            if not re.fullmatch(_IDENT, tag):
                self.fail(value['tags'], f"{op}tag '{tag}' must be an identifier like 'core'")

        self.check_writes(schema, fnode, op)
        dispatch = self.check_dispatch(schema, kind, value.get('dispatch'), line, op)

        vnode = value.get('variants', line)
        first = schema.arguments[0] if schema.arguments else None
        for v in sorted(variants & {'method', 'inplace'}):
            if first is None or first.kwarg_only or not first.type.is_tensor or first.type.optional:
                found = f"'{first}'" if first else 'no arguments'
                self.fail(vnode, f"{op}variant '{v}' needs a Tensor first argument, but the op "
                                 f"starts with {found}; remove '{v}' from variants")
        if 'method' in variants and not any(a.name == 'self' and a.type.is_tensor
                                            for a in schema.positional):
            self.fail(vnode, f"{op}variant 'method' binds the argument named 'self'; name the "
                             f"tensor argument 'self' or remove 'method'")
        if kind == 'view' and not any(r.type.alias for r in schema.returns):
            self.fail(value['kind'], f"{op}a kind 'view' result shares storage with its input; say "
                                     f"so with an alias, e.g. 'view(Tensor(a) self, int[] size) "
                                     f"-> Tensor(a)'")
        if kind == 'view' and variants & {'inplace', 'out'}:
            self.fail(vnode, f"{op}kind 'view' ops share storage with self and run no kernel, so "
                             f"they cannot have 'inplace'/'out' variants; remove them")
        derived = {}
        for v, derive in (('inplace', derive_inplace_schema), ('out', derive_out_schema)):
            if v in variants:
                try:
                    derived[v] = derive(schema)
                except SchemaError as e:
                    self.fail(vnode, f"'variants: {v}': {e}")
        doc = self.doc(value['doc'], op) if 'doc' in value else None
        nf = NativeFunction(schema, variants, kind, dispatch, promotion, dtypes, tags, line,
                            derived.get('inplace'), derived.get('out'), doc)
        return nf, derived

    def doc(self, node, op: str) -> Doc:
        """Parses ``doc:`` (grammar: Doc). A block scalar (``doc: |``) starts on the next line, so
        its line i is the file's line start + 1 + i; a one-line value is on the key's line."""
        text = self.scalar(node, 'doc', op)
        lines = [ln.rstrip() for ln in text.split('\n')]
        first = node.start_mark.line + 1 + (1 if node.style in ('|', '>') else 0)

        def fail(i: int, message: str):
            self.fail(first + i, f"{op}doc: {message}")

        summary = lines[0].strip()
        if summary.startswith('>>>'):
            fail(0, "the first line is the summary, one sentence; write it before the '>>>' example")
        if len(summary) > DOC_SUMMARY_MAX:
            fail(0, f"the summary has {len(summary)} characters; keep it to one line of at most "
                    f"{DOC_SUMMARY_MAX}")
        if not summary.endswith('.'):
            fail(0, f"the summary '{summary}' must be one sentence ending in '.'")
        rest = lines[1:]
        while rest and not rest[-1].strip():
            rest.pop()
        if rest and not rest[0].startswith('>>>'):
            fail(1, f"after the one-line summary comes only the example, starting with '>>> '; got "
                    f"'{rest[0].strip()}' (keep the text to one line)")
        for i, ln in enumerate(rest, start=1):
            if not ln.strip():
                fail(i, "blank line inside the example; doctest would end the example there")
            if ln.startswith('>>>') and not ln.startswith('>>> '):
                fail(i, "write '>>> ' (with a space) before each statement")
            if ln.startswith('...') and not ln.startswith('... ') and ln != '...':
                fail(i, "write '... ' (with a space) before each continuation line")
        return Doc(summary, '\n'.join(rest))

    def check_writes(self, schema: FunctionSchema, fnode, op: str) -> None:
        """Only `self` of an in-place op and keyword-only out= arguments may be written, and the
        Tensor[] arguments of an in-place op that returns nothing (the fused multi-tensor
        optimizer steps: `_fused_sgd_(Tensor(a!)[] params, ...) -> ()`)."""
        list_op = schema.is_inplace and not schema.returns
        for i, a in enumerate(schema.arguments):
            if a.type.is_tensor_list and list_op:
                continue
            if a.type.is_write and not a.kwarg_only and not (i == 0 and a.name == 'self'):
                plain = replace(a.type, alias=None, is_write=False)
                self.fail(fnode, f"{op}argument '{a.type} {a.name}' is marked written ('!'), but only "
                                 f"the first argument 'self' of an in-place op or keyword-only out= "
                                 f"arguments may be written; write '{plain} {a.name}' or move it after '*'")
        first = schema.arguments[0] if schema.arguments else None
        writes_self = first is not None and not first.kwarg_only and first.type.is_write
        if schema.is_inplace and not writes_self:
            self.fail(fnode, f"{op}a name ending in '_' means in-place: take 'Tensor(a!) self' first "
                             f"and return 'Tensor(a!)', or declare the functional op "
                             f"'{schema.name[:-1]}' with 'variants: inplace' instead")
        if writes_self and not schema.is_inplace and not _is_dunder(schema.name):
            self.fail(fnode, f"{op}the op writes 'self', so it is in-place and its name must end "
                             f"in '_': write '{schema.name}_'")

    def check_dispatch(self, schema, kind, node, line: int, op: str) -> dict[str, str]:
        """Every op names its kernel; Composite exactly for ops built from other ops."""
        needs_composite = kind in ('view', 'composite')
        if node is None:
            example = (f"{{Composite: {schema.name}}}" if needs_composite
                       else f"{{CPU: {schema.name}_kernel}}")
            self.fail(line, f"{op}no 'dispatch'; every op must name its kernel: add "
                            f"'dispatch: {example}'")
        dispatch = self.dispatch(node, op)
        if 'Composite' in dispatch and len(dispatch) > 1:
            self.fail(node, f"{op}'Composite' runs the same C++ on every device and cannot be "
                            f"combined with {', '.join(k for k in sorted(dispatch) if k != 'Composite')}; "
                            f"keep only one")
        if needs_composite and 'Composite' not in dispatch:
            self.fail(node, f"{op}kind '{kind}' ops are written from other ops and need "
                            f"'dispatch: {{Composite: <function>}}' instead of "
                            f"{', '.join(sorted(dispatch))}")
        if kind in ('pointwise', 'reduction', 'scan') and 'Composite' in dispatch:
            self.fail(node, f"{op}kind '{kind}' ops run device kernels; use 'dispatch: {{CPU: ...}}' "
                            f"(and CUDA), or make it 'kind: composite'")
        if 'Composite' not in dispatch and 'CPU' not in dispatch:
            self.fail(node, f"{op}dispatch has no CPU kernel; add 'CPU: <kernel>' (CUDA is optional "
                            f"and only built when nvcc is found)")
        return dispatch


def load_native_functions(path: str | Path) -> list[NativeFunction]:
    """Load and validate ``native_functions.yaml``; raises CodegenError naming file:line."""
    path = Path(path)
    try:
        text = path.read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as e:
        raise CodegenError(f"cannot read {path}: {e}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        context = f" ({e.context})" if e.context else ""
        raise CodegenError(f"YAML syntax error: {e.problem}{context}; check the indentation, and "
                           f"quote values that contain ': ' or ' #'",
                           path, mark.line + 1 if mark else 1) from None
    except yaml.YAMLError as e:
        raise CodegenError(f"YAML error: {e}", path, 1) from None
    loader = _Loader(path)
    if root is None:
        loader.fail(1, "the file has no entries; expected a list like '- func: neg(Tensor self) -> Tensor'")
    if not isinstance(root, yaml.SequenceNode):
        loader.fail(root, "the top level must be a list of entries, each starting with "
                          "'- func: name(args) -> returns'")

    functions: list[NativeFunction] = []
    seen: dict[str, tuple[int, str]] = {}   # full_name -> (line, how it was defined)
    for node in root.value:
        nf, derived = loader.entry(node)
        op = f"'{nf.full_name}': "
        if nf.full_name in seen:
            first_line, origin = seen[nf.full_name]
            if origin:
                loader.fail(nf.line, f"duplicate overload '{nf.full_name}': line {first_line} already "
                                     f"derives it ({origin}); remove this entry or that variant")
            loader.fail(nf.line, f"duplicate overload '{nf.full_name}': already defined at line "
                                 f"{first_line}; give one of them another overload name, e.g. "
                                 f"'{nf.name}.Scalar'")
        seen[nf.full_name] = (nf.line, '')
        for variant, schema in derived.items():
            if schema.full_name in seen:
                first_line, origin = seen[schema.full_name]
                how = f"derived at line {first_line} ({origin})" if origin \
                    else f"defined at line {first_line}"
                loader.fail(nf.line, f"{op}'variants: {variant}' derives '{schema}', but "
                                     f"'{schema.full_name}' is already {how}; remove '{variant}' "
                                     f"from variants or remove that entry")
            seen[schema.full_name] = (nf.line, f"'variants: {variant}' of '{nf.full_name}'")
        functions.append(nf)
    return functions
