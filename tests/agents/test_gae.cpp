// GAE(λ) and n-step targets (agents/deep/advantage.hpp) against hand-computed examples with
// terminations and truncations inside the rollout, and the running normalisers
// (agents/deep/running_normalizer.hpp) against two-pass statistics.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "agents/deep/advantage.hpp"
#include "agents/deep/running_normalizer.hpp"

using namespace rlsim;

namespace {

// T = 3 steps × N = 2 envs, step-major (t·2 + i).
// env 0: r = 1, 2, 3; V = 0.5, 0.4, 0.3; terminated at t = 1; V(s_T) = 0.7.
// env 1: r = 1, 0, −1; V = 0.2, 0.6, 0.1; truncated at t = 0 with V(final obs) = 2; V(s_T) = 0.5.
struct Example {
  std::vector<float> rewards{1, 1, 2, 0, 3, -1};
  std::vector<float> values{0.5f, 0.2f, 0.4f, 0.6f, 0.3f, 0.1f};
  std::vector<float> final_values{0, 2.0f, 0, 0, 0, 0};
  std::vector<std::uint8_t> terminated{0, 0, 1, 0, 0, 0};
  std::vector<std::uint8_t> truncated{0, 1, 0, 0, 0, 0};
  std::vector<float> last{0.7f, 0.5f};
  RolloutTargets view() const {
    return {3, 2, rewards, values, final_values, terminated, truncated, last};
  }
};

}  // namespace

TEST_CASE("GAE(lambda) matches a hand computation with a termination and a truncation", "[gae]") {
  Example ex;
  std::vector<float> adv(6), ret(6);
  const double g = 0.9, l = 0.5;
  compute_gae(ex.view(), g, l, adv, ret);
  // env 0: δ2 = 3 + 0.9·0.7 − 0.3; δ1 = 2 − 0.4 (terminated); δ0 = 1 + 0.9·0.4 − 0.5.
  const double a02 = 3 + 0.9 * 0.7 - 0.3, a01 = 2 - 0.4, a00 = (1 + 0.9 * 0.4 - 0.5) + g * l * a01;
  // env 1: δ2 = −1 + 0.9·0.5 − 0.1; δ1 = 0 + 0.9·0.1 − 0.6; δ0 = 1 + 0.9·2 − 0.2 (truncated:
  // bootstrap from the final observation, and no advantage flows back from the next episode).
  const double a12 = -1 + 0.9 * 0.5 - 0.1, a11 = (0 + 0.9 * 0.1 - 0.6) + g * l * a12,
               a10 = 1 + 0.9 * 2.0 - 0.2;
  const std::vector<double> want{a00, a10, a01, a11, a02, a12};
  for (std::size_t k = 0; k < 6; ++k) {
    INFO("entry " << k);
    CHECK(adv[k] == Approx(want[k]).margin(1e-6));
    CHECK(ret[k] == Approx(want[k] + ex.values[k]).margin(1e-6));
  }
}

TEST_CASE("GAE with lambda = 1 gives n-step returns bootstrapped at the rollout end", "[gae]") {
  Example ex;
  std::vector<float> adv(6), ret(6);
  compute_gae(ex.view(), 0.9, 1.0, adv, ret);
  // env 0: G0 = 1 + 0.9·2 (episode terminated at t = 1); G1 = 2; G2 = 3 + 0.9·0.7.
  CHECK(ret[0] == Approx(1 + 0.9 * 2).margin(1e-6));
  CHECK(ret[2] == Approx(2.0).margin(1e-6));
  CHECK(ret[4] == Approx(3 + 0.9 * 0.7).margin(1e-6));
  // env 1: G0 = 1 + 0.9·V(final obs); G1 = 0 + 0.9·(−1) + 0.81·0.5; G2 = −1 + 0.9·0.5.
  CHECK(ret[1] == Approx(1 + 0.9 * 2.0).margin(1e-6));
  CHECK(ret[3] == Approx(-0.9 + 0.81 * 0.5).margin(1e-6));
  CHECK(ret[5] == Approx(-1 + 0.9 * 0.5).margin(1e-6));
  for (std::size_t k = 0; k < 6; ++k) CHECK(adv[k] == Approx(ret[k] - ex.values[k]).margin(1e-6));
}

TEST_CASE("a truncation equals SB3's trick: reward + gamma V(final obs), then no bootstrap",
          "[gae]") {
  Example ex;
  std::vector<float> adv(6), ret(6), adv2(6), ret2(6);
  compute_gae(ex.view(), 0.95, 0.8, adv, ret);
  Example trick;
  trick.rewards[1] += static_cast<float>(0.95 * 2.0);
  trick.truncated[1] = 0;
  trick.terminated[1] = 1;
  compute_gae(trick.view(), 0.95, 0.8, adv2, ret2);
  for (std::size_t k = 0; k < 6; ++k) CHECK(adv[k] == Approx(adv2[k]).margin(1e-6));
  // Terminated and truncated together count as terminated: no bootstrap.
  Example both;
  both.terminated[1] = 1;
  compute_gae(both.view(), 0.9, 1.0, adv, ret);
  CHECK(ret[1] == Approx(1.0).margin(1e-6));
}

