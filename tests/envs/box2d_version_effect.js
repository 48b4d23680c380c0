// How much of LunarLander's random-policy return depends on the Box2D version (2.3, which
// Gymnasium's pybox2d 2.3.10 wraps, or 2.4, which rlsim uses through Debian's libbox2d).
//
// Not part of the build or the test suite: a one-off measurement whose figures
// tests/envs/test_lunar_lander.cpp uses (docs/envs-box2d-lander.md explains them). The
// same transcription of envs/box2d/lunar_lander.cpp (Gymnasium 1.x lunar_lander.py: terrain,
// lander and legs, initial force, engine impulses with dispersion, shaping, fuel,
// termination) runs on one of two JavaScript Box2D ports, in double precision:
//   planck   planck.js 1.5.0, a rewrite of Box2D 2.3 (revolute joint limit states, EPCollider)
//   box2d24  @box2d/core 0.11.0, a port of Box2D 2.4.1
// with the same random stream (mulberry32, seed 12345) and a uniform random policy.
//
//   npm install planck@1.5.0 @box2d/core@0.11.0
//   node box2d_version_effect.js planck|box2d24 EPISODES [discrete|continuous]
//
// It prints the mean return with its standard error, the mean length, percentiles, and the
// mean terms of the shaping at the last step before the end (the return telescopes to
// shaping(T-1) - shaping(0) - fuel - 100 for a crash).
'use strict';

const engine = process.argv[2];
const episodes = Number(process.argv[3] || 1000);
const continuous = (process.argv[4] || 'discrete') === 'continuous';

