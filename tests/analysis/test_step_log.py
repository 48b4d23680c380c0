#!/usr/bin/env python3
"""The step log through h5py (experiments/analysis/read_run.py), on files the driver writes:
the compact layout 2 (docs/log-format.md table 4) reads back, through read_run.read_steps,
as the columns of layout 1; the logged rewards of each episode add up to its return in
/episodes, its rows to its length, and t counts 0..length-1; log.steps_every logs episodes
0, k, 2k, ... whole and log.steps_runs only the listed runs; read_run.py accepts every
file (exit status 0) and reports the sampling; and the layout 1 files of tests/data read
as the same columns as the current rlsim's layout 2 file of the same experiment.

Run by ctest ("python: step log layouts ..."): test_step_log.py RLSIM REPO_ROOT.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.dont_write_bytecode = True
RLSIM, ROOT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(ROOT, "experiments", "analysis"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_run  # noqa: E402
from checks import check, report  # noqa: E402

def run(config, out, *overrides):
    subprocess.run([RLSIM, "run", "-q", config, "--out", out, *overrides], check=True)


def check_file(path, every=1):
    """read_run.py accepts the file; every logged episode adds up to its /episodes row."""
    res = subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "analysis",
                                                       "read_run.py"), path],
                         capture_output=True, text=True)
    check(res.returncode == 0, f"read_run.py accepts {path}: {res.stderr}")
    check("note:" not in res.stdout, f"read_run.py has no note on {path}: {res.stdout}")
    if every > 1:
        check(f"log.steps_every = {every}" in res.stdout, f"read_run.py reports sampling: "
              f"{res.stdout}")
    with h5py.File(path, "r") as f:
        runs = sorted(int(n) for n, g in f["runs"].items() if "steps" in g)
        ep_run, ep_ret = f["episodes/run"][:], f["episodes/return"][:]
        ep_len = f["episodes/length"][:]
    for index in runs:
        s = read_run.run_steps(path, index)
        check(s["steps_every"] == every, f"{path} run {index}: steps_every")
        ret, length = ep_ret[ep_run == index], ep_len[ep_run == index]
        for e in np.unique(s["episode"]):
            rows = s["episode"] == e
            check(e % every == 0, f"{path} run {index}: episode {e} is not sampled")
            check(np.array_equal(s["t"][rows], np.arange(rows.sum())),
                  f"{path} run {index} episode {e}: t")
            if e < ret.size:
                check(rows.sum() == length[e], f"{path} run {index} episode {e}: length")
                check(np.isclose(s["reward"][rows].sum(), ret[e], rtol=1e-12, atol=1e-9),
                      f"{path} run {index} episode {e}: rewards add up to the return")
        logged = np.unique(s["episode"][s["episode"] < ret.size])
        check(np.array_equal(logged, np.arange(0, ret.size, every)),
              f"{path} run {index}: logged episodes {logged[:8]} are 0, {every}, ...")
    return runs


def main():
    with tempfile.TemporaryDirectory() as tmp:
        def path(name):
            return os.path.join(tmp, name)

        data = os.path.join(ROOT, "tests", "data")
        # The same experiment as the layout 1 file, with the current rlsim.
        config = os.path.join(data, "steps_layout1", "steps_layout1.toml")
        for name, extra in (("gzip.h5", []), ("none.h5", ["log.steps_compression=\"none\""])):
            run(config, path(name), *extra)
            check(check_file(path(name)) == [0, 1, 2, 3], f"{name}: every run logged")
        with h5py.File(path("none.h5"), "r") as f:
            check(f["runs/000000/steps/reward"].compression is None, "none: no filter")
            check(f["runs/000000/steps/obs_index"].dtype == np.uint8, "FrozenLake obs: uint8")
            check(f["runs/000003/steps/obs_index"].dtype == np.uint16, "Taxi obs: uint16")
            check("episode" not in f["runs/000000/steps"], "episode rebuilt, not stored")
        with h5py.File(path("gzip.h5"), "r") as f:
            check(f["runs/000001/steps/obs"].compression == "gzip", "gzip: deflate")
        old = os.path.join(data, "steps_layout1.h5")
        check_file(old)
        for index in range(4):
            with h5py.File(old, "r") as f1, h5py.File(path("gzip.h5"), "r") as f2:
                a = read_run.read_steps(f1[f"runs/{index:06d}/steps"])
                b = read_run.read_steps(f2[f"runs/{index:06d}/steps"])
            check(sorted(a) == sorted(b), f"run {index}: the same columns {sorted(a)} {sorted(b)}")
            for name in a:
                # log_prob: numpy's log of probability may differ from C's in the last bit.
                same = np.allclose(a[name], b[name], rtol=1e-15) if name == "log_prob" \
                    else np.array_equal(a[name], b[name], equal_nan=True)
                check(a[name].dtype == b[name].dtype and same,
                      f"run {index}: column {name} of layout 1 and 2 ({a[name].dtype}, "
                      f"{b.get(name, np.zeros(0)).dtype})")
        check_file(os.path.join(data, "steps_layout1_vector.h5"))

        # Sampling: every 3rd episode, on one env and on two copies (A2C); only run 1.
        run(config, path("every.h5"), "log.steps_every=3", "steps=600")
        check_file(path("every.h5"), every=3)
        vector = os.path.join(data, "steps_layout1", "steps_layout1_vector.toml")
        run(vector, path("vector.h5"), "log.steps_every=2", "steps=400")
        check_file(path("vector.h5"), every=2)
        run(config, path("runs.h5"), "log.steps_runs=[1, 3]")
        check(check_file(path("runs.h5")) == [1, 3], "log.steps_runs = [1, 3]: runs 1 and 3")
    return report("step log layouts: ")


if __name__ == "__main__":
    sys.exit(main())
