// rlsim analyze's summary table, as text (print_summary), CSV and JSON (experiments/analyze.hpp).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "experiments/analyze.hpp"
#include "experiments/analyze_util.hpp"
#include "experiments/json.hpp"

namespace rlsim {

using analyze_detail::csv_quote;
using analyze_detail::differing_params;
using analyze_detail::fmt;
using analyze_detail::last_text;

void print_summary(std::ostream& os, const Summary& s) {
  bool any_regret = false, any_success = false, any_eval = false;
  for (const auto& g : s.groups) {
    any_regret |= g.final_regret >= 0;
    any_success |= g.success_rate >= 0;
    any_eval |= g.has_eval;
  }
  struct Row {
    std::vector<std::string> cells;
  };
  const bool by = !s.group_by.empty();
  std::vector<std::string> header{
      "env",
      "agent",
      "runs",
      "episodes",
      "return (" + last_text(s.last_k, s.fewest_averaged, s.most_averaged) + ")",
      "±95% CI",
      "length"};
  if (by) header.insert(header.begin(), "group");
  if (any_success) header.push_back("success");
  if (any_regret) {
    header.push_back("regret");
    header.push_back("±95% CI");
  }
  if (any_eval) {
    header.push_back("final eval");
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
    if (any_eval) {
      r.cells.push_back(g.has_eval ? fmt(g.final_eval) : "-");
      r.cells.push_back(g.has_eval ? fmt(g.eval_ci95) : "-");
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
    std::vector<const GroupSummary*> peers;
    for (std::size_t i : rows_of_pair) peers.push_back(&s.groups[i]);
    const std::vector<std::string> differing = differing_params(peers);
    for (std::size_t k = 0; k < rows_of_pair.size(); ++k) {
      if (!header_done) {
        os << "rows that differ in parameters:\n";
        header_done = true;
      }
      os << "  row " << rows_of_pair[k] + 1 << " (" << pair << "): " << differing[k] << "\n";
    }
  }
  if (s.incomplete_runs > 0)
    os << "note: " << s.incomplete_runs
       << " incomplete run(s) skipped (the experiment was interrupted)\n";
  else if (!s.file_complete)
    os << "note: the experiment did not finish; only its complete runs are shown\n";
}

void write_summary_csv(std::ostream& os, const Summary& s) {
  const bool ident = !s.identification.empty();
  os << "env,agent,env_params,agent_params,runs,episodes,last_k,mean_return,return_ci95,"
        "mean_length,success_rate,final_regret,regret_ci95,regret_steps,final_eval,"
        "final_eval_ci95,final_eval_step,final_eval_episodes"
     << (ident ? ",stopped,errors,error_rate,error_lo,error_hi,mean_stop_time,stop_time_ci95,"
                 "stop_lower_bound"
               : "")
     << "\n";
  auto num = [](double x) {
    if (std::isnan(x)) return std::string();
    std::ostringstream o;
    o << std::setprecision(10) << x;
    return o.str();
  };
  std::map<std::string, const IdentificationGroup*> by_group;
  for (const auto& g : s.identification) by_group[g.group] = &g;
  for (const auto& g : s.groups) {
    os << csv_quote(g.env_id) << "," << csv_quote(g.agent_id) << "," << csv_quote(g.env_params)
       << "," << csv_quote(g.agent_params) << "," << g.runs << "," << g.episodes << "," << s.last_k
       << "," << num(g.mean_return) << "," << num(g.return_ci95) << "," << num(g.mean_length) << ","
       << (g.success_rate >= 0 ? num(g.success_rate) : "") << ","
       << (g.final_regret >= 0 ? num(g.final_regret) : "") << ","
       << (g.final_regret >= 0 ? num(g.regret_ci95) : "") << ","
       << (g.final_regret >= 0 ? std::to_string(g.regret_steps) : "") << ","
       << (g.has_eval ? num(g.final_eval) : "") << "," << (g.has_eval ? num(g.eval_ci95) : "")
       << "," << (g.has_eval ? std::to_string(g.eval_step) : "") << ","
       << (g.has_eval ? std::to_string(g.eval_episodes) : "");
    if (ident) {
      // Empty cells for a group without identification runs.
      const auto it = by_group.find(g.group);
      if (it == by_group.end()) {
        os << ",,,,,,,,";
      } else {
        const IdentificationGroup& b = *it->second;
        os << "," << b.stopped << "," << b.errors << "," << num(b.error_rate) << ","
           << num(b.error_lo) << "," << num(b.error_hi) << "," << num(b.mean_stop) << ","
           << num(b.stop_ci95) << "," << num(b.lower_bound);
      }
    }
    os << "\n";
  }
}

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
       << (g.final_regret >= 0 ? std::to_string(g.regret_steps) : std::string("null"))
       << ", \"final_eval\": " << json_number(g.final_eval, g.has_eval)
       << ", \"final_eval_ci95\": " << json_number(g.eval_ci95, g.has_eval)
       << ", \"final_eval_step\": "
       << (g.has_eval ? std::to_string(g.eval_step) : std::string("null"))
       << ", \"final_eval_episodes\": "
       << (g.has_eval ? std::to_string(g.eval_episodes) : std::string("null")) << "}";
  }
  os << (s.groups.empty() ? "" : "\n  ") << "]";
  if (!s.identification.empty()) {
    os << ",\n  \"identification\": [";
    for (std::size_t i = 0; i < s.identification.size(); ++i) {
      const IdentificationGroup& b = s.identification[i];
      os << (i ? "," : "") << "\n    {\"group\": " << json_string(b.group)
         << ", \"env_id\": " << json_string(b.env_id)
         << ", \"agent_id\": " << json_string(b.agent_id) << ", \"runs\": " << b.runs
         << ", \"stopped\": " << b.stopped << ", \"errors\": " << b.errors
         << ", \"error_rate\": " << json_number(b.error_rate) << ", \"error_interval\": ["
         << json_number(b.error_lo) << ", " << json_number(b.error_hi)
         << "], \"mean_stop_time\": " << json_number(b.mean_stop)
         << ", \"stop_time_ci95\": " << json_number(b.stop_ci95)
         << ", \"stop_lower_bound\": " << json_number(b.lower_bound) << "}";
    }
    os << "\n  ]";
  }
  os << "\n}\n";
}

}  // namespace rlsim
