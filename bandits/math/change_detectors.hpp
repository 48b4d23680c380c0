// Change-point detectors on one arm's stream of rewards, for the piecewise-stationary bandit
// policies cusum-ucb, m-ucb and glr-klucb (bandits/policies/cusum_ucb.cpp, m_ucb.cpp,
// glr_klucb.cpp). Each detector sees the rewards of one arm since that arm's last restart,
// one at a time: update(y) adds y and returns true when the detector raises an alarm on the
// stream so far; reset() forgets everything (a restart). No allocation per update once a
// detector has reached its largest size (the GLR keeps every reward since its restart).
//
//   CusumDetector   two-sided CUSUM (Page 1954) as in Liu, Lee & Shroff (2018), "A
//                   Change-Detection based Framework for Piecewise-stationary Multi-Armed
//                   Bandit Problem", AAAI, Algorithm 2: the mean u0 of the first M samples is
//                   the reference; from sample M + 1 on
//                     g+ ← max(0, g+ + y − u0 − ε),   g− ← max(0, g− + u0 − y − ε),
//                   alarm when g+ > h or g− > h.
//   WindowDetector  Cao, Wen, Kveton & Xie (2019), "Nearly Optimal Adaptive Procedure with
//                   Change Detection for Piecewise-Stationary Bandit", AISTATS, Algorithm 1
//                   (CD(w, b)): once w samples are in, alarm when the sums of the older and the
//                   newer half of the last w samples differ by more than b.
//   BernoulliGlr    Bernoulli generalized likelihood ratio test of Besson, Kaufmann, Maillard
//                   & Seznec (2020/2022), "Efficient Change-Point Detection for Tackling
//                   Piecewise-Stationary Bandits" (arXiv 1902.01575, JMLR 23): with n samples
//                   Z_1..Z_n and means μ̂ over ranges, alarm when for some split s < n
//                     s kl(μ̂_{1:s}, μ̂_{1:n}) + (n − s) kl(μ̂_{s+1:n}, μ̂_{1:n}) > β(n, δ),
//                   kl the Bernoulli divergence, β(n, δ) = ln(n^{3/2} / δ) (the threshold of
//                   the paper's experiments). Sub-sampling (the paper's speed-up): the test
//                   runs only when n is a multiple of Δn, over the splits s that are multiples
//                   of Δs (Δn = Δs = 1: every time, every split).
//
// state()/set_state() move a detector's whole state through a flat vector (save/load of the
// policies); set_state checks sizes and throws rlsim::Error naming `who`.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bandits/math/kl.hpp"
#include "core/error.hpp"

namespace rlsim {

class CusumDetector {
 public:
  CusumDetector(std::int64_t m, double eps, double h) : m_(m), eps_(eps), h_(h) {}
  bool update(double y) {
    ++n_;
    if (n_ <= m_) {
      first_sum_ += y;
      if (n_ == m_) u0_ = first_sum_ / static_cast<double>(m_);
      return false;
    }
    g_plus_ = std::max(0.0, g_plus_ + y - u0_ - eps_);
    g_minus_ = std::max(0.0, g_minus_ + u0_ - y - eps_);
    return g_plus_ > h_ || g_minus_ > h_;
  }
  void reset() { n_ = 0, first_sum_ = u0_ = g_plus_ = g_minus_ = 0.0; }
  std::int64_t samples() const { return n_; }
  double g_plus() const { return g_plus_; }
  double g_minus() const { return g_minus_; }
  static constexpr std::size_t kStateSize = 5;
  void state(std::vector<double>& out) const {
    out.insert(out.end(), {static_cast<double>(n_), first_sum_, u0_, g_plus_, g_minus_});
  }
  void set_state(const double* s) {
    n_ = static_cast<std::int64_t>(s[0]);
    first_sum_ = s[1], u0_ = s[2], g_plus_ = s[3], g_minus_ = s[4];
  }

