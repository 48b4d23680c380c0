// Replay machinery of agents/deep: the ring buffer, the sum tree of proportional
// prioritized replay (Schaul et al. 2016), its importance weights, and n-step windows with
// Gymnasium's terminated/truncated meaning. Reference values are computed by hand here.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "agents/deep/replay_buffer.hpp"
#include "agents/deep/sum_tree.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

using namespace rlsim;

namespace {
std::vector<float> v(float x) {
  return {x, -x};
}
}  // namespace

TEST_CASE("replay buffer wraps around and overwrites the oldest", "[replay]") {
  ReplayBuffer buffer(3, 2);
  for (int i = 0; i < 5; ++i) {
    const auto o = v(static_cast<float>(i)), n = v(static_cast<float>(i) + 0.5f);
    CHECK(buffer.add(o, i, static_cast<float>(10 * i), n, 0.9f) == i % 3);
  }
  CHECK(buffer.size() == 3);
  CHECK(buffer.next_index() == 2);
  // Slots 0, 1 hold steps 3, 4; slot 2 holds step 2.
  const int expected[3] = {3, 4, 2};
  for (int slot = 0; slot < 3; ++slot) {
    CHECK(buffer.action(slot) == expected[slot]);
    CHECK(buffer.obs(slot)[0] == static_cast<float>(expected[slot]));
    CHECK(buffer.obs(slot)[1] == -static_cast<float>(expected[slot]));
    CHECK(buffer.next_obs(slot)[0] == static_cast<float>(expected[slot]) + 0.5f);
    CHECK(buffer.ret(slot) == static_cast<float>(10 * expected[slot]));
  }
  CHECK_THROWS_AS(buffer.add(std::vector<float>{1.0f}, 0, 0.0f, v(0), 1.0f), Error);
}

TEST_CASE("uniform replay sampling covers exactly the stored slots", "[replay]") {
  ReplayBuffer buffer(100, 2);
  for (int i = 0; i < 7; ++i) buffer.add(v(0), 0, 0.0f, v(0), 1.0f);
  Rng rng(5);
  std::vector<std::int64_t> idx(7000);
  buffer.sample_uniform(rng, idx);
  std::vector<int> counts(7, 0);
  for (auto i : idx) {
    REQUIRE(i >= 0);
    REQUIRE(i < 7);
    ++counts[static_cast<std::size_t>(i)];
  }
  for (int c : counts) CHECK(c > 850);  // expected 1000 each; every slot is reached
  ReplayBuffer empty(4, 2);
  CHECK_THROWS_AS(empty.sample_uniform(rng, idx), Error);
}

TEST_CASE("sum tree keeps every node equal to the sum of its children", "[replay]") {
  SumTree tree(13);  // not a power of two: padded leaves stay 0
  Rng rng(11);
  std::vector<double> leaves(13, 0.0);
  for (int k = 0; k < 5000; ++k) {
    const auto i = rng.integer(0, 12);
    const double p = rng.uniform(0.0, 3.0);
    tree.set(i, p);
    leaves[static_cast<std::size_t>(i)] = p;
  }
  const auto& nodes = tree.nodes();
  const auto base = static_cast<std::size_t>(tree.leaf_base());
  for (std::size_t n = 1; n < base; ++n) CHECK(nodes[n] == nodes[2 * n] + nodes[2 * n + 1]);
  double total = 0.0;
  for (double p : leaves) total += p;
  CHECK(tree.total() == Approx(total).epsilon(1e-12));
  for (std::size_t i = 0; i < 13; ++i) CHECK(tree.get(static_cast<std::int64_t>(i)) == leaves[i]);
  CHECK_THROWS_AS(tree.set(13, 1.0), Error);
  CHECK_THROWS_AS(tree.set(0, -1.0), Error);
  CHECK_THROWS_AS(tree.set(0, std::nan("")), Error);
}

TEST_CASE("sum tree prefix sampling picks i with probability p_i / sum p", "[replay]") {
  const std::vector<double> p{1.0, 0.0, 2.0, 4.0, 0.5, 2.5};  // total 10
  SumTree tree(6);
  for (std::size_t i = 0; i < p.size(); ++i) tree.set(static_cast<std::int64_t>(i), p[i]);
  // Boundaries: [0,1) → 0, [1,3) → 2, [3,7) → 3, [7,7.5) → 4, [7.5,10) → 5.
  CHECK(tree.find(0.0) == 0);
  CHECK(tree.find(0.999) == 0);
  CHECK(tree.find(1.0) == 2);
  CHECK(tree.find(6.999) == 3);
  CHECK(tree.find(7.2) == 4);
  CHECK(tree.find(9.999) == 5);
  CHECK(tree.find(10.0) == 5);  // rounding past the end never selects an empty leaf
  Rng rng(2024);
  const int draws = 20000;
  std::vector<int> counts(p.size(), 0);
  for (int k = 0; k < draws; ++k)
    ++counts[static_cast<std::size_t>(tree.find(rng.uniform(0.0, 10.0)))];
  CHECK(counts[1] == 0);
  double chi2 = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0) continue;
    const double expected = draws * p[i] / 10.0;
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  // 4 degrees of freedom: the 0.999 quantile of chi-square(4) is 18.47.
  CHECK(chi2 < 18.47);
}

