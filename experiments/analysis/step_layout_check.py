"""read_run.py's check of a step log in the compact layout 2 (docs/log-format.md, table 4):
its attributes, which datasets may be present, their kinds of types, shapes and filters.
Kept apart to keep read_run.py under the project's 800 lines per file."""
import h5py


def check(self, group, where, read_steps):
    """Checks a steps group of layout 2 (docs/log-format.md table 4) for the read_run.py
    Checker `self`: narrow types, columns that are rebuilt left out, no compression or
    shuffle + deflate. Returns its columns as layout 1's (read_steps), or None."""
    if not self.attrs(group, where, {"layout": "int32", "steps_every": "int64"}):
        return None
    if group.attrs["layout"] != 2 or group.attrs["steps_every"] < 1:
        self.problem(where, f"layout {group.attrs['layout']} with steps_every "
                     f"{group.attrs['steps_every']}, expected layout 2 and steps_every >= 1")
        return None
    a = group.attrs
    before = len(self.problems)
    ints, floats = "iu", "f"
    spec = {"reward": (floats, None), "terminated": ("u", None), "truncated": ("u", None),
            "probability": (floats, None)}
    spec["obs_index" if a["obs_discrete"] == 1 else "obs"] = \
        (ints, None) if a["obs_discrete"] == 1 else ("f4", int(a["obs_dim"]))
    spec["action_index" if a["action_discrete"] == 1 else "action"] = \
        (ints, None) if a["action_discrete"] == 1 else ("f4", int(a["action_dim"]))
    if "info_prob" in a:
        spec["prob"] = (floats, None)
    if "mask_dim" in a:
        spec["action_mask"] = ("u", int(a["mask_dim"]))
    optional = {"env": ints, "log_prob": floats, "episode": ints, "t": ints}
    self.members(group, where, set(spec) | set(optional) | {"episode_ids"})
    for name in optional:
        if name in group:
            spec[name] = (optional[name], None)
    if ("episode" in group) == ("episode_ids" in group) or ("episode" in group) != ("t" in group):
        self.problem(where, "expected either 'episode_ids' or both 'episode' and 't'")
        return None
    if "episode_ids" in group:
        spec["episode_ids"] = (ints, None)
    rows = group["reward"].shape[0] if "reward" in group else 0
    for name, (kind, ncols) in spec.items():
        ds = group.get(name)
        if not isinstance(ds, h5py.Dataset):
            self.problem(where, f"dataset '{name}' is missing")
            return None
        if (ds.dtype.str[1:] != kind) if kind == "f4" else ds.dtype.kind not in kind:
            self.problem(where, f"dataset '{name}' is {ds.dtype}, expected kind '{kind}'")
        if ds.ndim != (1 if ncols is None else 2) or (ncols and ds.shape[1] != ncols):
            self.problem(where, f"dataset '{name}' has shape {ds.shape}")
        elif name != "episode_ids" and ds.shape[0] != rows:
            self.problem(where, f"'{name}' has {ds.shape[0]} rows, 'reward' has {rows}")
        if ds.chunks is None or ds.maxshape[0] is not None or \
                (ds.compression is not None and (ds.compression != "gzip" or not ds.shuffle)):
            self.problem(where, f"dataset '{name}' is not chunked and extendible, without "
                         f"compression or with shuffle + deflate")
    if len(self.problems) > before:
        return None
    st = read_steps(group)
    if st["episode"].size != rows:
        self.problem(where, "'episode_ids' does not match the episodes of the rows")
        return None
    st["steps_every"] = int(a["steps_every"])
    return st
