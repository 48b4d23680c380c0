#include "experiments/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <map>
#include <numeric>
#include <ostream>
#include <sstream>

#include <boost/math/distributions/students_t.hpp>

namespace rlsim {

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
double mean_of(const std::vector<double>& xs) {
  if (xs.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

struct Acc {
  GroupSummary g;
  std::vector<double> returns, lengths, successes, regrets, episodes;
  std::int64_t order = 0;
};

std::string fmt(double x, int precision = 2) {
  if (std::isnan(x)) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(precision) << x;
  return os.str();
}

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
}  // namespace

Summary summarize(const ExperimentReader& reader, std::int64_t last_k) {
  Summary s;
  s.last_k = last_k;
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
    auto [it, inserted] = groups.try_emplace(r.group);
    Acc& a = it->second;
    if (inserted) {
      a.order = order++;
      a.g.env_id = r.env_id;
      a.g.agent_id = r.agent_id;
      a.g.env_params = r.env_params;
      a.g.agent_params = r.agent_params;
      a.g.group = r.group;
    }
    const EpisodeTable& e = r.episodes;
    const std::size_t n = e.size();
    const std::size_t k = std::min<std::size_t>(n, static_cast<std::size_t>(last_k));
    a.episodes.push_back(static_cast<double>(n));
    if (k > 0) {
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
    ++a.g.runs;
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
    if (!a->regrets.empty()) {
      g.final_regret = mean_of(a->regrets);
      g.regret_ci95 = ci95_half_width(a->regrets);
    }
    s.groups.push_back(std::move(g));
  }
  return s;
}

void print_summary(std::ostream& os, const Summary& s) {
  bool any_regret = false, any_success = false;
  for (const auto& g : s.groups) {
    any_regret |= g.final_regret >= 0;
    any_success |= g.success_rate >= 0;
  }
  struct Row {
    std::vector<std::string> cells;
  };
  std::vector<std::string> header{
      "env",     "agent", "runs", "episodes", "return (last " + std::to_string(s.last_k) + ")",
      "±95% CI", "length"};
  if (any_success) header.push_back("success");
  if (any_regret) {
    header.push_back("regret");
    header.push_back("±95% CI");
  }
  std::vector<Row> rows;
  for (const auto& g : s.groups) {
    Row r;
    r.cells = {
        g.env_id,           g.agent_id,         std::to_string(g.runs), std::to_string(g.episodes),
        fmt(g.mean_return), fmt(g.return_ci95), fmt(g.mean_length, 1)};
    if (any_success) r.cells.push_back(g.success_rate >= 0 ? fmt(g.success_rate, 3) : "-");
    if (any_regret) {
      r.cells.push_back(g.final_regret >= 0 ? fmt(g.final_regret, 1) : "-");
      r.cells.push_back(g.final_regret >= 0 ? fmt(g.regret_ci95, 1) : "-");
    }
    rows.push_back(std::move(r));
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r.cells[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c < 2)
        os << std::left << std::setw(static_cast<int>(width[c])) << cells[c];
      else
        os << std::right << std::setw(static_cast<int>(width[c])) << cells[c];
      os << (c + 1 < cells.size() ? "  " : "\n");
    }
  };
  line(header);
  for (const auto& r : rows) line(r.cells);
  // Rows of the same env and agent differ in their parameters: list the ones that vary.
  std::map<std::string, std::vector<std::size_t>> by_pair;
  for (std::size_t i = 0; i < s.groups.size(); ++i)
    by_pair[s.groups[i].env_id + " / " + s.groups[i].agent_id].push_back(i);
  bool header_done = false;
  for (const auto& [pair, rows_of_pair] : by_pair) {
    if (rows_of_pair.size() < 2) continue;
    auto split = [](const std::string& text) {
      std::vector<std::string> out;
      std::istringstream is(text);
      std::string kv;
      while (is >> kv) out.push_back(kv);
      return out;
    };
    for (std::size_t i : rows_of_pair) {
      const auto mine = split(s.groups[i].env_params + " " + s.groups[i].agent_params);
      std::string differing;
      for (const auto& kv : mine) {
        bool shared = true;
        for (std::size_t j : rows_of_pair) {
          const auto other = split(s.groups[j].env_params + " " + s.groups[j].agent_params);
          if (std::find(other.begin(), other.end(), kv) == other.end()) shared = false;
        }
        if (!shared) differing += (differing.empty() ? "" : " ") + kv;
      }
      if (!header_done) {
        os << "rows that differ in parameters:\n";
        header_done = true;
      }
      os << "  row " << i + 1 << " (" << pair << "): " << differing << "\n";
    }
  }
  if (s.incomplete_runs > 0)
    os << "note: " << s.incomplete_runs
       << " incomplete run(s) skipped (the experiment was interrupted)\n";
  else if (!s.file_complete)
    os << "note: the experiment did not finish; only its complete runs are shown\n";
}

void write_summary_csv(std::ostream& os, const Summary& s) {
  os << "env,agent,env_params,agent_params,runs,episodes,last_k,mean_return,return_ci95,"
        "mean_length,success_rate,final_regret,regret_ci95,regret_steps\n";
  auto num = [](double x) {
    if (std::isnan(x)) return std::string();
    std::ostringstream o;
    o << std::setprecision(10) << x;
    return o.str();
  };
  for (const auto& g : s.groups) {
    os << csv_quote(g.env_id) << "," << csv_quote(g.agent_id) << "," << csv_quote(g.env_params)
       << "," << csv_quote(g.agent_params) << "," << g.runs << "," << g.episodes << "," << s.last_k
       << "," << num(g.mean_return) << "," << num(g.return_ci95) << "," << num(g.mean_length) << ","
       << (g.success_rate >= 0 ? num(g.success_rate) : "") << ","
       << (g.final_regret >= 0 ? num(g.final_regret) : "") << ","
       << (g.final_regret >= 0 ? num(g.regret_ci95) : "") << ","
       << (g.final_regret >= 0 ? std::to_string(g.regret_steps) : "") << "\n";
  }
}

namespace {

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A JSON number, or null for NaN/inf and for "not defined" (negative sentinel).
std::string json_number(double x, bool defined = true) {
  if (!defined || !std::isfinite(x)) return "null";
  std::ostringstream o;
  o << std::setprecision(17) << x;
  return o.str();
}

}  // namespace

void write_summary_json(std::ostream& os, const Summary& s) {
  os << "{\n  \"complete_runs\": " << s.complete_runs
     << ",\n  \"incomplete_runs\": " << s.incomplete_runs
     << ",\n  \"file_complete\": " << (s.file_complete ? "true" : "false")
     << ",\n  \"last_k\": " << s.last_k << ",\n  \"groups\": [";
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    const GroupSummary& g = s.groups[i];
    os << (i ? "," : "") << "\n    {\"group\": " << json_string(g.group)
       << ", \"env_id\": " << json_string(g.env_id) << ", \"agent_id\": " << json_string(g.agent_id)
       << ", \"env_params\": " << json_string(g.env_params)
       << ", \"agent_params\": " << json_string(g.agent_params) << ", \"runs\": " << g.runs
       << ", \"episodes\": " << g.episodes << ", \"mean_return\": " << json_number(g.mean_return)
       << ", \"return_ci95\": " << json_number(g.return_ci95)
       << ", \"mean_length\": " << json_number(g.mean_length)
       << ", \"success_rate\": " << json_number(g.success_rate, g.success_rate >= 0)
       << ", \"final_regret\": " << json_number(g.final_regret, g.final_regret >= 0)
       << ", \"regret_ci95\": " << json_number(g.regret_ci95, g.final_regret >= 0)
       << ", \"regret_steps\": "
       << (g.final_regret >= 0 ? std::to_string(g.regret_steps) : std::string("null")) << "}";
  }
  os << (s.groups.empty() ? "" : "\n  ") << "]\n}\n";
}

}  // namespace rlsim
