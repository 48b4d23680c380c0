#include "run/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include <omp.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "run/run_checkpoint.hpp"
#include "run/step_sampling.hpp"
#include "run/vector_env.hpp"

namespace rlsim {

std::vector<std::int64_t> log_spaced_checkpoints(std::int64_t last, int per_decade) {
  std::vector<std::int64_t> out;
  if (last <= 0) return out;
  const double factor = std::pow(10.0, 1.0 / per_decade);
  double x = 1.0;
  std::int64_t prev = 0;
  while (true) {
    const auto t = static_cast<std::int64_t>(std::llround(x));
    if (t >= last) break;
    if (t > prev) {
      out.push_back(t);
      prev = t;
    }
    x *= factor;
  }
  out.push_back(last);
  return out;
}

namespace {

void check_eval_options(const RunSpec& s) {
  const std::string run = "run " + std::to_string(s.run_index);
  if (s.eval_every < 0)
    throw Error(run + ": eval_every = " + std::to_string(s.eval_every) +
                " is negative: use 0 (no evaluation) or a number of env steps");
  if (s.eval_every > 0 && s.eval_episodes < 1)
    throw Error(run + ": eval_episodes = " + std::to_string(s.eval_episodes) +
                " with eval_every = " + std::to_string(s.eval_every) +
                ": evaluation needs at least 1 episode");
  if (s.vector_env_threads < 1)
    throw Error(run + ": vector_env_threads = " + std::to_string(s.vector_env_threads) +
                ": use 1 or more");
}

// An env that cannot terminate, without a time limit, run under an episode budget alone:
// no episode would ever end, so the run would never finish. Refused up front.
void check_episodes_end(const RunSpec& s, const EnvSpec& es) {
  if (s.budget.steps > 0 || es.max_episode_steps > 0 || es.can_terminate) return;
  throw Error("run " + std::to_string(s.run_index) + ": " + es.id +
              " cannot end an episode by itself (no state of it terminates one) and has no time "
              "limit (max_episode_steps = 0), so no episode would ever end and the budget of " +
              std::to_string(s.budget.episodes) +
              " episodes would never be spent: give the env a time limit (max_episode_steps > "
              "0, or -1 for its registered one) or the run a step budget (steps = N)");
}

// Rows the step table of a single-env run starts with room for: the step budget when there
// is one, else the rows of the last step-logged run on this thread (runs of a sweep are
// alike), at most kMaxStepReserve. Saves the reallocations (and copies) of ten growing
// columns: about a fifth of the runner's step-logging instructions on the FrozenLake sweep
// (BENCHMARKS.md, "Sweeps and logging overhead"). Values are unaffected. Reserved rows that
// are never written cost address space only (the kernel maps pages on first write); with a
// lower cap a long run copied its columns at every doubling (BENCHMARKS.md, "Step logging
// against the disk").
constexpr std::int64_t kMaxStepReserve = std::int64_t{1} << 24;
thread_local std::int64_t last_logged_steps = 0;

void reserve_steps(StepTable& st, const Budget& budget) {
  const std::int64_t rows =
      std::min(kMaxStepReserve, budget.steps > 0 ? budget.steps / st.every : last_logged_steps);
  if (rows <= 0) return;
  const auto n = static_cast<std::size_t>(rows);
  st.episode.reserve(n);
  st.t.reserve(n);
  if (st.obs_discrete)
    st.obs_index.reserve(n);
  else
    st.obs.reserve(n * static_cast<std::size_t>(st.obs_dim));
  if (st.action_discrete)
    st.action_index.reserve(n);
  else
    st.action.reserve(n * static_cast<std::size_t>(st.action_dim));
  st.reward.reserve(n);
  st.terminated.reserve(n);
  st.truncated.reserve(n);
  st.probability.reserve(n);
  st.log_prob.reserve(n);
  if (st.has_prob) st.info_prob.reserve(n);
  if (st.mask_dim > 0) st.action_mask.reserve(n * static_cast<std::size_t>(st.mask_dim));
}

// The step-info columns of `st` for an env with this spec (core/env.hpp StepInfo).
void prepare_step_info(StepTable& st, const EnvSpec& es) {
  st.has_prob = es.info.prob;
  st.mask_dim = es.info.action_mask ? static_cast<int>(es.action_space.n()) : 0;
}

// A step row; `info` (the env's after the step) gives its "prob" when the table has one.
// The action mask of the state acted in is recorded before the step (record_mask).
void record_step(StepTable& st, std::int64_t episode, std::int64_t t, const Value& obs,
                 const Value& action, const StepResult& r, const Decision& d,
                 const StepInfo* info = nullptr) {
  st.episode.push_back(episode);
  st.t.push_back(t);
  if (st.obs_discrete)
    st.obs_index.push_back(obs.index);
  else
    st.obs.insert(st.obs.end(), obs.vec.begin(), obs.vec.end());
  if (st.action_discrete)
    st.action_index.push_back(action.index);
  else
    st.action.insert(st.action.end(), action.vec.begin(), action.vec.end());
  st.reward.push_back(r.reward);
  st.terminated.push_back(r.terminated);
  st.truncated.push_back(r.truncated);
  st.probability.push_back(d.probability);
  st.log_prob.push_back(d.log_prob);
  if (st.has_prob) st.info_prob.push_back(info->prob);
}

// The mask row of the state about to be acted in, when the table has masks.
void record_mask(StepTable& st, const StepInfo& info) {
  if (st.mask_dim > 0)
    st.action_mask.insert(st.action_mask.end(), info.action_mask.begin(), info.action_mask.end());
}

// A step count never reached (no evaluation, no step budget, ...).
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
// An evaluation episode on an env without a time limit is cut after this many steps (an
// agent whose greedy policy loops would otherwise never finish); docs/vector-env.md.
constexpr std::int64_t kEvalStepCap = 100000;

// Evaluation during training on its own env copy. Each evaluation re-seeds that copy with
// the same seed (stream "eval"), so evaluations at different steps face the same episodes
// and do not depend on how many evaluations came before. Only act() is called: never
// observe/begin_episode/end_episode, so the agent's training episode state is untouched.
class Evaluator {
 public:
  Evaluator(const Registry& registry, const RunSpec& spec) : episodes_(spec.eval_episodes) {
    env_ = registry.make_env(spec.env_id, spec.env_params);
    seed_ = derive_seed(spec.master_seed, static_cast<std::uint64_t>(spec.seed_index), "eval");
    final_seed_ =
        derive_seed(spec.master_seed, static_cast<std::uint64_t>(spec.seed_index), "eval-final");
    const EnvSpec& es = env_->spec();
    es.observation_space.prepare(obs_);
    es.action_space.prepare(action_);
    cap_ = es.max_episode_steps > 0 ? es.max_episode_steps : kEvalStepCap;
  }

