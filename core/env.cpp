#include "core/env.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

void Env::set_seeding(Seeding seeding) {
  if (seeding == Seeding::gymnasium && !spec_.gymnasium_seeding)
    throw Error(
        spec_.id +
        ": seeding = \"gymnasium\" is not supported by this env; it is offered by "
        "CartPole-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1, "
        "FrozenLake-v1, FrozenLake8x8-v1, CliffWalking-v1, CliffWalkingSlippery-v1, Taxi-v4, "
        "LunarLander-v3, LunarLanderContinuous-v3, BipedalWalker-v3 and "
        "BipedalWalkerHardcore-v3 (docs/seeding.md); "
        "use seeding = \"rlsim\"");
  seeding_ = seeding;
}

void Env::reset(Value& obs, std::optional<std::uint64_t> seed) {
  if (seed) {
    rng_.seed(*seed);
    // Gymnasium's Env.reset(seed=s): np_random = Generator(PCG64(SeedSequence(s))).
    if (seeding_ == Seeding::gymnasium) np_random_.seed(*seed);
    seeded_ = true;
  } else if (!seeded_) {
    // Gymnasium seeds from entropy when no seed is given; we prefer reproducibility and use
    // a fixed default stream, so an unseeded env still behaves the same on every run.
    rng_.seed(0);
    if (seeding_ == Seeding::gymnasium) np_random_.seed(0);
    seeded_ = true;
  }
  elapsed_ = 0;
  over_ = false;
  spec_.observation_space.prepare(obs);
  info_.prob = 1.0;
  do_reset(obs);
}

StepResult Env::step(const Value& action, Value& obs) {
  if (over_) {
    throw Error(spec_.id + ": step() called " +
                std::string(seeded_ ? "after the episode ended" : "before reset()") +
                "; call reset() to start an episode");
  }
  const Space& as = spec_.action_space;
  if (as.is_discrete() || !spec_.env_clips_actions) {
    // The message is built only on failure: no allocation per step.
    if (!as.contains(action)) as.validate(action, "action for " + spec_.id);
  } else {
    // The env clips finite out-of-range values itself; size and NaN are still errors.
    if (action.vec.size() != as.flat_size())
      throw Error("action for " + spec_.id + " has " + std::to_string(action.vec.size()) +
                  " components; " + as.describe() + " needs " + std::to_string(as.flat_size()));
    for (std::size_t i = 0; i < action.vec.size(); ++i)
      if (action.vec[i] != action.vec[i])
        throw Error("action for " + spec_.id + " component " + std::to_string(i) + " is NaN");
  }
  StepResult r = do_step(action, obs);
  ++elapsed_;
  if (!r.terminated && spec_.max_episode_steps > 0 && elapsed_ >= spec_.max_episode_steps)
    r.truncated = true;
  if (r.terminated || r.truncated) over_ = true;
  return r;
}

void Env::get_state(std::vector<double>&) const {
  throw Error(spec_.id + " does not support getting its state");
}

void Env::set_state(std::span<const double>) {
  throw Error(spec_.id + " does not support setting its state (it offers no state get/set)");
}

namespace {

// Whole numbers in [lo, hi] (a damaged checkpoint is refused before anything changes).
bool whole_in(double v, double lo, double hi) {
  return std::isfinite(v) && v == std::floor(v) && v >= lo && v <= hi;
}

}  // namespace

void Env::save_checkpoint(StateDict& out, const std::string& prefix) const {
  if (!can_checkpoint())
    throw Error(spec_.id +
                " cannot save its whole state for a checkpoint (docs/log-format.md, "
                "\"Checkpoints\", lists the envs that can)");
  std::vector<double> state;
  get_state(state);
  out[prefix + "state"] = ArrayRecord{{static_cast<std::int64_t>(state.size())}, state};
  Rng stream = rng_;  // a copy: reading the engine state changes nothing
  out[prefix + "rng"] = rng_to_record(stream);
  const std::array<double, 10> np = np_random_.bit_generator().to_record();
  out[prefix + "np_random"] = ArrayRecord{{10}, std::vector<double>(np.begin(), np.end())};
  out[prefix + "base"] =
      ArrayRecord{{5},
                  {static_cast<double>(elapsed_), over_ ? 1.0 : 0.0, seeded_ ? 1.0 : 0.0,
                   seeding_ == Seeding::gymnasium ? 1.0 : 0.0, info_.prob}};
}

void Env::load_checkpoint(const StateDict& in, const std::string& prefix) {
  const std::string who = spec_.id + ": checkpoint entry '" + prefix;
  if (!can_checkpoint())
    throw Error(spec_.id +
                " cannot load a checkpoint (docs/log-format.md, \"Checkpoints\", "
                "lists the envs that can)");
  auto find = [&](const char* name, std::size_t size) -> const std::vector<double>& {
    const auto it = in.find(prefix + name);
    if (it == in.end()) throw Error(who + name + "' is missing: not a checkpoint of this env?");
    if (size > 0 && it->second.data.size() != size)
      throw Error(who + name + "' has " + std::to_string(it->second.data.size()) +
                  " values, expected " + std::to_string(size) + ": the checkpoint is damaged");
    return it->second.data;
  };
  const std::vector<double>& state = find("state", 0);
  const std::vector<double>& np = find("np_random", 10);
  const std::vector<double>& base = find("base", 5);
  Pcg64 np_stream;
  if (!np_stream.from_record(np)) throw Error(who + "np_random' is damaged");
  if (!whole_in(base[0], 0, 9007199254740992.0) || !whole_in(base[1], 0, 1) ||
      !whole_in(base[2], 0, 1) || !whole_in(base[3], 0, 1))
    throw Error(who + "base' is damaged");
  if ((base[3] == 1.0) != (seeding_ == Seeding::gymnasium))
    throw Error(who + "base' was saved with another seeding than this env's");
  Rng stream = rng_;
  rng_from_record(stream, in.count(prefix + "rng") ? in.at(prefix + "rng") : ArrayRecord{},
                  spec_.id);
  set_state(state);
  rng_ = stream;
  np_random_.bit_generator() = np_stream;
  elapsed_ = static_cast<std::int64_t>(base[0]);
  over_ = base[1] == 1.0;
  seeded_ = base[2] == 1.0;
  info_.prob = base[4];
}

bool Env::render(Image&) const {
  return false;
}

void Env::observe(Value&) const {
  throw Error(spec_.id + " cannot report its observation outside reset/step");
}

}  // namespace rlsim
