"""rlsim.load and rlsim.run: run files of the shipped configs (small budgets) as DataFrames
agree with `rlsim analyze --csv` and with the tables themselves; typed parameter columns;
step logs, agent state, diagnostics, evaluations; formats older than the current one."""
import io
import math
import os

import numpy as np
import pandas as pd
import pytest

import rlsim
from conftest import SOURCE_DIR, run_driver

SHIPPED = [
    ("default.toml", ["episodes=30", "seeds=2"]),
    ("frozenlake.toml", ["episodes=300", "seeds=2"]),
    ("kuleshov_precup.toml", ["seeds=2", "env.horizon=200"]),
    ("contextual.toml", ["seeds=2", "env.horizon=200"]),
    ("ppo_cartpole.toml", ["seeds=2", "steps=1024", "eval.every=512", "eval.episodes=2"]),
]


TEXT = ("env", "agent", "env_params", "agent_params")


def analyze_csv(binary, path, *args):
    """`rlsim analyze --csv` as a DataFrame of strings (empty: undefined)."""
    return pd.read_csv(io.StringIO(run_driver(binary, "analyze", str(path), "--csv", *args)),
                       dtype=str, keep_default_na=False)


def undefined(x):
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def check_summary_matches(summary, csv):
    assert list(csv.columns) == list(summary.columns[: len(csv.columns)])
    assert len(summary) == len(csv)
    for col in csv.columns:
        for x, y in zip(summary[col].tolist(), csv[col].tolist()):
            if col in TEXT:
                assert x == y, col
            elif y == "":
                assert undefined(x), col
            else:
                # the CSV prints 10 significant digits
                assert float(x) == pytest.approx(float(y), rel=1e-9, abs=1e-12), col


@pytest.mark.parametrize("config,overrides", SHIPPED, ids=[s[0] for s in SHIPPED])
def test_shipped_configs_agree_with_rlsim_analyze(config, overrides, rlsim_bin, tmp_path):
    out = tmp_path / "run.h5"
    run_driver(rlsim_bin, "run", os.path.join("experiments", "configs", config), *overrides,
               "-q", "--threads", "2", "--out", str(out), cwd=SOURCE_DIR)
    rf = rlsim.load(out)
    check_summary_matches(rf.summary(), analyze_csv(rlsim_bin, out))
    check_summary_matches(rf.summary(last=5), analyze_csv(rlsim_bin, out, "--last", "5"))
    assert rf.complete and len(rf.runs) == rf.meta["planned_runs"]
    # The tables agree with the summary: each group's mean of per-run last-100 means.
    ep = rf.episodes
    assert len(ep) == rf.runs["episodes"].sum()
    per_run = ep.groupby("run")["return"].apply(lambda r: r.tail(100).mean())
    groups = rf.runs.set_index("run")["group"]
    means = per_run.groupby(groups.loc[per_run.index].values).mean()
    summary = rf.summary().set_index("group")
    for g, m in means.items():
        assert summary.loc[g, "mean_return"] == pytest.approx(m, rel=1e-12)
    if len(rf.regret):
        final = rf.regret.groupby("run")["pseudo_regret"].last()
        regret = final.groupby(groups.loc[final.index].values).mean()
        for g, m in regret.items():
            assert summary.loc[g, "final_regret"] == pytest.approx(m, rel=1e-12)


