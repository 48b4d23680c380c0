// Timing helpers for bench/python_env_bench.py (not part of the rlsim package's API): the
// C++ VectorEnv step rate measured inside this process, to compare make_vec against the
// loop it wraps under the same conditions; and the floor of make_vec's thread hand-off (the
// round trip of one cache line between two threads) with what its WorkerPool costs on top.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.hpp"
#include "python/src/common.hpp"
#include "run/vector_env.hpp"
#include "run/worker_pool.hpp"

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

// Round trips of a cache line between two threads, both spinning on one atomic counter on
// its own line: the caller makes it odd, the other thread, seeing it, makes it even, and so
// on, in batches of 64 for at least `seconds`. Returns {"min_ns", "median_ns", "mean_ns"}
// per round trip: the fastest and the median batch's are the floor of any hand-off of a step
// to another thread and back (the line goes there and returns) when both threads run (the
// spin loops use the pause hint, as the pool's do); the mean includes the batches in which
// one thread was preempted (on a busy machine, the scheduler's cost, not the hardware's).
py::dict ping_pong_ns(double seconds) {
  struct alignas(64) Line {
    std::atomic<std::uint64_t> v{0};
  };
  Line line;
  std::atomic<bool> stop{false};
  const auto pause = [] {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  };
  py::gil_scoped_release release;
  std::thread other([&] {
    for (std::uint64_t seen = 0;;) {
      std::uint64_t v;
      while ((v = line.v.load(std::memory_order_acquire)) == seen) pause();
      if (stop.load(std::memory_order_relaxed)) return;
      line.v.store(v + 1, std::memory_order_release);
      seen = v + 1;
    }
  });
  using clock = std::chrono::steady_clock;
  constexpr int kBatch = 64;
  std::vector<double> batches;  // ns per round trip
  const auto t0 = clock::now();
  auto t = t0;
  std::uint64_t v = 0;
  double elapsed = 0;
  do {
    for (int k = 0; k < kBatch; ++k) {
      line.v.store(++v, std::memory_order_release);
      while (line.v.load(std::memory_order_acquire) == v) pause();
      ++v;
    }
    const auto now = clock::now();
    batches.push_back(std::chrono::duration<double, std::nano>(now - t).count() / kBatch);
    t = now;
    elapsed = std::chrono::duration<double>(now - t0).count();
  } while (elapsed < seconds);
  stop.store(true, std::memory_order_relaxed);
  line.v.store(++v, std::memory_order_release);
  other.join();
  const double mean = elapsed * 1e9 / static_cast<double>(batches.size() * kBatch);
  std::sort(batches.begin(), batches.end());
  py::gil_scoped_acquire acquire;
  py::dict d;
  d["min_ns"] = batches.front();
  d["median_ns"] = batches[batches.size() / 2];
  d["mean_ns"] = mean;
  return d;
}

// WorkerPool::run (run/worker_pool.hpp) with `threads` threads called back to back
// for at least `seconds`, `work_ns` of work per call split evenly over its blocks (each block
// spins on the clock: a stand-in for stepping its copies). Returns {"ns": per call,
// "worker_share": the fraction of blocks 1.. that a worker ran (the rest the caller took
// over)}: against threads=1 with the same work, what a hand-off costs, against
// ping_pong_ns's floor. strict_every = k >= 1: every k-th call the caller may not take a
// worker's block over (WorkerPool::run's test mode; 1: never); 0: it always may. Throws if a
// block did not run exactly once per call: tests/python/test_vector.py uses it as a stress
// test of the pool.
py::dict pool_run_ns(int threads, double work_ns, double seconds, int strict_every) {
  if (threads < 1) throw py::value_error("pool_run_ns: threads must be 1 or more");
  py::gil_scoped_release release;
  WorkerPool pool(threads);
  struct alignas(64) Count {
    std::uint64_t blocks = 0, by_worker = 0;
  };
  std::vector<Count> counts(static_cast<std::size_t>(threads));
  using clock = std::chrono::steady_clock;
  const auto work = std::chrono::nanoseconds(static_cast<std::int64_t>(work_ns / threads));
  const std::thread::id caller = std::this_thread::get_id();
  const auto t0 = clock::now();
  std::uint64_t calls = 0;
  double elapsed = 0;
  do {
    for (int k = 0; k < 16; ++k, ++calls)
      pool.run(
          [&](std::uint32_t b) {
            if (work.count() > 0)
              for (const auto start = clock::now(); clock::now() - start < work;) {
              }
            ++counts[b].blocks;
            if (std::this_thread::get_id() != caller) ++counts[b].by_worker;
          },
          strict_every == 0 || calls % static_cast<std::uint64_t>(strict_every) != 0);
    elapsed = std::chrono::duration<double>(clock::now() - t0).count();
  } while (elapsed < seconds);
  std::uint64_t by_worker = 0;
  for (const Count& c : counts) {
    if (c.blocks != calls) throw std::logic_error("WorkerPool skipped a block");  // contract
    by_worker += c.by_worker;
  }
  py::gil_scoped_acquire acquire;
  py::dict d;
  d["ns"] = elapsed * 1e9 / static_cast<double>(calls);
  d["worker_share"] =
      threads > 1 ? static_cast<double>(by_worker) / static_cast<double>(calls * (threads - 1))
                  : 0.0;
  return d;
}

}  // namespace

void init_bench(py::module_& m) {
  m.def("bench_ping_pong_ns", &ping_pong_ns, py::arg("seconds"),
        "ns per round trip of a cache line between two spinning threads (hand-off floor)");
  m.def("bench_pool_run_ns", &pool_run_ns, py::arg("threads"), py::arg("work_ns"),
        py::arg("seconds"), py::arg("strict_every") = 0,
        "ns per WorkerPool::run with an empty job (make_vec's hand-off cost)");
  m.def("bench_cpp_vector_env_rate", &cpp_vector_env_rate, py::arg("id"), py::arg("copies"),
        py::arg("threads"), py::arg("seconds"),
        "Env steps/s of a pure C++ VectorEnv loop (benchmark baseline)");
  m.def("bench_cpp_env_rate", &cpp_env_rate, py::arg("id"), py::arg("seconds"),
        "Env steps/s of a pure C++ loop on one env (its own cost per step)");
}

}  // namespace rlsim::python
