"""Gymnasium and Stable-Baselines3 on rlsim envs (skipped, saying so, where they are not
installed: rlsim itself needs neither)."""
import warnings

import numpy as np
import pytest

import rlsim
from rlsim.spaces import HAVE_GYMNASIUM

needs_gym = pytest.mark.skipif(not HAVE_GYMNASIUM, reason="gymnasium is not installed")


@needs_gym
def test_envs_are_gymnasium_envs_with_gymnasium_spaces():
    import gymnasium

    env = rlsim.make("CartPole-v1")
    assert isinstance(env, gymnasium.Env)
    assert isinstance(env.observation_space, gymnasium.spaces.Box)
    assert isinstance(env.action_space, gymnasium.spaces.Discrete)
    v = rlsim.make_vec("CartPole-v1", 4)
    assert isinstance(v, gymnasium.vector.VectorEnv)
    assert isinstance(v.action_space, gymnasium.spaces.MultiDiscrete)


@needs_gym
def test_register_all_and_gymnasium_make():
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    ids = rlsim.gym.register_all()
    assert "rlsim/CartPole-v1" in ids and "rlsim/Chain-v0" in ids
    env = gymnasium.make("rlsim/CartPole-v1", reset_low=-0.01, reset_high=0.01)
    obs, _ = env.reset(seed=0)
    assert np.all(np.abs(obs) <= 0.01)
    steps = 0
    while True:
        obs, r, term, trunc, _ = env.step(env.action_space.sample())
        steps += 1
        if term or trunc:
            break
    assert env.spec.max_episode_steps == 500  # the rlsim env's own limit
    assert env.unwrapped.spec.kwargs["reset_low"] == -0.01
    frames = gymnasium.make("rlsim/Acrobot-v1", render_mode="rgb_array")
    frames.reset(seed=0)
    assert frames.render().shape[2] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env.unwrapped)
        check_env(gymnasium.make("rlsim/FrozenLake-v1").unwrapped)
    short = gymnasium.make("rlsim/CartPole-v1", max_episode_steps=10)  # Gymnasium's TimeLimit
    short.reset(seed=0)
    n = 0
    while True:
        *_, term, trunc, _ = short.step(0 if n % 2 else 1)
        n += 1
        if term or trunc:
            break
    assert n <= 10


@needs_gym
def test_gymnasium_wrappers_work():
    import gymnasium

    env = gymnasium.wrappers.RecordEpisodeStatistics(rlsim.make("CartPole-v1"))
    env.reset(seed=0)
    while True:
        _, _, term, trunc, info = env.step(1)
        if term or trunc:
            break
    assert "episode" in info


def test_stable_baselines3_ppo_trains():
    pytest.importorskip("stable_baselines3", reason="stable-baselines3 is not installed")
    from stable_baselines3 import PPO

    model = PPO("MlpPolicy", rlsim.make("CartPole-v1"), n_steps=64, batch_size=32, seed=0)
    model.learn(total_timesteps=128)
    obs, _ = rlsim.make("CartPole-v1").reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert int(action) in (0, 1)
