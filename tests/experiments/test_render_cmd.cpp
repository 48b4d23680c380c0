// `rlsim env render` end to end: runs the binary, decodes the GIF with giflib (DGifSlurp,
// through read_gif_summary) and checks frames, sizes, timing and pixels against an
// independent rollout of the same env and agent with the same seeds.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "core/rng.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/gif_writer.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;
using namespace rlsim;

namespace {

// The same rollout as the command: env reset with derive_seed(S, 0, "env"), the agent
// built with derive_seed(S, 0, "agent"), acting and observing; returns the episode
// lengths and the frames (reset frame, then one per step) of the first episode.
std::vector<std::int64_t> rollout(const std::string& env_id, const std::string& agent_id,
                                  std::uint64_t seed, int episodes, std::vector<Image>* frames) {
  Registry reg = make_registry({});
  auto env = reg.make_env(env_id, {});
  auto agent = reg.make_agent(agent_id, {}, *env, derive_seed(seed, 0, "agent"));
  Value obs, next, action;
  env->spec().observation_space.prepare(obs);
  env->spec().observation_space.prepare(next);
  env->spec().action_space.prepare(action);
  std::vector<std::int64_t> lengths;
  for (int e = 0; e < episodes; ++e) {
    if (e == 0)
      env->reset(obs, derive_seed(seed, 0, "env"));
    else
      env->reset(obs);
    agent->begin_episode(obs);
    auto grab = [&] {
      if (frames && e == 0) {
        frames->emplace_back();
        REQUIRE(env->render(frames->back()));
      }
    };
    grab();
    std::int64_t len = 0;
    while (true) {
      Decision d;
      agent->act(obs, action, d);
      StepResult r = env->step(action, next);
      agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
      std::swap(obs, next);
      ++len;
      grab();
      if (r.terminated || r.truncated) break;
    }
    agent->end_episode();
    lengths.push_back(len);
  }
  return lengths;
}

std::vector<std::int64_t> printed_lengths(const std::string& out) {
  std::vector<std::int64_t> lengths;
  const std::regex re("episode [0-9]+: ([0-9]+) steps");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator();
       ++it)
    lengths.push_back(std::stoll((*it)[1].str()));
  return lengths;
}

// Largest per-channel difference between a decoded GIF frame and an env frame upscaled by
// `scale` (nearest neighbour).
int max_difference(const Image& gif, const Image& env, int scale) {
  REQUIRE(gif.width == env.width * scale);
  REQUIRE(gif.height == env.height * scale);
  int worst = 0;
  for (int y = 0; y < gif.height; ++y)
    for (int x = 0; x < gif.width; ++x)
      for (int c = 0; c < 3; ++c) {
        const int a = gif.rgb[(static_cast<std::size_t>(y) * gif.width + x) * 3 + c];
        const int b =
            env.rgb[(static_cast<std::size_t>(y / scale) * env.width + x / scale) * 3 + c];
        worst = std::max(worst, std::abs(a - b));
      }
  return worst;
}

}  // namespace

TEST_CASE("render-cmd: FrozenLake GIF has one frame per step plus the reset frame",
          "[render-cmd]") {
  const fs::path d = temp_dir("render_lake");
  const std::string gif = (d / "lake.gif").string();
  const Result r = sh("env render FrozenLake-v1 --seed 7 --scale 2 --out " + gif);
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::vector<Image> frames;
  const auto expected = rollout("FrozenLake-v1", "random", 7, 1, &frames);
  const auto printed = printed_lengths(r.out);
  REQUIRE(printed.size() == 1);
  CHECK(printed[0] == expected[0]);
  const GifSummary s = read_gif_summary(gif, static_cast<int>(expected[0]) + 1);
  CHECK(s.frames == expected[0] + 1);
  CHECK(s.width == 256 * 2);
  CHECK(s.height == 256 * 2);
  CHECK(s.loops);
  REQUIRE(s.delays_cs.size() == static_cast<std::size_t>(s.frames));
  for (int delay : s.delays_cs) CHECK(delay == 25);  // default 4 fps for gridworlds
  // Every decoded frame is the env's picture of that step, up to the quantiser's 5 bits
  // per channel.
  REQUIRE(s.images.size() == frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    CHECK(max_difference(s.images[i], frames[i], 2) <= 8);
  }
  CHECK_THAT(r.out, Catch::Contains("wrote " + gif));
}

