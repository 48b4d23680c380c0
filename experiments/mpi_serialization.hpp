// Boost.Serialization of what `rlsim run` sends between MPI ranks (experiments/mpi_runner.*):
// the job (rank 0 → workers: run specs, the checkpoints to resume from), the run results,
// and the live rows and latest checkpoints of runs in progress (workers → rank 0).
//
// Non-intrusive: the core types stay free of serialization code. Every field of RunSpec and
// RunResult is carried, so rank 0 writes exactly what a single process would have written;
// the size checks below fail the build when a field is added to either struct without being
// added here (update both, and the MPI equivalence test tests/experiments/test_mpi.cpp).
#pragma once
#include <boost/serialization/map.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/run_result.hpp"
#include "core/state_dict.hpp"
#include "run/live_rows.hpp"
#include "run/runner.hpp"

namespace rlsim {

// The job rank 0 sends to every worker rank: how to build the registry (plugins), how many
// OpenMP threads (0: the worker's own default), the whole list of runs (each rank runs its
// own share of the list, experiments/mpi_runner.cpp), and the writer's flush interval in
// seconds, which is also the live-row threshold and forwarding interval (negative: rank 0
// writes no live rows, and the workers send none), and the checkpoints the worker's runs
// resume from (`rlsim run --resume`; only those of the runs of the worker's share).
struct MpiJob {
  std::vector<std::string> plugins;
  int threads = 0;
  std::vector<RunSpec> specs;
  double live_seconds = -1;
  std::map<std::int64_t, StateDict> resume;
};

// The latest checkpoint of a run in progress on a worker rank (run/run_checkpoint.hpp), for
// the writer's CheckpointSink on rank 0.
struct MpiCheckpoint {
  RunInfo info;
  std::int64_t steps = 0;
  StateDict state;
};

// What a worker sends with tag kLive (experiments/mpi_runner.cpp): the live rows of its runs
// in progress since its last kLive, and the checkpoints taken since then (the latest per run).
struct MpiLive {
  std::vector<LiveRows> rows;
  std::vector<MpiCheckpoint> checkpoints;
};

#if defined(__x86_64__) && defined(__GLIBCXX__)
// A new field in one of these structs must be serialized below (then update the sizes).
static_assert(sizeof(RunSpec) == 264, "RunSpec changed: update experiments/mpi_serialization.hpp");
static_assert(sizeof(RunResult) == 1120,
              "RunResult changed: update experiments/mpi_serialization.hpp");
#endif

}  // namespace rlsim

