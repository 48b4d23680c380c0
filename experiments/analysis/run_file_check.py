"""read_run.py's checker: an rlsim run file (format 1, 2 or 3) against the layout in
docs/log-format.md: the attributes, tables, columns, types, filters and row counts, the
live rows and checkpoints of a file being written, and the step logs (layout 2 through
step_layout_check.py). Checker.file(f) returns (run names, complete run names) and leaves
every problem in Checker.problems. Kept apart from read_run.py, whose first part is the h5py
example of docs/log-format.md, to keep each file under the project's 800 lines."""
import re

import h5py
import numpy as np

import step_layout_check

FORMAT_VERSIONS = (1, 2, 3)  # 1: variable-length strings (str); 2: fixed-length (bytes);
# 3: experiment-wide tables (run_table, groups, episodes, regret, eval)

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
GROUP_ATTRS = {  # format 3: /groups/G
    "env_id": "str",
    "agent_id": "str",
    "env_params": "str",
    "agent_params": "str",
    "group": "str",
}
RUN_TABLE_COLUMNS = {  # format 3: run_table/
    "run_index": "int64",
    "group": "int64",
    "seed_index": "int64",
    "env_seed": "uint64",
    "agent_seed": "uint64",
    "total_steps": "int64",
    "seconds": "float64",
}
RUN_ATTRS = {  # formats 1 and 2: /runs/N
    "run_index": "int64",
    **{k: v for k, v in GROUP_ATTRS.items()},
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
    "optimal_pulls": "int64",
}
# Columns added after their table's format came out: a file written before lacks them (a
# note, not a problem; readers take -1, unknown, for each row).
ADDED_COLUMNS = {"optimal_pulls"}
EVAL_COLUMNS = {
    "step": "int64",
    "return": "float64",
    "length": "int64",
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
RUN_NAME = re.compile(r"^(\d{6}|[1-9]\d{6,})$")  # 6-digit zero-padded, more digits unpadded


def row_blocks(run):
    """(first row, end row, run index) of each block of equal values of a `run` column."""
    starts = np.flatnonzero(np.diff(run, prepend=run[:1] - 1)) if run.size else run[:0]
    ends = np.append(starts[1:], run.size)
    return starts, ends, run[starts]


class Checker:
    """Collects every difference between an open run file and the documented layout
    (problems) and what readers ignore (notes). `text` and `read_steps` are read_run.py's
    readers (its h5py example), passed in so that this module does not import that script."""

    def __init__(self, text, read_steps):
        self.text, self.read_steps = text, read_steps
        self.problems = []
        self.notes = []  # what readers ignore, printed with the summary
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

    def column(self, group, name, where, dtype, ncols=None, compressed=True):
        """Checks one table column; returns its data, or None if it is wrong. A compressed
        column is chunked with shuffle + deflate; an uncompressed one (format 3's
        experiment-wide tables) is chunked; both have extendible rows."""
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
        if compressed and (ds.chunks is None or ds.compression != "gzip" or not ds.shuffle):
            self.problem(where, f"dataset '{name}' is not chunked with shuffle + deflate "
                         f"(chunks={ds.chunks}, compression={ds.compression}, "
                         f"shuffle={ds.shuffle})")
            ok = False
        if not compressed and ds.chunks is None:
            self.problem(where, f"dataset '{name}' is not chunked")
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
                             f"{', '.join(sorted(allowed)) or 'none'})")

    def table(self, group, where, columns, compressed=True):
        """Checks a group of equally long 1-D columns; returns {name: data} or None."""
        absent = [name for name in columns if name in ADDED_COLUMNS and name not in group]
        first = next(iter(columns))
        rows = group[first].shape[0] if first in group and group[first].shape else 0
        for name in absent:
            if rows > 0:  # an empty table lacks nothing a reader would notice
                self.notes.append(f"{where}: no '{name}' (a file written before rlsim recorded "
                                  "it): readers take -1 (unknown)")
        data = {name: self.column(group, name, where, dtype, compressed=compressed)
                for name, dtype in columns.items() if name not in absent}
        if any(v is None for v in data.values()):
            return None
        lengths = {name: len(v) for name, v in data.items()}
        if len(set(lengths.values())) > 1:
            self.problem(where, f"columns have different lengths: {lengths}")
            return None
        return data

    def optimal_pulls(self, rg, where, same):
        """optimal_pulls: -1 (unknown) or 0..step, and where known never growing by more than
        the pulls between two rows of a run (SAME: row i+1 is of row i's run)."""
        if "optimal_pulls" not in rg:
            return
        n, step = rg["optimal_pulls"], rg["step"]
        if ((n < -1) | (n > step)).any():
            self.problem(where, "'optimal_pulls' has values outside -1 (unknown) to 'step'")
            return
        known = same & (n[:-1] >= 0) & (n[1:] >= 0)
        grow = np.diff(n)
        if ((grow < 0) | (grow > np.diff(step)))[known].any():
            self.problem(where, "'optimal_pulls' grows by less than 0 or more than the pulls "
                         "between two rows of a run")

    def flags(self, values, where, name, allowed):
        bad = ~np.isin(values, allowed)
        if bad.any():
            self.problem(where, f"'{name}' has values outside {allowed}: "
                         f"{sorted(set(values[bad].tolist()))[:5]}")

    def episodes(self, ep, where, total_steps):
        """Checks an episodes table of one run (TOTAL_STEPS a number) or of every run
        (`run` column present, TOTAL_STEPS an array: each row's run's total_steps)."""
        self.flags(ep["terminated"], where, "terminated", [0, 1])
        self.flags(ep["truncated"], where, "truncated", [0, 1])
        self.flags(ep["success"], where, "success", [-1, 0, 1])
        if (ep["length"] < 0).any():
            self.problem(where, "'length' has negative values")
        drops = np.diff(ep["end_step"]) < 0
        if "run" in ep:
            drops &= np.diff(ep["run"]) == 0
        if drops.any():
            self.problem(where, "'end_step' decreases" + (" within a run" if "run" in ep else ""))
        over = ep["end_step"] > total_steps
        if over.any():
            self.problem(where, "'end_step' exceeds the run's total_steps" +
                         (f" (runs {sorted(set(ep['run'][over].tolist()))[:5]})"
                          if "run" in ep else ""))

    def steps(self, group, where, episodes=None, total_steps=None):
        """Checks a steps group; with the run's episode returns and lengths (EPISODES,
        {"return", "length"}), also that each episode's steps add up to its row."""
        if not self.attrs(group, where, STEP_ATTRS):
            return
        obs_discrete = group.attrs["obs_discrete"] == 1
        action_discrete = group.attrs["action_discrete"] == 1
        obs_dim = int(group.attrs["obs_dim"])
        action_dim = int(group.attrs["action_dim"])
        obs_name = "obs_index" if obs_discrete else "obs"
        action_name = "action_index" if action_discrete else "action"
        if "layout" in group.attrs:  # layout 2, compact (step_layout_check.py)
            st = step_layout_check.check(self, group, where, self.read_steps)
            if st is not None:
                self.step_contents(st, where, episodes, total_steps, st["steps_every"])
            return
        columns = dict(STEP_COLUMNS)
        if self.version >= 2:
            columns["env"] = "int32"  # the env copy of each step (format 2)
        # The env's step info, for envs that report it (attributes info_prob, mask_dim).
        if "info_prob" in group.attrs:
            columns["prob"] = "float64"
        mask_dim = int(group.attrs["mask_dim"]) if "mask_dim" in group.attrs else 0
        extra = {"action_mask"} if mask_dim > 0 else set()
        self.members(group, where, set(columns) | {obs_name, action_name} | extra)
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
        if mask_dim > 0:
            mask = self.column(group, "action_mask", where, "uint8", ncols=mask_dim)
            if mask is not None and len(mask) != rows:
                self.problem(where, f"'action_mask' has {len(mask)} rows, 'reward' has {rows}")
        self.step_contents(st, where, episodes, total_steps)

    def step_contents(self, st, where, episodes, total_steps, every=1):
        """Flags, ids, and (notes) whether the logged episodes add up to their rows."""
        self.flags(st["terminated"], where, "terminated", [0, 1])
        self.flags(st["truncated"], where, "truncated", [0, 1])
        if (st["t"] < 0).any():
            self.problem(where, "'t' has negative values")
        if (st["episode"] < 0).any():
            self.problem(where, "'episode' has negative values")
            return
        # Consistency of the contents (not of the layout): a note, the exit status stays 0.
        # A file written through the API with made-up rows (tests/data/format2.h5) differs.
        if total_steps is not None and len(st["reward"]) != total_steps and every == 1:
            self.notes.append(f"{where}: {len(st['reward'])} rows, but the run's total_steps is "
                              f"{total_steps}")
        if episodes is not None:
            n = len(episodes["return"])
            held = st["episode"] < n
            lengths = np.bincount(st["episode"][held], minlength=n)
            sums = np.bincount(st["episode"][held], weights=st["reward"][held], minlength=n)
            logged = np.arange(n) % every == 0  # log.steps_every: the episodes logged
            lengths, sums, episodes = lengths[logged], sums[logged], {
                k: episodes[k][logged] for k in ("return", "length")}
            if (lengths != episodes["length"]).any():
                bad = np.flatnonzero(lengths != episodes["length"])
                self.notes.append(f"{where}: episodes {bad[:5].tolist()} have "
                                  f"{lengths[bad[:5]].tolist()} steps, their rows say length "
                                  f"{episodes['length'][bad[:5]].tolist()}")
            elif not np.allclose(sums, episodes["return"], rtol=1e-9, atol=1e-9,
                                 equal_nan=True):
                bad = np.flatnonzero(~np.isclose(sums, episodes["return"], rtol=1e-9,
                                                 atol=1e-9, equal_nan=True))
                self.notes.append(f"{where}: the rewards of episodes {bad[:5].tolist()} do not "
                                  "add up to their return")

    def diagnostics(self, group, where):
        if "columns" not in group.attrs:
            self.problem(where, "attribute 'columns' is missing")
            return
        names = np.asarray(group.attrs["columns"])
        if names.ndim != 1 or names.dtype.kind not in "SO":
            self.problem(where, f"attribute 'columns' is {names.dtype} of shape {names.shape}, "
                         "expected a 1-D array of strings")
            return
        names = [self.text(n) for n in names.tolist()]
        for n in names:
            if not n or n == "step" or "/" in n:
                self.problem(where, f"column name {n!r} is empty, 'step' or has a '/'")
        if len(set(names)) != len(names):
            self.problem(where, f"column names are not unique: {names}")
        self.members(group, where, set(names) | {"step"})
        self.table(group, where, {"step": "int64", **{n: "float64" for n in set(names)
                                                      if n and "/" not in n}})

    def agent(self, group, where):
        if group.attrs.get("rlsim_state_dict_version", None) != 1:
            self.problem(where, "attribute 'rlsim_state_dict_version' is not 1")

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind not in "iuf":
                self.problem(where, f"entry '{name}' is {obj.dtype}, expected numbers")

        group.visititems(visit)

    def run_data(self, run, where, episodes, total_steps):
        """steps, diagnostics and agent of one run (the same in every format)."""
        if "steps" in run:
            self.steps(run["steps"], where + "/steps", episodes, total_steps)
        if "diagnostics" in run:
            self.diagnostics(run["diagnostics"], where + "/diagnostics")
        if "agent" in run:
            self.agent(run["agent"], where + "/agent")

    def run(self, name, run):
        """Formats 1 and 2: one run group; returns whether it is complete."""
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
        ep = None
        total_steps = int(run.attrs["total_steps"])
        if "episodes" not in run:
            self.problem(where, "group 'episodes' is missing")
        else:
            w = where + "/episodes"
            self.members(run["episodes"], w, set(EPISODE_COLUMNS))
            ep = self.table(run["episodes"], w, EPISODE_COLUMNS)
            if ep is not None:
                self.episodes(ep, w, total_steps)
        if "regret" in run:
            w = where + "/regret"
            self.members(run["regret"], w, set(REGRET_COLUMNS))
            rg = self.table(run["regret"], w, REGRET_COLUMNS)
            if rg is not None and (np.diff(rg["step"]) <= 0).any():
                self.problem(w, "'step' is not strictly increasing")
            if rg is not None:
                self.optimal_pulls(rg, w, np.ones(max(len(rg["step"]) - 1, 0), bool))
        if "eval" in run:
            w = where + "/eval"
            self.members(run["eval"], w, set(EVAL_COLUMNS))
            ev = self.table(run["eval"], w, EVAL_COLUMNS)
            if ev is not None and (np.diff(ev["step"]) < 0).any():
                self.problem(w, "'step' decreases")
        self.run_data(run, where, ep, total_steps)
        return True

    def experiment_table(self, f, name, columns, runs):
        """Format 3: an experiment-wide table with a `run` column: its members and columns,
        every `run` value a run of run_table (RUNS: run_index → row), each run's rows
        contiguous and the runs in run_table order. Rows of runs run_table does not list
        after the last row of a listed run are not part of the table (a kill during a flush
        can leave them; readers ignore them): a note, not a problem. Returns ({column: the
        table's rows}, {run index: (first row, end row)}) or (None, {})."""
        where = "/" + name
        if name not in f or not isinstance(f[name], h5py.Group):
            self.problem("/", f"group '{name}' is missing")
            return None, {}
        columns = {"run": "int64", **columns}
        self.members(f[name], where, set(columns))
        data = self.table(f[name], where, columns, compressed=False)
        if data is None:
            return None, {}
        listed = np.isin(data["run"], np.fromiter(runs, np.int64, len(runs)))
        end = int(np.flatnonzero(listed)[-1]) + 1 if listed.any() else 0
        if end < listed.size:
            self.notes.append(f"{where}: {listed.size - end} rows at the end belong to runs "
                              f"run_table does not list "
                              f"({sorted(set(data['run'][end:].tolist()))[:5]}; left by a kill "
                              "during a flush): ignored")
            data = {c: v[:end] for c, v in data.items()}
        run = data["run"]
        if not listed[:end].all():
            first = int(np.flatnonzero(~listed[:end])[0])
            self.problem(where, f"row {first} belongs to run {run[first]}, which "
                         "run_table/run_index does not list, before rows of listed runs")
        starts, ends, who = row_blocks(run)
        index, blocks = np.unique(who, return_counts=True)
        if index.size != who.size:
            self.problem(where, f"the rows of runs {index[blocks > 1][:5].tolist()} are not "
                         "contiguous")
        else:
            rows = np.array([runs.get(w, -1) for w in who.tolist()])
            if (np.diff(rows[rows >= 0]) < 0).any():
                self.problem(where, "the runs' rows are not in run_table order")
        spans = {int(w): (int(a), int(b)) for a, b, w in zip(starts, ends, who)}
        return data, spans

    def live(self, f, listed):
        """/live (table 9): runs in progress, only in a file not marked complete."""
        if "live" not in f:
            return
        if int(f.attrs.get("complete", 0)) == 1:
            self.problem("/live", "a file marked complete has live rows (table 9)")
        for name, g in f["live"].items():
            where = f"/live/{name}"
            if not RUN_NAME.match(name) or not isinstance(g, h5py.Group):
                self.problem(where, "is not a group named by a zero-padded run index")
                continue
            self.members(g, where, {"eval", "diagnostics"})
            self.attrs(g, where, dict(GROUP_ATTRS, steps="int64", seed_index="int64"))
            if "eval" in g:
                self.table(g["eval"], where + "/eval",
                           {k: v for k, v in EVAL_COLUMNS.items() if k != "run"},
                           compressed=False)
            state = "listed in run_table: ignored" if int(name) in listed else "in progress"
            self.notes.append(f"{where}: live rows of a run {state}")

    def checkpoints(self, f, listed):
        """/checkpoints (table 10): runs in progress, only in a file not marked complete;
        /continuation (table 11): end states of runs in run_table, for rlsim run --continue."""
        if "checkpoints" in f and int(f.attrs.get("complete", 0)) == 1:
            self.problem("/checkpoints", "a file marked complete has checkpoints (table 10)")
        for top in ("checkpoints", "continuation"):
            for name, g in (f[top].items() if top in f else []):
                where = f"/{top}/{name}"
                if not RUN_NAME.match(name) or not isinstance(g, h5py.Group):
                    self.problem(where, "is not a group named by a zero-padded run index")
                    continue
                self.members(g, where, {"runner", "env", "agent", "result"})
                if "runner/loop" not in g:
                    self.problem(where, "has no dataset runner/loop (table 10)")
                elif top == "continuation":
                    if int(name) not in listed:
                        self.problem(where, "is the end state of a run not in run_table")
                else:
                    steps = int(g["runner/loop"][1])
                    state = ("listed in run_table: ignored" if int(name) in listed
                             else "in progress")
                    self.notes.append(f"{where}: checkpoint at step {steps} of a run {state}")

    def file_v3(self, f):
        """Format 3; returns the run indices of run_table."""
        self.members(f, "/", {"run_table", "groups", "episodes", "regret", "eval", "runs", "live",
                              "checkpoints", "continuation", "damaged"})
        if "damaged" in f:
            self.notes.append("/damaged: groups a killed writer left partly unreadable, set "
                              "aside by rlsim run --resume (docs/log-format.md, table 10)")
        # groups
        numbers = set()
        if "groups" not in f or not isinstance(f["groups"], h5py.Group):
            self.problem("/", "group 'groups' is missing")
        else:
            texts = {}
            for name, grp in f["groups"].items():
                where = f"/groups/{name}"
                if not isinstance(grp, h5py.Group):
                    self.problem(where, "is not a group")
                    continue
                if not RUN_NAME.match(name):
                    self.problem(where, "name is not the zero-padded (6-digit) group number")
                    continue
                numbers.add(int(name))
                self.members(grp, where, set())
                if self.attrs(grp, where, GROUP_ATTRS):
                    texts.setdefault(self.text(grp.attrs["group"]), []).append(name)
            for t, names in texts.items():
                if len(names) > 1:
                    self.problem("/groups", f"groups {', '.join(names)} have the same text {t!r}")
        # run_table
        if "run_table" not in f or not isinstance(f["run_table"], h5py.Group):
            self.problem("/", "group 'run_table' is missing")
            return []
        self.members(f["run_table"], "/run_table", set(RUN_TABLE_COLUMNS))
        rt = self.table(f["run_table"], "/run_table", RUN_TABLE_COLUMNS, compressed=False)
        if rt is None:
            return []
        index = rt["run_index"]
        values, counts = np.unique(index, return_counts=True)
        if (counts > 1).any():
            self.problem("/run_table",
                         f"'run_index' repeats runs {values[counts > 1][:5].tolist()}")
        if (index < 0).any():
            self.problem("/run_table", "'run_index' has negative values")
        planned = int(f.attrs["planned_runs"]) if "planned_runs" in f.attrs else 0
        if planned > 0 and (index >= planned).any():
            self.problem("/run_table", f"'run_index' has values at or above planned_runs = "
                         f"{planned} (runs are 0 to {planned - 1}): "
                         f"{sorted(set(index[index >= planned].tolist()))[:5]}")
        self.live(f, set(index.tolist()))
        self.checkpoints(f, set(index.tolist()))
        for col in ("seed_index", "total_steps"):
            if (rt[col] < 0).any():
                self.problem("/run_table", f"'{col}' has negative values")
        missing = sorted(set(rt["group"].tolist()) - numbers)
        if missing:
            self.problem("/run_table", f"'group' has values without a /groups member: "
                         f"{missing[:5]}")
        # Groups are numbered from 0 in the order their first run was written.
        _, first = np.unique(rt["group"], return_index=True)
        in_order = rt["group"][np.sort(first)].tolist()
        if in_order != list(range(len(in_order))):
            self.problem("/run_table", f"groups are not numbered from 0 in the order of their "
                         f"first run: {in_order[:8]}")
        unused = sorted(numbers - set(rt["group"].tolist()))
        if unused:
            self.problem("/groups", f"groups {unused[:5]} have no run in run_table")
        runs = {int(r): i for i, r in enumerate(index.tolist())}
        total = rt["total_steps"]
        # episodes, regret, eval
        ep, ep_spans = self.experiment_table(f, "episodes", EPISODE_COLUMNS, runs)
        if ep is not None:
            rows = np.array([runs.get(r, -1) for r in ep["run"].tolist()], dtype=np.int64)
            limit = np.where(rows >= 0, total[np.maximum(rows, 0)] if total.size else 0,
                             np.iinfo(np.int64).max)
            self.episodes(ep, "/episodes", limit)
        rg, _ = self.experiment_table(f, "regret", REGRET_COLUMNS, runs)
        if rg is not None:
            same = np.diff(rg["run"]) == 0
            if (np.diff(rg["step"])[same] <= 0).any():
                self.problem("/regret", "'step' is not strictly increasing within a run")
            self.optimal_pulls(rg, "/regret", same)
        ev, _ = self.experiment_table(f, "eval", EVAL_COLUMNS, runs)
        if ev is not None:
            same = np.diff(ev["run"]) == 0
            if (np.diff(ev["step"])[same] < 0).any():
                self.problem("/eval", "'step' decreases within a run")
            if (ev["length"] < 0).any():
                self.problem("/eval", "'length' has negative values")
        # runs/N: only runs of run_table, only their own data
        if "runs" not in f or not isinstance(f["runs"], h5py.Group):
            self.problem("/", "group 'runs' is missing")
            return index.tolist()
        for name, run in f["runs"].items():
            where = f"/runs/{name}"
            if not isinstance(run, h5py.Group):
                self.problem(where, "is not a group")
                continue
            if not RUN_NAME.match(name):
                self.problem(where, "name is not the zero-padded (6-digit) run index")
                continue
            if int(name) not in runs:
                self.notes.append(f"{where}: a run run_table does not list (left by a kill "
                                  "during a flush): ignored")
                continue
            if len(run.attrs):
                self.problem(where, f"has attributes ({', '.join(run.attrs)}): a format 3 run "
                             "group has none")
            self.members(run, where, {"steps", "diagnostics", "agent"})
            if not len(run):
                self.problem(where, "is empty (a run without steps, diagnostics or agent state "
                             "has no group)")
            episodes = None
            if ep is not None and int(name) in ep_spans:
                a, b = ep_spans[int(name)]
                episodes = {"return": ep["return"][a:b], "length": ep["length"][a:b]}
            elif ep is not None:
                episodes = {"return": np.zeros(0), "length": np.zeros(0, np.int64)}
            self.run_data(run, where, episodes, int(total[runs[int(name)]]))
        return index.tolist()

    def file(self, f):
        """Checks the whole file; returns (runs present, complete runs)."""
        if "rlsim_format_version" not in f.attrs:
            self.problem("/", "no attribute rlsim_format_version: not an rlsim run file")
            return [], []
        version = f.attrs["rlsim_format_version"]
        if version not in FORMAT_VERSIONS:
            self.problem("/", f"rlsim_format_version is {version}, this script reads "
                         f"{', '.join(map(str, FORMAT_VERSIONS))}")
            return [], []
        self.version = int(version)
        self.attrs(f, "/", ROOT_ATTRS)
        if "created" in f.attrs and not ISO_UTC.match(self.text(f.attrs["created"])):
            self.problem("/", f"'created' is {f.attrs['created']!r}, expected "
                         "YYYY-MM-DDTHH:MM:SSZ")
        if f.attrs.get("complete", 0) not in (0, 1):
            self.problem("/", f"attribute 'complete' is {f.attrs['complete']}, expected 0/1")
        if self.version >= 3:
            runs = self.file_v3(f)
            return runs, runs
        self.members(f, "/", {"runs"})
        if "runs" not in f or not isinstance(f["runs"], h5py.Group):
            self.problem("/", "group 'runs' is missing")
            return [], []
        names = list(f["runs"])
        complete = [n for n in names if self.run(n, f["runs"][n])]
        return names, complete
