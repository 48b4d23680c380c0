// Values between Python and C++ (python/src/env.cpp implements these): observations out as
// numpy (float32 arrays of the Box's shape, int64 scalars for Discrete, as Gymnasium), actions
// and observations in from Python ints, numpy scalars, lists and arrays.
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "core/space.hpp"

namespace rlsim::python {

namespace py = pybind11;

// A new numpy object for `v` (np.int64 for Discrete, a float32 ndarray shaped like the Box).
py::object value_to_python(const Value& v, const Space& space);
// Reads `x` into `v` (sized for the space). TypeError when `x` is not an integer (Discrete)
// or not numbers (Box); ValueError when a Box value has the wrong number of components.
// `what` names it in messages ("action for CartPole-v1"). Bounds are not checked here.
void value_from_python(py::handle x, const Space& space, Value& v, const std::string& what);
// value_from_python, then ValueError (Space::validate's message) when `v` is outside `space`.
void checked_value_from_python(py::handle x, const Space& space, Value& v, const std::string& what);

}  // namespace rlsim::python
