#include "experiments/analyze_identification.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <tuple>

#include "bandits/math/kl.hpp"
#include "bandits/math/optimal_weights.hpp"
#include "experiments/analyze.hpp"
#include "experiments/analyze_util.hpp"
#include "experiments/cli_util.hpp"

namespace rlsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// T*(μ) ln(1/δ) of a stored run, or NaN when the model or δ is unknown.
double lower_bound(const StoredRun& run, const Registry& registry) {
  const auto delta_text = param_from_text(run.agent_params, "delta");
  if (!delta_text) return kNaN;
  const double delta = std::stod(*delta_text);
  if (!(delta > 0.0 && delta < 1.0)) return kNaN;
  std::unique_ptr<Env> env = registry.make_env(run.env_id, params_from_text(run.env_params, "env"));
  const Oracle* oracle = env->oracle();
  if (!oracle || !env->spec().action_space.is_discrete()) return kNaN;
  Value obs;
  env->spec().observation_space.prepare(obs);
  env->reset(obs, run.env_seed);
  const EnvSpec& spec = env->spec();
  std::vector<double> mu;
  for (std::int64_t a = 0; a < spec.action_space.n(); ++a)
    mu.push_back(oracle->expected_reward(spec.action_space.start() + a));
  KlFamily family = KlFamily::Bernoulli;
  double sigma = 1.0;
  if (run.env_id == "GaussianBandit-v0") {
    family = KlFamily::Gaussian;
    const auto sigmas = param_from_text(run.env_params, "sigmas");
    if (sigmas && *sigmas != "[]") return kNaN;  // per-arm variances: not this model
    sigma = std::stod(param_from_text(run.env_params, "sigma").value_or("1"));
  } else if (!(spec.reward_min >= 0.0 && spec.reward_max <= 1.0)) {
    return kNaN;
  }
  return optimal_weights(family, mu, sigma).t_star * std::log(1.0 / delta);
}

}  // namespace

std::pair<double, double> wilson_interval(std::int64_t errors, std::int64_t n) {
  const double z = 1.959963984540054;  // the 0.975 quantile of the standard normal
  const double nd = static_cast<double>(n), p = static_cast<double>(errors) / nd;
  const double denom = 1.0 + z * z / nd;
  const double center = (p + z * z / (2.0 * nd)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nd + z * z / (4.0 * nd * nd)) / denom;
  // At 0 (n) errors the exact end is 0 (1); center - half only reaches it up to rounding.
  return {errors == 0 ? 0.0 : std::max(0.0, center - half),
          errors == n ? 1.0 : std::min(1.0, center + half)};
}

std::vector<IdentificationGroup> summarize_identification(const ExperimentReader& reader,
                                                          const Registry& registry) {
  std::vector<IdentificationGroup> out;
  std::map<std::string, std::size_t> index;
  std::vector<std::vector<double>> stops, bounds;
  for (std::int64_t r : reader.complete_run_indices()) {
    const StoredRun run = reader.read_run(r);
    if (!run.identification.can_stop) continue;
    auto [it, added] = index.try_emplace(run.group, out.size());
    if (added) {
      IdentificationGroup g;
      g.env_id = run.env_id, g.agent_id = run.agent_id, g.env_params = run.env_params;
      g.agent_params = run.agent_params, g.group = run.group;
      out.push_back(g);
      stops.emplace_back();
      bounds.emplace_back();
    }
    IdentificationGroup& g = out[it->second];
    ++g.runs;
    if (!run.identification.stopped) continue;
    ++g.stopped;
    g.errors += run.identification.correct == 0;
    stops[it->second].push_back(static_cast<double>(run.identification.stop_time));
    bounds[it->second].push_back(lower_bound(run, registry));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    IdentificationGroup& g = out[i];
    if (g.stopped == 0) {
      g.error_rate = g.error_lo = g.error_hi = g.mean_stop = g.stop_ci95 = g.lower_bound = kNaN;
      continue;
    }
    g.error_rate = static_cast<double>(g.errors) / static_cast<double>(g.stopped);
    std::tie(g.error_lo, g.error_hi) = wilson_interval(g.errors, g.stopped);
    double sum = 0.0, bsum = 0.0;
    for (double s : stops[i]) sum += s;
    for (double b : bounds[i]) bsum += b;
    g.mean_stop = sum / static_cast<double>(stops[i].size());
    g.stop_ci95 = ci95_half_width(stops[i]);
    g.lower_bound = bsum / static_cast<double>(bounds[i].size());
  }
  return out;
}

void print_identification(std::ostream& os, const std::vector<IdentificationGroup>& groups) {
  if (groups.empty()) return;
  os << "\nbest-arm identification (runs the agent may stop; error rate with its 95% Wilson "
        "interval, mean stopping time with its 95% t interval, lower bound T*(mu) ln(1/delta) "
        "of Garivier & Kaufmann 2016):\n";
  os << std::left << std::setw(30) << "env" << std::setw(24) << "agent" << std::right
     << std::setw(6) << "runs" << std::setw(9) << "stopped" << std::setw(8) << "errors"
     << std::setw(12) << "error rate" << std::setw(20) << "95% interval" << std::setw(12)
     << "mean stop" << std::setw(10) << "±95% CI" << std::setw(14) << "T* ln(1/d)" << std::setw(8)
     << "ratio"
     << "\n";
  for (const auto& g : groups) {
    std::ostringstream interval;
    interval << std::fixed << std::setprecision(4) << "[" << g.error_lo << ", " << g.error_hi
             << "]";
    os << std::left << std::setw(30) << g.env_id << std::setw(24) << g.agent_id << std::right
       << std::setw(6) << g.runs << std::setw(9) << g.stopped << std::setw(8) << g.errors
       << std::fixed << std::setprecision(4) << std::setw(12) << g.error_rate << std::setw(20)
       << interval.str() << std::setprecision(1) << std::setw(12) << g.mean_stop << std::setw(10)
       << g.stop_ci95 << std::setw(14) << g.lower_bound << std::setprecision(2) << std::setw(8)
       << g.mean_stop / g.lower_bound << "\n";
    os.unsetf(std::ios::floatfield);
  }
  // Which row is which: the parameters in which the rows differ, as the main table says.
  std::vector<GroupSummary> rows(groups.size());
  std::vector<const GroupSummary*> pointers;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    rows[i].env_params = groups[i].env_params;
    rows[i].agent_params = groups[i].agent_params;
    pointers.push_back(&rows[i]);
  }
  const std::vector<std::string> differ = analyze_detail::differing_params(pointers);
  for (std::size_t i = 0; i < groups.size(); ++i)
    if (!differ[i].empty())
      os << "  row " << i + 1 << " (" << groups[i].env_id << " / " << groups[i].agent_id
         << "): " << differ[i] << "\n";
}

}  // namespace rlsim
