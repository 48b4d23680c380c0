// rlsim._rlsim.Env: one C++ env (core/env.hpp) with Gymnasium 1.x's step signature.
//
// The Python class rlsim.Env (python/rlsim/_env.py) wraps this and uses bound_step() as its
// own step method directly, so a step from Python is one call into C++: read the action,
// Env::step, build the observation (numpy, via NumPy's C API) and the 5-tuple. That call is a
// plain CPython builtin (METH_O) bound to the env, not a pybind11 function: pybind11's
// dispatcher (argument vectors allocated per call, the loader's thread-local state, overload
// resolution) cost more per step than CartPole's own physics (bench/python_env_bench.py,
// BENCHMARKS.md). Its C++ exceptions go through pybind11's registered translators, as from any
// pybind11 function. bound_reset() does the same for rlsim.Env.reset's core, which returns
// (obs, info) in one call. bench_bare_step builds the step's tuple without an env, through
// pybind11, for the benchmark's overhead comparison.
//
// Order of calls: step() before the first reset(), after the episode ended, or after close()
// raises RuntimeError (the first two with Env::step's own message); render() and state access
// before the first reset() raise RuntimeError too, since some envs (Box2D) build their world
// at reset.
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL rlsim_python_ARRAY_API
#include <numpy/arrayobject.h>
#include <numpy/arrayscalars.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "python/src/common.hpp"
#include "python/src/values.hpp"

