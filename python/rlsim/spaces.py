"""Spaces of rlsim envs: Gymnasium's own when `gymnasium` imports, else these.

rlsim needs no Gymnasium: without it, `env.observation_space` and `env.action_space` are the
Discrete and Box below (and MultiDiscrete for a vector env's batched Discrete actions), with
the attributes and methods of Gymnasium 1.x's spaces that rlsim users touch: `n`, `start`,
`low`, `high`, `shape`, `dtype`, `sample()`, `contains()` (and `x in space`), `seed()`.
Sampling follows Gymnasium's rules (a bounded Box samples uniformly, a half-bounded one from a
shifted exponential, an unbounded one from a normal), with NumPy's PCG64 generator.

`from_dict` turns the C++ space description (`{"kind": "Box", "low": ..., ...}`) into a
space of either kind; `batch` makes the space of N stacked values.
"""
import os

import numpy as np

try:
    if os.environ.get("RLSIM_NO_GYMNASIUM"):
        raise ImportError("RLSIM_NO_GYMNASIUM is set")
    import gymnasium as _gym
    import gymnasium.spaces as _gym_spaces
except ImportError:  # rlsim works without Gymnasium
    _gym = None
    _gym_spaces = None

HAVE_GYMNASIUM = _gym is not None

__all__ = ["Space", "Discrete", "Box", "MultiDiscrete", "from_dict", "batch", "HAVE_GYMNASIUM"]


class Space:
    """Base of rlsim's own spaces (used only when Gymnasium is not installed)."""

    def __init__(self, shape, dtype, seed=None):
        self._shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self._np_random = None
        if seed is not None:
            self.seed(seed)

    @property
    def shape(self):
        return self._shape

    @property
    def np_random(self):
        if self._np_random is None:
            self.seed()
        return self._np_random

    def seed(self, seed=None):
        """Seeds the space's sampler; returns [seed] as Gymnasium does."""
        self._np_random = np.random.default_rng(seed)
        return [seed]

    def __contains__(self, x):
        return self.contains(x)


class Discrete(Space):
    """The integers start, ..., start + n - 1 (np.int64 values)."""

    def __init__(self, n, start=0, seed=None):
        if int(n) < 1:
            raise ValueError(f"Discrete space size n={n} is invalid: need n >= 1")
        self.n = np.int64(n)
        self.start = np.int64(start)
        super().__init__((), np.int64, seed)

    def sample(self, mask=None):
        if mask is not None:
            allowed = np.flatnonzero(np.asarray(mask, dtype=np.int8) == 1)
            if allowed.size == 0:
                return self.start
            return np.int64(self.start + self.np_random.choice(allowed))
        return np.int64(self.start + self.np_random.integers(self.n))

    def contains(self, x):
        if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
            v = int(x)
        elif isinstance(x, np.ndarray) and x.shape == () and np.issubdtype(x.dtype, np.integer):
            v = int(x)
        else:
            return False
        return bool(self.start <= v < self.start + self.n)

    def __repr__(self):
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"

    def __eq__(self, other):
        return isinstance(other, Discrete) and self.n == other.n and self.start == other.start


