#include "bandits/policies/neural.hpp"

#include <algorithm>
#include <limits>
#include <memory>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "nn/serialize.hpp"

namespace rlsim {

namespace {
using nn::Index;
using nn::Var;

nn::Mlp make_net(std::int64_t d, std::int64_t k, std::int64_t hidden, Rng& rng) {
  if (hidden < 1)
    throw Error("policy 'neural-epsilon-greedy': hidden = " + std::to_string(hidden) +
                " must be >= 1");
  return nn::Mlp({static_cast<Index>(d), static_cast<Index>(hidden), static_cast<Index>(hidden),
                  static_cast<Index>(k)},
                 nn::Activation::relu, nn::Activation::identity, rng);
}
}  // namespace

NeuralEpsilonGreedy::NeuralEpsilonGreedy(std::int64_t num_arms, std::int64_t dimension,
                                         const NeuralEpsilonGreedyConfig& config,
                                         std::uint64_t seed, std::int64_t first_action)
    : k_(num_arms),
      d_(dimension),
      first_action_(first_action),
      config_(config),
      rng_(seed),
      init_rng_(seed ^ 0x9e3779b97f4a7c15ULL),
      net_(make_net(dimension, num_arms, config.hidden, init_rng_)),
      optimizer_(net_.named_parameters(), nn::AdamOptions{config.learning_rate}) {
  const std::string who = "policy 'neural-epsilon-greedy'";
  if (num_arms < 2) throw Error(who + ": K = " + std::to_string(num_arms) + " arms: need >= 2");
  if (dimension < 1) throw Error(who + ": context dimension must be >= 1");
  if (!(config.epsilon >= 0.0 && config.epsilon <= 1.0))
    throw Error(who + ": epsilon = " + std::to_string(config.epsilon) + " is outside [0, 1]");
  if (config.minibatch < 1 || config.replay < config.minibatch)
    throw Error(who + ": need 1 <= minibatch <= replay (got minibatch = " +
                std::to_string(config.minibatch) + ", replay = " + std::to_string(config.replay) +
                ")");
  x_.assign(static_cast<std::size_t>(d_), 0.0f);
  scores_.assign(static_cast<std::size_t>(k_), 0.0);
  replay_x_.setZero(static_cast<Index>(config.replay), static_cast<Index>(d_));
  batch_x_.setZero(static_cast<Index>(config.minibatch), static_cast<Index>(d_));
  replay_a_.assign(static_cast<std::size_t>(config.replay), 0);
  replay_r_.assign(static_cast<std::size_t>(config.replay), 0.0f);
  batch_a_.assign(static_cast<std::size_t>(config.minibatch), 0);
  batch_r_.assign(static_cast<std::size_t>(config.minibatch), 0.0f);
}

void NeuralEpsilonGreedy::read_context(const Value& obs) {
  if (static_cast<std::int64_t>(obs.vec.size()) != d_)
    throw Error("policy 'neural-epsilon-greedy': the context has " +
                std::to_string(obs.vec.size()) +
                " components; this policy was built for d = " + std::to_string(d_));
  std::copy(obs.vec.begin(), obs.vec.end(), x_.begin());
}

void NeuralEpsilonGreedy::predict(const Value& obs, std::span<double> out) {
  check_distribution_size(out, "neural-epsilon-greedy");
  read_context(obs);
  act_tape_.reset();
  act_tape_.set_grad_enabled(false);
  Var q = net_(act_tape_.constant(x_.data(), 1, static_cast<Index>(d_)));
  const auto v = q.value();
  for (std::int64_t a = 0; a < k_; ++a)
    out[static_cast<std::size_t>(a)] = static_cast<double>(v(0, static_cast<Index>(a)));
}

std::int64_t NeuralEpsilonGreedy::greedy_arm(const Value& obs) {
  predict(obs, scores_);
  return argmax_first(scores_.data(), k_);
}

void NeuralEpsilonGreedy::act(const Value& obs, Value& action, Decision& decision) {
  const std::int64_t greedy = greedy_arm(obs);
  std::int64_t arm = greedy;
  double p = 1.0;
  if (!evaluation()) {
    const double kd = static_cast<double>(k_);
    if (rng_.uniform() < config_.epsilon) arm = rng_.integer(0, k_ - 1);
    p = arm == greedy ? 1.0 - config_.epsilon + config_.epsilon / kd : config_.epsilon / kd;
  }
  action.index = arm + first_action_;
  decision.probability = p;
  decision.log_prob = p == 1.0 ? 0.0 : std::log(p);
}

void NeuralEpsilonGreedy::action_probabilities(const Value& obs, std::span<double> out) {
  check_distribution_size(out, "neural-epsilon-greedy");
  const std::int64_t greedy = greedy_arm(obs);
  const double e = evaluation() ? 0.0 : config_.epsilon;
  std::fill(out.begin(), out.end(), e / static_cast<double>(k_));
  out[static_cast<std::size_t>(greedy)] += 1.0 - e;
}

void NeuralEpsilonGreedy::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = transition.action.index - first_action_;
  if (arm < 0 || arm >= k_)
    throw Error("policy 'neural-epsilon-greedy': arm " + std::to_string(arm) + " is outside [0, " +
                std::to_string(k_ - 1) + "]");
  if (!std::isfinite(transition.reward))
    throw Error("policy 'neural-epsilon-greedy' got a non-finite reward");
  read_context(transition.obs);
  const auto slot = static_cast<Index>(next_);
  for (std::int64_t j = 0; j < d_; ++j)
    replay_x_(slot, static_cast<Index>(j)) = x_[static_cast<std::size_t>(j)];
  replay_a_[static_cast<std::size_t>(next_)] = arm;
  replay_r_[static_cast<std::size_t>(next_)] = static_cast<float>(transition.reward);
  next_ = (next_ + 1) % config_.replay;
  stored_ = std::min(stored_ + 1, config_.replay);
  if (stored_ < config_.minibatch) return;
  for (std::int64_t i = 0; i < config_.minibatch; ++i) {
    const std::int64_t s = rng_.integer(0, stored_ - 1);
    batch_x_.row(static_cast<Index>(i)) = replay_x_.row(static_cast<Index>(s));
    batch_a_[static_cast<std::size_t>(i)] = replay_a_[static_cast<std::size_t>(s)];
    batch_r_[static_cast<std::size_t>(i)] = replay_r_[static_cast<std::size_t>(s)];
  }
  train_tape_.reset();
  Var q = net_(train_tape_.constant(batch_x_));
  Var pred = nn::gather(q, batch_a_);
  Var target = train_tape_.constant(batch_r_.data(), static_cast<Index>(config_.minibatch), 1);
  Var loss = nn::mse_loss(pred, target);
  optimizer_.zero_grad();
  train_tape_.backward(loss);
  optimizer_.step();
  ++updates_;
}

