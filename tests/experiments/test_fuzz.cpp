// Deterministic fuzzing of rlsim's two input parsers: TOML experiment configs
// (parse_config + expand_runs) and HDF5 run files (ExperimentReader + read_run). Inputs are
// random mutations (fixed seeds, fixed budget) of valid ones; each must end in success or
// an rlsim::Error — never another exception type, a crash or a hang. The ASan build runs
// this too. A failure prints the mutated input (config text, or the file's mutation) so it
// can be replayed.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "experiments/builtins.hpp"
#include "experiments/config.hpp"
#include "run/hdf5_log.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> seed_configs() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(RLSIM_SOURCE_DIR) / "experiments/configs"))
    if (e.path().extension() == ".toml") out.push_back(read_text(e.path()));
  std::sort(out.begin(), out.end());  // directory order is not deterministic
  out.push_back(R"(name = "grid"
seed = 3
seeds = [0, 2, 5]
episodes = 10
steps = 500
[log]
steps = true
regret = "every"
[[env]]
id = "FrozenLake-v1"
is_slippery = [true, false]
[[agent]]
id = "q-learning"
alpha = [0.1, 0.5]
gamma = 0.9
)");
  out.push_back(R"(seeds = 2
episodes = 5
[[env]]
id = "CliffWalking-v1"
[[agent]]
id = "sarsa"
epsilon = 0.1
[[agent]]
id = "random"
)");
  return out;
}

// Fragments that tend to reach interesting parser states.
const std::vector<std::string> kTokens = {"=",           "[",          "]",
                                          "[[",          "]]",         "\"",
                                          "'",           "\n",         "#",
                                          ",",           ".",          "-1",
                                          "0",           "1e308",      "inf",
                                          "nan",         "true",       "\"\"\"",
                                          "99999999999", "{",          "}",
                                          "[[env]]",     "[log]",      "[[agent]]",
                                          "id = \"x\"",  "seeds = 3",  "\\u00e9",
                                          "\\",          "env.id=1",   "0x1F",
                                          "1_000",       "2024-01-01", "-9223372036854775808"};

std::string mutate_text(std::string s, rlsim::Rng& rng) {
  const int edits = static_cast<int>(rng.integer(1, 4));
  for (int k = 0; k < edits; ++k) {
    const auto pos = static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(s.size())));
    switch (rng.integer(0, 5)) {
      case 0:  // flip a byte
        if (!s.empty()) s[std::min(pos, s.size() - 1)] ^= static_cast<char>(rng.integer(1, 255));
        break;
      case 1:  // insert a token
        s.insert(pos, kTokens[static_cast<std::size_t>(
                          rng.integer(0, static_cast<std::int64_t>(kTokens.size()) - 1))]);
        break;
      case 2:  // delete a range
        s.erase(pos, static_cast<std::size_t>(rng.integer(1, 20)));
        break;
      case 3:  // truncate
        s.resize(pos);
        break;
      case 4: {  // duplicate a line
        const std::size_t start = s.rfind('\n', pos == 0 ? 0 : pos - 1);
        const std::size_t b = start == std::string::npos ? 0 : start + 1;
        const std::size_t e = s.find('\n', b);
        const std::string line =
            s.substr(b, e == std::string::npos ? std::string::npos : e - b + 1);
        s.insert(b, line);
        break;
      }
      default:  // replace a digit by a big or negative number
        for (std::size_t i = pos; i < s.size(); ++i)
          if (s[i] >= '0' && s[i] <= '9') {
            s.replace(i, 1, rng.bernoulli(0.5) ? "-7" : "4294967296");
            break;
          }
        break;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("fuzz: a huge seed count is refused before anything is allocated", "[fuzz]") {
  // Found by the mutation test below: `seeds = 42949672960` once grew to 16 GB.
  CHECK_THROWS_WITH(rlsim::parse_config("seeds = 42949672960\nepisodes = 1\n[[env]]\nid = \"x\"\n"
                                        "[[agent]]\nid = \"y\"\n",
                                        "<fuzz>"),
                    Catch::Contains("'seeds'") && Catch::Contains("smaller count"));
}

TEST_CASE("fuzz: mutated TOML configs give a config or an rlsim::Error", "[fuzz]") {
  rlsim::Registry registry;
  rlsim::register_builtins(registry);
  const std::vector<std::string> seeds = seed_configs();
  REQUIRE(seeds.size() >= 3);
  rlsim::Rng rng(20240611);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string& base = seeds[static_cast<std::size_t>(
        rng.integer(0, static_cast<std::int64_t>(seeds.size()) - 1))];
    const std::string text = mutate_text(base, rng);
    try {
      const rlsim::ExperimentConfig cfg = rlsim::parse_config(text, "<fuzz>");
      // A mutation can ask for an absurd grid; expanding it is fine but not what we test.
      std::size_t grid = cfg.seeds.size();
      for (const auto& c : cfg.envs)
        for (const auto& [k, v] : c.values)
          grid *= v.is_list ? std::max<std::size_t>(1, v.items.size()) : 1;
      for (const auto& c : cfg.agents)
        for (const auto& [k, v] : c.values)
          grid *= v.is_list ? std::max<std::size_t>(1, v.items.size()) : 1;
      if (grid * cfg.envs.size() * cfg.agents.size() <= 100000) {
        const auto runs = rlsim::expand_runs(cfg, registry);
        (void)rlsim::config_to_toml(cfg);
      }
      ++accepted;
    } catch (const rlsim::Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      FAIL_CHECK("input " << i << " threw " << typeid(e).name() << ": " << e.what()
                          << "\n--- config ---\n"
                          << text << "\n--- end ---");
    }
  }
  // Both outcomes happen: the mutations are neither all harmless nor all fatal.
  CHECK(accepted > 50);
  CHECK(rejected > 50);
}

