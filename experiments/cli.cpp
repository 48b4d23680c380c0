#include "experiments/cli.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include <omp.h>
#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "run/hdf5_log.hpp"
#include "run/plugin_loader.hpp"
#include "run/runner.hpp"
#include "core/version.hpp"
#include "experiments/analyze.hpp"
#include "experiments/builtins.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/config.hpp"
#include "experiments/progress.hpp"
#ifdef RLSIM_WITH_MPI
#include "experiments/mpi_runner.hpp"
#endif

namespace po = boost::program_options;

namespace rlsim {

namespace {

const char* kUsage = R"(usage: rlsim <command> [options]

commands:
  run [CONFIG.toml] [key=value ...]   run an experiment (no config: the default one)
  list envs|agents                    list registered envs or agents
  describe ID                         spaces, parameters and docs of an env or agent
  analyze FILE.h5                     summary table of a run file (--csv for CSV;
                                      --compare B.h5 for differences with another)
  env trace ID --state S --actions A  step an env from a given state, print CSV rows
  env render ID --out FILE.gif        roll out an agent and write an animated GIF
  ope LOG.h5 --policy ID              off-policy value of a bandit policy from a log
  plot FILE.h5 --out DIR              regret/learning curves and histograms as PNG
  traj FILE.h5 --run R --episode E    print a logged trajectory as a table (--replay
                                      --out F.gif | --text: draw it)
  eval FILE.h5 --run R --episodes N   evaluate an agent saved in a run file

every command takes --help, and --plugin PATH to load a plugin (also RLSIM_PLUGIN_PATH).
documentation: README.md and docs/ (docs/commands.md lists every option).
)";

std::atomic<RunCounters*> g_counters{nullptr};
std::atomic<int> g_interrupts{0};

extern "C" void on_sigint(int) {
  if (RunCounters* c = g_counters.load()) c->stop.store(true);
  // A second Ctrl-C exits at once (runs already written stay in the file).
  if (g_interrupts.fetch_add(1) >= 1) std::_Exit(130);
}

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s.push_back(' ');
    s.append(argv[i]);
  }
  return s;
}

std::string utc_stamp(const char* fmt) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

#ifdef RLSIM_WITH_MPI
constexpr const char* kRunMpiHelp =
    "mpirun -np N rlsim run ... spreads the runs over N MPI ranks, each with --threads\n"
    "threads; rank 0 writes the one run file (docs/scaling.md).\n";
#else
constexpr const char* kRunMpiHelp = "";
#endif

