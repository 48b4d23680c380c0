// rlsim analyze A --compare B: Welch intervals of B − A per group, and the comparison as text,
// CSV and JSON (experiments/analyze.hpp).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include <boost/math/distributions/students_t.hpp>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "experiments/analyze_util.hpp"
#include "experiments/json.hpp"

namespace rlsim {

using analyze_detail::csv_quote;
using analyze_detail::differing_params;
using analyze_detail::fmt;
using analyze_detail::mean_of;

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
  auto label = [&](const GroupSummary& g) {
    if (!c.group_by.empty()) return g.group;
    std::string l = g.env_id + " / " + g.agent_id;
    std::vector<const GroupSummary*> peers{&g};
    for (const auto& o : c.both)
      if (&o.a != &g && o.a.env_id == g.env_id && o.a.agent_id == g.agent_id) peers.push_back(&o.a);
    const std::string differing = differing_params(peers).front();
    return differing.empty() ? l : l + " " + differing;
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

}  // namespace rlsim
