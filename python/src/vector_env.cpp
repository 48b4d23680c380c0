// rlsim._rlsim.VectorEnv: N copies of one env stepped in C++, EnvPool style, behind
// rlsim.make_vec (python/rlsim/_vector.py).
//
// Buffers: observations (float32 [N, *shape], or int64 [N] for Discrete), rewards (float64
// [N]), terminated and truncated (bool [N]) are numpy arrays allocated once; step() writes
// into them and returns the same arrays, so nothing is allocated per step. The GIL is
// released while the copies step and while their results are copied out.
//
// The copies are a run/vector_env.hpp VectorEnv in its next-step auto-reset mode: its
// WorkerPool (persistent threads, min(threads, N) of them, the caller's block first) and its
// StepSchedule (the auto rule: a step uses the pool only when timing shows it pays; a light
// env's step can cost less than the hand-off, issue 18) are the ones the runner's env copies
// use, and so are its error rule and auto-reset (tests/python/test_vector.py checks them
// against N single envs). Each copy's results are copied into the numpy buffers by the thread
// that stepped it (VectorEnv::step's `after`). Each copy has its own env and stream and its
// seed is given per copy, so results do not depend on the threads.
//
// Auto-reset: Gymnasium 1.x's next-step mode (Autoreset::next_step): the step that ends copy
// i's episode returns that episode's last observation; the following step resets copy i
// (ignoring its action) and returns the new episode's first observation with reward 0 and
// both flags false. Seeding: reset(seed=s) seeds copy i with s + i, as Gymnasium's vector
// envs do; a list gives each copy its seed (None: its stream continues); reset() before any
// seeded reset seeds copy i with i (copy 0 then matches an unseeded rlsim.make env).
//
// Actions are checked (type, shape, space) before any copy steps, so a bad action leaves
// every copy as it was.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "python/src/common.hpp"
#include "run/vector_env.hpp"

namespace rlsim::python {

py::dict space_dict(const Space& s);  // env.cpp

namespace {

class PyVectorEnv {
 public:
  PyVectorEnv(const std::string& id, std::int64_t num_envs, int threads, const py::dict& kwargs)
      : id_(id) {
    if (num_envs < 1)
      throw py::value_error("make_vec(\"" + id + "\", num_envs=" + std::to_string(num_envs) +
                            "): num_envs must be 1 or more");
    if (threads < 1)
      throw py::value_error("make_vec(\"" + id + "\", threads=" + std::to_string(threads) +
                            "): threads must be 1 or more");
    Registry& r = registry();
    std::vector<std::unique_ptr<Env>> envs;
    try {
      const RawParams raw = raw_params(kwargs, "env '" + id + "'");
      params_ = r.resolve_env_params(id, raw);
      for (std::int64_t i = 0; i < num_envs; ++i) envs.push_back(r.make_env(id, raw));
    } catch (const Error& e) {
      raise_make_error(e);
    }
    venv_ = std::make_unique<VectorEnv>(std::move(envs), threads, Autoreset::next_step);
    threads_ = threads;
    const EnvSpec& s = venv_->spec();
    n_ = static_cast<std::size_t>(num_envs);
    obs_space_ = s.observation_space;
    act_space_ = s.action_space;
    dim_ = obs_space_.flat_size();
    act_dim_ = act_space_.flat_size();
    const auto n = static_cast<py::ssize_t>(n_);
    if (obs_space_.is_discrete()) {
      obs_ = py::array_t<std::int64_t>(n);
    } else {
      std::vector<py::ssize_t> shape{n};
      for (int d : obs_space_.shape()) shape.push_back(d);
      obs_ = py::array_t<float>(shape);
    }
    rewards_ = py::array_t<double>(n);
    terminated_ = py::array_t<bool>(n);
    truncated_ = py::array_t<bool>(n);
    actions_.resize(n_);
    for (Value& a : actions_) act_space_.prepare(a);
    obs_data_ = obs_.mutable_data();
    rewards_data_ = rewards_.mutable_data();
    terminated_data_ = terminated_.mutable_data();
    truncated_data_ = truncated_.mutable_data();
  }

