// core/numpy_random.hpp against numpy 1.24.2 itself: SeedSequence pools and states, PCG64's
// seeded state and raw outputs, and a mixed sequence of Generator calls (random, uniform,
// integers over 32- and 64-bit ranges, choice with p) per seed, compared exactly.
// Reference values: tests/data/numpy_rng.json, written by tests/data/make_numpy_rng_data.py
// with Debian's python3-numpy.
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // Boost 1.74's json_parser includes the old boost/bind.hpp
#endif
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/numpy_random.hpp"

using namespace rlsim;
namespace pt = boost::property_tree;

namespace {

pt::ptree numpy_data() {
  pt::ptree root;
  pt::read_json(std::string(RLSIM_TEST_DATA_DIR) + "/numpy_rng.json", root);
  return root;
}

std::uint64_t u64(const std::string& s) {
  return std::stoull(s, nullptr, 0);
}
double dbl(const std::string& s) {
  return std::strtod(s.c_str(), nullptr);
}  // hex floats exact

std::vector<std::string> strings(const pt::ptree& array) {
  std::vector<std::string> out;
  for (const auto& [k, v] : array) out.push_back(v.get_value<std::string>());
  return out;
}

Pcg64::u128 u128_of_hex(const std::string& hex) {
  Pcg64::u128 x = 0;
  for (std::size_t i = 2; i < hex.size(); ++i) {
    const char c = hex[i];
    const unsigned d = c <= '9' ? unsigned(c - '0') : unsigned(c - 'a' + 10);
    x = x * 16 + d;
  }
  return x;
}

}  // namespace

TEST_CASE("SeedSequence matches numpy's pools and generated states", "[numpy_random]") {
  const pt::ptree root = numpy_data();
  int seeds = 0;
  for (const auto& [k, e] : root.get_child("numpy")) {
    const std::uint64_t seed = u64(e.get<std::string>("seed"));
    INFO("seed " << seed);
    const std::vector<std::uint32_t> words = SeedSequence::int_to_words(seed);
    const auto entropy = strings(e.get_child("entropy_words"));
    REQUIRE(words.size() == entropy.size());
    for (std::size_t i = 0; i < words.size(); ++i) CHECK(words[i] == u64(entropy[i]));

    const SeedSequence seq(seed);
    const auto pool = strings(e.get_child("pool"));
    for (std::size_t i = 0; i < 4; ++i) CHECK(seq.pool()[i] == u64(pool[i]));
    const auto s32 = strings(e.get_child("state32"));
    const auto ours32 = seq.generate_state32(s32.size());
    for (std::size_t i = 0; i < s32.size(); ++i) CHECK(ours32[i] == u64(s32[i]));
    const auto s64 = strings(e.get_child("state64"));
    const auto ours64 = seq.generate_state64(s64.size());
    for (std::size_t i = 0; i < s64.size(); ++i) CHECK(ours64[i] == u64(s64[i]));
    ++seeds;
  }
  CHECK(seeds >= 8);
}

TEST_CASE("PCG64 matches numpy's seeded state and random_raw", "[numpy_random]") {
  const pt::ptree root = numpy_data();
  for (const auto& [k, e] : root.get_child("numpy")) {
    const std::uint64_t seed = u64(e.get<std::string>("seed"));
    INFO("seed " << seed);
    Pcg64 bg{SeedSequence(seed)};
    CHECK(bg.state() == u128_of_hex(e.get<std::string>("pcg_state")));
    CHECK(bg.increment() == u128_of_hex(e.get<std::string>("pcg_inc")));
    for (const std::string& r : strings(e.get_child("raw"))) CHECK(bg.next_uint64() == u64(r));
  }
}

TEST_CASE("Generator calls match numpy's, 32-bit buffering included", "[numpy_random]") {
  std::size_t ops = 0;
  const pt::ptree root = numpy_data();
  for (const auto& [k, e] : root.get_child("numpy")) {
    const std::uint64_t seed = u64(e.get<std::string>("seed"));
    NumpyGenerator g(seed);
    for (const std::string& op : strings(e.get_child("ops"))) {
      INFO("seed " << seed << ": " << op);
      std::istringstream in(op);
      std::string name, word;
      in >> name;
      std::vector<std::string> args;
      while (in >> word && word != "=") args.push_back(word);
      std::string expected;
      in >> expected;
      if (name == "random") {
        CHECK(g.random() == dbl(expected));
      } else if (name == "uniform") {
        CHECK(g.uniform(dbl(args[0]), dbl(args[1])) == dbl(expected));
      } else if (name == "integers") {
        CHECK(g.integers(std::stoll(args[0]), std::stoll(args[1])) == std::stoll(expected));
      } else if (name == "choice") {
        std::vector<double> p;
        for (const std::string& a : args) p.push_back(dbl(a));
        CHECK(g.choice(p) == std::stoll(expected));
      } else {
        FAIL("unknown op " << name);
      }
      ++ops;
    }
  }
  CHECK(ops > 500);
}

TEST_CASE("categorical_sample is Gymnasium's argmax(cumsum(p) > random())", "[numpy_random]") {
  // Hand example: with the same stream, the index is the first partial sum above the draw.
  NumpyGenerator a(7), b(7);
  const std::vector<double> p{0.25, 0.0, 0.5, 0.25};
  for (int i = 0; i < 200; ++i) {
    const double u = b.random();
    const std::int64_t want = u < 0.25 ? 0 : (u < 0.75 ? 2 : 3);
    CHECK(gymnasium_categorical_sample(p, a) == want);
  }
  // No partial sum above the draw: argmax of all-false is 0.
  NumpyGenerator c(1);
  const std::vector<double> zeros{0.0, 0.0};
  CHECK(gymnasium_categorical_sample(zeros, c) == 0);
}

TEST_CASE("integers refuses an empty range", "[numpy_random]") {
  NumpyGenerator g(0);
  CHECK_THROWS(g.integers(3, 3));
}

TEST_CASE("PCG64's record round-trips the whole state, buffered half included", "[numpy_random]") {
  NumpyGenerator g(12345);
  g.integers(0, 3);  // a 32-bit draw: the other half stays buffered
  REQUIRE(g.bit_generator().has_uint32());
  const std::array<double, 10> r = g.bit_generator().to_record();
  NumpyGenerator h(1);
  REQUIRE(h.bit_generator().from_record(r));
  for (int i = 0; i < 5; ++i) {
    CHECK(g.integers(0, 1000) == h.integers(0, 1000));  // uses the buffered half first
    CHECK(g.random() == h.random());
  }
  // Not a record: nothing changes.
  const std::array<double, 10> before = h.bit_generator().to_record();
  std::array<double, 10> bad = r;
  bad[4] = 2.0;  // an even increment (its low word is even)
  CHECK_FALSE(h.bit_generator().from_record(bad));
  bad = r;
  bad[0] = 0.5;
  CHECK_FALSE(h.bit_generator().from_record(bad));
  bad = r;
  bad[8] = 2.0;
  CHECK_FALSE(h.bit_generator().from_record(bad));
  CHECK_FALSE(h.bit_generator().from_record(std::span<const double>(r.data(), 9)));
  CHECK(h.bit_generator().to_record() == before);
}
