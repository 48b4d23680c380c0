// Drawing helpers shared by the classic-control pictures (the render() methods in
// cart_pole.cpp, mountain_car_common.cpp, acrobot.cpp and pendulum.cpp), which follow the
// geometry and colours of Gymnasium 1.x's pygame renderers: they draw with y up
// (Canvas::flip_y) and place bodies as rotated polygons, as pygame's Vector2.rotate_rad
// does. Not part of the envs' public interface.
#pragma once
#include "envs/render/canvas.hpp"

namespace rlsim::classic_draw {

// pygame.math.Vector2(x, y).rotate_rad(a) + (dx, dy), written to xy[0], xy[1].
void rotated(double x, double y, double a, double dx, double dy, double* xy);

// The box (l, r, t, b) rotated by a around the origin, then moved by (dx, dy), filled with
// the colour (red, green, blue) in 0-255 components.
void fill_rotated_box(Canvas& c, double l, double r, double t, double b, double a, double dx,
                      double dy, int red, int green, int blue);

}  // namespace rlsim::classic_draw
