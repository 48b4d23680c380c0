#!/usr/bin/env python3
"""Runs every rlsim command of README.md and docs/*.md, as written, with small budgets.

Issue 17, item 17: every command shown in the documentation must run as written. This
script extracts the shell commands that invoke rlsim from the fenced code blocks of
README.md and docs/*.md, runs each doc's commands in order in a fresh temporary directory
with the real binary, and fails naming the doc, the line and the command when one fails.
It also fails when a doc names `build/bin/rlsim` (the binary is build/release/bin/rlsim).

Usage: run_doc_commands.py --rlsim PATH --source DIR --plugin PATH [--mpi] [--keep]
                           [--only README.md|docs/NAME.md ...]

What counts as a command (rules, not a per-command list):
- Only fenced blocks with no language or sh/bash/shell/console are read; python, toml,
  cpp, cmake blocks are not shell. A trailing `\\` joins a line to the next.
- In a block where some lines start with `$ `, only those lines are commands (the other
  lines are their output). Otherwise every line that is not blank or a `#` comment is one.
- A command is run when its program word (after `VAR=value` prefixes, `time`, and an
  MPI launcher `mpirun`/`mpiexec`/`srun` with its options) is `rlsim` or ends in `/rlsim`:
  `rlsim ...`, `$B/rlsim ...`, `build/release/bin/rlsim ...`, `./build/install/bin/rlsim`,
  `mpirun -np 2 $B/rlsim ...`. A line that is only `VAR=value` (e.g. `B=build/release/bin`)
  is kept and applies to the block's later commands; `mkdir` lines are run as setup. Other
  lines (cmake, scripts, python) are not rlsim commands and are listed as not run.
- A usage synopsis (a line with `[--` or `[key=value ...]`, e.g. `rlsim ope LOG.h5 --policy
  ID [--run R] ...`) is not a command.
- A fenced toml block whose first line is `# NAME.toml` (docs/ope.md's ope-demo.toml) is a
  file the docs ask the reader to write: it is written into every temporary directory.
- A command whose comment contains `fails on purpose` is an example of an error: it must
  exit with 1 or 2 (bad input or bad command line), not 0 and not a crash.
- Placeholders (FILE.h5, CONFIG.toml, ID, ...) are replaced from PLACEHOLDERS below.

Small budgets (so the whole script takes a minute or two):
- `rlsim run` (not --resume or --continue, which take the budget stored in their file): unless the command sets seeds, seeds=min(config's, MAX_SEEDS)
  (a seed list keeps its first MAX_SEEDS). Unless the command sets one of episodes, steps or
  pulls: episodes=min(config's, MAX_EPISODES) when the config has an episode budget, and
  steps=min(config's, MAX_STEPS) always (bandit runs are one episode of `horizon` pulls).
  eval.episodes=EVAL_EPISODES when the config has an [eval] table and the command does not
  set it. Budgets the command sets itself are kept: the doc chose them, and later commands
  may depend on them (`traj --episode 1999`). The overrides go at the end of the rlsim part
  of the line (before a redirection, pipe or comment); the driver takes key=value overrides
  anywhere on the line.
- Every other command: `--episodes N` above MAX_CMD_EPISODES becomes MAX_CMD_EPISODES;
  `env render` without `--max-steps` gets `--max-steps MAX_RENDER_STEPS`.

Skipped, with the reason printed: MPI launchers when rlsim was built without MPI (--mpi not
given) or the launcher is not installed; `rlsim plot` when no python3 imports matplotlib,
h5py and numpy (scripts/install-deps.sh installs them).

MPI commands run with OpenMPI's environment for root and oversubscription
(OMPI_ALLOW_RUN_AS_ROOT*, OMPI_MCA_rmaps_base_oversubscribe), so `mpirun -np 4` runs on a
2-core machine, as written.

Known failures (KNOWN_FAILURES): a command that fails because of a bug in the driver, with
the issue item that tracks it. It is run, and its failure is reported but does not fail the
test; when it passes, the test fails until the mark is removed.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

MAX_SEEDS = 2  # 2, not 1: docs evaluate `--run 1` of a one-agent config
MAX_EPISODES = 20
# Under the sanitizer preset (ASAN_OPTIONS set) deep agents run ~20x slower: a zoo DQN
# config (one 256x256 update per step) would take minutes at 2000 steps; 500 still runs every
# code path the commands show.
MAX_STEPS = 500 if os.environ.get("ASAN_OPTIONS") else 2000
EVAL_EPISODES = 2
MAX_CMD_EPISODES = 2
MAX_RENDER_STEPS = 60
COMMAND_TIMEOUT = 300  # seconds; a hang is a failure

# Sample values for placeholders in commands, matched as whole words. `{sample}` is a small
# run file the script makes on first use (episodes and steps logged, agents saved).
PLACEHOLDERS = {
    "FILE.h5": "{sample}",
    "RUN.h5": "{sample}",
    "LOG.h5": "{sample}",
    "CHECKPOINT.h5": "{sample}",
    "A.h5": "{sample}",
    "B.h5": "{sample}",
    "FILE": "{sample}",
    "CONFIG.toml": "experiments/configs/frozenlake.toml",
    "CONFIG": "experiments/configs/frozenlake.toml",
    "ID": "FrozenLake-v1",
    "DIR": "out_dir",
}

# (doc, text the command contains) -> why it fails and the issue item that tracks it.
KNOWN_FAILURES = {}

SHELL_LANGS = {"", "sh", "bash", "shell", "console"}
LAUNCHERS = {"mpirun", "mpiexec", "srun"}
# Launcher options that take a value as the next word.
LAUNCHER_VALUE_OPTIONS = {"-np", "-n", "-N", "-x", "-H", "--host", "--map-by", "--bind-to",
                          "-c", "--ntasks", "--hostfile"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
OVERRIDE = re.compile(r"^'?([A-Za-z_][A-Za-z0-9_.\[\]]*)=")


class Command:
    def __init__(self, doc, line, text, comment):
        self.doc, self.line, self.text, self.comment = doc, line, text, comment

    def where(self):
        return f"{self.doc}:{self.line}"


def split_comment(line):
    """(code, comment) of a shell line: the comment starts at an unquoted `#` that begins a
    word."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def fenced_blocks(path):
    """(language, [(line number, text)]) of each fenced block of a Markdown file."""
    blocks, current, lang = [], None, ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("```"):
            if current is None:
                lang, current = stripped[3:].strip().lower(), []
            else:
                blocks.append((lang, current))
                current = None
            continue
        if current is not None:
            current.append((number, raw))
    return blocks


