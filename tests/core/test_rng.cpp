// RNG streams: derivation, independence of names and indices, and fixed reference values.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "core/rng.hpp"
#include "core/rng_state.hpp"

using namespace rlsim;

TEST_CASE("derive_seed separates streams by master seed, index and name") {
  std::set<std::uint64_t> seeds;
  for (std::uint64_t m = 0; m < 4; ++m)
    for (std::uint64_t i = 0; i < 50; ++i)
      for (const char* name : {"env", "agent", "env/0", "env/1"})
        seeds.insert(derive_seed(m, i, name));
  CHECK(seeds.size() == 4u * 50u * 4u);
  CHECK(derive_seed(1, 2, "env") == derive_seed(1, 2, "env"));
}

TEST_CASE("mix64 matches the published SplitMix64 output") {
  // SplitMix64 with state 0: first output is 0xE220A8397B1DCDAF (Vigna's reference code).
  CHECK(mix64(0) == 0xE220A8397B1DCDAFULL);
}

TEST_CASE("Rng draws are reproducible and have the right moments") {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) REQUIRE(a.uniform() == b.uniform());
  Rng r(7);
  const int n = 200000;
  double s = 0, s2 = 0, u = 0;
  std::int64_t lo = 0, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s += z;
    s2 += z * z;
    u += r.uniform();
    const auto k = r.integer(0, 9);
    lo += k == 0;
    hi += k == 9;
    REQUIRE((k >= 0 && k <= 9));
  }
  CHECK(std::abs(s / n) < 0.01);
  CHECK(std::abs(s2 / n - 1.0) < 0.02);
  CHECK(std::abs(u / n - 0.5) < 0.005);
  CHECK(std::abs(lo / double(n) - 0.1) < 0.005);
  CHECK(std::abs(hi / double(n) - 0.1) < 0.005);
}

TEST_CASE("rng_to_record / rng_from_record continue the stream and refuse damaged records") {
  rlsim::Rng a(12345);
  for (int i = 0; i < 1000; ++i) a.uniform();
  const rlsim::ArrayRecord rec = rlsim::rng_to_record(a);
  REQUIRE(rec.data.size() == 2 * 313);  // mt19937_64: 312 words and the position
  rlsim::Rng b(1);
  rlsim::rng_from_record(b, rec, "test");
  for (int i = 0; i < 100; ++i) CHECK(a.uniform() == b.uniform());

  auto refused = [&](std::size_t at, double value, const std::string& why) {
    rlsim::ArrayRecord bad = rec;
    bad.data[at] = value;
    rlsim::Rng c(1);
    CHECK_THROWS_WITH(rlsim::rng_from_record(c, bad, "agent-x"),
                      Catch::Contains("agent-x state: entry 'rng'") && Catch::Contains(why));
  };
  refused(3, -1.0, "whole numbers in [0, 2^32)");
  refused(4, 4294967296.0, "whole numbers in [0, 2^32)");
  refused(5, 0.5, "whole numbers in [0, 2^32)");
  refused(6, std::nan(""), "whole numbers in [0, 2^32)");
  rlsim::ArrayRecord odd = rec;
  odd.data.pop_back();
  CHECK_THROWS_WITH(rlsim::rng_from_record(b, odd, "agent-x"), Catch::Contains("odd length"));
}
