#include "envs/box2d/lunar_lander.hpp"

#include <box2d/box2d.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/box2d/observation_bounds.hpp"
#include "envs/render/canvas.hpp"

namespace rlsim {

namespace {

constexpr double kW = LunarLanderSim::kViewportW / LunarLanderSim::kScale;  // 20 m
constexpr double kH = LunarLanderSim::kViewportH / LunarLanderSim::kScale;  // 13.33 m

// LANDER_POLY, in pixels.
constexpr double kLanderPoly[6][2] = {{-14, +17}, {-17, 0}, {-17, -10},
                                      {+17, -10}, {+17, 0}, {+14, +17}};

// Fixture filters of lunar_lander.py: the ground has Box2D's default category 0x0001; the
// lander (0x0010) and legs (0x0020) collide only with it.
constexpr std::uint16_t kLanderCategory = 0x0010;
constexpr std::uint16_t kLegCategory = 0x0020;
constexpr std::uint16_t kGroundMask = 0x0001;

// Gymnasium 1.x's angle bound, 2 pi as float32.
constexpr float kTwoPi = static_cast<float>(2 * std::numbers::pi);

// Gymnasium's wind and turbulence: tanh(sin(2 k t) + sin(pi k t)), k = 0.01.
double wind_profile(std::int64_t t) {
  const double x = static_cast<double>(t);
  return std::tanh(std::sin(0.02 * x) + std::sin(std::numbers::pi * 0.01 * x));
}

std::string fmt(double x) {
  std::string s = std::to_string(x);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.push_back('0');
  return s;
}

}  // namespace

// ContactDetector of lunar_lander.py: any contact of the lander body ends the game; a leg's
// ground contact flag is set when its contact begins and cleared when it ends.
class LunarLanderSim::Contacts final : public b2ContactListener {
 public:
  explicit Contacts(LunarLanderSim& sim) : sim_(sim) {}
  void BeginContact(b2Contact* contact) override { update(contact, true); }
  void EndContact(b2Contact* contact) override { update(contact, false); }

