#!/usr/bin/python3
"""Writes tests/data/numpy_rng.json: reference values for core/numpy_random.hpp and for the
seeding = "gymnasium" option of rlsim's envs (tests/core/test_numpy_random.cpp,
tests/envs/test_gymnasium_seeding.cpp).

Run with Debian's interpreter, which has numpy (python3-numpy 1.24.2):

    /usr/bin/python3 tests/data/make_numpy_rng_data.py

Part 1 records numpy's own outputs: SeedSequence pools and generate_state words, PCG64's
state after seeding and its raw 64-bit outputs, and a mixed sequence of Generator calls
(random, uniform, integers, choice with p) per seed, so that the buffering of 32-bit draws
between calls is exercised.

Part 2 records Gymnasium 1.x's episode starts, computed here INDEPENDENTLY of rlsim and
without Gymnasium (it is not installed): each env's reset draw is re-implemented with
numpy as Gymnasium's source does it (files cited below, Gymnasium 1.4.0, commit
3f0476a8cc224dcce2167cc4b6971ae0f04d5cfc). Gymnasium's Env.reset(seed=s) sets
np_random = np.random.Generator(np.random.PCG64(np.random.SeedSequence(s)))
(gymnasium/utils/seeding.py); a reset without a seed keeps drawing from it.

Doubles are written as float.hex() text (exact), integers as decimal text.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = [0, 1, 42, 12345, 2**32 - 1, 2**32, 2**40 + 7, 2**63 + 12345, 2**64 - 1]


def h(x):
    return float(x).hex()


def generator(seed):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))


# ---------------------------------------------------------------- part 1: numpy itself
def numpy_part():
    out = []
    choice_p = [
        [0.1, 0.2, 0.3, 0.4],
        [0.5, 0.0, 0.5],
        [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
        [0.7, 0.1, 0.1, 0.1],
    ]
    int_ranges = [(0, 2), (0, 3), (0, 4), (-5, 5), (0, 300), (0, 2**32 - 1), (0, 2**32),
                  (0, 2**32 + 1), (0, 2**40), (-(2**62), 2**62 + 3), (7, 8)]
    for seed in SEEDS:
        seq = np.random.SeedSequence(seed)
        bg = np.random.PCG64(seq)
        st = bg.state["state"]
        raw = [str(int(v)) for v in np.random.PCG64(np.random.SeedSequence(seed)).random_raw(8)]
        g = generator(seed)
        ops = []
        k = 0
        for rep in range(3):
            ops.append("random = " + h(g.random()))
            for lo, hi in int_ranges:
                ops.append(f"integers {lo} {hi} = {int(g.integers(lo, hi))}")
                if k % 3 == 0:
                    ops.append("random = " + h(g.random()))
                k += 1
            for lo, hi in [(-0.05, 0.05), (-0.6, -0.4), (-np.pi, np.pi), (0.0, 1.0)]:
                ops.append(f"uniform {h(lo)} {h(hi)} = {h(g.uniform(lo, hi))}")
            for p in choice_p:
                idx = int(g.choice(len(p), p=p))
                ops.append("choice " + " ".join(h(x) for x in p) + f" = {idx}")
            # an array draw is element by element: uniform(low, high, size=4)
            arr = g.uniform(-0.1, 0.1, size=(4,))
            for x in arr:
                ops.append(f"uniform {h(-0.1)} {h(0.1)} = {h(x)}")
            vals = g.integers(0, 6, size=(5,))
            for v in vals:
                ops.append(f"integers 0 6 = {int(v)}")
        out.append({
            "seed": str(seed),
            "entropy_words": [str(int(w)) for w in
                              np.random.bit_generator._coerce_to_uint32_array(seed)],
            "pool": [str(int(w)) for w in seq.pool],
            "state32": [str(int(w)) for w in seq.generate_state(8, np.uint32)],
            "state64": [str(int(w)) for w in seq.generate_state(4, np.uint64)],
            "pcg_state": hex(st["state"]),
            "pcg_inc": hex(st["inc"]),
            "raw": raw,
            "ops": ops,
        })
    return out


# ---------------------------------------------------------------- part 2: Gymnasium's resets
ENV_SEEDS = [0, 1, 42, 12345, 2**40 + 7]
RESETS = 3  # reset(seed=s), then two resets without a seed


def classic_resets():
    """Observations (float32 values as hex of the float32, widened) of each reset."""
    envs = {}

    def run(name, draw):
        rows = []
        for seed in ENV_SEEDS:
            g = generator(seed)
            obs = [[h(np.float64(v)) for v in draw(g)] for _ in range(RESETS)]
            rows.append({"seed": str(seed), "obs": obs})
        envs[name] = rows

    # gymnasium/envs/classic_control/cartpole.py, CartPoleEnv.reset:
    # state = np_random.uniform(low=-0.05, high=0.05, size=(4,)); obs float32.
    run("CartPole-v1", lambda g: np.array(g.uniform(-0.05, 0.05, size=(4,)), dtype=np.float32))

    # acrobot.py, AcrobotEnv.reset: state = uniform(-0.1, 0.1, size=(4,)).astype(np.float32);
    # _get_ob: [cos(s0), sin(s0), cos(s1), sin(s1), s2, s3] as float32 (numpy's float32
    # cos/sin on float32 scalars).
    def acrobot(g):
        s = g.uniform(-0.1, 0.1, size=(4,)).astype(np.float32)
        return np.array([np.cos(s[0]), np.sin(s[0]), np.cos(s[1]), np.sin(s[1]), s[2], s[3]],
                        dtype=np.float32)
    run("Acrobot-v1", acrobot)

    # mountain_car.py and continuous_mountain_car.py, reset:
    # state = np.array([np_random.uniform(low=-0.6, high=-0.4), 0]); obs float32.
    def car(g):
        return np.array([g.uniform(-0.6, -0.4), 0], dtype=np.float32)
    run("MountainCar-v0", car)
    run("MountainCarContinuous-v0", car)

    # pendulum.py, PendulumEnv.reset: high = [pi, 1.0]; state = uniform(-high, high);
    # _get_obs: [cos(theta), sin(theta), thetadot] as float32 (computed in float64).
    def pendulum(g):
        high = np.array([np.pi, 1.0])
        th, thdot = g.uniform(low=-high, high=high)
        return np.array([np.cos(th), np.sin(th), thdot], dtype=np.float32)
    run("Pendulum-v1", pendulum)
    return envs


def check_docstrings():
    """The observations Gymnasium's own docstrings print for reset(seed=123, options=...)
    (cartpole.py, acrobot.py, mountain_car.py, continuous_mountain_car.py, pendulum.py),
    recomputed with the draws above: a check of this script against Gymnasium itself."""
    g = lambda: generator(123)
    s = g().uniform(-0.2, 0.2, size=(4,)).astype(np.float32)
    h = np.array([np.pi / 2, 0.5])
    th, thdot = g().uniform(-h, h)
    cases = [
        (g().uniform(-0.1, 0.1, size=(4,)), [0.03647037, -0.0892358, -0.05592803, -0.06312564]),
        ([np.cos(s[0]), np.sin(s[0]), np.cos(s[1]), np.sin(s[1]), s[2], s[3]],
         [0.997341, 0.07287608, 0.9841162, -0.17752565, -0.11185605, -0.12625128]),
        ([g().uniform(-0.7, 0.5), 0], [0.11882224, 0.0]),
        ([g().uniform(-0.7, -0.5), 0], [-0.5635296, 0.0]),
        ([np.cos(th), np.sin(th), thdot], [0.8403459, 0.54205054, -0.44617897]),
    ]
    for ours, printed in cases:
        # numpy prints float32 arrays with the shortest unique digits, at most 8 decimals.
        shown = [float(np.format_float_positional(x, precision=8, unique=True))
                 for x in np.array(ours, dtype=np.float32)]
        assert shown == printed, (shown, printed)


def categorical_sample(prob_n, g):
    # gymnasium/envs/toy_text/utils.py
    csprob_n = np.cumsum(np.asarray(prob_n))
    return int(np.argmax(csprob_n > g.random()))


# gymnasium/envs/toy_text/frozen_lake.py: MAPS["4x4"], actions LEFT 0, DOWN 1, RIGHT 2, UP 3;
# slippery transitions [(a-1)%4, a, (a+1)%4] with success_rate (intended, default 1/3) and
# (1 - success_rate)/2; G and H states absorb with (1.0, s, 0, True).
FROZEN_4X4 = ["SFFF", "FHFH", "FFFH", "HFFG"]


def frozen_lake_model(desc, slippery, success_rate=1.0 / 3.0):
    nrow, ncol = len(desc), len(desc[0])
    fail_rate = (1.0 - success_rate) / 2.0
    init = np.array([[c == "S" for c in row] for row in desc]).astype("float64").ravel()
    init /= init.sum()

    def inc(row, col, a):
        if a == 0:
            col = max(col - 1, 0)
        elif a == 1:
            row = min(row + 1, nrow - 1)
        elif a == 2:
            col = min(col + 1, ncol - 1)
        elif a == 3:
            row = max(row - 1, 0)
        return row, col

    def outcome(row, col, a):
        r, c = inc(row, col, a)
        letter = desc[r][c]
        return r * ncol + c, (1.0 if letter == "G" else 0.0), letter in "GH"

    P = {}
    for row in range(nrow):
        for col in range(ncol):
            s = row * ncol + col
            P[s] = {}
            for a in range(4):
                if desc[row][col] in "GH":
                    P[s][a] = [(1.0, s, 0.0, True)]
                elif slippery:
                    P[s][a] = [(success_rate if b == a else fail_rate, *outcome(row, col, b))
                               for b in [(a - 1) % 4, a, (a + 1) % 4]]
                else:
                    P[s][a] = [(1.0, *outcome(row, col, a))]
    return init, P


# gymnasium/envs/toy_text/cliffwalking.py: 4x12, start (3, 0), cliff row 3 columns 1..10,
# actions UP 0, RIGHT 1, DOWN 2, LEFT 3; slippery: [(a-1)%4, a, (a+1)%4] with 1/3 each; the
# cliff sends to the start with -100, not terminated; reaching (3, 11) terminates.
def cliff_model(slippery):
    shape = (4, 12)
    moves = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}
    init = np.zeros(48)
    init[36] = 1.0
    P = {}
    for s in range(48):
        r0, c0 = divmod(s, 12)
        P[s] = {}
        for a in range(4):
            acts = [(a - 1) % 4, a, (a + 1) % 4] if slippery else [a]
            outs = []
            for b in acts:
                r = min(max(r0 + moves[b][0], 0), shape[0] - 1)
                c = min(max(c0 + moves[b][1], 0), shape[1] - 1)
                if r == 3 and 1 <= c <= 10:
                    outs.append((1 / len(acts), 36, -100.0, False))
                else:
                    outs.append((1 / len(acts), r * 12 + c, -1.0, (r, c) == (3, 11)))
            P[s][a] = outs
    return init, P


# gymnasium/envs/toy_text/taxi.py (dry, no fickle passenger): the initial distribution is
# uniform over the 300 states with the passenger at a location other than the destination
# (pass_idx < 4, pass_idx != dest_idx), in encode() order ((row*5 + col)*5 + pass)*4 + dest.
def taxi_initial():
    init = np.zeros(500)
    for row in range(5):
        for col in range(5):
            for p in range(5):
                for d in range(4):
                    if p < 4 and p != d:
                        init[((row * 5 + col) * 5 + p) * 4 + d] += 1
    return init / init.sum()


def tabular_episodes(init, P, actions_for_seed):
    """reset(seed) then the actions (each step draws categorical_sample, whatever the number
    of outcomes), resetting without a seed whenever an episode terminates."""
    rows = []
    for seed in ENV_SEEDS:
        g = generator(seed)
        s = categorical_sample(init, g)
        trace = [f"reset {s}"]
        for a in actions_for_seed(seed):
            trans = P[s][a]
            i = categorical_sample([t[0] for t in trans], g)
            _, s, r, term = trans[i]
            trace.append(f"step {a} {s} {h(r)} {int(term)}")
            if term:
                s = categorical_sample(init, g)
                trace.append(f"reset {s}")
        rows.append({"seed": str(seed), "trace": trace})
    return rows


def actions(n, k, seed):
    rs = np.random.RandomState(seed % 2**32)
    return [int(a) for a in rs.randint(0, k, size=n)]


def taxi_resets():
    init = taxi_initial()
    rows = []
    for seed in ENV_SEEDS:
        g = generator(seed)
        states = [categorical_sample(init, g) for _ in range(RESETS)]
        # Then 5 steps of the dry taxi (each one categorical_sample over a single outcome:
        # one random() draw) and a reset: the start depends on those draws.
        for _ in range(5):
            g.random()
        after = categorical_sample(init, g)
        rows.append({"seed": str(seed), "states": [str(x) for x in states],
                     "after_5_steps": str(after)})
    return rows


# gymnasium/envs/toy_text/taxi.py, v4 (Gymnasium 1.3.0, PR #1561) with is_rainy and
# fickle_passenger: MAP with ':' passable and '|' a wall between cells; a rainy move whose
# cell ahead is open lists (rainy_probability, ahead), ((1-p)/2, left veer), ((1-p)/2, right
# veer), a veer blocked by a wall or the edge staying put; a move blocked ahead lists the
# same three probabilities, all staying put. Pickup and dropoff are one certain entry.
TAXI_MAP = ["+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |", "| | : | : |",
            "|Y| : |B: |", "+---------+"]
TAXI_LOCS = [(0, 0), (0, 4), (4, 0), (4, 3)]


def taxi_encode(row, col, p, d):
    return ((row * 5 + col) * 5 + p) * 4 + d


def taxi_decode(s):
    s, d = divmod(s, 4)
    s, p = divmod(s, 5)
    row, col = divmod(s, 5)
    return row, col, p, d


def taxi_open(row, col, dr, dc):
    """The cell one move (dr, dc) away, or None when the edge or a wall blocks it."""
    r, c = row + dr, col + dc
    if not (0 <= r <= 4 and 0 <= c <= 4):
        return None
    if dc == 1 and TAXI_MAP[1 + row][2 * col + 2] != ":":
        return None
    if dc == -1 and TAXI_MAP[1 + row][2 * col] != ":":
        return None
    return r, c


def taxi_rainy_model(p_rain):
    # (forward, left, right) per action 0 south, 1 north, 2 east, 3 west (taxi.py's table)
    moves = {0: ((1, 0), (0, 1), (0, -1)), 1: ((-1, 0), (0, -1), (0, 1)),
             2: ((0, 1), (-1, 0), (1, 0)), 3: ((0, -1), (1, 0), (-1, 0))}
    veer = (1.0 - p_rain) / 2.0
    P = {}
    for s in range(500):
        row, col, p, d = taxi_decode(s)
        P[s] = {}
        for a in range(6):
            if a <= 3:
                cells = []
                if taxi_open(row, col, *moves[a][0]) is None:
                    cells = [(row, col)] * 3
                else:
                    cells = [taxi_open(row, col, *m) or (row, col) for m in moves[a]]
                P[s][a] = [(q, taxi_encode(r, c, p, d), -1.0, False)
                           for q, (r, c) in zip((p_rain, veer, veer), cells)]
            elif a == 4:
                if p < 4 and (row, col) == TAXI_LOCS[p]:
                    P[s][a] = [(1.0, taxi_encode(row, col, 4, d), -1.0, False)]
                else:
                    P[s][a] = [(1.0, s, -10.0, False)]
            else:
                if p == 4 and (row, col) == TAXI_LOCS[d]:
                    P[s][a] = [(1.0, taxi_encode(row, col, d, d), 20.0, True)]
                elif p == 4 and (row, col) in TAXI_LOCS:
                    P[s][a] = [(1.0, taxi_encode(row, col, TAXI_LOCS.index((row, col)), d),
                                -1.0, False)]
                else:
                    P[s][a] = [(1.0, s, -10.0, False)]
    return P


def taxi_stochastic_episodes(p_rain, p_fickle, n_steps):
    """Taxi(is_rainy=True, fickle_passenger=True): reset draws categorical_sample, then
    random() < fickle_probability; a step draws categorical_sample over P[s][a], then, on
    the first step that moves the taxi with the passenger aboard while the change is
    pending, choice() of the three other destinations. Lines: "reset s" and
    "step a s reward terminated prob" (prob: the entry drawn, as taxi.py's info)."""
    init, P = taxi_initial(), taxi_rainy_model(p_rain)
    rows = []
    for seed in ENV_SEEDS:
        g = generator(seed)
        # A policy that picks up and moves often: random actions, pickup when possible.
        acts = actions(n_steps, 4, seed)

        def start():
            s = categorical_sample(init, g)
            return s, bool(g.random() < p_fickle)

        s, fickle = start()
        trace = [f"reset {s}"]
        for t, a in enumerate(acts):
            row, col, p, d = taxi_decode(s)
            if p < 4 and (row, col) == TAXI_LOCS[p]:
                a = 4
            elif p == 4 and (row, col) == TAXI_LOCS[d] and t % 3 == 0:
                a = 5
            trans = P[s][a]
            i = categorical_sample([x[0] for x in trans], g)
            prob, s2, r, term = trans[i]
            r2, c2, p2, _ = taxi_decode(s2)
            if fickle and p == 4 and (r2, c2) != (row, col):
                fickle = False
                d2 = g.choice([k for k in range(4) if k != d])
                s2 = taxi_encode(r2, c2, p2, int(d2))
            s = s2
            trace.append(f"step {a} {s} {h(r)} {int(term)} {h(prob)}")
            if term:
                s, fickle = start()
                trace.append(f"reset {s}")
        rows.append({"seed": str(seed), "trace": trace})
    return rows


# gymnasium/envs/box2d/lunar_lander.py, LunarLander.reset and step: np_random draws only
# (no Box2D here). Reset: uniform(0, H/2, size=(CHUNKS+1,)) heights, the helipad chunks
# CHUNKS//2-2 .. CHUNKS//2+2 set to H/4, smooth_y[i] = 0.33 * (h[i-1] + h[i] + h[i+1]);
# the initial force uniform(-INITIAL_RANDOM, INITIAL_RANDOM) twice; with enable_wind,
# wind_idx and torque_idx = integers(-9999, 9999); then reset's step(noop) draws the
# dispersion, uniform(-1, +1) twice, as every step does whatever the action.
def lander_reset(g, wind):
    W, H, chunks = 600 / 30.0, 400 / 30.0, 11
    height = g.uniform(0, H / 2, size=(chunks + 1,))
    for k in range(chunks // 2 - 2, chunks // 2 + 3):
        height[k] = H / 4
    smooth_y = [0.33 * (height[i - 1] + height[i + 0] + height[i + 1]) for i in range(chunks)]
    force = [g.uniform(-1000.0, 1000.0), g.uniform(-1000.0, 1000.0)]
    phases = [int(g.integers(-9999, 9999)), int(g.integers(-9999, 9999))] if wind else [0, 0]
    assert W == 20.0
    for _ in range(2):
        g.uniform(-1.0, +1.0)  # the no-op step's dispersion
    return {"terrain_y": [h(y) for y in smooth_y], "force": [h(f) for f in force],
            "phases": [str(p) for p in phases]}


# gymnasium/envs/box2d/bipedal_walker.py, BipedalWalker.reset: _generate_terrain (the
# heights terrain_y and its draws), _generate_clouds (draws only), then the hull's force
# uniform(-INITIAL_RANDOM, INITIAL_RANDOM) with INITIAL_RANDOM = 5. Steps draw nothing.
def walker_reset(g, hardcore):
    SCALE, STEP, LENGTH, GRASS, STARTPAD = 30.0, 14 / 30.0, 200, 10, 20
    HEIGHT = 400 / SCALE / 4
    GRASS_S, STUMP, STAIRS, PIT, STATES = range(5)
    state, velocity, y, counter, oneshot = GRASS_S, 0.0, HEIGHT, STARTPAD, False
    stair_steps, stair_width, stair_height, original_y = 0, 0, 0, 0
    ys = []
    for i in range(LENGTH):
        if state == GRASS_S and not oneshot:
            velocity = 0.8 * velocity + 0.01 * np.sign(HEIGHT - y)
            if i > STARTPAD:
                velocity += g.uniform(-1, 1) / SCALE
            y += velocity
        elif state == PIT and oneshot:
            counter = g.integers(3, 5) + 2
            original_y = y
        elif state == PIT and not oneshot:
            y = original_y
            if counter > 1:
                y -= 4 * STEP
        elif state == STUMP and oneshot:
            counter = g.integers(1, 3)
        elif state == STAIRS and oneshot:
            stair_height = +1 if g.random() > 0.5 else -1
            stair_width = g.integers(4, 5)
            stair_steps = g.integers(3, 5)
            original_y = y
            counter = stair_steps * stair_width
        elif state == STAIRS and not oneshot:
            n = (stair_steps * stair_width - counter - stair_height) / stair_width
            y = original_y + (n * stair_height) * STEP
        oneshot = False
        ys.append(y)
        counter -= 1
        if counter == 0:
            counter = g.integers(GRASS / 2, GRASS)
            state = g.integers(1, STATES) if state == GRASS_S and hardcore else GRASS_S
            oneshot = True
    for _ in range(LENGTH // 20):  # clouds: x, then (x, y) offsets of 5 points
        g.uniform(0, LENGTH)
        for _ in range(5):
            g.uniform(0, 5 * STEP)
            g.uniform(0, 5 * STEP)
    force = g.uniform(-5, 5)
    return {"terrain_y": [h(v) for v in ys], "force": h(force)}


def box2d_resets(reset, option):
    """reset(seed), a second reset after 5 steps, a third right after it."""
    rows = []
    for seed in ENV_SEEDS:
        g = generator(seed)
        first = reset(g, option)
        for _ in range(5):  # LunarLander: 5 steps, two dispersion draws each
            if reset is lander_reset:
                g.uniform(-1.0, 1.0)
                g.uniform(-1.0, 1.0)
        rows.append({"seed": str(seed), "resets": [first, reset(g, option), reset(g, option)]})
    return rows


def main():
    check_docstrings()
    data = {
        "_meta": {
            "numpy_version": np.__version__,
            "made_by": "tests/data/make_numpy_rng_data.py",
            "gymnasium": "resets re-implemented from Gymnasium 1.4.0 source "
                         "(commit 3f0476a8cc224dcce2167cc4b6971ae0f04d5cfc)",
        },
        "numpy": numpy_part(),
        "classic_resets": classic_resets(),
        "taxi_resets": taxi_resets(),
    }
    fl_init, fl_p = frozen_lake_model(FROZEN_4X4, slippery=True)
    data["frozen_lake_slippery"] = tabular_episodes(fl_init, fl_p, lambda s: actions(60, 4, s))
    fl_init, fl_p = frozen_lake_model(FROZEN_4X4, slippery=False)
    data["frozen_lake_dry"] = tabular_episodes(fl_init, fl_p, lambda s: actions(30, 4, s))
    cw_init, cw_p = cliff_model(slippery=False)
    data["cliff_walking"] = tabular_episodes(cw_init, cw_p, lambda s: actions(30, 4, s))
    cw_init, cw_p = cliff_model(slippery=True)
    data["cliff_walking_slippery"] = tabular_episodes(cw_init, cw_p, lambda s: actions(60, 4, s))
    data["taxi_rainy_fickle"] = taxi_stochastic_episodes(0.8, 0.3, 400)
    data["taxi_rainy_fickle_p05"] = taxi_stochastic_episodes(0.5, 1.0, 200)
    data["lunar_lander"] = box2d_resets(lander_reset, False)
    data["lunar_lander_wind"] = box2d_resets(lander_reset, True)
    data["bipedal_walker"] = box2d_resets(walker_reset, False)
    data["bipedal_walker_hardcore"] = box2d_resets(walker_reset, True)
    path = os.path.join(HERE, "numpy_rng.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
