#include "core/env.hpp"

#include "core/error.hpp"

namespace rlsim {

void Env::set_seeding(Seeding seeding) {
  if (seeding == Seeding::gymnasium && !spec_.gymnasium_seeding)
    throw Error(
        spec_.id +
        ": seeding = \"gymnasium\" is not supported by this env; it is offered by "
        "CartPole-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1, "
        "FrozenLake-v1, FrozenLake8x8-v1, CliffWalking-v1, CliffWalkingSlippery-v1 and Taxi-v4 "
        "(docs/seeding.md); "
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

bool Env::render(Image&) const {
  return false;
}

void Env::observe(Value&) const {
  throw Error(spec_.id + " cannot report its observation outside reset/step");
}

}  // namespace rlsim
