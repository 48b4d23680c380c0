#include "bandits/policies/linear.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "bandits/math/argmax_probability.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace linear_kernel {
namespace {
template <std::size_t... D>
constexpr std::array<Kernels, sizeof...(D)> fixed_table(std::index_sequence<D...>) {
  return {kernels_for<static_cast<int>(D)>()...};
}
// Entry d: the kernels compiled for dimension d (entry 0: run-time d).
constexpr auto kTable = fixed_table(std::make_index_sequence<kMaxFixedDimension + 1>{});
}  // namespace

Kernels select(std::int64_t d, bool fixed_size) {
  if (fixed_size && d >= 1 && d <= kMaxFixedDimension) return kTable[static_cast<std::size_t>(d)];
  return kTable[0];
}
}  // namespace linear_kernel

// ---------------------------------------------------------------------------- shared

LinearPolicy::LinearPolicy(std::string name, std::int64_t num_arms, std::int64_t dimension,
                           double lambda, std::int64_t first_action)
    : name_(std::move(name)),
      k_(num_arms),
      d_(dimension),
      first_action_(first_action),
      lambda_(lambda) {
  if (num_arms < 2)
    throw Error("policy '" + name_ + "': K = " + std::to_string(num_arms) +
                " arms is too few: a bandit policy needs at least 2 arms");
  if (dimension < 1)
    throw Error("policy '" + name_ + "': context dimension d = " + std::to_string(dimension) +
                " is invalid: need d >= 1");
  if (!(lambda > 0.0) || !std::isfinite(lambda))
    throw Error("policy '" + name_ + "': lambda = " + std::to_string(lambda) +
                " is invalid: the ridge must be > 0");
  // K d x d inverses: refuse what would exhaust memory before allocating it.
  constexpr double kMaxNumbers = 1e8;  // 800 MB of doubles
  const double numbers = static_cast<double>(num_arms) * static_cast<double>(dimension) *
                         static_cast<double>(dimension);
  if (numbers > kMaxNumbers)
    throw Error("policy '" + name_ + "': K = " + std::to_string(num_arms) +
                " arms with context dimension d = " + std::to_string(dimension) +
                " need K d^2 = " + std::to_string(static_cast<std::int64_t>(numbers)) +
                " numbers of per-arm d x d matrices; at most 1e8 (800 MB) are supported: use "
                "fewer arms or a smaller context");
  const auto d = static_cast<Eigen::Index>(dimension);
  inverse_.assign(static_cast<std::size_t>(num_arms), Eigen::MatrixXd::Identity(d, d) / lambda);
  b_.assign(static_cast<std::size_t>(num_arms), Eigen::VectorXd::Zero(d));
  theta_.assign(static_cast<std::size_t>(num_arms), Eigen::VectorXd::Zero(d));
  x_ = Eigen::VectorXd::Zero(d);
  y_ = Eigen::VectorXd::Zero(d);
  for (std::size_t a = 0; a < inverse_.size(); ++a) {
    inverse_data_.push_back(inverse_[a].data());
    theta_data_.push_back(theta_[a].data());
  }
  mean_.assign(static_cast<std::size_t>(num_arms), 0.0);
  quad_.assign(static_cast<std::size_t>(num_arms), 0.0);
  kernels_ = linear_kernel::select(d_, fixed_size_);
}

void LinearPolicy::set_fixed_size_kernels(bool fixed) {
  fixed_size_ = fixed;
  kernels_ = linear_kernel::select(d_, fixed_size_);
}

void LinearPolicy::compute_scores() {
  kernels_.scores(d_, k_, inverse_data_.data(), theta_data_.data(), x_.data(), y_.data(),
                  mean_.data(), quad_.data());
}

void LinearPolicy::update(std::size_t a, double r) {
  kernels_.ridge_update(d_, inverse_[a].data(), b_[a].data(), theta_[a].data(), x_.data(), r,
                        y_.data());
}

