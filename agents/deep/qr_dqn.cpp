#include "agents/deep/qr_dqn.hpp"

#include <cmath>
#include <string>

#include "agents/deep/training_budget.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

using nn::Index;
using nn::Var;

void QrDqnConfig::validate() const {
  DqnConfig::validate();
  if (!(kappa > 0.0)) {
    throw Error("kappa = " + std::to_string(kappa) +
                ": the quantile Huber loss divides by kappa; use kappa > 0 (Dabney et al. 2018 "
                "use 1)");
  }
}

double quantile_huber_loss(const nn::Matrix& current, const nn::Matrix& target, double kappa,
                           std::span<const float> weights, std::span<double> per_sample,
                           nn::Matrix* grad) {
  const Index batch = current.rows(), n = current.cols(), m = target.cols();
  const auto b_size = static_cast<std::size_t>(batch);
  if (target.rows() != batch || (!weights.empty() && weights.size() != b_size) ||
      (!per_sample.empty() && per_sample.size() != b_size)) {
    throw Error("quantile_huber_loss: the current quantiles are " + nn::shape_string(batch, n) +
                ", the targets " + nn::shape_string(target.rows(), m) + ", with " +
                std::to_string(weights.size()) + " weights and " +
                std::to_string(per_sample.size()) +
                " per-sample outputs; they must all have the same number of rows");
  }
  if (!(kappa > 0.0)) throw Error("quantile_huber_loss: kappa must be > 0");
  if (grad != nullptr) grad->resize(batch, n);
  if (batch == 0 || n == 0 || m == 0) return 0.0;
  double total = 0.0;
  for (Index b = 0; b < batch; ++b) {
    const double w = weights.empty() ? 1.0 : weights[static_cast<std::size_t>(b)];
    double ell = 0.0;
    for (Index i = 0; i < n; ++i) {
      const double tau = (2.0 * static_cast<double>(i) + 1.0) / (2.0 * static_cast<double>(n));
      const double theta = current(b, i);
      double loss_i = 0.0, slope_i = 0.0;  // Σ_j ρ(u_ij) and Σ_j ∂ρ/∂u (u_ij)
      for (Index j = 0; j < m; ++j) {
        const double u = static_cast<double>(target(b, j)) - theta;
        const double weight = u < 0.0 ? 1.0 - tau : tau;  // |τ − 1{u < 0}|
        const double a = std::abs(u);
        if (a <= kappa) {
          loss_i += weight * 0.5 * u * u;
          slope_i += weight * u;
        } else {
          loss_i += weight * kappa * (a - 0.5 * kappa);
          slope_i += weight * (u < 0.0 ? -kappa : kappa);
        }
      }
      ell += loss_i / (kappa * static_cast<double>(m));
      // ∂u/∂θ_i = −1; the batch mean and the weight scale every sample's term.
      if (grad != nullptr) {
        (*grad)(b, i) = static_cast<float>(
            -w * slope_i / (kappa * static_cast<double>(m) * static_cast<double>(batch)));
      }
    }
    if (!per_sample.empty()) per_sample[static_cast<std::size_t>(b)] = ell;
    total += w * ell;
  }
  return total / static_cast<double>(batch);
}

QrDqnAgent::QrDqnAgent(const QrDqnConfig& config, const Space& observation_space,
                       const Space& action_space, std::uint64_t seed)
    : DqnAgent("qr-dqn", config, observation_space, action_space, seed, config.n_quantiles,
               // sb3-contrib QRDQN: Adam with eps = 0.01 / batch_size.
               nn::AdamOptions{config.learning_rate, 0.9, 0.999,
                               0.01 / static_cast<double>(config.batch_size)}),
      n_quantiles_(config.n_quantiles),
      kappa_(config.kappa) {
  if (n_quantiles_ < 1) throw Error("qr-dqn: n_quantiles must be >= 1");
  const Index b = config_.batch_size;
  target_quantiles_.resize(b, n_quantiles_);
  current_quantiles_.resize(b, n_quantiles_);
  quantile_grad_.resize(b, n_quantiles_);
  output_seed_.resize(b, n_actions_ * n_quantiles_);
  per_sample_loss_.resize(static_cast<std::size_t>(b));
}

Index QrDqnAgent::greedy_action(const nn::ConstMatrixMap& output, Index row) const {
  // The first action with the largest mean over its quantiles (compared as sums).
  Index best = 0;
  double best_sum = 0.0;
  for (Index a = 0; a < n_actions_; ++a) {
    double sum = 0.0;
    for (Index i = 0; i < n_quantiles_; ++i) sum += output(row, a * n_quantiles_ + i);
    if (a == 0 || sum > best_sum) {
      best = a;
      best_sum = sum;
    }
  }
  return best;
}

