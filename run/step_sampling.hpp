// Step-log options of a run (RunSpec::steps_every, steps_compression; config keys
// log.steps_every, log.steps_compression; docs/log-format.md table 4): which episodes the
// runner logs and how the writer stores them.
//
// Contract: an episode is logged, whole, when its id (its row among the run's episodes,
// or for an episode the table does not hold the id the step log gives it) is a multiple
// of steps_every. The single-env loop asks logs_episode() at each episode start; the
// vector-env loop logs every row and calls keep_sampled_episodes() at the end, since an
// episode's id is known only when it ends. Logging never changes what a run computes.
#pragma once
#include <cstdint>

#include "core/env.hpp"
#include "core/run_result.hpp"

namespace rlsim {

struct RunSpec;

// Throws rlsim::Error naming the run when steps_every < 1 or steps_compression is not 0-9.
void check_step_log_options(const RunSpec& spec);

// Fills the table's options from the spec and its sizing from the env's spaces.
void prepare_step_log(StepTable& st, const EnvSpec& es, const RunSpec& spec);

inline bool logs_episode(std::int64_t episode, std::int64_t every) {
  return every == 1 || episode % every == 0;
}

// Drops the rows of episodes that are not logged (st.every > 1), keeping the others' order.
void keep_sampled_episodes(StepTable& st);

}  // namespace rlsim
