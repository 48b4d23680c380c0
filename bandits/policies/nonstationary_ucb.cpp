#include "bandits/policies/nonstationary_ucb.hpp"

#include <cmath>
#include <limits>
#include <memory>

#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double default_gamma(const DiscountedUcbConfig& c) {
  if (c.gamma > 0.0) {
    if (c.gamma > 1.0)
      throw Error("policy 'discounted-ucb': gamma = " + std::to_string(c.gamma) +
                  " is invalid: need 0 < gamma <= 1");
    return c.gamma;
  }
  if (c.horizon < 1)
    throw Error(
        "policy 'discounted-ucb': the default gamma = 1 - 1/(4 sqrt T) needs the "
        "horizon T >= 1; set gamma or the horizon");
  return 1.0 - 1.0 / (4.0 * std::sqrt(static_cast<double>(c.horizon)));
}

std::int64_t default_tau(const SlidingWindowUcbConfig& c) {
  if (c.tau > 0) return c.tau;
  if (c.horizon < 2)
    throw Error(
        "policy 'sliding-window-ucb': the default tau = 4 sqrt(T ln T) needs the "
        "horizon T >= 2; set tau or the horizon");
  const double t = static_cast<double>(c.horizon);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(4.0 * std::sqrt(t * std::log(t))));
}

void check_xi_b(const std::string& who, double xi, double b) {
  if (!(xi > 0.0) || !(b > 0.0))
    throw Error("policy '" + who + "': need xi > 0 and B > 0 (got xi = " + std::to_string(xi) +
                ", B = " + std::to_string(b) + ")");
}

}  // namespace

// ---------------------------------------------------------------------------- D-UCB

DiscountedUcb::DiscountedUcb(std::int64_t num_arms, const DiscountedUcbConfig& config,
                             std::int64_t first_action)
    : IndexPolicy("discounted-ucb", num_arms, first_action),
      gamma_(default_gamma(config)),
      xi_(config.xi),
      b_(config.b),
      n_(static_cast<std::size_t>(num_arms), 0.0),
      s_(static_cast<std::size_t>(num_arms), 0.0) {
  check_xi_b(name(), xi_, b_);
}

double DiscountedUcb::index(std::int64_t arm) const {
  const auto a = static_cast<std::size_t>(arm);
  count(arm);
  if (n_[a] <= 0.0) return kInf;
  double total = 0.0;
  for (double n : n_) total += n;
  return s_[a] / n_[a] + 2.0 * b_ * std::sqrt(xi_ * std::log(total) / n_[a]);
}

std::int64_t DiscountedUcb::best_arm() {
  double total = 0.0;
  for (double n : n_) total += n;
  const double c = xi_ * std::log(total);
  return argmax_of(num_arms(), [&](std::int64_t a) {
    const auto i = static_cast<std::size_t>(a);
    return n_[i] > 0.0 ? s_[i] / n_[i] + 2.0 * b_ * std::sqrt(c / n_[i]) : kInf;
  });
}

void DiscountedUcb::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  const double x = transition.reward;
  for (std::size_t i = 0; i < n_.size(); ++i) {
    n_[i] *= gamma_;
    s_[i] *= gamma_;
  }
  n_[static_cast<std::size_t>(arm)] += 1.0;
  s_[static_cast<std::size_t>(arm)] += x;
  record(arm, x);
}

void DiscountedUcb::save_extra(StateDict& out) const {
  put_array(out, "discounted_counts", n_);
  put_array(out, "discounted_sums", s_);
}

void DiscountedUcb::load_extra(const StateDict& in) {
  get_array(in, "discounted_counts", n_, n_.size(), name());
  get_array(in, "discounted_sums", s_, s_.size(), name());
}

// ---------------------------------------------------------------------------- SW-UCB

SlidingWindowUcb::SlidingWindowUcb(std::int64_t num_arms, const SlidingWindowUcbConfig& config,
                                   std::int64_t first_action)
    : BanditPolicy("sliding-window-ucb", num_arms, first_action),
      tau_(default_tau(config)),
      xi_(config.xi),
      b_(config.b),
      wn_(static_cast<std::size_t>(num_arms), 0),
      ws_(static_cast<std::size_t>(num_arms), 0.0),
      ring_arm_(static_cast<std::size_t>(tau_), 0),
      ring_reward_(static_cast<std::size_t>(tau_), 0.0) {
  check_xi_b(name(), xi_, b_);
}

double SlidingWindowUcb::index(std::int64_t arm) const {
  const auto a = static_cast<std::size_t>(arm);
  count(arm);
  if (wn_[a] == 0) return kInf;
  const double n = static_cast<double>(wn_[a]);
  const double c = xi_ * std::log(static_cast<double>(std::min(t_, tau_)));
  return ws_[a] / n + b_ * std::sqrt(c / n);
}

void SlidingWindowUcb::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  emit(argmax_of(num_arms(), [this](std::int64_t a) { return index(a); }), action, decision, 1.0);
}