def test_typed_parameter_columns_and_group_by(rlsim_bin, tmp_path):
    out = tmp_path / "kp.h5"
    run_driver(rlsim_bin, "run", os.path.join("experiments", "configs", "kuleshov_precup.toml"),
               "seeds=2", "env.horizon=100", "-q", "--out", str(out), cwd=SOURCE_DIR)
    rf = rlsim.load(out)
    runs = rf.runs
    assert runs["arms"].dtype == "Int64" and set(runs["arms"]) == {2, 5, 10, 50}
    assert runs["epsilon"].dtype == np.float64  # only epsilon-greedy runs have it: NaN elsewhere
    assert runs["epsilon"].isna().any() and set(runs["epsilon"].dropna()) == {0.01, 0.1}
    assert runs["means_distribution"].dropna().eq("uniform").all()
    assert isinstance(runs["means"].iloc[0], tuple)  # a list parameter: a tuple per row
    assert "env.horizon" not in runs.columns and runs["horizon"].eq(100).all()
    ep = rf.episodes
    assert {"arms", "epsilon", "agent_id", "seed_index"} <= set(ep.columns)
    assert ep["success"].isna().all()  # bandits define no success
    assert rf.regret.groupby("run")["step"].max().eq(100).all()
    # optimal_pulls: the pulls of a best arm so far, as the file holds them, 0 to step
    reg = rf.regret
    assert reg["optimal_pulls"].dtype == np.int64
    assert ((reg["optimal_pulls"] >= 0) & (reg["optimal_pulls"] <= reg["step"])).all()
    by = rf.summary(group_by="agent")
    check_summary_matches(by, analyze_csv(rlsim_bin, out, "--group-by", "agent"))
    h5py = pytest.importorskip("h5py")
    with h5py.File(out, "r") as f:
        assert np.array_equal(np.sort(reg["optimal_pulls"].to_numpy()),
                              np.sort(f["regret/optimal_pulls"][:]))


def test_steps_agent_state_diagnostics_eval(tmp_path):
    rf = rlsim.run(os.path.join(SOURCE_DIR, "experiments", "configs", "ppo_cartpole.toml"),
                   seeds=1, steps=1024, eval__every=512, eval__episodes=2, log__steps=True,
                   out=tmp_path / "ppo.h5", threads=1, quiet=True)
    run = rf.run_indices[0]
    steps = rf.steps(run)
    assert list(steps.columns[:3]) == ["env", "episode", "t"]
    assert {"obs_0", "obs_3", "action", "reward", "probability", "log_prob"} <= set(steps.columns)
    assert len(steps) == 1024 and steps["env"].max() == 7  # ppo's 8 env copies
    state = rf.agent_state(run)
    assert state and all(isinstance(v, np.ndarray) for v in state.values())
    assert len(rf.eval) == 2 * 2 and set(rf.eval["step"]) == {512, 1024}
    d = rf.diagnostics
    assert len(d) > 0 and {"run", "step"} <= set(d.columns) and len(d.columns) > 3
    assert d["n_steps"].eq(32).all()  # the agent's parameters ride along
    # A saved agent plays again from Python: its state loads into a fresh agent.
    lake = rlsim.run({"episodes": 50, "save_agent": True, "env": {"id": "FrozenLake-v1"},
                      "agent": {"id": "q-learning", "alpha": 0.5}},
                     out=tmp_path / "lake.h5", quiet=True)
    saved = lake.agent_state(lake.run_indices[0])
    agent = rlsim.agent("q-learning", rlsim.make("FrozenLake-v1"), alpha=0.5)
    agent.load(saved)
    again = agent.save()
    assert again.keys() == saved.keys()
    assert all(np.array_equal(again[k], saved[k]) for k in saved)
    with pytest.raises(ValueError, match="no step log"):
        rlsim.load(rlsim.run(None, episodes=2, seeds=1, out=tmp_path / "d.h5", quiet=True).path).steps(0)


def test_reads_older_formats(rlsim_bin):
    path = os.path.join(SOURCE_DIR, "tests", "data", "format2.h5")
    rf = rlsim.load(path)
    assert rf.meta["format_version"] == 2
    check_summary_matches(rf.summary(), analyze_csv(rlsim_bin, path))
    assert len(rf.episodes) == rf.runs["episodes"].sum()


