// An example rlsim plugin: the n-state chain of Strens (2000), "A Bayesian framework for
// reinforcement learning", a classic exploration benchmark, packaged as a plugin env.
//
// States 0..n-1, start at 0. Action 0 ("back") returns to state 0 with reward `small`;
// action 1 ("forward") moves one state right with reward 0, or at the last state stays
// there with reward `large`. With probability `slip` the other action happens instead.
// Episodes are cut by the time limit only (continuing task). Strens' values: n = 5,
// small = 2, large = 10, slip = 0.2.
//
// Everything a plugin needs, as a built-in env file has it: a config struct whose members
// hold the defaults, the env (derived from rlsim::Env), a registration function that adds
// an entry built from a ConfigSchema, RLSIM_REGISTER(that function), and, once per plugin,
// RLSIM_PLUGIN() (docs/plugins.md).
#include <memory>

#include "core/config_schema.hpp"
#include "core/env.hpp"
#include "core/plugin.hpp"
#include "core/registry.hpp"

namespace {

// Strens' values are the defaults.
struct ChainConfig {
  std::int64_t n = 5;
  double slip = 0.2;
  double small = 2.0;
  double large = 10.0;
  std::int64_t max_episode_steps = 1000;
};

class ChainEnv : public rlsim::Env {
 public:
  static constexpr char kId[] = "Chain-v0";
  explicit ChainEnv(const ChainConfig& c)
      : rlsim::Env(rlsim::EnvSpec{kId, rlsim::Space::discrete(c.n), rlsim::Space::discrete(2),
                                  c.max_episode_steps, std::nullopt, false, false}),
        n_(static_cast<int>(c.n)),
        slip_(c.slip),
        small_(c.small),
        large_(c.large) {}

  bool has_state() const override { return true; }
  void get_state(std::vector<double>& out) const override { out.assign(1, state_); }
  void set_state(std::span<const double> s) override {
    if (s.size() != 1 || s[0] < 0 || s[0] >= n_ || s[0] != static_cast<int>(s[0]))
      throw rlsim::Error("Chain-v0 state must be one integer in [0, " + std::to_string(n_ - 1) +
                         "]");
    state_ = static_cast<int>(s[0]);
  }
  void observe(rlsim::Value& obs) const override { obs.index = state_; }
  std::string render_text() const override {
    std::string row(static_cast<std::size_t>(n_), '.');
    row[static_cast<std::size_t>(state_)] = '@';
    return row + "\n";
  }

 protected:
  void do_reset(rlsim::Value& obs) override {
    state_ = 0;
    obs.index = 0;
  }
  rlsim::StepResult do_step(const rlsim::Value& action, rlsim::Value& obs) override {
    bool forward = action.index == 1;
    if (rng().bernoulli(slip_)) forward = !forward;
    rlsim::StepResult r;
    if (!forward) {
      state_ = 0;
      r.reward = small_;
    } else if (state_ == n_ - 1) {
      r.reward = large_;
    } else {
      ++state_;
    }
    obs.index = state_;
    return r;
  }

 private:
  int n_;
  double slip_, small_, large_;
  int state_ = 0;
};

void register_chain(rlsim::Registry& registry) {
  using rlsim::range;
  registry.add_env(rlsim::env_entry(
      ChainEnv::kId, "n-state chain of Strens (2000) [example plugin]",
      rlsim::ConfigSchema<ChainConfig>()
          .field("n", &ChainConfig::n, "number of states", range(2, 1000),
                 rlsim::source("Strens 2000"))
          .field("slip", &ChainConfig::slip, "probability that the other action happens",
                 range(0, 1), rlsim::source("Strens 2000"))
          .field("small", &ChainConfig::small, "reward of action 0 (back to the start)")
          .field("large", &ChainConfig::large, "reward of action 1 in the last state")
          .field("max_episode_steps", &ChainConfig::max_episode_steps, "time limit in steps",
                 range(1, 1e9)),
      [](const ChainConfig& c) { return std::make_unique<ChainEnv>(c); }));
}

}  // namespace

RLSIM_REGISTER(register_chain)
RLSIM_PLUGIN()
