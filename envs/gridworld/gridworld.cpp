#include "envs/gridworld/gridworld.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/render/canvas.hpp"

namespace rlsim {

struct GridBuild {
  EnvSpec spec;
  TabularModel model;
  std::vector<bool> goal;
  std::vector<std::string> map;
  int rows = 0;
  int cols = 0;
  std::vector<int> cell_row, cell_col;
  std::vector<std::int64_t> state_of_cell;
  std::vector<int> wind;
  std::vector<std::string> action_names;
  std::vector<std::vector<ModelOutcome>> gymnasium_outcomes;  // empty unless slippery Gymnasium
};

namespace {

struct WeightedMove {
  double probability;
  int dr;
  int dc;
};

std::string describe_char(char ch) {
  switch (ch) {
    case '#':
      return "'#' wall";
    case '.':
      return "'.' free";
    case 'F':
      return "'F' frozen (free)";
    case 'S':
      return "'S' start";
    case 'G':
      return "'G' goal";
    case 'H':
      return "'H' hole";
    case 'C':
      return "'C' cliff";
    default:
      return std::string("'") + ch + "'";
  }
}

std::string describe_allowed(const std::string& allowed) {
  std::string out;
  for (char ch : allowed) out += (out.empty() ? "" : ", ") + describe_char(ch);
  return out;
}

std::string printable(char ch) {
  if (ch == ' ') return "' ' (space)";
  if (ch == '\t') return "'\\t' (tab)";
  if (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126)
    return "byte " + std::to_string(static_cast<unsigned char>(ch));
  return std::string("'") + ch + "'";
}

bool is_terminal_char(char ch) {
  return ch == 'G' || ch == 'H';
}

// The slip distribution over displacements for one action.
std::vector<WeightedMove> slip_moves(const GridAction& a, double slip, SlipModel model) {
  std::vector<WeightedMove> moves;
  auto add = [&](double p, int dr, int dc) {
    if (p <= 0.0) return;
    for (auto& m : moves)
      if (m.dr == dr && m.dc == dc) {
        m.probability += p;
        return;
      }
    moves.push_back({p, dr, dc});
  };
  if (slip <= 0.0) {
    add(1.0, a.dr, a.dc);
    return moves;
  }
  static constexpr int kCompass[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
  switch (model) {
    case SlipModel::Perpendicular:
      add(1.0 - slip, a.dr, a.dc);
      add(slip / 2.0, a.dc, -a.dr);
      add(slip / 2.0, -a.dc, a.dr);
      break;
    case SlipModel::OtherDirections:
      add(1.0 - slip, a.dr, a.dc);
      for (const auto& d : kCompass)
        if (d[0] != a.dr || d[1] != a.dc) add(slip / 3.0, d[0], d[1]);
      break;
    case SlipModel::AnyDirection:
      add(1.0 - slip, a.dr, a.dc);
      for (const auto& d : kCompass) add(slip / 4.0, d[0], d[1]);
      break;
  }
  return moves;
}

GridBuild build(const GridworldConfig& c) {
  const std::string& id = c.id;
  GridBuild b;
  b.map = c.map;
  if (b.map.empty()) throw Error(id + ": the map is empty; give at least one row, e.g. \"SFFG\"");
  b.rows = static_cast<int>(b.map.size());
  b.cols = static_cast<int>(b.map[0].size());
  for (int r = 0; r < b.rows; ++r) {
    const std::string& row = b.map[static_cast<std::size_t>(r)];
    if (static_cast<int>(row.size()) != b.cols)
      throw Error(id + ": map row " + std::to_string(r) + " (\"" + row + "\") has " +
                  std::to_string(row.size()) + " cells but row 0 has " + std::to_string(b.cols) +
                  "; all rows must have the same length");
    for (int col = 0; col < b.cols; ++col) {
      const char ch = row[static_cast<std::size_t>(col)];
      if (c.allowed.find(ch) == std::string::npos)
        throw Error(id + ": map row " + std::to_string(r) + ", column " + std::to_string(col) +
                    " has " + printable(ch) + ", which is not a map character; use " +
                    describe_allowed(c.allowed));
    }
  }
  if (b.cols == 0) throw Error(id + ": the map rows are empty; give at least one cell");
  if (!(c.slip >= 0.0 && c.slip <= 1.0))
    throw Error(id + ": slip = " + std::to_string(c.slip) + " is not a probability in [0, 1]");
  if (!c.wind.empty() && static_cast<int>(c.wind.size()) != b.cols)
    throw Error(id + ": wind has " + std::to_string(c.wind.size()) + " values but the map has " +
                std::to_string(b.cols) + " columns; give one per column (or none)");
  const std::size_t cells = static_cast<std::size_t>(b.rows) * static_cast<std::size_t>(b.cols);
  if (!c.cell_rewards.empty() && c.cell_rewards.size() != cells)
    throw Error(id + ": cell_rewards has " + std::to_string(c.cell_rewards.size()) +
                " values but the map has " + std::to_string(cells) + " cells (" +
                std::to_string(b.rows) + "x" + std::to_string(b.cols) +
                "); give one per cell, row-major, or none");
  for (double x : c.cell_rewards)
    if (!std::isfinite(x)) throw Error(id + ": cell_rewards has a non-finite value");

  std::vector<GridAction> actions = c.actions.empty() ? compass_actions_udlr() : c.actions;
  if (c.slip > 0.0)
    for (const GridAction& a : actions)
      if (std::abs(a.dr) + std::abs(a.dc) != 1)
        throw Error(id + ": slip > 0 is defined for the four compass moves only; action '" +
                    a.name + "' is not one (set slip = 0)");
  for (const GridAction& a : actions) b.action_names.push_back(a.name);
  b.wind = c.wind;

  // Number the non-wall cells row-major.
  b.state_of_cell.assign(cells, -1);
  for (int r = 0; r < b.rows; ++r)
    for (int col = 0; col < b.cols; ++col)
      if (b.map[static_cast<std::size_t>(r)][static_cast<std::size_t>(col)] != '#') {
        b.state_of_cell[static_cast<std::size_t>(r * b.cols + col)] =
            static_cast<std::int64_t>(b.cell_row.size());
        b.cell_row.push_back(r);
        b.cell_col.push_back(col);
      }
  const std::int64_t ns = static_cast<std::int64_t>(b.cell_row.size());
  if (ns == 0) throw Error(id + ": the map has only walls; it needs at least one free cell");
  auto char_of = [&](std::int64_t s) {
    const auto i = static_cast<std::size_t>(s);
    return b.map[static_cast<std::size_t>(b.cell_row[i])][static_cast<std::size_t>(b.cell_col[i])];
  };
  auto cell_reward = [&](std::int64_t s) {
    if (c.cell_rewards.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(s);
    return c.cell_rewards[static_cast<std::size_t>(b.cell_row[i] * b.cols + b.cell_col[i])];
  };

  std::vector<std::int64_t> starts, spawn;
  bool has_cliff = false;
  for (std::int64_t s = 0; s < ns; ++s) {
    const char ch = char_of(s);
    if (ch == 'S') starts.push_back(s);
    if (ch == 'C') has_cliff = true;
    if (!is_terminal_char(ch) && ch != 'C') spawn.push_back(s);
  }
  if (has_cliff && starts.empty())
    throw Error(id + ": the map has a cliff 'C' but no start 'S' to return the agent to");
  if (!c.start_anywhere && starts.empty())
    throw Error(id + ": the map has no start cell 'S'; mark where episodes begin with 'S'");
  if (c.start_anywhere && spawn.empty())
    throw Error(id + ": the map has no free non-terminal cell to start from");

  TabularModel& m = b.model;
  m.num_states = ns;
  m.num_actions = static_cast<std::int64_t>(actions.size());
  m.outcomes.resize(static_cast<std::size_t>(ns * m.num_actions));
  m.terminal.assign(static_cast<std::size_t>(ns), false);
  b.goal.assign(static_cast<std::size_t>(ns), false);
  m.initial_distribution.assign(static_cast<std::size_t>(ns), 0.0);
  const std::vector<std::int64_t>& initial = c.start_anywhere ? spawn : starts;
  for (std::int64_t s : initial)
    m.initial_distribution[static_cast<std::size_t>(s)] = 1.0 / static_cast<double>(initial.size());

  for (std::int64_t s = 0; s < ns; ++s) {
    const char here = char_of(s);
    m.terminal[static_cast<std::size_t>(s)] = is_terminal_char(here);
    b.goal[static_cast<std::size_t>(s)] = here == 'G';
    const int r = b.cell_row[static_cast<std::size_t>(s)];
    const int col = b.cell_col[static_cast<std::size_t>(s)];
    // Wind of this column: deterministic, or w-1, w, w+1 with 1/3 each where w != 0.
    std::vector<std::pair<double, int>> winds;
    const int w = b.wind.empty() ? 0 : b.wind[static_cast<std::size_t>(col)];
    if (c.stochastic_wind && w != 0)
      winds = {{1.0 / 3.0, w - 1}, {1.0 / 3.0, w}, {1.0 / 3.0, w + 1}};
    else
      winds = {{1.0, w}};
    for (std::int64_t a = 0; a < m.num_actions; ++a) {
      auto& outs = m.outcomes[static_cast<std::size_t>(s * m.num_actions + a)];
      if (is_terminal_char(here)) {
        outs.push_back({1.0, s, 0.0, true});
        continue;
      }
      for (const WeightedMove& mv :
           slip_moves(actions[static_cast<std::size_t>(a)], c.slip, c.slip_model)) {
        for (const auto& [pw, wind] : winds) {
          const double p = mv.probability * pw;
          const int tr = std::clamp(r + mv.dr - wind, 0, b.rows - 1);
          const int tc = std::clamp(col + mv.dc, 0, b.cols - 1);
          std::int64_t next = b.state_of_cell[static_cast<std::size_t>(tr * b.cols + tc)];
          if (next < 0) next = s;  // a wall: stay
          const char there = char_of(next);
          const double extra = cell_reward(next);
          switch (there) {
            case 'C':
              for (std::int64_t st : starts)
                add_outcome(outs, p / static_cast<double>(starts.size()), st,
                            c.cliff_reward + extra, false);
              break;
            case 'G':
              add_outcome(outs, p, next, c.goal_reward + extra, true);
              break;
            case 'H':
              add_outcome(outs, p, next, c.hole_reward + extra, true);
              break;
            default:
              add_outcome(outs, p, next, c.step_reward + extra, false);
              break;
          }
        }
      }
    }
  }

  if (c.gymnasium && c.slip > 0.0) {
    // Gymnasium's lists (frozen_lake.py, cliffwalking.py): for action a the moves
    // (a-1) % 4, a, (a+1) % 4, unmerged; terminal cells keep the model's single outcome.
    if (m.num_actions != 4 || !b.wind.empty() || c.slip_model != SlipModel::Perpendicular)
      throw Error(id + ": Gymnasium's slippery lists need 4 compass actions and no wind");
    b.gymnasium_outcomes.resize(m.outcomes.size());
    for (std::int64_t s = 0; s < ns; ++s)
      for (std::int64_t a = 0; a < 4; ++a) {
        const auto pair = static_cast<std::size_t>(s * 4 + a);
        auto& outs = b.gymnasium_outcomes[pair];
        if (m.terminal[static_cast<std::size_t>(s)]) {
          outs = m.outcomes[pair];
          continue;
        }
        for (const std::int64_t k : {(a + 3) % 4, a, (a + 1) % 4}) {
          const GridAction& mv = actions[static_cast<std::size_t>(k)];
          const double p = k == a ? c.gymnasium_intended : c.gymnasium_perpendicular;
          const int tr = std::clamp(b.cell_row[static_cast<std::size_t>(s)] + mv.dr, 0, b.rows - 1);
          const int tc = std::clamp(b.cell_col[static_cast<std::size_t>(s)] + mv.dc, 0, b.cols - 1);
          std::int64_t next = b.state_of_cell[static_cast<std::size_t>(tr * b.cols + tc)];
          if (next < 0) next = s;
          const char there = char_of(next);
          const double extra = cell_reward(next);
          if (there == 'C')
            outs.push_back({p, starts.front(), c.cliff_reward + extra, false});
          else if (there == 'G')
            outs.push_back({p, next, c.goal_reward + extra, true});
          else if (there == 'H')
            outs.push_back({p, next, c.hole_reward + extra, true});
          else
            outs.push_back({p, next, c.step_reward + extra, false});
        }
      }
  }

  b.spec.id = c.id;
  b.spec.gymnasium_seeding = c.gymnasium;
  b.spec.max_episode_steps = c.max_episode_steps;
  b.spec.reward_threshold = c.reward_threshold;
  return b;
}

// Tile colours of render(): ice 'F' pale blue, free '.' light grey, start 'S' pale green,
// goal 'G' gold, hole 'H' dark blue, cliff 'C' brown, wall '#' dark grey.
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

std::vector<std::string> split_map_rows(std::string_view text) {
  std::vector<std::string> rows;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) rows.push_back(cur);
    cur.clear();
  };
  for (char ch : text) {
    if (ch == '/' || ch == '\n') {
      flush();
    } else if (ch != '\r') {
      cur += ch;
    }
  }
  flush();
  return rows;
}

std::vector<GridAction> compass_actions_udlr() {
  return {{-1, 0, "Up"}, {1, 0, "Down"}, {0, -1, "Left"}, {0, 1, "Right"}};
}

Gridworld::Gridworld(const GridworldConfig& config) : Gridworld(build(config)) {}

Gridworld::Gridworld(GridBuild&& b)
    : TabularEnv(std::move(b.spec), std::move(b.model), std::move(b.goal)),
      map_(std::move(b.map)),
      rows_(b.rows),
      cols_(b.cols),
      cell_row_(std::move(b.cell_row)),
      cell_col_(std::move(b.cell_col)),
      state_of_cell_(std::move(b.state_of_cell)),
      wind_(std::move(b.wind)),
      action_names_(std::move(b.action_names)) {
  if (!b.gymnasium_outcomes.empty()) set_gymnasium_outcomes(std::move(b.gymnasium_outcomes));
}

std::int64_t Gridworld::state_of(int row, int col) const {
  if (row < 0 || row >= rows_ || col < 0 || col >= cols_)
    throw Error(spec().id + ": cell (" + std::to_string(row) + ", " + std::to_string(col) +
                ") is outside the " + std::to_string(rows_) + "x" + std::to_string(cols_) + " map");
  return state_of_cell_[static_cast<std::size_t>(row * cols_ + col)];
}

std::string Gridworld::render_text() const {
  std::string out;
  if (last_action_ >= 0)
    out += "  (" + action_names_[static_cast<std::size_t>(last_action_)] + ")\n";
  const int ar = row_of(state_);
  const int ac = col_of(state_);
  for (int r = 0; r < rows_; ++r) {
    std::string row = map_[static_cast<std::size_t>(r)];
    if (r == ar) row[static_cast<std::size_t>(ac)] = '@';
    out += row + "\n";
  }
  if (!wind_.empty()) {
    std::string row;
    for (int w : wind_) row += (w >= 0 && w <= 9) ? static_cast<char>('0' + w) : '*';
    out += row + "  (wind)\n";
  }
  return out;
}

// A picture drawn with Cairo (envs/render/canvas.hpp): the tiles coloured by type
// (tile_colour); windy columns shaded blue by strength with one chevron per unit of wind;
// the agent a red disc. FrozenLake's sizes follow Gymnasium's (64-pixel cells,
// toy_text/frozen_lake.py's window of min(64 * ncol, 512) x min(64 * nrow, 512)).
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

namespace {

// Gridworld-v0's parameters: the map as one string, the wind as numbers (whole cells), and
// the rest bound to GridworldConfig's own members, whose defaults they are.
struct GridworldMapConfig : GridworldConfig {
  std::string map_text = "S.../.#.H/...G";
  std::vector<double> wind_cells;
  void validate() const {
    for (double w : wind_cells)
      if (w != std::floor(w))
        throw Error("wind values are whole cells per step; got " + std::to_string(w));
  }
};

GridworldConfig map_gridworld(const GridworldMapConfig& c) {
  GridworldConfig g = c;
  g.map = split_map_rows(c.map_text);
  for (double w : c.wind_cells) g.wind.push_back(static_cast<int>(w));
  g.max_episode_steps = 100;
  return g;
}

void register_gridworld(Registry& registry) {
  using C = GridworldMapConfig;
  registry.add_env(env_entry(
      kGridworldId, "gridworld from an ASCII map: # wall, . free, S start, G goal, H hole, C cliff",
      ConfigSchema<C>()
          .field("map", &C::map_text,
                 "rows separated by '/' or newlines: # . F S G H C (see gridworld.hpp)")
          .field("slip", &C::slip, "P(the move is replaced as slip_model says)", range(0.0, 1.0))
          .field("slip_model", &C::slip_model,
                 "where a slip goes: perpendicular, other (3 directions), any (4)",
                 names<SlipModel>({{"perpendicular", SlipModel::Perpendicular},
                                   {"other", SlipModel::OtherDirections},
                                   {"any", SlipModel::AnyDirection}}))
          .field("step_reward", &C::step_reward, "reward of entering a free or start cell")
          .field("goal_reward", &C::goal_reward, "reward of entering G (terminal)")
          .field("hole_reward", &C::hole_reward, "reward of entering H (terminal)")
          .field("cliff_reward", &C::cliff_reward, "reward of entering C (back to a start)")
          .field("cell_rewards", &C::cell_rewards,
                 "extra reward of entering each cell, row-major, walls included")
          .field("wind", &C::wind_cells, "upward push per column, whole cells (empty: none)")
          .field("stochastic_wind", &C::stochastic_wind, "windy columns push w-1, w, w+1 w.p. 1/3"),
      [](const C& c) { return std::make_unique<Gridworld>(map_gridworld(c)); }));
}

}  // namespace
RLSIM_REGISTER(register_gridworld)

}  // namespace rlsim
