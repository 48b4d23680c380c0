#include "agents/tabular/exploration.hpp"

#include <algorithm>
#include <cmath>

namespace rlsim {

namespace {

double max_of(std::span<const double> q) {
  return *std::max_element(q.begin(), q.end());
}

std::size_t count_ties(std::span<const double> q, double best) {
  return static_cast<std::size_t>(std::count(q.begin(), q.end(), best));
}

}  // namespace

void greedy_probabilities(std::span<const double> q, std::span<double> probs) {
  const double best = max_of(q);
  const double p = 1.0 / static_cast<double>(count_ties(q, best));
  for (std::size_t a = 0; a < q.size(); ++a) probs[a] = q[a] == best ? p : 0.0;
}

void epsilon_greedy_probabilities(std::span<const double> q, double epsilon,
                                  std::span<double> probs) {
  const double best = max_of(q);
  const double explore = epsilon / static_cast<double>(q.size());
  const double exploit = (1.0 - epsilon) / static_cast<double>(count_ties(q, best));
  for (std::size_t a = 0; a < q.size(); ++a) {
    probs[a] = q[a] == best ? explore + exploit : explore;
  }
}

void softmax_probabilities(std::span<const double> q, double temperature, std::span<double> probs) {
  const double best = max_of(q);
  double total = 0.0;
  for (std::size_t a = 0; a < q.size(); ++a) {
    probs[a] = std::exp((q[a] - best) / temperature);
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

std::int64_t argmax_random_tie(std::span<const double> q, Rng& rng) {
  const double best = max_of(q);
  const auto ties = static_cast<std::int64_t>(count_ties(q, best));
  std::int64_t pick = ties == 1 ? 0 : rng.integer(0, ties - 1);
  for (std::size_t a = 0; a < q.size(); ++a) {
    if (q[a] == best && pick-- == 0) return static_cast<std::int64_t>(a);
  }
  return 0;  // unreachable: some entry equals the maximum
}

}  // namespace rlsim