  py::object reset(py::handle seed) {
    check_open("reset");
    std::vector<std::optional<std::uint64_t>> seeds(n_);
    if (seed.is_none()) {
      // Never seeded: copy i gets seed i; afterwards each copy's stream continues.
      if (!seeded_)
        for (std::size_t i = 0; i < n_; ++i) seeds[i] = i;
    } else if (PyList_Check(seed.ptr()) || PyTuple_Check(seed.ptr())) {
      py::sequence list = py::reinterpret_borrow<py::sequence>(seed);
      if (list.size() != n_)
        throw py::value_error(id_ + " vector env: reset got " + std::to_string(list.size()) +
                              " seeds for " + std::to_string(n_) +
                              " env copies: give one seed (or None) per copy");
      for (std::size_t i = 0; i < n_; ++i)
        if (!list[i].is_none()) seeds[i] = seed_from_python(list[i], "seed " + std::to_string(i));
    } else {
      const std::uint64_t s = seed_from_python(seed, "seed");
      for (std::size_t i = 0; i < n_; ++i) seeds[i] = s + i;
    }
    {
      py::gil_scoped_release release;
      try {
        venv_->reset(seeds, [this](std::size_t i) { copy_out(i); });
      } catch (const Error& e) {
        throw std::runtime_error(e.what());  // "vector env copy i of N: ..."
      }
    }
    seeded_ = true;
    return obs_;
  }

  py::tuple step(py::handle actions) {
    check_open("step");
    if (!seeded_)
      throw std::runtime_error(id_ + " vector env: step() called before reset(); call reset() " +
                               "to start the episodes");
    read_actions(actions);
    {
      py::gil_scoped_release release;
      try {
        venv_->step(actions_, [this](std::size_t i) { copy_out(i); });
      } catch (const Error& e) {
        throw std::runtime_error(e.what());  // "vector env copy i of N: ..."
      }
    }
    return py::make_tuple(obs_, rewards_, terminated_, truncated_);
  }

  void close() { venv_.reset(); }
  bool closed() const { return !venv_; }
  std::size_t size() const { return n_; }
  void set_threads(int threads) {
    check_open("set_threads");
    if (threads < 1)
      throw py::value_error("threads = " + std::to_string(threads) + ": use 1 or more");
    venv_->set_threads(threads);
    threads_ = threads;
  }
  // Test and benchmark surface (VectorEnv._core.schedule): "auto" (the default), "serial" or
  // "parallel" (forced; "parallel" with one thread is serial), or "workers" (parallel, and
  // block k always on worker k: the caller never takes a late worker's block over; tests).
  // Results never depend on it.
  std::string schedule() {
    return StepSchedule::kModeNames[static_cast<int>(check_open("schedule").schedule().mode())];
  }
  void set_schedule(const std::string& name) {
    StepSchedule& s = check_open("schedule").schedule();
    for (int k = 0; k < 4; ++k)
      if (name == StepSchedule::kModeNames[k])
        return s.set_mode(static_cast<StepSchedule::Mode>(k));
    throw py::value_error("schedule = \"" + name +
                          "\": use \"auto\", \"serial\", \"parallel\" or \"workers\"");
  }
  // What the auto rule measured last: its choice, the medians of its timed serial and
  // parallel steps (ns, 0 before the first probe), probes done, the steps between probes.
  py::dict schedule_stats() {
    const StepSchedule::Stats& st = check_open("schedule_stats").schedule().stats();
    py::dict d;
    d["parallel"] = st.parallel;
    d["serial_ns"] = st.serial_ns;
    d["parallel_ns"] = st.parallel_ns;
    d["probes"] = st.probes;
    d["interval"] = st.interval;
    return d;
  }
  int threads() {
    check_open("threads");
    return threads_;
  }
  const EnvSpec& spec() { return check_open("spec").spec(); }
  py::dict params() const {
    py::dict d;
    for (const auto& [k, v] : params_.values()) d[py::str(k)] = param_to_python(v);
    return d;
  }
  const std::string& id() const { return id_; }

 private:
  VectorEnv& check_open(const std::string& call) {
    if (!venv_)
      throw std::runtime_error(id_ + " vector env: " + call + "() called after close(); " +
                               "make a new one with rlsim.make_vec(\"" + id_ + "\", ...)");
    return *venv_;
  }

  std::string what_of(std::size_t i) const {
    return "vector env copy " + std::to_string(i) + " of " + std::to_string(n_) + ": action for " +
           id_;
  }