TEST_CASE("render-cmd: CartPole GIF and several episodes", "[render-cmd]") {
  const fs::path d = temp_dir("render_cartpole");
  const std::string gif = (d / "cp.gif").string();
  const Result r = sh("env render CartPole-v1 --seed 3 --episodes 2 --fps 50 -q --out " + gif);
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::vector<Image> frames;
  const auto expected = rollout("CartPole-v1", "random", 3, 2, &frames);
  CHECK(printed_lengths(r.out) == expected);
  const GifSummary s = read_gif_summary(gif, 1);
  CHECK(s.frames == expected[0] + expected[1] + 2);
  CHECK(s.width == 600);
  CHECK(s.height == 400);
  CHECK(s.delays_cs.front() == 2);
  REQUIRE(s.images.size() == 1);
  CHECK(max_difference(s.images[0], frames[0], 1) <= 8);
}

TEST_CASE("render-cmd: heuristic-lander GIF of LunarLander-v3", "[render-cmd]") {
  // The documented command of docs/rendering.md: one landing by the scripted controller.
  const fs::path d = temp_dir("render_lander");
  const std::string gif = (d / "lander.gif").string();
  const Result r =
      sh("env render LunarLander-v3 --agent heuristic-lander --seed 1 --fps 50 -q --out " + gif);
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto expected = rollout("LunarLander-v3", "heuristic-lander", 1, 1, nullptr);
  CHECK(printed_lengths(r.out) == expected);
  const GifSummary s = read_gif_summary(gif, 0);
  CHECK(s.frames == expected[0] + 1);
  CHECK(s.width == 600);
  CHECK(s.height == 400);
  CHECK(s.delays_cs.front() == 2);
}

TEST_CASE("render-cmd: --text prints one text frame per step", "[render-cmd]") {
  const Result r = sh("env render FrozenLake-v1 --seed 7 --text");
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto expected = rollout("FrozenLake-v1", "random", 7, 1, nullptr);
  std::size_t headers = 0;
  for (std::size_t p = r.out.find("-- episode 1, step "); p != std::string::npos;
       p = r.out.find("-- episode 1, step ", p + 1))
    ++headers;
  CHECK(static_cast<std::int64_t>(headers) == expected[0] + 1);
  CHECK_THAT(r.out, Catch::StartsWith("-- episode 1, step 0 --\n@FFF\nFHFH\nFFFH\nHFFG\n"));
}

TEST_CASE("render-cmd: errors give a non-zero exit and one clear message", "[render-cmd]") {
  const fs::path d = temp_dir("render_errors");
  const std::string gif = (d / "x.gif").string();
  struct Case {
    std::string args, needle;
  };
  const std::vector<Case> cases = {
      {"env render FrozenLake-v1", "--out"},
      {"env render NoSuchEnv-v0 --out " + gif, "NoSuchEnv-v0"},
      {"env render BernoulliBandit-v0 --out " + gif, "BernoulliBandit-v0 cannot render"},
      {"env render FrozenLake-v1 --episodes 0 --out " + gif, "--episodes 0"},
      {"env render FrozenLake-v1 --out " + (d / "missing" / "x.gif").string(),
       "cannot write the GIF file"},
      {"env render FrozenLake-v1 --agent no-such-agent --out " + gif, "no-such-agent"},
      {"env render BernoulliBandit-v0 --text", "no text rendering"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    const Result r = sh(c.args);
    INFO(r.out);
    CHECK(r.code != 0);
    CHECK_THAT(r.out, Catch::Contains(c.needle));
    CHECK(count_lines(r.out) == 1);
  }
  CHECK_FALSE(fs::exists(gif));  // nothing written by a refused command
}

TEST_CASE("render-cmd: --help documents the options", "[render-cmd]") {
  const Result r = sh("env render --help");
  REQUIRE(r.code == 0);
  for (const char* opt : {"--agent", "--agent-param", "--episodes", "--seed", "--max-steps",
                          "--fps", "--scale", "--out", "--text"})
    CHECK_THAT(r.out, Catch::Contains(opt));
}
