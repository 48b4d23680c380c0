#include "experiments/config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.hpp"

namespace rlsim {

namespace {

ParamValue scalar_from_node(const toml::node& node, const std::string& where) {
  if (auto b = node.as_boolean()) return b->get();
  if (auto i = node.as_integer()) return static_cast<std::int64_t>(i->get());
  if (auto f = node.as_floating_point()) return f->get();
  if (auto s = node.as_string()) return s->get();
  if (auto a = node.as_array()) {
    std::vector<double> xs;
    for (const auto& el : *a) {
      if (auto i = el.as_integer())
        xs.push_back(static_cast<double>(i->get()));
      else if (auto f = el.as_floating_point())
        xs.push_back(f->get());
      else
        throw Error(where + ": a nested list may hold only numbers");
    }
    return xs;
  }
  throw Error(where + ": unsupported value type (use a bool, number, string or list)");
}

ConfigValue value_from_node(const toml::node& node, const std::string& where) {
  ConfigValue v;
  if (auto a = node.as_array()) {
    v.is_list = true;
    for (const auto& el : *a) v.items.push_back(scalar_from_node(el, where));
    if (v.items.empty()) throw Error(where + " is an empty list: give at least one value");
    return v;
  }
  v.scalar = scalar_from_node(node, where);
  return v;
}

std::int64_t int_value(const toml::node& node, const std::string& key, std::int64_t min) {
  auto i = node.as_integer();
  if (!i) throw Error("config key '" + key + "' must be an integer");
  if (i->get() < min)
    throw Error("config key '" + key + "' = " + std::to_string(i->get()) +
                " must be >= " + std::to_string(min));
  return i->get();
}

// A zip group: every entry a list, all of one length.
ZipGroup zip_from_table(const toml::table& t, const std::string& where) {
  ZipGroup z;
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    if (key == "id")
      throw Error(where + " lists 'id': a zip group holds parameters; give each id its own entry");
    ConfigValue v = value_from_node(node, where + "." + key);
    if (!v.is_list)
      throw Error(where + "." + key +
                  " is a single value: every parameter of a zip group is a "
                  "list of the values it takes (e.g. " +
                  key + " = [0.1, 0.5])");
    if (!z.empty() && v.items.size() != z.begin()->second.items.size())
      throw Error(where +
                  ": the lists of a zip group advance together and must have one length, "
                  "but '" +
                  z.begin()->first + "' has " + std::to_string(z.begin()->second.items.size()) +
                  " values and '" + key + "' has " + std::to_string(v.items.size()));
    z[key] = std::move(v);
  }
  if (z.empty()) throw Error(where + " is empty: list the parameters that vary together");
  return z;
}

ComponentConfig component_from_table(const toml::table& t, const std::string& where) {
  ComponentConfig c;
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    if (key == "id") {
      auto s = node.as_string();
      if (!s) throw Error(where + ".id must be a string such as \"FrozenLake-v1\"");
      c.id = s->get();
    } else if (key == "zip" && (node.is_table() || node.is_array_of_tables())) {
      if (auto t = node.as_table()) {
        c.zips.push_back(zip_from_table(*t, where + ".zip"));
      } else {
        const auto& arr = *node.as_array();
        for (std::size_t i = 0; i < arr.size(); ++i)
          c.zips.push_back(
              zip_from_table(*arr.get(i)->as_table(), where + ".zip[" + std::to_string(i) + "]"));
      }
    } else {
      c.values[key] = value_from_node(node, where + "." + key);
    }
  }
  if (c.id.empty()) throw Error(where + " has no id: add id = \"...\" (see 'rlsim list')");
  return c;
}

// The name is the stem of the default run file, results/NAME-TIME.h5: it must be a
// plain file name that stays inside results/.
void check_name(const std::string& name) {
  if (name.empty())
    throw Error(
        "config key 'name' is empty: give the experiment a name such as \"lake\" (it "
        "names the run file results/NAME-TIME.h5)");
  if (name.find_first_of("/\\") != std::string::npos || name == "." || name == ".." ||
      name.find("..") != std::string::npos)
    throw Error("config key 'name' = \"" + name +
                "\" holds a path separator or '..': the name is a file name stem "
                "(results/NAME-TIME.h5); to write elsewhere, set log.out or --out");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw Error("config key 'name' holds a control character: give a plain name");
}

