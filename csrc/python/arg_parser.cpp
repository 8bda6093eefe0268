#include "csrc/python/arg_parser.h"
#include "csrc/python/generator.h"
#include "aten/core/GradMode.h"
#include "aten/native/Copy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tg::python {

namespace {

// ---------------------------------------------------------------------------------------------
// Signature text
// ---------------------------------------------------------------------------------------------

[[noreturn]] void bad_signature(const char* text, const std::string& why) {
  throw Error(ErrorKind::Runtime, str("invalid argument-parser signature '", text, "': ", why));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Splits at commas outside brackets and quotes (defaults like [0, 1] and 'a,b').
std::vector<std::string_view> split_top_level(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

bool parse_int(std::string_view s, int64_t& v) {
  std::string tmp(s);  // strtoll needs a terminator
  if (tmp.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(tmp.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  v = x;
  return true;
}

bool parse_double(std::string_view s, double& v) {
  std::string tmp(s);
  if (tmp.empty()) return false;
  char* end = nullptr;
  v = std::strtod(tmp.c_str(), &end);
  return *end == '\0';
}

bool parse_dtype_name(std::string_view s, ScalarType& t) {
  for (int k = 0; k < kNumScalarTypes; ++k) {
    if (s == to_string(ScalarType(k))) return t = ScalarType(k), true;
  }
  // The C++-flavoured names PyTorch schemas use.
  static const std::pair<const char*, ScalarType> aliases[] = {
      {"long", ScalarType::Int64}, {"int", ScalarType::Int32},    {"float", ScalarType::Float32},
      {"double", ScalarType::Float64}, {"half", ScalarType::Float16}};
  for (auto& [name, type] : aliases)
    if (s == name) return t = type, true;
  return false;
}

// Fills p's type fields from "Tensor?", "int[2]", "Tensor(a!)" ... (alias annotations dropped).
void parse_type(FunctionParameter& p, std::string_view t, const char* text) {
  std::string type(t);
  if (type.rfind("Tensor(", 0) == 0) {
    size_t close = type.find(')');
    if (close == std::string::npos) bad_signature(text, "unbalanced alias annotation in " + type);
    type.erase(6, close - 5);
  }
  p.type_text = type;
  if (!type.empty() && type.back() == '?') {
    p.optional = p.allow_none = true;
    type.pop_back();
  }
  static const std::pair<const char*, ParamType> simple[] = {
      {"Tensor", ParamType::Tensor},   {"Tensor[]", ParamType::TensorList}, {"int", ParamType::Int},
      {"int[]", ParamType::IntList},   {"float", ParamType::Double},        {"bool", ParamType::Bool},
      {"str", ParamType::String},      {"Scalar", ParamType::Scalar},       {"ScalarType", ParamType::ScalarType},
      {"Device", ParamType::Device},   {"Generator", ParamType::Generator}};
  for (auto& [name, pt] : simple)
    if (type == name) return void(p.type = pt);
  int64_t n = 0;
  if (type.size() > 5 && type.rfind("int[", 0) == 0 && type.back() == ']' &&
      parse_int(std::string_view(type).substr(4, type.size() - 5), n) && n > 0 && n <= 64) {
    p.type = ParamType::IntList;
    p.size = int(n);
    return;
  }
  bad_signature(text, "unknown type '" + std::string(t) + "'");
}

// Converts the default text once, so that accessors return it without re-parsing.
void parse_default(FunctionParameter& p, std::string_view d, const char* text) {
  p.has_default = true;
  p.default_text = d;
  if (d == "None") {
    p.default_none = p.allow_none = true;
    return;
  }
  bool ok = false;
  switch (p.type) {
    case ParamType::Int: ok = parse_int(d, p.default_int); break;
    case ParamType::Double: ok = parse_double(d, p.default_double); break;
    case ParamType::Bool:
      ok = d == "True" || d == "False";
      p.default_bool = d == "True";
      break;
    case ParamType::String:
      ok = d.size() >= 2 && (d.front() == '\'' || d.front() == '"') && d.back() == d.front();
      if (ok) p.default_string = d.substr(1, d.size() - 2);
      break;
    case ParamType::Scalar: {
      int64_t i;
      double f;
      if ((ok = parse_int(d, i))) p.default_scalar = Scalar(i);
      else if ((ok = parse_double(d, f))) p.default_scalar = Scalar(f);
      else if ((ok = d == "True" || d == "False")) p.default_scalar = Scalar(d == "True");
      break;
    }
    case ParamType::ScalarType: ok = parse_dtype_name(d, p.default_dtype); break;
    case ParamType::TensorList: ok = d == "[]"; break;
    case ParamType::IntList: {
      int64_t v;
      if (d.size() >= 2 && d.front() == '[' && d.back() == ']') {
        std::string_view body = trim(d.substr(1, d.size() - 2));
        ok = true;
        // PyTorch's Python API shows an empty-list default as None (`amin(x, dim=None)` is
        // amin over all dims): None is accepted and means the default.
        if (body.empty()) p.allow_none = true;
        if (!body.empty())
          for (std::string_view item : split_top_level(body)) {
            if (!parse_int(item, v)) ok = false;
            else p.default_intlist.push_back(v);
          }
      } else if ((ok = parse_int(d, v))) {  // int[2] stride=1 means [1, 1]
        p.default_intlist = DimVector(size_t(std::max(p.size, 1)), v);
      }
      break;
    }
    case ParamType::Tensor:
    case ParamType::Device:
    case ParamType::Generator: break;  // only None
  }
  if (!ok) bad_signature(text, "bad default '" + std::string(d) + "' for " + p.type_text + " " + p.name);
}

// Parameters that tensorgen's schema makes optional only because it folds several PyTorch
// overloads into one (`eye(n, m=None)` for eye(n) and eye(n, m); `squeeze(x, dim=None)` for
// squeeze(x) and squeeze(x, dim)). PyTorch's Python API has no None for them: they may be
// omitted, but `tg.eye(4, None)` is a TypeError there and here. Found by
// tests/test_differential_torch.py.
bool none_only_by_omission(std::string_view op, std::string_view param) {
  static const std::pair<std::string_view, std::string_view> table[] = {
      {"eye", "m"},
      {"squeeze", "dim"},
  };
  for (auto& [o, p] : table)
    if (o == op && p == param) return true;
  return false;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum((unsigned char)c) || c == '_'; });
}

// ---------------------------------------------------------------------------------------------
// Type checks (hot path: exact builtin types first, the generic protocols after)
// ---------------------------------------------------------------------------------------------

// NumPy's bool scalar (numpy.bool, numpy.bool_ before NumPy 2): a bool, never an int.
inline bool is_numpy_bool(PyObject* o) {
  const char* n = Py_TYPE(o)->tp_name;
  return std::strcmp(n, "numpy.bool") == 0 || std::strcmp(n, "numpy.bool_") == 0;
}

// int, as strict as PyTorch's THPUtils_checkLong: a Python int or anything with __index__
// (NumPy ints), but never a bool (`tg.sum(x, True)` must not mean dim=1), a float or a tensor.
inline bool is_int_like(PyObject* o) {
  if (PyLong_CheckExact(o)) return true;
  if (PyBool_Check(o) || PyFloat_Check(o) || is_tensor(o) || is_numpy_bool(o)) return false;
  return PyLong_Check(o) || PyIndex_Check(o);
}

// A tensor standing in for an int, as PyTorch allows: an integer (not bool) tensor that does not
// require grad, 0-d for an `int` parameter, any one-element shape inside an int list
// (`x.sum(dim=(0, t))`, `tg.ones(t, 3)`).
inline bool is_int_tensor(PyObject* o, bool any_one_element) {
  if (!is_tensor(o)) return false;
  const Tensor& t = unpack_tensor(o);
  if (!is_integral(t.dtype(), /*include_bool=*/false)) return false;
  return any_one_element ? t.numel() == 1 : (t.dim() == 0 && !t.requires_grad());
}

inline bool is_int_list_item(PyObject* o) { return is_int_like(o) || is_int_tensor(o, true); }

// float, as PyTorch's DOUBLE: a Python float or int (bool included, as in PyTorch), a NumPy
// number, or a 0-d tensor that does not require grad.
inline bool is_float_like(PyObject* o) {
  if (PyFloat_CheckExact(o) || PyLong_CheckExact(o)) return true;
  if (PyFloat_Check(o) || PyLong_Check(o)) return true;
  if (is_tensor(o)) {
    const Tensor& t = unpack_tensor(o);
    return t.dim() == 0 && !t.requires_grad();
  }
  return is_number(o);  // NumPy scalars
}

inline bool is_number_fast(PyObject* o) {
  return PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyBool_Check(o) || is_number(o);
}

// `dtype=float` works as in PyTorch: the Python number types name the default dtype of each kind.
inline bool python_type_dtype(PyObject* o, ScalarType& t) {
  if (o == (PyObject*)&PyFloat_Type) return t = ScalarType::Float64, true;
  if (o == (PyObject*)&PyLong_Type) return t = ScalarType::Int64, true;
  if (o == (PyObject*)&PyBool_Type) return t = ScalarType::Bool, true;
  return false;
}

template <typename Pred>
bool all_items(PyObject* seq, Pred pred) {
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);  // seq is a list or tuple
  for (Py_ssize_t k = 0; k < n; ++k)
    if (!pred(PySequence_Fast_GET_ITEM(seq, k))) return false;
  return true;
}

// Finds kwargs[name]. Keys written in the call are interned, and so is `name`, so pointer
// equality settles nearly every lookup; two different interned strings are never equal, so only
// non-interned keys (built at runtime, `**{'al' + 'pha': 1}`) need a real comparison.
inline PyObject* find_kwarg(PyObject* kwargs, PyObject* name) {
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(kwargs, &pos, &key, &value)) {
    if (key == name) return value;
    if (PyUnicode_Check(key) && !PyUnicode_CHECK_INTERNED(key) && PyUnicode_Compare(key, name) == 0)
      return value;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Error messages (cold path: strings are fine here)
// ---------------------------------------------------------------------------------------------

std::string type_name(PyObject* o) {
  if (is_tensor(o)) return "Tensor";
  if (PyTuple_Check(o) || PyList_Check(o)) {
    bool tuple = PyTuple_Check(o);
    std::string s = tuple ? "tuple of (" : "list of [";
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    for (Py_ssize_t k = 0; k < n; ++k) {
      PyObject* item = PySequence_Fast_GET_ITEM(o, k);
      s += (k ? ", " : "");
      s += is_tensor(item) ? "Tensor" : Py_TYPE(item)->tp_name;
    }
    return s + (tuple ? ")" : "]");
  }
  return Py_TYPE(o)->tp_name;
}

// A keyword's text for a message; "?" for non-str keys or ones UTF-8 cannot encode (lone surrogates).
const char* key_text(PyObject* key) {
  const char* u = key && PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : nullptr;
  if (!u) PyErr_Clear();
  return u ? u : "?";
}

[[noreturn]] void raise_type_error(const std::string& msg) {
  PyErr_SetString(PyExc_TypeError, msg.c_str());
  throw python_error();
}

std::string plural(Py_ssize_t n, const char* word) { return str(n, " ", word, n == 1 ? "" : "s"); }

// ---------------------------------------------------------------------------------------------
// Conversions used by the accessors
// ---------------------------------------------------------------------------------------------

// What an int that does not fit int64 raises, as in PyTorch 2.13: ValueError for an int
// parameter, TypeError inside an int list, OverflowError for a Scalar.
enum class IntSlot { Int, ListItem, Scalar };

[[noreturn]] void overflow_error(const FunctionSignature& sig, PyObject* o, IntSlot slot) {
  PyErr_Clear();
  std::string value = "?";
  if (PyObject* s = PyObject_Str(o)) {
    if (const char* u = PyUnicode_AsUTF8(s)) value = u;
    Py_DECREF(s);
  }
  PyErr_Clear();
  std::string msg = str("[", sig.op_name, "] Overflow when unpacking long: ", value);
  if (slot == IntSlot::Scalar) {
    PyErr_SetString(PyExc_OverflowError, msg.c_str());
    throw python_error();
  }
  throw Error(slot == IntSlot::Int ? ErrorKind::Value : ErrorKind::Type, msg);
}

int64_t unpack_int(const FunctionSignature& sig, PyObject* o, IntSlot slot = IntSlot::Int) {
  if (is_tensor(o)) {  // matched by is_int_tensor: one integer element
    const Tensor& t = unpack_tensor(o);
    TG_CHECK_TYPE(t.numel() == 1 && is_integral(t.dtype(), /*include_bool=*/false), "[", sig.op_name,
                  "] expected an int, not a ", t.dtype(), " tensor with ", t.numel(), " elements");
    return item(t).to_int();
  }
  int overflow = 0;
  long long v;
  if (PyLong_CheckExact(o)) {
    v = PyLong_AsLongLongAndOverflow(o, &overflow);
  } else {
    // __index__ runs Python code, which could drop the last other reference to o.
    struct Hold {
      PyObject* o;
      ~Hold() { Py_DECREF(o); }
    } hold{(Py_INCREF(o), o)};
    v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) overflow_error(sig, o, slot);
  }
  if (overflow) overflow_error(sig, o, slot);
  if (v == -1 && PyErr_Occurred()) throw python_error();
  return v;
}

Scalar unpack_scalar(const FunctionSignature& sig, PyObject* o) {
  if (PyBool_Check(o)) return Scalar(o == Py_True);
  if (PyLong_Check(o)) return Scalar(unpack_int(sig, o, IntSlot::Scalar));
  if (PyFloat_Check(o)) return Scalar(PyFloat_AS_DOUBLE(o));
  if (is_tensor(o)) {
    const Tensor& t = unpack_tensor(o);
    TG_CHECK_VALUE(t.numel() == 1, "[", sig.op_name, "] a Tensor with ", t.numel(),
                   " elements cannot be converted to Scalar");
    return item(t);
  }
  if (is_number(o)) return unpack_number(o);
  throw Error(ErrorKind::Type, str("[", sig.op_name, "] expected a number, not ", type_name(o)));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FunctionParameter / FunctionSignature
// ---------------------------------------------------------------------------------------------

bool FunctionParameter::check(PyObject* o, bool allow_single_int) const {
  switch (type) {
    case ParamType::Tensor: return is_tensor(o) || (number_as_tensor && is_number_fast(o));
    case ParamType::TensorList:
      return (PyTuple_Check(o) || PyList_Check(o)) && all_items(o, [](PyObject* x) { return is_tensor(x); });
    case ParamType::Int: return is_int_like(o) || is_int_tensor(o, false);
    case ParamType::IntList:
      // Every item is checked (PyTorch checks only the first, so that `x.sum((0, True))` passes
      // there: a deliberate, stricter difference).
      if (PyTuple_Check(o) || PyList_Check(o)) return all_items(o, is_int_list_item);
      return (size > 0 || allow_single_int) && is_int_list_item(o);
    case ParamType::Double: return is_float_like(o);
    // Only a Python bool, as in PyTorch 2.13 (a NumPy bool, an int or a tensor is a TypeError there).
    case ParamType::Bool: return PyBool_Check(o);
    case ParamType::String: return PyUnicode_Check(o);
    case ParamType::Scalar: {
      if (is_number_fast(o)) return true;
      // PyTorch's rule: only a 0-d tensor that doesn't require grad stands in for a number, so
      // that lerp(a, b, w) with a (1, 1, 1) or a requires-grad weight picks lerp.Tensor (keeping
      // the broadcast shape and the weight's gradient) instead of lerp.Scalar.
      if (!is_tensor(o)) return false;
      const Tensor& t = unpack_tensor(o);
      return t.dim() == 0 && !t.requires_grad();
    }
    case ParamType::ScalarType: {
      ScalarType t;
      return is_dtype(o) || python_type_dtype(o, t);
    }
    case ParamType::Device: return is_device_like(o);
    case ParamType::Generator: return is_generator(o);
  }
  return false;
}

const char* FunctionParameter::expected_name() const {
  switch (type) {
    case ParamType::Tensor: return "Tensor";
    case ParamType::TensorList: return "tuple of Tensors";
    case ParamType::Int: return "int";
    case ParamType::IntList: return "tuple of ints";
    case ParamType::Double: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::String: return "str";
    case ParamType::Scalar: return "Number";
    case ParamType::ScalarType: return "dtype";
    case ParamType::Device: return "device";
    case ParamType::Generator: return "Generator";
  }
  return "?";
}

FunctionSignature::FunctionSignature(std::string op, const char* text, bool numbers_as_tensors)
    : op_name(std::move(op)) {
  std::string_view s(text);
  size_t open = s.find('(');
  if (open == std::string_view::npos || trim(s.substr(0, open)).empty()) bad_signature(text, "expected name(...)");
  // Find the matching ')' (Tensor(a!) annotations nest).
  size_t close = std::string_view::npos;
  int depth = 0;
  char quote = 0;
  for (size_t i = open; i < s.size() && close == std::string_view::npos; ++i) {
    char c = s[i];
    if (quote) quote = c == quote ? 0 : quote;
    else if (c == '\'' || c == '"') quote = c;
    else if (c == '(') ++depth;
    else if (c == ')' && --depth == 0) close = i;
  }
  if (close == std::string_view::npos) bad_signature(text, "missing ')'");
  std::string_view rest = trim(s.substr(close + 1));
  if (!rest.empty() && rest.rfind("->", 0) != 0) bad_signature(text, "unexpected text after ')'");

  std::string_view body = trim(s.substr(open + 1, close - open - 1));
  bool kw_only = false;
  display = "(";
  if (!body.empty()) {
    for (std::string_view item : split_top_level(body)) {
      if (display.size() > 1) display += ", ";
      if (item == "*") {
        display += "*";
        if (kw_only) bad_signature(text, "'*' given twice");
        kw_only = true;
        continue;
      }
      FunctionParameter p;
      p.keyword_only = kw_only;
      std::string_view decl = item, def;
      size_t eq = item.find('=');
      if (eq != std::string_view::npos) {
        decl = trim(item.substr(0, eq));
        def = trim(item.substr(eq + 1));
      }
      size_t sp = decl.find_last_of(" \t");
      if (sp == std::string_view::npos) bad_signature(text, "expected 'type name' in '" + std::string(item) + "'");
      p.name = std::string(decl.substr(sp + 1));
      if (!is_identifier(p.name)) bad_signature(text, "bad parameter name '" + p.name + "'");
      for (auto& q : params)
        if (q.name == p.name) bad_signature(text, "duplicate parameter '" + p.name + "'");
      parse_type(p, trim(decl.substr(0, sp)), text);
      if (eq != std::string_view::npos) parse_default(p, def, text);
      p.none_only_by_omission = p.default_none && none_only_by_omission(op_name, p.name);
      // Numbers stand in for tensors (`x + 1`) in pointwise ops, except for the tensor an op is
      // about (a leading `input`, which decides the device; `tg.add(1, x)` is a TypeError like in
      // PyTorch, while `tg.where(c, 1, x)` is fine), a `condition`, out= (it must be a real tensor
      // to write into), and the tensor after a leading Scalar `input` (tg.pow(2, x): x is the
      // tensor the op is about, so tg.pow(2, 3) is a TypeError as in PyTorch).
      const bool scalar_first = !params.empty() && params.front().name == "input" &&
                                params.front().type == ParamType::Scalar;
      p.number_as_tensor = numbers_as_tensors && !(p.name == "input" && params.empty()) && !scalar_first &&
                           p.name != "condition" && p.name != "out";
      // Interned, and kept for the life of the process (the parser is a static that outlives
      // the interpreter, so it must never decref).
      p.py_name = PyUnicode_InternFromString(p.name.c_str());
      if (!p.py_name) {
        PyErr_Clear();
        bad_signature(text, "cannot create the name string");
      }
      display += p.type_text + " " + p.name + (p.has_default ? "=" + p.default_text : "");
      if (!kw_only) {
        ++max_positional;
        if (!p.has_default) min_positional = max_positional;
      }
      params.push_back(std::move(p));
    }
  }
  display += ")";
  if (params.size() > size_t(ParsedArgs::kMaxArgs)) bad_signature(text, "more than 16 parameters");
  // Like PyTorch, only when the int[] is the sole positional parameter: x.view(2, 3), tg.ones(2, 3),
  // but x.sum(0, True) is (dim=0, keepdim=True), not dim=(0, 1).
  varargs_intlist = !params.empty() && params[0].type == ParamType::IntList && !params[0].keyword_only &&
                    max_positional == 1;
}

FunctionSignature::Fail FunctionSignature::match(PyObject* args, PyObject* kwargs, PyObject** dst,
                                                 bool raise) const {
  const Py_ssize_t nargs = args ? PyTuple_GET_SIZE(args) : 0;
  Py_ssize_t kw_left = kwargs ? PyDict_GET_SIZE(kwargs) : 0;
  // `x.view(2, 3)`: positional ints form the leading int[] (`x.view((2, 3))` takes the normal path).
  const bool varargs = varargs_intlist && nargs > 1 && is_int_list_item(PyTuple_GET_ITEM(args, 0));

  if (nargs > max_positional && !varargs) {
    if (!raise) return Fail::TooManyPositional;
    std::string takes = min_positional == max_positional
                            ? plural(max_positional, "positional argument")
                            : str("from ", min_positional, " to ", max_positional, " positional arguments");
    raise_type_error(str("[", op_name, "] takes ", takes, " but ", nargs, nargs == 1 ? " was" : " were", " given"));
  }

  if (raise && kwargs) {
    // Reported first, as Python does. Positional args fill a prefix of params.
    for (size_t i = 0; i < params.size() && i < size_t(varargs ? 1 : nargs); ++i)
      if (find_kwarg(kwargs, params[i].py_name))
        raise_type_error(str("[", op_name, "] got multiple values for argument '", params[i].name, "'"));
  }

  Py_ssize_t arg_pos = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const FunctionParameter& p = params[i];
    PyObject* obj = nullptr;
    Py_ssize_t position = 0;  // 1-based, for messages; 0 when given by keyword
    if (arg_pos < nargs && !p.keyword_only) {
      position = arg_pos + 1;
      if (i == 0 && varargs) {
        obj = args;
        arg_pos = nargs;
      } else {
        obj = PyTuple_GET_ITEM(args, arg_pos++);
      }
    }
    // Params filled positionally skip the lookup: a keyword repeating one of them is left over
    // (kw_left > 0) and fails the match, so the success path scans kwargs once per unfilled param.
    if (!obj && kw_left > 0) {
      if ((obj = find_kwarg(kwargs, p.py_name))) --kw_left;
    }
    if (!obj) {
      if (!p.has_default) {
        if (!raise) return Fail::Missing;
        raise_type_error(str("[", op_name, "] missing required argument '", p.name, "'"));
      }
      dst[i] = nullptr;
      continue;
    }
    if (obj == Py_None ? !p.allow_none || p.none_only_by_omission : !p.check(obj, i == 0 && varargs_intlist && position > 0)) {
      if (!raise) return Fail::WrongType;
      std::string where = position ? str(" (position ", position, ")") : std::string();
      raise_type_error(str("[", op_name, "] argument '", p.name, "'", where, " must be ", p.expected_name(),
                           ", not ", type_name(obj)));
    }
    dst[i] = obj;
  }
  if (kw_left > 0) {
    PyObject* key = unknown_keyword(kwargs);
    if (!raise) return key ? Fail::UnknownKeyword : Fail::MultipleValues;
    raise_type_error(str("[", op_name, "] got an unexpected keyword argument '",
                         key_text(key), "'"));
  }
  return Fail::None;
}

PyObject* FunctionSignature::unknown_keyword(PyObject* kwargs) const {
  if (!kwargs) return nullptr;
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(kwargs, &pos, &key, &value)) {
    bool known = std::any_of(params.begin(), params.end(), [&](const FunctionParameter& p) {
      return key == p.py_name || (PyUnicode_Check(key) && PyUnicode_Compare(key, p.py_name) == 0);
    });
    if (!known) return key;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// PythonArgParser
// ---------------------------------------------------------------------------------------------

PythonArgParser::PythonArgParser(const char* op_name, std::initializer_list<const char*> signatures,
                                 bool numbers_as_tensors)
    : op_name_(op_name) {
  signatures_.reserve(signatures.size());
  for (const char* s : signatures) signatures_.emplace_back(op_name_, s, numbers_as_tensors);
  TG_CHECK(!signatures_.empty(), "[", op_name_, "] PythonArgParser needs at least one signature");
}

int PythonArgParser::parse(PyObject* args, PyObject* kwargs, ParsedArgs& out) const {
  if (kwargs && PyDict_GET_SIZE(kwargs) == 0) kwargs = nullptr;
  for (size_t i = 0; i < signatures_.size(); ++i) {
    if (signatures_[i].match(args, kwargs, out.args_, false) == FunctionSignature::Fail::None) {
      out.sig_ = &signatures_[i];
      return int(i);
    }
  }
  raise_no_match(args, kwargs);
}

void PythonArgParser::raise_no_match(PyObject* args, PyObject* kwargs) const {
  // A keyword that no signature knows is the most useful thing to report, as Python does.
  PyObject* unknown = nullptr;
  bool all_unknown = kwargs != nullptr;
  for (size_t i = 0; i < signatures_.size() && all_unknown; ++i) {
    PyObject* key = signatures_[i].unknown_keyword(kwargs);
    if (!key) all_unknown = false;
    if (i == 0) unknown = key;
  }
  if (all_unknown && unknown)
    raise_type_error(str("[", op_name_, "] got an unexpected keyword argument '", key_text(unknown), "'"));

  if (signatures_.size() == 1) {
    PyObject* scratch[ParsedArgs::kMaxArgs];
    signatures_[0].match(args, kwargs, scratch, true);  // throws with the precise reason
  }
  std::string got = "(";
  Py_ssize_t nargs = args ? PyTuple_GET_SIZE(args) : 0;
  for (Py_ssize_t k = 0; k < nargs; ++k) got += (k ? ", " : "") + type_name(PyTuple_GET_ITEM(args, k));
  if (kwargs) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(kwargs, &pos, &key, &value)) {
      got += (got.size() > 1 ? ", " : "") + std::string(key_text(key)) + "=" + type_name(value);
    }
  }
  std::string msg = str("[", op_name_, "] received an invalid combination of arguments - got ", got,
                        "), but expected one of:");
  for (const FunctionSignature& s : signatures_) msg += "\n * " + s.display;
  raise_type_error(msg);
}

// ---------------------------------------------------------------------------------------------
// ParsedArgs accessors: absent -> the signature's parsed default; None -> nullopt / error.
// ---------------------------------------------------------------------------------------------

void ParsedArgs::type_error(int i) const {
  const FunctionParameter& p = param(i);
  PyObject* o = args_[i];
  throw Error(ErrorKind::Type, str("[", sig_->op_name, "] argument '", p.name, "' must be ", p.expected_name(),
                                   ", not ", o ? type_name(o) : std::string("NoneType")));
}

Tensor ParsedArgs::tensor(int i) const {
  PyObject* o = args_[i];
  if (o && is_tensor(o)) [[likely]] return unpack_tensor(o);
  if (!o || o == Py_None) return Tensor();
  if (!is_number_fast(o)) type_error(i);
  return wrapped_scalar_tensor(unpack_scalar(*sig_, o));  // `x + 1`: a "weak" 0-d tensor
}

Tensor ParsedArgs::tensor_promoted_with(int i, const Tensor& self) const {
  PyObject* o = args_[i];
  if (!o || is_tensor(o) || !is_number_fast(o) || !self.defined() ||
      (self.requires_grad() && GradMode::is_enabled()))
    return tensor(i);
  return native::wrapped_scalar_for(self, unpack_scalar(*sig_, o));
}

std::optional<Tensor> ParsedArgs::optional_tensor(int i) const {
  if (isNone(i)) return std::nullopt;
  return tensor(i);
}

std::vector<Tensor> ParsedArgs::tensorlist(int i) const {
  PyObject* o = args_[i];
  std::vector<Tensor> out;
  if (!o) return out;  // the only allowed default is []
  if (!(PyTuple_Check(o) || PyList_Check(o))) type_error(i);
  Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  out.reserve(size_t(n));
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* item = PySequence_Fast_GET_ITEM(o, k);
    if (!is_tensor(item)) type_error(i);  // rechecked: a list may change after matching
    out.push_back(unpack_tensor(item));
  }
  return out;
}