int cmd_run(const std::vector<std::string>& args, const std::string& command_line) {
#ifdef RLSIM_WITH_MPI
  // Under mpirun/srun: rank 0 runs this command, the other ranks only runs (docs/scaling.md).
  const std::unique_ptr<MpiRun> mpi = MpiRun::start();
  if (mpi && mpi->is_worker()) return mpi->worker_main();
#endif
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  int threads = 0;
  std::int64_t last_k = 100;
  double progress_every = 10.0;
  std::string out, resume;
  desc.add_options()("help,h", "show this help")(
      "threads,t", po::value<int>(&threads)->default_value(0),
      "OpenMP threads across runs (0: all cores); results do not depend on it")(
      "out,o", po::value<std::string>(&out),
      "run file to write (default: log.out of the config, else results/NAME-TIME.h5)")(
      "overwrite", "replace --out if it exists (otherwise an existing file is an error)")(
      "dry-run", "print the expanded runs and their count, run nothing")(
      "resume", po::value<std::string>(&resume),
      "finish the interrupted experiment in FILE.h5: same config and seeds, runs already "
      "complete are kept, the others are run and appended")("quiet,q",
                                                            "no progress and no summary table")(
      "progress-every", po::value<double>(&progress_every)->default_value(10.0),
      "when stderr is not a terminal: seconds between plain progress lines")(
      "last", po::value<std::int64_t>(&last_k)->default_value(100),
      "episodes per run averaged in the summary table")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)")(
      "args", po::value<std::vector<std::string>>(&positional), "config file and key=value");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, pos, vm,
          "usage: rlsim run [CONFIG.toml] [key=value ...] [options]\n\n"
          "Runs every (env, agent, parameters, seed) of the config's grid in parallel and\n"
          "writes one HDF5 run file (docs/log-format.md). Without CONFIG it runs the default\n"
          "experiment (experiments/configs/default.toml). Overrides: episodes=100, seeds=5,\n"
          "log.steps=true, agent.alpha=0.1, env[0].is_slippery=false (docs/config.md).\n"
          "rlsim run --resume FILE.h5 finishes an interrupted experiment in its own file.\n" +
              std::string(kRunMpiHelp)))
    return 0;
  if (threads < 0) throw Error("--threads " + std::to_string(threads) + " must be >= 0");
  if (last_k < 1) throw Error("--last must be >= 1");
  if (!(progress_every > 0)) throw Error("--progress-every must be a positive number of seconds");

  std::string config_path;
  std::vector<std::string> overrides;
  for (const auto& a : positional) {
    if (a.find('=') != std::string::npos)
      overrides.push_back(a);
    else if (config_path.empty())
      config_path = a;
    else
      throw Error("unexpected argument '" + a + "': give one config file and key=value overrides");
  }
  Registry registry = make_registry(plugins);
  ExperimentConfig cfg;
  std::vector<RunSpec> runs;
  std::vector<std::int64_t> already_done;  // --resume: complete runs in the file
  if (!resume.empty()) {
    if (!config_path.empty() || !overrides.empty())
      throw Error("--resume " + resume +
                  " takes the config and overrides stored in the file; give no config file or "
                  "key=value (to change the experiment, start a new one)");
    if (vm.count("out") && out != resume)
      throw Error("--resume writes into the file it resumes ('" + resume + "'); omit --out '" +
                  out + "'");
    if (vm.count("overwrite")) throw Error("--resume and --overwrite cannot be combined");
    ExperimentMeta stored;
    std::vector<StoredRun> stored_runs;
    {
      ExperimentReader reader(resume);
      stored = reader.meta();
      already_done = reader.complete_run_indices();
      for (std::int64_t i : already_done) stored_runs.push_back(reader.read_run(i));
    }
    const std::string why = "cannot resume '" + resume + "': ";
    const std::string hint = " (the experiment was started with: " + stored.command_line +
                             "; give the same --plugin options when resuming)";
    try {
      cfg = parse_config(stored.config_text, "the config stored in '" + resume + "'");
      runs = expand_runs(cfg, registry);
    } catch (const Error& e) {
      throw Error(why + "its stored config no longer expands to the same runs: " + e.what() + hint);
    }
    if (cfg.seed != stored.master_seed ||
        static_cast<std::int64_t>(runs.size()) != stored.planned_runs)
      throw Error(why + "its stored config expands to " + std::to_string(runs.size()) +
                  " runs with master seed " + std::to_string(cfg.seed) + ", but the file planned " +
                  std::to_string(stored.planned_runs) + " runs with master seed " +
                  std::to_string(stored.master_seed) + hint);
    for (const StoredRun& sr : stored_runs) {
      const auto it = std::find_if(runs.begin(), runs.end(),
                                   [&](const RunSpec& r) { return r.run_index == sr.run_index; });
      const std::string env_params =
          it == runs.end() ? "" : registry.resolve_env_params(it->env_id, it->env_params).to_text();
      const std::string agent_params =
          it == runs.end()
              ? ""
              : registry.resolve_agent_params(it->agent_id, it->agent_params).to_text();
      if (it == runs.end() || it->env_id != sr.env_id || it->agent_id != sr.agent_id ||
          it->seed_index != sr.seed_index || env_params != sr.env_params ||
          agent_params != sr.agent_params)
        throw Error(why + "run " + std::to_string(sr.run_index) + " in the file is " + sr.group +
                    " seed " + std::to_string(sr.seed_index) +
                    ", but the stored config now expands run " + std::to_string(sr.run_index) +
                    (it == runs.end()
                         ? std::string(" to nothing")
                         : " to " + it->env_id + "[" + env_params + "] / " + it->agent_id + "[" +
                               agent_params + "] seed " + std::to_string(it->seed_index)) +
                    " (a plugin or built-in changed its defaults?)" + hint);
    }
    if (stored.complete) {
      std::cout << resume << " is already complete (" << already_done.size()
                << " runs); nothing to resume\n";
      return 0;
    }
    out = resume;
  } else {
    cfg = config_path.empty() ? parse_config(default_config_text(), "<default config>", overrides)
                              : load_config_file(config_path, overrides);
    runs = expand_runs(cfg, registry);
  }

  if (vm.count("dry-run")) {
    std::cout << "run  env  agent  seed  parameters\n";
    for (const auto& r : runs) {
      Params ep = registry.resolve_env_params(r.env_id, r.env_params);
      Params ap = registry.resolve_agent_params(r.agent_id, r.agent_params);
      std::cout << r.run_index << "  " << r.env_id << "  " << r.agent_id << "  " << r.seed_index
                << "  " << ap.to_text() << (ep.to_text().empty() ? "" : " | env: " + ep.to_text())
                << "\n";
    }
    std::cout << runs.size() << " runs\n";
    return 0;
  }

  namespace fs = std::filesystem;
  if (!resume.empty()) {
    // Checked above; the output is the resumed file.
  } else if (out.empty()) {
    out = cfg.out;
  }
  if (out.empty()) {
    fs::create_directories("results");
    out = "results/" + cfg.name + "-" + utc_stamp("%Y%m%d-%H%M%S") + ".h5";
  }
  std::error_code ec;
  if (resume.empty() && fs::exists(out, ec) && !vm.count("overwrite"))
    throw Error("output file '" + out +
                "' already exists: choose another --out, or pass --overwrite to replace it");
  if (fs::exists(out, ec) && fs::is_directory(out, ec))
    throw Error("output path '" + out + "' is a directory: give a file name such as " + out +
                "/run.h5");

  ExperimentMeta meta;
  meta.config_text = config_to_toml(cfg);
  meta.command_line = command_line;
  meta.master_seed = cfg.seed;
  meta.planned_runs = static_cast<std::int64_t>(runs.size());
  // Checks that `out` can be written before any run starts (missing or read-only directory).
  ExperimentWriter writer(out, meta, resume.empty() ? WriteMode::create : WriteMode::append);
  const std::size_t planned = runs.size();
  if (!resume.empty()) {
    std::vector<RunSpec> remaining;
    for (const RunSpec& r : runs)
      if (!std::binary_search(already_done.begin(), already_done.end(), r.run_index))
        remaining.push_back(r);
    runs = std::move(remaining);
    if (!vm.count("quiet"))
      std::cerr << "resuming " << out << ": " << already_done.size() << " of " << planned
                << " runs complete, running " << runs.size()
                << (writer.removed_runs().empty()
                        ? std::string()
                        : " (" + std::to_string(writer.removed_runs().size()) +
                              " incomplete run(s) discarded)")
                << "\n";
  }

  if (threads == 0) threads = omp_get_max_threads();
  RunCounters counters;
  g_counters.store(&counters);
  auto previous = std::signal(SIGINT, on_sigint);
  const Progress::Mode mode = vm.count("quiet")       ? Progress::Mode::off
                              : isatty(STDERR_FILENO) ? Progress::Mode::bar
                                                      : Progress::Mode::plain;
  const auto t0 = std::chrono::steady_clock::now();
  {
    Progress progress(counters, runs, mode, std::cerr, last_k, progress_every);
    RunnerOptions opts;
    opts.threads = threads;
    opts.counters = &counters;
    bool write_failed = false;
    opts.on_complete = [&](RunResult&& r) {
      try {
        writer.write_run(r);
        progress.run_finished(r);  // after the run is safely in the file
      } catch (const Error&) {
        write_failed = true;
        throw;
      }
    };
    try {
#ifdef RLSIM_WITH_MPI
      if (mpi)
        mpi->execute_runs(registry, runs, opts, plugins, vm["threads"].as<int>());
      else
#endif
        execute_runs(registry, runs, opts);
      progress.stop();
    } catch (const Error& e) {
      progress.stop(false);
      std::signal(SIGINT, previous);
      g_counters.store(nullptr);
      if (write_failed)
        throw Error(std::string(e.what()) + ". After freeing space, `rlsim run --resume " + out +
                    "` runs the missing runs");
      throw;
    } catch (...) {
      progress.stop(false);
      std::signal(SIGINT, previous);
      g_counters.store(nullptr);
      throw;
    }
  }
  std::signal(SIGINT, previous);
  g_counters.store(nullptr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (counters.stop.load()) {
    std::cerr << "rlsim: interrupted: "
              << counters.runs_done.load() + static_cast<std::int64_t>(already_done.size())
              << " of " << planned << " runs are complete in " << out
              << " (the file is valid; the experiment is not marked complete; rlsim run "
                 "--resume "
              << out << " finishes it)\n";
    return 130;
  }
  writer.finish();
  if (!vm.count("quiet")) {
    ExperimentReader reader(out);
    Summary s = summarize(reader, last_k);
    std::cout << cfg.name << ": " << planned << " runs, " << counters.steps.load() << " steps in "
              << std::fixed << std::setprecision(1) << seconds << " s on " << threads
              << " thread(s)";
#ifdef RLSIM_WITH_MPI
    if (mpi) std::cout << " on rank 0 of " << mpi->size() << " MPI ranks";
#endif
    std::cout << "\n\n";
    std::cout.unsetf(std::ios::fixed);
    print_summary(std::cout, s);
    std::cout << "\nresults: " << out << "\n(rlsim analyze " << out
              << " for the table again, --csv for CSV; docs/log-format.md for the layout)\n";
  }
  return 0;
}