const Eigen::MatrixXd& LinearPolicy::inverse(std::int64_t arm) const {
  return inverse_.at(static_cast<std::size_t>(arm));
}
const Eigen::VectorXd& LinearPolicy::b(std::int64_t arm) const {
  return b_.at(static_cast<std::size_t>(arm));
}
const Eigen::VectorXd& LinearPolicy::theta(std::int64_t arm) const {
  return theta_.at(static_cast<std::size_t>(arm));
}

double LinearPolicy::variance_term(std::int64_t arm, const Eigen::VectorXd& x) const {
  return x.dot(inverse(arm) * x);
}

void LinearPolicy::read_context(const Value& obs) {
  if (static_cast<std::int64_t>(obs.vec.size()) != d_)
    throw Error("policy '" + name_ + "': the context has " + std::to_string(obs.vec.size()) +
                " components; this policy was built for d = " + std::to_string(d_));
  for (std::int64_t i = 0; i < d_; ++i)
    x_[i] = static_cast<double>(obs.vec[static_cast<std::size_t>(i)]);
}

void LinearPolicy::emit(std::int64_t arm, Value& action, Decision& decision,
                        double probability) const {
  action.index = arm + first_action_;
  decision.probability = probability;
  decision.log_prob = probability == 1.0 ? 0.0 : std::log(probability);
}

void LinearPolicy::act_greedy(Value& action, Decision& decision) {
  emit(
      argmax_of(k_, [this](std::int64_t a) { return theta_[static_cast<std::size_t>(a)].dot(x_); }),
      action, decision, 1.0);
}

void LinearPolicy::action_probabilities(const Value& obs, std::span<double> out) {
  check_distribution_size(out, name_);
  std::fill(out.begin(), out.end(), 0.0);
  Value action;
  Decision d;
  act(obs, action, d);  // evaluation mode: the greedy arm
  if (d.probability != 1.0)
    throw Error("policy '" + name_ +
                "' does not provide its action distribution outside evaluation mode (its "
                "choice is random without a closed-form distribution): evaluate it in "
                "evaluation mode (greedy)");
  out[static_cast<std::size_t>(action.index - first_action_)] = 1.0;
}

void LinearPolicy::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = transition.action.index - first_action_;
  if (arm < 0 || arm >= k_)
    throw Error("policy '" + name_ + "': arm " + std::to_string(arm) + " is outside [0, " +
                std::to_string(k_ - 1) + "]");
  read_context(transition.obs);
  const double r = transition.reward;
  if (!std::isfinite(r))
    throw Error("policy '" + name_ + "' got a non-finite reward " + std::to_string(r));
  update(static_cast<std::size_t>(arm), r);
  ++t_;
}

void LinearPolicy::save(StateDict& out) const {
  const auto k = static_cast<std::size_t>(k_), d = static_cast<std::size_t>(d_);
  ArrayRecord inv{{k_, d_, d_}, {}}, b{{k_, d_}, {}};
  inv.data.reserve(k * d * d);
  b.data.reserve(k * d);
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j)
        inv.data.push_back(inverse_[a](static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
    for (std::size_t i = 0; i < d; ++i) b.data.push_back(b_[a][static_cast<Eigen::Index>(i)]);
  }
  out["inverse_gram"] = std::move(inv);
  out["reward_weighted_contexts"] = std::move(b);
  put_scalar(out, "pulls", static_cast<double>(t_));
  save_shared_state(out);
}

