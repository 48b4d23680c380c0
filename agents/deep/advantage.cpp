#include "agents/deep/advantage.hpp"

#include <limits>
#include <string>

#include "core/error.hpp"

namespace rlsim {

namespace {

void check_size(const char* name, std::size_t got, std::int64_t want) {
  if (static_cast<std::int64_t>(got) != want) {
    throw Error(std::string("compute_gae: ") + name + " has " + std::to_string(got) +
                " entries, expected " + std::to_string(want) + " (steps × envs or envs)");
  }
}

}  // namespace

void compute_gae(const RolloutTargets& r, double gamma, double gae_lambda,
                 std::span<float> advantages, std::span<float> returns) {
  const std::int64_t n = r.envs, total = r.steps * r.envs;
  check_size("rewards", r.rewards.size(), total);
  check_size("values", r.values.size(), total);
  check_size("final_values", r.final_values.size(), total);
  check_size("terminated", r.terminated.size(), total);
  check_size("truncated", r.truncated.size(), total);
  check_size("last_values", r.last_values.size(), n);
  check_size("advantages", advantages.size(), total);
  check_size("returns", returns.size(), total);
  for (std::int64_t i = 0; i < n; ++i) {
    double next_advantage = 0.0;
    for (std::int64_t t = r.steps - 1; t >= 0; --t) {
      const auto k = static_cast<std::size_t>(t * n + i);
      double next_value;
      bool continues;
      if (r.terminated[k]) {
        next_value = 0.0;
        continues = false;
      } else if (r.truncated[k]) {
        next_value = r.final_values[k];
        continues = false;
      } else {
        next_value = t + 1 < r.steps ? r.values[k + static_cast<std::size_t>(n)]
                                     : r.last_values[static_cast<std::size_t>(i)];
        continues = true;
      }
      const double delta = r.rewards[k] + gamma * next_value - r.values[k];
      next_advantage = delta + (continues ? gamma * gae_lambda * next_advantage : 0.0);
      advantages[k] = static_cast<float>(next_advantage);
      returns[k] = static_cast<float>(next_advantage + r.values[k]);
    }
  }
}

double explained_variance(std::span<const float> predicted, std::span<const float> target) {
  const auto n = static_cast<double>(target.size());
  if (target.empty() || predicted.size() != target.size())
    return std::numeric_limits<double>::quiet_NaN();
  double my = 0.0, md = 0.0;
  for (std::size_t k = 0; k < target.size(); ++k) {
    my += target[k];
    md += target[k] - predicted[k];
  }
  my /= n;
  md /= n;
  double vy = 0.0, vd = 0.0;
  for (std::size_t k = 0; k < target.size(); ++k) {
    const double d = target[k] - predicted[k] - md, y = target[k] - my;
    vy += y * y;
    vd += d * d;
  }
  return vy == 0.0 ? std::numeric_limits<double>::quiet_NaN() : 1.0 - vd / vy;
}

}  // namespace rlsim
