#include "core/runner.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <set>

#include <omp.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/vector_env.hpp"

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

void record_step(StepTable& st, std::int64_t episode, std::int64_t t, const Value& obs,
                 const Value& action, const StepResult& r, const Decision& d) {
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
}

constexpr std::int64_t kNoEvaluation = std::numeric_limits<std::int64_t>::max();
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
    if (!fresh) agent.evaluated(at_step, sum / static_cast<double>(episodes_));
  }

 private:
  std::unique_ptr<Env> env_;
  std::uint64_t seed_ = 0, final_seed_ = 0;
  std::int64_t episodes_ = 0;
  std::int64_t cap_ = kEvalStepCap;
  Value obs_, action_;
};

// The batched loop for agents with num_envs() > 1 (docs/vector-env.md).
void run_vector(const Registry& registry, const RunSpec& spec, std::unique_ptr<Env> env,
                Agent& agent, Evaluator* evaluator, RunCounters* counters, RunResult& res) {
  const auto n = static_cast<std::size_t>(agent.num_envs());
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
  // v * n + i. An episode's id is its row in the episode table, known only when it ends:
  // its rows are then given that id (rows of copy i from vector step start[i] on).
  StepTable& st = res.steps;
  st.obs_discrete = es.observation_space.is_discrete();
  st.action_discrete = es.action_space.is_discrete();
  st.obs_dim = static_cast<int>(es.observation_space.flat_size());
  st.action_dim = static_cast<int>(es.action_space.flat_size());
  std::vector<std::int64_t> start(n, 0);
  std::int64_t vstep = 0;  // vector steps done
  auto set_episode = [&](std::size_t i, std::int64_t id) {
    for (std::int64_t v = start[i]; v < vstep; ++v)
      st.episode[static_cast<std::size_t>(v) * n + i] = id;
  };

  const std::int64_t max_episodes = spec.budget.episodes;
  const std::int64_t max_steps = spec.budget.steps;
  const auto width = static_cast<std::int64_t>(n);
  std::int64_t total = 0, episode = 0, pending_count = 0;
  std::int64_t next_eval = evaluator ? spec.eval_every : kNoEvaluation;
  EpisodeTable& et = res.episodes;
  while ((max_episodes <= 0 || episode < max_episodes) && (max_steps <= 0 || total < max_steps)) {
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
      if (max_episodes <= 0 || episode < max_episodes) {
        if (spec.log_steps) {
          set_episode(i, episode);
          start[i] = vstep;
        }
        const StepResult& r = venv.result(i);
        et.returns.push_back(ret[i]);
        et.lengths.push_back(len[i]);
        et.end_steps.push_back(total);
        et.terminated.push_back(r.terminated);
        et.truncated.push_back(r.truncated && !r.terminated);
        et.success.push_back(es.defines_success ? static_cast<std::int8_t>(r.success) : -1);
        ++episode;
      }
      ret[i] = 0.0;
      len[i] = 0;
    }
    if (counters && (pending_count += width) >= 4096) {
      counters->steps.fetch_add(pending_count, std::memory_order_relaxed);
      pending_count = 0;
    }
    if (total >= next_eval) {
      evaluator->run(agent, total, res.evaluations);
      while (next_eval <= total) next_eval += spec.eval_every;
    }
  }
  // Episodes the table does not hold (cut by the step budget, or ended in the step that
  // reached the episode budget) get the ids after its last row, in copy order.
  if (spec.log_steps)
    for (std::size_t i = 0; i < n; ++i)
      if (start[i] < vstep) set_episode(i, episode++);
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
  if (spec.save_agent) {
    try {
      agent.save(res.agent_state);
      res.has_agent_state = true;
    } catch (const Error&) {
      // An agent without learned state (a random or fixed policy) cannot save: no state.
      res.agent_state.clear();
      res.has_agent_state = false;
    }
  }
}

}  // namespace