int cmd_list(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  desc.add_options()("help,h", "show this help")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)")(
      "what", po::value<std::vector<std::string>>(&positional), "envs or agents");
  po::positional_options_description pos;
  pos.add("what", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, pos, vm,
                     "usage: rlsim list envs|agents [--plugin PATH]\n\nLists registered ids with "
                     "their one-line docs.\n"))
    return 0;
  if (positional.size() != 1 || (positional[0] != "envs" && positional[0] != "agents"))
    throw Error("rlsim list needs one argument: envs or agents");
  Registry r = make_registry(plugins);
  const bool envs = positional[0] == "envs";
  const auto ids = envs ? r.env_ids() : r.agent_ids();
  std::size_t w = 0;
  for (const auto& id : ids) w = std::max(w, id.size());
  for (const auto& id : ids) {
    const std::string& doc = envs ? r.env(id).doc : r.agent(id).doc;
    const std::string& origin = envs ? r.env(id).origin : r.agent(id).origin;
    std::cout << std::left << std::setw(static_cast<int>(w + 2)) << id << doc
              << (origin == "built-in" ? "" : "  [plugin " + origin + "]") << "\n";
  }
  return 0;
}

void print_schema(const ParamSchema& schema) {
  if (schema.specs().empty()) {
    std::cout << "  (none)\n";
    return;
  }
  for (const auto& s : schema.specs()) {
    std::cout << "  " << s.name << " (" << to_string(s.type) << ", default "
              << format_param(s.default_value);
    if (s.has_range()) std::cout << ", range " << s.range_text();
    if (!s.choices.empty()) {
      std::cout << ", one of:";
      for (const auto& c : s.choices) std::cout << " " << c;
    }
    std::cout << ")\n      " << s.doc;
    if (!s.source.empty()) std::cout << " [" << s.source << "]";
    std::cout << "\n";
  }
}

