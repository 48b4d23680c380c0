// Spaces, parameter schemas and close-match suggestions.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/space.hpp"

using namespace rlsim;

TEST_CASE("Discrete space validates indices and describes itself like Gymnasium") {
  Space s = Space::discrete(4);
  CHECK(s.describe() == "Discrete(4)");
  Value v;
  v.index = 3;
  CHECK(s.contains(v));
  v.index = 4;
  CHECK_FALSE(s.contains(v));
  REQUIRE_THROWS_AS(s.validate(v, "action"), Error);
  REQUIRE_THROWS_WITH(s.validate(v, "action"), Catch::Contains("[0, 3]"));
  v.index = -1;
  CHECK_FALSE(s.contains(v));
  REQUIRE_THROWS_AS(Space::discrete(0), Error);
}

TEST_CASE("Box space checks size, bounds and NaN") {
  Space s = Space::box({-1.f, 0.f}, {1.f, 2.f}, {2});
  Value v;
  s.prepare(v);
  REQUIRE(v.vec.size() == 2);
  v.vec = {0.5f, 2.0f};
  CHECK(s.contains(v));
  v.vec = {0.5f, 2.5f};
  CHECK_FALSE(s.contains(v));
  REQUIRE_THROWS_WITH(s.validate(v, "action"), Catch::Contains("component 1"));
  v.vec = {std::nanf(""), 0.f};
  REQUIRE_THROWS_WITH(s.validate(v, "action"), Catch::Contains("NaN"));
  v.vec = {0.f};
  REQUIRE_THROWS_WITH(s.validate(v, "action"), Catch::Contains("needs 2"));
  CHECK(Space::box(-INFINITY, INFINITY, {4}).describe() == "Box(-inf, inf, (4,), float32)");
  REQUIRE_THROWS_AS(Space::box({1.f}, {0.f}, {1}), Error);
  REQUIRE_THROWS_AS(Space::box({0.f, 0.f}, {1.f, 1.f}, {3}), Error);
}

TEST_CASE("Space::prepare does not reallocate a sized value") {
  Space s = Space::box(0.f, 1.f, {8});
  Value v;
  s.prepare(v);
  const float* data = v.vec.data();
  s.prepare(v);
  CHECK(v.vec.data() == data);
}

namespace {
ParamSchema schema() {
  return ParamSchema{param_double("alpha", 0.1, "step size", 0.0, 1.0),
                     param_int("n", 3, "count", 1, 10), param_bool("flag", false, "a flag"),
                     param_string("mode", "a", "mode", {"a", "b"}),
                     param_doubles("means", {0.1, 0.9}, "arm means", 0.0, 1.0)};
}
}  // namespace

TEST_CASE("ParamSchema fills defaults and converts compatible types") {
  Params p = schema().resolve({{"alpha", std::int64_t{1}}, {"n", 4.0}}, "agent 'x'");
  CHECK(p.get_double("alpha") == 1.0);
  CHECK(p.get_int("n") == 4);
  CHECK(p.get_bool("flag") == false);
  CHECK(p.get_string("mode") == "a");
  CHECK(p.get_doubles("means") == std::vector<double>{0.1, 0.9});
  CHECK(p.to_text() ==
        "alpha=1.0 flag=false means=[0.1, 0.9] "
        "mode=\"a\" n=4");
}

TEST_CASE("ParamSchema rejects unknown keys, wrong types and out-of-range values clearly") {
  const ParamSchema s = schema();
  REQUIRE_THROWS_WITH(s.resolve({{"alpah", 0.5}}, "agent 'x'"),
                      Catch::Contains("agent 'x' has no parameter 'alpah'") &&
                          Catch::Contains("did you mean 'alpha'") &&
                          Catch::Contains("valid parameters: alpha, n, flag, mode, means"));
  REQUIRE_THROWS_WITH(s.resolve({{"alpha", 1.5}}, "agent 'x'"),
                      Catch::Contains("out of range") && Catch::Contains("[0.0, 1.0]"));
  REQUIRE_THROWS_WITH(s.resolve({{"alpha", std::string("big")}}, "agent 'x'"),
                      Catch::Contains("must be a number"));
  REQUIRE_THROWS_WITH(s.resolve({{"n", 2.5}}, "agent 'x'"), Catch::Contains("must be an integer"));
  REQUIRE_THROWS_WITH(s.resolve({{"flag", std::int64_t{1}}}, "agent 'x'"),
                      Catch::Contains("true or false"));
  REQUIRE_THROWS_WITH(s.resolve({{"mode", std::string("c")}}, "agent 'x'"),
                      Catch::Contains("not one of: a, b"));
  REQUIRE_THROWS_WITH(s.resolve({{"means", std::vector<double>{0.5, 1.5}}}, "env 'b'"),
                      Catch::Contains("out of range"));
  REQUIRE_THROWS_WITH(s.resolve({{"alpha", std::nan("")}}, "agent 'x'"), Catch::Contains("NaN"));
}

TEST_CASE("close_matches finds near ids, case-insensitively, and not far ones") {
  const std::vector<std::string> ids{"CartPole-v1", "FrozenLake-v1", "FrozenLake8x8-v1", "Taxi-v4"};
  auto m = close_matches("frozenlake-v1", ids);
  REQUIRE_FALSE(m.empty());
  CHECK(m[0] == "FrozenLake-v1");
  CHECK(close_matches("CartPole-v0", ids).front() == "CartPole-v1");
  CHECK(close_matches("Zebra", ids).empty());
}
