// rlsim analyze's statistics: runs grouped (by their parameters or --group-by), the per-run
// statistics and their means with 95% intervals (summarize; experiments/analyze.hpp).
#include "experiments/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include <boost/math/distributions/students_t.hpp>

#include "core/error.hpp"
#include "experiments/analyze_util.hpp"
#include "experiments/cli_util.hpp"

namespace rlsim {

using analyze_detail::mean_of;

double ci95_half_width(const std::vector<double>& xs) {
  const std::size_t n = xs.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(n);
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n - 1));
  boost::math::students_t dist(static_cast<double>(n - 1));
  return boost::math::quantile(dist, 0.975) * sd / std::sqrt(static_cast<double>(n));
}

namespace {

struct Acc {
  GroupSummary g;
  std::vector<double> returns, lengths, successes, regrets, episodes, evals;
  std::int64_t order = 0;
};

}  // namespace

std::optional<std::string> param_from_text(const std::string& text, const std::string& name) {
  for (const auto& [key, value] : parse_params_text(text))
    if (key == name) return value;
  return std::nullopt;
}

namespace analyze_detail {

std::vector<std::string> differing_params(const std::vector<const GroupSummary*>& rows) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  std::vector<std::pair<Pairs, Pairs>> parsed;  // (env, agent) of each row
  for (const GroupSummary* g : rows)
    parsed.emplace_back(parse_params_text(g->env_params), parse_params_text(g->agent_params));
  auto value_in = [](const Pairs& ps, const std::string& key) -> const std::string* {
    for (const auto& [k, v] : ps)
      if (k == key) return &v;
    return nullptr;
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string text;
    for (int side = 0; side < 2; ++side) {
      const Pairs& mine = side == 0 ? parsed[i].first : parsed[i].second;
      for (const auto& [key, value] : mine) {
        bool shared = true;
        for (const auto& other : parsed) {
          const std::string* v = value_in(side == 0 ? other.first : other.second, key);
          shared = shared && v && *v == value;
        }
        if (!shared) text += (text.empty() ? "" : " ") + key + "=" + short_param_value(value);
      }
    }
    out.push_back(text);
  }
  return out;
}

std::string last_text(std::int64_t last_k, std::int64_t fewest, std::int64_t most) {
  if (most <= 0) return "last " + std::to_string(last_k);
  if (fewest == most) return (most >= last_k ? "last " : "all ") + std::to_string(most);
  return "last " + std::to_string(fewest) + "-" + std::to_string(most);
}

}  // namespace analyze_detail

namespace {

// The grouping key of a run under --group-by, and whether every name was found.
std::string group_key(const StoredRun& r, const std::vector<std::string>& names,
                      std::vector<bool>& found) {
  std::string key;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    std::optional<std::string> v;
    if (n == "env")
      v = r.env_id;
    else if (n == "agent")
      v = r.agent_id;
    else if (n == "seed")
      v = std::to_string(r.seed_index);
    else if (!(v = param_from_text(r.env_params, n)))
      v = param_from_text(r.agent_params, n);
    if (v) found[i] = true;
    key += (key.empty() ? "" : " ") + n + "=" + (v ? *v : std::string("-"));
  }
  return key;
}

}  // namespace

