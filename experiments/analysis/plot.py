#!/usr/bin/env python3
"""Plot an rlsim run file (HDF5, docs/log-format.md): regret curves, learning curves and
episode-length histograms, one PNG per env and figure kind, each with a JSON sidecar that
lists what was drawn.

Usage:  plot.py RUN_FILE --out DIR [--log-x]
                [--what regret,returns,lengths,eval,diagnostics,regret_ratio,final_regret,
                        best_arm]
                [--arm-means ARM_MEANS.json] [--quiet]

`rlsim plot` runs this script (it finds a suitable python3 and passes --arm-means); it can
also be run directly with Debian's /usr/bin/python3 (python3-h5py, python3-numpy,
python3-matplotlib). It reads files of format 1, 2 and 3; in format 1 and 2 files only runs
whose `complete` attribute is 1 are used (a format 3 file holds only complete runs).

Figures (an env is an env id with its parameters; a line is a group of runs that differ
only in their seed, labelled by the agent id and the agent parameters that vary):
  regret   cumulative pseudo-regret against pulls, mean over seeds and a 95% confidence band
           of that mean, clipped at 0 (regret is never negative), for envs with a regret
           oracle. For BernoulliBandit-v0 the Lai & Robbins (1985) asymptotic lower bound
           C ln t is drawn, C = sum over arms with gap Δa > 0 of Δa / kl(μa, μ*), kl the
           Bernoulli Kullback-Leibler divergence, capped at the largest possible regret
           Δmax t (Δmax = best mean - worst mean): min(C ln t, Δmax t). For instances drawn
           per run the bound is the average of the runs' own capped curves. Arm means come
           from --arm-means (a JSON object {"arm_means": {"000042": [μ0, μ1, ...], ...}},
           keyed by run group name), else from the run's `env_params` attribute when the
           means are fixed ("means=[...]"). The y axis fits the curves and bands, not the
           bound (which may leave it; the legend and the sidecar's "above_axis" say so).
  returns  episode return against env steps: each run's returns are averaged in 100 bins of
           the step axis (a bin without an episode end keeps the previous value), then mean
           and 95% band over seeds. Drawn when the runs have at least 2 episodes.
  lengths  histogram of episode lengths over all episodes of all seeds, one outline per
           agent. Drawn when the runs have at least 2 episodes.
  eval     evaluation during training (the runs' eval/ table): the mean return of each
           evaluation against the training env steps it ran at, then mean and 95% band
           over seeds at the steps where every run of the agent evaluated. When the runs
           end at different steps (a budget in episodes), their final evaluations fall at
           different steps: they are drawn as one more point with an error bar, at the mean
           of the runs' last steps. Drawn when the runs have evaluations. The sidecar line
           adds "final_mean", "final_ci95" (95% half-width over the runs' finals),
           "final_per_run" (each run's mean at its last evaluation) and "final_steps"
           ([first, last] of the runs' last evaluation steps); "points" counts the
           line's shared steps.
  diagnostics  training diagnostics against env steps, one panel per quantity, runs in
           progress included (plot_diagnostics.py). Drawn only when asked for (--what).
  regret_ratio, final_regret, best_arm  bandit problems: R(t)/ln t against the Lai-Robbins
           constant, the histogram of the runs' final regret, and the fraction of pulls of
           the best arm against t (plot_bandit.py). Drawn only when asked for (--what).

A file still being written is read without HDF5's file lock (reading cannot change it) as
its last flush left it; the runs in progress are its live rows (docs/log-format.md).

Intervals: every band and error bar is the 95% Student-t interval of a mean over n runs,
mean ± t(0.975, n - 1) sd / sqrt(n) (ci95_half_width), the interval `rlsim analyze` reports
(docs/analysis.md, "Confidence intervals"); none for one run.

Files: DIR/<kind>_<env>.png and DIR/<kind>_<env>.json. The sidecar holds the figure's kind,
env, axis labels, "y_limits" when the axis was fitted to the data (regret), and "lines":
[{"label", "points", "runs", "role"}] with role "mean" (an agent's curve), "lower_bound"
(Lai-Robbins), "histogram" (points = number of episodes) or "reference" (a horizontal line
with its "value", e.g. best_arm's 1/K). A "mean" entry carries the
numbers drawn: "x", "mean" and, with 2+ runs, "ci95" (half-width), "lower" and "upper"
(the band's edges, lower after clipping); a "lower_bound" entry "x", "y", "constant",
"max_gap", "capped_points" (points where Δmax t < C ln t) and "above_axis"; null for a
missing value. Exit status: 0 on success, 1 when the file cannot be read or has nothing to
plot, 2 on a usage error.
"""
import argparse
import functools
import json
import math
import os
import re
import sys
import types
import warnings