  // `fresh`: the episodes of a separate seed (stream "eval-final"), for the final
  // evaluation of a policy the agent chose by these evaluations (so the figure reported
  // is not the one it was selected on); that evaluation is not reported to the agent.
  void run(Agent& agent, std::int64_t at_step, EvalTable& out, bool fresh = false) {
    agent.set_evaluation(true);
    // A masking agent acts on this env's states here: it reads this env's mask meanwhile.
    const std::span<const std::uint8_t> training_mask = agent.action_mask();
    if (agent.uses_action_mask()) agent.set_action_mask(env_->info().action_mask);
    double sum = 0.0;
    for (std::int64_t e = 0; e < episodes_; ++e) {
      env_->reset(
          obs_, e == 0 ? std::optional<std::uint64_t>(fresh ? final_seed_ : seed_) : std::nullopt);
      double ret = 0.0;
      std::int64_t len = 0;
      while (true) {
        Decision d;
        agent.act(obs_, action_, d);
        const StepResult r = env_->step(action_, obs_);
        ret += r.reward;
        ++len;
        if (r.terminated || r.truncated || len >= cap_) break;
      }
      out.step.push_back(at_step);
      out.returns.push_back(ret);
      out.lengths.push_back(len);
      sum += ret;
    }
    agent.set_evaluation(false);
    agent.set_action_mask(training_mask);
    if (!fresh) agent.evaluated(at_step, sum / static_cast<double>(episodes_));
  }

