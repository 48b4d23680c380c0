// `rlsim describe ID --json` (experiments/cmd_describe.hpp): the parameter model as data.
// The output is read back with a minimal JSON parser written here (no JSON library in the
// project), so every test also checks that the text is valid JSON: strings escaped, numbers
// finite, no trailing commas.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/cmd_describe.hpp"

#include "tests/experiments/driver_util.hpp"

namespace {

// ---- a minimal JSON reader ----

struct Json {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool b = false;
  double num = 0;
  bool integer = false;  // a number written without '.', 'e' or 'E'
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;  // in the order written

  bool has(const std::string& key) const {
    for (const auto& [k, v] : members)
      if (k == key) return true;
    return false;
  }
  const Json& operator[](const std::string& key) const {
    for (const auto& [k, v] : members)
      if (k == key) return v;
    throw std::runtime_error("no member '" + key + "'");
  }
  bool is_null() const { return kind == Kind::null; }
};

class Reader {
 public:
  explicit Reader(const std::string& text) : t_(text) {}
  Json document() {
    Json v = value();
    space();
    if (i_ != t_.size()) fail("text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("invalid JSON at offset " + std::to_string(i_) + ": " + what);
  }
  void space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    space();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool word(const char* w) {
    const std::string s(w);
    if (t_.compare(i_, s.size(), s) != 0) return false;
    i_ += s.size();
    return true;
  }
  Json value() {
    space();
    if (i_ >= t_.size()) fail("unexpected end");
    Json v;
    const char c = t_[i_];
    if (c == '{') {
      ++i_;
      v.kind = Json::Kind::object;
      if (eat('}')) return v;
      do {
        space();
        if (i_ >= t_.size() || t_[i_] != '"') fail("expected a key");
        std::string key = string();
        expect(':');
        v.members.emplace_back(std::move(key), value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++i_;
      v.kind = Json::Kind::array;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = Json::Kind::string;
      v.str = string();
    } else if (word("true")) {
      v.kind = Json::Kind::boolean;
      v.b = true;
    } else if (word("false")) {
      v.kind = Json::Kind::boolean;
    } else if (word("null")) {
    } else {
      v.kind = Json::Kind::number;
      const std::size_t start = i_;
      if (t_[i_] == '-') ++i_;
      if (i_ >= t_.size() || !std::isdigit(static_cast<unsigned char>(t_[i_])))
        fail("expected a value");
      if (t_[i_] == '0' && i_ + 1 < t_.size() &&
          std::isdigit(static_cast<unsigned char>(t_[i_ + 1])))
        fail("leading zero");
      v.integer = true;
      while (i_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[i_])) ||
                                std::string(".eE+-").find(t_[i_]) != std::string::npos)) {
        if (std::string(".eE").find(t_[i_]) != std::string::npos) v.integer = false;
        ++i_;
      }
      std::size_t used = 0;
      const std::string text = t_.substr(start, i_ - start);
      v.num = std::stod(text, &used);
      if (used != text.size()) fail("bad number '" + text + "'");
    }
    return v;
  }
  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    while (true) {
      if (i_ >= t_.size()) fail("unterminated string");
      const char c = t_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("unescaped control character");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= t_.size()) fail("unterminated escape");
      const char e = t_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          if (i_ + 4 > t_.size()) fail("short \\u escape");
          const unsigned code = std::stoul(t_.substr(i_, 4), nullptr, 16);
          i_ += 4;
          if (code >= 0x80) fail("this reader only decodes \\u escapes below 0x80");
          out += static_cast<char>(code);
          break;
        }
        default:
          fail("unknown escape");
      }
    }
  }
  const std::string& t_;
  std::size_t i_ = 0;
};

Json parse(const std::string& text) {
  return Reader(text).document();
}

std::string describe_json(const rlsim::Registry& r, const std::string& id) {
  std::ostringstream os;
  rlsim::write_describe_json(os, r, id);
  return os.str();
}

const Json& param(const Json& d, const std::string& name) {
  for (const Json& p : d["parameters"].items)
    if (p["name"].str == name) return p;
  throw std::runtime_error("no parameter '" + name + "'");
}

// ---- a config with one field of each kind ----

enum class Mode { fast, careful };

struct ToyConfig {
  bool flag = true;
  int steps = 5;
  double learning_rate = 1e-4;
  float gamma = 0.99f;
  std::string label = "a \"quoted\" \\ label";
  std::vector<double> probs{0.25, 1.0};
  std::vector<int> net_arch{64, 64};
  Mode mode = Mode::careful;
};

