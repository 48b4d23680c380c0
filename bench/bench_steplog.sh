#!/bin/bash
# Step logging measured against the disk, not the env (issue 20, part 3; BENCHMARKS.md
# "Step logging against the disk"). In one run, interleaved, REPS repetitions of each:
#  (a) dd: sequential write of as many bytes as the FrozenLake step log, to the same
#      directory, `conv=fdatasync` (the data is on the disk when dd ends);
#  (b) FrozenLake-v1 (random agent) with log.steps = true, uncompressed and gzip level 1:
#      `rlsim run` followed by `sync FILE` (fsync: the log on the disk, as dd's fdatasync),
#      timed together; bytes/s = file size / that time. Target: uncompressed >= 50% of dd;
#  (c) LunarLander-v3 (random actions) and PPO CartPole-v1 (experiments/configs/
#      ppo_cartpole.toml) with and without step logging (gzip level 1, the default), same
#      run: logged / unlogged. Target <= 1.3x.
# Prints the median of each, the load average before and after, and the step log's bytes
# per million steps of each env logged.
# Usage: bench/bench_steplog.sh [BUILD_DIR] [OUT_DIR]   (REPS=5, FL_STEPS=4000000, FL_RUNS=4,
#        LL_STEPS=1000000, PPO_STEPS=100000)
set -euo pipefail
B=${1:-build/release}
DIR=${2:-$(mktemp -d "${TMPDIR:-/tmp}/rlsim_steplog_XXXXXX")}
REPS=${REPS:-5}
FL_STEPS=${FL_STEPS:-4000000}
FL_RUNS=${FL_RUNS:-4}
LL_STEPS=${LL_STEPS:-1000000}
PPO_STEPS=${PPO_STEPS:-100000}
RLSIM="$B/bin/rlsim"
mkdir -p "$DIR"
cfg="$DIR/fl.toml"
cat > "$cfg" <<EOF
name = "steplog-frozenlake"
seeds = $FL_RUNS
steps = $FL_STEPS
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "random"
EOF
cat > "$DIR/ll.toml" <<EOF
name = "steplog-lunarlander"
steps = $LL_STEPS
[[env]]
id = "LunarLander-v3"
[[agent]]
id = "random"
EOF

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# Seconds of `rlsim run ARGS...` into $DIR/$1, plus the fsync of the file.
timed_run() {
  local out="$DIR/$1"; shift
  rm -f "$out"
  local t0 t1
  t0=$(now)
  "$RLSIM" run -q --threads 1 --out "$out" "$@" >/dev/null
  sync "$out"
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

echo "rlsim: $("$RLSIM" --version 2>/dev/null | head -1), dir $DIR ($(df -h --output=source,fstype "$DIR" | tail -1))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A T
for ((r = 0; r < REPS; ++r)); do
  T[fl_none]+="$(timed_run fl_none.h5 "$cfg" log.steps=true log.steps_compression=\"none\") "
  size=$(stat -c %s "$DIR/fl_none.h5")
  T[fl_gzip]+="$(timed_run fl_gzip.h5 "$cfg" log.steps=true) "
  T[fl_off]+="$(timed_run fl_off.h5 "$cfg") "
  t0=$(now)
  dd if=/dev/zero of="$DIR/dd.tmp" bs=1M count=$(( (size + 1048575) / 1048576 )) conv=fdatasync status=none
  t1=$(now)
  T[dd]+="$(echo "$t1 - $t0" | bc -l) "
  dd_bytes=$(stat -c %s "$DIR/dd.tmp")
  rm -f "$DIR/dd.tmp"
  T[ll_off]+="$(timed_run ll_off.h5 "$DIR/ll.toml") "
  T[ll_log]+="$(timed_run ll_log.h5 "$DIR/ll.toml" log.steps=true) "
  T[ppo_off]+="$(timed_run ppo_off.h5 experiments/configs/ppo_cartpole.toml seeds=1 steps=$PPO_STEPS) "
  T[ppo_log]+="$(timed_run ppo_log.h5 experiments/configs/ppo_cartpole.toml seeds=1 steps=$PPO_STEPS log.steps=true) "
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
med() { tr ' ' '\n' <<< "${T[$1]}" | grep . | median; }
fl_steps=$((FL_STEPS * FL_RUNS))
size_none=$(stat -c %s "$DIR/fl_none.h5")
size_gzip=$(stat -c %s "$DIR/fl_gzip.h5")
size_off=$(stat -c %s "$DIR/fl_off.h5")
printf '\nmedians of %d repetitions (seconds; rlsim runs include sync FILE)\n' "$REPS"
printf '%-44s %9s  %s\n' "measure" "seconds" "throughput"
printf '%-44s %9.3f  %.0f MB/s\n' "(a) dd, $dd_bytes bytes, conv=fdatasync" "$(med dd)" \
  "$(echo "$dd_bytes / $(med dd) / 1000000" | bc -l)"
printf '%-44s %9.3f  %.0f MB/s written, %.1f M steps/s\n' "(b) FrozenLake, step log uncompressed" \
  "$(med fl_none)" "$(echo "$size_none / $(med fl_none) / 1000000" | bc -l)" \
  "$(echo "$fl_steps / $(med fl_none) / 1000000" | bc -l)"
printf '%-44s %9.3f  %.0f MB/s written, %.1f M steps/s\n' "(b) FrozenLake, step log gzip level 1" \
  "$(med fl_gzip)" "$(echo "$size_gzip / $(med fl_gzip) / 1000000" | bc -l)" \
  "$(echo "$fl_steps / $(med fl_gzip) / 1000000" | bc -l)"
printf '%-44s %9.3f  %.1f M steps/s\n' "    FrozenLake, no step log" "$(med fl_off)" \
  "$(echo "$fl_steps / $(med fl_off) / 1000000" | bc -l)"
printf '    uncompressed log vs dd: %.2f of dd bytes/s (target >= 0.50)\n' \
  "$(echo "($size_none / $(med fl_none)) / ($dd_bytes / $(med dd))" | bc -l)"
printf '%-44s %9.3f / %.3f = %.2fx (target <= 1.3)\n' "(c) LunarLander-v3 random, logged / off" \
  "$(med ll_log)" "$(med ll_off)" "$(echo "$(med ll_log) / $(med ll_off)" | bc -l)"
printf '%-44s %9.3f / %.3f = %.2fx (target <= 1.3)\n' "(c) PPO CartPole-v1, logged / off" \
  "$(med ppo_log)" "$(med ppo_off)" "$(echo "$(med ppo_log) / $(med ppo_off)" | bc -l)"
printf '\nstep log bytes per million steps (file with log minus file without, / steps):\n'
per_m() { echo "($(stat -c %s "$DIR/$1") - $(stat -c %s "$DIR/$2")) / $3" | bc -l; }
printf '  FrozenLake-v1 (random), uncompressed: %.0f B per step, gzip 1: %.1f B per step\n' \
  "$(per_m fl_none.h5 fl_off.h5 $fl_steps)" "$(per_m fl_gzip.h5 fl_off.h5 $fl_steps)"
printf '  LunarLander-v3 (random), gzip 1: %.1f B per step\n' "$(per_m ll_log.h5 ll_off.h5 $LL_STEPS)"
printf '  CartPole-v1 (PPO, 8 copies), gzip 1: %.1f B per step\n' \
  "$(per_m ppo_log.h5 ppo_off.h5 $PPO_STEPS)"
