// `rlsim traj FILE.h5 --run R --episode E [--max-rows N]`: prints the logged trajectory of
// one episode (the rows of /runs/R/steps whose `episode` is E, docs/log-format.md table 4)
// as an aligned table: t, observation, action, reward, terminated, truncated, probability.
// A run without a step log (the experiment ran with log.steps = false) is an error that
// says how to get one.
//
// --replay re-draws the episode through the env's renderer: the run's env is rebuilt with its
// logged parameters and, for each logged step, set to the state its observation shows
// (Env::state_from_observation + set_state) and drawn - one frame per logged observation
// (the state each action was chosen in; the state after the last action is not in the log).
// Envs whose observation does not determine their state (Box2D: bodies, contacts) are refused.
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
#include "core/hdf5_log.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/gif_writer.hpp"

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
  bool text = false;
  double fps = 0;
  int scale = 1;
  std::vector<std::string> plugins;
};

// Draws the logged observations `rows` of run `r` (see the file comment).
void replay(const StoredRun& r, const std::vector<std::size_t>& rows, std::int64_t episode,
            const ReplayOptions& o) {
  const StepTable& s = r.steps;
  Registry registry = make_registry(o.plugins);
  std::unique_ptr<Env> env = registry.make_env(r.env_id, params_from_text(r.env_params, "env"));
  const EnvSpec& spec = env->spec();
  Value obs;
  spec.observation_space.prepare(obs);
  std::vector<double> state;
  if (!env->has_state() || !env->state_from_observation(obs, state))
    throw Error("cannot replay run " + std::to_string(r.run_index) + ": " + r.env_id +
                (env->has_state() ? " cannot turn an observation back into its state"
                                  : " offers no state setting") +
                ", so its logged observations cannot be re-drawn (its state holds more than the "
                "observation shows, e.g. the bodies and contacts of a Box2D world). rlsim env "
                "render " +
                r.env_id + " --agent ... draws new episodes instead");
  env->reset(obs, 0);
  Image frame;
  if (o.text ? env->render_text().empty() : !env->render(frame))
    throw Error("cannot replay run " + std::to_string(r.run_index) + ": " + r.env_id + " has no " +
                (o.text ? "text rendering; use --out FILE.gif" : "picture rendering; try --text"));
  const bool discrete = spec.observation_space.is_discrete();
  if (discrete != s.obs_discrete ||
      (!discrete && static_cast<int>(spec.observation_space.flat_size()) != s.obs_dim))
    throw Error(
        "cannot replay run " + std::to_string(r.run_index) + ": its logged observations (" +
        (s.obs_discrete ? std::string("discrete") : std::to_string(s.obs_dim) + " numbers") +
        ") do not fit " + r.env_id + "'s observation space " + spec.observation_space.describe());
  const double fps = o.fps > 0 ? o.fps : (discrete ? 4.0 : 30.0);
  std::unique_ptr<GifWriter> gif;
  if (!o.text)
    gif = std::make_unique<GifWriter>(
        o.out, std::max(1, static_cast<int>(std::lround(100.0 / fps))), o.scale);
  for (std::size_t i : rows) {
    if (discrete)
      obs.index = s.obs_index[i];
    else
      for (int j = 0; j < s.obs_dim; ++j)
        obs.vec[static_cast<std::size_t>(j)] =
            s.obs[i * static_cast<std::size_t>(s.obs_dim) + static_cast<std::size_t>(j)];
    env->state_from_observation(obs, state);
    try {
      env->set_state(state);
    } catch (const Error& e) {
      throw Error("cannot replay step " + std::to_string(s.t[i]) + " of episode " +
                  std::to_string(episode) + ": its logged observation is not a state of " +
                  r.env_id + ": " + e.what());
    }
    if (o.text) {
      const std::string t = env->render_text();
      std::cout << "-- episode " << episode << ", step " << s.t[i] << " --\n"
                << t << (!t.empty() && t.back() == '\n' ? "\n" : "\n\n");
    } else {
      if (!env->render(frame))
        throw Error(r.env_id + " stopped rendering at step " + std::to_string(s.t[i]));
      gif->add_frame(frame);
    }
  }
  if (gif) {
    gif->finish();
    std::cout << "wrote " << o.out << ": " << gif->frames() << " frames of " << gif->width() << "x"
              << gif->height() << " at " << fps << " fps (run " << r.run_index << ", episode "
              << episode << ")\n";
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
      "text", po::bool_switch(&ro.text), "with --replay: print the env's text frames")(
      "fps", po::value<double>(&ro.fps)->default_value(0.0),
      "with --replay: GIF frames per second in (0, 100]; 0: 4 for discrete observations, 30 "
      "otherwise")("scale", po::value<int>(&ro.scale)->default_value(1),
                   "with --replay: integer upscaling of the GIF's frames, in [1, 16]")(
      "plugin", po::value<std::vector<std::string>>(&ro.plugins),
      "load a plugin .so (repeatable; for --replay of a plugin env)")(
      "file", po::value<std::vector<std::string>>(&positional), "run file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, pos, vm,
                     "usage: rlsim traj FILE.h5 --run R --episode E [--max-rows N]\n"
                     "       rlsim traj FILE.h5 --run R --episode E --replay (--out F.gif | "
                     "--text)\n\n"
                     "Prints the logged steps of one episode of one run as a table. The run\n"
                     "must have a step log: run the experiment with log.steps=true. With\n"
                     "--replay, draws the episode instead: one frame per logged observation,\n"
                     "the env set to the state it shows (gridworlds, classic control; envs\n"
                     "whose observation does not determine their state, such as Box2D, are\n"
                     "refused).\n"))
    return 0;
  if (positional.size() != 1) throw Error("rlsim traj needs one run file");
  if (run < 0) throw Error("--run " + std::to_string(run) + " must be >= 0");
  if (episode < 0) throw Error("--episode " + std::to_string(episode) + " must be >= 0");
  if (max_rows < 0) throw Error("--max-rows " + std::to_string(max_rows) + " must be >= 0");
  const bool replaying = vm.count("replay") > 0;
  if (!replaying && (!ro.out.empty() || ro.text))
    throw Error("--out and --text are options of --replay: add --replay");
  if (replaying) {
    if (ro.out.empty() == !ro.text) throw Error("--replay needs one of --out FILE.gif or --text");
    if (!(ro.fps == 0.0 || (ro.fps > 0.0 && ro.fps <= 100.0)))
      throw Error("--fps " + std::to_string(ro.fps) +
                  " must be in (0, 100] (or 0 for the default)");
    if (ro.scale < 1 || ro.scale > 16)
      throw Error("--scale " + std::to_string(ro.scale) + " must be an integer in [1, 16]");
  }
  const std::string& file = positional[0];
  ExperimentReader reader(file);
  const StoredRun r = reader.read_run(run, true);
  if (!r.complete)
    throw Error("run " + std::to_string(run) + " in '" + file +
                "' is not complete (the experiment stopped while writing it)");
  if (!r.has_steps)
    throw Error("run " + std::to_string(run) + " in '" + file +
                "' has no step log: the experiment ran without log.steps; run it again with "
                "log.steps=true to record trajectories");
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
                (last_episode < 0
                     ? std::string(" (its step log is empty)")
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
            << ", " << rows.size() << " steps, return " << format_number(total) << "\n";
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
