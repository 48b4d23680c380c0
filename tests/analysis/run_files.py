"""Writes rlsim run files by hand with h5py, in the layout of docs/log-format.md: format 3
(experiment-wide tables) and formats 1 and 2 (one group per run), from one description of
an experiment, so that tests can feed the same results in every layout to the analysis
scripts (experiments/analysis/read_run.py, plot.py).

An experiment is a dict: "attrs" (root attributes, strings as str) and "runs", a list of
runs in the order they were written, each a dict with the run_table fields (run_index,
env_id, agent_id, env_params, agent_params, group, seed_index, env_seed, agent_seed,
total_steps, seconds) and the tables "episodes", "regret", "eval" ({column: array} or
None), "steps" ((attrs, {column: array}) or None), "diagnostics" (({column name list},
{column: array}) or None) and "agent" ({entry: array} or None).
"""
import h5py
import numpy as np

ROOT_TYPES = {
    "rlsim_format_version": np.int32,
    "rlsim_version": str,
    "git_commit": str,
    "created": str,
    "command_line": str,
    "config": str,
    "master_seed": np.uint64,
    "planned_runs": np.int64,
    "complete": np.int32,
}
RUN_TYPES = {  # run_table columns (format 3) / run group attributes (formats 1, 2)
    "run_index": np.int64,
    "seed_index": np.int64,
    "env_seed": np.uint64,
    "agent_seed": np.uint64,
    "total_steps": np.int64,
    "seconds": np.float64,
}
GROUP_ATTRS = ("env_id", "agent_id", "env_params", "agent_params", "group")
EPISODE_TYPES = {"return": np.float64, "length": np.int64, "end_step": np.int64,
                 "terminated": np.uint8, "truncated": np.uint8, "success": np.int8}
REGRET_TYPES = {"step": np.int64, "pseudo_regret": np.float64, "realised_regret": np.float64,
                "optimal_pulls": np.int64}
# Columns added after format 3 came out: written only when every run's table has them (a
# table without them is a file written before they existed).
ADDED_COLUMNS = {"optimal_pulls"}
EVAL_TYPES = {"step": np.int64, "return": np.float64, "length": np.int64}


def set_attr(obj, name, value, version):
    """A string as the version writes it (1: variable-length str; 2, 3: fixed-length bytes,
    an empty one as one NUL byte); anything else as a numpy scalar."""
    if isinstance(value, str):
        if version == 1:
            obj.attrs.create(name, value, dtype=h5py.string_dtype("utf-8"))
        else:
            data = value.encode("utf-8")
            obj.attrs.create(name, np.bytes_(data), dtype=f"S{max(len(data), 1)}")
    else:
        obj.attrs[name] = value


def column(group, name, data, dtype, compressed=True):
    data = np.asarray(data, dtype=dtype)
    rows = max(1, min(len(data), 65536))
    kw = dict(compression="gzip", compression_opts=4, shuffle=True) if compressed else {}
    group.create_dataset(name, data=data, chunks=(rows,) + data.shape[1:],
                         maxshape=(None,) + data.shape[1:], **kw)


def table(parent, name, columns, types, compressed=True):
    g = parent.create_group(name)
    for col, dtype in types.items():
        if col in ADDED_COLUMNS and col not in columns:
            continue
        column(g, col, columns[col], dtype, compressed)
    return g


def write_run_data(grp, run, version):
    """steps, diagnostics and agent of a run (the same in every format)."""
    if run.get("steps") is not None:
        attrs, cols = run["steps"]
        g = grp.create_group("steps")
        for k, v in attrs.items():
            g.attrs[k] = np.int32(v)
        for name, data in cols.items():
            if name == "env" and version == 1:
                continue
            column(g, name, data, np.asarray(data).dtype)
    if run.get("diagnostics") is not None:
        names, cols = run["diagnostics"]
        g = grp.create_group("diagnostics")
        width = max([len(n.encode()) for n in names] + [1])
        g.attrs.create("columns", np.array([n.encode() for n in names], dtype=f"S{width}"))
        column(g, "step", cols["step"], np.int64)
        for n in names:
            column(g, n, cols[n], np.float64)
    if run.get("agent") is not None:
        g = grp.create_group("agent")
        g.attrs["rlsim_state_dict_version"] = np.int32(1)
        for name, data in run["agent"].items():
            g.create_dataset(name, data=np.asarray(data, dtype=np.float64))


