// rlsim._rlsim: the extension module behind the `rlsim` Python package (python/rlsim/).
//
// This file holds the registry side: ids, typed parameter schemas (rlsim.describe and the
// keyword arguments of make/agent), plugins and seed derivation; env.cpp, vector_env.cpp,
// agent.cpp, runfile.cpp and experiment.cpp bind the rest. Nothing here re-implements an env,
// an agent or a file format: every call goes to the C++ libraries (docs/python.md).
#include <pybind11/stl.h>

#include <limits>
#include <string>
#include <vector>

#include "agents/register.hpp"
#include "bandits/register.hpp"
#include "core/rng.hpp"
#include "core/version.hpp"
#include "envs/register.hpp"
#include "python/src/common.hpp"
#include "run/plugin_loader.hpp"

namespace rlsim::python {

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();  // lives as long as the process (plugins stay loaded too)
    register_envs(*reg);
    register_bandits(*reg);
    register_agents(*reg);
    load_plugins_from_env(*reg);
    return reg;
  }();
  return *r;
}

namespace {

std::string type_name(py::handle h) {
  return py::str(py::handle(reinterpret_cast<PyObject*>(Py_TYPE(h.ptr()))).attr("__name__"));
}

bool is_bool(py::handle h) {
  if (PyBool_Check(h.ptr())) return true;
  // numpy.bool_ (not a subclass of bool)
  return std::string(Py_TYPE(h.ptr())->tp_name) == "numpy.bool_";
}

// An integer that is not a bool: Python int or a numpy integer scalar.
bool as_integer(py::handle h, std::int64_t& out) {
  if (is_bool(h) || PyFloat_Check(h.ptr())) return false;
  if (!PyLong_Check(h.ptr()) && !PyIndex_Check(h.ptr())) return false;
  if (PyObject_HasAttrString(h.ptr(), "shape") && !PyLong_Check(h.ptr())) {
    // numpy arrays have __index__ only when 0-d of an integer dtype; refuse n-d ones.
    if (py::len(h.attr("shape")) != 0) return false;
  }
  py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!index) {
    PyErr_Clear();
    return false;
  }
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0)
    throw py::value_error("integer " + std::string(py::str(h)) + " does not fit in 64 bits");
  out = v;
  return true;
}

bool as_number(py::handle h, double& out) {
  if (is_bool(h)) return false;
  if (PyFloat_Check(h.ptr())) {
    out = PyFloat_AsDouble(h.ptr());
    return true;
  }
  // numpy floating scalars other than float64 (float32, float16): they have a dtype kind 'f'.
  if (py::hasattr(h, "dtype") && py::len(h.attr("shape")) == 0 &&
      std::string(py::str(h.attr("dtype").attr("kind"))) == "f") {
    out = py::float_(py::reinterpret_borrow<py::object>(h));
    return true;
  }
  return false;
}

}  // namespace

RawParams raw_params(const py::dict& kwargs, const std::string& owner) {
  RawParams raw;
  for (auto item : kwargs) {
    const std::string key = py::str(item.first);
    py::handle v = item.second;
    if (v.is_none()) continue;  // None: the parameter's default
    std::int64_t i = 0;
    double d = 0;
    if (is_bool(v)) {
      raw[key] = static_cast<bool>(PyObject_IsTrue(v.ptr()));
    } else if (as_integer(v, i)) {
      raw[key] = i;
    } else if (as_number(v, d)) {
      raw[key] = d;
    } else if (PyUnicode_Check(v.ptr())) {
      raw[key] = std::string(py::str(v));
    } else if (PyList_Check(v.ptr()) || PyTuple_Check(v.ptr()) ||
               (py::hasattr(v, "shape") && py::hasattr(v, "tolist"))) {
      py::object seq = py::hasattr(v, "tolist") && !PyList_Check(v.ptr()) && !PyTuple_Check(v.ptr())
                           ? v.attr("tolist")()
                           : py::reinterpret_borrow<py::object>(v);
      std::vector<std::int64_t> ints;
      std::vector<double> doubles;
      bool all_ints = true;
      for (py::handle x : seq) {
        if (as_integer(x, i)) {
          ints.push_back(i);
          doubles.push_back(static_cast<double>(i));
        } else if (as_number(x, d)) {
          all_ints = false;
          doubles.push_back(d);
        } else {
          throw py::type_error(owner + " parameter '" + key +
                               "' must be a list of numbers, got an item of type " + type_name(x) +
                               ": " + std::string(py::repr(x)));
        }
      }
      if (all_ints && !ints.empty())
        raw[key] = ints;
      else
        raw[key] = doubles;
    } else {
      throw py::type_error(owner + " parameter '" + key +
                           "' must be a bool, a number, a string or a list of numbers, got " +
                           type_name(v) + ": " + std::string(py::repr(v)));
    }
  }
  return raw;
}

