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
// Under seeding = "gymnasium" the episode draws from numpy's generator instead, and the
// layout is [kNumpyTag, d, the 10 numbers of Pcg64::to_record (core/numpy_random.hpp), k,
// k * d action values]; a state restores only into an env with the same seeding.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/numpy_random.hpp"
#include "core/rng.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

class ReplayState {
 public:
  static constexpr double kTag = 24.0;       // format 2.4 (Box2D 2.4 replay)
  static constexpr double kNumpyTag = 25.0;  // the same, from numpy's generator
  static constexpr int kWords = 313;
  static constexpr int kNumpyWords = 10;

  // `dim` action values per step; `reserve_steps` steps recorded without allocating.
  ReplayState(int dim, std::int64_t reserve_steps) : dim_(dim) {
    actions_.reserve(static_cast<std::size_t>(dim * reserve_steps));
  }

  // At reset, before the world draws anything from `rng`.
  void begin(const Rng& rng) {
    start_ = rng;
    numpy_ = false;
    actions_.clear();
    started_ = true;
  }
  // The same, for an episode drawing from numpy's generator (seeding = "gymnasium").
  void begin(const NumpyGenerator& np) {
    np_start_ = np.bit_generator();
    numpy_ = true;
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
    out.clear();
    if (numpy_) {
      const std::array<double, kNumpyWords> words = np_start_.to_record();
      out.push_back(kNumpyTag);
      out.push_back(dim_);
      out.insert(out.end(), words.begin(), words.end());
      out.push_back(static_cast<double>(steps()));
      for (float a : actions_) out.push_back(a);
      return;
    }
    Rng copy = start_;
    const ArrayRecord words = rng_to_record(copy);  // the (high, low) pairs of the layout
    if (words.data.size() != static_cast<std::size_t>(2 * kWords))
      throw Error(env_id + ": unexpected random-engine state size");
    out.push_back(kTag);
    out.push_back(dim_);
    out.insert(out.end(), words.data.begin(), words.data.end());
    out.push_back(static_cast<double>(steps()));
    for (float a : actions_) out.push_back(a);
  }

  // Checks `state`, then sets the stream the episode started from: `rng` for a state of
  // the default seeding, `np` for one of seeding = "gymnasium" (`gymnasium`: the env's
  // seeding, which the state must have). The actions are kept for replay (action(t),
  // steps()). `check_action` throws for an invalid action. Nothing changes on an error.
  template <class CheckAction>
  void decode(std::span<const double> state, const std::string& env_id, CheckAction check_action,
              bool gymnasium, Rng& rng, NumpyGenerator& np) {
    auto bad = [&](const std::string& what) {
      return Error(env_id + ": set_state: " + what +
                   "; give a state returned by get_state of the same env id");
    };
    const bool numpy_state = !state.empty() && state[0] == kNumpyTag;
    if (!state.empty() && (state[0] == kTag || numpy_state) && numpy_state != gymnasium)
      throw Error(env_id + ": set_state: the state was taken under seeding = \"" +
                  (numpy_state ? "gymnasium" : "rlsim") + "\", this env uses seeding = \"" +
                  (gymnasium ? "gymnasium" : "rlsim") + "\"; make the env with the same seeding");
    const std::size_t head = 2 + (numpy_state ? kNumpyWords : 2 * kWords) + 1;
    if (state.size() < head || state[0] != (numpy_state ? kNumpyTag : kTag) || state[1] != dim_)
      throw bad("not a Box2D replay state (" + std::to_string(state.size()) + " numbers)");
    const double k = state[head - 1];
    if (!(k >= 0 && k == std::floor(k)) ||
        state.size() != head + static_cast<std::size_t>(k) * static_cast<std::size_t>(dim_))
      throw bad("the step count does not match the number of action values");
    Rng start_rng;
    Pcg64 start_np;
    if (numpy_state) {
      if (!start_np.from_record(state.subspan(2, kNumpyWords)))
        throw bad("the generator state is not a PCG64 record");
    } else {
      start_rng = decode_rng(state, env_id, bad);
    }
    std::vector<float> actions = decode_actions(state, head, bad);
    for (std::size_t t = 0; t < actions.size(); t += static_cast<std::size_t>(dim_))
      check_action(actions.data() + t);
    actions_.assign(actions.begin(), actions.end());
    numpy_ = numpy_state;
    started_ = true;
    if (numpy_state) {
      np_start_ = start_np;
      np.bit_generator() = start_np;
    } else {
      start_ = start_rng;
      rng = start_rng;
    }
  }

 private:
  template <class Bad>
  static Rng decode_rng(std::span<const double> state, const std::string& env_id, Bad bad) {
    for (int i = 0; i < kWords; ++i) {
      const double hi = state[2 + 2 * i], lo = state[3 + 2 * i];
      if (!(hi >= 0 && hi < 4294967296.0 && lo >= 0 && lo < 4294967296.0) || hi != std::floor(hi) ||
          lo != std::floor(lo))
        throw bad("random-engine word " + std::to_string(i) + " is not a 32-bit pair");
    }
    Rng rng;
    const ArrayRecord words{{2 * kWords},
                            std::vector<double>(state.begin() + 2, state.begin() + 2 + 2 * kWords)};
    try {
      rng_from_record(rng, words, env_id);
    } catch (const Error&) {
      throw bad("the random-engine state does not parse");
    }
    return rng;
  }

  template <class Bad>
  static std::vector<float> decode_actions(std::span<const double> state, std::size_t head,
                                           Bad bad) {
    std::vector<float> actions;
    actions.reserve(state.size() - head);
    for (std::size_t i = head; i < state.size(); ++i) {
      if (!std::isfinite(state[i]))
        throw bad("action value " + std::to_string(i) + " is not finite");
      actions.push_back(static_cast<float>(state[i]));
    }
    return actions;
  }

  int dim_;
  bool started_ = false;
  bool numpy_ = false;
  Rng start_;
  Pcg64 np_start_;
  std::vector<float> actions_;
};

}  // namespace rlsim
