// The `rlsim` driver's entry point: the usage text and the dispatch of a command line to
// its command (experiments/cmd_*.cpp, declared in experiments/commands.hpp). Errors become
// one line on stderr: a bad command line (boost::program_options errors, UsageError) exits
// 2, other errors (rlsim::Error, std::exception) 1. Before any command, OpenMP's default
// team size is capped (experiments/cli_util.hpp, cap_default_threads).
#include "experiments/cli.hpp"

#include <algorithm>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/version.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

const char* kUsage = R"(usage: rlsim <command> [options]

commands:
  run [CONFIG.toml] [key=value ...]   run an experiment (no config: the default one)
  list envs|agents                    list registered envs or agents
  describe ID                         spaces, parameters and docs of an env or agent
                                      (--json: the same as data)
  analyze FILE.h5                     summary table of a run file (--csv for CSV;
                                      --compare B.h5 for differences with another)
  env trace ID --state S --actions A  step an env from a given state, print CSV rows
  env render ID --out FILE.gif        roll out an agent and write an animated GIF
  ope LOG.h5 --policy ID              off-policy value of a bandit policy from a log
  plot FILE.h5 --out DIR              regret/learning curves and histograms as PNG
  traj FILE.h5 --run R --episode E    print a logged trajectory as a table (--replay
                                      --out F.gif | --text: draw it)
  eval FILE.h5 --run R --episodes N   evaluate an agent saved in a run file
  watch FILE.h5                       follow an experiment while it runs (live rows)

every command takes --help, and --plugin PATH to load a plugin (also RLSIM_PLUGIN_PATH).
documentation: README.md and docs/ (docs/commands.md lists every option).
)";

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s.push_back(' ');
    s.append(argv[i]);
  }
  return s;
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
    cap_default_threads(cmd == "run" &&
                        std::find(rest.begin(), rest.end(), "--threads-force") != rest.end());
    if (cmd == "run") return cmd_run(rest, command_line);
    if (cmd == "list") return cmd_list(rest);
    if (cmd == "describe") return cmd_describe(rest);
    if (cmd == "analyze") return cmd_analyze(rest);
    if (cmd == "env") return cmd_env(rest);
    if (cmd == "ope") return cmd_ope(rest);
    if (cmd == "plot") return cmd_plot(rest);
    if (cmd == "traj") return cmd_traj(rest);
    if (cmd == "eval") return cmd_eval(rest);
    if (cmd == "watch") return cmd_watch(rest);
    std::string msg = "unknown command '" + cmd + "'";
    auto close = close_matches(
        cmd, {"run", "list", "describe", "analyze", "env", "ope", "plot", "traj", "eval", "watch"});
    if (!close.empty()) msg += "; did you mean '" + close[0] + "'?";
    std::cerr << "rlsim: error: " << msg << "\n" << kUsage;
    return 2;
  } catch (const po::error& e) {
    std::cerr << "rlsim: error: " << e.what() << " (see rlsim " << (all.empty() ? "" : all[0])
              << " --help)\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "rlsim: error: " << e.what() << " (see rlsim " << (all.empty() ? "" : all[0])
              << " --help)\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << "rlsim: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "rlsim: error: " << out_of_memory_message() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "rlsim: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace rlsim
