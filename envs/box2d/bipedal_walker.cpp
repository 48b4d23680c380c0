#include "envs/box2d/bipedal_walker.hpp"

#include <box2d/box2d.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/box2d/observation_bounds.hpp"
#include "envs/render/canvas.hpp"

namespace rlsim {

using namespace bipedal;

namespace {

constexpr std::uint16_t kGroundCategory = 0x0001;
constexpr std::uint16_t kWalkerCategory = 0x0020;
constexpr int kLidarCount = 10;

double sign(double v) {
  return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

struct Rgb {
  double r, g, b;
};
Rgb rgb255(int r, int g, int b) {
  return {r / 255.0, g / 255.0, b / 255.0};
}

}  // namespace

// The world and its bodies. Listens to contacts (hull → game over, lower legs → ground
// contact) as Gymnasium's ContactDetector, and serves as the lidar ray-cast callback.
struct BipedalWalkerSim::Impl final : b2ContactListener, b2RayCastCallback {
  std::unique_ptr<b2World> world;
  std::vector<b2Body*> terrain;  // static bodies (obstacle polygons, then surface edges)
  b2Body* hull = nullptr;
  std::array<b2Body*, 4> legs{};  // upper 1, lower 1, upper 2, lower 2 (Gymnasium's order)
  std::array<b2RevoluteJoint*, 4> joints{};
  std::array<bool, 4> ground_contact{};
  bool game_over = false;
  bool has_prev_shaping = false;
  double prev_shaping = 0.0;
  // Lidar: the current ray's fraction and end point, and the results of the last step.
  float ray_fraction = 1.0f;
  b2Vec2 ray_point{0, 0};
  std::array<b2Vec2, kLidarCount> lidar_p1{};
  std::array<b2Vec2, kLidarCount> lidar_p2{};
  // Render-only data: obstacle polygons and clouds.
  std::vector<std::vector<b2Vec2>> obstacle_polys;
  std::vector<std::array<b2Vec2, 5>> clouds;

  void BeginContact(b2Contact* contact) override {
    b2Body* a = contact->GetFixtureA()->GetBody();
    b2Body* b = contact->GetFixtureB()->GetBody();
    if (a == hull || b == hull) game_over = true;
    for (int i : {1, 3})
      if (legs[i] == a || legs[i] == b) ground_contact[i] = true;
  }
  void EndContact(b2Contact* contact) override {
    b2Body* a = contact->GetFixtureA()->GetBody();
    b2Body* b = contact->GetFixtureB()->GetBody();
    for (int i : {1, 3})
      if (legs[i] == a || legs[i] == b) ground_contact[i] = false;
  }
  // Gymnasium's LidarCallback: ignore non-ground fixtures, clip the ray at each hit so
  // the closest hit is the one kept (v3).
  float ReportFixture(b2Fixture* fixture, const b2Vec2& point, const b2Vec2&,
                      float fraction) override {
    if ((fixture->GetFilterData().categoryBits & kGroundCategory) == 0) return -1.0f;
    ray_point = point;
    ray_fraction = fraction;
    return fraction;
  }

