// The driver's guards against losing files, crashing, running without bound and misleading
// (issue 17, items 1, 6, 7, 10, 11, 14, 18 and 19): every case runs the `rlsim` binary, or
// the helper it uses, and fails on the code before the fix.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "experiments/analyze.hpp"
#include "experiments/analyze_util.hpp"
#include "experiments/cli_util.hpp"
#include "run/hdf5_log.hpp"
#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// Lines of `text` that start with a digit: the run lines of `rlsim run --dry-run`.
int run_lines(const std::string& text) {
  int n = 0;
  std::istringstream is(text);
  for (std::string line; std::getline(is, line);) n += !line.empty() && std::isdigit(line[0]);
  return n;
}

// "[0.001, 0.002, ..., n/1000]"
std::string values(int n) {
  std::string s = "[";
  for (int i = 1; i <= n; ++i) s += (i > 1 ? ", " : "") + std::to_string(i / 1000.0);
  return s + "]";
}

// q-learning on FrozenLake with `n` alphas × `n` gammas × `seeds` seeds.
std::string grid_config(int n, int seeds) {
  return "episodes = 1\nseeds = " + std::to_string(seeds) +
         "\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"q-learning\"\nalpha = " + values(n) +
         "\ngamma = " + values(n) + "\n";
}

}  // namespace

