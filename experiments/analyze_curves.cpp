// rlsim analyze --curves DIR: per-group regret, return and evaluation curves as CSV files
// (write_curves, experiments/analyze.hpp).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "experiments/analyze_util.hpp"

namespace rlsim {

using analyze_detail::csv_quote;
using analyze_detail::fmt;
using analyze_detail::mean_of;

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