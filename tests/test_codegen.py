"""Tests for codegen/model.py: the schema language, derived variants and the strict YAML loader.

No build is needed: these import the codegen package straight from the repository.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from codegen.model import (  # noqa: E402
    DISPATCH_KEYS, DTYPE_SETS, KINDS, PROMOTIONS, VALID_KEYS, VARIANTS, Argument, CodegenError,
    FunctionSchema, NativeFunction, Return, SchemaError, Type, derive_inplace_schema,
    derive_out_schema, load_native_functions, parse_schema, parse_type)

# ----------------------------------------------------------------------------- round trips
ROUND_TRIPS = [
    # the examples of DESIGN.md §3 and the codegen brief
    'add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor',
    'sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor',
    'max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)',
    'view(Tensor(a) self, int[] size) -> Tensor(a)',
    'fill_(Tensor(a!) self, Scalar value) -> Tensor(a!)',
    'rand(int[] size, *, Generator? generator=None, ScalarType? dtype=None, Device? device=None) -> Tensor',
    'div(Tensor self, Tensor other, *, str? rounding_mode=None) -> Tensor',
    'allclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, bool equal_nan=False) -> bool',
    'add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)',
    'mul.Tensor(Tensor self, Tensor other) -> Tensor',
    'sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor',
    # more types and defaults
    'neg(Tensor self) -> Tensor',
    'cat(Tensor[] tensors, int dim=0) -> Tensor',
    'stack(Tensor[] tensors, int dim=0, *, Tensor(a!) out) -> Tensor(a!)',
    'conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, '
    'int[2] dilation=1, int groups=1) -> Tensor',
    'pool(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=[0,1]) -> Tensor',
    'permute(Tensor(a) self, int[] dims=[0,1]) -> Tensor(a)',
    "mse_loss(Tensor self, Tensor target, str reduction='mean') -> Tensor",
    'mse_loss2(Tensor self, Tensor target, str reduction="mean") -> Tensor',
    'clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor',
    'clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor',
    'softmax(Tensor self, int dim, ScalarType? dtype=None) -> Tensor',
    'to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, bool copy=False) -> Tensor(a)',
    'randint(int low, int high, int[] size, *, ScalarType? dtype=int64) -> Tensor',
    'normal_(Tensor(a!) self, float mean=0, float std=1, *, Generator? generator=None) -> Tensor(a!)',
    'leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor',
    'threshold(Tensor self, Scalar threshold, Scalar value=-1.5e+10) -> Tensor',
    'nan_to_num(Tensor self, float? nan=None, float? posinf=inf, float? neginf=-inf) -> Tensor',
    'where.Scalar(Tensor condition, Scalar self, Scalar other=True) -> Tensor',
    'slice(Tensor(a) self, int dim=0, int? start=None, int? end=None, int step=1) -> Tensor(a)',
    'flatten(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)',
    'scale(Tensor self, float[] factors=[0.5,2.0], bool[2] mask=[True,False]) -> Tensor',
    'upsample(Tensor self, int[2]? output_size, float[]? scale_factors) -> Tensor',
    'to.device(Tensor self, Device device) -> Tensor',
    'maybe_out(Tensor self, *, Tensor(a!)? out=None) -> ()',
    'split(Tensor(a) self, int split_size, int dim=0) -> Tensor(a)[]',
    'topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor values, Tensor indices)',
    'unique(Tensor self) -> (Tensor, Tensor)',
    'single_named(Tensor self) -> (Tensor result)',
    '_noop() -> ()',
    'is_nonzero(Tensor self) -> bool',
    'item(Tensor self) -> Scalar',
    'dim(Tensor self) -> int',
    'norm_value(Tensor self) -> float',
    'result_type(Tensor tensor, Tensor other) -> ScalarType',
    '__and__.Tensor(Tensor self, Tensor other) -> Tensor',
    'max.dim_out(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) values, Tensor(b!) indices) '
    '-> (Tensor(a!) values, Tensor(b!) indices)',
]


@pytest.mark.parametrize('text', ROUND_TRIPS)
def test_round_trip(text):
    schema = parse_schema(text)
    assert str(schema) == text
    assert parse_schema(str(schema)) == schema   # frozen dataclasses compare by value


TYPES = ['Tensor', 'Tensor?', 'Tensor(a)', 'Tensor(a!)', 'Tensor(a!)?', 'Tensor[]', 'Tensor[]?',
         'Tensor(a)[]', 'int', 'int?', 'int[]', 'int[2]', 'int[1]?', 'int[]?', 'float', 'float?',
         'float[]', 'bool', 'bool?', 'bool[3]', 'str', 'str?', 'Scalar', 'Scalar?', 'ScalarType',
         'ScalarType?', 'Device', 'Device?', 'Generator?', 'Tensor?[]']


@pytest.mark.parametrize('text', TYPES)
def test_type_round_trip(text):
    assert str(parse_type(text)) == text


def test_type_fields():
    assert parse_type('Tensor(a!)?') == Type('Tensor', optional=True, alias='a', is_write=True)
    t = parse_type('int[1]?')
    assert (t.base, t.optional, t.is_list, t.list_size) == ('int', True, True, 1)
    assert parse_type('int[]').list_size is None
    assert parse_type('Tensor?').is_tensor and not parse_type('Tensor?').is_tensor_list
    assert parse_type('Tensor[]').is_tensor_list and not parse_type('Tensor[]').is_tensor
    assert not parse_type('int').is_tensor


def test_optional_tensor_list_type():
    """Tensor?[] (PyTorch's index.Tensor indices): parsed, with a C++ type; ops can't use it until the
    Python binding and autograd read it (a codegen error naming the line, below)."""
    from codegen.api.cpp import cpp_type
    t = parse_type('Tensor?[]')
    assert t.is_optional_tensor_list and t.is_list and not t.is_tensor_list and not t.optional
    assert not parse_type('Tensor[]').is_optional_tensor_list and not parse_type('Tensor?').is_optional_tensor_list
    assert cpp_type(t) == 'ArrayRef<std::optional<Tensor>>'
    s = parse_schema('index.Tensor(Tensor self, Tensor?[] indices) -> Tensor')
    assert str(s) == 'index.Tensor(Tensor self, Tensor?[] indices) -> Tensor'


def test_optional_tensor_list_op_is_refused_until_bound(tmp_path):
    ops = "- func: f(Tensor self, Tensor?[] indices) -> Tensor\n  dispatch: {CPU: f_kernel}\n"
    with pytest.raises(CodegenError) as e:
        _render(tmp_path, ops, "- name: f(Tensor self, Tensor?[] indices) -> Tensor\n  non_differentiable: true\n")
    assert str(e.value).startswith("native_functions.yaml:1:") and "no Python binding yet" in str(e.value)


def test_schema_fields():
    s = parse_schema('add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor')
    assert isinstance(s, FunctionSchema)
    assert (s.name, s.overload, s.full_name) == ('add', '', 'add')
    assert [a.name for a in s.positional] == ['self', 'other']
    assert s.kwarg_only == (Argument('alpha', Type('Scalar'), '1', True),)
    assert s.returns == (Return(None, Type('Tensor')),)
    assert not s.is_inplace and s.out_arguments == ()
    assert str(s.arguments[2]) == 'Scalar alpha=1'

    m = parse_schema('max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)')
    assert m.full_name == 'max.dim' and m.overload == 'dim'
    assert [r.name for r in m.returns] == ['values', 'indices']
    assert m.arguments[2].default == 'False'

    v = parse_schema('view(Tensor(a) self, int[] size) -> Tensor(a)')
    assert v.arguments[0].type.alias == 'a' and not v.arguments[0].type.is_write
    assert v.returns[0].type.alias == 'a'

    f = parse_schema('fill_(Tensor(a!) self, Scalar value) -> Tensor(a!)')
    assert f.is_inplace and f.arguments[0].type.is_write
    assert not parse_schema('__and__(Tensor self, Tensor other) -> Tensor').is_inplace

    o = parse_schema('add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)')
    assert [a.name for a in o.out_arguments] == ['out']

    d = parse_schema("f(Tensor self, str reduction='mean', int[] dims=[0,1]) -> Tensor")
    assert d.arguments[1].default == "'mean'" and d.arguments[2].default == '[0,1]'
    assert parse_schema('g() -> ()').returns == ()


# ------------------------------------------------------------------------------ parse errors
PARSE_ERRORS = [
    ('add(Tensr self) -> Tensor', ["unknown type 'Tensr'", "did you mean 'Tensor'", 'valid types']),
    ('add(Tensor self, Tensor other,*, Scalar alpha=1) -> Tensor',
     ['write it as: add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor']),
    ('sum(Tensor self, int[1]?dim=None) -> Tensor', ['write it as: sum(Tensor self, int[1]? dim=None) -> Tensor']),
    ('add(Tensor self, Scalar alpha = 1) -> Tensor', ['write it as: add(Tensor self, Scalar alpha=1) -> Tensor']),
    ('add(Tensor  self)->Tensor', ['write it as: add(Tensor self) -> Tensor']),
    ('f(int[] d=[0, 1]) -> Tensor', ['write it as: f(int[] d=[0,1]) -> Tensor']),
    ('f(Tensor self) -> (Tensor)', ['write it as: f(Tensor self) -> Tensor']),
    ('f(Tensor (a!) self) -> Tensor(a!)', ['write it as: f(Tensor(a!) self) -> Tensor(a!)']),
    ('add(Tensor self)', ["expected '-> returns'"]),
    ('add(Tensor self) ->', ['missing return type']),
    ('add(Tensor self -> Tensor', ['unbalanced parentheses']),
    ('add -> Tensor', ["expected 'name(args) -> returns'"]),
    ('1add(Tensor self) -> Tensor', ["bad operator name '1add'"]),
    ('add.(Tensor self) -> Tensor', ["bad operator name 'add.'"]),
    ('add(Tensor self, Tensor self) -> Tensor', ["argument name 'self' is used twice"]),
    ('f(Tensor self, Tensor) -> Tensor', ["argument 'Tensor' must be 'TYPE NAME'"]),
    ('f(Tensor self,) -> Tensor', ['empty argument', 'stray comma']),
    ('f(Tensor self other) -> Tensor', ['missing comma']),
    ('f(int x=1.5) -> Tensor', ["bad default for 'int x'", "'1.5' is not a valid int", "'int x=1'"]),
    ('f(bool b=1) -> Tensor', ["bad default for 'bool b'", 'True or False']),
    ('f(int x=None) -> Tensor', ["'=None' needs an optional type", "write 'int? x=None'"]),
    ("f(Scalar s='a') -> Tensor", ["bad default for 'Scalar s': 'a' is not a valid Scalar"]),
    ('f(int[] d=foo) -> Tensor', ["bad default for 'int[] d'", "'foo' is not a list"]),
    ('f(int[] d=[1,x]) -> Tensor', ["'x' is not an integer"]),
    ('f(int[] d=2) -> Tensor', ["'2' is not a list"]),
    ('f(int[2] d=[1,2,3]) -> Tensor', ['int[2] needs 2 values, got 3']),
    ('f(Tensor x=0) -> Tensor', ['Tensor arguments can only default to None', "'Tensor? x=None'"]),
    ('f(Device d=0) -> Tensor', ['Device arguments can only default to None']),
    ('f(str s=mean) -> Tensor', ["'mean' is not a valid str", 'a quoted string']),
    ('f(ScalarType? dtype=long) -> Tensor', ['a dtype name', 'int64']),
    ('f(float x=abc) -> Tensor', ["'abc' is not a valid float"]),
    ('f(int x=) -> Tensor', ["'=' is not followed by a value"]),
    ('f(int x=1, int y) -> Tensor', ["positional argument 'y' has no default but follows 'x'", "after '*'"]),
    ('f(Tensor self, *) -> Tensor', ["'*' must be followed by keyword-only arguments"]),
    ('f(Tensor self, *, int a, *, int b) -> Tensor', ["'*' appears twice"]),
    ('view(Tensor self) -> Tensor(a)', ["refers to alias 'a'", 'no argument declares it', "'Tensor(a) self'"]),
    ('f(Tensor(a) self) -> Tensor(a!)', ["disagree on '!'"]),
    ('f(Tensor(a) x, Tensor(a) y) -> Tensor(a)', ["alias 'a' is used by both 'x' and 'y'"]),
    ('f(int(a) x) -> Tensor', ["alias annotations like '(a)' only apply to Tensor"]),
    ('f(Tensor(A) x) -> Tensor', ["alias 'A' must be a lowercase name"]),
    ('f(str[] x) -> Tensor', ['lists of str are not supported']),
    ('f(int?[] x) -> Tensor', ["lists of optional values are only 'Tensor?[]'"]),
    ('f(Tensor?[]? x) -> Tensor', ["lists of optional values are only 'Tensor?[]'", "'Tensor[]?'"]),
    ('f(int[0] x) -> Tensor', ['list size must be a positive integer']),
    ('f(Tensor[2] x) -> Tensor', ["Tensor lists have no fixed size"]),
    ('f(int{2} x) -> Tensor', ["cannot parse type 'int{2}'"]),
    ('f(Tensor self) -> Tensor?', ["return type 'Tensor?' cannot be optional"]),
    ('f(Tensor self) -> Tensor, Tensor', ["several returns must be parenthesized", "'-> (Tensor, Tensor)'"]),
    ('f(Tensor self) -> str', ["unsupported return type 'str'"]),
    ('f(Tensor self) -> int[]', ["unsupported return type 'int[]'"]),
    ('f(Tensor self) -> (Tensor a, Tensor a)', ["return name 'a' is used twice"]),
    ('f(Tensor self) -> (Tensor a,)', ['empty entry in the returns']),
    ('', ["expected a schema"]),
]


@pytest.mark.parametrize('text,fragments', PARSE_ERRORS)
def test_parse_errors(text, fragments):
    with pytest.raises(SchemaError) as info:
        parse_schema(text)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


# --------------------------------------------------------------------------- derived schemas
@pytest.mark.parametrize('functional,inplace,out', [
    ('add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor',
     'add_(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)',
     'add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)'),
    ('neg(Tensor self) -> Tensor',
     'neg_(Tensor(a!) self) -> Tensor(a!)',
     'neg.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)'),
    ('add.Tensor(Tensor self, Tensor other) -> Tensor',
     'add_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)',
     'add.Tensor_out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)'),
    ('sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor',
     'sum_(Tensor(a!) self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor(a!)',
     'sum.out(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None, '
     'Tensor(a!) out) -> Tensor(a!)'),
])
def test_derived_schemas(functional, inplace, out):
    s = parse_schema(functional)
    i, o = derive_inplace_schema(s), derive_out_schema(s)
    assert str(i) == inplace and str(o) == out
    assert i.is_inplace and i.arguments[0].type == Type('Tensor', alias='a', is_write=True)
    assert i.returns == (Return(None, Type('Tensor', alias='a', is_write=True)),)
    assert o.name == s.name and [a.name for a in o.out_arguments] == ['out']
    assert parse_schema(inplace) == i and parse_schema(out) == o   # derived ones are canonical


def test_derived_out_tuple_returns():
    s = parse_schema('max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)')
    o = derive_out_schema(s)
    assert str(o) == ('max.dim_out(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) values, '
                      'Tensor(b!) indices) -> (Tensor(a!) values, Tensor(b!) indices)')
    assert [(a.name, a.type.alias) for a in o.out_arguments] == [('values', 'a'), ('indices', 'b')]
    unnamed = derive_out_schema(parse_schema('unique(Tensor self) -> (Tensor, Tensor)'))
    assert str(unnamed) == ('unique.out(Tensor self, *, Tensor(a!) out0, Tensor(b!) out1) '
                            '-> (Tensor(a!), Tensor(b!))')


@pytest.mark.parametrize('derive,text,fragment', [
    (derive_inplace_schema, 'fill_(Tensor(a!) self, Scalar value) -> Tensor(a!)', 'already in-place'),
    (derive_out_schema, 'add.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)', 'already an out= variant'),
    (derive_inplace_schema, 'allclose(Tensor self, Tensor other) -> bool', "return a single 'Tensor'"),
    (derive_inplace_schema, 'max.dim(Tensor self, int dim) -> (Tensor values, Tensor indices)',
     "return a single 'Tensor'"),
    (derive_inplace_schema, 'zeros(int[] size) -> Tensor', "must be 'Tensor self'"),
    (derive_inplace_schema, 'where(Tensor condition, Tensor self) -> Tensor', "must be 'Tensor self'"),
    (derive_out_schema, 'allclose(Tensor self, Tensor other) -> bool', "return 'Tensor' or a tuple"),
    (derive_out_schema, 'f(Tensor self, Tensor out) -> Tensor', "'out' would clash"),
    (derive_out_schema, '__and__(Tensor self, Tensor other) -> Tensor', 'dunder'),
])
def test_derive_errors(derive, text, fragment):
    with pytest.raises(SchemaError) as info:
        derive(parse_schema(text))
    assert fragment in str(info.value)


# ------------------------------------------------------------------------------ YAML loader
def write_yaml(tmp_path, text):
    path = tmp_path / 'native_functions.yaml'
    path.write_text(textwrap.dedent(text).lstrip('\n'))
    return path


GOOD_YAML = """
# a comment on line 1
- func: add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor
  variants: function, method, inplace, out
  kind: pointwise
  dispatch:
    CPU: add_kernel
    CUDA: add_kernel_cuda
  tags: core, pointwise

- func: view(Tensor(a) self, int[] size) -> Tensor(a)
  variants: method
  kind: view
  dispatch: {Composite: view}

- func: sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor
  variants: [function, method, out]
  kind: reduction
  promotion: sum
  dtypes: numeric
  dispatch: {CPU: sum_kernel}
  tags: [reduction]

- func: max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)
  variants: function, out
  kind: reduction
  dispatch: {CPU: max_dim_kernel}

