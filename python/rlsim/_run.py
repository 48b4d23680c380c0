"""Experiments from Python: rlsim.run(config, threads=0, out=None, **overrides) -> RunFile.

The config is a TOML file's path, a dict of the same shape (docs/config.md), or None for
the default experiment. It runs in C++ exactly as `rlsim run` runs it (the driver's config
parser, grid expansion, runner and writer), with the same progress display on stderr, and
returns the run file as a RunFile. Overrides are the driver's key=value overrides as
keyword arguments; a dotted key is written with a double underscore (log__steps=True for
log.steps=true, agent__alpha=0.1 for agent.alpha=0.1) or passed as **{"env[1].slip": 0.2}.
"""
import json
import math
import os

import numpy as np

from . import _rlsim
from ._runfile import RunFile

__all__ = ["run", "to_toml"]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key(k):
    k = str(k)
    return k if k and set(k) <= _BARE else json.dumps(k)


def _value(v, where):
    """A Python value as a TOML value (the form the driver's overrides take too)."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are TOML basic-string escapes
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_value(x, where) for x in list(v)) + "]"
    raise TypeError(
        f"{where}: {type(v).__name__} {v!r} is not a config value (use a bool, number, string "
        "or list of them)"
    )


def _is_table_list(v):
    return isinstance(v, (list, tuple)) and v and all(isinstance(x, dict) for x in v)


def _table_lines(prefix, table, array):
    """[prefix] or [[prefix]] with `table`'s values, then its sub-tables."""
    lines = [f"[[{prefix}]]" if array else f"[{prefix}]"]
    subs = []
    for k, v in table.items():
        if isinstance(v, dict) or _is_table_list(v):
            subs.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v, f'{prefix}.{k}')}")
    for k, v in subs:
        name = f"{prefix}.{_key(k)}"
        if isinstance(v, dict):
            lines += _table_lines(name, v, False)
        else:
            for t in v:
                lines += _table_lines(name, t, True)
    return lines


def to_toml(config):
    """The TOML text of a config dict: top-level keys, tables ([log], [eval]) and arrays of
    tables ([[env]], [[agent]]; a single dict counts as one entry; "zip" inside an entry is
    its zip group or list of zip groups)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, a TOML file path or None, got {type(config).__name__}")
    top, tables = [], []
    for k, v in config.items():
        if k in ("env", "agent") and isinstance(v, dict):
            v = [v]
        if isinstance(v, dict) or _is_table_list(v):
            tables.append((k, v))
        else:
            top.append(f"{_key(k)} = {_value(v, k)}")
    lines = top
    for k, v in tables:
        if isinstance(v, dict):
            lines += [""] + _table_lines(_key(k), v, False)
        else:
            for t in v:
                lines += [""] + _table_lines(_key(k), t, True)
    return "\n".join(lines) + "\n"


def _overrides(kwargs):
    out = []
    for k, v in kwargs.items():
        key = k.replace("__", ".")
        out.append(f"{key}={_value(v, key)}")
    return out


def run(config=None, threads=0, out=None, overwrite=False, quiet=False, last=100,
        progress_every=10.0, dry_run=False, resume=False, **overrides):
    """Runs an experiment in C++ as `rlsim run` does and returns its RunFile.

    config: a TOML file's path, a dict of the same shape, or None (the default experiment).
    threads: OpenMP threads across runs (0: all cores; results do not depend on it).
    out: the run file (default: the config's log.out, else results/NAME-TIME.h5); an
    existing file is an error (FileExistsError) unless overwrite=True. quiet: no progress
    on stderr. last: episodes per run averaged in the progress lines. dry_run: run nothing,
    return the number of runs the config expands to. Other keyword arguments are overrides
    (episodes=100, seeds=5, log__steps=True, agent__alpha=[0.1, 0.5], ...).

    Errors are the driver's messages: TypeError/ValueError for a bad config, key, id or
    parameter (before any run starts), RuntimeError when a run fails, KeyboardInterrupt on
    Ctrl-C (the file then holds the finished runs; `rlsim run --resume FILE` completes it).

    resume=True: `config` is the run file of an interrupted experiment, finished in place as
    `rlsim run --resume FILE` does (that very command runs: same config and seeds, complete
    runs kept, the others run and appended, from their last checkpoint when the config set
    checkpoint.every; bit-identical to an uninterrupted run). Unless quiet, the driver's
    summary table goes to stdout. It takes no overrides, out (other than the file itself),
    overwrite or dry_run; plugins loaded with rlsim.load_plugin are passed on. Errors are
    RuntimeError with the driver's message (e.g. a file whose stored config no longer
    expands to its runs, or one a RunFile still open in this process holds: drop it first).
    """
    if resume:
        return _resume(config, threads, out, overwrite, quiet, last, progress_every, dry_run,
                       overrides)
    if config is None:
        text, source = _rlsim.default_config_text(), "<default config>"
        label = "None"
    elif isinstance(config, dict):
        text, source = to_toml(config), "<config dict>"
        label = "{...}"
    elif isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        if not os.path.exists(path):
            raise FileNotFoundError(f"config file '{path}' does not exist")
        with open(path, encoding="utf-8") as f:
            text, source = f.read(), path
        label = repr(path)
    else:
        raise TypeError(
            f"config must be a TOML file path, a dict or None, got {type(config).__name__}"
        )
    ov = _overrides(overrides)
    command = "rlsim.run(" + ", ".join([label] + [f"{k}={v!r}" for k, v in overrides.items()])
    command += ") [Python]"
    result = _rlsim.run_experiment(
        text, source, ov, int(threads), "" if out is None else os.fspath(out), bool(overwrite),
        bool(quiet), int(last), float(progress_every), command, bool(dry_run),
    )
    if dry_run:
        return int(result)
    return RunFile(result)


def _resume(path, threads, out, overwrite, quiet, last, progress_every, dry_run, overrides):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"resume=True needs the run file's path as config, got {type(path).__name__}")
    path = os.fspath(path)
    if overrides:
        raise TypeError(
            f"resume=True takes no overrides ({', '.join(sorted(overrides))}): the run file's "
            "stored config is resumed as it is"
        )
    if overwrite or dry_run:
        raise ValueError("resume=True cannot be combined with overwrite or dry_run")
    if out is not None and os.path.abspath(os.fspath(out)) != os.path.abspath(path):
        raise ValueError(f"resume=True writes into the file it resumes ('{path}'); omit out")
    if not os.path.exists(path):
        raise FileNotFoundError(f"run file '{path}' does not exist")
    from ._registry import LOADED_PLUGINS

    command = f"rlsim.run({path!r}, resume=True) [Python]"
    _rlsim.resume_experiment(path, int(threads), bool(quiet), int(last), float(progress_every),
                             list(LOADED_PLUGINS), command)
    return RunFile(path)
