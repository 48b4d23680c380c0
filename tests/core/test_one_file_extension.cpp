// Adding an env, a bandit policy or an agent is one new file: this file defines a tiny env,
// a tiny index policy and a tiny agent the way docs/contributing.md shows, each ending with
// its own RLSIM_REGISTER, and edits no list anywhere. The test then finds all three in the
// registry the driver builds (register_builtins), with their schemas derived from their
// config structs, and runs them.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "bandits/policies/index_policy.hpp"
#include "core/config_schema.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"
#include "experiments/builtins.hpp"

namespace rlsim {

// ---- an env: a corridor of `length` cells; action 1 moves right, 0 left; the right end
// pays 1 and ends the episode. With probability `slip` the other action happens.
struct CorridorConfig {
  std::int64_t length = 5;
  double slip = 0.0;
  void validate() const {
    if (slip > 0.5)
      throw Error("slip = " + std::to_string(slip) +
                  " makes left more likely than right: use slip <= 0.5");
  }
};

class CorridorEnv final : public Env {
 public:
  static constexpr char kId[] = "Corridor-v0";
  explicit CorridorEnv(const CorridorConfig& c)
      : Env(EnvSpec{kId, Space::discrete(c.length), Space::discrete(2), 100, std::nullopt}),
        config_(c) {}

 protected:
  void do_reset(Value& obs) override {
    cell_ = 0;
    obs.index = cell_;
  }
  StepResult do_step(const Value& action, Value& obs) override {
    bool right = action.index == 1;
    if (config_.slip > 0.0 && rng().bernoulli(config_.slip)) right = !right;
    cell_ = right ? cell_ + 1 : std::max<std::int64_t>(0, cell_ - 1);
    obs.index = cell_;
    StepResult r;
    r.terminated = cell_ == config_.length - 1;
    r.reward = r.terminated ? 1.0 : 0.0;
    return r;
  }

 private:
  CorridorConfig config_;
  std::int64_t cell_ = 0;
};

namespace {
void register_corridor(Registry& registry) {
  registry.add_env(env_entry(
      CorridorEnv::kId, "a corridor of cells; reach the right end (test of one-file registration)",
      ConfigSchema<CorridorConfig>()
          .field("length", &CorridorConfig::length, "number of cells", range(2, 1000))
          .field("slip", &CorridorConfig::slip, "probability that the other action happens",
                 range(0, 1), source("made up for the test")),
      [](const CorridorConfig& c) { return std::make_unique<CorridorEnv>(c); }));
}
}  // namespace
RLSIM_REGISTER(register_corridor)

// ---- a bandit policy: UCB with an exploration weight, index mean + sqrt(alpha ln t / N).
struct AlphaUcbConfig : BanditPolicyConfig {
  double alpha = 2.0;
};

class AlphaUcb final : public IndexPolicy<AlphaUcb> {
 public:
  AlphaUcb(std::int64_t num_arms, double alpha, std::int64_t first_action)
      : IndexPolicy("alpha-ucb", num_arms, first_action), alpha_(alpha) {}
  double index(std::int64_t arm) const {
    const double n = static_cast<double>(count(arm));
    return empirical_mean(arm) + std::sqrt(alpha_ * std::log(static_cast<double>(pulls())) / n);
  }

 private:
  double alpha_;
};

namespace {
void register_alpha_ucb(Registry& registry) {
  registry.add_agent(bandit_policy_entry(
      "alpha-ucb", "UCB with exploration weight alpha (test of one-file registration)",
      ConfigSchema<AlphaUcbConfig>().field("alpha", &AlphaUcbConfig::alpha, "exploration weight",
                                           at_least(0), source("Auer et al. 2002 use 2")),
      check_non_contextual, [](const AgentContext& ctx, const AlphaUcbConfig& c) {
        return std::make_unique<AlphaUcb>(ctx.spec.action_space.n(), c.alpha,
                                          ctx.spec.action_space.start());
      }));
}
}  // namespace
RLSIM_REGISTER(register_alpha_ucb)

// ---- an agent: always the same action.
struct ConstantActionConfig {
  std::int64_t action = 1;
};

class ConstantActionAgent final : public Agent {
 public:
  explicit ConstantActionAgent(const ConstantActionConfig& c) : action_(c.action) {}
  void act(const Value&, Value& action, Decision& decision) override {
    action.index = action_;
    decision = Decision{};
  }

 private:
  std::int64_t action_;
};

namespace {
void register_constant_action(Registry& registry) {
  registry.add_agent(agent_entry(
      "constant-action", "always the same action (test of one-file registration)",
      ConfigSchema<ConstantActionConfig>().field("action", &ConstantActionConfig::action,
                                                 "the action taken", at_least(0)),
      [](const EnvSpec& spec, const Env&) -> std::optional<std::string> {
        if (!spec.action_space.is_discrete()) return std::string("it needs Discrete actions");
        return std::nullopt;
      },
      [](const AgentContext&, const ConstantActionConfig& c) {
        return std::make_unique<ConstantActionAgent>(c);
      }));
}
}  // namespace
RLSIM_REGISTER(register_constant_action)

}  // namespace rlsim

using namespace rlsim;