- func: fill_(Tensor(a!) self, Scalar value) -> Tensor(a!)
  variants: function, method
  dispatch: {CPU: fill_kernel}

- func: add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor
  dispatch:
    Composite: add_scalar

- func: where.self(Tensor condition, Tensor self, Tensor other) -> Tensor
  variants: function, method
  dispatch: {CPU: where_kernel}
"""


def test_load_good(tmp_path):
    fns = load_native_functions(write_yaml(tmp_path, GOOD_YAML))
    assert [f.full_name for f in fns] == ['add.Tensor', 'view', 'sum', 'max.dim', 'fill_',
                                          'add.Scalar', 'where.self']
    assert [f.line for f in fns] == [2, 10, 15, 23, 28, 32, 36]
    add, view, total, mx, fill, add_scalar, where = fns
    assert isinstance(add, NativeFunction) and add.name == 'add'
    assert add.variants == frozenset({'function', 'method', 'inplace', 'out'})
    assert add.kind == 'pointwise' and add.dispatch == {'CPU': 'add_kernel', 'CUDA': 'add_kernel_cuda'}
    assert add.tags == ('core', 'pointwise') and add.promotion == 'default' and add.dtypes == 'all'
    assert str(add.inplace_schema) == 'add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)'
    assert add.out_schema.full_name == 'add.Tensor_out'
    assert add.schemas == (add.schema, add.inplace_schema, add.out_schema)
    assert view.inplace_schema is None and view.out_schema is None and view.kind == 'view'
    assert view.dispatch == {'Composite': 'view'}
    assert total.variants == frozenset({'function', 'method', 'out'}) and total.tags == ('reduction',)
    assert (total.promotion, total.dtypes) == ('sum', 'numeric')
    assert mx.out_schema.full_name == 'max.dim_out' and len(mx.out_schema.out_arguments) == 2
    assert fill.kind is None and fill.schema.is_inplace and fill.schemas == (fill.schema,)
    assert add_scalar.variants == frozenset({'function'}) and add_scalar.tags == ()
    assert where.variants == frozenset({'function', 'method'})


def test_constants():
    assert VALID_KEYS == {'func', 'variants', 'kind', 'dispatch', 'promotion', 'dtypes', 'tags', 'doc'}
    assert KINDS == {'pointwise', 'reduction', 'scan', 'view', 'composite'}
    assert VARIANTS == {'function', 'method', 'inplace', 'out', 'cpp_method'}
    assert DISPATCH_KEYS == {'CPU', 'CUDA', 'Composite'}
    assert {'default', 'int_to_float', 'always_bool'} <= PROMOTIONS
    assert {'all', 'floating'} <= DTYPE_SETS


OK = '  dispatch: {CPU: k}\n'
LOAD_ERRORS = [
    # YAML syntax, structure
    ('- func: neg(Tensor self) -> Tensor\n  dispatch: {CPU: k\n- func: x\n', 3, ['YAML syntax error']),
    ('- func: a(Tensor self) -> Tensor\n' + OK + '  kind: [pointwise\n', 4, ['YAML syntax error']),
    ('func: neg(Tensor self) -> Tensor\n', 1, ['top level must be a list']),
    ('# nothing here\n', 1, ['no entries']),
    ('- neg(Tensor self) -> Tensor\n', 1, ["must be a mapping that starts with 'func:'"]),
    ('- kind: pointwise\n' + OK, 1, ["entry has no 'func:'"]),
    ('- func: neg(Tensor self) -> Tensor\n' + OK + '  dispach: {CPU: k}\n', 3,
     ["'neg': unknown key 'dispach'", "did you mean 'dispatch'", 'valid keys: dispatch, doc, dtypes, func']),
    ('- func: neg(Tensor self) -> Tensor\n' + OK + '  kind: pointwise\n  kind: view\n', 4,
     ["key 'kind' appears twice", 'first at line 3']),
    ('- func: [neg]\n' + OK, 1, ["'func' must be a single value"]),
    ('- func:\n' + OK, 1, ["'func' has no value"]),
    # schema errors carry the line of the func
    ('- func: neg(Tensor self) -> Tensor\n' + OK + '- func: abs(Tensr self) -> Tensor\n' + OK, 3,
     ["unknown type 'Tensr'", "did you mean 'Tensor'", 'valid types: Tensor']),
    ('- func: add(Tensor self,Tensor other) -> Tensor\n' + OK, 1,
     ['write it as: add(Tensor self, Tensor other) -> Tensor']),
    ('- func: f(Tensor self, int x=1.5) -> Tensor\n' + OK, 1, ["bad default for 'int x'"]),
    ('- func: f(Tensor self, bool b=1) -> Tensor\n' + OK, 1, ["bad default for 'bool b'", 'True or False']),
    ('- func: f(Tensor self, int x=None) -> Tensor\n' + OK, 1, ["write 'int? x=None'"]),
    ("- func: f(Tensor self, Scalar s='a') -> Tensor\n" + OK, 1, ["bad default for 'Scalar s'"]),
    ('- func: f(Tensor self, int[] d=foo) -> Tensor\n' + OK, 1, ["bad default for 'int[] d'"]),
    ('- func: f(Tensor self, int x=1, int y) -> Tensor\n' + OK, 1, ["positional argument 'y' has no default"]),
    ('- func: f(Tensor self) -> Tensor(a)\n' + OK, 1, ['no argument declares it']),
    # duplicates
    ('- func: neg(Tensor self) -> Tensor\n' + OK + '- func: neg(Tensor self) -> Tensor\n' + OK, 3,
     ["duplicate overload 'neg'", 'already defined at line 1', 'another overload name']),
    ('- func: neg(Tensor self) -> Tensor\n  variants: function, out\n' + OK +
     '- func: neg.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)\n' + OK, 4,
     ["duplicate overload 'neg.out'", 'line 1 already derives it', "'variants: out' of 'neg'"]),
    ('- func: neg_(Tensor(a!) self) -> Tensor(a!)\n' + OK +
     '- func: neg(Tensor self) -> Tensor\n  variants: function, inplace\n' + OK, 3,
     ["'variants: inplace' derives 'neg_(Tensor(a!) self) -> Tensor(a!)'", "'neg_' is already defined at line 1"]),
    # keys with unknown values
    ('- func: neg(Tensor self) -> Tensor\n  variants: function, methd\n' + OK, 2,
     ["unknown variant 'methd'", "did you mean 'method'", 'valid variants: cpp_method, function, inplace, method, out']),
    ('- func: neg(Tensor self) -> Tensor\n  variants: function,, method\n' + OK, 2, ['empty item']),
    ('- func: neg(Tensor self) -> Tensor\n  variants: function, function\n' + OK, 2, ["lists 'function' twice"]),
    ('- func: neg(Tensor self) -> Tensor\n  variants:\n' + OK, 2, ["'variants' has no value"]),
    ('- func: neg(Tensor self) -> Tensor\n  kind: pointwize\n' + OK, 2,
     ["'neg': unknown kind 'pointwize'", "did you mean 'pointwise'", 'valid values: composite, pointwise']),
    ('- func: neg(Tensor self) -> Tensor\n  promotion: int2float\n' + OK, 2, ["unknown promotion 'int2float'"]),
    ('- func: neg(Tensor self) -> Tensor\n  dtypes: floats\n' + OK, 2,
     ["unknown dtypes 'floats'", "did you mean 'floating'"]),
    ('- func: neg(Tensor self) -> Tensor\n  tags: core, 9lives\n' + OK, 2, ["tag '9lives' must be an identifier"]),
    ('- func: neg(Tensor self) -> Tensor\n  kind: {a: b}\n' + OK, 2, ["'kind' must be a single value, not a mapping"]),
    # dispatch
    ('- func: neg(Tensor self) -> Tensor\n  kind: pointwise\n', 1,
     ["'neg': no 'dispatch'", 'every op must name its kernel', "'dispatch: {CPU: neg_kernel}'"]),
    ('- func: t(Tensor(a) self) -> Tensor(a)\n  kind: view\n', 1, ["'dispatch: {Composite: t}'"]),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch: neg_kernel\n', 2, ["'dispatch' must be a mapping"]),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch: {}\n', 2, ['dispatch names no kernel']),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU:\n', 3, ["dispatch names no kernel for 'CPU'"]),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU: ""\n', 3, ["dispatch names no kernel for 'CPU'"]),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU: neg kernel\n', 3,
     ["dispatch CPU: 'neg kernel' is not a C++ identifier"]),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU: 1neg\n', 3, ['not a C++ identifier']),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU: delete\n', 3, ['not a C++ identifier']),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU: [a, b]\n', 3, ['not a C++ identifier']),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    Cpu: neg_kernel\n', 3,
     ["unknown dispatch key 'Cpu'", "did you mean 'CPU'", 'valid keys: CPU, CUDA, Composite']),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch:\n    CPU: a\n    CPU: b\n', 4, ["key 'CPU' appears twice"]),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch: {CUDA: neg_cuda}\n', 2, ['no CPU kernel']),
    ('- func: neg(Tensor self) -> Tensor\n  dispatch: {CPU: a, Composite: b}\n', 2, ['cannot be combined with CPU']),
    ('- func: t(Tensor(a) self) -> Tensor(a)\n  kind: view\n  dispatch: {CPU: t_kernel}\n', 3,
     ["kind 'view' ops are written from other ops", 'Composite']),
    ('- func: clone(Tensor self) -> Tensor\n  kind: composite\n  dispatch: {CPU: clone_kernel}\n', 3,
     ["kind 'composite'", 'Composite']),
    ('- func: neg(Tensor self) -> Tensor\n  kind: pointwise\n  dispatch: {Composite: neg}\n', 3,
     ["kind 'pointwise' ops run device kernels", "'kind: composite'"]),
    ('- func: sum(Tensor self) -> Tensor\n  kind: reduction\n  dispatch: {Composite: neg}\n', 3,
     ["kind 'reduction' ops run device kernels"]),
    ('- func: t(Tensor self) -> Tensor\n  kind: view\n  dispatch: {Composite: t}\n', 2,
     ["a kind 'view' result shares storage", "-> Tensor(a)'"]),
    # variants vs the schema
    ('- func: zeros(int[] size) -> Tensor\n  variants: function, method\n' + OK, 2,
     ["variant 'method' needs a Tensor first argument", "'int[] size'"]),
    ('- func: zeros(int[] size) -> Tensor\n  variants: function, inplace\n' + OK, 2,
     ["variant 'inplace' needs a Tensor first argument"]),
    ('- func: f(Tensor? self) -> Tensor\n  variants: method\n' + OK, 2, ["variant 'method' needs a Tensor first"]),
    ('- func: f(Tensor input, Tensor other) -> Tensor\n  variants: method\n' + OK, 2,
     ["variant 'method' binds the argument named 'self'"]),
    ('- func: f(Tensor input) -> Tensor\n  variants: inplace\n' + OK, 2, ["must be 'Tensor self'"]),
    ('- func: t(Tensor(a) self) -> Tensor(a)\n  variants: function, out\n  kind: view\n'
     '  dispatch: {Composite: t}\n', 2, ["kind 'view' ops share storage", "cannot have 'inplace'/'out'"]),
    ('- func: t(Tensor(a) self) -> Tensor(a)\n  variants: inplace\n  kind: view\n'
     '  dispatch: {Composite: t}\n', 2, ["cannot have 'inplace'/'out'"]),
    ('- func: fill_(Tensor(a!) self, Scalar v) -> Tensor(a!)\n  variants: function, inplace\n' + OK, 2,
     ["'variants: inplace': cannot derive 'inplace' from 'fill_'", 'already in-place']),
    ('- func: allclose(Tensor self, Tensor other) -> bool\n  variants: function, out\n' + OK, 2,
     ["'variants: out': cannot derive 'out'", "return 'Tensor' or a tuple"]),
    # written arguments
    ('- func: f(Tensor self, Tensor(a!) other) -> Tensor(a!)\n' + OK, 1,
     ["argument 'Tensor(a!) other' is marked written", "write 'Tensor other' or move it after '*'"]),
    ('- func: neg_(Tensor self) -> Tensor\n' + OK, 1, ["name ending in '_' means in-place", "'neg' with 'variants: inplace'"]),
    ('- func: fill(Tensor(a!) self, Scalar v) -> Tensor(a!)\n' + OK, 1, ["its name must end in '_'", "'fill_'"]),
]


@pytest.mark.parametrize('text,line,fragments', LOAD_ERRORS)
def test_load_errors(tmp_path, text, line, fragments):
    path = tmp_path / 'native_functions.yaml'
    path.write_text(text)
    with pytest.raises(CodegenError) as info:
        load_native_functions(path)
    message = str(info.value)
    assert message.startswith(f'native_functions.yaml:{line}: '), message
    for fragment in fragments:
        assert fragment in message, message
    assert info.value.line == line


def test_error_later_in_file_names_its_own_line(tmp_path):
    text = GOOD_YAML + '\n- func: neg(Tensor self) -> Tensor\n  kind: pointwise\n  dispatch: {CPU: neg_kernel}\n  colour: red\n'
    with pytest.raises(CodegenError, match=r"^native_functions\.yaml:43: 'neg': unknown key 'colour'"):
        load_native_functions(write_yaml(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(CodegenError, match='cannot read'):
        load_native_functions(tmp_path / 'nope.yaml')


# ------------------------------------------------------------------------ the real YAML, CLI
def test_real_native_functions_load():
    fns = load_native_functions(REPO / 'native_functions.yaml')
    assert len(fns) >= 40
    names = {s.full_name for f in fns for s in f.schemas}
    assert len(names) == sum(len(f.schemas) for f in fns)       # no overload defined twice
    for f in fns:
        for s in f.schemas:
            assert str(parse_schema(str(s))) == str(s)


def test_cli_reports_yaml_errors(tmp_path):
    bad = tmp_path / 'native_functions.yaml'
    bad.write_text('- func: neg(Tensor self) -> Tensor\n  kind: pointwise\n  dispach: {CPU: neg_kernel}\n')
    proc = subprocess.run([sys.executable, '-m', 'codegen', '--native-functions', str(bad),
                           '--out', str(tmp_path / 'out')], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'native_functions.yaml:3:' in proc.stderr, proc.stderr
    assert 'dispach' in proc.stderr


# ----------------------------------------------------------------------------- derivatives.yaml

from codegen.derivatives import load_derivatives, needs_derivative  # noqa: E402
from codegen.model import load_native_functions  # noqa: E402

_OPS_YAML = """\
- func: mul(Tensor self, Tensor other) -> Tensor
  variants: function, method
  kind: pointwise
  dispatch:
    CPU: mul_kernel

