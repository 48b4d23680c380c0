#include "envs/classic/mountain_car_common.hpp"

#include <cmath>
#include <cstdio>

#include "envs/classic/detail.hpp"

namespace rlsim {

MountainCarBase::MountainCarBase(EnvSpec spec, MountainCarConfig config, double goal_position)
    : Env(std::move(spec)), config_(config), goal_position_(goal_position) {
  classic_detail::check_reset_bounds(config_.reset_low, config_.reset_high, this->spec().id);
  if (!std::isfinite(config_.goal_velocity))
    throw Error(this->spec().id + ": goal_velocity must be a finite number");
}

void MountainCarBase::write_observation(Value& obs) const {
  classic_detail::size_observation(obs, 2);
  obs.vec[0] = static_cast<float>(state_.position);
  obs.vec[1] = static_cast<float>(state_.velocity);
}

void MountainCarBase::do_reset(Value& obs) {
  state_ = {rng().uniform(config_.reset_low, config_.reset_high), 0.0};
  write_observation(obs);
}

void MountainCarBase::get_state(std::vector<double>& out) const {
  out.assign({state_.position, state_.velocity});
}

void MountainCarBase::set_state(std::span<const double> state) {
  classic_detail::check_state(state, spec().id, {"position", "velocity"});
  state_ = {state[0], state[1]};
  mark_running();
}

void MountainCarBase::observe(Value& obs) const {
  write_observation(obs);
}

std::string MountainCarBase::render_text() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "position=%+.4f velocity=%+.5f", state_.position, state_.velocity);
  return buf;
}

}  // namespace rlsim
