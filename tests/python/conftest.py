"""Shared fixtures of the rlsim package's tests (ctest runs them with pytest; see
tests/CMakeLists.txt, which sets PYTHONPATH to the build tree's python/ folder, RLSIM_BIN to
the driver and RLSIM_PLUGIN_PATH to the example plugin)."""
import os
import shutil
import subprocess

import pytest

import rlsim

SOURCE_DIR = os.environ.get(
    "RLSIM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
)


def driver():
    """The `rlsim` driver binary, or None."""
    path = os.environ.get("RLSIM_BIN") or shutil.which("rlsim")
    return path if path and os.path.exists(path) else None


@pytest.fixture
def rlsim_bin():
    path = driver()
    if path is None:
        pytest.skip("the rlsim driver was not found (set RLSIM_BIN)")
    return path


def run_driver(binary, *args, cwd=None):
    p = subprocess.run([binary, *args], capture_output=True, text=True, cwd=cwd)
    assert p.returncode == 0, f"rlsim {' '.join(args)} failed:\n{p.stderr}"
    return p.stdout


@pytest.fixture
def config_dir():
    return os.path.join(SOURCE_DIR, "experiments", "configs")


@pytest.fixture(scope="session")
def env_ids():
    return rlsim.envs()
