#!/usr/bin/env python3
"""The analysis scripts on run files of formats 1, 2 and 3 written by hand (run_files.py)
from one experiment: experiments/analysis/read_run.py accepts all three and prints the
same summary; plot.py loads the same runs from each and draws the same figures; plot.py's
bands are the Student-t intervals of `rlsim analyze` (regret bands clipped at 0) and its
Lai-Robbins line is capped at Δmax·t (issue 17, items 12 and 13); and read_run.py reports
each kind of format 3 damage (one mutation per file) with a message naming it, exit
status 1.

Run by ctest ("python: analysis scripts ...") with a python3 that has h5py, numpy and
matplotlib: test_analysis_scripts.py [REPO_ROOT]. Exit status 0 when every check passes.
"""
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout

import h5py
import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(HERE))
ANALYSIS = os.path.join(ROOT, "experiments", "analysis")
sys.path.insert(0, HERE)
sys.path.insert(0, ANALYSIS)
import run_files  # noqa: E402
from checks import check, report  # noqa: E402
import read_run  # noqa: E402
import plot  # noqa: E402

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


# t(0.975, df) as `rlsim analyze` computes it (Boost's students_t quantile, analyze.cpp
# ci95_half_width), printed with %.17g by a program linked to Boost.Math 1.74.
BOOST_T975 = {1: 12.706204736174694, 2: 4.3026527297494619, 3: 3.1824463052837086,
              4: 2.7764451051977934, 5: 2.5705818356363146, 6: 2.4469118511449794,
              7: 2.3646242515927849, 8: 2.3060041352041662, 9: 2.2621571627982049,
              10: 2.2281388519862744, 11: 2.2009851600916392, 12: 2.1788128296672284,
              13: 2.1603686564627922, 14: 2.1447866879178035, 15: 2.1314495455597751,
              16: 2.1199052992212541, 17: 2.1098155778333165, 18: 2.1009220402410382,
              19: 2.0930240544083092, 20: 2.0859634472658644, 21: 2.07961384472768,
              22: 2.0738730679040258, 23: 2.0686576104190482, 24: 2.0638985616280254,
              25: 2.0595385527532972, 26: 2.0555294386428726, 27: 2.051830516480285,
              28: 2.0484071417952445, 29: 2.0452296421327039, 30: 2.0422724563012378,
              31: 2.0395134463964082, 32: 2.0369333434601016, 33: 2.0345152974493383,
              34: 2.0322445093177186, 35: 2.0301079282503429, 36: 2.0280940009804507,
              37: 2.0261924630291093, 38: 2.0243941639119694, 39: 2.0226909200367609,
              40: 2.0210753903062728, 50: 2.0085591121007607, 60: 2.00029782201426,
              80: 1.9900634212544457, 100: 1.9839715185235518, 200: 1.971896223633909,
              300: 1.9679030112610867, 499: 1.9647293909876886, 500: 1.9647198374673673,
              501: 1.9647103221754829, 1000: 1.9623390808264081, 3000: 1.960755055322458,
              100000: 1.9599877075346093, 10000000: 1.9599642217672051}


def bandit_run(i, env_params, agent_id, step, pseudo):
    """A one-episode BernoulliBandit-v0 run for run_files.write_v3."""
    total = int(step[-1])
    return {"run_index": i, "env_id": "BernoulliBandit-v0", "agent_id": agent_id,
            "env_params": env_params, "agent_params": "",
            "group": f"BernoulliBandit-v0[{env_params}] / {agent_id}[]",
            "seed_index": i, "env_seed": 1000 + i, "agent_seed": 2000 + i,
            "total_steps": total, "seconds": 0.01,
            "episodes": {"return": [0.5 * total], "length": [total], "end_step": [total],
                         "terminated": [0], "truncated": [1], "success": [-1]},
            "regret": {"step": step, "pseudo_regret": pseudo, "realised_regret": pseudo},
            "eval": None, "steps": None, "diagnostics": None, "agent": None}


def bandit_file(path, env_params, rows, step):
    """A format 3 file of one agent's runs of a BernoulliBandit-v0 problem, one run per row
    of ROWS (pseudo-regret at STEP)."""
    runs = [bandit_run(i, env_params, "ucb1", step, row) for i, row in enumerate(rows)]
    attrs = {"rlsim_version": "0.2.0", "git_commit": "0123456789ab",
             "created": "2026-12-02T16:00:00Z", "command_line": "rlsim run test.toml",
             "config": 'name = "test"\n', "master_seed": 7, "planned_runs": len(runs),
             "complete": 1}
    run_files.write_v3(path, {"attrs": attrs, "runs": runs})