void apply_top(ExperimentConfig& cfg, const std::string& key, const toml::node& node) {
  if (key == "name") {
    auto s = node.as_string();
    if (!s) throw Error("config key 'name' must be a string");
    check_name(s->get());
    cfg.name = s->get();
  } else if (key == "seed") {
    cfg.seed = static_cast<std::uint64_t>(int_value(node, key, 0));
  } else if (key == "seeds") {
    cfg.seeds.clear();
    if (auto a = node.as_array()) {
      std::set<std::int64_t> seen;
      for (const auto& el : *a) {
        auto i = el.as_integer();
        if (!i || i->get() < 0)
          throw Error("config key 'seeds' as a list must hold non-negative integers");
        if (!seen.insert(i->get()).second)
          throw Error("config key 'seeds' lists seed " + std::to_string(i->get()) + " twice");
        cfg.seeds.push_back(i->get());
      }
      if (cfg.seeds.empty()) throw Error("config key 'seeds' is an empty list");
    } else {
      const std::int64_t n = int_value(node, key, 1);
      // A count this large is a typo, not an experiment: refuse it before allocating.
      constexpr std::int64_t kMaxSeeds = 1'000'000;
      if (n > kMaxSeeds)
        throw Error("config key 'seeds' = " + std::to_string(n) + " is more than " +
                    std::to_string(kMaxSeeds) + " seeds; give a smaller count or a list");
      for (std::int64_t i = 0; i < n; ++i) cfg.seeds.push_back(i);
    }
  } else if (key == "episodes") {
    cfg.budget.episodes = int_value(node, key, 0);
  } else if (key == "steps" || key == "pulls") {
    // Bandit runs are budgeted in pulls, which are env steps: one name for one thing.
    cfg.budget.steps = int_value(node, key, 0);
  } else if (key == "schedule_steps") {
    // The steps that schedules following the budget are sized for (Budget::schedule_steps;
    // `rlsim run --continue` writes it).
    cfg.budget.schedule_steps = int_value(node, key, 0);
  } else if (key == "save_agent") {
    auto b = node.as_boolean();
    if (!b) throw Error("config key 'save_agent' must be true or false");
    cfg.save_agent = b->get();
  } else if (key == "vector_threads") {
    const std::int64_t n = int_value(node, key, 1);
    constexpr std::int64_t kMaxVectorThreads = 1024;
    if (n > kMaxVectorThreads)
      throw Error("config key 'vector_threads' = " + std::to_string(n) + " is more than " +
                  std::to_string(kMaxVectorThreads) +
                  " threads; use about as many as the machine has cores (1 by default)");
    cfg.vector_threads = static_cast<int>(n);
  } else {
    throw Error("unknown config key '" + key +
                "'; valid top-level keys: name, seed, seeds, episodes, steps (or pulls), "
                "schedule_steps, save_agent, vector_threads, and the tables [log], [eval], "
                "[checkpoint], [[env]], "
                "[[agent]]");
  }
}

void apply_eval(ExperimentConfig& cfg, const std::string& key, const toml::node& node) {
  if (key == "every") {
    cfg.eval_every = int_value(node, "eval.every", 0);
  } else if (key == "episodes") {
    cfg.eval_episodes = int_value(node, "eval.episodes", 1);
  } else {
    throw Error("unknown config key 'eval." + key + "'; valid keys in [eval]: every, episodes");
  }
}

void apply_checkpoint(ExperimentConfig& cfg, const std::string& key, const toml::node& node) {
  if (key != "every")
    throw Error("unknown config key 'checkpoint." + key + "'; valid keys in [checkpoint]: every");
  auto i = node.as_integer();
  if (!i || i->get() < 0)
    throw Error(
        "config key 'checkpoint.every' must be 0 (no checkpoints) or a positive number "
        "of env steps between checkpoints" +
        (i ? ", not " + std::to_string(i->get()) : std::string()));
  cfg.checkpoint_every = i->get();
}