void QrDqnAgent::compute_quantile_targets(const nn::Matrix& next_obs,
                                          std::span<const float> returns,
                                          std::span<const float> discounts, nn::Matrix& out) {
  const Index rows = next_obs.rows(), n = n_quantiles_;
  target_tape_.reset();
  Var qt = target_(target_tape_.constant(next_obs));
  const auto target_values = qt.value();
  Var qo;
  if (config_.double_q) {
    // Double DQN: the online network chooses a*, the target network gives its quantiles.
    act_tape_.reset();
    qo = q_(act_tape_.constant(next_obs));
  }
  out.resize(rows, n);
  for (Index r = 0; r < rows; ++r) {
    const Index best =
        config_.double_q ? greedy_action(qo.value(), r) : greedy_action(target_values, r);
    const float g = returns[static_cast<std::size_t>(r)];
    const float d = discounts[static_cast<std::size_t>(r)];
    for (Index j = 0; j < n; ++j) out(r, j) = g + d * target_values(r, best * n + j);
  }
}

double QrDqnAgent::quantile_loss_backward(const nn::Matrix& obs,
                                          std::span<const std::int64_t> actions,
                                          const nn::Matrix& targets,
                                          std::span<const float> weights) {
  const Index rows = obs.rows(), n = n_quantiles_;
  train_tape_.reset();
  Var out = q_(train_tape_.constant(obs));
  const auto values = out.value();
  current_quantiles_.resize(rows, n);
  for (Index r = 0; r < rows; ++r) {
    current_quantiles_.row(r) = values.block(r, actions[static_cast<std::size_t>(r)] * n, 1, n);
  }
  per_sample_loss_.resize(static_cast<std::size_t>(rows));
  const double loss = quantile_huber_loss(current_quantiles_, targets, kappa_, weights,
                                          per_sample_loss_, &quantile_grad_);
  // ∂loss/∂output: the quantile gradients in each sample's action block, zero elsewhere.
  output_seed_.setZero(rows, n_actions_ * n);
  for (Index r = 0; r < rows; ++r) {
    output_seed_.block(r, actions[static_cast<std::size_t>(r)] * n, 1, n) = quantile_grad_.row(r);
  }
  for (Index r = 0; r < rows && r < static_cast<Index>(td_error_.size()); ++r) {
    td_error_[static_cast<std::size_t>(r)] = per_sample_loss_[static_cast<std::size_t>(r)];
  }
  optimizer_.zero_grad();
  train_tape_.backward(out, output_seed_);
  return loss;
}

double QrDqnAgent::minibatch_loss_backward(double& q_sum) {
  compute_quantile_targets(batch_next_, batch_return_, batch_discount_, target_quantiles_);
  const double loss =
      quantile_loss_backward(batch_obs_, batch_action_, target_quantiles_, batch_weight_);
  for (Index r = 0; r < current_quantiles_.rows(); ++r) {
    q_sum += current_quantiles_.row(r).cast<double>().mean();
  }
  return loss;
}

namespace {

void register_qr_dqn(Registry& registry) {
  using C = QrDqnConfig;
  ConfigSchema<C> schema;
  add_dqn_fields(schema, "sb3-contrib 2.x QR-DQN", "sb3-contrib 2.x QR-DQN MlpPolicy", false)
      .field("n_quantiles", &C::n_quantiles,
             "quantiles N per action, at the midpoints (2i - 1)/(2N), i = 1..N", range(1, 10000),
             source("sb3-contrib 2.x QR-DQN QuantileNetwork"))
      .field("kappa", &C::kappa,
             "threshold of the quantile Huber loss: quadratic for |u| <= kappa, linear beyond",
             at_least(0), source("Dabney et al. 2018"));
  registry.add_agent(agent_entry(
      "qr-dqn",
      "QR-DQN: distributional DQN with quantile regression (Dabney, Rowland, Bellemare & Munos "
      "2018, AAAI), quantile Huber loss, with DQN's double, n-step and prioritized replay "
      "options; sb3-contrib parameter names and defaults",
      std::move(schema),
      [](const EnvSpec& spec, const Env&) { return dqn_env_check("qr-dqn", spec); },
      [](const AgentContext& ctx, C c) {
        c.total_timesteps = resolve_training_budget(
            "qr-dqn", c.total_timesteps, ctx.budget_steps,
            c.prioritized ? "exploration epsilon, PER beta" : "exploration epsilon");
        return std::make_unique<QrDqnAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                            ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_qr_dqn)

}  // namespace rlsim
