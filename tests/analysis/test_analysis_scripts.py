#!/usr/bin/env python3
"""The analysis scripts on run files of formats 1, 2 and 3 written by hand (run_files.py)
from one experiment: experiments/analysis/read_run.py accepts all three and prints the
same summary; plot.py loads the same runs from each and draws the same figures; and
read_run.py reports each kind of format 3 damage (one mutation per file) with a message
naming it, exit status 1.

Run by ctest ("python: analysis scripts ...") with a python3 that has h5py, numpy and
matplotlib: test_analysis_scripts.py [REPO_ROOT]. Exit status 0 when every check passes.
"""
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout

import h5py
import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(HERE))
ANALYSIS = os.path.join(ROOT, "experiments", "analysis")
sys.path.insert(0, HERE)
sys.path.insert(0, ANALYSIS)
import run_files  # noqa: E402
import read_run  # noqa: E402
import plot  # noqa: E402

FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print(f"FAILED: {what}", file=sys.stderr)


def episodes_of(rng, total_steps, n):
    lengths = rng.integers(1, 13, n)  # 30 episodes: at most 360 < 400 steps
    if n:
        lengths[-1] += total_steps - int(lengths.sum())  # end exactly at total_steps
    end = np.cumsum(lengths)
    return {"return": rng.normal(size=n).round(3), "length": lengths, "end_step": end,
            "terminated": (rng.random(n) < 0.7).astype(np.uint8),
            "truncated": np.zeros(n, np.uint8), "success": rng.integers(-1, 2, n)}


def steps_of(rng, episodes):
    """A discrete-space step log consistent with EPISODES (rewards add up to returns)."""
    lengths = episodes["length"]
    episode = np.repeat(np.arange(lengths.size), lengths)
    t = np.concatenate([np.arange(n) for n in lengths])
    reward = np.zeros(episode.size)
    last = np.cumsum(lengths) - 1
    reward[last] = episodes["return"]  # the whole return on the last step: exact sums
    term = np.zeros(episode.size, np.uint8)
    term[last] = episodes["terminated"]
    T = episode.size
    cols = {"env": np.zeros(T, np.int32), "episode": episode, "t": t,
            "obs_index": rng.integers(0, 16, T), "action_index": rng.integers(0, 4, T),
            "reward": reward, "terminated": term, "truncated": np.zeros(T, np.uint8),
            "probability": np.full(T, 0.25), "log_prob": np.full(T, np.log(0.25))}
    return {"obs_discrete": 1, "action_discrete": 1, "obs_dim": 1, "action_dim": 1}, cols