void NeuralEpsilonGreedy::save(StateDict& out) const {
  // Module parameter lists are gathered through non-const calls; nothing is modified.
  auto& self = const_cast<NeuralEpsilonGreedy&>(*this);
  nn::to_state_dict(self.net_, out, "net.");
  optimizer_.save_state(out, "optimizer.");
  const std::int64_t n = config_.replay;
  ArrayRecord contexts{{n, d_}, {}}, arms{{n}, {}}, rewards{{n}, {}};
  contexts.data.reserve(static_cast<std::size_t>(n * d_));
  for (Index i = 0; i < static_cast<Index>(n); ++i) {
    for (Index j = 0; j < static_cast<Index>(d_); ++j) contexts.data.push_back(replay_x_(i, j));
    arms.data.push_back(static_cast<double>(replay_a_[static_cast<std::size_t>(i)]));
    rewards.data.push_back(replay_r_[static_cast<std::size_t>(i)]);
  }
  out["replay.contexts"] = std::move(contexts);
  out["replay.arms"] = std::move(arms);
  out["replay.rewards"] = std::move(rewards);
  out["counters"] = ArrayRecord{
      {3},
      {static_cast<double>(stored_), static_cast<double>(next_), static_cast<double>(updates_)}};
  save_shared_state(out);
}

