#pragma once
// Parses Python (args, kwargs) against schema-style signatures for the generated bindings
// (DESIGN.md §2, §7). A smaller cousin of PyTorch's torch/csrc/utils/python_arg_parser.h:
//
//   static PythonArgParser parser("add", {
//       "add(Tensor input, Tensor other, *, Scalar alpha=1, Tensor? out=None)",
//   });
//   ParsedArgs r;
//   int idx = parser.parse(args, kwargs, r);   // index of the signature that matched
//   Tensor self = r.tensor(0); Scalar alpha = r.scalar(2); ...
//
// Signatures are parsed once, when the function-local static is built. parse() is the per-op
// hot path: it allocates nothing, creates no Python objects and builds no strings unless it
// fails. Accessors convert lazily and need the GIL; conversion errors (int overflow, ...) are
// thrown as tg::Error or python_error, for TG_PY_END to translate.
#include <Python.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aten/core/Device.h"
#include "aten/core/Generator.h"
#include "aten/core/Scalar.h"
#include "aten/core/ScalarType.h"
#include "aten/core/SmallVector.h"
#include "aten/core/Tensor.h"
#include "csrc/python/python_types.h"

namespace tg::python {

enum class ParamType : uint8_t {
  Tensor, TensorList, Int, IntList, Double, Bool, String, Scalar, ScalarType, Device, Generator
};

// One parameter of a signature, with its default already converted.
struct FunctionParameter {
  ParamType type = ParamType::Tensor;
  bool optional = false;          // the type ends in '?'
  bool allow_none = false;        // optional, or defaults to None
  bool keyword_only = false;      // after '*'
  bool has_default = false;       // may be omitted
  bool default_none = false;      // omitted means None
  bool number_as_tensor = false;  // a Python number is accepted and becomes a wrapped scalar tensor
  bool none_only_by_omission = false;  // optional in C++, but an explicit None is a TypeError (see .cpp)
  int size = 0;                   // N of int[N]; 0 for int[]
  std::string name;               // "other"
  std::string type_text;          // "Tensor?", as printed in error messages
  std::string default_text;       // "1", "None", "" when there is no default
  PyObject* py_name = nullptr;    // interned name, for pointer comparison with kwargs keys

  // The parsed default; which field is meaningful depends on `type`.
  int64_t default_int = 0;
  double default_double = 0;
  bool default_bool = false;
  tg::Scalar default_scalar;
  tg::ScalarType default_dtype = tg::ScalarType::Undefined;
  DimVector default_intlist;
  std::string default_string;

  // Whether obj (not None) fits this parameter. allow_single_int: a lone int may stand for an
  // int[] (the varargs form `x.view(5)`).
  bool check(PyObject* obj, bool allow_single_int) const;
  const char* expected_name() const;  // "Tensor", "tuple of ints", ... for "must be X" messages
};

// The parsed form of one signature string.
struct FunctionSignature {
  enum class Fail : uint8_t { None, TooManyPositional, Missing, WrongType, UnknownKeyword, MultipleValues };

  // numbers_as_tensors: a Python number may stand in for a Tensor parameter (pointwise ops,
  // `x + 1`); other ops (mm, matmul, ...) raise TypeError like PyTorch.
  FunctionSignature(std::string op_name, const char* text, bool numbers_as_tensors = true);  // throws tg::Error

  // Binds args/kwargs to params, writing borrowed objects (nullptr = absent) into dst.
  // With raise=true a failure sets a precise TypeError and throws python_error instead.
  Fail match(PyObject* args, PyObject* kwargs, PyObject** dst, bool raise) const;
  // The first key of kwargs that names no parameter, or nullptr.
  PyObject* unknown_keyword(PyObject* kwargs) const;

  std::string op_name;  // "add", for "[add] ..." messages
  std::string display;  // "(Tensor input, Tensor other, *, Scalar alpha=1)"
  std::vector<FunctionParameter> params;
  int max_positional = 0;  // params that may be given positionally
  int min_positional = 0;  // positional params without a default
  bool varargs_intlist = false;  // first param is int[]: `x.view(2, 3)` means `x.view((2, 3))`
};

// The result of one parse: borrowed references into args/kwargs, valid while the call runs.
class ParsedArgs {
 public:
  static constexpr int kMaxArgs = 16;

  bool isNone(int i) const {
    PyObject* o = args_[i];
    return o ? o == Py_None : sig_->params[i].default_none;
  }
  PyObject* raw(int i) const { return args_[i]; }  // borrowed; nullptr when absent
  const FunctionSignature& signature() const { return *sig_; }

  Tensor tensor(int i) const;  // undefined Tensor when None
  // tensor(i), except that a Python number becomes its wrapped tensor already in the dtype it
  // and self promote to: what the TensorIterator of a pointwise op of exactly these two tensors
  // (default or always-bool promotion) would convert it to, so the op makes no second 0-d tensor.
  // Not while autograd records the op: a derivative formula may compute with the number itself.
  Tensor tensor_promoted_with(int i, const Tensor& self) const;
  std::optional<Tensor> optional_tensor(int i) const;
  std::vector<Tensor> tensorlist(int i) const;
  Scalar scalar(int i) const;
  std::optional<Scalar> optional_scalar(int i) const;
  int64_t toInt64(int i) const;
  std::optional<int64_t> toInt64Optional(int i) const;
  DimVector intlist(int i) const;
  std::optional<DimVector> intlistOptional(int i) const;
  double toDouble(int i) const;
  std::optional<double> toDoubleOptional(int i) const;
  bool toBool(int i) const;
  std::optional<bool> toBoolOptional(int i) const;
  std::string_view string(int i) const;  // points into the Python str (or the signature's default)
  std::optional<std::string_view> stringOptional(int i) const;
  ScalarType scalartype(int i) const;
  std::optional<ScalarType> scalartypeOptional(int i) const;
  Device device(int i) const;  // CPU when absent or None
  std::optional<Device> deviceOptional(int i) const;
  std::optional<Generator> generatorOptional(int i) const;  // a tg.Generator, or nullopt for None

 private:
  friend class PythonArgParser;
  const FunctionParameter& param(int i) const { return sig_->params[i]; }
  [[noreturn]] void type_error(int i) const;

  const FunctionSignature* sig_ = nullptr;
  PyObject* args_[kMaxArgs];  // filled by parse() for every param of sig_; not zeroed (hot path)
};

class PythonArgParser {
 public:
  PythonArgParser(const char* op_name, std::initializer_list<const char*> signatures, bool numbers_as_tensors = true);

  // Tries the signatures in order; returns the index of the first that fits, filling `out`.
  // When none fits, sets a TypeError and throws python_error.
  int parse(PyObject* args, PyObject* kwargs, ParsedArgs& out) const;

  const std::vector<FunctionSignature>& signatures() const { return signatures_; }

 private:
  [[noreturn]] void raise_no_match(PyObject* args, PyObject* kwargs) const;

  std::string op_name_;
  std::vector<FunctionSignature> signatures_;
};

}  // namespace tg::python
