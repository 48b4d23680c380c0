// Action-selection distributions over one row of action values, and sampling from them.
//
// greedy: uniform over the tied maxima (ties compared exactly), 0 elsewhere.
// ε-greedy (Sutton & Barto 2nd ed. §2.2, §5.4): with probability ε a uniformly random
//   action, otherwise a greedy one with ties broken uniformly, so
//   π(a) = ε/n + (1 − ε)/k for each of the k tied maxima and ε/n for the others.
// softmax / Boltzmann (S&B 2nd ed. §2.8 eq. 2.11, §13.1 eq. 13.2 with preferences Q/τ):
//   π(a) ∝ exp((Q(a) − max Q)/τ), τ > 0.
// Masks (Gymnasium's info["action_mask"], core/env.hpp StepInfo): each function takes an
// optional mask, one entry per action; actions with mask[a] == 0 get probability 0 and the
// distribution is the one above over the allowed actions only (ε-greedy explores uniformly
// over the m allowed actions: ε/m each). An empty mask allows every action, and then the
// arithmetic is exactly that of the unmasked formulas. A mask that allows no action is an
// error (rlsim::Error).
// The probabilities are written into a caller-owned span (no allocation); sample_index
// draws one index by inversion with a single uniform number, so the probability reported
// for the chosen action is exactly the one it was drawn with.
#pragma once
#include <cstdint>
#include <span>

#include "core/rng.hpp"

namespace rlsim {

enum class ExplorationKind { EpsilonGreedy, Softmax };

using ActionMask = std::span<const std::uint8_t>;

void greedy_probabilities(std::span<const double> q, std::span<double> probs, ActionMask mask = {});
void epsilon_greedy_probabilities(std::span<const double> q, double epsilon,
                                  std::span<double> probs, ActionMask mask = {});
void softmax_probabilities(std::span<const double> q, double temperature, std::span<double> probs,
                           ActionMask mask = {});
// The largest q over the allowed actions.
double max_allowed(std::span<const double> q, ActionMask mask = {});

// Index of a draw from `probs` (non-negative, summing to 1 up to rounding).
std::int64_t sample_index(std::span<const double> probs, Rng& rng);

// Greedy index (over the allowed actions) with ties broken uniformly at random.
std::int64_t argmax_random_tie(std::span<const double> q, Rng& rng, ActionMask mask = {});

}  // namespace rlsim