Scalar ParsedArgs::scalar(int i) const {
  PyObject* o = args_[i];
  if (!o) return param(i).default_scalar;
  if (o == Py_None) type_error(i);
  return unpack_scalar(*sig_, o);
}

std::optional<Scalar> ParsedArgs::optional_scalar(int i) const {
  if (isNone(i)) return std::nullopt;
  return scalar(i);
}

int64_t ParsedArgs::toInt64(int i) const {
  PyObject* o = args_[i];
  if (!o) return param(i).default_int;
  if (o == Py_None) type_error(i);
  return unpack_int(*sig_, o);
}

std::optional<int64_t> ParsedArgs::toInt64Optional(int i) const {
  if (isNone(i)) return std::nullopt;
  return toInt64(i);
}

DimVector ParsedArgs::intlist(int i) const {
  const FunctionParameter& p = param(i);
  PyObject* o = args_[i];
  if (!o || (o == Py_None && p.allow_none && !p.optional)) return p.default_intlist;  // dim=[] given as None
  if (o == Py_None) type_error(i);
  if (PyTuple_Check(o) || PyList_Check(o)) {
    DimVector out;
    // The size is reread each step: an element's __index__ could shrink a list.
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(o); ++k)
      out.push_back(unpack_int(*sig_, PySequence_Fast_GET_ITEM(o, k), IntSlot::ListItem));
    return out;
  }
  // A lone int: int[2] 3 -> [3, 3]; int[] (the varargs form `zeros(5)`) 5 -> [5].
  return DimVector(size_t(std::max(p.size, 1)), unpack_int(*sig_, o, p.size > 0 ? IntSlot::Int : IntSlot::ListItem));
}