def block_lines(lines):
    """Joins `\\` continuations: [(first line number, text)]."""
    out, pending, start = [], "", None
    for number, text in lines:
        if start is None:
            start = number
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        out.append((start, pending + text))
        pending, start = "", None
    if pending:
        out.append((start, pending))
    return out


def program_word(words):
    """Index of the program a command line runs, past VAR=value, `time` and a launcher."""
    i = 0
    while i < len(words) and (ASSIGNMENT.match(words[i]) or words[i] == "time"):
        i += 1
    if i < len(words) and Path(words[i]).name in LAUNCHERS:
        i += 1
        while i < len(words) and words[i].startswith("-"):
            if words[i] in LAUNCHER_VALUE_OPTIONS:
                i += 1
            i += 1
    return i


def launcher(words):
    i = 0
    while i < len(words) and (ASSIGNMENT.match(words[i]) or words[i] == "time"):
        i += 1
    if i < len(words) and Path(words[i]).name in LAUNCHERS:
        return words[i]
    return None


def shell_words(code):
    try:
        return shlex.split(code, posix=False)
    except ValueError:
        return code.split()


def is_rlsim(code):
    words = shell_words(code)
    i = program_word(words)
    return i < len(words) and re.search(r"(^|/)rlsim$", words[i]) is not None