def test_run_from_dict_overrides_and_config(tmp_path):
    cfg = {
        "name": "dict",
        "seed": 5,
        "seeds": 2,
        "episodes": 10,
        "env": [{"id": "FrozenLake-v1", "is_slippery": False}],
        "agent": [{"id": "q-learning", "zip": {"alpha": [0.1, 0.5], "epsilon": [0.2, 0.3]}}],
    }
    assert rlsim.run(cfg, dry_run=True) == 4
    rf = rlsim.run(cfg, out=tmp_path / "d.h5", quiet=True, episodes=12, agent__gamma=0.9)
    runs = rf.runs
    assert len(runs) == 4 and runs["episodes"].eq(12).all()
    assert runs["gamma"].eq(0.9).all() and runs["is_slippery"].eq(False).all()
    assert sorted(zip(runs["alpha"], runs["epsilon"]))[0] == (0.1, 0.2)
    assert rf.config["name"] == "dict" and rf.meta["master_seed"] == 5
    assert "rlsim.run" in rf.meta["command_line"]


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("h5py")
    rf = rlsim.run({"seeds": 2, "episodes": 1,
                    "env": {"id": "BernoulliBandit-v0", "horizon": 100},
                    "agent": [{"id": "ucb1"}, {"id": "thompson"}]},
                   out=tmp_path / "b.h5", quiet=True)
    files = rf.plot(tmp_path / "figs", what="regret")
    assert len(files) == 1 and files[0].endswith(".png") and os.path.exists(files[0])
    with pytest.raises(RuntimeError, match="nothing to draw"):
        rf.plot(tmp_path / "figs", what="eval")


def test_progress_goes_to_stderr(tmp_path, capfd):
    rlsim.run({"seeds": 2, "episodes": 5, "env": {"id": "FrozenLake-v1"},
               "agent": {"id": "q-learning"}}, out=tmp_path / "p.h5", threads=1)
    out, err = capfd.readouterr()
    assert out == ""
    assert "done: FrozenLake-v1 / q-learning" in err and "2 runs" in err


