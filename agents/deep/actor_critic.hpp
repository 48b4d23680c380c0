// The actor-critic network of A2C and PPO: a policy head and a state-value head on MLP
// trunks, as Stable-Baselines3's ActorCriticPolicy with its MlpExtractor.
//
// Contract:
// - Trunks: with shared = false (SB3's default since 1.8) the policy and the value each get
//   their own MLP of widths net_arch; with shared = true one MLP feeds both heads (the
//   A3C network of Mnih et al. 2016). Every hidden layer is followed by `activation`; an
//   empty net_arch puts the heads straight on the observation.
// - Heads: a linear "action" layer (logits of a categorical policy for Discrete actions, the
//   mean of a diagonal Gaussian for Box actions) and a linear "value" layer (1 output).
//   Box actions add a state-independent log standard deviation (1×D, initial log_std_init),
//   SB3's DiagGaussianDistribution.
// - Initialisation with ortho_init (SB3's default): orthogonal weights (Saxe et al. 2014),
//   zero biases, gains √2 for trunk layers, 0.01 for the action head, 1 for the value head
//   (SB3 ActorCriticPolicy; Andrychowicz et al. 2021 §3.2). Otherwise PyTorch's nn.Linear
//   default (LeCun uniform).
// - forward(tape, obs) records both heads for a batch of (already normalised) rows.
// - named_parameters(): "pi.<i>.weight|bias", "vf.<i>.…" (or "shared.<i>.…"),
//   "action.weight|bias", "value.weight|bias", "log_std" — optimizer and state-dict names.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/rng.hpp"
#include "core/state_dict.hpp"
#include "nn/nn.hpp"

namespace rlsim {

struct ActorCriticSpec {
  nn::Index obs_dim = 0;
  nn::Index action_dim = 0;  // number of actions (Discrete) or action dimensions (Box)
  bool gaussian = false;
  std::vector<nn::Index> net_arch{64, 64};
  nn::Activation activation = nn::Activation::tanh;
  bool shared = false;
  bool ortho_init = true;
  double log_std_init = 0.0;
};

struct ActorCriticOutput {
  nn::Var action;  // logits or Gaussian mean: B × action_dim
  nn::Var value;   // B × 1
};

class ActorCriticNet {
 public:
  ActorCriticNet(const ActorCriticSpec& spec, Rng& rng);
  ActorCriticNet(const ActorCriticNet&) = delete;
  ActorCriticNet& operator=(const ActorCriticNet&) = delete;

  ActorCriticOutput forward(nn::Tape& tape, nn::Var obs);
  // The value head only (skips the policy trunk when the trunks are separate).
  nn::Var value(nn::Tape& tape, nn::Var obs);
  const ActorCriticSpec& spec() const { return spec_; }
  nn::Parameter& log_std() { return log_std_; }
  std::vector<nn::NamedParameter> named_parameters();
  std::vector<nn::ConstNamedParameter> named_parameters() const;

  // Entries "<prefix><parameter name>"; load checks names and shapes before changing anything.
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  nn::Var trunk(std::optional<nn::Mlp>& mlp, nn::Var x);
  // Both named_parameters(): `Net` is ActorCriticNet or const ActorCriticNet.
  template <class Net, class Named>
  static void list_parameters(Net& net, std::vector<Named>& out);
  ActorCriticSpec spec_;
  std::optional<nn::Mlp> pi_, vf_;  // pi_ is the shared trunk when spec_.shared
  std::optional<nn::Linear> action_head_, value_head_;
  nn::Parameter log_std_;
};

}  // namespace rlsim
