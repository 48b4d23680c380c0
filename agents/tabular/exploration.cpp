#include "agents/tabular/exploration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace rlsim {

namespace {

bool allowed(ActionMask mask, std::size_t a) {
  return mask.empty() || mask[a] != 0;
}

// The number of allowed actions (all of them without a mask); throws when none is.
std::size_t count_allowed(std::span<const double> q, ActionMask mask) {
  if (mask.empty()) return q.size();
  if (mask.size() != q.size())
    throw Error("the action mask has " + std::to_string(mask.size()) + " entries for " +
                std::to_string(q.size()) + " actions");
  const auto m = static_cast<std::size_t>(
      std::count_if(mask.begin(), mask.end(), [](std::uint8_t x) { return x != 0; }));
  if (m == 0) throw Error("the action mask allows no action in this state");
  return m;
}

std::size_t count_ties(std::span<const double> q, double best, ActionMask mask) {
  if (mask.empty()) return static_cast<std::size_t>(std::count(q.begin(), q.end(), best));
  std::size_t k = 0;
  for (std::size_t a = 0; a < q.size(); ++a) k += mask[a] != 0 && q[a] == best;
  return k;
}

}  // namespace

double max_allowed(std::span<const double> q, ActionMask mask) {
  if (mask.empty()) return *std::max_element(q.begin(), q.end());
  count_allowed(q, mask);
  double best = -std::numeric_limits<double>::infinity();
  bool any = false;
  for (std::size_t a = 0; a < q.size(); ++a)
    if (mask[a] != 0 && (!any || q[a] > best)) {
      best = q[a];
      any = true;
    }
  return best;
}

void greedy_probabilities(std::span<const double> q, std::span<double> probs, ActionMask mask) {
  const double best = max_allowed(q, mask);
  const double p = 1.0 / static_cast<double>(count_ties(q, best, mask));
  for (std::size_t a = 0; a < q.size(); ++a) probs[a] = allowed(mask, a) && q[a] == best ? p : 0.0;
}

void epsilon_greedy_probabilities(std::span<const double> q, double epsilon,
                                  std::span<double> probs, ActionMask mask) {
  const double best = max_allowed(q, mask);
  const double explore = epsilon / static_cast<double>(count_allowed(q, mask));
  const double exploit = (1.0 - epsilon) / static_cast<double>(count_ties(q, best, mask));
  for (std::size_t a = 0; a < q.size(); ++a) {
    if (!allowed(mask, a))
      probs[a] = 0.0;
    else
      probs[a] = q[a] == best ? explore + exploit : explore;
  }
}

void softmax_probabilities(std::span<const double> q, double temperature, std::span<double> probs,
                           ActionMask mask) {
  const double best = max_allowed(q, mask);
  double total = 0.0;
  for (std::size_t a = 0; a < q.size(); ++a) {
    probs[a] = allowed(mask, a) ? std::exp((q[a] - best) / temperature) : 0.0;
    total += probs[a];
  }
  for (std::size_t a = 0; a < q.size(); ++a) probs[a] /= total;
}

std::int64_t sample_index(std::span<const double> probs, Rng& rng) {
  const double u = rng.uniform();
  double cumulative = 0.0;
  std::size_t last_positive = 0;
  for (std::size_t a = 0; a < probs.size(); ++a) {
    if (probs[a] <= 0.0) continue;
    cumulative += probs[a];
    last_positive = a;
    if (u < cumulative) return static_cast<std::int64_t>(a);
  }
  // Rounding left the cumulative sum just below u: the last action with mass takes it.
  return static_cast<std::int64_t>(last_positive);
}

std::int64_t argmax_random_tie(std::span<const double> q, Rng& rng, ActionMask mask) {
  const double best = max_allowed(q, mask);
  const auto ties = static_cast<std::int64_t>(count_ties(q, best, mask));
  std::int64_t pick = ties == 1 ? 0 : rng.integer(0, ties - 1);
  for (std::size_t a = 0; a < q.size(); ++a) {
    if (allowed(mask, a) && q[a] == best && pick-- == 0) return static_cast<std::int64_t>(a);
  }
  return 0;  // unreachable: some allowed entry equals the maximum
}

}  // namespace rlsim
