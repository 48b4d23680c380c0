// The checkpoint of a run in progress (run/run_checkpoint.hpp): building it from the
// runner's state and putting it back.
#include "run/run_checkpoint.hpp"

#include <cmath>

#include "core/error.hpp"

namespace rlsim {

namespace {

constexpr double kFormat = 1.0;

template <class T>
ArrayRecord column(const std::vector<T>& v) {
  ArrayRecord r{{static_cast<std::int64_t>(v.size())}, {}};
  r.data.reserve(v.size());
  for (const T& x : v) r.data.push_back(static_cast<double>(x));
  return r;
}

// Reads the StateDict entry `name` of `ck`; `rows` (>= 0) is the size it must have.
class Reader {
 public:
  Reader(const StateDict& ck, std::string who) : ck_(ck), who_(std::move(who)) {}
  const std::vector<double>& get(const std::string& name, std::int64_t rows = -1) const {
    const auto it = ck_.find(name);
    if (it == ck_.end())
      throw Error(who_ + ": the checkpoint has no entry '" + name + "': it is damaged");
    if (rows >= 0 && it->second.data.size() != static_cast<std::size_t>(rows))
      throw Error(who_ + ": checkpoint entry '" + name + "' has " +
                  std::to_string(it->second.data.size()) + " values, expected " +
                  std::to_string(rows) + ": the checkpoint is damaged");
    return it->second.data;
  }
  template <class T>
  void read(const std::string& name, std::int64_t rows, std::vector<T>& out) const {
    const std::vector<double>& d = get(name, rows);
    out.assign(d.size(), T{});
    for (std::size_t i = 0; i < d.size(); ++i) out[i] = static_cast<T>(d[i]);
  }