std::optional<DimVector> ParsedArgs::intlistOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return intlist(i);
}

double ParsedArgs::toDouble(int i) const {
  PyObject* o = args_[i];
  if (!o) return param(i).default_double;
  if (PyFloat_CheckExact(o)) [[likely]] return PyFloat_AS_DOUBLE(o);
  if (o == Py_None) type_error(i);
  if (PyLong_Check(o) || PyFloat_Check(o)) {
    double v = PyLong_Check(o) ? PyLong_AsDouble(o) : PyFloat_AS_DOUBLE(o);
    if (v == -1.0 && PyErr_Occurred()) throw python_error();  // int too large for a float
    return v;
  }
  if (is_tensor(o)) {  // a 0-d tensor (checked by is_float_like; rechecked: it may have changed)
    const Tensor& t = unpack_tensor(o);
    if (t.numel() != 1) type_error(i);
    return item(t).to_double();
  }
  if (is_number(o)) return unpack_number(o).to_double();
  type_error(i);
}

std::optional<double> ParsedArgs::toDoubleOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return toDouble(i);
}

bool ParsedArgs::toBool(int i) const {
  PyObject* o = args_[i];
  if (!o) return param(i).default_bool;
  if (o == Py_True) return true;
  if (o == Py_False) return false;
  type_error(i);
}

