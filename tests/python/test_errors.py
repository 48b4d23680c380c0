"""Every error class from Python: bad ids, parameters and actions, calls out of order. Each
raises ValueError, TypeError or RuntimeError with the driver's one-line message; none
crashes the process."""
import numpy as np
import pytest

import rlsim


def test_unknown_ids_are_value_errors_with_close_matches():
    with pytest.raises(ValueError, match=r"unknown env id 'CartPole-v2'; did you mean: CartPole-v1"):
        rlsim.make("CartPole-v2")
    with pytest.raises(ValueError, match="unknown env id 'ucb1'"):
        rlsim.make("ucb1")  # an agent id is not an env id
    with pytest.raises(ValueError, match="unknown agent id 'ucb2'"):
        rlsim.agent("ucb2", rlsim.make("BernoulliBandit-v0"))
    with pytest.raises(ValueError, match="unknown id 'Nope'"):
        rlsim.describe("Nope")
    with pytest.raises(ValueError, match="unknown env id"):
        rlsim.make_vec("Nope-v0", 2)


def test_parameter_errors():
    # unknown keyword argument: TypeError, as Python reports one, with the valid names
    with pytest.raises(TypeError, match=r"env 'CartPole-v1' has no parameter 'reset_lo' \(did you mean 'reset_low'"):
        rlsim.make("CartPole-v1", reset_lo=0.1)
    # wrong type
    with pytest.raises(TypeError, match="env 'FrozenLake-v1' parameter 'is_slippery' must be true or false"):
        rlsim.make("FrozenLake-v1", is_slippery=1)
    with pytest.raises(TypeError, match="parameter 'horizon' must be an integer"):
        rlsim.make("BernoulliBandit-v0", horizon=10.5)
    with pytest.raises(TypeError, match="must be a bool, a number, a string or a list"):
        rlsim.make("CartPole-v1", reset_low={"a": 1})
    with pytest.raises(TypeError, match="must be a list of numbers"):
        rlsim.make("BernoulliBandit-v0", means=[0.1, "x"])
    # out of range, not one of the choices, cross-parameter checks: ValueError
    with pytest.raises(ValueError, match=r"parameter 'horizon' = 0 is out of range: must be in \[1, "):
        rlsim.make("BernoulliBandit-v0", horizon=0)
    with pytest.raises(ValueError, match=r"parameter 'map_name' = \"9x9\" is not one of"):
        rlsim.make("FrozenLake-v1", map_name="9x9")
    with pytest.raises(ValueError, match="alpha"):
        rlsim.agent("q-learning", rlsim.make("FrozenLake-v1"), alpha=-1.0)
    # numpy scalars and arrays are accepted where the types fit
    env = rlsim.make("BernoulliBandit-v0", means=np.array([0.2, 0.8]), horizon=np.int64(50))
    assert env.params["means"] == [0.2, 0.8] and env.params["horizon"] == 50


def test_action_errors():
    env = rlsim.make("CartPole-v1")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action for CartPole-v1 is 2, outside Discrete\(2\)"):
        env.step(2)
    with pytest.raises(ValueError, match="outside"):
        env.step(np.int64(-1))
    with pytest.raises(TypeError, match="action for CartPole-v1 must be an integer"):
        env.step(0.5)
    with pytest.raises(TypeError, match="must be an integer"):
        env.step("left")
    with pytest.raises(TypeError, match="must be an integer"):
        env.step(None)
    env.step(np.int64(1))  # still usable after the errors
    env.step(True)  # bool is an int, as in Gymnasium's Discrete.contains
    box = rlsim.make("MountainCarContinuous-v0")
    box.reset(seed=0)
    with pytest.raises(ValueError, match="has 2 components"):
        box.step(np.zeros(2, np.float32))
    with pytest.raises(TypeError, match="must be numbers"):
        box.step(["a"])
    with pytest.raises(ValueError, match="NaN"):
        box.step(np.array([np.nan], np.float32))
    box.step([0.5])  # a list of numbers is fine
    pend = rlsim.make("Pendulum-v1")
    pend.reset(seed=0)
    pend.step(np.array([5.0], np.float32))  # Pendulum clips to Box(-2, 2), as Gymnasium's
    with pytest.raises(ValueError, match="NaN"):
        pend.step(np.array([np.nan], np.float32))


