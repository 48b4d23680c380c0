#include "envs/classic/draw.hpp"

#include <cmath>

namespace rlsim::classic_draw {

void rotated(double x, double y, double a, double dx, double dy, double* xy) {
  xy[0] = x * std::cos(a) - y * std::sin(a) + dx;
  xy[1] = x * std::sin(a) + y * std::cos(a) + dy;
}

void fill_rotated_box(Canvas& c, double l, double r, double t, double b, double a, double dx,
                      double dy, int red, int green, int blue) {
  double xy[8];
  rotated(l, b, a, dx, dy, xy);
  rotated(l, t, a, dx, dy, xy + 2);
  rotated(r, t, a, dx, dy, xy + 4);
  rotated(r, b, a, dx, dy, xy + 6);
  c.fill_polygon(xy, 4, red, green, blue);
}

}  // namespace rlsim::classic_draw
