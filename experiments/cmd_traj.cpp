// `rlsim traj FILE.h5 --run R --episode E [--max-rows N]`: prints the logged trajectory of
// one episode (the rows of /runs/R/steps whose `episode` is E, docs/log-format.md table 4)
// as an aligned table: t, observation, action, reward, terminated, truncated, probability.
// A run without a step log (the experiment ran with log.steps = false) is an error that
// says how to get one.
//
// --replay re-draws the episode through the env's renderer, the run's env rebuilt with its
// logged parameters, in one of two ways:
// - by observation, where the observation determines the state (gridworlds, classic
//   control: Env::state_from_observation + set_state): one frame per logged observation;
// - by re-simulation, for every other env (Box2D: bodies and contacts are not in the
//   observation): the env copy that played the episode is reset with the run's env seed
//   (a vector-env copy with its own derived seed, run/vector_env.cpp) and stepped with the
//   logged actions from the run's first step, resetting where the log shows an episode end.
//   Every re-simulated observation, reward and end flag is compared with the log, bit for
//   bit, so the frames are provably the logged episode; a difference (a file written by
//   another build or CPU, or an env with randomness outside its own stream) is an error.
//   One frame per logged observation plus the state after the episode's last action.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/gif_writer.hpp"
#include "run/hdf5_log.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

std::string format_number(double x) {
  std::ostringstream os;
  os << std::setprecision(6) << x;
  return os.str();
}

std::string format_vector(const std::vector<float>& v, std::size_t row, int dim) {
  std::string s = "[";
  for (int j = 0; j < dim; ++j) {
    if (j) s += ", ";
    s += format_number(v[row * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)]);
  }
  return s + "]";
}

struct ReplayOptions {
  std::string out;  // GIF path, or empty with text
  bool text = false, overwrite = false;
  double fps = 0;
  int scale = 1;
  std::vector<std::string> plugins;
};

// Row i of a logged column pair (discrete indices, or `dim` floats per row) into `out`,
// a value sized for its space: the observation or the action of that step.
void logged_row(bool discrete, const std::vector<std::int64_t>& index,
                const std::vector<float>& vec, int dim, std::size_t i, Value& out) {
  if (discrete) {
    out.index = index[i];
    return;
  }
  const auto first = vec.begin() + static_cast<std::ptrdiff_t>(i * static_cast<std::size_t>(dim));
  std::copy(first, first + dim, out.vec.begin());
}

bool same_observation(const StepTable& s, std::size_t i, const Value& obs) {
  if (s.obs_discrete) return obs.index == s.obs_index[i];
  for (int j = 0; j < s.obs_dim; ++j)
    if (obs.vec[static_cast<std::size_t>(j)] !=
        s.obs[i * static_cast<std::size_t>(s.obs_dim) + static_cast<std::size_t>(j)])
      return false;
  return true;
}