RunResult execute_run(const Registry& registry, const RunSpec& spec, RunCounters* counters) {
  const auto t0 = std::chrono::steady_clock::now();
  if (spec.budget.episodes <= 0 && spec.budget.steps <= 0)
    throw Error("run " + std::to_string(spec.run_index) +
                " has no budget: set episodes or steps (or both) to a positive number");
  check_eval_options(spec);
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
  std::unique_ptr<Agent> agent = registry.make_agent(spec.agent_id, spec.agent_params, *env,
                                                     info.agent_seed, spec.budget.steps);
  std::unique_ptr<Evaluator> evaluator;
  if (spec.eval_every > 0) evaluator = std::make_unique<Evaluator>(registry, spec);
  const std::int64_t num_envs = agent->num_envs();
  if (num_envs < 1)
    throw Error("agent '" + spec.agent_id + "' asks for num_envs = " + std::to_string(num_envs) +
                " env copies: it must be 1 or more");
  if (num_envs > 1) {
    run_vector(registry, spec, std::move(env), *agent, evaluator.get(), counters, res);
    finish_run(spec, *agent, evaluator.get(), res);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
  }
  const EnvSpec& es = env->spec();
  const Oracle* oracle = env->oracle();

  Value obs, next_obs, action;
  es.observation_space.prepare(obs);
  es.observation_space.prepare(next_obs);
  es.action_space.prepare(action);

  StepTable& st = res.steps;
  st.obs_discrete = es.observation_space.is_discrete();
  st.action_discrete = es.action_space.is_discrete();
  st.obs_dim = static_cast<int>(es.observation_space.flat_size());
  st.action_dim = static_cast<int>(es.action_space.flat_size());

  // Regret checkpoints: every step, or log-spaced up to the planned number of pulls.
  std::vector<std::int64_t> checkpoints;
  if (oracle && !spec.regret_every_step) {
    std::int64_t planned = spec.budget.steps;
    if (planned <= 0)
      planned = spec.budget.episodes * std::max<std::int64_t>(es.max_episode_steps, 1);
    checkpoints = log_spaced_checkpoints(planned);
  }
  std::size_t next_checkpoint = 0;
  double pseudo_regret = 0.0, realised_regret = 0.0;

  const std::int64_t max_episodes = spec.budget.episodes;
  const std::int64_t max_steps = spec.budget.steps;
  std::int64_t total = 0, episode = 0, pending_count = 0;
  std::int64_t next_eval = evaluator ? spec.eval_every : kNoEvaluation;
  bool first = true;
  EpisodeTable& et = res.episodes;
  while ((max_episodes <= 0 || episode < max_episodes) && (max_steps <= 0 || total < max_steps)) {
    if (counters && counters->stop.load(std::memory_order_relaxed))
      throw Interrupted("interrupted");
    env->reset(obs, first ? std::optional<std::uint64_t>(info.env_seed) : std::nullopt);
    first = false;
    agent->begin_episode(obs);
    double ret = 0.0;
    std::int64_t len = 0;
    StepResult r;
    bool ended = false;
    while (true) {
      Decision d;
      agent->act(obs, action, d);
      double best = 0.0, expected = 0.0;
      if (oracle) {
        best = oracle->best_expected_reward();
        expected = oracle->expected_reward(action.index);
      }
      r = env->step(action, next_obs);
      if (spec.log_steps) record_step(st, episode, len, obs, action, r, d);
      ret += r.reward;
      ++len;
      ++total;
      if (oracle) {
        pseudo_regret += best - expected;
        realised_regret += best - r.reward;
        if (spec.regret_every_step ||
            (next_checkpoint < checkpoints.size() && total == checkpoints[next_checkpoint])) {
          res.regret.step.push_back(total);
          res.regret.pseudo_regret.push_back(pseudo_regret);
          res.regret.realised_regret.push_back(realised_regret);
          ++next_checkpoint;
        }
      }
      agent->observe(Transition{obs, action, r.reward, next_obs, r.terminated, r.truncated});
      std::swap(obs, next_obs);
      if (counters && ++pending_count == 4096) {
        counters->steps.fetch_add(pending_count, std::memory_order_relaxed);
        pending_count = 0;
      }
      if (total == next_eval) {  // mid-episode: the training env waits, untouched
        evaluator->run(*agent, total, res.evaluations);
        next_eval += spec.eval_every;
      }
      if (r.terminated || r.truncated) {
        ended = true;
        break;
      }
      if (max_steps > 0 && total >= max_steps) break;  // the budget cut the episode short
    }
    agent->end_episode();
    if (!ended) break;  // a partial episode is not an episode: it is not recorded
    et.returns.push_back(ret);
    et.lengths.push_back(len);
    et.end_steps.push_back(total);
    et.terminated.push_back(r.terminated);
    et.truncated.push_back(r.truncated && !r.terminated);
    et.success.push_back(es.defines_success ? static_cast<std::int8_t>(r.success) : -1);
    ++episode;
  }
  // Regret's last point is the final pull, even if the plan guessed the horizon wrong.
  if (oracle && (res.regret.step.empty() || res.regret.step.back() != total)) {
    res.regret.step.push_back(total);
    res.regret.pseudo_regret.push_back(pseudo_regret);
    res.regret.realised_regret.push_back(realised_regret);
  }
  if (counters) counters->steps.fetch_add(pending_count, std::memory_order_relaxed);
  res.total_steps = total;
  finish_run(spec, *agent, evaluator.get(), res);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

void validate_specs(const Registry& registry, const std::vector<RunSpec>& specs) {
  std::set<std::string> seen;
  for (const auto& s : specs) {
    if (s.budget.episodes <= 0 && s.budget.steps <= 0)
      throw Error("run " + std::to_string(s.run_index) +
                  " has no budget: set episodes or steps (or both) to a positive number");
    check_eval_options(s);
    Params ep = registry.resolve_env_params(s.env_id, s.env_params);
    Params ap = registry.resolve_agent_params(s.agent_id, s.agent_params);
    const std::string key = s.env_id + "|" + ep.to_text() + "|" + s.agent_id + "|" + ap.to_text();
    if (!seen.insert(key).second) continue;
    auto env = registry.make_env(s.env_id, s.env_params);
    registry.check_compatible(s.agent_id, *env);
  }
}

void execute_runs(const Registry& registry, const std::vector<RunSpec>& specs,
                  const RunnerOptions& options) {
  validate_specs(registry, specs);
  RunCounters local;
  RunCounters* counters = options.counters ? options.counters : &local;
  std::exception_ptr first_error;
  std::mutex mutex;
  const int threads = std::max(1, options.threads);
  const auto n = static_cast<std::int64_t>(specs.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::int64_t i = 0; i < n; ++i) {
    if (counters->stop.load()) continue;
    try {
      RunResult r = execute_run(registry, specs[static_cast<std::size_t>(i)], counters);
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
