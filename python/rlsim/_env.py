"""rlsim envs with Gymnasium 1.x's interface: rlsim.make(id, render_mode=None, **params).

An Env holds one C++ env (rlsim._rlsim.Env). When `gymnasium` imports, Env subclasses
gymnasium.Env and its spaces are gymnasium.spaces objects, so Gymnasium's env checker,
wrappers and Stable-Baselines3 take it as it is; without Gymnasium it has the same methods
and rlsim's own spaces (rlsim.spaces).

Each env id gets its own subclass (named after the id, e.g. CartPole_v1) whose docstring
lists its parameters and whose `metadata` says which render modes it has: "rgb_array" (an
RGB ndarray, height x width x 3, uint8) and "ansi" (text) where the C++ env draws, none for
bandit problems. `step` is the C++ method itself (one call per step, no Python frame).

Differences from Gymnasium (docs/python.md): the time limit is the env's own (its
`max_episode_steps` parameter; the step that reaches it returns truncated=True); stepping
after the episode ended raises RuntimeError instead of warning; reset() without a seed on a
new env uses seed 0's stream instead of OS entropy, so unseeded runs are reproducible; reset
options are not taken (set the reset parameters with make).
"""
import dataclasses

import numpy as np

from . import _rlsim
from .spaces import HAVE_GYMNASIUM, from_dict

if HAVE_GYMNASIUM:
    import gymnasium
    from gymnasium.envs.registration import EnvSpec as _GymEnvSpec

    _Base = gymnasium.Env
else:
    _Base = object
    _GymEnvSpec = None

__all__ = ["Env", "EnvSpec", "make", "env_class"]


@dataclasses.dataclass
class EnvSpec:
    """An env's spec when Gymnasium is not installed (Gymnasium's EnvSpec otherwise)."""

    id: str
    entry_point: object = None
    reward_threshold: float = None
    nondeterministic: bool = False
    max_episode_steps: int = None
    kwargs: dict = dataclasses.field(default_factory=dict)

    def make(self, **kwargs):
        """A new env from this spec, with `kwargs` overriding its keyword arguments."""
        return self.entry_point(**{**self.kwargs, **kwargs})


_RENDER_FPS_GRID, _RENDER_FPS = 4, 30  # as `rlsim env render` (toy-text envs: 4)


def _render_modes(id):
    """The render modes of env `id`: probed once on a default env after a reset."""
    modes = []
    try:
        probe = _rlsim.Env(id, {})
        probe.reset(0)
        if probe.render_rgb() is not None:
            modes.append("rgb_array")
        if probe.render_text():
            modes.append("ansi")
        discrete = probe.observation_space["kind"] == "Discrete"
    except (ValueError, TypeError, RuntimeError):
        discrete = False
    return modes, (_RENDER_FPS_GRID if discrete else _RENDER_FPS)