// Draws episode `episode` of run `r`, whose step-log rows are `rows` (see the file comment).
void replay(const StoredRun& r, const std::vector<std::size_t>& rows, std::int64_t episode,
            const ReplayOptions& o) {
  const StepTable& s = r.steps;
  const std::string what = "cannot replay run " + std::to_string(r.run_index) + ": ";
  Registry registry = make_registry(o.plugins);
  std::unique_ptr<Env> env = registry.make_env(r.env_id, params_from_text(r.env_params, "env"));
  const EnvSpec& spec = env->spec();
  Value obs, action;
  spec.observation_space.prepare(obs);
  spec.action_space.prepare(action);
  const bool discrete = spec.observation_space.is_discrete();
  if (discrete != s.obs_discrete ||
      (!discrete && static_cast<int>(spec.observation_space.flat_size()) != s.obs_dim) ||
      spec.action_space.is_discrete() != s.action_discrete ||
      (!s.action_discrete && static_cast<int>(spec.action_space.flat_size()) != s.action_dim))
    throw Error(
        what + "its logged observations and actions (" +
        (s.obs_discrete ? std::string("discrete") : std::to_string(s.obs_dim) + " numbers") + ", " +
        (s.action_discrete ? std::string("discrete") : std::to_string(s.action_dim) + " numbers") +
        ") do not fit " + r.env_id + "'s spaces " + spec.observation_space.describe() + " and " +
        spec.action_space.describe());
  std::vector<double> state;
  const bool by_observation = env->has_state() && env->state_from_observation(obs, state);
  env->reset(obs, 0);
  Image frame;
  if (o.text ? env->render_text().empty() : !env->render(frame))
    throw Error(what + r.env_id + " has no " +
                (o.text ? "text rendering; use --out FILE.gif" : "picture rendering; try --text"));
  const double fps = o.fps > 0 ? o.fps : (discrete ? 4.0 : 30.0);
  std::unique_ptr<GifWriter> gif;
  if (!o.text)
    gif = std::make_unique<GifWriter>(
        o.out, std::max(1, static_cast<int>(std::lround(100.0 / fps))), o.scale);
  // Draws the env's current state, labelled with the logged step it shows.
  auto draw = [&](const std::string& label) {
    if (o.text) {
      const std::string t = env->render_text();
      std::cout << "-- episode " << episode << ", " << label << " --\n"
                << t << (!t.empty() && t.back() == '\n' ? "\n" : "\n\n");
    } else {
      if (!env->render(frame)) throw Error(r.env_id + " stopped rendering at " + label);
      gif->add_frame(frame);
    }
  };

  if (by_observation) {
    for (std::size_t i : rows) {
      logged_row(s.obs_discrete, s.obs_index, s.obs, s.obs_dim, i, obs);
      env->state_from_observation(obs, state);
      try {
        env->set_state(state);
      } catch (const Error& e) {
        throw Error("cannot replay step " + std::to_string(s.t[i]) + " of episode " +
                    std::to_string(episode) + ": its logged observation is not a state of " +
                    r.env_id + ": " + e.what());
      }
      draw("step " + std::to_string(s.t[i]));
    }
  } else {
    if (s.every > 1)
      throw Error(what + "re-simulating " + r.env_id + " replays every step from the run's " +
                  "first, but this run logged only every " + std::to_string(s.every) +
                  "-th episode (log.steps_every = " + std::to_string(s.every) +
                  "): run it again with log.steps_every = 1");
    // Re-simulation of the copy that played the episode, from the run's first step.
    // The env column is all 0 (or absent, format 1) for a single-env run; a vector-env run
    // has rows of every copy.
    const bool vector =
        std::any_of(s.env.begin(), s.env.end(), [](std::int32_t c) { return c != 0; });
    const std::int32_t copy = vector ? s.env[rows.front()] : 0;
    const std::uint64_t seed =
        vector ? derive_seed(r.env_seed, static_cast<std::uint64_t>(copy), "vector-env")
               : r.env_seed;
    env->reset(obs, seed);
    bool ended = false;
    auto differs = [&](std::size_t i, const std::string& detail) {
      return Error(what + "re-simulating " + r.env_id +
                   " from the run's env seed with its logged " +
                   "actions departs from the log at episode " + std::to_string(s.episode[i]) +
                   ", step " + std::to_string(s.t[i]) + " (" + detail +
                   "): the file was written by another build of " + r.env_id +
                   " (another rlsim version, plugin or CPU), or the env draws randomness outside "
                   "its own stream");
    };
    for (std::size_t i = 0; i <= rows.back(); ++i) {
      if (vector && s.env[i] != copy) continue;
      if (ended) env->reset(obs, std::nullopt);
      if (!same_observation(s, i, obs)) throw differs(i, "the observation differs");
      if (s.episode[i] == episode) draw("step " + std::to_string(s.t[i]));
      logged_row(s.action_discrete, s.action_index, s.action, s.action_dim, i, action);
      const StepResult res = env->step(action, obs);
      if (res.reward != s.reward[i]) throw differs(i, "the reward differs");
      if (res.terminated != (s.terminated[i] != 0) || res.truncated != (s.truncated[i] != 0))
        throw differs(i, "the episode end differs");
      ended = res.terminated || res.truncated;
    }
    draw("after step " + std::to_string(s.t[rows.back()]));
  }
  if (gif) {
    gif->finish();
    std::cout << "wrote " << o.out << ": " << gif->frames() << " frames of " << gif->width() << "x"
              << gif->height() << " at " << fps << " fps (run " << r.run_index << ", episode "
              << episode << (by_observation ? "" : ", re-simulated") << ")\n";
  }
}

}  // namespace