std::optional<bool> ParsedArgs::toBoolOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return toBool(i);
}

std::string_view ParsedArgs::string(int i) const {
  PyObject* o = args_[i];
  if (!o) return param(i).default_string;
  if (!PyUnicode_Check(o)) type_error(i);
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(o, &n);  // cached in the str object, which outlives the call
  if (!s) throw python_error();
  return std::string_view(s, size_t(n));
}

std::optional<std::string_view> ParsedArgs::stringOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return string(i);
}

ScalarType ParsedArgs::scalartype(int i) const {
  PyObject* o = args_[i];
  if (!o) return param(i).default_dtype;
  if (is_dtype(o)) return unpack_dtype(o);
  ScalarType t;
  if (python_type_dtype(o, t)) return t;
  type_error(i);
}

std::optional<ScalarType> ParsedArgs::scalartypeOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return scalartype(i);
}

Device ParsedArgs::device(int i) const {
  if (isNone(i)) return Device();
  return unpack_device(args_[i]);  // throws ValueError/RuntimeError for a bad string
}

std::optional<Device> ParsedArgs::deviceOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return unpack_device(args_[i]);
}

std::optional<Generator> ParsedArgs::generatorOptional(int i) const {
  if (isNone(i)) return std::nullopt;
  return unpack_generator(args_[i]);  // parse() checked is_generator
}

}  // namespace tg::python
