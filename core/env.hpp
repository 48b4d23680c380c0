// The environment interface, with Gymnasium's reset/step semantics.
//
// reset(obs, seed) starts an episode (re-seeding the env's own Rng when a seed is given,
// continuing its stream otherwise) and writes the first observation into `obs`.
// step(action, obs) validates the action against the action space, advances the world,
// writes the next observation into `obs` and returns reward, terminated (the MDP reached a
// terminal state) and truncated (the spec's time limit cut the episode). Stepping after
// the episode ended, or before any reset, is an error.
//
// Derived envs implement do_reset/do_step; the base class owns validation, the time limit
// and the episode step counter, so an env's physics stays free of those concerns.
// Optional capabilities (model, oracle, state get/set, render) are absent by default.
//
// Seeding: by default an env draws from its own Rng (core/rng.hpp). Under
// Seeding::gymnasium (the env parameter seeding = "gymnasium", docs/seeding.md) an env that
// supports it (EnvSpec::gymnasium_seeding) draws what Gymnasium's version draws from
// np_random, in the same order, from numpy's generator: reset(obs, s) seeds it as
// Gymnasium's Env.reset(seed=s) does (PCG64(SeedSequence(s)), core/numpy_random.hpp), a
// reset without a seed continues it, so episode starts (and stochastic steps, where the env
// says so) are Gymnasium's.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/numpy_random.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

// Which random stream an env draws from (see the header comment).
enum class Seeding { rlsim, gymnasium };

struct EnvSpec {
  std::string id;
  Space observation_space;
  Space action_space;
  std::int64_t max_episode_steps = 0;  // 0: no time limit
  std::optional<double> reward_threshold;
  // Box actions outside the bounds are rejected by the base class unless the env clips
  // them itself (as some Gymnasium envs do); NaN and wrong sizes are always rejected.
  bool env_clips_actions = false;
  // The env reports StepResult::success at the end of an episode (e.g. goal reached).
  bool defines_success = false;
  // Bounds every reward lies in (infinite when unknown), for agents whose model needs
  // bounded rewards (e.g. KL-UCB and EXP3 need [0, 1]) to refuse other envs up front.
  double reward_min = -std::numeric_limits<double>::infinity();
  double reward_max = std::numeric_limits<double>::infinity();
  // Whether an episode can end by termination (some state reachable from the start ends
  // it). False for envs that only a time limit ends (Pendulum, a bandit, a gridworld map
  // without a reachable goal or hole): the runner refuses to run such an env with no time
  // limit under an episode budget alone, since no episode would ever end.
  bool can_terminate = true;
  // > 0: the episode length the problem itself defines (a bandit's horizon T), not a time
  // limit: every episode ends (truncated) after this many steps whatever max_episode_steps
  // says. set_max_episode_steps keeps the limit at most this long (0: this long), and
  // Registry::make_env refuses a shorter max_episode_steps. 0: none.
  std::int64_t horizon = 0;
  // The env supports Seeding::gymnasium: its reset draws (and the stochastic steps its
  // header names) follow Gymnasium 1.x's np_random calls. Env::set_seeding refuses
  // Seeding::gymnasium otherwise.
  bool gymnasium_seeding = false;
  // Which of Gymnasium's `info` fields the env reports (Env::info()).
  struct InfoFields {
    bool prob = false;         // "prob": FrozenLake, CliffWalking, Taxi (every TabularEnv)
    bool action_mask = false;  // "action_mask": Taxi
  } info{};
};

// Gymnasium's step/reset `info` for the fields rlsim types (EnvSpec::info says which an env
// reports), of the last reset or step. Typed and allocation-free: an env writes the
// numbers into this struct, which the base class owns; nothing is built per step.
struct StepInfo {
  // The probability of the outcome just drawn, P(s', r, terminated | s, a) of the env's
  // model (1 after a reset, as Gymnasium's toy-text envs report). Where two of Gymnasium's
  // transition entries lead to the same outcome (FrozenLake's slips onto one cell) rlsim's
  // model holds one outcome with their summed probability, so rlsim reports the sum where
  // Gymnasium reports the entry it drew; under seeding = "gymnasium" the envs that sample
  // Gymnasium's own entry lists (FrozenLake, CliffWalking) report the entry's, as it does.
  double prob = 1.0;
  // mask[a] = 1 when action a changes the state (or completes the task) in the current
  // state, else 0 (Gymnasium's Taxi `action_mask`, int8 there): one entry per action. The
  // span points at storage the env owns and keeps current at every reset, step and
  // set_state, so a holder of the span always reads the mask of the current state.
  std::span<const std::uint8_t> action_mask;
};

struct StepResult {
  double reward = 0.0;
  bool terminated = false;
  bool truncated = false;
  bool success = false;  // meaningful only when the spec defines_success
};

// Exact model of a finite MDP whose observation is the state index (gridworlds).
struct ModelOutcome {
  double probability;
  std::int64_t next_state;
  double reward;
  bool terminated;
};
struct TabularModel {
  std::int64_t num_states = 0;
  std::int64_t num_actions = 0;
  // outcomes[s * num_actions + a]: the distribution of (s', r, terminated) after a in s.
  std::vector<std::vector<ModelOutcome>> outcomes;
  std::vector<double> initial_distribution;  // over states, sums to 1
  std::vector<bool> terminal;                // states in which episodes have ended
  const std::vector<ModelOutcome>& at(std::int64_t s, std::int64_t a) const {
    return outcomes[static_cast<std::size_t>(s * num_actions + a)];
  }
};

