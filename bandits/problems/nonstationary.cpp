#include "bandits/problems/nonstationary.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

// Reflects x into [0, 1] (a bounded random walk, not a clamped one).
inline double reflect01(double x) {
  while (x < 0.0 || x > 1.0) x = x < 0.0 ? -x : 2.0 - x;
  return x;
}

std::int64_t random_walk_arms(const RandomWalkConfig& c) {
  if (c.means_distribution == "fixed") {
    const auto k = static_cast<std::int64_t>(c.means.size());
    require_arms(RandomWalkBandit::kId, "means", k);
    return k;
  }
  if (c.means_distribution == "uniform") {
    require_arms(RandomWalkBandit::kId, "arms", c.arms);
    return c.arms;
  }
  throw Error(std::string(RandomWalkBandit::kId) + ": means_distribution = \"" +
              c.means_distribution + "\" is unknown: use \"fixed\" or \"uniform\"");
}

}  // namespace

// ---------------------------------------------------------------------------- piecewise

PiecewiseStationaryBandit::PiecewiseStationaryBandit(const PiecewiseStationaryConfig& config)
    : BanditEnv(PiecewiseStationaryBandit::kId, config.arms, config.horizon, Space::discrete(1)),
      random_(config.changes > 0) {
  const std::string id = PiecewiseStationaryBandit::kId;
  set_reward_range(0.0, 1.0);  // Bernoulli rewards
  const std::int64_t k = config.arms;
  if (config.changes < 0)
    throw Error(id + ": changes = " + std::to_string(config.changes) + " must be >= 0");
  if (random_) {
    if (config.changes > config.horizon - 1)
      throw Error(id + ": changes = " + std::to_string(config.changes) +
                  " random change points do not fit in the steps 1.." +
                  std::to_string(config.horizon - 1) + " of the horizon");
    change_points_.assign(static_cast<std::size_t>(config.changes), 0);
    table_.assign(static_cast<std::size_t>((config.changes + 1) * k), 0.0);
    return;
  }
  const std::size_t segments = config.change_points.size() + 1;
  if (config.means.size() != segments * static_cast<std::size_t>(k))
    throw Error(id + ": means has " + std::to_string(config.means.size()) + " values; " +
                std::to_string(segments) + " segments (change_points has " +
                std::to_string(segments - 1) + " entries) of K = " + std::to_string(k) +
                " arms need " + std::to_string(segments * static_cast<std::size_t>(k)) +
                " (row-major, one row of K means per segment)");
  require_values_in(id, "means", config.means, 0.0, 1.0, false, false,
                    "a Bernoulli arm's mean is a probability");
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < config.change_points.size(); ++i) {
    const double x = config.change_points[i];
    if (std::floor(x) != x || x <= static_cast<double>(previous) ||
        x > static_cast<double>(config.horizon - 1))
      throw Error(id + ": change_points[" + std::to_string(i) + "] = " + std::to_string(x) +
                  " is invalid: change points are integer steps, strictly increasing, in [1, " +
                  std::to_string(config.horizon - 1) + "]");
    previous = static_cast<std::int64_t>(x);
    change_points_.push_back(previous);
  }
  table_ = config.means;
  enter_segment(0);
}

void PiecewiseStationaryBandit::enter_segment(std::int64_t s) {
  segment_ = s;
  const auto k = static_cast<std::size_t>(num_arms());
  std::copy_n(table_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(s) * k), k,
              means_.begin());
  update_best();
}

void PiecewiseStationaryBandit::do_reset(Value& obs) {
  obs.index = 0;
  step_ = 0;
  if (random_) {
    const std::int64_t last = horizon() - 1;
    for (std::size_t i = 0; i < change_points_.size(); ++i) {
      std::int64_t x;
      do {
        x = rng().integer(1, last);
      } while (std::find(change_points_.begin(),
                         change_points_.begin() + static_cast<std::ptrdiff_t>(i),
                         x) != change_points_.begin() + static_cast<std::ptrdiff_t>(i));
      change_points_[i] = x;
    }
    std::sort(change_points_.begin(), change_points_.end());
    for (double& m : table_) m = rng().uniform();
  }
  enter_segment(0);
}

