"""rlsim agents and bandit policies driven step by step: rlsim.agent(id, env, **params).

    env = rlsim.make("FrozenLake-v1")
    agent = rlsim.agent("q-learning", env, seed=1, alpha=0.5)
    obs, info = env.reset(seed=0)
    agent.begin_episode(obs)
    while True:
        action = agent.act(obs)
        next_obs, reward, terminated, truncated, info = env.step(action)
        agent.observe(obs, action, reward, next_obs, terminated, truncated)
        obs = next_obs
        if terminated or truncated:
            break
    agent.end_episode()

This is the loop `rlsim run` runs (run/runner.cpp): with env.reset(seed=derive_seed(master,
i, "env")) at the first episode, reset() without a seed after it, and the agent seeded with
derive_seed(master, i, "agent"), it gives the run's trajectory step for step. The agent
learns in observe(); agent.evaluation = True makes it act greedily without learning.
save() returns its learned state as {name: float64 array} (the form run files keep with
save_agent = true, RunFile.agent_state(run)); load(state) restores it.
"""
from . import _rlsim

__all__ = ["Agent", "agent"]


def _core_env(env):
    """The C++ env behind an rlsim env, also through Gymnasium wrappers."""
    inner = getattr(env, "unwrapped", env)
    core = getattr(inner, "_core", None)
    if not isinstance(core, _rlsim.Env):
        raise TypeError(
            f"rlsim.agent needs an env made by rlsim.make (or gymnasium.make('rlsim/...')), "
            f"got {type(env).__name__}"
        )
    return core


class Agent:
    """An rlsim agent or bandit policy for one env. Make it with rlsim.agent."""

    def __init__(self, id, env, seed=None, budget_steps=0, **params):
        self._core = _rlsim.Agent(id, _core_env(env), seed, int(budget_steps), params)
        self.id = id
        self.env = env

    def act(self, obs):
        """The action for observation `obs` (int for Discrete, float32 array for Box); its
        probability and log-probability are in `decision`."""
        return self._core.act(obs)

    def observe(self, obs, action, reward, next_obs, terminated, truncated):
        """One transition: the agent learns from it (unless in evaluation mode)."""
        self._core.observe(obs, action, float(reward), next_obs, bool(terminated), bool(truncated))

    def begin_episode(self, obs):
        """Marks an episode's start (after env.reset), as the runner does."""
        self._core.begin_episode(obs)

    def end_episode(self):
        """Marks an episode's end, as the runner does."""
        self._core.end_episode()

    @property
    def decision(self):
        """(probability, log_prob) of the last action act() returned (NaN when the policy's
        propensity has no closed form, e.g. Thompson sampling)."""
        return self._core.decision

    @property
    def evaluation(self):
        """In evaluation mode the agent acts greedily and does not learn."""
        return self._core.evaluation

    @evaluation.setter
    def evaluation(self, on):
        self._core.evaluation = bool(on)

    def save(self):
        """The learned state as {name: float64 ndarray}. ValueError for agents without one."""
        return self._core.save()

    def load(self, state):
        """Restores a state from save() or RunFile.agent_state(run)."""
        self._core.load(dict(state))

    def diagnostics(self):
        """Per-update training diagnostics as {"step": array, name: array, ...}, or None."""
        return self._core.diagnostics()

    @property
    def params(self):
        """Every parameter of this agent, defaults filled in (typed)."""
        return self._core.params

    def __repr__(self):
        return f"rlsim.Agent({self.id!r} on {self._core.env_id})"


def agent(id, env, seed=None, budget_steps=0, **params):
    """An rlsim agent or bandit policy to drive step by step (see rlsim.Agent's module doc).

    rlsim.agent(id, env, seed=None, budget_steps=0, **params): `env` an env made with
    rlsim.make (or through Gymnasium wrappers); `seed` the agent's own stream (None: 0;
    `rlsim run` uses derive_seed(master, seed_index, "agent")); `budget_steps` the run's
    step budget, which some schedules (DQN's epsilon, PPO's learning rate) default to;
    keyword arguments are the agent's typed parameters (rlsim.describe(id) lists them; the
    full list is below). TypeError for an unknown parameter or a wrong type, ValueError for
    an unknown id, a bad value or an env the agent cannot run on. Agents that learn from
    several env copies at once (A2C, PPO with n_envs > 1) are run by rlsim.run instead.
    """
    return Agent(id, env, seed=seed, budget_steps=budget_steps, **params)