class Box(Space):
    """Real vectors in [low, high] of a given shape (float32 for rlsim)."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        dtype = np.dtype(dtype)
        if shape is None:
            shape = np.shape(low) if np.ndim(low) else np.shape(high)
        shape = tuple(int(d) for d in shape)
        self.low = np.broadcast_to(np.asarray(low, dtype=dtype), shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=dtype), shape).copy()
        if np.any(self.low > self.high):
            raise ValueError("Box: some low bound is above its high bound")
        super().__init__(shape, dtype, seed)
        self.bounded_below = np.isfinite(self.low)
        self.bounded_above = np.isfinite(self.high)

    def is_bounded(self, manner="both"):
        below, above = bool(np.all(self.bounded_below)), bool(np.all(self.bounded_above))
        if manner == "both":
            return below and above
        if manner == "below":
            return below
        if manner == "above":
            return above
        raise ValueError(f"manner is not in {{'below', 'above', 'both'}}, actual value: {manner}")

    def sample(self, mask=None):
        if mask is not None:
            raise ValueError("Box.sample cannot be masked")
        rng = self.np_random
        out = np.empty(self.shape, dtype=np.float64)
        unbounded = ~self.bounded_below & ~self.bounded_above
        upp = ~self.bounded_below & self.bounded_above
        low = self.bounded_below & ~self.bounded_above
        both = self.bounded_below & self.bounded_above
        out[unbounded] = rng.normal(size=unbounded[unbounded].shape)
        out[low] = rng.exponential(size=low[low].shape) + self.low[low]
        out[upp] = -rng.exponential(size=upp[upp].shape) + self.high[upp]
        out[both] = rng.uniform(low=self.low[both], high=self.high[both], size=both[both].shape)
        return np.clip(out, self.low, self.high).astype(self.dtype)

    def contains(self, x):
        if not isinstance(x, np.ndarray):
            try:
                x = np.asarray(x, dtype=self.dtype)
            except (ValueError, TypeError):
                return False
        return bool(
            np.can_cast(x.dtype, self.dtype)
            and x.shape == self.shape
            and np.all(x >= self.low)
            and np.all(x <= self.high)
        )

    def __repr__(self):
        def bound(a):
            return str(a.flat[0]) if a.size and np.all(a == a.flat[0]) else str(a)

        return f"Box({bound(self.low)}, {bound(self.high)}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (
            isinstance(other, Box)
            and self.shape == other.shape
            and self.dtype == other.dtype
            and np.array_equal(self.low, other.low)
            and np.array_equal(self.high, other.high)
        )


class MultiDiscrete(Space):
    """Vectors of integers, element i in start[i], ..., start[i] + nvec[i] - 1 (int64)."""

    def __init__(self, nvec, start=None, seed=None):
        self.nvec = np.asarray(nvec, dtype=np.int64)
        self.start = (
            np.zeros_like(self.nvec) if start is None else np.asarray(start, dtype=np.int64)
        )
        super().__init__(self.nvec.shape, np.int64, seed)

    def sample(self, mask=None):
        if mask is not None:
            raise ValueError("rlsim's MultiDiscrete.sample cannot be masked")
        return (self.start + self.np_random.integers(self.nvec)).astype(np.int64)

    def contains(self, x):
        x = np.asarray(x)
        if x.shape != self.shape or not np.issubdtype(x.dtype, np.integer):
            return False
        return bool(np.all(x >= self.start) and np.all(x < self.start + self.nvec))

    def __repr__(self):
        return f"MultiDiscrete({self.nvec})"

    def __eq__(self, other):
        return (
            isinstance(other, MultiDiscrete)
            and np.array_equal(self.nvec, other.nvec)
            and np.array_equal(self.start, other.start)
        )


def from_dict(d):
    """The space described by the C++ module (a Gymnasium space when Gymnasium imports)."""
    if d["kind"] == "Discrete":
        if HAVE_GYMNASIUM:
            return _gym_spaces.Discrete(int(d["n"]), start=int(d["start"]))
        return Discrete(d["n"], start=d["start"])
    shape = tuple(d["shape"])
    low = np.asarray(d["low"], dtype=np.float32).reshape(shape)
    high = np.asarray(d["high"], dtype=np.float32).reshape(shape)
    if HAVE_GYMNASIUM:
        return _gym_spaces.Box(low=low, high=high, shape=shape, dtype=np.float32)
    return Box(low, high, shape, np.float32)


def batch(space, n):
    """The space of `n` stacked values of `space` (Gymnasium's batch_space)."""
    if HAVE_GYMNASIUM:
        from gymnasium.vector.utils import batch_space

        return batch_space(space, n)
    if isinstance(space, Discrete):
        return MultiDiscrete(np.full((n,), space.n), start=np.full((n,), space.start))
    return Box(
        np.repeat(space.low[None], n, axis=0),
        np.repeat(space.high[None], n, axis=0),
        (n,) + space.shape,
        space.dtype,
    )