  b2Body* add_static_polygon(const std::vector<b2Vec2>& poly) {
    b2BodyDef bd;
    b2Body* body = world->CreateBody(&bd);
    b2PolygonShape shape;
    shape.Set(poly.data(), static_cast<int32>(poly.size()));
    b2FixtureDef fd;
    fd.shape = &shape;
    fd.friction = static_cast<float>(kFriction);
    body->CreateFixture(&fd);
    terrain.push_back(body);
    obstacle_polys.push_back(poly);
    return body;
  }
};

BipedalWalkerSim::BipedalWalkerSim(bool hardcore)
    : hardcore_(hardcore), impl_(std::make_unique<Impl>()) {}

BipedalWalkerSim::~BipedalWalkerSim() = default;

double BipedalWalkerSim::hull_x() const {
  return impl_->hull ? impl_->hull->GetPosition().x : 0.0;
}
double BipedalWalkerSim::hull_y() const {
  return impl_->hull ? impl_->hull->GetPosition().y : 0.0;
}

void BipedalWalkerSim::reset(Box2DDraws draws, float* obs) {
  Impl& m = *impl_;
  // A fresh world each episode (Gymnasium destroys and recreates every body).
  m.world = std::make_unique<b2World>(b2Vec2(0.0f, -10.0f));  // pybox2d's default gravity
  m.world->SetContactListener(&m);
  m.terrain.clear();
  m.obstacle_polys.clear();
  m.clouds.clear();
  m.game_over = false;
  m.has_prev_shaping = false;
  m.prev_shaping = 0.0;
  m.ground_contact = {};
  counts_ = {};

  // Terrain, as BipedalWalker._generate_terrain (generated mode, grass variations on).
  const double step = kTerrainStep;  // TERRAIN_STEP
  TerrainKind state = TerrainKind::Grass;
  double velocity = 0.0;
  double y = kTerrainHeight;
  std::int64_t counter = kTerrainStartpad;
  bool oneshot = false;
  std::int64_t stair_steps = 0, stair_width = 0, stair_height = 0;
  double original_y = 0.0;
  auto pt = [](double px, double py) {
    return b2Vec2(static_cast<float>(px), static_cast<float>(py));
  };
  for (int i = 0; i < kTerrainLength; ++i) {
    const double x = i * step;
    if (state == TerrainKind::Grass && !oneshot) {
      velocity = 0.8 * velocity + 0.01 * sign(kTerrainHeight - y);
      if (i > kTerrainStartpad) velocity += draws.uniform(-1.0, 1.0) / kScale;
      y += velocity;
    } else if (state == TerrainKind::Pit && oneshot) {
      counter = draws.integers(3, 5);
      const std::vector<b2Vec2> poly = {pt(x, y), pt(x + step, y), pt(x + step, y - 4 * step),
                                        pt(x, y - 4 * step)};
      m.add_static_polygon(poly);
      const std::vector<b2Vec2> shifted = {
          pt(x + step * counter, y), pt(x + step + step * counter, y),
          pt(x + step + step * counter, y - 4 * step), pt(x + step * counter, y - 4 * step)};
      m.add_static_polygon(shifted);
      counter += 2;
      original_y = y;
    } else if (state == TerrainKind::Pit && !oneshot) {
      y = original_y;
      if (counter > 1) y -= 4 * step;
    } else if (state == TerrainKind::Stump && oneshot) {
      counter = draws.integers(1, 3);
      const double c = static_cast<double>(counter);
      m.add_static_polygon(
          {pt(x, y), pt(x + c * step, y), pt(x + c * step, y + c * step), pt(x, y + c * step)});
    } else if (state == TerrainKind::Stairs && oneshot) {
      stair_height = draws.random() > 0.5 ? 1 : -1;
      stair_width = draws.integers(4, 5);  // one value: numpy draws nothing for it
      stair_steps = draws.integers(3, 5);
      original_y = y;
      for (std::int64_t s = 0; s < stair_steps; ++s) {
        const double x0 = x + static_cast<double>(s * stair_width) * step;
        const double x1 = x + static_cast<double>((1 + s) * stair_width) * step;
        const double y0 = y + static_cast<double>(s * stair_height) * step;
        const double y1 = y + static_cast<double>(-1 + s * stair_height) * step;
        m.add_static_polygon({pt(x0, y0), pt(x1, y0), pt(x1, y1), pt(x0, y1)});
      }
      counter = stair_steps * stair_width;
    } else if (state == TerrainKind::Stairs && !oneshot) {
      const double s = static_cast<double>(stair_steps * stair_width - counter - stair_height);
      const double n = s / static_cast<double>(stair_width);
      y = original_y + (n * static_cast<double>(stair_height)) * step;
    }
    oneshot = false;
    terrain_y_[static_cast<std::size_t>(i)] = y;
    --counter;
    if (counter == 0) {
      counter = draws.integers(kTerrainGrass / 2, kTerrainGrass);  // 5..9
      if (state == TerrainKind::Grass && hardcore_)
        state = static_cast<TerrainKind>(draws.integers(1, 4));  // _STATES_ = 4
      else
        state = TerrainKind::Grass;
      oneshot = true;
      ++counts_[static_cast<int>(state)];
    }
  }
  // The surface: one static two-sided edge per terrain step (fd_edge, category 0x0001).
  for (int i = 0; i + 1 < kTerrainLength; ++i) {
    b2BodyDef bd;
    b2Body* body = m.world->CreateBody(&bd);
    b2EdgeShape edge;
    edge.SetTwoSided(pt(i * step, terrain_y_[static_cast<std::size_t>(i)]),
                     pt((i + 1) * step, terrain_y_[static_cast<std::size_t>(i + 1)]));
    b2FixtureDef fd;
    fd.shape = &edge;
    fd.friction = static_cast<float>(kFriction);
    fd.filter.categoryBits = kGroundCategory;
    body->CreateFixture(&fd);
    m.terrain.push_back(body);
  }

  // Clouds (drawn only; generated as _generate_clouds so the random stream is used alike).
  for (int c = 0; c < kTerrainLength / 20; ++c) {
    const double cx = draws.uniform(0.0, kTerrainLength) * step;
    const double cy = kViewportH / kScale * 3 / 4;
    std::array<b2Vec2, 5> poly{};
    for (int a = 0; a < 5; ++a) {
      const double px = cx + 15 * step * std::sin(3.14 * 2 * a / 5) + draws.uniform(0.0, 5 * step);
      const double py = cy + 5 * step * std::cos(3.14 * 2 * a / 5) + draws.uniform(0.0, 5 * step);
      poly[static_cast<std::size_t>(a)] = pt(px, py);
    }
    m.clouds.push_back(poly);
  }

  // The walker (HULL_FD, LEG_FD, LOWER_FD and the joints of BipedalWalker.reset).
  const double init_x = kTerrainStep * kTerrainStartpad / 2;
  const double init_y = kTerrainHeight + 2 * kLegH;
  {
    b2BodyDef bd;
    bd.type = b2_dynamicBody;
    bd.position = pt(init_x, init_y);
    m.hull = m.world->CreateBody(&bd);
    std::array<b2Vec2, kHullPoly.size()> verts{};
    for (std::size_t k = 0; k < kHullPoly.size(); ++k)
      verts[k] = pt(kHullPoly[k][0] / kScale, kHullPoly[k][1] / kScale);
    b2PolygonShape shape;
    shape.Set(verts.data(), static_cast<int32>(verts.size()));
    b2FixtureDef fd;
    fd.shape = &shape;
    fd.density = 5.0f;
    fd.friction = 0.1f;
    fd.restitution = 0.0f;
    fd.filter.categoryBits = kWalkerCategory;
    fd.filter.maskBits = kGroundCategory;
    m.hull->CreateFixture(&fd);
    initial_force_ = draws.uniform(-kInitialRandom, kInitialRandom);
    m.hull->ApplyForceToCenter(b2Vec2(static_cast<float>(initial_force_), 0.0f), true);
  }
  auto make_limb = [&](double px, double py, double angle, double half_w) {
    b2BodyDef bd;
    bd.type = b2_dynamicBody;
    bd.position = pt(px, py);
    bd.angle = static_cast<float>(angle);
    b2Body* body = m.world->CreateBody(&bd);
    b2PolygonShape shape;
    shape.SetAsBox(static_cast<float>(half_w), static_cast<float>(kLegH / 2));
    b2FixtureDef fd;
    fd.shape = &shape;
    fd.density = 1.0f;
    fd.restitution = 0.0f;  // friction: Box2D's default 0.2, as Gymnasium leaves it
    fd.filter.categoryBits = kWalkerCategory;
    fd.filter.maskBits = kGroundCategory;
    body->CreateFixture(&fd);
    return body;
  };
  auto make_joint = [&](b2Body* a, b2Body* b, double anchor_a_y, double speed, double lower,
                        double upper) {
    b2RevoluteJointDef rjd;
    rjd.bodyA = a;
    rjd.bodyB = b;
    rjd.localAnchorA = pt(0, anchor_a_y);
    rjd.localAnchorB = pt(0, kLegH / 2);
    rjd.enableMotor = true;
    rjd.enableLimit = true;
    rjd.maxMotorTorque = static_cast<float>(kMotorsTorque);
    rjd.motorSpeed = static_cast<float>(speed);
    rjd.lowerAngle = static_cast<float>(lower);
    rjd.upperAngle = static_cast<float>(upper);
    return static_cast<b2RevoluteJoint*>(m.world->CreateJoint(&rjd));
  };
  int k = 0;
  for (int side : {-1, +1}) {
    b2Body* leg = make_limb(init_x, init_y - kLegH / 2 - kLegDown, side * 0.05, kLegW / 2);
    m.legs[static_cast<std::size_t>(k)] = leg;
    m.joints[static_cast<std::size_t>(k)] = make_joint(m.hull, leg, kLegDown, side, -0.8, 1.1);
    ++k;
    b2Body* lower =
        make_limb(init_x, init_y - kLegH * 3 / 2 - kLegDown, side * 0.05, 0.8 * kLegW / 2);
    m.legs[static_cast<std::size_t>(k)] = lower;
    m.joints[static_cast<std::size_t>(k)] = make_joint(leg, lower, -kLegH / 2, 1, -1.6, -0.1);
    ++k;
  }

  const float zero[kActionSize] = {0, 0, 0, 0};
  this->step(zero, obs);
}

BipedalStep BipedalWalkerSim::step(const float* action, float* obs) {
  Impl& m = *impl_;
  if (!m.world) throw Error("BipedalWalkerSim: step() before reset()");
  for (int j = 0; j < kActionSize; ++j) {
    if (std::isnan(action[j]))
      throw Error("BipedalWalker: action component " + std::to_string(j) +
                  " is NaN; give a number in [-1, 1]");
  }
  for (int j = 0; j < kActionSize; ++j) {
    const double a = action[j];
    const double speed = (j % 2 == 0) ? kSpeedHip : kSpeedKnee;
    m.joints[static_cast<std::size_t>(j)]->SetMotorSpeed(static_cast<float>(speed * sign(a)));
    m.joints[static_cast<std::size_t>(j)]->SetMaxMotorTorque(
        static_cast<float>(kMotorsTorque * std::clamp(std::fabs(a), 0.0, 1.0)));
  }
  m.world->Step(static_cast<float>(1.0 / kFps), 6 * 30, 2 * 30);

  const b2Vec2 pos = m.hull->GetPosition();
  const b2Vec2 vel = m.hull->GetLinearVelocity();
  for (int i = 0; i < kLidarCount; ++i) {
    m.ray_fraction = 1.0f;
    const b2Vec2 p2(static_cast<float>(pos.x + std::sin(1.5 * i / 10.0) * kLidarRange),
                    static_cast<float>(pos.y - std::cos(1.5 * i / 10.0) * kLidarRange));
    m.ray_point = p2;
    m.world->RayCast(&m, pos, p2);
    m.lidar_p1[static_cast<std::size_t>(i)] = pos;
    m.lidar_p2[static_cast<std::size_t>(i)] = m.ray_point;
    obs[14 + i] = m.ray_fraction;
  }
  const double angle = m.hull->GetAngle();
  obs[0] = static_cast<float>(angle);
  obs[1] = static_cast<float>(2.0 * m.hull->GetAngularVelocity() / kFps);
  obs[2] = static_cast<float>(0.3 * vel.x * (kViewportW / kScale) / kFps);
  obs[3] = static_cast<float>(0.3 * vel.y * (kViewportH / kScale) / kFps);
  for (int leg = 0; leg < 2; ++leg) {
    const b2RevoluteJoint* hip = m.joints[static_cast<std::size_t>(2 * leg)];
    const b2RevoluteJoint* knee = m.joints[static_cast<std::size_t>(2 * leg + 1)];
    float* o = obs + 4 + 5 * leg;
    o[0] = static_cast<float>(static_cast<double>(hip->GetJointAngle()));
    o[1] = static_cast<float>(hip->GetJointSpeed() / kSpeedHip);
    o[2] = static_cast<float>(knee->GetJointAngle() + 1.0);
    o[3] = static_cast<float>(knee->GetJointSpeed() / kSpeedKnee);
    o[4] = m.ground_contact[static_cast<std::size_t>(2 * leg + 1)] ? 1.0f : 0.0f;
  }

  // Shaping normalised to about 300 on completion; keep the head straight.
  const double shaping = 130 * pos.x / kScale - 5.0 * std::fabs(angle);
  BipedalStep out;
  if (m.has_prev_shaping) out.reward = shaping - m.prev_shaping;
  m.prev_shaping = shaping;
  m.has_prev_shaping = true;
  for (int j = 0; j < kActionSize; ++j)
    out.reward -= 0.00035 * kMotorsTorque * std::clamp(std::fabs(double{action[j]}), 0.0, 1.0);
  if (m.game_over || pos.x < 0) {
    out.reward = -100;
    out.terminated = true;
  }
  if (pos.x > (kTerrainLength - kTerrainGrass) * kTerrainStep) out.terminated = true;
  return out;
}

bool BipedalWalkerSim::render(Image& frame) const {
  const Impl& m = *impl_;
  if (!m.world) return false;
  Canvas canvas(kViewportW, kViewportH);
  cairo_t* cr = canvas.cr();
  const double scroll = m.hull->GetPosition().x - kViewportW / kScale / 5;
  const Rgb sky = rgb255(215, 215, 255);
  canvas.clear(sky.r, sky.g, sky.b);
  // World metres → pixels, y up, the view following the hull.
  auto to_px = [&](double wx, double wy, double parallax = 1.0) {
    return std::array<double, 2>{(wx - scroll * parallax) * kScale, kViewportH - wy * kScale};
  };
  auto fill_poly = [&](const b2Vec2* pts, int n, Rgb fill, const Rgb* outline,
                       const b2Transform* xf, double parallax = 1.0) {
    for (int i = 0; i < n; ++i) {
      const b2Vec2 p = xf ? b2Mul(*xf, pts[i]) : pts[i];
      const auto q = to_px(p.x, p.y, parallax);
      if (i == 0)
        cairo_move_to(cr, q[0], q[1]);
      else
        cairo_line_to(cr, q[0], q[1]);
    }
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, fill.r, fill.g, fill.b);
    if (outline) {
      cairo_fill_preserve(cr);
      cairo_set_line_width(cr, 1.0);
      cairo_set_source_rgb(cr, outline->r, outline->g, outline->b);
      cairo_stroke(cr);
    } else {
      cairo_fill(cr);
    }
  };
  // Clouds move at half the speed of the ground, as in Gymnasium.
  for (const auto& cloud : m.clouds)
    fill_poly(cloud.data(), 5, rgb255(255, 255, 255), nullptr, nullptr, 0.5);
  // Ground below the surface.
  const Rgb ground = rgb255(102, 153, 76);
  for (int i = 0; i + 1 < kTerrainLength; ++i) {
    const double x0 = i * kTerrainStep, x1 = (i + 1) * kTerrainStep;
    if (x1 < scroll || x0 > scroll + kViewportW / kScale) continue;
    const b2Vec2 poly[4] = {
        b2Vec2(static_cast<float>(x0), static_cast<float>(terrain_y_[static_cast<std::size_t>(i)])),
        b2Vec2(static_cast<float>(x1),
               static_cast<float>(terrain_y_[static_cast<std::size_t>(i + 1)])),
        b2Vec2(static_cast<float>(x1), 0.0f), b2Vec2(static_cast<float>(x0), 0.0f)};
    fill_poly(poly, 4, ground, nullptr, nullptr);
    // The grass line, alternating shades.
    const Rgb grass = rgb255(76, i % 2 == 0 ? 255 : 204, 76);
    const auto a = to_px(x0, terrain_y_[static_cast<std::size_t>(i)]);
    const auto b = to_px(x1, terrain_y_[static_cast<std::size_t>(i + 1)]);
    cairo_move_to(cr, a[0], a[1]);
    cairo_line_to(cr, b[0], b[1]);
    cairo_set_line_width(cr, 2.0);
    cairo_set_source_rgb(cr, grass.r, grass.g, grass.b);
    cairo_stroke(cr);
  }
  // Obstacles (stumps, stairs, pit walls).
  const Rgb obstacle_fill = rgb255(255, 255, 255), obstacle_line = rgb255(153, 153, 153);
  for (const auto& poly : m.obstacle_polys)
    fill_poly(poly.data(), static_cast<int>(poly.size()), obstacle_fill, &obstacle_line, nullptr);
  // Lidar rays.
  cairo_set_line_width(cr, 1.0);
  cairo_set_source_rgb(cr, 1.0, 0.0, 0.0);
  for (int i = 0; i < kLidarCount; ++i) {
    const auto a =
        to_px(m.lidar_p1[static_cast<std::size_t>(i)].x, m.lidar_p1[static_cast<std::size_t>(i)].y);
    const auto b =
        to_px(m.lidar_p2[static_cast<std::size_t>(i)].x, m.lidar_p2[static_cast<std::size_t>(i)].y);
    cairo_move_to(cr, a[0], a[1]);
    cairo_line_to(cr, b[0], b[1]);
  }
  cairo_stroke(cr);
  // Legs then hull (Gymnasium's drawlist order), with Gymnasium's colours.
  auto draw_body = [&](const b2Body* body, Rgb c1, Rgb c2) {
    for (const b2Fixture* f = body->GetFixtureList(); f; f = f->GetNext()) {
      const auto* shape = static_cast<const b2PolygonShape*>(f->GetShape());
      fill_poly(shape->m_vertices, shape->m_count, c1, &c2, &body->GetTransform());
    }
  };
  for (int k = 0; k < 4; ++k) {
    const int i = k < 2 ? -1 : 1;
    draw_body(m.legs[static_cast<std::size_t>(k)], rgb255(153 - i * 25, 76 - i * 25, 127 - i * 25),
              rgb255(102 - i * 25, 51 - i * 25, 76 - i * 25));
  }
  draw_body(m.hull, rgb255(127, 51, 229), rgb255(76, 76, 127));
  // The finish flag.
  const double flag_x = kTerrainStep * 3;
  const double flag_y1 = kTerrainHeight, flag_y2 = flag_y1 + 50 / kScale;
  const auto f1 = to_px(flag_x, flag_y1), f2 = to_px(flag_x, flag_y2);
  cairo_move_to(cr, f1[0], f1[1]);
  cairo_line_to(cr, f2[0], f2[1]);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_stroke(cr);
  const b2Vec2 flag[3] = {
      b2Vec2(static_cast<float>(flag_x), static_cast<float>(flag_y2)),
      b2Vec2(static_cast<float>(flag_x), static_cast<float>(flag_y2 - 10 / kScale)),
      b2Vec2(static_cast<float>(flag_x + 25 / kScale), static_cast<float>(flag_y2 - 5 / kScale))};
  const Rgb flag_line = rgb255(0, 0, 0);
  fill_poly(flag, 3, rgb255(230, 51, 0), &flag_line, nullptr);
  canvas.to_image(frame);
  return true;
}

namespace {

EnvSpec walker_spec(bool hardcore_id) {
  const float pi = static_cast<float>(3.141592653589793);
  // bipedal_walker.py: "5.0 to represent the joints moving at maximum 5 x the rated speed".
  std::vector<float> low = {-pi, -5, -5, -5, -pi, -5, -pi, -5, -0.0f, -pi, -5, -pi, -5, -0.0f};
  std::vector<float> high = {pi, 5, 5, 5, pi, 5, pi, 5, 5, pi, 5, pi, 5, 5};
  for (int i = 0; i < 10; ++i) {
    low.push_back(-1);
    high.push_back(1);
  }
  EnvSpec spec;
  spec.id = hardcore_id ? BipedalWalkerEnv::kHardcoreId : BipedalWalkerEnv::kId;
  spec.observation_space = Space::box(low, high, {kObservationSize});
  spec.action_space = Space::box({-1, -1, -1, -1}, {1, 1, 1, 1}, {kActionSize});
  spec.max_episode_steps = hardcore_id ? 2000 : 1600;
  spec.reward_threshold = 300.0;
  spec.env_clips_actions = true;
  // seeding = "gymnasium": reset's draws are bipedal_walker.py's np_random calls
  // (docs/seeding.md).
  spec.gymnasium_seeding = true;
  return spec;
}

}  // namespace

BipedalWalkerEnv::BipedalWalkerEnv(BipedalWalkerConfig config, std::optional<bool> hardcore_id)
    : Env(walker_spec(hardcore_id.value_or(config.hardcore))),
      sim_(config.hardcore),
      replay_(kActionSize, 2000) {}

void BipedalWalkerEnv::do_reset(Value& obs) {
  if (obs.vec.size() != static_cast<std::size_t>(kObservationSize))
    obs.vec.resize(kObservationSize);
  if (gymnasium_seeded())
    replay_.begin(np_random());
  else
    replay_.begin(rng());
  sim_.reset(draws(), obs.vec.data());
  clamp_into_box(spec().observation_space, obs.vec.data());
  std::copy(obs.vec.begin(), obs.vec.end(), last_obs_.begin());
}

StepResult BipedalWalkerEnv::do_step(const Value& action, Value& obs) {
  // np.clip to the action space, as Gymnasium's torque and speed formulas imply.
  for (int j = 0; j < kActionSize; ++j)
    clipped_[static_cast<std::size_t>(j)] =
        std::clamp(action.vec[static_cast<std::size_t>(j)], -1.0f, 1.0f);
  if (obs.vec.size() != static_cast<std::size_t>(kObservationSize))
    obs.vec.resize(kObservationSize);
  const BipedalStep s = sim_.step(clipped_.data(), obs.vec.data());
  replay_.record(clipped_.data());
  clamp_into_box(spec().observation_space, obs.vec.data());
  std::copy(obs.vec.begin(), obs.vec.end(), last_obs_.begin());
  StepResult r;
  r.reward = s.reward;
  r.terminated = s.terminated;
  return r;
}

void BipedalWalkerEnv::observe(Value& obs) const {
  if (!replay_.started())
    throw Error(spec().id + ": observe() called before reset(); call reset() first");
  obs.vec.assign(last_obs_.begin(), last_obs_.end());
}

void BipedalWalkerEnv::get_state(std::vector<double>& out) const {
  replay_.encode(out, spec().id);
}

void BipedalWalkerEnv::set_state(std::span<const double> state) {
  const std::string& id = spec().id;
  replay_.decode(
      state, id,
      [&](const float* a) {
        for (int j = 0; j < kActionSize; ++j)
          if (!(a[j] >= -1 && a[j] <= 1))
            throw Error(id + ": set_state: an action of the replay is outside the action space");
      },
      gymnasium_seeded(), rng(), np_random());
  sim_.reset(draws(), last_obs_.data());
  for (std::int64_t t = 0; t < replay_.steps(); ++t) sim_.step(replay_.action(t), last_obs_.data());
  clamp_into_box(spec().observation_space, last_obs_.data());
  mark_running();
}

bool BipedalWalkerEnv::render(Image& frame) const {
  return sim_.render(frame);
}

namespace {

// BipedalWalkerHardcore-v3's default.
struct BipedalWalkerHardcoreConfig : BipedalWalkerConfig {
  BipedalWalkerHardcoreConfig() { hardcore = true; }
};

template <class C>
ConfigSchema<C> walker_schema() {
  return ConfigSchema<C>().field(
      "hardcore", &C::hardcore,
      "terrain with stumps, stairs and pits (Gymnasium's hardcore=True); the time limit "
      "stays that of the id (1600 for v3, 2000 for Hardcore-v3)",
      source("Gymnasium make argument hardcore"));
}

void register_bipedal_walker(Registry& registry) {
  registry.add_env(env_entry(
      BipedalWalkerEnv::kId,
      "4-joint walker over gently uneven grass; Gymnasium 1.x bipedal_walker.py, Box2D 2.4",
      walker_schema<BipedalWalkerConfig>(),
      [](const BipedalWalkerConfig& c) { return std::make_unique<BipedalWalkerEnv>(c, false); }));
  registry.add_env(env_entry(BipedalWalkerEnv::kHardcoreId,
                             "4-joint walker over stumps, stairs and pits; Gymnasium 1.x "
                             "bipedal_walker.py (hardcore=True), Box2D 2.4",
                             walker_schema<BipedalWalkerHardcoreConfig>(),
                             [](const BipedalWalkerHardcoreConfig& c) {
                               return std::make_unique<BipedalWalkerEnv>(c, true);
                             }));
}

}  // namespace
RLSIM_REGISTER(register_bipedal_walker)

}  // namespace rlsim
