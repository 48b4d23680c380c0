// VectorEnv: auto-reset, final observations, per-copy seeding, thread independence, errors.
// Expected trajectories are computed independently with plain Envs stepped one at a time.
#include <omp.h>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/register.hpp"
#include "run/vector_env.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

VectorEnv make_vector(const std::string& id, std::size_t n, int threads, RawParams params = {}) {
  std::vector<std::unique_ptr<Env>> envs;
  for (std::size_t i = 0; i < n; ++i) envs.push_back(registry().make_env(id, params));
  return VectorEnv(std::move(envs), threads);
}

// Uniform random discrete actions for every copy, from one stream, `steps` vector steps.
std::vector<std::vector<Value>> random_actions(const Space& as, std::size_t n, int steps,
                                               std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::vector<Value>> out(static_cast<std::size_t>(steps), std::vector<Value>(n));
  for (auto& row : out)
    for (auto& a : row) {
      as.prepare(a);
      a.index = rng.integer(as.start(), as.start() + as.n() - 1);
    }
  return out;
}

struct Trace {
  std::vector<float> obs;
  std::vector<std::int64_t> index;
  std::vector<double> reward;
  std::vector<int> flags;
};

// `modes`: the schedule of each step, cycled (empty: the default, auto).
Trace run_trace(const std::string& id, std::size_t n, int threads, int steps,
                const std::vector<StepSchedule::Mode>& modes = {}) {
  VectorEnv v = make_vector(id, n, threads);
  const auto actions = random_actions(v.spec().action_space, n, steps, 99);
  v.reset(1234);
  Trace t;
  std::size_t k = 0;
  for (const auto& row : actions) {
    if (!modes.empty()) v.schedule().set_mode(modes[k++ % modes.size()]);
    v.step(row);
    for (std::size_t i = 0; i < n; ++i) {
      t.obs.insert(t.obs.end(), v.obs(i).vec.begin(), v.obs(i).vec.end());
      t.index.push_back(v.obs(i).index);
      t.reward.push_back(v.reward(i));
      t.flags.push_back(v.terminated(i) + 2 * v.truncated(i));
      if (v.done(i))
        t.obs.insert(t.obs.end(), v.final_obs(i).vec.begin(), v.final_obs(i).vec.end());
    }
  }
  return t;
}

// Steps a VectorEnv and, beside it, each copy's twin: a plain Env seeded as the VectorEnv
// documents, reset without a seed when its episode ends. Returns the episodes that ended.
int check_against_plain_envs(const std::string& id, std::size_t n, int threads, int steps) {
  VectorEnv v = make_vector(id, n, threads);
  const std::uint64_t seed = 77;
  const auto actions = random_actions(v.spec().action_space, n, steps, 5);
  v.reset(seed);
  std::vector<std::unique_ptr<Env>> plain;
  std::vector<Value> obs(n);
  for (std::size_t i = 0; i < n; ++i) {
    plain.push_back(registry().make_env(id, {}));
    plain[i]->reset(obs[i], derive_seed(seed, i, "vector-env"));
    REQUIRE(v.obs(i).vec == obs[i].vec);
    REQUIRE(v.obs(i).index == obs[i].index);
  }
  int ended = 0;
  for (const auto& row : actions) {
    v.step(row);
    for (std::size_t i = 0; i < n; ++i) {
      const StepResult r = plain[i]->step(row[i], obs[i]);
      REQUIRE(v.reward(i) == r.reward);
      REQUIRE(v.terminated(i) == r.terminated);
      REQUIRE(v.truncated(i) == r.truncated);
      if (r.terminated || r.truncated) {
        ++ended;
        // The ended episode's last observation...
        REQUIRE(v.final_obs(i).vec == obs[i].vec);
        REQUIRE(v.final_obs(i).index == obs[i].index);
        // ...and the new episode's first one, from the copy's continuing stream.
        plain[i]->reset(obs[i]);
      }
      REQUIRE(v.obs(i).vec == obs[i].vec);
      REQUIRE(v.obs(i).index == obs[i].index);
    }
  }
  return ended;
}

}  // namespace

TEST_CASE("vector env: same seed gives the same trajectories with 1 and 2 threads",
          "[vector-env]") {
  for (const std::string id : {"CartPole-v1", "FrozenLake-v1"}) {
    const Trace a = run_trace(id, 5, 1, 400);
    const Trace b = run_trace(id, 5, 2, 400);
    const Trace c = run_trace(id, 5, 1, 400);
    CHECK(a.obs == b.obs);
    CHECK(a.index == b.index);
    CHECK(a.reward == b.reward);
    CHECK(a.flags == b.flags);
    CHECK(a.obs == c.obs);
    CHECK(a.index == c.index);
  }
}

