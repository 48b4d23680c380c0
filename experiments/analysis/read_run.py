#!/usr/bin/env python3
"""Read an rlsim run file (HDF5, format 1, 2 or 3), check it against the layout in
docs/log-format.md, and print a short summary: the experiment's attributes and the mean
episode return of each group of runs.

Usage:  read_run.py RUN_FILE [--doc docs/log-format.md]

Exit status: 0 when the file has the documented layout, 1 when it does not (every problem
is printed on stderr, one per line) or cannot be opened, 2 on a usage error. With --doc,
also checks that the h5py example in the document is the code of this script (between
the "example" markers below), so the two cannot drift apart.

Needs h5py and numpy: on Debian, python3-h5py and python3-numpy, run with /usr/bin/python3.
"""
import argparse
import math
import os
import sys

from run_file_check import ROOT_ATTRS, Checker  # noqa: E402  (next to this script)

# Reading only: a file that rlsim is still writing can be checked (docs/log-format.md).
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

# --- example begin ---
import h5py
import numpy as np


def text(value):
    """A string attribute as str: rlsim writes fixed-length UTF-8 strings, which h5py
    returns as bytes (format 1 files had variable-length ones, which it returns as str)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def mean_return_by_group(path):
    """{group text: mean over the group's runs of their mean episode return}; runs without
    an episode do not count, groups without any such run are left out."""
    with h5py.File(path, "r") as f:
        run_index = f["run_table/run_index"][:]  # one row per run in the file
        run_group = f["run_table/group"][:]  # its group: G of /groups/G (6 digits)
        names = {int(g): text(grp.attrs["group"]) for g, grp in f["groups"].items()}
        run = f["episodes/run"][:]  # whose episode each row is; read every column once
        ret = f["episodes/return"][:]
    listed = np.isin(run, run_index)  # rows of runs run_table lacks (a kill mid-flush): skip
    runs, row, count = np.unique(run[listed], return_inverse=True, return_counts=True)
    run_mean = np.bincount(row, weights=ret[listed]) / count  # mean return of each of `runs`
    order = np.argsort(run_index)  # rows of run_table are in the order runs were written
    group = run_group[order[np.searchsorted(run_index, runs, sorter=order)]]
    groups, g_row = np.unique(group, return_inverse=True)
    means = np.bincount(g_row, weights=run_mean) / np.bincount(g_row)
    return {names[g]: float(m) for g, m in zip(groups.tolist(), means)}


def returns_by_run(path):
    """{run index: its episode returns in the order they ended}, for runs with episodes.
    A run's rows are contiguous: split the column where `run` changes."""
    with h5py.File(path, "r") as f:
        run = f["episodes/run"][:]
        listed = np.isin(run, f["run_table/run_index"][:])
        run, ret = run[listed], f["episodes/return"][:][listed]
    starts = np.flatnonzero(np.diff(run, prepend=-1))  # first row of each run's rows
    return dict(zip(run[starts].tolist(), np.split(ret, starts[1:])))


def episode_segments(env, done):
    """Layout 2 (the `layout` attribute of a steps group) leaves out `episode` and `t`:
    each env copy's rows, split after every row that ends an episode (done: terminated or
    truncated), are its episodes; numbered by the row where they end, those still open at
    the end last. Returns each row's segment number and its step within the segment."""
    rows = done.size
    order = np.lexsort((np.arange(rows), env))  # rows grouped by copy, in row order
    env_c, done_c = env[order], done[order]
    start = np.ones(rows, bool)  # a segment starts at a copy's first row or after an end
    start[1:] = (env_c[1:] != env_c[:-1]) | done_c[:-1]
    seg_c = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    last = order[np.append(first[1:], rows) - 1]  # each segment's last row
    number = np.empty(first.size, np.int64)
    number[np.lexsort((last, ~done[last]))] = np.arange(first.size)  # ended ones first
    segment, t = np.empty(rows, np.int64), np.empty(rows, np.int64)
    segment[order], t[order] = number[seg_c], np.arange(rows) - first[seg_c]
    return segment, t


def read_steps(steps):
    """Every column of a steps group (layout 1 or 2) as {name: array} in layout 1's names
    and types: env, episode, t, obs_index or obs, action_index or action, reward, ..."""
    out = {name: column[:] for name, column in steps.items()}
    if steps.attrs.get("layout", 1) == 2:  # compact: narrow types, derived columns left out
        for name in ("reward", "probability", "prob"):  # float32 when exact
            if name in out:
                out[name] = out[name].astype(np.float64)
        for name in ("obs_index", "action_index", "episode", "t", "episode_ids"):
            if name in out:  # the narrowest integer type that holds them
                out[name] = out[name].astype(np.int64)
        out["env"] = out.get("env", np.zeros(out["reward"].size)).astype(np.int32)  # absent: 0
        if "log_prob" not in out:  # absent: it is the log of probability
            with np.errstate(divide="ignore"):
                out["log_prob"] = np.log(out["probability"])
        if "episode" not in out:
            segment, out["t"] = episode_segments(out["env"], (out["terminated"] != 0)
                                                 | (out["truncated"] != 0))
            out["episode"] = out.pop("episode_ids")[segment]
    return out


def run_steps(path, index):
    """The step log of run `index` (recorded with log.steps=true) as {column: array}, plus
    `episode_return`: the return of each step's episode (NaN when episodes/ does not hold
    that episode: it was cut short by the budget), and `steps_every`: k when only every
    k-th episode (ids 0, k, 2k, ...) was logged (log.steps_every)."""
    with h5py.File(path, "r") as f:
        steps = f[f"runs/{index:06d}/steps"]
        out = read_steps(steps)  # obs_index or obs, ...
        out["obs_discrete"] = steps.attrs["obs_discrete"] == 1  # obs_index (T,) or obs (T, d)
        out["steps_every"] = int(steps.attrs.get("steps_every", 1))
        returns = f["episodes/return"][:][f["episodes/run"][:] == index]  # the run's rows
    # `episode` is the row among the run's episodes (0: its first); later ids: cut short.
    padded = np.append(returns, np.nan)
    out["episode_return"] = padded[np.minimum(out["episode"], returns.size)]
    return out
# --- example end ---


def legacy_run_returns(path):
    """Formats 1 and 2 (one group per run): {run index: (group text, episode returns)} of
    the runs whose `complete` attribute is 1."""
    out = {}
    with h5py.File(path, "r") as f:
        for name, run in f["runs"].items():
            if run.attrs.get("complete", 0) != 1:
                continue  # the experiment was stopped while writing this run
            out[int(name)] = (text(run.attrs["group"]), run["episodes/return"][:])
    return out


def group_summary(path, version):
    """{group text: (runs, episodes, mean return or NaN)} for the summary."""
    if version >= 3:
        with h5py.File(path, "r") as f:
            names = {int(g): text(grp.attrs["group"]) for g, grp in f["groups"].items()}
            run_index = f["run_table/run_index"][:]
            run_group = f["run_table/group"][:]
            run = f["episodes/run"][:]
        means = mean_return_by_group(path)
        order = np.argsort(run_index)
        run = run[np.isin(run, run_index)]  # rows of unlisted runs are not in the file
        ep_group = run_group[order[np.searchsorted(run_index, run, sorter=order)]]
        out = {}
        for g, name in names.items():
            out[name] = (int(np.sum(run_group == g)), int(np.sum(ep_group == g)),
                         means.get(name, math.nan))
        return out
    per_group = {}
    for group, returns in legacy_run_returns(path).values():
        per_group.setdefault(group, []).append(returns)
    out = {}
    for group, runs in per_group.items():
        means = [r.mean() for r in runs if r.size]
        out[group] = (len(runs), sum(r.size for r in runs),
                      float(np.mean(means)) if means else math.nan)
    return out


def example_source():
    with open(__file__, encoding="utf-8") as src:
        text = src.read()
    begin = text.index("# --- example begin ---\n") + len("# --- example begin ---\n")
    return text[begin:text.index("# --- example end ---")]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_file", help="an rlsim run file (.h5)")
    parser.add_argument("--doc", help="docs/log-format.md: check that its example is this code")
    args = parser.parse_args(argv)

    if args.doc:
        with open(args.doc, encoding="utf-8") as doc:
            if example_source() not in doc.read():
                print(f"read_run.py: the h5py example in {args.doc} differs from the code "
                      "between the example markers in read_run.py; make them the same",
                      file=sys.stderr)
                return 1

    checker = Checker(text, read_steps)
    try:
        with h5py.File(args.run_file, "r") as f:
            names, complete = checker.file(f)
            attrs = {k: text(f.attrs[k]) for k in ROOT_ATTRS if k in f.attrs}
            with_steps = sorted(int(n) for n, r in f["runs"].items() if "steps" in r) \
                if checker.version >= 3 and not checker.problems else []
    except OSError as e:
        print(f"read_run.py: cannot open {args.run_file} as HDF5: {e}", file=sys.stderr)
        return 1
    if checker.problems:
        for p in checker.problems:
            print(f"read_run.py: {args.run_file}: {p}", file=sys.stderr)
        print(f"read_run.py: {args.run_file}: {len(checker.problems)} layout problem(s): "
              "not as documented in docs/log-format.md", file=sys.stderr)
        return 1

    print(f"file:        {args.run_file}")
    print(f"rlsim:       {attrs['rlsim_version']} (commit {attrs['git_commit']}), "
          f"format {attrs['rlsim_format_version']}")
    print(f"created:     {attrs['created']}")
    print(f"command:     {attrs['command_line']}")
    print(f"master seed: {attrs['master_seed']}")
    print(f"runs:        {len(complete)} complete of {len(names)} present, "
          f"{attrs['planned_runs']} planned; experiment "
          f"{'complete' if attrs['complete'] == 1 else 'NOT complete'}")
    summary = group_summary(args.run_file, checker.version)
    for group in sorted(summary):
        runs, episodes, mean = summary[group]
        shown = "nan" if math.isnan(mean) else f"{mean:.6g}"
        print(f"  {group}: {runs} runs, {episodes} episodes, mean return {shown}")
    for note in checker.notes:
        print(f"note:        {note}")
    if with_steps:
        steps = run_steps(args.run_file, with_steps[0])
        held = ~np.isnan(steps["episode_return"])
        k, listed = steps["steps_every"], ", ".join(str(i) for i in with_steps[:10])
        print(f"steps:       logged for {len(with_steps)} of {len(names)} runs ({listed}"
              f"{', ...' if len(with_steps) > 10 else ''}); run {with_steps[0]:06d}: "
              f"{steps['reward'].size} steps, {held.sum()} in finished episodes"
              + (f", episodes 0, {k}, {2 * k}, ... (log.steps_every = {k})" if k > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