TEST_CASE("guards: no command writes over its input, nor over a file without --overwrite") {
  const fs::path d = temp_dir("guard_inputs");
  std::ofstream(d / "small.toml") << lake_config("small", 1, 20);
  const std::string cfg = (d / "small.toml").string();
  const std::string f = (d / "f.h5").string();
  REQUIRE(sh("run " + cfg + " -q log.steps=true save_agent=true --out " + f).code == 0);
  const std::string run_bytes = read_text(f), cfg_bytes = read_text(cfg);
  fs::create_hard_link(f, d / "hard.h5");
  fs::create_symlink(f, d / "soft.h5");

  struct Case {
    std::string args, expect;
  };
  const std::string input = "writing it would destroy the input (even with --overwrite)";
  const std::vector<Case> refused{
      {"analyze " + f + " --csv " + f, "is an input of this command"},
      {"analyze " + f + " --csv " + f + " --overwrite", input},
      {"analyze " + f + " --csv " + (d / "hard.h5").string() + " --overwrite",
       "is the same file as the input '" + f + "'"},
      {"analyze " + f + " --csv " + (d / "soft.h5").string() + " --overwrite", input},
      {"analyze " + f + " --compare " + f + " --csv " + f + " --overwrite", input},
      {"traj " + f + " --run 0 --episode 0 --replay --out " + f + " --overwrite", input},
      {"env render FrozenLake-v1 --checkpoint " + f + " --run 0 --out " + f + " --overwrite",
       input},
      {"run " + cfg + " --out " + cfg + " --overwrite", input},
      {"run " + cfg + " --out " + f, "already exists"},
  };
  for (const auto& c : refused) check_error(c.args, c.expect);
  CHECK(read_text(f) == run_bytes);
  CHECK(read_text(cfg) == cfg_bytes);
  CHECK(rlsim::ExperimentReader(f).meta().complete);

  // Other outputs: refused when they exist, replaced with --overwrite.
  const std::string csv = (d / "t.csv").string(), gif = (d / "g.gif").string(),
                    replay = (d / "r.gif").string(), curves = (d / "curves").string();
  const std::vector<std::string> writers{
      "analyze " + f + " --csv " + csv,
      "analyze " + f + " --curves " + curves,
      "env render FrozenLake-v1 --out " + gif,
      "traj " + f + " --run 0 --episode 0 --replay --out " + replay,
  };
  for (const std::string& w : writers) {
    INFO(w);
    CHECK(sh(w).code == 0);
    check_error(w, "already exists: choose another path, or pass --overwrite to replace it");
    const Result again = sh(w + " --overwrite");
    INFO(again.out);
    CHECK(again.code == 0);
  }
  CHECK(fs::exists(d / "curves" / "groups.csv"));
  // Staging directories and partial GIFs are gone.
  for (const auto& e : fs::directory_iterator(d / "curves"))
    CHECK(e.path().filename().string().rfind(".rlsim-staging", 0) != 0);
  for (const auto& e : fs::directory_iterator(d))
    CHECK(e.path().filename().string().find(".partial-") == std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("guards: --out DIR says it is a directory and what would work") {
  const fs::path d = temp_dir("guard_dir");
  std::ofstream(d / "small.toml") << lake_config("small", 1, 5);
  for (const std::string extra : {"", " --overwrite"}) {
    const Result r = sh("run " + (d / "small.toml").string() + " --out " + d.string() + extra);
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("is a directory: give a file name inside it, such as " +
                                      (d / "run.h5").string()));
    CHECK_THAT(r.out, !Catch::Contains("pass --overwrite"));
  }
  fs::remove_all(d);
}

TEST_CASE("guards: threads are capped at 4 x the hardware threads unless forced") {
  const fs::path d = temp_dir("guard_threads");
  std::ofstream(d / "small.toml") << lake_config("small", 2, 5);
  const std::string cfg = (d / "small.toml").string();
  Result r = sh("run " + cfg + " -q --threads 100000 --out " + (d / "a.h5").string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("--threads 100000 is more than 4 × the") &&
                        Catch::Contains("--threads-force"));
  // One line, not one per place that needs the thread count.
  const std::string line = "--threads 100000 is more than 4";
  CHECK(r.out.find(line) == r.out.rfind(line));
  r = shell("OMP_NUM_THREADS=100000 " + rlsim_bin() + " run " + cfg + " -q --out " +
            (d / "b.h5").string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("(OMP_NUM_THREADS=100000) is more than 4 × the"));
  CHECK(rlsim::ExperimentReader((d / "b.h5").string()).meta().complete);
  fs::remove_all(d);
}

TEST_CASE("guards: a grid is counted before it is expanded, and --dry-run streams it") {
  const fs::path d = temp_dir("guard_grid");
  // 1000 alphas × 1000 gammas × 1000 seeds = 10^9 runs: refused at once, with the count.
  std::ofstream(d / "huge.toml") << grid_config(1000, 1000);
  for (const std::string& mode : {std::string(" --dry-run"), " -q --out " + (d / "h.h5").string()})
    check_error("run " + (d / "huge.toml").string() + mode,
                "the config's grid expands to 1000000000 runs (grid points: env[0] 1, agent[0] "
                "1000000; × 1000 seeds), more than the limit of 1000000");
  CHECK_FALSE(fs::exists(d / "h.h5"));
  // Past 64 bits: said so.
  std::ofstream(d / "overflow.toml")
      << grid_config(1000, 1) << "epsilon = " << values(1000) << "\nq_init = " << values(1000)
      << "\ntemperature = " << values(1000) << "\nalpha_final = " << values(1000)
      << "\nepsilon_final = " << values(1000) << "\n";
  check_error("run " + (d / "overflow.toml").string() + " --dry-run",
              "expands to more than 2^64 runs");
  // 100 × 100 = 10^4 runs: one line each; --max-runs moves the limit.
  std::ofstream(d / "grid.toml") << grid_config(100, 1);
  const std::string grid = (d / "grid.toml").string();
  Result r = sh("run " + grid + " --dry-run");
  REQUIRE(r.code == 0);
  CHECK(run_lines(r.out) == 10000 + 1);  // the runs, and the count
  CHECK_THAT(r.out, Catch::EndsWith("\n10000 runs\n"));
  check_error("run " + grid + " --dry-run --max-runs 9999", "more than the limit of 9999");
  r = sh("run " + grid + " --dry-run --max-runs 10000");
  CHECK(r.code == 0);
  fs::remove_all(d);
}

TEST_CASE("guards: a config is a regular file of at most 4 MB") {
  const fs::path d = temp_dir("guard_config");
  check_error("run /dev/zero", "config '/dev/zero' is not a regular file");
  REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
  // A FIFO nobody writes would block a reader: it must be refused without opening it.
  const Result fifo = shell("timeout 60 " + rlsim_bin() + " run " + (d / "fifo").string());
  INFO(fifo.out);
  CHECK(fifo.code == 1);
  CHECK_THAT(fifo.out, Catch::Contains("is not a regular file (a device, FIFO or socket)"));
  check_error("run " + d.string(), "config '" + d.string() + "' is a directory");
  {
    std::ofstream big(d / "big.toml");
    big << "# " << std::string(5 << 20, 'x') << "\nepisodes = 1\n";
  }
  check_error("run " + (d / "big.toml").string(), "is larger than 4 MB");
  fs::remove_all(d);
}

TEST_CASE("guards: duplicate grid points are refused, naming both") {
  const fs::path d = temp_dir("guard_dup");
  const std::string head = "episodes = 2\n[[env]]\nid = \"FrozenLake-v1\"\n";
  auto refused = [&](const std::string& name, const std::string& text, const std::string& what) {
    std::ofstream(d / name) << text;
    check_error("run " + (d / name).string() + " -q --out " + (d / "x.h5").string(),
                "duplicate grid point: " + what);
    check_error("run " + (d / name).string() + " --dry-run", "duplicate grid point: " + what);
  };
  refused("list.toml", head + "[[agent]]\nid = \"q-learning\"\nalpha = [0.5, 0.2, 0.5]\n",
          "agent[0] point 1 of 3 (q-learning alpha=0.5) and agent[0] point 3 of 3 (q-learning "
          "alpha=0.5) resolve to the same parameters");
  refused("entries.toml",
          head +
              "[[agent]]\nid = \"q-learning\"\nalpha = 0.5\n[[agent]]\nid = \"q-learning\"\n"
              "alpha = 0.5\n",
          "agent[0] (q-learning alpha=0.5) and agent[1] (q-learning alpha=0.5)");
  // The same after defaults: alpha = 0.1 is q-learning's default.
  refused("defaults.toml",
          head + "[[agent]]\nid = \"q-learning\"\n[[agent]]\nid = \"q-learning\"\nalpha = 0.1\n",
          "agent[0] (q-learning, default parameters) and agent[1] (q-learning alpha=0.1)");
  refused(
      "envs.toml",
      head + "is_slippery = true\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"random\"\n",
      "env[0] (FrozenLake-v1 is_slippery=true) and env[1] (FrozenLake-v1, default parameters)");
  CHECK_FALSE(fs::exists(d / "x.h5"));
  // Distinct points pass.
  std::ofstream(d / "fine.toml") << head + "[[agent]]\nid = \"q-learning\"\nalpha = [0.5, 0.2]\n";
  const Result r = sh("run " + (d / "fine.toml").string() + " --dry-run");
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("2 runs"));
  fs::remove_all(d);
}