// Regret oracle of a bandit problem: expected rewards at the current step.
class Oracle {
 public:
  virtual ~Oracle() = default;
  virtual double expected_reward(std::int64_t arm) const = 0;
  virtual double best_expected_reward() const = 0;
};

// An RGB frame, row-major, 3 bytes per pixel.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};

class Env {
 public:
  explicit Env(EnvSpec spec) : spec_(std::move(spec)) {}
  virtual ~Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  const EnvSpec& spec() const { return spec_; }
  // Sets the time limit (0: none). On an env with a horizon (EnvSpec::horizon) the limit is
  // at most the horizon: 0, or a limit above it, gives the horizon.
  void set_max_episode_steps(std::int64_t n) {
    const std::int64_t h = spec_.horizon;
    spec_.max_episode_steps = h > 0 && (n <= 0 || n > h) ? h : n;
  }

  // Selects the stream reset() seeds and the env draws from; Seeding::gymnasium on an env
  // whose spec does not support it throws, naming the envs that do. Takes effect at the
  // next seeded reset (or the first reset).
  void set_seeding(Seeding seeding);
  Seeding seeding() const { return seeding_; }

  void reset(Value& obs, std::optional<std::uint64_t> seed = std::nullopt);
  StepResult step(const Value& action, Value& obs);
  std::int64_t elapsed_steps() const { return elapsed_; }
  bool episode_over() const { return over_; }
  // The info of the last reset or step (see StepInfo): the fields EnvSpec::info names.
  const StepInfo& info() const { return info_; }

  // Capabilities.
  virtual const TabularModel* model() const { return nullptr; }
  virtual const Oracle* oracle() const { return nullptr; }
  virtual bool has_state() const { return false; }
  // The full internal state as numbers (a discrete-state env: one number, its index).
  virtual void get_state(std::vector<double>& out) const;
  // Sets the state; the episode continues from it (the step counter is kept).
  virtual void set_state(std::span<const double> state);
  // Checkpoints (a run's checkpoint.every, docs/log-format.md "Checkpoints"). An env whose
  // get_state/set_state hold its whole dynamic state (nothing else it keeps changes what it
  // draws or returns) says so here. save_checkpoint then writes that state plus the base
  // class's own (both random streams, the step counter, the episode flags) as entries
  // "<prefix>…", and load_checkpoint, on an env built with the same id and parameters, puts
  // it back, so that the env continues bit for bit as if never interrupted, mid-episode
  // too. Both throw an Error naming the env when it cannot (can_checkpoint() false) or when
  // the entries do not fit; a failed load leaves the env unusable until the next reset.
  virtual bool can_checkpoint() const { return false; }
  void save_checkpoint(StateDict& out, const std::string& prefix) const;
  void load_checkpoint(const StateDict& in, const std::string& prefix);
  virtual bool render(Image& frame) const;
  virtual std::string render_text() const { return {}; }
  // Writes the current observation (after set_state, for traces).
  virtual void observe(Value& obs) const;
  // A state for set_state that shows observation `obs`, for re-drawing a logged trajectory
  // (rlsim traj --replay): after set_state(state), observe() gives obs back (up to float
  // rounding). Parts of the state the observation does not show and the picture does not
  // depend on take a default. Returns false when the observation does not determine the
  // state (the default: envs without state setting, or with hidden state such as bodies).
  virtual bool state_from_observation(const Value& obs, std::vector<double>& state) const {
    (void)obs;
    (void)state;
    return false;
  }

 protected:
  virtual void do_reset(Value& obs) = 0;
  virtual StepResult do_step(const Value& action, Value& obs) = 0;
  Rng& rng() { return rng_; }
  // Under Seeding::gymnasium: numpy's generator, as Gymnasium's np_random.
  bool gymnasium_seeded() const { return seeding_ == Seeding::gymnasium; }
  NumpyGenerator& np_random() { return np_random_; }
  // Uniform on [lo, hi) from the env's stream: rng().uniform(lo, hi), or under
  // Seeding::gymnasium np_random.uniform(lo, hi) (the same formula, lo + (hi - lo) * u).
  double draw_uniform(double lo, double hi) {
    return gymnasium_seeded() ? np_random_.uniform(lo, hi) : rng_.uniform(lo, hi);
  }
  EnvSpec& mutable_spec() { return spec_; }
  // Call from set_state so stepping is allowed again after an ended episode.
  void mark_running() { over_ = false; }
  // For envs that report info fields: written in do_reset/do_step (reset() sets prob to 1
  // before do_reset).
  StepInfo& mutable_info() { return info_; }

 private:
  EnvSpec spec_;
  StepInfo info_;
  Rng rng_;
  NumpyGenerator np_random_;
  Seeding seeding_ = Seeding::rlsim;
  std::int64_t elapsed_ = 0;
  bool over_ = true;
  bool seeded_ = false;
};

}  // namespace rlsim