void apply_log(ExperimentConfig& cfg, const std::string& key, const toml::node& node) {
  if (key == "steps") {
    auto b = node.as_boolean();
    if (!b) throw Error("config key 'log.steps' must be true or false");
    cfg.log_steps = b->get();
  } else if (key == "steps_every") {
    cfg.steps_every = int_value(node, "log.steps_every", 1);
  } else if (key == "steps_runs") {
    auto a = node.as_array();
    if (!a) throw Error("config key 'log.steps_runs' must be a list of run indices, e.g. [0, 3]");
    std::set<std::int64_t> seen;
    cfg.steps_runs.clear();
    for (const auto& el : *a) {
      auto i = el.as_integer();
      if (!i || i->get() < 0)
        throw Error("config key 'log.steps_runs' must hold run indices (integers >= 0)");
      if (!seen.insert(i->get()).second)
        throw Error("config key 'log.steps_runs' lists run " + std::to_string(i->get()) + " twice");
      cfg.steps_runs.push_back(i->get());
    }
    if (cfg.steps_runs.empty())
      throw Error(
          "config key 'log.steps_runs' is an empty list: leave it out to log every "
          "run, or set log.steps = false");
  } else if (key == "steps_compression") {
    auto s = node.as_string();
    if (s && s->get() == "lzf")
      throw Error(
          "config key 'log.steps_compression' = \"lzf\" is not available: LZF is "
          "h5py's own filter, which the HDF5 library (and so rlsim and other HDF5 "
          "readers) does not have; use \"gzip\" (with log.steps_compression_level) "
          "or \"none\"");
    if (!s || (s->get() != "none" && s->get() != "gzip"))
      throw Error(
          "config key 'log.steps_compression' must be \"none\" or \"gzip\" (shuffle, "
          "then deflate at log.steps_compression_level)");
    cfg.steps_compression = s->get();
  } else if (key == "steps_compression_level") {
    cfg.steps_compression_level = int_value(node, "log.steps_compression_level", 1);
    if (cfg.steps_compression_level > 9)
      throw Error("config key 'log.steps_compression_level' = " +
                  std::to_string(cfg.steps_compression_level) +
                  " must be a deflate level from 1 (fastest) to 9 (smallest)");
  } else if (key == "regret") {
    auto s = node.as_string();
    if (!s || (s->get() != "log" && s->get() != "every"))
      throw Error("config key 'log.regret' must be \"log\" (log-spaced checkpoints) or \"every\"");
    cfg.regret_every_step = s->get() == "every";
  } else if (key == "out") {
    auto s = node.as_string();
    if (!s) throw Error("config key 'log.out' must be a file path string");
    cfg.out = s->get();
  } else {
    throw Error("unknown config key 'log." + key +
                "'; valid keys in [log]: steps, steps_every, steps_runs, steps_compression, "
                "steps_compression_level, regret, out");
  }
}

// Whether `value` is written as a number (sign, digits, a point, an exponent), though TOML
// may not take it: a number too large for an integer or a float.
bool looks_numeric(const std::string& value) {
  std::size_t i = value.find_first_not_of("+-");
  if (i == std::string::npos || i > 1) return false;
  bool digits = false;
  for (; i < value.size(); ++i) {
    const char c = value[i];
    if (c >= '0' && c <= '9')
      digits = true;
    else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != '+' && c != '-')
      return false;
  }
  return digits;
}

// Parses the right-hand side of an override `text` as a TOML value; bare words become
// strings. A number out of the range of a 64-bit integer or of a double is an error (not a
// string, which would be refused later as "got string").
toml::table parse_override_value(const std::string& value, const std::string& text) {
  try {
    return toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    if (looks_numeric(value)) {
      const bool integer = value.find_first_of(".eE") == std::string::npos;
      std::string digits;
      for (char c : value)
        if (c != '_') digits += c;
      errno = 0;
      char* end = nullptr;
      if (integer)
        (void)std::strtoll(digits.c_str(), &end, 10);
      else
        (void)std::strtod(digits.c_str(), &end);
      if (errno == ERANGE) {
        const std::string shown =
            value.size() > 24
                ? value.substr(0, 20) + "... (" + std::to_string(value.size()) + " characters)"
                : value;
        throw Error("override '" + (text.size() > 60 ? text.substr(0, 60) + "..." : text) +
                    "': the number " + shown + " is out of the range of " +
                    (integer ? "an integer (64 bits: -9223372036854775808 to 9223372036854775807)"
                             : "a float (64 bits: magnitudes up to about 1.8e308)"));
      }
    }
    toml::table t;
    t.insert("v", value);
    return t;
  }
}

// The step-log keys only mean something with log.steps = true.
void check_step_log_keys(const ExperimentConfig& cfg, const std::string& source) {
  if (cfg.log_steps) return;
  const char* key = cfg.steps_every != 1               ? "log.steps_every"
                    : !cfg.steps_runs.empty()          ? "log.steps_runs"
                    : cfg.steps_compression != "gzip"  ? "log.steps_compression"
                    : cfg.steps_compression_level != 1 ? "log.steps_compression_level"
                                                       : nullptr;
  if (key)
    throw Error(source + ": " + key + " is set but log.steps is false, so no step is logged: " +
                "set log.steps = true, or leave " + key + " out");
}

