// rlsim env render: rolls an agent out on an env and writes every frame (the reset frame,
// then one per step) as an animated GIF (experiments/gif_writer.hpp), or prints the env's
// text frames. Seeds follow the runner (run/runner.cpp): the env is reset with
// derive_seed(S, 0, "env") and the agent built with derive_seed(S, 0, "agent"), as seed
// index 0 of a run with master seed S. The agent acts and learns as in a training run;
// with --checkpoint FILE.h5 [--run R] it is instead the trained agent a run saved
// (experiments/checkpoint.hpp), playing greedily in evaluation mode without learning.
// Documented in docs/rendering.md.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <sstream>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "experiments/checkpoint.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/gif_writer.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

constexpr const char* kUsage =
    "usage: rlsim env render ID [key=value ...] [--agent AGENT] [--agent-param k=v ...]\n"
    "                        [--episodes N] [--seed S] [--max-steps M] [--fps F]\n"
    "                        [--scale K] [--checkpoint FILE.h5 [--run R]]\n"
    "                        (--out FILE.gif [--overwrite] | --text)\n\n"
    "Rolls AGENT (default: random) out on env ID (with the given env parameters) for N\n"
    "episodes and writes every frame - the reset frame, then one per step - as a looping\n"
    "animated GIF, or with --text prints the env's text frames to stdout. One line per\n"
    "episode (its number of steps, return, and how it ended) goes to stdout after the\n"
    "frames. Envs without pictures (e.g. bandit problems) are refused. The env is reset\n"
    "with the seed derived from S as seed index 0 of `rlsim run` would, and the agent\n"
    "acts and learns as in a training run. With --checkpoint, the agent is the one run R\n"
    "of FILE.h5 saved (save_agent = true; without --run the file's only such run), playing\n"
    "in evaluation mode (greedy, no learning) on ID, which must be the env it trained on\n"
    "(env parameters: the key=value words, else the run's own). Colours are quantised per\n"
    "frame with giflib's median-cut GifQuantizeBuffer (256 colours per frame). See\n"
    "docs/rendering.md.\n";

std::int64_t default_step_cap = 1000;

}  // namespace

