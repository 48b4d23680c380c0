// prepare_continuation (experiments/continue_run.hpp): the checks and the plan of
// `rlsim run --continue FILE`.
#include "experiments/continue_run.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "run/run_checkpoint.hpp"

namespace rlsim {

namespace {

std::string budget_text(const Budget& b) {
  if (b.steps > 0 && b.episodes > 0)
    return std::to_string(b.steps) + " steps and " + std::to_string(b.episodes) + " episodes";
  return b.steps > 0 ? std::to_string(b.steps) + " steps"
                     : std::to_string(b.episodes) + " episodes";
}

// The new budget of `file`'s config `old`, from the overrides: only the budget of the kind
// the original used may change, and only upwards.
Budget new_budget(const std::string& file, const ExperimentConfig& old,
                  const std::vector<std::string>& overrides) {
  const std::string why = "cannot continue '" + file + "': ";
  const Budget& b = old.budget;
  const std::string kind = b.steps > 0 ? "steps" : "episodes";
  if (b.steps > 0 && b.episodes > 0)
    throw Error(why + "its runs had a budget of both " + budget_text(b) +
                " (each stopped at whichever came first); --continue extends a budget of steps "
                "or of episodes alone");
  if (overrides.empty())
    throw Error(why + "give the new budget, " + kind + "=N with N larger than the original " +
                budget_text(b));
  ExperimentConfig changed;
  try {
    changed = parse_config(config_to_toml(old), "the config stored in '" + file + "'", overrides);
  } catch (const Error& e) {
    throw Error(why + e.what());
  }
  const Budget nb = changed.budget;
  changed.budget = b;
  if (config_to_toml(changed) != config_to_toml(old) || nb.schedule_steps != b.schedule_steps)
    throw Error(why + "--continue changes only the budget (" + kind +
                "=N); the other parameters stay those of the original runs (the command line "
                "changed more: start a new experiment to change them)");
  const std::int64_t was = b.steps > 0 ? b.steps : b.episodes;
  const std::int64_t now = b.steps > 0 ? nb.steps : nb.episodes;
  if ((b.steps > 0 ? nb.episodes : nb.steps) != 0)
    throw Error(why + "its runs had a budget of " + budget_text(b) + ": give " + kind + "=N (N > " +
                std::to_string(was) + "), not a budget of " + (b.steps > 0 ? "episodes" : "steps"));
  if (now <= was)
    throw Error(why + kind + "=" + std::to_string(now) + " is not larger than the original " +
                budget_text(b) + ": give " + kind + "=N with N > " + std::to_string(was));
  Budget out = b;
  if (b.steps > 0) {
    out.steps = nb.steps;
    // The schedules keep the length they had (continue_run.hpp).
    if (out.schedule_steps == 0) out.schedule_steps = b.steps;
  } else {
    out.episodes = nb.episodes;
  }
  return out;
}

}  // namespace

Continuation prepare_continuation(const Registry& registry, const std::string& file,
                                  const std::vector<std::string>& overrides,
                                  std::uint64_t max_runs) {
  const std::string why = "cannot continue '" + file + "': ";
  Continuation c;
  std::vector<std::int64_t> done;
  std::vector<StoredRun> stored_runs;
  {
    ExperimentReader reader(file);
    c.stored = reader.meta();
    done = reader.complete_run_indices();
    if (!c.stored.complete || static_cast<std::int64_t>(done.size()) != c.stored.planned_runs)
      throw Error(why + "it has unfinished runs (" + std::to_string(done.size()) + " of " +
                  std::to_string(c.stored.planned_runs) +
                  " complete): use --resume first (`rlsim run --resume " + file +
                  "` finishes it), then continue it");
    for (std::int64_t i : done) stored_runs.push_back(reader.read_run(i));
  }
  ExperimentConfig old;
  try {
    old = parse_config(c.stored.config_text, "the config stored in '" + file + "'");
  } catch (const Error& e) {
    throw Error(why + "its stored config no longer parses: " + e.what());
  }
  if (old.checkpoint_every == 0)
    throw Error(why +
                "it holds no continuation state: it was run without checkpoint.every "
                "(runs keep their end state for --continue only when checkpoint.every = N "
                "> 0 was set; docs/commands.md)");
  c.cfg = old;
  c.cfg.budget = new_budget(file, old, overrides);
  try {
    const auto planned =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, c.stored.planned_runs));
    c.runs = expand_runs(c.cfg, registry, std::max(max_runs, planned));
  } catch (const Error& e) {
    throw Error(why + "its stored config no longer expands to its runs: " + e.what());
  }
  if (c.cfg.seed != c.stored.master_seed ||
      static_cast<std::int64_t>(c.runs.size()) != c.stored.planned_runs)
    throw Error(why + "its stored config expands to " + std::to_string(c.runs.size()) +
                " runs with master seed " + std::to_string(c.cfg.seed) + ", but the file holds " +
                std::to_string(c.stored.planned_runs) + " runs with master seed " +
                std::to_string(c.stored.master_seed) + " (a plugin or built-in changed?)");
  for (const StoredRun& sr : stored_runs) {
    const auto it = std::find_if(c.runs.begin(), c.runs.end(),
                                 [&](const RunSpec& r) { return r.run_index == sr.run_index; });
    if (it == c.runs.end() || it->env_id != sr.env_id || it->agent_id != sr.agent_id ||
        it->seed_index != sr.seed_index ||
        registry.resolve_env_params(it->env_id, it->env_params).to_text() != sr.env_params ||
        registry.resolve_agent_params(it->agent_id, it->agent_params).to_text() != sr.agent_params)
      throw Error(why + "run " + std::to_string(sr.run_index) + " in the file is " + sr.group +
                  " seed " + std::to_string(sr.seed_index) +
                  ", but its stored config now expands to another run (a plugin or built-in "
                  "changed its defaults?)");
  }
  c.states = read_continuation_states(file);
  for (const RunSpec& r : c.runs)
    if (c.states.count(r.run_index) == 0)
      throw Error(why + "run " + std::to_string(r.run_index) +
                  " holds no continuation state (/continuation has no group for it: the file "
                  "was written by an rlsim without --continue, or the run ran on another MPI "
                  "rank); it cannot be continued");
  return c;
}

}  // namespace rlsim
