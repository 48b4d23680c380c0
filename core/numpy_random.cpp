#include "core/numpy_random.hpp"

#include <cmath>

#include "core/error.hpp"

namespace rlsim {

namespace {
// SeedSequence's hashing constants (numpy/random/bit_generator.pyx).
constexpr std::uint32_t kInitA = 0x43b0d7e5;
constexpr std::uint32_t kMultA = 0x931e8875;
constexpr std::uint32_t kInitB = 0x8b51f9dd;
constexpr std::uint32_t kMultB = 0x58f38ded;
constexpr std::uint32_t kMixMultL = 0xca01f9dd;
constexpr std::uint32_t kMixMultR = 0x4973f715;
constexpr unsigned kXShift = 16;  // half the bits of a uint32
constexpr std::size_t kPoolSize = 4;

// hashmix: the multiplier advances with every call (it is state shared across calls).
std::uint32_t hashmix(std::uint32_t value, std::uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  value ^= value >> kXShift;
  return value;
}

std::uint32_t mix(std::uint32_t x, std::uint32_t y) {
  std::uint32_t r = kMixMultL * x - kMixMultR * y;
  r ^= r >> kXShift;
  return r;
}

// PCG's default 128-bit multiplier (numpy/random/src/pcg64/pcg64.h, PCG_DEFAULT_MULTIPLIER).
constexpr Pcg64::u128 kPcgMultiplier =
    (static_cast<Pcg64::u128>(2549297995355413924ULL) << 64) | 4865540595714422341ULL;
}  // namespace

SeedSequence::SeedSequence(std::span<const std::uint32_t> entropy) {
  // mix_entropy: hash the first words into the pool (zeros beyond the entropy), mix every
  // pool word into every other, then fold in any entropy beyond the pool.
  std::uint32_t hash_const = kInitA;
  for (std::size_t i = 0; i < kPoolSize; ++i)
    pool_[i] = hashmix(i < entropy.size() ? entropy[i] : 0u, hash_const);
  for (std::size_t src = 0; src < kPoolSize; ++src)
    for (std::size_t dst = 0; dst < kPoolSize; ++dst)
      if (src != dst) pool_[dst] = mix(pool_[dst], hashmix(pool_[src], hash_const));
  for (std::size_t src = kPoolSize; src < entropy.size(); ++src)
    for (std::size_t dst = 0; dst < kPoolSize; ++dst)
      pool_[dst] = mix(pool_[dst], hashmix(entropy[src], hash_const));
}

SeedSequence::SeedSequence(std::uint64_t n) : SeedSequence(int_to_words(n)) {}

std::vector<std::uint32_t> SeedSequence::int_to_words(std::uint64_t n) {
  std::vector<std::uint32_t> words;
  if (n == 0) words.push_back(0);
  for (; n > 0; n >>= 32) words.push_back(static_cast<std::uint32_t>(n & 0xffffffffULL));
  return words;
}

std::vector<std::uint32_t> SeedSequence::generate_state32(std::size_t n_words) const {
  std::vector<std::uint32_t> out(n_words);
  std::uint32_t hash_const = kInitB;
  for (std::size_t i = 0; i < n_words; ++i) {
    std::uint32_t v = pool_[i % kPoolSize];  // cycling through the pool
    v ^= hash_const;
    hash_const *= kMultB;
    v *= hash_const;
    v ^= v >> kXShift;
    out[i] = v;
  }
  return out;
}

std::vector<std::uint64_t> SeedSequence::generate_state64(std::size_t n_words) const {
  // Twice the 32-bit words, read as little-endian pairs.
  const std::vector<std::uint32_t> w = generate_state32(2 * n_words);
  std::vector<std::uint64_t> out(n_words);
  for (std::size_t i = 0; i < n_words; ++i)
    out[i] =
        static_cast<std::uint64_t>(w[2 * i]) | (static_cast<std::uint64_t>(w[2 * i + 1]) << 32);
  return out;
}

void Pcg64::seed(const SeedSequence& seq) {
  // _pcg64.pyx: val = generate_state(4, uint64); state = val[0]:val[1], inc = val[2]:val[3]
  // (high word first).
  const std::vector<std::uint64_t> v = seq.generate_state64(4);
  set_seed((static_cast<u128>(v[0]) << 64) | v[1], (static_cast<u128>(v[2]) << 64) | v[3]);
}

std::array<double, 10> Pcg64::to_record() const {
  std::array<double, 10> r{};
  for (int i = 0; i < 4; ++i) {
    r[static_cast<std::size_t>(i)] = static_cast<double>((state_ >> (32 * i)) & 0xffffffffu);
    r[static_cast<std::size_t>(4 + i)] = static_cast<double>((inc_ >> (32 * i)) & 0xffffffffu);
  }
  r[8] = has_uint32_ ? 1.0 : 0.0;
  r[9] = static_cast<double>(uinteger_);
  return r;
}

bool Pcg64::from_record(std::span<const double> r) {
  auto word = [](double v) {
    return std::isfinite(v) && v == std::floor(v) && v >= 0 && v <= 4294967295.0;
  };
  if (r.size() != 10 || !(r[8] == 0.0 || r[8] == 1.0) || !word(r[9])) return false;
  u128 state = 0, inc = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (!word(r[i]) || !word(r[4 + i])) return false;
    state |= static_cast<u128>(static_cast<std::uint32_t>(r[i])) << (32 * i);
    inc |= static_cast<u128>(static_cast<std::uint32_t>(r[4 + i])) << (32 * i);
  }
  if ((inc & 1u) == 0) return false;
  set_raw(state, inc, r[8] == 1.0, static_cast<std::uint32_t>(r[9]));
  return true;
}

