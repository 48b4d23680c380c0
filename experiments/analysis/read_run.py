#!/usr/bin/env python3
"""Read an rlsim run file (HDF5), check it against the layout in docs/log-format.md, and
print a short summary: the experiment's attributes and the mean episode return of each
group of runs.

Usage:  read_run.py RUN_FILE [--doc docs/log-format.md]

Exit status: 0 when the file has the documented layout, 1 when it does not (every problem
is printed on stderr, one per line) or cannot be opened, 2 on a usage error. With --doc,
also checks that the h5py example in the document is the code of this script (between
the "example" markers below), so the two cannot drift apart.

Needs h5py and numpy: on Debian, python3-h5py and python3-numpy, run with /usr/bin/python3.
"""
import argparse
import math
import re
import sys

# --- example begin ---
import h5py
import numpy as np


def complete_run_returns(path):
    """Episode returns of every complete run: {run name: (group, numpy array)}."""
    out = {}
    with h5py.File(path, "r") as f:
        for name, run in f["runs"].items():
            if run.attrs.get("complete", 0) != 1:
                continue  # the experiment was stopped while writing this run
            returns = run["episodes/return"][:]  # float64 numpy array, one per episode
            out[name] = (text(run.attrs["group"]), returns)
    return out


def text(value):
    """A string attribute as str. Format 2 files store fixed-length UTF-8 strings, which
    h5py returns as bytes; format 1 files stored variable-length ones (already str)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def mean_return_by_group(path):
    """Mean over the complete runs of each group of their mean episode return."""
    per_group = {}
    for group, returns in complete_run_returns(path).values():
        if returns.size > 0:
            per_group.setdefault(group, []).append(returns.mean())
    return {group: float(np.mean(means)) for group, means in per_group.items()}
# --- example end ---


FORMAT_VERSIONS = (1, 2)  # 1: variable-length strings (str); 2: fixed-length (bytes)

# name -> numpy dtype ("str" for a string attribute), as documented.
ROOT_ATTRS = {
    "rlsim_format_version": "int32",
    "rlsim_version": "str",
    "git_commit": "str",
    "created": "str",
    "command_line": "str",
    "config": "str",
    "master_seed": "uint64",
    "planned_runs": "int64",
    "complete": "int32",
}
RUN_ATTRS = {
    "run_index": "int64",
    "env_id": "str",
    "agent_id": "str",
    "env_params": "str",
    "agent_params": "str",
    "group": "str",
    "seed_index": "int64",
    "env_seed": "uint64",
    "agent_seed": "uint64",
    "total_steps": "int64",
    "seconds": "float64",
    "complete": "int32",
}
EPISODE_COLUMNS = {
    "return": "float64",
    "length": "int64",
    "end_step": "int64",
    "terminated": "uint8",
    "truncated": "uint8",
    "success": "int8",
}
STEP_ATTRS = {
    "obs_discrete": "int32",
    "action_discrete": "int32",
    "obs_dim": "int32",
    "action_dim": "int32",
}
STEP_COLUMNS = {  # 1-D columns present in every steps group
    "episode": "int64",
    "t": "int64",
    "reward": "float64",
    "terminated": "uint8",
    "truncated": "uint8",
    "probability": "float64",
    "log_prob": "float64",
}
REGRET_COLUMNS = {
    "step": "int64",
    "pseudo_regret": "float64",
    "realised_regret": "float64",
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Checker:
    def __init__(self):
        self.problems = []
        self.version = FORMAT_VERSIONS[-1]

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def attrs(self, obj, where, spec):
        ok = True
        for name, dtype in spec.items():
            if name not in obj.attrs:
                self.problem(where, f"attribute '{name}' is missing")
                ok = False
                continue
            value = obj.attrs[name]
            if dtype == "str":
                want = str if self.version == 1 else bytes
                if not isinstance(value, want):
                    self.problem(where, f"attribute '{name}' is {type(value).__name__}, "
                                 f"expected a {'variable' if want is str else 'fixed'}-length "
                                 f"UTF-8 string ({want.__name__}) in a format "
                                 f"{self.version} file")
                    ok = False
                elif want is bytes:
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError:
                        self.problem(where, f"attribute '{name}' is not valid UTF-8")
                        ok = False
            elif np.asarray(value).dtype != np.dtype(dtype) or np.asarray(value).shape != ():
                self.problem(where, f"attribute '{name}' is {np.asarray(value).dtype} of shape "
                             f"{np.asarray(value).shape}, expected a scalar {dtype}")
                ok = False
        return ok

    def column(self, group, name, where, dtype, ncols=None):
        """Checks one table column; returns its data, or None if it is wrong."""
        if name not in group:
            self.problem(where, f"dataset '{name}' is missing")
            return None
        ds = group[name]
        if not isinstance(ds, h5py.Dataset):
            self.problem(where, f"'{name}' is not a dataset")
            return None
        ok = True
        if ds.dtype != np.dtype(dtype):
            self.problem(where, f"dataset '{name}' is {ds.dtype}, expected {dtype}")
            ok = False
        want_rank = 1 if ncols is None else 2
        if ds.ndim != want_rank:
            self.problem(where, f"dataset '{name}' has {ds.ndim} dimensions, expected {want_rank}")
            return None
        if ncols is not None and ds.shape[1] != ncols:
            self.problem(where, f"dataset '{name}' has {ds.shape[1]} columns, expected {ncols}")
            ok = False
        if ds.chunks is None or ds.compression != "gzip" or not ds.shuffle:
            self.problem(where, f"dataset '{name}' is not chunked with shuffle + deflate "
                         f"(chunks={ds.chunks}, compression={ds.compression}, "
                         f"shuffle={ds.shuffle})")
            ok = False
        if ds.maxshape[0] is not None:
            self.problem(where, f"dataset '{name}' rows are not extendible "
                         f"(maxshape {ds.maxshape})")
            ok = False
        return ds[...] if ok else None

    def members(self, group, where, allowed):
        for name in group:
            if name not in allowed:
                self.problem(where, f"unexpected member '{name}' (documented: "
                             f"{', '.join(sorted(allowed))})")

    def table(self, group, where, columns):
        """Checks a group of equally long 1-D columns; returns {name: data} or None."""
        data = {name: self.column(group, name, where, dtype) for name, dtype in columns.items()}
        if any(v is None for v in data.values()):
            return None
        lengths = {name: len(v) for name, v in data.items()}
        if len(set(lengths.values())) > 1:
            self.problem(where, f"columns have different lengths: {lengths}")
            return None
        return data

    def flags(self, values, where, name, allowed):
        bad = ~np.isin(values, allowed)
        if bad.any():
            self.problem(where, f"'{name}' has values outside {allowed}: "
                         f"{sorted(set(values[bad].tolist()))[:5]}")

    def run(self, name, run):
        where = f"/runs/{name}"
        if not isinstance(run, h5py.Group):
            self.problem(where, "is not a group")
            return False
        if not re.fullmatch(r"\d{6,}", name):
            self.problem(where, "name is not the zero-padded (6-digit) run index")
        if "complete" not in run.attrs:
            self.problem(where, "attribute 'complete' is missing")
            return False
        complete = run.attrs["complete"] == 1
        if not complete:
            return False  # an unfinished run: readers skip it, nothing more is promised
        if not self.attrs(run, where, RUN_ATTRS):
            return True
        if re.fullmatch(r"\d+", name) and run.attrs["run_index"] != int(name):
            self.problem(where, f"run_index {run.attrs['run_index']} does not match the name")
        self.members(run, where, {"episodes", "steps", "regret", "eval", "diagnostics", "agent"})
        if "episodes" not in run:
            self.problem(where, "group 'episodes' is missing")
        else:
            w = where + "/episodes"
            self.members(run["episodes"], w, set(EPISODE_COLUMNS))
            ep = self.table(run["episodes"], w, EPISODE_COLUMNS)
            if ep is not None:
                self.flags(ep["terminated"], w, "terminated", [0, 1])
                self.flags(ep["truncated"], w, "truncated", [0, 1])
                self.flags(ep["success"], w, "success", [-1, 0, 1])
                if (ep["length"] < 0).any():
                    self.problem(w, "'length' has negative values")
                if (np.diff(ep["end_step"]) < 0).any():
                    self.problem(w, "'end_step' decreases")
                if len(ep["end_step"]) and ep["end_step"][-1] > run.attrs["total_steps"]:
                    self.problem(w, "'end_step' exceeds the run's total_steps")
        if "steps" in run:
            self.steps(run["steps"], where + "/steps")
        if "regret" in run:
            w = where + "/regret"
            self.members(run["regret"], w, set(REGRET_COLUMNS))
            rg = self.table(run["regret"], w, REGRET_COLUMNS)
            if rg is not None and (np.diff(rg["step"]) <= 0).any():
                self.problem(w, "'step' is not strictly increasing")
        return True

    def steps(self, group, where):
        if not self.attrs(group, where, STEP_ATTRS):
            return
        obs_discrete = group.attrs["obs_discrete"] == 1
        action_discrete = group.attrs["action_discrete"] == 1
        obs_dim = int(group.attrs["obs_dim"])
        action_dim = int(group.attrs["action_dim"])
        obs_name = "obs_index" if obs_discrete else "obs"
        action_name = "action_index" if action_discrete else "action"
        columns = dict(STEP_COLUMNS)
        if self.version >= 2:
            columns["env"] = "int32"  # the env copy of each step (format 2)
        self.members(group, where, set(columns) | {obs_name, action_name})
        st = self.table(group, where, columns)
        if st is None:
            return
        if "env" in st and (st["env"] < 0).any():
            self.problem(where, "'env' has negative values")
        rows = len(st["reward"])
        for name, discrete, dim in ((obs_name, obs_discrete, obs_dim),
                                    (action_name, action_discrete, action_dim)):
            if discrete:
                data = self.column(group, name, where, "int64")
            else:
                data = self.column(group, name, where, "float32", ncols=dim)
            if data is not None and len(data) != rows:
                self.problem(where, f"'{name}' has {len(data)} rows, 'reward' has {rows}")
        self.flags(st["terminated"], where, "terminated", [0, 1])
        self.flags(st["truncated"], where, "truncated", [0, 1])
        if (st["t"] < 0).any():
            self.problem(where, "'t' has negative values")

    def file(self, f):
        """Checks the whole file; returns (run names, complete run names)."""
        if "rlsim_format_version" not in f.attrs:
            self.problem("/", "no attribute rlsim_format_version: not an rlsim run file")
            return [], []
        version = f.attrs["rlsim_format_version"]
        if version not in FORMAT_VERSIONS:
            self.problem("/", f"rlsim_format_version is {version}, this script reads "
                         f"{' and '.join(map(str, FORMAT_VERSIONS))}")
        else:
            self.version = int(version)
        self.attrs(f, "/", ROOT_ATTRS)
        if "created" in f.attrs and not ISO_UTC.match(text(f.attrs["created"])):
            self.problem("/", f"'created' is {f.attrs['created']!r}, expected "
                         "YYYY-MM-DDTHH:MM:SSZ")
        if f.attrs.get("complete", 0) not in (0, 1):
            self.problem("/", f"attribute 'complete' is {f.attrs['complete']}, expected 0/1")
        self.members(f, "/", {"runs"})
        if "runs" not in f or not isinstance(f["runs"], h5py.Group):
            self.problem("/", "group 'runs' is missing")
            return [], []
        names = list(f["runs"])
        complete = [n for n in names if self.run(n, f["runs"][n])]
        return names, complete


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

    checker = Checker()
    try:
        with h5py.File(args.run_file, "r") as f:
            names, complete = checker.file(f)
            attrs = {k: text(f.attrs[k]) for k in ROOT_ATTRS if k in f.attrs}
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
    means = mean_return_by_group(args.run_file)
    returns = complete_run_returns(args.run_file)
    for group in sorted({g for g, _ in returns.values()}):
        runs = [r for g, r in returns.values() if g == group]
        episodes = sum(r.size for r in runs)
        mean = means.get(group, math.nan)
        shown = "nan" if math.isnan(mean) else f"{mean:.6g}"
        print(f"  {group}: {len(runs)} runs, {episodes} episodes, mean return {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
