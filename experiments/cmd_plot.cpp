// `rlsim plot FILE.h5 --out DIR`: figures of a run file, drawn by experiments/analysis/plot.py.
//
// The command finds a python3 that imports h5py, numpy and matplotlib ($RLSIM_PYTHON, then
// /usr/bin/python3, then python3 on PATH), finds plot.py (the source tree, then the installed
// data directory, then share/rlsim/analysis beside the executable) and runs it. Before that
// it recovers the arm means of every BernoulliBandit-v0 run, so the script can draw the Lai &
// Robbins (1985) lower bound also for instances drawn per run: it rebuilds the run's env from
// the registry with the stored parameters, resets it with the stored env seed (as the runner
// does) and reads the oracle. The means go to the script in a temporary JSON file.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/error.hpp"
#include "run/hdf5_log.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"

extern char** environ;

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rlsim {

namespace {

const char* kPlotUsage =
    R"(usage: rlsim plot FILE.h5 --out DIR [--log-x] [--what regret,returns,lengths,eval]

Draws the figures of a run file into DIR (created if missing), one PNG per env and figure
kind, each with a JSON sidecar (same name, .json) listing the lines drawn:
  regret   bandit problems: cumulative pseudo-regret against pulls, mean over seeds with a
           95% confidence band of the mean, one line per agent; for BernoulliBandit-v0 also
           the Lai-Robbins lower bound C ln t, C = sum over suboptimal arms of
           gap / kl(mean, best mean) (instances drawn per run: the average of the runs' own
           bounds)
  returns  episode return against env steps (binned), mean and 95% band over seeds
           (runs with 2+ episodes)
  lengths  histogram of episode lengths, one outline per agent (runs with 2+ episodes)
  eval     evaluation during training ([eval] every/episodes): mean evaluation return
           against training env steps, mean and 95% band over seeds at the steps every run
           evaluated at; runs that end at different steps (episode budgets) add one point
           for their final evaluations (runs with evaluations)
Needs a python3 with h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy
python3-matplotlib, see scripts/install-deps.sh): $RLSIM_PYTHON, else /usr/bin/python3, else
python3 on PATH. The script is experiments/analysis/plot.py (installed under
share/rlsim/analysis); it can be run by hand with the same options.

options)";

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
      "comma-separated figure kinds: regret, returns, lengths, eval")(
      "python", po::value(&python), "python3 interpreter to use (default: as described above)")(
      "quiet,q", "do not list the files written")("plugin", po::value(&plugins)->composing(),
                                                  "load a plugin (for runs of plugin envs)")(
      "file", po::value(&file)->required(), "run file (positional)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, pos, vm, kPlotUsage)) return 0;

  if (!fs::is_regular_file(file)) throw Error("rlsim plot: run file '" + file + "' does not exist");
  std::stringstream kinds(what);
  for (std::string kind; std::getline(kinds, kind, ',');)
    if (kind != "regret" && kind != "returns" && kind != "lengths" && kind != "eval")
      throw Error("rlsim plot: --what '" + what + "': unknown figure kind '" + kind +
                  "'; valid: regret, returns, lengths, eval");

  if (python.empty()) {
    python = find_python();
  } else if (run_process({python, "-c", "import h5py, numpy, matplotlib"}, true) != 0) {
    throw Error("rlsim plot: --python " + python +
                " cannot import h5py, numpy and matplotlib (or does not run)");
  }
  const fs::path script = find_script();

  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw Error("rlsim plot: cannot create the output directory '" + out + "': " + ec.message());

  const Registry registry = make_registry(plugins);
  const fs::path means_file =
      fs::path(out) / (".rlsim_plot_arm_means_" + std::to_string(getpid()) + ".json");
  const std::size_t with_means = write_arm_means(registry, file, means_file);

  std::vector<std::string> argv = {python, script.string(), file, "--out", out, "--what", what};
  if (vm.count("log-x")) argv.emplace_back("--log-x");
  if (vm.count("quiet")) argv.emplace_back("--quiet");
  if (with_means > 0) {
    argv.emplace_back("--arm-means");
    argv.push_back(means_file.string());
  }
  const int rc = run_process(argv, false);
  fs::remove(means_file, ec);
  if (rc < 0) throw Error("rlsim plot: could not start " + python);
  return rc;
}

}  // namespace rlsim