def is_synopsis(code):
    return "[--" in code or "[key=value" in code


def extract(doc_path, rel):
    """(commands, toml files {name: text}, notes) of one doc, in order. Each command is a
    Command; a plain VAR=value line is a Command too (kind 'assign')."""
    commands, files, notes = [], {}, []
    for lang, lines in fenced_blocks(doc_path):
        if lang == "toml" and lines:
            m = re.match(r"^#\s*([\w.-]+\.toml)\s*$", lines[0][1].strip())
            if m:
                files[m.group(1)] = "\n".join(t for _, t in lines) + "\n"
            continue
        if lang not in SHELL_LANGS:
            continue
        joined = block_lines(lines)
        prompted = any(t.lstrip().startswith("$ ") for _, t in joined)
        for number, text in joined:
            stripped = text.strip()
            if prompted:
                if not stripped.startswith("$ "):
                    continue
                stripped = stripped[2:].strip()
            code, comment = split_comment(stripped)
            if not code:
                continue
            if ASSIGNMENT.match(code):
                commands.append(("assign", Command(rel, number, code, comment)))
            elif is_rlsim(code):
                if is_synopsis(code):
                    notes.append(f"{rel}:{number}: usage synopsis, not run: {code}")
                else:
                    commands.append(("rlsim", Command(rel, number, code, comment)))
            elif code.split()[0] == "mkdir":
                commands.append(("setup", Command(rel, number, code, comment)))
            else:
                notes.append(f"{rel}:{number}: not an rlsim command, not run: {code}")
    return commands, files, notes


def split_tail(code):
    """(the command, the rest): the rest starts at an unquoted redirection, pipe, `;` or
    `&&`."""
    quote = None
    for i, c in enumerate(code):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in "|;&>" or (c == "2" and code[i:i + 2] == "2>"):
            if c == "2" and i > 0 and not code[i - 1].isspace():
                continue
            return code[:i].rstrip(), " " + code[i:]
    return code, ""


def substitute_placeholders(code, sample):
    for name, value in PLACEHOLDERS.items():
        pattern = r"(?<![\w./$-])" + re.escape(name) + r"(?![\w.-])"
        if re.search(pattern, code):
            code = re.sub(pattern, lambda _: value.format(sample=sample()), code)
    return code


def small_budget(code, workdir):
    """The command with the small-budget overrides of the module docstring."""
    head, tail = split_tail(code)
    words = shell_words(head)
    i = program_word(words)
    rest = words[i + 1:]
    if not rest:
        return code
    extra = []
    if rest[0] == "run" and "--resume" not in rest and "--continue" not in rest:
        keys = set()
        for w in rest[1:]:
            m = OVERRIDE.match(w)
            if m:
                keys.add(m.group(1))
        config_path = next((w for w in rest[1:] if w.endswith(".toml")), None)
        config = workdir / (config_path or "experiments/configs/default.toml")
        try:
            cfg = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            cfg = {}  # the driver reports it
        if "seeds" not in keys:
            seeds = cfg.get("seeds", 1)
            if isinstance(seeds, list):
                extra.append("seeds=[" + ",".join(str(x) for x in seeds[:MAX_SEEDS]) + "]")
            else:
                extra.append(f"seeds={min(int(seeds), MAX_SEEDS)}")
        if not keys & {"episodes", "steps", "pulls"}:
            episodes = int(cfg.get("episodes", 0) or 0)
            steps = int(cfg.get("steps", cfg.get("pulls", 0)) or 0)
            if episodes > 0:
                extra.append(f"episodes={min(episodes, MAX_EPISODES)}")
            extra.append(f"steps={min(steps, MAX_STEPS) if steps > 0 else MAX_STEPS}")
        if "eval" in cfg and "eval.episodes" not in keys:
            extra.append(f"eval.episodes={EVAL_EPISODES}")
        return head + " " + " ".join(extra) + tail
    if "--episodes" in rest:
        k = rest.index("--episodes")
        if k + 1 < len(rest) and rest[k + 1].isdigit() and int(rest[k + 1]) > MAX_CMD_EPISODES:
            head = re.sub(r"--episodes\s+" + rest[k + 1] + r"\b", f"--episodes {MAX_CMD_EPISODES}",
                          head, count=1)
    if rest[:2] == ["env", "render"] and "--max-steps" not in rest:
        head += f" --max-steps {MAX_RENDER_STEPS}"
    return head + tail