def plot_sidecar(tmp, path, kind, name):
    """plot.py PATH --what KIND into a fresh directory: (exit status, sidecar NAME or {})."""
    out_dir = tempfile.mkdtemp(dir=tmp)
    with redirect_stdout(io.StringIO()):
        code = plot.main([path, "--out", out_dir, "--quiet", "--what", kind])
    return code, sidecars(out_dir).get(name, {})


def drawn_regret(path):
    """plot.plot_regret on PATH's runs, as main() calls it: (sidecar dict, {legend label:
    (x, y)} of the lines drawn, [vertices of each band drawn]) from the matplotlib figure."""
    runs = plot.load_runs(path)
    fig = plot.plot_regret("test", runs, plot.label_agents(runs), {}, False)
    lines = {ln.get_label(): (np.asarray(ln.get_xdata(), float),
                              np.asarray(ln.get_ydata(), float)) for ln in fig.ax.get_lines()}
    bands = [np.concatenate([p.vertices for p in c.get_paths()])
             for c in fig.ax.collections]
    plot.plt.close(fig.fig)
    return fig.meta, lines, bands


def check_intervals(tmp, figures):
    """Item 12 of issue 17: bands are Student-t intervals with n - 1 degrees of freedom, the
    same numbers as `rlsim analyze`, in the sidecar as drawn; regret bands stop at 0."""
    t975 = getattr(plot, "t975", None)
    check(t975 is not None, "plot.t975 exists")
    if t975 is not None:
        for df, want in BOOST_T975.items():
            check(abs(t975(df) - want) <= 1e-13 * want,
                  f"t975({df}) = {t975(df)!r}, analyze (Boost) gives {want!r}")

    # 3 runs whose regret at the middle checkpoint is 0, 0, 3: mean 1, sd sqrt(3), so the
    # interval is 1 -/+ t(0.975, 2), which goes below 0 and must be clipped there.
    step = np.array([1, 2, 5, 10, 20, 50, 100], np.int64)
    rows = np.array([[0.1, 0.2, 0.5, 0.0, 1.0, 2.0, 4.0],
                     [0.1, 0.4, 0.5, 0.0, 2.0, 3.0, 5.0],
                     [0.1, 0.3, 0.9, 3.0, 4.5, 4.0, 9.0]])
    path = os.path.join(tmp, "three_runs.h5")
    bandit_file(path, "horizon=100 means=[0.9, 0.8]", rows, step)
    code, side = plot_sidecar(tmp, path, "regret", "regret_BernoulliBandit-v0.json")
    line = next((x for x in side.get("lines", []) if x["role"] == "mean"), {})
    check(code == 0 and line.get("runs") == 3, f"regret figure of 3 runs: {side}")
    mean, sd = rows.mean(axis=0), rows.std(axis=0, ddof=1)
    want = BOOST_T975[2] * sd / np.sqrt(3)
    got = np.array(line.get("ci95", [np.nan] * step.size), dtype=float)
    check(got.shape == want.shape and np.allclose(got, want, rtol=0, atol=1e-9),
          f"regret band half-width is t(0.975, 2) sd/sqrt(3): {got} vs {want}")
    check(abs((line.get("final_ci95") or np.nan) - want[-1]) <= 1e-9,
          f"final_ci95 {line.get('final_ci95')} vs {want[-1]}")
    lower = np.array(line.get("lower", [np.nan] * step.size), dtype=float)
    upper = np.array(line.get("upper", [np.nan] * step.size), dtype=float)
    check(np.array_equal(line.get("x"), step.tolist()) and
          np.allclose(line.get("mean", []), mean, rtol=0, atol=1e-12),
          f"regret sidecar carries the drawn x and mean: {line}")
    check(np.all(lower >= 0) and lower[3] == 0.0 and mean[3] - want[3] < 0,
          f"the regret band never goes below 0 (clipped at 0 where mean - half < 0): {lower}")
    check(np.allclose(lower, np.maximum(mean - want, 0), rtol=0, atol=1e-9) and
          np.allclose(upper, mean + want, rtol=0, atol=1e-9),
          f"the regret band is [max(mean - half, 0), mean + half]: {lower} {upper}")

    meta, lines, bands = drawn_regret(path)
    curve = lines.get("ucb1 (n=3)", (None, np.full(step.size, np.nan)))[1]
    check(np.allclose(curve, mean, rtol=0, atol=1e-12),
          f"the drawn regret curve is the mean: {lines}")
    check(len(bands) == 1 and bands[0][:, 1].min() >= 0 and
          np.isclose(bands[0][:, 1].max(), (mean + want).max(), rtol=0, atol=1e-9),
          f"the drawn band spans [max(mean - half, 0), mean + half]: {bands}")

    # A quantity that may be negative (evaluation return) keeps the whole interval.
    side = figures["eval_FrozenLake-v1.json"]
    exp_runs = [r for r in experiment()["runs"] if r["agent_id"] == "q-learning"]
    per_run = np.array([[r["eval"]["return"][r["eval"]["step"] == s].mean()
                         for s in (100, 200, 300, 400)] for r in exp_runs])
    line = next((x for x in side["lines"] if x["label"].startswith("q-learning")), {})
    want = BOOST_T975[2] * per_run.std(axis=0, ddof=1) / np.sqrt(3)
    got = np.array(line.get("ci95", [np.nan] * 4), dtype=float)
    check(np.allclose(got, want, rtol=0, atol=1e-9),
          f"eval band half-width is t(0.975, 2) sd/sqrt(3): {got} vs {want}")
    check(np.allclose(line.get("lower", [np.nan] * 4), per_run.mean(axis=0) - want,
                      rtol=0, atol=1e-9), "the eval band is not clipped")