# Reading only: a file that rlsim is still writing can be read (docs/log-format.md).
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

try:
    from plot_diagnostics import load_live_runs, plot_diagnostics  # noqa: E402
    import plot_bandit  # noqa: E402
except ImportError:  # in the rlsim Python package, next to this file as _plot.py
    from _plot_diagnostics import load_live_runs, plot_diagnostics  # noqa: E402
    import _plot_bandit as plot_bandit  # noqa: E402

# The Lai & Robbins (1985) constant and bound live with the other bandit figures.
lai_robbins_constant = plot_bandit.lai_robbins_constant
lai_robbins_bound = plot_bandit.lai_robbins_bound

KINDS = ("regret", "returns", "lengths", "eval")  # drawn by default
ALL_KINDS = KINDS + ("diagnostics",) + plot_bandit.KINDS
BERNOULLI_ID = "BernoulliBandit-v0"
Z975 = 1.959963984540054  # the 0.975 quantile of the standard normal
RETURN_BINS = 100

_PARAM_RE = re.compile(r'(\w+)=(\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+)')


def parse_params(text):
    """`k1=v1 k2=v2` (Params::to_text) -> {key: python value}."""
    out = {}
    for key, raw in _PARAM_RE.findall(text or ""):
        if raw.startswith("["):
            inner = raw[1:-1].strip()
            out[key] = [float(x) for x in inner.split(",")] if inner else []
        elif raw.startswith('"'):
            out[key] = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif raw in ("true", "false"):
            out[key] = raw == "true"
        else:
            try:
                out[key] = int(raw)
            except ValueError:
                try:
                    out[key] = float(raw)
                except ValueError:
                    out[key] = raw
    return out


@functools.lru_cache(maxsize=None)
def parsed_params(text):
    """parse_params, once per text: the runs of a group share their parameters."""
    return parse_params(text)


