"""Agents and bandit policies step by step from Python: act/observe/save/load, evaluation
mode, decisions, and mixing an rlsim policy with Python code."""
import numpy as np
import pytest

import rlsim


def play(env, agent, episodes, seed):
    returns = []
    for e in range(episodes):
        obs, _ = env.reset(seed=seed if e == 0 else None)
        agent.begin_episode(obs)
        total, done = 0.0, False
        while not done:
            a = agent.act(obs)
            nxt, r, term, trunc, _ = env.step(a)
            agent.observe(obs, a, r, nxt, term, trunc)
            obs, total, done = nxt, total + r, term or trunc
        agent.end_episode()
        returns.append(total)
    return returns


def test_q_learning_learns_and_saves_and_loads():
    env = rlsim.make("FrozenLake-v1", is_slippery=False)
    agent = rlsim.agent("q-learning", env, seed=3, alpha=0.5, epsilon=0.2)
    play(env, agent, 300, seed=0)
    state = agent.save()
    assert set(state) and all(a.dtype == np.float64 for a in state.values())
    q = next(a for a in state.values() if a.size == 16 * 4)
    assert np.abs(q).sum() > 0  # it learned something
    # Greedy play of the saved Q-table reaches the goal on the deterministic lake.
    other = rlsim.agent("q-learning", env, seed=9)
    other.load(state)
    other.evaluation = True
    assert other.evaluation
    assert play(env, other, 1, seed=1) == [1.0]
    assert other.decision[0] == pytest.approx(1.0)


def test_bandit_policy_with_python_code_and_the_oracle():
    env = rlsim.make("BernoulliBandit-v0", means=[0.1, 0.5, 0.9], horizon=2000)
    ucb = rlsim.agent("ucb1", env)
    obs, _ = env.reset(seed=0)
    ucb.begin_episode(obs)
    pulls = np.zeros(3, int)
    regret = 0.0
    while True:
        arm = ucb.act(obs)
        pulls[arm] += 1
        regret += env.best_mean_reward() - env.mean_rewards()[arm]
        nxt, r, term, trunc, _ = env.step(arm)
        ucb.observe(obs, arm, r, nxt, term, trunc)
        obs = nxt
        if term or trunc:
            break
    assert pulls.sum() == 2000 and pulls.argmax() == 2
    assert 0 < regret < 200  # logarithmic, far below the 2000 * 0.4 of uniform play


def test_stochastic_policy_reports_its_propensity():
    env = rlsim.make("BernoulliBandit-v0", means=[0.3, 0.6])
    eg = rlsim.agent("epsilon-greedy", env, epsilon=0.2, seed=1)
    obs, _ = env.reset(seed=0)
    eg.begin_episode(obs)
    a = eg.act(obs)
    p, logp = eg.decision
    assert 0 < p <= 1 and logp == pytest.approx(np.log(p))
    ts = rlsim.agent("thompson", env)
    ts.begin_episode(obs)
    ts.act(obs)
    assert np.isnan(ts.decision[0])  # no closed form
    assert a in (0, 1)


def test_continuous_agent_and_params():
    env = rlsim.make("Pendulum-v1")
    agent = rlsim.agent("random", env, seed=2)
    obs, _ = env.reset(seed=0)
    a = agent.act(obs)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a in env.action_space
    q = rlsim.agent("q-learning", rlsim.make("FrozenLake-v1"), alpha=0.25)
    assert q.params["alpha"] == 0.25 and "epsilon" in q.params


def test_agent_through_gymnasium_wrappers():
    gym = pytest.importorskip("gymnasium", reason="gymnasium is not installed")
    import rlsim.gym

    rlsim.gym.register_all()
    env = gym.make("rlsim/FrozenLake-v1")
    agent = rlsim.agent("sarsa", env)
    obs, _ = env.reset(seed=0)
    assert agent.act(obs) in range(4)
