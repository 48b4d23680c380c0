"""EnvPool-style vector envs: rlsim.make_vec(id, num_envs, threads=1, **params).

N copies of one env step in C++ on `threads` threads of a pool created once
(run/worker_pool.hpp), with the GIL released; results do not depend on `threads`. step(actions) takes an array of N actions
(int [N] for Discrete, float [N, *shape] for Box) and returns (obs, rewards, terminated,
truncated, info): obs float32 [N, *shape] (int64 [N] for Discrete), rewards float64 [N],
terminated and truncated bool [N], info {}. The arrays are preallocated and rewritten by the
next step (nothing is allocated per step): copy what you keep, or make the env with
copy=True to get fresh arrays.

Auto-reset is Gymnasium 1.x's next-step mode (metadata["autoreset_mode"]): when copy i's
episode ends, that step returns its last observation with the final reward and flags; the
next step resets copy i (its action is ignored) and returns the new episode's first
observation, reward 0 and both flags false. Seeding as Gymnasium's vector envs: reset(seed=s)
seeds copy i with s + i (so copy i follows rlsim.make(id).reset(seed=s + i)); a list gives
each copy its seed; a first reset() without a seed uses seeds 0, 1, ..., N - 1.
"""
import numpy as np

from . import _rlsim
from .spaces import HAVE_GYMNASIUM, batch, from_dict

if HAVE_GYMNASIUM:
    import gymnasium

    _Base = gymnasium.vector.VectorEnv
    _NEXT_STEP = getattr(gymnasium.vector, "AutoresetMode", None)
    _NEXT_STEP = _NEXT_STEP.NEXT_STEP if _NEXT_STEP is not None else "next_step"
else:
    _Base = object
    _NEXT_STEP = "next_step"

__all__ = ["VectorEnv", "make_vec"]


class VectorEnv(_Base):
    """N copies of an rlsim env stepped in C++. Make it with rlsim.make_vec."""

    def __init__(self, id, num_envs, threads=1, copy=False, **params):
        self._core = _rlsim.VectorEnv(id, int(num_envs), int(threads), params)
        self.id = id
        self.num_envs = int(num_envs)
        self.copy = bool(copy)
        self.single_observation_space = from_dict(self._core.observation_space)
        self.single_action_space = from_dict(self._core.action_space)
        self.observation_space = batch(self.single_observation_space, self.num_envs)
        self.action_space = batch(self.single_action_space, self.num_envs)
        self.metadata = {"autoreset_mode": _NEXT_STEP, "render_modes": []}
        self.render_mode = None
        self.spec = None
        self._info = {}
        if not HAVE_GYMNASIUM:
            self.closed = False

    def reset(self, *, seed=None, options=None):
        """Resets every copy; returns (obs, info). seed: None, an int s (copy i gets s + i)
        or a list of N ints or Nones."""
        if options:
            raise ValueError(
                f"{self.id} vector env: reset options {sorted(options)} are not taken; set "
                "the reset parameters with rlsim.make_vec"
            )
        obs = self._core.reset(seed)
        if HAVE_GYMNASIUM and isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
        return (obs.copy() if self.copy else obs), {}

    def step(self, actions):
        """Steps every copy; returns (obs, rewards, terminated, truncated, info)."""
        obs, rewards, terminated, truncated = self._core.step(actions)
        if self.copy:
            return obs.copy(), rewards.copy(), terminated.copy(), truncated.copy(), {}
        return obs, rewards, terminated, truncated, {}

    def close_extras(self, **kwargs):
        self._core.close()

    if not HAVE_GYMNASIUM:

        def close(self, **kwargs):
            if not self.closed:
                self.close_extras()
                self.closed = True

        @property
        def unwrapped(self):
            return self

        def __enter__(self):
            return self

        def __exit__(self, *args):
            self.close()
            return False

    @property
    def threads(self):
        """Threads stepping the copies (settable; results do not depend on it; at most N
        are used)."""
        return self._core.threads

    @threads.setter
    def threads(self, n):
        self._core.threads = int(n)

    @property
    def params(self):
        """Every parameter of the copies, defaults filled in."""
        return self._core.params

    @property
    def max_episode_steps(self):
        return self._core.max_episode_steps

    def __repr__(self):
        return f"rlsim.VectorEnv({self.id!r}, num_envs={self.num_envs}, threads={self.threads})"


def make_vec(id, num_envs, threads=1, copy=False, **params):
    """N copies of env `id` stepped together in C++ (see rlsim.VectorEnv's module doc).

    threads: threads stepping the copies (results do not depend on it); copy: return
    fresh arrays each step instead of the preallocated ones; params: the env's parameters,
    as for rlsim.make.
    """
    return VectorEnv(id, num_envs, threads=threads, copy=copy, **params)
