// rlsim._rlsim.Reader: run files read through the C++ reader (run/hdf5_log.hpp), every format
// it reads (1, 2 and 3), for rlsim.load (python/rlsim/_runfile.py), which turns the columns
// into pandas DataFrames. No second implementation of the file format: this only moves
// ExperimentReader's tables into numpy arrays, and the summary is experiments/analyze.hpp's.
//
// Parameters come back typed: each run's stored parameter text (Params::to_text) is parsed
// as the driver parses it (experiments/cli_util.hpp, params_from_text) and resolved against
// the env's or agent's schema when the id is registered (so an int stays an int and a list
// of ints a list of ints); for ids not registered here (a plugin not loaded) the values keep
// the types the text shows.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "experiments/analyze.hpp"
#include "experiments/cli_util.hpp"
#include "python/src/common.hpp"
#include "run/hdf5_log.hpp"

namespace rlsim::python {

namespace {

template <class T>
py::ssize_t rows(T n) {
  return static_cast<py::ssize_t>(n);
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& xs) {
  return py::array_t<T>(static_cast<py::ssize_t>(xs.size()), xs.data());
}

// A numpy array of `shape` holding `flat` (row-major) as Out, e.g. rows x columns of a step
// table; ValueError when the sizes disagree (a damaged file), rather than reading past the end.
template <class Out = void, class T>
auto shaped(const std::vector<T>& flat, std::vector<py::ssize_t> shape, const char* what) {
  using O = std::conditional_t<std::is_void_v<Out>, T, Out>;
  py::ssize_t n = 1;
  for (py::ssize_t d : shape) n *= d;
  if (n != static_cast<py::ssize_t>(flat.size()))
    throw py::value_error(std::string("run file: ") + what + " holds " +
                          std::to_string(flat.size()) + " values where its shape needs " +
                          std::to_string(n));
  py::array_t<O> a(std::move(shape));
  std::copy(flat.begin(), flat.end(), a.mutable_data());
  return a;
}

// A dict of named columns.
py::dict columns(std::initializer_list<std::pair<const char*, py::object>> cols) {
  py::dict d;
  for (const auto& [name, col] : cols) d[name] = col;
  return d;
}

py::array_t<bool> bool_array(const std::vector<std::uint8_t>& xs) {
  py::array_t<bool> a(static_cast<py::ssize_t>(xs.size()));
  bool* p = a.mutable_data();
  for (std::size_t i = 0; i < xs.size(); ++i) p[i] = xs[i] != 0;
  return a;
}

// Typed values of a stored parameter text, as a dict (see the file comment).
py::dict typed_params(const std::string& text, const std::string& kind, const std::string& id) {
  py::dict out;
  RawParams raw;
  try {
    raw = params_from_text(text, kind);
  } catch (const Error&) {
    return out;  // unparsable text (not written by rlsim): no typed columns
  }
  Registry& r = registry();
  const bool known = kind == "env" ? r.has_env(id) : r.has_agent(id);
  if (known) {
    try {
      const Params p =
          kind == "env" ? r.resolve_env_params(id, raw) : r.resolve_agent_params(id, raw);
      for (const auto& [k, v] : p.values())
        if (raw.count(k)) out[py::str(k)] = param_to_python(v);
      return out;
    } catch (const Error&) {
      // The schema changed since the file was written: keep the stored values as they are.
    }
  }
  for (const auto& [k, v] : raw) out[py::str(k)] = param_to_python(v);
  return out;
}

class PyReader {
 public:
  explicit PyReader(const std::string& path) : path_(path) {
    try {
      reader_ = std::make_unique<ExperimentReader>(path);
    } catch (const Error& e) {
      throw py::value_error(e.what());
    }
  }

  py::dict meta() const {
    const ExperimentMeta& m = reader_->meta();
    py::dict d;
    d["config_text"] = m.config_text;
    d["command_line"] = m.command_line;
    d["master_seed"] = m.master_seed;
    d["planned_runs"] = m.planned_runs;
    d["rlsim_version"] = m.rlsim_version;
    d["git_commit"] = m.git_commit;
    d["created"] = m.created;
    d["complete"] = m.complete;
    d["format_version"] = m.format_version;
    return d;
  }

  std::vector<std::int64_t> run_indices() const { return reader_->run_indices(); }
  std::vector<std::int64_t> complete_run_indices() const { return reader_->complete_run_indices(); }