 private:
  std::unique_ptr<Env> env_;
  std::uint64_t seed_ = 0, final_seed_ = 0;
  std::int64_t episodes_ = 0;
  std::int64_t cap_ = kEvalStepCap;
  Value obs_, action_;
};

// The budget of both loops: whether an episode that ends now is still counted, and whether
// another step (or vector step) may start.
bool episodes_left(const Budget& budget, std::int64_t episodes) {
  return budget.episodes <= 0 || episodes < budget.episodes;
}
bool within_budget(const Budget& budget, std::int64_t episodes, std::int64_t steps) {
  return episodes_left(budget, episodes) && (budget.steps <= 0 || steps < budget.steps);
}

// An episode table row. Values (copies): the single-env loop's counters and sums never have
// their address taken, so the compiler can keep them in registers across the per-step calls.
void push_episode(EpisodeTable& et, double ret, std::int64_t len, std::int64_t end_step,
                  StepResult last, bool defines_success) {
  et.returns.push_back(ret);
  et.lengths.push_back(len);
  et.end_steps.push_back(end_step);
  et.terminated.push_back(last.terminated);
  et.truncated.push_back(last.truncated && !last.terminated);
  et.success.push_back(defines_success ? static_cast<std::int8_t>(last.success) : -1);
}

// The batched loop for agents with num_envs() > 1 (docs/vector-env.md).
void run_vector(const Registry& registry, const RunSpec& spec, std::unique_ptr<Env> env,
                Agent& agent, Evaluator* evaluator, RunCounters* counters, LiveSink* live,
                RunResult& res) {
  const auto n = static_cast<std::size_t>(agent.num_envs());
  if (agent.uses_action_mask())
    throw Error("agent '" + spec.agent_id + "' masks actions, which it can do with one env " +
                "copy only (num_envs = 1), not " + std::to_string(n));
  std::vector<std::unique_ptr<Env>> copies;
  copies.push_back(std::move(env));
  for (std::size_t i = 1; i < n; ++i)
    copies.push_back(registry.make_env(spec.env_id, spec.env_params));
  VectorEnv venv(std::move(copies), spec.vector_env_threads);
  const EnvSpec& es = venv.spec();
  venv.reset(res.info.env_seed);

  std::vector<Value> prev_obs(n), actions(n);
  for (std::size_t i = 0; i < n; ++i) {
    es.observation_space.prepare(prev_obs[i]);
    es.action_space.prepare(actions[i]);
  }
  std::vector<Decision> decisions(n);
  std::vector<Transition> transitions;
  transitions.reserve(n);
  std::vector<double> ret(n, 0.0);
  std::vector<std::int64_t> len(n, 0);

  // Step log: one row per copy per vector step, so copy i's row at vector step v is
  // v * n + i. It has no step-info columns (has_prob false, mask_dim 0): with autoreset a
  // copy's info after a vector step may be that of its reset (docs/log-format.md). An episode's id
  // is its row in the episode table, known only when it ends: its rows are then given that id (rows
  // of copy i from vector step start[i] on).
  StepTable& st = res.steps;
  st.obs_discrete = es.observation_space.is_discrete();
  st.action_discrete = es.action_space.is_discrete();
  st.obs_dim = static_cast<int>(es.observation_space.flat_size());
  st.action_dim = static_cast<int>(es.action_space.flat_size());
  prepare_step_log(st, es, spec);
  std::vector<std::int64_t> start(n, 0);
  std::int64_t vstep = 0;  // vector steps done
  auto set_episode = [&](std::size_t i, std::int64_t id) {
    for (std::int64_t v = start[i]; v < vstep; ++v)
      st.episode[static_cast<std::size_t>(v) * n + i] = id;
  };

  const auto width = static_cast<std::int64_t>(n);
  std::int64_t total = 0, episode = 0, pending_count = 0;
  std::int64_t next_eval = evaluator ? spec.eval_every : kNever;
  while (within_budget(spec.budget, episode, total)) {
    if (counters && counters->stop.load(std::memory_order_relaxed))
      throw Interrupted("interrupted");
    for (std::size_t i = 0; i < n; ++i) prev_obs[i] = venv.obs(i);  // sized: no allocation
    agent.act_batch(venv.obs(), actions, decisions);
    venv.step(actions);
    total += width;
    transitions.clear();  // keeps its capacity
    for (std::size_t i = 0; i < n; ++i)
      transitions.push_back(Transition{prev_obs[i], actions[i], venv.reward(i),
                                       venv.done(i) ? venv.final_obs(i) : venv.obs(i),
                                       venv.terminated(i), venv.truncated(i)});
    agent.observe_batch(transitions);
    if (spec.log_steps)
      for (std::size_t i = 0; i < n; ++i) {
        record_step(st, -1, len[i], prev_obs[i], actions[i], venv.result(i), decisions[i]);
        st.env.push_back(static_cast<std::int32_t>(i));
      }
    ++vstep;
    for (std::size_t i = 0; i < n; ++i) {
      ret[i] += venv.reward(i);
      ++len[i];
      if (!venv.done(i)) continue;
      if (episodes_left(spec.budget, episode)) {
        if (spec.log_steps) {
          set_episode(i, episode);
          start[i] = vstep;
        }
        push_episode(res.episodes, ret[i], len[i], total, venv.result(i), es.defines_success);
        ++episode;
      }
      ret[i] = 0.0;
      len[i] = 0;
    }
    if ((counters || live) && (pending_count += width) >= 4096) {
      if (counters) counters->steps.fetch_add(pending_count, std::memory_order_relaxed);
      pending_count = 0;
      if (live) live->update(res.info, total, res.evaluations, agent.diagnostics());
    }
    if (total >= next_eval) {
      evaluator->run(agent, total, res.evaluations);
      while (next_eval <= total) next_eval += spec.eval_every;
      if (live) live->update(res.info, total, res.evaluations, agent.diagnostics());
    }
  }
  // Episodes the table does not hold (cut by the step budget, or ended in the step that
  // reached the episode budget) get the ids after its last row, in copy order.
  if (spec.log_steps)
    for (std::size_t i = 0; i < n; ++i)
      if (start[i] < vstep) set_episode(i, episode++);
  if (spec.log_steps) keep_sampled_episodes(st);  // steps_every: ids known only now
  if (counters) counters->steps.fetch_add(pending_count, std::memory_order_relaxed);
  res.total_steps = total;
}

// What every run does at its end: the final evaluation, diagnostics, the agent's state.
void finish_run(const RunSpec& spec, Agent& agent, Evaluator* evaluator, RunResult& res) {
  if (evaluator && (res.evaluations.step.empty() || res.evaluations.step.back() != res.total_steps))
    evaluator->run(agent, res.total_steps, res.evaluations);
  if (agent.finish_training() && evaluator) {
    // The agent now delivers another policy than the one evaluated at the last step: the
    // rows at the last step become that policy's evaluation, on fresh episodes.
    EvalTable& ev = res.evaluations;
    std::size_t keep = ev.size();
    while (keep > 0 && ev.step[keep - 1] == res.total_steps) --keep;
    ev.step.resize(keep);
    ev.returns.resize(keep);
    ev.lengths.resize(keep);
    evaluator->run(agent, res.total_steps, ev, true);
  }
  if (DiagnosticsTable* d = agent.diagnostics()) res.diagnostics = std::move(*d);
  // An agent without learned state (a random or fixed policy) has nothing to save; a save
  // that fails is the run's error.
  if (spec.save_agent && agent.has_state()) {
    agent.save(res.agent_state);
    res.has_agent_state = true;
  }
}

// Steps between two updates of RunCounters::steps (and checks of RunCounters::stop).
constexpr std::int64_t kReportEvery = 4096;

// The regret sums of the single-env loop: pseudo and realised regret, and the pulls of an
// arm with the best expected reward (unknown, and recorded as kUnknownOptimalPulls, in a
// run resumed from a checkpoint that did not record them).
struct RegretSums {
  double pseudo = 0.0, realised = 0.0;
  std::int64_t optimal = 0;
  bool optimal_known = true;
  std::int64_t optimal_pulls() const { return optimal_known ? optimal : kUnknownOptimalPulls; }
};

// A regret curve point, from values as push_episode.
void push_regret(RegretCurve& curve, std::int64_t step, const RegretSums& sums) {
  curve.step.push_back(step);
  curve.pseudo_regret.push_back(sums.pseudo);
  curve.realised_regret.push_back(sums.realised);
  curve.optimal_pulls.push_back(sums.optimal_pulls());
}

// The rare per-step events of the single-env loop: a regret checkpoint, a progress update
// (with a check of RunCounters::stop), an evaluation, the end of the step budget. The loop
// compares its step count with one number, next(), the earliest step at which any is due,
// and calls handle() there; nothing else about these options is looked at per step.
class SingleEnvEvents {
 public:
  SingleEnvEvents(const RunSpec& spec, const EnvSpec& es, bool oracle, Evaluator* evaluator,
                  RunCounters* counters, LiveSink* live, bool checkpoints, Agent& agent,
                  RunResult& res)
      : every_step_(oracle && spec.regret_every_step),
        eval_every_(spec.eval_every),
        checkpoint_every_(checkpoints ? spec.checkpoint_every : 0),
        evaluator_(evaluator),
        counters_(counters),
        live_(live),
        agent_(agent),
        res_(res) {
    // Regret checkpoints: every step, or log-spaced up to the planned number of pulls.
    if (oracle && !spec.regret_every_step) {
      std::int64_t planned = spec.budget.steps;
      if (planned <= 0)
        planned = spec.budget.episodes * std::max<std::int64_t>(es.max_episode_steps, 1);
      checkpoints_ = log_spaced_checkpoints(planned);
    }
    next_checkpoint_ = every_step_ ? 1 : checkpoint_at(0);
    next_eval_ = evaluator ? spec.eval_every : kNever;
    next_report_ = counters || live ? kReportEvery : kNever;
    limit_ = spec.budget.steps > 0 ? spec.budget.steps : kNever;
    next_checkpoint_due_ = checkpoint_every_ > 0 ? checkpoint_every_ : kNever;
    update_next();
  }