int cmd_traj(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional;
  std::int64_t run = -1, episode = -1, max_rows = 0;
  ReplayOptions ro;
  desc.add_options()("help,h", "show this help")("run", po::value<std::int64_t>(&run)->required(),
                                                 "run index (rlsim analyze lists groups)")(
      "episode", po::value<std::int64_t>(&episode)->required(),
      "episode number within the run, from 0")("max-rows",
                                               po::value<std::int64_t>(&max_rows)->default_value(0),
                                               "print at most N steps (0: all)")(
      "replay", "re-draw the episode through the env's renderer (--out FILE.gif or --text)")(
      "out", po::value<std::string>(&ro.out), "with --replay: GIF file to write")(
      "overwrite", po::bool_switch(&ro.overwrite), "with --out: replace the file if it exists")(
      "text", po::bool_switch(&ro.text), "with --replay: print the env's text frames")(
      "fps", po::value<double>(&ro.fps)->default_value(0.0),
      "with --replay: GIF frames per second in (0, 100]; 0: 4 for discrete observations, 30 "
      "otherwise")("scale", po::value<int>(&ro.scale)->default_value(1),
                   "with --replay: integer upscaling of the GIF's frames, in [1, 16]")(
      "plugin", po::value<std::vector<std::string>>(&ro.plugins),
      "load a plugin .so (repeatable; for --replay of a plugin env)");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&positional), "run file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, hidden, pos, vm,
                     "usage: rlsim traj FILE.h5 --run R --episode E [--max-rows N]\n"
                     "       rlsim traj FILE.h5 --run R --episode E --replay (--out F.gif "
                     "[--overwrite] | --text)\n\n"
                     "Prints the logged steps of one episode of one run as a table. The run\n"
                     "must have a step log: run the experiment with log.steps=true. With\n"
                     "--replay, draws the episode instead: one frame per logged observation,\n"
                     "the env set to the state it shows (gridworlds, classic control), or,\n"
                     "for envs whose observation does not determine their state (Box2D),\n"
                     "re-simulated from the run's env seed with the logged actions and\n"
                     "checked against the log step by step (one more frame: the state after\n"
                     "the last action).\n"))
    return 0;
  if (positional.size() != 1)
    throw UsageError(positional.empty() ? "rlsim traj needs a run file: rlsim traj FILE.h5 --run R "
                                          "--episode E"
                                        : "rlsim traj takes one run file, got " +
                                              std::to_string(positional.size()));
  if (run < 0) throw UsageError("--run " + std::to_string(run) + " must be >= 0");
  if (episode < 0) throw UsageError("--episode " + std::to_string(episode) + " must be >= 0");
  if (max_rows < 0) throw UsageError("--max-rows " + std::to_string(max_rows) + " must be >= 0");
  const bool replaying = vm.count("replay") > 0;
  if (!replaying && (!ro.out.empty() || ro.text))
    throw UsageError("--out and --text are options of --replay: add --replay");
  if (replaying) {
    if (ro.out.empty() == !ro.text)
      throw UsageError("--replay needs one of --out FILE.gif or --text");
    if (!(ro.fps == 0.0 || (ro.fps > 0.0 && ro.fps <= 100.0)))
      throw UsageError("--fps " + std::to_string(ro.fps) +
                       " must be in (0, 100] (or 0 for the default)");
    if (ro.scale < 1 || ro.scale > 16)
      throw UsageError("--scale " + std::to_string(ro.scale) + " must be an integer in [1, 16]");
  }
  const std::string& file = positional[0];
  if (!ro.out.empty()) {
    std::vector<std::string> inputs = ro.plugins;
    inputs.push_back(file);
    check_output_file(ro.out, ro.overwrite, inputs, "--out", "replay.gif");
  }
  ExperimentReader reader(file);
  const StoredRun r = reader.read_run(run, true);
  if (!r.complete)
    throw Error("run " + std::to_string(run) + " in '" + file +
                "' is not complete (the experiment stopped while writing it)");
  if (!r.has_steps)
    throw Error("run " + std::to_string(run) + " in '" + file +
                "' has no step log: the experiment ran without log.steps (or its "
                "log.steps_runs did not list this run); run it again with log.steps=true to "
                "record trajectories");
  const StepTable& s = r.steps;
  std::vector<std::size_t> rows;
  std::int64_t last_episode = -1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    last_episode = std::max(last_episode, s.episode[i]);
    if (s.episode[i] == episode) rows.push_back(i);
  }
  if (rows.empty())
    throw Error("run " + std::to_string(run) + " in '" + file + "' has no logged episode " +
                std::to_string(episode) +
                (last_episode < 0 ? std::string(" (its step log is empty)")
                 : s.every > 1
                     ? " (log.steps_every = " + std::to_string(s.every) + " logged episodes 0, " +
                           std::to_string(s.every) + ", " + std::to_string(2 * s.every) +
                           ", ... up to " + std::to_string(last_episode) + ")"
                     : " (logged episodes: 0 to " + std::to_string(last_episode) + ")"));

  if (replaying) {
    replay(r, rows, episode, ro);
    return 0;
  }
  const std::vector<std::string> header{"t",          "obs",       "action",     "reward",
                                        "terminated", "truncated", "probability"};
  std::vector<std::vector<std::string>> table;
  const std::size_t shown =
      max_rows > 0 ? std::min<std::size_t>(rows.size(), max_rows) : rows.size();
  double total = 0;
  for (std::size_t i : rows) total += s.reward[i];
  for (std::size_t k = 0; k < shown; ++k) {
    const std::size_t i = rows[k];
    table.push_back(
        {std::to_string(s.t[i]),
         s.obs_discrete ? std::to_string(s.obs_index[i]) : format_vector(s.obs, i, s.obs_dim),
         s.action_discrete ? std::to_string(s.action_index[i])
                           : format_vector(s.action, i, s.action_dim),
         format_number(s.reward[i]), s.terminated[i] ? "1" : "0", s.truncated[i] ? "1" : "0",
         format_number(s.probability[i])});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : table) width[c] = std::max(width[c], row[c].size());
  }
  std::cout << r.group << ", seed " << r.seed_index << ": run " << run << ", episode " << episode
            << ", " << rows.size() << " steps, return " << format_number(total)
            << (s.every > 1 ? " (log.steps_every = " + std::to_string(s.every) + ")" : "") << "\n";
  auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) std::cout << "  ";
      // Numbers right-aligned, vectors left-aligned.
      const bool left = row[c].size() > 0 && row[c].front() == '[';
      std::cout << (left ? std::left : std::right) << std::setw(static_cast<int>(width[c]))
                << row[c];
    }
    std::cout << std::right << "\n";
  };
  print_row(header);
  for (const auto& row : table) print_row(row);
  if (shown < rows.size())
    std::cout << "... " << rows.size() - shown << " more steps (--max-rows 0 shows all)\n";
  return 0;
}

}  // namespace rlsim
