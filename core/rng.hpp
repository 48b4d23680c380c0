// Random-number streams.
//
// Every run, every env of a vector and every agent owns its own Rng, whose seed is derived
// from (master seed, run index, stream name) by derive_seed(). Streams never share state,
// so results do not depend on which thread runs what. The engine is std::mt19937_64 (its
// output sequence is fixed by the C++ standard); distributions come from Boost.Random,
// whose algorithms are the same on every platform, where std:: distributions are not.
#pragma once
#include <cstdint>
#include <random>
#include <string_view>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

namespace rlsim {

// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// FNV-1a over the bytes of a name, so stream names map to fixed 64-bit tags.
constexpr std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

constexpr std::uint64_t derive_seed(std::uint64_t master, std::uint64_t run_index,
                                    std::string_view stream) {
  return mix64(mix64(mix64(master) ^ run_index) ^ hash_name(stream));
}

class Rng {
 public:
  using Engine = std::mt19937_64;
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}
  void seed(std::uint64_t s) { engine_.seed(s); }
  Engine& engine() { return engine_; }

  // Uniform on [0, 1).
  double uniform() { return boost::random::uniform_01<double>()(engine_); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer on [lo, hi] inclusive.
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {
    return boost::random::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
  }
  double normal(double mean = 0.0, double stddev = 1.0) {
    return boost::random::normal_distribution<double>(mean, stddev)(engine_);
  }
  bool bernoulli(double p) { return uniform() < p; }
  // A fresh seed for a child stream (e.g. an env's reset seed).
  std::uint64_t next_seed() { return mix64(engine_()); }

 private:
  Engine engine_;
};

}  // namespace rlsim