void LinearPolicy::load(const StateDict& in) {
  const auto k = static_cast<std::size_t>(k_), d = static_cast<std::size_t>(d_);
  const std::string who = "policy '" + name_ + "'";
  const ArrayRecord& inv = get_record(in, "inverse_gram", k * d * d, who);
  const ArrayRecord& b = get_record(in, "reward_weighted_contexts", k * d, who);
  const auto pulls = static_cast<std::int64_t>(get_scalar(in, "pulls", who));
  load_shared_state(in, who);
  t_ = pulls;
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j)
        inverse_[a](static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            inv.data[(a * d + i) * d + j];
    for (std::size_t i = 0; i < d; ++i) b_[a][static_cast<Eigen::Index>(i)] = b.data[a * d + i];
    linear_kernel::mat_vec(linear_kernel::Dim<0>(d_), inverse_[a].data(), b_[a].data(),
                           theta_[a].data());  // as the update computes it
  }
}

// ---------------------------------------------------------------------------- LinUCB

LinUcb::LinUcb(std::int64_t num_arms, std::int64_t dimension, const LinUcbConfig& config,
               std::int64_t first_action)
    : LinearPolicy("linucb", num_arms, dimension, config.lambda, first_action),
      alpha_(config.alpha) {
  if (!(alpha_ >= 0.0) || !std::isfinite(alpha_))
    throw Error("policy 'linucb': alpha = " + std::to_string(alpha_) + " must be >= 0");
}

double LinUcb::ucb(std::int64_t arm, const Eigen::VectorXd& x) const {
  return theta(arm).dot(x) + alpha_ * std::sqrt(variance_term(arm, x));
}

void LinUcb::act(const Value& obs, Value& action, Decision& decision) {
  read_context(obs);
  if (evaluation()) return act_greedy(action, decision);
  compute_scores();
  std::int64_t best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  for (std::int64_t a = 0; a < k_; ++a) {
    const auto i = static_cast<std::size_t>(a);
    const double p = mean_[i] + alpha_ * std::sqrt(std::max(0.0, quad_[i]));
    if (p > best_value) {
      best_value = p;
      best = a;
    }
  }
  emit(best, action, decision, 1.0);
}

// ---------------------------------------------------------------------------- linear TS

namespace {
double default_v(std::int64_t d, const LinearThompsonConfig& c) {
  if (c.v > 0.0) return c.v;
  if (!(c.r > 0.0) || !(c.epsilon > 0.0 && c.epsilon < 1.0) || !(c.delta > 0.0 && c.delta < 1.0))
    throw Error(
        "policy 'linear-thompson': the default v = R sqrt(24 d ln(1/delta) / epsilon) "
        "needs R > 0, 0 < epsilon < 1 and 0 < delta < 1");
  return c.r * std::sqrt(24.0 * static_cast<double>(d) * std::log(1.0 / c.delta) / c.epsilon);
}
}  // namespace

LinearThompson::LinearThompson(std::int64_t num_arms, std::int64_t dimension,
                               const LinearThompsonConfig& config, std::uint64_t seed,
                               std::int64_t first_action)
    : LinearPolicy("linear-thompson", num_arms, dimension, config.lambda, first_action),
      v_(default_v(dimension, config)),
      propensity_(config.propensity),
      rng_(seed),
      sd_(static_cast<std::size_t>(num_arms), 0.0) {}

void LinearThompson::act(const Value& obs, Value& action, Decision& decision) {
  read_context(obs);
  if (evaluation()) return act_greedy(action, decision);
  compute_scores();
  std::int64_t best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  for (std::int64_t a = 0; a < k_; ++a) {
    const auto i = static_cast<std::size_t>(a);
    sd_[i] = v_ * std::sqrt(std::max(0.0, quad_[i]));
    const double score = mean_[i] + sd_[i] * rng_.normal();
    if (score > best_value) {
      best_value = score;
      best = a;
    }
  }
  emit(best, action, decision, 1.0);
  double p = std::numeric_limits<double>::quiet_NaN();
  if (propensity_) p = normal_argmax_probability(mean_, sd_, static_cast<std::size_t>(best));
  decision.probability = p;
  decision.log_prob = std::log(p);
}

// ---------------------------------------------------------------------------- contextual ε-greedy