let seed = 12345 >>> 0;
function rand() {  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const uniform = (a, b) => a + (b - a) * rand();

// The little of each port's API the env needs.
function planckWorld() {
  const pl = require('planck');
  const world = new pl.World({gravity: pl.Vec2(0, -10)});
  return {
    vec: (x, y) => pl.Vec2(x, y),
    ground: () => world.createBody(),
    edge: (body, a, b, friction) => body.createFixture(pl.Edge(a, b), {density: 0, friction}),
    dynamic: (pos, angle) => world.createDynamicBody({position: pos, angle}),
    polygon: (body, vs, f) => body.createFixture(pl.Polygon(vs), f),
    box: (body, hx, hy, f) => body.createFixture(pl.Box(hx, hy), f),
    filter: (cat, mask) => ({filterCategoryBits: cat, filterMaskBits: mask}),
    revolute: (d, a, b) => world.createJoint(pl.RevoluteJoint(
        {localAnchorA: d.anchorA, localAnchorB: d.anchorB, enableMotor: true, enableLimit: true,
         maxMotorTorque: d.torque, motorSpeed: d.speed, lowerAngle: d.lower, upperAngle: d.upper},
        a, b)),
    contacts: (begin, end) => {
      const bodies = c => [c.getFixtureA().getBody(), c.getFixtureB().getBody()];
      world.on('begin-contact', c => begin(bodies(c)));
      world.on('end-contact', c => end(bodies(c)));
    },
    step: () => world.step(1 / 50, 6 * 30, 2 * 30),
    angle: b => b.getAngle(), position: b => b.getPosition(),
    velocity: b => b.getLinearVelocity(), spin: b => b.getAngularVelocity(),
    awake: b => b.isAwake(),
    force: (b, f) => b.applyForceToCenter(f, true),
    impulse: (b, i, p) => b.applyLinearImpulse(i, p, true),
  };
}

function box2d24World() {
  const b2 = require('@box2d/core');
  const world = b2.b2World.Create(new b2.b2Vec2(0, -10));
  const fixture = (body, shape, f) => body.CreateFixture(Object.assign({shape}, f));
  return {
    vec: (x, y) => new b2.b2Vec2(x, y),
    ground: () => world.CreateBody(),
    edge: (body, a, b, friction) => {
      const e = new b2.b2EdgeShape();
      e.SetTwoSided(a, b);
      fixture(body, e, {density: 0, friction});
    },
    dynamic: (pos, angle) => world.CreateBody({type: b2.b2BodyType.b2_dynamicBody, position: pos, angle}),
    polygon: (body, vs, f) => {
      const p = new b2.b2PolygonShape();
      p.Set(vs);
      fixture(body, p, f);
    },
    box: (body, hx, hy, f) => {
      const p = new b2.b2PolygonShape();
      p.SetAsBox(hx, hy);
      fixture(body, p, f);
    },
    filter: (cat, mask) => ({filter: {categoryBits: cat, maskBits: mask}}),
    revolute: (d, a, b) => {
      const jd = new b2.b2RevoluteJointDef();
      jd.bodyA = a;
      jd.bodyB = b;
      jd.localAnchorA.Copy(d.anchorA);
      jd.localAnchorB.Copy(d.anchorB);
      jd.enableMotor = true;
      jd.enableLimit = true;
      jd.maxMotorTorque = d.torque;
      jd.motorSpeed = d.speed;
      jd.lowerAngle = d.lower;
      jd.upperAngle = d.upper;
      world.CreateJoint(jd);
    },
    contacts: (begin, end) => {
      const bodies = c => [c.GetFixtureA().GetBody(), c.GetFixtureB().GetBody()];
      const l = new b2.b2ContactListener();
      l.BeginContact = c => begin(bodies(c));
      l.EndContact = c => end(bodies(c));
      world.SetContactListener(l);
    },
    step: () => world.Step(1 / 50, {velocityIterations: 6 * 30, positionIterations: 2 * 30}),
    angle: b => b.GetAngle(), position: b => b.GetPosition(),
    velocity: b => b.GetLinearVelocity(), spin: b => b.GetAngularVelocity(),
    awake: b => b.IsAwake(),
    force: (b, f) => b.ApplyForceToCenter(f, true),
    impulse: (b, i, p) => b.ApplyLinearImpulse(i, p, true),
  };
}

// lunar_lander.py constants.
const FPS = 50, SCALE = 30, MAIN_POWER = 13, SIDE_POWER = 0.6, INITIAL_RANDOM = 1000;
const LEG_AWAY = 20, LEG_DOWN = 18, LEG_W = 2, LEG_H = 8, LEG_TORQUE = 40;
const SIDE_HEIGHT = 14, SIDE_AWAY = 12, MAIN_Y = 4, CHUNKS = 11;
const W = 600 / SCALE, H = 400 / SCALE;
const POLY = [[-14, 17], [-17, 0], [-17, -10], [17, -10], [17, 0], [14, 17]];

function episode(terms) {
  const w = engine === 'planck' ? planckWorld() : box2d24World();
  const height = Array.from({length: CHUNKS + 1}, () => uniform(0, H / 2));
  const x = Array.from({length: CHUNKS}, (_, i) => W / (CHUNKS - 1) * i);
  const padY = H / 4;
  for (let i = CHUNKS / 2 - 2 | 0; i <= (CHUNKS / 2 | 0) + 2; ++i) height[i] = padY;
  const y = x.map((_, i) => 0.33 * (height[(i + CHUNKS) % (CHUNKS + 1)] + height[i] + height[i + 1]));
  const moon = w.ground();
  w.edge(moon, w.vec(0, 0), w.vec(W, 0), 0.2);
  for (let i = 0; i < CHUNKS - 1; ++i) w.edge(moon, w.vec(x[i], y[i]), w.vec(x[i + 1], y[i + 1]), 0.1);
  const lander = w.dynamic(w.vec(W / 2, H), 0);
  w.polygon(lander, POLY.map(([px, py]) => w.vec(px / SCALE, py / SCALE)),
            Object.assign({density: 5, friction: 0.1, restitution: 0}, w.filter(0x10, 0x1)));
  w.force(lander, w.vec(uniform(-INITIAL_RANDOM, INITIAL_RANDOM), uniform(-INITIAL_RANDOM, INITIAL_RANDOM)));
  const legs = [];
  for (const i of [-1, 1]) {
    const leg = w.dynamic(w.vec(W / 2 - i * LEG_AWAY / SCALE, H), i * 0.05);
    w.box(leg, LEG_W / SCALE, LEG_H / SCALE,
          Object.assign({density: 1, restitution: 0, friction: 0.2}, w.filter(0x20, 0x1)));
    w.revolute({anchorA: w.vec(0, 0), anchorB: w.vec(i * LEG_AWAY / SCALE, LEG_DOWN / SCALE),
                torque: LEG_TORQUE, speed: 0.3 * i,
                lower: i === -1 ? 0.9 - 0.5 : -0.9, upper: i === -1 ? 0.9 : -0.9 + 0.5}, lander, leg);
    legs.push(leg);
  }
  let gameOver = false;
  const contact = [false, false];
  w.contacts(bodies => {
    if (bodies.includes(lander)) gameOver = true;
    legs.forEach((leg, k) => { if (bodies.includes(leg)) contact[k] = true; });
  }, bodies => legs.forEach((leg, k) => { if (bodies.includes(leg)) contact[k] = false; }));

  let prevShaping = null, state = null;
  function step(mPower, sPower, direction) {
    const angle = w.angle(lander);
    const tip = [Math.sin(angle), Math.cos(angle)], side = [-tip[1], tip[0]];
    const d = [uniform(-1, 1) / SCALE, uniform(-1, 1) / SCALE];
    if (mPower > 0) {
      const ox = tip[0] * (MAIN_Y / SCALE + 2 * d[0]) + side[0] * d[1];
      const oy = -tip[1] * (MAIN_Y / SCALE + 2 * d[0]) - side[1] * d[1];
      const p = w.position(lander);
      w.impulse(lander, w.vec(-ox * MAIN_POWER * mPower, -oy * MAIN_POWER * mPower), w.vec(p.x + ox, p.y + oy));
    }
    if (sPower > 0) {
      const across = 3 * d[1] + direction * SIDE_AWAY / SCALE;
      const ox = tip[0] * d[0] + side[0] * across, oy = -tip[1] * d[0] - side[1] * across;
      const p = w.position(lander);
      w.impulse(lander, w.vec(-ox * SIDE_POWER * sPower, -oy * SIDE_POWER * sPower),
                w.vec(p.x + ox - tip[0] * 17 / SCALE, p.y + oy + tip[1] * SIDE_HEIGHT / SCALE));
    }
    w.step();
    const p = w.position(lander), v = w.velocity(lander);
    state = [(p.x - W / 2) / (W / 2), (p.y - (padY + LEG_DOWN / SCALE)) / (H / 2),
             v.x * (W / 2) / FPS, v.y * (H / 2) / FPS, w.angle(lander), 20 * w.spin(lander) / FPS,
             contact[0] ? 1 : 0, contact[1] ? 1 : 0];
    const shaping = -100 * Math.hypot(state[0], state[1]) - 100 * Math.hypot(state[2], state[3]) -
                    100 * Math.abs(state[4]) + 10 * state[6] + 10 * state[7];
    let reward = prevShaping === null ? 0 : shaping - prevShaping;
    prevShaping = shaping;
    reward -= mPower * 0.3 + sPower * 0.03;
    let done = false;
    if (gameOver || Math.abs(state[0]) >= 1) { done = true; reward = -100; }
    if (!w.awake(lander)) { done = true; reward = 100; }
    return [reward, done];
  }
  step(0, 0, 0);
  let ret = 0, len = 0, before = state;
  for (;;) {
    let r;
    if (continuous) {
      const m = uniform(-1, 1), l = uniform(-1, 1);
      r = step(m > 0 ? (m + 1) * 0.5 : 0, Math.abs(l) > 0.5 ? Math.abs(l) : 0, Math.sign(l));
    } else {
      const a = Math.floor(rand() * 4);
      r = step(a === 2 ? 1 : 0, a === 1 || a === 3 ? 1 : 0, a - 2);
    }
    ret += r[0];
    ++len;
    if (r[1] || len === 1000) break;
    before = state;
  }
  terms.distance += -100 * Math.hypot(before[0], before[1]);
  terms.speed += -100 * Math.hypot(before[2], before[3]);
  terms.angle += -100 * Math.abs(before[4]);
  terms.legs += 10 * (before[6] + before[7]);
  return [ret, len];
}

if (engine !== 'planck' && engine !== 'box2d24') {
  console.error('usage: node box2d_version_effect.js planck|box2d24 EPISODES [discrete|continuous]');
  process.exit(2);
}
const terms = {distance: 0, speed: 0, angle: 0, legs: 0};
const returns = [];
let lengths = 0;
for (let e = 0; e < episodes; ++e) {
  const [r, l] = episode(terms);
  returns.push(r);
  lengths += l;
}
const n = episodes, mean = returns.reduce((a, b) => a + b) / n;
const sem = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
returns.sort((a, b) => a - b);
const pct = q => {
  const k = q / 100 * (n - 1), i = Math.floor(k), f = k - i;
  return returns[i] * (1 - f) + returns[Math.min(i + 1, n - 1)] * f;
};
const f = v => v.toFixed(2);
console.log(`${engine} ${continuous ? 'continuous' : 'discrete'} n=${n} mean_return ${f(mean)} ` +
            `sem ${f(sem)} mean_length ${f(lengths / n)} p5 ${f(pct(5))} p50 ${f(pct(50))} ` +
            `p95 ${f(pct(95))} min ${f(returns[0])} max ${f(returns[n - 1])}`);
console.log('shaping terms at T-1: ' +
            Object.entries(terms).map(([k, v]) => `${k} ${f(v / n)}`).join(' '));
