"""Run files as pandas DataFrames: rlsim.load(path) -> RunFile.

The file is read by the C++ reader (run/hdf5_log.hpp, every format it reads); this module
only arranges its tables as DataFrames:

- runs: one row per complete run: run, env_id, agent_id, seed_index, env_seed,
  agent_seed, total_steps, episodes, group, env_params / agent_params (the stored text) and
  each parameter in its own typed column (bool, Int64, float64, str, tuples for lists).
  A parameter name used by both the env and the agent of the file (e.g. `horizon` of a
  bandit problem and of MOSS) gets two columns, `env.NAME` and `agent.NAME`.
- episodes (run, episode, return, length, end_step, terminated, truncated, success),
  regret (run, step, pseudo_regret, realised_regret, optimal_pulls), eval (run, step,
  episode, return, length) and diagnostics (run, step, one column per diagnostic): each row
  also carries its run's env_id, agent_id, seed_index and parameter columns, ready for
  groupby.
- steps(run): the step log of a run written with log.steps = true; agent_state(run): the
  state a run saved with save_agent = true ({name: array}, for Agent.load).
- summary(last=100, group_by=None): `rlsim analyze`'s table (experiments/analyze.hpp), one
  row per group of runs that differ only in their seed, with the columns of
  `rlsim analyze --csv`.
- plot(out, ...): the figures of `rlsim plot`, drawn by the same script
  (experiments/analysis/plot.py).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from . import _rlsim

__all__ = ["RunFile", "load"]

_BASE_COLUMNS = (
    "run",
    "env_id",
    "agent_id",
    "seed_index",
    "env_seed",
    "agent_seed",
    "total_steps",
    "episodes",
    "group",
    "env_params",
    "agent_params",
    "has_agent_state",
)
_KEY_COLUMNS = ["run", "env_id", "agent_id", "seed_index"]
_SUMMARY_COLUMNS = [
    "env",
    "agent",
    "env_params",
    "agent_params",
    "runs",
    "episodes",
    "last_k",
    "mean_return",
    "return_ci95",
    "mean_length",
    "success_rate",
    "final_regret",
    "regret_ci95",
    "regret_steps",
    "final_eval",
    "final_eval_ci95",
    "final_eval_step",
    "final_eval_episodes",
]


def _pd():
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - pandas is a listed dependency
        raise ImportError(
            "RunFile tables need pandas (Debian: python3-pandas, scripts/install-deps.sh)"
        ) from e
    return pandas


def _typed_series(values, name):
    """A column of parameter values with its own dtype (None where a run lacks it)."""
    pd = _pd()
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, name=name, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.Series(values, name=name, dtype="Int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([np.nan if v is None else float(v) for v in values], name=name)
    if present and all(isinstance(v, list) for v in present):
        return pd.Series([None if v is None else tuple(v) for v in values], name=name, dtype=object)
    return pd.Series(values, name=name, dtype=object)


class RunFile:
    """A run file (docs/log-format.md) read through the C++ reader; see rlsim.load."""

    def __init__(self, path):
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"run file '{path}' does not exist")
        self.path = path
        self._reader = _rlsim.Reader(path)
        self._tables = None
        self._frames = {}

    # --- metadata --------------------------------------------------------------------------
    @property
    def meta(self):
        """The file's attributes: config_text, command_line, master_seed, planned_runs,
        rlsim_version, git_commit, created, complete, format_version."""
        return self._reader.meta()

    @property
    def config(self):
        """The experiment's resolved config (the TOML the file stores) as a dict."""
        import tomllib

        return tomllib.loads(self.meta["config_text"])

    @property
    def complete(self):
        """True when every planned run finished (the experiment was not interrupted)."""
        return self.meta["complete"]

    @property
    def run_indices(self):
        """Indices of the complete runs, sorted."""
        return list(self._reader.complete_run_indices())

    # --- tables ----------------------------------------------------------------------------
    def _load(self):
        if self._tables is None:
            self._tables = self._reader.tables()
        return self._tables

    def _param_columns(self, runs):
        env_names, agent_names = {}, {}
        for r in runs:
            for k in r["env_values"]:
                env_names.setdefault(k, None)
            for k in r["agent_values"]:
                agent_names.setdefault(k, None)
        both = set(env_names) & set(agent_names) | set(_BASE_COLUMNS)
        cols = {}
        for kind, names in (("env", env_names), ("agent", agent_names)):
            for k in names:
                col = f"{kind}.{k}" if k in both else k
                cols[col] = [r[f"{kind}_values"].get(k) for r in runs]
        return cols

    @property
    def runs(self):
        """One row per complete run, each parameter in its own typed column."""
        if "runs" not in self._frames:
            pd = _pd()
            runs = self._load()["runs"]
            data = {c: [r[c] for r in runs] for c in _BASE_COLUMNS}
            df = pd.DataFrame(data, columns=list(_BASE_COLUMNS))
            df = df.astype({"run": "int64", "seed_index": "int64", "total_steps": "int64",
                            "episodes": "int64", "env_seed": "uint64", "agent_seed": "uint64",
                            "has_agent_state": bool})
            for name, values in self._param_columns(runs).items():
                df[name] = _typed_series(values, name).values
            self._frames["runs"] = df
        return self._frames["runs"]

    @property
    def parameter_columns(self):
        """Names of the typed parameter columns of runs (and of the other tables)."""
        return [c for c in self.runs.columns if c not in _BASE_COLUMNS]

    def _with_params(self, name, table):
        if name not in self._frames:
            pd = _pd()
            df = pd.DataFrame(table)
            keys = self.runs[_KEY_COLUMNS + self.parameter_columns]
            self._frames[name] = df.merge(keys, on="run", how="left", sort=False)
        return self._frames[name]

    @property
    def episodes(self):
        """One row per finished episode of every complete run (success: <NA> when the env
        does not define success)."""
        if "episodes" not in self._frames:
            pd = _pd()
            t = dict(self._load()["episodes"])
            s = t.pop("success")
            t["success"] = pd.array(
                [pd.NA if x < 0 else bool(x) for x in s.tolist()], dtype="boolean"
            )
            self._with_params("episodes", t)
        return self._frames["episodes"]

    @property
    def regret(self):
        """Bandit runs' cumulative pseudo- and realised regret at their checkpoints, and
        optimal_pulls, the pulls of a best arm so far (-1: unknown, a file written before
        rlsim counted them); the fraction of pulls of the best arm is optimal_pulls / step."""
        return self._with_params("regret", self._load()["regret"])

    @property
    def eval(self):
        """Evaluation during training: one row per evaluation episode."""
        return self._with_params("eval", self._load()["eval"])

    @property
    def diagnostics(self):
        """Training diagnostics (one row per update, one column per diagnostic)."""
        if "diagnostics" not in self._frames:
            pd = _pd()
            parts = []
            for d in self._load()["diagnostics"]:
                part = pd.DataFrame(d["values"], columns=list(d["names"]))
                part.insert(0, "step", d["step"])
                part.insert(0, "run", d["run"])
                parts.append(part)
            table = (
                pd.concat(parts, ignore_index=True)
                if parts
                else pd.DataFrame({"run": np.zeros(0, np.int64), "step": np.zeros(0, np.int64)})
            )
            self._with_params("diagnostics", table)
        return self._frames["diagnostics"]

    def steps(self, run):
        """The step log of run `run` (log.steps = true): env (the copy), episode, t, obs
        (obs_0, obs_1, ... for Box observations), action (action_0, ...), reward,
        terminated, truncated, probability, log_prob. The log's sampling rides along as
        the DataFrame's attribute `attrs["steps_every"]`: k when only episodes 0, k, 2k, ...
        were logged (log.steps_every; 1 for every episode and for files before layout 2).
        ValueError when the run has none."""
        pd = _pd()
        d = self._reader.steps(int(run))
        if d is None:
            raise ValueError(
                f"run {run} of '{self.path}' has no step log (run the experiment with "
                "log.steps=true)"
            )
        cols = {"env": d["env"], "episode": d["episode"], "t": d["t"]}
        for name in ("obs", "action"):
            if d[f"{name}_discrete"]:
                cols[name] = d[name]
            else:
                for j in range(d[name].shape[1]):
                    cols[f"{name}_{j}"] = d[name][:, j]
        for name in ("reward", "terminated", "truncated", "probability", "log_prob"):
            cols[name] = d[name]
        df = pd.DataFrame(cols)
        df.attrs["steps_every"] = int(d["steps_every"])
        return df

    def agent_state(self, run):
        """The learned state run `run` saved (save_agent = true) as {name: ndarray}, for
        rlsim.Agent.load. ValueError when the run saved none."""
        state = self._reader.agent_state(int(run))
        if state is None:
            raise ValueError(
                f"run {run} of '{self.path}' saved no agent state (run the experiment with "
                "save_agent=true; agents without learned state save none)"
            )
        return state

    # --- analysis --------------------------------------------------------------------------
    def summary(self, last=100, group_by=None):
        """`rlsim analyze`'s table as a DataFrame: per group of runs that differ only in their
        seed, the mean over runs of each run's mean return over its last `last` episodes
        with its 95% Student-t half-width, mean length, success rate, and for bandit runs the
        final pseudo-regret. group_by: parameter names (or "env", "agent", "seed") whose
        values define the groups, pooling the rest (rlsim analyze --group-by)."""
        pd = _pd()
        if isinstance(group_by, str):
            group_by = [g for g in group_by.split(",") if g]
        s = self._reader.summary(int(last), list(group_by or []))
        df = pd.DataFrame(s["groups"], columns=_SUMMARY_COLUMNS + ["group"])
        for c in ("success_rate", "final_regret", "regret_ci95", "final_eval", "final_eval_ci95"):
            df[c] = df[c].astype(float)
        for c in ("regret_steps", "final_eval_step", "final_eval_episodes"):
            df[c] = df[c].astype("Int64")
        df.attrs.update(
            complete_runs=s["complete_runs"],
            incomplete_runs=s["incomplete_runs"],
            file_complete=s["file_complete"],
        )
        return df

    def plot(self, out, what=("regret", "returns", "lengths", "eval"), log_x=False):
        """Draws the figures of `rlsim plot FILE --out OUT` (same script, same files: one PNG
        and a JSON sidecar per env and kind) and returns the paths of the PNGs written.
        Needs matplotlib. RuntimeError with the script's message when nothing could be drawn."""
        if isinstance(what, str):
            what = [w for w in what.split(",") if w]
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_plot.py")
        os.makedirs(out, exist_ok=True)
        args = [sys.executable, script, self.path, "--out", os.fspath(out), "--what", ",".join(what)]
        if log_x:
            args.append("--log-x")
        means = self._arm_means()
        with tempfile.TemporaryDirectory() as tmp:
            if means:
                path = os.path.join(tmp, "arm_means.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump({"arm_means": means}, f)
                args += ["--arm-means", path]
            p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError((p.stderr or p.stdout).strip() or f"plot.py exited {p.returncode}")
        return [line for line in p.stdout.splitlines() if line.endswith(".png")]

    def _arm_means(self):
        """Each BernoulliBandit-v0 run's arm means, from its env rebuilt and reset with the
        stored seed (as `rlsim plot` does), for the Lai-Robbins bound."""
        from ._env import make
        from ._registry import envs

        if "BernoulliBandit-v0" not in envs():
            return {}
        out = {}
        for r in self._load()["runs"]:
            if r["env_id"] != "BernoulliBandit-v0":
                continue
            env = make(r["env_id"], **r["env_values"])
            env.reset(seed=r["env_seed"])
            out[f"{r['run']:06d}"] = [float(x) for x in env.mean_rewards()]
            env.close()
        return out

    def __repr__(self):
        m = self.meta
        n = len(self._reader.complete_run_indices())
        state = "complete" if m["complete"] else "incomplete"
        return f"RunFile({self.path!r}: {n} of {m['planned_runs']} runs, {state}, format {m['format_version']})"


def load(path):
    """The run file at `path` (written by `rlsim run` or rlsim.run, any format the C++ reader
    reads) as a RunFile: .runs, .episodes, .regret, .eval, .diagnostics as DataFrames,
    .steps(run), .agent_state(run), .summary(), .plot(). FileNotFoundError when missing,
    ValueError when it is not a readable rlsim run file."""
    return RunFile(path)

