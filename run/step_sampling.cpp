// Step-log options of a run, declared in run/step_sampling.hpp.
#include "run/step_sampling.hpp"

#include <string>

#include "core/error.hpp"
#include "run/runner.hpp"

namespace rlsim {

void check_step_log_options(const RunSpec& spec) {
  const std::string run = "run " + std::to_string(spec.run_index);
  if (spec.steps_every < 1)
    throw Error(run + " has steps_every = " + std::to_string(spec.steps_every) +
                ": log.steps_every must be 1 (every episode) or more (every k-th episode)");
  if (spec.steps_compression < 0 || spec.steps_compression > 9)
    throw Error(run + " has steps_compression = " + std::to_string(spec.steps_compression) +
                ": it must be 0 (none) or a deflate level from 1 to 9");
}

void prepare_step_log(StepTable& st, const EnvSpec& es, const RunSpec& spec) {
  st.every = spec.steps_every;
  st.compression = spec.steps_compression;
  const Space& o = es.observation_space;
  const Space& a = es.action_space;
  if (o.is_discrete()) {
    st.obs_start = o.start();
    st.obs_n = o.n();
  }
  if (a.is_discrete()) {
    st.action_start = a.start();
    st.action_n = a.n();
  }
}

namespace {
// Keeps the elements of rows where keep[r], `width` elements per row (no-op when empty).
template <class T>
void keep_rows(std::vector<T>& v, const std::vector<bool>& keep, std::size_t width) {
  if (v.empty()) return;
  std::size_t out = 0;
  for (std::size_t r = 0; r < keep.size(); ++r) {
    if (!keep[r]) continue;
    for (std::size_t j = 0; j < width; ++j) v[out * width + j] = v[r * width + j];
    ++out;
  }
  v.resize(out * width);
}
}  // namespace

void keep_sampled_episodes(StepTable& st) {
  if (st.every == 1) return;
  std::vector<bool> keep(st.size());
  for (std::size_t r = 0; r < keep.size(); ++r) keep[r] = logs_episode(st.episode[r], st.every);
  keep_rows(st.env, keep, 1);
  keep_rows(st.episode, keep, 1);
  keep_rows(st.t, keep, 1);
  keep_rows(st.obs_index, keep, 1);
  keep_rows(st.obs, keep, static_cast<std::size_t>(st.obs_dim));
  keep_rows(st.action_index, keep, 1);
  keep_rows(st.action, keep, static_cast<std::size_t>(st.action_dim));
  keep_rows(st.reward, keep, 1);
  keep_rows(st.terminated, keep, 1);
  keep_rows(st.truncated, keep, 1);
  keep_rows(st.probability, keep, 1);
  keep_rows(st.log_prob, keep, 1);
  keep_rows(st.info_prob, keep, 1);
  keep_rows(st.action_mask, keep, static_cast<std::size_t>(st.mask_dim));
}

}  // namespace rlsim
