// Gridworld::render: a picture of the grid drawn with Cairo (envs/render/canvas.hpp).
// Colours: ice 'F' pale blue, free '.' light grey, start 'S' pale green, goal 'G' gold,
// hole 'H' dark blue, cliff 'C' brown, wall '#' dark grey; windy columns are shaded blue by
// strength with one chevron per unit of wind; the agent is a red disc. FrozenLake's sizes
// follow Gymnasium's (64-pixel cells, toy_text/frozen_lake.py's window of
// min(64 * ncol, 512) x min(64 * nrow, 512)).
#include <algorithm>

#include "envs/gridworld/gridworld.hpp"
#include "envs/render/canvas.hpp"

namespace rlsim {

namespace {

struct Rgb {
  int r, g, b;
};

Rgb tile_colour(char ch) {
  switch (ch) {
    case 'F':
      return {204, 229, 255};
    case 'S':
      return {170, 215, 170};
    case 'G':
      return {255, 204, 0};
    case 'H':
      return {25, 45, 100};
    case 'C':
      return {140, 80, 50};
    case '#':
      return {60, 60, 60};
    default:
      return {235, 235, 235};
  }
}

}  // namespace

bool Gridworld::render(Image& frame) const {
  const int px = render_cell_size();
  Canvas c(cols_ * px, rows_ * px);
  c.clear(1.0, 1.0, 1.0);
  cairo_t* cr = c.cr();
  const int max_wind =
      wind_.empty() ? 0 : std::max(1, *std::max_element(wind_.begin(), wind_.end()));
  for (int r = 0; r < rows_; ++r) {
    for (int col = 0; col < cols_; ++col) {
      Rgb t = tile_colour(cell(r, col));
      const int w = wind_.empty() ? 0 : wind_[static_cast<std::size_t>(col)];
      if (w > 0 && t.r == 235) {
        // Shade free windy cells towards blue, more for stronger wind.
        const double k = 0.45 * w / max_wind;
        t = {static_cast<int>(t.r * (1 - k) + 70 * k), static_cast<int>(t.g * (1 - k) + 130 * k),
             static_cast<int>(t.b * (1 - k) + 230 * k)};
      }
      c.fill_rect(col * px, r * px, px, px, t.r, t.g, t.b);
    }
  }
  // Grid lines.
  c.set_rgb(160, 160, 160);
  cairo_set_line_width(cr, 1.0);
  for (int r = 0; r <= rows_; ++r) {
    cairo_move_to(cr, 0, r * px + 0.5);
    cairo_line_to(cr, cols_ * px, r * px + 0.5);
  }
  for (int col = 0; col <= cols_; ++col) {
    cairo_move_to(cr, col * px + 0.5, 0);
    cairo_line_to(cr, col * px + 0.5, rows_ * px);
  }
  cairo_stroke(cr);
  // Wind: w upward chevrons at the bottom of each windy column's cells.
  for (int col = 0; col < static_cast<int>(wind_.size()) && col < cols_; ++col) {
    const int w = wind_[static_cast<std::size_t>(col)];
    for (int r = 0; r < rows_; ++r) {
      if (cell(r, col) == '#') continue;
      for (int k = 0; k < w && k < 4; ++k) {
        const double cx = col * px + px / 2.0;
        const double y = r * px + px * (0.9 - 0.1 * k);
        c.line(cx - px * 0.12, y, cx, y - px * 0.08, 2.0, 40, 80, 170);
        c.line(cx, y - px * 0.08, cx + px * 0.12, y, 2.0, 40, 80, 170);
      }
    }
  }
  // The agent.
  const double ax = col_of(state_) * px + px / 2.0;
  const double ay = row_of(state_) * px + px / 2.0;
  c.fill_circle(ax, ay, px * 0.3, 220, 40, 40);
  c.set_rgb(90, 0, 0);
  cairo_set_line_width(cr, 2.0);
  cairo_arc(cr, ax, ay, px * 0.3, 0.0, 2.0 * 3.141592653589793);
  cairo_stroke(cr);
  c.to_image(frame);
  return true;
}

}  // namespace rlsim