def experiment():
    """12 runs: 2 bandit agents x 3 seeds (regret, one episode each) and 2 FrozenLake
    agents x 3 seeds (episodes, eval; run 6 also logs steps, diagnostics and its agent;
    run 11 finished no episode)."""
    rng = np.random.default_rng(5)
    runs = []
    for i in range(12):
        bandit = i < 6
        env_id = "BernoulliBandit-v0" if bandit else "FrozenLake-v1"
        env_params = "horizon=300 means=[0.9, 0.8, 0.7]" if bandit else 'map_name="4x4"'
        agent_id = ("ucb1" if i < 3 else "thompson") if bandit else \
            ("q-learning" if i < 9 else "random")
        agent_params = "alpha=0.1" if agent_id == "q-learning" else ""
        total = 300 if bandit else 400
        run = {"run_index": i, "env_id": env_id, "agent_id": agent_id,
               "env_params": env_params, "agent_params": agent_params,
               "group": f"{env_id}[{env_params}] / {agent_id}[{agent_params}]",
               "seed_index": i % 3, "env_seed": 1000 + i % 3, "agent_seed": 2000 + i,
               "total_steps": total, "seconds": 0.01 * i, "regret": None, "eval": None,
               "steps": None, "diagnostics": None, "agent": None}
        if bandit:
            run["episodes"] = episodes_of(rng, total, 1)
            step = np.unique(np.geomspace(1, total, 30).astype(np.int64))
            pseudo = np.sqrt(step) * (1 + 0.1 * i)
            run["regret"] = {"step": step, "pseudo_regret": pseudo,
                             "realised_regret": pseudo + rng.normal(size=step.size)}
        else:
            run["episodes"] = episodes_of(rng, total, 0 if i == 11 else 30)
            step = np.repeat(np.arange(100, total + 1, 100), 5)
            run["eval"] = {"step": step, "return": rng.random(step.size),
                           "length": rng.integers(1, 50, step.size)}
        if i == 6:
            run["steps"] = steps_of(rng, run["episodes"])
            run["diagnostics"] = (["loss", "epsilon"], {"step": np.arange(0, 400, 50),
                                                        "loss": rng.random(8),
                                                        "epsilon": np.linspace(1, 0.1, 8)})
            run["agent"] = {"q": rng.random((16, 4)), "counters": np.arange(3.0)}
        runs.append(run)
    # Written as threads finish: not in index order, groups numbered by first run written.
    order = [1, 0, 2, 7, 6, 3, 4, 5, 8, 10, 9, 11]
    attrs = {"rlsim_version": "0.2.0", "git_commit": "0123456789ab",
             "created": "2026-12-02T16:00:00Z", "command_line": "rlsim run test.toml",
             "config": 'name = "test"\n', "master_seed": 7, "planned_runs": 12, "complete": 1}
    return {"attrs": attrs, "runs": [runs[i] for i in order]}