def text(value):
    """A string attribute as str: fixed-length strings (format 2) come back from h5py as
    bytes, variable-length ones (format 1) as str (docs/log-format.md)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class Run:
    """One run: its run_table fields, group attributes and tables (numpy arrays; regret and
    eval None when the run has none)."""

    def __init__(self, run_index, info, returns, lengths, end_steps, regret_step=None,
                 pseudo_regret=None, eval_step=None, eval_return=None, optimal_pulls=None):
        self.run_index = int(run_index)
        self.name = f"{self.run_index:06d}"  # as in /runs and the --arm-means keys
        self.env_id = info["env_id"]
        self.agent_id = info["agent_id"]
        self.env_params_text = info["env_params"]
        self.agent_params_text = info["agent_params"]
        self.env_params = parsed_params(self.env_params_text)  # shared: do not modify
        self.agent_params = parsed_params(self.agent_params_text)
        self.group = info["group"]
        self.total_steps = int(info["total_steps"])
        self.env_seed = int(info["env_seed"])
        self.returns = returns
        self.lengths = lengths
        self.end_steps = end_steps
        self.regret_step = regret_step
        self.pseudo_regret = pseudo_regret
        # Pulls of a best arm up to each regret step; None when the file predates the column
        # or the count is unknown (-1) at some step.
        if optimal_pulls is not None and (optimal_pulls.size == 0 or optimal_pulls.min() < 0):
            optimal_pulls = None
        self.optimal_pulls = optimal_pulls
        if eval_step is not None and eval_step.size > 0:
            self.eval_step = eval_step
            self.eval_return = eval_return
        else:
            self.eval_step = None
            self.eval_return = None

    @property
    def env_key(self):
        return self.env_id + "[" + self.env_params_text + "]"

    @property
    def agent_key(self):
        return self.agent_id + "[" + self.agent_params_text + "]"


GROUP_ATTRS = ("env_id", "agent_id", "env_params", "agent_params", "group")


def load_runs_v12(f):
    """Formats 1 and 2: one /runs/N group per run; only runs whose `complete` is 1."""
    runs = []
    for name, grp in f["runs"].items():
        a = grp.attrs
        if a.get("complete", 0) != 1:
            continue
        info = {k: text(a[k]) for k in GROUP_ATTRS}
        info.update(total_steps=a["total_steps"], env_seed=a["env_seed"])
        ep = grp["episodes"]
        tables = {}
        if "regret" in grp:
            tables.update(regret_step=grp["regret/step"][:],
                          pseudo_regret=grp["regret/pseudo_regret"][:])
            if "optimal_pulls" in grp["regret"]:
                tables.update(optimal_pulls=grp["regret/optimal_pulls"][:])
        if "eval" in grp:
            tables.update(eval_step=grp["eval/step"][:], eval_return=grp["eval/return"][:])
        runs.append(Run(a["run_index"], info, ep["return"][:], ep["length"][:],
                        ep["end_step"][:], **tables))
    return runs


def split_by_run(f, table, columns):
    """Format 3: {run index: {column: the run's rows}} of an experiment-wide table. Each
    column is read once; a run's rows are contiguous, so its arrays are views (slices)."""
    run = f[table]["run"][:]
    data = {c: f[table][c][:] for c in columns}
    starts = np.flatnonzero(np.diff(run, prepend=run[:1] - 1)) if run.size else run[:0]
    ends = np.append(starts[1:], run.size)
    out = {}
    for a, b, r in zip(starts.tolist(), ends.tolist(), run[starts].tolist()):
        if r in out:
            raise ValueError(f"/{table}: the rows of run {r} are not contiguous "
                             "(docs/log-format.md)")
        out[r] = {c: d[a:b] for c, d in data.items()}
    return out


def load_runs_v3(f):
    """Format 3: run_table, groups and the experiment-wide episodes, regret and eval
    tables; every run in run_table is complete."""
    groups = {int(g): {k: text(grp.attrs[k]) for k in GROUP_ATTRS}
              for g, grp in f["groups"].items()}
    rt = {c: f["run_table"][c][:] for c in ("run_index", "group", "total_steps", "env_seed")}
    episodes = split_by_run(f, "episodes", ("return", "length", "end_step"))
    regret = split_by_run(f, "regret", ("step", "pseudo_regret")
                          + (("optimal_pulls",) if "optimal_pulls" in f["regret"] else ()))
    evals = split_by_run(f, "eval", ("step", "return"))
    empty_f, empty_i = np.zeros(0, np.float64), np.zeros(0, np.int64)
    runs = []
    for index, group, total_steps, env_seed in zip(*(rt[c].tolist() for c in rt)):
        if group not in groups:
            raise ValueError(f"/run_table: run {index} is in group {group}, which /groups "
                             "does not have (docs/log-format.md)")
        info = dict(groups[group], total_steps=total_steps, env_seed=env_seed)
        ep = episodes.get(index, {"return": empty_f, "length": empty_i, "end_step": empty_i})
        tables = {}
        if index in regret:
            tables.update(regret_step=regret[index]["step"],
                          pseudo_regret=regret[index]["pseudo_regret"],
                          optimal_pulls=regret[index].get("optimal_pulls"))
        if index in evals:
            tables.update(eval_step=evals[index]["step"], eval_return=evals[index]["return"])
        runs.append(Run(index, info, ep["return"], ep["length"], ep["end_step"], **tables))
    return runs


def load_runs(path):
    """The complete runs of a run file of format 1, 2 or 3, in run index order."""
    with h5py.File(path, "r") as f:
        if "rlsim_format_version" not in f.attrs:
            raise ValueError(f"{path}: no attribute rlsim_format_version: not an rlsim run "
                             "file (docs/log-format.md)")
        version = int(f.attrs["rlsim_format_version"])
        if version in (1, 2):
            runs = load_runs_v12(f)
        elif version == 3:
            runs = load_runs_v3(f)
        else:
            raise ValueError(f"{path}: rlsim_format_version is {version}; this plot.py reads "
                             "formats 1, 2 and 3 (a newer rlsim wrote the file: use its plot.py)")
    return sorted(runs, key=lambda r: r.run_index)


def varying(dicts):
    """Keys whose values differ among the dicts (in sorted order)."""
    keys = sorted(set().union(*[d.keys() for d in dicts])) if dicts else []
    return [k for k in keys if len({json.dumps(d.get(k), sort_keys=True) for d in dicts}) > 1]


def fmt_value(v):
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        if len(v) > 6:  # long lists (K = 100 means) shortened: first values and the length
            return "[" + ",".join(f"{x:g}" for x in v[:3]) + f",...]({len(v)})"
        return "[" + ",".join(f"{x:g}" for x in v) + "]"
    return str(v)


def describe(identifier, params, keys):
    parts = [f"{k}={fmt_value(params[k])}" for k in keys if k in params]
    return identifier + (" " + " ".join(parts) if parts else "")


def slug(text, limit=80):
    text = text.replace(",...](", "_K").replace("[", "").replace("]", "")
    s = re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")
    return s[:limit] if s else "env"


def label_agents(runs):
    """agent key -> label: the id plus the parameters that vary among agents of that id."""
    by_id = {}
    for r in runs:
        by_id.setdefault(r.agent_id, {})[r.agent_key] = r.agent_params
    labels = {}
    for agent_id, variants in by_id.items():
        keys = varying(list(variants.values()))
        for key, params in variants.items():
            labels[key] = describe(agent_id, params, keys)
    return labels


def relevant_env_params(params):
    """The parameters that shape the problem: a stationary bandit's list of means is unused
    when its means are drawn, and the draw's K and range are unused when they are fixed."""
    out = dict(params)
    drawn = out.get("means_distribution")
    if drawn == "fixed":
        for key in ("arms", "means_low", "means_high", "means_distribution"):
            out.pop(key, None)
    elif drawn is not None:
        out.pop("means", None)
    return out


def name_envs(runs):
    """env key -> (title, file slug): the id plus the parameters that vary among its variants."""
    by_id = {}
    for r in runs:
        by_id.setdefault(r.env_id, {})[r.env_key] = relevant_env_params(r.env_params)
    names = {}
    for env_id, variants in by_id.items():
        keys = varying(list(variants.values()))
        for key, params in variants.items():
            title = describe(env_id, params, keys)
            names[key] = (title, slug(title.replace(" ", "_").replace("=", "-")))
    # Distinct file names even when the shortened slugs collide.
    seen = {}
    for key in sorted(names):
        title, s = names[key]
        if s in seen:
            seen[s] += 1
            s = f"{s}_{seen[s]}"
        else:
            seen[s] = 0
        names[key] = (title, s)
    return names


def _t_central(t, df):
    """P(|T| < t) for Student's t with an integer df >= 1: the finite series of Abramowitz &
    Stegun (1964) 26.7.3 (df odd) and 26.7.4 (df even), with θ = arctan(t / sqrt(df))."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 1:
        term = total = math.cos(theta) if df > 1 else 0.0
        for k in range(2, df - 1, 2):  # (2·4···k) / (1·3···(k+1)) cos^(k+1) θ
            term *= c2 * k / (k + 1)
            total += term
        return 2.0 / math.pi * (theta + math.sin(theta) * total)
    term = total = 1.0
    for k in range(2, df - 1, 2):  # (1·3···(k-1)) / (2·4···k) cos^k θ
        term *= c2 * (k - 1) / k
        total += term
    return math.sin(theta) * total


def _t_density(t, df):
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) -
                    (df + 1) / 2 * math.log1p(t * t / df)) / math.sqrt(df * math.pi)


def _t975_expansion(df):
    """The Cornish-Fisher expansion of t(0.975, df) around the normal quantile, to df^-4
    (Abramowitz & Stegun 26.7.5)."""
    x = Z975
    g1 = (x ** 3 + x) / 4
    g2 = (5 * x ** 5 + 16 * x ** 3 + 3 * x) / 96
    g3 = (3 * x ** 7 + 19 * x ** 5 + 17 * x ** 3 - 15 * x) / 384
    g4 = (79 * x ** 9 + 776 * x ** 7 + 1482 * x ** 5 - 1920 * x ** 3 - 945 * x) / 92160
    return x + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4


@functools.lru_cache(maxsize=None)
def t975(df):
    """t(0.975, df), the 0.975 quantile of Student's t with df degrees of freedom (an integer
    >= 1): the factor of the 95% interval, as `rlsim analyze` computes it (Boost's students_t
    quantile, experiments/analyze.cpp ci95_half_width); agrees with it to about 1e-13
    relative for every df. Closed forms for df 1 and 2; up to df 500 Newton's method on the
    exact central probability; above, the expansion (its error there is below 1e-15)."""
    df = int(df)
    if df < 1:
        raise ValueError(f"t975: df must be at least 1, got {df}")
    if df == 1:
        return math.tan(0.475 * math.pi)
    if df == 2:
        return 0.95 / math.sqrt(2 * 0.975 * 0.025)
    t = _t975_expansion(df)
    if df > 500:
        return t
    for _ in range(20):
        step = (_t_central(t, df) - 0.95) / (2.0 * _t_density(t, df))
        t -= step
        if abs(step) <= 1e-15 * t:
            break
    return t


def ci95_half_width(values):
    """Half-width of the 95% confidence interval of the mean of VALUES (Student's t, n - 1
    degrees of freedom): t(0.975, n - 1) · sd / sqrt(n), sd with n - 1 in the denominator;
    NaN for fewer than 2 values. The interval of docs/analysis.md ("Confidence intervals"),
    the same as `rlsim analyze`'s."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if n < 2:
        return math.nan
    return t975(n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)


def mean_band(matrix, nonnegative=False):
    """Per column of MATRIX (rows: runs), ignoring NaN: (mean, 95% half-width, lower, upper).
    The half-width is ci95_half_width's (NaN where a column has fewer than 2 values); lower
    and upper are mean -/+ half-width, lower clipped at 0 when the quantity cannot be
    negative (NONNEGATIVE), NaN where there is no interval."""
    matrix = np.asarray(matrix, dtype=float).reshape(len(matrix), -1)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN or single-value columns
        n = np.sum(~np.isnan(matrix), axis=0)
        mean = np.nanmean(matrix, axis=0) if matrix.size else np.full(matrix.shape[1], np.nan)
        sd = np.nanstd(matrix, axis=0, ddof=1) if matrix.shape[0] > 1 else \
            np.full(matrix.shape[1], np.nan)
    t = np.array([t975(k - 1) if k > 1 else np.nan for k in n.tolist()])
    half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    lower, upper = mean - half, mean + half
    if nonnegative:
        lower = np.maximum(lower, 0.0)  # NaN stays NaN
    return mean, half, lower, upper


def json_numbers(values):
    """A list of floats for a sidecar, NaN (no value) as null."""
    return [None if math.isnan(v) else v for v in np.asarray(values, dtype=float).tolist()]


def json_number(value):
    return None if math.isnan(value) else float(value)


def common_regret_grid(runs):
    """Checkpoints shared by the runs: the first run's, cut at the shortest run's last pull."""
    last = min(int(r.regret_step[-1]) for r in runs)
    grid = runs[0].regret_step
    return grid[grid <= last].astype(float)


def run_arm_means(run, arm_means):
    if run.name in arm_means:
        return arm_means[run.name]
    if run.env_params.get("means_distribution", "fixed") == "fixed" and "means" in run.env_params:
        return run.env_params["means"]
    return None


class Figure:
    def __init__(self, kind, env_title, xlabel, ylabel, log_x=False):
        self.kind = kind
        self.fig, self.ax = plt.subplots(figsize=(7.5, 4.8), dpi=100)
        self.meta = {"kind": kind, "env": env_title, "x_label": xlabel, "y_label": ylabel,
                     "log_x": bool(log_x), "lines": []}
        self.ax.set_xlabel(xlabel)
        self.ax.set_ylabel(ylabel)
        self.ax.set_title(f"{env_title}", fontsize=9)
        self.ax.grid(True, alpha=0.3)
        self.data_bottom = self.data_top = None  # y range of the curves and bands (extent)
        if log_x:
            self.ax.set_xscale("log")

    def extent(self, *arrays):
        """Widen the data's y range (data_bottom, data_top) to cover ARRAYS (NaN ignored)."""
        values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
        values = values[np.isfinite(values)]
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            self.data_bottom = lo if self.data_bottom is None else min(self.data_bottom, lo)
            self.data_top = hi if self.data_top is None else max(self.data_top, hi)

    def fit_y_to_data(self):
        """The y axis spans the data (curves and bands) with a 5% margin, from 0 when the data
        are non-negative: a reference line such as a bound may leave the axis. The limits go
        to the sidecar ("y_limits")."""
        if self.data_top is None:
            return None
        bottom = min(0.0, self.data_bottom)
        top = self.data_top
        pad = 0.05 * (top - bottom) if top > bottom else 1.0
        limits = (bottom - pad if bottom < 0 else bottom, top + pad)
        self.ax.set_ylim(*limits)
        self.meta["y_limits"] = [float(limits[0]), float(limits[1])]
        return limits

    def add(self, label, points, runs, role, **extra):
        entry = {"label": label, "points": int(points), "runs": int(runs), "role": role}
        entry.update(extra)
        self.meta["lines"].append(entry)

    def save(self, out_dir, stem):
        self.ax.legend(fontsize=7, loc="best")
        self.fig.tight_layout()
        png = os.path.join(out_dir, stem + ".png")
        self.fig.savefig(png)
        plt.close(self.fig)
        self.meta["png"] = os.path.basename(png)
        with open(os.path.join(out_dir, stem + ".json"), "w", encoding="utf-8") as f:
            json.dump(self.meta, f, indent=2)
            f.write("\n")
        return png


def by_agent(runs):
    groups = {}
    for r in runs:
        groups.setdefault(r.agent_key, []).append(r)
    return groups


def draw_mean(fig, x, matrix, label, color, nonnegative=False, style=None, **extra):
    """One line of a figure: the mean over runs (rows of MATRIX) against X, and its 95% band
    when there are 2+ runs; the sidecar entry carries the numbers drawn (x, mean, ci95, and
    the band's lower and upper edges, lower clipped at 0 for NONNEGATIVE quantities). Returns
    (mean, half-width, lower, upper)."""
    runs = len(matrix)
    mean, half, lower, upper = mean_band(matrix, nonnegative)
    ok = ~np.isnan(mean)
    fig.ax.plot(x[ok], mean[ok], color=color, label=f"{label} (n={runs})", **(style or {}))
    entry = {"x": json_numbers(x[ok]), "mean": json_numbers(mean[ok])}
    if runs > 1:
        fig.ax.fill_between(x[ok], lower[ok], upper[ok], color=color, alpha=0.2, lw=0)
        entry.update(ci95=json_numbers(half[ok]), lower=json_numbers(lower[ok]),
                     upper=json_numbers(upper[ok]))
        fig.extent(lower[ok], upper[ok])
    fig.extent(mean[ok])
    fig.add(label, int(ok.sum()), runs, "mean", **extra, **entry)
    return mean, half, lower, upper


def plot_regret(env_title, runs, labels, arm_means, log_x):
    runs = [r for r in runs if r.regret_step is not None and r.regret_step.size > 0]
    if not runs:
        return None
    grid = common_regret_grid(runs)
    fig = Figure("regret", env_title, "pulls t" + (" (log scale)" if log_x else ""),
                 "cumulative pseudo-regret R(t)", log_x)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (key, group) in enumerate(sorted(by_agent(runs).items(), key=lambda kv: labels[kv[0]])):
        rows = np.array([np.interp(grid, r.regret_step, r.pseudo_regret) for r in group])
        mean, half, _, _ = mean_band(rows, nonnegative=True)
        draw_mean(fig, grid, rows, labels[key], colors[i % len(colors)], nonnegative=True,
                  final_mean=float(mean[-1]), final_ci95=json_number(half[-1]))
    limits = fig.fit_y_to_data()  # before the bound, which must not stretch the axis
    if runs[0].env_id == BERNOULLI_ID:
        # One bound per env instance: runs of different agents with the same seed index share
        # their instance (common random numbers, the same env seed), so average over seeds.
        instances = {}
        known = True
        for r in runs:
            means = run_arm_means(r, arm_means)
            if means is None or len(means) < 2:
                known = False
                break
            instances[r.env_seed] = (lai_robbins_constant(means), max(means) - min(means))
        if known and instances:
            bound_grid = grid[grid >= 1]
            bound = np.mean([lai_robbins_bound(bound_grid, c, gap)
                             for c, gap in instances.values()], axis=0)
            c = float(np.mean([c for c, _ in instances.values()]))
            gap = float(np.mean([g for _, g in instances.values()]))
            capped = int(np.sum(bound < c * np.log(bound_grid)))
            above = bool(bound.size and limits is not None and np.max(bound) > limits[1])
            label = f"Lai-Robbins min(C ln t, Δmax·t), C={c:.3g}, Δmax={gap:.3g}"
            if above:
                label += "; y axis fits the curves: the bound leaves it"
            fig.ax.plot(bound_grid, bound, "k--", lw=1.2, label=label)
            fig.add("Lai-Robbins lower bound", bound_grid.size, len(instances), "lower_bound",
                    constant=c, max_gap=gap, capped_points=capped, above_axis=above,
                    x=json_numbers(bound_grid), y=json_numbers(bound))
        else:
            print(f"plot: {env_title}: arm means unknown for some runs (drawn per run and no "
                  "--arm-means given): no Lai-Robbins bound", file=sys.stderr)
    return fig


def plot_returns(env_title, runs, labels):
    if not runs or max(r.returns.size for r in runs) < 2:
        return None
    last = max(r.total_steps for r in runs)
    edges = np.linspace(0, last, RETURN_BINS + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])
    fig = Figure("returns", env_title, "env steps", "episode return (binned mean)")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (key, group) in enumerate(sorted(by_agent(runs).items(), key=lambda kv: labels[kv[0]])):
        rows = []
        for r in group:
            idx = np.clip(np.searchsorted(edges, r.end_steps, side="left") - 1, 0, RETURN_BINS - 1)
            sums = np.bincount(idx, weights=r.returns, minlength=RETURN_BINS)
            counts = np.bincount(idx, minlength=RETURN_BINS)
            row = np.full(RETURN_BINS, np.nan)
            prev = np.nan
            for b in range(RETURN_BINS):
                if counts[b] > 0:
                    prev = sums[b] / counts[b]
                if centers[b] <= r.total_steps:
                    row[b] = prev
            rows.append(row)
        draw_mean(fig, centers, np.array(rows), labels[key], colors[i % len(colors)])
    return fig