TEST_CASE("one file adds an env and an agent: the driver's registry has them", "[registry]") {
  Registry r;
  register_builtins(r);
  REQUIRE(r.has_env("Corridor-v0"));
  REQUIRE(r.has_agent("constant-action"));
  REQUIRE(r.has_agent("alpha-ucb"));
  CHECK(r.has_env("CartPole-v1"));  // the built-ins are there too

  // The schema's defaults are read from the config struct.
  const ParamSchema& schema = r.env("Corridor-v0").schema;
  REQUIRE(schema.find("length"));
  CHECK(std::get<std::int64_t>(schema.find("length")->default_value) == 5);
  CHECK(schema.find("slip")->source == "made up for the test");
  CHECK(schema.find("slip")->range_text() == "[0.0, 1.0]");
  CHECK(schema.find("length")->range_text() == "[2, 1000]");

  // Parameters reach the struct; the episode is as long as the corridor.
  auto env = r.make_env("Corridor-v0", {{"length", std::int64_t{4}}});
  auto agent = r.make_agent("constant-action", {}, *env, 7);
  Value obs, action;
  env->reset(obs, 1);
  env->spec().action_space.prepare(action);
  int steps = 0;
  StepResult s;
  do {
    Decision d;
    agent->act(obs, action, d);
    s = env->step(action, obs);
    ++steps;
  } while (!s.terminated && !s.truncated);
  CHECK(steps == 3);
  CHECK(s.reward == 1.0);

  // Range checks and validate() come from the one declaration.
  CHECK_THROWS_WITH(r.make_env("Corridor-v0", {{"length", std::int64_t{1}}}),
                    Catch::Contains("env 'Corridor-v0' parameter 'length' = 1 is out of range") &&
                        Catch::Contains("[2, 1000]"));
  CHECK_THROWS_WITH(r.make_env("Corridor-v0", {{"slip", 0.7}}),
                    Catch::StartsWith("env 'Corridor-v0': slip = "));

  // The policy gets the bandit policies' common fields (batch) and learns the best arm.
  REQUIRE(r.agent("alpha-ucb").schema.find("batch"));
  auto bandit = r.make_env("BernoulliBandit-v0", {{"means", std::vector<double>{0.2, 0.8}},
                                                  {"horizon", std::int64_t{2000}}});
  auto ucb = r.make_agent("alpha-ucb", {{"alpha", 1.0}}, *bandit, 3);
  Value o, a;
  bandit->reset(o, 5);
  bandit->spec().action_space.prepare(a);
  int best = 0;
  for (int t = 0; t < 1000; ++t) {
    Decision d;
    ucb->act(o, a, d);
    best += a.index == 1;
    const StepResult step = bandit->step(a, o);
    ucb->observe(Transition{o, a, step.reward, o, step.terminated, step.truncated});
  }
  CHECK(best > 900);  // UCB's regret is logarithmic: the 0.2 arm is pulled O(ln T) times

  // Running the registrations again adds nothing twice.
  CHECK_NOTHROW(run_registrations(r));
}

TEST_CASE("config schemas: integer lists, enums, sources and bind", "[params]") {
  enum class Mode { fast, exact };
  struct Base {
    std::int64_t batch = 1;
  };
  struct Config : Base {
    std::vector<std::int64_t> widths{64, 64};
    Mode mode = Mode::exact;
    float rate = 0.5f;
  };
  auto schema = ConfigSchema<Config>()
                    .field("batch", &Config::batch, "batch size", at_least(1))
                    .field("widths", &Config::widths, "layer widths", at_least(1))
                    .field("mode", &Config::mode, "mode",
                           names<Mode>({{"fast", Mode::fast}, {"exact", Mode::exact}}))
                    .field("rate", &Config::rate, "rate", range(0, 1), source("a paper"));
  const ParamSchema ps = schema.params();
  CHECK(ps.find("widths")->type == ParamType::IntList);
  CHECK(format_param(ps.find("widths")->default_value) == "[64, 64]");
  CHECK(format_param(ps.find("mode")->default_value) == "\"exact\"");
  CHECK(ps.find("mode")->choices == std::vector<std::string>{"fast", "exact"});
  CHECK(ps.find("rate")->source == "a paper");

  // TOML gives lists of numbers as doubles; an integer list takes whole numbers only.
  Params p = ps.resolve({{"widths", std::vector<double>{256, 128}}, {"mode", std::string("fast")}},
                        "test");
  Config c = schema.bind(p);
  CHECK(c.widths == std::vector<std::int64_t>{256, 128});
  CHECK(c.mode == Mode::fast);
  CHECK(c.batch == 1);
  CHECK(p.to_text() == "batch=1 mode=\"fast\" rate=0.5 widths=[256, 128]");
  CHECK_THROWS_WITH(ps.resolve({{"widths", std::vector<double>{2.5}}}, "test"),
                    Catch::Contains("must be a list of integers"));
  CHECK_THROWS_WITH(ps.resolve({{"widths", std::vector<double>{0}}}, "test"),
                    Catch::Contains("out of range"));
  CHECK_THROWS_WITH(ps.resolve({{"mode", std::string("slow")}}, "test"),
                    Catch::Contains("is not one of: fast, exact"));
}