int cmd_env_render(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins, agent_params;
  std::string agent_id, out, checkpoint;
  std::int64_t run = -1;
  std::int64_t episodes = 1, max_steps = 0;
  std::string seed_text;
  double fps = 0.0;
  int scale = 1;
  bool text = false, quiet = false, overwrite = false;
  desc.add_options()("help,h", "show this help")(
      "agent", po::value<std::string>(&agent_id)->default_value("random"),
      "agent id (see `rlsim list agents`)")("agent-param",
                                            po::value<std::vector<std::string>>(&agent_params),
                                            "agent parameter key=value (repeatable)")(
      "episodes", po::value<std::int64_t>(&episodes)->default_value(1),
      "number of episodes to render (>= 1)")(
      "seed", po::value<std::string>(&seed_text)->default_value("0"), "master seed S (>= 0)")(
      "max-steps", po::value<std::int64_t>(&max_steps)->default_value(0),
      "time limit per episode (episodes are truncated after M steps); 0: the env's own "
      "limit, or 1000 for envs without one")(
      "fps", po::value<double>(&fps)->default_value(0.0),
      "GIF frames per second, in (0, 100]; 0: 4 for envs with discrete observations "
      "(gridworlds, as Gymnasium's toy-text render_fps), 30 otherwise")(
      "scale", po::value<int>(&scale)->default_value(1),
      "integer upscaling of the GIF's frames, in [1, 16]")("out", po::value<std::string>(&out),
                                                           "GIF file to write")(
      "overwrite", po::bool_switch(&overwrite), "replace the --out file if it exists")(
      "text", po::bool_switch(&text), "print the env's text frames to stdout instead of a GIF")(
      "quiet,q", po::bool_switch(&quiet), "no progress line on stderr")(
      "checkpoint", po::value<std::string>(&checkpoint),
      "run file whose saved agent plays (instead of --agent), greedily, without learning")(
      "run", po::value<std::int64_t>(&run),
      "with --checkpoint: the run index (default: the file's only run with a saved agent)")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>(&positional),
                       "ID [key=value ...]");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, hidden, pos, vm, kUsage)) return 0;

  if (positional.empty())
    throw UsageError(
        "rlsim env render: missing the env ID (e.g. rlsim env render FrozenLake-v1 "
        "--out lake.gif)");
  if (out.empty() && !text)
    throw UsageError("rlsim env render: missing --out FILE.gif (or --text to print text frames)");
  if (!out.empty() && text)
    throw UsageError("rlsim env render: give either --out FILE.gif or --text, not both");
  if (episodes < 1)
    throw UsageError("--episodes " + std::to_string(episodes) + " must be at least 1");
  if (max_steps < 0)
    throw UsageError("--max-steps " + std::to_string(max_steps) +
                     " must be positive (or 0 for the env's own limit)");
  if (!(fps == 0.0 || (fps > 0.0 && fps <= 100.0)))
    throw UsageError("--fps " + std::to_string(fps) +
                     " must be in (0, 100] (or 0 for the default)");
  if (scale < 1 || scale > 16)
    throw UsageError("--scale " + std::to_string(scale) + " must be an integer in [1, 16]");

  if (!checkpoint.empty() && (!vm["agent"].defaulted() || !agent_params.empty()))
    throw UsageError(
        "rlsim env render: --checkpoint brings its own agent (the one the run trained); drop "
        "--agent and --agent-param");
  if (checkpoint.empty() && vm.count("run"))
    throw UsageError("rlsim env render: --run R needs --checkpoint FILE.h5");
  if (vm.count("run") && run < 0)
    throw UsageError("--run " + std::to_string(run) + " must be >= 0");
  const std::uint64_t seed = parse_seed(seed_text);
  if (!out.empty()) {
    std::vector<std::string> inputs = plugins;
    if (!checkpoint.empty()) inputs.push_back(checkpoint);
    check_output_file(out, overwrite, inputs, "--out", "render.gif");
  }

  const std::string& env_id = positional[0];
  Registry registry = make_registry(plugins);
  const std::vector<std::string> env_words(positional.begin() + 1, positional.end());
  std::unique_ptr<Env> env;
  std::unique_ptr<Agent> agent;
  const std::uint64_t env_seed = derive_seed(seed, 0, "env");
  if (!checkpoint.empty()) {
    Checkpoint ck = load_checkpoint(registry, checkpoint, run, env_id, env_words);
    env = std::move(ck.env);
    agent = std::move(ck.agent);
  } else {
    env = registry.make_env(env_id, parse_kv_params(env_words, "env"));
  }
  const EnvSpec& spec = env->spec();
  if (max_steps > 0) {
    env->set_max_episode_steps(max_steps);
  } else if (spec.max_episode_steps <= 0) {
    env->set_max_episode_steps(default_step_cap);
    if (!quiet)
      std::cerr << env_id << " has no time limit: episodes are cut at " << default_step_cap
                << " steps (set --max-steps to change it)\n";
  }
  if (!agent) {
    const std::uint64_t agent_seed = derive_seed(seed, 0, "agent");
    agent = registry.make_agent(agent_id, parse_kv_params(agent_params, "agent"), *env, agent_seed);
  }

  Value obs, next_obs, action;
  spec.observation_space.prepare(obs);
  spec.observation_space.prepare(next_obs);
  spec.action_space.prepare(action);
  env->reset(obs, env_seed);

  // Refuse envs without the requested kind of frame before writing anything.
  Image frame;
  if (text) {
    if (env->render_text().empty())
      throw Error(env_id +
                  " has no text rendering (render_text); render it to a GIF with "
                  "--out FILE.gif if it draws pictures");
  } else if (!env->render(frame)) {
    throw Error(env_id +
                " cannot render frames (it has no render support); see docs/rendering.md for "
                "the envs that draw pictures");
  }

  if (fps == 0.0) fps = spec.observation_space.is_discrete() ? 4.0 : 30.0;
  const int delay_cs = std::max(1, static_cast<int>(std::lround(100.0 / fps)));
  std::unique_ptr<GifWriter> gif;
  if (!text) gif = std::make_unique<GifWriter>(out, delay_cs, scale);

  const bool progress = !quiet && !text && isatty(STDERR_FILENO);
  std::int64_t frames = 0;
  std::ostringstream summary;
  auto emit = [&](std::int64_t episode, std::int64_t step) {
    if (text) {
      const std::string t = env->render_text();
      std::cout << "-- episode " << episode << ", step " << step << " --\n"
                << t << (!t.empty() && t.back() == '\n' ? "\n" : "\n\n");
    } else {
      if (!env->render(frame))
        throw Error(env_id + " stopped rendering at step " + std::to_string(step));
      gif->add_frame(frame);
      if (progress && frames % 50 == 0)
        std::cerr << "\rrendering " << env_id << ": episode " << episode << ", frame " << frames
                  << std::flush;
    }
    ++frames;
  };

  for (std::int64_t e = 1; e <= episodes; ++e) {
    if (e > 1) env->reset(obs);
    agent->begin_episode(obs);
    emit(e, 0);
    double ret = 0.0;
    std::int64_t len = 0;
    StepResult r;
    while (true) {
      Decision d;
      agent->act(obs, action, d);
      r = env->step(action, next_obs);
      ret += r.reward;
      ++len;
      agent->observe(Transition{obs, action, r.reward, next_obs, r.terminated, r.truncated});
      std::swap(obs, next_obs);
      emit(e, len);
      if (r.terminated || r.truncated) break;
    }
    agent->end_episode();
    summary << "episode " << e << ": " << len << " steps, return " << ret << ", "
            << (r.terminated ? "terminated" : "truncated") << "\n";
  }
  if (progress) std::cerr << "\r" << std::string(60, ' ') << "\r";
  std::cout << summary.str();
  if (gif) {
    gif->finish();
    std::cout << "wrote " << out << ": " << gif->frames() << " frames of " << gif->width() << "x"
              << gif->height() << " at " << fps << " fps\n";
  }
  return 0;
}

}  // namespace rlsim
