"""Ids, typed parameters and plugins: rlsim.envs(), agents(), describe(), load_plugin().

Parameters come from the C++ registry's schemas (core/params.hpp): for each its name, type,
default, range or choices, doc and the source of its default. `describe(id)` returns them
as `Param` records inside a `Description`, which prints like `rlsim describe ID`.
"""
import dataclasses
import json
import math
import os

from . import _rlsim

__all__ = ["Param", "Description", "envs", "agents", "describe", "load_plugin", "derive_seed"]

# C++ parameter types and the Python types a keyword argument of each takes.
_PY_TYPES = {
    "bool": "bool",
    "int": "int",
    "float": "float",
    "string": "str",
    "list of floats": "list[float]",
    "list of ints": "list[int]",
}


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of an env or agent, as its schema declares it."""

    name: str
    type: str  # the Python type a keyword argument takes: bool, int, float, str, list[...]
    default: object
    min: float
    max: float
    choices: tuple
    doc: str
    source: str
    rlsim_type: str  # the type as `rlsim describe` names it ("int", "list of floats", ...)
    range_text: str = None  # "[0, 1]" when bounded

    @property
    def range(self):
        """(min, max), or None when unbounded."""
        if math.isinf(self.min) and math.isinf(self.max):
            return None
        return (self.min, self.max)

    def line(self):
        """The parameter as `rlsim describe` prints it (two lines)."""
        head = f"  {self.name} ({self.rlsim_type}, default {format_value(self.default)}"
        if self.range_text:
            head += f", range {self.range_text}"
        if self.choices:
            head += ", one of: " + " ".join(self.choices)
        doc = self.doc + (f" [{self.source}]" if self.source else "")
        return f"{head})\n      {doc}"


def _param(d):
    return Param(
        name=d["name"],
        type=_PY_TYPES.get(d["type"], d["type"]),
        default=d["default"],
        min=d["min"],
        max=d["max"],
        choices=tuple(d["choices"]),
        doc=d["doc"],
        source=d["source"],
        rlsim_type=d["type"],
        range_text=d["range"],
    )


def format_value(v):
    """A value as a config file writes it: true, 3, 0.5, "text", [0.1, 0.9]."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    return repr(v)


@dataclasses.dataclass(frozen=True)
class Description:
    """An env's or agent's doc, parameters and (envs) spaces; str() prints it like
    `rlsim describe ID`."""

    id: str
    kind: str  # "env" or "agent"
    doc: str
    origin: str  # "built-in" or a plugin's path
    params: tuple
    observation_space: object = None
    action_space: object = None
    max_episode_steps: int = None
    reward_threshold: float = None
    capabilities: tuple = ()
    observation_space_text: str = ""
    action_space_text: str = ""

    def param(self, name):
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.kind} '{self.id}' has no parameter '{name}'")

    @property
    def defaults(self):
        return {p.name: p.default for p in self.params}

    def __str__(self):
        lines = [f"{self.id}: {self.doc}"]
        if self.kind == "env":
            lines += [
                f"observation space: {self.observation_space_text}",
                f"action space:      {self.action_space_text}",
                "max episode steps: "
                + (str(self.max_episode_steps) if self.max_episode_steps else "none"),
                "reward threshold:  "
                + ("none" if self.reward_threshold is None else repr(self.reward_threshold)),
                "capabilities:     " + "".join(" " + c for c in self.capabilities),
            ]
        lines.append("parameters:")
        lines += [p.line() for p in self.params] or ["  (none)"]
        if self.origin != "built-in":
            lines.append(f"from plugin: {self.origin}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):  # IPython
        printer.text(str(self))


def envs():
    """Ids of every registered env (built-ins, RLSIM_PLUGIN_PATH and loaded plugins)."""
    return [e["id"] for e in _rlsim.env_entries()]


def agents():
    """Ids of every registered agent and bandit policy."""
    return [e["id"] for e in _rlsim.agent_entries()]


def describe(id):
    """The doc, typed parameters (name, type, default, range, choices, doc, source) and, for
    an env, spaces and limits of env or agent `id`, as a Description. ValueError for an
    unknown id (with close matches)."""
    from .spaces import from_dict

    d = _rlsim.describe(id)
    extra = {}
    if d["kind"] == "env":
        extra = dict(
            observation_space=from_dict(d["observation_space"]),
            action_space=from_dict(d["action_space"]),
            max_episode_steps=d["max_episode_steps"],
            reward_threshold=d["reward_threshold"],
            capabilities=tuple(d["capabilities"]),
            observation_space_text=d["observation_space_text"],
            action_space_text=d["action_space_text"],
        )
    return Description(
        id=d["id"],
        kind=d["kind"],
        doc=d["doc"],
        origin=d["origin"],
        params=tuple(_param(p) for p in d["params"]),
        **extra,
    )


LOADED_PLUGINS = []  # paths given to load_plugin, in order


def load_plugin(path):
    """Loads a plugin (a shared library built against rlsim, docs/plugins.md); its envs and
    agents then appear in envs() and agents(). FileNotFoundError when the file is missing,
    ValueError when it is not an rlsim plugin of this ABI version or is already loaded."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"plugin '{path}' does not exist")
    _rlsim.load_plugin(path)
    LOADED_PLUGINS.append(path)  # rlsim.run(..., resume=True) hands them to the driver
    from . import _docs

    _docs.refresh()


def derive_seed(master, index, stream):
    """The seed `rlsim run` gives stream `stream` ("env", "agent", "eval") of seed index
    `index` under master seed `master` (core/rng.hpp's derive_seed). The env of a run is
    reset with derive_seed(seed, seed_index, "env") at its first episode, and its agent built
    with derive_seed(seed, seed_index, "agent")."""
    return _rlsim.derive_seed(master, index, stream)


def schema_text(kind, schemas):
    """Parameter listings of every env or agent, for docstrings."""
    out = []
    for id_, params in schemas.items():
        out.append(f"{id_}:")
        out += [_param(p).line() for p in params] or ["  (none)"]
    return "\n".join(out)
