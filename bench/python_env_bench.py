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
2. Vector env: make_vec(ID, 64) for each --vector-env ID (default CartPole-v1) stepped from
   Python with threads=1 and 2 (the default schedule: the auto rule, which steps serially
   when the pool does not pay, docs/python.md) and threads=2 forced parallel
   (VectorEnv._core.schedule = "parallel"), against a pure C++ VectorEnv loop of the same N
   in this process (rlsim._rlsim.bench_cpp_vector_env_rate, next-step auto-reset like
   make_vec). Targets: at least 50% of the C++ single-thread rate, close to 2x with
   threads=2. The C++ VectorEnv is timed with 2 threads too (the same pool and auto rule,
   run/worker_pool.hpp and run/step_schedule.hpp, which make_vec wraps). --baseline
   PYTHONPATH times the make_vec
   cases of another build too (e.g. main's, before a change), in a child process per round.
3. The C++ env's own cost per step (rlsim._rlsim.bench_cpp_env_rate: Env::step and resets
   in a C++ loop), to split the single env's time into the bare call, the env's own work
   and what remains (the binding's overhead beyond a bare call).
4. The hand-off floor: the round trip of one cache line between two threads spinning on
   it (rlsim._rlsim.bench_ping_pong_ns; its fastest and median batch of 64 trips, and the
   mean, which counts the batches where one thread was preempted), and make_vec's pool run
   back to back with 0 and 1,700 ns of work per call (about 64 CartPoles) on 1 and 2
   threads (bench_pool_run_ns): what handing a step to a second core and back costs here.
   On a busy machine (or in a session that the kernel's autogroup gives one core's share)
   the two threads seldom run at once, and these figures measure the scheduler.

Each figure is the median of --repeats timed rounds of --seconds each, the measurements
interleaved (round r of every case before round r + 1) so that load changes hit all alike.
The load average is printed at the start and the end: numbers from a busy machine are not
worth recording.

Usage: PYTHONPATH=build/release/python python3 bench/python_env_bench.py [--repeats 7]
       [--seconds 1.0] [--num-envs 64] [--vector-env ID ...] [--baseline PYTHONPATH]
       [--json FILE]
"""
import argparse
import json
import os
import statistics
import subprocess
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


def vector_rate(env_id, num_envs, threads, ring, seconds, schedule=None, stats=None):
    v = rlsim.make_vec(env_id, num_envs, threads=threads)
    if schedule is not None:
        v._core.schedule = schedule
    v.reset(seed=0)
    step = v.step
    rate = time_loop(step, ring, seconds) * num_envs
    if stats is not None:
        stats.append(v._core.schedule_stats)
    v.close()
    return rate


def vector_cases(env_ids, n, rings, seconds, prefix="", auto_stats=None):
    """The make_vec cases of every env: threads=1 and 2 (the module's default schedule), and,
    where the module has the auto rule (_core.schedule), threads=2 forced parallel."""
    has_schedule = hasattr(rlsim.make_vec("CartPole-v1", 1)._core, "schedule")
    cases = {}
    for env_id in env_ids:
        ring = rings[env_id]
        for t in (1, 2):
            stats = auto_stats.setdefault(env_id, []) if auto_stats is not None and t == 2 else None
            cases[f"{prefix}{env_id} make_vec({n}) threads={t}"] = (
                lambda env_id=env_id, t=t, ring=ring, stats=stats:
                vector_rate(env_id, n, t, ring, seconds, stats=stats))
        if has_schedule:
            cases[f"{prefix}{env_id} make_vec({n}) threads=2 parallel"] = (
                lambda env_id=env_id, ring=ring:
                vector_rate(env_id, n, 2, ring, seconds, schedule="parallel"))
    return cases


def rings_for(env_ids, n):
    rng = np.random.default_rng(2024)
    return {env_id: [rng.integers(rlsim.make(env_id).action_space.n, size=n) for _ in range(256)]
            for env_id in env_ids}


def child_main(args):
    """--child: one round of the make_vec cases with whatever rlsim is on PYTHONPATH (the
    --baseline build), as JSON on stdout."""
    rings = rings_for(args.vector_env, args.num_envs)
    cases = vector_cases(args.vector_env, args.num_envs, rings, args.seconds)
    json.dump({name: fn() for name, fn in cases.items()}, sys.stdout)
    return 0


def baseline_round(args):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--seconds", str(args.seconds),
           "--num-envs", str(args.num_envs), "--vector-env", *args.vector_env]
    env = dict(os.environ, PYTHONPATH=args.baseline)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return {f"before: {name}": x for name, x in json.loads(out).items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--vector-env", nargs="+", default=["CartPole-v1"],
                   help="the envs of the vector cases (Discrete-action ids); a heavier one, "
                        "e.g. LunarLander-v3, shows the thread scaling once stepping outweighs "
                        "the per-step hand-off between threads")
    p.add_argument("--baseline", metavar="PYTHONPATH",
                   help="also time the make_vec cases with the rlsim package found on this "
                        "PYTHONPATH (e.g. a copy of main's build/release/python), in a child "
                        "process each round, interleaved with the others")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child_main(args)

    rng = np.random.default_rng(2024)
    # Python ints, as env.action_space.sample() callers and SB3 pass scalars.
    actions = [int(a) for a in rng.integers(2, size=4096)]
    env_ids, n = args.vector_env, args.num_envs
    vec_id = env_ids[0]
    rings = rings_for(env_ids, n)
    auto_stats = {}
    cases = {
        "single env (rlsim.make)": lambda: single_env_rate(actions, args.seconds),
        "bare pybind11 function": lambda: bare_rate(actions, args.seconds),
        "bare CPython builtin": lambda: bare_rate(actions, args.seconds,
                                                  _rlsim.bench_bare_step_raw),
        **vector_cases(env_ids, n, rings, args.seconds, auto_stats=auto_stats),
    }
    for env_id in env_ids:
        for t in (1, 2):
            cases[f"{env_id} C++ VectorEnv({n}) threads={t}"] = (
                lambda env_id=env_id, t=t:
                _rlsim.bench_cpp_vector_env_rate(env_id, n, t, args.seconds))
    cases["C++ env loop (Env::step + resets)"] = lambda: _rlsim.bench_cpp_env_rate(
        "CartPole-v1", args.seconds)
    # The hand-off floor and the pool's own cost, in ns (not rates).
    # (bench_ping_pong_ns gives the first three, bench_pool_run_ns the others.)
    pool_cases = {f"pool run, {w} ns of work, threads={t}": (t, w)
                  for w in (0, 1700) for t in (1, 2)}
    floors = ["ping-pong round trip, fastest batch", "ping-pong round trip, median batch",
              "ping-pong round trip, mean", *pool_cases, "pool run, 1700 ns, worker share"]
    load_start = os.getloadavg()
    rates = {name: [] for name in cases}
    ns = {name: [] for name in floors}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            rates[name].append(fn())
        if args.baseline:
            for name, x in baseline_round(args).items():
                rates.setdefault(name, []).append(x)
        pp = _rlsim.bench_ping_pong_ns(args.seconds)
        ns["ping-pong round trip, fastest batch"].append(pp["min_ns"])
        ns["ping-pong round trip, median batch"].append(pp["median_ns"])
        ns["ping-pong round trip, mean"].append(pp["mean_ns"])
        for name, (t, w) in pool_cases.items():
            r = _rlsim.bench_pool_run_ns(t, w, args.seconds)
            ns[name].append(r["ns"])
            if t == 2 and w > 0:
                ns["pool run, 1700 ns, worker share"].append(r["worker_share"])
    load_end = os.getloadavg()
    med = {name: statistics.median(xs) for name, xs in rates.items()}
    med_ns = {name: statistics.median(xs) for name, xs in ns.items()}

    print(f"rlsim {rlsim.__version__} ({_rlsim.git_commit}), Python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, gymnasium {'yes' if rlsim.HAVE_GYMNASIUM else 'no'}")
    print(f"command: {' '.join([os.path.basename(sys.argv[0])] + (argv or sys.argv[1:]))}")
    print(f"load average: start {load_start[0]:.2f}, end {load_end[0]:.2f}; "
          f"{args.repeats} rounds of {args.seconds:g} s each, median steps/s:")
    for name, x in med.items():
        lo, hi = min(rates[name]), max(rates[name])
        print(f"  {name:52s} {x / 1e6:8.3f} M  (min {lo / 1e6:.3f}, max {hi / 1e6:.3f})")
    print("  hand-off, ns (the worker share: blocks 1.. run by the worker), median of rounds:")
    for name, x in med_ns.items():
        print(f"    {name:50s} {x:9.1f}  (min {min(ns[name]):.1f}, max {max(ns[name]):.1f})")
    single, bare = med["single env (rlsim.make)"], med["bare pybind11 function"]
    bare_raw = med["bare CPython builtin"]
    v1 = med[f"{vec_id} make_vec({n}) threads=1"]
    v2 = med[f"{vec_id} make_vec({n}) threads=2"]
    cpp = med[f"{vec_id} C++ VectorEnv({n}) threads=1"]
    cpp2 = med[f"{vec_id} C++ VectorEnv({n}) threads=2"]
    cpp_env = med["C++ env loop (Env::step + resets)"]
    ratios = {
        "bare / single (target <= 1.3)": bare / single,
        "bare builtin / single (same binding as the step)": bare_raw / single,
        "single / Gymnasium 155k (target >= 5)": single / GYMNASIUM_CARTPOLE,
        f"{vec_id} make_vec threads=1 / C++ VectorEnv (target >= 0.5)": v1 / cpp,
        f"{vec_id} make_vec threads=2 / C++ VectorEnv threads=2": v2 / cpp2,
    }
    for env_id in env_ids:
        t1 = med[f"{env_id} make_vec({n}) threads=1"]
        ratios[f"{env_id} make_vec threads=2 / threads=1 (target close to 2)"] = (
            med[f"{env_id} make_vec({n}) threads=2"] / t1)
        par = med.get(f"{env_id} make_vec({n}) threads=2 parallel")
        if par is not None:
            ratios[f"{env_id} make_vec threads=2 forced parallel / threads=1"] = par / t1
        ratios[f"{env_id} C++ VectorEnv threads=2 / threads=1"] = (
            med[f"{env_id} C++ VectorEnv({n}) threads=2"]
            / med[f"{env_id} C++ VectorEnv({n}) threads=1"])
        b1 = med.get(f"before: {env_id} make_vec({n}) threads=1")
        if b1 is not None:
            b2 = med[f"before: {env_id} make_vec({n}) threads=2"]
            ratios[f"before: {env_id} make_vec threads=2 / threads=1"] = b2 / b1
            ratios[f"{env_id} make_vec threads=1, now / before"] = t1 / b1
            ratios[f"{env_id} make_vec threads=2, now / before"] = (
                med[f"{env_id} make_vec({n}) threads=2"] / b2)
    for name, x in ratios.items():
        print(f"  {name:64s} {x:6.2f}")
    for env_id, stats in auto_stats.items():
        chose = sum(s["parallel"] for s in stats)
        last = stats[-1]
        print(f"  {env_id} threads=2 auto rule: parallel in {chose} of {len(stats)} rounds; "
              f"last probe's medians serial {last['serial_ns'] / 1e3:.2f} us, "
              f"parallel {last['parallel_ns'] / 1e3:.2f} us per vector step")
    per_step = {
        "bare call (pybind11)": 1e9 / bare,
        "bare call (CPython builtin, as the step is bound)": 1e9 / bare_raw,
        "rlsim step": 1e9 / single,
        "C++ env's own step (with resets)": 1e9 / cpp_env,
        "rest: binding overhead beyond a bare builtin call":
            1e9 / single - 1e9 / bare_raw - 1e9 / cpp_env,
    }
    for env_id in env_ids:
        per_step[f"{env_id} make_vec({n}) threads=1, per vector step"] = (
            1e9 * n / med[f"{env_id} make_vec({n}) threads=1"])
        per_step[f"{env_id} C++ VectorEnv({n}) threads=1, per vector step"] = (
            1e9 * n / med[f"{env_id} C++ VectorEnv({n}) threads=1"])
    print("  per step, ns:")
    for name, x in per_step.items():
        print(f"    {name:62s} {x:9.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"median_steps_per_s": med, "rates": rates, "ratios": ratios,
                       "ns": per_step, "hand_off_ns": ns, "auto_stats": auto_stats,
                       "load_average": [load_start, load_end]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