 private:
  void update(b2Contact* contact, bool begin) {
    const b2Body* a = contact->GetFixtureA()->GetBody();
    const b2Body* b = contact->GetFixtureB()->GetBody();
    if (begin && (a == sim_.lander_ || b == sim_.lander_)) sim_.game_over_ = true;
    for (std::size_t i = 0; i < 2; ++i)
      if (a == sim_.legs_[i] || b == sim_.legs_[i]) sim_.leg_contact_[i] = begin;
  }
  LunarLanderSim& sim_;
};

LunarLanderSim::LunarLanderSim(LunarLanderConfig config) : config_(config) {
  // lunar_lander.py asserts -12 < gravity < 0 and warns outside the recommended wind and
  // turbulence ranges; we refuse all three.
  if (!(config_.gravity > -12.0 && config_.gravity < 0.0))
    throw Error("LunarLander: gravity = " + fmt(config_.gravity) +
                " is outside (-12, 0); give a negative value above -12 (Gymnasium's default is "
                "-10)");
  if (!(config_.wind_power >= 0.0 && config_.wind_power <= 20.0))
    throw Error("LunarLander: wind_power = " + fmt(config_.wind_power) +
                " is outside [0, 20]; Gymnasium's default is 15");
  if (!(config_.turbulence_power >= 0.0 && config_.turbulence_power <= 2.0))
    throw Error("LunarLander: turbulence_power = " + fmt(config_.turbulence_power) +
                " is outside [0, 2]; Gymnasium's default is 1.5");
}

LunarLanderSim::~LunarLanderSim() = default;

void LunarLanderSim::reset(Box2DDraws draws) {
  // A fresh world every episode, so an episode depends on its seed alone (Gymnasium v3
  // fixed the non-determinism of reusing the world).
  if (world_) world_->SetContactListener(nullptr);
  world_ = std::make_unique<b2World>(b2Vec2(0.0f, static_cast<float>(config_.gravity)));
  if (!contacts_) contacts_ = std::make_unique<Contacts>(*this);
  world_->SetContactListener(contacts_.get());
  game_over_ = false;
  has_prev_shaping_ = false;
  prev_shaping_ = 0.0;
  leg_contact_ = {false, false};

  // Terrain: heights uniform(0, H/2), a flat helipad in the middle five, smoothed.
  std::array<double, kChunks + 1> height{};
  for (double& h : height) h = draws.uniform(0.0, kH / 2);
  for (int i = 0; i < kChunks; ++i) chunk_x_[i] = kW / (kChunks - 1) * i;
  helipad_x1_ = chunk_x_[kChunks / 2 - 1];
  helipad_x2_ = chunk_x_[kChunks / 2 + 1];
  helipad_y_ = kH / 4;
  for (int i = kChunks / 2 - 2; i <= kChunks / 2 + 2; ++i) height[i] = helipad_y_;
  for (int i = 0; i < kChunks; ++i) {
    // Python's height[i - 1] is height[-1], the last element, for i = 0.
    const double prev = height[(i + kChunks) % (kChunks + 1)];
    smooth_y_[i] = 0.33 * (prev + height[i] + height[i + 1]);
  }

  b2BodyDef ground_def;
  moon_ = world_->CreateBody(&ground_def);
  {
    b2EdgeShape bottom;
    bottom.SetTwoSided(b2Vec2(0.0f, 0.0f), b2Vec2(static_cast<float>(kW), 0.0f));
    b2FixtureDef fd;
    fd.shape = &bottom;
    moon_->CreateFixture(&fd);
  }
  for (int i = 0; i < kChunks - 1; ++i) {
    b2EdgeShape edge;
    edge.SetTwoSided(
        b2Vec2(static_cast<float>(chunk_x_[i]), static_cast<float>(smooth_y_[i])),
        b2Vec2(static_cast<float>(chunk_x_[i + 1]), static_cast<float>(smooth_y_[i + 1])));
    b2FixtureDef fd;
    fd.shape = &edge;
    fd.density = 0.0f;
    fd.friction = 0.1f;
    moon_->CreateFixture(&fd);
  }

  const double initial_x = kW / 2;
  const double initial_y = kH;
  {
    b2BodyDef def;
    def.type = b2_dynamicBody;
    def.position.Set(static_cast<float>(initial_x), static_cast<float>(initial_y));
    def.angle = 0.0f;
    lander_ = world_->CreateBody(&def);
    b2Vec2 vertices[6];
    for (int i = 0; i < 6; ++i)
      vertices[i].Set(static_cast<float>(kLanderPoly[i][0] / kScale),
                      static_cast<float>(kLanderPoly[i][1] / kScale));
    b2PolygonShape poly;
    poly.Set(vertices, 6);
    b2FixtureDef fd;
    fd.shape = &poly;
    fd.density = 5.0f;
    fd.friction = 0.1f;
    fd.filter.categoryBits = kLanderCategory;
    fd.filter.maskBits = kGroundMask;
    fd.restitution = 0.0f;
    lander_->CreateFixture(&fd);
  }
  const double fx = draws.uniform(-kInitialRandom, kInitialRandom);
  const double fy = draws.uniform(-kInitialRandom, kInitialRandom);
  initial_force_ = {fx, fy};
  lander_->ApplyForceToCenter(b2Vec2(static_cast<float>(fx), static_cast<float>(fy)), true);

  if (config_.enable_wind) {
    wind_idx_ = draws.integers(-9999, 9999);
    torque_idx_ = draws.integers(-9999, 9999);
  }
  initial_phases_ = {config_.enable_wind ? wind_idx_ : 0, config_.enable_wind ? torque_idx_ : 0};

  for (int k = 0; k < 2; ++k) {
    const double i = k == 0 ? -1.0 : +1.0;
    b2BodyDef def;
    def.type = b2_dynamicBody;
    def.position.Set(static_cast<float>(initial_x - i * kLegAway / kScale),
                     static_cast<float>(initial_y));
    def.angle = static_cast<float>(i * 0.05);
    b2Body* leg = world_->CreateBody(&def);
    b2PolygonShape box;
    box.SetAsBox(static_cast<float>(kLegW / kScale), static_cast<float>(kLegH / kScale));
    b2FixtureDef fd;
    fd.shape = &box;
    fd.density = 1.0f;
    fd.restitution = 0.0f;
    fd.filter.categoryBits = kLegCategory;
    fd.filter.maskBits = kGroundMask;
    leg->CreateFixture(&fd);
    legs_[k] = leg;

    b2RevoluteJointDef rjd;
    rjd.bodyA = lander_;
    rjd.bodyB = leg;
    rjd.localAnchorA.Set(0.0f, 0.0f);
    rjd.localAnchorB.Set(static_cast<float>(i * kLegAway / kScale),
                         static_cast<float>(kLegDown / kScale));
    rjd.enableMotor = true;
    rjd.enableLimit = true;
    rjd.maxMotorTorque = static_cast<float>(kLegSpringTorque);
    rjd.motorSpeed = static_cast<float>(0.3 * i);
    if (k == 0) {
      rjd.lowerAngle = static_cast<float>(0.9 - 0.5);
      rjd.upperAngle = 0.9f;
    } else {
      rjd.lowerAngle = -0.9f;
      rjd.upperAngle = static_cast<float>(-0.9 + 0.5);
    }
    world_->CreateJoint(&rjd);
  }

  // Gymnasium's reset returns the observation of a no-op step.
  advance(0.0, 0.0, 0.0, draws);
}

LunarLanderSim::Outcome LunarLanderSim::step_discrete(std::int64_t action, Box2DDraws draws) {
  const double m_power = action == 2 ? 1.0 : 0.0;
  const bool side = action == 1 || action == 3;
  return advance(m_power, side ? 1.0 : 0.0, side ? static_cast<double>(action - 2) : 0.0, draws);
}

LunarLanderSim::Outcome LunarLanderSim::step_continuous(float main, float lateral,
                                                        Box2DDraws draws) {
  // action = np.clip(action, -1, +1).astype(np.float32)
  main = std::clamp(main, -1.0f, 1.0f);
  lateral = std::clamp(lateral, -1.0f, 1.0f);
  double m_power = 0.0;
  if (main > 0.0f) m_power = (std::clamp(static_cast<double>(main), 0.0, 1.0) + 1.0) * 0.5;
  double s_power = 0.0, direction = 0.0;
  if (std::fabs(lateral) > 0.5f) {
    direction = lateral > 0.0f ? 1.0 : -1.0;
    s_power = std::clamp(std::fabs(static_cast<double>(lateral)), 0.5, 1.0);
  }
  return advance(m_power, s_power, direction, draws);
}

LunarLanderSim::Outcome LunarLanderSim::advance(double m_power, double s_power, double direction,
                                                Box2DDraws draws) {
  if (!world_) throw Error("LunarLander: step before reset");
  if (config_.enable_wind && !(leg_contact_[0] || leg_contact_[1])) {
    const double wind_mag = wind_profile(wind_idx_) * config_.wind_power;
    ++wind_idx_;
    lander_->ApplyForceToCenter(b2Vec2(static_cast<float>(wind_mag), 0.0f), true);
    const double torque_mag = wind_profile(torque_idx_) * config_.turbulence_power;
    ++torque_idx_;
    lander_->ApplyTorque(static_cast<float>(torque_mag), true);
  }

  const double angle = lander_->GetAngle();
  const double tip0 = std::sin(angle), tip1 = std::cos(angle);
  const double side0 = -tip1, side1 = tip0;
  const double d0 = draws.uniform(-1.0, 1.0) / kScale;
  const double d1 = draws.uniform(-1.0, 1.0) / kScale;

  if (m_power > 0.0) {
    const double along = kMainEngineYLocation / kScale + 2 * d0;
    const double ox = tip0 * along + side0 * d1;
    const double oy = -tip1 * along - side1 * d1;
    const b2Vec2 pos = lander_->GetPosition();
    const double px = pos.x + ox, py = pos.y + oy;
    lander_->ApplyLinearImpulse(b2Vec2(static_cast<float>(-ox * kMainEnginePower * m_power),
                                       static_cast<float>(-oy * kMainEnginePower * m_power)),
                                b2Vec2(static_cast<float>(px), static_cast<float>(py)), true);
  }
  if (s_power > 0.0) {
    const double across = 3 * d1 + direction * kSideEngineAway / kScale;
    const double ox = tip0 * d0 + side0 * across;
    const double oy = -tip1 * d0 - side1 * across;
    const b2Vec2 pos = lander_->GetPosition();
    // Gymnasium uses 17 here where SIDE_ENGINE_HEIGHT (14) was presumably meant; kept.
    const double px = pos.x + ox - tip0 * 17 / kScale;
    const double py = pos.y + oy + tip1 * kSideEngineHeight / kScale;
    lander_->ApplyLinearImpulse(b2Vec2(static_cast<float>(-ox * kSideEnginePower * s_power),
                                       static_cast<float>(-oy * kSideEnginePower * s_power)),
                                b2Vec2(static_cast<float>(px), static_cast<float>(py)), true);
  }
  last_m_power_ = m_power;
  last_s_power_ = s_power;
  last_direction_ = direction;

  world_->Step(static_cast<float>(1.0 / kFps), 6 * 30, 2 * 30);

  const b2Vec2 pos = lander_->GetPosition();
  const b2Vec2 vel = lander_->GetLinearVelocity();
  const double s[8] = {
      (pos.x - kW / 2) / (kW / 2), (pos.y - (helipad_y_ + kLegDown / kScale)) / (kH / 2),
      vel.x * (kW / 2) / kFps,     vel.y * (kH / 2) / kFps,
      lander_->GetAngle(),         20.0 * lander_->GetAngularVelocity() / kFps,
      leg_contact_[0] ? 1.0 : 0.0, leg_contact_[1] ? 1.0 : 0.0,
  };
  // Gymnasium's state as float32, unclamped (the Env clamps it into the observation Box:
  // envs/box2d/observation_bounds.hpp); the reward below uses the double state.
  for (int i = 0; i < 8; ++i) obs_[i] = static_cast<float>(s[i]);

  Outcome out;
  const double shaping = -100 * std::sqrt(s[0] * s[0] + s[1] * s[1]) -
                         100 * std::sqrt(s[2] * s[2] + s[3] * s[3]) - 100 * std::fabs(s[4]) +
                         10 * s[6] + 10 * s[7];
  if (has_prev_shaping_) out.reward = shaping - prev_shaping_;
  prev_shaping_ = shaping;
  has_prev_shaping_ = true;
  out.reward -= m_power * 0.30;
  out.reward -= s_power * 0.03;

  if (game_over_ || std::fabs(s[0]) >= 1.0) {
    out.terminated = true;
    out.reward = -100;
  }
  if (!lander_->IsAwake()) {
    out.terminated = true;
    out.reward = +100;
  }
  return out;
}

void LunarLanderSim::render(Image& frame) const {
  Canvas canvas(kViewportW, kViewportH);
  cairo_t* cr = canvas.cr();
  canvas.clear(1.0, 1.0, 1.0);
  // Gymnasium draws in pixels with y up and flips the surface at the end.
  cairo_translate(cr, 0, kViewportH);
  cairo_scale(cr, 1, -1);
  auto rgb = [cr](int r, int g, int b) {
    cairo_set_source_rgb(cr, r / 255.0, g / 255.0, b / 255.0);
  };

  // Sky: black above the terrain; the moon stays white.
  if (world_) {
    for (int i = 0; i < kChunks - 1; ++i) {
      cairo_move_to(cr, chunk_x_[i] * kScale, smooth_y_[i] * kScale);
      cairo_line_to(cr, chunk_x_[i + 1] * kScale, smooth_y_[i + 1] * kScale);
      cairo_line_to(cr, chunk_x_[i + 1] * kScale, kH * kScale);
      cairo_line_to(cr, chunk_x_[i] * kScale, kH * kScale);
      cairo_close_path(cr);
      rgb(0, 0, 0);
      cairo_fill_preserve(cr);
      cairo_set_line_width(cr, 1.0);
      cairo_stroke(cr);
    }
  } else {
    rgb(0, 0, 0);
    cairo_paint(cr);
    canvas.to_image(frame);
    return;
  }

  // Lander and legs: filled polygons with a darker outline.
  const b2Body* bodies[3] = {lander_, legs_[0], legs_[1]};
  for (const b2Body* body : bodies) {
    const b2Transform& xf = body->GetTransform();
    for (const b2Fixture* f = body->GetFixtureList(); f != nullptr; f = f->GetNext()) {
      if (f->GetType() != b2Shape::e_polygon) continue;
      const auto* poly = static_cast<const b2PolygonShape*>(f->GetShape());
      for (int i = 0; i < poly->m_count; ++i) {
        const b2Vec2 v = b2Mul(xf, poly->m_vertices[i]);
        if (i == 0)
          cairo_move_to(cr, v.x * kScale, v.y * kScale);
        else
          cairo_line_to(cr, v.x * kScale, v.y * kScale);
      }
      cairo_close_path(cr);
      rgb(128, 102, 230);
      cairo_fill_preserve(cr);
      rgb(77, 77, 128);
      cairo_set_line_width(cr, 1.0);
      cairo_stroke(cr);
    }
  }

  // Engine flames, in place of Gymnasium's particles: a short cone under the firing engine.
  const double angle = lander_->GetAngle();
  const b2Vec2 pos = lander_->GetPosition();
  const double tip0 = std::sin(angle), tip1 = std::cos(angle);
  if (last_m_power_ > 0.0) {
    const double len = (10 + 20 * last_m_power_) / kScale;
    const double bx = pos.x + tip0 * 10 / kScale, by = pos.y - tip1 * 10 / kScale;
    cairo_move_to(cr, (bx - tip1 * 6 / kScale) * kScale, (by - tip0 * 6 / kScale) * kScale);
    cairo_line_to(cr, (bx + tip1 * 6 / kScale) * kScale, (by + tip0 * 6 / kScale) * kScale);
    cairo_line_to(cr, (bx + tip0 * len) * kScale, (by - tip1 * len) * kScale);
    cairo_close_path(cr);
    rgb(255, 128, 51);
    cairo_fill(cr);
  }
  if (last_s_power_ > 0.0) {
    // Exhaust leaves the side thruster (where Gymnasium applies the impulse) opposite to
    // the push.
    const double ux = -tip1 * last_direction_, uy = -tip0 * last_direction_;
    const double bx = pos.x + ux * kSideEngineAway / kScale - tip0 * 17 / kScale;
    const double by = pos.y + uy * kSideEngineAway / kScale + tip1 * kSideEngineHeight / kScale;
    const double len = (6 + 8 * last_s_power_) / kScale;
    const double w = 3 / kScale;
    cairo_move_to(cr, (bx + tip0 * w) * kScale, (by - tip1 * w) * kScale);
    cairo_line_to(cr, (bx - tip0 * w) * kScale, (by + tip1 * w) * kScale);
    cairo_line_to(cr, (bx + ux * len) * kScale, (by + uy * len) * kScale);
    cairo_close_path(cr);
    rgb(255, 128, 51);
    cairo_fill(cr);
  }

  // Helipad flags: a white pole 50 px high with a yellow pennant.
  for (double x : {helipad_x1_ * kScale, helipad_x2_ * kScale}) {
    const double flagy1 = helipad_y_ * kScale;
    const double flagy2 = flagy1 + 50;
    rgb(255, 255, 255);
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, x, flagy1);
    cairo_line_to(cr, x, flagy2);
    cairo_stroke(cr);
    cairo_move_to(cr, x, flagy2);
    cairo_line_to(cr, x, flagy2 - 10);
    cairo_line_to(cr, x + 25, flagy2 - 5);
    cairo_close_path(cr);
    rgb(204, 204, 0);
    cairo_fill(cr);
  }
  canvas.to_image(frame);
}

