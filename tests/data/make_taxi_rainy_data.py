#!/usr/bin/python3
"""Writes tests/data/gymnasium_taxi_rainy.json: Taxi-v4 trajectories with is_rainy=True under
Gymnasium's seeding, for tests/envs/test_gymnasium_seeding.cpp.

Run with Debian's interpreter, which has numpy (python3-numpy 1.24.2):

    /usr/bin/python3 tests/data/make_taxi_rainy_data.py

Taxi's transition lists P[s][a] are re-implemented here from Gymnasium's source,
INDEPENDENTLY of rlsim and without Gymnasium (gymnasium/envs/toy_text/taxi.py, Gymnasium
1.4.0, commit 3f0476a8cc224dcce2167cc4b6971ae0f04d5cfc: _build_dry_transitions,
_build_rainy_transitions, _calc_new_position, _pickup, _dropoff), unmerged and in
Gymnasium's order; the episodes are drawn with make_numpy_rng_data.py's tabular_episodes
(reset with categorical_sample of the initial distribution, one categorical_sample per step).
The rainy lists are (intended, left, right) with rainy_probability and
(1 - rainy_probability) / 2 when the intended move is possible, else the same cell three
times: so a veer and the intended move are separate entries even when they land on the same
cell, which is what the test pins.
"""
import json
import os

from make_numpy_rng_data import HERE, actions, tabular_episodes, taxi_initial

MAP = [
    "+---------+",
    "|R: | : :G|",
    "| : | : : |",
    "| : : : : |",
    "| | : | : |",
    "|Y| : |B: |",
    "+---------+",
]
LOCS = [(0, 0), (0, 4), (4, 0), (4, 3)]
MAX_ROW = MAX_COL = 4
# (forward, left, right) for South 0, North 1, East 2, West 3 (taxi.py's `moves`).
MOVES = {
    0: ((1, 0), (0, 1), (0, -1)),
    1: ((-1, 0), (0, -1), (0, 1)),
    2: ((0, 1), (-1, 0), (1, 0)),
    3: ((0, -1), (1, 0), (-1, 0)),
}


def encode(row, col, p, d):
    return ((row * 5 + col) * 5 + p) * 4 + d


def new_position(row, col, movement):
    dr, dc = movement
    r = max(0, min(row + dr, MAX_ROW))
    c = max(0, min(col + dc, MAX_COL))
    if dc == 1 and MAP[1 + r][2 * c] != ":":
        return row, col
    if dc == -1 and MAP[1 + r][2 * c + 2] != ":":
        return row, col
    return r, c


def pickup(loc, p, reward):
    return (4, reward) if p < 4 and loc == LOCS[p] else (p, -10)


def dropoff(loc, p, d, reward):
    if loc == LOCS[d] and p == 4:
        return d, 20, True
    if loc in LOCS and p == 4:
        return LOCS.index(loc), reward, False
    return p, -10, False


def rainy_model(rainy_probability=0.8):
    lateral = (1.0 - rainy_probability) / 2.0
    P = {}
    for row in range(5):
        for col in range(5):
            for p in range(5):
                for d in range(4):
                    s = encode(row, col, p, d)
                    P[s] = {}
                    for a in range(6):
                        loc = left = right = (row, col)
                        nr, nc, np_, reward, term = row, col, p, -1, False
                        if ((a == 0 and row < MAX_ROW) or (a == 1 and row > 0) or
                                (a == 2 and MAP[1 + row][2 * col + 2] == ":") or
                                (a == 3 and MAP[1 + row][2 * col] == ":")):
                            dr, dc = MOVES[a][0]
                            nr = max(0, min(row + dr, MAX_ROW))
                            nc = max(0, min(col + dc, MAX_COL))
                            left = new_position(row, col, MOVES[a][1])
                            right = new_position(row, col, MOVES[a][2])
                        elif a == 4:
                            np_, reward = pickup(loc, np_, reward)
                        elif a == 5:
                            np_, reward, term = dropoff(loc, np_, d, reward)
                        intended = encode(nr, nc, np_, d)
                        if a <= 3:
                            P[s][a] = [(rainy_probability, intended, -1.0, term),
                                       (lateral, encode(*left, np_, d), -1.0, term),
                                       (lateral, encode(*right, np_, d), -1.0, term)]
                        else:
                            P[s][a] = [(1.0, intended, float(reward), term)]
    return P


def main():
    data = {
        "_meta": {"made_by": "tests/data/make_taxi_rainy_data.py",
                  "gymnasium": "Taxi-v4 is_rainy=True re-implemented from Gymnasium 1.4.0 "
                               "(commit 3f0476a8cc224dcce2167cc4b6971ae0f04d5cfc)"},
        "taxi_rainy": tabular_episodes(taxi_initial(), rainy_model(),
                                       lambda s: actions(200, 6, s)),
    }
    path = os.path.join(HERE, "gymnasium_taxi_rainy.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