void apply_override(ExperimentConfig& cfg, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("override '" + text + "' is not of the form key=value (e.g. episodes=100)");
  std::string key = text.substr(0, eq);
  const toml::table vt = parse_override_value(text.substr(eq + 1), text);
  const toml::node& node = *vt.get("v");
  auto component_override = [&](std::vector<ComponentConfig>& list, const std::string& kind,
                                std::string rest) {
    std::vector<ComponentConfig*> targets;
    if (!rest.empty() && rest[0] == '[') {
      const auto close = rest.find(']');
      std::size_t idx = 0;
      try {
        idx = std::stoul(rest.substr(1, close - 1));
      } catch (...) {
        throw Error("override '" + text + "': expected " + kind + "[N].key=value");
      }
      if (close == std::string::npos || idx >= list.size())
        throw Error("override '" + text + "': " +
                    (list.empty() ? "the config has no [[" + kind + "]] entry"
                     : list.size() == 1
                         ? "there is 1 " + kind + " entry (index 0)"
                         : "there are " + std::to_string(list.size()) + " " + kind +
                               " entries (indices 0 to " + std::to_string(list.size() - 1) + ")"));
      targets.push_back(&list[idx]);
      rest = rest.substr(close + 1);
    } else {
      for (auto& c : list) targets.push_back(&c);
    }
    if (rest.size() < 2 || rest[0] != '.')
      throw Error("override '" + text + "': expected " + kind + ".key=value or " + kind +
                  "[N].key=value");
    const std::string param = rest.substr(1);
    if (targets.empty())
      throw Error("override '" + text + "': the config has no [[" + kind + "]] entry");
    for (auto* c : targets) {
      if (param == "id") {
        auto s = node.as_string();
        if (!s) throw Error("override '" + text + "': an id must be a string");
        c->id = s->get();
      } else {
        c->values[param] = value_from_node(node, "override '" + text + "'");
      }
    }
  };
  if (key.rfind("log.", 0) == 0)
    apply_log(cfg, key.substr(4), node);
  else if (key.rfind("eval.", 0) == 0)
    apply_eval(cfg, key.substr(5), node);
  else if (key.rfind("checkpoint.", 0) == 0)
    apply_checkpoint(cfg, key.substr(11), node);
  else if (key.rfind("env", 0) == 0 && key.size() > 3 && (key[3] == '.' || key[3] == '['))
    component_override(cfg.envs, "env", key.substr(3));
  else if (key.rfind("agent", 0) == 0 && key.size() > 5 && (key[5] == '.' || key[5] == '['))
    component_override(cfg.agents, "agent", key.substr(5));
  else
    apply_top(cfg, key, node);
}

}  // namespace

ExperimentConfig parse_config(const std::string& text, const std::string& source,
                              const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column
       << ": malformed TOML: " << e.description();
    throw Error(os.str());
  }
  ExperimentConfig cfg;
  cfg.source = source;
  if (root.contains("steps") && root.contains("pulls"))
    throw Error(source +
                ": both 'steps' and 'pulls' are set; pulls is another name for steps "
                "(bandit pulls are env steps): give one of them");
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (key == "log") {
      auto t = node.as_table();
      if (!t) throw Error(source + ": 'log' must be a table: [log]");
      for (const auto& [lk, ln] : *t) apply_log(cfg, std::string(lk.str()), ln);
    } else if (key == "eval") {
      auto t = node.as_table();
      if (!t) throw Error(source + ": 'eval' must be a table: [eval]");
      try {
        for (const auto& [ek, en] : *t) apply_eval(cfg, std::string(ek.str()), en);
      } catch (const Error& e) {
        throw Error(source + ": " + e.what());
      }
    } else if (key == "checkpoint") {
      auto t = node.as_table();
      if (!t) throw Error(source + ": 'checkpoint' must be a table: [checkpoint]");
      try {
        for (const auto& [ck, cn] : *t) apply_checkpoint(cfg, std::string(ck.str()), cn);
      } catch (const Error& e) {
        throw Error(source + ": " + e.what());
      }
    } else if (key == "env" || key == "agent") {
      auto arr = node.as_array();
      if (!arr || !arr->is_array_of_tables())
        throw Error(source + ": '" + key + "' must be an array of tables: [[" + key + "]]");
      auto& list = key == "env" ? cfg.envs : cfg.agents;
      for (std::size_t i = 0; i < arr->size(); ++i)
        list.push_back(component_from_table(*arr->get(i)->as_table(),
                                            source + ": " + key + "[" + std::to_string(i) + "]"));
    } else {
      try {
        apply_top(cfg, key, node);
      } catch (const Error& e) {
        throw Error(source + ": " + e.what());
      }
    }
  }
  for (const auto& o : overrides) apply_override(cfg, o);
  if (cfg.envs.empty()) throw Error(source + ": no [[env]] entry: add at least one env");
  if (cfg.agents.empty()) throw Error(source + ": no [[agent]] entry: add at least one agent");
  if (cfg.budget.episodes <= 0 && cfg.budget.steps <= 0)
    throw Error(source + ": no budget: set episodes = N or steps = N (or both)");
  check_step_log_keys(cfg, source);
  return cfg;
}