void SlidingWindowUcb::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  const double x = transition.reward;
  const auto h = static_cast<std::size_t>(head_);
  if (filled_ == tau_) {
    const auto old = static_cast<std::size_t>(ring_arm_[h]);
    --wn_[old];
    ws_[old] -= ring_reward_[h];
  } else {
    ++filled_;
  }
  ring_arm_[h] = static_cast<std::int32_t>(arm);
  ring_reward_[h] = x;
  ++wn_[static_cast<std::size_t>(arm)];
  ws_[static_cast<std::size_t>(arm)] += x;
  head_ = head_ + 1 == tau_ ? 0 : head_ + 1;
  if (head_ == 0) resum();
  record(arm, x);
}

void SlidingWindowUcb::resum() {
  std::fill(ws_.begin(), ws_.end(), 0.0);
  for (std::int64_t i = 0; i < filled_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    ws_[static_cast<std::size_t>(ring_arm_[s])] += ring_reward_[s];
  }
}

void SlidingWindowUcb::save_extra(StateDict& out) const {
  std::vector<double> arms(ring_arm_.begin(), ring_arm_.end());
  put_array(out, "window_arms", arms);
  put_array(out, "window_rewards", ring_reward_);
  put_scalar(out, "window_filled", static_cast<double>(filled_));
  put_scalar(out, "window_head", static_cast<double>(head_));
  // The running sums as they are: learn() updates them incrementally between the periodic
  // resums, so a resum at load could differ in the last bits and change a later choice.
  put_array(out, "window_sums", ws_);
}

void SlidingWindowUcb::load_extra(const StateDict& in) {
  std::vector<double> arms;
  get_array(in, "window_arms", arms, ring_arm_.size(), name());
  get_array(in, "window_rewards", ring_reward_, ring_reward_.size(), name());
  const double filled = get_scalar(in, "window_filled", name());
  const double head = get_scalar(in, "window_head", name());
  const auto tau = static_cast<double>(tau_);
  if (!(filled >= 0 && filled <= tau && head >= 0 && head < tau))
    throw Error(name() + ": saved window_filled = " + std::to_string(filled) +
                " and window_head = " + std::to_string(head) +
                " do not fit this policy's window tau = " + std::to_string(tau_) +
                " (need 0 <= filled <= tau, 0 <= head < tau; was it saved with another tau?)");
  for (double a : arms)
    if (!(a >= 0 && a < static_cast<double>(num_arms())))
      throw Error(name() + ": saved window_arms holds arm " + std::to_string(a) + ", outside [0, " +
                  std::to_string(num_arms() - 1) + "]");
  filled_ = static_cast<std::int64_t>(filled);
  head_ = static_cast<std::int64_t>(head);
  std::fill(wn_.begin(), wn_.end(), 0);
  for (std::size_t i = 0; i < arms.size(); ++i) {
    ring_arm_[i] = static_cast<std::int32_t>(arms[i]);
    if (static_cast<std::int64_t>(i) < filled_) ++wn_[static_cast<std::size_t>(ring_arm_[i])];
  }
  // Optional: states saved before "window_sums" existed get the sums recomputed.
  if (in.count("window_sums") != 0)
    get_array(in, "window_sums", ws_, ws_.size(), name());
  else
    resum();
}

// ---------------------------------------------------------------------------- registration

namespace {

void register_nonstationary_policies(Registry& registry) {
  const auto paper = source("Garivier & Moulines 2011 simulations");
  using D = BanditParams<DiscountedUcbConfig>;
  registry.add_agent(bandit_policy_entry(
      "discounted-ucb", "discounted UCB for switching bandits (Garivier & Moulines 2011)",
      ConfigSchema<D>()
          .field("gamma", &D::gamma, "discount factor (0: 1 - 1/(4 sqrt T))", range(0, 1), paper)
          .field("xi", &D::xi, "exploration constant xi", at_least(0), paper)
          .field("B", &D::b, "rewards lie in [0, B]", at_least(0), paper)
          .field("horizon", &D::horizon,
                 "horizon T for the default gamma (0: the env's time limit)", range(0, 1e15)),
      check_non_contextual, [](const AgentContext& ctx, const D& p) {
        DiscountedUcbConfig c = p;
        if (c.gamma == 0.0)
          c.horizon = resolve_horizon(p.horizon, ctx.spec, "policy 'discounted-ucb'");
        return std::make_unique<DiscountedUcb>(ctx.spec.action_space.n(), c,
                                               ctx.spec.action_space.start());
      }));
  using S = BanditParams<SlidingWindowUcbConfig>;
  registry.add_agent(bandit_policy_entry(
      "sliding-window-ucb", "sliding-window UCB for switching bandits (Garivier & Moulines 2011)",
      ConfigSchema<S>()
          .field("tau", &S::tau, "window length (0: floor(4 sqrt(T ln T)))", range(0, 1e9), paper)
          .field("xi", &S::xi, "exploration constant xi", at_least(0), paper)
          .field("B", &S::b, "rewards lie in [0, B]", at_least(0), paper)
          .field("horizon", &S::horizon, "horizon T for the default tau (0: the env's time limit)",
                 range(0, 1e15)),
      check_non_contextual, [](const AgentContext& ctx, const S& p) {
        SlidingWindowUcbConfig c = p;
        if (c.tau == 0)
          c.horizon = resolve_horizon(p.horizon, ctx.spec, "policy 'sliding-window-ucb'");
        return std::make_unique<SlidingWindowUcb>(ctx.spec.action_space.n(), c,
                                                  ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_nonstationary_policies)

}  // namespace rlsim