void raise_param_error(const Error& e) {
  const std::string msg = e.what();
  // core/params.cpp: "<owner> parameter 'k' must be ..., got ..." (a value of the wrong
  // type) and "<owner> has no parameter 'k'" (an unknown keyword argument, which Python
  // itself reports as TypeError); everything else (range, choices, checks across
  // parameters) is a bad value.
  if (msg.find("' must be ") != std::string::npos ||
      msg.find(" has no parameter '") != std::string::npos)
    throw py::type_error(msg);
  throw py::value_error(msg);
}

void raise_make_error(const Error& e) {
  const std::string msg = e.what();
  if (msg.rfind("unknown env id '", 0) == 0 || msg.rfind("unknown agent id '", 0) == 0)
    throw py::value_error(msg);
  raise_param_error(e);
}

py::object param_to_python(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>)
          return py::bool_(x);
        else if constexpr (std::is_same_v<T, std::int64_t>)
          return py::int_(x);
        else if constexpr (std::is_same_v<T, double>)
          return py::float_(x);
        else if constexpr (std::is_same_v<T, std::string>)
          return py::str(x);
        else
          return py::cast(x);  // a list of floats or ints
      },
      v);
}

std::uint64_t seed_from_python(py::handle seed, const std::string& what) {
  if (is_bool(seed) || !(PyLong_Check(seed.ptr()) || PyIndex_Check(seed.ptr())))
    throw py::type_error(what + " must be an integer in [0, 2^64) or None, got " + type_name(seed) +
                         ": " + std::string(py::repr(seed)));
  py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(seed.ptr()));
  if (!index) throw py::error_already_set();
  if (PyObject_RichCompareBool(index.ptr(), py::int_(0).ptr(), Py_LT) == 1)
    throw py::value_error(what + " = " + std::string(py::str(index)) +
                          " is negative: use an integer in [0, 2^64)");
  const unsigned long long v = PyLong_AsUnsignedLongLong(index.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error(what + " = " + std::string(py::str(index)) +
                          " does not fit in 64 bits: use an integer in [0, 2^64)");
  }
  return v;
}

namespace {

py::dict spec_dict(const ParamSpec& s) {
  py::dict d;
  d["name"] = s.name;
  d["type"] = to_string(s.type);
  d["default"] = param_to_python(s.default_value);
  d["min"] = s.min;
  d["max"] = s.max;
  d["range"] = s.has_range() ? py::object(py::str(s.range_text())) : py::object(py::none());
  d["choices"] = s.choices;
  d["doc"] = s.doc;
  d["source"] = s.source;
  return d;
}

py::list schema_list(const ParamSchema& schema) {
  py::list out;
  for (const ParamSpec& s : schema.specs()) out.append(spec_dict(s));
  return out;
}

}  // namespace

py::dict space_dict(const Space& s);  // env.cpp

