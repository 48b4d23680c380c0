// `rlsim run --continue FILE steps=N --out NEW.h5` (experiments/continue_run.hpp, issue 17):
// a finished experiment run with checkpoint.every, continued to a larger budget, gives the
// same run file, table for table and bit for bit, as one run of the larger budget whose
// schedules keep the original length (schedule_steps = the original budget). Checked for a
// TD agent on FrozenLake (step and episode budgets, continued twice), DQN with evaluation
// and keep_best, and PPO on CartPole (tiny networks, a budget that ends mid-rollout and
// mid-episode). The file continued is never modified; each refusal says what to do.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/state_dict_io.hpp"
#include "run/hdf5_log.hpp"
#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

const char* kLake = R"(
name = "lake"
seeds = 2
steps = 3000
[checkpoint]
every = 1000
[eval]
every = 500
episodes = 3
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "q-learning"
)";

// DQN with evaluation and keep_best: exploration follows the step budget (total_timesteps 0),
// so only schedule_steps keeps it as the first part had it.
const char* kDqn = R"(
name = "dqn"
seed = 5
seeds = 1
steps = 700
save_agent = true
[checkpoint]
every = 300
[eval]
every = 200
episodes = 2
[[env]]
id = "CartPole-v1"
[[agent]]
id = "dqn"
net_arch = [8]
buffer_size = 400
learning_starts = 50
batch_size = 8
train_freq = 2
target_update_interval = 20
keep_best = true
)";

// PPO: 300 steps end inside a rollout of 64 (and, with CartPole's early episodes, mid-episode).
const char* kPpo = R"(
name = "ppo"
seed = 2
seeds = 1
steps = 300
save_agent = true
[checkpoint]
every = 1000
[eval]
every = 128
episodes = 2
[[env]]
id = "CartPole-v1"
[[agent]]
id = "ppo"
net_arch = [8]
n_steps = 64
batch_size = 16
n_epochs = 2
keep_best = true
)";

struct Files {
  fs::path dir, config;
};

Files setup(const std::string& name, const char* config) {
  Files f{temp_dir("continue_" + name), {}};
  f.config = f.dir / (name + ".toml");
  std::ofstream(f.config) << config;
  return f;
}

void run_ok(const std::string& args) {
  const Result r = sh(args);
  INFO("rlsim " << args << "\n" << r.out);
  REQUIRE(r.code == 0);
}

// Runs CONFIG for its own budget, continues it with BUDGET (e.g. "steps=1500") and compares
// with one run of CONFIG with BUDGET and SCHEDULE (e.g. "schedule_steps=700"). The file
// continued stays byte for byte as it was. Returns the continued file.
std::string check_continue(const Files& f, const std::string& budget, const std::string& schedule) {
  const std::string first = (f.dir / "first.h5").string();
  const std::string cont = (f.dir / ("cont-" + budget + ".h5")).string();
  const std::string want = (f.dir / ("want-" + budget + ".h5")).string();
  run_ok("run " + f.config.string() + " --out " + first + " -q --threads 1");
  const std::string before = read_text(first);
  run_ok("run --continue " + first + " " + budget + " --out " + cont + " -q --threads 2");
  CHECK(read_text(first) == before);
  run_ok("run " + f.config.string() + " " + budget + " " + schedule + " --out " + want + " -q");
  require_same_results(cont, want);
  return cont;
}

}  // namespace

TEST_CASE("continue: q-learning on FrozenLake continues bit for bit, twice", "[continue]") {
  const Files f = setup("lake", kLake);
  const std::string cont = check_continue(f, "steps=7000", "schedule_steps=3000");
  // The continued file can be continued again; the schedules keep the first budget.
  const std::string again = (f.dir / "again.h5").string();
  const std::string want = (f.dir / "want-again.h5").string();
  run_ok("run --continue " + cont + " steps=9000 --out " + again + " -q");
  run_ok("run " + f.config.string() + " steps=9000 schedule_steps=3000 --out " + want + " -q");
  require_same_results(again, want);
  // Its state after 9000 steps is the longer run's.
  const rlsim::StateDict a = rlsim::read_state_dict(again, "continuation/000001");
  const rlsim::StateDict b = rlsim::read_state_dict(want, "continuation/000001");
  CHECK(a.at("runner/loop").data == b.at("runner/loop").data);
  CHECK(a.at("runner/loop").data.at(1) == 9000);
  fs::remove_all(f.dir);
}