ContextualEpsilonGreedy::ContextualEpsilonGreedy(std::int64_t num_arms, std::int64_t dimension,
                                                 double epsilon, double lambda, std::uint64_t seed,
                                                 std::int64_t first_action, RewardModel model)
    : LinearPolicy("contextual-epsilon-greedy", num_arms, dimension, lambda, first_action),
      epsilon_(epsilon),
      rng_(seed),
      model_(model) {
  if (!(epsilon >= 0.0 && epsilon <= 1.0))
    throw Error("policy 'contextual-epsilon-greedy': epsilon = " + std::to_string(epsilon) +
                " is outside [0, 1]");
}

std::int64_t ContextualEpsilonGreedy::greedy_arm(const Value& obs) {
  read_context(obs);
  return argmax_of(k_,
                   [this](std::int64_t a) { return theta_[static_cast<std::size_t>(a)].dot(x_); });
}

void ContextualEpsilonGreedy::act(const Value& obs, Value& action, Decision& decision) {
  const std::int64_t greedy = greedy_arm(obs);
  if (evaluation()) return emit(greedy, action, decision, 1.0);
  const double kd = static_cast<double>(k_);
  const std::int64_t arm = rng_.uniform() < epsilon_ ? rng_.integer(0, k_ - 1) : greedy;
  emit(arm, action, decision, arm == greedy ? 1.0 - epsilon_ + epsilon_ / kd : epsilon_ / kd);
}

void ContextualEpsilonGreedy::update(std::size_t a, double r) {
  if (model_ == RewardModel::Ridge) return LinearPolicy::update(a, r);
  if (!(r >= 0.0 && r <= 1.0))
    throw Error("policy 'contextual-epsilon-greedy' (model = logistic) got reward " +
                std::to_string(r) +
                ": the logistic model needs rewards in [0, 1]; use model = ridge");
  double* th = theta_[a].data();
  const double* x = x_.data();
  double z = 0.0;
  for (std::int64_t i = 0; i < d_; ++i) z += th[i] * x[i];
  const double p = 1.0 / (1.0 + std::exp(-z));
  const double s = kernels_.rank_one_update(d_, inverse_[a].data(), x, p * (1.0 - p), y_.data());
  const double step = (r - p) / s;  // H⁻¹x after the update is y / s
  for (std::int64_t i = 0; i < d_; ++i) th[i] += step * y_[i];
}

void ContextualEpsilonGreedy::save(StateDict& out) const {
  LinearPolicy::save(out);
  if (model_ != RewardModel::Logistic) return;
  ArrayRecord th{{k_, d_}, {}};
  for (const auto& t : theta_)
    for (Eigen::Index i = 0; i < t.size(); ++i) th.data.push_back(t[i]);
  out["logistic_theta"] = std::move(th);
}

void ContextualEpsilonGreedy::load(const StateDict& in) {
  LinearPolicy::load(in);
  if (model_ != RewardModel::Logistic) return;
  const auto k = static_cast<std::size_t>(k_), d = static_cast<std::size_t>(d_);
  const ArrayRecord& th = get_record(in, "logistic_theta", k * d, "policy '" + name_ + "'");
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t i = 0; i < d; ++i)
      theta_[a][static_cast<Eigen::Index>(i)] = th.data[a * d + i];
}

void ContextualEpsilonGreedy::action_probabilities(const Value& obs, std::span<double> out) {
  check_distribution_size(out, name_);
  const std::int64_t greedy = greedy_arm(obs);
  const double e = evaluation() ? 0.0 : epsilon_;
  std::fill(out.begin(), out.end(), e / static_cast<double>(k_));
  out[static_cast<std::size_t>(greedy)] += 1.0 - e;
}

// ---------------------------------------------------------------------------- registration