Summary summarize(const ExperimentReader& reader, std::int64_t last_k,
                  const std::vector<std::string>& group_by) {
  Summary s;
  s.last_k = last_k;
  s.group_by = group_by;
  std::vector<bool> found(group_by.size(), false);
  std::set<std::string> available{"env", "agent", "seed"};
  s.file_complete = reader.meta().complete;
  std::map<std::string, Acc> groups;
  std::int64_t order = 0;
  for (std::int64_t idx : reader.run_indices()) {
    StoredRun r = reader.read_run(idx, false);
    if (!r.complete) {
      ++s.incomplete_runs;
      continue;
    }
    ++s.complete_runs;
    const std::string key = group_by.empty() ? r.group : group_key(r, group_by, found);
    if (!group_by.empty())
      for (const std::string* text : {&r.env_params, &r.agent_params})
        for (const auto& [name, value] : parse_params_text(*text)) available.insert(name);
    auto [it, inserted] = groups.try_emplace(key);
    Acc& a = it->second;
    if (inserted) {
      a.order = order++;
      a.g.env_id = r.env_id;
      a.g.agent_id = r.agent_id;
      a.g.env_params = group_by.empty() ? r.env_params : std::string();
      a.g.agent_params = group_by.empty() ? r.agent_params : std::string();
      a.g.group = key;
    } else if (!group_by.empty()) {
      // Pooled runs of several envs or agents: say so instead of naming one.
      if (a.g.env_id != r.env_id) a.g.env_id = "*";
      if (a.g.agent_id != r.agent_id) a.g.agent_id = "*";
    }
    const EpisodeTable& e = r.episodes;
    const std::size_t n = e.size();
    const std::size_t k = std::min<std::size_t>(n, static_cast<std::size_t>(last_k));
    a.episodes.push_back(static_cast<double>(n));
    if (k > 0) {
      const auto averaged = static_cast<std::int64_t>(k);
      s.fewest_averaged = s.most_averaged == 0 ? averaged : std::min(s.fewest_averaged, averaged);
      s.most_averaged = std::max(s.most_averaged, averaged);
      double ret = 0, len = 0, succ = 0;
      bool has_success = true;
      for (std::size_t i = n - k; i < n; ++i) {
        ret += e.returns[i];
        len += static_cast<double>(e.lengths[i]);
        if (e.success[i] < 0) has_success = false;
        succ += e.success[i] > 0 ? 1.0 : 0.0;
      }
      a.returns.push_back(ret / static_cast<double>(k));
      a.lengths.push_back(len / static_cast<double>(k));
      if (has_success) a.successes.push_back(succ / static_cast<double>(k));
    }
    if (r.regret.size() > 0) {
      a.regrets.push_back(r.regret.pseudo_regret.back());
      a.g.regret_steps = r.regret.step.back();
    }
    if (r.evaluations.size() > 0) {
      // The final evaluation: the rows of the run's last evaluation, which share its step.
      const EvalTable& ev = r.evaluations;
      const std::int64_t last = ev.step.back();
      double sum = 0;
      std::int64_t count = 0;
      for (std::size_t i = ev.size(); i > 0 && ev.step[i - 1] == last; --i, ++count)
        sum += ev.returns[i - 1];
      a.evals.push_back(sum / static_cast<double>(count));
      a.g.eval_step = std::max(a.g.eval_step, last);
      a.g.eval_episodes = std::max(a.g.eval_episodes, count);
    }
    ++a.g.runs;
  }
  for (std::size_t i = 0; i < group_by.size(); ++i)
    if (!found[i] && s.complete_runs > 0) {
      std::string names;
      for (const auto& n : available) names += (names.empty() ? "" : ", ") + n;
      throw Error("--group-by '" + group_by[i] + "' is not a parameter of any run in the file; " +
                  "available: " + names);
    }
  std::vector<Acc*> ordered;
  for (auto& [key, a] : groups) ordered.push_back(&a);
  std::sort(ordered.begin(), ordered.end(), [](auto* x, auto* y) { return x->order < y->order; });
  for (Acc* a : ordered) {
    GroupSummary g = a->g;
    g.episodes = static_cast<std::int64_t>(std::llround(mean_of(a->episodes)));
    g.mean_return = mean_of(a->returns);
    g.return_ci95 = ci95_half_width(a->returns);
    g.mean_length = mean_of(a->lengths);
    g.success_rate = a->successes.size() == a->returns.size() && !a->successes.empty()
                         ? mean_of(a->successes)
                         : -1.0;
    g.run_returns = a->returns;
    g.run_regrets = a->regrets;
    if (!a->regrets.empty()) {
      g.final_regret = mean_of(a->regrets);
      g.regret_ci95 = ci95_half_width(a->regrets);
    }
    g.run_evals = a->evals;
    if (!a->evals.empty()) {
      g.has_eval = true;
      g.final_eval = mean_of(a->evals);
      g.eval_ci95 = ci95_half_width(a->evals);
    }
    s.groups.push_back(std::move(g));
  }
  return s;
}

}  // namespace rlsim