TEST_CASE("prioritized replay importance weights match a hand computation", "[replay]") {
  // alpha = 0.5, eps = 0: priorities |δ|^0.5 for δ = 1, 4, 9, 16 → 1, 2, 3, 4 (total 10).
  PrioritizedSampler per(8, 0.5, 0.0);
  for (int i = 0; i < 4; ++i) per.on_add(i);
  CHECK(per.tree().total() == 4.0);  // new transitions get the max priority (1 at first)
  const double td[4] = {1.0, -4.0, 9.0, 16.0};
  for (int i = 0; i < 4; ++i) per.update(i, td[i]);
  CHECK(per.max_priority() == 4.0);
  CHECK(per.tree().total() == 10.0);
  Rng rng(3);
  std::vector<std::int64_t> idx(4);
  std::vector<float> w(4);
  const double beta = 0.5;
  per.sample(rng, 4, beta, idx, w);
  // Stratified over 4 segments of width 2.5: [0,2.5) holds slots 0 and 1, [2.5,5) slot 1
  // or 2, [5,7.5) slot 2 or 3, [7.5,10) slot 3.
  CHECK(idx[3] == 3);
  double max_w = 0.0;
  std::vector<double> expected(4);
  for (int k = 0; k < 4; ++k) {
    const double prob = (static_cast<double>(idx[static_cast<std::size_t>(k)]) + 1.0) / 10.0;
    expected[static_cast<std::size_t>(k)] = std::pow(4.0 * prob, -beta);
    max_w = std::max(max_w, expected[static_cast<std::size_t>(k)]);
  }
  for (int k = 0; k < 4; ++k) {
    CHECK(w[static_cast<std::size_t>(k)] ==
          Approx(expected[static_cast<std::size_t>(k)] / max_w).epsilon(1e-6));
  }
  // Slot 3 (P = 0.4): w = (4·0.4)^-0.5 = 0.790569; the batch max is from its smallest P.
  CHECK(w[3] == Approx(std::pow(1.6, -0.5) / max_w).epsilon(1e-6));
  // A new transition now enters with the max priority 4.
  per.on_add(4);
  CHECK(per.tree().get(4) == 4.0);
}

TEST_CASE("n-step windows stop at a termination and bootstrap after a truncation", "[replay]") {
  // n = 3, γ = 0.5. Episode 1: rewards 1, 2, 4, 8, terminated at the 4th step.
  // Episode 2: rewards 1, 1, truncated at the 2nd step.
  const double g = 0.5;
  ReplayBuffer buffer(16, 2);
  NStepWindow window(3, g, 2);
  const double r1[4] = {1, 2, 4, 8};
  for (int t = 0; t < 4; ++t) {
    window.push(v(static_cast<float>(t)), t, r1[t], v(static_cast<float>(t + 1)), t == 3, false,
                buffer, nullptr);
  }
  CHECK(window.pending() == 0);
  const double r2[2] = {1, 1};
  for (int t = 0; t < 2; ++t) {
    window.push(v(static_cast<float>(100 + t)), 10 + t, r2[t], v(static_cast<float>(101 + t)),
                false, t == 1, buffer, nullptr);
  }
  REQUIRE(buffer.size() == 6);
  struct Row {
    float obs, ret, next, discount;
    std::int64_t action;
  };
  const Row expected[6] = {
      // s0: 1 + .5·2 + .25·4 = 3, bootstrap from s3 with γ³.
      {0, 3.0f, 3, 0.125f, 0},
      // s1: 2 + .5·4 + .25·8 = 6, the window reaches the termination: no bootstrap.
      {1, 6.0f, 4, 0.0f, 1},
      // s2: 4 + .5·8 = 8, terminated.
      {2, 8.0f, 4, 0.0f, 2},
      // s3: 8, terminated.
      {3, 8.0f, 4, 0.0f, 3},
      // s100: 1 + .5·1 = 1.5, truncated after 2 steps: bootstrap from s102 with γ².
      {100, 1.5f, 102, 0.25f, 10},
      // s101: 1, truncated: bootstrap from s102 with γ.
      {101, 1.0f, 102, 0.5f, 11},
  };
  for (int i = 0; i < 6; ++i) {
    INFO("row " << i);
    CHECK(buffer.obs(i)[0] == expected[i].obs);
    CHECK(buffer.action(i) == expected[i].action);
    CHECK(buffer.ret(i) == expected[i].ret);
    CHECK(buffer.next_obs(i)[0] == expected[i].next);
    CHECK(buffer.discount(i) == expected[i].discount);
  }
}

TEST_CASE("replay buffer and n-step window round-trip through a StateDict", "[replay]") {
  ReplayBuffer a(4, 2), b(4, 2);
  NStepWindow wa(3, 0.9, 2), wb(3, 0.9, 2);
  for (int t = 0; t < 7; ++t) {
    wa.push(v(static_cast<float>(t)), t, t, v(static_cast<float>(t + 1)), false, false, a, nullptr);
  }
  StateDict state;
  a.save(state, "replay.");
  wa.save(state, "nstep.");
  b.load(state, "replay.");
  wb.load(state, "nstep.");
  CHECK(wb.pending() == 2);
  // One more step gives the same transition in both.
  wa.push(v(7), 7, 7, v(8), false, false, a, nullptr);
  wb.push(v(7), 7, 7, v(8), false, false, b, nullptr);
  REQUIRE(a.size() == b.size());
  for (int i = 0; i < a.size(); ++i) {
    CHECK(a.obs(i)[0] == b.obs(i)[0]);
    CHECK(a.ret(i) == b.ret(i));
    CHECK(a.discount(i) == b.discount(i));
    CHECK(a.action(i) == b.action(i));
  }
  CHECK(a.next_index() == b.next_index());
}
