// The random stream a Box2D env's physics draws from: the env's own Rng (seeding =
// "rlsim", the default) or numpy's generator (seeding = "gymnasium", core/numpy_random.hpp,
// docs/seeding.md).
//
// Contract: the methods are the np_random calls Gymnasium's lunar_lander.py and
// bipedal_walker.py make (uniform, random, integers with an exclusive upper bound), and
// each one makes exactly that call on the numpy generator, so the same sequence of calls
// gives Gymnasium's numbers. On an Rng each one makes the call the Box2D envs made before
// this class existed (Rng::uniform, Rng::integer on the inclusive range [lo, hi - 1]), so
// the default seeding's numbers are unchanged. A Box2DDraws only points at its stream; it
// is cheap to copy and must not outlive the stream.
#pragma once
#include <cstdint>

#include "core/numpy_random.hpp"
#include "core/rng.hpp"

namespace rlsim {

class Box2DDraws {
 public:
  // Implicit, so that the bare-physics loops and tests keep passing an Rng.
  Box2DDraws(Rng& rng) : rng_(&rng) {}          // NOLINT(google-explicit-constructor)
  Box2DDraws(NumpyGenerator& np) : np_(&np) {}  // NOLINT(google-explicit-constructor)

  // np_random.uniform(lo, hi).
  double uniform(double lo, double hi) {
    return np_ ? np_->uniform(lo, hi) : rng_->uniform(lo, hi);
  }
  // np_random.random(): uniform on [0, 1).
  double random() { return np_ ? np_->random() : rng_->uniform(); }
  // np_random.integers(lo, hi): uniform on [lo, hi), hi > lo.
  std::int64_t integers(std::int64_t lo, std::int64_t hi) {
    return np_ ? np_->integers(lo, hi) : rng_->integer(lo, hi - 1);
  }

 private:
  Rng* rng_ = nullptr;
  NumpyGenerator* np_ = nullptr;
};

}  // namespace rlsim