  // Every complete run's tables, concatenated, with a `run` column.
  py::dict tables() const {
    std::vector<std::int64_t> e_run, e_ep, e_len, e_end, r_run, r_step, r_opt, v_run, v_step, v_len,
        v_ep;
    std::vector<double> e_ret, r_pseudo, r_real, v_ret;
    std::vector<std::uint8_t> e_term, e_trunc;
    std::vector<std::int8_t> e_succ;
    py::list runs, diagnostics;
    for (std::int64_t idx : reader_->complete_run_indices()) {
      const StoredRun run = read(idx, false);
      py::dict d;
      d["run"] = run.run_index;
      d["env_id"] = run.env_id;
      d["agent_id"] = run.agent_id;
      d["seed_index"] = run.seed_index;
      d["env_seed"] = run.env_seed;
      d["agent_seed"] = run.agent_seed;
      d["total_steps"] = run.total_steps;
      d["episodes"] = static_cast<std::int64_t>(run.episodes.size());
      d["group"] = run.group;
      d["env_params"] = run.env_params;
      d["agent_params"] = run.agent_params;
      d["env_values"] = typed_params(run.env_params, "env", run.env_id);
      d["agent_values"] = typed_params(run.agent_params, "agent", run.agent_id);
      d["has_agent_state"] = run.has_agent_state;
      runs.append(d);
      const EpisodeTable& e = run.episodes;
      for (std::size_t i = 0; i < e.size(); ++i) {
        e_run.push_back(run.run_index);
        e_ep.push_back(static_cast<std::int64_t>(i));
      }
      e_ret.insert(e_ret.end(), e.returns.begin(), e.returns.end());
      e_len.insert(e_len.end(), e.lengths.begin(), e.lengths.end());
      e_end.insert(e_end.end(), e.end_steps.begin(), e.end_steps.end());
      e_term.insert(e_term.end(), e.terminated.begin(), e.terminated.end());
      e_trunc.insert(e_trunc.end(), e.truncated.begin(), e.truncated.end());
      e_succ.insert(e_succ.end(), e.success.begin(), e.success.end());
      const RegretCurve& rc = run.regret;
      r_run.insert(r_run.end(), rc.size(), run.run_index);
      r_step.insert(r_step.end(), rc.step.begin(), rc.step.end());
      r_pseudo.insert(r_pseudo.end(), rc.pseudo_regret.begin(), rc.pseudo_regret.end());
      r_real.insert(r_real.end(), rc.realised_regret.begin(), rc.realised_regret.end());
      r_opt.insert(r_opt.end(), rc.optimal_pulls.begin(), rc.optimal_pulls.end());
      const EvalTable& ev = run.evaluations;
      for (std::size_t i = 0; i < ev.size(); ++i) {
        // The evaluation episode's number within its evaluation (rows of one step).
        const bool same = i > 0 && ev.step[i] == ev.step[i - 1];
        v_ep.push_back(same ? v_ep.back() + 1 : 0);
        v_run.push_back(run.run_index);
      }
      v_step.insert(v_step.end(), ev.step.begin(), ev.step.end());
      v_ret.insert(v_ret.end(), ev.returns.begin(), ev.returns.end());
      v_len.insert(v_len.end(), ev.lengths.begin(), ev.lengths.end());
      const DiagnosticsTable& dg = run.diagnostics;
      if (!dg.names.empty() && dg.size() > 0) {
        py::dict dd;
        dd["run"] = run.run_index;
        dd["names"] = dg.names;
        dd["step"] = array_of(dg.step);
        dd["values"] = shaped(dg.values, {rows(dg.size()), rows(dg.names.size())}, "diagnostics");
        diagnostics.append(dd);
      }
    }
    py::dict out;
    out["runs"] = runs;
    out["episodes"] = columns({{"run", array_of(e_run)},
                               {"episode", array_of(e_ep)},
                               {"return", array_of(e_ret)},
                               {"length", array_of(e_len)},
                               {"end_step", array_of(e_end)},
                               {"terminated", bool_array(e_term)},
                               {"truncated", bool_array(e_trunc)},
                               {"success", array_of(e_succ)}});
    out["regret"] = columns({{"run", array_of(r_run)},
                             {"step", array_of(r_step)},
                             {"pseudo_regret", array_of(r_pseudo)},
                             {"realised_regret", array_of(r_real)},
                             {"optimal_pulls", array_of(r_opt)}});
    out["eval"] = columns({{"run", array_of(v_run)},
                           {"step", array_of(v_step)},
                           {"episode", array_of(v_ep)},
                           {"return", array_of(v_ret)},
                           {"length", array_of(v_len)}});
    out["diagnostics"] = diagnostics;
    return out;
  }

