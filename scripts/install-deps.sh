#!/usr/bin/env bash
# Installs everything rlsim needs to build, test and plot, from Debian 12's packages.
# Idempotent: apt-get skips what is already there. Uses sudo when not root.
# OpenMPI and Boost.MPI are installed by default, so the MPI build (`mpirun -np N rlsim run`,
# docs/scaling.md) and its test are built and run; RLSIM_WITH_MPI=0 leaves them out (CMake
# builds without MPI when they are absent, or with -DRLSIM_MPI=OFF). Optional extra: RLSIM_WITH_TORCH=1 adds libtorch for the
# side-by-side NN benchmark.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential cmake ninja-build git pkg-config
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libboost-random-dev libboost-math-dev
  libeigen3-dev libbox2d-dev libhdf5-dev hdf5-tools
  catch2 libtomlplusplus-dev libbenchmark-dev
  libcairo2-dev libgif-dev
  python3 python3-h5py python3-numpy python3-matplotlib
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-pandas
)
if [ "${RLSIM_WITH_TORCH:-0}" = "1" ]; then pkgs+=(libtorch-dev libopenblas0-pthread); fi
if [ "${RLSIM_WITH_MPI:-1}" != "0" ]; then pkgs+=(libopenmpi-dev openmpi-bin libboost-mpi-dev); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