// ---------------------------------------------------------------------------------------
// The Env.

namespace {

EnvSpec lander_spec(const LunarLanderConfig& config) {
  const float two_pi = kTwoPi;
  EnvSpec spec;
  spec.id = config.continuous ? LunarLanderEnv::kContinuousId : LunarLanderEnv::kId;
  spec.observation_space = Space::box({-2.5f, -2.5f, -10.f, -10.f, -two_pi, -10.f, -0.f, -0.f},
                                      {2.5f, 2.5f, 10.f, 10.f, two_pi, 10.f, 1.f, 1.f}, {8});
  spec.action_space = config.continuous ? Space::box(-1.0f, 1.0f, {2}) : Space::discrete(4);
  spec.max_episode_steps = 1000;
  spec.reward_threshold = 200.0;
  spec.env_clips_actions = config.continuous;  // np.clip(action, -1, +1)
  // seeding = "gymnasium": the draws are lunar_lander.py's np_random calls (docs/seeding.md).
  spec.gymnasium_seeding = true;
  return spec;
}

}  // namespace

LunarLanderEnv::LunarLanderEnv(LunarLanderConfig config)
    : Env(lander_spec(config)), sim_(config), replay_(config.continuous ? 2 : 1, 1000) {}

void LunarLanderEnv::write_observation(Value& obs) const {
  if (obs.vec.size() != 8) obs.vec.resize(8);
  std::copy(sim_.observation().begin(), sim_.observation().end(), obs.vec.begin());
  clamp_into_box(spec().observation_space, obs.vec.data());
}