class Env(_Base):
    """One rlsim env with Gymnasium 1.x's API. Make it with rlsim.make(id, **params)."""

    metadata = {"render_modes": [], "render_fps": _RENDER_FPS}
    rlsim_id = None  # set by each id's subclass

    def __init__(self, id=None, render_mode=None, **params):
        id = id or self.rlsim_id
        if id is None:
            raise TypeError("Env needs an env id: use rlsim.make(id, **params)")
        core = _rlsim.Env(id, params)
        modes = type(self).metadata.get("render_modes", [])
        if type(self).rlsim_id != id:
            modes = _class_for(id).metadata["render_modes"]
        if render_mode is not None and render_mode not in modes:
            raise ValueError(
                f"{id} has no render mode {render_mode!r}: "
                + (f"use one of {', '.join(modes)} (or None)" if modes else "it does not draw")
            )
        self._core = core
        self.id = id
        self.render_mode = render_mode
        self.observation_space = from_dict(core.observation_space)
        self.action_space = from_dict(core.action_space)
        self._kwargs = dict(params)
        self._spec = None
        # The C++ step as a builtin function bound to this env: env.step(action) is one call
        # into C++; reset's core likewise returns (obs, info) in one call.
        self.step = core.bound_step()
        self._reset = core.bound_reset()

    # --- Gymnasium API ---------------------------------------------------------------------
    def reset(self, *, seed=None, options=None):
        """Starts an episode; returns (observation, info). With a seed the env's stream is
        re-seeded (as `rlsim run` seeds a run's first episode with derive_seed(master,
        seed_index, "env")); without one it continues (seed 0's stream on a new env)."""
        if options:
            raise ValueError(
                f"{self.id}: reset options {sorted(options)} are not taken; set the reset "
                "parameters with rlsim.make (rlsim.describe(id) lists them)"
            )
        result = self._reset(seed)
        if seed is not None and HAVE_GYMNASIUM:
            super().reset(seed=int(seed))  # seeds self.np_random, as Gymnasium's envs do
        return result

    def step(self, action):  # replaced per instance by the C++ method (see __init__)
        """Applies `action`; returns (observation, reward, terminated, truncated, info).
        info holds "is_success" at the end of an episode of an env that defines success,
        and for the envs that have them (as Gymnasium's toy-text envs) "prob", the
        probability of the outcome drawn, and "action_mask" (Taxi), the actions that change
        the state, as an int8 array."""
        return self._core.step(action)

    def render(self):
        """An RGB frame (height x width x 3 uint8 ndarray) for render_mode="rgb_array", the
        text picture for "ansi", None without a render mode."""
        if self.render_mode is None:
            if HAVE_GYMNASIUM:
                gymnasium.logger.warn(
                    "You are calling render method without specifying any render mode. "
                    f'You can specify the render_mode at initialization, e.g. rlsim.make("{self.id}", '
                    'render_mode="rgb_array")'
                )
            return None
        if self.render_mode == "rgb_array":
            return self._core.render_rgb()
        return self._core.render_text()

    def close(self):
        """Ends the env's use; step/reset afterwards raise RuntimeError. Closing twice is fine."""
        self._core.close()

    @property
    def spec(self):
        """id ("rlsim/ID"), max_episode_steps, reward_threshold and kwargs (the parameters
        given to make): a gymnasium EnvSpec when Gymnasium imports."""
        limit = self._core.max_episode_steps if not self._core.closed else None
        if self._spec is not None:
            return dataclasses.replace(self._spec, max_episode_steps=limit)
        kwargs = dict(self._kwargs)
        if self.render_mode is not None:
            kwargs["render_mode"] = self.render_mode
        cls = _GymEnvSpec if HAVE_GYMNASIUM else EnvSpec
        extra = {"order_enforce": False, "disable_env_checker": True} if HAVE_GYMNASIUM else {}
        return cls(
            id="rlsim/" + self.id,
            entry_point=_class_for(self.id),
            reward_threshold=self._core.reward_threshold,
            nondeterministic=False,
            max_episode_steps=limit,
            kwargs=kwargs,
            **extra,
        )

    @spec.setter
    def spec(self, value):  # gymnasium.make sets it; the time limit stays the env's own
        self._spec = value

    if not HAVE_GYMNASIUM:

        @property
        def unwrapped(self):
            return self

        @property
        def np_random(self):
            if getattr(self, "_np_random", None) is None:
                self._np_random = np.random.default_rng()
            return self._np_random

        def __str__(self):
            return f"<{type(self).__name__}<rlsim/{self.id}>>"

        def __enter__(self):
            return self

        def __exit__(self, *args):
            self.close()
            return False

    # --- rlsim extras ----------------------------------------------------------------------
    @property
    def params(self):
        """Every parameter of this env, defaults filled in (typed)."""
        return self._core.params

    @property
    def max_episode_steps(self):
        return self._core.max_episode_steps

    @property
    def reward_threshold(self):
        return self._core.reward_threshold

    @property
    def elapsed_steps(self):
        """Steps taken in the current episode."""
        return self._core.elapsed_steps

    @property
    def has_oracle(self):
        """True for bandit problems (mean_rewards and best_mean_reward work)."""
        return self._core.has_oracle

    def mean_rewards(self):
        """The regret oracle of a bandit problem: the expected reward of every arm at the
        current step (float64 array; after reset, since some problems draw their means
        then). ValueError for envs without an oracle."""
        return self._core.mean_rewards()

    def best_mean_reward(self):
        """The expected reward of the best arm at the current step (bandit problems)."""
        return self._core.best_mean_reward()

    def get_state(self):
        """The env's full state as float64 numbers (envs with state access)."""
        return self._core.get_state()

    def set_state(self, state):
        """Sets the state (as get_state returns it); returns the observation it shows."""
        self._core.set_state(np.asarray(state, dtype=np.float64))
        return self._core.observe()


_CLASSES = {}


def _class_for(id):
    """The subclass of Env for env `id` (created once)."""
    cls = _CLASSES.get(id)
    if cls is not None:
        return cls
    from ._registry import describe, envs

    if id not in envs():
        _rlsim.Env(id, {})  # ValueError with the registry's message (close matches)
    d = describe(id)
    modes, fps = _render_modes(id)
    name = "".join(c if c.isalnum() else "_" for c in id)
    doc = (
        f"rlsim env {id}: {d.doc}\n\n"
        f"Make it with rlsim.make({id!r}, render_mode=None, **params). Parameters:\n\n"
        + "\n".join(p.line() for p in d.params)
        + f"\n\nObservations: {d.observation_space_text}; actions: {d.action_space_text}."
    )

    def __init__(self, render_mode=None, **params):
        Env.__init__(self, id, render_mode=render_mode, **params)

    cls = type(
        name,
        (Env,),
        {
            "__doc__": doc,
            "__init__": __init__,
            "__module__": __name__,
            "rlsim_id": id,
            "metadata": {"render_modes": modes, "render_fps": fps},
        },
    )
    _CLASSES[id] = cls
    return cls


def env_class(id):
    """The Env subclass of env `id` (its docstring lists the parameters)."""
    return _class_for(id)


def make(id, render_mode=None, **params):
    """An rlsim env with Gymnasium 1.x's API.

    rlsim.make(id, render_mode=None, **params): `id` is an rlsim env id (rlsim.envs() lists
    them); `render_mode` None, "rgb_array" or "ansi" (those the env has: env.metadata);
    keyword arguments are the env's typed parameters (rlsim.describe(id) lists them with
    types, defaults, ranges and sources; the full list is below). TypeError for an unknown
    parameter or a value of the wrong type, ValueError for an unknown id or a value out of
    range, each with the message `rlsim run` would print.
    """
    return _class_for(id)(render_mode=render_mode, **params)