StepResult PiecewiseStationaryBandit::do_step(const Value& action, Value& obs) {
  obs.index = 0;
  StepResult r;
  r.reward = rng().uniform() < means_[static_cast<std::size_t>(action.index)] ? 1.0 : 0.0;
  ++step_;
  if (segment_ < static_cast<std::int64_t>(change_points_.size()) &&
      step_ == change_points_[static_cast<std::size_t>(segment_)])
    enter_segment(segment_ + 1);
  return r;
}

// ---------------------------------------------------------------------------- random walk

RandomWalkBandit::RandomWalkBandit(const RandomWalkConfig& config)
    : BanditEnv(RandomWalkBandit::kId, random_walk_arms(config), config.horizon,
                Space::discrete(1)),
      drawn_(config.means_distribution == "uniform"),
      sigma_(config.sigma) {
  const std::string id = RandomWalkBandit::kId;
  set_reward_range(0.0, 1.0);  // Bernoulli rewards
  if (!(sigma_ > 0.0) || !std::isfinite(sigma_))
    throw Error(id + ": sigma = " + std::to_string(sigma_) +
                " is invalid: the drift standard deviation must be > 0 and finite");
  if (!drawn_) {
    require_values_in(id, "means", config.means, 0.0, 1.0, false, false,
                      "a Bernoulli arm's mean is a probability");
    initial_ = config.means;
    means_ = initial_;
    update_best();
  }
}

void RandomWalkBandit::do_reset(Value& obs) {
  obs.index = 0;
  if (drawn_)
    for (double& m : means_) m = rng().uniform();
  else
    std::copy(initial_.begin(), initial_.end(), means_.begin());
  update_best();
}

StepResult RandomWalkBandit::do_step(const Value& action, Value& obs) {
  obs.index = 0;
  StepResult r;
  r.reward = rng().uniform() < means_[static_cast<std::size_t>(action.index)] ? 1.0 : 0.0;
  for (double& m : means_) m = reflect01(m + sigma_ * rng().normal());
  update_best();
  return r;
}

// ---------------------------------------------------------------------------- registration

namespace {

void register_nonstationary_bandits(Registry& registry) {
  using P = PiecewiseStationaryConfig;
  registry.add_env(env_entry(
      PiecewiseStationaryBandit::kId,
      "piecewise-stationary Bernoulli arms with abrupt changes at given or random steps "
      "(switching bandits, Garivier & Moulines 2011); dynamic pseudo-regret oracle",
      ConfigSchema<P>()
          .field("arms", &P::arms, "number of arms K", range(2, kMaxArms))
          .field("means", &P::means, "K means per segment, row-major, each in [0, 1]", range(0, 1))
          .field("change_points", &P::change_points,
                 "steps where segments 1, 2, ... start (strictly increasing)")
          .field("changes", &P::changes,
                 "> 0: that many change points and all means drawn at random per reset",
                 range(0, 1e15))
          .field("horizon", &P::horizon, "number of pulls T (max_episode_steps)", range(1, 1e15)),
      [](const P& c) { return std::make_unique<PiecewiseStationaryBandit>(c); }));
  using W = RandomWalkConfig;
  registry.add_env(env_entry(
      RandomWalkBandit::kId,
      "Bernoulli arms whose means follow reflected Gaussian random walks on [0, 1] (Slivkins & "
      "Upfal 2008); dynamic pseudo-regret oracle",
      ConfigSchema<W>()
          .field("means", &W::means, "initial means (K = its length), each in [0, 1]", range(0, 1))
          .field("means_distribution", &W::means_distribution,
                 "\"fixed\": means; \"uniform\": K = arms initial means drawn per reset",
                 choices({"fixed", "uniform"}))
          .field("arms", &W::arms, "number of arms K for drawn means", range(0, kMaxArms))
          .field("sigma", &W::sigma, "drift standard deviation per pull (> 0)")
          .field("horizon", &W::horizon, "number of pulls T (max_episode_steps)", range(1, 1e15)),
      [](const W& c) { return std::make_unique<RandomWalkBandit>(c); }));
}

}  // namespace
RLSIM_REGISTER(register_nonstationary_bandits)

}  // namespace rlsim