void LunarLanderEnv::do_reset(Value& obs) {
  if (gymnasium_seeded())
    replay_.begin(np_random());
  else
    replay_.begin(rng());
  sim_.reset(draws());
  write_observation(obs);
}

StepResult LunarLanderEnv::do_step(const Value& action, Value& obs) {
  LunarLanderSim::Outcome o;
  if (sim_.config().continuous) {
    // Recorded as clipped: the physics clips the same way, so a replay acts the same.
    const float a[2] = {std::clamp(action.vec[0], -1.0f, 1.0f),
                        std::clamp(action.vec[1], -1.0f, 1.0f)};
    o = sim_.step_continuous(a[0], a[1], draws());
    replay_.record(a);
  } else {
    o = sim_.step_discrete(action.index, draws());
    const float a = static_cast<float>(action.index);
    replay_.record(&a);
  }
  write_observation(obs);
  StepResult r;
  r.reward = o.reward;
  r.terminated = o.terminated;
  return r;
}

void LunarLanderEnv::get_state(std::vector<double>& out) const {
  replay_.encode(out, spec().id);
}

void LunarLanderEnv::set_state(std::span<const double> state) {
  const bool continuous = sim_.config().continuous;
  const std::string& id = spec().id;
  replay_.decode(
      state, id,
      [&](const float* a) {
        if (continuous ? !(a[0] >= -1 && a[0] <= 1 && a[1] >= -1 && a[1] <= 1)
                       : !(a[0] == 0 || a[0] == 1 || a[0] == 2 || a[0] == 3))
          throw Error(id + ": set_state: an action of the replay is outside the action space");
      },
      gymnasium_seeded(), rng(), np_random());
  sim_.reset(draws());
  for (std::int64_t t = 0; t < replay_.steps(); ++t) {
    const float* a = replay_.action(t);
    if (continuous)
      sim_.step_continuous(a[0], a[1], draws());
    else
      sim_.step_discrete(static_cast<std::int64_t>(a[0]), draws());
  }
  mark_running();
}

