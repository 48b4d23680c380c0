#include "envs/render/canvas.hpp"

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace rlsim {

Canvas::Canvas(int width, int height) : width_(width), height_(height) {
  if (width <= 0 || height <= 0)
    throw Error("canvas size " + std::to_string(width) + "x" + std::to_string(height) +
                " is not positive");
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface_);
    throw Error("cairo could not create a " + std::to_string(width) + "x" + std::to_string(height) +
                " surface");
  }
  cr_ = cairo_create(surface_);
}

Canvas::~Canvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

void Canvas::clear(double r, double g, double b) {
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, r, g, b);
  cairo_paint(cr_);
  cairo_restore(cr_);
}

void Canvas::to_image(Image& frame) {
  cairo_surface_flush(surface_);
  frame.width = width_;
  frame.height = height_;
  frame.rgb.resize(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) * 3);
  const unsigned char* data = cairo_image_surface_get_data(surface_);
  const int stride = cairo_image_surface_get_stride(surface_);
  for (int y = 0; y < height_; ++y) {
    // CAIRO_FORMAT_RGB24: one native-endian 32-bit word per pixel, 0x00RRGGBB.
    const auto* row =
        reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    std::uint8_t* out = frame.rgb.data() + static_cast<std::size_t>(y) * width_ * 3;
    for (int x = 0; x < width_; ++x) {
      const std::uint32_t p = row[x];
      out[3 * x] = static_cast<std::uint8_t>(p >> 16);
      out[3 * x + 1] = static_cast<std::uint8_t>(p >> 8);
      out[3 * x + 2] = static_cast<std::uint8_t>(p);
    }
  }
}

void Canvas::flip_y() {
  cairo_translate(cr_, 0.0, static_cast<double>(height_));
  cairo_scale(cr_, 1.0, -1.0);
}

void Canvas::set_rgb(int r, int g, int b) {
  cairo_set_source_rgb(cr_, r / 255.0, g / 255.0, b / 255.0);
}

void Canvas::fill_rect(double x, double y, double w, double h, int r, int g, int b) {
  set_rgb(r, g, b);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_fill(cr_);
}

void Canvas::fill_circle(double x, double y, double radius, int r, int g, int b) {
  set_rgb(r, g, b);
  cairo_new_sub_path(cr_);
  cairo_arc(cr_, x, y, radius, 0.0, 2.0 * 3.141592653589793);
  cairo_fill(cr_);
}

void Canvas::fill_polygon(const double* xy, int points, int r, int g, int b) {
  if (points < 3) return;
  set_rgb(r, g, b);
  cairo_move_to(cr_, xy[0], xy[1]);
  for (int i = 1; i < points; ++i) cairo_line_to(cr_, xy[2 * i], xy[2 * i + 1]);
  cairo_close_path(cr_);
  cairo_fill(cr_);
}

void Canvas::line(double x0, double y0, double x1, double y1, double width, int r, int g, int b) {
  set_rgb(r, g, b);
  cairo_set_line_width(cr_, width);
  cairo_move_to(cr_, x0, y0);
  cairo_line_to(cr_, x1, y1);
  cairo_stroke(cr_);
}

}  // namespace rlsim
