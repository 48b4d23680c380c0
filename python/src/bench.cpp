// Timing helpers for bench/python_env_bench.py (not part of the rlsim package's API): the
// C++ VectorEnv step rate measured inside this process, to compare make_vec against the
// loop it wraps under the same conditions.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "python/src/common.hpp"
#include "run/vector_env.hpp"

namespace rlsim::python {

namespace {

// Env steps per second of a C++ loop stepping a VectorEnv of `copies` copies (next-step
// auto-reset, as make_vec) with uniform random discrete actions drawn up front, for at
// least `seconds` seconds. The GIL is released meanwhile.
double cpp_vector_env_rate(const std::string& id, std::size_t copies, int threads, double seconds) {
  std::vector<std::unique_ptr<Env>> envs;
  for (std::size_t i = 0; i < copies; ++i) envs.push_back(registry().make_env(id, {}));
  VectorEnv venv(std::move(envs), threads, Autoreset::next_step);
  const Space& as = venv.spec().action_space;
  if (!as.is_discrete()) throw py::value_error("cpp_vector_env_rate needs Discrete actions");
  constexpr std::size_t kRing = 1024;
  Rng rng(2024);
  std::vector<std::vector<Value>> ring(kRing, std::vector<Value>(copies));
  for (auto& row : ring)
    for (auto& a : row) a.index = rng.integer(as.start(), as.start() + as.n() - 1);
  py::gil_scoped_release release;
  venv.reset(1);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  std::size_t steps = 0;
  double elapsed = 0;
  do {
    for (int k = 0; k < 256; ++k) venv.step(ring[steps++ & (kRing - 1)]);
    elapsed = std::chrono::duration<double>(clock::now() - t0).count();
  } while (elapsed < seconds);
  return static_cast<double>(steps * copies) / elapsed;
}

// Env steps per second of a C++ loop on one env (reset when an episode ends) with uniform
// random discrete actions drawn up front: the env's own cost, which a step from Python adds
// to the cost of a bare pybind11 call.
double cpp_env_rate(const std::string& id, double seconds) {
  std::unique_ptr<Env> env = registry().make_env(id, {});
  const Space& as = env->spec().action_space;
  if (!as.is_discrete()) throw py::value_error("cpp_env_rate needs Discrete actions");
  constexpr std::size_t kRing = 4096;
  Rng rng(2024);
  std::vector<Value> ring(kRing);
  for (auto& a : ring) a.index = rng.integer(as.start(), as.start() + as.n() - 1);
  Value obs;
  py::gil_scoped_release release;
  env->reset(obs, 1);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  std::size_t steps = 0;
  double elapsed = 0;
  do {
    for (int k = 0; k < 4096; ++k) {
      const StepResult r = env->step(ring[steps++ & (kRing - 1)], obs);
      if (r.terminated || r.truncated) env->reset(obs);
    }
    elapsed = std::chrono::duration<double>(clock::now() - t0).count();
  } while (elapsed < seconds);
  return static_cast<double>(steps) / elapsed;
}

}  // namespace

void init_bench(py::module_& m) {
  m.def("bench_cpp_vector_env_rate", &cpp_vector_env_rate, py::arg("id"), py::arg("copies"),
        py::arg("threads"), py::arg("seconds"),
        "Env steps/s of a pure C++ VectorEnv loop (benchmark baseline)");
  m.def("bench_cpp_env_rate", &cpp_env_rate, py::arg("id"), py::arg("seconds"),
        "Env steps/s of a pure C++ loop on one env (its own cost per step)");
}

}  // namespace rlsim::python