def check_bound_cap(tmp):
    """Item 13 of issue 17: the Lai-Robbins line is min(C ln t, Δmax t), never above the
    largest possible regret Δmax t, and the y axis fits the curves, not the bound."""
    means = [0.5] + [0.48] * 99  # Chapelle & Li (2011): K = 100, ε = 0.02, C ≈ 2,475
    env_params = "horizon=20000 means=[" + ", ".join(f"{m:g}" for m in means) + "]"
    step = np.unique(np.geomspace(1, 20000, 60).astype(np.int64))
    rows = np.array([0.01 * k * np.minimum(step, 40 * np.log(step + 1)) for k in (1, 2, 3)])
    path = os.path.join(tmp, "k100.h5")
    bandit_file(path, env_params, rows, step)
    code, side = plot_sidecar(tmp, path, "regret", "regret_BernoulliBandit-v0.json")
    bound = next((x for x in side.get("lines", []) if x["role"] == "lower_bound"), {})
    check(code == 0 and bound, f"K = 100: a Lai-Robbins line is drawn: {side}")
    c = plot.lai_robbins_constant(means)
    x = np.array(bound.get("x", []), dtype=float)
    y = np.array(bound.get("y", []), dtype=float)
    check(x.size == step.size and y.size == x.size,
          f"the sidecar carries the bound as drawn: {bound}")
    check(y.size and np.all(y <= 0.02 * x * (1 + 1e-12)),
          f"the bound never exceeds Δmax t = 0.02 t: {y[:5]} at {x[:5]}")
    check(y.size == x.size and np.allclose(y, np.minimum(c * np.log(x), 0.02 * x), rtol=1e-12),
          "the bound is min(C ln t, Δmax t)")
    top = max(max(v) for ln in side.get("lines", []) if ln["role"] == "mean"
              for v in (ln.get("upper", [0]), ln.get("mean", [0])))
    limits = side.get("y_limits", [0, np.inf])
    check(limits[0] == 0 and top < limits[1] <= 1.06 * top,
          f"the y axis fits the curves and band (top {top}), not the bound: {limits}")
    meta, lines, _ = drawn_regret(path)
    drawn = [xy for label, xy in lines.items() if label.startswith("Lai-Robbins")]
    check(len(drawn) == 1 and np.all(drawn[0][1] <= 0.02 * drawn[0][0] * (1 + 1e-12)),
          f"the drawn bound never exceeds Δmax t: {drawn}")
    check(len(drawn) == 1 and np.array_equal(drawn[0][1], y),
          "the sidecar carries the bound's numbers as drawn")
    check(bound.get("above_axis") is True and abs(bound.get("max_gap", 0) - 0.02) < 1e-12,
          f"the sidecar says the bound leaves the axis, Δmax = 0.02: {bound}")