namespace rlsim::python {

void init_numpy() {
  if (_import_array() < 0) throw py::error_already_set();
}

namespace {

std::string type_name(py::handle h) {
  return py::str(py::handle(reinterpret_cast<PyObject*>(Py_TYPE(h.ptr()))).attr("__name__"));
}

// A Python int, numpy integer or 0-d integer array (not a float); false otherwise.
inline bool read_index(PyObject* p, std::int64_t& out) {
  if (PyLong_CheckExact(p)) {
    int overflow = 0;
    out = PyLong_AsLongLongAndOverflow(p, &overflow);
    return overflow == 0;
  }
  if (PyFloat_Check(p) || !PyIndex_Check(p)) return false;
  PyObject* index = PyNumber_Index(p);
  if (!index) {
    PyErr_Clear();
    return false;
  }
  int overflow = 0;
  out = PyLong_AsLongLongAndOverflow(index, &overflow);
  Py_DECREF(index);
  return overflow == 0;
}

inline PyObject* new_int64(std::int64_t x) {
  PyObject* s = PyArrayScalar_New(Int64);
  if (s) PyArrayScalar_ASSIGN(s, Int64, x);
  return s;
}

// Shape of a Box as numpy dims.
std::vector<npy_intp> dims_of(const Space& s) {
  return std::vector<npy_intp>(s.shape().begin(), s.shape().end());
}

inline PyObject* new_float_array(const std::vector<npy_intp>& dims, const float* data,
                                 std::size_t n) {
  PyObject* a = PyArray_SimpleNew(static_cast<int>(dims.size()), const_cast<npy_intp*>(dims.data()),
                                  NPY_FLOAT32);
  if (a) std::memcpy(PyArray_DATA(reinterpret_cast<PyArrayObject*>(a)), data, n * sizeof(float));
  return a;
}

// (obs, reward, terminated, truncated, info): steals obs and info.
inline py::object step_tuple(PyObject* obs, double reward, bool terminated, bool truncated,
                             PyObject* info) {
  PyObject* t = PyTuple_New(5);
  PyObject* r = PyFloat_FromDouble(reward);
  if (!t || !r || !obs || !info) {
    Py_XDECREF(t);
    Py_XDECREF(r);
    Py_XDECREF(obs);
    Py_XDECREF(info);
    throw py::error_already_set();
  }
  PyObject* term = terminated ? Py_True : Py_False;
  PyObject* trunc = truncated ? Py_True : Py_False;
  Py_INCREF(term);
  Py_INCREF(trunc);
  PyTuple_SET_ITEM(t, 0, obs);
  PyTuple_SET_ITEM(t, 1, r);
  PyTuple_SET_ITEM(t, 2, term);
  PyTuple_SET_ITEM(t, 3, trunc);
  PyTuple_SET_ITEM(t, 4, info);
  return py::reinterpret_steal<py::object>(t);
}

}  // namespace

py::object value_to_python(const Value& v, const Space& space) {
  PyObject* o = space.is_discrete() ? new_int64(v.index)
                                    : new_float_array(dims_of(space), v.vec.data(), v.vec.size());
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

void value_from_python(py::handle x, const Space& space, Value& v, const std::string& what) {
  space.prepare(v);
  if (space.is_discrete()) {
    if (!read_index(x.ptr(), v.index))
      throw py::type_error(what + " must be an integer in " + space.describe() + ", got " +
                           type_name(x) + ": " + std::string(py::repr(x)));
    return;
  }
  const std::size_t n = space.flat_size();
  auto* arr = reinterpret_cast<PyArrayObject*>(x.ptr());
  if (PyArray_Check(x.ptr()) && PyArray_TYPE(arr) == NPY_FLOAT32 && PyArray_IS_C_CONTIGUOUS(arr) &&
      static_cast<std::size_t>(PyArray_SIZE(arr)) == n) {
    std::memcpy(v.vec.data(), PyArray_DATA(arr), n * sizeof(float));
    return;
  }
  py::array_t<float, py::array::c_style | py::array::forcecast> a;
  // Numbers only: strings, objects and None are refused (forcecast would try to parse them).
  py::object as_array = py::reinterpret_borrow<py::object>(x);
  if (!PyArray_Check(x.ptr())) {
    PyObject* conv = PyArray_FROM_O(x.ptr());
    if (!conv) {
      PyErr_Clear();
      throw py::type_error(what + " must be numbers for " + space.describe() + ", got " +
                           type_name(x) + ": " + std::string(py::repr(x)));
    }
    as_array = py::reinterpret_steal<py::object>(conv);
  }
  const int kind = PyArray_DESCR(reinterpret_cast<PyArrayObject*>(as_array.ptr()))->kind;
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw py::type_error(what + " must be numbers for " + space.describe() + ", got " +
                         type_name(x) + ": " + std::string(py::repr(x)));
  a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(as_array);
  if (!a) throw py::error_already_set();
  if (static_cast<std::size_t>(a.size()) != n)
    throw py::value_error(what + " has " + std::to_string(a.size()) + " components; " +
                          space.describe() + " needs " + std::to_string(n));
  std::memcpy(v.vec.data(), a.data(), n * sizeof(float));
}

void checked_value_from_python(py::handle x, const Space& space, Value& v,
                               const std::string& what) {
  value_from_python(x, space, v, what);
  if (space.contains(v)) return;
  try {
    space.validate(v, what);
  } catch (const Error& e) {
    throw py::value_error(e.what());
  }
}

py::dict space_dict(const Space& s) {
  py::dict d;
  if (s.is_discrete()) {
    d["kind"] = "Discrete";
    d["n"] = s.n();
    d["start"] = s.start();
  } else {
    d["kind"] = "Box";
    d["low"] = s.low();
    d["high"] = s.high();
    d["shape"] = py::tuple(py::cast(s.shape()));
  }
  return d;
}

namespace {

class PyEnv {
 public:
  PyEnv(const std::string& id, const py::dict& kwargs) : id_(id) {
    Registry& r = registry();
    try {
      raw_ = raw_params(kwargs, "env '" + id + "'");
      params_ = r.resolve_env_params(id, raw_);
      env_ = r.make_env(id, raw_);
    } catch (const Error& e) {
      raise_make_error(e);
    }
    const EnvSpec& s = env_->spec();
    obs_space_ = s.observation_space;
    act_space_ = s.action_space;
    obs_space_.prepare(obs_);
    act_space_.prepare(action_);
    obs_dims_ = dims_of(obs_space_);
    defines_success_ = s.defines_success;
    info_prob_ = s.info.prob;
    info_mask_ = s.info.action_mask;
    action_what_ = "action for " + id_;
  }

  // Gymnasium's info of the last reset or step (a new reference, or nullptr with a Python
  // error set): "prob" and "action_mask" (int8, as Gymnasium's Taxi) for envs that report
  // them (core/env.hpp StepInfo), and after a step that ends an episode of an env that
  // defines success, "is_success".
  PyObject* info_dict(const StepResult* r) const {
    PyObject* info = PyDict_New();
    if (!info) return nullptr;
    auto set = [&](const char* key, PyObject* value) {
      const bool ok = value && PyDict_SetItemString(info, key, value) == 0;
      Py_XDECREF(value);
      return ok;
    };
    const StepInfo& si = env_->info();
    bool ok = true;
    if (info_prob_) ok = set("prob", PyFloat_FromDouble(si.prob));
    if (ok && info_mask_) {
      npy_intp n = static_cast<npy_intp>(si.action_mask.size());
      PyObject* m = PyArray_SimpleNew(1, &n, NPY_INT8);
      if (m)
        std::memcpy(PyArray_DATA(reinterpret_cast<PyArrayObject*>(m)), si.action_mask.data(),
                    si.action_mask.size());
      ok = set("action_mask", m);
    }
    if (ok && r && defines_success_ && (r->terminated || r->truncated)) {
      PyObject* flag = r->success ? Py_True : Py_False;
      Py_INCREF(flag);
      ok = set("is_success", flag);
    }
    if (!ok) {
      Py_DECREF(info);
      return nullptr;
    }
    return info;
  }

  // The info of the last reset (what rlsim.Env.reset returns beside the observation).
  py::dict reset_info() {
    started("reset_info");
    PyObject* info = info_dict(nullptr);
    if (!info) throw py::error_already_set();
    return py::reinterpret_steal<py::dict>(info);
  }

  // (observation, info) of a reset: what rlsim.Env.reset returns.
  py::object reset_pair(py::handle seed) {
    py::object obs = reset(seed);
    PyObject* info = info_dict(nullptr);
    if (!info) throw py::error_already_set();
    PyObject* t = PyTuple_New(2);
    if (!t) {
      Py_DECREF(info);
      throw py::error_already_set();
    }
    PyTuple_SET_ITEM(t, 0, obs.release().ptr());
    PyTuple_SET_ITEM(t, 1, info);
    return py::reinterpret_steal<py::object>(t);
  }

  py::object reset(py::handle seed) {
    Env& e = open("reset");
    if (seed.is_none()) {
      e.reset(obs_);
    } else {
      e.reset(obs_, seed_from_python(seed, "seed"));
    }
    was_reset_ = true;
    return value_to_python(obs_, obs_space_);
  }

  py::object step(py::handle action) {
    Env* e = env_.get();
    if (closed_) throw_closed("step");
    if (e->episode_over()) {
      try {
        e->step(action_, obs_);  // throws Env::step's message, changes nothing
      } catch (const Error& err) {
        throw std::runtime_error(err.what());
      }
    }
    if (act_space_.is_discrete()) {
      if (!read_index(action.ptr(), action_.index))
        throw py::type_error(action_what_ + " must be an integer in " + act_space_.describe() +
                             ", got " + type_name(action) + ": " + std::string(py::repr(action)));
    } else {
      value_from_python(action, act_space_, action_, action_what_);
    }
    StepResult r;
    try {
      r = e->step(action_, obs_);
    } catch (const Error& err) {
      if (!act_space_.contains(action_)) throw py::value_error(err.what());
      throw;
    }
    PyObject* obs = obs_space_.is_discrete()
                        ? new_int64(obs_.index)
                        : new_float_array(obs_dims_, obs_.vec.data(), obs_.vec.size());
    return step_tuple(obs, r.reward, r.terminated, r.truncated, info_dict(&r));
  }

  py::object render_rgb() {
    Env& e = started("render");
    Image frame;
    if (!e.render(frame)) return py::none();
    py::array_t<std::uint8_t> out({frame.height, frame.width, 3});
    std::memcpy(out.mutable_data(), frame.rgb.data(), frame.rgb.size());
    return out;
  }

  std::string render_text() { return started("render").render_text(); }

  // The C++ env stays alive until this object goes (an agent built on it may point into it,
  // e.g. a planning agent into its model); only its use is over.
  void close() { closed_ = true; }
  bool closed() const { return closed_; }

  py::array_t<double> mean_rewards() {
    const Oracle* o = oracle("mean_rewards");
    py::array_t<double> out(act_space_.n());
    for (std::int64_t a = 0; a < act_space_.n(); ++a)
      out.mutable_at(a) = o->expected_reward(act_space_.start() + a);
    return out;
  }
  double best_mean_reward() { return oracle("best_mean_reward")->best_expected_reward(); }

  py::array_t<double> get_state() {
    Env& e = started("get_state");
    std::vector<double> s;
    try {
      e.get_state(s);
    } catch (const Error& err) {
      throw py::value_error(err.what());
    }
    return py::array_t<double>(static_cast<py::ssize_t>(s.size()), s.data());
  }

  void set_state(const py::array_t<double, py::array::c_style | py::array::forcecast>& state) {
    Env& e = started("set_state");
    try {
      e.set_state(std::span<const double>(state.data(), static_cast<std::size_t>(state.size())));
    } catch (const Error& err) {
      throw py::value_error(err.what());
    }
    e.observe(obs_);
  }

  py::object observe() {
    Env& e = started("observe");
    try {
      e.observe(obs_);
    } catch (const Error& err) {
      throw py::value_error(err.what());
    }
    return value_to_python(obs_, obs_space_);
  }

  const EnvSpec& spec() { return open("spec").spec(); }
  Env& env() { return open("use"); }
  const std::string& id() const { return id_; }
  py::dict params() const {
    py::dict d;
    for (const auto& [k, v] : params_.values()) d[py::str(k)] = param_to_python(v);
    return d;
  }
  const RawParams& raw() const { return raw_; }
  bool was_reset() const { return was_reset_; }

 private:
  [[noreturn]] void throw_closed(const std::string& call) const {
    throw std::runtime_error(id_ + ": " + call + "() called after close(); make a new env with " +
                             "rlsim.make(\"" + id_ + "\")");
  }
  Env& open(const std::string& call) {
    if (closed_) throw_closed(call);
    return *env_;
  }
  Env& started(const std::string& call) {
    Env& e = open(call);
    if (!was_reset_)
      throw std::runtime_error(id_ + ": " + call +
                               "() called before reset(); call reset() to start an episode");
    return e;
  }
  const Oracle* oracle(const std::string& call) {
    Env& e = started(call);
    const Oracle* o = e.oracle();
    if (!o || !act_space_.is_discrete())
      throw py::value_error(id_ + " has no regret oracle (" + call +
                            "() is for bandit problems: rlsim.envs() lists them with their docs)");
    return o;
  }

  std::string id_;
  RawParams raw_;
  Params params_;
  std::unique_ptr<Env> env_;
  Space obs_space_, act_space_;
  Value obs_, action_;
  std::vector<npy_intp> obs_dims_;
  bool defines_success_ = false;
  bool info_prob_ = false, info_mask_ = false;
  bool was_reset_ = false;
  bool closed_ = false;
  std::string action_what_;
};

// The step tuple of a CartPole-like env without an env: an int in; a float32 array of 4, a
// float, two bools and a dict out (bench/python_env_bench.py's baseline).
py::object bench_bare_step(py::handle action) {
  static const float kObs[4] = {0.01f, -0.02f, 0.03f, 0.04f};
  static const std::vector<npy_intp> kDims{4};
  std::int64_t a = 0;
  if (!read_index(action.ptr(), a))
    throw py::type_error("action must be an integer, got " + type_name(action));
  return step_tuple(new_float_array(kDims, kObs, 4), a == 1 ? 1.0 : 0.5, false, false,
                    PyDict_New());
}

}  // namespace

namespace {

// A C++ exception as a Python error, by pybind11's registered translators (module-local
// first, then global, as pybind11's own dispatcher does): rlsim's messages keep their
// Python classes whichever way the call came in.
void set_python_error() {
  if (py::detail::apply_exception_translators(
          py::detail::get_local_internals().registered_exception_translators))
    return;
  if (py::detail::apply_exception_translators(
          py::detail::get_internals().registered_exception_translators))
    return;
  PyErr_SetString(PyExc_SystemError, "rlsim: an exception escaped the exception translators");
}

// The capsule `self` of a bound builtin: the PyEnv, kept alive by a reference to its Python
// object held as the capsule's context (released with the capsule).
PyEnv* env_of_capsule(PyObject* capsule) {
  return static_cast<PyEnv*>(PyCapsule_GetPointer(capsule, nullptr));
}

// The new reference f() returns, or nullptr with the Python error of its exception set.
template <class F>
PyObject* guarded(const F& f) noexcept {
  try {
    return f().release().ptr();
  } catch (...) {
    set_python_error();
    return nullptr;
  }
}

PyObject* raw_step(PyObject* capsule, PyObject* action) noexcept {
  return guarded([&] { return env_of_capsule(capsule)->step(action); });
}

PyObject* raw_reset(PyObject* capsule, PyObject* seed) noexcept {
  return guarded([&] { return env_of_capsule(capsule)->reset_pair(seed); });
}

// The text before "--" is the signature inspect.signature reads ($self: the bound capsule).
PyMethodDef step_def = {
    "step", raw_step, METH_O,
    "step($self, action, /)\n--\n\nstep(action) -> (observation, reward, terminated, truncated, "
    "info)"};
PyMethodDef reset_def = {"reset", raw_reset, METH_O,
                         "reset($self, seed, /)\n--\n\nreset(seed) -> (observation, info); "
                         "seed None continues the env's stream"};

py::object bind(PyMethodDef* def, py::object self) {
  PyEnv* env = self.cast<PyEnv*>();
  PyObject* capsule = PyCapsule_New(env, nullptr, [](PyObject* c) {
    Py_XDECREF(static_cast<PyObject*>(PyCapsule_GetContext(c)));
  });
  if (!capsule) throw py::error_already_set();
  if (PyCapsule_SetContext(capsule, self.release().ptr()) != 0) {
    Py_DECREF(capsule);
    throw py::error_already_set();
  }
  PyObject* f = PyCFunction_New(def, capsule);
  Py_DECREF(capsule);  // the function holds it
  if (!f) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(f);
}

// bench_bare_step as a CPython builtin (METH_O), the way rlsim.Env's step is bound: the
// floor of a step call from Python, for the benchmark's split of the step's cost.
PyObject* raw_bare_step(PyObject*, PyObject* action) noexcept {
  return guarded([&] { return bench_bare_step(action); });
}
PyMethodDef bare_step_def = {"bench_bare_step_raw", raw_bare_step, METH_O,
                             "bench_bare_step_raw(action, /)\n--\n\nbench_bare_step as a "
                             "CPython builtin, as rlsim.Env.step is bound (benchmark baseline)"};

}  // namespace

// env.step for the Python class: a builtin function bound to this env (see the file
// comment). It holds a reference to the env object, which lives as long as the function.
py::object bound_step(py::object self) {
  return bind(&step_def, std::move(self));
}

// The core of rlsim.Env.reset: reset(seed) -> (observation, info), bound the same way.
py::object bound_reset(py::object self) {
  return bind(&reset_def, std::move(self));
}

// For agent.cpp: the C++ env behind a Python-side rlsim._rlsim.Env.
Env& env_of(py::handle env) {
  return env.cast<PyEnv&>().env();
}

void init_env(py::module_& m) {
  py::class_<PyEnv>(m, "Env", "One rlsim env (C++); use rlsim.make, which wraps it")
      .def(py::init<const std::string&, const py::dict&>(), py::arg("id"), py::arg("params"))
      .def("reset", &PyEnv::reset, py::arg("seed") = py::none())
      .def("reset_info", &PyEnv::reset_info,
           "the info dict of the last reset: prob and action_mask for envs that report them")
      .def("step", &PyEnv::step, py::arg("action"),
           "step(action) -> (observation, reward, terminated, truncated, info)")
      .def("bound_step", &bound_step,
           "step as a function bound to this env (what rlsim.Env uses as its step)")
      .def("bound_reset", &bound_reset,
           "reset(seed) -> (observation, info) as a function bound to this env (the core of "
           "rlsim.Env.reset)")
      .def("render_rgb", &PyEnv::render_rgb)
      .def("render_text", &PyEnv::render_text)
      .def("close", &PyEnv::close)
      .def_property_readonly("closed", &PyEnv::closed)
      .def("mean_rewards", &PyEnv::mean_rewards)
      .def("best_mean_reward", &PyEnv::best_mean_reward)
      .def("get_state", &PyEnv::get_state)
      .def("set_state", &PyEnv::set_state, py::arg("state"))
      .def("observe", &PyEnv::observe)
      .def_property_readonly("id", &PyEnv::id)
      .def_property_readonly("params", &PyEnv::params)
      .def_property_readonly("was_reset", &PyEnv::was_reset)
      .def_property_readonly("elapsed_steps", [](PyEnv& e) { return e.env().elapsed_steps(); })
      .def_property_readonly("episode_over", [](PyEnv& e) { return e.env().episode_over(); })
      .def_property_readonly("observation_space",
                             [](PyEnv& e) { return space_dict(e.spec().observation_space); })
      .def_property_readonly("action_space",
                             [](PyEnv& e) { return space_dict(e.spec().action_space); })
      .def_property_readonly("max_episode_steps",
                             [](PyEnv& e) -> py::object {
                               const auto n = e.spec().max_episode_steps;
                               return n > 0 ? py::object(py::int_(n)) : py::object(py::none());
                             })
      .def_property_readonly("reward_threshold",
                             [](PyEnv& e) -> py::object {
                               const auto& t = e.spec().reward_threshold;
                               return t ? py::object(py::float_(*t)) : py::object(py::none());
                             })
      .def_property_readonly(
          "reward_range",
          [](PyEnv& e) { return py::make_tuple(e.spec().reward_min, e.spec().reward_max); })
      .def_property_readonly("defines_success", [](PyEnv& e) { return e.spec().defines_success; })
      .def_property_readonly("has_oracle", [](PyEnv& e) { return e.env().oracle() != nullptr; })
      .def_property_readonly("has_model", [](PyEnv& e) { return e.env().model() != nullptr; })
      .def_property_readonly("has_state", [](PyEnv& e) { return e.env().has_state(); });
  m.def("bench_bare_step", &bench_bare_step, py::arg("action"),
        "The step tuple of a CartPole-sized env, without an env (benchmark baseline)");
  PyObject* bare_raw = PyCFunction_New(&bare_step_def, nullptr);
  if (!bare_raw) throw py::error_already_set();
  m.add_object("bench_bare_step_raw", py::reinterpret_steal<py::object>(bare_raw));
}

}  // namespace rlsim::python