TEST_CASE("vector env: every schedule (serial, pool, workers only, auto) gives the same steps",
          "[vector-env]") {
  // The schedule only decides which thread steps which copy: forced onto the pool (with and
  // without the caller taking late blocks over), serial, auto, and switched every step.
  using M = StepSchedule::Mode;
  for (const std::string id : {"CartPole-v1", "FrozenLake-v1"}) {
    INFO(id);
    const Trace want = run_trace(id, 7, 1, 300);
    for (int threads : {2, 3}) {
      INFO("threads " << threads);
      for (const std::vector<M>& modes :
           std::vector<std::vector<M>>{{M::parallel},
                                       {M::workers},
                                       {M::automatic},
                                       {M::serial},
                                       {M::parallel, M::serial, M::workers, M::automatic}}) {
        const Trace got = run_trace(id, 7, threads, 300, modes);
        CHECK(got.obs == want.obs);
        CHECK(got.index == want.index);
        CHECK(got.reward == want.reward);
        CHECK(got.flags == want.flags);
      }
    }
  }
}

TEST_CASE("vector env: the pool has min(threads, N) threads, none inside a parallel run",
          "[vector-env]") {
  CHECK(make_vector("CartPole-v1", 4, 1).pool_threads() == 1);
  CHECK(make_vector("CartPole-v1", 4, 3).pool_threads() == 3);
  CHECK(make_vector("CartPole-v1", 2, 8).pool_threads() == 2);
  VectorEnv v = make_vector("CartPole-v1", 4, 1);
  v.set_threads(2);
  CHECK(v.pool_threads() == 2);
  CHECK(v.threads() == 2);
  // Built by a run executed in parallel with others (runs on OpenMP threads): its own thread
  // steps the copies, as a nested OpenMP region did.
  int threads = 0, serial = 0;
#pragma omp parallel num_threads(2) reduction(+ : threads, serial)
  {
    threads += omp_in_parallel() ? 1 : 0;
    serial += make_vector("CartPole-v1", 4, 2).pool_threads() == 1 ? 1 : 0;
  }
  CHECK(threads == 2);
  CHECK(serial == 2);
}

TEST_CASE("vector env: after(i) runs once per copy and step, on the pool too", "[vector-env]") {
  VectorEnv v = make_vector("CartPole-v1", 6, 2);
  v.schedule().set_mode(StepSchedule::Mode::workers);
  std::vector<int> calls(6, 0);
  std::vector<std::optional<std::uint64_t>> seeds(6);
  for (std::size_t i = 0; i < 6; ++i) seeds[i] = i;
  v.reset(seeds, [&](std::size_t i) { ++calls[i]; });
  std::vector<Value> actions(6);
  for (int s = 0; s < 50; ++s) v.step(actions, [&](std::size_t i) { ++calls[i]; });
  CHECK(calls == std::vector<int>(6, 51));
}

TEST_CASE("vector env: auto-reset matches plain envs (final obs, then a fresh reset)",
          "[vector-env]") {
  for (int threads : {1, 2}) {
    // CartPole episodes under random actions last ~20 steps; FrozenLake's end in holes or
    // the goal, or at the 100-step limit (truncation).
    CHECK(check_against_plain_envs("CartPole-v1", 4, threads, 300) > 20);
    CHECK(check_against_plain_envs("FrozenLake-v1", 3, threads, 400) > 20);
  }
}

TEST_CASE("vector env: copies have distinct streams and a reset re-seeds them", "[vector-env]") {
  VectorEnv v = make_vector("CartPole-v1", 3, 1);
  v.reset(5);
  CHECK(v.obs(0).vec != v.obs(1).vec);
  CHECK(v.obs(1).vec != v.obs(2).vec);
  const std::vector<float> first = v.obs(2).vec;
  std::vector<Value> actions(3);
  for (auto& a : actions) a.index = 1;
  for (int k = 0; k < 50; ++k) v.step(actions);
  v.reset(5);
  CHECK(v.obs(2).vec == first);
  CHECK_FALSE(v.done(2));
}

TEST_CASE("vector env: copy i gets derive_seed(seed, i), or seed + i under gymnasium seeding",
          "[vector-env][seeding]") {
  for (const bool gym : {false, true}) {
    INFO((gym ? "seeding = gymnasium" : "rlsim seeding"));
    RawParams params;
    if (gym) params["seeding"] = std::string("gymnasium");
    VectorEnv v = make_vector("CartPole-v1", 3, 1, params);
    v.reset(42);
    for (std::size_t i = 0; i < 3; ++i) {
      // Gymnasium's SyncVectorEnv.reset(seed=42) resets copy i with seed 42 + i.
      const std::uint64_t seed = gym ? 42 + i : derive_seed(42, i, "vector-env");
      auto single = registry().make_env("CartPole-v1", params);
      Value obs;
      single->reset(obs, seed);
      CHECK(v.obs(i).vec == obs.vec);
    }
  }
}