- func: eq(Tensor self, Tensor other) -> Tensor
  kind: pointwise
  promotion: always_bool
  dispatch:
    CPU: eq_kernel
"""


def _derivs(tmp_path, text):
    ops = write_yaml(tmp_path, _OPS_YAML)
    d = tmp_path / "derivatives.yaml"
    d.write_text(textwrap.dedent(text))
    return load_derivatives(d, load_native_functions(ops))


def test_derivatives_load_and_coverage_rules(tmp_path):
    derivs = _derivs(tmp_path, """\
        - name: mul(Tensor self, Tensor other) -> Tensor
          self: grad * other
          other: grad * self
        """)
    assert derivs["mul"].formulas == {"self": "grad * other", "other": "grad * self"}
    fns = {f.name: f for f in load_native_functions(tmp_path / "native_functions.yaml")}
    assert needs_derivative(fns["mul"]) and not needs_derivative(fns["eq"])  # comparisons have no gradient


@pytest.mark.parametrize("text, line, fragment", [
    ("- name: mul(Tensor self, Tensor other) -> Tensor\n  self: grad * other\n  bogus: grad\n", 3,
     "formula for unknown argument 'bogus'"),
    ("- name: mull(Tensor self, Tensor other) -> Tensor\n  self: grad\n", 1, "matches no schema"),
    ("- name: mul(Tensor self, Tensor x) -> Tensor\n  self: grad\n", 1, "differs from native_functions.yaml"),
    ("[]\n", 1, "differentiable op 'mul'"),
])
def test_derivatives_errors_name_the_line(tmp_path, text, line, fragment):
    with pytest.raises(CodegenError) as e:
        _derivs(tmp_path, text)
    assert str(e.value).startswith(f"derivatives.yaml:{line}:"), str(e.value)
    assert fragment in str(e.value)


_NORM_OPS = """\
- func: norm3(Tensor input, Tensor? weight, Tensor? bias, Tensor[] extra) -> Tensor
  dispatch:
    CPU: norm3_kernel