ExperimentConfig load_config_file(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  // Only a regular file of at most kMaxConfigBytes: /dev/zero or a FIFO would be read
  // without end, a directory reads as empty.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error("cannot read config file '" + path + "': " + std::strerror(errno) +
                " (check the path; shipped examples are in experiments/configs/)");
  if (S_ISDIR(st.st_mode))
    throw Error("config '" + path + "' is a directory: give a TOML file (shipped examples are " +
                "in experiments/configs/)");
  if (!S_ISREG(st.st_mode))
    throw Error("config '" + path +
                "' is not a regular file (a device, FIFO or socket): give a TOML file");
  auto too_big = [&] {
    return Error("config '" + path + "' is larger than " + std::to_string(kMaxConfigBytes >> 20) +
                 " MB: a config is a small TOML file; is this the right file?");
  };
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxConfigBytes) throw too_big();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read config file '" + path +
                "': check the path (shipped examples are in experiments/configs/)");
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) throw too_big();  // it grew since the stat
  return parse_config(text, path, overrides);
}

namespace {
std::string config_value_text(const ConfigValue& v) {
  if (!v.is_list) return format_param(v.scalar);
  std::string out = "[";
  for (std::size_t i = 0; i < v.items.size(); ++i)
    out += (i ? ", " : "") + format_param(v.items[i]);
  return out + "]";
}
void write_zips(std::ostream& os, const char* kind, const ComponentConfig& c) {
  for (const ZipGroup& z : c.zips) {
    os << "[[" << kind << ".zip]]\n";
    for (const auto& [k, v] : z) os << k << " = " << config_value_text(v) << "\n";
  }
}
}  // namespace

std::string config_to_toml(const ExperimentConfig& c) {
  std::ostringstream os;
  os << "name = " << format_param(c.name) << "\n";
  os << "seed = " << c.seed << "\n";
  os << "seeds = [";
  for (std::size_t i = 0; i < c.seeds.size(); ++i) os << (i ? ", " : "") << c.seeds[i];
  os << "]\n";
  os << "episodes = " << c.budget.episodes << "\n";
  os << "steps = " << c.budget.steps << "\n";
  // Only when set, so that the config text of other experiments stays as it was.
  if (c.budget.schedule_steps != 0) os << "schedule_steps = " << c.budget.schedule_steps << "\n";
  os << "save_agent = " << (c.save_agent ? "true" : "false") << "\n";
  os << "vector_threads = " << c.vector_threads << "\n\n[log]\n";
  os << "steps = " << (c.log_steps ? "true" : "false") << "\n";
  if (c.log_steps) {
    os << "steps_every = " << c.steps_every << "\n";
    if (!c.steps_runs.empty()) {
      os << "steps_runs = [";
      for (std::size_t i = 0; i < c.steps_runs.size(); ++i)
        os << (i ? ", " : "") << c.steps_runs[i];
      os << "]\n";
    }
    os << "steps_compression = \"" << c.steps_compression << "\"\n";
    os << "steps_compression_level = " << c.steps_compression_level << "\n";
  }
  os << "regret = \"" << (c.regret_every_step ? "every" : "log") << "\"\n";
  if (!c.out.empty()) os << "out = " << format_param(c.out) << "\n";
  os << "\n[eval]\nevery = " << c.eval_every << "\nepisodes = " << c.eval_episodes << "\n";
  // Only when set, so that the config text of other experiments stays as it was.
  if (c.checkpoint_every != 0) os << "\n[checkpoint]\nevery = " << c.checkpoint_every << "\n";
  for (const auto& e : c.envs) {
    os << "\n[[env]]\nid = " << format_param(e.id) << "\n";
    for (const auto& [k, v] : e.values) os << k << " = " << config_value_text(v) << "\n";
    write_zips(os, "env", e);
  }
  for (const auto& a : c.agents) {
    os << "\n[[agent]]\nid = " << format_param(a.id) << "\n";
    for (const auto& [k, v] : a.values) os << k << " = " << config_value_text(v) << "\n";
    write_zips(os, "agent", a);
  }
  return os.str();
}

}  // namespace rlsim
