// rlsim analyze's summary of fixed-confidence best-arm identification runs (runs whose agent
// could stop them: Agent::can_stop, the stop_time / recommended_arm / correct attributes of
// their /runs/NNNNNN group, docs/log-format.md).
//
// Per group of runs that differ only in their seed: how many stopped within their budget, the
// error rate among those (recommended arm not a best one) with its 95% Wilson score interval
// (Wilson 1927, JASA 22:209–212), the mean stopping time with its 95% Student-t interval, and
// the lower bound T*(μ) ln(1/δ) of Garivier & Kaufmann (2016) (bandits/math/optimal_weights.hpp):
// μ the arms' means read from the env rebuilt with the run's parameters and seed, δ the
// agent's `delta`, the Bernoulli divergence for rewards in [0, 1] and the Gaussian one (the
// env's common sigma) for GaussianBandit-v0; NaN when neither applies.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "experiments/analyze.hpp"
#include "run/hdf5_log.hpp"

namespace rlsim {

// Wilson's 95% score interval for `errors` out of `n` (n > 0): {low, high}.
std::pair<double, double> wilson_interval(std::int64_t errors, std::int64_t n);

// The groups with identification runs, in file order (empty when there are none).
std::vector<IdentificationGroup> summarize_identification(const ExperimentReader& reader,
                                                          const Registry& registry);
void print_identification(std::ostream& os, const std::vector<IdentificationGroup>& groups);

}  // namespace rlsim
