// What an experiment would log is known before it starts (issue 17, item 8): the resource
// estimate (run/resource_estimate.hpp) of the step log and memory from the budget and the
// spaces, and the refusal of an experiment that exceeds free disk or memory unless forced.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "run/resource_estimate.hpp"
#include "run/runner.hpp"
#include "tests/run/runner_test_util.hpp"

using namespace rlsim;

using rlsim::test::registry;
using rlsim::test::spec;

TEST_CASE("the resource estimate counts the step log from the budget and the spaces",
          "[runner][estimate]") {
  const auto cartpole = registry().make_env("CartPole-v1", {});
  // CartPole: Box(4) float observations, Discrete(2) actions.
  const double row = step_row_bytes(cartpole->spec());
  CHECK(row == 8 + 8 + 16 + 8 + 8 + 1 + 1 + 8 + 8 + 4);
  RunSpec s = spec("CartPole-v1", {}, "random", Budget{0, 1000000});
  s.log_steps = true;
  RunEstimate e = estimate_run(s, cartpole->spec(), false);
  CHECK(e.steps == 1e6);
  CHECK(e.log_bytes >= 1e6 * row);
  CHECK(e.log_bytes < 1e6 * row * 1.1);
  CHECK(e.memory_bytes >= e.log_bytes);
  // Episodes alone: episodes × the time limit (500) bounds the run.
  s.budget = Budget{10, 0};
  CHECK(estimate_run(s, cartpole->spec(), false).steps == 5000);
  // Both: whichever is smaller.
  s.budget = Budget{10, 1000};
  CHECK(estimate_run(s, cartpole->spec(), false).steps == 1000);
  // Without the step log the estimate is small (the episode table only).
  s.log_steps = false;
  s.budget = Budget{0, 1000000};
  CHECK(estimate_run(s, cartpole->spec(), false).log_bytes < 1e6);

  // steps = 1e15 with the step log: petabytes, refused on any disk...
  RunSpec huge = spec("CartPole-v1", {}, "random", Budget{0, 1000000000000000});
  huge.log_steps = true;
  const ExperimentEstimate x = estimate_experiment(registry(), {huge, huge}, 2);
  CHECK(x.runs == 2);
  CHECK(x.log_bytes > 1e17);
  CHECK(x.memory_bytes >= x.log_bytes);
  const FreeResources free = free_resources("results/x.h5");
  REQUIRE(free.disk_bytes > 0);
  REQUIRE(free.memory_bytes > 0);
  CHECK_THROWS_WITH(check_resources(x, free, "results/x.h5", false),
                    Catch::Contains("would write about") && Catch::Contains("PB") &&
                        Catch::Contains("--force") && Catch::Contains("log.steps = false"));
  // ...unless forced.
  CHECK_NOTHROW(check_resources(x, free, "results/x.h5", true));
  // Memory alone: plenty of disk, too little memory.
  CHECK_THROWS_WITH(check_resources(x, FreeResources{1e30, 1e9}, "x.h5", false),
                    Catch::Contains("in memory") && Catch::Contains("1 GB of memory"));
  // An ordinary experiment passes.
  RunSpec small = spec("CartPole-v1", {}, "random", Budget{100, 0});
  small.log_steps = true;
  CHECK_NOTHROW(
      check_resources(estimate_experiment(registry(), {small}, 1), free, "results/x.h5", false));
}

TEST_CASE("the resource estimate: threads, bandit horizons and unbounded runs",
          "[runner][estimate]") {
  // A bandit's episode is its horizon: 1 episode of 10^6 pulls, with the regret every step.
  RunSpec b = spec("BernoulliBandit-v0", {{"horizon", std::int64_t{1000000}}}, "ucb1", {1, 0});
  b.regret_every_step = true;
  const ExperimentEstimate one = estimate_experiment(registry(), {b}, 4);
  CHECK(one.largest_run_steps == 1e6);
  CHECK(one.log_bytes >= 1e6 * 24);
  // Memory counts the runs that run at once: 3 runs on 2 threads hold 2 runs' tables.
  const ExperimentEstimate three = estimate_experiment(registry(), {b, b, b}, 2);
  CHECK(three.log_bytes == Approx(3 * one.log_bytes));
  CHECK(three.memory_bytes == Approx(2 * one.memory_bytes));
  // An episode budget on an env without a time limit: length unknown, not counted.
  const ExperimentEstimate cliff =
      estimate_experiment(registry(), {spec("CliffWalking-v1", {}, "random", {10, 0})}, 1);
  CHECK(cliff.unbounded_runs == 1);
  CHECK(cliff.log_bytes == 0);
  CHECK(format_bytes(512) == "512 B");
  CHECK(format_bytes(4.8e12) == "4.8 TB");
}
