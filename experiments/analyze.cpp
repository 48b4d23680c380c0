#include "experiments/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <numeric>
#include <ostream>
#include <set>
#include <sstream>

#include <boost/math/distributions/students_t.hpp>

#include "core/error.hpp"

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

std::optional<std::string> param_from_text(const std::string& text, const std::string& name) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t eq = text.find('=', i);
    if (eq == std::string::npos) return std::nullopt;
    const std::string key = text.substr(i, eq - i);
    std::size_t j = eq + 1;
    int depth = 0;
    bool quoted = false;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (quoted) {
        if (c == '\\')
          ++j;
        else if (c == '"')
          quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        --depth;
      } else if (c == ' ' && depth == 0) {
        break;
      }
    }
    if (key == name) return text.substr(eq + 1, j - eq - 1);
    i = j;
  }
  return std::nullopt;
}

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
        for (std::size_t p = 0; p < text->size();) {
          while (p < text->size() && (*text)[p] == ' ') ++p;
          const std::size_t eq = text->find('=', p);
          if (eq == std::string::npos) break;
          const std::string name = text->substr(p, eq - p);
          available.insert(name);
          p = eq + 1 + param_from_text(text->substr(p), name).value_or("").size();
        }
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
  const bool by = !s.group_by.empty();
  std::vector<std::string> header{
      "env",     "agent", "runs", "episodes", "return (last " + std::to_string(s.last_k) + ")",
      "±95% CI", "length"};
  if (by) header.insert(header.begin(), "group");
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
    if (by) r.cells.insert(r.cells.begin(), g.group);
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
      if (c < (by ? 3u : 2u))
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
  for (std::size_t i = 0; i < s.groups.size() && !by; ++i)
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

WelchInterval welch_difference(const std::vector<double>& a, const std::vector<double>& b) {
  WelchInterval w;
  w.diff = mean_of(b) - mean_of(a);
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  if (a.size() < 2 || b.size() < 2) {
    w.half_width = w.df = std::numeric_limits<double>::quiet_NaN();
    return w;
  }
  auto var = [](const std::vector<double>& xs) {
    const double m = mean_of(xs);
    double ss = 0;
    for (double x : xs) ss += (x - m) * (x - m);
    return ss / static_cast<double>(xs.size() - 1);
  };
  const double va = var(a) / na, vb = var(b) / nb;
  const double se2 = va + vb;
  if (se2 <= 0) {
    w.half_width = 0;
    w.df = na + nb - 2;
    w.significant = w.diff != 0;
    return w;
  }
  w.df = se2 * se2 / (va * va / (na - 1) + vb * vb / (nb - 1));
  boost::math::students_t dist(w.df);
  w.half_width = boost::math::quantile(dist, 0.975) * std::sqrt(se2);
  w.significant = std::abs(w.diff) > w.half_width;
  return w;
}

Comparison compare_summaries(const Summary& a, const Summary& b, const std::string& file_a,
                             const std::string& file_b) {
  if (a.group_by != b.group_by || a.last_k != b.last_k)
    throw Error("compare: the two summaries must use the same --group-by and --last");
  Comparison c;
  c.file_a = file_a;
  c.file_b = file_b;
  c.last_k = a.last_k;
  c.group_by = a.group_by;
  std::map<std::string, const GroupSummary*> in_b;
  for (const auto& g : b.groups) in_b[g.group] = &g;
  std::set<std::string> matched;
  for (const auto& ga : a.groups) {
    const auto it = in_b.find(ga.group);
    if (it == in_b.end()) {
      c.only_a.push_back(ga);
      continue;
    }
    matched.insert(ga.group);
    GroupComparison gc;
    gc.a = ga;
    gc.b = *it->second;
    gc.return_diff = welch_difference(gc.a.run_returns, gc.b.run_returns);
    gc.has_regret = !gc.a.run_regrets.empty() && !gc.b.run_regrets.empty();
    if (gc.has_regret) gc.regret_diff = welch_difference(gc.a.run_regrets, gc.b.run_regrets);
    c.both.push_back(std::move(gc));
  }
  for (const auto& gb : b.groups)
    if (!matched.count(gb.group)) c.only_b.push_back(gb);
  return c;
}