void LunarLanderEnv::observe(Value& obs) const {
  if (!sim_.started())
    throw Error(spec().id + ": observe() called before reset(); call reset() first");
  write_observation(obs);
}

bool LunarLanderEnv::render(Image& frame) const {
  sim_.render(frame);
  return true;
}

// ---------------------------------------------------------------------------------------
// Registration.

namespace {

// LunarLanderContinuous-v3's configuration: the same options, continuous throttles.
struct LunarLanderContinuousConfig : LunarLanderConfig {
  LunarLanderContinuousConfig() { continuous = true; }
};

// The options of both ids (Gymnasium's make() arguments).
template <class C>
ConfigSchema<C> lander_schema() {
  return ConfigSchema<C>()
      .field("gravity", &C::gravity,
             "gravitational acceleration in m/s^2, strictly between -12 and 0", range(-12.0, 0.0),
             source("Gymnasium make argument gravity"))
      .field("enable_wind", &C::enable_wind,
             "apply wind force tanh(sin(0.02 t) + sin(0.01 pi t)) * wind_power and a "
             "turbulence torque of the same form while no leg touches the ground; phases "
             "drawn at each reset",
             source("Gymnasium make argument enable_wind"))
      .field("wind_power", &C::wind_power, "largest horizontal wind force, in [0, 20]",
             range(0.0, 20.0), source("Gymnasium make argument wind_power"))
      .field("turbulence_power", &C::turbulence_power, "largest turbulence torque, in [0, 2]",
             range(0.0, 2.0), source("Gymnasium make argument turbulence_power"));
}

void register_lunar_lander(Registry& registry) {
  registry.add_env(env_entry(LunarLanderEnv::kId,
                             "land a rocket on a pad, 4 actions (noop, left, main, right "
                             "engine); Gymnasium 1.x lunar_lander.py (Klimov), Box2D 2.4",
                             lander_schema<LunarLanderConfig>(), [](const LunarLanderConfig& c) {
                               return std::make_unique<LunarLanderEnv>(c);
                             }));
  registry.add_env(env_entry(
      LunarLanderEnv::kContinuousId,
      "land a rocket on a pad, continuous throttles Box(-1, 1, (2,)); "
      "Gymnasium 1.x lunar_lander.py (Klimov), Box2D 2.4",
      lander_schema<LunarLanderContinuousConfig>(),
      [](const LunarLanderContinuousConfig& c) { return std::make_unique<LunarLanderEnv>(c); }));
}

}  // namespace
RLSIM_REGISTER(register_lunar_lander)

}  // namespace rlsim
