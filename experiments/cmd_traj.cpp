// `rlsim traj FILE.h5 --run R --episode E [--max-rows N]`: prints the logged trajectory of
// one episode (the rows of /runs/R/steps whose `episode` is E, docs/log-format.md table 4)
// as an aligned table: t, observation, action, reward, terminated, truncated, probability.
// A run without a step log (the experiment ran with log.steps = false) is an error that
// says how to get one.
#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/hdf5_log.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"

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

}  // namespace

int cmd_traj(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional;
  std::int64_t run = -1, episode = -1, max_rows = 0;
  desc.add_options()("help,h", "show this help")("run", po::value<std::int64_t>(&run)->required(),
                                                 "run index (rlsim analyze lists groups)")(
      "episode", po::value<std::int64_t>(&episode)->required(),
      "episode number within the run, from 0")("max-rows",
                                               po::value<std::int64_t>(&max_rows)->default_value(0),
                                               "print at most N steps (0: all)")(
      "file", po::value<std::vector<std::string>>(&positional), "run file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, pos, vm,
                     "usage: rlsim traj FILE.h5 --run R --episode E [--max-rows N]\n\n"
                     "Prints the logged steps of one episode of one run as a table. The run\n"
                     "must have a step log: run the experiment with log.steps=true.\n"))
    return 0;
  if (positional.size() != 1) throw Error("rlsim traj needs one run file");
  if (run < 0) throw Error("--run " + std::to_string(run) + " must be >= 0");
  if (episode < 0) throw Error("--episode " + std::to_string(episode) + " must be >= 0");
  if (max_rows < 0) throw Error("--max-rows " + std::to_string(max_rows) + " must be >= 0");
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
