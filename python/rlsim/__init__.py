"""rlsim from Python: Gymnasium-API envs, EnvPool-style vector envs, bandit policies and
agents step by step, experiments and run files as DataFrames (docs/python.md).

    import rlsim
    env = rlsim.make("CartPole-v1")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

    envs = rlsim.make_vec("CartPole-v1", 64, threads=2)
    rf = rlsim.run("experiments/configs/bandits.toml", seeds=5)
    rf.summary(); rf.episodes.groupby("agent_id")["return"].mean()

Everything runs in the C++ libraries (rlsim._rlsim): no env, agent or file format is
implemented twice. With `gymnasium` installed the envs are gymnasium.Env subclasses with
gymnasium.spaces, and rlsim.gym.register_all() adds them to Gymnasium's registry.
"""
import numpy  # noqa: F401  (first: the extension module needs it, and says less when it is missing)

from . import _rlsim
from ._agent import Agent, agent
from ._env import Env, env_class, make
from ._registry import Description, Param, agents, derive_seed, describe, envs, load_plugin
from ._run import run
from ._runfile import RunFile, load
from ._vector import VectorEnv, make_vec
from . import spaces
from .spaces import HAVE_GYMNASIUM

__version__ = _rlsim.__version__

__all__ = [
    "Agent",
    "Description",
    "Env",
    "HAVE_GYMNASIUM",
    "Param",
    "RunFile",
    "VectorEnv",
    "agent",
    "agents",
    "derive_seed",
    "describe",
    "env_class",
    "envs",
    "load",
    "load_plugin",
    "make",
    "make_vec",
    "run",
    "spaces",
]

from . import _docs  # noqa: E402

_docs.refresh()


def __getattr__(name):  # rlsim.gym without importing Gymnasium at `import rlsim`
    if name == "gym":
        import importlib

        return importlib.import_module(".gym", __name__)
    raise AttributeError(f"module 'rlsim' has no attribute {name!r}")
