// RunGrid (experiments/grid.hpp) and expand_runs (experiments/config.hpp).
#include "experiments/grid.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "core/error.hpp"

namespace rlsim {

namespace {

// One grid axis: its points, each setting one or more parameters (several for a zip group).
using Axis = std::vector<std::vector<std::pair<std::string, ParamValue>>>;

constexpr std::uint64_t kTooMany = std::numeric_limits<std::uint64_t>::max();

// a × b, or kTooMany when it does not fit.
std::uint64_t times(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kTooMany : r;
}
std::uint64_t plus(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kTooMany : r;
}
std::string count_text(std::uint64_t n) {
  return n == kTooMany ? "more than 2^64" : std::to_string(n);
}

// A config list as the value of a list-typed parameter (a list of numbers).
ParamValue number_list(const std::vector<ParamValue>& items, const std::string& key,
                       const std::string& id) {
  std::vector<double> xs;
  for (const auto& item : items) {
    if (auto i = std::get_if<std::int64_t>(&item))
      xs.push_back(static_cast<double>(*i));
    else if (auto d = std::get_if<double>(&item))
      xs.push_back(*d);
    else
      throw Error("parameter '" + key + "' of '" + id + "' must be a list of numbers");
  }
  return xs;
}

// Splits a component's values into fixed parameters and grid axes, using its schema.
void split_axes(const ComponentConfig& c, const ParamSchema& schema, std::vector<Axis>& axes,
                RawParams& fixed) {
  for (const auto& [key, v] : c.values) {
    const ParamSpec* spec = schema.find(key);
    const bool list_param = spec && is_list(spec->type);
    if (!v.is_list) {
      fixed[key] = v.scalar;
    } else if (list_param && !std::holds_alternative<std::vector<double>>(v.items.front())) {
      fixed[key] = number_list(v.items, key, c.id);  // a list of numbers is the value
    } else {
      Axis axis;  // a list of values (for a list parameter: a list of lists)
      for (const auto& item : v.items) axis.push_back({{key, item}});
      axes.push_back(std::move(axis));
    }
  }
  for (std::size_t zi = 0; zi < c.zips.size(); ++zi) {
    const ZipGroup& z = c.zips[zi];
    const std::string where = "zip group " + std::to_string(zi + 1) + " of '" + c.id + "'";
    Axis axis(z.begin()->second.items.size());
    for (const auto& [key, v] : z) {
      if (!schema.find(key)) {
        std::string valid;
        for (const auto& sp : schema.specs()) valid += (valid.empty() ? "" : ", ") + sp.name;
        throw Error(where + " names unknown parameter '" + key +
                    "'; valid parameters: " + (valid.empty() ? std::string("(none)") : valid));
      }
      if (c.values.count(key))
        throw Error(where + " lists '" + key +
                    "', which is also set outside the group; set it "
                    "in one place");
      for (std::size_t zj = 0; zj < zi; ++zj)
        if (c.zips[zj].count(key))
          throw Error(where + " lists '" + key + "', which zip group " + std::to_string(zj + 1) +
                      " lists too; a parameter belongs to one group");
      if (v.items.size() != axis.size())
        throw Error(where + ": its lists must have one length, but '" + z.begin()->first +
                    "' has " + std::to_string(axis.size()) + " values and '" + key + "' has " +
                    std::to_string(v.items.size()));
      const bool list_param = is_list(schema.find(key)->type);
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (list_param && !std::holds_alternative<std::vector<double>>(v.items[i]))
          throw Error(where + ": '" + key +
                      "' takes a list, so its zip entry must be a list of "
                      "lists (e.g. " +
                      key + " = [[0.1, 0.9], [0.5, 0.5]])");
        axis[i].emplace_back(key, v.items[i]);
      }
    }
    axes.push_back(std::move(axis));
  }
}

// "k1=v1 k2=v2" of raw parameters (as given in the config), for messages.
std::string raw_text(const RawParams& p) {
  std::string out;
  for (const auto& [k, v] : p) out += (out.empty() ? "" : " ") + k + "=" + format_param(v);
  return out;
}

}  // namespace

struct RunGrid::Entry {
  std::string kind;  // "env" or "agent"
  std::size_t index = 0;
  const ComponentConfig* config = nullptr;
  RawParams fixed;
  std::vector<Axis> axes;
  std::uint64_t points = 1;  // product of the axis sizes (kTooMany: more than fits)

  // Grid point i (0 ≤ i < points): the last axis varies fastest.
  RawParams point(std::uint64_t i) const {
    RawParams p = fixed;
    for (std::size_t k = axes.size(); k-- > 0;) {
      const std::uint64_t n = axes[k].size();
      for (const auto& [key, v] : axes[k][i % n]) p[key] = v;
      i /= n;
    }
    return p;
  }
  // "agent[1] (q-learning alpha=0.5)", or "agent[0] point 2 of 3 (...)" for an entry with a
  // grid of several points.
  std::string describe(std::uint64_t i) const {
    const std::string given = raw_text(point(i));
    return kind + "[" + std::to_string(index) + "]" +
           (points > 1 ? " point " + std::to_string(i + 1) + " of " + std::to_string(points)
                       : std::string()) +
           " (" + config->id + (given.empty() ? ", default parameters" : " " + given) + ")";
  }
};

