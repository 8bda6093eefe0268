#pragma once
// tg.Generator: a Python handle on a Philox generator (aten/core/Generator.h), accepted by every
// op argument declared `Generator? generator=None` in native_functions.yaml.
#include <Python.h>

#include "aten/core/Generator.h"

namespace tg::python {

bool is_generator(PyObject* obj);
Generator unpack_generator(PyObject* obj);  // obj must pass is_generator

}  // namespace tg::python
