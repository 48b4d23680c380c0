// What the parts of the extension module rlsim._rlsim share: the process-wide registry,
// parameter conversion from Python, and the translation of rlsim::Error into Python's
// exception classes.
//
// Errors (docs/python.md): rlsim::Error carries the driver's one-line message; the binding
// that catches it chooses the Python class by what went wrong — TypeError for a value of the
// wrong type or an unknown keyword argument, ValueError for a bad id, a value out of range or
// outside the space, RuntimeError for calls out of order (step before reset, after close).
// Anything else from C++ becomes RuntimeError (pybind11's translation of std::runtime_error);
// nothing from C++ escapes as a crash.
#pragma once
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/registry.hpp"

namespace rlsim::python {

namespace py = pybind11;

// Built-ins, then the plugins in RLSIM_PLUGIN_PATH (as the driver), then rlsim.load_plugin.
Registry& registry();

// kwargs → raw parameters (bool, int, float, str, lists of numbers; numpy scalars and 1-D
// arrays too). Other types raise TypeError naming `owner` ("env 'CartPole-v1'") and the key.
RawParams raw_params(const py::dict& kwargs, const std::string& owner);

// Re-raises an rlsim::Error from resolving or binding parameters as TypeError (unknown
// parameter, wrong type) or ValueError (out of range, not one of the choices, a check across
// parameters), with the same message.
[[noreturn]] void raise_param_error(const Error& e);

// Re-raises an unknown-id error as ValueError, anything else as raise_param_error does.
[[noreturn]] void raise_make_error(const Error& e);

py::object param_to_python(const ParamValue& v);
// A Python integer in [0, 2^64) as a seed; ValueError/TypeError otherwise.
std::uint64_t seed_from_python(py::handle seed, const std::string& what);

void init_env(py::module_& m);
void init_vector_env(py::module_& m);
void init_agent(py::module_& m);
void init_runfile(py::module_& m);
void init_experiment(py::module_& m);
void init_bench(py::module_& m);
// NumPy's C API (np.int64 scalars, arrays without pybind11's overhead); called once.
void init_numpy();

}  // namespace rlsim::python