  // A run resumed from a checkpoint at step `total`: the events after it, as an
  // uninterrupted run has them there.
  void resume_at(std::int64_t total) {
    auto after = [total](std::int64_t every) { return (total / every + 1) * every; };
    while (checkpoint_at(checkpoint_index_) <= total) ++checkpoint_index_;
    next_checkpoint_ = every_step_ ? total + 1 : checkpoint_at(checkpoint_index_);
    if (next_eval_ != kNever) next_eval_ = after(eval_every_);
    if (next_report_ != kNever) next_report_ = after(kReportEvery);
    if (next_checkpoint_due_ != kNever) next_checkpoint_due_ = after(checkpoint_every_);
    update_next();
  }

  // Whether handle() found a checkpoint due at its step (then cleared).
  bool take_checkpoint() { return std::exchange(checkpoint_due_, false); }

  std::int64_t next() const { return next_; }
  // The step budget (kNever: none).
  std::int64_t limit() const { return limit_; }

  // Called when the step count `total` reaches next(), after the agent observed that step,
  // with the regret sums up to it.
  [[gnu::noinline]] void handle(std::int64_t total, const RegretSums& sums) {
    if (total == next_checkpoint_) {
      push_regret(res_.regret, total, sums);
      next_checkpoint_ = every_step_ ? total + 1 : checkpoint_at(++checkpoint_index_);
    }
    if (total == next_report_) {
      report(total);
      if (counters_ && counters_->stop.load(std::memory_order_relaxed))
        throw Interrupted("interrupted");
      next_report_ = total + kReportEvery;
      if (live_) live_->update(res_.info, total, res_.evaluations, agent_.diagnostics());
    }
    if (total == next_eval_) {  // mid-episode: the training env waits, untouched
      evaluator_->run(agent_, total, res_.evaluations);
      next_eval_ += eval_every_;
      if (live_) live_->update(res_.info, total, res_.evaluations, agent_.diagnostics());
    }
    if (total == next_checkpoint_due_) {  // taken by the loop, which holds the state
      checkpoint_due_ = true;
      next_checkpoint_due_ += checkpoint_every_;
    }
    update_next();
  }