TEST_CASE("guards: the done: line shows a list of whole numbers as integers") {
  // The config reader gives TOML lists as floats; net_arch = [32, 16] was shown as
  // [32.0, 16.0], unlike the file's parameter text.
  const fs::path d = temp_dir("guard_int_list");
  {
    std::ofstream(d / "n.toml") << "name = \"n\"\nseeds = 1\nsteps = 50\n[[env]]\nid = "
                                   "\"CartPole-v1\"\n[[agent]]\nid = \"dqn\"\nnet_arch = "
                                   "[32, 16]\nlearning_starts = 1000\n";
  }
  const Result run = sh("run " + (d / "n.toml").string() + " --out " + (d / "n.h5").string());
  INFO(run.out);
  REQUIRE(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("done: CartPole-v1 / dqn learning_starts=1000 "
                                      "net_arch=[32, 16]: 1 run"));
  fs::remove_all(d);
}

TEST_CASE("guards: list-valued parameters are parsed whole (chapelle_li)") {
  // The parser of the canonical text: lists, quoted strings with escapes, brackets in strings.
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(rlsim::parse_params_text("a=1 b=\"x \\\"y z\\\" [w\" c=[1.0, 2.0] d=[]") ==
        Pairs{{"a", "1"}, {"b", "\"x \\\"y z\\\" [w\""}, {"c", "[1.0, 2.0]"}, {"d", "[]"}});
  CHECK(rlsim::short_param_value("[0.5, 0.4, 0.4, 0.4, 0.4]") == "[0.5, 4×0.4]");
  CHECK(rlsim::short_param_value("[1.0, 2.0, 2.0]") == "[1.0, 2.0, 2.0]");

  const fs::path d = temp_dir("guard_chapelle");
  const std::string config =
      std::string(RLSIM_SOURCE_DIR) + "/experiments/configs/chapelle_li.toml";
  const std::string f = (d / "cl.h5").string();
  const Result run = sh("run " + config + " seeds=2 env.horizon=50 --out " + f);
  INFO(run.out);
  REQUIRE(run.code == 0);
  // The done: lines of the progress display name each problem by its shortened list.
  CHECK_THAT(run.out, Catch::Contains("done: BernoulliBandit-v0 horizon=50 means=[0.5, 99×0.48] / "
                                      "thompson: 2 runs"));
  CHECK_THAT(run.out, !Catch::Contains("0.4, 0.4, 0.4"));

  // The group texts as the file holds them: each row differs in its whole list.
  rlsim::ExperimentReader reader(f);
  const rlsim::Summary s = rlsim::summarize(reader, 100);
  std::vector<const rlsim::GroupSummary*> thompson;
  for (const auto& g : s.groups)
    if (g.agent_id == "thompson") thompson.push_back(&g);
  REQUIRE(thompson.size() == 4);
  CHECK(rlsim::analyze_detail::differing_params(thompson) ==
        std::vector<std::string>{"means=[0.5, 9×0.4]", "means=[0.5, 9×0.48]", "means=[0.5, 99×0.4]",
                                 "means=[0.5, 99×0.48]"});
  const Result a = sh("analyze " + f);
  INFO(a.out);
  REQUIRE(a.code == 0);
  CHECK_THAT(a.out, Catch::Contains("(BernoulliBandit-v0 / ucb1): means=[0.5, 99×0.4]\n"));
  CHECK_THAT(a.out, !Catch::Contains("0.4, 0.4]") && !Catch::Contains("0.4,\n"));
  // One episode per bandit run: all of it is averaged, and the header says so.
  CHECK_THAT(a.out, Catch::Contains("return (all 1)"));
  fs::remove_all(d);
}