  void read_actions(py::handle actions) {
    py::array arr = py::array::ensure(actions);
    if (!arr) {
      PyErr_Clear();
      throw py::type_error(id_ + " vector env: actions must be an array of " + std::to_string(n_) +
                           " actions, got " +
                           std::string(py::str(actions.get_type().attr("__name__"))));
    }
    const char kind = arr.dtype().kind();
    const bool discrete = act_space_.is_discrete();
    if (discrete ? (kind != 'i' && kind != 'u') : (kind != 'f' && kind != 'i' && kind != 'u'))
      throw py::type_error(id_ + " vector env: actions for " + act_space_.describe() +
                           " must be an array of " + (discrete ? "integers" : "numbers") +
                           ", got dtype " + std::string(py::str(arr.dtype())));
    const auto expected = static_cast<py::ssize_t>(n_ * act_dim_);
    if (arr.ndim() < 1 || arr.shape(0) != static_cast<py::ssize_t>(n_) || arr.size() != expected)
      throw py::value_error(
          id_ + " vector env: actions have shape " +
          std::string(
              py::str(py::cast(std::vector<py::ssize_t>(arr.shape(), arr.shape() + arr.ndim())))) +
          "; " + std::to_string(n_) + " copies of " + act_space_.describe() + " need " +
          std::to_string(n_) +
          (discrete ? " integers" : " x " + std::to_string(act_dim_) + " numbers"));
    if (discrete) {
      auto a = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
      const std::int64_t* p = a.data();
      for (std::size_t i = 0; i < n_; ++i) actions_[i].index = p[i];
    } else {
      auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(arr);
      const float* p = a.data();
      for (std::size_t i = 0; i < n_; ++i)
        std::memcpy(actions_[i].vec.data(), p + i * act_dim_, act_dim_ * sizeof(float));
    }
    // Every action is checked before any copy steps (the envs would refuse it half-way).
    const bool check_bounds = discrete || !spec().env_clips_actions;
    for (std::size_t i = 0; i < n_; ++i) {
      if (check_bounds ? act_space_.contains(actions_[i]) : !has_nan(actions_[i])) continue;
      try {
        act_space_.validate(actions_[i], what_of(i));
      } catch (const Error& e) {
        throw py::value_error(e.what());
      }
      throw py::value_error(what_of(i) + " has a NaN component");
    }
  }

  static bool has_nan(const Value& v) {
    for (float x : v.vec)
      if (x != x) return true;
    return false;
  }

  // Copy i's observation, reward and flags into row i of the numpy buffers. Called without
  // the GIL: writes through raw pointers (each thread its own rows).
  void copy_out(std::size_t i) {
    const Value& obs = venv_->obs(i);
    const StepResult& r = venv_->result(i);
    if (obs_space_.is_discrete())
      static_cast<std::int64_t*>(obs_data_)[i] = obs.index;
    else
      std::memcpy(static_cast<float*>(obs_data_) + i * dim_, obs.vec.data(), dim_ * sizeof(float));
    rewards_data_[i] = r.reward;
    terminated_data_[i] = r.terminated;
    truncated_data_[i] = r.truncated;
  }

  std::string id_;
  Params params_;
  std::unique_ptr<VectorEnv> venv_;  // null after close()
  int threads_ = 1;
  std::size_t n_ = 0, dim_ = 1, act_dim_ = 1;
  Space obs_space_, act_space_;
  py::array obs_;
  py::array_t<double> rewards_;
  py::array_t<bool> terminated_, truncated_;
  void* obs_data_ = nullptr;
  double* rewards_data_ = nullptr;
  bool *terminated_data_ = nullptr, *truncated_data_ = nullptr;
  std::vector<Value> actions_;
  bool seeded_ = false;
};

}  // namespace

void init_vector_env(py::module_& m) {
  py::class_<PyVectorEnv>(m, "VectorEnv",
                          "N copies of one env stepped in C++; use rlsim.make_vec, which wraps it")
      .def(py::init<const std::string&, std::int64_t, int, const py::dict&>(), py::arg("id"),
           py::arg("num_envs"), py::arg("threads"), py::arg("params"))
      .def("reset", &PyVectorEnv::reset, py::arg("seed") = py::none())
      .def("step", &PyVectorEnv::step, py::arg("actions"))
      .def("close", &PyVectorEnv::close)
      .def_property_readonly("closed", &PyVectorEnv::closed)
      .def_property_readonly("num_envs", &PyVectorEnv::size)
      .def_property("threads", &PyVectorEnv::threads, &PyVectorEnv::set_threads)
      .def_property("schedule", &PyVectorEnv::schedule, &PyVectorEnv::set_schedule,
                    "\"auto\" (serial or parallel steps, whichever the last probe timed "
                    "faster), \"serial\", \"parallel\" or \"workers\" (parallel, no "
                    "take-over; tests); results do not depend on it")
      .def_property_readonly("schedule_stats", &PyVectorEnv::schedule_stats)
      .def_property_readonly("id", &PyVectorEnv::id)
      .def_property_readonly("params", &PyVectorEnv::params)
      .def_property_readonly("observation_space",
                             [](PyVectorEnv& v) { return space_dict(v.spec().observation_space); })
      .def_property_readonly("action_space",
                             [](PyVectorEnv& v) { return space_dict(v.spec().action_space); })
      .def_property_readonly("max_episode_steps", [](PyVectorEnv& v) -> py::object {
        const auto n = v.spec().max_episode_steps;
        return n > 0 ? py::object(py::int_(n)) : py::object(py::none());
      });
}

}  // namespace rlsim::python
