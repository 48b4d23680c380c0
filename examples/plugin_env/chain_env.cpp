// An example rlsim plugin: the n-state chain of Strens (2000), "A Bayesian framework for
// reinforcement learning", a classic exploration benchmark, packaged as a plugin env.
//
// States 0..n-1, start at 0. Action 0 ("back") returns to state 0 with reward `small`;
// action 1 ("forward") moves one state right with reward 0, or at the last state stays
// there with reward `large`. With probability `slip` the other action happens instead.
// Episodes are cut by the time limit only (continuing task). Strens' values: n = 5,
// small = 2, large = 10, slip = 0.2.
//
// Everything a plugin needs: derive from rlsim::Env, write a registration function that
// adds an EnvEntry (id, doc, parameter schema, factory), and end with RLSIM_PLUGIN(...).
#include <memory>

#include "core/env.hpp"
#include "core/plugin.hpp"
#include "core/registry.hpp"

namespace {

class ChainEnv : public rlsim::Env {
 public:
  ChainEnv(int n, double slip, double small, double large, std::int64_t limit)
      : rlsim::Env(rlsim::EnvSpec{"Chain-v0", rlsim::Space::discrete(n), rlsim::Space::discrete(2),
                                  limit, std::nullopt, false, false}),
        n_(n),
        slip_(slip),
        small_(small),
        large_(large) {}

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
  registry.add_env(
      {"Chain-v0", "n-state chain of Strens (2000) [example plugin]",
       rlsim::ParamSchema{
           rlsim::param_int("n", 5, "number of states", 2, 1000),
           rlsim::param_double("slip", 0.2, "probability that the other action happens", 0, 1),
           rlsim::param_double("small", 2.0, "reward of action 0 (back to the start)"),
           rlsim::param_double("large", 10.0, "reward of action 1 in the last state"),
           rlsim::param_int("max_episode_steps", 1000, "time limit in steps", 1, 1e9)},
       [](const rlsim::Params& p) -> std::unique_ptr<rlsim::Env> {
         return std::make_unique<ChainEnv>(static_cast<int>(p.get_int("n")), p.get_double("slip"),
                                           p.get_double("small"), p.get_double("large"),
                                           p.get_int("max_episode_steps"));
       }});
}

}  // namespace

RLSIM_PLUGIN(register_chain)
