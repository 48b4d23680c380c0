// Canvas: a small RAII wrapper over a Cairo image surface, used by envs to draw a frame
// for Env::render. Envs draw with the plain Cairo API on cr() (cairo.h), then copy the
// pixels into an rlsim::Image (RGB, row-major), or use the small shape helpers below
// (colours as 0-255 components, as Gymnasium's pygame renderers give them). Cairo is a
// private dependency of rlsim::envs; nothing outside envs/ sees it.
//
// Coordinates: Cairo's (x right, y down) by default; flip_y() switches to y up from the
// bottom edge, the frame Gymnasium's classic-control renderers draw in before their final
// pygame.transform.flip, so their geometry can be used unchanged.
#pragma once
#include <cairo.h>

#include "core/env.hpp"

namespace rlsim {

class Canvas {
 public:
  Canvas(int width, int height);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }
  // Fills the whole canvas with one colour (components in [0, 1]).
  void clear(double r, double g, double b);
  // Copies the drawing into `frame` (resized to width × height).
  void to_image(Image& frame);

  // y up from the bottom edge from now on (see the header comment).
  void flip_y();
  // Shapes in the current coordinates; colours are 0-255 components.
  void set_rgb(int r, int g, int b);
  void fill_rect(double x, double y, double w, double h, int r, int g, int b);
  void fill_circle(double x, double y, double radius, int r, int g, int b);
  // A closed polygon of points (x0, y0, x1, y1, ...).
  void fill_polygon(const double* xy, int points, int r, int g, int b);
  void line(double x0, double y0, double x1, double y1, double width, int r, int g, int b);

 private:
  int width_;
  int height_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

}  // namespace rlsim
