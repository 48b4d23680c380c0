// KL-UCB visits the arms by decreasing empirical mean and skips, by one divergence, the arms
// whose index cannot beat the best so far (bandits/policies/ucb.cpp). The choice must be the
// unpruned one: argmax_a index(a) with the lowest index among ties. Checked step by step
// over fixed-seed runs of 3,000–10,000 pulls, with many equal means (Chapelle & Li's instance: one
// arm 0.5, the others 0.48) and with the Gaussian divergence.
#include <catch2/catch.hpp>
#include <limits>
#include <string>

#include "bandits/policies/ucb.hpp"
#include "bandits/register.hpp"
#include "core/registry.hpp"

using namespace rlsim;

namespace {

// The unpruned choice: the first unpulled arm, else the first arm of largest index(a).
std::int64_t reference_choice(const KlUcb& p, std::int64_t k) {
  for (std::int64_t a = 0; a < k; ++a)
    if (p.count(a) == 0) return a;
  std::int64_t best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  for (std::int64_t a = 0; a < k; ++a) {
    const double v = p.index(a);
    if (v > best_value) {
      best_value = v;
      best = a;
    }
  }
  return best;
}

void check_same_choices(const std::string& env_id, const RawParams& env_params,
                        const RawParams& agent_params, std::int64_t steps) {
  Registry reg;
  register_bandits(reg);
  RawParams with_horizon = env_params;
  with_horizon["horizon"] = steps;
  auto env = reg.make_env(env_id, with_horizon);
  auto agent = reg.make_agent("kl-ucb", agent_params, *env, 7);
  auto* p = dynamic_cast<KlUcb*>(agent.get());
  REQUIRE(p != nullptr);
  const std::int64_t k = env->spec().action_space.n();
  Value obs, next, action;
  env->reset(obs, 21);
  std::int64_t mismatches = 0, first_mismatch = -1;
  for (std::int64_t t = 0; t < steps; ++t) {
    const std::int64_t expected = reference_choice(*p, k);
    Decision d;
    agent->act(obs, action, d);
    if (action.index != expected) {
      if (first_mismatch < 0) first_mismatch = t;
      ++mismatches;
    }
    const StepResult r = env->step(action, next);
    agent->observe(Transition{obs, action, r.reward, next, false, false});
    std::swap(obs, next);
  }
  INFO(env_id << ": first mismatch at step " << first_mismatch);
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("kl-ucb: best-first pruning chooses exactly the unpruned argmax", "[kl-ucb-order]") {
  std::vector<double> chapelle_li(10, 0.48);
  chapelle_li[3] = 0.5;
  check_same_choices("BernoulliBandit-v0", {{"means", chapelle_li}}, {}, 10000);
  check_same_choices(
      "BernoulliBandit-v0",
      {{"means", std::vector<double>{0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95}}},
      {{"c", 3.0}}, 8000);
  // Rewards 0/1 with means 0 and 1: equal empirical means, indices at the support's end.
  check_same_choices("BernoulliBandit-v0", {{"means", std::vector<double>{1.0, 0.0, 1.0, 0.9}}}, {},
                     3000);
  check_same_choices("GaussianBandit-v0",
                     {{"means", std::vector<double>{0.0, 0.2, 0.2, 0.5, 0.45}}, {"sigma", 0.5}},
                     {{"divergence", std::string("gaussian")}, {"sigma", 0.5}}, 8000);
}
