// `rlsim plot` end to end: tiny experiments run with the driver, then plotted; checks the PNG
// files and their JSON sidecars (lines drawn, the Lai-Robbins constant against an independent
// computation from the arm means, including means drawn per run).
//
// Needs a python3 with h5py, numpy and matplotlib (scripts/install-deps.sh installs Debian's);
// without one `rlsim plot` fails with a message naming what is missing, and these tests fail
// with that message.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "experiments/cli_util.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

bool is_png(const fs::path& p) {
  const std::string head = read_text(p).substr(0, 8);
  return head == std::string("\x89PNG\r\n\x1a\n", 8);
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

double number_after(const std::string& text, const std::string& key) {
  const auto pos = text.find("\"" + key + "\": ");
  REQUIRE(pos != std::string::npos);
  return std::stod(text.substr(pos + key.size() + 4));
}

// Sidecars of one figure kind: {env title line → JSON text}; checks each one's PNG.
std::map<std::string, std::string> sidecars(const fs::path& dir, const std::string& kind) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(kind + "_", 0) != 0 || e.path().extension() != ".json") continue;
    fs::path png = e.path();
    png.replace_extension(".png");
    INFO(png.string());
    CHECK(fs::is_regular_file(png));
    CHECK(is_png(png));
    const std::string text = read_text(e.path());
    const auto pos = text.find("\"env\": \"");
    REQUIRE(pos != std::string::npos);
    out[text.substr(pos + 8, text.find('"', pos + 8) - pos - 8)] = text;
  }
  return out;
}

// Lai & Robbins (1985): C = Σ_{a: Δa > 0} Δa / kl(μa, μ*), Bernoulli kl, written out here.
double lai_robbins_constant(const std::vector<double>& means) {
  double best = 0.0;
  for (double m : means) best = std::max(best, m);
  auto xlogy = [](double x, double y) { return x == 0.0 ? 0.0 : x * std::log(x / y); };
  double c = 0.0;
  for (double m : means)
    if (best - m > 0.0) c += (best - m) / (xlogy(m, best) + xlogy(1.0 - m, 1.0 - best));
  return c;
}

const char* kBandit = R"(
name = "plot-bandit"
seed = 7
seeds = 3
episodes = 1
[[env]]
id = "BernoulliBandit-v0"
means = [0.9, 0.8, 0.7]
horizon = 500
[[env]]
id = "BernoulliBandit-v0"
means_distribution = "uniform"
arms = 4
horizon = 500
[[agent]]
id = "ucb1"
[[agent]]
id = "thompson"
)";

const std::string kFrozenLake = lake_config("plot-frozenlake", 2, 300);

}  // namespace

TEST_CASE("plot: bandit regret figures with the Lai-Robbins bound", "[plot]") {
  const fs::path d = temp_dir("plot_bandit");
  std::ofstream(d / "bandit.toml") << kBandit;
  const std::string file = (d / "bandit.h5").string();
  Result run = sh("run -q " + (d / "bandit.toml").string() + " --out " + file);
  INFO(run.out);
  REQUIRE(run.code == 0);
  Result plot = sh("plot " + file + " --out " + (d / "plots").string() + " --log-x");
  INFO(
      "rlsim plot output (a missing python3 with h5py, numpy and matplotlib is named here; "
      "scripts/install-deps.sh installs them):\n" +
      plot.out);
  REQUIRE(plot.code == 0);

  const auto regret = sidecars(d / "plots", "regret");
  REQUIRE(regret.size() == 2);  // one per env variant
  bool saw_fixed = false, saw_drawn = false;
  for (const auto& [env, json] : regret) {
    INFO(env << "\n" << json);
    CHECK(count(json, "\"role\": \"mean\"") == 2);  // ucb1 and thompson
    CHECK(count(json, "\"role\": \"lower_bound\"") == 1);
    CHECK(count(json, "\"runs\": 3") == 3);  // 3 seeds per agent, 3 instances in the bound
    CHECK(json.find("\"log_x\": true") != std::string::npos);
    const double c = number_after(json, "constant");
    if (env.find("uniform") != std::string::npos) {
      saw_drawn = true;
      // Each run's own instance: rebuild the env as the runner does (same params, env seed).
      const rlsim::Registry registry = rlsim::make_registry({});
      double sum = 0.0;
      for (std::uint64_t seed_index = 0; seed_index < 3; ++seed_index) {
        auto env_ptr =
            registry.make_env("BernoulliBandit-v0", {{"means_distribution", std::string("uniform")},
                                                     {"arms", std::int64_t{4}},
                                                     {"horizon", std::int64_t{500}}});
        rlsim::Value obs;
        env_ptr->reset(obs, rlsim::derive_seed(7, seed_index, "env"));
        std::vector<double> means;
        for (std::int64_t a = 0; a < 4; ++a) means.push_back(env_ptr->oracle()->expected_reward(a));
        sum += lai_robbins_constant(means);
      }
      CHECK(c == Approx(sum / 3.0).epsilon(1e-9));
    } else {
      saw_fixed = true;
      CHECK(c == Approx(lai_robbins_constant({0.9, 0.8, 0.7})).epsilon(1e-9));
      CHECK(c == Approx(3.5536).epsilon(1e-3));  // 0.1/kl(0.8,0.9) + 0.2/kl(0.7,0.9)
    }
  }
  CHECK(saw_fixed);
  CHECK(saw_drawn);
  // One episode per run: no learning curves or length histograms for bandits.
  CHECK(sidecars(d / "plots", "returns").empty());
  CHECK(sidecars(d / "plots", "lengths").empty());
  fs::remove_all(d);
}

