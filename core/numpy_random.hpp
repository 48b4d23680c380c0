// numpy's default random generator, bit for bit: SeedSequence, PCG64 and the Generator
// methods Gymnasium's environments draw from (random, uniform, integers, choice with
// probabilities), plus Gymnasium's categorical_sample.
//
// Gymnasium seeds every env with np.random.Generator(np.random.PCG64(np.random.SeedSequence(s)))
// (gymnasium/utils/seeding.py, np_random), so reproducing its episode starts needs numpy's
// streams exactly. Everything here follows numpy's source (numpy/random/bit_generator.pyx:
// SeedSequence; numpy/random/src/pcg64/pcg64.h and _pcg64.pyx: PCG64, O'Neill 2014 "PCG: A
// family of simple fast space-efficient statistically good algorithms for random number
// generation", XSL-RR 128/64 output; numpy/random/src/distributions/distributions.c and
// _generator.pyx: the Generator methods, Lemire 2019 "Fast random integer generation in an
// interval" for bounded integers). It is written from that description, not copied, and
// tested against values from Debian's numpy 1.24.2 (tests/data/make_numpy_rng_data.py).
// Streams have been stable across numpy releases since 1.17 (NEP 19).
//
// Contract: same inputs, same outputs as numpy on every platform (unsigned __int128 is
// exact). Only what Gymnasium's envs use is offered: SeedSequence without spawn keys and
// with the default pool size 4; int64 integers with endpoint=False.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace rlsim {

// numpy.random.SeedSequence(entropy) with pool_size 4 and no spawn key.
class SeedSequence {
 public:
  // entropy given as 32-bit words, lowest first (numpy's _coerce_to_uint32_array output).
  explicit SeedSequence(std::span<const std::uint32_t> entropy);
  // SeedSequence(n) for a non-negative integer n, as Gymnasium's reset(seed=n) builds it.
  explicit SeedSequence(std::uint64_t n);

  // numpy's _int_to_uint32_array: n split into 32-bit words, lowest first; [0] for n = 0.
  static std::vector<std::uint32_t> int_to_words(std::uint64_t n);

  const std::array<std::uint32_t, 4>& pool() const { return pool_; }
  // generate_state(n_words, np.uint32) and generate_state(n_words, np.uint64).
  std::vector<std::uint32_t> generate_state32(std::size_t n_words) const;
  std::vector<std::uint64_t> generate_state64(std::size_t n_words) const;

 private:
  std::array<std::uint32_t, 4> pool_{};
};

// numpy.random.PCG64: a 128-bit LCG (state, odd increment) with the XSL-RR output.
class Pcg64 {
 public:
  using u128 = unsigned __int128;
  Pcg64() { seed(SeedSequence(std::uint64_t{0})); }
  explicit Pcg64(const SeedSequence& seq) { seed(seq); }
  // PCG64(seq): state and increment from seq.generate_state(4, np.uint64).
  void seed(const SeedSequence& seq);
  // pcg64_srandom_r(initstate, initseq), then no buffered 32-bit half.
  void set_seed(u128 initstate, u128 initseq);

  // next_uint64 (also random_raw): advance, then output.
  std::uint64_t next_uint64();
  // next_uint32: the low half of a 64-bit draw; its high half is kept for the next call.
  std::uint32_t next_uint32();
  // next_double: the top 53 bits of a 64-bit draw times 2^-53, in [0, 1).
  double next_double() {
    return static_cast<double>(next_uint64() >> 11) * (1.0 / 9007199254740992.0);
  }

  // The whole generator state as state(), increment(), has_uint32() and buffered_uint32()
  // give it (checkpoints, core/env.hpp); inc must be odd.
  void set_raw(u128 state, u128 inc, bool has_uint32, std::uint32_t buffered) {
    state_ = state;
    inc_ = inc;
    has_uint32_ = has_uint32;
    uinteger_ = buffered;
  }
  // The same state as 10 exact doubles (StateDict values, Box2D replay states): state and
  // increment as four 32-bit words each, lowest first, then has_uint32 (0 or 1) and the
  // buffered 32-bit half. from_record returns false, and changes nothing, unless `r` is
  // such a record (10 whole numbers in range, an odd increment).
  std::array<double, 10> to_record() const;
  bool from_record(std::span<const double> r);

  u128 state() const { return state_; }
  u128 increment() const { return inc_; }
  bool has_uint32() const { return has_uint32_; }
  std::uint32_t buffered_uint32() const { return uinteger_; }

 private:
  u128 state_ = 0;
  u128 inc_ = 1;
  bool has_uint32_ = false;
  std::uint32_t uinteger_ = 0;
};

// numpy.random.Generator over PCG64: the methods Gymnasium's envs call.
class NumpyGenerator {
 public:
  NumpyGenerator() = default;
  // np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed))).
  explicit NumpyGenerator(std::uint64_t seed) { this->seed(seed); }
  void seed(std::uint64_t seed) { bitgen_.seed(SeedSequence(seed)); }

  Pcg64& bit_generator() { return bitgen_; }
  const Pcg64& bit_generator() const { return bitgen_; }

  // random(): uniform on [0, 1).
  double random() { return bitgen_.next_double(); }
  // uniform(low, high): low + (high - low) * random(); an array call draws element by
  // element in order, so uniform(low, high, size=n) is n calls of this.
  double uniform(double low, double high) { return low + (high - low) * bitgen_.next_double(); }
  // integers(low, high) with dtype int64 and endpoint=False: uniform on [low, high); high > low.
  std::int64_t integers(std::int64_t low, std::int64_t high);
  // choice(len(p), p=p) with replacement: the index i with cdf[i-1] <= u < cdf[i], where
  // cdf = cumsum(p) / sum and u = random() (searchsorted side='right'). p is not checked.
  std::int64_t choice(std::span<const double> p);

 private:
  Pcg64 bitgen_;
};

// Gymnasium's categorical_sample(p, np_random) (gymnasium/envs/toy_text/utils.py):
// argmax(cumsum(p) > np_random.random()), 0 when no partial sum exceeds the draw.
std::int64_t gymnasium_categorical_sample(std::span<const double> p, NumpyGenerator& gen);

}  // namespace rlsim