- func: norm3_backward(Tensor grad, Tensor input, int which) -> Tensor
  kind: composite
  dispatch:
    Composite: norm3_backward

- func: unbind(Tensor(a) self, int dim=0) -> Tensor(a)[]
  kind: view
  dispatch:
    Composite: unbind
"""

_NORM_DERIVS = """\
- name: norm3(Tensor input, Tensor? weight, Tensor? bias, Tensor[] extra) -> Tensor
  input: norm3_backward(grad, input, 0)
  bias, weight: unbind(norm3_backward(grad, input, 3))

- name: unbind(Tensor(a) self, int dim=0) -> Tensor(a)[]
  non_differentiable: true
"""


def test_inputs_sharing_a_formula_run_it_once(tmp_path):
    """`bias, weight: expr`: one evaluation when either needs a gradient, its parts to the inputs
    in the key's order (not the schema's), after input's formula; both get next edges."""
    files = _render(tmp_path, _NORM_OPS, _NORM_DERIVS)
    node = files["autograd/norm3.cpp"]
    assert node.count("norm3_backward(grad, input, 3)") == 1
    shared = ("  if (should_compute_output(2) || should_compute_output(1)) {\n"
              "    auto shared = unbind(norm3_backward(grad, input, 3));\n"
              "    if (should_compute_output(2)) out[2] = grad_part<0, 2>(shared);\n"
              "    if (should_compute_output(1)) out[1] = grad_part<1, 2>(shared);\n  }")
    assert shared in node, node
    assert node.index("norm3_backward(grad, input, 0)") < node.index("auto shared")
    assert "(weight.has_value() ? &*weight : nullptr), (bias.has_value() ? &*bias : nullptr)" in node
    derivs = _derivs_of(tmp_path, _NORM_DERIVS)
    assert derivs["norm3"].groups == {("bias", "weight"): "unbind(norm3_backward(grad, input, 3))"}
    assert derivs["norm3"].formulas == {"input": "norm3_backward(grad, input, 0)"}


