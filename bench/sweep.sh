#!/usr/bin/env bash
# Sweep benchmark of issue #8 (BENCHMARKS.md, "Sweeps and logging overhead"):
# RUNS (default 1000) runs of tabular Q-learning on FrozenLake-v1, 1,000 episodes each.
#  1. bench_sweep (the library path `rlsim run` uses): runs/s on 1 and 2 threads with logging
#     off, episode logging and step logging; median of REPS (default 3) repetitions.
#  2. The driver end to end, interleaved so the settings see the same machine state:
#     `rlsim run --threads 1`, `--threads 2`, and `mpirun -np 2 rlsim run --threads 1`;
#     median wall time of REPS repetitions, runs/s = RUNS / time.
# Usage: bench/sweep.sh [BUILD_DIR]     (default build/release; RUNS=200 for a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
runs=${RUNS:-1000}
reps=${REPS:-3}
rlsim=$build/bin/rlsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "== bench_sweep: $runs runs x 1000 episodes, median of $reps"
RLSIM_SWEEP_RUNS=$runs "$build/bench/bench_sweep" --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true --benchmark_format=console 2>/dev/null | grep -E "median|Benchmark"

cat >"$tmp/sweep.toml" <<EOF
name = "sweep"
seed = 1
seeds = $runs
episodes = 1000
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "q-learning"
EOF

mpirun_cmd=""
if command -v mpirun >/dev/null && "$rlsim" run --help | grep -q "MPI ranks"; then
  # As root (containers) OpenMPI needs both variables; 2 ranks on 2 cores need --oversubscribe.
  mpirun_cmd="env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2"
fi

# seconds of one `rlsim run` of the sweep: time_run THREADS [LAUNCHER WORDS...]
time_run() {
  local threads=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" "$rlsim" run "$tmp/sweep.toml" --threads "$threads" -q --out "$tmp/s.h5" --overwrite \
    >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$tmp/t1"
: >"$tmp/t2"
: >"$tmp/m2"
for ((i = 0; i < reps; ++i)); do
  time_run 1 >>"$tmp/t1"
  time_run 2 >>"$tmp/t2"
  if [ -n "$mpirun_cmd" ]; then
    # shellcheck disable=SC2086
    time_run 1 $mpirun_cmd >>"$tmp/m2"
  fi
done
t1=$(median <"$tmp/t1")
t2=$(median <"$tmp/t2")
echo "== rlsim run (episode logging), $runs runs, median of $reps"
printf "%-32s %8s %10s %8s\n" setting seconds runs/s "vs 1"
printf "%-32s %8.2f %10.1f %8.2f\n" "1 thread" "$t1" "$(div "$runs" "$t1")" 1
printf "%-32s %8.2f %10.1f %8.2f\n" "2 threads" "$t2" "$(div "$runs" "$t2")" \
  "$(div "$t1" "$t2")"
if [ -n "$mpirun_cmd" ]; then
  m2=$(median <"$tmp/m2")
  printf "%-32s %8.2f %10.1f %8.2f\n" "2 MPI ranks x 1 thread" "$m2" "$(div "$runs" "$m2")" \
    "$(div "$t1" "$m2")"
else
  echo "(no MPI build or no mpirun: the MPI row is skipped)"
fi
