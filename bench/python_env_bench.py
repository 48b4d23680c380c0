#!/usr/bin/env python3
"""Step rates of the rlsim Python package (issue 18's speed targets; not a test).

1. Single env: CartPole-v1 stepped from a Python loop with random actions (drawn up front,
   so the loop measures the step), against a bare pybind11 function with the same
   signature (rlsim._rlsim.bench_bare_step: an int in; a float32 array of 4, a float, two
   bools and a dict out) in the same run. Targets: within 1.3x of the bare function, and at
   least 5x Gymnasium's 155k steps/s (bench/reference.md). rlsim.Env.step is bound as a
   CPython builtin (METH_O), not through pybind11's dispatcher, so the same bare function
   bound that way (rlsim._rlsim.bench_bare_step_raw) is timed too: the floor of the call
   itself, against which the env's own work and the binding's remaining overhead show.
2. Vector env: make_vec("CartPole-v1", 64) stepped from Python with threads=1 and 2,
   against a pure C++ VectorEnv loop of the same N in this process
   (rlsim._rlsim.bench_cpp_vector_env_rate, next-step auto-reset like make_vec). Targets:
   at least 50% of the C++ single-thread rate, close to 2x with threads=2. The C++ VectorEnv
   (OpenMP, a parallel region per step) is timed with 2 threads too. make_vec steps its
   copies on its own persistent thread pool (python/src/worker_pool.hpp), not through it.
3. The C++ env's own cost per step (rlsim._rlsim.bench_cpp_env_rate: Env::step and resets
   in a C++ loop), to split the single env's time into the bare call, the env's own work
   and what remains (the binding's overhead beyond a bare call).

Each figure is the median of --repeats timed rounds of --seconds each, the measurements
interleaved (round r of every case before round r + 1) so that load changes hit all alike.
The load average is printed at the start and the end: numbers from a busy machine are not
worth recording.

Usage: PYTHONPATH=build/release/python python3 bench/python_env_bench.py [--repeats 7]
       [--seconds 1.0] [--num-envs 64] [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

import rlsim
from rlsim import _rlsim

GYMNASIUM_CARTPOLE = 155_000.0  # steps/s, bench/reference.md


def time_loop(step, actions, seconds):
    """Steps/s of `step(a)` over the pre-drawn actions, for at least `seconds`."""
    n = len(actions)
    done = 0
    t0 = time.perf_counter()
    while True:
        for a in actions:
            step(a)
        done += n
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return done / elapsed


def single_env_rate(actions, seconds):
    env = rlsim.make("CartPole-v1")
    env.reset(seed=0)
    step = env.step
    reset = env.reset

    def step_with_reset(a):
        _, _, terminated, truncated, _ = step(a)
        if terminated or truncated:
            reset()

    return time_loop(step_with_reset, actions, seconds)


def bare_rate(actions, seconds, bare=_rlsim.bench_bare_step):

    def step_like_env(a):
        _, _, terminated, truncated, _ = bare(a)
        if terminated or truncated:
            pass

    return time_loop(step_like_env, actions, seconds)


def vector_rate(env_id, num_envs, threads, ring, seconds):
    v = rlsim.make_vec(env_id, num_envs, threads=threads)
    v.reset(seed=0)
    step = v.step
    return time_loop(step, ring, seconds) * num_envs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--vector-env", default="CartPole-v1",
                   help="the env of the vector cases (a Discrete-action id); a heavier one, "
                        "e.g. LunarLander-v3, shows the thread scaling once stepping outweighs "
                        "the per-step hand-off between threads")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)

    rng = np.random.default_rng(2024)
    # Python ints, as env.action_space.sample() callers and SB3 pass scalars.
    actions = [int(a) for a in rng.integers(2, size=4096)]
    vec_id, n = args.vector_env, args.num_envs
    vec_actions = rlsim.make(vec_id).action_space.n
    ring = [rng.integers(vec_actions, size=n) for _ in range(256)]
    cases = {
        "single env (rlsim.make)": lambda: single_env_rate(actions, args.seconds),
        "bare pybind11 function": lambda: bare_rate(actions, args.seconds),
        "bare CPython builtin": lambda: bare_rate(actions, args.seconds,
                                                  _rlsim.bench_bare_step_raw),
        f"make_vec({n}) threads=1": lambda: vector_rate(vec_id, n, 1, ring, args.seconds),
        f"make_vec({n}) threads=2": lambda: vector_rate(vec_id, n, 2, ring, args.seconds),
        f"C++ VectorEnv({n}) threads=1": lambda: _rlsim.bench_cpp_vector_env_rate(
            vec_id, n, 1, args.seconds),
        f"C++ VectorEnv({n}) threads=2": lambda: _rlsim.bench_cpp_vector_env_rate(
            vec_id, n, 2, args.seconds),
        "C++ env loop (Env::step + resets)": lambda: _rlsim.bench_cpp_env_rate(
            "CartPole-v1", args.seconds),
    }
    load_start = os.getloadavg()
    rates = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            rates[name].append(fn())
    load_end = os.getloadavg()
    med = {name: statistics.median(xs) for name, xs in rates.items()}

    print(f"rlsim {rlsim.__version__} ({_rlsim.git_commit}), Python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, gymnasium {'yes' if rlsim.HAVE_GYMNASIUM else 'no'}")
    print(f"command: {' '.join([os.path.basename(sys.argv[0])] + (argv or sys.argv[1:]))}")
    print(f"load average: start {load_start[0]:.2f}, end {load_end[0]:.2f}; "
          f"{args.repeats} rounds of {args.seconds:g} s each, median steps/s "
          f"(vector cases: {vec_id}):")
    for name, x in med.items():
        lo, hi = min(rates[name]), max(rates[name])
        print(f"  {name:34s} {x / 1e6:8.3f} M  (min {lo / 1e6:.3f}, max {hi / 1e6:.3f})")
    single, bare = med["single env (rlsim.make)"], med["bare pybind11 function"]
    bare_raw = med["bare CPython builtin"]
    v1 = med[f"make_vec({n}) threads=1"]
    v2 = med[f"make_vec({n}) threads=2"]
    cpp = med[f"C++ VectorEnv({n}) threads=1"]
    cpp2 = med[f"C++ VectorEnv({n}) threads=2"]
    cpp_env = med["C++ env loop (Env::step + resets)"]
    ratios = {
        "bare / single (target <= 1.3)": bare / single,
        "bare builtin / single (same binding as the step)": bare_raw / single,
        "single / Gymnasium 155k (target >= 5)": single / GYMNASIUM_CARTPOLE,
        "make_vec threads=1 / C++ VectorEnv (target >= 0.5)": v1 / cpp,
        "make_vec threads=2 / threads=1 (target close to 2)": v2 / v1,
        "make_vec threads=2 / C++ VectorEnv threads=2": v2 / cpp2,
    }
    for name, x in ratios.items():
        print(f"  {name:52s} {x:6.2f}")
    ns = {
        "bare call (pybind11)": 1e9 / bare,
        "bare call (CPython builtin, as the step is bound)": 1e9 / bare_raw,
        "rlsim step": 1e9 / single,
        "C++ env's own step (with resets)": 1e9 / cpp_env,
        "rest: binding overhead beyond a bare builtin call":
            1e9 / single - 1e9 / bare_raw - 1e9 / cpp_env,
    }
    print("  per step, ns:")
    for name, x in ns.items():
        print(f"    {name:50s} {x:7.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"median_steps_per_s": med, "rates": rates, "ratios": ratios, "ns": ns,
                       "load_average": [load_start, load_end]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