@pytest.mark.parametrize("key, fragment", [
    ("weight, bogus", "formula for unknown argument 'bogus'"),
    ("weight, extra", "'extra' is a Tensor[] and cannot share a formula"),
    ("input, weight", "'input' has two formulas"),
])
def test_shared_formula_errors_name_the_line(tmp_path, key, fragment):
    text = _NORM_DERIVS.replace("  bias, weight: ", f"  {key}: ")
    with pytest.raises(CodegenError) as e:
        _derivs_of(tmp_path, text)
    assert str(e.value).startswith("derivatives.yaml:3:"), str(e.value)
    assert fragment in str(e.value)


def _derivs_of(tmp_path, text, ops=_NORM_OPS):
    fns = load_native_functions(write_yaml(tmp_path, ops))
    d = tmp_path / "derivatives.yaml"
    d.write_text(text)
    return load_derivatives(d, fns)


def test_real_derivatives_load_and_cover_every_differentiable_op():
    fns = load_native_functions(REPO / "native_functions.yaml")
    derivs = load_derivatives(REPO / "derivatives.yaml", fns)
    missing = [f.schema.full_name for f in fns if needs_derivative(f) and f.schema.full_name not in derivs]
    assert not missing


# ----------------------------------------------------------------------------- generated C++ (codegen/gen.py)
from codegen import gen  # noqa: E402