def root(f, exp, version):
    for name, dtype in ROOT_TYPES.items():
        value = exp["attrs"][name] if name != "rlsim_format_version" else version
        set_attr(f, name, value if dtype is str else dtype(value), version)


def write_old(path, exp, version=2):
    """Format 1 or 2: one /runs/NNNNNN group per run, every run complete."""
    with h5py.File(path, "w", libver=("v108", "latest")) as f:
        root(f, exp, version)
        runs = f.create_group("runs")
        for run in exp["runs"]:
            grp = runs.create_group(f"{run['run_index']:06d}")
            set_attr(grp, "run_index", np.int64(run["run_index"]), version)
            for name in GROUP_ATTRS:
                set_attr(grp, name, run[name], version)
            for name, dtype in RUN_TYPES.items():
                set_attr(grp, name, dtype(run[name]), version)
            table(grp, "episodes", run["episodes"], EPISODE_TYPES)
            if run.get("regret") is not None:
                table(grp, "regret", run["regret"], REGRET_TYPES)
            if run.get("eval") is not None:
                table(grp, "eval", run["eval"], EVAL_TYPES)
            write_run_data(grp, run, version)
            set_attr(grp, "complete", np.int32(1), version)


def write_v3(path, exp):
    """Format 3: run_table, groups, episodes, regret, eval, and /runs/N only for runs with
    steps, diagnostics or an agent state."""
    runs = exp["runs"]
    with h5py.File(path, "w", libver=("v108", "latest")) as f:
        root(f, exp, 3)
        group_of = {}
        for run in runs:
            group_of.setdefault(run["group"], (len(group_of), run))
        groups = f.create_group("groups")
        for number, run in group_of.values():
            g = groups.create_group(f"{number:06d}")
            for name in GROUP_ATTRS:
                set_attr(g, name, run[name], 3)
        cols = {name: [r[name] for r in runs] for name in RUN_TYPES}
        cols["group"] = [group_of[r["group"]][0] for r in runs]
        table(f, "run_table", cols, dict(RUN_TYPES, group=np.int64), compressed=False)
        for name, types in (("episodes", EPISODE_TYPES), ("regret", REGRET_TYPES),
                            ("eval", EVAL_TYPES)):
            parts = [(r["run_index"], r.get(name)) for r in runs if r.get(name) is not None]
            types = {col: dtype for col, dtype in types.items()
                     if col not in ADDED_COLUMNS or (parts and all(col in t for _, t in parts))}
            cols = {col: np.concatenate([np.asarray(t[col], dtype=dtype) for _, t in parts] +
                                        [np.zeros(0, dtype)])
                    for col, dtype in types.items()}
            cols["run"] = np.concatenate([np.full(len(t[next(iter(types))]), i, np.int64)
                                          for i, t in parts] + [np.zeros(0, np.int64)])
            table(f, name, cols, dict(run=np.int64, **types), compressed=False)
        per_run = f.create_group("runs")
        for run in runs:
            if any(run.get(k) is not None for k in ("steps", "diagnostics", "agent")):
                write_run_data(per_run.create_group(f"{run['run_index']:06d}"), run, 3)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def read_old(path):
    """The experiment of a format 1 or 2 file (its complete runs), for write_v3."""
    exp = {"attrs": {}, "runs": []}
    with h5py.File(path, "r") as f:
        for name, dtype in ROOT_TYPES.items():
            v = f.attrs[name]
            exp["attrs"][name] = text(v) if dtype is str else v
        for name, grp in f["runs"].items():
            if grp.attrs.get("complete", 0) != 1:
                continue
            run = {k: grp.attrs[k] for k in ("run_index",) + tuple(RUN_TYPES)}
            run.update({k: text(grp.attrs[k]) for k in GROUP_ATTRS})
            for t in ("episodes", "regret", "eval"):
                run[t] = {c: d[:] for c, d in grp[t].items()} if t in grp else None
            if "steps" in grp:
                run["steps"] = (dict(grp["steps"].attrs),
                                {c: d[:] for c, d in grp["steps"].items()})
            if "diagnostics" in grp:
                g = grp["diagnostics"]
                run["diagnostics"] = ([text(c) for c in g.attrs["columns"]],
                                      {c: d[:] for c, d in g.items()})
            if "agent" in grp:
                state = {}
                grp["agent"].visititems(
                    lambda n, o: state.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset)
                    else None)
                run["agent"] = state
            exp["runs"].append(run)
    return exp
