// Random-policy statistics of an env against Gymnasium's (tests/data/
// gymnasium_random_stats.json: Gymnasium 1.4.0, see tests/data/README.md), shared by
// test_classic_stats.cpp, test_lunar_lander.cpp and test_bipedal_walker.cpp.
//
// Episodes are played as Gymnasium's figures were drawn: the first reset seeded with
// 12345, later resets continuing the env's stream, actions uniform over the action space
// (integers for Discrete, each element uniform(low, high) for a Box) from a separate
// generator seeded 12346. Mean return, mean length and the fraction of terminated
// episodes must agree within 4 combined standard errors, sqrt(sem_ours^2 + sem_theirs^2).
#pragma once
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // Boost 1.74's json_parser includes the old boost/bind.hpp
#endif
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/env.hpp"
#include "core/rng.hpp"

namespace random_policy {

struct Stats {
  double mean_return = 0, sem_return = 0, mean_length = 0, sem_length = 0;
  double frac_terminated = 0;
  std::int64_t n = 0;
};

// Gymnasium's figures for `id`.
inline Stats gymnasium_stats(const std::string& id) {
  boost::property_tree::ptree root;
  boost::property_tree::read_json(std::string(RLSIM_TEST_DATA_DIR) + "/gymnasium_random_stats.json",
                                  root);
  const auto& e = root.get_child(boost::property_tree::ptree::path_type(id, '/'));
  Stats s;
  s.n = e.get<std::int64_t>("n_episodes");
  s.mean_return = e.get<double>("mean_return");
  s.sem_return = e.get<double>("sem_return");
  s.mean_length = e.get<double>("mean_length");
  s.sem_length = e.get<double>("sem_length");
  s.frac_terminated = e.get<double>("frac_terminated");
  return s;
}

// A uniform random action of `space` into `a` (sized by the caller).
inline void random_action(const rlsim::Space& space, rlsim::Rng& rng, rlsim::Value& a) {
  if (space.is_discrete()) {
    a.index = rng.integer(space.start(), space.start() + space.n() - 1);
    return;
  }
  for (std::size_t i = 0; i < a.vec.size(); ++i)
    a.vec[i] = static_cast<float>(rng.uniform(space.low()[i], space.high()[i]));
}

// `episodes` random-policy episodes of `env`, seeded as described above.
inline Stats play(rlsim::Env& env, std::int64_t episodes) {
  const rlsim::Space& as = env.spec().action_space;
  rlsim::Rng policy(12346);
  rlsim::Value obs, action;
  as.prepare(action);
  double sum_r = 0, sum_r2 = 0, sum_l = 0, sum_l2 = 0, terminated = 0;
  for (std::int64_t e = 0; e < episodes; ++e) {
    if (e == 0)
      env.reset(obs, 12345);
    else
      env.reset(obs);
    double ret = 0, len = 0;
    for (;;) {
      random_action(as, policy, action);
      const rlsim::StepResult r = env.step(action, obs);
      ret += r.reward;
      len += 1;
      if (r.terminated || r.truncated) {
        terminated += r.terminated ? 1 : 0;
        break;
      }
    }
    sum_r += ret;
    sum_r2 += ret * ret;
    sum_l += len;
    sum_l2 += len * len;
  }
  const double n = static_cast<double>(episodes);
  auto sem = [n](double sum, double sum2) {
    return std::sqrt(std::max(0.0, (sum2 - sum * sum / n) / (n - 1)) / n);
  };
  Stats s;
  s.n = episodes;
  s.mean_return = sum_r / n;
  s.sem_return = sem(sum_r, sum_r2);
  s.mean_length = sum_l / n;
  s.sem_length = sem(sum_l, sum_l2);
  s.frac_terminated = terminated / n;
  return s;
}

// |ours - theirs| <= 4 combined standard errors + `allowance` (exact when both sems are 0).
inline void require_agree(const std::string& what, double ours, double sem_ours, double theirs,
                          double sem_theirs, double allowance = 0.0) {
  const double tol = 4 * std::sqrt(sem_ours * sem_ours + sem_theirs * sem_theirs) + allowance;
  INFO(what << ": rlsim " << ours << " +- " << sem_ours << ", Gymnasium " << theirs << " +- "
            << sem_theirs << ", allowed difference " << tol);
  if (tol == 0)
    REQUIRE(ours == Approx(theirs).epsilon(1e-12));
  else
    REQUIRE(std::fabs(ours - theirs) <= tol);
}

// Plays `episodes` episodes of `env` and compares with Gymnasium's figures for `id`; the
// mean return may differ by `return_allowance` more (a stated, justified offset only).
inline void compare(rlsim::Env& env, const std::string& id, std::int64_t episodes,
                    double return_allowance = 0.0) {
  const Stats g = gymnasium_stats(id);
  const Stats o = play(env, episodes);
  require_agree(id + " mean return", o.mean_return, o.sem_return, g.mean_return, g.sem_return,
                return_allowance);
  require_agree(id + " mean length", o.mean_length, o.sem_length, g.mean_length, g.sem_length);
  auto frac_sem = [](double p, double n) { return std::sqrt(p * (1 - p) / n); };
  require_agree(id + " fraction terminated", o.frac_terminated,
                frac_sem(o.frac_terminated, static_cast<double>(o.n)), g.frac_terminated,
                frac_sem(g.frac_terminated, static_cast<double>(g.n)));
}

}  // namespace random_policy