int cmd_describe(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  desc.add_options()("help,h", "show this help")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)")(
      "id", po::value<std::vector<std::string>>(&positional), "env or agent id");
  po::positional_options_description pos;
  pos.add("id", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, pos, vm,
          "usage: rlsim describe ID [--plugin PATH]\n\nPrints an env's spaces, limits and "
          "parameters, or an agent's parameters.\n"))
    return 0;
  if (positional.size() != 1) throw Error("rlsim describe needs one id (see rlsim list envs)");
  Registry r = make_registry(plugins);
  const std::string& id = positional[0];
  if (r.has_env(id)) {
    const EnvEntry& e = r.env(id);
    auto env = r.make_env(id, {});
    const EnvSpec& s = env->spec();
    std::cout << id << ": " << e.doc << "\n";
    std::cout << "observation space: " << s.observation_space.describe() << "\n";
    std::cout << "action space:      " << s.action_space.describe() << "\n";
    std::cout << "max episode steps: "
              << (s.max_episode_steps > 0 ? std::to_string(s.max_episode_steps) : "none") << "\n";
    std::cout << "reward threshold:  "
              << (s.reward_threshold ? format_param(*s.reward_threshold) : "none") << "\n";
    std::cout << "capabilities:     " << (env->model() ? " model" : "")
              << (env->oracle() ? " regret-oracle" : "") << (env->has_state() ? " state" : "")
              << (s.defines_success ? " success" : "") << "\n";
    std::cout << "parameters:\n";
    ParamSchema schema = e.schema;
    if (!schema.find("max_episode_steps")) schema.add(Registry::max_episode_steps_spec());
    print_schema(schema);
    if (e.origin != "built-in") std::cout << "from plugin: " << e.origin << "\n";
    return 0;
  }
  if (r.has_agent(id)) {
    const AgentEntry& a = r.agent(id);
    std::cout << id << ": " << a.doc << "\nparameters:\n";
    print_schema(a.schema);
    if (a.origin != "built-in") std::cout << "from plugin: " << a.origin << "\n";
    return 0;
  }
  std::vector<std::string> all = r.env_ids();
  for (const auto& a : r.agent_ids()) all.push_back(a);
  std::string msg = "unknown id '" + id + "': not an env or agent";
  auto close = close_matches(id, all);
  if (!close.empty()) {
    msg += "; did you mean:";
    for (const auto& c : close) msg += " " + c;
    msg += "?";
  }
  throw Error(msg + " (rlsim list envs, rlsim list agents)");
}

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

