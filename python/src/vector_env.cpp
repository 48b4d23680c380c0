// rlsim._rlsim.VectorEnv: N copies of one env stepped in C++, EnvPool style, behind
// rlsim.make_vec (python/rlsim/_vector.py).
//
// Buffers: observations (float32 [N, *shape], or int64 [N] for Discrete), rewards (float64
// [N]), terminated and truncated (bool [N]) are numpy arrays allocated once; step() writes
// into them and returns the same arrays, so nothing is allocated per step. The GIL is
// released while the copies step and while their results are copied out.
//
// Threads: a WorkerPool (worker_pool.hpp) of min(threads, N) threads, created with the env
// (and again when `threads` is set): one block of copies per thread, the caller's the
// first; each worker is handed its block through its own cache line (a busy machine's late
// worker leaves its block to the caller). Whether a step uses the pool at all is the auto
// rule's choice (step_copies; docs/python.md): a light env's step can cost less than the
// hand-off (issue 18), and then stepping serially is faster. No thread is started per step: the
// OpenMP region per step of run/vector_env.hpp's VectorEnv collapsed under load, and even
// with one thread (an inactive region, `if (threads > 1)`) cost microseconds per step
// (BENCHMARKS.md). The copies are stepped here for that reason, with the contract of
// run/vector_env.hpp's Autoreset::next_step (below), which tests/python/test_vector.py checks
// against N single envs. Each copy has its own env and stream and its seed is given per copy,
// so results do not depend on the threads.
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
#include "python/src/worker_pool.hpp"

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
    try {
      const RawParams raw = raw_params(kwargs, "env '" + id + "'");
      params_ = r.resolve_env_params(id, raw);
      for (std::int64_t i = 0; i < num_envs; ++i) envs_.push_back(r.make_env(id, raw));
    } catch (const Error& e) {
      raise_make_error(e);
    }
    const EnvSpec& s = envs_.front()->spec();
    n_ = static_cast<std::size_t>(num_envs);
    values_.resize(n_);
    for (Value& v : values_) s.observation_space.prepare(v);
    results_.resize(n_);
    pending_reset_.assign(n_, 0);
    errors_.resize(n_);
    set_threads(threads);
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
      run_copies(parallel_now(), [&](std::size_t i) {
        envs_[i]->reset(values_[i], seeds[i]);
        results_[i] = StepResult{};
        pending_reset_[i] = 0;
      });
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
      step_copies([&](std::size_t i) {
        if (pending_reset_[i]) {
          // Next-step auto-reset: this step starts the copy's next episode (its stream
          // continues), ignoring its action.
          pending_reset_[i] = 0;
          envs_[i]->reset(values_[i]);
          results_[i] = StepResult{};
        } else {
          results_[i] = envs_[i]->step(actions_[i], values_[i]);
          pending_reset_[i] = results_[i].terminated || results_[i].truncated;
        }
      });
    }
    return py::make_tuple(obs_, rewards_, terminated_, truncated_);
  }

  void close() {
    pool_.reset();
    envs_.clear();
  }
  bool closed() const { return envs_.empty(); }
  std::size_t size() const { return n_; }
  void set_threads(int threads) {
    check_open("set_threads");
    if (threads < 1)
      throw py::value_error("threads = " + std::to_string(threads) + ": use 1 or more");
    threads_ = threads;
    const int used = static_cast<int>(std::min<std::size_t>(threads, n_));
    if (!pool_ || pool_->size() != used) {
      pool_.reset();  // joins the old workers first
      pool_ = std::make_unique<WorkerPool>(used);
    }
    auto_ = Auto{};  // a new pool: measure again
  }
  // Test and benchmark surface (VectorEnv._core.schedule): "auto" (the default), "serial" or
  // "parallel" (forced; "parallel" with one thread is serial), or "workers" (parallel, and
  // block k always on worker k: the caller never takes a late worker's block over; tests).
  // Results never depend on it.
  std::string schedule() const { return kScheduleNames[static_cast<int>(schedule_)]; }
  void set_schedule(const std::string& name) {
    for (int k = 0; k < 4; ++k)
      if (name == kScheduleNames[k]) {
        schedule_ = static_cast<Schedule>(k);
        auto_ = Auto{};
        return;
      }
    throw py::value_error("schedule = \"" + name +
                          "\": use \"auto\", \"serial\", \"parallel\" or \"workers\"");
  }
  // What the auto rule measured last: its choice, the medians of its timed serial and
  // parallel steps (ns, 0 before the first probe), probes done, the steps between probes.
  py::dict schedule_stats() const {
    py::dict d;
    d["parallel"] = auto_.parallel;
    d["serial_ns"] = auto_.serial_ns;
    d["parallel_ns"] = auto_.parallel_ns;
    d["probes"] = auto_.probes;
    d["interval"] = auto_.interval;
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
  // Whether a step that is not a probe runs on the pool: the forced schedule, else the auto
  // rule's current choice.
  bool parallel_now() const {
    if (pool_->size() == 1 || schedule_ == Schedule::serial) return false;
    return schedule_ == Schedule::parallel || schedule_ == Schedule::workers || auto_.parallel;
  }

  // A step's copies, serially or on the pool, by the auto rule (docs/python.md, "Vector
  // envs"): every `interval` steps a probe of 2 (kProbePairs + 1) steps alternates serial and
  // parallel ones, times each (the first pair is a warm-up: it wakes the sleeping workers),
  // and the following steps go the way whose median step was faster, parallel only if it
  // saved kMargin; the interval doubles (up to kMaxInterval) while the choice holds and
  // drops back to kMinInterval when it changes. The choice only decides which thread steps
  // which copy, never what a copy computes, so results do not depend on it.
  template <class Op>
  void step_copies(const Op& op) {
    if (pool_->size() == 1 || schedule_ != Schedule::automatic)
      return run_copies(parallel_now(), op);
    Auto& a = auto_;
    if (a.probe < 0 && a.until_probe > 0) {
      --a.until_probe;
      return run_copies(a.parallel, op);
    }
    if (a.probe < 0) a.probe = 0;
    const bool parallel = a.probe % 2 == 1;
    const auto start = std::chrono::steady_clock::now();
    run_copies(parallel, op);  // a throwing step is not counted: the next one takes its place
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
    if (a.probe >= 2) (parallel ? a.parallel_times : a.serial_times)[a.probe / 2 - 1] = ns;
    if (++a.probe < 2 * (kProbePairs + 1)) return;
    const auto median = [](std::array<std::int64_t, kProbePairs> t) {
      std::sort(t.begin(), t.end());
      return static_cast<double>(t[kProbePairs / 2]);
    };
    a.serial_ns = median(a.serial_times);
    a.parallel_ns = median(a.parallel_times);
    const bool choice = a.parallel_ns < kMargin * a.serial_ns;
    a.interval = choice == a.parallel ? std::min(2 * a.interval, kMaxInterval) : kMinInterval;
    a.parallel = choice;
    a.until_probe = a.interval;
    a.probe = -1;
    ++a.probes;
  }

  // Runs op(i) for every copy i and copies its results out, in blocks of copies
  // [b N / B, (b + 1) N / B), B = min(N, T): one block per thread (each block handed to a
  // worker costs a round trip of a cache line between cores; 4 per thread made 64 CartPoles
  // slower), all on the caller (`parallel` false) or one per pool thread (worker_pool.hpp:
  // a worker that has not started its block leaves it to the caller). Called without the
  // GIL. Errors are caught per copy and the lowest copy's is rethrown as RuntimeError
  // "vector env copy i of N: ...", whatever the thread count or schedule.
  template <class Op>
  void run_copies(bool parallel, const Op& op) {
    const std::size_t blocks = static_cast<std::size_t>(pool_->size());
    std::atomic<bool> failed{false};
    const auto block = [&](std::uint32_t b) {
      for (std::size_t i = b * n_ / blocks; i < (b + 1) * n_ / blocks; ++i) {
        try {
          op(i);
          copy_out(i);
        } catch (...) {
          errors_[i] = std::current_exception();
          failed.store(true, std::memory_order_relaxed);
        }
      }
    };
    if (parallel)
      pool_->run(block, schedule_ != Schedule::workers);
    else
      for (std::uint32_t b = 0; b < blocks; ++b) block(b);
    if (!failed.load(std::memory_order_relaxed)) return;
    for (std::size_t i = 0; i < n_; ++i) {
      if (!errors_[i]) continue;
      std::exception_ptr e = errors_[i];
      for (auto& x : errors_) x = nullptr;
      try {
        std::rethrow_exception(e);
      } catch (const Error& err) {
        throw std::runtime_error("vector env copy " + std::to_string(i) + " of " +
                                 std::to_string(n_) + ": " + err.what());
      }
    }
  }

  Env& check_open(const std::string& call) {
    if (envs_.empty())
      throw std::runtime_error(id_ + " vector env: " + call + "() called after close(); " +
                               "make a new one with rlsim.make_vec(\"" + id_ + "\", ...)");
    return *envs_.front();
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
    if (obs_space_.is_discrete())
      static_cast<std::int64_t*>(obs_data_)[i] = values_[i].index;
    else
      std::memcpy(static_cast<float*>(obs_data_) + i * dim_, values_[i].vec.data(),
                  dim_ * sizeof(float));
    rewards_data_[i] = results_[i].reward;
    terminated_data_[i] = results_[i].terminated;
    truncated_data_[i] = results_[i].truncated;
  }

  std::string id_;
  Params params_;
  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<Value> values_;                // each copy's last observation
  std::vector<StepResult> results_;          // each copy's last step
  std::vector<std::uint8_t> pending_reset_;  // copy i resets at the next step
  std::vector<std::exception_ptr> errors_;   // per copy, during run_copies
  std::unique_ptr<WorkerPool> pool_;
  // The auto rule's state (step_copies).
  static constexpr int kProbePairs = 3;
  static constexpr std::int64_t kMinInterval = 64, kMaxInterval = 4096;  // steps
  static constexpr double kMargin = 0.9;  // parallel must save 10% of a serial step
  struct Auto {
    bool parallel = false;         // the current choice
    int probe = -1;                // step within the current probe, -1 outside one
    std::int64_t until_probe = 0;  // steps before the next probe
    std::int64_t interval = kMinInterval;
    std::array<std::int64_t, kProbePairs> serial_times{}, parallel_times{};  // ns
    double serial_ns = 0, parallel_ns = 0;  // the last probe's medians
    std::int64_t probes = 0;
  } auto_;
  enum class Schedule { automatic, serial, parallel, workers } schedule_ = Schedule::automatic;
  static constexpr const char* kScheduleNames[4] = {"auto", "serial", "parallel", "workers"};
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
