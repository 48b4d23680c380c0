"""Conformance of every registered env (plugins included) through the Python API, in the
manner of Gymnasium's env checker: spaces and dtypes, reset determinism with a seed, step
return types, observations in the observation space, termination and truncation flags,
render shapes; Gymnasium's own check_env where gymnasium imports."""
import numpy as np
import pytest

import rlsim
from rlsim.spaces import HAVE_GYMNASIUM

IDS = rlsim.envs()


def is_discrete(space):
    return space.shape == () and hasattr(space, "n")


def random_action(space, rng):
    if is_discrete(space):
        return int(space.start + rng.integers(space.n))
    low = np.where(np.isfinite(space.low), space.low, -1.0)
    high = np.where(np.isfinite(space.high), space.high, 1.0)
    return rng.uniform(low, high).astype(np.float32)


def rollout(env, seed, steps, action_seed=0):
    """Observations, rewards and flags of `steps` random steps after reset(seed)."""
    rng = np.random.default_rng(action_seed)
    obs, info = env.reset(seed=seed)
    out = [np.array(obs, copy=True)]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(random_action(env.action_space, rng))
        out.append((np.array(obs, copy=True), reward, terminated, truncated))
        if terminated or truncated:
            obs, info = env.reset()
            out.append(np.array(obs, copy=True))
    return out