// "0;1;2" (discrete) or "0.5,-1;1,0" (Box, components separated by commas).
std::vector<Value> parse_actions(const std::string& text, const Space& space) {
  std::vector<Value> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ';')) {
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    Value v;
    space.prepare(v);
    std::stringstream is(item);
    std::string part;
    std::vector<std::string> parts;
    while (std::getline(is, part, ',')) parts.push_back(part);
    try {
      if (space.is_discrete()) {
        if (parts.size() != 1) throw std::invalid_argument("one integer");
        std::size_t used = 0;
        v.index = std::stoll(parts[0], &used);
        if (parts[0].find_first_not_of(" \t", used) != std::string::npos)
          throw std::invalid_argument("integer");
      } else {
        if (parts.size() != space.flat_size()) throw std::invalid_argument("components");
        for (std::size_t i = 0; i < parts.size(); ++i) v.vec[i] = std::stof(parts[i]);
      }
    } catch (const std::exception&) {
      throw Error("--actions item '" + item + "' is not an action of " + space.describe() +
                  (space.is_discrete() ? ": give an integer"
                                       : ": give " + std::to_string(space.flat_size()) +
                                             " comma-separated numbers"));
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<double> parse_state(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(part, &used));
      if (part.find_first_not_of(" \t", used) != std::string::npos) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw Error("--state component '" + part + "' is not a number");
    }
  }
  if (out.empty()) throw Error("--state is empty: give the state as comma-separated numbers");
  return out;
}

