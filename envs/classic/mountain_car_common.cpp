#include "envs/classic/mountain_car_common.hpp"

#include <cmath>
#include <cstdio>

#include "envs/classic/detail.hpp"
#include "envs/classic/draw.hpp"

namespace rlsim {

namespace {
double mountain_height(double x) {
  return std::sin(3.0 * x) * 0.45 + 0.55;  // MountainCarEnv._height
}
}  // namespace

ConfigSchema<MountainCarConfig> mountain_car_schema(const std::string& goal) {
  using C = MountainCarConfig;
  return classic_detail::with_reset_bounds(
      ConfigSchema<C>().field("goal_velocity", &C::goal_velocity,
                              "velocity the car must have at the flag (position >= " + goal + ")",
                              source("Gymnasium make argument goal_velocity")),
      "the position");
}

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
  state_ = {draw_uniform(config_.reset_low, config_.reset_high), 0.0};
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

// mountain_car.py and continuous_mountain_car.py draw the same picture, flag aside: the
// hill, the car on it with its wheels, the flag at goal_position_; y up, then flipped.
bool MountainCarBase::render(Image& frame) const {
  const int width = kRenderWidth, height = kRenderHeight;
  const double min_pos = kMinPosition, max_pos = kMaxPosition;
  const double goal = goal_position_, pos = state_.position;
  Canvas c(width, height);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const double scale = width / (max_pos - min_pos);
  const double car_width = 40.0, car_height = 20.0, clearance = 10.0;
  cairo_t* cr = c.cr();
  c.set_rgb(0, 0, 0);
  cairo_set_line_width(cr, 1.0);
  for (int i = 0; i < 100; ++i) {
    const double x = min_pos + (max_pos - min_pos) * i / 99.0;
    const double px = (x - min_pos) * scale, py = mountain_height(x) * scale;
    if (i == 0)
      cairo_move_to(cr, px, py);
    else
      cairo_line_to(cr, px, py);
  }
  cairo_stroke(cr);
  const double angle = std::cos(3.0 * pos);
  const double dx = (pos - min_pos) * scale;
  const double dy = clearance + mountain_height(pos) * scale;
  classic_draw::fill_rotated_box(c, -car_width / 2, car_width / 2, car_height, 0.0, angle, dx, dy,
                                 0, 0, 0);
  for (double wx : {car_width / 4, -car_width / 4}) {
    double w[2];
    classic_draw::rotated(wx, 0.0, angle, dx, dy, w);
    c.fill_circle(w[0], w[1], car_height / 2.5, 128, 128, 128);
  }
  const double flag_x = (goal - min_pos) * scale;
  const double flag_y1 = mountain_height(goal) * scale, flag_y2 = flag_y1 + 50.0;
  c.line(flag_x, flag_y1, flag_x, flag_y2, 1.0, 0, 0, 0);
  const double flag[6] = {flag_x, flag_y2, flag_x, flag_y2 - 10.0, flag_x + 25.0, flag_y2 - 5.0};
  c.fill_polygon(flag, 3, 204, 204, 0);
  c.to_image(frame);
  return true;
}

}  // namespace rlsim