namespace {

rlsim::RunResult fuzz_run(std::int64_t index) {
  rlsim::RunResult r;
  r.info.run_index = index;
  r.info.env_id = "FrozenLake-v1";
  r.info.agent_id = "q-learning";
  r.info.group = "FrozenLake-v1[] / q-learning[]";
  r.total_steps = 40;
  for (int e = 0; e < 8; ++e) {
    r.episodes.returns.push_back(e % 2);
    r.episodes.lengths.push_back(5);
    r.episodes.end_steps.push_back(5 * (e + 1));
    r.episodes.terminated.push_back(1);
    r.episodes.truncated.push_back(0);
    r.episodes.success.push_back(static_cast<std::int8_t>(e % 2));
    for (int t = 0; t < 5; ++t) {
      r.steps.episode.push_back(e);
      r.steps.t.push_back(t);
      r.steps.obs_index.push_back(t);
      r.steps.action_index.push_back((t + e) % 4);
      r.steps.reward.push_back(t == 4 ? e % 2 : 0);
      r.steps.terminated.push_back(t == 4);
      r.steps.truncated.push_back(0);
      r.steps.probability.push_back(0.25);
      r.steps.log_prob.push_back(-1.3862943611198906);
    }
  }
  r.regret.step = {1, 2, 5, 10};
  r.regret.pseudo_regret = {0.1, 0.2, 0.3, 0.4};
  r.regret.realised_regret = {0.0, 0.5, 0.5, 1.0};
  r.regret.optimal_pulls = {1, 1, 3, 7};
  r.evaluations.step = {20, 20, 40, 40};
  r.evaluations.returns = {0, 1, 1, 1};
  r.evaluations.lengths = {5, 6, 5, 7};
  r.diagnostics.names = {"loss", "epsilon"};
  r.diagnostics.add_row(10, {0.5, 0.9});
  r.diagnostics.add_row(20, {0.25, 0.8});
  r.agent_state["q"] = {{16, 4}, std::vector<double>(64, 0.125)};
  r.has_agent_state = true;
  return r;
}

// Reads everything a reader can read from `path`; throws what the reader throws.
void read_everything(const std::string& path) {
  rlsim::ExperimentReader reader(path);
  (void)reader.meta();
  (void)reader.complete_run_indices();
  for (std::int64_t i : reader.run_indices()) (void)reader.read_run(i, true);
}

}  // namespace

TEST_CASE("fuzz: truncated and bit-flipped run files give data or an rlsim::Error", "[fuzz]") {
  std::string templ = (fs::temp_directory_path() / "rlsim_fuzz_XXXXXX").string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  const fs::path dir = templ;
  const std::string good = (dir / "good.h5").string();
  {
    rlsim::ExperimentMeta meta;
    meta.config_text = "name = \"fuzz\"\n";
    meta.command_line = "rlsim run fuzz.toml";
    meta.planned_runs = 2;
    rlsim::ExperimentWriter w(good, meta);
    w.write_run(fuzz_run(0));
    w.write_run(fuzz_run(1));
    w.finish();
  }
  REQUIRE_NOTHROW(read_everything(good));
  const std::string bytes = read_text(good);
  REQUIRE(bytes.size() > 1000);
  // Every byte is fair game. Format 1 files held variable-length strings in global heap
  // collections ("GCOL"), which have no checksum and which HDF5 1.10's H5Aread trusts, so a
  // flipped byte there could crash HDF5 itself; format 2 stores fixed-length strings
  // (checksummed object headers) and has no global heap at all.
  REQUIRE(bytes.find("GCOL") == std::string::npos);
  const std::string bad = (dir / "bad.h5").string();
  rlsim::Rng rng(977);
  int readable = 0, rejected = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string damaged = bytes;
    std::ostringstream how;
    if (rng.bernoulli(0.3)) {
      const auto at =
          static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(bytes.size()) - 1));
      damaged.resize(at);
      how << "truncated at " << at;
    } else {
      const int flips = static_cast<int>(rng.integer(1, 8));
      how << "bytes changed:";
      for (int k = 0; k < flips; ++k) {
        const auto at =
            static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(bytes.size()) - 1));
        const auto x = static_cast<char>(rng.integer(1, 255));
        damaged[at] ^= x;
        how << " [" << at << "] ^= " << static_cast<int>(static_cast<unsigned char>(x));
      }
    }
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << damaged;
    try {
      read_everything(bad);
      ++readable;
    } catch (const rlsim::Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      FAIL_CHECK("input " << i << " (" << how.str() << ") threw " << typeid(e).name() << ": "
                          << e.what());
    }
  }
  CHECK(readable > 0);
  CHECK(rejected > 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