_GEN_OPS = """\
- func: var(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor
  variants: function, method, out, cpp_method
  kind: reduction
  promotion: floating_only
  dispatch:
    CPU: var_kernel

- func: amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor
  variants: function, method, out
  kind: reduction
  promotion: keep
  dispatch:
    CPU: amax_kernel

- func: cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor
  variants: function, method, inplace, out, cpp_method
  kind: scan
  promotion: sum
  dispatch:
    CPU: cumsum_kernel
    CUDA: cumsum_kernel

- func: unbind(Tensor(a) self, int dim=0) -> Tensor(a)[]
  variants: function, method, cpp_method
  kind: view
  dispatch:
    Composite: unbind
"""

_GEN_DERIVS = """\
- name: var(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor
  self: var_backward(grad, self, dim, correction, keepdim)

- name: amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor
  self: amax_amin_backward(grad, self, result, dim, keepdim)

- name: cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor
  self: cumsum_backward(grad, dim)

- name: unbind(Tensor(a) self, int dim=0) -> Tensor(a)[]
  self: unbind_backward(grads, self.sizes(), dim, self.scalar_type())
"""


def _render(tmp_path, ops=_GEN_OPS, derivs=_GEN_DERIVS):
    fns = load_native_functions(write_yaml(tmp_path, ops))
    d = tmp_path / "derivatives.yaml"
    d.write_text(derivs)
    return gen.render(fns, load_derivatives(d, fns))


def test_reduction_extra_arguments_go_to_the_kernel(tmp_path):
    files = _render(tmp_path)
    kernels, api = files["kernels/var.h"], files["ops/var.cpp"]
    assert "void var_kernel(const Reduction& r, const std::optional<Scalar>& correction);" in kernels
    assert "using var_kernel_fn = void(const Reduction&, const std::optional<Scalar>&);" in api
    assert "var_run(r, correction);" in api
    assert "reduce_dims_arg(dim), keepdim, std::nullopt, {out});" in api  # out= variant
    assert 'check_out_no_grad("var", {&self});' in api
    # the autograd guard opens the functional variant and saves the extra argument
    assert "return autograd_var(self, dim, correction, keepdim);" in api
    assert "node->correction_ = correction;" in files["autograd/var.cpp"]
    # a non-optional dim list (amax: [] reduces all)
    assert "Tensor amax(const Tensor& self, IntArrayRef dim = IntArrayRef{}, bool keepdim = false);" \
        in files["ops/amax.h"]


def test_scan_kind(tmp_path):
    files = _render(tmp_path)
    api = files["ops/cumsum.cpp"]
    assert '#include "aten/native/Scan.h"' in files["kernels/cumsum.h"]
    assert "void cumsum_kernel(const Scan& scan);" in files["kernels/cumsum.h"]
    assert 'Scan scan(ScanConfig{"cumsum", ScanPromotion::Sum, DtypeSet::All, 1}, self, dim, dtype);' in api
    assert 'write_result_inplace("cumsum_", self, result);' in api
    assert 'write_result_out("cumsum", out, result);' in api
    assert "cumsum_kernels[kCUDA] = &native::cuda::cumsum_kernel;" in api
    assert '"cumsum(int dim, *, ScalarType? dtype=None)"' in files["python/py_cumsum.cpp"]


def test_tensor_list_returns(tmp_path):
    files = _render(tmp_path)
    assert "std::vector<Tensor> unbind(const Tensor& self, int64_t dim = 0);" in files["ops/unbind.h"]
    py = files["python/py_unbind.cpp"]
    assert "std::vector<Tensor> result;" in py and "return wrap(std::move(result));" in py
    node = files["autograd/unbind.cpp"]
    # the node sees every output's grad (undefined where none arrived), not materialized zeros
    assert "materialize_grads" not in node and "grads.resize(num_inputs());" in node
    assert "set_history_if_floating(result[i], node, static_cast<uint32_t>(i));" in node
    assert "mark_view(result[i], self);" in node


def test_self_if_contiguous_tag_returns_self_before_the_call(tmp_path):
    """`tags: self_if_contiguous` (contiguous): the method binding hands back a contiguous self
    without releasing the GIL or dispatching; untagged aliasing methods keep the plain call."""
    ops = ("- func: contiguous(Tensor(a) self) -> Tensor(a)\n  variants: method\n  tags: self_if_contiguous\n"
           "  dispatch:\n    Composite: contiguous\n\n"
           "- func: detach(Tensor(a) self) -> Tensor(a)\n  variants: method\n  kind: view\n"
           "  dispatch:\n    Composite: detach\n")
    derivs = ("- name: contiguous(Tensor(a) self) -> Tensor(a)\n  self: grad\n\n"
              "- name: detach(Tensor(a) self) -> Tensor(a)\n  non_differentiable: true\n")
    files = _render(tmp_path, ops, derivs)
    py = files["python/py_contiguous.cpp"]
    fast = "if ((self.is_contiguous())) return incref(self_);"
    assert fast in py and py.index(fast) < py.index("GilRelease no_gil;")
    assert fast not in files["python/py_detach.cpp"]


def test_a_binding_without_arguments_skips_the_parser_when_called_without_any(tmp_path):
    """x.contiguous(): a method whose only signature takes nothing calls the op straight away when
    given nothing; given anything, the parser runs and raises its TypeError."""
    ops = ("- func: contiguous(Tensor(a) self) -> Tensor(a)\n  variants: method\n"
           "  dispatch:\n    Composite: contiguous\n")
    fast = "switch (no_args ? 0 : parser.parse(args, kwargs, r)) {"
    derivs = "- name: contiguous(Tensor(a) self) -> Tensor(a)\n  self: grad\n"
    assert fast in _render(tmp_path, ops, derivs)["python/py_contiguous.cpp"]
    assert fast not in _render(tmp_path)["python/py_cumsum.cpp"]  # cumsum(int dim, ...)


def test_self_if_type_of_other_tag_reads_the_parsed_argument(tmp_path):
    """`tags: self_if_type_of_other` (type_as): the condition names `other`, which the binding
    holds under its parsed local's name."""
    ops = ("- func: type_as(Tensor(a) self, Tensor other) -> Tensor(a)\n  variants: method\n  kind: composite\n"
           "  tags: self_if_type_of_other\n  dispatch:\n    Composite: type_as\n")
    py = _render(tmp_path, ops, "")["python/py_type_as.cpp"]
    fast = "if ((self.dtype() == a0.dtype() && self.device() == a0.device())) return incref(self_);"
    assert fast in py and py.index("auto a0 = r.tensor(0);") < py.index(fast) < py.index("GilRelease no_gil;")


