#!/bin/sh
# bench_floor over every shipped deep-RL config (BENCHMARKS.md, "Training against its FLOP
# floor"). Long budgets are reduced (the ratio is per step: the same updates per env step);
# DQN runs with keep_best=false since the floor runs without evaluation. The short CartPole
# runs repeat 3 rounds of run and bare loop alternating (the minimum CPU time of each).
# Usage: bench/floor.sh [BUILD_DIR]
set -e
B=${1:-build/release}
C=experiments/configs
run() { echo "== $*"; "$B/bench/bench_floor" "$@" | tail -10; }
run $C/dqn_cartpole.toml agent.keep_best=false
run $C/dqn_acrobot.toml agent.keep_best=false steps=10000
run $C/dqn_mountaincar.toml agent.keep_best=false steps=20000
run $C/ppo_cartpole.toml --repeat=3
run $C/ppo_lunarlander.toml steps=131072
run $C/ppo_lunarlander_continuous.toml steps=131072
run $C/ppo_pendulum.toml steps=102400
run $C/ppo_bipedalwalker.toml steps=131072
run $C/a2c_cartpole.toml --repeat=3
run $C/reinforce_cartpole.toml --repeat=3
# Off-policy continuous control (issue 19): training from step 100 (the configs' warm-up is
# 10^4 random steps for TD3/DDPG and LunarLanderContinuous), the per-gradient-step ratio.
run $C/sac_pendulum.toml steps=2000 agent.keep_best=false
run $C/td3_pendulum.toml steps=2000 agent.learning_starts=100 agent.keep_best=false
run $C/ddpg_pendulum.toml steps=2000 agent.learning_starts=100 agent.keep_best=false
run $C/sac_lunarlander_continuous.toml steps=1000 agent.learning_starts=0 agent.keep_best=false
run $C/td3_lunarlander_continuous.toml steps=1000 agent.learning_starts=0 agent.keep_best=false
