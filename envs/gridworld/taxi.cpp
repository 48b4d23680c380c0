#include "envs/gridworld/taxi.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/render/canvas.hpp"

namespace rlsim {

namespace {

// Gymnasium's taxi MAP: ':' between cells is passable, '|' is a wall.
const std::array<std::string, 7> kMap = {"+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |",
                                         "| | : | : |", "|Y| : |B: |", "+---------+"};
constexpr int kLocs[4][2] = {{0, 0}, {0, 4}, {4, 0}, {4, 3}};
constexpr const char* kLocNames[4] = {"R", "G", "Y", "B"};
constexpr const char* kActionNames[6] = {"South", "North", "East", "West", "Pickup", "Dropoff"};
constexpr int kSouth = 0, kNorth = 1, kEast = 2, kWest = 3, kPickup = 4, kDropoff = 5;
constexpr int kInTaxi = 4;
// The direction on the left / right of the direction of travel (indexed by S, N, E, W).
constexpr int kLeftOf[4] = {kEast, kWest, kNorth, kSouth};
constexpr int kRightOf[4] = {kWest, kEast, kSouth, kNorth};

struct Cell {
  int row, col;
  bool operator==(const Cell&) const = default;
};

Cell move(Cell c, int dir) {
  switch (dir) {
    case kSouth:
      return {std::min(c.row + 1, 4), c.col};
    case kNorth:
      return {std::max(c.row - 1, 0), c.col};
    case kEast:
      if (kMap[static_cast<std::size_t>(1 + c.row)][static_cast<std::size_t>(2 * c.col + 2)] == ':')
        return {c.row, c.col + 1};
      return c;
    default:
      if (kMap[static_cast<std::size_t>(1 + c.row)][static_cast<std::size_t>(2 * c.col)] == ':')
        return {c.row, c.col - 1};
      return c;
  }
}

int location_index(Cell c) {
  for (int i = 0; i < 4; ++i)
    if (kLocs[i][0] == c.row && kLocs[i][1] == c.col) return i;
  return -1;
}

// The states where the passenger has been delivered (passenger location == destination).
std::vector<bool> delivered_states() {
  std::vector<bool> goal(500, false);
  for (std::int64_t s = 0; s < 500; ++s) {
    const auto d = Taxi::decode(s);
    goal[static_cast<std::size_t>(s)] = d.passenger == d.destination;
  }
  return goal;
}

// A rainy move that changes the taxi's cell, as Gymnasium's _build_rainy_transitions lists
// it: ahead with rainy_probability, then the veers to the left and to the right of the
// direction of travel with (1 - rainy_probability) / 2 each (a veer into a wall stays put).
std::array<ModelOutcome, 3> rainy_outcomes(const TaxiConfig& o, Cell here, int a, int pass,
                                           int dest) {
  const Cell ahead = move(here, a);
  const Cell left = move(here, kLeftOf[a]);
  const Cell right = move(here, kRightOf[a]);
  const double veer = (1.0 - o.rainy_probability) / 2.0;
  return {{{o.rainy_probability, Taxi::encode(ahead.row, ahead.col, pass, dest), -1.0, false},
           {veer, Taxi::encode(left.row, left.col, pass, dest), -1.0, false},
           {veer, Taxi::encode(right.row, right.col, pass, dest), -1.0, false}}};
}

TabularModel build(const TaxiConfig& o) {
  if (!(o.rainy_probability >= 0.0 && o.rainy_probability <= 1.0))
    throw Error(std::string(Taxi::kId) + ": rainy_probability = " +
                std::to_string(o.rainy_probability) + " is not a probability in [0, 1]");
  if (!(o.fickle_probability >= 0.0 && o.fickle_probability <= 1.0))
    throw Error(std::string(Taxi::kId) + ": fickle_probability = " +
                std::to_string(o.fickle_probability) + " is not a probability in [0, 1]");
  TabularModel m;
  m.num_states = 500;
  m.num_actions = 6;
  m.outcomes.resize(500 * 6);
  m.initial_distribution.assign(500, 0.0);
  m.terminal.assign(500, false);
  for (int row = 0; row < 5; ++row)
    for (int col = 0; col < 5; ++col)
      for (int pass = 0; pass < 5; ++pass)
        for (int dest = 0; dest < 4; ++dest) {
          const std::int64_t s = Taxi::encode(row, col, pass, dest);
          const auto si = static_cast<std::size_t>(s);
          const bool delivered = pass == dest;
          m.terminal[si] = delivered;
          if (pass < 4 && pass != dest) m.initial_distribution[si] = 1.0 / 300.0;
          const Cell here{row, col};
          for (int a = 0; a < 6; ++a) {
            auto& outs = m.outcomes[si * 6 + static_cast<std::size_t>(a)];
            if (delivered) {
              outs.push_back({1.0, s, 0.0, true});
              continue;
            }
            if (a <= kWest) {
              const Cell ahead = move(here, a);
              if (o.is_rainy && !(ahead == here)) {
                for (const ModelOutcome& r : rainy_outcomes(o, here, a, pass, dest))
                  add_outcome(outs, r.probability, r.next_state, r.reward, r.terminated);
              } else {
                outs.push_back({1.0, Taxi::encode(ahead.row, ahead.col, pass, dest), -1.0, false});
              }
            } else if (a == kPickup) {
              if (pass < 4 && location_index(here) == pass)
                outs.push_back({1.0, Taxi::encode(row, col, kInTaxi, dest), -1.0, false});
              else
                outs.push_back({1.0, s, -10.0, false});
            } else {  // dropoff
              const int loc = location_index(here);
              if (pass == kInTaxi && loc == dest)
                outs.push_back({1.0, Taxi::encode(row, col, dest, dest), 20.0, true});
              else if (pass == kInTaxi && loc >= 0)
                outs.push_back({1.0, Taxi::encode(row, col, loc, dest), -1.0, false});
              else
                outs.push_back({1.0, s, -10.0, false});
            }
          }
        }
  return m;
}

// Gymnasium's own P[s][a] lists for the rainy taxi (seeding = "gymnasium"): the model's
// outcomes, except that every move has Gymnasium's three entries, unmerged and in its
// order: where the model adds up two veers that both stay put, and where it holds a move
// blocked ahead as one certain outcome, Gymnasium lists three entries (a blocked move:
// three entries that all stay put, with probabilities rainy_probability, veer, veer).
// Sampling these lists draws the entry Gymnasium's categorical_sample draws and reports
// its prob, as Gymnasium does.
std::vector<std::vector<ModelOutcome>> gymnasium_rainy_lists(const TaxiConfig& o,
                                                             const TabularModel& m) {
  std::vector<std::vector<ModelOutcome>> lists = m.outcomes;
  for (std::int64_t s = 0; s < m.num_states; ++s) {
    const auto d = Taxi::decode(s);
    if (d.passenger == d.destination) continue;  // delivered: terminal, never stepped from
    const Cell here{d.taxi_row, d.taxi_col};
    for (int a = kSouth; a <= kWest; ++a) {
      auto r = rainy_outcomes(o, here, a, d.passenger, d.destination);
      if (move(here, a) == here)  // blocked ahead: Gymnasium keeps the veers in place too
        for (ModelOutcome& e : r) e.next_state = s;
      lists[static_cast<std::size_t>(s * 6 + a)].assign(r.begin(), r.end());
    }
  }
  return lists;
}

EnvSpec taxi_spec() {
  EnvSpec s;
  s.id = Taxi::kId;
  s.max_episode_steps = 200;
  s.reward_threshold = 8.0;
  // seeding = "gymnasium": reset and steps draw as taxi.py does (docs/seeding.md).
  s.gymnasium_seeding = true;
  return s;
}

}  // namespace

Taxi::Taxi(const TaxiConfig& config)
    : TabularEnv(taxi_spec(), build(config), delivered_states(), !config.fickle_passenger),
      config_(config) {
  mutable_spec().info.action_mask = true;
  mutable_info().action_mask = mask_;
  if (config.is_rainy) set_gymnasium_outcomes(gymnasium_rainy_lists(config, build(config)));
  update_mask();
}

// Gymnasium's Taxi.action_mask (gymnasium/envs/toy_text/taxi.py): the moves that change the
// taxi's cell (south/north inside the grid, east/west through ':'), pickup where the
// passenger waits, dropoff with the passenger aboard at any of R, G, Y, B.
void Taxi::update_mask() {
  const Decoded d = decode(state_);
  const Cell here{d.taxi_row, d.taxi_col};
  for (int a = kSouth; a <= kWest; ++a)
    mask_[static_cast<std::size_t>(a)] = !(move(here, a) == here);
  const int loc = location_index(here);
  mask_[kPickup] = d.passenger < kInTaxi && loc == d.passenger;
  mask_[kDropoff] = d.passenger == kInTaxi && loc >= 0;
}

void Taxi::do_reset(Value& obs) {
  TabularEnv::do_reset(obs);
  // taxi.py: fickle_passenger and np_random.random() < fickle_probability.
  fickle_pending_ = config_.fickle_passenger &&
                    (gymnasium_seeded() ? np_random().random() < config_.fickle_probability
                                        : rng().bernoulli(config_.fickle_probability));
  update_mask();
}

StepResult Taxi::do_step(const Value& action, Value& obs) {
  const std::int64_t before = state_;
  StepResult r = TabularEnv::do_step(action, obs);
  if (fickle_pending_) {
    const Decoded prev = decode(before);
    const Decoded now = decode(state_);
    if (prev.passenger == kInTaxi &&
        (now.taxi_row != prev.taxi_row || now.taxi_col != prev.taxi_col)) {
      fickle_pending_ = false;
      // taxi.py: np_random.choice of the three other destinations, i.e. integers(0, 3).
      const int k =
          static_cast<int>(gymnasium_seeded() ? np_random().integers(0, 3) : rng().integer(0, 2));
      const int dest = k >= prev.destination ? k + 1 : k;
      state_ = encode(now.taxi_row, now.taxi_col, now.passenger, dest);
      obs.index = state_;
    }
  }
  update_mask();
  return r;
}

void Taxi::get_state(std::vector<double>& out) const {
  TabularEnv::get_state(out);
  if (config_.fickle_passenger) out.push_back(fickle_pending_ ? 1.0 : 0.0);
}

bool Taxi::state_from_observation(const Value& obs, std::vector<double>& state) const {
  TabularEnv::state_from_observation(obs, state);
  if (config_.fickle_passenger) state.push_back(0.0);
  return true;
}

void Taxi::set_state(std::span<const double> state) {
  if (!config_.fickle_passenger) {
    TabularEnv::set_state(state);
    update_mask();
    return;
  }
  if (state.size() != 2 || !(state[1] == 0.0 || state[1] == 1.0))
    throw Error(std::string(kId) +
                " with fickle_passenger: set_state needs 2 numbers, the state index and "
                "1 if the passenger's change of destination is still pending else 0");
  TabularEnv::set_state(state.first(1));
  fickle_pending_ = state[1] == 1.0;
  update_mask();
}

std::string Taxi::render_text() const {
  const Decoded d = decode(state_);
  std::string out;
  for (std::size_t i = 0; i < kMap.size(); ++i) {
    std::string line = kMap[i];
    if (static_cast<int>(i) == 1 + d.taxi_row)
      line[static_cast<std::size_t>(2 * d.taxi_col + 1)] = d.passenger == kInTaxi ? '&' : '@';
    out += line + "\n";
  }
  out += "taxi '@' (with passenger '&'); passenger ";
  out +=
      d.passenger == kInTaxi ? std::string("in taxi") : std::string("at ") + kLocNames[d.passenger];
  out += ", destination " + std::string(kLocNames[d.destination]);
  if (last_action_ >= 0) out += "  (" + std::string(kActionNames[last_action_]) + ")";
  out += "\n";
  return out;
}

bool Taxi::render(Image& frame) const {
  constexpr int kCell = kRenderSize / 5;
  constexpr int kLocColour[4][3] = {{220, 60, 60}, {60, 170, 60}, {230, 200, 40}, {60, 100, 220}};
  const Decoded d = decode(state_);
  Canvas c(kRenderSize, kRenderSize);
  c.clear(0.92, 0.92, 0.92);
  cairo_t* cr = c.cr();
  // The four locations, pale; the destination framed in black.
  for (int i = 0; i < 4; ++i) {
    const int* k = kLocColour[i];
    c.fill_rect(kLocs[i][1] * kCell, kLocs[i][0] * kCell, kCell, kCell, (k[0] + 255) / 2,
                (k[1] + 255) / 2, (k[2] + 255) / 2);
  }
  c.set_rgb(0, 0, 0);
  cairo_set_line_width(cr, 6.0);
  cairo_rectangle(cr, kLocs[d.destination][1] * kCell + 5, kLocs[d.destination][0] * kCell + 5,
                  kCell - 10, kCell - 10);
  cairo_stroke(cr);
  // Grid lines, then the walls of the map ('|' between two cells of a row) and the border.
  c.set_rgb(190, 190, 190);
  cairo_set_line_width(cr, 1.0);
  for (int i = 1; i < 5; ++i) {
    cairo_move_to(cr, i * kCell + 0.5, 0);
    cairo_line_to(cr, i * kCell + 0.5, kRenderSize);
    cairo_move_to(cr, 0, i * kCell + 0.5);
    cairo_line_to(cr, kRenderSize, i * kCell + 0.5);
  }
  cairo_stroke(cr);
  for (int r = 0; r < 5; ++r)
    for (int col = 0; col < 4; ++col)
      if (kMap[static_cast<std::size_t>(1 + r)][static_cast<std::size_t>(2 * col + 2)] == '|')
        c.line((col + 1) * kCell, r * kCell, (col + 1) * kCell, (r + 1) * kCell, 8.0, 40, 40, 40);
  c.set_rgb(40, 40, 40);
  cairo_set_line_width(cr, 8.0);
  cairo_rectangle(cr, 0, 0, kRenderSize, kRenderSize);
  cairo_stroke(cr);
  // The taxi: a yellow body (green roof with the passenger aboard).
  const double tx = d.taxi_col * kCell, ty = d.taxi_row * kCell;
  c.fill_rect(tx + 0.15 * kCell, ty + 0.35 * kCell, 0.7 * kCell, 0.35 * kCell, 245, 190, 0);
  const bool aboard = d.passenger == kInTaxi;
  c.fill_rect(tx + 0.3 * kCell, ty + 0.2 * kCell, 0.4 * kCell, 0.17 * kCell, aboard ? 40 : 245,
              aboard ? 160 : 190, aboard ? 40 : 0);
  c.fill_circle(tx + 0.3 * kCell, ty + 0.72 * kCell, 0.09 * kCell, 20, 20, 20);
  c.fill_circle(tx + 0.7 * kCell, ty + 0.72 * kCell, 0.09 * kCell, 20, 20, 20);
  // A waiting passenger: a disc in the colour of their location, dark-rimmed.
  if (!aboard) {
    const int* k = kLocColour[d.passenger];
    const double px = kLocs[d.passenger][1] * kCell + 0.5 * kCell;
    const double py = kLocs[d.passenger][0] * kCell + 0.5 * kCell;
    c.fill_circle(px, py, 0.2 * kCell, 20, 20, 20);
    c.fill_circle(px, py, 0.15 * kCell, k[0], k[1], k[2]);
  }
  c.to_image(frame);
  return true;
}

namespace {
void register_taxi(Registry& registry) {
  using C = TaxiConfig;
  registry.add_env(env_entry(
      Taxi::kId,
      "Gymnasium 1.x Taxi (Dietterich 2000): pick up and drop off a passenger; 500 states",
      ConfigSchema<C>()
          .field("is_rainy", &C::is_rainy, "moves veer left/right of the intended direction",
                 source("Gymnasium 1.x taxi.py"))
          .field("rainy_probability", &C::rainy_probability, "rainy: P(intended direction)",
                 range(0.0, 1.0), source("Gymnasium 1.x taxi.py"))
          .field("fickle_passenger", &C::fickle_passenger,
                 "the passenger may change destination on the first move after pickup",
                 source("Gymnasium 1.x taxi.py"))
          .field("fickle_probability", &C::fickle_probability, "fickle: P(the destination changes)",
                 range(0.0, 1.0), source("Gymnasium 1.x taxi.py")),
      [](const C& c) { return std::make_unique<Taxi>(c); }));
}
}  // namespace
RLSIM_REGISTER(register_taxi)

}  // namespace rlsim