void Pcg64::set_seed(u128 initstate, u128 initseq) {
  // pcg_setseq_128_srandom_r.
  inc_ = (initseq << 1u) | 1u;
  state_ = 0;
  state_ = state_ * kPcgMultiplier + inc_;
  state_ += initstate;
  state_ = state_ * kPcgMultiplier + inc_;
  has_uint32_ = false;
  uinteger_ = 0;
}

std::uint64_t Pcg64::next_uint64() {
  state_ = state_ * kPcgMultiplier + inc_;
  const auto high = static_cast<std::uint64_t>(state_ >> 64);
  const auto low = static_cast<std::uint64_t>(state_);
  const unsigned rot = static_cast<unsigned>(high >> 58u);
  const std::uint64_t x = high ^ low;
  return (x >> rot) | (x << ((64u - rot) & 63u));
}

std::uint32_t Pcg64::next_uint32() {
  if (has_uint32_) {
    has_uint32_ = false;
    return uinteger_;
  }
  const std::uint64_t next = next_uint64();
  has_uint32_ = true;
  uinteger_ = static_cast<std::uint32_t>(next >> 32);
  return static_cast<std::uint32_t>(next & 0xffffffffULL);
}

std::int64_t NumpyGenerator::integers(std::int64_t low, std::int64_t high) {
  if (high <= low)
    throw Error("NumpyGenerator::integers: high (" + std::to_string(high) + ") must exceed low (" +
                std::to_string(low) + ")");
  // _bounded_integers.pyx: the closed range [low, high - 1] as off + [0, rng];
  // distributions.c random_bounded_uint64_fill with use_masked = False (Generator's default).
  const std::uint64_t rng = static_cast<std::uint64_t>(high - 1) - static_cast<std::uint64_t>(low);
  const std::uint64_t off = static_cast<std::uint64_t>(low);
  std::uint64_t draw = 0;
  if (rng == 0) {
    draw = 0;
  } else if (rng <= 0xffffffffULL) {
    if (rng == 0xffffffffULL) {
      draw = bitgen_.next_uint32();
    } else {
      // Lemire's method on 32-bit draws (buffered_bounded_lemire_uint32).
      const std::uint32_t rng_excl = static_cast<std::uint32_t>(rng) + 1u;
      std::uint64_t m = static_cast<std::uint64_t>(bitgen_.next_uint32()) * rng_excl;
      auto leftover = static_cast<std::uint32_t>(m & 0xffffffffULL);
      if (leftover < rng_excl) {
        const std::uint32_t threshold = (0xffffffffu - static_cast<std::uint32_t>(rng)) % rng_excl;
        while (leftover < threshold) {
          m = static_cast<std::uint64_t>(bitgen_.next_uint32()) * rng_excl;
          leftover = static_cast<std::uint32_t>(m & 0xffffffffULL);
        }
      }
      draw = m >> 32;
    }
  } else if (rng == 0xffffffffffffffffULL) {
    draw = bitgen_.next_uint64();
  } else {
    // Lemire's method on 64-bit draws (bounded_lemire_uint64).
    const std::uint64_t rng_excl = rng + 1;
    Pcg64::u128 m = static_cast<Pcg64::u128>(bitgen_.next_uint64()) * rng_excl;
    auto leftover = static_cast<std::uint64_t>(m);
    if (leftover < rng_excl) {
      const std::uint64_t threshold = (0xffffffffffffffffULL - rng) % rng_excl;
      while (leftover < threshold) {
        m = static_cast<Pcg64::u128>(bitgen_.next_uint64()) * rng_excl;
        leftover = static_cast<std::uint64_t>(m);
      }
    }
    draw = static_cast<std::uint64_t>(m >> 64);
  }
  return static_cast<std::int64_t>(off + draw);
}

std::int64_t NumpyGenerator::choice(std::span<const double> p) {
  if (p.empty()) throw Error("NumpyGenerator::choice: the probability vector is empty");
  // cdf = p.cumsum(); cdf /= cdf[-1]; idx = cdf.searchsorted(random(), side='right').
  double total = 0.0;
  for (double x : p) total += x;  // cumsum's last element: the same sequential sum
  const double u = bitgen_.next_double();
  double cum = 0.0;
  std::size_t i = 0;
  for (; i < p.size(); ++i) {
    cum += p[i];
    if (cum / total > u) break;  // first index whose normalised cdf exceeds u
  }
  return static_cast<std::int64_t>(i);
}

std::int64_t gymnasium_categorical_sample(std::span<const double> p, NumpyGenerator& gen) {
  const double u = gen.random();
  double cum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    cum += p[i];
    if (cum > u) return static_cast<std::int64_t>(i);
  }
  return 0;  // argmax of an all-false array
}

}  // namespace rlsim