void NeuralEpsilonGreedy::load(const StateDict& in) {
  const std::string who = "policy 'neural-epsilon-greedy'";
  const std::int64_t n = config_.replay;
  auto entry = [&](const std::string& key, std::size_t size) -> const std::vector<double>& {
    const auto it = in.find(key);
    if (it == in.end())
      throw Error(who + ": cannot load: the state has no entry '" + key +
                  "'; was it saved by this policy?");
    if (it->second.data.size() != size)
      throw Error(who + ": entry '" + key + "' has " + std::to_string(it->second.data.size()) +
                  " values; this policy needs " + std::to_string(size) +
                  " (was it saved with another replay size, dimension or number of arms?)");
    return it->second.data;
  };
  // Check everything that can be checked before changing anything.
  const auto& counters = entry("counters", 3);
  const auto& contexts = entry("replay.contexts", static_cast<std::size_t>(n * d_));
  const auto& arms = entry("replay.arms", static_cast<std::size_t>(n));
  const auto& rewards = entry("replay.rewards", static_cast<std::size_t>(n));
  const double stored = counters[0], next = counters[1], updates = counters[2];
  if (!(stored >= 0 && stored <= static_cast<double>(n) && next >= 0 &&
        next < static_cast<double>(n) && updates >= 0))
    throw Error(who + ": 'counters' = [stored, next, updates] must satisfy 0 <= stored <= " +
                std::to_string(n) + ", 0 <= next < " + std::to_string(n) + ", updates >= 0");
  for (double a : arms)
    if (!(a >= 0 && a < static_cast<double>(k_)))
      throw Error(who + ": 'replay.arms' holds arm " + std::to_string(a) + ", outside [0, " +
                  std::to_string(k_ - 1) + "]");
  nn::from_state_dict(net_, in, "net.");
  optimizer_.load_state(in, "optimizer.");
  load_shared_state(in, who);
  for (Index i = 0; i < static_cast<Index>(n); ++i) {
    const auto r = static_cast<std::size_t>(i);
    for (Index j = 0; j < static_cast<Index>(d_); ++j)
      replay_x_(i, j) = static_cast<float>(
          contexts[r * static_cast<std::size_t>(d_) + static_cast<std::size_t>(j)]);
    replay_a_[r] = static_cast<std::int64_t>(arms[r]);
    replay_r_[r] = static_cast<float>(rewards[r]);
  }
  stored_ = static_cast<std::int64_t>(stored);
  next_ = static_cast<std::int64_t>(next);
  updates_ = static_cast<std::int64_t>(updates);
}

namespace {

void register_neural_policies(Registry& registry) {
  using C = BanditParams<NeuralEpsilonGreedyConfig>;
  registry.add_agent(bandit_policy_entry(
      "neural-epsilon-greedy",
      "epsilon-greedy on an MLP reward model (K outputs) trained online by Adam on a replay of "
      "recent samples (Riquelme, Tucker & Snoek 2018 neural-greedy baseline)",
      ConfigSchema<C>()
          .field("epsilon", &C::epsilon, "probability of a uniformly random arm, in [0, 1]",
                 range(0, 1))
          .field("hidden", &C::hidden, "units in each of the two hidden ReLU layers",
                 range(1, 4096))
          .field("learning_rate", &C::learning_rate, "Adam step size", at_least(0))
          .field("replay", &C::replay, "replay ring of the most recent samples", range(1, 1e7))
          .field("minibatch", &C::minibatch, "samples per Adam step (<= replay)", range(1, 1e6)),
      check_contextual, [](const AgentContext& ctx, const C& c) {
        return std::make_unique<NeuralEpsilonGreedy>(
            ctx.spec.action_space.n(),
            static_cast<std::int64_t>(ctx.spec.observation_space.flat_size()), c, ctx.seed,
            ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_neural_policies)

}  // namespace rlsim
