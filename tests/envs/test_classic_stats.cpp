// Statistical agreement of the classic-control envs with Gymnasium under a uniform random
// policy: mean return, mean episode length and the fraction of terminated episodes must
// agree with tests/data/gymnasium_random_stats.json (Gymnasium 1.4.0, see its README)
// within 4 combined standard errors, sqrt(sem_ours^2 + sem_gymnasium^2).
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // Boost 1.74's json_parser includes the old boost/bind.hpp
#endif
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <cmath>
#include <string>

#include "core/rng.hpp"
#include "tests/envs/test_classic_util.hpp"

namespace {

struct Stats {
  double mean_return = 0, sem_return = 0, mean_length = 0, sem_length = 0;
  double frac_terminated = 0;
  std::int64_t n = 0;
};

Stats gymnasium_stats(const std::string& id) {
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

// Like Gymnasium's measurement: the first reset seeded, later ones continue the stream;
// actions uniform over the action space from a separate generator.
Stats random_policy_stats(const std::string& id, std::int64_t episodes) {
  auto env = classic_test::make(id);
  const rlsim::Space& as = env->spec().action_space;
  rlsim::Rng policy(12346);
  rlsim::Value obs, action;
  as.prepare(action);
  double sum_r = 0, sum_r2 = 0, sum_l = 0, sum_l2 = 0, terminated = 0;
  for (std::int64_t e = 0; e < episodes; ++e) {
    if (e == 0)
      env->reset(obs, 12345);
    else
      env->reset(obs);
    double ret = 0;
    double len = 0;
    for (;;) {
      if (as.is_discrete())
        action.index = policy.integer(as.start(), as.start() + as.n() - 1);
      else
        for (std::size_t i = 0; i < action.vec.size(); ++i)
          action.vec[i] = static_cast<float>(policy.uniform(as.low()[i], as.high()[i]));
      const rlsim::StepResult r = env->step(action, obs);
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
    const double var = std::max(0.0, (sum2 - sum * sum / n) / (n - 1));
    return std::sqrt(var / n);
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

void require_agree(const std::string& what, double ours, double sem_ours, double theirs,
                   double sem_theirs) {
  const double tol = 4 * std::sqrt(sem_ours * sem_ours + sem_theirs * sem_theirs);
  INFO(what << ": rlsim " << ours << " +- " << sem_ours << ", Gymnasium " << theirs << " +- "
            << sem_theirs << ", allowed difference " << tol);
  if (tol == 0)
    REQUIRE(ours == Approx(theirs).epsilon(1e-12));
  else
    REQUIRE(std::fabs(ours - theirs) <= tol);
}

void compare(const std::string& id, std::int64_t episodes) {
  const Stats g = gymnasium_stats(id);
  const Stats o = random_policy_stats(id, episodes);
  require_agree(id + " mean return", o.mean_return, o.sem_return, g.mean_return, g.sem_return);
  require_agree(id + " mean length", o.mean_length, o.sem_length, g.mean_length, g.sem_length);
  auto frac_sem = [](double p, double n) { return std::sqrt(p * (1 - p) / n); };
  require_agree(id + " fraction terminated", o.frac_terminated,
                frac_sem(o.frac_terminated, static_cast<double>(o.n)), g.frac_terminated,
                frac_sem(g.frac_terminated, static_cast<double>(g.n)));
}

}  // namespace

TEST_CASE("CartPole-v1 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("CartPole-v1", 20000);
}

TEST_CASE("Acrobot-v1 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("Acrobot-v1", 3000);
}

TEST_CASE("MountainCar-v0 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("MountainCar-v0", 3000);
}

TEST_CASE("Pendulum-v1 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("Pendulum-v1", 3000);
}