def test_calls_out_of_order_are_runtime_errors():
    env = rlsim.make("CartPole-v1")
    with pytest.raises(RuntimeError, match=r"CartPole-v1: step\(\) called before reset\(\)"):
        env.step(0)
    with pytest.raises(RuntimeError, match="before reset"):
        env.get_state()
    env.reset(seed=0)
    env.close()
    env.close()  # closing twice is fine
    with pytest.raises(RuntimeError, match=r"step\(\) called after close\(\)"):
        env.step(0)
    with pytest.raises(RuntimeError, match="after close"):
        env.reset()
    v = rlsim.make_vec("CartPole-v1", 2)
    with pytest.raises(RuntimeError, match="before reset"):
        v.step(np.zeros(2, np.int64))
    v.close()
    with pytest.raises(RuntimeError, match="after close"):
        v.reset()


def test_seed_errors():
    env = rlsim.make("CartPole-v1")
    with pytest.raises(ValueError, match="negative"):
        env.reset(seed=-1)
    with pytest.raises(ValueError, match="64 bits"):
        env.reset(seed=2**64)
    with pytest.raises(TypeError, match="seed must be an integer"):
        env.reset(seed=1.5)
    env.reset(seed=2**64 - 1)  # the whole uint64 range is a seed
    with pytest.raises(ValueError, match="reset options"):
        env.reset(options={"low": -0.1})


def test_vector_env_errors():
    with pytest.raises(ValueError, match="num_envs must be 1 or more"):
        rlsim.make_vec("CartPole-v1", 0)
    with pytest.raises(ValueError, match="threads must be 1 or more"):
        rlsim.make_vec("CartPole-v1", 2, threads=0)
    v = rlsim.make_vec("CartPole-v1", 3)
    v.reset(seed=0)
    with pytest.raises(ValueError, match=r"vector env copy 1 of 3: action for CartPole-v1 is 5, outside"):
        v.step(np.array([0, 5, 1]))
    with pytest.raises(ValueError, match=r"shape \[2\]"):
        v.step(np.array([0, 1]))
    with pytest.raises(TypeError, match="must be an array of integers"):
        v.step(np.array([0.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="2 seeds for 3 env copies"):
        v.reset(seed=[1, 2])
    obs, *_ = v.step(np.array([0, 1, 1]))  # a refused step changed nothing
    assert obs.shape == (3, 4)


def test_agent_errors():
    with pytest.raises(ValueError, match="cannot run on CartPole-v1"):
        rlsim.agent("q-learning", rlsim.make("CartPole-v1"))
    lake = rlsim.make("FrozenLake-v1")
    agent = rlsim.agent("q-learning", lake)
    with pytest.raises(ValueError, match="observation for agent 'q-learning' is 16, outside"):
        agent.act(16)
    with pytest.raises(TypeError, match="must be an integer"):
        agent.act("s")
    with pytest.raises(ValueError, match="action for agent 'q-learning' is 4, outside"):
        agent.observe(0, 4, 0.0, 1, False, False)
    with pytest.raises(TypeError, match="rlsim.agent needs an env made by rlsim.make"):
        rlsim.agent("ucb1", object())
    with pytest.raises(ValueError, match="no learned state"):
        rlsim.agent("random", lake).save()
    with pytest.raises(ValueError, match="env copies at once"):
        rlsim.agent("ppo", rlsim.make("CartPole-v1"), n_envs=4)


def test_run_and_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        rlsim.load(tmp_path / "missing.h5")
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(ValueError, match="bad.h5"):
        rlsim.load(bad)
    with pytest.raises(TypeError, match="has no parameter 'alhpa'"):
        rlsim.run({"episodes": 2, "env": {"id": "FrozenLake-v1"},
                   "agent": {"id": "q-learning", "alhpa": 0.1}}, out=tmp_path / "x.h5", quiet=True)
    with pytest.raises(ValueError, match="unknown env id"):
        rlsim.run({"episodes": 2, "env": {"id": "Lake"}, "agent": {"id": "random"}},
                  out=tmp_path / "x.h5", quiet=True)
    with pytest.raises(FileNotFoundError):
        rlsim.run(tmp_path / "missing.toml")
    with pytest.raises(TypeError, match="not a config value"):
        rlsim.run({"episodes": 2, "env": {"id": "FrozenLake-v1", "x": object()}})
    out = tmp_path / "ok.h5"
    rlsim.run(None, episodes=2, seeds=1, out=out, quiet=True)
    with pytest.raises(FileExistsError, match="already exists"):
        rlsim.run(None, episodes=2, seeds=1, out=out, quiet=True)
    with pytest.raises(FileNotFoundError):
        rlsim.load_plugin(tmp_path / "missing.so")
    with pytest.raises(ValueError):
        rlsim.load_plugin(bad)
