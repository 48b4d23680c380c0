// Helpers shared by the classic-control tests (test_classic_*.cpp).
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

namespace classic_test {

using rlsim::test::registry;

inline std::unique_ptr<rlsim::Env> make(const std::string& id, const rlsim::RawParams& p = {}) {
  return registry().make_env(id, p);
}

inline rlsim::Value discrete(std::int64_t a) {
  rlsim::Value v;
  v.index = a;
  return v;
}

inline rlsim::Value box(float a) {
  rlsim::Value v;
  v.vec = {a};
  return v;
}

// The observation equals the float32 rounding of the double reference, up to one float32
// ulp (the reference may round the other way after a last-bit difference in double).
inline void require_obs(const rlsim::Value& obs, const std::vector<double>& ref) {
  REQUIRE(obs.vec.size() == ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const float f = std::fabs(static_cast<float>(ref[i]));
    const double ulp = std::max(static_cast<double>(std::nextafter(f, INFINITY) - f), 1e-45);
    INFO("observation component " << i << ": got " << obs.vec[i] << ", reference " << ref[i]);
    REQUIRE(std::fabs(static_cast<double>(obs.vec[i]) - ref[i]) <= ulp);
  }
}

// The env's double state equals the reference to well beyond float32 precision.
inline void require_state(const rlsim::Env& env, const std::vector<double>& ref) {
  std::vector<double> s;
  env.get_state(s);
  REQUIRE(s.size() == ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    INFO("state component " << i << ": got " << s[i] << ", reference " << ref[i]);
    REQUIRE(std::fabs(s[i] - ref[i]) <= 1e-12 * (1.0 + std::fabs(ref[i])));
  }
}

inline void require_close(double got, double ref, double rel = 1e-12) {
  INFO("got " << got << ", reference " << ref);
  REQUIRE(std::fabs(got - ref) <= rel * (1.0 + std::fabs(ref)));
}

// Resets (so the episode is running with a fresh step counter), then sets the state.
inline void start_at(rlsim::Env& env, const std::vector<double>& state) {
  rlsim::Value obs;
  env.reset(obs, 1);
  env.set_state(state);
}

}  // namespace classic_test