namespace boost::serialization {

template <class Archive>
void save(Archive& ar, const rlsim::ParamValue& v, unsigned) {
  const int which = static_cast<int>(v.index());
  ar << which;
  std::visit([&ar](const auto& x) { ar << x; }, v);
}

template <class Archive, class T>
void load_alternative(Archive& ar, rlsim::ParamValue& v) {
  T x{};
  ar >> x;
  v = std::move(x);
}

template <class Archive>
void load(Archive& ar, rlsim::ParamValue& v, unsigned) {
  int which = 0;
  ar >> which;
  switch (which) {
    case 0:
      load_alternative<Archive, bool>(ar, v);
      break;
    case 1:
      load_alternative<Archive, std::int64_t>(ar, v);
      break;
    case 2:
      load_alternative<Archive, double>(ar, v);
      break;
    case 3:
      load_alternative<Archive, std::string>(ar, v);
      break;
    case 4:
      load_alternative<Archive, std::vector<double>>(ar, v);
      break;
    case 5:
      load_alternative<Archive, std::vector<std::int64_t>>(ar, v);
      break;
    default:
      throw rlsim::Error("MPI message holds a parameter of unknown type " + std::to_string(which) +
                         ": are all ranks running the same rlsim build?");
  }
}

template <class Archive>
void serialize(Archive& ar, rlsim::ParamValue& v, unsigned version) {
  split_free(ar, v, version);
}

template <class Archive>
void save(Archive& ar, const rlsim::Params& p, unsigned) {
  ar << p.values();
}

template <class Archive>
void load(Archive& ar, rlsim::Params& p, unsigned) {
  std::map<std::string, rlsim::ParamValue> values;
  ar >> values;
  p = rlsim::Params(std::move(values));
}

template <class Archive>
void serialize(Archive& ar, rlsim::Params& p, unsigned version) {
  split_free(ar, p, version);
}

template <class Archive>
void serialize(Archive& ar, rlsim::Budget& b, unsigned) {
  ar& b.episodes& b.steps& b.schedule_steps;
}

template <class Archive>
void serialize(Archive& ar, rlsim::RunSpec& s, unsigned) {
  ar& s.run_index& s.env_id& s.env_params& s.agent_id& s.agent_params& s.seed_index& s
      .master_seed& s.budget& s.log_steps& s.steps_every& s.steps_compression& s
      .regret_every_step& s.eval_every& s.eval_episodes& s.save_agent& s.vector_env_threads& s
      .checkpoint_every;
}

template <class Archive>
void serialize(Archive& ar, rlsim::MpiJob& j, unsigned) {
  ar& j.plugins& j.threads& j.specs& j.live_seconds& j.resume;
}

template <class Archive>
void serialize(Archive& ar, rlsim::RunInfo& i, unsigned) {
  ar& i.run_index& i.env_id& i.agent_id& i.env_params& i.agent_params& i.seed_index& i.env_seed& i
      .agent_seed& i.group;
}

template <class Archive>
void serialize(Archive& ar, rlsim::EpisodeTable& t, unsigned) {
  ar& t.returns& t.lengths& t.end_steps& t.terminated& t.truncated& t.success;
}

template <class Archive>
void serialize(Archive& ar, rlsim::StepTable& t, unsigned) {
  ar& t.obs_discrete& t.action_discrete& t.obs_dim& t.action_dim& t.episode& t.t& t.obs_index& t
      .obs& t.action_index& t.action& t.reward& t.terminated& t.truncated& t.probability& t
      .log_prob& t.env& t.has_prob& t.mask_dim& t.info_prob& t.action_mask& t.every& t
      .compression& t.obs_start& t.obs_n& t.action_start& t.action_n;
}

template <class Archive>
void serialize(Archive& ar, rlsim::RegretCurve& c, unsigned) {
  ar& c.step& c.pseudo_regret& c.realised_regret& c.optimal_pulls;
}

template <class Archive>
void serialize(Archive& ar, rlsim::EvalTable& t, unsigned) {
  ar& t.step& t.returns& t.lengths;
}

template <class Archive>
void serialize(Archive& ar, rlsim::DiagnosticsTable& t, unsigned) {
  ar& t.names& t.step& t.values;
}

template <class Archive>
void serialize(Archive& ar, rlsim::LiveRows& l, unsigned) {
  ar& l.info& l.steps& l.eval& l.diag;
}

template <class Archive>
void serialize(Archive& ar, rlsim::ArrayRecord& a, unsigned) {
  ar& a.shape& a.data;
}

template <class Archive>
void serialize(Archive& ar, rlsim::MpiCheckpoint& c, unsigned) {
  ar& c.info& c.steps& c.state;
}

template <class Archive>
void serialize(Archive& ar, rlsim::MpiLive& l, unsigned) {
  ar& l.rows& l.checkpoints;
}

template <class Archive>
void serialize(Archive& ar, rlsim::Identification& i, unsigned) {
  ar& i.can_stop& i.stopped& i.stop_time& i.recommended& i.correct;
}

template <class Archive>
void serialize(Archive& ar, rlsim::RunResult& r, unsigned) {
  ar& r.info& r.episodes& r.steps& r.regret& r.evaluations& r.diagnostics& r.agent_state& r
      .has_agent_state& r.total_steps& r.seconds& r.identification;
}

}  // namespace boost::serialization
