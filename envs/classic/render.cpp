// Pictures of the classic-control envs, drawn with Cairo (envs/render/canvas.hpp) after the
// geometry and colours of Gymnasium 1.x's pygame renderers (cartpole.py, mountain_car.py,
// continuous_mountain_car.py, acrobot.py, pendulum.py; their render() methods, which draw
// with y up and flip the surface at the end — Canvas::flip_y does the same). Pendulum's
// torque arrow, a bitmap in Gymnasium, is drawn here as an arc.
#include <algorithm>
#include <cmath>

#include "envs/classic/acrobot.hpp"
#include "envs/classic/cart_pole.hpp"
#include "envs/classic/continuous_mountain_car.hpp"
#include "envs/classic/mountain_car.hpp"
#include "envs/classic/pendulum.hpp"
#include "envs/render/canvas.hpp"

namespace rlsim {

namespace {

constexpr double kPi = 3.141592653589793;

// pygame.math.Vector2(x, y).rotate_rad(a) + (dx, dy), written to xy[2i], xy[2i+1].
void rotated(double x, double y, double a, double dx, double dy, double* xy) {
  xy[0] = x * std::cos(a) - y * std::sin(a) + dx;
  xy[1] = x * std::sin(a) + y * std::cos(a) + dy;
}

// A box (l, r, t, b) rotated by a around the origin, then moved by (dx, dy).
void fill_rotated_box(Canvas& c, double l, double r, double t, double b, double a, double dx,
                      double dy, int red, int green, int blue) {
  double xy[8];
  rotated(l, b, a, dx, dy, xy);
  rotated(l, t, a, dx, dy, xy + 2);
  rotated(r, t, a, dx, dy, xy + 4);
  rotated(r, b, a, dx, dy, xy + 6);
  c.fill_polygon(xy, 4, red, green, blue);
}

double mountain_height(double x) {
  return std::sin(3.0 * x) * 0.45 + 0.55;  // MountainCarEnv._height
}

// mountain_car.py and continuous_mountain_car.py draw the same picture, flag aside.
void draw_mountain_car(Image& frame, int width, int height, double min_pos, double max_pos,
                       double goal, double pos) {
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
  fill_rotated_box(c, -car_width / 2, car_width / 2, car_height, 0.0, angle, dx, dy, 0, 0, 0);
  for (double wx : {car_width / 4, -car_width / 4}) {
    double w[2];
    rotated(wx, 0.0, angle, dx, dy, w);
    c.fill_circle(w[0], w[1], car_height / 2.5, 128, 128, 128);
  }
  const double flag_x = (goal - min_pos) * scale;
  const double flag_y1 = mountain_height(goal) * scale, flag_y2 = flag_y1 + 50.0;
  c.line(flag_x, flag_y1, flag_x, flag_y2, 1.0, 0, 0, 0);
  const double flag[6] = {flag_x, flag_y2, flag_x, flag_y2 - 10.0, flag_x + 25.0, flag_y2 - 5.0};
  c.fill_polygon(flag, 3, 204, 204, 0);
  c.to_image(frame);
}

}  // namespace

bool CartPoleEnv::render(Image& frame) const {
  Canvas c(kRenderWidth, kRenderHeight);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const double scale = kRenderWidth / (kXThreshold * 2);
  const double pole_width = 10.0, pole_len = scale * (2 * kLength);
  const double cart_width = 50.0, cart_height = 30.0;
  const double axle_offset = cart_height / 4.0;
  const double cart_x = state_.x * scale + kRenderWidth / 2.0, cart_y = 100.0;
  c.fill_rect(cart_x - cart_width / 2, cart_y - cart_height / 2, cart_width, cart_height, 0, 0, 0);
  fill_rotated_box(c, -pole_width / 2, pole_width / 2, pole_len - pole_width / 2, -pole_width / 2,
                   -state_.theta, cart_x, cart_y + axle_offset, 202, 152, 101);
  c.fill_circle(cart_x, cart_y + axle_offset, pole_width / 2, 129, 132, 203);
  c.line(0.0, cart_y, kRenderWidth, cart_y, 1.0, 0, 0, 0);
  c.to_image(frame);
  return true;
}

bool MountainCarBase::render(Image& frame) const {
  draw_mountain_car(frame, kRenderWidth, kRenderHeight, kMinPosition, kMaxPosition, goal_position_,
                    state_.position);
  return true;
}

bool AcrobotEnv::render(Image& frame) const {
  Canvas c(kRenderWidth, kRenderHeight);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const State& s = state_;
  const double bound = kLinkLength1 + kLinkLength2 + 0.2;
  const double scale = kRenderWidth / (bound * 2);
  const double offset = kRenderWidth / 2.0;
  const double p1[2] = {-kLinkLength1 * std::cos(s[0]) * scale,
                        kLinkLength1 * std::sin(s[0]) * scale};
  // acrobot.py swaps the coordinates of the joints ([:, ::-1]) and draws one link from each
  // of the first two (its zip stops there, so the tip p2 is not needed).
  const double xs[2] = {0.0, p1[1]}, ys[2] = {0.0, p1[0]};
  const double thetas[2] = {s[0] - kPi / 2, s[0] + s[1] - kPi / 2};
  const double lengths[2] = {kLinkLength1 * scale, kLinkLength2 * scale};
  c.line(-2.2 * scale + offset, 1.0 * scale + offset, 2.2 * scale + offset, 1.0 * scale + offset,
         1.0, 0, 0, 0);
  for (int i = 0; i < 2; ++i) {
    const double x = xs[i] + offset, y = ys[i] + offset;
    fill_rotated_box(c, 0.0, lengths[i], 0.1 * scale, -0.1 * scale, thetas[i], x, y, 0, 204, 204);
    c.fill_circle(x, y, 0.1 * scale, 204, 204, 0);
  }
  c.to_image(frame);
  return true;
}

bool PendulumEnv::render(Image& frame) const {
  Canvas c(kRenderWidth, kRenderHeight);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const double bound = 2.2;
  const double scale = kRenderWidth / (bound * 2);
  const double offset = kRenderWidth / 2.0;
  const double rod_length = kLength * scale, rod_width = 0.2 * scale;
  const double a = state_.theta + kPi / 2;
  fill_rotated_box(c, 0.0, rod_length, rod_width / 2, -rod_width / 2, a, offset, offset, 204, 77,
                   77);
  c.fill_circle(offset, offset, rod_width / 2, 204, 77, 77);
  double end[2];
  rotated(rod_length, 0.0, a, offset, offset, end);
  c.fill_circle(end[0], end[1], rod_width / 2, 204, 77, 77);
  // The applied torque: an arc around the axle whose sweep grows with |u| (Gymnasium scales
  // an arrow bitmap by |u| / 2), counter-clockwise for u > 0.
  if (last_u_ != 0.0) {
    const double sweep = std::min(std::abs(last_u_) / kMaxTorque, 1.0) * 1.5 * kPi;
    const double radius = 0.35 * scale;
    const double start = -kPi / 2;
    cairo_t* cr = c.cr();
    c.set_rgb(40, 40, 40);
    cairo_set_line_width(cr, 0.06 * scale);
    cairo_new_sub_path(cr);
    if (last_u_ > 0)
      cairo_arc(cr, offset, offset, radius, start, start + sweep);
    else
      cairo_arc_negative(cr, offset, offset, radius, start, start - sweep);
    cairo_stroke(cr);
    const double tip = last_u_ > 0 ? start + sweep : start - sweep;
    const double dir = last_u_ > 0 ? 1.0 : -1.0;
    // Arrow head: a triangle at the arc's end, pointing along the tangent.
    const double tx = -std::sin(tip) * dir, ty = std::cos(tip) * dir;
    const double hx = offset + radius * std::cos(tip), hy = offset + radius * std::sin(tip);
    const double h = 0.12 * scale, w = 0.08 * scale;
    const double head[6] = {hx + tx * h,
                            hy + ty * h,
                            hx + std::cos(tip) * w,
                            hy + std::sin(tip) * w,
                            hx - std::cos(tip) * w,
                            hy - std::sin(tip) * w};
    c.fill_polygon(head, 3, 40, 40, 40);
  }
  c.fill_circle(offset, offset, 0.05 * scale, 0, 0, 0);
  c.to_image(frame);
  return true;
}

}  // namespace rlsim
