#include "run/vector_env.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

#include <omp.h>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace rlsim {

VectorEnv::VectorEnv(std::vector<std::unique_ptr<Env>> envs, int threads, Autoreset autoreset)
    : envs_(std::move(envs)), autoreset_(autoreset) {
  if (envs_.empty()) throw Error("VectorEnv needs at least one env; it was given none");
  for (std::size_t i = 0; i < envs_.size(); ++i)
    if (!envs_[i]) throw Error("VectorEnv: env copy " + std::to_string(i) + " is null");
  const EnvSpec& first = envs_.front()->spec();
  for (std::size_t i = 1; i < envs_.size(); ++i) {
    const EnvSpec& s = envs_[i]->spec();
    if (s.id != first.id || !(s.observation_space == first.observation_space) ||
        !(s.action_space == first.action_space))
      throw Error("VectorEnv: env copy " + std::to_string(i) + " is " + s.id + " with " +
                  s.observation_space.describe() + " observations and " +
                  s.action_space.describe() + " actions, but copy 0 is " + first.id + " with " +
                  first.observation_space.describe() + " observations and " +
                  first.action_space.describe() +
                  " actions: all copies must be the same env with the same spaces");
  }
  set_threads(threads);
  // Every buffer is sized here, once: stepping only writes into them (and swaps them).
  obs_.resize(envs_.size());
  final_obs_.resize(envs_.size());
  results_.resize(envs_.size());
  errors_.resize(envs_.size());
  pending_reset_.assign(envs_.size(), 0);
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    first.observation_space.prepare(obs_[i]);
    first.observation_space.prepare(final_obs_[i]);
  }
}

void VectorEnv::set_threads(int threads) {
  if (threads < 1)
    throw Error("VectorEnv threads = " + std::to_string(threads) + ": use 1 or more");
  threads_ = threads;
  // Inside runs executed in parallel the run's own thread steps its copies (as a nested
  // OpenMP region did): more threads than cores would only slow every run down.
  const std::size_t used = omp_in_parallel() ? 1 : std::min<std::size_t>(threads, envs_.size());
  if (used == 1) {
    pool_.reset();
  } else if (!pool_ || static_cast<std::size_t>(pool_->size()) != used) {
    pool_.reset();  // joins the old workers first
    pool_ = std::make_unique<WorkerPool>(static_cast<int>(used));
  }
  schedule_.restart();  // a new pool: measure again
}

namespace {

// The seed of copy i for reset(seed): rlsim's derived streams, or under seeding = "gymnasium"
// Gymnasium's vector rule seed + i (gymnasium/vector/sync_vector_env.py, reset: an int seed
// becomes [seed + i for i in range(num_envs)]), so that copy i starts as Gymnasium's copy i.
// (Python's seed + i does not wrap; here it wraps modulo 2^64, reached only for env seeds
// within num_envs of 2^64.)
std::uint64_t copy_seed(const Env& env, std::uint64_t seed, std::size_t i) {
  if (env.seeding() == Seeding::gymnasium) return seed + static_cast<std::uint64_t>(i);
  return derive_seed(seed, static_cast<std::uint64_t>(i), "vector-env");
}

}  // namespace

void VectorEnv::reset_copy(std::size_t i, std::optional<std::uint64_t> seed) {
  envs_[i]->reset(obs_[i], seed);
  results_[i] = StepResult{};
  pending_reset_[i] = 0;
}

void VectorEnv::step_copy(std::size_t i, const Value& action) {
  if (pending_reset_[i]) {
    // Next-step auto-reset: this step starts the copy's next episode (its stream continues),
    // ignoring its action.
    pending_reset_[i] = 0;
    envs_[i]->reset(obs_[i]);
    results_[i] = StepResult{};
    return;
  }
  results_[i] = envs_[i]->step(action, obs_[i]);
  if (!(results_[i].terminated || results_[i].truncated)) return;
  if (autoreset_ == Autoreset::next_step) {
    pending_reset_[i] = 1;
  } else {
    // Same-step auto-reset: the ended episode's last observation moves to final_obs_ (a swap
    // of equally sized buffers: no allocation) and the copy restarts from its own continuing
    // stream.
    std::swap(obs_[i], final_obs_[i]);
    envs_[i]->reset(obs_[i]);
  }
}

void VectorEnv::check_count(std::size_t got, const char* call, const char* what,
                            const char* fix) const {
  if (got != envs_.size())
    throw Error(std::string(call) + " got " + std::to_string(got) + " " + what + " for " +
                std::to_string(envs_.size()) + " env copies: " + fix);
}

void VectorEnv::rethrow_first_error() {
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    if (!errors_[i]) continue;
    std::exception_ptr e = errors_[i];
    for (auto& x : errors_) x = nullptr;
    try {
      std::rethrow_exception(e);
    } catch (const Error& err) {
      throw Error("vector env copy " + std::to_string(i) + " of " + std::to_string(envs_.size()) +
                  ": " + err.what());
    }
  }
  throw std::logic_error("VectorEnv: a copy failed without an exception");
}

void VectorEnv::reset(std::uint64_t seed) {
  run_copies(schedule_.parallel(pool_ != nullptr),
             [&](std::size_t i) { reset_copy(i, copy_seed(*envs_[i], seed, i)); });
}

}  // namespace rlsim
