// The Box2D envs' state for Env::get_state / set_state: the episode as a replay.
//
// Box2D 2.4 offers no way to read or restore a world exactly (warm-starting impulses,
// contact manifolds, the broad-phase tree, sleep timers), so the state of LunarLander and
// BipedalWalker is the episode itself: the env's random stream as it was when the episode
// began (before the terrain was drawn) and the actions taken since, clipped as the env
// clips them. set_state rebuilds the world from that stream and replays the actions, which
// reproduces the episode exactly (a fresh world per reset makes every episode depend on its
// stream and actions alone), including the stream's position afterwards. The cost of
// set_state is the replay, O(steps); get_state is O(steps) numbers.
//
// Layout (doubles, every value exact): [kTag, action size d, 313 pairs (high 32 bits, low
// 32 bits) = mt19937_64's 312 words and its index as libstdc++ writes them, number of
// steps k, then k * d action values]. The pairs are the record of core/rng_state.hpp
// (rng_to_record / rng_from_record), checked here to be 32-bit integers before parsing.
#pragma once
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

class ReplayState {
 public:
  static constexpr double kTag = 24.0;  // format 2.4 (Box2D 2.4 replay)
  static constexpr int kWords = 313;

  // `dim` action values per step; `reserve_steps` steps recorded without allocating.
  ReplayState(int dim, std::int64_t reserve_steps) : dim_(dim) {
    actions_.reserve(static_cast<std::size_t>(dim * reserve_steps));
  }

  // At reset, before the world draws anything from `rng`.
  void begin(const Rng& rng) {
    start_ = rng;
    actions_.clear();
    started_ = true;
  }
  // After each step, the action as the physics used it.
  void record(const float* action) { actions_.insert(actions_.end(), action, action + dim_); }

  bool started() const { return started_; }
  std::int64_t steps() const { return static_cast<std::int64_t>(actions_.size()) / dim_; }
  const float* action(std::int64_t t) const {
    return actions_.data() + static_cast<std::size_t>(t * dim_);
  }

  void encode(std::vector<double>& out, const std::string& env_id) const {
    if (!started_) throw Error(env_id + ": get_state before reset; call reset() first");
    Rng copy = start_;
    const ArrayRecord words = rng_to_record(copy);  // the (high, low) pairs of the layout
    if (words.data.size() != static_cast<std::size_t>(2 * kWords))
      throw Error(env_id + ": unexpected random-engine state size");
    out.clear();
    out.push_back(kTag);
    out.push_back(dim_);
    out.insert(out.end(), words.data.begin(), words.data.end());
    out.push_back(static_cast<double>(steps()));
    for (float a : actions_) out.push_back(a);
  }

  // Checks `state` and returns the stream at the episode's start; the actions are kept
  // for replay (action(t), steps()). `check_action` throws for an invalid action.
  template <class CheckAction>
  Rng decode(std::span<const double> state, const std::string& env_id, CheckAction check_action) {
    const std::size_t head = 2 + 2 * kWords + 1;
    auto bad = [&](const std::string& what) {
      return Error(env_id + ": set_state: " + what +
                   "; give a state returned by get_state of the same env id");
    };
    if (state.size() < head || state[0] != kTag || state[1] != dim_)
      throw bad("not a Box2D replay state (" + std::to_string(state.size()) + " numbers)");
    for (int i = 0; i < kWords; ++i) {
      const double hi = state[2 + 2 * i], lo = state[3 + 2 * i];
      if (!(hi >= 0 && hi < 4294967296.0 && lo >= 0 && lo < 4294967296.0) || hi != std::floor(hi) ||
          lo != std::floor(lo))
        throw bad("random-engine word " + std::to_string(i) + " is not a 32-bit pair");
    }
    const double k = state[head - 1];
    if (!(k >= 0 && k == std::floor(k)) ||
        state.size() != head + static_cast<std::size_t>(k) * static_cast<std::size_t>(dim_))
      throw bad("the step count does not match the number of action values");
    Rng rng;
    const ArrayRecord words{{2 * kWords},
                            std::vector<double>(state.begin() + 2, state.begin() + 2 + 2 * kWords)};
    try {
      rng_from_record(rng, words, env_id);
    } catch (const Error&) {
      throw bad("the random-engine state does not parse");
    }
    std::vector<float> actions;
    actions.reserve(state.size() - head);
    for (std::size_t i = head; i < state.size(); ++i) {
      if (!std::isfinite(state[i]))
        throw bad("action value " + std::to_string(i) + " is not finite");
      actions.push_back(static_cast<float>(state[i]));
    }
    for (std::size_t t = 0; t < actions.size(); t += static_cast<std::size_t>(dim_))
      check_action(actions.data() + t);
    actions_.assign(actions.begin(), actions.end());
    start_ = rng;
    started_ = true;
    return rng;
  }

 private:
  int dim_;
  bool started_ = false;
  Rng start_;
  std::vector<float> actions_;
};

}  // namespace rlsim
