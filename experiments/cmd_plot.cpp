// `rlsim plot FILE.h5 --out DIR`: figures of a run file, drawn by experiments/analysis/plot.py.
//
// The command finds a python3 that imports h5py, numpy and matplotlib ($RLSIM_PYTHON, then
// /usr/bin/python3, then python3 on PATH), finds plot.py (the source tree, then the installed
// data directory, then share/rlsim/analysis beside the executable) and runs it. Before that
// it recovers the arm means of every BernoulliBandit-v0 run, so the script can draw the Lai &
// Robbins (1985) lower bound also for instances drawn per run: it rebuilds the run's env from
// the registry with the stored parameters, resets it with the stored env seed (as the runner
// does) and reads the oracle. The means go to the script in a temporary JSON file.
//
// The script draws into a staging directory inside DIR and lists what it wrote (--manifest);
// the command checks that every file listed exists (an interpreter that runs but draws
// nothing, RLSIM_PYTHON=/bin/true, is an error) and then moves them into DIR under the rule
// of every file a command writes: never over the run file read, and over an existing file
// only with --overwrite (experiments/cli_util.hpp, write_into_directory).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "run/hdf5_log.hpp"

extern char** environ;

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rlsim {

namespace {

const char* kPlotUsage =
    R"(usage: rlsim plot FILE.h5 --out DIR [--log-x]
                  [--what regret,returns,lengths,eval,diagnostics,regret_ratio,final_regret,
                          best_arm]
                  [--overwrite]

Draws the figures of a run file into DIR (created if missing), one PNG per env and figure
kind, each with a JSON sidecar (same name, .json) listing the lines drawn:
  regret   bandit problems: cumulative pseudo-regret against pulls, mean over seeds with a
           95% Student-t confidence band of the mean, one line per agent; for
           BernoulliBandit-v0 also the Lai-Robbins lower bound min(C ln t, gap_max t),
           C = sum over suboptimal arms of gap / kl(mean, best mean), capped at the largest
           possible regret gap_max t (instances drawn per run: the average of the runs' own
           bounds)
  returns  episode return against env steps (binned), mean and 95% Student-t band over
           seeds (runs with 2+ episodes)
  lengths  histogram of episode lengths, one outline per agent (runs with 2+ episodes)
  eval     evaluation during training ([eval] every/episodes): mean evaluation return
           against training env steps, mean and 95% Student-t band over seeds at the steps
           every run evaluated at; runs that end at different steps (episode budgets) add
           one point for their final evaluations (runs with evaluations)
  diagnostics  training diagnostics (losses, entropy, approx_kl, clip_fraction, epsilon,
           learning_rate, ...) against env steps, one panel per quantity, mean over seeds;
           runs still in progress dashed (their live rows); only when asked for with --what
  regret_ratio  bandit problems: R(t) / ln t against pulls (log scale), mean and 95% band
           over seeds; for BernoulliBandit-v0 the Lai-Robbins constant C as a horizontal line
           (an asymptotically optimal policy's ratio settles at C); only with --what
  final_regret  bandit problems: histogram of the runs' final pseudo-regret, one outline
           per agent, with mean, median, 90th percentile and max in the sidecar; only with
           --what
  best_arm  bandit problems: the fraction of pulls of the best arm up to t against pulls
           (log scale), mean and 95% band over seeds, with uniform play's 1/K; the best arm
           is the one best at each pull (changing problems too); only with --what
A file still being written is read as its last flush left it (docs/log-format.md, "Live
rows").
Bands are t(0.975, n-1) s / sqrt(n), the interval rlsim analyze reports (docs/analysis.md).
Needs a python3 with h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy
python3-matplotlib, see scripts/install-deps.sh): $RLSIM_PYTHON, else /usr/bin/python3, else
python3 on PATH. The script is experiments/analysis/plot.py (installed under
share/rlsim/analysis); it can be run by hand with the same options. Existing files in DIR
are replaced only with --overwrite.
)";

// Runs argv[0] (searched on PATH when it has no '/') with the given arguments; returns the
// exit status, or -1 when it could not be started. Output goes to the terminal unless quiet.
int run_process(const std::vector<std::string>& argv, bool quiet) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string find_python() {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("RLSIM_PYTHON"); p && *p) candidates.emplace_back(p);
  candidates.emplace_back("/usr/bin/python3");
  candidates.emplace_back("python3");
  std::string tried;
  for (const auto& c : candidates) {
    if (run_process({c, "-c", "import h5py, numpy, matplotlib"}, true) == 0) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  throw Error("rlsim plot: no python3 that imports h5py, numpy and matplotlib (tried " + tried +
              "): install python3-h5py python3-numpy python3-matplotlib "
              "(scripts/install-deps.sh) or set RLSIM_PYTHON to such an interpreter");
}

fs::path find_script() {
  std::vector<fs::path> candidates = {
      fs::path(RLSIM_SOURCE_DIR) / "experiments" / "analysis" / "plot.py",
      fs::path(RLSIM_INSTALL_DATADIR) / "analysis" / "plot.py"};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back(exe.parent_path().parent_path() / "share" / "rlsim" / "analysis" /
                         "plot.py");
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  throw Error("rlsim plot: cannot find plot.py (looked at " + tried +
              "): reinstall rlsim or run experiments/analysis/plot.py from the source tree");
}

// {"arm_means": {"000042": [..], ...}} for the Bernoulli runs of the file; returns how many.
// (The run's env parameters are read back with params_from_text, cli_util.hpp.)
std::size_t write_arm_means(const Registry& registry, const std::string& run_file,
                            const fs::path& out) {
  ExperimentReader reader(run_file);
  std::ostringstream json;
  json << std::setprecision(17) << "{\"arm_means\": {";
  std::size_t n = 0;
  for (std::int64_t index : reader.complete_run_indices()) {
    const StoredRun run = reader.read_run(index);
    if (run.env_id != "BernoulliBandit-v0" || !registry.has_env(run.env_id)) continue;
    auto env = registry.make_env(run.env_id, params_from_text(run.env_params, "env"));
    const Oracle* oracle = env->oracle();
    if (!oracle || !env->spec().action_space.is_discrete()) continue;
    Value obs;
    env->spec().observation_space.prepare(obs);
    env->reset(obs, run.env_seed);
    std::ostringstream name;
    name << std::setw(6) << std::setfill('0') << index;
    json << (n++ ? ", " : "") << "\"" << name.str() << "\": [";
    const std::int64_t k = env->spec().action_space.n();
    for (std::int64_t a = 0; a < k; ++a)
      json << (a ? ", " : "") << oracle->expected_reward(env->spec().action_space.start() + a);
    json << "]";
  }
  json << "}}\n";
  std::ofstream f(out);
  if (!(f << json.str()))
    throw Error("rlsim plot: cannot write '" + out.string() + "' (is --out writable?)");
  return n;
}

}  // namespace

int cmd_plot(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::string file, out, what = "regret,returns,lengths,eval", python;
  std::vector<std::string> plugins;
  desc.add_options()("help,h", "show this help")("out,o", po::value(&out)->required(),
                                                 "directory for the PNG and JSON files (required)")(
      "log-x", "log-scaled time axis for the regret curves")(
      "what", po::value(&what)->default_value(what),
      "comma-separated figure kinds: regret, returns, lengths, eval; diagnostics, regret_ratio, "
      "final_regret, best_arm (not drawn unless named)")(
      "overwrite", "replace figures of the same names in DIR")(
      "python", po::value(&python), "python3 interpreter to use (default: as described above)")(
      "quiet,q", "do not list the files written")("plugin", po::value(&plugins)->composing(),
                                                  "load a plugin (for runs of plugin envs)");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&file), "run file (positional)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, hidden, pos, vm, kPlotUsage)) return 0;
  if (file.empty()) throw UsageError("rlsim plot needs a run file: rlsim plot FILE.h5 --out DIR");

  static const std::vector<std::string> kKinds = {"regret",       "returns",     "lengths",
                                                  "eval",         "diagnostics", "regret_ratio",
                                                  "final_regret", "best_arm"};
  std::stringstream kinds(what);
  for (std::string kind; std::getline(kinds, kind, ',');)
    if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end())
      throw UsageError("rlsim plot: --what '" + what + "': unknown figure kind '" + kind +
                       "'; valid: regret, returns, lengths, eval, diagnostics, regret_ratio, "
                       "final_regret, best_arm");
  if (!fs::is_regular_file(file)) throw Error("rlsim plot: run file '" + file + "' does not exist");

  if (python.empty()) {
    python = find_python();
  } else if (run_process({python, "-c", "import h5py, numpy, matplotlib"}, true) != 0) {
    throw Error("rlsim plot: --python " + python +
                " cannot import h5py, numpy and matplotlib (or does not run)");
  }
  const fs::path script = find_script();
  const Registry registry = make_registry(plugins);
  std::vector<std::string> inputs = plugins;
  inputs.push_back(file);

  const std::vector<std::string> written = write_into_directory(
      out, vm.count("overwrite") != 0, inputs, "--out", [&](const fs::path& stage) {
        const fs::path means_file = stage / ".arm_means.json";
        const fs::path manifest = stage / ".manifest";
        const std::size_t with_means = write_arm_means(registry, file, means_file);
        std::vector<std::string> argv = {python,         script.string(),  file, "--out",
                                         stage.string(), "--what",         what, "--quiet",
                                         "--manifest",   manifest.string()};
        if (vm.count("log-x")) argv.emplace_back("--log-x");
        if (with_means > 0) {
          argv.emplace_back("--arm-means");
          argv.push_back(means_file.string());
        }
        const int rc = run_process(argv, false);
        fs::remove(means_file);
        if (rc < 0) throw Error("rlsim plot: could not start " + python);
        if (rc != 0)
          throw Error("rlsim plot: " + script.string() + " failed (exit status " +
                      std::to_string(rc) + "; its message is above); nothing was written to '" +
                      out + "'");
        // The script lists what it drew; every file listed must be there, and something must be.
        std::ifstream list(manifest);
        if (!list)
          throw Error("rlsim plot: " + python + " ran " + script.string() +
                      " but it reported no figures (is " + python +
                      " a python3 with h5py, numpy and matplotlib? RLSIM_PYTHON or --python "
                      "chooses it); nothing was written to '" +
                      out + "'");
        std::size_t listed = 0;
        for (std::string name; std::getline(list, name);) {
          if (name.empty()) continue;
          ++listed;
          if (!fs::is_regular_file(stage / name))
            throw Error("rlsim plot: " + script.string() + " reported '" + name +
                        "' but did not write it; nothing was written to '" + out + "'");
        }
        if (listed == 0)
          throw Error("rlsim plot: " + script.string() +
                      " drew no figure; nothing was written to '" + out + "'");
        list.close();
        fs::remove(manifest);
      });
  if (!vm.count("quiet"))
    for (const std::string& w : written)
      if (fs::path(w).extension() == ".png") std::cout << w << "\n";
  return 0;
}

}  // namespace rlsim
