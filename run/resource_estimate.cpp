#include "run/resource_estimate.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

#include "core/error.hpp"

namespace rlsim {

namespace {

// Row bytes of the other tables, as stored: episodes (return, length, end_step, terminated,
// truncated, success, run), evaluations (step, return, length, run), regret (step,
// pseudo_regret, realised_regret, run).
constexpr double kEpisodeRowBytes = 8 + 8 + 8 + 1 + 1 + 1 + 8;
constexpr double kEvalRowBytes = 8 + 8 + 8 + 8;
constexpr double kRegretRowBytes = 8 + 8 + 8 + 8;
// Growing columns hold up to twice their rows (and the writer's encoding buffers more).
constexpr double kMemoryPerTableByte = 2.0;

double space_bytes(const Space& space) {
  return space.is_discrete() ? 8.0 : 4.0 * static_cast<double>(space.flat_size());
}

}  // namespace

double step_row_bytes(const EnvSpec& env) {
  // episode, t, obs, action, reward, terminated, truncated, probability, log_prob, env.
  return 8 + 8 + space_bytes(env.observation_space) + space_bytes(env.action_space) + 8 + 1 + 1 +
         8 + 8 + 4;
}

RunEstimate estimate_run(const RunSpec& spec, const EnvSpec& env, bool has_oracle) {
  RunEstimate e;
  const double limit = static_cast<double>(env.max_episode_steps);
  const double episodes = static_cast<double>(spec.budget.episodes);
  const double by_episodes = episodes > 0 && limit > 0 ? episodes * limit : -1;
  if (spec.budget.steps > 0)
    e.steps = by_episodes >= 0 ? std::min(static_cast<double>(spec.budget.steps), by_episodes)
                               : static_cast<double>(spec.budget.steps);
  else
    e.steps = by_episodes;
  if (e.steps < 0) return e;  // unbounded: nothing known in advance
  double bytes = 0;
  // steps_every = k logs about one step in k (every k-th episode).
  if (spec.log_steps)
    bytes += e.steps * step_row_bytes(env) /
             static_cast<double>(std::max<std::int64_t>(1, spec.steps_every));
  if (has_oracle && spec.regret_every_step) bytes += e.steps * kRegretRowBytes;
  // Episodes: the budget when there is one, else at least steps / limit.
  const double episode_rows =
      episodes > 0 ? std::min(episodes, e.steps) : (limit > 0 ? e.steps / limit : 0);
  bytes += episode_rows * kEpisodeRowBytes;
  if (spec.eval_every > 0)
    bytes += (e.steps / static_cast<double>(spec.eval_every) + 1) *
             static_cast<double>(spec.eval_episodes) * kEvalRowBytes;
  e.log_bytes = bytes;
  e.memory_bytes = kMemoryPerTableByte * bytes;
  return e;
}

ExperimentEstimate estimate_experiment(const Registry& registry, const std::vector<RunSpec>& specs,
                                       int threads) {
  ExperimentEstimate x;
  // Each distinct env's spec and whether it has an oracle (the env is built once).
  std::map<std::string, std::pair<EnvSpec, bool>> envs;
  std::vector<double> memory;
  for (const RunSpec& s : specs) {
    const std::string key =
        s.env_id + "|" + registry.resolve_env_params(s.env_id, s.env_params).to_text();
    auto it = envs.find(key);
    if (it == envs.end()) {
      const auto env = registry.make_env(s.env_id, s.env_params);
      it = envs.emplace(key, std::make_pair(env->spec(), env->oracle() != nullptr)).first;
    }
    const RunEstimate r = estimate_run(s, it->second.first, it->second.second);
    ++x.runs;
    if (r.steps < 0) {
      ++x.unbounded_runs;
      continue;
    }
    x.log_bytes += r.log_bytes;
    x.largest_run_steps = std::max(x.largest_run_steps, r.steps);
    memory.push_back(r.memory_bytes);
  }
  const auto at_once = std::min(memory.size(), static_cast<std::size_t>(std::max(1, threads)));
  std::partial_sort(memory.begin(), memory.begin() + static_cast<std::ptrdiff_t>(at_once),
                    memory.end(), std::greater<>());
  for (std::size_t i = 0; i < at_once; ++i) x.memory_bytes += memory[i];
  return x;
}

FreeResources free_resources(const std::string& out_path) {
  namespace fs = std::filesystem;
  FreeResources free;
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(out_path), ec).parent_path();
  while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.parent_path()) dir = dir.parent_path();
  struct statvfs vfs {};
  if (!dir.empty() && statvfs(dir.c_str(), &vfs) == 0)
    free.disk_bytes = static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize);
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (meminfo >> key >> kb) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") {
      free.memory_bytes = kb * 1024.0;
      break;
    }
  }
  if (free.memory_bytes < 0) {
    const long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && size > 0) free.memory_bytes = static_cast<double>(pages) * size;
  }
  return free;
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  std::size_t u = 0;
  while (bytes >= 1000 && u + 1 < std::size(units)) {
    bytes /= 1000;
    ++u;
  }
  char text[48];
  if (u == 0)
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  else
    std::snprintf(text, sizeof text, "%.3g %s", bytes, units[u]);
  return text;
}

void check_resources(const ExperimentEstimate& estimate, const FreeResources& free,
                     const std::string& out_path, bool force) {
  if (force) return;
  const auto steps = [&] {
    std::ostringstream s;
    s << estimate.largest_run_steps;
    return s.str();
  };
  const std::string advice =
      ": lower the budget (steps, episodes, seeds), set log.steps = false if the step log is "
      "not needed, or pass --force to run anyway";
  if (free.disk_bytes >= 0 && estimate.log_bytes > free.disk_bytes)
    throw Error("the experiment's " + std::to_string(estimate.runs) + " runs would write about " +
                format_bytes(estimate.log_bytes) + " of logs (uncompressed; runs of up to " +
                steps() + " steps) but the disk of '" + out_path + "' has " +
                format_bytes(free.disk_bytes) + " free" + advice);
  if (free.memory_bytes >= 0 && estimate.memory_bytes > free.memory_bytes)
    throw Error("the experiment's runs would hold about " + format_bytes(estimate.memory_bytes) +
                " of logged tables in memory at once (runs of up to " + steps() +
                " steps keep their tables until they end) but " + format_bytes(free.memory_bytes) +
                " of memory is available" + advice);
}

}  // namespace rlsim
