// `rlsim analyze FILE.h5 [--last K] [--group-by P,...] [--csv [FILE] | --json] [--curves DIR]`
// and `rlsim analyze A.h5 --compare B.h5`: the summary table of a run file, or the comparison
// of two (experiments/analyze.hpp does the statistics and the formats). Files it writes
// (--csv FILE, --curves DIR) never replace an input and replace an existing file only with
// --overwrite (experiments/cli_util.hpp, check_output_file).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "experiments/analyze_identification.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/live_read.hpp"
#include "run/hdf5_log.hpp"

namespace po = boost::program_options;

namespace rlsim {

int cmd_analyze(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
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
      "overwrite", "replace the --csv file or the --curves files if they exist")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&positional), "run file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, hidden, pos, vm,
          "usage: rlsim analyze FILE.h5 [--last K] [--group-by P,...] [--csv [FILE] | --json] "
          "[--curves DIR]\n       rlsim analyze A.h5 --compare B.h5 [--last K] [--group-by P,...] "
          "[--csv [FILE] | --json]\n\nOne "
          "row per group of "
          "runs that differ only in their seed: mean return over the last K episodes\nwith "
          "a 95% confidence interval across seeds, mean length, success rate where the env\n"
          "defines it, and final pseudo-regret for bandit runs.\n"))
    return 0;
  if (positional.size() != 1)
    throw UsageError(positional.empty() ? "rlsim analyze needs a run file: rlsim analyze FILE.h5"
                                        : "rlsim analyze takes one run file, got " +
                                              std::to_string(positional.size()) +
                                              " (compare two with A.h5 --compare B.h5)");
  if (last_k < 1) throw UsageError("--last must be >= 1");
  if (bins < 1) throw UsageError("--bins must be >= 1");
  if (vm.count("json") && !csv.empty())
    throw UsageError("--json and --csv cannot be combined: choose one format");
  if (!compare.empty() && !curves.empty())
    throw UsageError("--curves and --compare cannot be combined: run them apart");
  const Registry registry = make_registry(plugins);  // loads them (docs/commands.md)
  const bool overwrite = vm.count("overwrite") != 0;
  std::vector<std::string> inputs = plugins;
  inputs.push_back(positional[0]);
  if (!compare.empty()) inputs.push_back(compare);
  if (!csv.empty() && csv != "-") check_output_file(csv, overwrite, inputs, "--csv", "table.csv");
  std::vector<std::string> group_names;
  if (!group_by.empty()) {
    std::stringstream ss(group_by);
    std::string name;
    while (std::getline(ss, name, ','))
      if (!name.empty()) group_names.push_back(name);
    if (group_names.empty()) throw Error("--group-by needs parameter names, e.g. --group-by alpha");
  }
  // A file still being written is read as its last flush left it (docs/log-format.md, "Live
  // rows"); a read that overlaps a flush is retried.
  std::unique_ptr<ExperimentReader> reader;
  std::vector<LiveRun> live;
  Summary s = read_while_written(positional[0], [&] {
    reader = std::make_unique<ExperimentReader>(positional[0]);
    live = reader->live_runs();
    return summarize(*reader, last_k, group_names);
  });
  const bool table = compare.empty() && !vm.count("json") && csv.empty();
  if (s.complete_runs == 0 && !(table && !live.empty()))
    throw Error("run file '" + positional[0] +
                "' holds no complete run (the experiment stopped before its first run ended" +
                (live.empty()
                     ? std::string(")")
                     : ", or is still running: rlsim watch " + positional[0] + " follows it)"));
  if (!compare.empty()) {
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
    const auto files = write_into_directory(
        curves, overwrite, inputs, "--curves",
        [&](const std::filesystem::path& stage) { write_curves(*reader, stage.string(), bins); });
    std::cerr << "wrote " << files.size() << " curve files to " << curves
              << " (groups.csv says which group each number is)\n";
  }
  if (vm.count("json") || !csv.empty())
    s.identification = summarize_identification(*reader, registry);
  if (vm.count("json")) {
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
  if (s.complete_runs > 0) print_summary(std::cout, s);
  if (!live.empty()) {
    std::cout << "in progress (live rows of the runs being written):\n";
    print_live_runs(std::cout, live);
  }
  // Best-arm identification runs, if any: error rate and sample complexity.
  if (s.complete_runs > 0)
    print_identification(std::cout, summarize_identification(*reader, registry));
  return 0;
}

}  // namespace rlsim