void print_comparison(std::ostream& os, const Comparison& c) {
  os << "A: " << c.file_a << "\nB: " << c.file_b << "\n";
  os << "final return = mean of the last " << c.last_k
     << " episodes per run; ± = 95% interval; B − A with Welch's t interval; * = significant "
        "(interval excludes 0)\n\n";
  bool any_regret = false;
  for (const auto& g : c.both) any_regret |= g.has_regret;
  std::vector<std::string> header{"group",    "runs A", "runs B", "return A", "±95%",
                                  "return B", "±95%",   "B − A",  "±95%",     ""};
  if (any_regret)
    for (const char* h : {"regret A", "±95%", "regret B", "±95%", "B − A", "±95%", ""})
      header.push_back(h);
  // Row labels: the --group-by key, else "env / agent" plus the parameters that differ
  // between the rows of the same env and agent (the full key is in --csv and --json).
  auto tokens = [](const GroupSummary& g) {
    std::vector<std::string> out;
    std::istringstream is(g.env_params + " " + g.agent_params);
    for (std::string kv; is >> kv;) out.push_back(kv);
    return out;
  };
  auto label = [&](const GroupSummary& g) {
    if (!c.group_by.empty()) return g.group;
    std::string l = g.env_id + " / " + g.agent_id;
    const auto mine = tokens(g);
    for (const auto& kv : mine)
      for (const auto& o : c.both)
        if (&o.a != &g && o.a.env_id == g.env_id && o.a.agent_id == g.agent_id) {
          const auto theirs = tokens(o.a);
          if (std::find(theirs.begin(), theirs.end(), kv) == theirs.end()) {
            l += " " + kv;
            break;
          }
        }
    return l;
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& g : c.both) {
    std::vector<std::string> r{label(g.a),
                               std::to_string(g.a.runs),
                               std::to_string(g.b.runs),
                               fmt(g.a.mean_return),
                               fmt(g.a.return_ci95),
                               fmt(g.b.mean_return),
                               fmt(g.b.return_ci95),
                               fmt(g.return_diff.diff),
                               fmt(g.return_diff.half_width),
                               g.return_diff.significant ? "*" : ""};
    if (any_regret) {
      if (g.has_regret) {
        for (const std::string& cell :
             {fmt(g.a.final_regret, 1), fmt(g.a.regret_ci95, 1), fmt(g.b.final_regret, 1),
              fmt(g.b.regret_ci95, 1), fmt(g.regret_diff.diff, 1),
              fmt(g.regret_diff.half_width, 1)})
          r.push_back(cell);
        r.push_back(g.regret_diff.significant ? "*" : "");
      } else {
        for (int i = 0; i < 6; ++i) r.push_back("-");
        r.push_back("");
      }
    }
    rows.push_back(std::move(r));
  }
  // Column widths count characters, not bytes ("±" and "−" are two and three bytes).
  auto width_of = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    width[i] = width_of(header[i]);
    for (const auto& r : rows) width[i] = std::max(width[i], width_of(r[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(width[i] - width_of(cells[i]), ' ');
      out += i == 0 ? cells[i] + pad : pad + cells[i];
      if (i + 1 < cells.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    os << out << "\n";
  };
  if (c.both.empty())
    os << "no group is present in both files\n";
  else {
    line(header);
    for (const auto& r : rows) line(r);
  }
  auto list_only = [&](const std::vector<GroupSummary>& gs, const char* which) {
    if (gs.empty()) return;
    os << "\nonly in " << which << " (" << gs.size() << " group" << (gs.size() == 1 ? "" : "s")
       << "):\n";
    for (const auto& g : gs)
      os << "  " << g.group << "  (" << g.runs << " runs, return " << fmt(g.mean_return) << ")\n";
  };
  list_only(c.only_a, "A");
  list_only(c.only_b, "B");
}

namespace {

std::string csv_number(double x) {
  if (!std::isfinite(x)) return std::string();
  std::ostringstream o;
  o << std::setprecision(10) << x;
  return o.str();
}

}  // namespace

void write_comparison_csv(std::ostream& os, const Comparison& c) {
  os << "group,env,agent,env_params,agent_params,in,last_k,runs_a,runs_b,return_a,return_a_ci95,"
        "return_b,return_b_ci95,return_diff,return_diff_ci95,return_significant,regret_a,"
        "regret_a_ci95,regret_b,regret_b_ci95,regret_diff,regret_diff_ci95,regret_significant\n";
  auto ids = [&](const GroupSummary& g, const char* in) {
    os << csv_quote(g.group) << "," << csv_quote(g.env_id) << "," << csv_quote(g.agent_id) << ","
       << csv_quote(g.env_params) << "," << csv_quote(g.agent_params) << "," << in << ","
       << c.last_k << ",";
  };
  auto side = [&](const GroupSummary* g) {
    return g ? std::pair{csv_number(g->mean_return), csv_number(g->return_ci95)}
             : std::pair{std::string(), std::string()};
  };
  auto regret_side = [&](const GroupSummary* g) {
    return g && g->final_regret >= 0
               ? std::pair{csv_number(g->final_regret), csv_number(g->regret_ci95)}
               : std::pair{std::string(), std::string()};
  };
  for (const auto& g : c.both) {
    ids(g.a, "both");
    const auto [ra, rca] = side(&g.a);
    const auto [rb, rcb] = side(&g.b);
    os << g.a.runs << "," << g.b.runs << "," << ra << "," << rca << "," << rb << "," << rcb << ","
       << csv_number(g.return_diff.diff) << "," << csv_number(g.return_diff.half_width) << ","
       << (g.return_diff.significant ? 1 : 0) << ",";
    if (g.has_regret) {
      const auto [ga, gca] = regret_side(&g.a);
      const auto [gb, gcb] = regret_side(&g.b);
      os << ga << "," << gca << "," << gb << "," << gcb << "," << csv_number(g.regret_diff.diff)
         << "," << csv_number(g.regret_diff.half_width) << ","
         << (g.regret_diff.significant ? 1 : 0) << "\n";
    } else {
      os << ",,,,,,\n";
    }
  }
  for (const auto* list : {&c.only_a, &c.only_b})
    for (const auto& g : *list) {
      const bool is_a = list == &c.only_a;
      ids(g, is_a ? "a" : "b");
      const auto [r, rc] = side(&g);
      const auto [gg, gc] = regret_side(&g);
      if (is_a)
        os << g.runs << ",," << r << "," << rc << ",,,,,," << gg << "," << gc << ",,,,,\n";
      else
        os << "," << g.runs << ",,," << r << "," << rc << ",,,,,," << gg << "," << gc << ",,,\n";
    }
}

namespace {

std::string json_interval(const WelchInterval& w) {
  return "{\"diff\": " + json_number(w.diff) + ", \"ci95\": " + json_number(w.half_width) +
         ", \"df\": " + json_number(w.df) +
         ", \"significant\": " + (w.significant ? "true" : "false") + "}";
}

std::string json_side(const GroupSummary& g) {
  return "{\"runs\": " + std::to_string(g.runs) +
         ", \"mean_return\": " + json_number(g.mean_return) +
         ", \"return_ci95\": " + json_number(g.return_ci95) +
         ", \"final_regret\": " + json_number(g.final_regret, g.final_regret >= 0) +
         ", \"regret_ci95\": " + json_number(g.regret_ci95, g.final_regret >= 0) + "}";
}

std::string json_ids(const GroupSummary& g) {
  return "\"group\": " + json_string(g.group) + ", \"env_id\": " + json_string(g.env_id) +
         ", \"agent_id\": " + json_string(g.agent_id) +
         ", \"env_params\": " + json_string(g.env_params) +
         ", \"agent_params\": " + json_string(g.agent_params);
}

}  // namespace

void write_comparison_json(std::ostream& os, const Comparison& c) {
  os << "{\n  \"file_a\": " << json_string(c.file_a) << ",\n  \"file_b\": " << json_string(c.file_b)
     << ",\n  \"last_k\": " << c.last_k << ",\n  \"groups\": [";
  for (std::size_t i = 0; i < c.both.size(); ++i) {
    const GroupComparison& g = c.both[i];
    os << (i ? "," : "") << "\n    {" << json_ids(g.a) << ", \"a\": " << json_side(g.a)
       << ", \"b\": " << json_side(g.b) << ", \"return_diff\": " << json_interval(g.return_diff)
       << ", \"regret_diff\": " << (g.has_regret ? json_interval(g.regret_diff) : "null") << "}";
  }
  os << (c.both.empty() ? "" : "\n  ") << "]";
  for (const auto* list : {&c.only_a, &c.only_b}) {
    os << ",\n  \"" << (list == &c.only_a ? "only_in_a" : "only_in_b") << "\": [";
    for (std::size_t i = 0; i < list->size(); ++i)
      os << (i ? "," : "") << "\n    {" << json_ids((*list)[i])
         << ", \"summary\": " << json_side((*list)[i]) << "}";
    os << (list->empty() ? "" : "\n  ") << "]";
  }
  os << "\n}\n";
}

namespace {

struct CurveGroup {
  std::string env_id, agent_id, env_params, agent_params;
  std::vector<StoredRun> runs;
};

// Mean and 95% half-width of each column over the rows that define it (NaN = undefined).
void write_stat_columns(std::ostream& os, const std::vector<double>& xs) {
  std::vector<double> defined;
  for (double x : xs)
    if (std::isfinite(x)) defined.push_back(x);
  os << "," << defined.size();
  if (defined.empty()) {
    os << ",,";
    return;
  }
  const double ci = ci95_half_width(defined);
  os << "," << fmt(mean_of(defined), 6) << ",";
  if (std::isfinite(ci)) os << fmt(ci, 6);
}

void open_csv(std::ofstream& f, const std::filesystem::path& path) {
  f.open(path);
  if (!f) throw Error("cannot write '" + path.string() + "': check the directory is writable");
}

void close_csv(std::ofstream& f, const std::filesystem::path& path,
               std::vector<std::string>& written) {
  if (!f.flush()) throw Error("writing '" + path.string() + "' failed (disk full?)");
  written.push_back(path.string());
}

}  // namespace

std::vector<std::string> write_curves(const ExperimentReader& reader, const std::string& dir,
                                      std::int64_t bins) {
  if (bins < 1) throw Error("curve bins = " + std::to_string(bins) + ": use 1 or more");
  std::vector<CurveGroup> groups;
  std::map<std::string, std::size_t> index;
  for (std::int64_t idx : reader.run_indices()) {
    StoredRun r = reader.read_run(idx, false);
    if (!r.complete) continue;
    auto [it, inserted] = index.try_emplace(r.group, groups.size());
    if (inserted) groups.push_back({r.env_id, r.agent_id, r.env_params, r.agent_params, {}});
    groups[it->second].runs.push_back(std::move(r));
  }
  if (groups.empty()) throw Error("the run file holds no complete run: no curves to write");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create curve directory '" + dir + "': " + ec.message());
  const std::filesystem::path base(dir);
  std::vector<std::string> written;

  std::ofstream f;
  open_csv(f, base / "groups.csv");
  f << "group,env_id,agent_id,env_params,agent_params,runs\n";
  for (std::size_t g = 0; g < groups.size(); ++g)
    f << g << "," << csv_quote(groups[g].env_id) << "," << csv_quote(groups[g].agent_id) << ","
      << csv_quote(groups[g].env_params) << "," << csv_quote(groups[g].agent_params) << ","
      << groups[g].runs.size() << "\n";
  close_csv(f, base / "groups.csv", written);
  f.close();

  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& runs = groups[g].runs;
    const std::string tag = std::to_string(g);

    // Regret: the checkpoints common to every run (a prefix, since runs of one group share
    // their budget and so their log-spaced checkpoints).
    bool all_regret = true;
    std::size_t common = std::numeric_limits<std::size_t>::max();
    for (const auto& r : runs) {
      if (r.regret.size() == 0) all_regret = false;
      common = std::min(common, r.regret.size());
    }
    if (all_regret) {
      std::size_t n = 0;
      while (n < common) {
        bool same = true;
        for (const auto& r : runs) same = same && r.regret.step[n] == runs[0].regret.step[n];
        if (!same) break;
        ++n;
      }
      const auto path = base / ("regret_" + tag + ".csv");
      open_csv(f, path);
      f << "step,runs,pseudo_regret_mean,pseudo_regret_ci95,realised_runs,realised_regret_mean,"
           "realised_regret_ci95\n";
      std::vector<double> pseudo(runs.size()), realised(runs.size());
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < runs.size(); ++k) {
          pseudo[k] = runs[k].regret.pseudo_regret[i];
          realised[k] = runs[k].regret.realised_regret[i];
        }
        f << runs[0].regret.step[i];
        write_stat_columns(f, pseudo);
        write_stat_columns(f, realised);
        f << "\n";
      }
      close_csv(f, path, written);
      f.close();
    }

    // Returns: episodes binned by the env step at which they ended.
    std::int64_t max_steps = 0;
    bool any_episode = false;
    for (const auto& r : runs) {
      max_steps = std::max(max_steps, r.total_steps);
      any_episode = any_episode || r.episodes.size() > 0;
    }
    if (any_episode && max_steps > 0) {
      const std::int64_t nb = std::min(bins, max_steps);
      const auto path = base / ("returns_" + tag + ".csv");
      open_csv(f, path);
      f << "step,runs,return_mean,return_ci95\n";
      // per run, the mean return of the episodes ending in each bin
      std::vector<std::vector<double>> per_bin(static_cast<std::size_t>(nb),
                                               std::vector<double>(runs.size(), NAN));
      for (std::size_t k = 0; k < runs.size(); ++k) {
        std::vector<double> sum(static_cast<std::size_t>(nb), 0.0);
        std::vector<std::int64_t> count(static_cast<std::size_t>(nb), 0);
        const EpisodeTable& e = runs[k].episodes;
        for (std::size_t i = 0; i < e.size(); ++i) {
          std::int64_t b = (e.end_steps[i] - 1) * nb / max_steps;
          b = std::clamp<std::int64_t>(b, 0, nb - 1);
          sum[static_cast<std::size_t>(b)] += e.returns[i];
          ++count[static_cast<std::size_t>(b)];
        }
        for (std::size_t b = 0; b < sum.size(); ++b)
          if (count[b] > 0) per_bin[b][k] = sum[b] / static_cast<double>(count[b]);
      }
      for (std::int64_t b = 0; b < nb; ++b) {
        f << (b + 1) * max_steps / nb;  // the bin's right edge
        write_stat_columns(f, per_bin[static_cast<std::size_t>(b)]);
        f << "\n";
      }
      close_csv(f, path, written);
      f.close();
    }

    // Evaluation during training: mean return of each evaluation, by step.
    std::map<std::int64_t, std::vector<double>> evals;  // step → one value per run
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const EvalTable& ev = runs[k].evaluations;
      std::map<std::int64_t, std::pair<double, std::int64_t>> per_step;
      for (std::size_t i = 0; i < ev.size(); ++i) {
        auto& [sum, count] = per_step[ev.step[i]];
        sum += ev.returns[i];
        ++count;
      }
      for (const auto& [step, sc] : per_step) {
        auto& col = evals[step];
        col.resize(runs.size(), NAN);
        col[k] = sc.first / static_cast<double>(sc.second);
      }
    }
    if (!evals.empty()) {
      const auto path = base / ("eval_" + tag + ".csv");
      open_csv(f, path);
      f << "step,runs,eval_return_mean,eval_return_ci95\n";
      for (auto& [step, col] : evals) {
        col.resize(runs.size(), NAN);
        f << step;
        write_stat_columns(f, col);
        f << "\n";
      }
      close_csv(f, path, written);
      f.close();
    }
  }
  return written;
}

}  // namespace rlsim