def same(a, b):
    if isinstance(a, tuple):
        return all(same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


def test_the_plugin_env_is_registered():
    # tests/CMakeLists.txt puts the example plugin on RLSIM_PLUGIN_PATH
    assert "Chain-v0" in IDS
    assert "CartPole-v1" in IDS and "BernoulliBandit-v0" in IDS


@pytest.mark.parametrize("id", IDS)
def test_spaces_and_dtypes(id):
    env = rlsim.make(id)
    for space in (env.observation_space, env.action_space):
        if is_discrete(space):
            assert space.dtype == np.int64
        else:
            assert space.dtype == np.float32
            assert space.low.shape == space.shape and space.high.shape == space.shape
            assert np.all(space.low <= space.high)
    obs, info = env.reset(seed=3)
    assert isinstance(info, dict)
    if is_discrete(env.observation_space):
        assert isinstance(obs, np.int64)
    else:
        assert isinstance(obs, np.ndarray) and obs.dtype == np.float32
        assert obs.shape == env.observation_space.shape
    assert obs in env.observation_space
    assert env.spec.id == "rlsim/" + id
    assert env.spec.max_episode_steps == env.max_episode_steps
    assert env.unwrapped is env
    env.close()


@pytest.mark.parametrize("id", IDS)
def test_reset_is_deterministic_with_a_seed(id):
    a, b = rlsim.make(id), rlsim.make(id)
    ra, rb = rollout(a, 11, 60), rollout(b, 11, 60)
    assert len(ra) == len(rb) and all(same(x, y) for x, y in zip(ra, rb))
    # Re-seeding the same env replays it; another seed gives another first observation for
    # envs whose reset is random.
    rc = rollout(a, 11, 60)
    assert all(same(x, y) for x, y in zip(ra, rc))


@pytest.mark.parametrize("id", IDS)
def test_step_types_flags_and_observations_in_space(id):
    env = rlsim.make(id)
    rng = np.random.default_rng(5)
    obs, _ = env.reset(seed=0)
    episodes, steps = 0, 0
    limit = env.max_episode_steps
    while steps < 2000 and episodes < 3:
        result = env.step(random_action(env.action_space, rng))
        assert isinstance(result, tuple) and len(result) == 5
        obs, reward, terminated, truncated, info = result
        steps += 1
        assert type(reward) is float and np.isfinite(reward)
        assert type(terminated) is bool and type(truncated) is bool
        assert isinstance(info, dict)
        assert obs in env.observation_space, f"{id}: {obs!r} outside {env.observation_space}"
        assert not (terminated and truncated) or True  # both may be set by some envs
        if limit is not None:
            assert env.elapsed_steps <= limit
            if env.elapsed_steps == limit and not terminated:
                assert truncated, f"{id}: the time limit's step must be truncated"
        if terminated or truncated:
            episodes += 1
            with pytest.raises(RuntimeError, match="after the episode ended"):
                env.step(random_action(env.action_space, rng))
            obs, _ = env.reset()


@pytest.mark.parametrize("id", IDS)
def test_render(id):
    modes = rlsim.env_class(id).metadata["render_modes"]
    assert rlsim.make(id).render() is None  # no render mode
    for mode in modes:
        env = rlsim.make(id, render_mode=mode)
        with pytest.raises(RuntimeError, match="before reset"):
            env.render()
        env.reset(seed=0)
        frame = env.render()
        if mode == "rgb_array":
            assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8
            assert frame.ndim == 3 and frame.shape[2] == 3 and frame.shape[0] > 0
        else:
            assert isinstance(frame, str) and frame
    if "rgb_array" not in modes:
        with pytest.raises(ValueError, match="render mode"):
            rlsim.make(id, render_mode="rgb_array")


def test_render_modes_of_known_envs():
    assert rlsim.env_class("CartPole-v1").metadata["render_modes"] == ["rgb_array", "ansi"]
    frame = rlsim.make("CartPole-v1", render_mode="rgb_array")
    frame.reset(seed=0)
    assert frame.render().shape == (400, 600, 3)
    assert rlsim.env_class("BernoulliBandit-v0").metadata["render_modes"] == []


@pytest.mark.parametrize("id", IDS)
def test_gymnasium_check_env(id):
    if not HAVE_GYMNASIUM:
        pytest.skip("gymnasium is not installed: its check_env was not run")
    import warnings

    from gymnasium.utils.env_checker import check_env

    env = rlsim.make(id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # check_env warns about unbounded Boxes etc.
        check_env(env, skip_render_check=False)


def test_spaces_without_gymnasium_behave_like_gymnasiums():
    from rlsim import spaces

    d = spaces.Discrete(3, start=1, seed=0)
    assert d.n == 3 and d.start == 1 and d.shape == () and d.dtype == np.int64
    xs = {int(d.sample()) for _ in range(100)}
    assert xs == {1, 2, 3}
    assert 2 in d and 0 not in d and 2.0 not in d and np.int64(3) in d
    b = spaces.Box(np.array([-1, 0], np.float32), np.array([1, np.inf], np.float32), seed=1)
    assert b.shape == (2,) and b.dtype == np.float32
    s = b.sample()
    assert s.dtype == np.float32 and s in b and s[1] >= 0
    assert np.array([2, 0], np.float32) not in b and [0.5] not in b
    assert b.seed(7) == [7]
    first = b.sample()
    b.seed(7)
    assert np.array_equal(first, b.sample())
    m = spaces.MultiDiscrete([2, 3], seed=0)
    assert m.sample() in m and np.array([1, 3]) not in m


def test_bandit_oracle():
    env = rlsim.make("BernoulliBandit-v0", means=[0.2, 0.5, 0.9])
    env.reset(seed=0)
    assert np.allclose(env.mean_rewards(), [0.2, 0.5, 0.9])
    assert env.best_mean_reward() == pytest.approx(0.9)
    assert env.has_oracle
    drawn = rlsim.make("BernoulliBandit-v0", means_distribution="uniform", arms=4)
    drawn.reset(seed=1)
    m1 = drawn.mean_rewards()
    drawn.reset(seed=1)
    assert m1.shape == (4,) and np.array_equal(m1, drawn.mean_rewards())
    assert drawn.best_mean_reward() == pytest.approx(m1.max())
    with pytest.raises(ValueError, match="no regret oracle"):
        cp = rlsim.make("CartPole-v1")
        cp.reset(seed=0)
        cp.mean_rewards()


def test_state_access_and_params():
    env = rlsim.make("CartPole-v1", reset_low=-0.01, reset_high=0.01)
    assert env.params["reset_low"] == -0.01 and env.params["max_episode_steps"] == -1
    obs, _ = env.reset(seed=0)
    assert np.all(np.abs(obs) <= 0.01)
    obs2 = env.set_state([0.1, 0.0, 0.05, 0.0])
    assert np.allclose(obs2, [0.1, 0.0, 0.05, 0.0])
    assert np.allclose(env.get_state(), [0.1, 0.0, 0.05, 0.0])
    short = rlsim.make("CartPole-v1", max_episode_steps=5)
    assert short.max_episode_steps == 5 and short.spec.max_episode_steps == 5


def test_describe_and_docs():
    d = rlsim.describe("CartPole-v1")
    assert d.kind == "env" and d.max_episode_steps == 500
    p = d.param("reset_low")
    assert p.type == "float" and p.default == -0.05
    assert "reset_low (float, default -0.05" in str(d)
    assert "CartPole-v1:" in rlsim.make.__doc__ and "reset_low" in rlsim.make.__doc__
    assert "alpha" in rlsim.agent.__doc__
    assert "reset_low" in type(rlsim.make("CartPole-v1")).__doc__
    a = rlsim.describe("ucb1")
    assert a.kind == "agent"
    ints = [p for p in rlsim.describe("dqn").params if p.name == "net_arch"][0]
    # an IntList once agents/ declare net_arch as integers; a DoubleList before
    assert ints.type in ("list[int]", "list[float]") and ints.default == [64, 64]
    ranged = rlsim.describe("BernoulliBandit-v0").param("horizon")
    assert ranged.type == "int" and ranged.range[0] == 1
    assert "ucb1" in rlsim.agents() and "CartPole-v1" in rlsim.envs()


def test_a_kept_step_function_keeps_its_env_alive():
    import gc

    env = rlsim.make("CartPole-v1")
    env.reset(seed=0)
    step = env.step  # the C++ function bound to this env (one call per step)
    del env
    gc.collect()
    obs, reward, *_ = step(0)
    assert obs.shape == (4,) and reward == 1.0


def test_step_and_reset_signatures_and_fresh_results():
    # step and reset's core are CPython builtins bound to the env: inspect still reads their
    # signatures (Gymnasium's checkers inspect reset's), and every call returns new objects:
    # a fresh observation array and a fresh info dict (Gymnasium's RecordEpisodeStatistics
    # writes info["episode"] into the dict a step returns, so a shared dict would leak).
    import inspect

    env = rlsim.make("CartPole-v1")
    assert list(inspect.signature(env.step).parameters) == ["action"]
    params = inspect.signature(env.reset).parameters
    assert params["seed"].default is None and params["options"].default is None
    first, info0 = env.reset(seed=3)
    again, info1 = env.reset(seed=3)
    assert np.array_equal(first, again) and first is not again and info0 is not info1
    o1, _, _, _, i1 = env.step(0)
    i1["episode"] = 1
    o1[:] = 99.0
    o2, _, _, _, i2 = env.step(0)
    assert i2 == {} and i2 is not i1 and not np.any(o2 == 99.0)
    with pytest.raises(TypeError):
        env.step()  # METH_O: exactly one argument
    with pytest.raises(TypeError):
        env.step(0, 1)


def test_step_info_prob_and_action_mask():
    # Taxi reports Gymnasium's "prob" and "action_mask" (int8, the actions that change the
    # state) at reset and at each step; a masked action is never a no-op bump or pickup.
    env = rlsim.make("Taxi-v4")
    obs, info = env.reset(seed=3)
    assert info["prob"] == 1.0
    mask = info["action_mask"]
    assert mask.dtype == np.int8 and mask.shape == (6,)
    for _ in range(50):
        allowed = np.flatnonzero(mask)
        assert len(allowed) > 0
        before = obs
        obs, reward, terminated, truncated, info = env.step(int(allowed[0]))
        assert obs != before or terminated  # an allowed action changes the state
        assert info["prob"] == 1.0
        mask = info["action_mask"]
        if terminated or truncated:
            break
    # Slippery FrozenLake reports the probability of the outcome drawn: 1/3 or 2/3.
    lake = rlsim.make("FrozenLake-v1")
    _, info = lake.reset(seed=1)
    assert info == {"prob": 1.0}
    _, _, _, _, info = lake.step(0)
    assert info["prob"] in (pytest.approx(1 / 3), pytest.approx(2 / 3))
    # CartPole has no step info.
    cart = rlsim.make("CartPole-v1")
    assert cart.reset(seed=0)[1] == {}
