"""rlsim envs in Gymnasium's registry: rlsim.gym.register_all().

After register_all(), gymnasium.make("rlsim/CartPole-v1", **params) makes the rlsim env
(through Gymnasium's usual wrappers: the passive env checker and order enforcing). The time
limit stays the env's own (its max_episode_steps parameter), so the registration has none:
a max_episode_steps given to gymnasium.make adds Gymnasium's TimeLimit on top, which can
only shorten episodes. Envs of plugins loaded later are added by calling it again.
"""
from . import _registry
from .spaces import HAVE_GYMNASIUM

__all__ = ["register_all"]


class _EntryPoint:
    """Gymnasium entry point of one rlsim env: its class is made (and its render modes
    probed) only when Gymnasium first asks for it."""

    def __init__(self, id):
        self.id = id

    @property
    def metadata(self):
        from ._env import env_class

        return env_class(self.id).metadata

    def __call__(self, **kwargs):
        from ._env import env_class

        return env_class(self.id)(**kwargs)

    def __repr__(self):
        return f"rlsim.gym entry point for {self.id}"


def register_all(namespace="rlsim"):
    """Registers every rlsim env (plugins included) with Gymnasium as NAMESPACE/ID; returns
    the Gymnasium ids. Ids already registered are left as they are. ImportError without
    Gymnasium."""
    if not HAVE_GYMNASIUM:
        raise ImportError("rlsim.gym.register_all needs gymnasium (pip install gymnasium)")
    import gymnasium

    ids = []
    for id in _registry.envs():
        gym_id = f"{namespace}/{id}"
        if gym_id not in gymnasium.registry:
            gymnasium.register(id=gym_id, entry_point=_EntryPoint(id), max_episode_steps=None)
        ids.append(gym_id)
    return ids