TEST_CASE("plot: FrozenLake learning curves and episode-length histograms", "[plot]") {
  const fs::path d = temp_dir("plot_frozenlake");
  std::ofstream(d / "fl.toml") << kFrozenLake;
  const std::string file = (d / "fl.h5").string();
  Result run = sh("run -q " + (d / "fl.toml").string() + " --out " + file);
  INFO(run.out);
  REQUIRE(run.code == 0);
  Result plot = sh("plot " + file + " --out " + (d / "plots").string());
  INFO(plot.out);
  REQUIRE(plot.code == 0);
  const auto returns = sidecars(d / "plots", "returns");
  const auto lengths = sidecars(d / "plots", "lengths");
  REQUIRE(returns.size() == 1);
  REQUIRE(lengths.size() == 1);
  const std::string& r = returns.begin()->second;
  const std::string& l = lengths.begin()->second;
  INFO(r << "\n" << l);
  CHECK(count(r, "\"role\": \"mean\"") == 2);  // q-learning and random
  CHECK(count(r, "\"label\": \"q-learning\"") == 1);
  CHECK(count(r, "\"label\": \"random\"") == 1);
  CHECK(count(l, "\"role\": \"histogram\"") == 2);
  CHECK(count(l, "\"points\": 600") == 2);         // 300 episodes × 2 seeds per agent
  CHECK(sidecars(d / "plots", "regret").empty());  // FrozenLake has no regret oracle

  // --what selects the kinds.
  Result only = sh("plot " + file + " --out " + (d / "only").string() + " --what lengths");
  INFO(only.out);
  REQUIRE(only.code == 0);
  CHECK(sidecars(d / "only", "returns").empty());
  CHECK(sidecars(d / "only", "lengths").size() == 1);

  // Figures already in DIR are replaced only with --overwrite; the run file never.
  const fs::path png = d / "only" / "lengths_FrozenLake-v1.png";
  const std::string before = read_text(png);
  REQUIRE(!before.empty());
  Result again = sh("plot " + file + " --out " + (d / "only").string() + " --what lengths");
  INFO(again.out);
  CHECK(again.code == 1);
  CHECK_THAT(again.out, Catch::Contains("lengths_FrozenLake-v1.json' already exists") &&
                            Catch::Contains("--overwrite"));
  again = sh("plot " + file + " --out " + (d / "only").string() + " --what lengths --overwrite -q");
  CHECK(again.code == 0);
  CHECK(again.out.empty());
  CHECK(fs::is_regular_file(png));
  // Nothing but the figures is left in DIR (no staging directory, no arm means file).
  std::size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(d / "only")) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().front() != '.');
    ++entries;
  }
  CHECK(entries == 2);
  fs::remove_all(d);
}

TEST_CASE("plot: --help documents the options and bad input is one clear error", "[plot]") {
  Result help = sh("plot --help");
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("--out") && Catch::Contains("--log-x") &&
                           Catch::Contains("--what") && Catch::Contains("Lai-Robbins") &&
                           Catch::Contains("RLSIM_PYTHON"));
  Result missing = sh("plot /nonexistent/x.h5 --out /tmp");
  CHECK(missing.code != 0);
  CHECK_THAT(missing.out, Catch::Contains("/nonexistent/x.h5"));
  Result no_out = sh("plot /nonexistent/x.h5");
  CHECK(no_out.code != 0);
  CHECK_THAT(no_out.out, Catch::Contains("out"));
  const fs::path d = temp_dir("plot_bad");
  std::ofstream(d / "f.h5") << "x";
  Result bad_kind = sh("plot " + (d / "f.h5").string() + " --out " + d.string() + " --what bogus");
  CHECK(bad_kind.code != 0);
  CHECK_THAT(bad_kind.out, Catch::Contains("bogus") && Catch::Contains("regret"));
  fs::remove_all(d);
}