def test_ctrl_c_stops_the_runs_and_leaves_a_valid_file(tmp_path):
    """SIGINT during rlsim.run: KeyboardInterrupt in Python, the finished runs in the file."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "long.h5"
    code = (
        "import rlsim, sys\n"
        "try:\n"
        f"    rlsim.run({{'seeds': 4, 'steps': 10**12, 'env': {{'id': 'CartPole-v1'}},"
        f" 'agent': {{'id': 'random'}}}}, out={str(out)!r}, threads=1, quiet=True)\n"
        "except KeyboardInterrupt as e:\n"
        "    print('interrupted:', e)\n"
        "    sys.exit(3)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    # The writer creates the file before any run starts: then the runs are under way.
    while not out.exists() and p.poll() is None:
        pass
    p.send_signal(signal.SIGINT)
    stdout, _ = p.communicate(timeout=120)
    assert p.returncode == 3, stdout
    assert "rlsim run --resume" in stdout
    rf = rlsim.load(out)
    assert not rf.complete and rf.meta["planned_runs"] == 4


def test_steps_carry_their_sampling(tmp_path):
    # log.steps_every = 3: episodes 0, 3, 6 and 9 of ten are logged, whole, and the DataFrame
    # says so in attrs["steps_every"]; a layout-1 file (before sampling existed) logged all.
    rf = rlsim.run({"episodes": 10, "env": {"id": "FrozenLake-v1"}, "agent": {"id": "q-learning"}},
                   log__steps=True, log__steps_every=3, out=tmp_path / "every.h5", quiet=True)
    steps = rf.steps(rf.run_indices[0])
    assert steps.attrs["steps_every"] == 3
    assert sorted(set(steps["episode"])) == [0, 3, 6, 9]
    lengths = rf.episodes.set_index("episode")["length"]
    assert steps.groupby("episode").size().to_dict() == {k: lengths[k] for k in (0, 3, 6, 9)}
    assert rlsim.load(rf.path).steps(rf.run_indices[0]).attrs == {"steps_every": 3}
    old = rlsim.load(os.path.join(SOURCE_DIR, "tests", "data", "steps_layout1.h5"))
    assert old.steps(old.run_indices[0]).attrs["steps_every"] == 1


def test_resume_finishes_an_interrupted_file_as_the_driver_does(tmp_path):
    """rlsim.run(FILE, resume=True) is `rlsim run --resume FILE`: a file interrupted by
    Ctrl-C (at whatever point) resumes to the episodes of an uninterrupted run."""
    import signal
    import subprocess
    import sys
    import time

    cfg = {"seeds": 12, "episodes": 3000, "env": {"id": "FrozenLake-v1"},
           "agent": {"id": "q-learning"}}
    out = tmp_path / "cut.h5"
    code = (
        "import rlsim, sys\n"
        "try:\n"
        f"    rlsim.run({cfg!r}, out={str(out)!r}, threads=1, quiet=True)\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(3)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code])
    while not out.exists() and p.poll() is None:
        pass
    time.sleep(0.2)  # some runs finish first, most often
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=120)
    # 3: interrupted; 0 or -2 (an uncaught KeyboardInterrupt after rlsim.run returned): every
    # run finished before the signal, and the resume below has nothing left to run.
    assert p.returncode in (0, 3, -2)
    whole = rlsim.run(cfg, out=tmp_path / "whole.h5", threads=1, quiet=True)
    rf = rlsim.run(out, resume=True, threads=2, quiet=True)
    assert rf.complete and rf.path == str(out)
    cols = ["run", "episode", "return", "length"]
    a = rf.episodes[cols].sort_values(["run", "episode"]).reset_index(drop=True)
    b = whole.episodes[cols].sort_values(["run", "episode"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # A complete file resumes to itself; misuse is refused before anything runs.
    assert rlsim.run(out, resume=True, quiet=True).complete
    with pytest.raises(TypeError, match="no overrides"):
        rlsim.run(out, resume=True, episodes=5)
    with pytest.raises(ValueError, match="omit out"):
        rlsim.run(out, resume=True, out=tmp_path / "other.h5")
    with pytest.raises(FileNotFoundError):
        rlsim.run(tmp_path / "missing.h5", resume=True)
    with pytest.raises(RuntimeError, match="not-a-run-file|run file|HDF5|cannot"):
        (tmp_path / "bad.h5").write_text("not a run file")
        rlsim.run(tmp_path / "bad.h5", resume=True, quiet=True)


def test_a_stop_signal_ends_only_the_command_it_reached(tmp_path):
    """A Ctrl-C that stopped a resume does not stop the next resume in the same process
    (the driver's stop flag is per command, not per process)."""
    import subprocess
    import sys

    cfg = {"seeds": 4, "episodes": 400000, "env": {"id": "FrozenLake-v1"},
           "agent": {"id": "q-learning"}}
    out = tmp_path / "cut.h5"
    code = (
        "import os, signal, sys, threading, time, rlsim\n"
        "def interrupted(**kw):\n"
        "    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))\n"
        "    timer.start()\n"
        "    try:\n"
        "        rlsim.run(**kw)\n"
        # A Ctrl-C sent after the run returned is raised here, not later.
        "        timer.cancel()\n"
        "        timer.join()\n"
        "        time.sleep(0.05)\n"
        "    except KeyboardInterrupt:\n"
        "        return True\n"
        "    return False\n"
        f"if not interrupted(config={cfg!r}, out={str(out)!r}, threads=1, quiet=True):\n"
        "    sys.exit(5)\n"
        f"if not interrupted(config={str(out)!r}, resume=True, threads=1, quiet=True):\n"
        "    sys.exit(5)\n"
        f"rf = rlsim.run({str(out)!r}, resume=True, threads=2, quiet=True)\n"
        "sys.exit(0 if rf.complete else 4)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=600)
    if p.returncode == 5:
        pytest.skip("a run finished before its timed Ctrl-C: nothing to check")
    assert p.returncode == 0, p.stderr[-2000:]
