// `rlsim run --continue FILE steps=N --out NEW.h5` (issue 17, docs/commands.md): continues
// every run of a finished experiment for more steps (or episodes), with results identical
// to one longer run.
//
// How: a run of an experiment with checkpoint.every > 0 leaves its END-OF-LOOP state in the
// file (/continuation/NNNNNN, docs/log-format.md "Continuation states"; taken after its
// last env step, before the final evaluation and keep_best's restore). prepare_continuation
// reads FILE's stored config, replaces only its budget, and returns the runs with those
// states; `rlsim run` then executes them as resumed runs (run/runner.hpp, `resume`) into
// NEW.h5: each run goes on from its end-of-loop state to the new budget, then does the final
// evaluation and keep_best as any run does. Run indices, seeds and parameters are FILE's.
//
// "Identical" means identical to one run of the longer budget whose budget-following
// schedules keep the ORIGINAL length: the new config sets schedule_steps (Budget::
// schedule_steps) to the original step budget, so DQN's total_timesteps / exploration
// fraction, PPO's learning-rate decay etc. are those the first part ran with. NEW.h5's config
// says so (schedule_steps = M), so `rlsim run NEW-config steps=N schedule_steps=M` from
// scratch gives the same file, NEW.h5 can itself be continued again, and `--resume NEW.h5`
// after a kill finishes it (its unfinished runs from their checkpoints or from step 0, with
// the same results).
//
// Contract: FILE is only read. Refusals (one rlsim::Error each, naming FILE): FILE is not
// complete (use --resume first); its config has no checkpoint.every, or a run has no
// continuation state; the overrides are anything but one budget (steps=N / pulls=N or
// episodes=N, the kind the original used); N not larger than the original; an original
// with both an episode and a step budget; a stored config that no longer expands to FILE's
// runs (a plugin or built-in changed).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "core/state_dict.hpp"
#include "experiments/config.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"

namespace rlsim {

struct Continuation {
  ExperimentConfig cfg;                      // FILE's config with the new budget
  std::vector<RunSpec> runs;                 // every run of it, as FILE's
  std::map<std::int64_t, StateDict> states;  // each run's end-of-loop state, by run index
  ExperimentMeta stored;                     // FILE's metadata
};

// See the header comment. `overrides` are the key=value words of the command line.
Continuation prepare_continuation(const Registry& registry, const std::string& file,
                                  const std::vector<std::string>& overrides,
                                  std::uint64_t max_runs);

}  // namespace rlsim