TEST_CASE("vector env: a bad action names the copy, whatever the thread count", "[vector-env]") {
  for (int threads : {1, 2, 3}) {
    VectorEnv v = make_vector("CartPole-v1", 4, threads);
    if (threads == 3) v.schedule().set_mode(StepSchedule::Mode::workers);  // always the pool
    v.reset(1);
    std::vector<Value> actions(4);
    for (auto& a : actions) a.index = 0;
    actions[2].index = 7;
    REQUIRE_THROWS_AS(v.step(actions), Error);
    try {
      v.step(actions);
    } catch (const Error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("vector env copy 2 of 4") != std::string::npos);
      CHECK(msg.find("CartPole-v1") != std::string::npos);
    }
    // Two bad copies: the lowest index is reported.
    actions[1].index = -1;
    try {
      v.step(actions);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("copy 1 of 4") != std::string::npos);
    }
  }
}

TEST_CASE("vector env: wrong action count and stepping before reset are errors", "[vector-env]") {
  VectorEnv v = make_vector("CartPole-v1", 3, 1);
  std::vector<Value> actions(3);
  CHECK_THROWS_WITH(v.step(actions), Catch::Contains("copy 0") && Catch::Contains("reset"));
  v.reset(1);
  std::vector<Value> two(2);
  CHECK_THROWS_WITH(v.step(two), Catch::Contains("2 actions for 3 env copies"));
  CHECK_THROWS_AS(v.set_threads(0), Error);
}

TEST_CASE("vector env: mismatched copies are refused", "[vector-env]") {
  std::vector<std::unique_ptr<Env>> envs;
  envs.push_back(registry().make_env("CartPole-v1", {}));
  envs.push_back(registry().make_env("Acrobot-v1", {}));
  CHECK_THROWS_WITH(VectorEnv(std::move(envs)),
                    Catch::Contains("copy 1 is Acrobot-v1") && Catch::Contains("CartPole-v1"));
  // Same id, different observation space (the 8x8 map has 64 states).
  std::vector<std::unique_ptr<Env>> lakes;
  lakes.push_back(registry().make_env("FrozenLake-v1", {}));
  lakes.push_back(registry().make_env("FrozenLake-v1", {{"map_name", std::string("8x8")}}));
  CHECK_THROWS_WITH(VectorEnv(std::move(lakes)), Catch::Contains("Discrete(64)"));
  CHECK_THROWS_AS(VectorEnv(std::vector<std::unique_ptr<Env>>{}), Error);
}

TEST_CASE("vector env: next-step auto-reset (Gymnasium 1.x) matches plain envs, per-copy seeds",
          "[vector-env]") {
  for (int threads : {1, 2}) {
    const std::size_t n = 3;
    std::vector<std::unique_ptr<Env>> envs;
    for (std::size_t i = 0; i < n; ++i) envs.push_back(registry().make_env("CartPole-v1", {}));
    VectorEnv v(std::move(envs), threads, Autoreset::next_step);
    const auto actions = random_actions(v.spec().action_space, n, 300, 3);
    const std::vector<std::optional<std::uint64_t>> seeds{10, 11, std::nullopt};
    v.reset(seeds);
    std::vector<std::unique_ptr<Env>> plain;
    std::vector<Value> obs(n);
    std::vector<bool> ended(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      plain.push_back(registry().make_env("CartPole-v1", {}));
      plain[i]->reset(obs[i], seeds[i]);
      REQUIRE(v.obs(i).vec == obs[i].vec);
    }
    int episodes = 0;
    for (const auto& row : actions) {
      v.step(row);
      for (std::size_t i = 0; i < n; ++i) {
        if (ended[i]) {
          // The step after the end resets the copy; its action is ignored.
          plain[i]->reset(obs[i]);
          ended[i] = false;
          REQUIRE(v.reward(i) == 0.0);
          REQUIRE_FALSE(v.done(i));
        } else {
          const StepResult r = plain[i]->step(row[i], obs[i]);
          REQUIRE(v.reward(i) == r.reward);
          REQUIRE(v.terminated(i) == r.terminated);
          REQUIRE(v.truncated(i) == r.truncated);
          ended[i] = r.terminated || r.truncated;
          episodes += ended[i];
        }
        // The ended episode's last observation stays in obs(i) until the next step.
        REQUIRE(v.obs(i).vec == obs[i].vec);
      }
    }
    CHECK(episodes > 20);
  }
}