int cmd_env(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "render")
    return cmd_env_render(std::vector<std::string>(args.begin() + 1, args.end()));
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  std::string state, actions;
  std::uint64_t seed = 0;
  desc.add_options()("help,h", "show this help")(
      "state", po::value<std::string>(&state),
      "state to start from: an index for discrete-state envs, else comma-separated numbers "
      "(default: the state after reset)")(
      "actions", po::value<std::string>(&actions)->required(),
      "actions separated by ';' (Box actions: components separated by ',')")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(0), "reset seed")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)")(
      "args", po::value<std::vector<std::string>>(&positional), "trace ID [key=value ...]");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, pos, vm,
          "usage: rlsim env trace ID [--state S] --actions 'A1;A2;...' [key=value ...]\n\n"
          "Resets the env, sets its state, applies the actions and prints one CSV row per\n"
          "step: step, observation components, reward, terminated, truncated.\n"))
    return 0;
  if (positional.size() < 2 || positional[0] != "trace")
    throw Error("usage: rlsim env trace ID --state S --actions 'A1;A2;...'");
  Registry r = make_registry(plugins);
  RawParams params =
      parse_kv_params(std::vector<std::string>(positional.begin() + 2, positional.end()), "env");
  auto env = r.make_env(positional[1], params);
  const EnvSpec& spec = env->spec();
  Value obs;
  env->reset(obs, seed);
  if (!state.empty()) {
    if (!env->has_state())
      throw Error(spec.id +
                  " does not support setting its state, so it cannot be traced from "
                  "--state; omit --state to trace from the reset state");
    env->set_state(parse_state(state));
    env->observe(obs);
  }
  std::vector<Value> acts = parse_actions(actions, spec.action_space);
  // Check every action before printing anything, so a bad one gives no partial table.
  if (!spec.env_clips_actions || spec.action_space.is_discrete())
    for (std::size_t i = 0; i < acts.size(); ++i)
      spec.action_space.validate(acts[i], "action " + std::to_string(i + 1) + " for " + spec.id);
  auto print_obs = [&](const Value& o) {
    if (spec.observation_space.is_discrete()) {
      std::cout << "," << o.index;
    } else {
      std::cout << std::setprecision(9);
      for (float x : o.vec) std::cout << "," << x;
    }
  };
  std::cout << "step";
  const std::size_t d = spec.observation_space.flat_size();
  for (std::size_t i = 0; i < d; ++i) std::cout << ",obs_" << i;
  std::cout << ",reward,terminated,truncated\n";
  std::cout << 0;
  print_obs(obs);
  std::cout << ",,,\n";
  for (std::size_t i = 0; i < acts.size(); ++i) {
    if (env->episode_over())
      throw Error("action " + std::to_string(i + 1) + " comes after the episode ended");
    StepResult res = env->step(acts[i], obs);
    std::cout << i + 1;
    print_obs(obs);
    std::cout << std::setprecision(17) << "," << res.reward << "," << (res.terminated ? 1 : 0)
              << "," << (res.truncated ? 1 : 0) << "\n";
  }
  return 0;
}

}  // namespace

int cli_main(int argc, char** argv) {
  std::vector<std::string> all(argv + 1, argv + argc);
  const std::string command_line = join_args(argc, argv);
  try {
    if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
      std::cout << kUsage;
      return all.empty() ? 2 : 0;
    }
    if (all[0] == "--version") {
      std::cout << "rlsim " << version() << " (" << git_commit() << ")\n";
      return 0;
    }
    const std::string cmd = all[0];
    std::vector<std::string> rest(all.begin() + 1, all.end());
    if (cmd == "run") return cmd_run(rest, command_line);
    if (cmd == "list") return cmd_list(rest);
    if (cmd == "describe") return cmd_describe(rest);
    if (cmd == "analyze") return cmd_analyze(rest);
    if (cmd == "env") return cmd_env(rest);
    if (cmd == "ope") return cmd_ope(rest);
    if (cmd == "plot") return cmd_plot(rest);
    if (cmd == "traj") return cmd_traj(rest);
    if (cmd == "eval") return cmd_eval(rest);
    std::string msg = "unknown command '" + cmd + "'";
    auto close = close_matches(
        cmd, {"run", "list", "describe", "analyze", "env", "ope", "plot", "traj", "eval"});
    if (!close.empty()) msg += "; did you mean '" + close[0] + "'?";
    std::cerr << "rlsim: error: " << msg << "\n" << kUsage;
    return 2;
  } catch (const po::error& e) {
    std::cerr << "rlsim: error: " << e.what() << " (see rlsim " << (all.empty() ? "" : all[0])
              << " --help)\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << "rlsim: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "rlsim: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace rlsim