@pytest.mark.parametrize("schema, fragment", [
    ("f(Tensor self, Tensor other) -> Tensor", "needs a method returning self's alias"),
    ("f(Tensor(a) self) -> Tensor(a)", "reads argument 'other', which f does not have"),
])
def test_self_if_tags_name_what_is_wrong(tmp_path, schema, fragment):
    ops = f"- func: {schema}\n  variants: method\n  kind: composite\n  tags: self_if_type_of_other\n" \
          "  dispatch:\n    Composite: f\n"
    with pytest.raises(CodegenError, match=fragment) as e:
        _render(tmp_path, ops, "")
    assert "native_functions.yaml:1:" in str(e.value)


@pytest.mark.parametrize("ops, fragment", [
    ("- func: f(Tensor self, Tensor other) -> Tensor\n  kind: reduction\n  dispatch: {CPU: f_kernel}\n",
     "takes one tensor, self, first"),
    ("- func: f(Tensor self, int[1]? dim=None) -> Tensor\n  kind: scan\n  dispatch: {CPU: f_kernel}\n",
     "takes `Tensor self, int dim`"),
    ("- func: f(Tensor self, int dim) -> Tensor\n  kind: scan\n  promotion: index\n  dispatch: {CPU: f_kernel}\n",
     "promotion 'index' does not apply to scans"),
])
def test_kind_errors_name_the_yaml_line(tmp_path, ops, fragment):
    with pytest.raises(CodegenError) as e:
        schema = ops.splitlines()[0][len("- func: "):]
        _render(tmp_path, ops, f"- name: {schema}\n  non_differentiable: true\n")
    assert str(e.value).startswith("native_functions.yaml:1:"), str(e.value)
    assert fragment in str(e.value)


def test_real_yaml_renders_templates_without_string_surgery():
    """Every generated function comes from a template macro: the C++ API bodies of the real ops
    open with their guards, and the file set is the same as --list-outputs reports."""
    fns = load_native_functions(REPO / "native_functions.yaml")
    files = gen.render(fns, load_derivatives(REPO / "derivatives.yaml", fns))
    add = files["ops/add.cpp"]
    assert add.index("Tensor add(const Tensor& self") < add.index("if (autograd_add != nullptr") \
        < add.index("TensorIterator iter(")
    assert {"ops/cumsum.cpp", "ops/amax.cpp", "ops/unbind.cpp", "autograd/unbind.cpp"} <= set(files)


_STRUCTURED_OPS = """\
- func: addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor
  variants: function, method, inplace, out
  dispatch:
    CPU: addmm_kernel

- func: tril(Tensor self, int diagonal=0) -> Tensor
  variants: function, method, inplace, out
  dispatch:
    CPU: tril_cpu
"""

_STRUCTURED_DERIVS = """\
- name: addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor
  self: maybe_multiply(grad, beta)
  mat1: maybe_multiply(mm(grad, t(mat2)), alpha)
  mat2: maybe_multiply(mm(t(mat1), grad), alpha)

- name: tril(Tensor self, int diagonal=0) -> Tensor
  self: tril(grad, diagonal)
"""


def test_structured_inplace_variant_runs_the_meta_then_writes_self(tmp_path):
    """An op with a hand-written meta derives its in-place variant (no composite of its own): the
    meta's result must fit self, then the out kernel writes self, through a fresh tensor when
    another input shares self's memory; autograd records it like a pointwise in-place op."""
    files = _render(tmp_path, _STRUCTURED_OPS, _STRUCTURED_DERIVS)
    api = files["ops/addmm.cpp"]
    inplace = api[api.index("Tensor& addmm_(Tensor& self"):]
    inplace = inplace[:inplace.index("\n}\n")]
    assert "Tensor& addmm_(Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1, " \
           "const Scalar& alpha = 1);" in files["ops/addmm.h"]
    assert inplace.index("return autograd_addmm_(self, mat1, mat2, beta, alpha);") \
        < inplace.index("TensorMeta m = meta::addmm(self, mat1, mat2, beta, alpha);") \
        < inplace.index('check_inplace_meta("addmm_", self, m);')
    assert "if (m.dtype != self.dtype() || shares_storage_with_any(self, {&mat1, &mat2})) {" in inplace
    assert "addmm_run(m, self, mat1, mat2, beta, alpha, result);" in inplace
    assert 'native::copy_into(self, result, "addmm_");' in inplace
    assert "addmm_run(m, self, mat1, mat2, beta, alpha, self);" in inplace
    assert "self.bump_version();" in inplace
    # no other input: only a result of another dtype needs the fresh tensor
    assert "if (m.dtype != self.dtype()) {" in files["ops/tril.cpp"]
    # the Python method and the autograd wrapper of the in-place variant
    assert '"addmm_(Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1)"' in files["python/py_addmm.cpp"]
    node = files["autograd/tril.cpp"]
    assert 'check_inplace(self, "tril_");' in node and "rebase_history(self, node);" in node
    assert "tg::set_autograd_tril_(&autograd_tril_);" in node


_LIST_OPS = """\
- func: cat(Tensor[] tensors, int dim=0) -> Tensor
  variants: function, out
  tags: out_casts
  dispatch:
    CPU: cat_out_cpu

- func: scale_all(Tensor self, Tensor[] others, Tensor weight) -> Tensor
  dispatch:
    CPU: scale_all_kernel
"""

_LIST_DERIVS = """\
- name: cat(Tensor[] tensors, int dim=0) -> Tensor
  tensors: cat_tensors_backward(grad, to_args_sizes(tensors), to_args_scalartypes(tensors), dim)

- name: scale_all(Tensor self, Tensor[] others, Tensor weight) -> Tensor
  self: grad * weight
  others: scale_all_backward(grad, others, weight)
  weight: grad * self
"""


def test_tensor_list_input_gets_one_node_input_per_element(tmp_path):
    """A Tensor[] input with a formula: the guard and out= check every element, the node has one
    next edge per element, and the formula's vector lands at the list's place among the inputs."""
    files = _render(tmp_path, _LIST_OPS, _LIST_DERIVS)
    api = files["ops/cat.cpp"]
    assert "GradMode::is_enabled() && (any_requires_grad(tensors))) return autograd_cat(tensors, dim);" in api
    assert 'check_out_no_grad("cat", tensors);' in api
    # out_casts: cat's out= takes any dtype the result casts to
    assert "can_cast(m.dtype, out.dtype())" in api and "m.dtype = out.dtype();" in api
    node = files["autograd/cat.cpp"]
    # metadata only: the sizes and dtypes of the elements, not the tensors
    assert "std::vector<DimVector> tensors_args_sizes_;" in node
    assert "node->tensors_args_sizes_ = to_args_sizes(tensors);" in node
    assert "node->tensors_args_scalartypes_ = to_args_scalartypes(tensors);" in node
    assert "SavedVariable" not in node
    assert "append_next_edges(node->next_edges, tensors);" in node
    assert "node->tensors_size_ = tensors.size();" in node
    assert "variable_list out(tensors_size_);" in node
    assert "if (any_output_computed(*this, 0, tensors_size_)) set_list_grads(*this, out, 0, tensors_size_, " \
           "cat_tensors_backward(grad, tensors_args_sizes, tensors_args_scalartypes, dim));" in node
    # a list between tensors, used itself: saved element by element; inputs after it are numbered
    # from its size
    node = files["autograd/scale_all.cpp"]
    assert "std::vector<SavedVariable> others_;" in node and "others_.clear();" in node
    assert "node->others_ = save_list(others);" in node
    assert "std::vector<Tensor> others = unpack_list(others_, self_node);" in node
    assert "append_next_edges(node->next_edges, {&self});\n  append_next_edges(node->next_edges, others);\n" \
           "  append_next_edges(node->next_edges, {&weight});" in node
    assert "variable_list out(2 + others_size_);" in node
    assert "set_list_grads(*this, out, 1, others_size_, scale_all_backward(grad, others, weight));" in node
    assert "if (should_compute_output(1 + others_size_)) out[1 + others_size_] = grad * self;" in node
    assert "self.requires_grad() || weight.requires_grad() || any_requires_grad(others)" in files["ops/scale_all.cpp"]