RunGrid::RunGrid(const ExperimentConfig& config, const Registry& registry)
    : config_(config), registry_(registry) {
  auto entry = [](const std::string& kind, std::size_t i, const ComponentConfig& c,
                  const ParamSchema& schema) {
    Entry e;
    e.kind = kind;
    e.index = i;
    e.config = &c;
    split_axes(c, schema, e.axes, e.fixed);
    for (const Axis& axis : e.axes) e.points = times(e.points, axis.size());
    return e;
  };
  for (std::size_t i = 0; i < config.envs.size(); ++i) {
    const ComponentConfig& e = config.envs[i];
    ParamSchema schema = registry.env(e.id).schema;
    schema = Registry::with_common_env_params(std::move(schema));
    envs_.push_back(entry("env", i, e, schema));
  }
  for (std::size_t i = 0; i < config.agents.size(); ++i)
    agents_.push_back(
        entry("agent", i, config.agents[i], registry.agent(config.agents[i].id).schema));
  std::uint64_t env_points = 0, agent_points = 0;
  for (const Entry& e : envs_) env_points = plus(env_points, e.points);
  for (const Entry& a : agents_) agent_points = plus(agent_points, a.points);
  size_ = times(times(env_points, agent_points), config.seeds.size());
  steps_runs_ = config.steps_runs;
  std::sort(steps_runs_.begin(), steps_runs_.end());
  if (!steps_runs_.empty() && static_cast<std::uint64_t>(steps_runs_.back()) >= size_)
    throw Error("config key 'log.steps_runs' lists run " + std::to_string(steps_runs_.back()) +
                " but the grid has " + std::to_string(size_) + " run" + (size_ == 1 ? "" : "s") +
                " (indices 0 to " + std::to_string(size_ - 1) + ")");
}

RunGrid::~RunGrid() = default;

void RunGrid::check_size(std::uint64_t max_runs) const {
  if (size_ <= max_runs) return;
  std::string parts;
  for (const auto* list : {&envs_, &agents_})
    for (const Entry& e : *list)
      parts += (parts.empty() ? "" : ", ") + e.kind + "[" + std::to_string(e.index) + "] " +
               count_text(e.points);
  throw Error("the config's grid expands to " + count_text(size_) + " runs (grid points: " + parts +
              "; × " + std::to_string(config_.seeds.size()) + " seed" +
              (config_.seeds.size() == 1 ? "" : "s") + "), more than the limit of " +
              std::to_string(max_runs) +
              ": shorten the parameter lists, or raise the limit with --max-runs N");
}

void RunGrid::check_duplicates() const {
  for (const auto* list : {&envs_, &agents_}) {
    // key (id and resolved parameters) → (entry, point) that first gave it
    std::map<std::string, std::pair<const Entry*, std::uint64_t>> seen;
    for (const Entry& e : *list)
      for (std::uint64_t i = 0; i < e.points; ++i) {
        const RawParams raw = e.point(i);
        const Params resolved = e.kind == "env" ? registry_.resolve_env_params(e.config->id, raw)
                                                : registry_.resolve_agent_params(e.config->id, raw);
        const auto [it, inserted] =
            seen.try_emplace(e.config->id + "\n" + resolved.to_text(), &e, i);
        if (inserted) continue;
        const auto& [first, first_point] = it->second;
        throw Error("duplicate grid point: " + first->describe(first_point) + " and " +
                    e.describe(i) +
                    " resolve to the same parameters, so their runs would be identical and "
                    "analyze would pool them as if they were more seeds: remove one (for more "
                    "runs, raise seeds)");
      }
  }
}

void RunGrid::for_each_pair(const std::function<void(RunSpec&&)>& visit) const {
  // One spec per (env point, agent point), seed index 0: what validate() checks.
  for (const Entry& e : envs_)
    for (const Entry& a : agents_)
      for (std::uint64_t ei = 0; ei < e.points; ++ei) {
        const RawParams ep = e.point(ei);
        for (std::uint64_t ai = 0; ai < a.points; ++ai) {
          RunSpec r;
          r.env_id = e.config->id;
          r.env_params = ep;
          r.agent_id = a.config->id;
          r.agent_params = a.point(ai);
          r.master_seed = config_.seed;
          r.budget = config_.budget;
          r.log_steps = config_.log_steps;  // for_each narrows it to log.steps_runs
          r.steps_every = config_.steps_every;
          r.steps_compression = config_.steps_compression == "none"
                                    ? 0
                                    : static_cast<int>(config_.steps_compression_level);
          r.regret_every_step = config_.regret_every_step;
          r.eval_every = config_.eval_every;
          r.eval_episodes = config_.eval_episodes;
          r.save_agent = config_.save_agent;
          r.checkpoint_every = config_.checkpoint_every;
          r.vector_env_threads = config_.vector_threads;
          visit(std::move(r));
        }
      }
}

void RunGrid::validate() const {
  for_each_pair([&](RunSpec&& r) { validate_specs(registry_, {r}); });
}

void RunGrid::for_each(const std::function<void(RunSpec&&)>& visit) const {
  std::int64_t index = 0;
  for_each_pair([&](RunSpec&& pair) {
    for (std::int64_t s : config_.seeds) {
      RunSpec r = pair;
      r.run_index = index++;
      if (!config_.steps_runs.empty())
        r.log_steps =
            r.log_steps && std::binary_search(steps_runs_.begin(), steps_runs_.end(), r.run_index);
      r.seed_index = s;
      visit(std::move(r));
    }
  });
}

std::vector<RunSpec> expand_runs(const ExperimentConfig& config, const Registry& registry,
                                 std::uint64_t max_runs) {
  const RunGrid grid(config, registry);
  grid.check_size(max_runs);
  std::vector<RunSpec> runs;
  runs.reserve(grid.size());
  grid.for_each([&](RunSpec&& r) { runs.push_back(std::move(r)); });
  validate_specs(registry, runs);
  grid.check_duplicates();
  return runs;
}

}  // namespace rlsim