rlsim::ParamSchema toy_schema() {
  using namespace rlsim;
  using C = ToyConfig;
  return ConfigSchema<C>()
      .field("flag", &C::flag, "a switch")
      .field("steps", &C::steps, "steps per update", at_least(1), source("Toy et al. 2024"))
      .field("learning_rate", &C::learning_rate, "Adam step size", at_least(0))
      .field("gamma", &C::gamma, "discount factor", range(0, 1))
      .field("label", &C::label, "a doc with a tab\there, a newline\nand a \x01 control")
      .field("probs", &C::probs, "probabilities", range(0, 1))
      .field("net_arch", &C::net_arch, "hidden widths", at_least(1))
      .field("mode", &C::mode, "how",
             names<Mode>({{"fast", Mode::fast}, {"careful", Mode::careful}}))
      .params();
}

}  // namespace

TEST_CASE("describe json: each parameter type gives its JSON value, range, choices, source") {
  const rlsim::ParamSchema schema = toy_schema();
  std::map<std::string, Json> p;
  for (const auto& spec : schema.specs()) {
    const std::string text = rlsim::param_spec_json(spec);
    INFO(text);
    CHECK(text.find('\n') == std::string::npos);  // one line per parameter
    p[spec.name] = parse(text);
  }
  CHECK(p["flag"]["type"].str == "bool");
  CHECK(p["flag"]["default"].kind == Json::Kind::boolean);
  CHECK(p["flag"]["default"].b);
  CHECK(p["flag"]["range"].is_null());
  CHECK(p["flag"]["choices"].is_null());
  CHECK(p["flag"]["source"].is_null());

  CHECK(p["steps"]["type"].str == "int");
  CHECK(p["steps"]["default"].integer);
  CHECK(p["steps"]["default"].num == 5);
  CHECK(p["steps"]["range"]["min"].integer);  // an int's bounds are integers: 1, not 1.0
  CHECK(p["steps"]["range"]["min"].num == 1);
  CHECK(p["steps"]["range"]["max"].is_null());  // unbounded
  CHECK(p["steps"]["source"].str == "Toy et al. 2024");
  CHECK(p["steps"]["doc"].str == "steps per update");

  CHECK(p["learning_rate"]["type"].str == "float");
  CHECK(p["learning_rate"]["default"].num == 1e-4);  // read back exactly
  CHECK_FALSE(p["learning_rate"]["default"].integer);
  CHECK(p["learning_rate"]["range"]["min"].num == 0);
  CHECK_FALSE(p["learning_rate"]["range"]["min"].integer);  // a float's bound: 0.0
  CHECK(p["learning_rate"]["range"]["max"].is_null());

  // A float member: the default is the float's value as a double, read back exactly.
  CHECK(p["gamma"]["default"].num == static_cast<double>(0.99f));
  CHECK(p["gamma"]["range"]["max"].num == 1);

  CHECK(p["label"]["type"].str == "string");
  CHECK(p["label"]["default"].str == "a \"quoted\" \\ label");
  CHECK(p["label"]["doc"].str == "a doc with a tab\there, a newline\nand a \x01 control");

  CHECK(p["probs"]["type"].str == "float_list");
  REQUIRE(p["probs"]["default"].items.size() == 2);
  CHECK(p["probs"]["default"].items[0].num == 0.25);
  CHECK(p["probs"]["default"].items[1].num == 1.0);
  CHECK_FALSE(p["probs"]["default"].items[1].integer);  // 1.0, a float

  CHECK(p["net_arch"]["type"].str == "int_list");
  REQUIRE(p["net_arch"]["default"].kind == Json::Kind::array);
  REQUIRE(p["net_arch"]["default"].items.size() == 2);
  for (const Json& w : p["net_arch"]["default"].items) {
    CHECK(w.integer);  // [64, 64], not [64.0, 64.0]
    CHECK(w.num == 64);
  }
  CHECK(p["net_arch"]["range"]["min"].integer);

  CHECK(p["mode"]["type"].str == "string");
  CHECK(p["mode"]["default"].str == "careful");
  REQUIRE(p["mode"]["choices"].items.size() == 2);
  CHECK(p["mode"]["choices"].items[0].str == "fast");
  CHECK(p["mode"]["choices"].items[1].str == "careful");
}

