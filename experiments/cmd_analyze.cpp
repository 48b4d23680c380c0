// `rlsim analyze FILE.h5 [--last K] [--group-by P,...] [--csv [FILE] | --json] [--curves DIR]`
// and `rlsim analyze A.h5 --compare B.h5`: the summary table of a run file, or the comparison
// of two (experiments/analyze.hpp does the statistics and the formats).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "run/hdf5_log.hpp"

namespace po = boost::program_options;

namespace rlsim {

int cmd_analyze(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional;
  std::int64_t last_k = 100, bins = 50;
  std::string csv, curves, group_by, compare;
  desc.add_options()("help,h", "show this help")(
      "last", po::value<std::int64_t>(&last_k)->default_value(100),
      "episodes at the end of each run that are averaged")(
      "csv", po::value<std::string>(&csv)->implicit_value("-"),
      "write the table as CSV to FILE (or stdout with --csv alone or --csv -)")(
      "json", "print the table as JSON on stdout (undefined values are null)")(
      "curves", po::value<std::string>(&curves),
      "also write per-group curve CSVs to directory DIR: regret_G.csv (bandits), "
      "returns_G.csv (episode return vs env steps, binned), eval_G.csv (evaluation "
      "during training), groups.csv (what each G is)")(
      "bins", po::value<std::int64_t>(&bins)->default_value(50),
      "number of env-step bins of returns_G.csv")(
      "group-by", po::value<std::string>(&group_by),
      "comma-separated parameter names (env or agent parameters; env, agent, seed for the "
      "ids and the seed index) whose values define the rows; runs are pooled over the rest")(
      "compare", po::value<std::string>(&compare),
      "compare with run file B: per group present in both, the final return (and regret) "
      "of each with 95% intervals and B - A with its 95% Welch interval, * when significant; "
      "groups in only one file are listed")(
      "file", po::value<std::vector<std::string>>(&positional), "run file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, pos, vm,
          "usage: rlsim analyze FILE.h5 [--last K] [--group-by P,...] [--csv [FILE] | --json] "
          "[--curves DIR]\n       rlsim analyze A.h5 --compare B.h5 [--last K] [--group-by P,...] "
          "[--csv [FILE] | --json]\n\nOne "
          "row per group of "
          "runs that differ only in their seed: mean return over the last K episodes\nwith "
          "a 95% confidence interval across seeds, mean length, success rate where the env\n"
          "defines it, and final pseudo-regret for bandit runs.\n"))
    return 0;
  if (positional.size() != 1) throw Error("rlsim analyze needs one run file");
  if (last_k < 1) throw Error("--last must be >= 1");
  ExperimentReader reader(positional[0]);
  std::vector<std::string> group_names;
  if (!group_by.empty()) {
    std::stringstream ss(group_by);
    std::string name;
    while (std::getline(ss, name, ','))
      if (!name.empty()) group_names.push_back(name);
    if (group_names.empty()) throw Error("--group-by needs parameter names, e.g. --group-by alpha");
  }
  Summary s = summarize(reader, last_k, group_names);
  if (s.complete_runs == 0)
    throw Error("run file '" + positional[0] +
                "' holds no complete run (the experiment stopped before its first run ended)");
  if (!compare.empty()) {
    if (!curves.empty()) throw Error("--curves and --compare cannot be combined: run them apart");
    if (vm.count("json") && !csv.empty())
      throw Error("--json and --csv cannot be combined: choose one format");
    ExperimentReader other(compare);
    Summary sb = summarize(other, last_k, group_names);
    if (sb.complete_runs == 0)
      throw Error("run file '" + compare +
                  "' holds no complete run (the experiment stopped before its first run ended)");
    const Comparison c = compare_summaries(s, sb, positional[0], compare);
    if (vm.count("json")) {
      write_comparison_json(std::cout, c);
    } else if (csv == "-") {
      write_comparison_csv(std::cout, c);
    } else if (!csv.empty()) {
      std::ofstream f(csv);
      if (!f) throw Error("cannot write CSV file '" + csv + "': check the directory exists");
      write_comparison_csv(f, c);
      if (!f.flush()) throw Error("writing CSV file '" + csv + "' failed (disk full?)");
      std::cerr << "wrote " << csv << "\n";
    } else {
      print_comparison(std::cout, c);
    }
    return 0;
  }
  if (!curves.empty()) {
    const auto files = write_curves(reader, curves, bins);
    std::cerr << "wrote " << files.size() << " curve files to " << curves
              << " (groups.csv says which group each number is)\n";
  }
  if (vm.count("json")) {
    if (!csv.empty()) throw Error("--json and --csv cannot be combined: choose one format");
    write_summary_json(std::cout, s);
    return 0;
  }
  if (!csv.empty()) {
    if (csv == "-") {
      write_summary_csv(std::cout, s);
    } else {
      std::ofstream f(csv);
      if (!f) throw Error("cannot write CSV file '" + csv + "': check the directory exists");
      write_summary_csv(f, s);
      if (!f.flush()) throw Error("writing CSV file '" + csv + "' failed (disk full?)");
      std::cerr << "wrote " << csv << "\n";
    }
    return 0;
  }
  print_summary(std::cout, s);
  return 0;
}

}  // namespace rlsim
