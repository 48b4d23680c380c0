// `rlsim watch FILE.h5 [--every S] [--last K] [--once]`: follows an experiment while it
// runs. Every S seconds it reads the run file (docs/log-format.md, "Live rows") and prints
// how many runs are complete, the summary table of those (as `rlsim analyze`, with the final
// evaluation) and one line per run in progress: its env steps, its last evaluation and its
// last training diagnostics. It ends, exit 0, when the file is marked complete; exit 1 when
// the writer is gone and the file is not complete (a killed or interrupted experiment).
// On a terminal each refresh replaces the last; elsewhere the reports follow each other.
// Reading takes no lock (experiments/live_read.hpp): watching never disturbs the writer.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/live_read.hpp"
#include "run/hdf5_log.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

struct Report {
  std::string text;
  bool complete = false;
};

std::string clock_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

Report read_report(const std::string& file, std::int64_t last_k) {
  return read_while_written(file, [&] {
    ExperimentReader reader(file);
    const ExperimentMeta& m = reader.meta();
    const Summary s = summarize(reader, last_k);
    const std::vector<LiveRun> live = reader.live_runs();
    std::ostringstream os;
    os << file << " at " << clock_now() << ": " << s.complete_runs << " of " << m.planned_runs
       << " runs complete" << (m.complete ? ", experiment complete" : "") << "\n";
    if (s.complete_runs > 0) print_summary(os, s);
    if (!live.empty()) {
      os << "in progress:\n";
      print_live_runs(os, live);
    }
    return Report{os.str(), m.complete};
  });
}

}  // namespace

int cmd_watch(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  double every = 5.0;
  std::int64_t last_k = 100;
  desc.add_options()("help,h", "show this help")(
      "every", po::value<double>(&every)->default_value(5.0), "seconds between refreshes")(
      "last", po::value<std::int64_t>(&last_k)->default_value(100),
      "episodes at the end of each complete run averaged in the table")(
      "once", "print one report and exit (0 whether or not the experiment is complete)")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&positional), "run file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, hidden, pos, vm,
                     "usage: rlsim watch FILE.h5 [--every S] [--last K] [--once]\n\n"
                     "Follows an experiment while it runs: every S seconds the complete runs'\n"
                     "summary table and one line per run in progress (its steps, last evaluation\n"
                     "and last training diagnostics, from the file's live rows). Ends when the\n"
                     "file is complete (exit 0), or when its writer is gone first (exit 1).\n"))
    return 0;
  if (positional.size() != 1)
    throw UsageError(positional.empty() ? "rlsim watch needs a run file: rlsim watch FILE.h5"
                                        : "rlsim watch takes one run file, got " +
                                              std::to_string(positional.size()));
  if (!(every > 0) || every > 86400)
    throw UsageError("--every must be a number of seconds in (0, 86400]");
  if (last_k < 1) throw UsageError("--last must be >= 1");
  make_registry(plugins);
  const std::string& file = positional[0];
  const bool once = vm.count("once") != 0;
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  while (true) {
    const Report r = read_report(file, last_k);
    if (terminal && !once) std::cout << "\033[H\033[2J";
    std::cout << r.text << std::flush;
    if (r.complete || once) return 0;
    if (!writer_active(file)) {
      // The writer may have finished between the read and this check: read once more.
      const Report again = read_report(file, last_k);
      if (again.complete) {
        std::cout << again.text << std::flush;
        return 0;
      }
      std::cerr << "rlsim: the experiment writing " << file
                << " stopped before it was complete (rlsim run --resume " << file
                << " finishes it)\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(every));
    if (!terminal) std::cout << "\n";
  }
}

}  // namespace rlsim
