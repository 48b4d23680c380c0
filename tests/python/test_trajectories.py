"""The same seed gives the same trajectory from Python as from `rlsim run`: an env and an
agent driven step by step from Python, seeded as the runner seeds run i (env stream
derive_seed(master, i, "env") at the first reset, agent stream derive_seed(master, i,
"agent")), reproduce the step log (log.steps = true) the driver writes, value for value."""
import numpy as np
import pytest

import rlsim
from conftest import run_driver

CASES = [
    # env, env params, agent, agent params, budget
    ("FrozenLake-v1", {}, "q-learning", {"alpha": 0.5, "epsilon": 0.2}, {"episodes": 30}),
    ("CartPole-v1", {}, "random", {}, {"episodes": 5}),
    ("BernoulliBandit-v0", {"horizon": 300}, "ucb1", {}, {"episodes": 1}),
    ("BernoulliBandit-v0", {"horizon": 300, "means_distribution": "uniform", "arms": 5},
     "thompson", {}, {"episodes": 1}),
    ("MountainCarContinuous-v0", {"max_episode_steps": 50}, "random", {}, {"episodes": 3}),
    ("Chain-v0", {}, "sarsa", {}, {"episodes": 5}),  # the example plugin
]


def python_trajectory(env_id, env_params, agent_id, agent_params, episodes, master, index):
    env = rlsim.make(env_id, **env_params)
    agent = rlsim.agent(agent_id, env, seed=rlsim.derive_seed(master, index, "agent"),
                        **agent_params)
    rows = []
    for e in range(episodes):
        obs, _ = env.reset(seed=rlsim.derive_seed(master, index, "env") if e == 0 else None)
        agent.begin_episode(obs)
        t = 0
        while True:
            action = agent.act(obs)
            prob, logp = agent.decision
            next_obs, reward, terminated, truncated, _ = env.step(action)
            rows.append((e, t, obs, action, reward, terminated, truncated, prob, logp))
            agent.observe(obs, action, reward, next_obs, terminated, truncated)
            obs = next_obs
            t += 1
            if terminated or truncated:
                break
        agent.end_episode()
    return rows


def toml_value(v):
    if isinstance(v, str):
        return f'"{v}"'
    return str(v).lower() if isinstance(v, bool) else str(v)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_python_loop_reproduces_the_driver_step_log(case, rlsim_bin, tmp_path):
    env_id, env_params, agent_id, agent_params, budget = case
    master = 42
    lines = [f"name = \"traj\"\nseed = {master}\nseeds = 2\nepisodes = {budget['episodes']}",
             "[log]\nsteps = true", f"[[env]]\nid = \"{env_id}\""]
    lines += [f"{k} = {toml_value(v)}" for k, v in env_params.items()]
    lines.append(f"[[agent]]\nid = \"{agent_id}\"")
    lines += [f"{k} = {toml_value(v)}" for k, v in agent_params.items()]
    cfg = tmp_path / "traj.toml"
    cfg.write_text("\n".join(lines) + "\n")
    out = tmp_path / "traj.h5"
    run_driver(rlsim_bin, "run", str(cfg), "-q", "--out", str(out), "--threads", "2")
    rf = rlsim.load(out)
    runs = rf.runs
    assert len(runs) == 2
    for _, run in runs.iterrows():
        index = int(run["seed_index"])
        assert int(run["env_seed"]) == rlsim.derive_seed(master, index, "env")
        assert int(run["agent_seed"]) == rlsim.derive_seed(master, index, "agent")
        steps = rf.steps(int(run["run"]))
        rows = python_trajectory(env_id, env_params, agent_id, agent_params,
                                 budget["episodes"], master, index)
        assert len(steps) == len(rows)
        assert np.array_equal(steps["episode"], [r[0] for r in rows])
        assert np.array_equal(steps["t"], [r[1] for r in rows])
        if "obs" in steps:
            assert np.array_equal(steps["obs"], [r[2] for r in rows])
        else:
            obs = steps[[c for c in steps.columns if c.startswith("obs_")]].to_numpy()
            assert np.array_equal(obs, np.stack([r[2] for r in rows]))
        if "action" in steps:
            assert np.array_equal(steps["action"], [r[3] for r in rows])
        else:
            act = steps[[c for c in steps.columns if c.startswith("action_")]].to_numpy()
            assert np.array_equal(act, np.stack([r[3] for r in rows]))
        assert np.array_equal(steps["reward"], [r[4] for r in rows])
        assert np.array_equal(steps["terminated"], [r[5] for r in rows])
        assert np.array_equal(steps["truncated"], [r[6] for r in rows])
        assert np.array_equal(steps["probability"], [r[7] for r in rows], equal_nan=True)
        assert np.array_equal(steps["log_prob"], [r[8] for r in rows], equal_nan=True)


def test_rlsim_run_from_python_writes_what_the_driver_writes(rlsim_bin, tmp_path):
    cfg = {"name": "same", "seed": 3, "seeds": 2, "episodes": 20, "log": {"steps": True},
           "env": {"id": "FrozenLake-v1"}, "agent": [{"id": "q-learning", "alpha": 0.3},
                                                      {"id": "sarsa"}]}
    a = rlsim.run(cfg, threads=2, out=tmp_path / "py.h5", quiet=True)
    toml = tmp_path / "same.toml"
    toml.write_text(rlsim._run.to_toml(cfg))
    run_driver(rlsim_bin, "run", str(toml), "-q", "--out", str(tmp_path / "cli.h5"))
    b = rlsim.load(tmp_path / "cli.h5")
    assert a.runs.drop(columns=[]).equals(b.runs)
    assert a.episodes.equals(b.episodes)
    for run in a.run_indices:
        assert a.steps(run).equals(b.steps(run))
