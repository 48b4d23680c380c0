"""The `diagnostics` figure of plot.py, and the runs in progress of a file being written.

diagnostics: the agents' training diagnostics (docs/log-format.md, table 7: losses, entropy,
approx_kl, clip_fraction, epsilon, learning_rate, ...) against the training env steps, one
panel per quantity. A line is a group of runs that differ only in their seed: the mean over
its runs at the update steps every run recorded (the runs of a group update at the same
steps when their budget is in steps), else one thin line per run. Runs still in progress
(the file's live rows, /live: docs/log-format.md "Live rows") are drawn dashed, one line
per run, labelled "(in progress)". The sidecar lists per panel the lines drawn with their
numbers: {"kind", "env", "x_label", "panels": [{"name", "lines": [{"label", "runs",
"points", "role" ("mean", "run" or "in_progress"), "x", "y"}]}], "lines": [...]} ("lines"
repeats every panel's entries with their "panel", as the other figures list theirs).
"""
import json
import math
import os

import numpy as np
import matplotlib.pyplot as plt


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def load_live_runs(f, make_run):
    """The runs in progress of an open format 3 file: the /live members that run_table does
    not list, each made by make_run(index, info, eval_step, eval_return) and marked
    in_progress; [] when the file has none (a finished file never has)."""
    if "live" not in f:
        return []
    listed = set(f["run_table/run_index"][:].tolist())
    runs = []
    for name, g in f["live"].items():
        index = int(name)
        if index in listed:
            continue
        info = {k: _text(g.attrs[k]) for k in ("env_id", "agent_id", "env_params",
                                                 "agent_params", "group")}
        info.update(total_steps=int(g.attrs["steps"]), env_seed=0)
        ev = g["eval"] if "eval" in g else None
        run = make_run(index, info, ev["step"][:] if ev else None,
                       ev["return"][:] if ev else None)
        run.in_progress = True
        runs.append(run)
    return runs


def read_diagnostics(f, run):
    """(step array, {name: values}) of a run's diagnostics, or None when it has none."""
    where = ("live/" if getattr(run, "in_progress", False) else "runs/") + f"{run.run_index:06d}"
    if where not in f or "diagnostics" not in f[where]:
        return None
    g = f[where]["diagnostics"]
    names = [_text(c) for c in g.attrs["columns"]]
    return g["step"][:], {n: g[n][:] for n in names}


def _numbers(values):
    return [None if not math.isfinite(float(v)) else float(v) for v in values]


def plot_diagnostics(f, env_title, runs, labels, out_dir, stem):
    """Draws DIR/<stem>.png and its sidecar for the runs of one env; returns the PNG's path,
    or None when no run recorded diagnostics."""
    data = [(r, read_diagnostics(f, r)) for r in runs]
    data = [(r, d) for r, d in data if d is not None and d[0].size > 0]
    if not data:
        return None
    names = []
    for _, (_, cols) in data:
        names += [n for n in cols if n not in names]
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.0 * nrows), dpi=100,
                             squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    groups = {}
    for r, d in data:
        key = (r.agent_key, getattr(r, "in_progress", False))
        groups.setdefault(key, []).append((r, d))
    keys = sorted(groups, key=lambda k: (labels.get(k[0], k[0]), k[1]))
    agent_color = {}
    meta = {"kind": "diagnostics", "env": env_title, "x_label": "training env steps",
            "panels": [], "lines": []}
    for p, name in enumerate(names):
        ax = axes[p // ncols][p % ncols]
        panel = {"name": name, "lines": []}
        for key in keys:
            agent_key, live = key
            color = agent_color.setdefault(agent_key, colors[len(agent_color) % len(colors)])
            label = labels.get(agent_key, agent_key)
            members = [(r, s, c[name]) for r, (s, c) in groups[key] if name in c]
            if not members:
                continue
            same = all(np.array_equal(s, members[0][1]) for _, s, _ in members)
            if live or not same:
                lines = [(r, s, v, "in_progress" if live else "run") for r, s, v in members]
            else:
                lines = [(None, members[0][1], np.mean([v for _, _, v in members], axis=0),
                          "mean")]
            for r, s, v, role in lines:
                text = label + (f" run {r.run_index} (in progress)" if live else
                                f" run {r.run_index}" if role == "run" else f" (n={len(members)})")
                ax.plot(s, v, color=color, lw=1.0 if role == "mean" else 0.7,
                        ls="--" if live else "-", alpha=1.0 if role == "mean" else 0.7,
                        label=text if p == 0 else None)
                entry = {"label": text, "runs": len(members) if role == "mean" else 1,
                         "points": int(s.size), "role": role, "x": _numbers(s),
                         "y": _numbers(v)}
                panel["lines"].append(entry)
                meta["lines"].append(dict(entry, panel=name))
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("training env steps", fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=7)
        meta["panels"].append(panel)
    for p in range(len(names), nrows * ncols):
        axes[p // ncols][p % ncols].axis("off")
    fig.suptitle(f"{env_title}: training diagnostics", fontsize=10)
    handles, texts = axes[0][0].get_legend_handles_labels()
    if handles:
        axes[0][0].legend(handles, texts, fontsize=6, loc="best")
    fig.tight_layout()
    png = os.path.join(out_dir, stem + ".png")
    fig.savefig(png)
    plt.close(fig)
    with open(os.path.join(out_dir, stem + ".json"), "w", encoding="utf-8") as out:
        json.dump(meta, out, indent=1)
    return png