def plot_lengths(env_title, runs, labels):
    if not runs or max(r.lengths.size for r in runs) < 2:
        return None
    all_lengths = np.concatenate([r.lengths for r in runs])
    lo, hi = int(all_lengths.min()), int(all_lengths.max())
    bins = np.arange(lo, hi + 2) - 0.5 if hi - lo < 60 else np.linspace(lo, hi, 61)
    fig = Figure("lengths", env_title, "episode length (steps)", "episodes (all seeds)")
    for key, group in sorted(by_agent(runs).items(), key=lambda kv: labels[kv[0]]):
        lengths = np.concatenate([r.lengths for r in group])
        fig.ax.hist(lengths, bins=bins, histtype="step", lw=1.5,
                    label=f"{labels[key]} (n={len(group)})")
        fig.add(labels[key], lengths.size, len(group), "histogram",
                mean_length=float(lengths.mean()) if lengths.size else 0.0)
    return fig


def eval_means(run):
    """(steps, mean return of the evaluation at each step) of one run."""
    steps = np.unique(run.eval_step)
    means = np.array([run.eval_return[run.eval_step == s].mean() for s in steps])
    return steps, means


def plot_eval(env_title, runs, labels):
    runs = [r for r in runs if r.eval_step is not None]
    if not runs:
        return None
    fig = Figure("eval", env_title, "training env steps",
                 "evaluation return (mean of the evaluation episodes)")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (key, group) in enumerate(sorted(by_agent(runs).items(), key=lambda kv: labels[kv[0]])):
        per_run = [eval_means(r) for r in group]
        last_steps = [int(s[-1]) for s, _ in per_run]
        finals = np.array([float(m[-1]) for _, m in per_run])
        # The line runs over the steps every run evaluated at; with one shared last step
        # (a budget in steps) that includes the finals.
        grid = per_run[0][0]
        for steps, _ in per_run[1:]:
            grid = np.intersect1d(grid, steps)
        rows = np.array([m[np.searchsorted(s, grid)] for s, m in per_run]).reshape(
            len(group), grid.size)
        color = colors[i % len(colors)]
        final_mean, final_half, _, _ = mean_band(finals.reshape(len(group), 1))
        extra = dict(final_mean=float(final_mean[0]), final_ci95=json_number(final_half[0]),
                     final_per_run=[float(x) for x in finals],
                     final_steps=[min(last_steps), max(last_steps)])
        if grid.size:
            draw_mean(fig, grid.astype(float), rows, labels[key], color,
                      style={"marker": "o", "ms": 3}, **extra)
        else:
            fig.add(labels[key], 0, len(group), "mean", **extra)
        if min(last_steps) != max(last_steps) or not grid.size:
            half = final_half if len(group) > 1 else None
            label = labels[key] if grid.size else f"{labels[key]} (n={len(group)})"
            fig.ax.errorbar([float(np.mean(last_steps))], final_mean, yerr=half,
                            color=color, marker="D", ms=5, capsize=3, ls="none",
                            label=f"{label} final (runs end at steps "
                            f"{min(last_steps)}-{max(last_steps)})")
            fig.extent(final_mean if half is None else
                       np.concatenate([final_mean - half, final_mean + half]))
    return fig


