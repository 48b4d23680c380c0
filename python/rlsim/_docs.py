"""Docstrings that list parameters: help(rlsim.make) lists every env's typed parameters and
help(rlsim.agent) every agent's, from the registry's schemas (refreshed when a plugin loads).
"""
from . import _rlsim
from ._registry import schema_text

_BASE = {}


def refresh():
    from . import _agent, _env, _vector

    targets = [
        (_env.make, "env"),
        (_vector.make_vec, "env"),
        (_agent.agent, "agent"),
    ]
    env_text = schema_text("env", _rlsim.env_schemas())
    agent_text = schema_text("agent", _rlsim.agent_schemas())
    for fn, kind in targets:
        base = _BASE.setdefault(fn, fn.__doc__ or "")
        text = env_text if kind == "env" else agent_text
        fn.__doc__ = (
            base.rstrip()
            + f"\n\n    Parameters of every {kind} (name (type, default, range), doc [source]):\n\n"
            + "\n".join("    " + line for line in text.splitlines())
            + "\n"
        )