TEST_CASE("guards: a bad command line exits 2; --help shows only real options") {
  const fs::path d = temp_dir("guard_usage");
  std::ofstream(d / "small.toml") << lake_config("small", 1, 5);
  const std::string f = (d / "f.h5").string();
  REQUIRE(sh("run " + (d / "small.toml").string() + " -q --out " + f).code == 0);
  check_usage_error("analyze", "rlsim analyze needs a run file");
  check_usage_error("analyze " + f + " " + f, "takes one run file");
  check_usage_error("run --threads -1", "--threads -1 must be >= 0");
  check_usage_error("run a.toml b.toml", "unexpected argument 'b.toml'");
  check_usage_error("list things", "envs or agents");
  check_usage_error("describe", "needs one id");
  check_usage_error("traj " + f + " --run 0 --episode 0 --text", "add --replay");
  check_usage_error("env trace FrozenLake-v1", "needs --actions");
  check_usage_error("env trace FrozenLake-v1 --actions 1 --seed -5", "--seed -5 is negative");
  check_usage_error("env render FrozenLake-v1 --seed -1 --text", "--seed -1 is negative");
  check_usage_error("env render FrozenLake-v1", "missing --out FILE.gif");
  check_usage_error("eval", "needs a run file");
  check_usage_error("plot " + f + " --out " + (d / "p").string() + " --what bogus",
                    "unknown figure kind 'bogus'");
  check_usage_error("ope " + f + " --policy ucb1 --seed -3", "--seed -3 is negative");

  // A bare `rlsim env` lists its subcommands; --help too, with exit 0.
  Result r = sh("env");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("rlsim env trace") && Catch::Contains("rlsim env render"));
  r = sh("env --help");
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("trace ") && Catch::Contains("render ") &&
                        !Catch::Contains("--actions arg"));

  // --plugin everywhere, as docs/commands.md says.
  const std::string plugin = std::string(" --plugin ") + RLSIM_CHAIN_PLUGIN;
  r = sh("analyze " + f + plugin);
  INFO(r.out);
  CHECK(r.code == 0);
  r = sh("ope " + f + " --policy ucb1" + plugin);
  CHECK_THAT(r.out, !Catch::Contains("unrecognised option"));

  // --help: the positional sinks are not options; "options" once.
  for (const std::string cmd : {"run", "list", "describe", "analyze", "ope", "plot", "traj", "eval",
                                "env trace", "env render"}) {
    r = sh(cmd + " --help");
    INFO(cmd << "\n" << r.out);
    CHECK(r.code == 0);
    for (const char* internal : {"--args", "--file", "--id ", "--what arg  "})
      CHECK_THAT(r.out, !Catch::Contains(internal));
    int headings = 0;  // lines "options" or "options:"
    for (std::size_t p = r.out.find("\noptions"); p != std::string::npos;
         p = r.out.find("\noptions", p + 1))
      headings +=
          r.out.compare(p, 10, "\noptions:\n") == 0 || r.out.compare(p, 9, "\noptions\n") == 0;
    CHECK(headings == 1);
  }
  fs::remove_all(d);
}