TEST_CASE("describe json: an env has its spaces, limits, capabilities and parameters") {
  const rlsim::Registry r = rlsim::make_registry({});
  const Json d = parse(describe_json(r, "CartPole-v1"));
  CHECK(d["id"].str == "CartPole-v1");
  CHECK(d["kind"].str == "env");
  CHECK(d["origin"].str == "built-in");
  CHECK_FALSE(d["doc"].str.empty());
  CHECK(d["action_space"]["type"].str == "discrete");
  CHECK(d["action_space"]["n"].num == 2);
  CHECK(d["action_space"]["text"].str == "Discrete(2)");
  const Json& obs = d["observation_space"];
  CHECK(obs["type"].str == "box");
  REQUIRE(obs["shape"].items.size() == 1);
  CHECK(obs["shape"].items[0].num == 4);
  REQUIRE(obs["low"].items.size() == 4);
  REQUIRE(obs["high"].items.size() == 4);
  CHECK(obs["high"].items[0].num == 4.8);  // the float bound 4.8f written as its float: 4.8
  CHECK(obs["high"].items[1].is_null());   // velocity: unbounded
  CHECK(d["max_episode_steps"].num == 500);
  CHECK(d["reward_threshold"].num == 475);
  bool has_state = false;
  for (const Json& c : d["capabilities"].items) has_state |= c.str == "state";
  CHECK(has_state);
  // Its parameters, then max_episode_steps and seeding, as `rlsim describe` lists them.
  const auto& schema = r.env("CartPole-v1").schema.specs();
  REQUIRE(d["parameters"].items.size() == schema.size() + 2);
  CHECK(d["parameters"].items[schema.size()]["name"].str == "max_episode_steps");
  CHECK(d["parameters"].items.back()["name"].str == "seeding");
  CHECK(param(d, "sutton_barto_reward")["type"].str == "bool");
}

TEST_CASE("describe json: dqn lists learning_rate with its range and net_arch [64, 64]") {
  const rlsim::Registry r = rlsim::make_registry({});
  const Json d = parse(describe_json(r, "dqn"));
  CHECK(d["kind"].str == "agent");
  CHECK_FALSE(d.has("observation_space"));
  const Json& lr = param(d, "learning_rate");
  CHECK(lr["type"].str == "float");
  CHECK(lr["default"].num == 1e-4);
  REQUIRE_FALSE(lr["range"].is_null());
  CHECK(lr["range"]["min"].num == 0);
  const Json& net = param(d, "net_arch");
  REQUIRE(net["default"].items.size() == 2);
  for (const Json& w : net["default"].items) {
    CHECK(w.num == 64);
    if (net["type"].str == "int_list") CHECK(w.integer);
  }
}

TEST_CASE("describe json: every registered id gives valid JSON matching its schema") {
  const rlsim::Registry r = rlsim::make_registry({});
  auto check_params = [](const Json& d, const rlsim::ParamSchema& schema) {
    const auto& specs = schema.specs();
    REQUIRE(d["parameters"].items.size() >= specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const Json& p = d["parameters"].items[i];
      INFO(specs[i].name);
      CHECK(p["name"].str == specs[i].name);
      const std::string type = p["type"].str;
      const Json& def = p["default"];
      if (type == "bool") CHECK(def.kind == Json::Kind::boolean);
      if (type == "int") CHECK((def.kind == Json::Kind::number && def.integer));
      if (type == "float") CHECK((def.kind == Json::Kind::number || def.is_null()));
      if (type == "string") CHECK(def.kind == Json::Kind::string);
      if (type == "float_list" || type == "int_list") CHECK(def.kind == Json::Kind::array);
      if (type == "int_list")
        for (const Json& x : def.items) CHECK(x.integer);
      CHECK(p["doc"].str == specs[i].doc);
      CHECK(p["range"].is_null() == !specs[i].has_range());
      CHECK(p["choices"].is_null() == specs[i].choices.empty());
    }
  };
  for (const std::string& id : r.env_ids()) {
    INFO(id);
    const Json d = parse(describe_json(r, id));
    CHECK(d["kind"].str == "env");
    check_params(d, r.env(id).schema);
  }
  for (const std::string& id : r.agent_ids()) {
    INFO(id);
    const Json d = parse(describe_json(r, id));
    CHECK(d["kind"].str == "agent");
    CHECK(d["parameters"].items.size() == r.agent(id).schema.specs().size());
    check_params(d, r.agent(id).schema);
  }
  CHECK_THROWS_WITH(describe_json(r, "CartPol-v1"),
                    Catch::Contains("unknown id 'CartPol-v1'") && Catch::Contains("CartPole-v1"));
}

TEST_CASE("describe json: rlsim describe ID --json prints the same object") {
  using rlsim_test::sh;
  const rlsim::Registry r = rlsim::make_registry({});
  const rlsim_test::Result out = sh("describe FrozenLake-v1 --json");
  REQUIRE(out.code == 0);
  CHECK(out.out == describe_json(r, "FrozenLake-v1"));
  CHECK(parse(out.out)["observation_space"]["n"].num == 16);
  const rlsim_test::Result bad = sh("describe CartPol --json");
  CHECK(bad.code == 1);
  CHECK_THAT(bad.out, Catch::StartsWith("rlsim: error: unknown id 'CartPol'"));
}
