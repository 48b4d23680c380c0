// Off-policy evaluation (OPE) of a fixed target policy π from bandit data logged by another
// policy μ: n samples (x_i, a_i, r_i, μ_i = μ(a_i | x_i)). Plain functions over arrays, so
// tests call them directly; `rlsim ope` (experiments/cmd_ope.cpp) feeds them from run files.
//
// With importance weights w_i = π(a_i | x_i) / μ_i:
//   IPS    V = (1/n) Σ w_i r_i  (Horvitz & Thompson 1952, J. Amer. Statist. Assoc. 47(260)),
//          SE = sample sd of w_i r_i / √n.
//   SNIPS  V = Σ w_i r_i / Σ w_i  (Swaminathan & Joachims 2015, "The self-normalized
//          estimator for counterfactual learning", NeurIPS), SE by the delta method:
//          sd of w_i (r_i − V) / (√n · mean w).
//   DR     V = (1/n) Σ [ Σ_a π(a|x_i) q̂(x_i, a) + w_i (r_i − q̂(x_i, a_i)) ]  (Dudík, Langford
//          & Li 2011, "Doubly robust policy evaluation and learning", ICML), SE = sample sd
//          of the terms / √n.
//   DM     V = (1/n) Σ_a π(a|x_i) q̂(x_i, a) (the direct method alone; its SE ignores the
//          error of q̂ and is reported for reference only).
// The reward model q̂ is a ridge regression of r on (x, 1) per arm, fitted on the log with
// K-fold cross-fitting (folds ≥ 2: each sample's q̂ comes from the model fitted on the other
// folds, contiguous blocks in log order; folds = 1: fitted on all samples). Propensities
// must lie in (0, 1]; NaN (a logging policy without closed-form propensities) is refused.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rlsim {

struct OpeEstimate {
  double value = 0.0;
  double se = 0.0;
};

// Throws rlsim::Error naming `where` (e.g. "run 3 of log.h5") when a propensity is NaN
// or outside (0, 1].
void check_propensities(std::span<const double> logging_prob, const std::string& where);

OpeEstimate ips_estimate(std::span<const double> reward, std::span<const double> logging_prob,
                         std::span<const double> target_prob);
OpeEstimate snips_estimate(std::span<const double> reward, std::span<const double> logging_prob,
                           std::span<const double> target_prob);
// q_logged[i] = q̂(x_i, a_i); q_target[i] = Σ_a π(a | x_i) q̂(x_i, a).
OpeEstimate dr_estimate(std::span<const double> reward, std::span<const double> logging_prob,
                        std::span<const double> target_prob, std::span<const double> q_logged,
                        std::span<const double> q_target);
OpeEstimate dm_estimate(std::span<const double> q_target);

// q̂[i * K + a]: predicted reward of every arm a for sample i from per-arm ridge regressions
// of reward on (context, 1) (penalty lambda on every coefficient), cross-fitted over `folds`
// contiguous folds (1: no cross-fitting). contexts: n × d row-major (d may be 0: then q̂ is
// a shrunk per-arm mean). An arm with no sample in the training part predicts 0.
std::vector<double> ridge_reward_predictions(std::span<const double> contexts, std::int64_t d,
                                             std::span<const std::int64_t> actions,
                                             std::span<const double> reward, std::int64_t arms,
                                             double lambda, std::int64_t folds);

// Everything `rlsim ope` reports for one data set.
struct OpeInput {
  std::int64_t arms = 0;
  std::int64_t dimension = 0;         // d of the contexts (0 for non-contextual logs)
  std::vector<double> contexts;       // n × d
  std::vector<std::int64_t> actions;  // 0-based arms
  std::vector<double> reward;
  std::vector<double> logging_prob;  // μ(a_i | x_i)
  std::vector<double> target;        // n × K: π(a | x_i)
};
struct OpeReport {
  std::int64_t n = 0;
  OpeEstimate ips, snips, dr, dm;
  bool has_model = false;     // DR/DM computed (reward model != none)
  double logged_value = 0.0;  // mean logged reward (the logging policy's value)
  double mean_weight = 0.0;   // should be near 1 when π is absolutely continuous w.r.t. μ
  double max_weight = 0.0;
  double effective_sample_size = 0.0;  // (Σ w)² / Σ w²
  double match_rate = 0.0;             // fraction of samples with π(a_i | x_i) > 0
};
// model: "ridge" or "none".
OpeReport evaluate_off_policy(const OpeInput& in, const std::string& model, double lambda,
                              std::int64_t folds);

}  // namespace rlsim