def run_checker(path):
    """(exit status, stdout, stderr) of read_run.py PATH, as a subprocess."""
    p = subprocess.run([sys.executable, os.path.join(ANALYSIS, "read_run.py"), path],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def same_runs(a, b, what):
    check([r.run_index for r in a] == [r.run_index for r in b], f"{what}: run indices")
    for ra, rb in zip(a, b):
        for attr in ("name", "env_key", "agent_key", "group", "total_steps", "env_seed"):
            check(getattr(ra, attr) == getattr(rb, attr), f"{what}: run {ra.name} {attr}")
        for attr in ("returns", "lengths", "end_steps", "regret_step", "pseudo_regret",
                     "eval_step", "eval_return"):
            x, y = getattr(ra, attr), getattr(rb, attr)
            check((x is None) == (y is None) and (x is None or np.array_equal(x, y)),
                  f"{what}: run {ra.name} {attr}")


def sidecars(directory):
    return {n: json.load(open(os.path.join(directory, n))) for n in sorted(os.listdir(directory))
            if n.endswith(".json")}


# Format 3 damage: (description, mutation of an h5py.File, text the report must contain).
def replace(f, path, data):
    compressed = f[path].compression is not None  # a steps column
    del f[path]
    f.create_dataset(path, data=data, chunks=True, maxshape=(None,) + np.shape(data)[1:],
                     **(dict(compression="gzip", shuffle=True) if compressed else {}))


def mutations():
    def col(f, path):
        return f[path][:]

    return [
        ("a run value not in run_table",
         lambda f: replace(f, "episodes/run", np.where(col(f, "episodes/run") == 7, 99,
                                                       col(f, "episodes/run"))),
         "row 3 belongs to run 99, which run_table/run_index does not list, before rows"),
        ("a run's rows split in two",
         lambda f: [replace(f, f"episodes/{c}", np.roll(col(f, f"episodes/{c}"), 3))
                    for c in f["episodes"]],
         "are not contiguous"),
        ("runs in another order than run_table",
         lambda f: replace(f, "run_table/run_index",
                           col(f, "run_table/run_index")[[1, 0] + list(range(2, 12))]),
         "not in run_table order"),
        ("a repeated run_index",
         lambda f: replace(f, "run_table/run_index", np.where(col(f, "run_table/run_index") == 11,
                                                              10, col(f, "run_table/run_index"))),
         "'run_index' repeats runs [10]"),
        ("a group value without a /groups member",
         lambda f: replace(f, "run_table/group", np.where(col(f, "run_table/group") == 3, 9,
                                                          col(f, "run_table/group"))),
         "without a /groups member: [9]"),
        ("two groups with the same text",
         lambda f: f["groups/000001"].attrs.create("group", f["groups/000000"].attrs["group"]),
         "have the same text"),
        ("a /runs member of no run (a kill during a flush): ignored",
         lambda f: f.copy(f["runs/000006"], "runs/000042"),
         "note:        /runs/000042: a run run_table does not list"),
        ("rows of unlisted runs at the end of a table (a kill during a flush): ignored",
         lambda f: [replace(f, f"eval/{c}", np.append(col(f, f"eval/{c}"), [42, 42] if c == "run"
                                                      else col(f, f"eval/{c}")[-2:]))
                    for c in f["eval"]],
         "note:        /eval: 2 rows at the end belong to runs run_table does not list ([42]"),
        ("attributes on a /runs member",
         lambda f: f["runs/000006"].attrs.create("complete", np.int32(1)),
         "has attributes (complete)"),
        ("an empty /runs member",
         lambda f: f["runs"].create_group("000005"),
         "/runs/000005: is empty"),
        ("columns of different lengths",
         lambda f: replace(f, "regret/step", col(f, "regret/step")[:-1]),
         "/regret: columns have different lengths"),
        ("a column of the wrong type",
         lambda f: replace(f, "eval/step", col(f, "eval/step").astype(np.int32)),
         "/eval: dataset 'step' is int32, expected int64"),
        ("a missing table",
         lambda f: f.__delitem__("eval"),
         "/: group 'eval' is missing"),
        ("a missing column",
         lambda f: f.__delitem__("run_table/seconds"),
         "/run_table: dataset 'seconds' is missing"),
        ("regret steps going back within a run",
         lambda f: replace(f, "regret/step", col(f, "regret/step")[::-1]),
         "'step' is not strictly increasing within a run"),
        ("an episode ending after the run's last step",
         lambda f: replace(f, "episodes/end_step", col(f, "episodes/end_step") + 1000),
         "'end_step' exceeds the run's total_steps"),
        ("steps whose rewards do not add up to their episode's return: a note, ignored",
         lambda f: replace(f, "runs/000006/steps/reward",
                           col(f, "runs/000006/steps/reward") + 1.0),
         "note:        /runs/000006/steps: the rewards of episodes [0, 1, 2, 3, 4] do not add up"),
        ("a run group attribute of format 2 left on a group",
         lambda f: f["groups/000000"].create_group("episodes"),
         "/groups/000000: unexpected member 'episodes'"),
    ]


def main():
    tmp = tempfile.mkdtemp(prefix="rlsim_analysis_")
    try:
        exp = experiment()
        paths = {v: os.path.join(tmp, f"v{v}.h5") for v in (1, 2, 3)}
        run_files.write_old(paths[1], exp, version=1)
        run_files.write_old(paths[2], exp, version=2)
        run_files.write_v3(paths[3], exp)

        # read_run.py: every format valid, the same summary.
        summaries = {}
        for v, path in paths.items():
            code, out, err = run_checker(path)
            check(code == 0, f"read_run.py accepts format {v}: {err}")
            check(f"format {v}" in out, f"read_run.py names format {v}")
            check("12 complete of 12 present" in out, f"read_run.py format {v}: runs line\n{out}")
            summaries[v] = [line for line in out.splitlines() if line.startswith("  ")]
        check(len(summaries[3]) == 4, f"4 groups in the summary: {summaries[3]}")
        check(summaries[1] == summaries[2] == summaries[3],
              f"the same summary in every format: {summaries}")
        q = [line for line in summaries[3] if "q-learning" in line]
        means = [np.mean(r["episodes"]["return"]) for r in exp["runs"]
                 if r["agent_id"] == "q-learning"]
        check(len(q) == 1 and f"3 runs, 90 episodes, mean return {np.mean(means):.6g}" in q[0],
              f"q-learning summary: {q}")
        rnd = [line for line in summaries[3] if "random" in line]
        means = [np.mean(r["episodes"]["return"]) for r in exp["runs"]
                 if r["agent_id"] == "random" and r["episodes"]["return"].size]
        check(len(rnd) == 1 and f"3 runs, 60 episodes, mean return {np.mean(means):.6g}" in rnd[0],
              f"random summary (run 11 has no episode and does not count): {rnd}")

        # The documented example functions on format 3.
        by_run = read_run.returns_by_run(paths[3])
        check(sorted(by_run) == list(range(11)), f"returns_by_run runs: {sorted(by_run)}")
        for r in exp["runs"]:
            if r["run_index"] in by_run:
                check(np.array_equal(by_run[r["run_index"]], r["episodes"]["return"]),
                      f"returns_by_run run {r['run_index']}")
        steps = read_run.run_steps(paths[3], 6)
        run6 = next(r for r in exp["runs"] if r["run_index"] == 6)
        check(np.array_equal(steps["episode_return"],
                             np.repeat(run6["episodes"]["return"], run6["episodes"]["length"])),
              "run_steps: each step's episode return")
        check(bool(steps["obs_discrete"]) and steps["obs_index"].shape == (400,),
              "run_steps: columns")

        # plot.py: the same runs from every format, the same figures from formats 2 and 3.
        loaded = {v: plot.load_runs(path) for v, path in paths.items()}
        same_runs(loaded[2], loaded[1], "load_runs format 1 vs 2")
        same_runs(loaded[2], loaded[3], "load_runs format 3 vs 2")
        figures = {}
        for v in (2, 3):
            out_dir = os.path.join(tmp, f"plots{v}")
            with redirect_stdout(io.StringIO()):
                code = plot.main([paths[v], "--out", out_dir, "--quiet"])
            check(code == 0, f"plot.py on format {v}")
            figures[v] = sidecars(out_dir)
        check(sorted(figures[3]) == ["eval_FrozenLake-v1.json", "lengths_FrozenLake-v1.json",
                                     "regret_BernoulliBandit-v0.json",
                                     "returns_FrozenLake-v1.json"],
              f"figures drawn: {sorted(figures[3])}")
        check(figures[2] == figures[3], "plot.py draws the same figures from formats 2 and 3")

        # Format 3 damage, one kind per file.
        for what, mutate, message in mutations():
            path = os.path.join(tmp, "bad.h5")
            shutil.copy(paths[3], path)
            with h5py.File(path, "r+") as f:
                mutate(f)
            code, out, err = run_checker(path)
            ignored = what.endswith("ignored")
            check(code == (0 if ignored else 1) and message in (out if ignored else err),
                  f"read_run.py reports {what} (want exit {0 if ignored else 1} and "
                  f"{message!r}):\n{out}{err}")
            if ignored:  # the summary leaves the unlisted rows out
                check([line for line in out.splitlines() if line.startswith("  ")] ==
                      summaries[3], f"{what}: the same summary")
                same_runs(plot.load_runs(path), loaded[3], f"load_runs with {what}")

        # The format 2 fixture written by rlsim's own writer (e1e6c85 era).
        fixture = os.path.join(ROOT, "tests", "data", "format2.h5")
        code, out, err = run_checker(fixture)
        check(code == 0 and "format 2" in out and "4 complete of 5 present" in out,
              f"read_run.py accepts tests/data/format2.h5:\n{out}{err}")
        runs = plot.load_runs(fixture)
        check([r.name for r in runs] == ["000000", "000001", "000002", "000003"] and
              runs[0].returns.size == 40 and runs[0].regret_step.size == 25 and
              runs[2].eval_step.size == 8 and runs[3].returns.size == 0,
              "load_runs reads tests/data/format2.h5")
    finally:
        shutil.rmtree(tmp)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