 private:
  const StateDict& ck_;
  std::string who_;
};

std::vector<double> seeds_of(const RunInfo& info) {
  auto lo = [](std::uint64_t v) { return static_cast<double>(v & 0xffffffffu); };
  auto hi = [](std::uint64_t v) { return static_cast<double>(v >> 32); };
  return {static_cast<double>(info.run_index),
          static_cast<double>(info.seed_index),
          lo(info.env_seed),
          hi(info.env_seed),
          lo(info.agent_seed),
          hi(info.agent_seed)};
}

// Entries "<prefix>x" of `from` copied into `to` without the prefix.
StateDict sub_dict(const StateDict& from, const std::string& prefix) {
  StateDict out;
  for (auto it = from.lower_bound(prefix); it != from.end() && it->first.rfind(prefix, 0) == 0;
       ++it)
    out.emplace(it->first.substr(prefix.size()), it->second);
  return out;
}

}  // namespace

std::string checkpoint_support_text(const Registry& registry) {
  auto list = [](const std::vector<std::string>& ids) {
    std::string s;
    for (std::size_t i = 0; i < ids.size(); ++i)
      s += (i == 0 ? "" : i + 1 == ids.size() ? " and " : ", ") + ids[i];
    return s.empty() ? std::string("none") : s;
  };
  std::vector<std::string> envs, agents;
  std::vector<std::unique_ptr<Env>> reference;
  for (const std::string& id : registry.env_ids()) {
    try {
      auto env = registry.make_env(id, {});
      if (env->can_checkpoint()) envs.push_back(id);
      if (id == "CartPole-v1" || id == "FrozenLake-v1" || id == "Pendulum-v1")
        reference.push_back(std::move(env));
    } catch (const Error&) {
      // an env that needs parameters: not listed
    }
  }
  for (const std::string& id : registry.agent_ids()) {
    for (const auto& env : reference) {
      try {
        registry.check_compatible(id, *env);
        if (registry.make_agent(id, {}, *env, 0, 1000)->can_checkpoint()) agents.push_back(id);
        break;
      } catch (const Error&) {
        // not for this env, or needs parameters: try the next
      }
    }
  }
  return "checkpoints are supported by the envs " + list(envs) + " and the agents " + list(agents) +
         ", on one env copy, without log.steps";
}

void check_checkpoint_support(const Registry& registry, std::int64_t run_index, std::int64_t every,
                              bool log_steps, const Env& env, const Agent& agent) {
  const std::string run = "run " + std::to_string(run_index) + ": checkpoint.every = ";
  if (every < 0)
    throw Error(run + std::to_string(every) +
                " is negative: use 0 (no checkpoints) or a number of env steps");
  if (every == 0) return;
  auto refuse = [&](const std::string& why) {
    throw Error(run + std::to_string(every) + ", but " + why + " (" +
                checkpoint_support_text(registry) + "); set checkpoint.every = 0");
  };
  if (!env.can_checkpoint()) refuse("the env " + env.spec().id + " cannot save its whole state");
  if (!agent.can_checkpoint()) refuse("its agent cannot save its whole state");
  if (agent.num_envs() != 1)
    refuse("its agent runs " + std::to_string(agent.num_envs()) +
           " env copies (a vector env), which checkpoints do not cover yet");
  if (log_steps) refuse("log.steps = true, which checkpoints do not cover yet");
  if (agent.can_stop()) refuse("its agent may stop the run (best-arm identification)");
}

StateDict make_checkpoint(const RunInfo& info, const Env& env, Agent& agent, const LoopState& loop,
                          const Value& obs, const RunResult& res) {
  StateDict ck;
  ck["runner/loop"] =
      ArrayRecord{{8},
                  {kFormat, static_cast<double>(loop.total), static_cast<double>(loop.episode),
                   static_cast<double>(loop.len), loop.ret, loop.pseudo_regret,
                   loop.realised_regret, loop.mid_episode ? 1.0 : 0.0}};
  ck["runner/ids"] = ArrayRecord{{6}, seeds_of(info)};
  // Added after format 1 came out: a checkpoint without it resumes with the count unknown.
  ck["runner/optimal_pulls"] = ArrayRecord{{1}, {static_cast<double>(loop.optimal_pulls)}};
  std::vector<double> o{static_cast<double>(obs.index)};
  o.insert(o.end(), obs.vec.begin(), obs.vec.end());
  ck["runner/obs"] = ArrayRecord{{static_cast<std::int64_t>(o.size())}, o};
  env.save_checkpoint(ck, "env/");
  StateDict a;
  agent.save_checkpoint(a);
  for (auto& [name, record] : a) ck.emplace("agent/" + name, std::move(record));
  const EpisodeTable& e = res.episodes;
  ck["result/episodes/return"] = column(e.returns);
  ck["result/episodes/length"] = column(e.lengths);
  ck["result/episodes/end_step"] = column(e.end_steps);
  ck["result/episodes/terminated"] = column(e.terminated);
  ck["result/episodes/truncated"] = column(e.truncated);
  ck["result/episodes/success"] = column(e.success);
  ck["result/regret/step"] = column(res.regret.step);
  ck["result/regret/pseudo"] = column(res.regret.pseudo_regret);
  ck["result/regret/realised"] = column(res.regret.realised_regret);
  ck["result/regret/optimal"] = column(res.regret.optimal_pulls);
  ck["result/eval/step"] = column(res.evaluations.step);
  ck["result/eval/return"] = column(res.evaluations.returns);
  ck["result/eval/length"] = column(res.evaluations.lengths);
  if (const DiagnosticsTable* d = agent.diagnostics(); d && !d->names.empty()) {
    std::vector<double> names;
    for (const std::string& n : d->names) {
      for (const char c : n) names.push_back(static_cast<unsigned char>(c));
      names.push_back(0);
    }
    ck["result/diagnostics/names"] = ArrayRecord{{static_cast<std::int64_t>(names.size())}, names};
    ck["result/diagnostics/step"] = column(d->step);
    ck["result/diagnostics/values"] = column(d->values);
  }
  return ck;
}

void restore_checkpoint(const StateDict& ck, const RunInfo& info, Env& env, Agent& agent,
                        LoopState& loop, Value& obs, RunResult& res) {
  const std::string who =
      "run " + std::to_string(info.run_index) + " (" + info.env_id + ", " + info.agent_id + ")";
  const Reader r(ck, "cannot resume " + who + " from its checkpoint");
  const std::vector<double>& l = r.get("runner/loop", 8);
  if (l[0] != kFormat)
    throw Error("cannot resume " + who + " from its checkpoint: its format is " +
                std::to_string(l[0]) + ", this rlsim reads format 1");
  if (r.get("runner/ids", 6) != seeds_of(info))
    throw Error("cannot resume " + who +
                " from its checkpoint: it was taken of another run (its run index, seed index "
                "or seeds differ)");
  for (int i = 1; i <= 3; ++i)
    if (!(std::isfinite(l[i]) && l[i] >= 0 && l[i] == std::floor(l[i])))
      throw Error("cannot resume " + who + " from its checkpoint: its counters are damaged");
  const std::vector<double>& o = r.get("runner/obs");
  if (o.size() != 1 + obs.vec.size())
    throw Error("cannot resume " + who + " from its checkpoint: its observation has " +
                std::to_string(o.size() - (o.empty() ? 0 : 1)) + " components, the env's " +
                std::to_string(obs.vec.size()));
  // Every table first (an Error leaves the run's state as it was), then env and agent.
  EpisodeTable e;
  const auto episodes = static_cast<std::int64_t>(r.get("result/episodes/return").size());
  r.read("result/episodes/return", episodes, e.returns);
  r.read("result/episodes/length", episodes, e.lengths);
  r.read("result/episodes/end_step", episodes, e.end_steps);
  r.read("result/episodes/terminated", episodes, e.terminated);
  r.read("result/episodes/truncated", episodes, e.truncated);
  r.read("result/episodes/success", episodes, e.success);
  RegretCurve reg;
  const auto points = static_cast<std::int64_t>(r.get("result/regret/step").size());
  r.read("result/regret/step", points, reg.step);
  r.read("result/regret/pseudo", points, reg.pseudo_regret);
  r.read("result/regret/realised", points, reg.realised_regret);
  // Checkpoints taken before rlsim counted the pulls of the best arm lack both records: the
  // count is unknown for the whole run (RegretCurve::optimal_pulls).
  const bool optimal_known = ck.count("runner/optimal_pulls") != 0;
  if (optimal_known)
    r.read("result/regret/optimal", points, reg.optimal_pulls);
  else
    reg.optimal_pulls.assign(static_cast<std::size_t>(points), kUnknownOptimalPulls);
  double optimal_pulls = kUnknownOptimalPulls;
  if (optimal_known) {
    optimal_pulls = r.get("runner/optimal_pulls", 1)[0];
    if (!(optimal_pulls == std::floor(optimal_pulls) && optimal_pulls >= kUnknownOptimalPulls &&
          optimal_pulls <= l[1]))
      throw Error("cannot resume " + who + " from its checkpoint: its counters are damaged");
  }
  EvalTable ev;
  const auto evals = static_cast<std::int64_t>(r.get("result/eval/step").size());
  r.read("result/eval/step", evals, ev.step);
  r.read("result/eval/return", evals, ev.returns);
  r.read("result/eval/length", evals, ev.lengths);
  DiagnosticsTable diag;
  if (ck.count("result/diagnostics/names") != 0) {
    std::string name;
    for (const double c : r.get("result/diagnostics/names")) {
      if (c == 0) {
        diag.names.push_back(name);
        name.clear();
      } else {
        name.push_back(static_cast<char>(static_cast<unsigned char>(c)));
      }
    }
    const auto rows = static_cast<std::int64_t>(r.get("result/diagnostics/step").size());
    r.read("result/diagnostics/step", rows, diag.step);
    r.read("result/diagnostics/values", rows * static_cast<std::int64_t>(diag.names.size()),
           diag.values);
  }
  DiagnosticsTable* own = agent.diagnostics();
  if (!diag.names.empty() && !own)
    throw Error("cannot resume " + who +
                " from its checkpoint: it holds diagnostics, which this agent does not record");

  env.load_checkpoint(ck, "env/");
  agent.load_checkpoint(sub_dict(ck, "agent/"));
  if (own) *own = std::move(diag);
  res.episodes = std::move(e);
  res.regret = std::move(reg);
  res.evaluations = std::move(ev);
  obs.index = static_cast<std::int64_t>(o[0]);
  for (std::size_t i = 0; i < obs.vec.size(); ++i) obs.vec[i] = static_cast<float>(o[i + 1]);
  loop.total = static_cast<std::int64_t>(l[1]);
  loop.episode = static_cast<std::int64_t>(l[2]);
  loop.len = static_cast<std::int64_t>(l[3]);
  loop.ret = l[4];
  loop.pseudo_regret = l[5];
  loop.realised_regret = l[6];
  loop.mid_episode = l[7] == 1.0;
  loop.optimal_pulls = static_cast<std::int64_t>(optimal_pulls);
}

}  // namespace rlsim