namespace {

struct ContextualEpsilonGreedyParams : BanditPolicyConfig {
  double epsilon = 0.1;  // probability of a uniformly random arm
  double lambda = 1.0;   // ridge / L2 prior precision
  RewardModel model = RewardModel::Ridge;
};

std::int64_t dimension(const AgentContext& ctx) {
  return static_cast<std::int64_t>(ctx.spec.observation_space.flat_size());
}

void register_linear_policies(Registry& registry) {
  using U = BanditParams<LinUcbConfig>;
  registry.add_agent(bandit_policy_entry(
      "linucb",
      "LinUCB with disjoint linear models, Sherman-Morrison updates (Li, Chu, Langford & "
      "Schapire 2010)",
      ConfigSchema<U>()
          .field("alpha", &U::alpha, "width of the confidence bonus", at_least(0))
          .field("lambda", &U::lambda, "ridge: A = lambda I + sum x x^T (> 0)", at_least(0),
                 source("Li et al. 2010, Alg. 1")),
      check_contextual, [](const AgentContext& ctx, const U& c) {
        return std::make_unique<LinUcb>(ctx.spec.action_space.n(), dimension(ctx), c,
                                        ctx.spec.action_space.start());
      }));
  using E = ContextualEpsilonGreedyParams;
  registry.add_agent(bandit_policy_entry(
      "contextual-epsilon-greedy",
      "epsilon-greedy on per-arm ridge or online logistic regressions of reward on the context, "
      "exact propensities (Sutton & Barto 2018 sec. 2.2; Langford & Zhang 2007; logistic: "
      "Chapelle & Li 2011 online Laplace)",
      ConfigSchema<E>()
          .field("epsilon", &E::epsilon, "probability of a uniformly random arm, in [0, 1]",
                 range(0, 1))
          .field("lambda", &E::lambda, "ridge / L2 prior precision: A = lambda I + ... (> 0)",
                 at_least(0))
          .field("model", &E::model,
                 "reward model per arm: ridge regression, or logistic regression (one Newton "
                 "step per pull; rewards in [0, 1])",
                 names<RewardModel>(
                     {{"ridge", RewardModel::Ridge}, {"logistic", RewardModel::Logistic}})),
      check_contextual, [](const AgentContext& ctx, const E& c) {
        if (c.model == RewardModel::Logistic)
          if (auto why = require_reward_range(ctx.spec, 0.0, 1.0,
                                              "contextual-epsilon-greedy (model = logistic)",
                                              "model = ridge"))
            throw Error(*why);
        return std::make_unique<ContextualEpsilonGreedy>(ctx.spec.action_space.n(), dimension(ctx),
                                                         c.epsilon, c.lambda, ctx.seed,
                                                         ctx.spec.action_space.start(), c.model);
      }));
  using T = BanditParams<LinearThompsonConfig>;
  registry.add_agent(bandit_policy_entry(
      "linear-thompson",
      "Thompson sampling with linear payoffs, disjoint arms (Agrawal & Goyal 2013)",
      ConfigSchema<T>()
          .field("v", &T::v, "posterior scale (0: R sqrt(24 d ln(1/delta) / epsilon))", at_least(0),
                 source("Agrawal & Goyal 2013, Thm 1"))
          .field("R", &T::r, "sub-Gaussian reward noise scale, for the default v", at_least(0))
          .field("epsilon", &T::epsilon, "epsilon of the default v, in (0, 1)", range(0, 1))
          .field("delta", &T::delta, "delta of the default v, in (0, 1)", range(0, 1))
          .field("lambda", &T::lambda, "ridge: B = lambda I + sum x x^T (> 0)", at_least(0))
          .field("propensity", &T::propensity,
                 "report the exact probability of the arm chosen (quadrature; slow)"),
      check_contextual, [](const AgentContext& ctx, const T& c) {
        return std::make_unique<LinearThompson>(ctx.spec.action_space.n(), dimension(ctx), c,
                                                ctx.seed, ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_linear_policies)

}  // namespace rlsim