  py::object steps(std::int64_t run_index) const {
    StoredRun run = read(run_index, true);
    if (!run.has_steps) return py::none();
    const StepTable& st = run.steps;
    py::dict d;
    // A single-env run stores no env column: every row is copy 0.
    d["env"] =
        st.env.empty() ? array_of(std::vector<std::int32_t>(st.size(), 0)) : array_of(st.env);
    d["episode"] = array_of(st.episode);
    d["t"] = array_of(st.t);
    d["obs_discrete"] = st.obs_discrete;
    d["action_discrete"] = st.action_discrete;
    d["obs_dim"] = st.obs_dim;
    d["action_dim"] = st.action_dim;
    d["steps_every"] = st.every;  // log.steps_every: episodes 0, k, 2k, ... were logged
    const py::ssize_t n = rows(st.size());
    d["obs"] = st.obs_discrete ? array_of(st.obs_index)
                               : py::array(shaped(st.obs, {n, rows(st.obs_dim)}, "steps/obs"));
    d["action"] = st.action_discrete
                      ? array_of(st.action_index)
                      : py::array(shaped(st.action, {n, rows(st.action_dim)}, "steps/action"));
    d["reward"] = array_of(st.reward);
    d["terminated"] = bool_array(st.terminated);
    d["truncated"] = bool_array(st.truncated);
    d["probability"] = array_of(st.probability);
    d["log_prob"] = array_of(st.log_prob);
    // The env's step info, for envs that report it (docs/log-format.md).
    if (st.has_prob) d["prob"] = array_of(st.info_prob);
    if (st.mask_dim > 0)
      d["action_mask"] =
          shaped<std::int8_t>(st.action_mask, {n, rows(st.mask_dim)}, "steps/action_mask");
    return d;
  }

  py::object agent_state(std::int64_t run_index) const {
    StoredRun run = read(run_index, false);
    if (!run.has_agent_state) return py::none();
    py::dict out;
    for (const auto& [name, rec] : run.agent_state) {
      out[py::str(name)] = shaped(rec.data, {rec.shape.begin(), rec.shape.end()}, "agent_state");
    }
    return out;
  }

  py::dict summary(std::int64_t last_k, const std::vector<std::string>& group_by) const {
    if (last_k < 1) throw py::value_error("last must be >= 1, got " + std::to_string(last_k));
    Summary s;
    try {
      s = summarize(*reader_, last_k, group_by);
    } catch (const Error& e) {
      throw py::value_error(e.what());
    }
    py::list rows;
    for (const GroupSummary& g : s.groups) {
      py::dict r;
      r["env"] = g.env_id;
      r["agent"] = g.agent_id;
      r["env_params"] = g.env_params;
      r["agent_params"] = g.agent_params;
      r["group"] = g.group;
      r["runs"] = g.runs;
      r["episodes"] = g.episodes;
      r["last_k"] = s.last_k;
      r["mean_return"] = g.mean_return;
      r["return_ci95"] = g.return_ci95;
      r["mean_length"] = g.mean_length;
      r["success_rate"] = g.success_rate >= 0 ? py::object(py::float_(g.success_rate)) : py::none();
      const bool regret = g.final_regret >= 0;
      r["final_regret"] = regret ? py::object(py::float_(g.final_regret)) : py::none();
      r["regret_ci95"] = regret ? py::object(py::float_(g.regret_ci95)) : py::none();
      r["regret_steps"] = regret ? py::object(py::int_(g.regret_steps)) : py::none();
      // The final evaluation (rlsim analyze's final_eval columns), None without evaluation.
      const bool ev = g.has_eval;
      r["final_eval"] = ev ? py::object(py::float_(g.final_eval)) : py::none();
      r["final_eval_ci95"] = ev ? py::object(py::float_(g.eval_ci95)) : py::none();
      r["final_eval_step"] = ev ? py::object(py::int_(g.eval_step)) : py::none();
      r["final_eval_episodes"] = ev ? py::object(py::int_(g.eval_episodes)) : py::none();
      rows.append(r);
    }
    py::dict out;
    out["groups"] = rows;
    out["complete_runs"] = s.complete_runs;
    out["incomplete_runs"] = s.incomplete_runs;
    out["file_complete"] = s.file_complete;
    return out;
  }

  const std::string& path() const { return path_; }

 private:
  StoredRun read(std::int64_t run_index, bool with_steps) const {
    try {
      return reader_->read_run(run_index, with_steps);
    } catch (const Error& e) {
      throw py::value_error(e.what());
    }
  }

  std::string path_;
  std::unique_ptr<ExperimentReader> reader_;
};

}  // namespace

void init_runfile(py::module_& m) {
  py::class_<PyReader>(m, "Reader", "A run file read by the C++ reader; use rlsim.load")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def_property_readonly("path", &PyReader::path)
      .def("meta", &PyReader::meta)
      .def("run_indices", &PyReader::run_indices)
      .def("complete_run_indices", &PyReader::complete_run_indices)
      .def("tables", &PyReader::tables)
      .def("steps", &PyReader::steps, py::arg("run"))
      .def("agent_state", &PyReader::agent_state, py::arg("run"))
      .def("summary", &PyReader::summary, py::arg("last"), py::arg("group_by"));
}

}  // namespace rlsim::python