  // Adds the steps not yet reported to RunCounters::steps.
  void report(std::int64_t total) {
    if (!counters_) return;
    counters_->steps.fetch_add(total - reported_, std::memory_order_relaxed);
    reported_ = total;
  }

 private:
  std::int64_t checkpoint_at(std::size_t i) const {
    return i < checkpoints_.size() ? checkpoints_[i] : kNever;
  }
  void update_next() {
    next_ =
        std::min(std::min(std::min(next_checkpoint_, next_report_), std::min(next_eval_, limit_)),
                 next_checkpoint_due_);
  }

  bool every_step_;
  std::int64_t eval_every_;
  std::int64_t checkpoint_every_;
  std::int64_t next_checkpoint_due_ = kNever;
  bool checkpoint_due_ = false;
  Evaluator* evaluator_;
  RunCounters* counters_;
  LiveSink* live_;
  Agent& agent_;
  RunResult& res_;
  std::vector<std::int64_t> checkpoints_;
  std::size_t checkpoint_index_ = 0;
  std::int64_t next_checkpoint_ = kNever, next_eval_ = kNever, next_report_ = kNever;
  std::int64_t limit_ = kNever, next_ = kNever, reported_ = 0;
};

// Records where and with which answer an agent ended its run (RunResult::identification);
// `oracle` (may be null) says whether the recommended action is a best one at that step.
void record_stop(const Agent& agent, const EnvSpec& es, const Oracle* oracle, std::int64_t total,
                 Identification& id) {
  id.stopped = true;
  id.stop_time = total;
  id.recommended = agent.recommendation();
  const std::int64_t first = es.action_space.start();
  if (id.recommended < first || id.recommended >= first + es.action_space.n())
    throw Error("the agent stopped the run at step " + std::to_string(total) +
                " recommending action " + std::to_string(id.recommended) +
                ", which is outside the action space of " + es.id);
  if (oracle)
    id.correct = oracle->expected_reward(id.recommended) >= oracle->best_expected_reward() ? 1 : 0;
}

// The loop of a run on one env (num_envs() = 1). The options fixed for the whole run are
// template parameters, so that the per-step path carries no branches on them and keeps its
// sums in registers: kOracle (the env has a regret oracle: two oracle calls and the regret
// sums every step) and kLog (log_steps: a StepTable row every step). Everything rarer is a
// SingleEnvEvents event. Every instantiation computes the same results
// (tests/run/test_runner.cpp compares runs with and without step logging).
template <bool kOracle, bool kLog>
void run_single(const RunSpec& spec, Env& env, Agent& agent, Evaluator* evaluator,
                RunCounters* counters, LiveSink* live, CheckpointSink* checkpoints,
                const StateDict* resume, RunResult& res) {
  const EnvSpec& es = env.spec();
  const Oracle* oracle = env.oracle();  // non-null when kOracle

  Value obs, next_obs, action;
  es.observation_space.prepare(obs);
  es.observation_space.prepare(next_obs);
  es.action_space.prepare(action);
  // The current and next observation; swapped after each step (no copy of the Values).
  Value* cur = &obs;
  Value* nxt = &next_obs;

  StepTable& st = res.steps;
  st.obs_discrete = es.observation_space.is_discrete();
  st.action_discrete = es.action_space.is_discrete();
  st.obs_dim = static_cast<int>(es.observation_space.flat_size());
  st.action_dim = static_cast<int>(es.action_space.flat_size());
  prepare_step_info(st, es);
  prepare_step_log(st, es, spec);
  if constexpr (kLog) reserve_steps(st, spec.budget);
  [[maybe_unused]] bool log_episode = kLog;  // steps_every: whether this episode's steps are logged

  // The env keeps its mask current in storage the agent reads (core/agent.hpp).
  if (agent.uses_action_mask()) agent.set_action_mask(env.info().action_mask);
  SingleEnvEvents events(spec, es, kOracle, evaluator, counters, live, checkpoints != nullptr,
                         agent, res);
  const std::int64_t limit = events.limit();
  const bool defines_success = es.defines_success;
  std::int64_t total = 0, episode = 0;
  RegretSums regret;
  bool first = true;
  // Checkpoints (run/run_checkpoint.hpp): resumed from one, the loop starts where it was
  // taken, mid-episode (no reset) or at an episode boundary; one falling due at the end of
  // an episode is taken at the boundary that follows.
  LoopState resumed;
  bool resume_mid_episode = false, checkpoint_at_boundary = false;
  if (resume) {
    restore_checkpoint(*resume, res.info, env, agent, resumed, *cur, res);
    total = resumed.total;
    episode = resumed.episode;
    regret.pseudo = resumed.pseudo_regret;
    regret.realised = resumed.realised_regret;
    regret.optimal_known = resumed.optimal_pulls >= 0;
    regret.optimal = regret.optimal_known ? resumed.optimal_pulls : 0;
    first = false;
    resume_mid_episode = resumed.mid_episode;
    events.resume_at(total);
  }
  // `final`: the end-of-loop state (CheckpointSink::continuation), taken once.
  bool continuation_taken = false;
  auto take_checkpoint = [&](std::int64_t len, double ret, bool mid_episode, bool final = false) {
    const LoopState loop{.total = total,
                         .episode = episode,
                         .len = len,
                         .ret = ret,
                         .pseudo_regret = regret.pseudo,
                         .realised_regret = regret.realised,
                         .mid_episode = mid_episode,
                         .optimal_pulls = regret.optimal_pulls()};
    StateDict state = make_checkpoint(res.info, env, agent, loop, *cur, res);
    if (final)
      checkpoints->continuation(res.info, std::move(state));
    else
      checkpoints->checkpoint(res.info, total, std::move(state));
  };
  std::int64_t next_event = events.next();
  // An agent that may end the run (Agent::can_stop, best-arm identification) is asked after
  // each step; the branch is the same every step of a run, so it costs nothing to the others.
  const bool stoppable = agent.can_stop();
  res.identification.can_stop = stoppable;
  bool agent_stopped = false;
  while (within_budget(spec.budget, episode, total)) {
    if (counters && counters->stop.load(std::memory_order_relaxed))
      throw Interrupted("interrupted");
    if (checkpoint_at_boundary) [[unlikely]] {
      checkpoint_at_boundary = false;
      take_checkpoint(0, 0.0, false);
    }
    double ret = 0.0;
    std::int64_t len = 0;
    if (resume_mid_episode) [[unlikely]] {
      resume_mid_episode = false;
      ret = resumed.ret;
      len = resumed.len;
    } else {
      env.reset(*cur, first ? std::optional<std::uint64_t>(res.info.env_seed) : std::nullopt);
      first = false;
      agent.begin_episode(*cur);
    }
    // (Checkpoints are refused with log.steps, so a resumed episode never needs its log flag.)
    if constexpr (kLog) log_episode = logs_episode(episode, spec.steps_every);
    StepResult last;
    bool ended = false;
    while (true) {
      Decision d;
      agent.act(*cur, action, d);
      double best = 0.0, expected = 0.0;
      if constexpr (kOracle) {
        best = oracle->best_expected_reward();
        expected = oracle->expected_reward(action.index);
      }
      if constexpr (kLog)
        if (log_episode) record_mask(st, env.info());
      const StepResult r = env.step(action, *nxt);
      if constexpr (kLog)
        if (log_episode) record_step(st, episode, len, *cur, action, r, d, &env.info());
      ret += r.reward;
      ++len;
      ++total;
      if constexpr (kOracle) {
        regret.pseudo += best - expected;
        regret.realised += best - r.reward;
        regret.optimal += expected >= best ? 1 : 0;
      }
      agent.observe(Transition{*cur, action, r.reward, *nxt, r.terminated, r.truncated});
      std::swap(cur, nxt);
      const bool done = r.terminated || r.truncated;
      if (total == next_event) [[unlikely]] {
        events.handle(total, regret);
        next_event = events.next();
        if (!done && total == limit) {  // the budget cut the episode short
          // The end-of-loop state, before end_episode: a longer run goes on with this episode.
          if (checkpoints) {
            take_checkpoint(len, ret, true, true);
            continuation_taken = true;
          }
          break;
        }
        if (events.take_checkpoint()) {
          if (done)
            checkpoint_at_boundary = true;
          else if (!(stoppable && agent.stopped()))
            take_checkpoint(len, ret, true);
        }
      }
      if (done) {
        last = r;
        ended = true;
        break;
      }
      if (stoppable && agent.stopped()) [[unlikely]] {
        // The agent ended the run: this episode ends here, truncated, and the run with it.
        record_stop(agent, es, oracle, total, res.identification);
        last = r;
        last.truncated = true;
        ended = agent_stopped = true;
        break;
      }
    }
    agent.end_episode();
    if (!ended) break;  // a partial episode is not an episode: it is not recorded
    push_episode(res.episodes, ret, len, total, last, defines_success);
    ++episode;
    if (agent_stopped) break;
  }
  // The budget ended the loop at an episode boundary: the end-of-loop state is that
  // boundary's (a longer run resets next). Agents that may stop have no checkpoints.
  if (checkpoints && !continuation_taken && !agent_stopped) take_checkpoint(0, 0.0, false, true);
  // Regret's last point is the final pull, even if the plan guessed the horizon wrong.
  if (kOracle && (res.regret.step.empty() || res.regret.step.back() != total))
    push_regret(res.regret, total, regret);
  events.report(total);
  res.total_steps = total;
  if constexpr (kLog) last_logged_steps = total;
}

}  // namespace

RunResult execute_run(const Registry& registry, const RunSpec& spec, RunCounters* counters,
                      LiveSink* live, CheckpointSink* checkpoints, const StateDict* resume) {
  const auto t0 = std::chrono::steady_clock::now();
  if (spec.budget.episodes <= 0 && spec.budget.steps <= 0)
    throw Error("run " + std::to_string(spec.run_index) +
                " has no budget: set episodes or steps (or both) to a positive number");
  check_eval_options(spec);
  check_step_log_options(spec);
  RunResult res;
  RunInfo& info = res.info;
  info.run_index = spec.run_index;
  info.env_id = spec.env_id;
  info.agent_id = spec.agent_id;
  info.seed_index = spec.seed_index;
  info.env_seed = derive_seed(spec.master_seed, static_cast<std::uint64_t>(spec.seed_index), "env");
  info.agent_seed =
      derive_seed(spec.master_seed, static_cast<std::uint64_t>(spec.seed_index), "agent");
  info.env_params = registry.resolve_env_params(spec.env_id, spec.env_params);
  info.agent_params = registry.resolve_agent_params(spec.agent_id, spec.agent_params);
  info.group = spec.env_id + "[" + info.env_params.to_text() + "] / " + spec.agent_id + "[" +
               info.agent_params.to_text() + "]";

  std::unique_ptr<Env> env = registry.make_env(spec.env_id, spec.env_params);
  check_episodes_end(spec, env->spec());
  std::unique_ptr<Agent> agent = registry.make_agent(spec.agent_id, spec.agent_params, *env,
                                                     info.agent_seed, schedule_steps(spec.budget));
  std::unique_ptr<Evaluator> evaluator;
  if (spec.eval_every > 0) evaluator = std::make_unique<Evaluator>(registry, spec);
  const std::int64_t num_envs = agent->num_envs();
  if (num_envs < 1)
    throw Error("agent '" + spec.agent_id + "' asks for num_envs = " + std::to_string(num_envs) +
                " env copies: it must be 1 or more");
  if (spec.checkpoint_every != 0 || resume)
    check_checkpoint_support(
        registry, spec.run_index,
        resume ? std::max<std::int64_t>(spec.checkpoint_every, 1) : spec.checkpoint_every,
        spec.log_steps, *env, *agent);
  if (spec.checkpoint_every <= 0) checkpoints = nullptr;
  if (num_envs > 1) {
    run_vector(registry, spec, std::move(env), *agent, evaluator.get(), counters, live, res);
    finish_run(spec, *agent, evaluator.get(), res);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
  }
  const bool has_oracle = env->oracle() != nullptr;
  Evaluator* ev = evaluator.get();
  if (has_oracle && spec.log_steps)
    run_single<true, true>(spec, *env, *agent, ev, counters, live, checkpoints, resume, res);
  else if (has_oracle)
    run_single<true, false>(spec, *env, *agent, ev, counters, live, checkpoints, resume, res);
  else if (spec.log_steps)
    run_single<false, true>(spec, *env, *agent, ev, counters, live, checkpoints, resume, res);
  else
    run_single<false, false>(spec, *env, *agent, ev, counters, live, checkpoints, resume, res);
  finish_run(spec, *agent, evaluator.get(), res);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

void validate_specs(const Registry& registry, const std::vector<RunSpec>& specs) {
  // The spec of each distinct env (id and parameters); an env is built once per distinct
  // (env, agent) pair, for the agent's compatibility check.
  std::map<std::string, EnvSpec> envs;
  std::set<std::string> seen, checked;
  for (const auto& s : specs) {
    if (s.budget.episodes <= 0 && s.budget.steps <= 0)
      throw Error("run " + std::to_string(s.run_index) +
                  " has no budget: set episodes or steps (or both) to a positive number");
    check_eval_options(s);
    check_step_log_options(s);
    Params ep = registry.resolve_env_params(s.env_id, s.env_params);
    Params ap = registry.resolve_agent_params(s.agent_id, s.agent_params);
    const std::string env_key = s.env_id + "|" + ep.to_text();
    const std::string key = env_key + "|" + s.agent_id + "|" + ap.to_text();
    if (seen.insert(key).second) {
      auto env = registry.make_env(s.env_id, s.env_params);
      registry.check_compatible(s.agent_id, *env);
      envs.emplace(env_key, env->spec());
    }
    // Checkpoints: env and agent must save their whole state (one agent per distinct kind).
    if (s.checkpoint_every != 0 &&
        checked.insert(key + "|" + (s.log_steps ? "steps" : "")).second) {
      auto env = registry.make_env(s.env_id, s.env_params);
      auto agent =
          registry.make_agent(s.agent_id, s.agent_params, *env, 0, schedule_steps(s.budget));
      check_checkpoint_support(registry, s.run_index, s.checkpoint_every, s.log_steps, *env,
                               *agent);
    }
    check_episodes_end(s, envs.at(env_key));
  }
}

void execute_runs(const Registry& registry, const std::vector<RunSpec>& specs,
                  const RunnerOptions& options) {
  validate_specs(registry, specs);
  RunCounters local;
  RunCounters* counters = options.counters ? options.counters : &local;
  std::exception_ptr first_error;
  std::mutex mutex;
  const auto n = static_cast<std::int64_t>(specs.size());
  // No more threads than runs: a run's VectorEnv inside an active region steps serially
  // (run/vector_env.hpp), so one long run gets its vector_threads whatever --threads says.
  const int threads =
      static_cast<int>(std::clamp<std::int64_t>(options.threads, 1, std::max<std::int64_t>(n, 1)));
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::int64_t i = 0; i < n; ++i) {
    if (counters->stop.load()) continue;
    try {
      const RunSpec& spec = specs[static_cast<std::size_t>(i)];
      const StateDict* resume = nullptr;
      if (options.resume)
        if (auto it = options.resume->find(spec.run_index); it != options.resume->end())
          resume = &it->second;
      RunResult r =
          execute_run(registry, spec, counters, options.live, options.checkpoints, resume);
      std::lock_guard<std::mutex> lock(mutex);
      if (options.on_complete) options.on_complete(std::move(r));
      counters->runs_done.fetch_add(1);
    } catch (const Interrupted&) {
      // The run was asked to stop; it is dropped (not recorded).
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!first_error) first_error = std::current_exception();
      counters->stop.store(true);
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace rlsim
