"""Builds the rlsim Python package with this project's CMake build (docs/python.md).

`pip install --no-build-isolation .` runs this: CMake configures a Release build of the C++
libraries and the pybind11 module for the interpreter pip runs under (RLSIM_PYTHON), installs
it into a staging prefix laid out so that the package directory holds the module, its .py
files and rlsim's shared libraries side by side (the module's RPATH is $ORIGIN), and the
wheel takes that directory as the package `rlsim`. Nothing is downloaded: the build needs
what scripts/install-deps.sh installs (CMake, a C++20 compiler, Eigen, Boost, HDF5, Box2D,
pybind11, numpy).

Environment: CMAKE_ARGS (extra configure arguments, e.g. -DRLSIM_NATIVE=OFF for a package
that runs on other CPUs), CMAKE_BUILD_PARALLEL_LEVEL (build jobs; default: all cores).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = Path(__file__).resolve().parent


def project_version():
    text = (SOURCE / "CMakeLists.txt").read_text()
    m = re.search(r"project\(rlsim VERSION ([0-9.]+)", text)
    if not m:
        raise RuntimeError("CMakeLists.txt: no `project(rlsim VERSION x.y.z`")
    return m.group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        temp = Path(self.build_temp).resolve()
        build, stage = temp / "cmake", temp / "stage"
        shutil.rmtree(stage, ignore_errors=True)
        configure = [
            "cmake", "-S", str(SOURCE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
            "-DRLSIM_PYTHON=ON", "-DRLSIM_BUILD_TESTS=OFF", "-DRLSIM_BUILD_BENCH=OFF",
            # Package directory = library directory: PREFIX/lib/rlsim holds the module, its
            # .py files and librlsim_*.so; the module's RPATH is then $ORIGIN.
            "-DCMAKE_INSTALL_LIBDIR=lib/rlsim", "-DRLSIM_PYTHON_INSTALL_DIR=lib",
        ] + shlex.split(os.environ.get("CMAKE_ARGS", ""))
        env = dict(os.environ, RLSIM_PYTHON=sys.executable)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(configure, check=True, env=env)
        subprocess.run(["cmake", "--build", str(build), "-j", jobs], check=True, env=env)
        subprocess.run(["cmake", "--install", str(build), "--prefix", str(stage)], check=True)
        package = stage / "lib" / "rlsim"
        module = next(package.glob("_rlsim*.so"), None)
        if module is None:
            raise RuntimeError(f"the CMake build installed no rlsim/_rlsim*.so into {package}")
        dest = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        dest.mkdir(parents=True, exist_ok=True)
        for f in package.iterdir():
            if f.is_file() and (f.suffix == ".py" or ".so" in f.name):
                shutil.copy2(f, dest / f.name, follow_symlinks=True)
        # The module's name as setuptools expects it (its ABI tag is the same interpreter's).
        expected = Path(self.get_ext_fullpath(ext.name)).resolve()
        if not expected.exists():
            shutil.copy2(module, expected)


setup(
    version=project_version(),
    packages=[],
    ext_modules=[Extension("rlsim._rlsim", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