namespace {

py::dict describe(const std::string& id) {
  Registry& r = registry();
  py::dict d;
  d["id"] = id;
  if (r.has_env(id)) {
    const EnvEntry& e = r.env(id);
    std::unique_ptr<Env> env;
    try {
      env = r.make_env(id, {});
    } catch (const Error& err) {
      raise_make_error(err);
    }
    const EnvSpec& s = env->spec();
    const ParamSchema schema = Registry::with_common_env_params(e.schema);
    d["kind"] = "env";
    d["doc"] = e.doc;
    d["origin"] = e.origin;
    d["params"] = schema_list(schema);
    d["observation_space"] = space_dict(s.observation_space);
    d["action_space"] = space_dict(s.action_space);
    d["observation_space_text"] = s.observation_space.describe();
    d["action_space_text"] = s.action_space.describe();
    d["max_episode_steps"] =
        s.max_episode_steps > 0 ? py::object(py::int_(s.max_episode_steps)) : py::none();
    d["reward_threshold"] =
        s.reward_threshold ? py::object(py::float_(*s.reward_threshold)) : py::none();
    py::list caps;
    if (env->model()) caps.append("model");
    if (env->oracle()) caps.append("regret-oracle");
    if (env->has_state()) caps.append("state");
    if (s.defines_success) caps.append("success");
    d["capabilities"] = caps;
    return d;
  }
  if (r.has_agent(id)) {
    const AgentEntry& a = r.agent(id);
    d["kind"] = "agent";
    d["doc"] = a.doc;
    d["origin"] = a.origin;
    d["params"] = schema_list(a.schema);
    return d;
  }
  std::vector<std::string> all = r.env_ids();
  for (const auto& a : r.agent_ids()) all.push_back(a);
  std::string msg = "unknown id '" + id + "': not an env or agent";
  auto close = close_matches(id, all);
  if (!close.empty()) {
    msg += "; did you mean:";
    for (const auto& c : close) msg += " " + c;
    msg += "?";
  }
  throw py::value_error(msg + " (rlsim.envs(), rlsim.agents())");
}

py::list entries(bool envs) {
  Registry& r = registry();
  py::list out;
  for (const std::string& id : envs ? r.env_ids() : r.agent_ids()) {
    py::dict d;
    d["id"] = id;
    d["doc"] = envs ? r.env(id).doc : r.agent(id).doc;
    d["origin"] = envs ? r.env(id).origin : r.agent(id).origin;
    out.append(d);
  }
  return out;
}

// {id: [parameter dicts]} of every env (with max_episode_steps and seeding) or agent, without
// building any env: for docstrings.
py::dict schemas(bool envs) {
  Registry& r = registry();
  py::dict out;
  for (const std::string& id : envs ? r.env_ids() : r.agent_ids()) {
    ParamSchema schema = envs ? r.env(id).schema : r.agent(id).schema;
    if (envs) schema = Registry::with_common_env_params(std::move(schema));
    out[py::str(id)] = schema_list(schema);
  }
  return out;
}

}  // namespace

}  // namespace rlsim::python

PYBIND11_MODULE(_rlsim, m) {
  using namespace rlsim;
  using namespace rlsim::python;
  m.doc() =
      "rlsim's C++ core (envs, vector envs, agents, experiments, run files); "
      "use the `rlsim` package, which wraps it.";
  init_numpy();
  m.attr("__version__") = std::string(version());
  m.attr("git_commit") = std::string(git_commit());
  m.def(
      "env_entries", [] { return entries(true); }, "[{id, doc, origin}] of every env");
  m.def(
      "agent_entries", [] { return entries(false); }, "[{id, doc, origin}] of every agent");
  m.def(
      "env_schemas", [] { return schemas(true); }, "{id: [parameters]} of every env");
  m.def(
      "agent_schemas", [] { return schemas(false); }, "{id: [parameters]} of every agent");
  m.def("describe", &describe, py::arg("id"),
        "An env's or agent's doc, spaces and typed parameters as a dict");
  m.def(
      "load_plugin",
      [](const std::string& path) {
        try {
          load_plugin(path, registry());
        } catch (const Error& e) {
          throw py::value_error(e.what());
        }
      },
      py::arg("path"), "Loads a plugin (.so) into the registry");
  m.def(
      "derive_seed",
      [](py::handle master, py::handle index, const std::string& stream) {
        return derive_seed(seed_from_python(master, "master seed"),
                           seed_from_python(index, "index"), stream);
      },
      py::arg("master"), py::arg("index"), py::arg("stream"),
      "derive_seed(master, index, stream) of core/rng.hpp: the seed `rlsim run` gives stream "
      "`stream` ('env', 'agent', 'eval') of seed index `index` under master seed `master`");
  m.def(
      "resolve_params",
      [](const std::string& kind, const std::string& id, const py::dict& kwargs) {
        Registry& r = registry();
        const std::string owner = kind + " '" + id + "'";
        try {
          RawParams raw = raw_params(kwargs, owner);
          Params p =
              kind == "env" ? r.resolve_env_params(id, raw) : r.resolve_agent_params(id, raw);
          py::dict out;
          for (const auto& [k, v] : p.values()) out[py::str(k)] = param_to_python(v);
          return out;
        } catch (const Error& e) {
          raise_make_error(e);
        }
      },
      py::arg("kind"), py::arg("id"), py::arg("params"),
      "The parameters with defaults filled, checked against the schema");
  init_env(m);
  init_vector_env(m);
  init_agent(m);
  init_runfile(m);
  init_experiment(m);
  init_bench(m);
}
