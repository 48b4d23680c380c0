"""seeding="gymnasium" from Python (docs/seeding.md): reset(seed=s) gives Gymnasium 1.x's
first observation, and a vector env seeds copy i with s + i as Gymnasium's do.

References: the observations printed in Gymnasium's own docstrings (gymnasium/envs/
classic_control/cartpole.py and pendulum.py, Gymnasium 1.4.0), and numpy's Generator
seeded as gymnasium/utils/seeding.py seeds it, drawing as pendulum.py's reset draws.
"""
import numpy as np
import pytest

import rlsim


def test_cartpole_docstring_reset():
    # cartpole.py: env.reset(seed=123, options={"low": -0.1, "high": 0.1})
    env = rlsim.make("CartPole-v1", seeding="gymnasium", reset_low=-0.1, reset_high=0.1)
    obs, _ = env.reset(seed=123)
    np.testing.assert_allclose(obs, [0.03647037, -0.0892358, -0.05592803, -0.06312564],
                               rtol=0, atol=6e-9)


def test_pendulum_vector_copies_follow_gymnasium_seeds():
    envs = rlsim.make_vec("Pendulum-v1", 3, seeding="gymnasium")
    obs, _ = envs.reset(seed=123)
    high = np.array([np.pi, 1.0])
    for i in range(3):
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(123 + i)))
        theta, theta_dot = g.uniform(low=-high, high=high)
        want = np.array([np.cos(theta), np.sin(theta), theta_dot], dtype=np.float32)
        assert np.array_equal(obs[i], want)


def test_unsupported_env_refuses():
    with pytest.raises(Exception, match="gymnasium"):
        rlsim.make("FourRooms-v0", seeding="gymnasium")