@pytest.mark.parametrize("derivs, line, fragment", [
    # grad_input_mask has one flag per input, a list has as many as it has elements
    ("- name: cat(Tensor[] tensors, int dim=0) -> Tensor\n  tensors: f(grad, grad_input_mask)\n\n"
     "- name: opt(Tensor self, Tensor[]? ts) -> Tensor\n  non_differentiable: true\n", 1,
     "grad_input_mask has one entry per input"),
    ("- name: cat(Tensor[] tensors, int dim=0) -> Tensor\n  non_differentiable: true\n\n"
     "- name: opt(Tensor self, Tensor[]? ts) -> Tensor\n  self: grad\n  ts: grad\n", 6, "'ts' is an optional Tensor[]"),
    # an op whose only tensor input is a list needs an entry like any other
    ("- name: opt(Tensor self, Tensor[]? ts) -> Tensor\n  self: grad\n", 1, "differentiable op 'cat'"),
])
def test_tensor_list_derivative_errors_name_the_line(tmp_path, derivs, line, fragment):
    ops = _LIST_OPS.split("\n\n")[0] + "\n\n- func: opt(Tensor self, Tensor[]? ts) -> Tensor\n  dispatch:\n    CPU: k\n"
    with pytest.raises(CodegenError) as e:
        _render(tmp_path, ops, derivs)
    assert str(e.value).startswith(f"derivatives.yaml:{line}:"), str(e.value)
    assert fragment in str(e.value)


def test_several_returns_out_writes_the_kernel_results_back(tmp_path):
    """An op without a kind whose kernel returns several tensors (sort) gets out=(values, indices):
    the functional result written into each out, which must have its dtype (indices: int64)."""
    ops = """\
- func: sort(Tensor self, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)
  variants: function, method, out
  dispatch:
    CPU: sort_cpu
"""
    files = _render(tmp_path, ops, "- name: sort(Tensor self, int dim=-1, bool descending=False) -> "
                                   "(Tensor values, Tensor indices)\n  self: grad_values\n"
                                   "  output_differentiability: [True, False]\n")
    api = files["ops/sort.cpp"]
    assert "std::tuple<Tensor, Tensor> sort_cpu(const Tensor& self, int64_t dim, bool descending);" \
        in files["kernels/sort.h"]
    assert '#include "aten/native/Scan.h"' in files["kernels/sort.h"]  # check_indices_out
    out = api[api.index("std::tuple<Tensor&, Tensor&> sort_out(Tensor& values, Tensor& indices, const Tensor& self"):]
    assert out.index('check_out_no_grad("sort", {&self});') < out.index('check_indices_out("sort", indices);') \
        < out.index("auto result = sort(self, dim, descending);") \
        < out.index('TG_CHECK(values.dtype() == std::get<0>(result).dtype(), "[sort] expected out tensor') \
        < out.index('write_result_out("sort", values, std::get<0>(result));') \
        < out.index('write_result_out("sort", indices, std::get<1>(result));') < out.index("return {values, indices};")
    assert '"sort(Tensor input, int dim=-1, bool descending=False, *, Tensor[]? out=None)"' \
        in files["python/py_sort.cpp"]
# ----------------------------------------------------------------------------- C++ Tensor methods

def test_cpp_methods_generated_for_cpp_method_variants_only(tmp_path):
    """`variants: cpp_method` declares a tg::Tensor member in TensorMethods.h (the function's
    parameters without self, with its defaults) and defines it inline in ops/<name>.h, plus a
    (non-const) one for the in-place variant; `method` alone (amax) is the Python method only."""
    files = _render(tmp_path)
    decls = files["TensorMethods.h"]
    assert ("Tensor var(std::optional<IntArrayRef> dim = std::nullopt, "
            "const std::optional<Scalar>& correction = std::nullopt, bool keepdim = false) const;") in decls
    assert "Tensor cumsum(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;" in decls
    assert "Tensor& cumsum_(int64_t dim, std::optional<ScalarType> dtype = std::nullopt);" in decls
    assert "std::vector<Tensor> unbind(int64_t dim = 0) const;" in decls
    assert "amax" not in decls and "Tensor::" not in files["ops/amax.h"]   # Python method only
    assert "cumsum_out" not in decls                                         # no out= methods
    h = files["ops/cumsum.h"]
    assert ("inline Tensor Tensor::cumsum(int64_t dim, std::optional<ScalarType> dtype) const "
            "{ return tg::cumsum(*this, dim, dtype); }") in h
    assert ("inline Tensor& Tensor::cumsum_(int64_t dim, std::optional<ScalarType> dtype) "
            "{ return tg::cumsum_(*this, dim, dtype); }") in h
    # definitions come after the function declarations they call
    assert h.index("Tensor cumsum(const Tensor& self") < h.index("inline Tensor Tensor::cumsum(")


def test_method_binds_self_wherever_the_schema_puts_it(tmp_path):
    ops = ("- func: where.self(Tensor condition, Tensor self, Tensor other) -> Tensor\n"
           "  variants: function, method, cpp_method\n  kind: composite\n  dispatch: {Composite: where}\n")
    files = _render(tmp_path, ops, "- name: where.self(Tensor condition, Tensor self, Tensor other) -> Tensor\n"
                                   "  non_differentiable: true\n")
    assert "Tensor where(const Tensor& condition, const Tensor& other) const;" in files["TensorMethods.h"]
    assert "{ return tg::where(condition, *this, other); }" in files["ops/where.h"]


def test_method_clashing_with_a_tensor_member_is_an_error(tmp_path):
    ops = "- func: numel(Tensor self) -> Tensor\n  variants: function, cpp_method\n  dispatch: {CPU: numel_kernel}\n"
    with pytest.raises(CodegenError) as e:
        _render(tmp_path, ops, "- name: numel(Tensor self) -> Tensor\n  non_differentiable: true\n")
    assert str(e.value).startswith("native_functions.yaml:1:"), str(e.value)
    assert "hand-written member" in str(e.value)


def test_formula_method_calls_include_their_op_headers(tmp_path):
    """A formula written with methods (`(self - result).exp()`) includes ops/exp.h, as a call
    `exp(...)` does."""
    ops = _GEN_OPS + ("\n- func: exp(Tensor self) -> Tensor\n  variants: function, method\n"
                      "  kind: pointwise\n  promotion: int_to_float\n  dispatch: {CPU: exp_kernel}\n")
    derivs = _GEN_DERIVS.replace("self: cumsum_backward(grad, dim)", "self: cumsum_backward(grad * self.exp(), dim)") \
        + "\n- name: exp(Tensor self) -> Tensor\n  self: grad * result\n"
    files = _render(tmp_path, ops, derivs)
    assert '#include "ops/exp.h"' in files["autograd/cumsum.cpp"]