TEST_CASE("compute_gae refuses spans of the wrong size", "[gae]") {
  Example ex;
  ex.last.resize(3);
  std::vector<float> adv(6), ret(6);
  CHECK_THROWS_WITH(compute_gae(ex.view(), 0.9, 0.9, adv, ret), Catch::Contains("last_values"));
}

TEST_CASE("explained variance: 1 for a perfect fit, 0 for the mean, NaN for constant targets",
          "[gae]") {
  std::vector<float> y{1, 2, 3, 4};
  CHECK(explained_variance(y, y) == Approx(1.0));
  std::vector<float> mean(4, 2.5f);
  CHECK(explained_variance(mean, y) == Approx(0.0).margin(1e-12));
  CHECK(std::isnan(explained_variance(y, mean)));
}

TEST_CASE("RunningMeanStd batch merges equal the two-pass statistics of all samples",
          "[normalizer]") {
  // 2-dimensional samples in three batches of different sizes.
  const std::vector<float> a{1, 10, 2, 20, 3, 30};
  const std::vector<float> b{-4, 0.5f};
  const std::vector<float> c{7, 8, 9, 1, 0, 2, 5, 5};
  RunningMeanStd rms(2, 0.0);
  rms.update(a, 3);
  rms.update(b, 1);
  rms.update(c, 4);
  std::vector<float> all(a);
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), c.begin(), c.end());
  for (std::size_t j = 0; j < 2; ++j) {
    double m = 0.0, v = 0.0;
    for (std::size_t r = 0; r < 8; ++r) m += all[r * 2 + j];
    m /= 8;
    for (std::size_t r = 0; r < 8; ++r) v += (all[r * 2 + j] - m) * (all[r * 2 + j] - m);
    v /= 8;  // population variance, as numpy's var in SB3
    CHECK(rms.mean()[j] == Approx(m).epsilon(1e-12));
    CHECK(rms.var()[j] == Approx(v).epsilon(1e-12));
  }
  CHECK(rms.count() == 8.0);
  // SB3's prior (mean 0, var 1, count 1e-4) moves the result by O(1e-4) only.
  RunningMeanStd prior(2);
  prior.update(all, 8);
  CHECK(prior.mean()[0] == Approx(rms.mean()[0]).epsilon(1e-3));
  CHECK(prior.var()[1] == Approx(rms.var()[1]).epsilon(1e-3));
  // Save/load round trip.
  StateDict s;
  rms.save(s, "x.");
  RunningMeanStd back(2);
  back.load(s, "x.");
  CHECK(back.mean() == rms.mean());
  CHECK(back.var() == rms.var());
  CHECK(back.count() == rms.count());
  RunningMeanStd wrong(3);
  CHECK_THROWS_WITH(wrong.load(s, "x."), Catch::Contains("x.mean"));
}

TEST_CASE(
    "observation normaliser standardises and clips; reward normaliser scales by the "
    "running std of the discounted return",
    "[normalizer]") {
  ObservationNormalizer on(1, 1.5);
  const std::vector<float> batch{0, 2, 4, 6};
  std::vector<float> out(4);
  on.normalize(batch, out, 4, true);
  const double sd = std::sqrt(5.0 * 4 / (4 + 1e-4) + 1e-8);  // var 5 (population), tiny prior
  CHECK(out[1] == Approx((2 - 3.0) / sd).epsilon(1e-3));
  CHECK(out[3] == Approx((6 - 3.0) / sd).epsilon(1e-3));  // 1.34: inside the clip
  const std::vector<float> far{100};
  std::vector<float> one(1);
  on.normalize(far, one, 1, false);
  CHECK(one[0] == Approx(1.5));                 // (100 − 3)/2.24 clipped to clip_obs
  CHECK(on.stats().count() == Approx(4.0001));  // update = false left the statistics alone

  RewardNormalizer rn(1, 0.5, 10.0);
  std::vector<float> r{1.0f};
  std::vector<std::uint8_t> done{0};
  rn.normalize(r, done);  // G = 1
  std::vector<float> r2{2.0f};
  done[0] = 1;
  rn.normalize(r2, done);  // G = 0.5·1 + 2 = 2.5, then reset
  // Returns seen: {1, 2.5}: population variance 0.5625.
  CHECK(r2[0] == Approx(2.0 / std::sqrt(0.5625)).epsilon(1e-3));
  CHECK(rn.discounted_returns()[0] == 0.0);
}