TEST_CASE("guards: messages say what is wrong and what would be right") {
  const fs::path d = temp_dir("guard_messages");
  std::ofstream(d / "small.toml") << lake_config("small", 1, 50);
  const std::string cfg = (d / "small.toml").string();
  check_error("run " + cfg + " --dry-run agent[5].alpha=0.1",
              "there are 2 agent entries (indices 0 to 1)");
  check_error("run " + cfg + " --dry-run env[3].is_slippery=false",
              "there is 1 env entry (index 0)");
  check_error("run " + cfg + " --dry-run env.id=Pendulum-v1",
              "agent 'q-learning' cannot run on Pendulum-v1 (Box(");
  std::ofstream(d / "text.so") << "not a library\n";
  Result r = sh("list envs --plugin " + (d / "text.so").string());
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("is not a loadable shared library") &&
                        !Catch::Contains("Bad file descriptor"));
  check_error("run " + cfg + " --dry-run agent.alpha=1" + std::string(100000, '0'),
              "is out of the range of an integer");
  check_error("run " + cfg + " --dry-run agent.alpha=1e400", "is out of the range of a float");
  check_error(
      "env trace Pendulum-v1 --actions 1e308",
      "--actions item 1 '1e308' for Pendulum-v1 holds a number out of the range of a float");
  check_error("run " + cfg + " --dry-run name=\\\"../x\\\"", "holds a path separator or '..'");
  check_error("run " + cfg + " --dry-run name=\\\"\\\"", "config key 'name' is empty");
  const std::string f = (d / "f.h5").string();
  r = sh("run " + cfg + " --out " + f);
  INFO(r.out);
  REQUIRE(r.code == 0);
  // 50 episodes per run, --last 100: all 50 are averaged, and the table and done: lines say so.
  CHECK_THAT(r.out, Catch::Contains("return (all 50)") && !Catch::Contains("last 100"));
  r = sh("analyze " + f + " --last 20");
  CHECK_THAT(r.out, Catch::Contains("return (last 20)"));
  // plot with an interpreter that runs but draws nothing: an error, and nothing written.
  r = shell("RLSIM_PYTHON=/bin/true " + rlsim_bin() + " plot " + f + " --out " +
            (d / "plots").string());
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("reported no figures"));
  CHECK(fs::is_empty(d / "plots"));
  fs::remove_all(d);
}

TEST_CASE("guards: an experiment whose step log would fill the disk is refused before it runs") {
  // 10^12 logged FrozenLake steps are tens of terabytes: refused with the estimate, before
  // the run file is created (issue 17, item 8); the message names --force.
  const fs::path dir = temp_dir("force");
  const fs::path out = dir / "big.h5";
  std::ofstream(dir / "big.toml")
      << "steps = 1000000000000\nseeds = 1\n[log]\nsteps = true\n"
         "[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"random\"\n";
  const Result r = sh("run " + (dir / "big.toml").string() + " -q --out " + out.string());
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("would write about") && Catch::Contains("--force"));
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

TEST_CASE(
    "guards: a network or replay buffer too large for the machine is refused, and the "
    "failed run leaves no file behind") {
  // 10^6 × 10^6 hidden units are 10^12 parameters (16 TB to train): refused with the layer
  // sizes before any is allocated, where Linux's overcommit would otherwise let the process
  // fill memory until the kernel kills it. The file the command had created holds nothing and
  // is removed, so the corrected command needs no --overwrite.
  const fs::path dir = temp_dir("too_large");
  const std::string out = (dir / "r.h5").string();
  const std::string configs = std::string(RLSIM_SOURCE_DIR) + "/experiments/configs/";
  const std::string ppo = configs + "ppo_cartpole.toml";
  Result r = sh("run " + ppo + " steps=256 -q 'agent.net_arch=[1000000,1000000]' --out " + out);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("layer sizes [4, 1000000, 1000000] hold 1e+12 parameters") &&
                        Catch::Contains("more than this machine's") &&
                        Catch::Contains("no run had started: '" + out + "' was removed"));
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out + ".lock"));
  r = sh("run " + ppo + " steps=256 -q --out " + out);
  INFO(r.out);
  CHECK(r.code == 0);
  fs::remove(out);
  // A replay buffer of 10^18 rows cannot even be reserved: its own message, not std::bad_alloc.
  const std::string td3 = configs + "td3_pendulum.toml";
  r = sh("run " + td3 + " steps=256 -q agent.buffer_size=1000000000000000000 --out " + out);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("replay buffer: buffer_size = 1000000000000000000") &&
                        Catch::Contains("lower buffer_size") && !Catch::Contains("bad_alloc"));
  CHECK_FALSE(fs::exists(out));
  // PPO's rollout buffer is zeroed as it is built: 8 envs × 10^12 steps are refused by size.
  r = sh("run " + ppo + " steps=256 -q agent.n_steps=1000000000000 --out " + out);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("rollout buffer: n_envs × n_steps = 8 × 1000000000000 rows") &&
                        Catch::Contains("lower n_steps or n_envs"));
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(dir);
}
