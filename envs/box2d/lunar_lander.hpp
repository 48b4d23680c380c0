// LunarLander-v3 and LunarLanderContinuous-v3: Gymnasium's rocket-landing task (created by
// Oleg Klimov), on Box2D 2.4.
//
// Mirrors gymnasium/envs/box2d/lunar_lander.py (Gymnasium 1.x, class LunarLander): FPS 50,
// SCALE 30, MAIN_ENGINE_POWER 13, SIDE_ENGINE_POWER 0.6, INITIAL_RANDOM 1000,
// LANDER_POLY, LEG_AWAY 20, LEG_DOWN 18, LEG_W 2, LEG_H 8, LEG_SPRING_TORQUE 40,
// SIDE_ENGINE_HEIGHT 14, SIDE_ENGINE_AWAY 12, MAIN_ENGINE_Y_LOCATION 4, a 600x400 viewport;
// 11 terrain chunks with a flat helipad, heights uniform(0, H/2) smoothed over three
// neighbours (wrapping around as Python's height[-1] does); the lander polygon (density 5,
// friction 0.1) and two box legs (density 1) on motorised, limited revolute joints; engine
// impulses with uniform(-1, 1)/SCALE dispersion; shaping reward
// -100|pos| - 100|vel| - 100|angle| + 10 per leg contact, minus 0.3 per unit of main-engine
// power and 0.03 per unit of side-engine power; termination with -100 when the lander body
// touches anything or |x| >= 1, with +100 when the lander body falls asleep. reset() ends
// with one no-op step, as Gymnasium's does. Time limit 1000, reward threshold 200
// (gymnasium/envs/__init__.py). Options (make() arguments): gravity in (-12, 0), wind with
// power in [0, 20] and turbulence in [0, 2], whose phases are drawn at each reset (v3).
// Observation Box bounds are Gymnasium 1.x's: ±2.5 (x, y), ±10 (velocities), ±2π (angle),
// ±10 (angular velocity), [0, 1] (leg contacts); the Env clamps observations into them,
// the Box2D envs' common policy (envs/box2d/observation_bounds.hpp: only a lander spun past
// a full turn reaches them, and the reward uses the unclamped state, as in Gymnasium).
// LunarLanderSim::observation() is the raw state. Continuous actions are clipped to
// [-1, 1] as Gymnasium's np.clip does; NaN is rejected by the base Env.
//
// Randomness (terrain, initial force, wind phases, engine dispersion) is drawn in
// Gymnasium's order, with Gymnasium's np_random calls (envs/box2d/draws.hpp), from the
// env's Rng or, under seeding = "gymnasium" (docs/seeding.md), from numpy's generator
// seeded as Gymnasium seeds it: then the terrain, the initial force, the wind phases and
// every step's dispersion are Gymnasium's numbers. Box2D 2.4 differs from the pybox2d 2.3
// Gymnasium uses, so trajectories agree with Gymnasium's statistically, not step by step.
// Gymnasium's exhaust particles are decoration only (no effect on the lander) and are not
// simulated. LunarLanderSim is the physics alone, free of the Env machinery (for bare loops). The
// Env offers state get/set as a replay of the episode (envs/box2d/replay_state.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <memory>

#include "core/env.hpp"
#include "core/rng.hpp"
#include "envs/box2d/draws.hpp"
#include "envs/box2d/replay_state.hpp"

class b2World;
class b2Body;

namespace rlsim {

struct LunarLanderConfig {
  bool continuous = false;
  double gravity = -10.0;  // must lie in (-12, 0)
  bool enable_wind = false;
  double wind_power = 15.0;       // [0, 20]
  double turbulence_power = 1.5;  // [0, 2]
};

class LunarLanderSim {
 public:
  // lunar_lander.py module constants.
  static constexpr double kFps = 50.0;
  static constexpr double kScale = 30.0;
  static constexpr double kMainEnginePower = 13.0;
  static constexpr double kSideEnginePower = 0.6;
  static constexpr double kInitialRandom = 1000.0;
  static constexpr double kLegAway = 20.0;
  static constexpr double kLegDown = 18.0;
  static constexpr double kLegW = 2.0;
  static constexpr double kLegH = 8.0;
  static constexpr double kLegSpringTorque = 40.0;
  static constexpr double kSideEngineHeight = 14.0;
  static constexpr double kSideEngineAway = 12.0;
  static constexpr double kMainEngineYLocation = 4.0;
  static constexpr int kViewportW = 600;
  static constexpr int kViewportH = 400;
  static constexpr int kChunks = 11;