def python_can_plot():
    candidates = [os.environ.get("RLSIM_PYTHON"), "/usr/bin/python3", shutil.which("python3")]
    for p in candidates:
        if p and Path(p).exists():
            r = subprocess.run([p, "-c", "import h5py, numpy, matplotlib"],
                               capture_output=True)
            if r.returncode == 0:
                return True
    return False


def prepare(workdir, source, rlsim, plugin, files):
    """The directory a reader of the docs works in: a clone's layout (configs, examples,
    test data), the binary where the docs say it is, the plugin where docs/plugins.md builds
    it, and the config files the docs ask the reader to write."""
    shutil.copytree(source / "experiments" / "configs", workdir / "experiments" / "configs")
    shutil.copytree(source / "examples", workdir / "examples")
    (workdir / "tests").mkdir()
    (workdir / "tests" / "data").symlink_to(source / "tests" / "data")
    for d in ("build/release/bin", "build/install/bin", "bin"):
        (workdir / d).mkdir(parents=True)
        (workdir / d / "rlsim").symlink_to(rlsim)
    (workdir / "build" / "plugin").mkdir()
    (workdir / "build" / "plugin" / "librlsim_chain_plugin.so").symlink_to(plugin)
    for name, text in files.items():
        (workdir / name).write_text(text, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rlsim", required=True, type=Path)
    ap.add_argument("--source", required=True, type=Path)
    ap.add_argument("--plugin", required=True, type=Path)
    ap.add_argument("--mpi", action="store_true", help="rlsim was built with MPI")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--only", nargs="*", default=None, help="docs to run (relative paths)")
    args = ap.parse_args()
    source, rlsim, plugin = args.source.resolve(), args.rlsim.resolve(), args.plugin.resolve()

    docs = [source / "README.md"] + sorted((source / "docs").glob("*.md"))
    failures = []

    # No doc names the old binary path.
    for doc in docs:
        for number, text in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if "build/bin/rlsim" in text:
                failures.append(f"{doc.relative_to(source)}:{number}: names build/bin/rlsim "
                                f"(the binary is build/release/bin/rlsim): {text.strip()}")

    extracted, files = [], {}
    for doc in docs:
        rel = str(doc.relative_to(source))
        commands, doc_files, notes = extract(doc, rel)
        files.update(doc_files)
        extracted.append((rel, commands, notes))

    # The extraction itself must work: README's "Using it" block has rlsim commands.
    if not any(kind == "rlsim" for kind, _ in extracted[0][1]):
        failures.append("README.md: no rlsim command found in its fenced blocks: the "
                        "extraction rules of tests/docs/run_doc_commands.py no longer match")

    can_plot = python_can_plot()
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    env.pop("RLSIM_PLUGIN_PATH", None)  # the docs' commands name their plugins themselves
    started = time.monotonic()
    counts = {"ran": 0, "skipped": 0, "known": 0}

    for rel, commands, notes in extracted:
        if args.only is not None and rel not in args.only:
            continue
        if not commands and not notes:
            continue
        print(f"== {rel}", flush=True)
        for note in notes:
            print(f"   {note}")
        if not any(kind == "rlsim" for kind, _ in commands):
            continue
        workdir = Path(tempfile.mkdtemp(prefix="rlsim_doc_"))
        prepare(workdir, source, rlsim, plugin, files)
        env["PATH"] = f"{workdir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        assignments = []
        sample_path = []

        def sample():
            if not sample_path:
                subprocess.run([str(rlsim), "run", "-q", "episodes=5", "seeds=1",
                                "log.steps=true", "save_agent=true", "--out", "sample.h5",
                                "experiments/configs/frozenlake.toml"],
                               cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL)
                sample_path.append("sample.h5")
            return sample_path[0]

        for kind, cmd in commands:
            if kind == "assign":
                assignments.append(cmd.text)
                continue
            code = cmd.text
            words = shell_words(code)
            skip = None
            runner = launcher(words)
            if runner:
                if Path(runner).name in ("mpirun", "mpiexec") and not args.mpi:
                    skip = "rlsim was built without MPI"
                elif shutil.which(runner) is None:
                    skip = f"{runner} is not installed"
            i = program_word(words)
            if words[i + 1:i + 2] == ["plot"] and not can_plot:
                skip = "no python3 with h5py, numpy and matplotlib (scripts/install-deps.sh)"
            if skip:
                print(f"skip  {cmd.where()}: {code}\n      ({skip})", flush=True)
                counts["skipped"] += 1
                continue
            if kind == "rlsim":
                code = small_budget(substitute_placeholders(code, sample), workdir)
            script = "\n".join(assignments + [code])
            cmd_env = env
            if runner and Path(runner).name in ("mpirun", "mpiexec") and env.get("ASAN_OPTIONS"):
                # Under the sanitizer preset: OpenMPI's libraries have no frame pointers, so
                # LeakSanitizer needs the slow unwinder to match tests/lsan-suppressions.txt
                # (the same option tests/experiments/driver_util.hpp gives the MPI test).
                cmd_env = dict(env, ASAN_OPTIONS=env["ASAN_OPTIONS"] + ":fast_unwind_on_malloc=0")
            t0 = time.monotonic()
            try:
                r = subprocess.run(["bash", "-c", script], cwd=workdir, env=cmd_env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT)
                rc, out = r.returncode, r.stdout.decode("utf-8", "replace")
            except subprocess.TimeoutExpired as e:
                rc = "timeout"
                out = (e.stdout or b"").decode("utf-8", "replace")
            elapsed = time.monotonic() - t0
            counts["ran"] += 1
            shown = code if code == cmd.text else f"{cmd.text}\n      as run: {code}"
            print(f"rc={rc:<3} {cmd.where()} ({elapsed:.1f} s): {shown}", flush=True)
            on_purpose = "fails on purpose" in cmd.comment
            ok = (rc in (1, 2)) if on_purpose else (rc == 0)
            known = next((why for (d, text), why in KNOWN_FAILURES.items()
                          if d == rel and text in cmd.text), None)
            if known and ok:
                failures.append(f"{cmd.where()}: marked as a known failure ({known}) but it "
                                f"passes now: remove it from KNOWN_FAILURES in "
                                f"tests/docs/run_doc_commands.py: {cmd.text}")
            elif known:
                counts["known"] += 1
                print(f"      known failure: {known}")
            elif not ok:
                expected = "exit 1 or 2 (fails on purpose)" if on_purpose else "exit 0"
                tail = "\n".join(out.rstrip().splitlines()[-15:])
                failures.append(f"{cmd.where()}: `{cmd.text}` gave rc={rc}, expected "
                                f"{expected}; as run: {code}\n{tail}")
                print("      " + tail.replace("\n", "\n      "))
        if args.keep:
            print(f"   kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n{counts['ran']} commands run, {counts['skipped']} skipped, "
          f"{counts['known']} known failures, in {time.monotonic() - started:.0f} s")
    if failures:
        print(f"\n{len(failures)} failure(s):", file=sys.stderr)
        for f in failures:
            print(f"FAIL {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