# What plot_bandit.py draws with (it imports nothing from this file).
KIT = types.SimpleNamespace(Figure=Figure, draw_mean=draw_mean, by_agent=by_agent,
                            common_regret_grid=common_regret_grid, run_arm_means=run_arm_means,
                            json_numbers=json_numbers, BERNOULLI_ID=BERNOULLI_ID)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_file")
    p.add_argument("--out", required=True, help="directory for the PNG and JSON files")
    p.add_argument("--log-x", action="store_true", help="log-scaled time axis for regret")
    p.add_argument("--what", default=",".join(KINDS),
                   help="comma-separated figure kinds: regret,returns,lengths,eval,diagnostics,"
                   "regret_ratio,final_regret,best_arm (default: regret,returns,lengths,eval)")
    p.add_argument("--arm-means", help="JSON with the arm means of each run (rlsim plot writes it)")
    p.add_argument("--quiet", action="store_true", help="do not list the files written")
    p.add_argument("--manifest",
                   help="also write the names of the files written, one a line, to this file "
                   "(rlsim plot checks them)")
    args = p.parse_args(argv)

    what = [w.strip() for w in args.what.split(",") if w.strip()]
    bad = [w for w in what if w not in ALL_KINDS]
    if bad or not what:
        p.error(f"--what {args.what!r}: unknown kind(s) {', '.join(bad) or '(none)'}; "
                f"valid: {', '.join(ALL_KINDS)}")
    arm_means = {}
    if args.arm_means:
        with open(args.arm_means, encoding="utf-8") as f:
            arm_means = json.load(f).get("arm_means", {})
    try:
        runs = load_runs(args.run_file)
        h5 = h5py.File(args.run_file, "r")
        live = (load_live_runs(h5, lambda i, info, s, r: Run(i, info, *[np.zeros(0)] * 3,
                                                             eval_step=s, eval_return=r))
                if "diagnostics" in what and "run_table" in h5 else [])
    except (OSError, ValueError, KeyError) as e:
        print(f"plot: cannot read {args.run_file}: {e}", file=sys.stderr)
        return 1
    if not runs and not live:
        print(f"plot: {args.run_file} has no complete run to plot", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)

    labels = label_agents(runs + live)
    env_names = name_envs(runs + live)
    by_env = {}
    for r in runs + live:
        by_env.setdefault(r.env_key, []).append(r)
    written = []
    for env_key in sorted(by_env, key=lambda k: env_names[k][0]):
        env_runs = [r for r in by_env[env_key] if not getattr(r, "in_progress", False)]
        title, stem = env_names[env_key]
        for kind in what:
            if kind == "diagnostics":
                png = plot_diagnostics(h5, title, by_env[env_key], labels, args.out,
                                       f"{kind}_{stem}")
                written += [png] if png else []
                continue
            if not env_runs:
                continue
            if kind == "regret":
                fig = plot_regret(title, env_runs, labels, arm_means, args.log_x)
            elif kind == "returns":
                fig = plot_returns(title, env_runs, labels)
            elif kind == "eval":
                fig = plot_eval(title, env_runs, labels)
            elif kind == "regret_ratio":
                fig = plot_bandit.plot_regret_ratio(title, env_runs, labels, arm_means, KIT)
            elif kind == "final_regret":
                fig = plot_bandit.plot_final_regret(title, env_runs, labels, KIT)
            elif kind == "best_arm":
                fig = plot_bandit.plot_best_arm(title, env_runs, labels, KIT)
            else:
                fig = plot_lengths(title, env_runs, labels)
            if fig is not None:
                written.append(fig.save(args.out, f"{kind}_{stem}"))
    if not written:
        print(f"plot: nothing to draw for --what {','.join(what)} in {args.run_file} (regret "
              "needs a bandit problem; returns and lengths need runs of 2+ episodes; eval needs "
              "evaluation during training; diagnostics an agent that records them)",
              file=sys.stderr)
        return 1
    if args.manifest:
        with open(args.manifest, "w", encoding="utf-8") as f:
            for w in written:
                stem = os.path.splitext(os.path.basename(w))[0]
                f.write(f"{stem}.png\n{stem}.json\n")
    if not args.quiet:
        for w in written:
            print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