  struct Outcome {
    double reward = 0.0;
    bool terminated = false;
  };

  // Throws rlsim::Error for options outside Gymnasium's ranges.
  explicit LunarLanderSim(LunarLanderConfig config = {});
  ~LunarLanderSim();
  LunarLanderSim(const LunarLanderSim&) = delete;
  LunarLanderSim& operator=(const LunarLanderSim&) = delete;

  // Builds a fresh world (terrain, lander, legs) from `rng` and takes the no-op first step.
  void reset(Box2DDraws draws);
  // One step with Gymnasium's discrete action (0 noop, 1 left, 2 main, 3 right).
  Outcome step_discrete(std::int64_t action, Box2DDraws draws);
  // One step with a continuous action [main, lateral], clipped to [-1, 1] first.
  Outcome step_continuous(float main, float lateral, Box2DDraws draws);

  // Gymnasium's state as float32, not clamped into the observation Box.
  const std::array<float, 8>& observation() const { return obs_; }
  const LunarLanderConfig& config() const { return config_; }
  // The draws of the last reset: the smoothed terrain heights (smooth_y, one per chunk),
  // the initial force on the lander, and the wind and torque phases (wind_idx and
  // torque_idx at reset, 0 without wind).
  const std::array<double, kChunks>& terrain_y() const { return smooth_y_; }
  std::array<double, 2> initial_force() const { return initial_force_; }
  std::array<std::int64_t, 2> initial_wind_phases() const { return initial_phases_; }
  bool started() const { return world_ != nullptr; }
  // Draws the scene (600x400) as Gymnasium's rgb_array render does, without particles.
  void render(Image& frame) const;

 private:
  class Contacts;
  Outcome advance(double m_power, double s_power, double direction, Box2DDraws draws);
  void update_observation();

  LunarLanderConfig config_;
  std::unique_ptr<b2World> world_;
  std::unique_ptr<Contacts> contacts_;
  b2Body* moon_ = nullptr;
  b2Body* lander_ = nullptr;
  std::array<b2Body*, 2> legs_{};
  std::array<bool, 2> leg_contact_{};
  bool game_over_ = false;
  bool has_prev_shaping_ = false;
  double prev_shaping_ = 0.0;
  std::int64_t wind_idx_ = 0;
  std::int64_t torque_idx_ = 0;
  std::array<double, kChunks> chunk_x_{};
  std::array<double, kChunks> smooth_y_{};
  double helipad_x1_ = 0.0, helipad_x2_ = 0.0, helipad_y_ = 0.0;
  std::array<double, 2> initial_force_{};
  std::array<std::int64_t, 2> initial_phases_{};
  std::array<float, 8> obs_{};
  double last_m_power_ = 0.0, last_s_power_ = 0.0, last_direction_ = 0.0;

  friend class Contacts;
};

class LunarLanderEnv final : public Env {
 public:
  // The id of the discrete env, and of the continuous one (config.continuous).
  static constexpr char kId[] = "LunarLander-v3";
  static constexpr char kContinuousId[] = "LunarLanderContinuous-v3";

  explicit LunarLanderEnv(LunarLanderConfig config = {});
  const LunarLanderSim& sim() const { return sim_; }
  bool render(Image& frame) const override;
  void observe(Value& obs) const override;
  // The state is the episode as a replay (envs/box2d/replay_state.hpp): the stream at the
  // episode's start and the actions since; set_state rebuilds and replays it exactly.
  bool has_state() const override { return true; }
  void get_state(std::vector<double>& out) const override;
  void set_state(std::span<const double> state) override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void write_observation(Value& obs) const;
  // The stream of the env's seeding (core/env.hpp): its Rng, or numpy's generator.
  Box2DDraws draws() { return gymnasium_seeded() ? Box2DDraws(np_random()) : Box2DDraws(rng()); }
  LunarLanderSim sim_;
  ReplayState replay_;
};

}  // namespace rlsim