 private:
  std::int64_t m_;
  double eps_, h_;
  std::int64_t n_ = 0;
  double first_sum_ = 0.0, u0_ = 0.0, g_plus_ = 0.0, g_minus_ = 0.0;
};

class WindowDetector {
 public:
  // w even, >= 2.
  WindowDetector(std::int64_t w, double b) : b_(b), ring_(static_cast<std::size_t>(w), 0.0) {}
  bool update(double y) {
    const std::size_t w = ring_.size();
    ring_[static_cast<std::size_t>(n_ % static_cast<std::int64_t>(w))] = y;
    ++n_;
    if (n_ < static_cast<std::int64_t>(w)) return false;
    // The oldest of the last w samples sits at index n mod w; sum each half in order.
    const auto start = static_cast<std::size_t>(n_ % static_cast<std::int64_t>(w));
    double older = 0.0, newer = 0.0;
    for (std::size_t i = 0; i < w / 2; ++i) older += ring_[(start + i) % w];
    for (std::size_t i = w / 2; i < w; ++i) newer += ring_[(start + i) % w];
    return std::abs(newer - older) > b_;
  }
  void reset() { n_ = 0; }
  std::int64_t samples() const { return n_; }
  std::size_t state_size() const { return 1 + ring_.size(); }
  void state(std::vector<double>& out) const {
    out.push_back(static_cast<double>(n_));
    out.insert(out.end(), ring_.begin(), ring_.end());
  }
  void set_state(const double* s) {
    n_ = static_cast<std::int64_t>(s[0]);
    std::copy(s + 1, s + 1 + ring_.size(), ring_.begin());
  }

 private:
  double b_;
  std::vector<double> ring_;
  std::int64_t n_ = 0;
};

class BernoulliGlr {
 public:
  BernoulliGlr(double delta, std::int64_t delta_n, std::int64_t delta_s)
      : log_inv_delta_(std::log(1.0 / delta)), delta_n_(delta_n), delta_s_(delta_s) {}
  // β(n, δ) = ln(n^{3/2} / δ).
  double threshold(std::int64_t n) const {
    return 1.5 * std::log(static_cast<double>(n)) + log_inv_delta_;
  }
  // The GLR statistic max_s [s kl(μ̂_{1:s}, μ̂) + (n − s) kl(μ̂_{s+1:n}, μ̂)] over the splits
  // s that are multiples of Δs (0 with fewer than 2 samples).
  double statistic() const {
    const auto n = static_cast<std::int64_t>(sums_.size());
    if (n < 2) return 0.0;
    const double total = sums_.back();
    const double nd = static_cast<double>(n);
    const double mu = total / nd;
    if (mu <= 0.0 || mu >= 1.0) return 0.0;  // every sample equal: no change to see
    double best = 0.0;
    for (std::int64_t s = delta_s_; s < n; s += delta_s_) {
      const double sd = static_cast<double>(s);
      const double left = sums_[static_cast<std::size_t>(s - 1)];
      const double v =
          sd * kl_divergence(KlFamily::Bernoulli, left / sd, mu) +
          (nd - sd) * kl_divergence(KlFamily::Bernoulli, (total - left) / (nd - sd), mu);
      best = std::max(best, v);
    }
    return best;
  }
  bool update(double y) {
    sums_.push_back((sums_.empty() ? 0.0 : sums_.back()) + y);
    const auto n = static_cast<std::int64_t>(sums_.size());
    if (n < 2 || n % delta_n_ != 0) return false;
    return statistic() > threshold(n);
  }
  void reset() { sums_.clear(); }
  std::int64_t samples() const { return static_cast<std::int64_t>(sums_.size()); }
  // The cumulative sums of the rewards since the restart, one per sample.
  const std::vector<double>& sums() const { return sums_; }
  void set_sums(const double* s, std::size_t n) { sums_.assign(s, s + n); }

 private:
  double log_inv_delta_;
  std::int64_t delta_n_, delta_s_;
  std::vector<double> sums_;
};

}  // namespace rlsim