TEST_CASE("continue: an episode budget continues the same way", "[continue]") {
  std::string config = kLake;
  config.replace(config.find("steps = 3000"), 12, "episodes = 40");
  const Files f = setup("lake_episodes", config.c_str());
  check_continue(f, "episodes=100", "");
  fs::remove_all(f.dir);
}

TEST_CASE("continue: DQN with evaluation and keep_best continues bit for bit", "[continue]") {
  const Files f = setup("dqn", kDqn);
  check_continue(f, "steps=1500", "schedule_steps=700");
  fs::remove_all(f.dir);
}

TEST_CASE("continue: PPO continues bit for bit from inside a rollout", "[continue]") {
  const Files f = setup("ppo", kPpo);
  check_continue(f, "steps=700", "schedule_steps=300");
  fs::remove_all(f.dir);
}

TEST_CASE("continue: what cannot be continued is refused with what to do", "[continue]") {
  const Files f = setup("refusals", kLake);
  const std::string file = (f.dir / "first.h5").string();
  const std::string out = (f.dir / "new.h5").string();
  run_ok("run " + f.config.string() + " --out " + file + " -q");
  const std::string before = read_text(file);
  const std::string cont = "run --continue " + file + " ";
  check_error(cont + "steps=3000 --out " + out, "steps=3000 is not larger than the original");
  check_error(cont + "steps=2000 --out " + out, "give steps=N with N > 3000");
  check_error(cont + "--out " + out, "give the new budget, steps=N");
  check_error(cont + "steps=5000 agent.alpha=0.3 --out " + out, "changes only the budget");
  check_error(cont + "steps=5000 seeds=3 --out " + out, "changes only the budget");
  check_error(cont + "episodes=50 --out " + out, "give steps=N (N > 3000)");
  check_error(cont + "steps=5000 schedule_steps=5000 --out " + out, "changes only the budget");
  // FILE is an input: never written, even with --overwrite.
  check_error(cont + "steps=5000 --out " + file + " --overwrite", "is an input of this command");
  CHECK(read_text(file) == before);
  // NEW.h5 that exists needs --overwrite.
  std::ofstream(out) << "x";
  check_error(cont + "steps=5000 --out " + out, "--overwrite");
  fs::remove(out);
  check_usage_error(cont + "steps=5000", "give --out NEW.h5");
  check_usage_error(cont + "steps=5000 --resume " + file + " --out " + out, "cannot be combined");
  check_usage_error(cont + f.config.string() + " steps=5000 --out " + out, "give no config file");
  CHECK(!fs::exists(out));

  // Run without checkpoint.every: no continuation state (and no /continuation group).
  const std::string plain = (f.dir / "plain.h5").string();
  run_ok("run " + f.config.string() + " checkpoint.every=0 --out " + plain + " -q");
  check_error("run --continue " + plain + " steps=5000 --out " + out,
              "it was run without checkpoint.every");
  CHECK_THROWS(rlsim::read_state_dict(plain, "continuation/000000"));

  // An interrupted experiment: finish it with --resume first.
  const std::string stopped = (f.dir / "stopped.h5").string();
  {
    // Ctrl-C once the file exists (a fixed delay was too short for a sanitizer build on a
    // loaded machine: the signal came before the file did).
    const pid_t pid = spawn({"run", f.config.string(), "steps=1000000000", "--out", stopped, "-q"},
                            (f.dir / "stopped.log").string());
    bool ended = false;
    for (int i = 0; i < 12000 && !fs::exists(stopped) && !(ended = exited(pid)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!ended) {
      ::kill(pid, SIGINT);
      CHECK(wait_child(pid) == 130);
    }
  }
  REQUIRE(fs::exists(stopped));
  check_error("run --continue " + stopped + " steps=2000000000 --out " + out, "use --resume first");
  // Both an episode and a step budget: which one binds is not known.
  const std::string both = (f.dir / "both.h5").string();
  run_ok("run " + f.config.string() + " episodes=30 --out " + both + " -q");
  check_error("run --continue " + both + " steps=5000 --out " + out, "a budget of both");
  CHECK(!fs::exists(out));
  fs::remove_all(f.dir);
}