def check_bandit_kinds(tmp):
    """Issue 19, part 4: R(t)/ln t with the Lai-Robbins constant, the histogram of the runs'
    final regret and the fraction of pulls of the best arm, checked against numbers computed
    here from the rows written."""
    means = [0.9, 0.8, 0.5]
    step = np.array([1, 2, 5, 10, 50, 100], np.int64)
    rows = np.array([[0.1, 0.2, 0.6, 1.0, 3.0, 4.0],
                     [0.1, 0.3, 0.5, 2.0, 4.0, 6.0],
                     [0.4, 0.5, 0.9, 3.0, 9.0, 20.0]])
    path = os.path.join(tmp, "bandit_kinds.h5")
    bandit_file(path, f"horizon=100 means=[{', '.join(map(str, means))}]", rows, step)
    code, side = plot_sidecar(tmp, path, "regret_ratio", "regret_ratio_BernoulliBandit-v0.json")
    line = next((x for x in side.get("lines", []) if x["role"] == "mean"), {})
    keep = step >= 3  # ln t > 1
    want = (rows[:, keep] / np.log(step[keep])).mean(axis=0)
    check(code == 0 and np.array_equal(line.get("x"), step[keep].tolist()) and
          np.allclose(line.get("mean", []), want, rtol=0, atol=1e-12),
          f"regret_ratio draws mean R(t)/ln t from t = 3: {line} vs {want}")
    const = next((x for x in side.get("lines", []) if x["role"] == "lower_bound"), {})
    kl = lambda p, q: p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))  # noqa: E731
    best = max(means)
    c = sum((best - m) / kl(m, best) for m in means if m < best)
    check(abs(const.get("constant", 0) - c) < 1e-12,
          f"the Lai-Robbins constant is sum Δa/kl(μa, μ*) = {c}: {const}")
    code, side = plot_sidecar(tmp, path, "final_regret", "final_regret_BernoulliBandit-v0.json")
    hist = next((x for x in side.get("lines", []) if x["role"] == "histogram"), {})
    check(code == 0 and hist.get("per_run") == rows[:, -1].tolist() and
          abs(hist.get("mean", 0) - 10.0) < 1e-12 and hist.get("median") == 6.0 and
          hist.get("max") == 20.0,
          f"final_regret histograms each run's R(T) (4, 6, 20: mean 10, median 6): {hist}")
    # best_arm: N*(t)/t, mean over the runs, from their optimal_pulls; a file without the
    # column (written before it existed) has nothing to draw.
    optimal = np.array([[0, 1, 3, 6, 40, 90], [1, 2, 4, 8, 45, 95], [0, 0, 1, 2, 10, 20]])
    path_n = os.path.join(tmp, "bandit_best_arm.h5")
    runs = [bandit_run(i, f"horizon=100 means=[{', '.join(map(str, means))}]", "ucb1", step,
                       rows[i]) for i in range(3)]
    for r, n in zip(runs, optimal):
        r["regret"]["optimal_pulls"] = n
    run_files.write_v3(path_n, {"attrs": {"rlsim_version": "0.2.0", "git_commit": "0123456789ab",
                                          "created": "2026-12-02T16:00:00Z",
                                          "command_line": "rlsim run test.toml",
                                          "config": 'name = "test"\n', "master_seed": 7,
                                          "planned_runs": 3, "complete": 1}, "runs": runs})
    code, side = plot_sidecar(tmp, path_n, "best_arm", "best_arm_BernoulliBandit-v0.json")
    line = next((x for x in side.get("lines", []) if x["role"] == "mean"), {})
    want = (optimal / step).mean(axis=0)
    check(code == 0 and np.array_equal(line.get("x"), step.tolist()) and
          np.allclose(line.get("mean", []), want, rtol=0, atol=1e-12) and
          abs(line.get("final_mean", 0) - want[-1]) < 1e-12,
          f"best_arm draws mean N*(t)/t: {line} vs {want}")
    uniform = next((x for x in side.get("lines", []) if x["role"] == "reference"), {})
    check(abs(uniform.get("value", 0) - 1 / 3) < 1e-12, f"uniform play is 1/K = 1/3: {uniform}")
    with redirect_stderr(io.StringIO()) as err:
        code, side = plot_sidecar(tmp, path, "best_arm", "best_arm_BernoulliBandit-v0.json")
    check(code == 1 and not side and "no count of best-arm pulls" in err.getvalue(),
          f"best_arm on a file without optimal_pulls draws nothing and says why: {code} "
          f"{err.getvalue()!r}")
    try:
        with redirect_stderr(io.StringIO()):
            code, _ = plot_sidecar(tmp, path, "regret,final_regret_x", "")
    except SystemExit as e:
        code = e.code
    check(code == 2, f"an unknown kind is a usage error (exit 2): {code}")


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
        ("a run_index at or above planned_runs (a flipped byte)",
         lambda f: f.attrs.modify("planned_runs", np.int64(11)),
         "'run_index' has values at or above planned_runs = 11 (runs are 0 to 10): [11]"),
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
        check_intervals(tmp, figures[3])
        check_bound_cap(tmp)
        check_bandit_kinds(tmp)

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
    return report("")


if __name__ == "__main__":
    sys.exit(main())
